/*
 * Pixel formats (pvkit/displback.h): the DRM FOURCC codes displback takes,
 * with their sizes and names.
 */
#include <stddef.h>

#include "pvkit/displback.h"

static const struct {
	uint32_t fourcc;
	unsigned int bpp;
	const char *name;
} formats[] = {
    {DISPLBACK_FMT_XRGB8888, 32, "XRGB8888"},
    {DISPLBACK_FMT_ARGB8888, 32, "ARGB8888"},
    {DISPLBACK_FMT_RGB565, 16, "RGB565"},
};

#define N_FORMATS (sizeof(formats) / sizeof(formats[0]))

unsigned int displback_format_bpp(uint32_t fourcc)
{
	for (size_t i = 0; i < N_FORMATS; i++)
		if (formats[i].fourcc == fourcc)
			return formats[i].bpp;
	return 0;
}

const char *displback_format_name(uint32_t fourcc)
{
	for (size_t i = 0; i < N_FORMATS; i++)
		if (formats[i].fourcc == fourcc)
			return formats[i].name;
	return NULL;
}
