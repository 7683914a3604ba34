/*
 * pvkit/kbdfront.h — the guest's input device: keys, pointer and touch
 * events from dom0 over the vkbd protocol (kbdif).
 *
 * Freestanding (no libc), caller-owned memory, like the rest of
 * libpvfront.  Two levels:
 *
 * The ring reader (struct kbdfront_ring) works on a mapped shared page
 * alone: kbdfront_ring_consume() takes every event the backend produced,
 * copies each slot once into private memory, decodes it into a struct
 * kbdfront_event and hands it to a callback, in ring order; then it tells
 * the backend the slots are free.  Events of unknown type are skipped (as
 * the protocol asks), and so are touch events naming a contact beyond the
 * agreed number; both are counted.  A backend whose producer index runs
 * more than a ring ahead is broken: -EIO, nothing consumed.
 *
 * The device (struct kbdfront, on libpvfront's pvkit/front.h) finds
 * device/vkbd/<id>, reads what the backend offers, asks for absolute
 * pointer, raw coordinates and multi-touch as the caller wants (only what
 * is offered), publishes page-gref and event-channel, connects, and from
 * then on calls the event callback from pvfront_poll() whenever the
 * backend raises the port.
 *
 *     static struct kbdfront kf;   // caller-owned
 *     struct kbdfront_config cfg = { .want_abs = true,
 *                                    .want_mtouch = true,
 *                                    .on_event = my_event, .arg = me };
 *     rc = kbdfront_open(&kf, pf, 0, &cfg, 5000);  // devid 0, 5 s
 *     for (;;) pvfront_poll(pf, -1);                // my_event() runs
 *     kbdfront_close(&kf, 5000);
 *
 * Errors are 0 or a negative XEN_E* errno.
 */
#ifndef PVKIT_KBDFRONT_H
#define PVKIT_KBDFRONT_H

#include <stdbool.h>
#include <stdint.h>

#include "pvkit/front.h"
#include "pvkit/proto/kbdif.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One decoded event.  type is the wire's XENKBD_TYPE_*; for
 * XENKBD_TYPE_MTOUCH, mt_event says which XENKBD_MT_EV_*. */
struct kbdfront_event {
	uint8_t type;
	uint8_t mt_event;
	uint8_t contact;
	uint8_t pressed;  /* KEY */
	uint32_t keycode; /* KEY: Linux KEY_* / BTN_* */
	int32_t x, y;	  /* MOTION: relative; POS, MT DOWN/MOTION: absolute */
	int32_t z;	  /* MOTION, POS: the wheel */
	uint32_t major, minor; /* MT SHAPE */
	int16_t orientation;   /* MT ORIENT, degrees */
};

struct kbdfront_ring;
typedef void kbdfront_ring_fn(struct kbdfront_ring *r,
			      const struct kbdfront_event *ev, void *arg);

struct kbdfront_ring {
	struct xenkbd_page *page;
	unsigned int contacts; /* touch contacts agreed, 0: none */
	uint64_t events;       /* delivered */
	uint64_t skipped;      /* unknown types, contacts out of range */
};

/* Start reading page (zeroed by the caller before it was shared). */
void kbdfront_ring_init(struct kbdfront_ring *r, struct xenkbd_page *page,
			unsigned int contacts);
/* Deliver every event waiting, in order.  The number delivered, or
 * -XEN_EIO when the backend's index is beyond the ring. */
int kbdfront_ring_consume(struct kbdfront_ring *r, kbdfront_ring_fn *cb,
			  void *arg);
/* Decode one slot (a private copy).  false for a type to skip. */
bool kbdfront_decode(const union xenkbd_in_event *in,
		     struct kbdfront_event *out);

/* ---- the device ---------------------------------------------------------- */

struct kbdfront;
typedef void kbdfront_event_fn(struct kbdfront *kf,
			       const struct kbdfront_event *ev, void *arg);
/* The link came up (connected true) or went away (false, with why:
 * -XEN_ENOTCONN the backend went away, a reconnect may follow). */
typedef void kbdfront_link_fn(struct kbdfront *kf, bool connected, int reason,
			      void *arg);

struct kbdfront_config {
	bool want_abs;	  /* absolute positions instead of motion */
	bool want_raw;	  /* ... unscaled, 0..0x7fff (needs want_abs) */
	bool want_mtouch; /* multi-touch */
	kbdfront_event_fn *on_event; /* required */
	kbdfront_link_fn *on_link;   /* optional */
	void *arg;
};

/* What is in effect once connected: asked for and offered. */
struct kbdfront_info {
	bool abs, raw, mtouch;
	bool no_keyboard, no_pointer; /* the backend's advice */
	uint32_t width, height;	      /* pointer range (raw: 0x7fff) */
	uint32_t mt_width, mt_height, mt_contacts;
};

struct kbdfront {
	struct pvfront_dev dev;
	struct pvfront_pages page;
	struct pvfront_port port;
	struct kbdfront_ring ring;
	struct kbdfront_config cfg;
	struct kbdfront_info info;
	bool up;
};

/* Open device/vkbd/<devid> of pf, set up its page and port, and connect
 * within timeout_ms (0: connect in the background, -XEN_EAGAIN).  cfg is
 * copied.  0 once Connected; -XEN_ETIMEDOUT leaves the device open and
 * connecting (close it or poll on); other errors leave nothing open. */
PVFRONT_MUST_CHECK int kbdfront_open(struct kbdfront *kf, struct pvfront *pf,
				     uint32_t devid,
				     const struct kbdfront_config *cfg,
				     int timeout_ms);
/* Close and give everything back (see pvfront_dev_close). */
int kbdfront_close(struct kbdfront *kf, int timeout_ms);
/* Deliver what waits in the ring now (the port's handler does this). */
int kbdfront_poll(struct kbdfront *kf);
const struct kbdfront_info *kbdfront_info(const struct kbdfront *kf);
bool kbdfront_connected(const struct kbdfront *kf);

#ifdef __cplusplus
}
#endif

#endif
