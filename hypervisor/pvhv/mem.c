/*
 * Guest memory: one sealed memfd per guest.  pvhv maps all of it (to lay out the
 * start pages and to read grant entries); dom0 clients get the fd, or a
 * read-only reopening of it, and map only what a grant allows.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pvhv.h"

int hv_mem_create(struct hv_mem *m, const char *name, uint64_t nr_pages)
{
	char path[64];
	size_t size = (size_t)nr_pages << HV_PAGE_SHIFT;
	int rc;

	*m = (struct hv_mem){ .fd = -1, .ro_fd = -1, .nr_pages = nr_pages };
	m->fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (m->fd < 0)
		goto fail;
	/* The guest holds this fd: sealed, it can neither shrink the memory
	 * under pvhv's and dom0's mappings (they would fault) nor grow it. */
	if (ftruncate(m->fd, (off_t)size) ||
	    fcntl(m->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL))
		goto fail;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", m->fd);
	m->ro_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (m->ro_fd < 0)
		goto fail;
	m->base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd,
		       0);
	if (m->base == MAP_FAILED) {
		m->base = NULL;
		goto fail;
	}
	return 0;
fail:
	rc = -errno;
	hv_mem_destroy(m);
	return rc;
}

void hv_mem_destroy(struct hv_mem *m)
{
	if (m->base)
		munmap(m->base, (size_t)m->nr_pages << HV_PAGE_SHIFT);
	if (m->fd >= 0)
		close(m->fd);
	if (m->ro_fd >= 0)
		close(m->ro_fd);
	*m = (struct hv_mem){ .fd = -1, .ro_fd = -1 };
}

void *hv_mem_ptr(const struct hv_mem *m, uint64_t gpa, size_t len)
{
	uint64_t size = m->nr_pages << HV_PAGE_SHIFT;

	if (!m->base || gpa > size || len > size - gpa)
		return NULL;
	return m->base + gpa;
}
