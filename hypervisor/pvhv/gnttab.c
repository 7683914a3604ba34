/*
 * Grant tables (v1).  A guest's table is part of its own memory, frames
 * HV_GFN_GRANT.. (the guest writes entries there itself); this file keeps
 * what pvhv knows beside it: how many of those frames the guest has set up,
 * how many dom0 mappings pin each entry, and the mappings themselves.
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
 * Handles.  Mappings belong to the dom0 client that made them: each client
 * has a handle table (handles are small integers, reused after unmap), and
 * a handle means nothing to any other client.  The tables sit in a list
 * private to this file, since a pvhv process serves exactly one dom0.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pvhv.h"
#include "pvkit/grant.h"

#define ENTRIES_PER_FRAME \
	((unsigned int)(HV_PAGE_SIZE / sizeof(struct grant_entry_v1)))
/* Entries of one batch call.  A dom0 message cannot carry more anyway. */
#define BATCH_MAX 4096u
/* Mappings one client may hold at a time. */
#define MAPS_PER_CLIENT 65536u
#define FIRST_SLOTS 16u
#define NO_SLOT UINT32_MAX
/* Xen passes a continuation argument above these bits of cmd; a caller
 * may set it only for GNTTABOP_cache_flush. */
#define CMD_MASK 0xfffu

struct pin {
	uint32_t readers; /* mappings of the entry */
	uint32_t writers; /* the writable ones among them */
};

struct hv_gnttab {
	struct domain *d;                /* NULL once the domain is gone */
	struct grant_entry_v1 *entries;  /* in guest memory; NULL: none */
	unsigned int nr_frames;          /* set up so far */
	unsigned int max_frames;
	unsigned int refs;               /* the domain's + one per mapping */
	struct pin **pins;               /* per frame, made on first pin */
};

struct mapping {
	struct hv_gnttab *g; /* NULL: free slot */
	grant_ref_t ref;
	uint32_t frame;
	bool ro;
	uint32_t next_free;
};

struct maptrack {
	struct client *cl;
	struct mapping *slot; /* indexed by handle */
	uint32_t cap, used, free_head;
	struct maptrack *next;
};

static struct maptrack *maptracks;

/* ---- tables --------------------------------------------------------------- */

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

static void table_put(struct hv_gnttab *g)
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
	/* The guest memory is about to go: nothing may touch it from now. */
	g->d = NULL;
	g->entries = NULL;
	table_put(g);
}

static unsigned int nr_entries(const struct hv_gnttab *g)
{
	return g && g->entries ? g->nr_frames * ENTRIES_PER_FRAME : 0;
}

static struct pin *pin_of(struct hv_gnttab *g, grant_ref_t ref, bool create)
{
	struct pin **chunk = &g->pins[ref / ENTRIES_PER_FRAME];

	if (!*chunk && create)
		*chunk = calloc(ENTRIES_PER_FRAME, sizeof(**chunk));
	return *chunk ? &(*chunk)[ref % ENTRIES_PER_FRAME] : NULL;
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
			 const struct pin *p)
{
	uint16_t bits = (p->writers ? 0 : GTF_writing) |
			(p->readers ? 0 : GTF_reading);

	if (g->entries && bits)
		pv_grant_unpin(&g->entries[ref], (uint16_t)bits);
}

/* Pin (g, ref) for dom0 and check the frame it names: GNTST_okay with
 * *frame, or an error with the entry's in-use bits as they were. */
static int16_t acquire(struct hv_gnttab *g, grant_ref_t ref, bool ro,
		       uint32_t *frame)
{
	struct pin *p;
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

static void release(struct hv_gnttab *g, grant_ref_t ref, bool ro)
{
	struct pin *p = pin_of(g, ref, false);

	p->readers--;
	if (!ro)
		p->writers--;
	unpin_unused(g, ref, p);
}

/* ---- the caller's view of domains ---------------------------------------- */

static bool from_dom0(const struct hv_call *c)
{
	return c->dom->domid == 0 && c->client;
}

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

/* A table to map or copy from; a guest whose table is already gone is a
 * domain that no longer exists.  dom0's (NULL) has no valid refs. */
static int16_t table_of(struct hv_call *c, domid_t domid,
			struct hv_gnttab **g)
{
	struct domain *d = find_domain(c, domid);

	if (!d || (d->domid && !d->gnt))
		return GNTST_bad_domain;
	*g = d->gnt;
	return GNTST_okay;
}

/* ---- setup_table and query_size --------------------------------------------- */

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

/* ---- handle tables ------------------------------------------------------------ */

static struct maptrack *maptrack_of(struct client *cl, bool create)
{
	struct maptrack *mt;

	for (mt = maptracks; mt; mt = mt->next)
		if (mt->cl == cl)
			return mt;
	if (!create)
		return NULL;
	mt = calloc(1, sizeof(*mt));
	if (!mt)
		return NULL;
	mt->cl = cl;
	mt->free_head = NO_SLOT;
	mt->next = maptracks;
	maptracks = mt;
	return mt;
}

/* A client without mappings needs no table. */
static void maptrack_trim(struct maptrack *mt)
{
	if (mt->used)
		return;
	for (struct maptrack **pp = &maptracks; *pp; pp = &(*pp)->next) {
		if (*pp == mt) {
			*pp = mt->next;
			break;
		}
	}
	free(mt->slot);
	free(mt);
}

static int maptrack_grow(struct maptrack *mt)
{
	uint32_t cap = mt->cap ? mt->cap * 2 : FIRST_SLOTS;
	struct mapping *s;

	if (mt->cap >= MAPS_PER_CLIENT)
		return -ENOSPC;
	if (cap > MAPS_PER_CLIENT)
		cap = MAPS_PER_CLIENT;
	s = realloc(mt->slot, cap * sizeof(*s));
	if (!s)
		return -ENOMEM;
	/* New slots go on the free list lowest first. */
	for (uint32_t i = cap; i-- > mt->cap;) {
		s[i] = (struct mapping){ .next_free = mt->free_head };
		mt->free_head = i;
	}
	mt->slot = s;
	mt->cap = cap;
	return 0;
}

static uint32_t slot_alloc(struct maptrack *mt)
{
	uint32_t h;

	if (mt->free_head == NO_SLOT && maptrack_grow(mt))
		return NO_SLOT;
	h = mt->free_head;
	mt->free_head = mt->slot[h].next_free;
	mt->used++;
	return h;
}

static void slot_free(struct maptrack *mt, uint32_t h)
{
	mt->slot[h] = (struct mapping){ .next_free = mt->free_head };
	mt->free_head = h;
	mt->used--;
}

/* Undo mapping h: unpin, let go of its table, free the handle. */
static void drop_mapping(struct maptrack *mt, uint32_t h)
{
	struct mapping *m = &mt->slot[h];

	release(m->g, m->ref, m->ro);
	table_put(m->g);
	slot_free(mt, h);
}

void hv_gnttab_client_gone(struct hv *hv, struct client *cl)
{
	struct maptrack *mt = maptrack_of(cl, false);

	(void)hv;
	if (!mt)
		return;
	for (uint32_t h = 0; h < mt->cap; h++)
		if (mt->slot[h].g)
			drop_mapping(mt, h);
	maptrack_trim(mt);
}

/* ---- map and unmap ---------------------------------------------------------- */

static int16_t map_one(struct hv_call *c, struct gnttab_map_grant_ref *op)
{
	bool ro = op->flags & GNTMAP_readonly;
	struct hv_gnttab *g;
	struct maptrack *mt;
	uint32_t h, frame;
	int16_t st;

	if (!(op->flags & (GNTMAP_host_map | GNTMAP_device_map)))
		return GNTST_bad_gntref;
	/* host_addr is not a PTE here: libpvhv maps the memfd itself. */
	if (op->flags & GNTMAP_contains_pte)
		return GNTST_general_error;
	st = table_of(c, op->dom, &g);
	if (st != GNTST_okay)
		return st;
	mt = maptrack_of(c->client, true);
	if (!mt)
		return GNTST_no_device_space;
	h = slot_alloc(mt);
	if (h == NO_SLOT) {
		maptrack_trim(mt);
		return GNTST_no_device_space;
	}
	st = acquire(g, op->ref, ro, &frame);
	if (st != GNTST_okay) {
		slot_free(mt, h);
		maptrack_trim(mt);
		return st;
	}
	g->refs++;
	mt->slot[h] = (struct mapping){ .g = g, .ref = op->ref,
					.frame = frame, .ro = ro };
	op->handle = h;
	op->dev_bus_addr = (uint64_t)frame << HV_PAGE_SHIFT;
	return GNTST_okay;
}

static struct mapping *mapping_of(struct maptrack *mt, grant_handle_t h)
{
	return mt && h < mt->cap && mt->slot[h].g ? &mt->slot[h] : NULL;
}

static int16_t unmap_one(struct hv_call *c,
			 const struct gnttab_unmap_grant_ref *op)
{
	struct maptrack *mt = maptrack_of(c->client, false);
	struct mapping *m = mapping_of(mt, op->handle);

	if (!m)
		return GNTST_bad_handle;
	/* host_addr means nothing to pvhv; a dev_bus_addr, when given, must
	 * be the one the map returned. */
	if (op->dev_bus_addr &&
	    op->dev_bus_addr != (uint64_t)m->frame << HV_PAGE_SHIFT)
		return GNTST_bad_dev_addr;
	drop_mapping(mt, op->handle);
	maptrack_trim(mt);
	return GNTST_okay;
}

/* Is [uop, uop + count * size) free of wrap-around? */
static bool batch_fits(uint64_t uop, unsigned int count, size_t size)
{
	return uop <= UINT64_MAX - (uint64_t)count * size;
}

static long map_batch(struct hv_call *c, uint64_t uop, unsigned int count)
{
	struct gnttab_map_grant_ref op;

	for (unsigned int i = 0; i < count; i++) {
		uint64_t a = uop + (uint64_t)i * sizeof(op);

		if (hv_copy_from(c, a, &op, sizeof(op)))
			return -EFAULT;
		op.status = map_one(c, &op);
		if (hv_copy_to(c, a, &op, sizeof(op))) {
			/* The caller would never learn the handle. */
			if (op.status == GNTST_okay) {
				struct maptrack *mt =
					maptrack_of(c->client, false);

				drop_mapping(mt, op.handle);
				maptrack_trim(mt);
			}
			return -EFAULT;
		}
	}
	return 0;
}

static long unmap_batch(struct hv_call *c, uint64_t uop, unsigned int count)
{
	struct gnttab_unmap_grant_ref op;

	for (unsigned int i = 0; i < count; i++) {
		uint64_t a = uop + (uint64_t)i * sizeof(op);

		if (hv_copy_from(c, a, &op, sizeof(op)))
			return -EFAULT;
		op.status = unmap_one(c, &op);
		if (hv_copy_to(c, a + offsetof(struct gnttab_unmap_grant_ref,
					       status),
			       &op.status, sizeof(op.status)))
			return -EFAULT;
	}
	return 0;
}

/* ---- copy --------------------------------------------------------------------- */

/* One side of a copy: a granted page (pinned), or a page of the caller's
 * own memory, which for dom0 is the call's argument buffer. */
struct side {
	struct hv_gnttab *g; /* pinned table, or NULL: the caller's memory */
	grant_ref_t ref;
	bool ro;
	uint8_t *page; /* the granted page in guest memory */
	uint64_t addr; /* the caller's page, as an argument address */
};

/* The domain checks come first for both sides, as in Xen: only the
 * caller's own memory may be named by frame. */
static int16_t check_domain(struct hv_call *c,
			    const struct gnttab_copy_ptr *p, bool gref)
{
	struct hv_gnttab *g;

	if (!gref)
		return p->domid == DOMID_SELF ? GNTST_okay
					      : GNTST_permission_denied;
	return table_of(c, p->domid, &g);
}

static int16_t claim(struct hv_call *c, const struct gnttab_copy_ptr *p,
		     bool gref, bool ro, struct side *s)
{
	uint32_t frame;
	int16_t st;

	*s = (struct side){ .ro = ro };
	if (!gref) {
		if ((uint64_t)p->u.gmfn > (UINT64_MAX >> HV_PAGE_SHIFT))
			return GNTST_bad_page;
		s->addr = (uint64_t)p->u.gmfn << HV_PAGE_SHIFT;
		return GNTST_okay;
	}
	st = table_of(c, p->domid, &s->g);
	if (st == GNTST_okay)
		st = acquire(s->g, p->u.ref, ro, &frame);
	if (st != GNTST_okay) {
		s->g = NULL;
		return st;
	}
	s->ref = p->u.ref;
	s->page = hv_mem_ptr(&s->g->d->mem, (uint64_t)frame << HV_PAGE_SHIFT,
			     HV_PAGE_SIZE);
	return GNTST_okay;
}

static void unclaim(struct side *s)
{
	if (s->g)
		release(s->g, s->ref, s->ro);
	s->g = NULL;
}

static int16_t move(struct hv_call *c, const struct gnttab_copy *op,
		    const struct side *src, const struct side *dst)
{
	uint8_t bounce[HV_PAGE_SIZE];
	const uint8_t *from = bounce;

	if (src->page)
		from = src->page + op->source.offset;
	else if (hv_copy_from(c, src->addr + op->source.offset, bounce,
			      op->len))
		return GNTST_bad_page;
	if (dst->page)
		memmove(dst->page + op->dest.offset, from, op->len);
	else if (hv_copy_to(c, dst->addr + op->dest.offset, from, op->len))
		return GNTST_bad_page;
	return GNTST_okay;
}

static int16_t copy_one(struct hv_call *c, const struct gnttab_copy *op)
{
	bool sgref = op->flags & GNTCOPY_source_gref;
	bool dgref = op->flags & GNTCOPY_dest_gref;
	struct side src, dst;
	int16_t st;

	st = check_domain(c, &op->source, sgref);
	if (st == GNTST_okay)
		st = check_domain(c, &op->dest, dgref);
	if (st != GNTST_okay)
		return st;
	st = claim(c, &op->source, sgref, true, &src);
	if (st != GNTST_okay)
		return st;
	st = claim(c, &op->dest, dgref, false, &dst);
	if (st == GNTST_okay) {
		if (op->source.offset + op->len > HV_PAGE_SIZE ||
		    op->dest.offset + op->len > HV_PAGE_SIZE)
			st = GNTST_bad_copy_arg;
		else
			st = move(c, op, &src, &dst);
	}
	unclaim(&dst);
	unclaim(&src);
	return st;
}

static long copy_batch(struct hv_call *c, uint64_t uop, unsigned int count)
{
	struct gnttab_copy op;

	for (unsigned int i = 0; i < count; i++) {
		uint64_t a = uop + (uint64_t)i * sizeof(op);

		if (hv_copy_from(c, a, &op, sizeof(op)))
			return -EFAULT;
		op.status = copy_one(c, &op);
		if (hv_copy_to(c, a + offsetof(struct gnttab_copy, status),
			       &op.status, sizeof(op.status)))
			return -EFAULT;
	}
	return 0;
}

/* ---- the hypercall -------------------------------------------------------------- */

/*
 * Offered: setup_table and query_size to everyone (a guest for itself,
 * dom0 for anyone), map_grant_ref, unmap_grant_ref and copy to dom0
 * clients.  Guests asking for those three get -EPERM: pvhv has no driver
 * domains, so only dom0 maps or copies grants.  The other sub-ops
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
	if (!from_dom0(c))
		return -EPERM;
	if (count > BATCH_MAX)
		return -EINVAL;
	switch (cmd) {
	case GNTTABOP_map_grant_ref:
		if (!batch_fits(uop, count, sizeof(struct gnttab_map_grant_ref)))
			return -EFAULT;
		return map_batch(c, uop, count);
	case GNTTABOP_unmap_grant_ref:
		if (!batch_fits(uop, count,
				sizeof(struct gnttab_unmap_grant_ref)))
			return -EFAULT;
		return unmap_batch(c, uop, count);
	default:
		if (!batch_fits(uop, count, sizeof(struct gnttab_copy)))
			return -EFAULT;
		return copy_batch(c, uop, count);
	}
}
