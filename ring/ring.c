/*
 * Request/response rings: set-up.  The per-request operations are inline in
 * pvkit/ring.h; this file holds what runs once per connection.
 */
#include "pvkit/ring.h"

uint32_t pv_ring_nr_ents(size_t ring_bytes, size_t ent_size)
{
	size_t n;
	uint32_t p = 1;

	if (ent_size == 0 || ring_bytes <= PV_SRING_HDR_SIZE)
		return 0;
	n = (ring_bytes - PV_SRING_HDR_SIZE) / ent_size;
	if (n == 0)
		return 0;
	/* Counts of outstanding entries are returned as int: keep nr_ents
	 * (the largest such count) below 2^31. */
	if (n > 0x40000000u)
		n = 0x40000000u;
	while ((size_t)p * 2 <= n)
		p *= 2;
	return p;
}

void pv_sring_init(struct pv_sring *s)
{
	atomic_store_explicit(PV_ATOMIC_IDX(&s->req_prod), 0,
			      memory_order_relaxed);
	atomic_store_explicit(PV_ATOMIC_IDX(&s->rsp_prod), 0,
			      memory_order_relaxed);
	/* An event at the first entry of each direction. */
	atomic_store_explicit(PV_ATOMIC_IDX(&s->req_event), 1,
			      memory_order_relaxed);
	/* release: the indices above are complete before rsp_event, the last
	 * store, and before whatever publishes the page (a grant entry). */
	atomic_store_explicit(PV_ATOMIC_IDX(&s->rsp_event), 1,
			      memory_order_release);
	__builtin_memset(&s->pvt, 0, sizeof(s->pvt));
	__builtin_memset(s->__pad, 0, sizeof(s->__pad));
}

static int geometry(void *shared, size_t ring_bytes, size_t ent_size,
		    RING_IDX *nr_ents)
{
	if (!shared || ent_size > UINT32_MAX)
		return -XEN_EINVAL;
	*nr_ents = pv_ring_nr_ents(ring_bytes, ent_size);
	return *nr_ents ? 0 : -XEN_EINVAL;
}

static int front_setup(struct pv_front_ring *r, void *shared,
		       size_t ring_bytes, size_t ent_size, RING_IDX req,
		       RING_IDX rsp)
{
	RING_IDX n;
	int rc = geometry(shared, ring_bytes, ent_size, &n);

	if (rc)
		return rc;
	if ((RING_IDX)(req - rsp) > n)
		return -XEN_EIO;
	*r = (struct pv_front_ring){
		.sring = shared, .nr_ents = n, .ent_size = (uint32_t)ent_size,
		.req_prod_pvt = req, .req_pushed = req,
		.rsp_cons = rsp, .rsp_seen = rsp,
	};
	return 0;
}

static int back_setup(struct pv_back_ring *r, void *shared, size_t ring_bytes,
		      size_t ent_size, RING_IDX start)
{
	RING_IDX n;
	int rc = geometry(shared, ring_bytes, ent_size, &n);

	if (rc)
		return rc;
	*r = (struct pv_back_ring){
		.sring = shared, .nr_ents = n, .ent_size = (uint32_t)ent_size,
		.rsp_prod_pvt = start, .rsp_pushed = start,
		.req_cons = start, .req_seen = start,
	};
	return 0;
}

int pv_front_ring_init(struct pv_front_ring *r, void *shared,
		       size_t ring_bytes, size_t ent_size)
{
	return front_setup(r, shared, ring_bytes, ent_size, 0, 0);
}

int pv_back_ring_init(struct pv_back_ring *r, void *shared, size_t ring_bytes,
		      size_t ent_size)
{
	return back_setup(r, shared, ring_bytes, ent_size, 0);
}

/* A restarted frontend resumes after everything published; responses it
 * had not read are dropped (it no longer knows what they answered). */
int pv_front_ring_attach(struct pv_front_ring *r, void *shared,
			 size_t ring_bytes, size_t ent_size)
{
	struct pv_sring *s = shared;

	if (!s)
		return -XEN_EINVAL;
	return front_setup(r, shared, ring_bytes, ent_size,
			   atomic_load_explicit(PV_ATOMIC_IDX(&s->req_prod),
						memory_order_acquire),
			   atomic_load_explicit(PV_ATOMIC_IDX(&s->rsp_prod),
						memory_order_acquire));
}

/* A restarted backend resumes at the last published response: requests
 * after it were never answered, so they are read again. */
int pv_back_ring_attach(struct pv_back_ring *r, void *shared,
			size_t ring_bytes, size_t ent_size)
{
	struct pv_sring *s = shared;

	if (!s)
		return -XEN_EINVAL;
	return back_setup(r, shared, ring_bytes, ent_size,
			  atomic_load_explicit(PV_ATOMIC_IDX(&s->rsp_prod),
					       memory_order_acquire));
}
