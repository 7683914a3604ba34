/*
 * evtchn.c — dom0 event-channel ports.
 *
 * pvhv gives each of our ports an eventfd and writes it when the guest
 * raises the port; we read it to drain.  Notifying the guest takes a fast
 * path while the port is connected: our status word for the port (in the
 * page pvhv shares at HELLO) says VALID, the guest's vCPU and its port,
 * and then we mark the event pending in the guest's shared_info ourselves
 * (mapped from its memfd) and, when the vCPU went idle-to-pending and
 * sleeps on its wake eventfd (vwfi=trap), write that eventfd.  pvhv is
 * not woken at all.  The fast path is set up for one exact word; any
 * other word (binding broken, rebound, another vCPU) takes the slow path,
 * EVTCHNOP_send through pvhv, which also reports the error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hvc.h"
#include "pvkit/evtchn.h"

struct pvhv_port {
	struct pvhv *h;
	struct pvhv_port *next;
	evtchn_port_t local;
	domid_t remote_dom;
	int fd;		      /* ours: raised by pvhv */
	int wake_fd;	      /* from bind_interdomain: the guest vCPU's */
	unsigned int wake_vcpu;
	struct hvc_dom *dom;  /* the remote's memory, once needed */
	uint32_t fast_word;   /* the word the fast path is valid for, or 0 */
	uint32_t tried_word;  /* last word a fast-path setup failed for */
	int fast_wake;	      /* eventfd to write after 0 -> pending, or -1 */
};

static long evtchn_op(struct pvhv *h, unsigned int cmd, void *arg,
		      size_t size, int *fds, unsigned int *nfds)
{
	uint64_t args[5] = { cmd, 0 };

	return hvc_hypercall(h, __HYPERVISOR_event_channel_op, args, arg,
			     size, fds, nfds);
}

static uint32_t status_word(const struct pvhv_port *p)
{
	const struct pvhv *h = p->h;

	/* acquire: what pvhv set up before making the word valid is
	 * visible once we see it valid */
	return p->local < h->status_words
		       ? atomic_load_explicit(&h->status[p->local],
					      memory_order_acquire)
		       : 0;
}

/* ---- the fast path ------------------------------------------------------- */

static int remote_mem(struct pvhv_port *p)
{
	if (p->dom && p->dom->dead) {
		hvc_dom_put(p->h, p->dom);
		p->dom = NULL;
	}
	if (!p->dom && hvc_dom_get(p->h, p->remote_dom, &p->dom))
		return -1;
	return hvc_dom_shinfo(p->dom) ? -1 : 0;
}

static int wake_fd_for(const struct pvhv_port *p, unsigned int vcpu)
{
	const struct hvc_dom *d = p->dom;

	if (p->wake_fd >= 0 && p->wake_vcpu == vcpu)
		return p->wake_fd;
	if (d->wake_fds && vcpu < d->n_wake)
		return d->wake_fds[vcpu];
	return -1;
}

/* Make the fast path valid for the current word, if it can be. */
static void setup_fast(struct pvhv_port *p)
{
	uint32_t w = status_word(p);
	unsigned int vcpu;
	int wake = -1;

	p->fast_word = 0;
	if (!(w & PVHV_PORT_STATUS_VALID) || w == p->tried_word)
		return;
	p->tried_word = w;
	if (remote_mem(p))
		return;
	w = status_word(p); /* remote_mem() may have read a death notice */
	vcpu = (w >> PVHV_PORT_STATUS_VCPU_SHIFT) & PVHV_PORT_STATUS_VCPU_MASK;
	if (!(w & PVHV_PORT_STATUS_VALID) || vcpu >= p->dom->vcpus ||
	    vcpu >= XEN_LEGACY_MAX_VCPUS)
		return;
	if (p->dom->vwfi != PVHV_VWFI_NATIVE) {
		wake = wake_fd_for(p, vcpu);
		if (wake < 0)
			return; /* cannot wake it ourselves: pvhv must */
	}
	p->fast_wake = wake;
	p->fast_word = w;
	p->tried_word = 0;
}

static int notify_fast(struct pvhv_port *p)
{
	struct shared_info *s = p->dom->shinfo;
	uint32_t w = p->fast_word;
	unsigned int vcpu =
		(w >> PVHV_PORT_STATUS_VCPU_SHIFT) & PVHV_PORT_STATUS_VCPU_MASK;
	uint64_t one = 1;
	int r = pv_evtchn_set_pending(s, &s->vcpu_info[vcpu],
				      w & PVHV_PORT_STATUS_PORT_MASK);

	if (r == 1 && p->fast_wake >= 0 &&
	    write(p->fast_wake, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is full, so a wake-up is pending */
	}
	return r < 0 ? r : 0;
}

int pvhv_port_notify(struct pvhv_port *p)
{
	struct evtchn_send snd;
	uint32_t w = status_word(p);

	if (w != p->fast_word || (p->dom && p->dom->dead)) {
		setup_fast(p);
		w = status_word(p);
	}
	if (p->fast_word && w == p->fast_word && !p->dom->dead &&
	    notify_fast(p) == 0)
		return 0;
	snd.port = p->local;
	return (int)evtchn_op(p->h, EVTCHNOP_send, &snd, sizeof(snd), NULL,
			      NULL);
}

/* ---- binding ------------------------------------------------------------------ */

static int new_port(struct pvhv *h, domid_t remote, evtchn_port_t local,
		    int *fds, unsigned int nfds, struct pvhv_port **out)
{
	struct pvhv_port *p;
	int fl;

	if (nfds < 1) {
		evtchn_close_t c = { .port = local };

		evtchn_op(h, EVTCHNOP_close, &c, sizeof(c), NULL, NULL);
		return -EPROTO;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		evtchn_close_t c = { .port = local };

		hvc_close_fds(fds, nfds);
		evtchn_op(h, EVTCHNOP_close, &c, sizeof(c), NULL, NULL);
		return -ENOMEM;
	}
	*p = (struct pvhv_port){ .h = h, .local = local, .remote_dom = remote,
				 .fd = fds[0], .wake_fd = nfds > 1 ? fds[1] : -1,
				 .fast_wake = -1, .next = h->ports };
	hvc_close_fds(fds + 2, nfds > 2 ? nfds - 2 : 0);
	fl = fcntl(p->fd, F_GETFL);
	if (fl >= 0)
		fcntl(p->fd, F_SETFL, fl | O_NONBLOCK);
	h->ports = p;
	*out = p;
	return 0;
}

int pvhv_evtchn_bind_interdomain(struct pvhv *h, domid_t remote,
				 evtchn_port_t remote_port,
				 struct pvhv_port **out)
{
	evtchn_bind_interdomain_t b = { .remote_dom = remote,
					.remote_port = remote_port };
	int fds[PVHV_CTL_MAX_FDS];
	unsigned int nfds = PVHV_CTL_MAX_FDS;
	long rc;

	if (!out)
		return -EINVAL;
	rc = evtchn_op(h, EVTCHNOP_bind_interdomain, &b, sizeof(b), fds,
		       &nfds);
	if (rc < 0) {
		hvc_close_fds(fds, nfds);
		return (int)rc;
	}
	rc = new_port(h, remote, b.local_port, fds, nfds, out);
	if (rc)
		return (int)rc;
	/* the wake fd belongs to the vCPU the guest port is bound to now */
	(*out)->wake_vcpu = (status_word(*out) >> PVHV_PORT_STATUS_VCPU_SHIFT) &
			    PVHV_PORT_STATUS_VCPU_MASK;
	setup_fast(*out);
	return 0;
}

int pvhv_evtchn_alloc_unbound(struct pvhv *h, domid_t remote,
			      struct pvhv_port **out)
{
	evtchn_alloc_unbound_t a = { .dom = DOMID_SELF, .remote_dom = remote };
	int fds[PVHV_CTL_MAX_FDS];
	unsigned int nfds = PVHV_CTL_MAX_FDS;
	long rc;

	if (!out)
		return -EINVAL;
	rc = evtchn_op(h, EVTCHNOP_alloc_unbound, &a, sizeof(a), fds, &nfds);
	if (rc < 0) {
		hvc_close_fds(fds, nfds);
		return (int)rc;
	}
	if (nfds > 1) { /* no guest vCPU to wake yet */
		hvc_close_fds(fds + 1, nfds - 1);
		nfds = 1;
	}
	return new_port(h, remote, a.port, fds, nfds, out);
}

/* ---- the rest ---------------------------------------------------------------- */

evtchn_port_t pvhv_port_local(const struct pvhv_port *p)
{
	return p->local;
}

int pvhv_port_fd(const struct pvhv_port *p)
{
	return p->fd;
}

int pvhv_port_drain(struct pvhv_port *p)
{
	uint64_t v;
	ssize_t n;

	do
		n = read(p->fd, &v, sizeof(v));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	if (n != sizeof(v))
		return -EIO;
	return v > (uint64_t)INT32_MAX ? INT32_MAX : (int)v;
}

int pvhv_port_status(struct pvhv_port *p, struct evtchn_status *st)
{
	evtchn_status_t s = { .dom = DOMID_SELF, .port = p->local };
	long rc = evtchn_op(p->h, EVTCHNOP_status, &s, sizeof(s), NULL, NULL);

	if (rc >= 0 && st)
		*st = s;
	return rc < 0 ? (int)rc : 0;
}

static void port_free(struct pvhv_port *p)
{
	if (p->fd >= 0)
		close(p->fd);
	if (p->wake_fd >= 0)
		close(p->wake_fd);
	hvc_dom_put(p->h, p->dom);
	free(p);
}

int pvhv_port_unbind(struct pvhv_port *p)
{
	evtchn_close_t c;
	long rc;

	if (!p)
		return 0;
	for (struct pvhv_port **pp = &p->h->ports; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	c.port = p->local;
	rc = evtchn_op(p->h, EVTCHNOP_close, &c, sizeof(c), NULL, NULL);
	port_free(p);
	return rc < 0 ? (int)rc : 0;
}

void hvc_ports_free_all(struct pvhv *h)
{
	while (h->ports) {
		struct pvhv_port *p = h->ports;

		h->ports = p->next;
		port_free(p);
	}
}
