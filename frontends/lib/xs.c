/*
 * The store client's handle: opening, locking, requests in flight (submit,
 * wait, cancel), watch events handed out, and ring resets.  Bytes move in
 * xs_ring.c; the synchronous calls are in xs_calls.c.
 */
#include "xs_int.h"

void xs_lock(struct pvfront_xs *xs)
{
	if (xs->ops->lock)
		xs->ops->lock(xs->arg);
}

/* Wake other waiters if something they may want happened, drop the lock,
 * then run the callbacks that came due. */
void xs_unlock(struct pvfront_xs *xs, struct xs_done *d)
{
	struct pvfront_xs_req *r, *next;

	if (xs->wake_due && xs->ops->wake)
		xs->ops->wake(xs->arg);
	xs->wake_due = false;
	if (xs->ops->unlock)
		xs->ops->unlock(xs->arg);
	for (r = d ? d->head : NULL; r; r = next) {
		next = r->next; /* the callback may submit r again */
		r->done(xs, r, r->status, r->arg);
	}
}

void xs_note_bad_reply(struct pvfront_xs *xs)
{
	xs_lock(xs);
	xs->n_bad_replies++;
	xs_unlock(xs, NULL);
}

/* ---- the handle -----------------------------------------------------------
 */

static bool ops_ok(const struct pvfront_xs_ops *ops)
{
	return ops && ops->notify && ops->wait && !ops->lock == !ops->unlock;
}

int pvfront_xs_open(struct pvfront_xs *xs, struct xenstore_domain_interface *pg,
		    const struct pvfront_xs_ops *ops, void *arg,
		    unsigned int flags)
{
	XENSTORE_RING_IDX req_prod, req_cons, rsp_prod, rsp_cons;

	if (!xs)
		return -XEN_EINVAL;
	/* Zeroed first, so that close() copes with a failed open. */
	__builtin_memset(xs, 0, sizeof(*xs));
	if (!pg || !ops_ok(ops) || (flags & ~PVFRONT_XS_OPEN_RESET))
		return -XEN_EINVAL;
	xs->page = pg;
	xs->ops = ops;
	xs->arg = arg;
	xs->timeout_ms = -1;
	xs->next_id = 1;
	if (flags & PVFRONT_XS_OPEN_RESET)
		return pvfront_xs_reset(xs);
	/* Go on where the ring stands, if it stands anywhere sensible. */
	req_prod =
	    atomic_load_explicit(XS_IDX(&pg->req_prod), memory_order_relaxed);
	req_cons =
	    atomic_load_explicit(XS_IDX(&pg->req_cons), memory_order_relaxed);
	rsp_prod =
	    atomic_load_explicit(XS_IDX(&pg->rsp_prod), memory_order_relaxed);
	rsp_cons =
	    atomic_load_explicit(XS_IDX(&pg->rsp_cons), memory_order_relaxed);
	if (req_prod - req_cons > XENSTORE_RING_SIZE ||
	    rsp_prod - rsp_cons > XENSTORE_RING_SIZE) {
		xs->broken = true;
		return -XEN_EIO;
	}
	xs->req_prod = req_prod;
	xs->rsp_cons = rsp_cons;
	return 0;
}

void pvfront_xs_close(struct pvfront_xs *xs)
{
	struct xs_done d = {0};

	if (!xs || !xs->ops)
		return;
	xs_lock(xs);
	xs_fail_requests(xs, -XEN_ENOTCONN, false, &d);
	xs_rx_forget(xs);
	xs->broken = true;
	xs_unlock(xs, &d);
}

void pvfront_xs_set_timeout(struct pvfront_xs *xs, int timeout_ms)
{
	xs_lock(xs);
	xs->timeout_ms = timeout_ms < 0 ? -1 : timeout_ms;
	xs_unlock(xs, NULL);
}

void pvfront_xs_stats(struct pvfront_xs *xs, struct pvfront_xs_stats *st)
{
	xs_lock(xs);
	*st = (struct pvfront_xs_stats){
	    .unexpected = xs->n_unexpected,
	    .bad_replies = xs->n_bad_replies,
	    .bad_events = xs->n_bad_events,
	    .lost_events = xs->n_lost_events,
	};
	xs_unlock(xs, NULL);
}

/* ---- reconnection ---------------------------------------------------------
 */

static bool store_connected(struct pvfront_xs *xs)
{
	/* acquire: the store zeroed the indices before it said so. */
	return atomic_load_explicit(XS_IDX(&xs->page->connection),
				    memory_order_acquire) == XENSTORE_CONNECTED;
}

/* Ask for the reset and wait for the store's answer; lock held. */
static int reconnect(struct pvfront_xs *xs)
{
	int rc, last = 0;

	/* seq_cst: our earlier ring writes are all done before the store
	 * sees the request, and the request is visible before we look at
	 * `connection` again. */
	atomic_store_explicit(XS_IDX(&xs->page->connection), XENSTORE_RECONNECT,
			      memory_order_seq_cst);
	rc = xs->ops->notify(xs->arg);
	if (rc)
		return rc;
	for (;;) {
		if (store_connected(xs))
			return 0;
		if (last)
			return last;
		if (xs->ops->wake)
			xs->ops->wake(xs->arg); /* failed requests' owners */
		/* One more look after a timeout, then give up. */
		last = xs->ops->wait(xs->arg, xs->timeout_ms);
	}
}

int pvfront_xs_reset(struct pvfront_xs *xs)
{
	struct xs_done d = {0};
	uint32_t features;
	int rc;

	xs_lock(xs);
	features = atomic_load_explicit(XS_IDX(&xs->page->server_features),
					memory_order_relaxed);
	if (!(features & XENSTORE_SERVER_FEATURE_RECONNECTION)) {
		xs_unlock(xs, NULL);
		return -XEN_ENOSYS;
	}
	if (xs->resetting) {
		xs_unlock(xs, NULL);
		return -XEN_EBUSY;
	}
	xs->resetting = true;
	xs_fail_requests(xs, -XEN_ENOTCONN, true, &d);
	xs_rx_forget(xs);
	rc = reconnect(xs);
	xs->resetting = false;
	if (rc == 0) {
		/* The store zeroed all four indices. */
		xs->req_prod = 0;
		xs->rsp_cons = 0;
		xs->broken = false;
		(void)xs_pump_locked(xs, &d); /* requests that waited */
	} else {
		xs->broken = true;
		xs_fail_requests(xs, -XEN_EIO, false, &d);
	}
	xs_unlock(xs, &d);
	return rc;
}

/* ---- requests -------------------------------------------------------------
 */

void pvfront_xs_req_init(struct pvfront_xs_req *req, uint32_t type, uint32_t tx,
			 void *reply, size_t cap)
{
	*req = (struct pvfront_xs_req){
	    .hdr = {.type = type, .tx_id = tx},
	    .reply = reply,
	    .reply_cap = reply ? cap : 0,
	    .state = REQ_IDLE,
	};
}

void pvfront_xs_req_add(struct pvfront_xs_req *req, const void *p, size_t len)
{
	if (req->status || len == 0)
		return;
	if (req->niov == PVFRONT_XS_IOV_MAX || !p)
		req->status = -XEN_EINVAL;
	else if (len > XENSTORE_PAYLOAD_MAX)
		req->status = -XEN_E2BIG;
	else
		req->iov[req->niov++] = (struct pvfront_xs_iov){p, len};
}

void pvfront_xs_req_add_str(struct pvfront_xs_req *req, const char *s)
{
	size_t n = 0;

	if (!s) {
		pvfront_xs_req_add(req, NULL, 1);
		return;
	}
	/* Bounded: a longer string cannot go in one payload anyway. */
	while (n < XENSTORE_PAYLOAD_MAX && s[n])
		n++;
	if (s[n] && !req->status)
		req->status = -XEN_E2BIG;
	pvfront_xs_req_add(req, s, n + 1);
}

static int req_payload(struct pvfront_xs_req *req)
{
	size_t total = 0;
	unsigned int i;

	if (req->status)
		return req->status;
	for (i = 0; i < req->niov; i++)
		total += req->iov[i].len;
	if (total > XENSTORE_PAYLOAD_MAX)
		return -XEN_E2BIG;
	req->hdr.len = (uint32_t)total;
	return 0;
}

static bool id_in_use(struct pvfront_xs *xs, uint32_t id)
{
	struct pvfront_xs_req *r;

	for (r = xs->queue; r; r = r->next)
		if (r->hdr.req_id == id)
			return true;
	for (r = xs->sent; r; r = r->next)
		if (r->hdr.req_id == id)
			return true;
	return false;
}

/* Watch events carry req_id 0, so requests never do. */
static uint32_t new_id(struct pvfront_xs *xs)
{
	uint32_t id;

	do
		id = xs->next_id++;
	while (id == 0 || id_in_use(xs, id));
	return id;
}

int pvfront_xs_submit(struct pvfront_xs *xs, struct pvfront_xs_req *req,
		      pvfront_xs_done_fn *done, void *arg)
{
	struct xs_done d = {0};
	int rc;

	xs_lock(xs);
	if (req->state == REQ_QUEUED || req->state == REQ_SENT)
		rc = -XEN_EBUSY;
	else if (req->state != REQ_IDLE)
		rc = -XEN_EINVAL; /* done: pvfront_xs_req_init() it again */
	else if (xs->broken)
		rc = -XEN_EIO;
	else
		rc = req_payload(req);
	if (rc) {
		xs_unlock(xs, NULL);
		return rc;
	}
	req->hdr.req_id = new_id(xs);
	req->sent = 0;
	req->reply_len = 0;
	req->status = PVFRONT_XS_PENDING;
	req->state = REQ_QUEUED;
	req->done = done;
	req->arg = arg;
	req->next = NULL;
	if (xs->queue_tail)
		xs->queue_tail->next = req;
	else
		xs->queue = req;
	xs->queue_tail = req;
	/* A failure here completes req (its callback says so). */
	(void)xs_pump_locked(xs, &d);
	xs_unlock(xs, &d);
	return 0;
}

int pvfront_xs_pump(struct pvfront_xs *xs)
{
	struct xs_done d = {0};
	int rc;

	xs_lock(xs);
	rc = xs_pump_locked(xs, &d);
	xs_unlock(xs, &d);
	return rc;
}

static void queue_unlink(struct pvfront_xs *xs, struct pvfront_xs_req *req)
{
	struct pvfront_xs_req **pp, *prev = NULL;

	for (pp = &xs->queue; *pp; prev = *pp, pp = &(*pp)->next) {
		if (*pp != req)
			continue;
		*pp = req->next;
		if (xs->queue_tail == req)
			xs->queue_tail = prev;
		return;
	}
}

static void cancel_locked(struct pvfront_xs *xs, struct pvfront_xs_req *req,
			  struct xs_done *d)
{
	bool started = req->state == REQ_QUEUED && req->sent > 0;

	if (req->state == REQ_QUEUED)
		queue_unlink(xs, req);
	else if (req->state == REQ_SENT)
		xs_unlink_sent(xs, req);
	else
		return;
	req->done = NULL; /* withdrawn: no callback */
	xs_complete(xs, req, -XEN_ENOTCONN, d);
	if (started) {
		/* The store holds the start of a message we cannot finish:
		 * nothing on this ring can be trusted to line up again. */
		xs->broken = true;
		xs_fail_requests(xs, -XEN_EIO, false, d);
		xs_rx_forget(xs);
	}
}

void pvfront_xs_cancel(struct pvfront_xs *xs, struct pvfront_xs_req *req)
{
	struct xs_done d = {0};

	xs_lock(xs);
	cancel_locked(xs, req, &d);
	xs_unlock(xs, &d);
}

int pvfront_xs_wait_req(struct pvfront_xs *xs, struct pvfront_xs_req *req)
{
	struct xs_done d = {0};
	int rc, last = 0;

	xs_lock(xs);
	for (;;) {
		rc = xs_pump_locked(xs, &d);
		if (d.head) {
			xs_unlock(xs, &d);
			d = (struct xs_done){0};
			xs_lock(xs);
			continue;
		}
		if (req->state == REQ_DONE || req->state == REQ_IDLE) {
			rc = req->status;
			break;
		}
		if (rc || last) {
			/* The pump's own error, or the wait's after one
			 * more look at the ring. */
			rc = rc ? rc : last;
			cancel_locked(xs, req, &d);
			break;
		}
		last = xs->ops->wait(xs->arg, xs->timeout_ms);
	}
	xs_unlock(xs, &d);
	return rc;
}

int pvfront_xs_req_status(struct pvfront_xs *xs,
			  const struct pvfront_xs_req *req)
{
	int st;

	xs_lock(xs);
	st = req->state == REQ_QUEUED || req->state == REQ_SENT
		 ? PVFRONT_XS_PENDING
		 : req->status;
	xs_unlock(xs, NULL);
	return st;
}

uint32_t pvfront_xs_req_len(const struct pvfront_xs_req *req)
{
	return req->reply_len;
}

uint32_t pvfront_xs_req_id(const struct pvfront_xs_req *req)
{
	return req->hdr.req_id;
}

/* ---- watch events ---------------------------------------------------------
 */

int pvfront_xs_next_event(struct pvfront_xs *xs, void *buf, size_t cap,
			  struct pvfront_xs_event *ev)
{
	struct xs_done d = {0};
	int rc, prc;

	xs_lock(xs);
	prc = xs_pump_locked(xs, &d);
	rc = xs_event_pop(xs, buf, cap, ev);
	if (rc == -XEN_EAGAIN && prc)
		rc = prc;
	xs_unlock(xs, &d);
	return rc;
}

int pvfront_xs_wait_event(struct pvfront_xs *xs, void *buf, size_t cap,
			  struct pvfront_xs_event *ev)
{
	struct xs_done d = {0};
	int rc, prc, last = 0;

	xs_lock(xs);
	for (;;) {
		prc = xs_pump_locked(xs, &d);
		rc = xs_event_pop(xs, buf, cap, ev);
		if (rc != -XEN_EAGAIN)
			break;
		if (prc || last) {
			rc = prc ? prc : last;
			break;
		}
		if (d.head) {
			xs_unlock(xs, &d);
			d = (struct xs_done){0};
			xs_lock(xs);
			continue;
		}
		last = xs->ops->wait(xs->arg, xs->timeout_ms);
	}
	xs_unlock(xs, &d);
	return rc;
}
