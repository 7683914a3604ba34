/*
 * Unit tests for dom0's own grants in pvhv (hypervisor/pvhv/gnttab_dom0.c)
 * with a fake domain table and clients (fake_hv.c): a client makes pages
 * and grants them to a guest, the guest maps them (the block's descriptor
 * comes with the answer, read-only for read-only maps) and unmaps them,
 * grants end while mapped, clients and guests go (a later guest with a
 * dead one's domid maps nothing of its), and a hostile guest maps what is
 * not its own.
 */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fake_hv.h"

#define NR_PAGES 64
#define BUF_LEN	 (4 * HV_PAGE_SIZE)

struct fx {
	struct hv hv;
	struct domain *g, *other;
	struct client *cl;
	uint8_t *buf;
	unsigned int fds;
	int fd; /* the last guest map's descriptor, or -1 */
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->fds = fake_open_fds();
	fake_hv_init(&f->hv);
	f->g = fake_domain_new(&f->hv, NR_PAGES, 2, 16);
	f->other = fake_domain_new(&f->hv, NR_PAGES, 2, 16);
	f->cl = fake_client_new(1);
	f->buf = aligned_alloc(HV_PAGE_SIZE, BUF_LEN);
	memset(f->buf, 0, BUF_LEN);
	f->fd = -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (f->fd >= 0)
		close(f->fd);
	if (f->cl)
		fake_client_gone(&f->hv, f->cl);
	fake_hv_fini(&f->hv);
	assert_null(f->hv.d0gnt);
	assert_int_equal(fake_open_fds(), f->fds);
	free(f->buf);
	free(f);
	return 0;
}

static uint32_t alloc(struct fx *f, struct client *cl, domid_t dom, uint32_t n,
		      bool ro, int *fd)
{
	uint32_t first = 0;
	int tmp;

	assert_int_equal(hv_d0gnt_alloc(&f->hv, cl, dom, n, ro, &first, &tmp),
			 0);
	assert_true(first >= GNTTAB_NR_RESERVED_ENTRIES);
	if (fd)
		*fd = tmp;
	else
		close(tmp);
	return first;
}

/* Guest d maps refs[0..n-1] in one batch (fds: the transport passes
 * descriptors); statuses and handles into st/h, the descriptor kept in
 * f->fd.  The hypercall's result. */
static long gmap(struct fx *f, struct domain *d, const grant_ref_t *refs,
		 unsigned int n, uint32_t flags, bool fds, int16_t *st,
		 grant_handle_t *h, uint64_t *bus)
{
	struct gnttab_map_grant_ref *op = (void *)f->buf;
	struct fake_call fc;
	long rc;

	for (unsigned int i = 0; i < n; i++)
		op[i] = (struct gnttab_map_grant_ref){
		    .flags = flags, .ref = refs[i], .dom = 0, .status = 99};
	fake_call_init(&fc, &f->hv, d, NULL, f->buf, BUF_LEN);
	fc.c.fds_ok = fds;
	rc = hv_gnttab_op(&fc.c, GNTTABOP_map_grant_ref, 0, n);
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	assert_true(fc.c.n_fds_out <= 1);
	assert_int_equal(fc.c.grant_fd, fc.c.n_fds_out == 1);
	if (fc.c.n_fds_out)
		f->fd = fc.c.fds_out[0];
	for (unsigned int i = 0; i < n; i++) {
		st[i] = op[i].status;
		if (h)
			h[i] = op[i].handle;
		if (bus)
			bus[i] = op[i].dev_bus_addr;
	}
	return rc;
}

static int16_t map1(struct fx *f, struct domain *d, grant_ref_t ref, bool ro,
		    grant_handle_t *h)
{
	int16_t st;

	assert_int_equal(gmap(f, d, &ref, 1,
			      GNTMAP_host_map | (ro ? GNTMAP_readonly : 0),
			      true, &st, h, NULL),
			 0);
	return st;
}

static int16_t gunmap(struct fx *f, struct domain *d, grant_handle_t h)
{
	struct gnttab_unmap_grant_ref *op = (void *)f->buf;
	struct fake_call fc;

	*op = (struct gnttab_unmap_grant_ref){.handle = h, .status = 99};
	fake_call_init(&fc, &f->hv, d, NULL, f->buf, BUF_LEN);
	assert_int_equal(hv_gnttab_op(&fc.c, GNTTABOP_unmap_grant_ref, 0, 1),
			 0);
	return op->status;
}

/* The guest sees what dom0 wrote, and dom0 what the guest writes. */
static void map_share_unmap_end(void **state)
{
	struct fx *f = *state;
	grant_ref_t refs[4];
	grant_handle_t h[4];
	uint64_t bus[4];
	int16_t st[4];
	uint8_t *d0, *gp;
	uint32_t busy = 9;
	int fd;
	uint32_t first = alloc(f, f->cl, f->g->domid, 4, false, &fd);

	d0 = mmap(NULL, 4 * HV_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		  fd, 0);
	assert_true(d0 != MAP_FAILED);
	close(fd);
	assert_int_equal(d0[0], 0); /* zeroed */
	d0[2 * HV_PAGE_SIZE + 5] = 0x5a;
	for (unsigned int i = 0; i < 4; i++)
		refs[i] = first + i;
	assert_int_equal(
	    gmap(f, f->g, refs, 4, GNTMAP_host_map, true, st, h, bus), 0);
	for (unsigned int i = 0; i < 4; i++) {
		assert_int_equal(st[i], GNTST_okay);
		assert_int_equal(bus[i], (uint64_t)i * HV_PAGE_SIZE);
	}
	assert_true(f->fd >= 0);
	assert_int_equal(fcntl(f->fd, F_GETFL) & O_ACCMODE, O_RDWR);
	gp = mmap(NULL, 4 * HV_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		  f->fd, 0);
	assert_true(gp != MAP_FAILED);
	assert_int_equal(gp[2 * HV_PAGE_SIZE + 5], 0x5a);
	gp[3 * HV_PAGE_SIZE] = 0xa5;
	assert_int_equal(d0[3 * HV_PAGE_SIZE], 0xa5);
	munmap(gp, 4 * HV_PAGE_SIZE);
	for (unsigned int i = 0; i < 4; i++)
		assert_int_equal(gunmap(f, f->g, h[i]), GNTST_okay);
	assert_int_equal(gunmap(f, f->g, h[0]), GNTST_bad_handle);
	assert_int_equal(hv_d0gnt_end(&f->hv, f->cl, first, 4, &busy), 0);
	assert_int_equal(busy, 0);
	assert_null(f->hv.d0gnt);
	munmap(d0, 4 * HV_PAGE_SIZE);
}

/* A read-only grant maps read-only only, with a read-only descriptor. */
static void read_only(void **state)
{
	struct fx *f = *state;
	uint32_t first = alloc(f, f->cl, f->g->domid, 1, true, NULL);
	grant_handle_t h;

	assert_int_equal(map1(f, f->g, first, false, &h), GNTST_general_error);
	assert_int_equal(f->fd, -1);
	assert_int_equal(map1(f, f->g, first, true, &h), GNTST_okay);
	assert_int_equal(fcntl(f->fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	assert_true(mmap(NULL, HV_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			 f->fd, 0) == MAP_FAILED);
	/* A writable grant mapped read-only gets the read-only one too. */
	{
		uint32_t w = alloc(f, f->cl, f->g->domid, 1, false, NULL);

		assert_int_equal(map1(f, f->g, w, true, &h), GNTST_okay);
		assert_int_equal(fcntl(f->fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	}
}

/* What a guest may not map. */
static void hostile_maps(void **state)
{
	struct fx *f = *state;
	uint32_t first = alloc(f, f->cl, f->g->domid, 2, false, NULL);
	grant_ref_t r;
	int16_t st;

	/* Granted to another guest. */
	assert_int_equal(map1(f, f->other, first, false, NULL),
			 GNTST_general_error);
	/* Reserved, past the table, never granted. */
	assert_int_equal(map1(f, f->g, 0, false, NULL), GNTST_bad_gntref);
	assert_int_equal(
	    map1(f, f->g, GNTTAB_NR_RESERVED_ENTRIES - 1, false, NULL),
	    GNTST_bad_gntref);
	assert_int_equal(map1(f, f->g, 1u << 30, false, NULL),
			 GNTST_bad_gntref);
	/* Flags: no host_map, device_map, a PTE. */
	r = first;
	assert_int_equal(gmap(f, f->g, &r, 1, 0, true, &st, NULL, NULL), 0);
	assert_int_equal(st, GNTST_general_error);
	assert_int_equal(gmap(f, f->g, &r, 1,
			      GNTMAP_host_map | GNTMAP_device_map, true, &st,
			      NULL, NULL),
			 0);
	assert_int_equal(st, GNTST_general_error);
	assert_int_equal(gmap(f, f->g, &r, 1,
			      GNTMAP_host_map | GNTMAP_contains_pte, true, &st,
			      NULL, NULL),
			 0);
	assert_int_equal(st, GNTST_general_error);
	/* A transport without descriptors (KVM guests). */
	assert_int_equal(
	    gmap(f, f->g, &r, 1, GNTMAP_host_map, false, &st, NULL, NULL), 0);
	assert_int_equal(st, GNTST_general_error);
	assert_int_equal(f->fd, -1);
	/* Another guest's handle, or none. */
	{
		grant_handle_t h;

		assert_int_equal(map1(f, f->g, first, false, &h), GNTST_okay);
		assert_int_equal(gunmap(f, f->other, h), GNTST_bad_handle);
		assert_int_equal(gunmap(f, f->g, h + 1), GNTST_bad_handle);
		assert_int_equal(gunmap(f, f->g, h), GNTST_okay);
	}
	/* The same entry mapped over and over: bounded. */
	{
		unsigned int ok = 0;

		for (unsigned int i = 0; i < 40; i++)
			ok +=
			    map1(f, f->g, first + 1, false, NULL) == GNTST_okay;
		assert_int_equal(ok, 16);
		assert_int_equal(map1(f, f->g, first + 1, false, NULL),
				 GNTST_no_device_space);
	}
}

/* One batch, one block and one mode: the rest is asked again. */
static void batch_one_block(void **state)
{
	struct fx *f = *state;
	uint32_t a = alloc(f, f->cl, f->g->domid, 1, false, NULL);
	uint32_t b = alloc(f, f->cl, f->g->domid, 1, false, NULL);
	grant_ref_t refs[3] = {a, b, a};
	int16_t st[3];

	assert_int_equal(
	    gmap(f, f->g, refs, 3, GNTMAP_host_map, true, st, NULL, NULL), 0);
	assert_int_equal(st[0], GNTST_okay);
	assert_int_equal(st[1], GNTST_eagain);
	assert_int_equal(st[2], GNTST_okay);
	/* The failed one first: it picks the block, the others wait. */
	refs[0] = 1u << 30;
	refs[1] = b;
	refs[2] = a;
	assert_int_equal(
	    gmap(f, f->g, refs, 3, GNTMAP_host_map, true, st, NULL, NULL), 0);
	assert_int_equal(st[0], GNTST_bad_gntref);
	assert_int_equal(st[1], GNTST_okay);
	assert_int_equal(st[2], GNTST_eagain);
}

/* Ending a grant the guest maps: no new maps; it goes at the unmap. */
static void end_while_mapped(void **state)
{
	struct fx *f = *state;
	struct client *cl2 = fake_client_new(2);
	uint32_t first = alloc(f, f->cl, f->g->domid, 2, false, NULL);
	grant_handle_t h;
	uint32_t busy;

	assert_int_equal(map1(f, f->g, first, false, &h), GNTST_okay);
	/* Not the client's, not live, out of range. */
	assert_int_equal(hv_d0gnt_end(&f->hv, cl2, first, 2, &busy), -EINVAL);
	assert_int_equal(hv_d0gnt_end(&f->hv, f->cl, first, 3, &busy), -EINVAL);
	assert_int_equal(hv_d0gnt_end(&f->hv, f->cl, 0, 1, &busy), -EINVAL);
	assert_int_equal(hv_d0gnt_end(&f->hv, f->cl, first, 0, &busy), -EINVAL);
	assert_int_equal(hv_d0gnt_end(&f->hv, f->cl, first, 2, &busy), 0);
	assert_int_equal(busy, 1);
	assert_int_equal(hv_d0gnt_end(&f->hv, f->cl, first, 1, &busy), -EINVAL);
	assert_int_equal(map1(f, f->g, first + 1, false, NULL),
			 GNTST_general_error);
	assert_non_null(f->hv.d0gnt);
	assert_int_equal(gunmap(f, f->g, h), GNTST_okay);
	assert_null(f->hv.d0gnt);
	fake_client_gone(&f->hv, cl2);
}

/* A client that goes ends its grants; a guest that dies drops its
 * mappings; nothing stays behind (teardown counts descriptors). */
static void client_and_guest_go(void **state)
{
	struct fx *f = *state;
	struct client *cl2 = fake_client_new(2);
	uint32_t a = alloc(f, cl2, f->g->domid, 3, false, NULL);
	uint32_t b = alloc(f, f->cl, f->other->domid, 1, false, NULL);
	grant_handle_t h;

	assert_int_equal(map1(f, f->g, a + 2, false, &h), GNTST_okay);
	assert_int_equal(map1(f, f->other, b, false, &h), GNTST_okay);
	fake_client_gone(&f->hv, cl2);
	assert_int_equal(map1(f, f->g, a, false, NULL), GNTST_general_error);
	{
		uint32_t c = alloc(f, f->cl, f->g->domid, 1, false, NULL);
		domid_t gone = f->g->domid;
		uint32_t none;
		int fd;

		fake_domain_die(f->g);
		f->g = NULL;
		assert_int_equal(
		    hv_d0gnt_alloc(&f->hv, f->cl, gone, 1, false, &none, &fd),
		    -ESRCH);
		/* The next guest gets that domid (lowest free) but not what
		 * was granted to the dead one. */
		f->g = fake_domain_new(&f->hv, NR_PAGES, 2, 16);
		assert_int_equal(f->g->domid, gone);
		assert_int_equal(map1(f, f->g, c, false, NULL),
				 GNTST_general_error);
	}
	/* The other guest's mapping is untouched. */
	assert_int_equal(gunmap(f, f->other, h), GNTST_okay);
	fake_client_gone(&f->hv, f->cl);
	f->cl = NULL;
	assert_null(f->hv.d0gnt);
}

static void alloc_errors(void **state)
{
	struct fx *f = *state;
	uint32_t first;
	int fd;

	assert_int_equal(
	    hv_d0gnt_alloc(&f->hv, f->cl, f->g->domid, 0, false, &first, &fd),
	    -EINVAL);
	assert_int_equal(hv_d0gnt_alloc(&f->hv, f->cl, f->g->domid,
					PVHV_GRANT_ALLOC_MAX + 1, false, &first,
					&fd),
			 -EINVAL);
	assert_int_equal(
	    hv_d0gnt_alloc(&f->hv, f->cl, 0, 1, false, &first, &fd), -ESRCH);
	assert_int_equal(
	    hv_d0gnt_alloc(&f->hv, f->cl, 999, 1, false, &first, &fd), -ESRCH);
	assert_null(f->hv.d0gnt);
	/* Freed references are used again, first fit. */
	{
		uint32_t a = alloc(f, f->cl, f->g->domid, 4, false, NULL);
		uint32_t b = alloc(f, f->cl, f->g->domid, 4, false, NULL);
		uint32_t busy;

		assert_int_equal(b, a + 4);
		assert_int_equal(hv_d0gnt_end(&f->hv, f->cl, a, 4, &busy), 0);
		assert_int_equal(alloc(f, f->cl, f->g->domid, 2, false, NULL),
				 a);
		/* The largest allocation. */
		assert_int_equal(alloc(f, f->cl, f->g->domid,
				       PVHV_GRANT_ALLOC_MAX, false, NULL),
				 b + 4);
	}
}

static const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    T(map_share_unmap_end), T(read_only),	 T(hostile_maps),
    T(batch_one_block),	    T(end_while_mapped), T(client_and_guest_go),
    T(alloc_errors),
#undef T
};

PV_UNIT_MAIN("hv_d0gnt (dom0's own grants, with a fake domain table)", tests)
