/*
 * Helpers of the display's end-to-end tests (displ_util.h).
 */
#include "displ_util.h"

#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_displ_pattern.h"

int displ_backd_start(struct hvt *t, const char *host, char *blog,
		      size_t bloglen, pid_t *pid)
{
	static unsigned int starts;
	const char *argv[] = {PVBACKD_BIN, "--rundir", t->rundir,
			      "--backends", "displ", "--displ-host", host,
			      "--verbose", NULL};

	/* a log per start: "ready" is this one's */
	snprintf(blog, bloglen, "%s/pvbackd-%u.log", t->rundir, ++starts);
	return hvt_daemon_start(argv, blog, "pvbackd: ready", 10000, pid);
}

int displ_png_ok(const char *path, uint32_t fmt, unsigned int c,
		 unsigned int n, unsigned int w, unsigned int h)
{
	FILE *f = fopen(path, "rb");
	png_structp png = NULL;
	png_infop info = NULL;
	png_bytep *rp = calloc(h, sizeof(*rp));
	png_byte *rows = malloc((size_t)w * h * 4);
	int rc = -1, want = fmt == DISPLFRONT_FMT_ARGB8888
				? PNG_COLOR_TYPE_RGB_ALPHA
				: PNG_COLOR_TYPE_RGB;
	unsigned int ch = want == PNG_COLOR_TYPE_RGB_ALPHA ? 4 : 3;

	if (!f || !rp || !rows) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		goto out;
	}
	png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	info = png ? png_create_info_struct(png) : NULL;
	if (!info || setjmp(png_jmpbuf(png))) {
		fprintf(stderr, "%s: not a PNG libpng reads\n", path);
		goto out;
	}
	png_init_io(png, f);
	png_read_info(png, info);
	if (png_get_image_width(png, info) != w ||
	    png_get_image_height(png, info) != h ||
	    png_get_bit_depth(png, info) != 8 ||
	    png_get_color_type(png, info) != want) {
		fprintf(
		    stderr,
		    "%s: %ux%u depth %d type %d, want %ux%u 8-bit type %d\n",
		    path, png_get_image_width(png, info),
		    png_get_image_height(png, info),
		    png_get_bit_depth(png, info), png_get_color_type(png, info),
		    w, h, want);
		goto out;
	}
	for (unsigned int y = 0; y < h; y++)
		rp[y] = rows + (size_t)y * w * ch;
	png_read_image(png, rp);
	for (unsigned int y = 0; y < h; y++)
		for (unsigned int x = 0; x < w; x++) {
			struct displ_rgba e =
			    displ_expect(fmt, displ_pattern(c, n, x, y, w, h));
			const png_byte *q = rp[y] + (size_t)x * ch;

			if (q[0] != e.r || q[1] != e.g || q[2] != e.b ||
			    (ch == 4 && q[3] != e.a)) {
				fprintf(stderr,
					"%s: pixel (%u,%u) is %02x%02x%02x%02x,"
					" frame %u wants %02x%02x%02x%02x\n",
					path, x, y, q[0], q[1], q[2],
					ch == 4 ? q[3] : 0xff, n, e.r, e.g, e.b,
					e.a);
				goto out;
			}
		}
	rc = 0;
out:
	if (png)
		png_destroy_read_struct(&png, &info, NULL);
	if (f)
		fclose(f);
	free(rows);
	free(rp);
	return rc;
}
