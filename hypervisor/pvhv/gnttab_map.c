/*
 * dom0's side of grants: map, unmap and copy, and the handle tables.
 *
 * Mappings belong to the dom0 client that made them: each client has a
 * handle table (handles are small integers, reused after unmap, at most
 * MAPS_PER_CLIENT at a time), and a handle means nothing to any other
 * client.  A mapping holds a reference on the granting guest's table (see
 * gnttab.c), so it outlives the guest and can still be unmapped.  The
 * handle tables sit in a list private to this file, since a pvhv process
 * serves exactly one dom0.
 *
 * Copy moves the bytes itself: a granted page is reached through pvhv's
 * mapping of the guest's memory, and dom0's side of a copy (domid
 * DOMID_SELF, no GNTCOPY_*_gref flag) is a page of the call's own argument
 * buffer, gmfn being the page index into it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "gnttab_int.h"

/* Mappings one client may hold at a time. */
#define MAPS_PER_CLIENT 65536u
#define FIRST_SLOTS 16u
#define NO_SLOT UINT32_MAX

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

/* ---- handle tables ------------------------------------------------------ */

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

	hv_gnt_release(m->g, m->ref, m->ro);
	hv_gnt_table_put(m->g);
	slot_free(mt, h);
}

void hv_gnttab_client_gone(struct hv *hv, struct client *cl)
{
	struct maptrack *mt = maptrack_of(cl, false);

	hv_d0gnt_client_gone(hv, cl);
	if (!mt)
		return;
	for (uint32_t h = 0; h < mt->cap; h++)
		if (mt->slot[h].g)
			drop_mapping(mt, h);
	maptrack_trim(mt);
}

/* ---- map and unmap ------------------------------------------------------ */

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
	st = hv_gnt_table_of(c, op->dom, &g);
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
	st = hv_gnt_acquire(g, op->ref, ro, &frame);
	if (st != GNTST_okay) {
		slot_free(mt, h);
		maptrack_trim(mt);
		return st;
	}
	hv_gnt_table_get(g);
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

long hv_gnt_map_batch(struct hv_call *c, uint64_t uop, unsigned int count)
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

long hv_gnt_unmap_batch(struct hv_call *c, uint64_t uop, unsigned int count)
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

/* ---- copy --------------------------------------------------------------- */

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
	return hv_gnt_table_of(c, p->domid, &g);
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
	st = hv_gnt_table_of(c, p->domid, &s->g);
	if (st == GNTST_okay)
		st = hv_gnt_acquire(s->g, p->u.ref, ro, &frame);
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
		hv_gnt_release(s->g, s->ref, s->ro);
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

long hv_gnt_copy_batch(struct hv_call *c, uint64_t uop, unsigned int count)
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

