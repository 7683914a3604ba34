/*
 * store.c — the store client's handle: the connection, the bytes each
 * way, framing, matching replies to requests, the deferred queue and
 * pvhv_store_process() (how it fits together: store_int.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "rundir.h"
#include "store_int.h"

/* ---- the queue fd -------------------------------------------------------- */

/* Whole messages already in ibuf, or deferred deliveries: the socket will
 * not say so, qfd must. */
static bool work_in_memory(const struct pvhv_store *s)
{
	struct xsd_sockmsg hdr;

	if (s->dq)
		return true;
	if (pv_xs_parse_header(s->ibuf, s->ilen, &hdr) == -XEN_EAGAIN)
		return false;
	return s->ilen >= PV_XS_HDR_SIZE + (size_t)hdr.len ||
	       hdr.len > XENSTORE_PAYLOAD_MAX;
}

static void update_qfd(struct pvhv_store *s)
{
	bool want = work_in_memory(s);
	uint64_t v = 1;

	if (want == s->qfd_set)
		return;
	/* An eventfd counter written once cannot overflow, and reading an
	 * empty one fails harmlessly: neither result matters. */
	if (want && write(s->qfd, &v, sizeof(v)) < 0)
		return;
	if (!want && read(s->qfd, &v, sizeof(v)) < 0)
		v = 0;
	s->qfd_set = want;
}

/* Watch the socket for writing exactly while output waits. */
static void update_pollout(struct pvhv_store *s)
{
	bool want = s->sock >= 0 && s->ooff < s->olen;
	struct epoll_event ev = { .events = EPOLLIN };

	if (want == s->pollout || s->sock < 0)
		return;
	if (want)
		ev.events |= EPOLLOUT;
	ev.data.fd = s->sock;
	if (epoll_ctl(s->epfd, EPOLL_CTL_MOD, s->sock, &ev) == 0)
		s->pollout = want;
}

/* ---- the deferred queue -------------------------------------------------- */

static int defer(struct pvhv_store *s, struct hvs_req *r, int err,
		 const struct xsd_sockmsg *hdr, const char *payload)
{
	size_t len = hdr ? hdr->len : 0;
	struct hvs_defer *d = malloc(sizeof(*d) + len + 1);

	if (!d)
		return -ENOMEM;
	d->next = NULL;
	d->req = r;
	d->err = err;
	if (hdr)
		d->hdr = *hdr;
	else
		memset(&d->hdr, 0, sizeof(d->hdr));
	if (len)
		memcpy(d->payload, payload, len);
	d->payload[len] = '\0';
	*s->dq_tail = d;
	s->dq_tail = &d->next;
	return 0;
}

static struct hvs_defer *defer_pop(struct pvhv_store *s)
{
	struct hvs_defer *d = s->dq;

	if (d) {
		s->dq = d->next;
		if (!s->dq)
			s->dq_tail = &s->dq;
	}
	return d;
}

static void deliver_deferred(struct pvhv_store *s, struct hvs_defer *d)
{
	if (d->err)
		hvs_fail(s, d->req, d->err);
	else if (d->req)
		hvs_complete(s, d->req, &d->hdr, d->payload);
	else
		hvs_watch_event(s, d->payload, d->hdr.len);
	free(d);
}

/* ---- breaking ------------------------------------------------------------ */

/* The connection is over: close it, and owe every request in flight its
 * error (a blocking call's at once: it is the one waiting). */
static void conn_break(struct pvhv_store *s, int err)
{
	struct hvs_req *r;

	if (s->err)
		return;
	s->err = err;
	if (s->sock >= 0) {
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->sock, NULL);
		close(s->sock);
		s->sock = -1;
	}
	s->pollout = false;
	s->olen = s->ooff = 0;
	s->ilen = 0;
	while ((r = s->fifo)) {
		s->fifo = r->next;
		s->n_fifo--;
		if (r->sync || defer(s, r, err, NULL, NULL))
			hvs_fail(s, r, err); /* no memory: tell it now */
	}
	s->fifo_tail = &s->fifo;
}

/* ---- sending ------------------------------------------------------------- */

static void flush(struct pvhv_store *s)
{
	while (s->sock >= 0 && s->ooff < s->olen) {
		ssize_t n = send(s->sock, s->obuf + s->ooff, s->olen - s->ooff,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			conn_break(s, -ECONNRESET);
			return;
		}
		s->ooff += (size_t)n;
	}
	if (s->ooff == s->olen) {
		s->ooff = s->olen = 0;
		if (s->ocap > HVS_OBUF_KEEP) { /* a burst is over: give back */
			free(s->obuf);
			s->obuf = NULL;
			s->ocap = 0;
		}
	}
	update_pollout(s);
}

static int out_reserve(struct pvhv_store *s, size_t n)
{
	char *p;
	size_t cap;

	if (s->ooff && s->ooff == s->olen)
		s->ooff = s->olen = 0;
	if (s->ocap - s->olen >= n)
		return 0;
	if (s->ooff) { /* slide the unsent bytes to the front first */
		memmove(s->obuf, s->obuf + s->ooff, s->olen - s->ooff);
		s->olen -= s->ooff;
		s->ooff = 0;
		if (s->ocap - s->olen >= n)
			return 0;
	}
	cap = s->ocap ? s->ocap : PV_XS_MSG_MAX;
	while (cap - s->olen < n)
		cap *= 2;
	p = realloc(s->obuf, cap);
	if (!p)
		return -ENOMEM;
	s->obuf = p;
	s->ocap = cap;
	return 0;
}

static int build(struct pvhv_store *s, const struct hvs_req *r,
		 const char *const *strs, const void *raw, size_t rawlen)
{
	struct pv_xs_builder b;
	int n;

	if (out_reserve(s, PV_XS_MSG_MAX))
		return -ENOMEM;
	pv_xs_build_begin(&b, s->obuf + s->olen, PV_XS_MSG_MAX, r->type,
			  r->req_id, r->tx);
	for (; strs && *strs; strs++)
		pv_xs_build_str(&b, *strs);
	if (raw)
		pv_xs_build_bytes(&b, raw, rawlen);
	n = pv_xs_build_end(&b);
	if (n < 0) /* too big for one message: the errno numbers agree */
		return n == -XEN_E2BIG || n == -XEN_ENOSPC ? -E2BIG : -EINVAL;
	s->olen += (size_t)n;
	return 0;
}

int hvs_submit(struct pvhv_store *s, struct hvs_req *r,
	       const char *const *strs, const void *raw, size_t rawlen)
{
	int rc = s->err;

	if (s->next_sync)
		r->sync = true;
	if (++s->next_req == 0)
		s->next_req = 1; /* 0 is what watch events carry */
	r->req_id = s->next_req;
	if (!rc)
		rc = build(s, r, strs, raw, rawlen);
	if (rc)
		return rc;
	r->next = NULL;
	*s->fifo_tail = r;
	s->fifo_tail = &r->next;
	s->n_fifo++;
	flush(s); /* a break from here on is reported through r */
	return 0;
}

void hvs_req_free(struct hvs_req *r)
{
	if (!r)
		return;
	free(r->path);
	if (r->part) {
		free(r->part->names);
		free(r->part);
	}
	free(r);
}

/* ---- receiving ----------------------------------------------------------- */

/* Read what the socket has.  1 when bytes came, 0 when none were there,
 * -errno when the connection broke. */
static int fill(struct pvhv_store *s)
{
	ssize_t n;

	if (s->sock < 0)
		return s->err;
	if (s->ilen == HVS_IBUF)
		return 1; /* full of whole messages: handle those first */
	do
		n = recv(s->sock, s->ibuf + s->ilen, HVS_IBUF - s->ilen,
			 MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n <= 0) {
		conn_break(s, -ECONNRESET);
		return s->err;
	}
	s->ilen += (size_t)n;
	return 1;
}

/* Take the first whole message out of ibuf into msg (header, payload and
 * a NUL): 1, 0 when there is none yet, -EPROTO for garbage (the stream
 * cannot be followed any more). */
static int take(struct pvhv_store *s, struct xsd_sockmsg *hdr, char *payload)
{
	int rc = pv_xs_parse_header(s->ibuf, s->ilen, hdr);
	size_t whole;

	if (rc == -XEN_EAGAIN)
		return 0;
	if (rc) /* over the size limit, or a type that does not exist */
		return -EPROTO;
	whole = PV_XS_HDR_SIZE + hdr->len;
	if (s->ilen < whole)
		return 0;
	memcpy(payload, s->ibuf + PV_XS_HDR_SIZE, hdr->len);
	payload[hdr->len] = '\0';
	memmove(s->ibuf, s->ibuf + whole, s->ilen - whole);
	s->ilen -= whole;
	return 1;
}

/* One message from the store.  A blocking call waits (s->waiting): only
 * its own reply is handled now, everything else is deferred. */
static void handle(struct pvhv_store *s, const struct xsd_sockmsg *hdr,
		   const char *payload)
{
	struct hvs_req *r = s->fifo;

	if (hdr->type == XS_WATCH_EVENT) {
		if (!s->waiting || defer(s, NULL, 0, hdr, payload))
			hvs_watch_event(s, payload, hdr->len);
		return;
	}
	if (!r || hdr->req_id != r->req_id ||
	    (hdr->type != r->type && hdr->type != XS_ERROR)) {
		conn_break(s, -EPROTO); /* a reply to nothing we asked */
		return;
	}
	s->fifo = r->next;
	if (!s->fifo)
		s->fifo_tail = &s->fifo;
	s->n_fifo--;
	if (!s->waiting || r->sync || defer(s, r, 0, hdr, payload))
		hvs_complete(s, r, hdr, payload);
}

/* Handle the next whole message in ibuf: 1 if there was one. */
static int next_message(struct pvhv_store *s)
{
	struct {
		struct xsd_sockmsg hdr;
		char payload[XENSTORE_PAYLOAD_MAX + 1];
	} m;
	int rc;

	/* A copy on the stack: a callback may make a blocking call, which
	 * reads into ibuf again. */
	rc = take(s, &m.hdr, m.payload);
	if (rc < 0)
		conn_break(s, rc);
	if (rc <= 0)
		return 0;
	handle(s, &m.hdr, m.payload);
	return 1;
}

void hvs_wait(struct pvhv_store *s, const bool *done)
{
	s->waiting++;
	while (!*done && !s->err) {
		struct pollfd p = { .fd = s->sock, .events = POLLIN };

		flush(s);
		if (next_message(s) || *done || s->err)
			continue;
		if (fill(s))
			continue;
		if (s->ooff < s->olen)
			p.events |= POLLOUT;
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			conn_break(s, -errno);
	}
	s->waiting--;
	update_qfd(s);
}

/* ---- pvhv_store_process -------------------------------------------------- */

int pvhv_store_process(struct pvhv_store *s)
{
	int ran = 0;

	flush(s);
	for (unsigned int budget = HVS_BUDGET; budget; budget--) {
		struct hvs_defer *d = defer_pop(s);

		if (d) {
			deliver_deferred(s, d);
			ran++;
		} else if (next_message(s)) {
			ran++;
		} else {
			int rc = fill(s);

			/* After a break, the failures are in the queue. */
			if (rc == 0 || (rc < 0 && !s->dq))
				break;
		}
	}
	update_qfd(s);
	if (s->err && !s->dq)
		return s->err;
	return ran;
}

/* ---- the handle ---------------------------------------------------------- */

int pvhv_store_fd(const struct pvhv_store *s)
{
	return s->epfd;
}

unsigned int pvhv_store_pending(const struct pvhv_store *s)
{
	unsigned int n = s->n_fifo;

	for (const struct hvs_defer *d = s->dq; d; d = d->next)
		n += d->req != NULL;
	return n;
}

void pvhv_store_cancel(struct pvhv_store *s, void *arg)
{
	for (struct hvs_req *r = s->fifo; r; r = r->next)
		if (r->arg == arg && !r->sync)
			r->cancelled = true;
	for (struct hvs_defer *d = s->dq; d; d = d->next)
		if (d->req && d->req->arg == arg && !d->req->sync)
			d->req->cancelled = true;
}

/* The socket: the run directory's, $XENSTORED_PATH, or the default's. */
static int sock_path(const char *rundir, char *buf, size_t len)
{
	const char *env = getenv("XENSTORED_PATH");
	char dir[4096];
	int n, rc;

	if (!rundir && env && *env) {
		n = snprintf(buf, len, "%s", env);
	} else {
		if (!rundir) {
			rc = hv_default_rundir(dir, sizeof(dir));
			if (rc)
				return rc;
			rundir = dir;
		}
		n = snprintf(buf, len, "%s/%s", rundir, HVS_SOCKET);
	}
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int connect_to(struct pvhv_store *s, const char *rundir)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int rc = sock_path(rundir, a.sun_path, sizeof(a.sun_path));

	if (rc)
		return rc;
	s->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->sock < 0)
		return -errno;
	if (connect(s->sock, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -errno;
	if (fcntl(s->sock, F_SETFL, O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

static int watch_fds(struct pvhv_store *s)
{
	struct epoll_event ev = { .events = EPOLLIN };

	s->qfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->qfd < 0 || s->epfd < 0)
		return -errno;
	ev.data.fd = s->sock;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->sock, &ev) < 0)
		return -errno;
	ev.data.fd = s->qfd;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->qfd, &ev) < 0)
		return -errno;
	return 0;
}

int pvhv_store_open(const char *rundir, unsigned int flags,
		    struct pvhv_store **out)
{
	struct pvhv_store *s;
	int rc;

	if (flags || !out)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->sock = s->epfd = s->qfd = -1;
	s->fifo_tail = &s->fifo;
	s->dq_tail = &s->dq;
	s->ibuf = malloc(HVS_IBUF);
	rc = s->ibuf ? 0 : -ENOMEM;
	if (!rc)
		rc = connect_to(s, rundir);
	if (!rc)
		rc = watch_fds(s);
	if (rc) {
		pvhv_store_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

void pvhv_store_close(struct pvhv_store *s)
{
	struct hvs_defer *d;

	if (!s)
		return;
	while (s->fifo) {
		struct hvs_req *r = s->fifo;

		s->fifo = r->next;
		hvs_req_free(r);
	}
	while ((d = defer_pop(s))) {
		hvs_req_free(d->req);
		free(d);
	}
	hvs_watches_free(s);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->qfd >= 0)
		close(s->qfd);
	if (s->sock >= 0)
		close(s->sock);
	free(s->obuf);
	free(s->ibuf);
	free(s);
}
