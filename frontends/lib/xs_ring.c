/*
 * The store client's side of the ring page: request bytes out of the
 * callers' pieces into req[], reply and event bytes out of rsp[] into the
 * callers' buffers and the event queue.  The store is not trusted: each
 * step reads its index once, checks the distance to ours, and moves bytes
 * at our own index only, so every access stays inside req[] or rsp[].
 */
#include "xs_int.h"

#define RING XENSTORE_RING_SIZE

static uint32_t min32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* ---- raw ring copies ------------------------------------------------------
 */

static void ring_put(char *ring, XENSTORE_RING_IDX idx, const void *src,
		     uint32_t n)
{
	uint32_t off = MASK_XENSTORE_IDX(idx), first = min32(n, RING - off);

	__builtin_memcpy(ring + off, src, first);
	__builtin_memcpy(ring, (const uint8_t *)src + first, n - first);
}

/* dst NULL: skip the bytes. */
static void ring_get(const char *ring, XENSTORE_RING_IDX idx, void *dst,
		     uint32_t n)
{
	uint32_t off = MASK_XENSTORE_IDX(idx), first = min32(n, RING - off);

	if (!dst || n == 0)
		return;
	__builtin_memcpy(dst, ring + off, first);
	__builtin_memcpy((uint8_t *)dst + first, ring, n - first);
}

/* ---- completing requests --------------------------------------------------
 */

void xs_complete(struct pvfront_xs *xs, struct pvfront_xs_req *r, int status,
		 struct xs_done *d)
{
	r->status = status;
	r->state = REQ_DONE;
	r->next = NULL;
	xs->wake_due = true;
	/* Only requests with a callback are touched again (after the lock is
	 * dropped); the owner of one without may free it from now on. */
	if (!r->done)
		return;
	if (d->tail)
		d->tail->next = r;
	else
		d->head = r;
	d->tail = r;
}

bool xs_unlink_sent(struct pvfront_xs *xs, struct pvfront_xs_req *r)
{
	struct pvfront_xs_req **pp;

	for (pp = &xs->sent; *pp; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			if (xs->rx_req == r) {
				/* Its reply is arriving: drop the rest. */
				xs->rx_req = NULL;
				xs->rx_kind = RX_DISCARD;
			}
			return true;
		}
	}
	return false;
}

void xs_rx_forget(struct pvfront_xs *xs)
{
	xs->rx_hdr_have = 0;
	xs->rx_have = 0;
	xs->rx_kind = RX_DISCARD;
	xs->rx_req = NULL;
}

void xs_fail_requests(struct pvfront_xs *xs, int status, bool keep_unstarted,
		      struct xs_done *d)
{
	struct pvfront_xs_req *r, *next, *keep = NULL, *keep_tail = NULL;

	for (r = xs->sent; r; r = next) {
		next = r->next;
		xs_complete(xs, r, status, d);
	}
	xs->sent = NULL;
	xs->rx_req = NULL;
	xs->rx_kind = RX_DISCARD;
	for (r = xs->queue; r; r = next) {
		next = r->next;
		if (keep_unstarted && r->sent == 0) {
			r->next = NULL;
			if (keep_tail)
				keep_tail->next = r;
			else
				keep = r;
			keep_tail = r;
			continue;
		}
		xs_complete(xs, r, status, d);
	}
	xs->queue = keep;
	xs->queue_tail = keep_tail;
}

/* The ring cannot be trusted any more: everything fails until a reset. */
static void break_ring(struct pvfront_xs *xs, struct xs_done *d)
{
	xs->broken = true;
	xs_fail_requests(xs, -XEN_EIO, false, d);
	xs_rx_forget(xs);
}

/* ---- sending --------------------------------------------------------------
 */

/* The bytes of r from offset off on: where they are and how many are in
 * one piece. */
static const uint8_t *req_piece(const struct pvfront_xs_req *r, uint32_t off,
				uint32_t *n)
{
	unsigned int i;

	if (off < PV_XS_HDR_SIZE) {
		*n = PV_XS_HDR_SIZE - off;
		return (const uint8_t *)&r->hdr + off;
	}
	off -= PV_XS_HDR_SIZE;
	for (i = 0; i < r->niov; i++) {
		if (off < r->iov[i].len) {
			*n = (uint32_t)r->iov[i].len - off;
			return (const uint8_t *)r->iov[i].base + off;
		}
		off -= (uint32_t)r->iov[i].len;
	}
	*n = 0;
	return NULL;
}

static void queue_pop_to_sent(struct pvfront_xs *xs)
{
	struct pvfront_xs_req *r = xs->queue;

	xs->queue = r->next;
	if (!xs->queue)
		xs->queue_tail = NULL;
	r->state = REQ_SENT;
	r->next = xs->sent;
	xs->sent = r;
}

static int pump_tx(struct pvfront_xs *xs, bool *moved)
{
	struct xenstore_domain_interface *pg = xs->page;
	struct pvfront_xs_req *r;
	XENSTORE_RING_IDX cons;
	const uint8_t *p;
	uint32_t used, n;

	while ((r = xs->queue)) {
		if (r->sent == PV_XS_HDR_SIZE + r->hdr.len) {
			queue_pop_to_sent(xs); /* an empty payload */
			continue;
		}
		/* acquire: the store has finished reading the bytes it
		 * released before we write over them. */
		cons = atomic_load_explicit(XS_IDX(&pg->req_cons),
					    memory_order_acquire);
		used = xs->req_prod - cons;
		if (used > RING)
			return -XEN_EIO;
		if (used == RING)
			return 0;
		p = req_piece(r, r->sent, &n);
		n = min32(n, RING - used);
		ring_put(pg->req, xs->req_prod, p, n);
		xs->req_prod += n;
		/* release: the bytes are in req[] before the store sees
		 * req_prod cover them. */
		atomic_store_explicit(XS_IDX(&pg->req_prod), xs->req_prod,
				      memory_order_release);
		r->sent += n;
		*moved = true;
	}
	return 0;
}

/* ---- watch events ---------------------------------------------------------
 */

static uint32_t ev_record(uint32_t len)
{
	return 4 + ((len + 3u) & ~3u);
}

static uint8_t *ev_bytes(struct pvfront_xs *xs)
{
	return (uint8_t *)xs->ev_buf;
}

/* Room for an event of len payload bytes at ev_tail, compacting first
 * when the free space is split. */
static bool ev_reserve(struct pvfront_xs *xs, uint32_t len)
{
	uint32_t need = ev_record(len);

	if (xs->ev_tail + need > PVFRONT_XS_EVENT_BYTES && xs->ev_head) {
		__builtin_memmove(ev_bytes(xs), ev_bytes(xs) + xs->ev_head,
				  xs->ev_tail - xs->ev_head);
		xs->ev_tail -= xs->ev_head;
		xs->ev_head = 0;
	}
	return xs->ev_tail + need <= PVFRONT_XS_EVENT_BYTES;
}

/* The event just received at ev_tail: keep it if it is "path\0token\0". */
static void ev_commit(struct pvfront_xs *xs, uint32_t len)
{
	uint8_t *rec = ev_bytes(xs) + xs->ev_tail;
	struct pv_xs_cursor c;
	const char *s;
	size_t n;

	pv_xs_cursor_init(&c, rec + 4, len);
	if (pv_xs_next_str(&c, &s, &n) || pv_xs_next_str(&c, &s, &n)) {
		xs->n_bad_events++;
		return;
	}
	__builtin_memcpy(rec, &len, 4);
	xs->ev_tail += ev_record(len);
	xs->wake_due = true;
}

int xs_event_pop(struct pvfront_xs *xs, void *buf, size_t cap,
		 struct pvfront_xs_event *ev)
{
	const uint8_t *rec = ev_bytes(xs) + xs->ev_head;
	uint32_t len;

	if (xs->ev_head == xs->ev_tail) {
		if (!xs->ev_lost)
			return -XEN_EAGAIN;
		xs->ev_lost = 0;
		return -XEN_ENOBUFS;
	}
	__builtin_memcpy(&len, rec, 4);
	if (len > cap)
		return -XEN_ENOSPC;
	/* Checked at commit: two NUL-terminated strings come first. */
	__builtin_memcpy(buf, rec + 4, len);
	ev->path = buf;
	ev->token = buf;
	while (*ev->token++)
		;
	xs->ev_head += ev_record(len);
	/* Start over at the front when empty, unless an event is arriving
	 * into the space reserved behind ev_tail. */
	if (xs->ev_head == xs->ev_tail && xs->rx_kind != RX_EVENT)
		xs->ev_head = xs->ev_tail = 0;
	return 0;
}

/* ---- receiving ------------------------------------------------------------
 */

static struct pvfront_xs_req *sent_find(struct pvfront_xs *xs, uint32_t id)
{
	struct pvfront_xs_req *r;

	for (r = xs->sent; r; r = r->next)
		if (r->hdr.req_id == id)
			return r;
	return NULL;
}

/* A whole header arrived: decide where its payload goes. */
static int rx_start(struct pvfront_xs *xs)
{
	int rc = pv_xs_parse_header(xs->rx_hdr, PV_XS_HDR_SIZE, &xs->rx);
	struct pvfront_xs_req *r;

	if (rc == -XEN_E2BIG)
		return -XEN_EIO; /* no telling where the next message starts */
	xs->rx_have = 0;
	xs->rx_req = NULL;
	xs->rx_kind = RX_DISCARD;
	if (rc == 0 && xs->rx.type == XS_WATCH_EVENT) {
		xs->rx_kind = ev_reserve(xs, xs->rx.len) ? RX_EVENT : RX_LOST;
		return 0;
	}
	r = sent_find(xs, xs->rx.req_id);
	if (!r) {
		xs->n_unexpected++;
		return 0;
	}
	xs->rx_req = r;
	if (rc == 0 && xs->rx.type == XS_ERROR)
		xs->rx_kind = RX_ERROR;
	else if (rc == 0 && xs->rx.type == r->hdr.type)
		xs->rx_kind = RX_REPLY;
	else
		xs->rx_kind = RX_BAD;
	return 0;
}

/* Where payload byte rx_have goes, and how many bytes fit from there
 * (0: drop them). */
static uint8_t *rx_dest(struct pvfront_xs *xs, uint32_t *room)
{
	uint32_t have = xs->rx_have;
	size_t cap = 0;
	uint8_t *base = NULL;

	switch (xs->rx_kind) {
	case RX_REPLY:
		base = xs->rx_req->reply;
		cap = base ? xs->rx_req->reply_cap : 0;
		break;
	case RX_ERROR:
		base = (uint8_t *)xs->rx_err;
		cap = sizeof(xs->rx_err);
		break;
	case RX_EVENT:
		base = ev_bytes(xs) + xs->ev_tail + 4;
		cap = xs->rx.len; /* reserved at rx_start */
		break;
	}
	cap = cap > have ? cap - have : 0;
	*room = cap > RING ? RING : (uint32_t)cap;
	return *room ? base + have : NULL;
}

static void rx_finish(struct pvfront_xs *xs, struct xs_done *d)
{
	struct pvfront_xs_req *r = xs->rx_req;
	uint32_t len = xs->rx.len;
	int status;

	switch (xs->rx_kind) {
	case RX_EVENT:
		ev_commit(xs, len);
		break;
	case RX_LOST:
		xs->n_lost_events++;
		xs->ev_lost++;
		break;
	case RX_REPLY:
		xs_unlink_sent(xs, r);
		r->reply_len = len;
		xs_complete(xs, r, 0, d);
		break;
	case RX_ERROR:
		xs_unlink_sent(xs, r);
		/* A name too long for rx_err is no name we know. */
		status = len <= sizeof(xs->rx_err)
			     ? pv_xs_error_parse(xs->rx_err, len)
			     : -XEN_EINVAL;
		xs_complete(xs, r, status, d);
		break;
	case RX_BAD:
		xs_unlink_sent(xs, r);
		xs->n_bad_replies++;
		xs_complete(xs, r, -XEN_EIO, d);
		break;
	}
	xs_rx_forget(xs);
}

/* Consume up to avail bytes at rsp_cons; returns how many, or -XEN_EIO. */
static int rx_take(struct pvfront_xs *xs, uint32_t avail, struct xs_done *d)
{
	const char *rsp = xs->page->rsp;
	uint32_t n, room;
	uint8_t *dst;
	int rc;

	if (xs->rx_hdr_have < PV_XS_HDR_SIZE) {
		n = min32(avail, PV_XS_HDR_SIZE - xs->rx_hdr_have);
		ring_get(rsp, xs->rsp_cons, xs->rx_hdr + xs->rx_hdr_have, n);
		xs->rx_hdr_have += n;
		if (xs->rx_hdr_have < PV_XS_HDR_SIZE)
			return (int)n;
		rc = rx_start(xs);
		if (rc)
			return rc;
		if (xs->rx.len == 0)
			rx_finish(xs, d);
		return (int)n;
	}
	n = min32(avail, xs->rx.len - xs->rx_have);
	dst = rx_dest(xs, &room);
	ring_get(rsp, xs->rsp_cons, dst, min32(n, room));
	xs->rx_have += n;
	if (xs->rx_have == xs->rx.len)
		rx_finish(xs, d);
	return (int)n;
}

static int pump_rx(struct pvfront_xs *xs, struct xs_done *d, bool *moved)
{
	struct xenstore_domain_interface *pg = xs->page;
	XENSTORE_RING_IDX prod;
	uint32_t avail;
	int n;

	for (;;) {
		/* acquire: the bytes the store wrote are visible before we
		 * copy the ones rsp_prod covers. */
		prod = atomic_load_explicit(XS_IDX(&pg->rsp_prod),
					    memory_order_acquire);
		avail = prod - xs->rsp_cons;
		if (avail > RING)
			return -XEN_EIO;
		if (avail == 0)
			return 0;
		n = rx_take(xs, avail, d);
		if (n < 0)
			return n;
		xs->rsp_cons += (uint32_t)n;
		/* release: our copies are complete before the store may
		 * write over the space. */
		atomic_store_explicit(XS_IDX(&pg->rsp_cons), xs->rsp_cons,
				      memory_order_release);
		*moved = true;
	}
}

/* ---- one step -------------------------------------------------------------
 */

int xs_pump_locked(struct pvfront_xs *xs, struct xs_done *d)
{
	bool moved = false;
	int rc;

	if (xs->resetting)
		return 0;
	if (xs->broken)
		return -XEN_EIO;
	/* A store that reports an error has stopped serving the ring. */
	if (atomic_load_explicit(XS_IDX(&xs->page->error),
				 memory_order_relaxed) != XENSTORE_ERROR_NONE)
		rc = -XEN_EIO;
	else
		rc = pump_tx(xs, &moved);
	if (rc == 0)
		rc = pump_rx(xs, d, &moved);
	if (rc)
		break_ring(xs, d);
	if (moved) {
		int nrc = xs->ops->notify(xs->arg);

		rc = rc ? rc : nrc;
	}
	return rc;
}
