/*
 * stress_ring_procs — the ring stress test across two processes, the way
 * two domains share granted pages: one memfd mapped MAP_SHARED, a forked
 * child running the backend, the parent the frontend.
 *
 * Usage: stress_ring_procs [COUNT] [-f FRAMES] [-o ORDER] [-s SEED]
 *                          [-t STALL_S]
 * The child reports by its exit status; the parent waits for it, kills it
 * if the frontend fails, and checks both sides' totals.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stress_core.h"

#ifndef STRESS_DEFAULT_COUNT
#define STRESS_DEFAULT_COUNT 10000000u
#endif

static void *map_shared(size_t size)
{
	void *mem;
	int fd = memfd_create("pvkit-stress", MFD_CLOEXEC);

	if (fd < 0) {
		perror("stress: memfd_create");
		return NULL;
	}
	if (ftruncate(fd, (off_t)size)) {
		perror("stress: ftruncate");
		close(fd);
		return NULL;
	}
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (mem == MAP_FAILED) {
		perror("stress: mmap");
		return NULL;
	}
	return mem;
}

/* The backend process: dies with its parent, answers by exit status. */
static void child(void *mem, const struct stress_cfg *cfg, pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(3);
	_exit(stress_backend(mem, cfg) ? 1 : 0);
}

static void *watch_mem;
static volatile pid_t watch_pid;

/* SIGCHLD: a backend that died or failed stops the frontend at once instead
 * of after the stall limit.  Peeks at the status without reaping. */
static void on_child(int sig)
{
	siginfo_t si;
	int saved = errno;

	(void)sig;
	memset(&si, 0, sizeof(si));
	if (watch_pid > 0 &&
	    waitid(P_PID, (id_t)watch_pid, &si, WEXITED | WNOHANG | WNOWAIT) ==
		    0 &&
	    si.si_pid == watch_pid &&
	    (si.si_code != CLD_EXITED || si.si_status != 0))
		stress_abort(watch_mem);
	errno = saved;
}

static void watch_child(void *mem, pid_t pid)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_child;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigemptyset(&sa.sa_mask);
	watch_mem = mem;
	watch_pid = pid;
	sigaction(SIGCHLD, &sa, NULL);
	on_child(SIGCHLD); /* it may have died already */
}

/* Reap the child; 0 when it exited with status 0. */
static int reap(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			perror("stress: waitpid");
			return -1;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		fprintf(stderr, "stress: backend exited with status %d\n",
			WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		fprintf(stderr, "stress: backend killed by signal %d (%s)\n",
			WTERMSIG(status), strsignal(WTERMSIG(status)));
	return -1;
}

int main(int argc, char **argv)
{
	struct stress_cfg cfg;
	double t0;
	void *mem;
	pid_t pid, self = getpid();
	int front, back;

	if (stress_parse_args(&cfg, STRESS_DEFAULT_COUNT, argc, argv))
		return 2;
	mem = map_shared(stress_map_size(&cfg));
	if (!mem)
		return 1;
	stress_setup(mem, &cfg);
	stress_print_cfg("stress_ring_procs", &cfg);
	t0 = stress_now();
	pid = fork();
	if (pid < 0) {
		perror("stress: fork");
		return 1;
	}
	if (pid == 0)
		child(mem, &cfg, self);
	watch_child(mem, pid);
	front = stress_frontend(mem, &cfg);
	if (front)
		kill(pid, SIGKILL);
	back = reap(pid);
	if (back)
		stress_abort(mem);
	if (stress_verify(mem, &cfg, stress_now() - t0) || front || back)
		return 1;
	return 0;
}
