/*
 * test_displif — displif's pixel formats by code and size
 * (pvkit/displif.h).
 */
#include "pvkit/displif.h"
#include "unit.h"

/* The codes are DRM's: the bytes a DRM driver would put in pixel_format. */
static void codes_are_drm(void **state)
{
	(void)state;
	assert_int_equal(PV_DISPLIF_FMT_XRGB8888, 0x34325258u);
	assert_int_equal(PV_DISPLIF_FMT_ARGB8888, 0x34325241u);
	assert_int_equal(PV_DISPLIF_FMT_RGB565, 0x36314752u);
}

static void sizes(void **state)
{
	(void)state;
	assert_int_equal(pv_displif_format_bpp(PV_DISPLIF_FMT_XRGB8888), 32);
	assert_int_equal(pv_displif_format_bpp(PV_DISPLIF_FMT_ARGB8888), 32);
	assert_int_equal(pv_displif_format_bpp(PV_DISPLIF_FMT_RGB565), 16);
	assert_int_equal(pv_displif_format_cpp(PV_DISPLIF_FMT_XRGB8888), 4);
	assert_int_equal(pv_displif_format_cpp(PV_DISPLIF_FMT_RGB565), 2);
}

static void names(void **state)
{
	(void)state;
	assert_string_equal(pv_displif_format_name(PV_DISPLIF_FMT_XRGB8888),
			    "XRGB8888");
	assert_string_equal(pv_displif_format_name(PV_DISPLIF_FMT_ARGB8888),
			    "ARGB8888");
	assert_string_equal(pv_displif_format_name(PV_DISPLIF_FMT_RGB565),
			    "RGB565");
}

/* Codes that are no format here: 0, a byte off, other DRM formats. */
static void unknown(void **state)
{
	static const uint32_t bad[] = {
	    0,
	    ~0u,
	    PV_DISPLIF_FMT_XRGB8888 + 1,
	    PV_DISPLIF_FOURCC('X', 'B', '2', '4'),
	    PV_DISPLIF_FOURCC('R', 'G', '2', '4'),
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(pv_displif_format_bpp(bad[i]), 0);
		assert_int_equal(pv_displif_format_cpp(bad[i]), 0);
		assert_null(pv_displif_format_name(bad[i]));
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(codes_are_drm),
	    cmocka_unit_test(sizes),
	    cmocka_unit_test(names),
	    cmocka_unit_test(unknown),
	};

	return pv_unit_main("displif", tests, sizeof(tests) / sizeof(tests[0]),
			    argc, argv);
}
