/*
 * core.c — the libpvhv handle: connecting, requests and replies, the
 * notification queue and pvhv_process(), raw hypercalls.
 *
 * Requests are synchronous: send one message, then read packets until the
 * reply with our req_id comes.  Notifications read on the way are queued;
 * an eventfd (qfd) is kept readable while the queue is not empty, and
 * pvhv_fd() is an epoll descriptor over the socket and qfd, so a caller's
 * loop wakes for queued notifications as for new ones.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "hvc.h"
#include "rundir.h"

_Static_assert(PVHV_NOTICE_DIED == (int)PVHV_NOTIFY_DIED, "notice kinds");
_Static_assert(PVHV_NOTICE_PORT_CLOSED == (int)PVHV_NOTIFY_PORT_CLOSED,
	       "notice kinds");
_Static_assert(PVHV_NOTICE_CONSOLE == (int)PVHV_NOTIFY_CONSOLE,
	       "notice kinds");

#define RBUF_SIZE (sizeof(struct pvhv_ctl_hdr) + PVHV_CTL_MAX_PAYLOAD)
#define PROCESS_BUDGET 256 /* messages per pvhv_process(), for fairness */

void hvc_close_fds(int *fds, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

/* ---- run directory ------------------------------------------------------ */

int pvhv_default_rundir(char *buf, size_t len)
{
	return hv_default_rundir(buf, len);
}

/* ---- one packet each way -------------------------------------------------- */

static int send_msg(struct pvhv *h, uint32_t op, uint32_t req_id,
		    const struct iovec *iov, int niov)
{
	struct pvhv_ctl_hdr hdr = { .op = op, .req_id = req_id };
	struct iovec v[8];
	struct msghdr m = { .msg_iov = v, .msg_iovlen = (size_t)niov + 1 };
	size_t len = 0;
	ssize_t n;

	if (niov < 0 || niov > 7)
		return -EINVAL;
	for (int i = 0; i < niov; i++) {
		v[i + 1] = iov[i];
		len += iov[i].iov_len;
	}
	if (len > PVHV_CTL_MAX_PAYLOAD)
		return -E2BIG;
	hdr.len = (uint32_t)len;
	v[0] = (struct iovec){ .iov_base = &hdr, .iov_len = sizeof(hdr) };
	do
		n = sendmsg(h->sock, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
		h->gone = true;
		return -ECONNRESET;
	}
	return n < 0 ? -errno : 0;
}

static void take_fds(struct msghdr *m, int *fds, unsigned int *nfds)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (*nfds < PVHV_CTL_MAX_FDS)
				fds[(*nfds)++] = fd;
			else
				close(fd);
		}
	}
}

/* Read one packet into h->rbuf.  Returns its payload length, -EAGAIN
 * (with MSG_DONTWAIT and nothing there) or an error. */
static int recv_msg(struct pvhv *h, int flags, int *fds, unsigned int *nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * PVHV_CTL_MAX_FDS)];
		struct cmsghdr align;
	} cbuf;
	struct iovec v = { .iov_base = h->rbuf, .iov_len = RBUF_SIZE };
	struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1,
			    .msg_control = cbuf.buf,
			    .msg_controllen = sizeof(cbuf.buf) };
	struct pvhv_ctl_hdr hdr = { 0 };
	ssize_t n;

	*nfds = 0;
	if (h->gone)
		return -ECONNRESET;
	do
		n = recvmsg(h->sock, &m, flags | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != ECONNRESET)
		return -errno;
	if (n < 0 && errno != ECONNRESET)
		return -EAGAIN;
	if (n <= 0) {
		h->gone = true;
		return -ECONNRESET;
	}
	take_fds(&m, fds, nfds);
	if ((size_t)n >= sizeof(hdr))
		memcpy(&hdr, h->rbuf, sizeof(hdr));
	if ((m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    (size_t)n < sizeof(hdr) || hdr.len != (size_t)n - sizeof(hdr)) {
		hvc_close_fds(fds, *nfds);
		*nfds = 0;
		return -EPROTO;
	}
	return (int)hdr.len;
}

/* ---- notifications ---------------------------------------------------------- */

static void queue_note(struct pvhv *h, const void *payload, size_t len)
{
	struct hvc_note *q;
	uint64_t one = 1;

	if (len < sizeof(q->n))
		return; /* malformed: nothing to tell anyone */
	q = malloc(sizeof(*q) + len - sizeof(q->n));
	if (!q)
		return; /* dropped; the domain-died bookkeeping ran already */
	memcpy(&q->n, payload, sizeof(q->n));
	q->len = len - sizeof(q->n);
	memcpy(q->extra, (const char *)payload + sizeof(q->n), q->len);
	q->next = NULL;
	if (!h->q_head && write(h->qfd, &one, sizeof(one)) < 0) {
		/* the counter cannot overflow from one write: ignore */
	}
	*h->q_tail = q;
	h->q_tail = &q->next;
}

/* A packet that is not the reply we wait for. */
static void incoming(struct pvhv *h, int *fds, unsigned int nfds)
{
	struct pvhv_ctl_hdr hdr;
	struct pvhv_ctl_notify n;

	hvc_close_fds(fds, nfds);
	memcpy(&hdr, h->rbuf, sizeof(hdr));
	if (hdr.op != PVHV_CTL_NOTIFY || hdr.len < sizeof(n))
		return; /* a stray reply: nobody waits for it */
	memcpy(&n, h->rbuf + sizeof(hdr), sizeof(n));
	/* Act on a death at once, before any later reply is read, so a
	 * domain id reused by a new domain never meets stale memory. */
	if (n.kind == PVHV_NOTIFY_DIED && n.domid < DOMID_FIRST_RESERVED)
		hvc_dom_died(h, (domid_t)n.domid);
	queue_note(h, h->rbuf + sizeof(hdr), hdr.len);
}

static void deliver(struct pvhv *h, struct hvc_note *q)
{
	struct pvhv_notice n = {
		.kind = (enum pvhv_notice_kind)q->n.kind,
		.domid = (domid_t)q->n.domid,
		.port = q->n.port,
		.reason = q->n.reason,
	};

	if (hvc_console_deliver(h, &q->n, q->extra, q->len))
		return;
	if (h->notify_cb)
		h->notify_cb(h, &n, q->extra, q->len, h->notify_arg);
}

static struct hvc_note *pop_note(struct pvhv *h)
{
	struct hvc_note *q = h->q_head;
	uint64_t v;

	if (!q)
		return NULL;
	h->q_head = q->next;
	if (!h->q_head) {
		h->q_tail = &h->q_head;
		if (read(h->qfd, &v, sizeof(v)) < 0) {
			/* already zero: fine */
		}
	}
	return q;
}

int pvhv_process(struct pvhv *h)
{
	int fds[PVHV_CTL_MAX_FDS];
	unsigned int nfds;
	int delivered = 0, rc;

	for (int budget = PROCESS_BUDGET; budget > 0; budget--) {
		struct hvc_note *q = pop_note(h);

		if (q) {
			deliver(h, q);
			free(q);
			delivered++;
			continue;
		}
		rc = recv_msg(h, MSG_DONTWAIT, fds, &nfds);
		if (rc == -EAGAIN)
			break;
		if (rc == -EPROTO)
			continue; /* one bad packet; the stream goes on */
		if (rc < 0)
			return delivered ? delivered : rc;
		incoming(h, fds, nfds);
	}
	return delivered;
}

int pvhv_fd(const struct pvhv *h)
{
	return h->epfd;
}

void pvhv_set_notify_cb(struct pvhv *h, pvhv_notify_fn *cb, void *arg)
{
	h->notify_cb = cb;
	h->notify_arg = arg;
}

const char *pvhv_errmsg(const struct pvhv *h)
{
	return h->errmsg;
}

/* ---- requests ---------------------------------------------------------------- */

static void keep_errmsg(struct pvhv *h, const char *p, size_t len)
{
	if (len >= sizeof(h->errmsg))
		len = sizeof(h->errmsg) - 1;
	memcpy(h->errmsg, p, len);
	h->errmsg[len] = '\0';
}

int hvc_request(struct pvhv *h, uint32_t op, const struct iovec *iov,
		int niov, struct hvc_reply *r)
{
	struct pvhv_ctl_hdr hdr;
	uint32_t id;
	int rc;

	h->errmsg[0] = '\0';
	r->nfds = 0;
	if (h->gone)
		return -ECONNRESET;
	if (++h->next_req == 0)
		h->next_req = 1; /* 0 marks pvhv's own messages */
	id = h->next_req;
	rc = send_msg(h, op, id, iov, niov);
	if (rc)
		return rc;
	for (;;) {
		/* A malformed packet may have been our reply: give up rather
		 * than wait for one that never comes. */
		rc = recv_msg(h, 0, r->fds, &r->nfds);
		if (rc < 0)
			return rc;
		memcpy(&hdr, h->rbuf, sizeof(hdr));
		if (hdr.op == op && hdr.req_id == id)
			break;
		incoming(h, r->fds, r->nfds);
	}
	r->status = hdr.status;
	r->payload = h->rbuf + sizeof(struct pvhv_ctl_hdr);
	r->len = (size_t)rc;
	if (r->status < 0) {
		if (r->len)
			keep_errmsg(h, r->payload, r->len);
		hvc_close_fds(r->fds, r->nfds);
		r->nfds = 0;
		return r->status;
	}
	return r->status > 0 ? -EPROTO : 0;
}

int hvc_simple(struct pvhv *h, uint32_t op, const void *in, size_t in_len,
	       void *out, size_t out_len)
{
	struct iovec v = { .iov_base = (void *)in, .iov_len = in_len };
	struct hvc_reply r;
	int rc = hvc_request(h, op, &v, in_len ? 1 : 0, &r);

	if (rc)
		return rc;
	hvc_close_fds(r.fds, r.nfds);
	if (r.len < out_len)
		return -EPROTO;
	if (out_len)
		memcpy(out, r.payload, out_len);
	return 0;
}

/* ---- hypercalls --------------------------------------------------------------- */

static void hand_fds(struct hvc_reply *r, int *fds, unsigned int room,
		     unsigned int *nfds)
{
	unsigned int i;

	for (i = 0; i < r->nfds && i < room; i++)
		fds[i] = r->fds[i];
	if (nfds)
		*nfds = i;
	hvc_close_fds(r->fds + i, r->nfds - i);
}

long hvc_hypercall(struct pvhv *h, uint64_t nr, const uint64_t args[5],
		   void *buf, size_t len, int *fds, unsigned int *nfds)
{
	struct pvhv_ctl_hcall c = { .nr = nr };
	struct iovec v[2] = { { .iov_base = &c, .iov_len = sizeof(c) },
			      { .iov_base = buf, .iov_len = len } };
	unsigned int room = fds && nfds ? *nfds : 0;
	struct hvc_reply r;
	int rc;

	if (nfds)
		*nfds = 0;
	if (len > HVC_HCALL_MAX || (len && !buf))
		return -E2BIG;
	memcpy(c.args, args, sizeof(c.args));
	rc = hvc_request(h, PVHV_CTL_HYPERCALL, v, len ? 2 : 1, &r);
	if (rc)
		return rc;
	if (r.len != sizeof(c) + len) {
		hvc_close_fds(r.fds, r.nfds);
		return -EPROTO;
	}
	memcpy(&c, r.payload, sizeof(c));
	if (len)
		memcpy(buf, (const char *)r.payload + sizeof(c), len);
	hand_fds(&r, fds, room, nfds);
	return (long)c.ret;
}

long pvhv_hypercall(struct pvhv *h, unsigned long nr, const uint64_t args[5],
		    void *buf, size_t len, int *fds, unsigned int *nfds)
{
	static const uint64_t none[5];

	return hvc_hypercall(h, nr, args ? args : none, buf, len, fds, nfds);
}

/* ---- open and close -------------------------------------------------------------- */

static int connect_to(struct pvhv *h, const char *rundir)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int n = snprintf(a.sun_path, sizeof(a.sun_path), "%s/%s", rundir,
			 PVHV_CTL_SOCKET);

	if (n < 0 || (size_t)n >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	h->sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (h->sock < 0)
		return -errno;
	if (connect(h->sock, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -errno;
	return 0;
}

static int watch_fds(struct pvhv *h)
{
	struct epoll_event ev = { .events = EPOLLIN };

	h->qfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	h->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (h->qfd < 0 || h->epfd < 0)
		return -errno;
	ev.data.fd = h->sock;
	if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, h->sock, &ev) < 0)
		return -errno;
	ev.data.fd = h->qfd;
	if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, h->qfd, &ev) < 0)
		return -errno;
	return 0;
}

/* Map the port status page pvhv hands us at HELLO. */
static int map_status(struct pvhv *h, int fd)
{
	struct stat st;
	void *p;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size < (off_t)sizeof(uint32_t))
		return -EPROTO;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	h->status = p;
	h->status_words = (size_t)st.st_size / sizeof(uint32_t);
	return 0;
}

static int hello(struct pvhv *h)
{
	uint32_t ver = PVHV_CTL_VERSION, out[2];
	struct iovec v = { .iov_base = &ver, .iov_len = sizeof(ver) };
	struct hvc_reply r;
	int rc = hvc_request(h, PVHV_CTL_HELLO, &v, 1, &r);

	if (rc)
		return rc;
	if (r.len < sizeof(out) || r.nfds < 1) {
		hvc_close_fds(r.fds, r.nfds);
		return -EPROTO;
	}
	memcpy(out, r.payload, sizeof(out));
	if (out[0] != PVHV_CTL_VERSION) {
		hvc_close_fds(r.fds, r.nfds);
		return -EPROTONOSUPPORT;
	}
	h->client_id = out[1];
	rc = map_status(h, r.fds[0]);
	hvc_close_fds(r.fds, r.nfds);
	return rc;
}

int pvhv_open(const char *rundir, unsigned int flags, struct pvhv **out)
{
	char dir[4096];
	struct pvhv *h;
	int rc;

	if (flags || !out)
		return -EINVAL;
	if (!rundir) {
		rc = pvhv_default_rundir(dir, sizeof(dir));
		if (rc)
			return rc;
		rundir = dir;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->sock = h->epfd = h->qfd = -1;
	h->q_tail = &h->q_head;
	h->rbuf = malloc(RBUF_SIZE);
	rc = h->rbuf ? 0 : -ENOMEM;
	if (!rc)
		rc = connect_to(h, rundir);
	if (!rc)
		rc = watch_fds(h);
	if (!rc)
		rc = hello(h);
	if (rc) {
		pvhv_close(h);
		return rc;
	}
	*out = h;
	return 0;
}

void pvhv_close(struct pvhv *h)
{
	struct hvc_note *q;

	if (!h)
		return;
	/* Pages go first: once the socket closes, pvhv releases the pins
	 * and the guest may reuse what we could still touch. */
	hvc_maps_free_all(h);
	hvc_owns_free_all(h);
	hvc_ports_free_all(h);
	hvc_follow_free_all(h);
	while ((q = pop_note(h)))
		free(q);
	hvc_dom_free_all(h);
	if (h->status)
		munmap((void *)h->status, h->status_words * sizeof(uint32_t));
	if (h->epfd >= 0)
		close(h->epfd);
	if (h->qfd >= 0)
		close(h->qfd);
	if (h->sock >= 0)
		close(h->sock);
	free(h->rbuf);
	free(h);
}
