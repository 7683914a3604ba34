/*
 * pvkit/proto/event_channel.h — event channels.
 *
 * An event channel is a one-bit doorbell between two endpoints, each named
 * by a port number (evtchn_port_t) local to its domain.  The usual way to
 * connect a frontend and a backend:
 *
 *   1. one side calls EVTCHNOP_alloc_unbound (dom = itself, remote_dom =
 *      the peer) and publishes the returned port in the store;
 *   2. the peer reads it and calls EVTCHNOP_bind_interdomain, getting its
 *      own local port;
 *   3. either side signals with EVTCHNOP_send; EVTCHNOP_close tears down.
 *
 * Delivery uses the 2-level ABI: a pending and a mask bit per port in the
 * shared-info page (see xen.h), and a per-vCPU selector word whose bit i
 * says "word i of the pending bitmap may be non-zero".  A guest clears the
 * pending bit, then handles the event; EVTCHNOP_unmask clears the mask bit
 * and re-delivers anything that arrived while masked.  The 2-level ABI
 * has EVTCHN_2L_NR_CHANNELS ports.
 *
 * The FIFO ABI (EVTCHNOP_init_control and friends) is described for
 * completeness; pvkit itself uses the 2-level ABI.
 *
 * Each EVTCHNOP_* has one argument structure below (IN fields, then OUT
 * fields).
 */
#ifndef PVKIT_PROTO_EVENT_CHANNEL_H
#define PVKIT_PROTO_EVENT_CHANNEL_H

#include <stdint.h>

#include "xen.h"

/* Sub-operations of __HYPERVISOR_event_channel_op. */
#define EVTCHNOP_bind_interdomain 0
#define EVTCHNOP_bind_virq	  1
#define EVTCHNOP_bind_pirq	  2
#define EVTCHNOP_close		  3
#define EVTCHNOP_send		  4
#define EVTCHNOP_status		  5
#define EVTCHNOP_alloc_unbound	  6
#define EVTCHNOP_bind_ipi	  7
#define EVTCHNOP_bind_vcpu	  8
#define EVTCHNOP_unmask		  9
#define EVTCHNOP_reset		  10
#define EVTCHNOP_init_control	  11
#define EVTCHNOP_expand_array	  12
#define EVTCHNOP_set_priority	  13

typedef uint32_t evtchn_port_t;
DEFINE_XEN_GUEST_HANDLE(evtchn_port_t);

/* Allocate a port in dom that remote_dom may bind to later. */
struct evtchn_alloc_unbound {
	domid_t dom, remote_dom;
	evtchn_port_t port; /* out */
};
typedef struct evtchn_alloc_unbound evtchn_alloc_unbound_t;

/* Connect a new local port to remote_port of remote_dom. */
struct evtchn_bind_interdomain {
	domid_t remote_dom;
	evtchn_port_t remote_port;
	evtchn_port_t local_port; /* out */
};
typedef struct evtchn_bind_interdomain evtchn_bind_interdomain_t;

/* Bind a VIRQ_* of one vCPU to a new port. */
struct evtchn_bind_virq {
	uint32_t virq;
	uint32_t vcpu;
	evtchn_port_t port; /* out */
};
typedef struct evtchn_bind_virq evtchn_bind_virq_t;

/* Bind a physical IRQ to a new port (privileged). */
struct evtchn_bind_pirq {
	uint32_t pirq;
#define BIND_PIRQ__WILL_SHARE 1 /* others may bind the same IRQ */
	uint32_t flags;
	evtchn_port_t port; /* out */
};
typedef struct evtchn_bind_pirq evtchn_bind_pirq_t;

/* A port that signals the caller's own vCPU (inter-processor event). */
struct evtchn_bind_ipi {
	uint32_t vcpu;
	evtchn_port_t port; /* out */
};
typedef struct evtchn_bind_ipi evtchn_bind_ipi_t;

struct evtchn_close {
	evtchn_port_t port;
};
typedef struct evtchn_close evtchn_close_t;

/* Raise the event at the other end of port. */
struct evtchn_send {
	evtchn_port_t port;
};
typedef struct evtchn_send evtchn_send_t;

/* What (dom, port) is bound to. */
struct evtchn_status {
	domid_t dom;
	evtchn_port_t port;
#define EVTCHNSTAT_closed      0 /* not in use */
#define EVTCHNSTAT_unbound     1 /* allocated, waiting for the peer */
#define EVTCHNSTAT_interdomain 2 /* connected to another domain */
#define EVTCHNSTAT_pirq	       3 /* bound to a physical IRQ */
#define EVTCHNSTAT_virq	       4 /* bound to a virtual IRQ */
#define EVTCHNSTAT_ipi	       5 /* bound to a vCPU of the caller */
	uint32_t status;	 /* out: EVTCHNSTAT_* */
	uint32_t vcpu;		 /* out: vCPU that receives the event */
	union {
		struct {
			domid_t dom; /* who may bind */
		} unbound;
		struct {
			domid_t dom;
			evtchn_port_t port;
		} interdomain;
		uint32_t pirq;
		uint32_t virq;
	} u; /* out: selected by status */
};
typedef struct evtchn_status evtchn_status_t;

/* Deliver port's events to another vCPU. */
struct evtchn_bind_vcpu {
	evtchn_port_t port;
	uint32_t vcpu;
};
typedef struct evtchn_bind_vcpu evtchn_bind_vcpu_t;

struct evtchn_unmask {
	evtchn_port_t port;
};
typedef struct evtchn_unmask evtchn_unmask_t;

/* Close every port of dom. */
struct evtchn_reset {
	domid_t dom;
};
typedef struct evtchn_reset evtchn_reset_t;

/* FIFO ABI: register a vCPU's control block (page + offset). */
struct evtchn_init_control {
	uint64_t control_gfn;
	uint32_t offset;
	uint32_t vcpu;
	uint8_t link_bits; /* out */
	uint8_t _pad[7];
};
typedef struct evtchn_init_control evtchn_init_control_t;

/* FIFO ABI: add one page of event words. */
struct evtchn_expand_array {
	uint64_t array_gfn;
};
typedef struct evtchn_expand_array evtchn_expand_array_t;

/* FIFO ABI: queue priority of port. */
struct evtchn_set_priority {
	evtchn_port_t port;
	uint32_t priority;
};
typedef struct evtchn_set_priority evtchn_set_priority_t;

/* The legacy single-argument form: cmd plus the operation's argument. */
struct evtchn_op {
	uint32_t cmd; /* EVTCHNOP_* */
	union {
		evtchn_alloc_unbound_t alloc_unbound;
		evtchn_bind_interdomain_t bind_interdomain;
		evtchn_bind_virq_t bind_virq;
		evtchn_bind_pirq_t bind_pirq;
		evtchn_bind_ipi_t bind_ipi;
		evtchn_close_t close;
		evtchn_send_t send;
		evtchn_status_t status;
		evtchn_bind_vcpu_t bind_vcpu;
		evtchn_unmask_t unmask;
	} u;
};
typedef struct evtchn_op evtchn_op_t;
DEFINE_XEN_GUEST_HANDLE(evtchn_op_t);

/* Ports in the 2-level ABI: one pending bit per port, and as many
 * bitmap words as the selector word has bits. */
#define EVTCHN_2L_NR_CHANNELS (sizeof(xen_ulong_t) * sizeof(xen_ulong_t) * 64)

/* FIFO ABI: priorities (0 is the most urgent), event word layout. */
#define EVTCHN_FIFO_PRIORITY_MAX     0
#define EVTCHN_FIFO_PRIORITY_DEFAULT 7
#define EVTCHN_FIFO_PRIORITY_MIN     15
#define EVTCHN_FIFO_MAX_QUEUES	     (EVTCHN_FIFO_PRIORITY_MIN + 1)

typedef uint32_t event_word_t;

#define EVTCHN_FIFO_PENDING	31
#define EVTCHN_FIFO_MASKED	30
#define EVTCHN_FIFO_LINKED	29
#define EVTCHN_FIFO_BUSY	28
#define EVTCHN_FIFO_LINK_BITS	17
#define EVTCHN_FIFO_LINK_MASK	((1 << EVTCHN_FIFO_LINK_BITS) - 1)
#define EVTCHN_FIFO_NR_CHANNELS (1 << EVTCHN_FIFO_LINK_BITS)

/* FIFO ABI: per-vCPU control block. */
struct evtchn_fifo_control_block {
	uint32_t ready; /* bit q: queue q is not empty */
	uint32_t _rsvd;
	uint32_t head[EVTCHN_FIFO_MAX_QUEUES];
};
typedef struct evtchn_fifo_control_block evtchn_fifo_control_block_t;

#endif
