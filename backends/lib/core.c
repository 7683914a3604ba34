/*
 * The libpvback instance: the platform opened and its descriptors in the
 * caller's event_base, logging, and what happens when the platform breaks.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "back_int.h"

static void default_log(struct pvback *b, enum pvback_log_level level,
			const char *msg, void *arg)
{
	static const char *const names[] = {"error", "warning", "info",
					    "debug"};

	(void)b;
	(void)arg;
	if (level <= PVBACK_LOG_WARN)
		fprintf(stderr, "pvback: %s: %s\n", names[level], msg);
}

static void default_fatal(struct pvback *b, int err, void *arg)
{
	(void)arg;
	PVBACK_LOG(b, ERR, "the platform failed: %s; stopping the loop",
		   strerror(-err));
	event_base_loopbreak(b->base);
}

void pvback_logv(struct pvback *b, enum pvback_log_level level, const char *fmt,
		 va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	b->log(b, level, msg, b->log_arg);
}

void pvback_log(struct pvback *b, enum pvback_log_level level, const char *fmt,
		...)
{
	va_list ap;

	va_start(ap, fmt);
	pvback_logv(b, level, fmt, ap);
	va_end(ap);
}

void pvback_set_log(struct pvback *b, pvback_log_fn *fn, void *arg)
{
	b->log = fn ? fn : default_log;
	b->log_arg = fn ? arg : NULL;
}

void pvback_set_fatal(struct pvback *b, pvback_fatal_fn *fn, void *arg)
{
	b->fatal = fn ? fn : default_fatal;
	b->fatal_arg = fn ? arg : NULL;
}

int pvback_error(const struct pvback *b)
{
	return b->error;
}

struct event_base *pvback_base(const struct pvback *b)
{
	return b->base;
}

/* The first error wins; the platform's descriptors leave the loop, so a
 * broken connection cannot spin it. */
void pvback_fatal_error(struct pvback *b, int err)
{
	if (b->error)
		return;
	b->error = err < 0 ? err : -EIO;
	for (int i = 0; i < b->nfds; i++)
		event_del(b->fd_ev[i]);
	b->fatal(b, b->error, b->fatal_arg);
}

static void on_platform(evutil_socket_t fd, short what, void *arg)
{
	struct pvback *b = arg;
	int rc;

	(void)fd;
	(void)what;
	rc = b->ops->process(b->ctx);
	if (rc < 0)
		pvback_fatal_error(b, rc);
}

static int add_fds(struct pvback *b)
{
	int fds[PVBACK_PLATFORM_FDS];
	int n = b->ops->fds(b->ctx, fds);

	if (n < 0 || n > (int)PVBACK_PLATFORM_FDS)
		return n < 0 ? n : -EINVAL;
	for (int i = 0; i < n; i++) {
		b->fd_ev[i] = event_new(b->base, fds[i], EV_READ | EV_PERSIST,
					on_platform, b);
		if (!b->fd_ev[i])
			return -ENOMEM;
		b->nfds = i + 1;
		if (event_add(b->fd_ev[i], NULL))
			return -ENOMEM;
	}
	return 0;
}

/* Tokens of this instance differ from those of any other (dev_dir.c). */
static void set_instance(struct pvback *b)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(b->instance, sizeof(b->instance), "%lx.%lx.%x",
		 (unsigned long)ts.tv_sec, (unsigned long)ts.tv_nsec,
		 (unsigned int)getpid());
}

static bool ops_complete(const struct pvback_platform_ops *o)
{
	return o->open && o->close && o->fds && o->process && o->tx_start &&
	       o->tx_end && o->read && o->write && o->rm && o->directory &&
	       o->watch && o->unwatch && o->map && o->unmap && o->bind &&
	       o->port_fd && o->drain && o->notify && o->unbind;
}

int pvback_new(struct event_base *base, const struct pvback_platform_ops *ops,
	       const void *platform_arg, struct pvback **out)
{
	struct pvback *b;
	int rc;

	if (!base || !ops || !out || !ops_complete(ops))
		return -EINVAL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->base = base;
	b->ops = ops;
	set_instance(b);
	pvback_set_log(b, NULL, NULL);
	pvback_set_fatal(b, NULL, NULL);
	rc = ops->open(platform_arg, &b->ctx);
	if (rc < 0) {
		b->ctx = NULL;
		goto fail;
	}
	rc = add_fds(b);
	if (rc < 0)
		goto fail;
	*out = b;
	return 0;
fail:
	pvback_free(b);
	return rc;
}

void pvback_free(struct pvback *b)
{
	if (!b)
		return;
	while (b->types) {
		struct pvback_type *t = b->types;

		b->types = t->next;
		pvb_bus_type_free(t);
	}
	for (int i = 0; i < b->nfds; i++)
		event_free(b->fd_ev[i]);
	if (b->ctx)
		b->ops->close(b->ctx);
	free(b);
}
