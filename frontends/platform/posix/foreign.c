/*
 * dom0's grants mapped in a process guest (pvfront_posix_map_foreign).
 *
 * GNTTABOP_map_grant_ref with dom 0 goes through the vCPU's scratch page,
 * a page of ops at a time; pvhv answers each batch with the memory behind
 * the grants as a descriptor and each op's page offset in it
 * (dev_bus_addr), and we map those pages into a range reserved up front.
 * An op answered GNTST_eagain needs another descriptor: it starts the next
 * batch.  The handles are kept to unmap with.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "posix.h"
#include "pvkit/guest_posix.h"

#define OPS_PER_CALL	(PP_PAGE_SIZE / sizeof(struct gnttab_map_grant_ref))
#define UNMAPS_PER_CALL (PP_PAGE_SIZE / sizeof(struct gnttab_unmap_grant_ref))

struct pp_foreign {
	uint8_t *addr;
	size_t n;
	size_t mapped; /* handles[0..mapped) hold pvhv's mappings */
	grant_handle_t *handles;
	struct pp_foreign *next;
};

/* Give handles[0..n) back to pvhv. */
static int unmap_handles(struct pvfront_posix *p, const grant_handle_t *h,
			 size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n; i += UNMAPS_PER_CALL) {
		size_t k = n - i < UNMAPS_PER_CALL ? n - i : UNMAPS_PER_CALL;
		struct pp_scratch *s = pp_scratch_get(p);
		struct gnttab_unmap_grant_ref *op = (void *)s->page;
		long r;

		for (size_t j = 0; j < k; j++)
			op[j] =
			    (struct gnttab_unmap_grant_ref){.handle = h[i + j]};
		r = pvfront_posix_hypercall(p, __HYPERVISOR_grant_table_op,
					    GNTTABOP_unmap_grant_ref,
					    pvfront_posix_gaddr(op), k, 0, 0);
		for (size_t j = 0; j < k && !r; j++)
			if (op[j].status != GNTST_okay)
				r = -EINVAL;
		pp_scratch_put(s);
		if (r && !rc)
			rc = (int)r;
	}
	return rc;
}

/* Place pages [from, from + k) of f from descriptor fd, whose ops say
 * where each page is in it.  Runs of adjacent pages are one mmap. */
static int place(struct pp_foreign *f, size_t from, size_t k,
		 const uint64_t *bus, int fd, int prot)
{
	for (size_t i = 0, j; i < k; i = j) {
		for (j = i + 1; j < k && bus[j] == bus[j - 1] + PP_PAGE_SIZE;
		     j++)
			;
		if (mmap(f->addr + (from + i) * PP_PAGE_SIZE,
			 (j - i) * PP_PAGE_SIZE, prot, MAP_SHARED | MAP_FIXED,
			 fd, (off_t)bus[i]) == MAP_FAILED)
			return -errno;
	}
	return 0;
}

static int status_errno(int st)
{
	switch (st) {
	case GNTST_eagain:
		return -EAGAIN;
	case GNTST_bad_gntref:
	case GNTST_bad_handle:
		return -EINVAL;
	case GNTST_no_device_space:
	case GNTST_no_space:
		return -ENOSPC;
	case GNTST_bad_domain:
		return -ESRCH;
	default:
		return -EPERM;
	}
}

/* One batch from refs[f->mapped] on: how many pages it mapped (> 0), or
 * -errno. */
static long map_batch(struct pvfront_posix *p, struct pp_foreign *f,
		      domid_t dom, const grant_ref_t *refs, bool ro)
{
	size_t left = f->n - f->mapped, k, ok;
	uint64_t bus[OPS_PER_CALL];
	struct pp_scratch *s = pp_scratch_get(p);
	struct gnttab_map_grant_ref *op = (void *)s->page;
	uint64_t a[5];
	int fd = -1, st = GNTST_okay;
	long rc;

	k = left < OPS_PER_CALL ? left : OPS_PER_CALL;
	for (size_t j = 0; j < k; j++)
		op[j] = (struct gnttab_map_grant_ref){
		    .flags = GNTMAP_host_map | (ro ? GNTMAP_readonly : 0),
		    .ref = refs[f->mapped + j],
		    .dom = dom,
		};
	a[0] = GNTTABOP_map_grant_ref;
	a[1] = pvfront_posix_gaddr(op);
	a[2] = k;
	a[3] = a[4] = 0;
	rc = pp_hypercall_fd(p, __HYPERVISOR_grant_table_op, a, &fd);
	/* Every handle pvhv gave is kept, so that a failure undoes it. */
	for (ok = 0; ok < k && op[ok].status == GNTST_okay; ok++) {
		f->handles[f->mapped + ok] = op[ok].handle;
		bus[ok] = op[ok].dev_bus_addr;
	}
	if (ok < k)
		st = op[ok].status;
	for (size_t j = ok + 1; j < k; j++)
		if (op[j].status == GNTST_okay)
			(void)unmap_handles(p, &op[j].handle, 1);
	pp_scratch_put(s);
	if (!rc && ok && fd < 0)
		rc = -EPROTO;
	if (!rc && ok)
		rc = place(f, f->mapped, ok, bus, fd,
			   ro ? PROT_READ : PROT_READ | PROT_WRITE);
	f->mapped += ok;
	if (fd >= 0)
		close(fd);
	if (rc)
		return rc;
	if (ok)
		return (long)ok;
	return status_errno(st);
}

static void foreign_free(struct pvfront_posix *p, struct pp_foreign *f)
{
	munmap(f->addr, f->n * PP_PAGE_SIZE);
	(void)unmap_handles(p, f->handles, f->mapped);
	free(f->handles);
	free(f);
}

int pvfront_posix_map_foreign(struct pvfront_posix *p, domid_t dom,
			      const grant_ref_t *refs, size_t n, bool readonly,
			      void **addr)
{
	struct pp_foreign *f;
	long rc = 0;

	if (!p || !refs || !addr || !n || n > PVFRONT_POSIX_FOREIGN_MAX)
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	if (!f || !(f->handles = calloc(n, sizeof(*f->handles)))) {
		free(f);
		return -ENOMEM;
	}
	f->n = n;
	f->addr = mmap(NULL, n * PP_PAGE_SIZE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (f->addr == MAP_FAILED) {
		rc = -errno;
		free(f->handles);
		free(f);
		return (int)rc;
	}
	while (f->mapped < n && rc >= 0)
		rc = map_batch(p, f, dom, refs, readonly);
	if (rc < 0) {
		foreign_free(p, f);
		return (int)rc;
	}
	pthread_mutex_lock(&p->gnt_lock);
	f->next = p->foreign;
	p->foreign = f;
	pthread_mutex_unlock(&p->gnt_lock);
	*addr = f->addr;
	return 0;
}

int pvfront_posix_unmap_foreign(struct pvfront_posix *p, void *addr, size_t n)
{
	struct pp_foreign **pp, *f;

	if (!p)
		return -EINVAL;
	pthread_mutex_lock(&p->gnt_lock);
	for (pp = &p->foreign; *pp && (*pp)->addr != addr; pp = &(*pp)->next)
		;
	f = *pp;
	if (f && f->n == n)
		*pp = f->next;
	pthread_mutex_unlock(&p->gnt_lock);
	if (!f || f->n != n)
		return -EINVAL;
	foreign_free(p, f);
	return 0;
}

void pp_foreign_fini(struct pvfront_posix *p)
{
	while (p->foreign) {
		struct pp_foreign *f = p->foreign;

		p->foreign = f->next;
		foreign_free(p, f);
	}
}
