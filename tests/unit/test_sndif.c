/*
 * test_sndif — sndif's sample formats by name and size (pvkit/sndif.h).
 */
#include "pvkit/proto/errno.h"
#include "pvkit/sndif.h"
#include "unit.h"

static void names_round_trip(void **state)
{
	(void)state;
	for (unsigned int f = 0; f < PV_SNDIF_NFORMATS; f++) {
		const char *n = pv_sndif_format_name(f);

		assert_non_null(n);
		assert_int_equal(pv_sndif_format_parse(n, strlen(n)), (int)f);
	}
	assert_string_equal(pv_sndif_format_name(XENSND_PCM_FORMAT_S16_LE),
			    "s16_le");
	assert_string_equal(pv_sndif_format_name(XENSND_PCM_FORMAT_F32_LE),
			    "float_le");
	assert_null(pv_sndif_format_name(PV_SNDIF_NFORMATS));
	assert_null(pv_sndif_format_name(~0u));
}

/* The name must match whole: no prefix, no longer word, no case games
 * (the store spells formats in lower case). */
static void parse_is_exact(void **state)
{
	(void)state;
	assert_int_equal(pv_sndif_format_parse("s16_le;s32_le", 6),
			 XENSND_PCM_FORMAT_S16_LE);
	assert_int_equal(pv_sndif_format_parse("s16", 3), -XEN_EINVAL);
	assert_int_equal(pv_sndif_format_parse("s16_lex", 7), -XEN_EINVAL);
	assert_int_equal(pv_sndif_format_parse("S16_LE", 6), -XEN_EINVAL);
	assert_int_equal(pv_sndif_format_parse("", 0), -XEN_EINVAL);
	assert_int_equal(pv_sndif_format_parse("f32_le", 6), -XEN_EINVAL);
}

static void bits(void **state)
{
	(void)state;
	assert_int_equal(pv_sndif_format_bits(XENSND_PCM_FORMAT_U8), 8);
	assert_int_equal(pv_sndif_format_bits(XENSND_PCM_FORMAT_S16_BE), 16);
	assert_int_equal(pv_sndif_format_bits(XENSND_PCM_FORMAT_S24_LE), 32);
	assert_int_equal(pv_sndif_format_bits(XENSND_PCM_FORMAT_F64_LE), 64);
	assert_int_equal(pv_sndif_format_bits(XENSND_PCM_FORMAT_GSM), 0);
	assert_int_equal(pv_sndif_format_bits(PV_SNDIF_NFORMATS), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_round_trip),
		cmocka_unit_test(parse_is_exact),
		cmocka_unit_test(bits),
	};

	return pv_unit_main("sndif", tests, sizeof(tests) / sizeof(tests[0]),
			    argc, argv);
}
