/*
 * Store requests: check each payload's shape, run the request on the
 * client's view (its transaction, if it names one) and send one reply.
 * Payload bytes come from the client, so nothing here trusts a NUL that
 * has not been found inside hdr->len.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pvkit/store.h"
#include "store_int.h"

struct req {
	struct store_conn *c;
	const struct xsd_sockmsg *hdr;
	const char *p;
	size_t len;
	struct view v;
	bool replied; /* reply() reached the transport */
};

#define F_PRIV 1u /* dom0 only */
#define F_NOTX 2u /* tx_id is ignored */

struct handler {
	int (*fn)(struct req *r);
	unsigned int flags;
};

/* ---- replies and arguments ------------------------------------------------
 */

int conn_send(struct store_conn *c, uint32_t type, uint32_t req_id,
	      uint32_t tx_id, const void *payload, size_t len)
{
	struct xsd_sockmsg h = {
	    .type = type,
	    .req_id = req_id,
	    .tx_id = tx_id,
	    .len = (uint32_t)len,
	};

	if (type != XS_WATCH_EVENT)
		c->outstanding++;
	return c->ops->send(c, &h, payload, len, c->arg);
}

static int reply(struct req *r, const void *payload, size_t len)
{
	if (len > XENSTORE_PAYLOAD_MAX)
		return -XEN_E2BIG;
	r->replied = true;
	return conn_send(r->c, r->hdr->type, r->hdr->req_id, r->hdr->tx_id,
			 payload, len);
}

static int ack(struct req *r)
{
	return reply(r, "OK", 3);
}

/* The payload as n NUL-terminated strings, exactly. */
static int args(struct req *r, const char **s, unsigned int n)
{
	int got = pv_xs_split(r->p, r->len, s, n);

	return got == (int)n ? 0 : -XEN_EINVAL;
}

int path_canon(struct store *st, uint16_t who, const char *path, size_t len,
	       unsigned int flags, char *out, size_t cap)
{
	char home[32];
	size_t hl, total;
	int rc = pv_xs_path_check(path, len, flags);

	if (rc < 0)
		return rc;
	hl = (size_t)snprintf(home, sizeof(home), "/local/domain/%u/", who);
	if (path[0] == '/' || path[0] == '@')
		total = (size_t)snprintf(out, cap, "%s", path);
	else
		total = (size_t)snprintf(out, cap, "%s%s", home, path);
	if (total >= cap || (out[0] == '/' && total > XENSTORE_ABS_PATH_MAX))
		return -XEN_ENAMETOOLONG;
	/* A guest's limit counts from its home when the path is in it. */
	if (who != 0 && st->q.path_max && out[0] == '/') {
		size_t off = strncmp(out, home, hl) == 0 ? hl : 0;

		if (total - off > st->q.path_max)
			return -XEN_ENAMETOOLONG;
	}
	return 0;
}

static int path_arg(struct req *r, const char *s, unsigned int flags, char *out)
{
	return path_canon(r->c->st, r->c->domid, s, strlen(s), flags, out,
			  STORE_PATH_BUF);
}

/* The single path a request carries, made absolute. */
static int one_path(struct req *r, char *out)
{
	const char *s;
	int rc = args(r, &s, 1);

	return rc < 0 ? rc : path_arg(r, s, 0, out);
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -XEN_EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' ||
		    v > (max - (uint64_t)(*s - '0')) / 10)
			return -XEN_EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

static int domid_arg(struct req *r, uint16_t *domid)
{
	const char *s;
	uint64_t v;
	int rc = args(r, &s, 1);

	if (rc == 0)
		rc = parse_u64(s, 0xffff, &v);
	if (rc == 0)
		*domid = (uint16_t)v;
	return rc;
}

/* ---- tree requests --------------------------------------------------------
 */

static int do_read(struct req *r)
{
	char path[STORE_PATH_BUF];
	const struct snode *n;
	int rc = one_path(r, path);

	if (rc == 0)
		rc = view_access(&r->v, path, STORE_PERM_READ, &n);
	return rc < 0 ? rc : reply(r, n->val, n->vlen);
}

static int do_write(struct req *r)
{
	char path[STORE_PATH_BUF];
	struct pv_xs_cursor cur;
	const char *s;
	const void *val;
	size_t slen, vlen;
	int rc;

	pv_xs_cursor_init(&cur, r->p, r->len);
	if (pv_xs_next_str(&cur, &s, &slen) < 0)
		return -XEN_EINVAL;
	pv_xs_rest(&cur, &val, &vlen);
	rc = path_arg(r, s, 0, path);
	if (rc == 0)
		rc = tree_write(&r->v, path, val, vlen, false);
	return rc < 0 ? rc : ack(r);
}

static int do_mkdir(struct req *r)
{
	char path[STORE_PATH_BUF];
	int rc = one_path(r, path);

	if (rc == 0)
		rc = tree_write(&r->v, path, NULL, 0, true);
	return rc < 0 ? rc : ack(r);
}

static int do_rm(struct req *r)
{
	char path[STORE_PATH_BUF];
	int rc = one_path(r, path);

	if (rc == 0)
		rc = tree_rm(&r->v, path);
	return rc < 0 ? rc : ack(r);
}

static int do_directory(struct req *r)
{
	char path[STORE_PATH_BUF], *buf;
	const struct snode *n;
	size_t len;
	int rc = one_path(r, path);

	if (rc == 0)
		rc = view_access(&r->v, path, STORE_PERM_READ, &n);
	if (rc == 0)
		rc = snode_kids_buf(n, &buf, &len);
	if (rc < 0)
		return rc;
	rc = reply(r, buf, len);
	free(buf);
	return rc;
}

/* "gen\0" and as many whole names from byte offset off as fit; an empty
 * string after the last name says the list is complete. */
static int do_directory_part(struct req *r)
{
	char path[STORE_PATH_BUF], out[XENSTORE_PAYLOAD_MAX], *kids;
	const char *s[2];
	const struct snode *n;
	size_t klen, glen, len, l = 0;
	uint64_t off = 0, pos;
	int rc = args(r, s, 2);

	if (rc == 0)
		rc = path_arg(r, s[0], 0, path);
	if (rc == 0)
		rc = parse_u64(s[1], UINT32_MAX, &off);
	if (rc == 0)
		rc = view_access(&r->v, path, STORE_PERM_READ, &n);
	if (rc == 0)
		rc = snode_kids_buf(n, &kids, &klen);
	if (rc < 0)
		return rc;
	glen = (size_t)snprintf(out, sizeof(out), "%" PRIu64, n->gen) + 1;
	for (pos = off; pos < klen; pos += l) {
		l = strnlen(kids + pos, klen - pos) + 1;
		if (glen + (pos - off) + l >= sizeof(out))
			break;
	}
	len = pos > off ? pos - off : 0;
	if (len)
		memcpy(out + glen, kids + off, len);
	if (pos >= klen)
		out[glen + len++] = '\0';
	free(kids);
	return reply(r, out, glen + len);
}

static size_t perms_fmt(const struct store_perm *p, unsigned int np, char *out,
			size_t cap)
{
	static const char letter[] = "nrwb";
	size_t len = 0;
	unsigned int i;

	for (i = 0; i < np && len < cap; i++)
		len += (size_t)snprintf(out + len, cap - len, "%c%u",
					letter[p[i].perms & 3], p[i].id) +
		       1;
	return len;
}

static int do_get_perms(struct req *r)
{
	char path[STORE_PATH_BUF], out[XENSTORE_PAYLOAD_MAX];
	const struct store_perm *p;
	const struct snode *n;
	const struct sspecial *sp;
	unsigned int np;
	const char *s;
	int rc = args(r, &s, 1);

	if (rc == 0)
		rc = path_arg(r, s, PV_XS_PATH_SPECIAL, path);
	if (rc < 0)
		return rc;
	if ((sp = special_find(r->c->st, path)) != NULL) {
		if (!(perm_for(r->c->domid, sp->perm, sp->nperm) &
		      STORE_PERM_READ))
			return -XEN_EACCES;
		p = sp->perm;
		np = sp->nperm;
	} else {
		rc = view_access(&r->v, path, STORE_PERM_READ, &n);
		if (rc < 0)
			return rc;
		p = n->perm;
		np = n->nperm;
	}
	return reply(r, out, perms_fmt(p, np, out, sizeof(out)));
}

static int set_special(struct req *r, struct sspecial *sp,
		       const struct store_perm *p, unsigned int np)
{
	struct store_perm *c;

	if ((perm_for(r->c->domid, sp->perm, sp->nperm) & STORE_PERM_OWNER) ==
	    0)
		return -XEN_EACCES;
	c = malloc(np * sizeof(*c));
	if (!c)
		return -XEN_ENOMEM;
	memcpy(c, p, np * sizeof(*c));
	free(sp->perm);
	sp->perm = c;
	sp->nperm = np;
	return 0;
}

static int do_set_perms(struct req *r)
{
	char path[STORE_PATH_BUF];
	unsigned int max = (unsigned int)r->len / 2 + 1;
	const char **s = malloc(max * sizeof(*s));
	struct store_perm *p = malloc(max * sizeof(*p));
	struct sspecial *sp;
	int n = s ? pv_xs_split(r->p, r->len, s, max) : -XEN_ENOMEM;
	int rc = !p ? -XEN_ENOMEM : n < 0 ? n : n < 2 ? -XEN_EINVAL : 0;

	if (rc == 0)
		rc = path_arg(r, s[0], PV_XS_PATH_SPECIAL, path);
	if (rc == 0)
		rc = perms_parse(s + 1, (unsigned int)n - 1, p);
	if (rc == 0 && (sp = special_find(r->c->st, path)) != NULL)
		rc = set_special(r, sp, p, (unsigned int)n - 1);
	else if (rc == 0)
		rc = tree_set_perms(&r->v, path, p, (unsigned int)n - 1);
	free(s);
	free(p);
	return rc < 0 ? rc : ack(r);
}

/* ---- watches and transactions ---------------------------------------------
 */

static int do_watch(struct req *r)
{
	char path[STORE_PATH_BUF];
	const char *s[2];
	int rc = args(r, s, 2);

	if (rc == 0)
		rc = path_arg(r, s[0], PV_XS_PATH_SPECIAL, path);
	if (rc == 0)
		rc = watch_add(r->c, path, s[0], s[1]);
	if (rc == 0)
		rc = ack(r);
	/* Once at the start, after the OK, so a client need not read the
	 * current state separately. */
	if (rc == 0)
		watch_initial(r->c, path, s[1]);
	return rc;
}

static int do_unwatch(struct req *r)
{
	char path[STORE_PATH_BUF];
	const char *s[2];
	int rc = args(r, s, 2);

	if (rc == 0)
		rc = path_arg(r, s[0], PV_XS_PATH_SPECIAL, path);
	if (rc == 0)
		rc = watch_remove(r->c, path, s[1]);
	return rc < 0 ? rc : ack(r);
}

static int do_reset_watches(struct req *r)
{
	watch_remove_all(r->c);
	tx_abort_all(r->c);
	return ack(r);
}

static int do_tx_start(struct req *r)
{
	char out[16];
	uint32_t id;
	int rc;

	if (r->hdr->tx_id)
		return -XEN_EBUSY; /* no nesting */
	rc = tx_start(r->c, &id);
	if (rc < 0)
		return rc;
	return reply(r, out, (size_t)snprintf(out, sizeof(out), "%u", id) + 1);
}

static int do_tx_end(struct req *r)
{
	const char *s;
	int rc = args(r, &s, 1);

	if (rc < 0 || (strcmp(s, "T") && strcmp(s, "F")))
		return -XEN_EINVAL;
	if (!r->v.tx)
		return -XEN_ENOENT;
	rc = tx_end(r->c, r->v.tx, s[0] == 'T');
	r->v.tx = NULL;
	return rc < 0 ? rc : ack(r);
}

/* ---- domains ----------------------------------------------------------------
 */

static int do_get_domain_path(struct req *r)
{
	char out[32];
	uint16_t domid;
	int rc = domid_arg(r, &domid);

	if (rc < 0)
		return rc;
	return reply(
	    r, out,
	    (size_t)snprintf(out, sizeof(out), "/local/domain/%u", domid) + 1);
}

static int do_introduce(struct req *r)
{
	struct store *st = r->c->st;
	const char *s[3];
	uint64_t domid, mfn, port;
	int rc = args(r, s, 3);

	if (rc == 0)
		rc = parse_u64(s[0], 0x7fef, &domid);
	if (rc == 0)
		rc = parse_u64(s[1], UINT64_MAX, &mfn);
	if (rc == 0)
		rc = parse_u64(s[2], UINT32_MAX, &port);
	if (rc == 0 && domid == 0)
		rc = -XEN_EINVAL;
	if (rc == 0 && st->introduce_fn)
		rc = st->introduce_fn(st, (uint16_t)domid, mfn, (uint32_t)port,
				      st->introduce_arg);
	if (rc == 0)
		rc = store_domain_mark(st, (uint16_t)domid, true);
	return rc < 0 ? rc : ack(r);
}

static int do_release(struct req *r)
{
	uint16_t domid;
	int rc = domid_arg(r, &domid);

	if (rc == 0 &&
	    (domid == 0 || !store_domain_introduced(r->c->st, domid)))
		rc = -XEN_ENOENT;
	if (rc == 0)
		rc = store_domain_mark(r->c->st, domid, false);
	return rc < 0 ? rc : ack(r);
}

static int do_is_introduced(struct req *r)
{
	uint16_t domid;
	int rc = domid_arg(r, &domid);

	if (rc < 0)
		return rc;
	return reply(r, store_domain_introduced(r->c->st, domid) ? "T" : "F",
		     2);
}

static int do_unsupported(struct req *r)
{
	(void)r;
	return -XEN_ENOSYS;
}

static const struct handler handlers[XS_TYPE_COUNT] = {
    [XS_CONTROL] = {do_unsupported, F_PRIV | F_NOTX},
    [XS_DIRECTORY] = {do_directory, 0},
    [XS_READ] = {do_read, 0},
    [XS_GET_PERMS] = {do_get_perms, 0},
    [XS_WATCH] = {do_watch, F_NOTX},
    [XS_UNWATCH] = {do_unwatch, F_NOTX},
    [XS_TRANSACTION_START] = {do_tx_start, F_NOTX},
    [XS_TRANSACTION_END] = {do_tx_end, 0},
    [XS_INTRODUCE] = {do_introduce, F_PRIV | F_NOTX},
    [XS_RELEASE] = {do_release, F_PRIV | F_NOTX},
    [XS_GET_DOMAIN_PATH] = {do_get_domain_path, F_NOTX},
    [XS_WRITE] = {do_write, 0},
    [XS_MKDIR] = {do_mkdir, 0},
    [XS_RM] = {do_rm, 0},
    [XS_SET_PERMS] = {do_set_perms, 0},
    [XS_IS_DOMAIN_INTRODUCED] = {do_is_introduced, F_NOTX},
    [XS_RESUME] = {do_unsupported, F_PRIV | F_NOTX},
    [XS_SET_TARGET] = {do_unsupported, F_PRIV | F_NOTX},
    [XS_RESET_WATCHES] = {do_reset_watches, F_NOTX},
    [XS_DIRECTORY_PART] = {do_directory_part, 0},
};

static int dispatch(struct req *r)
{
	const struct handler *h;

	if (r->hdr->type >= XS_TYPE_COUNT || !handlers[r->hdr->type].fn)
		return -XEN_EINVAL; /* unknown, or a reply-only type */
	if (r->hdr->len > XENSTORE_PAYLOAD_MAX || (r->len && !r->p))
		return -XEN_EINVAL;
	h = &handlers[r->hdr->type];
	if ((h->flags & F_PRIV) && r->c->domid != 0)
		return -XEN_EACCES;
	if (!(h->flags & F_NOTX) && r->hdr->tx_id) {
		r->v.tx = tx_find(r->c, r->hdr->tx_id);
		if (!r->v.tx)
			return -XEN_ENOENT;
	}
	return h->fn(r);
}

int store_request(struct store_conn *c, const struct xsd_sockmsg *hdr,
		  const char *payload)
{
	struct req r = {
	    .c = c,
	    .hdr = hdr,
	    .p = payload,
	    .len = hdr->len,
	    .v = {.st = c->st, .tx = NULL, .who = c->domid},
	};
	const char *name;
	int rc;

	if (store_conn_throttled(c))
		return -XEN_EBUSY;
	rc = dispatch(&r);
	if (r.replied)
		return rc < 0 ? rc : 0; /* rc: the transport's verdict */
	name = pv_xs_error_name(rc);
	return conn_send(c, XS_ERROR, hdr->req_id, hdr->tx_id, name,
			 strlen(name) + 1);
}
