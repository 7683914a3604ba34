/*
 * Grant entries (v1).  The flags and domid of an entry share one aligned
 * 32-bit word; the hypervisor's pin compares and swaps that whole word so
 * the check of "who may map" and the setting of the in-use bits are one
 * atomic step.
 */
#include <stdatomic.h>

#include "pvkit/grant.h"
#include "pvkit/proto/errno.h"

/* A guest that keeps rewriting its entry makes the pin fail rather than
 * keep the hypervisor spinning. */
#define PIN_RETRIES 4

_Static_assert(sizeof(struct grant_entry_v1) == 8, "grant entry v1 size");
_Static_assert(sizeof(_Atomic uint32_t) == 4 && sizeof(_Atomic uint16_t) == 2,
	       "atomic views must match the entry's fields");

/* flags and domid as one word, built byte-wise so it works on either
 * endianness. */
struct head {
	uint16_t flags;
	domid_t domid;
};

static _Atomic uint32_t *head_word(struct grant_entry_v1 *e)
{
	return (_Atomic uint32_t *)(void *)e;
}

static _Atomic uint16_t *flags_of(struct grant_entry_v1 *e)
{
	return (_Atomic uint16_t *)&e->flags;
}

static uint32_t pack(struct head h)
{
	uint32_t w;

	__builtin_memcpy(&w, &h, sizeof(w));
	return w;
}

static struct head unpack(uint32_t w)
{
	struct head h;

	__builtin_memcpy(&h, &w, sizeof(h));
	return h;
}

int pv_grant_access(struct grant_entry_v1 *e, domid_t domid, uint32_t frame,
		    bool readonly)
{
	uint16_t flags = GTF_permit_access | (readonly ? GTF_readonly : 0);

	if (atomic_load_explicit(flags_of(e), memory_order_relaxed) != 0)
		return -XEN_EBUSY;
	/* relaxed atomics: the peer may read these at any time; the ordering
	 * comes from the flags store below. */
	atomic_store_explicit((_Atomic uint32_t *)&e->frame, frame,
			      memory_order_relaxed);
	atomic_store_explicit((_Atomic domid_t *)&e->domid, domid,
			      memory_order_relaxed);
	/* release: frame and domid are visible before the flags that allow
	 * the peer to use them. */
	atomic_store_explicit(flags_of(e), flags, memory_order_release);
	return 0;
}

int pv_grant_end_access(struct grant_entry_v1 *e)
{
	uint16_t old = atomic_load_explicit(flags_of(e), memory_order_relaxed);

	do {
		if (old & (GTF_reading | GTF_writing))
			return -XEN_EBUSY;
		/* acq_rel: a pin that raced us is either seen (and we fail) or
		 * fails itself on the cleared flags; after success the peer's
		 * last access is ordered before our reuse of the frame. */
	} while (!atomic_compare_exchange_weak_explicit(
		flags_of(e), &old, 0, memory_order_acq_rel,
		memory_order_relaxed));
	return 0;
}

bool pv_grant_in_use(const struct grant_entry_v1 *e)
{
	uint16_t f = atomic_load_explicit(
		(const _Atomic uint16_t *)&e->flags, memory_order_acquire);

	return (f & (GTF_reading | GTF_writing)) != 0;
}

/* The flags a pin for mapper may start from, and the flags it sets. */
static int16_t pin_check(struct head h, domid_t mapper, bool readonly,
			 uint16_t *set)
{
	if ((h.flags & (GTF_type_mask | GTF_sub_page)) != GTF_permit_access ||
	    h.domid != mapper)
		return GNTST_general_error;
	if (!readonly && (h.flags & GTF_readonly))
		return GNTST_general_error;
	*set = GTF_reading | (readonly ? 0 : GTF_writing);
	return GNTST_okay;
}

int16_t pv_grant_pin(struct grant_entry_v1 *e, domid_t mapper, bool readonly,
		     uint32_t *frame)
{
	uint32_t old = atomic_load_explicit(head_word(e), memory_order_acquire);
	struct head h;
	uint16_t set;

	for (int i = 0; i < PIN_RETRIES; i++) {
		int16_t st;

		h = unpack(old);
		st = pin_check(h, mapper, readonly, &set);
		if (st != GNTST_okay)
			return st;
		h.flags |= set;
		/* acquire on success: the frame is read after the pin holds,
		 * pairing with the release that published the grant. */
		if (atomic_compare_exchange_strong_explicit(
			    head_word(e), &old, pack(h), memory_order_acquire,
			    memory_order_acquire)) {
			*frame = atomic_load_explicit(
				(_Atomic uint32_t *)&e->frame,
				memory_order_relaxed);
			return GNTST_okay;
		}
	}
	return GNTST_general_error;
}

void pv_grant_unpin(struct grant_entry_v1 *e, uint16_t bits)
{
	/* release: our last access to the frame happens before the guest can
	 * see it unpinned. */
	atomic_fetch_and_explicit(flags_of(e),
				  (uint16_t)~(bits & (GTF_reading | GTF_writing)),
				  memory_order_release);
}
