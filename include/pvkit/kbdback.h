/*
 * pvkit/kbdback.h — the input backend: keyboards, pointers and touch
 * surfaces of dom0 handed to guests over the vkbd protocol (kbdif).
 *
 * Three parts, each usable alone:
 *
 * Normalized events (struct kbdback_event).  Every host side turns what it
 * sees into these: a key or button (Linux input codes, KEY_* and BTN_*),
 * relative motion, an absolute position, a wheel step, and touch contacts
 * (down, motion, shape, orientation, up) grouped into frames.  Absolute
 * positions are fractions of the host surface, 0 .. KBDBACK_ABS_ONE on
 * each axis, so the same event can be scaled to every guest device's own
 * width and height.  Touch contacts carry the host's own contact id (any
 * 64-bit value, e.g. an SDL finger id or a libinput slot); each device
 * maps them to its protocol ids 0 .. num-contacts - 1.
 *
 * Host sides (struct kbdback_source_ops), one file each: "script" (a text
 * file of timed events, see below), "sdl" (an SDL2 window standing for the
 * guest's screen) and "libinput" (real devices through udev or a list of
 * device paths).  A host side has an fd for the caller's event loop (or
 * asks to be polled every poll_ms) and a read call that never blocks and
 * yields normalized events.  kbdback_source_find() finds one by name.
 *
 * The backend (struct kbdback) registers the vkbd device type with a
 * libpvback instance (pvkit/back.h): devices appear as the toolstack
 * creates them, under backend/vinput (xl's backend-type=linux).  Each
 * device offers what its store keys say (feature-abs-pointer,
 * feature-raw-pointer, feature-multi-touch with multi-touch-width,
 * -height and -num-contacts, feature-disable-keyboard/-pointer, width,
 * height; width and height default to 800 x 600 and are written when
 * missing) and honours the frontend's request-abs-pointer,
 * request-raw-pointer and request-multi-touch.  Events from the host
 * sides go to every connected device (or to one guest: see
 * kbdback_event.target, .target_devs), scaled to that device: pixels of width x height,
 * raw 0..0x7fff, or relative motion for a device that did not ask for
 * absolute positions (and an absolute position kept per device for
 * relative host motion).  Touch frames are written whole, in the
 * protocol's order: per contact DOWN or MOTION, SHAPE, ORIENT, then UP,
 * and one SYN closing the frame.
 *
 * Never blocking.  The backend writes into the shared page and never
 * waits for the guest.  When the ring is full, the event is dropped and
 * counted (kbdback_stats(), and the device's backend node
 * "dropped-events", updated within 100 ms).  What was lost is made good
 * when room returns: keys the guest still holds down are released, and
 * touch contacts come back in line (DOWN for a contact the guest has not
 * seen, UP for one that has gone).  A frontend whose ring indices make no
 * sense is failed (its "error" node says why); other guests go on.
 *
 * The script format (the "script" host side; one command per line, '#'
 * starts a comment; positions are in the script's surface, `size`):
 *
 *     size W H               surface of positions below (default 800 600)
 *     wait N[us|ms|s]        let time pass (default unit ms)
 *     wait connected N       until N devices are connected
 *     target all|DOMID       where the following events go (default all)
 *     key NAME|CODE down|up|press    press = down, then up
 *     button left|right|middle|CODE down|up|press
 *     move DX DY             relative motion
 *     abs X Y                absolute position
 *     wheel DZ               wheel steps
 *     touch down ID X Y      contact ID (any number) touches at X Y
 *     touch move ID X Y
 *     touch shape ID MAJOR MINOR    ellipse axes, in surface units
 *     touch orient ID DEGREES       -180 .. 180
 *     touch up ID
 *     frame                  close the touch frame (also implied at a
 *                            wait and at the end)
 *     loop                   start again from the top
 *
 * Key names are Linux's (KEY_A, BTN_LEFT; case does not matter, the KEY_
 * prefix may be left out).  A mistake is reported as FILE:LINE: message,
 * and the whole file is checked before anything plays.  When FILE is a
 * FIFO the script is live: lines play as they arrive (no loop; a bad line
 * is skipped), so a test or a tool can drive a running backend:
 *     mkfifo /tmp/in; pvbackd --input-source script:/tmp/in &
 *     echo 'key KEY_A press' > /tmp/in
 *
 * Errors are 0 or a negative errno.  Hosted code (Linux, libevent).
 */
#ifndef PVKIT_KBDBACK_H
#define PVKIT_KBDBACK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define KBDBACK_MUST_CHECK __attribute__((warn_unused_result))
#else
#define KBDBACK_MUST_CHECK
#endif

/* ---- normalized events ----------------------------------------------------
 */

/* The far edge of a host surface: positions run 0 .. KBDBACK_ABS_ONE. */
#define KBDBACK_ABS_ONE 65536u

/* kbdback_event.target: every connected device. */
#define KBDBACK_TARGET_ALL (-1)

enum kbdback_ev_type {
	KBDBACK_EV_KEY = 1,	 /* u.key: a key or a pointer button */
	KBDBACK_EV_MOTION,	 /* u.motion: relative pointer motion */
	KBDBACK_EV_ABS,		 /* u.abs: absolute pointer position */
	KBDBACK_EV_WHEEL,	 /* u.wheel */
	KBDBACK_EV_TOUCH_DOWN,	 /* u.touch: a new contact at x, y */
	KBDBACK_EV_TOUCH_MOTION, /* u.touch */
	KBDBACK_EV_TOUCH_UP,	 /* u.touch (contact only) */
	KBDBACK_EV_TOUCH_SHAPE,	 /* u.shape */
	KBDBACK_EV_TOUCH_ORIENT, /* u.orient */
	KBDBACK_EV_TOUCH_FRAME,	 /* closes a set of touch events */
};

struct kbdback_event {
	uint16_t type;	  /* enum kbdback_ev_type */
	int32_t target;	  /* a domid, or KBDBACK_TARGET_ALL */
	/* With a target guest, which of its vkbd devices: a mask of devids
	 * (bit N: device N, N < 32), 0 for all of them.  A guest with no
	 * connected device in the mask gets the event on all of its
	 * devices.  (The sdl display host side sets bit C for a touch in
	 * connector C's window: a guest with a vkbd per connector tells
	 * its screens apart; one with a single vkbd gets every screen's.) */
	uint32_t target_devs;
	uint64_t time_ns; /* CLOCK_MONOTONIC when the host saw it, or 0 */
	union {
		struct {
			uint32_t code; /* KEY_*, BTN_* */
			uint8_t pressed;
		} key;
		struct {
			int32_t dx, dy;
		} motion;
		struct {
			uint32_t x, y; /* 0 .. KBDBACK_ABS_ONE */
		} abs;
		struct {
			int32_t dz;
		} wheel;
		struct {
			uint64_t contact;
			uint32_t x, y; /* 0 .. KBDBACK_ABS_ONE */
		} touch;
		struct {
			uint64_t contact;
			uint32_t major, minor; /* fractions of the width */
		} shape;
		struct {
			uint64_t contact;
			int16_t degrees; /* -180 .. 180 */
		} orient;
	} u;
};

/* Host pixel p of a surface extent pixels wide, as a fraction. */
uint32_t kbdback_abs_from_pixels(int64_t p, uint32_t extent);
/* Name of an event type ("key", "touch-down"...), for logs and tests. */
const char *kbdback_ev_name(unsigned int type);
/* A Linux key or button code from its name ("KEY_A", "a", "btn_left"),
 * or from a number; -EINVAL when it is neither. */
int kbdback_key_code(const char *name, uint32_t *code);

/* ---- host sides ---------------------------------------------------------- */

struct kbdback_source_ops {
	const char *name;
	const char *args_help; /* one line: what open()'s args mean */
	unsigned int poll_ms;  /* fd() -1: call read() this often */
	/* args may be NULL.  0 with *state set; else -errno with a message
	 * for a person in err.  err may hold a notice on success too (e.g.
	 * "no input devices ... waiting"): show it when err[0] is set; the
	 * caller clears err before the call. */
	int (*open)(const char *args, void **state, char *err, size_t errlen);
	void (*close)(void *state);
	/* Readable when read() has something, or -1 (poll, see poll_ms). */
	int (*fd)(void *state);
	/* Up to max events, never blocking: the count (max: call again),
	 * -EPIPE when the source has ended for good, or -errno. */
	int (*read)(void *state, struct kbdback_event *ev, unsigned int max);
	/* Optional: the number of connected devices changed. */
	void (*connected)(void *state, unsigned int n);
};

extern const struct kbdback_source_ops kbdback_source_script;
extern const struct kbdback_source_ops kbdback_source_sdl;
extern const struct kbdback_source_ops kbdback_source_libinput;

/* The host side named name (a prefix up to ':' is enough: "script:FILE"),
 * or NULL when it does not exist or was not built. */
const struct kbdback_source_ops *kbdback_source_find(const char *name);
/* The host sides built in, NULL-terminated. */
const struct kbdback_source_ops *const *kbdback_sources(void);

/* ---- the backend --------------------------------------------------------- */

struct pvback;
struct kbdback;

struct kbdback_stats {
	uint64_t events;   /* ring slots written */
	uint64_t frames;   /* touch frames written (SYNs) */
	uint64_t dropped;  /* slots lost to a full ring */
	uint64_t filtered; /* host events the device does not take */
};

/* Register the vkbd device type (backend/vinput) with pb, whose event
 * loop it shares.  0 or -errno. */
int kbdback_new(struct pvback *pb, struct kbdback **out) KBDBACK_MUST_CHECK;

/* Messages for a person (a source that ended, a notice from a host side,
 * a device failed): level is a syslog priority (LOG_ERR, LOG_NOTICE...).
 * Without a callback they are dropped. */
typedef void kbdback_log_fn(struct kbdback *kb, int level, const char *msg,
			    void *arg);
void kbdback_set_log(struct kbdback *kb, kbdback_log_fn *fn, void *arg);
/* Remove the device type and every source; NULL is fine.  The devices
 * close as pvback_free() closes them. */
void kbdback_free(struct kbdback *kb);

/* Open a host side and put it in pb's event loop.  args: the text after
 * "name:", or NULL.  0 or -errno (err says why). */
int kbdback_add_source(struct kbdback *kb, const struct kbdback_source_ops *ops,
		       const char *args, char *err, size_t errlen);
/* Deliver events as if a host side had read them. */
void kbdback_inject(struct kbdback *kb, const struct kbdback_event *ev,
		    unsigned int n);
/* Devices now connected. */
unsigned int kbdback_connected(const struct kbdback *kb);
/* Counters of device devid of domid (-ENODEV when there is none), or of
 * all devices together (domid -1). */
int kbdback_stats(const struct kbdback *kb, int domid, unsigned int devid,
		  struct kbdback_stats *st);

#ifdef __cplusplus
}
#endif

#endif
