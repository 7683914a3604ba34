/*
 * hvc.h — internals of libpvhv, shared by its source files.
 *
 *   core.c     the handle: connection, requests and replies, the
 *              notification queue, raw hypercalls
 *   dommem.c   per-domain memory: the guest memfds (DOMAIN_MEM) and the
 *              guest's shared_info mapping, cached and reference counted
 *   domain.c   domain requests and console following
 *   grant.c    grant map, unmap and copy
 *   evtchn.c   event-channel ports and the notify fast path
 *
 * Functions shared between files are named hvc_*; only pvhv_* functions
 * are exported (libpvhv.map).
 */
#ifndef PVHV_LIB_HVC_H
#define PVHV_LIB_HVC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "ctl_wire.h"
#include "pvkit/hv.h"

#define HVC_PAGE 4096u

/* The status page describes our dom0 ports (see the daemon's control
 * code): while port p is connected to a guest port, word p is
 * VALID | remote vCPU << 16 | remote port. */
#ifndef PVHV_PORT_STATUS_VALID
#define PVHV_PORT_STATUS_VALID 0x80000000u
#define PVHV_PORT_STATUS_VCPU_SHIFT 16
#define PVHV_PORT_STATUS_VCPU_MASK 0x7fffu
#define PVHV_PORT_STATUS_PORT_MASK 0xffffu
#endif

/* Largest hypercall argument buffer one message carries. */
#define HVC_HCALL_MAX (PVHV_CTL_MAX_PAYLOAD - sizeof(struct pvhv_ctl_hcall))

/* A guest's memory as dom0 sees it. */
struct hvc_dom {
	domid_t domid;
	bool dead;	   /* pvhv said it died: never handed out again */
	unsigned int refs; /* mappings and ports using it */
	int ro_fd, rw_fd;
	uint64_t nr_pages;
	uint64_t shared_info_gfn;
	unsigned int vcpus, vwfi;
	struct shared_info *shinfo; /* mapped on first use */
	int *wake_fds;		    /* per vCPU when pvhv sent them, else NULL */
	unsigned int n_wake;
	struct hvc_dom *next;
};

/* A notification kept until pvhv_process() delivers it. */
struct hvc_note {
	struct hvc_note *next;
	struct pvhv_ctl_notify n;
	size_t len;
	unsigned char extra[];
};

struct hvc_follow {
	domid_t domid;
	pvhv_console_fn *cb;
	void *arg;
	struct hvc_follow *next;
};

struct hvc_map; /* grant.c */
struct hvc_own; /* grant_own.c */

#define HVC_MAP_BUCKETS 64

struct pvhv {
	int sock;
	int epfd;  /* what pvhv_fd() returns: sock + qfd */
	int qfd;   /* eventfd: non-zero while notes are queued */
	uint32_t next_req;
	uint32_t client_id;
	_Atomic uint32_t *status; /* the port status page, read-only */
	size_t status_words;
	unsigned char *rbuf; /* one received message */
	char errmsg[1024];
	bool gone;	     /* the connection broke */

	pvhv_notify_fn *notify_cb;
	void *notify_arg;
	struct hvc_note *q_head, **q_tail;
	struct hvc_follow *follows;

	struct hvc_dom *doms;
	struct hvc_map *maps[HVC_MAP_BUCKETS];
	struct hvc_own *owns; /* grant_own.c: our own grants */
	struct pvhv_port *ports;
};

/* A request's reply.  payload points into h->rbuf: valid until the next
 * request.  fds belong to the caller (close what you do not keep). */
struct hvc_reply {
	int32_t status;
	const void *payload;
	size_t len;
	int fds[PVHV_CTL_MAX_FDS];
	unsigned int nfds;
};

/* Send op with the payload gathered from iov and wait for its reply.
 * Returns the reply's status (0 or -errno) or a transport error; on a
 * transport error, r holds no fds. */
int hvc_request(struct pvhv *h, uint32_t op, const struct iovec *iov,
		int niov, struct hvc_reply *r);
/* A request with one flat payload whose reply is copied to out (out_len
 * bytes; a shorter reply is -EPROTO). */
int hvc_simple(struct pvhv *h, uint32_t op, const void *in, size_t in_len,
	       void *out, size_t out_len);
void hvc_close_fds(int *fds, unsigned int n);
/* grant_own.c: unmap what pvhv_grant_alloc() left (the grants end with
 * the connection). */
void hvc_owns_free_all(struct pvhv *h);

/* Dom0 hypercall with args as in Xen; buf is carried both ways. */
long hvc_hypercall(struct pvhv *h, uint64_t nr, const uint64_t args[5],
		   void *buf, size_t len, int *fds, unsigned int *nfds);

/* dommem.c */
int hvc_dom_get(struct pvhv *h, domid_t domid, struct hvc_dom **out);
void hvc_dom_put(struct pvhv *h, struct hvc_dom *d);
int hvc_dom_shinfo(struct hvc_dom *d);
void hvc_dom_died(struct pvhv *h, domid_t domid);
void hvc_dom_free_all(struct pvhv *h);

/* domain.c: a notice reached the queue's head. */
bool hvc_console_deliver(struct pvhv *h, const struct pvhv_ctl_notify *n,
			 const void *extra, size_t len);
void hvc_follow_free_all(struct pvhv *h);

/* grant.c */
void hvc_maps_free_all(struct pvhv *h);

/* evtchn.c */
void hvc_ports_free_all(struct pvhv *h);

#endif
