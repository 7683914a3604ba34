/*
 * pvkit/evtchn.h — 2-level event-channel bitmaps, both ends.
 *
 * The 2-level ABI keeps two bitmaps in the guest's shared_info page,
 * evtchn_pending and evtchn_mask, one bit per port, grouped in words of
 * xen_ulong_t.  Each vCPU's vcpu_info has a selector, evtchn_pending_sel,
 * with one bit per word that may hold pending ports, and the byte
 * evtchn_upcall_pending that says "look at the selector".
 *
 * Raising an event (hypervisor):   pv_evtchn_set_pending() — returns 1 when
 *     the vCPU went from "nothing to do" to "events pending" and must be
 *     woken; a port already pending or masked needs no wake-up.
 * Handling events (guest):         pv_evtchn_scan() — clears the upcall
 *     flag, takes the selector, and returns pending unmasked ports,
 *     clearing each one's pending bit before it is reported (so an event
 *     raised while it is handled is seen again, never lost).
 * Masking:                         pv_evtchn_mask() / pv_evtchn_unmask();
 *     unmask returns 1 when a pending event became deliverable.
 *
 * Ports run from 0 to PV_EVTCHN_2L_PORTS - 1 (4096 with 64-bit words, 1024
 * with 32-bit ones); others get -XEN_EINVAL.  All bit operations are atomic
 * read-modify-writes, because both ends write both bitmaps.  Freestanding.
 */
#ifndef PVKIT_EVTCHN_H
#define PVKIT_EVTCHN_H

#include <stdint.h>

#include "pvkit/proto/event_channel.h"
#include "pvkit/proto/xen.h"

#define PV_EVTCHN_2L_BITS ((unsigned int)(sizeof(xen_ulong_t) * 8))
#define PV_EVTCHN_2L_PORTS (PV_EVTCHN_2L_BITS * PV_EVTCHN_2L_BITS)

/* Hypervisor: mark port pending for vCPU v.  1: wake v; 0: no wake-up
 * needed; -XEN_EINVAL: no such port. */
int pv_evtchn_set_pending(struct shared_info *s, struct vcpu_info *v,
			  evtchn_port_t port);

/* Either end: set or clear the mask bit.  Unmask returns 1 when the port
 * was pending, so the vCPU must now get an upcall (and marks it so). */
int pv_evtchn_mask(struct shared_info *s, evtchn_port_t port);
int pv_evtchn_unmask(struct shared_info *s, struct vcpu_info *v,
		     evtchn_port_t port);

/* Clear the pending bit; returns 1 if it was set, 0 if not. */
int pv_evtchn_clear_pending(struct shared_info *s, evtchn_port_t port);

/* 1 when set, 0 when clear, -XEN_EINVAL for a bad port. */
int pv_evtchn_is_pending(const struct shared_info *s, evtchn_port_t port);
int pv_evtchn_is_masked(const struct shared_info *s, evtchn_port_t port);

/* Guest: collect up to max pending, unmasked ports into ports[], clearing
 * their pending bits.  Returns the number collected.  When max was reached
 * with more to do, the upcall flag stays set so the next scan goes on. */
unsigned int pv_evtchn_scan(struct shared_info *s, struct vcpu_info *v,
			    evtchn_port_t *ports, unsigned int max);

#endif
