/*
 * backends/display/displback_int.h — what the vdispl device's files share:
 * the device with its dbufs, fbs and connectors (displback.c keeps the
 * store, rings and events; req.c answers requests).
 */
#ifndef DISPLBACK_INT_H
#define DISPLBACK_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "pvkit/back.h"
#include "pvkit/displback.h"
#include "pvkit/ring.h"

#define UID_MAX 64u /* a unique-id, with its NUL */
/* Frames shown but not yet presented on one connector: the flips that
 * may wait, and a SET_CONFIG or two. */
#define QUEUE_MAX (DISPLBACK_FLIPS_MAX + 2u)

struct displback {
	struct pvback *pb;
	const struct displback_host_ops *host_ops;
	void *host;
	struct displback_limits limits;
	struct displback_stats st;
};

struct dbuf {
	struct dbuf *next;
	uint64_t cookie;
	const uint8_t *map; /* the guest's pages read-only, or our own */
	uint32_t width, height, bpp;
	uint32_t line; /* bytes a line: ceil(width * bpp / 8) */
	uint32_t data_ofs;
	unsigned int npages;
	bool own; /* REQ_ALLOC: dom0's pages, granted to the guest */
};

struct fb {
	struct fb *next;
	uint64_t cookie;
	struct dbuf *db;
	uint32_t width, height, fourcc, bpp;
};

struct frame {
	struct fb *fb;
	uint64_t seq;
	bool flip; /* a PG_FLIP: its event is due when presented */
};

struct displ_dev;

struct conn {
	struct displ_dev *d;
	unsigned int index;
	char uid[UID_MAX];
	uint32_t width, height;
	/* the rings */
	void *ring_page;
	struct pv_back_ring ring;
	struct pvback_evt *req_evt;
	void *evt_page;
	struct pvback_evt *evt_evt;
	uint32_t evt_prod;
	uint16_t evt_id;
	/* the host side's connector */
	void *hconn;
	/* the mode: SET_CONFIG's region, or off */
	bool on;
	uint32_t x, y, w, h, bpp;
	/* frames: the one on screen, and those shown but not presented */
	uint64_t seq;
	struct fb *screen;
	struct frame q[QUEUE_MAX];
	unsigned int nq;
};

struct displ_dev {
	struct pvback_dev *dev;
	struct displback *db;
	bool be_alloc;
	struct conn conns[DISPLBACK_CONNECTORS_MAX];
	unsigned int n;
	struct dbuf *dbufs;
	struct fb *fbs;
	unsigned int n_dbufs, n_pages;
};

/* req.c */
void displ_handle(struct conn *c, const struct xendispl_req *req,
		  struct xendispl_resp *resp);
/* The host side's presented() for a connector (ctx is the struct conn). */
void displ_presented(void *ctx, uint64_t seq);
/* Forget every fb and dbuf (after the connectors were closed). */
void displ_free_objects(struct displ_dev *d);

/* displback.c: put a flip event for cookie on c's event page. */
void displ_flip_event(struct conn *c, uint64_t cookie);

#endif
