/*
 * dom0's own grants: pages a backend makes and grants to a guest (displif's
 * be-alloc buffers), and the guest's mappings of them.
 *
 * Under pvhv dom0 has no memory of its own that pvhv could read, so dom0
 * cannot write grant entries as a guest does.  Instead a dom0 client asks
 * (PVHV_CTL_GRANT_ALLOC, ctl_wire.h): pvhv makes a block of zeroed pages (a
 * memfd, handed to the client to map), and keeps one entry per page in
 * dom0's table here: which guest may map it, read-only or not, how many
 * mappings the guest holds, and which client owns it.
 *
 * A process guest maps an entry with GNTTABOP_map_grant_ref (dom 0): pvhv
 * checks the entry and hands the guest the block's descriptor, which it
 * maps itself (the read-only one for a read-only mapping).  Mapping memory
 * cannot be taken back from a process, so ending a grant that the guest
 * still maps only stops new mappings; the entry goes when the guest unmaps
 * (or dies), the block when its last entry goes.  A block is never given to
 * anyone but its owner and its one guest, so a guest never sees memory that
 * was not granted to it, now or earlier; when that guest dies, its entries
 * name no domain any more, so a later guest with the same domid cannot map
 * them.
 *
 * References 0 .. GNTTAB_NR_RESERVED_ENTRIES - 1 are never handed out, as a
 * Xen domain keeps them for its toolstack.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gnttab_int.h"

/* All of dom0's grants (4 GiB of pages) and all guests' mappings of them. */
#define ENTRIES_MAX (1u << 20)
#define HANDLES_MAX (1u << 20)
/* Mappings one guest may hold of one entry. */
#define MAPS_PER_ENTRY 16u
#define FIRST_REF      GNTTAB_NR_RESERVED_ENTRIES

struct block {
	int rw_fd, ro_fd;
	uint32_t users; /* entries naming it */
};

struct entry {
	struct block *b; /* NULL: free */
	struct client *owner;
	uint32_t page; /* in b */
	uint32_t maps; /* the guest's mappings */
	domid_t dom;
	bool ro, ended;
};

struct handle {
	uint32_t ref;
	domid_t dom;
	bool used;
};

struct hv_d0gnt {
	struct entry *e;
	uint32_t cap, live; /* live: entries in use */
	struct handle *h;
	uint32_t hcap, hused;
};

/* ---- the table ---------------------------------------------------------- */

static struct hv_d0gnt *table(struct hv *hv, bool create)
{
	if (!hv->d0gnt && create)
		hv->d0gnt = calloc(1, sizeof(*hv->d0gnt));
	return hv->d0gnt;
}

/* Nothing left: the table goes too (pvhv stopping leaves nothing). */
static void trim(struct hv *hv)
{
	struct hv_d0gnt *t = hv->d0gnt;

	if (t && !t->live && !t->hused) {
		free(t->e);
		free(t->h);
		free(t);
		hv->d0gnt = NULL;
	}
}

static void block_put(struct block *b)
{
	if (--b->users)
		return;
	close(b->rw_fd);
	close(b->ro_fd);
	free(b);
}

static void entry_free(struct hv_d0gnt *t, uint32_t ref)
{
	struct entry *e = &t->e[ref];

	block_put(e->b);
	*e = (struct entry){0};
	t->live--;
}

/* Ended and no longer mapped: gone. */
static void entry_end(struct hv_d0gnt *t, uint32_t ref)
{
	t->e[ref].ended = true;
	t->e[ref].owner = NULL;
	if (!t->e[ref].maps)
		entry_free(t, ref);
}

/* The first of count free entries in a row, growing the table if need
 * be; 0 when there is no room. */
static uint32_t find_run(struct hv_d0gnt *t, uint32_t count)
{
	uint32_t run = 0, r, start;
	uint64_t need, cap;
	struct entry *e;

	for (r = FIRST_REF; r < t->cap; r++) {
		run = t->e[r].b ? 0 : run + 1;
		if (run == count)
			return r + 1 - count;
	}
	/* The free run at the end goes on in new entries. */
	start = (t->cap > FIRST_REF ? t->cap : FIRST_REF) - run;
	need = (uint64_t)start + count;
	if (need > ENTRIES_MAX)
		return 0;
	cap = (uint64_t)t->cap * 2 > need ? (uint64_t)t->cap * 2 : need;
	if (cap > ENTRIES_MAX)
		cap = ENTRIES_MAX;
	e = realloc(t->e, (size_t)cap * sizeof(*e));
	if (!e)
		return 0;
	memset(e + t->cap, 0, (size_t)(cap - t->cap) * sizeof(*e));
	t->e = e;
	t->cap = (uint32_t)cap;
	return start;
}

static struct block *block_new(uint32_t count)
{
	struct block *b = calloc(1, sizeof(*b));
	char path[64];

	if (!b)
		return NULL;
	b->rw_fd = memfd_create("pvhv-dom0-grant", MFD_CLOEXEC);
	b->ro_fd = -1;
	if (b->rw_fd >= 0 &&
	    ftruncate(b->rw_fd, (off_t)count * HV_PAGE_SIZE) == 0) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", b->rw_fd);
		b->ro_fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (b->ro_fd < 0) {
		if (b->rw_fd >= 0)
			close(b->rw_fd);
		free(b);
		return NULL;
	}
	return b;
}

int hv_d0gnt_alloc(struct hv *hv, struct client *cl, domid_t dom,
		   uint32_t count, bool ro, uint32_t *first, int *fd)
{
	struct hv_d0gnt *t;
	struct domain *d;
	struct block *b;
	uint32_t r;

	if (!count || count > PVHV_GRANT_ALLOC_MAX)
		return -EINVAL;
	d = dom ? hv_domain_find(hv, dom) : NULL;
	if (!d || d->state == PVHV_DOM_DYING)
		return -ESRCH;
	t = table(hv, true);
	if (!t)
		return -ENOMEM;
	r = find_run(t, count);
	b = r ? block_new(count) : NULL;
	*fd = b ? dup(b->rw_fd) : -1;
	if (*fd < 0) {
		if (b) {
			b->users = 1;
			block_put(b);
		}
		trim(hv);
		return r ? -ENOMEM : -ENOSPC;
	}
	for (uint32_t i = 0; i < count; i++)
		t->e[r + i] = (struct entry){
		    .b = b, .owner = cl, .page = i, .dom = dom, .ro = ro};
	b->users = count;
	t->live += count;
	*first = r;
	return 0;
}

int hv_d0gnt_end(struct hv *hv, struct client *cl, uint32_t first,
		 uint32_t count, uint32_t *busy)
{
	struct hv_d0gnt *t = table(hv, false);

	*busy = 0;
	if (!t || !count || first < FIRST_REF || first >= t->cap ||
	    count > t->cap - first)
		return -EINVAL;
	for (uint32_t r = first; r < first + count; r++)
		if (!t->e[r].b || t->e[r].ended || t->e[r].owner != cl)
			return -EINVAL;
	for (uint32_t r = first; r < first + count; r++) {
		*busy += t->e[r].maps != 0;
		entry_end(t, r);
	}
	trim(hv);
	return 0;
}

void hv_d0gnt_client_gone(struct hv *hv, struct client *cl)
{
	struct hv_d0gnt *t = table(hv, false);

	if (!t)
		return;
	for (uint32_t r = FIRST_REF; r < t->cap; r++)
		if (t->e[r].b && t->e[r].owner == cl)
			entry_end(t, r);
	trim(hv);
}

static void handle_drop(struct hv_d0gnt *t, uint32_t h)
{
	uint32_t ref = t->h[h].ref;

	t->h[h].used = false;
	t->hused--;
	if (--t->e[ref].maps == 0 && t->e[ref].ended)
		entry_free(t, ref);
}

void hv_d0gnt_domain_gone(struct hv *hv, domid_t dom)
{
	struct hv_d0gnt *t = table(hv, false);

	if (!t)
		return;
	for (uint32_t h = 0; h < t->hcap; h++)
		if (t->h[h].used && t->h[h].dom == dom)
			handle_drop(t, h);
	/* Its grants stay their owner's to end, but a later domain given
	 * the same domid must not map them. */
	for (uint32_t r = FIRST_REF; r < t->cap; r++)
		if (t->e[r].b && t->e[r].dom == dom)
			t->e[r].dom = DOMID_INVALID;
	trim(hv);
}

/* ---- a guest's map and unmap ----------------------------------------------
 */

static uint32_t handle_alloc(struct hv_d0gnt *t)
{
	uint32_t h, cap;
	struct handle *n;

	for (h = 0; h < t->hcap; h++)
		if (!t->h[h].used)
			return h;
	cap = t->hcap ? t->hcap * 2 : 64;
	if (cap > HANDLES_MAX)
		cap = HANDLES_MAX;
	if (cap <= t->hcap)
		return UINT32_MAX;
	n = realloc(t->h, (size_t)cap * sizeof(*n));
	if (!n)
		return UINT32_MAX;
	memset(n + t->hcap, 0, (size_t)(cap - t->hcap) * sizeof(*n));
	t->h = n;
	h = t->hcap;
	t->hcap = cap;
	return h;
}

/* What one batch hands the guest: one block, in one access mode, by the
 * descriptor fd (a duplicate made at the batch's first mapping). */
struct batch {
	struct block *b;
	bool ro;
	int fd;
};

static int16_t check_entry(struct hv_call *c, struct hv_d0gnt *t,
			   const struct gnttab_map_grant_ref *op, bool ro)
{
	const struct entry *e;

	if (!t || op->ref < FIRST_REF || op->ref >= t->cap)
		return GNTST_bad_gntref;
	e = &t->e[op->ref];
	if (!e->b || e->ended || e->dom != c->dom->domid || (e->ro && !ro))
		return GNTST_general_error;
	if (e->maps >= MAPS_PER_ENTRY)
		return GNTST_no_device_space;
	return GNTST_okay;
}

/* The batch takes e's block (the first mapping) or already has it. */
static int16_t batch_take(struct batch *bt, struct block *b, bool ro)
{
	if (bt->b)
		return bt->b == b && bt->ro == ro ? GNTST_okay : GNTST_eagain;
	bt->fd = dup(ro ? b->ro_fd : b->rw_fd);
	if (bt->fd < 0)
		return GNTST_no_device_space;
	bt->b = b;
	bt->ro = ro;
	return GNTST_okay;
}

static int16_t map_one(struct hv_call *c, struct gnttab_map_grant_ref *op,
		       struct batch *bt)
{
	struct hv_d0gnt *t = table(c->hv, false);
	bool ro = op->flags & GNTMAP_readonly;
	int16_t st;
	uint32_t h;

	if (!(op->flags & GNTMAP_host_map) ||
	    (op->flags & (GNTMAP_contains_pte | GNTMAP_device_map)))
		return GNTST_general_error;
	if (op->dom != 0)
		return GNTST_permission_denied; /* no driver domains */
	if (!c->fds_ok)
		return GNTST_general_error; /* nothing to map it with */
	st = check_entry(c, t, op, ro);
	if (st == GNTST_okay)
		st = batch_take(bt, t->e[op->ref].b, ro);
	if (st != GNTST_okay)
		return st;
	h = handle_alloc(t);
	if (h == UINT32_MAX)
		return GNTST_no_device_space;
	t->h[h] =
	    (struct handle){.ref = op->ref, .dom = c->dom->domid, .used = true};
	t->hused++;
	t->e[op->ref].maps++;
	op->handle = (grant_handle_t)h;
	op->dev_bus_addr = (uint64_t)t->e[op->ref].page << HV_PAGE_SHIFT;
	return GNTST_okay;
}

long hv_d0gnt_map_batch(struct hv_call *c, uint64_t uop, unsigned int count)
{
	struct gnttab_map_grant_ref op;
	struct batch bt = {.fd = -1};
	long rc = 0;

	for (unsigned int i = 0; i < count && !rc; i++) {
		uint64_t a = uop + (uint64_t)i * sizeof(op);

		if (hv_copy_from(c, a, &op, sizeof(op))) {
			rc = -EFAULT;
			break;
		}
		op.status = map_one(c, &op, &bt);
		if (hv_copy_to(c, a, &op, sizeof(op))) {
			/* The caller would never learn the handle. */
			if (op.status == GNTST_okay)
				handle_drop(table(c->hv, false), op.handle);
			rc = -EFAULT;
		}
	}
	/* Mappings made are the guest's to undo, so the descriptor goes
	 * with the answer even when a later op failed. */
	if (bt.fd >= 0) {
		c->fds_out[c->n_fds_out++] = bt.fd;
		c->grant_fd = true;
	}
	trim(c->hv);
	return rc;
}

long hv_d0gnt_unmap_batch(struct hv_call *c, uint64_t uop, unsigned int count)
{
	struct hv_d0gnt *t = table(c->hv, false);
	struct gnttab_unmap_grant_ref op;
	long rc = 0;

	for (unsigned int i = 0; i < count && !rc; i++) {
		uint64_t a = uop + (uint64_t)i * sizeof(op);

		if (hv_copy_from(c, a, &op, sizeof(op))) {
			rc = -EFAULT;
			break;
		}
		if (t && op.handle < t->hcap && t->h[op.handle].used &&
		    t->h[op.handle].dom == c->dom->domid) {
			handle_drop(t, op.handle);
			op.status = GNTST_okay;
		} else {
			op.status = GNTST_bad_handle;
		}
		if (hv_copy_to(
			c, a + offsetof(struct gnttab_unmap_grant_ref, status),
			&op.status, sizeof(op.status)))
			rc = -EFAULT;
	}
	trim(c->hv);
	return rc;
}
