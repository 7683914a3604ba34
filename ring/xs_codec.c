/*
 * Store wire codec.  Building appends into a caller's buffer with sticky
 * errors; parsing copies the header out once and walks the payload with
 * explicit bounds, never relying on a NUL that may not be there.
 */
#include "pvkit/proto/errno.h"
#include "pvkit/store.h"

_Static_assert(sizeof(struct xsd_sockmsg) == PV_XS_HDR_SIZE,
	       "store header is 16 bytes");

static const char *const type_names[XS_TYPE_COUNT] = {
	[XS_CONTROL] = "CONTROL",
	[XS_DIRECTORY] = "DIRECTORY",
	[XS_READ] = "READ",
	[XS_GET_PERMS] = "GET_PERMS",
	[XS_WATCH] = "WATCH",
	[XS_UNWATCH] = "UNWATCH",
	[XS_TRANSACTION_START] = "TRANSACTION_START",
	[XS_TRANSACTION_END] = "TRANSACTION_END",
	[XS_INTRODUCE] = "INTRODUCE",
	[XS_RELEASE] = "RELEASE",
	[XS_GET_DOMAIN_PATH] = "GET_DOMAIN_PATH",
	[XS_WRITE] = "WRITE",
	[XS_MKDIR] = "MKDIR",
	[XS_RM] = "RM",
	[XS_SET_PERMS] = "SET_PERMS",
	[XS_WATCH_EVENT] = "WATCH_EVENT",
	[XS_ERROR] = "ERROR",
	[XS_IS_DOMAIN_INTRODUCED] = "IS_DOMAIN_INTRODUCED",
	[XS_RESUME] = "RESUME",
	[XS_SET_TARGET] = "SET_TARGET",
	[XS_RESET_WATCHES] = "RESET_WATCHES",
	[XS_DIRECTORY_PART] = "DIRECTORY_PART",
};

/* ---- building ---------------------------------------------------------- */

static void put(struct pv_xs_builder *b, const void *p, size_t n)
{
	/* n == 0: nothing to copy, and p may be NULL, which memcpy forbids. */
	if (b->err || n == 0)
		return;
	if (n > b->cap - b->len) {
		b->err = -XEN_ENOSPC;
		return;
	}
	__builtin_memcpy(b->buf + b->len, p, n);
	b->len += n;
}

void pv_xs_build_begin(struct pv_xs_builder *b, void *buf, size_t cap,
		       uint32_t type, uint32_t req_id, uint32_t tx_id)
{
	struct xsd_sockmsg h = {
		.type = type, .req_id = req_id, .tx_id = tx_id, .len = 0,
	};

	*b = (struct pv_xs_builder){ .buf = buf, .cap = cap };
	if (!buf)
		b->err = -XEN_EINVAL;
	put(b, &h, sizeof(h));
}

void pv_xs_build_str(struct pv_xs_builder *b, const char *s)
{
	size_t n = 0;

	if (!s) {
		b->err = b->err ? b->err : -XEN_EINVAL;
		return;
	}
	/* Bounded: a string longer than a payload is an error anyway. */
	while (n <= XENSTORE_PAYLOAD_MAX && s[n])
		n++;
	put(b, s, n + 1);
}

void pv_xs_build_bytes(struct pv_xs_builder *b, const void *p, size_t len)
{
	if (!p && len) {
		b->err = b->err ? b->err : -XEN_EINVAL;
		return;
	}
	put(b, p, len);
}

int pv_xs_build_end(struct pv_xs_builder *b)
{
	uint32_t len;

	if (b->err)
		return b->err;
	if (b->len - PV_XS_HDR_SIZE > XENSTORE_PAYLOAD_MAX)
		return -XEN_E2BIG;
	len = (uint32_t)(b->len - PV_XS_HDR_SIZE);
	__builtin_memcpy(b->buf + offsetof(struct xsd_sockmsg, len),
			 &len, sizeof(len));
	return (int)b->len;
}

/* ---- parsing ----------------------------------------------------------- */

int pv_xs_parse_header(const void *buf, size_t avail, struct xsd_sockmsg *hdr)
{
	if (avail < PV_XS_HDR_SIZE)
		return -XEN_EAGAIN;
	__builtin_memcpy(hdr, buf, sizeof(*hdr));
	if (hdr->len > XENSTORE_PAYLOAD_MAX)
		return -XEN_E2BIG;
	if (!pv_xs_type_name(hdr->type))
		return -XEN_EINVAL;
	return 0;
}

void pv_xs_cursor_init(struct pv_xs_cursor *c, const void *payload,
		       size_t len)
{
	c->p = payload;
	c->left = payload ? len : 0;
}

int pv_xs_next_str(struct pv_xs_cursor *c, const char **s, size_t *len)
{
	size_t n = 0;

	if (c->left == 0)
		return -XEN_ENOENT;
	while (n < c->left && c->p[n] != '\0')
		n++;
	if (n == c->left)
		return -XEN_EINVAL;
	*s = c->p;
	*len = n;
	c->p += n + 1;
	c->left -= n + 1;
	return 0;
}

void pv_xs_rest(struct pv_xs_cursor *c, const void **p, size_t *len)
{
	*p = c->p;
	*len = c->left;
	if (c->left == 0)
		return; /* c->p may be NULL, and NULL + 0 is undefined */
	c->p += c->left;
	c->left = 0;
}

int pv_xs_split(const void *payload, size_t len, const char **out,
		unsigned int max)
{
	struct pv_xs_cursor c;
	unsigned int n = 0;
	const char *s;
	size_t slen;
	int rc;

	pv_xs_cursor_init(&c, payload, len);
	while ((rc = pv_xs_next_str(&c, &s, &slen)) == 0) {
		if (n == max)
			return -XEN_E2BIG;
		out[n++] = s;
	}
	return rc == -XEN_ENOENT ? (int)n : rc;
}

/* ---- paths ------------------------------------------------------------- */

static bool path_char_ok(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '-' || ch == '/' ||
	       ch == '_' || ch == '@';
}

static bool equals(const char *a, size_t alen, const char *lit)
{
	size_t n = 0;

	while (lit[n])
		n++;
	return alen == n && __builtin_memcmp(a, lit, n) == 0;
}

int pv_xs_path_check(const char *path, size_t len, unsigned int flags)
{
	size_t i;

	if (!path || len == 0)
		return -XEN_EINVAL;
	if (path[0] == '@')
		return (flags & PV_XS_PATH_SPECIAL) &&
				       (equals(path, len, "@introduceDomain") ||
					equals(path, len, "@releaseDomain"))
			       ? 0
			       : -XEN_EINVAL;
	if (len > (path[0] == '/' ? XENSTORE_ABS_PATH_MAX
				  : XENSTORE_REL_PATH_MAX))
		return -XEN_ENAMETOOLONG;
	for (i = 0; i < len; i++) {
		if (!path_char_ok(path[i]))
			return -XEN_EINVAL;
		if (path[i] == '/' && i + 1 < len && path[i + 1] == '/')
			return -XEN_EINVAL;
	}
	if (len > 1 && path[len - 1] == '/')
		return -XEN_EINVAL;
	return 0;
}

/* ---- names ------------------------------------------------------------- */

const char *pv_xs_type_name(uint32_t type)
{
	return type < XS_TYPE_COUNT ? type_names[type] : NULL;
}

const char *pv_xs_error_name(int err)
{
	size_t i, n = sizeof(xsd_errors) / sizeof(xsd_errors[0]);
	/* Negate in unsigned arithmetic: -INT_MIN does not fit an int. */
	unsigned int e = err < 0 ? 0u - (unsigned int)err : (unsigned int)err;

	for (i = 0; i < n; i++)
		if ((unsigned int)xsd_errors[i].errnum == e)
			return xsd_errors[i].errstring;
	return "EINVAL";
}

int pv_xs_error_parse(const char *name, size_t len)
{
	size_t i, n = sizeof(xsd_errors) / sizeof(xsd_errors[0]);

	if (len > 0 && name[len - 1] == '\0')
		len--;
	for (i = 0; i < n; i++)
		if (equals(name, len, xsd_errors[i].errstring))
			return -xsd_errors[i].errnum;
	return -XEN_EINVAL;
}
