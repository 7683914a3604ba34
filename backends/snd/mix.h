/*
 * backends/snd/mix.h — the sound backend's sample mixer (internal).
 *
 * Several guests may play into one host output at the same time.  The
 * backend mixes them itself (rather than relying on the host's dmix) so
 * that any PCM, a file or a bare hw device included, can be shared.
 *
 * Samples of every supported format are widened to a common accumulator:
 * a signed 64-bit sum on the S32 scale (S16 << 16, float * 2^31).  Adding
 * a stream to the accumulator is exact; storing the accumulator back into
 * a format saturates (clamps) instead of wrapping, so two loud streams
 * clip rather than turn into noise.
 *
 * Formats are pvkit's wire names (XENSND_PCM_FORMAT_*): S16_LE, S32_LE and
 * F32_LE on a little-endian host.  sndmix_frame_bytes() returns 0 for a
 * format the mixer does not handle, which is how callers test for support.
 *
 * All static inline: the header is the whole mixer, so any host side can
 * use it without a library of its own.
 */
#ifndef PVKIT_BACKENDS_SND_MIX_H
#define PVKIT_BACKENDS_SND_MIX_H

#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

#include <pvkit/proto/sndif.h>

#define SNDMIX_S32_SCALE 2147483648.0 /* 2^31: float 1.0 on the S32 scale */

/* Bytes of one sample of @fmt, or 0 if the mixer does not take @fmt. */
static inline size_t sndmix_sample_bytes(int fmt)
{
	switch (fmt) {
	case XENSND_PCM_FORMAT_S16_LE:
		return 2;
	case XENSND_PCM_FORMAT_S32_LE:
	case XENSND_PCM_FORMAT_F32_LE:
		return 4;
	default:
		return 0;
	}
}

/* Zero @n accumulator slots (n = frames * channels). */
static inline void sndmix_clear(int64_t *acc, size_t n)
{
	memset(acc, 0, n * sizeof(*acc));
}

/* Add @n samples of @fmt from @src to @acc.  Guest buffers have no
 * alignment promise: samples are read by memcpy. */
static inline void sndmix_add(int64_t *acc, const void *src, int fmt, size_t n)
{
	const unsigned char *p = src;
	size_t i;

	for (i = 0; i < n; i++) {
		int16_t s16;
		int32_t s32;
		float f;

		switch (fmt) {
		case XENSND_PCM_FORMAT_S16_LE:
			memcpy(&s16, p + 2 * i, 2);
			acc[i] += (int64_t)s16 * 65536;
			break;
		case XENSND_PCM_FORMAT_S32_LE:
			memcpy(&s32, p + 4 * i, 4);
			acc[i] += s32;
			break;
		case XENSND_PCM_FORMAT_F32_LE:
			memcpy(&f, p + 4 * i, 4);
			if (isnan(f))
				break; /* a guest's NaN is silence, not UB */
			if (f > 4.0f)
				f = 4.0f; /* keeps the cast in range */
			else if (f < -4.0f)
				f = -4.0f;
			acc[i] += (int64_t)((double)f * SNDMIX_S32_SCALE);
			break;
		default:
			return;
		}
	}
}

static inline int32_t sndmix_sat32(int64_t v)
{
	if (v > INT32_MAX)
		return INT32_MAX;
	if (v < INT32_MIN)
		return INT32_MIN;
	return (int32_t)v;
}

/* Add @frames frames of @channels samples of @fmt, channel c scaled by
 * @gain[c] (a linear factor: 0 mutes, 1 is unchanged). */
static inline void sndmix_add_gain(int64_t *acc, const void *src, int fmt,
				   size_t frames, unsigned int channels,
				   const double *gain)
{
	const unsigned char *p = src;
	size_t i, b = sndmix_sample_bytes(fmt);

	for (i = 0; i < frames * channels; i++) {
		int64_t t = 0;

		sndmix_add(&t, p + i * b, fmt, 1);
		acc[i] += (int64_t)((double)t * gain[i % channels]);
	}
}

/* 10^(mdb / 20000): a level in 0.001 dB steps as a linear factor, without
 * libm (2^x from its integer part and a series for the fraction). */
static inline double sndmix_db_gain(int32_t mdb)
{
	double y, f, term = 1, sum = 1, scale = 1;
	long k;
	int i;

	if (mdb < -200000) /* below -200 dB: silence */
		return 0;
	if (mdb > 40000) /* +40 dB at most */
		mdb = 40000;
	y = mdb * (3.321928094887362 / 20000.0); /* log2(10) / 20000 */
	k = (long)y - (y < 0 && y != (double)(long)y);
	f = (y - (double)k) * 0.6931471805599453; /* ln 2 */
	for (i = 1; i < 20; i++) {
		term *= f / i;
		sum += term;
	}
	for (; k > 0; k--)
		scale *= 2;
	for (; k < 0; k++)
		scale /= 2;
	return sum * scale;
}

/* Store @n accumulated samples into @dst as @fmt, saturating. */
static inline void sndmix_store(void *dst, int fmt, const int64_t *acc,
				size_t n)
{
	unsigned char *p = dst;
	size_t i;

	for (i = 0; i < n; i++) {
		int32_t s32 = sndmix_sat32(acc[i]);
		int16_t s16 = (int16_t)(s32 >> 16);
		float f = (float)((double)s32 / SNDMIX_S32_SCALE);

		switch (fmt) {
		case XENSND_PCM_FORMAT_S16_LE:
			memcpy(p + 2 * i, &s16, 2);
			break;
		case XENSND_PCM_FORMAT_S32_LE:
			memcpy(p + 4 * i, &s32, 4);
			break;
		case XENSND_PCM_FORMAT_F32_LE:
			memcpy(p + 4 * i, &f, 4);
			break;
		default:
			return;
		}
	}
}

/* Convert @n samples from @sfmt to @dfmt (capture fan-out). */
static inline void sndmix_convert(void *dst, int dfmt, const void *src,
				  int sfmt, size_t n)
{
	int64_t acc[256];
	size_t done = 0, sd = sndmix_sample_bytes(dfmt);
	size_t ss = sndmix_sample_bytes(sfmt);

	while (done < n) {
		size_t k = n - done < 256 ? n - done : 256;

		sndmix_clear(acc, k);
		sndmix_add(acc, (const unsigned char *)src + done * ss, sfmt,
			   k);
		sndmix_store((unsigned char *)dst + done * sd, dfmt, acc, k);
		done += k;
	}
}

#endif
