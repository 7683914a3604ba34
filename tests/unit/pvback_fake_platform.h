/*
 * tests/unit/pvback_fake_platform.h — a platform for libpvback
 * (struct pvback_platform_ops) that lives in the test process, so the
 * framework's state machine can be driven without pvhv.
 *
 *   store    nodes in memory; writes create missing parents; rm takes the
 *            subtree; watches fire for changes at, below and above their
 *            path, queued and delivered from process() (an eventfd tells
 *            the loop), one right after each watch is set, never after
 *            unwatch
 *   grants   one guest memory per domain (a memfd); fpf_grant() grants a
 *            page; a map places the granted pages at contiguous addresses
 *            as a hypervisor would, so a test sees the backend's writes;
 *            dom0's own pages (grant_alloc) are ordinary memory with
 *            references from 0x100000 up
 *   events   fpf_port_alloc() makes a guest port for dom0; bind gives the
 *            backend an eventfd; fpf_raise() fires it; notify counts
 *
 * Counters (mapped pages, bound ports, store writes) prove what leaked.
 */
#ifndef PVBACK_FAKE_PLATFORM_H
#define PVBACK_FAKE_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvkit/back.h"

/* Guest memory per domain, in pages: room for a 3840x2160 XRGB8888
 * buffer (8100 pages) and its directory, twice, with rings. */
#define FPF_PAGES 16512u
#define FPF_DOMS  8u
#define FPF_PORTS 64u

extern const struct pvback_platform_ops fpf_ops;

/* The fake's state; the platform argument of pvback_new() is one of these
 * (open() hands it out as ctx; close() only marks it closed). */
struct fpf;

struct fpf *fpf_new(void);
void fpf_free(struct fpf *f);

/* ---- store ---- */
/* printf-style path; value a string.  Fires watches. */
void fpf_write(struct fpf *f, const char *value, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void fpf_rm(struct fpf *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The value, or NULL (the pointer is valid until the node changes). */
const char *fpf_read(struct fpf *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Watches set now (the framework's). */
unsigned int fpf_watches(struct fpf *f);
/* Every value written to path by the platform's user, oldest first,
 * joined with ',' ("2,4"); fpf_clear_log() forgets them. */
const char *fpf_log(struct fpf *f, const char *path);
void fpf_clear_log(struct fpf *f);
/* The next n transaction ends answer -EAGAIN. */
void fpf_tx_conflicts(struct fpf *f, unsigned int n);
/* process() fails with err from now on (0: heal). */
void fpf_break(struct fpf *f, int err);

/* A toolstack's device: backend /local/domain/0/backend/DIR/DOM/ID and
 * frontend /local/domain/DOM/device/TYPE/ID, both state 1, online 1. */
void fpf_add_device(struct fpf *f, const char *dir, const char *type,
		    domid_t dom, unsigned int id);

/* ---- grants ---- */
/* Page pfn of dom's memory (created on first use). */
uint8_t *fpf_page(struct fpf *f, domid_t dom, unsigned int pfn);
/* Grant page pfn to dom0; returns the reference (never 0). */
grant_ref_t fpf_grant(struct fpf *f, domid_t dom, unsigned int pfn,
		      bool readonly);
void fpf_revoke(struct fpf *f, domid_t dom, grant_ref_t ref);
/* Pages mapped now, over all domains. */
unsigned int fpf_mapped(struct fpf *f);
/* dom0's own grants (grant_alloc): pages granted now, over all domains;
 * the page ref grants to dom (what the guest would map; *readonly says
 * how), or NULL; grant_alloc answers err from now on (0: heal). */
unsigned int fpf_owned(struct fpf *f);
uint8_t *fpf_own_page(struct fpf *f, domid_t dom, grant_ref_t ref,
		      bool *readonly);
void fpf_grant_alloc_fail(struct fpf *f, int err);

/* ---- event channels ---- */
evtchn_port_t fpf_port_alloc(struct fpf *f, domid_t dom);
/* The guest raises its port: the bound backend end fires.  0, or -ENOTCONN
 * when nothing is bound to it. */
int fpf_raise(struct fpf *f, domid_t dom, evtchn_port_t port);
/* Times the backend notified dom's port. */
unsigned int fpf_notified(struct fpf *f, domid_t dom, evtchn_port_t port);
/* Ports bound now. */
unsigned int fpf_bound(struct fpf *f);

#endif
