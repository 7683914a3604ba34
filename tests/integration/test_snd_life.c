/*
 * test_snd_life — the sound device through guests and backends that go
 * away: pvhv, pvbackd --backends snd and process guests running
 * guests/guest_snd.c, as in test_snd_tone (WAV host side) and
 * test_snd_alsa_e2e (ALSA, a file PCM over the pvclock clock).
 *
 *   guest_killed_wav   a guest plays 440 Hz for 6 s while, one after the
 *                      other, up to four guests start a 660 Hz tone and
 *                      are killed (SIGKILL) mid-stream: each dead guest's
 *                      device goes (pvbackd says it removed it), pvbackd
 *                      stays up, its open descriptors and resident memory
 *                      do not grow from one killed guest to the next (RSS
 *                      within 512 KiB; not under ASan, whose quarantine
 *                      keeps freed memory: there LeakSanitizer at
 *                      pvbackd's exit is the judge), and
 *                      the survivor's file holds its whole tone, no gaps
 *   guest_killed_alsa  the same with both guests mixed into one clocked
 *                      ALSA PCM: the survivor's 440 Hz runs unbroken at
 *                      its level through the other's death, the killed
 *                      guest's 660 Hz stops in one piece
 *   backend_restart    pvbackd is killed (SIGKILL) while a guest plays a
 *                      4 s tone, and started again.  What happens: the
 *                      guest's pending write fails (the old backend never
 *                      answers: a timeout, or the new one does not know
 *                      the stream), guest_snd's retry mode closes and
 *                      opens the stream again once the card is connected
 *                      and plays the rest; the new pvbackd writes the
 *                      file afresh from that open (a WAV stream's file is
 *                      truncated at OPEN) and it holds the rest of the
 *                      tone, its length what the guest handed over after
 *                      reopening, no gaps.  What the old backend had not
 *                      played is lost.
 *   backend_restart_resume  the same with sndfront's resume (guest_snd
 *                      resume): the frontend reopens and restarts the
 *                      stream by itself, no write fails, the stream says
 *                      reopened=1, and the new file holds the rest of the
 *                      tone in one piece at its level.
 *   backend_restart_alsa  the same on ALSA (a file PCM over pvclock, which
 *                      the new pvbackd opens afresh).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "snd_util.h"

static struct sndt s;
static char out_wav[400];

static void nap(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

static void guest(const char *name, const char *uid, const char *cmd,
		  domid_t *dom)
{
	char cfg[512];

	sndt_vsnd(cfg, sizeof(cfg), 48000, "s16_le", uid, 'p');
	assert_int_equal(sndt_guest(&s, name, cmd, cfg, dom), 0);
}

/* Kill dom's process mid-stream; wait until pvbackd let its device go
 * and the domain is gone. */
static void kill_guest(domid_t dom)
{
	char said[96];
	pid_t pid = sndt_guest_pid(&s, dom);
	unsigned int before;
	int t;

	snprintf(said, sizeof(said), "vsnd/%u/0: removed", dom);
	before = sndt_backd_count(&s, said);
	assert_true(pid > 0);
	assert_int_equal(kill(pid, SIGKILL), 0);
	pvhv_domain_wait(s.t.h, dom, NULL);
	for (t = 0; t < 10000 && sndt_backd_count(&s, said) == before; t += 10)
		nap(10);
	if (sndt_backd_count(&s, said) == before)
		sndt_dump(&s, 0);
	assert_true(sndt_backd_count(&s, said) > before);
	/* and pvbackd is still there */
	assert_int_equal(kill(s.backd, 0), 0);
	assert_int_equal(waitpid(s.backd, NULL, WNOHANG), 0);
}

static int setup_wav(void **state)
{
	(void)state;
	return sndt_start(&s, NULL);
}

static int setup_clock(void **state)
{
	char dir[] = "/tmp/pvkit-snd-life-XXXXXX";

	(void)state;
#ifdef SND_E2E_CLOCK
	if (!sndt_have_alsa())
		return 0;
	if (!mkdtemp(dir))
		return -1;
	snprintf(out_wav, sizeof(out_wav), "%s/out.wav", dir);
	setenv("SND_E2E_OUT", out_wav, 1);
	setenv("SND_E2E_STATS", "", 1);
	setenv("ALSA_CONFIG_PATH", SND_E2E_CONF, 1);
	return sndt_start(&s, "alsa:e2e_clocked");
#else
	(void)dir;
	return 0;
#endif
}

static int teardown(void **state)
{
	int rc;

	(void)state;
	if (!s.t.h)
		return 0; /* skipped */
	rc = sndt_stop(&s);
	memset(&s, 0, sizeof(s));
	if (out_wav[0]) {
		unlink(out_wav);
		*strrchr(out_wav, '/') = '\0';
		rmdir(out_wav);
		out_wav[0] = '\0';
	}
	return rc;
}

static void guest_killed_wav(void **state)
{
	enum { CYCLES = 4 };
	int fds[CYCLES];
	long rss[CYCLES];
	char path[400], line[256];
	domid_t surv;
	int n = 0;

	(void)state;
	guest("surv", "surv", "ms=6000 freq=440 amp=50", &surv);
	assert_int_equal(
	    sndt_expect(&s, surv, "PROGRESS ms=100", NULL, 0, 20000), 0);
	while (n < CYCLES && !sndt_said(&s, surv, "PLAYED")) {
		char name[32];
		domid_t v;

		snprintf(name, sizeof(name), "victim%d", n);
		guest(name, name, "ms=5000 freq=660 amp=50", &v);
		assert_int_equal(
		    sndt_expect(&s, v, "PROGRESS ms=300", NULL, 0, 20000), 0);
		kill_guest(v);
		fds[n] = hvt_count_fds(s.backd);
		rss[n] = hvt_rss_kib(s.backd);
		printf("killed dom%u mid-stream: its device removed; pvbackd "
		       "%d fds, %ld KiB resident\n",
		       v, fds[n], rss[n]);
		n++;
	}
	assert_int_equal(sndt_expect(&s, surv, "DONE", NULL, 0, 30000), 0);
	assert_int_equal(
	    sndt_expect(&s, surv, "PLAYED", line, sizeof(line), 0), 0);
	printf("survivor: %s (%d guests killed while it played)\n", line, n);
	/* killed while the survivor played; a machine too slow for two
	 * is too slow for this test's point */
	assert_true(n >= 2);
	/* nothing grows from one killed guest to the next (the first may
	 * have warmed up allocators) */
	assert_true(fds[n - 1] <= fds[0]);
#if defined(__SANITIZE_ADDRESS__)
	/* ASan keeps freed memory in quarantine: resident memory grows by
	 * design; LeakSanitizer judges pvbackd's memory at its exit (a leak
	 * makes its status non-zero, which teardown checks) */
	printf("ASan build: resident memory grew %ld KiB, not judged\n",
	       rss[n - 1] - rss[0]);
#else
	assert_true(rss[n - 1] <= rss[0] + 512);
#endif
	sndt_wav(&s, path, sizeof(path), surv, "surv", NULL);
	assert_int_equal(
	    sndt_check("tone '%s' 440 6000 48000 2 1 0.5", path), 0);
}

static void guest_killed_alsa(void **state)
{
	domid_t surv, v;
	char line[256];

	(void)state;
	if (!s.t.h)
		skip(); /* no ALSA host side or no pvclock */
	guest("surv", "surv", "ms=2500 freq=440 amp=25 buf=65536", &surv);
	assert_int_equal(
	    sndt_expect(&s, surv, "PROGRESS ms=100", NULL, 0, 20000), 0);
	guest("victim", "victim", "ms=2000 freq=660 amp=25 buf=65536", &v);
	assert_int_equal(sndt_expect(&s, v, "PROGRESS ms=800", NULL, 0, 20000),
			 0);
	kill_guest(v);
	printf("killed dom%u mid-stream: its device removed, pvbackd up\n", v);
	assert_int_equal(sndt_expect(&s, surv, "DONE", NULL, 0, 30000), 0);
	assert_int_equal(
	    sndt_expect(&s, surv, "PLAYED", line, sizeof(line), 0), 0);
	printf("survivor: %s\n", line);
	/* the file is complete once the PCM closed: at the survivor's
	 * CLOSE, before its DONE */
	assert_int_equal(
	    sndt_check("mix '%s' 48000 2 0.25 440:2500 660:0", out_wav), 0);
}

static void backend_restart(void **state)
{
	char path[400], line[256];
	domid_t dom;
	long at, bytes;
	int st;

	(void)state;
	guest("player", "player", "ms=4000 freq=440 amp=50 retry", &dom);
	assert_int_equal(
	    sndt_expect(&s, dom, "PROGRESS ms=1000", NULL, 0, 20000), 0);
	st = sndt_backd_stop(&s, SIGKILL);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	printf("pvbackd killed with the guest at %ld ms\n",
	       hvt_last_field(&s.t, dom, "ms"));
	nap(300);
	assert_int_equal(sndt_backd_start(&s), 0);
	assert_int_equal(sndt_expect(&s, dom, "DONE", NULL, 0, 60000), 0);
	assert_int_equal(sndt_expect(&s, dom, "LOST", line, sizeof(line), 0),
			 0);
	printf("guest: %s\n", line);
	assert_int_equal(
	    sndt_expect(&s, dom, "REOPENED", line, sizeof(line), 0), 0);
	printf("guest: %s\n", line);
	at = hvt_field(line, "at");
	assert_int_equal(
	    sndt_expect(&s, dom, "PLAYED", line, sizeof(line), 0), 0);
	printf("guest: %s\n", line);
	bytes = hvt_field(line, "bytes");
	assert_true(at > 0 && bytes > at);
	sndt_wav(&s, path, sizeof(path), dom, "player", NULL);
	/* what the new backend got: the rest of the tone, from the reopen */
	assert_int_equal(sndt_check("tone '%s' 440 %.3f 48000 2 1 0.5", path,
				    (double)(bytes - at) / 192.0),
			 0);
}

/* The same with the frontend resuming by itself (sndfront's resume):
 * the guest's writes never fail; it reopens once.  path: the output file
 * (NULL: the WAV host side's file of the guest's stream). */
static void restart_resume(const char *path)
{
	char line[256], wav[400];
	domid_t dom;
	int st;

	guest("player", "player", "ms=4000 freq=440 amp=50 resume", &dom);
	assert_int_equal(
	    sndt_expect(&s, dom, "PROGRESS ms=1000", NULL, 0, 20000), 0);
	st = sndt_backd_stop(&s, SIGKILL);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	printf("pvbackd killed with the guest at %ld ms\n",
	       hvt_last_field(&s.t, dom, "ms"));
	nap(300);
	assert_int_equal(sndt_backd_start(&s), 0);
	assert_int_equal(sndt_expect(&s, dom, "DONE", NULL, 0, 60000), 0);
	assert_int_equal(
	    sndt_expect(&s, dom, "PLAYED", line, sizeof(line), 0), 0);
	printf("guest: %s\n", line);
	assert_false(sndt_said(&s, dom, "LOST"));
	assert_int_equal(hvt_field(line, "reopened"), 1);
	if (sndt_said(&s, dom, "LINK down"))
		printf("the card's link went down and came up again\n");
	/* the new backend's file: the tone from the reopen on, in one
	 * piece at the guest's level (its length is what the frontend sent
	 * again plus the rest: any) */
	if (!path)
		path = sndt_wav(&s, wav, sizeof(wav), dom, "player", NULL);
	assert_int_equal(
	    sndt_check("mix '%s' 48000 2 0.5 440:0", path), 0);
}

static void backend_restart_resume(void **state)
{
	(void)state;
	restart_resume(NULL);
}

/* And on ALSA (the clocked file PCM, opened afresh by the new pvbackd). */
static void backend_restart_alsa(void **state)
{
	(void)state;
	if (!s.t.h)
		skip(); /* no ALSA host side or no pvclock */
	restart_resume(out_wav);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(guest_killed_wav, setup_wav,
					    teardown),
	    cmocka_unit_test_setup_teardown(guest_killed_alsa, setup_clock,
					    teardown),
	    cmocka_unit_test_setup_teardown(backend_restart, setup_wav,
					    teardown),
	    cmocka_unit_test_setup_teardown(backend_restart_resume, setup_wav,
					    teardown),
	    cmocka_unit_test_setup_teardown(backend_restart_alsa, setup_clock,
					    teardown),
	};

	if (!sndt_have_numpy()) {
		printf("SKIP: no numpy under /usr/bin/python3: the tones "
		       "cannot be checked\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
