/*
 * The store's tree: a path-keyed map of node records, permission checks,
 * the per-domain node counts, and write / mkdir / rm / set_perms on a
 * view (the tree itself or one transaction's picture of it).
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* ---- string map ---------------------------------------------------------- */

static size_t hash(const char *s)
{
	size_t h = 14695981039346656037ull & (size_t)-1;

	while (*s)
		h = (h ^ (unsigned char)*s++) * (size_t)1099511628211ull;
	return h;
}

static struct smap_ent **slot(const struct smap *m, const char *key)
{
	struct smap_ent **e;

	if (!m->nb)
		return NULL;
	for (e = &m->b[hash(key) & (m->nb - 1)]; *e; e = &(*e)->next)
		if (strcmp((*e)->key, key) == 0)
			return e;
	return e;
}

void *smap_get(const struct smap *m, const char *key)
{
	struct smap_ent **e = slot(m, key);

	return e && *e ? (*e)->val : NULL;
}

static int grow(struct smap *m)
{
	size_t nb = m->nb ? m->nb * 2 : 64, i;
	struct smap_ent **b = calloc(nb, sizeof(*b)), *e, *next;

	if (!b)
		return -XEN_ENOMEM;
	for (i = 0; i < m->nb; i++)
		for (e = m->b[i]; e; e = next) {
			next = e->next;
			e->next = b[hash(e->key) & (nb - 1)];
			b[hash(e->key) & (nb - 1)] = e;
		}
	free(m->b);
	m->b = b;
	m->nb = nb;
	return 0;
}

int smap_put(struct smap *m, const char *key, void *val, void **old)
{
	struct smap_ent **e;

	*old = NULL;
	if (m->n >= m->nb && grow(m) < 0 && !m->nb)
		return -XEN_ENOMEM; /* a full table still works, slower */
	e = slot(m, key);
	if (*e) {
		*old = (*e)->val;
		(*e)->val = val;
		return 0;
	}
	*e = calloc(1, sizeof(**e));
	if (!*e)
		return -XEN_ENOMEM;
	(*e)->key = strdup(key);
	if (!(*e)->key) {
		free(*e);
		*e = NULL;
		return -XEN_ENOMEM;
	}
	(*e)->val = val;
	m->n++;
	return 0;
}

void *smap_del(struct smap *m, const char *key)
{
	struct smap_ent **e = slot(m, key), *dead;
	void *val;

	if (!e || !*e)
		return NULL;
	dead = *e;
	val = dead->val;
	*e = dead->next;
	free(dead->key);
	free(dead);
	m->n--;
	return val;
}

void smap_each(const struct smap *m,
	       void (*fn)(const char *key, void *val, void *arg), void *arg)
{
	struct smap_ent *e;
	size_t i;

	for (i = 0; i < m->nb; i++)
		for (e = m->b[i]; e; e = e->next)
			fn(e->key, e->val, arg);
}

void smap_fini(struct smap *m, void (*free_val)(void *))
{
	struct smap_ent *e, *next;
	size_t i;

	for (i = 0; i < m->nb; i++)
		for (e = m->b[i]; e; e = next) {
			next = e->next;
			if (free_val)
				free_val(e->val);
			free(e->key);
			free(e);
		}
	free(m->b);
	*m = (struct smap){0};
}

/* ---- node records -------------------------------------------------------- */

struct snode *snode_new(const struct store_perm *perm, unsigned int nperm)
{
	struct snode *n = calloc(1, sizeof(*n));

	if (n && snode_set_perms(n, perm, nperm) < 0) {
		free(n);
		return NULL;
	}
	return n;
}

void snode_free(struct snode *n)
{
	unsigned int i;

	if (!n)
		return;
	for (i = 0; i < n->nkids; i++)
		free(n->kids[i]);
	free(n->kids);
	free(n->perm);
	free(n->val);
	free(n);
}

struct snode *snode_dup(const struct snode *n)
{
	struct snode *d = snode_new(n->perm, n->nperm);
	unsigned int i;

	if (!d || snode_set_value(d, n->val, n->vlen) < 0)
		goto fail;
	d->gen = n->gen;
	for (i = 0; i < n->nkids; i++)
		if (snode_add_kid(d, n->kids[i]) < 0)
			goto fail;
	return d;
fail:
	snode_free(d);
	return NULL;
}

int snode_set_value(struct snode *n, const void *val, size_t len)
{
	char *v = NULL;

	if (len) {
		v = malloc(len);
		if (!v)
			return -XEN_ENOMEM;
		memcpy(v, val, len);
	}
	free(n->val);
	n->val = v;
	n->vlen = len;
	return 0;
}

int snode_set_perms(struct snode *n, const struct store_perm *p,
		    unsigned int np)
{
	struct store_perm *c = calloc(np ? np : 1, sizeof(*c));

	if (!c || np == 0) {
		free(c);
		return np ? -XEN_ENOMEM : -XEN_EINVAL;
	}
	memcpy(c, p, np * sizeof(*c));
	free(n->perm);
	n->perm = c;
	n->nperm = np;
	return 0;
}

int snode_add_kid(struct snode *n, const char *name)
{
	if (n->nkids == n->kcap) {
		unsigned int cap = n->kcap ? n->kcap * 2 : 4;
		char **k = realloc(n->kids, cap * sizeof(*k));

		if (!k)
			return -XEN_ENOMEM;
		n->kids = k;
		n->kcap = cap;
	}
	n->kids[n->nkids] = strdup(name);
	if (!n->kids[n->nkids])
		return -XEN_ENOMEM;
	n->nkids++;
	return 0;
}

void snode_del_kid(struct snode *n, const char *name)
{
	unsigned int i;

	for (i = 0; i < n->nkids; i++)
		if (strcmp(n->kids[i], name) == 0) {
			free(n->kids[i]);
			memmove(&n->kids[i], &n->kids[i + 1],
				(n->nkids - i - 1) * sizeof(n->kids[0]));
			n->nkids--;
			return;
		}
}

int snode_kids_buf(const struct snode *n, char **out, size_t *len)
{
	size_t total = 0, off = 0, l;
	unsigned int i;
	char *b;

	for (i = 0; i < n->nkids; i++)
		total += strlen(n->kids[i]) + 1;
	*out = NULL;
	*len = total;
	if (!total)
		return 0;
	b = malloc(total);
	if (!b)
		return -XEN_ENOMEM;
	for (i = 0; i < n->nkids; i++) {
		l = strlen(n->kids[i]) + 1;
		memcpy(b + off, n->kids[i], l);
		off += l;
	}
	*out = b;
	return 0;
}

/* ---- paths and permissions ------------------------------------------------
 */

int path_parent(const char *path, char *out, size_t cap)
{
	const char *slash = strrchr(path, '/');
	size_t len;

	if (!slash || strcmp(path, "/") == 0)
		return -XEN_ENOENT;
	len = slash == path ? 1 : (size_t)(slash - path);
	if (len >= cap)
		return -XEN_ENAMETOOLONG;
	memcpy(out, path, len);
	out[len] = '\0';
	return 0;
}

const char *path_base(const char *path)
{
	return strrchr(path, '/') + 1;
}

unsigned int perm_for(uint16_t who, const struct store_perm *p, unsigned int n)
{
	unsigned int i;

	if (who == 0 || p[0].id == who)
		return STORE_PERM_BOTH | STORE_PERM_OWNER;
	for (i = 1; i < n; i++)
		if (p[i].id == who)
			return p[i].perms;
	return p[0].perms;
}

int perms_parse(const char *const *s, unsigned int n, struct store_perm *out)
{
	unsigned int i, id;
	const char *d;

	for (i = 0; i < n; i++) {
		switch (s[i][0]) {
		case 'n':
			out[i].perms = STORE_PERM_NONE;
			break;
		case 'r':
			out[i].perms = STORE_PERM_READ;
			break;
		case 'w':
			out[i].perms = STORE_PERM_WRITE;
			break;
		case 'b':
			out[i].perms = STORE_PERM_BOTH;
			break;
		default:
			return -XEN_EINVAL;
		}
		id = 0;
		for (d = s[i] + 1; *d; d++) {
			if (*d < '0' || *d > '9' || d - s[i] > 5)
				return -XEN_EINVAL;
			id = id * 10 + (unsigned int)(*d - '0');
		}
		if (d == s[i] + 1 || id > 0xffff)
			return -XEN_EINVAL;
		out[i].id = (uint16_t)id;
	}
	return 0;
}

/* ---- domains and counts -------------------------------------------------- */

struct sdom *store_dom(struct store *st, uint16_t id, bool create)
{
	struct sdom *d;

	for (d = st->doms; d; d = d->next)
		if (d->id == id)
			return d;
	if (!create)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->id = id;
	d->next = st->doms;
	st->doms = d;
	return d;
}

unsigned int view_count(struct view *v, uint16_t domid)
{
	struct sdom *d = store_dom(v->st, domid, false);
	int n =
	    (d ? (int)d->nodes : 0) + (v->tx ? tx_delta_of(v->tx, domid) : 0);

	return n > 0 ? (unsigned int)n : 0;
}

/* ---- views ----------------------------------------------------------------
 */

const struct snode *view_get(struct view *v, const char *path)
{
	struct snode *n;
	bool present;

	if (!v->tx)
		return smap_get(&v->st->nodes, path);
	if (tx_load(v, path, &n, &present) < 0)
		return NULL; /* the transaction is marked failed */
	return n;
}

static int count_main(struct store *st, uint16_t id, int d)
{
	struct sdom *dom = store_dom(st, id, true);

	if (!dom)
		return -XEN_ENOMEM;
	dom->nodes = (unsigned int)((int)dom->nodes + d);
	return 0;
}

static int set_main(struct store *st, const char *path, struct snode *n)
{
	struct snode *old = smap_get(&st->nodes, path);
	void *prev;

	/* Make both count records first so that nothing fails halfway. */
	if ((old && !store_dom(st, old->perm[0].id, true)) ||
	    (n && !store_dom(st, n->perm[0].id, true))) {
		snode_free(n);
		return -XEN_ENOMEM;
	}
	if (n) {
		n->gen = ++st->gen;
		if (smap_put(&st->nodes, path, n, &prev) < 0) {
			snode_free(n);
			return -XEN_ENOMEM;
		}
	} else {
		smap_del(&st->nodes, path);
	}
	if (old)
		count_main(st, old->perm[0].id, -1);
	if (n)
		count_main(st, n->perm[0].id, +1);
	snode_free(old);
	return 0;
}

int view_set(struct view *v, const char *path, struct snode *n)
{
	const struct snode *old;
	int rc;

	if (!v->tx)
		return set_main(v->st, path, n);
	old = view_get(v, path);
	if ((old && (rc = tx_delta(v->tx, old->perm[0].id, -1)) < 0) ||
	    (n && (rc = tx_delta(v->tx, n->perm[0].id, +1)) < 0)) {
		snode_free(n);
		return rc;
	}
	return tx_store(v, path, n);
}

int view_access(struct view *v, const char *path, unsigned int need,
		const struct snode **out)
{
	const struct snode *n = view_get(v, path);
	char *up;
	int rc = -XEN_ENOENT;

	*out = NULL;
	if (n) {
		if ((perm_for(v->who, n->perm, n->nperm) & need) != need)
			return -XEN_EACCES;
		*out = n;
		return 0;
	}
	/* Missing: say so only to whom the nearest existing ancestor would
	 * allow the same access, so nobody probes hidden trees. */
	up = strdup(path);
	if (!up)
		return -XEN_ENOMEM;
	while (path_parent(up, up, strlen(up) + 1) == 0) {
		n = view_get(v, up);
		if (n) {
			if ((perm_for(v->who, n->perm, n->nperm) & need) !=
			    need)
				rc = -XEN_EACCES;
			break;
		}
	}
	free(up);
	return rc;
}

/* ---- write and mkdir ------------------------------------------------------
 */

static int value_quota(struct view *v, size_t len)
{
	unsigned int max = v->st->q.entry_size;

	return !view_priv(v) && max && len > max ? -XEN_ENOSPC : 0;
}

/* Add node `path` (parent exists in the view) with perms from the parent. */
static int create_one(struct view *v, const char *path, const char *parent)
{
	const struct snode *pn = view_get(v, parent);
	struct snode *n, *pc;
	unsigned int max = v->st->q.entry_nb;
	int rc;

	if (!pn)
		return -XEN_ENOENT;
	if (!view_priv(v) && max && view_count(v, v->who) >= max)
		return -XEN_ENOSPC;
	n = snode_new(pn->perm, pn->nperm);
	pc = snode_dup(pn);
	if (!n || !pc || snode_add_kid(pc, path_base(path)) < 0) {
		snode_free(n);
		snode_free(pc);
		return -XEN_ENOMEM;
	}
	/* A guest owns what it creates; dom0's nodes keep the parent's
	 * owner, so dom0 writing in a guest's home leaves it the guest's. */
	if (!view_priv(v))
		n->perm[0].id = v->who;
	rc = view_set(v, parent, pc);
	return rc < 0 ? (snode_free(n), rc) : view_set(v, path, n);
}

static int subtree_delete(struct view *v, const char *path, bool fire);

static size_t last_slash(const char *path, size_t k)
{
	while (k > 0 && path[--k] != '/')
		;
	return k;
}

static char *prefix(const char *path, size_t k)
{
	return k ? strndup(path, k) : strdup("/");
}

static void undo_create(struct view *v, const char *top)
{
	char parent[STORE_PATH_BUF];
	const struct snode *pn;
	struct snode *pc;

	if (!view_get(v, top) || subtree_delete(v, top, false) < 0 ||
	    path_parent(top, parent, sizeof(parent)) < 0)
		return;
	pn = view_get(v, parent);
	pc = pn ? snode_dup(pn) : NULL;
	if (pc) {
		snode_del_kid(pc, path_base(top));
		view_set(v, parent, pc);
	}
}

/* Create path and any missing ancestors.  On failure, nothing stays. */
static int create_path(struct view *v, const char *path)
{
	size_t len = strlen(path), k = len, j, first;
	char *cur, *par, *top = NULL;
	int rc = 0;

	/* Back to the nearest existing ancestor (never further: touching
	 * more nodes than needed makes transactions conflict more)... */
	for (;;) {
		j = last_slash(path, k);
		par = prefix(path, j);
		if (!par)
			return -XEN_ENOMEM;
		if (view_get(v, par)) {
			free(par);
			break;
		}
		free(par);
		k = j;
	}
	first = k;
	/* ...then forward, one component at a time. */
	while (rc == 0) {
		cur = prefix(path, k);
		par = prefix(path, last_slash(path, k));
		rc = cur && par ? create_one(v, cur, par) : -XEN_ENOMEM;
		free(cur);
		free(par);
		if (k == len)
			break;
		while (++k < len && path[k] != '/')
			;
	}
	if (rc < 0 && (top = prefix(path, first)) != NULL)
		undo_create(v, top);
	free(top);
	return rc;
}

int tree_write(struct view *v, const char *path, const void *val, size_t len,
	       bool mkdir_only)
{
	const struct snode *n;
	struct snode *c;
	int rc = view_access(v, path, STORE_PERM_WRITE, &n);

	if (rc == 0 && mkdir_only)
		return 0;
	if (rc < 0 && rc != -XEN_ENOENT)
		return rc;
	if ((rc = value_quota(v, len)) < 0)
		return rc;
	if (!n) {
		if ((rc = create_path(v, path)) < 0)
			return rc;
		n = view_get(v, path);
		if (!n)
			return -XEN_ENOMEM;
	}
	if (len) {
		c = snode_dup(n);
		if (!c || snode_set_value(c, val, len) < 0) {
			snode_free(c);
			return -XEN_ENOMEM;
		}
		if ((rc = view_set(v, path, c)) < 0)
			return rc;
	} else if (n->vlen) {
		c = snode_dup(n);
		if (!c)
			return -XEN_ENOMEM;
		snode_set_value(c, NULL, 0);
		if ((rc = view_set(v, path, c)) < 0)
			return rc;
	}
	return view_fire(v, path, false, view_get(v, path));
}

/* ---- rm -------------------------------------------------------------------
 */

/* Every path at and below path, parents before children. */
static int collect(struct view *v, const char *path, char ***out, size_t *count)
{
	size_t n = 0, cap = 16, i = 0;
	char **list = malloc(cap * sizeof(*list));
	unsigned int k;

	if (!list || !(list[n++] = strdup(path)))
		goto oom;
	for (i = 0; i < n; i++) {
		const struct snode *node = view_get(v, list[i]);

		for (k = 0; node && k < node->nkids; k++) {
			size_t l = strlen(list[i]) + strlen(node->kids[k]) + 2;
			char *child;

			if (n == cap) {
				char **bigger =
				    realloc(list, 2 * cap * sizeof(*list));

				if (!bigger)
					goto oom;
				list = bigger;
				cap *= 2;
			}
			child = malloc(l);
			if (!child)
				goto oom;
			strcpy(child, strcmp(list[i], "/") ? list[i] : "");
			strcat(child, "/");
			strcat(child, node->kids[k]);
			list[n++] = child;
		}
	}
	*out = list;
	*count = n;
	return 0;
oom:
	while (list && n)
		free(list[--n]);
	free(list);
	return -XEN_ENOMEM;
}

/* Remove path and everything below it (the parent's child list is the
 * caller's); fire: the watches on each removed child, exactly. */
static int subtree_delete(struct view *v, const char *path, bool fire)
{
	char **list;
	size_t n, i;
	int rc = collect(v, path, &list, &n);

	if (rc < 0)
		return rc;
	for (i = n; i-- > 0;) {
		if (fire && i > 0)
			view_fire(v, list[i], true, view_get(v, list[i]));
		if (rc == 0)
			rc = view_set(v, list[i], NULL);
		free(list[i]);
	}
	free(list);
	return rc;
}

int tree_rm(struct view *v, const char *path)
{
	char parent[STORE_PATH_BUF];
	const struct snode *n, *pn;
	struct snode *pc, *was;
	int rc;

	if (strcmp(path, "/") == 0)
		return -XEN_EINVAL;
	rc = view_access(v, path, STORE_PERM_WRITE, &n);
	if (path_parent(path, parent, sizeof(parent)) < 0)
		return -XEN_EINVAL;
	if (rc == -XEN_ENOENT)
		return view_get(v, parent) ? 0 : -XEN_ENOENT;
	if (rc < 0)
		return rc;
	pn = view_get(v, parent);
	was = snode_dup(n); /* its permissions decide who hears of it */
	pc = pn ? snode_dup(pn) : NULL;
	if (!was || !pc) {
		snode_free(was);
		snode_free(pc);
		return -XEN_ENOMEM;
	}
	snode_del_kid(pc, path_base(path));
	rc = view_set(v, parent, pc);
	if (rc == 0)
		rc = subtree_delete(v, path, true);
	if (rc == 0)
		rc = view_fire(v, path, false, was);
	snode_free(was);
	return rc;
}

/* ---- set_perms ------------------------------------------------------------
 */

int tree_set_perms(struct view *v, const char *path, const struct store_perm *p,
		   unsigned int np)
{
	const struct snode *n;
	struct snode *c, *was;
	unsigned int max = v->st->q.perm_nb;
	int rc = view_access(v, path, STORE_PERM_WRITE | STORE_PERM_OWNER, &n);

	if (rc < 0)
		return rc;
	if (!view_priv(v) && p[0].id != n->perm[0].id)
		return -XEN_EPERM;
	if (!view_priv(v) && max && np > max)
		return -XEN_ENOSPC;
	c = snode_dup(n);
	was = snode_dup(n);
	if (!c || !was || snode_set_perms(c, p, np) < 0) {
		snode_free(c);
		snode_free(was);
		return -XEN_ENOMEM;
	}
	rc = view_set(v, path, c);
	/* Told with the old list: whoever could see the node learns it
	 * changed, even if it can no longer read it. */
	if (rc == 0)
		rc = view_fire(v, path, false, was);
	snode_free(was);
	return rc;
}
