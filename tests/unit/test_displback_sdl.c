/*
 * Unit tests of the display backend's "sdl" host side (host_sdl.h) under
 * SDL_VIDEODRIVER=offscreen with SDL's software renderer: what a window
 * shows is read back with SDL_RenderReadPixels and compared pixel for
 * pixel.
 *
 *   host_args     the argument: good ones open, bad ones -EINVAL; no
 *                 video driver to be had: -ENODEV
 *   formats       XRGB8888, ARGB8888 (shown opaque) and RGB565 frames with
 *                 a stride wider than the line, read back exactly;
 *                 presented() only after the loop drew the frame, never
 *                 inside show()
 *   titles        "dom<domid> — <unique-id> (WxH)", one window per
 *                 connector, at the connector's size
 *   letterbox     a window made wider / taller shows the picture at the
 *                 connector's aspect, centred, black bars around it
 *   off_coalesce  show(NULL) blanks the window without presented(); two
 *                 frames before the loop runs: the later is shown and its
 *                 presented() covers both, once
 *   touch_routing two guests' windows (SDL events pushed with each
 *                 window's id): mouse press / drag / release and fingers
 *                 become touch contacts (and pointer, buttons, keys) aimed
 *                 at the window's guest only, in the connector's
 *                 coordinates (letterbox bars excluded); a finger event
 *                 naming no window reaches nobody
 *   pointer_leave the pointer passing over a window is that guest's
 *                 (absolute position); the motion SDL reports as it
 *                 leaves (clamped to the edge, then LEAVE) is not
 *   shared_pump   the input backend's sdl window and display windows in
 *                 one process: whoever pumps SDL's queue, the input
 *                 window's key reaches its source's read() and the
 *                 display window's finger its guest, neither the other
 *   dump          dir=DIR: each window's picture as a PNG, read back with
 *                 libpng pixel for pixel
 *   device        through the vdispl device on libpvback's fake platform:
 *                 SET_CONFIG and PG_FLIP show the guest's buffer, the flip
 *                 event comes after the present, picture exact
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <SDL.h>
#include <event2/event.h>

#include "displback_fe.h"
#include "host_sdl.h"
#include "pvsdl.h"
#include "unit.h"

#ifdef PVKIT_HAVE_PNG
#include <png.h>
#endif

static const struct displback_host_ops *const H = &displback_host_sdl;

/* ---- a host side driven directly ----------------------------------------- */

#define MAXC 4

struct pres {
	uint64_t last;	   /* seq of the last presented() */
	unsigned int calls;
};

static struct event_base *base;
static void *host;
static void *conns[MAXC];
static struct pres pres[MAXC];
static char dir[64];

static void presented(void *ctx, uint64_t seq)
{
	struct pres *p = ctx;

	p->last = seq;
	p->calls++;
}

/* The loop until nothing is left to do now. */
static void run(void)
{
	/* SDL's queue is pumped every few ms: give the timer time */
	for (int i = 0; i < 12; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		SDL_Delay(1);
	}
}

static int setup(void **state)
{
	(void)state;
	setenv("SDL_VIDEODRIVER", "offscreen", 1);
	base = event_base_new();
	assert_non_null(base);
	memset(conns, 0, sizeof(conns));
	memset(pres, 0, sizeof(pres));
	host = NULL;
	snprintf(dir, sizeof(dir), "/tmp/displback-sdl-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	for (int i = 0; i < MAXC; i++)
		if (conns[i])
			H->connector_close(conns[i]);
	if (host)
		H->close(host);
	pvsdl_set_input(NULL, NULL);
	event_base_free(base);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void open_host(const char *arg)
{
	assert_int_equal(H->open(base, arg, &host), 0);
}

/* Connector i of guest domid, unique-id uid, w x h. */
static void conn(unsigned int i, domid_t domid, const char *uid, uint32_t w,
		 uint32_t h)
{
	struct displback_conn_info in = {.domid = domid,
					 .index = i,
					 .unique_id = uid,
					 .width = w,
					 .height = h,
					 .presented = presented,
					 .ctx = &pres[i]};

	assert_int_equal(H->connector_open(host, &in, &conns[i]), 0);
}

/* The window whose title starts with prefix. */
static SDL_Window *window(const char *prefix)
{
	for (uint32_t id = 1; id < 1024; id++) {
		SDL_Window *w = SDL_GetWindowFromID(id);

		if (w && !strncmp(SDL_GetWindowTitle(w), prefix, strlen(prefix)))
			return w;
	}
	fail_msg("no window titled '%s...'", prefix);
	return NULL;
}

/* What the window shows, as 0x00RRGGBB words (*w x *h). */
static uint32_t *screen(SDL_Window *win, int *w, int *h)
{
	SDL_Renderer *r = SDL_GetRenderer(win);
	uint32_t *px;

	assert_non_null(r);
	assert_int_equal(SDL_GetRendererOutputSize(r, w, h), 0);
	px = malloc((size_t)*w * (size_t)*h * 4);
	assert_non_null(px);
	assert_int_equal(SDL_RenderReadPixels(r, NULL, SDL_PIXELFORMAT_RGB888,
					      px, *w * 4),
			 0);
	return px;
}

/* ---- patterns --------------------------------------------------------------
 */

static void colour(uint32_t x, uint32_t y, uint8_t rgba[4])
{
	rgba[0] = (uint8_t)(x * 7 + y);
	rgba[1] = (uint8_t)(y * 3 + 1);
	rgba[2] = (uint8_t)(x ^ (y << 2));
	rgba[3] = (uint8_t)(x + 2 * y);
}

static void draw(uint8_t *px, uint32_t w, uint32_t h, uint32_t stride,
		 uint32_t fourcc)
{
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++) {
			uint8_t c[4], *p = px + (size_t)y * stride;
			colour(x, y, c);
			if (fourcc == DISPLBACK_FMT_RGB565) {
				unsigned int v = ((c[0] >> 3) << 11) |
						 ((c[1] >> 2) << 5) |
						 (c[2] >> 3);
				p[2 * x] = (uint8_t)v;
				p[2 * x + 1] = (uint8_t)(v >> 8);
			} else {
				p[4 * x] = c[2];
				p[4 * x + 1] = c[1];
				p[4 * x + 2] = c[0];
				p[4 * x + 3] = c[3];
			}
		}
}

/* 5 or 6 bits widened to 8 by repeating the top bits. */
static uint32_t widen(unsigned int v, unsigned int bits)
{
	return bits == 5 ? (v << 3) | (v >> 2) : (v << 2) | (v >> 4);
}

/* What the screen must hold at (x, y) for the pattern in fourcc. */
static uint32_t expect(uint32_t x, uint32_t y, uint32_t fourcc)
{
	uint8_t c[4];

	colour(x, y, c);
	if (fourcc == DISPLBACK_FMT_RGB565)
		return widen(c[0] >> 3, 5) << 16 | widen(c[1] >> 2, 6) << 8 |
		       widen(c[2] >> 3, 5);
	return (uint32_t)c[0] << 16 | (uint32_t)c[1] << 8 | c[2];
}

/* The window shows the pattern (fourcc) exactly, all of it. */
static void check_screen(SDL_Window *win, uint32_t w, uint32_t h,
			 uint32_t fourcc)
{
	int sw, sh;
	uint32_t *px = screen(win, &sw, &sh);

	assert_int_equal(sw, w);
	assert_int_equal(sh, h);
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++) {
			uint32_t got = px[(size_t)y * w + x] & 0xffffff;
			/* RGB565: its 5 / 6 / 5 bits exact; how a renderer
			 * fills the bits below is its own (SDL's software
			 * one leaves them 0, a GPU repeats the top bits) */
			uint32_t mask = fourcc == DISPLBACK_FMT_RGB565
					    ? 0xf8fcf8
					    : 0xffffff;
			if ((got & mask) != (expect(x, y, fourcc) & mask))
				fail_msg("%s: pixel (%u,%u) is %06x, want %06x",
					 displback_format_name(fourcc), x, y,
					 got, expect(x, y, fourcc));
		}
	free(px);
}

/* ---- cases -----------------------------------------------------------------
 */

static void host_args(void **state)
{
	static const char *const bad[] = {"bogus", "software,", "dir=",
					  "novsync,novsyncx", "dir=a,dir=b"};
	static const char *const good[] = {NULL, "", "software",
					   "software,novsync", "novsync,dir=/x"};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(H->open(base, bad[i], &host), -EINVAL);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(H->open(base, good[i], &host), 0);
		H->close(host);
		host = NULL;
	}
	assert_ptr_equal(displback_host_find("sdl:software"), H);
	/* no display to be had: -ENODEV (and a message saying so) */
	setenv("SDL_VIDEODRIVER", "no-such-driver", 1);
	assert_int_equal(H->open(base, "software", &host), -ENODEV);
	setenv("SDL_VIDEODRIVER", "offscreen", 1);
	/* a dump without dir=: nothing to write to */
	open_host("software");
	assert_int_equal(H->dump(host), -ENOTSUP);
}

static void formats(void **state)
{
	static const uint32_t fmts[] = {DISPLBACK_FMT_XRGB8888,
					DISPLBACK_FMT_ARGB8888,
					DISPLBACK_FMT_RGB565};
	const uint32_t w = 61, h = 37, stride = 300;
	uint8_t *px = calloc(stride, h);
	SDL_Window *win;

	(void)state;
	assert_non_null(px);
	open_host("software,novsync");
	conn(0, 7, "mon0", w, h);
	run();
	win = window("dom7 ");
	for (size_t i = 0; i < 3; i++) {
		struct displback_fb fb = {.pixels = px,
					  .width = w,
					  .height = h,
					  .stride = stride,
					  .fourcc = fmts[i],
					  .seq = i + 1};
		draw(px, w, h, stride, fmts[i]);
		assert_int_equal(H->show(conns[0], &fb), 0);
		/* drawn from the loop, not inside show() */
		assert_int_equal(pres[0].calls, i);
		run();
		assert_int_equal(pres[0].calls, i + 1);
		assert_int_equal(pres[0].last, i + 1);
		/* the guest draws over its buffer: the window keeps what
		 * was uploaded at the frame */
		memset(px, 0x55, (size_t)stride * h);
		check_screen(win, w, h, fmts[i]);
	}
	{
		struct displback_fb fb = {.pixels = px,
					  .width = w,
					  .height = h,
					  .stride = stride,
					  .fourcc = DISPLBACK_FOURCC('Y', 'U', 'Y',
								     'V'),
					  .seq = 9};
		assert_int_equal(H->show(conns[0], &fb), -EINVAL);
		run();
		assert_int_equal(pres[0].calls, 3);
	}
	free(px);
}

static void titles(void **state)
{
	int w, h;

	(void)state;
	open_host("software,novsync");
	conn(0, 3, "mon0", 320, 200);
	conn(1, 3, "mon1", 64, 48);
	conn(2, 4, "left panel", 100, 30);
	{ /* a guest's name goes after its domid, as given */
		struct displback_conn_info in = {.domid = 5,
						 .index = 3,
						 .unique_id = "m",
						 .guest_name = "demo-mfb",
						 .width = 40,
						 .height = 30,
						 .presented = presented,
						 .ctx = &pres[3]};

		assert_int_equal(H->connector_open(host, &in, &conns[3]), 0);
	}
	run();
	assert_string_equal(SDL_GetWindowTitle(window("dom5 ")),
			    "dom5 demo-mfb \xe2\x80\x94 m (40x30)");
	assert_string_equal(SDL_GetWindowTitle(window("dom3 \xe2\x80\x94 mon0")),
			    "dom3 \xe2\x80\x94 mon0 (320x200)");
	assert_string_equal(SDL_GetWindowTitle(window("dom3 \xe2\x80\x94 mon1")),
			    "dom3 \xe2\x80\x94 mon1 (64x48)");
	assert_string_equal(SDL_GetWindowTitle(window("dom4 ")),
			    "dom4 \xe2\x80\x94 left panel (100x30)");
	SDL_GetWindowSize(window("dom3 \xe2\x80\x94 mon0"), &w, &h);
	assert_int_equal(w, 320);
	assert_int_equal(h, 200);
	/* a window closed goes when its connector goes */
	H->connector_close(conns[1]);
	conns[1] = NULL;
	for (uint32_t id = 1; id < 1024; id++) {
		SDL_Window *win = SDL_GetWindowFromID(id);
		assert_true(!win || strcmp(SDL_GetWindowTitle(win),
					   "dom3 \xe2\x80\x94 mon1 (64x48)"));
	}
}

/* A solid frame of colour rgb. */
static void solid(uint32_t *px, size_t n, uint32_t rgb)
{
	for (size_t i = 0; i < n; i++)
		px[i] = rgb;
}

/* The window (ww x wh) shows rgb inside r and black outside. */
static void check_box(SDL_Window *win, int ww, int wh, SDL_Rect r,
		      uint32_t rgb)
{
	int sw, sh;
	uint32_t *px = screen(win, &sw, &sh);

	assert_int_equal(sw, ww);
	assert_int_equal(sh, wh);
	for (int y = 0; y < wh; y++)
		for (int x = 0; x < ww; x++) {
			bool in = x >= r.x && x < r.x + r.w && y >= r.y &&
				  y < r.y + r.h;
			uint32_t got = px[(size_t)y * ww + x] & 0xffffff;
			if (got != (in ? rgb : 0))
				fail_msg("%dx%d: pixel (%d,%d) is %06x, want "
					 "%06x",
					 ww, wh, x, y, got, in ? rgb : 0);
		}
	free(px);
}

static void resize(SDL_Window *win, int w, int h)
{
	SDL_SetWindowSize(win, w, h);
	/* the size-changed event goes through SDL's queue to the host */
	for (int i = 0; i < 5; i++) {
		SDL_Delay(5);
		run();
	}
}

static void letterbox(void **state)
{
	const uint32_t w = 80, h = 40;
	uint32_t *px = calloc(w * h, 4);
	struct displback_fb fb = {.pixels = px,
				  .width = w,
				  .height = h,
				  .stride = w * 4,
				  .fourcc = DISPLBACK_FMT_XRGB8888,
				  .seq = 1};
	SDL_Window *win;

	(void)state;
	assert_non_null(px);
	solid(px, w * h, 0x3c9a17);
	open_host("software,novsync");
	conn(0, 2, "wide", w, h);
	assert_int_equal(H->show(conns[0], &fb), 0);
	run();
	win = window("dom2 ");
	check_box(win, 80, 40, (SDL_Rect){0, 0, 80, 40}, 0x3c9a17);
	resize(win, 160, 40); /* wider: bars left and right */
	check_box(win, 160, 40, (SDL_Rect){40, 0, 80, 40}, 0x3c9a17);
	resize(win, 80, 100); /* taller: bars above and below */
	check_box(win, 80, 100, (SDL_Rect){0, 30, 80, 40}, 0x3c9a17);
	resize(win, 200, 100); /* the same aspect: all of it */
	check_box(win, 200, 100, (SDL_Rect){0, 0, 200, 100}, 0x3c9a17);
	assert_int_equal(pres[0].calls, 1); /* redraws present no frame */
	free(px);
}

static void off_coalesce(void **state)
{
	const uint32_t w = 16, h = 16;
	uint32_t *a = calloc(w * h, 4), *b = calloc(w * h, 4);
	struct displback_fb fa = {.pixels = a,
				  .width = w,
				  .height = h,
				  .stride = w * 4,
				  .fourcc = DISPLBACK_FMT_XRGB8888,
				  .seq = 1};
	struct displback_fb fbb = fa;
	SDL_Window *win;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	solid(a, w * h, 0xff0000);
	solid(b, w * h, 0x0000ff);
	fbb.pixels = b;
	fbb.seq = 2;
	open_host("software,novsync");
	conn(0, 2, "c", w, h);
	assert_int_equal(H->show(conns[0], &fa), 0);
	assert_int_equal(H->show(conns[0], &fbb), 0);
	run();
	assert_int_equal(pres[0].calls, 1);
	assert_int_equal(pres[0].last, 2);
	win = window("dom2 ");
	check_box(win, 16, 16, (SDL_Rect){0, 0, 16, 16}, 0x0000ff);
	/* off: black, and nothing presented for it */
	fa.seq = 3;
	assert_int_equal(H->show(conns[0], &fa), 0);
	assert_int_equal(H->show(conns[0], NULL), 0);
	memset(a, 0x77, w * h * 4); /* the host must not read it now */
	run();
	assert_int_equal(pres[0].calls, 1);
	check_box(win, 16, 16, (SDL_Rect){0, 0, 0, 0}, 0);
	free(a);
	free(b);
}

/* ---- input ------------------------------------------------------------------
 */

#define CAP 64
static struct kbdback_event got[CAP];
static unsigned int n_got;

static void sink(void *arg, const struct kbdback_event *ev, unsigned int n)
{
	(void)arg;
	for (unsigned int i = 0; i < n && n_got < CAP; i++)
		got[n_got++] = ev[i];
}

static void push_button(SDL_Window *w, uint32_t type, int x, int y)
{
	SDL_Event e = {.type = type};

	e.button.windowID = SDL_GetWindowID(w);
	e.button.which = 0;
	e.button.button = SDL_BUTTON_LEFT;
	e.button.state = type == SDL_MOUSEBUTTONDOWN ? SDL_PRESSED
						     : SDL_RELEASED;
	e.button.x = x;
	e.button.y = y;
	assert_int_equal(SDL_PushEvent(&e), 1);
}

static void push_motion(SDL_Window *w, int x, int y)
{
	SDL_Event e = {.type = SDL_MOUSEMOTION};

	e.motion.windowID = SDL_GetWindowID(w);
	e.motion.x = x;
	e.motion.y = y;
	e.motion.state = SDL_BUTTON_LMASK;
	assert_int_equal(SDL_PushEvent(&e), 1);
}

static void push_finger(SDL_Window *w, uint32_t type, SDL_FingerID id,
			float x, float y)
{
	SDL_Event e = {.type = type};

	e.tfinger.windowID = w ? SDL_GetWindowID(w) : 0;
	e.tfinger.touchId = 1;
	e.tfinger.fingerId = id;
	e.tfinger.x = x;
	e.tfinger.y = y;
	assert_int_equal(SDL_PushEvent(&e), 1);
}

static void push_key(SDL_Window *w, SDL_Scancode sc, bool down)
{
	SDL_Event e = {.type = down ? SDL_KEYDOWN : SDL_KEYUP};

	e.key.windowID = SDL_GetWindowID(w);
	e.key.state = down ? SDL_PRESSED : SDL_RELEASED;
	e.key.keysym.scancode = sc;
	assert_int_equal(SDL_PushEvent(&e), 1);
}

/* The next event got, of type; its target must be dom. */
static const struct kbdback_event *next(unsigned int *i, unsigned int type,
					int32_t dom)
{
	for (; *i < n_got; (*i)++)
		if (got[*i].type == type) {
			assert_int_equal(got[*i].target, dom);
			return &got[(*i)++];
		}
	fail_msg("no %s event after #%u", kbdback_ev_name(type), *i);
	return NULL;
}

/* Fraction of extent at pixel p. */
static uint32_t frac(int64_t p, uint32_t extent)
{
	return kbdback_abs_from_pixels(p, extent);
}

static void touch_routing(void **state)
{
	SDL_Window *a, *b;
	unsigned int i = 0;
	const struct kbdback_event *e;
	uint64_t finger_contact;

	(void)state;
	pvsdl_set_input(sink, NULL);
	n_got = 0;
	open_host("software,novsync");
	conn(0, 11, "a0", 200, 100);
	conn(1, 12, "b0", 100, 100);
	run();
	a = window("dom11 ");
	b = window("dom12 ");
	/* guest 11: a drag in its window, letterboxed (400x100: the
	 * picture is 200x100 at x 100) */
	resize(a, 400, 100);
	n_got = 0;
	push_button(a, SDL_MOUSEBUTTONDOWN, 150, 50);
	push_motion(a, 250, 75);
	push_button(a, SDL_MOUSEBUTTONUP, 250, 75);
	push_key(a, SDL_SCANCODE_A, true);
	run();
	for (unsigned int k = 0; k < n_got; k++) {
		assert_int_equal(got[k].target, 11);
		/* connector 0: the guest's vkbd 0 if it has one */
		assert_int_equal(got[k].target_devs, 1u << 0);
	}
	e = next(&i, KBDBACK_EV_ABS, 11);
	assert_int_equal(e->u.abs.x, frac(50, 200));
	assert_int_equal(e->u.abs.y, frac(50, 100));
	e = next(&i, KBDBACK_EV_KEY, 11);
	assert_int_equal(e->u.key.code, PVSDL_BTN_LEFT);
	assert_int_equal(e->u.key.pressed, 1);
	e = next(&i, KBDBACK_EV_TOUCH_DOWN, 11);
	assert_int_equal(e->u.touch.x, frac(50, 200));
	assert_int_equal(e->u.touch.y, frac(50, 100));
	next(&i, KBDBACK_EV_TOUCH_FRAME, 11);
	e = next(&i, KBDBACK_EV_TOUCH_MOTION, 11);
	assert_int_equal(e->u.touch.x, frac(150, 200));
	assert_int_equal(e->u.touch.y, frac(75, 100));
	e = next(&i, KBDBACK_EV_TOUCH_UP, 11);
	next(&i, KBDBACK_EV_TOUCH_FRAME, 11);
	e = next(&i, KBDBACK_EV_KEY, 11);
	assert_int_equal(e->u.key.code, 30); /* KEY_A */
	/* a click in the bar: the picture's edge */
	n_got = 0;
	i = 0;
	push_button(a, SDL_MOUSEBUTTONDOWN, 20, 50);
	push_button(a, SDL_MOUSEBUTTONUP, 20, 50);
	run();
	e = next(&i, KBDBACK_EV_TOUCH_DOWN, 11);
	assert_int_equal(e->u.touch.x, 0);
	/* guest 12: fingers in its window (two contacts), nothing for 11 */
	n_got = 0;
	i = 0;
	push_finger(b, SDL_FINGERDOWN, 41, 0.25f, 0.5f);
	push_finger(b, SDL_FINGERDOWN, 42, 0.75f, 0.5f);
	push_finger(b, SDL_FINGERUP, 41, 0.25f, 0.5f);
	/* no window named: nobody's */
	push_finger(NULL, SDL_FINGERDOWN, 43, 0.5f, 0.5f);
	run();
	for (unsigned int k = 0; k < n_got; k++) {
		assert_int_equal(got[k].target, 12);
		assert_int_equal(got[k].target_devs, 1u << 1);
	}
	e = next(&i, KBDBACK_EV_TOUCH_DOWN, 12);
	finger_contact = e->u.touch.contact;
	assert_int_equal(finger_contact, 41);
	assert_int_equal(e->u.touch.x, frac(25, 100));
	assert_int_equal(e->u.touch.y, frac(50, 100));
	e = next(&i, KBDBACK_EV_TOUCH_DOWN, 12);
	assert_int_equal(e->u.touch.contact, 42);
	assert_int_equal(e->u.touch.x, frac(75, 100));
	e = next(&i, KBDBACK_EV_TOUCH_UP, 12);
	assert_int_equal(e->u.touch.contact, 41);
	for (unsigned int k = 0; k < n_got; k++)
		assert_true(got[k].type != KBDBACK_EV_TOUCH_DOWN ||
			    got[k].u.touch.contact != 43);
}

static void push_window(SDL_Window *w, uint8_t what)
{
	SDL_Event e = {.type = SDL_WINDOWEVENT};

	e.window.windowID = SDL_GetWindowID(w);
	e.window.event = what;
	assert_int_equal(SDL_PushEvent(&e), 1);
}

static void push_hover(SDL_Window *w, int x, int y)
{
	SDL_Event e = {.type = SDL_MOUSEMOTION};

	e.motion.windowID = SDL_GetWindowID(w);
	e.motion.x = x;
	e.motion.y = y;
	assert_int_equal(SDL_PushEvent(&e), 1);
}

static void pointer_leave(void **state)
{
	SDL_Window *a;
	unsigned int i = 0;
	const struct kbdback_event *e;

	(void)state;
	pvsdl_set_input(sink, NULL);
	open_host("software,novsync");
	conn(0, 21, "p0", 100, 50);
	run();
	a = window("dom21 ");
	n_got = 0;
	push_hover(a, 30, 40);
	push_hover(a, 99, 10); /* leaving, clamped by SDL ... */
	push_window(a, SDL_WINDOWEVENT_LEAVE); /* ... and LEAVE */
	push_hover(a, 150, 10); /* outside: nobody's */
	run();
	e = next(&i, KBDBACK_EV_ABS, 21);
	assert_int_equal(e->u.abs.x, frac(30, 100));
	assert_int_equal(e->u.abs.y, frac(40, 50));
	assert_int_equal(n_got, 1);
	/* the last position over the window is delivered at the pump's
	 * end when nothing follows */
	push_hover(a, 70, 5);
	run();
	assert_int_equal(n_got, 2);
	e = next(&i, KBDBACK_EV_ABS, 21);
	assert_int_equal(e->u.abs.x, frac(70, 100));
}

static void shared_pump(void **state)
{
	const struct kbdback_source_ops *in = &kbdback_source_sdl;
	struct kbdback_event ev[16];
	SDL_Window *iw, *dw;
	char err[256] = "";
	void *src = NULL;
	int n;

	(void)state;
	pvsdl_set_input(sink, NULL);
	open_host("software,novsync");
	assert_int_equal(in->open("200x100", &src, err, sizeof(err)), 0);
	conn(0, 31, "s0", 100, 100);
	run();
	iw = window("pvkit input");
	dw = window("dom31 ");
	n_got = 0;
	push_key(iw, SDL_SCANCODE_B, true);
	push_finger(dw, SDL_FINGERDOWN, 7, 0.5f, 0.5f);
	run(); /* the display's timer pumps both */
	assert_int_equal(n_got, 2); /* TOUCH_DOWN, FRAME: no key */
	assert_int_equal(got[0].type, KBDBACK_EV_TOUCH_DOWN);
	assert_int_equal(got[0].target, 31);
	n = in->read(src, ev, 16);
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].type, KBDBACK_EV_KEY);
	assert_int_equal(ev[0].u.key.code, 48); /* KEY_B */
	assert_int_equal(ev[0].target, KBDBACK_TARGET_ALL);
	/* the other way: the input source pumps */
	n_got = 0;
	push_finger(dw, SDL_FINGERUP, 7, 0.5f, 0.5f);
	push_key(iw, SDL_SCANCODE_B, false);
	n = in->read(src, ev, 16);
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].u.key.pressed, 0);
	assert_int_equal(n_got, 2);
	assert_int_equal(got[0].type, KBDBACK_EV_TOUCH_UP);
	in->close(src);
}

#ifdef PVKIT_HAVE_PNG
static void dump(void **state)
{
	const uint32_t w = 45, h = 33;
	uint8_t *px = calloc(w * 4, h), *buf;
	struct displback_fb fb = {.pixels = px,
				  .width = w,
				  .height = h,
				  .stride = w * 4,
				  .fourcc = DISPLBACK_FMT_XRGB8888,
				  .seq = 1};
	char arg[128], path[128];
	png_image img;

	(void)state;
	assert_non_null(px);
	snprintf(arg, sizeof(arg), "software,novsync,dir=%s", dir);
	open_host(arg);
	conn(0, 6, "../x", w, h);
	conn(1, 6, "idle", 20, 10);
	draw(px, w, h, w * 4, DISPLBACK_FMT_XRGB8888);
	assert_int_equal(H->show(conns[0], &fb), 0);
	run();
	assert_int_equal(H->dump(host), 2);
	snprintf(path, sizeof(path), "%s/6-_._x.png", dir);
	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	assert_true(png_image_begin_read_from_file(&img, path));
	assert_int_equal(img.width, w);
	assert_int_equal(img.height, h);
	img.format = PNG_FORMAT_RGB;
	buf = malloc(PNG_IMAGE_SIZE(img));
	assert_non_null(buf);
	assert_true(png_image_finish_read(&img, NULL, buf, 0, NULL));
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++) {
			const uint8_t *q = buf + ((size_t)y * w + x) * 3;
			uint32_t v = (uint32_t)q[0] << 16 | q[1] << 8 | q[2];
			if (v != expect(x, y, DISPLBACK_FMT_XRGB8888))
				fail_msg("pixel (%u,%u) is %06x", x, y, v);
		}
	free(buf);
	/* the idle connector: black */
	snprintf(path, sizeof(path), "%s/6-idle.png", dir);
	assert_int_equal(access(path, R_OK), 0);
	free(px);
}
#else
static void dump(void **state)
{
	(void)state;
	skip();
}
#endif

/* ---- through the device ----------------------------------------------------
 */

static struct dfe T;

static void device(void **state)
{
	uint8_t *p0, *p1;
	SDL_Window *win;

	(void)state;
	dfe_setup(&T, H, "software,novsync", NULL);
	dfe_connect(&T);
	dfe_run(&T);
	win = window("dom5 \xe2\x80\x94 mon0 (800x600)");
	assert_int_equal(dfe_dbuf(&T, 1, 800, 600, 32, &p0), 0);
	assert_int_equal(dfe_dbuf(&T, 2, 800, 600, 32, &p1), 0);
	assert_int_equal(dfe_fb(&T, 1, 11, 800, 600, DISPLBACK_FMT_XRGB8888), 0);
	assert_int_equal(dfe_fb(&T, 2, 12, 800, 600, DISPLBACK_FMT_XRGB8888), 0);
	draw(p0, 800, 600, 3200, DISPLBACK_FMT_XRGB8888);
	memset(p1, 0, 800 * 600 * 4);
	assert_int_equal(dfe_config(&T, 0, 11, 0, 0, 800, 600, 32), 0);
	dfe_run(&T);
	check_screen(win, 800, 600, DISPLBACK_FMT_XRGB8888);
	/* flip to the black one: the event after the present */
	assert_int_equal(dfe_flip(&T, 0, 12), 0);
	dfe_run(&T);
	assert_int_equal(dfe_event(&T, 0), 12);
	{
		int sw, sh;
		uint32_t *px = screen(win, &sw, &sh);
		for (int k = 0; k < sw * sh; k++)
			if (px[k] & 0xffffff)
				fail_msg("pixel %d not black", k);
		free(px);
	}
	dfe_teardown(&T);
}

static int setup_dev(void **state)
{
	(void)state;
	setenv("SDL_VIDEODRIVER", "offscreen", 1);
	return 0;
}

static int teardown_dev(void **state)
{
	(void)state;
	return 0;
}

static const struct CMUnitTest cases[] = {
    cmocka_unit_test_setup_teardown(host_args, setup, teardown),
    cmocka_unit_test_setup_teardown(formats, setup, teardown),
    cmocka_unit_test_setup_teardown(titles, setup, teardown),
    cmocka_unit_test_setup_teardown(letterbox, setup, teardown),
    cmocka_unit_test_setup_teardown(off_coalesce, setup, teardown),
    cmocka_unit_test_setup_teardown(touch_routing, setup, teardown),
    cmocka_unit_test_setup_teardown(pointer_leave, setup, teardown),
    cmocka_unit_test_setup_teardown(shared_pump, setup, teardown),
    cmocka_unit_test_setup_teardown(dump, setup, teardown),
    cmocka_unit_test_setup_teardown(device, setup_dev, teardown_dev),
};

PV_UNIT_MAIN("displback_sdl", cases)
