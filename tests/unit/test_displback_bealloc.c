/*
 * Unit tests of buffers the display backend provides (be-alloc,
 * XENDISPL_DBUF_FLG_REQ_ALLOC) on libpvback's fake platform: pages of
 * dom0 granted to the guest and listed in the guest's page directory,
 * shown like any buffer, ended at DBUF_DESTROY and at disconnect; refused
 * without be-alloc "1", over the quota, past one mapping, and with a
 * directory that is short or not writable; a 3840x2160 XRGB8888 buffer
 * either way (the guest's pages and the backend's).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdlib.h>

#include "displback_fe.h"
#include "unit.h"

#define DIR_REFS 1023u

/* ---- a host side that keeps the last frame --------------------------------
 */

static struct {
	unsigned int opens, closes;
	struct displback_fb last;
	unsigned int shows;
} R;

static int h_open(struct event_base *base, const char *arg, void **host)
{
	(void)base;
	(void)arg;
	*host = &R;
	return 0;
}

static void h_close(void *host)
{
	(void)host;
}

static int h_conn_open(void *host, const struct displback_conn_info *info,
		       void **conn)
{
	(void)host;
	R.opens++;
	*conn = (void *)info->presented;
	return 0;
}

static void h_conn_close(void *conn)
{
	(void)conn;
	R.closes++;
}

static int h_show(void *conn, const struct displback_fb *fb)
{
	(void)conn;
	if (fb) {
		R.last = *fb;
		R.shows++;
	}
	return 0;
}

static const struct displback_host_ops h_ops = {
    .name = "keep",
    .open = h_open,
    .close = h_close,
    .connector_open = h_conn_open,
    .connector_close = h_conn_close,
    .show = h_show,
};

static struct dfe T;

static void connect_with(const char *be_alloc)
{
	dfe_tree(&T);
	fpf_write(T.f, be_alloc, DFE_FE "/be-alloc");
	dfe_run(&T);
	for (unsigned int i = 0; i < DFE_CONNS; i++)
		dfe_conn(&T, i);
	fpf_write(T.f, "2", DFE_FE "/version");
	fpf_write(T.f, "3", DFE_FE "/state");
	dfe_run(&T);
	assert_string_equal(fpf_read(T.f, DFE_BE "/state"), "4");
}

static int setup_limits(const struct displback_limits *lim)
{
	memset(&R, 0, sizeof(R));
	dfe_setup(&T, &h_ops, NULL, lim);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	setup_limits(NULL);
	connect_with("1");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	dfe_teardown(&T);
	assert_int_equal(R.opens, R.closes);
	return 0;
}

/* A directory chain of ndir guest pages, granted writable (or read-only),
 * chained, no buffer references: what a frontend gives with REQ_ALLOC.
 * *pfn0 gets its first page. */
static grant_ref_t dir_chain(unsigned int ndir, bool ro, unsigned int *pfn0)
{
	grant_ref_t ref[16];

	assert_true(ndir <= 16);
	*pfn0 = T.next_pfn;
	for (unsigned int k = 0; k < ndir; k++) {
		ref[k] = fpf_grant(T.f, DFE_DOM, T.next_pfn + k, ro);
		memset(fpf_page(T.f, DFE_DOM, T.next_pfn + k), 0, 4096);
	}
	for (unsigned int k = 0; k + 1 < ndir; k++)
		memcpy(fpf_page(T.f, DFE_DOM, T.next_pfn + k), &ref[k + 1],
		       sizeof(ref[0]));
	T.next_pfn += ndir;
	return ref[0];
}

static grant_ref_t dir_ref(unsigned int pfn0, unsigned int i)
{
	grant_ref_t r;

	memcpy(&r,
	       fpf_page(T.f, DFE_DOM, pfn0 + i / DIR_REFS) +
		   (1 + i % DIR_REFS) * sizeof(r),
	       sizeof(r));
	return r;
}

static int32_t alloc_dbuf(uint64_t cookie, uint32_t w, uint32_t h, uint32_t bpp,
			  uint32_t ofs, grant_ref_t dir)
{
	struct xendispl_req rq = {.operation = XENDISPL_OP_DBUF_CREATE};

	rq.op.dbuf_create = (struct xendispl_dbuf_create_req){
	    .dbuf_cookie = cookie,
	    .width = w,
	    .height = h,
	    .bpp = bpp,
	    .buffer_sz = ofs + w * h * bpp / 8,
	    .flags = XENDISPL_DBUF_FLG_REQ_ALLOC,
	    .gref_directory = dir,
	    .data_ofs = ofs};
	return dfe_ask(&T, 0, &rq, NULL);
}

/* The backend's pages through the guest's eyes: the directory's refs
 * name dom0's own grants, contiguous; the frame shown is those pages. */
static void backend_pages_shown(void **state)
{
	unsigned int pfn0;
	grant_ref_t dir = dir_chain(1, false, &pfn0);
	unsigned int base = fpf_mapped(T.f); /* rings and event pages */
	uint8_t *pix;
	bool ro = true;

	(void)state;
	/* 100x80 at 32 bpp, 64 bytes in: 32064 bytes, 8 pages */
	assert_int_equal(alloc_dbuf(1, 100, 80, 32, 64, dir), 0);
	assert_int_equal(fpf_owned(T.f), 8);
	assert_int_equal(fpf_mapped(T.f), base); /* nothing of the guest's */
	pix = fpf_own_page(T.f, DFE_DOM, dir_ref(pfn0, 0), &ro);
	assert_non_null(pix);
	assert_false(ro); /* the guest draws into them */
	for (unsigned int i = 1; i < 8; i++)
		assert_ptr_equal(
		    fpf_own_page(T.f, DFE_DOM, dir_ref(pfn0, i), NULL),
		    pix + i * 4096);
	assert_int_equal(dir_ref(pfn0, 8), 0); /* nothing past npages */
	/* the chain's own reference untouched */
	assert_int_equal(*(grant_ref_t *)fpf_page(T.f, DFE_DOM, pfn0), 0);
	for (unsigned int i = 0; i < 100 * 80; i++)
		memcpy(pix + 64 + i * 4, &i, 4);
	assert_int_equal(dfe_fb(&T, 1, 10, 100, 80, PV_DISPLIF_FMT_XRGB8888),
			 0);
	assert_int_equal(dfe_config(&T, 0, 10, 0, 0, 100, 80, 32), 0);
	assert_int_equal(R.shows, 1);
	assert_ptr_equal(R.last.pixels, pix + 64);
	assert_int_equal(R.last.stride, 400);
	/* busy while shown, then freed: grants ended */
	assert_int_equal(dfe_simple(&T, 0, XENDISPL_OP_DBUF_DESTROY, 1),
			 -EBUSY);
	assert_int_equal(dfe_config(&T, 0, 0, 0, 0, 0, 0, 0), 0);
	assert_int_equal(dfe_simple(&T, 0, XENDISPL_OP_DBUF_DESTROY, 1), 0);
	assert_int_equal(fpf_owned(T.f), 0);
	/* the cookie may be used again, by a buffer of the guest's */
	assert_int_equal(dfe_dbuf(&T, 1, 16, 16, 32, NULL), 0);
	assert_int_equal(fpf_owned(T.f), 0);
}

/* Everything that refuses REQ_ALLOC leaves nothing granted or mapped. */
static void refusals(void **state)
{
	unsigned int pfn0;
	grant_ref_t dir = dir_chain(1, false, &pfn0);
	grant_ref_t ro_dir = dir_chain(1, true, &pfn0);
	unsigned int base = fpf_mapped(T.f);

	(void)state;
	/* the platform cannot make them */
	fpf_grant_alloc_fail(T.f, -ENOSPC);
	assert_int_equal(alloc_dbuf(1, 64, 64, 32, 0, dir), -ENOSPC);
	fpf_grant_alloc_fail(T.f, -ENOTSUP);
	assert_int_equal(alloc_dbuf(1, 64, 64, 32, 0, dir), -ENOTSUP);
	fpf_grant_alloc_fail(T.f, 0);
	/* a directory the backend may not write, or none */
	assert_true(alloc_dbuf(1, 64, 64, 32, 0, ro_dir) < 0);
	assert_true(alloc_dbuf(1, 64, 64, 32, 0, 1999) < 0);
	assert_int_equal(alloc_dbuf(1, 64, 64, 32, 0, 0), -EINVAL);
	/* 2000 pages need two directory pages; the chain has one */
	assert_int_equal(alloc_dbuf(1, 1000, 2000, 32, 0, dir), -EINVAL);
	/* past one mapping */
	assert_int_equal(alloc_dbuf(1, 4096, 4097, 32, 0, dir), -E2BIG);
	/* flags beyond REQ_ALLOC */
	{
		struct xendispl_req rq = {.operation = XENDISPL_OP_DBUF_CREATE};

		rq.op.dbuf_create =
		    (struct xendispl_dbuf_create_req){.dbuf_cookie = 1,
						      .width = 8,
						      .height = 8,
						      .bpp = 32,
						      .buffer_sz = 256,
						      .flags = 3,
						      .gref_directory = dir};
		assert_int_equal(dfe_ask(&T, 0, &rq, NULL), -EINVAL);
	}
	/* on another connector's ring */
	{
		struct xendispl_req rq = {.operation = XENDISPL_OP_DBUF_CREATE};

		rq.op.dbuf_create = (struct xendispl_dbuf_create_req){
		    .dbuf_cookie = 1,
		    .width = 8,
		    .height = 8,
		    .bpp = 32,
		    .buffer_sz = 256,
		    .flags = XENDISPL_DBUF_FLG_REQ_ALLOC,
		    .gref_directory = dir};
		assert_int_equal(dfe_ask(&T, 1, &rq, NULL), -EINVAL);
	}
	assert_int_equal(fpf_owned(T.f), 0);
	assert_int_equal(fpf_mapped(T.f), base);
	/* and after all that, it works: 64x64 at 32 bpp is 4 pages */
	assert_int_equal(alloc_dbuf(1, 64, 64, 32, 0, dir), 0);
	assert_int_equal(fpf_owned(T.f), 4);
}

/* be-alloc not "1": REQ_ALLOC is a bad request, as the protocol says the
 * frontend must then allocate buffers itself. */
static void not_offered(void **state)
{
	unsigned int pfn0;
	grant_ref_t dir;

	(void)state;
	dfe_teardown(&T);
	setup_limits(NULL);
	connect_with("0");
	dir = dir_chain(1, false, &pfn0);
	assert_int_equal(alloc_dbuf(1, 64, 64, 32, 0, dir), -EINVAL);
	assert_int_equal(fpf_owned(T.f), 0);
	assert_int_equal(dfe_dbuf(&T, 1, 16, 16, 32, NULL), 0);
}

/* The backend's pages count against the device's quota. */
static void quota(void **state)
{
	const struct displback_limits lim = {.dbufs_max = 4, .pages_max = 20};
	unsigned int pfn0;
	grant_ref_t dir;

	(void)state;
	dfe_teardown(&T);
	setup_limits(&lim);
	connect_with("1");
	dir = dir_chain(1, false, &pfn0);
	assert_int_equal(alloc_dbuf(1, 128, 128, 32, 0, dir), 0);      /* 16 */
	assert_int_equal(alloc_dbuf(2, 128, 64, 32, 0, dir), -ENOMEM); /* 8 */
	assert_int_equal(dfe_dbuf(&T, 2, 128, 64, 32, NULL), -ENOMEM);
	assert_int_equal(dfe_simple(&T, 0, XENDISPL_OP_DBUF_DESTROY, 1), 0);
	assert_int_equal(alloc_dbuf(2, 128, 64, 32, 0, dir), 0);
	assert_int_equal(fpf_owned(T.f), 8);
}

/* 3840x2160 XRGB8888 (8100 pages, 8 directory pages), the backend's and
 * then the guest's own, each shown. */
static void uhd(void **state)
{
	unsigned int pfn0;
	grant_ref_t dir;
	uint8_t *pix;

	(void)state;
	dfe_teardown(&T);
	{
		const struct displback_limits lim = {0};

		setup_limits(&lim);
	}
	/* a connector of that size */
	dfe_tree(&T);
	fpf_write(T.f, "3840x2160", DFE_FE "/0/resolution");
	dfe_run(&T);
	for (unsigned int i = 0; i < DFE_CONNS; i++)
		dfe_conn(&T, i);
	fpf_write(T.f, "2", DFE_FE "/version");
	fpf_write(T.f, "3", DFE_FE "/state");
	dfe_run(&T);
	assert_string_equal(fpf_read(T.f, DFE_BE "/state"), "4");
	dir = dir_chain(8, false, &pfn0);
	assert_int_equal(alloc_dbuf(1, 3840, 2160, 32, 0, dir), 0);
	assert_int_equal(fpf_owned(T.f), 8100);
	pix = fpf_own_page(T.f, DFE_DOM, dir_ref(pfn0, 8099), NULL);
	assert_non_null(pix);
	assert_int_equal(dfe_fb(&T, 1, 10, 3840, 2160, PV_DISPLIF_FMT_XRGB8888),
			 0);
	assert_int_equal(dfe_config(&T, 0, 10, 0, 0, 3840, 2160, 32), 0);
	assert_int_equal(R.last.width, 3840);
	assert_int_equal(R.last.height, 2160);
	assert_ptr_equal((const uint8_t *)R.last.pixels + 8099u * 4096, pix);
	/* the guest's own 8100 pages, mapped in one piece */
	assert_int_equal(dfe_dbuf(&T, 2, 3840, 2160, 32, &pix), 0);
	pix[8099u * 4096 + 9] = 0x6b;
	assert_int_equal(dfe_fb(&T, 2, 20, 3840, 2160, PV_DISPLIF_FMT_XRGB8888),
			 0);
	assert_int_equal(dfe_flip(&T, 0, 20), 0);
	assert_int_equal(((const uint8_t *)R.last.pixels)[8099u * 4096 + 9],
			 0x6b);
	assert_int_equal(fpf_mapped(T.f), 4 + 8100);
}

/* The frontend goes: our grants end with the connection. */
static void released_at_disconnect(void **state)
{
	unsigned int pfn0;
	grant_ref_t dir = dir_chain(1, false, &pfn0);

	(void)state;
	assert_int_equal(alloc_dbuf(1, 64, 64, 32, 0, dir), 0);
	assert_int_equal(alloc_dbuf(2, 32, 32, 32, 0, dir), 0);
	assert_int_equal(fpf_owned(T.f), 5);
	fpf_write(T.f, "5", DFE_FE "/state");
	dfe_run(&T);
	fpf_write(T.f, "6", DFE_FE "/state");
	dfe_run(&T);
	assert_int_equal(fpf_owned(T.f), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	    T(backend_pages_shown),
	    T(refusals),
	    T(not_offered),
	    T(quota),
	    T(uhd),
	    T(released_at_disconnect),
#undef T
	};

	return pv_unit_main("displback_bealloc", tests,
			    sizeof(tests) / sizeof(tests[0]), argc, argv);
}
