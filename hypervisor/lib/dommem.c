/*
 * dommem.c — guest memory as libpvhv sees it.
 *
 * The first mapping or port that needs a guest's memory asks pvhv for it
 * (PVHV_CTL_DOMAIN_MEM: the memfd read-only and read-write, the number of
 * frames, where shared_info is, the vCPU count and vwfi).  The answer is
 * kept for the life of the domain.  When pvhv says the domain died, the
 * entry is marked dead, so a new domain that gets the same id is fetched
 * afresh; the dead entry's fds stay open as long as a mapping or port
 * still uses them (the guest's memory lives on until then).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hvc.h"

static void dom_free(struct hvc_dom *d)
{
	if (d->shinfo)
		munmap(d->shinfo, HVC_PAGE);
	if (d->ro_fd >= 0)
		close(d->ro_fd);
	if (d->rw_fd >= 0)
		close(d->rw_fd);
	if (d->wake_fds)
		hvc_close_fds(d->wake_fds, d->n_wake);
	free(d->wake_fds);
	free(d);
}

static void dom_unlink(struct pvhv *h, struct hvc_dom *d)
{
	for (struct hvc_dom **pp = &h->doms; *pp; pp = &(*pp)->next) {
		if (*pp == d) {
			*pp = d->next;
			return;
		}
	}
}

/* pvhv may add the guest's vCPU wake eventfds after the two memfds. */
static int keep_wake_fds(struct hvc_dom *d, struct hvc_reply *r)
{
	unsigned int n = r->nfds - 2;

	if (!n || n != d->vcpus)
		return 0;
	d->wake_fds = malloc(n * sizeof(int));
	if (!d->wake_fds)
		return -ENOMEM;
	memcpy(d->wake_fds, r->fds + 2, n * sizeof(int));
	d->n_wake = n;
	r->nfds = 2;
	return 0;
}

static int fetch(struct pvhv *h, domid_t domid, struct hvc_dom *d)
{
	uint32_t id = domid;
	struct iovec v = { .iov_base = &id, .iov_len = sizeof(id) };
	struct pvhv_ctl_mem mem;
	struct hvc_reply r;
	int rc = hvc_request(h, PVHV_CTL_DOMAIN_MEM, &v, 1, &r);

	if (rc)
		return rc;
	if (r.len < sizeof(mem) || r.nfds < 2)
		goto bad;
	memcpy(&mem, r.payload, sizeof(mem));
	if (!mem.nr_pages || mem.shared_info_gfn >= mem.nr_pages)
		goto bad;
	d->nr_pages = mem.nr_pages;
	d->shared_info_gfn = mem.shared_info_gfn;
	d->vcpus = mem.vcpus;
	d->vwfi = mem.vwfi;
	rc = keep_wake_fds(d, &r);
	if (rc) {
		hvc_close_fds(r.fds, r.nfds);
		return rc;
	}
	d->ro_fd = r.fds[0];
	d->rw_fd = r.fds[1];
	return 0;
bad:
	hvc_close_fds(r.fds, r.nfds);
	return -EPROTO;
}

int hvc_dom_get(struct pvhv *h, domid_t domid, struct hvc_dom **out)
{
	struct hvc_dom *d;
	int rc;

	for (d = h->doms; d; d = d->next) {
		if (d->domid == domid && !d->dead) {
			d->refs++;
			*out = d;
			return 0;
		}
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->ro_fd = d->rw_fd = -1;
	d->domid = domid;
	rc = fetch(h, domid, d);
	if (rc) {
		dom_free(d);
		return rc;
	}
	d->refs = 1;
	d->next = h->doms;
	h->doms = d;
	*out = d;
	return 0;
}

void hvc_dom_put(struct pvhv *h, struct hvc_dom *d)
{
	if (!d || --d->refs || !d->dead)
		return;
	dom_unlink(h, d);
	dom_free(d);
}

int hvc_dom_shinfo(struct hvc_dom *d)
{
	void *p;

	if (d->shinfo)
		return 0;
	p = mmap(NULL, HVC_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, d->rw_fd,
		 (off_t)(d->shared_info_gfn * HVC_PAGE));
	if (p == MAP_FAILED)
		return -errno;
	d->shinfo = p;
	return 0;
}

void hvc_dom_died(struct pvhv *h, domid_t domid)
{
	struct hvc_dom **pp = &h->doms;

	while (*pp) {
		struct hvc_dom *d = *pp;

		if (d->domid == domid)
			d->dead = true;
		if (d->dead && !d->refs) {
			*pp = d->next;
			dom_free(d);
			continue;
		}
		pp = &d->next;
	}
}

void hvc_dom_free_all(struct pvhv *h)
{
	while (h->doms) {
		struct hvc_dom *d = h->doms;

		h->doms = d->next;
		dom_free(d);
	}
}
