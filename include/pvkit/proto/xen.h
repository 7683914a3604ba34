/*
 * pvkit/proto/xen.h — the base vocabulary of the hypervisor interface.
 *
 * Everything else in include/pvkit/proto builds on this header.  It gives:
 *
 *   - the integer types that appear in every hypercall argument: domid_t
 *     (a domain's number), xen_pfn_t (a guest frame number) and xen_ulong_t
 *     (a "machine word" whose width is fixed per architecture so 32- and
 *     64-bit guests of one architecture agree on layouts);
 *   - the reserved domain ids (DOMID_SELF and friends);
 *   - the hypercall numbers (__HYPERVISOR_*) and virtual IRQ numbers (VIRQ_*);
 *   - guest handles: the way a hypercall argument points into guest memory.
 *     XEN_GUEST_HANDLE(type) names the handle type for TYPE;
 *     DEFINE_XEN_GUEST_HANDLE(type) declares it (handles for the common
 *     types are declared here); set_xen_guest_handle(h, ptr) fills one in.
 *     On x86 a handle is a pointer wrapped in a struct, so it has the width
 *     of a pointer; on Arm it is always 64 bits wide, so a 32-bit guest and
 *     a 64-bit hypervisor see the same layout;
 *   - the shared-info page: one page per domain that holds the per-vCPU
 *     event flags and time records, the 2-level event-channel bitmaps and
 *     the wall clock.  Its layout depends on the architecture; this header
 *     knows x86_64, i386, aarch64 and 32-bit Arm and refuses any other.
 *
 * Reading time: a vcpu_time_info or the wall-clock fields are consistent
 * only if their version counter is even and unchanged across the read, like
 * a sequence lock.
 *
 * The header is freestanding: it needs <stdint.h> only.
 */
#ifndef PVKIT_PROTO_XEN_H
#define PVKIT_PROTO_XEN_H

#include <stdint.h>

#if !defined(__x86_64__) && !defined(__i386__) && !defined(__aarch64__) &&     \
    !defined(__arm__)
#error "pvkit/proto/xen.h: unsupported architecture"
#endif

/* ------------------------------------------------------------------ */
/* Basic types                                                         */
/* ------------------------------------------------------------------ */

typedef uint16_t domid_t;

#if defined(__x86_64__) || defined(__i386__)
/* x86 keeps the native word: 32-bit guests use 32-bit frame numbers. */
typedef unsigned long xen_pfn_t;
typedef unsigned long xen_ulong_t;
/* vcpu_info slots present in the shared-info page. */
#define XEN_LEGACY_MAX_VCPUS 32
/* x86 vcpu_info carries a real per-vCPU upcall mask byte. */
#define XEN_HAVE_PV_UPCALL_MASK 1
#else
/* Arm fixes both at 64 bits so arm32 and arm64 guests share one ABI. */
typedef uint64_t xen_pfn_t;
typedef uint64_t xen_ulong_t;
#define XEN_LEGACY_MAX_VCPUS 1
#endif

/* ------------------------------------------------------------------ */
/* Guest handles                                                       */
/* ------------------------------------------------------------------ */

#if defined(__x86_64__) || defined(__i386__)
#define ___DEFINE_XEN_GUEST_HANDLE(name, type)                                 \
	typedef struct {                                                       \
		type *p;                                                       \
	} __guest_handle_##name
#define __XEN_GUEST_HANDLE(name) __guest_handle_##name
/* Hypercall parameters use the same handle as structure members. */
#define XEN_GUEST_HANDLE_PARAM(name)	   XEN_GUEST_HANDLE(name)
#define set_xen_guest_handle_raw(hnd, val) ((hnd).p = (val))
#else
/*
 * Two flavours: __guest_handle_64_<name> is the one embedded in
 * structures (always 8 bytes, 8-aligned); __guest_handle_<name> is
 * register-sized and used only for direct hypercall parameters.
 */
#define ___DEFINE_XEN_GUEST_HANDLE(name, type)                                 \
	typedef union {                                                        \
		type *p;                                                       \
		unsigned long q;                                               \
	} __guest_handle_##name;                                               \
	typedef union {                                                        \
		type *p;                                                       \
		uint64_t q;                                                    \
	} __guest_handle_64_##name
#define __XEN_GUEST_HANDLE(name)	   __guest_handle_64_##name
#define XEN_GUEST_HANDLE_PARAM(name)	   __guest_handle_##name
/* Clear all 64 bits first: on arm32 the pointer fills only the low half. */
#define set_xen_guest_handle_raw(hnd, val) ((hnd).q = 0, (hnd).p = (val))
#endif

/* Declare the handle for NAME (of type TYPE) and its const twin. */
#define __DEFINE_XEN_GUEST_HANDLE(name, type)                                  \
	___DEFINE_XEN_GUEST_HANDLE(name, type);                                \
	___DEFINE_XEN_GUEST_HANDLE(const_##name, const type)
#define DEFINE_XEN_GUEST_HANDLE(name)  __DEFINE_XEN_GUEST_HANDLE(name, name)
#define XEN_GUEST_HANDLE(name)	       __XEN_GUEST_HANDLE(name)
#define set_xen_guest_handle(hnd, val) set_xen_guest_handle_raw(hnd, val)

DEFINE_XEN_GUEST_HANDLE(char);
__DEFINE_XEN_GUEST_HANDLE(uchar, unsigned char);
DEFINE_XEN_GUEST_HANDLE(int);
__DEFINE_XEN_GUEST_HANDLE(uint, unsigned int);
DEFINE_XEN_GUEST_HANDLE(void);
DEFINE_XEN_GUEST_HANDLE(uint64_t);
DEFINE_XEN_GUEST_HANDLE(xen_pfn_t);
DEFINE_XEN_GUEST_HANDLE(xen_ulong_t);
__DEFINE_XEN_GUEST_HANDLE(uint8, uint8_t);
__DEFINE_XEN_GUEST_HANDLE(uint16, uint16_t);
__DEFINE_XEN_GUEST_HANDLE(uint32, uint32_t);
__DEFINE_XEN_GUEST_HANDLE(uint64, uint64_t);

/* ------------------------------------------------------------------ */
/* Hypercall numbers                                                   */
/* ------------------------------------------------------------------ */

/* Numbers marked "legacy" are kept only so old guests can be decoded. */
#define __HYPERVISOR_set_trap_table    0
#define __HYPERVISOR_mmu_update	       1
#define __HYPERVISOR_set_gdt	       2
#define __HYPERVISOR_stack_switch      3
#define __HYPERVISOR_set_callbacks     4
#define __HYPERVISOR_fpu_taskswitch    5
#define __HYPERVISOR_sched_op_compat   6 /* legacy */
#define __HYPERVISOR_platform_op       7
#define __HYPERVISOR_set_debugreg      8
#define __HYPERVISOR_get_debugreg      9
#define __HYPERVISOR_update_descriptor 10
/* 11 is unused */
#define __HYPERVISOR_memory_op			   12
#define __HYPERVISOR_multicall			   13
#define __HYPERVISOR_update_va_mapping		   14
#define __HYPERVISOR_set_timer_op		   15
#define __HYPERVISOR_event_channel_op_compat	   16 /* legacy */
#define __HYPERVISOR_xen_version		   17
#define __HYPERVISOR_console_io			   18
#define __HYPERVISOR_physdev_op_compat		   19 /* legacy */
#define __HYPERVISOR_grant_table_op		   20
#define __HYPERVISOR_vm_assist			   21
#define __HYPERVISOR_update_va_mapping_otherdomain 22
#define __HYPERVISOR_iret			   23 /* x86 */
#define __HYPERVISOR_vcpu_op			   24
#define __HYPERVISOR_set_segment_base		   25 /* x86_64 */
#define __HYPERVISOR_mmuext_op			   26
#define __HYPERVISOR_xsm_op			   27
#define __HYPERVISOR_nmi_op			   28
#define __HYPERVISOR_sched_op			   29
#define __HYPERVISOR_callback_op		   30
#define __HYPERVISOR_xenoprof_op		   31
#define __HYPERVISOR_event_channel_op		   32
#define __HYPERVISOR_physdev_op			   33
#define __HYPERVISOR_hvm_op			   34
#define __HYPERVISOR_sysctl			   35
#define __HYPERVISOR_domctl			   36
#define __HYPERVISOR_kexec_op			   37
#define __HYPERVISOR_tmem_op			   38
#define __HYPERVISOR_argo_op			   39
#define __HYPERVISOR_xenpmu_op			   40
#define __HYPERVISOR_dm_op			   41
#define __HYPERVISOR_hypfs_op			   42

/* Eight numbers each architecture may use for its own calls. */
#define __HYPERVISOR_arch_0 48
#define __HYPERVISOR_arch_1 49
#define __HYPERVISOR_arch_2 50
#define __HYPERVISOR_arch_3 51
#define __HYPERVISOR_arch_4 52
#define __HYPERVISOR_arch_5 53
#define __HYPERVISOR_arch_6 54
#define __HYPERVISOR_arch_7 55

/* ------------------------------------------------------------------ */
/* Virtual interrupts (bound with EVTCHNOP_bind_virq)                  */
/* ------------------------------------------------------------------ */

#define VIRQ_TIMER	0  /* per vCPU: timer fired or time changed */
#define VIRQ_DEBUG	1  /* per vCPU: print debugging state */
#define VIRQ_CONSOLE	2  /* dom0: input on the hypervisor console */
#define VIRQ_DOM_EXC	3  /* dom0: some domain needs attention */
#define VIRQ_TBUF	4  /* dom0: trace records ready */
#define VIRQ_DEBUGGER	6  /* dom0: a domain paused for its debugger */
#define VIRQ_XENOPROF	7  /* per vCPU: profiling sample ready */
#define VIRQ_CON_RING	8  /* dom0: console ring has data */
#define VIRQ_PCPU_STATE 9  /* dom0: a physical CPU changed state */
#define VIRQ_MEM_EVENT	10 /* dom0: memory event */
#define VIRQ_ARGO	11 /* Argo message arrived */
#define VIRQ_ENOMEM	12 /* dom0: hypervisor heap is low */
#define VIRQ_XENPMU	13 /* per vCPU: performance counter interrupt */
#define VIRQ_ARCH_0	16
#define VIRQ_ARCH_1	17
#define VIRQ_ARCH_2	18
#define VIRQ_ARCH_3	19
#define VIRQ_ARCH_4	20
#define VIRQ_ARCH_5	21
#define VIRQ_ARCH_6	22
#define VIRQ_ARCH_7	23
#define NR_VIRQS	24

/* ------------------------------------------------------------------ */
/* Domain ids                                                          */
/* ------------------------------------------------------------------ */

/* Ids from here up are never given to a real domain. */
#define DOMID_FIRST_RESERVED 0x7FF0U
#define DOMID_SELF	     0x7FF0U /* "the calling domain" */
#define DOMID_IO	     0x7FF1U /* owner of I/O memory */
#define DOMID_XEN	     0x7FF2U /* the hypervisor's own pages */
#define DOMID_COW	     0x7FF3U /* shared copy-on-write pages */
#define DOMID_INVALID	     0x7FF4U /* owner unknown */
#define DOMID_IDLE	     0x7FFFU /* the idle domain */
#define DOMID_MASK	     0x7FFFU /* bits that hold a domain id */

/* ------------------------------------------------------------------ */
/* Shared-info page                                                    */
/* ------------------------------------------------------------------ */

/*
 * Per-vCPU time record.  The current system time in nanoseconds is
 *   system_time + (((tsc - tsc_timestamp) << tsc_shift) * tsc_to_system_mul >>
 * 32) (a negative tsc_shift means a right shift).
 */
struct vcpu_time_info {
	uint32_t version; /* odd while an update is in progress */
	uint32_t pad0;
	uint64_t tsc_timestamp;	    /* TSC when the record was written */
	uint64_t system_time;	    /* ns since the domain booted */
	uint32_t tsc_to_system_mul; /* 32.32 fixed-point TSC→ns factor */
	int8_t tsc_shift;
	uint8_t flags; /* XEN_PVCLOCK_* */
	uint8_t pad1[2];
};
typedef struct vcpu_time_info vcpu_time_info_t;

#define XEN_PVCLOCK_TSC_STABLE_BIT (1 << 0) /* TSC is synchronised */
#define XEN_PVCLOCK_GUEST_STOPPED  (1 << 1) /* guest was paused */

#if defined(__x86_64__)
struct arch_vcpu_info {
	unsigned long cr2; /* faulting address of the last page fault */
	unsigned long pad; /* makes vcpu_info 64 bytes */
};
#elif defined(__i386__)
struct arch_vcpu_info {
	unsigned long cr2;
	unsigned long pad[5]; /* makes vcpu_info 64 bytes */
};
#elif defined(__GNUC__)
/* Arm has no per-vCPU architectural state here: the structure is empty
 * (size 0), which standard C cannot spell; gcc and clang can. */
struct arch_vcpu_info {
};
#else
#error "pvkit/proto/xen.h: an empty struct needs gcc or clang on Arm"
#endif
typedef struct arch_vcpu_info arch_vcpu_info_t;

struct vcpu_info {
	/* Set by the hypervisor when an event is pending for this vCPU;
	 * the guest clears it before scanning the selector. */
	uint8_t evtchn_upcall_pending;
#ifdef XEN_HAVE_PV_UPCALL_MASK
	uint8_t evtchn_upcall_mask; /* non-zero: no upcalls (PV x86) */
#else
	uint8_t pad0;
#endif
	/* Bit i set: word i of evtchn_pending may have bits set. */
	xen_ulong_t evtchn_pending_sel;
	struct arch_vcpu_info arch;
	vcpu_time_info_t time;
};
typedef struct vcpu_info vcpu_info_t;

#if defined(__x86_64__) || defined(__i386__)
struct arch_shared_info {
	unsigned long max_pfn; /* entries in the p2m table */
	xen_pfn_t pfn_to_mfn_frame_list_list;
	unsigned long nmi_reason;
	unsigned long p2m_cr3;	      /* address space of the linear p2m */
	unsigned long p2m_vaddr;      /* where the linear p2m is mapped */
	unsigned long p2m_generation; /* odd while the p2m is changing */
#ifdef __i386__
	uint32_t wc_sec_hi; /* high half of the wall-clock seconds */
#endif
};
#elif defined(__GNUC__)
struct arch_shared_info {
};
#endif
typedef struct arch_shared_info arch_shared_info_t;

/*
 * One page per domain.  evtchn_pending and evtchn_mask are the 2-level
 * event-channel bitmaps: port p is bit (p % bits-per-word) of word
 * (p / bits-per-word).  The wall clock (wc_*) gives the time of system
 * time zero as seconds and nanoseconds since the Unix epoch, guarded by
 * wc_version like vcpu_time_info.
 */
struct shared_info {
	struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
	xen_ulong_t evtchn_pending[sizeof(xen_ulong_t) * 8];
	xen_ulong_t evtchn_mask[sizeof(xen_ulong_t) * 8];
	uint32_t wc_version;
	uint32_t wc_sec;
	uint32_t wc_nsec;
#if !defined(__i386__)
	uint32_t wc_sec_hi;
#endif
	struct arch_shared_info arch;
};
typedef struct shared_info shared_info_t;

/* Names the high half of the wall-clock seconds on every architecture
 * (i386 had no room for it in the common part). */
#if defined(__i386__)
#define xen_wc_sec_hi arch.wc_sec_hi
#else
#define xen_wc_sec_hi wc_sec_hi
#endif

/* ------------------------------------------------------------------ */
/* Start-of-day information (x86 PV guests)                            */
/* ------------------------------------------------------------------ */

#if defined(__x86_64__) || defined(__i386__)
/*
 * The page a PV guest finds at boot: how much memory it has, where its
 * shared-info page, store ring and console ring are, and its command line.
 * pvhv's process guests find it at frame 0 of their memory; pvhv also uses
 * first_p2m_pfn / nr_p2m_frames to announce the range of free frames (a
 * process guest has no P2M table, so these fields are otherwise unused).
 */
#define MAX_GUEST_CMDLINE 1024
struct start_info {
	char magic[32];		/* "xen-<version>-<platform>" */
	unsigned long nr_pages; /* frames of guest memory */
	unsigned long shared_info; /* address of the shared-info page */
	uint32_t flags;		   /* SIF_* */
	xen_pfn_t store_mfn;	   /* frame of the store ring */
	uint32_t store_evtchn;
	union {
		struct {
			xen_pfn_t mfn; /* frame of the console ring */
			uint32_t evtchn;
		} domU;
		struct {
			uint32_t info_off;
			uint32_t info_size;
		} dom0;
	} console;
	unsigned long pt_base;
	unsigned long nr_pt_frames;
	unsigned long mfn_list;
	unsigned long mod_start;
	unsigned long mod_len;
	int8_t cmd_line[MAX_GUEST_CMDLINE];
	unsigned long first_p2m_pfn;
	unsigned long nr_p2m_frames;
};
typedef struct start_info start_info_t;

#define SIF_PRIVILEGED (1 << 0)
#define SIF_INITDOMAIN (1 << 1)
#define SIF_MULTIBOOT_MOD (1 << 2)
#define SIF_MOD_START_PFN (1 << 3)
#define SIF_VIRT_P2M_4TOOLS (1 << 4)
#define SIF_PM_MASK (0xFF << 8)
#endif

#endif
