/*
 * input_util.c — see input_util.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "input_util.h"

static void nap(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

static bool file_has(const char *path, const char *pattern)
{
	char buf[1 << 16];
	FILE *f = fopen(path, "r");
	bool hit = false;

	if (!f)
		return false;
	while (!hit && fgets(buf, sizeof(buf), f))
		hit = strstr(buf, pattern) != NULL;
	fclose(f);
	return hit;
}

bool kbt_backd_said(struct kbt *k, const char *pattern)
{
	return file_has(k->blog, pattern);
}

unsigned int kbt_backd_count(struct kbt *k, const char *pattern)
{
	char buf[1 << 12];
	FILE *f = fopen(k->blog, "r");
	unsigned int n = 0;

	while (f && fgets(buf, sizeof(buf), f))
		n += strstr(buf, pattern) != NULL;
	if (f)
		fclose(f);
	return n;
}

int kbt_backd_start(struct kbt *k)
{
	char src[320];
	const char *argv[] = {PVBACKD_BIN, "--rundir", k->t.rundir,
			      "--input-source", src, "--verbose", NULL};

	snprintf(src, sizeof(src), "script:%s", k->fifo);
	return hvt_daemon_start(argv, k->blog, "pvbackd: ready", 5000,
				&k->backd);
}

int kbt_backd_stop(struct kbt *k, int sig)
{
	return hvt_kill_wait(&k->backd, sig);
}

int kbt_start(struct kbt *k)
{
	int rc;

	memset(k, 0, sizeof(*k));
	k->fifo_fd = -1;
	rc = hvt_start(&k->t, NULL);
	if (rc)
		return rc;
	snprintf(k->fifo, sizeof(k->fifo), "%s/input.fifo", k->t.rundir);
	snprintf(k->blog, sizeof(k->blog), "%s/pvbackd.log", k->t.rundir);
	if (mkfifo(k->fifo, 0600))
		return -errno;
	/* Our end first, read-write: opening never waits for pvbackd. */
	k->fifo_fd = open(k->fifo, O_RDWR | O_CLOEXEC);
	if (k->fifo_fd < 0)
		return -errno;
	rc = pvhv_store_open(k->t.rundir, 0, &k->st);
	return rc ? rc : kbt_backd_start(k);
}

int kbt_stop(struct kbt *k)
{
	int status = kbt_backd_stop(k, SIGTERM), rc;

	if (k->fifo_fd >= 0)
		close(k->fifo_fd);
	pvhv_store_close(k->st);
	rc = hvt_stop(&k->t);
	if (status != -1 && (!WIFEXITED(status) || WEXITSTATUS(status))) {
		fprintf(stderr, "pvbackd ended with status 0x%x\n", status);
		return -EIO;
	}
	return rc;
}

int kbt_send(struct kbt *k, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(line) - 1)
		return -E2BIG;
	line[n++] = '\n';
	return write(k->fifo_fd, line, (size_t)n) == n ? 0 : -EIO;
}

int kbt_guest(struct kbt *k, const char *name, const char *cmdline,
	      const char *cfg, domid_t *dom)
{
	return hvt_create(&k->t, name, "guest_input", cmdline,
			  cfg ? cfg : KBT_VKB, dom);
}

size_t kbt_console(struct kbt *k, domid_t dom, char *buf, size_t len)
{
	long n = hvt_console(&k->t, dom, buf, len);

	return n < 0 ? 0 : (size_t)n;
}

unsigned int kbt_count(struct kbt *k, domid_t dom, const char *pattern)
{
	static char buf[1 << 20];
	unsigned int n = 0;

	kbt_console(k, dom, buf, sizeof(buf));
	for (const char *p = buf; (p = strstr(p, pattern)); p++)
		n++;
	return n;
}

unsigned int kbt_removals(struct kbt *k, domid_t dom)
{
	char said[96];

	snprintf(said, sizeof(said), "backend/vinput/%u/0: removed", dom);
	return kbt_backd_count(k, said);
}

int kbt_wait_removed(struct kbt *k, domid_t dom, unsigned int before,
		     int timeout_ms)
{
	for (int t = 0; t <= timeout_ms; t += 5) {
		if (kbt_removals(k, dom) > before)
			return 0;
		nap(5);
	}
	fprintf(stderr, "pvbackd did not remove dom%u's device\n", dom);
	kbt_dump(k, dom);
	return -ETIMEDOUT;
}

void kbt_dump(struct kbt *k, domid_t dom)
{
	static char buf[1 << 16];
	size_t n = kbt_console(k, dom, buf, sizeof(buf));
	char cmd[400];

	fprintf(stderr, "--- the end of dom%u's console:\n%s\n", dom,
		buf + (n > 1500 ? n - 1500 : 0));
	fprintf(stderr, "--- the end of pvbackd's log:\n");
	snprintf(cmd, sizeof(cmd), "tail -n 25 %s >&2", k->blog);
	if (system(cmd))
		fprintf(stderr, "(cannot show %s)\n", k->blog);
}

int kbt_wait_count(struct kbt *k, domid_t dom, const char *pattern,
		   unsigned int n, int timeout_ms)
{
	for (int t = 0; t <= timeout_ms; t += 5) {
		if (kbt_count(k, dom, pattern) >= n)
			return 0;
		nap(5);
	}
	fprintf(stderr, "dom%u: '%s' seen %u times, not %u\n", dom, pattern,
		kbt_count(k, dom, pattern), n);
	kbt_dump(k, dom);
	return -ETIMEDOUT;
}

int kbt_wait_field(struct kbt *k, domid_t dom, const char *key, long v,
		   int timeout_ms)
{
	for (int t = 0; t <= timeout_ms; t += 5) {
		if (hvt_last_field(&k->t, dom, key) >= v)
			return 0;
		nap(5);
	}
	fprintf(stderr, "dom%u: last %s= is %ld, not %ld\n", dom, key,
		hvt_last_field(&k->t, dom, key), v);
	kbt_dump(k, dom);
	return -ETIMEDOUT;
}

int kbt_back_read(struct kbt *k, domid_t dom, unsigned int dev, const char *key,
		  char *buf, size_t len)
{
	char path[256];

	snprintf(path, sizeof(path), "/local/domain/0/backend/vinput/%u/%u/%s",
		 dom, dev, key);
	return hvt_store_get(k->st, path, buf, len);
}

int kbt_back_wait(struct kbt *k, domid_t dom, unsigned int dev, const char *key,
		  const char *want, int timeout_ms)
{
	char path[256];

	snprintf(path, sizeof(path), "/local/domain/0/backend/vinput/%u/%u/%s",
		 dom, dev, key);
	return hvt_store_wait(k->st, path, want, timeout_ms);
}
