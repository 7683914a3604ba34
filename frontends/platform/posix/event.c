/*
 * Event channels, waiting, the console and the scheduler hypercalls.
 *
 * Idling follows vwfi.  trap: the raiser (pvhv, or libpvhv on dom0's fast
 * path) writes vCPU 0's wake eventfd whenever evtchn_upcall_pending went
 * from 0 to 1, so a guest that found nothing in a scan (which cleared the
 * flag first) can sleep in poll() without missing an event.  native:
 * nobody writes the eventfd; the guest watches the flag itself.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

int pvfront_posix_evtchn_send(struct pvfront_posix *p, evtchn_port_t port)
{
	struct evtchn_send s = { .port = port };

	return (int)evtchn_op(p, EVTCHNOP_send, &s, sizeof(s));
}

int pvfront_posix_evtchn_close(struct pvfront_posix *p, evtchn_port_t port)
{
	struct evtchn_close c = { .port = port };

	return (int)evtchn_op(p, EVTCHNOP_close, &c, sizeof(c));
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
