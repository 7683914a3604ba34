/*
 * test_snd_tone — the sound device end to end with the WAV host side:
 * process guests (guests/guest_snd.c on frontends/snd) play sine tones
 * through pvhv to pvbackd (--backends snd --snd-host wav:RUNDIR), and the
 * WAV file of each guest's stream (RUNDIR/<domid>-<unique-id>.wav) must
 * hold that tone: rate and
 * channels, length within 50 ms, pitch within 1 Hz on every channel, the
 * level the guest played, no gap (snd_tone.py, numpy; the test is skipped,
 * saying so, without numpy).
 *
 *   formats      48 kHz S16 stereo 500 ms, 44.1 kHz float mono 300 ms,
 *                48 kHz S32 stereo 250 ms, one guest after the other
 *   two_guests   two guests at once (440 Hz and 660 Hz): each its own
 *                file, each tone whole
 *   capture      a guest records from DIR/DOM-ID-in.wav (48 kHz S16 stereo
 *                500 ms, 44.1 kHz float mono 300 ms, 48 kHz S32 stereo
 *                250 ms in the extensible format sox writes for more
 *                than 16 bits or 2 channels): the bytes it read
 *                are the file's, exactly (CRC-32 and count), with no
 *                leading silence (the WAV side reads the file from its
 *                start at the first READ, so none is due)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "snd_util.h"

static struct sndt s;

static void play(const char *name, unsigned int rate, const char *fmt,
		 unsigned int ch, unsigned int ms, unsigned int hz,
		 domid_t *dom)
{
	char cfg[512], cmd[300];

	sndt_vsnd(cfg, sizeof(cfg), rate, fmt, name, 'p');
	snprintf(cmd, sizeof(cmd),
		 "ms=%u rate=%u ch=%u fmt=%s freq=%u amp=50", ms, rate, ch,
		 fmt, hz);
	assert_int_equal(sndt_guest(&s, name, cmd, cfg, dom), 0);
}

static void check_tone(domid_t dom, const char *name, unsigned int rate,
		       unsigned int ch, unsigned int ms, unsigned int hz)
{
	char path[400];

	sndt_wav(&s, path, sizeof(path), dom, name, NULL);
	assert_int_equal(sndt_check("tone '%s' %u %u %u %u 1 0.5", path, hz,
				    ms, rate, ch),
			 0);
}

static void formats(void **state)
{
	static const struct {
		const char *name, *fmt;
		unsigned int rate, ch, ms;
	} t[] = {
	    {"s16", "s16_le", 48000, 2, 500},
	    {"f32", "float_le", 44100, 1, 300},
	    {"s32", "s32_le", 48000, 2, 250},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char line[256];
		domid_t dom;

		play(t[i].name, t[i].rate, t[i].fmt, t[i].ch, t[i].ms, 440,
		     &dom);
		assert_int_equal(sndt_expect(&s, dom, "PLAYED", line,
					     sizeof(line), 30000),
				 0);
		assert_int_equal(sndt_expect(&s, dom, "DONE", NULL, 0, 10000),
				 0);
		printf("%s: guest %s\n", t[i].name, line);
		check_tone(dom, t[i].name, t[i].rate, t[i].ch, t[i].ms, 440);
		assert_int_equal(pvhv_domain_destroy(s.t.h, dom), 0);
		pvhv_domain_wait(s.t.h, dom, NULL);
	}
}

static void two_guests(void **state)
{
	domid_t a, b;

	(void)state;
	play("two_a", 48000, "s16_le", 2, 800, 440, &a);
	play("two_b", 48000, "s16_le", 2, 800, 660, &b);
	assert_int_equal(sndt_expect(&s, a, "DONE", NULL, 0, 30000), 0);
	assert_int_equal(sndt_expect(&s, b, "DONE", NULL, 0, 30000), 0);
	check_tone(a, "two_a", 48000, 2, 800, 440);
	check_tone(b, "two_b", 48000, 2, 800, 660);
	printf("two guests at once: %u-two_a.wav 440 Hz, %u-two_b.wav 660 "
	       "Hz\n",
	       a, b);
	pvhv_domain_destroy(s.t.h, a);
	pvhv_domain_destroy(s.t.h, b);
	pvhv_domain_wait(s.t.h, a, NULL);
	pvhv_domain_wait(s.t.h, b, NULL);
}

static void record(const char *name, unsigned int rate, const char *fmt,
		   unsigned int ch, unsigned int ms, bool ext)
{
	bool fl = !strcmp(fmt, "float_le");
	unsigned int sb = strcmp(fmt, "s16_le") ? 4 : 2;
	size_t bytes = (size_t)rate * ms / 1000 * ch * sb;
	/* the file holds more than is read: the guest stops at ms */
	size_t len = bytes + (size_t)rate * ch * sb / 10;
	uint8_t *src = malloc(len);
	char cfg[512], cmd[300], path[400], line[256];
	uint32_t crc;
	domid_t dom, next = sndt_next_domid(&s);

	assert_non_null(src);
	srand(11);
	for (size_t i = 0; i < len; i += sb) {
		if (fl) {
			float v = (float)((rand() % 20000) - 10000) / 12000.0f;
			memcpy(src + i, &v, 4);
		} else {
			for (unsigned int k = 0; k < sb; k++)
				src[i + k] = (uint8_t)(rand() | 1);
		}
	}
	/* the guest reads it at once: there before it starts, named with
	 * the domid it is about to get */
	sndt_wav(&s, path, sizeof(path), next, name, "-in");
	assert_int_equal(
	    sndt_write_wav(path, rate, ch, 8 * sb, fl, ext, src, len), 0);
	sndt_vsnd(cfg, sizeof(cfg), rate, fmt, name, 'c');
	snprintf(cmd, sizeof(cmd), "mode=rec ms=%u rate=%u ch=%u fmt=%s", ms,
		 rate, ch, fmt);
	assert_int_equal(sndt_guest(&s, name, cmd, cfg, &dom), 0);
	assert_int_equal(dom, next);
	assert_int_equal(
	    sndt_expect(&s, dom, "RECORDED", line, sizeof(line), 30000), 0);
	crc = sndt_crc32(0, src, bytes);
	free(src);
	printf("%s: guest %s; the file's first %zu bytes: crc=%08x\n", name,
	       line, bytes, (unsigned int)crc);
	assert_int_equal(hvt_field(line, "bytes"), bytes);
	assert_int_equal(hvt_field(line, "lead"), 0);
	assert_int_equal(strtoul(strstr(line, "crc=") + 4, NULL, 16), crc);
	assert_int_equal(sndt_expect(&s, dom, "DONE", NULL, 0, 10000), 0);
	pvhv_domain_destroy(s.t.h, dom);
	pvhv_domain_wait(s.t.h, dom, NULL);
}

static void capture(void **state)
{
	(void)state;
	record("cap16", 48000, "s16_le", 2, 500, false);
	record("capf", 44100, "float_le", 1, 300, false);
	/* as sox writes S32 stereo: the extensible format */
	record("cap32x", 48000, "s32_le", 2, 250, true);
}

static int setup(void **state)
{
	(void)state;
	return sndt_start(&s, NULL);
}

static int teardown(void **state)
{
	(void)state;
	return sndt_stop(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(formats),
	    cmocka_unit_test(two_guests),
	    cmocka_unit_test(capture),
	};

	if (!sndt_have_numpy()) {
		printf("SKIP: no numpy under /usr/bin/python3: the tones "
		       "cannot be checked\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
