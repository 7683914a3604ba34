/*
 * The store object: creation with the initial tree, clients, domains
 * coming and going, and pvhv's own dom0 calls.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pvkit/store.h"
#include "store_int.h"

void store_quota_defaults(struct store_quota *q)
{
	*q = (struct store_quota){
	    .entry_nb = 1000,
	    .entry_size = 2048,
	    .perm_nb = 5,
	    .watch_nb = 128,
	    .transaction = 10,
	    .outstanding = 20,
	    .path_max = XENSTORE_REL_PATH_MAX,
	};
}

static const struct store_perm dom0_only = {.id = 0, .perms = STORE_PERM_NONE};

static int seed(struct store *st)
{
	static const char *const paths[] = {"/local", "/local/domain", "/tool"};
	struct view v = {.st = st, .who = 0};
	struct snode *root = snode_new(&dom0_only, 1);
	unsigned int i;
	int rc;

	if (!root)
		return -XEN_ENOMEM;
	rc = view_set(&v, "/", root);
	for (i = 0; rc == 0 && i < sizeof(paths) / sizeof(paths[0]); i++)
		rc = tree_write(&v, paths[i], NULL, 0, true);
	return rc;
}

int store_new(const struct store_quota *q, struct store **out)
{
	static const char *const names[2] = {"@introduceDomain",
					     "@releaseDomain"};
	struct store *st = calloc(1, sizeof(*st));
	unsigned int i;

	*out = NULL;
	if (!st)
		return -XEN_ENOMEM;
	if (q)
		st->q = *q;
	else
		store_quota_defaults(&st->q);
	for (i = 0; i < 2; i++) {
		st->special[i].name = names[i];
		st->special[i].perm = malloc(sizeof(dom0_only));
		if (!st->special[i].perm)
			goto fail;
		st->special[i].perm[0] = dom0_only;
		st->special[i].nperm = 1;
	}
	if (seed(st) < 0)
		goto fail;
	*out = st;
	return 0;
fail:
	store_free(st);
	return -XEN_ENOMEM;
}

static void node_free(void *n)
{
	snode_free(n);
}

void store_free(struct store *st)
{
	struct sdom *d;
	unsigned int i;

	if (!st)
		return;
	while (st->conns)
		store_conn_free(st->conns);
	smap_fini(&st->nodes, node_free);
	while ((d = st->doms) != NULL) {
		st->doms = d->next;
		free(d);
	}
	for (i = 0; i < 2; i++)
		free(st->special[i].perm);
	free(st);
}

/* ---- clients --------------------------------------------------------------
 */

int store_conn_new(struct store *st, uint16_t domid,
		   const struct store_conn_ops *ops, void *arg,
		   struct store_conn **out)
{
	struct store_conn *c;

	*out = NULL;
	if (!st || !ops || !ops->send)
		return -XEN_EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -XEN_ENOMEM;
	c->st = st;
	c->domid = domid;
	c->ops = ops;
	c->arg = arg;
	c->next = st->conns;
	st->conns = c;
	*out = c;
	return 0;
}

void store_conn_free(struct store_conn *c)
{
	struct store_conn **p;

	if (!c)
		return;
	for (p = &c->st->conns; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	watch_remove_all(c);
	tx_abort_all(c);
	free(c);
}

uint16_t store_conn_domid(const struct store_conn *c)
{
	return c->domid;
}

bool store_conn_throttled(const struct store_conn *c)
{
	unsigned int max = c->st->q.outstanding;

	return c->domid != 0 && max && c->outstanding >= max;
}

void store_conn_delivered(struct store_conn *c, unsigned int n)
{
	c->outstanding = n > c->outstanding ? 0 : c->outstanding - n;
}

/* ---- pvhv's own calls ------------------------------------------------------
 */

static int abs_path(const char *path)
{
	int rc;

	if (!path || path[0] != '/')
		return -XEN_EINVAL;
	rc = pv_xs_path_check(path, strlen(path), 0);
	return rc;
}

int store_write(struct store *st, const char *path, const void *value,
		size_t len)
{
	struct view v = {.st = st, .who = 0};
	int rc = abs_path(path);

	return rc < 0 ? rc : tree_write(&v, path, value, len, false);
}

int store_mkdir(struct store *st, const char *path)
{
	struct view v = {.st = st, .who = 0};
	int rc = abs_path(path);

	return rc < 0 ? rc : tree_write(&v, path, NULL, 0, true);
}

int store_rm(struct store *st, const char *path)
{
	struct view v = {.st = st, .who = 0};
	int rc = abs_path(path);

	return rc < 0 ? rc : tree_rm(&v, path);
}

int store_set_perms(struct store *st, const char *path,
		    const struct store_perm *perms, unsigned int n)
{
	struct view v = {.st = st, .who = 0};
	int rc = abs_path(path);

	if (rc < 0 || !perms || n == 0)
		return rc < 0 ? rc : -XEN_EINVAL;
	return tree_set_perms(&v, path, perms, n);
}

int store_read(struct store *st, const char *path, void *buf, size_t len)
{
	struct view v = {.st = st, .who = 0};
	const struct snode *n;
	int rc = abs_path(path);

	if (rc == 0)
		rc = view_access(&v, path, STORE_PERM_READ, &n);
	if (rc < 0)
		return rc;
	if (n->vlen)
		memcpy(buf, n->val, n->vlen < len ? n->vlen : len);
	return (int)n->vlen;
}

void store_set_introduce_hook(struct store *st, store_introduce_fn fn,
			      void *arg)
{
	st->introduce_fn = fn;
	st->introduce_arg = arg;
}

/* ---- domains ----------------------------------------------------------------
 */

bool store_domain_introduced(const struct store *st, uint16_t domid)
{
	const struct sdom *d;

	if (domid == 0)
		return true;
	for (d = st->doms; d; d = d->next)
		if (d->id == domid)
			return d->introduced;
	return false;
}

int store_domain_mark(struct store *st, uint16_t domid, bool introduced)
{
	struct sdom *d = store_dom(st, domid, true);
	struct store_conn *c;

	if (!d)
		return -XEN_ENOMEM;
	if (d->introduced == introduced)
		return 0;
	d->introduced = introduced;
	if (introduced) {
		special_fire(st, "@introduceDomain");
		return 0;
	}
	for (c = st->conns; c; c = c->next)
		if (c->domid == domid) {
			watch_remove_all(c);
			tx_abort_all(c);
		}
	special_fire(st, "@releaseDomain");
	return 0;
}

/* The home as a toolstack lays it out: the domain may read its home,
 * device and control, and owns the directories it writes into. */
static int make_home(struct store *st, uint16_t domid, const char *home)
{
	static const char *const ro[] = {"", "/device", "/control"};
	static const char *const rw[] = {
	    "/control/shutdown", "/data", "/drivers",
	    "/feature",		 "/attr", "/error"};
	struct store_perm rop[2] = {{0, STORE_PERM_NONE},
				    {domid, STORE_PERM_READ}};
	struct store_perm rwp = {domid, STORE_PERM_NONE};
	char path[64];
	unsigned int i;
	int rc = 0;

	for (i = 0; rc == 0 && i < sizeof(ro) / sizeof(ro[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", home, ro[i]);
		rc = store_mkdir(st, path);
		if (rc == 0)
			rc = store_set_perms(st, path, rop, 2);
	}
	for (i = 0; rc == 0 && i < sizeof(rw) / sizeof(rw[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", home, rw[i]);
		rc = store_mkdir(st, path);
		if (rc == 0)
			rc = store_set_perms(st, path, &rwp, 1);
	}
	return rc;
}

/* "name" and "domid" in the home, as a toolstack writes them (dom0's,
 * read-only to the domain, like the home they sit in). */
static int name_home(struct store *st, uint16_t domid, const char *home,
		     const char *name)
{
	char path[64], v[8];
	int rc;

	snprintf(path, sizeof(path), "%s/domid", home);
	snprintf(v, sizeof(v), "%u", domid);
	rc = store_write(st, path, v, strlen(v));
	if (rc == 0 && name && *name) {
		snprintf(path, sizeof(path), "%s/name", home);
		rc = store_write(st, path, name, strlen(name));
	}
	return rc;
}

int store_domain_introduce(struct store *st, uint16_t domid, const char *name)
{
	char home[32];
	int rc;

	if (domid == 0 || domid >= 0x7ff0)
		return -XEN_EINVAL;
	snprintf(home, sizeof(home), "/local/domain/%u", domid);
	rc = make_home(st, domid, home);
	if (rc == 0)
		rc = name_home(st, domid, home, name);
	if (rc < 0) {
		store_rm(st, home);
		return rc;
	}
	return store_domain_mark(st, domid, true);
}

struct fixup {
	uint16_t domid;
	char **paths;
	size_t n, cap;
	int rc;
};

static bool names(const struct snode *n, uint16_t domid)
{
	unsigned int i;

	for (i = 0; i < n->nperm; i++)
		if (n->perm[i].id == domid)
			return true;
	return false;
}

static void find_refs(const char *key, void *val, void *arg)
{
	struct fixup *f = arg;
	char **p;

	if (!names(val, f->domid) || f->rc)
		return;
	if (f->n == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 16;
		p = realloc(f->paths, f->cap * sizeof(*p));
		if (!p) {
			f->rc = -XEN_ENOMEM;
			return;
		}
		f->paths = p;
	}
	f->paths[f->n] = strdup(key);
	if (!f->paths[f->n]) {
		f->rc = -XEN_ENOMEM;
		return;
	}
	f->n++;
}

/* Nothing of a dead domain's may pass to the next one with its id: dom0
 * takes over what it owned, and its own grants are dropped. */
static int drop_refs(struct store *st, uint16_t domid)
{
	struct view v = {.st = st, .who = 0};
	struct fixup f = {.domid = domid};
	unsigned int i, k;
	size_t j;

	smap_each(&st->nodes, find_refs, &f);
	for (j = 0; j < f.n; j++) {
		const struct snode *n = view_get(&v, f.paths[j]);
		struct snode *c = n ? snode_dup(n) : NULL;

		if (c) {
			if (c->perm[0].id == domid)
				c->perm[0].id = 0;
			for (i = k = 1; i < c->nperm; i++)
				if (c->perm[i].id != domid)
					c->perm[k++] = c->perm[i];
			c->nperm = k;
			if (view_set(&v, f.paths[j], c) < 0 && f.rc == 0)
				f.rc = -XEN_ENOMEM;
		} else if (n && f.rc == 0) {
			f.rc = -XEN_ENOMEM;
		}
		free(f.paths[j]);
	}
	free(f.paths);
	return f.rc;
}

int store_domain_release(struct store *st, uint16_t domid)
{
	char home[32];
	int rc, rc2;

	if (domid == 0)
		return -XEN_EINVAL;
	snprintf(home, sizeof(home), "/local/domain/%u", domid);
	rc = store_rm(st, home);
	rc2 = drop_refs(st, domid);
	if (rc == 0)
		rc = rc2;
	rc2 = store_domain_mark(st, domid, false);
	return rc < 0 ? rc : rc2;
}
