/*
 * The guest's vsnd card on libpvfront (pvkit/sndfront.h): per stream a
 * request ring and an event page, published with the handshake; one
 * request at a time per stream, answered within a timeout; position
 * events from the event page's port; playback through the shared buffer
 * as a ring, at most a buffer ahead of the position.  Freestanding.
 */
#include "pvkit/sndfront.h"
#include "pvkit/proto/errno.h"
#include "pvkit/ring.h"
#include "sndfront_impl.h"

#define DEFAULT_TIMEOUT_MS 3000
#define DEFAULT_BUFFER	   16384u

struct sndfront_stream *sndfront_stream_at(struct sndfront *sf, unsigned int i)
{
	return sf && i < sf->n ? &sf->s[i] : NULL;
}

/* Why a stream is not open: the card failed, or it never was. */
int sndfront_not_open(const struct sndfront_stream *s)
{
	int err = pvfront_dev_error(&s->sf->dev);

	return err ? err : -XEN_EBADF;
}

/* ---- responses and events --------------------------------------------------
 */

/* The backend no longer has this open stream (it restarted, and either
 * the card reconnected or a new backend took the card over and answers
 * -EBADF): with resume, the next call opens it again. */
static void lost(struct sndfront_stream *s)
{
	if (!s->sf->cfg.resume || !s->opened || s->op == XENSND_OP_OPEN ||
	    s->op == XENSND_OP_CLOSE)
		return;
	s->lost = true;
	s->opened = false;
}

void sndfront_take_responses(struct sndfront_stream *s)
{
	struct sndfront *sf = s->sf;
	struct xensnd_resp r;
	int rc;

	for (;;) {
		rc = pv_front_ring_get_response(&s->fr, &r, sizeof(r));
		if (rc == -XEN_EAGAIN) {
			if (pv_front_ring_final_check_for_responses(&s->fr) > 0)
				continue;
			return;
		}
		if (rc < 0) {
			pvfront_dev_fail(
			    &sf->dev, -XEN_EIO,
			    "vsnd response ring index out of range");
			return;
		}
		if (!s->busy || s->done || r.id != s->id) {
			s->stats.stray_rsp++;
			continue;
		}
		s->rsp = r;
		s->done = true;
		if (r.operation != s->op)
			s->status = -XEN_EBADMSG;
		else
			s->status = r.status > 0 ? -XEN_EBADMSG : r.status;
		if (s->status == -XEN_EBADF)
			lost(s);
	}
}

static void on_ring(struct pvfront *pf, struct pvfront_port *p, void *arg)
{
	(void)pf;
	(void)p;
	sndfront_take_responses(arg);
}

static void on_evt(struct pvfront *pf, struct pvfront_port *p, void *arg)
{
	struct sndfront_stream *s = arg;
	struct sndfront *sf = s->sf;
	struct xensnd_event_page *pg = pvfront_pages_addr(&s->evt);
	uint32_t prod, cons;

	(void)pf;
	(void)p;
	if (!sf->up)
		return;
	prod = __atomic_load_n(&pg->in_prod, __ATOMIC_ACQUIRE);
	cons = __atomic_load_n(&pg->in_cons, __ATOMIC_RELAXED);
	if (prod - cons > XENSND_IN_RING_LEN) {
		pvfront_dev_fail(&sf->dev, -XEN_EIO,
				 "vsnd event page index out of range");
		return;
	}
	for (; cons != prod; cons++) {
		struct xensnd_evt ev;

		__builtin_memcpy(&ev, &XENSND_IN_RING_REF(pg, cons),
				 sizeof(ev));
		if (ev.type != XENSND_EVT_CUR_POS) {
			s->stats.bad_evt++;
			continue;
		}
		s->stats.pos_evt++;
		s->pos = ev.op.cur_pos.position;
		if (sf->cfg.on_pos)
			sf->cfg.on_pos(sf, s->index, s->pos, sf->cfg.arg);
	}
	__atomic_store_n(&pg->in_cons, cons, __ATOMIC_RELEASE);
}

/* ---- the handshake ---------------------------------------------------------
 */

static int publish(struct pvfront_dev *dev, uint32_t tx, void *arg)
{
	struct sndfront *sf = arg;
	unsigned int i;
	int rc = pvfront_dev_write_uint(dev, tx, XENSND_FIELD_FE_VERSION,
					XENSND_PROTOCOL_VERSION);

	for (i = 0; !rc && i < sf->n; i++) {
		struct sndfront_stream *s = &sf->s[i];
		struct xensnd_event_page *ep = pvfront_pages_addr(&s->evt);
		char k[64];

		/* a fresh start: the backend has no mapping now */
		pv_sring_init(pvfront_pages_addr(&s->ring));
		rc = pv_front_ring_init(&s->fr, pvfront_pages_addr(&s->ring),
					PVFRONT_PAGE_SIZE,
					sizeof(struct xensnd_req));
		ep->in_cons = ep->in_prod = 0;
		if (s->opened && sf->cfg.resume)
			s->lost = true;
		s->busy = s->done = s->opened = false;
		sndfront_stream_key(k, sizeof(k), &s->info,
				    XENSND_FIELD_RING_REF);
		if (!rc)
			rc = pvfront_dev_write_uint(
			    dev, tx, k, pvfront_pages_ref(&s->ring, 0));
		sndfront_stream_key(k, sizeof(k), &s->info,
				    XENSND_FIELD_EVT_CHNL);
		if (!rc)
			rc = pvfront_dev_write_uint(
			    dev, tx, k, pvfront_port_number(&s->ring_port));
		sndfront_stream_key(k, sizeof(k), &s->info,
				    XENSND_FIELD_EVT_RING_REF);
		if (!rc)
			rc = pvfront_dev_write_uint(
			    dev, tx, k, pvfront_pages_ref(&s->evt, 0));
		sndfront_stream_key(k, sizeof(k), &s->info,
				    XENSND_FIELD_EVT_EVT_CHNL);
		if (!rc)
			rc = pvfront_dev_write_uint(
			    dev, tx, k, pvfront_port_number(&s->evt_port));
	}
	return rc;
}

static int connect(struct pvfront_dev *dev, void *arg)
{
	struct sndfront *sf = arg;

	(void)dev;
	sf->up = true;
	if (sf->cfg.on_link)
		sf->cfg.on_link(sf, true, 0, sf->cfg.arg);
	return 0;
}

static void disconnect(struct pvfront_dev *dev, int reason, void *arg)
{
	struct sndfront *sf = arg;
	unsigned int i;

	(void)dev;
	sf->up = false;
	for (i = 0; i < sf->n; i++) {
		if (sf->s[i].opened && sf->cfg.resume)
			sf->s[i].lost = true;
		sf->s[i].opened = false;
	}
	if (sf->cfg.on_link)
		sf->cfg.on_link(sf, false, reason, sf->cfg.arg);
}

static const struct pvfront_dev_ops snd_ops = {
    .publish = publish,
    .connect = connect,
    .disconnect = disconnect,
};

int sndfront_open(struct sndfront *sf, struct pvfront *pf, uint32_t devid,
		  const struct sndfront_config *cfg, int timeout_ms)
{
	unsigned int i;
	int rc;

	if (!sf || !pf)
		return -XEN_EINVAL;
	__builtin_memset(sf, 0, sizeof(*sf));
	if (cfg)
		sf->cfg = *cfg;
	rc = pvfront_dev_open(&sf->dev, pf, XENSND_DRIVER_NAME, devid, &snd_ops,
			      sf);
	if (rc)
		return rc;
	rc = sndfront_walk(sf);
	for (i = 0; !rc && i < sf->n; i++) {
		struct sndfront_stream *s = &sf->s[i];

		s->sf = sf;
		s->index = i;
		s->timeout_ms = DEFAULT_TIMEOUT_MS;
		rc = pvfront_dev_alloc_pages(&sf->dev, &s->ring, 1, NULL, 0);
		if (!rc)
			rc = pvfront_dev_alloc_pages(&sf->dev, &s->evt, 1, NULL,
						     0);
		if (!rc)
			rc = pvfront_dev_alloc_port(&sf->dev, &s->ring_port,
						    on_ring, s);
		if (!rc)
			rc = pvfront_dev_alloc_port(&sf->dev, &s->evt_port,
						    on_evt, s);
	}
	if (!rc)
		rc = pvfront_dev_connect(&sf->dev, timeout_ms);
	if (rc && rc != -XEN_ETIMEDOUT && rc != -XEN_EAGAIN)
		pvfront_dev_close(&sf->dev, 0);
	return rc;
}

static int free_buffers(struct sndfront *sf, struct pvfront *pf)
{
	unsigned int i;
	int rc = 0;

	for (i = 0; i < sf->n; i++) {
		struct sndfront_stream *s = &sf->s[i];

		if (s->have_pd) {
			int r = pvfront_pgdir_free(pf, &s->pd);

			if (r)
				rc = r;
			else
				s->have_pd = false;
		}
	}
	return rc;
}

int sndfront_close(struct sndfront *sf, int timeout_ms)
{
	struct pvfront *pf;
	int rc;

	if (!sf)
		return -XEN_EINVAL;
	pf = pvfront_dev_front(&sf->dev);
	if (!pf)
		return 0; /* never opened, or closed */
	/* Buffers first; one the backend still maps goes after the close. */
	(void)free_buffers(sf, pf);
	rc = pvfront_dev_close(&sf->dev, timeout_ms);
	if (rc)
		return rc;
	return free_buffers(sf, pf);
}

bool sndfront_connected(const struct sndfront *sf)
{
	return sf && sf->up;
}

unsigned int sndfront_streams(const struct sndfront *sf)
{
	return sf ? sf->n : 0;
}

const struct sndfront_stream_info *
sndfront_stream_info(const struct sndfront *sf, unsigned int i)
{
	return sf && i < sf->n ? &sf->s[i].info : NULL;
}

int sndfront_find(const struct sndfront *sf, const char *id)
{
	unsigned int i, k;

	for (i = 0; sf && id && i < sf->n; i++) {
		const char *u = sf->s[i].info.unique_id;

		for (k = 0; u[k] && u[k] == id[k]; k++)
			;
		if (u[k] == id[k])
			return (int)i;
	}
	return -XEN_ENOENT;
}

void sndfront_set_timeout(struct sndfront *sf, unsigned int i, int ms)
{
	struct sndfront_stream *s = sndfront_stream_at(sf, i);

	if (s)
		s->timeout_ms = ms;
}

uint64_t sndfront_position(const struct sndfront *sf, unsigned int i)
{
	return sf && i < sf->n ? sf->s[i].pos : 0;
}

const struct sndfront_stats *sndfront_stream_stats(const struct sndfront *sf,
						   unsigned int i)
{
	return sf && i < sf->n ? &sf->s[i].stats : NULL;
}

/* ---- requests -------------------------------------------------------------
 */

/* Wait for the outstanding request's answer: its status, or
 * -XEN_ETIMEDOUT (it stays outstanding). */
int sndfront_wait_done(struct sndfront_stream *s)
{
	struct sndfront *sf = s->sf;
	struct pvfront *pf = pvfront_dev_front(&sf->dev);
	const struct pvfront_os_ops *ops = pf->ops;
	uint64_t end =
	    ops->now_ns(pf->arg) + (uint64_t)s->timeout_ms * 1000000u;

	for (;;) {
		uint64_t now;
		int rc;

		sndfront_take_responses(s);
		if (s->done) {
			s->busy = false;
			return s->status;
		}
		if (pvfront_dev_error(&sf->dev))
			return pvfront_dev_error(&sf->dev);
		if (!sf->up)
			return -XEN_ENOTCONN;
		now = ops->now_ns(pf->arg);
		if (s->timeout_ms >= 0 && now >= end)
			return -XEN_ETIMEDOUT;
		rc = pvfront_poll(
		    pf, s->timeout_ms < 0
			    ? -1
			    : (int)((end - now + 999999u) / 1000000u));
		if (rc < 0)
			return rc;
	}
}

/* Whether a request may go now: the card is up and the last request was
 * answered.  wait: wait for a nonblocking write still out (its failure is
 * returned here, once).  One that timed out keeps the stream busy until
 * its late answer comes. */
int sndfront_ready(struct sndfront_stream *s, bool wait)
{
	struct sndfront *sf = s->sf;
	int rc;

	if (pvfront_dev_error(&sf->dev))
		return pvfront_dev_error(&sf->dev);
	if (!sf->up)
		return -XEN_ENOTCONN;
	if (s->busy && !s->done)
		sndfront_take_responses(s);
	if (s->busy && !s->done) {
		if (!s->async || !wait)
			return -XEN_EBUSY;
		rc = sndfront_wait_done(s);
		if (!s->done)
			return rc;
	}
	rc = s->async && s->done ? s->status : 0;
	s->async = false;
	s->busy = false;
	return rc;
}

int sndfront_send(struct sndfront_stream *s, const struct xensnd_req *rq)
{
	struct xensnd_req *slot = pv_front_ring_next_request(&s->fr);

	if (!slot)
		return -XEN_EBUSY; /* answers not taken: a stuck backend */
	*slot = *rq;
	s->id = rq->id;
	s->op = rq->operation;
	s->busy = true;
	s->async = false;
	s->done = false;
	s->status = 0;
	if (pv_front_ring_push_requests(&s->fr))
		pvfront_port_notify(pvfront_dev_front(&s->sf->dev),
				    &s->ring_port);
	return 0;
}

void sndfront_req_init(struct sndfront_stream *s, struct xensnd_req *rq,
		       uint8_t op)
{
	__builtin_memset(rq, 0, sizeof(*rq));
	rq->id = s->next_id++;
	rq->operation = op;
}

int sndfront_call(struct sndfront_stream *s, struct xensnd_req *rq)
{
	int rc = sndfront_ready(s, true);

	if (!rc)
		rc = sndfront_send(s, rq);
	return rc ? rc : sndfront_wait_done(s);
}

static bool in_range(uint32_t v, uint32_t lo, uint32_t hi)
{
	return lo <= v && v <= hi;
}

int sndfront_query(struct sndfront *sf, unsigned int i,
		   struct xensnd_query_hw_param *q)
{
	struct sndfront_stream *s = sndfront_stream_at(sf, i);
	struct xensnd_req rq;
	struct xensnd_query_hw_param a;
	int rc;

	if (!s || !q)
		return -XEN_EINVAL;
	sndfront_req_init(s, &rq, XENSND_OP_HW_PARAM_QUERY);
	rq.op.hw_param = *q;
	rc = sndfront_call(s, &rq);
	if (rc)
		return rc;
	a = s->rsp.resp.hw_param;
	/* The answer may only narrow what was asked. */
	if (!a.formats || (a.formats & ~q->formats) ||
	    a.rates.min > a.rates.max || a.channels.min > a.channels.max ||
	    a.buffer.min > a.buffer.max || a.period.min > a.period.max ||
	    !in_range(a.rates.min, q->rates.min, q->rates.max) ||
	    !in_range(a.rates.max, q->rates.min, q->rates.max) ||
	    !in_range(a.channels.min, q->channels.min, q->channels.max) ||
	    !in_range(a.channels.max, q->channels.min, q->channels.max))
		return -XEN_EBADMSG;
	*q = a;
	return 0;
}

static uint32_t clamp(uint32_t v, uint32_t lo, uint32_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* The query's starting point: what the store allows and the caller asks. */
static int ask(const struct sndfront_stream *s, const struct sndfront_params *p,
	       struct xensnd_query_hw_param *q)
{
	const struct sndfront_stream_info *in = &s->info;
	unsigned int k;

	__builtin_memset(q, 0, sizeof(*q));
	q->formats = in->formats ? in->formats : ~(uint64_t)0 >> 39;
	if (!p->format_any) {
		uint64_t bit = (uint64_t)1 << (p->format & 63u);

		if (p->format > XENSND_PCM_FORMAT_GSM || !(q->formats & bit))
			return -XEN_EINVAL;
		q->formats = bit;
	}
	q->rates.min = 1;
	q->rates.max = 0xffffffffu;
	if (in->nrates) {
		q->rates.min = q->rates.max = in->rates[0];
		for (k = 1; k < in->nrates; k++) {
			if (in->rates[k] < q->rates.min)
				q->rates.min = in->rates[k];
			if (in->rates[k] > q->rates.max)
				q->rates.max = in->rates[k];
		}
	}
	if (p->rate) {
		if (!in_range(p->rate, q->rates.min, q->rates.max))
			return -XEN_EINVAL;
		q->rates.min = q->rates.max = p->rate;
	}
	q->channels.min = in->channels_min ? in->channels_min : 1;
	q->channels.max = in->channels_max ? in->channels_max : 255;
	if (p->channels) {
		if (!in_range(p->channels, q->channels.min, q->channels.max))
			return -XEN_EINVAL;
		q->channels.min = q->channels.max = p->channels;
	}
	q->buffer.min = 1;
	q->buffer.max = SNDFRONT_BUF_PAGES_MAX * PVFRONT_PAGE_SIZE;
	q->period.min = 1;
	q->period.max = q->buffer.max;
	return 0;
}

static unsigned int lowest_bit(uint64_t m)
{
	unsigned int b = 0;

	while (b < 63 && !(m & ((uint64_t)1 << b)))
		b++;
	return b;
}

int sndfront_stream_open(struct sndfront *sf, unsigned int i,
			 struct sndfront_params *p)
{
	struct sndfront_stream *s = sndfront_stream_at(sf, i);
	struct pvfront *pf;
	struct xensnd_query_hw_param q;
	struct sndfront_params agreed;
	struct xensnd_req rq;
	uint32_t frame, buf, npages;
	bool queried;
	int rc;

	if (!s || !p)
		return -XEN_EINVAL;
	if (s->opened)
		return -XEN_EBUSY;
	pf = pvfront_dev_front(&sf->dev);
	rc = ask(s, p, &q);
	if (rc)
		return rc;
	agreed = *p;
	rc = sndfront_query(sf, i, &q);
	if (rc && rc != -XEN_ENOSYS)
		return rc;
	queried = rc == 0;
	if (!rc) {
		agreed.format =
		    p->format_any || !(q.formats & ((uint64_t)1 << p->format))
			? (uint8_t)lowest_bit(q.formats)
			: p->format;
		agreed.rate = clamp(p->rate ? p->rate : q.rates.max,
				    q.rates.min, q.rates.max);
		agreed.channels =
		    (uint8_t)clamp(p->channels ? p->channels : q.channels.min,
				   q.channels.min, q.channels.max);
	} else if (p->format_any || !p->rate || !p->channels) {
		return -XEN_EINVAL; /* nothing to negotiate with */
	}
	frame = sndfront_frame_bytes(agreed.format, agreed.channels);
	if (!frame)
		return -XEN_EINVAL;
	buf = p->buffer_bytes ? p->buffer_bytes : DEFAULT_BUFFER;
	if (s->info.buffer_size && buf > s->info.buffer_size)
		buf = s->info.buffer_size;
	if (queried)
		buf = clamp(buf, q.buffer.min, q.buffer.max);
	buf -= buf % frame;
	if (queried && buf < q.buffer.min)
		buf += frame; /* whole frames first: the backend may refuse */
	if (!buf)
		return -XEN_EINVAL;
	npages = (buf + PVFRONT_PAGE_SIZE - 1u) / PVFRONT_PAGE_SIZE;
	if (npages > SNDFRONT_BUF_PAGES_MAX)
		return -XEN_EINVAL;
	agreed.buffer_bytes = buf;
	agreed.period_bytes = p->period_bytes ? p->period_bytes : buf / 4u;
	if (queried)
		agreed.period_bytes =
		    clamp(agreed.period_bytes, q.period.min, q.period.max);
	agreed.period_bytes -= agreed.period_bytes % frame;
	if (!agreed.period_bytes || agreed.period_bytes > buf)
		agreed.period_bytes = frame;
	agreed.format_any = false;
	if (s->have_pd) {
		rc = pvfront_pgdir_free(pf, &s->pd);
		if (rc)
			return rc;
		s->have_pd = false;
	}
	rc = pvfront_pgdir_alloc(pf, &s->pd, pvfront_dev_backend_id(&sf->dev),
				 npages, s->refs, s->dir_refs, 0);
	if (rc)
		return rc;
	s->have_pd = true;
	sndfront_req_init(s, &rq, XENSND_OP_OPEN);
	rq.op.open.pcm_rate = agreed.rate;
	rq.op.open.pcm_format = agreed.format;
	rq.op.open.pcm_channels = agreed.channels;
	rq.op.open.buffer_sz = buf;
	rq.op.open.period_sz = agreed.period_bytes;
	rq.op.open.gref_directory = pvfront_pgdir_ref(&s->pd);
	rc = sndfront_call(s, &rq);
	if (rc)
		return rc;
	s->params = agreed;
	s->buf_bytes = buf;
	s->frame = frame;
	s->wpos = 0;
	s->written = 0;
	s->rd_len = 0;
	s->pos = 0;
	s->state = SNDFRONT_STOPPED;
	s->lost = false;
	s->vol_set = false;
	__builtin_memset(s->muted, 0, sizeof(s->muted));
	s->opened = true;
	*p = agreed;
	return 0;
}

int sndfront_stream_close(struct sndfront *sf, unsigned int i)
{
	struct sndfront_stream *s = sndfront_stream_at(sf, i);
	struct xensnd_req rq;
	int rc = 0;

	if (!s)
		return -XEN_EINVAL;
	s->lost = false;
	if (s->opened) {
		sndfront_req_init(s, &rq, XENSND_OP_CLOSE);
		rc = sndfront_call(s, &rq);
		s->opened = false;
	}
	if (s->have_pd) {
		int r = pvfront_pgdir_free(pvfront_dev_front(&sf->dev), &s->pd);

		if (r)
			return r;
		s->have_pd = false;
	}
	return rc;
}
