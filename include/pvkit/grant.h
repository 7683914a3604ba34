/*
 * pvkit/grant.h — grant-table entries (v1), both ends.
 *
 * A guest shares a page by filling an entry of its grant table: the frame,
 * the domain allowed to use it, then the flags (GTF_permit_access, plus
 * GTF_readonly for a read-only grant).  The flags go last, behind a release
 * barrier, because the moment they are set the peer may map the frame.
 * While the peer has the frame mapped, the hypervisor keeps GTF_reading
 * (and GTF_writing for a writable mapping) set in the same entry; the guest
 * must not reuse the entry or the frame until both are clear.
 *
 * Guest side:
 *     pv_grant_access(&table[ref], backend_domid, gfn, readonly);
 *     ... later ...
 *     if (pv_grant_end_access(&table[ref]) == -XEN_EBUSY) retry later;
 *
 * Hypervisor side (mapping on behalf of another domain):
 *     st = pv_grant_pin(&table[ref], mapper_domid, readonly, &frame);
 *     ... map frame ...; pv_grant_unpin(&table[ref], GTF_reading|GTF_writing);
 * pv_grant_pin checks flags and domid and sets GTF_reading / GTF_writing in
 * one compare-and-swap over the flags and domid together, so a guest that
 * rewrites the entry at the same moment either loses the race or makes the
 * pin fail; it can never obtain a writable pin of a read-only grant.
 *
 * Freestanding C11.  Guest functions return 0 or a negative Xen errno;
 * pv_grant_pin returns a GNTST_* status as the map hypercall reports it.
 */
#ifndef PVKIT_GRANT_H
#define PVKIT_GRANT_H

#include <stdbool.h>
#include <stdint.h>

#include "pvkit/proto/grant_table.h"
#include "pvkit/proto/xen.h"

/* Make frame available to domid.  -XEN_EBUSY when the entry is still in
 * use (flags not clear): end the old grant first. */
int pv_grant_access(struct grant_entry_v1 *e, domid_t domid, uint32_t frame,
		    bool readonly);

/* Revoke a grant.  -XEN_EBUSY while the peer still has it mapped; the entry
 * is unchanged then and the call may be repeated. */
int pv_grant_end_access(struct grant_entry_v1 *e);

/* True while the peer has the frame mapped or is copying it. */
bool pv_grant_in_use(const struct grant_entry_v1 *e);

/* Hypervisor: pin the entry for mapper.  On GNTST_okay *frame holds the
 * granted frame, read once after the pin took hold. */
int16_t pv_grant_pin(struct grant_entry_v1 *e, domid_t mapper, bool readonly,
		     uint32_t *frame);

/* Hypervisor: clear GTF_reading and/or GTF_writing (bits) once the last
 * mapping of that kind is gone. */
void pv_grant_unpin(struct grant_entry_v1 *e, uint16_t bits);

#endif
