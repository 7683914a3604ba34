/*
 * pvkit/back.h — libpvback, the framework dom0 backends stand on.
 *
 * A backend serves one kind of PV device (vkbd, vsnd, ...) to any number of
 * guests.  It describes the device with an ops table (struct
 * pvback_device_ops) and registers it with a struct pvback; the framework
 * then finds every device the toolstack creates for that kind, runs the
 * xenbus handshake with each frontend, and calls the ops at the points
 * where the device has work to do.  The device only speaks its protocol.
 * Link with the `pvback` CMake target; it runs on libevent (libevent_core).
 *
 *     static const struct pvback_device_ops echo_ops = {
 *             .type = "pvcalls", .priv_size = sizeof(struct echo),
 *             .connect = echo_connect, .disconnect = echo_disconnect,
 *     };
 *     struct event_base *base = event_base_new();
 *     struct pvback *b;
 *     rc = pvback_new(base, &pvback_platform_pvhv, NULL, &b);
 *     rc = pvback_register(b, &echo_ops, NULL);
 *     event_base_dispatch(base);          // the caller's loop
 *     pvback_free(b);
 *
 * The loop.  pvback_new() puts the platform's descriptors (for pvhv: the
 * store and the hypervisor connection) into the caller's event_base, and
 * every event channel a device binds goes there too.  The library never
 * runs the loop and never blocks in it except for store requests, which
 * are local and answered at once.  All callbacks run from the loop, one at
 * a time; a struct pvback is for one thread.
 *
 * The platform.  The framework reaches the hypervisor through struct
 * pvback_platform_ops: the store, grant mapping and event channels, and
 * (optionally) granting dom0's own pages to a guest, for buffers the
 * backend provides (displif's be-alloc), and nothing else.  pvback_platform_pvhv is pvkit's own hypervisor (its
 * platform argument is pvhv's run directory, a const char *, or NULL for
 * the default, see pvhv_open()).  Another hypervisor needs one more table.
 *
 * Where devices come from.  For a device type with backend directory DIR
 * (.backend_dir, or .type when that is NULL) the framework watches
 * /local/domain/0/backend/DIR.  Each DOM/DEVID below it is a device of
 * guest DOM.  Its "frontend" node must name
 * /local/domain/DOM/device/TYPE/DEVID and "frontend-id" must be DOM,
 * exactly as a toolstack writes them; a device that says otherwise is
 * failed at once (see "Failure") and its frontend is never looked at.
 * A directory is taken on once it has a "state" node.  The framework
 * writes a node of its own into it, "pvback-token": a name alone cannot
 * tell a device from the next one with the same ids (a guest that died
 * and a new one given its domid, a device removed and added again), and
 * the store's events may be read after both happened.  A directory
 * without the device's token is not the device's any more: it is dropped
 * (disconnect(), remove()) and the new directory, if any, taken on afresh.
 *
 * The handshake, from the backend's side (states as pvkit/xenbus.h):
 *
 *   new device        probe(); backend InitWait (when the frontend is not
 *                     ready yet)
 *   frontend Initialised or Connected
 *                     connect(): read the frontend's keys, map its pages,
 *                     bind its ports; then backend Connected
 *   frontend Closing  disconnect(); backend Closing
 *   frontend Closed   disconnect() if still connected; backend Closed
 *   frontend Initialising again after Closed (a frontend reconnecting)
 *                     backend InitWait; the error node is removed
 *   frontend gone (its state node vanished)
 *                     disconnect(); backend Closed
 *   toolstack removal (backend "online" 0, or a backend state of Closing
 *                     or Closed that the backend did not write: `pvctl
 *                     device-remove`, xl's *-detach)
 *                     disconnect(); backend Closed
 *   backend directory removed (the device was removed, or the guest died)
 *                     disconnect() if connected, then remove()
 *
 * A frontend must therefore wait for the backend's Closing (or Closed)
 * before it writes Closed, and for the backend's Closed before it writes
 * Initialising to reconnect; the backend returns to InitWait only then.
 * Every state the frontend writes is checked against the one seen before
 * it with pv_xenbus_transition_ok(); because the store reports only that
 * a node changed, the backend may miss a state a frontend passed through
 * quickly, so a move that the table allows by way of Initialising
 * (Closed -> Initialising -> Connected, seen as Closed -> Connected) is
 * accepted too.  Anything else (Connected -> Initialising, Closing ->
 * Connected, a value that is no state) fails the device.
 *
 * A backend restarted.  A new backend process finds the devices that are
 * already there at its first look.  For a frontend that is Initialised or
 * Connected it runs probe() and connect() and writes Connected, without
 * passing through InitWait, so the guest needs to do nothing: the
 * hypervisor unbound the guest's ports and dropped the old mappings when
 * the old backend died, so they can be bound and mapped again.  A device
 * whose ring has indices the old backend moved must take them up from the
 * shared page in connect().  pvback_free() leaves the store as it is, so
 * a backend stopped cleanly and started again behaves the same way.
 * A device type with .reconnect_on_restart is not picked up so: for a
 * frontend found Connected the backend runs probe() and writes InitWait,
 * which a frontend reads as "a new backend took over" and answers by
 * walking Closing -> Closed -> Initialising -> Initialised (libpvfront
 * does); connect() runs then, with everything set up afresh.  A frontend
 * found Initialised had no backend yet and connects at once either way.
 *
 * Failure.  pvback_dev_fail(dev, err, fmt, ...) writes "<errno> <text>"
 * (errno positive, as Linux's xenbus_dev_fatal does) to the backend's
 * "error" node, switches the backend to Closing and, from the loop right
 * after, calls disconnect(); from then on the device's event callbacks no
 * longer run.  The frontend may then close (Closed) and start again
 * (Initialising), which clears the error.  The framework fails a device
 * itself when probe() or connect() returns an error, when the frontend's
 * state jumps, and when the backend directory names the wrong frontend.
 * A failed device affects no other: one backend serves all guests, and a
 * guest's mistakes end at its own devices.
 *
 * What the framework owns.  Mappings made with pvback_dev_map*() and ports
 * bound with pvback_dev_bind*() belong to the device's connection: after
 * disconnect() returns, whatever the device did not release itself is
 * unmapped and unbound.  disconnect() is called once after every connect()
 * that was called, also after one that failed or called pvback_dev_fail()
 * (so it must cope with a half-made connection), and never otherwise.
 *
 * A hostile guest.  The frontend's directory is the guest's: every key
 * read from it is checked (pvback_dev_read_uint() with a range) and every
 * page it grants may change at any moment.  Copy what you read from a
 * mapping into private memory once, then check it (DESIGN.md).
 *
 * Errors are 0 (or a length) or a negative errno.  Callbacks take the
 * object first and their void *arg last.
 */
#ifndef PVKIT_BACK_H
#define PVKIT_BACK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvkit/proto/event_channel.h"
#include "pvkit/proto/grant_table.h"
#include "pvkit/proto/xen.h"
#include "pvkit/proto/xenbus.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define PVBACK_MUST_CHECK   __attribute__((warn_unused_result))
#define PVBACK_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define PVBACK_MUST_CHECK
#define PVBACK_PRINTF(a, b)
#endif

struct event_base;
struct pvback;
struct pvback_dev;
struct pvback_evt;

/* ---- the platform ------------------------------------------------------
 *
 * What varies between hypervisors, as one table.  ctx is what open()
 * made.  Store paths are absolute; values are malloc'd with a NUL after
 * their length (free() them); names from directory() are one allocation:
 * n pointers, NULL, then the strings (free(names) frees all).  tx is 0
 * outside a transaction.  Everything returns 0 or -errno; the store's
 * refusals are its errno (-ENOENT, -EACCES, -EAGAIN from tx_end when the
 * transaction conflicted).  Store calls block until answered; watch
 * events are delivered from process() only, and never again for a watch
 * once unwatch() returned.
 */
typedef void pvback_watch_fn(const char *path, const char *token, void *arg);

#define PVBACK_PLATFORM_FDS 4u

struct pvback_platform_ops {
	const char *name;
	int (*open)(const void *arg, void **ctx);
	void (*close)(void *ctx);
	/* Descriptors to watch for reading (at most PVBACK_PLATFORM_FDS);
	 * returns how many.  When one is readable, process() runs: it does
	 * what arrived without blocking and delivers watch events.  A
	 * negative return from process() means the platform is gone. */
	int (*fds)(void *ctx, int *fds);
	int (*process)(void *ctx);
	/* the store */
	int (*tx_start)(void *ctx, uint32_t *tx);
	int (*tx_end)(void *ctx, uint32_t tx, bool commit);
	int (*read)(void *ctx, uint32_t tx, const char *path, char **value,
		    size_t *len);
	int (*write)(void *ctx, uint32_t tx, const char *path,
		     const void *value, size_t len);
	int (*rm)(void *ctx, uint32_t tx, const char *path);
	int (*directory)(void *ctx, uint32_t tx, const char *path,
			 char ***names, unsigned int *n);
	int (*watch)(void *ctx, const char *path, const char *token,
		     pvback_watch_fn *cb, void *arg);
	int (*unwatch)(void *ctx, const char *path, const char *token);
	/* grants: n refs of dom at n contiguous pages */
	int (*map)(void *ctx, domid_t dom, const grant_ref_t *refs,
		   unsigned int n, bool writable, void **addr);
	int (*unmap)(void *ctx, void *addr, unsigned int n);
	/* event channels: *port is the platform's own handle */
	int (*bind)(void *ctx, domid_t dom, evtchn_port_t remote, void **port);
	int (*port_fd)(void *ctx, void *port);
	/* Events since the last drain (0 if none); never blocks. */
	int (*drain)(void *ctx, void *port);
	int (*notify)(void *ctx, void *port);
	void (*unbind)(void *ctx, void *port);
	/* Optional (NULL: -ENOTSUP): dom0's own pages granted to dom.  n
	 * zeroed pages mapped read-write at *addr, page i granted as refs[i]
	 * (read-only for the guest with readonly). */
	int (*grant_alloc)(void *ctx, domid_t dom, unsigned int n,
			   bool readonly, grant_ref_t *refs, void **addr);
	/* End those grants and unmap the pages: how many the guest still
	 * maps (it keeps them until it unmaps; they are never reused
	 * meanwhile), or -errno. */
	int (*grant_free)(void *ctx, void *addr, unsigned int n);
};

/* pvhv, through libpvhv.  Platform argument: the run directory (const
 * char *), or NULL for pvhv_open()'s default. */
extern const struct pvback_platform_ops pvback_platform_pvhv;

/* ---- the instance ------------------------------------------------------- */

/* Open the platform (ops->open(platform_arg)) and put it into base.  0
 * with *out set, or -errno (the platform's: -ENOENT / -ECONNREFUSED when
 * pvhv does not run there). */
int pvback_new(struct event_base *base, const struct pvback_platform_ops *ops,
	       const void *platform_arg, struct pvback **out) PVBACK_MUST_CHECK;
/* Remove every device type (as pvback_unregister()) and close the
 * platform.  The store is left as it is (see "A backend restarted").  NULL
 * is fine.  Not from a callback of b. */
void pvback_free(struct pvback *b);

struct event_base *pvback_base(const struct pvback *b);

enum pvback_log_level {
	PVBACK_LOG_ERR,
	PVBACK_LOG_WARN,
	PVBACK_LOG_INFO,
	PVBACK_LOG_DEBUG,
};

/* Where messages go; the default writes ERR and WARN to stderr. msg has
 * no newline. */
typedef void pvback_log_fn(struct pvback *b, enum pvback_log_level level,
			   const char *msg, void *arg);
void pvback_set_log(struct pvback *b, pvback_log_fn *fn, void *arg);
void pvback_log(struct pvback *b, enum pvback_log_level level, const char *fmt,
		...) PVBACK_PRINTF(3, 4);

/* The platform broke (pvhv or its store went away): nothing works any
 * more, and the caller should free b and stop or start again.  The
 * default breaks the loop (event_base_loopbreak).  err is the -errno. */
typedef void pvback_fatal_fn(struct pvback *b, int err, void *arg);
void pvback_set_fatal(struct pvback *b, pvback_fatal_fn *fn, void *arg);
/* The error that made b fatal, or 0. */
int pvback_error(const struct pvback *b);

/* ---- device types ------------------------------------------------------- */

/*
 * One kind of device.  Every callback gets the device and the arg given
 * to pvback_register().  The table must outlive the registration.
 */
struct pvback_device_ops {
	/* Required: the frontend's kind, device/TYPE ("vkbd"). */
	const char *type;
	/* The directory under backend/ when it differs from type ("vinput"
	 * for a vkbd whose toolstack said backend-type=linux), or NULL. */
	const char *backend_dir;
	/* Bytes of zeroed private memory per device (pvback_dev_priv()). */
	size_t priv_size;
	/* Optional.  The device is new: read the toolstack's keys, write
	 * the features the frontend may use.  0, or -errno to fail it. */
	int (*probe)(struct pvback_dev *dev, void *arg);
	/* Required.  The frontend is ready: read its keys, map its pages,
	 * bind its ports.  0 makes the backend Connected; -errno fails the
	 * device. */
	int (*connect)(struct pvback_dev *dev, void *arg);
	/* Optional.  Stop using the connection (see "What the framework
	 * owns"). */
	void (*disconnect)(struct pvback_dev *dev, void *arg);
	/* Optional.  The device is going: free what priv points to. */
	void (*remove)(struct pvback_dev *dev, void *arg);
	/* The protocol keeps state on the backend's side that a new backend
	 * process does not have (a sound stream opened, a display's
	 * buffers).  Set, a frontend found Connected when the device is
	 * taken on is asked to reconnect (backend InitWait) instead of
	 * being picked up where an earlier process left it, so that it
	 * sets its state up again; see "The handshake". */
	bool reconnect_on_restart;
};

/* Serve ops's devices from now on.  -EEXIST when a type with the same
 * backend directory is registered; -EINVAL for a table without type or
 * connect, or a type or directory that is not one path element. */
int pvback_register(struct pvback *b, const struct pvback_device_ops *ops,
		    void *arg) PVBACK_MUST_CHECK;
/* Stop serving ops's devices: each connected one is disconnected, then
 * every one removed; the store is left as it is.  -ENOENT when ops is
 * not registered.  Not from a callback of one of its devices. */
int pvback_unregister(struct pvback *b, const struct pvback_device_ops *ops);

/* ---- a device ------------------------------------------------------------ */

domid_t pvback_dev_domid(const struct pvback_dev *dev);
unsigned int pvback_dev_devid(const struct pvback_dev *dev);
void *pvback_dev_priv(const struct pvback_dev *dev);
struct pvback *pvback_dev_pvback(const struct pvback_dev *dev);
/* "/local/domain/0/backend/DIR/DOM/DEVID" and
 * "/local/domain/DOM/device/TYPE/DEVID". */
const char *pvback_dev_backend_path(const struct pvback_dev *dev);
const char *pvback_dev_frontend_path(const struct pvback_dev *dev);
/* The backend's state as last written, and the frontend's as last seen. */
enum xenbus_state pvback_dev_state(const struct pvback_dev *dev);
enum xenbus_state pvback_dev_frontend_state(const struct pvback_dev *dev);
/* Between a successful connect() and disconnect(). */
bool pvback_dev_connected(const struct pvback_dev *dev);

/* Which directory a key is in. */
enum pvback_side {
	PVBACK_BACKEND,
	PVBACK_FRONTEND,
};

/* The value of key into buf (cap bytes, NUL-terminated; a longer value is
 * -E2BIG).  Returns its length, or -errno (-ENOENT: no such key). */
int pvback_dev_read(struct pvback_dev *dev, enum pvback_side side,
		    const char *key, char *buf, size_t cap);
/* The guest's name (/local/domain/DOM/name) into buf, for people to read
 * (log lines, window titles): cut to cap - 1 bytes, anything but
 * printable ASCII shown as '?'.  A name is text for people, not an
 * identity: never tell guests apart by it (the domid does that).  Its
 * length, or -errno (-ENOENT: the guest has no name). */
int pvback_dev_guest_name(struct pvback_dev *dev, char *buf, size_t cap);
/* A decimal (or 0x hexadecimal) number in [min, max]: 0, -ENOENT, or
 * -EINVAL for anything else (text, a sign, trailing garbage, out of
 * range). */
int pvback_dev_read_uint(struct pvback_dev *dev, enum pvback_side side,
			 const char *key, uint64_t min, uint64_t max,
			 uint64_t *out);
/* Write key in the backend directory.  Nothing is written when the
 * directory has gone or is a new device's (-ENOENT): a device removed
 * meanwhile leaves no stray nodes, and never writes into its successor's
 * directory.  Keys are relative ("feature-x", "0/name"). */
int pvback_dev_write(struct pvback_dev *dev, const char *key,
		     const char *value);
int pvback_dev_printf(struct pvback_dev *dev, const char *key, const char *fmt,
		      ...) PVBACK_PRINTF(3, 4);
/* Remove key from the backend directory (a missing key is fine; -ENOENT
 * as for pvback_dev_write()). */
int pvback_dev_rm(struct pvback_dev *dev, const char *key);

/* Fail the device (see "Failure").  err is a -errno; fmt says why, for a
 * person.  May be called from any callback, also the device's own. */
void pvback_dev_fail(struct pvback_dev *dev, int err, const char *fmt, ...)
    PVBACK_PRINTF(3, 4);
bool pvback_dev_failed(const struct pvback_dev *dev);

/* ---- grants -------------------------------------------------------------- */

/* Largest mapping, in pages, the framework makes for one call: 64 MiB,
 * what the largest display buffer displif can ask for takes (4095 x 4095
 * at 32 bits per pixel is 16377 pages with a page for data_ofs), so a
 * 3840x2160 XRGB8888 frame (8100 pages) maps in one piece, and a guest can
 * still pin no more of dom0's address space per call than that. */
#define PVBACK_MAP_MAX 16384u

/* Map refs[0..n-1] of the device's guest at n contiguous pages (all or
 * nothing).  -EINVAL for n 0 or over PVBACK_MAP_MAX, else the platform's
 * error (a reference the guest did not grant, or granted read-only when
 * writable is asked, fails). */
int pvback_dev_map(struct pvback_dev *dev, const grant_ref_t *refs,
		   unsigned int n, bool writable,
		   void **addr) PVBACK_MUST_CHECK;
/* The frontend key (a grant reference, e.g. "page-ref"), mapped as one
 * page. */
int pvback_dev_map_key(struct pvback_dev *dev, const char *key, bool writable,
		       void **addr) PVBACK_MUST_CHECK;
/*
 * A buffer shared through a page directory (sndif, displif): first_dir is
 * the grant of the first directory page; each directory page holds the
 * grant of the next one, then grants of buffer pages
 * (struct xensnd_page_directory).  npages, the buffer's size in pages,
 * comes from the request that named the buffer; the directory is read
 * (each page mapped read-only, its references copied once) until npages
 * references are known, and those pages mapped at *addr.  -E2BIG for
 * npages over max_pages or PVBACK_MAP_MAX, -EINVAL for npages 0 or a
 * chain that ends (next reference 0) too early or repeats a directory
 * page, else a mapping error.
 */
int pvback_dev_map_pgdir(struct pvback_dev *dev, grant_ref_t first_dir,
			 unsigned int npages, unsigned int max_pages,
			 bool writable, void **addr) PVBACK_MUST_CHECK;
/* Unmap what pvback_dev_map*() returned.  -EINVAL for an address that is
 * not one. */
int pvback_dev_unmap(struct pvback_dev *dev, void *addr);

/*
 * Memory the backend provides (displif's be-alloc): n zeroed pages of
 * dom0, mapped read-write at *addr and granted to the device's guest,
 * page i as refs[i] (read-only for the guest with readonly), for the
 * guest to map.  -EINVAL for n 0 or over PVBACK_MAP_MAX, -ENOTSUP when
 * the platform cannot grant dom0's pages, else the platform's error.
 * The end of the connection ends the grants, like mappings.
 */
int pvback_dev_grant_alloc(struct pvback_dev *dev, unsigned int n,
			   bool readonly, grant_ref_t *refs,
			   void **addr) PVBACK_MUST_CHECK;
/* End the grants of pvback_dev_grant_alloc()'s addr and unmap it: how
 * many pages the guest still maps (0: none; those stay its own until it
 * unmaps them), or -errno (-EINVAL: not such an address). */
int pvback_dev_grant_free(struct pvback_dev *dev, void *addr);
/*
 * The other direction of pvback_dev_map_pgdir(): write refs[0..npages)
 * into the guest's page directory chain at first_dir (each page mapped
 * writable while its references are written; the chain's own
 * next-page references, read once, are left as they are).  -E2BIG for
 * npages over PVBACK_MAP_MAX, -EINVAL for npages 0 or a chain that ends
 * too early or repeats a page, else a mapping error (a directory page
 * not granted writable).
 */
int pvback_dev_fill_pgdir(struct pvback_dev *dev, grant_ref_t first_dir,
			  const grant_ref_t *refs,
			  unsigned int npages) PVBACK_MUST_CHECK;

/* ---- event channels ------------------------------------------------------ */

/* Runs from the loop when the guest raised the port (events were
 * drained already; several raises may come as one call). */
typedef void pvback_evt_fn(struct pvback_evt *evt, void *arg);

/* Bind the guest's port remote_port (one it allocated for dom0) and put
 * it into the loop.  *out is valid until pvback_evt_unbind() or the end
 * of the connection. */
int pvback_dev_bind(struct pvback_dev *dev, evtchn_port_t remote_port,
		    pvback_evt_fn *cb, void *arg,
		    struct pvback_evt **out) PVBACK_MUST_CHECK;
/* The port named by a frontend key (e.g. "event-channel"). */
int pvback_dev_bind_key(struct pvback_dev *dev, const char *key,
			pvback_evt_fn *cb, void *arg,
			struct pvback_evt **out) PVBACK_MUST_CHECK;
/* Raise the guest's end.  0 or -errno. */
int pvback_evt_notify(struct pvback_evt *evt);
/* Unbind now (NULL is fine); may be called from evt's own callback. */
void pvback_evt_unbind(struct pvback_evt *evt);
struct pvback_dev *pvback_evt_dev(const struct pvback_evt *evt);

/* ---- names from guests ----------------------------------------------------
 *
 * A host side that keeps files per guest device (WAV files, PNGs) names
 * them after a key the guest can rewrite, such as a stream's or
 * connector's unique-id: on Xen the toolstack writes those keys into the
 * guest's own frontend directory.  pvback_file_name() makes such a name
 * safe and the guest's own: "<domid>-<id>", where each byte of id other
 * than A-Z a-z 0-9 . _ - (and a leading '.') becomes '_'.  No '/' and no
 * ".." survive, and the domid prefix (digits up to the first '-') keeps
 * one guest's names from ever being another's, whatever id it picks.
 * out (cap bytes, cap >= 1) is always NUL-terminated, cut to fit; the
 * return is the length the whole name needs (as snprintf's), so a result
 * >= cap means it was cut. */
size_t pvback_file_name(char *out, size_t cap, domid_t domid, const char *id);

#ifdef __cplusplus
}
#endif

#endif
