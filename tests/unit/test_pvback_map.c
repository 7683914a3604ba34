/*
 * Unit tests of libpvback's grant and event-channel helpers on the fake
 * platform (pvback_fake_platform.h): runs of pages, page directories as
 * sndif and displif share buffers (chains, loops, short chains, sizes
 * over the limit, bad references), what a connection leaves mapped or
 * bound released at its end, and a port unbound from its own callback.
 */
#include <errno.h>
#include <stdlib.h>

#include <event2/event.h>

#include "pvback_test_plain.h"
#include "pvkit/proto/sndif.h"
#include "unit.h"

#define DOM	 PLAIN_DOM
#define DIR_REFS 1023u /* buffer references per directory page */

/* Pages pfn0.. of the guest, each granted; byte 0 of page i is i + 1. */
static void grant_pages(grant_ref_t *refs, unsigned int n, unsigned int pfn0,
			bool ro)
{
	for (unsigned int i = 0; i < n; i++) {
		refs[i] = fpf_grant(T.f, DOM, pfn0 + i, ro);
		fpf_page(T.f, DOM, pfn0 + i)[0] = (uint8_t)(i + 1);
	}
}

static void map_pages(void **state)
{
	grant_ref_t refs[3];
	uint8_t *a;

	(void)state;
	grant_pages(refs, 3, 100, false);
	assert_int_equal(pvback_dev_map(T.dev, refs, 3, true, (void **)&a), 0);
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(a[i * 4096], i + 1);
	a[2 * 4096 + 5] = 0xab; /* the guest sees it */
	assert_int_equal(fpf_page(T.f, DOM, 102)[5], 0xab);
	assert_int_equal(fpf_mapped(T.f), 3);
	assert_int_equal(pvback_dev_unmap(T.dev, a), 0);
	assert_int_equal(pvback_dev_unmap(T.dev, a), -EINVAL);
	assert_int_equal(fpf_mapped(T.f), 0);
	assert_int_equal(pvback_dev_map(T.dev, refs, 0, true, (void **)&a),
			 -EINVAL);
	assert_int_equal(
	    pvback_dev_map(T.dev, refs, PVBACK_MAP_MAX + 1, true, (void **)&a),
	    -EINVAL);
}

static void map_all_or_nothing(void **state)
{
	grant_ref_t refs[3];
	void *a;

	(void)state;
	grant_pages(refs, 3, 100, false);
	fpf_revoke(T.f, DOM, refs[2]);
	assert_true(pvback_dev_map(T.dev, refs, 3, false, &a) < 0);
	grant_pages(refs, 1, 200, true);
	assert_true(pvback_dev_map(T.dev, refs, 1, true, &a) < 0);
	assert_int_equal(pvback_dev_map(T.dev, refs, 1, false, &a), 0);
	assert_int_equal(fpf_mapped(T.f), 1); /* left for the teardown */
}

/* A directory of ndirs pages at pfn 10.., describing refs. */
static grant_ref_t make_dir(const grant_ref_t *refs, unsigned int npages,
			    unsigned int ndirs)
{
	grant_ref_t dirs[8];

	for (unsigned int d = 0; d < ndirs; d++)
		dirs[d] = fpf_grant(T.f, DOM, 10 + d, false);
	for (unsigned int d = 0; d < ndirs; d++) {
		struct xensnd_page_directory *p =
		    (void *)fpf_page(T.f, DOM, 10 + d);
		grant_ref_t *slot = (grant_ref_t *)p + 1;

		p->gref_dir_next_page = d + 1 < ndirs ? dirs[d + 1] : 0;
		for (unsigned int i = 0; i < DIR_REFS; i++) {
			unsigned int k = d * DIR_REFS + i;

			slot[i] = k < npages ? refs[k] : 0;
		}
	}
	return dirs[0];
}

static void pgdir_one(void **state)
{
	grant_ref_t refs[5], first;
	uint8_t *a;

	(void)state;
	grant_pages(refs, 5, 100, false);
	first = make_dir(refs, 5, 1);
	assert_int_equal(
	    pvback_dev_map_pgdir(T.dev, first, 5, 64, true, (void **)&a), 0);
	for (unsigned int i = 0; i < 5; i++)
		assert_int_equal(a[i * 4096], i + 1);
	assert_int_equal(fpf_mapped(T.f), 5); /* the directory is not kept */
	assert_int_equal(pvback_dev_unmap(T.dev, a), 0);
	/* Fewer pages than the directory holds: only those. */
	assert_int_equal(
	    pvback_dev_map_pgdir(T.dev, first, 2, 64, false, (void **)&a), 0);
	assert_int_equal(fpf_mapped(T.f), 2);
}

static void pgdir_chain(void **state)
{
	static grant_ref_t refs[DIR_REFS + 10];
	unsigned int n = DIR_REFS + 10;
	grant_ref_t first;
	uint8_t *a;

	(void)state;
	grant_pages(refs, n, 100, false);
	first = make_dir(refs, n, 2);
	assert_int_equal(
	    pvback_dev_map_pgdir(T.dev, first, n, 2048, false, (void **)&a), 0);
	assert_int_equal(a[(size_t)(n - 1) * 4096], (uint8_t)n);
	assert_int_equal(a[(size_t)DIR_REFS * 4096], (uint8_t)(DIR_REFS + 1));
	assert_int_equal(fpf_mapped(T.f), n);
	/* More pages than the chain describes: it ends too early. */
	assert_int_equal(pvback_dev_map_pgdir(T.dev, first, 2 * DIR_REFS + 1,
					      4096, false, (void **)&a),
			 -EINVAL);
	assert_int_equal(fpf_mapped(T.f), n);
}

static void pgdir_loop(void **state)
{
	static grant_ref_t refs[DIR_REFS + 1];
	struct xensnd_page_directory *dir;
	grant_ref_t first;
	void *a;

	(void)state;
	grant_pages(refs, DIR_REFS + 1, 100, false);
	first = make_dir(refs, DIR_REFS + 1, 1);
	dir = (void *)fpf_page(T.f, DOM, 10);
	dir->gref_dir_next_page = first; /* the page names itself */
	assert_int_equal(
	    pvback_dev_map_pgdir(T.dev, first, DIR_REFS + 1, 4096, false, &a),
	    -EINVAL);
	assert_int_equal(fpf_mapped(T.f), 0);
}

static void pgdir_limits(void **state)
{
	grant_ref_t refs[4], first;
	void *a;

	(void)state;
	grant_pages(refs, 4, 100, false);
	first = make_dir(refs, 4, 1);
	assert_int_equal(pvback_dev_map_pgdir(T.dev, first, 4, 3, false, &a),
			 -E2BIG);
	assert_int_equal(pvback_dev_map_pgdir(T.dev, first, PVBACK_MAP_MAX + 1,
					      UINT32_MAX, false, &a),
			 -E2BIG);
	assert_int_equal(pvback_dev_map_pgdir(T.dev, first, 0, 3, false, &a),
			 -EINVAL);
	/* The first directory page not granted, or 0. */
	assert_true(pvback_dev_map_pgdir(T.dev, 4000, 4, 8, false, &a) < 0);
	assert_int_equal(pvback_dev_map_pgdir(T.dev, 0, 4, 8, false, &a),
			 -EINVAL);
	/* A buffer page not granted. */
	fpf_revoke(T.f, DOM, refs[3]);
	assert_true(pvback_dev_map_pgdir(T.dev, first, 4, 8, false, &a) < 0);
	assert_int_equal(fpf_mapped(T.f), 0);
}

static void on_evt(struct pvback_evt *evt, void *arg)
{
	(void)arg;
	T.events++;
	if (T.events == 2) {
		pvback_evt_unbind(evt); /* from its own callback */
		T.evt = NULL;
	}
}

static void evt_unbind_in_callback(void **state)
{
	evtchn_port_t p = fpf_port_alloc(T.f, DOM);

	(void)state;
	assert_int_equal(pvback_dev_bind(T.dev, p, on_evt, NULL, &T.evt), 0);
	assert_ptr_equal(pvback_evt_dev(T.evt), T.dev);
	assert_int_equal(pvback_evt_notify(T.evt), 0);
	assert_int_equal(fpf_notified(T.f, DOM, p), 1);
	assert_int_equal(fpf_raise(T.f, DOM, p), 0);
	run();
	assert_int_equal(T.events, 1);
	assert_int_equal(fpf_raise(T.f, DOM, p), 0);
	assert_int_equal(fpf_raise(T.f, DOM, p), 0); /* coalesced */
	run();
	assert_int_equal(T.events, 2);
	assert_int_equal(fpf_bound(T.f), 0);
	assert_int_equal(fpf_raise(T.f, DOM, p), -ENOTCONN);
	/* A port bound twice, and one never allocated. */
	assert_int_equal(pvback_dev_bind(T.dev, p, on_evt, NULL, &T.evt), 0);
	assert_true(pvback_dev_bind(T.dev, p, on_evt, NULL, &T.evt) < 0);
	assert_true(pvback_dev_bind(T.dev, 60, on_evt, NULL, &T.evt) < 0);
	assert_int_equal(pvback_dev_bind(T.dev, p, NULL, NULL, &T.evt),
			 -EINVAL);
	pvback_evt_unbind(NULL);
}

/* What the device did not release goes with the connection. */
static void released_at_disconnect(void **state)
{
	grant_ref_t refs[2];
	struct pvback_evt *e;
	void *a;

	(void)state;
	grant_pages(refs, 2, 100, false);
	assert_int_equal(pvback_dev_map(T.dev, refs, 2, true, &a), 0);
	assert_int_equal(pvback_dev_map(T.dev, refs, 1, false, &a), 0);
	assert_int_equal(
	    pvback_dev_bind(T.dev, fpf_port_alloc(T.f, DOM), on_evt, NULL, &e),
	    0);
	assert_int_equal(
	    pvback_dev_bind(T.dev, fpf_port_alloc(T.f, DOM), on_evt, NULL, &e),
	    0);
	assert_int_equal(fpf_mapped(T.f), 3);
	assert_int_equal(fpf_bound(T.f), 2);
	fpf_write(T.f, "5", "/local/domain/%u/device/vplain/0/state", DOM);
	run();
	assert_null(T.dev);
	assert_int_equal(fpf_mapped(T.f), 0);
	assert_int_equal(fpf_bound(T.f), 0);
}

static const struct CMUnitTest tests[] = {
#define CASE(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    CASE(map_pages),
    CASE(map_all_or_nothing),
    CASE(pgdir_one),
    CASE(pgdir_chain),
    CASE(pgdir_loop),
    CASE(pgdir_limits),
    CASE(evt_unbind_in_callback),
    CASE(released_at_disconnect),
};

PV_UNIT_MAIN("pvback_map", tests)
