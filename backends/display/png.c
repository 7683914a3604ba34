/*
 * Frames as PNG files (displback_png_write(), pvkit/displback.h), through
 * libpng: each line converted to 8-bit RGB or RGBA, the file written under
 * a temporary name and renamed over the old one, so that a reader never
 * sees half a picture.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pvkit/displback.h"

#ifdef PVKIT_HAVE_PNG
#include <png.h>

/* One line of fb into 8-bit RGB(A); channels is 3 or 4. */
static void convert_line(const uint8_t *src, uint8_t *dst, uint32_t width,
			 uint32_t fourcc)
{
	for (uint32_t x = 0; x < width; x++) {
		if (fourcc == PV_DISPLIF_FMT_RGB565) {
			unsigned int p = src[2 * x] | (src[2 * x + 1] << 8);
			unsigned int r = p >> 11, g = (p >> 5) & 63, b = p & 31;
			dst[3 * x] = (uint8_t)((r << 3) | (r >> 2));
			dst[3 * x + 1] = (uint8_t)((g << 2) | (g >> 4));
			dst[3 * x + 2] = (uint8_t)((b << 3) | (b >> 2));
		} else if (fourcc == PV_DISPLIF_FMT_ARGB8888) {
			dst[4 * x] = src[4 * x + 2];
			dst[4 * x + 1] = src[4 * x + 1];
			dst[4 * x + 2] = src[4 * x];
			dst[4 * x + 3] = src[4 * x + 3];
		} else {
			dst[3 * x] = src[4 * x + 2];
			dst[3 * x + 1] = src[4 * x + 1];
			dst[3 * x + 2] = src[4 * x];
		}
	}
}

/* The PNG itself into f.  0, or -EIO when libpng gave up. */
static int write_png(FILE *f, const struct displback_fb *fb, uint8_t *line)
{
	bool alpha = fb->fourcc == PV_DISPLIF_FMT_ARGB8888;
	png_structp png;
	png_infop info;

	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	if (!png)
		return -ENOMEM;
	info = png_create_info_struct(png);
	if (!info || setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		return -EIO;
	}
	png_init_io(png, f);
	png_set_IHDR(png, info, fb->width, fb->height, 8,
		     alpha ? PNG_COLOR_TYPE_RGB_ALPHA : PNG_COLOR_TYPE_RGB,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
		     PNG_FILTER_TYPE_DEFAULT);
	/* frames are written often: speed over size */
	png_set_compression_level(png, 1);
	png_write_info(png, info);
	for (uint32_t y = 0; y < fb->height; y++) {
		convert_line((const uint8_t *)fb->pixels +
				 (size_t)y * fb->stride,
			     line, fb->width, fb->fourcc);
		png_write_row(png, line);
	}
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	return 0;
}

int displback_png_write(const char *path, const struct displback_fb *fb)
{
	size_t len = strlen(path);
	char *tmp = malloc(len + 8);
	uint8_t *line = NULL;
	FILE *f = NULL;
	int fd, rc;

	if (!pv_displif_format_bpp(fb->fourcc) || !fb->width || !fb->height) {
		free(tmp);
		return -EINVAL;
	}
	if (!tmp)
		return -ENOMEM;
	memcpy(tmp, path, len);
	memcpy(tmp + len, ".XXXXXX", 8);
	line = malloc((size_t)fb->width * 4);
	fd = line ? mkstemp(tmp) : -1;
	if (fd < 0) {
		rc = line ? -errno : -ENOMEM;
		goto out;
	}
	/* mkstemp makes it 0600; a screenshot is for anyone to look at */
	(void)fchmod(fd, 0644);
	f = fdopen(fd, "wb");
	if (!f) {
		rc = -errno;
		close(fd);
	} else {
		rc = write_png(f, fb, line);
		if (fclose(f) && !rc)
			rc = -errno;
	}
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc)
		unlink(tmp);
out:
	free(line);
	free(tmp);
	return rc;
}

#else

int displback_png_write(const char *path, const struct displback_fb *fb)
{
	(void)path;
	(void)fb;
	return -ENOTSUP;
}

#endif
