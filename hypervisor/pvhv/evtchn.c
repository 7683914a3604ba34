/*
 * Event channels: every domain's port table, delivery into a guest's
 * 2-level bitmaps, and dom0's ports.
 *
 * A port is free, unbound (waiting for one named domain to bind it) or
 * interdomain (linked to a port of another, or the same, domain).  Port 0
 * is never handed out; the highest port is the domain's max_event_channels
 * (as xl.cfg means it), capped by the 2-level ABI for guests and by the
 * status page for dom0.  New ports are the lowest free ones.
 *
 * Raising a guest port sets its pending bit in the guest's shared_info and,
 * when that made the vCPU go from idle to "events pending", asks the engine
 * to kick the vCPU.  Events are delivered to vCPU 0: EVTCHNOP_bind_vcpu is
 * not offered.
 *
 * dom0 ports each carry an eventfd that pvhv writes when the port is raised.
 * A dom0 port belongs to the client that allocated or bound it; other
 * clients cannot send on it, close it or unmask it (only query its
 * status), as with separate /dev/xen/evtchn handles.  After
 * bind_interdomain to a guest, the client's status word for the port
 * (hv_client_port_status) lets libpvhv raise the guest port itself; pvhv
 * clears the word the moment the link breaks.
 *
 * Breaking a link (a close on either side, a domain's death, a client that
 * goes): as in Xen, the surviving port becomes unbound, waiting for the
 * closer's domain again.  Unlike Xen, pvhv also raises the surviving port,
 * so a peer blocked on it notices; a dom0 survivor's client further gets
 * PVHV_NOTIFY_PORT_CLOSED.
 *
 * The other direction has a fast path too (ctl_wire.h, "guest->dom0 fast
 * path").  A guest whose transport passes descriptors (a process guest;
 * it asked for its status page with hv_evtchn_status_fd()) that sends on a
 * port linked to a dom0 port gets, on its first send of that link, a
 * duplicate of the dom0 port's eventfd, and its status word for the port
 * becomes VALID | a fresh generation.  Raising a dom0 port is nothing but
 * a write to that eventfd, so the guest writing it is the very same
 * EVTCHNOP_send.  The word goes back to 0 before the surviving end is
 * raised whenever the link breaks, so the guest, woken by that, sees it
 * gone.  The descriptor reaches the dom0 port of that link and nothing
 * else: the guest can raise (or drain) only what it could raise anyway,
 * and once dom0 closes that port its eventfd is gone from pvhv and dom0.
 *
 * pvhv serves some guest ports itself (each guest's store ring,
 * xs_ring.c) through dom0 ports that no client owns.  To clients they are
 * like another client's ports (status only); to the guest they are dom0
 * ports like any other, fast path included, so a guest cannot tell pvhv's
 * store from a store run by a dom0 tool.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pvhv.h"
#include "pvkit/evtchn.h"

/* The vCPU that receives every event (no EVTCHNOP_bind_vcpu). */
#define NOTIFY_VCPU 0u

enum port_state { PORT_FREE, PORT_UNBOUND, PORT_INTERDOMAIN };

struct port {
	enum port_state state;
	domid_t remote_domid;   /* unbound: the domain that may bind */
	struct hv_evtchn *peer; /* interdomain: the other end */
	evtchn_port_t peer_port;
	int efd;                /* dom0 ports: written when raised */
	struct client *owner;   /* dom0 ports of a client */
	uint32_t fast_word;     /* guest ports: the status word while the
				 * guest holds the peer's eventfd, else 0 */
};

struct hv_evtchn {
	struct domain *d;
	evtchn_port_t max_port;
	bool closing; /* the domain is going: leave its bitmaps alone */
	/* Guests' fast path: the status page (pvhv's writable mapping) and
	 * the read-only descriptor the guest gets, once asked for. */
	_Atomic uint32_t *fast;
	size_t fast_bytes;
	int fast_fd;
	uint32_t fast_gen;   /* the last generation handed out */
	evtchn_port_t handed_port; /* hv_evtchn_fast_handed() */
	uint32_t handed_word;
	struct port ports[];
};

static bool is_dom0(const struct hv_evtchn *e)
{
	return e->d->domid == 0;
}

int hv_evtchn_new(struct domain *d, unsigned int max_ports,
		  struct hv_evtchn **out)
{
	unsigned int limit = d->domid ? PV_EVTCHN_2L_PORTS - 1
				      : HV_DOM0_MAX_PORTS - 1;
	struct hv_evtchn *e;

	if (max_ports == 0)
		return -EINVAL;
	if (max_ports > limit)
		max_ports = limit;
	e = calloc(1, sizeof(*e) + (max_ports + 1) * sizeof(e->ports[0]));
	if (!e)
		return -ENOMEM;
	e->d = d;
	e->max_port = max_ports;
	e->fast_fd = -1;
	for (unsigned int p = 0; p <= max_ports; p++)
		e->ports[p].efd = -1;
	*out = e;
	return 0;
}

/* ---- ports -------------------------------------------------------------- */

static void set_status(struct client *cl, evtchn_port_t p, uint32_t word)
{
	_Atomic uint32_t *s = hv_client_port_status(cl);

	/* seq_cst: a cleared word is visible before the eventfd write that
	 * follows, so the woken client sees the link gone. */
	if (s)
		atomic_store(&s[p], word);
}

/* Guest port p's link broke: its descriptor is no longer to be used. */
static void fast_clear(struct hv_evtchn *e, evtchn_port_t p)
{
	if (!e->ports[p].fast_word)
		return;
	e->ports[p].fast_word = 0;
	/* seq_cst: zero before the eventfd write that wakes the guest. */
	atomic_store(&e->fast[p], 0);
}

static void raise_port(struct hv_evtchn *e, evtchn_port_t p)
{
	struct domain *d = e->d;
	int efd = e->ports[p].efd;

	if (efd >= 0) {
		uint64_t one = 1;

		/* Fails (EAGAIN) only when the counter is full, and then the
		 * fd is readable anyway. */
		(void)!write(efd, &one, sizeof(one));
		return;
	}
	if (e->closing || !d->shinfo)
		return;
	if (pv_evtchn_set_pending(d->shinfo, &d->shinfo->vcpu_info[NOTIFY_VCPU],
				  p) == 1 &&
	    d->eng && d->eng->kick)
		d->eng->kick(d, NOTIFY_VCPU);
}

static int port_alloc(struct hv_evtchn *e, evtchn_port_t *out)
{
	for (evtchn_port_t p = 1; p <= e->max_port; p++) {
		if (e->ports[p].state != PORT_FREE)
			continue;
		if (is_dom0(e)) {
			int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

			if (fd < 0)
				return -errno;
			e->ports[p].efd = fd;
		}
		*out = p;
		return 0;
	}
	return -ENOSPC;
}

static void port_release(struct hv_evtchn *e, evtchn_port_t p)
{
	struct port *pt = &e->ports[p];

	fast_clear(e, p);
	if (pt->owner)
		set_status(pt->owner, p, 0);
	if (pt->efd >= 0)
		close(pt->efd);
	/* As Xen does: a port bound again later starts without a stale
	 * event. */
	if (!e->closing && !is_dom0(e) && e->d->shinfo)
		pv_evtchn_clear_pending(e->d->shinfo, p);
	*pt = (struct port){ .state = PORT_FREE, .efd = -1 };
}

static void notify_closed(struct hv_evtchn *e, evtchn_port_t p,
			  domid_t remote)
{
	struct pvhv_ctl_notify n = { .kind = PVHV_NOTIFY_PORT_CLOSED,
				     .domid = remote, .port = p };

	hv_ctl_notify(e->d->hv, e->ports[p].owner, &n, NULL, 0);
}

/* Port p of e is closing: its peer becomes unbound for e's domain, loses
 * its fast path, and is raised; its client (unless that is the one going
 * away) is told. */
static void unlink_peer(struct hv_evtchn *e, evtchn_port_t p,
			const struct client *gone)
{
	struct hv_evtchn *pe = e->ports[p].peer;
	evtchn_port_t pp = e->ports[p].peer_port;
	struct port *q = &pe->ports[pp];

	q->state = PORT_UNBOUND;
	q->remote_domid = e->d->domid;
	q->peer = NULL;
	q->peer_port = 0;
	fast_clear(pe, pp);
	if (q->owner)
		set_status(q->owner, pp, 0);
	raise_port(pe, pp);
	if (q->owner && q->owner != gone)
		notify_closed(pe, pp, e->d->domid);
}

static void close_port(struct hv_evtchn *e, evtchn_port_t p,
		       const struct client *gone)
{
	if (e->ports[p].state == PORT_INTERDOMAIN)
		unlink_peer(e, p, gone);
	port_release(e, p);
}

void hv_evtchn_free(struct hv_evtchn *e)
{
	if (!e)
		return;
	e->closing = true;
	for (evtchn_port_t p = 1; p <= e->max_port; p++)
		if (e->ports[p].state != PORT_FREE)
			close_port(e, p, NULL);
	if (e->fast)
		munmap((void *)e->fast, e->fast_bytes);
	if (e->fast_fd >= 0)
		close(e->fast_fd);
	free(e);
}

void hv_evtchn_client_gone(struct hv *hv, struct client *cl)
{
	struct hv_evtchn *e = hv->dom0 ? hv->dom0->evt : NULL;

	if (!e)
		return;
	for (evtchn_port_t p = 1; p <= e->max_port; p++)
		if (e->ports[p].state != PORT_FREE && e->ports[p].owner == cl)
			close_port(e, p, cl);
}

int hv_evtchn_alloc_unbound(struct domain *d, domid_t remote,
			    evtchn_port_t *port)
{
	struct hv_evtchn *e = d->evt;
	int rc;

	if (!e)
		return -EINVAL;
	rc = port_alloc(e, port);
	if (rc)
		return rc;
	e->ports[*port].state = PORT_UNBOUND;
	e->ports[*port].remote_domid = remote;
	return 0;
}

int hv_evtchn_raise(struct domain *d, evtchn_port_t port)
{
	struct hv_evtchn *e = d->evt;

	if (!e || port == 0 || port > e->max_port ||
	    e->ports[port].state == PORT_FREE)
		return -EINVAL;
	raise_port(e, port);
	return 0;
}

/* ---- the hypercall ------------------------------------------------------ */

static struct domain *find_domain(struct hv_call *c, domid_t domid)
{
	struct domain *d = domid == DOMID_SELF ? c->dom
					       : hv_domain_find(c->hv, domid);

	return d && d->state != PVHV_DOM_DYING && d->evt ? d : NULL;
}

/* The caller's own port p, or NULL: out of range, or a dom0 port that
 * another client (or pvhv itself) holds. */
static struct port *own_port(struct hv_call *c, evtchn_port_t p)
{
	struct hv_evtchn *e = c->dom->evt;

	if (!e || p > e->max_port)
		return NULL;
	if (is_dom0(e) && e->ports[p].state != PORT_FREE &&
	    e->ports[p].owner != c->client)
		return NULL;
	return &e->ports[p];
}

/* Hand a duplicate of fd to a dom0 caller with the reply. */
static int give_fd(struct hv_call *c, int fd)
{
	int copy;

	if (c->n_fds_out >= HV_CALL_MAX_FDS)
		return -EMFILE;
	copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (copy < 0)
		return -errno;
	c->fds_out[c->n_fds_out++] = copy;
	return 0;
}

static void take_back_fds(struct hv_call *c, unsigned int keep)
{
	while (c->n_fds_out > keep)
		close(c->fds_out[--c->n_fds_out]);
}

static long op_alloc_unbound(struct hv_call *c, uint64_t arg)
{
	struct evtchn_alloc_unbound a;
	unsigned int nfds = c->n_fds_out;
	struct domain *d;
	domid_t remote;
	int rc = hv_copy_from(c, arg, &a, sizeof(a));

	if (rc)
		return rc;
	d = find_domain(c, a.dom);
	if (!d)
		return -ESRCH;
	if (d != c->dom && c->dom->domid != 0)
		return -EPERM;
	/* The remote domain need not exist yet. */
	remote = a.remote_dom == DOMID_SELF ? c->dom->domid : a.remote_dom;
	rc = hv_evtchn_alloc_unbound(d, remote, &a.port);
	if (rc)
		return rc;
	if (is_dom0(d->evt) && c->client) {
		d->evt->ports[a.port].owner = c->client;
		set_status(c->client, a.port, 0);
		rc = give_fd(c, d->evt->ports[a.port].efd);
	}
	if (!rc)
		rc = hv_copy_to(c, arg, &a, sizeof(a));
	if (rc) {
		take_back_fds(c, nfds);
		port_release(d->evt, a.port);
	}
	return rc;
}

/* The remote port must be waiting for exactly the caller's domain. */
static bool bindable(struct hv_evtchn *re, evtchn_port_t rport,
		     domid_t ldom)
{
	return rport && rport <= re->max_port &&
	       re->ports[rport].state == PORT_UNBOUND &&
	       re->ports[rport].remote_domid == ldom;
}

/* A dom0 client's side of a new link: ownership, fds [0] the port's
 * eventfd and [1] the guest vCPU's wake eventfd, and the status word that
 * enables libpvhv's fast path (only with the wake fd in hand). */
static int dom0_side(struct hv_call *c, evtchn_port_t lport,
		     struct domain *rd, evtchn_port_t rport)
{
	struct port *lp = &c->dom->evt->ports[lport];
	int wake = rd->domid ? hv_domain_wake_fd(rd, NOTIFY_VCPU) : -1;
	int rc;

	lp->owner = c->client;
	set_status(c->client, lport, 0);
	rc = give_fd(c, lp->efd);
	if (rc || wake < 0)
		return rc;
	rc = give_fd(c, wake);
	if (!rc)
		set_status(c->client, lport,
			   HV_PORT_STATUS_VALID |
				   (NOTIFY_VCPU << HV_PORT_STATUS_VCPU_SHIFT) |
				   (rport & HV_PORT_STATUS_PORT_MASK));
	return rc;
}

/* Link the fresh local port lport to the remote port rport, which
 * bindable() accepted. */
static void link_ports(struct hv_evtchn *le, evtchn_port_t lport,
		       struct hv_evtchn *re, evtchn_port_t rport)
{
	le->ports[lport] = (struct port){
		.state = PORT_INTERDOMAIN, .peer = re, .peer_port = rport,
		.efd = le->ports[lport].efd, .owner = le->ports[lport].owner };
	re->ports[rport].state = PORT_INTERDOMAIN;
	re->ports[rport].peer = le;
	re->ports[rport].peer_port = lport;
	/* As Xen does: events sent while the remote port was unbound were
	 * dropped, so the new port starts pending. */
	raise_port(le, lport);
}

static long op_bind_interdomain(struct hv_call *c, uint64_t arg)
{
	struct evtchn_bind_interdomain b;
	struct hv_evtchn *le = c->dom->evt, *re;
	unsigned int nfds = c->n_fds_out;
	evtchn_port_t lport = 0;
	struct domain *rd;
	int rc = hv_copy_from(c, arg, &b, sizeof(b));

	if (rc)
		return rc;
	rd = find_domain(c, b.remote_dom);
	if (!rd)
		return -ESRCH;
	re = rd->evt;
	/* Xen's order: a full table is -ENOSPC before the remote port is
	 * looked at. */
	rc = port_alloc(le, &lport);
	if (rc)
		return rc;
	if (!bindable(re, b.remote_port, c->dom->domid))
		rc = -EINVAL;
	else if (is_dom0(le) && c->client)
		rc = dom0_side(c, lport, rd, b.remote_port);
	if (rc) {
		take_back_fds(c, nfds);
		port_release(le, lport);
		return rc;
	}
	link_ports(le, lport, re, b.remote_port);
	b.local_port = lport;
	rc = hv_copy_to(c, arg, &b, sizeof(b));
	if (rc) {
		take_back_fds(c, nfds);
		close_port(le, lport, c->client);
	}
	return rc;
}

/* A guest's first send on a link to a dom0 port: hand it the dom0 port's
 * eventfd and make its status word valid with a fresh generation. */
static void offer_fast(struct hv_call *c, evtchn_port_t p)
{
	struct hv_evtchn *e = c->dom->evt;
	struct port *pt = &e->ports[p];
	int efd = pt->peer->ports[pt->peer_port].efd;

	if (!e->fast || pt->fast_word || c->client || !is_dom0(pt->peer) ||
	    efd < 0 || give_fd(c, efd))
		return;
	e->fast_gen = (e->fast_gen + 1) & PVHV_GUEST_PORT_GEN_MASK;
	if (!e->fast_gen)
		e->fast_gen = 1;
	pt->fast_word = PVHV_GUEST_PORT_VALID | e->fast_gen;
	/* The guest reads the word after the reply, which follows. */
	atomic_store(&e->fast[p], pt->fast_word);
	e->handed_port = p;
	e->handed_word = pt->fast_word;
}

/* Xen drops a send on an unbound port silently (the peer is not there to
 * hear it); a free port, port 0 or one out of range is -EINVAL. */
static long op_send(struct hv_call *c, uint64_t arg)
{
	struct evtchn_send s;
	struct port *pt;
	int rc = hv_copy_from(c, arg, &s, sizeof(s));

	if (rc)
		return rc;
	pt = own_port(c, s.port);
	if (!pt)
		return -EINVAL;
	switch (pt->state) {
	case PORT_INTERDOMAIN:
		raise_port(pt->peer, pt->peer_port);
		offer_fast(c, s.port);
		return 0;
	case PORT_UNBOUND:
		return 0;
	default:
		return -EINVAL;
	}
}

static long op_close(struct hv_call *c, uint64_t arg)
{
	struct evtchn_close cl;
	struct port *pt;
	int rc = hv_copy_from(c, arg, &cl, sizeof(cl));

	if (rc)
		return rc;
	pt = own_port(c, cl.port);
	if (!pt || pt->state == PORT_FREE)
		return -EINVAL;
	close_port(c->dom->evt, cl.port, c->client);
	return 0;
}

static void fill_status(const struct port *pt, struct evtchn_status *s)
{
	memset(&s->u, 0, sizeof(s->u));
	s->vcpu = NOTIFY_VCPU;
	switch (pt->state) {
	case PORT_FREE:
		s->status = EVTCHNSTAT_closed;
		break;
	case PORT_UNBOUND:
		s->status = EVTCHNSTAT_unbound;
		s->u.unbound.dom = pt->remote_domid;
		break;
	case PORT_INTERDOMAIN:
		s->status = EVTCHNSTAT_interdomain;
		s->u.interdomain.dom = pt->peer->d->domid;
		s->u.interdomain.port = pt->peer_port;
		break;
	}
}

/* Guests may ask about their own ports, dom0 about anyone's. */
static long op_status(struct hv_call *c, uint64_t arg)
{
	struct evtchn_status s;
	struct domain *d;
	int rc = hv_copy_from(c, arg, &s, sizeof(s));

	if (rc)
		return rc;
	d = find_domain(c, s.dom);
	if (!d)
		return -ESRCH;
	if (d != c->dom && c->dom->domid != 0)
		return -EPERM;
	if (s.port > d->evt->max_port)
		return -EINVAL;
	fill_status(&d->evt->ports[s.port], &s);
	return hv_copy_to(c, arg, &s, sizeof(s));
}

/* dom0 ports have no mask bit (the eventfd is all their state), so
 * unmasking one is a no-op; a guest's may make a held event deliverable. */
static long op_unmask(struct hv_call *c, uint64_t arg)
{
	struct evtchn_unmask u;
	struct domain *d = c->dom;
	int rc = hv_copy_from(c, arg, &u, sizeof(u));

	if (rc)
		return rc;
	if (!d->evt || u.port > d->evt->max_port)
		return -EINVAL;
	if (is_dom0(d->evt) || !d->shinfo)
		return 0;
	if (pv_evtchn_unmask(d->shinfo, &d->shinfo->vcpu_info[NOTIFY_VCPU],
			     u.port) == 1 &&
	    d->eng && d->eng->kick)
		d->eng->kick(d, NOTIFY_VCPU);
	return 0;
}

/*
 * Offered: alloc_unbound, bind_interdomain, send, close, status, unmask.
 * The rest (virq, ipi, pirq, bind_vcpu, reset, the FIFO ABI) is -ENOSYS.
 */
static long (*const ops[])(struct hv_call *c, uint64_t arg) = {
	[EVTCHNOP_alloc_unbound] = op_alloc_unbound,
	[EVTCHNOP_bind_interdomain] = op_bind_interdomain,
	[EVTCHNOP_send] = op_send,
	[EVTCHNOP_close] = op_close,
	[EVTCHNOP_status] = op_status,
	[EVTCHNOP_unmask] = op_unmask,
};

long hv_evtchn_op(struct hv_call *c, unsigned int cmd, uint64_t arg)
{
	if (cmd >= sizeof(ops) / sizeof(ops[0]) || !ops[cmd])
		return -ENOSYS;
	/* Every domain that can call has a table; one that is going has
	 * no ports left. */
	if (!c->dom->evt)
		return -EINVAL;
	return ops[cmd](c, arg);
}

/* ---- pvhv's own dom0 ports ---------------------------------------------- */

/* A dom0 port that pvhv itself holds (no client owns it), or NULL. */
static struct port *pvhv_port(struct hv *hv, evtchn_port_t p)
{
	struct hv_evtchn *e = hv->dom0 ? hv->dom0->evt : NULL;

	if (!e || p == 0 || p > e->max_port ||
	    e->ports[p].state == PORT_FREE || e->ports[p].owner)
		return NULL;
	return &e->ports[p];
}

int hv_evtchn_pvhv_bind(struct domain *d, evtchn_port_t gport,
			evtchn_port_t *port, int *efd)
{
	struct hv_evtchn *le = d->hv->dom0 ? d->hv->dom0->evt : NULL;
	evtchn_port_t lport;
	int rc;

	if (!le || !d->evt || d->domid == 0 || !bindable(d->evt, gport, 0))
		return -EINVAL;
	rc = port_alloc(le, &lport);
	if (rc)
		return rc;
	link_ports(le, lport, d->evt, gport);
	*port = lport;
	*efd = le->ports[lport].efd;
	return 0;
}

int hv_evtchn_pvhv_notify(struct hv *hv, evtchn_port_t port)
{
	struct port *pt = pvhv_port(hv, port);

	if (!pt)
		return -EINVAL;
	if (pt->state != PORT_INTERDOMAIN)
		return -ENOTCONN;
	raise_port(pt->peer, pt->peer_port);
	return 0;
}

void hv_evtchn_pvhv_close(struct hv *hv, evtchn_port_t port)
{
	if (pvhv_port(hv, port))
		close_port(hv->dom0->evt, port, NULL);
}

/* ---- the guest's status page ------------------------------------------- */

/* A memfd only pvhv can write: sealed against writes through any new
 * descriptor or mapping (pvhv's own mapping predates the seal) and
 * against resizing; the guest gets a read-only reopening. */
static int status_page_new(struct hv_evtchn *e)
{
	size_t words = (size_t)e->max_port + 1;
	size_t bytes = (words * sizeof(uint32_t) + HV_PAGE_SIZE - 1) &
		       ~(size_t)(HV_PAGE_SIZE - 1);
	char path[64];
	void *map;
	int rc, fd = memfd_create("pvhv-guest-ports",
				  MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)bytes))
		goto fail;
	map = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		goto fail;
	e->fast = map;
	e->fast_bytes = bytes;
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
				   F_SEAL_FUTURE_WRITE | F_SEAL_SEAL))
		goto fail;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	e->fast_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (e->fast_fd < 0)
		goto fail;
	close(fd);
	return 0;
fail:
	rc = -errno;
	close(fd);
	if (e->fast)
		munmap((void *)e->fast, bytes);
	e->fast = NULL;
	return rc;
}

int hv_evtchn_status_fd(struct domain *d)
{
	struct hv_evtchn *e = d->evt;
	int rc;

	if (!e || is_dom0(e))
		return -EINVAL;
	if (e->fast_fd >= 0)
		return e->fast_fd;
	rc = status_page_new(e);
	return rc ? rc : e->fast_fd;
}

bool hv_evtchn_fast_handed(struct domain *d, evtchn_port_t *port,
			   uint32_t *word)
{
	struct hv_evtchn *e = d ? d->evt : NULL;

	if (!e || !e->handed_word)
		return false;
	*port = e->handed_port;
	*word = e->handed_word;
	e->handed_word = 0;
	return true;
}
