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

static int map_record(struct pvback_dev *dev, void *addr, unsigned int n)
{
	struct pvback_map *m = malloc(sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->addr = addr;
	m->n = n;
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
	rc = map_record(dev, a, n);
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

static void unmap_one(struct pvback_dev *dev, struct pvback_map *m)
{
	struct pvback *b = dev->type->b;
	int rc = b->ops->unmap(b->ctx, m->addr, m->n);

	if (rc < 0)
		PVBACK_LOG(b, WARN, "%s: unmapping %u pages: %s", dev->be_path,
			   m->n, strerror(-rc));
	free(m);
}

int pvback_dev_unmap(struct pvback_dev *dev, void *addr)
{
	for (struct pvback_map **pp = &dev->maps; *pp; pp = &(*pp)->next) {
		struct pvback_map *m = *pp;

		if (m->addr == addr) {
			*pp = m->next;
			unmap_one(dev, m);
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
		unmap_one(dev, m);
	}
}

/* ---- page directories -----------------------------------------------------
 */

/* Copy the references of one directory page (mapped read-only only while
 * they are copied: the guest may change the page at any time, so it is
 * read once).  *next gets the following page's reference. */
static int read_dir_page(struct pvback_dev *dev, grant_ref_t ref,
			 grant_ref_t *refs, unsigned int want,
			 grant_ref_t *next)
{
	struct pvback *b = dev->type->b;
	const volatile grant_ref_t *page;
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

static bool seen_before(const grant_ref_t *dirs, unsigned int n,
			grant_ref_t ref)
{
	for (unsigned int i = 0; i < n; i++)
		if (dirs[i] == ref)
			return true;
	return false;
}

/* Follow the chain until npages references are known. */
static int read_dir(struct pvback_dev *dev, grant_ref_t first,
		    grant_ref_t *refs, unsigned int npages)
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
			rc = -EINVAL; /* the chain ends early, or loops */
			break;
		}
		dirs[d] = ref;
		rc = read_dir_page(dev, ref, refs + got, want, &next);
		got += want;
		ref = next;
	}
	free(dirs);
	return rc;
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
	rc = read_dir(dev, first_dir, refs, npages);
	if (rc == 0)
		rc = pvback_dev_map(dev, refs, npages, writable, addr);
	free(refs);
	return rc;
}
