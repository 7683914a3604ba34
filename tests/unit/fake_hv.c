/*
 * The fake daemon of fake_hv.h: a domain table, an engine, clients and
 * argument memory, just enough for gnttab.c and evtchn.c to run for real.
 */
#include "fake_hv.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "pvkit/grant.h"

unsigned int fake_broadcast_notes;

/* ---- engine ------------------------------------------------------------- */

static void fake_kick(struct domain *d, unsigned int vcpu)
{
	struct fake_engine *fe = d->eng_priv;
	uint64_t one = 1;

	if (vcpu >= FAKE_VCPUS)
		abort();
	fe->kicks[vcpu]++;
	if (fe->wake[vcpu] >= 0 && write(fe->wake[vcpu], &one, sizeof(one)) < 0)
		abort();
}

static const struct hv_engine_ops fake_engine_ops = {
	.name = "fake",
	.kick = fake_kick,
};

struct fake_engine *fake_engine_of(struct domain *d)
{
	return d->eng_priv;
}

int hv_domain_wake_fd(struct domain *d, unsigned int vcpu)
{
	struct fake_engine *fe = d->eng_priv;

	return fe && vcpu < FAKE_VCPUS ? fe->wake[vcpu] : -1;
}

/* ---- domains ------------------------------------------------------------- */

struct domain *hv_domain_find(struct hv *hv, domid_t domid)
{
	if (domid == 0)
		return hv->dom0;
	for (struct domain *d = hv->domains; d; d = d->next)
		if (d->domid == domid)
			return d;
	return NULL;
}

void fake_hv_init(struct hv *hv)
{
	struct domain *d = calloc(1, sizeof(*d));

	memset(hv, 0, sizeof(*hv));
	if (!d)
		abort();
	d->hv = hv;
	d->mem.fd = d->mem.ro_fd = -1;
	d->state = PVHV_DOM_RUNNING;
	hv->dom0 = d;
	if (hv_evtchn_new(d, HV_DOM0_MAX_PORTS, &d->evt))
		abort();
}

void fake_hv_fini(struct hv *hv)
{
	while (hv->domains)
		fake_domain_die(hv->domains);
	hv_evtchn_free(hv->dom0->evt);
	free(hv->dom0);
	hv->dom0 = NULL;
}

static domid_t free_domid(struct hv *hv)
{
	domid_t id = 1;

	while (hv_domain_find(hv, id))
		id++;
	return id;
}

static void link_domain(struct hv *hv, struct domain *d)
{
	struct domain **pp = &hv->domains;

	while (*pp && (*pp)->domid < d->domid)
		pp = &(*pp)->next;
	d->next = *pp;
	*pp = d;
}

struct domain *fake_domain_new(struct hv *hv, uint64_t nr_pages,
			       unsigned int grant_frames,
			       unsigned int max_ports)
{
	struct domain *d = calloc(1, sizeof(*d));
	struct fake_engine *fe = calloc(1, sizeof(*fe));
	struct grant_entry_v1 *e;
	char name[32];

	if (!d || !fe)
		abort();
	d->hv = hv;
	d->domid = free_domid(hv);
	d->cfg.max_grant_frames = grant_frames;
	d->cfg.max_event_channels = max_ports;
	d->cfg.vcpus = FAKE_VCPUS;
	snprintf(name, sizeof(name), "fake-dom%u", d->domid);
	if (hv_mem_create(&d->mem, name, nr_pages))
		abort();
	d->mem.first_free_gfn = HV_GFN_GRANT + grant_frames;
	d->shinfo = hv_mem_ptr(&d->mem,
			       (uint64_t)HV_GFN_SHARED_INFO << HV_PAGE_SHIFT,
			       sizeof(*d->shinfo));
	for (int v = 0; v < FAKE_VCPUS; v++) {
		fe->wake[v] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (fe->wake[v] < 0)
			abort();
	}
	d->eng = &fake_engine_ops;
	d->eng_priv = fe;
	if (hv_gnttab_new(d, &d->gnt) ||
	    hv_evtchn_new(d, max_ports, &d->evt) ||
	    hv_evtchn_alloc_unbound(d, 0, &d->console_port) ||
	    hv_evtchn_alloc_unbound(d, 0, &d->store_port))
		abort();
	e = hv_mem_ptr(&d->mem, (uint64_t)HV_GFN_GRANT << HV_PAGE_SHIFT,
		       2 * sizeof(*e));
	pv_grant_access(&e[GNTTAB_RESERVED_CONSOLE], 0, HV_GFN_CONSOLE, false);
	pv_grant_access(&e[GNTTAB_RESERVED_XENSTORE], 0, HV_GFN_STORE, false);
	d->state = PVHV_DOM_RUNNING;
	link_domain(hv, d);
	return d;
}

void fake_domain_die(struct domain *d)
{
	struct fake_engine *fe = d->eng_priv;

	d->state = PVHV_DOM_DYING;
	for (struct domain **pp = &d->hv->domains; *pp; pp = &(*pp)->next) {
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	}
	/* domain.c's release(): engine, ports, grant table, memory. */
	for (int v = 0; v < FAKE_VCPUS; v++)
		if (fe->wake[v] >= 0)
			close(fe->wake[v]);
	free(fe);
	d->eng_priv = NULL;
	hv_evtchn_free(d->evt);
	hv_gnttab_free(d->gnt);
	hv_mem_destroy(&d->mem);
	free(d);
}

/* ---- clients --------------------------------------------------------------- */

struct client *fake_client_new(uint32_t id)
{
	struct client *cl = calloc(1, sizeof(*cl));

	if (!cl)
		abort();
	cl->id = id;
	return cl;
}

void fake_client_gone(struct hv *hv, struct client *cl)
{
	hv_gnttab_client_gone(hv, cl);
	hv_evtchn_client_gone(hv, cl);
	free(cl);
}

_Atomic uint32_t *hv_client_port_status(struct client *cl)
{
	return cl->status;
}

uint32_t hv_client_id(const struct client *cl)
{
	return cl->id;
}

void hv_ctl_notify(struct hv *hv, struct client *to,
		   const struct pvhv_ctl_notify *n, const void *extra,
		   size_t extra_len)
{
	(void)hv;
	(void)extra;
	(void)extra_len;
	if (!to) {
		fake_broadcast_notes++;
		return;
	}
	if (to->n_notes < FAKE_NOTES)
		to->notes[to->n_notes++] = *n;
}

/* ---- argument memory ---------------------------------------------------------- */

static int buf_copy_from(struct hv_call *c, uint64_t addr, void *dst,
			 size_t len)
{
	struct fake_call *fc = (struct fake_call *)c;

	if (addr > fc->len || len > fc->len - addr)
		return -EFAULT;
	memcpy(dst, fc->buf + addr, len);
	return 0;
}

static int buf_copy_to(struct hv_call *c, uint64_t addr, const void *src,
		       size_t len)
{
	struct fake_call *fc = (struct fake_call *)c;

	if (fc->read_only || addr > fc->len || len > fc->len - addr)
		return -EFAULT;
	memcpy(fc->buf + addr, src, len);
	return 0;
}

static const struct hv_argmem_ops buf_ops = {
	.copy_from = buf_copy_from,
	.copy_to = buf_copy_to,
};

/* hypercall.c's two wrappers (the rest of that file is not linked). */
int hv_copy_from(struct hv_call *c, uint64_t addr, void *dst, size_t len)
{
	return c->mem->copy_from(c, addr, dst, len);
}

int hv_copy_to(struct hv_call *c, uint64_t addr, const void *src, size_t len)
{
	return c->mem->copy_to(c, addr, src, len);
}

void fake_call_init(struct fake_call *fc, struct hv *hv, struct domain *d,
		    struct client *cl, void *buf, size_t len)
{
	memset(fc, 0, sizeof(*fc));
	fc->c.hv = hv;
	fc->c.dom = d;
	fc->c.client = cl;
	fc->c.mem = &buf_ops;
	fc->c.mem_ctx = fc;
	fc->buf = buf;
	fc->len = len;
}

void fake_call_close_fds(struct fake_call *fc)
{
	for (unsigned int i = 0; i < fc->c.n_fds_out; i++)
		close(fc->c.fds_out[i]);
	fc->c.n_fds_out = 0;
}

unsigned int fake_open_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	unsigned int n = 0;

	if (!dir)
		abort();
	while (readdir(dir))
		n++;
	closedir(dir);
	return n;
}
