/*
 * Unit tests of the vdispl device (pvkit/displback.h) on libpvback's fake
 * platform with a recording host side: the connector tree, "versions",
 * each request and each bad input with its errno, frames handed to the
 * host side (region, stride, format), flip events only once the host side
 * presents, busy buffers, quotas, GET_EDID through the guest's page
 * directory, a full event page, and broken indices.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdlib.h>

#include "displback_fe.h"
#include "unit.h"

/* ---- a recording host side --------------------------------------------------
 */

#define REC_MAX 128u

static struct rec {
	unsigned int opens, closes;
	struct displback_conn_info info[DFE_CONNS];
	char uid[DFE_CONNS][64];
	void *conn_of[DFE_CONNS];
	bool defer; /* presented() only when the test says */
	int refuse; /* show() answers this */
	struct displback_fb shows[REC_MAX];
	unsigned int conn_idx[REC_MAX];
	unsigned int n_shows, n_off;
} R;

static int rec_open(struct event_base *base, const char *arg, void **host)
{
	(void)base;
	(void)arg;
	*host = &R;
	return 0;
}

static void rec_close(void *host)
{
	(void)host;
}

static int rec_conn_open(void *host, const struct displback_conn_info *info,
			 void **conn)
{
	(void)host;
	assert_true(info->index < DFE_CONNS);
	R.info[info->index] = *info;
	snprintf(R.uid[info->index], 64, "%s", info->unique_id);
	R.opens++;
	*conn = &R.info[info->index];
	return 0;
}

static void rec_conn_close(void *conn)
{
	(void)conn;
	R.closes++;
}

static int rec_show(void *conn, const struct displback_fb *fb)
{
	struct displback_conn_info *info = conn;

	if (R.refuse)
		return R.refuse;
	if (!fb) {
		R.n_off++;
		return 0;
	}
	/* the last REC_MAX kept (random_requests makes more) */
	R.conn_idx[R.n_shows % REC_MAX] = info->index;
	R.shows[R.n_shows++ % REC_MAX] = *fb;
	if (!R.defer)
		info->presented(info->ctx, fb->seq);
	return 0;
}

static const struct displback_host_ops rec_ops = {
    .name = "rec",
    .open = rec_open,
    .close = rec_close,
    .connector_open = rec_conn_open,
    .connector_close = rec_conn_close,
    .show = rec_show,
};

static struct dfe T;

static int setup(void **state)
{
	(void)state;
	memset(&R, 0, sizeof(R));
	dfe_setup(&T, &rec_ops, NULL, NULL);
	return 0;
}

static int setup_connected(void **state)
{
	setup(state);
	dfe_connect(&T);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	dfe_teardown(&T);
	assert_int_equal(R.opens, R.closes);
	return 0;
}

/* A 32-bpp dbuf 1 of 100x80 and an XRGB fb 10 on it, 64x48 shown on
 * connector 0 at (0, 0). */
static uint8_t *shown_fb(void)
{
	uint8_t *px;

	assert_int_equal(dfe_dbuf(&T, 1, 100, 80, 32, &px), 0);
	assert_int_equal(dfe_fb(&T, 1, 10, 100, 80, DISPLBACK_FMT_XRGB8888), 0);
	assert_int_equal(dfe_config(&T, 0, 10, 0, 0, 64, 48, 32), 0);
	return px;
}

/* ---- cases -----------------------------------------------------------------
 */

/* The tree as the host side sees it; versions; closing releases all. */
static void connect_tree(void **state)
{
	(void)state;
	assert_int_equal(R.opens, 2);
	assert_string_equal(R.uid[0], "mon0");
	assert_string_equal(R.uid[1], "mon1");
	assert_int_equal(R.info[0].width, 800);
	assert_int_equal(R.info[0].height, 600);
	assert_int_equal(R.info[1].width, 640);
	assert_int_equal(R.info[1].height, 480);
	assert_int_equal(R.info[1].domid, DFE_DOM);
	assert_int_equal(R.info[1].index, 1);
	shown_fb();
	fpf_write(T.f, "5", DFE_FE "/state");
	dfe_run(&T);
	assert_string_equal(fpf_read(T.f, DFE_BE "/state"), "5");
	assert_int_equal(R.closes, 2);
	assert_int_equal(fpf_mapped(T.f), 0);
	assert_int_equal(fpf_bound(T.f), 0);
}

static void expect_fail(const char *why)
{
	dfe_run(&T);
	assert_string_equal(fpf_read(T.f, DFE_BE "/state"), "5");
	assert_non_null(fpf_read(T.f, DFE_BE "/error"));
	if (why)
		assert_non_null(strstr(fpf_read(T.f, DFE_BE "/error"), why));
	assert_int_equal(fpf_mapped(T.f), 0);
}

/* Resolutions that are not WxH within 1..4095 fail the device. */
static void bad_tree(void **state)
{
	static const char *const bad[] = {"800x",      "0x600", "5000x10",
					  "800x600x",  "x600",	"-1x5",
					  "800 x 600", "80x60 "};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		teardown(NULL);
		setup(NULL);
		dfe_tree(&T);
		fpf_write(T.f, bad[i], DFE_FE "/1/resolution");
		dfe_conn(&T, 0);
		dfe_conn(&T, 1);
		fpf_write(T.f, "3", DFE_FE "/state");
		expect_fail("resolution");
	}
	/* no connectors at all */
	teardown(NULL);
	setup(NULL);
	fpf_add_device(T.f, "vdispl", "vdispl", DFE_DOM, 0);
	fpf_write(T.f, "3", DFE_FE "/state");
	expect_fail("no connectors");
	/* a version this backend does not speak */
	teardown(NULL);
	setup(NULL);
	dfe_tree(&T);
	dfe_conn(&T, 0);
	dfe_conn(&T, 1);
	fpf_write(T.f, "1", DFE_FE "/version");
	fpf_write(T.f, "3", DFE_FE "/state");
	expect_fail("version");
	/* a ring reference never granted */
	teardown(NULL);
	setup(NULL);
	dfe_tree(&T);
	dfe_conn(&T, 0);
	dfe_conn(&T, 1);
	fpf_write(T.f, "2000", DFE_FE "/1/req-ring-ref");
	fpf_write(T.f, "3", DFE_FE "/state");
	expect_fail("connector 1");
}

/* Create, attach, detach, destroy; cookies reusable afterwards. */
static void dbuf_fb_lifecycle(void **state)
{
	unsigned int base;
	uint8_t *px;

	(void)state;
	base = fpf_mapped(T.f);
	assert_int_equal(dfe_dbuf(&T, 7, 64, 32, 32, &px), 0); /* 2 pages */
	assert_int_equal(fpf_mapped(T.f), base + 2);
	assert_int_equal(dfe_fb(&T, 7, 70, 64, 32, DISPLBACK_FMT_ARGB8888), 0);
	assert_int_equal(dfe_fb(&T, 7, 71, 32, 16, DISPLBACK_FMT_XRGB8888), 0);
	assert_int_equal(dfe_simple(&T, 0, XENDISPL_OP_FB_DETACH, 70), 0);
	assert_int_equal(dfe_simple(&T, 0, XENDISPL_OP_FB_DETACH, 70), -ENOENT);
	/* destroying the dbuf detaches fb 71 with it */
	assert_int_equal(dfe_simple(&T, 0, XENDISPL_OP_DBUF_DESTROY, 7), 0);
	assert_int_equal(fpf_mapped(T.f), base);
	assert_int_equal(dfe_simple(&T, 0, XENDISPL_OP_FB_DETACH, 71), -ENOENT);
	assert_int_equal(dfe_simple(&T, 0, XENDISPL_OP_DBUF_DESTROY, 7),
			 -ENOENT);
	assert_int_equal(dfe_dbuf(&T, 7, 16, 16, 16, NULL), 0);
	assert_int_equal(dfe_fb(&T, 7, 71, 16, 16, DISPLBACK_FMT_RGB565), 0);
}

static int32_t create(uint64_t cookie, uint32_t w, uint32_t h, uint32_t bpp,
		      uint32_t sz, uint32_t ofs, uint32_t flags,
		      grant_ref_t dir, unsigned int conn)
{
	struct xendispl_req rq = {.operation = XENDISPL_OP_DBUF_CREATE};

	rq.op.dbuf_create =
	    (struct xendispl_dbuf_create_req){.dbuf_cookie = cookie,
					      .width = w,
					      .height = h,
					      .bpp = bpp,
					      .buffer_sz = sz,
					      .flags = flags,
					      .gref_directory = dir,
					      .data_ofs = ofs};
	return dfe_ask(&T, conn, &rq, NULL);
}

/* Every bad DBUF_CREATE and its errno; nothing stays mapped. */
static void dbuf_create_bad(void **state)
{
	unsigned int base = fpf_mapped(T.f);
	grant_ref_t d2 = dfe_buffer(&T, 2, 2, NULL);

	(void)state;
	assert_int_equal(create(0, 32, 32, 32, 8192, 0, 0, d2, 0), -EINVAL);
	assert_int_equal(create(1, 32, 32, 32, 8192, 0, 2, d2, 0), -EINVAL);
	/* REQ_ALLOC: test_displback_bealloc */
	assert_int_equal(create(1, 0, 32, 32, 8192, 0, 0, d2, 0), -EINVAL);
	assert_int_equal(create(1, 32, 0, 32, 8192, 0, 0, d2, 0), -EINVAL);
	assert_int_equal(create(1, 32, 32, 32, 0, 0, 0, d2, 0), -EINVAL);
	assert_int_equal(create(1, 32, 32, 12, 8192, 0, 0, d2, 0), -EINVAL);
	/* width * bpp / 8 past 32 bits, and the whole area */
	assert_int_equal(create(1, 0x80000000u, 1, 32, 8192, 0, 0, d2, 0),
			 -EOVERFLOW);
	assert_int_equal(create(1, 65536, 65536, 32, 8192, 0, 0, d2, 0),
			 -EOVERFLOW);
	assert_int_equal(create(1, 1024, 1024, 32, 8192, 0xfffffff0u, 0, d2, 0),
			 -EOVERFLOW);
	/* data_ofs at or past the end; pixels not fitting with it */
	assert_int_equal(create(1, 1, 1, 32, 8192, 8192, 0, d2, 0), -EINVAL);
	assert_int_equal(create(1, 32, 32, 32, 8192, 4097, 0, d2, 0), -EINVAL);
	assert_int_equal(create(1, 33, 64, 32, 8192, 0, 0, d2, 0), -EINVAL);
	/* on another connector's ring */
	assert_int_equal(create(1, 32, 32, 32, 8192, 0, 0, d2, 1), -EINVAL);
	/* larger than its grant list: 3 pages, 2 listed */
	assert_int_equal(create(1, 32, 32, 32, 12288, 0, 0, d2, 0), -EINVAL);
	/* a directory whose references were never granted */
	assert_int_equal(create(1, 32, 32, 32, 8192, 0, 0, 1999, 0), -EINVAL);
	/* more than one mapping may hold (16388 pages) */
	assert_int_equal(
	    create(1, 4096, 4097, 32, 4096u * 4097 * 4, 0, 0, d2, 0), -E2BIG);
	assert_int_equal(fpf_mapped(T.f), base);
	/* data_ofs is honoured: 16 bytes in, exactly fitting */
	assert_int_equal(create(1, 32, 32, 32, 4096 + 16, 16, 0,
				dfe_buffer(&T, 2, 2, NULL), 0),
			 0);
	assert_int_equal(create(1, 32, 32, 32, 8192, 0, 0, d2, 0), -EEXIST);
	assert_int_equal(fpf_mapped(T.f), base + 2);
}

/* Over the quota: -ENOMEM, until a buffer is freed. */
static void dbuf_quota(void **state)
{
	struct displback_limits lim = {.dbufs_max = 3, .pages_max = 5};

	(void)state;
	teardown(NULL);
	memset(&R, 0, sizeof(R));
	dfe_setup(&T, &rec_ops, NULL, &lim);
	dfe_connect(&T);
	assert_int_equal(dfe_dbuf(&T, 1, 32, 32, 32, NULL), 0); /* 1 page */
	assert_int_equal(dfe_dbuf(&T, 2, 64, 32, 32, NULL), 0); /* 2 */
	assert_int_equal(dfe_dbuf(&T, 3, 64, 48, 32, NULL), -ENOMEM); /* 3 */
	assert_int_equal(dfe_dbuf(&T, 3, 64, 32, 32, NULL), 0);
	assert_int_equal(dfe_dbuf(&T, 4, 16, 16, 32, NULL), -ENOMEM); /* 4th */
	assert_int_equal(dfe_simple(&T, 0, XENDISPL_OP_DBUF_DESTROY, 2), 0);
	assert_int_equal(dfe_dbuf(&T, 4, 16, 16, 32, NULL), 0);
}

/* Every bad FB_ATTACH and its errno. */
static void fb_attach_bad(void **state)
{
	(void)state;
	assert_int_equal(dfe_dbuf(&T, 1, 64, 32, 32, NULL), 0);
	assert_int_equal(dfe_fb(&T, 1, 0, 64, 32, DISPLBACK_FMT_XRGB8888),
			 -EINVAL);
	assert_int_equal(dfe_fb(&T, 2, 10, 64, 32, DISPLBACK_FMT_XRGB8888),
			 -ENOENT);
	assert_int_equal(
	    dfe_fb(&T, 1, 10, 64, 32, DISPLBACK_FOURCC('Y', 'U', 'Y', 'V')),
	    -EINVAL);
	assert_int_equal(dfe_fb(&T, 1, 10, 64, 32, DISPLBACK_FMT_RGB565),
			 -EINVAL);
	assert_int_equal(dfe_fb(&T, 1, 10, 65, 32, DISPLBACK_FMT_XRGB8888),
			 -EINVAL);
	assert_int_equal(dfe_fb(&T, 1, 10, 64, 33, DISPLBACK_FMT_XRGB8888),
			 -EINVAL);
	assert_int_equal(dfe_fb(&T, 1, 10, 0, 32, DISPLBACK_FMT_XRGB8888),
			 -EINVAL);
	assert_int_equal(dfe_fb(&T, 1, 10, 64, 32, DISPLBACK_FMT_XRGB8888), 0);
	assert_int_equal(dfe_fb(&T, 1, 10, 64, 32, DISPLBACK_FMT_XRGB8888),
			 -EEXIST);
	{
		struct xendispl_req rq = {.operation = XENDISPL_OP_FB_ATTACH};
		rq.op.fb_attach.dbuf_cookie = 1;
		rq.op.fb_attach.fb_cookie = 11;
		rq.op.fb_attach.width = 8;
		rq.op.fb_attach.height = 8;
		rq.op.fb_attach.pixel_format = DISPLBACK_FMT_XRGB8888;
		assert_int_equal(dfe_ask(&T, 1, &rq, NULL), -EINVAL);
	}
}

/* The frame the host side gets: region, stride, format, pixels. */
static void config_frames(void **state)
{
	uint8_t *px;

	(void)state;
	px = shown_fb();
	assert_int_equal(R.n_shows, 1);
	/* the backend's mapping of the guest's pages, not a copy */
	px[0] = 0x5a;
	assert_int_equal(((const uint8_t *)R.shows[0].pixels)[0], 0x5a);
	assert_int_equal(R.shows[0].width, 64);
	assert_int_equal(R.shows[0].height, 48);
	assert_int_equal(R.shows[0].stride, 400);
	assert_int_equal(R.shows[0].fourcc, DISPLBACK_FMT_XRGB8888);
	assert_int_equal(R.shows[0].cookie, 10);
	/* a SET_CONFIG is no flip: no event */
	assert_int_equal(dfe_event(&T, 0), 0);
	/* a region at (3, 2): the pointer moves by 2 lines and 3 pixels */
	assert_int_equal(dfe_config(&T, 0, 10, 3, 2, 97, 78, 32), 0);
	assert_ptr_equal(R.shows[1].pixels,
			 (const uint8_t *)R.shows[0].pixels + 2 * 400 + 3 * 4);
	assert_int_equal(R.shows[1].width, 97);
	/* the host side reads what the guest draws */
	px[2 * 400 + 3 * 4] = 0xab;
	assert_int_equal(((const uint8_t *)R.shows[1].pixels)[0], 0xab);
	/* off, and on again */
	assert_int_equal(dfe_config(&T, 0, 0, 0, 0, 0, 0, 0), 0);
	assert_int_equal(R.n_off, 1);
	assert_int_equal(dfe_config(&T, 0, 10, 0, 0, 100, 80, 32), 0);
	/* the host side refusing a frame: its errno, nothing changes */
	R.refuse = -EIO;
	assert_int_equal(dfe_config(&T, 0, 10, 0, 0, 10, 10, 32), -EIO);
	assert_int_equal(dfe_flip(&T, 0, 10), -EIO);
	R.refuse = 0;
	assert_int_equal(dfe_flip(&T, 0, 10), 0);
	assert_int_equal(R.shows[R.n_shows - 1].width, 100);
	assert_int_equal(dfe_event(&T, 0), 10);
}

/* Every bad SET_CONFIG and PG_FLIP and its errno. */
static void config_flip_bad(void **state)
{
	(void)state;
	assert_int_equal(dfe_dbuf(&T, 1, 100, 80, 32, NULL), 0);
	assert_int_equal(dfe_fb(&T, 1, 10, 100, 80, DISPLBACK_FMT_XRGB8888), 0);
	assert_int_equal(dfe_fb(&T, 1, 12, 64, 48, DISPLBACK_FMT_XRGB8888), 0);
	/* a flip on a connector that is off, of an fb that is not there */
	assert_int_equal(dfe_flip(&T, 0, 10), -EINVAL);
	assert_int_equal(dfe_flip(&T, 0, 99), -ENOENT);
	assert_int_equal(dfe_config(&T, 0, 99, 0, 0, 64, 48, 32), -ENOENT);
	assert_int_equal(dfe_config(&T, 0, 0, 0, 0, 64, 48, 32), -ENOENT);
	assert_int_equal(dfe_config(&T, 0, 10, 0, 0, 0, 48, 32), -EINVAL);
	assert_int_equal(dfe_config(&T, 0, 10, 0, 0, 64, 0, 32), -EINVAL);
	/* past the fb, or not its depth */
	assert_int_equal(dfe_config(&T, 0, 10, 0, 0, 101, 80, 32), -EINVAL);
	assert_int_equal(dfe_config(&T, 0, 10, 1, 0, 100, 80, 32), -EINVAL);
	assert_int_equal(dfe_config(&T, 0, 10, 0, 0xffffffffu, 64, 48, 32),
			 -EINVAL);
	assert_int_equal(dfe_config(&T, 0, 10, 0, 0, 64, 48, 16), -EINVAL);
	/* past the connector (1: 640x480) with an fb that covers it */
	assert_int_equal(dfe_dbuf(&T, 2, 700, 500, 32, NULL), 0);
	assert_int_equal(dfe_fb(&T, 2, 20, 700, 500, DISPLBACK_FMT_XRGB8888),
			 0);
	assert_int_equal(dfe_config(&T, 1, 20, 0, 0, 641, 480, 32), -EINVAL);
	assert_int_equal(dfe_config(&T, 1, 20, 1, 0, 640, 480, 32), -EINVAL);
	assert_int_equal(dfe_config(&T, 1, 20, 0, 1, 640, 480, 32), -EINVAL);
	assert_int_equal(dfe_config(&T, 1, 20, 0, 0, 640, 480, 32), 0);
	assert_int_equal(R.n_shows, 0 + 1);
	/* a flip whose fb does not cover the mode or has another depth */
	assert_int_equal(dfe_config(&T, 0, 10, 0, 0, 100, 80, 32), 0);
	assert_int_equal(dfe_flip(&T, 0, 12), -EINVAL);
	assert_int_equal(dfe_dbuf(&T, 3, 100, 80, 16, NULL), 0);
	assert_int_equal(dfe_fb(&T, 3, 30, 100, 80, DISPLBACK_FMT_RGB565), 0);
	assert_int_equal(dfe_flip(&T, 0, 30), -EINVAL);
	assert_int_equal(dfe_flip(&T, 0, 10), 0);
	assert_int_equal(dfe_event(&T, 0), 10);
	assert_int_equal(dfe_event(&T, 1), 0);
	/* on screen: busy */
	assert_int_equal(dfe_simple(&T, 0, XENDISPL_OP_FB_DETACH, 10), -EBUSY);
	assert_int_equal(dfe_simple(&T, 0, XENDISPL_OP_DBUF_DESTROY, 2),
			 -EBUSY);
}

/* Flip events come when the host side presents, in order, one each. */
static void flips_deferred(void **state)
{
	struct xendispl_resp rp;

	(void)state;
	shown_fb();
	assert_int_equal(dfe_fb(&T, 1, 11, 100, 80, DISPLBACK_FMT_XRGB8888), 0);
	R.defer = true;
	assert_int_equal(dfe_flip(&T, 0, 11), 0);
	assert_int_equal(dfe_flip(&T, 0, 10), 0);
	assert_int_equal(dfe_event(&T, 0), 0); /* taken, not shown yet */
	/* fbs on screen or waiting are busy, and so is their dbuf */
	assert_int_equal(dfe_simple(&T, 0, XENDISPL_OP_FB_DETACH, 11), -EBUSY);
	assert_int_equal(dfe_simple(&T, 0, XENDISPL_OP_FB_DETACH, 10), -EBUSY);
	assert_int_equal(dfe_simple(&T, 0, XENDISPL_OP_DBUF_DESTROY, 1),
			 -EBUSY);
	/* the host side skips to the later frame: both events, in order */
	R.info[0].presented(R.info[0].ctx, R.shows[R.n_shows - 1].seq);
	dfe_run(&T);
	assert_int_equal(dfe_event(&T, 0), 11);
	assert_int_equal(dfe_event(&T, 0), 10);
	assert_int_equal(dfe_event(&T, 0), 0);
	assert_true(fpf_notified(T.f, DFE_DOM, T.c[0].evt_port) >= 1);
	/* 11 is neither on screen nor waiting now */
	assert_int_equal(dfe_simple(&T, 0, XENDISPL_OP_FB_DETACH, 11), 0);
	/* at most DISPLBACK_FLIPS_MAX wait */
	for (unsigned int i = 0; i < DISPLBACK_FLIPS_MAX; i++)
		assert_int_equal(dfe_flip(&T, 0, 10), 0);
	assert_int_equal(
	    dfe_ask(&T, 0,
		    &(struct xendispl_req){.operation = XENDISPL_OP_PG_FLIP,
					   .op.pg_flip.fb_cookie = 10},
		    &rp),
	    -EBUSY);
	/* the connector off: waiting flips are done at once */
	assert_int_equal(dfe_config(&T, 0, 0, 0, 0, 0, 0, 0), 0);
	for (unsigned int i = 0; i < DISPLBACK_FLIPS_MAX; i++)
		assert_int_equal(dfe_event(&T, 0), 10);
	assert_int_equal(dfe_event(&T, 0), 0);
	/* the host side may not call back for frames it dropped: nothing
	 * happens for a stale or future seq */
	R.info[0].presented(R.info[0].ctx, 1);
	R.info[0].presented(R.info[0].ctx, 1000);
	assert_int_equal(dfe_event(&T, 0), 0);
	assert_int_equal(dfe_simple(&T, 0, XENDISPL_OP_FB_DETACH, 10), 0);
	assert_int_equal(dfe_simple(&T, 0, XENDISPL_OP_DBUF_DESTROY, 1), 0);
}

/* The first page of the guest's buffer gets the EDID; edid_sz 128. */
static void get_edid(void **state)
{
	struct xendispl_req rq = {.operation = XENDISPL_OP_GET_EDID};
	struct xendispl_resp rp;
	uint8_t *buf, sum = 0;
	unsigned int np = XENDISPL_EDID_MAX_SIZE / 4096;

	(void)state;
	rq.op.get_edid.buffer_sz = XENDISPL_EDID_MAX_SIZE;
	rq.op.get_edid.gref_directory = dfe_buffer(&T, np, np, &buf);
	assert_int_equal(dfe_ask(&T, 1, &rq, &rp), 0);
	assert_int_equal(rp.op.get_edid.edid_sz, 128);
	assert_memory_equal(buf, "\0\xff\xff\xff\xff\xff\xff\0", 8);
	for (int i = 0; i < 128; i++)
		sum = (uint8_t)(sum + buf[i]);
	assert_int_equal(sum, 0);
	/* preferred mode: connector 1's 640x480 */
	assert_int_equal(buf[54 + 2] | ((buf[54 + 4] >> 4) << 8), 640);
	assert_int_equal(buf[54 + 5] | ((buf[54 + 7] >> 4) << 8), 480);
	assert_memory_equal(buf + 72 + 5, "mon1\n", 5);
	/* too small a buffer; a directory never granted */
	rq.op.get_edid.buffer_sz = XENDISPL_EDID_MAX_SIZE - 1;
	assert_int_equal(dfe_ask(&T, 1, &rq, &rp), -EINVAL);
	rq.op.get_edid.buffer_sz = XENDISPL_EDID_MAX_SIZE;
	rq.op.get_edid.gref_directory = 1999;
	assert_int_equal(dfe_ask(&T, 1, &rq, &rp), -EINVAL);
	/* an unknown operation */
	rq.operation = 0x42;
	assert_int_equal(dfe_ask(&T, 1, &rq, &rp), -ENOTSUP);
	rq.operation = XENDISPL_OP_DBUF_CREATE - 1;
	assert_int_equal(dfe_ask(&T, 0, &rq, &rp), -ENOTSUP);
}

/* A frontend that consumes no events: they are dropped and counted, the
 * device goes on. */
static void event_page_full(void **state)
{
	struct displback_stats st;
	unsigned int n = (unsigned int)XENDISPL_IN_RING_LEN + 5;

	(void)state;
	shown_fb();
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(dfe_flip(&T, 0, 10), 0);
	displback_stats(T.db, &st);
	assert_int_equal(st.events, XENDISPL_IN_RING_LEN);
	assert_int_equal(st.events_dropped, 5);
	assert_string_equal(fpf_read(T.f, DFE_BE "/dropped-events"), "5");
	assert_string_equal(fpf_read(T.f, DFE_BE "/state"), "4");
	for (unsigned int i = 0; i < XENDISPL_IN_RING_LEN; i++)
		assert_int_equal(dfe_event(&T, 0), 10);
	assert_int_equal(dfe_flip(&T, 0, 10), 0);
	assert_int_equal(dfe_event(&T, 0), 10);
}

/* An event page whose in_cons runs ahead fails the device. */
static void bad_event_index(void **state)
{
	(void)state;
	shown_fb();
	T.c[0].evt->in_cons = 1000;
	assert_int_equal(dfe_flip(&T, 0, 10), 0);
	expect_fail("event page");
}

/* A request producer far ahead of the ring fails the device. */
static void bad_ring_index(void **state)
{
	struct pv_sring *s = (struct pv_sring *)T.c[1].ring.sring;

	(void)state;
	s->req_prod = 5000;
	assert_int_equal(fpf_raise(T.f, DFE_DOM, T.c[1].port), 0);
	expect_fail("request ring");
}

/* A buffer past one directory page (1040 pages, two directory pages): the
 * second page's references are followed; a chain cut short or looping is
 * refused. */
static void dbuf_chained(void **state)
{
	const uint32_t w = 1024, h = 1040, line = 4096;
	unsigned int dpfn = T.next_pfn;
	grant_ref_t dir, *next, saved;
	uint8_t *px;
	const uint8_t *seen;

	(void)state;
	dir = dfe_buffer(&T, 1040, 1040, &px);
	next = (grant_ref_t *)fpf_page(T.f, DFE_DOM, dpfn);
	saved = *next;
	assert_int_not_equal(saved, 0);
	*next = 0;
	assert_int_equal(create(1, w, h, 32, w * h * 4, 0, 0, dir, 0), -EINVAL);
	*next = dir;
	assert_int_equal(create(1, w, h, 32, w * h * 4, 0, 0, dir, 0), -EINVAL);
	*next = saved;
	assert_int_equal(create(1, w, h, 32, w * h * 4, 0, 0, dir, 0), 0);
	assert_int_equal(dfe_fb(&T, 1, 10, w, h, DISPLBACK_FMT_XRGB8888), 0);
	/* connector 0 is 800x600: a region at (200, 100) */
	assert_int_equal(dfe_config(&T, 0, 10, 200, 100, 600, 500, 32), 0);
	seen = R.shows[0].pixels;
	px[(size_t)100 * line + 200 * 4] = 0x66;
	assert_int_equal(seen[0], 0x66);
	/* the last page, listed by the second directory page, is the
	 * guest's last page too */
	seen -= (size_t)100 * line + 200 * 4;
	px[(size_t)(h - 1) * line + (w - 1) * 4] = 0x77;
	assert_int_equal(seen[(size_t)(h - 1) * line + (w - 1) * 4], 0x77);
}

/* The frontend closes and connects again: the backend forgets every
 * buffer and opens its connectors afresh. */
static void reconnect(void **state)
{
	(void)state;
	shown_fb();
	fpf_write(T.f, "5", DFE_FE "/state");
	dfe_run(&T);
	fpf_write(T.f, "6", DFE_FE "/state");
	dfe_run(&T);
	assert_string_equal(fpf_read(T.f, DFE_BE "/state"), "6");
	assert_int_equal(R.closes, 2);
	assert_int_equal(fpf_mapped(T.f), 0);
	fpf_write(T.f, "1", DFE_FE "/state");
	dfe_run(&T);
	assert_string_equal(fpf_read(T.f, DFE_BE "/state"), "2");
	dfe_conn(&T, 0);
	dfe_conn(&T, 1);
	fpf_write(T.f, "3", DFE_FE "/state");
	dfe_run(&T);
	assert_string_equal(fpf_read(T.f, DFE_BE "/state"), "4");
	assert_int_equal(R.opens, 4);
	assert_int_equal(dfe_flip(&T, 0, 10), -ENOENT);
	assert_int_equal(dfe_simple(&T, 0, XENDISPL_OP_DBUF_DESTROY, 1),
			 -ENOENT);
	shown_fb();
}

/* A new backend process finds the frontend Connected: it asks it to
 * connect again (InitWait) rather than serve buffers it does not know. */
static void restart_asks_reconnect(void **state)
{
	(void)state;
	shown_fb();
	fpf_write(T.f, "4", DFE_FE "/state");
	dfe_run(&T);
	displback_free(T.db);
	pvback_free(T.b);
	assert_int_equal(fpf_mapped(T.f), 0);
	assert_int_equal(fpf_bound(T.f), 0);
	assert_int_equal(pvback_new(T.base, &fpf_ops, T.f, &T.b), 0);
	assert_int_equal(displback_new(T.b, &rec_ops, NULL, NULL, &T.db), 0);
	dfe_run(&T);
	assert_string_equal(fpf_read(T.f, DFE_BE "/state"), "2");
	assert_int_equal(fpf_mapped(T.f), 0);
}

/* Requests the frontend queued before the backend connected are
 * answered at connect. */
static void early_requests(void **state)
{
	struct xendispl_req rq = {.operation = XENDISPL_OP_PG_FLIP, .id = 9};
	struct xendispl_resp rp;

	(void)state;
	dfe_tree(&T);
	dfe_run(&T);
	dfe_conn(&T, 0);
	dfe_conn(&T, 1);
	assert_int_equal(
	    pv_front_ring_put_request(&T.c[1].ring, &rq, sizeof(rq)), 0);
	pv_front_ring_push_requests(&T.c[1].ring);
	fpf_write(T.f, "3", DFE_FE "/state");
	dfe_run(&T);
	assert_string_equal(fpf_read(T.f, DFE_BE "/state"), "4");
	assert_int_equal(
	    pv_front_ring_get_response(&T.c[1].ring, &rp, sizeof(rp)), 0);
	assert_int_equal(rp.id, 9);
	assert_int_equal(rp.status, -ENOENT);
}

/* A guest sending random requests (fields from small pools, so that they
 * often name real objects and fit each other): every one is answered,
 * each kind succeeds now and then, the device stays up, and everything is
 * unmapped at the end (teardown). */
static void random_requests(void **state)
{
	static const uint32_t fmts[] = {DISPLBACK_FMT_XRGB8888,
					DISPLBACK_FMT_ARGB8888,
					DISPLBACK_FMT_RGB565, 0};
	static const uint32_t dims[] = {0, 8, 16, 16, 16, 17, 0xffffffffu};
	static const uint32_t bpps[] = {12, 16, 32, 32};
	static const uint32_t sizes[] = {0, 1024, 16384, 16384};
	static const uint32_t modes[] = {0, 8, 8, 15, 16};
	/* operations weighted towards those that need earlier ones */
	static const uint8_t ops[] = {
	    XENDISPL_OP_DBUF_CREATE, XENDISPL_OP_DBUF_CREATE,
	    XENDISPL_OP_DBUF_CREATE, XENDISPL_OP_DBUF_DESTROY,
	    XENDISPL_OP_FB_ATTACH,   XENDISPL_OP_FB_ATTACH,
	    XENDISPL_OP_FB_ATTACH,   XENDISPL_OP_FB_ATTACH,
	    XENDISPL_OP_FB_DETACH,   XENDISPL_OP_SET_CONFIG,
	    XENDISPL_OP_SET_CONFIG,  XENDISPL_OP_SET_CONFIG,
	    XENDISPL_OP_PG_FLIP,     XENDISPL_OP_PG_FLIP,
	    XENDISPL_OP_PG_FLIP,     XENDISPL_OP_PG_FLIP,
	    XENDISPL_OP_GET_EDID,    XENDISPL_OP_GET_EDID + 1};
	unsigned int seed = 12345, ok[8] = {0};
	grant_ref_t dirs[4];
	struct displback_stats st;

	(void)state;
	for (unsigned int i = 0; i < 4; i++)
		dirs[i] = dfe_buffer(&T, 4, 4, NULL);
#define RND(n)	((uint32_t)rand_r(&seed) % (n))
#define PICK(a) ((a)[RND(sizeof(a) / sizeof((a)[0]))])
	for (unsigned int n = 0; n < 3000; n++) {
		struct xendispl_req rq = {.operation = PICK(ops)};
		struct xendispl_resp rp;
		unsigned int conn = RND(DFE_CONNS);
		int32_t rc;

		switch (rq.operation) {
		case XENDISPL_OP_DBUF_CREATE:
			rq.op.dbuf_create = (struct xendispl_dbuf_create_req){
			    .dbuf_cookie = RND(4),
			    .width = PICK(dims),
			    .height = PICK(dims),
			    .bpp = PICK(bpps),
			    .buffer_sz = PICK(sizes),
			    .gref_directory = PICK(dirs),
			    .data_ofs = RND(2) * 64};
			conn = RND(4) ? 0 : conn;
			break;
		case XENDISPL_OP_FB_ATTACH:
			rq.op.fb_attach = (struct xendispl_fb_attach_req){
			    .dbuf_cookie = RND(4),
			    .fb_cookie = RND(3),
			    .width = PICK(dims),
			    .height = PICK(dims),
			    .pixel_format = PICK(fmts)};
			conn = RND(4) ? 0 : conn;
			break;
		case XENDISPL_OP_SET_CONFIG:
			rq.op.set_config = (struct xendispl_set_config_req){
			    .fb_cookie = RND(3),
			    .x = RND(2),
			    .y = RND(2),
			    .width = PICK(modes),
			    .height = PICK(modes),
			    .bpp = RND(4) ? 32 : 16};
			break;
		case XENDISPL_OP_GET_EDID:
			rq.op.get_edid.buffer_sz =
			    RND(2) ? XENDISPL_EDID_MAX_SIZE : 64;
			rq.op.get_edid.gref_directory = PICK(dirs);
			break;
		default: /* destroy, detach, flip: a cookie first */
			rq.op.pg_flip.fb_cookie = RND(3);
			conn = RND(4) ? 0 : conn;
		}
		R.defer = RND(4) == 0;
		rc = dfe_ask(&T, conn, &rq, &rp);
		assert_true(rc <= 0);
		ok[rq.operation - XENDISPL_OP_DBUF_CREATE] += !rc;
		if (RND(16) == 0)
			R.info[conn].presented(R.info[conn].ctx, RND(64));
		while (dfe_event(&T, conn))
			;
	}
#undef PICK
#undef RND
	for (unsigned int i = 0; i < 7; i++)
		if (!ok[i])
			fail_msg("operation 0x%x never succeeded",
				 XENDISPL_OP_DBUF_CREATE + i);
	assert_int_equal(ok[7], 0); /* 0x17 is no operation */
	displback_stats(T.db, &st);
	assert_int_equal(st.requests, 3000);
	assert_string_equal(fpf_read(T.f, DFE_BE "/state"), "4");
}

static const struct CMUnitTest cases[] = {
    cmocka_unit_test_setup_teardown(connect_tree, setup_connected, teardown),
    cmocka_unit_test_setup_teardown(bad_tree, setup, teardown),
    cmocka_unit_test_setup_teardown(dbuf_fb_lifecycle, setup_connected,
				    teardown),
    cmocka_unit_test_setup_teardown(dbuf_create_bad, setup_connected, teardown),
    cmocka_unit_test_setup_teardown(dbuf_quota, setup, teardown),
    cmocka_unit_test_setup_teardown(fb_attach_bad, setup_connected, teardown),
    cmocka_unit_test_setup_teardown(config_frames, setup_connected, teardown),
    cmocka_unit_test_setup_teardown(config_flip_bad, setup_connected, teardown),
    cmocka_unit_test_setup_teardown(flips_deferred, setup_connected, teardown),
    cmocka_unit_test_setup_teardown(get_edid, setup_connected, teardown),
    cmocka_unit_test_setup_teardown(event_page_full, setup_connected, teardown),
    cmocka_unit_test_setup_teardown(bad_event_index, setup_connected, teardown),
    cmocka_unit_test_setup_teardown(bad_ring_index, setup_connected, teardown),
    cmocka_unit_test_setup_teardown(dbuf_chained, setup_connected, teardown),
    cmocka_unit_test_setup_teardown(reconnect, setup_connected, teardown),
    cmocka_unit_test_setup_teardown(restart_asks_reconnect, setup_connected,
				    teardown),
    cmocka_unit_test_setup_teardown(early_requests, setup, teardown),
    cmocka_unit_test_setup_teardown(random_requests, setup_connected, teardown),
};

PV_UNIT_MAIN("displback_dev", cases)
