/*
 * The "sdl" host side: an SDL2 window that stands for the guest's screen.
 * Keys typed into it, the mouse over it and fingers on it (a touchscreen
 * showing the window) become normalized events; positions are fractions
 * of the window, so they land at the same spot of every guest's surface.
 *
 * Args: "WxH" for the window's size (default 800x600).  SDL has no file
 * descriptor for its event queue, so the loop polls (poll_ms).  Closing
 * the window ends the source.  SDL's queue is shared with the display
 * backend's windows in the same process (backends/sdl/pvsdl.h): whoever
 * pumps it, this window's events come here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kbdback_int.h"
#include "pvsdl.h"

/* Events translated and not yet read.  The display's windows may pump
 * SDL's queue too (pvsdl.h), so ours fills between two reads: room for
 * a few hundred milliseconds of a busy mouse. */
#define QUEUE 1024

struct sdl_src {
	SDL_Window *win;
	struct kbdback_event q[QUEUE]; /* translated, not yet read */
	unsigned int head, len;
	bool touch_open; /* finger events since the last frame */
	bool quit;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct kbdback_event *push(struct sdl_src *s, unsigned int type)
{
	struct kbdback_event *e;

	if (s->len == QUEUE)
		return NULL; /* cannot happen: read() keeps room */
	e = &s->q[(s->head + s->len++) % QUEUE];
	memset(e, 0, sizeof(*e));
	e->type = (uint16_t)type;
	e->target = KBDBACK_TARGET_ALL;
	e->time_ns = now_ns();
	return e;
}

static void close_frame(struct sdl_src *s)
{
	if (s->touch_open && push(s, KBDBACK_EV_TOUCH_FRAME))
		s->touch_open = false;
}

/* A window pixel as a fraction of the window. */
static void window_pos(struct sdl_src *s, int x, int y, uint32_t *fx,
		       uint32_t *fy)
{
	int w = 1, h = 1;

	SDL_GetWindowSize(s->win, &w, &h);
	*fx = kbdback_abs_from_pixels(x, (uint32_t)(w > 0 ? w : 1));
	*fy = kbdback_abs_from_pixels(y, (uint32_t)(h > 0 ? h : 1));
}

static uint32_t fraction(float f)
{
	if (!(f > 0.0f))
		return 0;
	if (f >= 1.0f)
		return KBDBACK_ABS_ONE;
	return (uint32_t)(f * (float)KBDBACK_ABS_ONE + 0.5f);
}

static void on_key(struct sdl_src *s, const SDL_KeyboardEvent *k)
{
	struct kbdback_event *e;
	unsigned int sc = (unsigned int)k->keysym.scancode;

	if (k->repeat || !pvsdl_key(sc))
		return; /* the guest makes its own repeats */
	e = push(s, KBDBACK_EV_KEY);
	if (e) {
		e->u.key.code = pvsdl_key(sc);
		e->u.key.pressed = k->state == SDL_PRESSED;
	}
}

static void on_finger(struct sdl_src *s, const SDL_TouchFingerEvent *f)
{
	unsigned int type = f->type == SDL_FINGERDOWN ? KBDBACK_EV_TOUCH_DOWN
			    : f->type == SDL_FINGERUP ? KBDBACK_EV_TOUCH_UP
						      : KBDBACK_EV_TOUCH_MOTION;
	struct kbdback_event *e = push(s, type);

	if (!e)
		return;
	e->u.touch.contact = (uint64_t)f->fingerId;
	e->u.touch.x = fraction(f->x);
	e->u.touch.y = fraction(f->y);
	s->touch_open = true;
}

static void on_mouse(struct sdl_src *s, const SDL_Event *ev)
{
	struct kbdback_event *e;
	uint32_t code;

	if (ev->type == SDL_MOUSEMOTION) {
		if (ev->motion.which == SDL_TOUCH_MOUSEID)
			return; /* a finger's echo */
		e = push(s, KBDBACK_EV_ABS);
		if (e)
			window_pos(s, ev->motion.x, ev->motion.y, &e->u.abs.x,
				   &e->u.abs.y);
		return;
	}
	if (ev->type == SDL_MOUSEWHEEL) {
		if (ev->wheel.which == SDL_TOUCH_MOUSEID || !ev->wheel.y)
			return;
		e = push(s, KBDBACK_EV_WHEEL);
		if (e)
			e->u.wheel.dz = ev->wheel.y;
		return;
	}
	code = pvsdl_button(ev->button.button);
	if (ev->button.which == SDL_TOUCH_MOUSEID || !code)
		return;
	e = push(s, KBDBACK_EV_KEY);
	if (e) {
		e->u.key.code = code;
		e->u.key.pressed = ev->type == SDL_MOUSEBUTTONDOWN;
	}
}

static void paint(struct sdl_src *s)
{
	SDL_Surface *surf = SDL_GetWindowSurface(s->win);

	if (!surf)
		return;
	SDL_FillRect(surf, NULL, SDL_MapRGB(surf->format, 0x20, 0x24, 0x2c));
	SDL_UpdateWindowSurface(s->win);
}

/* One SDL event of our window (or of none) into the queue. */
static void translate(void *arg, const SDL_Event *ev)
{
	struct sdl_src *s = arg;
	bool finger = ev->type == SDL_FINGERDOWN || ev->type == SDL_FINGERUP ||
		      ev->type == SDL_FINGERMOTION;

	if (!finger)
		close_frame(s);
	switch (ev->type) {
	case SDL_QUIT:
		s->quit = true;
		break;
	case SDL_KEYDOWN:
	case SDL_KEYUP:
		on_key(s, &ev->key);
		break;
	case SDL_MOUSEMOTION:
	case SDL_MOUSEBUTTONDOWN:
	case SDL_MOUSEBUTTONUP:
	case SDL_MOUSEWHEEL:
		on_mouse(s, ev);
		break;
	case SDL_FINGERDOWN:
	case SDL_FINGERUP:
	case SDL_FINGERMOTION:
		on_finger(s, &ev->tfinger);
		break;
	case SDL_WINDOWEVENT:
		/* no SDL_QUIT while display windows remain open */
		if (ev->window.event == SDL_WINDOWEVENT_CLOSE)
			s->quit = true;
		if (ev->window.event == SDL_WINDOWEVENT_EXPOSED ||
		    ev->window.event == SDL_WINDOWEVENT_SIZE_CHANGED)
			paint(s);
		break;
	default:
		break;
	}
}

static int parse_size(const char *args, int *w, int *h)
{
	char tail;

	*w = 800;
	*h = 600;
	if (!args || !*args)
		return 0;
	if (sscanf(args, "%dx%d%c", w, h, &tail) != 2 || *w < 16 || *h < 16 ||
	    *w > 16384 || *h > 16384)
		return -EINVAL;
	return 0;
}

static int sdl_open(const char *args, void **state, char *err, size_t errlen)
{
	struct sdl_src *s;
	int w, h;

	if (parse_size(args, &w, &h)) {
		snprintf(err, errlen, "sdl: '%s': expected WxH, e.g. 800x600",
			 args);
		return -EINVAL;
	}
	if (pvsdl_open(err, errlen))
		return -ENODEV;
	s = calloc(1, sizeof(*s));
	if (s)
		s->win = SDL_CreateWindow(
		    "pvkit input: the guest's screen", SDL_WINDOWPOS_UNDEFINED,
		    SDL_WINDOWPOS_UNDEFINED, w, h, SDL_WINDOW_RESIZABLE);
	if (!s || !s->win ||
	    pvsdl_watch(SDL_GetWindowID(s->win), translate, s)) {
		snprintf(err, errlen, "sdl: cannot open a window: %s",
			 s && !s->win ? SDL_GetError() : "out of memory");
		if (s && s->win)
			SDL_DestroyWindow(s->win);
		free(s);
		pvsdl_close();
		return s ? -ENODEV : -ENOMEM;
	}
	paint(s);
	*state = s;
	return 0;
}

static void sdl_close(void *state)
{
	struct sdl_src *s = state;

	if (!s)
		return;
	pvsdl_unwatch(SDL_GetWindowID(s->win));
	SDL_DestroyWindow(s->win);
	free(s);
	pvsdl_close();
}

static int sdl_fd(void *state)
{
	(void)state;
	return -1;
}

static int sdl_read(void *state, struct kbdback_event *ev, unsigned int max)
{
	struct sdl_src *s = state;
	unsigned int n = 0;

	/* Each SDL event makes at most two of ours; the pump hands out a
	 * bounded number per call, so keep room for all of them. */
	if (s->len + 600 <= QUEUE)
		pvsdl_pump();
	close_frame(s); /* nothing more now: the frame is complete */
	while (n < max && s->len) {
		ev[n++] = s->q[s->head];
		s->head = (s->head + 1) % QUEUE;
		s->len--;
	}
	if (!n && s->quit)
		return -EPIPE;
	return (int)n;
}

const struct kbdback_source_ops kbdback_source_sdl = {
    .name = "sdl",
    .args_help = "sdl[:WxH]  an SDL2 window standing for the guest's screen",
    .poll_ms = 4,
    .open = sdl_open,
    .close = sdl_close,
    .fd = sdl_fd,
    .read = sdl_read,
};
