/*
 * evtchn_bench subjects that go through pvhv: a real pvhv in a temporary
 * run directory (tests/integration/harness.c) and guest_grant process
 * guests, one per vwfi (trap, native) and pinning (cpus = the peer CPU,
 * or none).  Each guest grants dom0 a read-only page and allocates a port
 * for dom0; the bench binds it and plays ping-pong: guest_grant answers
 * every event on its port with one send on it.
 *
 * One round trip, as dom0 sees it: pvhv_port_notify() (libpvhv's fast
 * path: the pending bit in the guest's shared_info, then the guest's wake
 * eventfd under vwfi=trap), then wait for the port's eventfd: in poll()
 * and a drain, or (dom0_spin) pvhv_port_drain() in a loop.  A native
 * guest spins on its upcall flag, so it is paused (SIGSTOP by pvhv)
 * between its chunks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "evtchn_bench.h"
#include "harness.h"

struct eb_guest {
	domid_t dom;
	grant_ref_t ref;
	evtchn_port_t gport;
	struct pvhv_port *port;
	bool native, pinned, up;
};

struct eb_rtt {
	struct eb_hv *hv;
	struct eb_guest *g;
	bool dom0_spin;
};

#define EB_GUESTS 4
#define EB_RTTS 8

struct eb_hv {
	struct hvt t;
	bool started;
	struct eb_guest g[EB_GUESTS]; /* [native * 2 + pinned] */
	struct eb_rtt rtt[EB_RTTS];
	unsigned int n_rtt;
};

static struct eb_guest *guest(struct eb_hv *hv, bool native, bool pinned)
{
	struct eb_guest *g = &hv->g[native * 2 + pinned];

	return g->up ? g : NULL;
}

static int start_guest(struct eb_hv *hv, struct eb_guest *g,
		       const struct eb_cpus *cpus)
{
	char name[32], cfg[128], line[256];
	const char *vwfi = g->native ? "native" : "trap";
	int rc;

	snprintf(name, sizeof(name), "bench-%s-%s", vwfi,
		 g->pinned ? "pinned" : "unpinned");
	if (g->pinned)
		snprintf(cfg, sizeof(cfg), "vwfi = \"%s\"\ncpus = \"%d\"\n",
			 vwfi, cpus->b);
	else
		snprintf(cfg, sizeof(cfg), "vwfi = \"%s\"\n", vwfi);
	rc = hvt_create(&hv->t, name, "guest_grant", "ro", cfg, &g->dom);
	if (!rc)
		rc = hvt_console_expect(&hv->t, g->dom, "GREF=", line,
					sizeof(line), EB_TIMEOUT_MS);
	if (rc)
		return rc;
	g->ref = (grant_ref_t)hvt_field(line, "GREF");
	g->gport = (evtchn_port_t)hvt_field(line, "PORT");
	rc = pvhv_evtchn_bind_interdomain(hv->t.h, g->dom, g->gport, &g->port);
	if (rc)
		return rc;
	g->up = true;
	/* The new port starts pending (as in Xen): take that event. */
	if (pvhv_port_drain(g->port) < 0)
		return -EIO;
	return g->native ? pvhv_domain_pause(hv->t.h, g->dom) : 0;
}

int eb_hv_start(const struct eb_cpus *cpus, struct eb_hv **out)
{
	struct eb_hv *hv = calloc(1, sizeof(*hv));
	int rc;

	if (!hv)
		return -ENOMEM;
	*out = hv;
	rc = hvt_start(&hv->t, NULL);
	if (rc)
		return rc;
	hv->started = true;
	for (unsigned int i = 0; i < EB_GUESTS && !rc; i++) {
		struct eb_guest *g = &hv->g[i];

		g->native = i >= 2;
		g->pinned = i & 1;
		if (g->pinned && cpus->a < 0)
			continue;
		rc = start_guest(hv, g, cpus);
	}
	return rc;
}

int eb_hv_stop(struct eb_hv *hv)
{
	int rc = 0;

	if (!hv)
		return 0;
	for (unsigned int i = 0; hv->started && i < EB_GUESTS; i++) {
		struct eb_guest *g = &hv->g[i];

		pvhv_port_unbind(g->port);
		if (g->dom)
			pvhv_domain_destroy(hv->t.h, g->dom);
	}
	if (hv->started)
		rc = hvt_stop(&hv->t);
	free(hv);
	return rc;
}

/* ---- round trips -------------------------------------------------------- */

static int wait_spin(struct pvhv_port *p)
{
	uint64_t start = 0;

	for (unsigned int i = 1;; i++) {
		int n = pvhv_port_drain(p);

		if (n)
			return n < 0 ? n : 0;
		eb_relax();
		if (i % 65536 == 0) {
			if (!start)
				start = eb_now_ns();
			else if (eb_now_ns() - start >
				 (uint64_t)EB_TIMEOUT_MS * 1000000u)
				return -ETIMEDOUT;
		}
	}
}

static int rtt_begin(struct eb_subject *s)
{
	struct eb_rtt *r = s->ctx;

	return r->g->native ? pvhv_domain_unpause(r->hv->t.h, r->g->dom) : 0;
}

static int rtt_op(struct eb_subject *s)
{
	struct eb_rtt *r = s->ctx;
	int rc = pvhv_port_notify(r->g->port);

	if (rc)
		return rc;
	/* Sleeping: drain, poll(), drain (the harness's wait). */
	return r->dom0_spin ? wait_spin(r->g->port)
			    : hvt_wait_event(r->g->port, EB_TIMEOUT_MS);
}

static void rtt_end(struct eb_subject *s)
{
	struct eb_rtt *r = s->ctx;

	if (r->g->native)
		pvhv_domain_pause(r->hv->t.h, r->g->dom);
}

int eb_hv_rtt_subject(struct eb_hv *hv, bool native, bool pinned,
		      bool dom0_spin, struct eb_subject *s)
{
	struct eb_guest *g = guest(hv, native, pinned);
	struct eb_rtt *r;

	if (!g)
		return -ENODEV;
	if (hv->n_rtt == EB_RTTS)
		return -ENOSPC;
	r = &hv->rtt[hv->n_rtt++];
	*r = (struct eb_rtt){ .hv = hv, .g = g, .dom0_spin = dom0_spin };
	s->ctx = r;
	s->spinner = native || dom0_spin;
	s->begin = rtt_begin;
	s->op = rtt_op;
	s->end = rtt_end;
	return 0;
}

/* ---- grants ------------------------------------------------------------- */

static int grant_begin(struct eb_subject *s)
{
	(void)s;
	return 0;
}

/* Map, read the pattern's first byte (7) through the mapping, unmap. */
static int grant_op(struct eb_subject *s)
{
	struct eb_rtt *r = s->ctx;
	void *page;
	int rc = pvhv_grant_map(r->hv->t.h, r->g->dom, &r->g->ref, 1,
				PROT_READ, &page);

	if (rc)
		return rc;
	if (*(volatile const uint8_t *)page != 7)
		rc = -EIO;
	if (pvhv_grant_unmap(r->hv->t.h, page, 1) && !rc)
		rc = -EIO;
	return rc;
}

static void grant_end(struct eb_subject *s)
{
	(void)s;
}

int eb_hv_grant_subject(struct eb_hv *hv, struct eb_subject *s)
{
	struct eb_guest *g = guest(hv, false, false);
	struct eb_rtt *r;

	if (!g)
		return -ENODEV;
	if (hv->n_rtt == EB_RTTS)
		return -ENOSPC;
	r = &hv->rtt[hv->n_rtt++];
	*r = (struct eb_rtt){ .hv = hv, .g = g };
	s->ctx = r;
	s->spinner = false;
	s->begin = grant_begin;
	s->op = grant_op;
	s->end = grant_end;
	return 0;
}
