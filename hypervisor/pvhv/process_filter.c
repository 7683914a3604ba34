/*
 * The seccomp filter of a process guest: a deny-list, installed by the
 * forked child just before it executes the guest program, so the dynamic
 * loader and libc start-up work unchanged.  What a guest must never do
 * fails with EPERM (an error the guest can print, not a kill); clone3
 * fails with ENOSYS so libc falls back to clone, whose flags the filter
 * can see.  The guest may add a stricter filter of its own later
 * (frontends/platform/posix does, as an allowlist).
 *
 * The list is documented in README, "Process guests: confinement"; keep
 * the two in step.  Names unknown on the build's architecture are skipped.
 */
#include <errno.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>

#include "process.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Networking, other processes, the kernel and the host: never a guest's
 * business.  Socket creation is refused; the guest's inherited hypercall
 * socket keeps working through sendmsg/recvmsg. */
static const char *const deny_always[] = {
	/* networking */
	"socket", "socketpair", "connect", "bind", "listen", "accept",
	"accept4",
	/* other processes' memory and state */
	"ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
	"pidfd_open", "pidfd_getfd", "pidfd_send_signal", "process_madvise",
	"process_mrelease", "move_pages", "migrate_pages", "tkill",
	/* new processes: a guest is one process (threads are vCPUs) */
	"fork", "vfork",
	/* mounts and namespaces */
	"mount", "umount", "umount2", "pivot_root", "chroot", "unshare",
	"setns", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount",
	"open_tree", "mount_setattr", "quotactl", "quotactl_fd",
	/* the kernel itself */
	"bpf", "perf_event_open", "init_module", "finit_module",
	"delete_module", "kexec_load", "kexec_file_load", "reboot", "swapon",
	"swapoff", "syslog", "acct", "iopl", "ioperm", "personality",
	"uselib", "vm86", "vm86old", "lookup_dcookie", "nfsservctl",
	"userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
	/* keys, handles, devices */
	"keyctl", "add_key", "request_key", "open_by_handle_at",
	"name_to_handle_at", "fanotify_init", "mknod", "mknodat",
	/* the host's identity and clock */
	"sethostname", "setdomainname", "settimeofday", "clock_settime",
	"clock_settime64",
};

static const uint64_t new_namespaces[] = {
	CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
	CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
};

/* Signals: only to itself (abort() and raise() use tgkill on self). */
static const char *const self_signals[] = {
	"kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo",
};

/* Argument n compared with op; for SCMP_CMP_MASKED_EQ a is the mask. */
static struct scmp_arg_cmp arg(unsigned int n, enum scmp_compare op,
			       scmp_datum_t a, scmp_datum_t b)
{
	return (struct scmp_arg_cmp){
		.arg = n, .op = op, .datum_a = a, .datum_b = b
	};
}

static int sys(const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);

	return nr == __NR_SCMP_ERROR || nr < 0 ? -1 : nr;
}

static int deny(scmp_filter_ctx ctx, const char *name, unsigned int n,
		const struct scmp_arg_cmp *cmp)
{
	int nr = sys(name);

	if (nr < 0)
		return 0;
	return seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM), nr, n, cmp);
}

static int add_processes(scmp_filter_ctx ctx)
{
	/* clone without CLONE_THREAD makes a process; namespaces, never. */
	struct scmp_arg_cmp nothread = arg(0, SCMP_CMP_MASKED_EQ,
					   CLONE_THREAD, 0);
	int rc = deny(ctx, "clone", 1, &nothread);

	for (size_t i = 0; !rc && i < NELEM(new_namespaces); i++) {
		struct scmp_arg_cmp ns = arg(0, SCMP_CMP_MASKED_EQ,
					     new_namespaces[i],
					     new_namespaces[i]);
		rc = deny(ctx, "clone", 1, &ns);
	}
	if (!rc && sys("clone3") >= 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
				      sys("clone3"), 0);
	return rc;
}

static int add_misc(scmp_filter_ctx ctx, pid_t self)
{
	struct scmp_arg_cmp other = arg(0, SCMP_CMP_NE, (scmp_datum_t)self, 0);
	/* The parent-death signal ties the guest's life to pvhv's. */
	struct scmp_arg_cmp pdeath = arg(0, SCMP_CMP_EQ, PR_SET_PDEATHSIG, 0);
	/* Typing into pvhv's terminal; ioctl numbers are 32-bit. */
	struct scmp_arg_cmp sti = arg(1, SCMP_CMP_MASKED_EQ, 0xffffffffu,
				      TIOCSTI);
	struct scmp_arg_cmp lnx = arg(1, SCMP_CMP_MASKED_EQ, 0xffffffffu,
				      TIOCLINUX);
	int rc = 0;

	for (size_t i = 0; !rc && i < NELEM(self_signals); i++)
		rc = deny(ctx, self_signals[i], 1, &other);
	if (!rc)
		rc = deny(ctx, "prctl", 1, &pdeath);
	if (!rc)
		rc = deny(ctx, "ioctl", 1, &sti);
	if (!rc)
		rc = deny(ctx, "ioctl", 1, &lnx);
	return rc;
}

int hv_process_filter_load(pid_t self)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int rc = 0;

	/* Threads the guest creates later inherit the filter; no_new_privs
	 * (set by the load) keeps a set-uid program from shedding it. */
	if (!ctx)
		return -ENOMEM;
	for (size_t i = 0; !rc && i < NELEM(deny_always); i++)
		rc = deny(ctx, deny_always[i], 0, NULL);
	if (!rc)
		rc = add_processes(ctx);
	if (!rc)
		rc = add_misc(ctx, self);
	if (!rc)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	return rc;
}
