/*
 * Shared pages: n pages from the OS, each granted to the peer, and the
 * page directories of sndif and displif that list a buffer's grants in a
 * chain of granted pages.
 *
 * A grant the peer still maps cannot be ended; its page must not go back
 * to the OS (the peer could still write it).  So freeing ends grants from
 * the last down and stops at the first that is busy; the pages are freed
 * only once every grant is gone, and a later call picks up where this one
 * stopped.
 */
#include "front_int.h"
#include "pvkit/proto/displif.h"
#include "pvkit/proto/sndif.h"

/* The directory's layout is the protocols' own. */
_Static_assert(sizeof(grant_ref_t) == 4, "grant references are 32-bit");
_Static_assert(__builtin_offsetof(struct xensnd_page_directory, gref) == 4,
	       "sndif directory: next page's grant, then the grants");
_Static_assert(__builtin_offsetof(struct xendispl_page_directory, gref) == 4,
	       "displif directory: next page's grant, then the grants");

/* End grants from the top down; 0 once none is left. */
static int end_grants(struct pvfront *pf, struct pvfront_pages *pg)
{
	int rc;

	while (pg->granted) {
		rc = pf->ops->end_access(pf->arg, pg->refs[pg->granted - 1]);
		if (rc == -XEN_EBUSY)
			return rc;
		if (rc)
			fr_log(pf, PVFRONT_LOG_WARN,
			       "a grant the OS did not know was ended");
		pg->granted--;
	}
	return 0;
}

static void dev_unlist(struct pvfront_pages *pg)
{
	struct pvfront_pages **pp;

	if (!pg->dev)
		return;
	for (pp = &pg->dev->pages; *pp; pp = &(*pp)->next) {
		if (*pp == pg) {
			*pp = pg->next;
			break;
		}
	}
	pg->next = NULL;
	pg->dev = NULL;
}

int pvfront_pages_free(struct pvfront *pf, struct pvfront_pages *pg)
{
	int rc;

	if (!pg || !pg->addr)
		return 0;
	rc = end_grants(pf, pg);
	if (rc)
		return rc;
	pf->ops->free_pages(pf->arg, pg->addr, pg->n);
	pg->addr = NULL;
	dev_unlist(pg);
	return 0;
}

int pvfront_pages_alloc(struct pvfront *pf, struct pvfront_pages *pg,
			domid_t dom, size_t n, grant_ref_t *refs,
			unsigned int flags)
{
	bool ro = flags & PVFRONT_PAGES_READONLY;
	int rc = 0;

	if (!pg || n == 0 || n > SIZE_MAX / PVFRONT_PAGE_SIZE ||
	    (!refs && n != 1) || (flags & ~PVFRONT_PAGES_READONLY))
		return -XEN_EINVAL;
	*pg = (struct pvfront_pages){.n = n, .dom = dom, .readonly = ro};
	pg->refs = refs ? refs : &pg->ref1;
	pg->addr = pf->ops->alloc_pages(pf->arg, n);
	if (!pg->addr)
		return -XEN_ENOMEM;
	while (pg->granted < n && rc == 0) {
		rc = pf->ops->grant_access(
		    pf->arg, dom, pg->addr + pg->granted * PVFRONT_PAGE_SIZE,
		    ro, &pg->refs[pg->granted]);
		if (rc == 0)
			pg->granted++;
	}
	if (rc && pvfront_pages_free(pf, pg))
		fr_log(pf, PVFRONT_LOG_WARN,
		       "pages granted and taken at once: kept, not freed");
	return rc;
}

/* ---- others' grants ---------------------------------------------------------
 */

bool pvfront_can_map_grants(const struct pvfront *pf)
{
	return pf && pf->ops->map_grants && pf->ops->unmap_grants;
}

int pvfront_map_grants(struct pvfront *pf, domid_t dom,
		       const grant_ref_t *refs, size_t n, bool readonly,
		       void **addr)
{
	if (!pvfront_can_map_grants(pf))
		return -XEN_EOPNOTSUPP;
	if (!refs || !addr || n == 0)
		return -XEN_EINVAL;
	return pf->ops->map_grants(pf->arg, dom, refs, n, readonly, addr);
}

int pvfront_unmap_grants(struct pvfront *pf, void *addr, size_t n)
{
	if (!pvfront_can_map_grants(pf))
		return -XEN_EOPNOTSUPP;
	return pf->ops->unmap_grants(pf->arg, addr, n);
}

void *pvfront_pages_addr(const struct pvfront_pages *pg)
{
	return pg->addr;
}

grant_ref_t pvfront_pages_ref(const struct pvfront_pages *pg, size_t i)
{
	return i < pg->granted ? pg->refs[i] : 0;
}

/* ---- page directories ---------------------------------------------------- */

size_t pvfront_pgdir_pages(size_t npages)
{
	return (npages + PVFRONT_PGDIR_PER_PAGE - 1) / PVFRONT_PGDIR_PER_PAGE;
}

void pvfront_pgdir_fill(void *dir, const grant_ref_t *dir_refs, size_t ndir,
			const grant_ref_t *refs, size_t n)
{
	grant_ref_t *page;
	size_t k, j, first;

	for (k = 0; k < ndir; k++) {
		page = (grant_ref_t *)((uint8_t *)dir + k * PVFRONT_PAGE_SIZE);
		page[0] = k + 1 < ndir ? dir_refs[k + 1] : 0;
		first = k * PVFRONT_PGDIR_PER_PAGE;
		for (j = 0; j < PVFRONT_PGDIR_PER_PAGE; j++)
			page[1 + j] =
			    refs && first + j < n ? refs[first + j] : 0;
	}
}

int pvfront_pgdir_alloc(struct pvfront *pf, struct pvfront_pgdir *pd,
			domid_t dom, size_t npages, grant_ref_t *refs,
			grant_ref_t *dir_refs, unsigned int flags)
{
	bool be_alloc = flags & PVFRONT_PGDIR_BACKEND_ALLOC;
	size_t ndir = pvfront_pgdir_pages(npages);
	int rc;

	if (!pd || npages == 0 || !dir_refs || (!be_alloc && !refs) ||
	    (flags & ~(PVFRONT_PAGES_READONLY | PVFRONT_PGDIR_BACKEND_ALLOC)))
		return -XEN_EINVAL;
	*pd = (struct pvfront_pgdir){.npages = npages};
	if (!be_alloc) {
		rc = pvfront_pages_alloc(pf, &pd->buf, dom, npages, refs,
					 flags & PVFRONT_PAGES_READONLY);
		if (rc)
			return rc;
	}
	/* The backend only reads a directory, unless it fills it in. */
	rc = pvfront_pages_alloc(pf, &pd->dir, dom, ndir, dir_refs,
				 be_alloc ? 0 : PVFRONT_PAGES_READONLY);
	if (rc) {
		(void)pvfront_pages_free(pf, &pd->buf);
		return rc;
	}
	pvfront_pgdir_fill(pd->dir.addr, dir_refs, ndir, be_alloc ? NULL : refs,
			   npages);
	return 0;
}

int pvfront_pgdir_free(struct pvfront *pf, struct pvfront_pgdir *pd)
{
	int rb, rd;

	if (!pd)
		return 0;
	rb = pvfront_pages_free(pf, &pd->buf);
	rd = pvfront_pages_free(pf, &pd->dir);
	return rb ? rb : rd;
}

grant_ref_t pvfront_pgdir_ref(const struct pvfront_pgdir *pd)
{
	return pd->dir.granted ? pd->dir.refs[0] : 0;
}

int pvfront_pgdir_get(const struct pvfront_pgdir *pd, size_t i,
		      grant_ref_t *ref)
{
	const uint8_t *page;
	size_t k = i / PVFRONT_PGDIR_PER_PAGE;

	if (!pd->dir.addr || i >= pd->npages)
		return -XEN_EINVAL;
	page = pd->dir.addr + k * PVFRONT_PAGE_SIZE;
	/* The backend may write it (PVFRONT_PGDIR_BACKEND_ALLOC): read the
	 * word once, whole. */
	*ref = __atomic_load_n((const grant_ref_t *)page + 1 +
				   i % PVFRONT_PGDIR_PER_PAGE,
			       __ATOMIC_ACQUIRE);
	return 0;
}
