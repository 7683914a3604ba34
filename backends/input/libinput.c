/*
 * The "libinput" host side: the machine's real keyboards, pointers and
 * touchscreens through libinput.
 *
 * Args: empty or "seat:NAME" — every device udev puts on that seat
 * (seat0 by default), including ones plugged in later; or a comma-separated
 * list of device nodes ("/dev/input/event3,/dev/input/event5") opened
 * directly (libinput's path backend).  A seat without devices is not an
 * error: open() succeeds with a notice saying so in err, and devices that
 * appear later are used.  Touch contacts are libinput's seat slots;
 * relative motion keeps its sub-pixel remainder; the wheel counts notches.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libinput.h>
#include <libudev.h>

#include "kbdback_int.h"

#define MAX_PATHS 32

struct li_src {
	struct udev *udev;
	struct libinput *li;
	unsigned int devices; /* present now */
	double rx, ry;	      /* relative motion not yet whole */
	int32_t v120;	      /* wheel not yet a whole notch */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

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

static const struct libinput_interface iface = {
    .open_restricted = open_restricted,
    .close_restricted = close_restricted,
};

static void li_close(void *state)
{
	struct li_src *s = state;

	if (!s)
		return;
	if (s->li)
		libinput_unref(s->li);
	if (s->udev)
		udev_unref(s->udev);
	free(s);
}

static int add_paths(struct li_src *s, const char *args, char *err,
		     size_t errlen)
{
	char *copy = strdup(args), *save = NULL;
	unsigned int n = 0;

	if (!copy)
		return -ENOMEM;
	s->li = libinput_path_create_context(&iface, s);
	for (char *p = strtok_r(copy, ",", &save); s->li && p;
	     p = strtok_r(NULL, ",", &save)) {
		if (++n > MAX_PATHS) {
			snprintf(err, errlen, "libinput: more than %u devices",
				 MAX_PATHS);
			free(copy);
			return -E2BIG;
		}
		if (!libinput_path_add_device(s->li, p)) {
			snprintf(err, errlen,
				 "libinput: %s: cannot use it as an input "
				 "device (missing, not an evdev node, or no "
				 "permission)",
				 p);
			free(copy);
			return -ENODEV;
		}
	}
	free(copy);
	return s->li ? 0 : -ENOMEM;
}

static int add_seat(struct li_src *s, const char *seat, char *err,
		    size_t errlen)
{
	s->udev = udev_new();
	if (s->udev)
		s->li = libinput_udev_create_context(&iface, s, s->udev);
	if (!s->li)
		return -ENOMEM;
	if (libinput_udev_assign_seat(s->li, seat)) {
		snprintf(err, errlen, "libinput: cannot watch seat %s (udev)",
			 seat);
		return -ENODEV;
	}
	return 0;
}

/* Count the devices libinput found at once (their ADDED events). */
static void count_devices(struct li_src *s)
{
	struct libinput_event *ev;

	libinput_dispatch(s->li);
	while ((ev = libinput_get_event(s->li))) {
		if (libinput_event_get_type(ev) == LIBINPUT_EVENT_DEVICE_ADDED)
			s->devices++;
		libinput_event_destroy(ev);
	}
}

static int li_open(const char *args, void **state, char *err, size_t errlen)
{
	struct li_src *s = calloc(1, sizeof(*s));
	bool seat = !args || !*args || !strncmp(args, "seat:", 5);
	const char *name = args && *args ? args + 5 : "seat0";
	int rc;

	if (!s)
		return -ENOMEM;
	rc = seat ? add_seat(s, name, err, errlen)
		  : add_paths(s, args, err, errlen);
	if (rc) {
		li_close(s);
		return rc;
	}
	count_devices(s);
	if (!s->devices)
		snprintf(err, errlen,
			 "libinput: no input devices on %s %s (none present, "
			 "or no permission to open them); waiting for some "
			 "to appear",
			 seat ? "seat" : "the list", seat ? name : args);
	*state = s;
	return 0;
}

static int li_fd(void *state)
{
	return libinput_get_fd(((struct li_src *)state)->li);
}

static void on_motion(struct li_src *s, struct libinput_event_pointer *p,
		      struct kbdback_event *e)
{
	double wx, wy;

	s->rx += libinput_event_pointer_get_dx(p);
	s->ry += libinput_event_pointer_get_dy(p);
	wx = trunc(s->rx);
	wy = trunc(s->ry);
	s->rx -= wx;
	s->ry -= wy;
	e->type = KBDBACK_EV_MOTION;
	e->u.motion.dx = (int32_t)wx;
	e->u.motion.dy = (int32_t)wy;
	if (!e->u.motion.dx && !e->u.motion.dy)
		e->type = 0;
}

static void on_pointer(struct li_src *s, struct libinput_event *ev,
		       struct kbdback_event *e)
{
	struct libinput_event_pointer *p = libinput_event_get_pointer_event(ev);

	switch (libinput_event_get_type(ev)) {
	case LIBINPUT_EVENT_POINTER_MOTION:
		on_motion(s, p, e);
		break;
	case LIBINPUT_EVENT_POINTER_MOTION_ABSOLUTE:
		e->type = KBDBACK_EV_ABS;
		e->u.abs.x =
		    (uint32_t)libinput_event_pointer_get_absolute_x_transformed(
			p, KBDBACK_ABS_ONE);
		e->u.abs.y =
		    (uint32_t)libinput_event_pointer_get_absolute_y_transformed(
			p, KBDBACK_ABS_ONE);
		break;
	case LIBINPUT_EVENT_POINTER_BUTTON:
		e->type = KBDBACK_EV_KEY;
		e->u.key.code = libinput_event_pointer_get_button(p);
		e->u.key.pressed = libinput_event_pointer_get_button_state(p) ==
				   LIBINPUT_BUTTON_STATE_PRESSED;
		break;
	case LIBINPUT_EVENT_POINTER_SCROLL_WHEEL:
		if (!libinput_event_pointer_has_axis(
			p, LIBINPUT_POINTER_AXIS_SCROLL_VERTICAL))
			break;
		/* libinput: positive is down; the wheel's notches: up. */
		s->v120 -=
		    (int32_t)libinput_event_pointer_get_scroll_value_v120(
			p, LIBINPUT_POINTER_AXIS_SCROLL_VERTICAL);
		if (s->v120 / 120) {
			e->type = KBDBACK_EV_WHEEL;
			e->u.wheel.dz = s->v120 / 120;
			s->v120 %= 120;
		}
		break;
	default:
		break;
	}
}

static void on_touch(struct libinput_event *ev, struct kbdback_event *e)
{
	struct libinput_event_touch *t = libinput_event_get_touch_event(ev);
	enum libinput_event_type type = libinput_event_get_type(ev);

	if (type == LIBINPUT_EVENT_TOUCH_FRAME) {
		e->type = KBDBACK_EV_TOUCH_FRAME;
		return;
	}
	e->u.touch.contact = (uint64_t)libinput_event_touch_get_seat_slot(t);
	if (type == LIBINPUT_EVENT_TOUCH_UP ||
	    type == LIBINPUT_EVENT_TOUCH_CANCEL) {
		e->type = KBDBACK_EV_TOUCH_UP;
		return;
	}
	e->type = type == LIBINPUT_EVENT_TOUCH_DOWN ? KBDBACK_EV_TOUCH_DOWN
						    : KBDBACK_EV_TOUCH_MOTION;
	e->u.touch.x = (uint32_t)libinput_event_touch_get_x_transformed(
	    t, KBDBACK_ABS_ONE);
	e->u.touch.y = (uint32_t)libinput_event_touch_get_y_transformed(
	    t, KBDBACK_ABS_ONE);
}

/* One libinput event into e (e->type stays 0 for nothing). */
static void translate(struct li_src *s, struct libinput_event *ev,
		      struct kbdback_event *e)
{
	enum libinput_event_type type = libinput_event_get_type(ev);
	struct libinput_event_keyboard *k;

	switch (type) {
	case LIBINPUT_EVENT_DEVICE_ADDED:
		s->devices++;
		break;
	case LIBINPUT_EVENT_DEVICE_REMOVED:
		s->devices -= s->devices > 0;
		break;
	case LIBINPUT_EVENT_KEYBOARD_KEY:
		k = libinput_event_get_keyboard_event(ev);
		e->type = KBDBACK_EV_KEY;
		e->u.key.code = libinput_event_keyboard_get_key(k);
		e->u.key.pressed = libinput_event_keyboard_get_key_state(k) ==
				   LIBINPUT_KEY_STATE_PRESSED;
		break;
	case LIBINPUT_EVENT_TOUCH_DOWN:
	case LIBINPUT_EVENT_TOUCH_MOTION:
	case LIBINPUT_EVENT_TOUCH_UP:
	case LIBINPUT_EVENT_TOUCH_CANCEL:
	case LIBINPUT_EVENT_TOUCH_FRAME:
		on_touch(ev, e);
		break;
	default:
		on_pointer(s, ev, e);
		break;
	}
}

static int li_read(void *state, struct kbdback_event *ev, unsigned int max)
{
	struct li_src *s = state;
	struct libinput_event *le;
	unsigned int n = 0;

	if (libinput_dispatch(s->li) < 0)
		return -EIO;
	while (n < max && (le = libinput_get_event(s->li))) {
		struct kbdback_event *e = &ev[n];

		memset(e, 0, sizeof(*e));
		translate(s, le, e);
		if (e->type) {
			e->target = KBDBACK_TARGET_ALL;
			e->time_ns = now_ns();
			n++;
		}
		libinput_event_destroy(le);
	}
	return (int)n;
}

unsigned int kbdback_libinput_devices(void *state)
{
	return ((struct li_src *)state)->devices;
}

const struct kbdback_source_ops kbdback_source_libinput = {
    .name = "libinput",
    .args_help = "libinput[:seat:NAME | :/dev/input/eventN,...]  real "
		 "devices through udev (seat0) or a list of device nodes",
    .open = li_open,
    .close = li_close,
    .fd = li_fd,
    .read = li_read,
};
