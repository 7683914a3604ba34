/*
 * store_int.h — internals of libpvhv's store client (the "store" section
 * of pvkit/hv.h), shared by its files:
 *
 *   store.c       the handle: connecting, the byte queues each way,
 *                 framing, matching replies to requests, the deferred
 *                 queue, pvhv_store_process(), waiting for one reply
 *   store_req.c   the requests: building them, decoding replies for the
 *                 typed callbacks, DIRECTORY_PART, watches, cancelling
 *   store_sync.c  the blocking calls, the transaction helper, the
 *                 permission syntax
 *
 * How a request travels.  A request is a struct hvs_req in the in-flight
 * FIFO (the server answers a stream connection in order, so the reply to
 * come is always for the FIFO's head; its req_id and type are checked
 * too).  A message read from the socket is handled at once by
 * pvhv_store_process(); while a blocking call waits for its own reply,
 * everything else read meanwhile (other replies, watch events) is copied
 * to the deferred queue instead, so that user callbacks only ever run
 * from pvhv_store_process().  The deferred queue is delivered before
 * anything newer, so callbacks keep the socket's order.
 *
 * When the connection breaks (hang-up, a read error, garbage), every
 * request still in flight moves to the deferred queue with the error, the
 * socket is closed, and later requests fail at once with that error.
 *
 * Shared functions are named hvs_*; nothing here is exported.
 */
#ifndef PVHV_LIB_STORE_INT_H
#define PVHV_LIB_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl_wire.h"
#include "pvkit/hv.h"
#include "pvkit/store.h"

/* pvhv's store socket in its run directory (the daemon's
 * HV_STORE_SOCKET). */
#define HVS_SOCKET PVHV_STORE_SOCKET
/* Input buffer: whole messages, several per read. */
#define HVS_IBUF (16u * PV_XS_MSG_MAX)
/* Output buffer kept between bursts; a bigger one is freed once sent. */
#define HVS_OBUF_KEEP (64u * 1024u)
/* Messages pvhv_store_process() handles before it lets the loop run. */
#define HVS_BUDGET 256u
/* DIRECTORY_PART restarts when the directory keeps changing. */
#define HVS_PART_RESTARTS 16u

/* What the reply is decoded into (which callback the request has). */
enum hvs_kind {
	HVS_DONE,  /* pvhv_store_done_fn: no data */
	HVS_READ,  /* pvhv_store_read_fn */
	HVS_DIR,   /* pvhv_store_dir_fn (DIRECTORY, maybe DIRECTORY_PART) */
	HVS_PERMS, /* pvhv_store_perms_fn */
	HVS_TXID,  /* pvhv_store_txid_fn */
	HVS_RAW,   /* pvhv_store_raw_fn */
};

/* A DIRECTORY too big for one reply, fetched with DIRECTORY_PART. */
struct hvs_part {
	char *names;	/* the children so far, NUL-separated */
	size_t len;
	char gen[24];	/* the node's generation, as the first part said */
	unsigned int restarts;
};

struct hvs_req {
	struct hvs_req *next;
	uint32_t req_id;
	uint32_t type; /* as sent: XS_* */
	uint32_t tx;
	enum hvs_kind kind;
	union {
		pvhv_store_done_fn *done;
		pvhv_store_read_fn *read;
		pvhv_store_dir_fn *dir;
		pvhv_store_perms_fn *perms;
		pvhv_store_txid_fn *txid;
		pvhv_store_raw_fn *raw;
	} cb;
	void *arg;
	bool cancelled; /* pvhv_store_cancel(): no callback */
	bool sync;	/* a blocking call waits for it */
	uint32_t watch_id; /* WATCH: the registration to drop if refused */
	char *path;	   /* DIRECTORY: kept for DIRECTORY_PART */
	struct hvs_part *part;
};

/* A deferred delivery: a message (with the request it answers, or none
 * for a watch event), or a request failed by a broken connection. */
struct hvs_defer {
	struct hvs_defer *next;
	struct hvs_req *req;
	int err; /* != 0: fail req with it; no message */
	struct xsd_sockmsg hdr;
	char payload[]; /* hdr.len bytes and a NUL */
};

struct hvs_watch {
	struct hvs_watch *next;
	uint32_t id; /* the wire token is "<id>:<token>" */
	pvhv_store_watch_fn *cb;
	void *arg;
	char *path, *token;
};

struct pvhv_store {
	int sock; /* -1 once the connection broke */
	int epfd; /* pvhv_store_fd(): sock + qfd */
	int qfd;  /* eventfd: readable while work is waiting in memory */
	bool qfd_set, pollout;
	int err;  /* why the connection broke, or 0 */
	uint32_t next_req, next_watch;
	unsigned int waiting; /* a blocking call is waiting */
	bool next_sync;	      /* the next hvs_submit() is a blocking call's */

	/* bytes to send: obuf[ooff..olen) */
	char *obuf;
	size_t olen, ooff, ocap;
	/* bytes received, not yet handled */
	unsigned char *ibuf;
	size_t ilen;

	struct hvs_req *fifo, **fifo_tail;
	unsigned int n_fifo;
	struct hvs_defer *dq, **dq_tail;
	struct hvs_watch *watches;
};

/* store.c */
/* Queue request r (already filled but for req_id) with the payload
 * pieces (NULL-terminated strings, then one raw piece, either may be
 * absent) and start sending.  0, or -errno and r is still the
 * caller's. */
int hvs_submit(struct pvhv_store *s, struct hvs_req *r,
	       const char *const *strs, const void *raw, size_t rawlen);
/* Wait until *done, handling messages as a blocking call must.  The
 * blocking call sets s->next_sync around its hvs_submit(), which marks
 * that request as the one waited for. */
void hvs_wait(struct pvhv_store *s, const bool *done);
void hvs_req_free(struct hvs_req *r);

/* store_req.c */
/* The reply (hdr, payload with a NUL after it) to r, which left the
 * FIFO: decode it and run r's callback, or go on with DIRECTORY_PART. */
void hvs_complete(struct pvhv_store *s, struct hvs_req *r,
		  const struct xsd_sockmsg *hdr, const char *payload);
/* r failed without a reply. */
void hvs_fail(struct pvhv_store *s, struct hvs_req *r, int err);
void hvs_watch_event(struct pvhv_store *s, const char *payload, size_t len);
void hvs_watches_free(struct pvhv_store *s);
/* pvhv_store_watch_async() with an argument for each callback. */
int hvs_watch_submit(struct pvhv_store *s, const char *path,
		     const char *token, pvhv_store_watch_fn *cb, void *warg,
		     pvhv_store_done_fn *done, void *darg);
/* A new request: calloc'd, kind/type/tx/cb/arg set. */
struct hvs_req *hvs_req_new(uint32_t type, uint32_t tx, enum hvs_kind kind,
			    void *arg);
/* The negative errno of an XS_ERROR payload. */
int hvs_error(const char *payload, size_t len);

#endif
