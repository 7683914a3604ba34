/*
 * pvkit/front.h — libpvfront: what every guest-side PV driver stands on.
 *
 * A frontend driver (kbdfront, sndfront, ...) needs the same few things
 * from its guest: memory it can share, grants for it, event channels with
 * handlers, the store, and the xenbus handshake with its backend.  This
 * library gives them, freestanding (no libc, no allocation: every object
 * is the caller's memory) so that the same drivers run in a Linux process
 * guest, a bare-metal guest or an RTOS.
 *
 * ---- porting: the OS shim -------------------------------------------------
 *
 * Everything that differs from one guest OS to the next is one table,
 * struct pvfront_os_ops (below): twelve functions for pages, grants,
 * event channels, waiting, time, logging and where the store ring is.  A
 * port to a new OS is one more such table; frontends/platform/posix has
 * the process guest's (pvfront_posix_front_open() in guest_posix.h).
 * Functions return 0 or a negative XEN_E* errno (pvkit/proto/errno.h;
 * Linux's numbers, so a Linux port may pass -errno through).
 *
 * What a port has to get right, beyond the calls themselves:
 *   - wait() must not lose an event: one that fired before the call (or
 *     between two calls) is reported by the next.  On a PV guest this is
 *     the shared-info page's pending bits (pv_evtchn_scan, pvkit/evtchn.h)
 *     and SCHEDOP_block while none is set; an interrupt-driven RTOS
 *     records the ports in its handler and wakes the waiting task.
 *   - alloc_pages() memory is what the guest may grant: whole frames of
 *     guest memory, never freed while granted (the library ends grants
 *     first).  grant_access/end_access are pv_grant_access and
 *     pv_grant_end_access (pvkit/grant.h) on the guest's grant table.
 *   - now_ns() only needs to be monotonic; the library uses it for
 *     timeouts, never for the time of day.
 *   - the library is freestanding: it needs memcpy, memmove and memset
 *     (which compilers call on their own) and nothing else.
 *
 * ---- the guest's instance -------------------------------------------------
 *
 *     static struct pvfront pf;          // about 13 KiB: not on a stack
 *     rc = pvfront_open(&pf, &my_os_ops, my_os, 0);
 *     ...
 *     for (;;)
 *             pvfront_poll(&pf, -1);     // runs handlers, drives devices
 *
 * struct pvfront owns the store client (pvkit/front_xs.h; pvfront_xs()
 * gives it for direct use) and is the one place that waits: a fired port
 * goes to the handler bound to it, the store's port to the store client,
 * store watch events to the watch that asked for them.  Ports that fire
 * while a store call waits for its reply are kept and their handlers run
 * once that call's caller has returned to pvfront_poll(): nothing is lost
 * and no handler runs inside another's store call.
 *
 * One thread at a time: the library takes no locks.  Callers with several
 * threads serialise every call on one instance (a mutex around them).
 * Callbacks may call anything here except the blocking calls that wait
 * for events themselves (pvfront_poll, pvfront_dev_connect,
 * pvfront_dev_close with a timeout): those return -XEN_EDEADLK there.
 *
 * ---- devices --------------------------------------------------------------
 *
 * The toolstack describes a guest's devices in the store:
 * device/<type>/<id> (relative to the guest's home) with "backend" (the
 * backend's directory), "backend-id" and "state"; the backend's directory
 * holds the backend's "state" and what it offers.  pvfront_enumerate()
 * lists the ids of one type; struct pvfront_dev is one device, driven by
 * three callbacks of the driver:
 *
 *     static const struct pvfront_dev_ops my_ops = {
 *             .publish = my_publish,       // write my keys (in tx)
 *             .connect = my_connect,       // backend Connected
 *             .disconnect = my_disconnect, // link lost (or closed)
 *     };
 *     rc = pvfront_dev_open(&dev, &pf, "vkbd", 0, &my_ops, me);
 *     rc = pvfront_dev_alloc_pages(&dev, &ring, 1, NULL, 0); // granted
 *     rc = pvfront_dev_alloc_port(&dev, &evt, my_irq, me);
 *     rc = pvfront_dev_connect(&dev, 5000);   // 0: Connected
 *     ...
 *     rc = pvfront_dev_close(&dev, 5000);     // everything given back
 *
 * The handshake (xenbus states, pvkit/xenbus.h):
 *   - connect: wait for the backend's InitWait (it wrote what it offers),
 *     then one store transaction writes the driver's keys (publish) and
 *     the frontend's Initialised together, so the backend never sees one
 *     without the other; wait for the backend's Connected, let the driver
 *     read the backend's keys (connect), write Connected.
 *   - the backend leaves Connected (Closing, Closed: it is going away;
 *     InitWait, Initialising: a new backend process took over): the
 *     driver hears disconnect(-XEN_ENOTCONN) and the frontend walks
 *     Closing -> (backend Closing or Closed: it has unmapped everything)
 *     -> Closed -> (backend Closed or InitWait) -> Initialising -> the
 *     connect path again.  So a backend that is stopped or killed and
 *     started again finds the device where it left it and the driver gets
 *     publish() and connect() again: it may reset its rings in publish(),
 *     since the backend has unmapped them by then.  Pages, grants and
 *     ports stay the same across a reconnect.
 *   - the device's nodes vanish (unplugged, the toolstack removed it):
 *     disconnect(-XEN_ENODEV); the device is gone and nothing is written.
 *   - close: the device's ports are closed first (no handler runs after
 *     the driver let go), then Closing -> (backend Closing or Closed) ->
 *     Closed; the grants are ended and the pages freed.
 * A backend is expected to answer a frontend's Closing with Closing and
 * its Closed with Closed (then InitWait to offer a reconnect, or nothing
 * when it is being removed), and a frontend's Initialising with InitWait
 * when it is Closed — as Linux's backends and pvkit's libpvback do.
 *
 * The handshake runs in pvfront_poll() (watch events on the backend's
 * state); pvfront_dev_connect() and pvfront_dev_close() drive it until it
 * is done or their time is up.  A hostile or absent backend never makes
 * anything hang:
 *   - connect's time runs out: -XEN_ETIMEDOUT and a message naming the
 *     backend's directory and both states ("no backend?"); the device
 *     stays ready and connects in pvfront_poll() if a backend comes;
 *   - a backend state that is not a number naming a state, backend keys
 *     the driver rejects (pvfront_dev_read_uint() says -XEN_EBADMSG), a
 *     backend that does not acknowledge Closing within the handshake
 *     time (pvfront_set_handshake_timeout, 5 s) or that closes the device
 *     three times before it connects: the device fails — disconnect(err),
 *     the error in the store at error/device/<type>/<id>/error (as Linux
 *     frontends report it), state Closed, pvfront_dev_error() and
 *     pvfront_dev_errmsg() say why.  pvfront_dev_connect() starts afresh,
 *     pvfront_dev_close() gives everything back;
 *   - a backend that still maps pages at close: their grants cannot be
 *     ended, so the pages are not freed (the backend could still write
 *     them) and close returns -XEN_EBUSY; close again later to retry;
 *   - store calls give up after the store timeout
 *     (pvfront_set_store_timeout, 10 s); a device whose handshake meets
 *     such a failure fails, without writing to a store that does not
 *     answer.  A store call in progress may outlast a blocking call's own
 *     time by up to the store timeout.
 *
 * ---- pages, grants, page directories, ports -------------------------------
 *
 * struct pvfront_pages is n contiguous zeroed pages, each granted to a
 * domain: refs[i] is the grant of page i.  struct pvfront_pgdir is a
 * buffer of n such pages plus the page directory sndif and displif use
 * (struct xensnd_page_directory / xendispl_page_directory): a chain of
 * directory pages, each holding the grant of the next directory page (0
 * at the end) and then the grants of up to PVFRONT_PGDIR_PER_PAGE buffer
 * pages; the protocol sends only the first directory page's grant
 * (pvfront_pgdir_ref()).  struct pvfront_port is an event channel with
 * its handler.  The pvfront_dev_alloc_* forms grant to the device's
 * backend and are given back by pvfront_dev_close(); the pvfront_* forms
 * are for anything else.  The other way round, pvfront_map_grants() maps
 * pages a backend granted to this guest (its own buffers, displif's
 * be-alloc), when the OS offers map_grants.
 */
#ifndef PVKIT_FRONT_H
#define PVKIT_FRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvkit/front_xs.h"
#include "pvkit/proto/event_channel.h"
#include "pvkit/proto/grant_table.h"
#include "pvkit/proto/xen.h"
#include "pvkit/proto/xenbus.h"
#include "pvkit/proto/xs_wire.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define PVFRONT_MUST_CHECK __attribute__((warn_unused_result))
#else
#define PVFRONT_MUST_CHECK
#endif

#define PVFRONT_PAGE_SIZE 4096u

/* ---- the OS shim ------------------------------------------------------------
 *
 * arg is the one given to pvfront_open().  All are required but the five
 * marked optional.
 */
struct pvfront_os_ops {
	/* n contiguous, zeroed, page-aligned pages of guest memory that may
	 * be granted, or NULL. */
	void *(*alloc_pages)(void *arg, size_t n);
	/* Give back what alloc_pages(arg, n) returned. */
	void (*free_pages)(void *arg, void *pages, size_t n);
	/* Grant dom access to one page (readonly: it may only read).  *ref
	 * gets the grant reference; -XEN_ENOSPC when the table is full. */
	int (*grant_access)(void *arg, domid_t dom, void *page, bool readonly,
			    grant_ref_t *ref);
	/* Revoke a grant; -XEN_EBUSY while the peer has the page mapped
	 * (nothing changed; may be tried again). */
	int (*end_access)(void *arg, grant_ref_t ref);
	/* A new port for remote to bind (EVTCHNOP_alloc_unbound). */
	int (*evtchn_alloc_unbound)(void *arg, domid_t remote,
				    evtchn_port_t *port);
	int (*evtchn_send)(void *arg, evtchn_port_t port);
	int (*evtchn_close)(void *arg, evtchn_port_t port);
	/* Optional: clear the port's mask (called once when it is bound). */
	int (*evtchn_unmask)(void *arg, evtchn_port_t port);
	/* Up to max ports that fired into ports[], waiting up to timeout_ms
	 * (-1: no limit, 0: just look) while none has.  Each firing is
	 * reported once; one that came while nobody waited is reported by
	 * the next call.  Returns the count (0: the time ran out) or -errno.
	 * Returning early with 0 is allowed. */
	int (*wait)(void *arg, evtchn_port_t *ports, unsigned int max,
		    int timeout_ms);
	/* A monotonic clock in nanoseconds. */
	uint64_t (*now_ns)(void *arg);
	/* Optional: one line (no newline) at level PVFRONT_LOG_*. */
	void (*log)(void *arg, unsigned int level, const char *msg);
	/* The store's ring page and port (start_info's store_mfn and
	 * store_evtchn); -XEN_ENXIO when there is no store. */
	int (*store_ring)(void *arg, struct xenstore_domain_interface **page,
			  evtchn_port_t *port);
	/* Optional (both or neither): map pages another domain granted to
	 * this one (a backend's own buffers, displif's be-alloc): refs[0..n)
	 * of dom at n contiguous pages, read-only or writable, all or
	 * nothing; and unmap them (addr and n as mapped). */
	int (*map_grants)(void *arg, domid_t dom, const grant_ref_t *refs,
			  size_t n, bool readonly, void **addr);
	int (*unmap_grants)(void *arg, void *addr, size_t n);
};

#define PVFRONT_LOG_ERR	  0u
#define PVFRONT_LOG_WARN  1u
#define PVFRONT_LOG_INFO  2u
#define PVFRONT_LOG_DEBUG 3u

/* ---- objects (fields are private: use the functions) --------------------- */

struct pvfront;
struct pvfront_dev;
struct pvfront_port;
struct pvfront_watch;

typedef void pvfront_port_fn(struct pvfront *pf, struct pvfront_port *port,
			     void *arg);
typedef void pvfront_watch_fn(struct pvfront *pf, struct pvfront_watch *w,
			      const char *path, void *arg);

/* An event channel and its handler. */
struct pvfront_port {
	struct pvfront_port *next;
	struct pvfront_dev *dev; /* the device that frees it, or NULL */
	pvfront_port_fn *fn;
	void *arg;
	evtchn_port_t port;
	bool owned;   /* allocated here: closed when freed */
	bool pending; /* fired, handler not run yet */
};

/* A store watch; path stays the caller's while it is set. */
struct pvfront_watch {
	struct pvfront_watch *next;
	const char *path;
	pvfront_watch_fn *fn;
	void *arg;
	bool due; /* to be called again after lost events */
	char token[12];
};

/* n granted pages. */
struct pvfront_pages {
	struct pvfront_pages *next; /* the device's list */
	uint8_t *addr;
	size_t n;
	grant_ref_t *refs; /* n entries; &ref1 when n == 1 and none given */
	grant_ref_t ref1;
	size_t granted;		 /* refs[0..granted) are live grants */
	struct pvfront_dev *dev; /* whose list it is on, or NULL */
	domid_t dom;
	bool readonly;
};

/* Entries of a directory page: its first holds the next page's grant. */
#define PVFRONT_PGDIR_PER_PAGE (PVFRONT_PAGE_SIZE / sizeof(grant_ref_t) - 1u)

/* A buffer and its page directory. */
struct pvfront_pgdir {
	struct pvfront_pages buf; /* n == 0 when the backend allocates */
	struct pvfront_pages dir;
	size_t npages; /* buffer pages the directory lists */
};

struct pvfront_dev_ops {
	/* Required.  Write the driver's keys with pvfront_dev_write*() in
	 * transaction tx (the framework adds state Initialised to it).  Runs
	 * on every (re)connect, and again when the transaction conflicted:
	 * only write keys here.  0, or -errno to fail the device. */
	int (*publish)(struct pvfront_dev *dev, uint32_t tx, void *arg);
	/* Optional.  The backend is Connected: read its keys.  0 (the
	 * frontend becomes Connected) or -errno (the device fails). */
	int (*connect)(struct pvfront_dev *dev, void *arg);
	/* Optional.  The link is gone: stop using the rings.  reason:
	 * -XEN_ENOTCONN the backend went away (a reconnect may follow),
	 * -XEN_ENODEV the device was removed, 0 closed by the caller,
	 * else why it failed.  Only called after connect() succeeded. */
	void (*disconnect)(struct pvfront_dev *dev, int reason, void *arg);
};

/* Lengths of the device's paths (with their NULs). */
#define PVFRONT_TYPE_MAX 32u
#define PVFRONT_PATH_MAX 128u

/* One device. */
struct pvfront_dev {
	struct pvfront_dev *next;
	struct pvfront *pf;
	const struct pvfront_dev_ops *ops;
	void *arg;
	uint32_t devid;
	domid_t backend_id;
	uint8_t phase;		  /* where the handshake is */
	bool want;		  /* connect asked for */
	bool up;		  /* the driver's connect() succeeded */
	enum xenbus_state state;  /* ours, as last written */
	enum xenbus_state bstate; /* the backend's, as last read */
	uint32_t gen, closed_gen; /* backend state events seen */
	unsigned int refusals;	  /* closes before connecting */
	unsigned int connects;	  /* times connected */
	uint64_t deadline;	  /* of a handshake step, 0: none */
	int err;
	struct pvfront_pages *pages; /* granted to the backend */
	struct pvfront_watch watch;
	char type[PVFRONT_TYPE_MAX];
	char path[PVFRONT_TYPE_MAX + 24];      /* device/<type>/<id> */
	char backend[PVFRONT_PATH_MAX];	       /* the backend's directory */
	char state_path[PVFRONT_PATH_MAX + 8]; /* <backend>/state */
	char errmsg[200];
};

/* The guest's instance. */
struct pvfront {
	const struct pvfront_os_ops *ops;
	void *arg;
	evtchn_port_t store_port;
	bool open;
	unsigned int depth; /* callbacks running */
	int store_timeout_ms, handshake_ms;
	uint32_t next_token;
	uint32_t stray; /* firings of ports nobody bound */
	uint32_t held;	/* ports that fired during store calls */
	struct pvfront_port *ports;
	struct pvfront_watch *watches;
	struct pvfront_dev *devs;
	struct pvfront_xs xs;
	char evbuf[PVFRONT_XS_EVENT_MAX];
};

/* ---- the instance -------------------------------------------------------- */

/* open() flags. */
#define PVFRONT_OPEN_STORE_RESET (1u << 0) /* a fresh store ring first */

/* Start: check ops, find the store and start its client.  -XEN_EINVAL for
 * NULL, missing ops or unknown flags; the store_ring op's or
 * pvfront_xs_open()'s error. */
PVFRONT_MUST_CHECK int pvfront_open(struct pvfront *pf,
				    const struct pvfront_os_ops *ops, void *arg,
				    unsigned int flags);
/* Close the devices still open (without waiting: see
 * pvfront_dev_close), then the store client.  NULL is fine. */
void pvfront_close(struct pvfront *pf);

/* The store client, for the driver's own store calls. */
struct pvfront_xs *pvfront_xs(struct pvfront *pf);
/* How long one store call may wait (-1: for ever; default 10000). */
void pvfront_set_store_timeout(struct pvfront *pf, int timeout_ms);
/* How long a backend may take to acknowledge Closing (default 5000). */
void pvfront_set_handshake_timeout(struct pvfront *pf, int timeout_ms);

/* Wait up to timeout_ms (-1: no limit, 0: do not wait) for something to
 * do, then do it: run the handlers of ports that fired, hand store watch
 * events to their watches (devices' handshakes move on here), fail
 * handshake steps whose time ran out.  Returns how many callbacks and
 * steps ran (0: nothing happened in time), -XEN_EDEADLK from a callback,
 * or the error of the OS's wait or of a broken store ring. */
int pvfront_poll(struct pvfront *pf, int timeout_ms);

/* ---- event channels ------------------------------------------------------ */

/* Allocate a port for remote and bind fn to it. */
int pvfront_port_alloc(struct pvfront *pf, struct pvfront_port *p,
		       domid_t remote, pvfront_port_fn *fn, void *arg);
/* Bind fn to a port that exists already (freeing it does not close it).
 * -XEN_EEXIST when the port is bound here already. */
int pvfront_port_bind(struct pvfront *pf, struct pvfront_port *p,
		      evtchn_port_t port, pvfront_port_fn *fn, void *arg);
/* Unbind (and close, when allocated here).  A port not bound is fine. */
void pvfront_port_free(struct pvfront *pf, struct pvfront_port *p);
int pvfront_port_notify(struct pvfront *pf, struct pvfront_port *p);
evtchn_port_t pvfront_port_number(const struct pvfront_port *p);

/* ---- store watches ------------------------------------------------------- */

/* Call fn whenever path or anything below it changes (and once at
 * once).  path must stay valid until the watch is removed. */
int pvfront_watch_add(struct pvfront *pf, struct pvfront_watch *w,
		      const char *path, pvfront_watch_fn *fn, void *arg);
int pvfront_watch_remove(struct pvfront *pf, struct pvfront_watch *w);

/* ---- pages and grants ---------------------------------------------------- */

/* pages_alloc() flags. */
#define PVFRONT_PAGES_READONLY (1u << 0) /* the peer may only read */

/* n zeroed pages granted to dom; refs: n entries for the grants, or NULL
 * when n == 1 (pg keeps it).  -XEN_EINVAL, -XEN_ENOMEM, or the grant's
 * error (nothing stays allocated then). */
int pvfront_pages_alloc(struct pvfront *pf, struct pvfront_pages *pg,
			domid_t dom, size_t n, grant_ref_t *refs,
			unsigned int flags);
/* End the grants and free the pages.  -XEN_EBUSY while the peer maps
 * some: those grants stay, nothing is freed, call again later. */
int pvfront_pages_free(struct pvfront *pf, struct pvfront_pages *pg);
void *pvfront_pages_addr(const struct pvfront_pages *pg);
grant_ref_t pvfront_pages_ref(const struct pvfront_pages *pg, size_t i);

/* Map refs[0..n) that dom granted to this guest at n contiguous pages
 * (the OS's map_grants); -XEN_EOPNOTSUPP when the OS cannot, -XEN_EINVAL
 * for n 0 or no refs.  unmap: addr and n as mapped. */
int pvfront_map_grants(struct pvfront *pf, domid_t dom,
		       const grant_ref_t *refs, size_t n, bool readonly,
		       void **addr) PVFRONT_MUST_CHECK;
int pvfront_unmap_grants(struct pvfront *pf, void *addr, size_t n);
/* Whether the OS can map others' grants (map_grants given). */
bool pvfront_can_map_grants(const struct pvfront *pf);

/* Directory pages needed for npages buffer pages. */
size_t pvfront_pgdir_pages(size_t npages);
/* pgdir_alloc() flags (and PVFRONT_PAGES_READONLY for the buffer). */
#define PVFRONT_PGDIR_BACKEND_ALLOC (1u << 1) /* the backend fills it */

/* A buffer of npages pages granted to dom (refs: npages entries) and its
 * directory (dir_refs: pvfront_pgdir_pages(npages) entries), filled in
 * and granted read-only.  With PVFRONT_PGDIR_BACKEND_ALLOC no buffer is
 * allocated (refs may be NULL): the directory is granted writable, only
 * its chain filled in, and the backend writes its own grants into it
 * (pvfront_pgdir_get). */
int pvfront_pgdir_alloc(struct pvfront *pf, struct pvfront_pgdir *pd,
			domid_t dom, size_t npages, grant_ref_t *refs,
			grant_ref_t *dir_refs, unsigned int flags);
int pvfront_pgdir_free(struct pvfront *pf, struct pvfront_pgdir *pd);
/* The grant that names the directory (gref_directory in the protocol). */
grant_ref_t pvfront_pgdir_ref(const struct pvfront_pgdir *pd);
/* Buffer page i's grant as the directory holds it now.  -XEN_EINVAL for
 * i out of range. */
int pvfront_pgdir_get(const struct pvfront_pgdir *pd, size_t i,
		      grant_ref_t *ref);
/* Write a directory into ndir pages at dir (chained by dir_refs) listing
 * refs[0..n); pages and counts as pvfront_pgdir_pages() says.  For
 * directories built by hand. */
void pvfront_pgdir_fill(void *dir, const grant_ref_t *dir_refs, size_t ndir,
			const grant_ref_t *refs, size_t n);

/* ---- devices ------------------------------------------------------------- */

/* The ids under device/<type>, ascending, into ids[] (max entries).
 * Returns the count; names that are not ids are skipped; -XEN_E2BIG when
 * there are more than max (the first max are stored); 0 when there is no
 * device of that type. */
int pvfront_enumerate(struct pvfront *pf, const char *type, uint32_t *ids,
		      unsigned int max);

/* Open device/<type>/<devid>: read and check "backend" and "backend-id"
 * and watch the backend's state.  Nothing is written yet.  -XEN_ENOENT
 * when the device or a key is missing, -XEN_EBADMSG when a key is not
 * what it must be, -XEN_EINVAL for bad arguments, a store error. */
PVFRONT_MUST_CHECK int
pvfront_dev_open(struct pvfront_dev *dev, struct pvfront *pf, const char *type,
		 uint32_t devid, const struct pvfront_dev_ops *ops, void *arg);
/* Connect (see "The handshake"), waiting up to timeout_ms; 0 when
 * Connected.  With timeout 0: start and return -XEN_EAGAIN; the
 * handshake goes on in pvfront_poll().  -XEN_ETIMEDOUT (it goes on, too),
 * -XEN_ENODEV when the device is gone, the error it failed with. */
int pvfront_dev_connect(struct pvfront_dev *dev, int timeout_ms);
/* Close (see "The handshake") and give back everything allocated through
 * the device; the device may be opened again.  Waits up to timeout_ms for
 * the backend.  0, or -XEN_EBUSY when the backend kept pages mapped (not
 * freed; close again).  The driver's disconnect(0) runs if it was up. */
int pvfront_dev_close(struct pvfront_dev *dev, int timeout_ms);
/* Give up on the device from the driver's side (a ring index out of
 * range, say): as the failures above; msg is a short reason. */
void pvfront_dev_fail(struct pvfront_dev *dev, int err, const char *msg);

bool pvfront_dev_connected(const struct pvfront_dev *dev);
/* The frontend's state as last written, the backend's as last read. */
enum xenbus_state pvfront_dev_state(const struct pvfront_dev *dev);
enum xenbus_state pvfront_dev_backend_state(const struct pvfront_dev *dev);
/* 0, or the -errno the device failed with; the reason in words. */
int pvfront_dev_error(const struct pvfront_dev *dev);
const char *pvfront_dev_errmsg(const struct pvfront_dev *dev);
/* Times the device reached Connected since it was opened. */
unsigned int pvfront_dev_connects(const struct pvfront_dev *dev);

struct pvfront *pvfront_dev_front(const struct pvfront_dev *dev);
uint32_t pvfront_dev_id(const struct pvfront_dev *dev);
domid_t pvfront_dev_backend_id(const struct pvfront_dev *dev);
const char *pvfront_dev_path(const struct pvfront_dev *dev); /* relative */
const char *pvfront_dev_backend_path(const struct pvfront_dev *dev);

/* Which directory a key is read from. */
#define PVFRONT_FRONTEND 0u
#define PVFRONT_BACKEND	 1u

/* Key's value into buf (cap bytes, NUL-terminated).  Returns the length;
 * -XEN_ENOENT when missing, -XEN_EBADMSG when it does not fit buf or
 * holds a NUL. */
int pvfront_dev_read(struct pvfront_dev *dev, unsigned int side,
		     const char *key, char *buf, size_t cap);
/* A decimal number in [min, max]; -XEN_ENOENT when missing, -XEN_EBADMSG
 * (logged, naming the key and value) for anything else. */
int pvfront_dev_read_uint(struct pvfront_dev *dev, unsigned int side,
			  const char *key, uint64_t min, uint64_t max,
			  uint64_t *out);
/* A decimal number s[0..len) (digits only, no leading zero) up to max,
 * for drivers that read lists from the store ("48000,44100",
 * "1280x720"): 0 with *out, or -XEN_EINVAL. */
int pvfront_parse_uint(const char *s, size_t len, uint64_t max, uint64_t *out);
/* Write one of the frontend's keys (tx 0: on its own). */
int pvfront_dev_write(struct pvfront_dev *dev, uint32_t tx, const char *key,
		      const char *value);
int pvfront_dev_write_uint(struct pvfront_dev *dev, uint32_t tx,
			   const char *key, uint64_t value);

/* The allocation calls above, granted to the device's backend and given
 * back by pvfront_dev_close(). */
int pvfront_dev_alloc_pages(struct pvfront_dev *dev, struct pvfront_pages *pg,
			    size_t n, grant_ref_t *refs, unsigned int flags);
int pvfront_dev_alloc_pgdir(struct pvfront_dev *dev, struct pvfront_pgdir *pd,
			    size_t npages, grant_ref_t *refs,
			    grant_ref_t *dir_refs, unsigned int flags);
int pvfront_dev_alloc_port(struct pvfront_dev *dev, struct pvfront_port *p,
			   pvfront_port_fn *fn, void *arg);

#ifdef __cplusplus
}
#endif

#endif
