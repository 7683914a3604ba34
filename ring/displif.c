/*
 * The display protocol's pixel formats by code and size
 * (pvkit/displif.h).
 */
#include <stddef.h>

#include "pvkit/displif.h"

static const struct {
	uint32_t fourcc;
	unsigned char bpp;
	const char *name;
} formats[] = {
    {PV_DISPLIF_FMT_XRGB8888, 32, "XRGB8888"},
    {PV_DISPLIF_FMT_ARGB8888, 32, "ARGB8888"},
    {PV_DISPLIF_FMT_RGB565, 16, "RGB565"},
};

#define N_FORMATS (sizeof(formats) / sizeof(formats[0]))

static size_t find(uint32_t fourcc)
{
	size_t i = 0;

	while (i < N_FORMATS && formats[i].fourcc != fourcc)
		i++;
	return i;
}

unsigned int pv_displif_format_bpp(uint32_t fourcc)
{
	size_t i = find(fourcc);

	return i < N_FORMATS ? formats[i].bpp : 0;
}

unsigned int pv_displif_format_cpp(uint32_t fourcc)
{
	return pv_displif_format_bpp(fourcc) / 8;
}

const char *pv_displif_format_name(uint32_t fourcc)
{
	size_t i = find(fourcc);

	return i < N_FORMATS ? formats[i].name : NULL;
}
