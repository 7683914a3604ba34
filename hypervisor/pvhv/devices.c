/*
 * A domain's para-virtual devices (devices.h): the records pvhv keeps of
 * them (struct hv_dev, one list per domain), creation from the config,
 * hot plug, removal the way xl detaches, and clean-up at death.
 *
 * pvhv asks the store two things a plain call cannot: whether a
 * directory is empty (for libxl's clean-up of empty parents), and to be
 * told when a backend changes its state (a removal waiting for Closed).
 * For both it is a dom0 client of its own store, through a struct
 * store_conn whose send callback receives the answers: a short-lived one
 * for a DIRECTORY request, and one per waiting removal holding a watch.
 * A watch event only marks the removal's check event active; the check
 * runs from pvhv's loop, outside the store's own call stack.
 */
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices.h"
#include "devices_int.h"
#include "pvhv.h"
#include "pvkit/proto/xenbus.h"
#include "store.h"

#define WATCH_TOKEN "pvhv-device-removal"

struct removal {
	struct domain *d;
	struct hv_dev *dv;
	struct store_conn *conn; /* holds the watch on BACKEND/state */
	struct event *check, *timer;
	hv_device_done_fn *done;
	void *arg;
};

/* ---- the store as a client ---------------------------------------------- */

struct answer {
	bool got;
	uint32_t type;
	size_t len;
};

static int answer_send(struct store_conn *c, const struct xsd_sockmsg *h,
		       const void *p, size_t len, void *arg)
{
	struct answer *a = arg;

	(void)c;
	(void)p;
	if (!a->got)
		*a = (struct answer){.got = true, .type = h->type, .len = len};
	return 0;
}

static const struct store_conn_ops answer_ops = {.send = answer_send};

/* 1 when the node at path has children, 0 when not, or -errno. */
static int has_children(struct store *st, const char *path)
{
	struct xsd_sockmsg h = {.type = XS_DIRECTORY,
				.len = (uint32_t)strlen(path) + 1};
	struct answer a = {0};
	struct store_conn *c;
	int rc = store_conn_new(st, 0, &answer_ops, &a, &c);

	if (rc)
		return rc;
	rc = store_request(c, &h, path);
	store_conn_free(c);
	if (rc)
		return rc;
	if (!a.got || a.type == XS_ERROR)
		return -ENOENT;
	return a.len > 0;
}

/* Remove path, then every parent it leaves empty, up to (not including)
 * stop, which is an ancestor of path: libxl's clean-up. */
static void cleanup(struct store *st, const char *path, const char *stop)
{
	char p[DEV_PATH_MAX];
	char *slash;

	snprintf(p, sizeof(p), "%s", path);
	(void)store_rm(st, p);
	while ((slash = strrchr(p, '/')) && slash > p) {
		*slash = '\0';
		if (strlen(p) <= strlen(stop) || has_children(st, p) != 0)
			break;
		(void)store_rm(st, p);
	}
}

static void destroy_nodes(struct store *st, const struct hv_dev *dv)
{
	char stop[DEV_PATH_MAX];

	if (!st)
		return;
	snprintf(stop, sizeof(stop), "/local/domain/%u/device", dv->domid);
	cleanup(st, dv->fe, stop);
	cleanup(st, dv->lx, "/libxl");
	cleanup(st, dv->be, "/local/domain/0");
}

/* The backend's state: a XenbusState, 0 for junk, or -ENOENT. */
static int backend_state(struct store *st, const struct hv_dev *dv)
{
	char path[DEV_PATH_MAX + 8], buf[16];
	int n;

	snprintf(path, sizeof(path), "%s/state", dv->be);
	n = store_read(st, path, buf, sizeof(buf) - 1);
	if (n < 0)
		return n;
	buf[n < (int)sizeof(buf) - 1 ? n : (int)sizeof(buf) - 1] = '\0';
	return atoi(buf);
}

static int put_backend(struct store *st, const struct hv_dev *dv,
		       const char *key, const char *val)
{
	char path[DEV_PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/%s", dv->be, key);
	return store_write(st, path, val, strlen(val));
}

/* ---- records ------------------------------------------------------------ */

static struct hv_dev *find_dev(struct domain *d, enum devcfg_type t,
			       unsigned int devid)
{
	for (struct hv_dev *dv = d->devs; dv; dv = dv->next)
		if (dv->type == t && dv->devid == devid)
			return dv;
	return NULL;
}

static unsigned int count_type(const struct domain *d, enum devcfg_type t,
			       unsigned int *next_id)
{
	unsigned int n = 0;

	*next_id = 0;
	for (const struct hv_dev *dv = d->devs; dv; dv = dv->next) {
		if (dv->type != t)
			continue;
		n++;
		if (dv->devid >= *next_id)
			*next_id = dv->devid + 1;
	}
	return n;
}

static void forget(struct domain *d, struct hv_dev *dv)
{
	for (struct hv_dev **pp = &d->devs; *pp; pp = &(*pp)->next) {
		if (*pp == dv) {
			*pp = dv->next;
			break;
		}
	}
	free(dv);
}

static void link_last(struct domain *d, struct hv_dev *dv)
{
	struct hv_dev **pp = &d->devs;

	while (*pp)
		pp = &(*pp)->next;
	*pp = dv;
}

static int add_one(struct domain *d, const struct devcfg_dev *dev,
		   unsigned int devid)
{
	const char *kind = devcfg_frontend_kind(dev->type);
	struct store *st = d->hv->store;
	struct hv_dev *dv = calloc(1, sizeof(*dv));
	int rc;

	if (!dv)
		return -ENOMEM;
	*dv = (struct hv_dev){
	    .type = dev->type, .devid = devid, .domid = d->domid};
	snprintf(dv->fe, sizeof(dv->fe), "/local/domain/%u/device/%s/%u",
		 d->domid, kind, devid);
	snprintf(dv->be, sizeof(dv->be), "/local/domain/%u/backend/%s/%u/%u",
		 dev->backend, devcfg_backend_kind(dev), d->domid, devid);
	snprintf(dv->lx, sizeof(dv->lx), "/libxl/%u/device/%s/%u", d->domid,
		 kind, devid);
	rc = dev_write_nodes(st, dv, dev);
	if (rc) {
		destroy_nodes(st, dv);
		free(dv);
		return rc;
	}
	link_last(d, dv);
	return 0;
}

int hv_devices_create(struct domain *d)
{
	unsigned int next[DEVCFG_NTYPES] = {0};
	int rc;

	if (!d->hv->store)
		return d->cfg.devs.n ? -ENODEV : 0;
	for (unsigned int i = 0; i < d->cfg.devs.n; i++) {
		const struct devcfg_dev *dev = &d->cfg.devs.devs[i];

		rc = add_one(d, dev, next[dev->type]++);
		if (rc) {
			hv_log(HV_LOG_WARN,
			       "domain %u: %s %u not written to "
			       "the store (%s)",
			       d->domid, devcfg_type_name(dev->type),
			       next[dev->type] - 1, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

int hv_device_add(struct domain *d, const struct devcfg_dev *dev,
		  unsigned int *devid, char *err, size_t errlen)
{
	unsigned int id, n = count_type(d, dev->type, &id);
	int rc;

	if (!d->hv->store) {
		snprintf(err, errlen, "pvhv runs without a store");
		return -ENODEV;
	}
	if (n >= DEVCFG_MAX_DEVICES) {
		snprintf(err, errlen, "%s: domain %u has %d already",
			 devcfg_type_name(dev->type), d->domid,
			 DEVCFG_MAX_DEVICES);
		return -ENOSPC;
	}
	rc = add_one(d, dev, id);
	if (rc) {
		snprintf(err, errlen, "%s: cannot write it to the store: %s",
			 devcfg_type_name(dev->type), strerror(-rc));
		return rc;
	}
	hv_log(HV_LOG_INFO, "domain %u: %s %u added", d->domid,
	       devcfg_type_name(dev->type), id);
	*devid = id;
	return 0;
}

/* ---- removal ------------------------------------------------------------ */

static void free_removal(struct removal *r)
{
	if (r->check)
		event_free(r->check);
	if (r->timer)
		event_free(r->timer);
	store_conn_free(r->conn);
	if (r->dv)
		r->dv->rm = NULL;
	free(r);
}

/* Take the device out of the store and pvhv's records, then tell. */
static void gone(struct domain *d, struct hv_dev *dv, enum hv_device_gone how,
		 hv_device_done_fn *done, void *arg)
{
	hv_log(HV_LOG_INFO, "domain %u: %s %u removed (%s)", d->domid,
	       devcfg_type_name(dv->type), dv->devid,
	       how == HV_DEVICE_CLOSED	    ? "the backend closed it"
	       : how == HV_DEVICE_UNUSED    ? "no backend had taken it"
	       : how == HV_DEVICE_TIMED_OUT ? "the backend did not close it"
	       : how == HV_DEVICE_FORCED    ? "forced"
					    : "the domain is gone");
	destroy_nodes(d->hv->store, dv);
	forget(d, dv);
	if (done)
		done(how, arg);
}

static void end_removal(struct removal *r, enum hv_device_gone how)
{
	struct domain *d = r->d;
	struct hv_dev *dv = r->dv;
	hv_device_done_fn *done = r->done;
	void *arg = r->arg;

	free_removal(r);
	gone(d, dv, how, done, arg);
}

static void removal_check(evutil_socket_t fd, short what, void *arg)
{
	struct removal *r = arg;
	int state = backend_state(r->d->hv->store, r->dv);

	(void)fd;
	(void)what;
	if (state == -ENOENT || state == XenbusStateClosed)
		end_removal(r, HV_DEVICE_CLOSED);
}

static void removal_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	end_removal(arg, HV_DEVICE_TIMED_OUT);
}

/* Called by the store (inside its own call): just wake the check. */
static int removal_send(struct store_conn *c, const struct xsd_sockmsg *h,
			const void *p, size_t len, void *arg)
{
	struct removal *r = arg;

	(void)c;
	(void)p;
	(void)len;
	if (h->type == XS_WATCH_EVENT)
		event_active(r->check, EV_TIMEOUT, 0);
	return 0;
}

static const struct store_conn_ops removal_ops = {.send = removal_send};

static int watch_state(struct removal *r)
{
	struct store *st = r->d->hv->store;
	char payload[DEV_PATH_MAX + sizeof(WATCH_TOKEN) + 8];
	int n = snprintf(payload, sizeof(payload), "%s/state", r->dv->be);
	struct xsd_sockmsg h = {.type = XS_WATCH};
	int rc;

	memcpy(payload + n + 1, WATCH_TOKEN, sizeof(WATCH_TOKEN));
	h.len = (uint32_t)(n + 1 + sizeof(WATCH_TOKEN));
	rc = store_conn_new(st, 0, &removal_ops, r, &r->conn);
	return rc ? rc : store_request(r->conn, &h, payload);
}

static int wait_for_backend(struct domain *d, struct hv_dev *dv,
			    unsigned int timeout_ms, hv_device_done_fn *done,
			    void *arg)
{
	struct timeval tv = {.tv_sec = timeout_ms / 1000,
			     .tv_usec = (timeout_ms % 1000) * 1000};
	struct removal *r = calloc(1, sizeof(*r));
	int rc = -ENOMEM;

	if (!r)
		return rc;
	*r = (struct removal){.d = d, .dv = dv, .done = done, .arg = arg};
	dv->rm = r;
	r->check = event_new(d->hv->base, -1, 0, removal_check, r);
	r->timer = event_new(d->hv->base, -1, 0, removal_timeout, r);
	if (r->check && r->timer && !event_add(r->timer, &tv))
		rc = watch_state(r); /* its first event checks at once */
	if (rc)
		free_removal(r);
	return rc;
}

int hv_device_remove(struct domain *d, enum devcfg_type t, unsigned int devid,
		     unsigned int flags, unsigned int timeout_ms,
		     hv_device_done_fn *done, void *arg)
{
	struct store *st = d->hv->store;
	struct hv_dev *dv = find_dev(d, t, devid);
	int state, rc;

	if (!st)
		return -ENODEV;
	if (!dv)
		return -ENOENT;
	if (dv->rm)
		return -EBUSY;
	if (flags & HV_DEVICE_FORCE) {
		gone(d, dv, HV_DEVICE_FORCED, done, arg);
		return 0;
	}
	state = backend_state(st, dv);
	if (state == -ENOENT || state == XenbusStateInitialising) {
		gone(d, dv, HV_DEVICE_UNUSED, done, arg);
		return 0;
	}
	/* As libxl: the backend goes offline and Closing (a backend that
	 * is Closed already stays so), then closes the device itself. */
	rc = put_backend(st, dv, "online", "0");
	if (!rc && state != XenbusStateClosed)
		rc = put_backend(st, dv, "state", "5");
	if (!rc)
		rc = wait_for_backend(
		    d, dv, timeout_ms ? timeout_ms : HV_DEVICE_TIMEOUT_MS, done,
		    arg);
	return rc;
}

void hv_devices_release(struct domain *d)
{
	while (d->devs) {
		struct hv_dev *dv = d->devs;
		struct removal *r = dv->rm;

		if (r)
			end_removal(r, HV_DEVICE_DOMAIN_GONE);
		else
			gone(d, dv, HV_DEVICE_DOMAIN_GONE, NULL, NULL);
	}
}
