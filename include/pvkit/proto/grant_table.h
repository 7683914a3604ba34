/*
 * pvkit/proto/grant_table.h — grant tables, version 1.
 *
 * A domain shares one of its pages with another domain by writing a grant
 * entry into its own grant table and handing the entry's index (a
 * grant_ref_t) to the peer, usually through the store.  The peer then asks
 * the hypervisor to map or copy the page by (granting domain, reference).
 *
 * Writing an entry (granting side):
 *   1. frame = the page's frame number, domid = the peer;
 *   2. a write barrier;
 *   3. flags = GTF_permit_access (| GTF_readonly).
 * The hypervisor sets GTF_reading / GTF_writing while the peer has the
 * page mapped.  To revoke, the granter atomically replaces flags with 0,
 * but only while neither GTF_reading nor GTF_writing is set
 * (compare-and-swap); otherwise the page is still in use.
 *
 * Entries 0..GNTTAB_NR_RESERVED_ENTRIES-1 are reserved for the toolstack
 * (console and store pages); allocate from GNTTAB_NR_RESERVED_ENTRIES up.
 *
 * The mapping side uses the GNTTABOP_* operations of the grant-table
 * hypercall with the argument structures below; each returns its result
 * in a `status` field holding a GNTST_* code.
 */
#ifndef PVKIT_PROTO_GRANT_TABLE_H
#define PVKIT_PROTO_GRANT_TABLE_H

#include <stdint.h>

#include "xen.h"

typedef uint32_t grant_ref_t;

/* One entry of a version-1 grant table (8 bytes). */
struct grant_entry_v1 {
	uint16_t flags; /* GTF_*; written last by the granter */
	domid_t domid;	/* the domain allowed to use this grant */
	uint32_t frame; /* the granted frame (or the frame to receive into) */
};
typedef struct grant_entry_v1 grant_entry_v1_t;

#define GNTTAB_NR_RESERVED_ENTRIES 8
#define GNTTAB_RESERVED_CONSOLE	   0
#define GNTTAB_RESERVED_XENSTORE   1

/* Entry type, in the low two bits of flags. */
#define GTF_invalid	    (0U << 0) /* nothing granted */
#define GTF_permit_access   (1U << 0) /* peer may map/copy frame */
#define GTF_accept_transfer (2U << 0) /* peer may transfer a page to us */
#define GTF_transitive	    (3U << 0) /* version 2 only */
#define GTF_type_mask	    (3U << 0)

/* Access-grant flags. */
#define _GTF_readonly (2)
#define GTF_readonly  (1U << _GTF_readonly) /* peer gets read access only */
#define _GTF_reading  (3)
#define GTF_reading   (1U << _GTF_reading) /* set by the hypervisor: mapped */
#define _GTF_writing  (4)
#define GTF_writing   (1U << _GTF_writing) /* set by the hypervisor: mapped rw \
					    */
#define _GTF_PWT      (5)
#define GTF_PWT	      (1U << _GTF_PWT) /* cache attributes for the mapping */
#define _GTF_PCD      (6)
#define GTF_PCD	      (1U << _GTF_PCD)
#define _GTF_PAT      (7)
#define GTF_PAT	      (1U << _GTF_PAT)
#define _GTF_sub_page (8)
#define GTF_sub_page  (1U << _GTF_sub_page) /* version 2 only */

/* Transfer flags (GTF_accept_transfer entries). */
#define _GTF_transfer_committed (2)
#define GTF_transfer_committed	(1U << _GTF_transfer_committed)
#define _GTF_transfer_completed (3)
#define GTF_transfer_completed	(1U << _GTF_transfer_completed)

/* Sub-operations of __HYPERVISOR_grant_table_op. */
#define GNTTABOP_map_grant_ref	   0
#define GNTTABOP_unmap_grant_ref   1
#define GNTTABOP_setup_table	   2
#define GNTTABOP_dump_table	   3
#define GNTTABOP_transfer	   4
#define GNTTABOP_copy		   5
#define GNTTABOP_query_size	   6
#define GNTTABOP_unmap_and_replace 7
#define GNTTABOP_set_version	   8
#define GNTTABOP_get_status_frames 9
#define GNTTABOP_get_version	   10
#define GNTTABOP_swap_grant_ref	   11
#define GNTTABOP_cache_flush	   12

/* Names a mapping made by GNTTABOP_map_grant_ref, for the unmap. */
typedef uint32_t grant_handle_t;

/* Map (dom, ref) at host_addr. */
struct gnttab_map_grant_ref {
	uint64_t host_addr;
	uint32_t flags; /* GNTMAP_* */
	grant_ref_t ref;
	domid_t dom;
	int16_t status;	       /* out: GNTST_* */
	grant_handle_t handle; /* out */
	uint64_t dev_bus_addr; /* out, with GNTMAP_device_map */
};
typedef struct gnttab_map_grant_ref gnttab_map_grant_ref_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_map_grant_ref_t);

/* Undo a mapping identified by handle. */
struct gnttab_unmap_grant_ref {
	uint64_t host_addr;
	uint64_t dev_bus_addr;
	grant_handle_t handle;
	int16_t status; /* out: GNTST_* */
};
typedef struct gnttab_unmap_grant_ref gnttab_unmap_grant_ref_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_unmap_grant_ref_t);

/* Grow dom's table to nr_frames frames and return their frame numbers. */
struct gnttab_setup_table {
	domid_t dom;
	uint32_t nr_frames;
	int16_t status;				/* out: GNTST_* */
	XEN_GUEST_HANDLE(xen_pfn_t) frame_list; /* out: nr_frames entries */
};
typedef struct gnttab_setup_table gnttab_setup_table_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_setup_table_t);

/* Print dom's table on the hypervisor console (debugging). */
struct gnttab_dump_table {
	domid_t dom;
	int16_t status; /* out: GNTST_* */
};
typedef struct gnttab_dump_table gnttab_dump_table_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_dump_table_t);

/* Give page mfn to domid, which accepted it in grant ref. */
struct gnttab_transfer {
	xen_pfn_t mfn;
	domid_t domid;
	grant_ref_t ref;
	int16_t status; /* out: GNTST_* */
};
typedef struct gnttab_transfer gnttab_transfer_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_transfer_t);

/* GNTTABOP_copy flags: which side is named by a grant reference. */
#define _GNTCOPY_source_gref (0)
#define GNTCOPY_source_gref  (1 << _GNTCOPY_source_gref)
#define _GNTCOPY_dest_gref   (1)
#define GNTCOPY_dest_gref    (1 << _GNTCOPY_dest_gref)

/* Copy len bytes between two pages, either named by grant or by frame;
 * the range may not cross a page boundary on either side. */
struct gnttab_copy {
	struct gnttab_copy_ptr {
		union {
			grant_ref_t ref; /* with GNTCOPY_*_gref */
			xen_pfn_t gmfn;	 /* otherwise: own frame */
		} u;
		domid_t domid;
		uint16_t offset;
	} source, dest;
	uint16_t len;
	uint16_t flags; /* GNTCOPY_* */
	int16_t status; /* out: GNTST_* */
};
typedef struct gnttab_copy gnttab_copy_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_copy_t);

/* Current and maximum size of dom's table, in frames. */
struct gnttab_query_size {
	domid_t dom;
	uint32_t nr_frames;	/* out */
	uint32_t max_nr_frames; /* out */
	int16_t status;		/* out: GNTST_* */
};
typedef struct gnttab_query_size gnttab_query_size_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_query_size_t);

/* Unmap handle at host_addr and move the mapping at new_addr there. */
struct gnttab_unmap_and_replace {
	uint64_t host_addr;
	uint64_t new_addr;
	grant_handle_t handle;
	int16_t status; /* out: GNTST_* */
};
typedef struct gnttab_unmap_and_replace gnttab_unmap_and_replace_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_unmap_and_replace_t);

/* Choose the table format (1 or 2); the old version is returned. */
struct gnttab_set_version {
	uint32_t version;
};
typedef struct gnttab_set_version gnttab_set_version_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_set_version_t);

/* Version 2: frames of the separate status array. */
struct gnttab_get_status_frames {
	uint32_t nr_frames;
	domid_t dom;
	int16_t status;			       /* out: GNTST_* */
	XEN_GUEST_HANDLE(uint64_t) frame_list; /* out */
};
typedef struct gnttab_get_status_frames gnttab_get_status_frames_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_get_status_frames_t);

/* Table format in use by dom. */
struct gnttab_get_version {
	domid_t dom;
	uint16_t pad;
	uint32_t version; /* out */
};
typedef struct gnttab_get_version gnttab_get_version_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_get_version_t);

/* Exchange two entries of the caller's own table. */
struct gnttab_swap_grant_ref {
	grant_ref_t ref_a;
	grant_ref_t ref_b;
	int16_t status; /* out: GNTST_* */
};
typedef struct gnttab_swap_grant_ref gnttab_swap_grant_ref_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_swap_grant_ref_t);

/* GNTTABOP_cache_flush operations (Arm: non-coherent devices). */
#define GNTTAB_CACHE_CLEAN	 (1u << 0)
#define GNTTAB_CACHE_INVAL	 (1u << 1)
#define GNTTAB_CACHE_SOURCE_GREF (1u << 31) /* a.ref names the page */

struct gnttab_cache_flush {
	union {
		uint64_t dev_bus_addr;
		grant_ref_t ref;
	} a;
	uint16_t offset; /* within the page */
	uint16_t length;
	uint32_t op; /* GNTTAB_CACHE_* */
};
typedef struct gnttab_cache_flush gnttab_cache_flush_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_cache_flush_t);

/* GNTTABOP_map_grant_ref flags. */
#define _GNTMAP_device_map	(0)
#define GNTMAP_device_map	(1 << _GNTMAP_device_map) /* for device DMA */
#define _GNTMAP_host_map	(1)
#define GNTMAP_host_map		(1 << _GNTMAP_host_map) /* for the CPU */
#define _GNTMAP_readonly	(2)
#define GNTMAP_readonly		(1 << _GNTMAP_readonly)
#define _GNTMAP_application_map (3)
#define GNTMAP_application_map	(1 << _GNTMAP_application_map) /* user too */
#define _GNTMAP_contains_pte	(4)
#define GNTMAP_contains_pte	(1 << _GNTMAP_contains_pte) /* host_addr = PTE */
/* Bits from here up are left to the guest's own use. */
#define _GNTMAP_guest_avail0	(16)
#define GNTMAP_guest_avail_mask ((uint32_t)~0 << _GNTMAP_guest_avail0)

/* Grant operation status codes. */
#define GNTST_okay		(0)
#define GNTST_general_error	(-1)
#define GNTST_bad_domain	(-2)
#define GNTST_bad_gntref	(-3)
#define GNTST_bad_handle	(-4)
#define GNTST_bad_virt_addr	(-5)
#define GNTST_bad_dev_addr	(-6)
#define GNTST_no_device_space	(-7)
#define GNTST_permission_denied (-8)
#define GNTST_bad_page		(-9)
#define GNTST_bad_copy_arg	(-10) /* copy crosses a page boundary */
#define GNTST_address_too_big	(-11)
#define GNTST_eagain		(-12)
#define GNTST_no_space		(-13)

#endif
