/*
 * test_displ_pattern.h — the pictures guest_displ draws and
 * test_displ_headless expects, pixel for pixel.
 *
 * Frame n of connector c (w x h pixels) is an 8-bit RGB gradient, red
 * along x and green along y, with blue naming the frame and connector,
 * and a band of 8 x 8 blocks along the top whose black and white spell
 * the frame number in binary (bit 0 left), so a stale or torn frame shows.
 * ARGB8888 adds an alpha that varies with x and y.  How each format packs
 * a pixel, and how the backend's PNGs widen RGB565 back to 8 bits (the
 * top bits repeated), is here too.
 */
#ifndef PVKIT_TEST_DISPL_PATTERN_H
#define PVKIT_TEST_DISPL_PATTERN_H

#include <stdint.h>
#include <string.h>

#include "pvkit/displfront.h"

struct displ_rgba {
	uint8_t r, g, b, a;
};

static inline struct displ_rgba displ_pattern(unsigned int c, unsigned int n,
					      uint32_t x, uint32_t y,
					      uint32_t w, uint32_t h)
{
	struct displ_rgba p;

	p.r = (uint8_t)(w > 1 ? x * 255u / (w - 1u) : 0);
	p.g = (uint8_t)(h > 1 ? y * 255u / (h - 1u) : 0);
	p.b = (uint8_t)(n * 37u + c * 101u);
	p.a = (uint8_t)(0x80u | ((x + y) & 0x7fu));
	if (y < 8 && x / 8u < 16u) {
		uint8_t v = ((n >> (x / 8u)) & 1u) ? 0xff : 0x00;

		p.r = p.g = p.b = v;
	}
	return p;
}

/* The pixel as the guest stores it in format fmt, into out (bpp / 8
 * bytes, little-endian words). */
static inline void displ_pack(uint32_t fmt, struct displ_rgba p, uint8_t *out)
{
	uint32_t v;

	if (fmt == DISPLFRONT_FMT_RGB565) {
		uint16_t s = (uint16_t)(((p.r >> 3) << 11) | ((p.g >> 2) << 5) |
					(p.b >> 3));

		out[0] = (uint8_t)s;
		out[1] = (uint8_t)(s >> 8);
		return;
	}
	v = ((uint32_t)p.r << 16) | ((uint32_t)p.g << 8) | p.b;
	if (fmt == DISPLFRONT_FMT_ARGB8888)
		v |= (uint32_t)p.a << 24;
	out[0] = (uint8_t)v;
	out[1] = (uint8_t)(v >> 8);
	out[2] = (uint8_t)(v >> 16);
	out[3] = (uint8_t)(v >> 24);
}

/* The pixel as a PNG of the shown frame holds it (alpha only for
 * ARGB8888; 0xff otherwise). */
static inline struct displ_rgba displ_expect(uint32_t fmt, struct displ_rgba p)
{
	if (fmt == DISPLFRONT_FMT_RGB565) {
		uint8_t r = p.r >> 3, g = p.g >> 2, b = p.b >> 3;

		p.r = (uint8_t)((r << 3) | (r >> 2));
		p.g = (uint8_t)((g << 2) | (g >> 4));
		p.b = (uint8_t)((b << 3) | (b >> 2));
	}
	if (fmt != DISPLFRONT_FMT_ARGB8888)
		p.a = 0xff;
	return p;
}

/* Format names as guest_displ's fmt= and the tests spell them. */
static inline uint32_t displ_format(const char *name)
{
	if (!strcmp(name, "argb8888"))
		return DISPLFRONT_FMT_ARGB8888;
	if (!strcmp(name, "rgb565"))
		return DISPLFRONT_FMT_RGB565;
	if (!strcmp(name, "xrgb8888"))
		return DISPLFRONT_FMT_XRGB8888;
	return 0;
}

#endif
