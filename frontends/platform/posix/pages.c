/*
 * The page allocator: first fit over the guest's free frames, one bit per
 * frame.  Small and simple on purpose — a guest allocates rings and
 * buffers once, not per request.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "posix.h"

#define WORD_BITS 64u

static bool used(const struct pvfront_posix *p, uint64_t i)
{
	return p->page_used[i / WORD_BITS] >> (i % WORD_BITS) & 1;
}

static void mark(struct pvfront_posix *p, uint64_t i, uint64_t n, bool on)
{
	for (uint64_t j = i; j < i + n; j++) {
		uint64_t bit = 1ull << (j % WORD_BITS);

		if (on)
			p->page_used[j / WORD_BITS] |= bit;
		else
			p->page_used[j / WORD_BITS] &= ~bit;
	}
}

int pp_pages_init(struct pvfront_posix *p)
{
	p->free_first = p->si->first_p2m_pfn;
	p->free_count = p->si->nr_p2m_frames;
	p->page_used = calloc((p->free_count + WORD_BITS - 1) / WORD_BITS,
			      sizeof(*p->page_used));
	return p->page_used ? 0 : -ENOMEM;
}

void pp_pages_fini(struct pvfront_posix *p)
{
	free(p->page_used);
	p->page_used = NULL;
}

/* First run of n free frames, or free_count. */
static uint64_t find_run(const struct pvfront_posix *p, uint64_t n)
{
	uint64_t run = 0;

	for (uint64_t i = 0; i < p->free_count; i++) {
		if (!(i % WORD_BITS) && !~p->page_used[i / WORD_BITS]) {
			run = 0; /* a full word: skip it whole */
			i += WORD_BITS - 1;
			continue;
		}
		run = used(p, i) ? 0 : run + 1;
		if (run == n)
			return i + 1 - n;
	}
	return p->free_count;
}

void *pvfront_posix_alloc_pages(struct pvfront_posix *p, size_t n)
{
	uint8_t *page = NULL;
	uint64_t i;

	if (n == 0 || n > p->free_count)
		return NULL;
	pthread_mutex_lock(&p->page_lock);
	i = find_run(p, n);
	if (i < p->free_count) {
		mark(p, i, n, true);
		page = p->mem + ((p->free_first + i) << PP_PAGE_SHIFT);
	}
	pthread_mutex_unlock(&p->page_lock);
	/* A page freed earlier keeps what was in it; a new one is clean. */
	if (page)
		memset(page, 0, n * PP_PAGE_SIZE);
	return page;
}

void pvfront_posix_free_pages(struct pvfront_posix *p, void *pages, size_t n)
{
	int64_t gfn = pages ? pvfront_posix_gfn(p, pages) : -EINVAL;
	uint64_t i;

	if (gfn < 0 || (uint64_t)gfn < p->free_first ||
	    (uintptr_t)pages % PP_PAGE_SIZE)
		return;
	i = (uint64_t)gfn - p->free_first;
	if (i >= p->free_count || n > p->free_count - i)
		return;
	pthread_mutex_lock(&p->page_lock);
	mark(p, i, n, false);
	pthread_mutex_unlock(&p->page_lock);
}
