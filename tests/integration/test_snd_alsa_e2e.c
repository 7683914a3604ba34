/*
 * test_snd_alsa_e2e — the sound device end to end on real libasound:
 * process guests (guests/guest_snd.c) play and record through pvhv and
 * pvbackd --backends snd --snd-host alsa:e2e_out, with ALSA_CONFIG_PATH
 * naming tests/integration/snd/asound.conf (file PCMs over null ones: no
 * sound card needed; the files come from SND_E2E_OUT / SND_E2E_IN).
 * Skipped, saying why, when pvbackd has no ALSA host side or python3 has
 * no numpy.
 *
 *   alsa_tone      the test: 1 s of 440 Hz, 48 kHz stereo S16_LE;
 *                  the WAV the PCM wrote holds 440 Hz within 1 Hz, the
 *                  guest's level, the length within one period, no gaps
 *   alsa_tone_clocked  the same into a file PCM over pvclock (a PCM
 *                  with a real-time clock, tests/unit/snd_alsa/pvclock.h):
 *                  the guest is paced by a card's clock
 *   alsa_mix       two guests at once, 440 Hz and 660 Hz, into the one
 *                  clocked PCM (mixed in pvbackd), the second joining
 *                  200 ms into the first's tone: both heard all along
 *                  at the level each played, no dip (a gap or a period
 *                  lost), their runs overlap.  Needs the clock: a PCM
 *                  that takes everything at once never waits for the
 *                  second guest (host_alsa.h: a PCM about to run dry
 *                  plays a laggard's part as silence), so there the two
 *                  tones would come one after the other.
 *   alsa_capture   a guest records 500 ms from e2e_in (unique-id
 *                  alsa:e2e_in): the bytes it read are the file's bytes,
 *                  exactly (CRC-32 and count), no leading silence
 *   alsa_route_refused  guests whose unique-id names a PCM with
 *                  arguments (alsa:file:FILE=PATH, alsa:tofile:FILE=PATH,
 *                  which would write PATH): their OPEN fails with
 *                  -EINVAL, pvbackd says why, no file appears, and a
 *                  guest on a plain route still plays
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "snd_util.h"
#ifdef SND_E2E_CLOCK
#include "pvclock.h"
#endif

static struct sndt s;
static char out_wav[400], in_raw[400], stats[400];

static int start(const char *host)
{
	char rundir[] = "/tmp/pvkit-snd-e2e-XXXXXX";

	/* the files' names go to pvbackd by its environment; the run
	 * directory is not known before pvhv starts, so they live in a
	 * directory of their own */
	if (!mkdtemp(rundir))
		return -1;
	snprintf(out_wav, sizeof(out_wav), "%s/out.wav", rundir);
	snprintf(in_raw, sizeof(in_raw), "%s/in.raw", rundir);
	snprintf(stats, sizeof(stats), "%s/clock.stats", rundir);
	setenv("SND_E2E_OUT", out_wav, 1);
	setenv("SND_E2E_IN", in_raw, 1);
	setenv("SND_E2E_STATS", stats, 1);
	setenv("ALSA_CONFIG_PATH", SND_E2E_CONF, 1);
	return sndt_start(&s, host);
}

/* The PCM: a file PCM over null (takes everything at once) */
static int setup(void **state)
{
	(void)state;
	return start("alsa:e2e_out");
}

/* or over pvclock (plays in real time, as a card). */
static int setup_clock(void **state)
{
	(void)state;
#ifdef SND_E2E_CLOCK
	return start("alsa:e2e_clocked");
#else
	return 0;
#endif
}

#ifdef SND_E2E_CLOCK
/* What the clock counted (frames played, underruns). */
static void clock_stats(struct pvclock_stats *st)
{
	FILE *f = fopen(stats, "rb");

	memset(st, 0, sizeof(*st));
	if (f) {
		if (fread(st, sizeof(*st), 1, f) != 1)
			memset(st, 0, sizeof(*st));
		fclose(f);
	}
	printf("pvclock: %llu frames played, %llu starts, %llu underruns\n",
	       (unsigned long long)st->frames, (unsigned long long)st->starts,
	       (unsigned long long)st->xruns);
}
#define NEED_CLOCK()
#else
#define NEED_CLOCK() skip()
#endif

static int teardown(void **state)
{
	char dir[400];
	int rc;

	(void)state;
	if (!s.t.h)
		return 0; /* skipped */
	rc = sndt_stop(&s);
	memset(&s, 0, sizeof(s));
	snprintf(dir, sizeof(dir), "%s", out_wav);
	*strrchr(dir, '/') = '\0';
	unlink(out_wav);
	unlink(in_raw);
	unlink(stats);
	rmdir(dir);
	return rc;
}

static void guest(const char *name, const char *uid, char type,
		  const char *cmd, domid_t *dom)
{
	char cfg[512];

	sndt_vsnd(cfg, sizeof(cfg), 48000, "s16_le", uid, type);
	assert_int_equal(sndt_guest(&s, name, cmd, cfg, dom), 0);
}

/* 1 s of 440 Hz, 48 kHz stereo S16_LE at half scale: 440 Hz within
 * 1 Hz, the length within one period, no gaps, the level. */
static void tone_1s(void)
{
	char line[256];
	domid_t dom;
	long period;

	/* periods of 25 ms: 1 s is 40 of them, and every byte's position
	 * event comes before the guest stops */
	guest("tone", "t0", 'p',
	      "ms=1000 rate=48000 ch=2 fmt=s16_le freq=440 amp=50 "
	      "buf=19200 period=4800",
	      &dom);
	assert_int_equal(
	    sndt_expect(&s, dom, "OPEN", line, sizeof(line), 20000), 0);
	period = hvt_field(line, "period");
	assert_true(period > 0);
	assert_int_equal(sndt_expect(&s, dom, "DONE", NULL, 0, 30000), 0);
	assert_int_equal(
	    sndt_expect(&s, dom, "PLAYED", line, sizeof(line), 0), 0);
	printf("guest: %s; period %ld bytes = %.2f ms\n", line, period,
	       (double)period / 4 / 48.0);
	assert_int_equal(sndt_check("tone '%s' 440 1000 48000 2 %.3f 0.5",
				    out_wav, (double)period / 4 / 48.0),
			 0);
}

static void alsa_tone(void **state)
{
	(void)state;
	tone_1s();
}

static void alsa_tone_clocked(void **state)
{
	(void)state;
	NEED_CLOCK();
#ifdef SND_E2E_CLOCK
	struct pvclock_stats st;

	tone_1s();
	clock_stats(&st);
	/* the clock played what the file holds */
	assert_true(st.frames >= 48000);
#endif
}

/* Two guests at once into one clocked PCM.  Buffers of 64 KiB (341 ms)
 * so a loaded machine does not make a guest late enough for the mixer
 * to play its part as silence. */
static void alsa_mix(void **state)
{
	domid_t a, b;
	int rc;

	(void)state;
	NEED_CLOCK();
	guest("mix_a", "a", 'p', "ms=1500 freq=440 amp=25 buf=65536", &a);
	/* the second joins a stream that is playing already */
	assert_int_equal(sndt_expect(&s, a, "PROGRESS ms=200", NULL, 0, 20000),
			 0);
	guest("mix_b", "b", 'p', "ms=1500 freq=660 amp=25 buf=65536", &b);
	assert_int_equal(sndt_expect(&s, a, "DONE", NULL, 0, 30000), 0);
	assert_int_equal(sndt_expect(&s, b, "DONE", NULL, 0, 30000), 0);
#ifdef SND_E2E_CLOCK
	{
		struct pvclock_stats st;

		clock_stats(&st);
	}
#endif
	rc = sndt_check("mix '%s' 48000 2 0.25 440:1500 660:1500", out_wav);
	if (rc) {
		sndt_dump(&s, a);
		sndt_dump(&s, b);
	}
	assert_int_equal(rc, 0);
}

static void alsa_capture(void **state)
{
	enum { MS = 500, BYTES = 48 * MS * 4 };
	static int16_t src[BYTES / 2 + 48000];
	char line[256];
	uint32_t crc;
	domid_t dom;
	FILE *f;

	(void)state;
	/* a tone with a little noise, never zero at the start: leading
	 * silence would show in lead= */
	srand(7);
	for (size_t i = 0; i < sizeof(src) / 2; i++)
		src[i] = (int16_t)(8000 + (int)(i % 977) * 17 +
				   (rand() % 64) - 32);
	f = fopen(in_raw, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(src, sizeof(src), 1, f), 1);
	fclose(f);
	guest("rec", "alsa:e2e_in", 'c', "mode=rec ms=500", &dom);
	assert_int_equal(
	    sndt_expect(&s, dom, "RECORDED", line, sizeof(line), 30000), 0);
	crc = sndt_crc32(0, src, BYTES);
	printf("guest: %s; the file's first %d bytes: crc=%08x\n", line, BYTES,
	       (unsigned int)crc);
	assert_int_equal(hvt_field(line, "bytes"), BYTES);
	assert_int_equal(hvt_field(line, "lead"), 0);
	assert_int_equal(strtoul(strstr(line, "crc=") + 4, NULL, 16), crc);
	assert_int_equal(sndt_expect(&s, dom, "DONE", NULL, 0, 10000), 0);
}

/* A guest whose unique-id is uid (a PCM with arguments, which would
 * write evil): its OPEN fails with -EINVAL, pvbackd says why, no file. */
static void refused(const char *name, const char *uid, const char *evil)
{
	char cfg[1024], line[256];
	unsigned int before = sndt_backd_count(&s, "refused");
	size_t n;
	domid_t dom;

	/* kept when its process ends, so its console can be read */
	sndt_vsnd(cfg, sizeof(cfg), 48000, "s16_le", uid, 'p');
	n = strlen(cfg);
	snprintf(cfg + n, sizeof(cfg) - n,
		 "\non_poweroff = \"preserve\"\non_crash = \"preserve\"\n");
	assert_int_equal(sndt_guest(&s, name, "ms=200", cfg, &dom), 0);
	assert_int_equal(hvt_console_expect(&s.t, dom, "FAILED", line,
					    sizeof(line), 20000),
			 0);
	printf("%s: guest: %s\n", uid, line);
	/* its OPEN answered -EINVAL */
	assert_non_null(strstr(line, "sndfront_stream_open"));
	assert_non_null(strstr(line, strerror(EINVAL)));
	assert_true(sndt_backd_count(&s, "refused") > before);
	assert_int_equal(access(evil, F_OK), -1);
}

/* The unique-id is in the guest's own, guest-writable directory: a PCM
 * with arguments in it would hand the guest dom0's files. */
static void alsa_route_refused(void **state)
{
	char evil[400], uid[450];

	(void)state;
	snprintf(evil, sizeof(evil), "%s", out_wav);
	strcpy(strrchr(evil, '/'), "/evil.raw");
	/* ALSA's own file PCM (not in this configuration) */
	snprintf(uid, sizeof(uid), "alsa:file:FILE=%s", evil);
	refused("evil1", uid, evil);
	/* one this configuration has: without the check, it writes evil */
	snprintf(uid, sizeof(uid), "alsa:tofile:FILE=%s", evil);
	refused("evil2", uid, evil);
	/* and a guest with a plain route still plays */
	tone_1s();
	assert_int_equal(access(evil, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(alsa_tone, setup, teardown),
	    cmocka_unit_test_setup_teardown(alsa_tone_clocked, setup_clock,
					    teardown),
	    cmocka_unit_test_setup_teardown(alsa_mix, setup_clock, teardown),
	    cmocka_unit_test_setup_teardown(alsa_capture, setup, teardown),
	    cmocka_unit_test_setup_teardown(alsa_route_refused, setup,
					    teardown),
	};

	if (!sndt_have_alsa()) {
		printf("SKIP: this pvbackd has no ALSA host side (built "
		       "without libasound2-dev)\n");
		return 77;
	}
	if (!sndt_have_numpy()) {
		printf("SKIP: no numpy under /usr/bin/python3: the tones "
		       "cannot be checked\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
