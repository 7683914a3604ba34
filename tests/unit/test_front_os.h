/*
 * tests/unit/test_front_os.h — a fake guest OS under libpvfront's
 * framework (struct pvfront_os_ops), for test_front_*.c.
 *
 * Pages come from aligned_alloc (counted, so leaks show); the grant table
 * and the event channels are arrays whose entries a test may inspect and
 * poke (a peer "maps" a grant by setting mapped, which makes end_access
 * say -XEN_EBUSY; it raises a port with fos_fire()).  Time is virtual: a
 * wait that finds nothing to report moves the clock on by its whole
 * timeout, so timeouts of seconds take no time at all.  The peer — the
 * store and a backend — runs inside wait() through fos.step, one step per
 * wait, on the test's one thread.
 */
#ifndef PVKIT_TESTS_FRONT_OS_H
#define PVKIT_TESTS_FRONT_OS_H

#include "unit.h"

#include <stdlib.h>

#include "pvkit/front.h"
#include "pvkit/proto/errno.h"

#define FOS_GRANTS     4096u
#define FOS_GREF_FIRST 8u /* 0..7 are the toolstack's */
#define FOS_PORTS      64u
#define FOS_STORE_PORT 1u
#define FOS_LOG_LINES  64u

struct fos_grant {
	bool used;
	bool ro;
	bool mapped; /* the peer has it mapped: end_access is refused */
	domid_t dom;
	void *page;
};

struct fos_port {
	bool used;
	domid_t remote;
	unsigned int sends;
};

struct fos;
/* Another domain's granted page (a backend's own memory), or NULL: what
 * map_grants maps.  The fake maps only refs whose pages lie one after the
 * other in the peer's memory (it cannot remap). */
typedef uint8_t *fos_foreign_fn(struct fos *o, domid_t dom, grant_ref_t ref);
/* One step of the peer (store, backend), run by each wait(); true when it
 * did something. */
typedef bool fos_step_fn(struct fos *o);

struct fos {
	struct pvfront pf;
	uint64_t now;		/* ns */
	unsigned int pages_out; /* pages allocated, not yet freed */
	unsigned int alloc_calls, alloc_fail_at; /* fail call n (1-based) */
	unsigned int grant_room; /* grants that may still be made */
	struct fos_grant grants[FOS_GRANTS];
	struct fos_port ports[FOS_PORTS];
	evtchn_port_t fired[256];
	unsigned int nfired;
	unsigned int waits, wait_limit, idle_waits;
	fos_step_fn *step;
	fos_foreign_fn *foreign; /* NULL: map_grants says -XEN_EPERM */
	unsigned int foreign_maps; /* map_grants not yet unmapped */
	void *user;
	struct xenstore_domain_interface *store_page;
	char log[FOS_LOG_LINES][256];
	unsigned int nlog;
};

static inline void fos_fire(struct fos *o, evtchn_port_t port)
{
	assert_true(o->nfired < 256);
	o->fired[o->nfired++] = port;
}

static inline struct fos_grant *fos_grant(struct fos *o, grant_ref_t ref)
{
	assert_true(ref >= FOS_GREF_FIRST && ref < FOS_GRANTS);
	assert_true(o->grants[ref].used);
	return &o->grants[ref];
}

static inline unsigned int fos_grants_used(const struct fos *o)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < FOS_GRANTS; i++)
		n += o->grants[i].used;
	return n;
}

static inline unsigned int fos_ports_used(const struct fos *o)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < FOS_PORTS; i++)
		n += o->ports[i].used;
	return n;
}

/* A logged line containing s, or NULL. */
static inline const char *fos_logged(const struct fos *o, const char *s)
{
	for (unsigned int i = 0; i < o->nlog && i < FOS_LOG_LINES; i++)
		if (strstr(o->log[i], s))
			return o->log[i];
	return NULL;
}

/* ---- the ops ------------------------------------------------------------- */

static inline void *fos_alloc_pages(void *arg, size_t n)
{
	struct fos *o = arg;
	void *p;

	if (++o->alloc_calls == o->alloc_fail_at)
		return NULL;
	p = aligned_alloc(PVFRONT_PAGE_SIZE, n * PVFRONT_PAGE_SIZE);
	assert_non_null(p);
	memset(p, 0, n * PVFRONT_PAGE_SIZE);
	o->pages_out += (unsigned int)n;
	return p;
}

static inline void fos_free_pages(void *arg, void *pages, size_t n)
{
	struct fos *o = arg;

	assert_true(o->pages_out >= n);
	o->pages_out -= (unsigned int)n;
	free(pages);
}

static inline int fos_grant_access(void *arg, domid_t dom, void *page,
				   bool readonly, grant_ref_t *ref)
{
	struct fos *o = arg;

	assert_true(((uintptr_t)page & (PVFRONT_PAGE_SIZE - 1)) == 0);
	if (o->grant_room == 0)
		return -XEN_ENOSPC;
	for (grant_ref_t r = FOS_GREF_FIRST; r < FOS_GRANTS; r++) {
		if (o->grants[r].used)
			continue;
		o->grants[r] = (struct fos_grant){
		    .used = true, .ro = readonly, .dom = dom, .page = page};
		o->grant_room--;
		*ref = r;
		return 0;
	}
	return -XEN_ENOSPC;
}

static inline int fos_end_access(void *arg, grant_ref_t ref)
{
	struct fos *o = arg;

	if (ref < FOS_GREF_FIRST || ref >= FOS_GRANTS || !o->grants[ref].used)
		return -XEN_EINVAL;
	if (o->grants[ref].mapped)
		return -XEN_EBUSY;
	o->grants[ref].used = false;
	o->grant_room++;
	return 0;
}

static inline int fos_alloc_unbound(void *arg, domid_t remote,
				    evtchn_port_t *port)
{
	struct fos *o = arg;

	for (evtchn_port_t p = FOS_STORE_PORT + 1; p < FOS_PORTS; p++) {
		if (o->ports[p].used)
			continue;
		o->ports[p] = (struct fos_port){.used = true, .remote = remote};
		*port = p;
		return 0;
	}
	return -XEN_ENOSPC;
}

static inline int fos_send(void *arg, evtchn_port_t port)
{
	struct fos *o = arg;

	if (port >= FOS_PORTS || !o->ports[port].used)
		return -XEN_ENOENT;
	o->ports[port].sends++;
	return 0;
}

static inline int fos_close(void *arg, evtchn_port_t port)
{
	struct fos *o = arg;

	if (port >= FOS_PORTS || !o->ports[port].used || port == FOS_STORE_PORT)
		return -XEN_ENOENT;
	o->ports[port].used = false;
	return 0;
}

static inline int fos_wait(void *arg, evtchn_port_t *ports, unsigned int max,
			   int timeout_ms)
{
	struct fos *o = arg;
	unsigned int n;

	if (++o->waits > o->wait_limit)
		fail_msg("still waiting after %u waits", o->waits);
	if (o->nfired == 0 && o->step)
		o->step(o);
	if (o->nfired == 0) {
		o->idle_waits++;
		if (timeout_ms < 0)
			fail_msg("would wait for ever: nothing can happen");
		o->now += (uint64_t)timeout_ms * 1000000u;
		return 0;
	}
	n = o->nfired < max ? o->nfired : max;
	memcpy(ports, o->fired, n * sizeof(*ports));
	memmove(o->fired, o->fired + n, (o->nfired - n) * sizeof(*ports));
	o->nfired -= n;
	return (int)n;
}

static inline uint64_t fos_now(void *arg)
{
	return ((struct fos *)arg)->now;
}

static inline void fos_log(void *arg, unsigned int level, const char *msg)
{
	struct fos *o = arg;

	if (getenv("FOS_VERBOSE"))
		printf("  [%u] %s\n", level, msg);
	snprintf(o->log[o->nlog++ % FOS_LOG_LINES], sizeof(o->log[0]), "%s",
		 msg);
}

static inline int fos_store_ring(void *arg,
				 struct xenstore_domain_interface **page,
				 evtchn_port_t *port)
{
	struct fos *o = arg;

	*page = o->store_page;
	*port = FOS_STORE_PORT;
	return o->store_page ? 0 : -XEN_ENXIO;
}

static inline int fos_map_grants(void *arg, domid_t dom,
				 const grant_ref_t *refs, size_t n,
				 bool readonly, void **addr)
{
	struct fos *o = arg;
	uint8_t *first = o->foreign ? o->foreign(o, dom, refs[0]) : NULL;

	(void)readonly;
	if (!first)
		return -XEN_EPERM;
	for (size_t i = 1; i < n; i++)
		if (o->foreign(o, dom, refs[i]) != first + i * PVFRONT_PAGE_SIZE)
			return -XEN_EINVAL;
	o->foreign_maps++;
	*addr = first;
	return 0;
}

static inline int fos_unmap_grants(void *arg, void *addr, size_t n)
{
	struct fos *o = arg;

	(void)addr;
	(void)n;
	assert_true(o->foreign_maps > 0);
	o->foreign_maps--;
	return 0;
}

static const struct pvfront_os_ops fos_ops = {
    .alloc_pages = fos_alloc_pages,
    .free_pages = fos_free_pages,
    .grant_access = fos_grant_access,
    .end_access = fos_end_access,
    .evtchn_alloc_unbound = fos_alloc_unbound,
    .evtchn_send = fos_send,
    .evtchn_close = fos_close,
    .wait = fos_wait,
    .now_ns = fos_now,
    .log = fos_log,
    .store_ring = fos_store_ring,
    .map_grants = fos_map_grants,
    .unmap_grants = fos_unmap_grants,
};

/* A fresh OS around store page page (kept by the caller). */
static inline void fos_init(struct fos *o,
			    struct xenstore_domain_interface *page)
{
	memset(o, 0, sizeof(*o));
	o->store_page = page;
	o->grant_room = FOS_GRANTS;
	o->wait_limit = 100000;
	o->now = 1000000000u;
	o->ports[FOS_STORE_PORT].used = true;
}

#endif
