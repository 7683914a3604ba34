/*
 * pvkit/proto/9pfs.h — the 9pfs transport: a 9P2000.L file system served
 * by dom0 to a guest over shared memory.
 *
 * The transport carries 9P messages unchanged; this header describes only
 * how they travel.  A device ("9pfs" in store paths) has one or more
 * rings, chosen by the frontend; each ring is a pair of byte streams plus
 * the page that indexes them:
 *
 *   interface page   struct xen_9pfs_data_intf: the stream indices and the
 *                    grants of the data pages (ring-ref<n> in the store)
 *   data pages       2^ring_order pages, mapped contiguously; the first half
 *                    is "in" (backend to frontend: replies), the second
 *                    half "out" (frontend to backend: requests); each half
 *                    is XEN_FLEX_RING_SIZE(ring_order) bytes
 *   event channel    event-channel-<n> in the store, one per ring
 *
 * Each stream has a producer and a consumer index counting bytes since the
 * ring was set up; the byte at index i sits at offset i & (size - 1).  A
 * message is written whole, then the producer index is advanced and the
 * peer notified; the reader learns the length from the 9P header (a
 * 32-bit size first).  A reply travels on the ring of its request.
 * pvkit/flexring.h implements the streams.
 *
 * Store negotiation (values are decimal strings):
 *
 *   toolstack writes (backend dir)  path, tag, security_model ("none")
 *   backend writes                  versions ("1"), max-rings,
 *                                   max-ring-page-order
 *   frontend writes                 version, num-rings (<= max-rings),
 *                                   ring-ref<n> and event-channel-<n> for
 *                                   n = 0 .. num-rings - 1
 *
 * The store names are spelled out here as XEN_9PFS_* macros; the protocol
 * document defines them, the C headers of the original protocol do not.
 */
#ifndef PVKIT_PROTO_9PFS_H
#define PVKIT_PROTO_9PFS_H

#include <stdint.h>

#include "grant_table.h"
#include "ring.h"

/*
 * The interface page of one ring.  in_* index the "in" stream (the backend
 * produces, the frontend consumes) and out_* the "out" stream (the other
 * way).  The padding keeps the two pairs on separate 64-byte cache lines.
 * ref[] holds 1 << ring_order grants, the data pages in order.
 */
struct xen_9pfs_data_intf {
	RING_IDX in_cons, in_prod;

	uint8_t pad1[56];

	RING_IDX out_cons, out_prod;

	uint8_t pad2[56];

	RING_IDX ring_order;
	grant_ref_t ref[];
};

/*
 * Where one end has mapped a ring's data pages: the start of each half.
 * Local to that end, never shared (the pointers are its own addresses).
 */
struct xen_9pfs_data {
	unsigned char *in;
	unsigned char *out;
};

/* Device type name in store paths (device/9pfs, backend/9pfs). */
#define XEN_9PFS_DRIVER_NAME "9pfs"

/* The only transport version; not the 9P protocol version. */
#define XEN_9PFS_PROTOCOL_VERSION "1"

/* Store node names. */
#define XEN_9PFS_FIELD_BE_VERSIONS	   "versions"
#define XEN_9PFS_FIELD_MAX_RINGS	   "max-rings"
#define XEN_9PFS_FIELD_MAX_RING_PAGE_ORDER "max-ring-page-order"
#define XEN_9PFS_FIELD_PATH		   "path"
#define XEN_9PFS_FIELD_TAG		   "tag"
/* With an underscore: what toolstacks write and backends read, though the
 * transport's prose spells it with a dash. */
#define XEN_9PFS_FIELD_SECURITY_MODEL	   "security_model"
#define XEN_9PFS_FIELD_FE_VERSION	   "version"
#define XEN_9PFS_FIELD_NUM_RINGS	   "num-rings"
/* Per-ring nodes: the ring number follows directly ("ring-ref0",
 * "event-channel-0"). */
#define XEN_9PFS_FIELD_RING_REF	   "ring-ref"
#define XEN_9PFS_FIELD_EVT_CHANNEL "event-channel-"

/* The only security model: files keep the credentials the guest gives. */
#define XEN_9PFS_SECURITY_MODEL_NONE "none"

/* Largest ring_order whose grant list fits in the interface page: ref[]
 * must hold a power of two entries after the 132-byte header. */
#define XEN_9PFS_MAX_RING_ORDER 9

#endif
