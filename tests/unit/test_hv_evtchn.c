/*
 * Unit tests for pvhv's event channels (hypervisor/pvhv/evtchn.c), with a
 * fake domain table, engine and clients (fake_hv.c): guest-to-guest and
 * dom0 links, the fds and status words dom0 clients get, links breaking
 * (close on either side, a guest dying, a client going), and hostile or
 * careless callers (unbound and closed ports, full tables, other domains'
 * and other clients' ports, unknown sub-ops, bad argument addresses).
 */
#include "unit.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "fake_hv.h"
#include "pvkit/evtchn.h"

#define NR_PAGES 32
#define MAX_PORTS 16

struct fx {
	struct hv hv;
	struct domain *a, *b; /* two guests */
	struct client *cl;    /* a dom0 client */
	unsigned int fds;      /* open before the case */
	_Alignas(8) uint8_t buf[HV_PAGE_SIZE];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->fds = fake_open_fds();
	fake_hv_init(&f->hv);
	f->a = fake_domain_new(&f->hv, NR_PAGES, 1, MAX_PORTS);
	f->b = fake_domain_new(&f->hv, NR_PAGES, 1, MAX_PORTS);
	f->cl = fake_client_new(1);
	fake_broadcast_notes = 0;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (f->cl)
		fake_client_gone(&f->hv, f->cl);
	fake_hv_fini(&f->hv);
	assert_int_equal(fake_open_fds(), f->fds);
	assert_int_equal(fake_broadcast_notes, 0);
	free(f);
	return 0;
}

/* ---- calls ------------------------------------------------------------------ */

/* A call by domain d (dom0 when cl is set) with its argument at offset 0;
 * fc, when given, keeps the fds the call handed out. */
static long ecall(struct fx *f, struct domain *d, struct client *cl,
		  unsigned int cmd, struct fake_call *fc)
{
	struct fake_call own;

	if (!fc)
		fc = &own;
	fake_call_init(fc, &f->hv, cl ? f->hv.dom0 : d, cl, f->buf,
		       sizeof(f->buf));
	long rc = hv_evtchn_op(&fc->c, cmd, 0);
	if (fc == &own)
		fake_call_close_fds(&own);
	return rc;
}

static long alloc_unbound(struct fx *f, struct domain *d, struct client *cl,
			  domid_t dom, domid_t remote, evtchn_port_t *port,
			  struct fake_call *fc)
{
	struct evtchn_alloc_unbound *a = (void *)f->buf;
	long rc;

	*a = (struct evtchn_alloc_unbound){ .dom = dom, .remote_dom = remote,
					    .port = 0xdead };
	rc = ecall(f, d, cl, EVTCHNOP_alloc_unbound, fc);
	if (port)
		*port = a->port;
	return rc;
}

static long bind(struct fx *f, struct domain *d, struct client *cl,
		 domid_t remote, evtchn_port_t rport, evtchn_port_t *lport,
		 struct fake_call *fc)
{
	struct evtchn_bind_interdomain *b = (void *)f->buf;
	long rc;

	*b = (struct evtchn_bind_interdomain){ .remote_dom = remote,
					       .remote_port = rport,
					       .local_port = 0xdead };
	rc = ecall(f, d, cl, EVTCHNOP_bind_interdomain, fc);
	if (lport)
		*lport = b->local_port;
	return rc;
}

static long port_op(struct fx *f, struct domain *d, struct client *cl,
		    unsigned int cmd, evtchn_port_t port)
{
	/* send, close and unmask all take just a port. */
	struct evtchn_send *s = (void *)f->buf;

	s->port = port;
	return ecall(f, d, cl, cmd, NULL);
}

static long send(struct fx *f, struct domain *d, struct client *cl,
		 evtchn_port_t port)
{
	return port_op(f, d, cl, EVTCHNOP_send, port);
}

static long close_port(struct fx *f, struct domain *d, struct client *cl,
		       evtchn_port_t port)
{
	return port_op(f, d, cl, EVTCHNOP_close, port);
}

static long status(struct fx *f, struct domain *d, struct client *cl,
		   domid_t dom, evtchn_port_t port, struct evtchn_status *out)
{
	struct evtchn_status *s = (void *)f->buf;
	long rc;

	memset(s, 0xee, sizeof(*s));
	s->dom = dom;
	s->port = port;
	rc = ecall(f, d, cl, EVTCHNOP_status, NULL);
	if (out)
		*out = *s;
	return rc;
}

static void assert_status(struct fx *f, struct domain *d, struct client *cl,
			  domid_t dom, evtchn_port_t port, uint32_t st,
			  domid_t rdom, evtchn_port_t rport)
{
	struct evtchn_status s;

	assert_int_equal(status(f, d, cl, dom, port, &s), 0);
	assert_int_equal(s.status, st);
	assert_int_equal(s.vcpu, 0);
	if (st == EVTCHNSTAT_unbound)
		assert_int_equal(s.u.unbound.dom, rdom);
	if (st == EVTCHNSTAT_interdomain) {
		assert_int_equal(s.u.interdomain.dom, rdom);
		assert_int_equal(s.u.interdomain.port, rport);
	}
}

/* ---- observing ---------------------------------------------------------------- */

static int pending(struct domain *d, evtchn_port_t port)
{
	return pv_evtchn_is_pending(d->shinfo, port);
}

static unsigned int kicks(struct domain *d)
{
	return fake_engine_of(d)->kicks[0];
}

/* The guest handles everything pending (so the next event kicks again). */
static unsigned int handle_events(struct domain *d)
{
	evtchn_port_t ports[64];

	return pv_evtchn_scan(d->shinfo, &d->shinfo->vcpu_info[0], ports, 64);
}

/* Read an eventfd's count (0 when nothing was written). */
static uint64_t drain(int fd)
{
	uint64_t v;

	return read(fd, &v, sizeof(v)) == sizeof(v) ? v : 0;
}

static uint32_t status_word(struct client *cl, evtchn_port_t port)
{
	return atomic_load(&cl->status[port]);
}

/* A guest port waiting for dom0, bound by client cl: the usual link. */
static void dom0_link(struct fx *f, struct client *cl, evtchn_port_t *gport,
		      evtchn_port_t *lport, struct fake_call *fc)
{
	assert_int_equal(alloc_unbound(f, f->a, NULL, DOMID_SELF, 0, gport,
				       NULL),
			 0);
	assert_int_equal(bind(f, NULL, cl, f->a->domid, *gport, lport, fc), 0);
	handle_events(f->a);
}

/* ---- links ------------------------------------------------------------------ */

static void guest_to_guest(void **state)
{
	struct fx *f = *state;
	evtchn_port_t pa, pb;

	assert_int_equal(alloc_unbound(f, f->a, NULL, DOMID_SELF, f->b->domid,
				       &pa, NULL),
			 0);
	assert_status(f, f->a, NULL, DOMID_SELF, pa, EVTCHNSTAT_unbound,
		      f->b->domid, 0);
	assert_int_equal(bind(f, f->b, NULL, f->a->domid, pa, &pb, NULL), 0);
	/* As in Xen, the new port starts pending. */
	assert_int_equal(pending(f->b, pb), 1);
	assert_int_equal(kicks(f->b), 1);
	assert_int_equal(handle_events(f->b), 1);
	assert_status(f, f->a, NULL, f->a->domid, pa, EVTCHNSTAT_interdomain,
		      f->b->domid, pb);
	assert_status(f, f->b, NULL, DOMID_SELF, pb, EVTCHNSTAT_interdomain,
		      f->a->domid, pa);

	assert_int_equal(send(f, f->a, NULL, pa), 0);
	assert_int_equal(pending(f->b, pb), 1);
	assert_int_equal(kicks(f->b), 2);
	/* Already pending: no second kick. */
	assert_int_equal(send(f, f->a, NULL, pa), 0);
	assert_int_equal(kicks(f->b), 2);
	assert_int_equal(handle_events(f->b), 1);
	assert_int_equal(send(f, f->b, NULL, pb), 0);
	assert_int_equal(pending(f->a, pa), 1);
	assert_int_equal(kicks(f->a), 1);
	assert_int_equal(pending(f->b, pb), 0);
}

static void dom0_bind_gets_fds_and_fast_path(void **state)
{
	struct fx *f = *state;
	struct fake_call fc;
	evtchn_port_t pa, lp;
	uint64_t one = 1;

	dom0_link(f, f->cl, &pa, &lp, &fc);
	assert_int_equal(fc.c.n_fds_out, 2);
	/* fd 0: the port's eventfd, raised once by the bind (as Xen sets
	 * the new port pending). */
	assert_int_equal(drain(fc.c.fds_out[0]), 1);
	assert_int_equal(drain(fc.c.fds_out[0]), 0);
	/* fd 1: the guest vCPU's wake eventfd. */
	assert_int_equal(write(fc.c.fds_out[1], &one, sizeof(one)), 8);
	assert_int_equal(drain(fake_engine_of(f->a)->wake[0]), 1);
	/* The status word opens the fast path: valid, vCPU 0, remote port. */
	assert_int_equal(status_word(f->cl, lp), HV_PORT_STATUS_VALID | pa);
	assert_status(f, NULL, f->cl, DOMID_SELF, lp, EVTCHNSTAT_interdomain,
		      f->a->domid, pa);
	assert_status(f, f->a, NULL, DOMID_SELF, pa, EVTCHNSTAT_interdomain,
		      0, lp);

	/* Guest -> dom0: the eventfd. */
	assert_int_equal(send(f, f->a, NULL, pa), 0);
	assert_int_equal(send(f, f->a, NULL, pa), 0);
	assert_int_equal(drain(fc.c.fds_out[0]), 2);
	/* dom0 -> guest through pvhv: pending and a kick (which writes the
	 * wake eventfd). */
	assert_int_equal(send(f, NULL, f->cl, lp), 0);
	assert_int_equal(pending(f->a, pa), 1);
	assert_int_equal(kicks(f->a), 1);
	assert_int_equal(drain(fake_engine_of(f->a)->wake[0]), 1);
	assert_int_equal(f->cl->n_notes, 0);
	fake_call_close_fds(&fc);
}

static void dom0_alloc_unbound(void **state)
{
	struct fx *f = *state;
	struct fake_call fc;
	evtchn_port_t p, la;

	assert_int_equal(alloc_unbound(f, NULL, f->cl, DOMID_SELF, f->a->domid,
				       &p, &fc),
			 0);
	assert_int_equal(fc.c.n_fds_out, 1);
	assert_int_equal(drain(fc.c.fds_out[0]), 0);
	assert_int_equal(status_word(f->cl, p), 0);
	assert_status(f, NULL, f->cl, 0, p, EVTCHNSTAT_unbound, f->a->domid,
		      0);
	/* Unbound: dom0's send goes nowhere. */
	assert_int_equal(send(f, NULL, f->cl, p), 0);

	assert_int_equal(bind(f, f->a, NULL, 0, p, &la, NULL), 0);
	assert_int_equal(pending(f->a, la), 1);
	assert_status(f, NULL, f->cl, 0, p, EVTCHNSTAT_interdomain,
		      f->a->domid, la);
	/* No fast path without the wake fd: the word stays clear. */
	assert_int_equal(status_word(f->cl, p), 0);
	assert_int_equal(send(f, f->a, NULL, la), 0);
	assert_int_equal(drain(fc.c.fds_out[0]), 1);
	handle_events(f->a);
	assert_int_equal(send(f, NULL, f->cl, p), 0);
	assert_int_equal(pending(f->a, la), 1);

	/* remote DOMID_SELF means the caller: dom0. */
	fake_call_close_fds(&fc);
	assert_int_equal(alloc_unbound(f, NULL, f->cl, 0, DOMID_SELF, &p, &fc),
			 0);
	assert_status(f, NULL, f->cl, 0, p, EVTCHNSTAT_unbound, 0, 0);
	fake_call_close_fds(&fc);
}

/* Two dom0 clients linked to each other through dom0's own ports. */
static void dom0_to_dom0(void **state)
{
	struct fx *f = *state;
	struct client *b = fake_client_new(2);
	struct fake_call fa, fb;
	evtchn_port_t p, q;

	assert_int_equal(alloc_unbound(f, NULL, f->cl, DOMID_SELF, 0, &p, &fa),
			 0);
	assert_int_equal(bind(f, NULL, b, 0, p, &q, &fb), 0);
	assert_int_equal(fb.c.n_fds_out, 1); /* no guest, no wake fd */
	assert_int_equal(status_word(b, q), 0);
	assert_int_equal(send(f, NULL, b, q), 0);
	assert_int_equal(drain(fa.c.fds_out[0]), 1);
	assert_int_equal(close_port(f, NULL, f->cl, p), 0);
	assert_int_equal(b->n_notes, 1);
	assert_int_equal(b->notes[0].kind, PVHV_NOTIFY_PORT_CLOSED);
	assert_int_equal(b->notes[0].domid, 0);
	assert_int_equal(b->notes[0].port, q);
	assert_int_equal(drain(fb.c.fds_out[0]), 2); /* bind + close */
	assert_int_equal(f->cl->n_notes, 0);
	fake_call_close_fds(&fa);
	fake_call_close_fds(&fb);
	fake_client_gone(&f->hv, b);
}

/* ---- links breaking ------------------------------------------------------------- */

static void guest_close_tells_dom0(void **state)
{
	struct fx *f = *state;
	struct fake_call fc;
	evtchn_port_t pa, lp, la;

	dom0_link(f, f->cl, &pa, &lp, &fc);
	drain(fc.c.fds_out[0]);
	assert_int_equal(close_port(f, f->a, NULL, pa), 0);
	assert_int_equal(status_word(f->cl, lp), 0);
	assert_int_equal(drain(fc.c.fds_out[0]), 1);
	assert_int_equal(f->cl->n_notes, 1);
	assert_int_equal(f->cl->notes[0].kind, PVHV_NOTIFY_PORT_CLOSED);
	assert_int_equal(f->cl->notes[0].domid, f->a->domid);
	assert_int_equal(f->cl->notes[0].port, lp);
	/* As in Xen the survivor is unbound, waiting for the closer. */
	assert_status(f, NULL, f->cl, DOMID_SELF, lp, EVTCHNSTAT_unbound,
		      f->a->domid, 0);
	assert_status(f, f->a, NULL, DOMID_SELF, pa, EVTCHNSTAT_closed, 0, 0);
	assert_int_equal(send(f, NULL, f->cl, lp), 0); /* dropped */
	assert_int_equal(send(f, f->a, NULL, pa), -EINVAL);
	/* ... so the guest may bind to it again. */
	assert_int_equal(bind(f, f->a, NULL, 0, lp, &la, NULL), 0);
	assert_int_equal(send(f, f->a, NULL, la), 0);
	assert_int_equal(drain(fc.c.fds_out[0]), 1);
	fake_call_close_fds(&fc);
}

static void dom0_close_raises_guest(void **state)
{
	struct fx *f = *state;
	struct fake_call fc;
	evtchn_port_t pa, lp;
	unsigned int k;

	dom0_link(f, f->cl, &pa, &lp, &fc);
	fake_call_close_fds(&fc);
	k = kicks(f->a);
	assert_int_equal(close_port(f, NULL, f->cl, lp), 0);
	assert_int_equal(status_word(f->cl, lp), 0);
	assert_int_equal(f->cl->n_notes, 0);
	assert_int_equal(pending(f->a, pa), 1);
	assert_int_equal(kicks(f->a), k + 1);
	assert_status(f, f->a, NULL, DOMID_SELF, pa, EVTCHNSTAT_unbound, 0, 0);
	assert_int_equal(close_port(f, NULL, f->cl, lp), -EINVAL);
	assert_int_equal(send(f, NULL, f->cl, lp), -EINVAL);
	assert_status(f, NULL, f->cl, DOMID_SELF, lp, EVTCHNSTAT_closed, 0, 0);
}

static void guest_death_tells_dom0(void **state)
{
	struct fx *f = *state;
	struct fake_call fc;
	evtchn_port_t pa, lp;
	domid_t a = f->a->domid;

	dom0_link(f, f->cl, &pa, &lp, &fc);
	drain(fc.c.fds_out[0]);
	fake_domain_die(f->a);
	f->a = NULL;
	assert_int_equal(status_word(f->cl, lp), 0);
	assert_int_equal(drain(fc.c.fds_out[0]), 1);
	assert_int_equal(f->cl->n_notes, 1);
	assert_int_equal(f->cl->notes[0].kind, PVHV_NOTIFY_PORT_CLOSED);
	assert_int_equal(f->cl->notes[0].domid, a);
	assert_int_equal(f->cl->notes[0].port, lp);
	assert_status(f, NULL, f->cl, DOMID_SELF, lp, EVTCHNSTAT_unbound, a,
		      0);
	assert_int_equal(bind(f, NULL, f->cl, a, pa, NULL, NULL), -ESRCH);
	assert_int_equal(close_port(f, NULL, f->cl, lp), 0);
	fake_call_close_fds(&fc);
}

static void guest_death_tells_guest(void **state)
{
	struct fx *f = *state;
	domid_t a = f->a->domid;
	evtchn_port_t pa, pb;
	unsigned int k;

	assert_int_equal(alloc_unbound(f, f->a, NULL, DOMID_SELF, f->b->domid,
				       &pa, NULL),
			 0);
	assert_int_equal(bind(f, f->b, NULL, f->a->domid, pa, &pb, NULL), 0);
	handle_events(f->b);
	k = kicks(f->b);
	fake_domain_die(f->a);
	f->a = NULL;
	assert_int_equal(pending(f->b, pb), 1);
	assert_int_equal(kicks(f->b), k + 1);
	assert_status(f, f->b, NULL, DOMID_SELF, pb, EVTCHNSTAT_unbound, a, 0);
	assert_int_equal(send(f, f->b, NULL, pb), 0);
}

static void client_gone_closes_its_ports(void **state)
{
	struct fx *f = *state;
	struct client *other = fake_client_new(2);
	struct fake_call fc1, fc2;
	evtchn_port_t p1, l1, p2, l2;

	dom0_link(f, f->cl, &p1, &l1, &fc1);
	dom0_link(f, f->cl, &p2, &l2, &fc2);
	fake_call_close_fds(&fc1);
	fake_call_close_fds(&fc2);
	fake_client_gone(&f->hv, f->cl);
	f->cl = NULL;
	assert_int_equal(pending(f->a, p1), 1);
	assert_int_equal(pending(f->a, p2), 1);
	assert_status(f, f->a, NULL, DOMID_SELF, p1, EVTCHNSTAT_unbound, 0, 0);
	assert_status(f, f->a, NULL, DOMID_SELF, p2, EVTCHNSTAT_unbound, 0, 0);
	assert_status(f, NULL, other, DOMID_SELF, l1, EVTCHNSTAT_closed, 0, 0);
	assert_status(f, NULL, other, DOMID_SELF, l2, EVTCHNSTAT_closed, 0, 0);
	fake_client_gone(&f->hv, other);
}

/* ---- bad input -------------------------------------------------------------------- */

/* Xen drops a send on an unbound port; free, reserved (0) and
 * out-of-range ports are -EINVAL. */
static void send_on_unbound_and_closed_ports(void **state)
{
	struct fx *f = *state;
	evtchn_port_t p;

	assert_int_equal(send(f, f->a, NULL, f->a->console_port), 0);
	assert_int_equal(pending(f->a, f->a->console_port), 0);
	assert_int_equal(kicks(f->a), 0);
	assert_int_equal(alloc_unbound(f, f->a, NULL, DOMID_SELF, f->b->domid,
				       &p, NULL),
			 0);
	assert_int_equal(send(f, f->a, NULL, p), 0);
	assert_int_equal(close_port(f, f->a, NULL, p), 0);
	assert_int_equal(send(f, f->a, NULL, p), -EINVAL);
	assert_int_equal(send(f, f->a, NULL, 0), -EINVAL);
	assert_int_equal(send(f, f->a, NULL, 12), -EINVAL);
	assert_int_equal(send(f, f->a, NULL, MAX_PORTS + 1), -EINVAL);
	assert_int_equal(send(f, f->a, NULL, 4096), -EINVAL);
	assert_int_equal(send(f, f->a, NULL, UINT32_MAX), -EINVAL);
	assert_int_equal(send(f, NULL, f->cl, 1), -EINVAL);
	assert_int_equal(send(f, NULL, f->cl, UINT32_MAX), -EINVAL);
	assert_int_equal(kicks(f->a) + kicks(f->b), 0);
}

static void close_errors(void **state)
{
	struct fx *f = *state;
	evtchn_port_t p;

	assert_int_equal(close_port(f, f->a, NULL, 0), -EINVAL);
	assert_int_equal(close_port(f, f->a, NULL, 9), -EINVAL);
	assert_int_equal(close_port(f, f->a, NULL, MAX_PORTS + 1), -EINVAL);
	assert_int_equal(close_port(f, f->a, NULL, UINT32_MAX), -EINVAL);
	assert_int_equal(alloc_unbound(f, f->a, NULL, DOMID_SELF, 0, &p, NULL),
			 0);
	assert_int_equal(close_port(f, f->a, NULL, p), 0);
	assert_int_equal(close_port(f, f->a, NULL, p), -EINVAL);
	/* The guest may close what pvhv allocated for it, as in Xen. */
	assert_int_equal(close_port(f, f->a, NULL, f->a->console_port), 0);
}

/* A closed port starts afresh: no stale pending bit (as Xen clears it). */
static void close_clears_pending(void **state)
{
	struct fx *f = *state;
	evtchn_port_t pa, pb;

	assert_int_equal(alloc_unbound(f, f->a, NULL, DOMID_SELF, f->b->domid,
				       &pa, NULL),
			 0);
	assert_int_equal(bind(f, f->b, NULL, f->a->domid, pa, &pb, NULL), 0);
	assert_int_equal(pending(f->b, pb), 1);
	assert_int_equal(close_port(f, f->b, NULL, pb), 0);
	assert_int_equal(pending(f->b, pb), 0);
	/* The peer, raised by the break, keeps its event. */
	assert_int_equal(pending(f->a, pa), 1);
}

static void exhaust_ports(void **state)
{
	struct fx *f = *state;
	struct domain *c = fake_domain_new(&f->hv, NR_PAGES, 1, 8);
	evtchn_port_t p, got[8];
	unsigned int n = 0;
	long rc;

	/* Ports 1 and 2 are the console's and the store's. */
	while ((rc = alloc_unbound(f, c, NULL, DOMID_SELF, 0, &p, NULL)) == 0)
		got[n++] = p;
	assert_int_equal(rc, -ENOSPC);
	assert_int_equal(n, 6);
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(got[i], 3 + i);
	/* bind_interdomain needs a local port too. */
	assert_int_equal(alloc_unbound(f, f->a, NULL, DOMID_SELF, c->domid, &p,
				       NULL),
			 0);
	assert_int_equal(bind(f, c, NULL, f->a->domid, p, NULL, NULL),
			 -ENOSPC);
	assert_status(f, f->a, NULL, DOMID_SELF, p, EVTCHNSTAT_unbound,
		      c->domid, 0);
	/* The lowest free port comes back first. */
	assert_int_equal(close_port(f, c, NULL, 5), 0);
	assert_int_equal(bind(f, c, NULL, f->a->domid, p, &got[0], NULL), 0);
	assert_int_equal(got[0], 5);
	assert_int_equal(status(f, c, NULL, DOMID_SELF, 9, NULL), -EINVAL);
	fake_domain_die(c);
}

/* max_event_channels is capped by the 2-level ABI, dom0's by its status
 * page. */
static void port_limits(void **state)
{
	struct fx *f = *state;
	struct domain *c = fake_domain_new(&f->hv, NR_PAGES, 1, 100000);
	const evtchn_port_t top = PV_EVTCHN_2L_PORTS - 1;

	assert_status(f, c, NULL, DOMID_SELF, top, EVTCHNSTAT_closed, 0, 0);
	assert_int_equal(status(f, c, NULL, DOMID_SELF, top + 1, NULL),
			 -EINVAL);
	assert_status(f, NULL, f->cl, DOMID_SELF, HV_DOM0_MAX_PORTS - 1,
		      EVTCHNSTAT_closed, 0, 0);
	assert_int_equal(status(f, NULL, f->cl, DOMID_SELF, HV_DOM0_MAX_PORTS,
				NULL),
			 -EINVAL);
	fake_domain_die(c);
}

static void bind_errors(void **state)
{
	struct fx *f = *state;
	struct fake_call fc;
	evtchn_port_t pa, pb, p;

	assert_int_equal(bind(f, f->b, NULL, 999, 1, NULL, NULL), -ESRCH);
	assert_int_equal(bind(f, f->b, NULL, DOMID_IO, 1, NULL, NULL), -ESRCH);
	/* Free, reserved and out-of-range remote ports. */
	assert_int_equal(bind(f, f->b, NULL, f->a->domid, 9, NULL, NULL),
			 -EINVAL);
	assert_int_equal(bind(f, f->b, NULL, f->a->domid, 0, NULL, NULL),
			 -EINVAL);
	assert_int_equal(bind(f, f->b, NULL, f->a->domid, UINT32_MAX, NULL,
			      NULL),
			 -EINVAL);
	/* Unbound, but waiting for someone else (the console port waits for
	 * dom0). */
	assert_int_equal(bind(f, f->b, NULL, f->a->domid, f->a->console_port,
			      NULL, NULL),
			 -EINVAL);
	/* Already linked. */
	assert_int_equal(alloc_unbound(f, f->a, NULL, DOMID_SELF, f->b->domid,
				       &pa, NULL),
			 0);
	assert_int_equal(bind(f, f->b, NULL, f->a->domid, pa, &pb, NULL), 0);
	assert_int_equal(bind(f, f->b, NULL, f->a->domid, pa, NULL, NULL),
			 -EINVAL);
	/* None of the failures used up a port. */
	assert_int_equal(pb, 3);
	assert_int_equal(alloc_unbound(f, f->b, NULL, DOMID_SELF, 0, &p, NULL),
			 0);
	assert_int_equal(p, 4);
	/* A failed dom0 bind hands out no fds and leaves no port. */
	assert_int_equal(bind(f, NULL, f->cl, f->a->domid, pa, NULL, &fc),
			 -EINVAL);
	assert_int_equal(fc.c.n_fds_out, 0);
	assert_status(f, NULL, f->cl, DOMID_SELF, 1, EVTCHNSTAT_closed, 0, 0);
}

/* A bind whose result cannot be written back is undone. */
static void bind_result_unwritable(void **state)
{
	struct fx *f = *state;
	struct evtchn_bind_interdomain *b = (void *)f->buf;
	struct fake_call fc;
	evtchn_port_t pa;

	assert_int_equal(alloc_unbound(f, f->a, NULL, DOMID_SELF, 0, &pa,
				       NULL),
			 0);
	*b = (struct evtchn_bind_interdomain){ .remote_dom = f->a->domid,
					       .remote_port = pa };
	fake_call_init(&fc, &f->hv, f->hv.dom0, f->cl, f->buf,
		       sizeof(f->buf));
	fc.read_only = true;
	assert_int_equal(hv_evtchn_op(&fc.c, EVTCHNOP_bind_interdomain, 0),
			 -EFAULT);
	assert_int_equal(fc.c.n_fds_out, 0);
	assert_int_equal(status_word(f->cl, 1), 0);
	assert_status(f, f->a, NULL, DOMID_SELF, pa, EVTCHNSTAT_unbound, 0, 0);
	assert_status(f, NULL, f->cl, DOMID_SELF, 1, EVTCHNSTAT_closed, 0, 0);
	assert_int_equal(f->cl->n_notes, 0);
}

static void alloc_permissions(void **state)
{
	struct fx *f = *state;
	struct fake_call fc;
	evtchn_port_t p;

	assert_int_equal(alloc_unbound(f, f->a, NULL, f->b->domid, 0, &p,
				       NULL),
			 -EPERM);
	assert_int_equal(alloc_unbound(f, f->a, NULL, 0, f->a->domid, &p,
				       NULL),
			 -EPERM);
	assert_int_equal(alloc_unbound(f, f->a, NULL, 999, 0, &p, NULL),
			 -ESRCH);
	/* The remote domain need not exist (Xen does not look). */
	assert_int_equal(alloc_unbound(f, f->a, NULL, f->a->domid, 999, &p,
				       NULL),
			 0);
	assert_status(f, f->a, NULL, DOMID_SELF, p, EVTCHNSTAT_unbound, 999,
		      0);
	assert_int_equal(alloc_unbound(f, f->a, NULL, DOMID_SELF, DOMID_SELF,
				       &p, NULL),
			 0);
	assert_status(f, f->a, NULL, DOMID_SELF, p, EVTCHNSTAT_unbound,
		      f->a->domid, 0);
	/* dom0 may allocate in a guest's table: no fds, the guest's port. */
	assert_int_equal(alloc_unbound(f, NULL, f->cl, f->a->domid, 0, &p,
				       &fc),
			 0);
	assert_int_equal(fc.c.n_fds_out, 0);
	assert_status(f, f->a, NULL, DOMID_SELF, p, EVTCHNSTAT_unbound, 0, 0);
	assert_int_equal(close_port(f, f->a, NULL, p), 0);
}

static void status_permissions(void **state)
{
	struct fx *f = *state;
	struct evtchn_status s;

	assert_int_equal(status(f, f->a, NULL, f->b->domid, 1, NULL), -EPERM);
	assert_int_equal(status(f, f->a, NULL, 0, 1, NULL), -EPERM);
	assert_int_equal(status(f, f->a, NULL, 999, 1, NULL), -ESRCH);
	assert_int_equal(status(f, f->a, NULL, DOMID_SELF, MAX_PORTS + 1,
				NULL),
			 -EINVAL);
	assert_status(f, f->a, NULL, DOMID_SELF, 0, EVTCHNSTAT_closed, 0, 0);
	assert_status(f, NULL, f->cl, f->b->domid, f->b->store_port,
		      EVTCHNSTAT_unbound, 0, 0);
	/* Nothing but the answer is written: the union is cleared. */
	assert_int_equal(status(f, f->a, NULL, DOMID_SELF, 9, &s), 0);
	assert_int_equal(s.status, EVTCHNSTAT_closed);
	assert_int_equal(s.u.interdomain.dom, 0);
	assert_int_equal(s.u.interdomain.port, 0);
}

static void unmask_delivers_held_event(void **state)
{
	struct fx *f = *state;
	evtchn_port_t pa, pb;
	unsigned int k;

	assert_int_equal(alloc_unbound(f, f->a, NULL, DOMID_SELF, f->b->domid,
				       &pa, NULL),
			 0);
	assert_int_equal(bind(f, f->b, NULL, f->a->domid, pa, &pb, NULL), 0);
	handle_events(f->b);
	k = kicks(f->b);
	assert_int_equal(pv_evtchn_mask(f->b->shinfo, pb), 0);
	assert_int_equal(send(f, f->a, NULL, pa), 0);
	assert_int_equal(pending(f->b, pb), 1);
	assert_int_equal(kicks(f->b), k); /* masked: held */
	assert_int_equal(port_op(f, f->b, NULL, EVTCHNOP_unmask, pb), 0);
	assert_int_equal(kicks(f->b), k + 1);
	assert_int_equal(f->b->shinfo->vcpu_info[0].evtchn_upcall_pending, 1);
	assert_int_equal(pv_evtchn_is_masked(f->b->shinfo, pb), 0);
	/* Unmasking an unmasked port does nothing. */
	assert_int_equal(port_op(f, f->b, NULL, EVTCHNOP_unmask, pb), 0);
	assert_int_equal(kicks(f->b), k + 1);
	assert_int_equal(port_op(f, f->b, NULL, EVTCHNOP_unmask,
				 MAX_PORTS + 1),
			 -EINVAL);
	assert_int_equal(port_op(f, f->b, NULL, EVTCHNOP_unmask, UINT32_MAX),
			 -EINVAL);
	assert_int_equal(port_op(f, NULL, f->cl, EVTCHNOP_unmask, 1), 0);
	assert_int_equal(port_op(f, NULL, f->cl, EVTCHNOP_unmask, 5000),
			 -EINVAL);
}

/* Each client sees only its own dom0 ports; pvhv's own are nobody's. */
static void other_clients_ports(void **state)
{
	struct fx *f = *state;
	struct client *other = fake_client_new(2);
	struct fake_call fc;
	evtchn_port_t pa, lp, mine;

	dom0_link(f, f->cl, &pa, &lp, &fc);
	fake_call_close_fds(&fc);
	assert_int_equal(send(f, NULL, other, lp), -EINVAL);
	assert_int_equal(close_port(f, NULL, other, lp), -EINVAL);
	assert_status(f, NULL, other, DOMID_SELF, lp, EVTCHNSTAT_interdomain,
		      f->a->domid, pa);
	assert_int_equal(hv_evtchn_alloc_unbound(f->hv.dom0, f->a->domid,
						 &mine),
			 0);
	assert_int_equal(close_port(f, NULL, f->cl, mine), -EINVAL);
	assert_int_equal(send(f, NULL, f->cl, mine), -EINVAL);
	assert_status(f, NULL, f->cl, DOMID_SELF, mine, EVTCHNSTAT_unbound,
		      f->a->domid, 0);
	fake_client_gone(&f->hv, other);
}

static void unknown_subops(void **state)
{
	struct fx *f = *state;
	static const unsigned int cmds[] = {
		EVTCHNOP_bind_virq,    EVTCHNOP_bind_pirq,
		EVTCHNOP_bind_ipi,     EVTCHNOP_bind_vcpu,
		EVTCHNOP_reset,	       EVTCHNOP_init_control,
		EVTCHNOP_expand_array, EVTCHNOP_set_priority,
		14,		       0x100,
		UINT32_MAX,
	};

	for (unsigned int i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		assert_int_equal(ecall(f, f->a, NULL, cmds[i], NULL), -ENOSYS);
		assert_int_equal(ecall(f, NULL, f->cl, cmds[i], NULL),
				 -ENOSYS);
	}
}

static void bad_argument_address(void **state)
{
	struct fx *f = *state;
	static const unsigned int cmds[] = {
		EVTCHNOP_alloc_unbound, EVTCHNOP_bind_interdomain,
		EVTCHNOP_send,		EVTCHNOP_close,
		EVTCHNOP_status,	EVTCHNOP_unmask,
	};
	struct fake_call fc;

	for (unsigned int i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		fake_call_init(&fc, &f->hv, f->a, NULL, f->buf,
			       sizeof(f->buf));
		assert_int_equal(hv_evtchn_op(&fc.c, cmds[i],
					      sizeof(f->buf) - 2),
				 -EFAULT);
		assert_int_equal(hv_evtchn_op(&fc.c, cmds[i], UINT64_MAX),
				 -EFAULT);
	}
}

/* pvhv's own raise (console and store service). */
static void raise_from_pvhv(void **state)
{
	struct fx *f = *state;

	assert_int_equal(hv_evtchn_raise(f->a, f->a->console_port), 0);
	assert_int_equal(pending(f->a, f->a->console_port), 1);
	assert_int_equal(kicks(f->a), 1);
	assert_int_equal(hv_evtchn_raise(f->a, f->a->store_port), 0);
	assert_int_equal(kicks(f->a), 1); /* upcall already pending */
	assert_int_equal(hv_evtchn_raise(f->a, 0), -EINVAL);
	assert_int_equal(hv_evtchn_raise(f->a, 9), -EINVAL);
	assert_int_equal(hv_evtchn_raise(f->a, UINT32_MAX), -EINVAL);
}

/* A guest linked to itself; teardown then frees a table holding both
 * ends of a link. */
static void loopback_in_one_guest(void **state)
{
	struct fx *f = *state;
	evtchn_port_t p1, p2;

	assert_int_equal(alloc_unbound(f, f->a, NULL, DOMID_SELF, DOMID_SELF,
				       &p1, NULL),
			 0);
	assert_int_equal(bind(f, f->a, NULL, DOMID_SELF, p1, &p2, NULL), 0);
	assert_int_not_equal(p1, p2);
	handle_events(f->a);
	assert_int_equal(send(f, f->a, NULL, p1), 0);
	assert_int_equal(pending(f->a, p2), 1);
	assert_int_equal(pending(f->a, p1), 0);
	assert_int_equal(send(f, f->a, NULL, p2), 0);
	assert_int_equal(pending(f->a, p1), 1);
	assert_status(f, f->a, NULL, DOMID_SELF, p1, EVTCHNSTAT_interdomain,
		      f->a->domid, p2);
	assert_int_equal(close_port(f, f->a, NULL, p1), 0);
	assert_status(f, f->a, NULL, DOMID_SELF, p2, EVTCHNSTAT_unbound,
		      f->a->domid, 0);
	assert_int_equal(bind(f, f->a, NULL, DOMID_SELF, p2, &p1, NULL), 0);
}

/* Without the guest's wake fd, the client gets no fast path. */
static void no_wake_fd_no_fast_path(void **state)
{
	struct fx *f = *state;
	struct fake_engine *fe = fake_engine_of(f->a);
	struct fake_call fc;
	evtchn_port_t pa, lp;

	close(fe->wake[0]);
	fe->wake[0] = -1;
	dom0_link(f, f->cl, &pa, &lp, &fc);
	assert_int_equal(fc.c.n_fds_out, 1);
	assert_int_equal(status_word(f->cl, lp), 0);
	assert_int_equal(send(f, NULL, f->cl, lp), 0);
	assert_int_equal(pending(f->a, pa), 1);
	fake_call_close_fds(&fc);
}

static const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	T(guest_to_guest),
	T(dom0_bind_gets_fds_and_fast_path),
	T(dom0_alloc_unbound),
	T(dom0_to_dom0),
	T(guest_close_tells_dom0),
	T(dom0_close_raises_guest),
	T(guest_death_tells_dom0),
	T(guest_death_tells_guest),
	T(client_gone_closes_its_ports),
	T(send_on_unbound_and_closed_ports),
	T(close_errors),
	T(close_clears_pending),
	T(exhaust_ports),
	T(port_limits),
	T(bind_errors),
	T(bind_result_unwritable),
	T(alloc_permissions),
	T(status_permissions),
	T(unmask_delivers_held_event),
	T(other_clients_ports),
	T(unknown_subops),
	T(bad_argument_address),
	T(raise_from_pvhv),
	T(loopback_in_one_guest),
	T(no_wake_fd_no_fast_path),
#undef T
};

PV_UNIT_MAIN("hv_evtchn (with fake domain table, engine and clients)",
	     tests)
