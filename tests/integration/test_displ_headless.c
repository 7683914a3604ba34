/*
 * test_displ_headless — the display device end to end: process guests
 * (guests/guest_displ.c, frontends/display) draw known pictures
 * (test_displ_pattern.h) through pvhv to pvbackd's vdispl backend
 * (backends/display) with the headless host side writing a numbered PNG
 * of every frame shown ("headless:DIR,every=numbered").
 *
 *   two_guests  two guests at once, two connectors each (XRGB8888): the
 *               connectors and EDID modes each guest sees, its flip events
 *               in order (n = 1 .. frames per connector, each once), every
 *               frame's PNG equal to the picture drawn, pixel for pixel,
 *               and the PNG pvbackd writes on SIGUSR1 equal to the last;
 *   formats     one guest per format (XRGB8888, ARGB8888 with its alpha,
 *               RGB565 widened back to 8 bits): every frame's PNG;
 *   errors      what the backend must refuse, as pvkit/displback.h says:
 *               a flip on a connector never configured and a mode past
 *               the resolution (-EINVAL), detaching the framebuffer on
 *               screen (-EBUSY), the device's 65th display buffer
 *               (-ENOMEM, quota DISPLBACK_DBUFS_MAX 64); then everything
 *               is taken down without error;
 *   restart     pvbackd ends (SIGTERM, status 0) and starts again under a
 *               guest: the guest loses and regains the link, gives up the
 *               buffers the new backend does not know, makes new ones and
 *               its next frames' PNGs are right again;
 *   and pvbackd ends with status 0 on SIGTERM.
 *
 * Skips (77) without libpng, or when this build's pvbackd does not serve
 * vdispl (its --help names no --displ-host).
 */
#include "displ_util.h"
#include "harness.h"
#include "test_displ_pattern.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(DISPL_HAVE_PNG) && defined(PVBACKD_BIN)
#define DISPL_CAN_RUN 1

#define FRAMES 4u

struct conn {
	const char *id;
	unsigned int w, h;
};

struct guest {
	const char *name, *fmt;
	unsigned int n;
	struct conn c[2];
	domid_t dom;
};

static struct hvt t;
static pid_t backd;
static char blog[320];

static void nap(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static int backd_start(void)
{
	char host[400];

	snprintf(host, sizeof(host), "headless:%s,every=numbered", t.rundir);
	return displ_backd_start(&t, host, blog, sizeof(blog), &backd);
}

/* ---- the guests' consoles ---------------------------------------------------
 */

static void dump(const struct guest *g)
{
	char cmd[700];

	fprintf(stderr, "---- %s (dom%u)\n", g->name, g->dom);
	snprintf(cmd, sizeof(cmd), "tail -n 40 '%s' '%s' >&2", t.log, blog);
	if (system(cmd) < 0)
		perror("system");
}

/* The console says what it must: connectors, EDID modes, and per
 * connector flip events n = 1 .. FRAMES, in order, each once. */
static int console_ok(const struct guest *g)
{
	static char con[1 << 16];
	char want[128];
	unsigned int next[2] = {1, 1};
	const char *p;

	if (hvt_console(&t, g->dom, con, sizeof(con)) < 0)
		return -1;
	for (unsigned int c = 0; c < g->n; c++) {
		snprintf(want, sizeof(want), "CONN i=%u id=%s res=%ux%u", c,
			 g->c[c].id, g->c[c].w, g->c[c].h);
		if (!strstr(con, want))
			goto bad;
		snprintf(want, sizeof(want), "EDID i=%u mode=%ux%u", c,
			 g->c[c].w, g->c[c].h);
		if (!strstr(con, want))
			goto bad;
		snprintf(want, sizeof(want), "FLIPS c=%u count=%u", c, FRAMES);
		if (!strstr(con, want))
			goto bad;
	}
	for (p = con; (p = strstr(p, "FLIP c=")); p++) {
		unsigned int c, n;

		if (sscanf(p, "FLIP c=%u n=%u", &c, &n) != 2 || c >= g->n ||
		    n != next[c]) {
			snprintf(want, sizeof(want), "FLIP c=%u n=%u in order",
				 c < 2 ? c : 0, c < 2 ? next[c] : 0);
			goto bad;
		}
		next[c]++;
	}
	for (unsigned int c = 0; c < g->n; c++)
		if (next[c] != FRAMES + 1) {
			snprintf(want, sizeof(want), "FLIP c=%u n=%u", c,
				 next[c]);
			goto bad;
		}
	return 0;
bad:
	fprintf(stderr, "%s: console lacks '%s':\n%s\n", g->name, want, con);
	return -1;
}

/* ---- the PNGs
 * -----------------------------------------------------------------
 */

/* Every frame's numbered PNG equals the picture of that frame (frames
 * base .. base + FRAMES). */
static int frames_ok(const struct guest *g, unsigned int base)
{
	char path[400];
	uint32_t fmt = displ_format(g->fmt);

	for (unsigned int c = 0; c < g->n; c++)
		for (unsigned int k = 0; k <= FRAMES; k++) {
			snprintf(path, sizeof(path), "%s/%u-%s-%06u.png",
				 t.rundir, g->dom, g->c[c].id, k);
			if (displ_png_ok(path, fmt, c, base + k, g->c[c].w,
				   g->c[c].h))
				return -1;
		}
	return 0;
}

/* SIGUSR1: pvbackd writes each connector's frame on screen (the last). */
static int dump_ok(const struct guest *g)
{
	char path[400];
	struct stat sb;

	for (unsigned int c = 0; c < g->n; c++) {
		snprintf(path, sizeof(path), "%s/%u-%s.png", t.rundir, g->dom,
			 g->c[c].id);
		unlink(path);
	}
	kill(backd, SIGUSR1);
	for (unsigned int c = 0; c < g->n; c++) {
		snprintf(path, sizeof(path), "%s/%u-%s.png", t.rundir, g->dom,
			 g->c[c].id);
		for (int i = 0; i < 2000 && stat(path, &sb); i++)
			nap(5);
		if (displ_png_ok(path, displ_format(g->fmt), c, FRAMES, g->c[c].w,
			   g->c[c].h))
			return -1;
	}
	return 0;
}

static int start(struct guest *g, const char *extra)
{
	char cfg[300], cmd[100], conns[200] = "";
	int rc;

	for (unsigned int c = 0; c < g->n; c++) {
		size_t l = strlen(conns);

		snprintf(conns + l, sizeof(conns) - l, "%s%s:%ux%u",
			 c ? ";" : "", g->c[c].id, g->c[c].w, g->c[c].h);
	}
	snprintf(cfg, sizeof(cfg), "vdispl = [ \"connectors=%s\" ]\n", conns);
	snprintf(cmd, sizeof(cmd), "frames=%u fmt=%s %s", FRAMES, g->fmt,
		 extra);
	rc = hvt_create(&t, g->name, "guest_displ", cmd, cfg, &g->dom);
	if (rc)
		fprintf(stderr, "create %s: %d\n", g->name, rc);
	return rc;
}

static int finish(struct guest *g, bool dump_too)
{
	char line[256];

	if (hvt_console_expect(&t, g->dom, "DONE", line, sizeof(line), 60000) ||
	    console_ok(g) || frames_ok(g, 0) || (dump_too && dump_ok(g))) {
		dump(g);
		return 1;
	}
	printf("ok %s: %u connector(s), %s, %u flips each, PNGs equal\n",
	       g->name, g->n, g->fmt, FRAMES);
	return 0;
}

/* The backend's refusals, seen by guest_displ's "errors". */
static int errors_case(void)
{
	static const char *const want[] = {
	    "ERR what=flip_off rc=-22",	 "ERR what=mode_big rc=-22",
	    "ERR what=detach_on rc=-16", "ERR what=quota rc=-12 made=62",
	    "ERR what=cleanup rc=0",
	};
	struct guest g = {"ge", "xrgb8888", 1, {{"e0", 64, 48}}, 0};
	char line[256];

	if (hvt_create(&t, g.name, "guest_displ", "errors",
		       "vdispl = [ \"connectors=e0:64x48\" ]\n", &g.dom))
		return 1;
	if (hvt_console_expect(&t, g.dom, "DONE", line, sizeof(line), 60000))
		goto bad;
	for (unsigned int i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (hvt_console_expect(&t, g.dom, want[i], line, sizeof(line),
				       0))
			goto bad;
	printf("ok %s: the backend's refusals as displback.h says\n", g.name);
	return 0;
bad:
	dump(&g);
	return 1;
}

/* pvbackd restarts under a guest: the guest connects again, makes its
 * buffers again and shows frames 100 .. 100 + FRAMES, which the new
 * pvbackd writes as its frames 000000 .. */
static int restart_case(void)
{
	struct guest g = {"gr", "xrgb8888", 1, {{"r0", 80, 60}}, 0};
	char line[256];
	int status;

	if (start(&g, "restart"))
		return 1;
	if (hvt_console_expect(&t, g.dom, "DONE", line, sizeof(line), 60000) ||
	    console_ok(&g) || frames_ok(&g, 0))
		goto bad;
	status = hvt_kill_wait(&backd, SIGTERM);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "pvbackd ended with status %#x\n", status);
		goto bad;
	}
	if (backd_start()) {
		fprintf(stderr, "pvbackd did not start again\n");
		goto bad;
	}
	if (hvt_console_expect(&t, g.dom, "DONE2", line, sizeof(line), 60000) ||
	    hvt_console_expect(&t, g.dom, "LINK up=0", line, sizeof(line), 0) ||
	    hvt_console_expect(&t, g.dom, "FLIP c=0 n=104", line, sizeof(line),
			       0) ||
	    frames_ok(&g, 100))
		goto bad;
	printf("ok %s: pvbackd restarted, the guest reconnected and showed "
	       "frames 100..%u\n",
	       g.name, 100 + FRAMES);
	return 0;
bad:
	dump(&g);
	return 1;
}

static int run_all(void)
{
	struct guest two[2] = {
	    {"ga", "xrgb8888", 2, {{"a0", 320, 240}, {"a1", 160, 120}}, 0},
	    {"gb", "xrgb8888", 2, {{"b0", 200, 100}, {"b1", 64, 48}}, 0},
	};
	struct guest fmts[3] = {
	    {"fx", "xrgb8888", 1, {{"fx0", 96, 64}}, 0},
	    {"fa", "argb8888", 1, {{"fa0", 96, 64}}, 0},
	    {"fr", "rgb565", 1, {{"fr0", 97, 63}}, 0},
	};
	int fails = 0;

	/* two guests at once */
	for (unsigned int i = 0; i < 2; i++)
		if (start(&two[i], ""))
			return 1;
	for (unsigned int i = 0; i < 2; i++)
		fails += finish(&two[i], true);
	for (unsigned int i = 0; i < 3; i++)
		if (start(&fmts[i], ""))
			return fails + 1;
	for (unsigned int i = 0; i < 3; i++)
		fails += finish(&fmts[i], false);
	fails += errors_case();
	return fails + restart_case();
}
#endif

int main(void)
{
#ifndef DISPL_CAN_RUN
	printf("SKIP: built without libpng or without pvbackd\n");
	return 77;
#else
	char out[8192];
	int fails, status;

	hvt_sh(out, sizeof(out), "%s --help", PVBACKD_BIN);
	if (!strstr(out, "--displ-host")) {
		printf("SKIP: this pvbackd does not serve vdispl "
		       "(no --displ-host in its --help)\n");
		return 77;
	}
	if (hvt_start(&t, NULL)) {
		fprintf(stderr, "pvhv did not start\n");
		return 1;
	}
	if (backd_start()) {
		fprintf(stderr, "pvbackd did not start:\n");
		snprintf(out, sizeof(out), "cat '%s' >&2", blog);
		if (system(out) < 0)
			perror("system");
		hvt_stop(&t);
		return 1;
	}
	fails = run_all();
	status = hvt_kill_wait(&backd, SIGTERM);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "pvbackd ended with status %#x\n", status);
		fails++;
	}
	if (hvt_stop(&t))
		fails++;
	return fails ? 1 : 0;
#endif
}
