/*
 * The "sdl" host side: an SDL2 window that stands for the guest's screen.
 * Keys typed into it, the mouse over it and fingers on it (a touchscreen
 * showing the window) become normalized events; positions are fractions
 * of the window, so they land at the same spot of every guest's surface.
 *
 * Args: "WxH" for the window's size (default 800x600).  SDL has no file
 * descriptor for its event queue, so the loop polls (poll_ms).  Closing
 * the window ends the source.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <SDL.h>

#include "kbdback_int.h"

#define QUEUE 64

#define BTN_LEFT   0x110u
#define BTN_RIGHT  0x111u
#define BTN_MIDDLE 0x112u
#define BTN_SIDE   0x113u
#define BTN_EXTRA  0x114u

struct sdl_src {
	SDL_Window *win;
	struct kbdback_event q[QUEUE]; /* translated, not yet read */
	unsigned int head, len;
	bool touch_open; /* finger events since the last frame */
	bool quit;
};

/* SDL scancodes to Linux key codes (0: none). */
static const uint16_t keymap[SDL_NUM_SCANCODES] = {
    [SDL_SCANCODE_ESCAPE] = 1,
    [SDL_SCANCODE_1] = 2,
    [SDL_SCANCODE_2] = 3,
    [SDL_SCANCODE_3] = 4,
    [SDL_SCANCODE_4] = 5,
    [SDL_SCANCODE_5] = 6,
    [SDL_SCANCODE_6] = 7,
    [SDL_SCANCODE_7] = 8,
    [SDL_SCANCODE_8] = 9,
    [SDL_SCANCODE_9] = 10,
    [SDL_SCANCODE_0] = 11,
    [SDL_SCANCODE_MINUS] = 12,
    [SDL_SCANCODE_EQUALS] = 13,
    [SDL_SCANCODE_BACKSPACE] = 14,
    [SDL_SCANCODE_TAB] = 15,
    [SDL_SCANCODE_Q] = 16,
    [SDL_SCANCODE_W] = 17,
    [SDL_SCANCODE_E] = 18,
    [SDL_SCANCODE_R] = 19,
    [SDL_SCANCODE_T] = 20,
    [SDL_SCANCODE_Y] = 21,
    [SDL_SCANCODE_U] = 22,
    [SDL_SCANCODE_I] = 23,
    [SDL_SCANCODE_O] = 24,
    [SDL_SCANCODE_P] = 25,
    [SDL_SCANCODE_LEFTBRACKET] = 26,
    [SDL_SCANCODE_RIGHTBRACKET] = 27,
    [SDL_SCANCODE_RETURN] = 28,
    [SDL_SCANCODE_LCTRL] = 29,
    [SDL_SCANCODE_A] = 30,
    [SDL_SCANCODE_S] = 31,
    [SDL_SCANCODE_D] = 32,
    [SDL_SCANCODE_F] = 33,
    [SDL_SCANCODE_G] = 34,
    [SDL_SCANCODE_H] = 35,
    [SDL_SCANCODE_J] = 36,
    [SDL_SCANCODE_K] = 37,
    [SDL_SCANCODE_L] = 38,
    [SDL_SCANCODE_SEMICOLON] = 39,
    [SDL_SCANCODE_APOSTROPHE] = 40,
    [SDL_SCANCODE_GRAVE] = 41,
    [SDL_SCANCODE_LSHIFT] = 42,
    [SDL_SCANCODE_BACKSLASH] = 43,
    [SDL_SCANCODE_Z] = 44,
    [SDL_SCANCODE_X] = 45,
    [SDL_SCANCODE_C] = 46,
    [SDL_SCANCODE_V] = 47,
    [SDL_SCANCODE_B] = 48,
    [SDL_SCANCODE_N] = 49,
    [SDL_SCANCODE_M] = 50,
    [SDL_SCANCODE_COMMA] = 51,
    [SDL_SCANCODE_PERIOD] = 52,
    [SDL_SCANCODE_SLASH] = 53,
    [SDL_SCANCODE_RSHIFT] = 54,
    [SDL_SCANCODE_KP_MULTIPLY] = 55,
    [SDL_SCANCODE_LALT] = 56,
    [SDL_SCANCODE_SPACE] = 57,
    [SDL_SCANCODE_CAPSLOCK] = 58,
    [SDL_SCANCODE_F1] = 59,
    [SDL_SCANCODE_F2] = 60,
    [SDL_SCANCODE_F3] = 61,
    [SDL_SCANCODE_F4] = 62,
    [SDL_SCANCODE_F5] = 63,
    [SDL_SCANCODE_F6] = 64,
    [SDL_SCANCODE_F7] = 65,
    [SDL_SCANCODE_F8] = 66,
    [SDL_SCANCODE_F9] = 67,
    [SDL_SCANCODE_F10] = 68,
    [SDL_SCANCODE_NUMLOCKCLEAR] = 69,
    [SDL_SCANCODE_SCROLLLOCK] = 70,
    [SDL_SCANCODE_KP_7] = 71,
    [SDL_SCANCODE_KP_8] = 72,
    [SDL_SCANCODE_KP_9] = 73,
    [SDL_SCANCODE_KP_MINUS] = 74,
    [SDL_SCANCODE_KP_4] = 75,
    [SDL_SCANCODE_KP_5] = 76,
    [SDL_SCANCODE_KP_6] = 77,
    [SDL_SCANCODE_KP_PLUS] = 78,
    [SDL_SCANCODE_KP_1] = 79,
    [SDL_SCANCODE_KP_2] = 80,
    [SDL_SCANCODE_KP_3] = 81,
    [SDL_SCANCODE_KP_0] = 82,
    [SDL_SCANCODE_KP_PERIOD] = 83,
    [SDL_SCANCODE_NONUSBACKSLASH] = 86,
    [SDL_SCANCODE_F11] = 87,
    [SDL_SCANCODE_F12] = 88,
    [SDL_SCANCODE_KP_ENTER] = 96,
    [SDL_SCANCODE_RCTRL] = 97,
    [SDL_SCANCODE_KP_DIVIDE] = 98,
    [SDL_SCANCODE_PRINTSCREEN] = 99,
    [SDL_SCANCODE_RALT] = 100,
    [SDL_SCANCODE_HOME] = 102,
    [SDL_SCANCODE_UP] = 103,
    [SDL_SCANCODE_PAGEUP] = 104,
    [SDL_SCANCODE_LEFT] = 105,
    [SDL_SCANCODE_RIGHT] = 106,
    [SDL_SCANCODE_END] = 107,
    [SDL_SCANCODE_DOWN] = 108,
    [SDL_SCANCODE_PAGEDOWN] = 109,
    [SDL_SCANCODE_INSERT] = 110,
    [SDL_SCANCODE_DELETE] = 111,
    [SDL_SCANCODE_PAUSE] = 119,
    [SDL_SCANCODE_LGUI] = 125,
    [SDL_SCANCODE_RGUI] = 126,
    [SDL_SCANCODE_APPLICATION] = 127,
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

static uint32_t button(uint8_t b)
{
	switch (b) {
	case SDL_BUTTON_LEFT:
		return BTN_LEFT;
	case SDL_BUTTON_RIGHT:
		return BTN_RIGHT;
	case SDL_BUTTON_MIDDLE:
		return BTN_MIDDLE;
	case SDL_BUTTON_X1:
		return BTN_SIDE;
	case SDL_BUTTON_X2:
		return BTN_EXTRA;
	default:
		return 0;
	}
}

static void on_key(struct sdl_src *s, const SDL_KeyboardEvent *k)
{
	struct kbdback_event *e;
	unsigned int sc = (unsigned int)k->keysym.scancode;

	if (k->repeat || sc >= SDL_NUM_SCANCODES || !keymap[sc])
		return; /* the guest makes its own repeats */
	e = push(s, KBDBACK_EV_KEY);
	if (e) {
		e->u.key.code = keymap[sc];
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
	code = button(ev->button.button);
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

/* One SDL event into the queue. */
static void translate(struct sdl_src *s, const SDL_Event *ev)
{
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
	/* Fingers are fingers: no mouse echo of touches, nor the reverse. */
	SDL_SetHint(SDL_HINT_TOUCH_MOUSE_EVENTS, "0");
	SDL_SetHint(SDL_HINT_MOUSE_TOUCH_EVENTS, "0");
	SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
	if (SDL_InitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS)) {
		snprintf(err, errlen,
			 "sdl: cannot start SDL video: %s "
			 "(no display? SDL_VIDEODRIVER=offscreen runs "
			 "without one)",
			 SDL_GetError());
		return -ENODEV;
	}
	s = calloc(1, sizeof(*s));
	if (s)
		s->win = SDL_CreateWindow(
		    "pvkit input: the guest's screen", SDL_WINDOWPOS_UNDEFINED,
		    SDL_WINDOWPOS_UNDEFINED, w, h, SDL_WINDOW_RESIZABLE);
	if (!s || !s->win) {
		snprintf(err, errlen, "sdl: cannot open a window: %s",
			 s ? SDL_GetError() : "out of memory");
		free(s);
		SDL_QuitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS);
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
	SDL_DestroyWindow(s->win);
	free(s);
	SDL_QuitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS);
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
	SDL_Event sev;

	/* Each SDL event makes at most two of ours: keep that room. */
	while (s->len + 2 <= QUEUE && SDL_PollEvent(&sev))
		translate(s, &sev);
	if (s->len + 2 <= QUEUE)
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
