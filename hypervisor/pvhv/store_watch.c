/*
 * Store watches: registration per client, and delivery of events to
 * every client whose watch covers a changed path and who may read it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

struct sspecial *special_find(struct store *st, const char *name)
{
	unsigned int i;

	for (i = 0; i < 2; i++)
		if (strcmp(st->special[i].name, name) == 0)
			return &st->special[i];
	return NULL;
}

void special_fire(struct store *st, const char *name)
{
	struct sspecial *sp = special_find(st, name);

	if (sp)
		watch_fire(st, name, true, sp->perm, sp->nperm);
}

/* Does a change at path concern watch w?  At or below it, on a '/'
 * boundary; special names only match themselves. */
static bool covers(const struct swatch *w, const char *path, bool exact)
{
	size_t wl = strlen(w->path);

	if (strcmp(w->path, path) == 0)
		return true;
	if (exact || path[0] != '/' || w->path[0] != '/')
		return false;
	if (wl == 1)
		return true; /* "/" covers everything */
	return strncmp(path, w->path, wl) == 0 && path[wl] == '/';
}

static void send_event(struct store_conn *c, const struct swatch *w,
		       const char *path)
{
	char buf[XENSTORE_PAYLOAD_MAX], home[32];
	size_t pl, tl, hl;

	if (w->relative) {
		/* A relative watch lies below the home, so is the path. */
		hl = (size_t)snprintf(home, sizeof(home), "/local/domain/%u/",
				      c->domid);
		if (strncmp(path, home, hl) == 0)
			path += hl;
	}
	pl = strlen(path) + 1;
	tl = strlen(w->token) + 1;
	if (pl + tl > sizeof(buf))
		return; /* cannot be framed; the watch was too greedy */
	memcpy(buf, path, pl);
	memcpy(buf + pl, w->token, tl);
	conn_send(c, XS_WATCH_EVENT, 0, 0, buf, pl + tl);
}

void watch_fire(struct store *st, const char *path, bool exact,
		const struct store_perm *p, unsigned int np)
{
	struct store_conn *c;
	struct swatch *w;

	for (c = st->conns; c; c = c->next) {
		if (!(perm_for(c->domid, p, np) & STORE_PERM_READ))
			continue;
		for (w = c->watches; w; w = w->next)
			if (covers(w, path, exact))
				send_event(c, w, path);
	}
}

int view_fire(struct view *v, const char *path, bool exact,
	      const struct snode *n)
{
	if (!n)
		return 0;
	if (v->tx)
		return tx_queue_event(v->tx, path, exact, n);
	watch_fire(v->st, path, exact, n->perm, n->nperm);
	return 0;
}

void watch_initial(struct store_conn *c, const char *abs, const char *token)
{
	struct swatch *w;

	for (w = c->watches; w; w = w->next)
		if (strcmp(w->path, abs) == 0 && strcmp(w->token, token) == 0)
			send_event(c, w, w->path);
}

static void watch_free(struct swatch *w)
{
	free(w->path);
	free(w->given);
	free(w->token);
	free(w);
}

int watch_add(struct store_conn *c, const char *abs, const char *given,
	      const char *token)
{
	unsigned int max = c->st->q.watch_nb;
	struct swatch *w;

	for (w = c->watches; w; w = w->next)
		if (strcmp(w->path, abs) == 0 && strcmp(w->token, token) == 0)
			return -XEN_EEXIST;
	if (c->domid != 0 && max && c->nwatches >= max)
		return -XEN_E2BIG;
	w = calloc(1, sizeof(*w));
	if (!w || !(w->path = strdup(abs)) || !(w->given = strdup(given)) ||
	    !(w->token = strdup(token))) {
		if (w)
			watch_free(w);
		return -XEN_ENOMEM;
	}
	w->relative = given[0] != '/' && given[0] != '@';
	w->next = c->watches;
	c->watches = w;
	c->nwatches++;
	return 0;
}

int watch_remove(struct store_conn *c, const char *abs, const char *token)
{
	struct swatch **p, *w;

	for (p = &c->watches; (w = *p) != NULL; p = &w->next)
		if (strcmp(w->path, abs) == 0 && strcmp(w->token, token) == 0) {
			*p = w->next;
			watch_free(w);
			c->nwatches--;
			return 0;
		}
	return -XEN_ENOENT;
}

void watch_remove_all(struct store_conn *c)
{
	while (c->watches) {
		struct swatch *w = c->watches;

		c->watches = w->next;
		watch_free(w);
	}
	c->nwatches = 0;
}
