/*
 * grant.c — mapping and copying the pages guests grant to dom0.
 *
 * A map is one GNTTABOP_map_grant_ref hypercall with n operations (split
 * only when n does not fit one message).  pvhv checks and pins each entry
 * and answers with the frame (dev_bus_addr = frame << 12); we then
 * reserve n contiguous pages and map each frame from the guest's memfd
 * over them (the read-only memfd for read-only maps, so not even
 * mprotect() can make them writable).  Runs of consecutive frames share
 * one mmap().  Unmap removes the pages first, then drops the pins, so
 * this process cannot touch a page after the guest may reuse it.
 *
 * A copy packs the local side of every operation into the message: local
 * data at the front (no piece crossing a 4 KiB boundary, since pvhv sees
 * the message as dom0's pages for this call: gmfn = page index, domid
 * DOMID_SELF), the gnttab_copy array after it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hvc.h"

#define NOT_MAPPED UINT64_MAX
#define PENDING 1 /* a status pvhv never writes: op not reached */
#define MAX_MAP_PAGES (1u << 20)

struct hvc_map {
	struct hvc_map *next;
	void *addr;
	unsigned int n;
	struct hvc_dom *dom;
	grant_handle_t *handles;
	uint64_t *bus;
};

int pvhv_grant_errno(int status)
{
	switch (status) {
	case GNTST_okay:
		return 0;
	case GNTST_bad_domain:
		return -ESRCH;
	case GNTST_permission_denied:
		return -EACCES;
	case GNTST_general_error:
		return -EPERM;
	case GNTST_bad_gntref:
	case GNTST_bad_handle:
	case GNTST_bad_copy_arg:
	case GNTST_address_too_big:
		return -EINVAL;
	case GNTST_bad_virt_addr:
	case GNTST_bad_dev_addr:
	case GNTST_bad_page:
		return -EFAULT;
	case GNTST_no_device_space:
	case GNTST_no_space:
		return -ENOSPC;
	case GNTST_eagain:
		return -EAGAIN;
	default:
		return -EIO;
	}
}

/* ---- the mapping registry ----------------------------------------------- */

static struct hvc_map **bucket(struct pvhv *h, const void *addr)
{
	return &h->maps[((uintptr_t)addr / HVC_PAGE) % HVC_MAP_BUCKETS];
}

static struct hvc_map *map_new(unsigned int n)
{
	struct hvc_map *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->n = n;
	m->bus = malloc(n * sizeof(*m->bus));
	m->handles = malloc(n * sizeof(*m->handles));
	if (!m->bus || !m->handles) {
		free(m->bus);
		free(m->handles);
		free(m);
		return NULL;
	}
	for (unsigned int i = 0; i < n; i++)
		m->bus[i] = NOT_MAPPED;
	return m;
}

static void map_free(struct hvc_map *m)
{
	free(m->bus);
	free(m->handles);
	free(m);
}

/* ---- hypercalls ---------------------------------------------------------- */

static long gnttab_op(struct pvhv *h, unsigned int cmd, void *ops,
		      size_t size, unsigned int count, uint64_t offset)
{
	uint64_t args[5] = { cmd, offset, count };

	return hvc_hypercall(h, __HYPERVISOR_grant_table_op, args, ops,
			     (size_t)offset + size * count, NULL, NULL);
}

/* Drop the pins of every page of m that is mapped; first error. */
static int unmap_refs(struct pvhv *h, struct hvc_map *m)
{
	const unsigned int chunk = HVC_HCALL_MAX / sizeof(gnttab_unmap_grant_ref_t);
	gnttab_unmap_grant_ref_t *ops = calloc(chunk, sizeof(*ops));
	unsigned int i = 0, k;
	int first = 0;

	if (!ops)
		return -ENOMEM;
	while (i < m->n) {
		for (k = 0; i < m->n && k < chunk; i++) {
			if (m->bus[i] == NOT_MAPPED)
				continue;
			ops[k] = (gnttab_unmap_grant_ref_t){
				.dev_bus_addr = m->bus[i],
				.handle = m->handles[i],
				.status = PENDING,
			};
			k++;
		}
		if (!k)
			break;
		long ret = gnttab_op(h, GNTTABOP_unmap_grant_ref, ops,
				     sizeof(*ops), k, 0);
		for (unsigned int j = 0; j < k && !first; j++)
			first = ops[j].status == PENDING
					? (ret < 0 ? (int)ret : -EPROTO)
					: pvhv_grant_errno(ops[j].status);
	}
	free(ops);
	return first;
}

/* One map hypercall for refs[0..count-1] at pages base.. of m. */
static int map_chunk(struct pvhv *h, domid_t dom, const grant_ref_t *refs,
		     unsigned int count, uint32_t flags,
		     gnttab_map_grant_ref_t *ops, struct hvc_map *m,
		     unsigned int base)
{
	long ret;
	int first = 0;

	for (unsigned int i = 0; i < count; i++)
		ops[i] = (gnttab_map_grant_ref_t){
			.flags = flags, .ref = refs[i], .dom = dom,
			.status = PENDING,
		};
	ret = gnttab_op(h, GNTTABOP_map_grant_ref, ops, sizeof(*ops), count,
			0);
	for (unsigned int i = 0; i < count; i++) {
		int e = 0;

		if (ops[i].status == GNTST_okay) {
			m->bus[base + i] = ops[i].dev_bus_addr & ~(uint64_t)0xfff;
			m->handles[base + i] = ops[i].handle;
			if (ops[i].dev_bus_addr % HVC_PAGE)
				e = -EPROTO; /* pinned, but nonsense: undo */
		} else if (ops[i].status == PENDING) {
			e = ret < 0 ? (int)ret : -EPROTO;
		} else {
			e = pvhv_grant_errno(ops[i].status);
		}
		if (e && !first)
			first = e;
	}
	return first;
}

static int map_refs(struct pvhv *h, domid_t dom, const grant_ref_t *refs,
		    uint32_t flags, struct hvc_map *m)
{
	const unsigned int chunk = HVC_HCALL_MAX / sizeof(gnttab_map_grant_ref_t);
	unsigned int size = m->n < chunk ? m->n : chunk;
	gnttab_map_grant_ref_t *ops = calloc(size, sizeof(*ops));
	int rc = 0;

	if (!ops)
		return -ENOMEM;
	for (unsigned int i = 0; i < m->n && !rc; i += size) {
		unsigned int count = m->n - i < size ? m->n - i : size;

		rc = map_chunk(h, dom, refs + i, count, flags, ops, m, i);
	}
	free(ops);
	return rc;
}

/* ---- placing the pages ------------------------------------------------------ */

static int place(struct hvc_map *m, int prot)
{
	const struct hvc_dom *d = m->dom;
	int fd = prot & PROT_WRITE ? d->rw_fd : d->ro_fd;
	size_t len = (size_t)m->n * HVC_PAGE;
	char *base;

	for (unsigned int i = 0; i < m->n; i++)
		if (m->bus[i] / HVC_PAGE >= d->nr_pages)
			return -EPROTO;
	base = mmap(NULL, len, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return -errno;
	for (unsigned int i = 0, j; i < m->n; i = j) {
		for (j = i + 1; j < m->n && m->bus[j] == m->bus[j - 1] + HVC_PAGE;
		     j++)
			;
		if (mmap(base + (size_t)i * HVC_PAGE, (size_t)(j - i) * HVC_PAGE,
			 prot, MAP_SHARED | MAP_FIXED, fd,
			 (off_t)m->bus[i]) == MAP_FAILED) {
			int rc = -errno;

			munmap(base, len);
			return rc;
		}
	}
	m->addr = base;
	return 0;
}

int pvhv_grant_map(struct pvhv *h, domid_t dom, const grant_ref_t *refs,
		   unsigned int n, int prot, void **addr)
{
	uint32_t flags = GNTMAP_host_map;
	struct hvc_map *m, **b;
	int rc;

	if (!refs || !addr || !n || n > MAX_MAP_PAGES ||
	    (prot != PROT_READ && prot != (PROT_READ | PROT_WRITE)))
		return -EINVAL;
	if (!(prot & PROT_WRITE))
		flags |= GNTMAP_readonly;
	m = map_new(n);
	if (!m)
		return -ENOMEM;
	rc = map_refs(h, dom, refs, flags, m);
	/* After the hypercall: a death notice read on the way has already
	 * retired a stale memory entry for this domid. */
	if (!rc)
		rc = hvc_dom_get(h, dom, &m->dom);
	if (!rc)
		rc = place(m, prot);
	if (rc) {
		unmap_refs(h, m);
		hvc_dom_put(h, m->dom);
		map_free(m);
		return rc;
	}
	b = bucket(h, m->addr);
	m->next = *b;
	*b = m;
	*addr = m->addr;
	return 0;
}

int pvhv_grant_unmap(struct pvhv *h, void *addr, unsigned int n)
{
	struct hvc_map **pp, *m;
	int rc;

	for (pp = bucket(h, addr); *pp && (*pp)->addr != addr;
	     pp = &(*pp)->next)
		;
	m = *pp;
	if (!m || m->n != n)
		return -EINVAL;
	*pp = m->next;
	munmap(m->addr, (size_t)m->n * HVC_PAGE);
	rc = unmap_refs(h, m);
	hvc_dom_put(h, m->dom);
	map_free(m);
	return rc;
}

void hvc_maps_free_all(struct pvhv *h)
{
	for (unsigned int i = 0; i < HVC_MAP_BUCKETS; i++) {
		while (h->maps[i]) {
			struct hvc_map *m = h->maps[i];

			h->maps[i] = m->next;
			munmap(m->addr, (size_t)m->n * HVC_PAGE);
			hvc_dom_put(h, m->dom);
			map_free(m);
		}
	}
}

/* ---- copy --------------------------------------------------------------------- */

#define COPY_MAX_OPS (HVC_HCALL_MAX / sizeof(gnttab_copy_t))

struct copy_batch {
	unsigned char *buf;	/* HVC_HCALL_MAX bytes: data, then ops */
	gnttab_copy_t ops[COPY_MAX_OPS];
	unsigned int idx[COPY_MAX_OPS]; /* segment of each op */
	unsigned int k;
	size_t data; /* bytes of local data used */
};

static size_t align8(size_t x)
{
	return (x + 7) & ~(size_t)7;
}

static void local_side(struct gnttab_copy_ptr *p, size_t at)
{
	p->u.gmfn = (xen_pfn_t)(at / HVC_PAGE);
	p->domid = DOMID_SELF;
	p->offset = (uint16_t)(at % HVC_PAGE);
}

static void foreign_side(struct gnttab_copy_ptr *p,
			 const struct pvhv_copy_seg *s, int src)
{
	p->u.ref = src ? s->source.foreign.ref : s->dest.foreign.ref;
	p->domid = src ? s->source.foreign.domid : s->dest.foreign.domid;
	p->offset = src ? s->source.foreign.offset : s->dest.foreign.offset;
}

static bool seg_ok(const struct pvhv_copy_seg *s)
{
	bool src_local = !(s->flags & GNTCOPY_source_gref);
	bool dst_local = !(s->flags & GNTCOPY_dest_gref);

	if (s->len > HVC_PAGE || (src_local && dst_local))
		return false;
	if (s->flags & ~(GNTCOPY_source_gref | GNTCOPY_dest_gref))
		return false;
	return !s->len || (!(src_local && !s->source.virt) &&
			   !(dst_local && !s->dest.virt));
}

/* Add s to the batch; false when it does not fit (flush first). */
static bool batch_add(struct copy_batch *b, const struct pvhv_copy_seg *s,
		      unsigned int seg)
{
	bool local = (s->flags & (GNTCOPY_source_gref | GNTCOPY_dest_gref)) !=
		     (GNTCOPY_source_gref | GNTCOPY_dest_gref);
	size_t at = b->data;
	gnttab_copy_t *op = &b->ops[b->k];

	if (local && at % HVC_PAGE + s->len > HVC_PAGE)
		at = (at + HVC_PAGE - 1) & ~(size_t)(HVC_PAGE - 1);
	if (align8(at + (local ? s->len : 0)) + (b->k + 1) * sizeof(*op) >
	    HVC_HCALL_MAX)
		return false;
	memset(op, 0, sizeof(*op));
	op->len = s->len;
	op->flags = s->flags;
	op->status = PENDING;
	if (s->flags & GNTCOPY_source_gref)
		foreign_side(&op->source, s, 1);
	else
		local_side(&op->source, at);
	if (s->flags & GNTCOPY_dest_gref)
		foreign_side(&op->dest, s, 0);
	else
		local_side(&op->dest, at);
	if (local && !(s->flags & GNTCOPY_source_gref) && s->len)
		memcpy(b->buf + at, s->source.virt, s->len);
	if (local)
		b->data = at + s->len;
	b->idx[b->k++] = seg;
	return true;
}

/* Send the batch; statuses go to the segments.  Returns a transport
 * error (pvhv unreachable or refusing the call), else 0. */
static int batch_run(struct pvhv *h, struct copy_batch *b,
		     struct pvhv_copy_seg *segs)
{
	size_t off = align8(b->data);
	long ret;

	memcpy(b->buf + off, b->ops, b->k * sizeof(b->ops[0]));
	ret = gnttab_op(h, GNTTABOP_copy, b->buf, sizeof(b->ops[0]), b->k,
			off);
	memcpy(b->ops, b->buf + off, b->k * sizeof(b->ops[0]));
	for (unsigned int i = 0; i < b->k; i++) {
		struct pvhv_copy_seg *s = &segs[b->idx[i]];
		const gnttab_copy_t *op = &b->ops[i];

		s->status = op->status == PENDING ? GNTST_general_error
						  : op->status;
		if (s->status == GNTST_okay &&
		    !(s->flags & GNTCOPY_dest_gref) && s->len)
			memcpy(s->dest.virt,
			       b->buf + op->dest.u.gmfn * HVC_PAGE +
				       op->dest.offset,
			       s->len);
	}
	b->k = 0;
	b->data = 0;
	return ret < 0 ? (int)ret : 0;
}

int pvhv_grant_copy(struct pvhv *h, struct pvhv_copy_seg *segs,
		    unsigned int n)
{
	struct copy_batch *b;
	int transport = 0, rc;

	if (!n)
		return 0;
	if (!segs)
		return -EINVAL;
	b = calloc(1, sizeof(*b));
	if (!b || !(b->buf = malloc(HVC_HCALL_MAX))) {
		free(b);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < n; i++) {
		if (!seg_ok(&segs[i])) {
			segs[i].status = GNTST_bad_copy_arg;
			continue;
		}
		if (batch_add(b, &segs[i], i))
			continue;
		rc = batch_run(h, b, segs);
		if (rc && !transport)
			transport = rc;
		batch_add(b, &segs[i], i); /* always fits an empty batch */
	}
	if (b->k && (rc = batch_run(h, b, segs)) && !transport)
		transport = rc;
	free(b->buf);
	free(b);
	if (transport)
		return transport;
	for (unsigned int i = 0; i < n; i++)
		if (segs[i].status != GNTST_okay)
			return pvhv_grant_errno(segs[i].status);
	return 0;
}
