/*
 * pvkit/proto/hvm_params.h — HVM parameters.
 *
 * A guest running in a hardware container (HVM or PVH on x86, any guest on
 * Arm) has no start-of-day information page; it learns where its store
 * and console pages and event channels are by reading numbered
 * parameters:
 *
 *   struct xen_hvm_param p = { .domid = DOMID_SELF,
 *                              .index = HVM_PARAM_STORE_PFN };
 *   __HYPERVISOR_hvm_op(HVMOP_get_param, &p);   → p.value
 *
 * HVMOP_set_param writes one (mostly the toolstack does that before the
 * guest starts).  A guest sets HVM_PARAM_CALLBACK_IRQ itself to choose how
 * event upcalls reach it: the top byte of the value is an
 * HVM_PARAM_CALLBACK_TYPE_*, the rest its argument (a GSI, a PCI INTx, an
 * x86 vector, or an Arm PPI).
 *
 * Indices below HVM_NR_PARAMS are valid; unlisted ones are retired.
 */
#ifndef PVKIT_PROTO_HVM_PARAMS_H
#define PVKIT_PROTO_HVM_PARAMS_H

#include <stdint.h>

#include "xen.h"

/* Sub-operations of __HYPERVISOR_hvm_op used here. */
#define HVMOP_set_param 0
#define HVMOP_get_param 1

struct xen_hvm_param {
	domid_t domid; /* DOMID_SELF or a domain the caller controls */
	uint16_t pad;
	uint32_t index; /* HVM_PARAM_* */
	uint64_t value; /* in for set, out for get */
};
typedef struct xen_hvm_param xen_hvm_param_t;
DEFINE_XEN_GUEST_HANDLE(xen_hvm_param_t);

/* How events are delivered: type in bits 63..56, argument below. */
#define HVM_PARAM_CALLBACK_IRQ		 0
#define HVM_PARAM_CALLBACK_IRQ_TYPE_MASK 0xFF00000000000000ULL
#define HVM_PARAM_CALLBACK_TYPE_GSI	 0 /* argument: GSI number */
#define HVM_PARAM_CALLBACK_TYPE_PCI_INTX 1 /* argument: PCI dev/INTx */
#if defined(__i386__) || defined(__x86_64__)
#define HVM_PARAM_CALLBACK_TYPE_VECTOR 2 /* argument: IDT vector */
#else
#define HVM_PARAM_CALLBACK_TYPE_PPI		   2 /* argument: PPI number + flags */
#define HVM_PARAM_CALLBACK_TYPE_PPI_FLAG_MASK	   0xFF00
#define HVM_PARAM_CALLBACK_TYPE_PPI_FLAG_LOW_LEVEL 2
#endif

/* The store page and its event channel. */
#define HVM_PARAM_STORE_PFN    1
#define HVM_PARAM_STORE_EVTCHN 2

/* Device-model request pages. */
#define HVM_PARAM_IOREQ_PFN    5
#define HVM_PARAM_BUFIOREQ_PFN 6

#if defined(__i386__) || defined(__x86_64__)
/* Hyper-V enlightenments offered to the guest (bitmap). */
#define HVM_PARAM_VIRIDIAN 9
#endif

/* Timer behaviour when ticks were missed. */
#define HVM_PARAM_TIMER_MODE		 10
#define HVMPTM_delay_for_missed_ticks	 0
#define HVMPTM_no_delay_for_missed_ticks 1
#define HVMPTM_no_missed_ticks_pending	 2
#define HVMPTM_one_missed_tick_pending	 3

#define HVM_PARAM_HPET_ENABLED 11 /* x86: virtual HPET present */
#define HVM_PARAM_IDENT_PT     12 /* x86: identity page table for EPT */
#define HVM_PARAM_ACPI_S_STATE 14 /* current ACPI sleep state */
#define HVM_PARAM_VM86_TSS     15 /* x86: TSS for real mode */
#define HVM_PARAM_VPT_ALIGN    16 /* align periodic timers */

/* The PV console page and its event channel. */
#define HVM_PARAM_CONSOLE_PFN	 17
#define HVM_PARAM_CONSOLE_EVTCHN 18

#define HVM_PARAM_ACPI_IOPORTS_LOCATION 19

/* Rings of the memory paging, monitoring and sharing helpers. */
#define HVM_PARAM_PAGING_RING_PFN  27
#define HVM_PARAM_MONITOR_RING_PFN 28
#define HVM_PARAM_SHARING_RING_PFN 29

/* SHUTDOWN_* reason used when the guest triple-faults. */
#define HVM_PARAM_TRIPLE_FAULT_REASON 31

#define HVM_PARAM_IOREQ_SERVER_PFN	32
#define HVM_PARAM_NR_IOREQ_SERVER_PAGES 33
#define HVM_PARAM_VM_GENERATION_ID_ADDR 34

/* Alternate p2m mode. */
#define HVM_PARAM_ALTP2M    35
#define XEN_ALTP2M_disabled 0
#define XEN_ALTP2M_mixed    1
#define XEN_ALTP2M_external 2
#define XEN_ALTP2M_limited  3

#define HVM_PARAM_X87_FIP_WIDTH	 36
#define HVM_PARAM_VM86_TSS_SIZED 37

/* Machine-check capabilities offered to the guest. */
#define HVM_PARAM_MCA_CAP    38
#define XEN_HVM_MCA_CAP_LMCE (1ULL << 0)
#define XEN_HVM_MCA_CAP_MASK XEN_HVM_MCA_CAP_LMCE

#define HVM_NR_PARAMS 39

#endif
