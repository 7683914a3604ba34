/*
 * pvhv — the reference hypervisor daemon: option parsing, the run
 * directory and its lock, dom0's domain record, signals, the loop.
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pvhv.h"
#include "rundir.h"
#include "store.h"

static const char usage[] =
	"Usage: pvhv [OPTIONS]\n"
	"The pvkit reference hypervisor: runs guests (create them with\n"
	"`pvctl create FILE`), their grant tables and event channels, and\n"
	"serves dom0 clients (backends linked with libpvhv, pvctl).\n"
	"\n"
	"Options:\n"
	"  --rundir DIR        where pvhv keeps its socket and lock (default\n"
	"                      $PVKIT_RUNDIR, else /run/pvkit for root, else\n"
	"                      $XDG_RUNTIME_DIR/pvkit); one pvhv runs per DIR\n"
	"  --foreground        stay in the foreground and log to stderr\n"
	"                      (default: detach and log to DIR/pvhv.log)\n"
	"  --vwfi=trap|native  what an idle vCPU does unless its config says:\n"
	"                      trap blocks it (default), native polls\n"
	"  --log-level LEVEL   error, warning, info (default) or debug\n"
	"  -h, --help          this text\n"
	"  --version           pvhv's version\n"
	"\n"
	"The store: pvhv is the xenstored of its guests.  Dom0 tools reach it\n"
	"on DIR/xenstored.sock (libxenstore and xenstore-utils: set\n"
	"XENSTORED_PATH=DIR/xenstored.sock); every connection there is dom0.\n"
	"Each guest reaches it through its store ring page and event channel\n"
	"(start_info's store_mfn and store_evtchn), as on Xen.\n"
	"Guests are held to quotas (dom0 is not); the defaults are a stock\n"
	"xenstored's, each flag takes a number, 0 for no limit:\n"
	"  --store-quota-nodes N         nodes a domain may own (1000)\n"
	"  --store-quota-value-size N    bytes in one node's value (2048)\n"
	"  --store-quota-perms N         entries in a permission list (5)\n"
	"  --store-quota-watches N       watches per connection (128)\n"
	"  --store-quota-transactions N  open transactions per connection (10)\n"
	"  --store-quota-outstanding N   replies a guest has not taken yet\n"
	"                                before it is throttled (20)\n"
	"  --store-quota-path N          path bytes below the home (2048)\n"
	"\n"
	"SIGTERM or SIGINT destroys every guest and removes the sockets.\n";

struct opts {
	const char *rundir;
	bool foreground;
	enum domcfg_vwfi vwfi;
	enum hv_log_level level;
	struct store_quota quota;
};

/* --store-quota-NAME: option codes from QUOTA_OPT up, in this order. */
#define QUOTA_OPT 1000
static const char *const quota_names[] = {
	"store-quota-nodes",	   "store-quota-value-size",
	"store-quota-perms",	   "store-quota-watches",
	"store-quota-transactions", "store-quota-outstanding",
	"store-quota-path",
};
#define N_QUOTAS (sizeof(quota_names) / sizeof(quota_names[0]))

static unsigned int *quota_field(struct store_quota *q, unsigned int i)
{
	unsigned int *const f[N_QUOTAS] = {
		&q->entry_nb, &q->entry_size,  &q->perm_nb,  &q->watch_nb,
		&q->transaction, &q->outstanding, &q->path_max,
	};

	return f[i];
}

static int parse_uint(const char *s, unsigned int *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 1000000000ul)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

static int parse_level(const char *s, enum hv_log_level *lvl)
{
	static const char *const names[] = { "error", "warning", "info",
					     "debug" };

	for (unsigned int i = 0; i < 4; i++) {
		if (!strcmp(s, names[i])) {
			*lvl = (enum hv_log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option fixed[] = {
		{ "rundir", required_argument, NULL, 'r' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "vwfi", required_argument, NULL, 'w' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
	};
	struct option longopts[sizeof(fixed) / sizeof(fixed[0]) + N_QUOTAS + 1];
	const size_t n_fixed = sizeof(fixed) / sizeof(fixed[0]);
	int c;

	memcpy(longopts, fixed, sizeof(fixed));
	for (unsigned int i = 0; i < N_QUOTAS; i++)
		longopts[n_fixed + i] = (struct option){
			quota_names[i], required_argument, NULL,
			QUOTA_OPT + (int)i };
	longopts[n_fixed + N_QUOTAS] = (struct option){ NULL, 0, NULL, 0 };
	*o = (struct opts){ .vwfi = DOMCFG_VWFI_TRAP, .level = HV_LOG_INFO };
	store_quota_defaults(&o->quota);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c >= QUOTA_OPT && c < QUOTA_OPT + (int)N_QUOTAS) {
			if (parse_uint(optarg, quota_field(&o->quota,
					(unsigned int)(c - QUOTA_OPT))))
				goto bad;
			continue;
		}
		switch (c) {
		case 'r': o->rundir = optarg; break;
		case 'f': o->foreground = true; break;
		case 'w':
			if (!strcmp(optarg, "trap"))
				o->vwfi = DOMCFG_VWFI_TRAP;
			else if (!strcmp(optarg, "native"))
				o->vwfi = DOMCFG_VWFI_NATIVE;
			else
				goto bad;
			break;
		case 'l':
			if (parse_level(optarg, &o->level))
				goto bad;
			break;
		case 'h': fputs(usage, stdout); exit(0);
		case 'V': puts("pvhv (pvkit) 0.1.0"); exit(0);
		default: goto bad;
		}
	}
	if (optind == argc)
		return 0;
bad:
	fprintf(stderr, "pvhv: bad arguments; see `pvhv --help`\n");
	return -EINVAL;
}

static char *default_rundir(void)
{
	char buf[4096];

	return hv_default_rundir(buf, sizeof(buf)) ? NULL : strdup(buf);
}

/* One pvhv per run directory: an flock on DIR/pvhv.lock, holding our pid. */
static int take_lock(struct hv *hv)
{
	char path[4096], pid[32] = "";
	int n;

	if (mkdir(hv->rundir, 0700) && errno != EEXIST) {
		fprintf(stderr, "pvhv: cannot create %s: %s\n", hv->rundir,
			strerror(errno));
		return -errno;
	}
	snprintf(path, sizeof(path), "%s/%s", hv->rundir, PVHV_CTL_LOCK);
	hv->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (hv->lock_fd < 0 || flock(hv->lock_fd, LOCK_EX | LOCK_NB)) {
		n = hv->lock_fd >= 0 ? (int)read(hv->lock_fd, pid, 31) : 0;
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		fprintf(stderr, "pvhv: another pvhv (pid %s) runs for %s; "
			"stop it or use another --rundir\n",
			pid[0] ? pid : "?", hv->rundir);
		return -EBUSY;
	}
	return 0;
}

static void unlink_lock(struct hv *hv)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", hv->rundir, PVHV_CTL_LOCK);
	unlink(path);
}

static void write_pid(struct hv *hv)
{
	char pid[32];
	int n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());

	if (ftruncate(hv->lock_fd, 0) == 0)
		(void)!pwrite(hv->lock_fd, pid, (size_t)n, 0);
}

static int make_dom0(struct hv *hv)
{
	struct domain *d = calloc(1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	d->hv = hv;
	d->domid = 0;
	d->mem.fd = d->mem.ro_fd = -1;
	d->state = PVHV_DOM_RUNNING;
	snprintf(d->cfg.name, sizeof(d->cfg.name), "Domain-0");
	hv->dom0 = d;
	return hv_evtchn_new(d, HV_DOM0_MAX_PORTS, &d->evt);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct hv *hv = arg;

	(void)what;
	hv_log(HV_LOG_INFO, "signal %d: destroying every domain", (int)sig);
	hv->stopping = true;
	event_base_loopbreak(hv->base);
}

/* Kill every guest, then let the loop reap them (engines report deaths
 * from their callbacks), for at most five seconds. */
static void destroy_all(struct hv *hv)
{
	struct timespec tick = { 0, 1000000 };

	hv->stopping = true;
	for (struct domain *d = hv->domains, *next; d; d = next) {
		next = d->next;
		if (!d->destroying)
			hv_domain_destroy(d);
	}
	for (int i = 0; hv->domains && i < 5000; i++) {
		event_base_loop(hv->base, EVLOOP_NONBLOCK);
		nanosleep(&tick, NULL);
	}
	if (hv->domains)
		hv_log(HV_LOG_ERROR, "some guests did not die in 5 s");
	/* Deliver the last deaths (they are told from the loop). */
	event_base_loop(hv->base, EVLOOP_NONBLOCK);
	hv_ctl_close(hv);
	hv_store_close(hv);
	store_free(hv->store);
	hv->store = NULL;
	if (hv->dom0) {
		hv_evtchn_free(hv->dom0->evt);
		free(hv->dom0);
		hv->dom0 = NULL;
	}
}

static int detach(struct hv *hv)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/pvhv.log", hv->rundir);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0 || daemon(1, 1))
		return -errno;
	dup2(fd, STDERR_FILENO);
	close(fd);
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		close(fd);
	}
	return 0;
}

static int run(struct hv *hv, const struct opts *o)
{
	struct event *sigs[2];
	int rc;

	hv->base = event_base_new();
	if (!hv->base)
		return -ENOMEM;
	rc = make_dom0(hv);
	if (!rc && (rc = store_new(&o->quota, &hv->store)))
		fprintf(stderr, "pvhv: cannot create the store: %s\n",
			strerror(-rc));
	if (!rc && (rc = hv_store_listen(hv)))
		fprintf(stderr, "pvhv: cannot listen on %s/%s: %s\n",
			hv->rundir, HV_STORE_SOCKET, strerror(-rc));
	if (!rc && (rc = hv_ctl_listen(hv)))
		fprintf(stderr, "pvhv: cannot listen on %s/%s: %s\n",
			hv->rundir, PVHV_CTL_SOCKET, strerror(-rc));
	if (!rc && !o->foreground)
		rc = detach(hv);
	if (rc)
		goto out;
	write_pid(hv);
	sigs[0] = evsignal_new(hv->base, SIGTERM, on_signal, hv);
	sigs[1] = evsignal_new(hv->base, SIGINT, on_signal, hv);
	evsignal_add(sigs[0], NULL);
	evsignal_add(sigs[1], NULL);
	hv_log(HV_LOG_INFO, "ready on %s/%s", hv->rundir, PVHV_CTL_SOCKET);
	event_base_dispatch(hv->base);
	event_free(sigs[0]);
	event_free(sigs[1]);
out:
	destroy_all(hv);
	event_base_free(hv->base);
	return rc;
}

int main(int argc, char **argv)
{
	struct hv hv = { .lock_fd = -1, .ctl_fd = -1 };
	struct opts o;
	int rc;

	if (parse_opts(argc, argv, &o))
		return 2;
	hv_log_set_level(o.level);
	signal(SIGPIPE, SIG_IGN);
	hv.vwfi = o.vwfi;
	hv.rundir = o.rundir ? strdup(o.rundir) : default_rundir();
	if (!hv.rundir)
		return 1;
	rc = take_lock(&hv);
	if (!rc)
		rc = run(&hv, &o);
	if (hv.lock_fd >= 0) {
		/* Still holding the lock: no other pvhv can be using the file. */
		if (!rc)
			unlink_lock(&hv);
		close(hv.lock_fd);
	}
	free(hv.rundir);
	return rc ? 1 : 0;
}
