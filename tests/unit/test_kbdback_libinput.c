/*
 * Tests of the input backend's libinput host side
 * (backends/input/libinput.c).
 *
 * Everywhere: a seat without devices opens with a notice and keeps
 * running; a device path that is not one is refused with a message naming
 * it.  With /dev/uinput (as root, e.g. inside tests/vm's QEMU guest): a
 * keyboard, a mouse and a two-slot touchscreen made with libevdev's
 * uinput helper are opened through the path list, and what they emit
 * arrives as normalized events: keys, relative motion, buttons, wheel
 * notches and touch contacts closed into frames.  Without /dev/uinput
 * those cases are skipped, saying why.
 */
#define _DEFAULT_SOURCE
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <dirent.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/uinput.h>

#include <libevdev/libevdev-uinput.h>
#include <libevdev/libevdev.h>

#include "kbdback_int.h"

static char err[512];

static void empty_seat_keeps_running(void **state)
{
	struct kbdback_event ev[4];
	void *s = NULL;

	(void)state;
	err[0] = '\0';
	assert_int_equal(kbdback_source_libinput.open("seat:pvkit-none", &s,
						      err, sizeof(err)),
			 0);
	assert_non_null(strstr(err, "no input devices"));
	assert_non_null(strstr(err, "pvkit-none"));
	assert_true(kbdback_source_libinput.fd(s) >= 0);
	assert_int_equal(kbdback_source_libinput.read(s, ev, 4), 0);
	assert_int_equal(kbdback_libinput_devices(s), 0);
	kbdback_source_libinput.close(s);
}

static void bad_path_is_named(void **state)
{
	void *s = NULL;

	(void)state;
	assert_int_equal(kbdback_source_libinput.open("/dev/null,/nope", &s,
						      err, sizeof(err)),
			 -ENODEV);
	assert_non_null(strstr(err, "/dev/null"));
	assert_null(s);
}

/* ---- real devices through uinput ------------------------------------------
 */

struct dev {
	struct libevdev *d;
	struct libevdev_uinput *u;
	char node[300];
};

static bool have_uinput(void)
{
	int fd = open("/dev/uinput", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static void make(struct dev *x, const char *name,
		 void (*caps)(struct libevdev *))
{
	x->d = libevdev_new();
	libevdev_set_name(x->d, name);
	caps(x->d);
	assert_int_equal(libevdev_uinput_create_from_device(
			     x->d, LIBEVDEV_UINPUT_OPEN_MANAGED, &x->u),
			 0);
}

static void drop(struct dev *x)
{
	libevdev_uinput_destroy(x->u);
	libevdev_free(x->d);
}

/* The device's event node: its sysfs name (UI_GET_SYSNAME), the eventN
 * under it, once the kernel made it. */
static const char *node(struct dev *x)
{
	char sys[64], dir[160];

	assert_true(ioctl(libevdev_uinput_get_fd(x->u),
			  UI_GET_SYSNAME(sizeof(sys)), sys) >= 0);
	snprintf(dir, sizeof(dir), "/sys/devices/virtual/input/%s", sys);
	for (int i = 0; i < 100; i++) {
		DIR *d = opendir(dir);
		struct dirent *e;

		while (d && (e = readdir(d)))
			if (!strncmp(e->d_name, "event", 5)) {
				snprintf(x->node, sizeof(x->node),
					 "/dev/input/%s", e->d_name);
				closedir(d);
				if (!access(x->node, R_OK))
					return x->node;
				d = NULL;
				break;
			}
		if (d)
			closedir(d);
		usleep(20000);
	}
	fprintf(stderr, "no event node under %s\n", dir);
	fail();
	return NULL;
}

static void kbd_caps(struct libevdev *d)
{
	libevdev_enable_event_code(d, EV_KEY, KEY_A, NULL);
	libevdev_enable_event_code(d, EV_KEY, KEY_B, NULL);
	libevdev_enable_event_code(d, EV_KEY, KEY_ENTER, NULL);
}

static void mouse_caps(struct libevdev *d)
{
	libevdev_enable_event_code(d, EV_REL, REL_X, NULL);
	libevdev_enable_event_code(d, EV_REL, REL_Y, NULL);
	libevdev_enable_event_code(d, EV_REL, REL_WHEEL, NULL);
	libevdev_enable_event_code(d, EV_KEY, BTN_LEFT, NULL);
	libevdev_enable_event_code(d, EV_KEY, BTN_RIGHT, NULL);
}

static void touch_caps(struct libevdev *d)
{
	struct input_absinfo xy = {
	    .minimum = 0, .maximum = 1000, .resolution = 10};
	struct input_absinfo yy = {
	    .minimum = 0, .maximum = 500, .resolution = 10};
	struct input_absinfo slot = {.minimum = 0, .maximum = 1};
	struct input_absinfo tid = {.minimum = 0, .maximum = 65535};

	libevdev_enable_property(d, INPUT_PROP_DIRECT);
	libevdev_enable_event_code(d, EV_KEY, BTN_TOUCH, NULL);
	libevdev_enable_event_code(d, EV_ABS, ABS_X, &xy);
	libevdev_enable_event_code(d, EV_ABS, ABS_Y, &yy);
	libevdev_enable_event_code(d, EV_ABS, ABS_MT_SLOT, &slot);
	libevdev_enable_event_code(d, EV_ABS, ABS_MT_TRACKING_ID, &tid);
	libevdev_enable_event_code(d, EV_ABS, ABS_MT_POSITION_X, &xy);
	libevdev_enable_event_code(d, EV_ABS, ABS_MT_POSITION_Y, &yy);
}

static void emit(struct dev *x, unsigned int type, unsigned int code, int value)
{
	assert_int_equal(libevdev_uinput_write_event(x->u, type, code, value),
			 0);
}

static void syn(struct dev *x)
{
	emit(x, EV_SYN, SYN_REPORT, 0);
}

/* Read until want events came (or 3 s passed). */
static unsigned int collect(void *s, struct kbdback_event *ev,
			    unsigned int want)
{
	struct pollfd p = {.fd = kbdback_source_libinput.fd(s),
			   .events = POLLIN};
	unsigned int n = 0;

	for (int spins = 0; n < want && spins < 60; spins++) {
		int got;

		poll(&p, 1, 50);
		got = kbdback_source_libinput.read(s, ev + n, want - n);
		assert_true(got >= 0);
		n += (unsigned int)got;
	}
	return n;
}

static bool near(uint32_t a, uint32_t b)
{
	return (a > b ? a - b : b - a) <= KBDBACK_ABS_ONE / 500;
}

static void uinput_devices(void **state)
{
	struct dev kbd, mouse, ts;
	struct kbdback_event ev[32];
	char paths[256];
	void *s = NULL;
	unsigned int n;

	(void)state;
	if (!have_uinput()) {
		fprintf(stderr, "skipped: no /dev/uinput here (run inside "
				"tests/vm for real devices)\n");
		skip();
	}
	make(&kbd, "pvkit test keyboard", kbd_caps);
	make(&mouse, "pvkit test mouse", mouse_caps);
	make(&ts, "pvkit test touchscreen", touch_caps);
	snprintf(paths, sizeof(paths), "%s,%s,%s", node(&kbd), node(&mouse),
		 node(&ts));
	usleep(300000); /* udev tags the new nodes */
	err[0] = '\0';
	assert_int_equal(
	    kbdback_source_libinput.open(paths, &s, err, sizeof(err)), 0);
	assert_int_equal(err[0], '\0');
	assert_int_equal(kbdback_libinput_devices(s), 3);

	emit(&kbd, EV_KEY, KEY_B, 1);
	syn(&kbd);
	emit(&kbd, EV_KEY, KEY_B, 0);
	syn(&kbd);
	n = collect(s, ev, 2);
	assert_int_equal(n, 2);
	assert_int_equal(ev[0].type, KBDBACK_EV_KEY);
	assert_int_equal(ev[0].u.key.code, KEY_B);
	assert_int_equal(ev[0].u.key.pressed, 1);
	assert_int_equal(ev[1].u.key.pressed, 0);

	emit(&mouse, EV_KEY, BTN_LEFT, 1);
	syn(&mouse);
	emit(&mouse, EV_KEY, BTN_LEFT, 0);
	syn(&mouse);
	/* libinput debounces buttons: take them before the wheel. */
	n = collect(s, ev, 2);
	assert_int_equal(n, 2);
	assert_int_equal(ev[0].type, KBDBACK_EV_KEY);
	assert_int_equal(ev[0].u.key.code, BTN_LEFT);
	assert_int_equal(ev[1].u.key.pressed, 0);
	emit(&mouse, EV_REL, REL_WHEEL, 1);
	syn(&mouse);
	emit(&mouse, EV_REL, REL_X, 40);
	emit(&mouse, EV_REL, REL_Y, -40);
	syn(&mouse);
	n = collect(s, ev, 2);
	assert_int_equal(n, 2);
	assert_int_equal(ev[0].type, KBDBACK_EV_WHEEL);
	assert_int_equal(ev[0].u.wheel.dz, 1);
	assert_int_equal(ev[1].type, KBDBACK_EV_MOTION);
	assert_true(ev[1].u.motion.dx > 0);
	assert_true(ev[1].u.motion.dy < 0);

	/* Two fingers down, then both up. */
	emit(&ts, EV_ABS, ABS_MT_SLOT, 0);
	emit(&ts, EV_ABS, ABS_MT_TRACKING_ID, 1);
	emit(&ts, EV_ABS, ABS_MT_POSITION_X, 250);
	emit(&ts, EV_ABS, ABS_MT_POSITION_Y, 250);
	emit(&ts, EV_ABS, ABS_MT_SLOT, 1);
	emit(&ts, EV_ABS, ABS_MT_TRACKING_ID, 2);
	emit(&ts, EV_ABS, ABS_MT_POSITION_X, 750);
	emit(&ts, EV_ABS, ABS_MT_POSITION_Y, 125);
	emit(&ts, EV_KEY, BTN_TOUCH, 1);
	emit(&ts, EV_ABS, ABS_X, 250);
	emit(&ts, EV_ABS, ABS_Y, 250);
	syn(&ts);
	emit(&ts, EV_ABS, ABS_MT_SLOT, 0);
	emit(&ts, EV_ABS, ABS_MT_TRACKING_ID, -1);
	emit(&ts, EV_ABS, ABS_MT_SLOT, 1);
	emit(&ts, EV_ABS, ABS_MT_TRACKING_ID, -1);
	emit(&ts, EV_KEY, BTN_TOUCH, 0);
	syn(&ts);
	n = collect(s, ev, 6);
	assert_int_equal(n, 6);
	assert_int_equal(ev[0].type, KBDBACK_EV_TOUCH_DOWN);
	assert_int_equal(ev[1].type, KBDBACK_EV_TOUCH_DOWN);
	assert_true(ev[0].u.touch.contact != ev[1].u.touch.contact);
	/* libinput maps the axis range's ends to 0 and 1: allow 0.2 %. */
	assert_true(near(ev[0].u.touch.x, KBDBACK_ABS_ONE / 4));
	assert_true(near(ev[0].u.touch.y, KBDBACK_ABS_ONE / 2));
	assert_true(near(ev[1].u.touch.x, KBDBACK_ABS_ONE / 4 * 3));
	assert_true(near(ev[1].u.touch.y, KBDBACK_ABS_ONE / 4));
	assert_int_equal(ev[2].type, KBDBACK_EV_TOUCH_FRAME);
	assert_int_equal(ev[3].type, KBDBACK_EV_TOUCH_UP);
	assert_int_equal(ev[4].type, KBDBACK_EV_TOUCH_UP);
	assert_int_equal(ev[5].type, KBDBACK_EV_TOUCH_FRAME);

	kbdback_source_libinput.close(s);
	drop(&kbd);
	drop(&mouse);
	drop(&ts);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(empty_seat_keeps_running),
    cmocka_unit_test(bad_path_is_named),
    cmocka_unit_test(uinput_devices),
};

PV_UNIT_MAIN("kbdback_libinput", tests)
