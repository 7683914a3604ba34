/*
 * pvkit/ring.h — request/response rings in shared memory (libpvring).
 *
 * The layout is Xen's (pvkit/proto/ring.h): a 64-byte header of four
 * free-running indices, then a power-of-two number of fixed-size entries.
 * A frontend fills request slots and publishes them by moving req_prod; the
 * backend copies each request out, answers in the same slot and publishes
 * by moving rsp_prod.  Private cursors (req_prod_pvt / rsp_cons on the
 * front, req_cons / rsp_prod_pvt on the back) live in the caller's memory,
 * never in the shared page.
 *
 * Using a ring, frontend side:
 *
 *     pv_sring_init(page);                          // once, before granting
 *     pv_front_ring_init(&fr, page, 4096, entry_size);
 *     struct my_req *rq = pv_front_ring_next_request(&fr);   // NULL: full
 *     ... fill *rq ...
 *     if (pv_front_ring_push_requests(&fr)) notify the backend;
 *     while ((rc = pv_front_ring_get_response(&fr, &rsp, sizeof rsp)) == 0) ...;
 *     if (rc == -XEN_EAGAIN && pv_front_ring_final_check_for_responses(&fr) > 0)
 *         go round again, else sleep until the next event.
 *
 * Backend side: pv_back_ring_copy_request() (copy one request into private
 * memory, then validate the copy), pv_back_ring_next_response() or
 * pv_back_ring_put_response(), pv_back_ring_push_responses(),
 * pv_back_ring_final_check_for_requests().
 *
 * Event suppression: push_* return true only when the peer asked to be told
 * (its *_event index lies in the range just published); final_check_* arm
 * the event index and look once more, so a notification cannot be missed
 * between "nothing to do" and going to sleep.
 *
 * The peer is not trusted.  Every shared index is read once per call and
 * checked: a producer claiming more entries than the ring holds, or moving
 * backwards, makes the call return -XEN_EIO and the ring should be closed.
 * Entries are copied out whole before the caller looks at them, so a peer
 * rewriting a slot cannot change a request after it was validated.
 *
 * Errors are negative Xen errno values (pvkit/proto/errno.h), which equal
 * Linux's.  Everything here is freestanding C11 (no libc header); the
 * environment provides memcpy, as every C compiler requires.
 *
 * For type safety, PV_RING_DEFINE(name, req_type, rsp_type) declares typed
 * wrappers; see the end of this file.
 */
#ifndef PVKIT_RING_H
#define PVKIT_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvkit/proto/errno.h"
#include "pvkit/proto/ring.h"

#define PV_SRING_HDR_SIZE 64u

_Static_assert(offsetof(struct pv_sring, ring) == PV_SRING_HDR_SIZE,
	       "ring header must be 64 bytes");

/*
 * Shared structures declare plain integers, as Xen's do; C11 atomics need
 * _Atomic objects.  GCC and Clang give _Atomic uint32_t the size, alignment
 * and representation of uint32_t (asserted here), so shared indices are
 * accessed through an atomic view of the same storage.
 */
_Static_assert(sizeof(_Atomic RING_IDX) == sizeof(RING_IDX) &&
		       _Alignof(_Atomic RING_IDX) == _Alignof(RING_IDX),
	       "atomic view of RING_IDX must match its layout");
#define PV_ATOMIC_IDX(p) ((_Atomic RING_IDX *)(p))

struct pv_front_ring {
	struct pv_sring *sring;
	RING_IDX nr_ents;      /* power of two */
	uint32_t ent_size;     /* bytes per entry */
	RING_IDX req_prod_pvt; /* next slot to fill */
	RING_IDX req_pushed;   /* req_prod as we last published it */
	RING_IDX rsp_cons;     /* next response to read */
	RING_IDX rsp_seen;     /* rsp_prod as last read and checked */
};

struct pv_back_ring {
	struct pv_sring *sring;
	RING_IDX nr_ents;
	uint32_t ent_size;
	RING_IDX rsp_prod_pvt; /* next slot to answer */
	RING_IDX rsp_pushed;   /* rsp_prod as we last published it */
	RING_IDX req_cons;     /* next request to read */
	RING_IDX req_seen;     /* req_prod as last read and checked */
};

/* Entries of ent_size bytes that fit in ring_bytes of shared memory:
 * the largest power of two that fits after the header (at most 2^30, so
 * every count fits an int), or 0. */
uint32_t pv_ring_nr_ents(size_t ring_bytes, size_t ent_size);

/* Frontend: reset the shared header before the page is granted. */
void pv_sring_init(struct pv_sring *sring);

/* Attach to a ring of ring_bytes bytes at shared.  The _init variants start
 * at index 0 (fresh ring); the _attach variants resume at the indices found
 * in the header, for a side that restarts while its peer keeps the ring.
 * -XEN_EINVAL when no entry fits or ent_size is 0. */
int pv_front_ring_init(struct pv_front_ring *r, void *shared,
		       size_t ring_bytes, size_t ent_size);
int pv_back_ring_init(struct pv_back_ring *r, void *shared, size_t ring_bytes,
		      size_t ent_size);
int pv_front_ring_attach(struct pv_front_ring *r, void *shared,
			 size_t ring_bytes, size_t ent_size);
int pv_back_ring_attach(struct pv_back_ring *r, void *shared,
			size_t ring_bytes, size_t ent_size);

/* Address of the entry that index idx maps to. */
static inline void *pv_ring_slot(struct pv_sring *s, RING_IDX nr_ents,
				 uint32_t ent_size, RING_IDX idx)
{
	return s->ring + (size_t)(idx & (nr_ents - 1)) * ent_size;
}

/*
 * A cache hint: start moving the line of entry idx towards this CPU.  It
 * reads nothing the caller sees and changes no result, so it may touch an
 * entry that is not published yet.  Consumers use it twice (measured with
 * tests/bench/ring_bench):
 *  - while polling, on the entry they wait for, which is then requested
 *    together with the index that publishes it, not one cache miss after
 *    it (the poll-mode round trip fell by a fifth);
 *  - while copying entries out, on the one PV_RING_PREFETCH_AHEAD places
 *    further when it is already published, so a batch streams in as many
 *    lines in flight instead of one miss per entry (throughput +50%).
 *    Entries not yet published are left alone there: pulling a line the
 *    producer is about to fill only makes it travel twice.
 */
#define PV_RING_PREFETCH_AHEAD 16u

static inline void pv_ring_prefetch(struct pv_sring *s, RING_IDX nr_ents,
				    uint32_t ent_size, RING_IDX idx)
{
	__builtin_prefetch(pv_ring_slot(s, nr_ents, ent_size, idx), 0, 3);
}

/* ---- frontend ---------------------------------------------------------- */

/* Request slots the frontend may still fill: responses free slots, so this
 * needs no shared read. */
static inline RING_IDX pv_front_ring_free(const struct pv_front_ring *r)
{
	return r->nr_ents - (r->req_prod_pvt - r->rsp_cons);
}

static inline bool pv_front_ring_full(const struct pv_front_ring *r)
{
	return pv_front_ring_free(r) == 0;
}

/* Claim the next request slot (it becomes visible to the backend at the
 * next push).  NULL when the ring is full. */
static inline void *pv_front_ring_next_request(struct pv_front_ring *r)
{
	if (pv_front_ring_full(r))
		return NULL;
	return pv_ring_slot(r->sring, r->nr_ents, r->ent_size,
			    r->req_prod_pvt++);
}

/* Copy a request of len bytes (at most ent_size) into the next slot.
 * -XEN_EAGAIN when full, -XEN_EMSGSIZE when len is too big. */
static inline int pv_front_ring_put_request(struct pv_front_ring *r,
					    const void *req, size_t len)
{
	void *slot;

	if (len > r->ent_size)
		return -XEN_EMSGSIZE;
	slot = pv_front_ring_next_request(r);
	if (!slot)
		return -XEN_EAGAIN;
	__builtin_memcpy(slot, req, len);
	return 0;
}

/* True when (old, new] contains event: the peer asked for an event there. */
static inline bool pv_ring_event_due(RING_IDX event, RING_IDX old,
				     RING_IDX new_idx)
{
	return (RING_IDX)(new_idx - event) < (RING_IDX)(new_idx - old);
}

/* ThreadSanitizer does not model fences (and GCC warns about them under
 * -fsanitize=thread): such builds take the exchange below everywhere. */
#if defined(__SANITIZE_THREAD__)
#define PV_RING_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PV_RING_TSAN 1
#endif
#endif

/*
 * Publish v at *idx, ordered after everything written before (release) and
 * before every load that follows (a full barrier).  The event protocol
 * needs the second part: each side stores its index and then reads the
 * other side's, and one of the two must see the other's store.
 *
 * On x86 an exchange is the cheapest full barrier.  Elsewhere a release
 * store and a seq_cst fence (DMB on Arm): an exchange there may be a
 * load-exclusive/store-exclusive loop that a peer writing the same line
 * without pause could starve, and a seq_cst store followed by a load,
 * though ordered on real ARMv8 (STLR/LDAR), is not under qemu-user, where
 * pvkit's cross-arch stress test lost wake-ups that way.
 */
static inline void pv_ring_publish(RING_IDX *idx, RING_IDX v)
{
#if defined(__x86_64__) || defined(__i386__) || defined(PV_RING_TSAN)
	(void)atomic_exchange_explicit(PV_ATOMIC_IDX(idx), v,
				       memory_order_seq_cst);
#else
	atomic_store_explicit(PV_ATOMIC_IDX(idx), v, memory_order_release);
	atomic_thread_fence(memory_order_seq_cst);
#endif
}

/* Publish the requests claimed so far.  Returns true when the backend must
 * be notified. */
static inline bool pv_front_ring_push_requests(struct pv_front_ring *r)
{
	struct pv_sring *s = r->sring;
	RING_IDX old = r->req_pushed;
	RING_IDX new_idx = r->req_prod_pvt;
	RING_IDX event;

	if (old == new_idx)
		return false;
	/* The slots are written before the backend can see the new index, and
	 * the index is out before we read req_event: pairs with the backend's
	 * final check (publish req_event, then reload req_prod). */
	pv_ring_publish(&s->req_prod, new_idx);
	r->req_pushed = new_idx;
	event = atomic_load_explicit(PV_ATOMIC_IDX(&s->req_event),
				     memory_order_seq_cst);
	return pv_ring_event_due(event, old, new_idx);
}

/* Read and check rsp_prod: the backend can only have answered requests we
 * published, so rsp_cons <= rsp_prod <= req_pushed.  Returns the number of
 * unread responses or -XEN_EIO. */
static inline int pv_front_ring_refresh_mo(struct pv_front_ring *r,
					   memory_order mo)
{
	RING_IDX prod;

	pv_ring_prefetch(r->sring, r->nr_ents, r->ent_size, r->rsp_cons);
	/* acquire (at least): the response entries are read only after the
	 * index that published them. */
	prod = atomic_load_explicit(PV_ATOMIC_IDX(&r->sring->rsp_prod), mo);

	if ((RING_IDX)(prod - r->rsp_cons) >
	    (RING_IDX)(r->req_pushed - r->rsp_cons))
		return -XEN_EIO;
	r->rsp_seen = prod;
	return (int)(prod - r->rsp_cons);
}

static inline int pv_front_ring_refresh(struct pv_front_ring *r)
{
	return pv_front_ring_refresh_mo(r, memory_order_acquire);
}

/* Responses ready to read, or -XEN_EIO for a corrupt index. */
static inline int pv_front_ring_unconsumed_responses(struct pv_front_ring *r)
{
	if (r->rsp_seen != r->rsp_cons)
		return (int)(r->rsp_seen - r->rsp_cons);
	return pv_front_ring_refresh(r);
}

/* Copy the next response (len bytes, at most ent_size) into private memory
 * and consume it.  0, -XEN_EAGAIN when none is ready, -XEN_EIO. */
static inline int pv_front_ring_get_response(struct pv_front_ring *r,
					     void *rsp, size_t len)
{
	int n = pv_front_ring_unconsumed_responses(r);

	if (n <= 0)
		return n < 0 ? n : -XEN_EAGAIN;
	if (len > r->ent_size)
		return -XEN_EMSGSIZE;
	if ((RING_IDX)(r->rsp_seen - r->rsp_cons) > PV_RING_PREFETCH_AHEAD)
		pv_ring_prefetch(r->sring, r->nr_ents, r->ent_size,
				 r->rsp_cons + PV_RING_PREFETCH_AHEAD);
	__builtin_memcpy(rsp, pv_ring_slot(r->sring, r->nr_ents, r->ent_size,
					   r->rsp_cons),
			 len);
	r->rsp_cons++;
	return 0;
}

/* Before sleeping: ask for an event at the next response, then look again.
 * > 0: responses are ready (do not sleep); 0: sleep; < 0: -XEN_EIO. */
static inline int pv_front_ring_final_check_for_responses(
	struct pv_front_ring *r)
{
	int n = pv_front_ring_unconsumed_responses(r);

	if (n != 0)
		return n;
	/* Publish rsp_event, then reload rsp_prod (seq_cst): the backend
	 * either sees the new rsp_event when it pushes, or we see its
	 * rsp_prod here. */
	pv_ring_publish(&r->sring->rsp_event, r->rsp_cons + 1);
	return pv_front_ring_refresh_mo(r, memory_order_seq_cst);
}

/* ---- backend ----------------------------------------------------------- */

/* Read and check req_prod: at most nr_ents requests can be outstanding
 * beyond the last published response; anything else (including a producer
 * that moved backwards) is a corrupt ring.  Returns unread requests. */
static inline int pv_back_ring_refresh_mo(struct pv_back_ring *r,
					  memory_order mo)
{
	RING_IDX prod;

	pv_ring_prefetch(r->sring, r->nr_ents, r->ent_size, r->req_cons);
	/* acquire (at least): request entries are read only after the
	 * index. */
	prod = atomic_load_explicit(PV_ATOMIC_IDX(&r->sring->req_prod), mo);

	if ((RING_IDX)(prod - r->rsp_pushed) > r->nr_ents ||
	    (RING_IDX)(prod - r->req_cons) > r->nr_ents)
		return -XEN_EIO;
	r->req_seen = prod;
	return (int)(prod - r->req_cons);
}

static inline int pv_back_ring_refresh(struct pv_back_ring *r)
{
	return pv_back_ring_refresh_mo(r, memory_order_acquire);
}

/* Requests ready to read, or -XEN_EIO for a corrupt index. */
static inline int pv_back_ring_unconsumed_requests(struct pv_back_ring *r)
{
	if (r->req_seen != r->req_cons)
		return (int)(r->req_seen - r->req_cons);
	return pv_back_ring_refresh(r);
}

/* Copy the next request (len bytes, at most ent_size) out of the shared slot
 * exactly once, and consume it.  Validate the copy, never the slot.
 * 0, -XEN_EAGAIN when none is ready, -XEN_EIO, -XEN_EMSGSIZE. */
static inline int pv_back_ring_copy_request(struct pv_back_ring *r, void *req,
					    size_t len)
{
	int n = pv_back_ring_unconsumed_requests(r);

	if (n <= 0)
		return n < 0 ? n : -XEN_EAGAIN;
	if (len > r->ent_size)
		return -XEN_EMSGSIZE;
	if ((RING_IDX)(r->req_seen - r->req_cons) > PV_RING_PREFETCH_AHEAD)
		pv_ring_prefetch(r->sring, r->nr_ents, r->ent_size,
				 r->req_cons + PV_RING_PREFETCH_AHEAD);
	__builtin_memcpy(req, pv_ring_slot(r->sring, r->nr_ents, r->ent_size,
					   r->req_cons),
			 len);
	r->req_cons++;
	return 0;
}

/* Claim the slot for the next response.  NULL when every consumed request
 * has been answered already. */
static inline void *pv_back_ring_next_response(struct pv_back_ring *r)
{
	if (r->rsp_prod_pvt == r->req_cons)
		return NULL;
	return pv_ring_slot(r->sring, r->nr_ents, r->ent_size,
			    r->rsp_prod_pvt++);
}

/* Copy a response into the next slot.  -XEN_EAGAIN when no request is
 * waiting for an answer, -XEN_EMSGSIZE when len is too big. */
static inline int pv_back_ring_put_response(struct pv_back_ring *r,
					    const void *rsp, size_t len)
{
	void *slot;

	if (len > r->ent_size)
		return -XEN_EMSGSIZE;
	slot = pv_back_ring_next_response(r);
	if (!slot)
		return -XEN_EAGAIN;
	__builtin_memcpy(slot, rsp, len);
	return 0;
}

/* Publish the responses so far; true when the frontend must be notified. */
static inline bool pv_back_ring_push_responses(struct pv_back_ring *r)
{
	struct pv_sring *s = r->sring;
	RING_IDX old = r->rsp_pushed;
	RING_IDX new_idx = r->rsp_prod_pvt;
	RING_IDX event;

	if (old == new_idx)
		return false;
	/* Publish, then read rsp_event: see pv_front_ring_push_requests(). */
	pv_ring_publish(&s->rsp_prod, new_idx);
	r->rsp_pushed = new_idx;
	event = atomic_load_explicit(PV_ATOMIC_IDX(&s->rsp_event),
				     memory_order_seq_cst);
	return pv_ring_event_due(event, old, new_idx);
}

/* Before sleeping: ask for an event at the next request, then look again.
 * > 0: requests are ready; 0: sleep; < 0: -XEN_EIO. */
static inline int pv_back_ring_final_check_for_requests(struct pv_back_ring *r)
{
	int n = pv_back_ring_unconsumed_requests(r);

	if (n != 0)
		return n;
	/* Publish req_event, then reload req_prod (seq_cst), pairing with
	 * the frontend's push. */
	pv_ring_publish(&r->sring->req_event, r->req_cons + 1);
	return pv_back_ring_refresh_mo(r, memory_order_seq_cst);
}

/* ---- typed wrappers ----------------------------------------------------- */

/* A file uses only some of the wrappers it defines; clang would warn about
 * the rest. */
#define PV_RING_UNUSED __attribute__((unused))

/*
 * PV_RING_DEFINE(name, req_type, rsp_type) declares
 *   union name_entry                  the entry (sizeof = slot size)
 *   struct name_front / name_back     typed ring handles
 *   name_front_init/attach(f, shared, bytes), name_back_init/attach(b, ...)
 *   name_next_request(f)   -> req_type *     name_push_requests(f)
 *   name_get_response(f, rsp_type *)         name_final_check_responses(f)
 *   name_copy_request(b, req_type *)         name_next_response(b) -> rsp_type *
 *   name_push_responses(b)                   name_final_check_requests(b)
 * so that a request of one protocol cannot be put on another's ring.
 */
#define PV_RING_DEFINE(name, req_type, rsp_type)                              \
	union name##_entry {                                                  \
		req_type req;                                                 \
		rsp_type rsp;                                                 \
	};                                                                    \
	struct name##_front {                                                 \
		struct pv_front_ring r;                                       \
	};                                                                    \
	struct name##_back {                                                  \
		struct pv_back_ring r;                                        \
	};                                                                    \
	static inline PV_RING_UNUSED int name##_front_init(struct name##_front *f, void *sh, \
					    size_t bytes)                     \
	{                                                                     \
		return pv_front_ring_init(&f->r, sh, bytes,                   \
					  sizeof(union name##_entry));        \
	}                                                                     \
	static inline PV_RING_UNUSED int name##_front_attach(struct name##_front *f,         \
					      void *sh, size_t bytes)         \
	{                                                                     \
		return pv_front_ring_attach(&f->r, sh, bytes,                 \
					    sizeof(union name##_entry));      \
	}                                                                     \
	static inline PV_RING_UNUSED int name##_back_init(struct name##_back *b, void *sh,   \
					   size_t bytes)                      \
	{                                                                     \
		return pv_back_ring_init(&b->r, sh, bytes,                    \
					 sizeof(union name##_entry));         \
	}                                                                     \
	static inline PV_RING_UNUSED int name##_back_attach(struct name##_back *b, void *sh, \
					     size_t bytes)                    \
	{                                                                     \
		return pv_back_ring_attach(&b->r, sh, bytes,                  \
					   sizeof(union name##_entry));       \
	}                                                                     \
	static inline PV_RING_UNUSED req_type *name##_next_request(struct name##_front *f)   \
	{                                                                     \
		return (req_type *)pv_front_ring_next_request(&f->r);         \
	}                                                                     \
	static inline PV_RING_UNUSED bool name##_push_requests(struct name##_front *f)       \
	{                                                                     \
		return pv_front_ring_push_requests(&f->r);                    \
	}                                                                     \
	static inline PV_RING_UNUSED int name##_get_response(struct name##_front *f,         \
					      rsp_type *rsp)                  \
	{                                                                     \
		return pv_front_ring_get_response(&f->r, rsp, sizeof(*rsp));  \
	}                                                                     \
	static inline PV_RING_UNUSED int name##_final_check_responses(struct name##_front *f) \
	{                                                                     \
		return pv_front_ring_final_check_for_responses(&f->r);        \
	}                                                                     \
	static inline PV_RING_UNUSED int name##_copy_request(struct name##_back *b,          \
					      req_type *req)                  \
	{                                                                     \
		return pv_back_ring_copy_request(&b->r, req, sizeof(*req));   \
	}                                                                     \
	static inline PV_RING_UNUSED rsp_type *name##_next_response(struct name##_back *b)   \
	{                                                                     \
		return (rsp_type *)pv_back_ring_next_response(&b->r);         \
	}                                                                     \
	static inline PV_RING_UNUSED bool name##_push_responses(struct name##_back *b)       \
	{                                                                     \
		return pv_back_ring_push_responses(&b->r);                    \
	}                                                                     \
	static inline PV_RING_UNUSED int name##_final_check_requests(struct name##_back *b)  \
	{                                                                     \
		return pv_back_ring_final_check_for_requests(&b->r);          \
	}                                                                     \
	struct name##_dummy_to_eat_semicolon

#endif
