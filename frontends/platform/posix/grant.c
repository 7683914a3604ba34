/*
 * The guest's grant table (v1).  open() asks pvhv for its size and sets
 * up every frame at once, so entries never move; grant_frame() hands out
 * entries past the reserved ones and writes them with pv_grant_access().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "posix.h"
#include "pvkit/grant.h"
#include "pvkit/proto/errno.h"

#define WORD_BITS 64u

static int query_size(struct pvfront_posix *p, uint32_t *max)
{
	struct gnttab_query_size q = { .dom = DOMID_SELF };
	long rc = pp_call(p, __HYPERVISOR_grant_table_op, GNTTABOP_query_size,
			  &q, sizeof(q), 1);

	if (rc)
		return (int)rc;
	if (q.status != GNTST_okay)
		return -EIO;
	*max = q.max_nr_frames;
	return 0;
}

/* setup_table's frame list follows the structure in the scratch page. */
#define LIST_OFFSET 64
#define LIST_MAX ((PP_PAGE_SIZE - LIST_OFFSET) / sizeof(xen_pfn_t))

static int setup_table(struct pvfront_posix *p, uint32_t nr,
		       xen_pfn_t *frames)
{
	struct pp_scratch *s = pp_scratch_get(p);
	struct gnttab_setup_table *t = (void *)s->page;
	xen_pfn_t *list = (void *)(s->page + LIST_OFFSET);
	long rc;

	memset(t, 0, sizeof(*t));
	t->dom = DOMID_SELF;
	t->nr_frames = nr;
	set_xen_guest_handle(t->frame_list, list);
	rc = pvfront_posix_hypercall(p, __HYPERVISOR_grant_table_op,
				     GNTTABOP_setup_table,
				     pvfront_posix_gaddr(t), 1, 0, 0);
	if (!rc && t->status != GNTST_okay)
		rc = -EIO;
	if (!rc)
		memcpy(frames, list, nr * sizeof(*list));
	pp_scratch_put(s);
	return (int)rc;
}

int pp_gnttab_init(struct pvfront_posix *p)
{
	xen_pfn_t frames[LIST_MAX];
	uint32_t nr = 0;
	int rc = query_size(p, &nr);

	if (rc)
		return rc;
	if (nr == 0)
		return -EPROTO;
	if (nr > LIST_MAX)
		nr = LIST_MAX;
	rc = setup_table(p, nr, frames);
	if (rc)
		return rc;
	p->gnt_frames = calloc(nr, sizeof(*p->gnt_frames));
	if (!p->gnt_frames)
		return -ENOMEM;
	for (uint32_t i = 0; i < nr; i++) {
		if (frames[i] >= p->nr_pages)
			return -EPROTO;
		p->gnt_frames[i] = (struct grant_entry_v1 *)(void *)(
			p->mem + ((uint64_t)frames[i] << PP_PAGE_SHIFT));
	}
	p->nr_gnt_frames = nr;
	p->nr_grefs = nr * (uint32_t)PP_GREFS_PER_FRAME;
	p->gref_used = calloc((p->nr_grefs + WORD_BITS - 1) / WORD_BITS,
			      sizeof(*p->gref_used));
	p->gref_next = GNTTAB_NR_RESERVED_ENTRIES;
	return p->gref_used ? 0 : -ENOMEM;
}

void pp_gnttab_fini(struct pvfront_posix *p)
{
	free(p->gnt_frames);
	free(p->gref_used);
	p->gnt_frames = NULL;
	p->gref_used = NULL;
}

uint32_t pvfront_posix_grant_entries(const struct pvfront_posix *p)
{
	return p->nr_grefs;
}

struct grant_entry_v1 *pvfront_posix_grant_entry(struct pvfront_posix *p,
						 grant_ref_t ref)
{
	if (ref >= p->nr_grefs)
		return NULL;
	return &p->gnt_frames[ref / PP_GREFS_PER_FRAME]
			     [ref % PP_GREFS_PER_FRAME];
}

static bool ref_used(const struct pvfront_posix *p, grant_ref_t r)
{
	return p->gref_used[r / WORD_BITS] >> (r % WORD_BITS) & 1;
}

static void ref_mark(struct pvfront_posix *p, grant_ref_t r, bool on)
{
	if (on)
		p->gref_used[r / WORD_BITS] |= 1ull << (r % WORD_BITS);
	else
		p->gref_used[r / WORD_BITS] &= ~(1ull << (r % WORD_BITS));
}

int pvfront_posix_grant_frame(struct pvfront_posix *p, domid_t domid,
			      uint32_t frame, bool readonly, grant_ref_t *ref)
{
	uint32_t span = p->nr_grefs - GNTTAB_NR_RESERVED_ENTRIES;
	int rc = -ENOSPC;

	pthread_mutex_lock(&p->gnt_lock);
	/* Round robin from the last one handed out: a just-ended entry is
	 * reused last, long after the peer let go of it. */
	for (uint32_t i = 0; i < span; i++) {
		uint32_t from = p->gref_next - GNTTAB_NR_RESERVED_ENTRIES;
		grant_ref_t r = GNTTAB_NR_RESERVED_ENTRIES + (from + i) % span;

		if (ref_used(p, r))
			continue;
		/* -EBUSY: someone filled the entry by hand; skip it. */
		if (pv_grant_access(pvfront_posix_grant_entry(p, r), domid,
				    frame, readonly))
			continue;
		ref_mark(p, r, true);
		p->gref_next = r + 1;
		*ref = r;
		rc = 0;
		break;
	}
	pthread_mutex_unlock(&p->gnt_lock);
	return rc;
}

int pvfront_posix_grant_access(struct pvfront_posix *p, domid_t domid,
			       void *page, bool readonly, grant_ref_t *ref)
{
	int64_t gfn = pvfront_posix_gfn(p, page);

	if (gfn < 0 || (uintptr_t)page % PP_PAGE_SIZE)
		return -EINVAL;
	return pvfront_posix_grant_frame(p, domid, (uint32_t)gfn, readonly,
					 ref);
}

int pvfront_posix_end_access(struct pvfront_posix *p, grant_ref_t ref)
{
	int rc;

	if (ref < GNTTAB_NR_RESERVED_ENTRIES || ref >= p->nr_grefs)
		return -EINVAL;
	pthread_mutex_lock(&p->gnt_lock);
	if (!ref_used(p, ref)) {
		rc = -EINVAL;
	} else {
		rc = pv_grant_end_access(pvfront_posix_grant_entry(p, ref));
		if (rc == -XEN_EBUSY)
			rc = -EBUSY;
		if (!rc)
			ref_mark(p, ref, false);
	}
	pthread_mutex_unlock(&p->gnt_lock);
	return rc;
}
