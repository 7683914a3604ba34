/*
 * Unit tests for libpvfront's framework without a store (a fake OS,
 * test_front_os.h): opening, pages and their grants, page directories
 * (sndif/displif layout), event channels and their dispatch in
 * pvfront_poll().  Needs nothing but the library: runs in the cross
 * builds too.  (test_front_dev covers devices, against pvhv's store.)
 */
#include "test_front_os.h"

#include "pvkit/proto/sndif.h"

static struct fos os;
static struct xenstore_domain_interface *store_page;

static int setup(void **state)
{
	(void)state;
	store_page = calloc(1, sizeof(*store_page));
	if (!store_page)
		return -1;
	fos_init(&os, store_page);
	return pvfront_open(&os.pf, &fos_ops, &os, 0);
}

static int teardown(void **state)
{
	(void)state;
	pvfront_close(&os.pf);
	assert_int_equal(os.pages_out, 0);
	free(store_page);
	return 0;
}

/* ---- opening ------------------------------------------------------------- */

static void open_args(void **state)
{
	struct pvfront_os_ops o = fos_ops;
	static struct pvfront pf;
	static struct fos other;

	(void)state;
	assert_int_equal(pvfront_open(NULL, &fos_ops, &os, 0), -XEN_EINVAL);
	assert_int_equal(pvfront_open(&pf, NULL, &os, 0), -XEN_EINVAL);
	assert_int_equal(pvfront_open(&pf, &fos_ops, &os, 2), -XEN_EINVAL);
	o.wait = NULL;
	assert_int_equal(pvfront_open(&pf, &o, &os, 0), -XEN_EINVAL);
	o = fos_ops;
	o.now_ns = NULL;
	assert_int_equal(pvfront_open(&pf, &o, &os, 0), -XEN_EINVAL);
	o = fos_ops;
	o.store_ring = NULL;
	assert_int_equal(pvfront_open(&pf, &o, &os, 0), -XEN_EINVAL);
	/* optional ones may be missing */
	o = fos_ops;
	o.log = NULL;
	o.evtchn_unmask = NULL;
	assert_int_equal(pvfront_open(&pf, &o, &os, 0), 0);
	pvfront_close(&pf);
	pvfront_close(&pf); /* twice is fine */
	pvfront_close(NULL);
	/* no store */
	fos_init(&other, NULL);
	assert_int_equal(pvfront_open(&pf, &fos_ops, &other, 0), -XEN_ENXIO);
	pvfront_close(&pf);
	/* a store ring whose indices make no sense */
	store_page->rsp_prod = 5000;
	assert_int_equal(pvfront_open(&pf, &fos_ops, &os, 0), -XEN_EIO);
	store_page->rsp_prod = 0;
}

/* ---- pages --------------------------------------------------------------- */

static void pages_one(void **state)
{
	struct pvfront_pages pg;
	struct fos_grant *g;
	uint8_t *p;

	(void)state;
	assert_int_equal(pvfront_pages_alloc(&os.pf, &pg, 7, 1, NULL, 0), 0);
	p = pvfront_pages_addr(&pg);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % PVFRONT_PAGE_SIZE, 0);
	for (unsigned int i = 0; i < PVFRONT_PAGE_SIZE; i++)
		assert_int_equal(p[i], 0);
	g = fos_grant(&os, pvfront_pages_ref(&pg, 0));
	assert_ptr_equal(g->page, p);
	assert_int_equal(g->dom, 7);
	assert_false(g->ro);
	assert_int_equal(pvfront_pages_ref(&pg, 1), 0); /* out of range */
	assert_int_equal(os.pages_out, 1);
	assert_int_equal(pvfront_pages_free(&os.pf, &pg), 0);
	assert_int_equal(os.pages_out, 0);
	assert_int_equal(fos_grants_used(&os), 0);
	assert_int_equal(pvfront_pages_free(&os.pf, &pg), 0); /* again: 0 */
}

static void pages_many(void **state)
{
	struct pvfront_pages pg;
	grant_ref_t refs[5];
	uint8_t *p;

	(void)state;
	assert_int_equal(pvfront_pages_alloc(&os.pf, &pg, 3, 5, refs,
					     PVFRONT_PAGES_READONLY),
			 0);
	p = pvfront_pages_addr(&pg);
	for (unsigned int i = 0; i < 5; i++) {
		struct fos_grant *g = fos_grant(&os, refs[i]);

		assert_ptr_equal(g->page, p + i * PVFRONT_PAGE_SIZE);
		assert_true(g->ro);
		assert_int_equal(g->dom, 3);
		assert_int_equal(pvfront_pages_ref(&pg, i), refs[i]);
		for (unsigned int j = 0; j < i; j++)
			assert_int_not_equal(refs[i], refs[j]);
	}
	assert_int_equal(os.pages_out, 5);
	assert_int_equal(pvfront_pages_free(&os.pf, &pg), 0);
	assert_int_equal(fos_grants_used(&os), 0);
}

static void pages_errors(void **state)
{
	struct pvfront_pages pg;
	grant_ref_t refs[5];

	(void)state;
	assert_int_equal(pvfront_pages_alloc(&os.pf, &pg, 0, 0, refs, 0),
			 -XEN_EINVAL);
	assert_int_equal(pvfront_pages_alloc(&os.pf, &pg, 0, 2, NULL, 0),
			 -XEN_EINVAL);
	assert_int_equal(pvfront_pages_alloc(&os.pf, &pg, 0, 1, NULL, 8),
			 -XEN_EINVAL);
	assert_int_equal(pvfront_pages_alloc(&os.pf, NULL, 0, 1, NULL, 0),
			 -XEN_EINVAL);
	assert_int_equal(
	    pvfront_pages_alloc(&os.pf, &pg, 0, SIZE_MAX / 2, refs, 0),
	    -XEN_EINVAL);
	/* no memory */
	os.alloc_fail_at = os.alloc_calls + 1;
	assert_int_equal(pvfront_pages_alloc(&os.pf, &pg, 0, 1, NULL, 0),
			 -XEN_ENOMEM);
	/* the grant table fills up half way: nothing stays */
	os.grant_room = 3;
	assert_int_equal(pvfront_pages_alloc(&os.pf, &pg, 0, 5, refs, 0),
			 -XEN_ENOSPC);
	assert_int_equal(os.pages_out, 0);
	assert_int_equal(fos_grants_used(&os), 0);
	assert_int_equal(os.grant_room, 3);
	os.grant_room = FOS_GRANTS;
}

static void pages_busy(void **state)
{
	struct pvfront_pages pg;
	grant_ref_t refs[4];

	(void)state;
	assert_int_equal(pvfront_pages_alloc(&os.pf, &pg, 0, 4, refs, 0), 0);
	fos_grant(&os, refs[1])->mapped = true;
	/* refs[3] and refs[2] end, refs[1] is busy: nothing freed */
	assert_int_equal(pvfront_pages_free(&os.pf, &pg), -XEN_EBUSY);
	assert_int_equal(os.pages_out, 4);
	assert_int_equal(fos_grants_used(&os), 2);
	assert_int_equal(pvfront_pages_free(&os.pf, &pg), -XEN_EBUSY);
	/* the peer lets go: the next call finishes */
	fos_grant(&os, refs[1])->mapped = false;
	assert_int_equal(pvfront_pages_free(&os.pf, &pg), 0);
	assert_int_equal(os.pages_out, 0);
	assert_int_equal(fos_grants_used(&os), 0);
}

/* ---- page directories ---------------------------------------------------- */

/* The directory as a backend walks it: the chain from the first page,
 * the grants in order, zeros after the last. */
static void check_dir(struct pvfront_pgdir *pd, const grant_ref_t *refs,
		      const grant_ref_t *dir_refs, size_t n)
{
	size_t ndir = pvfront_pgdir_pages(n), seen = 0;
	grant_ref_t ref = pvfront_pgdir_ref(pd);
	uint8_t *dir = pvfront_pages_addr(&pd->dir);

	assert_int_equal(ref, dir_refs[0]);
	for (size_t k = 0; k < ndir; k++) {
		struct xensnd_page_directory *d = fos_grant(&os, ref)->page;

		assert_ptr_equal(d, dir + k * PVFRONT_PAGE_SIZE);
		assert_true(fos_grant(&os, ref)->ro);
		for (size_t j = 0; j < PVFRONT_PGDIR_PER_PAGE; j++) {
			grant_ref_t g = d->gref[j];

			if (seen < n) {
				assert_int_equal(g, refs[seen]);
				assert_false(fos_grant(&os, g)->ro);
				seen++;
			} else {
				assert_int_equal(g, 0);
			}
		}
		ref = d->gref_dir_next_page;
		assert_int_equal(ref, k + 1 < ndir ? dir_refs[k + 1] : 0);
	}
	assert_int_equal(seen, n);
}

static void pgdir_layout(void **state)
{
	static const size_t sizes[] = {1,    2,	   1022, 1023,
				       1024, 2046, 2047, 2500};
	static grant_ref_t refs[2500], dir_refs[3];
	struct pvfront_pgdir pd;
	grant_ref_t g;

	(void)state;
	assert_int_equal(PVFRONT_PGDIR_PER_PAGE, 1023);
	assert_int_equal(pvfront_pgdir_pages(0), 0);
	assert_int_equal(pvfront_pgdir_pages(1023), 1);
	assert_int_equal(pvfront_pgdir_pages(1024), 2);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];

		assert_int_equal(
		    pvfront_pgdir_alloc(&os.pf, &pd, 0, n, refs, dir_refs, 0),
		    0);
		assert_int_equal(os.pages_out, n + pvfront_pgdir_pages(n));
		check_dir(&pd, refs, dir_refs, n);
		assert_int_equal(pvfront_pgdir_get(&pd, n - 1, &g), 0);
		assert_int_equal(g, refs[n - 1]);
		assert_int_equal(pvfront_pgdir_get(&pd, n, &g), -XEN_EINVAL);
		assert_int_equal(pvfront_pgdir_free(&os.pf, &pd), 0);
		assert_int_equal(os.pages_out, 0);
		assert_int_equal(fos_grants_used(&os), 0);
	}
}

static void pgdir_backend_alloc(void **state)
{
	grant_ref_t dir_refs[2], g;
	struct pvfront_pgdir pd;
	grant_ref_t *d1;

	(void)state;
	assert_int_equal(pvfront_pgdir_alloc(&os.pf, &pd, 0, 1500, NULL,
					     dir_refs,
					     PVFRONT_PGDIR_BACKEND_ALLOC),
			 0);
	assert_int_equal(os.pages_out, 2); /* the directory only */
	assert_false(fos_grant(&os, dir_refs[0])->ro);
	d1 = fos_grant(&os, dir_refs[0])->page;
	assert_int_equal(d1[0], dir_refs[1]);
	assert_int_equal(pvfront_pgdir_get(&pd, 0, &g), 0);
	assert_int_equal(g, 0);
	/* the backend writes its grants in */
	((grant_ref_t *)fos_grant(&os, dir_refs[1])->page)[1 + 1499 - 1023] =
	    4242;
	d1[1 + 5] = 77;
	assert_int_equal(pvfront_pgdir_get(&pd, 1499, &g), 0);
	assert_int_equal(g, 4242);
	assert_int_equal(pvfront_pgdir_get(&pd, 5, &g), 0);
	assert_int_equal(g, 77);
	assert_int_equal(pvfront_pgdir_free(&os.pf, &pd), 0);
}

static void pgdir_errors(void **state)
{
	grant_ref_t refs[4], dir_refs[1];
	struct pvfront_pgdir pd;

	(void)state;
	assert_int_equal(
	    pvfront_pgdir_alloc(&os.pf, &pd, 0, 0, refs, dir_refs, 0),
	    -XEN_EINVAL);
	assert_int_equal(pvfront_pgdir_alloc(&os.pf, &pd, 0, 4, refs, NULL, 0),
			 -XEN_EINVAL);
	assert_int_equal(
	    pvfront_pgdir_alloc(&os.pf, &pd, 0, 4, NULL, dir_refs, 0),
	    -XEN_EINVAL);
	assert_int_equal(
	    pvfront_pgdir_alloc(&os.pf, &pd, 0, 4, refs, dir_refs, 16),
	    -XEN_EINVAL);
	/* the directory's pages do not come: the buffer goes back */
	os.alloc_fail_at = os.alloc_calls + 2;
	assert_int_equal(
	    pvfront_pgdir_alloc(&os.pf, &pd, 0, 4, refs, dir_refs, 0),
	    -XEN_ENOMEM);
	assert_int_equal(os.pages_out, 0);
	assert_int_equal(fos_grants_used(&os), 0);
}

static void pgdir_fill(void **state)
{
	static uint32_t dir[2][1024];
	const grant_ref_t dir_refs[2] = {100, 101};
	grant_ref_t refs[1030];

	(void)state;
	for (unsigned int i = 0; i < 1030; i++)
		refs[i] = 1000 + i;
	memset(dir, 0xff, sizeof(dir));
	pvfront_pgdir_fill(dir, dir_refs, 2, refs, 1030);
	assert_int_equal(dir[0][0], 101);
	assert_int_equal(dir[0][1], 1000);
	assert_int_equal(dir[0][1023], 1000 + 1022);
	assert_int_equal(dir[1][0], 0);
	assert_int_equal(dir[1][1], 1000 + 1023);
	assert_int_equal(dir[1][7], 1000 + 1029);
	assert_int_equal(dir[1][8], 0);
	assert_int_equal(dir[1][1023], 0);
}

/* ---- event channels ------------------------------------------------------ */

static struct pvfront_port ports[3];
static unsigned int hits[3];
static bool free_other, nest;
static int nest_rc;

static void on_port(struct pvfront *pf, struct pvfront_port *p, void *arg)
{
	unsigned int i = (unsigned int)(uintptr_t)arg;

	assert_ptr_equal(pf, &os.pf);
	assert_ptr_equal(p, &ports[i]);
	hits[i]++;
	if (free_other && i < 2)
		pvfront_port_free(pf, &ports[1 - i]);
	if (nest)
		nest_rc = pvfront_poll(pf, 0);
}

static void ports_dispatch(void **state)
{
	evtchn_port_t a, b;

	(void)state;
	memset(hits, 0, sizeof(hits));
	assert_int_equal(
	    pvfront_port_alloc(&os.pf, &ports[0], 9, on_port, (void *)0), 0);
	assert_int_equal(
	    pvfront_port_alloc(&os.pf, &ports[1], 9, on_port, (void *)1), 0);
	a = pvfront_port_number(&ports[0]);
	b = pvfront_port_number(&ports[1]);
	assert_int_not_equal(a, b);
	assert_int_equal(os.ports[a].remote, 9);
	assert_int_equal(pvfront_poll(&os.pf, 0), 0);
	fos_fire(&os, a);
	assert_int_equal(pvfront_poll(&os.pf, 0), 0); /* poll(0) only looks */
	assert_int_equal(pvfront_poll(&os.pf, 10), 1);
	assert_int_equal(hits[0], 1);
	/* both, and one nobody bound */
	fos_fire(&os, b);
	fos_fire(&os, 50);
	fos_fire(&os, a);
	assert_int_equal(pvfront_poll(&os.pf, 10), 2);
	assert_int_equal(hits[0], 2);
	assert_int_equal(hits[1], 1);
	assert_int_equal(os.pf.stray, 1);
	/* notify */
	assert_int_equal(pvfront_port_notify(&os.pf, &ports[1]), 0);
	assert_int_equal(os.ports[b].sends, 1);
	/* a handler frees the other port, which fired too: the other's
	 * handler does not run */
	free_other = true;
	fos_fire(&os, a);
	fos_fire(&os, b);
	assert_int_equal(pvfront_poll(&os.pf, 10), 1);
	free_other = false;
	assert_int_equal(hits[0] + hits[1], 4);
	assert_int_equal(fos_ports_used(&os), 2); /* allocated here: closed */
	pvfront_port_free(&os.pf, &ports[0]);	  /* one is not bound: fine */
	pvfront_port_free(&os.pf, &ports[1]);
	assert_int_equal(fos_ports_used(&os), 1);
	/* bind an existing port; freeing it does not close it */
	assert_int_equal(os.ports[30].used, false);
	os.ports[30].used = true;
	assert_int_equal(
	    pvfront_port_bind(&os.pf, &ports[2], 30, on_port, (void *)2), 0);
	assert_int_equal(
	    pvfront_port_bind(&os.pf, &ports[1], 30, on_port, (void *)1),
	    -XEN_EEXIST);
	assert_int_equal(pvfront_port_bind(&os.pf, &ports[1], FOS_STORE_PORT,
					   on_port, (void *)1),
			 -XEN_EEXIST);
	assert_int_equal(pvfront_port_bind(&os.pf, &ports[1], 31, NULL, NULL),
			 -XEN_EINVAL);
	fos_fire(&os, 30);
	assert_int_equal(pvfront_poll(&os.pf, 10), 1);
	assert_int_equal(hits[2], 1);
	pvfront_port_free(&os.pf, &ports[2]);
	assert_true(os.ports[30].used);
	assert_int_equal(fos_ports_used(&os), 2); /* store, 30 */
}

static void poll_timeout_and_nesting(void **state)
{
	uint64_t t0 = os.now;

	(void)state;
	memset(hits, 0, sizeof(hits));
	assert_int_equal(pvfront_poll(&os.pf, 250), 0);
	assert_true(os.now - t0 == 250 * 1000000ull);
	/* a handler may not wait */
	assert_int_equal(
	    pvfront_port_alloc(&os.pf, &ports[0], 0, on_port, (void *)0), 0);
	nest = true;
	fos_fire(&os, pvfront_port_number(&ports[0]));
	assert_int_equal(pvfront_poll(&os.pf, 10), 1);
	nest = false;
	assert_int_equal(nest_rc, -XEN_EDEADLK);
	pvfront_port_free(&os.pf, &ports[0]);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(open_args, setup, teardown),
    cmocka_unit_test_setup_teardown(pages_one, setup, teardown),
    cmocka_unit_test_setup_teardown(pages_many, setup, teardown),
    cmocka_unit_test_setup_teardown(pages_errors, setup, teardown),
    cmocka_unit_test_setup_teardown(pages_busy, setup, teardown),
    cmocka_unit_test_setup_teardown(pgdir_layout, setup, teardown),
    cmocka_unit_test_setup_teardown(pgdir_backend_alloc, setup, teardown),
    cmocka_unit_test_setup_teardown(pgdir_errors, setup, teardown),
    cmocka_unit_test_setup_teardown(pgdir_fill, setup, teardown),
    cmocka_unit_test_setup_teardown(ports_dispatch, setup, teardown),
    cmocka_unit_test_setup_teardown(poll_timeout_and_nesting, setup, teardown),
};

PV_UNIT_MAIN("front_pages", tests)
