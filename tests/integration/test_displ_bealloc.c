/*
 * test_displ_bealloc — display buffers the backend provides (be-alloc)
 * end to end: process guests (guests/guest_displ.c "bealloc") on a vdispl
 * device whose config says be-alloc=1 ask pvbackd's display backend for
 * its own pages (XENDISPL_DBUF_FLG_REQ_ALLOC); pvhv grants dom0's pages to
 * the guest, the guest maps them and draws known pictures
 * (test_displ_pattern.h) into them, and the headless host side writes a
 * numbered PNG of every frame ("headless:DIR,every=numbered").
 *
 *   two_connectors  two connectors (XRGB8888): "BEALLOC offered=1", flip
 *                   events in order, every frame's PNG equal to the
 *                   picture drawn pixel for pixel, and every buffer
 *                   destroyed again without error ("FREED rc=0");
 *   rgb565          one connector in RGB565, likewise;
 *   uhd             one 3840x2160 XRGB8888 connector: two buffers of 8100
 *                   pages each, made by the backend (the guest has 16 MiB
 *                   of memory: they could not be its own), frames checked;
 *   not_offered     a device without be-alloc=1: the guest sees it and
 *                   asking anyway is refused (-EOPNOTSUPP) before the
 *                   backend;
 *   and pvbackd ends with status 0 on SIGTERM.
 *
 * Skips (77) without libpng, or when this build's pvbackd does not serve
 * vdispl.
 */
#include "displ_util.h"
#include "harness.h"
#include "test_displ_pattern.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(DISPL_HAVE_PNG) && defined(PVBACKD_BIN)
#define DISPL_CAN_RUN 1

struct guest {
	const char *name, *fmt, *cfg_extra;
	unsigned int n, frames;
	struct {
		const char *id;
		unsigned int w, h;
	} c[2];
	domid_t dom;
};

static struct hvt t;
static pid_t backd;
static char blog[320];

static int backd_start(void)
{
	char host[400];

	snprintf(host, sizeof(host), "headless:%s,every=numbered", t.rundir);
	return displ_backd_start(&t, host, blog, sizeof(blog), &backd);
}

static void dump(const struct guest *g)
{
	char cmd[700];

	fprintf(stderr, "---- %s (dom%u)\n", g->name, g->dom);
	snprintf(cmd, sizeof(cmd), "tail -n 40 '%s' '%s' >&2", t.log, blog);
	if (system(cmd) < 0)
		perror("system");
}

static int start(struct guest *g)
{
	char cfg[400], cmd[100], conns[200] = "";
	int rc;

	for (unsigned int c = 0; c < g->n; c++) {
		size_t l = strlen(conns);

		snprintf(conns + l, sizeof(conns) - l, "%s%s:%ux%u",
			 c ? ";" : "", g->c[c].id, g->c[c].w, g->c[c].h);
	}
	/* memory = 16 (the harness's) */
	snprintf(cfg, sizeof(cfg), "vdispl = [ \"connectors=%s%s\" ]\n", conns,
		 g->cfg_extra);
	snprintf(cmd, sizeof(cmd), "frames=%u fmt=%s bealloc", g->frames,
		 g->fmt);
	rc = hvt_create(&t, g->name, "guest_displ", cmd, cfg, &g->dom);
	if (rc)
		fprintf(stderr, "create %s: %d\n", g->name, rc);
	return rc;
}

/* The guest made its buffers of the backend's pages, flipped every frame
 * in order, gave them back, and each frame's PNG is right. */
static int finish(struct guest *g)
{
	char line[256], path[400], want[64];
	uint32_t fmt = displ_format(g->fmt);

	if (hvt_console_expect(&t, g->dom, "FREED", line, sizeof(line),
			       120000) ||
	    hvt_console_expect(&t, g->dom, "BEALLOC offered=1", line,
			       sizeof(line), 0) ||
	    hvt_console_expect(&t, g->dom, "FREED rc=0", line, sizeof(line), 0))
		goto bad;
	for (unsigned int c = 0; c < g->n; c++) {
		snprintf(want, sizeof(want), "FLIP c=%u n=%u", c, g->frames);
		if (hvt_console_expect(&t, g->dom, want, line, sizeof(line), 0))
			goto bad;
		for (unsigned int k = 0; k <= g->frames; k++) {
			snprintf(path, sizeof(path), "%s/%u-%s-%06u.png",
				 t.rundir, g->dom, g->c[c].id, k);
			if (displ_png_ok(path, fmt, c, k, g->c[c].w, g->c[c].h))
				goto bad;
		}
	}
	printf("ok %s: %u connector(s), %s, frames 0..%u in the backend's "
	       "pages, PNGs equal, buffers freed\n",
	       g->name, g->n, g->fmt, g->frames);
	return 0;
bad:
	dump(g);
	return 1;
}

static int not_offered(void)
{
	struct guest g = {"bn", "xrgb8888", "", 1, 2, {{"n0", 64, 48}}, 0};
	char line[256];

	if (start(&g))
		return 1;
	if (hvt_console_expect(&t, g.dom, "FREED rc=0", line, sizeof(line),
			       30000) ||
	    hvt_console_expect(&t, g.dom, "BEALLOC offered=0", line,
			       sizeof(line), 0) ||
	    hvt_console_expect(&t, g.dom, "BEALLOC try rc=-95", line,
			       sizeof(line), 0)) {
		dump(&g);
		return 1;
	}
	printf("ok %s: without be-alloc=1 the guest may not ask\n", g.name);
	return 0;
}

static int run_all(void)
{
	struct guest two = {
	    "ba", "xrgb8888", ", be-alloc=1",
	    2,	  4,	      {{"a0", 320, 240}, {"a1", 160, 120}},
	    0};
	struct guest rgb = {
	    "br", "rgb565", ", be-alloc=1", 1, 3, {{"r0", 97, 63}}, 0};
	struct guest uhd = {
	    "bu", "xrgb8888", ", be-alloc=1", 1, 2, {{"u0", 3840, 2160}}, 0};
	int fails = 0;

	if (start(&two) || start(&rgb))
		return 1;
	fails += finish(&two);
	fails += finish(&rgb);
	if (start(&uhd))
		return fails + 1;
	fails += finish(&uhd);
	return fails + not_offered();
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
		printf("SKIP: this pvbackd does not serve vdispl\n");
		return 77;
	}
	if (hvt_start(&t, NULL)) {
		fprintf(stderr, "pvhv did not start\n");
		return 1;
	}
	if (backd_start()) {
		fprintf(stderr, "pvbackd did not start\n");
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
