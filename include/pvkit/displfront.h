/*
 * pvkit/displfront.h — the guest's virtual display: framebuffers in guest
 * memory shown on dom0's monitors over the vdispl protocol (displif).
 *
 * Freestanding (no libc), caller-owned memory, on libpvfront
 * (pvkit/front.h), like sndfront.
 *
 * A vdispl device is one display controller with connectors (monitors).
 * The toolstack writes, for each connector c = 0, 1, ...,
 * device/vdispl/<dev>/<c>/resolution ("WxH") and unique-id.
 * displfront_open() reads them (up to DISPLFRONT_CONNECTORS_MAX), gives
 * every connector a request ring and an event page with a port each,
 * publishes them in the connector's directory with the handshake, picks
 * the highest protocol version the backend lists in "versions" (1 or 2)
 * and connects.  displfront_conn_info() then says what each connector is.
 *
 *     static struct displfront df;          // caller-owned, not on a stack
 *     static struct displfront_dbuf db;     // one per buffer
 *     static struct displfront_fb fb;
 *     static grant_ref_t refs[N], dirs[M];  // displfront_dbuf_pages()
 *     struct displfront_config cfg = { .on_flip = my_flip, .arg = me };
 *     rc = displfront_open(&df, pf, 0, &cfg, 5000);   // device 0, 5 s
 *     struct displfront_dbuf_params p = { .width = 800, .height = 480,
 *             .bpp = 32, .refs = refs, .dir_refs = dirs };
 *     rc = displfront_dbuf_create(&df, &db, &p);   // pixels: db.pixels
 *     rc = displfront_fb_attach(&df, &fb, &db, PV_DISPLIF_FMT_XRGB8888);
 *     rc = displfront_set_config(&df, 0, &fb, 0, 0, 800, 480);
 *     ... draw into db.pixels (db.stride bytes a line) ...
 *     rc = displfront_flip(&df, 0, &fb, 0);        // accepted
 *     rc = displfront_flip_wait(&df, 0, 1000);     // shown
 *     displfront_close(&df, 5000);
 *
 * Display buffers (struct displfront_dbuf) are pages of guest memory
 * (pvfront_pgdir_alloc) shared with the backend through a page directory;
 * the pixels start data_ofs bytes in and run stride = width * bpp / 8
 * bytes a line (displif carries no stride, so both sides take the
 * tightest line, as DRM's dumb buffers do).  Framebuffers (struct
 * displfront_fb) are a buffer seen with a pixel format (a DRM FOURCC:
 * PV_DISPLIF_FMT_*).  Both are named on the wire by 64-bit cookies, 0
 * never; the library picks them (a counter per device) unless the caller
 * sets one.
 *
 * Buffers the backend provides (be-alloc).  When the toolstack set the
 * device's "be-alloc" to "1" (displfront_be_alloc()) and the OS can map
 * other domains' grants (pvfront_can_map_grants()), a buffer created with
 * DISPLFRONT_DBUF_BACKEND_ALLOC is the backend's memory: displfront
 * shares only the page directory (writable), asks with
 * XENDISPL_DBUF_FLG_REQ_ALLOC, reads the backend's grants from the
 * directory it filled (into params.refs) and maps them; pixels then point
 * into that mapping.  Destroying such a buffer unmaps it first, then asks
 * the backend to free it.
 *
 * Rings: as the protocol asks, requests that are not about one connector
 * (DBUF_CREATE, DBUF_DESTROY, FB_ATTACH, FB_DETACH) go on connector 0's
 * ring; SET_CONFIG, PG_FLIP and GET_EDID on the connector's own.  One
 * request at a time per ring: each call puts its request on the ring and
 * waits (pvfront_poll) for the answer up to the connector's timeout
 * (displfront_set_timeout, 3 s).  displfront_flip() with
 * DISPLFRONT_NONBLOCK returns once the request is sent; its answer's
 * failure is returned once, by the next call on that ring.
 *
 * Flips: the backend answers PG_FLIP when it took the request and sends a
 * XENDISPL_EVT_PG_FLIP event on the connector's event page when the frame
 * is on screen.  That event calls cfg.on_flip from pvfront_poll() and
 * ends the connector's pending flip; displfront_flip_wait() waits for it.
 * A second flip while one is pending is sent all the same (a backend may
 * replace it); displfront_flip_pending() tells.
 *
 * The backend is not trusted, and nothing here waits for ever:
 *   - no answer within the timeout: -XEN_ETIMEDOUT.  The request stays
 *     outstanding; a late answer is dropped when it comes and the ring is
 *     free again (until then: -XEN_EBUSY);
 *   - an answer whose id names no outstanding request is dropped and
 *     counted (displfront_conn_stats); the right id with the wrong
 *     operation, a positive status, or a GET_EDID size larger than the
 *     buffer: -XEN_EBADMSG;
 *   - a response or event producer index more than a ring ahead: the
 *     device fails (pvfront_dev_fail, -XEN_EIO) — every call says so;
 *   - events of an unknown type, and flip events naming a framebuffer
 *     that is not pending on that connector, are skipped and counted.
 * The backend's own status (a negative errno) is returned as it is.
 *
 * One thread, as libpvfront: calls made from inside a libpvfront callback
 * (on_flip, on_link) may not wait, so only DISPLFRONT_NONBLOCK flips work
 * there.  After a reconnect (a backend restarted) the backend knows no
 * buffer: displfront marks them all gone (calls on them say -XEN_EBADF;
 * destroy them and create them again).  Errors are 0 or a negative XEN_E*.
 */
#ifndef PVKIT_DISPLFRONT_H
#define PVKIT_DISPLFRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvkit/displif.h"
#include "pvkit/front.h"
#include "pvkit/proto/displif.h"
#include "pvkit/ring.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DISPLFRONT_CONNECTORS_MAX 8u
#define DISPLFRONT_ID_MAX	  64u /* unique-id, with its NUL */

/* Pixel formats are pvkit/displif.h's (PV_DISPLIF_FMT_*, shared with
 * the backend); the DISPLFRONT_ names are the same values. */
#define DISPLFRONT_FOURCC	PV_DISPLIF_FOURCC
#define DISPLFRONT_FMT_XRGB8888 PV_DISPLIF_FMT_XRGB8888
#define DISPLFRONT_FMT_ARGB8888 PV_DISPLIF_FMT_ARGB8888
#define DISPLFRONT_FMT_RGB565	PV_DISPLIF_FMT_RGB565

/* pv_displif_format_bpp(): bits per pixel, 0 for no format. */
uint32_t displfront_format_bpp(uint32_t fourcc);

/* What the store says of a connector. */
struct displfront_conn_info {
	uint32_t index;
	uint32_t width, height; /* "resolution" */
	char unique_id[DISPLFRONT_ID_MAX];
};

struct displfront;

struct displfront_config {
	/* Optional: connector con showed framebuffer fb_cookie. */
	void (*on_flip)(struct displfront *df, unsigned int con,
			uint64_t fb_cookie, void *arg);
	/* Optional: the link came up (up) or went (reason as libpvfront's
	 * disconnect). */
	void (*on_link)(struct displfront *df, bool up, int reason, void *arg);
	void *arg;
};

struct displfront_stats {
	uint32_t stray_rsp;  /* answers naming no outstanding request */
	uint32_t bad_evt;    /* events of unknown type */
	uint32_t stray_flip; /* flip events for no pending flip */
	uint32_t flips;	     /* flip events taken */
};

/* A display buffer's shape (displfront_dbuf_create). */
struct displfront_dbuf_params {
	uint32_t width, height; /* pixels, not 0 */
	uint32_t bpp;		/* bits per pixel: 8, 16, 24 or 32 */
	uint32_t data_ofs;	/* bytes before the first pixel */
	uint64_t cookie;	/* 0: the library picks one */
	/* displfront_dbuf_pages() and displfront_dbuf_dir_pages() entries
	 * (the caller's memory, kept until the buffer is destroyed) */
	grant_ref_t *refs, *dir_refs;
	unsigned int flags; /* DISPLFRONT_DBUF_* */
};

/* The backend provides the pages (be-alloc; see above). */
#define DISPLFRONT_DBUF_BACKEND_ALLOC (1u << 0)

/* A display buffer (caller-owned; fields read-only once created). */
struct displfront_dbuf {
	struct displfront_dbuf *next; /* the device's list */
	uint64_t cookie;
	uint32_t width, height, bpp, data_ofs;
	uint32_t stride; /* bytes a line: width * bpp / 8 */
	uint32_t size;	 /* buffer_sz: data_ofs + stride * height */
	uint8_t *pixels; /* the first pixel (buffer + data_ofs) */
	struct pvfront_pgdir pd;
	void *map;	  /* be-alloc: the backend's pages, mapped */
	bool shared;	  /* pages allocated and granted */
	bool live;	  /* the backend knows it */
	unsigned int fbs; /* framebuffers attached */
};

/* A framebuffer (caller-owned). */
struct displfront_fb {
	struct displfront_fb *next;
	uint64_t cookie;
	struct displfront_dbuf *db;
	uint32_t width, height, format;
	bool live;
};

/* One connector (private: use the functions). */
struct displfront_conn {
	struct displfront *df;
	unsigned int index;
	struct displfront_conn_info info;
	struct pvfront_pages ring, evt;
	struct pvfront_port ring_port, evt_port;
	struct pv_front_ring fr;
	/* the outstanding request */
	bool busy, done, async;
	uint16_t next_id, id;
	uint8_t op;
	int status;
	struct xendispl_resp rsp;
	/* flips */
	uint64_t flip_cookie; /* pending, 0: none */
	/* GET_EDID's buffer, while the call runs (or the backend maps it) */
	struct pvfront_pgdir edid;
	grant_ref_t edid_refs[XENDISPL_EDID_MAX_SIZE / PVFRONT_PAGE_SIZE];
	grant_ref_t edid_dir[1];
	bool have_edid;
	struct displfront_stats stats;
	int timeout_ms;
};

struct displfront {
	struct pvfront_dev dev;
	struct displfront_config cfg;
	bool up, be_alloc;
	unsigned int version; /* agreed: 1 or 2 */
	unsigned int n;
	uint64_t next_cookie;
	struct displfront_dbuf *dbufs;
	struct displfront_fb *fbs;
	struct displfront_conn c[DISPLFRONT_CONNECTORS_MAX];
};

/* displfront_flip() flag: return once the request is sent. */
#define DISPLFRONT_NONBLOCK (1u << 0)

/* Open vdispl device devid: read its connectors, publish, connect
 * (timeout_ms as pvfront_dev_connect: -XEN_ETIMEDOUT and -XEN_EAGAIN leave
 * it open and connecting).  -XEN_ENOENT: no connector; -XEN_EBADMSG: a
 * connector's resolution or unique-id missing or malformed; -XEN_E2BIG:
 * more than DISPLFRONT_CONNECTORS_MAX.  The device fails with
 * -XEN_EOPNOTSUPP when the backend's "versions" names neither 1 nor 2. */
int displfront_open(struct displfront *df, struct pvfront *pf, uint32_t devid,
		    const struct displfront_config *cfg, int timeout_ms);
/* Forget every framebuffer and buffer (without asking the backend) and
 * close the device; -XEN_EBUSY as pvfront_dev_close. */
int displfront_close(struct displfront *df, int timeout_ms);
bool displfront_connected(const struct displfront *df);
/* The toolstack lets the backend provide buffers (be-alloc "1"). */
bool displfront_be_alloc(const struct displfront *df);
/* The protocol version agreed (1 or 2; 0 before connecting). */
unsigned int displfront_version(const struct displfront *df);

unsigned int displfront_connectors(const struct displfront *df);
/* Connector con's description, or NULL when there is none. */
const struct displfront_conn_info *
displfront_conn_info(const struct displfront *df, unsigned int con);
/* The connector with this unique-id, or -XEN_ENOENT. */
int displfront_find(const struct displfront *df, const char *unique_id);
/* How long a waiting call on con's ring waits (default 3000 ms). */
void displfront_set_timeout(struct displfront *df, unsigned int con, int ms);
const struct displfront_stats *
displfront_conn_stats(const struct displfront *df, unsigned int con);

/* Pages a buffer of this shape takes (refs entries), and directory pages
 * (dir_refs entries); 0 when the shape is not valid. */
size_t displfront_dbuf_pages(const struct displfront_dbuf_params *p);
size_t displfront_dbuf_dir_pages(const struct displfront_dbuf_params *p);

/* Allocate and share a buffer and DBUF_CREATE it.  -XEN_EINVAL for a bad
 * shape (zero sizes, a bpp not 8, 16, 24 or 32, 4 GiB or more) or an
 * unknown flag; with DISPLFRONT_DBUF_BACKEND_ALLOC, -XEN_EOPNOTSUPP when
 * be-alloc is not "1" or the OS cannot map grants, and the mapping's
 * error (the backend's buffer is destroyed again then);
 * -XEN_EEXIST when the cookie is in use here, the backend's status (the
 * buffer is given back then).  After -XEN_ETIMEDOUT the buffer stays
 * listed as if made (the backend may have made it): destroy it. */
int displfront_dbuf_create(struct displfront *df, struct displfront_dbuf *db,
			   const struct displfront_dbuf_params *p);
/* DBUF_DESTROY (when the backend knows it) and give the pages back.
 * -XEN_EBUSY while framebuffers are attached, or when the backend still
 * maps the pages (they are kept: destroy again later). */
int displfront_dbuf_destroy(struct displfront *df, struct displfront_dbuf *db);

/* FB_ATTACH the whole buffer as a framebuffer of a pixel format; the
 * format's bpp must be the buffer's (else -XEN_EINVAL). */
int displfront_fb_attach(struct displfront *df, struct displfront_fb *fb,
			 struct displfront_dbuf *db, uint32_t format);
/* FB_ATTACH with an explicit size and cookie (0: picked); for tests and
 * callers that show part of a buffer. */
int displfront_fb_attach_ex(struct displfront *df, struct displfront_fb *fb,
			    struct displfront_dbuf *db, uint32_t width,
			    uint32_t height, uint32_t format, uint64_t cookie);
/* FB_DETACH; the buffer stays. */
int displfront_fb_detach(struct displfront *df, struct displfront_fb *fb);

/* SET_CONFIG on connector con: show fb at (x, y) width x height; fb NULL
 * switches the connector off (all zeros). */
int displfront_set_config(struct displfront *df, unsigned int con,
			  const struct displfront_fb *fb, uint32_t x,
			  uint32_t y, uint32_t width, uint32_t height);
/* PG_FLIP fb on connector con (see "Flips"); flags: DISPLFRONT_NONBLOCK. */
int displfront_flip(struct displfront *df, unsigned int con,
		    const struct displfront_fb *fb, unsigned int flags);
/* Wait up to timeout_ms (-1: the connector's timeout) for con's pending
 * flip to be shown: 0 (also when none is pending), -XEN_ETIMEDOUT. */
int displfront_flip_wait(struct displfront *df, unsigned int con,
			 int timeout_ms);
/* The framebuffer cookie whose flip is pending on con, 0: none. */
uint64_t displfront_flip_pending(const struct displfront *df, unsigned int con);

/* GET_EDID on connector con (version 2): the EDID into buf (cap bytes),
 * its length in *len.  A buffer of XENDISPL_EDID_MAX_SIZE bytes is shared
 * for the call.  -XEN_EOPNOTSUPP on version 1; -XEN_E2BIG when cap is
 * shorter than the EDID. */
int displfront_get_edid(struct displfront *df, unsigned int con, uint8_t *buf,
			size_t cap, uint32_t *len);
/* The preferred mode of an EDID (its first detailed timing): 0, or
 * -XEN_EBADMSG for a bad header, checksum or timing. */
int displfront_edid_mode(const uint8_t *edid, size_t len, uint32_t *width,
			 uint32_t *height);

#ifdef __cplusplus
}
#endif

#endif
