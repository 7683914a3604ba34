/*
 * Unit tests of libpvback's memory the backend provides (displif's
 * be-alloc) on the fake platform: dom0's pages granted to the guest
 * (pvback_dev_grant_alloc / _free), the guest's page directory filled with
 * their references (pvback_dev_fill_pgdir: chains, short chains, loops,
 * read-only directory pages, sizes), a 3840x2160 XRGB8888 buffer's worth,
 * and grants ended when the connection ends.
 */
#include <errno.h>
#include <stdlib.h>

#include <event2/event.h>

#include "pvback_test_plain.h"
#include "unit.h"

#define DOM	 PLAIN_DOM
#define DIR_REFS 1023u /* buffer references per directory page */

/* A directory chain of ndirs pages at pfn0.. granted writable (or not),
 * each page's next reference set as a frontend would; the first's ref. */
static grant_ref_t dir_chain(unsigned int ndirs, unsigned int pfn0, bool ro,
			     grant_ref_t *dirs)
{
	for (unsigned int d = 0; d < ndirs; d++)
		dirs[d] = fpf_grant(T.f, DOM, pfn0 + d, ro);
	for (unsigned int d = 0; d < ndirs; d++) {
		grant_ref_t next = d + 1 < ndirs ? dirs[d + 1] : 0;

		memcpy(fpf_page(T.f, DOM, pfn0 + d), &next, sizeof(next));
	}
	return dirs[0];
}

static grant_ref_t dir_ref(unsigned int pfn, unsigned int i)
{
	grant_ref_t r;

	memcpy(&r, fpf_page(T.f, DOM, pfn) + (1 + i) * sizeof(r), sizeof(r));
	return r;
}

static void alloc_and_fill(void **state)
{
	grant_ref_t refs[1500], dirs[2];
	uint8_t *a;
	bool ro = true;

	(void)state;
	assert_int_equal(
	    pvback_dev_grant_alloc(T.dev, 1500, false, refs, (void **)&a), 0);
	assert_int_equal(fpf_owned(T.f), 1500);
	/* Zeroed; the guest's view of page i is dom0's page i. */
	assert_int_equal(a[0], 0);
	a[1499 * 4096 + 7] = 0x77;
	assert_ptr_equal(fpf_own_page(T.f, DOM, refs[1499], &ro),
			 a + 1499 * 4096);
	assert_false(ro);
	assert_null(fpf_own_page(T.f, DOM + 1, refs[0], NULL));
	/* Two directory pages: 1023 references, then 477. */
	dir_chain(2, 300, false, dirs);
	assert_int_equal(pvback_dev_fill_pgdir(T.dev, dirs[0], refs, 1500), 0);
	assert_int_equal(dir_ref(300, 0), refs[0]);
	assert_int_equal(dir_ref(300, DIR_REFS - 1), refs[DIR_REFS - 1]);
	assert_int_equal(dir_ref(301, 0), refs[DIR_REFS]);
	assert_int_equal(dir_ref(301, 1500 - DIR_REFS - 1), refs[1499]);
	/* The chain's own references are left alone. */
	{
		grant_ref_t next;

		memcpy(&next, fpf_page(T.f, DOM, 300), sizeof(next));
		assert_int_equal(next, dirs[1]);
	}
	assert_int_equal(fpf_mapped(T.f), 0); /* directory pages unmapped */
	assert_int_equal(pvback_dev_unmap(T.dev, a), -EINVAL); /* not a map */
	assert_int_equal(pvback_dev_grant_free(T.dev, a), 0);
	assert_int_equal(pvback_dev_grant_free(T.dev, a), -EINVAL);
	assert_int_equal(fpf_owned(T.f), 0);
}

static void read_only_grants(void **state)
{
	grant_ref_t refs[2];
	void *a;
	bool ro = false;

	(void)state;
	assert_int_equal(pvback_dev_grant_alloc(T.dev, 2, true, refs, &a), 0);
	assert_non_null(fpf_own_page(T.f, DOM, refs[1], &ro));
	assert_true(ro);
	assert_int_equal(pvback_dev_grant_free(T.dev, a), 0);
}

static void fill_bad_chains(void **state)
{
	grant_ref_t refs[2100], dirs[3];
	void *a;

	(void)state;
	assert_int_equal(pvback_dev_grant_alloc(T.dev, 2100, false, refs, &a),
			 0);
	/* Ends after two pages where three are needed. */
	dir_chain(2, 400, false, dirs);
	assert_int_equal(pvback_dev_fill_pgdir(T.dev, dirs[0], refs, 2100),
			 -EINVAL);
	/* Loops back to itself. */
	dir_chain(1, 410, false, dirs);
	memcpy(fpf_page(T.f, DOM, 410), &dirs[0], sizeof(dirs[0]));
	assert_int_equal(pvback_dev_fill_pgdir(T.dev, dirs[0], refs, 2100),
			 -EINVAL);
	/* A first reference 0, one never granted, one granted read-only. */
	assert_int_equal(pvback_dev_fill_pgdir(T.dev, 0, refs, 1), -EINVAL);
	assert_true(pvback_dev_fill_pgdir(T.dev, 1999, refs, 1) < 0);
	dir_chain(1, 420, true, dirs);
	assert_true(pvback_dev_fill_pgdir(T.dev, dirs[0], refs, 1) < 0);
	assert_int_equal(dir_ref(420, 0), 0);
	/* Sizes. */
	assert_int_equal(pvback_dev_fill_pgdir(T.dev, dirs[0], refs, 0),
			 -EINVAL);
	assert_int_equal(
	    pvback_dev_fill_pgdir(T.dev, dirs[0], refs, PVBACK_MAP_MAX + 1),
	    -E2BIG);
	assert_int_equal(fpf_mapped(T.f), 0);
	assert_int_equal(pvback_dev_grant_free(T.dev, a), 0);
}

static void alloc_limits(void **state)
{
	grant_ref_t ref;
	void *a;

	(void)state;
	assert_int_equal(pvback_dev_grant_alloc(T.dev, 0, false, &ref, &a),
			 -EINVAL);
	assert_int_equal(
	    pvback_dev_grant_alloc(T.dev, PVBACK_MAP_MAX + 1, false, &ref, &a),
	    -EINVAL);
	assert_int_equal(pvback_dev_grant_alloc(T.dev, 1, false, NULL, &a),
			 -EINVAL);
	fpf_grant_alloc_fail(T.f, -ENOSPC);
	assert_int_equal(pvback_dev_grant_alloc(T.dev, 1, false, &ref, &a),
			 -ENOSPC);
	fpf_grant_alloc_fail(T.f, 0);
	assert_int_equal(fpf_owned(T.f), 0);
}

/* A 3840x2160 XRGB8888 frame: 8100 pages over 8 directory pages, granted
 * by dom0 and mapped from the guest alike (PVBACK_MAP_MAX allows both). */
static void uhd_buffer(void **state)
{
	static grant_ref_t refs[8100], grefs[8100];
	grant_ref_t dirs[8];
	uint8_t *a, *m;

	(void)state;
	assert_int_equal(
	    pvback_dev_grant_alloc(T.dev, 8100, false, refs, (void **)&a), 0);
	dir_chain(8, 100, false, dirs);
	assert_int_equal(pvback_dev_fill_pgdir(T.dev, dirs[0], refs, 8100), 0);
	assert_int_equal(dir_ref(107, 8100 - 7 * DIR_REFS - 1), refs[8099]);
	assert_int_equal(pvback_dev_grant_free(T.dev, a), 0);
	/* The other way: the guest's own 8100 pages through its directory. */
	for (unsigned int i = 0; i < 8100; i++)
		grefs[i] = fpf_grant(T.f, DOM, 200 + i, false);
	fpf_page(T.f, DOM, 200 + 8099)[5] = 0x42;
	for (unsigned int d = 0; d < 8; d++)
		for (unsigned int i = 0;
		     i < DIR_REFS && d * DIR_REFS + i < 8100; i++)
			memcpy(fpf_page(T.f, DOM, 100 + d) + (1 + i) * 4,
			       &grefs[d * DIR_REFS + i], 4);
	assert_int_equal(
	    pvback_dev_map_pgdir(T.dev, dirs[0], 8100, 8100, true, (void **)&m),
	    0);
	assert_int_equal(m[8099u * 4096 + 5], 0x42);
	assert_int_equal(pvback_dev_unmap(T.dev, m), 0);
}

/* The end of the connection ends what is still granted. */
static void released_at_disconnect(void **state)
{
	grant_ref_t refs[4];
	void *a;

	(void)state;
	assert_int_equal(pvback_dev_grant_alloc(T.dev, 4, false, refs, &a), 0);
	assert_int_equal(pvback_dev_grant_alloc(T.dev, 2, true, refs, &a), 0);
	assert_int_equal(fpf_owned(T.f), 6);
	fpf_write(T.f, "5", "/local/domain/%u/device/vplain/0/state", DOM);
	run();
	assert_null(T.dev);
	assert_int_equal(fpf_owned(T.f), 0);
}

static const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    T(alloc_and_fill), T(read_only_grants), T(fill_bad_chains),
    T(alloc_limits),   T(uhd_buffer),	    T(released_at_disconnect),
#undef T
};

PV_UNIT_MAIN("pvback_own (memory the backend provides)", tests)
