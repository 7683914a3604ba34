/*
 * pvkit/proto/sched.h — the scheduler hypercall.
 *
 * __HYPERVISOR_sched_op(cmd, arg) lets a vCPU give up the processor and a
 * domain end its life:
 *
 *   SCHEDOP_yield      let another vCPU run (no argument)
 *   SCHEDOP_block      sleep until an event is pending (no argument); the
 *                      guest unmasks upcalls first so no wake-up is lost
 *   SCHEDOP_poll       sleep until one of some ports is pending or a
 *                      timeout passes (struct sched_poll)
 *   SCHEDOP_shutdown   stop the calling domain for a SHUTDOWN_* reason
 *                      (struct sched_shutdown)
 *   SCHEDOP_shutdown_code  record the reason to report later, without
 *                      stopping (struct sched_shutdown)
 *   SCHEDOP_remote_shutdown  stop another domain (privileged)
 *   SCHEDOP_watchdog   arm (timeout > 0), re-arm or stop (timeout 0) a
 *                      domain watchdog; id 0 creates a new one
 *   SCHEDOP_pin_override  pin the calling vCPU to a physical CPU for a
 *                      while (pcpu < 0 undoes it; privileged)
 *
 * The shutdown reason is what a toolstack sees when the domain is gone:
 * poweroff (destroy it), reboot (restart it), suspend (save it), crash,
 * watchdog, soft_reset.
 */
#ifndef PVKIT_PROTO_SCHED_H
#define PVKIT_PROTO_SCHED_H

#include <stdint.h>

#include "event_channel.h"
#include "xen.h"

#define SCHEDOP_yield		0
#define SCHEDOP_block		1
#define SCHEDOP_shutdown	2
#define SCHEDOP_poll		3
#define SCHEDOP_remote_shutdown 4
#define SCHEDOP_shutdown_code	5
#define SCHEDOP_watchdog	6
#define SCHEDOP_pin_override	7

struct sched_shutdown {
	unsigned int reason; /* SHUTDOWN_* */
};
typedef struct sched_shutdown sched_shutdown_t;
DEFINE_XEN_GUEST_HANDLE(sched_shutdown_t);

struct sched_poll {
	XEN_GUEST_HANDLE(evtchn_port_t) ports; /* nr_ports ports to wait on */
	unsigned int nr_ports;
	uint64_t timeout; /* absolute system time in ns; 0: none */
};
typedef struct sched_poll sched_poll_t;
DEFINE_XEN_GUEST_HANDLE(sched_poll_t);

struct sched_remote_shutdown {
	domid_t domain_id;
	unsigned int reason; /* SHUTDOWN_* */
};
typedef struct sched_remote_shutdown sched_remote_shutdown_t;
DEFINE_XEN_GUEST_HANDLE(sched_remote_shutdown_t);

struct sched_watchdog {
	uint32_t id;	  /* 0: new watchdog; returns its id */
	uint32_t timeout; /* seconds; 0 stops watchdog id */
};
typedef struct sched_watchdog sched_watchdog_t;
DEFINE_XEN_GUEST_HANDLE(sched_watchdog_t);

struct sched_pin_override {
	int32_t pcpu; /* < 0: end the override */
};
typedef struct sched_pin_override sched_pin_override_t;
DEFINE_XEN_GUEST_HANDLE(sched_pin_override_t);

#define SHUTDOWN_poweroff   0 /* finished: destroy the domain */
#define SHUTDOWN_reboot	    1 /* destroy and start again */
#define SHUTDOWN_suspend    2 /* keep state for a later resume */
#define SHUTDOWN_crash	    3 /* the guest crashed */
#define SHUTDOWN_watchdog   4 /* a watchdog expired */
#define SHUTDOWN_soft_reset 5 /* reset, keeping the memory */
#define SHUTDOWN_MAX	    5 /* largest valid reason */

#endif
