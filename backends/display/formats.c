/*
 * Pixel formats (pvkit/displback.h): displif's (pvkit/displif.h), every
 * one of which displback takes.
 */
#include "pvkit/displback.h"

unsigned int displback_format_bpp(uint32_t fourcc)
{
	return pv_displif_format_bpp(fourcc);
}

const char *displback_format_name(uint32_t fourcc)
{
	return pv_displif_format_name(fourcc);
}
