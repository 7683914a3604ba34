/*
 * Event channels, waiting, the console and the scheduler hypercalls.
 *
 * Sending to dom0 has a fast path (ctl_wire.h, "guest->dom0 fast path").
 * pvhv answers the first send of a link to a dom0 port with a descriptor
 * that raises the dom0 end, valid while the port's word in the status
 * page (read-only for us) keeps the value the reply named.  We keep one
 * descriptor per port; before each send we compare the word (it goes to
 * 0 when the link breaks and gets a new generation for a new link) and
 * write the descriptor, or close a stale one and make the hypercall.
 *
 * Idling follows vwfi.  trap: the raiser (pvhv, or libpvhv on dom0's fast
 * path) writes vCPU 0's wake eventfd whenever evtchn_upcall_pending went
 * from 0 to 1, so a guest that found nothing in a scan (which cleared the
 * flag first) can sleep in poll() without missing an event.  native:
 * nobody writes the eventfd; the guest watches the flag itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctl_wire.h"
#include "posix.h"
#include "pvkit/evtchn.h"
#include "pvkit/proto/console.h"
#include "pvkit/proto/sched.h"

#define SPINS_PER_CLOCK_READ 256

static long evtchn_op(struct pvfront_posix *p, unsigned int cmd, void *arg,
		      size_t len)
{
	return pp_call(p, __HYPERVISOR_event_channel_op, cmd, arg, len, 0);
}

int pvfront_posix_evtchn_alloc_unbound(struct pvfront_posix *p,
				       domid_t remote, evtchn_port_t *port)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF,
					  .remote_dom = remote };
	long rc = evtchn_op(p, EVTCHNOP_alloc_unbound, &a, sizeof(a));

	if (!rc)
		*port = a.port;
	return (int)rc;
}

/* ---- the guest->dom0 fast path -------------------------------------------- */

/* pvhv's page: a sealed memfd nobody but pvhv may write.  Anything else
 * at that descriptor is not ours to take. */
static int status_page(int fd, size_t *bytes)
{
	struct stat st;
	int seals = fcntl(fd, F_GET_SEALS);

	if (seals < 0 || !(seals & F_SEAL_FUTURE_WRITE) || fstat(fd, &st) ||
	    (st.st_mode & S_IFMT) != S_IFREG || st.st_size <= 0 ||
	    st.st_size % PP_PAGE_SIZE)
		return -EBADF;
	*bytes = (size_t)st.st_size;
	return 0;
}

int pp_fast_init(struct pvfront_posix *p)
{
	int fd = PVHV_GUEST_FD_PORT_STATUS((int)p->nr_vcpus);
	size_t bytes;
	void *map;

	if (status_page(fd, &bytes))
		return 0; /* no fast path: every send is a hypercall */
	map = mmap(NULL, bytes, PROT_READ, MAP_SHARED, fd, 0);
	close(fd); /* the mapping is all we need */
	if (map == MAP_FAILED)
		return -errno;
	p->nr_status = bytes / sizeof(uint32_t) > PV_EVTCHN_2L_PORTS
			       ? PV_EVTCHN_2L_PORTS
			       : (uint32_t)(bytes / sizeof(uint32_t));
	p->fast = malloc(p->nr_status * sizeof(*p->fast));
	if (!p->fast) {
		munmap(map, bytes);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < p->nr_status; i++)
		p->fast[i] = (struct pp_fast){ .fd = -1 };
	p->port_status = map;
	p->status_bytes = bytes;
	return 0;
}

static void fast_drop(struct pp_fast *f)
{
	if (f->fd >= 0)
		close(f->fd);
	*f = (struct pp_fast){ .fd = -1 };
}

void pp_fast_fini(struct pvfront_posix *p)
{
	for (uint32_t i = 0; p->fast && i < p->nr_status; i++)
		fast_drop(&p->fast[i]);
	free(p->fast);
	p->fast = NULL;
	if (p->port_status)
		munmap((void *)p->port_status, p->status_bytes);
	p->port_status = NULL;
}

/* acquire: pvhv zeroes a word before it raises anything, so a guest that
 * saw the raise sees the zero. */
static uint32_t status_word(struct pvfront_posix *p, evtchn_port_t port)
{
	return atomic_load_explicit(&p->port_status[port],
				    memory_order_acquire);
}

void pp_fast_adopt(struct pvfront_posix *p, evtchn_port_t port,
		   uint32_t word, int fd)
{
	if (!p->fast || port >= p->nr_status ||
	    !(word & PVHV_GUEST_PORT_VALID)) {
		close(fd);
		return;
	}
	pthread_mutex_lock(&p->fast_lock);
	/* A new link: whatever was kept for older ones goes. */
	for (uint32_t i = 0; i < p->nr_status; i++)
		if (p->fast[i].fd >= 0 &&
		    status_word(p, i) != p->fast[i].word)
			fast_drop(&p->fast[i]);
	fast_drop(&p->fast[port]);
	p->fast[port] = (struct pp_fast){ .fd = fd, .word = word };
	pthread_mutex_unlock(&p->fast_lock);
}

/* The send without pvhv, when the port's link still is the one its
 * descriptor was given for: true when done. */
static bool fast_send(struct pvfront_posix *p, evtchn_port_t port)
{
	struct pp_fast *f;
	uint64_t one = 1;
	bool done = false;

	if (!p->fast || port >= p->nr_status)
		return false;
	pthread_mutex_lock(&p->fast_lock);
	f = &p->fast[port];
	if (f->fd >= 0) {
		if (status_word(p, port) == f->word) {
			ssize_t n = write(f->fd, &one, sizeof(one));

			/* EAGAIN: the counter is full, so dom0 has an
			 * event to read anyway. */
			done = n == (ssize_t)sizeof(one) ||
			       (n < 0 && errno == EAGAIN);
		}
		if (!done)
			fast_drop(f);
	}
	pthread_mutex_unlock(&p->fast_lock);
	return done;
}

static void fast_forget(struct pvfront_posix *p, evtchn_port_t port)
{
	if (!p->fast || port >= p->nr_status)
		return;
	pthread_mutex_lock(&p->fast_lock);
	fast_drop(&p->fast[port]);
	pthread_mutex_unlock(&p->fast_lock);
}

int pvfront_posix_evtchn_send(struct pvfront_posix *p, evtchn_port_t port)
{
	struct evtchn_send s = { .port = port };

	if (fast_send(p, port))
		return 0;
	return (int)evtchn_op(p, EVTCHNOP_send, &s, sizeof(s));
}

int pvfront_posix_evtchn_close(struct pvfront_posix *p, evtchn_port_t port)
{
	struct evtchn_close c = { .port = port };
	int rc = (int)evtchn_op(p, EVTCHNOP_close, &c, sizeof(c));

	fast_forget(p, port);
	return rc;
}

static struct vcpu_info *vcpu0(struct pvfront_posix *p)
{
	return &p->shinfo->vcpu_info[0];
}

static void wake_self(struct pvfront_posix *p)
{
	uint64_t one = 1;
	ssize_t n = write(p->wake_fds[0], &one, sizeof(one));

	(void)n; /* only fails when a wake-up is pending already */
}

/* The mask bit is the guest's own: no hypercall.  A port that became
 * pending while masked raises the upcall flag here, and a vCPU asleep in
 * wait() is woken as pvhv would. */
int pvfront_posix_evtchn_unmask(struct pvfront_posix *p, evtchn_port_t port)
{
	int rc = pv_evtchn_unmask(p->shinfo, vcpu0(p), port);

	if (rc < 0)
		return -EINVAL;
	if (rc == 1 && !p->native)
		wake_self(p);
	return 0;
}

/* ---- idling -------------------------------------------------------------- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

static bool upcall_pending(struct pvfront_posix *p)
{
	return __atomic_load_n(&vcpu0(p)->evtchn_upcall_pending,
			       __ATOMIC_ACQUIRE) != 0;
}

/* Until the upcall flag is set or deadline (ms, -1: none) passes. */
static int idle_native(struct pvfront_posix *p, int64_t deadline)
{
	for (unsigned int i = 1; !upcall_pending(p); i++) {
		cpu_relax();
		if (deadline >= 0 && i % SPINS_PER_CLOCK_READ == 0 &&
		    now_ms() >= deadline)
			return 0;
	}
	return 1;
}

static int idle_trap(struct pvfront_posix *p, int64_t deadline)
{
	struct pollfd pfd = { .fd = p->wake_fds[0], .events = POLLIN };
	int64_t left = deadline < 0 ? -1 : deadline - now_ms();
	uint64_t count;
	int n;

	if (upcall_pending(p))
		return 1;
	if (deadline >= 0 && left <= 0)
		return 0;
	n = poll(&pfd, 1, left > INT32_MAX ? INT32_MAX : (int)left);
	if (n < 0)
		return errno == EINTR ? 1 : -errno;
	if (n > 0 && read(p->wake_fds[0], &count, sizeof(count)) < 0 &&
	    errno != EAGAIN)
		return -errno;
	return n;
}

static int idle(struct pvfront_posix *p, int64_t deadline)
{
	return p->native ? idle_native(p, deadline) : idle_trap(p, deadline);
}

int pvfront_posix_wait(struct pvfront_posix *p, evtchn_port_t *ports,
		       unsigned int max, int timeout_ms)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	unsigned int n;
	int rc;

	if (max == 0)
		return -EINVAL;
	for (;;) {
		n = pv_evtchn_scan(p->shinfo, vcpu0(p), ports, max);
		if (n || timeout_ms == 0)
			return (int)n;
		rc = idle(p, deadline);
		if (rc < 0)
			return rc;
		if (rc == 0) /* timed out: a last look */
			return (int)pv_evtchn_scan(p->shinfo, vcpu0(p), ports,
						   max);
	}
}

/* ---- console and scheduling ---------------------------------------------- */

int pvfront_posix_console_write(struct pvfront_posix *p, const char *buf,
				size_t len)
{
	while (len) {
		struct pp_scratch *s = pp_scratch_get(p);
		size_t n = len < PP_PAGE_SIZE ? len : PP_PAGE_SIZE;
		long rc;

		memcpy(s->page, buf, n);
		rc = pvfront_posix_hypercall(p, __HYPERVISOR_console_io,
					     CONSOLEIO_write, n,
					     pvfront_posix_gaddr(s->page), 0,
					     0);
		pp_scratch_put(s);
		if (rc < 0)
			return (int)rc;
		buf += n;
		len -= n;
	}
	return 0;
}

int pvfront_posix_console_printf(struct pvfront_posix *p, const char *fmt,
				 ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	return pvfront_posix_console_write(
		p, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static long sched_op(struct pvfront_posix *p, unsigned int cmd, void *arg,
		     size_t len)
{
	if (!arg)
		return pvfront_posix_hypercall(p, __HYPERVISOR_sched_op, cmd,
					       0, 0, 0, 0);
	return pp_call(p, __HYPERVISOR_sched_op, cmd, arg, len, 0);
}

void pvfront_posix_shutdown(struct pvfront_posix *p, unsigned int reason)
{
	struct sched_shutdown sd = { .reason = reason };
	long rc = sched_op(p, SCHEDOP_shutdown, &sd, sizeof(sd));

	/* pvhv stops the domain from its loop, after this reply. */
	_exit(rc == 0 ? 0 : 1);
}

int pvfront_posix_sched_yield(struct pvfront_posix *p)
{
	long rc = sched_op(p, SCHEDOP_yield, NULL, 0);

	sched_yield();
	return (int)rc;
}

int pvfront_posix_block(struct pvfront_posix *p)
{
	long rc = sched_op(p, SCHEDOP_block, NULL, 0);

	while (rc == 0 && !upcall_pending(p)) {
		int r = idle(p, -1);

		if (r < 0)
			rc = r;
	}
	return (int)rc;
}
