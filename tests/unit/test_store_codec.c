/*
 * Unit tests for the store wire codec (pvkit/store.h, ring/xs_codec.c):
 * the builder, header parsing, payload cursors, path rules, and type and
 * error names.  Parsed bytes are treated as a hostile peer's: payloads are
 * placed in exactly sized heap blocks so a sanitizer build catches any
 * read past them.
 */
#include "unit.h"

#include <limits.h>
#include <stdlib.h>

#include "pvkit/proto/errno.h"
#include "pvkit/store.h"

/* A heap copy of exactly n bytes (n may be 0). */
static char *exact(const void *p, size_t n)
{
	char *c = malloc(n ? n : 1);

	assert_non_null(c);
	if (n)
		memcpy(c, p, n);
	return c;
}

static struct xsd_sockmsg hdr_of(const uint8_t *buf)
{
	struct xsd_sockmsg h;

	memcpy(&h, buf, sizeof(h));
	return h;
}

/* A path of len bytes: "/aaa/aaa/..." (absolute) or "aaa/aaa..." */
static char *make_path(size_t len, bool absolute)
{
	char *p = malloc(len + 1);

	assert_non_null(p);
	for (size_t i = 0; i < len; i++)
		p[i] = (i % 4 == (absolute ? 0 : 3)) ? '/' : 'a';
	if (len > 0 && p[len - 1] == '/')
		p[len - 1] = 'b';
	p[len] = '\0';
	return p;
}

/* ---- wire constants ----------------------------------------------------- */

static void wire_constants(void **state)
{
	(void)state;
	assert_int_equal(PV_XS_HDR_SIZE, 16);
	assert_int_equal(sizeof(struct xsd_sockmsg), 16);
	assert_int_equal(XENSTORE_PAYLOAD_MAX, 4096);
	assert_int_equal(PV_XS_MSG_MAX, 4112);
	assert_int_equal(XS_READ, 2);
	assert_int_equal(XS_WRITE, 11);
	assert_int_equal(XS_ERROR, 16);
	assert_int_equal(XS_SET_TARGET, 19);
	assert_int_equal(XS_RESET_WATCHES, 21); /* 20 was withdrawn */
	assert_int_equal(XS_DIRECTORY_PART, 22);
	assert_int_equal(XS_TYPE_COUNT, 23);
	assert_int_equal(XS_INVALID, 0xffff);
}

static void type_names(void **state)
{
	(void)state;
	assert_string_equal(pv_xs_type_name(XS_CONTROL), "CONTROL");
	assert_string_equal(pv_xs_type_name(XS_READ), "READ");
	assert_string_equal(pv_xs_type_name(XS_WATCH_EVENT), "WATCH_EVENT");
	assert_string_equal(pv_xs_type_name(XS_SET_TARGET), "SET_TARGET");
	assert_string_equal(pv_xs_type_name(XS_RESET_WATCHES),
			    "RESET_WATCHES");
	assert_string_equal(pv_xs_type_name(XS_DIRECTORY_PART),
			    "DIRECTORY_PART");
	for (uint32_t t = 0; t < XS_TYPE_COUNT; t++)
		if (t != 20)
			assert_non_null(pv_xs_type_name(t));
	assert_null(pv_xs_type_name(20));
	assert_null(pv_xs_type_name(XS_TYPE_COUNT));
	assert_null(pv_xs_type_name(XS_INVALID));
	assert_null(pv_xs_type_name(UINT32_MAX));
}

/* ---- building ----------------------------------------------------------- */

static void build_read(void **state)
{
	static const char path[] = "/local/domain/1/name";
	uint8_t buf[64];
	struct pv_xs_builder b;
	struct xsd_sockmsg h;

	(void)state;
	pv_xs_build_begin(&b, buf, sizeof buf, XS_READ, 7, 3);
	pv_xs_build_str(&b, path);
	assert_int_equal(pv_xs_build_end(&b), 16 + sizeof path);
	h = hdr_of(buf);
	assert_int_equal(h.type, XS_READ);
	assert_int_equal(h.req_id, 7);
	assert_int_equal(h.tx_id, 3);
	assert_int_equal(h.len, sizeof path);
	assert_memory_equal(buf + 16, path, sizeof path); /* with its NUL */
}

static void build_write_value_unterminated(void **state)
{
	uint8_t buf[64];
	struct pv_xs_builder b;

	(void)state;
	memset(buf, 0xcc, sizeof buf);
	pv_xs_build_begin(&b, buf, sizeof buf, XS_WRITE, 1, 0);
	pv_xs_build_str(&b, "a/b");
	pv_xs_build_bytes(&b, "guest", 5);
	assert_int_equal(pv_xs_build_end(&b), 16 + 4 + 5);
	assert_int_equal(hdr_of(buf).len, 9);
	assert_memory_equal(buf + 16, "a/b\0guest", 9);
	assert_int_equal(buf[25], 0xcc);
}

static void build_empty_payload(void **state)
{
	uint8_t buf[16];
	struct pv_xs_builder b;

	(void)state;
	pv_xs_build_begin(&b, buf, sizeof buf, XS_TRANSACTION_START, 9, 0);
	pv_xs_build_bytes(&b, NULL, 0);
	assert_int_equal(pv_xs_build_end(&b), 16);
	assert_int_equal(hdr_of(buf).len, 0);
	/* An empty string is one NUL byte, and no longer fits. */
	pv_xs_build_str(&b, "");
	assert_int_equal(pv_xs_build_end(&b), -XEN_ENOSPC);
}

static void build_no_room(void **state)
{
	uint8_t buf[32];
	struct pv_xs_builder b;

	(void)state;
	pv_xs_build_begin(&b, buf, 15, XS_READ, 0, 0);
	assert_int_equal(pv_xs_build_end(&b), -XEN_ENOSPC);
	pv_xs_build_begin(&b, buf, 20, XS_READ, 0, 0);
	pv_xs_build_str(&b, "abcd"); /* 5 bytes: does not fit in 4 */
	pv_xs_build_str(&b, "");     /* would fit: the error sticks */
	assert_int_equal(pv_xs_build_end(&b), -XEN_ENOSPC);
	pv_xs_build_begin(&b, buf, 20, XS_READ, 0, 0);
	pv_xs_build_str(&b, "abc"); /* exactly fills */
	assert_int_equal(pv_xs_build_end(&b), 20);
}

static void build_bad_args(void **state)
{
	uint8_t buf[64];
	struct pv_xs_builder b;

	(void)state;
	pv_xs_build_begin(&b, NULL, 64, XS_READ, 0, 0);
	assert_int_equal(pv_xs_build_end(&b), -XEN_EINVAL);
	pv_xs_build_begin(&b, buf, sizeof buf, XS_READ, 0, 0);
	pv_xs_build_str(&b, NULL);
	assert_int_equal(pv_xs_build_end(&b), -XEN_EINVAL);
	pv_xs_build_begin(&b, buf, sizeof buf, XS_WRITE, 0, 0);
	pv_xs_build_bytes(&b, NULL, 3);
	assert_int_equal(pv_xs_build_end(&b), -XEN_EINVAL);
	/* The first error is the one reported. */
	pv_xs_build_begin(&b, buf, 17, XS_WRITE, 0, 0);
	pv_xs_build_str(&b, NULL);
	pv_xs_build_bytes(&b, "toolong", 7);
	assert_int_equal(pv_xs_build_end(&b), -XEN_EINVAL);
	pv_xs_build_begin(&b, buf, 17, XS_WRITE, 0, 0);
	pv_xs_build_bytes(&b, "toolong", 7);
	pv_xs_build_str(&b, NULL);
	assert_int_equal(pv_xs_build_end(&b), -XEN_ENOSPC);
}

static void build_payload_limit(void **state)
{
	static uint8_t buf[2 * PV_XS_MSG_MAX], blob[XENSTORE_PAYLOAD_MAX + 1];
	static char longstr[5001];
	struct pv_xs_builder b;

	(void)state;
	pv_xs_build_begin(&b, buf, sizeof buf, XS_WRITE, 0, 0);
	pv_xs_build_bytes(&b, blob, XENSTORE_PAYLOAD_MAX);
	assert_int_equal(pv_xs_build_end(&b), PV_XS_MSG_MAX);
	assert_int_equal(hdr_of(buf).len, 4096);
	pv_xs_build_begin(&b, buf, sizeof buf, XS_WRITE, 0, 0);
	pv_xs_build_bytes(&b, blob, XENSTORE_PAYLOAD_MAX + 1);
	assert_int_equal(pv_xs_build_end(&b), -XEN_E2BIG);
	/* A string longer than any payload. */
	memset(longstr, 'x', 5000);
	pv_xs_build_begin(&b, buf, sizeof buf, XS_READ, 0, 0);
	pv_xs_build_str(&b, longstr);
	assert_int_equal(pv_xs_build_end(&b), -XEN_E2BIG);
	pv_xs_build_begin(&b, buf, PV_XS_MSG_MAX, XS_READ, 0, 0);
	pv_xs_build_str(&b, longstr);
	assert_int_equal(pv_xs_build_end(&b), -XEN_ENOSPC);
	/* A 4095-character string with its NUL is exactly the limit. */
	longstr[4095] = '\0';
	pv_xs_build_begin(&b, buf, sizeof buf, XS_READ, 0, 0);
	pv_xs_build_str(&b, longstr);
	assert_int_equal(pv_xs_build_end(&b), PV_XS_MSG_MAX);
}

/* ---- header parsing ----------------------------------------------------- */

static void parse_short_header(void **state)
{
	uint8_t buf[16] = { 0 };
	struct xsd_sockmsg h;

	(void)state;
	for (size_t n = 0; n < 16; n++) {
		char *c = exact(buf, n);

		assert_int_equal(pv_xs_parse_header(c, n, &h), -XEN_EAGAIN);
		free(c);
	}
}

static void parse_header_fields(void **state)
{
	uint8_t buf[1 + 64];
	struct pv_xs_builder b;
	struct xsd_sockmsg h;

	(void)state;
	/* Built one byte into the buffer: parsing copes with misalignment. */
	pv_xs_build_begin(&b, buf + 1, 64, XS_WATCH, 0x01020304u, 0xa0b0c0d0u);
	pv_xs_build_str(&b, "/x");
	pv_xs_build_str(&b, "tok");
	assert_int_equal(pv_xs_build_end(&b), 23);
	assert_int_equal(pv_xs_parse_header(buf + 1, 16, &h), 0);
	assert_int_equal(h.type, XS_WATCH);
	assert_int_equal(h.req_id, 0x01020304u);
	assert_int_equal(h.tx_id, 0xa0b0c0d0u);
	assert_int_equal(h.len, 7);
}

static void parse_len_limit(void **state)
{
	static const uint32_t lens[] = { 4097, 8192, 0x80000000u, UINT32_MAX };
	struct xsd_sockmsg in = { XS_READ, 1, 0, 4096 }, h;

	(void)state;
	assert_int_equal(pv_xs_parse_header(&in, 16, &h), 0);
	assert_int_equal(h.len, 4096);
	for (unsigned i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		in.len = lens[i];
		assert_int_equal(pv_xs_parse_header(&in, 16, &h), -XEN_E2BIG);
		/* Too long wins over an unknown type. */
		in.type = 20;
		assert_int_equal(pv_xs_parse_header(&in, 16, &h), -XEN_E2BIG);
		in.type = XS_READ;
	}
}

static void parse_unknown_types(void **state)
{
	static const uint32_t bad[] = { 20, XS_TYPE_COUNT, 24, 100, XS_INVALID,
					0x10000, UINT32_MAX };
	struct xsd_sockmsg in = { 0, 77, 5, 3 }, h;

	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		in.type = bad[i];
		memset(&h, 0, sizeof h);
		assert_int_equal(pv_xs_parse_header(&in, 16, &h), -XEN_EINVAL);
		/* Filled in, so the error reply can echo req_id. */
		assert_int_equal(h.type, bad[i]);
		assert_int_equal(h.req_id, 77);
		assert_int_equal(h.len, 3);
	}
	for (uint32_t t = 0; t < XS_TYPE_COUNT; t++) {
		in.type = t;
		assert_int_equal(pv_xs_parse_header(&in, 16, &h),
				 t == 20 ? -XEN_EINVAL : 0);
	}
}

/* Two messages back to back, as read from a socket. */
static void parse_stream(void **state)
{
	uint8_t buf[128];
	struct pv_xs_builder b;
	struct xsd_sockmsg h;
	int n1, n2;

	(void)state;
	pv_xs_build_begin(&b, buf, sizeof buf, XS_READ, 1, 0);
	pv_xs_build_str(&b, "/a");
	n1 = pv_xs_build_end(&b);
	pv_xs_build_begin(&b, buf + n1, sizeof buf - (size_t)n1, XS_RM, 2, 0);
	pv_xs_build_str(&b, "/b/c");
	n2 = pv_xs_build_end(&b);
	assert_int_equal(pv_xs_parse_header(buf, (size_t)(n1 + n2), &h), 0);
	assert_int_equal(h.req_id, 1);
	assert_int_equal(16 + h.len, n1);
	assert_int_equal(pv_xs_parse_header(buf + n1, (size_t)n2, &h), 0);
	assert_int_equal(h.type, XS_RM);
	assert_int_equal(h.len, 5);
}

/* ---- payload cursors ---------------------------------------------------- */

static void cursor_strings(void **state)
{
	char *p = exact("a\0bc\0\0", 6);
	struct pv_xs_cursor c;
	const char *s;
	size_t len;

	(void)state;
	pv_xs_cursor_init(&c, p, 6);
	assert_int_equal(pv_xs_next_str(&c, &s, &len), 0);
	assert_ptr_equal(s, p);
	assert_int_equal(len, 1);
	assert_int_equal(pv_xs_next_str(&c, &s, &len), 0);
	assert_string_equal(s, "bc");
	assert_int_equal(len, 2);
	assert_int_equal(pv_xs_next_str(&c, &s, &len), 0); /* empty string */
	assert_int_equal(len, 0);
	assert_int_equal(pv_xs_next_str(&c, &s, &len), -XEN_ENOENT);
	assert_int_equal(pv_xs_next_str(&c, &s, &len), -XEN_ENOENT);
	free(p);
}

/* The last string lacks its NUL (it is "beyond" the payload). */
static void cursor_missing_nul(void **state)
{
	char *p = exact("path\0val", 8);
	struct pv_xs_cursor c;
	const char *s = NULL;
	const void *rest;
	size_t len = 99;

	(void)state;
	pv_xs_cursor_init(&c, p, 8);
	assert_int_equal(pv_xs_next_str(&c, &s, &len), 0);
	assert_int_equal(pv_xs_next_str(&c, &s, &len), -XEN_EINVAL);
	assert_ptr_equal(s, p); /* outputs untouched */
	assert_int_equal(len, 4);
	/* The unterminated tail is still there as raw bytes. */
	pv_xs_rest(&c, &rest, &len);
	assert_ptr_equal(rest, p + 5);
	assert_int_equal(len, 3);
	pv_xs_rest(&c, &rest, &len);
	assert_int_equal(len, 0);
	assert_int_equal(pv_xs_next_str(&c, &s, &len), -XEN_ENOENT);
	free(p);
}

/* A header len bigger than what arrived: the cursor sees only what it
 * is given. */
static void cursor_bounded_by_len(void **state)
{
	char *p = exact("abc", 3); /* no NUL inside the 3 bytes */
	struct pv_xs_cursor c;
	const char *s;
	const void *rest;
	size_t len;

	(void)state;
	pv_xs_cursor_init(&c, p, 3);
	assert_int_equal(pv_xs_next_str(&c, &s, &len), -XEN_EINVAL);
	pv_xs_cursor_init(&c, p, 0);
	assert_int_equal(pv_xs_next_str(&c, &s, &len), -XEN_ENOENT);
	pv_xs_cursor_init(&c, NULL, 100);
	assert_int_equal(pv_xs_next_str(&c, &s, &len), -XEN_ENOENT);
	pv_xs_rest(&c, &rest, &len);
	assert_int_equal(len, 0);
	free(p);
}

static void cursor_write_payload(void **state)
{
	char *p = exact("/x/y\0hello", 10);
	struct pv_xs_cursor c;
	const char *s;
	const void *v;
	size_t len;

	(void)state;
	pv_xs_cursor_init(&c, p, 10);
	assert_int_equal(pv_xs_next_str(&c, &s, &len), 0);
	assert_string_equal(s, "/x/y");
	pv_xs_rest(&c, &v, &len);
	assert_int_equal(len, 5);
	assert_memory_equal(v, "hello", 5);
	free(p);
}

static void split_payloads(void **state)
{
	char *p = exact("a\0bb\0ccc\0", 9);
	char *u = exact("a\0b", 3);
	const char *out[4] = { NULL };

	(void)state;
	assert_int_equal(pv_xs_split(p, 9, out, 4), 3);
	assert_string_equal(out[0], "a");
	assert_string_equal(out[1], "bb");
	assert_string_equal(out[2], "ccc");
	assert_null(out[3]);
	assert_int_equal(pv_xs_split(p, 9, out, 3), 3);
	assert_int_equal(pv_xs_split(p, 9, out, 2), -XEN_E2BIG);
	assert_int_equal(pv_xs_split(p, 9, NULL, 0), -XEN_E2BIG);
	assert_int_equal(pv_xs_split(u, 3, out, 4), -XEN_EINVAL);
	assert_int_equal(pv_xs_split(p, 0, NULL, 0), 0);
	assert_int_equal(pv_xs_split(NULL, 0, NULL, 0), 0);
	assert_int_equal(pv_xs_split(p, 8, out, 4), -XEN_EINVAL); /* cut */
	free(p);
	free(u);
}

/* ---- paths -------------------------------------------------------------- */

static int check(const char *s, unsigned flags)
{
	char *p = exact(s, strlen(s)); /* no NUL after the path */
	int rc = pv_xs_path_check(p, strlen(s), flags);

	free(p);
	return rc;
}

static void path_valid(void **state)
{
	static const char *const ok[] = {
		"/", "/local", "/local/domain/1", "data", "device/vif/0/state",
		"a-b_c@d/E9", "/local/domain/0/backend/vsnd/1/0", "0", "-",
		"/@introduceDomain", "a/b@",
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (check(ok[i], 0) != 0)
			fail_msg("'%s' rejected", ok[i]);
}

static void path_invalid(void **state)
{
	static const char *const bad[] = {
		"//", "/local//domain", "a//b", "/local/", "local/", "a b",
		"/a.b", "/a/..", "/a\n", "~", "/a:b", "/\xc3\xa4", "a\\b",
		"/a*", "/a?", "/local/domain//", "//local",
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (check(bad[i], 0) != -XEN_EINVAL)
			fail_msg("'%s' accepted", bad[i]);
	assert_int_equal(pv_xs_path_check(NULL, 0, 0), -XEN_EINVAL);
	assert_int_equal(pv_xs_path_check("/a", 0, 0), -XEN_EINVAL);
	/* A NUL inside the counted length. */
	assert_int_equal(pv_xs_path_check("/a\0b", 4, 0), -XEN_EINVAL);
	assert_int_equal(pv_xs_path_check("/a\0", 3, 0), -XEN_EINVAL);
}

static void path_length_limits(void **state)
{
	char *abs_at = make_path(XENSTORE_ABS_PATH_MAX, true);
	char *abs_over = make_path(XENSTORE_ABS_PATH_MAX + 1, true);
	char *rel_at = make_path(XENSTORE_REL_PATH_MAX, false);
	char *rel_over = make_path(XENSTORE_REL_PATH_MAX + 1, false);

	(void)state;
	assert_int_equal(strlen(abs_at), 3072);
	assert_int_equal(abs_at[0], '/');
	assert_int_equal(check(abs_at, 0), 0);
	assert_int_equal(check(abs_over, 0), -XEN_ENAMETOOLONG);
	assert_int_equal(rel_at[0], 'a');
	assert_int_equal(check(rel_at, 0), 0);
	assert_int_equal(check(rel_over, 0), -XEN_ENAMETOOLONG);
	/* A relative path between the two limits. */
	free(rel_over);
	rel_over = make_path(2502, false);
	assert_int_equal(check(rel_over, 0), -XEN_ENAMETOOLONG);
	free(abs_at);
	free(abs_over);
	free(rel_at);
	free(rel_over);
}

/* Many one-letter components, right at the limit. */
static void path_deep(void **state)
{
	char *p = malloc(XENSTORE_ABS_PATH_MAX + 3);

	(void)state;
	assert_non_null(p);
	for (size_t i = 0; i < XENSTORE_ABS_PATH_MAX; i += 2)
		memcpy(p + i, "/z", 2);
	p[XENSTORE_ABS_PATH_MAX] = '\0';
	assert_int_equal(check(p, 0), 0);
	memcpy(p + XENSTORE_ABS_PATH_MAX, "/z", 3);
	assert_int_equal(check(p, 0), -XEN_ENAMETOOLONG);
	p[XENSTORE_ABS_PATH_MAX - 1] = '/'; /* "...//" inside the limit */
	p[XENSTORE_ABS_PATH_MAX] = '\0';
	assert_int_equal(check(p, 0), -XEN_EINVAL);
	free(p);
}

static void path_special(void **state)
{
	static const char *const bad[] = {
		"@introduceDomainX", "@introduce", "@", "@foo",
		"@releaseDomain/x", "@ReleaseDomain", "@introduceDomain\n",
	};

	(void)state;
	assert_int_equal(check("@introduceDomain", PV_XS_PATH_SPECIAL), 0);
	assert_int_equal(check("@releaseDomain", PV_XS_PATH_SPECIAL), 0);
	assert_int_equal(check("@introduceDomain", 0), -XEN_EINVAL);
	assert_int_equal(check("@releaseDomain", 0), -XEN_EINVAL);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (check(bad[i], PV_XS_PATH_SPECIAL) != -XEN_EINVAL)
			fail_msg("'%s' accepted", bad[i]);
	}
	/* Truncated by its length. */
	assert_int_equal(pv_xs_path_check("@releaseDomain", 13,
					  PV_XS_PATH_SPECIAL),
			 -XEN_EINVAL);
	/* The flag does not loosen ordinary paths. */
	assert_int_equal(check("/a//b", PV_XS_PATH_SPECIAL), -XEN_EINVAL);
	assert_int_equal(check("/a/b", PV_XS_PATH_SPECIAL), 0);
}

/* ---- error names -------------------------------------------------------- */

static void error_names(void **state)
{
	static const struct {
		int err;
		const char *name;
	} known[] = {
		{ XEN_EINVAL, "EINVAL" }, { XEN_EACCES, "EACCES" },
		{ XEN_EEXIST, "EEXIST" }, { XEN_EISDIR, "EISDIR" },
		{ XEN_ENOENT, "ENOENT" }, { XEN_ENOMEM, "ENOMEM" },
		{ XEN_ENOSPC, "ENOSPC" }, { XEN_EIO, "EIO" },
		{ XEN_ENOTEMPTY, "ENOTEMPTY" }, { XEN_ENOSYS, "ENOSYS" },
		{ XEN_EROFS, "EROFS" }, { XEN_EBUSY, "EBUSY" },
		{ XEN_EAGAIN, "EAGAIN" }, { XEN_EISCONN, "EISCONN" },
		{ XEN_E2BIG, "E2BIG" }, { XEN_EPERM, "EPERM" },
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		const char *n = known[i].name;

		assert_string_equal(pv_xs_error_name(known[i].err), n);
		assert_string_equal(pv_xs_error_name(-known[i].err), n);
		assert_int_equal(pv_xs_error_parse(n, strlen(n)),
				 -known[i].err);
		assert_int_equal(pv_xs_error_parse(n, strlen(n) + 1),
				 -known[i].err);
	}
	/* No name of its own: travels as EINVAL. */
	assert_string_equal(pv_xs_error_name(0), "EINVAL");
	assert_string_equal(pv_xs_error_name(-XEN_EDOM), "EINVAL");
	assert_string_equal(pv_xs_error_name(100000), "EINVAL");
	assert_string_equal(pv_xs_error_name(INT_MAX), "EINVAL");
	assert_string_equal(pv_xs_error_name(INT_MIN), "EINVAL");
}

static void error_parse_hostile(void **state)
{
	static const struct {
		const char *s;
		size_t len;
	} bad[] = {
		{ "", 0 },         { "", 1 },        { "ENOEN", 5 },
		{ "ENOENTX", 7 },  { "enoent", 6 },  { "ENOENT\0\0", 8 },
		{ " ENOENT", 7 },  { "ENOENT", 5 },  { "E", 1 },
		{ "EDOM", 4 },     { "\0ENOENT", 7 },
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *p = exact(bad[i].s, bad[i].len);

		assert_int_equal(pv_xs_error_parse(p, bad[i].len),
				 -XEN_EINVAL);
		free(p);
	}
	assert_int_equal(pv_xs_error_parse(NULL, 0), -XEN_EINVAL);
}

/* An error reply built, parsed and decoded again. */
static void error_reply_roundtrip(void **state)
{
	uint8_t buf[64];
	struct pv_xs_builder b;
	struct xsd_sockmsg h;
	const char *out[2];
	int n;

	(void)state;
	pv_xs_build_begin(&b, buf, sizeof buf, XS_ERROR, 42, 0);
	pv_xs_build_str(&b, pv_xs_error_name(-XEN_EACCES));
	n = pv_xs_build_end(&b);
	assert_int_equal(n, 16 + 7);
	assert_int_equal(pv_xs_parse_header(buf, (size_t)n, &h), 0);
	assert_int_equal(h.type, XS_ERROR);
	assert_int_equal(pv_xs_split(buf + 16, h.len, out, 2), 1);
	assert_int_equal(pv_xs_error_parse(out[0], strlen(out[0])),
			 -XEN_EACCES);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(wire_constants),
	cmocka_unit_test(type_names),
	cmocka_unit_test(build_read),
	cmocka_unit_test(build_write_value_unterminated),
	cmocka_unit_test(build_empty_payload),
	cmocka_unit_test(build_no_room),
	cmocka_unit_test(build_bad_args),
	cmocka_unit_test(build_payload_limit),
	cmocka_unit_test(parse_short_header),
	cmocka_unit_test(parse_header_fields),
	cmocka_unit_test(parse_len_limit),
	cmocka_unit_test(parse_unknown_types),
	cmocka_unit_test(parse_stream),
	cmocka_unit_test(cursor_strings),
	cmocka_unit_test(cursor_missing_nul),
	cmocka_unit_test(cursor_bounded_by_len),
	cmocka_unit_test(cursor_write_payload),
	cmocka_unit_test(split_payloads),
	cmocka_unit_test(path_valid),
	cmocka_unit_test(path_invalid),
	cmocka_unit_test(path_length_limits),
	cmocka_unit_test(path_deep),
	cmocka_unit_test(path_special),
	cmocka_unit_test(error_names),
	cmocka_unit_test(error_parse_hostile),
	cmocka_unit_test(error_reply_roundtrip),
};

PV_UNIT_MAIN("store_codec", tests)
