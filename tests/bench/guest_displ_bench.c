/*
 * guest_displ_bench — the guest side of displ_bench: a process guest with
 * a vdispl device (frontends/display) flipping full-size XRGB8888 frames.
 *
 *   kernel = "guest_displ_bench"
 *   cmdline = "reps=R rate_ms=M fps_ms=M [idle_ms=M] [fps=F]"
 *
 * Every connector gets two XRGB8888 buffers of its resolution; frame 0 is
 * shown with SET_CONFIG.  Then, R times over:
 *
 *   rate  connector 0 alone, flips back to back: each PG_FLIP sent, then
 *         waited for until its flip event came (the buffers alternate; the
 *         frame's first line is rewritten, nothing more), for M ms.
 *         "RATE_START r=I", then "RATE_END r=I flips=N ns=T p50=A p99=B
 *         max=C", A..C the round trips PG_FLIP sent -> flip event (ns).
 *   fps   every connector at F frames a second (default 60) by the
 *         guest's own clock, as a program drawing at the display's rate:
 *         each frame filled whole in the buffer not on screen, flipped on
 *         all connectors at once, the next frame after every flip event
 *         came and its time was due, for M ms.  "FPS_START r=I", then
 *         "FPS_END r=I frames=N ns=T late=L p50=A p99=B max=C": N frames
 *         shown per connector, L frames whose events came after the next
 *         frame was due, round trips as above (all connectors).
 *   idle  nothing for idle_ms (default 0: no idle phase), while dom0
 *         measures something else on a quiet machine: "IDLE_START r=I",
 *         "IDLE_END r=I".
 *
 * Then "DONE", and it stays until destroyed.  On any error "FAILED <what>
 * <errno>".
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guest_util.h"
#include "pvkit/displfront.h"
#include "pvkit/front.h"

#define NBUF	2u
#define CONNS	DISPLFRONT_CONNECTORS_MAX
#define MAX_RT	200000u /* round trips kept per phase */

static struct pvfront pf;
static struct displfront df;
static struct pvfront_posix *gp;
static struct displfront_dbuf dbs[CONNS][NBUF];
static struct displfront_fb fbs[CONNS][NBUF];
static unsigned int shown[CONNS];
static uint64_t sent_ns[CONNS];
static uint64_t rt[MAX_RT];
static unsigned int nrt;
static unsigned int ncon;

/* Say why and stay (the bench reads the console, then destroys us: a
 * guest that ended would take its console with it). */
static _Noreturn void fail(const char *what, int rc)
{
	struct timespec ts = {1, 0};

	guest_say(gp, "FAILED %s %d\n", what, rc);
	for (;;)
		nanosleep(&ts, NULL);
}

static void check(const char *what, int rc)
{
	if (rc < 0)
		fail(what, rc);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void on_flip(struct displfront *d, unsigned int c, uint64_t cookie,
		    void *arg)
{
	(void)d;
	(void)cookie;
	(void)arg;
	if (c < CONNS && sent_ns[c] && nrt < MAX_RT)
		rt[nrt++] = now_ns() - sent_ns[c];
	if (c < CONNS)
		sent_ns[c] = 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* "p50=A p99=B max=C" of the round trips so far, into buf. */
static void rt_stats(char *buf, size_t len)
{
	if (!nrt) {
		snprintf(buf, len, "p50=0 p99=0 max=0");
		return;
	}
	qsort(rt, nrt, sizeof(rt[0]), cmp_u64);
	snprintf(buf, len, "p50=%llu p99=%llu max=%llu",
		 (unsigned long long)rt[nrt / 2],
		 (unsigned long long)rt[(size_t)nrt * 99u / 100u],
		 (unsigned long long)rt[nrt - 1]);
}

static void flip(unsigned int c, unsigned int b)
{
	sent_ns[c] = now_ns();
	check("displfront_flip",
	      displfront_flip(&df, c, &fbs[c][b], DISPLFRONT_NONBLOCK));
	shown[c] = b;
}

static void rate(unsigned int r, unsigned int ms)
{
	uint64_t t0, end;
	unsigned int flips = 0;
	char st[128];

	nrt = 0;
	guest_say(gp, "RATE_START r=%u\n", r);
	t0 = now_ns();
	end = t0 + (uint64_t)ms * 1000000u;
	while (now_ns() < end) {
		unsigned int b = (shown[0] + 1) % NBUF;

		memset(dbs[0][b].pixels, (int)(flips & 0x7f), dbs[0][b].stride);
		flip(0, b);
		check("displfront_flip_wait", displfront_flip_wait(&df, 0, 5000));
		flips++;
	}
	rt_stats(st, sizeof(st));
	guest_say(gp, "RATE_END r=%u flips=%u ns=%llu %s\n", r, flips,
		  (unsigned long long)(now_ns() - t0), st);
}

static void fill(const struct displfront_dbuf *db, uint32_t v)
{
	for (uint32_t y = 0; y < db->height; y++) {
		uint32_t *row = (uint32_t *)(void *)(db->pixels +
						     (size_t)y * db->stride);

		for (uint32_t x = 0; x < db->width; x++)
			row[x] = v;
	}
}

static bool any_pending(void)
{
	for (unsigned int c = 0; c < ncon; c++)
		if (displfront_flip_pending(&df, c))
			return true;
	return false;
}

static void fps_phase(unsigned int r, unsigned int ms, unsigned int fps)
{
	uint64_t period = 1000000000u / fps, t0, end, next;
	unsigned int frames = 0, late = 0;
	char st[128];

	nrt = 0;
	guest_say(gp, "FPS_START r=%u\n", r);
	t0 = now_ns();
	end = t0 + (uint64_t)ms * 1000000u;
	next = t0;
	while (now_ns() < end) {
		/* all frames drawn, then all flipped: a round trip is the
		 * backend's, not the drawing of the next connector's frame */
		for (unsigned int c = 0; c < ncon; c++)
			fill(&dbs[c][(shown[c] + 1) % NBUF],
			     0x00101010u * ((frames + c) & 7u));
		for (unsigned int c = 0; c < ncon; c++)
			flip(c, (shown[c] + 1) % NBUF);
		next += period;
		while (any_pending()) {
			uint64_t t = now_ns();
			int wait = 1000;

			/* generous: a loaded machine may stall anyone for a
			 * while; the figures show it as late frames */
			if (t >= next + 5000000000u)
				fail("flip events lost", -ETIMEDOUT);
			check("pvfront_poll", pvfront_poll(&pf, wait));
		}
		frames++;
		if (now_ns() > next) {
			late++;
			next = now_ns(); /* no catching up */
			continue;
		}
		for (;;) {
			uint64_t tn = now_ns(), left;

			if (tn >= next)
				break;
			left = next - tn; /* one reading: never "negative" */
			check("pvfront_poll",
			      pvfront_poll(&pf, (int)(left / 1000000u)));
			if (left < 1000000u) {
				struct timespec ts = {0, (long)left};

				nanosleep(&ts, NULL);
			}
		}
	}
	rt_stats(st, sizeof(st));
	guest_say(gp, "FPS_END r=%u frames=%u ns=%llu late=%u %s\n", r, frames,
		  (unsigned long long)(now_ns() - t0), late, st);
}

static void buffers(unsigned int c)
{
	const struct displfront_conn_info *in = displfront_conn_info(&df, c);

	for (unsigned int b = 0; b < NBUF; b++) {
		struct displfront_dbuf_params p = {
		    .width = in->width, .height = in->height, .bpp = 32};

		p.refs = calloc(displfront_dbuf_pages(&p), sizeof(grant_ref_t));
		p.dir_refs = calloc(displfront_dbuf_dir_pages(&p),
				    sizeof(grant_ref_t));
		if (!p.refs || !p.dir_refs)
			fail("calloc", -ENOMEM);
		check("displfront_dbuf_create",
		      displfront_dbuf_create(&df, &dbs[c][b], &p));
		check("displfront_fb_attach",
		      displfront_fb_attach(&df, &fbs[c][b], &dbs[c][b],
					   PV_DISPLIF_FMT_XRGB8888));
	}
	fill(&dbs[c][0], 0x00202020u);
	check("displfront_set_config",
	      displfront_set_config(&df, c, &fbs[c][0], 0, 0, in->width,
				    in->height));
}

int main(int argc, char **argv)
{
	unsigned int reps = (unsigned int)guest_value(argc, argv, "reps=", 3);
	unsigned int rate_ms =
	    (unsigned int)guest_value(argc, argv, "rate_ms=", 3000);
	unsigned int fps_ms =
	    (unsigned int)guest_value(argc, argv, "fps_ms=", 5000);
	unsigned int fps = (unsigned int)guest_value(argc, argv, "fps=", 60);
	unsigned int idle_ms =
	    (unsigned int)guest_value(argc, argv, "idle_ms=", 0);
	const struct displfront_config cfg = {.on_flip = on_flip};

	gp = guest_open(argc, argv);
	if (!fps || fps > 1000)
		fail("fps", -EINVAL);
	check("pvfront_posix_front_open", pvfront_posix_front_open(gp, &pf, 0));
	check("displfront_open", displfront_open(&df, &pf, 0, &cfg, 20000));
	ncon = displfront_connectors(&df);
	for (unsigned int c = 0; c < ncon; c++) {
		displfront_set_timeout(&df, c, 10000);
		buffers(c);
	}
	guest_say(gp, "BENCH connectors=%u\n", ncon);
	for (unsigned int r = 0; r < reps; r++) {
		rate(r, rate_ms);
		fps_phase(r, fps_ms, fps);
		if (idle_ms) {
			uint64_t end = now_ns() + (uint64_t)idle_ms * 1000000u;

			guest_say(gp, "IDLE_START r=%u\n", r);
			for (uint64_t tn; (tn = now_ns()) < end;)
				check("pvfront_poll",
				      pvfront_poll(&pf, (int)((end - tn) /
							      1000000u) + 1));
			guest_say(gp, "IDLE_END r=%u\n", r);
		}
	}
	guest_say(gp, "DONE\n");
	for (;;)
		if (pvfront_poll(&pf, -1) < 0)
			break;
	return 0;
}
