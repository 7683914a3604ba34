/*
 * pvkit/proto/kbdif.h — the para-virtual keyboard, pointer and touch
 * protocol ("vkbd").
 *
 * One vkbd device carries a keyboard, a pointer and optionally a
 * multi-touch surface from the backend (which owns the real input devices)
 * to the guest.  It uses one shared page and one event channel, published
 * by the frontend as "page-gref" and "event-channel".
 *
 * Negotiation in the store, all values decimal strings:
 *
 *   backend writes   feature-abs-pointer, feature-raw-pointer,
 *                    feature-multi-touch ("1" = offered),
 *                    feature-disable-keyboard, feature-disable-pointer
 *                    ("1" = the guest should not expose that device),
 *                    width / height (pointer coordinate range),
 *                    multi-touch-width / -height / -num-contacts
 *   frontend writes  request-abs-pointer, request-raw-pointer,
 *                    request-multi-touch ("1" = wanted; only honoured when
 *                    offered; raw needs abs), page-gref, event-channel
 *
 * Absolute coordinates are in pixels of width x height, or with raw pointer
 * in the unscaled range 0..0x7fff.
 *
 * The shared page (4096 bytes):
 *
 *   0     struct xenkbd_page         in/out consumer and producer indices
 *   1024  in ring, 2048 bytes        union xenkbd_in_event, 40 bytes each,
 *                                    written by the backend
 *   3072  out ring, 1024 bytes       union xenkbd_out_event, 40 bytes each,
 *                                    written by the frontend (unused today)
 *
 * Indices run freely; the slot of index i is i % XENKBD_IN_RING_LEN (51
 * slots, not a power of two, so mask arithmetic does not apply).  Every
 * event starts with its type byte; a frontend skips types it does not know,
 * and reserved bytes are written as zero.
 *
 * Multi-touch: each contact's events start with XENKBD_MT_EV_DOWN, go on
 * with MOTION, SHAPE and ORIENT, and end with UP, all tagged with the
 * contact's id (0 .. num-contacts - 1, reusable after UP).  SYN closes a set
 * of events that belong to the same instant.
 *
 * This header is layout only; it needs no ring library.
 */
#ifndef PVKIT_PROTO_KBDIF_H
#define PVKIT_PROTO_KBDIF_H

#include <stdint.h>

/* Event types (the first byte of every in event). */
#define XENKBD_TYPE_MOTION   1 /* struct xenkbd_motion */
#define XENKBD_TYPE_RESERVED 2 /* never sent */
#define XENKBD_TYPE_KEY	     3 /* struct xenkbd_key */
#define XENKBD_TYPE_POS	     4 /* struct xenkbd_position */
#define XENKBD_TYPE_MTOUCH   5 /* struct xenkbd_mtouch */

/* xenkbd_mtouch.event_type */
#define XENKBD_MT_EV_DOWN   0 /* u.pos */
#define XENKBD_MT_EV_UP	    1
#define XENKBD_MT_EV_MOTION 2 /* u.pos */
#define XENKBD_MT_EV_SYN    3
#define XENKBD_MT_EV_SHAPE  4 /* u.shape */
#define XENKBD_MT_EV_ORIENT 5 /* u.orientation */

/* Device type name in store paths (device/vkbd, backend/vkbd). */
#define XENKBD_DRIVER_NAME "vkbd"

/* Store node names. */
#define XENKBD_FIELD_FEAT_DSBL_KEYBRD  "feature-disable-keyboard"
#define XENKBD_FIELD_FEAT_DSBL_POINTER "feature-disable-pointer"
#define XENKBD_FIELD_FEAT_ABS_POINTER  "feature-abs-pointer"
#define XENKBD_FIELD_FEAT_RAW_POINTER  "feature-raw-pointer"
#define XENKBD_FIELD_FEAT_MTOUCH       "feature-multi-touch"
#define XENKBD_FIELD_REQ_ABS_POINTER   "request-abs-pointer"
#define XENKBD_FIELD_REQ_RAW_POINTER   "request-raw-pointer"
#define XENKBD_FIELD_REQ_MTOUCH	       "request-multi-touch"
#define XENKBD_FIELD_RING_GREF	       "page-gref"
#define XENKBD_FIELD_EVT_CHANNEL       "event-channel"
#define XENKBD_FIELD_WIDTH	       "width"
#define XENKBD_FIELD_HEIGHT	       "height"
#define XENKBD_FIELD_MT_WIDTH	       "multi-touch-width"
#define XENKBD_FIELD_MT_HEIGHT	       "multi-touch-height"
#define XENKBD_FIELD_MT_NUM_CONTACTS   "multi-touch-num-contacts"
#define XENKBD_FIELD_UNIQUE_ID	       "unique-id"
/* Legacy: the shared page as a frame number rather than a grant. */
#define XENKBD_FIELD_RING_REF "page-ref"

/* Relative pointer motion; rel_z is the wheel.  Bytes 1..3 are padding. */
struct xenkbd_motion {
	uint8_t type; /* XENKBD_TYPE_MOTION */
	int32_t rel_x;
	int32_t rel_y;
	int32_t rel_z;
};

/* A key or pointer button; keycode uses the Linux input event codes. */
struct xenkbd_key {
	uint8_t type;	 /* XENKBD_TYPE_KEY */
	uint8_t pressed; /* 1 down, 0 up */
	uint32_t keycode;
};

/* Absolute pointer position; rel_z is the wheel.  Bytes 1..3 are padding. */
struct xenkbd_position {
	uint8_t type; /* XENKBD_TYPE_POS */
	int32_t abs_x;
	int32_t abs_y;
	int32_t rel_z;
};

/*
 * A multi-touch event for one contact.  The shape is an ellipse: major and
 * minor are its axis lengths in pixels, orientation the clockwise angle in
 * degrees (-180..180) from the positive Y axis to the major axis.
 */
struct xenkbd_mtouch {
	uint8_t type;	    /* XENKBD_TYPE_MTOUCH */
	uint8_t event_type; /* XENKBD_MT_EV_* */
	uint8_t contact_id;
	uint8_t reserved[5];
	union {
		struct {
			int32_t abs_x;
			int32_t abs_y;
		} pos;
		struct {
			uint32_t major;
			uint32_t minor;
		} shape;
		int16_t orientation;
	} u;
};

/* A slot of the in ring (backend to frontend). */
#define XENKBD_IN_EVENT_SIZE 40

union xenkbd_in_event {
	uint8_t type; /* XENKBD_TYPE_*: selects the member */
	struct xenkbd_motion motion;
	struct xenkbd_key key;
	struct xenkbd_position pos;
	struct xenkbd_mtouch mtouch;
	char pad[XENKBD_IN_EVENT_SIZE];
};

/* A slot of the out ring (frontend to backend); no types are defined. */
#define XENKBD_OUT_EVENT_SIZE 40

union xenkbd_out_event {
	uint8_t type;
	char pad[XENKBD_OUT_EVENT_SIZE];
};

/* The in ring: its size and place in the shared page, slots in it. */
#define XENKBD_IN_RING_SIZE 2048
#define XENKBD_IN_RING_LEN  (XENKBD_IN_RING_SIZE / XENKBD_IN_EVENT_SIZE)
#define XENKBD_IN_RING_OFFS 1024
/* The first in slot of the shared page at PAGE. */
#define XENKBD_IN_RING(page)                                                   \
	((union xenkbd_in_event *)((char *)(page) + XENKBD_IN_RING_OFFS))
/* The in slot for free-running index IDX. */
#define XENKBD_IN_RING_REF(page, idx)                                          \
	(XENKBD_IN_RING((page))[(idx) % XENKBD_IN_RING_LEN])

/* The out ring follows the in ring. */
#define XENKBD_OUT_RING_SIZE 1024
#define XENKBD_OUT_RING_LEN  (XENKBD_OUT_RING_SIZE / XENKBD_OUT_EVENT_SIZE)
#define XENKBD_OUT_RING_OFFS (XENKBD_IN_RING_OFFS + XENKBD_IN_RING_SIZE)
/* The first out slot of the shared page at PAGE. */
#define XENKBD_OUT_RING(page)                                                  \
	((union xenkbd_out_event *)((char *)(page) + XENKBD_OUT_RING_OFFS))
/* The out slot for free-running index IDX. */
#define XENKBD_OUT_RING_REF(page, idx)                                         \
	(XENKBD_OUT_RING((page))[(idx) % XENKBD_OUT_RING_LEN])

/* The start of the shared page: the backend produces at in_prod and the
 * frontend consumes at in_cons; out_* the other way round. */
struct xenkbd_page {
	uint32_t in_cons, in_prod;
	uint32_t out_cons, out_prod;
};

#endif
