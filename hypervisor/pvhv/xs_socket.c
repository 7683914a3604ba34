/*
 * The store's dom0 socket: <rundir>/xenstored.sock, a SOCK_STREAM unix
 * socket speaking the store's wire format (16-byte header, payload), the
 * way libxenstore and Debian's xenstore tools expect it when pointed at it
 * with XENSTORED_PATH.  Every connection is a dom0 client of the store
 * core (store.h).
 *
 * A stream has no message boundaries, so each connection collects bytes
 * until a whole message is there (a header may arrive in pieces, and one
 * read may hold several messages).  A header whose length is over the
 * protocol's limit closes the connection: the stream cannot be resynced.
 * An unknown type is handed to the core anyway, which answers it with an
 * error.
 *
 * Replies and watch events are written non-blocking; what the socket does
 * not take waits in a per-connection queue, written when the socket is
 * writable again.  A client that lets more than XS_SOCK_OUT_MAX bytes pile
 * up is not reading and is dropped.  A reply counts as delivered (for the
 * core's flow control) once its last byte is written; while the core says
 * the client is throttled, its input is not read.
 *
 * (The file is not called store_*.c: the store core's unit test builds
 * every store*.c, and this one needs the daemon around it.)
 */
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "pvhv.h"
#include "pvkit/store.h"
#include "store.h"

/* Bytes queued for one client before it counts as not reading. */
#define XS_SOCK_OUT_MAX (1024u * 1024u)

struct xs_out {
	struct xs_out *next;
	size_t len, off;
	bool reply; /* counts for store_conn_delivered() */
	uint8_t data[];
};

struct xs_client {
	struct hv_store_sock *ss;
	int fd;
	struct event *rev, *wev;
	struct store_conn *conn;
	uint8_t in[PV_XS_MSG_MAX];
	size_t in_len;
	struct xs_out *out_head, **out_tail;
	size_t out_bytes;
	bool stalled; /* throttled: reading paused */
	bool busy;    /* inside its own callback: freed on the way out */
	bool dead;
	struct xs_client *next;
};

struct hv_store_sock {
	struct hv *hv;
	int fd;
	struct event *ev;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct xs_client *clients;
};

static const char *const store_sock_name = HV_STORE_SOCKET;

static void client_free(struct xs_client *cl)
{
	struct hv_store_sock *ss = cl->ss;

	for (struct xs_client **pp = &ss->clients; *pp; pp = &(*pp)->next) {
		if (*pp == cl) {
			*pp = cl->next;
			break;
		}
	}
	store_conn_free(cl->conn);
	while (cl->out_head) {
		struct xs_out *o = cl->out_head;

		cl->out_head = o->next;
		free(o);
	}
	if (cl->rev)
		event_free(cl->rev);
	if (cl->wev)
		event_free(cl->wev);
	close(cl->fd);
	free(cl);
}

/* Dropping may happen while the store core is busy with another client
 * (a watch event for this one overflowed); the client is freed from the
 * loop, or on the way out of its own callback. */
static void client_drop(struct xs_client *cl, const char *why)
{
	if (cl->dead)
		return;
	hv_log(HV_LOG_WARN, "store client fd %d: %s; dropping it", cl->fd,
	       why);
	cl->dead = true;
	if (!cl->busy)
		event_active(cl->rev, EV_READ, 0);
}

/* Write what the socket takes.  0, or -EPIPE when the client was dropped. */
static int client_flush(struct xs_client *cl)
{
	unsigned int delivered = 0;

	while (cl->out_head) {
		struct xs_out *o = cl->out_head;
		ssize_t n = send(cl->fd, o->data + o->off, o->len - o->off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			client_drop(cl, "write failed");
			return -EPIPE;
		}
		o->off += (size_t)n;
		cl->out_bytes -= (size_t)n;
		if (o->off < o->len)
			break;
		cl->out_head = o->next;
		if (!cl->out_head)
			cl->out_tail = &cl->out_head;
		delivered += o->reply;
		free(o);
	}
	if (delivered)
		store_conn_delivered(cl->conn, delivered);
	if (cl->out_head)
		event_add(cl->wev, NULL);
	else
		event_del(cl->wev);
	return 0;
}

static int client_send(struct store_conn *c, const struct xsd_sockmsg *hdr,
		       const void *payload, size_t len, void *arg)
{
	struct xs_client *cl = arg;
	struct xs_out *o;

	(void)c;
	if (cl->dead)
		return -XEN_EIO;
	if (cl->out_bytes + sizeof(*hdr) + len > XS_SOCK_OUT_MAX) {
		client_drop(cl, "output queue full (not reading)");
		return -XEN_EIO;
	}
	o = malloc(sizeof(*o) + sizeof(*hdr) + len);
	if (!o) {
		client_drop(cl, "out of memory");
		return -XEN_ENOMEM;
	}
	o->next = NULL;
	o->len = sizeof(*hdr) + len;
	o->off = 0;
	o->reply = hdr->type != XS_WATCH_EVENT;
	memcpy(o->data, hdr, sizeof(*hdr));
	if (len)
		memcpy(o->data + sizeof(*hdr), payload, len);
	*cl->out_tail = o;
	cl->out_tail = &o->next;
	cl->out_bytes += o->len;
	return client_flush(cl) ? -XEN_EIO : 0;
}

static const struct store_conn_ops client_ops = { .send = client_send };

/* Execute every whole message in the input buffer.  Stops early when the
 * core throttles the client, or the client is dropped. */
static void client_process(struct xs_client *cl)
{
	size_t pos = 0;

	while (!cl->dead) {
		struct xsd_sockmsg hdr;
		int rc = pv_xs_parse_header(cl->in + pos, cl->in_len - pos,
					    &hdr);

		if (rc == -XEN_EAGAIN)
			break;
		if (rc && rc != -XEN_EINVAL) {
			client_drop(cl, "message over the size limit");
			break;
		}
		/* An unknown type (EINVAL) still carries a valid length:
		 * wait for its payload; the core answers it with an error. */
		if (cl->in_len - pos < PV_XS_HDR_SIZE + hdr.len)
			break;
		rc = store_request(cl->conn, &hdr,
				   hdr.len ? (const char *)cl->in + pos +
						     PV_XS_HDR_SIZE
					   : NULL);
		if (rc == -XEN_EBUSY) {
			cl->stalled = true;
			break;
		}
		pos += PV_XS_HDR_SIZE + hdr.len;
	}
	if (pos) {
		memmove(cl->in, cl->in + pos, cl->in_len - pos);
		cl->in_len -= pos;
	}
	if (cl->dead)
		return;
	if (cl->stalled)
		event_del(cl->rev);
	else
		event_add(cl->rev, NULL);
}

static void client_readable(evutil_socket_t fd, short what, void *arg)
{
	struct xs_client *cl = arg;
	ssize_t n;

	(void)what;
	if (cl->dead)
		return client_free(cl);
	cl->busy = true;
	n = recv(fd, cl->in + cl->in_len, sizeof(cl->in) - cl->in_len,
		 MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		      errno == EINTR)) {
		cl->busy = false;
		return;
	}
	if (n <= 0) /* hang-up (or a reset): forget the client */
		return client_free(cl);
	cl->in_len += (size_t)n;
	client_process(cl);
	cl->busy = false;
	if (cl->dead)
		client_free(cl);
}

static void client_writable(evutil_socket_t fd, short what, void *arg)
{
	struct xs_client *cl = arg;

	(void)fd;
	(void)what;
	if (cl->dead)
		return;
	cl->busy = true;
	client_flush(cl);
	/* Replies went out: a throttled client may go on. */
	if (!cl->dead && cl->stalled && !store_conn_throttled(cl->conn)) {
		cl->stalled = false;
		client_process(cl);
	}
	cl->busy = false;
	if (cl->dead)
		client_free(cl);
}

static void accept_client(evutil_socket_t lfd, short what, void *arg)
{
	struct hv_store_sock *ss = arg;
	struct xs_client *cl;
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	(void)what;
	if (fd < 0)
		return;
	cl = calloc(1, sizeof(*cl));
	if (!cl) {
		close(fd);
		return;
	}
	cl->ss = ss;
	cl->fd = fd;
	cl->out_tail = &cl->out_head;
	cl->rev = event_new(ss->hv->base, fd, EV_READ | EV_PERSIST,
			    client_readable, cl);
	cl->wev = event_new(ss->hv->base, fd, EV_WRITE | EV_PERSIST,
			    client_writable, cl);
	cl->next = ss->clients;
	ss->clients = cl;
	if (!cl->rev || !cl->wev ||
	    store_conn_new(ss->hv->store, 0, &client_ops, cl, &cl->conn) ||
	    event_add(cl->rev, NULL)) {
		hv_log(HV_LOG_ERROR, "cannot set up a store connection");
		client_free(cl);
	}
}

int hv_store_listen(struct hv *hv)
{
	struct hv_store_sock *ss = calloc(1, sizeof(*ss));

	if (!ss)
		return -ENOMEM;
	ss->hv = hv;
	hv->store_sock = ss;
	ss->fd = hv_listen_unix(hv, store_sock_name, SOCK_STREAM, ss->path,
				sizeof(ss->path));
	if (ss->fd < 0)
		return ss->fd;
	ss->ev = event_new(hv->base, ss->fd, EV_READ | EV_PERSIST,
			   accept_client, ss);
	if (!ss->ev || event_add(ss->ev, NULL))
		return -ENOMEM;
	return 0;
}

void hv_store_close(struct hv *hv)
{
	struct hv_store_sock *ss = hv->store_sock;

	if (!ss)
		return;
	while (ss->clients)
		client_free(ss->clients);
	if (ss->ev)
		event_free(ss->ev);
	if (ss->fd >= 0) {
		close(ss->fd);
		unlink(ss->path);
	}
	free(ss);
	hv->store_sock = NULL;
}
