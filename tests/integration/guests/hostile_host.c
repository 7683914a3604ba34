/*
 * guest_hostile, continued: what a guest tries against its channel, its
 * sandbox and its memory rather than through hypercalls (modes flood,
 * sandbox, confined, truncate; see guest_hostile.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ctl_wire.h"
#include "hostile.h"
#include "pvkit/proto/sched.h"

#define SURVIVE_MS 2000
#define PIPELINE_MAX 100000

/* -errno of a libc call that returns -1 and sets errno, else its value. */
static long res(long rc)
{
	return rc == -1 ? -errno : rc;
}

/* ---- flood --------------------------------------------------------------- */

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static _Noreturn void survived(struct hostile *h)
{
	sleep_ms(SURVIVE_MS);
	guest_say(h->p, "SURVIVED\n");
	_exit(1);
}

static void send_raw(const void *buf, size_t len, int flags)
{
	ssize_t n = send(PVHV_GUEST_FD_HCALL, buf, len, MSG_NOSIGNAL | flags);

	(void)n;
}

/* Valid requests without reading a single reply. */
static _Noreturn void pipeline(struct hostile *h)
{
	struct pvhv_hcall_req req = { .nr = __HYPERVISOR_sched_op,
				      .args = { SCHEDOP_yield } };
	struct pollfd pfd = { .fd = PVHV_GUEST_FD_HCALL, .events = POLLOUT };

	for (unsigned int i = 0; i < PIPELINE_MAX; i++) {
		if (send(PVHV_GUEST_FD_HCALL, &req, sizeof(req),
			 MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
			if (errno != EAGAIN)
				break;
			poll(&pfd, 1, 10);
		}
	}
	survived(h);
}

static _Noreturn void calls(struct hostile *h, unsigned long n)
{
	struct timespec a, b;
	unsigned long done = 0;

	clock_gettime(CLOCK_MONOTONIC, &a);
	while (done < n && !hostile_call(h, __HYPERVISOR_sched_op,
					 SCHEDOP_yield, 0, 0))
		done++;
	clock_gettime(CLOCK_MONOTONIC, &b);
	guest_say(h->p, "CALLS=%lu MS=%ld\n", done,
		  (long)(b.tv_sec - a.tv_sec) * 1000 +
			  (b.tv_nsec - a.tv_nsec) / 1000000);
	pvfront_posix_shutdown(h->p, SHUTDOWN_poweroff);
}

void mode_flood(struct hostile *h, int argc, char **argv)
{
	const char *how = argc > 2 ? argv[2] : "garbage";
	unsigned char junk[4096];

	memset(junk, 0xa5, sizeof(junk));
	if (!strncmp(how, "calls=", 6))
		calls(h, strtoul(how + 6, NULL, 0));
	guest_say(h->p, "FLOOD %s\n", how);
	if (!strcmp(how, "short"))
		send_raw(junk, 1, 0);
	else if (!strcmp(how, "long"))
		send_raw(junk, sizeof(junk), 0);
	else if (!strcmp(how, "empty"))
		send_raw(junk, 0, 0);
	else if (!strcmp(how, "pipeline"))
		pipeline(h);
	else /* garbage: every size but the right one, as fast as it goes */
		for (unsigned int i = 0; i < 100000; i++)
			send_raw(junk, (i * 7) % 97 == 48 ? 47 : (i * 7) % 97,
				 MSG_DONTWAIT);
	survived(h);
}

/* ---- sandbox: pvhv's deny-list ------------------------------------------- */

static void *thread_main(void *arg)
{
	return arg;
}

static long thread_works(void)
{
	pthread_t t;
	void *ret = NULL;
	int rc = pthread_create(&t, NULL, thread_main, (void *)1);

	if (rc)
		return -rc;
	pthread_join(t, &ret);
	return ret == (void *)1 ? 0 : -EIO;
}

static long try_fork(void)
{
	long rc = syscall(SYS_clone, (long)SIGCHLD, 0L, 0L, 0L, 0L);

	if (rc == 0)
		_exit(0); /* the filter let it through: the child leaves */
	return res(rc);
}

static void sandbox_processes(struct hostile *h)
{
	hostile_check(h, "fork", try_fork(), -EPERM);
	hostile_check(h, "clone3", res(syscall(SYS_clone3, NULL, 0L)),
		      -ENOSYS);
	hostile_check(h, "thread", thread_works(), 0);
	hostile_check(h, "kill_init", res(kill(1, 0)), -EPERM);
	hostile_check(h, "kill_parent", res(kill(getppid(), 0)), -EPERM);
	hostile_check(h, "kill_self", res(kill(getpid(), 0)), 0);
	hostile_check(h, "tgkill_self",
		      res(syscall(SYS_tgkill, (long)getpid(),
				  (long)syscall(SYS_gettid), 0L)),
		      0);
	hostile_check(h, "tgkill_init", res(syscall(SYS_tgkill, 1L, 1L, 0L)),
		      -EPERM);
	hostile_check(h, "ptrace", res(ptrace(PTRACE_TRACEME, 0, NULL, NULL)),
		      -EPERM);
	hostile_check(h, "pdeathsig_off", res(prctl(PR_SET_PDEATHSIG, 0)),
		      -EPERM);
	hostile_check(h, "own_session", getsid(0) == getpid(), 1);
}

static void sandbox_kernel(struct hostile *h)
{
	hostile_check(h, "socket", res(socket(AF_UNIX, SOCK_STREAM, 0)),
		      -EPERM);
	hostile_check(h, "socketpair", res(socketpair(AF_UNIX, SOCK_STREAM, 0,
						      (int[2]){ 0, 0 })),
		      -EPERM);
	hostile_check(h, "unshare_user", res(unshare(CLONE_NEWUSER)),
		      -EPERM);
	hostile_check(h, "mount", res(mount("none", "/", "tmpfs", 0, NULL)),
		      -EPERM);
	hostile_check(h, "bpf", res(syscall(SYS_bpf, 0L, NULL, 0L)), -EPERM);
	hostile_check(h, "perf_event_open",
		      res(syscall(SYS_perf_event_open, NULL, 0L, -1L, -1L, 0L)),
		      -EPERM);
	hostile_check(h, "io_uring_setup",
		      res(syscall(SYS_io_uring_setup, 1L, NULL)), -EPERM);
	hostile_check(h, "userfaultfd", res(syscall(SYS_userfaultfd, 0L)),
		      -EPERM);
	hostile_check(h, "keyctl", res(syscall(SYS_keyctl, 0L, 0L, 0L)),
		      -EPERM);
	hostile_check(h, "personality", res(personality(0xffffffffu)),
		      -EPERM);
}

static void sandbox_limits(struct hostile *h)
{
	struct rlimit r;

	getrlimit(RLIMIT_CORE, &r);
	hostile_check(h, "rlimit_core", (long)r.rlim_max, 0);
	getrlimit(RLIMIT_NOFILE, &r);
	hostile_check(h, "rlimit_nofile_small", r.rlim_max <= 1024, 1);
	hostile_check(h, "not_root", geteuid() != 0, 1);
	hostile_info(h, "uid", (long)getuid());
	/* Only 0-2 and the channels: nothing of pvhv's leaked in. */
	int past = PVHV_GUEST_FD_WAKE0 + (int)pvfront_posix_vcpus(h->p);

	hostile_check(h, "no_stray_fd", res(fcntl(past, F_GETFD)), -EBADF);
}

void mode_sandbox(struct hostile *h)
{
	sandbox_processes(h);
	sandbox_kernel(h);
	sandbox_limits(h);
}

/* ---- confined: the guest's own allowlist --------------------------------- */

void mode_confined(struct hostile *h)
{
	void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *x = mmap(NULL, 4096, PROT_READ | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *big = malloc(1 << 20);
	struct timespec ts;

	hostile_check(h, "open", res(open("/etc/hostname", O_RDONLY)), -EPERM);
	hostile_check(h, "mmap_rw", m != MAP_FAILED, 1);
	hostile_check(h, "mmap_exec", x == MAP_FAILED ? -errno : 0, -EPERM);
	hostile_check(h, "mprotect_exec",
		      m == MAP_FAILED ? 0 : res(mprotect(m, 4096, PROT_EXEC)),
		      -EPERM);
	hostile_check(h, "malloc_1MiB", big != NULL, 1);
	hostile_check(h, "thread", thread_works(), 0);
	hostile_check(h, "clock_gettime",
		      res(clock_gettime(CLOCK_MONOTONIC, &ts)), 0);
	hostile_check(h, "getppid_refused", res(syscall(SYS_getppid)), -EPERM);
	hostile_check(h, "kill_parent", res(kill(getppid(), 0)), -EPERM);
	hostile_check(h, "hypercall_still_works",
		      hostile_call(h, __HYPERVISOR_sched_op, SCHEDOP_yield, 0,
				   0),
		      0);
	free(big);
}

/* ---- truncate: guest memory keeps its size ------------------------------- */

void mode_truncate(struct hostile *h)
{
	off_t size = (off_t)(h->mem_end - PVHV_GUEST_BASE);

	hostile_check(h, "shrink", res(ftruncate(PVHV_GUEST_FD_MEM, 0)),
		      -EPERM);
	hostile_check(h, "grow", res(ftruncate(PVHV_GUEST_FD_MEM, size * 2)),
		      -EPERM);
	hostile_check(h, "seal_write",
		      res(fcntl(PVHV_GUEST_FD_MEM, F_ADD_SEALS, F_SEAL_WRITE)),
		      -EPERM);
	/* Still alive and served: pvhv did not trip over its mapping. */
	hostile_check(h, "hypercall_after",
		      hostile_call(h, __HYPERVISOR_sched_op, SCHEDOP_yield, 0,
				   0),
		      0);
}
