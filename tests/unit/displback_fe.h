/*
 * tests/unit/displback_fe.h — a vdispl frontend for the display backend's
 * unit tests, on libpvback's fake platform (pvback_fake_platform.h): one
 * guest (domain DFE_DOM, device 0) with connectors, their rings and event
 * pages in fake guest memory, requests answered through the ring, and
 * buffers shared through page directories.
 */
#ifndef DISPLBACK_FE_H
#define DISPLBACK_FE_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>

#include "pvback_fake_platform.h"
#include "pvkit/displback.h"
#include "pvkit/ring.h"

#define DFE_DOM	  5
#define DFE_FE	  "/local/domain/5/device/vdispl/0"
#define DFE_BE	  "/local/domain/0/backend/vdispl/5/0"
#define DFE_CONNS 2u

struct dfe_conn {
	struct pv_front_ring ring;
	struct xendispl_event_page *evt;
	evtchn_port_t port, evt_port;
	uint32_t evt_cons;
};

struct dfe {
	struct event_base *base;
	struct fpf *f;
	struct pvback *b;
	struct displback *db;
	struct dfe_conn c[DFE_CONNS];
	unsigned int next_pfn;
	uint16_t id;
};

/* A fresh fake platform, libpvback and displback on host (arg, limits). */
void dfe_setup(struct dfe *t, const struct displback_host_ops *host,
	       const char *arg, const struct displback_limits *lim);
void dfe_teardown(struct dfe *t);
/* Loop until nothing is left to do. */
void dfe_run(struct dfe *t);
/* The toolstack's tree: connector 0 "mon0" 800x600, 1 "mon1" 640x480. */
void dfe_tree(struct dfe *t);
/* Connector i's ring, event page and ports, published. */
void dfe_conn(struct dfe *t, unsigned int i);
/* tree, both connectors, Connected; asserts the backend is Connected. */
void dfe_connect(struct dfe *t);
/* Send rq on connector i; the answer's status (rp: the answer). */
int32_t dfe_ask(struct dfe *t, unsigned int i, struct xendispl_req *rq,
		struct xendispl_resp *rp);
/* npages guest pages granted, listed by a page directory chain of
 * ceil(npages / 1023) pages (refs: only the first `listed` are written,
 * the chain ends there).  *pixels: the first buffer page (contiguous in
 * guest memory).  Returns the first directory page's grant. */
grant_ref_t dfe_buffer(struct dfe *t, unsigned int npages, unsigned int listed,
		       uint8_t **pixels);
/* Requests, built and sent on connector 0 (or i). */
int32_t dfe_dbuf(struct dfe *t, uint64_t cookie, uint32_t w, uint32_t h,
		 uint32_t bpp, uint8_t **pixels);
int32_t dfe_fb(struct dfe *t, uint64_t dbuf, uint64_t fb, uint32_t w,
	       uint32_t h, uint32_t fourcc);
int32_t dfe_config(struct dfe *t, unsigned int i, uint64_t fb, uint32_t x,
		   uint32_t y, uint32_t w, uint32_t h, uint32_t bpp);
int32_t dfe_flip(struct dfe *t, unsigned int i, uint64_t fb);
int32_t dfe_simple(struct dfe *t, unsigned int i, uint8_t op, uint64_t cookie);
/* The next flip event of connector i: its fb cookie, or 0 when none. */
uint64_t dfe_event(struct dfe *t, unsigned int i);

#endif
