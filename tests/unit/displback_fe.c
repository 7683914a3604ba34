/*
 * tests/unit/displback_fe.c — the display backend tests' frontend
 * (displback_fe.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "displback_fe.h"
#include "unit.h"

#define DIR_REFS 1023u

static void quiet_log(struct pvback *b, enum pvback_log_level level,
		      const char *msg, void *arg)
{
	(void)b;
	(void)level;
	(void)msg;
	(void)arg;
}

void dfe_setup(struct dfe *t, const struct displback_host_ops *host,
	       const char *arg, const struct displback_limits *lim)
{
	memset(t, 0, sizeof(*t));
	t->next_pfn = 1;
	t->base = event_base_new();
	t->f = fpf_new();
	assert_int_equal(pvback_new(t->base, &fpf_ops, t->f, &t->b), 0);
	pvback_set_log(t->b, quiet_log, NULL);
	assert_int_equal(displback_new(t->b, host, arg, lim, &t->db), 0);
}

void dfe_teardown(struct dfe *t)
{
	displback_free(t->db);
	pvback_free(t->b);
	assert_int_equal(fpf_mapped(t->f), 0);
	assert_int_equal(fpf_bound(t->f), 0);
	fpf_free(t->f);
	event_base_free(t->base);
}

void dfe_run(struct dfe *t)
{
	for (int i = 0; i < 20; i++)
		event_base_loop(t->base, EVLOOP_NONBLOCK);
}

void dfe_tree(struct dfe *t)
{
	fpf_add_device(t->f, "vdispl", "vdispl", DFE_DOM, 0);
	fpf_write(t->f, "1", DFE_FE "/be-alloc");
	fpf_write(t->f, "800x600", DFE_FE "/0/resolution");
	fpf_write(t->f, "mon0", DFE_FE "/0/unique-id");
	fpf_write(t->f, "640x480", DFE_FE "/1/resolution");
	fpf_write(t->f, "mon1", DFE_FE "/1/unique-id");
}

static void publish(struct dfe *t, unsigned int i, const char *key,
		    unsigned int v)
{
	char s[16];

	snprintf(s, sizeof(s), "%u", v);
	fpf_write(t->f, s, DFE_FE "/%u/%s", i, key);
}

void dfe_conn(struct dfe *t, unsigned int i)
{
	struct dfe_conn *c = &t->c[i];
	unsigned int rp = t->next_pfn++, ep = t->next_pfn++;
	uint8_t *ring = fpf_page(t->f, DFE_DOM, rp);

	pv_sring_init((struct pv_sring *)ring);
	assert_int_equal(pv_front_ring_init(&c->ring, ring, 4096,
					    sizeof(struct xendispl_req)),
			 0);
	c->evt = (void *)fpf_page(t->f, DFE_DOM, ep);
	memset(c->evt, 0, 4096);
	c->evt_cons = 0;
	c->port = fpf_port_alloc(t->f, DFE_DOM);
	c->evt_port = fpf_port_alloc(t->f, DFE_DOM);
	publish(t, i, XENDISPL_FIELD_REQ_RING_REF,
		fpf_grant(t->f, DFE_DOM, rp, false));
	publish(t, i, XENDISPL_FIELD_EVT_RING_REF,
		fpf_grant(t->f, DFE_DOM, ep, false));
	publish(t, i, XENDISPL_FIELD_REQ_CHANNEL, c->port);
	publish(t, i, XENDISPL_FIELD_EVT_CHANNEL, c->evt_port);
}

void dfe_connect(struct dfe *t)
{
	dfe_tree(t);
	dfe_run(t);
	assert_string_equal(fpf_read(t->f, DFE_BE "/versions"), "2");
	for (unsigned int i = 0; i < DFE_CONNS; i++)
		dfe_conn(t, i);
	fpf_write(t->f, "2", DFE_FE "/version");
	fpf_write(t->f, "3", DFE_FE "/state");
	dfe_run(t);
	assert_string_equal(fpf_read(t->f, DFE_BE "/state"), "4");
	assert_int_equal(fpf_bound(t->f), 2 * DFE_CONNS);
}

int32_t dfe_ask(struct dfe *t, unsigned int i, struct xendispl_req *rq,
		struct xendispl_resp *rp)
{
	struct dfe_conn *c = &t->c[i];
	struct xendispl_resp tmp;

	if (!rp)
		rp = &tmp;
	rq->id = ++t->id;
	assert_int_equal(pv_front_ring_put_request(&c->ring, rq, sizeof(*rq)),
			 0);
	pv_front_ring_push_requests(&c->ring);
	assert_int_equal(fpf_raise(t->f, DFE_DOM, c->port), 0);
	dfe_run(t);
	assert_int_equal(pv_front_ring_get_response(&c->ring, rp, sizeof(*rp)),
			 0);
	assert_int_equal(rp->id, t->id);
	assert_int_equal(rp->operation, rq->operation);
	return rp->status;
}

grant_ref_t dfe_buffer(struct dfe *t, unsigned int npages, unsigned int listed,
		       uint8_t **pixels)
{
	unsigned int ndir = (npages + DIR_REFS - 1) / DIR_REFS, first;
	grant_ref_t dref[8];
	unsigned int dpfn[8];

	assert_true(ndir >= 1 && ndir <= 8);
	for (unsigned int k = 0; k < ndir; k++) {
		dpfn[k] = t->next_pfn++;
		dref[k] = fpf_grant(t->f, DFE_DOM, dpfn[k], false);
		memset(fpf_page(t->f, DFE_DOM, dpfn[k]), 0, 4096);
	}
	first = t->next_pfn;
	t->next_pfn += npages;
	assert_true(t->next_pfn <= FPF_PAGES);
	for (unsigned int p = 0; p < listed; p++) {
		unsigned int k = p / DIR_REFS;
		grant_ref_t *slot =
		    (grant_ref_t *)fpf_page(t->f, DFE_DOM, dpfn[k]) + 1;
		slot[p % DIR_REFS] = fpf_grant(t->f, DFE_DOM, first + p, false);
	}
	/* the chain: next directory pages only as far as refs are listed */
	for (unsigned int k = 0; k + 1 < ndir && (k + 1) * DIR_REFS < listed;
	     k++)
		*(grant_ref_t *)fpf_page(t->f, DFE_DOM, dpfn[k]) = dref[k + 1];
	if (pixels)
		*pixels = fpf_page(t->f, DFE_DOM, first);
	return dref[0];
}

int32_t dfe_dbuf(struct dfe *t, uint64_t cookie, uint32_t w, uint32_t h,
		 uint32_t bpp, uint8_t **pixels)
{
	struct xendispl_req rq = {.operation = XENDISPL_OP_DBUF_CREATE};
	uint32_t sz = w * h * bpp / 8;
	unsigned int np = (sz + 4095) / 4096;

	rq.op.dbuf_create = (struct xendispl_dbuf_create_req){
	    .dbuf_cookie = cookie,
	    .width = w,
	    .height = h,
	    .bpp = bpp,
	    .buffer_sz = sz,
	    .gref_directory = dfe_buffer(t, np, np, pixels)};
	return dfe_ask(t, 0, &rq, NULL);
}

int32_t dfe_fb(struct dfe *t, uint64_t dbuf, uint64_t fb, uint32_t w,
	       uint32_t h, uint32_t fourcc)
{
	struct xendispl_req rq = {.operation = XENDISPL_OP_FB_ATTACH};

	rq.op.fb_attach =
	    (struct xendispl_fb_attach_req){.dbuf_cookie = dbuf,
					    .fb_cookie = fb,
					    .width = w,
					    .height = h,
					    .pixel_format = fourcc};
	return dfe_ask(t, 0, &rq, NULL);
}

int32_t dfe_config(struct dfe *t, unsigned int i, uint64_t fb, uint32_t x,
		   uint32_t y, uint32_t w, uint32_t h, uint32_t bpp)
{
	struct xendispl_req rq = {.operation = XENDISPL_OP_SET_CONFIG};

	rq.op.set_config = (struct xendispl_set_config_req){.fb_cookie = fb,
							    .x = x,
							    .y = y,
							    .width = w,
							    .height = h,
							    .bpp = bpp};
	return dfe_ask(t, i, &rq, NULL);
}

int32_t dfe_flip(struct dfe *t, unsigned int i, uint64_t fb)
{
	return dfe_simple(t, i, XENDISPL_OP_PG_FLIP, fb);
}

int32_t dfe_simple(struct dfe *t, unsigned int i, uint8_t op, uint64_t cookie)
{
	struct xendispl_req rq = {.operation = op};

	/* every one-cookie payload starts with its cookie */
	rq.op.dbuf_destroy.dbuf_cookie = cookie;
	return dfe_ask(t, i, &rq, NULL);
}

uint64_t dfe_event(struct dfe *t, unsigned int i)
{
	struct dfe_conn *c = &t->c[i];
	uint32_t prod = __atomic_load_n(&c->evt->in_prod, __ATOMIC_ACQUIRE);
	struct xendispl_evt ev;

	if (prod == c->evt_cons)
		return 0;
	memcpy(&ev, &XENDISPL_IN_RING_REF(c->evt, c->evt_cons), sizeof(ev));
	assert_int_equal(ev.type, XENDISPL_EVT_PG_FLIP);
	c->evt_cons++;
	__atomic_store_n(&c->evt->in_cons, c->evt_cons, __ATOMIC_RELEASE);
	return ev.op.pg_flip.fb_cookie;
}
