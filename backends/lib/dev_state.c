/*
 * One device: found, watched, driven through the xenbus handshake
 * (pvkit/back.h, "The handshake"), failed, and removed.
 *
 * Everything here runs from the loop with nothing of the device on the
 * stack: from a store watch callback, or from the device's settle event,
 * which pvback_dev_fail() schedules so that a device failing itself (from
 * its own connect() or event callback) is disconnected only after it
 * returned.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "back_int.h"
#include "pvkit/xenbus.h"

#define S(x) XenbusState##x

static void settle(struct pvback_dev *dev);

static struct pvback *B(const struct pvback_dev *dev)
{
	return dev->type->b;
}

/* ---- connection ---------------------------------------------------------- */

static int do_probe(struct pvback_dev *dev)
{
	const struct pvback_device_ops *o = dev->type->ops;
	int rc = o->probe ? o->probe(dev, dev->type->arg) : 0;

	if (rc < 0 && !dev->failed)
		pvback_dev_fail(dev, rc, "probe failed");
	dev->probed = rc == 0 && !dev->failed;
	return dev->probed ? 0 : -EIO;
}

static void do_connect(struct pvback_dev *dev)
{
	const struct pvback_device_ops *o = dev->type->ops;
	int rc;

	dev->conn = true;
	rc = o->connect(dev, dev->type->arg);
	if (rc < 0 && !dev->failed)
		pvback_dev_fail(dev, rc, "connect failed");
	if (dev->failed)
		return; /* the settle event disconnects */
	dev->connected = true;
	if (pvb_dev_set_state(dev, S(Connected)) == 0)
		PVBACK_LOG(B(dev), INFO, "%s: connected", dev->be_path);
}

static void do_disconnect(struct pvback_dev *dev)
{
	const struct pvback_device_ops *o = dev->type->ops;

	if (!dev->conn)
		return;
	dev->conn = false;
	dev->connected = false;
	if (o->disconnect)
		o->disconnect(dev, dev->type->arg);
	pvb_dev_unbind_all(dev);
	pvb_dev_unmap_all(dev);
}

static void close_to(struct pvback_dev *dev, enum xenbus_state st)
{
	do_disconnect(dev);
	if (dev->be != st)
		(void)pvb_dev_set_state(dev, st);
}

/* Back from Closed for a frontend that starts again, or the first
 * settling in this process: an old error goes. */
static void reopen(struct pvback_dev *dev)
{
	if (dev->be == S(Closed) || dev->be == S(Unknown))
		(void)pvback_dev_rm(dev, "error");
}

/* ---- the state machine --------------------------------------------------- */

/* Frontend Initialising (or no state yet): get ready for it. */
static void settle_waiting(struct pvback_dev *dev)
{
	if (dev->connected) { /* cannot happen: a jump fails first */
		close_to(dev, S(Closing));
		return;
	}
	if (dev->be == S(Closing))
		return; /* the frontend owes us its Closed */
	if (!dev->probed && do_probe(dev) < 0)
		return;
	if (dev->be == S(InitWait))
		return;
	reopen(dev);
	(void)pvb_dev_set_state(dev, S(InitWait));
}

/* Frontend Initialised or Connected: connect. */
static void settle_ready(struct pvback_dev *dev)
{
	if (dev->conn || dev->be == S(Closing))
		return;
	if (!dev->probed && do_probe(dev) < 0)
		return;
	reopen(dev);
	do_connect(dev);
}

/* A frontend that an earlier backend process connected, of a type whose
 * state that process took with it: InitWait tells the frontend a new
 * backend took over, and it reconnects from the start. */
static void settle_takeover(struct pvback_dev *dev)
{
	if (dev->be == S(InitWait))
		return;
	if (!dev->probed && do_probe(dev) < 0)
		return;
	reopen(dev);
	if (pvb_dev_set_state(dev, S(InitWait)) == 0)
		PVBACK_LOG(B(dev), INFO,
			   "%s: frontend connected to an earlier backend: "
			   "asked to reconnect",
			   dev->be_path);
}

/* A failed device: disconnected, Closing, until the frontend closes and
 * perhaps starts again. */
static void settle_failed(struct pvback_dev *dev)
{
	do_disconnect(dev);
	if (dev->bad_frontend)
		return;
	if (dev->fe == S(Closed) || (dev->fe == S(Unknown) && dev->fe_alive)) {
		close_to(dev, S(Closed));
	} else if (dev->fe == S(Initialising) && dev->be == S(Closed)) {
		dev->failed = false;
		settle(dev);
	}
}

static void settle(struct pvback_dev *dev)
{
	if (dev->stale)
		return;
	if (!dev->online || dev->closed_by_toolstack) {
		close_to(dev, S(Closed));
		return;
	}
	if (dev->failed) {
		settle_failed(dev);
		return;
	}
	if (dev->takeover && dev->fe == S(Connected)) {
		settle_takeover(dev);
		return;
	}
	dev->takeover = false;
	if (dev->fe == S(Unknown) && dev->fe_alive) { /* the frontend left */
		close_to(dev, S(Closed));
		return;
	}
	switch (dev->fe) {
	case S(Unknown): /* not there yet */
	case S(Initialising):
	case S(InitWait):
		settle_waiting(dev);
		return;
	case S(Initialised):
	case S(Connected):
		settle_ready(dev);
		return;
	case S(Closing):
	case S(Closed):
		close_to(dev, dev->fe);
		return;
	default: /* Reconfiguring: nothing to reconfigure */
		return;
	}
}

void pvb_dev_mark_stale(struct pvback_dev *dev)
{
	dev->stale = true;
	event_active(dev->settle_ev, 0, 0);
}

static void on_settle(evutil_socket_t fd, short what, void *arg)
{
	struct pvback_dev *dev = arg;

	(void)fd;
	(void)what;
	if (!pvb_dev_dir_ok(dev))
		pvb_bus_renew(dev);
	else
		settle(dev);
}

/* ---- the frontend's state ------------------------------------------------ */

/* A move the frontend may make, also by way of Initialising (which the
 * backend can miss: the store says a node changed, not each value). */
static bool fe_move_ok(enum xenbus_state from, enum xenbus_state to)
{
	return pv_xenbus_transition_ok(from, to) ||
	       (pv_xenbus_transition_ok(from, S(Initialising)) &&
		pv_xenbus_transition_ok(S(Initialising), to));
}

/* Read the frontend's state: 0 with *st, 1 when the node is gone, -errno
 * after failing the device for a value that is no state. */
static int read_fe_state(struct pvback_dev *dev, enum xenbus_state *st)
{
	char path[PVBACK_PATH_MAX];
	int rc;

	snprintf(path, sizeof(path), "%s/state", dev->fe_path);
	rc = pvb_store_read_state(B(dev), path, st);
	if (rc == -ENOENT)
		return 1;
	if (rc == -EINVAL)
		pvback_dev_fail(dev, rc,
				"frontend state is not a xenbus state");
	else if (rc < 0)
		PVBACK_LOG(B(dev), WARN, "%s: %s", path, strerror(-rc));
	return rc;
}

static void fe_changed(struct pvback_dev *dev)
{
	enum xenbus_state st = S(Unknown);
	int rc;

	PVBACK_LOG(B(dev), DEBUG, "%s: frontend event", dev->be_path);
	/* A late event may speak of a new device with the same ids. */
	if (!pvb_dev_dir_ok(dev)) {
		pvb_dev_mark_stale(dev);
		return;
	}
	rc = read_fe_state(dev, &st);

	if (rc < 0 || (rc == 0 && st == dev->fe && dev->fe_alive))
		return;
	if (rc == 1) { /* gone: the guest died or removed it */
		if (!dev->fe_alive || dev->fe == S(Unknown))
			return;
	} else if (dev->fe_alive && !dev->failed && !fe_move_ok(dev->fe, st)) {
		pvback_dev_fail(
		    dev, -EPROTO, "frontend state jumped from %s to %s",
		    pv_xenbus_state_name(dev->fe), pv_xenbus_state_name(st));
	}
	dev->fe = st;
	dev->fe_alive |= rc == 0;
	settle(dev);
}

static void on_fe_watch(const char *path, const char *token, void *arg)
{
	(void)path;
	(void)token;
	fe_changed(arg);
}

/* ---- the backend's directory --------------------------------------------- */

static int read_online(struct pvback_dev *dev, bool *online)
{
	uint64_t v;
	int rc = pvback_dev_read_uint(dev, PVBACK_BACKEND, "online", 0, 1, &v);

	*online = rc == -ENOENT || (rc == 0 && v == 1);
	return rc == -ENOENT ? 0 : rc;
}

int pvb_dev_backend_changed(struct pvback_dev *dev)
{
	enum xenbus_state st = S(Unknown);
	char path[PVBACK_PATH_MAX];
	int rc;

	if (!pvb_dev_dir_ok(dev))
		return -ENOENT; /* gone or new: the caller renews it */
	snprintf(path, sizeof(path), "%s/state", dev->be_path);
	rc = pvb_store_read_state(B(dev), path, &st);
	(void)read_online(dev, &dev->online);
	/* Closing or Closed we did not write: the toolstack closes it. */
	if (rc == 0 && st != dev->be && dev->be != S(Unknown) &&
	    (st == S(Closing) || st == S(Closed)))
		dev->closed_by_toolstack = true;
	settle(dev);
	return 0;
}

static int dev_watch_frontend(struct pvback_dev *dev)
{
	struct pvback *b = B(dev);
	char path[PVBACK_PATH_MAX];
	int rc;

	snprintf(path, sizeof(path), "%s/state", dev->fe_path);
	snprintf(dev->fe_token, sizeof(dev->fe_token), "pvback/fe/%lu",
		 ++b->serial);
	rc = b->ops->watch(b->ctx, path, dev->fe_token, on_fe_watch, dev);
	dev->fe_watched = rc == 0;
	return rc;
}

/* Start a device just found: claim and check it, watch its frontend,
 * settle it.  -ENOENT when its directory went meanwhile. */
static int dev_start(struct pvback_dev *dev)
{
	enum xenbus_state st;
	bool frontend_ok = false;
	int rc = pvb_dev_claim(dev, &frontend_ok);

	if (rc < 0)
		return rc;
	if (!frontend_ok) {
		dev->bad_frontend = true;
		pvback_dev_fail(dev, -EINVAL,
				"frontend or frontend-id is not %s, %u",
				dev->fe_path, dev->domid);
		return 0;
	}
	rc = read_fe_state(dev, &st);
	if (rc == 0) {
		dev->fe = st;
		dev->fe_alive = true;
		dev->takeover = st == S(Connected) &&
				dev->type->ops->reconnect_on_restart;
	}
	rc = dev_watch_frontend(dev);
	if (rc < 0)
		return rc;
	settle(dev);
	return 0;
}

/* ---- life and death -------------------------------------------------------
 */

static char *dup_printf(const char *fmt, ...) PVBACK_PRINTF(1, 2);
static char *dup_printf(const char *fmt, ...)
{
	char buf[PVBACK_PATH_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= sizeof(buf) ? NULL : strdup(buf);
}

static void dev_free(struct pvback_dev *dev)
{
	if (dev->settle_ev)
		event_free(dev->settle_ev);
	free(dev->priv);
	free(dev->be_path);
	free(dev->fe_path);
	free(dev);
}

static int dev_alloc(struct pvback_type *t, domid_t dom, unsigned int devid,
		     struct pvback_dev **out)
{
	struct pvback_dev *dev = calloc(1, sizeof(*dev));

	if (!dev)
		return -ENOMEM;
	dev->type = t;
	dev->domid = dom;
	dev->devid = devid;
	dev->online = true;
	dev->gen = t->gen;
	snprintf(dev->token, sizeof(dev->token), "%s.%lu", t->b->instance,
		 ++t->b->serial);
	dev->be_path = dup_printf("%s/%u/%u", t->dir, dom, devid);
	dev->fe_path = dup_printf("/local/domain/%u/device/%s/%u", dom,
				  t->ops->type, devid);
	dev->priv = calloc(1, t->ops->priv_size ? t->ops->priv_size : 1);
	dev->settle_ev = event_new(t->b->base, -1, 0, on_settle, dev);
	if (!dev->be_path || !dev->fe_path || !dev->priv || !dev->settle_ev) {
		dev_free(dev);
		return -ENOMEM;
	}
	*out = dev;
	return 0;
}

int pvb_dev_create(struct pvback_type *t, domid_t dom, unsigned int devid,
		   struct pvback_dev **out)
{
	struct pvback_dev *dev;
	int rc = dev_alloc(t, dom, devid, &dev);

	if (rc < 0)
		return rc;
	dev->next = t->devs;
	t->devs = dev;
	PVBACK_LOG(t->b, INFO, "%s: new device", dev->be_path);
	rc = dev_start(dev);
	if (rc < 0) {
		pvback_log(t->b,
			   rc == -ENOENT ? PVBACK_LOG_DEBUG : PVBACK_LOG_ERR,
			   "%s: cannot take the device on: %s", dev->be_path,
			   strerror(-rc));
		pvb_dev_destroy(dev);
		return rc;
	}
	if (out)
		*out = dev;
	return 0;
}

void pvb_dev_destroy(struct pvback_dev *dev)
{
	struct pvback_type *t = dev->type;
	struct pvback *b = t->b;

	for (struct pvback_dev **pp = &t->devs; *pp; pp = &(*pp)->next) {
		if (*pp == dev) {
			*pp = dev->next;
			break;
		}
	}
	if (dev->fe_watched) {
		char path[PVBACK_PATH_MAX];

		snprintf(path, sizeof(path), "%s/state", dev->fe_path);
		(void)b->ops->unwatch(b->ctx, path, dev->fe_token);
	}
	do_disconnect(dev);
	if (t->ops->remove)
		t->ops->remove(dev, t->arg);
	PVBACK_LOG(b, INFO, "%s: removed", dev->be_path);
	dev_free(dev);
}

/* ---- failure ----------------------------------------------------------------
 */

static void write_error(struct pvback_dev *dev, int err, const char *msg)
{
	char text[512];

	snprintf(text, sizeof(text), "%d %s", err < 0 ? -err : err, msg);
	(void)pvback_dev_write(dev, "error", text);
}

void pvback_dev_fail(struct pvback_dev *dev, int err, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	PVBACK_LOG(B(dev), WARN, "%s: %s (%s)", dev->be_path, msg,
		   strerror(err < 0 ? -err : err));
	if (dev->failed || dev->stale)
		return;
	dev->failed = true;
	write_error(dev, err, msg);
	if (dev->be != S(Closing) && dev->be != S(Closed))
		(void)pvb_dev_set_state(dev, S(Closing));
	event_active(dev->settle_ev, 0, 0);
}

/* ---- accessors
 * ---------------------------------------------------------------- */

domid_t pvback_dev_domid(const struct pvback_dev *dev)
{
	return dev->domid;
}

unsigned int pvback_dev_devid(const struct pvback_dev *dev)
{
	return dev->devid;
}

void *pvback_dev_priv(const struct pvback_dev *dev)
{
	return dev->priv;
}

struct pvback *pvback_dev_pvback(const struct pvback_dev *dev)
{
	return dev->type->b;
}

const char *pvback_dev_backend_path(const struct pvback_dev *dev)
{
	return dev->be_path;
}

const char *pvback_dev_frontend_path(const struct pvback_dev *dev)
{
	return dev->fe_path;
}

enum xenbus_state pvback_dev_state(const struct pvback_dev *dev)
{
	return dev->be;
}

enum xenbus_state pvback_dev_frontend_state(const struct pvback_dev *dev)
{
	return dev->fe;
}

bool pvback_dev_connected(const struct pvback_dev *dev)
{
	return dev->connected;
}

bool pvback_dev_failed(const struct pvback_dev *dev)
{
	return dev->failed;
}
