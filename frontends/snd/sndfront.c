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

static struct sndfront_stream *stream(struct sndfront *sf, unsigned int i)
{
	return sf && i < sf->n ? &sf->s[i] : NULL;
}

/* Why a stream is not open: the card failed, or it never was. */
static int not_open(const struct sndfront_stream *s)
{
	int err = pvfront_dev_error(&s->sf->dev);

	return err ? err : -XEN_EBADF;
}

/* ---- responses and events --------------------------------------------------
 */

static void take_responses(struct sndfront_stream *s)
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
	}
}

static void on_ring(struct pvfront *pf, struct pvfront_port *p, void *arg)
{
	(void)pf;
	(void)p;
	take_responses(arg);
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
	for (i = 0; i < sf->n; i++)
		sf->s[i].opened = false;
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
	struct sndfront_stream *s = stream(sf, i);

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
static int wait_done(struct sndfront_stream *s)
{
	struct sndfront *sf = s->sf;
	struct pvfront *pf = pvfront_dev_front(&sf->dev);
	const struct pvfront_os_ops *ops = pf->ops;
	uint64_t end =
	    ops->now_ns(pf->arg) + (uint64_t)s->timeout_ms * 1000000u;

	for (;;) {
		uint64_t now;
		int rc;

		take_responses(s);
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
static int ready(struct sndfront_stream *s, bool wait)
{
	struct sndfront *sf = s->sf;
	int rc;

	if (pvfront_dev_error(&sf->dev))
		return pvfront_dev_error(&sf->dev);
	if (!sf->up)
		return -XEN_ENOTCONN;
	if (s->busy && !s->done)
		take_responses(s);
	if (s->busy && !s->done) {
		if (!s->async || !wait)
			return -XEN_EBUSY;
		rc = wait_done(s);
		if (!s->done)
			return rc;
	}
	rc = s->async && s->done ? s->status : 0;
	s->async = false;
	s->busy = false;
	return rc;
}

static int send(struct sndfront_stream *s, const struct xensnd_req *rq)
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

static void req_init(struct sndfront_stream *s, struct xensnd_req *rq,
		     uint8_t op)
{
	__builtin_memset(rq, 0, sizeof(*rq));
	rq->id = s->next_id++;
	rq->operation = op;
}

static int call(struct sndfront_stream *s, struct xensnd_req *rq)
{
	int rc = ready(s, true);

	if (!rc)
		rc = send(s, rq);
	return rc ? rc : wait_done(s);
}

static bool in_range(uint32_t v, uint32_t lo, uint32_t hi)
{
	return lo <= v && v <= hi;
}

int sndfront_query(struct sndfront *sf, unsigned int i,
		   struct xensnd_query_hw_param *q)
{
	struct sndfront_stream *s = stream(sf, i);
	struct xensnd_req rq;
	struct xensnd_query_hw_param a;
	int rc;

	if (!s || !q)
		return -XEN_EINVAL;
	req_init(s, &rq, XENSND_OP_HW_PARAM_QUERY);
	rq.op.hw_param = *q;
	rc = call(s, &rq);
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
	struct sndfront_stream *s = stream(sf, i);
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
	req_init(s, &rq, XENSND_OP_OPEN);
	rq.op.open.pcm_rate = agreed.rate;
	rq.op.open.pcm_format = agreed.format;
	rq.op.open.pcm_channels = agreed.channels;
	rq.op.open.buffer_sz = buf;
	rq.op.open.period_sz = agreed.period_bytes;
	rq.op.open.gref_directory = pvfront_pgdir_ref(&s->pd);
	rc = call(s, &rq);
	if (rc)
		return rc;
	s->params = agreed;
	s->buf_bytes = buf;
	s->frame = frame;
	s->wpos = 0;
	s->written = 0;
	s->rd_len = 0;
	s->pos = 0;
	s->opened = true;
	*p = agreed;
	return 0;
}

int sndfront_stream_close(struct sndfront *sf, unsigned int i)
{
	struct sndfront_stream *s = stream(sf, i);
	struct xensnd_req rq;
	int rc = 0;

	if (!s)
		return -XEN_EINVAL;
	if (s->opened) {
		req_init(s, &rq, XENSND_OP_CLOSE);
		rc = call(s, &rq);
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

static uint8_t *buffer(struct sndfront_stream *s)
{
	return pvfront_pages_addr(&s->pd.buf);
}

/* Bytes of the buffer free for playback: what the backend has not yet
 * played (written minus its position) still occupies its part of the
 * ring.  A position past what was written (a backend's mistake) frees the
 * whole buffer, never more. */
static uint32_t room(const struct sndfront_stream *s)
{
	uint64_t ahead = s->written > s->pos ? s->written - s->pos : 0;

	return ahead >= s->buf_bytes ? 0 : s->buf_bytes - (uint32_t)ahead;
}

static bool has_room(const struct sndfront_stream *s)
{
	return room(s) != 0;
}

/* Less than a period not yet played: the backend's last position event
 * for what was written has come (it tells one a period). */
static bool nearly_played(const struct sndfront_stream *s)
{
	return s->written <= s->pos ||
	       s->written - s->pos < s->params.period_bytes;
}

/* Wait for position events until cond holds.  -XEN_ETIMEDOUT when the
 * position did not move for the stream's timeout (a stream not started
 * or paused, a backend that does not play). */
static int wait_pos(struct sndfront_stream *s,
		    bool (*cond)(const struct sndfront_stream *s))
{
	struct sndfront *sf = s->sf;
	struct pvfront *pf = pvfront_dev_front(&sf->dev);
	const struct pvfront_os_ops *ops = pf->ops;
	uint64_t tmo = (uint64_t)s->timeout_ms * 1000000u;
	uint64_t end = ops->now_ns(pf->arg) + tmo, last = s->pos;

	for (;;) {
		uint64_t now;
		int rc;

		if (cond(s))
			return 0;
		if (pvfront_dev_error(&sf->dev))
			return pvfront_dev_error(&sf->dev);
		if (!sf->up || !s->opened)
			return -XEN_ENOTCONN;
		now = ops->now_ns(pf->arg);
		if (s->pos != last) {
			last = s->pos;
			end = now + tmo;
		}
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

/* One WRITE of up to len bytes at the ring's running offset: as many as
 * there is room for, up to the buffer's end (the next goes on from 0).
 * Returns the bytes sent, 0 when there is no room, or -errno. */
static int write_some(struct sndfront_stream *s, const uint8_t *src, size_t len,
		      bool async)
{
	struct xensnd_req rq;
	uint32_t n = room(s);
	int rc;

	if (n > s->buf_bytes - s->wpos)
		n = s->buf_bytes - s->wpos;
	if (n > len)
		n = (uint32_t)len;
	if (!n)
		return 0;
	__builtin_memcpy(buffer(s) + s->wpos, src, n);
	req_init(s, &rq, XENSND_OP_WRITE);
	rq.op.rw.offset = s->wpos;
	rq.op.rw.length = n;
	rc = send(s, &rq);
	if (rc)
		return rc;
	/* counted as sent: the backend may play it even when its answer is
	 * late or says otherwise */
	s->written += n;
	s->wpos = (s->wpos + n) % s->buf_bytes;
	if (async) {
		s->async = true;
		return (int)n;
	}
	rc = wait_done(s);
	return rc ? rc : (int)n;
}

int sndfront_write(struct sndfront *sf, unsigned int i, const void *data,
		   size_t len, unsigned int flags)
{
	struct sndfront_stream *s = stream(sf, i);
	const uint8_t *src = data;
	size_t done = 0;
	int rc;

	if (!s || (!data && len) || s->info.capture)
		return -XEN_EINVAL;
	if (!s->opened)
		return not_open(s);
	if (len % s->frame)
		return -XEN_EINVAL;
	if (len > 0x7fffffffu)
		len = 0x7fffffffu - 0x7fffffffu % s->frame;
	while (done < len) {
		bool nb = flags & SNDFRONT_NONBLOCK;

		rc = ready(s, !nb);
		if (!rc && !room(s))
			rc = nb ? -XEN_EAGAIN : wait_pos(s, has_room);
		if (rc == -XEN_EBUSY && nb)
			rc = -XEN_EAGAIN;
		if (!rc)
			rc = write_some(s, src + done, len - done, nb);
		if (rc < 0)
			return done ? (int)done : rc;
		done += (size_t)rc;
		if (nb)
			break;
	}
	return (int)done;
}

int sndfront_drain(struct sndfront *sf, unsigned int i)
{
	struct sndfront_stream *s = stream(sf, i);
	struct pvfront *pf;
	uint64_t left, bps, end;
	int rc;

	if (!s || s->info.capture)
		return -XEN_EINVAL;
	if (!s->opened)
		return not_open(s);
	rc = ready(s, true);
	if (!rc)
		rc = wait_pos(s, nearly_played);
	if (rc)
		return rc;
	/* the rest of the last period: its time at the stream's rate */
	pf = pvfront_dev_front(&sf->dev);
	left = s->written > s->pos ? s->written - s->pos : 0;
	bps = (uint64_t)s->params.rate * s->frame;
	end = pf->ops->now_ns(pf->arg) + left * 1000000000u / bps;
	while (pf->ops->now_ns(pf->arg) < end) {
		uint64_t ms =
		    (end - pf->ops->now_ns(pf->arg) + 999999u) / 1000000u;

		rc = pvfront_poll(pf, (int)ms);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int sndfront_read(struct sndfront *sf, unsigned int i, void *data, size_t len,
		  unsigned int flags)
{
	struct sndfront_stream *s = stream(sf, i);
	struct xensnd_req rq;
	uint32_t n;
	int rc;

	if (!s || !data || !s->info.capture)
		return -XEN_EINVAL;
	if (!s->opened)
		return not_open(s);
	if (len % s->frame)
		return -XEN_EINVAL;
	if (s->busy && s->op == XENSND_OP_READ) {
		/* a nonblocking read under way */
		take_responses(s);
		if (!s->done && !(flags & SNDFRONT_NONBLOCK))
			rc = wait_done(s);
		else if (!s->done)
			return -XEN_EAGAIN;
		else
			rc = s->status;
		s->busy = false;
		if (rc)
			return rc;
		n = s->rd_len < len ? s->rd_len : (uint32_t)len;
		__builtin_memcpy(data, buffer(s), n);
		s->rd_len = 0;
		return (int)n;
	}
	rc = ready(s, !(flags & SNDFRONT_NONBLOCK));
	if (rc == -XEN_EBUSY && (flags & SNDFRONT_NONBLOCK))
		rc = -XEN_EAGAIN;
	if (rc)
		return rc;
	n = len < s->buf_bytes ? (uint32_t)len : s->buf_bytes;
	if (!n)
		return 0;
	req_init(s, &rq, XENSND_OP_READ);
	rq.op.rw.offset = 0;
	rq.op.rw.length = n;
	rc = send(s, &rq);
	if (rc)
		return rc;
	s->rd_len = n;
	if (flags & SNDFRONT_NONBLOCK)
		return -XEN_EAGAIN;
	rc = wait_done(s);
	if (rc)
		return rc;
	__builtin_memcpy(data, buffer(s), n);
	s->rd_len = 0;
	return (int)n;
}

int sndfront_trigger(struct sndfront *sf, unsigned int i, unsigned int type)
{
	struct sndfront_stream *s = stream(sf, i);
	struct xensnd_req rq;
	int rc;

	if (!s || type > XENSND_OP_TRIGGER_RESUME)
		return -XEN_EINVAL;
	if (!s->opened)
		return not_open(s);
	req_init(s, &rq, XENSND_OP_TRIGGER);
	rq.op.trigger.type = (uint8_t)type;
	rc = call(s, &rq);
	/* A stopped stream drops what it had not played: the ring is free
	 * (the position goes on from where the backend stopped). */
	if (!rc && type == XENSND_OP_TRIGGER_STOP)
		s->written = s->pos;
	return rc;
}

/* Volume and mute: one 4-byte value per channel through the buffer. */
static int levels(struct sndfront *sf, unsigned int i, uint8_t op,
		  const void *in, void *out)
{
	struct sndfront_stream *s = stream(sf, i);
	struct xensnd_req rq;
	uint32_t n;
	int rc;

	if (!s || (!in && !out))
		return -XEN_EINVAL;
	if (!s->opened)
		return not_open(s);
	n = 4u * s->params.channels;
	if (n > s->buf_bytes)
		return -XEN_EINVAL;
	rc = ready(s, true);
	if (rc)
		return rc;
	if (in)
		__builtin_memcpy(buffer(s), in, n);
	req_init(s, &rq, op);
	rq.op.rw.offset = 0;
	rq.op.rw.length = n;
	rc = send(s, &rq);
	if (!rc)
		rc = wait_done(s);
	if (!rc && out)
		__builtin_memcpy(out, buffer(s), n);
	return rc;
}

int sndfront_set_volume(struct sndfront *sf, unsigned int i, const int32_t *vol)
{
	return vol ? levels(sf, i, XENSND_OP_SET_VOLUME, vol, NULL)
		   : -XEN_EINVAL;
}

int sndfront_get_volume(struct sndfront *sf, unsigned int i, int32_t *vol)
{
	return vol ? levels(sf, i, XENSND_OP_GET_VOLUME, NULL, vol)
		   : -XEN_EINVAL;
}

int sndfront_mute(struct sndfront *sf, unsigned int i, const uint32_t *mute)
{
	return mute ? levels(sf, i, XENSND_OP_MUTE, mute, NULL) : -XEN_EINVAL;
}

int sndfront_unmute(struct sndfront *sf, unsigned int i, const uint32_t *mute)
{
	return mute ? levels(sf, i, XENSND_OP_UNMUTE, mute, NULL) : -XEN_EINVAL;
}
