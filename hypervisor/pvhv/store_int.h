/*
 * store_int.h — what the store's files share: store_tree.c (map, nodes,
 * permissions, the view a request works on, quotas), store_tx.c
 * (transactions), store_watch.c (watches and events), store_req.c (the
 * requests) and store.c (objects, domains, pvhv's own calls).
 *
 * The tree is a map from absolute path to node record; a record holds the
 * value, the permission list and the names of its children.  A
 * transaction keeps its own copies of every record it touched, keyed the
 * same way, so every operation is written once against a "view": the
 * tree itself, or the tree as one transaction sees it.
 */
#ifndef PVHV_STORE_INT_H
#define PVHV_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvkit/proto/errno.h"
#include "store.h"

#define STORE_PERM_OWNER 4u /* internal: may change the list */

/* ---- string map ---------------------------------------------------------- */

struct smap_ent {
	char *key;
	void *val;
	struct smap_ent *next;
};

struct smap {
	struct smap_ent **b;
	size_t nb, n;
};

void *smap_get(const struct smap *m, const char *key);
/* Insert or replace; the key is copied.  The old value is returned in
 * *old (NULL when new). */
int smap_put(struct smap *m, const char *key, void *val, void **old);
void *smap_del(struct smap *m, const char *key);
void smap_fini(struct smap *m, void (*free_val)(void *));
/* Call fn for each entry; fn must not change the map. */
void smap_each(const struct smap *m,
	       void (*fn)(const char *key, void *val, void *arg), void *arg);

/* ---- nodes --------------------------------------------------------------- */

struct snode {
	uint64_t gen; /* store generation of its last change */
	char *val;
	size_t vlen;
	struct store_perm *perm;
	unsigned int nperm; /* >= 1 */
	char **kids;	    /* child names, in creation order */
	unsigned int nkids, kcap;
};

struct snode *snode_new(const struct store_perm *perm, unsigned int nperm);
struct snode *snode_dup(const struct snode *n);
void snode_free(struct snode *n);
int snode_set_value(struct snode *n, const void *val, size_t len);
int snode_set_perms(struct snode *n, const struct store_perm *p,
		    unsigned int np);
int snode_add_kid(struct snode *n, const char *name);
void snode_del_kid(struct snode *n, const char *name);
/* The children as "a\0b\0" (malloc'd, *len bytes; NULL+0 when none). */
int snode_kids_buf(const struct snode *n, char **out, size_t *len);

/* ---- the store ----------------------------------------------------------- */

struct sdom {
	uint16_t id;
	bool introduced;
	unsigned int nodes; /* nodes it owns */
	struct sdom *next;
};

/* A special path's permissions (@introduceDomain, @releaseDomain). */
struct sspecial {
	const char *name;
	struct store_perm *perm;
	unsigned int nperm;
};

struct swatch {
	char *path;  /* absolute, or special */
	char *given; /* as the client wrote it */
	char *token;
	bool relative;
	struct swatch *next;
};

struct stx;

struct store_conn {
	struct store *st;
	uint16_t domid;
	const struct store_conn_ops *ops;
	void *arg;
	struct swatch *watches;
	unsigned int nwatches;
	struct stx *txs;
	unsigned int ntxs;
	uint32_t next_tx;
	unsigned int outstanding;
	struct store_conn *next;
};

struct store {
	struct store_quota q;
	struct smap nodes; /* path -> struct snode */
	uint64_t gen;	   /* bumped by every change */
	struct sdom *doms;
	struct sspecial special[2];
	struct store_conn *conns;
	store_introduce_fn introduce_fn;
	void *introduce_arg;
};

/* ---- views --------------------------------------------------------------- */

struct view {
	struct store *st;
	struct stx *tx; /* NULL: the tree itself */
	uint16_t who;	/* the domain acting */
};

static inline bool view_priv(const struct view *v)
{
	return v->who == 0;
}

/* The node at path as the view sees it, or NULL. */
const struct snode *view_get(struct view *v, const char *path);
/* Replace (n != NULL, ownership taken) or delete the node at path,
 * keeping the owners' node counts. */
int view_set(struct view *v, const char *path, struct snode *n);
/* Nodes domid owns as the view sees them. */
unsigned int view_count(struct view *v, uint16_t domid);

/* What domain who may do with a node of this list (STORE_PERM_* bits,
 * STORE_PERM_OWNER included). */
unsigned int perm_for(uint16_t who, const struct store_perm *p, unsigned int n);
/* The node if who may do `need` to it; else -EACCES, or -ENOENT when it
 * is missing and the nearest existing ancestor allows `need`. */
int view_access(struct view *v, const char *path, unsigned int need,
		const struct snode **out);

/* Tree operations on a view, checks included; fire watches (or queue
 * them in the transaction). */
int tree_write(struct view *v, const char *path, const void *val, size_t len,
	       bool mkdir_only);
int tree_rm(struct view *v, const char *path);
int tree_set_perms(struct view *v, const char *path, const struct store_perm *p,
		   unsigned int np);

struct sdom *store_dom(struct store *st, uint16_t id, bool create);
int path_parent(const char *path, char *out, size_t cap);
const char *path_base(const char *path);
int perms_parse(const char *const *s, unsigned int n, struct store_perm *out);

/* ---- transactions -------------------------------------------------------- */

struct stx {
	uint32_t id;
	struct smap ents; /* path -> struct txent */
	struct sdelta *delta;
	struct spend *pend, **pend_tail;
	struct stx *next;
};

struct stx *tx_find(struct store_conn *c, uint32_t id);
int tx_start(struct store_conn *c, uint32_t *id);
/* Ends and frees tx; commit: -EAGAIN on conflict. */
int tx_end(struct store_conn *c, struct stx *tx, bool commit);
void tx_abort_all(struct store_conn *c);
/* Used by view_*(): the transaction's copy of path (loaded on first use). */
int tx_load(struct view *v, const char *path, struct snode **n, bool *present);
int tx_store(struct view *v, const char *path, struct snode *n);
int tx_delta(struct stx *tx, uint16_t id, int d);
int tx_delta_of(const struct stx *tx, uint16_t id);
int tx_queue_event(struct stx *tx, const char *path, bool exact,
		   const struct snode *n);

/* ---- watches --------------------------------------------------------------
 */

/* Something changed at path (its permissions: n's, or the special
 * path's): tell the watchers.  exact: only watches on path itself. */
void watch_fire(struct store *st, const char *path, bool exact,
		const struct store_perm *p, unsigned int np);
/* Fire now (v->tx NULL) or at commit. */
int view_fire(struct view *v, const char *path, bool exact,
	      const struct snode *n);
/* abs: the canonical path (or special name); given: as the client wrote
 * it, which events repeat. */
int watch_add(struct store_conn *c, const char *abs, const char *given,
	      const char *token);
int watch_remove(struct store_conn *c, const char *abs, const char *token);
void watch_remove_all(struct store_conn *c);
/* The event a new watch gets at once. */
void watch_initial(struct store_conn *c, const char *abs, const char *token);
struct sspecial *special_find(struct store *st, const char *name);
void special_fire(struct store *st, const char *name);

/* ---- shared by the request code ---------------------------------------- */

/* Absolute form of a client path into out; checks it (flags as
 * pv_xs_path_check) and the client's path quota. */
int path_canon(struct store *st, uint16_t who, const char *path, size_t len,
	       unsigned int flags, char *out, size_t cap);
int conn_send(struct store_conn *c, uint32_t type, uint32_t req_id,
	      uint32_t tx_id, const void *payload, size_t len);

/* Introduced (fires @introduceDomain when it was not) or released (drops
 * its clients' watches and transactions, fires @releaseDomain). */
int store_domain_mark(struct store *st, uint16_t domid, bool introduced);

#define STORE_PATH_BUF (XENSTORE_ABS_PATH_MAX + 32)

#endif
