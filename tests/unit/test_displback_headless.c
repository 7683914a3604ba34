/*
 * Unit tests of the display backend's headless host side and PNG writer
 * (pvkit/displback.h): PNGs of each pixel format read back with libpng
 * and compared pixel for pixel (strides wider than a line included), the
 * host side's argument, frames through the vdispl device on libpvback's
 * fake platform written at each flip (same name or numbered) or on
 * displback_dump(), guest-chosen unique-ids made safe as file names, and
 * the EDID block's limits.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "displback_fe.h"
#include "unit.h"

#ifdef PVKIT_HAVE_PNG
#include <png.h>
#endif

static struct dfe T;
static char dir[64];
static bool with_dev;

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/displback-hl-XXXXXX");
	assert_non_null(mkdtemp(dir));
	with_dev = false;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	if (with_dev)
		dfe_teardown(&T);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* displback on headless with argument DIR + opts, connected. */
static void dev(const char *opts)
{
	char arg[128];

	snprintf(arg, sizeof(arg), "%s%s", dir, opts);
	dfe_setup(&T, &displback_host_headless, arg, NULL);
	with_dev = true;
	dfe_connect(&T);
}

/* ---- patterns --------------------------------------------------------------
 */

/* The pattern's colour at (x, y), 8 bits each, and alpha. */
static void colour(uint32_t x, uint32_t y, uint8_t rgba[4])
{
	rgba[0] = (uint8_t)(x * 7 + y);
	rgba[1] = (uint8_t)(y * 3 + 1);
	rgba[2] = (uint8_t)(x ^ y);
	rgba[3] = (uint8_t)(x + 2 * y);
}

/* Draw the pattern in fourcc at px, stride bytes a line. */
static void draw(uint8_t *px, uint32_t w, uint32_t h, uint32_t stride,
		 uint32_t fourcc)
{
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++) {
			uint8_t c[4], *p = px + (size_t)y * stride;
			colour(x, y, c);
			if (fourcc == DISPLBACK_FMT_RGB565) {
				unsigned int v = ((c[0] >> 3) << 11) |
						 ((c[1] >> 2) << 5) |
						 (c[2] >> 3);
				p[2 * x] = (uint8_t)v;
				p[2 * x + 1] = (uint8_t)(v >> 8);
			} else {
				p[4 * x] = c[2];
				p[4 * x + 1] = c[1];
				p[4 * x + 2] = c[0];
				p[4 * x + 3] = c[3];
			}
		}
}

/* What the PNG must hold at (x, y) for a pattern drawn in fourcc. */
static void expect(uint32_t x, uint32_t y, uint32_t fourcc, uint8_t out[4])
{
	colour(x, y, out);
	if (!fourcc) /* the guest cleared it */
		memset(out, 0, 3);
	if (fourcc == DISPLBACK_FMT_RGB565) {
		unsigned int r = out[0] >> 3, g = out[1] >> 2, b = out[2] >> 3;
		out[0] = (uint8_t)((r << 3) | (r >> 2));
		out[1] = (uint8_t)((g << 2) | (g >> 4));
		out[2] = (uint8_t)((b << 3) | (b >> 2));
	}
	if (fourcc != DISPLBACK_FMT_ARGB8888)
		out[3] = 0xff;
}

#ifdef PVKIT_HAVE_PNG
/* The PNG at path is w x h of the pattern (at ox, oy) in fourcc, RGBA
 * only for ARGB8888. */
static void check_png(const char *path, uint32_t w, uint32_t h, uint32_t ox,
		      uint32_t oy, uint32_t fourcc)
{
	png_image img;
	uint8_t *buf;

	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	assert_true(png_image_begin_read_from_file(&img, path));
	assert_int_equal(img.width, w);
	assert_int_equal(img.height, h);
	assert_int_equal(!!(img.format & PNG_FORMAT_FLAG_ALPHA),
			 fourcc == DISPLBACK_FMT_ARGB8888);
	assert_int_equal(img.format & PNG_FORMAT_FLAG_COLOR,
			 PNG_FORMAT_FLAG_COLOR);
	img.format = PNG_FORMAT_RGBA;
	buf = malloc(PNG_IMAGE_SIZE(img));
	assert_non_null(buf);
	assert_true(png_image_finish_read(&img, NULL, buf, 0, NULL));
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++) {
			uint8_t e[4];
			expect(x + ox, y + oy, fourcc, e);
			if (memcmp(buf + ((size_t)y * w + x) * 4, e, 4))
				fail_msg("%s: pixel (%u, %u) differs", path, x,
					 y);
		}
	free(buf);
}
#define NEED_PNG()                                                             \
	do {                                                                   \
	} while (0)
#else
static void check_png(const char *path, uint32_t w, uint32_t h, uint32_t ox,
		      uint32_t oy, uint32_t fourcc)
{
	(void)path, (void)w, (void)h, (void)ox, (void)oy, (void)fourcc;
}
#define NEED_PNG() skip()
#endif

static bool exists(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

/* ---- cases -----------------------------------------------------------------
 */

/* Each format, with a stride wider than the line, pixel for pixel. */
static void png_formats(void **state)
{
	static const uint32_t fmts[] = {DISPLBACK_FMT_XRGB8888,
					DISPLBACK_FMT_ARGB8888,
					DISPLBACK_FMT_RGB565};
	const uint32_t w = 37, h = 23, stride = 200;
	uint8_t *px = calloc(stride, h);
	char path[128];

	(void)state;
	NEED_PNG();
	assert_non_null(px);
	for (size_t i = 0; i < 3; i++) {
		struct displback_fb fb = {.pixels = px,
					  .width = w,
					  .height = h,
					  .stride = stride,
					  .fourcc = fmts[i]};
		draw(px, w, h, stride, fmts[i]);
		snprintf(path, sizeof(path), "%s/f%zu.png", dir, i);
		assert_int_equal(displback_png_write(path, &fb), 0);
		check_png(path, w, h, 0, 0, fmts[i]);
		/* written again: replaced, no temporary left */
		assert_int_equal(displback_png_write(path, &fb), 0);
	}
	{
		struct displback_fb fb = {
		    .pixels = px,
		    .width = w,
		    .height = h,
		    .stride = stride,
		    .fourcc = DISPLBACK_FOURCC('Y', 'U', 'Y', 'V')};
		assert_int_equal(displback_png_write(path, &fb), -EINVAL);
		fb.fourcc = DISPLBACK_FMT_XRGB8888;
		snprintf(path, sizeof(path), "%s/no/such.png", dir);
		assert_int_equal(displback_png_write(path, &fb), -ENOENT);
	}
	assert_true(exists("f0.png") && exists("f1.png") && exists("f2.png"));
	{
		struct stat st;
		snprintf(path, sizeof(path), "%s/f0.png", dir);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0644);
	}
	{
		char cmd[160];
		snprintf(cmd, sizeof(cmd), "test $(ls %s | wc -l) = 3", dir);
		assert_int_equal(system(cmd), 0);
	}
	free(px);
}

/* The host side's argument. */
static void host_args(void **state)
{
	const struct displback_host_ops *ops = &displback_host_headless;
	char arg[128];
	void *h;

	(void)state;
	assert_ptr_equal(displback_host_find("headless:/x"), ops);
	assert_ptr_equal(displback_host_find("headless"), ops);
	assert_null(displback_host_find("headles"));
	assert_null(displback_host_find("sdl2"));
	assert_int_equal(ops->open(NULL, dir, &h), 0);
	ops->close(h);
	snprintf(arg, sizeof(arg), "%s,every", dir);
	assert_int_equal(ops->open(NULL, arg, &h), 0);
	ops->close(h);
	snprintf(arg, sizeof(arg), "%s,every=numbered", dir);
	assert_int_equal(ops->open(NULL, arg, &h), 0);
	ops->close(h);
	snprintf(arg, sizeof(arg), "%s,often", dir);
	assert_int_equal(ops->open(NULL, arg, &h), -EINVAL);
	assert_int_equal(ops->open(NULL, NULL, &h), -EINVAL);
	assert_int_equal(ops->open(NULL, "", &h), -EINVAL);
	assert_int_equal(ops->open(NULL, ",every", &h), -EINVAL);
	snprintf(arg, sizeof(arg), "%s/none", dir);
	assert_int_equal(ops->open(NULL, arg, &h), -ENOENT);
	assert_int_equal(ops->open(NULL, "/dev/null", &h), -ENOTDIR);
}

/* ",every": each SET_CONFIG and flip writes the connector's PNG. */
static void every_frame(void **state)
{
	uint8_t *a, *b, *c;
	char path[128];

	(void)state;
	NEED_PNG();
	dev(",every");
	assert_int_equal(dfe_dbuf(&T, 1, 120, 90, 32, &a), 0);
	assert_int_equal(dfe_dbuf(&T, 2, 120, 90, 32, &b), 0);
	assert_int_equal(dfe_dbuf(&T, 3, 64, 40, 16, &c), 0);
	draw(a, 120, 90, 480, DISPLBACK_FMT_XRGB8888);
	draw(b, 120, 90, 480, DISPLBACK_FMT_ARGB8888);
	draw(c, 64, 40, 128, DISPLBACK_FMT_RGB565);
	assert_int_equal(dfe_fb(&T, 1, 10, 120, 90, DISPLBACK_FMT_XRGB8888), 0);
	assert_int_equal(dfe_fb(&T, 2, 20, 120, 90, DISPLBACK_FMT_ARGB8888), 0);
	assert_int_equal(dfe_fb(&T, 3, 30, 64, 40, DISPLBACK_FMT_RGB565), 0);
	snprintf(path, sizeof(path), "%s/5-mon0.png", dir);
	assert_false(exists("5-mon0.png"));
	/* a region: 100x80 at (7, 5) */
	assert_int_equal(dfe_config(&T, 0, 10, 7, 5, 100, 80, 32), 0);
	check_png(path, 100, 80, 7, 5, DISPLBACK_FMT_XRGB8888);
	assert_int_equal(dfe_flip(&T, 0, 20), 0);
	assert_int_equal(dfe_event(&T, 0), 20); /* presented at once */
	check_png(path, 100, 80, 7, 5, DISPLBACK_FMT_ARGB8888);
	assert_int_equal(dfe_config(&T, 1, 30, 0, 0, 64, 40, 16), 0);
	snprintf(path, sizeof(path), "%s/5-mon1.png", dir);
	check_png(path, 64, 40, 0, 0, DISPLBACK_FMT_RGB565);
	/* what the guest draws next is in the next frame: black now */
	memset(c, 0, 128 * 40);
	assert_int_equal(dfe_flip(&T, 1, 30), 0);
	assert_int_equal(dfe_event(&T, 1), 30);
	check_png(path, 64, 40, 0, 0, 0);
	assert_int_equal(displback_dump(T.db), 2);
}

/* Without ",every" PNGs come only on displback_dump(). */
static void dump_only(void **state)
{
	uint8_t *a;
	char path[128];

	(void)state;
	NEED_PNG();
	dev("");
	assert_int_equal(displback_dump(T.db), 0);
	assert_int_equal(dfe_dbuf(&T, 1, 50, 30, 32, &a), 0);
	draw(a, 50, 30, 200, DISPLBACK_FMT_XRGB8888);
	assert_int_equal(dfe_fb(&T, 1, 10, 50, 30, DISPLBACK_FMT_XRGB8888), 0);
	assert_int_equal(dfe_config(&T, 1, 10, 0, 0, 50, 30, 32), 0);
	assert_int_equal(dfe_flip(&T, 1, 10), 0);
	assert_int_equal(dfe_event(&T, 1), 10);
	assert_false(exists("5-mon1.png"));
	assert_int_equal(displback_dump(T.db), 1);
	snprintf(path, sizeof(path), "%s/5-mon1.png", dir);
	check_png(path, 50, 30, 0, 0, DISPLBACK_FMT_XRGB8888);
	assert_false(exists("5-mon0.png"));
	/* the connector off: nothing to dump */
	assert_int_equal(dfe_config(&T, 1, 0, 0, 0, 0, 0, 0), 0);
	assert_int_equal(displback_dump(T.db), 0);
	/* the directory gone: the file system's error */
	teardown(NULL);
	with_dev = false;
	setup(NULL);
	dev("");
	assert_int_equal(dfe_dbuf(&T, 1, 50, 30, 32, NULL), 0);
	assert_int_equal(dfe_fb(&T, 1, 10, 50, 30, DISPLBACK_FMT_XRGB8888), 0);
	assert_int_equal(dfe_config(&T, 0, 10, 0, 0, 50, 30, 32), 0);
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(displback_dump(T.db), -ENOENT);
	assert_int_equal(mkdir(dir, 0700), 0);
}

/* ",every=numbered": one file per frame, counted from 000000. */
static void numbered(void **state)
{
	char path[128];
	uint8_t *a;

	(void)state;
	NEED_PNG();
	dev(",every=numbered");
	assert_int_equal(dfe_dbuf(&T, 1, 16, 8, 32, &a), 0);
	draw(a, 16, 8, 64, DISPLBACK_FMT_XRGB8888);
	assert_int_equal(dfe_fb(&T, 1, 10, 16, 8, DISPLBACK_FMT_XRGB8888), 0);
	assert_int_equal(dfe_config(&T, 0, 10, 0, 0, 16, 8, 32), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(dfe_flip(&T, 0, 10), 0);
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/5-mon0-%06d.png", dir, i);
		check_png(path, 16, 8, 0, 0, DISPLBACK_FMT_XRGB8888);
	}
	assert_false(exists("5-mon0-000004.png"));
	assert_false(exists("5-mon0.png"));
	assert_int_equal(displback_dump(T.db), 1);
	assert_true(exists("5-mon0.png"));
}

/* A guest's unique-id cannot lead a file out of DIR. */
static void unsafe_names(void **state)
{
	(void)state;
	NEED_PNG();
	dfe_setup(&T, &displback_host_headless, dir, NULL);
	with_dev = true;
	dfe_tree(&T);
	fpf_write(T.f, "../up/x", DFE_FE "/0/unique-id");
	fpf_write(T.f, ".hidden", DFE_FE "/1/unique-id");
	dfe_run(&T);
	dfe_conn(&T, 0);
	dfe_conn(&T, 1);
	fpf_write(T.f, "3", DFE_FE "/state");
	dfe_run(&T);
	assert_string_equal(fpf_read(T.f, DFE_BE "/state"), "4");
	assert_int_equal(dfe_dbuf(&T, 1, 16, 8, 32, NULL), 0);
	assert_int_equal(dfe_fb(&T, 1, 10, 16, 8, DISPLBACK_FMT_XRGB8888), 0);
	assert_int_equal(dfe_config(&T, 0, 10, 0, 0, 16, 8, 32), 0);
	assert_int_equal(dfe_config(&T, 1, 10, 0, 0, 16, 8, 32), 0);
	assert_int_equal(displback_dump(T.db), 2);
	assert_true(exists("5-_._up_x.png"));
	assert_true(exists("5-_hidden.png"));
}

/* EDID limits: sizes, the clock at its top, long names cut at 13. */
static void edid_limits(void **state)
{
	uint8_t e[128], sum = 0;

	(void)state;
	assert_int_equal(displback_edid(e, 0, 10, NULL), -EINVAL);
	assert_int_equal(displback_edid(e, 10, 4096, NULL), -EINVAL);
	assert_int_equal(displback_edid(e, 1, 1, NULL), 0);
	assert_true((e[54] | (e[55] << 8)) > 0);
	assert_memory_equal(e + 77, "pvkit\n       ", 13);
	assert_int_equal(
	    displback_edid(e, 4095, 4095, "a-very-long-monitor-name"), 0);
	assert_int_equal(e[54] | (e[55] << 8), 65535);
	assert_int_equal(e[56] | ((e[58] >> 4) << 8), 4095);
	assert_int_equal(e[59] | ((e[61] >> 4) << 8), 4095);
	assert_memory_equal(e + 77, "a-very-long-m", 13);
	assert_memory_equal(e + 8, "\x42\xcb", 2); /* "PVK" */
	for (int i = 0; i < 128; i++)
		sum = (uint8_t)(sum + e[i]);
	assert_int_equal(sum, 0);
	/* 1920x1080: about 60 Hz */
	assert_int_equal(displback_edid(e, 1920, 1080, "x"), 0);
	{
		unsigned int clk = e[54] | (e[55] << 8);
		unsigned long hz =
		    (unsigned long)clk * 10000 / ((1920 + 160) * (1080 + 23));
		assert_true(hz >= 59 && hz <= 61);
	}
	assert_int_equal(displback_format_bpp(DISPLBACK_FMT_RGB565), 16);
	assert_int_equal(displback_format_bpp(0), 0);
	assert_string_equal(displback_format_name(DISPLBACK_FMT_ARGB8888),
			    "ARGB8888");
	assert_null(displback_format_name(1));
}

static const struct CMUnitTest cases[] = {
    cmocka_unit_test_setup_teardown(png_formats, setup, teardown),
    cmocka_unit_test_setup_teardown(host_args, setup, teardown),
    cmocka_unit_test_setup_teardown(every_frame, setup, teardown),
    cmocka_unit_test_setup_teardown(dump_only, setup, teardown),
    cmocka_unit_test_setup_teardown(numbered, setup, teardown),
    cmocka_unit_test_setup_teardown(unsafe_names, setup, teardown),
    cmocka_unit_test_setup_teardown(edid_limits, setup, teardown),
};

PV_UNIT_MAIN("displback_headless", cases)
