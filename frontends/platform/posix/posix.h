/*
 * posix.h — inside the process-guest platform (include/pvkit/guest_posix.h
 * is the manual).  guest.c: open, close, memory, hypercall transport and
 * scratch pages; pages.c: the page allocator; grant.c: the grant table;
 * event.c: event channels, waiting, console, scheduling; confine.c: the
 * seccomp allowlist.
 */
#ifndef PVFRONT_POSIX_PRIV_H
#define PVFRONT_POSIX_PRIV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvkit/guest_posix.h"

#define PP_PAGE_SIZE 4096u
#define PP_PAGE_SHIFT 12
#define PP_GREFS_PER_FRAME (PP_PAGE_SIZE / sizeof(struct grant_entry_v1))

struct pp_scratch {
	pthread_mutex_t lock;
	uint8_t *page;
};

/* The guest->dom0 fast path of one port: pvhv's descriptor and the status
 * word it is valid for. */
struct pp_fast {
	int fd; /* -1: none */
	uint32_t word;
};

struct pvfront_posix {
	domid_t domid;
	bool native;
	unsigned int nr_vcpus;
	bool have_fds; /* the descriptors below are ours to close */
	int hcall_fd, mem_fd;
	int *wake_fds;

	uint8_t *mem; /* = PVHV_GUEST_BASE */
	size_t mem_size;
	uint64_t nr_pages;
	struct start_info *si;
	struct shared_info *shinfo;

	pthread_mutex_t hcall_lock;
	struct pp_scratch *scratch; /* per vCPU */

	pthread_mutex_t page_lock;
	uint64_t free_first, free_count; /* the free frames */
	uint64_t *page_used;		 /* bitmap over them */

	pthread_mutex_t gnt_lock;
	struct grant_entry_v1 **gnt_frames;
	unsigned int nr_gnt_frames;
	uint32_t nr_grefs;
	uint64_t *gref_used; /* refs handed out by grant_frame() */
	uint32_t gref_next;

	/* event.c: the port status page (read-only) and the fast path's
	 * descriptors, per port; NULL when pvhv offers none. */
	pthread_mutex_t fast_lock;
	const _Atomic uint32_t *port_status;
	size_t status_bytes;
	uint32_t nr_status; /* ports the page covers */
	struct pp_fast *fast;

	/* foreign.c: dom0's grants mapped here, under gnt_lock. */
	struct pp_foreign *foreign;
};

/* pages.c */
int pp_pages_init(struct pvfront_posix *p);
void pp_pages_fini(struct pvfront_posix *p);

/* grant.c */
int pp_gnttab_init(struct pvfront_posix *p);
void pp_gnttab_fini(struct pvfront_posix *p);

/* event.c: map the port status page pvhv left at its descriptor (none:
 * no fast path, 0), and undo it all. */
int pp_fast_init(struct pvfront_posix *p);
void pp_fast_fini(struct pvfront_posix *p);
/* A hypercall reply brought descriptor fd for port, valid while the
 * port's status word is word: keep it (or close it). */
void pp_fast_adopt(struct pvfront_posix *p, evtchn_port_t port,
		   uint32_t word, int fd);

/* guest.c: a hypercall whose reply may bring the memory of dom0's grants
 * it mapped: *grant_fd gets that descriptor (the caller's to close) when
 * it came, else stays as it was. */
long pp_hypercall_fd(struct pvfront_posix *p, uint64_t nr, const uint64_t a[5],
		     int *grant_fd);
/* foreign.c: unmap what is still mapped (the guest is going). */
void pp_foreign_fini(struct pvfront_posix *p);

/* guest.c: run nr(cmd, <copy of arg>, a3) with arg copied through the
 * calling vCPU's scratch page and back (len <= a page). */
long pp_call(struct pvfront_posix *p, unsigned int nr, unsigned int cmd,
	     void *arg, size_t len, uint64_t a3);
/* The calling vCPU's scratch page, locked; give it back with
 * pp_scratch_put(). */
struct pp_scratch *pp_scratch_get(struct pvfront_posix *p);
void pp_scratch_put(struct pp_scratch *s);

#endif
