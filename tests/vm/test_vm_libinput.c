/*
 * tests/vm/test_vm_libinput.c — libinput against real evdev devices.
 *
 * Runs inside the guest tests/vm/vm.sh boots (modules uinput and evdev,
 * systemd-udevd running: libinput ignores devices udev has not tagged
 * ID_INPUT).  Each case makes its devices with uinput — a keyboard, a
 * relative pointer with a wheel, a ten-slot multi-touch touchscreen
 * (INPUT_PROP_DIRECT) — waits until udev has classified them, opens them
 * with libinput's path backend, writes evdev frames into uinput and checks
 * what libinput reports: keys, motions, buttons, wheel clicks, touch
 * down/motion/up/frame with their slots and coordinates, and device removal.
 *
 * This proves the VM rig and pins down the libinput behaviour pvkit's
 * libinput host side relies on.  Outside a guest it refuses to run (no
 * /dev/uinput) with a message saying so.
 *
 * Usage: test_vm_libinput [--list | CASE-PATTERN]  (tests/unit/unit.h)
 */
#define _DEFAULT_SOURCE

#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <libinput.h>
#include <linux/input.h>

#include "vinput.h"

#define TS_MAX	 VINPUT_TS_MAX
#define TS_RES	 VINPUT_TS_RES
#define TS_SLOTS VINPUT_TS_SLOTS

/* How long libinput gets to report an event; TCG guests are slow. */
#define WAIT_MS 10000

struct vdev {
	struct vinput in;		/* the uinput side */
	struct libinput_device *li_dev; /* libinput's handle, ref held */
};

struct rig {
	struct libinput *li;
	struct vdev kbd, ptr, ts;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void emit(const struct vdev *v, int type, int code, int value)
{
	if (vinput_emit(&v->in, type, code, value) < 0)
		fail_msg("cannot write to %s", v->in.node);
}

static void syn(const struct vdev *v)
{
	emit(v, EV_SYN, SYN_REPORT, 0);
}

static void mt_contact(const struct vdev *v, int slot, int id, int x, int y)
{
	if (vinput_touch(&v->in, slot, id, x, y) < 0)
		fail_msg("cannot write to %s", v->in.node);
}

/* Make a device, wait for udev, hand it to libinput's path backend. */
static void make(struct rig *r, struct vdev *v, enum vinput_kind kind,
		 const char *name)
{
	if (vinput_create(&v->in, kind, name) < 0)
		fail_msg("cannot create '%s' (see above)", name);
	v->li_dev = libinput_path_add_device(r->li, v->in.node);
	if (!v->li_dev)
		fail_msg("libinput_path_add_device(%s) refused '%s'",
			 v->in.node, name);
	libinput_device_ref(v->li_dev);
}

static void make_keyboard(struct rig *r)
{
	make(r, &r->kbd, VINPUT_KEYBOARD, "pvkit vm keyboard");
}

static void make_pointer(struct rig *r)
{
	make(r, &r->ptr, VINPUT_POINTER, "pvkit vm mouse");
}

static void make_touchscreen(struct rig *r)
{
	make(r, &r->ts, VINPUT_TOUCHSCREEN, "pvkit vm touchscreen");
}

/* --- libinput side -------------------------------------------------------- */

static int open_restricted(const char *path, int flags, void *data)
{
	int fd = open(path, flags | O_CLOEXEC);

	(void)data;
	return fd < 0 ? -errno : fd;
}

static void close_restricted(int fd, void *data)
{
	(void)data;
	close(fd);
}

static const struct libinput_interface li_iface = {
    .open_restricted = open_restricted,
    .close_restricted = close_restricted,
};

static void li_log(struct libinput *li, enum libinput_log_priority prio,
		   const char *fmt, va_list args)
    __attribute__((format(printf, 3, 0)));

static void li_log(struct libinput *li, enum libinput_log_priority prio,
		   const char *fmt, va_list args)
{
	(void)li;
	fprintf(stderr, "libinput[%d]: ", (int)prio);
	vfprintf(stderr, fmt, args);
}

static const char *type_name(enum libinput_event_type t)
{
	switch (t) {
	case LIBINPUT_EVENT_DEVICE_ADDED:
		return "DEVICE_ADDED";
	case LIBINPUT_EVENT_DEVICE_REMOVED:
		return "DEVICE_REMOVED";
	case LIBINPUT_EVENT_KEYBOARD_KEY:
		return "KEYBOARD_KEY";
	case LIBINPUT_EVENT_POINTER_MOTION:
		return "POINTER_MOTION";
	case LIBINPUT_EVENT_POINTER_BUTTON:
		return "POINTER_BUTTON";
	case LIBINPUT_EVENT_POINTER_AXIS:
		return "POINTER_AXIS";
	case LIBINPUT_EVENT_POINTER_SCROLL_WHEEL:
		return "POINTER_SCROLL_WHEEL";
	case LIBINPUT_EVENT_TOUCH_DOWN:
		return "TOUCH_DOWN";
	case LIBINPUT_EVENT_TOUCH_UP:
		return "TOUCH_UP";
	case LIBINPUT_EVENT_TOUCH_MOTION:
		return "TOUCH_MOTION";
	case LIBINPUT_EVENT_TOUCH_CANCEL:
		return "TOUCH_CANCEL";
	case LIBINPUT_EVENT_TOUCH_FRAME:
		return "TOUCH_FRAME";
	default:
		return "other";
	}
}

/* The next event, dispatching (and so running libinput's timers) as it
 * waits; NULL after timeout_ms without one. */
static struct libinput_event *next_event(struct libinput *li, int timeout_ms)
{
	struct pollfd p = {.fd = libinput_get_fd(li), .events = POLLIN};
	long long end = now_ms() + timeout_ms;
	struct libinput_event *ev;

	for (;;) {
		libinput_dispatch(li);
		ev = libinput_get_event(li);
		if (ev || now_ms() >= end)
			return ev;
		poll(&p, 1, (int)(end - now_ms()));
	}
}

/* The next event, which must be of type t, from device v (if v). The
 * deprecated POINTER_AXIS that libinput sends beside each wheel event is
 * skipped when skip_axis is set. */
static struct libinput_event *expect_ev(struct rig *r, const struct vdev *v,
					enum libinput_event_type t,
					bool skip_axis)
{
	struct libinput_event *ev;

	for (;;) {
		ev = next_event(r->li, WAIT_MS);
		if (!ev)
			fail_msg("expected %s, got nothing in %d ms",
				 type_name(t), WAIT_MS);
		if (!(skip_axis && t != LIBINPUT_EVENT_POINTER_AXIS &&
		      libinput_event_get_type(ev) ==
			  LIBINPUT_EVENT_POINTER_AXIS))
			break;
		libinput_event_destroy(ev);
	}
	if (libinput_event_get_type(ev) != t)
		fail_msg("expected %s, got %s", type_name(t),
			 type_name(libinput_event_get_type(ev)));
	if (v && libinput_event_get_device(ev) != v->li_dev)
		fail_msg(
		    "%s came from '%s', expected '%s'", type_name(t),
		    libinput_device_get_name(libinput_event_get_device(ev)),
		    libinput_device_get_name(v->li_dev));
	return ev;
}

static void expect_quiet(struct rig *r, int ms)
{
	struct libinput_event *ev = next_event(r->li, ms);

	if (ev)
		fail_msg("expected no more events, got %s",
			 type_name(libinput_event_get_type(ev)));
}

/* Consume the DEVICE_ADDED events of the devices just added. */
static void drain_added(struct rig *r, int n)
{
	for (int i = 0; i < n; i++)
		libinput_event_destroy(
		    expect_ev(r, NULL, LIBINPUT_EVENT_DEVICE_ADDED, false));
}

/* --- fixtures ---------------------------------------------------------------
 */

static int rig_setup(void **state)
{
	struct rig *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->kbd.in = r->ptr.in = r->ts.in = (struct vinput)VINPUT_INIT;
	r->li = libinput_path_create_context(&li_iface, NULL);
	assert_non_null(r->li);
	libinput_log_set_handler(r->li, li_log);
	libinput_log_set_priority(r->li, getenv("PVKIT_LIBINPUT_DEBUG")
					     ? LIBINPUT_LOG_PRIORITY_DEBUG
					     : LIBINPUT_LOG_PRIORITY_ERROR);
	*state = r;
	return 0;
}

static void vdev_close(struct vdev *v)
{
	if (v->li_dev)
		libinput_device_unref(v->li_dev);
	vinput_destroy(&v->in);
}

static int rig_teardown(void **state)
{
	struct rig *r = *state;

	vdev_close(&r->kbd);
	vdev_close(&r->ptr);
	vdev_close(&r->ts);
	libinput_unref(r->li);
	free(r);
	return 0;
}

/* --- keyboard ------------------------------------------------------------- */

/* libinput's seat count is per key code: how many devices of the seat hold
 * this key down after the event. */
static void expect_key(struct rig *r, uint32_t key, enum libinput_key_state st,
		       uint32_t seat_count)
{
	struct libinput_event *ev =
	    expect_ev(r, &r->kbd, LIBINPUT_EVENT_KEYBOARD_KEY, false);
	struct libinput_event_keyboard *k =
	    libinput_event_get_keyboard_event(ev);
	uint32_t got = libinput_event_keyboard_get_key(k);
	enum libinput_key_state gst = libinput_event_keyboard_get_key_state(k);
	uint32_t gcount = libinput_event_keyboard_get_seat_key_count(k);

	if (got != key || gst != st || gcount != seat_count)
		fail_msg("key %u %s (seat count %u), expected key %u %s (%u)",
			 got, gst ? "pressed" : "released", gcount, key,
			 st ? "pressed" : "released", seat_count);
	libinput_event_destroy(ev);
}

static void keyboard_keys(void **state)
{
	struct rig *r = *state;

	make_keyboard(r);
	drain_added(r, 1);
	assert_true(libinput_device_has_capability(
	    r->kbd.li_dev, LIBINPUT_DEVICE_CAP_KEYBOARD));
	assert_false(libinput_device_has_capability(
	    r->kbd.li_dev, LIBINPUT_DEVICE_CAP_POINTER));
	assert_int_equal(libinput_device_keyboard_has_key(r->kbd.li_dev, KEY_Q),
			 1);

	emit(&r->kbd, EV_KEY, KEY_A, 1);
	syn(&r->kbd);
	emit(&r->kbd, EV_KEY, KEY_A, 0);
	syn(&r->kbd);
	expect_key(r, KEY_A, LIBINPUT_KEY_STATE_PRESSED, 1);
	expect_key(r, KEY_A, LIBINPUT_KEY_STATE_RELEASED, 0);

	/* Shift+Z, one key per frame, in order. */
	emit(&r->kbd, EV_KEY, KEY_LEFTSHIFT, 1);
	syn(&r->kbd);
	emit(&r->kbd, EV_KEY, KEY_Z, 1);
	syn(&r->kbd);
	emit(&r->kbd, EV_KEY, KEY_Z, 0);
	syn(&r->kbd);
	emit(&r->kbd, EV_KEY, KEY_LEFTSHIFT, 0);
	syn(&r->kbd);
	expect_key(r, KEY_LEFTSHIFT, LIBINPUT_KEY_STATE_PRESSED, 1);
	expect_key(r, KEY_Z, LIBINPUT_KEY_STATE_PRESSED, 1);
	expect_key(r, KEY_Z, LIBINPUT_KEY_STATE_RELEASED, 0);
	expect_key(r, KEY_LEFTSHIFT, LIBINPUT_KEY_STATE_RELEASED, 0);

	/* Two keys in one frame: both reported, in code order. */
	emit(&r->kbd, EV_KEY, KEY_ENTER, 1);
	emit(&r->kbd, EV_KEY, KEY_F12, 1);
	syn(&r->kbd);
	emit(&r->kbd, EV_KEY, KEY_ENTER, 0);
	emit(&r->kbd, EV_KEY, KEY_F12, 0);
	syn(&r->kbd);
	expect_key(r, KEY_ENTER, LIBINPUT_KEY_STATE_PRESSED, 1);
	expect_key(r, KEY_F12, LIBINPUT_KEY_STATE_PRESSED, 1);
	expect_key(r, KEY_ENTER, LIBINPUT_KEY_STATE_RELEASED, 0);
	expect_key(r, KEY_F12, LIBINPUT_KEY_STATE_RELEASED, 0);
	expect_quiet(r, 200);
}

/* --- relative pointer ------------------------------------------------------
 */

static void expect_motion(struct rig *r, double dx, double dy)
{
	struct libinput_event *ev =
	    expect_ev(r, &r->ptr, LIBINPUT_EVENT_POINTER_MOTION, false);
	struct libinput_event_pointer *p = libinput_event_get_pointer_event(ev);
	double ux = libinput_event_pointer_get_dx_unaccelerated(p);
	double uy = libinput_event_pointer_get_dy_unaccelerated(p);
	double ax = libinput_event_pointer_get_dx(p);
	double ay = libinput_event_pointer_get_dy(p);

	/* Unaccelerated deltas are device units at 1000 dpi: as sent. */
	if (fabs(ux - dx) > 1e-6 || fabs(uy - dy) > 1e-6)
		fail_msg("motion (%g,%g) reported unaccelerated as (%g,%g)", dx,
			 dy, ux, uy);
	/* Accelerated ones keep the direction. */
	if (ax * dx < 0 || ay * dy < 0 || (dx != 0) != (ax != 0))
		fail_msg("motion (%g,%g) accelerated to (%g,%g)", dx, dy, ax,
			 ay);
	libinput_event_destroy(ev);
}

static void expect_button(struct rig *r, uint32_t button,
			  enum libinput_button_state st)
{
	struct libinput_event *ev =
	    expect_ev(r, &r->ptr, LIBINPUT_EVENT_POINTER_BUTTON, false);
	struct libinput_event_pointer *p = libinput_event_get_pointer_event(ev);
	uint32_t got = libinput_event_pointer_get_button(p);
	enum libinput_button_state gst =
	    libinput_event_pointer_get_button_state(p);
	uint32_t gcount = libinput_event_pointer_get_seat_button_count(p);
	uint32_t want_count = st == LIBINPUT_BUTTON_STATE_PRESSED;

	/* As for keys, the seat count is per button code. */
	if (got != button || gst != st || gcount != want_count)
		fail_msg("button 0x%x %s (seat count %u), expected 0x%x %s",
			 got, gst ? "pressed" : "released", gcount, button,
			 st ? "pressed" : "released");
	libinput_event_destroy(ev);
}

static void pointer_motion_buttons_wheel(void **state)
{
	struct rig *r = *state;
	struct libinput_event *ev;
	struct libinput_event_pointer *p;

	make_pointer(r);
	drain_added(r, 1);
	assert_true(libinput_device_has_capability(
	    r->ptr.li_dev, LIBINPUT_DEVICE_CAP_POINTER));
	assert_int_equal(
	    libinput_device_pointer_has_button(r->ptr.li_dev, BTN_RIGHT), 1);

	emit(&r->ptr, EV_REL, REL_X, 10);
	emit(&r->ptr, EV_REL, REL_Y, -5);
	syn(&r->ptr);
	expect_motion(r, 10, -5);
	emit(&r->ptr, EV_REL, REL_Y, 7);
	syn(&r->ptr);
	expect_motion(r, 0, 7);

	/* libinput debounces buttons: a release may come after a timer. */
	emit(&r->ptr, EV_KEY, BTN_LEFT, 1);
	syn(&r->ptr);
	expect_button(r, BTN_LEFT, LIBINPUT_BUTTON_STATE_PRESSED);
	emit(&r->ptr, EV_KEY, BTN_RIGHT, 1);
	syn(&r->ptr);
	expect_button(r, BTN_RIGHT, LIBINPUT_BUTTON_STATE_PRESSED);
	emit(&r->ptr, EV_KEY, BTN_RIGHT, 0);
	syn(&r->ptr);
	expect_button(r, BTN_RIGHT, LIBINPUT_BUTTON_STATE_RELEASED);
	emit(&r->ptr, EV_KEY, BTN_LEFT, 0);
	syn(&r->ptr);
	expect_button(r, BTN_LEFT, LIBINPUT_BUTTON_STATE_RELEASED);

	/* One wheel click down: +120 in v120 units, source wheel. */
	emit(&r->ptr, EV_REL, REL_WHEEL, -1);
	syn(&r->ptr);
	ev = expect_ev(r, &r->ptr, LIBINPUT_EVENT_POINTER_SCROLL_WHEEL, true);
	p = libinput_event_get_pointer_event(ev);
	assert_true(libinput_event_pointer_has_axis(
	    p, LIBINPUT_POINTER_AXIS_SCROLL_VERTICAL));
	assert_false(libinput_event_pointer_has_axis(
	    p, LIBINPUT_POINTER_AXIS_SCROLL_HORIZONTAL));
	assert_true(fabs(libinput_event_pointer_get_scroll_value_v120(
			     p, LIBINPUT_POINTER_AXIS_SCROLL_VERTICAL) -
			 120.0) < 1e-6);
	libinput_event_destroy(ev);
	/* The legacy axis event may trail the new one. */
	ev = next_event(r->li, 200);
	if (ev) {
		assert_int_equal(libinput_event_get_type(ev),
				 LIBINPUT_EVENT_POINTER_AXIS);
		libinput_event_destroy(ev);
	}
	expect_quiet(r, 200);
}

/* --- multi-touch touchscreen ---------------------------------------------- */

struct touch_want {
	enum libinput_event_type type;
	int32_t slot;
	int x, y; /* device units; ignored for UP */
};

static void expect_touch(struct rig *r, const struct touch_want *w,
			 int32_t *seat_slots)
{
	struct libinput_event *ev = expect_ev(r, &r->ts, w->type, false);
	struct libinput_event_touch *t = libinput_event_get_touch_event(ev);
	int32_t slot = libinput_event_touch_get_slot(t);
	int32_t seat_slot = libinput_event_touch_get_seat_slot(t);

	if (slot != w->slot)
		fail_msg("%s in slot %d, expected slot %d", type_name(w->type),
			 slot, w->slot);
	if (w->type == LIBINPUT_EVENT_TOUCH_DOWN)
		seat_slots[slot] = seat_slot;
	else if (seat_slot != seat_slots[slot])
		fail_msg("%s slot %d: seat slot %d, was %d at its down",
			 type_name(w->type), slot, seat_slot, seat_slots[slot]);
	if (w->type != LIBINPUT_EVENT_TOUCH_UP) {
		/* Transformed to a 4096-wide screen: the device units. */
		double x =
		    libinput_event_touch_get_x_transformed(t, TS_MAX + 1);
		double y =
		    libinput_event_touch_get_y_transformed(t, TS_MAX + 1);
		/* Untransformed: millimetres, from the resolution. */
		double mx = libinput_event_touch_get_x(t);
		double my = libinput_event_touch_get_y(t);

		if (fabs(x - w->x) > 0.01 || fabs(y - w->y) > 0.01)
			fail_msg("%s slot %d at (%g,%g), expected (%d,%d)",
				 type_name(w->type), slot, x, y, w->x, w->y);
		if (fabs(mx - (double)w->x / TS_RES) > 0.01 ||
		    fabs(my - (double)w->y / TS_RES) > 0.01)
			fail_msg("%s slot %d at (%g,%g) mm, expected (%g,%g)",
				 type_name(w->type), slot, mx, my,
				 (double)w->x / TS_RES, (double)w->y / TS_RES);
	}
	libinput_event_destroy(ev);
}

static void expect_frame(struct rig *r)
{
	libinput_event_destroy(
	    expect_ev(r, &r->ts, LIBINPUT_EVENT_TOUCH_FRAME, false));
}

static void touch_two_fingers(void **state)
{
	struct rig *r = *state;
	int32_t seat_slots[TS_SLOTS];
	double w = 0, h = 0;

	make_touchscreen(r);
	drain_added(r, 1);
	assert_true(libinput_device_has_capability(r->ts.li_dev,
						   LIBINPUT_DEVICE_CAP_TOUCH));
	assert_int_equal(libinput_device_touch_get_touch_count(r->ts.li_dev),
			 TS_SLOTS);
	assert_int_equal(libinput_device_get_size(r->ts.li_dev, &w, &h), 0);
	if (fabs(w - (double)TS_MAX / TS_RES) > 0.01 ||
	    fabs(h - (double)TS_MAX / TS_RES) > 0.01)
		fail_msg("size %gx%g mm, expected %gx%g", w, h,
			 (double)TS_MAX / TS_RES, (double)TS_MAX / TS_RES);

	/* Frame 1: first finger down. */
	mt_contact(&r->ts, 0, 100, 1000, 2000);
	emit(&r->ts, EV_KEY, BTN_TOUCH, 1);
	emit(&r->ts, EV_ABS, ABS_X, 1000);
	emit(&r->ts, EV_ABS, ABS_Y, 2000);
	syn(&r->ts);
	expect_touch(
	    r, &(struct touch_want){LIBINPUT_EVENT_TOUCH_DOWN, 0, 1000, 2000},
	    seat_slots);
	expect_frame(r);

	/* Frame 2: second finger down. */
	mt_contact(&r->ts, 1, 101, 3000, 500);
	syn(&r->ts);
	expect_touch(
	    r, &(struct touch_want){LIBINPUT_EVENT_TOUCH_DOWN, 1, 3000, 500},
	    seat_slots);
	expect_frame(r);
	if (seat_slots[0] == seat_slots[1] || seat_slots[0] < 0 ||
	    seat_slots[1] < 0)
		fail_msg("seat slots %d and %d", seat_slots[0], seat_slots[1]);

	/* Frame 3: both move (the second only in x): one frame, slot order. */
	mt_contact(&r->ts, 0, 0, 1100, 2100);
	emit(&r->ts, EV_ABS, ABS_MT_SLOT, 1);
	emit(&r->ts, EV_ABS, ABS_MT_POSITION_X, 2900);
	emit(&r->ts, EV_ABS, ABS_X, 1100);
	emit(&r->ts, EV_ABS, ABS_Y, 2100);
	syn(&r->ts);
	expect_touch(
	    r, &(struct touch_want){LIBINPUT_EVENT_TOUCH_MOTION, 0, 1100, 2100},
	    seat_slots);
	expect_touch(
	    r, &(struct touch_want){LIBINPUT_EVENT_TOUCH_MOTION, 1, 2900, 500},
	    seat_slots);
	expect_frame(r);

	/* Frame 4: second finger up; frame 5: first finger up. */
	mt_contact(&r->ts, 1, -1, 0, 0);
	syn(&r->ts);
	expect_touch(r, &(struct touch_want){LIBINPUT_EVENT_TOUCH_UP, 1, 0, 0},
		     seat_slots);
	expect_frame(r);
	mt_contact(&r->ts, 0, -1, 0, 0);
	emit(&r->ts, EV_KEY, BTN_TOUCH, 0);
	syn(&r->ts);
	expect_touch(r, &(struct touch_want){LIBINPUT_EVENT_TOUCH_UP, 0, 0, 0},
		     seat_slots);
	expect_frame(r);
	expect_quiet(r, 200);
}

/* --- all three in one context, and unplugging --------------------------- */

static void three_devices_one_seat(void **state)
{
	struct rig *r = *state;
	int32_t seat_slots[TS_SLOTS];
	struct libinput_event *ev;

	make_keyboard(r);
	make_pointer(r);
	make_touchscreen(r);
	drain_added(r, 3);
	assert_ptr_equal(libinput_device_get_seat(r->kbd.li_dev),
			 libinput_device_get_seat(r->ts.li_dev));

	/* Interleaved input arrives from the right device, in time order. */
	emit(&r->kbd, EV_KEY, KEY_B, 1);
	syn(&r->kbd);
	expect_key(r, KEY_B, LIBINPUT_KEY_STATE_PRESSED, 1);
	mt_contact(&r->ts, 0, 7, 4095, 0);
	emit(&r->ts, EV_KEY, BTN_TOUCH, 1);
	syn(&r->ts);
	expect_touch(
	    r, &(struct touch_want){LIBINPUT_EVENT_TOUCH_DOWN, 0, 4095, 0},
	    seat_slots);
	expect_frame(r);
	emit(&r->ptr, EV_REL, REL_X, -3);
	syn(&r->ptr);
	expect_motion(r, -3, 0);
	emit(&r->kbd, EV_KEY, KEY_B, 0);
	syn(&r->kbd);
	expect_key(r, KEY_B, LIBINPUT_KEY_STATE_RELEASED, 0);

	/*
	 * Unplugging the touchscreen mid-touch: libinput cancels or lifts
	 * the touch, then removes the device.  The others keep working.
	 */
	vinput_destroy(&r->ts.in);
	for (;;) {
		ev = next_event(r->li, WAIT_MS);
		if (!ev)
			fail_msg("no DEVICE_REMOVED after unplugging %s",
				 r->ts.in.node);
		enum libinput_event_type t = libinput_event_get_type(ev);

		if (libinput_event_get_device(ev) != r->ts.li_dev)
			fail_msg("%s from another device after the unplug",
				 type_name(t));
		libinput_event_destroy(ev);
		if (t == LIBINPUT_EVENT_DEVICE_REMOVED)
			break;
		if (t != LIBINPUT_EVENT_TOUCH_UP &&
		    t != LIBINPUT_EVENT_TOUCH_CANCEL &&
		    t != LIBINPUT_EVENT_TOUCH_FRAME)
			fail_msg("unexpected %s before DEVICE_REMOVED",
				 type_name(t));
	}
	emit(&r->kbd, EV_KEY, KEY_C, 1);
	syn(&r->kbd);
	expect_key(r, KEY_C, LIBINPUT_KEY_STATE_PRESSED, 1);
	emit(&r->kbd, EV_KEY, KEY_C, 0);
	syn(&r->kbd);
	expect_key(r, KEY_C, LIBINPUT_KEY_STATE_RELEASED, 0);
	expect_quiet(r, 200);
}

static const struct CMUnitTest vm_libinput_cases[] = {
    cmocka_unit_test_setup_teardown(keyboard_keys, rig_setup, rig_teardown),
    cmocka_unit_test_setup_teardown(pointer_motion_buttons_wheel, rig_setup,
				    rig_teardown),
    cmocka_unit_test_setup_teardown(touch_two_fingers, rig_setup, rig_teardown),
    cmocka_unit_test_setup_teardown(three_devices_one_seat, rig_setup,
				    rig_teardown),
};

PV_UNIT_MAIN("vm_libinput", vm_libinput_cases)
