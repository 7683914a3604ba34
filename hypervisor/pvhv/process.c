/*
 * The process engine: a guest is a Linux process running kernel=.
 *
 * start() makes the guest's channels (3 hypercall socket, 4 memory, 5+n
 * vCPU n's wake eventfd, then its port status page) and its environment,
 * and hands them to hv_process_spawn() (process_launch.c), which confines
 * and executes it.
 *
 * pvhv then watches two descriptors per guest in its loop: a pidfd, which
 * is readable the moment the process is gone (death is noticed at once,
 * without SIGCHLD), and its end of the hypercall socket.  One wake-up of
 * the socket serves at most HCALL_BATCH requests, so a guest flooding its
 * channel gets no more turns than anyone else; a packet of the wrong size
 * means the guest broke the hypercall ABI and it is killed, as Xen would
 * crash it.  A reply may carry the one descriptor of the guest->dom0 fast
 * path (ctl_wire.h): it then goes as struct pvhv_hcall_rsp_fast with the
 * descriptor attached, and pvhv closes its copy right after.
 *
 * Callbacks may end in hv_domain_exited(), which can free the domain and
 * call release(): the engine state then lives until the callback is done
 * (busy count), and nothing touches the domain after such a call.
 */
#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/pidfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "process.h"
#include "pvkit/proto/sched.h"

#define HCALL_BATCH 16

struct proc {
	struct domain *d; /* NULL once released */
	pid_t pid;
	int pidfd;
	int hcall_fd; /* pvhv's end */
	struct event *pid_ev, *hcall_ev;
	unsigned int nr_vcpus;
	int *wake; /* per vCPU eventfd */
	bool native;  /* vwfi=native: the guest polls, no kicks */
	bool reaped;
	bool killed;
	bool released;
	unsigned int busy; /* inside one of our callbacks */
	uint64_t final_cpu_ns;
};

/* ---- guest argument memory ----------------------------------------------- */

/* A process guest maps its memory at PVHV_GUEST_BASE, so its pointers are
 * guest addresses: gpa = address - base, inside the memfd or nothing. */
static void *guest_ptr(struct hv_call *c, uint64_t addr, size_t len)
{
	struct domain *d = c->mem_ctx;

	if (addr < PVHV_GUEST_BASE)
		return NULL;
	return hv_mem_ptr(&d->mem, addr - PVHV_GUEST_BASE, len);
}

static int guest_copy_from(struct hv_call *c, uint64_t addr, void *dst,
			   size_t len)
{
	const void *src = guest_ptr(c, addr, len);

	if (!src)
		return -EFAULT;
	memcpy(dst, src, len);
	return 0;
}

static int guest_copy_to(struct hv_call *c, uint64_t addr, const void *src,
			 size_t len)
{
	void *dst = guest_ptr(c, addr, len);

	if (!dst)
		return -EFAULT;
	memcpy(dst, src, len);
	return 0;
}

static const struct hv_argmem_ops guest_argmem = {
	.copy_from = guest_copy_from,
	.copy_to = guest_copy_to,
};

/* ---- state --------------------------------------------------------------- */

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void free_event(struct event **ev)
{
	if (*ev)
		event_free(*ev);
	*ev = NULL;
}

static struct proc *new_proc(struct domain *d)
{
	struct proc *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->nr_vcpus = d->cfg.vcpus ? d->cfg.vcpus : 1;
	p->wake = malloc(p->nr_vcpus * sizeof(*p->wake));
	if (!p->wake) {
		free(p);
		return NULL;
	}
	for (unsigned int v = 0; v < p->nr_vcpus; v++)
		p->wake[v] = -1;
	p->d = d;
	p->pidfd = p->hcall_fd = -1;
	p->native = d->cfg.vwfi == DOMCFG_VWFI_NATIVE;
	return p;
}

static void close_proc(struct proc *p)
{
	free_event(&p->pid_ev);
	free_event(&p->hcall_ev);
	close_fd(&p->pidfd);
	close_fd(&p->hcall_fd);
	for (unsigned int v = 0; v < p->nr_vcpus; v++)
		close_fd(&p->wake[v]);
}

static void free_proc(struct proc *p)
{
	close_proc(p);
	free(p->wake);
	free(p);
}

/* Leave a callback: the state goes now if release() came meanwhile. */
static void put_proc(struct proc *p)
{
	if (--p->busy == 0 && p->released)
		free_proc(p);
}

static void reap_now(struct proc *p)
{
	if (p->reaped)
		return;
	if (p->pidfd >= 0)
		pidfd_send_signal(p->pidfd, SIGKILL, NULL, 0);
	else
		kill(p->pid, SIGKILL);
	while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
		;
	p->reaped = true;
}

/* ---- starting ------------------------------------------------------------ */

static int make_channels(struct proc *p, int *guest_hcall)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	p->hcall_fd = sv[0];
	*guest_hcall = sv[1];
	if (fcntl(p->hcall_fd, F_SETFL, O_NONBLOCK))
		return -errno;
	for (unsigned int v = 0; v < p->nr_vcpus; v++) {
		p->wake[v] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (p->wake[v] < 0)
			return -errno;
	}
	return 0;
}

/* The guest's environment is this and nothing of pvhv's. */
struct guest_env {
	char domid[32], vwfi[32], vcpus[32];
	const char *envp[6];
};

static void build_env(struct guest_env *e, const struct domain *d,
		      const struct proc *p)
{
	snprintf(e->domid, sizeof(e->domid), "PVKIT_DOMID=%u", d->domid);
	snprintf(e->vwfi, sizeof(e->vwfi), "PVKIT_VWFI=%s",
		 p->native ? "native" : "trap");
	snprintf(e->vcpus, sizeof(e->vcpus), "PVKIT_VCPUS=%u", p->nr_vcpus);
	e->envp[0] = e->domid;
	e->envp[1] = e->vwfi;
	e->envp[2] = e->vcpus;
	e->envp[3] = "PVKIT_GUEST=1";
	e->envp[4] = "PATH=/usr/local/bin:/usr/bin:/bin";
	e->envp[5] = NULL;
}

static int spawn(struct proc *p, struct domain *d, char *err, size_t errlen)
{
	unsigned int nr = PVHV_GUEST_FD_PORT_STATUS(p->nr_vcpus) + 1;
	struct guest_env env;
	struct hv_spawn s = {
		.kernel = d->cfg.kernel,
		.cmdline = d->cfg.cmdline,
		.nr_fds = nr,
		.env = env.envp,
		.cpus = d->cfg.pinned ? &d->cfg.cpus[0] : NULL,
	};
	int guest_hcall = -1, *fds = calloc(nr, sizeof(*fds));
	int status_fd = -1, rc = fds ? make_channels(p, &guest_hcall) : -ENOMEM;

	if (!rc)
		rc = status_fd = hv_evtchn_status_fd(d);
	if (rc < 0) {
		snprintf(err, errlen, "cannot make the guest's channels: %s",
			 strerror(-rc));
		goto out;
	}
	fds[PVHV_GUEST_FD_HCALL] = guest_hcall;
	fds[PVHV_GUEST_FD_MEM] = d->mem.fd;
	for (unsigned int v = 0; v < p->nr_vcpus; v++)
		fds[PVHV_GUEST_FD_WAKE0 + v] = p->wake[v];
	fds[PVHV_GUEST_FD_PORT_STATUS(p->nr_vcpus)] = status_fd;
	s.fds = fds;
	build_env(&env, d, p);
	rc = hv_process_spawn(&s, err, errlen);
	p->pid = s.pid;
	p->pidfd = s.pidfd;
out:
	if (guest_hcall >= 0)
		close(guest_hcall);
	free(fds);
	return rc;
}

/* ---- death --------------------------------------------------------------- */

static uint64_t timeval_ns(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * 1000000000u + (uint64_t)tv.tv_usec * 1000u;
}

/* A clean exit is a poweroff; a signal or a failure is a crash.  A guest
 * that asked to shut down keeps its own reason (domain.c applies it). */
static unsigned int exit_reason(int status)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return SHUTDOWN_poweroff;
	return SHUTDOWN_crash;
}

static void on_pidfd(evutil_socket_t fd, short what, void *arg)
{
	struct proc *p = arg;
	struct rusage ru;
	int status;
	pid_t r;

	(void)fd;
	(void)what;
	do
		r = wait4(p->pid, &status, WNOHANG, &ru);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return; /* not a zombie yet: the pidfd stays readable */
	if (r < 0) {
		hv_log(HV_LOG_ERROR, "domain %u: wait for pid %d: %s",
		       p->d->domid, (int)p->pid, strerror(errno));
		status = W_EXITCODE(0, SIGKILL);
	} else {
		p->final_cpu_ns = timeval_ns(ru.ru_utime) +
				  timeval_ns(ru.ru_stime);
	}
	p->reaped = true;
	free_event(&p->pid_ev);
	if (p->hcall_ev)
		event_del(p->hcall_ev);
	p->busy++;
	hv_domain_exited(p->d, exit_reason(status), status); /* may free d */
	put_proc(p);
}

/* ---- hypercalls ---------------------------------------------------------- */

static void stop_channel(struct proc *p)
{
	if (p->hcall_ev)
		event_del(p->hcall_ev);
}

static void proc_kill(struct domain *d);

static void broke_abi(struct proc *p, const char *what)
{
	hv_log(HV_LOG_WARN, "domain %u: %s on its hypercall channel: "
	       "killing it", p->d->domid, what);
	proc_kill(p->d);
}

/* recv() returned 0: the guest closed its end (it is going away, the
 * pidfd will tell), or it sent an empty packet, which is garbage. */
static void channel_empty(struct proc *p)
{
	struct pollfd pfd = { .fd = p->hcall_fd, .events = POLLIN | POLLRDHUP };

	stop_channel(p);
	if (poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLRDHUP)))
		return;
	broke_abi(p, "an empty packet");
}

/* A reply: the result, and maybe the fast path's descriptor. */
struct reply {
	struct pvhv_hcall_rsp_fast r; /* port and word only with fd */
	int fd;
};

static void dispatch(struct proc *p, const struct pvhv_hcall_req *req,
		     struct reply *out)
{
	struct hv_call c = {
		.hv = p->d->hv,
		.dom = p->d,
		.nr = req->nr,
		.mem = &guest_argmem,
		.mem_ctx = p->d,
	};
	bool fast;

	memcpy(c.args, req->args, sizeof(c.args));
	c.fds_ok = !p->released;
	out->r = (struct pvhv_hcall_rsp_fast){ .ret = hv_hypercall(&c) };
	out->fd = -1;
	/* A guest is given two kinds of descriptor: the fast path's, and
	 * the memory of dom0's grants it just mapped (ctl_wire.h). */
	fast = !p->released &&
	       hv_evtchn_fast_handed(p->d, &out->r.port, &out->r.word);
	if (!fast && c.grant_fd && c.n_fds_out == 1) {
		fast = true;
		out->r.port = PVHV_GUEST_RSP_GRANT;
		out->r.word = 0;
	}
	for (unsigned int i = 0; i < c.n_fds_out && i < HV_CALL_MAX_FDS; i++) {
		if (fast && i == 0 && c.n_fds_out == 1)
			out->fd = c.fds_out[i];
		else
			close(c.fds_out[i]);
	}
}

/* Send the reply: 0 when the whole packet went, else -errno (-EIO for a
 * short packet). */
static int send_reply(struct proc *p, struct reply *rp)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = &rp->r, .iov_len = sizeof(rp->r) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	ssize_t n;
	int rc;

	if (rp->fd < 0) {
		iov.iov_len = sizeof(struct pvhv_hcall_rsp);
	} else {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &rp->fd, sizeof(int));
	}
	n = sendmsg(p->hcall_fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	rc = n < 0 ? -errno : n == (ssize_t)iov.iov_len ? 0 : -EIO;
	if (rp->fd >= 0)
		close(rp->fd); /* the guest has its own now, or none */
	rp->fd = -1;
	return rc;
}

/* Serve one request: 1 when there may be more, 0 when done for now. */
static int serve_one(struct proc *p)
{
	struct pvhv_hcall_req req;
	struct reply rsp;
	char what[64];
	int rc;
	/* MSG_TRUNC: the packet's real length, whatever fits. */
	ssize_t n = recv(p->hcall_fd, &req, sizeof(req),
			 MSG_DONTWAIT | MSG_TRUNC);

	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return errno == EINTR;
		hv_log(HV_LOG_WARN, "domain %u: hypercall channel: %s",
		       p->d->domid, strerror(errno));
		stop_channel(p);
		return 0;
	}
	if (n == 0) {
		channel_empty(p);
		return 0;
	}
	if (n != (ssize_t)sizeof(req)) {
		snprintf(what, sizeof(what), "a %zd-byte packet", n);
		broke_abi(p, what);
		return 0;
	}
	dispatch(p, &req, &rsp);
	if (p->released || p->killed) {
		if (rsp.fd >= 0)
			close(rsp.fd);
		return 0;
	}
	rc = send_reply(p, &rsp);
	if (rc == 0)
		return 1;
	/* One call at a time is the protocol: replies piling up unread
	 * mean a guest that floods without listening. */
	if (rc == -EAGAIN || rc == -ENOBUFS)
		broke_abi(p, "requests without reading replies");
	else
		stop_channel(p);
	return 0;
}

static void on_hcall(evutil_socket_t fd, short what, void *arg)
{
	struct proc *p = arg;

	(void)fd;
	(void)what;
	p->busy++;
	for (int i = 0; i < HCALL_BATCH && !p->released && !p->killed; i++)
		if (!serve_one(p))
			break;
	put_proc(p);
}

/* ---- engine operations --------------------------------------------------- */

static int watch(struct proc *p, struct event_base *base)
{
	p->pid_ev = event_new(base, p->pidfd, EV_READ | EV_PERSIST, on_pidfd,
			      p);
	p->hcall_ev = event_new(base, p->hcall_fd, EV_READ | EV_PERSIST,
				on_hcall, p);
	if (!p->pid_ev || !p->hcall_ev || event_add(p->pid_ev, NULL) ||
	    event_add(p->hcall_ev, NULL))
		return -ENOMEM;
	return 0;
}

static int proc_start(struct domain *d, char *err, size_t errlen)
{
	struct proc *p = new_proc(d);
	int rc;

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = spawn(p, d, err, errlen);
	if (!rc && (rc = watch(p, d->hv->base)))
		snprintf(err, errlen, "cannot watch the guest process");
	if (rc) {
		if (p->pidfd >= 0)
			reap_now(p);
		free_proc(p);
		return rc;
	}
	d->eng_priv = p;
	hv_log(HV_LOG_DEBUG, "domain %u: pid %d, %u vCPU(s), vwfi=%s",
	       d->domid, (int)p->pid, p->nr_vcpus,
	       p->native ? "native" : "trap");
	return 0;
}

static struct proc *live(const struct domain *d)
{
	struct proc *p = d->eng_priv;

	return p && !p->reaped ? p : NULL;
}

static int signal_guest(struct domain *d, int sig)
{
	struct proc *p = live(d);

	if (!p)
		return -ESRCH;
	return pidfd_send_signal(p->pidfd, sig, NULL, 0) ? -errno : 0;
}

static int proc_pause(struct domain *d)
{
	return signal_guest(d, SIGSTOP);
}

static int proc_unpause(struct domain *d)
{
	return signal_guest(d, SIGCONT);
}

/* The pidfd callback reaps and reports. */
static void proc_kill(struct domain *d)
{
	struct proc *p = live(d);

	if (!p)
		return;
	p->killed = true;
	stop_channel(p);
	if (pidfd_send_signal(p->pidfd, SIGKILL, NULL, 0) && errno != ESRCH)
		hv_log(HV_LOG_ERROR, "domain %u: SIGKILL: %s", d->domid,
		       strerror(errno));
}

static void proc_kick(struct domain *d, unsigned int vcpu)
{
	struct proc *p = live(d);
	uint64_t one = 1;

	if (!p || p->native || vcpu >= p->nr_vcpus)
		return;
	/* Fails only when the counter is about to overflow: the guest has
	 * a wake-up pending anyway. */
	if (write(p->wake[vcpu], &one, sizeof(one)) < 0 && errno != EAGAIN)
		hv_log(HV_LOG_WARN, "domain %u: kick vCPU %u: %s", d->domid,
		       vcpu, strerror(errno));
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* vCPU n is the n-th thread of the guest by thread id; vCPU 0 is the
 * main thread. */
static int nth_thread(pid_t pid, unsigned int n, pid_t *tid)
{
	char path[64];
	struct dirent *de;
	pid_t *tids = NULL;
	size_t nr = 0, cap = 0;
	int rc = -ESRCH;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		if (nr == cap) {
			pid_t *t = realloc(tids, (cap = cap ? 2 * cap : 16) *
							 sizeof(*t));
			if (!t) {
				rc = -ENOMEM;
				goto out;
			}
			tids = t;
		}
		tids[nr++] = (pid_t)atoi(de->d_name);
	}
	qsort(tids, nr, sizeof(*tids), cmp_pid);
	if (n < nr) {
		*tid = tids[n];
		rc = 0;
	}
out:
	closedir(dir);
	free(tids);
	return rc;
}

static int proc_pin(struct domain *d, unsigned int vcpu, const cpu_set_t *set)
{
	struct proc *p = live(d);
	pid_t tid = 0;
	int rc;

	if (!p)
		return -ESRCH;
	if (vcpu >= p->nr_vcpus)
		return -EINVAL;
	rc = nth_thread(p->pid, vcpu, &tid);
	if (rc)
		return rc;
	return sched_setaffinity(tid, sizeof(*set), set) ? -errno : 0;
}

static uint64_t stat_cpu_ns(pid_t pid)
{
	char path[64], buf[1024], *s;
	unsigned long long ut, st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* The name in parentheses may hold anything: fields follow the last
	 * ')'; utime and stime are fields 14 and 15. */
	s = strrchr(buf, ')');
	if (!s || sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			 "%llu %llu", &ut, &st) != 2)
		return 0;
	return (ut + st) * (1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK));
}

static uint64_t proc_cpu_time_ns(struct domain *d)
{
	struct proc *p = d->eng_priv;
	struct timespec ts;
	clockid_t clk;

	if (!p)
		return 0;
	if (p->reaped)
		return p->final_cpu_ns;
	if (!clock_getcpuclockid(p->pid, &clk) && !clock_gettime(clk, &ts))
		return (uint64_t)ts.tv_sec * 1000000000u +
		       (uint64_t)ts.tv_nsec;
	return stat_cpu_ns(p->pid);
}

static void proc_release(struct domain *d)
{
	struct proc *p = d->eng_priv;

	if (!p)
		return;
	d->eng_priv = NULL;
	p->d = NULL;
	/* Released while running (pvhv stopping): no stray process. */
	reap_now(p);
	close_proc(p);
	p->released = true;
	if (!p->busy)
		free_proc(p);
}

const struct hv_engine_ops hv_process_engine = {
	.name = "process",
	.start = proc_start,
	.pause = proc_pause,
	.unpause = proc_unpause,
	.kill = proc_kill,
	.kick = proc_kick,
	.pin = proc_pin,
	.cpu_time_ns = proc_cpu_time_ns,
	.release = proc_release,
};

int hv_domain_wake_fd(struct domain *d, unsigned int vcpu)
{
	struct proc *p = d->eng == &hv_process_engine ? d->eng_priv : NULL;

	if (!p || vcpu >= p->nr_vcpus)
		return -1;
	return p->wake[vcpu];
}

pid_t hv_process_pid(const struct domain *d)
{
	const struct proc *p = d->eng == &hv_process_engine ? d->eng_priv
							    : NULL;

	return p && !p->reaped ? p->pid : 0;
}
