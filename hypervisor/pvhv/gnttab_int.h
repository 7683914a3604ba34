/*
 * gnttab_int.h — what gnttab.c (tables, pins, setup_table, query_size,
 * the dispatcher) and gnttab_map.c (dom0's handle tables, map, unmap,
 * copy) share.  Private to pvhv's grant-table code.
 */
#ifndef PVHV_GNTTAB_INT_H
#define PVHV_GNTTAB_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "pvhv.h"

#define HV_GNT_ENTRIES_PER_FRAME \
	((unsigned int)(HV_PAGE_SIZE / sizeof(struct grant_entry_v1)))

struct hv_gnt_pin {
	uint32_t readers; /* mappings of the entry */
	uint32_t writers; /* the writable ones among them */
};

struct hv_gnttab {
	struct domain *d;                /* NULL once the domain is gone */
	struct grant_entry_v1 *entries;  /* in guest memory; NULL: none */
	unsigned int nr_frames;          /* set up so far */
	unsigned int max_frames;
	unsigned int refs;               /* the domain's + one per mapping */
	struct hv_gnt_pin **pins;        /* per frame, made on first pin */
};

/* The live table of domid as the caller names it (DOMID_SELF too), for
 * mapping or copying: GNTST_bad_domain when there is none; *g is NULL for
 * dom0, which has no valid refs. */
int16_t hv_gnt_table_of(struct hv_call *c, domid_t domid,
			struct hv_gnttab **g);
void hv_gnt_table_get(struct hv_gnttab *g);
void hv_gnt_table_put(struct hv_gnttab *g);

/* Pin (g, ref) for dom0 and check the frame it names: GNTST_okay with
 * *frame, or an error with the entry's in-use bits as they were. */
int16_t hv_gnt_acquire(struct hv_gnttab *g, grant_ref_t ref, bool ro,
		       uint32_t *frame);
/* Undo one acquire. */
void hv_gnt_release(struct hv_gnttab *g, grant_ref_t ref, bool ro);

/* The dom0 batches (gnttab_map.c); count and range checked already. */
long hv_gnt_map_batch(struct hv_call *c, uint64_t uop, unsigned int count);
long hv_gnt_unmap_batch(struct hv_call *c, uint64_t uop, unsigned int count);
long hv_gnt_copy_batch(struct hv_call *c, uint64_t uop, unsigned int count);
/* A guest mapping dom0's grants (gnttab_dom0.c). */
long hv_d0gnt_map_batch(struct hv_call *c, uint64_t uop, unsigned int count);
long hv_d0gnt_unmap_batch(struct hv_call *c, uint64_t uop,
			  unsigned int count);

#endif
