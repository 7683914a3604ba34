/*
 * pvback_util.c — see pvback_util.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pvback_util.h"

#define CONSOLE_MAX (64 * 1024 + 1)

static void nap(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

unsigned int pbt_loops(unsigned int def)
{
	const char *v = getenv("PVBACK_TEST_LOOPS");

	return v && atoi(v) > 0 ? (unsigned int)atoi(v) : def;
}

bool pbt_testd_said(struct pbt *k, const char *pattern)
{
	char buf[4096];
	FILE *f = fopen(k->log, "r");
	bool hit = false;

	if (!f)
		return false;
	while (!hit && fgets(buf, sizeof(buf), f))
		hit = strstr(buf, pattern) != NULL;
	fclose(f);
	return hit;
}

static void testd_exec(struct pbt *k, int out)
{
	int fd = open(k->log, O_WRONLY | O_CREAT | O_APPEND, 0644);

	if (fd >= 0)
		dup2(fd, 2);
	dup2(out, 1);
	execl(PVBACK_TESTD, "pvback_testd", k->t.rundir, (char *)NULL);
	_exit(127);
}

/* READY on the pipe, or the process gone. */
static int wait_ready(struct pbt *k, int fd)
{
	char buf[16] = "";
	ssize_t n = 0;

	for (int i = 0; i < 2000 && n <= 0; i++) {
		n = read(fd, buf, sizeof(buf) - 1);
		if (n <= 0 && waitpid(k->testd, NULL, WNOHANG) == k->testd) {
			k->testd = 0;
			return -ECHILD;
		}
		if (n <= 0)
			nap(5);
	}
	return n > 0 && strncmp(buf, "READY", 5) == 0 ? 0 : -ETIMEDOUT;
}

int pbt_testd_start(struct pbt *k)
{
	int p[2], rc;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		testd_exec(k, p[1]);
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	k->testd = pid;
	rc = wait_ready(k, p[0]);
	close(p[0]);
	return rc;
}

int pbt_testd_stop(struct pbt *k, int sig)
{
	return hvt_kill_wait(&k->testd, sig);
}

int pbt_start(struct pbt *k)
{
	int rc;

	memset(k, 0, sizeof(*k));
	rc = hvt_start(&k->t, NULL);
	if (rc)
		return rc;
	snprintf(k->log, sizeof(k->log), "%s/pvback_testd.log", k->t.rundir);
	rc = pvhv_store_open(k->t.rundir, 0, &k->st);
	return rc ? rc : pbt_testd_start(k);
}

int pbt_stop(struct pbt *k)
{
	int status = pbt_testd_stop(k, SIGTERM), rc;

	pvhv_store_close(k->st);
	rc = hvt_stop(&k->t);
	if (status != -1 && (!WIFEXITED(status) || WEXITSTATUS(status))) {
		fprintf(stderr, "pvback_testd ended with status 0x%x\n",
			status);
		return -EIO;
	}
	return rc;
}

int pbt_guest(struct pbt *k, const char *name, const char *cmdline,
	      unsigned int ndev, domid_t *dom)
{
	char cfg[256] = "pvcalls = [ ";

	for (unsigned int i = 0; i < ndev; i++)
		strcat(cfg, i ? ", \"\"" : "\"\"");
	strcat(cfg, " ]\n");
	return hvt_create(&k->t, name, "guest_pvback_echo", cmdline,
			  ndev ? cfg : "", dom);
}

/* What pvhv and the backend said, for a failure's post-mortem. */
static void dump_logs(struct pbt *k)
{
	char cmd[700];

	snprintf(cmd, sizeof(cmd), "tail -n 150 '%s' '%s' >&2", k->t.log,
		 k->log);
	if (system(cmd) < 0)
		perror("system");
}

int pbt_expect(struct pbt *k, domid_t dom, const char *pattern)
{
	char line[256];
	int rc =
	    hvt_console_expect(&k->t, dom, pattern, line, sizeof(line), 20000);

	if (rc)
		dump_logs(k);
	return rc;
}

unsigned int pbt_count(struct pbt *k, domid_t dom, const char *pattern)
{
	char *buf = malloc(CONSOLE_MAX);
	unsigned int n = 0;

	if (buf && hvt_console(&k->t, dom, buf, CONSOLE_MAX) >= 0)
		for (const char *p = buf; (p = strstr(p, pattern)); p++)
			n++;
	free(buf);
	return n;
}

int pbt_be_read(struct pbt *k, domid_t dom, unsigned int dev, const char *key,
		char *buf, size_t len)
{
	char path[256];

	snprintf(path, sizeof(path), "/local/domain/0/backend/pvcalls/%u/%u/%s",
		 dom, dev, key);
	return hvt_store_get(k->st, path, buf, len);
}

int pbt_be_wait(struct pbt *k, domid_t dom, unsigned int dev, const char *key,
		const char *want, int timeout_ms)
{
	char path[256];

	snprintf(path, sizeof(path), "/local/domain/0/backend/pvcalls/%u/%u/%s",
		 dom, dev, key);
	return hvt_store_wait(k->st, path, want, timeout_ms);
}

int pbt_fds(struct pbt *k)
{
	return hvt_count_fds(k->testd);
}

int pbt_maps(struct pbt *k)
{
	char path[64], line[512];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)k->testd);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}
