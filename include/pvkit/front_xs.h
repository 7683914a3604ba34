/*
 * pvkit/front_xs.h — the guest's store client (part of libpvfront).
 *
 * A guest talks to the store through one shared page, struct
 * xenstore_domain_interface (start_info.store_mfn), and one event channel
 * (start_info.store_evtchn).  This client speaks that ring: it streams
 * requests into req[], reassembles replies and watch events from rsp[]
 * (a message may be larger than the ring and may wrap around its edge),
 * matches replies to requests by req_id, and queues watch events until the
 * caller asks for them.  It is freestanding: no libc, no allocation (like
 * any freestanding C, it expects memcpy, memmove and memset, which
 * compilers call on their own).  The caller owns every byte: the handle
 * (struct pvfront_xs, below), each request (struct pvfront_xs_req) and all
 * buffers.  Every function but open and close(NULL) wants a handle that
 * pvfront_xs_open() accepted.
 *
 * The OS around it.  The client reaches the OS through struct
 * pvfront_xs_ops (see there): notify the store's port, wait for it, and,
 * when several threads share a handle, a lock and a wake-up.  libpvfront's
 * OS shim provides one; a bare program can write its own in a few lines.
 *
 *     static struct pvfront_xs xs;            // about 9 KiB: not on a stack
 *     rc = pvfront_xs_open(&xs, ring_page, &my_ops, my_arg, 0);
 *     n = pvfront_xs_read(&xs, 0, "name", buf, sizeof buf);  // length
 *     rc = pvfront_xs_write(&xs, 0, "data/x", "1", 1);
 *
 * Synchronous calls.  Each call sends one request and waits for its reply:
 * read, write, mkdir, rm, directory, get_perms/set_perms, watch/unwatch,
 * transaction_start/end.  Paths are absolute ("/local/domain/3/name") or
 * relative to the guest's home ("name").  tx is 0 outside a transaction,
 * else the id transaction_start gave.  They return 0 (or a length or
 * count, where said) or a negative XEN_E* errno:
 *   - the store's own verdict, from the name in its XS_ERROR reply:
 *     -XEN_ENOENT, -XEN_EACCES, -XEN_EEXIST, -XEN_ENOSPC (quota), -XEN_E2BIG,
 *     -XEN_EAGAIN (transaction_end: the transaction conflicted; run it
 *     again), ... ; a name the client does not know is -XEN_EINVAL;
 *   - -XEN_EIO: the store broke the protocol — a reply of the wrong type
 *     or shape (this request only), or corrupt ring indices, an oversized
 *     header or the page's `error` field set (the whole ring: every request
 *     fails and pvfront_xs_reset() is the way back);
 *   - -XEN_ETIMEDOUT: a wait for the store ran out (pvfront_xs_set_timeout;
 *     by default calls wait for ever); the request was withdrawn;
 *   - -XEN_ENOTCONN: a reset or close dropped the request;
 *   - -XEN_EINVAL / -XEN_E2BIG: bad arguments, a payload over
 *     XENSTORE_PAYLOAD_MAX.
 *
 * Watches.  pvfront_xs_watch(path, token) makes the store send an event
 * at once and then whenever path or anything below it changes.  Events are
 * read off the ring whenever the client pumps it — also in the middle of
 * another call — and queued in the handle (PVFRONT_XS_EVENT_BYTES).  Take
 * them with pvfront_xs_next_event() (never blocks) or
 * pvfront_xs_wait_event().  When the queue is full, new events are dropped
 * and the next call that finds the queue empty says -XEN_ENOBUFS once: the
 * caller should then re-read whatever it watches.
 *
 * Asynchronous requests.  Underneath the calls above, any number of
 * requests can be in flight at once:
 *
 *     struct pvfront_xs_req r;                      // caller-owned
 *     pvfront_xs_req_init(&r, XS_READ, 0, buf, sizeof buf);
 *     pvfront_xs_req_add_str(&r, "name");           // "name\0"
 *     rc = pvfront_xs_submit(&xs, &r, on_done, arg); // on_done may be NULL
 *     ... the port fires ...
 *     pvfront_xs_pump(&xs);   // moves bytes, completes requests
 *
 * The payload is gathered from up to PVFRONT_XS_IOV_MAX pieces that stay
 * the caller's (unchanged) until the request completes; nothing is
 * copied.  The reply's payload is copied into the request's buffer (what
 * does not fit is dropped, pvfront_xs_req_len() still gives its full
 * length).  A request completes exactly once: its callback runs (outside
 * the lock, from whichever call pumped the ring) with 0, the store's error
 * or a transport error, and pvfront_xs_req_status() stops saying
 * PVFRONT_XS_PENDING.  A request with a callback stays the client's until
 * the callback starts; one without, until its status is no longer
 * PENDING.  pvfront_xs_wait_req() blocks until one completes;
 * pvfront_xs_cancel() withdraws one.  Callbacks may submit new requests.
 *
 * Reconnection.  When the store offers it (server_features has
 * XENSTORE_SERVER_FEATURE_RECONNECTION), pvfront_xs_reset() asks it to
 * start the ring afresh: both sides forget partial messages, the store
 * forgets this guest's watches and transactions, requests in flight fail
 * with -XEN_ENOTCONN, requests not yet started are sent again afterwards.
 * It also clears a broken ring.  Without the feature: -XEN_ENOSYS.
 *
 * A hostile store.  The store can scribble on the page at any time.  The
 * client keeps its own copies of the indices it produces (req_prod,
 * rsp_cons), reads the other side's index once per step, checks
 * that it claims at most XENSTORE_RING_SIZE bytes, and copies bytes out of
 * the page before it looks at them; it never reads or writes outside
 * req[] and rsp[].  Replies with an unknown req_id are dropped (counted in
 * pvfront_xs_stats), as are malformed watch events.
 *
 * Threads.  Without lock/unlock in the ops the handle is for one thread
 * (or a uniprocessor guest with the store port's interrupt only waking).
 * With them, every function may be called from any thread, and several
 * threads may block in calls at once.  Callbacks never run with the lock
 * held.
 */
#ifndef PVKIT_FRONT_XS_H
#define PVKIT_FRONT_XS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvkit/proto/xs_wire.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define PVFRONT_XS_MUST_CHECK __attribute__((warn_unused_result))
#else
#define PVFRONT_XS_MUST_CHECK
#endif

/*
 * What the client needs from the OS.  arg is the one given to
 * pvfront_xs_open().  Functions return 0 or a negative XEN_E* errno.
 */
struct pvfront_xs_ops {
	/* Required.  Raise the store's event channel (EVTCHNOP_send on
	 * start_info.store_evtchn). */
	int (*notify)(void *arg);
	/* Required.  Block until the store's port fires or timeout_ms passes
	 * (-1: no limit; 0: do not block).  Return 0 when woken (spurious
	 * wake-ups are harmless: the client looks at the ring again),
	 * -XEN_ETIMEDOUT when the time ran out, another error to give up.
	 * An event that fired while nobody waited must not be lost: the
	 * next wait returns at once (Xen's pending bit behaves so).  With
	 * lock/unlock given, wait is called with the lock held and must
	 * release it while asleep and take it again before returning (as a
	 * condition variable does), and must also return when wake() is
	 * called. */
	int (*wait)(void *arg, int timeout_ms);
	/* Optional, both or neither: a mutex around the handle's state, for
	 * handles shared by threads. */
	void (*lock)(void *arg);
	void (*unlock)(void *arg);
	/* Optional, with lock: wake every thread in wait().  The client calls
	 * it, with the lock held, after completing requests or queueing
	 * events that another thread may be waiting for. */
	void (*wake)(void *arg);
};

/* One piece of a request's payload. */
struct pvfront_xs_iov {
	const void *base;
	size_t len;
};

#define PVFRONT_XS_IOV_MAX 4u

struct pvfront_xs;
struct pvfront_xs_req;

/* Completion: status is 0 or a negative XEN_E* errno. */
typedef void pvfront_xs_done_fn(struct pvfront_xs *xs,
				struct pvfront_xs_req *req, int status,
				void *arg);

/* A request.  All fields are private: use the functions below. */
struct pvfront_xs_req {
	struct pvfront_xs_req *next;
	struct xsd_sockmsg hdr; /* as sent; req_id set at submit */
	struct pvfront_xs_iov iov[PVFRONT_XS_IOV_MAX];
	unsigned int niov;
	uint32_t sent; /* bytes of header + payload on the ring */
	void *reply;   /* caller's reply buffer */
	size_t reply_cap;
	uint32_t reply_len; /* full length of the reply's payload */
	int status;	    /* PVFRONT_XS_PENDING, 0 or -errno */
	uint8_t state;	    /* where it is: idle, queued, sent, done */
	pvfront_xs_done_fn *done;
	void *arg;
};

/* pvfront_xs_req_status() of a request still in flight. */
#define PVFRONT_XS_PENDING 1

/* Bytes for queued watch events; one event takes its payload ("path\0
 * token\0", at most XENSTORE_PAYLOAD_MAX) plus 4, rounded up to 4. */
#define PVFRONT_XS_EVENT_BYTES 8192u
/* A buffer this large always holds an event for pvfront_xs_next_event. */
#define PVFRONT_XS_EVENT_MAX XENSTORE_PAYLOAD_MAX

/* The handle.  All fields are private: use the functions below. */
struct pvfront_xs {
	struct xenstore_domain_interface *page;
	const struct pvfront_xs_ops *ops;
	void *arg;
	int timeout_ms;
	XENSTORE_RING_IDX req_prod; /* ours: the page's copy is never read */
	XENSTORE_RING_IDX rsp_cons; /* ours, likewise */
	uint32_t next_id;
	bool broken;	/* a protocol error: only a reset helps */
	bool resetting; /* a reset is running: nobody touches the rings */
	/* requests: not yet fully sent (FIFO), and awaiting a reply */
	struct pvfront_xs_req *queue, *queue_tail, *sent;
	/* the incoming message being assembled */
	uint8_t rx_hdr[16];
	uint32_t rx_hdr_have;
	struct xsd_sockmsg rx;
	uint32_t rx_have; /* payload bytes consumed so far */
	uint8_t rx_kind;  /* where the payload goes */
	struct pvfront_xs_req *rx_req;
	char rx_err[16]; /* an XS_ERROR name */
	/* watch events: records [len:4][payload, padded to 4] in
	 * ev_buf[ev_head, ev_tail) */
	uint32_t ev_head, ev_tail, ev_lost;
	/* counters, see struct pvfront_xs_stats */
	uint32_t n_unexpected, n_bad_events, n_lost_events, n_bad_replies;
	bool wake_due; /* call ops->wake before dropping the lock */
	uint32_t ev_buf[PVFRONT_XS_EVENT_BYTES / 4];
};

/* ---- the handle -----------------------------------------------------------
 */

/* open() flags. */
#define PVFRONT_XS_OPEN_RESET (1u << 0) /* pvfront_xs_reset() first */

/* Start a client on the ring page with the OS's ops.  The page's indices
 * are taken as they are (a ring a boot loader used goes on where it
 * stopped), unless they are corrupt: -XEN_EIO (open with
 * PVFRONT_XS_OPEN_RESET to start afresh).  -XEN_EINVAL for a NULL
 * argument, missing ops, half a lock or unknown flags. */
PVFRONT_XS_MUST_CHECK int
pvfront_xs_open(struct pvfront_xs *xs, struct xenstore_domain_interface *page,
		const struct pvfront_xs_ops *ops, void *arg,
		unsigned int flags);
/* Fail every request in flight with -XEN_ENOTCONN (callbacks run) and
 * forget the page.  NULL is fine.  Watches stay set in the store. */
void pvfront_xs_close(struct pvfront_xs *xs);

/* How long one wait for the store may take before a blocking call gives
 * up with -XEN_ETIMEDOUT (-1, the default: for ever). */
void pvfront_xs_set_timeout(struct pvfront_xs *xs, int timeout_ms);

/* Ask the store for a fresh ring (see "Reconnection"); blocks until it
 * confirms.  0, -XEN_ENOSYS, -XEN_ETIMEDOUT or the ops' error. */
int pvfront_xs_reset(struct pvfront_xs *xs);

struct pvfront_xs_stats {
	uint32_t unexpected;  /* replies nobody waited for (dropped) */
	uint32_t bad_replies; /* replies of the wrong type or shape */
	uint32_t bad_events;  /* malformed watch events (dropped) */
	uint32_t lost_events; /* events dropped on a full queue */
};
void pvfront_xs_stats(struct pvfront_xs *xs, struct pvfront_xs_stats *st);

/* ---- synchronous calls ----------------------------------------------------
 */

/* The value of path into buf (at most cap bytes; a NUL follows it when
 * there is room).  Returns the value's full length, which may exceed
 * cap, or -errno. */
int pvfront_xs_read(struct pvfront_xs *xs, uint32_t tx, const char *path,
		    void *buf, size_t cap);
/* Set path to len bytes of value (creating it and missing parents). */
int pvfront_xs_write(struct pvfront_xs *xs, uint32_t tx, const char *path,
		     const void *value, size_t len);
/* Create path with an empty value; fine if it exists. */
int pvfront_xs_mkdir(struct pvfront_xs *xs, uint32_t tx, const char *path);
/* Remove path and everything below it. */
int pvfront_xs_rm(struct pvfront_xs *xs, uint32_t tx, const char *path);
/* The children's names: the reply is copied into buf (cap bytes) and
 * names[] (max entries) points into it.  Returns the count; -XEN_ENOSPC
 * when the reply does not fit buf, -XEN_E2BIG when there are more than
 * max. */
int pvfront_xs_directory(struct pvfront_xs *xs, uint32_t tx, const char *path,
			 char *buf, size_t cap, const char **names,
			 unsigned int max);

/* One permission entry: the first of a list names the owner and what
 * every domain not listed may do; later ones grant one domain. */
struct pvfront_xs_perm {
	uint16_t id;   /* domid */
	uint8_t perms; /* PVFRONT_XS_PERM_* */
};
#define PVFRONT_XS_PERM_NONE  0u /* "n" */
#define PVFRONT_XS_PERM_READ  1u /* "r" */
#define PVFRONT_XS_PERM_WRITE 2u /* "w" */
#define PVFRONT_XS_PERM_BOTH  3u /* "b" */
/* Longest list get_perms/set_perms handle. */
#define PVFRONT_XS_PERMS_MAX 64u

/* Returns the number of entries (at most max are stored; -XEN_E2BIG when
 * there are more). */
int pvfront_xs_get_perms(struct pvfront_xs *xs, uint32_t tx, const char *path,
			 struct pvfront_xs_perm *perms, unsigned int max);
int pvfront_xs_set_perms(struct pvfront_xs *xs, uint32_t tx, const char *path,
			 const struct pvfront_xs_perm *perms, unsigned int n);

/* Watch path (absolute, relative, or "@introduceDomain" /
 * "@releaseDomain"); events carry token back. */
int pvfront_xs_watch(struct pvfront_xs *xs, const char *path,
		     const char *token);
int pvfront_xs_unwatch(struct pvfront_xs *xs, const char *path,
		       const char *token);

/* *tx gets the new transaction's id. */
int pvfront_xs_transaction_start(struct pvfront_xs *xs, uint32_t *tx);
/* Commit (or, commit == false, discard).  -XEN_EAGAIN: it conflicted with
 * another change and nothing of it happened. */
int pvfront_xs_transaction_end(struct pvfront_xs *xs, uint32_t tx, bool commit);

/* ---- watch events ---------------------------------------------------------
 */

struct pvfront_xs_event {
	const char *path;  /* the node that changed, as the watch named it */
	const char *token; /* the watch's token */
};

/* Pump the ring, then hand out the oldest queued event: its payload is
 * copied into buf (cap bytes; PVFRONT_XS_EVENT_MAX always suffice) and
 * ev points into buf.  0; -XEN_EAGAIN when none is queued; -XEN_ENOBUFS
 * once after events were lost; -XEN_ENOSPC when cap is too small (the
 * event stays queued); -XEN_EIO for a broken ring. */
int pvfront_xs_next_event(struct pvfront_xs *xs, void *buf, size_t cap,
			  struct pvfront_xs_event *ev);
/* As next_event, but waits (the handle's timeout) while none is queued. */
int pvfront_xs_wait_event(struct pvfront_xs *xs, void *buf, size_t cap,
			  struct pvfront_xs_event *ev);

/* ---- asynchronous requests ------------------------------------------------
 */

/* Prepare req as a request of type (XS_*) in transaction tx; the reply's
 * payload will go to reply (cap bytes; NULL/0 to drop it). */
void pvfront_xs_req_init(struct pvfront_xs_req *req, uint32_t type, uint32_t tx,
			 void *reply, size_t cap);
/* Append len bytes / a string with its NUL to the payload.  Errors show
 * at submit. */
void pvfront_xs_req_add(struct pvfront_xs_req *req, const void *p, size_t len);
void pvfront_xs_req_add_str(struct pvfront_xs_req *req, const char *s);

/* Send req (it gets a fresh req_id); done(xs, req, status, arg) runs when
 * it completes (done may be NULL).  0; -XEN_EBUSY when req is in flight;
 * -XEN_EINVAL for too many pieces or a string longer than a payload;
 * -XEN_E2BIG for a payload over XENSTORE_PAYLOAD_MAX; -XEN_EIO for a
 * broken ring.  The first bytes go out (and the store is notified) at
 * once when there is room. */
int pvfront_xs_submit(struct pvfront_xs *xs, struct pvfront_xs_req *req,
		      pvfront_xs_done_fn *done, void *arg);
/* Move what can move, without blocking: request bytes out, replies and
 * events in; completes requests and runs their callbacks.  Call it when
 * the store's port fires.  0, or -XEN_EIO when the ring is broken. */
int pvfront_xs_pump(struct pvfront_xs *xs);
/* Pump and wait until req (one without a callback) completes; returns
 * its status.  On a timeout the request is withdrawn (as by cancel) and
 * -XEN_ETIMEDOUT returned; an error from the ops' wait likewise. */
int pvfront_xs_wait_req(struct pvfront_xs *xs, struct pvfront_xs_req *req);
/* Withdraw req: its callback will not run and a late reply is dropped.
 * A request the store has seen part of cannot be taken back: the ring is
 * then broken (others fail with -XEN_EIO; reset to go on).  A request
 * already complete is left alone. */
void pvfront_xs_cancel(struct pvfront_xs *xs, struct pvfront_xs_req *req);

/* PVFRONT_XS_PENDING while in flight, then 0 or the -errno it ended with. */
int pvfront_xs_req_status(struct pvfront_xs *xs,
			  const struct pvfront_xs_req *req);
/* After completion: the reply's payload length (which may exceed the
 * buffer), and the req_id the request went out with. */
uint32_t pvfront_xs_req_len(const struct pvfront_xs_req *req);
uint32_t pvfront_xs_req_id(const struct pvfront_xs_req *req);

#ifdef __cplusplus
}
#endif

#endif
