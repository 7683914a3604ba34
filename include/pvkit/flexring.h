/*
 * pvkit/flexring.h — byte-stream data rings (9pfs, PV Calls).
 *
 * A flex ring is 2^order shared pages split into two directions, "in" and
 * "out", each XEN_FLEX_RING_SIZE(order) bytes.  Each direction has a
 * producer and a consumer index (free-running 32-bit byte counts) in the
 * protocol's interface page; the byte at index i lives at data[i & (size-1)].
 * One struct pv_flex_ring describes one direction, seen from either end:
 * the writer calls pv_flex_ring_write*, the reader pv_flex_ring_read*.
 *
 *     struct pv_flex_ring out;
 *     pv_flex_ring_init(&out, &intf->out_prod, &intf->out_cons,
 *                       data + XEN_FLEX_RING_SIZE(order), order);
 *     rc = pv_flex_ring_write(&out, msg, len);   // all or nothing
 *     if (rc == 0) notify the peer's event channel.
 *
 * There is no event-index suppression on these rings: the protocols notify
 * after every batch.  Indices come from a peer that is not trusted: each
 * call reads both once and returns -XEN_EIO when they claim more than the
 * ring holds; copies never leave the data area.
 *
 * Return values: 0 or a byte count on success; -XEN_EAGAIN when the ring
 * has too little data or space right now; -XEN_EMSGSIZE when a whole-message
 * call asks for more than the ring can ever hold; -XEN_EIO for corrupt
 * indices; -XEN_EINVAL for bad arguments.  Freestanding C11.
 */
#ifndef PVKIT_FLEXRING_H
#define PVKIT_FLEXRING_H

#include <stddef.h>
#include <stdint.h>

#include "pvkit/proto/ring.h"

/* Largest order accepted: keeps the per-direction size below 2^31 bytes. */
#define PV_FLEX_RING_ORDER_MAX 19u

struct pv_flex_ring {
	RING_IDX *prod; /* shared: bytes written so far */
	RING_IDX *cons; /* shared: bytes read so far */
	uint8_t *data;  /* this direction's bytes */
	uint32_t size;  /* XEN_FLEX_RING_SIZE(order) */
};

/* Describe one direction of a ring of 2^order pages. */
int pv_flex_ring_init(struct pv_flex_ring *r, RING_IDX *prod, RING_IDX *cons,
		      void *data, unsigned int order);

/* Bytes ready to read / free to write, or -XEN_EIO. */
int pv_flex_ring_readable(const struct pv_flex_ring *r);
int pv_flex_ring_writable(const struct pv_flex_ring *r);

/* Whole messages: copy exactly len bytes, or nothing. */
int pv_flex_ring_write(struct pv_flex_ring *r, const void *src, size_t len);
int pv_flex_ring_read(struct pv_flex_ring *r, void *dst, size_t len);
/* As pv_flex_ring_read, without consuming (to look at a message header). */
int pv_flex_ring_peek(const struct pv_flex_ring *r, void *dst, size_t len);

/* Streams: copy up to len bytes; returns how many (0 when none). */
int pv_flex_ring_write_some(struct pv_flex_ring *r, const void *src,
			    size_t len);
int pv_flex_ring_read_some(struct pv_flex_ring *r, void *dst, size_t len);

#endif
