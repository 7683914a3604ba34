/*
 * Flex (byte) rings.  Every call takes one snapshot of the shared indices,
 * checks it, and works on the snapshot only.
 */
#include <stdatomic.h>
#include <stdbool.h>

#include "pvkit/flexring.h"
#include "pvkit/proto/errno.h"
#include "pvkit/ring.h"

struct snap {
	RING_IDX prod, cons;
	uint32_t used;
};

/* The writer's view: cons with acquire, so the reader has finished with
 * the bytes it released before we overwrite them. */
static int snap_for_write(const struct pv_flex_ring *r, struct snap *s)
{
	s->cons = atomic_load_explicit(PV_ATOMIC_IDX(r->cons),
				       memory_order_acquire);
	s->prod = atomic_load_explicit(PV_ATOMIC_IDX(r->prod),
				       memory_order_relaxed);
	s->used = s->prod - s->cons;
	return s->used > r->size ? -XEN_EIO : 0;
}

/* The reader's view: prod with acquire, so the bytes it published are
 * visible before we copy them. */
static int snap_for_read(const struct pv_flex_ring *r, struct snap *s)
{
	s->prod = atomic_load_explicit(PV_ATOMIC_IDX(r->prod),
				       memory_order_acquire);
	s->cons = atomic_load_explicit(PV_ATOMIC_IDX(r->cons),
				       memory_order_relaxed);
	s->used = s->prod - s->cons;
	return s->used > r->size ? -XEN_EIO : 0;
}

int pv_flex_ring_init(struct pv_flex_ring *r, RING_IDX *prod, RING_IDX *cons,
		      void *data, unsigned int order)
{
	if (!r || !prod || !cons || !data || order > PV_FLEX_RING_ORDER_MAX)
		return -XEN_EINVAL;
	*r = (struct pv_flex_ring){
		.prod = prod, .cons = cons, .data = data,
		.size = (uint32_t)XEN_FLEX_RING_SIZE(order),
	};
	return 0;
}

int pv_flex_ring_readable(const struct pv_flex_ring *r)
{
	struct snap s;
	int rc = snap_for_read(r, &s);

	return rc ? rc : (int)s.used;
}

int pv_flex_ring_writable(const struct pv_flex_ring *r)
{
	struct snap s;
	int rc = snap_for_write(r, &s);

	return rc ? rc : (int)(r->size - s.used);
}

/* Copy len bytes at ring index idx out, in at most two pieces. */
static void copy_out(const struct pv_flex_ring *r, RING_IDX idx, void *dst,
		     uint32_t len)
{
	uint32_t off = idx & (r->size - 1);
	uint32_t first = r->size - off < len ? r->size - off : len;

	__builtin_memcpy(dst, r->data + off, first);
	__builtin_memcpy((uint8_t *)dst + first, r->data, len - first);
}

static void copy_in(struct pv_flex_ring *r, RING_IDX idx, const void *src,
		    uint32_t len)
{
	uint32_t off = idx & (r->size - 1);
	uint32_t first = r->size - off < len ? r->size - off : len;

	__builtin_memcpy(r->data + off, src, first);
	__builtin_memcpy(r->data, (const uint8_t *)src + first, len - first);
}

static int write_n(struct pv_flex_ring *r, const void *src, size_t len,
		   bool whole)
{
	struct snap s;
	uint32_t room, n;
	int rc = snap_for_write(r, &s);

	if (rc)
		return rc;
	if (whole && len > r->size)
		return -XEN_EMSGSIZE;
	room = r->size - s.used;
	if (whole && len > room)
		return -XEN_EAGAIN;
	n = len < room ? (uint32_t)len : room;
	copy_in(r, s.prod, src, n);
	/* release: the bytes are in place before the reader sees prod move. */
	atomic_store_explicit(PV_ATOMIC_IDX(r->prod), s.prod + n,
			      memory_order_release);
	return whole ? 0 : (int)n;
}

static int read_n(const struct pv_flex_ring *r, void *dst, size_t len,
		  bool whole, bool consume)
{
	struct snap s;
	uint32_t n;
	int rc = snap_for_read(r, &s);

	if (rc)
		return rc;
	if (whole && len > r->size)
		return -XEN_EMSGSIZE;
	if (whole && len > s.used)
		return -XEN_EAGAIN;
	n = len < s.used ? (uint32_t)len : s.used;
	copy_out(r, s.cons, dst, n);
	/* release: our copy is complete before the writer may reuse the
	 * space. */
	if (consume)
		atomic_store_explicit(PV_ATOMIC_IDX(r->cons), s.cons + n,
				      memory_order_release);
	return whole ? 0 : (int)n;
}

int pv_flex_ring_write(struct pv_flex_ring *r, const void *src, size_t len)
{
	return write_n(r, src, len, true);
}

int pv_flex_ring_write_some(struct pv_flex_ring *r, const void *src,
			    size_t len)
{
	return write_n(r, src, len, false);
}

int pv_flex_ring_read(struct pv_flex_ring *r, void *dst, size_t len)
{
	return read_n(r, dst, len, true, true);
}

int pv_flex_ring_read_some(struct pv_flex_ring *r, void *dst, size_t len)
{
	return read_n(r, dst, len, false, true);
}

int pv_flex_ring_peek(const struct pv_flex_ring *r, void *dst, size_t len)
{
	return read_n(r, dst, len, true, false);
}
