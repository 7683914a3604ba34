/*
 * The vsnd device on libpvback (pvkit/sndback.h): the stream tree from the
 * frontend's directory, each stream's ring and event page, requests
 * answered through stream.c, and position events from a timer that follows
 * the host side's clock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "pvkit/back.h"
#include "pvkit/ring.h"
#include "pvkit/sndback.h"

#define MAX_STREAMS 64u
#define MAX_PCMS    32u
#define RING_BYTES  4096u
#define NAME_MAX_   256u
/* How soon the "dropped-events" node follows a dropped event: a guest
 * that never drains its event page must not cost a store write per
 * period. */
#define DROP_REPORT_MS 100
/* Requests answered in one go before the loop's other work (timers, other
 * guests) gets its turn: a guest that refills its ring as fast as it is
 * answered never holds the backend. */
#define REQ_BATCH    64u
#define NODE_DROPPED "dropped-events"

struct sndback {
	struct pvback *pb;
	const struct sndback_host_ops *host_ops;
	void *host;
	struct sndback_limits caps;
	struct sndback_stats st;
};

struct snd_dev;

struct snd_stream {
	struct snd_dev *d;
	char key[32]; /* "P/S/" */
	struct sndback_stream *s;
	void *ring_page;
	struct pv_back_ring ring;
	struct pvback_evt *req_evt;
	void *evt_page;
	struct pvback_evt *evt_evt;
	uint32_t evt_prod;
	uint16_t evt_id;
	struct event *timer;
	struct event *more; /* the rest of a long batch, next time round */
	uint64_t reported;  /* periods told so far */
	bool timer_on;
};

struct snd_dev {
	struct pvback_dev *dev;
	struct sndback *sb;
	struct snd_stream *streams;
	unsigned int n;
	struct event *drop_timer;
	uint64_t dropped, dropped_told; /* position events lost, told */
};

/* ---- the stream tree ----------------------------------------------------- */

/* A key of the frontend's directory into buf, or NULL when it is missing.
 * *err gets other errors. */
static const char *opt_key(struct pvback_dev *dev, const char *key, char *buf,
			   size_t cap, int *err)
{
	int rc = pvback_dev_read(dev, PVBACK_FRONTEND, key, buf, cap);

	if (rc == -ENOENT)
		return NULL;
	if (rc < 0 && !*err)
		*err = rc;
	return rc < 0 ? NULL : buf;
}

static int narrow_level(struct pvback_dev *dev, const char *prefix,
			struct sndback_limits *l)
{
	char k[5][64], v[5][NAME_MAX_];
	const char *val[5];
	static const char *const names[5] = {
	    XENSND_FIELD_SAMPLE_RATES, XENSND_FIELD_SAMPLE_FORMATS,
	    XENSND_FIELD_CHANNELS_MIN, XENSND_FIELD_CHANNELS_MAX,
	    XENSND_FIELD_BUFFER_SIZE};
	int err = 0;

	for (unsigned int i = 0; i < 5; i++) {
		snprintf(k[i], sizeof(k[i]), "%s%s", prefix, names[i]);
		val[i] = opt_key(dev, k[i], v[i], sizeof(v[i]), &err);
	}
	if (err)
		return err;
	return sndback_limits_narrow(l, val[0], val[1], val[2], val[3], val[4]);
}

static void free_streams(struct snd_dev *d)
{
	for (unsigned int i = 0; i < d->n; i++) {
		struct snd_stream *st = &d->streams[i];
		if (st->timer)
			event_free(st->timer);
		if (st->more)
			event_free(st->more);
		sndback_stream_free(st->s);
		if (st->ring_page)
			pvback_dev_unmap(d->dev, st->ring_page);
		if (st->evt_page)
			pvback_dev_unmap(d->dev, st->evt_page);
		pvback_evt_unbind(st->req_evt);
		pvback_evt_unbind(st->evt_evt);
	}
	free(d->streams);
	d->streams = NULL;
	d->n = 0;
}

static int env_map(void *ctx, grant_ref_t first_dir, unsigned int npages,
		   unsigned int max_pages, void **addr)
{
	return pvback_dev_map_pgdir(ctx, first_dir, npages, max_pages, true,
				    addr);
}

static void env_unmap(void *ctx, void *addr)
{
	pvback_dev_unmap(ctx, addr);
}

/* Stream P/S: its limits (card, PCM, stream) and its protocol state. */
static int add_stream(struct snd_dev *d, unsigned int p, unsigned int s,
		      const char *type)
{
	struct sndback *sb = d->sb;
	struct snd_stream *st = &d->streams[d->n];
	struct sndback_limits l;
	struct sndback_stream_info info = {0};
	struct sndback_stream_env env = {.map = env_map,
					 .unmap = env_unmap,
					 .ctx = d->dev,
					 .host_ops = sb->host_ops,
					 .host = sb->host};
	char prefix[32], key[64], id[NAME_MAX_];
	int rc;

	sndback_limits_any(&l);
	rc = narrow_level(d->dev, "", &l);
	snprintf(prefix, sizeof(prefix), "%u/", p);
	if (!rc)
		rc = narrow_level(d->dev, prefix, &l);
	snprintf(prefix, sizeof(prefix), "%u/%u/", p, s);
	if (!rc)
		rc = narrow_level(d->dev, prefix, &l);
	if (rc) {
		pvback_dev_fail(d->dev, rc,
				"stream %s: a limit is not a list of known "
				"values or a number, or allows nothing",
				prefix);
		return rc;
	}
	if (sndback_limits_and(&l, &sb->caps)) {
		pvback_dev_fail(d->dev, -EINVAL,
				"stream %s: the host side (%s) can do none of "
				"what the store allows",
				prefix, sb->host_ops->name);
		return -EINVAL;
	}
	if (!strcmp(type, XENSND_STREAM_TYPE_CAPTURE))
		info.capture = true;
	else if (strcmp(type, XENSND_STREAM_TYPE_PLAYBACK)) {
		pvback_dev_fail(d->dev, -EINVAL, "stream %s: type '%s'", prefix,
				type);
		return -EINVAL;
	}
	snprintf(key, sizeof(key), "%s" XENSND_FIELD_STREAM_UNIQUE_ID, prefix);
	rc = pvback_dev_read(d->dev, PVBACK_FRONTEND, key, id, sizeof(id));
	if (rc <= 0) {
		pvback_dev_fail(d->dev, rc ? rc : -EINVAL,
				"stream %s: no unique-id", prefix);
		return rc ? rc : -EINVAL;
	}
	info.domid = pvback_dev_domid(d->dev);
	info.devid = pvback_dev_devid(d->dev);
	info.unique_id = id;
	memset(st, 0, sizeof(*st));
	st->d = d;
	memcpy(st->key, prefix, sizeof(st->key));
	rc = sndback_stream_new(&env, &info, &l, &st->s);
	if (rc)
		return rc;
	d->n++;
	return 0;
}

static int read_tree(struct snd_dev *d)
{
	char key[64], type[8];
	int rc = 0;

	d->streams = calloc(MAX_STREAMS, sizeof(*d->streams));
	if (!d->streams)
		return -ENOMEM;
	for (unsigned int p = 0; p < MAX_PCMS; p++) {
		unsigned int s;
		for (s = 0;; s++) {
			snprintf(key, sizeof(key), "%u/%u/" XENSND_FIELD_TYPE,
				 p, s);
			rc = pvback_dev_read(d->dev, PVBACK_FRONTEND, key, type,
					     sizeof(type));
			if (rc == -ENOENT)
				break;
			if (rc < 0 || d->n == MAX_STREAMS) {
				rc = rc < 0 ? rc : -E2BIG;
				pvback_dev_fail(d->dev, rc,
						"stream %u/%u: unreadable type "
						"or too many streams",
						p, s);
				return rc;
			}
			rc = add_stream(d, p, s, type);
			if (rc)
				return rc;
		}
		if (!s)
			break;
	}
	if (!d->n) {
		pvback_dev_fail(d->dev, -ENODEV, "the card has no streams");
		return -ENODEV;
	}
	return 0;
}

/* ---- requests and events ------------------------------------------------- */

static void timer_update(struct snd_stream *st);

static void fail_ring(struct snd_stream *st, const char *what)
{
	pvback_dev_fail(st->d->dev, -EPROTO, "stream %s: %s indices broken",
			st->key, what);
}

static void on_request(struct pvback_evt *evt, void *arg)
{
	struct snd_stream *st = arg;
	struct sndback *sb = st->d->sb;
	unsigned int done = 0;
	bool notify = false;
	int rc;

	(void)evt;
	if (pvback_dev_failed(st->d->dev))
		return;
	for (;;) {
		struct xensnd_req req;
		struct xensnd_resp resp;
		while (done < REQ_BATCH &&
		       (rc = pv_back_ring_copy_request(&st->ring, &req,
						       sizeof(req))) == 0) {
			done++;
			sndback_stream_handle(st->s, &req, &resp);
			sb->st.requests++;
			if (resp.status)
				sb->st.errors++;
			if (req.operation == XENSND_OP_OPEN && !resp.status)
				st->reported = 0;
			(void)pv_back_ring_put_response(&st->ring, &resp,
							sizeof(resp));
			timer_update(st);
		}
		if (pv_back_ring_push_responses(&st->ring))
			notify = true;
		if (done >= REQ_BATCH) {
			/* the rest next time round, after the loop's other
			 * events (timers, other guests) */
			event_active(st->more, EV_TIMEOUT, 1);
			rc = 0;
			break;
		}
		if (rc != -XEN_EAGAIN)
			break;
		rc = pv_back_ring_final_check_for_requests(&st->ring);
		if (rc <= 0)
			break;
	}
	if (notify)
		pvback_evt_notify(st->req_evt);
	if (rc < 0 && rc != -XEN_EAGAIN)
		fail_ring(st, "request ring");
}

static void on_more(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	on_request(NULL, arg);
}

static void on_evt_port(struct pvback_evt *evt, void *arg)
{
	/* The frontend consumed events; nothing waits for that. */
	(void)evt;
	(void)arg;
}

static void write_dropped(struct snd_dev *d)
{
	char v[24];

	snprintf(v, sizeof(v), "%llu", (unsigned long long)d->dropped);
	if (pvback_dev_write(d->dev, NODE_DROPPED, v) == 0)
		d->dropped_told = d->dropped;
}

static void on_drop_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	write_dropped(arg);
}

/* An event lost to a full page: counted, and told within
 * DROP_REPORT_MS. */
static void dropped(struct snd_stream *st)
{
	struct snd_dev *d = st->d;
	struct timeval tv = {0, DROP_REPORT_MS * 1000};

	d->sb->st.events_dropped++;
	d->dropped++;
	if (d->drop_timer && !evtimer_pending(d->drop_timer, NULL))
		evtimer_add(d->drop_timer, &tv);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct snd_stream *st = arg;
	struct sndback *sb = st->d->sb;
	uint32_t period = sndback_stream_period(st->s);
	uint64_t pos, n;
	int rc;

	(void)fd;
	(void)what;
	if (!period)
		return;
	pos = sndback_stream_position(st->s);
	n = pos / period;
	if (n <= st->reported)
		return;
	st->reported = n;
	rc = sndback_evt_put(st->evt_page, &st->evt_prod, st->evt_id++, pos);
	if (rc == -ENOSPC) {
		dropped(st);
	} else if (rc) {
		fail_ring(st, "event page");
	} else {
		sb->st.events++;
		pvback_evt_notify(st->evt_evt);
	}
}

/* Tick every period while the stream runs. */
static void timer_update(struct snd_stream *st)
{
	const struct sndback_params *p = sndback_stream_params(st->s);
	bool want = sndback_stream_state(st->s) == SNDBACK_RUNNING &&
		    sndback_stream_period(st->s) && p->frame_bytes && p->rate;

	if (!st->timer)
		return;
	if (want && !st->timer_on) {
		uint64_t us = (uint64_t)p->period_bytes * 1000000u /
			      p->frame_bytes / p->rate;
		struct timeval tv;
		if (us < 1000)
			us = 1000;
		tv.tv_sec = (time_t)(us / 1000000u);
		tv.tv_usec = (suseconds_t)(us % 1000000u);
		event_add(st->timer, &tv);
		st->timer_on = true;
	} else if (!want && st->timer_on) {
		event_del(st->timer);
		st->timer_on = false;
	}
}

/* ---- the device ---------------------------------------------------------- */

static int snd_probe(struct pvback_dev *dev, void *arg)
{
	(void)arg;
	return pvback_dev_write(dev, XENSND_FIELD_BE_VERSIONS,
				SNDBACK_VERSIONS);
}

static int connect_stream(struct snd_stream *st)
{
	struct pvback_dev *dev = st->d->dev;
	struct sndback *sb = st->d->sb;
	char key[64];
	int rc;

	snprintf(key, sizeof(key), "%s" XENSND_FIELD_RING_REF, st->key);
	rc = pvback_dev_map_key(dev, key, true, &st->ring_page);
	if (rc)
		return rc;
	/* take the indices up from the page (a backend restarted) */
	rc = pv_back_ring_attach(&st->ring, st->ring_page, RING_BYTES,
				 sizeof(struct xensnd_req));
	if (rc)
		return -EINVAL;
	snprintf(key, sizeof(key), "%s" XENSND_FIELD_EVT_RING_REF, st->key);
	rc = pvback_dev_map_key(dev, key, true, &st->evt_page);
	if (rc)
		return rc;
	st->evt_prod = __atomic_load_n(
	    &((struct xensnd_event_page *)st->evt_page)->in_prod,
	    __ATOMIC_RELAXED);
	snprintf(key, sizeof(key), "%s" XENSND_FIELD_EVT_EVT_CHNL, st->key);
	rc = pvback_dev_bind_key(dev, key, on_evt_port, st, &st->evt_evt);
	if (rc)
		return rc;
	st->timer =
	    event_new(pvback_base(sb->pb), -1, EV_PERSIST, on_timer, st);
	if (!st->timer)
		return -ENOMEM;
	st->more = event_new(pvback_base(sb->pb), -1, 0, on_more, st);
	if (!st->more)
		return -ENOMEM;
	snprintf(key, sizeof(key), "%s" XENSND_FIELD_EVT_CHNL, st->key);
	return pvback_dev_bind_key(dev, key, on_request, st, &st->req_evt);
}

static int snd_connect(struct pvback_dev *dev, void *arg)
{
	struct snd_dev *d = pvback_dev_priv(dev);
	char ver[16];
	int rc;

	d->dev = dev;
	d->sb = arg;
	d->dropped = d->dropped_told = 0;
	d->drop_timer = evtimer_new(pvback_base(d->sb->pb), on_drop_timer, d);
	if (!d->drop_timer)
		return -ENOMEM;
	write_dropped(d);
	rc = pvback_dev_read(dev, PVBACK_FRONTEND, XENSND_FIELD_FE_VERSION, ver,
			     sizeof(ver));
	if (rc >= 0 && strcmp(ver, SNDBACK_VERSIONS)) {
		pvback_dev_fail(dev, -EPROTONOSUPPORT,
				"version '%s': this backend speaks %s", ver,
				SNDBACK_VERSIONS);
		return -EPROTONOSUPPORT;
	}
	rc = read_tree(d);
	if (rc)
		return rc;
	for (unsigned int i = 0; i < d->n; i++) {
		rc = connect_stream(&d->streams[i]);
		if (rc) {
			pvback_dev_fail(dev, rc,
					"stream %s: cannot map its ring or "
					"event page or bind their ports",
					d->streams[i].key);
			return rc;
		}
	}
	/* requests that came before the port was bound */
	for (unsigned int i = 0; i < d->n && !pvback_dev_failed(dev); i++)
		on_request(NULL, &d->streams[i]);
	pvback_log(d->sb->pb, PVBACK_LOG_INFO,
		   "dom%u vsnd %u connected: %u streams on %s",
		   pvback_dev_domid(dev), pvback_dev_devid(dev), d->n,
		   d->sb->host_ops->name);
	return 0;
}

static void snd_disconnect(struct pvback_dev *dev, void *arg)
{
	struct snd_dev *d = pvback_dev_priv(dev);

	(void)arg;
	free_streams(d);
	if (d->drop_timer) {
		event_free(d->drop_timer);
		d->drop_timer = NULL;
		if (d->dropped != d->dropped_told)
			write_dropped(d);
	}
}

static const struct pvback_device_ops snd_ops = {
    .type = XENSND_DRIVER_NAME,
    .priv_size = sizeof(struct snd_dev),
    .probe = snd_probe,
    .connect = snd_connect,
    .disconnect = snd_disconnect,
    /* the streams' state (open, running, position) lives in this
     * process: a new one has the frontend set everything up again */
    .reconnect_on_restart = true,
};

int sndback_new(struct pvback *pb, const struct sndback_host_ops *host_ops,
		const char *host_arg, struct sndback **out)
{
	struct sndback *sb;
	int rc;

	if (!pb || !host_ops)
		return -EINVAL;
	sb = calloc(1, sizeof(*sb));
	if (!sb)
		return -ENOMEM;
	sb->pb = pb;
	sb->host_ops = host_ops;
	rc = host_ops->open(pvback_base(pb), host_arg, &sb->host);
	if (rc) {
		free(sb);
		return rc;
	}
	host_ops->caps(sb->host, &sb->caps);
	rc = pvback_register(pb, &snd_ops, sb);
	if (rc) {
		host_ops->close(sb->host);
		free(sb);
		return rc;
	}
	*out = sb;
	return 0;
}

void sndback_free(struct sndback *sb)
{
	if (!sb)
		return;
	pvback_unregister(sb->pb, &snd_ops);
	sb->host_ops->close(sb->host);
	free(sb);
}

void sndback_stats(const struct sndback *sb, struct sndback_stats *st)
{
	*st = sb->st;
}
