/*
 * commands.c — pvctl's commands, one function each, and their help.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "domcfg.h"
#include "pvctl.h"
#include "pvkit/proto/sched.h"

/* ---- command lines ------------------------------------------------------------ */

struct flag {
	const char *s, *l; /* "-f", "--follow" */
	bool *set;
};

/* Positional arguments of argv[1..] into pos (min..max of them), flags
 * into their bools.  Returns the count, or -1 after a usage message. */
static int split_args(struct pvctl *c, int argc, char **argv,
		      const struct flag *flags, char **pos, int min, int max)
{
	bool opts = true;
	int n = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct flag *f = flags;

		if (opts && !strcmp(a, "--")) {
			opts = false;
			continue;
		}
		if (opts && a[0] == '-' && a[1]) {
			while (f && f->s && strcmp(a, f->s) && strcmp(a, f->l))
				f++;
			if (!f || !f->s)
				return pvctl_usage(c, "unknown option '%s'", a),
				       -1;
			*f->set = true;
			continue;
		}
		if (n == max)
			return pvctl_usage(c, "unexpected argument '%s'", a), -1;
		pos[n++] = argv[i];
	}
	if (n < min)
		return pvctl_usage(c, "missing argument; usage: pvctl %s %s",
				   c->cmd, c->args),
		       -1;
	return n;
}

static const char *reason_name(unsigned int r)
{
	static const char *const names[] = {
		[SHUTDOWN_poweroff] = "poweroff", [SHUTDOWN_reboot] = "reboot",
		[SHUTDOWN_suspend] = "suspend",	  [SHUTDOWN_crash] = "crash",
		[SHUTDOWN_watchdog] = "watchdog",
		[SHUTDOWN_soft_reset] = "soft_reset",
	};

	if (r == PVHV_EXIT_DESTROYED)
		return "destroyed";
	return r < sizeof(names) / sizeof(names[0]) ? names[r] : "unknown";
}

/* ---- create ---------------------------------------------------------------------- */

static int follow_console(struct pvctl *c, domid_t dom, bool follow);

static int cmd_create(struct pvctl *c, int argc, char **argv)
{
	bool console = false;
	struct flag flags[] = { { "-c", "--console", &console }, { 0 } };
	char *pos[1], err[1024];
	struct pvhv_dominfo info;
	struct pvhv *h;
	domid_t dom;
	int rc;

	if (split_args(c, argc, argv, flags, pos, 1, 1) < 0)
		return PVCTL_USAGE;
	if (!(h = pvctl_connect(c)))
		return PVCTL_FAIL;
	rc = pvhv_domain_create(h, pos[0], &dom, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "pvctl create: %s\n", err);
		if (rc == -ECONNRESET)
			fprintf(stderr, "(lost the connection: did pvhv "
					"stop?)\n");
		return PVCTL_FAIL;
	}
	if (!pvhv_domain_info(h, dom, &info))
		printf("created domain %s (id %u)\n", info.name, dom);
	else
		printf("created domain %u\n", dom);
	fflush(stdout);
	return console ? follow_console(c, dom, true) : PVCTL_OK;
}

/* ---- list and info ------------------------------------------------------------------ */

static void state_flags(const struct pvhv_dominfo *i, char out[7])
{
	memcpy(out, "------", 7);
	if (i->state == PVHV_STATE_RUNNING)
		out[0] = 'r';
	if (i->state == PVHV_STATE_PAUSED)
		out[2] = 'p';
	if (i->state == PVHV_STATE_SHUTDOWN) {
		out[3] = 's';
		if (i->shutdown_reason == SHUTDOWN_crash)
			out[4] = 'c';
	}
	if (i->state == PVHV_STATE_DYING)
		out[5] = 'd';
}

static void list_row(const struct pvhv_dominfo *i)
{
	char st[7];

	state_flags(i, st);
	printf("%-40s %5u %5llu %5u     %s %8.1f\n", i->name, i->domid,
	       (unsigned long long)(i->memory_kib / 1024), i->vcpus, st,
	       (double)i->cpu_time_ns / 1e9);
}

static int list_some(struct pvctl *c, char **names, int n)
{
	struct pvhv_dominfo info;
	int rc = PVCTL_OK;

	for (int k = 0; k < n; k++) {
		domid_t dom;
		int e = pvctl_domid(c, names[k], &dom);

		if (!e && (e = pvhv_domain_info(c->h, dom, &info)))
			pvctl_fail(c, e, names[k]);
		if (e)
			rc = PVCTL_FAIL;
		else
			list_row(&info);
	}
	return rc;
}

static int list_all(struct pvctl *c)
{
	struct pvhv_dominfo *all = NULL;
	int n = 0, max = 0;

	do { /* grow until everything fits */
		struct pvhv_dominfo *p;

		max = n + 16;
		p = realloc(all, (size_t)max * sizeof(*all));
		if (!p) {
			free(all);
			return pvctl_fail(c, -ENOMEM, "listing");
		}
		all = p;
		n = pvhv_domain_list(c->h, all, (unsigned int)max);
	} while (n > max);
	if (n < 0) {
		free(all);
		return pvctl_fail(c, n, "listing the domains");
	}
	for (int i = 0; i < n; i++)
		list_row(&all[i]);
	free(all);
	return PVCTL_OK;
}

static int cmd_list(struct pvctl *c, int argc, char **argv)
{
	char *pos[64];
	int n = split_args(c, argc, argv, NULL, pos, 0, 64);

	if (n < 0)
		return PVCTL_USAGE;
	if (!pvctl_connect(c))
		return PVCTL_FAIL;
	printf("%-40s %5s %5s %5s     %-6s %8s\n", "Name", "ID", "Mem",
	       "VCPUs", "State", "Time(s)");
	return n ? list_some(c, pos, n) : list_all(c);
}

static const char *state_name(enum pvhv_state s)
{
	switch (s) {
	case PVHV_STATE_RUNNING: return "running";
	case PVHV_STATE_PAUSED: return "paused";
	case PVHV_STATE_SHUTDOWN: return "shut down";
	case PVHV_STATE_DYING: return "dying";
	}
	return "unknown";
}

/* A command whose one argument is DOM: parse it, connect, resolve the
 * name.  PVCTL_OK with pos[0] and *dom set, or the exit code to return. */
static int want_domain(struct pvctl *c, int argc, char **argv, char *pos[1],
		       domid_t *dom)
{
	if (split_args(c, argc, argv, NULL, pos, 1, 1) < 0)
		return PVCTL_USAGE;
	if (!pvctl_connect(c) || pvctl_domid(c, pos[0], dom))
		return PVCTL_FAIL;
	return PVCTL_OK;
}

static int cmd_info(struct pvctl *c, int argc, char **argv)
{
	struct pvhv_dominfo i;
	char *pos[1];
	domid_t dom;
	int rc;

	if ((rc = want_domain(c, argc, argv, pos, &dom)) != PVCTL_OK)
		return rc;
	rc = pvhv_domain_info(c->h, dom, &i);
	if (rc)
		return pvctl_fail(c, rc, pos[0]);
	printf("name:     %s\ndomid:    %u\ntype:     %s\nstate:    %s",
	       i.name, i.domid, i.type, state_name(i.state));
	if (i.state == PVHV_STATE_SHUTDOWN)
		printf(" (%s)", reason_name(i.shutdown_reason));
	printf("\nmemory:   %llu MiB\nvcpus:    %u\nvwfi:     %s\n",
	       (unsigned long long)(i.memory_kib / 1024), i.vcpus,
	       i.vwfi == PVHV_VWFI_NATIVE ? "native" : "trap");
	if (i.pid > 0)
		printf("pid:      %d\n", i.pid);
	printf("cpu time: %.3f s\n", (double)i.cpu_time_ns / 1e9);
	return PVCTL_OK;
}

/* ---- one-domain requests ------------------------------------------------------------ */

static int one_domain(struct pvctl *c, int argc, char **argv,
		      int (*op)(struct pvhv *, domid_t), const char *what)
{
	char *pos[1];
	domid_t dom;
	int rc;

	if ((rc = want_domain(c, argc, argv, pos, &dom)) != PVCTL_OK)
		return rc;
	rc = op(c->h, dom);
	if (rc) {
		char msg[128];

		snprintf(msg, sizeof(msg), "cannot %s %s", what, pos[0]);
		return pvctl_fail(c, rc, msg);
	}
	return PVCTL_OK;
}

static int cmd_destroy(struct pvctl *c, int argc, char **argv)
{
	return one_domain(c, argc, argv, pvhv_domain_destroy, "destroy");
}

static int cmd_pause(struct pvctl *c, int argc, char **argv)
{
	return one_domain(c, argc, argv, pvhv_domain_pause, "pause");
}

static int cmd_unpause(struct pvctl *c, int argc, char **argv)
{
	return one_domain(c, argc, argv, pvhv_domain_unpause, "unpause");
}

static int cmd_wait(struct pvctl *c, int argc, char **argv)
{
	struct pvhv_exit ex;
	char *pos[1];
	domid_t dom;
	int rc;

	if ((rc = want_domain(c, argc, argv, pos, &dom)) != PVCTL_OK)
		return rc;
	rc = pvhv_domain_wait(c->h, dom, &ex);
	if (rc)
		return pvctl_fail(c, rc, pos[0]);
	printf("domain %u: %s", dom, reason_name(ex.reason));
	if (WIFEXITED(ex.status))
		printf(" (exit status %d)\n", WEXITSTATUS(ex.status));
	else if (WIFSIGNALED(ex.status))
		printf(" (killed by signal %d, %s)\n", WTERMSIG(ex.status),
		       strsignal(WTERMSIG(ex.status)));
	else
		printf("\n");
	return ex.reason == SHUTDOWN_poweroff ? PVCTL_OK : PVCTL_FAIL;
}

/* ---- console -------------------------------------------------------------------------- */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct cons {
	bool ended;
};

static void cons_out(struct pvhv *h, domid_t dom, const char *buf,
		     size_t len, void *arg)
{
	struct cons *s = arg;

	(void)h;
	(void)dom;
	if (!buf) {
		s->ended = true;
		return;
	}
	fwrite(buf, 1, len, stdout);
	fflush(stdout);
}

/* Until the domain dies or Ctrl-C. */
static int follow_loop(struct pvctl *c, domid_t dom, struct cons *s)
{
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART */
	struct pollfd p = { .fd = pvhv_fd(c->h), .events = POLLIN };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!s->ended && !interrupted) {
		int rc;

		if (poll(&p, 1, -1) < 0)
			continue; /* EINTR: look at the flag */
		rc = pvhv_process(c->h);
		if (rc < 0)
			return pvctl_fail(c, rc, "following the console");
	}
	if (s->ended)
		fprintf(stderr, "pvctl console: domain %u is gone\n", dom);
	return PVCTL_OK;
}

static int follow_console(struct pvctl *c, domid_t dom, bool follow)
{
	struct cons s = { 0 };
	int rc = pvhv_domain_console(c->h, dom, follow ? PVHV_FOLLOW : 0,
				     cons_out, &s);

	if (rc)
		return pvctl_fail(c, rc, "console");
	return follow ? follow_loop(c, dom, &s) : PVCTL_OK;
}

static int cmd_console(struct pvctl *c, int argc, char **argv)
{
	bool follow = false;
	struct flag flags[] = { { "-f", "--follow", &follow }, { 0 } };
	char *pos[1];
	domid_t dom;

	if (split_args(c, argc, argv, flags, pos, 1, 1) < 0)
		return PVCTL_USAGE;
	if (!pvctl_connect(c) || pvctl_domid(c, pos[0], &dom))
		return PVCTL_FAIL;
	return follow_console(c, dom, follow);
}

/* ---- vcpu-pin ------------------------------------------------------------------------ */

static int vcpu_range(struct pvctl *c, const char *s, domid_t dom,
		      unsigned int *lo, unsigned int *hi)
{
	struct pvhv_dominfo i;
	char *end;
	unsigned long v;
	int rc;

	if (strcmp(s, "all")) {
		errno = 0;
		v = strtoul(s, &end, 10);
		if (errno || *end || !*s || v > 4096)
			return pvctl_usage(c, "VCPU '%s' is not a number or "
					      "'all'", s);
		*lo = *hi = (unsigned int)v;
		return 0;
	}
	rc = pvhv_domain_info(c->h, dom, &i);
	if (rc)
		return pvctl_fail(c, rc, "domain info");
	*lo = 0;
	*hi = i.vcpus ? i.vcpus - 1 : 0;
	return 0;
}

static int cmd_vcpu_pin(struct pvctl *c, int argc, char **argv)
{
	char *pos[3], err[256], msg[64];
	unsigned int lo = 0, hi = 0;
	cpu_set_t set;
	domid_t dom;
	int rc;

	if (split_args(c, argc, argv, NULL, pos, 3, 3) < 0)
		return PVCTL_USAGE;
	if (domcfg_parse_cpus(pos[2], (unsigned int)sysconf(_SC_NPROCESSORS_CONF),
			      &set, err, sizeof(err)))
		return pvctl_usage(c, "CPUS: %s", err);
	if (!pvctl_connect(c) || pvctl_domid(c, pos[0], &dom))
		return PVCTL_FAIL;
	rc = vcpu_range(c, pos[1], dom, &lo, &hi);
	if (rc)
		return rc;
	for (unsigned int v = lo; v <= hi; v++) {
		rc = pvhv_domain_vcpu_pin(c->h, dom, v, &set);
		if (rc) {
			snprintf(msg, sizeof(msg), "vCPU %u of %s", v, pos[0]);
			return pvctl_fail(c, rc, msg);
		}
	}
	return PVCTL_OK;
}

/* ---- the table ----------------------------------------------------------------------- */

const struct pvctl_cmd pvctl_cmds[] = {
	{ "create", "[-c] CFG", "create a domain from an xl.cfg file",
	  "Options:\n"
	  "  -c, --console  then follow its console (Ctrl-C leaves it "
	  "running)\n"
	  "\nCFG keys: name, memory, vcpus, cpus, kernel, cmdline/extra, "
	  "type,\non_poweroff, on_crash, vwfi, and the devices vkb, vsnd, "
	  "vdispl, p9,\npvcalls (see pvkit's README).  A mistake is "
	  "reported as\nFILE:LINE: KEY: problem.\n"
	  "\nExample:\n  pvctl create guest.cfg\n",
	  cmd_create },
	{ "list", "[DOM...]", "list domains (all, or the ones named)",
	  "Columns as in `xl list`: Name, ID, Mem (MiB), VCPUs, State and "
	  "Time(s)\n(CPU time).  State: r running, p paused, s shut down "
	  "(kept), c crashed,\nd dying.\n"
	  "\nExample:\n  pvctl list\n  pvctl list guest1 3\n",
	  cmd_list },
	{ "info", "DOM", "show everything pvhv knows about a domain",
	  "Prints name, id, type, state, memory, vCPUs, vwfi, pid and CPU "
	  "time.\n\nExample:\n  pvctl info guest1\n",
	  cmd_info },
	{ "destroy", "DOM", "stop a domain at once and free what it held",
	  "The guest is killed; its ports close (peers are told) and its "
	  "memory\nis freed when the last dom0 mapping goes.\n"
	  "\nExample:\n  pvctl destroy guest1\n",
	  cmd_destroy },
	{ "pause", "DOM", "stop running a domain's vCPUs",
	  "`pvctl unpause DOM` resumes it.\n\nExample:\n  pvctl pause 3\n",
	  cmd_pause },
	{ "unpause", "DOM", "resume a paused domain",
	  "Example:\n  pvctl unpause 3\n", cmd_unpause },
	{ "console", "[-f] DOM", "print a domain's console output",
	  "Prints what pvhv has buffered (the last 64 KiB).\n"
	  "\nOptions:\n"
	  "  -f, --follow  keep printing new output until Ctrl-C or the "
	  "domain dies\n"
	  "\nExample:\n  pvctl console -f guest1\n",
	  cmd_console },
	{ "vcpu-pin", "DOM VCPU CPUS", "run a vCPU on the given host CPUs only",
	  "VCPU is a number or 'all'.  CPUS is 'all' or a list such as "
	  "'0-1', '2,4-7'\nor '0-7,^3' (as cpus= in the config file).\n"
	  "\nExample:\n  pvctl vcpu-pin guest1 0 2-3\n",
	  cmd_vcpu_pin },
	{ "wait", "DOM", "wait until a domain is gone and say how it ended",
	  "Exit status 0 when the guest powered off, 1 otherwise (crash, "
	  "error...).\n\nExample:\n  pvctl wait guest1 && echo clean\n",
	  cmd_wait },
	{ "device-add", "DOM TYPE [SPEC...]",
	  "plug a PV device into a running guest (as xl *-attach)",
	  pvctl_device_add_help, pvctl_device_add },
	{ "device-remove", "[-f] [-t SECS] DOM TYPE DEVID",
	  "unplug a PV device from a guest (as xl *-detach)",
	  pvctl_device_remove_help, pvctl_device_remove },
	{ "store", "SUBCOMMAND [OPTIONS] ARGS...",
	  "read, write, list, remove, watch and chmod store nodes",
	  pvctl_store_help, pvctl_store_run },
};

const unsigned int pvctl_n_cmds = sizeof(pvctl_cmds) / sizeof(pvctl_cmds[0]);
