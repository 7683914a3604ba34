/*
 * Event channels of a device: bound through the platform, their
 * descriptors in the caller's event_base, drained before the device's
 * callback runs.  A failed device's callbacks no longer run.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "back_int.h"

static void on_port(evutil_socket_t fd, short what, void *arg)
{
	struct pvback_evt *e = arg;
	struct pvback_dev *dev = e->dev;
	struct pvback *b = dev->type->b;
	int n = b->ops->drain(b->ctx, e->port);

	(void)fd;
	(void)what;
	if (n < 0) {
		pvback_dev_fail(dev, n, "event channel broke");
		return;
	}
	if (n == 0 || dev->failed || dev->stale)
		return;
	e->cb(e, e->arg); /* last: e may be unbound in there */
}

static void evt_free(struct pvback_evt *e)
{
	struct pvback *b = e->dev->type->b;

	if (e->ev)
		event_free(e->ev);
	b->ops->unbind(b->ctx, e->port);
	free(e);
}

int pvback_dev_bind(struct pvback_dev *dev, evtchn_port_t remote_port,
		    pvback_evt_fn *cb, void *arg, struct pvback_evt **out)
{
	struct pvback *b = dev->type->b;
	struct pvback_evt *e;
	int rc;

	if (!cb || !out)
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->dev = dev;
	e->cb = cb;
	e->arg = arg;
	rc = b->ops->bind(b->ctx, dev->domid, remote_port, &e->port);
	if (rc < 0) {
		free(e);
		return rc;
	}
	e->ev = event_new(b->base, b->ops->port_fd(b->ctx, e->port),
			  EV_READ | EV_PERSIST, on_port, e);
	if (!e->ev || event_add(e->ev, NULL) < 0) {
		evt_free(e);
		return -ENOMEM;
	}
	e->next = dev->evts;
	dev->evts = e;
	*out = e;
	return 0;
}

int pvback_dev_bind_key(struct pvback_dev *dev, const char *key,
			pvback_evt_fn *cb, void *arg, struct pvback_evt **out)
{
	uint64_t port;
	int rc = pvback_dev_read_uint(dev, PVBACK_FRONTEND, key, 1, UINT32_MAX,
				      &port);

	if (rc < 0)
		return rc;
	return pvback_dev_bind(dev, (evtchn_port_t)port, cb, arg, out);
}

int pvback_evt_notify(struct pvback_evt *evt)
{
	struct pvback *b = evt->dev->type->b;

	return b->ops->notify(b->ctx, evt->port);
}

void pvback_evt_unbind(struct pvback_evt *evt)
{
	struct pvback_evt **pp;

	if (!evt)
		return;
	for (pp = &evt->dev->evts; *pp; pp = &(*pp)->next) {
		if (*pp == evt) {
			*pp = evt->next;
			break;
		}
	}
	evt_free(evt);
}

struct pvback_dev *pvback_evt_dev(const struct pvback_evt *evt)
{
	return evt->dev;
}

void pvb_dev_unbind_all(struct pvback_dev *dev)
{
	while (dev->evts) {
		struct pvback_evt *e = dev->evts;

		dev->evts = e->next;
		evt_free(e);
	}
}
