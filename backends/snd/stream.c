/*
 * One stream's sndif requests (pvkit/sndback.h): each request, already a
 * private copy, checked against the stream's state and limits and carried
 * out on the host side.  Nothing here touches the ring or the store.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pvkit/sndback.h"

#define PAGE_SIZE 4096u

struct sndback_stream {
	struct sndback_stream_env env;
	struct sndback_stream_info info;
	char *unique_id;
	struct sndback_limits lim;
	enum sndback_state state;
	struct sndback_params p;
	uint8_t *buf;
	void *hs; /* the host side's stream */
	int32_t vol[UINT8_MAX];
	bool mute[UINT8_MAX];
};

int sndback_stream_new(const struct sndback_stream_env *env,
		       const struct sndback_stream_info *info,
		       const struct sndback_limits *limits,
		       struct sndback_stream **out)
{
	struct sndback_stream *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->env = *env;
	s->info = *info;
	s->unique_id = strdup(info->unique_id ? info->unique_id : "");
	if (!s->unique_id) {
		free(s);
		return -ENOMEM;
	}
	s->info.unique_id = s->unique_id;
	s->lim = *limits;
	*out = s;
	return 0;
}

static void do_close(struct sndback_stream *s)
{
	if (s->state == SNDBACK_CLOSED)
		return;
	if (s->hs) {
		if (s->state == SNDBACK_RUNNING || s->state == SNDBACK_PAUSED)
			s->env.host_ops->trigger(s->hs, XENSND_OP_TRIGGER_STOP);
		s->env.host_ops->stream_close(s->hs);
	}
	s->hs = NULL;
	if (s->buf)
		s->env.unmap(s->env.ctx, s->buf);
	s->buf = NULL;
	memset(&s->p, 0, sizeof(s->p));
	s->state = SNDBACK_CLOSED;
}

void sndback_stream_free(struct sndback_stream *s)
{
	if (!s)
		return;
	do_close(s);
	free(s->unique_id);
	free(s);
}

enum sndback_state sndback_stream_state(const struct sndback_stream *s)
{
	return s->state;
}

uint64_t sndback_stream_position(const struct sndback_stream *s)
{
	if (s->state == SNDBACK_CLOSED || !s->hs)
		return 0;
	return s->env.host_ops->position(s->hs) * s->p.frame_bytes;
}

uint32_t sndback_stream_period(const struct sndback_stream *s)
{
	return s->state == SNDBACK_CLOSED ? 0 : s->p.period_bytes;
}

const struct sndback_params *
sndback_stream_params(const struct sndback_stream *s)
{
	return &s->p;
}

/* ---- HW_PARAM_QUERY ------------------------------------------------------ */

static void clamp(uint32_t *lo, uint32_t *hi, uint32_t min, uint32_t max)
{
	if (*lo < min)
		*lo = min;
	if (*hi > max)
		*hi = max;
}

static int query(struct sndback_stream *s,
		 const struct xensnd_query_hw_param *q,
		 struct xensnd_query_hw_param *a)
{
	const struct sndback_limits *l = &s->lim;
	unsigned int min_bytes = 0;

	*a = *q;
	a->formats &= l->formats;
	for (unsigned int f = 0; f < 64; f++)
		if (a->formats & (UINT64_C(1) << f)) {
			unsigned int b = sndback_format_bytes((uint8_t)f);
			if (!b)
				a->formats &= ~(UINT64_C(1) << f);
			else if (!min_bytes || b < min_bytes)
				min_bytes = b;
		}
	clamp(&a->rates.min, &a->rates.max, l->rate_min, l->rate_max);
	if (l->n_rates) {
		/* the listed rates inside the asked range */
		uint32_t lo = 0, hi = 0;
		for (unsigned int i = 0; i < l->n_rates; i++) {
			uint32_t r = l->rates[i];
			if (r < a->rates.min || r > a->rates.max)
				continue;
			if (!lo)
				lo = r;
			hi = r;
		}
		a->rates.min = lo;
		a->rates.max = hi;
	}
	clamp(&a->channels.min, &a->channels.max, l->channels_min,
	      l->channels_max);
	if (!a->formats || !a->rates.min || a->rates.min > a->rates.max ||
	    a->channels.min > a->channels.max)
		return -EINVAL;
	/* buffer and period in frames; the largest buffer is for the
	 * smallest frame the answer allows */
	{
		uint64_t cap = (uint64_t)SNDBACK_BUFFER_MAX * PAGE_SIZE;
		uint32_t fmax;
		if (l->buffer_max && l->buffer_max < cap)
			cap = l->buffer_max;
		fmax =
		    (uint32_t)(cap / ((uint64_t)min_bytes * a->channels.min));
		clamp(&a->buffer.min, &a->buffer.max, 1, fmax);
		clamp(&a->period.min, &a->period.max, 1, a->buffer.max);
	}
	if (!a->buffer.max || a->buffer.min > a->buffer.max ||
	    a->period.min > a->period.max)
		return -EINVAL;
	return 0;
}

/* ---- OPEN / CLOSE -------------------------------------------------------- */

static int do_open(struct sndback_stream *s, const struct xensnd_open_req *o)
{
	struct sndback_params p = {0};
	unsigned int sample = sndback_format_bytes(o->pcm_format);
	unsigned int npages;
	int rc;

	if (s->state != SNDBACK_CLOSED)
		return -EBUSY;
	if (o->pcm_format >= 64 || !sample ||
	    !(s->lim.formats & (UINT64_C(1) << o->pcm_format)) ||
	    !sndback_limits_rate_ok(&s->lim, o->pcm_rate) ||
	    o->pcm_channels < s->lim.channels_min ||
	    o->pcm_channels > s->lim.channels_max)
		return -EINVAL;
	if (!o->buffer_sz || o->period_sz > o->buffer_sz)
		return -EINVAL;
	if (s->lim.buffer_max && o->buffer_sz > s->lim.buffer_max)
		return -E2BIG;
	npages = (unsigned int)(((uint64_t)o->buffer_sz + PAGE_SIZE - 1) /
				PAGE_SIZE);
	if (npages > SNDBACK_BUFFER_MAX)
		return -E2BIG;
	p.rate = o->pcm_rate;
	p.format = o->pcm_format;
	p.channels = o->pcm_channels;
	p.frame_bytes = sample * o->pcm_channels;
	p.buffer_bytes = o->buffer_sz;
	p.period_bytes = o->period_sz;
	rc = s->env.map(s->env.ctx, o->gref_directory, npages,
			SNDBACK_BUFFER_MAX, (void **)&s->buf);
	if (rc) {
		s->buf = NULL;
		return rc == -E2BIG ? rc : -EINVAL;
	}
	rc = s->env.host_ops->stream_open(s->env.host, &s->info, &p, &s->hs);
	if (rc) {
		s->env.unmap(s->env.ctx, s->buf);
		s->buf = NULL;
		s->hs = NULL;
		return rc;
	}
	s->p = p;
	memset(s->vol, 0, sizeof(s->vol));
	memset(s->mute, 0, sizeof(s->mute));
	s->state = SNDBACK_STOPPED;
	return 0;
}

/* ---- the rest ------------------------------------------------------------ */

/* A range of the buffer: open, and inside it. */
static int range(const struct sndback_stream *s, const struct xensnd_rw_req *rw)
{
	if (s->state == SNDBACK_CLOSED)
		return -EBADF;
	if ((uint64_t)rw->offset + rw->length > s->p.buffer_bytes)
		return -EINVAL;
	return 0;
}

static int do_rw(struct sndback_stream *s, const struct xensnd_rw_req *rw,
		 bool capture)
{
	int rc = range(s, rw);

	if (rc)
		return rc;
	if (capture != s->info.capture)
		return -EINVAL;
	/* Host sides take whole frames: a partial one would shift every
	 * frame after it (channels swapped, samples split). */
	if (rw->length % s->p.frame_bytes)
		return -EINVAL;
	if (!rw->length)
		return 0;
	if (capture)
		return s->env.host_ops->read(s->hs, s->buf + rw->offset,
					     rw->length);
	return s->env.host_ops->write(s->hs, s->buf + rw->offset, rw->length);
}

static int do_trigger(struct sndback_stream *s, uint8_t type)
{
	enum sndback_state next;
	int rc;

	if (s->state == SNDBACK_CLOSED)
		return -EBADF;
	switch (type) {
	case XENSND_OP_TRIGGER_START:
		if (s->state != SNDBACK_STOPPED)
			return -EPERM;
		next = SNDBACK_RUNNING;
		break;
	case XENSND_OP_TRIGGER_PAUSE:
		if (s->state != SNDBACK_RUNNING)
			return -EPERM;
		next = SNDBACK_PAUSED;
		break;
	case XENSND_OP_TRIGGER_RESUME:
		if (s->state != SNDBACK_PAUSED)
			return -EPERM;
		next = SNDBACK_RUNNING;
		break;
	case XENSND_OP_TRIGGER_STOP:
		next = SNDBACK_STOPPED;
		break;
	default:
		return -EINVAL;
	}
	rc = s->env.host_ops->trigger(s->hs, type);
	if (rc)
		return rc;
	s->state = next;
	return 0;
}

static void tell_volume(struct sndback_stream *s)
{
	if (s->env.host_ops->volume)
		s->env.host_ops->volume(s->hs, s->vol, s->mute, s->p.channels);
}

static int do_volume(struct sndback_stream *s, uint8_t op,
		     const struct xensnd_rw_req *rw)
{
	unsigned int ch;
	int rc = range(s, rw);

	if (rc)
		return rc;
	ch = s->p.channels;
	switch (op) {
	case XENSND_OP_SET_VOLUME:
		if (rw->length != ch * sizeof(int32_t))
			return -EINVAL;
		/* one copy out of the shared buffer */
		memcpy(s->vol, s->buf + rw->offset, rw->length);
		tell_volume(s);
		return 0;
	case XENSND_OP_GET_VOLUME:
		if (rw->length != ch * sizeof(int32_t))
			return -EINVAL;
		memcpy(s->buf + rw->offset, s->vol, rw->length);
		return 0;
	default: { /* MUTE / UNMUTE */
		uint8_t sel[UINT8_MAX];
		if (rw->length != ch)
			return -EINVAL;
		memcpy(sel, s->buf + rw->offset, ch);
		for (unsigned int i = 0; i < ch; i++)
			if (sel[i])
				s->mute[i] = op == XENSND_OP_MUTE;
		tell_volume(s);
		return 0;
	}
	}
}

void sndback_stream_handle(struct sndback_stream *s,
			   const struct xensnd_req *req,
			   struct xensnd_resp *resp)
{
	int rc;

	memset(resp, 0, sizeof(*resp));
	resp->id = req->id;
	resp->operation = req->operation;
	switch (req->operation) {
	case XENSND_OP_HW_PARAM_QUERY:
		rc = query(s, &req->op.hw_param, &resp->resp.hw_param);
		break;
	case XENSND_OP_OPEN:
		rc = do_open(s, &req->op.open);
		break;
	case XENSND_OP_CLOSE:
		rc = s->state == SNDBACK_CLOSED ? -EBADF : 0;
		do_close(s);
		break;
	case XENSND_OP_WRITE:
		rc = do_rw(s, &req->op.rw, false);
		break;
	case XENSND_OP_READ:
		rc = do_rw(s, &req->op.rw, true);
		break;
	case XENSND_OP_TRIGGER:
		rc = do_trigger(s, req->op.trigger.type);
		break;
	case XENSND_OP_SET_VOLUME:
	case XENSND_OP_GET_VOLUME:
	case XENSND_OP_MUTE:
	case XENSND_OP_UNMUTE:
		rc = do_volume(s, req->operation, &req->op.rw);
		break;
	default:
		rc = -ENOTSUP;
		break;
	}
	resp->status = rc;
}

/* ---- events -------------------------------------------------------------- */

int sndback_evt_put(void *page, uint32_t *prod, uint16_t id, uint64_t position)
{
	struct xensnd_event_page *pg = page;
	uint32_t cons = __atomic_load_n(&pg->in_cons, __ATOMIC_ACQUIRE);
	uint32_t used = *prod - cons;
	struct xensnd_evt ev;

	if (used > XENSND_IN_RING_LEN)
		return -EPROTO;
	if (used == XENSND_IN_RING_LEN)
		return -ENOSPC;
	memset(&ev, 0, sizeof(ev));
	ev.id = id;
	ev.type = XENSND_EVT_CUR_POS;
	ev.op.cur_pos.position = position;
	memcpy(&XENSND_IN_RING_REF(page, *prod), &ev, sizeof(ev));
	(*prod)++;
	__atomic_store_n(&pg->in_prod, *prod, __ATOMIC_RELEASE);
	return 0;
}
