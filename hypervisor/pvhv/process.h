/*
 * process.h — the process engine's own pieces (process.c, process_filter.c).
 *
 * A process guest runs as a child of pvhv.  process.c watches, pauses,
 * pins and kills it and carries its hypercalls; process_launch.c starts
 * it; process_filter.c holds the seccomp deny-list the child installs just
 * before it executes the guest program (README, "Process guests:
 * confinement").
 */
#ifndef PVHV_PROCESS_H
#define PVHV_PROCESS_H

#include <sched.h>
#include <sys/types.h>

#include "pvhv.h"

/* Fork and execute a guest program.  fds[i] (i >= 3) becomes the guest's
 * descriptor i; descriptor 0 is /dev/null, 1 and 2 are pvhv's own.  env is
 * the guest's whole environment.  With cpus, the process starts on that
 * set.  On success pid and pidfd name a running guest (exec done); on
 * failure no child is left, err says why, and the result is -errno. */
struct hv_spawn {
	const char *kernel;
	const char *cmdline;	/* split on blanks into argv[1..] */
	const int *fds;
	unsigned int nr_fds;
	const char *const *env; /* NULL-terminated */
	const cpu_set_t *cpus;	/* NULL: not pinned */
	pid_t pid;		/* out */
	int pidfd;		/* out */
};
int hv_process_spawn(struct hv_spawn *s, char *err, size_t errlen);

/* In the forked child, just before execve: install the deny-list filter.
 * self is the child's pid (signals may only go to itself).  0 or -errno.
 * pvhv is single-threaded, so the child may allocate. */
int hv_process_filter_load(pid_t self);

/* The guest's pid, or 0 when d is not a live process guest. */
pid_t hv_process_pid(const struct domain *d);

#endif
