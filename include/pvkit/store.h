/*
 * pvkit/store.h — the store (xenstore) wire codec.
 *
 * Every store message, on the dom0 socket and on a guest's ring page alike,
 * is a 16-byte header (struct xsd_sockmsg: type, req_id, tx_id, len)
 * followed by len payload bytes, len <= XENSTORE_PAYLOAD_MAX (4096).
 * Payloads are NUL-separated strings: READ "path\0", WRITE "path\0value"
 * (the value is raw bytes, not terminated), WATCH "path\0token\0", replies
 * to DIRECTORY "a\0b\0", errors "ENOENT\0".
 *
 * Building a message:
 *     struct pv_xs_builder b;
 *     pv_xs_build_begin(&b, buf, sizeof buf, XS_WRITE, req_id, tx_id);
 *     pv_xs_build_str(&b, "/local/domain/1/name");
 *     pv_xs_build_bytes(&b, "guest", 5);
 *     n = pv_xs_build_end(&b);   // total bytes, or the first error
 * Errors stick: after one, later calls do nothing and end reports it.
 *
 * Reading a message (its bytes may come from a hostile peer):
 *     pv_xs_parse_header(buf, avail, &hdr)  -> 0, -XEN_EAGAIN (need more),
 *         -XEN_E2BIG (len over the limit: drop the connection),
 *         -XEN_EINVAL (unknown type: hdr is filled, answer with an error);
 *     then walk the payload with a cursor: pv_xs_next_str() for each
 *     NUL-terminated string and pv_xs_rest() for a trailing raw value.
 *
 * Paths: pv_xs_path_check() applies the store's rules (characters
 * [A-Za-z0-9_@/-], no empty component, no trailing '/', length limits).
 *
 * Freestanding C11; nothing here allocates.
 */
#ifndef PVKIT_STORE_H
#define PVKIT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvkit/proto/xs_wire.h"

#define PV_XS_HDR_SIZE 16u
#define PV_XS_MSG_MAX (PV_XS_HDR_SIZE + XENSTORE_PAYLOAD_MAX)

struct pv_xs_builder {
	uint8_t *buf;
	size_t cap;
	size_t len; /* bytes written, header included */
	int err;    /* first error, or 0 */
};

void pv_xs_build_begin(struct pv_xs_builder *b, void *buf, size_t cap,
		       uint32_t type, uint32_t req_id, uint32_t tx_id);
/* Append a C string and its NUL. */
void pv_xs_build_str(struct pv_xs_builder *b, const char *s);
/* Append len raw bytes (no NUL). */
void pv_xs_build_bytes(struct pv_xs_builder *b, const void *p, size_t len);
/* Fill in the header's len.  Total message size, -XEN_E2BIG when the payload
 * exceeds XENSTORE_PAYLOAD_MAX, -XEN_ENOSPC when buf was too small. */
int pv_xs_build_end(struct pv_xs_builder *b);

/* Copy the header out of buf (avail bytes) into *hdr and check it. */
int pv_xs_parse_header(const void *buf, size_t avail, struct xsd_sockmsg *hdr);

struct pv_xs_cursor {
	const char *p;
	size_t left;
};

void pv_xs_cursor_init(struct pv_xs_cursor *c, const void *payload,
		       size_t len);
/* Next NUL-terminated string; *len excludes the NUL.  -XEN_ENOENT when the
 * payload is used up, -XEN_EINVAL when the rest has no NUL. */
int pv_xs_next_str(struct pv_xs_cursor *c, const char **s, size_t *len);
/* Whatever is left, as raw bytes (possibly none). */
void pv_xs_rest(struct pv_xs_cursor *c, const void **p, size_t *len);
/* Split a payload of NUL-terminated strings into out[] (at most max).
 * Returns the count, -XEN_EINVAL if the last one is unterminated, -XEN_E2BIG
 * if there are more than max. */
int pv_xs_split(const void *payload, size_t len, const char **out,
		unsigned int max);

#define PV_XS_PATH_SPECIAL 1u /* accept "@introduceDomain"/"@releaseDomain" */

/* 0 when path (len bytes, no NUL inside) is a valid absolute or relative
 * store path, else -XEN_EINVAL (bad form) or -XEN_ENAMETOOLONG. */
int pv_xs_path_check(const char *path, size_t len, unsigned int flags);

/* "READ", "WATCH_EVENT", ...; NULL for an unknown type. */
const char *pv_xs_type_name(uint32_t type);
/* The store's name for an error ("ENOENT"); errors it has no name for
 * travel as "EINVAL", as the protocol requires.  err may be + or -. */
const char *pv_xs_error_name(int err);
/* The negative errno for an error name in an XS_ERROR payload; unknown
 * names give -XEN_EINVAL. */
int pv_xs_error_parse(const char *name, size_t len);

#endif
