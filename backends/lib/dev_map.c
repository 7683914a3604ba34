/*
 * Grant mappings of a device: single pages, runs of pages, and buffers
 * shared through a page directory.  Each mapping is recorded so that the
 * end of a connection unmaps what the device left mapped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "back_int.h"

#define PAGE_SIZE 4096u
/* Buffer references in one directory page, after the next page's ref. */
#define DIR_REFS ((PAGE_SIZE - sizeof(grant_ref_t)) / sizeof(grant_ref_t))

static int map_record(struct pvback_dev *dev, void *addr, unsigned int n,
		      bool own)
{
	struct pvback_map *m = malloc(sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->addr = addr;
	m->n = n;
	m->own = own;
	m->next = dev->maps;
	dev->maps = m;
	return 0;
}

int pvback_dev_map(struct pvback_dev *dev, const grant_ref_t *refs,
		   unsigned int n, bool writable, void **addr)
{
	struct pvback *b = dev->type->b;
	void *a = NULL;
	int rc;

	if (!refs || !addr || n == 0 || n > PVBACK_MAP_MAX)
		return -EINVAL;
	rc = b->ops->map(b->ctx, dev->domid, refs, n, writable, &a);
	if (rc < 0)
		return rc;
	rc = map_record(dev, a, n, false);
	if (rc < 0) {
		(void)b->ops->unmap(b->ctx, a, n);
		return rc;
	}
	*addr = a;
	return 0;
}

int pvback_dev_map_key(struct pvback_dev *dev, const char *key, bool writable,
		       void **addr)
{
	uint64_t ref;
	grant_ref_t r;
	int rc = pvback_dev_read_uint(dev, PVBACK_FRONTEND, key, 0, UINT32_MAX,
				      &ref);

	if (rc < 0)
		return rc;
	r = (grant_ref_t)ref;
	return pvback_dev_map(dev, &r, 1, writable, addr);
}

/* Unmap (or end the grants of) m: for own pages, how many the guest still
 * maps, else 0; or -errno. */
static int unmap_one(struct pvback_dev *dev, struct pvback_map *m)
{
	struct pvback *b = dev->type->b;
	int rc = m->own ? b->ops->grant_free(b->ctx, m->addr, m->n)
			: b->ops->unmap(b->ctx, m->addr, m->n);

	if (rc < 0)
		PVBACK_LOG(b, WARN, "%s: %s %u pages: %s", dev->be_path,
			   m->own ? "ending the grants of" : "unmapping", m->n,
			   strerror(-rc));
	free(m);
	return rc;
}

int pvback_dev_unmap(struct pvback_dev *dev, void *addr)
{
	for (struct pvback_map **pp = &dev->maps; *pp; pp = &(*pp)->next) {
		struct pvback_map *m = *pp;

		if (m->addr == addr && !m->own) {
			*pp = m->next;
			(void)unmap_one(dev, m);
			return 0;
		}
	}
	return -EINVAL;
}

void pvb_dev_unmap_all(struct pvback_dev *dev)
{
	while (dev->maps) {
		struct pvback_map *m = dev->maps;

		dev->maps = m->next;
		(void)unmap_one(dev, m);
	}
}

/* ---- dom0's own pages -----------------------------------------------------
 */

int pvback_dev_grant_alloc(struct pvback_dev *dev, unsigned int n,
			   bool readonly, grant_ref_t *refs, void **addr)
{
	struct pvback *b = dev->type->b;
	void *a = NULL;
	int rc;

	if (!refs || !addr || n == 0 || n > PVBACK_MAP_MAX)
		return -EINVAL;
	if (!b->ops->grant_alloc || !b->ops->grant_free)
		return -ENOTSUP;
	rc = b->ops->grant_alloc(b->ctx, dev->domid, n, readonly, refs, &a);
	if (rc < 0)
		return rc;
	rc = map_record(dev, a, n, true);
	if (rc < 0) {
		(void)b->ops->grant_free(b->ctx, a, n);
		return rc;
	}
	*addr = a;
	return 0;
}

int pvback_dev_grant_free(struct pvback_dev *dev, void *addr)
{
	for (struct pvback_map **pp = &dev->maps; *pp; pp = &(*pp)->next) {
		struct pvback_map *m = *pp;

		if (m->addr == addr && m->own) {
			*pp = m->next;
			return unmap_one(dev, m);
		}
	}
	return -EINVAL;
}

/* ---- page directories -----------------------------------------------------
 */

/* One directory page's work: page ref holds references at..at+want of the
 * chain; *next gets the following page's reference. */
typedef int dir_page_fn(struct pvback_dev *dev, grant_ref_t ref,
			unsigned int at, unsigned int want, grant_ref_t *next,
			void *arg);

/* Copy the references of one directory page into arg (a grant_ref_t
 * array; mapped read-only only while they are copied: the guest may
 * change the page at any time, so it is read once). */
static int read_dir_page(struct pvback_dev *dev, grant_ref_t ref,
			 unsigned int at, unsigned int want,
			 grant_ref_t *next, void *arg)
{
	struct pvback *b = dev->type->b;
	const volatile grant_ref_t *page;
	grant_ref_t *refs = (grant_ref_t *)arg + at;
	void *a;
	int rc = b->ops->map(b->ctx, dev->domid, &ref, 1, false, &a);

	if (rc < 0)
		return rc;
	page = a;
	*next = page[0];
	for (unsigned int i = 0; i < want; i++)
		refs[i] = page[1 + i];
	(void)b->ops->unmap(b->ctx, a, 1);
	return 0;
}

/* Write references from arg (a const grant_ref_t array) after the next
 * page's reference (mapped writable only meanwhile; *next read once,
 * before the writes). */
static int fill_dir_page(struct pvback_dev *dev, grant_ref_t ref,
			 unsigned int at, unsigned int want,
			 grant_ref_t *next, void *arg)
{
	struct pvback *b = dev->type->b;
	volatile grant_ref_t *page;
	const grant_ref_t *refs = (const grant_ref_t *)arg + at;
	void *a;
	int rc = b->ops->map(b->ctx, dev->domid, &ref, 1, true, &a);

	if (rc < 0)
		return rc;
	page = a;
	*next = page[0];
	for (unsigned int i = 0; i < want; i++)
		page[1 + i] = refs[i];
	(void)b->ops->unmap(b->ctx, a, 1);
	return 0;
}

static bool seen_before(const grant_ref_t *dirs, unsigned int n,
			grant_ref_t ref)
{
	for (unsigned int i = 0; i < n; i++)
		if (dirs[i] == ref)
			return true;
	return false;
}

/* Follow the chain from first until npages references are covered,
 * each page once: a chain that ends early or loops is -EINVAL. */
static int walk_dir(struct pvback_dev *dev, grant_ref_t first,
		    unsigned int npages, dir_page_fn *fn, void *arg)
{
	unsigned int ndirs = (npages + DIR_REFS - 1) / DIR_REFS, got = 0;
	grant_ref_t *dirs = calloc(ndirs, sizeof(*dirs)), ref = first;
	int rc = 0;

	if (!dirs)
		return -ENOMEM;
	for (unsigned int d = 0; d < ndirs && rc == 0; d++) {
		unsigned int want =
		    npages - got < DIR_REFS ? npages - got : DIR_REFS;
		grant_ref_t next;

		if (ref == 0 || seen_before(dirs, d, ref)) {
			rc = -EINVAL;
			break;
		}
		dirs[d] = ref;
		rc = fn(dev, ref, got, want, &next, arg);
		got += want;
		ref = next;
	}
	free(dirs);
	return rc;
}

int pvback_dev_fill_pgdir(struct pvback_dev *dev, grant_ref_t first_dir,
			  const grant_ref_t *refs, unsigned int npages)
{
	if (!refs || npages == 0)
		return -EINVAL;
	if (npages > PVBACK_MAP_MAX)
		return -E2BIG;
	return walk_dir(dev, first_dir, npages, fill_dir_page,
			(void *)(uintptr_t)refs);
}

int pvback_dev_map_pgdir(struct pvback_dev *dev, grant_ref_t first_dir,
			 unsigned int npages, unsigned int max_pages,
			 bool writable, void **addr)
{
	grant_ref_t *refs;
	int rc;

	if (!addr || npages == 0)
		return -EINVAL;
	if (npages > max_pages || npages > PVBACK_MAP_MAX)
		return -E2BIG;
	refs = calloc(npages, sizeof(*refs));
	if (!refs)
		return -ENOMEM;
	rc = walk_dir(dev, first_dir, npages, read_dir_page, refs);
	if (rc == 0)
		rc = pvback_dev_map(dev, refs, npages, writable, addr);
	free(refs);
	return rc;
}
