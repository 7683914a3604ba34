/*
 * pvkit/guest_posix.h — the guest side of a pvhv process guest.
 *
 * A process guest is an ordinary Linux program that pvhv starts for a
 * domain of `type = "process"`.  This library turns what pvhv hands it
 * into the things a PV guest has: memory, a grant table, event channels,
 * hypercalls.
 *
 *     struct pvfront_posix *p;
 *     int rc = pvfront_posix_open(PVFRONT_POSIX_CONFINE, &p);
 *     void *page = pvfront_posix_alloc_pages(p, 1);
 *     grant_ref_t ref;
 *     evtchn_port_t port, got[8];
 *     pvfront_posix_grant_access(p, 0, page, false, &ref);
 *     pvfront_posix_evtchn_alloc_unbound(p, 0, &port);
 *     ... tell dom0 ref and port ...
 *     int n = pvfront_posix_wait(p, got, 8, -1);   // blocks for events
 *     pvfront_posix_evtchn_send(p, port);
 *     pvfront_posix_shutdown(p, SHUTDOWN_poweroff);
 *
 * What open() does.  It reads PVKIT_DOMID, PVKIT_VWFI and PVKIT_VCPUS,
 * takes the descriptors pvhv left (3 hypercall socket, 4 guest memory,
 * 5+n vCPU n's wake eventfd; all made close-on-exec), maps all guest
 * memory at PVHV_GUEST_BASE, checks the start_info page at frame 0, sets
 * up its whole grant table (GNTTABOP_query_size, GNTTABOP_setup_table),
 * takes one scratch page per vCPU from the free frames, and maps the port
 * status page pvhv left after the wake eventfds (read-only; closing that
 * descriptor), when there is one.  Open once per process.
 *
 * Guest memory and addresses.  Frame n of guest memory is at
 * PVHV_GUEST_BASE + n * 4096 in the guest, and that address is also what
 * pvhv expects in a hypercall argument: any pointer into guest memory is a
 * valid hypercall pointer, a pointer anywhere else gets -EFAULT.  Frames
 * [start_info.first_p2m_pfn, + nr_p2m_frames) are free for the guest;
 * alloc_pages() hands them out (zeroed, page-aligned, contiguous) — use
 * it for every page a peer will see (rings, buffers you grant).
 *
 * Hypercalls.  pvfront_posix_hypercall() is the raw call: Xen's number and
 * five arguments, pointers being guest addresses; it returns Xen's result
 * (0 / a value, or a negative errno).  The helpers below copy their
 * argument structures through the calling vCPU's scratch page, so their
 * callers may keep structures anywhere.  Calls are serialised on the one
 * hypercall socket; all functions are thread-safe.
 *
 * Events.  Every port delivers to vCPU 0.  wait() collects pending ports
 * (pv_evtchn_scan) and, when there are none, idles as the domain's vwfi
 * says: vwfi=trap sleeps in poll() on vCPU 0's wake eventfd, vwfi=native
 * spins on the upcall flag with the CPU's pause/yield hint.  A port is
 * reported once per time it became pending; masked ports are not
 * reported until unmasked.
 *
 * Sending to dom0.  pvfront_posix_evtchn_send() on a port linked to a dom0
 * port goes to pvhv the first time; pvhv's reply then brings a descriptor
 * that raises the dom0 end directly, and later sends write it instead of
 * making a hypercall, as long as the port's word in the status page says
 * the link is the same one (pvhv clears the word when either end closes
 * or dies).  A stale descriptor is closed and the send goes to pvhv; the
 * result is what EVTCHNOP_send would have done.  Each port keeps at most
 * one such descriptor, closed when a send or a new link finds it stale or
 * when the port is closed.
 *
 * Confinement.  With PVFRONT_POSIX_CONFINE, open() finishes by installing
 * a seccomp allowlist (or call pvfront_posix_confine() later, after the
 * program's own start-up): the process can then only read and write the
 * descriptors it has, poll, sleep, use futexes, manage anonymous memory
 * (never executable), make threads, signal itself and exit.  Everything
 * else fails with EPERM.  Stack it on top of pvhv's own deny-list.
 *
 * Errors are negative errno values.  pvfront_posix_close(NULL) is safe.
 */
#ifndef PVKIT_GUEST_POSIX_H
#define PVKIT_GUEST_POSIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvkit/proto/event_channel.h"
#include "pvkit/proto/grant_table.h"
#include "pvkit/proto/xen.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define PVFRONT_POSIX_MUST_CHECK __attribute__((warn_unused_result))
#define PVFRONT_POSIX_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define PVFRONT_POSIX_NORETURN __attribute__((noreturn))
#else
#define PVFRONT_POSIX_MUST_CHECK
#define PVFRONT_POSIX_PRINTF(a, b)
#define PVFRONT_POSIX_NORETURN
#endif

struct pvfront_posix;

/* open() flags. */
#define PVFRONT_POSIX_CONFINE (1u << 0) /* install the seccomp allowlist */

/* Take over the channels pvhv gave this process.  -EINVAL for unknown
 * flags, -ENOENT when the environment is not a pvhv guest's, -EBADF when a
 * descriptor is missing, -EPROTO for a start_info page that makes no
 * sense, -EEXIST when the guest address range is taken. */
PVFRONT_POSIX_MUST_CHECK int pvfront_posix_open(unsigned int flags,
						struct pvfront_posix **out);
void pvfront_posix_close(struct pvfront_posix *p);

/* Install the allowlist now (see "Confinement").  0 or -errno. */
int pvfront_posix_confine(struct pvfront_posix *p);

const struct start_info *pvfront_posix_start_info(struct pvfront_posix *p);
struct shared_info *pvfront_posix_shared_info(struct pvfront_posix *p);
domid_t pvfront_posix_domid(const struct pvfront_posix *p);
unsigned int pvfront_posix_vcpus(const struct pvfront_posix *p);
bool pvfront_posix_vwfi_native(const struct pvfront_posix *p);
/* vCPU vcpu's wake eventfd (readable when an event was raised for it
 * under vwfi=trap), or -1. */
int pvfront_posix_wake_fd(const struct pvfront_posix *p, unsigned int vcpu);

/* The calling thread acts as vCPU vcpu (its scratch page); threads start
 * as vCPU 0.  -EINVAL for a vCPU the domain does not have. */
int pvfront_posix_set_vcpu(struct pvfront_posix *p, unsigned int vcpu);

/* ---- hypercalls ---------------------------------------------------------- */

/* The raw call.  Returns pvhv's result; -EPIPE when pvhv is gone. */
long pvfront_posix_hypercall(struct pvfront_posix *p, uint64_t nr,
			     uint64_t a1, uint64_t a2, uint64_t a3,
			     uint64_t a4, uint64_t a5);

/* ---- memory -------------------------------------------------------------- */

/* n contiguous zeroed pages from the free frames, or NULL. */
void *pvfront_posix_alloc_pages(struct pvfront_posix *p, size_t n);
/* Give back what alloc_pages(p, n) returned. */
void pvfront_posix_free_pages(struct pvfront_posix *p, void *pages, size_t n);
/* Frame number of a page of guest memory; -EINVAL for other addresses. */
int64_t pvfront_posix_gfn(const struct pvfront_posix *p, const void *ptr);
/* Guest address (= hypercall pointer) of ptr; ptr must be in guest memory. */
uint64_t pvfront_posix_gaddr(const void *ptr);

/* ---- grants -------------------------------------------------------------- */

/* Grant domid access to page (page-aligned, in guest memory).  *ref gets
 * a free entry (never one of the reserved entries).  -ENOSPC when the
 * table is full. */
int pvfront_posix_grant_access(struct pvfront_posix *p, domid_t domid,
			       void *page, bool readonly, grant_ref_t *ref);
/* The same for any frame number; pvhv checks it when a peer maps. */
int pvfront_posix_grant_frame(struct pvfront_posix *p, domid_t domid,
			      uint32_t frame, bool readonly,
			      grant_ref_t *ref);
/* Revoke; -EBUSY while the peer still has it mapped (try again later),
 * -EINVAL for a reference that grant_access did not hand out. */
int pvfront_posix_end_access(struct pvfront_posix *p, grant_ref_t ref);
/* The entry itself (for code that fills entries by hand), or NULL. */
struct grant_entry_v1 *pvfront_posix_grant_entry(struct pvfront_posix *p,
						 grant_ref_t ref);
/* Entries in the table (all frames set up at open). */
uint32_t pvfront_posix_grant_entries(const struct pvfront_posix *p);

/*
 * dom0's own grants (a backend's buffers, displif's be-alloc): map
 * refs[0..n-1] of dom (0: pvhv lets a guest map only dom0's) at n
 * contiguous pages, read-only or read-write, all or nothing.  -EINVAL
 * for n 0 or over PVFRONT_POSIX_FOREIGN_MAX or a reference that is no
 * grant; -EPERM for one not granted to this guest (or read-only, mapped
 * writable); -ENOSPC when pvhv holds too many mappings.  unmap takes
 * addr and n as mapped (-EINVAL otherwise).
 */
#define PVFRONT_POSIX_FOREIGN_MAX 16384u
int pvfront_posix_map_foreign(struct pvfront_posix *p, domid_t dom,
			      const grant_ref_t *refs, size_t n, bool readonly,
			      void **addr);
int pvfront_posix_unmap_foreign(struct pvfront_posix *p, void *addr,
				size_t n);

/* ---- event channels ------------------------------------------------------ */

int pvfront_posix_evtchn_alloc_unbound(struct pvfront_posix *p,
				       domid_t remote, evtchn_port_t *port);
int pvfront_posix_evtchn_send(struct pvfront_posix *p, evtchn_port_t port);
int pvfront_posix_evtchn_close(struct pvfront_posix *p, evtchn_port_t port);
/* Clear the mask bit; an event that arrived meanwhile is delivered. */
int pvfront_posix_evtchn_unmask(struct pvfront_posix *p, evtchn_port_t port);

/* Up to max pending ports into ports[]; waits up to timeout_ms (-1: for
 * ever, 0: just look) when none is pending.  Returns the number (0 after
 * the timeout) or -errno. */
int pvfront_posix_wait(struct pvfront_posix *p, evtchn_port_t *ports,
		       unsigned int max, int timeout_ms);

/* ---- the store ------------------------------------------------------------ */

struct pvfront_xs;
/* Start libpvfront's store client (pvkit/front_xs.h) on this guest's
 * store ring (start_info.store_mfn) and port (store_evtchn); flags as
 * pvfront_xs_open().  The client waits in pvfront_posix_wait(); ports
 * other than the store's that fire meanwhile stay pending for the
 * guest's own next wait.  0, -ENXIO when start_info names no store, or
 * pvfront_xs_open()'s error. */
PVFRONT_POSIX_MUST_CHECK int pvfront_posix_xs_open(struct pvfront_posix *p,
					       struct pvfront_xs *xs,
					       unsigned int flags);

/* ---- libpvfront ---------------------------------------------------------- */

struct pvfront;
struct pvfront_os_ops;
/* libpvfront's OS shim for this platform (pvkit/front.h); its arg is the
 * struct pvfront_posix.  Logging goes to the console. */
const struct pvfront_os_ops *pvfront_posix_os_ops(void);
/* pvfront_open(pf, pvfront_posix_os_ops(), p, flags): the guest's
 * libpvfront instance, with devices, ports and the store, in one call. */
PVFRONT_POSIX_MUST_CHECK int pvfront_posix_front_open(struct pvfront_posix *p,
						      struct pvfront *pf,
						      unsigned int flags);

/* ---- console and scheduling ---------------------------------------------- */

/* The hypervisor console (console_io CONSOLEIO_write): `pvctl console`
 * shows it. */
int pvfront_posix_console_write(struct pvfront_posix *p, const char *buf,
				size_t len);
int pvfront_posix_console_printf(struct pvfront_posix *p, const char *fmt,
				 ...) PVFRONT_POSIX_PRINTF(2, 3);

/* SCHEDOP_shutdown for reason (SHUTDOWN_*); the process then exits
 * (status 0 when pvhv took the request, 1 when it refused it). */
PVFRONT_POSIX_NORETURN void pvfront_posix_shutdown(struct pvfront_posix *p,
						   unsigned int reason);
/* SCHEDOP_yield, then give the host CPU away. */
int pvfront_posix_sched_yield(struct pvfront_posix *p);
/* SCHEDOP_block, then idle (as wait() does) until an event is pending;
 * the event stays pending for wait() to collect. */
int pvfront_posix_block(struct pvfront_posix *p);

#ifdef __cplusplus
}
#endif

#endif
