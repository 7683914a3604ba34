/*
 * The store client's internals, shared by xs.c (handle, requests, events),
 * xs_ring.c (bytes on the ring page) and xs_calls.c (synchronous calls).
 * Every function here runs with the handle's lock held.
 */
#ifndef PVFRONT_XS_INT_H
#define PVFRONT_XS_INT_H

#include <stdatomic.h>

#include "pvkit/front_xs.h"
#include "pvkit/proto/errno.h"
#include "pvkit/store.h"

/* An index of the shared page, accessed atomically. */
#define XS_IDX(p) ((_Atomic XENSTORE_RING_IDX *)(p))

/* pvfront_xs_req.state */
enum { REQ_IDLE, REQ_QUEUED, REQ_SENT, REQ_DONE };

/* pvfront_xs.rx_kind: where the payload of the incoming message goes. */
enum {
	RX_DISCARD, /* nobody wants it */
	RX_REPLY,   /* into rx_req's reply buffer */
	RX_ERROR,   /* an XS_ERROR name for rx_req, into rx_err */
	RX_BAD,	    /* a reply of the wrong type for rx_req */
	RX_EVENT,   /* a watch event, into the reserved event record */
	RX_LOST,    /* a watch event with no room left */
};

/* Requests whose callbacks are due, run once the lock is dropped. */
struct xs_done {
	struct pvfront_xs_req *head, *tail;
};

/* xs_ring.c */
int xs_pump_locked(struct pvfront_xs *xs, struct xs_done *d);
void xs_complete(struct pvfront_xs *xs, struct pvfront_xs_req *r, int status,
		 struct xs_done *d);
/* Fail the requests in flight with status; keep_unstarted leaves those
 * of which no byte went out queued. */
void xs_fail_requests(struct pvfront_xs *xs, int status, bool keep_unstarted,
		      struct xs_done *d);
void xs_rx_forget(struct pvfront_xs *xs);
/* Take req out of the sent list (false: it was not there). */
bool xs_unlink_sent(struct pvfront_xs *xs, struct pvfront_xs_req *r);
int xs_event_pop(struct pvfront_xs *xs, void *buf, size_t cap,
		 struct pvfront_xs_event *ev);

/* xs.c */
void xs_lock(struct pvfront_xs *xs);
void xs_unlock(struct pvfront_xs *xs, struct xs_done *d);
void xs_note_bad_reply(struct pvfront_xs *xs);

#endif
