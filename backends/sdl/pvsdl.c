/*
 * pvsdl.c — SDL2 shared by pvkit's host sides in one process (pvsdl.h):
 * SDL started once, one event pump that hands each event to the window
 * it names, the input sink of the display windows, key and button codes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pvsdl.h"

/* Events handled per pump, so a flood cannot hold the loop. */
#define PUMP_MAX 256u

struct watch {
	uint32_t id;
	pvsdl_event_fn *fn;
	void *arg;
};

static struct watch *watches;
static unsigned int n_watches, cap_watches;
static pvsdl_input_fn *sink;
static void *sink_arg;
static uint64_t inputs;

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

uint32_t pvsdl_key(unsigned int scancode)
{
	return scancode < SDL_NUM_SCANCODES ? keymap[scancode] : 0;
}

uint32_t pvsdl_button(uint8_t b)
{
	switch (b) {
	case SDL_BUTTON_LEFT:
		return PVSDL_BTN_LEFT;
	case SDL_BUTTON_RIGHT:
		return PVSDL_BTN_RIGHT;
	case SDL_BUTTON_MIDDLE:
		return PVSDL_BTN_MIDDLE;
	case SDL_BUTTON_X1:
		return PVSDL_BTN_SIDE;
	case SDL_BUTTON_X2:
		return PVSDL_BTN_EXTRA;
	default:
		return 0;
	}
}

int pvsdl_open(char *err, size_t errlen)
{
	/* Fingers are fingers: no mouse echo of touches, nor the reverse. */
	SDL_SetHint(SDL_HINT_TOUCH_MOUSE_EVENTS, "0");
	SDL_SetHint(SDL_HINT_MOUSE_TOUCH_EVENTS, "0");
	SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
	/* No pointer grab of SDL's while a button is down: SDL grabs for
	 * the window it thinks has the mouse, which with many windows may
	 * be another guest's; X's own grab keeps a drag in its window. */
	SDL_SetHint(SDL_HINT_MOUSE_AUTO_CAPTURE, "0");
	/* a dom0 daemon's windows must not stop the screen saver */
	SDL_SetHint(SDL_HINT_VIDEO_ALLOW_SCREENSAVER, "1");
	if (SDL_InitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS)) {
		snprintf(err, errlen,
			 "cannot start SDL video: %s (no display? "
			 "SDL_VIDEODRIVER=offscreen runs without one)",
			 SDL_GetError());
		return -ENODEV;
	}
	return 0;
}

void pvsdl_close(void)
{
	SDL_QuitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS);
	if (!SDL_WasInit(SDL_INIT_VIDEO)) {
		free(watches);
		watches = NULL;
		n_watches = cap_watches = 0;
	}
}

int pvsdl_watch(uint32_t id, pvsdl_event_fn *fn, void *arg)
{
	for (unsigned int i = 0; i < n_watches; i++)
		if (watches[i].id == id)
			return -EEXIST;
	if (n_watches == cap_watches) {
		unsigned int cap = cap_watches ? 2 * cap_watches : 8;
		struct watch *w = realloc(watches, cap * sizeof(*w));

		if (!w)
			return -ENOMEM;
		watches = w;
		cap_watches = cap;
	}
	watches[n_watches++] = (struct watch){id, fn, arg};
	return 0;
}

void pvsdl_unwatch(uint32_t id)
{
	for (unsigned int i = 0; i < n_watches; i++)
		if (watches[i].id == id) {
			watches[i] = watches[--n_watches];
			return;
		}
}

uint32_t pvsdl_event_window(const SDL_Event *ev)
{
	switch (ev->type) {
	case SDL_WINDOWEVENT:
		return ev->window.windowID;
	case SDL_KEYDOWN:
	case SDL_KEYUP:
		return ev->key.windowID;
	case SDL_TEXTINPUT:
		return ev->text.windowID;
	case SDL_TEXTEDITING:
		return ev->edit.windowID;
	case SDL_MOUSEMOTION:
		return ev->motion.windowID;
	case SDL_MOUSEBUTTONDOWN:
	case SDL_MOUSEBUTTONUP:
		return ev->button.windowID;
	case SDL_MOUSEWHEEL:
		return ev->wheel.windowID;
	case SDL_FINGERDOWN:
	case SDL_FINGERUP:
	case SDL_FINGERMOTION:
		return ev->tfinger.windowID;
	case SDL_DROPFILE:
	case SDL_DROPTEXT:
	case SDL_DROPBEGIN:
	case SDL_DROPCOMPLETE:
		return ev->drop.windowID;
	case SDL_USEREVENT:
		return ev->user.windowID;
	default:
		return 0;
	}
}

unsigned int pvsdl_pump(void)
{
	unsigned int n = 0;
	SDL_Event ev;

	while (n < PUMP_MAX && SDL_PollEvent(&ev)) {
		uint32_t id = pvsdl_event_window(&ev);

		n++;
		if (id) {
			for (unsigned int i = 0; i < n_watches; i++)
				if (watches[i].id == id) {
					watches[i].fn(watches[i].arg, &ev);
					break;
				}
			continue;
		}
		/* to everyone; a callback may unwatch its own window */
		for (unsigned int i = n_watches; i-- > 0;)
			if (i < n_watches)
				watches[i].fn(watches[i].arg, &ev);
	}
	return n;
}

void pvsdl_set_input(pvsdl_input_fn *fn, void *arg)
{
	sink = fn;
	sink_arg = arg;
}

void pvsdl_input(const struct kbdback_event *ev, unsigned int n)
{
	inputs += n;
	if (sink && n)
		sink(sink_arg, ev, n);
}

uint64_t pvsdl_input_count(void)
{
	return inputs;
}
