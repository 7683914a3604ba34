/*
 * Integration-test harness: a real pvhv in a temporary run directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctl_wire.h"
#include "harness.h"

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static void exec_pvhv(struct hvt *t, const char *const *extra)
{
	const char *argv[32] = { PVHV_BIN, "--foreground", "--rundir",
				 t->rundir, "--log-level", "debug" };
	int n = 6, fd = open(t->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	for (; extra && *extra && n < 30; extra++)
		argv[n++] = *extra;
	argv[n] = NULL;
	/* A test that dies must not leave its pvhv (and guests) running. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (fd >= 0) {
		dup2(fd, STDERR_FILENO);
		dup2(fd, STDOUT_FILENO);
	}
	execv(PVHV_BIN, (char *const *)argv);
	_exit(127);
}

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out, rc = 0;
	ssize_t n;

	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (out < 0) {
		rc = -errno;
		close(in);
		return rc;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			rc = -EIO;
			break;
		}
	if (n < 0)
		rc = -errno;
	close(in);
	if (close(out) && !rc)
		rc = -errno;
	return rc;
}

/* Copy GUEST_DIR/guest_* into a new directory everybody may enter. */
static int copy_guests(struct hvt *t)
{
	DIR *d = opendir(GUEST_DIR);
	struct dirent *e;
	char from[512], to[512];
	int rc = 0;

	snprintf(t->guestdir, sizeof(t->guestdir), "/tmp/pvkit-guests-XXXXXX");
	if (!d || !mkdtemp(t->guestdir) || chmod(t->guestdir, 0755)) {
		rc = -errno;
		goto out;
	}
	while (!rc && (e = readdir(d))) {
		if (strncmp(e->d_name, "guest_", 6))
			continue;
		snprintf(from, sizeof(from), "%s/%s", GUEST_DIR, e->d_name);
		snprintf(to, sizeof(to), "%s/%s", t->guestdir, e->d_name);
		if (access(from, X_OK) == 0)
			rc = copy_file(from, to);
	}
out:
	if (d)
		closedir(d);
	return rc;
}

const char *hvt_guest_dir(const struct hvt *t)
{
	return t->guestdir;
}

int hvt_store_get(struct pvhv_store *st, const char *path, char *buf,
		  size_t len)
{
	char *v = NULL;
	int rc = pvhv_store_read(st, PVHV_STORE_TX_NONE, path, &v, NULL);

	if (rc == 0)
		snprintf(buf, len, "%s", v);
	free(v);
	return rc;
}

int hvt_store_wait(struct pvhv_store *st, const char *path, const char *want,
		   int timeout_ms)
{
	char v[256] = "";

	for (int waited = 0; waited <= timeout_ms; waited += 5) {
		int rc = hvt_store_get(st, path, v, sizeof(v));

		if (want ? rc == 0 && strcmp(v, want) == 0 : rc == -ENOENT)
			return 0;
		usleep(5000);
	}
	fprintf(stderr, "%s is '%s', not '%s'\n", path, v,
		want ? want : "(gone)");
	return -ETIMEDOUT;
}

int hvt_kill_wait(pid_t *pid, int sig)
{
	int status = -1;

	if (!*pid)
		return -1;
	kill(*pid, sig);
	waitpid(*pid, &status, 0);
	*pid = 0;
	return status;
}

int hvt_store_env(const struct hvt *t, char *path, size_t len)
{
	int n = snprintf(path, len, "%s/" PVHV_STORE_SOCKET, t->rundir);

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return setenv("XENSTORED_PATH", path, 1) ? -errno : 0;
}

int hvt_start(struct hvt *t, const char *const *extra)
{
	int rc;

	memset(t, 0, sizeof(*t));
	rc = copy_guests(t);
	if (rc)
		return rc;
	snprintf(t->rundir, sizeof(t->rundir), "/tmp/pvkit-test-XXXXXX");
	if (!mkdtemp(t->rundir))
		return -errno;
	snprintf(t->log, sizeof(t->log), "%s/pvhv.log", t->rundir);
	t->pid = fork();
	if (t->pid < 0)
		return -errno;
	if (t->pid == 0)
		exec_pvhv(t, extra);
	for (int i = 0; i < 500; i++) {
		if (pvhv_open(t->rundir, 0, &t->h) == 0)
			return 0;
		if (waitpid(t->pid, NULL, WNOHANG) == t->pid) {
			t->pid = 0;
			return -ECHILD;
		}
		sleep_ms(10);
	}
	return -ETIMEDOUT;
}

static void rm_rf(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static void dump_log(const struct hvt *t)
{
	char cmd[400];

	snprintf(cmd, sizeof(cmd), "tail -n 40 %s >&2", t->log);
	if (system(cmd) < 0)
		perror("system");
}

int hvt_stop(struct hvt *t)
{
	char sock[300];
	int status = -1, rc = 0;

	pvhv_close(t->h);
	t->h = NULL;
	if (t->pid > 0) {
		kill(t->pid, SIGTERM);
		for (int i = 0; i < 1000; i++) {
			if (waitpid(t->pid, &status, WNOHANG) == t->pid)
				break;
			sleep_ms(10);
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "pvhv did not exit cleanly (0x%x)\n",
				status);
			kill(t->pid, SIGKILL);
			waitpid(t->pid, NULL, 0);
			rc = -EIO;
		}
	}
	for (int i = 0; i < 2; i++) {
		const char *name = i ? PVHV_STORE_SOCKET : PVHV_CTL_SOCKET;

		snprintf(sock, sizeof(sock), "%s/%s", t->rundir, name);
		if (access(sock, F_OK) == 0) {
			fprintf(stderr, "pvhv left %s behind\n", name);
			rc = -EEXIST;
		}
	}
	if (rc)
		dump_log(t);
	rm_rf(t->rundir);
	if (t->guestdir[0])
		rm_rf(t->guestdir);
	return rc;
}

int hvt_write_cfg(struct hvt *t, const char *name, const char *text,
		  char *path, size_t pathlen)
{
	FILE *f;

	snprintf(path, pathlen, "%s/%s.cfg", t->rundir, name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}

int hvt_create(struct hvt *t, const char *name, const char *guest,
	       const char *cmdline, const char *extra_cfg, domid_t *out)
{
	char text[4096], path[400], err[1024] = "";
	int rc;

	snprintf(text, sizeof(text),
		 "name = \"%s\"\nkernel = \"%s/%s\"\nmemory = 16\n"
		 "cmdline = \"%s\"\n%s\n",
		 name, t->guestdir, guest, cmdline ? cmdline : "",
		 extra_cfg ? extra_cfg : "");
	rc = hvt_write_cfg(t, name, text, path, sizeof(path));
	if (rc)
		return rc;
	rc = pvhv_domain_create(t->h, path, out, err, sizeof(err));
	if (rc)
		fprintf(stderr, "create %s: %s\n", name, err);
	return rc;
}

struct console_acc {
	char buf[65536 + 1];
	size_t len;
};

static void console_cb(struct pvhv *h, domid_t dom, const char *buf,
		       size_t len, void *arg)
{
	struct console_acc *a = arg;

	(void)h;
	(void)dom;
	if (len > sizeof(a->buf) - 1 - a->len)
		len = sizeof(a->buf) - 1 - a->len;
	memcpy(a->buf + a->len, buf, len);
	a->len += len;
	a->buf[a->len] = '\0';
}

struct console_into {
	char *buf;
	size_t len, cap;
};

static void console_into_cb(struct pvhv *h, domid_t dom, const char *buf,
			    size_t len, void *arg)
{
	struct console_into *a = arg;

	(void)h;
	(void)dom;
	if (!buf)
		return;
	if (len > a->cap - 1 - a->len)
		len = a->cap - 1 - a->len;
	memcpy(a->buf + a->len, buf, len);
	a->len += len;
	a->buf[a->len] = '\0';
}

long hvt_console(struct hvt *t, domid_t dom, char *buf, size_t len)
{
	struct console_into a = {buf, 0, len};

	buf[0] = '\0';
	if (pvhv_domain_console(t->h, dom, 0, console_into_cb, &a))
		return -ESRCH;
	return (long)a.len;
}

int hvt_find_line(const char *text, const char *pattern, char *line,
		  size_t linelen)
{
	const char *hit = strstr(text, pattern), *start, *end;

	if (!hit)
		return -ENOENT;
	end = strchr(hit, '\n');
	if (!end)
		return -ENOENT; /* the line is not complete yet */
	for (start = hit; start > text && start[-1] != '\n'; start--)
		;
	snprintf(line, linelen, "%.*s", (int)(end - start), start);
	return 0;
}

int hvt_console_expect(struct hvt *t, domid_t dom, const char *pattern,
		       char *line, size_t linelen, int timeout_ms)
{
	static struct console_acc acc;

	for (int waited = 0; waited <= timeout_ms; waited += 5) {
		acc.len = 0;
		acc.buf[0] = '\0';
		if (pvhv_domain_console(t->h, dom, 0, console_cb, &acc))
			return -ESRCH;
		if (hvt_find_line(acc.buf, pattern, line, linelen) == 0)
			return 0;
		sleep_ms(5);
	}
	fprintf(stderr, "console of dom%u has no '%s' after %d ms:\n%s\n",
		dom, pattern, timeout_ms, acc.buf);
	return -ETIMEDOUT;
}

long hvt_last_field(struct hvt *t, domid_t dom, const char *key)
{
	static struct console_acc acc;
	char k[64];
	const char *p, *last = NULL;

	acc.len = 0;
	acc.buf[0] = '\0';
	if (pvhv_domain_console(t->h, dom, 0, console_cb, &acc))
		return -1;
	snprintf(k, sizeof(k), "%s=", key);
	for (p = acc.buf; (p = strstr(p, k)); p++)
		last = p;
	return last ? strtol(last + strlen(k), NULL, 0) : -1;
}

long hvt_field(const char *line, const char *key)
{
	char k[64];
	const char *p;

	snprintf(k, sizeof(k), "%s=", key);
	p = strstr(line, k);
	if (!p)
		return -1;
	return strtol(p + strlen(k), NULL, 0);
}

int hvt_wait_event(struct pvhv_port *p, int timeout_ms)
{
	struct pollfd pfd = { .fd = pvhv_port_fd(p), .events = POLLIN };

	for (;;) {
		int n = pvhv_port_drain(p);

		if (n != 0)
			return n > 0 ? 0 : n;
		if (poll(&pfd, 1, timeout_ms) != 1) {
			fprintf(stderr, "no event on port %u in %d ms\n",
				pvhv_port_local(p), timeout_ms);
			return -ETIMEDOUT;
		}
	}
}

int hvt_sh(char *out, size_t outlen, const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	FILE *p;
	size_t n = 0;
	int status;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	strncat(cmd, " 2>&1", sizeof(cmd) - strlen(cmd) - 1);
	p = popen(cmd, "r");
	if (!p)
		return -errno;
	while (out && n + 1 < outlen) {
		size_t r = fread(out + n, 1, outlen - 1 - n, p);

		if (r == 0)
			break;
		n += r;
	}
	if (out)
		out[n] = '\0';
	else
		while (fgetc(p) != EOF)
			;
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int hvt_count_fds(pid_t pid)
{
	char path[64];
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while (readdir(d))
		n++;
	closedir(d);
	return n - 2;
}

long hvt_rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

int hvt_count_children(pid_t pid)
{
	char path[300], line[512];
	struct dirent *e;
	DIR *d = opendir("/proc");
	int n = 0;

	while (d && (e = readdir(d))) {
		FILE *f;
		int ppid = -1;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f)) {
			char *rp = strrchr(line, ')');

			if (rp && sscanf(rp + 2, "%*c %d", &ppid) == 1 &&
			    ppid == pid)
				n++;
		}
		fclose(f);
	}
	if (d)
		closedir(d);
	return n;
}

unsigned int hvt_file_count(const char *path, const char *pattern)
{
	char buf[4096];
	FILE *f = fopen(path, "r");
	unsigned int n = 0;

	while (f && fgets(buf, sizeof(buf), f))
		n += strstr(buf, pattern) != NULL;
	if (f)
		fclose(f);
	return n;
}

int hvt_daemon_start(const char *const *argv, const char *log,
		     const char *ready, int timeout_ms, pid_t *pid)
{
	int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	pid_t p;

	if (fd < 0)
		return -errno;
	p = fork();
	if (p < 0) {
		close(fd);
		return -errno;
	}
	if (p == 0) {
		/* a test that dies must not leave its daemon behind */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(fd, STDERR_FILENO);
		dup2(fd, STDOUT_FILENO);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fd);
	*pid = p;
	for (int t = 0; t <= timeout_ms; t += 5) {
		if (hvt_file_count(log, ready))
			return 0;
		if (waitpid(p, NULL, WNOHANG) == p) {
			*pid = 0;
			return -ECHILD;
		}
		sleep_ms(5);
	}
	return -ETIMEDOUT;
}
