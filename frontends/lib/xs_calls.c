/*
 * The store client's synchronous calls: each builds one request on the
 * stack, sends it, waits for the reply and checks the reply's shape
 * (which the store, not being trusted, may get wrong: -XEN_EIO).
 */
#include "xs_int.h"

static int call(struct pvfront_xs *xs, struct pvfront_xs_req *r)
{
	int rc = pvfront_xs_submit(xs, r, NULL, NULL);

	return rc ? rc : pvfront_xs_wait_req(xs, r);
}

static int bad_reply(struct pvfront_xs *xs)
{
	xs_note_bad_reply(xs);
	return -XEN_EIO;
}

/* Requests whose reply is "OK\0". */
static int call_ok(struct pvfront_xs *xs, struct pvfront_xs_req *r)
{
	char ok[4];
	int rc;

	r->reply = ok;
	r->reply_cap = sizeof(ok);
	rc = call(xs, r);
	if (rc)
		return rc;
	if (r->reply_len != 3 || __builtin_memcmp(ok, "OK", 3) != 0)
		return bad_reply(xs);
	return 0;
}

/* type "path\0", replied to with OK. */
static int path_ok(struct pvfront_xs *xs, uint32_t type, uint32_t tx,
		   const char *path)
{
	struct pvfront_xs_req r;

	pvfront_xs_req_init(&r, type, tx, NULL, 0);
	pvfront_xs_req_add_str(&r, path);
	return call_ok(xs, &r);
}

int pvfront_xs_read(struct pvfront_xs *xs, uint32_t tx, const char *path,
		    void *buf, size_t cap)
{
	struct pvfront_xs_req r;
	uint32_t len;
	int rc;

	pvfront_xs_req_init(&r, XS_READ, tx, buf, cap);
	pvfront_xs_req_add_str(&r, path);
	rc = call(xs, &r);
	if (rc)
		return rc;
	len = r.reply_len;
	if (buf && len < cap)
		((char *)buf)[len] = '\0';
	return (int)len;
}

int pvfront_xs_write(struct pvfront_xs *xs, uint32_t tx, const char *path,
		     const void *value, size_t len)
{
	struct pvfront_xs_req r;

	pvfront_xs_req_init(&r, XS_WRITE, tx, NULL, 0);
	pvfront_xs_req_add_str(&r, path);
	pvfront_xs_req_add(&r, value, len);
	return call_ok(xs, &r);
}

int pvfront_xs_mkdir(struct pvfront_xs *xs, uint32_t tx, const char *path)
{
	return path_ok(xs, XS_MKDIR, tx, path);
}

int pvfront_xs_rm(struct pvfront_xs *xs, uint32_t tx, const char *path)
{
	return path_ok(xs, XS_RM, tx, path);
}

int pvfront_xs_directory(struct pvfront_xs *xs, uint32_t tx, const char *path,
			 char *buf, size_t cap, const char **names,
			 unsigned int max)
{
	struct pvfront_xs_req r;
	int rc;

	pvfront_xs_req_init(&r, XS_DIRECTORY, tx, buf, cap);
	pvfront_xs_req_add_str(&r, path);
	rc = call(xs, &r);
	if (rc)
		return rc;
	if (r.reply_len > cap)
		return -XEN_ENOSPC;
	rc = pv_xs_split(buf, r.reply_len, names, max);
	return rc == -XEN_EINVAL ? bad_reply(xs) : rc;
}

/* ---- permissions ----------------------------------------------------------
 */

static const char perm_letter[] = "nrwb"; /* by PVFRONT_XS_PERM_* */

/* "r12" and the like: a letter and a domid. */
static int perm_parse(const char *s, size_t len, struct pvfront_xs_perm *p)
{
	uint32_t id = 0;
	size_t i;

	if (len < 2 || len > 6)
		return -XEN_EIO;
	for (p->perms = 0; p->perms < 4; p->perms++)
		if (perm_letter[p->perms] == s[0])
			break;
	if (p->perms == 4)
		return -XEN_EIO;
	for (i = 1; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -XEN_EIO;
		id = id * 10 + (uint32_t)(s[i] - '0');
	}
	if (id > 0xffff)
		return -XEN_EIO;
	p->id = (uint16_t)id;
	return 0;
}

/* Longest entry on the wire: a letter, five digits, the NUL. */
#define PERM_WIRE_MAX 7u

int pvfront_xs_get_perms(struct pvfront_xs *xs, uint32_t tx, const char *path,
			 struct pvfront_xs_perm *perms, unsigned int max)
{
	char buf[PVFRONT_XS_PERMS_MAX * PERM_WIRE_MAX];
	struct pvfront_xs_perm p;
	struct pvfront_xs_req r;
	struct pv_xs_cursor c;
	unsigned int n = 0;
	const char *s;
	size_t len;
	int rc;

	pvfront_xs_req_init(&r, XS_GET_PERMS, tx, buf, sizeof(buf));
	pvfront_xs_req_add_str(&r, path);
	rc = call(xs, &r);
	if (rc)
		return rc;
	if (r.reply_len > sizeof(buf))
		return -XEN_E2BIG; /* more entries than we handle */
	pv_xs_cursor_init(&c, buf, r.reply_len);
	while ((rc = pv_xs_next_str(&c, &s, &len)) == 0) {
		if (perm_parse(s, len, &p))
			return bad_reply(xs);
		if (n < max)
			perms[n] = p;
		n++;
	}
	if (rc != -XEN_ENOENT || n == 0)
		return bad_reply(xs); /* unterminated, or no owner */
	return n > max ? -XEN_E2BIG : (int)n;
}

/* One entry in wire form at out; returns its length with the NUL. */
static size_t perm_format(const struct pvfront_xs_perm *p, char *out)
{
	char digits[5];
	unsigned int id = p->id, nd = 0;
	size_t len = 0;

	out[len++] = perm_letter[p->perms];
	do {
		digits[nd++] = (char)('0' + id % 10);
		id /= 10;
	} while (id);
	while (nd)
		out[len++] = digits[--nd];
	out[len++] = '\0';
	return len;
}

int pvfront_xs_set_perms(struct pvfront_xs *xs, uint32_t tx, const char *path,
			 const struct pvfront_xs_perm *perms, unsigned int n)
{
	char buf[PVFRONT_XS_PERMS_MAX * PERM_WIRE_MAX];
	struct pvfront_xs_req r;
	size_t len = 0;
	unsigned int i;

	if (!perms || n == 0 || n > PVFRONT_XS_PERMS_MAX)
		return -XEN_EINVAL;
	for (i = 0; i < n; i++) {
		if (perms[i].perms > PVFRONT_XS_PERM_BOTH)
			return -XEN_EINVAL;
		len += perm_format(&perms[i], buf + len);
	}
	pvfront_xs_req_init(&r, XS_SET_PERMS, tx, NULL, 0);
	pvfront_xs_req_add_str(&r, path);
	pvfront_xs_req_add(&r, buf, len);
	return call_ok(xs, &r);
}

/* ---- watches --------------------------------------------------------------
 */

static int watch_req(struct pvfront_xs *xs, uint32_t type, const char *path,
		     const char *token)
{
	struct pvfront_xs_req r;

	pvfront_xs_req_init(&r, type, 0, NULL, 0);
	pvfront_xs_req_add_str(&r, path);
	pvfront_xs_req_add_str(&r, token);
	return call_ok(xs, &r);
}

int pvfront_xs_watch(struct pvfront_xs *xs, const char *path, const char *token)
{
	return watch_req(xs, XS_WATCH, path, token);
}

int pvfront_xs_unwatch(struct pvfront_xs *xs, const char *path,
		       const char *token)
{
	return watch_req(xs, XS_UNWATCH, path, token);
}

/* ---- transactions ---------------------------------------------------------
 */

/* A transaction id: decimal digits, a NUL, nonzero, fits 32 bits. */
static int parse_tx(const char *s, uint32_t len, uint32_t *tx)
{
	uint64_t v = 0;
	uint32_t i;

	if (len < 2 || len > 11 || s[len - 1] != '\0')
		return -XEN_EIO;
	for (i = 0; i + 1 < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -XEN_EIO;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v == 0 || v > 0xffffffffu)
		return -XEN_EIO;
	*tx = (uint32_t)v;
	return 0;
}

int pvfront_xs_transaction_start(struct pvfront_xs *xs, uint32_t *tx)
{
	struct pvfront_xs_req r;
	char buf[12];
	int rc;

	pvfront_xs_req_init(&r, XS_TRANSACTION_START, 0, buf, sizeof(buf));
	pvfront_xs_req_add_str(&r, "");
	rc = call(xs, &r);
	if (rc)
		return rc;
	if (r.reply_len > sizeof(buf) || parse_tx(buf, r.reply_len, tx))
		return bad_reply(xs);
	return 0;
}

int pvfront_xs_transaction_end(struct pvfront_xs *xs, uint32_t tx, bool commit)
{
	struct pvfront_xs_req r;

	pvfront_xs_req_init(&r, XS_TRANSACTION_END, tx, NULL, 0);
	pvfront_xs_req_add_str(&r, commit ? "T" : "F");
	return call_ok(xs, &r);
}
