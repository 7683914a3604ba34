/*
 * libFuzzer target: the store wire codec fed a hostile peer's bytes.
 *
 * The input is read as a stream of store messages, exactly as a store
 * server reads its socket: header, then payload, then the next header.
 * Each payload is walked with a cursor and split, every string goes
 * through the path, error-name and xenbus-state parsers, and the message
 * is rebuilt with the builder, which must give back the same bytes.
 * Anything that disagrees aborts, and ASan/UBSan watch every access.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pvkit/proto/errno.h"
#include "pvkit/store.h"
#include "pvkit/xenbus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_STRS 64

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: check failed: %s\n",       \
				__FILE__, __LINE__, #cond);                \
			abort();                                           \
		}                                                          \
	} while (0)

/* The path rules, written out independently of the library. */
static int path_oracle(const char *p, size_t len, unsigned int flags)
{
	size_t i;

	if (len == 0)
		return -XEN_EINVAL;
	if (p[0] == '@') {
		bool intro = len == 16 && memcmp(p, "@introduceDomain", 16) == 0;
		bool rel = len == 14 && memcmp(p, "@releaseDomain", 14) == 0;

		return (flags & PV_XS_PATH_SPECIAL) && (intro || rel)
			       ? 0
			       : -XEN_EINVAL;
	}
	if (len > (p[0] == '/' ? 3072u : 2048u))
		return -XEN_ENAMETOOLONG;
	for (i = 0; i < len; i++) {
		char c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '/' ||
		      c == '_' || c == '@'))
			return -XEN_EINVAL;
		if (c == '/' && i + 1 < len && p[i + 1] == '/')
			return -XEN_EINVAL;
	}
	return (len > 1 && p[len - 1] == '/') ? -XEN_EINVAL : 0;
}

/* One string of a payload (s[len] is its NUL). */
static void check_string(const char *s, size_t len)
{
	enum xenbus_state st = XenbusStateUnknown;
	bool digit = len == 1 && s[0] >= '0' && s[0] <= '8';
	int rc;

	CHECK(s[len] == '\0' && memchr(s, '\0', len) == NULL);
	CHECK(pv_xs_path_check(s, len, 0) == path_oracle(s, len, 0));
	CHECK(pv_xs_path_check(s, len, PV_XS_PATH_SPECIAL) ==
	      path_oracle(s, len, PV_XS_PATH_SPECIAL));

	rc = pv_xs_error_parse(s, len);
	CHECK(rc == pv_xs_error_parse(s, len + 1));
	CHECK(rc < 0);
	if (rc != -XEN_EINVAL)
		CHECK(strcmp(pv_xs_error_name(rc), s) == 0);

	rc = pv_xenbus_state_parse(s, len + 1, &st);
	CHECK(rc == pv_xenbus_state_parse(s, len, &st));
	CHECK(rc == (digit ? 0 : -XEN_EINVAL));
	if (rc == 0) {
		char buf[2];

		CHECK(pv_xenbus_state_format(st, buf, sizeof buf) == 1);
		CHECK(buf[0] == s[0] && buf[1] == '\0');
	}
}

/* Rebuild a message from what the cursor found; it must be byte-equal. */
static void rebuild(const struct xsd_sockmsg *h, const uint8_t *payload,
		    size_t plen, const char *const *strs, size_t nstr,
		    const void *rest, size_t rlen)
{
	uint8_t *buf = malloc(PV_XS_MSG_MAX);
	struct pv_xs_builder b;
	struct xsd_sockmsg h2;
	size_t i;

	CHECK(buf != NULL);
	pv_xs_build_begin(&b, buf, PV_XS_MSG_MAX, h->type, h->req_id,
			  h->tx_id);
	for (i = 0; i < nstr; i++)
		pv_xs_build_str(&b, strs[i]);
	pv_xs_build_bytes(&b, rest, rlen);
	CHECK(pv_xs_build_end(&b) == (int)(PV_XS_HDR_SIZE + plen));
	CHECK(pv_xs_parse_header(buf, PV_XS_HDR_SIZE + plen, &h2) ==
	      (pv_xs_type_name(h->type) ? 0 : -XEN_EINVAL));
	CHECK(h2.type == h->type && h2.req_id == h->req_id &&
	      h2.tx_id == h->tx_id && h2.len == plen);
	CHECK(plen == 0 || memcmp(buf + PV_XS_HDR_SIZE, payload, plen) == 0);

	/* One byte short of room: the builder must say so. */
	if (plen > 0) {
		pv_xs_build_begin(&b, buf, PV_XS_HDR_SIZE + plen - 1, h->type,
				  h->req_id, h->tx_id);
		for (i = 0; i < nstr; i++)
			pv_xs_build_str(&b, strs[i]);
		pv_xs_build_bytes(&b, rest, rlen);
		CHECK(pv_xs_build_end(&b) == -XEN_ENOSPC);
	}
	free(buf);
}

/* Walk a payload with a cursor, split it, check every string, rebuild. */
static void check_payload(const struct xsd_sockmsg *h, const uint8_t *in,
			  size_t plen)
{
	/* An exactly sized copy: any read past the payload is an ASan
	 * report, even in the middle of the input. */
	char *p = malloc(plen ? plen : 1);
	const char *strs[MAX_STRS], *out[MAX_STRS], *s;
	struct pv_xs_cursor c;
	size_t n = 0, total = 0, len, rlen;
	const void *rest;
	int rc, k;

	CHECK(p != NULL);
	if (plen)
		memcpy(p, in, plen);
	pv_xs_cursor_init(&c, p, plen);
	while ((rc = pv_xs_next_str(&c, &s, &len)) == 0) {
		CHECK(s >= p && s + len < p + plen);
		check_string(s, len);
		if (n < MAX_STRS)
			strs[n] = s;
		n++;
		total += len + 1;
	}
	CHECK(rc == -XEN_ENOENT || rc == -XEN_EINVAL);
	pv_xs_rest(&c, &rest, &rlen);
	CHECK(total + rlen == plen);
	if (rc == -XEN_ENOENT)
		CHECK(rlen == 0);
	else
		CHECK(rlen > 0 && memchr(rest, '\0', rlen) == NULL);

	k = pv_xs_split(p, plen, out, MAX_STRS);
	if (n > MAX_STRS)
		CHECK(k == -XEN_E2BIG);
	else if (rc == -XEN_EINVAL)
		CHECK(k == -XEN_EINVAL);
	else
		CHECK(k == (int)n && memcmp(out, strs, n * sizeof(*out)) == 0);

	if (n <= MAX_STRS)
		rebuild(h, (const uint8_t *)p, plen, strs, n, rest, rlen);
	free(p);
}

/* The whole input as one unterminated value: path, state, error name. */
static void check_raw(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	enum xenbus_state st;
	const char *name;
	int e, rc;

	rc = pv_xs_path_check(s, size, PV_XS_PATH_SPECIAL);
	CHECK(rc == (size ? path_oracle(s, size, PV_XS_PATH_SPECIAL)
			  : -XEN_EINVAL));
	rc = pv_xenbus_state_parse(s, size, &st);
	CHECK(rc == 0 || rc == -XEN_EINVAL);
	rc = pv_xs_error_parse(s, size);
	CHECK(rc < 0);
	if (size >= sizeof(e)) {
		memcpy(&e, data, sizeof(e));
		name = pv_xs_error_name(e);
		CHECK(name != NULL);
		rc = pv_xs_error_parse(name, strlen(name));
		CHECK(strcmp(pv_xs_error_name(rc), name) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	check_raw(data, size);
	/* A connection's worth of messages. */
	for (;;) {
		struct xsd_sockmsg h;
		size_t avail;
		int rc = pv_xs_parse_header(data + off, size - off, &h);

		if (rc == -XEN_EAGAIN) {
			CHECK(size - off < PV_XS_HDR_SIZE);
			break;
		}
		if (rc == -XEN_E2BIG) {
			CHECK(h.len > XENSTORE_PAYLOAD_MAX);
			break; /* a server drops the connection */
		}
		CHECK(rc == 0 || rc == -XEN_EINVAL);
		CHECK(h.len <= XENSTORE_PAYLOAD_MAX);
		CHECK((rc == 0) == (pv_xs_type_name(h.type) != NULL));
		avail = size - off - PV_XS_HDR_SIZE;
		if (avail < h.len) {
			/* Truncated: what arrived is still walked. */
			check_payload(&h, data + off + PV_XS_HDR_SIZE, avail);
			break;
		}
		check_payload(&h, data + off + PV_XS_HDR_SIZE, h.len);
		off += PV_XS_HDR_SIZE + h.len;
	}
	return 0;
}
