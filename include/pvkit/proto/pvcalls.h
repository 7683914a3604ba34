/*
 * pvkit/proto/pvcalls.h — PV Calls: a guest's socket calls, carried out by
 * dom0 on the guest's behalf.
 *
 * A guest has at most one pvcalls device ("pvcalls" in store paths).  Its
 * frontend shares one page as the command ring (store: ring-ref, port) of
 * struct xen_pvcalls_request / struct xen_pvcalls_response: 64-byte
 * requests, 24-byte responses.  The backend advertises "versions" ("1"),
 * "max-page-order" (at least 1) and "function-calls" ("1": the seven
 * commands below; "0": none); the frontend answers with "version".
 *
 * Commands, in the order a program uses them:
 *
 *   SOCKET   create a socket named by a 64-bit id the frontend picks
 *   CONNECT  connect it; also hands over a data ring (below)
 *   BIND, LISTEN, ACCEPT
 *            passive sockets; ACCEPT names the new socket (id_new), hands
 *            over its data ring, and is answered only once a connection
 *            has been accepted
 *   POLL     passive sockets only: answered when a connection is waiting
 *   RELEASE  close; an active socket's data ring is unmapped, unless
 *            reuse = 1 hints that the frontend will offer the same pages
 *            and event channel again
 *
 * Socket arguments use the Linux numbering (AF_INET 2, SOCK_STREAM 1,
 * protocol 0 are what version 1 requires); addr holds up to 28 bytes of a
 * sockaddr in Linux layout.  A response echoes req_id and cmd and carries
 * ret: 0 or a negative Xen errno value (pvkit/proto/errno.h); a command
 * the backend does not implement fails with a "not supported" error.
 *
 * A data ring belongs to one connected socket: an interface page (struct
 * pvcalls_data_intf, granted as `ref` in CONNECT/ACCEPT) holding the
 * stream indices and the grants of 2^ring_order data pages, plus an event
 * channel (`evtchn`).  The data pages, mapped contiguously, hold "in"
 * (socket data for the guest; the backend produces) in the first half and
 * "out" (data the guest sends) in the second; each half is
 * XEN_FLEX_RING_SIZE(ring_order) bytes, indexed by free-running byte
 * counts.  in_error / out_error report a failed read / write on the host
 * socket as a negative errno value; an orderly shutdown by the peer shows
 * as -XEN_ENOTCONN in in_error.  pvkit/flexring.h implements the streams.
 *
 * The store names are spelled out here as PVCALLS_* macros; the protocol
 * document defines them, the C headers of the original protocol do not.
 */
#ifndef PVKIT_PROTO_PVCALLS_H
#define PVKIT_PROTO_PVCALLS_H

#include <stdint.h>

#include "grant_table.h"
#include "ring.h"

/*
 * The interface page of a data ring.  in_* index the "in" stream and
 * out_* the "out" stream; each trio sits on its own 64-byte cache line.
 * ref[] holds 1 << ring_order grants, the data pages in order.
 */
struct pvcalls_data_intf {
	RING_IDX in_cons, in_prod, in_error;

	uint8_t pad1[52];

	RING_IDX out_cons, out_prod, out_error;

	uint8_t pad2[52];

	RING_IDX ring_order;
	grant_ref_t ref[];
};

/*
 * Where one end has mapped a data ring's pages: the start of each half.
 * Local to that end, never shared (the pointers are its own addresses).
 */
struct pvcalls_data {
	unsigned char *in;
	unsigned char *out;
};

/* Commands (xen_pvcalls_request.cmd, echoed in the response). */
#define PVCALLS_SOCKET	0
#define PVCALLS_CONNECT 1
#define PVCALLS_RELEASE 2
#define PVCALLS_BIND	3
#define PVCALLS_LISTEN	4
#define PVCALLS_ACCEPT	5
#define PVCALLS_POLL	6

/* Arguments of each command.  id always names the socket operated on. */
struct xen_pvcalls_socket {
	uint64_t id; /* the new socket's id */
	uint32_t domain;
	uint32_t type;
	uint32_t protocol;
	uint8_t pad[4];
};

struct xen_pvcalls_connect {
	uint64_t id;
	uint8_t addr[28];
	uint32_t len;	 /* bytes of addr used */
	uint32_t flags;	 /* none defined: 0 */
	grant_ref_t ref; /* the data ring's interface page */
	uint32_t evtchn; /* the data ring's event channel */
	uint8_t pad[4];
};

struct xen_pvcalls_release {
	uint64_t id;
	uint8_t reuse; /* 1: the data ring will be offered again */
	uint8_t pad[7];
};

struct xen_pvcalls_bind {
	uint64_t id;
	uint8_t addr[28];
	uint32_t len;
};

struct xen_pvcalls_listen {
	uint64_t id;
	uint32_t backlog;
	uint8_t pad[4];
};

struct xen_pvcalls_accept {
	uint64_t id;	 /* the listening socket */
	uint64_t id_new; /* the accepted socket */
	grant_ref_t ref; /* its data ring's interface page */
	uint32_t evtchn; /* its data ring's event channel */
};

struct xen_pvcalls_poll {
	uint64_t id;
};

/* Fixes the argument area at 56 bytes on every architecture. */
struct xen_pvcalls_dummy {
	uint8_t dummy[56];
};

/* A command ring request slot. */
struct xen_pvcalls_request {
	uint32_t req_id; /* chosen by the frontend, echoed back */
	uint32_t cmd;	 /* PVCALLS_* */
	union {
		struct xen_pvcalls_socket socket;
		struct xen_pvcalls_connect connect;
		struct xen_pvcalls_release release;
		struct xen_pvcalls_bind bind;
		struct xen_pvcalls_listen listen;
		struct xen_pvcalls_accept accept;
		struct xen_pvcalls_poll poll;
		struct xen_pvcalls_dummy dummy;
	} u;
};

/* Response payloads: every command echoes the id of its socket. */
struct _xen_pvcalls_socket {
	uint64_t id;
};

struct _xen_pvcalls_connect {
	uint64_t id;
};

struct _xen_pvcalls_release {
	uint64_t id;
};

struct _xen_pvcalls_bind {
	uint64_t id;
};

struct _xen_pvcalls_listen {
	uint64_t id;
};

struct _xen_pvcalls_accept {
	uint64_t id; /* the listening socket */
};

struct _xen_pvcalls_poll {
	uint64_t id;
};

struct _xen_pvcalls_dummy {
	uint8_t dummy[8];
};

/* A command ring response slot. */
struct xen_pvcalls_response {
	uint32_t req_id;
	uint32_t cmd;
	int32_t ret; /* 0 or a negative Xen errno value */
	uint32_t pad;
	union {
		struct _xen_pvcalls_socket socket;
		struct _xen_pvcalls_connect connect;
		struct _xen_pvcalls_release release;
		struct _xen_pvcalls_bind bind;
		struct _xen_pvcalls_listen listen;
		struct _xen_pvcalls_accept accept;
		struct _xen_pvcalls_poll poll;
		struct _xen_pvcalls_dummy dummy;
	} u;
};

/* Device type name in store paths (device/pvcalls, backend/pvcalls). */
#define PVCALLS_DRIVER_NAME "pvcalls"

/* The only protocol version. */
#define PVCALLS_PROTOCOL_VERSION "1"

/* Store node names. */
#define PVCALLS_FIELD_BE_VERSIONS    "versions"
#define PVCALLS_FIELD_MAX_PAGE_ORDER "max-page-order"
#define PVCALLS_FIELD_FUNCTION_CALLS "function-calls"
#define PVCALLS_FIELD_FE_VERSION     "version"
#define PVCALLS_FIELD_RING_REF	     "ring-ref"
#define PVCALLS_FIELD_PORT	     "port"

/* Values of "function-calls". */
#define PVCALLS_FUNCTION_CALLS_NONE "0"
#define PVCALLS_FUNCTION_CALLS_V1   "1" /* SOCKET .. POLL */

/* Largest ring_order whose grant list fits in the interface page: ref[]
 * must hold a power of two entries after the 132-byte header. */
#define PVCALLS_MAX_RING_ORDER 9

#endif
