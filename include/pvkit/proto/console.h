/*
 * pvkit/proto/console.h — the PV console.
 *
 * Two ways for a guest to print:
 *
 *   - the hypervisor's own console, through __HYPERVISOR_console_io with
 *     CONSOLEIO_write (count, buffer) or CONSOLEIO_read; meant for early
 *     boot and debugging;
 *   - the console page, shared with a console daemon in dom0 and paired
 *     with an event channel (their numbers come from the store or from
 *     HVM_PARAM_CONSOLE_PFN / _EVTCHN).  The page holds two byte rings:
 *     `in` (daemon → guest, XENCONS_IN_RING_SIZE bytes) and `out` (guest →
 *     daemon, XENCONS_OUT_RING_SIZE bytes), each with free-running 32-bit
 *     consumer and producer indices.  MASK_XENCONS_IDX(idx, ring) turns an
 *     index into an offset in that ring (sizes are powers of two).
 *
 * A producer copies bytes in, issues a write barrier, advances its prod
 * index and notifies the event channel; a consumer reads prod, issues a
 * read barrier, copies out, then advances cons.
 */
#ifndef PVKIT_PROTO_CONSOLE_H
#define PVKIT_PROTO_CONSOLE_H

#include <stdint.h>

/* Sub-operations of __HYPERVISOR_console_io. */
#define CONSOLEIO_write 0
#define CONSOLEIO_read	1

typedef uint32_t XENCONS_RING_IDX;

/* Ring sizes of the console page, in bytes. */
#define XENCONS_IN_RING_SIZE  1024
#define XENCONS_OUT_RING_SIZE 2048

/* Offset in RING (the array member itself) of the free-running idx. */
#define MASK_XENCONS_IDX(idx, ring) ((idx) & (sizeof(ring) - 1))

struct xencons_interface {
	char in[XENCONS_IN_RING_SIZE];	 /* keyboard input, to the guest */
	char out[XENCONS_OUT_RING_SIZE]; /* output, from the guest */
	XENCONS_RING_IDX in_cons, in_prod;
	XENCONS_RING_IDX out_cons, out_prod;
};

#endif
