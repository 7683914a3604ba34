/*
 * Grant tables (v1).  A guest's table is part of its own memory, frames
 * HV_GFN_GRANT.. (the guest writes entries there itself); this file keeps
 * what pvhv knows beside it: how many of those frames the guest has set up
 * and how many dom0 mappings pin each entry.
 *
 * Pins.  A map or copy pins the entry with pv_grant_pin(), one
 * compare-and-swap over flags and domid, so a guest rewriting the entry at
 * the same moment either loses or makes the pin fail.  GTF_writing stays
 * set while any writable mapping of the entry exists, GTF_reading while any
 * mapping does: counts per (domain, ref) decide when to clear them.
 *
 * Ownership.  A table is reference-counted: its domain holds one reference
 * and every dom0 mapping into it holds one.  When the domain dies,
 * hv_gnttab_free() forgets the guest memory and drops the domain's
 * reference; mappings made earlier stay valid (libpvhv maps the memfd,
 * which outlives pvhv's own view of it), and unmapping them later only
 * updates the counts of the dead table, which goes with its last mapping.
 *
 * dom0's handle tables, map, unmap and copy are in gnttab_map.c.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "gnttab_int.h"
#include "pvkit/grant.h"

/* Entries of one batch call.  A dom0 message cannot carry more anyway. */
#define BATCH_MAX 4096u
/* Xen passes a continuation argument above these bits of cmd; a caller
 * may set it only for GNTTABOP_cache_flush. */
#define CMD_MASK 0xfffu

/* ---- tables ------------------------------------------------------------- */

int hv_gnttab_new(struct domain *d, struct hv_gnttab **out)
{
	/* dom0 has no grant table of its own: an empty one answers its
	 * query_size and makes every ref of it invalid. */
	unsigned int max = d->domid ? d->cfg.max_grant_frames : 0;
	struct hv_gnttab *g;

	if (max > DOMCFG_MAX_GRANT_FRAMES || (d->domid && !max))
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->d = d;
	g->refs = 1;
	g->max_frames = max;
	/* Xen starts every table with one frame; setup_table grows it. */
	g->nr_frames = max ? 1 : 0;
	if (max) {
		g->entries = hv_mem_ptr(&d->mem,
					(uint64_t)HV_GFN_GRANT << HV_PAGE_SHIFT,
					(size_t)max * HV_PAGE_SIZE);
		g->pins = calloc(max, sizeof(*g->pins));
		if (!g->entries || !g->pins) {
			int rc = g->entries ? -ENOMEM : -EINVAL;

			free(g->pins);
			free(g);
			return rc;
		}
	}
	*out = g;
	return 0;
}

void hv_gnt_table_get(struct hv_gnttab *g)
{
	g->refs++;
}

void hv_gnt_table_put(struct hv_gnttab *g)
{
	if (--g->refs)
		return;
	for (unsigned int i = 0; i < g->max_frames; i++)
		free(g->pins[i]);
	free(g->pins);
	free(g);
}

void hv_gnttab_free(struct hv_gnttab *g)
{
	if (!g)
		return;
	/* Its mappings of dom0's grants go with the guest. */
	if (g->d && g->d->domid)
		hv_d0gnt_domain_gone(g->d->hv, g->d->domid);
	/* The guest memory is about to go: nothing may touch it from now. */
	g->d = NULL;
	g->entries = NULL;
	hv_gnt_table_put(g);
}

static unsigned int nr_entries(const struct hv_gnttab *g)
{
	return g && g->entries ? g->nr_frames * HV_GNT_ENTRIES_PER_FRAME : 0;
}

static struct hv_gnt_pin *pin_of(struct hv_gnttab *g, grant_ref_t ref,
				 bool create)
{
	struct hv_gnt_pin **chunk = &g->pins[ref / HV_GNT_ENTRIES_PER_FRAME];

	if (!*chunk && create)
		*chunk = calloc(HV_GNT_ENTRIES_PER_FRAME, sizeof(**chunk));
	return *chunk ? &(*chunk)[ref % HV_GNT_ENTRIES_PER_FRAME] : NULL;
}

/* dom0 may reach a guest's free frames and its two ring pages, never the
 * rest of pvhv's layout (start_info, shared_info, the grant table). */
static bool frame_ok(const struct domain *d, uint32_t frame)
{
	if (frame >= d->mem.nr_pages)
		return false;
	if (frame < d->mem.first_free_gfn)
		return frame == HV_GFN_CONSOLE || frame == HV_GFN_STORE;
	return true;
}

/* Clear the in-use bits that no remaining mapping of ref needs. */
static void unpin_unused(struct hv_gnttab *g, grant_ref_t ref,
			 const struct hv_gnt_pin *p)
{
	uint16_t bits = (p->writers ? 0 : GTF_writing) |
			(p->readers ? 0 : GTF_reading);

	if (g->entries && bits)
		pv_grant_unpin(&g->entries[ref], (uint16_t)bits);
}

int16_t hv_gnt_acquire(struct hv_gnttab *g, grant_ref_t ref, bool ro,
		       uint32_t *frame)
{
	struct hv_gnt_pin *p;
	int16_t st;

	if (ref >= nr_entries(g))
		return GNTST_bad_gntref;
	p = pin_of(g, ref, true);
	if (!p)
		return GNTST_general_error;
	st = pv_grant_pin(&g->entries[ref], 0, ro, frame);
	if (st != GNTST_okay)
		return st;
	if (!frame_ok(g->d, *frame)) {
		unpin_unused(g, ref, p);
		return GNTST_general_error;
	}
	p->readers++;
	if (!ro)
		p->writers++;
	return GNTST_okay;
}

void hv_gnt_release(struct hv_gnttab *g, grant_ref_t ref, bool ro)
{
	struct hv_gnt_pin *p = pin_of(g, ref, false);

	p->readers--;
	if (!ro)
		p->writers--;
	unpin_unused(g, ref, p);
}

/* ---- the caller's view of domains --------------------------------------- */

static struct domain *find_domain(struct hv_call *c, domid_t domid)
{
	struct domain *d = domid == DOMID_SELF ? c->dom
					       : hv_domain_find(c->hv, domid);

	return d && d->state != PVHV_DOM_DYING ? d : NULL;
}

/* Guests may set up and query only their own table; dom0 any. */
static int16_t own_or_dom0(struct hv_call *c, domid_t domid,
			   struct domain **out)
{
	struct domain *d = find_domain(c, domid);

	if (!d)
		return GNTST_bad_domain;
	if (d != c->dom && c->dom->domid != 0)
		return GNTST_permission_denied;
	*out = d;
	return GNTST_okay;
}

/* A guest whose table is already gone is a domain that no longer exists. */
int16_t hv_gnt_table_of(struct hv_call *c, domid_t domid,
			struct hv_gnttab **g)
{
	struct domain *d = find_domain(c, domid);

	if (!d || (d->domid && !d->gnt))
		return GNTST_bad_domain;
	*g = d->gnt;
	return GNTST_okay;
}

/* ---- setup_table and query_size ----------------------------------------- */

static int16_t setup_one(struct hv_call *c, struct gnttab_setup_table *op)
{
	uint64_t list = (uint64_t)(uintptr_t)op->frame_list.p;
	struct hv_gnttab *g;
	struct domain *d;
	int16_t st = own_or_dom0(c, op->dom, &d);

	if (st != GNTST_okay)
		return st;
	g = d->gnt;
	if (op->nr_frames > (g ? g->max_frames : 0))
		return GNTST_general_error;
	if (g && op->nr_frames > g->nr_frames)
		g->nr_frames = op->nr_frames; /* tables grow, never shrink */
	for (uint32_t i = 0; i < op->nr_frames; i++) {
		xen_pfn_t gfn = HV_GFN_GRANT + i;

		if (hv_copy_to(c, list + (uint64_t)i * sizeof(gfn), &gfn,
			       sizeof(gfn)))
			return GNTST_bad_virt_addr;
	}
	return GNTST_okay;
}

static long setup_table(struct hv_call *c, uint64_t uop, unsigned int count)
{
	struct gnttab_setup_table op;

	if (count != 1)
		return -EINVAL;
	if (hv_copy_from(c, uop, &op, sizeof(op)))
		return -EFAULT;
	op.status = setup_one(c, &op);
	if (hv_copy_to(c, uop + offsetof(struct gnttab_setup_table, status),
		       &op.status, sizeof(op.status)))
		return -EFAULT;
	return 0;
}

static long query_size(struct hv_call *c, uint64_t uop, unsigned int count)
{
	struct gnttab_query_size op;
	struct domain *d;

	if (count != 1)
		return -EINVAL;
	if (hv_copy_from(c, uop, &op, sizeof(op)))
		return -EFAULT;
	op.status = own_or_dom0(c, op.dom, &d);
	if (op.status == GNTST_okay) {
		op.nr_frames = d->gnt ? d->gnt->nr_frames : 0;
		op.max_nr_frames = d->gnt ? d->gnt->max_frames : 0;
	}
	if (hv_copy_to(c, uop, &op, sizeof(op)))
		return -EFAULT;
	return 0;
}

/* Is [uop, uop + count * size) free of wrap-around? */
static bool batch_fits(uint64_t uop, unsigned int count, size_t size)
{
	return uop <= UINT64_MAX - (uint64_t)count * size;
}

/* ---- the hypercall ------------------------------------------------------ */

/*
 * Offered: setup_table and query_size to everyone (a guest for itself,
 * dom0 for anyone), map_grant_ref, unmap_grant_ref and copy to dom0
 * clients.  A guest may map and unmap dom0's own grants
 * (gnttab_dom0.c); it gets -EPERM for copy: pvhv has no driver domains,
 * so only dom0 maps or copies guests' grants.  The other sub-ops
 * (transfer, version 2, swap, cache flush, dump) are -ENOSYS.
 */
long hv_gnttab_op(struct hv_call *c, unsigned int cmd, uint64_t uop,
		  unsigned int count)
{
	if ((cmd & ~CMD_MASK) && (cmd & CMD_MASK) != GNTTABOP_cache_flush)
		return -EINVAL;
	switch (cmd) {
	case GNTTABOP_setup_table:
		return setup_table(c, uop, count);
	case GNTTABOP_query_size:
		return query_size(c, uop, count);
	case GNTTABOP_map_grant_ref:
	case GNTTABOP_unmap_grant_ref:
	case GNTTABOP_copy:
		break;
	default:
		return -ENOSYS;
	}
	if (count > BATCH_MAX)
		return -EINVAL;
	if (c->dom->domid != 0 && cmd != GNTTABOP_copy) {
		size_t size = cmd == GNTTABOP_map_grant_ref
				      ? sizeof(struct gnttab_map_grant_ref)
				      : sizeof(struct gnttab_unmap_grant_ref);

		if (!batch_fits(uop, count, size))
			return -EFAULT;
		return cmd == GNTTABOP_map_grant_ref
			       ? hv_d0gnt_map_batch(c, uop, count)
			       : hv_d0gnt_unmap_batch(c, uop, count);
	}
	if (c->dom->domid != 0 || !c->client)
		return -EPERM;
	switch (cmd) {
	case GNTTABOP_map_grant_ref:
		if (!batch_fits(uop, count, sizeof(struct gnttab_map_grant_ref)))
			return -EFAULT;
		return hv_gnt_map_batch(c, uop, count);
	case GNTTABOP_unmap_grant_ref:
		if (!batch_fits(uop, count,
				sizeof(struct gnttab_unmap_grant_ref)))
			return -EFAULT;
		return hv_gnt_unmap_batch(c, uop, count);
	default:
		if (!batch_fits(uop, count, sizeof(struct gnttab_copy)))
			return -EFAULT;
		return hv_gnt_copy_batch(c, uop, count);
	}
}
