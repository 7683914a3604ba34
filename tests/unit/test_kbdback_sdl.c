/*
 * Unit tests for the input backend's SDL2 host side (backends/input/sdl.c)
 * in an offscreen window (SDL_VIDEODRIVER=offscreen, set by ctest).
 *
 * SDL cannot produce real keyboard, mouse or touch input without a
 * display, so the events are made with SDL_PushEvent(): they enter the
 * same queue the window's real events would, and the test checks what the
 * host side makes of them — Linux key codes, positions as fractions of the
 * window, buttons, the wheel, fingers as contacts closed into frames.
 */
#define _POSIX_C_SOURCE 200809L
#include "unit.h"

#include <errno.h>
#include <stdlib.h>

#include <SDL.h>

#include "kbdback_int.h"

static void *src;
static char err[256];

static int setup(void **state)
{
	(void)state;
	setenv("SDL_VIDEODRIVER", "offscreen", 0);
	return kbdback_source_sdl.open("320x200", &src, err, sizeof(err));
}

static int teardown(void **state)
{
	(void)state;
	kbdback_source_sdl.close(src);
	src = NULL;
	return 0;
}

static unsigned int read_all(struct kbdback_event *ev, unsigned int max)
{
	unsigned int n = 0;
	int got;

	while (n < max &&
	       (got = kbdback_source_sdl.read(src, ev + n, max - n)) > 0)
		n += (unsigned int)got;
	return n;
}

static void push(SDL_Event *e)
{
	assert_int_equal(SDL_PushEvent(e), 1);
}

static void keys(void **state)
{
	SDL_Event e = {0};
	struct kbdback_event ev[8];

	(void)state;
	e.type = SDL_KEYDOWN;
	e.key.state = SDL_PRESSED;
	e.key.keysym.scancode = SDL_SCANCODE_A;
	push(&e);
	e.key.repeat = 1; /* the guest repeats by itself */
	push(&e);
	e.type = SDL_KEYUP;
	e.key.repeat = 0;
	e.key.state = SDL_RELEASED;
	push(&e);
	e.type = SDL_KEYDOWN;
	e.key.state = SDL_PRESSED;
	e.key.keysym.scancode = SDL_SCANCODE_RETURN;
	push(&e);
	assert_int_equal(read_all(ev, 8), 3);
	assert_int_equal(ev[0].type, KBDBACK_EV_KEY);
	assert_int_equal(ev[0].u.key.code, 30); /* KEY_A */
	assert_int_equal(ev[0].u.key.pressed, 1);
	assert_true(ev[0].time_ns > 0);
	assert_int_equal(ev[1].u.key.pressed, 0);
	assert_int_equal(ev[2].u.key.code, 28); /* KEY_ENTER */
}

static void mouse(void **state)
{
	SDL_Event e = {0};
	struct kbdback_event ev[8];

	(void)state;
	e.type = SDL_MOUSEMOTION;
	e.motion.x = 160;
	e.motion.y = 50;
	push(&e);
	e.motion.which = SDL_TOUCH_MOUSEID; /* a finger's echo: ignored */
	push(&e);
	memset(&e, 0, sizeof(e));
	e.type = SDL_MOUSEBUTTONDOWN;
	e.button.button = SDL_BUTTON_RIGHT;
	push(&e);
	e.type = SDL_MOUSEBUTTONUP;
	push(&e);
	memset(&e, 0, sizeof(e));
	e.type = SDL_MOUSEWHEEL;
	e.wheel.y = -2;
	push(&e);
	assert_int_equal(read_all(ev, 8), 4);
	assert_int_equal(ev[0].type, KBDBACK_EV_ABS);
	assert_int_equal(ev[0].u.abs.x, KBDBACK_ABS_ONE / 2);
	assert_int_equal(ev[0].u.abs.y, KBDBACK_ABS_ONE / 4);
	assert_int_equal(ev[1].u.key.code, 0x111); /* BTN_RIGHT */
	assert_int_equal(ev[1].u.key.pressed, 1);
	assert_int_equal(ev[2].u.key.pressed, 0);
	assert_int_equal(ev[3].type, KBDBACK_EV_WHEEL);
	assert_int_equal(ev[3].u.wheel.dz, -2);
}

static void finger(SDL_EventType t, SDL_FingerID id, float x, float y)
{
	SDL_Event e = {0};

	e.type = t;
	e.tfinger.fingerId = id;
	e.tfinger.x = x;
	e.tfinger.y = y;
	push(&e);
}

static void fingers_in_frames(void **state)
{
	SDL_Event e = {0};
	struct kbdback_event ev[16];

	(void)state;
	finger(SDL_FINGERDOWN, 11, 0.25f, 0.5f);
	finger(SDL_FINGERDOWN, 12, 0.75f, 0.5f);
	e.type = SDL_KEYDOWN;
	e.key.state = SDL_PRESSED;
	e.key.keysym.scancode = SDL_SCANCODE_B;
	push(&e); /* closes the two fingers' frame */
	finger(SDL_FINGERMOTION, 12, 0.8f, 1.5f);
	finger(SDL_FINGERUP, 11, 0.25f, 0.5f);
	assert_int_equal(read_all(ev, 16), 7);
	assert_int_equal(ev[0].type, KBDBACK_EV_TOUCH_DOWN);
	assert_int_equal(ev[0].u.touch.contact, 11);
	assert_int_equal(ev[0].u.touch.x, KBDBACK_ABS_ONE / 4);
	assert_int_equal(ev[0].u.touch.y, KBDBACK_ABS_ONE / 2);
	assert_int_equal(ev[1].u.touch.contact, 12);
	assert_int_equal(ev[2].type, KBDBACK_EV_TOUCH_FRAME);
	assert_int_equal(ev[3].type, KBDBACK_EV_KEY);
	assert_int_equal(ev[4].type, KBDBACK_EV_TOUCH_MOTION);
	assert_int_equal(ev[4].u.touch.y, KBDBACK_ABS_ONE); /* clamped */
	assert_int_equal(ev[5].type, KBDBACK_EV_TOUCH_UP);
	/* The queue ran dry: the frame is closed. */
	assert_int_equal(ev[6].type, KBDBACK_EV_TOUCH_FRAME);
}

static void small_reads_keep_order(void **state)
{
	struct kbdback_event ev[2];
	unsigned int seen = 0;
	int n;

	(void)state;
	for (int i = 0; i < 40; i++)
		finger(SDL_FINGERMOTION, 1, (float)i / 40.0f, 0.0f);
	while ((n = kbdback_source_sdl.read(src, ev, 2)) > 0) {
		for (int i = 0; i < n; i++, seen++)
			if (seen < 40)
				assert_int_equal(
				    ev[i].u.touch.x,
				    kbdback_abs_from_pixels(seen, 40));
	}
	assert_int_equal(seen, 41); /* and one frame */
}

static void quit_ends_the_source(void **state)
{
	SDL_Event e = {0};
	struct kbdback_event ev[4];

	(void)state;
	e.type = SDL_QUIT;
	push(&e);
	assert_int_equal(kbdback_source_sdl.read(src, ev, 4), -EPIPE);
}

static void bad_size(void **state)
{
	void *other = NULL;

	(void)state;
	assert_int_equal(
	    kbdback_source_sdl.open("big", &other, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "WxH"));
	assert_int_equal(kbdback_source_sdl.fd(src), -1);
	assert_true(kbdback_source_sdl.poll_ms > 0);
	assert_ptr_equal(kbdback_source_find("sdl:640x480"),
			 &kbdback_source_sdl);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(keys, setup, teardown),
    cmocka_unit_test_setup_teardown(mouse, setup, teardown),
    cmocka_unit_test_setup_teardown(fingers_in_frames, setup, teardown),
    cmocka_unit_test_setup_teardown(small_reads_keep_order, setup, teardown),
    cmocka_unit_test_setup_teardown(quit_ends_the_source, setup, teardown),
    cmocka_unit_test_setup_teardown(bad_size, setup, teardown),
};

PV_UNIT_MAIN("kbdback_sdl", tests)
