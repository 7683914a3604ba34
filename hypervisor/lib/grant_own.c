/*
 * dom0's own grants (pvhv_grant_alloc, pvhv_grant_free): pvhv makes the
 * pages and the grant entries (PVHV_CTL_GRANT_ALLOC); we map the memory
 * it hands us and remember which references an address stands for.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hvc.h"

struct hvc_own {
	void *addr;
	uint32_t first, n;
	struct hvc_own *next;
};

/* Ask pvhv to end count references from first: how many the guest
 * still maps, or -errno. */
static int end_grants(struct pvhv *h, uint32_t first, uint32_t n)
{
	struct pvhv_ctl_grant_end e = {.first = first, .count = n};
	uint32_t busy;
	int rc = hvc_simple(h, PVHV_CTL_GRANT_END, &e, sizeof(e), &busy,
			    sizeof(busy));

	return rc < 0 ? rc : (int)(busy > INT32_MAX ? INT32_MAX : busy);
}

int pvhv_grant_alloc(struct pvhv *h, domid_t dom, unsigned int n, bool readonly,
		     grant_ref_t *refs, void **addr)
{
	struct pvhv_ctl_grant_alloc a = {
	    .domid = dom,
	    .count = n,
	    .flags = readonly ? PVHV_GRANT_READONLY : 0,
	};
	struct iovec v = {.iov_base = &a, .iov_len = sizeof(a)};
	struct hvc_own *o;
	struct hvc_reply r;
	uint32_t first;
	void *p;
	int rc;

	if (!h || !refs || !addr || !n || n > PVHV_GRANT_ALLOC_MAX)
		return -EINVAL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	rc = hvc_request(h, PVHV_CTL_GRANT_ALLOC, &v, 1, &r);
	if (rc) {
		free(o);
		return rc;
	}
	if (r.len != sizeof(first) || r.nfds != 1) {
		hvc_close_fds(r.fds, r.nfds);
		free(o);
		return -EPROTO;
	}
	memcpy(&first, r.payload, sizeof(first));
	p = mmap(NULL, (size_t)n * HVC_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 r.fds[0], 0);
	rc = p == MAP_FAILED ? -errno : 0;
	close(r.fds[0]);
	if (rc) {
		(void)end_grants(h, first, n);
		free(o);
		return rc;
	}
	*o = (struct hvc_own){
	    .addr = p, .first = first, .n = n, .next = h->owns};
	h->owns = o;
	for (unsigned int i = 0; i < n; i++)
		refs[i] = first + i;
	*addr = p;
	return 0;
}

int pvhv_grant_free(struct pvhv *h, void *addr, unsigned int n)
{
	struct hvc_own **pp, *o;
	int rc;

	if (!h)
		return -EINVAL;
	for (pp = &h->owns; *pp && (*pp)->addr != addr; pp = &(*pp)->next)
		;
	o = *pp;
	if (!o || o->n != n)
		return -EINVAL;
	*pp = o->next;
	rc = end_grants(h, o->first, o->n);
	munmap(o->addr, (size_t)o->n * HVC_PAGE);
	free(o);
	return rc;
}

void hvc_owns_free_all(struct pvhv *h)
{
	while (h->owns) {
		struct hvc_own *o = h->owns;

		h->owns = o->next;
		munmap(o->addr, (size_t)o->n * HVC_PAGE);
		free(o);
	}
}
