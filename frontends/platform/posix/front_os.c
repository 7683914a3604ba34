/*
 * libpvfront's OS shim (struct pvfront_os_ops, pvkit/front.h) for a
 * process guest: each operation is the platform call of the same name.
 * The platform's errors are the host's negative errno values, which on
 * Linux are the XEN_E* numbers libpvfront speaks.  Log lines go to the
 * hypervisor console ("pvctl console"), prefixed "pvfront: ".
 */
#include <errno.h>
#include <time.h>

#include "posix.h"
#include "pvkit/front.h"

static void *os_alloc_pages(void *arg, size_t n)
{
	return pvfront_posix_alloc_pages(arg, n);
}

static void os_free_pages(void *arg, void *pages, size_t n)
{
	pvfront_posix_free_pages(arg, pages, n);
}

static int os_grant_access(void *arg, domid_t dom, void *page, bool readonly,
			   grant_ref_t *ref)
{
	return pvfront_posix_grant_access(arg, dom, page, readonly, ref);
}

static int os_end_access(void *arg, grant_ref_t ref)
{
	return pvfront_posix_end_access(arg, ref);
}

static int os_alloc_unbound(void *arg, domid_t remote, evtchn_port_t *port)
{
	return pvfront_posix_evtchn_alloc_unbound(arg, remote, port);
}

static int os_send(void *arg, evtchn_port_t port)
{
	return pvfront_posix_evtchn_send(arg, port);
}

static int os_close(void *arg, evtchn_port_t port)
{
	return pvfront_posix_evtchn_close(arg, port);
}

static int os_unmask(void *arg, evtchn_port_t port)
{
	return pvfront_posix_evtchn_unmask(arg, port);
}

static int os_wait(void *arg, evtchn_port_t *ports, unsigned int max,
		   int timeout_ms)
{
	return pvfront_posix_wait(arg, ports, max, timeout_ms);
}

static uint64_t os_now_ns(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void os_log(void *arg, unsigned int level, const char *msg)
{
	static const char *const tag[] = {"error: ", "warning: ", "", ""};

	if (level > PVFRONT_LOG_INFO)
		return;
	(void)pvfront_posix_console_printf(arg, "pvfront: %s%s\n", tag[level],
					   msg);
}

static int os_store_ring(void *arg, struct xenstore_domain_interface **page,
			 evtchn_port_t *port)
{
	struct pvfront_posix *p = arg;
	uint64_t mfn = p->si->store_mfn;
	void *ring;

	if (mfn == 0 || mfn >= p->nr_pages || p->si->store_evtchn == 0)
		return -ENXIO;
	ring = p->mem + (mfn << PP_PAGE_SHIFT);
	*page = ring;
	*port = p->si->store_evtchn;
	return 0;
}

static int os_map_grants(void *arg, domid_t dom, const grant_ref_t *refs,
			 size_t n, bool readonly, void **addr)
{
	return pvfront_posix_map_foreign(arg, dom, refs, n, readonly, addr);
}

static int os_unmap_grants(void *arg, void *addr, size_t n)
{
	return pvfront_posix_unmap_foreign(arg, addr, n);
}

static const struct pvfront_os_ops posix_os_ops = {
    .alloc_pages = os_alloc_pages,
    .free_pages = os_free_pages,
    .grant_access = os_grant_access,
    .end_access = os_end_access,
    .evtchn_alloc_unbound = os_alloc_unbound,
    .evtchn_send = os_send,
    .evtchn_close = os_close,
    .evtchn_unmask = os_unmask,
    .wait = os_wait,
    .now_ns = os_now_ns,
    .log = os_log,
    .store_ring = os_store_ring,
    .map_grants = os_map_grants,
    .unmap_grants = os_unmap_grants,
};

const struct pvfront_os_ops *pvfront_posix_os_ops(void)
{
	return &posix_os_ops;
}

int pvfront_posix_front_open(struct pvfront_posix *p, struct pvfront *pf,
			     unsigned int flags)
{
	return pvfront_open(pf, &posix_os_ops, p, flags);
}
