/*
 * The guest's vdispl device on libpvfront (pvkit/displfront.h): per
 * connector a request ring and an event page, published with the
 * handshake; one request at a time per ring, answered within a timeout;
 * flip events from the event page's port.  Freestanding.
 */
#include "displfront_impl.h"
#include "pvkit/proto/errno.h"
#include "pvkit/ring.h"

#define DEFAULT_TIMEOUT_MS 3000

struct displfront_conn *displfront_conn_of(struct displfront *df,
					   unsigned int i)
{
	return df && i < df->n ? &df->c[i] : NULL;
}

static struct pvfront *front(struct displfront *df)
{
	return pvfront_dev_front(&df->dev);
}

/* Why nothing can be sent: the device failed, or it is not connected. */
int displfront_link_error(struct displfront *df)
{
	int err = pvfront_dev_error(&df->dev);

	return err ? err : df->up ? 0 : -XEN_ENOTCONN;
}

/* ---- responses and events --------------------------------------------------
 */

static void take_responses(struct displfront_conn *c)
{
	struct displfront *df = c->df;
	struct xendispl_resp r;
	int rc;

	for (;;) {
		rc = pv_front_ring_get_response(&c->fr, &r, sizeof(r));
		if (rc == -XEN_EAGAIN) {
			if (pv_front_ring_final_check_for_responses(&c->fr) > 0)
				continue;
			return;
		}
		if (rc < 0) {
			pvfront_dev_fail(
			    &df->dev, -XEN_EIO,
			    "vdispl response ring index out of range");
			return;
		}
		if (!c->busy || c->done || r.id != c->id) {
			c->stats.stray_rsp++;
			continue;
		}
		c->rsp = r;
		c->done = true;
		if (r.operation != c->op)
			c->status = -XEN_EBADMSG;
		else
			c->status = r.status > 0 ? -XEN_EBADMSG : r.status;
		/* a refused flip is not pending any more */
		if (c->op == XENDISPL_OP_PG_FLIP && c->status)
			c->flip_cookie = 0;
	}
}

static void on_ring(struct pvfront *pf, struct pvfront_port *p, void *arg)
{
	(void)pf;
	(void)p;
	take_responses(arg);
}

static bool fb_known(const struct displfront *df, uint64_t cookie)
{
	const struct displfront_fb *fb;

	for (fb = df->fbs; fb; fb = fb->next)
		if (fb->cookie == cookie && fb->live)
			return true;
	return false;
}

static void flip_event(struct displfront_conn *c, uint64_t cookie)
{
	struct displfront *df = c->df;

	if (cookie != c->flip_cookie && !fb_known(df, cookie)) {
		c->stats.stray_flip++;
		return;
	}
	if (cookie == c->flip_cookie)
		c->flip_cookie = 0;
	c->stats.flips++;
	if (df->cfg.on_flip)
		df->cfg.on_flip(df, c->index, cookie, df->cfg.arg);
}

static void on_evt(struct pvfront *pf, struct pvfront_port *p, void *arg)
{
	struct displfront_conn *c = arg;
	struct xendispl_event_page *pg = pvfront_pages_addr(&c->evt);
	uint32_t prod, cons;

	(void)pf;
	(void)p;
	if (!c->df->up)
		return;
	/* acquire: the slots up to in_prod are written before we read them */
	prod = __atomic_load_n(&pg->in_prod, __ATOMIC_ACQUIRE);
	cons = __atomic_load_n(&pg->in_cons, __ATOMIC_RELAXED);
	if (prod - cons > XENDISPL_IN_RING_LEN) {
		pvfront_dev_fail(&c->df->dev, -XEN_EIO,
				 "vdispl event page index out of range");
		return;
	}
	for (; cons != prod; cons++) {
		struct xendispl_evt ev;

		__builtin_memcpy(&ev, &XENDISPL_IN_RING_REF(pg, cons),
				 sizeof(ev));
		if (ev.type == XENDISPL_EVT_PG_FLIP)
			flip_event(c, ev.op.pg_flip.fb_cookie);
		else
			c->stats.bad_evt++;
	}
	/* release: our reads of the slots are done before the backend may
	 * reuse them */
	__atomic_store_n(&pg->in_cons, cons, __ATOMIC_RELEASE);
}

/* ---- the handshake ---------------------------------------------------------
 */

static int publish_conn(struct pvfront_dev *dev, uint32_t tx,
			struct displfront_conn *c)
{
	struct xendispl_event_page *ep = pvfront_pages_addr(&c->evt);
	char k[48];
	int rc;

	/* a fresh start: the backend has no mapping now */
	pv_sring_init(pvfront_pages_addr(&c->ring));
	rc = pv_front_ring_init(&c->fr, pvfront_pages_addr(&c->ring),
				PVFRONT_PAGE_SIZE, sizeof(struct xendispl_req));
	ep->in_cons = ep->in_prod = 0;
	c->busy = c->done = c->async = false;
	c->flip_cookie = 0;
	displfront_conn_key(k, sizeof(k), c->index,
			    XENDISPL_FIELD_REQ_RING_REF);
	if (!rc)
		rc = pvfront_dev_write_uint(dev, tx, k,
					    pvfront_pages_ref(&c->ring, 0));
	displfront_conn_key(k, sizeof(k), c->index, XENDISPL_FIELD_REQ_CHANNEL);
	if (!rc)
		rc = pvfront_dev_write_uint(dev, tx, k,
					    pvfront_port_number(&c->ring_port));
	displfront_conn_key(k, sizeof(k), c->index,
			    XENDISPL_FIELD_EVT_RING_REF);
	if (!rc)
		rc = pvfront_dev_write_uint(dev, tx, k,
					    pvfront_pages_ref(&c->evt, 0));
	displfront_conn_key(k, sizeof(k), c->index, XENDISPL_FIELD_EVT_CHANNEL);
	if (!rc)
		rc = pvfront_dev_write_uint(dev, tx, k,
					    pvfront_port_number(&c->evt_port));
	return rc;
}

static int publish(struct pvfront_dev *dev, uint32_t tx, void *arg)
{
	struct displfront *df = arg;
	unsigned int i;
	int rc = displfront_pick_version(dev, &df->version);

	if (!rc)
		rc = pvfront_dev_write_uint(dev, tx, XENDISPL_FIELD_FE_VERSION,
					    df->version);
	for (i = 0; !rc && i < df->n; i++)
		rc = publish_conn(dev, tx, &df->c[i]);
	return rc;
}

static int connect(struct pvfront_dev *dev, void *arg)
{
	struct displfront *df = arg;

	(void)dev;
	df->up = true;
	if (df->cfg.on_link)
		df->cfg.on_link(df, true, 0, df->cfg.arg);
	return 0;
}

static void disconnect(struct pvfront_dev *dev, int reason, void *arg)
{
	struct displfront *df = arg;
	struct displfront_dbuf *db;
	struct displfront_fb *fb;

	(void)dev;
	df->up = false;
	/* the backend forgot everything it was told */
	for (db = df->dbufs; db; db = db->next)
		db->live = false;
	for (fb = df->fbs; fb; fb = fb->next)
		fb->live = false;
	if (df->cfg.on_link)
		df->cfg.on_link(df, false, reason, df->cfg.arg);
}

static const struct pvfront_dev_ops displ_ops = {
    .publish = publish,
    .connect = connect,
    .disconnect = disconnect,
};

static int conn_alloc(struct displfront *df, struct displfront_conn *c)
{
	int rc = pvfront_dev_alloc_pages(&df->dev, &c->ring, 1, NULL, 0);

	if (!rc)
		rc = pvfront_dev_alloc_pages(&df->dev, &c->evt, 1, NULL, 0);
	if (!rc)
		rc =
		    pvfront_dev_alloc_port(&df->dev, &c->ring_port, on_ring, c);
	if (!rc)
		rc = pvfront_dev_alloc_port(&df->dev, &c->evt_port, on_evt, c);
	return rc;
}

int displfront_open(struct displfront *df, struct pvfront *pf, uint32_t devid,
		    const struct displfront_config *cfg, int timeout_ms)
{
	unsigned int i;
	int rc;

	if (!df || !pf)
		return -XEN_EINVAL;
	__builtin_memset(df, 0, sizeof(*df));
	if (cfg)
		df->cfg = *cfg;
	rc = pvfront_dev_open(&df->dev, pf, XENDISPL_DRIVER_NAME, devid,
			      &displ_ops, df);
	if (rc)
		return rc;
	rc = displfront_walk(df);
	for (i = 0; !rc && i < df->n; i++) {
		struct displfront_conn *c = &df->c[i];

		c->df = df;
		c->index = i;
		c->timeout_ms = DEFAULT_TIMEOUT_MS;
		rc = conn_alloc(df, c);
	}
	if (!rc)
		rc = pvfront_dev_connect(&df->dev, timeout_ms);
	if (rc && rc != -XEN_ETIMEDOUT && rc != -XEN_EAGAIN)
		pvfront_dev_close(&df->dev, 0);
	return rc;
}

/* Give back every buffer's pages (those the backend still maps stay). */
static int free_all(struct displfront *df, struct pvfront *pf)
{
	struct displfront_dbuf **pp = &df->dbufs;
	unsigned int i;
	int rc = 0;

	df->fbs = NULL;
	while (*pp) {
		struct displfront_dbuf *db = *pp;
		int r = db->map ? displfront_dbuf_unmap(df, db) : 0;

		if (!r && db->shared)
			r = pvfront_pgdir_free(pf, &db->pd);

		if (r) {
			rc = r;
			pp = &db->next;
			continue;
		}
		db->shared = db->live = false;
		db->fbs = 0;
		*pp = db->next;
	}
	for (i = 0; i < df->n; i++) {
		struct displfront_conn *c = &df->c[i];
		int r = c->have_edid ? pvfront_pgdir_free(pf, &c->edid) : 0;

		if (r)
			rc = r;
		else
			c->have_edid = false;
	}
	return rc;
}

int displfront_close(struct displfront *df, int timeout_ms)
{
	struct pvfront *pf;
	int rc;

	if (!df)
		return -XEN_EINVAL;
	pf = front(df);
	if (!pf)
		return 0; /* never opened, or closed */
	(void)free_all(df, pf);
	rc = pvfront_dev_close(&df->dev, timeout_ms);
	if (rc)
		return rc;
	return free_all(df, pf);
}

bool displfront_connected(const struct displfront *df)
{
	return df && df->up;
}

bool displfront_be_alloc(const struct displfront *df)
{
	return df && df->be_alloc;
}

unsigned int displfront_version(const struct displfront *df)
{
	return df && df->up ? df->version : 0;
}

unsigned int displfront_connectors(const struct displfront *df)
{
	return df ? df->n : 0;
}

const struct displfront_conn_info *
displfront_conn_info(const struct displfront *df, unsigned int i)
{
	return df && i < df->n ? &df->c[i].info : NULL;
}

int displfront_find(const struct displfront *df, const char *id)
{
	unsigned int i, k;

	for (i = 0; df && id && i < df->n; i++) {
		const char *u = df->c[i].info.unique_id;

		for (k = 0; u[k] && u[k] == id[k]; k++)
			;
		if (u[k] == id[k])
			return (int)i;
	}
	return -XEN_ENOENT;
}

void displfront_set_timeout(struct displfront *df, unsigned int i, int ms)
{
	struct displfront_conn *c = displfront_conn_of(df, i);

	if (c)
		c->timeout_ms = ms;
}

const struct displfront_stats *
displfront_conn_stats(const struct displfront *df, unsigned int i)
{
	return df && i < df->n ? &df->c[i].stats : NULL;
}

uint64_t displfront_flip_pending(const struct displfront *df, unsigned int i)
{
	return df && i < df->n ? df->c[i].flip_cookie : 0;
}

/* ---- requests ---------------------------------------------------------------
 */

/* Poll until done() says so, the device fails or ms run out (-1: no
 * limit): 0, -XEN_ETIMEDOUT, or the error. */
static int poll_until(struct displfront_conn *c, int ms,
		      bool (*done)(struct displfront_conn *c))
{
	struct pvfront *pf = front(c->df);
	const struct pvfront_os_ops *ops = pf->ops;
	uint64_t end =
	    ops->now_ns(pf->arg) + (uint64_t)(ms < 0 ? 0 : ms) * 1000000u;

	for (;;) {
		uint64_t now;
		int rc;

		if (done(c))
			return 0;
		rc = displfront_link_error(c->df);
		if (rc)
			return rc;
		now = ops->now_ns(pf->arg);
		if (ms >= 0 && now >= end)
			return -XEN_ETIMEDOUT;
		rc = pvfront_poll(
		    pf, ms < 0 ? -1 : (int)((end - now + 999999u) / 1000000u));
		if (rc < 0)
			return rc;
	}
}

static bool answered(struct displfront_conn *c)
{
	take_responses(c);
	return c->done;
}

/* Wait for the outstanding request's answer: its status, or
 * -XEN_ETIMEDOUT (it stays outstanding). */
static int wait_done(struct displfront_conn *c)
{
	int rc = poll_until(c, c->timeout_ms, answered);

	if (rc)
		return rc;
	c->busy = false;
	return c->status;
}

/* Whether a request may go now on c's ring: the device is up and the last
 * request was answered.  A nonblocking flip still out is waited for (its
 * failure is returned here, once); one that timed out keeps the ring busy
 * until its late answer comes. */
static int ready(struct displfront_conn *c)
{
	int rc = displfront_link_error(c->df);

	if (rc)
		return rc;
	if (c->busy && !c->done)
		take_responses(c);
	if (c->busy && !c->done) {
		if (!c->async)
			return -XEN_EBUSY;
		rc = wait_done(c);
		if (!c->done)
			return rc;
	}
	rc = c->async && c->done ? c->status : 0;
	c->async = false;
	c->busy = false;
	return rc;
}

static int send(struct displfront_conn *c, struct xendispl_req *rq)
{
	struct xendispl_req *slot = pv_front_ring_next_request(&c->fr);

	if (!slot)
		return -XEN_EBUSY; /* answers not taken: a stuck backend */
	rq->id = c->next_id++;
	*slot = *rq;
	c->id = rq->id;
	c->op = rq->operation;
	c->busy = true;
	c->async = false;
	c->done = false;
	c->status = 0;
	if (pv_front_ring_push_requests(&c->fr))
		pvfront_port_notify(front(c->df), &c->ring_port);
	return 0;
}

void displfront_req_init(struct xendispl_req *rq, uint8_t op)
{
	__builtin_memset(rq, 0, sizeof(*rq));
	rq->operation = op;
}

int displfront_call(struct displfront_conn *c, struct xendispl_req *rq)
{
	int rc = ready(c);

	if (!rc)
		rc = send(c, rq);
	return rc ? rc : wait_done(c);
}

/* ---- connectors
 * ---------------------------------------------------------------
 */

int displfront_set_config(struct displfront *df, unsigned int i,
			  const struct displfront_fb *fb, uint32_t x,
			  uint32_t y, uint32_t width, uint32_t height)
{
	struct displfront_conn *c = displfront_conn_of(df, i);
	struct xendispl_req rq;

	if (!c)
		return -XEN_EINVAL;
	displfront_req_init(&rq, XENDISPL_OP_SET_CONFIG);
	if (fb) {
		if (!displfront_fb_listed(df, fb))
			return -XEN_EINVAL;
		if (!fb->live)
			return displfront_link_error(df)
				   ? displfront_link_error(df)
				   : -XEN_EBADF;
		rq.op.set_config.fb_cookie = fb->cookie;
		rq.op.set_config.x = x;
		rq.op.set_config.y = y;
		rq.op.set_config.width = width;
		rq.op.set_config.height = height;
		rq.op.set_config.bpp = fb->db->bpp;
	}
	return displfront_call(c, &rq);
}

int displfront_flip(struct displfront *df, unsigned int i,
		    const struct displfront_fb *fb, unsigned int flags)
{
	struct displfront_conn *c = displfront_conn_of(df, i);
	struct xendispl_req rq;
	int rc;

	if (!c || !fb || !displfront_fb_listed(df, fb) ||
	    (flags & ~DISPLFRONT_NONBLOCK))
		return -XEN_EINVAL;
	if (!fb->live)
		return displfront_link_error(df) ? displfront_link_error(df)
						 : -XEN_EBADF;
	rc = ready(c);
	if (rc)
		return rc;
	displfront_req_init(&rq, XENDISPL_OP_PG_FLIP);
	rq.op.pg_flip.fb_cookie = fb->cookie;
	rc = send(c, &rq);
	if (rc)
		return rc;
	c->flip_cookie = fb->cookie;
	if (flags & DISPLFRONT_NONBLOCK) {
		c->async = true;
		return 0;
	}
	return wait_done(c);
}

static bool flipped(struct displfront_conn *c)
{
	take_responses(c);
	return c->flip_cookie == 0;
}

int displfront_flip_wait(struct displfront *df, unsigned int i, int timeout_ms)
{
	struct displfront_conn *c = displfront_conn_of(df, i);

	if (!c)
		return -XEN_EINVAL;
	if (!c->flip_cookie)
		return 0;
	return poll_until(c, timeout_ms < 0 ? c->timeout_ms : timeout_ms,
			  flipped);
}

int displfront_get_edid(struct displfront *df, unsigned int i, uint8_t *buf,
			size_t cap, uint32_t *len)
{
	struct displfront_conn *c = displfront_conn_of(df, i);
	struct pvfront *pf;
	struct xendispl_req rq;
	const size_t npages = XENDISPL_EDID_MAX_SIZE / PVFRONT_PAGE_SIZE;
	uint32_t n;
	int rc;

	if (!c || !buf || !len)
		return -XEN_EINVAL;
	rc = displfront_link_error(df);
	if (rc)
		return rc;
	if (df->version < 2)
		return -XEN_EOPNOTSUPP;
	pf = front(df);
	if (c->have_edid) {
		rc = pvfront_pgdir_free(pf, &c->edid);
		if (rc)
			return rc; /* the backend still maps the last one */
		c->have_edid = false;
	}
	rc = pvfront_pgdir_alloc(pf, &c->edid, pvfront_dev_backend_id(&df->dev),
				 npages, c->edid_refs, c->edid_dir, 0);
	if (rc)
		return rc;
	c->have_edid = true;
	displfront_req_init(&rq, XENDISPL_OP_GET_EDID);
	rq.op.get_edid.buffer_sz = XENDISPL_EDID_MAX_SIZE;
	rq.op.get_edid.gref_directory = pvfront_pgdir_ref(&c->edid);
	rc = displfront_call(c, &rq);
	n = c->rsp.op.get_edid.edid_sz;
	if (!rc && n > XENDISPL_EDID_MAX_SIZE)
		rc = -XEN_EBADMSG;
	if (!rc && n > cap)
		rc = -XEN_E2BIG;
	if (!rc) {
		__builtin_memcpy(buf, pvfront_pages_addr(&c->edid.buf), n);
		*len = n;
	}
	if (rc != -XEN_ETIMEDOUT && !pvfront_pgdir_free(pf, &c->edid))
		c->have_edid = false;
	return rc;
}
