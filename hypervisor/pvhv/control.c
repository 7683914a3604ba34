/*
 * The control socket: pvctl and libpvhv connect here (ctl_wire.h).  Each
 * connection is a struct client; requests are answered at once except
 * WAIT, answered when the domain is gone.  pvhv never blocks on a client:
 * replies are sent non-blocking, and a client whose socket is full is
 * dropped (it was not reading).
 */
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "devices.h"
#include "process.h"
#include "pvhv.h"

#define MAX_FOLLOW 16
#define STATUS_BYTES (HV_DOM0_MAX_PORTS * sizeof(uint32_t))

/* A request answered when a domain is gone: WAIT, or DESTROY (which
 * returns only once the guest is dead and released). */
struct waiter {
	uint32_t op;
	uint32_t req_id;
	domid_t domid;
	struct waiter *next;
};

struct client {
	struct hv *hv;
	int fd;
	struct event *ev;
	uint32_t id;
	int status_fd;
	_Atomic uint32_t *status;
	struct waiter *waiters;
	domid_t follow[MAX_FOLLOW];
	unsigned int n_follow;
	bool dead; /* dropped: freed after the current message */
	struct client *next;
};

struct msg {
	struct pvhv_ctl_hdr hdr;
	uint8_t *payload;
	uint32_t len;
};

static uint8_t rxbuf[sizeof(struct pvhv_ctl_hdr) + PVHV_CTL_MAX_PAYLOAD];

_Atomic uint32_t *hv_client_port_status(struct client *cl)
{
	return cl->status;
}

uint32_t hv_client_id(const struct client *cl)
{
	return cl->id;
}

/* ---- sending ------------------------------------------------------------- */

static void drop_client(struct client *cl);

static int send_msg(struct client *cl, uint32_t op, uint32_t req_id,
		    int32_t status, const void *a, size_t alen,
		    const void *b, size_t blen, const int *fds,
		    unsigned int nfds)
{
	struct pvhv_ctl_hdr h = { .op = op, .req_id = req_id,
				  .status = status,
				  .len = (uint32_t)(alen + blen) };
	struct iovec iov[3] = { { &h, sizeof(h) }, { (void *)a, alen },
				{ (void *)b, blen } };
	char cbuf[CMSG_SPACE(sizeof(int) * PVHV_CTL_MAX_FDS)];
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 3 };

	if (cl->dead)
		return -EPIPE;
	if (nfds) {
		struct cmsghdr *cm;

		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	if (sendmsg(cl->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		hv_log(HV_LOG_WARN, "client %u: send failed (%s); dropping it",
		       cl->id, strerror(errno));
		drop_client(cl);
		return -EPIPE;
	}
	return 0;
}

static void reply(struct client *cl, const struct msg *m, int32_t status,
		  const void *p, size_t len)
{
	send_msg(cl, m->hdr.op, m->hdr.req_id, status, p, len, NULL, 0, NULL,
		 0);
}

static void reply_error(struct client *cl, const struct msg *m, int rc,
			const char *text)
{
	reply(cl, m, rc, text, text ? strlen(text) + 1 : 0);
}

void hv_ctl_notify(struct hv *hv, struct client *to,
		   const struct pvhv_ctl_notify *n, const void *extra,
		   size_t extra_len)
{
	if (to) {
		send_msg(to, PVHV_CTL_NOTIFY, 0, 0, n, sizeof(*n), extra,
			 extra_len, NULL, 0);
		return;
	}
	for (struct client *cl = hv->clients; cl; cl = cl->next)
		send_msg(cl, PVHV_CTL_NOTIFY, 0, 0, n, sizeof(*n), extra,
			 extra_len, NULL, 0);
}

/* ---- request helpers -------------------------------------------------------- */

static int want_domid(const struct msg *m, struct hv *hv, struct domain **d)
{
	uint32_t id;

	if (m->len != sizeof(id))
		return -EINVAL;
	memcpy(&id, m->payload, sizeof(id));
	*d = id && id < DOMID_FIRST_RESERVED ? hv_domain_find(hv, (domid_t)id)
					     : NULL;
	return *d ? 0 : -ESRCH;
}

static void fill_info(const struct domain *d, struct pvhv_ctl_dominfo *i)
{
	memset(i, 0, sizeof(*i));
	i->domid = d->domid;
	i->state = d->state;
	i->shutdown_reason = d->shutdown_reason;
	i->vcpus = d->cfg.vcpus;
	i->memory_kib = d->cfg.memory_mib * 1024;
	i->vwfi = d->cfg.vwfi;
	if (d->eng == &hv_process_engine)
		i->pid = hv_process_pid(d);
	if (d->engine_running && d->eng->cpu_time_ns)
		i->cpu_time_ns = d->eng->cpu_time_ns((struct domain *)d);
	snprintf(i->name, sizeof(i->name), "%s", d->cfg.name);
	snprintf(i->type, sizeof(i->type), "%s", d->cfg.type);
}

/* ---- requests ------------------------------------------------------------- */

static void op_hello(struct client *cl, const struct msg *m)
{
	uint32_t out[2] = { PVHV_CTL_VERSION, cl->id }, v;

	if (m->len != sizeof(v))
		return reply_error(cl, m, -EINVAL, "HELLO carries a version");
	memcpy(&v, m->payload, sizeof(v));
	if (v != PVHV_CTL_VERSION)
		return reply_error(cl, m, -EPROTO,
				   "pvctl/libpvhv and pvhv versions differ");
	send_msg(cl, m->hdr.op, m->hdr.req_id, 0, out, sizeof(out), NULL, 0,
		 &cl->status_fd, 1);
}

static void op_create(struct client *cl, const struct msg *m)
{
	struct pvhv_ctl_create c;
	char err[1024] = "", *path;
	domid_t id;
	uint32_t out;
	int rc;

	if (m->len < sizeof(c))
		return reply_error(cl, m, -EINVAL, "short CREATE");
	memcpy(&c, m->payload, sizeof(c));
	if (c.path_len == 0 || c.path_len > 4096 ||
	    (uint64_t)c.path_len + c.text_len != m->len - sizeof(c))
		return reply_error(cl, m, -EINVAL, "CREATE lengths disagree");
	path = strndup((char *)m->payload + sizeof(c), c.path_len);
	if (!path)
		return reply_error(cl, m, -ENOMEM, "out of memory");
	rc = hv_domain_create(cl->hv, path,
			      (char *)m->payload + sizeof(c) + c.path_len,
			      c.text_len, &id, err, sizeof(err));
	free(path);
	if (rc)
		return reply_error(cl, m, rc, err[0] ? err : strerror(-rc));
	out = id;
	reply(cl, m, 0, &out, sizeof(out));
}

static void op_list(struct client *cl, const struct msg *m)
{
	struct pvhv_ctl_dominfo
		info[PVHV_CTL_MAX_PAYLOAD / sizeof(struct pvhv_ctl_dominfo)];
	size_t n = 0;

	for (struct domain *d = cl->hv->domains;
	     d && n < sizeof(info) / sizeof(info[0]); d = d->next)
		fill_info(d, &info[n++]);
	reply(cl, m, 0, info, n * sizeof(info[0]));
}

static int add_waiter(struct client *cl, const struct msg *m,
		      const struct domain *d)
{
	struct waiter *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->op = m->hdr.op;
	w->req_id = m->hdr.req_id;
	w->domid = d->domid;
	w->next = cl->waiters;
	cl->waiters = w;
	return 0;
}

static void op_domain(struct client *cl, const struct msg *m)
{
	struct pvhv_ctl_dominfo info;
	struct domain *d;
	int rc = want_domid(m, cl->hv, &d);

	if (rc)
		return reply_error(cl, m, rc, "no such domain");
	switch (m->hdr.op) {
	case PVHV_CTL_INFO:
		fill_info(d, &info);
		return reply(cl, m, 0, &info, sizeof(info));
	case PVHV_CTL_PAUSE:
	case PVHV_CTL_UNPAUSE:
		if (!d->engine_running)
			return reply_error(cl, m, -EINVAL, "domain not running");
		rc = m->hdr.op == PVHV_CTL_PAUSE ? d->eng->pause(d)
						 : d->eng->unpause(d);
		if (!rc)
			d->state = m->hdr.op == PVHV_CTL_PAUSE
					   ? PVHV_DOM_PAUSED
					   : PVHV_DOM_RUNNING;
		return reply(cl, m, rc, NULL, 0);
	default: /* PVHV_CTL_DESTROY */
		if (add_waiter(cl, m, d))
			return reply_error(cl, m, -ENOMEM, "out of memory");
		hv_domain_destroy(d);
		return;
	}
}

static void op_wait(struct client *cl, const struct msg *m)
{
	struct domain *d;
	int rc = want_domid(m, cl->hv, &d);

	if (rc)
		return reply_error(cl, m, rc, "no such domain");
	if (add_waiter(cl, m, d))
		reply_error(cl, m, -ENOMEM, "out of memory");
}

/* The buffered output, oldest byte first. */
static void op_console(struct client *cl, const struct msg *m)
{
	struct pvhv_ctl_console c;
	static char out[HV_CONSOLE_BUF];
	struct domain *d;
	uint64_t start, n;

	if (m->len != sizeof(c))
		return reply_error(cl, m, -EINVAL, "bad CONSOLE request");
	memcpy(&c, m->payload, sizeof(c));
	d = c.domid && c.domid < DOMID_FIRST_RESERVED
		    ? hv_domain_find(cl->hv, (domid_t)c.domid)
		    : NULL;
	if (!d)
		return reply_error(cl, m, -ESRCH, "no such domain");
	if ((c.flags & PVHV_CONSOLE_FOLLOW) && cl->n_follow == MAX_FOLLOW)
		return reply_error(cl, m, -ENOSPC, "following too many");
	n = d->cons.written < HV_CONSOLE_BUF ? d->cons.written
					     : HV_CONSOLE_BUF;
	start = d->cons.written - n;
	for (uint64_t i = 0; i < n; i++)
		out[i] = d->cons.buf[(start + i) % HV_CONSOLE_BUF];
	if (c.flags & PVHV_CONSOLE_FOLLOW)
		cl->follow[cl->n_follow++] = d->domid;
	reply(cl, m, 0, out, n);
}

static void op_vcpu_pin(struct client *cl, const struct msg *m)
{
	struct pvhv_ctl_vcpu_pin p;
	struct domain *d;
	cpu_set_t set;
	int rc;

	if (m->len != sizeof(p))
		return reply_error(cl, m, -EINVAL, "bad VCPU_PIN request");
	memcpy(&p, m->payload, sizeof(p));
	d = p.domid && p.domid < DOMID_FIRST_RESERVED
		    ? hv_domain_find(cl->hv, (domid_t)p.domid)
		    : NULL;
	if (!d || !d->engine_running)
		return reply_error(cl, m, -ESRCH, "no such running domain");
	if (p.vcpu >= d->cfg.vcpus)
		return reply_error(cl, m, -EINVAL, "no such vCPU");
	CPU_ZERO(&set);
	for (unsigned int i = 0; i < CPU_SETSIZE && i < 64 * PVHV_CPUMASK_WORDS;
	     i++)
		if (p.mask[i / 64] & (1ull << (i % 64)))
			CPU_SET(i, &set);
	rc = d->eng->pin(d, p.vcpu, &set);
	if (rc == -ESRCH)
		return reply_error(cl, m, rc, "that vCPU has not started yet");
	if (rc)
		return reply_error(cl, m, rc, "cannot pin: no CPU of the set "
					      "is usable");
	reply(cl, m, 0, NULL, 0);
}

static void op_domain_mem(struct client *cl, const struct msg *m)
{
	struct pvhv_ctl_mem out = { 0 };
	struct domain *d;
	int fds[2], rc = want_domid(m, cl->hv, &d);

	if (rc)
		return reply_error(cl, m, rc, "no such domain");
	out.nr_pages = d->mem.nr_pages;
	out.shared_info_gfn = HV_GFN_SHARED_INFO;
	out.vcpus = d->cfg.vcpus;
	out.vwfi = d->cfg.vwfi;
	fds[0] = d->mem.ro_fd;
	fds[1] = d->mem.fd;
	send_msg(cl, m->hdr.op, m->hdr.req_id, 0, &out, sizeof(out), NULL, 0,
		 fds, 2);
}

/* dom0's argument memory is the message itself: addresses are offsets. */
struct dom0_args {
	uint8_t *buf;
	size_t len;
};

static int dom0_copy_from(struct hv_call *c, uint64_t addr, void *dst,
			  size_t len)
{
	struct dom0_args *a = c->mem_ctx;

	if (addr > a->len || len > a->len - addr)
		return -EFAULT;
	memcpy(dst, a->buf + addr, len);
	return 0;
}

static int dom0_copy_to(struct hv_call *c, uint64_t addr, const void *src,
			size_t len)
{
	struct dom0_args *a = c->mem_ctx;

	if (addr > a->len || len > a->len - addr)
		return -EFAULT;
	memcpy(a->buf + addr, src, len);
	return 0;
}

static const struct hv_argmem_ops dom0_argmem = {
	.copy_from = dom0_copy_from,
	.copy_to = dom0_copy_to,
};

static void op_hypercall(struct client *cl, const struct msg *m)
{
	struct pvhv_ctl_hcall h;
	struct dom0_args a;
	struct hv_call c = { .hv = cl->hv, .dom = cl->hv->dom0, .client = cl,
			     .mem = &dom0_argmem, .mem_ctx = &a };

	if (m->len < sizeof(h))
		return reply_error(cl, m, -EINVAL, "short HYPERCALL");
	memcpy(&h, m->payload, sizeof(h));
	a.buf = m->payload + sizeof(h);
	a.len = m->len - sizeof(h);
	c.nr = h.nr;
	memcpy(c.args, h.args, sizeof(c.args));
	h.ret = hv_hypercall(&c);
	send_msg(cl, m->hdr.op, m->hdr.req_id, 0, &h, sizeof(h), a.buf, a.len,
		 c.fds_out, c.n_fds_out);
	for (unsigned int i = 0; i < c.n_fds_out; i++)
		close(c.fds_out[i]);
}

/* ---- dom0's own grants (gnttab_dom0.c) ------------------------------------ */

static void op_grant_alloc(struct client *cl, const struct msg *m)
{
	struct pvhv_ctl_grant_alloc a;
	uint32_t first;
	int fd, rc;

	if (m->len != sizeof(a))
		return reply_error(cl, m, -EINVAL, "bad GRANT_ALLOC");
	memcpy(&a, m->payload, sizeof(a));
	if ((a.flags & ~PVHV_GRANT_READONLY) || a.domid > UINT16_MAX)
		return reply_error(cl, m, -EINVAL, "bad GRANT_ALLOC");
	rc = hv_d0gnt_alloc(cl->hv, cl, (domid_t)a.domid, a.count,
			    a.flags & PVHV_GRANT_READONLY, &first, &fd);
	if (rc < 0)
		return reply_error(cl, m, rc, NULL);
	send_msg(cl, m->hdr.op, m->hdr.req_id, 0, &first, sizeof(first), NULL,
		 0, &fd, 1);
	close(fd);
}

static void op_grant_end(struct client *cl, const struct msg *m)
{
	struct pvhv_ctl_grant_end e;
	uint32_t busy;
	int rc;

	if (m->len != sizeof(e))
		return reply_error(cl, m, -EINVAL, "bad GRANT_END");
	memcpy(&e, m->payload, sizeof(e));
	rc = hv_d0gnt_end(cl->hv, cl, e.first, e.count, &busy);
	if (rc < 0)
		return reply_error(cl, m, rc, NULL);
	reply(cl, m, 0, &busy, sizeof(busy));
}

/* ---- device hot plug (devices.h) ------------------------------------------ */

_Static_assert(HV_DEVICE_FORCE == PVHV_DEVICE_FORCE, "flags");
_Static_assert(HV_DEVICE_CLOSED == (int)PVHV_DEVICE_GONE_CLOSED &&
		       HV_DEVICE_DOMAIN_GONE == (int)PVHV_DEVICE_GONE_DOMAIN,
	       "removal outcomes");

/* The guest and device type a DEVICE_* request names, or a reply sent. */
static struct domain *device_target(struct client *cl, const struct msg *m,
				    uint32_t domid, const char *type,
				    enum devcfg_type *t)
{
	char name[PVHV_DEVICE_TYPE_MAX + 1] = "";
	struct domain *d;

	memcpy(name, type, PVHV_DEVICE_TYPE_MAX);
	if (devcfg_type_from_name(name, t)) {
		reply_error(cl, m, -EINVAL, "unknown device type (vkb, vsnd, "
					    "vdispl, p9 or pvcalls)");
		return NULL;
	}
	d = domid && domid < DOMID_FIRST_RESERVED
		    ? hv_domain_find(cl->hv, (domid_t)domid)
		    : NULL;
	if (!d)
		reply_error(cl, m, -ESRCH, "no such domain (devices belong to "
					   "guests)");
	return d;
}

/* The n NUL-terminated strings that fill [p, end) exactly. */
static int split_specs(const char *p, const char *end, const char **out,
		       unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));

		if (!nul)
			return -EINVAL;
		out[i] = p;
		p = nul + 1;
	}
	return p == end ? 0 : -EINVAL;
}

static void op_device_add(struct client *cl, const struct msg *m)
{
	const char *specs[DEVCFG_MAX_ITEMS];
	struct pvhv_ctl_device_add a;
	struct devcfg_dev dev;
	enum devcfg_type t;
	char err[1024];
	struct domain *d;
	unsigned int id;
	uint32_t out;
	int rc;

	if (m->len < sizeof(a))
		return reply_error(cl, m, -EINVAL, "short DEVICE_ADD");
	memcpy(&a, m->payload, sizeof(a));
	if (!(d = device_target(cl, m, a.domid, a.type, &t)))
		return;
	if (a.n_specs > DEVCFG_MAX_ITEMS ||
	    split_specs((char *)m->payload + sizeof(a),
			(char *)m->payload + m->len, specs, a.n_specs))
		return reply_error(cl, m, -EINVAL, "DEVICE_ADD: the specs are "
						   "not n_specs strings");
	rc = devcfg_parse_spec(t, specs, a.n_specs, &dev, err, sizeof(err));
	if (rc)
		return reply_error(cl, m, rc, err);
	rc = hv_device_add(d, &dev, &id, err, sizeof(err));
	devcfg_dev_release(&dev);
	if (rc)
		return reply_error(cl, m, rc, err);
	out = id;
	reply(cl, m, 0, &out, sizeof(out));
}

/* A REMOVE is answered when the device is gone, if its client still is. */
struct device_waiter {
	struct hv *hv;
	uint32_t client_id, req_id;
};

static void device_removed(enum hv_device_gone how, void *arg)
{
	struct device_waiter *w = arg;
	uint32_t out = how;

	for (struct client *cl = w->hv->clients; cl; cl = cl->next) {
		if (cl->id == w->client_id) {
			send_msg(cl, PVHV_CTL_DEVICE_REMOVE, w->req_id, 0,
				 &out, sizeof(out), NULL, 0, NULL, 0);
			break;
		}
	}
	free(w);
}

static void op_device_remove(struct client *cl, const struct msg *m)
{
	struct pvhv_ctl_device_remove r;
	struct device_waiter *w;
	enum devcfg_type t;
	struct domain *d;
	int rc;

	if (m->len != sizeof(r))
		return reply_error(cl, m, -EINVAL, "bad DEVICE_REMOVE");
	memcpy(&r, m->payload, sizeof(r));
	if (!(d = device_target(cl, m, r.domid, r.type, &t)))
		return;
	if ((r.flags & ~PVHV_DEVICE_FORCE) || r.timeout_ms > HV_DEVICE_TIMEOUT_MAX)
		return reply_error(cl, m, -EINVAL, "unknown flags, or a timeout "
						   "over 600 s");
	w = malloc(sizeof(*w));
	if (!w)
		return reply_error(cl, m, -ENOMEM, "out of memory");
	*w = (struct device_waiter){ cl->hv, cl->id, m->hdr.req_id };
	rc = hv_device_remove(d, t, r.devid, r.flags, r.timeout_ms,
			      device_removed, w);
	if (rc) {
		free(w);
		reply_error(cl, m, rc,
			    rc == -ENOENT  ? "no such device"
			    : rc == -EBUSY ? "that device is being removed"
					   : strerror(-rc));
	}
}

static void dispatch(struct client *cl, const struct msg *m)
{
	switch (m->hdr.op) {
	case PVHV_CTL_HELLO: return op_hello(cl, m);
	case PVHV_CTL_CREATE: return op_create(cl, m);
	case PVHV_CTL_LIST: return op_list(cl, m);
	case PVHV_CTL_INFO:
	case PVHV_CTL_PAUSE:
	case PVHV_CTL_UNPAUSE:
	case PVHV_CTL_DESTROY: return op_domain(cl, m);
	case PVHV_CTL_WAIT: return op_wait(cl, m);
	case PVHV_CTL_CONSOLE: return op_console(cl, m);
	case PVHV_CTL_VCPU_PIN: return op_vcpu_pin(cl, m);
	case PVHV_CTL_HYPERCALL: return op_hypercall(cl, m);
	case PVHV_CTL_DOMAIN_MEM: return op_domain_mem(cl, m);
	case PVHV_CTL_DEVICE_ADD: return op_device_add(cl, m);
	case PVHV_CTL_DEVICE_REMOVE: return op_device_remove(cl, m);
	case PVHV_CTL_GRANT_ALLOC: return op_grant_alloc(cl, m);
	case PVHV_CTL_GRANT_END: return op_grant_end(cl, m);
	default: return reply_error(cl, m, -ENOSYS, "unknown request");
	}
}

/* ---- connections ---------------------------------------------------------- */

/* Any fds a client sends are not wanted: close them. */
static void close_passed_fds(struct msghdr *mh)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm;
	     cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		     i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
			close(fd);
		}
	}
}

static void free_client(struct client *cl)
{
	struct hv *hv = cl->hv;

	for (struct client **pp = &hv->clients; *pp; pp = &(*pp)->next) {
		if (*pp == cl) {
			*pp = cl->next;
			break;
		}
	}
	hv_gnttab_client_gone(hv, cl);
	hv_evtchn_client_gone(hv, cl);
	while (cl->waiters) {
		struct waiter *w = cl->waiters;

		cl->waiters = w->next;
		free(w);
	}
	if (cl->status)
		munmap((void *)cl->status, STATUS_BYTES);
	if (cl->status_fd >= 0)
		close(cl->status_fd);
	event_free(cl->ev);
	close(cl->fd);
	free(cl);
}

/* Dropping happens from inside a send; the client is freed once control
 * returns to its own read callback, or right away when idle. */
static void drop_client(struct client *cl)
{
	cl->dead = true;
	event_active(cl->ev, EV_READ, 0);
}

static void client_readable(evutil_socket_t fd, short what, void *arg)
{
	struct client *cl = arg;
	char cbuf[CMSG_SPACE(sizeof(int) * PVHV_CTL_MAX_FDS)];
	struct iovec iov = { rxbuf, sizeof(rxbuf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct msg m;
	ssize_t n;

	(void)what;
	if (cl->dead)
		return free_client(cl);
	n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0)
		return free_client(cl);
	close_passed_fds(&mh);
	if ((size_t)n < sizeof(m.hdr) || (mh.msg_flags & MSG_TRUNC))
		return free_client(cl); /* not our protocol */
	memcpy(&m.hdr, rxbuf, sizeof(m.hdr));
	m.payload = rxbuf + sizeof(m.hdr);
	m.len = (uint32_t)((size_t)n - sizeof(m.hdr));
	if (m.hdr.len != m.len)
		return reply_error(cl, &m, -EINVAL, "length field disagrees "
						    "with the packet");
	dispatch(cl, &m);
	if (cl->dead)
		free_client(cl);
}

static int status_page(struct client *cl)
{
	cl->status_fd = memfd_create("pvhv-port-status", MFD_CLOEXEC);
	if (cl->status_fd < 0 || ftruncate(cl->status_fd, STATUS_BYTES))
		return -errno;
	cl->status = mmap(NULL, STATUS_BYTES, PROT_READ | PROT_WRITE,
			  MAP_SHARED, cl->status_fd, 0);
	if (cl->status == MAP_FAILED) {
		cl->status = NULL;
		return -errno;
	}
	return 0;
}

static void accept_client(evutil_socket_t lfd, short what, void *arg)
{
	struct hv *hv = arg;
	struct client *cl;
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	(void)what;
	if (fd < 0)
		return;
	cl = calloc(1, sizeof(*cl));
	if (!cl) {
		close(fd);
		return;
	}
	*cl = (struct client){ .hv = hv, .fd = fd, .status_fd = -1,
			       .id = ++hv->next_client_id };
	cl->ev = event_new(hv->base, fd, EV_READ | EV_PERSIST, client_readable,
			   cl);
	if (!cl->ev || status_page(cl) || event_add(cl->ev, NULL)) {
		hv_log(HV_LOG_ERROR, "cannot set up a client connection");
		cl->next = NULL;
		if (cl->ev)
			event_free(cl->ev);
		if (cl->status)
			munmap((void *)cl->status, STATUS_BYTES);
		if (cl->status_fd >= 0)
			close(cl->status_fd);
		close(fd);
		free(cl);
		return;
	}
	cl->next = hv->clients;
	hv->clients = cl;
}

/* ---- domain events ---------------------------------------------------------- */

void hv_ctl_domain_died(struct hv *hv, domid_t domid, unsigned int reason,
			int status)
{
	struct pvhv_ctl_exit ex = { .reason = reason, .status = status };
	struct pvhv_ctl_notify n = { .kind = PVHV_NOTIFY_DIED,
				     .domid = domid, .reason = reason };

	for (struct client *cl = hv->clients; cl; cl = cl->next) {
		for (struct waiter **pp = &cl->waiters; *pp;) {
			struct waiter *w = *pp;

			if (w->domid != domid) {
				pp = &w->next;
				continue;
			}
			*pp = w->next;
			if (w->op == PVHV_CTL_WAIT)
				send_msg(cl, w->op, w->req_id, 0, &ex,
					 sizeof(ex), NULL, 0, NULL, 0);
			else
				send_msg(cl, w->op, w->req_id, 0, NULL, 0,
					 NULL, 0, NULL, 0);
			free(w);
		}
		send_msg(cl, PVHV_CTL_NOTIFY, 0, 0, &n, sizeof(n), NULL, 0,
			 NULL, 0);
		for (unsigned int i = 0; i < cl->n_follow; i++)
			if (cl->follow[i] == domid)
				cl->follow[i--] = cl->follow[--cl->n_follow];
	}
}

void hv_ctl_console_output(struct hv *hv, struct domain *d, const char *buf,
			   size_t len)
{
	struct pvhv_ctl_notify n = { .kind = PVHV_NOTIFY_CONSOLE,
				     .domid = d->domid };

	for (struct client *cl = hv->clients; cl; cl = cl->next)
		for (unsigned int i = 0; i < cl->n_follow; i++)
			if (cl->follow[i] == d->domid)
				send_msg(cl, PVHV_CTL_NOTIFY, 0, 0, &n,
					 sizeof(n), buf, len, NULL, 0);
}

/* ---- the listening socket ---------------------------------------------------- */

int hv_ctl_listen(struct hv *hv)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];

	hv->ctl_fd = hv_listen_unix(hv, PVHV_CTL_SOCKET, SOCK_SEQPACKET, path,
				    sizeof(path));
	if (hv->ctl_fd < 0)
		return hv->ctl_fd;
	hv->ctl_ev = event_new(hv->base, hv->ctl_fd, EV_READ | EV_PERSIST,
			       accept_client, hv);
	if (!hv->ctl_ev || event_add(hv->ctl_ev, NULL))
		return -ENOMEM;
	return 0;
}

void hv_ctl_free_clients(struct hv *hv)
{
	while (hv->clients)
		free_client(hv->clients);
}

void hv_ctl_close(struct hv *hv)
{
	char path[4096];

	hv_ctl_free_clients(hv);
	if (hv->ctl_ev)
		event_free(hv->ctl_ev);
	if (hv->ctl_fd >= 0) {
		close(hv->ctl_fd);
		snprintf(path, sizeof(path), "%s/%s", hv->rundir,
			 PVHV_CTL_SOCKET);
		unlink(path);
	}
	hv->ctl_ev = NULL;
	hv->ctl_fd = -1;
}
