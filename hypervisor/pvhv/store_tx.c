/*
 * Store transactions: snapshot isolation by copy on first touch.
 *
 * The first time a transaction touches a path it copies the record (or
 * notes its absence) together with the record's generation.  Everything
 * after that works on the copy.  Commit checks that no touched path
 * changed in the tree since (generation, or existence), then installs the
 * changed copies and fires the watch events the transaction collected.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

struct txent {
	struct snode *node; /* NULL: absent in the transaction */
	uint64_t seen;	    /* generation when first touched, 0: absent */
	bool dirty;
};

struct sdelta {
	uint16_t id;
	int d;
	struct sdelta *next;
};

struct spend {
	char *path;
	bool exact;
	struct store_perm *perm;
	unsigned int nperm;
	struct spend *next;
};

static void txent_free(void *p)
{
	struct txent *e = p;

	snode_free(e->node);
	free(e);
}

static void pend_free_all(struct spend *p)
{
	struct spend *next;

	for (; p; p = next) {
		next = p->next;
		free(p->path);
		free(p->perm);
		free(p);
	}
}

static void tx_free(struct stx *tx)
{
	struct sdelta *d, *dn;

	smap_fini(&tx->ents, txent_free);
	for (d = tx->delta; d; d = dn) {
		dn = d->next;
		free(d);
	}
	pend_free_all(tx->pend);
	free(tx);
}

struct stx *tx_find(struct store_conn *c, uint32_t id)
{
	struct stx *tx;

	for (tx = c->txs; tx; tx = tx->next)
		if (tx->id == id)
			return tx;
	return NULL;
}

int tx_start(struct store_conn *c, uint32_t *id)
{
	unsigned int max = c->st->q.transaction;
	struct stx *tx;

	if (c->domid != 0 && max && c->ntxs >= max)
		return -XEN_ENOSPC;
	tx = calloc(1, sizeof(*tx));
	if (!tx)
		return -XEN_ENOMEM;
	/* Ids are per client, never 0 (that means "no transaction") and not
	 * reused while one is open. */
	do {
		tx->id = ++c->next_tx;
	} while (tx->id == 0 || tx_find(c, tx->id));
	tx->pend_tail = &tx->pend;
	tx->next = c->txs;
	c->txs = tx;
	c->ntxs++;
	*id = tx->id;
	return 0;
}

static void unlink_tx(struct store_conn *c, struct stx *tx)
{
	struct stx **p;

	for (p = &c->txs; *p; p = &(*p)->next)
		if (*p == tx) {
			*p = tx->next;
			c->ntxs--;
			return;
		}
}

void tx_abort_all(struct store_conn *c)
{
	while (c->txs) {
		struct stx *tx = c->txs;

		unlink_tx(c, tx);
		tx_free(tx);
	}
}

/* A transaction that could not copy a record, or note an event, is
 * spoilt: its commit fails with ENOMEM.  A NULL tail marks it. */
static void mark_failed(struct stx *tx)
{
	tx->pend_tail = NULL;
}

int tx_load(struct view *v, const char *path, struct snode **n, bool *present)
{
	struct txent *e = smap_get(&v->tx->ents, path);
	struct snode *main;
	void *old;

	if (!e) {
		main = smap_get(&v->st->nodes, path);
		e = calloc(1, sizeof(*e));
		if (!e || (main && !(e->node = snode_dup(main))) ||
		    smap_put(&v->tx->ents, path, e, &old) < 0) {
			if (e)
				txent_free(e);
			mark_failed(v->tx);
			*n = NULL;
			*present = false;
			return -XEN_ENOMEM;
		}
		e->seen = main ? main->gen : 0;
	}
	*n = e->node;
	*present = e->node != NULL;
	return 0;
}

int tx_store(struct view *v, const char *path, struct snode *n)
{
	struct snode *cur;
	struct txent *e;
	bool present;

	if (tx_load(v, path, &cur, &present) < 0) {
		snode_free(n);
		return -XEN_ENOMEM;
	}
	e = smap_get(&v->tx->ents, path);
	snode_free(e->node);
	e->node = n;
	e->dirty = true;
	return 0;
}

int tx_delta(struct stx *tx, uint16_t id, int d)
{
	struct sdelta *x;

	for (x = tx->delta; x; x = x->next)
		if (x->id == id) {
			x->d += d;
			return 0;
		}
	x = calloc(1, sizeof(*x));
	if (!x)
		return -XEN_ENOMEM;
	x->id = id;
	x->d = d;
	x->next = tx->delta;
	tx->delta = x;
	return 0;
}

int tx_delta_of(const struct stx *tx, uint16_t id)
{
	const struct sdelta *x;

	for (x = tx->delta; x; x = x->next)
		if (x->id == id)
			return x->d;
	return 0;
}

int tx_queue_event(struct stx *tx, const char *path, bool exact,
		   const struct snode *n)
{
	struct spend *p;

	if (!tx->pend_tail)
		return -XEN_ENOMEM;
	p = calloc(1, sizeof(*p));
	if (!p || !(p->path = strdup(path)) ||
	    !(p->perm = malloc(n->nperm * sizeof(*p->perm)))) {
		if (p)
			free(p->path);
		free(p);
		mark_failed(tx);
		return -XEN_ENOMEM;
	}
	memcpy(p->perm, n->perm, n->nperm * sizeof(*p->perm));
	p->nperm = n->nperm;
	p->exact = exact;
	*tx->pend_tail = p;
	tx->pend_tail = &p->next;
	return 0;
}

/* ---- commit ---------------------------------------------------------------
 */

struct check {
	struct store *st;
	bool conflict;
};

static void check_one(const char *key, void *val, void *arg)
{
	struct check *c = arg;
	struct txent *e = val;
	struct snode *now = smap_get(&c->st->nodes, key);

	if ((now ? now->gen : 0) != e->seen)
		c->conflict = true;
}

struct apply {
	struct store *st;
	int rc;
};

static void apply_one(const char *key, void *val, void *arg)
{
	struct apply *a = arg;
	struct txent *e = val;
	struct view v = {.st = a->st, .tx = NULL, .who = 0};
	int rc;

	if (!e->dirty)
		return;
	if (!e->node && !smap_get(&a->st->nodes, key))
		return;
	rc = view_set(&v, key, e->node);
	e->node = NULL; /* the tree owns it (or freed it) */
	if (rc < 0 && a->rc == 0)
		a->rc = rc;
}

/* Each write in the transaction kept the guest within its node quota as
 * the transaction saw the tree; other changes committed meanwhile (its
 * other transactions, say) may have used the room since. */
static bool over_quota(struct store *st, const struct stx *tx, uint16_t who)
{
	struct sdom *d = store_dom(st, who, false);
	int add = tx_delta_of(tx, who);
	unsigned int max = st->q.entry_nb;

	return who != 0 && max && add > 0 &&
	       (d ? d->nodes : 0) + (unsigned int)add > max;
}

static int commit(struct store *st, struct stx *tx, uint16_t who)
{
	struct check chk = {.st = st};
	struct apply app = {.st = st};
	struct spend *p;

	if (!tx->pend_tail)
		return -XEN_ENOMEM;
	smap_each(&tx->ents, check_one, &chk);
	if (chk.conflict)
		return -XEN_EAGAIN;
	if (over_quota(st, tx, who))
		return -XEN_ENOSPC;
	smap_each(&tx->ents, apply_one, &app);
	for (p = tx->pend; p; p = p->next)
		watch_fire(st, p->path, p->exact, p->perm, p->nperm);
	return app.rc;
}

int tx_end(struct store_conn *c, struct stx *tx, bool do_commit)
{
	int rc = 0;

	unlink_tx(c, tx);
	if (do_commit)
		rc = commit(c->st, tx, c->domid);
	tx_free(tx);
	return rc;
}
