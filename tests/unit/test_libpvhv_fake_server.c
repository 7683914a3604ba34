/*
 * libpvhv against a FAKE pvhv (a thread in this program speaking
 * ctl_wire.h), for what a live daemon cannot show on demand: the exact
 * messages a map, unmap or copy sends, rollback of a half-failed map,
 * notifications arriving in the middle of a request, a domain id reused
 * by a new domain, the notify fast path.  The real daemon is tested in
 * tests/integration.
 *
 * The fake guest: 64 frames of memory in a memfd, shared_info at frame 1;
 * grant ref r names frame 10 + r, except ref 66, which is refused
 * (GNTST_permission_denied); frame f is filled with byte f.
 */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_wire.h"
#include "pvkit/evtchn.h"
#include "pvkit/hv.h"
#include "pvkit/proto/sched.h"

#define PAGE 4096u
#define NR_PAGES 64u
#define DENIED_REF 66u
#define LOCAL_PORT 5u
#define STATUS_WORDS 4096u
/* The status word of a connected dom0 port: VALID | vCPU << 16 | port. */
#define PVHV_PORT_STATUS_VALID 0x80000000u

/* ---- the fake daemon ------------------------------------------------------ */

struct fake {
	char dir[64];
	int lfd, cfd;
	pthread_t thr;
	pthread_mutex_t lock;
	/* guest */
	int memfd;
	uint8_t *mem;
	int port_efd, wake_efd; /* our dom0 port's and the guest vCPU's */
	_Atomic uint32_t *status;
	int status_fd;
	/* behaviour */
	uint32_t hello_version;
	/* what the client did */
	unsigned int n_domain_mem, n_copy_calls, n_send, n_close;
	uint32_t unmapped[64];
	unsigned int n_unmapped;
	uint64_t pin_mask0;
};

static struct fake F;

static void fsend(uint32_t op, uint32_t req_id, int32_t status,
		  const void *p, size_t len, const int *fds, unsigned int nfds)
{
	struct pvhv_ctl_hdr h = { op, req_id, status, (uint32_t)len };
	struct iovec v[2] = { { &h, sizeof(h) }, { (void *)p, len } };
	union {
		char b[CMSG_SPACE(sizeof(int) * 8)];
		struct cmsghdr a;
	} cb;
	struct msghdr m = { .msg_iov = v, .msg_iovlen = 2 };

	if (nfds) {
		struct cmsghdr *c;

		m.msg_control = cb.b;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	if (sendmsg(F.cfd, &m, MSG_NOSIGNAL) < 0)
		perror("fake pvhv: sendmsg");
}

static void fnotify(uint32_t kind, uint32_t domid, uint32_t port,
		    const char *text)
{
	struct {
		struct pvhv_ctl_notify n;
		char t[64];
	} m = { { kind, domid, port, SHUTDOWN_poweroff }, { 0 } };
	size_t len = text ? strlen(text) : 0;

	memcpy(m.t, text ? text : "", len);
	fsend(PVHV_CTL_NOTIFY, 0, 0, &m, sizeof(m.n) + len, NULL, 0);
}

static void fill_info(struct pvhv_ctl_dominfo *i, uint32_t id,
		      const char *name)
{
	memset(i, 0, sizeof(*i));
	i->domid = id;
	i->state = PVHV_DOM_RUNNING;
	i->vcpus = 1;
	i->memory_kib = NR_PAGES * 4;
	i->vwfi = 1;
	snprintf(i->name, sizeof(i->name), "%s", name);
	snprintf(i->type, sizeof(i->type), "process");
}

/* Where a copy side points: a guest frame or the message buffer. */
static uint8_t *copy_side(const struct gnttab_copy_ptr *p, bool gref,
			  uint8_t *buf, size_t len, size_t n)
{
	if (gref)
		return p->u.ref >= 50 ? NULL
				      : F.mem + (10 + p->u.ref) * PAGE + p->offset;
	if (p->domid != DOMID_SELF || p->u.gmfn * PAGE + p->offset + n > len)
		return NULL;
	return buf + p->u.gmfn * PAGE + p->offset;
}

static void gnt_copy(struct gnttab_copy *ops, unsigned int n, uint8_t *buf,
		     size_t len)
{
	F.n_copy_calls++;
	for (unsigned int i = 0; i < n; i++) {
		struct gnttab_copy *o = &ops[i];
		uint8_t *s = copy_side(&o->source,
				       o->flags & GNTCOPY_source_gref, buf,
				       len, o->len);
		uint8_t *d = copy_side(&o->dest, o->flags & GNTCOPY_dest_gref,
				       buf, len, o->len);

		if (!s || !d || o->source.offset + o->len > PAGE ||
		    o->dest.offset + o->len > PAGE) {
			o->status = GNTST_bad_copy_arg;
			continue;
		}
		memmove(d, s, o->len);
		o->status = GNTST_okay;
	}
}

static int64_t gnttab(uint64_t *a, uint8_t *buf, size_t len)
{
	void *ops = buf + a[1];

	if (a[0] == GNTTABOP_map_grant_ref) {
		struct gnttab_map_grant_ref *m = ops;

		for (uint64_t i = 0; i < a[2]; i++) {
			m[i].status = m[i].ref == DENIED_REF
					      ? GNTST_permission_denied
					      : GNTST_okay;
			m[i].handle = 1000 + m[i].ref;
			m[i].dev_bus_addr = (uint64_t)(10 + m[i].ref) * PAGE;
		}
	} else if (a[0] == GNTTABOP_unmap_grant_ref) {
		struct gnttab_unmap_grant_ref *u = ops;

		for (uint64_t i = 0; i < a[2]; i++) {
			if (F.n_unmapped < 64)
				F.unmapped[F.n_unmapped++] = u[i].handle;
			u[i].status = GNTST_okay;
		}
	} else if (a[0] == GNTTABOP_copy) {
		gnt_copy(ops, (unsigned int)a[2], buf, len);
	}
	return 0;
}

static int64_t evtchn(uint64_t *a, uint8_t *buf, int *fds, unsigned int *n)
{
	if (a[0] == EVTCHNOP_bind_interdomain) {
		struct evtchn_bind_interdomain *b = (void *)(buf + a[1]);

		b->local_port = LOCAL_PORT;
		atomic_store(&F.status[LOCAL_PORT],
			     PVHV_PORT_STATUS_VALID | b->remote_port);
		fds[0] = F.port_efd;
		fds[1] = F.wake_efd;
		*n = 2;
	} else if (a[0] == EVTCHNOP_send) {
		F.n_send++;
	} else if (a[0] == EVTCHNOP_close) {
		F.n_close++;
	}
	return 0;
}

static void op_hypercall(uint32_t id, uint8_t *p, size_t len)
{
	struct pvhv_ctl_hcall c;
	int fds[2];
	unsigned int nfds = 0;

	memcpy(&c, p, sizeof(c));
	if (c.nr == __HYPERVISOR_grant_table_op)
		c.ret = gnttab(c.args, p + sizeof(c), len - sizeof(c));
	else if (c.nr == __HYPERVISOR_event_channel_op)
		c.ret = evtchn(c.args, p + sizeof(c), fds, &nfds);
	else
		c.ret = -ENOSYS;
	memcpy(p, &c, sizeof(c));
	fsend(PVHV_CTL_HYPERCALL, id, 0, p, len, fds, nfds);
}

static void op_domain_mem(uint32_t id)
{
	struct pvhv_ctl_mem m = { NR_PAGES, 1, 1, 1 };
	char path[64];
	int fds[2];

	F.n_domain_mem++;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", F.memfd);
	fds[0] = open(path, O_RDONLY | O_CLOEXEC);
	fds[1] = F.memfd;
	fsend(PVHV_CTL_DOMAIN_MEM, id, 0, &m, sizeof(m), fds, 2);
	close(fds[0]);
}

static void op_misc(const struct pvhv_ctl_hdr *h, uint8_t *p)
{
	struct pvhv_ctl_dominfo info[2];
	struct pvhv_ctl_exit ex = { SHUTDOWN_poweroff, 0 };
	uint32_t v = 7, dom;

	memcpy(&dom, p, sizeof(dom));
	switch (h->op) {
	case PVHV_CTL_LIST:
		fill_info(&info[0], 3, "alpha");
		fill_info(&info[1], 4, "beta");
		return fsend(h->op, h->req_id, 0, info, sizeof(info), NULL, 0);
	case PVHV_CTL_INFO:
		if (dom != 3)
			return fsend(h->op, h->req_id, -ESRCH, "no such domain",
				     15, NULL, 0);
		fill_info(&info[0], 3, "alpha");
		return fsend(h->op, h->req_id, 0, info, sizeof(info[0]), NULL,
			     0);
	case PVHV_CTL_CREATE:
		if (strstr((char *)p + 8, "bad"))
			return fsend(h->op, h->req_id, -EINVAL,
				     "x.cfg:1: bad: nope", 19, NULL, 0);
		return fsend(h->op, h->req_id, 0, &v, 4, NULL, 0);
	case PVHV_CTL_PAUSE: /* say things first: they must wait in a queue */
		fnotify(PVHV_NOTIFY_CONSOLE, 3, 0, "live\n");
		fnotify(PVHV_NOTIFY_PORT_CLOSED, 3, 9, NULL);
		return fsend(h->op, h->req_id, 0, NULL, 0, NULL, 0);
	case PVHV_CTL_DESTROY:
		fsend(h->op, h->req_id, 0, NULL, 0, NULL, 0);
		return fnotify(PVHV_NOTIFY_DIED, dom, 0, NULL);
	case PVHV_CTL_WAIT:
		return fsend(h->op, h->req_id, 0, &ex, sizeof(ex), NULL, 0);
	case PVHV_CTL_CONSOLE:
		return fsend(h->op, h->req_id, 0, "buffered\n", 9, NULL, 0);
	case PVHV_CTL_VCPU_PIN:
		memcpy(&F.pin_mask0, p + 8, 8);
		return fsend(h->op, h->req_id, 0, NULL, 0, NULL, 0);
	default:
		return fsend(h->op, h->req_id, 0, NULL, 0, NULL, 0);
	}
}

static void serve_one(uint8_t *buf, size_t n)
{
	struct pvhv_ctl_hdr h;
	uint32_t out[2];

	memcpy(&h, buf, sizeof(h));
	pthread_mutex_lock(&F.lock);
	if (h.op == PVHV_CTL_HELLO) {
		out[0] = F.hello_version;
		out[1] = 1;
		fsend(h.op, h.req_id, 0, out, sizeof(out), &F.status_fd, 1);
	} else if (h.op == PVHV_CTL_HYPERCALL) {
		op_hypercall(h.req_id, buf + sizeof(h), n - sizeof(h));
	} else if (h.op == PVHV_CTL_DOMAIN_MEM) {
		op_domain_mem(h.req_id);
	} else {
		op_misc(&h, buf + sizeof(h));
	}
	pthread_mutex_unlock(&F.lock);
}

static void *serve(void *arg)
{
	static uint8_t buf[sizeof(struct pvhv_ctl_hdr) + PVHV_CTL_MAX_PAYLOAD];
	ssize_t n;

	(void)arg;
	F.cfd = accept(F.lfd, NULL, NULL);
	while (F.cfd >= 0 && (n = recv(F.cfd, buf, sizeof(buf), 0)) > 0)
		serve_one(buf, (size_t)n);
	if (F.cfd >= 0)
		close(F.cfd);
	return NULL;
}

static void guest_memory(void)
{
	F.memfd = memfd_create("fake-guest", MFD_CLOEXEC);
	assert_int_equal(ftruncate(F.memfd, NR_PAGES * PAGE), 0);
	F.mem = mmap(NULL, NR_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		     F.memfd, 0);
	assert_true(F.mem != MAP_FAILED);
	for (unsigned int f = 2; f < NR_PAGES; f++)
		memset(F.mem + f * PAGE, (int)f, PAGE);
	F.status_fd = memfd_create("fake-status", MFD_CLOEXEC);
	assert_int_equal(ftruncate(F.status_fd, STATUS_WORDS * 4), 0);
	F.status = mmap(NULL, STATUS_WORDS * 4, PROT_READ | PROT_WRITE,
			MAP_SHARED, F.status_fd, 0);
	assert_true((void *)F.status != MAP_FAILED);
	F.port_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	F.wake_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

static int fake_start(void **state)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	(void)state;
	memset(&F, 0, sizeof(F));
	pthread_mutex_init(&F.lock, NULL);
	F.hello_version = PVHV_CTL_VERSION;
	snprintf(F.dir, sizeof(F.dir), "/tmp/pvhv-fake-XXXXXX");
	assert_non_null(mkdtemp(F.dir));
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/pvhv.sock", F.dir);
	F.lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(F.lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(F.lfd, 4), 0);
	guest_memory();
	assert_int_equal(pthread_create(&F.thr, NULL, serve, NULL), 0);
	return 0;
}

static int fake_stop(void **state)
{
	char path[96];

	(void)state;
	pthread_join(F.thr, NULL);
	snprintf(path, sizeof(path), "%s/pvhv.sock", F.dir);
	unlink(path);
	rmdir(F.dir);
	close(F.lfd);
	munmap(F.mem, NR_PAGES * PAGE);
	munmap((void *)F.status, STATUS_WORDS * 4);
	close(F.memfd);
	close(F.status_fd);
	close(F.port_efd);
	close(F.wake_efd);
	return 0;
}

static struct pvhv *client(void)
{
	struct pvhv *h = NULL;

	assert_int_equal(pvhv_open(F.dir, 0, &h), 0);
	return h;
}

/* ---- the cases ------------------------------------------------------------ */

static void open_errors(void **state)
{
	struct pvhv *h = NULL;

	(void)state;
	assert_int_equal(pvhv_open(F.dir, 1, &h), -EINVAL);
	assert_int_equal(pvhv_open("/nonexistent/pvkit", 0, &h), -ENOENT);
	assert_null(h);
	F.hello_version = PVHV_CTL_VERSION + 1;
	assert_int_equal(pvhv_open(F.dir, 0, &h), -EPROTONOSUPPORT);
	assert_null(h);
	pvhv_close(NULL);
	/* the fake served that one connection; let fake_stop join it */
}

static void domains(void **state)
{
	struct pvhv *h = client();
	struct pvhv_dominfo info[1];
	struct pvhv_exit ex;
	cpu_set_t set;
	char cfg[] = "/tmp/pvhv-fake-cfg-XXXXXX", err[128];
	domid_t dom;
	int fd;

	(void)state;
	assert_int_equal(pvhv_domain_list(h, info, 1), 2); /* more than fit */
	assert_string_equal(info[0].name, "alpha");
	assert_int_equal(pvhv_domain_find(h, "beta", &dom), 0);
	assert_int_equal(dom, 4);
	assert_int_equal(pvhv_domain_find(h, "gamma", &dom), -ESRCH);
	assert_int_equal(pvhv_domain_info(h, 9, info), -ESRCH);
	assert_string_equal(pvhv_errmsg(h), "no such domain");
	assert_int_equal(pvhv_domain_info(h, 3, info), 0);
	assert_int_equal(info[0].memory_kib, NR_PAGES * 4);
	assert_string_equal(pvhv_errmsg(h), "");
	assert_int_equal(pvhv_domain_wait(h, 3, &ex), 0);
	assert_int_equal(ex.reason, SHUTDOWN_poweroff);
	CPU_ZERO(&set);
	CPU_SET(1, &set);
	CPU_SET(3, &set);
	assert_int_equal(pvhv_domain_vcpu_pin(h, 3, 0, &set), 0);
	assert_int_equal(F.pin_mask0, 0xa);

	fd = mkstemp(cfg);
	assert_true(write(fd, "name = \"bad\"\n", 13) == 13);
	close(fd);
	assert_int_equal(pvhv_domain_create(h, cfg, &dom, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "x.cfg:1: bad: nope");
	unlink(cfg);
	assert_int_equal(pvhv_domain_create(h, cfg, &dom, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "No such file"));
	pvhv_close(h);
}

struct seen {
	char text[64];
	int notices, ended, port_closed, died;
};

static void on_console(struct pvhv *h, domid_t dom, const char *buf,
		       size_t len, void *arg)
{
	struct seen *s = arg;

	(void)h;
	assert_int_equal(dom, 3);
	if (!buf)
		s->ended++;
	else
		strncat(s->text, buf, len);
}

static void on_notice(struct pvhv *h, const struct pvhv_notice *n,
		      const void *extra, size_t len, void *arg)
{
	struct seen *s = arg;

	(void)h;
	(void)extra;
	(void)len;
	s->notices++;
	s->port_closed += n->kind == PVHV_NOTICE_PORT_CLOSED && n->port == 9;
	s->died += n->kind == PVHV_NOTICE_DIED;
}

static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

/* Notices read while a request waited are queued, and pvhv_fd() says so
 * although the socket itself is drained. */
static void notices_during_request(void **state)
{
	struct pvhv *h = client();
	struct seen s = { 0 };

	(void)state;
	pvhv_set_notify_cb(h, on_notice, &s);
	assert_int_equal(pvhv_domain_console(h, 3, PVHV_FOLLOW, on_console,
					     &s), 0);
	assert_string_equal(s.text, "buffered\n");
	assert_false(readable(pvhv_fd(h)));
	assert_int_equal(pvhv_domain_pause(h, 3), 0);
	assert_true(readable(pvhv_fd(h)));
	assert_int_equal(pvhv_process(h), 2);
	assert_string_equal(s.text, "buffered\nlive\n"); /* to the follower */
	assert_int_equal(s.notices, 1);			/* only PORT_CLOSED */
	assert_int_equal(s.port_closed, 1);
	assert_false(readable(pvhv_fd(h)));
	assert_int_equal(pvhv_domain_destroy(h, 3), 0);
	for (int i = 0; i < 100 && !s.died; i++) {
		struct pollfd pf = { .fd = pvhv_fd(h), .events = POLLIN };

		if (poll(&pf, 1, 100) == 1)
			pvhv_process(h);
	}
	assert_int_equal(s.died, 1);
	assert_int_equal(s.ended, 1); /* the follower ends with the domain */
	assert_int_equal(pvhv_process(h), 0);
	pvhv_close(h);
}

static void grant_map_rw_ro(void **state)
{
	struct pvhv *h = client();
	grant_ref_t refs[3] = { 1, 2, 3 };
	uint8_t *p;

	(void)state;
	assert_int_equal(pvhv_grant_map(h, 3, refs, 3, PROT_READ | PROT_WRITE,
					(void **)&p), 0);
	assert_int_equal(p[0], 11);
	assert_int_equal(p[PAGE], 12);
	assert_int_equal(p[2 * PAGE + 4095], 13);
	p[PAGE + 7] = 0xee; /* the guest sees it */
	assert_int_equal(F.mem[12 * PAGE + 7], 0xee);
	assert_int_equal(pvhv_grant_unmap(h, p, 2), -EINVAL); /* not its n */
	assert_int_equal(pvhv_grant_unmap(h, p, 3), 0);
	assert_int_equal(F.n_unmapped, 3);
	assert_int_equal(F.unmapped[0] + F.unmapped[1] + F.unmapped[2],
			 1001 + 1002 + 1003);
	assert_int_equal(pvhv_grant_map(h, 3, refs, 1, PROT_READ, (void **)&p),
			 0);
	assert_int_equal(p[0], 11);
	assert_int_equal(mprotect(p, PAGE, PROT_READ | PROT_WRITE), -1);
	assert_int_equal(pvhv_grant_map(h, 3, refs, 1, PROT_WRITE,
					(void **)&p), -EINVAL);
	assert_int_equal(F.n_domain_mem, 1); /* fetched once */
	pvhv_close(h); /* unmaps what is left */
}

/* All or nothing: the refs that were mapped are unmapped again. */
static void grant_map_partial_failure(void **state)
{
	struct pvhv *h = client();
	grant_ref_t refs[3] = { 4, DENIED_REF, 5 };
	void *p = NULL;

	(void)state;
	assert_int_equal(pvhv_grant_map(h, 3, refs, 3, PROT_READ, &p),
			 -EACCES);
	assert_null(p);
	assert_int_equal(F.n_unmapped, 2);
	assert_int_equal(F.unmapped[0] + F.unmapped[1], 1004 + 1005);
	pvhv_close(h);
}

static void grant_copy_batches(void **state)
{
	enum { N = 40 };
	static uint8_t in[N][PAGE], out[N][PAGE];
	struct pvhv_copy_seg s[N + 1];
	struct pvhv *h = client();

	(void)state;
	memset(s, 0, sizeof(s));
	for (unsigned int i = 0; i < N; i++) { /* guest -> local */
		s[i].flags = GNTCOPY_source_gref;
		s[i].source.foreign.ref = i;
		s[i].source.foreign.domid = 3;
		s[i].dest.virt = in[i];
		s[i].len = (uint16_t)(i == 7 ? 100 : PAGE);
	}
	s[N].len = 1; /* two local sides: refused, the rest still done */
	s[N].source.virt = s[N].dest.virt = in[0];
	assert_int_equal(pvhv_grant_copy(h, s, N + 1), -EINVAL);
	assert_int_equal(s[N].status, GNTST_bad_copy_arg);
	for (unsigned int i = 0; i < N; i++) {
		assert_int_equal(s[i].status, GNTST_okay);
		assert_int_equal(in[i][0], 10 + i);
		assert_int_equal(in[i][s[i].len - 1], 10 + i);
	}
	assert_true(F.n_copy_calls >= 3); /* 160 KiB cannot go in one */
	for (unsigned int i = 0; i < N; i++) { /* local -> guest, offset */
		memset(out[i], 0xc0 + (int)i % 16, PAGE);
		s[i] = (struct pvhv_copy_seg){ .flags = GNTCOPY_dest_gref,
					       .len = 1000 };
		s[i].source.virt = out[i];
		s[i].dest.foreign.ref = i;
		s[i].dest.foreign.domid = 3;
		s[i].dest.foreign.offset = 3000;
	}
	assert_int_equal(pvhv_grant_copy(h, s, N), 0);
	assert_int_equal(F.mem[(10 + 5) * PAGE + 3000], 0xc5);
	assert_int_equal(F.mem[(10 + 5) * PAGE + 3999], 0xc5);
	assert_int_equal(F.mem[(10 + 5) * PAGE + 2999], 15);
	s[0].dest.foreign.offset = 3500; /* crosses the guest's page */
	assert_int_equal(pvhv_grant_copy(h, s, 1), -EINVAL);
	assert_int_equal(s[0].status, GNTST_bad_copy_arg);
	pvhv_close(h);
}

/* A domain that died is fetched afresh when its id comes back. */
static void domid_reuse(void **state)
{
	struct pvhv *h = client();
	grant_ref_t ref = 1;
	void *a, *b;

	(void)state;
	assert_int_equal(pvhv_grant_map(h, 3, &ref, 1, PROT_READ, &a), 0);
	assert_int_equal(pvhv_grant_map(h, 3, &ref, 1, PROT_READ, &b), 0);
	assert_int_equal(F.n_domain_mem, 1);
	assert_int_equal(pvhv_domain_destroy(h, 3), 0);
	/* The death notice comes before the next reply, so the next map
	 * fetches the (new) domain's memory without pvhv_process(). */
	assert_int_equal(pvhv_grant_unmap(h, b, 1), 0);
	assert_int_equal(pvhv_grant_map(h, 3, &ref, 1, PROT_READ, &b), 0);
	assert_int_equal(F.n_domain_mem, 2);
	assert_int_equal(((uint8_t *)a)[0], 11); /* the old one still works */
	assert_int_equal(pvhv_grant_unmap(h, a, 1), 0);
	assert_int_equal(pvhv_grant_unmap(h, b, 1), 0);
	pvhv_close(h);
}

static void evtchn_fast_path(void **state)
{
	struct pvhv *h = client();
	struct shared_info *si = (void *)(F.mem + PAGE);
	struct pvhv_port *p;
	uint64_t v = 3;

	(void)state;
	assert_int_equal(pvhv_evtchn_bind_interdomain(h, 3, 17, &p), 0);
	assert_int_equal(pvhv_port_local(p), LOCAL_PORT);
	assert_int_equal(pvhv_port_drain(p), 0);
	assert_true(write(F.port_efd, &v, 8) == 8);
	assert_true(readable(pvhv_port_fd(p)));
	assert_int_equal(pvhv_port_drain(p), 3);
	assert_int_equal(pvhv_port_drain(p), 0);

	/* fast: pending in shared_info, the sleeping vCPU woken once */
	assert_int_equal(pvhv_port_notify(p), 0);
	assert_int_equal(pv_evtchn_is_pending(si, 17), 1);
	assert_int_equal(pvhv_port_notify(p), 0); /* already pending */
	assert_int_equal(F.n_send, 0);
	assert_true(read(F.wake_efd, &v, 8) == 8);
	assert_int_equal(v, 1);

	/* the binding broke: through pvhv */
	atomic_store(&F.status[LOCAL_PORT], 0);
	assert_int_equal(pvhv_port_notify(p), 0);
	assert_int_equal(F.n_send, 1);
	assert_int_equal(pvhv_port_unbind(p), 0);
	assert_int_equal(F.n_close, 1);
	assert_int_equal(pvhv_port_unbind(NULL), 0);
	pvhv_close(h);
}

static void raw_hypercall(void **state)
{
	struct pvhv *h = client();
	struct evtchn_bind_interdomain b = { .remote_dom = 3,
					     .remote_port = 2 };
	uint64_t args[5] = { EVTCHNOP_bind_interdomain, 0 };
	int fds[1] = { -1 };
	unsigned int n = 1;

	(void)state;
	assert_int_equal(pvhv_hypercall(h, __HYPERVISOR_event_channel_op, args,
					&b, sizeof(b), fds, &n), 0);
	assert_int_equal(b.local_port, LOCAL_PORT);
	assert_int_equal(n, 1); /* room for one: the second was closed */
	assert_true(fds[0] >= 0);
	close(fds[0]);
	assert_int_equal(pvhv_hypercall(h, 99, args, NULL, 0, NULL, NULL),
			 -ENOSYS);
	pvhv_close(h);
}

#define CASE(f) cmocka_unit_test_setup_teardown(f, fake_start, fake_stop)

static const struct CMUnitTest cases[] = {
	CASE(open_errors),
	CASE(domains),
	CASE(notices_during_request),
	CASE(grant_map_rw_ro),
	CASE(grant_map_partial_failure),
	CASE(grant_copy_batches),
	CASE(domid_reuse),
	CASE(evtchn_fast_path),
	CASE(raw_hypercall),
};

PV_UNIT_MAIN("libpvhv_fake_server", cases)
