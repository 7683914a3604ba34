/*
 * The guest's own seccomp allowlist (PVFRONT_POSIX_CONFINE): after start-up
 * a PV guest needs its channels and its memory, nothing of the host.
 * Everything not listed fails with EPERM; clone3 fails with ENOSYS so libc
 * falls back to clone, whose flags the filter can check.  The filter is
 * synchronised to every thread of the process and inherited by new ones.
 * Names unknown on the architecture are skipped.  README, "Process guests:
 * confinement", lists it; keep the two in step.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include "posix.h"

static const char *const allow_always[] = {
	/* its descriptors: channels, stdio */
	"read", "write", "readv", "writev", "pread64", "pwrite64", "recvmsg",
	"sendmsg", "recvfrom", "sendto", "close", "lseek", "_llseek", "fstat",
	"fstat64", "poll", "ppoll", "ppoll_time64",
	/* threads and time */
	"futex", "futex_time64", "clock_gettime", "clock_gettime64",
	"clock_getres", "clock_getres_time64", "gettimeofday", "time",
	"nanosleep", "clock_nanosleep", "clock_nanosleep_time64",
	"sched_yield", "set_robust_list", "rseq", "getrandom",
	"sched_getaffinity", /* pthread_getattr_np(), sanitizer runtimes */
	/* memory (mmap and mprotect below) */
	"munmap", "mremap", "brk", "madvise",
	/* itself */
	"getpid", "gettid", "rt_sigprocmask", "rt_sigaction", "sigaltstack",
	"rt_sigreturn", "sigreturn", "restart_syscall", "exit", "exit_group",
};

static struct scmp_arg_cmp arg(unsigned int n, enum scmp_compare op,
			       scmp_datum_t a, scmp_datum_t b)
{
	return (struct scmp_arg_cmp){
		.arg = n, .op = op, .datum_a = a, .datum_b = b
	};
}

static int allow(scmp_filter_ctx ctx, const char *name, unsigned int n,
		 const struct scmp_arg_cmp *cmp)
{
	int nr = seccomp_syscall_resolve_name(name);

	if (nr == __NR_SCMP_ERROR || nr < 0)
		return 0;
	return seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, n, cmp);
}

static int allow_checked(scmp_filter_ctx ctx)
{
	/* Memory, but never executable: no code arrives after start-up. */
	struct scmp_arg_cmp noexec = arg(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);
	/* fstat() as libc spells it: fstatat(fd, "", AT_EMPTY_PATH). */
	struct scmp_arg_cmp empty3 = arg(3, SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH,
					 AT_EMPTY_PATH);
	struct scmp_arg_cmp empty2 = arg(2, SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH,
					 AT_EMPTY_PATH);
	/* Threads (vCPUs), not processes. */
	struct scmp_arg_cmp thread = arg(0, SCMP_CMP_MASKED_EQ, CLONE_THREAD,
					 CLONE_THREAD);
	/* Signals to itself only (abort, raise). */
	struct scmp_arg_cmp self = arg(0, SCMP_CMP_EQ,
				       (scmp_datum_t)getpid(), 0);
	int rc = allow(ctx, "mmap", 1, &noexec);

	if (!rc)
		rc = allow(ctx, "mmap2", 1, &noexec);
	if (!rc)
		rc = allow(ctx, "mprotect", 1, &noexec);
	if (!rc)
		rc = allow(ctx, "newfstatat", 1, &empty3);
	if (!rc)
		rc = allow(ctx, "fstatat64", 1, &empty3);
	if (!rc)
		rc = allow(ctx, "statx", 1, &empty2);
	if (!rc)
		rc = allow(ctx, "clone", 1, &thread);
	if (!rc)
		rc = allow(ctx, "tgkill", 1, &self);
	if (!rc)
		rc = allow(ctx, "kill", 1, &self);
	return rc;
}

int pvfront_posix_confine(struct pvfront_posix *p)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	int nr, rc = 0;

	(void)p;
	if (!ctx)
		return -ENOMEM;
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	for (size_t i = 0;
	     !rc && i < sizeof(allow_always) / sizeof(allow_always[0]); i++)
		rc = allow(ctx, allow_always[i], 0, NULL);
	if (!rc)
		rc = allow_checked(ctx);
	nr = seccomp_syscall_resolve_name("clone3");
	if (!rc && nr != __NR_SCMP_ERROR && nr >= 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
	if (!rc)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	return rc;
}
