/*
 * Unit tests for the guest's vsnd card (frontends/snd, pvkit/sndfront.h):
 * the card's streams read from the store, the handshake, negotiation,
 * open/write/read/trigger/volume/mute, position events, and a backend
 * that answers late, with the wrong id or operation, with indices out of
 * range or a query answer it may not give.
 *
 * One thread, virtual time (test_front_os.h), pvhv's store core behind
 * the guest's store ring (test_front_world.h, whose vkbd backend stays
 * off); the fake sound backend here (struct sb) runs one step per guest
 * wait and reads the guest's pages through the fake grant table.
 */
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#endif
#include "test_front_world.h"
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#include "pvkit/ring.h"
#include "pvkit/sndfront.h"

#define SFE "/local/domain/1/device/vsnd/0"
#define SBE "/local/domain/0/backend/vsnd/1/0"
#define NS  2u

/* ---- the fake sound backend ------------------------------------------------
 */

enum sb_mode {
	SB_OK,
	SB_SILENT,    /* never answers */
	SB_WRONG_ID,  /* answers with another id */
	SB_WRONG_OP,  /* right id, other operation */
	SB_RING_JUMP, /* rsp_prod far ahead */
	SB_WIDE,      /* a query answer wider than asked */
	SB_STATUS,    /* answers with status sb.status */
};

static struct sb {
	bool on, probed, connected;
	int last_fe;
	enum sb_mode mode;
	int status;
	uint8_t status_op;
	struct pv_back_ring br[NS];
	struct xensnd_event_page *ep[NS];
	evtchn_port_t port[NS], evt_port[NS];
	uint8_t *buf[NS][SNDFRONT_BUF_PAGES_MAX];
	struct xensnd_open_req open[NS];
	bool opened[NS];
	unsigned int reqs[NS], writes[NS], ops[16];
	uint8_t played[NS][65536];
	size_t nplayed[NS];
	uint64_t pos[NS];
	int32_t vol[NS][8];
	uint8_t mute[NS][8];
	uint8_t trigger;
	uint8_t fill;		    /* capture data byte */
	bool send_pos;		    /* a position event after each write */
	bool send_bad_evt;	    /* and an event of unknown type */
	struct xensnd_req late[NS]; /* SILENT: what was not answered */
	bool has_late[NS];
	/* a device clock: while started, stream 0 plays clock_step bytes of
	 * what it was given per step, with a position event each time */
	bool clock, running, whole; /* whole: steps only, as periods */
	uint32_t clock_step;
	uint64_t got, max_ahead;
	uint32_t next_off; /* where the next WRITE must start */
	unsigned int wraps, bad_off;
	uint32_t level_off; /* the last volume or mute request's offset */
} sb;

static void *page_of(long ref)
{
	assert_true(ref >= (long)FOS_GREF_FIRST && ref < (long)FOS_GRANTS);
	assert_true(os.grants[ref].used);
	assert_int_equal(os.grants[ref].dom, 0);
	return os.grants[ref].page;
}

static void sb_state(int s)
{
	char v[4];

	snprintf(v, sizeof(v), "%d", s);
	put(SBE "/state", v);
}

static long sb_key(unsigned int i, const char *k)
{
	char p[128];

	snprintf(p, sizeof(p), SFE "/0/%u/%s", i, k);
	return rd_num(p);
}

static void sb_connect(void)
{
	unsigned int i;

	for (i = 0; i < NS; i++) {
		long ref = sb_key(i, "ring-ref"),
		     ch = sb_key(i, "event-channel");
		long eref = sb_key(i, "evt-ring-ref");
		long ech = sb_key(i, "evt-event-channel");

		assert_true(ref > 0 && ch > 0 && eref > 0 && ech > 0);
		assert_int_equal(pv_back_ring_init(&sb.br[i], page_of(ref),
						   PVFRONT_PAGE_SIZE,
						   sizeof(struct xensnd_req)),
				 0);
		sb.ep[i] = page_of(eref);
		sb.port[i] = (evtchn_port_t)ch;
		sb.evt_port[i] = (evtchn_port_t)ech;
		sb.opened[i] = false;
	}
	assert_int_equal(rd_num(SFE "/version"), 2);
	sb.connected = true;
	sb_state(XenbusStateConnected);
}

static void sb_event(unsigned int i, uint8_t type, uint64_t pos)
{
	struct xensnd_event_page *ep = sb.ep[i];
	struct xensnd_evt *e = &XENSND_IN_RING_REF(ep, ep->in_prod);

	memset(e, 0, sizeof(*e));
	e->type = type;
	e->op.cur_pos.position = pos;
	ep->in_prod++;
	fos_fire(&os, sb.evt_port[i]);
}

/* Map the directory's buffer pages (reading them through the table). */
static void sb_map(unsigned int i, grant_ref_t dir)
{
	uint32_t n = (sb.open[i].buffer_sz + 4095u) / 4096u, k = 0;
	grant_ref_t *d = page_of(dir);

	while (k < n) {
		unsigned int j;

		for (j = 0; j < PVFRONT_PGDIR_PER_PAGE && k < n; j++, k++)
			sb.buf[i][k] = page_of(d[1 + j]);
		if (k < n)
			d = page_of(d[0]);
	}
}

static void sb_copy_out(unsigned int i, uint32_t off, uint32_t len)
{
	uint32_t k;

	for (k = 0; k < len; k++, off++) {
		assert_true(sb.nplayed[i] < sizeof(sb.played[i]));
		sb.played[i][sb.nplayed[i]++] =
		    sb.buf[i][off / 4096u][off % 4096u];
	}
}

/* Volume or mute values at the request's offset of the buffer: into v,
 * or (out) from v into the buffer. */
static void sb_levels(unsigned int i, const struct xensnd_rw_req *rw, void *v,
		      bool out)
{
	uint8_t *b = v;
	uint32_t k, off;

	assert_true(rw->length <= 32);
	sb.level_off = rw->offset;
	for (k = 0; k < rw->length; k++) {
		off = rw->offset + k;
		if (out)
			sb.buf[i][off / 4096u][off % 4096u] = b[k];
		else
			b[k] = sb.buf[i][off / 4096u][off % 4096u];
	}
}

/* A WRITE to the clocked stream: at the running offset, never more
 * ahead of the position than the buffer holds. */
static void sb_clock_write(unsigned int i, const struct xensnd_rw_req *rw)
{
	if (rw->offset != sb.next_off ||
	    rw->length > sb.open[i].buffer_sz - rw->offset)
		sb.bad_off++;
	if (rw->offset == 0 && sb.got)
		sb.wraps++;
	sb.next_off = (rw->offset + rw->length) % sb.open[i].buffer_sz;
	sb.got += rw->length;
	if (sb.got - sb.pos[i] > sb.max_ahead)
		sb.max_ahead = sb.got - sb.pos[i];
}

/* One step of the clock: play and tell the position. */
static void sb_clock_tick(void)
{
	uint64_t n = sb.got - sb.pos[0];

	if (!sb.clock || !sb.clock_step || !sb.running || !sb.opened[0] || !n ||
	    (sb.whole && n < sb.clock_step))
		return;
	sb.pos[0] += n < sb.clock_step ? n : sb.clock_step;
	sb_event(0, XENSND_EVT_CUR_POS, sb.pos[0]);
}

static void sb_answer(unsigned int i, const struct xensnd_req *rq)
{
	struct xensnd_resp *r = pv_back_ring_next_response(&sb.br[i]);
	uint32_t k;

	memset(r, 0, sizeof(*r));
	r->id = rq->id;
	r->operation = rq->operation;
	sb.ops[rq->operation & 15u]++;
	switch (rq->operation) {
	case XENSND_OP_HW_PARAM_QUERY:
		r->resp.hw_param = rq->op.hw_param;
		/* this card plays 48000 only and 1..2 channels */
		if (r->resp.hw_param.rates.min <= 48000 &&
		    r->resp.hw_param.rates.max >= 48000)
			r->resp.hw_param.rates.min =
			    r->resp.hw_param.rates.max = 48000;
		if (r->resp.hw_param.channels.max > 2)
			r->resp.hw_param.channels.max = 2;
		/* and buffers of 4..32 KiB, periods of at least 1 KiB */
		if (r->resp.hw_param.buffer.min < 4096)
			r->resp.hw_param.buffer.min = 4096;
		if (r->resp.hw_param.buffer.max > 32768)
			r->resp.hw_param.buffer.max = 32768;
		if (r->resp.hw_param.period.min < 1024)
			r->resp.hw_param.period.min = 1024;
		if (sb.mode == SB_WIDE)
			r->resp.hw_param.rates.max = 0xffffffffu,
			r->resp.hw_param.rates.min = 1;
		break;
	case XENSND_OP_OPEN:
		sb.open[i] = rq->op.open;
		sb_map(i, rq->op.open.gref_directory);
		sb.opened[i] = true;
		sb.pos[i] = 0;
		break;
	case XENSND_OP_CLOSE:
		sb.opened[i] = false;
		break;
	case XENSND_OP_WRITE:
		if (!sb.opened[i]) { /* a backend that does not know it */
			r->status = -XEN_EBADF;
			break;
		}
		sb.writes[i]++;
		sb_copy_out(i, rq->op.rw.offset, rq->op.rw.length);
		if (sb.clock) {
			sb_clock_write(i, &rq->op.rw);
			break;
		}
		sb.pos[i] += rq->op.rw.length;
		if (sb.send_pos)
			sb_event(i, XENSND_EVT_CUR_POS, sb.pos[i]);
		if (sb.send_bad_evt)
			sb_event(i, 77, 0);
		break;
	case XENSND_OP_READ:
		for (k = 0; k < rq->op.rw.length; k++)
			sb.buf[i][(rq->op.rw.offset + k) / 4096u]
			      [(rq->op.rw.offset + k) % 4096u] =
			    (uint8_t)(sb.fill + k);
		break;
	case XENSND_OP_SET_VOLUME:
		sb_levels(i, &rq->op.rw, sb.vol[i], false);
		break;
	case XENSND_OP_GET_VOLUME:
		sb_levels(i, &rq->op.rw, sb.vol[i], true);
		break;
	case XENSND_OP_MUTE:
	case XENSND_OP_UNMUTE:
		/* one byte a channel, as sndback takes it */
		if (rq->op.rw.length != sb.open[i].pcm_channels) {
			r->status = -XEN_EINVAL;
			break;
		}
		sb_levels(i, &rq->op.rw, sb.mute[i], false);
		break;
	case XENSND_OP_TRIGGER:
		if (!sb.opened[i]) {
			r->status = -XEN_EBADF;
			break;
		}
		sb.trigger = rq->op.trigger.type;
		sb.running = sb.trigger == XENSND_OP_TRIGGER_START ||
			     sb.trigger == XENSND_OP_TRIGGER_RESUME;
		if (sb.trigger == XENSND_OP_TRIGGER_STOP)
			sb.got = sb.pos[i]; /* what was not played is gone */
		break;
	default:
		r->status = -XEN_ENOSYS;
	}
	if (sb.mode == SB_WRONG_ID)
		r->id = (uint16_t)(rq->id + 7);
	if (sb.mode == SB_WRONG_OP)
		r->operation = (uint8_t)(rq->operation + 1);
	if (sb.mode == SB_STATUS && rq->operation == sb.status_op)
		r->status = sb.status;
	pv_back_ring_push_responses(&sb.br[i]);
	if (sb.mode == SB_RING_JUMP)
		sb.br[i].sring->rsp_prod += 1000;
	fos_fire(&os, sb.port[i]);
}

static void sb_serve(unsigned int i)
{
	struct xensnd_req rq;

	while (pv_back_ring_copy_request(&sb.br[i], &rq, sizeof(rq)) == 0) {
		sb.reqs[i]++;
		if (sb.mode == SB_SILENT) {
			sb.late[i] = rq;
			sb.has_late[i] = true;
			continue;
		}
		sb_answer(i, &rq);
	}
}

static bool sn_step(struct fos *o)
{
	XENSTORE_RING_IDX before = ss.f.pg->rsp_prod;
	bool any = ss_serve();
	int fe, be;
	unsigned int i;

	if (sb.on) {
		fe = rd_state(SFE "/state");
		be = rd_state(SBE "/state");
		if (!sb.probed) {
			sb.probed = true;
			put(SBE "/versions", "1,2");
			sb_state(XenbusStateInitWait);
		} else if (fe == XenbusStateInitialised &&
			   be == XenbusStateInitWait) {
			sb_connect();
		} else if (fe == XenbusStateClosing &&
			   (be == XenbusStateConnected ||
			    be == XenbusStateInitWait)) {
			sb.connected = false;
			sb_state(XenbusStateClosing);
		} else if (fe == XenbusStateClosed && fe != sb.last_fe) {
			sb.connected = false;
			sb_state(XenbusStateClosed);
			sb_state(XenbusStateInitWait);
		} else if (fe == XenbusStateInitialising &&
			   be == XenbusStateClosed) {
			sb_state(XenbusStateInitWait);
		}
		sb.last_fe = fe;
		for (i = 0; sb.connected && i < NS; i++)
			sb_serve(i);
		if (sb.connected)
			sb_clock_tick();
	}
	fake_flush(&ss.f);
	if (ss.f.pg->rsp_prod != before)
		fos_fire(o, FOS_STORE_PORT);
	return any;
}

/* ---- the card in the store, as pvhv writes it -----------------------------
 */

static void card(const char *type1)
{
	make_device(SFE, SBE, "0");
	put(SFE "/short-name", "Main");
	put(SFE "/sample-rates", "44100,48000");
	put(SFE "/sample-formats", "s16_le,float_le");
	put(SFE "/channels-max", "2");
	put(SFE "/0/name", "pcm0");
	put(SFE "/0/0/type", "p");
	put(SFE "/0/0/unique-id", "main-out");
	put(SFE "/0/1/type", type1);
	put(SFE "/0/1/unique-id", "main-in");
	put(SFE "/0/1/sample-rates", "48000");
	put(SFE "/0/1/buffer-size", "8192");
}

static struct sndfront sf;
static struct {
	unsigned int n;
	uint64_t last;
	unsigned int idx;
} posc;

/* Let the backend run and its answers and events arrive. */
static void settle(void)
{
	unsigned int k;

	for (k = 0; k < 8; k++)
		assert_true(pvfront_poll(&os.pf, 1) >= 0);
}

static void on_pos(struct sndfront *s, unsigned int i, uint64_t pos, void *arg)
{
	(void)s;
	(void)arg;
	posc.n++;
	posc.last = pos;
	posc.idx = i;
}

static int sn_setup(void **state)
{
	int rc = setup(state);

	memset(&sb, 0, sizeof(sb));
	memset(&posc, 0, sizeof(posc));
	sb.on = true;
	os.step = sn_step;
	return rc;
}

static int sn_teardown(void **state)
{
	sb.mode = SB_OK;
	sndfront_close(&sf, 1000);
	return teardown(state);
}

static void open_card(void)
{
	const struct sndfront_config cfg = {.on_pos = on_pos};

	card("c");
	assert_int_equal(sndfront_open(&sf, &os.pf, 0, &cfg, 5000), 0);
	assert_true(sndfront_connected(&sf));
}

static void open_play(struct sndfront_params *p)
{
	memset(p, 0, sizeof(*p));
	p->format = XENSND_PCM_FORMAT_S16_LE;
	p->rate = 48000;
	p->channels = 2;
	assert_int_equal(sndfront_stream_open(&sf, 0, p), 0);
}

/* ---- cases ------------------------------------------------------------------
 */

static void streams(void **state)
{
	const struct sndfront_stream_info *in;

	(void)state;
	open_card();
	assert_int_equal(sndfront_streams(&sf), 2);
	in = sndfront_stream_info(&sf, 0);
	assert_false(in->capture);
	assert_string_equal(in->unique_id, "main-out");
	assert_int_equal(in->nrates, 2);
	assert_int_equal(in->channels_max, 2);
	assert_true(in->formats == ((1ull << XENSND_PCM_FORMAT_S16_LE) |
				    (1ull << XENSND_PCM_FORMAT_F32_LE)));
	in = sndfront_stream_info(&sf, 1);
	assert_true(in->capture);
	assert_int_equal(in->nrates, 1);
	assert_int_equal(in->rates[0], 48000);
	assert_int_equal(in->buffer_size, 8192);
	assert_int_equal(sndfront_find(&sf, "main-in"), 1);
	assert_int_equal(sndfront_find(&sf, "nope"), -XEN_ENOENT);
	assert_null(sndfront_stream_info(&sf, 2));
}

static void bad_store(void **state)
{
	(void)state;
	card("x");
	assert_int_equal(sndfront_open(&sf, &os.pf, 0, NULL, 5000),
			 -XEN_EBADMSG);
	put(SFE "/0/1/type", "c");
	put(SFE "/0/1/sample-rates", "8000"); /* not in the card's list */
	assert_int_equal(sndfront_open(&sf, &os.pf, 0, NULL, 5000),
			 -XEN_EBADMSG);
	put(SFE "/0/1/sample-rates", "48000");
	put(SFE "/sample-formats", "s16_le,bogus");
	assert_int_equal(sndfront_open(&sf, &os.pf, 0, NULL, 5000),
			 -XEN_EBADMSG);
	put(SFE "/sample-formats", "s16_le");
	assert_int_equal(sndfront_open(&sf, &os.pf, 0, NULL, 5000), 0);
}

static void negotiate(void **state)
{
	struct sndfront_params p = {.format_any = true};

	(void)state;
	open_card();
	assert_int_equal(sndfront_stream_open(&sf, 0, &p), 0);
	assert_int_equal(p.format, XENSND_PCM_FORMAT_S16_LE);
	assert_int_equal(p.rate, 48000);
	assert_int_equal(p.channels, 1);
	assert_int_equal(p.buffer_bytes, 16384);
	assert_int_equal(sb.open[0].pcm_rate, 48000);
	assert_int_equal(sb.open[0].pcm_channels, 1);
	assert_int_equal(sb.open[0].buffer_sz, 16384);
	assert_int_equal(sndfront_stream_open(&sf, 0, &p), -XEN_EBUSY);
	/* 44100 is allowed by the store, not by the backend: clamped */
	assert_int_equal(sndfront_stream_close(&sf, 0), 0);
	assert_false(sb.opened[0]);
	memset(&p, 0, sizeof(p));
	p.format = XENSND_PCM_FORMAT_S32_LE; /* not in the store */
	assert_int_equal(sndfront_stream_open(&sf, 0, &p), -XEN_EINVAL);
	p.format = XENSND_PCM_FORMAT_F32_LE;
	p.channels = 3; /* above channels-max */
	assert_int_equal(sndfront_stream_open(&sf, 0, &p), -XEN_EINVAL);
	/* capture: buffer-size 8192 caps the buffer */
	memset(&p, 0, sizeof(p));
	p.format = XENSND_PCM_FORMAT_S16_LE;
	p.buffer_bytes = 65536;
	assert_int_equal(sndfront_stream_open(&sf, 1, &p), 0);
	assert_int_equal(p.buffer_bytes, 8192);
	assert_int_equal(sb.open[1].buffer_sz, 8192);
	assert_int_equal(sndfront_stream_close(&sf, 1), 0);
	/* the backend's buffer and period ranges */
	p.buffer_bytes = 1000;
	p.period_bytes = 64;
	assert_int_equal(sndfront_stream_open(&sf, 1, &p), 0);
	assert_int_equal(p.buffer_bytes, 4096);
	assert_int_equal(sb.open[1].buffer_sz, 4096);
	assert_int_equal(sb.open[1].period_sz, 1024);
	assert_int_equal(sndfront_stream_close(&sf, 0), 0);
	memset(&p, 0, sizeof(p));
	p.format_any = true;
	p.buffer_bytes = 65536;
	assert_int_equal(sndfront_stream_open(&sf, 0, &p), 0);
	assert_int_equal(p.buffer_bytes, 32768);
	assert_int_equal(p.period_bytes, 8192);
}

static void play(void **state)
{
	struct sndfront_params p;
	static uint8_t data[40000];
	size_t k;

	(void)state;
	open_card();
	open_play(&p);
	for (k = 0; k < sizeof(data); k++)
		data[k] = (uint8_t)(k * 7u);
	assert_int_equal(sndfront_trigger(&sf, 0, XENSND_OP_TRIGGER_START), 0);
	assert_int_equal(sb.trigger, XENSND_OP_TRIGGER_START);
	sb.send_pos = true;
	assert_int_equal(sndfront_write(&sf, 0, data, 3, 0), -XEN_EINVAL);
	assert_int_equal(sndfront_write(&sf, 0, data, sizeof(data), 0),
			 (int)sizeof(data));
	assert_int_equal(sb.writes[0], 3);
	assert_int_equal(sb.nplayed[0], sizeof(data));
	assert_memory_equal(sb.played[0], data, sizeof(data));
	/* the last event is delivered by the next poll */
	settle();
	assert_int_equal(posc.idx, 0);
	assert_true(posc.n >= 2);
	assert_int_equal(sndfront_position(&sf, 0), sizeof(data));
	assert_int_equal(sndfront_trigger(&sf, 0, XENSND_OP_TRIGGER_PAUSE), 0);
	assert_int_equal(sb.trigger, XENSND_OP_TRIGGER_PAUSE);
	assert_int_equal(sndfront_trigger(&sf, 0, XENSND_OP_TRIGGER_RESUME), 0);
	assert_int_equal(sndfront_trigger(&sf, 0, XENSND_OP_TRIGGER_STOP), 0);
	assert_int_equal(sb.trigger, XENSND_OP_TRIGGER_STOP);
	assert_int_equal(sndfront_trigger(&sf, 0, 9), -XEN_EINVAL);
	/* capture streams are not written */
	assert_int_equal(sndfront_write(&sf, 1, data, 4, 0), -XEN_EINVAL);
}

/* Playback through the buffer as a ring, paced by the position. */
static void play_ring(void **state)
{
	struct sndfront_params p;
	static uint8_t data[60000];
	uint64_t t0;
	size_t k;
	int n;

	(void)state;
	open_card();
	open_play(&p);
	assert_int_equal(p.buffer_bytes, 16384);
	for (k = 0; k < sizeof(data); k++)
		data[k] = (uint8_t)(k * 13u + k / 251u);
	sb.clock = true;
	sndfront_set_timeout(&sf, 0, 200);
	/* not started: a buffer's worth goes, then the write waits for room
	 * for the stream's timeout and says what it took */
	t0 = os.now;
	assert_int_equal(sndfront_write(&sf, 0, data, 20000, 0), 16384);
	assert_true(os.now - t0 >= 200000000u);
	assert_int_equal(
	    sndfront_write(&sf, 0, data + 16384, 4, SNDFRONT_NONBLOCK),
	    -XEN_EAGAIN);
	assert_int_equal(sndfront_write(&sf, 0, data + 16384, 4, 0),
			 -XEN_ETIMEDOUT);
	/* started: the device plays 1000 bytes a step; the rest goes in as
	 * room comes, wrapping at the buffer's end, never ahead by more than
	 * the buffer */
	sb.clock_step = 1000;
	assert_int_equal(sndfront_trigger(&sf, 0, XENSND_OP_TRIGGER_START), 0);
	n = sndfront_write(&sf, 0, data + 16384, sizeof(data) - 16384, 0);
	assert_int_equal(n, (int)(sizeof(data) - 16384));
	for (k = 0; k < 200 && sndfront_position(&sf, 0) < sizeof(data); k++)
		assert_true(pvfront_poll(&os.pf, 1) >= 0);
	print_message("ring: %u writes, %u wraps, at most %llu bytes ahead of "
		      "the position (buffer %u), position %llu\n",
		      sb.writes[0], sb.wraps, (unsigned long long)sb.max_ahead,
		      p.buffer_bytes,
		      (unsigned long long)sndfront_position(&sf, 0));
	assert_int_equal(sndfront_position(&sf, 0), sizeof(data));
	assert_int_equal(sb.nplayed[0], sizeof(data));
	assert_memory_equal(sb.played[0], data, sizeof(data));
	assert_int_equal(sb.bad_off, 0);
	assert_true(sb.wraps >= 3);
	assert_true(sb.max_ahead <= p.buffer_bytes);
	assert_true(sb.writes[0] > 4); /* in pieces, as room came */
	/* full again, then stopped: the ring is free once more */
	sb.clock_step = 0;
	sb.nplayed[0] = 0;
	assert_int_equal(sndfront_write(&sf, 0, data, 16384, 0), 16384);
	assert_int_equal(sndfront_write(&sf, 0, data, 4, SNDFRONT_NONBLOCK),
			 -XEN_EAGAIN);
	assert_int_equal(sndfront_trigger(&sf, 0, XENSND_OP_TRIGGER_STOP), 0);
	assert_int_equal(sndfront_write(&sf, 0, data, 4096, SNDFRONT_NONBLOCK),
			 4096);
	/* a position past what was written (a backend's lie) frees the
	 * whole buffer: writes go on, each still inside the buffer */
	sb_event(0, XENSND_EVT_CUR_POS, (uint64_t)1 << 40);
	settle();
	k = sb.writes[0];
	assert_int_equal(sndfront_write(&sf, 0, data, 40000, 0), 40000);
	assert_true(sb.writes[0] - k >= 3);
	assert_int_equal(sb.bad_off, 0);
}

/* Drain: position events until less than a period is left, then its
 * time; a stream that does not play times out. */
static void drain(void **state)
{
	struct sndfront_params p;
	static uint8_t data[10000];
	uint64_t t0, left, want_ns;

	(void)state;
	open_card();
	open_play(&p);
	assert_int_equal(p.period_bytes, 4096);
	sb.clock = true;
	sb.clock_step = 1000;
	sndfront_set_timeout(&sf, 0, 300);
	assert_int_equal(sndfront_write(&sf, 0, data, sizeof(data), 0),
			 (int)sizeof(data));
	/* not started: nothing moves */
	t0 = os.now;
	assert_int_equal(sndfront_drain(&sf, 0), -XEN_ETIMEDOUT);
	assert_true(os.now - t0 >= 300000000u);
	assert_int_equal(sndfront_trigger(&sf, 0, XENSND_OP_TRIGGER_START), 0);
	sb.clock_step = 4096; /* a position event a period, */
	sb.whole = true;      /* none for the last part of one */
	t0 = os.now;
	assert_int_equal(sndfront_drain(&sf, 0), 0);
	left = sizeof(data) - sndfront_position(&sf, 0);
	want_ns = left * 1000000000u / (48000u * 4u);
	print_message("drain: position %llu of %zu, the last %llu bytes "
		      "waited %llu ns (%llu at 48 kHz)\n",
		      (unsigned long long)sndfront_position(&sf, 0),
		      sizeof(data), (unsigned long long)left,
		      (unsigned long long)(os.now - t0),
		      (unsigned long long)want_ns);
	assert_true(sndfront_position(&sf, 0) >= sizeof(data) - 4096);
	assert_true(left > 0); /* 10000 is not whole periods */
	assert_true(os.now - t0 >= want_ns);
	assert_true(os.now - t0 < want_ns + 300000000u);
	assert_int_equal(sndfront_drain(&sf, 1), -XEN_EINVAL);
}

static struct {
	unsigned int up, down;
} linkc;

static void on_link(struct sndfront *s, bool up, int reason, void *arg)
{
	(void)s;
	(void)reason;
	(void)arg;
	if (up)
		linkc.up++;
	else
		linkc.down++;
}

static void open_resume_card(void)
{
	const struct sndfront_config cfg = {
	    .on_pos = on_pos, .on_link = on_link, .resume = true};

	memset(&linkc, 0, sizeof(linkc));
	card("c");
	assert_int_equal(sndfront_open(&sf, &os.pf, 0, &cfg, 5000), 0);
}

/* The backend forgets every stream, as a new backend process would. */
static void sb_forget(void)
{
	memset(sb.vol, 0, sizeof(sb.vol));
	memset(sb.mute, 0, sizeof(sb.mute));
	sb.opened[0] = sb.opened[1] = false;
	sb.running = false;
	sb.got = sb.pos[0] = 0;
	sb.next_off = 0;
	sb.nplayed[0] = 0;
}

/* A backend restart that reconnects the card (libpvback's
 * .reconnect_on_restart): with resume, a waiting write goes on. */
static void resume_reconnect(void **state)
{
	struct sndfront_params p;
	static uint8_t data[40000];
	size_t k;

	(void)state;
	open_resume_card();
	open_play(&p);
	for (k = 0; k < sizeof(data); k++)
		data[k] = (uint8_t)(k * 29u + 5u);
	sb.clock = true;
	sb.clock_step = 1000;
	assert_int_equal(sndfront_trigger(&sf, 0, XENSND_OP_TRIGGER_START), 0);
	assert_int_equal(sndfront_write(&sf, 0, data, 8000, 0), 8000);
	/* a new backend: nothing open, and it asks the card to reconnect */
	sb.connected = false;
	sb_forget();
	sb_state(XenbusStateInitWait);
	/* the card is down: a nonblocking write is told to come back */
	sb.on = false;
	settle();
	assert_false(sndfront_connected(&sf));
	assert_int_equal(sndfront_write(&sf, 0, data, 4, SNDFRONT_NONBLOCK),
			 -XEN_EAGAIN);
	sb.on = true;
	assert_int_equal(sndfront_write(&sf, 0, data, sizeof(data), 0),
			 (int)sizeof(data));
	print_message("resume: link down %u up %u, reopened %u, OPEN %u, "
		      "%zu bytes to the new backend in %u writes\n",
		      linkc.down, linkc.up,
		      sndfront_stream_stats(&sf, 0)->reopened,
		      sb.ops[XENSND_OP_OPEN], sb.nplayed[0], sb.writes[0]);
	assert_int_equal(linkc.down, 1);
	assert_int_equal(linkc.up, 2);
	assert_int_equal(sndfront_stream_stats(&sf, 0)->reopened, 1);
	assert_int_equal(sb.ops[XENSND_OP_OPEN], 2);
	assert_int_equal(sb.open[0].pcm_rate, 48000);
	assert_int_equal(sb.open[0].pcm_channels, 2);
	assert_true(sb.running); /* started again */
	/* the new backend got the whole write, in order, from its start */
	assert_int_equal(sb.nplayed[0], sizeof(data));
	assert_memory_equal(sb.played[0], data, sizeof(data));
	assert_int_equal(sb.bad_off, 0);
	assert_int_equal(sndfront_drain(&sf, 0), 0);
	assert_int_equal(sndfront_position(&sf, 0), sizeof(data));
}

/* A new backend that took the card over without a reconnect answers
 * -EBADF: with resume the stream is opened again as it was (running or
 * paused); without, the caller is told and opens it itself. */
static void resume_ebadf(void **state)
{
	struct sndfront_params p;
	uint8_t d[4000];
	const int32_t vol[2] = {-1500, -2500};
	const uint8_t right[2] = {0, 1};

	(void)state;
	memset(d, 0x33, sizeof(d));
	open_resume_card();
	open_play(&p);
	assert_int_equal(sndfront_trigger(&sf, 0, XENSND_OP_TRIGGER_START), 0);
	assert_int_equal(sndfront_write(&sf, 0, d, sizeof(d), 0),
			 (int)sizeof(d));
	sb_forget();
	assert_int_equal(sndfront_write(&sf, 0, d, sizeof(d), 0),
			 (int)sizeof(d));
	assert_int_equal(sndfront_stream_stats(&sf, 0)->reopened, 1);
	assert_int_equal(sb.trigger, XENSND_OP_TRIGGER_START);
	assert_int_equal(sb.nplayed[0], sizeof(d));
	/* paused, lost, resumed: open, the levels, start, pause, then the
	 * resume */
	assert_int_equal(sndfront_set_volume(&sf, 0, vol), 0);
	assert_int_equal(sndfront_mute(&sf, 0, right), 0);
	assert_int_equal(sndfront_trigger(&sf, 0, XENSND_OP_TRIGGER_PAUSE), 0);
	sb_forget();
	assert_int_equal(sndfront_trigger(&sf, 0, XENSND_OP_TRIGGER_RESUME), 0);
	assert_int_equal(sndfront_stream_stats(&sf, 0)->reopened, 2);
	assert_int_equal(sb.ops[XENSND_OP_OPEN], 3);
	/* START, START again, PAUSE, RESUME (-EBADF), START, PAUSE, RESUME */
	assert_int_equal(sb.ops[XENSND_OP_TRIGGER], 7);
	assert_true(sb.running);
	assert_int_equal(sb.vol[0][0], -1500);
	assert_int_equal(sb.vol[0][1], -2500);
	assert_int_equal(sb.mute[0][0], 0);
	assert_int_equal(sb.mute[0][1], 1);
	print_message("resume: reopened %u times, OPEN %u, TRIGGER %u, "
		      "volume %d/%d and mute %u/%u set again\n",
		      sndfront_stream_stats(&sf, 0)->reopened,
		      sb.ops[XENSND_OP_OPEN], sb.ops[XENSND_OP_TRIGGER],
		      sb.vol[0][0], sb.vol[0][1], sb.mute[0][0], sb.mute[0][1]);
	/* a backend that no longer allows the parameters: closed for good */
	sb_forget();
	sb.mode = SB_STATUS;
	sb.status = -XEN_EINVAL;
	sb.status_op = XENSND_OP_OPEN;
	assert_int_equal(sndfront_write(&sf, 0, d, sizeof(d), 0), -XEN_EBADF);
	assert_int_equal(sndfront_write(&sf, 0, d, sizeof(d), 0), -XEN_EBADF);
	sb.mode = SB_OK;
	assert_int_equal(sndfront_stream_open(&sf, 0, &p), 0);
	assert_int_equal(sndfront_write(&sf, 0, d, 4, 0), 4);
}

/* A new backend without a reconnect while a write waits for room: no
 * position comes, so after the timeout an empty WRITE asks whether the
 * stream is still there; -EBADF: opened again, the write goes on.  A
 * stream the backend still has just times out. */
static void resume_stalled(void **state)
{
	struct sndfront_params p;
	static uint8_t d[16384 + 8000];
	unsigned int w;

	(void)state;
	memset(d, 0x44, sizeof(d));
	open_resume_card();
	open_play(&p);
	sb.clock = true;
	sb.clock_step = 0; /* a device that does not play */
	sndfront_set_timeout(&sf, 0, 200);
	assert_int_equal(sndfront_trigger(&sf, 0, XENSND_OP_TRIGGER_START), 0);
	/* full and not playing, the backend still has it: a timeout */
	assert_int_equal(sndfront_write(&sf, 0, d, 16384, 0), 16384);
	w = sb.writes[0];
	assert_int_equal(sndfront_write(&sf, 0, d, 4, 0), -XEN_ETIMEDOUT);
	assert_int_equal(sb.writes[0], w + 1); /* the empty WRITE */
	assert_int_equal(sndfront_stream_stats(&sf, 0)->reopened, 0);
	/* the backend forgets it */
	sb_forget();
	assert_int_equal(sndfront_write(&sf, 0, d + 16384, 8000, 0), 8000);
	print_message("stalled: reopened %u, OPEN %u, %zu bytes to the new "
		      "backend\n",
		      sndfront_stream_stats(&sf, 0)->reopened,
		      sb.ops[XENSND_OP_OPEN], sb.nplayed[0]);
	assert_int_equal(sndfront_stream_stats(&sf, 0)->reopened, 1);
	assert_int_equal(sb.ops[XENSND_OP_OPEN], 2);
	assert_int_equal(sb.nplayed[0], 8000);
	assert_true(sb.running);
}

/* Without resume a lost stream is the caller's: -EBADF until reopened. */
static void lost_no_resume(void **state)
{
	struct sndfront_params p;
	uint8_t d[64] = {0};

	(void)state;
	open_card();
	open_play(&p);
	sb_forget();
	assert_int_equal(sndfront_write(&sf, 0, d, sizeof(d), 0), -XEN_EBADF);
	print_message("no resume: the write said -EBADF, reopened %u\n",
		      sndfront_stream_stats(&sf, 0)->reopened);
	assert_int_equal(sndfront_stream_stats(&sf, 0)->reopened, 0);
	assert_int_equal(sb.ops[XENSND_OP_OPEN], 1);
	assert_int_equal(sndfront_stream_close(&sf, 0), 0);
	assert_int_equal(sndfront_stream_open(&sf, 0, &p), 0);
	assert_int_equal(sndfront_write(&sf, 0, d, sizeof(d), 0),
			 (int)sizeof(d));
}

static void play_nonblock(void **state)
{
	struct sndfront_params p;
	static uint8_t data[4096];
	int n;

	(void)state;
	open_card();
	open_play(&p);
	memset(data, 0x5a, sizeof(data));
	n = sndfront_write(&sf, 0, data, sizeof(data), SNDFRONT_NONBLOCK);
	assert_int_equal(n, (int)sizeof(data));
	/* the backend has not run yet: the request is still out */
	assert_int_equal(sndfront_write(&sf, 0, data, 4, SNDFRONT_NONBLOCK),
			 -XEN_EAGAIN);
	settle();
	assert_int_equal(sb.writes[0], 1);
	assert_int_equal(sndfront_write(&sf, 0, data, 4, SNDFRONT_NONBLOCK), 4);
	assert_int_equal(sndfront_write(&sf, 0, data, 8, 0), 8);
	assert_int_equal(sb.nplayed[0], sizeof(data) + 12);
	/* a failed nonblocking write is told once, by the next call */
	sb.mode = SB_STATUS;
	sb.status = -XEN_EIO;
	sb.status_op = XENSND_OP_WRITE;
	assert_int_equal(sndfront_write(&sf, 0, data, 4, SNDFRONT_NONBLOCK), 4);
	assert_int_equal(sndfront_trigger(&sf, 0, 0), -XEN_EIO);
	sb.mode = SB_OK;
	assert_int_equal(sndfront_trigger(&sf, 0, 0), 0);
	assert_int_equal(sndfront_write(&sf, 0, data, 4, SNDFRONT_NONBLOCK), 4);
	assert_int_equal(sndfront_trigger(&sf, 0, 1), 0);
	assert_int_equal(sb.trigger, 1);
}

static void capture(void **state)
{
	struct sndfront_params p = {.format = XENSND_PCM_FORMAT_S16_LE,
				    .channels = 2};
	uint8_t got[1024];
	unsigned int k;
	int n;

	(void)state;
	open_card();
	assert_int_equal(sndfront_stream_open(&sf, 1, &p), 0);
	sb.fill = 3;
	assert_int_equal(sndfront_read(&sf, 1, got, sizeof(got), 0),
			 (int)sizeof(got));
	for (k = 0; k < sizeof(got); k++)
		assert_int_equal(got[k], (uint8_t)(3 + k));
	sb.fill = 9;
	assert_int_equal(sndfront_read(&sf, 1, got, 16, SNDFRONT_NONBLOCK),
			 -XEN_EAGAIN);
	assert_int_equal(sndfront_read(&sf, 1, got, 16, SNDFRONT_NONBLOCK),
			 -XEN_EAGAIN);
	settle();
	n = sndfront_read(&sf, 1, got, 16, SNDFRONT_NONBLOCK);
	assert_int_equal(n, 16);
	assert_int_equal(got[0], 9);
	assert_int_equal(sndfront_read(&sf, 0, got, 16, 0), -XEN_EINVAL);
	assert_int_equal(sndfront_read(&sf, 1, got, 3, 0), -XEN_EINVAL);
}

static void volume_mute(void **state)
{
	struct sndfront_params p;
	const int32_t vol[2] = {-1200, 0};
	int32_t got[2] = {0, 0};
	const uint8_t m[2] = {1, 0};

	(void)state;
	open_card();
	assert_int_equal(sndfront_set_volume(&sf, 0, vol), -XEN_EBADF);
	open_play(&p);
	assert_int_equal(sndfront_set_volume(&sf, 0, vol), 0);
	assert_int_equal(sb.vol[0][0], -1200);
	sb.vol[0][1] = 42;
	assert_int_equal(sndfront_get_volume(&sf, 0, got), 0);
	assert_int_equal(got[0], -1200);
	assert_int_equal(got[1], 42);
	assert_int_equal(sndfront_mute(&sf, 0, m), 0);
	assert_int_equal(sb.mute[0][0], 1);
	assert_int_equal(sb.ops[XENSND_OP_MUTE], 1);
	assert_int_equal(sndfront_unmute(&sf, 0, m), 0);
	assert_int_equal(sb.ops[XENSND_OP_UNMUTE], 1);
}

/* Volume and mute go through the part of the buffer playback does not
 * hold: what was written and not yet played stays as it was. */
static void levels_beside_ring(void **state)
{
	struct sndfront_params p;
	static uint8_t data[16384];
	const int32_t vol[2] = {-3000, -6000};
	const uint8_t m[2] = {0, 1};
	int32_t got[2] = {0, 0};
	size_t k;

	(void)state;
	open_card();
	open_play(&p);
	for (k = 0; k < sizeof(data); k++)
		data[k] = (uint8_t)(k * 3u + 1u);
	sb.clock = true; /* nothing plays: the ring fills */
	assert_int_equal(sndfront_write(&sf, 0, data, 1000, 0), 1000);
	assert_int_equal(sndfront_set_volume(&sf, 0, vol), 0);
	print_message("levels: at offset %u with 1000 bytes in the ring\n",
		      sb.level_off);
	assert_int_equal(sb.level_off, 1000);
	assert_int_equal(sb.vol[0][0], -3000);
	assert_int_equal(sb.vol[0][1], -6000);
	assert_int_equal(sndfront_get_volume(&sf, 0, got), 0);
	assert_int_equal(got[1], -6000);
	assert_int_equal(sndfront_mute(&sf, 0, m), 0);
	assert_int_equal(sb.mute[0][1], 1);
	/* the ring's bytes, as the backend sees them, untouched */
	for (k = 0; k < 1000; k++)
		assert_int_equal(sb.buf[0][0][k], data[k]);
	/* a full ring has no room beside it: offset 0 then */
	assert_int_equal(sndfront_write(&sf, 0, data, sizeof(data) - 1000,
					SNDFRONT_NONBLOCK),
			 (int)sizeof(data) - 1000);
	assert_int_equal(sndfront_set_volume(&sf, 0, vol), 0);
	assert_int_equal(sb.level_off, 0);
}

static void status_passed(void **state)
{
	struct sndfront_params p;
	uint8_t d[4] = {0};

	(void)state;
	open_card();
	open_play(&p);
	sb.mode = SB_STATUS;
	sb.status = -XEN_EIO;
	sb.status_op = XENSND_OP_WRITE;
	assert_int_equal(sndfront_write(&sf, 0, d, 4, 0), -XEN_EIO);
	sb.status_op = XENSND_OP_CLOSE;
	sb.status = -XEN_ENOSYS;
	assert_int_equal(sndfront_stream_close(&sf, 0), -XEN_ENOSYS);
	/* a backend without queries gets the parameters as given */
	sb.status_op = XENSND_OP_HW_PARAM_QUERY;
	assert_int_equal(sndfront_stream_open(&sf, 0, &p), 0);
	assert_int_equal(sb.ops[XENSND_OP_OPEN], 2);
	assert_int_equal(sndfront_stream_close(&sf, 0), 0);
	/* ... not more than the pages a stream shares */
	p.buffer_bytes = 200000;
	assert_int_equal(sndfront_stream_open(&sf, 0, &p), -XEN_EINVAL);
	p.buffer_bytes = 0;
	/* ... and nothing to choose from */
	p.format_any = true;
	assert_int_equal(sndfront_stream_open(&sf, 0, &p), -XEN_EINVAL);
}

static void hostile_silent(void **state)
{
	struct sndfront_params p;
	uint8_t d[4] = {0};
	uint64_t t0;

	(void)state;
	open_card();
	open_play(&p);
	sndfront_set_timeout(&sf, 0, 500);
	sb.mode = SB_SILENT;
	t0 = os.now;
	assert_int_equal(sndfront_write(&sf, 0, d, 4, 0), -XEN_ETIMEDOUT);
	assert_true(os.now - t0 >= 500000000u);
	/* still out: the next request waits for it */
	assert_int_equal(sndfront_trigger(&sf, 0, 0), -XEN_EBUSY);
	/* the late answer comes and is dropped; the stream goes on */
	sb.mode = SB_OK;
	assert_true(sb.has_late[0]);
	sb_answer(0, &sb.late[0]);
	settle();
	assert_int_equal(sndfront_trigger(&sf, 0, 0), 0);
}

static void hostile_ids(void **state)
{
	struct sndfront_params p;

	(void)state;
	open_card();
	open_play(&p);
	sndfront_set_timeout(&sf, 0, 200);
	sb.mode = SB_WRONG_ID;
	assert_int_equal(sndfront_trigger(&sf, 0, 0), -XEN_ETIMEDOUT);
	assert_int_equal(sndfront_stream_stats(&sf, 0)->stray_rsp, 1);
	sb.mode = SB_WRONG_OP;
	/* the one timed out is still out */
	assert_int_equal(sndfront_trigger(&sf, 0, 0), -XEN_EBUSY);
	/* never answered: the stream stays busy, the card lives on */
	sb.mode = SB_OK;
	assert_int_equal(sndfront_trigger(&sf, 0, 0), -XEN_EBUSY);
	assert_true(sndfront_connected(&sf));
}

static void hostile_wrong_op(void **state)
{
	struct sndfront_params p;

	(void)state;
	open_card();
	open_play(&p);
	sb.mode = SB_WRONG_OP;
	assert_int_equal(sndfront_trigger(&sf, 0, 0), -XEN_EBADMSG);
	sb.mode = SB_OK;
	assert_int_equal(sndfront_trigger(&sf, 0, 0), 0);
}

static void hostile_query(void **state)
{
	struct sndfront_params p = {.format_any = true};

	(void)state;
	open_card();
	sb.mode = SB_WIDE;
	assert_int_equal(sndfront_stream_open(&sf, 0, &p), -XEN_EBADMSG);
	assert_int_equal(sb.ops[XENSND_OP_OPEN], 0);
}

static void hostile_ring_index(void **state)
{
	struct sndfront_params p;

	(void)state;
	open_card();
	open_play(&p);
	sb.mode = SB_RING_JUMP;
	assert_int_equal(sndfront_trigger(&sf, 0, 0), -XEN_EIO);
	assert_int_equal(pvfront_dev_error(&sf.dev), -XEN_EIO);
	sb.mode = SB_OK;
	assert_int_equal(sndfront_trigger(&sf, 0, 0), -XEN_EIO);
}

static void hostile_events(void **state)
{
	struct sndfront_params p;
	uint8_t d[4] = {0};

	(void)state;
	open_card();
	open_play(&p);
	sb.send_bad_evt = true;
	assert_int_equal(sndfront_write(&sf, 0, d, 4, 0), 4);
	settle();
	assert_int_equal(sndfront_stream_stats(&sf, 0)->bad_evt, 1);
	assert_int_equal(posc.n, 0);
	sb.ep[0]->in_prod += 500;
	fos_fire(&os, sb.evt_port[0]);
	settle();
	assert_int_equal(pvfront_dev_error(&sf.dev), -XEN_EIO);
	assert_int_equal(sndfront_write(&sf, 0, d, 4, 0), -XEN_EIO);
}

static void no_backend(void **state)
{
	(void)state;
	sb.on = false;
	card("c");
	assert_int_equal(sndfront_open(&sf, &os.pf, 0, NULL, 1000),
			 -XEN_ETIMEDOUT);
	assert_false(sndfront_connected(&sf));
	assert_int_equal(sndfront_trigger(&sf, 0, 0), -XEN_EBADF);
	sb.on = true;
	while (!sndfront_connected(&sf))
		assert_true(pvfront_poll(&os.pf, 100) >= 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, sn_setup, sn_teardown)

/* clang-format off */
static const struct CMUnitTest tests[] = {
    T(streams),
    T(bad_store),
    T(negotiate),
    T(play),
    T(play_ring),
    T(drain),
    T(resume_reconnect),
    T(resume_ebadf),
    T(resume_stalled),
    T(lost_no_resume),
    T(play_nonblock),
    T(capture),
    T(volume_mute),
    T(levels_beside_ring),
    T(status_passed),
    T(hostile_silent),
    T(hostile_ids),
    T(hostile_wrong_op),
    T(hostile_query),
    T(hostile_ring_index),
    T(hostile_events),
    T(no_backend),
};
/* clang-format on */

PV_UNIT_MAIN("sndfront", tests)
