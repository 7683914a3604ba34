/*
 * Unit tests for pvhv's grant tables (hypervisor/pvhv/gnttab.c and
 * gnttab_map.c), with a fake domain table, engine and clients
 * (fake_hv.c): setup_table and query_size for guests, dom0's map, unmap
 * and copy, pin counts, handles per client, domains dying under live
 * mappings, and hostile guests (frames outside memory or in pvhv's layout,
 * grants to the wrong domain, an entry rewritten while it is pinned).
 */
#include "unit.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sched.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "fake_hv.h"
#include "pvkit/grant.h"
#include "pvkit/proto/errno.h"

#define NR_PAGES 64
#define GRANT_FRAMES 4
#define FREE_GFN (HV_GFN_GRANT + GRANT_FRAMES)
#define BUF_PAGES 8
#define BUF_LEN (BUF_PAGES * HV_PAGE_SIZE)
#define ENTRIES_PER_FRAME 512u

struct fx {
	struct hv hv;
	struct domain *g;      /* the guest */
	struct client *cl;     /* a dom0 client */
	uint8_t *buf;          /* argument memory of calls */
	struct grant_entry_v1 *gt; /* the guest's grant table */
	unsigned int fds;      /* open before the case */
};

static struct grant_entry_v1 *table_of(struct domain *d)
{
	return hv_mem_ptr(&d->mem, (uint64_t)HV_GFN_GRANT << HV_PAGE_SHIFT,
			  GRANT_FRAMES * HV_PAGE_SIZE);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->fds = fake_open_fds();
	fake_hv_init(&f->hv);
	f->g = fake_domain_new(&f->hv, NR_PAGES, GRANT_FRAMES, 64);
	f->cl = fake_client_new(1);
	f->buf = aligned_alloc(HV_PAGE_SIZE, BUF_LEN);
	f->gt = table_of(f->g);
	memset(f->buf, 0, BUF_LEN);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (f->cl)
		fake_client_gone(&f->hv, f->cl);
	fake_hv_fini(&f->hv);
	assert_int_equal(fake_open_fds(), f->fds);
	free(f->buf);
	free(f);
	return 0;
}

static uint16_t flags_of(const struct grant_entry_v1 *e)
{
	return atomic_load((const _Atomic uint16_t *)&e->flags);
}

static void grant(struct fx *f, grant_ref_t ref, domid_t to, uint32_t frame,
		  bool ro)
{
	assert_int_equal(pv_grant_access(&f->gt[ref], to, frame, ro), 0);
}

/* A call by the dom0 client cl (or by domain d when cl is NULL) with
 * arguments at offset 0 of f->buf. */
static long call(struct fx *f, struct domain *d, struct client *cl,
		 unsigned int cmd, unsigned int count)
{
	struct fake_call fc;

	fake_call_init(&fc, &f->hv, d, cl, f->buf, BUF_LEN);
	return hv_gnttab_op(&fc.c, cmd, 0, count);
}

static int16_t map_as(struct fx *f, struct client *cl, domid_t dom,
		      grant_ref_t ref, uint32_t flags, grant_handle_t *h,
		      uint64_t *bus)
{
	struct gnttab_map_grant_ref *op = (void *)f->buf;

	*op = (struct gnttab_map_grant_ref){ .flags = flags, .ref = ref,
					     .dom = dom, .status = 99,
					     .handle = 0xdead };
	assert_int_equal(call(f, f->hv.dom0, cl, GNTTABOP_map_grant_ref, 1),
			 0);
	if (h)
		*h = op->handle;
	if (bus)
		*bus = op->dev_bus_addr;
	return op->status;
}

static int16_t map(struct fx *f, grant_ref_t ref, bool ro, grant_handle_t *h)
{
	return map_as(f, f->cl, f->g->domid, ref,
		      GNTMAP_host_map | (ro ? GNTMAP_readonly : 0), h, NULL);
}

static int16_t unmap_as(struct fx *f, struct client *cl, grant_handle_t h,
			uint64_t bus)
{
	struct gnttab_unmap_grant_ref *op = (void *)f->buf;

	*op = (struct gnttab_unmap_grant_ref){ .handle = h,
					       .dev_bus_addr = bus,
					       .status = 99 };
	assert_int_equal(call(f, f->hv.dom0, cl, GNTTABOP_unmap_grant_ref, 1),
			 0);
	return op->status;
}

static int16_t unmap(struct fx *f, grant_handle_t h)
{
	return unmap_as(f, f->cl, h, 0);
}

static uint8_t *frame_ptr(struct domain *d, uint32_t frame)
{
	return hv_mem_ptr(&d->mem, (uint64_t)frame << HV_PAGE_SHIFT,
			  HV_PAGE_SIZE);
}

/* ---- setup_table and query_size ------------------------------------------- */

static int16_t query(struct fx *f, struct domain *caller, struct client *cl,
		     domid_t dom, uint32_t *nr, uint32_t *max)
{
	struct gnttab_query_size *q = (void *)f->buf;

	*q = (struct gnttab_query_size){ .dom = dom, .status = 99 };
	assert_int_equal(call(f, caller, cl, GNTTABOP_query_size, 1), 0);
	if (nr)
		*nr = q->nr_frames;
	if (max)
		*max = q->max_nr_frames;
	return q->status;
}

static int16_t setup_tbl(struct fx *f, domid_t dom, uint32_t nr,
			 uint64_t list)
{
	struct gnttab_setup_table *s = (void *)f->buf;

	*s = (struct gnttab_setup_table){ .dom = dom, .nr_frames = nr,
					  .status = 99 };
	s->frame_list.p = (xen_pfn_t *)(uintptr_t)list;
	assert_int_equal(call(f, f->g, NULL, GNTTABOP_setup_table, 1), 0);
	return s->status;
}

static void setup_table_returns_grant_frames(void **state)
{
	struct fx *f = *state;
	xen_pfn_t *list = (void *)(f->buf + 256);
	uint32_t nr, max;

	assert_int_equal(query(f, f->g, NULL, DOMID_SELF, &nr, &max), 0);
	assert_int_equal(nr, 1); /* a table starts with one frame */
	assert_int_equal(max, GRANT_FRAMES);
	assert_int_equal(setup_tbl(f, DOMID_SELF, GRANT_FRAMES, 256),
			 GNTST_okay);
	for (unsigned int i = 0; i < GRANT_FRAMES; i++)
		assert_int_equal(list[i], HV_GFN_GRANT + i);
	assert_int_equal(query(f, f->g, NULL, f->g->domid, &nr, &max), 0);
	assert_int_equal(nr, GRANT_FRAMES);
	/* Never shrinks. */
	assert_int_equal(setup_tbl(f, DOMID_SELF, 1, 256), GNTST_okay);
	assert_int_equal(query(f, f->g, NULL, DOMID_SELF, &nr, NULL), 0);
	assert_int_equal(nr, GRANT_FRAMES);
}

static void setup_table_hostile(void **state)
{
	struct fx *f = *state;
	uint32_t nr;

	/* More frames than the limit: exhausting the grant-frame limit. */
	assert_int_equal(setup_tbl(f, DOMID_SELF, GRANT_FRAMES + 1, 256),
			 GNTST_general_error);
	assert_int_equal(setup_tbl(f, DOMID_SELF, UINT32_MAX, 256),
			 GNTST_general_error);
	assert_int_equal(query(f, f->g, NULL, DOMID_SELF, &nr, NULL), 0);
	assert_int_equal(nr, 1);
	/* A frame list outside the caller's memory. */
	assert_int_equal(setup_tbl(f, DOMID_SELF, 2, BUF_LEN - 8),
			 GNTST_bad_virt_addr);
	assert_int_equal(setup_tbl(f, DOMID_SELF, 2, UINT64_MAX - 7),
			 GNTST_bad_virt_addr);
	/* Another domain's table, or none. */
	assert_int_equal(setup_tbl(f, 0, 1, 256), GNTST_permission_denied);
	assert_int_equal(setup_tbl(f, 77, 1, 256), GNTST_bad_domain);
	/* count must be 1; the struct must be readable. */
	assert_int_equal(call(f, f->g, NULL, GNTTABOP_setup_table, 0),
			 -EINVAL);
	assert_int_equal(call(f, f->g, NULL, GNTTABOP_setup_table, 2),
			 -EINVAL);
	{
		struct fake_call fc;

		fake_call_init(&fc, &f->hv, f->g, NULL, f->buf, BUF_LEN);
		assert_int_equal(hv_gnttab_op(&fc.c, GNTTABOP_setup_table,
					      BUF_LEN - 4, 1),
				 -EFAULT);
		assert_int_equal(hv_gnttab_op(&fc.c, GNTTABOP_query_size,
					      UINT64_MAX, 1),
				 -EFAULT);
	}
}

static void query_size_permissions(void **state)
{
	struct fx *f = *state;
	struct domain *other = fake_domain_new(&f->hv, NR_PAGES, 2, 16);
	uint32_t nr, max;

	assert_int_equal(query(f, f->g, NULL, other->domid, NULL, NULL),
			 GNTST_permission_denied);
	assert_int_equal(query(f, f->g, NULL, 0, NULL, NULL),
			 GNTST_permission_denied);
	assert_int_equal(query(f, f->g, NULL, 999, NULL, NULL),
			 GNTST_bad_domain);
	/* dom0 may ask about anyone; its own table is empty. */
	assert_int_equal(query(f, f->hv.dom0, f->cl, other->domid, &nr, &max),
			 GNTST_okay);
	assert_int_equal(nr, 1);
	assert_int_equal(max, 2);
	assert_int_equal(query(f, f->hv.dom0, f->cl, DOMID_SELF, &nr, &max),
			 GNTST_okay);
	assert_int_equal(nr, 0);
	assert_int_equal(max, 0);
	assert_int_equal(call(f, f->g, NULL, GNTTABOP_query_size, 3), -EINVAL);
	fake_domain_die(other);
	assert_int_equal(query(f, f->hv.dom0, f->cl, 2, NULL, NULL),
			 GNTST_bad_domain);
}

/* ---- map and unmap ------------------------------------------------------------ */

static void map_rw_grant(void **state)
{
	struct fx *f = *state;
	grant_handle_t h;
	uint64_t bus;

	grant(f, 10, 0, FREE_GFN, false);
	assert_int_equal(map_as(f, f->cl, f->g->domid, 10, GNTMAP_host_map,
				&h, &bus),
			 GNTST_okay);
	assert_int_equal(bus, (uint64_t)FREE_GFN << HV_PAGE_SHIFT);
	assert_int_equal(flags_of(&f->gt[10]),
			 GTF_permit_access | GTF_reading | GTF_writing);
	/* The guest cannot revoke it while mapped. */
	assert_int_equal(pv_grant_end_access(&f->gt[10]), -XEN_EBUSY);
	assert_int_equal(unmap_as(f, f->cl, h, bus), GNTST_okay);
	assert_int_equal(flags_of(&f->gt[10]), GTF_permit_access);
	assert_int_equal(pv_grant_end_access(&f->gt[10]), 0);
}

static void map_ro_grant(void **state)
{
	struct fx *f = *state;
	grant_handle_t h;

	grant(f, 11, 0, FREE_GFN + 1, true);
	assert_int_equal(map(f, 11, false, &h), GNTST_general_error);
	assert_int_equal(flags_of(&f->gt[11]),
			 GTF_permit_access | GTF_readonly);
	assert_int_equal(map(f, 11, true, &h), GNTST_okay);
	assert_int_equal(flags_of(&f->gt[11]),
			 GTF_permit_access | GTF_readonly | GTF_reading);
	assert_int_equal(unmap(f, h), GNTST_okay);
	assert_int_equal(flags_of(&f->gt[11]),
			 GTF_permit_access | GTF_readonly);
}

/* GTF_writing goes with the last writable mapping, GTF_reading with the
 * last mapping. */
static void pin_counts(void **state)
{
	struct fx *f = *state;
	grant_handle_t r1, r2, w1, w2;
	const uint16_t base = GTF_permit_access;

	grant(f, 12, 0, FREE_GFN, false);
	assert_int_equal(map(f, 12, true, &r1), GNTST_okay);
	assert_int_equal(flags_of(&f->gt[12]), base | GTF_reading);
	assert_int_equal(map(f, 12, false, &w1), GNTST_okay);
	assert_int_equal(map(f, 12, false, &w2), GNTST_okay);
	assert_int_equal(map(f, 12, true, &r2), GNTST_okay);
	assert_int_equal(flags_of(&f->gt[12]),
			 base | GTF_reading | GTF_writing);
	assert_int_equal(unmap(f, w1), GNTST_okay);
	assert_int_equal(flags_of(&f->gt[12]),
			 base | GTF_reading | GTF_writing);
	assert_int_equal(unmap(f, w2), GNTST_okay);
	assert_int_equal(flags_of(&f->gt[12]), base | GTF_reading);
	assert_int_equal(unmap(f, r1), GNTST_okay);
	assert_int_equal(flags_of(&f->gt[12]), base | GTF_reading);
	assert_int_equal(unmap(f, r2), GNTST_okay);
	assert_int_equal(flags_of(&f->gt[12]), base);
	/* Handles are not reused by a second unmap. */
	assert_int_equal(unmap(f, r2), GNTST_bad_handle);
}

static void map_frames_outside_memory(void **state)
{
	struct fx *f = *state;
	static const uint32_t bad[] = { NR_PAGES, NR_PAGES + 1, 0x7fffffff,
					0xffffffffu };
	grant_handle_t h;

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		grant(f, 20, 0, bad[i], false);
		assert_int_equal(map(f, 20, false, &h), GNTST_general_error);
		assert_int_equal(map(f, 20, true, &h), GNTST_general_error);
		/* No pin left behind. */
		assert_int_equal(flags_of(&f->gt[20]), GTF_permit_access);
		assert_int_equal(pv_grant_end_access(&f->gt[20]), 0);
	}
	grant(f, 20, 0, NR_PAGES - 1, false);
	assert_int_equal(map(f, 20, false, &h), GNTST_okay);
	assert_int_equal(unmap(f, h), GNTST_okay);
}

/* start_info, shared_info and the grant table itself are pvhv's; the
 * console and store rings are dom0's to map (entries 0 and 1). */
static void map_reserved_frames(void **state)
{
	struct fx *f = *state;
	static const uint32_t reserved[] = { HV_GFN_START_INFO,
					     HV_GFN_SHARED_INFO, HV_GFN_GRANT,
					     FREE_GFN - 1 };
	grant_handle_t h1, h2;

	for (unsigned int i = 0; i < sizeof(reserved) / sizeof(reserved[0]);
	     i++) {
		grant(f, 21, 0, reserved[i], true);
		assert_int_equal(map(f, 21, true, &h1), GNTST_general_error);
		assert_int_equal(flags_of(&f->gt[21]),
				 GTF_permit_access | GTF_readonly);
		assert_int_equal(pv_grant_end_access(&f->gt[21]), 0);
	}
	assert_int_equal(map(f, GNTTAB_RESERVED_CONSOLE, false, &h1),
			 GNTST_okay);
	assert_int_equal(map(f, GNTTAB_RESERVED_XENSTORE, false, &h2),
			 GNTST_okay);
	assert_int_equal(unmap(f, h1), GNTST_okay);
	assert_int_equal(unmap(f, h2), GNTST_okay);
}

static void map_grant_to_wrong_domain(void **state)
{
	struct fx *f = *state;
	struct domain *other = fake_domain_new(&f->hv, NR_PAGES, 2, 16);
	grant_handle_t h;

	/* Granted to itself, to another guest, to a domain that does not
	 * exist: dom0 may map none of them. */
	grant(f, 22, f->g->domid, FREE_GFN, false);
	grant(f, 23, other->domid, FREE_GFN, false);
	grant(f, 24, 999, FREE_GFN, false);
	grant(f, 25, DOMID_SELF, FREE_GFN, false);
	for (grant_ref_t r = 22; r <= 25; r++) {
		assert_int_equal(map(f, r, true, &h), GNTST_general_error);
		assert_int_equal(flags_of(&f->gt[r]), GTF_permit_access);
	}
	/* Other entry types, and an empty entry. */
	f->gt[26] = (struct grant_entry_v1){ .flags = GTF_accept_transfer,
					     .frame = FREE_GFN };
	f->gt[27] = (struct grant_entry_v1){ .flags = GTF_permit_access |
							  GTF_sub_page,
					     .frame = FREE_GFN };
	for (grant_ref_t r = 26; r <= 28; r++)
		assert_int_equal(map(f, r, true, &h), GNTST_general_error);
	fake_domain_die(other);
}

static void map_bad_arguments(void **state)
{
	struct fx *f = *state;
	grant_handle_t h;

	grant(f, 30, 0, FREE_GFN, false);
	/* A domain that does not exist, or dom0 itself (no grant table). */
	assert_int_equal(map_as(f, f->cl, 999, 30, GNTMAP_host_map, &h, NULL),
			 GNTST_bad_domain);
	assert_int_equal(map_as(f, f->cl, DOMID_IO, 30, GNTMAP_host_map, &h,
				NULL),
			 GNTST_bad_domain);
	assert_int_equal(map_as(f, f->cl, DOMID_SELF, 30, GNTMAP_host_map, &h,
				NULL),
			 GNTST_bad_gntref);
	assert_int_equal(map_as(f, f->cl, 0, 30, GNTMAP_host_map, &h, NULL),
			 GNTST_bad_gntref);
	/* Refs past the frames set up so far (one), and far past. */
	grant(f, ENTRIES_PER_FRAME, 0, FREE_GFN, false);
	assert_int_equal(map(f, ENTRIES_PER_FRAME, true, &h),
			 GNTST_bad_gntref);
	assert_int_equal(map(f, UINT32_MAX, true, &h), GNTST_bad_gntref);
	assert_int_equal(setup_tbl(f, DOMID_SELF, 2, 256), GNTST_okay);
	assert_int_equal(map(f, ENTRIES_PER_FRAME, true, &h), GNTST_okay);
	assert_int_equal(unmap(f, h), GNTST_okay);
	/* Neither host nor device map; a PTE address pvhv cannot use. */
	assert_int_equal(map_as(f, f->cl, f->g->domid, 30, 0, &h, NULL),
			 GNTST_bad_gntref);
	assert_int_equal(map_as(f, f->cl, f->g->domid, 30, GNTMAP_readonly,
				&h, NULL),
			 GNTST_bad_gntref);
	assert_int_equal(map_as(f, f->cl, f->g->domid, 30,
				GNTMAP_host_map | GNTMAP_contains_pte, &h,
				NULL),
			 GNTST_general_error);
	assert_int_equal(flags_of(&f->gt[30]), GTF_permit_access);
	/* device_map alone is fine too. */
	assert_int_equal(map_as(f, f->cl, f->g->domid, 30, GNTMAP_device_map,
				&h, NULL),
			 GNTST_okay);
	assert_int_equal(unmap(f, h), GNTST_okay);
}

static void unmap_bad_handles(void **state)
{
	struct fx *f = *state;
	struct client *other = fake_client_new(2);
	grant_handle_t h;
	uint64_t bus;

	assert_int_equal(unmap(f, 0), GNTST_bad_handle);
	assert_int_equal(unmap(f, UINT32_MAX), GNTST_bad_handle);
	grant(f, 31, 0, FREE_GFN, false);
	assert_int_equal(map_as(f, f->cl, f->g->domid, 31, GNTMAP_host_map,
				&h, &bus),
			 GNTST_okay);
	/* Another client's handle means nothing to this one. */
	assert_int_equal(unmap_as(f, other, h, 0), GNTST_bad_handle);
	assert_int_equal(unmap_as(f, f->cl, h, bus + HV_PAGE_SIZE),
			 GNTST_bad_dev_addr);
	assert_int_equal(flags_of(&f->gt[31]),
			 GTF_permit_access | GTF_reading | GTF_writing);
	assert_int_equal(unmap_as(f, f->cl, h, bus), GNTST_okay);
	assert_int_equal(unmap_as(f, f->cl, h, bus), GNTST_bad_handle);
	assert_int_equal(unmap(f, h + 1), GNTST_bad_handle);
	fake_client_gone(&f->hv, other);
}

/* A guest maps only dom0's own grants (test_hv_d0gnt): another guest's
 * are refused entry by entry, copy is refused whole. */
static void guest_may_not_map(void **state)
{
	struct fx *f = *state;
	struct domain *other = fake_domain_new(&f->hv, NR_PAGES, 2, 16);
	struct gnttab_map_grant_ref *op = (void *)f->buf;
	struct gnttab_unmap_grant_ref *uop = (void *)f->buf;

	grant(f, 32, other->domid, FREE_GFN, false);
	*op = (struct gnttab_map_grant_ref){ .flags = GNTMAP_host_map,
					     .ref = 32, .dom = f->g->domid,
					     .status = 99 };
	assert_int_equal(call(f, other, NULL, GNTTABOP_map_grant_ref, 1), 0);
	assert_int_equal(op->status, GNTST_permission_denied);
	*uop = (struct gnttab_unmap_grant_ref){ .handle = 0, .status = 99 };
	assert_int_equal(call(f, other, NULL, GNTTABOP_unmap_grant_ref, 1),
			 0);
	assert_int_equal(uop->status, GNTST_bad_handle);
	assert_int_equal(call(f, other, NULL, GNTTABOP_copy, 1), -EPERM);
	assert_int_equal(call(f, other, NULL, GNTTABOP_map_grant_ref,
			      UINT32_MAX),
			 -EINVAL);
	assert_int_equal(flags_of(&f->gt[32]), GTF_permit_access);
	fake_domain_die(other);
}

static void unknown_subops(void **state)
{
	struct fx *f = *state;
	static const unsigned int cmds[] = {
		GNTTABOP_dump_table, GNTTABOP_transfer,
		GNTTABOP_unmap_and_replace, GNTTABOP_set_version,
		GNTTABOP_get_status_frames, GNTTABOP_get_version,
		GNTTABOP_swap_grant_ref, GNTTABOP_cache_flush, 13, 0xfff,
		GNTTABOP_cache_flush | 0x1000,
	};

	for (unsigned int i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		assert_int_equal(call(f, f->g, NULL, cmds[i], 1), -ENOSYS);
		assert_int_equal(call(f, f->hv.dom0, f->cl, cmds[i], 1),
				 -ENOSYS);
	}
	/* Continuation bits on anything but cache_flush. */
	assert_int_equal(call(f, f->g, NULL, GNTTABOP_query_size | 0x1000, 1),
			 -EINVAL);
	assert_int_equal(call(f, f->hv.dom0, f->cl, 0xffffffffu, 1), -EINVAL);
}

static void huge_counts(void **state)
{
	struct fx *f = *state;
	struct gnttab_map_grant_ref *ops = (void *)f->buf;
	struct fake_call fc;

	assert_int_equal(call(f, f->hv.dom0, f->cl, GNTTABOP_map_grant_ref,
			      4097),
			 -EINVAL);
	assert_int_equal(call(f, f->hv.dom0, f->cl, GNTTABOP_unmap_grant_ref,
			      UINT32_MAX),
			 -EINVAL);
	assert_int_equal(call(f, f->hv.dom0, f->cl, GNTTABOP_copy,
			      0x80000000u),
			 -EINVAL);
	/* Zero entries: nothing to do. */
	assert_int_equal(call(f, f->hv.dom0, f->cl, GNTTABOP_map_grant_ref, 0),
			 0);
	/* A batch running off the end of the argument memory: the entries
	 * before the end are done (and reported), then -EFAULT. */
	grant(f, 33, 0, FREE_GFN, true);
	fake_call_init(&fc, &f->hv, f->hv.dom0, f->cl, f->buf, BUF_LEN);
	ops = (void *)(f->buf + BUF_LEN - sizeof(*ops));
	*ops = (struct gnttab_map_grant_ref){ .flags = GNTMAP_host_map |
							GNTMAP_readonly,
					      .ref = 33, .dom = f->g->domid };
	assert_int_equal(hv_gnttab_op(&fc.c, GNTTABOP_map_grant_ref,
				      BUF_LEN - sizeof(*ops), 2),
			 -EFAULT);
	assert_int_equal(ops->status, GNTST_okay);
	assert_int_equal(unmap(f, ops->handle), GNTST_okay);
	/* A batch whose addresses would wrap around. */
	assert_int_equal(hv_gnttab_op(&fc.c, GNTTABOP_map_grant_ref,
				      UINT64_MAX - 8, 2),
			 -EFAULT);
	assert_int_equal(flags_of(&f->gt[33]),
			 GTF_permit_access | GTF_readonly);
}

/* A map whose result cannot be written back leaves nothing behind: the
 * caller would never learn the handle. */
static void map_result_unwritable(void **state)
{
	struct fx *f = *state;
	struct gnttab_map_grant_ref *op = (void *)f->buf;
	struct fake_call fc;

	grant(f, 34, 0, FREE_GFN, false);
	*op = (struct gnttab_map_grant_ref){ .flags = GNTMAP_host_map,
					     .ref = 34, .dom = f->g->domid };
	fake_call_init(&fc, &f->hv, f->hv.dom0, f->cl, f->buf, BUF_LEN);
	fc.read_only = true;
	assert_int_equal(hv_gnttab_op(&fc.c, GNTTABOP_map_grant_ref, 0, 1),
			 -EFAULT);
	assert_int_equal(flags_of(&f->gt[34]), GTF_permit_access);
	assert_int_equal(pv_grant_end_access(&f->gt[34]), 0);
}

/* A batch of several maps and unmaps in one call, each with its status. */
static void batches(void **state)
{
	struct fx *f = *state;
	struct gnttab_map_grant_ref *m = (void *)f->buf;
	struct gnttab_unmap_grant_ref *u = (void *)f->buf;
	grant_handle_t h[4];

	for (grant_ref_t r = 40; r < 43; r++)
		grant(f, r, 0, FREE_GFN + r - 40, r == 41);
	for (unsigned int i = 0; i < 4; i++)
		m[i] = (struct gnttab_map_grant_ref){ .flags = GNTMAP_host_map,
						      .ref = 40 + i,
						      .dom = f->g->domid };
	assert_int_equal(call(f, f->hv.dom0, f->cl, GNTTABOP_map_grant_ref, 4),
			 0);
	assert_int_equal(m[0].status, GNTST_okay);
	assert_int_equal(m[1].status, GNTST_general_error); /* ro grant */
	assert_int_equal(m[2].status, GNTST_okay);
	assert_int_equal(m[3].status, GNTST_general_error); /* no grant */
	assert_int_equal(m[2].dev_bus_addr,
			 (uint64_t)(FREE_GFN + 2) << HV_PAGE_SHIFT);
	h[0] = m[0].handle;
	h[1] = m[2].handle;
	assert_int_not_equal(h[0], h[1]);
	memset(u, 0, 3 * sizeof(*u));
	u[0].handle = h[0];
	u[1].handle = h[1];
	u[2].handle = h[1];
	assert_int_equal(call(f, f->hv.dom0, f->cl, GNTTABOP_unmap_grant_ref,
			      3),
			 0);
	assert_int_equal(u[0].status, GNTST_okay);
	assert_int_equal(u[1].status, GNTST_okay);
	assert_int_equal(u[2].status, GNTST_bad_handle);
	assert_int_equal(flags_of(&f->gt[40]), GTF_permit_access);
	assert_int_equal(flags_of(&f->gt[42]), GTF_permit_access);
}

static void clients_own_their_mappings(void **state)
{
	struct fx *f = *state;
	struct client *b = fake_client_new(2);
	grant_handle_t ha, hb;

	grant(f, 50, 0, FREE_GFN, false);
	grant(f, 51, 0, FREE_GFN + 1, false);
	assert_int_equal(map_as(f, f->cl, f->g->domid, 50, GNTMAP_host_map,
				&ha, NULL),
			 GNTST_okay);
	assert_int_equal(map_as(f, b, f->g->domid, 50,
				GNTMAP_host_map | GNTMAP_readonly, &hb, NULL),
			 GNTST_okay);
	assert_int_equal(map_as(f, b, f->g->domid, 51, GNTMAP_host_map, NULL,
				NULL),
			 GNTST_okay);
	/* b goes: its pins go, a's stay. */
	fake_client_gone(&f->hv, b);
	assert_int_equal(flags_of(&f->gt[51]), GTF_permit_access);
	assert_int_equal(flags_of(&f->gt[50]),
			 GTF_permit_access | GTF_reading | GTF_writing);
	assert_int_equal(unmap(f, ha), GNTST_okay);
	assert_int_equal(flags_of(&f->gt[50]), GTF_permit_access);
	/* a goes with a mapping still held. */
	assert_int_equal(map(f, 51, true, &ha), GNTST_okay);
	fake_client_gone(&f->hv, f->cl);
	f->cl = NULL;
	assert_int_equal(flags_of(&f->gt[51]), GTF_permit_access);
}

/* Exhausting a client's handles: 65536 mappings, then no_device_space. */
static void handle_table_full(void **state)
{
	struct fx *f = *state;
	struct gnttab_map_grant_ref *m = (void *)f->buf;
	const unsigned int batch = BUF_LEN / sizeof(*m);
	unsigned int done = 0;
	grant_handle_t h;

	grant(f, 60, 0, FREE_GFN, true);
	while (done < 65536) {
		unsigned int n = 65536 - done < batch ? 65536 - done : batch;

		for (unsigned int i = 0; i < n; i++)
			m[i] = (struct gnttab_map_grant_ref){
				.flags = GNTMAP_host_map | GNTMAP_readonly,
				.ref = 60, .dom = f->g->domid, .status = 99
			};
		assert_int_equal(call(f, f->hv.dom0, f->cl,
				      GNTTABOP_map_grant_ref, n),
				 0);
		for (unsigned int i = 0; i < n; i++) {
			assert_int_equal(m[i].status, GNTST_okay);
			assert_true(m[i].handle < 65536);
		}
		done += n;
	}
	assert_int_equal(map(f, 60, true, &h), GNTST_no_device_space);
	assert_int_equal(unmap(f, 1234), GNTST_okay);
	assert_int_equal(map(f, 60, true, &h), GNTST_okay);
	assert_int_equal(h, 1234);
	assert_int_equal(map(f, 60, true, &h), GNTST_no_device_space);
	/* Another client is not affected. */
	{
		struct client *b = fake_client_new(2);

		assert_int_equal(map_as(f, b, f->g->domid, 60,
					GNTMAP_host_map | GNTMAP_readonly, &h,
					NULL),
				 GNTST_okay);
		fake_client_gone(&f->hv, b);
	}
	fake_client_gone(&f->hv, f->cl);
	f->cl = NULL;
	assert_int_equal(flags_of(&f->gt[60]),
			 GTF_permit_access | GTF_readonly);
}

/* The guest dies while dom0 maps its frame: the mapping (the memfd)
 * stays valid, and unmapping later works and touches nothing freed. */
static void guest_dies_while_mapped(void **state)
{
	struct fx *f = *state;
	int fd = dup(f->g->mem.fd);
	domid_t domid = f->g->domid;
	grant_handle_t h1, h2;
	uint64_t bus;
	uint8_t *page;

	assert_true(fd >= 0);
	memset(frame_ptr(f->g, FREE_GFN), 0x5a, HV_PAGE_SIZE);
	grant(f, 70, 0, FREE_GFN, false);
	assert_int_equal(map_as(f, f->cl, domid, 70, GNTMAP_host_map, &h1,
				&bus),
			 GNTST_okay);
	assert_int_equal(map(f, 70, true, &h2), GNTST_okay);
	/* What libpvhv does with the reply. */
	page = mmap(NULL, HV_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    (off_t)bus);
	assert_true(page != MAP_FAILED);
	fake_domain_die(f->g);
	f->g = NULL;
	assert_int_equal(page[0], 0x5a);
	page[1] = 1; /* still writable */
	/* A new guest takes the same domid: the old handles are not its. */
	f->g = fake_domain_new(&f->hv, NR_PAGES, GRANT_FRAMES, 64);
	f->gt = table_of(f->g);
	assert_int_equal(f->g->domid, domid);
	grant(f, 70, 0, FREE_GFN, false);
	assert_int_equal(unmap_as(f, f->cl, h1, bus), GNTST_okay);
	assert_int_equal(flags_of(&f->gt[70]), GTF_permit_access);
	assert_int_equal(map(f, 70, false, &h1), GNTST_okay);
	assert_int_equal(unmap(f, h2), GNTST_okay);
	assert_int_equal(flags_of(&f->gt[70]),
			 GTF_permit_access | GTF_reading | GTF_writing);
	assert_int_equal(unmap(f, h1), GNTST_okay);
	munmap(page, HV_PAGE_SIZE);
	close(fd);
}

/* The client goes only after the guest: the dead table is freed with the
 * client's last mapping (ASan checks the leak and the use-after-free). */
static void guest_dies_then_client_goes(void **state)
{
	struct fx *f = *state;
	grant_handle_t h;

	grant(f, 71, 0, FREE_GFN, false);
	grant(f, 72, 0, FREE_GFN + 1, true);
	assert_int_equal(map(f, 71, false, &h), GNTST_okay);
	assert_int_equal(map(f, 72, true, &h), GNTST_okay);
	fake_domain_die(f->g);
	f->g = NULL;
	/* The dead guest cannot be mapped any more. */
	assert_int_equal(map_as(f, f->cl, 1, 71, GNTMAP_host_map, &h, NULL),
			 GNTST_bad_domain);
	fake_client_gone(&f->hv, f->cl);
	f->cl = NULL;
}

/* ---- copy --------------------------------------------------------------------- */

static int16_t copy1(struct fx *f, struct gnttab_copy op)
{
	struct gnttab_copy *c = (void *)f->buf;

	*c = op;
	c->status = 99;
	assert_int_equal(call(f, f->hv.dom0, f->cl, GNTTABOP_copy, 1), 0);
	return c->status;
}

static struct gnttab_copy from_grant(domid_t dom, grant_ref_t ref,
				     uint16_t soff, unsigned int page,
				     uint16_t doff, uint16_t len)
{
	struct gnttab_copy c = { .len = len, .flags = GNTCOPY_source_gref };

	c.source.u.ref = ref;
	c.source.domid = dom;
	c.source.offset = soff;
	c.dest.u.gmfn = page;
	c.dest.domid = DOMID_SELF;
	c.dest.offset = doff;
	return c;
}

static struct gnttab_copy to_grant(domid_t dom, grant_ref_t ref,
				   uint16_t doff, unsigned int page,
				   uint16_t soff, uint16_t len)
{
	struct gnttab_copy c = { .len = len, .flags = GNTCOPY_dest_gref };

	c.dest.u.ref = ref;
	c.dest.domid = dom;
	c.dest.offset = doff;
	c.source.u.gmfn = page;
	c.source.domid = DOMID_SELF;
	c.source.offset = soff;
	return c;
}

static void copy_guest_to_dom0(void **state)
{
	struct fx *f = *state;
	uint8_t *gp = frame_ptr(f->g, FREE_GFN);

	for (unsigned int i = 0; i < HV_PAGE_SIZE; i++)
		gp[i] = (uint8_t)(i * 7);
	grant(f, 80, 0, FREE_GFN, true);
	assert_int_equal(copy1(f, from_grant(f->g->domid, 80, 100, 2, 200,
					     1000)),
			 GNTST_okay);
	for (unsigned int i = 0; i < 1000; i++)
		assert_int_equal(f->buf[2 * HV_PAGE_SIZE + 200 + i],
				 (uint8_t)((100 + i) * 7));
	assert_int_equal(f->buf[2 * HV_PAGE_SIZE + 199], 0);
	assert_int_equal(f->buf[2 * HV_PAGE_SIZE + 1200], 0);
	/* Unpinned again. */
	assert_int_equal(flags_of(&f->gt[80]),
			 GTF_permit_access | GTF_readonly);
	/* A whole page. */
	assert_int_equal(copy1(f, from_grant(f->g->domid, 80, 0, 3, 0,
					     HV_PAGE_SIZE)),
			 GNTST_okay);
	assert_memory_equal(f->buf + 3 * HV_PAGE_SIZE, gp, HV_PAGE_SIZE);
}

static void copy_dom0_to_guest(void **state)
{
	struct fx *f = *state;
	uint8_t *gp = frame_ptr(f->g, FREE_GFN + 1);

	memset(f->buf + 4 * HV_PAGE_SIZE, 0xab, HV_PAGE_SIZE);
	grant(f, 81, 0, FREE_GFN + 1, false);
	grant(f, 82, 0, FREE_GFN + 1, true);
	assert_int_equal(copy1(f, to_grant(f->g->domid, 81, 10, 4, 0, 20)),
			 GNTST_okay);
	assert_int_equal(gp[9], 0);
	assert_int_equal(gp[10], 0xab);
	assert_int_equal(gp[29], 0xab);
	assert_int_equal(gp[30], 0);
	assert_int_equal(flags_of(&f->gt[81]), GTF_permit_access);
	/* Not into a read-only grant. */
	assert_int_equal(copy1(f, to_grant(f->g->domid, 82, 40, 4, 0, 20)),
			 GNTST_general_error);
	assert_int_equal(gp[40], 0);
	assert_int_equal(flags_of(&f->gt[82]),
			 GTF_permit_access | GTF_readonly);
}

static void copy_guest_to_guest(void **state)
{
	struct fx *f = *state;
	struct domain *other = fake_domain_new(&f->hv, NR_PAGES, 2, 16);
	struct grant_entry_v1 *ot = table_of(other);
	struct gnttab_copy c = { .len = 64,
				 .flags = GNTCOPY_source_gref |
					  GNTCOPY_dest_gref };

	memset(frame_ptr(f->g, FREE_GFN), 0x11, HV_PAGE_SIZE);
	grant(f, 83, 0, FREE_GFN, true);
	assert_int_equal(pv_grant_access(&ot[9], 0, 30, false), 0);
	c.source.u.ref = 83;
	c.source.domid = f->g->domid;
	c.dest.u.ref = 9;
	c.dest.domid = other->domid;
	c.dest.offset = HV_PAGE_SIZE - 64;
	assert_int_equal(copy1(f, c), GNTST_okay);
	assert_int_equal(frame_ptr(other, 30)[HV_PAGE_SIZE - 1], 0x11);
	assert_int_equal(frame_ptr(other, 30)[HV_PAGE_SIZE - 65], 0);
	/* dom0's own buffer to itself, too. */
	memset(f->buf + HV_PAGE_SIZE, 0x22, 8);
	c = (struct gnttab_copy){ .len = 8 };
	c.source.u.gmfn = 1;
	c.source.domid = DOMID_SELF;
	c.dest.u.gmfn = 5;
	c.dest.domid = DOMID_SELF;
	assert_int_equal(copy1(f, c), GNTST_okay);
	assert_int_equal(f->buf[5 * HV_PAGE_SIZE + 7], 0x22);
	fake_domain_die(other);
}

static void copy_bad_arguments(void **state)
{
	struct fx *f = *state;
	domid_t g = f->g->domid;
	struct gnttab_copy c;

	grant(f, 84, 0, FREE_GFN, false);
	/* Crossing a page on either side. */
	assert_int_equal(copy1(f, from_grant(g, 84, 4000, 2, 0, 97)),
			 GNTST_bad_copy_arg);
	assert_int_equal(copy1(f, from_grant(g, 84, 0, 2, 4095, 2)),
			 GNTST_bad_copy_arg);
	assert_int_equal(copy1(f, to_grant(g, 84, 0xffff, 2, 0, 1)),
			 GNTST_bad_copy_arg);
	assert_int_equal(copy1(f, to_grant(g, 84, 0, 2, 0, 0xffff)),
			 GNTST_bad_copy_arg);
	assert_int_equal(flags_of(&f->gt[84]), GTF_permit_access);
	/* Only the caller's own memory may be named by frame. */
	c = from_grant(g, 84, 0, 2, 0, 8);
	c.dest.domid = g;
	assert_int_equal(copy1(f, c), GNTST_permission_denied);
	/* Missing domain, bad ref, bad grant, frame outside memory. */
	assert_int_equal(copy1(f, from_grant(999, 84, 0, 2, 0, 8)),
			 GNTST_bad_domain);
	assert_int_equal(copy1(f, from_grant(g, 99999, 0, 2, 0, 8)),
			 GNTST_bad_gntref);
	assert_int_equal(copy1(f, from_grant(g, 85, 0, 2, 0, 8)),
			 GNTST_general_error);
	grant(f, 85, 0, NR_PAGES + 5, false);
	assert_int_equal(copy1(f, from_grant(g, 85, 0, 2, 0, 8)),
			 GNTST_general_error);
	grant(f, 86, 0, HV_GFN_SHARED_INFO, false);
	assert_int_equal(copy1(f, to_grant(g, 86, 0, 2, 0, 8)),
			 GNTST_general_error);
	assert_int_equal(flags_of(&f->gt[85]), GTF_permit_access);
	assert_int_equal(flags_of(&f->gt[86]), GTF_permit_access);
	/* dom0's page outside its argument buffer: the grant is unpinned
	 * again. */
	assert_int_equal(copy1(f, from_grant(g, 84, 0, BUF_PAGES, 0, 8)),
			 GNTST_bad_page);
	assert_int_equal(copy1(f, to_grant(g, 84, 0, 0x7fffffff, 0, 8)),
			 GNTST_bad_page);
	c = from_grant(g, 84, 0, 0, 0, 8);
	c.dest.u.gmfn = (xen_pfn_t)-1;
	assert_int_equal(copy1(f, c), GNTST_bad_page);
	assert_int_equal(flags_of(&f->gt[84]), GTF_permit_access);
}

/* ---- a guest rewriting its entry during maps -------------------------------- */

#define FLIPS 200000
#define FLIP_SECONDS 10

struct flipper {
	_Atomic uint32_t *head; /* flags and domid of the entry */
	atomic_bool running, stop;
	atomic_bool saw_writing;
};

static uint32_t head_word(uint16_t flags, domid_t domid)
{
	struct {
		uint16_t flags;
		domid_t domid;
	} h = { flags, domid };
	uint32_t w;

	memcpy(&w, &h, sizeof(w));
	return w;
}

/* The hostile guest: the entry is never a writable grant to dom0, but it
 * keeps changing between a read-only grant, nothing, a writable grant to
 * someone else and a sub-page grant. */
static void *flip(void *arg)
{
	struct flipper *fl = arg;
	const uint32_t states[] = {
		head_word(GTF_permit_access | GTF_readonly, 0),
		head_word(0, 0),
		head_word(GTF_permit_access, 7),
		head_word(GTF_permit_access | GTF_readonly, 0),
		head_word(GTF_permit_access | GTF_sub_page, 0),
	};

	atomic_store(&fl->running, true);
	for (unsigned int i = 0; !atomic_load(&fl->stop); i++) {
		uint32_t old = atomic_exchange(fl->head, states[i % 5]);
		uint16_t flags;

		memcpy(&flags, &old, sizeof(flags));
		if (flags & GTF_writing)
			atomic_store(&fl->saw_writing, true);
	}
	return NULL;
}

/* Maps race the flipping guest until both outcomes were seen many times
 * (or time is up): a read-only map either pins cleanly or fails, and a
 * writable map always fails. */
static void entry_flipped_while_mapping(void **state)
{
	struct fx *f = *state;
	struct flipper fl = { .head = (_Atomic uint32_t *)(void *)&f->gt[90] };
	unsigned int ok = 0, failed = 0, i;
	time_t end = time(NULL) + FLIP_SECONDS;
	pthread_t t;

	grant(f, 90, 0, FREE_GFN, true);
	assert_int_equal(pthread_create(&t, NULL, flip, &fl), 0);
	while (!atomic_load(&fl.running))
		sched_yield();
	for (i = 0; i < FLIPS || ok < 1000 || failed < 1000; i++) {
		grant_handle_t h;
		bool ro = i & 1;
		int16_t st = map(f, 90, ro, &h);

		if (!ro) {
			assert_int_equal(st, GNTST_general_error);
		} else if (st == GNTST_okay) {
			ok++;
			assert_int_equal(unmap(f, h), GNTST_okay);
		} else {
			assert_int_equal(st, GNTST_general_error);
			failed++;
		}
		if ((i & 0xfff) == 0 && time(NULL) > end)
			break;
	}
	atomic_store(&fl.stop, true);
	pthread_join(t, NULL);
	print_message("read-only maps under flipping: %u pinned, %u refused "
		      "(%u maps)\n", ok, failed, i);
	assert_false(atomic_load(&fl.saw_writing));
	assert_false(flags_of(&f->gt[90]) & GTF_writing);
	assert_true(ok > 0);
	assert_true(failed > 0);
}

static const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	T(setup_table_returns_grant_frames),
	T(setup_table_hostile),
	T(query_size_permissions),
	T(map_rw_grant),
	T(map_ro_grant),
	T(pin_counts),
	T(map_frames_outside_memory),
	T(map_reserved_frames),
	T(map_grant_to_wrong_domain),
	T(map_bad_arguments),
	T(unmap_bad_handles),
	T(guest_may_not_map),
	T(unknown_subops),
	T(huge_counts),
	T(map_result_unwritable),
	T(batches),
	T(clients_own_their_mappings),
	T(handle_table_full),
	T(guest_dies_while_mapped),
	T(guest_dies_then_client_goes),
	T(copy_guest_to_dom0),
	T(copy_dom0_to_guest),
	T(copy_guest_to_guest),
	T(copy_bad_arguments),
	T(entry_flipped_while_mapping),
#undef T
};

PV_UNIT_MAIN("hv_gnttab (with fake domain table, engine and clients)",
	     tests)
