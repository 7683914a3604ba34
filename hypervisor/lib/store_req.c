/*
 * store_req.c — the store client's requests: building each kind,
 * decoding its reply for the typed callback, a DIRECTORY too big for one
 * reply (DIRECTORY_PART), watches and their events, the permission
 * syntax.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* Store errors travel by name; the numbers they decode to are the host's
 * (pvkit/proto/errno.h has Linux's values), so they pass through. */
_Static_assert(XEN_EPERM == EPERM && XEN_ENOENT == ENOENT &&
		       XEN_EIO == EIO && XEN_E2BIG == E2BIG &&
		       XEN_EAGAIN == EAGAIN && XEN_ENOMEM == ENOMEM &&
		       XEN_EACCES == EACCES && XEN_EBUSY == EBUSY &&
		       XEN_EEXIST == EEXIST && XEN_EISDIR == EISDIR &&
		       XEN_EINVAL == EINVAL && XEN_ENOSPC == ENOSPC &&
		       XEN_EROFS == EROFS && XEN_ENOSYS == ENOSYS &&
		       XEN_ENOTEMPTY == ENOTEMPTY && XEN_EISCONN == EISCONN,
	       "store error numbers are the host's");

int hvs_error(const char *payload, size_t len)
{
	return pv_xs_error_parse(payload, len);
}

struct hvs_req *hvs_req_new(uint32_t type, uint32_t tx, enum hvs_kind kind,
			    void *arg)
{
	struct hvs_req *r = calloc(1, sizeof(*r));

	if (r) {
		r->type = type;
		r->tx = tx;
		r->kind = kind;
		r->arg = arg;
	}
	return r;
}

/* ---- permissions --------------------------------------------------------- */

int pvhv_store_perm_parse(const char *s, struct pvhv_store_perm *out)
{
	static const char letters[] = "nrwb";
	const char *l = s && *s ? strchr(letters, s[0]) : NULL;
	unsigned long id = 0;

	if (!l || !s[1] || strspn(s + 1, "0123456789") != strlen(s + 1) ||
	    strlen(s + 1) > 5)
		return -EINVAL;
	id = strtoul(s + 1, NULL, 10);
	if (id > 0xffff)
		return -EINVAL;
	out->id = (domid_t)id;
	out->perms = (unsigned int)(l - letters); /* n=0 r=1 w=2 b=3 */
	return 0;
}

int pvhv_store_perm_format(const struct pvhv_store_perm *p, char *buf,
			   size_t len)
{
	int n;

	if (p->perms > PVHV_STORE_PERM_BOTH)
		return -EINVAL;
	n = snprintf(buf, len, "%c%u", "nrwb"[p->perms], (unsigned int)p->id);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

/* ---- replies ------------------------------------------------------------- */

/* r's callback with an error and no data. */
static void call_error(struct pvhv_store *s, struct hvs_req *r, int err)
{
	switch (r->kind) {
	case HVS_DONE:
		if (r->cb.done)
			r->cb.done(s, err, r->arg);
		break;
	case HVS_READ:
		if (r->cb.read)
			r->cb.read(s, err, NULL, 0, r->arg);
		break;
	case HVS_DIR:
		if (r->cb.dir)
			r->cb.dir(s, err, NULL, 0, r->arg);
		break;
	case HVS_PERMS:
		if (r->cb.perms)
			r->cb.perms(s, err, NULL, 0, r->arg);
		break;
	case HVS_TXID:
		if (r->cb.txid)
			r->cb.txid(s, err, 0, r->arg);
		break;
	case HVS_RAW:
		if (r->cb.raw)
			r->cb.raw(s, err, NULL, 0, r->arg);
		break;
	}
}

static void watch_drop(struct pvhv_store *s, uint32_t id)
{
	for (struct hvs_watch **pp = &s->watches; *pp; pp = &(*pp)->next) {
		struct hvs_watch *w = *pp;

		if (w->id == id) {
			*pp = w->next;
			free(w->path);
			free(w->token);
			free(w);
			return;
		}
	}
}

void hvs_fail(struct pvhv_store *s, struct hvs_req *r, int err)
{
	if (r->watch_id)
		watch_drop(s, r->watch_id);
	if (!r->cancelled)
		call_error(s, r, err);
	hvs_req_free(r);
}

/* NUL-terminated names in buf[0..len) to the callback. */
static void deliver_names(struct pvhv_store *s, struct hvs_req *r,
			  const char *buf, size_t len)
{
	unsigned int n = 0;
	const char **names;
	int got;

	for (size_t i = 0; i < len; i++)
		n += buf[i] == '\0';
	names = calloc(n + 1, sizeof(*names));
	if (!names) {
		call_error(s, r, -ENOMEM);
		return;
	}
	got = pv_xs_split(buf, len, names, n);
	if (got < 0)
		call_error(s, r, -EPROTO); /* the last name is unterminated */
	else if (r->cb.dir)
		r->cb.dir(s, 0, names, (unsigned int)got, r->arg);
	free(names);
}

static void deliver_perms(struct pvhv_store *s, struct hvs_req *r,
			  const char *payload, size_t len)
{
	struct pv_xs_cursor c;
	struct pvhv_store_perm *p;
	unsigned int n = 0;
	const char *str;
	size_t slen;
	int rc = 0;

	p = calloc(len / 2 + 1, sizeof(*p)); /* each entry takes >= 3 bytes */
	if (!p) {
		call_error(s, r, -ENOMEM);
		return;
	}
	pv_xs_cursor_init(&c, payload, len);
	while (!rc && pv_xs_next_str(&c, &str, &slen) == 0)
		rc = pvhv_store_perm_parse(str, &p[n++]);
	if (rc || c.left || n == 0)
		call_error(s, r, -EPROTO);
	else if (r->cb.perms)
		r->cb.perms(s, 0, p, n, r->arg);
	free(p);
}

static void deliver_txid(struct pvhv_store *s, struct hvs_req *r,
			 const char *payload, size_t len)
{
	unsigned long v = 0;
	char *end;

	if (len >= 2 && len <= 11 && payload[len - 1] == '\0' &&
	    payload[0] >= '0' && payload[0] <= '9')
		v = strtoul(payload, &end, 10);
	if (v == 0 || v > UINT32_MAX || *end)
		call_error(s, r, -EPROTO);
	else if (r->cb.txid)
		r->cb.txid(s, 0, (uint32_t)v, r->arg);
}

static void deliver(struct pvhv_store *s, struct hvs_req *r,
		    const char *payload, size_t len)
{
	switch (r->kind) {
	case HVS_DONE:
		if (r->cb.done)
			r->cb.done(s, 0, r->arg);
		break;
	case HVS_READ:
		if (r->cb.read)
			r->cb.read(s, 0, payload, len, r->arg);
		break;
	case HVS_DIR:
		deliver_names(s, r, payload, len);
		break;
	case HVS_PERMS:
		deliver_perms(s, r, payload, len);
		break;
	case HVS_TXID:
		deliver_txid(s, r, payload, len);
		break;
	case HVS_RAW:
		if (r->cb.raw)
			r->cb.raw(s, 0, payload, len, r->arg);
		break;
	}
}

/* ---- DIRECTORY_PART ------------------------------------------------------ */

/* Ask for the names from byte offset len of the list on. */
static int part_ask(struct pvhv_store *s, struct hvs_req *r)
{
	char off[24];
	const char *strs[] = { r->path, off, NULL };

	snprintf(off, sizeof(off), "%zu", r->part->len);
	r->type = XS_DIRECTORY_PART;
	return hvs_submit(s, r, strs, NULL, 0);
}

/* DIRECTORY said E2BIG: go on with parts.  0 when asked. */
static int part_start(struct pvhv_store *s, struct hvs_req *r)
{
	r->part = calloc(1, sizeof(*r->part));
	if (!r->part)
		return -ENOMEM;
	return part_ask(s, r);
}

/* One part: "gen\0" then whole names; an empty string after the last one
 * ends the list.  1 when the list is complete, 0 when there is more to
 * ask for, -errno. */
static int part_take(struct hvs_part *p, const char *payload, size_t len)
{
	struct pv_xs_cursor c;
	const char *gen, *name;
	size_t glen, nlen;
	char *more;

	pv_xs_cursor_init(&c, payload, len);
	if (pv_xs_next_str(&c, &gen, &glen) || glen == 0 ||
	    glen >= sizeof(p->gen))
		return -EPROTO;
	if (p->gen[0] && strcmp(p->gen, gen)) { /* changed: start over */
		if (++p->restarts > HVS_PART_RESTARTS)
			return -EAGAIN;
		p->len = 0;
	}
	memcpy(p->gen, gen, glen + 1);
	if (c.left == 0)
		return -EPROTO; /* no names and no end: no progress */
	more = realloc(p->names, p->len + c.left);
	if (!more)
		return -ENOMEM;
	p->names = more;
	while (pv_xs_next_str(&c, &name, &nlen) == 0) {
		if (nlen == 0)
			return c.left ? -EPROTO : 1;
		memcpy(p->names + p->len, name, nlen + 1);
		p->len += nlen + 1;
	}
	return c.left ? -EPROTO : 0;
}

/* A DIRECTORY or DIRECTORY_PART reply.  true when r went on (asked for
 * the next part): it is in flight again. */
static bool dir_step(struct pvhv_store *s, struct hvs_req *r, int *err,
		     const char *payload, size_t len)
{
	int rc;

	if (r->type == XS_DIRECTORY) {
		if (*err != -E2BIG)
			return false;
		rc = part_start(s, r);
	} else {
		if (*err)
			return false;
		rc = part_take(r->part, payload, len);
		if (rc == 1) {
			deliver_names(s, r, r->part->names, r->part->len);
			*err = 1; /* delivered */
			return false;
		}
		if (rc == 0)
			rc = part_ask(s, r);
	}
	if (rc == 0)
		return true;
	*err = rc;
	return false;
}

void hvs_complete(struct pvhv_store *s, struct hvs_req *r,
		  const struct xsd_sockmsg *hdr, const char *payload)
{
	int err = hdr->type == XS_ERROR ? hvs_error(payload, hdr->len) : 0;

	if (err && r->watch_id)
		watch_drop(s, r->watch_id);
	if (r->cancelled) {
		hvs_req_free(r);
		return;
	}
	if (r->kind == HVS_DIR && dir_step(s, r, &err, payload, hdr->len))
		return;
	if (err < 0)
		call_error(s, r, err);
	else if (err == 0)
		deliver(s, r, payload, hdr->len);
	hvs_req_free(r);
}

/* ---- watches ------------------------------------------------------------- */

/* Every registration has its own wire token, "<id>:<token>", so events
 * find their registration even when tokens repeat. */
static int wire_token(const struct hvs_watch *w, char **out)
{
	size_t len = strlen(w->token) + 12;

	*out = malloc(len);
	if (!*out)
		return -ENOMEM;
	snprintf(*out, len, "%u:%s", w->id, w->token);
	return 0;
}

void hvs_watch_event(struct pvhv_store *s, const char *payload, size_t len)
{
	struct pv_xs_cursor c;
	const char *path, *token;
	size_t plen, tlen;
	unsigned long id;
	char *end;

	pv_xs_cursor_init(&c, payload, len);
	if (pv_xs_next_str(&c, &path, &plen) ||
	    pv_xs_next_str(&c, &token, &tlen) || token[0] < '0' ||
	    token[0] > '9')
		return; /* not one of ours: nobody to tell */
	id = strtoul(token, &end, 10);
	if (*end != ':')
		return;
	for (struct hvs_watch *w = s->watches; w; w = w->next) {
		if (w->id == id && !strcmp(end + 1, w->token)) {
			w->cb(s, path, w->token, w->arg);
			return;
		}
	}
}

void hvs_watches_free(struct pvhv_store *s)
{
	while (s->watches)
		watch_drop(s, s->watches->id);
}

static struct hvs_watch *watch_new(struct pvhv_store *s, const char *path,
				   const char *token,
				   pvhv_store_watch_fn *cb, void *arg)
{
	struct hvs_watch *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	if (++s->next_watch == 0)
		s->next_watch = 1; /* 0: "no watch" in a request */
	w->id = s->next_watch;
	w->cb = cb;
	w->arg = arg;
	w->path = strdup(path);
	w->token = strdup(token);
	if (!w->path || !w->token) {
		free(w->path);
		free(w->token);
		free(w);
		return NULL;
	}
	w->next = s->watches;
	s->watches = w;
	return w;
}

int hvs_watch_submit(struct pvhv_store *s, const char *path,
		     const char *token, pvhv_store_watch_fn *cb, void *warg,
		     pvhv_store_done_fn *done, void *darg)
{
	struct hvs_watch *w;
	struct hvs_req *r;
	char *wt = NULL;
	int rc;

	if (!path || !token || !cb)
		return -EINVAL;
	if (s->err)
		return s->err;
	r = hvs_req_new(XS_WATCH, 0, HVS_DONE, darg);
	w = r ? watch_new(s, path, token, cb, warg) : NULL;
	rc = w ? wire_token(w, &wt) : -ENOMEM;
	if (!rc) {
		const char *strs[] = { path, wt, NULL };

		r->cb.done = done;
		r->watch_id = w->id;
		rc = hvs_submit(s, r, strs, NULL, 0);
	}
	free(wt);
	if (rc) {
		if (w)
			watch_drop(s, w->id);
		hvs_req_free(r);
	}
	return rc;
}

int pvhv_store_watch_async(struct pvhv_store *s, const char *path,
			   const char *token, pvhv_store_watch_fn *cb,
			   pvhv_store_done_fn *done, void *arg)
{
	return hvs_watch_submit(s, path, token, cb, arg, done, arg);
}

int pvhv_store_unwatch_async(struct pvhv_store *s, const char *path,
			     const char *token, pvhv_store_done_fn *done,
			     void *arg)
{
	struct hvs_watch *w = s->watches;
	struct hvs_req *r;
	char *wt;
	int rc;

	if (!path || !token)
		return -EINVAL;
	while (w && (strcmp(w->path, path) || strcmp(w->token, token)))
		w = w->next;
	if (!w)
		return -ENOENT;
	rc = wire_token(w, &wt);
	if (rc)
		return rc;
	/* Gone for us at once: events already received are not delivered. */
	watch_drop(s, w->id);
	r = hvs_req_new(XS_UNWATCH, 0, HVS_DONE, arg);
	rc = r ? 0 : -ENOMEM;
	if (!rc) {
		const char *strs[] = { path, wt, NULL };

		r->cb.done = done;
		rc = hvs_submit(s, r, strs, NULL, 0);
	}
	free(wt);
	if (rc)
		hvs_req_free(r);
	return rc;
}

/* ---- requests ------------------------------------------------------------ */

/* Submit a request whose payload is path (and optionally more). */
static int path_req(struct pvhv_store *s, struct hvs_req *r,
		    const char *const *strs, const void *raw, size_t rawlen)
{
	int rc;

	if (!r)
		return -ENOMEM;
	rc = hvs_submit(s, r, strs, raw, rawlen);
	if (rc)
		hvs_req_free(r);
	return rc;
}

int pvhv_store_read_async(struct pvhv_store *s, uint32_t tx, const char *path,
			  pvhv_store_read_fn *cb, void *arg)
{
	const char *strs[] = { path, NULL };
	struct hvs_req *r;

	if (!path)
		return -EINVAL;
	r = hvs_req_new(XS_READ, tx, HVS_READ, arg);
	if (r)
		r->cb.read = cb;
	return path_req(s, r, strs, NULL, 0);
}

int pvhv_store_write_async(struct pvhv_store *s, uint32_t tx,
			   const char *path, const void *value, size_t len,
			   pvhv_store_done_fn *cb, void *arg)
{
	const char *strs[] = { path, NULL };
	struct hvs_req *r;

	if (!path || (len && !value))
		return -EINVAL;
	r = hvs_req_new(XS_WRITE, tx, HVS_DONE, arg);
	if (r)
		r->cb.done = cb;
	return path_req(s, r, strs, value, len);
}

static int simple_req(struct pvhv_store *s, uint32_t type, uint32_t tx,
		      const char *path, pvhv_store_done_fn *cb, void *arg)
{
	const char *strs[] = { path, NULL };
	struct hvs_req *r;

	if (!path)
		return -EINVAL;
	r = hvs_req_new(type, tx, HVS_DONE, arg);
	if (r)
		r->cb.done = cb;
	return path_req(s, r, strs, NULL, 0);
}

int pvhv_store_mkdir_async(struct pvhv_store *s, uint32_t tx,
			   const char *path, pvhv_store_done_fn *cb, void *arg)
{
	return simple_req(s, XS_MKDIR, tx, path, cb, arg);
}

int pvhv_store_rm_async(struct pvhv_store *s, uint32_t tx, const char *path,
			pvhv_store_done_fn *cb, void *arg)
{
	return simple_req(s, XS_RM, tx, path, cb, arg);
}

int pvhv_store_directory_async(struct pvhv_store *s, uint32_t tx,
			       const char *path, pvhv_store_dir_fn *cb,
			       void *arg)
{
	const char *strs[] = { path, NULL };
	struct hvs_req *r;

	if (!path)
		return -EINVAL;
	r = hvs_req_new(XS_DIRECTORY, tx, HVS_DIR, arg);
	if (r) {
		r->cb.dir = cb;
		r->path = strdup(path);
		if (!r->path) {
			hvs_req_free(r);
			return -ENOMEM;
		}
	}
	return path_req(s, r, strs, NULL, 0);
}

int pvhv_store_get_perms_async(struct pvhv_store *s, uint32_t tx,
			       const char *path, pvhv_store_perms_fn *cb,
			       void *arg)
{
	const char *strs[] = { path, NULL };
	struct hvs_req *r;

	if (!path)
		return -EINVAL;
	r = hvs_req_new(XS_GET_PERMS, tx, HVS_PERMS, arg);
	if (r)
		r->cb.perms = cb;
	return path_req(s, r, strs, NULL, 0);
}

int pvhv_store_set_perms_async(struct pvhv_store *s, uint32_t tx,
			       const char *path,
			       const struct pvhv_store_perm *perms,
			       unsigned int n, pvhv_store_done_fn *cb,
			       void *arg)
{
	/* "b65535" is the longest entry; more entries than a payload holds
	 * would be E2BIG anyway. */
	enum { ENTRY = 8, MAX = XENSTORE_PAYLOAD_MAX / 3 };
	const char **strs;
	char *text;
	int rc = 0;

	if (!path || !n || !perms)
		return -EINVAL;
	if (n > MAX)
		return -E2BIG;
	strs = calloc(n + 2, sizeof(*strs));
	text = malloc((size_t)n * ENTRY);
	if (!strs || !text) {
		free(strs);
		free(text);
		return -ENOMEM;
	}
	strs[0] = path;
	for (unsigned int i = 0; !rc && i < n; i++) {
		rc = pvhv_store_perm_format(&perms[i], text + i * ENTRY, ENTRY);
		strs[i + 1] = text + i * ENTRY;
	}
	if (!rc) {
		struct hvs_req *r = hvs_req_new(XS_SET_PERMS, tx, HVS_DONE,
						arg);

		if (r)
			r->cb.done = cb;
		rc = path_req(s, r, strs, NULL, 0);
	}
	free(strs);
	free(text);
	return rc;
}

int pvhv_store_tx_start_async(struct pvhv_store *s, pvhv_store_txid_fn *cb,
			      void *arg)
{
	static const char *const strs[] = { "", NULL };
	struct hvs_req *r = hvs_req_new(XS_TRANSACTION_START, 0, HVS_TXID, arg);

	if (r)
		r->cb.txid = cb;
	return path_req(s, r, strs, NULL, 0);
}

int pvhv_store_tx_end_async(struct pvhv_store *s, uint32_t tx, bool commit,
			    pvhv_store_done_fn *cb, void *arg)
{
	const char *strs[] = { commit ? "T" : "F", NULL };
	struct hvs_req *r;

	if (tx == PVHV_STORE_TX_NONE)
		return -EINVAL;
	r = hvs_req_new(XS_TRANSACTION_END, tx, HVS_DONE, arg);
	if (r)
		r->cb.done = cb;
	return path_req(s, r, strs, NULL, 0);
}

int pvhv_store_request_async(struct pvhv_store *s, uint32_t type,
			     uint32_t tx, const void *payload, size_t len,
			     pvhv_store_raw_fn *cb, void *arg)
{
	struct hvs_req *r;

	/* Watches need the client's bookkeeping; replies are not requests. */
	if ((len && !payload) || !pv_xs_type_name(type) || type == XS_WATCH ||
	    type == XS_UNWATCH || type == XS_RESET_WATCHES ||
	    type == XS_WATCH_EVENT || type == XS_ERROR)
		return -EINVAL;
	r = hvs_req_new(type, tx, HVS_RAW, arg);
	if (r)
		r->cb.raw = cb;
	return path_req(s, r, NULL, payload, len);
}
