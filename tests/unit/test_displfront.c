/*
 * Unit tests for the guest's vdispl device (frontends/display,
 * pvkit/displfront.h): connectors read from the store, version choice,
 * the handshake, display buffers shared through page directories,
 * framebuffers, SET_CONFIG, flips and their events, GET_EDID, and a
 * backend that answers late, with the wrong id or operation, with indices
 * out of range, with EDID sizes it may not give or flip events nobody
 * asked for.
 *
 * One thread, virtual time (test_front_os.h), pvhv's store core behind
 * the guest's store ring (test_front_world.h, whose vkbd backend stays
 * off); the scripted display backend here (struct bk) runs one step per
 * guest wait and reads the guest's pages through the fake grant table.
 */
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#endif
#include "test_front_world.h"
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#include "pvkit/displfront.h"
#include "pvkit/ring.h"

#define DFE "/local/domain/1/device/vdispl/0"
#define DBE "/local/domain/0/backend/vdispl/1/0"
#define NC  2u
#define NDB 8u

/* ---- the scripted display backend ------------------------------------------
 */

enum bk_mode {
	BK_OK,
	BK_SILENT,    /* never answers */
	BK_WRONG_ID,  /* answers with another id */
	BK_WRONG_OP,  /* right id, other operation */
	BK_RING_JUMP, /* rsp_prod far ahead */
	BK_STATUS,    /* answers op status_op with status */
};

struct bk_dbuf {
	uint64_t cookie;
	struct xendispl_dbuf_create_req rq;
	uint8_t *page[1024];
	unsigned int npages;
	uint8_t *mem; /* REQ_ALLOC: the backend's own pages */
};

/* The backend's own grants: dbuf slot k's page i is BK_REF0 + k * 1024 + i
 * (apart from the guest's, which stay under FOS_GRANTS). */
#define BK_REF0 0x10000u

static struct bk {
	bool on, probed, connected;
	int last_fe;
	const char *versions;
	enum bk_mode mode;
	int status;
	uint8_t status_op;
	bool hold_flips;  /* no flip event until bk_flip_event() */
	bool be_alloc;	  /* takes REQ_ALLOC (else -EINVAL) */
	uint32_t edid_sz; /* GET_EDID: answer this size (0: 128) */
	bool edid_bad_sum;
	struct pv_back_ring br[NC];
	struct xendispl_event_page *ep[NC];
	evtchn_port_t port[NC], evt_port[NC];
	unsigned int reqs[NC], ops[32];
	struct bk_dbuf db[NDB];
	uint64_t fbs[NDB], fb_dbuf[NDB];
	struct xendispl_set_config_req cfg[NC];
	uint64_t flipped[NC][16];
	unsigned int nflips[NC];
	struct xendispl_req late[NC];
	bool has_late[NC];
} bk;

static void *page_of(long ref)
{
	assert_true(ref >= (long)FOS_GREF_FIRST && ref < (long)FOS_GRANTS);
	assert_true(os.grants[ref].used);
	assert_int_equal(os.grants[ref].dom, 0);
	return os.grants[ref].page;
}

static void bk_forget(struct bk_dbuf *d)
{
	free(d->mem);
	memset(d, 0, sizeof(*d));
}

static void bk_state(int s)
{
	char v[4];

	snprintf(v, sizeof(v), "%d", s);
	put(DBE "/state", v);
}

static long bk_key(unsigned int i, const char *k)
{
	char p[128];

	snprintf(p, sizeof(p), DFE "/%u/%s", i, k);
	return rd_num(p);
}

static void bk_connect(void)
{
	unsigned int i;

	for (i = 0; i < NC; i++) {
		long ref = bk_key(i, XENDISPL_FIELD_REQ_RING_REF);
		long ch = bk_key(i, XENDISPL_FIELD_REQ_CHANNEL);
		long eref = bk_key(i, XENDISPL_FIELD_EVT_RING_REF);
		long ech = bk_key(i, XENDISPL_FIELD_EVT_CHANNEL);

		assert_true(ref > 0 && ch > 0 && eref > 0 && ech > 0);
		assert_int_equal(pv_back_ring_init(&bk.br[i], page_of(ref),
						   PVFRONT_PAGE_SIZE,
						   sizeof(struct xendispl_req)),
				 0);
		bk.ep[i] = page_of(eref);
		bk.port[i] = (evtchn_port_t)ch;
		bk.evt_port[i] = (evtchn_port_t)ech;
	}
	for (i = 0; i < NDB; i++)
		bk_forget(&bk.db[i]);
	memset(bk.fbs, 0, sizeof(bk.fbs));
	bk.connected = true;
	bk_state(XenbusStateConnected);
}

static void bk_event(unsigned int i, uint8_t type, uint64_t cookie)
{
	struct xendispl_event_page *ep = bk.ep[i];
	struct xendispl_evt *e = &XENDISPL_IN_RING_REF(ep, ep->in_prod);

	memset(e, 0, sizeof(*e));
	e->type = type;
	e->op.pg_flip.fb_cookie = cookie;
	ep->in_prod++;
	fos_fire(&os, bk.evt_port[i]);
}

/* The pages a directory chain lists (n of them) into pages[]. */
static void bk_map(grant_ref_t dir, uint32_t n, uint8_t **pages)
{
	grant_ref_t *d = page_of(dir);
	uint32_t k = 0;

	while (k < n) {
		unsigned int j;

		for (j = 0; j < PVFRONT_PGDIR_PER_PAGE && k < n; j++, k++)
			pages[k] = page_of(d[1 + j]);
		if (k < n)
			d = page_of(d[0]);
	}
}

static struct bk_dbuf *bk_find(uint64_t cookie)
{
	unsigned int k;

	for (k = 0; k < NDB; k++)
		if (cookie && bk.db[k].cookie == cookie)
			return &bk.db[k];
	return NULL;
}

/* A byte of a dbuf, at offset off of its buffer. */
static uint8_t bk_byte(const struct bk_dbuf *d, uint32_t off)
{
	return d->page[off / 4096u][off % 4096u];
}

/* REQ_ALLOC: our pages, their grants written into the guest's directory
 * chain. */
static int bk_alloc(unsigned int k, grant_ref_t dir)
{
	struct bk_dbuf *d = &bk.db[k];
	grant_ref_t *pg = page_of(dir);
	unsigned int i = 0;

	if (!bk.be_alloc)
		return -XEN_EINVAL;
	d->mem = aligned_alloc(4096, (size_t)d->npages * 4096u);
	assert_non_null(d->mem);
	memset(d->mem, 0, (size_t)d->npages * 4096u);
	while (i < d->npages) {
		for (unsigned int j = 0; j < PVFRONT_PGDIR_PER_PAGE &&
					 i < d->npages;
		     j++, i++) {
			pg[1 + j] = BK_REF0 + k * 1024u + i;
			d->page[i] = d->mem + (size_t)i * 4096u;
		}
		if (i < d->npages)
			pg = page_of(pg[0]);
	}
	return 0;
}

static uint8_t *bk_foreign(struct fos *o, domid_t dom, grant_ref_t ref)
{
	unsigned int k = (ref - BK_REF0) / 1024u, i = (ref - BK_REF0) % 1024u;

	(void)o;
	if (dom != 0 || ref < BK_REF0 || k >= NDB || !bk.db[k].mem ||
	    i >= bk.db[k].npages)
		return NULL;
	return bk.db[k].mem + (size_t)i * 4096u;
}

static int bk_dbuf_create(const struct xendispl_dbuf_create_req *q)
{
	struct bk_dbuf *d = bk_find(0);
	unsigned int k;

	if (bk_find(q->dbuf_cookie))
		return -XEN_EEXIST;
	for (k = 0; k < NDB && bk.db[k].cookie; k++)
		;
	if (k == NDB)
		return -XEN_ENOMEM;
	d = &bk.db[k];
	d->cookie = q->dbuf_cookie;
	d->rq = *q;
	d->npages = (q->buffer_sz + 4095u) / 4096u;
	assert_true(d->npages <= 1024);
	if (q->flags & XENDISPL_DBUF_FLG_REQ_ALLOC) {
		int rc = bk_alloc(k, q->gref_directory);

		if (rc)
			memset(d, 0, sizeof(*d));
		return rc;
	}
	bk_map(q->gref_directory, d->npages, d->page);
	return 0;
}

/* The slot of framebuffer cookie (0: a free slot), or -1. */
static int bk_fb(uint64_t cookie)
{
	unsigned int k;

	for (k = 0; k < NDB; k++)
		if (bk.fbs[k] == cookie)
			return (int)k;
	return -1;
}

static void bk_edid(const struct xendispl_get_edid_req *q, uint32_t *sz)
{
	static const uint8_t hdr[8] = {0,    0xff, 0xff, 0xff,
				       0xff, 0xff, 0xff, 0};
	uint8_t *pages[8], e[128] = {0}, sum = 0;
	unsigned int k;

	assert_int_equal(q->buffer_sz, XENDISPL_EDID_MAX_SIZE);
	bk_map(q->gref_directory, 8, pages);
	memcpy(e, hdr, 8);
	/* 1024x600 preferred: clock, then active sizes low/high nibbles */
	e[54] = 0x10, e[55] = 0x27;
	e[56] = 1024 & 0xff, e[58] = (1024 >> 8) << 4;
	e[59] = 600 & 0xff, e[61] = (600 >> 8) << 4;
	for (k = 0; k < 127; k++)
		sum = (uint8_t)(sum + e[k]);
	e[127] = (uint8_t)(0x100 - sum);
	if (bk.edid_bad_sum)
		e[127]++;
	memcpy(pages[0], e, sizeof(e));
	*sz = bk.edid_sz ? bk.edid_sz : 128;
}

static int bk_do(unsigned int i, const struct xendispl_req *rq,
		 struct xendispl_resp *r)
{
	int k;

	switch (rq->operation) {
	case XENDISPL_OP_DBUF_CREATE:
		assert_int_equal(i, 0);
		return bk_dbuf_create(&rq->op.dbuf_create);
	case XENDISPL_OP_DBUF_DESTROY:
		assert_int_equal(i, 0);
		if (!bk_find(rq->op.dbuf_destroy.dbuf_cookie))
			return -XEN_ENOENT;
		bk_forget(bk_find(rq->op.dbuf_destroy.dbuf_cookie));
		return 0;
	case XENDISPL_OP_FB_ATTACH:
		assert_int_equal(i, 0);
		if (!bk_find(rq->op.fb_attach.dbuf_cookie))
			return -XEN_ENOENT;
		k = bk_fb(0);
		if (k < 0)
			return -XEN_ENOMEM;
		bk.fbs[k] = rq->op.fb_attach.fb_cookie;
		bk.fb_dbuf[k] = rq->op.fb_attach.dbuf_cookie;
		return 0;
	case XENDISPL_OP_FB_DETACH:
		assert_int_equal(i, 0);
		k = bk_fb(rq->op.fb_detach.fb_cookie);
		if (k < 0)
			return -XEN_ENOENT;
		bk.fbs[k] = 0;
		return 0;
	case XENDISPL_OP_SET_CONFIG:
		bk.cfg[i] = rq->op.set_config;
		return 0;
	case XENDISPL_OP_PG_FLIP:
		if (bk_fb(rq->op.pg_flip.fb_cookie) < 0)
			return -XEN_ENOENT;
		if (!bk.hold_flips)
			bk_event(i, XENDISPL_EVT_PG_FLIP,
				 rq->op.pg_flip.fb_cookie);
		bk.flipped[i][bk.nflips[i]++ % 16] = rq->op.pg_flip.fb_cookie;
		return 0;
	case XENDISPL_OP_GET_EDID:
		bk_edid(&rq->op.get_edid, &r->op.get_edid.edid_sz);
		return 0;
	default:
		return -XEN_EOPNOTSUPP;
	}
}

static void bk_answer(unsigned int i, const struct xendispl_req *rq)
{
	struct xendispl_resp *r = pv_back_ring_next_response(&bk.br[i]);

	memset(r, 0, sizeof(*r));
	r->id = rq->id;
	r->operation = rq->operation;
	bk.ops[rq->operation & 31u]++;
	if (bk.mode == BK_STATUS && rq->operation == bk.status_op)
		r->status = bk.status;
	else
		r->status = bk_do(i, rq, r);
	if (bk.mode == BK_WRONG_ID)
		r->id = (uint16_t)(rq->id + 7);
	if (bk.mode == BK_WRONG_OP)
		r->operation = (uint8_t)(rq->operation + 1);
	pv_back_ring_push_responses(&bk.br[i]);
	if (bk.mode == BK_RING_JUMP)
		bk.br[i].sring->rsp_prod += 1000;
	fos_fire(&os, bk.port[i]);
}

static void bk_serve(unsigned int i)
{
	struct xendispl_req rq;

	while (pv_back_ring_copy_request(&bk.br[i], &rq, sizeof(rq)) == 0) {
		bk.reqs[i]++;
		if (bk.mode == BK_SILENT) {
			bk.late[i] = rq;
			bk.has_late[i] = true;
			continue;
		}
		bk_answer(i, &rq);
	}
}

static void bk_fsm(void)
{
	int fe = rd_state(DFE "/state"), be = rd_state(DBE "/state");

	if (!bk.probed) {
		bk.probed = true;
		put(DBE "/" XENDISPL_FIELD_BE_VERSIONS, bk.versions);
		bk_state(XenbusStateInitWait);
	} else if (fe == XenbusStateInitialised && be == XenbusStateInitWait) {
		bk_connect();
	} else if (fe == XenbusStateClosing && be == XenbusStateConnected) {
		bk.connected = false;
		bk_state(XenbusStateClosing);
	} else if (fe == XenbusStateClosed && fe != bk.last_fe) {
		bk.connected = false;
		bk_state(XenbusStateClosed);
		bk_state(XenbusStateInitWait);
	} else if (fe == XenbusStateInitialising && be == XenbusStateClosed) {
		bk_state(XenbusStateInitWait);
	}
	bk.last_fe = fe;
}

static bool dp_step(struct fos *o)
{
	XENSTORE_RING_IDX before = ss.f.pg->rsp_prod;
	bool any = ss_serve();
	unsigned int i;

	if (bk.on) {
		bk_fsm();
		for (i = 0; bk.connected && i < NC; i++)
			bk_serve(i);
	}
	fake_flush(&ss.f);
	if (ss.f.pg->rsp_prod != before)
		fos_fire(o, FOS_STORE_PORT);
	return any;
}

/* ---- the device in the store, as pvhv writes it -----------------------------
 */

static void device(void)
{
	make_device(DFE, DBE, "0");
	put(DFE "/" XENDISPL_FIELD_BE_ALLOC, "0");
	put(DFE "/0/resolution", "800x480");
	put(DFE "/0/unique-id", "mon0");
	put(DFE "/1/resolution", "1024x600");
	put(DFE "/1/unique-id", "mon1");
}

static struct displfront df;
static struct displfront_dbuf dbs[3];
static struct displfront_fb fbs[3];
static grant_ref_t refs[3][1024], dirs[3][4];
static struct {
	unsigned int n;
	uint64_t last;
	unsigned int con;
} flips;

static void settle(void)
{
	unsigned int k;

	for (k = 0; k < 8; k++)
		assert_true(pvfront_poll(&os.pf, 1) >= 0);
}

static void on_flip(struct displfront *d, unsigned int con, uint64_t cookie,
		    void *arg)
{
	(void)d;
	(void)arg;
	flips.n++;
	flips.last = cookie;
	flips.con = con;
}

static int dp_setup(void **state)
{
	int rc = setup(state);

	memset(&bk, 0, sizeof(bk));
	memset(&flips, 0, sizeof(flips));
	memset(dbs, 0, sizeof(dbs));
	memset(fbs, 0, sizeof(fbs));
	bk.on = true;
	bk.versions = "1,2";
	os.step = dp_step;
	return rc;
}

static int dp_teardown(void **state)
{
	bk.mode = BK_OK;
	displfront_close(&df, 1000);
	assert_int_equal(os.foreign_maps, 0);
	for (unsigned int k = 0; k < NDB; k++)
		bk_forget(&bk.db[k]);
	return teardown(state);
}

static void open_dev(void)
{
	const struct displfront_config cfg = {.on_flip = on_flip};

	device();
	assert_int_equal(displfront_open(&df, &os.pf, 0, &cfg, 5000), 0);
	assert_true(displfront_connected(&df));
}

static struct displfront_dbuf_params params(unsigned int k, uint32_t w,
					    uint32_t h, uint32_t bpp)
{
	struct displfront_dbuf_params p = {.width = w,
					   .height = h,
					   .bpp = bpp,
					   .refs = refs[k],
					   .dir_refs = dirs[k]};

	return p;
}

/* dbuf k of w x h XRGB8888 and its framebuffer k. */
static void make_fb(unsigned int k, uint32_t w, uint32_t h)
{
	struct displfront_dbuf_params p = params(k, w, h, 32);

	assert_int_equal(displfront_dbuf_create(&df, &dbs[k], &p), 0);
	assert_int_equal(displfront_fb_attach(&df, &fbs[k], &dbs[k],
					      DISPLFRONT_FMT_XRGB8888),
			 0);
}

/* ---- cases ------------------------------------------------------------------
 */

/* The store's connectors, the version picked, the keys published. */
static void connectors(void **state)
{
	const struct displfront_conn_info *in;

	(void)state;
	open_dev();
	assert_int_equal(displfront_connectors(&df), 2);
	in = displfront_conn_info(&df, 1);
	assert_int_equal(in->width, 1024);
	assert_int_equal(in->height, 600);
	assert_string_equal(in->unique_id, "mon1");
	assert_int_equal(displfront_find(&df, "mon0"), 0);
	assert_int_equal(displfront_find(&df, "mon9"), -XEN_ENOENT);
	assert_null(displfront_conn_info(&df, 2));
	assert_int_equal(displfront_version(&df), 2);
	assert_int_equal(rd_num(DFE "/version"), 2);
	/* two rings and two event pages, four ports, all distinct */
	assert_true(bk_key(0, XENDISPL_FIELD_REQ_RING_REF) !=
		    bk_key(1, XENDISPL_FIELD_REQ_RING_REF));
	assert_true(bk_key(0, XENDISPL_FIELD_EVT_CHANNEL) !=
		    bk_key(1, XENDISPL_FIELD_EVT_CHANNEL));
}

/* A store that does not describe connectors as it must. */
static void bad_store(void **state)
{
	(void)state;
	device();
	put(DFE "/1/resolution", "1024*600");
	assert_int_equal(displfront_open(&df, &os.pf, 0, NULL, 5000),
			 -XEN_EBADMSG);
	put(DFE "/1/resolution", "0x600");
	assert_int_equal(displfront_open(&df, &os.pf, 0, NULL, 5000),
			 -XEN_EBADMSG);
	put(DFE "/1/resolution", "1024x600");
	put(DFE "/1/unique-id", "");
	assert_int_equal(displfront_open(&df, &os.pf, 0, NULL, 5000),
			 -XEN_EBADMSG);
	put(DFE "/1/unique-id", "mon1");
	for (unsigned int c = 2; c <= DISPLFRONT_CONNECTORS_MAX; c++) {
		char k[128];

		snprintf(k, sizeof(k), DFE "/%u/resolution", c);
		put(k, "640x480");
		snprintf(k, sizeof(k), DFE "/%u/unique-id", c);
		put(k, "more");
	}
	assert_int_equal(displfront_open(&df, &os.pf, 0, NULL, 5000),
			 -XEN_E2BIG);
	{
		char k[128];

		snprintf(k, sizeof(k), DFE "/%u", DISPLFRONT_CONNECTORS_MAX);
		assert_int_equal(store_rm(st, k), 0);
	}
	assert_int_equal(displfront_open(&df, &os.pf, 0, NULL, 5000), 0);
	assert_int_equal(displfront_connectors(&df), DISPLFRONT_CONNECTORS_MAX);
}

static void no_connectors(void **state)
{
	(void)state;
	make_device(DFE, DBE, "0");
	assert_int_equal(displfront_open(&df, &os.pf, 0, NULL, 5000),
			 -XEN_ENOENT);
}

/* Version 1 only: no GET_EDID.  No version we speak: the device fails. */
static void versions(void **state)
{
	uint8_t e[256];
	uint32_t n;

	(void)state;
	bk.versions = "1";
	open_dev();
	assert_int_equal(displfront_version(&df), 1);
	assert_int_equal(rd_num(DFE "/version"), 1);
	assert_int_equal(displfront_get_edid(&df, 0, e, sizeof(e), &n),
			 -XEN_EOPNOTSUPP);
	assert_int_equal(displfront_close(&df, 1000), 0);
	bk.versions = "3,4";
	bk.probed = false;
	assert_int_equal(displfront_open(&df, &os.pf, 0, NULL, 2000),
			 -XEN_EOPNOTSUPP);
	assert_false(displfront_connected(&df));
}

/* Buffers: shape on the wire, pixels shared through the directory,
 * framebuffers, cookies, the order of destruction. */
static void buffers(void **state)
{
	struct displfront_dbuf_params p = params(0, 300, 200, 32);
	struct bk_dbuf *d;
	uint32_t k;

	(void)state;
	open_dev();
	p.data_ofs = 100;
	assert_int_equal(displfront_dbuf_pages(&p), 59);
	assert_int_equal(displfront_dbuf_create(&df, &dbs[0], &p), 0);
	assert_int_equal(dbs[0].size, 100 + 1200 * 200);
	assert_int_equal(bk.reqs[1], 0); /* all on connector 0's ring */
	d = bk_find(dbs[0].cookie);
	assert_non_null(d);
	assert_int_equal(d->rq.width, 300);
	assert_int_equal(d->rq.height, 200);
	assert_int_equal(d->rq.bpp, 32);
	assert_int_equal(d->rq.buffer_sz, 100 + 1200 * 200);
	assert_int_equal(d->rq.data_ofs, 100);
	assert_int_equal(d->rq.flags, 0);
	for (k = 0; k < 1200 * 200; k++)
		dbs[0].pixels[k] = (uint8_t)(k * 13u);
	for (k = 0; k < 1200 * 200; k += 997)
		assert_int_equal(bk_byte(d, 100 + k), (uint8_t)(k * 13u));
	/* framebuffers: the format's depth is the buffer's */
	assert_int_equal(
	    displfront_fb_attach(&df, &fbs[0], &dbs[0], DISPLFRONT_FMT_RGB565),
	    -XEN_EINVAL);
	assert_int_equal(displfront_fb_attach_ex(&df, &fbs[0], &dbs[0], 301,
						 200, DISPLFRONT_FMT_XRGB8888,
						 0),
			 -XEN_EINVAL);
	assert_int_equal(displfront_fb_attach(&df, &fbs[0], &dbs[0],
					      DISPLFRONT_FMT_ARGB8888),
			 0);
	assert_true(fbs[0].cookie && fbs[0].cookie != dbs[0].cookie);
	assert_int_equal(bk.fb_dbuf[bk_fb(fbs[0].cookie)], dbs[0].cookie);
	/* a caller's cookie in use */
	p = params(1, 16, 16, 16);
	p.cookie = fbs[0].cookie;
	assert_int_equal(displfront_dbuf_create(&df, &dbs[1], &p), -XEN_EEXIST);
	p.cookie = 0x1234567890ull;
	assert_int_equal(displfront_dbuf_create(&df, &dbs[1], &p), 0);
	assert_non_null(bk_find(0x1234567890ull));
	assert_int_equal(
	    displfront_fb_attach(&df, &fbs[1], &dbs[1], DISPLFRONT_FMT_RGB565),
	    0);
	/* a buffer with a framebuffer stays */
	assert_int_equal(displfront_dbuf_destroy(&df, &dbs[0]), -XEN_EBUSY);
	assert_int_equal(displfront_fb_detach(&df, &fbs[0]), 0);
	assert_int_equal(bk_fb(fbs[0].cookie), -1);
	assert_int_equal(displfront_dbuf_destroy(&df, &dbs[0]), 0);
	assert_null(bk_find(dbs[0].cookie));
	assert_int_equal(displfront_fb_detach(&df, &fbs[0]), -XEN_EINVAL);
	/* bad shapes never reach the backend */
	k = bk.reqs[0];
	p = params(2, 0, 10, 32);
	assert_int_equal(displfront_dbuf_create(&df, &dbs[2], &p), -XEN_EINVAL);
	p = params(2, 10, 10, 12);
	assert_int_equal(displfront_dbuf_create(&df, &dbs[2], &p), -XEN_EINVAL);
	p = params(2, 100, 10, 32);
	p.data_ofs = 0xffffffffu - 3999u;
	assert_int_equal(displfront_dbuf_create(&df, &dbs[2], &p), -XEN_EINVAL);
	p = params(2, 65536, 65536, 32);
	assert_int_equal(displfront_dbuf_create(&df, &dbs[2], &p), -XEN_EINVAL);
	assert_int_equal(displfront_dbuf_pages(&p), 0);
	assert_int_equal(bk.reqs[0], k);
}

/* SET_CONFIG and flips on each connector's own ring; flip events. */
static void config_flip(void **state)
{
	(void)state;
	open_dev();
	make_fb(0, 1024, 600);
	make_fb(1, 1024, 600);
	assert_int_equal(
	    displfront_set_config(&df, 1, &fbs[0], 0, 0, 1024, 600), 0);
	assert_int_equal(bk.reqs[1], 1);
	assert_true(bk.cfg[1].fb_cookie == fbs[0].cookie);
	assert_int_equal(bk.cfg[1].width, 1024);
	assert_int_equal(bk.cfg[1].bpp, 32);
	/* a blocking flip: accepted; shown when the event comes */
	bk.hold_flips = true;
	assert_int_equal(displfront_flip(&df, 1, &fbs[1], 0), 0);
	assert_true(displfront_flip_pending(&df, 1) == fbs[1].cookie);
	assert_int_equal(displfront_flip_wait(&df, 1, 200), -XEN_ETIMEDOUT);
	bk_event(1, XENDISPL_EVT_PG_FLIP, fbs[1].cookie);
	assert_int_equal(displfront_flip_wait(&df, 1, 200), 0);
	assert_int_equal(flips.n, 1);
	assert_int_equal(flips.con, 1);
	assert_true(flips.last == fbs[1].cookie);
	assert_int_equal(displfront_flip_pending(&df, 1), 0);
	/* nonblocking, alternating, in order */
	bk.hold_flips = false;
	for (unsigned int k = 0; k < 6; k++) {
		assert_int_equal(
		    displfront_flip(&df, 1, &fbs[k & 1], DISPLFRONT_NONBLOCK),
		    0);
		assert_int_equal(displfront_flip_wait(&df, 1, 1000), 0);
		assert_true(flips.last == fbs[k & 1].cookie);
	}
	assert_int_equal(flips.n, 7);
	assert_int_equal(displfront_conn_stats(&df, 1)->flips, 7);
	assert_true(bk.flipped[1][6] == fbs[1].cookie);
	/* a refused nonblocking flip is told once, by the next call */
	bk.mode = BK_STATUS;
	bk.status = -XEN_EINVAL;
	bk.status_op = XENDISPL_OP_PG_FLIP;
	assert_int_equal(displfront_flip(&df, 0, &fbs[0], DISPLFRONT_NONBLOCK),
			 0);
	settle();
	assert_int_equal(displfront_flip_pending(&df, 0), 0);
	assert_int_equal(displfront_set_config(&df, 0, NULL, 0, 0, 0, 0),
			 -XEN_EINVAL);
	bk.mode = BK_OK;
	assert_int_equal(displfront_set_config(&df, 0, NULL, 0, 0, 0, 0), 0);
	assert_int_equal(bk.cfg[0].fb_cookie, 0);
	assert_int_equal(bk.cfg[0].width, 0);
	/* the backend's refusal of a blocking flip is returned */
	bk.mode = BK_STATUS;
	bk.status = -XEN_EBUSY;
	assert_int_equal(displfront_flip(&df, 0, &fbs[0], 0), -XEN_EBUSY);
	assert_int_equal(displfront_flip(&df, 0, &fbs[0], 4), -XEN_EINVAL);
	assert_int_equal(displfront_flip(&df, 2, &fbs[0], 0), -XEN_EINVAL);
}

/* GET_EDID through a shared directory; the preferred mode. */
static void edid(void **state)
{
	static uint8_t e[XENDISPL_EDID_MAX_SIZE];
	uint32_t n = 0, w = 0, h = 0;
	unsigned int pages;

	(void)state;
	open_dev();
	pages = os.pages_out;
	assert_int_equal(displfront_get_edid(&df, 1, e, sizeof(e), &n), 0);
	assert_int_equal(n, 128);
	assert_int_equal(os.pages_out, pages); /* the buffer is given back */
	assert_int_equal(displfront_edid_mode(e, n, &w, &h), 0);
	assert_int_equal(w, 1024);
	assert_int_equal(h, 600);
	assert_int_equal(displfront_edid_mode(e, 127, &w, &h), -XEN_EBADMSG);
	assert_int_equal(displfront_get_edid(&df, 1, e, 100, &n), -XEN_E2BIG);
	bk.edid_bad_sum = true;
	assert_int_equal(displfront_get_edid(&df, 1, e, sizeof(e), &n), 0);
	assert_int_equal(displfront_edid_mode(e, n, &w, &h), -XEN_EBADMSG);
	/* a size past the buffer is a lie */
	bk.edid_sz = XENDISPL_EDID_MAX_SIZE + 1;
	assert_int_equal(displfront_get_edid(&df, 1, e, sizeof(e), &n),
			 -XEN_EBADMSG);
	assert_int_equal(os.pages_out, pages);
}

/* The backend's refusal is returned and the pages go back. */
static void refused(void **state)
{
	struct displfront_dbuf_params p = params(0, 64, 64, 32);
	unsigned int pages;

	(void)state;
	open_dev();
	pages = os.pages_out;
	bk.mode = BK_STATUS;
	bk.status = -XEN_ENOMEM;
	bk.status_op = XENDISPL_OP_DBUF_CREATE;
	assert_int_equal(displfront_dbuf_create(&df, &dbs[0], &p), -XEN_ENOMEM);
	assert_int_equal(os.pages_out, pages);
	assert_null(df.dbufs);
	bk.mode = BK_OK;
	make_fb(0, 64, 64);
	bk.mode = BK_STATUS;
	bk.status = -XEN_EBUSY;
	bk.status_op = XENDISPL_OP_FB_DETACH;
	assert_int_equal(displfront_fb_detach(&df, &fbs[0]), -XEN_EBUSY);
	bk.status_op = XENDISPL_OP_DBUF_DESTROY;
	bk.mode = BK_OK;
	assert_int_equal(displfront_fb_detach(&df, &fbs[0]), 0);
	bk.mode = BK_STATUS;
	assert_int_equal(displfront_dbuf_destroy(&df, &dbs[0]), -XEN_EBUSY);
	bk.mode = BK_OK;
	assert_int_equal(displfront_dbuf_destroy(&df, &dbs[0]), 0);
	assert_int_equal(os.pages_out, pages);
}

static void hostile_silent(void **state)
{
	uint64_t t0;

	(void)state;
	open_dev();
	make_fb(0, 32, 32);
	displfront_set_timeout(&df, 1, 500);
	bk.mode = BK_SILENT;
	t0 = os.now;
	assert_int_equal(displfront_flip(&df, 1, &fbs[0], 0), -XEN_ETIMEDOUT);
	assert_true(os.now - t0 >= 500000000u);
	/* still out: the next request on that ring waits for it */
	assert_int_equal(displfront_set_config(&df, 1, NULL, 0, 0, 0, 0),
			 -XEN_EBUSY);
	/* the late answer comes and is dropped; the ring goes on */
	bk.mode = BK_OK;
	assert_true(bk.has_late[1]);
	bk_answer(1, &bk.late[1]);
	settle();
	assert_int_equal(displfront_set_config(&df, 1, NULL, 0, 0, 0, 0), 0);
	/* a flip that never shows: the wait gives up */
	bk.hold_flips = true;
	assert_int_equal(displfront_flip(&df, 1, &fbs[0], 0), 0);
	assert_int_equal(displfront_flip_wait(&df, 1, -1), -XEN_ETIMEDOUT);
}

/* A DBUF_CREATE answered too late: the buffer is destroyed on both sides. */
static void hostile_late_create(void **state)
{
	struct displfront_dbuf_params p = params(0, 16, 16, 32);

	(void)state;
	open_dev();
	displfront_set_timeout(&df, 0, 200);
	bk.mode = BK_SILENT;
	assert_int_equal(displfront_dbuf_create(&df, &dbs[0], &p),
			 -XEN_ETIMEDOUT);
	bk.mode = BK_OK;
	bk_answer(0, &bk.late[0]);
	settle();
	assert_non_null(bk_find(dbs[0].cookie));
	assert_int_equal(displfront_dbuf_destroy(&df, &dbs[0]), 0);
	assert_null(bk_find(dbs[0].cookie));
	assert_null(df.dbufs);
}

static void hostile_ids(void **state)
{
	(void)state;
	open_dev();
	displfront_set_timeout(&df, 0, 200);
	bk.mode = BK_WRONG_ID;
	assert_int_equal(displfront_set_config(&df, 0, NULL, 0, 0, 0, 0),
			 -XEN_ETIMEDOUT);
	assert_int_equal(displfront_conn_stats(&df, 0)->stray_rsp, 1);
	bk.mode = BK_OK;
	assert_int_equal(displfront_set_config(&df, 0, NULL, 0, 0, 0, 0),
			 -XEN_EBUSY);
	assert_true(displfront_connected(&df));
	/* the other connector is not held up */
	assert_int_equal(displfront_set_config(&df, 1, NULL, 0, 0, 0, 0), 0);
	bk.mode = BK_WRONG_OP;
	assert_int_equal(displfront_set_config(&df, 1, NULL, 0, 0, 0, 0),
			 -XEN_EBADMSG);
	bk.mode = BK_STATUS;
	bk.status = 5; /* not an errno */
	bk.status_op = XENDISPL_OP_SET_CONFIG;
	assert_int_equal(displfront_set_config(&df, 1, NULL, 0, 0, 0, 0),
			 -XEN_EBADMSG);
}

static void hostile_ring_index(void **state)
{
	(void)state;
	open_dev();
	bk.mode = BK_RING_JUMP;
	assert_int_equal(displfront_set_config(&df, 1, NULL, 0, 0, 0, 0),
			 -XEN_EIO);
	assert_int_equal(pvfront_dev_error(&df.dev), -XEN_EIO);
	bk.mode = BK_OK;
	assert_int_equal(displfront_set_config(&df, 0, NULL, 0, 0, 0, 0),
			 -XEN_EIO);
}

static void hostile_events(void **state)
{
	(void)state;
	open_dev();
	make_fb(0, 32, 32);
	bk_event(0, 77, 0);
	bk_event(0, XENDISPL_EVT_PG_FLIP, 0xdead);
	settle();
	assert_int_equal(displfront_conn_stats(&df, 0)->bad_evt, 1);
	assert_int_equal(displfront_conn_stats(&df, 0)->stray_flip, 1);
	assert_int_equal(flips.n, 0);
	bk.ep[1]->in_prod += 500;
	fos_fire(&os, bk.evt_port[1]);
	settle();
	assert_int_equal(pvfront_dev_error(&df.dev), -XEN_EIO);
	assert_int_equal(displfront_flip(&df, 0, &fbs[0], 0), -XEN_EIO);
}

/* A backend that restarts forgets the buffers: they say so. */
static void reconnect(void **state)
{
	struct displfront_dbuf_params p = params(1, 8, 8, 32);

	(void)state;
	open_dev();
	make_fb(0, 32, 32);
	bk.connected = false;
	bk_state(XenbusStateClosing);
	while (pvfront_dev_connects(&df.dev) < 2)
		assert_true(pvfront_poll(&os.pf, 10) >= 0);
	assert_true(displfront_connected(&df));
	assert_int_equal(displfront_flip(&df, 0, &fbs[0], 0), -XEN_EBADF);
	assert_int_equal(displfront_dbuf_create(&df, &dbs[1], &p), 0);
	assert_int_equal(displfront_fb_detach(&df, &fbs[0]), 0);
	assert_int_equal(displfront_dbuf_destroy(&df, &dbs[0]), 0);
	assert_int_equal(bk.ops[XENDISPL_OP_DBUF_DESTROY], 0);
}

static void no_backend(void **state)
{
	(void)state;
	bk.on = false;
	device();
	assert_int_equal(displfront_open(&df, &os.pf, 0, NULL, 1000),
			 -XEN_ETIMEDOUT);
	assert_false(displfront_connected(&df));
	assert_int_equal(displfront_set_config(&df, 0, NULL, 0, 0, 0, 0),
			 -XEN_ENOTCONN);
	bk.on = true;
	while (!displfront_connected(&df))
		assert_true(pvfront_poll(&os.pf, 100) >= 0);
}

/* be-alloc "1": a device whose backend provides the buffers. */
static void open_be_alloc(void)
{
	const struct displfront_config cfg = {.on_flip = on_flip};

	device();
	put(DFE "/" XENDISPL_FIELD_BE_ALLOC, "1");
	bk.be_alloc = true;
	os.foreign = bk_foreign;
	assert_int_equal(displfront_open(&df, &os.pf, 0, &cfg, 5000), 0);
	assert_true(displfront_connected(&df));
	assert_true(displfront_be_alloc(&df));
}

/* The backend's pages, mapped: the guest's pixels are its memory; the
 * guest shares only the directory; destroy unmaps, then frees. */
static void be_alloc_buffers(void **state)
{
	struct displfront_dbuf_params p = params(0, 300, 200, 32);
	unsigned int pages = os.pages_out, k;
	struct bk_dbuf *d;

	(void)state;
	open_be_alloc();
	pages = os.pages_out;
	p.data_ofs = 100;
	p.flags = DISPLFRONT_DBUF_BACKEND_ALLOC;
	assert_int_equal(displfront_dbuf_create(&df, &dbs[0], &p), 0);
	d = bk_find(dbs[0].cookie);
	assert_non_null(d);
	assert_int_equal(d->rq.flags, XENDISPL_DBUF_FLG_REQ_ALLOC);
	assert_int_equal(d->rq.buffer_sz, 100 + 1200 * 200);
	assert_non_null(d->mem);
	assert_ptr_equal(dbs[0].pixels, d->mem + 100);
	assert_int_equal(os.pages_out - pages, 1); /* the directory only */
	assert_int_equal(os.foreign_maps, 1);
	k = (unsigned int)(d - bk.db);
	for (unsigned int i = 0; i < 59; i++)
		assert_int_equal(refs[0][i], BK_REF0 + k * 1024u + i);
	for (k = 0; k < 1200 * 200; k++)
		dbs[0].pixels[k] = (uint8_t)(k * 7u);
	for (k = 0; k < 1200 * 200; k += 991)
		assert_int_equal(bk_byte(d, 100 + k), (uint8_t)(k * 7u));
	/* used like any buffer */
	assert_int_equal(displfront_fb_attach(&df, &fbs[0], &dbs[0],
					      DISPLFRONT_FMT_XRGB8888),
			 0);
	assert_int_equal(displfront_set_config(&df, 0, &fbs[0], 0, 0, 300,
					       200),
			 0);
	assert_int_equal(displfront_flip(&df, 0, &fbs[0], 0), 0);
	assert_int_equal(displfront_flip_wait(&df, 0, 1000), 0);
	assert_int_equal(displfront_set_config(&df, 0, NULL, 0, 0, 0, 0), 0);
	assert_int_equal(displfront_fb_detach(&df, &fbs[0]), 0);
	/* a guest buffer beside it still works */
	make_fb(1, 32, 32);
	assert_int_equal(bk_find(dbs[1].cookie)->rq.flags, 0);
	assert_int_equal(displfront_dbuf_destroy(&df, &dbs[0]), 0);
	assert_int_equal(os.foreign_maps, 0);
	assert_null(bk_find(dbs[0].cookie));
	assert_null(dbs[0].pixels);
	/* a be-alloc buffer left to close() is unmapped there */
	p = params(2, 64, 64, 16);
	p.flags = DISPLFRONT_DBUF_BACKEND_ALLOC;
	assert_int_equal(displfront_dbuf_create(&df, &dbs[2], &p), 0);
	assert_int_equal(os.foreign_maps, 1);
	assert_int_equal(displfront_close(&df, 1000), 0);
	assert_int_equal(os.foreign_maps, 0);
}

/* Not allowed (be-alloc "0"), or an unknown flag: nothing is asked. */
static void be_alloc_refused(void **state)
{
	struct displfront_dbuf_params p = params(0, 64, 64, 32);
	unsigned int pages, reqs;

	(void)state;
	open_dev(); /* be-alloc "0" */
	assert_false(displfront_be_alloc(&df));
	p.flags = DISPLFRONT_DBUF_BACKEND_ALLOC;
	reqs = bk.reqs[0];
	pages = os.pages_out;
	assert_int_equal(displfront_dbuf_create(&df, &dbs[0], &p),
			 -XEN_EOPNOTSUPP);
	p.flags = 1u << 5;
	assert_int_equal(displfront_dbuf_create(&df, &dbs[0], &p),
			 -XEN_EINVAL);
	assert_int_equal(bk.reqs[0], reqs);
	assert_int_equal(os.pages_out, pages);
}

/* Allowed, but the guest cannot map the pages (the backend's buffer is
 * destroyed again), or the backend refuses REQ_ALLOC. */
static void be_alloc_failures(void **state)
{
	struct displfront_dbuf_params p = params(0, 64, 64, 32);
	unsigned int pages, reqs;

	(void)state;
	open_be_alloc();
	pages = os.pages_out;
	os.foreign = NULL;
	p.flags = DISPLFRONT_DBUF_BACKEND_ALLOC;
	reqs = bk.ops[XENDISPL_OP_DBUF_DESTROY & 31u];
	assert_int_equal(displfront_dbuf_create(&df, &dbs[0], &p),
			 -XEN_EPERM);
	assert_int_equal(bk.ops[XENDISPL_OP_DBUF_DESTROY & 31u], reqs + 1);
	for (unsigned int k = 0; k < NDB; k++)
		assert_int_equal(bk.db[k].cookie, 0);
	assert_int_equal(os.pages_out, pages);
	assert_int_equal(displfront_dbuf_destroy(&df, &dbs[0]), -XEN_EINVAL);
	/* the backend refuses REQ_ALLOC */
	os.foreign = bk_foreign;
	bk.be_alloc = false;
	assert_int_equal(displfront_dbuf_create(&df, &dbs[0], &p),
			 -XEN_EINVAL);
	assert_int_equal(os.pages_out, pages);
	assert_int_equal(os.foreign_maps, 0);
}

static void formats(void **state)
{
	(void)state;
	assert_int_equal(DISPLFRONT_FMT_XRGB8888, 0x34325258);
	assert_int_equal(DISPLFRONT_FMT_ARGB8888, 0x34325241);
	assert_int_equal(DISPLFRONT_FMT_RGB565, 0x36314752);
	assert_int_equal(displfront_format_bpp(DISPLFRONT_FMT_XRGB8888), 32);
	assert_int_equal(displfront_format_bpp(DISPLFRONT_FMT_RGB565), 16);
	assert_int_equal(displfront_format_bpp(0x20202020), 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, dp_setup, dp_teardown)

static const struct CMUnitTest tests[] = {
    T(connectors),     T(bad_store),
    T(no_connectors),  T(versions),
    T(buffers),	       T(config_flip),
    T(edid),	       T(refused),
    T(hostile_silent), T(hostile_late_create),
    T(hostile_ids),    T(hostile_ring_index),
    T(hostile_events), T(reconnect),
    T(no_backend),     T(formats),
    T(be_alloc_buffers), T(be_alloc_refused),
    T(be_alloc_failures),
};

PV_UNIT_MAIN("displfront", tests)
