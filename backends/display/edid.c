/*
 * EDID (pvkit/displback.h): one base block describing a connector as a
 * monitor whose preferred mode is the connector's resolution.  Byte
 * positions are those of VESA's EDID 1.4 base block.
 */
#include <errno.h>
#include <string.h>

#include "pvkit/displback.h"

/* Reduced-blanking style timing: fixed horizontal blanking, a short
 * vertical one. */
#define H_FRONT	  48u
#define H_SYNC	  32u
#define H_BLANK	  160u
#define V_FRONT	  3u
#define V_SYNC	  5u
#define V_BLANK	  23u
#define REFRESH	  60u
#define CLOCK_MAX 65535u /* 10 kHz units: 655.35 MHz */

/* About 96 pixels an inch, in mm. */
static uint32_t mm_of(uint32_t px)
{
	uint32_t mm = px * 254u / 960u;

	return mm ? mm : 1;
}

/* The same in whole cm, 1..255, for the basic parameters. */
static uint8_t cm_of(uint32_t px)
{
	uint32_t cm = (mm_of(px) + 5) / 10;

	return (uint8_t)(cm < 1 ? 1 : cm > 255 ? 255 : cm);
}

static void detailed_timing(uint8_t *t, uint32_t w, uint32_t h)
{
	uint64_t clock =
	    ((uint64_t)(w + H_BLANK) * (h + V_BLANK) * REFRESH + 9999u) /
	    10000u;
	uint32_t wmm = mm_of(w), hmm = mm_of(h);

	if (clock > CLOCK_MAX)
		clock = CLOCK_MAX;
	t[0] = (uint8_t)clock;
	t[1] = (uint8_t)(clock >> 8);
	t[2] = (uint8_t)w;
	t[3] = (uint8_t)H_BLANK;
	t[4] = (uint8_t)(((w >> 8) << 4) | (H_BLANK >> 8));
	t[5] = (uint8_t)h;
	t[6] = (uint8_t)V_BLANK;
	t[7] = (uint8_t)(((h >> 8) << 4) | (V_BLANK >> 8));
	t[8] = (uint8_t)H_FRONT;
	t[9] = (uint8_t)H_SYNC;
	t[10] = (uint8_t)(((V_FRONT & 0xf) << 4) | (V_SYNC & 0xf));
	t[11] = (uint8_t)(((H_FRONT >> 8) << 6) | ((H_SYNC >> 8) << 4) |
			  ((V_FRONT >> 4) << 2) | (V_SYNC >> 4));
	t[12] = (uint8_t)wmm;
	t[13] = (uint8_t)hmm;
	t[14] = (uint8_t)(((wmm >> 8) << 4) | (hmm >> 8));
	/* digital separate sync, horizontal sync positive */
	t[17] = 0x1a;
}

/* Display product name descriptor: up to 13 bytes, then a newline and
 * spaces. */
static void name_descriptor(uint8_t *t, const char *name)
{
	size_t i = 0;

	t[3] = 0xfc;
	for (; name[i] && i < 13; i++)
		t[5 + i] = (name[i] >= 0x20 && name[i] < 0x7f)
			       ? (uint8_t)name[i]
			       : (uint8_t)'_';
	if (i < 13)
		t[5 + i++] = '\n';
	for (; i < 13; i++)
		t[5 + i] = ' ';
}

int displback_edid(uint8_t out[XENDISPL_EDID_BLOCK_SIZE], uint32_t width,
		   uint32_t height, const char *name)
{
	/* sRGB primaries and white point, 10-bit fixed point packed */
	static const uint8_t chroma[10] = {0xee, 0x91, 0xa3, 0x54, 0x4c,
					   0x99, 0x26, 0x0f, 0x50, 0x54};
	static const uint8_t header[8] = {0,	0xff, 0xff, 0xff,
					  0xff, 0xff, 0xff, 0};
	uint8_t sum = 0;

	if (!width || !height || width > DISPLBACK_RES_MAX ||
	    height > DISPLBACK_RES_MAX)
		return -EINVAL;
	memset(out, 0, XENDISPL_EDID_BLOCK_SIZE);
	memcpy(out, header, sizeof(header));
	/* "PVK": three letters of 5 bits, 'A' = 1, big-endian */
	out[8] = (uint8_t)((('P' - '@') << 2) | (('V' - '@') >> 3));
	out[9] = (uint8_t)(((('V' - '@') & 7) << 5) | ('K' - '@'));
	out[10] = 1;  /* product code */
	out[17] = 36; /* made in 2026 (years since 1990) */
	out[18] = 1;  /* EDID 1.4 */
	out[19] = 4;
	out[20] = 0xa0; /* digital, 8 bits per colour */
	out[21] = cm_of(width);
	out[22] = cm_of(height);
	out[23] = 120;	/* gamma 2.2 */
	out[24] = 0x06; /* RGB 4:4:4, sRGB, preferred timing native */
	memcpy(out + 25, chroma, sizeof(chroma));
	memset(out + 38, 1, 16); /* no standard timings */
	detailed_timing(out + 54, width, height);
	name_descriptor(out + 72, name ? name : "pvkit");
	out[93] = 0x10; /* two dummy descriptors */
	out[111] = 0x10;
	for (int i = 0; i < XENDISPL_EDID_BLOCK_SIZE - 1; i++)
		sum = (uint8_t)(sum + out[i]);
	out[127] = (uint8_t)(0x100 - sum);
	return 0;
}
