/*
 * evtchn_bench baselines: the same ping-pong as dom0 <-> guest, between
 * two plain processes and two eventfds, nothing else.  The bench (this
 * process) writes eventfd "ping" and waits on "pong"; the peer, a forked
 * child, waits on "ping" and writes "pong".  Blocking pairs wait in
 * read() (the eventfds are blocking); spinning pairs read non-blocking
 * eventfds in a loop, and the peer is stopped (SIGSTOP) between its
 * chunks so it does not burn a CPU while other subjects run.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "evtchn_bench.h"

struct eb_pair {
	pid_t peer;
	int ping, pong;
	bool spin;
};

static int efd_write(int fd)
{
	uint64_t one = 1;

	return write(fd, &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}

/* One event from fd: blocking read, or a non-blocking one in a loop. */
static int efd_wait(int fd, bool spin)
{
	uint64_t v, start = 0;

	for (unsigned int i = 1;; i++) {
		ssize_t n = read(fd, &v, sizeof(v));

		if (n == sizeof(v))
			return 0;
		if (n >= 0 || (errno != EAGAIN && errno != EINTR))
			return n < 0 ? -errno : -EIO;
		if (!spin)
			continue;
		eb_relax();
		if (i % 65536 == 0) {
			if (!start)
				start = eb_now_ns();
			else if (eb_now_ns() - start >
				 (uint64_t)EB_TIMEOUT_MS * 1000000u)
				return -ETIMEDOUT;
		}
	}
}

static _Noreturn void peer_main(struct eb_pair *p, bool pinned,
				const struct eb_cpus *cpus)
{
	cpu_set_t set;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(0);
	if (pinned) {
		CPU_ZERO(&set);
		CPU_SET(cpus->b, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			_exit(2);
	}
	for (;;) {
		if (efd_wait(p->ping, p->spin) == -ETIMEDOUT)
			continue; /* the bench is busy elsewhere */
		if (efd_write(p->pong))
			_exit(1);
	}
}

int eb_pair_new(bool spin, bool pinned, const struct eb_cpus *cpus,
		struct eb_pair **out)
{
	int rc, flags = EFD_CLOEXEC | (spin ? EFD_NONBLOCK : 0);
	struct eb_pair *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	*p = (struct eb_pair){ .spin = spin, .ping = -1, .pong = -1 };
	p->ping = eventfd(0, flags);
	p->pong = eventfd(0, flags);
	if (p->ping < 0 || p->pong < 0)
		goto fail;
	p->peer = fork();
	if (p->peer < 0)
		goto fail;
	if (p->peer == 0)
		peer_main(p, pinned, cpus);
	/* A spinner rests until its first chunk. */
	if (spin)
		kill(p->peer, SIGSTOP);
	*out = p;
	return 0;
fail:
	rc = -errno;
	p->peer = 0;
	eb_pair_free(p);
	return rc;
}

void eb_pair_free(struct eb_pair *p)
{
	if (!p)
		return;
	if (p->peer > 0) {
		kill(p->peer, SIGKILL);
		waitpid(p->peer, NULL, 0);
	}
	if (p->ping >= 0)
		close(p->ping);
	if (p->pong >= 0)
		close(p->pong);
	free(p);
}

static int pair_begin(struct eb_subject *s)
{
	struct eb_pair *p = s->ctx;

	return p->spin && kill(p->peer, SIGCONT) ? -errno : 0;
}

static int pair_op(struct eb_subject *s)
{
	struct eb_pair *p = s->ctx;
	int rc = efd_write(p->ping);

	return rc ? rc : efd_wait(p->pong, p->spin);
}

static void pair_end(struct eb_subject *s)
{
	struct eb_pair *p = s->ctx;

	if (p->spin)
		kill(p->peer, SIGSTOP);
}

void eb_pair_subject(struct eb_pair *p, struct eb_subject *s)
{
	s->ctx = p;
	s->spinner = p->spin;
	s->begin = pair_begin;
	s->op = pair_op;
	s->end = pair_end;
}
