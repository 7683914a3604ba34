/*
 * displ_bench — the display path end to end: a guest's 1920x1080 XRGB8888
 * frames through pvhv and pvbackd's display backend, next to a plain
 * process doing the same copy or upload of the same frames, in one run.
 *
 * Setup.  A real pvhv (tests/integration's harness), pvbackd --backends
 * displ --displ-host HOST, and one process guest (guest_displ_bench) with
 * a vdispl device of two 1920x1080 connectors, two XRGB8888 buffers each.
 * Hosts: "headless" (frames stay in guest memory and count as shown at
 * once: the cost of the protocol, the mapping and the flip events alone)
 * and "sdl" (pvbackd's SDL2 host side with SDL's software renderer on an
 * Xvfb this program starts: the upload into a texture and the present
 * added), when pvbackd has it and Xvfb is installed.  SDL's window surface
 * goes to X11 through MIT-SHM (SDL_FRAMEBUFFER_ACCELERATION=0, for pvbackd
 * and the baseline alike; without it SDL presents the surface through
 * OpenGL, on Xvfb Mesa's software rasterizer at ~15 ms of CPU a 1080p
 * frame; DISPL_BENCH_FB_ACCEL=1 in the environment measures that way).
 *
 * Each repetition has two phases, timed by the guest's console lines:
 *   rate  connector 0 alone, flips back to back (PG_FLIP, then wait for
 *         the flip event): flips per second and the round trip PG_FLIP
 *         sent -> flip event taken, measured in the guest (p50/p99);
 *   fps   both connectors at 60 frames a second, each frame filled whole
 *         by the guest, as a program drawing at the display's rate:
 *         frames shown per second per connector, round trips, late
 *         frames, and pvbackd's CPU over the phase (all its threads:
 *         their /proc/PID/task/TID/schedstat in nanoseconds, else
 *         utime + stime of /proc/PID/stat), per frame and as a share of
 *         one core; pvhv's (and Xvfb's) beside it.  The guest's own CPU
 *         (its drawing) is not counted.
 * The baseline runs after each fps phase, while the guest idles (so the
 * two do not compete for the CPUs), as a child of this program:
 * for headless, a plain process copying two 1920x1080 frames (memcpy) at
 * 60 fps, the least a display server that takes frames by copy does; for
 * sdl, a plain SDL2 program on the same Xvfb with the software renderer
 * uploading two 1920x1080 streaming textures (SDL_UpdateTexture),
 * rendering and presenting them in two windows at 60 fps.  Its CPU comes
 * from wait4()'s rusage, its frame rate from what it tells through a
 * pipe.  Ratio = pvbackd's CPU per frame / the baseline's.
 *
 * Every figure is the median of the repetitions.  Target (the issue's):
 * two connectors at 1080p and 60 fps using less than one core, i.e. the
 * fps phase shows at least 57 frames a second per connector with pvbackd
 * below 1.00 core: PASS or MISS per host.  The exit status is 0 whatever
 * the figures say, 1 when something did not run.
 */
#include "bench_proc.h"
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef DISPL_BENCH_SDL
#include <SDL.h>
#endif

#define W	 1920u
#define H	 1080u
#define CONNS	 2u
#define FPS	 60u
#define MAX_REPS 50u

static struct hvt t;
static pid_t backd, xvfb;
static char blog[400];
static unsigned int reps = 3, rate_ms = 3000, fps_ms = 5000;

struct rep {
	double rate_fps, rate_p50, rate_p99;	  /* flips/s, us */
	double fps, fps_p50, fps_p99, late;	  /* per connector */
	double cpu_backd, cpu_hv, cpu_base; /* cores over the fps phase */
	double base_fps;			  /* the baseline's, per window */
	double cpu_x, base_cpu_x;		  /* Xvfb's, sdl only */
	double us_frame, base_us_frame;	  /* CPU per connector-frame */
	double rate_cpu_flip;		  /* us of pvbackd CPU per flip */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void nap_ms(unsigned int ms)
{
	struct timespec ts = {(time_t)(ms / 1000u),
			      (long)(ms % 1000u) * 1000000};

	nanosleep(&ts, NULL);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned int n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(v[0]), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- the baselines -------------------------------------------------------- */

static volatile sig_atomic_t base_stop;
static int base_pipe[2];

/* The baseline's last words: how many frames it made per connector. */
static _Noreturn void base_exit(unsigned int frames, int status)
{
	ssize_t w = write(base_pipe[1], &frames, sizeof(frames));

	_exit(w == (ssize_t)sizeof(frames) ? status : 4);
}

static void on_term(int sig)
{
	(void)sig;
	base_stop = 1;
}

/* Sleep to the next frame's time, no catching up. */
static void pace(uint64_t *next)
{
	uint64_t now = now_ns();
	struct timespec ts;

	*next += 1000000000u / FPS;
	if (*next <= now) {
		*next = now;
		return;
	}
	ts.tv_sec = (time_t)((*next - now) / 1000000000u);
	ts.tv_nsec = (long)((*next - now) % 1000000000u);
	nanosleep(&ts, NULL);
}

/* Two frames copied at 60 fps until SIGTERM. */
static void base_copy(void)
{
	size_t size = (size_t)W * H * 4u;
	uint8_t *src = malloc(size * CONNS), *dst = malloc(size * CONNS);
	uint64_t next = now_ns();
	unsigned int n = 0;

	if (!src || !dst)
		_exit(2);
	memset(src, 0x20, size * CONNS);
	memset(dst, 0, size * CONNS);
	while (!base_stop) {
		for (unsigned int c = 0; c < CONNS; c++) {
			src[(size_t)c * size] = (uint8_t)n; /* a new frame */
			memcpy(dst + (size_t)c * size, src + (size_t)c * size,
			       size);
		}
		n++;
		pace(&next);
	}
	base_exit(n, dst[0] == (uint8_t)(n - 1) ? 0 : 3);
}

#ifdef DISPL_BENCH_SDL
/* Two windows, software renderer, streaming textures uploaded and
 * presented at 60 fps until SIGTERM. */
static void base_sdl(void)
{
	SDL_Window *win[CONNS];
	SDL_Renderer *ren[CONNS];
	SDL_Texture *tex[CONNS];
	size_t size = (size_t)W * H * 4u;
	uint8_t *src = malloc(size);
	uint64_t next = now_ns();
	unsigned int n = 0;

	if (!src || SDL_Init(SDL_INIT_VIDEO))
		_exit(2);
	memset(src, 0x20, size);
	for (unsigned int c = 0; c < CONNS; c++) {
		win[c] = SDL_CreateWindow("displ_bench baseline",
					  (int)(c * W), 0, (int)W, (int)H, 0);
		ren[c] = win[c] ? SDL_CreateRenderer(win[c], -1,
						     SDL_RENDERER_SOFTWARE)
				: NULL;
		tex[c] = ren[c] ? SDL_CreateTexture(ren[c],
						    SDL_PIXELFORMAT_RGB888,
						    SDL_TEXTUREACCESS_STREAMING,
						    (int)W, (int)H)
				: NULL;
		if (!tex[c])
			_exit(2);
	}
	while (!base_stop) {
		SDL_Event ev;

		while (SDL_PollEvent(&ev))
			;
		for (unsigned int c = 0; c < CONNS; c++) {
			src[0] = (uint8_t)n;
			SDL_UpdateTexture(tex[c], NULL, src, (int)(W * 4u));
			SDL_RenderCopy(ren[c], tex[c], NULL, NULL);
			SDL_RenderPresent(ren[c]);
		}
		n++;
		pace(&next);
	}
	base_exit(n, 0);
}
#endif

static pid_t base_start(bool sdl)
{
	pid_t p;

	if (pipe(base_pipe))
		return -1;
	fflush(NULL);
	p = fork();
	if (p == 0) {
		close(base_pipe[0]);
		signal(SIGTERM, on_term);
#ifdef DISPL_BENCH_SDL
		if (sdl)
			base_sdl();
#else
		(void)sdl;
#endif
		base_copy();
	}
	return p;
}

/* Stop the baseline: its CPU in seconds (rusage) and frames made, -1
 * when it failed. */
static double base_stop_cpu(pid_t p, unsigned int *frames)
{
	struct rusage ru;
	int st = 0;

	*frames = 0;
	if (p < 0)
		return -1;
	close(base_pipe[1]);
	kill(p, SIGTERM);
	if (read(base_pipe[0], frames, sizeof(*frames)) !=
	    (ssize_t)sizeof(*frames))
		*frames = 0;
	close(base_pipe[0]);
	if (wait4(p, &st, 0, &ru) != p || !WIFEXITED(st) || WEXITSTATUS(st))
		return -1;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* ---- Xvfb ------------------------------------------------------------------ */

static int xvfb_start(char *display, size_t len)
{
	char sock[64], arg[16];

	for (int n = 90 + (int)(getpid() % 50); n < 240; n++) {
		char lock[64];

		snprintf(lock, sizeof(lock), "/tmp/.X%d-lock", n);
		snprintf(sock, sizeof(sock), "/tmp/.X11-unix/X%d", n);
		if (!access(lock, F_OK) || !access(sock, F_OK))
			continue;
		snprintf(display, len, ":%d", n);
		break;
	}
	snprintf(arg, sizeof(arg), "%s", display);
	xvfb = fork();
	if (xvfb < 0)
		return -errno;
	if (xvfb == 0) {
		int fd = open("/dev/null", O_WRONLY);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("Xvfb", "Xvfb", arg, "-screen", "0", "3840x1080x24",
		       "-nolisten", "tcp", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 1000; i++) {
		if (!access(sock, F_OK))
			return 0;
		if (waitpid(xvfb, NULL, WNOHANG) == xvfb) {
			xvfb = 0;
			return -ECHILD;
		}
		nap_ms(10);
	}
	return -ETIMEDOUT;
}

/* ---- one host side --------------------------------------------------------- */

static bool backd_has(const char *host)
{
	char out[8192], want[64];

	hvt_sh(out, sizeof(out), "%s --help", PVBACKD_BIN);
	snprintf(want, sizeof(want), "\n  %s", host);
	/* the display host sides are listed after their heading */
	const char *d = strstr(out, "Display host sides");
	const char *h = d ? strstr(d, want) : NULL;

	return h && (h[strlen(want)] == ':' || h[strlen(want)] == ' ' ||
		     h[strlen(want)] == '[');
}

static int expect(domid_t dom, const char *what, unsigned int r, char *line,
		  size_t len, int timeout_ms)
{
	char pat[64];

	/* "r=1" must not match "r=10": ENDs have fields after, STARTs
	 * and IDLE_END end the line */
	if (!strcmp(what, "RATE_END") || !strcmp(what, "FPS_END"))
		snprintf(pat, sizeof(pat), "%s r=%u ", what, r);
	else
		snprintf(pat, sizeof(pat), "%s r=%u\n", what, r);
	return hvt_console_expect(&t, dom, pat, line, len, timeout_ms);
}

static void tail_logs(void)
{
	char cmd[1000];

	snprintf(cmd, sizeof(cmd), "tail -n 30 '%s' '%s' >&2", t.log, blog);
	if (system(cmd) < 0)
		perror("system");
}

static int run_host(const char *name, struct rep *out, unsigned int *nout)
{
	bool sdl = !strcmp(name, "sdl");
	char host[400], cfg[1024], cmd[128], path[400], err[512], line[512];
	char display[16] = "";
	domid_t dom;
	int rc;

	*nout = 0;
	if (sdl) {
		rc = xvfb_start(display, sizeof(display));
		if (rc) {
			fprintf(stderr, "displ_bench: Xvfb: %s\n", strerror(-rc));
			return -1;
		}
		setenv("DISPLAY", display, 1);
		setenv("SDL_VIDEODRIVER", "x11", 1);
		setenv("SDL_RENDER_DRIVER", "software", 1);
		/* the software renderer's window surface straight to X11
		 * (MIT-SHM): by default SDL presents it through an OpenGL
		 * context, which on Xvfb is Mesa's software rasterizer and
		 * costs ~15 ms of CPU per 1080p frame, in pvbackd and the
		 * baseline alike */
		if (!getenv("DISPL_BENCH_FB_ACCEL"))
			setenv("SDL_FRAMEBUFFER_ACCELERATION", "0", 1);
		snprintf(host, sizeof(host), "sdl:software");
	} else {
		snprintf(host, sizeof(host), "headless:%s", t.rundir);
	}
	snprintf(blog, sizeof(blog), "%s/pvbackd-%s.log", t.rundir, name);
	{
		const char *argv[] = {PVBACKD_BIN, "--rundir", t.rundir,
				      "--backends", "displ", "--displ-host",
				      host, NULL};

		rc = hvt_daemon_start(argv, blog, "pvbackd: ready", 10000,
				      &backd);
	}
	if (rc) {
		fprintf(stderr, "displ_bench: pvbackd (%s): %s\n", name,
			strerror(-rc));
		tail_logs();
		return -1;
	}
	snprintf(cmd, sizeof(cmd),
		 "reps=%u rate_ms=%u fps_ms=%u idle_ms=%u fps=%u", reps,
		 rate_ms, fps_ms, fps_ms + 1000, FPS);
	snprintf(cfg, sizeof(cfg),
		 "name = \"bench-%s\"\nkernel = \"%s/guest_displ_bench\"\n"
		 "memory = 96\ncmdline = \"%s\"\n"
		 "vdispl = [ \"connectors=b0:%ux%u;b1:%ux%u\" ]\n",
		 name, hvt_guest_dir(&t), cmd, W, H, W, H);
	rc = hvt_write_cfg(&t, name, cfg, path, sizeof(path));
	if (!rc)
		rc = pvhv_domain_create(t.h, path, &dom, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "displ_bench: create: %d %s\n", rc, err);
		goto fail;
	}
	if (hvt_console_expect(&t, dom, "BENCH connectors=2", line,
			       sizeof(line), 30000))
		goto fail;
	for (unsigned int r = 0; r < reps; r++) {
		struct rep *p = &out[r];
		double b0, b1, h0, h1, x0, x1, base;
		uint64_t t0, t1;

		if (expect(dom, "RATE_START", r, line, sizeof(line), 30000))
			goto fail;
		b0 = bench_proc_cpu_s(backd);
		if (expect(dom, "RATE_END", r, line, sizeof(line),
			   (int)rate_ms + 30000))
			goto fail;
		b1 = bench_proc_cpu_s(backd);
		{
			double flips = (double)hvt_field(line, "flips");
			double ns = (double)hvt_field(line, "ns");

			p->rate_fps = ns > 0 ? flips * 1e9 / ns : 0;
			p->rate_p50 = (double)hvt_field(line, "p50") / 1e3;
			p->rate_p99 = (double)hvt_field(line, "p99") / 1e3;
			p->rate_cpu_flip = flips > 0 ? (b1 - b0) * 1e6 / flips
						     : 0;
		}
		if (expect(dom, "FPS_START", r, line, sizeof(line), 30000))
			goto fail;
		t0 = now_ns();
		b0 = bench_proc_cpu_s(backd);
		h0 = bench_proc_cpu_s(t.pid);
		x0 = xvfb ? bench_proc_cpu_s(xvfb) : 0;
		if (expect(dom, "FPS_END", r, line, sizeof(line),
			   (int)fps_ms + 30000))
			goto fail;
		b1 = bench_proc_cpu_s(backd);
		h1 = bench_proc_cpu_s(t.pid);
		x1 = xvfb ? bench_proc_cpu_s(xvfb) : 0;
		t1 = now_ns();
		{
			double frames = (double)hvt_field(line, "frames");
			double ns = (double)hvt_field(line, "ns");
			double wall = (double)(t1 - t0) / 1e9;

			p->fps = ns > 0 ? frames * 1e9 / ns : 0;
			p->fps_p50 = (double)hvt_field(line, "p50") / 1e3;
			p->fps_p99 = (double)hvt_field(line, "p99") / 1e3;
			p->late = (double)hvt_field(line, "late");
			p->cpu_backd = (b1 - b0) / wall;
			p->cpu_hv = (h1 - h0) / wall;
			p->cpu_x = (x1 - x0) / wall;
			p->us_frame = frames > 0 ? (b1 - b0) * 1e6 /
						       (frames * CONNS)
						 : 0;
		}
		/* the baseline, as long as the fps phase, while the guest
		 * idles */
		if (expect(dom, "IDLE_START", r, line, sizeof(line), 30000))
			goto fail;
		{
			unsigned int frames;
			pid_t bp = base_start(sdl);
			double wall;

			t0 = now_ns();
			x0 = xvfb ? bench_proc_cpu_s(xvfb) : 0;
			nap_ms(fps_ms);
			x1 = xvfb ? bench_proc_cpu_s(xvfb) : 0;
			base = base_stop_cpu(bp, &frames);
			wall = (double)(now_ns() - t0) / 1e9;
			p->base_cpu_x = (x1 - x0) / wall;
			p->cpu_base = base >= 0 ? base / wall : -1;
			p->base_fps = (double)frames / wall;
			p->base_us_frame = base >= 0 && frames
					       ? base * 1e6 / (frames * CONNS)
					       : -1;
		}
		if (expect(dom, "IDLE_END", r, line, sizeof(line),
			   (int)fps_ms + 30000))
			goto fail;
		(*nout)++;
	}
	pvhv_domain_destroy(t.h, dom);
	hvt_kill_wait(&backd, SIGTERM);
	if (xvfb)
		hvt_kill_wait(&xvfb, SIGTERM);
	return 0;
fail:
	tail_logs();
	hvt_kill_wait(&backd, SIGTERM);
	if (xvfb)
		hvt_kill_wait(&xvfb, SIGTERM);
	return -1;
}

/* ---- report ---------------------------------------------------------------- */

static double med_of(const struct rep *r, unsigned int n, size_t off)
{
	double v[MAX_REPS];

	for (unsigned int i = 0; i < n; i++)
		v[i] = *(const double *)(const void *)((const char *)&r[i] +
						       off);
	return median(v, n);
}

#define M(field) med_of(r, n, offsetof(struct rep, field))

static void report(const char *name, const struct rep *r, unsigned int n)
{
	bool sdl = !strncmp(name, "sdl", 3);
	double ratio;
	bool pass;

	printf("\n%s: %u repetitions (medians)\n", name, n);
	printf("  rate   connector 0, back to back: %8.0f flips/s   round trip "
	       "p50 %7.1f us  p99 %7.1f us   pvbackd %5.1f us CPU/flip\n",
	       M(rate_fps), M(rate_p50), M(rate_p99), M(rate_cpu_flip));
	printf("  fps    2 x %ux%u at %u fps:     %8.1f fps/conn  round trip "
	       "p50 %7.1f us  p99 %7.1f us   late %.0f\n",
	       W, H, FPS, M(fps), M(fps_p50), M(fps_p99), M(late));
	printf("  cpu    pvbackd %.3f cores (%.1f us per connector-frame), "
	       "pvhv %.3f cores",
	       M(cpu_backd), M(us_frame), M(cpu_hv));
	if (sdl)
		printf(", Xvfb %.3f cores", M(cpu_x));
	printf("\n");
	if (M(cpu_base) >= 0) {
		printf("  base   %s:\n"
		       "         %.1f fps x 2, %.3f cores (%.1f us per "
		       "frame)\n",
		       !sdl ? "plain process, memcpy of each "
					     "frame"
					   : "plain SDL2 program, software "
					     "renderer, texture upload + "
					     "present",
		       M(base_fps), M(cpu_base), M(base_us_frame));
		if (sdl)
			printf("         Xvfb %.3f cores\n", M(base_cpu_x));
		ratio = M(base_us_frame) > 0 ? M(us_frame) / M(base_us_frame)
					     : 0;
		printf("  ratio  pvbackd/baseline CPU per frame: %.2f   "
		       "(cores: %.2f)\n",
		       ratio,
		       M(cpu_base) > 0 ? M(cpu_backd) / M(cpu_base) : 0.0);
	} else {
		printf("  base   the baseline failed: no ratio\n");
	}
	pass = M(fps) >= FPS * 0.95 && M(cpu_backd) < 1.0;
	printf("  target 2 x 1080p at 60 fps under one core: %.1f fps/conn, "
	       "%.3f cores: %s\n",
	       M(fps), M(cpu_backd), pass ? "PASS" : "MISS");
	fflush(stdout);
}

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: displ_bench [--quick] [--reps N] [--rate-ms MS] "
	    "[--fps-ms MS]\n"
	    "                   [--host headless|sdl|all]\n"
	    "\n"
	    "A guest's 1920x1080 XRGB8888 frames through pvhv and pvbackd's\n"
	    "display backend (two connectors, two buffers each), per host "
	    "side:\n"
	    "  headless  frames stay in guest memory, shown at once\n"
	    "  sdl       pvbackd's SDL2 windows with SDL's software renderer "
	    "on an\n"
	    "            Xvfb started here (when pvbackd has it and Xvfb is "
	    "there)\n"
	    "Per repetition:\n"
	    "  rate  connector 0 flips back to back: flips/s, round trip "
	    "PG_FLIP ->\n"
	    "        flip event (in the guest, p50/p99), pvbackd CPU per flip\n"
	    "  fps   both connectors at 60 fps, frames filled whole by the "
	    "guest:\n"
	    "        fps shown per connector, round trips, late frames, "
	    "pvbackd's\n"
	    "        CPU (its threads' schedstat, else /proc/PID/stat) in cores and\n        per connector-frame, "
	    "pvhv's\n"
	    "  base  then, while the guest idles, a plain process doing the "
	    "same\n"
	    "        at 60 fps as long: two memcpy of 1080p frames "
	    "(headless), or a\n"
	    "        plain SDL2 program uploading and presenting two 1080p "
	    "textures\n"
	    "        (sdl); ratio = pvbackd's CPU per frame / the "
	    "baseline's\n"
	    "Figures are medians of the repetitions.  Target: two connectors "
	    "at\n"
	    "1080p and 60 fps (>= 57 fps shown) with pvbackd under one core:\n"
	    "PASS or MISS.  Exit 0 whatever the figures, 1 when something did\n"
	    "not run.\n"
	    "\n"
	    "  --quick       one short repetition, headless only (ctest's "
	    "smoke run)\n"
	    "  --reps N      repetitions (default 3, at most %u)\n"
	    "  --rate-ms MS  rate phase length (default 3000)\n"
	    "  --fps-ms MS   fps phase length (default 5000)\n"
	    "  --host H      headless, sdl or all (default all)\n"
	    "\n"
	    "Environment: DISPL_BENCH_FB_ACCEL=1 lets SDL present its window\n"
	    "surfaces through OpenGL (on Xvfb: Mesa's software rasterizer)\n"
	    "instead of straight through MIT-SHM "
	    "(SDL_FRAMEBUFFER_ACCELERATION=0).\n",
	    MAX_REPS);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"quick", no_argument, NULL, 'q'},
	    {"reps", required_argument, NULL, 'r'},
	    {"rate-ms", required_argument, NULL, 'a'},
	    {"fps-ms", required_argument, NULL, 'f'},
	    {"host", required_argument, NULL, 'H'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	static struct rep res[MAX_REPS];
	const char *hosts = "all";
	bool quick = false, sdl_ok, failed = false;
	unsigned int n;
	int o;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'q':
			quick = true;
			break;
		case 'r':
			reps = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'a':
			rate_ms = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'f':
			fps_ms = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'H':
			hosts = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (quick) {
		reps = 1;
		rate_ms = 300;
		fps_ms = 500;
		if (!strcmp(hosts, "all"))
			hosts = "headless";
	}
	if (!reps || reps > MAX_REPS || !rate_ms || !fps_ms ||
	    (strcmp(hosts, "all") && strcmp(hosts, "headless") &&
	     strcmp(hosts, "sdl"))) {
		usage(stderr);
		return 2;
	}
	if (hvt_start(&t, NULL)) {
		fprintf(stderr, "displ_bench: pvhv did not start\n");
		return 1;
	}
	printf("displ_bench: %u repetitions of rate %u ms + fps %u ms; "
	       "2 connectors %ux%u XRGB8888\n",
	       reps, rate_ms, fps_ms, W, H);
	fflush(stdout);
	if (strcmp(hosts, "sdl")) {
		if (run_host("headless", res, &n))
			failed = true;
		else
			report("headless", res, n);
	}
	if (strcmp(hosts, "headless")) {
		const char *why = NULL;
		char out[256];

		sdl_ok = backd_has("sdl");
		if (!sdl_ok)
			why = "this pvbackd has no sdl display host side";
		else if (hvt_sh(out, sizeof(out), "command -v Xvfb"))
			why = "no Xvfb (Debian: xvfb)";
#ifndef DISPL_BENCH_SDL
		else
			why = "built without SDL2 (the baseline needs it)";
#endif
		if (why) {
			printf("\nsdl: not measured: %s\n", why);
			if (!strcmp(hosts, "sdl"))
				failed = true;
		} else if (run_host("sdl", res, &n)) {
			failed = true;
		} else {
			report("sdl (software renderer, Xvfb)", res, n);
		}
	}
	if (hvt_stop(&t))
		failed = true;
	return failed ? 1 : 0;
}
