/*
 * test_snd_tone — the sound device end to end: a process guest
 * (guests/guest_snd.c, frontends/snd) plays a sine tone through pvhv to
 * the vsnd backend (backends/snd on libpvback, in snd_testd) with the WAV
 * host side; the WAV file must hold that tone (pitch, length, no gaps),
 * checked by SND_TONE_CHECK (python3 with numpy; skipped without).
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct hvt t;
static pid_t testd;
static char wavdir[300];

static int testd_start(void)
{
	int p[2];
	char buf[16] = "";
	ssize_t n = 0;
	char log[400];

	snprintf(log, sizeof(log), "%s/snd_testd.log", t.rundir);
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	testd = fork();
	if (testd < 0)
		return -errno;
	if (testd == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (fd >= 0)
			dup2(fd, 2);
		dup2(p[1], 1);
		execl(SND_TESTD, "snd_testd", t.rundir, wavdir, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	for (int i = 0; i < 2000 && n <= 0; i++) {
		struct timespec ts = {0, 5000000};

		n = read(p[0], buf, sizeof(buf) - 1);
		if (n <= 0)
			nanosleep(&ts, NULL);
	}
	close(p[0]);
	return n > 0 && !strncmp(buf, "READY", 5) ? 0 : -ETIMEDOUT;
}

static int tone(const char *name, unsigned int rate, const char *fmt,
		unsigned int ch, unsigned int ms)
{
	char cfg[512], cmd[300], check[900], line[256];
	domid_t dom;
	int rc;

	snprintf(cfg, sizeof(cfg),
		 "vsnd = [ [ \"CARD, short-name=Test, sample-rates=%u, "
		 "sample-formats=%s\", \"PCM, name=p0\", "
		 "\"STREAM, unique-id=%s, type=p\" ] ]\n",
		 rate, fmt, name);
	snprintf(cmd, sizeof(cmd), "ms=%u rate=%u ch=%u fmt=%s freq=440", ms,
		 rate, ch, fmt);
	rc = hvt_create(&t, name, "guest_snd", cmd, cfg, &dom);
	if (rc) {
		fprintf(stderr, "create %s: %d\n", name, rc);
		return 1;
	}
	rc = hvt_console_expect(&t, dom, "DONE", line, sizeof(line), 30000);
	if (rc) {
		snprintf(check, sizeof(check),
			 "tail -n 40 '%s' '%s/snd_testd.log' >&2", t.log,
			 t.rundir);
		if (system(check) < 0)
			perror("system");
		return 1;
	}
	snprintf(check, sizeof(check), "%s '%s/%s.wav' 440 %u %u %u",
		 SND_TONE_CHECK, wavdir, name, ms, rate, ch);
	rc = system(check);
	if (rc != 0) {
		fprintf(stderr, "tone check failed: %s\n", check);
		return 1;
	}
	printf("ok %s: %u Hz %s x%u, %u ms\n", name, rate, fmt, ch, ms);
	return 0;
}

int main(void)
{
	int fails = 0, status = 0;

	if (system("/usr/bin/python3 -c 'import numpy' 2>/dev/null") != 0) {
		printf("SKIP: no numpy under /usr/bin/python3\n");
		return 77;
	}
	if (hvt_start(&t, NULL)) {
		fprintf(stderr, "pvhv did not start\n");
		return 1;
	}
	/* in the run directory, which hvt_stop() empties (files only) */
	snprintf(wavdir, sizeof(wavdir), "%s", t.rundir);
	if (testd_start()) {
		fprintf(stderr, "snd_testd did not start\n");
		hvt_stop(&t);
		return 1;
	}
	fails += tone("s16", 48000, "s16_le", 2, 500);
	fails += tone("f32", 44100, "float_le", 1, 300);
	fails += tone("s32", 48000, "s32_le", 2, 250);
	if (testd > 0) {
		kill(testd, SIGTERM);
		waitpid(testd, &status, 0);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "snd_testd ended with status %#x\n", status);
		fails++;
	}
	if (hvt_stop(&t))
		fails++;
	return fails ? 1 : 0;
}
