/*
 * pvkit/hv.h — libpvhv, the dom0 client library of the pvhv hypervisor.
 *
 * A dom0 program (a backend, pvctl, a test) talks to the pvhv daemon
 * through one handle, struct pvhv.  With it, it manages domains, maps and
 * copies the pages guests grant to it, and exchanges events with them over
 * event channels.  Link with the `pvhv-client` CMake target (libpvhv).
 * Hosted code only (Linux); CPU_SET() and friends for
 * pvhv_domain_vcpu_pin() need _GNU_SOURCE.
 *
 * Opening
 *   pvhv_open(NULL, 0, &h) connects to the daemon of the default run
 *   directory, the same rule pvhv follows: $PVKIT_RUNDIR if set, else
 *   /run/pvkit for root, else $XDG_RUNTIME_DIR/pvkit (or /run/pvkit when
 *   that is unset).  Pass a directory
 *   to use another daemon.  -ENOENT or -ECONNREFUSED: no pvhv runs there.
 *   pvhv_close() releases everything the handle still holds: every grant
 *   mapping is unmapped and every port closed, so pointers and port
 *   objects obtained from the handle are invalid afterwards.
 *
 * Event loop
 *   pvhv sends notifications on its own: a domain died, the remote end of
 *   one of our ports closed, new console output of a followed domain.
 *   Put pvhv_fd() in your poll set; when it is readable, call
 *   pvhv_process(), which never blocks and hands every notification to the
 *   callback set with pvhv_set_notify_cb().  Notifications that arrive
 *   while a request waits for its reply are kept for the next
 *   pvhv_process(), and pvhv_fd() stays readable until then (it is an
 *   epoll descriptor covering the socket and that queue, so nothing kept
 *   back is ever forgotten by a level-triggered loop).
 *   Every other call is a synchronous request: it sends, then waits for
 *   its reply.  pvhv_domain_wait() waits until the domain is gone.
 *
 * Grants
 *   pvhv_grant_map() maps n grant references of one domain at n contiguous
 *   pages and returns their address; pvhv_grant_unmap() takes the address
 *   and the same n.  PROT_READ maps read-only (and works on read-only
 *   grants); PROT_READ | PROT_WRITE needs a writable grant.  The mapping
 *   shares the guest's memory: the guest sees writes at once, and you see
 *   the guest's.  While mapped, the grant entry carries GTF_reading (and
 *   GTF_writing), so the guest cannot revoke it; unmap promptly.
 *   pvhv_grant_copy() copies between granted pages and ordinary local
 *   buffers (struct pvhv_copy_seg) without mapping anything.
 *
 *   Grant status codes become errors as follows (pvhv_grant_errno()):
 *     GNTST_bad_domain -ESRCH      GNTST_bad_gntref -EINVAL
 *     GNTST_general_error -EPERM: the entry does not allow it (not
 *       granted, granted to another domain, a read-only grant mapped
 *       for writing) or pvhv will not let dom0 map that frame
 *     GNTST_permission_denied -EACCES: a copy names memory that is not
 *       the caller's
 *     GNTST_bad_handle, _bad_copy_arg, _address_too_big -EINVAL
 *     GNTST_bad_virt_addr, _bad_dev_addr, _bad_page -EFAULT
 *     GNTST_no_device_space, _no_space -ENOSPC   GNTST_eagain -EAGAIN
 *     anything else -EIO
 *   A map of several refs is all or nothing: on a failure, what was
 *   mapped is unmapped again and the first failure is returned.
 *   The other way round, pvhv_grant_alloc() has pvhv make pages that dom0
 *   grants to a guest (a backend's own buffers); the guest maps them, and
 *   pvhv_grant_free() ends the grants.  Closing the handle ends them all.
 *
 * Event channels (the libxenevtchn model)
 *   A bound port is a struct pvhv_port.  Get one by binding to a port a
 *   guest allocated for us (pvhv_evtchn_bind_interdomain), or allocate one
 *   for a guest to bind to (pvhv_evtchn_alloc_unbound) and publish
 *   pvhv_port_local() to the guest.  pvhv_port_fd() is readable when the
 *   guest raised the port (or its end closed): call pvhv_port_drain(),
 *   which never blocks, then do the work.  pvhv_port_notify() raises the
 *   guest's end; while the port is connected it marks the event pending in
 *   the guest's shared_info itself, waking the vCPU only when needed,
 *   without a round trip through pvhv.  When the guest closes its end or
 *   dies, the port fd becomes readable, a PVHV_NOTICE_PORT_CLOSED notice
 *   arrives and the port becomes unbound (pvhv_port_status() tells);
 *   pvhv_port_unbind() closes it.
 *
 * The store
 *   The store (pvhv's xenstored) has a client of its own here, struct
 *   pvhv_store, with asynchronous requests for event loops and blocking
 *   ones for tools: see the section "the store" below.
 *
 * Threads
 *   A handle is not thread-safe: use it from one thread at a time.
 *   pvhv_port_fd() and pvhv_port_drain() of different ports may run on
 *   different threads concurrently.
 *
 * Errors are 0 (or a count) or a negative errno.  -ECONNRESET: pvhv went
 * away; the handle is then useless except for pvhv_close().  When pvhv
 * refused a request, pvhv_errmsg() gives its explanation.
 */
#ifndef PVKIT_HV_H
#define PVKIT_HV_H

#include <sched.h>
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
#define PVHV_MUST_CHECK __attribute__((warn_unused_result))
#else
#define PVHV_MUST_CHECK
#endif

struct pvhv;
struct pvhv_port;

/* ---- the handle ---------------------------------------------------------- */

/* Connect to pvhv in rundir (NULL: the default, see above).  flags must
 * be 0.  0 or -errno; *out is set on success only. */
int pvhv_open(const char *rundir, unsigned int flags, struct pvhv **out)
	PVHV_MUST_CHECK;
void pvhv_close(struct pvhv *h);

/* The run directory pvhv_open(NULL, ...) would use, into buf.  0, or
 * -ENAMETOOLONG. */
int pvhv_default_rundir(char *buf, size_t len);

/* pvhv's explanation of the last refused request, or "" when it gave
 * none.  Valid until the next call on h. */
const char *pvhv_errmsg(const struct pvhv *h);

/* ---- notifications ----------------------------------------------------------- */

enum pvhv_notice_kind {
	PVHV_NOTICE_DIED = 1,     /* domid is gone; reason SHUTDOWN_* */
	PVHV_NOTICE_PORT_CLOSED,  /* the remote end of our port closed */
	PVHV_NOTICE_CONSOLE,      /* console output of domid (extra, len) */
};

struct pvhv_notice {
	enum pvhv_notice_kind kind;
	domid_t domid;
	evtchn_port_t port;  /* PORT_CLOSED: our local port */
	unsigned int reason; /* DIED: SHUTDOWN_* */
};

typedef void pvhv_notify_fn(struct pvhv *h, const struct pvhv_notice *n,
			    const void *extra, size_t len, void *arg);

/* Readable when pvhv_process() has something to do. */
int pvhv_fd(const struct pvhv *h);
/* Deliver what arrived, without blocking.  Returns the number of
 * notifications delivered, or -errno (-ECONNRESET: pvhv is gone).  Do not
 * pvhv_close() h from inside a callback. */
int pvhv_process(struct pvhv *h);
void pvhv_set_notify_cb(struct pvhv *h, pvhv_notify_fn *cb, void *arg);

/* ---- domains ----------------------------------------------------------------- */

enum pvhv_state {
	PVHV_STATE_RUNNING = 1,
	PVHV_STATE_PAUSED,
	PVHV_STATE_SHUTDOWN, /* stopped, kept (on_poweroff/on_crash=preserve) */
	PVHV_STATE_DYING,
};

#define PVHV_VWFI_TRAP 1u   /* an idle vCPU sleeps until woken */
#define PVHV_VWFI_NATIVE 2u /* an idle vCPU polls */

struct pvhv_dominfo {
	domid_t domid;
	enum pvhv_state state;
	unsigned int shutdown_reason; /* SHUTDOWN_* while SHUTDOWN */
	unsigned int vcpus;
	uint64_t memory_kib;
	uint64_t cpu_time_ns;
	int pid;		      /* a process guest's pid */
	unsigned int vwfi;	      /* PVHV_VWFI_* */
	char name[64];
	char type[16];		      /* "process" */
};

/* A pvhv_exit reason beside Xen's SHUTDOWN_*: destroyed from dom0. */
#define PVHV_EXIT_DESTROYED 0x100u

struct pvhv_exit {
	unsigned int reason; /* SHUTDOWN_* or PVHV_EXIT_DESTROYED */
	int status;	     /* wait status of a process guest */
};

/* Create a domain from an xl.cfg file.  0 with *out set, or -errno with a
 * message for a person in err (e.g. "guest.cfg:3: memory: ..."). */
int pvhv_domain_create(struct pvhv *h, const char *cfg_path, domid_t *out,
		       char *err, size_t errlen) PVHV_MUST_CHECK;
/* Fill up to max entries; returns how many domains exist (may exceed
 * max: call again with more room) or -errno. */
int pvhv_domain_list(struct pvhv *h, struct pvhv_dominfo *info,
		     unsigned int max);
int pvhv_domain_info(struct pvhv *h, domid_t dom, struct pvhv_dominfo *info);
/* The domain named name (exactly), or -ESRCH. */
int pvhv_domain_find(struct pvhv *h, const char *name, domid_t *out);
int pvhv_domain_pause(struct pvhv *h, domid_t dom);
int pvhv_domain_unpause(struct pvhv *h, domid_t dom);
int pvhv_domain_destroy(struct pvhv *h, domid_t dom);
/* Block until dom is gone; ex (may be NULL) says how it ended. */
int pvhv_domain_wait(struct pvhv *h, domid_t dom, struct pvhv_exit *ex);
/* Run vCPU vcpu of dom on the CPUs in cpus only (CPUs 0..1023). */
int pvhv_domain_vcpu_pin(struct pvhv *h, domid_t dom, unsigned int vcpu,
			 const cpu_set_t *cpus);

/* Console output.  cb gets the output pvhv has buffered, before
 * pvhv_domain_console() returns.  With PVHV_FOLLOW, pvhv_process() then
 * passes new output to cb as it comes, and cb(h, dom, NULL, 0, arg) once
 * when the domain died, after which cb is forgotten.
 * pvhv_domain_console_stop() forgets cb earlier. */
#define PVHV_FOLLOW 1u
typedef void pvhv_console_fn(struct pvhv *h, domid_t dom, const char *buf,
			     size_t len, void *arg);
int pvhv_domain_console(struct pvhv *h, domid_t dom, unsigned int flags,
			pvhv_console_fn *cb, void *arg);
void pvhv_domain_console_stop(struct pvhv *h, domid_t dom);

/* ---- grants ---------------------------------------------------------------- */

/* Map refs[0..n-1] of dom at n contiguous pages; prot is PROT_READ or
 * PROT_READ | PROT_WRITE (from <sys/mman.h>).  0 with *addr set, or
 * -errno. */
int pvhv_grant_map(struct pvhv *h, domid_t dom, const grant_ref_t *refs,
		   unsigned int n, int prot, void **addr) PVHV_MUST_CHECK;
/* Undo pvhv_grant_map(): addr and n as it returned and was given. */
int pvhv_grant_unmap(struct pvhv *h, void *addr, unsigned int n);

/* One copy of len bytes (at most a page).  Each side is either a granted
 * page (its GNTCOPY_*_gref flag set: ref, domid and offset, with
 * offset + len within the page) or a local buffer (flag clear: virt). */
struct pvhv_copy_seg {
	union {
		struct {
			grant_ref_t ref;
			domid_t domid;
			uint16_t offset;
		} foreign;
		void *virt;
	} source, dest;
	uint16_t len;
	uint16_t flags;  /* GNTCOPY_source_gref, GNTCOPY_dest_gref */
	int16_t status;  /* out: GNTST_* */
};

/* Do the n copies.  Every status is set; returns 0 when all succeeded,
 * else the error of the first that failed (or of the transport). */
int pvhv_grant_copy(struct pvhv *h, struct pvhv_copy_seg *segs,
		    unsigned int n);

/*
 * dom0's own pages granted to a guest (displif's be-alloc buffers: the
 * backend provides the memory).  n zeroed pages, mapped read-write at
 * *addr, granted to dom as references refs[i] = first + i (read-only for
 * the guest with readonly).  The guest maps them with
 * GNTTABOP_map_grant_ref (dom 0).  -EINVAL for n 0 or over 16384,
 * -ESRCH when dom is no guest, -ENOSPC when dom0's table is full.
 */
int pvhv_grant_alloc(struct pvhv *h, domid_t dom, unsigned int n,
		     bool readonly, grant_ref_t *refs,
		     void **addr) PVHV_MUST_CHECK;
/* End the grants of pvhv_grant_alloc()'s addr (n as given) and unmap
 * them.  Pages the guest still maps stay its own until it unmaps them
 * (pvhv never hands them to anyone else); the number of those is
 * returned (0: none), or -errno (-EINVAL: addr and n are not an
 * allocation).  Closing the handle ends every grant it made. */
int pvhv_grant_free(struct pvhv *h, void *addr, unsigned int n);

/* The -errno for a GNTST_* code (0 for GNTST_okay). */
int pvhv_grant_errno(int status);

/* ---- event channels ---------------------------------------------------------- */

int pvhv_evtchn_bind_interdomain(struct pvhv *h, domid_t remote,
				 evtchn_port_t remote_port,
				 struct pvhv_port **out) PVHV_MUST_CHECK;
int pvhv_evtchn_alloc_unbound(struct pvhv *h, domid_t remote,
			      struct pvhv_port **out) PVHV_MUST_CHECK;
evtchn_port_t pvhv_port_local(const struct pvhv_port *p);
/* Readable when the port was raised (or its binding broke). */
int pvhv_port_fd(const struct pvhv_port *p);
/* Events since the last drain (0 if none); never blocks. */
int pvhv_port_drain(struct pvhv_port *p);
/* Raise the remote end.  0 or -errno. */
int pvhv_port_notify(struct pvhv_port *p);
/* What the port is bound to now (Xen's EVTCHNOP_status). */
int pvhv_port_status(struct pvhv_port *p, struct evtchn_status *st);
/* Close the port and free p (NULL-safe).  p is gone even on error. */
int pvhv_port_unbind(struct pvhv_port *p);

/* ---- devices -------------------------------------------------------------------
 *
 * Para-virtual devices of a running guest, added and removed as xl's
 * vkb-attach / vkb-detach and their siblings do: pvhv writes the device to
 * the store where libxl would (frontend /local/domain/DOM/device/KIND/ID,
 * backend /local/domain/0/backend/KIND/DOM/ID, both in state
 * Initialising), so a backend watching backend/KIND sees it appear (KIND:
 * vkbd, vsnd, vdispl, 9pfs, pvcalls; a vkb with backend-type=linux has its
 * backend under backend/vinput).  type is the xl.cfg key: "vkb", "vsnd",
 * "vdispl", "p9" or "pvcalls"; spec holds
 * n strings of xl.cfg syntax: one for every type but "vsnd", whose card
 * takes its "CARD, ...", "PCM, ..." and "STREAM, ..." items:
 *     const char *spec[] = { "backend-type=linux, width=800, height=600" };
 *     rc = pvhv_device_add(h, dom, "vkb", spec, 1, &devid);
 * Device ids count per type; a new device gets one more than the highest
 * in use.  A mistake in the spec is -EINVAL, with pvhv's message ("vkb:
 * unknown key 'depth' (known: ...)") in pvhv_errmsg().
 *
 * pvhv_device_remove() detaches as xl does: the backend is told (online 0,
 * state Closing), and the device goes once the backend reports Closed, or
 * after timeout_ms (0: 10 s, at most 600 s) anyway; the call returns then.
 * A device no backend has picked up (its backend state still
 * Initialising) goes at once, and so does any with PVHV_REMOVE_FORCE.
 * *how (may be NULL) says which happened.
 */
#define PVHV_REMOVE_FORCE 1u

enum pvhv_removal {
	PVHV_REMOVED_CLOSED = 1,  /* the backend closed it */
	PVHV_REMOVED_UNUSED,	  /* no backend had picked it up */
	PVHV_REMOVED_TIMED_OUT,	  /* the backend did not close it in time */
	PVHV_REMOVED_FORCED,	  /* PVHV_REMOVE_FORCE */
	PVHV_REMOVED_DOMAIN_GONE, /* the guest died meanwhile */
};

int pvhv_device_add(struct pvhv *h, domid_t dom, const char *type,
		    const char *const *spec, unsigned int n,
		    unsigned int *devid);
int pvhv_device_remove(struct pvhv *h, domid_t dom, const char *type,
		       unsigned int devid, unsigned int flags,
		       unsigned int timeout_ms, enum pvhv_removal *how);

/* ---- raw hypercalls (tests) -------------------------------------------------- */

/* Issue hypercall nr as dom0.  Arguments that are pointers in Xen's ABI
 * are byte offsets into buf (len bytes), which gets pvhv's results back.
 * fds (room for *nfds, may be NULL) receives the descriptors the reply
 * carries, *nfds their number; extra ones are closed.  Returns the
 * hypercall's result (>= 0 or -errno). */
long pvhv_hypercall(struct pvhv *h, unsigned long nr, const uint64_t args[5],
		    void *buf, size_t len, int *fds, unsigned int *nfds);

/* ---- the store --------------------------------------------------------------
 *
 * A dom0 client of the store (pvhv's xenstored) on its socket,
 * <rundir>/xenstored.sock, speaking the store's wire protocol
 * (pvkit/store.h).  struct pvhv_store is a handle of its own, independent
 * of struct pvhv: a program may open either or both.  Every connection
 * there is dom0: privileged, and a relative path means one below
 * /local/domain/0.
 *
 * Opening
 *   pvhv_store_open(NULL, 0, &s) connects to $XENSTORED_PATH when it is
 *   set (a socket path, the variable libxenstore and xenstore-utils
 *   honour), else to xenstored.sock in pvhv's default run directory (see
 *   pvhv_open()).  Given a run directory, to xenstored.sock there.
 *   -ENOENT or -ECONNREFUSED: no pvhv serves a store there.
 *
 * Asynchronous requests (for event loops: backends)
 *   pvhv_store_read_async() and its siblings queue a request and return
 *   at once.  0: the callback will run exactly once, with 0 and the
 *   result or with -errno (unless pvhv_store_cancel() forgets it first);
 *   -errno: nothing was queued and the callback never runs.  Any number
 *   of requests may be in flight; callbacks run in the order the requests
 *   were made, and only ever from pvhv_store_process(), never from the
 *   call that queued them.  A completion callback may be NULL (nobody
 *   listens; a watch's event callback may not).
 *   Values, names and permissions passed to a callback are valid during
 *   the call only.  tx is a transaction id or PVHV_STORE_TX_NONE.
 *
 * Event loop
 *   pvhv_store_fd() is readable (level-triggered: poll, epoll, libevent's
 *   EV_READ | EV_PERSIST) whenever pvhv_store_process() has work to do:
 *   replies or events arrived, requests queued earlier can be sent now
 *   that the socket takes them, or deliveries a blocking call kept back
 *   wait.  EV_READ is all a loop needs: the fd is an epoll descriptor
 *   that also watches the socket for writing while output waits.
 *   pvhv_store_process() never blocks: it sends what it can, reads what
 *   is there and runs the callbacks, returning how many replies and
 *   events it delivered.
 *
 * Watches
 *   pvhv_store_watch_async(s, path, token, cb, done, arg): done(s, err,
 *   arg) says whether the store took the watch; cb(s, path, token, arg)
 *   runs for each event: once right after the watch is set, then for
 *   every change to path or below it (with the path that changed,
 *   relative when the watch's path was) and for the removal of its
 *   subtree.  "@introduceDomain" and "@releaseDomain" fire when guests
 *   come and go.  Each registration is told apart from the others even
 *   when tokens repeat (the client sends its own unique token on the
 *   wire; cb sees yours).  Once pvhv_store_unwatch() or _unwatch_async()
 *   returned, cb never runs again for that registration, not even for
 *   events already received.
 *
 * Blocking calls (for tools)
 *   pvhv_store_read() and the other calls without _async make the
 *   request and wait for its reply (they may be used from callbacks
 *   too).  Whatever else arrives meanwhile — replies to asynchronous
 *   requests, watch events, the initial event of pvhv_store_watch()
 *   among them — is kept for the next pvhv_store_process(), and
 *   pvhv_store_fd() stays readable until it ran.  A tool can use the
 *   blocking calls alone and call pvhv_store_process() when it wants its
 *   watch events.  Results are malloc'd: free() them.
 *
 * Transactions
 *   pvhv_store_tx_start() gives an id; requests made with it see the
 *   store as it was plus their own changes.  pvhv_store_tx_end(s, tx,
 *   true) commits, or fails with -EAGAIN when something the transaction
 *   read or wrote changed meanwhile: then do it all again.
 *   pvhv_store_transaction() is that loop: it calls fn(s, tx, arg) in a
 *   fresh transaction and commits when fn returns 0; when fn or the
 *   commit says -EAGAIN it starts over, at most tries times (0: 16).  fn
 *   returning anything else aborts the transaction and the helper
 *   returns it (so fn may return a positive "nothing to do").  fn may run
 *   several times: it should only make store requests in tx, and keep
 *   what it learns in arg only when it can be redone.
 *
 * Errors
 *   0 or -errno.  The store's refusals come as their errno: -ENOENT,
 *   -EACCES, -EINVAL (also for names the library does not know, as the
 *   protocol says), -EEXIST, -E2BIG, -EAGAIN, -ENOSPC, -EPERM...  A
 *   request over the payload limit (4096 bytes) is -E2BIG without being
 *   sent.  -ECONNRESET: the store closed the connection; -EPROTO: it sent
 *   something outside the protocol (a reply to nothing, a length over the
 *   limit, an unknown type), so the client hung up.  Then every callback
 *   still owed runs with that error, pvhv_store_process() returns it,
 *   later requests fail with it at once, and the handle is good only for
 *   pvhv_store_close().
 *
 * pvhv_store_close() frees everything (NULL is fine); callbacks still
 * owed never run.  Do not close a handle from its own callbacks.  A
 * handle is not thread-safe.
 *
 * Example (an event loop, libevent):
 *     static void on_store(evutil_socket_t fd, short what, void *arg)
 *     {
 *             if (pvhv_store_process(arg) < 0)
 *                     ...the store is gone...
 *     }
 *     ev = event_new(base, pvhv_store_fd(s), EV_READ | EV_PERSIST,
 *                    on_store, s);
 *     event_add(ev, NULL);
 *     pvhv_store_watch_async(s, "backend/vkb", "vkb", on_change, NULL,
 *                            dev);
 *
 * Example (a tool):
 *     struct pvhv_store *s = NULL;
 *     char *v;
 *     if (pvhv_store_open(NULL, 0, &s) == 0 &&
 *         pvhv_store_read(s, PVHV_STORE_TX_NONE, "/local/domain/1/name",
 *                         &v, NULL) == 0) {
 *             puts(v);
 *             free(v);
 *     }
 *     pvhv_store_close(s);
 */

struct pvhv_store;

#define PVHV_STORE_TX_NONE 0u /* outside any transaction */
#define PVHV_STORE_TX_TRIES 16u /* pvhv_store_transaction()'s default */

/* One entry of a node's permission list; the first names the owner and
 * what every domain not listed may do. */
#define PVHV_STORE_PERM_NONE 0u  /* n */
#define PVHV_STORE_PERM_READ 1u  /* r */
#define PVHV_STORE_PERM_WRITE 2u /* w */
#define PVHV_STORE_PERM_BOTH 3u  /* b */

struct pvhv_store_perm {
	domid_t id;
	unsigned int perms; /* PVHV_STORE_PERM_* */
};

typedef void pvhv_store_done_fn(struct pvhv_store *s, int err, void *arg);
/* value has a NUL after its len bytes (values may hold NULs too). */
typedef void pvhv_store_read_fn(struct pvhv_store *s, int err,
				const char *value, size_t len, void *arg);
typedef void pvhv_store_dir_fn(struct pvhv_store *s, int err,
			       const char *const *names, unsigned int n,
			       void *arg);
typedef void pvhv_store_perms_fn(struct pvhv_store *s, int err,
				 const struct pvhv_store_perm *perms,
				 unsigned int n, void *arg);
typedef void pvhv_store_txid_fn(struct pvhv_store *s, int err, uint32_t tx,
				void *arg);
typedef void pvhv_store_raw_fn(struct pvhv_store *s, int err,
			       const void *payload, size_t len, void *arg);
typedef void pvhv_store_watch_fn(struct pvhv_store *s, const char *path,
				 const char *token, void *arg);
/* The body of a transaction: 0 commits, see above. */
typedef int pvhv_store_tx_body_fn(struct pvhv_store *s, uint32_t tx,
				  void *arg);

/* Connect (rundir NULL: $XENSTORED_PATH or the default).  flags must be
 * 0.  0 with *out set, or -errno. */
int pvhv_store_open(const char *rundir, unsigned int flags,
		    struct pvhv_store **out) PVHV_MUST_CHECK;
void pvhv_store_close(struct pvhv_store *s);
/* Readable when pvhv_store_process() has work. */
int pvhv_store_fd(const struct pvhv_store *s);
/* Send, receive and run callbacks without blocking.  The number of
 * replies and events delivered, or -ECONNRESET / -EPROTO once the
 * connection is gone (after running every callback still owed). */
int pvhv_store_process(struct pvhv_store *s);
/* Requests whose callback has not run yet. */
unsigned int pvhv_store_pending(const struct pvhv_store *s);
/* Forget the callbacks of every pending request made with arg (the
 * requests still complete; watches stay: unwatch them). */
void pvhv_store_cancel(struct pvhv_store *s, void *arg);

/* Asynchronous requests: 0 (cb will run) or -errno (it will not). */
int pvhv_store_read_async(struct pvhv_store *s, uint32_t tx,
			  const char *path, pvhv_store_read_fn *cb, void *arg);
int pvhv_store_write_async(struct pvhv_store *s, uint32_t tx,
			   const char *path, const void *value, size_t len,
			   pvhv_store_done_fn *cb, void *arg);
int pvhv_store_mkdir_async(struct pvhv_store *s, uint32_t tx,
			   const char *path, pvhv_store_done_fn *cb, void *arg);
int pvhv_store_rm_async(struct pvhv_store *s, uint32_t tx, const char *path,
			pvhv_store_done_fn *cb, void *arg);
/* The children's names (a list too long for one reply is fetched in
 * parts, consistently). */
int pvhv_store_directory_async(struct pvhv_store *s, uint32_t tx,
			       const char *path, pvhv_store_dir_fn *cb,
			       void *arg);
int pvhv_store_get_perms_async(struct pvhv_store *s, uint32_t tx,
			       const char *path, pvhv_store_perms_fn *cb,
			       void *arg);
int pvhv_store_set_perms_async(struct pvhv_store *s, uint32_t tx,
			       const char *path,
			       const struct pvhv_store_perm *perms,
			       unsigned int n, pvhv_store_done_fn *cb,
			       void *arg);
int pvhv_store_tx_start_async(struct pvhv_store *s, pvhv_store_txid_fn *cb,
			      void *arg);
/* commit false aborts. */
int pvhv_store_tx_end_async(struct pvhv_store *s, uint32_t tx, bool commit,
			    pvhv_store_done_fn *cb, void *arg);
/* cb and done share arg.  pvhv_store_unwatch_async() names the
 * registration by path and token (the first that matches; -ENOENT when
 * none does). */
int pvhv_store_watch_async(struct pvhv_store *s, const char *path,
			   const char *token, pvhv_store_watch_fn *cb,
			   pvhv_store_done_fn *done, void *arg);
int pvhv_store_unwatch_async(struct pvhv_store *s, const char *path,
			     const char *token, pvhv_store_done_fn *done,
			     void *arg);
/* Any other request type (XS_GET_DOMAIN_PATH, XS_INTRODUCE...) with a
 * payload as the wire carries it; cb gets the reply's payload.  Watch
 * requests are refused (-EINVAL): they need the calls above. */
int pvhv_store_request_async(struct pvhv_store *s, uint32_t type,
			     uint32_t tx, const void *payload, size_t len,
			     pvhv_store_raw_fn *cb, void *arg);

/* Blocking calls.  *value gets a malloc'd copy with a NUL after its
 * *len bytes (len may be NULL).  *names is one allocation: n names, then
 * NULL; free(*names) frees all.  *perms: n entries. */
int pvhv_store_read(struct pvhv_store *s, uint32_t tx, const char *path,
		    char **value, size_t *len);
int pvhv_store_write(struct pvhv_store *s, uint32_t tx, const char *path,
		     const void *value, size_t len);
int pvhv_store_mkdir(struct pvhv_store *s, uint32_t tx, const char *path);
int pvhv_store_rm(struct pvhv_store *s, uint32_t tx, const char *path);
int pvhv_store_directory(struct pvhv_store *s, uint32_t tx, const char *path,
			 char ***names, unsigned int *n);
int pvhv_store_get_perms(struct pvhv_store *s, uint32_t tx, const char *path,
			 struct pvhv_store_perm **perms, unsigned int *n);
int pvhv_store_set_perms(struct pvhv_store *s, uint32_t tx, const char *path,
			 const struct pvhv_store_perm *perms, unsigned int n);
int pvhv_store_tx_start(struct pvhv_store *s, uint32_t *tx);
int pvhv_store_tx_end(struct pvhv_store *s, uint32_t tx, bool commit);
int pvhv_store_watch(struct pvhv_store *s, const char *path,
		     const char *token, pvhv_store_watch_fn *cb, void *arg);
int pvhv_store_unwatch(struct pvhv_store *s, const char *path,
		       const char *token);
/* Run fn in a transaction until it commits (see above). */
int pvhv_store_transaction(struct pvhv_store *s, unsigned int tries,
			   pvhv_store_tx_body_fn *fn, void *arg);

/* The permission syntax of the store and xenstore-chmod: a letter n, r,
 * w or b, then a domid ("r5").  parse: 0 or -EINVAL; format: 0, or
 * -ENOSPC when buf is too small (8 bytes always do), -EINVAL. */
int pvhv_store_perm_parse(const char *s, struct pvhv_store_perm *out);
int pvhv_store_perm_format(const struct pvhv_store_perm *p, char *buf,
			   size_t len);

#ifdef __cplusplus
}
#endif

#endif
