/*
 * tests/vm/vinput.c — uinput devices for tests in the VM rig; see vinput.h.
 */
#define _DEFAULT_SOURCE /* usleep */

#include "vinput.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <libudev.h>
#include <linux/input.h>
#include <linux/uinput.h>

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int err(int e, const char *what, const char *detail)
{
	fprintf(stderr, "vinput: %s: %s\n", what,
		detail ? detail : strerror(e));
	return -e;
}

int vinput_emit(const struct vinput *v, int type, int code, int value)
{
	struct input_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = (unsigned short)type;
	ev.code = (unsigned short)code;
	ev.value = value;
	if (write(v->ufd, &ev, sizeof(ev)) != (ssize_t)sizeof(ev))
		return err(errno, "write to uinput", NULL);
	return 0;
}

int vinput_syn(const struct vinput *v)
{
	return vinput_emit(v, EV_SYN, SYN_REPORT, 0);
}

int vinput_touch(const struct vinput *v, int slot, int id, int x, int y)
{
	int rc = vinput_emit(v, EV_ABS, ABS_MT_SLOT, slot);

	if (rc == 0 && id != 0)
		rc = vinput_emit(v, EV_ABS, ABS_MT_TRACKING_ID, id);
	if (rc == 0 && id >= 0)
		rc = vinput_emit(v, EV_ABS, ABS_MT_POSITION_X, x);
	if (rc == 0 && id >= 0)
		rc = vinput_emit(v, EV_ABS, ABS_MT_POSITION_Y, y);
	return rc;
}

static int set_bit(int fd, unsigned long req, int bit)
{
	return ioctl(fd, req, bit) < 0 ? err(errno, "uinput UI_SET_*BIT", NULL)
				       : 0;
}

static int abs_axis(int fd, int code, int max, int res)
{
	struct uinput_abs_setup a;

	memset(&a, 0, sizeof(a));
	a.code = (unsigned short)code;
	a.absinfo.maximum = max;
	a.absinfo.resolution = res;
	if (set_bit(fd, UI_SET_ABSBIT, code) < 0)
		return -EINVAL;
	return ioctl(fd, UI_ABS_SETUP, &a) < 0
		   ? err(errno, "UI_ABS_SETUP", NULL)
		   : 0;
}

static int caps_keyboard(int fd)
{
	int rc = set_bit(fd, UI_SET_EVBIT, EV_KEY);

	/* udev calls it a keyboard when it has keys 1..31 (KEY_ESC..KEY_S). */
	for (int k = KEY_ESC; rc == 0 && k <= KEY_MICMUTE; k++)
		rc = set_bit(fd, UI_SET_KEYBIT, k);
	return rc;
}

static int caps_pointer(int fd)
{
	static const int keys[] = {BTN_LEFT, BTN_RIGHT, BTN_MIDDLE};
	static const int rels[] = {REL_X, REL_Y, REL_WHEEL};
	int rc = set_bit(fd, UI_SET_EVBIT, EV_KEY);

	if (rc == 0)
		rc = set_bit(fd, UI_SET_EVBIT, EV_REL);
	for (size_t i = 0; rc == 0 && i < 3; i++)
		rc = set_bit(fd, UI_SET_KEYBIT, keys[i]);
	for (size_t i = 0; rc == 0 && i < 3; i++)
		rc = set_bit(fd, UI_SET_RELBIT, rels[i]);
	return rc;
}

static int caps_touchscreen(int fd)
{
	int rc = set_bit(fd, UI_SET_EVBIT, EV_KEY);

	if (rc == 0)
		rc = set_bit(fd, UI_SET_EVBIT, EV_ABS);
	if (rc == 0)
		rc = set_bit(fd, UI_SET_KEYBIT, BTN_TOUCH);
	if (rc == 0)
		rc = set_bit(fd, UI_SET_PROPBIT, INPUT_PROP_DIRECT);
	if (rc == 0)
		rc = abs_axis(fd, ABS_X, VINPUT_TS_MAX, VINPUT_TS_RES);
	if (rc == 0)
		rc = abs_axis(fd, ABS_Y, VINPUT_TS_MAX, VINPUT_TS_RES);
	if (rc == 0)
		rc = abs_axis(fd, ABS_MT_SLOT, VINPUT_TS_SLOTS - 1, 0);
	if (rc == 0)
		rc = abs_axis(fd, ABS_MT_TRACKING_ID, 65535, 0);
	if (rc == 0)
		rc = abs_axis(fd, ABS_MT_POSITION_X, VINPUT_TS_MAX,
			      VINPUT_TS_RES);
	if (rc == 0)
		rc = abs_axis(fd, ABS_MT_POSITION_Y, VINPUT_TS_MAX,
			      VINPUT_TS_RES);
	return rc;
}

/* The event node of the input device uinput just made (inputN/eventM). */
static int find_event_node(struct vinput *v)
{
	char sysname[32] = "", dir[96];
	struct dirent *de;
	DIR *d;

	if (ioctl(v->ufd, UI_GET_SYSNAME(sizeof(sysname)), sysname) < 0)
		return err(errno, "UI_GET_SYSNAME", NULL);
	snprintf(dir, sizeof(dir), "/sys/devices/virtual/input/%s", sysname);
	for (long long end = now_ms() + VINPUT_WAIT_MS; now_ms() < end;
	     usleep(10000)) {
		d = opendir(dir);
		if (!d)
			continue;
		while ((de = readdir(d)) != NULL &&
		       strncmp(de->d_name, "event", 5) != 0)
			;
		if (de)
			snprintf(v->node, sizeof(v->node), "/dev/input/%s",
				 de->d_name);
		closedir(d);
		if (de && access(v->node, R_OK) == 0)
			return 0;
	}
	return err(ETIMEDOUT, dir, "no readable event node (evdev loaded?)");
}

static void dump_udev(struct udev_device *d, const char *node)
{
	struct udev_list_entry *e;

	fprintf(stderr, "vinput: udev's view of %s: %s\n", node,
		!d				    ? "no device"
		: udev_device_get_is_initialized(d) ? "initialised"
						    : "not initialised");
	for (e = d ? udev_device_get_properties_list_entry(d) : NULL; e;
	     e = udev_list_entry_get_next(e))
		fprintf(stderr, "  %s=%s\n", udev_list_entry_get_name(e),
			udev_list_entry_get_value(e));
}

static bool prop_is_1(struct udev_device *d, const char *name)
{
	const char *val = udev_device_get_property_value(d, name);

	return val && strcmp(val, "1") == 0;
}

/* Wait until udev's database has the node initialised and classified. */
static int wait_udev(const struct vinput *v)
{
	static const char *const class[] = {
	    "ID_INPUT_KEYBOARD", "ID_INPUT_MOUSE", "ID_INPUT_TOUCHSCREEN"};
	const char *name = strrchr(v->node, '/') + 1;
	struct udev *udev = udev_new();
	struct udev_device *d = NULL;
	bool ok = false;

	if (!udev)
		return err(ENOMEM, "udev_new", NULL);
	for (long long end = now_ms() + VINPUT_WAIT_MS; !ok; usleep(20000)) {
		if (d)
			udev_device_unref(d);
		d = udev_device_new_from_subsystem_sysname(udev, "input", name);
		ok = d && udev_device_get_is_initialized(d) &&
		     prop_is_1(d, "ID_INPUT") && prop_is_1(d, class[v->kind]);
		if (!ok && now_ms() >= end)
			break;
	}
	if (!ok)
		dump_udev(d, v->node);
	if (d)
		udev_device_unref(d);
	udev_unref(udev);
	if (!ok) {
		fprintf(stderr,
			"vinput: udev never tagged %s ID_INPUT=1 and %s=1 "
			"within %d ms (is systemd-udevd running? vm.sh --udev "
			"starts it)\n",
			v->node, class[v->kind], VINPUT_WAIT_MS);
		return -ETIMEDOUT;
	}
	return 0;
}

int vinput_create(struct vinput *v, enum vinput_kind kind, const char *name)
{
	static int (*const caps[])(int) = {caps_keyboard, caps_pointer,
					   caps_touchscreen};
	struct uinput_setup s;
	int rc;

	memset(v, 0, sizeof(*v));
	v->kind = kind;
	v->ufd = open("/dev/uinput", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (v->ufd < 0)
		return err(errno, "open /dev/uinput",
			   errno == ENOENT ? "no such device (this runs in the "
					     "VM rig: vm.sh --module uinput)"
					   : NULL);
	rc = caps[kind](v->ufd);
	if (rc < 0)
		goto fail;
	memset(&s, 0, sizeof(s));
	s.id.bustype = BUS_VIRTUAL;
	s.id.vendor = 0x5056; /* "PV" */
	s.id.product = (unsigned short)(kind + 1);
	s.id.version = 1;
	snprintf(s.name, sizeof(s.name), "%s", name);
	if (ioctl(v->ufd, UI_DEV_SETUP, &s) < 0 ||
	    ioctl(v->ufd, UI_DEV_CREATE) < 0) {
		rc = err(errno, "uinput UI_DEV_SETUP/UI_DEV_CREATE", NULL);
		goto fail;
	}
	rc = find_event_node(v);
	if (rc == 0)
		rc = wait_udev(v);
	if (rc == 0)
		return 0;
fail:
	vinput_destroy(v);
	return rc;
}

void vinput_destroy(struct vinput *v)
{
	if (v->ufd < 0)
		return;
	ioctl(v->ufd, UI_DEV_DESTROY);
	close(v->ufd);
	v->ufd = -1;
}
