/*
 * store_sync.c — the store client's blocking calls: each makes its
 * asynchronous request with a callback that keeps the result here, then
 * waits for that one reply (hvs_wait(): other deliveries are kept for
 * pvhv_store_process()).  And the transaction helper on top of them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

struct wait {
	bool done;
	int err;
	void *data; /* malloc'd result, handed to the caller */
	size_t len;
	unsigned int n;
	uint32_t tx;
};

/* rc: what making the request returned. */
static int finish(struct pvhv_store *s, struct wait *w, int rc)
{
	s->next_sync = false;
	if (rc)
		return rc;
	hvs_wait(s, &w->done);
	if (!w->done) /* cannot happen: a break fails the request too */
		return s->err ? s->err : -EIO;
	return w->err;
}

static void begin(struct pvhv_store *s)
{
	s->next_sync = true;
}

static void got_done(struct pvhv_store *s, int err, void *arg)
{
	struct wait *w = arg;

	(void)s;
	w->err = err;
	w->done = true;
}

static void got_value(struct pvhv_store *s, int err, const char *value,
		      size_t len, void *arg)
{
	struct wait *w = arg;

	(void)s;
	w->done = true;
	w->err = err;
	if (err)
		return;
	w->data = malloc(len + 1);
	if (!w->data) {
		w->err = -ENOMEM;
		return;
	}
	memcpy(w->data, value, len + 1); /* the NUL after it too */
	w->len = len;
}

/* The names as one allocation: n + 1 pointers (NULL last), then text. */
static void got_names(struct pvhv_store *s, int err, const char *const *names,
		      unsigned int n, void *arg)
{
	struct wait *w = arg;
	size_t text = 0, head = (n + 1u) * sizeof(char *);
	char **v, *p;

	(void)s;
	w->done = true;
	w->err = err;
	if (err)
		return;
	for (unsigned int i = 0; i < n; i++)
		text += strlen(names[i]) + 1;
	v = malloc(head + text);
	if (!v) {
		w->err = -ENOMEM;
		return;
	}
	p = (char *)v + head;
	for (unsigned int i = 0; i < n; i++) {
		size_t l = strlen(names[i]) + 1;

		memcpy(p, names[i], l);
		v[i] = p;
		p += l;
	}
	v[n] = NULL;
	w->data = v;
	w->n = n;
}

static void got_perms(struct pvhv_store *s, int err,
		      const struct pvhv_store_perm *perms, unsigned int n,
		      void *arg)
{
	struct wait *w = arg;

	(void)s;
	w->done = true;
	w->err = err;
	if (err)
		return;
	w->data = malloc(n * sizeof(*perms));
	if (!w->data) {
		w->err = -ENOMEM;
		return;
	}
	memcpy(w->data, perms, n * sizeof(*perms));
	w->n = n;
}

static void got_txid(struct pvhv_store *s, int err, uint32_t tx, void *arg)
{
	struct wait *w = arg;

	(void)s;
	w->done = true;
	w->err = err;
	w->tx = tx;
}

/* ---- the calls ----------------------------------------------------------- */

int pvhv_store_read(struct pvhv_store *s, uint32_t tx, const char *path,
		    char **value, size_t *len)
{
	struct wait w = { 0 };
	int rc;

	if (!value)
		return -EINVAL;
	begin(s);
	rc = finish(s, &w,
		    pvhv_store_read_async(s, tx, path, got_value, &w));
	if (rc) {
		free(w.data);
		return rc;
	}
	*value = w.data;
	if (len)
		*len = w.len;
	return 0;
}

int pvhv_store_write(struct pvhv_store *s, uint32_t tx, const char *path,
		     const void *value, size_t len)
{
	struct wait w = { 0 };

	begin(s);
	return finish(s, &w,
		      pvhv_store_write_async(s, tx, path, value, len,
					     got_done, &w));
}

int pvhv_store_mkdir(struct pvhv_store *s, uint32_t tx, const char *path)
{
	struct wait w = { 0 };

	begin(s);
	return finish(s, &w,
		      pvhv_store_mkdir_async(s, tx, path, got_done, &w));
}

int pvhv_store_rm(struct pvhv_store *s, uint32_t tx, const char *path)
{
	struct wait w = { 0 };

	begin(s);
	return finish(s, &w, pvhv_store_rm_async(s, tx, path, got_done, &w));
}

int pvhv_store_directory(struct pvhv_store *s, uint32_t tx, const char *path,
			 char ***names, unsigned int *n)
{
	struct wait w = { 0 };
	int rc;

	if (!names || !n)
		return -EINVAL;
	begin(s);
	rc = finish(s, &w,
		    pvhv_store_directory_async(s, tx, path, got_names, &w));
	if (rc) {
		free(w.data);
		return rc;
	}
	*names = w.data;
	*n = w.n;
	return 0;
}

int pvhv_store_get_perms(struct pvhv_store *s, uint32_t tx, const char *path,
			 struct pvhv_store_perm **perms, unsigned int *n)
{
	struct wait w = { 0 };
	int rc;

	if (!perms || !n)
		return -EINVAL;
	begin(s);
	rc = finish(s, &w,
		    pvhv_store_get_perms_async(s, tx, path, got_perms, &w));
	if (rc) {
		free(w.data);
		return rc;
	}
	*perms = w.data;
	*n = w.n;
	return 0;
}

int pvhv_store_set_perms(struct pvhv_store *s, uint32_t tx, const char *path,
			 const struct pvhv_store_perm *perms, unsigned int n)
{
	struct wait w = { 0 };

	begin(s);
	return finish(s, &w,
		      pvhv_store_set_perms_async(s, tx, path, perms, n,
						 got_done, &w));
}

int pvhv_store_tx_start(struct pvhv_store *s, uint32_t *tx)
{
	struct wait w = { 0 };
	int rc;

	if (!tx)
		return -EINVAL;
	begin(s);
	rc = finish(s, &w, pvhv_store_tx_start_async(s, got_txid, &w));
	if (!rc)
		*tx = w.tx;
	return rc;
}

int pvhv_store_tx_end(struct pvhv_store *s, uint32_t tx, bool commit)
{
	struct wait w = { 0 };

	begin(s);
	return finish(s, &w,
		      pvhv_store_tx_end_async(s, tx, commit, got_done, &w));
}

int pvhv_store_watch(struct pvhv_store *s, const char *path,
		     const char *token, pvhv_store_watch_fn *cb, void *arg)
{
	struct wait w = { 0 };

	begin(s);
	return finish(s, &w,
		      hvs_watch_submit(s, path, token, cb, arg, got_done, &w));
}

int pvhv_store_unwatch(struct pvhv_store *s, const char *path,
		       const char *token)
{
	struct wait w = { 0 };

	begin(s);
	return finish(s, &w,
		      pvhv_store_unwatch_async(s, path, token, got_done, &w));
}

/* ---- the transaction helper ---------------------------------------------- */

int pvhv_store_transaction(struct pvhv_store *s, unsigned int tries,
			   pvhv_store_tx_body_fn *fn, void *arg)
{
	if (!fn)
		return -EINVAL;
	if (!tries)
		tries = PVHV_STORE_TX_TRIES;
	for (unsigned int i = 0; i < tries; i++) {
		uint32_t tx;
		int rc = pvhv_store_tx_start(s, &tx);

		if (rc)
			return rc;
		rc = fn(s, tx, arg);
		if (rc) {
			/* The body's verdict stands whatever the abort says;
			 * a broken connection shows at the next start. */
			(void)pvhv_store_tx_end(s, tx, false);
			if (rc == -EAGAIN)
				continue;
			return rc;
		}
		rc = pvhv_store_tx_end(s, tx, true);
		if (rc != -EAGAIN)
			return rc;
	}
	return -EAGAIN;
}
