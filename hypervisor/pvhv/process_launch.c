/*
 * Starting a process guest: fork, set the child up, execute kernel=.
 *
 * The child puts the guest's channels at their fixed descriptors, takes
 * /dev/null as stdin (stdout and stderr stay pvhv's, for debugging), gets
 * the environment it is given and nothing of pvhv's, lowers its limits,
 * takes vCPU 0's CPU set, drops root, asks to die with pvhv, installs the
 * seccomp deny-list and executes the guest program.  A failure on the way
 * comes back through a close-on-exec pipe, so the person creating the
 * domain reads the real reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "process.h"

#define GUEST_NOFILE_SPARE 32 /* descriptors beyond the fixed ones */
#define GUEST_NOFILE_MIN 64
#define NOBODY_ID 65534 /* when "nobody" is not in the user database */

enum launch_step {
	STEP_FDS,
	STEP_LIMITS,
	STEP_AFFINITY,
	STEP_CREDS,
	STEP_PDEATHSIG,
	STEP_SECCOMP,
	STEP_EXEC,
};

static const char *const step_names[] = {
	[STEP_FDS] = "setting up its descriptors",
	[STEP_LIMITS] = "setting resource limits",
	[STEP_AFFINITY] = "pinning it to cpus=",
	[STEP_CREDS] = "dropping root privileges",
	[STEP_PDEATHSIG] = "tying its life to pvhv",
	[STEP_SECCOMP] = "installing the seccomp filter",
	[STEP_EXEC] = "executing",
};

struct launch_err {
	int step;
	int err;
};

/* Everything the child needs, prepared before fork: after it, the child
 * only makes system calls (and the filter's allocations). */
struct launch {
	const struct hv_spawn *s;
	char **argv;
	char *args; /* the split command line that argv points into */
	int *src;   /* src[i] becomes descriptor i; -1 keeps it */
	int *hi;    /* room for the first pass (nr_fds + 1 entries) */
	unsigned int nr_fds;
	int err_fd; /* write end of the error pipe */
	pid_t parent;
	bool drop_root;
	uid_t uid;
	gid_t gid;
	rlim_t nofile;
};

/* argv[0] = kernel path, then cmdline split on blanks. */
static int split_args(struct launch *l, const char *kernel,
		      const char *cmdline)
{
	size_t n = 2;

	l->args = strdup(cmdline ? cmdline : "");
	if (!l->args)
		return -ENOMEM;
	for (const char *s = l->args; *s; s++)
		n += *s == ' ' || *s == '\t';
	l->argv = calloc(n + 1, sizeof(*l->argv));
	if (!l->argv)
		return -ENOMEM;
	n = 0;
	l->argv[n++] = (char *)kernel;
	for (char *save, *t = strtok_r(l->args, " \t", &save); t;
	     t = strtok_r(NULL, " \t", &save))
		l->argv[n++] = t;
	return 0;
}

/* As root, the guest runs as "nobody": seccomp cannot filter paths, so
 * file permissions are what keep it out of the host's files. */
static void guest_ids(struct launch *l)
{
	struct passwd *pw;

	l->drop_root = geteuid() == 0;
	l->uid = NOBODY_ID;
	l->gid = NOBODY_ID;
	if (l->drop_root && (pw = getpwnam("nobody"))) {
		l->uid = pw->pw_uid;
		l->gid = pw->pw_gid;
	}
}

static int prepare(struct launch *l, const struct hv_spawn *s, int devnull)
{
	int rc = split_args(l, s->kernel, s->cmdline);

	if (rc)
		return rc;
	l->s = s;
	l->nr_fds = s->nr_fds;
	l->src = malloc(s->nr_fds * sizeof(*l->src));
	l->hi = malloc((s->nr_fds + 1) * sizeof(*l->hi));
	if (!l->src || !l->hi)
		return -ENOMEM;
	memcpy(l->src, s->fds, s->nr_fds * sizeof(*l->src));
	l->src[STDIN_FILENO] = devnull;
	l->src[STDOUT_FILENO] = l->src[STDERR_FILENO] = -1;
	l->nofile = s->nr_fds + 1 + GUEST_NOFILE_SPARE;
	if (l->nofile < GUEST_NOFILE_MIN)
		l->nofile = GUEST_NOFILE_MIN;
	l->parent = getpid();
	guest_ids(l);
	return 0;
}

static void launch_free(struct launch *l)
{
	free(l->argv);
	free(l->args);
	free(l->src);
	free(l->hi);
}

/* ---- the child ----------------------------------------------------------- */

static _Noreturn void child_fail(const struct launch *l, int step)
{
	struct launch_err e = { step, errno ? errno : EIO };
	ssize_t n = write(l->err_fd, &e, sizeof(e));

	(void)n;
	_exit(127);
}

/* Default dispositions and an empty mask: the guest inherits nothing of
 * pvhv's signal handling (SIGPIPE ignored, libevent's handlers). */
static void reset_signals(void)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Two passes, so a source already sitting on another's target survives:
 * first every source (and the error pipe) above all targets, then each
 * onto its target; then everything else goes. */
static int place_fds(struct launch *l)
{
	unsigned int top = l->nr_fds + 1; /* the error pipe sits at nr_fds */
	int *hi = l->hi;

	for (unsigned int i = 0; i < l->nr_fds; i++) {
		hi[i] = l->src[i] < 0 ? -1
				      : fcntl(l->src[i], F_DUPFD_CLOEXEC, top);
		if (l->src[i] >= 0 && hi[i] < 0)
			return -1;
	}
	hi[l->nr_fds] = fcntl(l->err_fd, F_DUPFD_CLOEXEC, top);
	if (hi[l->nr_fds] < 0)
		return -1;
	for (unsigned int i = 0; i < l->nr_fds; i++)
		if (hi[i] >= 0 && dup2(hi[i], (int)i) < 0)
			return -1;
	if (dup3(hi[l->nr_fds], (int)l->nr_fds, O_CLOEXEC) < 0)
		return -1;
	l->err_fd = (int)l->nr_fds;
	if (close_range(top, ~0u, 0) == 0)
		return 0;
	for (int fd = (int)top; fd < 65536; fd++)
		close(fd);
	return 0;
}

static int set_limits(const struct launch *l)
{
	static const int zero[] = { RLIMIT_CORE, RLIMIT_MSGQUEUE,
				    RLIMIT_RTPRIO, RLIMIT_NICE };
	struct rlimit r = { 0, 0 };

	for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
		if (setrlimit(zero[i], &r))
			return -1;
	r.rlim_cur = r.rlim_max = l->nofile;
	return setrlimit(RLIMIT_NOFILE, &r);
}

static int drop_root(const struct launch *l)
{
	if (!l->drop_root)
		return 0;
	if (setgroups(0, NULL) || setresgid(l->gid, l->gid, l->gid) ||
	    setresuid(l->uid, l->uid, l->uid))
		return -1;
	return 0;
}

static _Noreturn void child(struct launch *l)
{
	const cpu_set_t *cpus = l->s->cpus;

	reset_signals();
	/* Own session: a ^C at pvhv's terminal is for pvhv, not its guests. */
	setsid();
	if (place_fds(l))
		child_fail(l, STEP_FDS);
	if (set_limits(l))
		child_fail(l, STEP_LIMITS);
	if (cpus && sched_setaffinity(0, sizeof(*cpus), cpus))
		child_fail(l, STEP_AFFINITY);
	if (drop_root(l))
		child_fail(l, STEP_CREDS);
	/* After the credential change, which clears it; and if pvhv died
	 * before this point, nobody would send the signal. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != l->parent)
		child_fail(l, STEP_PDEATHSIG);
	errno = -hv_process_filter_load(getpid());
	if (errno)
		child_fail(l, STEP_SECCOMP);
	execve(l->argv[0], l->argv, (char *const *)l->s->env);
	child_fail(l, STEP_EXEC);
}

/* ---- the parent ---------------------------------------------------------- */

static void reap(pid_t pid, int pidfd)
{
	if (pidfd >= 0)
		pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
	else
		kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* Wait for exec (the pipe closes) or the child's report of what failed. */
static int await_exec(const struct hv_spawn *s, int rd, char *err,
		      size_t errlen)
{
	struct launch_err e;
	ssize_t n;

	do
		n = read(rd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return 0;
	if (n != (ssize_t)sizeof(e)) {
		e.step = STEP_EXEC;
		e.err = n < 0 ? errno : EIO;
	}
	if (e.step < 0 || e.step > STEP_EXEC)
		e.step = STEP_EXEC;
	snprintf(err, errlen, "kernel %s: %s: %s", s->kernel,
		 step_names[e.step], strerror(e.err));
	return e.err > 0 ? -e.err : -EIO;
}

static int fork_child(struct hv_spawn *s, struct launch *l, int rd,
		      char *err, size_t errlen)
{
	int rc;

	s->pid = fork();
	if (s->pid == 0)
		child(l);
	if (s->pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -errno;
	}
	close(l->err_fd);
	l->err_fd = -1;
	/* The child is not reaped before we wait for it, so its pid stays
	 * valid for pidfd_open even if it has died already. */
	s->pidfd = pidfd_open(s->pid, 0);
	if (s->pidfd < 0) {
		rc = -errno;
		snprintf(err, errlen, "pidfd_open: %s", strerror(errno));
	} else {
		rc = await_exec(s, rd, err, errlen);
	}
	if (rc) {
		reap(s->pid, s->pidfd);
		if (s->pidfd >= 0)
			close(s->pidfd);
		s->pid = s->pidfd = -1;
	}
	return rc;
}

int hv_process_spawn(struct hv_spawn *s, char *err, size_t errlen)
{
	struct launch l = { .err_fd = -1 };
	int devnull, pipefd[2] = { -1, -1 }, rc = 0;

	s->pid = s->pidfd = -1;
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0 || pipe2(pipefd, O_CLOEXEC))
		rc = -errno;
	if (!rc)
		rc = prepare(&l, s, devnull);
	if (rc) {
		snprintf(err, errlen, "cannot prepare the guest process: %s",
			 strerror(-rc));
	} else {
		l.err_fd = pipefd[1];
		pipefd[1] = -1;
		rc = fork_child(s, &l, pipefd[0], err, errlen);
	}
	if (l.err_fd >= 0)
		close(l.err_fd);
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (devnull >= 0)
		close(devnull);
	launch_free(&l);
	return rc;
}
