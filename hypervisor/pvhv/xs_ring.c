/*
 * The store's guest transport: each guest's store ring page (frame
 * HV_GFN_STORE, struct xenstore_domain_interface) and its store event
 * channel, served as one unprivileged client of the store core (store.h).
 * pvhv binds the guest's store port at creation through a dom0 port of its
 * own (evtchn.c), so the guest sees exactly what a guest of a dom0
 * xenstored sees, event-channel fast path included.
 *
 * Why it is built the way it is:
 *
 * The page is guest memory, which the guest may rewrite at any moment.
 * Each look at the page reads the indices it needs once, checks them, and
 * copies request bytes out before parsing them.  pvhv keeps its own copies
 * of the two indices it produces (req_cons, rsp_prod) and trusts only
 * those: a guest that writes them, or moves its own indices more than a
 * ring apart from ours, gets error = XENSTORE_ERROR_RINGIDX; a header whose
 * length is over the protocol's limit gets XENSTORE_ERROR_PROTO.  Either
 * way the byte stream cannot be resynchronised, so the ring is left alone
 * (no reading, no writing) until the guest asks for a reconnection.
 *
 * One message may be four times the size of a ring, and the guest may
 * split it (and its header) anywhere, so requests gather in a private
 * buffer as the guest produces them and replies leave in pieces as the
 * guest consumes.  Whatever does not fit in rsp[] waits in a per-guest
 * queue, which is bounded:
 *   - replies, by flow control: while the core throttles the guest (too
 *     many replies it has not consumed) or the queue is full, no further
 *     request is read, so a guest can only stall itself;
 *   - watch events, which dom0 can fire at a guest that never reads, by
 *     dropping the oldest queued events when a new one would overflow the
 *     queue.  A guest acting on the newest event reads the current state
 *     anyway; breaking its ring instead would punish it for dom0's writes.
 *     pvhv logs when it starts dropping and how many it dropped.
 *
 * A reply counts as delivered (store_conn_delivered) once the guest's
 * rsp_cons has passed its last byte, not when pvhv wrote it: that is what
 * keeps a guest that does not read from piling up work in pvhv.
 *
 * Each wake-up handles at most RING_BUDGET requests of one guest, then
 * comes back through the loop, so a busy guest cannot starve the others,
 * dom0's socket or the hypercalls.
 *
 * Reconnection (the guest sets connection = XENSTORE_RECONNECT and
 * notifies): the guest's client of the core is replaced by a fresh one,
 * which drops its watches and transactions; queued output and half-read
 * requests go too; the four indices and the error go back to 0, then
 * connection = XENSTORE_CONNECTED and the guest is notified.
 *
 * (The file is not called store_*.c: the store core's unit test builds
 * every store*.c, and this one needs the daemon around it.)
 */
#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pvhv.h"
#include "pvkit/store.h"
#include "store.h"

/* Output bytes one guest may have queued behind its rsp[] ring. */
#define RING_QUEUE_MAX (64u * 1024u)
/* Requests of one guest handled per wake-up. */
#define RING_BUDGET 32u
/* Replies that can end inside rsp[] at once (a message is at least a
 * header long), plus one. */
#define RING_ENDS (XENSTORE_RING_SIZE / PV_XS_HDR_SIZE + 1)

struct ring_msg {
	struct ring_msg *next;
	uint32_t len, off; /* off: bytes already in rsp[] */
	bool reply;	   /* counts for store_conn_delivered() */
	uint8_t data[];
};

struct hv_store_ring {
	struct domain *d;
	struct store_conn *conn;
	struct xenstore_domain_interface *intf;
	evtchn_port_t port; /* pvhv's dom0 end of the store channel */
	struct event *ev;
	/* pvhv's own copies of the indices it produces. */
	XENSTORE_RING_IDX req_cons, rsp_prod;
	/* rsp_prod just after each reply whose last byte is in rsp[] and
	 * not yet consumed, oldest first (a circular list). */
	XENSTORE_RING_IDX ends[RING_ENDS];
	unsigned int ends_head, ends_n;
	/* The request being gathered. */
	uint8_t in[PV_XS_MSG_MAX];
	size_t in_len;
	struct ring_msg *out_head, **out_tail;
	size_t out_bytes;
	unsigned long dropped; /* watch events dropped since the queue was
				* last empty */
	unsigned long fails;   /* times the ring broke */
	bool broken;	       /* error set: ignored until a reconnection */
	bool busy;	       /* inside ring_event(): notify on the way out */
	bool kick;	       /* the guest is to be notified */
};

/* The guest writes the page concurrently: its indices are read with
 * acquire (the bytes they cover are read after them) and ours published
 * with release (the bytes we wrote, or finished reading, come first). */
static uint32_t load_acquire(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static uint32_t load_relaxed(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void store_release(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static void notify_guest(struct hv_store_ring *r)
{
	if (!r->kick)
		return;
	r->kick = false;
	/* -ENOTCONN: the guest closed its store port; nobody to tell. */
	(void)hv_evtchn_pvhv_notify(r->d->hv, r->port);
}

static void drop_queue(struct hv_store_ring *r)
{
	while (r->out_head) {
		struct ring_msg *m = r->out_head;

		r->out_head = m->next;
		free(m);
	}
	r->out_tail = &r->out_head;
	r->out_bytes = 0;
}

static void report_drops(struct hv_store_ring *r)
{
	if (!r->dropped)
		return;
	hv_log(HV_LOG_WARN, "domain %u: %lu store watch event(s) dropped",
	       r->d->domid, r->dropped);
	r->dropped = 0;
}

static void ring_fail(struct hv_store_ring *r, uint32_t error,
		      const char *why)
{
	if (r->broken)
		return;
	/* A guest that breaks and reconnects in a loop must not flood the
	 * log: the first few, then every power of two. */
	r->fails++;
	if (r->fails <= 8 || !(r->fails & (r->fails - 1)))
		hv_log(HV_LOG_WARN, "domain %u: store ring: %s; ignored until "
		       "the guest reconnects (%lu time(s))", r->d->domid, why,
		       r->fails);
	r->broken = true;
	drop_queue(r);
	report_drops(r);
	store_release(&r->intf->error, error);
	r->kick = true;
}

/* ---- responses ----------------------------------------------------------- */

/* Check the response ring and take note of what the guest consumed.
 * Free bytes in rsp[] into *space; false when the ring broke. */
static bool rsp_space(struct hv_store_ring *r, uint32_t *space)
{
	uint32_t cons = load_acquire(&r->intf->rsp_cons);
	uint32_t used = r->rsp_prod - cons;
	unsigned int done = 0;

	if (load_relaxed(&r->intf->rsp_prod) != r->rsp_prod ||
	    used > XENSTORE_RING_SIZE) {
		ring_fail(r, XENSTORE_ERROR_RINGIDX, "response index out of "
			  "range");
		return false;
	}
	while (r->ends_n && (int32_t)(cons - r->ends[r->ends_head]) >= 0) {
		r->ends_head = (r->ends_head + 1) % RING_ENDS;
		r->ends_n--;
		done++;
	}
	if (done)
		store_conn_delivered(r->conn, done);
	*space = XENSTORE_RING_SIZE - used;
	return true;
}

static void rsp_copy(struct hv_store_ring *r, const uint8_t *src, uint32_t n)
{
	uint32_t off = MASK_XENSTORE_IDX(r->rsp_prod);
	uint32_t first = XENSTORE_RING_SIZE - off < n ? XENSTORE_RING_SIZE - off
						      : n;

	memcpy(r->intf->rsp + off, src, first);
	memcpy(r->intf->rsp, src + first, n - first);
	r->rsp_prod += n;
}

static void reply_ended(struct hv_store_ring *r)
{
	if (r->ends_n == RING_ENDS) {
		/* Cannot happen (see RING_ENDS); count it as delivered rather
		 * than lose track of it. */
		store_conn_delivered(r->conn, 1);
		return;
	}
	r->ends[(r->ends_head + r->ends_n++) % RING_ENDS] = r->rsp_prod;
}

/* Move queued output into rsp[] as far as it fits. */
static void flush(struct hv_store_ring *r)
{
	uint32_t space, start = r->rsp_prod;

	if (r->broken || !rsp_space(r, &space))
		return;
	while (r->out_head && space) {
		struct ring_msg *m = r->out_head;
		uint32_t n = m->len - m->off < space ? m->len - m->off : space;

		rsp_copy(r, m->data + m->off, n);
		m->off += n;
		space -= n;
		r->out_bytes -= n;
		if (m->off < m->len)
			break;
		if (m->reply)
			reply_ended(r);
		r->out_head = m->next;
		if (!r->out_head)
			r->out_tail = &r->out_head;
		free(m);
	}
	if (r->rsp_prod == start)
		return;
	store_release(&r->intf->rsp_prod, r->rsp_prod);
	r->kick = true;
	if (!r->out_head)
		report_drops(r);
}

/* Drop queued watch events, oldest first, until need more bytes fit; the
 * head may be half written already and stays.  False when it still does
 * not fit (the queue is replies, which flow control bounds). */
static bool make_room(struct hv_store_ring *r, size_t need)
{
	struct ring_msg **pp = &r->out_head;

	if (*pp && (*pp)->off)
		pp = &(*pp)->next;
	while (*pp && r->out_bytes + need > RING_QUEUE_MAX) {
		struct ring_msg *m = *pp;

		if (m->reply) {
			pp = &m->next;
			continue;
		}
		*pp = m->next;
		if (!*pp)
			r->out_tail = pp;
		r->out_bytes -= m->len;
		r->dropped++;
		free(m);
	}
	return r->out_bytes + need <= RING_QUEUE_MAX;
}

static int ring_send(struct store_conn *c, const struct xsd_sockmsg *hdr,
		     const void *payload, size_t len, void *arg)
{
	struct hv_store_ring *r = arg;
	bool reply = hdr->type != XS_WATCH_EVENT;
	size_t size = sizeof(*hdr) + len;
	struct ring_msg *m;

	(void)c;
	if (r->broken)
		return 0; /* nobody reads it until a reconnection drops it */
	if (!reply && r->out_bytes + size > RING_QUEUE_MAX) {
		if (!r->dropped)
			hv_log(HV_LOG_WARN, "domain %u: store output queue "
			       "full (the guest does not read); dropping its "
			       "oldest watch events", r->d->domid);
		if (!make_room(r, size)) {
			r->dropped++;
			return 0;
		}
	}
	m = malloc(sizeof(*m) + size);
	if (!m) {
		/* A lost reply would leave the guest waiting for ever. */
		if (reply)
			ring_fail(r, XENSTORE_ERROR_COMM, "out of memory");
		return -XEN_ENOMEM;
	}
	m->next = NULL;
	m->len = (uint32_t)size;
	m->off = 0;
	m->reply = reply;
	memcpy(m->data, hdr, sizeof(*hdr));
	if (len)
		memcpy(m->data + sizeof(*hdr), payload, len);
	*r->out_tail = m;
	r->out_tail = &m->next;
	r->out_bytes += size;
	flush(r);
	if (!r->busy)
		notify_guest(r);
	return 0;
}

static const struct store_conn_ops ring_ops = { .send = ring_send };

/* ---- requests ------------------------------------------------------------ */

/* Copy up to want request bytes into in[]; *got says how many there
 * were.  False when the ring broke. */
static bool req_take(struct hv_store_ring *r, size_t want, size_t *got)
{
	uint32_t prod = load_acquire(&r->intf->req_prod);
	uint32_t avail = prod - r->req_cons;
	uint32_t off = MASK_XENSTORE_IDX(r->req_cons), n, first;

	*got = 0;
	if (load_relaxed(&r->intf->req_cons) != r->req_cons ||
	    avail > XENSTORE_RING_SIZE) {
		ring_fail(r, XENSTORE_ERROR_RINGIDX, "request index out of "
			  "range");
		return false;
	}
	n = avail < want ? avail : (uint32_t)want;
	if (!n)
		return true;
	first = XENSTORE_RING_SIZE - off < n ? XENSTORE_RING_SIZE - off : n;
	memcpy(r->in + r->in_len, r->intf->req + off, first);
	memcpy(r->in + r->in_len + first, r->intf->req, n - first);
	r->in_len += n;
	r->req_cons += n;
	/* The bytes are copied: the guest may reuse that space. */
	store_release(&r->intf->req_cons, r->req_cons);
	r->kick = true;
	*got = n;
	return true;
}

/* Gather the next request: 1 when a whole one is in in[] (*hdr filled),
 * 0 when the guest has not written all of it yet, -1 when the ring
 * broke. */
static int next_request(struct hv_store_ring *r, struct xsd_sockmsg *hdr)
{
	for (;;) {
		size_t need = PV_XS_HDR_SIZE, got;

		if (r->in_len >= PV_XS_HDR_SIZE) {
			/* An unknown type (-EINVAL) still has a valid length:
			 * the core answers it with an error. */
			if (pv_xs_parse_header(r->in, r->in_len, hdr) ==
			    -XEN_E2BIG) {
				ring_fail(r, XENSTORE_ERROR_PROTO,
					  "request over the size limit");
				return -1;
			}
			need += hdr->len;
		}
		if (r->in_len >= need)
			return 1;
		if (!req_take(r, need - r->in_len, &got))
			return -1;
		if (!got)
			return 0;
	}
}

/* Requests are read while the core takes more from this guest and its
 * output has room; RING_BUDGET of them, then the loop gets a turn. */
static void process(struct hv_store_ring *r)
{
	for (unsigned int i = 0; i < RING_BUDGET; i++) {
		struct xsd_sockmsg hdr;

		if (r->broken || store_conn_throttled(r->conn) ||
		    r->out_bytes >= RING_QUEUE_MAX ||
		    next_request(r, &hdr) <= 0)
			return;
		(void)store_request(r->conn, &hdr,
				    hdr.len ? (const char *)r->in +
						      PV_XS_HDR_SIZE
					    : NULL);
		r->in_len = 0;
	}
	event_active(r->ev, EV_READ, 0);
}

/* ---- reconnection -------------------------------------------------------- */

static void reconnect(struct hv_store_ring *r)
{
	struct xenstore_domain_interface *intf = r->intf;

	hv_log(HV_LOG_DEBUG, "domain %u: store ring reconnects", r->d->domid);
	store_conn_free(r->conn);
	r->conn = NULL;
	drop_queue(r);
	report_drops(r);
	r->in_len = 0;
	r->ends_n = 0;
	r->req_cons = r->rsp_prod = 0;
	r->broken = false;
	intf->req_cons = intf->req_prod = 0;
	intf->rsp_cons = intf->rsp_prod = 0;
	intf->error = XENSTORE_ERROR_NONE;
	if (store_conn_new(r->d->hv->store, r->d->domid, &ring_ops, r,
			   &r->conn)) {
		r->conn = NULL;
		ring_fail(r, XENSTORE_ERROR_COMM, "out of memory");
	}
	/* Indices and error are reset before the guest sees it is done. */
	store_release(&intf->connection, XENSTORE_CONNECTED);
	r->kick = true;
}

static void ring_event(evutil_socket_t fd, short what, void *arg)
{
	struct hv_store_ring *r = arg;
	uint64_t n;

	(void)what;
	/* Drain the eventfd; EAGAIN when the loop itself brought us back. */
	(void)!read(fd, &n, sizeof(n));
	r->busy = true;
	if (load_acquire(&r->intf->connection) == XENSTORE_RECONNECT) {
		reconnect(r);
	} else if (!r->broken) {
		flush(r); /* also counts what the guest consumed */
		process(r);
	}
	r->busy = false;
	notify_guest(r);
}

/* ---- attach, detach ------------------------------------------------------ */

/* dom0's INTRODUCE of a pvhv guest: the ring is attached already, so the
 * request only has to name it correctly.  Other domids are the store's
 * bookkeeping alone. */
static int check_introduce(struct store *st, uint16_t domid, uint64_t mfn,
			   uint32_t port, void *arg)
{
	struct domain *d = hv_domain_find(arg, domid);

	(void)st;
	if (!d || domid == 0)
		return 0;
	return mfn == HV_GFN_STORE && port == d->store_port ? 0 : -XEN_EINVAL;
}

int hv_store_ring_attach(struct domain *d)
{
	struct hv *hv = d->hv;
	struct hv_store_ring *r;
	int efd, rc;

	if (!hv->store)
		return 0;
	if (d->store_ring)
		return -EEXIST;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	d->store_ring = r;
	r->d = d;
	r->out_tail = &r->out_head;
	r->intf = hv_mem_ptr(&d->mem, (uint64_t)HV_GFN_STORE << HV_PAGE_SHIFT,
			     sizeof(*r->intf));
	/* Set on every attach: the hook needs hv, and main.c has no part
	 * in the rings. */
	store_set_introduce_hook(hv->store, check_introduce, hv);
	rc = r->intf ? store_conn_new(hv->store, d->domid, &ring_ops, r,
				      &r->conn)
		     : -EINVAL;
	if (!rc)
		rc = hv_evtchn_pvhv_bind(d, d->store_port, &r->port, &efd);
	if (rc)
		goto fail;
	r->ev = event_new(hv->base, efd, EV_READ | EV_PERSIST, ring_event, r);
	if (!r->ev || event_add(r->ev, NULL)) {
		rc = -ENOMEM;
		goto fail;
	}
	r->intf->req_cons = r->intf->req_prod = 0;
	r->intf->rsp_cons = r->intf->rsp_prod = 0;
	r->intf->server_features = XENSTORE_SERVER_FEATURE_RECONNECTION |
				   XENSTORE_SERVER_FEATURE_ERROR;
	r->intf->error = XENSTORE_ERROR_NONE;
	store_release(&r->intf->connection, XENSTORE_CONNECTED);
	return 0;
fail:
	hv_store_ring_detach(d);
	return rc;
}

void hv_store_ring_detach(struct domain *d)
{
	struct hv_store_ring *r = d->store_ring;

	if (!r)
		return;
	d->store_ring = NULL;
	store_conn_free(r->conn);
	if (r->ev)
		event_free(r->ev);
	if (r->port)
		hv_evtchn_pvhv_close(d->hv, r->port);
	drop_queue(r);
	report_drops(r);
	free(r);
}
