/*
 * Unit tests of the display backend's drm host side (host_drm.h).
 *
 * err_*: what a user is told when there is no card, the card named is
 * missing or not a KMS card, or the argument is wrong (run anywhere;
 * $PVKIT_DRI_DIR points the card search at a directory of the test's).
 *
 * card_*: on a real KMS card, /dev/dri/card0 (in QEMU: tests/vm with
 * bochs-drm, ctest vm_displback_drm): a card already in use, connector
 * names, modesetting at the guest's resolution or the nearest larger mode
 * (centred), frames of known patterns in each pixel format flipped to,
 * presented() only from the page-flip event (never inside show()) and
 * the scanout read back through a second fd (drmModeGetCrtc ->
 * drmModeGetFB -> dumb map) pixel for pixel at that moment, frames
 * coalesced while a flip is in flight, the connector off, a second guest
 * connector without a monitor, a named connector with nothing plugged in
 * passed over (virtio-gpu's second output; skipped on bochs), the CRTC
 * restored at close, and the whole vdispl device on libpvback's fake
 * platform flipping onto the card.
 * Without a card, card_* exits 77 (skipped) and says why.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "displback_fe.h"
#include "host_drm.h"
#include "unit.h"

#define CARD "/dev/dri/card0"
#define HINT "use --displ-host headless or sdl"

static const struct displback_host_ops *const H = &displback_host_drm;

/* ---- stderr captured -------------------------------------------------------
 */

static int saved_err = -1;
static FILE *cap;
static char said[4096];

static void capture(void)
{
	fflush(stderr);
	cap = tmpfile();
	assert_non_null(cap);
	saved_err = dup(2);
	assert_true(saved_err >= 0);
	assert_int_equal(dup2(fileno(cap), 2), 2);
}

/* What was said since capture(), in `said` (and echoed). */
static const char *captured(void)
{
	size_t n;

	fflush(stderr);
	dup2(saved_err, 2);
	close(saved_err);
	rewind(cap);
	n = fread(said, 1, sizeof(said) - 1, cap);
	said[n] = '\0';
	fclose(cap);
	fprintf(stderr, "said: %s", said);
	return said;
}

/* open with arg; its error, and the message in `said`. */
static int open_err(const char *arg)
{
	void *host = NULL;
	int rc;

	capture();
	rc = H->open(NULL, arg, &host);
	captured();
	if (!rc)
		H->close(host);
	return rc;
}

static void has(const char *needle)
{
	if (!strstr(said, needle))
		fail_msg("'%s' not in: %s", needle, said);
}

/* ---- err_* ----------------------------------------------------------------
 */

static char tmpdir[64];

static int err_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/displback-drm-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int err_teardown(void **state)
{
	char cmd[128];

	(void)state;
	unsetenv("PVKIT_DRI_DIR");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* No card in the directory searched: -ENODEV, and what to use instead. */
static void err_no_card(void **state)
{
	char want[128];

	(void)state;
	setenv("PVKIT_DRI_DIR", tmpdir, 1);
	assert_int_equal(open_err(NULL), -ENODEV);
	snprintf(want, sizeof(want), "displ drm: no %s/card*: " HINT "\n",
		 tmpdir);
	assert_string_equal(said, want);
	/* connector names alone search too */
	assert_int_equal(open_err("connector=HDMI-A-1"), -ENODEV);
	assert_string_equal(said, want);
}

/* The real /dev/dri on a machine without a card (the build host). */
static void err_no_dev_dri(void **state)
{
	struct stat st;

	(void)state;
	if (!stat(CARD, &st)) {
		fprintf(stderr, "SKIP err_no_dev_dri: %s exists here\n", CARD);
		skip();
	}
	unsetenv("PVKIT_DRI_DIR");
	assert_int_equal(open_err(NULL), -ENODEV);
	assert_string_equal(said, "displ drm: no /dev/dri/card*: " HINT "\n");
}

/* A card named that is not there: open(2)'s error, the path, the hint. */
static void err_missing_card(void **state)
{
	(void)state;
	assert_int_equal(open_err("/nonexistent/card7"), -ENOENT);
	has("displ drm: cannot open /nonexistent/card7: No such file or "
	    "directory");
	has("ls /dev/dri");
	has(HINT);
	assert_int_equal(open_err("/nonexistent/card7,connector=DP-1"),
			 -ENOENT);
	has("/nonexistent/card7");
}

/* A device that is no KMS card, named or found in the directory. */
static void err_not_kms(void **state)
{
	char link[128], want[160];

	(void)state;
	assert_int_equal(open_err("/dev/null"), -ENODEV);
	has("displ drm: /dev/null is not a KMS card");
	has(HINT);
	snprintf(link, sizeof(link), "%s/card3", tmpdir);
	assert_int_equal(symlink("/dev/null", link), 0);
	setenv("PVKIT_DRI_DIR", tmpdir, 1);
	assert_int_equal(open_err(NULL), -ENODEV);
	snprintf(want, sizeof(want), "displ drm: %s is not a KMS card", link);
	has(want);
}

/* Arguments it does not understand: -EINVAL before any card is opened. */
static void err_bad_arg(void **state)
{
	(void)state;
	assert_int_equal(open_err("/nonexistent/card7,speed=9"), -EINVAL);
	has("'speed=9': not an option of the drm host side");
	assert_int_equal(open_err("connector="), -EINVAL);
	has("a connector's name (e.g. HDMI-A-1) is missing");
	assert_int_equal(open_err("connector=A,/dev/dri/card0"), -EINVAL);
	has("'/dev/dri/card0': not an option");
}

/* Found by name among the host sides, with its --help line. */
static void err_listed(void **state)
{
	const struct displback_host_ops *const *all = displback_hosts();
	bool seen = false;

	(void)state;
	assert_ptr_equal(displback_host_find("drm"), H);
	assert_ptr_equal(displback_host_find("drm:/dev/dri/card1"), H);
	for (size_t i = 0; all[i]; i++)
		seen |= all[i] == H;
	assert_true(seen);
	assert_non_null(strstr(H->help, "connector=NAME"));
}

/* ---- card_*: a real card ---------------------------------------------------
 */

static bool have_card(void)
{
	struct stat st;

	return !stat(CARD, &st);
}

static struct event_base *base;
static void *host;
static int probe = -1; /* a second fd on the card, to look at it */

struct rec {
	uint64_t seq[64];
	unsigned int n;
	bool in_show; /* show() running: presented() must not come then */
	bool early;   /* it did */
	uint32_t fb_at[64]; /* the CRTC's fb when each came */
	uint32_t crtc;
};
static struct rec R;

static uint32_t crtc_fb(uint32_t crtc)
{
	drmModeCrtcPtr c = drmModeGetCrtc(probe, crtc);
	uint32_t id = c ? c->buffer_id : 0;

	drmModeFreeCrtc(c);
	return id;
}

static void on_presented(void *ctx, uint64_t seq)
{
	struct rec *r = ctx;

	if (r->in_show)
		r->early = true;
	assert_true(r->n < 64);
	r->fb_at[r->n] = r->crtc ? crtc_fb(r->crtc) : 0;
	r->seq[r->n++] = seq;
}

static int card_setup(void **state)
{
	(void)state;
	if (!have_card()) {
		fprintf(stderr, "SKIP: no %s (a DRM/KMS card); these cases run "
				"in QEMU: ctest -R vm_displback_drm\n",
			CARD);
		skip();
	}
	memset(&R, 0, sizeof(R));
	base = event_base_new();
	assert_non_null(base);
	probe = open(CARD, O_RDWR | O_CLOEXEC);
	assert_true(probe >= 0);
	/* the first opener became master: leave that to the host side */
	if (drmIsMaster(probe))
		assert_int_equal(drmDropMaster(probe), 0);
	host = NULL;
	return 0;
}

static int card_teardown(void **state)
{
	(void)state;
	if (host)
		H->close(host);
	host = NULL;
	if (probe >= 0)
		close(probe);
	probe = -1;
	if (base)
		event_base_free(base);
	base = NULL;
	return 0;
}

static void host_open(const char *arg)
{
	int rc = H->open(base, arg, &host);

	if (rc)
		fail_msg("open %s: %s", arg ? arg : "(default)", strerror(-rc));
}

/* The connector called name on the probe fd, and its CRTC now. */
static uint32_t conn_crtc(const char *name)
{
	drmModeResPtr res = drmModeGetResources(probe);
	uint32_t crtc = 0;

	assert_non_null(res);
	for (int i = 0; i < res->count_connectors; i++) {
		drmModeConnectorPtr c = drmModeGetConnector(probe,
							    res->connectors[i]);
		char n[64];
		snprintf(n, sizeof(n), "%s-%u",
			 drmModeGetConnectorTypeName(c->connector_type),
			 c->connector_type_id);
		if (!strcmp(n, name) && c->encoder_id) {
			drmModeEncoderPtr e = drmModeGetEncoder(probe,
								c->encoder_id);
			crtc = e ? e->crtc_id : 0;
			drmModeFreeEncoder(e);
		}
		drmModeFreeConnector(c);
	}
	drmModeFreeResources(res);
	return crtc;
}

static bool conn_exists(const char *name)
{
	drmModeResPtr res = drmModeGetResources(probe);
	bool found = false;

	for (int i = 0; res && i < res->count_connectors; i++) {
		drmModeConnectorPtr c = drmModeGetConnector(probe,
							    res->connectors[i]);
		char n[64];
		snprintf(n, sizeof(n), "%s-%u",
			 drmModeGetConnectorTypeName(c->connector_type),
			 c->connector_type_id);
		found |= !strcmp(n, name);
		drmModeFreeConnector(c);
	}
	drmModeFreeResources(res);
	return found;
}

/* The CRTC's mode size. */
static void crtc_mode(uint32_t crtc, uint32_t *w, uint32_t *h)
{
	drmModeCrtcPtr c = drmModeGetCrtc(probe, crtc);

	assert_non_null(c);
	*w = c->mode_valid ? c->mode.hdisplay : 0;
	*h = c->mode_valid ? c->mode.vdisplay : 0;
	drmModeFreeCrtc(c);
}

struct scan {
	uint8_t *map;
	size_t size;
	uint32_t w, h, pitch, handle;
};

/* Map what the CRTC scans out now (drmModeGetCrtc -> fb -> dumb map). */
static void scan_map(uint32_t crtc, struct scan *s)
{
	uint32_t id = crtc_fb(crtc);
	drmModeFBPtr fb;
	struct drm_mode_map_dumb mp = {0};
	void *m;

	assert_int_not_equal(id, 0);
	fb = drmModeGetFB(probe, id);
	assert_non_null(fb);
	assert_int_not_equal(fb->handle, 0); /* root sees the handle */
	assert_int_equal(fb->bpp, 32);
	s->w = fb->width;
	s->h = fb->height;
	s->pitch = fb->pitch;
	s->handle = fb->handle;
	drmModeFreeFB(fb);
	mp.handle = s->handle;
	assert_int_equal(drmIoctl(probe, DRM_IOCTL_MODE_MAP_DUMB, &mp), 0);
	s->size = (size_t)s->pitch * s->h;
	m = mmap(NULL, s->size, PROT_READ, MAP_SHARED, probe, (off_t)mp.offset);
	assert_true(m != MAP_FAILED);
	s->map = m;
}

static void scan_unmap(struct scan *s)
{
	struct drm_gem_close gc = {.handle = s->handle};

	munmap(s->map, s->size);
	drmIoctl(probe, DRM_IOCTL_GEM_CLOSE, &gc);
}

static uint32_t scan_px(const struct scan *s, uint32_t x, uint32_t y)
{
	uint32_t v;

	memcpy(&v, s->map + (size_t)y * s->pitch + (size_t)x * 4, 4);
	return v & 0xffffff;
}

/* The pattern: colour of (x, y) in frame k, as XRGB (low 24 bits). */
static uint32_t pattern(uint32_t x, uint32_t y, unsigned int k)
{
	uint32_t r = (x * 3 + k * 40) & 255, g = (y * 5 + k) & 255,
		 b = (x ^ y ^ (k * 17)) & 255;

	return r << 16 | g << 8 | b;
}

/* Frame k as fourcc pixels in a buffer of ours (its stride 64 bytes past
 * a line, as a guest's larger dbuf would be). */
static void *frame_new(uint32_t w, uint32_t h, uint32_t fourcc,
		       unsigned int k, struct displback_fb *fb, uint64_t seq)
{
	uint32_t bpp = fourcc == DISPLBACK_FMT_RGB565 ? 2 : 4;
	uint32_t stride = w * bpp + 64;
	uint8_t *px = calloc((size_t)stride, h);

	assert_non_null(px);
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++) {
			uint32_t c = pattern(x, y, k);
			uint8_t *p = px + (size_t)y * stride + (size_t)x * bpp;
			if (bpp == 2) {
				uint16_t v = (uint16_t)(((c >> 19) & 31) << 11 |
							((c >> 10) & 63) << 5 |
							((c >> 3) & 31));
				memcpy(p, &v, 2);
			} else {
				/* alpha / x: something not 0, ignored */
				c |= (uint32_t)(0x40 + k) << 24;
				memcpy(p, &c, 4);
			}
		}
	*fb = (struct displback_fb){.pixels = px, .width = w, .height = h,
				    .stride = stride, .fourcc = fourcc,
				    .cookie = 100 + k, .seq = seq};
	return px;
}

/* What the screen shows for pattern k in fourcc (RGB565 narrowed and
 * widened again). */
static uint32_t expect(uint32_t x, uint32_t y, unsigned int k, uint32_t fourcc)
{
	uint32_t c = pattern(x, y, k);

	if (fourcc == DISPLBACK_FMT_RGB565) {
		uint32_t r = (c >> 19) & 31, g = (c >> 10) & 63, b = (c >> 3) & 31;
		c = (r << 3 | r >> 2) << 16 | (g << 2 | g >> 4) << 8 |
		    (b << 3 | b >> 2);
	}
	return c;
}

/* The scanout holds pattern k (w x h at ox, oy; black elsewhere). */
static void check_scan(uint32_t crtc, uint32_t w, uint32_t h, uint32_t ox,
		       uint32_t oy, unsigned int k, uint32_t fourcc)
{
	struct scan s;
	unsigned long bad = 0;

	scan_map(crtc, &s);
	for (uint32_t y = 0; y < s.h; y++)
		for (uint32_t x = 0; x < s.w; x++) {
			bool in = x >= ox && x < ox + w && y >= oy && y < oy + h;
			uint32_t want = in ? expect(x - ox, y - oy, k, fourcc)
					   : 0;
			uint32_t got = scan_px(&s, x, y);
			if (got != want && bad++ < 5)
				fprintf(stderr,
					"(%u,%u): 0x%06x, want 0x%06x\n", x,
					y, got, want);
		}
	scan_unmap(&s);
	if (bad)
		fail_msg("frame %u: %lu pixels wrong", k, bad);
}

/* Run the loop until R has n presented() calls (5 s at most). */
static void wait_presented(unsigned int n)
{
	for (int i = 0; i < 5000 && R.n < n; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		if (R.n < n)
			usleep(1000);
	}
	assert_int_equal(R.n, n);
}

static void *conn_open(const char *uid, uint32_t w, uint32_t h)
{
	struct displback_conn_info info = {.domid = 7,
					   .unique_id = uid,
					   .width = w,
					   .height = h,
					   .presented = on_presented,
					   .ctx = &R};
	void *c = NULL;

	assert_int_equal(H->connector_open(host, &info, &c), 0);
	return c;
}

static int show(void *c, const struct displback_fb *fb)
{
	int rc;

	R.in_show = true;
	rc = H->show(c, fb);
	R.in_show = false;
	return rc;
}

/* Another master holds the card: -EBUSY, and a line that says so. */
static void card_busy(void **state)
{
	(void)state;
	/* the probe fd is the first opener, hence master, unless the
	 * console's holder is: make sure it is */
	assert_int_equal(drmSetMaster(probe), 0);
	assert_true(drmIsMaster(probe));
	assert_int_equal(open_err(CARD), -EBUSY);
	has("displ drm: " CARD " is in use: another display server");
	has("--displ-host sdl");
	assert_int_equal(drmDropMaster(probe), 0);
	host_open(CARD); /* free again */
}

/* A connector the card does not have: -ENOENT, the ones it has listed. */
static void card_unknown_connector(void **state)
{
	(void)state;
	assert_int_equal(open_err(CARD ",connector=HDMI-A-9"), -ENOENT);
	has("displ drm: " CARD " has no connector HDMI-A-9 (it has: "
	    "Virtual-1");
}

/* The mode at the guest's resolution on the connector named, frames of
 * each format flipped to, presented() from the flip event, the scanout
 * pixel for pixel then; the console's CRTC back at close. */
static void card_frames(void **state)
{
	static const uint32_t fmts[] = {DISPLBACK_FMT_XRGB8888,
					DISPLBACK_FMT_ARGB8888,
					DISPLBACK_FMT_RGB565,
					DISPLBACK_FMT_XRGB8888};
	uint32_t crtc, w, h, before_fb, before_w, before_h;
	void *c;

	(void)state;
	crtc = conn_crtc("Virtual-1");
	assert_int_not_equal(crtc, 0);
	before_fb = crtc_fb(crtc);
	crtc_mode(crtc, &before_w, &before_h);
	host_open("connector=Virtual-1");
	c = conn_open("mon0", 800, 600);
	assert_int_equal(conn_crtc("Virtual-1"), crtc);
	crtc_mode(crtc, &w, &h);
	assert_int_equal(w, 800);
	assert_int_equal(h, 600);
	check_scan(crtc, 0, 0, 0, 0, 0, 0); /* black at first */
	R.crtc = crtc;
	for (unsigned int k = 0; k < 4; k++) {
		struct displback_fb fb;
		void *px = frame_new(800, 600, fmts[k], k, &fb, k + 1);
		uint32_t was = crtc_fb(crtc);

		assert_int_equal(show(c, &fb), 0);
		assert_false(R.early);
		assert_int_equal(R.n, k); /* not yet: at the flip event */
		wait_presented(k + 1);
		assert_int_equal(R.seq[k], k + 1);
		/* the CRTC had flipped to another buffer by then */
		assert_int_not_equal(R.fb_at[k], was);
		assert_int_equal(R.fb_at[k], crtc_fb(crtc));
		check_scan(crtc, 800, 600, 0, 0, k, fmts[k]);
		free(px);
	}
	H->connector_close(c);
	assert_int_equal(crtc_fb(crtc), before_fb);
	crtc_mode(crtc, &w, &h);
	assert_int_equal(w, before_w);
	assert_int_equal(h, before_h);
}

/* Virtual-1's modes: the one the drm host side should take for w x h
 * (same size, else the smallest larger both ways, else the largest) and
 * the largest. */
static void modes(uint32_t w, uint32_t h, uint32_t *pw, uint32_t *ph,
		  uint32_t *lw, uint32_t *lh)
{
	drmModeResPtr res = drmModeGetResources(probe);
	uint64_t best = 0, large = 0;

	*pw = *ph = *lw = *lh = 0;
	for (int i = 0; i < res->count_connectors; i++) {
		drmModeConnectorPtr c = drmModeGetConnector(probe,
							    res->connectors[i]);
		for (int k = 0; k < c->count_modes; k++) {
			uint32_t mw = c->modes[k].hdisplay,
				 mh = c->modes[k].vdisplay;
			uint64_t a = (uint64_t)mw * mh;
			if (a > large) {
				large = a;
				*lw = mw;
				*lh = mh;
			}
			if (mw >= w && mh >= h && (!best || a < best)) {
				best = a;
				*pw = mw;
				*ph = mh;
			}
		}
		drmModeFreeConnector(c);
	}
	drmModeFreeResources(res);
	if (!best) {
		*pw = *lw;
		*ph = *lh;
	}
}

/* No mode at 700x500: the smallest larger, the frame centred on black;
 * a frame larger than every mode shows its middle. */
static void card_centred(void **state)
{
	uint32_t crtc, w, h, pw, ph, lw, lh;
	struct displback_fb fb;
	void *c, *px;

	(void)state;
	modes(700, 500, &pw, &ph, &lw, &lh);
	fprintf(stderr, "700x500 should go on %ux%u; the largest mode is "
			"%ux%u\n", pw, ph, lw, lh);
	assert_true(pw > 700 && ph > 500);
	host_open(CARD);
	c = conn_open("odd", 700, 500);
	crtc = conn_crtc("Virtual-1");
	R.crtc = crtc;
	crtc_mode(crtc, &w, &h);
	assert_int_equal(w, pw);
	assert_int_equal(h, ph);
	px = frame_new(700, 500, DISPLBACK_FMT_XRGB8888, 5, &fb, 1);
	assert_int_equal(show(c, &fb), 0);
	wait_presented(1);
	check_scan(crtc, 700, 500, (pw - 700) / 2, (ph - 500) / 2, 5,
		   DISPLBACK_FMT_XRGB8888);
	free(px);
	H->connector_close(c);

	/* 80 x 120 pixels more than the largest mode: its middle shown */
	c = conn_open("huge", lw + 80, lh + 120);
	crtc_mode(crtc, &w, &h);
	assert_int_equal(w, lw);
	assert_int_equal(h, lh);
	{
		struct scan s;
		px = frame_new(lw + 80, lh + 120, DISPLBACK_FMT_XRGB8888, 6,
			       &fb, 1);
		assert_int_equal(show(c, &fb), 0);
		wait_presented(2);
		scan_map(crtc, &s);
		for (uint32_t y = 0; y < lh; y += 7)
			for (uint32_t x = 0; x < lw; x += 5)
				assert_int_equal(scan_px(&s, x, y),
						 pattern(x + 40, y + 60, 6));
		scan_unmap(&s);
		free(px);
	}
	H->connector_close(c);
}

/* Frames given while a flip is in flight: the newest waits, replacing
 * the one before; presented() comes for the first and the last; then
 * the connector off: black, no presented(). */
static void card_coalesce_and_off(void **state)
{
	struct displback_fb fb[3];
	void *px[3], *c;
	uint32_t crtc;

	(void)state;
	host_open(NULL);
	c = conn_open("mon0", 640, 480);
	crtc = conn_crtc("Virtual-1");
	R.crtc = crtc;
	for (unsigned int k = 0; k < 3; k++) {
		px[k] = frame_new(640, 480, DISPLBACK_FMT_XRGB8888, 10 + k,
				  &fb[k], k + 1);
		assert_int_equal(show(c, &fb[k]), 0);
	}
	assert_false(R.early);
	/* the waiting frame is copied only when its turn comes: frame 2's
	 * pixels may go now (a guest's may be unmapped once 3 is shown) */
	memset(px[1], 0xff, (size_t)fb[1].stride * 480);
	wait_presented(2);
	assert_int_equal(R.seq[0], 1);
	assert_int_equal(R.seq[1], 3);
	check_scan(crtc, 640, 480, 0, 0, 12, DISPLBACK_FMT_XRGB8888);
	for (unsigned int k = 0; k < 3; k++)
		free(px[k]);

	/* off: black at the next flip, and nothing presented */
	assert_int_equal(show(c, NULL), 0);
	for (int i = 0; i < 200; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
	assert_int_equal(R.n, 2);
	check_scan(crtc, 0, 0, 0, 0, 0, 0);
	H->connector_close(c);
}

/* Two guest connectors, one monitor: the second is not shown (a line
 * says so) and its frames are presented at once. */
static void card_no_monitor_left(void **state)
{
	struct displback_fb fb;
	void *c0, *c1, *px;

	(void)state;
	host_open(CARD);
	c0 = conn_open("mon0", 800, 600);
	capture();
	c1 = conn_open("mon1", 640, 480);
	captured();
	has("displ drm: dom7 mon1 (640x480): no free connector with a "
	    "monitor on " CARD ": not shown");
	px = frame_new(640, 480, DISPLBACK_FMT_RGB565, 1, &fb, 1);
	assert_int_equal(H->show(c1, &fb), 0);
	assert_int_equal(R.n, 1);
	assert_int_equal(R.seq[0], 1);
	free(px);
	H->connector_close(c1);
	H->connector_close(c0);
}

/* A connector named that has no monitor (virtio-gpu's second output,
 * unplugged) is passed over for the next one named, and a guest
 * connector that only it could take is not shown. */
static void card_named_unplugged(void **state)
{
	struct displback_fb fb;
	void *c, *px;

	(void)state;
	if (!conn_exists("Virtual-2")) {
		fprintf(stderr, "SKIP card_named_unplugged: no Virtual-2 "
				"(virtio-gpu with max_outputs=2 has one)\n");
		skip();
	}
	host_open(CARD ",connector=Virtual-2,connector=Virtual-1");
	c = conn_open("mon0", 800, 600);
	assert_int_equal(conn_crtc("Virtual-1") != 0, true);
	R.crtc = conn_crtc("Virtual-1");
	px = frame_new(800, 600, DISPLBACK_FMT_XRGB8888, 30, &fb, 1);
	assert_int_equal(show(c, &fb), 0);
	wait_presented(1);
	check_scan(R.crtc, 800, 600, 0, 0, 30, DISPLBACK_FMT_XRGB8888);
	free(px);
	H->connector_close(c);
	H->close(host);
	host = NULL;

	host_open("connector=Virtual-2");
	capture();
	c = conn_open("mon1", 640, 480);
	captured();
	has("displ drm: dom7 mon1 (640x480): no free connector with a "
	    "monitor on " CARD ": not shown");
	px = frame_new(640, 480, DISPLBACK_FMT_XRGB8888, 31, &fb, 2);
	assert_int_equal(H->show(c, &fb), 0);
	assert_int_equal(R.n, 2); /* at once */
	free(px);
	H->connector_close(c);
}

/* The vdispl device on libpvback's fake platform, host side drm: a
 * guest's flips reach the card and its flip events come after them. */
static void card_device(void **state)
{
	static struct dfe T;
	uint8_t *g, *g2;
	uint32_t crtc;
	uint64_t ev = 0;

	(void)state;
	dfe_setup(&T, H, CARD, NULL);
	dfe_connect(&T); /* mon0 800x600 on Virtual-1; mon1 unseen */
	crtc = conn_crtc("Virtual-1");
	assert_int_equal(dfe_dbuf(&T, 1, 800, 600, 32, &g), 0);
	assert_int_equal(dfe_fb(&T, 1, 11, 800, 600, DISPLBACK_FMT_XRGB8888), 0);
	assert_int_equal(dfe_dbuf(&T, 2, 800, 600, 32, &g2), 0);
	assert_int_equal(dfe_fb(&T, 2, 12, 800, 600, DISPLBACK_FMT_XRGB8888), 0);
	for (uint32_t y = 0; y < 600; y++)
		for (uint32_t x = 0; x < 800; x++) {
			uint32_t c = pattern(x, y, 20);
			memcpy(g + ((size_t)y * 800 + x) * 4, &c, 4);
		}
	assert_int_equal(dfe_config(&T, 0, 11, 0, 0, 800, 600, 32), 0);
	assert_int_equal(dfe_flip(&T, 0, 11), 0);
	for (int i = 0; i < 5000 && !ev; i++) {
		event_base_loop(T.base, EVLOOP_NONBLOCK);
		ev = dfe_event(&T, 0);
		if (!ev)
			usleep(1000);
	}
	assert_int_equal(ev, 11);
	check_scan(crtc, 800, 600, 0, 0, 20, DISPLBACK_FMT_XRGB8888);
	/* the unseen connector's flips complete too */
	assert_int_equal(dfe_config(&T, 1, 12, 0, 0, 640, 480, 32), 0);
	assert_int_equal(dfe_flip(&T, 1, 12), 0);
	dfe_run(&T);
	assert_int_equal(dfe_event(&T, 1), 12);
	dfe_teardown(&T);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(err_no_card, err_setup, err_teardown),
    cmocka_unit_test_setup_teardown(err_no_dev_dri, err_setup, err_teardown),
    cmocka_unit_test_setup_teardown(err_missing_card, err_setup, err_teardown),
    cmocka_unit_test_setup_teardown(err_not_kms, err_setup, err_teardown),
    cmocka_unit_test_setup_teardown(err_bad_arg, err_setup, err_teardown),
    cmocka_unit_test_setup_teardown(err_listed, err_setup, err_teardown),
    cmocka_unit_test_setup_teardown(card_busy, card_setup, card_teardown),
    cmocka_unit_test_setup_teardown(card_unknown_connector, card_setup,
				    card_teardown),
    cmocka_unit_test_setup_teardown(card_frames, card_setup, card_teardown),
    cmocka_unit_test_setup_teardown(card_centred, card_setup, card_teardown),
    cmocka_unit_test_setup_teardown(card_coalesce_and_off, card_setup,
				    card_teardown),
    cmocka_unit_test_setup_teardown(card_no_monitor_left, card_setup,
				    card_teardown),
    cmocka_unit_test_setup_teardown(card_named_unplugged, card_setup,
				    card_teardown),
    cmocka_unit_test_setup_teardown(card_device, card_setup, card_teardown),
};

int main(int argc, char **argv)
{
	/* the card cases alone, with no card: skipped, loudly */
	if (argc == 2 && !strcmp(argv[1], "card_*") && !have_card()) {
		fprintf(stderr,
			"test_displback_drm: SKIP: no %s (a DRM/KMS card) "
			"here; the card cases run in QEMU with bochs-drm: "
			"ctest -R vm_displback_drm\n",
			CARD);
		return 77;
	}
	return pv_unit_main("displback_drm", tests,
			    sizeof(tests) / sizeof(tests[0]), argc, argv);
}
