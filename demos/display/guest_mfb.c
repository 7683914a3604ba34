/*
 * guest_mfb — the display demo's guest: a multi-framebuffer program on a
 * vdispl device (frontends/display) and, when it has one, a vkbd device
 * (frontends/input) for touches.
 *
 *   kernel = "guest_mfb"
 *   cmdline = "[fps=N] [frames=N] [noconfine]"
 *   vdispl = [ "connectors=mfb0:1280x720;mfb1:800x480" ]
 *   vkb = [ "feature-multi-touch=1, multi-touch-width=800, ..." ]
 *
 * Every connector gets two XRGB8888 buffers of its resolution: one is on
 * screen while the next frame is drawn in the other, then they swap with
 * a page flip (all connectors flipped at once, the next frame drawn only
 * once each connector's flip event said the last one is shown).  Each
 * connector has its own animation: the first a drifting colour field with
 * a bouncing square, the others moving diagonal stripes.  The last
 * connector is also a canvas: every touch contact of the vkbd device
 * paints a line of its own colour where it moves (positions scaled from
 * the device's touch surface to the connector); the paint stays.  All
 * animation colours keep every component below 0x80, so paint (some
 * component at 0xff) never looks like background.
 *
 * Pacing: fps frames a second (default 60) by the guest's own clock, or
 * slower when the backend shows frames slower (an SDL window at vsync).
 * frames=N stops animating after N frames (touches still paint); 0, the
 * default, runs until the guest is destroyed.
 *
 * Console lines (pvctl console):
 *   "MFB connectors=N version=V", then "MFB c=I id=UID res=WxH"
 *   "MFB touch WxH contacts=C"            the vkbd device connected
 *   "PAINT id=ID x=X y=Y rgb=RRGGBB"      a contact touched down, in the
 *                                         canvas connector's pixels
 *   "MFB frames=N fps=F"                  every 5 s of animation
 *   "MFB failed WHAT RC"                  an error; the guest ends (1)
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pvkit/displfront.h"
#include "pvkit/front.h"
#include "pvkit/guest_posix.h"
#include "pvkit/kbdfront.h"

#define NBUF	 2u
#define CONNS	 DISPLFRONT_CONNECTORS_MAX
#define CONTACTS 10u
#define BRUSH	 4 /* paint radius, pixels */
/* the canvas connector's largest size */
#define CANVAS_W 1920u
#define CANVAS_H 1080u

static struct pvfront_posix *gp;
static struct pvfront pf;
static struct displfront df;
static struct kbdfront kf;
static bool have_kbd;
static struct displfront_dbuf dbs[CONNS][NBUF];
static struct displfront_fb fbs[CONNS][NBUF];
static unsigned int shown[CONNS]; /* the buffer on screen */
static unsigned int ncon, canvas_con;
static uint32_t canvas[CANVAS_W * CANVAS_H]; /* 0: no paint */
static uint32_t canvas_w, canvas_h;

struct contact {
	bool down;
	int x, y; /* last position, canvas pixels */
};
static struct contact contacts[CONTACTS];

static const uint32_t paint_rgb[] = {0xffffff, 0xffd040, 0x40ffff,
				     0xff60ff, 0x80ff80, 0xff8040};

static _Noreturn void fail(const char *what, int rc)
{
	pvfront_posix_console_printf(gp, "MFB failed %s %d\n", what, rc);
	exit(1);
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

/* ---- painting ------------------------------------------------------------ */

static void dot(int cx, int cy, uint32_t rgb)
{
	for (int y = cy - BRUSH; y <= cy + BRUSH; y++)
		for (int x = cx - BRUSH; x <= cx + BRUSH; x++) {
			int dx = x - cx, dy = y - cy;

			if (x < 0 || y < 0 || (uint32_t)x >= canvas_w ||
			    (uint32_t)y >= canvas_h ||
			    dx * dx + dy * dy > BRUSH * BRUSH)
				continue;
			canvas[(size_t)y * canvas_w + (size_t)x] = rgb;
		}
}

/* Dots a brush radius apart at most along the segment: a solid line. */
static void line(int x0, int y0, int x1, int y1, uint32_t rgb)
{
	int dx = abs(x1 - x0), dy = abs(y1 - y0);
	int steps = (dx > dy ? dx : dy) / (BRUSH / 2 > 0 ? BRUSH / 2 : 1) + 1;

	for (int i = 0; i <= steps; i++)
		dot(x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps,
		    rgb);
}

/* A touch position in the device's surface, in canvas pixels. */
static void scale(int32_t x, int32_t y, int *cx, int *cy)
{
	const struct kbdfront_info *in = kbdfront_info(&kf);
	uint32_t w = in->mt_width ? in->mt_width : canvas_w;
	uint32_t h = in->mt_height ? in->mt_height : canvas_h;

	*cx = (int)((int64_t)x * (int64_t)canvas_w / (int64_t)w);
	*cy = (int)((int64_t)y * (int64_t)canvas_h / (int64_t)h);
}

static void on_touch(const struct kbdfront_event *ev)
{
	struct contact *c;
	uint32_t rgb;
	int x, y;

	if (ev->contact >= CONTACTS || !canvas_w)
		return;
	c = &contacts[ev->contact];
	rgb = paint_rgb[ev->contact % (sizeof(paint_rgb) / sizeof(paint_rgb[0]))];
	switch (ev->mt_event) {
	case XENKBD_MT_EV_DOWN:
		scale(ev->x, ev->y, &x, &y);
		dot(x, y, rgb);
		c->down = true;
		c->x = x;
		c->y = y;
		pvfront_posix_console_printf(gp,
					     "PAINT id=%u x=%d y=%d rgb=%06x\n",
					     ev->contact, x, y, rgb);
		break;
	case XENKBD_MT_EV_MOTION:
		scale(ev->x, ev->y, &x, &y);
		if (c->down)
			line(c->x, c->y, x, y, rgb);
		else
			dot(x, y, rgb);
		c->down = true;
		c->x = x;
		c->y = y;
		break;
	case XENKBD_MT_EV_UP:
		c->down = false;
		break;
	default:
		break;
	}
}

static void on_kbd(struct kbdfront *k, const struct kbdfront_event *ev,
		   void *arg)
{
	(void)k;
	(void)arg;
	if (ev->type == XENKBD_TYPE_MTOUCH)
		on_touch(ev);
}

static void on_kbd_link(struct kbdfront *k, bool up, int reason, void *arg)
{
	const struct kbdfront_info *in = kbdfront_info(k);

	(void)arg;
	(void)reason;
	if (up)
		pvfront_posix_console_printf(gp, "MFB touch %ux%u contacts=%u\n",
					     in->mt_width, in->mt_height,
					     in->mt_contacts);
	for (unsigned int i = 0; i < CONTACTS; i++)
		contacts[i].down = false;
}

/* ---- animations ---------------------------------------------------------- */

static uint32_t rgb(uint32_t r, uint32_t g, uint32_t b)
{
	return (r & 0x7f) << 16 | (g & 0x7f) << 8 | (b & 0x7f);
}

/* 0 .. 0x7f .. 0: a level that drifts without a seam. */
static uint32_t tri(uint32_t v)
{
	v &= 0xff;
	return v < 0x80 ? v : 0xff - v;
}

/* A colour field drifting with the frame number and a square bouncing
 * off the edges. */
static void draw_field(const struct displfront_dbuf *db, unsigned int n)
{
	uint32_t w = db->width, h = db->height;
	uint32_t side = h / 6 ? h / 6 : 1;
	uint32_t spanx = w > side ? w - side : 1, spany = h > side ? h - side : 1;
	uint32_t px = (n * 7u) % (2 * spanx), py = (n * 5u) % (2 * spany);

	if (px >= spanx)
		px = 2 * spanx - px;
	if (py >= spany)
		py = 2 * spany - py;
	static uint32_t red[4096];

	for (uint32_t x = 0; x < w && x < 4096u; x++)
		red[x] = rgb(tri(x * 256u / w + n), 0, 0x40);
	for (uint32_t y = 0; y < h; y++) {
		uint32_t *row = (uint32_t *)(void *)(db->pixels +
						     (size_t)y * db->stride);
		uint32_t gy = tri(y * 256u / h + 2u * n) << 8;

		for (uint32_t x = 0; x < w && x < 4096u; x++)
			row[x] = red[x] | gy;
		if (y >= py && y < py + side)
			for (uint32_t x = px; x < px + side && x < w; x++)
				row[x] = rgb(0x7f, 0x10, 0x10);
	}
}

/* Diagonal stripes moving right, with the canvas's paint over them. */
static void draw_stripes(const struct displfront_dbuf *db, unsigned int n,
			 bool paint)
{
	static const uint32_t band[4] = {0x101830, 0x182040, 0x202850,
					 0x182040};

	for (uint32_t y = 0; y < db->height; y++) {
		uint32_t *row = (uint32_t *)(void *)(db->pixels +
						     (size_t)y * db->stride);
		const uint32_t *cv = canvas + (size_t)y * canvas_w;

		for (uint32_t x = 0; x < db->width; x++) {
			uint32_t c = paint ? cv[x] : 0;

			row[x] = c ? c : band[((x + y + 1000000u - n * 3u) /
					       40u) % 4u];
		}
	}
}

static void draw(unsigned int c, unsigned int b, unsigned int n)
{
	if (c == 0 && ncon > 1)
		draw_field(&dbs[c][b], n);
	else
		draw_stripes(&dbs[c][b], n, c == canvas_con);
}

/* ---- the display --------------------------------------------------------- */

static void on_flip(struct displfront *d, unsigned int c, uint64_t cookie,
		    void *arg)
{
	(void)d;
	(void)c;
	(void)cookie;
	(void)arg;
}

static void buffers(unsigned int c)
{
	const struct displfront_conn_info *in = displfront_conn_info(&df, c);

	for (unsigned int b = 0; b < NBUF; b++) {
		struct displfront_dbuf_params p = {.width = in->width,
						   .height = in->height,
						   .bpp = 32};

		p.refs = calloc(displfront_dbuf_pages(&p), sizeof(grant_ref_t));
		p.dir_refs = calloc(displfront_dbuf_dir_pages(&p),
				    sizeof(grant_ref_t));
		if (!p.refs || !p.dir_refs)
			fail("calloc", -ENOMEM);
		check("dbuf_create", displfront_dbuf_create(&df, &dbs[c][b], &p));
		check("fb_attach", displfront_fb_attach(&df, &fbs[c][b],
							&dbs[c][b],
							PV_DISPLIF_FMT_XRGB8888));
	}
}

/* Wait until every connector's flip is shown and the deadline passed,
 * taking touches meanwhile. */
static void wait_frame(uint64_t deadline)
{
	for (;;) {
		bool pending = false;
		uint64_t t = now_ns();
		int ms;

		for (unsigned int c = 0; c < ncon; c++)
			pending |= displfront_flip_pending(&df, c) != 0;
		if (!pending && t >= deadline)
			return;
		ms = t >= deadline ? 1000
				   : (int)((deadline - t + 999999u) / 1000000u);
		check("pvfront_poll", pvfront_poll(&pf, ms));
	}
}

int main(int argc, char **argv)
{
	const struct displfront_config dcfg = {.on_flip = on_flip};
	const struct kbdfront_config kcfg = {.want_abs = true,
					     .want_mtouch = true,
					     .on_event = on_kbd,
					     .on_link = on_kbd_link};
	unsigned int fps = 60, frames = 0, confine = PVFRONT_POSIX_CONFINE;
	uint64_t period, next, report;
	unsigned int n = 0, last_n = 0;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "fps=", 4))
			fps = (unsigned int)strtoul(argv[i] + 4, NULL, 0);
		else if (!strncmp(argv[i], "frames=", 7))
			frames = (unsigned int)strtoul(argv[i] + 7, NULL, 0);
		else if (!strcmp(argv[i], "noconfine"))
			confine = 0;
	}
	if (!fps || fps > 1000)
		fps = 60;
	rc = pvfront_posix_open(confine, &gp);
	if (rc) {
		fprintf(stderr, "guest_mfb: pvfront_posix_open: %d\n", rc);
		return 2;
	}
	check("front_open", pvfront_posix_front_open(gp, &pf, 0));
	check("displfront_open", displfront_open(&df, &pf, 0, &dcfg, 20000));
	/* touches are optional: the vkbd device connects in the background */
	rc = kbdfront_open(&kf, &pf, 0, &kcfg, 0);
	have_kbd = rc == 0 || rc == -XEN_EAGAIN || rc == -XEN_ETIMEDOUT;
	ncon = displfront_connectors(&df);
	canvas_con = ncon - 1;
	pvfront_posix_console_printf(gp, "MFB connectors=%u version=%u%s\n",
				     ncon, displfront_version(&df),
				     have_kbd ? "" : " (no vkbd: no touch)");
	for (unsigned int c = 0; c < ncon; c++) {
		const struct displfront_conn_info *in =
		    displfront_conn_info(&df, c);

		pvfront_posix_console_printf(gp, "MFB c=%u id=%s res=%ux%u\n", c,
					     in->unique_id, in->width,
					     in->height);
		if (c == canvas_con && in->width <= CANVAS_W &&
		    in->height <= CANVAS_H) {
			canvas_w = in->width;
			canvas_h = in->height;
		}
		buffers(c);
		draw(c, 0, 0);
		check("set_config",
		      displfront_set_config(&df, c, &fbs[c][0], 0, 0, in->width,
					    in->height));
	}
	period = 1000000000u / fps;
	next = now_ns() + period;
	report = now_ns() + 5000000000u;
	for (;;) {
		if (!frames || n < frames) {
			n++;
			for (unsigned int c = 0; c < ncon; c++) {
				unsigned int b = (shown[c] + 1) % NBUF;

				draw(c, b, n);
				check("flip", displfront_flip(&df, c, &fbs[c][b],
							      DISPLFRONT_NONBLOCK));
				shown[c] = b;
			}
		} else if (canvas_w) {
			/* still: only the canvas, for the paint */
			unsigned int c = canvas_con, b = (shown[c] + 1) % NBUF;

			draw(c, b, n);
			check("flip", displfront_flip(&df, c, &fbs[c][b],
						      DISPLFRONT_NONBLOCK));
			shown[c] = b;
		}
		wait_frame(next);
		next += period;
		if (now_ns() > next + 10 * period)
			next = now_ns(); /* fell behind: no catching up */
		if (now_ns() >= report) {
			pvfront_posix_console_printf(gp, "MFB frames=%u fps=%u\n",
						     n, (n - last_n) / 5u);
			last_n = n;
			report += 5000000000u;
		}
	}
}
