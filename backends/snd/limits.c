/*
 * Stream limits (pvkit/sndback.h): the store's lists and numbers, narrowed
 * level by level, and intersected with what a host side can do.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pvkit/sndback.h"
#include "pvkit/sndif.h"

#define N_FORMATS PV_SNDIF_NFORMATS
#define ALL_FORMATS ((UINT64_C(1) << N_FORMATS) - 1)

const char *sndback_format_name(uint8_t format)
{
	return pv_sndif_format_name(format);
}

unsigned int sndback_format_bytes(uint8_t format)
{
	switch (format) {
	case XENSND_PCM_FORMAT_S8:
	case XENSND_PCM_FORMAT_U8:
	case XENSND_PCM_FORMAT_MU_LAW:
	case XENSND_PCM_FORMAT_A_LAW:
		return 1;
	case XENSND_PCM_FORMAT_S16_LE:
	case XENSND_PCM_FORMAT_S16_BE:
	case XENSND_PCM_FORMAT_U16_LE:
	case XENSND_PCM_FORMAT_U16_BE:
		return 2;
	case XENSND_PCM_FORMAT_S24_LE: /* in 32 bits, as ALSA's S24 */
	case XENSND_PCM_FORMAT_S24_BE:
	case XENSND_PCM_FORMAT_U24_LE:
	case XENSND_PCM_FORMAT_U24_BE:
	case XENSND_PCM_FORMAT_S32_LE:
	case XENSND_PCM_FORMAT_S32_BE:
	case XENSND_PCM_FORMAT_U32_LE:
	case XENSND_PCM_FORMAT_U32_BE:
	case XENSND_PCM_FORMAT_F32_LE:
	case XENSND_PCM_FORMAT_F32_BE:
	case XENSND_PCM_FORMAT_IEC958_SUBFRAME_LE:
	case XENSND_PCM_FORMAT_IEC958_SUBFRAME_BE:
		return 4;
	case XENSND_PCM_FORMAT_F64_LE:
	case XENSND_PCM_FORMAT_F64_BE:
		return 8;
	default:
		return 0;
	}
}

void sndback_limits_any(struct sndback_limits *l)
{
	memset(l, 0, sizeof(*l));
	l->formats = ALL_FORMATS;
	l->rate_min = 1;
	l->rate_max = INT32_MAX;
	l->channels_min = 1;
	l->channels_max = UINT8_MAX;
}

/* A decimal number in [1, max] with nothing else around it. */
static int parse_num(const char *s, size_t len, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;

	if (!len || len > 10)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (!v || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* Next item of a list at *s ("," separated; ';' accepted too, as some
 * toolstacks' configs spell lists); its length, 0 at the end. */
static size_t next_item(const char **s, const char **item)
{
	const char *p = *s;
	size_t n;

	if (!*p)
		return 0;
	n = strcspn(p, ",;");
	*item = p;
	*s = p[n] ? p + n + 1 : p + n;
	return n ? n : (size_t)-1;
}

/* Non-empty, and no empty item at either end. */
static bool list_ok(const char *s)
{
	size_t n = strlen(s);

	return n && !strchr(",;", s[0]) && !strchr(",;", s[n - 1]);
}

static void rate_list_to_range(struct sndback_limits *l)
{
	if (l->n_rates) {
		l->rate_min = l->rates[0];
		l->rate_max = l->rates[l->n_rates - 1];
	}
}

static int narrow_rates(struct sndback_limits *l, const char *s)
{
	uint32_t got[SNDBACK_RATES_MAX];
	unsigned int n = 0, k = 0;
	const char *item;
	size_t len;

	if (!list_ok(s))
		return -EINVAL;
	while ((len = next_item(&s, &item)) != 0) {
		uint32_t r;
		if (len == (size_t)-1 || n == SNDBACK_RATES_MAX ||
		    parse_num(item, len, INT32_MAX, &r))
			return -EINVAL;
		/* sorted insert, duplicates dropped */
		unsigned int i = 0;
		while (i < n && got[i] < r)
			i++;
		if (i < n && got[i] == r)
			continue;
		memmove(&got[i + 1], &got[i], (n - i) * sizeof(got[0]));
		got[i] = r;
		n++;
	}
	if (!n)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++)
		if (sndback_limits_rate_ok(l, got[i]))
			l->rates[k++] = got[i];
	l->n_rates = k;
	if (!k)
		return -EINVAL;
	rate_list_to_range(l);
	return 0;
}

static int narrow_formats(struct sndback_limits *l, const char *s)
{
	uint64_t mask = 0;
	const char *item;
	size_t len;

	if (!list_ok(s))
		return -EINVAL;
	while ((len = next_item(&s, &item)) != 0) {
		int f;

		if (len == (size_t)-1)
			return -EINVAL;
		f = pv_sndif_format_parse(item, len);
		if (f < 0)
			return -EINVAL;
		mask |= UINT64_C(1) << f;
	}
	l->formats &= mask;
	return l->formats ? 0 : -EINVAL;
}

int sndback_limits_narrow(struct sndback_limits *l, const char *rates,
			  const char *formats, const char *ch_min,
			  const char *ch_max, const char *buffer_size)
{
	uint32_t v;
	int rc;

	if (rates && (rc = narrow_rates(l, rates)))
		return rc;
	if (formats && (rc = narrow_formats(l, formats)))
		return rc;
	if (ch_min) {
		if (parse_num(ch_min, strlen(ch_min), UINT8_MAX, &v))
			return -EINVAL;
		if (v > l->channels_min)
			l->channels_min = v;
	}
	if (ch_max) {
		if (parse_num(ch_max, strlen(ch_max), UINT8_MAX, &v))
			return -EINVAL;
		if (v < l->channels_max)
			l->channels_max = v;
	}
	if (l->channels_min > l->channels_max)
		return -EINVAL;
	if (buffer_size) {
		if (parse_num(buffer_size, strlen(buffer_size), INT32_MAX, &v))
			return -EINVAL;
		if (!l->buffer_max || v < l->buffer_max)
			l->buffer_max = v;
	}
	return 0;
}

bool sndback_limits_rate_ok(const struct sndback_limits *l, uint32_t rate)
{
	if (rate < l->rate_min || rate > l->rate_max)
		return false;
	if (!l->n_rates)
		return true;
	for (unsigned int i = 0; i < l->n_rates; i++)
		if (l->rates[i] == rate)
			return true;
	return false;
}

int sndback_limits_and(struct sndback_limits *l,
		       const struct sndback_limits *b)
{
	l->formats &= b->formats;
	if (b->channels_min > l->channels_min)
		l->channels_min = b->channels_min;
	if (b->channels_max < l->channels_max)
		l->channels_max = b->channels_max;
	if (b->buffer_max && (!l->buffer_max || b->buffer_max < l->buffer_max))
		l->buffer_max = b->buffer_max;
	if (b->rate_min > l->rate_min)
		l->rate_min = b->rate_min;
	if (b->rate_max < l->rate_max)
		l->rate_max = b->rate_max;
	if (l->n_rates || b->n_rates) {
		const struct sndback_limits *list = l->n_rates ? l : b;
		const struct sndback_limits *other = l->n_rates ? b : l;
		uint32_t keep[SNDBACK_RATES_MAX];
		unsigned int k = 0;
		for (unsigned int i = 0; i < list->n_rates; i++) {
			uint32_t r = list->rates[i];
			if (r >= l->rate_min && r <= l->rate_max &&
			    sndback_limits_rate_ok(other, r))
				keep[k++] = r;
		}
		memcpy(l->rates, keep, k * sizeof(keep[0]));
		l->n_rates = k;
		if (!k)
			return -EINVAL;
		rate_list_to_range(l);
	}
	if (!l->formats || l->channels_min > l->channels_max ||
	    l->rate_min > l->rate_max)
		return -EINVAL;
	return 0;
}
