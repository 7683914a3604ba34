/*
 * A device's backend directory: claimed, checked, written.
 *
 * A directory's name does not tell one device from the next with the same
 * ids (a guest that died and a new one given its domid, a device removed
 * and added again), and store events may be read after both happened.  So
 * the framework claims each directory when it takes a device on: in one
 * transaction it reads what the toolstack wrote and writes a token of its
 * own, "pvback-token".  Later looks and every write first check that the
 * token is still there; a directory without it is not this device's any
 * more (gone, or a new one), and the device is renewed (pvb_bus_renew()).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "back_int.h"
#include "pvkit/xenbus.h"

#define TOKEN_KEY "pvback-token"
/* How often a transaction that conflicted is tried again. */
#define TX_TRIES 16

typedef int tx_body_fn(struct pvback_dev *dev, uint32_t tx, void *arg);

/* Run body in a transaction until it commits (-EAGAIN: again). */
static int in_tx(struct pvback_dev *dev, tx_body_fn *body, void *arg)
{
	struct pvback *b = dev->type->b;
	int rc = -EAGAIN;

	for (int i = 0; i < TX_TRIES && rc == -EAGAIN; i++) {
		uint32_t tx;

		rc = b->ops->tx_start(b->ctx, &tx);
		if (rc < 0)
			return rc;
		rc = body(dev, tx, arg);
		if (rc < 0) {
			(void)b->ops->tx_end(b->ctx, tx, false);
			continue;
		}
		rc = b->ops->tx_end(b->ctx, tx, true);
	}
	return rc;
}

/* dev's key, read in tx: 0 with *v (malloc'd), or -errno. */
static int read_key(struct pvback_dev *dev, uint32_t tx, const char *key,
		    char **v)
{
	struct pvback *b = dev->type->b;
	char path[PVBACK_PATH_MAX];

	*v = NULL;
	snprintf(path, sizeof(path), "%s/%s", dev->be_path, key);
	return b->ops->read(b->ctx, tx, path, v, NULL);
}

static int write_key(struct pvback_dev *dev, uint32_t tx, const char *key,
		     const char *value)
{
	struct pvback *b = dev->type->b;
	char path[PVBACK_PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dev->be_path, key) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	return b->ops->write(b->ctx, tx, path, value, strlen(value));
}

/* 0 while the token is ours, else -ENOENT. */
static int token_check(struct pvback_dev *dev, uint32_t tx)
{
	char *v;
	int rc = read_key(dev, tx, TOKEN_KEY, &v);

	if (rc == 0 && strcmp(v, dev->token) != 0)
		rc = -ENOENT;
	free(v);
	return rc == -ENOENT || rc == -EACCES ? -ENOENT : rc;
}

bool pvb_dev_dir_ok(struct pvback_dev *dev)
{
	return !dev->stale && token_check(dev, 0) != -ENOENT;
}

/* ---- claiming ---------------------------------------------------------- */

/* The toolstack's names for the frontend must be the ones we expect. */
static bool frontend_matches(struct pvback_dev *dev, uint32_t tx)
{
	char *fe, *id;
	uint64_t v = UINT64_MAX;
	bool ok;

	(void)read_key(dev, tx, "frontend", &fe);
	(void)read_key(dev, tx, "frontend-id", &id);
	ok = fe && id && strcmp(fe, dev->fe_path) == 0 &&
	     pvb_parse_uint(id, &v) == 0 && v == dev->domid;
	free(fe);
	free(id);
	return ok;
}

static int claim_tx(struct pvback_dev *dev, uint32_t tx, void *arg)
{
	bool *frontend_ok = arg;
	char *v;
	int rc = read_key(dev, tx, "state", &v);

	free(v);
	if (rc < 0)
		return rc; /* not (or no longer) a device */
	*frontend_ok = frontend_matches(dev, tx);
	rc = read_key(dev, tx, "online", &v);
	dev->online = rc == -ENOENT || (rc == 0 && strcmp(v, "0") != 0);
	free(v);
	return write_key(dev, tx, TOKEN_KEY, dev->token);
}

int pvb_dev_claim(struct pvback_dev *dev, bool *frontend_ok)
{
	return in_tx(dev, claim_tx, frontend_ok);
}

/* ---- writing ------------------------------------------------------------- */

struct kv {
	const char *key, *value;
};

static int write_tx(struct pvback_dev *dev, uint32_t tx, void *arg)
{
	const struct kv *kv = arg;
	int rc = token_check(dev, tx);

	return rc < 0 ? rc : write_key(dev, tx, kv->key, kv->value);
}

int pvb_dev_write(struct pvback_dev *dev, const char *key, const char *value)
{
	struct kv kv = {key, value};
	int rc;

	if (dev->stale)
		return -ENOENT;
	rc = in_tx(dev, write_tx, &kv);
	if (rc == -ENOENT)
		pvb_dev_mark_stale(dev);
	return rc;
}

static int rm_tx(struct pvback_dev *dev, uint32_t tx, void *arg)
{
	struct pvback *b = dev->type->b;
	char path[PVBACK_PATH_MAX];
	int rc = token_check(dev, tx);

	if (rc < 0)
		return rc;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dev->be_path,
			     (const char *)arg) >= sizeof(path))
		return -ENAMETOOLONG;
	rc = b->ops->rm(b->ctx, tx, path);
	return rc == -ENOENT ? 0 : rc;
}

int pvb_dev_rm(struct pvback_dev *dev, const char *key)
{
	int rc;

	if (dev->stale)
		return -ENOENT;
	rc = in_tx(dev, rm_tx, (void *)key);
	if (rc == -ENOENT)
		pvb_dev_mark_stale(dev);
	return rc;
}

int pvb_dev_set_state(struct pvback_dev *dev, enum xenbus_state st)
{
	char v[4];
	int rc;

	(void)pv_xenbus_state_format(st, v, sizeof(v));
	rc = pvb_dev_write(dev, "state", v);
	if (rc == 0) {
		dev->be = st;
		PVBACK_LOG(dev->type->b, DEBUG, "%s: %s", dev->be_path,
			   pv_xenbus_state_name(st));
	} else if (rc != -ENOENT) {
		PVBACK_LOG(dev->type->b, WARN, "%s: writing state %s: %s",
			   dev->be_path, pv_xenbus_state_name(st),
			   strerror(-rc));
	}
	return rc;
}
