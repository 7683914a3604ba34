/*
 * pvkit/displif.h — the display protocol's pixel formats by code and
 * size, shared by the display backend and the display frontend so that
 * both name and size a framebuffer's pixels alike.
 *
 * displif carries a framebuffer's format in pixel_format as a DRM FOURCC
 * code: four ASCII characters, the first in the lowest byte.  Pixels are
 * little-endian words:
 *
 *   PV_DISPLIF_FMT_XRGB8888  32 bits: x:8 r:8 g:8 b:8 from the top bit down
 *   PV_DISPLIF_FMT_ARGB8888  32 bits: a:8 r:8 g:8 b:8
 *   PV_DISPLIF_FMT_RGB565    16 bits: r:5 g:6 b:5
 *
 * These three are the formats pvkit's display devices speak (every host
 * side of the backend shows them); any other code is "not a format" to
 * the functions below.  A display buffer's bpp (DBUF_CREATE) is bits per
 * pixel, and a line of width pixels is ceil(width * bpp / 8) bytes (the
 * protocol has no stride: the tightest line, as DRM's dumb buffers).
 *
 * Freestanding C11.
 */
#ifndef PVKIT_DISPLIF_H
#define PVKIT_DISPLIF_H

#include <stdint.h>

#include "pvkit/proto/displif.h"

#define PV_DISPLIF_FOURCC(a, b, c, d)                                          \
	((uint32_t)(a) | ((uint32_t)(b) << 8) | ((uint32_t)(c) << 16) |        \
	 ((uint32_t)(d) << 24))
#define PV_DISPLIF_FMT_XRGB8888 PV_DISPLIF_FOURCC('X', 'R', '2', '4')
#define PV_DISPLIF_FMT_ARGB8888 PV_DISPLIF_FOURCC('A', 'R', '2', '4')
#define PV_DISPLIF_FMT_RGB565	PV_DISPLIF_FOURCC('R', 'G', '1', '6')

/* Bits per pixel of a format, 0 for a code that is none of the above. */
unsigned int pv_displif_format_bpp(uint32_t fourcc);

/* Bytes per pixel (bpp / 8; every format here is whole bytes), or 0. */
unsigned int pv_displif_format_cpp(uint32_t fourcc);

/* "XRGB8888", or NULL for a code that is no format here. */
const char *pv_displif_format_name(uint32_t fourcc);

#endif
