/*
 * pvkit/proto/ring.h — the shared-memory layout every PV ring starts with.
 *
 * A request/response ring is one or more pages shared by a frontend (which
 * produces requests and consumes responses) and a backend (the reverse).
 * The first 64 bytes hold four free-running 32-bit indices:
 *
 *   req_prod   requests published by the frontend
 *   req_event  the backend wants an event when req_prod passes this value
 *   rsp_prod   responses published by the backend
 *   rsp_event  the frontend wants an event when rsp_prod passes this value
 *
 * followed by padding to 64 bytes, then the entries.  Each entry is as large
 * as the bigger of a request and a response; a response is written over the
 * slot of a request that was consumed.  The number of entries is the largest
 * power of two that fits, so an index maps to slot (idx & (nr_ents - 1)) and
 * indices may wrap around 2^32 freely.
 *
 * Flex (data) rings, used by 9pfs and PV Calls, are plain byte rings of
 * XEN_FLEX_RING_SIZE(order) bytes per direction; see pvkit/flexring.h.
 *
 * This header defines layout only; pvkit/ring.h and pvkit/flexring.h are the
 * functions that use it.
 */
#ifndef PVKIT_PROTO_RING_H
#define PVKIT_PROTO_RING_H

#include <stdint.h>

typedef unsigned int RING_IDX;

/* Ring and hypercall interfaces always use 4 KiB pages, whatever the
 * page size of the host or guest kernel. */
#ifndef XEN_PAGE_SHIFT
#define XEN_PAGE_SHIFT 12
#endif

/* Bytes in one direction of a flex ring made of 2^order pages: the pages
 * are split evenly between the "in" and "out" directions. */
#define XEN_FLEX_RING_SIZE(order) (1UL << ((order) + XEN_PAGE_SHIFT - 1))

/* The shared header of a request/response ring (64 bytes). */
struct pv_sring {
	RING_IDX req_prod, req_event;
	RING_IDX rsp_prod, rsp_event;
	union {
		uint8_t pvt_pad[4]; /* private to a protocol; pvkit uses none */
	} pvt;
	uint8_t __pad[44];
	unsigned char ring[]; /* nr_ents entries of the protocol's entry size */
};

#endif
