/*
 * The input backend's hub: host sides in the event loop, their events to
 * every connected device (or the one guest an event targets), then one
 * notification per device that got something.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <event2/event.h>

#include "kbdback_int.h"

#define BATCH	   64
#define MAX_ROUNDS 16 /* batches per wake-up, so one source cannot hog */

struct kbd_src {
	struct kbd_src *next;
	struct kbdback *kb;
	const struct kbdback_source_ops *ops;
	void *st;
	struct event *ev;
};

void kbd_log(struct kbdback *kb, int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!kb->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kb->log(kb, level, msg, kb->log_arg);
}

void kbdback_set_log(struct kbdback *kb, kbdback_log_fn *fn, void *arg)
{
	kb->log = fn;
	kb->log_arg = arg;
}

void kbd_hub_init(struct kbdback *kb, struct event_base *base)
{
	kb->base = base;
}

static void tell_sources(struct kbdback *kb)
{
	for (struct kbd_src *s = kb->srcs; s; s = s->next)
		if (s->ops->connected)
			s->ops->connected(s->st, kb->connected);
}

void kbd_hub_up(struct kbdback *kb, struct kbd_dev *d)
{
	if (d->up)
		return;
	d->up = true;
	d->failed = false;
	d->next = kb->devs;
	kb->devs = d;
	kb->connected++;
	tell_sources(kb);
}

static void add_stats(struct kbdback_stats *to, const struct kbdback_stats *s)
{
	to->events += s->events;
	to->frames += s->frames;
	to->dropped += s->dropped;
	to->filtered += s->filtered;
}

void kbd_hub_down(struct kbdback *kb, struct kbd_dev *d)
{
	struct kbd_dev **pp;

	if (!d->up)
		return;
	for (pp = &kb->devs; *pp && *pp != d; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = d->next;
	d->up = false;
	add_stats(&kb->gone, &d->enc.st);
	kb->connected--;
	tell_sources(kb);
}

/* ---- delivering ------------------------------------------------------------
 */

static bool in_mask(const struct kbd_dev *d, uint32_t mask)
{
	return d->devid < 32 && (mask >> d->devid) & 1u;
}

/* Event ev is for device d: its guest, and one of the devices asked for
 * (or all, when the guest has none of those). */
static bool for_dev(struct kbdback *kb, const struct kbd_dev *d,
		    const struct kbdback_event *ev)
{
	if (ev->target == KBDBACK_TARGET_ALL)
		return true;
	if (ev->target != d->domid)
		return false;
	if (!ev->target_devs || in_mask(d, ev->target_devs))
		return true;
	for (const struct kbd_dev *o = kb->devs; o; o = o->next)
		if (o->domid == d->domid && in_mask(o, ev->target_devs))
			return false;
	return true;
}

static void deliver(struct kbdback *kb, const struct kbdback_event *ev,
		    unsigned int n)
{
	for (struct kbd_dev *d = kb->devs; d; d = d->next) {
		for (unsigned int i = 0; i < n && !d->failed; i++) {
			if (!for_dev(kb, d, &ev[i]))
				continue;
			if (kbdback_enc_put(&d->enc, &ev[i]) == -EPROTO)
				d->failed = true;
		}
	}
}

/* After a batch: notify, report drops, fail broken devices.  fail() may
 * take the device off the list, so walk a copy of the decisions. */
static void settle(struct kbdback *kb, bool flush)
{
	struct kbd_dev *broken[16];
	unsigned int nb = 0;

	for (struct kbd_dev *d = kb->devs; d; d = d->next) {
		if (flush && !d->failed &&
		    kbdback_enc_flush(&d->enc) == -EPROTO)
			d->failed = true;
		if (d->enc.notify) {
			d->enc.notify = false;
			d->notify(d);
		}
		if (d->enc.st.dropped != d->dropped_told && d->dropped) {
			d->dropped_told = d->enc.st.dropped;
			d->dropped(d);
		}
		if (d->failed && nb < 16)
			broken[nb++] = d;
	}
	for (unsigned int i = 0; i < nb; i++)
		broken[i]->fail(broken[i]);
}

void kbd_hub_retry(struct kbdback *kb, struct kbd_dev *d)
{
	if (!d->up || d->failed || !kbdback_enc_owed(&d->enc))
		return;
	if (kbdback_enc_retry(&d->enc) == -EPROTO)
		d->failed = true;
	settle(kb, false);
}

void kbdback_inject(struct kbdback *kb, const struct kbdback_event *ev,
		    unsigned int n)
{
	deliver(kb, ev, n);
	settle(kb, false);
}

static void src_end(struct kbd_src *s, int rc)
{
	struct kbdback *kb = s->kb;

	if (rc == -EPIPE)
		kbd_log(kb, LOG_NOTICE, "input source %s has ended",
			s->ops->name);
	else
		kbd_log(kb, LOG_ERR, "input source %s failed: %s; closed",
			s->ops->name, strerror(-rc));
	event_del(s->ev);
}

static void on_source(evutil_socket_t fd, short what, void *arg)
{
	struct kbd_src *s = arg;
	struct kbdback_event ev[BATCH];
	int n = BATCH;

	(void)fd;
	(void)what;
	for (unsigned int round = 0; n == BATCH && round < MAX_ROUNDS;
	     round++) {
		n = s->ops->read(s->st, ev, BATCH);
		if (n < 0) {
			src_end(s, n);
			break;
		}
		deliver(s->kb, ev, (unsigned int)n);
	}
	/* A source that has nothing more now has finished its frame. */
	settle(s->kb, n >= 0 && n < BATCH);
}

int kbdback_add_source(struct kbdback *kb, const struct kbdback_source_ops *ops,
		       const char *args, char *err, size_t errlen)
{
	struct kbd_src *s = calloc(1, sizeof(*s));
	struct timeval tv = {0, 0};
	int rc, fd;

	if (!s)
		return -ENOMEM;
	if (errlen)
		err[0] = '\0';
	rc = ops->open(args, &s->st, err, errlen);
	if (rc) {
		free(s);
		return rc;
	}
	if (err[0])
		kbd_log(kb, LOG_NOTICE, "%s", err);
	s->kb = kb;
	s->ops = ops;
	fd = ops->fd(s->st);
	s->ev =
	    event_new(kb->base, fd, (short)(fd >= 0 ? EV_READ : 0) | EV_PERSIST,
		      on_source, s);
	tv.tv_usec = (suseconds_t)(ops->poll_ms ? ops->poll_ms : 10) * 1000;
	if (!s->ev || event_add(s->ev, fd >= 0 ? NULL : &tv)) {
		if (s->ev)
			event_free(s->ev);
		ops->close(s->st);
		free(s);
		snprintf(err, errlen, "%s: cannot add it to the event loop",
			 ops->name);
		return -ENOMEM;
	}
	s->next = kb->srcs;
	kb->srcs = s;
	if (ops->connected)
		ops->connected(s->st, kb->connected);
	return 0;
}

void kbd_hub_fini(struct kbdback *kb)
{
	while (kb->srcs) {
		struct kbd_src *s = kb->srcs;

		kb->srcs = s->next;
		event_free(s->ev);
		s->ops->close(s->st);
		free(s);
	}
}

unsigned int kbdback_connected(const struct kbdback *kb)
{
	return kb->connected;
}

int kbdback_stats(const struct kbdback *kb, int domid, unsigned int devid,
		  struct kbdback_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (domid < 0)
		add_stats(st, &kb->gone);
	for (const struct kbd_dev *d = kb->devs; d; d = d->next) {
		if (domid < 0) {
			add_stats(st, &d->enc.st);
		} else if (d->domid == domid && d->devid == devid) {
			*st = d->enc.st;
			return 0;
		}
	}
	return domid < 0 ? 0 : -ENODEV;
}
