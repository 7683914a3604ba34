/*
 * test_displ_sdl — the display's sdl host side end to end: pvhv, pvbackd
 * --backends displ,input --displ-host sdl..., and two guests at once
 * (guests/guest_displ_touch.c), each with two connectors showing known
 * pictures (test_displ_pattern.h, frame 0) and a vkbd asking for
 * absolute positions and multi-touch.
 *
 *   test_displ_sdl [offscreen]  SDL_VIDEODRIVER=offscreen, SDL's software
 *       renderer, dir=RUNDIR: on SIGUSR1 pvbackd reads every window back
 *       from its renderer (SDL_RenderReadPixels) into RUNDIR/<dom>-<id>.png;
 *       each is the guest's picture, pixel for pixel.
 *   test_displ_sdl xvfb  (ctest: test_displ_sdl_xvfb) a real X server (Xvfb :N, started here) and
 *       SDL's x11 driver with its default renderer and vsync: the four
 *       windows are found by their titles ("dom<D> <name> — <id> (WxH)"),
 *       placed apart (xdotool windowmove), captured with ImageMagick's
 *       `import -window ID` and compared with the guest's picture pixel
 *       for pixel; then xdotool presses, drags and releases the mouse in
 *       one guest's windows: that guest reads a touch contact (MT DOWN /
 *       MOTION / UP at the connector's pixels) and the pointer, and the
 *       other guest reads nothing; and the other way round.  Guest ga
 *       has one vkbd (connector 0's size): both windows' touches reach
 *       it, connector 1's scaled.  Guest gb has a vkbd per connector:
 *       each window's touches reach the vkbd of its number only.
 *
 * Skips (77) without libpng or a pvbackd with the sdl host side, and the
 * xvfb mode without Xvfb, import or xdotool (scripts/deps.sh installs
 * them).
 */
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
#include <png.h>

struct conn {
	const char *id;
	unsigned int w, h;
	int x, y;	/* where the xvfb mode puts its window */
	char win[32]; /* its X window id */
};

struct guest {
	const char *name;
	struct conn c[2];
	unsigned int vkbds; /* 1: connector 0's size; 2: one per connector */
	domid_t dom;
};

static struct hvt t;
static pid_t backd, xvfb;
static char blog[320];

static void nap(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* ---- consoles ---------------------------------------------------------------
 */

/* Times pattern occurs in dom's console. */
static unsigned int count(domid_t dom, const char *pattern)
{
	static char con[1 << 17];
	unsigned int n = 0;

	if (hvt_console(&t, dom, con, sizeof(con)) < 0)
		return 0;
	for (const char *p = con; (p = strstr(p, pattern)); p++)
		n++;
	return n;
}

/* g's input events on stderr. */
static void show_events(const struct guest *g)
{
	static char con[1 << 17];

	if (hvt_console(&t, g->dom, con, sizeof(con)) < 0)
		return;
	for (const char *p = con; (p = strstr(p, "EV ")); p++)
		fprintf(stderr, "%s: %.*s\n", g->name, (int)strcspn(p, "\n"),
			p);
}

static void dump(const struct guest *g)
{
	char cmd[800];

	fprintf(stderr, "---- %s (dom%u)\n", g->name, g->dom);
	snprintf(cmd, sizeof(cmd), "tail -n 30 '%s' '%s' >&2", t.log, blog);
	if (system(cmd) < 0)
		perror("system");
}

/* ---- pictures ---------------------------------------------------------------
 */

/* The PNG at path is connector c's picture (w x h), pixel for pixel. */
static int png_ok(const char *path, unsigned int c, unsigned int w,
		  unsigned int h)
{
	png_image img;
	uint8_t *buf;
	int rc = 0;

	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_file(&img, path)) {
		fprintf(stderr, "%s: %s\n", path, img.message);
		return -1;
	}
	if (img.width != w || img.height != h) {
		fprintf(stderr, "%s: %ux%u, want %ux%u\n", path, img.width,
			img.height, w, h);
		png_image_free(&img);
		return -1;
	}
	img.format = PNG_FORMAT_RGB;
	buf = malloc(PNG_IMAGE_SIZE(img));
	if (!buf || !png_image_finish_read(&img, NULL, buf, 0, NULL)) {
		free(buf);
		return -1;
	}
	for (unsigned int y = 0; y < h && !rc; y++)
		for (unsigned int x = 0; x < w; x++) {
			struct displ_rgba e = displ_expect(
			    DISPLFRONT_FMT_XRGB8888,
			    displ_pattern(c, 0, x, y, w, h));
			const uint8_t *q = buf + ((size_t)y * w + x) * 3;

			if (q[0] != e.r || q[1] != e.g || q[2] != e.b) {
				fprintf(stderr,
					"%s: pixel (%u,%u) is %02x%02x%02x, "
					"want %02x%02x%02x\n",
					path, x, y, q[0], q[1], q[2], e.r, e.g,
					e.b);
				rc = -1;
				break;
			}
		}
	free(buf);
	return rc;
}

/* ---- pvbackd and the guests -----------------------------------------------
 */

static int backd_start(const char *host)
{
	const char *argv[] = {PVBACKD_BIN, "--rundir",	  t.rundir,
			      "--backends", "displ,input", "--displ-host",
			      host,	    "--verbose",   NULL};

	const char *asan = getenv("ASAN_OPTIONS");
	char opts[512];
	int rc;

	snprintf(blog, sizeof(blog), "%s/pvbackd.log", t.rundir);
	/* Under AddressSanitizer: SDL's video drivers (dlopen'd X11, GL,
	 * EGL) keep allocations past SDL_Quit() that LeakSanitizer reports
	 * at pvbackd's exit, with no frame of pvkit's (checked by hand);
	 * pvbackd alone runs without leak checks, memory errors still
	 * count.  pvhv and the guests keep theirs. */
	snprintf(opts, sizeof(opts), "%s%sdetect_leaks=0", asan ? asan : "",
		 asan ? ":" : "");
	setenv("ASAN_OPTIONS", opts, 1);
	rc = hvt_daemon_start(argv, blog, "pvbackd: ready", 10000, &backd);
	if (asan)
		setenv("ASAN_OPTIONS", asan, 1);
	else
		unsetenv("ASAN_OPTIONS");
	return rc;
}

/* A vkb entry the size of connector c. */
static void vkb(char *out, size_t len, const struct conn *c)
{
	snprintf(out, len,
		 "\"backend-type=linux, feature-abs-pointer=1, width=%u, "
		 "height=%u, multi-touch-width=%u, multi-touch-height=%u, "
		 "multi-touch-num-contacts=5\"",
		 c->w, c->h, c->w, c->h);
}

static int start(struct guest *g)
{
	char cfg[900], v0[300], v1[300], cmd[32];
	int rc;

	vkb(v0, sizeof(v0), &g->c[0]);
	vkb(v1, sizeof(v1), &g->c[1]);
	snprintf(cfg, sizeof(cfg),
		 "vdispl = [ \"connectors=%s:%ux%u;%s:%ux%u\" ]\n"
		 "vkb = [ %s%s%s ]\n",
		 g->c[0].id, g->c[0].w, g->c[0].h, g->c[1].id, g->c[1].w,
		 g->c[1].h, v0, g->vkbds > 1 ? ", " : "",
		 g->vkbds > 1 ? v1 : "");
	snprintf(cmd, sizeof(cmd), "vkbds=%u", g->vkbds);
	rc = hvt_create(&t, g->name, "guest_displ_touch", cmd, cfg, &g->dom);
	if (rc)
		fprintf(stderr, "create %s: %d\n", g->name, rc);
	return rc;
}

static int ready(struct guest *g)
{
	char line[256] = "", want[32];

	if (hvt_console_expect(&t, g->dom, "READY", line, sizeof(line),
			       60000))
		goto bad;
	for (unsigned int d = 0; d < g->vkbds; d++) {
		snprintf(want, sizeof(want), "dev=%u abs=1 mt=1", d);
		if (hvt_console_expect(&t, g->dom, want, line, sizeof(line),
				       0))
			goto bad;
	}
	return 0;
bad:
	fprintf(stderr, "%s: not ready (%s)\n", g->name, line);
	dump(g);
	return -1;
}

static struct guest G[2] = {
    {"ga", {{"a0", 320, 240, 0, 0, ""}, {"a1", 160, 120, 340, 0, ""}}, 1, 0},
    {"gb", {{"b0", 200, 100, 0, 280, ""}, {"b1", 64, 48, 340, 280, ""}}, 2, 0},
};

/* ---- offscreen ------------------------------------------------------------- */

static int offscreen(void)
{
	char host[400], path[400];
	int fails = 0;
	struct stat sb;

	setenv("SDL_VIDEODRIVER", "offscreen", 1);
	snprintf(host, sizeof(host), "sdl:software,novsync,dir=%s", t.rundir);
	if (backd_start(host)) {
		fprintf(stderr, "pvbackd did not start\n");
		return 1;
	}
	for (int i = 0; i < 2; i++)
		if (start(&G[i]))
			return 1;
	for (int i = 0; i < 2; i++)
		if (ready(&G[i]))
			return 1;
	nap(200); /* the windows drawn from pvbackd's loop */
	kill(backd, SIGUSR1);
	for (int i = 0; i < 2; i++)
		for (unsigned int c = 0; c < 2; c++) {
			const struct conn *k = &G[i].c[c];

			snprintf(path, sizeof(path), "%s/%u-%s.png", t.rundir,
				 G[i].dom, k->id);
			for (int n = 0; n < 2000 && stat(path, &sb); n++)
				nap(5);
			nap(50); /* renamed into place whole, but be sure */
			if (png_ok(path, c, k->w, k->h)) {
				dump(&G[i]);
				fails++;
				continue;
			}
			printf("ok dom%u %s: the window read back equals the "
			       "guest's picture (%ux%u)\n",
			       G[i].dom, k->id, k->w, k->h);
		}
	return fails;
}

/* ---- xvfb ------------------------------------------------------------------ */

static bool have(const char *prog)
{
	char out[256];

	return hvt_sh(out, sizeof(out), "command -v %s", prog) == 0;
}

/* Xvfb on the first free display from :90. */
static int xvfb_start(void)
{
	char lock[64], sock[64], disp[16], log[400];

	for (int n = 90; n < 140; n++) {
		snprintf(lock, sizeof(lock), "/tmp/.X%d-lock", n);
		snprintf(sock, sizeof(sock), "/tmp/.X11-unix/X%d", n);
		if (!access(lock, F_OK) || !access(sock, F_OK))
			continue;
		snprintf(disp, sizeof(disp), ":%d", n);
		snprintf(log, sizeof(log), "%s/xvfb.log", t.rundir);
		xvfb = fork();
		if (xvfb < 0)
			return -errno;
		if (!xvfb) {
			FILE *f = fopen(log, "w");

			if (f) {
				dup2(fileno(f), 1);
				dup2(fileno(f), 2);
			}
			execlp("Xvfb", "Xvfb", disp, "-screen", "0",
			       "1024x768x24", "-nolisten", "tcp", (char *)NULL);
			_exit(127);
		}
		for (int i = 0; i < 1000; i++) {
			if (!access(sock, F_OK)) {
				setenv("DISPLAY", disp, 1);
				nap(100);
				return 0;
			}
			if (waitpid(xvfb, NULL, WNOHANG) == xvfb)
				break; /* lost a race for n: the next one */
			nap(10);
		}
		if (xvfb > 0 && waitpid(xvfb, NULL, WNOHANG) == 0) {
			kill(xvfb, SIGTERM);
			waitpid(xvfb, NULL, 0);
		}
		xvfb = 0;
	}
	return -EBUSY;
}

/* The X window titled "dom<D> <name> — <id> (WxH)", placed at (x, y). */
static int find_window(const struct guest *g, struct conn *k)
{
	char out[2048], title[128];

	for (int i = 0; i < 500; i++) {
		/* xdotool's pattern sees the title's dash in X's old
		 * encoding: any bytes there; xwininfo checks it in UTF-8 */
		if (!hvt_sh(out, sizeof(out),
			    "xdotool search --name '^dom%u .+ %s "
			    "\\(%ux%u\\)$'",
			    g->dom, k->id, k->w, k->h) &&
		    sscanf(out, "%31s", k->win) == 1)
			break;
		k->win[0] = '\0';
		nap(10);
	}
	if (!k->win[0]) {
		fprintf(stderr, "no window 'dom%u — %s (%ux%u)'\n", g->dom,
			k->id, k->w, k->h);
		return -1;
	}
	snprintf(title, sizeof(title), "\"dom%u %s \xe2\x80\x94 %s (%ux%u)\"",
		 g->dom, g->name, k->id, k->w, k->h);
	if (hvt_sh(out, sizeof(out), "xwininfo -id %s", k->win) ||
	    !strstr(out, title)) {
		fprintf(stderr, "window %s is not titled %s: %s\n", k->win,
			title, out);
		return -1;
	}
	if (hvt_sh(out, sizeof(out), "xdotool windowmove --sync %s %d %d",
		   k->win, k->x, k->y)) {
		fprintf(stderr, "windowmove %s: %s\n", k->win, out);
		return -1;
	}
	return 0;
}

/* import -window: the window equals the picture (a few tries: the
 * window is drawn from pvbackd's loop). */
static int capture_ok(const struct guest *g, unsigned int c)
{
	const struct conn *k = &g->c[c];
	char out[512], path[400];
	int rc = -1;

	snprintf(path, sizeof(path), "%s/x-%u-%s.png", t.rundir, g->dom,
		 k->id);
	for (int i = 0; i < 20 && rc; i++) {
		if (i)
			nap(100);
		if (hvt_sh(out, sizeof(out), "import -window %s png24:%s",
			   k->win, path)) {
			fprintf(stderr, "import: %s\n", out);
			continue;
		}
		rc = png_ok(path, c, k->w, k->h);
	}
	return rc;
}

/* Press at (x0, y0) in window k, drag to (x1, y1), release. */
static int drag(const struct conn *k, int x0, int y0, int x1, int y1)
{
	char out[512];
	int rc = hvt_sh(out, sizeof(out),
			"xdotool mousemove --sync --window %s %d %d && "
			"xdotool mousedown 1 && sleep 0.05 && "
			"xdotool mousemove --sync --window %s %d %d && "
			"sleep 0.05 && xdotool mouseup 1",
			k->win, x0, y0, k->win, x1, y1);

	if (rc)
		fprintf(stderr, "xdotool: %s\n", out);
	return rc;
}

/* Guest g's vkbd dev got a touch contact down at (x0, y0), moved to
 * (x1, y1) and up, in that order. */
static int touch_ok(const struct guest *g, unsigned int dev, int x0, int y0,
		    int x1, int y1)
{
	char want[3][80], line[256];

	snprintf(want[0], sizeof(want[0]),
		 "EV MT DOWN id=0 x=%d y=%d dev=%u", x0, y0, dev);
	snprintf(want[1], sizeof(want[1]),
		 "EV MT MOTION id=0 x=%d y=%d dev=%u", x1, y1, dev);
	snprintf(want[2], sizeof(want[2]), "EV MT UP id=0 dev=%u", dev);
	for (int i = 0; i < 3; i++)
		if (hvt_console_expect(&t, g->dom, want[i], line, sizeof(line),
				       5000)) {
			fprintf(stderr, "%s: no '%s'\n", g->name, want[i]);
			return -1;
		}
	return 0;
}

static int xvfb_mode(void)
{
	int fails = 0;

	if (!have("Xvfb") || !have("import") || !have("xdotool")) {
		printf("SKIP: needs Xvfb, ImageMagick's import and xdotool "
		       "(scripts/deps.sh)\n");
		return 77;
	}
	if (xvfb_start()) {
		fprintf(stderr, "Xvfb did not start (%s/xvfb.log)\n",
			t.rundir);
		return 1;
	}
	setenv("SDL_VIDEODRIVER", "x11", 1);
	if (backd_start("sdl")) {
		fprintf(stderr, "pvbackd did not start\n");
		return 1;
	}
	for (int i = 0; i < 2; i++)
		if (start(&G[i]))
			return 1;
	for (int i = 0; i < 2; i++)
		if (ready(&G[i]))
			return 1;
	for (int i = 0; i < 2; i++)
		for (unsigned int c = 0; c < 2; c++)
			if (find_window(&G[i], &G[i].c[c]))
				return 1;
	for (int i = 0; i < 2; i++)
		for (unsigned int c = 0; c < 2; c++) {
			if (capture_ok(&G[i], c)) {
				dump(&G[i]);
				fails++;
				continue;
			}
			printf("ok dom%u %s: X window %s (import) equals the "
			       "guest's picture (%ux%u)\n",
			       G[i].dom, G[i].c[c].id, G[i].c[c].win,
			       G[i].c[c].w, G[i].c[c].h);
		}
	/* touches: each guest's windows reach that guest only */
	for (int i = 0; i < 2; i++) {
		struct guest *g = &G[i], *o = &G[1 - i];
		unsigned int before = count(o->dom, "EV "), dev0;
		/* connector 1's window: on vkbd 1, the connector's size, when
		 * the guest has one; else on vkbd 0, positions scaled from
		 * connector 1 to its size */
		unsigned int d1 = g->vkbds > 1;
		int sx = d1 ? 1 : (int)(g->c[0].w / g->c[1].w);
		int sy = d1 ? 1 : (int)(g->c[0].h / g->c[1].h);

		if (drag(&g->c[0], 10 + i, 20, 60 + i, 45) ||
		    touch_ok(g, 0, 10 + i, 20, 60 + i, 45) ||
		    hvt_console_expect(&t, g->dom, "EV POS x=", NULL, 0, 0)) {
			dump(g);
			show_events(g);
			fails++;
			continue;
		}
		dev0 = count(g->dom, "dev=0\n");
		if (drag(&g->c[1], 5, 5, 20, 10) ||
		    touch_ok(g, d1, 5 * sx, 5 * sy, 20 * sx, 10 * sy)) {
			dump(g);
			show_events(g);
			fails++;
			continue;
		}
		nap(300);
		if (d1 && count(g->dom, "dev=0\n") != dev0) {
			fprintf(stderr, "%s: vkbd 0 got connector 1's touch\n",
				g->name);
			show_events(g);
			fails++;
			continue;
		}
		if (count(o->dom, "EV ") != before) {
			fprintf(stderr,
				"%s got input from %s's windows (%u events "
				"before, %u after)\n",
				o->name, g->name, before, count(o->dom, "EV "));
			dump(o);
			show_events(o);
			fails++;
			continue;
		}
		printf("ok dom%u: presses and drags in its windows (xdotool) "
		       "reach it as touch contacts at the connector's pixels "
		       "(connector 1: on %s), dom%u gets none\n",
		       g->dom, d1 ? "vkbd 1 alone" : "its one vkbd, scaled",
		       o->dom);
	}
	return fails;
}
#endif

int main(int argc, char **argv)
{
#ifndef DISPL_CAN_RUN
	(void)argc;
	(void)argv;
	printf("SKIP: built without libpng or without pvbackd\n");
	return 77;
#else
	char out[8192];
	int fails, status;
	bool x = argc > 1 && !strcmp(argv[1], "xvfb");

	if (argc > 2 || (argc == 2 && !x && strcmp(argv[1], "offscreen"))) {
		fprintf(stderr, "usage: %s [offscreen|xvfb]\n", argv[0]);
		return 2;
	}
	hvt_sh(out, sizeof(out), "%s --help", PVBACKD_BIN);
	if (!strstr(out, "  sdl")) {
		printf("SKIP: this pvbackd has no sdl display host side\n");
		return 77;
	}
	if (x && (!have("Xvfb") || !have("import") || !have("xdotool"))) {
		printf("SKIP: needs Xvfb, ImageMagick's import and xdotool "
		       "(scripts/deps.sh)\n");
		return 77;
	}
	if (hvt_start(&t, NULL)) {
		fprintf(stderr, "pvhv did not start\n");
		return 1;
	}
	fails = x ? xvfb_mode() : offscreen();
	status = hvt_kill_wait(&backd, SIGTERM);
	if (status != -1 && (!WIFEXITED(status) || WEXITSTATUS(status))) {
		fprintf(stderr, "pvbackd ended with status %#x\n", status);
		fails++;
	}
	if (xvfb) {
		kill(xvfb, SIGTERM);
		waitpid(xvfb, NULL, 0);
	}
	if (hvt_stop(&t))
		fails++;
	return fails ? 1 : 0;
#endif
}
