/*
 * tests/vm/vinput.h — virtual input devices made with uinput, for tests that
 * run inside the VM rig (vm.sh --module uinput --module evdev --udev).
 *
 * vinput_create() makes a keyboard, a relative pointer (three buttons and a
 * wheel) or a ten-slot multi-touch touchscreen (INPUT_PROP_DIRECT, 4096 x
 * 4096 units at 16 units/mm), finds its /dev/input/eventN node and waits
 * until udev has classified it (ID_INPUT plus ID_INPUT_KEYBOARD, _MOUSE or
 * _TOUCHSCREEN): libinput, through udev or its path backend, ignores a
 * device before that.  The caller then writes evdev frames with
 * vinput_emit() and vinput_syn() (vinput_touch() for one multi-touch
 * contact) and reads them back through whatever it tests.
 * vinput_destroy() unplugs the device.
 *
 * Functions return 0 or a negative errno and print the reason on stderr
 * (-ETIMEDOUT when udev never tagged the device: is udevd running?).
 */
#ifndef PVKIT_TESTS_VINPUT_H
#define PVKIT_TESTS_VINPUT_H

enum vinput_kind {
	VINPUT_KEYBOARD,    /* KEY_ESC..KEY_MICMUTE */
	VINPUT_POINTER,	    /* REL_X, REL_Y, REL_WHEEL, BTN_LEFT/RIGHT/MIDDLE */
	VINPUT_TOUCHSCREEN, /* ABS_X/Y, ABS_MT_SLOT/TRACKING_ID/POSITION_X/Y */
};

#define VINPUT_TS_MAX	4095 /* axis range 0..MAX on both axes */
#define VINPUT_TS_RES	16   /* units per millimetre */
#define VINPUT_TS_SLOTS 10

/* How long vinput_create() waits for the event node and for udev. */
#define VINPUT_WAIT_MS 10000

struct vinput {
	int ufd; /* /dev/uinput handle; -1 once destroyed */
	enum vinput_kind kind;
	char node[300]; /* /dev/input/eventN */
};

/* A struct vinput not yet created: destroying it does nothing. */
#define VINPUT_INIT                                                            \
	{                                                                      \
		.ufd = -1                                                      \
	}

/* Make the device named `name` and wait until udev has tagged it. */
int vinput_create(struct vinput *v, enum vinput_kind kind, const char *name)
    __attribute__((warn_unused_result));
/* Unplug it (safe to call twice, or after a failed create). */
void vinput_destroy(struct vinput *v);

/* One evdev event; an EV_SYN/SYN_REPORT ends the frame. */
int vinput_emit(const struct vinput *v, int type, int code, int value);
int vinput_syn(const struct vinput *v);

/* One multi-touch contact in `slot`: id > 0 starts a touch there at (x, y),
 * 0 moves the one already there, -1 lifts it (x and y unused).  No SYN. */
int vinput_touch(const struct vinput *v, int slot, int id, int x, int y);

#endif
