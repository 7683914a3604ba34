/*
 * tests/unit/test_snd_alsa_mix.c — the sound backend's mixer (mix.h):
 * widening, summing and saturating S16/S32/F32 samples.
 */
#include "unit.h"

#include <math.h>

#include <pvkit/proto/sndif.h>

#include "mix.h"

#define S16 XENSND_PCM_FORMAT_S16_LE
#define S32 XENSND_PCM_FORMAT_S32_LE
#define F32 XENSND_PCM_FORMAT_F32_LE

static void mix_sizes(void **state)
{
	(void)state;
	assert_int_equal(sndmix_sample_bytes(S16), 2);
	assert_int_equal(sndmix_sample_bytes(S32), 4);
	assert_int_equal(sndmix_sample_bytes(F32), 4);
	assert_int_equal(sndmix_sample_bytes(XENSND_PCM_FORMAT_U8), 0);
	assert_int_equal(sndmix_sample_bytes(XENSND_PCM_FORMAT_MU_LAW), 0);
}

static void mix_s16_sum_saturates(void **state)
{
	int16_t a[4] = {1000, 30000, -30000, -5};
	int16_t b[4] = {2000, 30000, -30000, 5};
	int16_t out[4];
	int64_t acc[4];

	(void)state;
	sndmix_clear(acc, 4);
	sndmix_add(acc, a, S16, 4);
	sndmix_add(acc, b, S16, 4);
	sndmix_store(out, S16, acc, 4);
	assert_int_equal(out[0], 3000);
	assert_int_equal(out[1], INT16_MAX);
	assert_int_equal(out[2], INT16_MIN);
	assert_int_equal(out[3], 0);
}

static void mix_s32_saturates(void **state)
{
	int32_t a[2] = {INT32_MAX, INT32_MIN};
	int32_t out[2];
	int64_t acc[2];

	(void)state;
	sndmix_clear(acc, 2);
	sndmix_add(acc, a, S32, 2);
	sndmix_add(acc, a, S32, 2);
	sndmix_store(out, S32, acc, 2);
	assert_int_equal(out[0], INT32_MAX);
	assert_int_equal(out[1], INT32_MIN);
}

static void mix_formats_together(void **state)
{
	int16_t a = 8192;		 /* 0.25 */
	int32_t b = 1 << 29;		 /* 0.25 */
	float c[3] = {0.25f, NAN, 9.0f}; /* 0.25, silence, clipped */
	float fout[3];
	int16_t sout;
	int64_t acc[3];

	(void)state;
	sndmix_clear(acc, 3);
	sndmix_add(acc, &a, S16, 1);
	sndmix_add(acc, &b, S32, 1);
	sndmix_add(acc, c, F32, 3);
	sndmix_store(&sout, S16, acc, 1);
	assert_int_equal(sout, 24576); /* 0.75 */
	sndmix_store(fout, F32, acc, 3);
	assert_true(fabsf(fout[0] - 0.75f) < 1e-6f);
	assert_true(fout[1] == 0.0f);
	assert_true(fout[2] <= 1.0f && fout[2] > 0.999f);
}

static void mix_convert_round_trip(void **state)
{
	int16_t in[600], back[600];
	int32_t wide[600];
	float f[600];
	size_t i;

	(void)state;
	for (i = 0; i < 600; i++)
		in[i] = (int16_t)(i * 109 - 32000);
	sndmix_convert(wide, S32, in, S16, 600);
	for (i = 0; i < 600; i++)
		assert_int_equal(wide[i], (int32_t)in[i] * 65536);
	sndmix_convert(f, F32, wide, S32, 600);
	sndmix_convert(back, S16, f, F32, 600);
	assert_memory_equal(in, back, sizeof(in));
}

static void mix_gain(void **state)
{
	int16_t in[4] = {16384, 16384, -16384, -16384}, out[4];
	double g[2] = {0.5, 0.0};
	int64_t acc[4];

	(void)state;
	assert_true(fabs(sndmix_db_gain(0) - 1.0) < 1e-12);
	assert_true(fabs(sndmix_db_gain(-20000) - 0.1) < 1e-9);
	assert_true(fabs(sndmix_db_gain(20000) - 10.0) < 1e-8);
	assert_true(fabs(sndmix_db_gain(-6021) - 0.5) < 1e-4);
	assert_true(fabs(sndmix_db_gain(-1) - 0.99988487) < 1e-7);
	assert_true(sndmix_db_gain(-300000) == 0.0);
	assert_true(fabs(sndmix_db_gain(99999999) - 100.0) < 1e-6);
	sndmix_clear(acc, 4);
	sndmix_add_gain(acc, in, S16, 2, 2, g); /* left halved, right muted */
	sndmix_store(out, S16, acc, 4);
	assert_int_equal(out[0], 8192);
	assert_int_equal(out[1], 0);
	assert_int_equal(out[2], -8192);
	assert_int_equal(out[3], 0);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(mix_sizes),
    cmocka_unit_test(mix_s16_sum_saturates),
    cmocka_unit_test(mix_s32_saturates),
    cmocka_unit_test(mix_formats_together),
    cmocka_unit_test(mix_convert_round_trip),
    cmocka_unit_test(mix_gain),
};

PV_UNIT_MAIN("snd_alsa_mix", tests)
