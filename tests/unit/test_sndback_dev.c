/*
 * Unit tests of the vsnd device (pvkit/sndback.h) on libpvback's fake
 * platform: the card tree read from the frontend's directory, "versions",
 * each stream's ring and event page, requests through the ring (OPEN
 * mapping the buffer through its page directory, WRITE into the wav host
 * side, TRIGGER), position events at period steps, a full event page
 * dropping events, and hostile frontends: bad page directories (a
 * reference never granted, a loop), broken ring indices, a tree whose
 * limits make no sense.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>

#include "pvback_fake_platform.h"
#include "pvkit/ring.h"
#include "pvkit/sndback.h"
#include "unit.h"

#define DOM	 3
#define FE	 "/local/domain/3/device/vsnd/0"
#define BE	 "/local/domain/0/backend/vsnd/3/0"
#define DIR_REFS 1023u

struct fe_stream {
	struct pv_front_ring ring;
	uint8_t *evt_page;
	evtchn_port_t port, evt_port;
};

static struct {
	struct event_base *base;
	struct fpf *f;
	struct pvback *b;
	struct sndback *sb;
	char dir[64];
	struct fe_stream st[2];
	unsigned int next_pfn;
	uint16_t id;
} T;

static void quiet_log(struct pvback *b, enum pvback_log_level level,
		      const char *msg, void *arg)
{
	(void)b;
	(void)level;
	(void)msg;
	(void)arg;
}

static void run(void)
{
	for (int i = 0; i < 20; i++)
		event_base_loop(T.base, EVLOOP_NONBLOCK);
}

static void run_ms(unsigned int ms)
{
	struct timeval tv = {0, (suseconds_t)ms * 1000};

	event_base_loopexit(T.base, &tv);
	event_base_dispatch(T.base);
}

static void tree(void)
{
	fpf_write(T.f, "44100,48000", FE "/sample-rates");
	fpf_write(T.f, "s16_le", FE "/sample-formats");
	fpf_write(T.f, "2", FE "/channels-max");
	fpf_write(T.f, "Main", FE "/0/name");
	fpf_write(T.f, "p", FE "/0/0/type");
	fpf_write(T.f, "pb0", FE "/0/0/unique-id");
	fpf_write(T.f, "c", FE "/0/1/type");
	fpf_write(T.f, "cap0", FE "/0/1/unique-id");
}

/* The frontend's half of stream s: pages granted, ports made, keys. */
static void fe_stream(unsigned int s)
{
	struct fe_stream *st = &T.st[s];
	unsigned int rp = T.next_pfn++, ep = T.next_pfn++;
	uint8_t *ring = fpf_page(T.f, DOM, rp);

	pv_sring_init((struct pv_sring *)ring);
	assert_int_equal(pv_front_ring_init(&st->ring, ring, 4096,
					    sizeof(struct xensnd_req)),
			 0);
	st->evt_page = fpf_page(T.f, DOM, ep);
	memset(st->evt_page, 0, 4096);
	st->port = fpf_port_alloc(T.f, DOM);
	st->evt_port = fpf_port_alloc(T.f, DOM);
	fpf_write(T.f, "", FE "/0/%u/x", s);
	fpf_rm(T.f, FE "/0/%u/x", s);
	{
		char v[16];
		snprintf(v, sizeof(v), "%u", fpf_grant(T.f, DOM, rp, false));
		fpf_write(T.f, v, FE "/0/%u/ring-ref", s);
		snprintf(v, sizeof(v), "%u", fpf_grant(T.f, DOM, ep, false));
		fpf_write(T.f, v, FE "/0/%u/evt-ring-ref", s);
		snprintf(v, sizeof(v), "%u", st->port);
		fpf_write(T.f, v, FE "/0/%u/event-channel", s);
		snprintf(v, sizeof(v), "%u", st->evt_port);
		fpf_write(T.f, v, FE "/0/%u/evt-event-channel", s);
	}
}

static int setup(void **state)
{
	(void)state;
	memset(&T, 0, sizeof(T));
	T.next_pfn = 1;
	snprintf(T.dir, sizeof(T.dir), "/tmp/sndback-dev-XXXXXX");
	assert_non_null(mkdtemp(T.dir));
	T.base = event_base_new();
	T.f = fpf_new();
	assert_int_equal(pvback_new(T.base, &fpf_ops, T.f, &T.b), 0);
	pvback_set_log(T.b, quiet_log, NULL);
	assert_int_equal(sndback_new(T.b, &sndback_host_wav, T.dir, &T.sb), 0);
	return 0;
}

/* A device with the usual tree, connected. */
static int setup_connected(void **state)
{
	setup(state);
	fpf_add_device(T.f, "vsnd", "vsnd", DOM, 0);
	tree();
	run();
	assert_string_equal(fpf_read(T.f, BE "/versions"), "2");
	fe_stream(0);
	fe_stream(1);
	fpf_write(T.f, "3", FE "/state");
	run();
	assert_string_equal(fpf_read(T.f, BE "/state"), "4");
	assert_int_equal(fpf_bound(T.f), 4);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	sndback_free(T.sb);
	pvback_free(T.b);
	assert_int_equal(fpf_mapped(T.f), 0);
	assert_int_equal(fpf_bound(T.f), 0);
	fpf_free(T.f);
	event_base_free(T.base);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", T.dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* Send a request on stream s and return its answer's status. */
static int32_t ask(unsigned int s, struct xensnd_req *rq,
		   struct xensnd_resp *rp)
{
	struct fe_stream *st = &T.st[s];
	struct xensnd_resp tmp;
	int rc;

	if (!rp)
		rp = &tmp;
	rq->id = ++T.id;
	assert_int_equal(pv_front_ring_put_request(&st->ring, rq, sizeof(*rq)),
			 0);
	pv_front_ring_push_requests(&st->ring);
	assert_int_equal(fpf_raise(T.f, DOM, st->port), 0);
	run();
	rc = pv_front_ring_get_response(&st->ring, rp, sizeof(*rp));
	assert_int_equal(rc, 0);
	assert_int_equal(rp->id, T.id);
	assert_int_equal(rp->operation, rq->operation);
	return rp->status;
}

/* Buffer pages pfn0.. granted, and a one-page directory of them. */
static grant_ref_t buffer(unsigned int npages, uint8_t **first_page)
{
	unsigned int dpfn = T.next_pfn++;
	grant_ref_t dir = fpf_grant(T.f, DOM, dpfn, false);
	struct xensnd_page_directory *d = (void *)fpf_page(T.f, DOM, dpfn);
	grant_ref_t *slot = (grant_ref_t *)d + 1;

	d->gref_dir_next_page = 0;
	for (unsigned int i = 0; i < npages; i++) {
		unsigned int pfn = T.next_pfn++;
		slot[i] = fpf_grant(T.f, DOM, pfn, false);
		if (!i && first_page)
			*first_page = fpf_page(T.f, DOM, pfn);
	}
	return dir;
}

static int32_t op_open(unsigned int s, uint32_t rate, uint32_t bsz,
		       uint32_t period, grant_ref_t dir)
{
	struct xensnd_req rq = {.operation = XENSND_OP_OPEN};

	rq.op.open.pcm_rate = rate;
	rq.op.open.pcm_format = XENSND_PCM_FORMAT_S16_LE;
	rq.op.open.pcm_channels = 2;
	rq.op.open.buffer_sz = bsz;
	rq.op.open.gref_directory = dir;
	rq.op.open.period_sz = period;
	return ask(s, &rq, NULL);
}

static int32_t op_rw(unsigned int s, uint8_t op, uint32_t off, uint32_t len)
{
	struct xensnd_req rq = {.operation = op};

	rq.op.rw.offset = off;
	rq.op.rw.length = len;
	return ask(s, &rq, NULL);
}

static int32_t op_trigger(unsigned int s, uint8_t type)
{
	struct xensnd_req rq = {.operation = XENSND_OP_TRIGGER};

	rq.op.trigger.type = type;
	return ask(s, &rq, NULL);
}

static void connect_tree(void **state)
{
	struct xensnd_req rq = {.operation = XENSND_OP_HW_PARAM_QUERY};
	struct xensnd_resp rp;

	(void)state;
	/* the store's limits meet the wav side's */
	rq.op.hw_param.formats = ~UINT64_C(0);
	rq.op.hw_param.rates.max = UINT32_MAX;
	rq.op.hw_param.channels.max = 16;
	rq.op.hw_param.buffer.max = UINT32_MAX;
	rq.op.hw_param.period.max = UINT32_MAX;
	assert_int_equal(ask(0, &rq, &rp), 0);
	assert_true(rp.resp.hw_param.formats ==
		    1u << XENSND_PCM_FORMAT_S16_LE);
	assert_int_equal(rp.resp.hw_param.rates.min, 44100);
	assert_int_equal(rp.resp.hw_param.rates.max, 48000);
	assert_int_equal(rp.resp.hw_param.channels.max, 2);
	/* the frontend goes: everything released (teardown checks) */
	fpf_write(T.f, "5", FE "/state");
	run();
	assert_string_equal(fpf_read(T.f, BE "/state"), "5");
	assert_int_equal(fpf_mapped(T.f), 0);
}

static void play_and_events(void **state)
{
	struct fe_stream *st = &T.st[0];
	struct xensnd_event_page *ep;
	uint8_t *buf = NULL;
	grant_ref_t dir = buffer(2, &buf);
	char path[128];
	uint64_t last = 0;

	(void)state;
	/* unsupported rate, wrong state */
	assert_int_equal(op_open(0, 22050, 8192, 1024, dir), -EINVAL);
	assert_int_equal(op_trigger(0, XENSND_OP_TRIGGER_START), -EBADF);
	/* 8 KiB, events every 1 KiB (256 frames, 5.3 ms at 48 kHz) */
	assert_int_equal(op_open(0, 48000, 8192, 1024, dir), 0);
	assert_int_equal(fpf_mapped(T.f), 4 + 2); /* rings, evt pages, buffer */
	for (unsigned int i = 0; i < 4096; i++)
		buf[i] = (uint8_t)i; /* mapped, never copied: seen as written */
	assert_int_equal(op_rw(0, XENSND_OP_WRITE, 0, 8192), 0);
	assert_int_equal(op_rw(0, XENSND_OP_WRITE, 4096, 4097), -EINVAL);
	assert_int_equal(op_rw(0, XENSND_OP_READ, 0, 4), -EINVAL);
	assert_int_equal(op_trigger(0, XENSND_OP_TRIGGER_START), 0);
	ep = (void *)st->evt_page;
	for (int i = 0; i < 100; i++) {
		run_ms(20);
		if (ep->in_prod &&
		    XENSND_IN_RING_REF(ep, ep->in_prod - 1).op.cur_pos.position ==
			8192)
			break;
	}
	/* the whole buffer played (2048 frames = 43 ms), told period by
	 * period: at most 8 events, one per period boundary crossed (a
	 * timer late on a loaded machine tells several periods as one) */
	assert_true(ep->in_prod >= 1 && ep->in_prod <= 8);
	for (uint32_t i = 0; i < ep->in_prod; i++) {
		struct xensnd_evt *e = &XENSND_IN_RING_REF(ep, i);
		assert_int_equal(e->type, XENSND_EVT_CUR_POS);
		assert_true(e->op.cur_pos.position / 1024 > last / 1024);
		assert_true(e->op.cur_pos.position <= 8192);
		last = e->op.cur_pos.position;
	}
	assert_int_equal(last, 8192);
	assert_int_equal(fpf_notified(T.f, DOM, st->evt_port), ep->in_prod);
	assert_int_equal(op_trigger(0, XENSND_OP_TRIGGER_PAUSE), 0);
	assert_int_equal(op_trigger(0, XENSND_OP_TRIGGER_PAUSE), -EPERM);
	assert_int_equal(op_trigger(0, XENSND_OP_TRIGGER_STOP), 0);
	assert_int_equal(ask(0, &(struct xensnd_req){.operation =
							 XENSND_OP_CLOSE},
			     NULL),
			 0);
	assert_int_equal(fpf_mapped(T.f), 4);
	snprintf(path, sizeof(path), "%s/%u-pb0.wav", T.dir, DOM);
	assert_int_equal(access(path, R_OK), 0);
	{
		struct sndback_stats s;
		sndback_stats(T.sb, &s);
		assert_int_equal(s.events, ep->in_prod);
		assert_int_equal(s.events_dropped, 0);
	}
}

static void event_page_full(void **state)
{
	struct xensnd_event_page *ep = (void *)T.st[1].evt_page;
	grant_ref_t dir = buffer(16, NULL);
	struct sndback_stats s;

	(void)state;
	/* capture: the clock never waits; 4 bytes a period = one frame,
	 * so the timer's 1 ms floor gives an event a millisecond */
	assert_int_equal(op_open(1, 48000, 65536, 4, dir), 0);
	assert_int_equal(op_rw(1, XENSND_OP_READ, 0, 65536), 0);
	assert_int_equal(op_trigger(1, XENSND_OP_TRIGGER_START), 0);
	for (int i = 0; i < 100 && ep->in_prod < XENSND_IN_RING_LEN; i++)
		run_ms(50);
	run_ms(50);
	assert_int_equal(ep->in_prod, XENSND_IN_RING_LEN); /* never past */
	sndback_stats(T.sb, &s);
	assert_true(s.events_dropped > 0);
	assert_string_equal(fpf_read(T.f, BE "/state"), "4"); /* no failure */
	ep->in_cons = ep->in_prod; /* the frontend catches up */
	run_ms(50);
	assert_true(ep->in_prod > XENSND_IN_RING_LEN);
}

static void bad_pgdir(void **state)
{
	unsigned int dpfn = T.next_pfn++;
	grant_ref_t dir = fpf_grant(T.f, DOM, dpfn, false);
	struct xensnd_page_directory *d = (void *)fpf_page(T.f, DOM, dpfn);
	grant_ref_t *slot = (grant_ref_t *)d + 1;

	(void)state;
	/* a buffer reference never granted */
	d->gref_dir_next_page = 0;
	slot[0] = 4000;
	assert_int_equal(op_open(0, 48000, 4096, 0, dir), -EINVAL);
	/* a directory that is no grant at all */
	assert_int_equal(op_open(0, 48000, 4096, 0, 3999), -EINVAL);
	/* a loop: the directory names itself as the next one */
	d->gref_dir_next_page = dir;
	for (unsigned int i = 0; i < DIR_REFS; i++)
		slot[i] = fpf_grant(T.f, DOM, T.next_pfn++, false);
	assert_int_equal(op_open(0, 48000, (DIR_REFS + 1) * 4096, 0, dir),
			 -EINVAL);
	/* a chain that ends too early */
	d->gref_dir_next_page = 0;
	assert_int_equal(op_open(0, 48000, (DIR_REFS + 1) * 4096, 0, dir),
			 -EINVAL);
	/* over SNDBACK_BUFFER_MAX pages */
	assert_int_equal(
	    op_open(0, 48000, (SNDBACK_BUFFER_MAX + 1) * 4096, 0, dir), -E2BIG);
	assert_int_equal(fpf_mapped(T.f), 4);
	/* still serving */
	assert_int_equal(op_open(0, 48000, 4096, 0, buffer(1, NULL)), 0);
	assert_string_equal(fpf_read(T.f, BE "/state"), "4");
}

static void bad_ring_index(void **state)
{
	struct pv_sring *s = T.st[0].ring.sring;

	(void)state;
	s->req_prod = 5000; /* far beyond the ring */
	assert_int_equal(fpf_raise(T.f, DOM, T.st[0].port), 0);
	run();
	assert_string_equal(fpf_read(T.f, BE "/state"), "5");
	assert_non_null(fpf_read(T.f, BE "/error"));
	assert_int_equal(fpf_mapped(T.f), 0);
}

static void bad_tree(void **state)
{
	(void)state;
	fpf_add_device(T.f, "vsnd", "vsnd", DOM, 0);
	tree();
	fpf_write(T.f, "s24_be", FE "/0/0/sample-formats"); /* none left */
	fe_stream(0);
	fe_stream(1);
	fpf_write(T.f, "3", FE "/state");
	run();
	assert_string_equal(fpf_read(T.f, BE "/state"), "5");
	assert_non_null(fpf_read(T.f, BE "/error"));
	assert_int_equal(fpf_mapped(T.f), 0);
}

static void no_streams(void **state)
{
	(void)state;
	fpf_add_device(T.f, "vsnd", "vsnd", DOM, 0);
	fpf_write(T.f, "3", FE "/state");
	run();
	assert_string_equal(fpf_read(T.f, BE "/state"), "5");
	assert_non_null(strstr(fpf_read(T.f, BE "/error"), "no streams"));
}

static const struct CMUnitTest tests[] = {
#define CASE(f) cmocka_unit_test_setup_teardown(f, setup_connected, teardown)
#define BARE(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    CASE(connect_tree),
    CASE(play_and_events),
    CASE(event_page_full),
    CASE(bad_pgdir),
    CASE(bad_ring_index),
    BARE(bad_tree),
    BARE(no_streams),
};

PV_UNIT_MAIN("sndback_dev", tests)
