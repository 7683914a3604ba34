/*
 * Device types and the devices they find: one store watch per type on
 * /local/domain/0/backend/DIR, whose events name what changed below it.
 *
 *   DIR itself or DIR/DOM     look again at the list (devices appear with
 *                             their guest, vanish with it)
 *   DIR/DOM/DEVID[/KEY]       that device: found, changed or gone
 *
 * Every event is answered by reading the store as it is now, so events
 * that come late, twice or in a burst do no harm.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "back_int.h"

#define BACKEND_ROOT "/local/domain/0/backend"

static struct pvback_dev *find_dev(struct pvback_type *t, domid_t dom,
				   unsigned int devid)
{
	for (struct pvback_dev *d = t->devs; d; d = d->next)
		if (d->domid == dom && d->devid == devid)
			return d;
	return NULL;
}

/* A directory name that is a number as a toolstack writes it. */
static int parse_id(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	char buf[16];

	if (len == 0 || len >= sizeof(buf) || (len > 1 && s[0] == '0'))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (buf[i] < '0' || buf[i] > '9')
			return -EINVAL;
	if (pvb_parse_uint(buf, out) < 0 || *out > max)
		return -EINVAL;
	return 0;
}

static int parse_dom(const char *s, size_t len, domid_t *dom)
{
	uint64_t v;
	int rc = parse_id(s, len, DOMID_FIRST_RESERVED - 1, &v);

	if (rc == 0)
		*dom = (domid_t)v;
	return rc;
}

/* A device directory we do not serve yet: take it on once the toolstack
 * has written its state (with the rest, in the same transaction). */
static void maybe_create(struct pvback_type *t, domid_t dom, unsigned int devid)
{
	char path[PVBACK_PATH_MAX], *v = NULL;

	snprintf(path, sizeof(path), "%s/%u/%u/state", t->dir, dom, devid);
	if (pvb_store_read(t->b, path, &v, NULL) < 0)
		return;
	free(v);
	(void)pvb_dev_create(t, dom, devid, NULL);
}

/* The device's directory went, or came back as a new one: drop the
 * device, and take on the new one if there is one. */
void pvb_bus_renew(struct pvback_dev *dev)
{
	struct pvback_type *t = dev->type;
	domid_t dom = dev->domid;
	unsigned int devid = dev->devid;

	pvb_dev_destroy(dev);
	maybe_create(t, dom, devid);
}

static void device_event(struct pvback_type *t, domid_t dom, unsigned int devid,
			 const char *key)
{
	struct pvback_dev *dev = find_dev(t, dom, devid);

	if (!dev) {
		maybe_create(t, dom, devid);
		return;
	}
	if (*key && strcmp(key, "state") != 0 && strcmp(key, "online") != 0)
		return; /* a key of the device's, perhaps our own write */
	if (pvb_dev_backend_changed(dev) < 0)
		pvb_bus_renew(dev);
}

/* ---- scanning
 * ----------------------------------------------------------------
 *
 * A scan stamps every device it finds (new ones at creation) with a new
 * generation; devices in its scope left with an older one are gone.
 */

static void scan_devices(struct pvback_type *t, domid_t dom)
{
	char path[PVBACK_PATH_MAX], **names = NULL;
	unsigned int n = 0;

	snprintf(path, sizeof(path), "%s/%u", t->dir, dom);
	if (t->b->ops->directory(t->b->ctx, 0, path, &names, &n) < 0)
		return;
	for (unsigned int i = 0; i < n; i++) {
		uint64_t id;
		struct pvback_dev *dev;

		if (parse_id(names[i], strlen(names[i]), UINT32_MAX, &id) < 0)
			continue;
		dev = find_dev(t, dom, (unsigned int)id);
		if (dev && dev->stale)
			pvb_bus_renew(dev);
		else if (dev)
			dev->gen = t->gen;
		else
			maybe_create(t, dom, (unsigned int)id);
	}
	free(names);
}

/* Remove the devices of dom (or of any guest, all) the scan missed. */
static void sweep(struct pvback_type *t, bool all, domid_t dom)
{
	struct pvback_dev *d = t->devs, *next;

	for (; d; d = next) {
		next = d->next;
		if ((all || d->domid == dom) && d->gen != t->gen)
			pvb_dev_destroy(d);
	}
}

static void scan_dom(struct pvback_type *t, domid_t dom)
{
	t->gen++;
	scan_devices(t, dom);
	sweep(t, false, dom);
}

static void scan_all(struct pvback_type *t)
{
	char **names = NULL;
	unsigned int n = 0;

	t->gen++;
	if (t->b->ops->directory(t->b->ctx, 0, t->dir, &names, &n) < 0)
		n = 0;
	for (unsigned int i = 0; i < n; i++) {
		domid_t dom;

		if (parse_dom(names[i], strlen(names[i]), &dom) == 0)
			scan_devices(t, dom);
	}
	free(names);
	sweep(t, true, 0);
}

/* ---- the watch
 * ---------------------------------------------------------------- */

static void on_type_watch(const char *path, const char *token, void *arg)
{
	struct pvback_type *t = arg;
	size_t dl = strlen(t->dir);
	const char *rest, *slash;
	domid_t dom = 0;
	uint64_t devid = 0;

	(void)token;
	PVBACK_LOG(t->b, DEBUG, "event %s", path);
	if (strncmp(path, t->dir, dl) != 0 || (path[dl] && path[dl] != '/'))
		return;
	if (!path[dl]) {
		scan_all(t);
		return;
	}
	rest = path + dl + 1;
	slash = strchr(rest, '/');
	if (parse_dom(rest, slash ? (size_t)(slash - rest) : strlen(rest),
		      &dom) < 0)
		return;
	if (!slash) {
		scan_dom(t, dom);
		return;
	}
	rest = slash + 1;
	slash = strchr(rest, '/');
	if (parse_id(rest, slash ? (size_t)(slash - rest) : strlen(rest),
		     UINT32_MAX, &devid) < 0)
		return;
	device_event(t, dom, (unsigned int)devid, slash ? slash + 1 : "");
}

/* ---- registration
 * --------------------------------------------------------------- */

static bool name_ok(const char *s)
{
	return s && s[0] && !strchr(s, '/') && strlen(s) < 64 &&
	       strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

static const char *dir_of(const struct pvback_device_ops *ops)
{
	return ops->backend_dir ? ops->backend_dir : ops->type;
}

static struct pvback_type **find_type(struct pvback *b, const char *dir)
{
	struct pvback_type **pp = &b->types;

	for (; *pp; pp = &(*pp)->next)
		if (strcmp(dir_of((*pp)->ops), dir) == 0)
			return pp;
	return NULL;
}

int pvback_register(struct pvback *b, const struct pvback_device_ops *ops,
		    void *arg)
{
	struct pvback_type *t;
	int rc = -ENOMEM;

	if (!b || !ops || !name_ok(ops->type) || !ops->connect ||
	    (ops->backend_dir && !name_ok(ops->backend_dir)))
		return -EINVAL;
	if (b->error)
		return b->error;
	if (find_type(b, dir_of(ops)))
		return -EEXIST;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->b = b;
	t->ops = ops;
	t->arg = arg;
	if (asprintf(&t->dir, "%s/%s", BACKEND_ROOT, dir_of(ops)) < 0) {
		t->dir = NULL;
		goto fail;
	}
	snprintf(t->token, sizeof(t->token), "pvback/%s", dir_of(ops));
	rc = b->ops->watch(b->ctx, t->dir, t->token, on_type_watch, t);
	if (rc < 0)
		goto fail;
	t->next = b->types;
	b->types = t;
	return 0;
fail:
	free(t->dir);
	free(t);
	return rc;
}

/* Unwatch, then remove every device; the store stays as it is. */
void pvb_bus_type_free(struct pvback_type *t)
{
	struct pvback *b = t->b;

	(void)b->ops->unwatch(b->ctx, t->dir, t->token);
	while (t->devs)
		pvb_dev_destroy(t->devs);
	free(t->dir);
	free(t);
}

int pvback_unregister(struct pvback *b, const struct pvback_device_ops *ops)
{
	struct pvback_type **pp, *t;

	if (!b || !ops)
		return -EINVAL;
	for (pp = &b->types; *pp && (*pp)->ops != ops; pp = &(*pp)->next)
		;
	if (!*pp)
		return -ENOENT;
	t = *pp;
	*pp = t->next;
	pvb_bus_type_free(t);
	return 0;
}
