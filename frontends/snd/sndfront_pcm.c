/*
 * The guest's vsnd streams at work (pvkit/sndfront.h): playback through
 * the shared buffer as a ring paced by the backend's position, drain,
 * capture, trigger, volume and mute, and streams opened again after the
 * backend restarted (resume).  Freestanding.
 */
#include "pvkit/proto/errno.h"
#include "pvkit/sndfront.h"
#include "sndfront_impl.h"

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

/* TRIGGER, the state it leaves the stream in kept for a resume. */
static int trigger(struct sndfront_stream *s, unsigned int type)
{
	struct xensnd_req rq;
	int rc;

	sndfront_req_init(s, &rq, XENSND_OP_TRIGGER);
	rq.op.trigger.type = (uint8_t)type;
	rc = sndfront_call(s, &rq);
	if (rc)
		return rc;
	s->state = type == XENSND_OP_TRIGGER_PAUSE  ? SNDFRONT_PAUSED
		   : type == XENSND_OP_TRIGGER_STOP ? SNDFRONT_STOPPED
						    : SNDFRONT_RUNNING;
	/* A stopped stream drops what it had not played: the ring is free
	 * (the position goes on from where the backend stopped). */
	if (type == XENSND_OP_TRIGGER_STOP)
		s->written = s->pos;
	return 0;
}

/* ---- volume and mute -------------------------------------------------------
 */

/* Volume and mute: n bytes through the buffer, beside what the ring
 * holds for the backend when there is room. */
static int level_req(struct sndfront_stream *s, uint8_t op, uint32_t n,
		     const void *in, void *out)
{
	struct xensnd_req rq;
	uint32_t off;
	int rc;

	if (n > s->buf_bytes)
		return -XEN_EINVAL;
	rc = sndfront_ready(s, true);
	if (rc)
		return rc;
	off = room(s) >= n && s->buf_bytes - s->wpos >= n ? s->wpos : 0;
	if (in)
		__builtin_memcpy(buffer(s) + off, in, n);
	sndfront_req_init(s, &rq, op);
	rq.op.rw.offset = off;
	rq.op.rw.length = n;
	rc = sndfront_send(s, &rq);
	if (!rc)
		rc = sndfront_wait_done(s);
	if (!rc && out)
		__builtin_memcpy(out, buffer(s) + off, n);
	return rc;
}

/* Keep what a level request set, for a resume. */
static void keep_levels(struct sndfront_stream *s, uint8_t op, const void *in)
{
	unsigned int ch = s->params.channels, c;
	const uint8_t *sel = in;

	if (ch > SNDFRONT_LEVELS_MAX)
		return;
	if (op == XENSND_OP_SET_VOLUME) {
		__builtin_memcpy(s->vol, in, 4u * ch);
		s->vol_set = true;
	}
	for (c = 0; c < ch && (op == XENSND_OP_MUTE || op == XENSND_OP_UNMUTE);
	     c++)
		if (sel[c])
			s->muted[c] = op == XENSND_OP_MUTE;
}

/* The levels a lost stream had, set on its new backend. */
static int restore_levels(struct sndfront_stream *s, bool vol_set,
			  const int32_t *vol, const uint8_t *muted)
{
	unsigned int ch = s->params.channels, c;
	int rc = 0;

	if (ch > SNDFRONT_LEVELS_MAX)
		return 0;
	if (vol_set) {
		rc = level_req(s, XENSND_OP_SET_VOLUME, 4u * ch, vol, NULL);
		if (!rc)
			keep_levels(s, XENSND_OP_SET_VOLUME, vol);
	}
	for (c = 0; !rc && c < ch && !muted[c]; c++)
		;
	if (!rc && c < ch) {
		rc = level_req(s, XENSND_OP_MUTE, ch, muted, NULL);
		if (!rc)
			keep_levels(s, XENSND_OP_MUTE, muted);
	}
	return rc;
}

/* ---- a backend restart (resume) -------------------------------------------
 */

/* Wait for the card to be connected again, up to the stream's timeout. */
static int wait_up(struct sndfront_stream *s)
{
	struct sndfront *sf = s->sf;
	struct pvfront *pf = pvfront_dev_front(&sf->dev);
	uint64_t end =
	    pf->ops->now_ns(pf->arg) + (uint64_t)s->timeout_ms * 1000000u;

	while (!sf->up) {
		uint64_t now = pf->ops->now_ns(pf->arg);
		int rc;

		if (pvfront_dev_error(&sf->dev))
			return pvfront_dev_error(&sf->dev);
		if (s->timeout_ms >= 0 && now >= end)
			return -XEN_ETIMEDOUT;
		rc = pvfront_poll(
		    pf, s->timeout_ms < 0
			    ? -1
			    : (int)((end - now + 999999u) / 1000000u));
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Open a stream the backend lost again, as it was.  Failures that may
 * pass (the card not up yet, a request still out) leave it to the next
 * call; parameters the backend no longer allows close it for good. */
static int revive(struct sndfront_stream *s)
{
	struct sndfront_params p = s->params, was = s->params;
	uint8_t state = s->state, muted[SNDFRONT_LEVELS_MAX];
	int32_t vol[SNDFRONT_LEVELS_MAX];
	bool vol_set = s->vol_set;
	int rc = wait_up(s);

	if (!rc)
		rc = sndfront_ready(s, true);
	if (rc)
		return rc;
	p.format_any = false;
	__builtin_memcpy(vol, s->vol, sizeof(vol));
	__builtin_memcpy(muted, s->muted, sizeof(muted));
	rc = sndfront_stream_open(s->sf, s->index, &p);
	if (rc == -XEN_ETIMEDOUT || rc == -XEN_EBUSY || rc == -XEN_ENOTCONN)
		return rc;
	s->lost = false;
	if (!rc && (p.format != was.format || p.rate != was.rate ||
		    p.channels != was.channels)) {
		(void)sndfront_stream_close(s->sf, s->index);
		rc = -XEN_EBADF;
	}
	if (rc)
		return rc == -XEN_EBADF ? rc : -XEN_EBADF;
	s->stats.reopened++;
	rc = restore_levels(s, vol_set, vol, muted);
	if (!rc && state != SNDFRONT_STOPPED)
		rc = trigger(s, XENSND_OP_TRIGGER_START);
	if (!rc && state == SNDFRONT_PAUSED)
		rc = trigger(s, XENSND_OP_TRIGGER_PAUSE);
	return rc;
}

/* A stream whose position stopped, with resume: does the backend still
 * have it?  A WRITE of nothing asks without playing anything; a backend
 * that took the card over without a reconnect and does not know the
 * stream answers -EBADF, which marks it lost. */
static void probe(struct sndfront_stream *s)
{
	struct xensnd_req rq;

	if (!s->sf->cfg.resume || !s->opened || sndfront_ready(s, true))
		return;
	sndfront_req_init(s, &rq, XENSND_OP_WRITE);
	rq.op.rw.offset = s->wpos;
	rq.op.rw.length = 0;
	if (!sndfront_send(s, &rq))
		(void)sndfront_wait_done(s);
}

/* The stream may be used: open, or opened again now (resume).  nb: a
 * nonblocking call, told -XEN_EAGAIN while the card is not back. */
static int usable(struct sndfront_stream *s, bool nb)
{
	if (s->opened)
		return 0;
	if (!s->lost)
		return sndfront_not_open(s);
	if (nb && !s->sf->up && !pvfront_dev_error(&s->sf->dev))
		return -XEN_EAGAIN;
	return revive(s);
}

/* ---- playback ---------------------------------------------------------------
 */

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
	sndfront_req_init(s, &rq, XENSND_OP_WRITE);
	rq.op.rw.offset = s->wpos;
	rq.op.rw.length = n;
	rc = sndfront_send(s, &rq);
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
	rc = sndfront_wait_done(s);
	return rc ? rc : (int)n;
}

int sndfront_write(struct sndfront *sf, unsigned int i, const void *data,
		   size_t len, unsigned int flags)
{
	struct sndfront_stream *s = sndfront_stream_at(sf, i);
	const uint8_t *src = data;
	size_t done = 0;
	bool retried = false;
	int rc;

	if (!s || (!data && len) || s->info.capture)
		return -XEN_EINVAL;
	if (!s->opened && !s->lost)
		return sndfront_not_open(s);
	if (len % s->frame)
		return -XEN_EINVAL;
	if (len > 0x7fffffffu)
		len = 0x7fffffffu - 0x7fffffffu % s->frame;
	while (done < len) {
		bool nb = flags & SNDFRONT_NONBLOCK;

		rc = usable(s, nb);
		if (!rc)
			rc = sndfront_ready(s, !nb);
		if (!rc && !room(s)) {
			rc = nb ? -XEN_EAGAIN : wait_pos(s, has_room);
			if (rc == -XEN_ETIMEDOUT)
				probe(s);
		}
		if (rc == -XEN_EBUSY && nb)
			rc = -XEN_EAGAIN;
		if (!rc)
			rc = write_some(s, src + done, len - done, nb);
		if (rc < 0 && s->lost && !retried) {
			retried = true; /* the backend lost it just now */
			continue;
		}
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
	struct sndfront_stream *s = sndfront_stream_at(sf, i);
	struct pvfront *pf;
	uint64_t left, bps, end;
	int rc;

	if (!s || s->info.capture)
		return -XEN_EINVAL;
	rc = usable(s, false);
	if (!rc)
		rc = sndfront_ready(s, true);
	if (!rc)
		rc = wait_pos(s, nearly_played);
	if (rc == -XEN_ETIMEDOUT)
		probe(s);
	if (rc && s->lost) /* what it had not played is gone with it */
		return usable(s, false);
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
	struct sndfront_stream *s = sndfront_stream_at(sf, i);
	struct xensnd_req rq;
	uint32_t n;
	int rc;

	if (!s || !data || !s->info.capture)
		return -XEN_EINVAL;
	rc = usable(s, flags & SNDFRONT_NONBLOCK);
	if (rc)
		return rc;
	if (len % s->frame)
		return -XEN_EINVAL;
	if (s->busy && s->op == XENSND_OP_READ) {
		/* a nonblocking read under way */
		sndfront_take_responses(s);
		if (!s->done && !(flags & SNDFRONT_NONBLOCK))
			rc = sndfront_wait_done(s);
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
	rc = sndfront_ready(s, !(flags & SNDFRONT_NONBLOCK));
	if (rc == -XEN_EBUSY && (flags & SNDFRONT_NONBLOCK))
		rc = -XEN_EAGAIN;
	if (rc)
		return rc;
	n = len < s->buf_bytes ? (uint32_t)len : s->buf_bytes;
	if (!n)
		return 0;
	sndfront_req_init(s, &rq, XENSND_OP_READ);
	rq.op.rw.offset = 0;
	rq.op.rw.length = n;
	rc = sndfront_send(s, &rq);
	if (rc)
		return rc;
	s->rd_len = n;
	if (flags & SNDFRONT_NONBLOCK)
		return -XEN_EAGAIN;
	rc = sndfront_wait_done(s);
	if (rc)
		return rc;
	__builtin_memcpy(data, buffer(s), n);
	s->rd_len = 0;
	return (int)n;
}

int sndfront_trigger(struct sndfront *sf, unsigned int i, unsigned int type)
{
	struct sndfront_stream *s = sndfront_stream_at(sf, i);
	int rc;

	if (!s || type > XENSND_OP_TRIGGER_RESUME)
		return -XEN_EINVAL;
	rc = usable(s, false);
	if (!rc)
		rc = trigger(s, type);
	if (rc && s->lost) { /* the backend lost it just now: once more */
		rc = usable(s, false);
		if (!rc)
			rc = trigger(s, type);
	}
	return rc;
}

static int levels(struct sndfront *sf, unsigned int i, uint8_t op,
		  const void *in, void *out)
{
	struct sndfront_stream *s = sndfront_stream_at(sf, i);
	uint32_t n;
	int rc;

	if (!s || (!in && !out))
		return -XEN_EINVAL;
	rc = usable(s, false);
	if (rc)
		return rc;
	n = s->params.channels;
	if (op == XENSND_OP_SET_VOLUME || op == XENSND_OP_GET_VOLUME)
		n *= 4u; /* int32_t each; mute: uint8_t each */
	rc = level_req(s, op, n, in, out);
	if (!rc && in)
		keep_levels(s, op, in);
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

int sndfront_mute(struct sndfront *sf, unsigned int i, const uint8_t *sel)
{
	return sel ? levels(sf, i, XENSND_OP_MUTE, sel, NULL) : -XEN_EINVAL;
}

int sndfront_unmute(struct sndfront *sf, unsigned int i, const uint8_t *sel)
{
	return sel ? levels(sf, i, XENSND_OP_UNMUTE, sel, NULL) : -XEN_EINVAL;
}
