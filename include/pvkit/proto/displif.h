/*
 * pvkit/proto/displif.h — the para-virtual display protocol ("vdispl").
 *
 * One vdispl device is a virtual display controller with one or more
 * connectors (virtual monitors).  The toolstack writes, in the frontend's
 * store directory:
 *
 *   device/vdispl/<dev>/be-alloc             "1": the backend may allocate
 *                                            buffers for the guest
 *   device/vdispl/<dev>/<con>/resolution     "<width>x<height>" visible area
 *   device/vdispl/<dev>/<con>/unique-id      stable name of the connector
 *
 * The backend lists the versions it speaks in "versions"; the frontend picks
 * one for "version".  Per connector the frontend creates two channels and
 * publishes them under device/vdispl/<dev>/<con>/:
 *
 *   req-ring-ref / req-event-channel  a one-page request/response ring of
 *                                     struct xendispl_req / xendispl_resp
 *                                     (64 bytes each);
 *   evt-ring-ref / evt-event-channel  a one-page event page
 *                                     (struct xendispl_event_page followed by
 *                                     struct xendispl_evt slots).
 *
 * Drawing works with two kinds of objects, each named by a 64-bit cookie the
 * frontend chooses (0 is never valid, and a cookie is unique per guest):
 *
 *   display buffer (dbuf)  memory holding pixels, shared through a chain of
 *                          page directories; created with DBUF_CREATE on
 *                          connector 0's ring.  With
 * XENDISPL_DBUF_FLG_REQ_ALLOC (only if be-alloc is "1") the backend supplies
 * the pages and fills the directory with its grants; framebuffer (fb)       a
 * dbuf seen with a size and a FOURCC pixel format (FB_ATTACH).
 *
 * SET_CONFIG shows a framebuffer on a connector (all zeros switches the
 * connector off); PG_FLIP asks to show another one, and the backend answers
 * with a XENDISPL_EVT_PG_FLIP event when the flip is done.  GET_EDID
 * (version 2) lets the backend describe the monitor; its answer, when given,
 * takes precedence over "resolution".
 *
 * Every request, response and event is 64 bytes: an 8-byte header and a
 * 56-byte payload union.  Responses copy id and operation and carry status
 * 0 or a negative errno value.  Three payloads (dbuf_create, fb_attach,
 * set_config) end in 4 bytes of tail padding where uint64_t is 8-byte
 * aligned, but not on i386: their sizeof differs between architectures while
 * every field offset and the 64-byte slot do not.
 *
 * This header is layout only.  The ring itself comes from pvkit/proto/ring.h
 * and the functions in pvkit/ring.h.
 */
#ifndef PVKIT_PROTO_DISPLIF_H
#define PVKIT_PROTO_DISPLIF_H

#include <stdint.h>

#include "grant_table.h"
#include "ring.h"

/* Highest protocol version described here, as written in the store and as
 * a number. */
#define XENDISPL_PROTOCOL_VERSION     "2"
#define XENDISPL_PROTOCOL_VERSION_INT 2

/* Request operations (xendispl_req.operation, echoed in the response). */
#define XENDISPL_OP_DBUF_CREATE	 0x10
#define XENDISPL_OP_DBUF_DESTROY 0x11
#define XENDISPL_OP_FB_ATTACH	 0x12
#define XENDISPL_OP_FB_DETACH	 0x13
#define XENDISPL_OP_SET_CONFIG	 0x14
#define XENDISPL_OP_PG_FLIP	 0x15
#define XENDISPL_OP_GET_EDID	 0x16 /* version 2 and later */

/* Event types (xendispl_evt.type). */
#define XENDISPL_EVT_PG_FLIP 0x00

/* Device type name in store paths (device/vdispl, backend/vdispl). */
#define XENDISPL_DRIVER_NAME "vdispl"

/* Joins the items of list-valued store nodes. */
#define XENDISPL_LIST_SEPARATOR ","
/* Between width and height in "resolution". */
#define XENDISPL_RESOLUTION_SEPARATOR "x"

/* Store node names. */
#define XENDISPL_FIELD_BE_VERSIONS  "versions"
#define XENDISPL_FIELD_FE_VERSION   "version"
#define XENDISPL_FIELD_REQ_RING_REF "req-ring-ref"
#define XENDISPL_FIELD_REQ_CHANNEL  "req-event-channel"
#define XENDISPL_FIELD_EVT_RING_REF "evt-ring-ref"
#define XENDISPL_FIELD_EVT_CHANNEL  "evt-event-channel"
#define XENDISPL_FIELD_RESOLUTION   "resolution"
#define XENDISPL_FIELD_BE_ALLOC	    "be-alloc"
#define XENDISPL_FIELD_UNIQUE_ID    "unique-id"

/* EDID comes in 128-byte blocks; a GET_EDID buffer must hold the largest
 * possible EDID. */
#define XENDISPL_EDID_BLOCK_SIZE  128
#define XENDISPL_EDID_BLOCK_COUNT 256
#define XENDISPL_EDID_MAX_SIZE                                                 \
	(XENDISPL_EDID_BLOCK_SIZE * XENDISPL_EDID_BLOCK_COUNT)

/* xendispl_dbuf_create_req.flags: the backend is to allocate the pages.
 * Other bits must be zero. */
#define XENDISPL_DBUF_FLG_REQ_ALLOC (1 << 0)

/*
 * DBUF_CREATE: a display buffer of buffer_sz bytes, width x height pixels of
 * bpp bits, whose pixels start data_ofs bytes into the buffer.  The
 * buffer's page grants are listed by the directory chain at gref_directory.
 */
struct xendispl_dbuf_create_req {
	uint64_t dbuf_cookie;
	uint32_t width;
	uint32_t height;
	uint32_t bpp;
	uint32_t buffer_sz;
	uint32_t flags; /* XENDISPL_DBUF_FLG_* */
	grant_ref_t gref_directory;
	uint32_t data_ofs;
};

/*
 * One page of a buffer's page directory: the grant of the next directory
 * page (0 ends the chain), then as many buffer page grants as fit in the
 * page; the total is ceil(buffer_sz / 4096).  gref[] is declared with one
 * element; index past it within the page.
 */
struct xendispl_page_directory {
	grant_ref_t gref_dir_next_page;
	grant_ref_t gref[1];
};

/* DBUF_DESTROY: forget a display buffer (and stop sharing its pages). */
struct xendispl_dbuf_destroy_req {
	uint64_t dbuf_cookie;
};

/* FB_ATTACH: make framebuffer fb_cookie out of display buffer dbuf_cookie. */
struct xendispl_fb_attach_req {
	uint64_t dbuf_cookie;
	uint64_t fb_cookie;
	uint32_t width;
	uint32_t height;
	uint32_t pixel_format; /* FOURCC code */
};

/* FB_DETACH: forget a framebuffer; its display buffer stays. */
struct xendispl_fb_detach_req {
	uint64_t fb_cookie;
};

/* SET_CONFIG: show fb_cookie on this connector at (x, y), width x height,
 * within the connector's resolution.  All zeros turns the connector off. */
struct xendispl_set_config_req {
	uint64_t fb_cookie;
	uint32_t x;
	uint32_t y;
	uint32_t width;
	uint32_t height;
	uint32_t bpp;
};

/* PG_FLIP: show fb_cookie next. */
struct xendispl_page_flip_req {
	uint64_t fb_cookie;
};

/* GET_EDID: a buffer of buffer_sz bytes (at least XENDISPL_EDID_MAX_SIZE)
 * for the backend to write the connector's EDID into. */
struct xendispl_get_edid_req {
	uint32_t buffer_sz;
	grant_ref_t gref_directory;
};

/* GET_EDID answer: bytes of EDID written. */
struct xendispl_get_edid_resp {
	uint32_t edid_sz;
};

/* XENDISPL_EVT_PG_FLIP: the flip to fb_cookie has completed. */
struct xendispl_pg_flip_evt {
	uint64_t fb_cookie;
};

/* A request slot: 8-byte header, then the operation's arguments. */
struct xendispl_req {
	uint16_t id;	   /* chosen by the frontend, echoed back */
	uint8_t operation; /* XENDISPL_OP_* */
	uint8_t reserved[5];
	union {
		struct xendispl_dbuf_create_req dbuf_create;
		struct xendispl_dbuf_destroy_req dbuf_destroy;
		struct xendispl_fb_attach_req fb_attach;
		struct xendispl_fb_detach_req fb_detach;
		struct xendispl_set_config_req set_config;
		struct xendispl_page_flip_req pg_flip;
		struct xendispl_get_edid_req get_edid;
		uint8_t reserved[56];
	} op;
};

/* A response slot: only GET_EDID answers with a payload. */
struct xendispl_resp {
	uint16_t id;
	uint8_t operation;
	uint8_t reserved;
	int32_t status; /* 0 or a negative errno value */
	union {
		struct xendispl_get_edid_resp get_edid;
		uint8_t reserved1[56];
	} op;
};

/* An event slot on the event page. */
struct xendispl_evt {
	uint16_t id;
	uint8_t type; /* XENDISPL_EVT_* */
	uint8_t reserved[5];
	union {
		struct xendispl_pg_flip_evt pg_flip;
		uint8_t reserved[56];
	} op;
};

/*
 * The event page: the backend produces events at in_prod, the frontend
 * consumes them at in_cons (both free-running).  Event slots follow this
 * header up to the end of the page; slot = index % XENDISPL_IN_RING_LEN.
 */
struct xendispl_event_page {
	uint32_t in_cons;
	uint32_t in_prod;
	uint8_t reserved[56];
};

#define XENDISPL_EVENT_PAGE_SIZE 4096
#define XENDISPL_IN_RING_OFFS	 (sizeof(struct xendispl_event_page))
#define XENDISPL_IN_RING_SIZE	 (XENDISPL_EVENT_PAGE_SIZE - XENDISPL_IN_RING_OFFS)
#define XENDISPL_IN_RING_LEN                                                   \
	(XENDISPL_IN_RING_SIZE / sizeof(struct xendispl_evt))
/* The first event slot of the event page at PAGE. */
#define XENDISPL_IN_RING(page)                                                 \
	((struct xendispl_evt *)((char *)(page) + XENDISPL_IN_RING_OFFS))
/* The event slot for free-running index IDX. */
#define XENDISPL_IN_RING_REF(page, idx)                                        \
	(XENDISPL_IN_RING((page))[(idx) % XENDISPL_IN_RING_LEN])

#endif
