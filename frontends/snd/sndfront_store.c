/*
 * The card's description in the store (pvkit/sndfront.h): its streams
 * under device/vsnd/<dev>/<pcm>/<stream>, with the limits each level sets
 * for the ones below.  Freestanding.
 */
#include "pvkit/sndfront.h"
#include "pvkit/sndif.h"
#include "pvkit/proto/errno.h"
#include "sndfront_impl.h"

uint32_t sndfront_frame_bytes(unsigned int format, unsigned int channels)
{
	if (channels == 0 || channels > 255)
		return 0;
	return pv_sndif_format_bits(format) / 8u * channels;
}

uint64_t sndfront_format_bit(const char *name, size_t len)
{
	int f = pv_sndif_format_parse(name, len);

	return f < 0 ? 0 : (uint64_t)1 << f;
}

static bool same(const char *a, size_t len, const char *b)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != a[i] || b[i] == '\0')
			return false;
	return b[len] == '\0';
}

/* A decimal number in [1, 0xffffffff] from s[0..len). */
static int number(const char *s, size_t len, uint32_t *out)
{
	uint64_t v;

	if (pvfront_parse_uint(s, len, 0xffffffffu, &v) || v == 0)
		return -XEN_EBADMSG;
	*out = (uint32_t)v;
	return 0;
}

/* Items of a list joined by ',' (README's guest configuration uses ';'
 * between them; pvhv writes the protocol's ','). */
static bool sep(char c)
{
	return c == ',' || c == ';';
}

static int parse_rates(const char *v, struct sndfront_stream_info *in)
{
	uint32_t rates[SNDFRONT_RATES_MAX];
	unsigned int n = 0, i, j;
	const char *p = v;

	while (*p) {
		const char *e = p;
		uint32_t r;
		int rc;

		while (*e && !sep(*e))
			e++;
		rc = number(p, (size_t)(e - p), &r);
		if (rc)
			return rc;
		if (n == SNDFRONT_RATES_MAX)
			return -XEN_EBADMSG;
		rates[n++] = r;
		p = *e ? e + 1 : e;
	}
	if (!n)
		return -XEN_EBADMSG;
	if (!in->nrates) {
		__builtin_memcpy(in->rates, rates, sizeof(rates));
		in->nrates = n;
		return 0;
	}
	/* a lower level only narrows: keep what both allow */
	for (i = 0, j = 0; i < in->nrates; i++) {
		unsigned int k;

		for (k = 0; k < n; k++)
			if (rates[k] == in->rates[i])
				break;
		if (k < n)
			in->rates[j++] = in->rates[i];
	}
	in->nrates = j;
	return j ? 0 : -XEN_EBADMSG;
}

static int parse_formats(const char *v, struct sndfront_stream_info *in)
{
	uint64_t mask = 0;
	const char *p = v;

	while (*p) {
		const char *e = p;
		uint64_t bit;

		while (*e && !sep(*e))
			e++;
		bit = sndfront_format_bit(p, (size_t)(e - p));
		if (!bit)
			return -XEN_EBADMSG;
		mask |= bit;
		p = *e ? e + 1 : e;
	}
	if (!mask)
		return -XEN_EBADMSG;
	in->formats = in->formats ? in->formats & mask : mask;
	return in->formats ? 0 : -XEN_EBADMSG;
}

/* Build "<a>/<b>/key" (a, b: -1 to leave out). */
static void key(char *buf, size_t cap, long a, long b, const char *k)
{
	size_t n = 0;
	long part[2] = {a, b};
	unsigned int i;

	for (i = 0; i < 2; i++) {
		char d[12];
		unsigned int nd = 0;
		unsigned long v;

		if (part[i] < 0)
			continue;
		v = (unsigned long)part[i];
		do {
			d[nd++] = (char)('0' + v % 10u);
			v /= 10u;
		} while (v);
		while (nd && n + 1 < cap)
			buf[n++] = d[--nd];
		if (n + 1 < cap)
			buf[n++] = '/';
	}
	while (*k && n + 1 < cap)
		buf[n++] = *k++;
	buf[n] = '\0';
}

/* One level's limits (a, b as key()) folded into in. */
static int limits(struct pvfront_dev *dev, long a, long b,
		  struct sndfront_stream_info *in)
{
	char k[64], v[256];
	uint32_t x;
	int rc;

	key(k, sizeof(k), a, b, XENSND_FIELD_SAMPLE_RATES);
	rc = pvfront_dev_read(dev, PVFRONT_FRONTEND, k, v, sizeof(v));
	if (rc >= 0)
		rc = parse_rates(v, in);
	if (rc < 0 && rc != -XEN_ENOENT)
		return rc;
	key(k, sizeof(k), a, b, XENSND_FIELD_SAMPLE_FORMATS);
	rc = pvfront_dev_read(dev, PVFRONT_FRONTEND, k, v, sizeof(v));
	if (rc >= 0)
		rc = parse_formats(v, in);
	if (rc < 0 && rc != -XEN_ENOENT)
		return rc;
	key(k, sizeof(k), a, b, XENSND_FIELD_CHANNELS_MIN);
	rc = pvfront_dev_read(dev, PVFRONT_FRONTEND, k, v, sizeof(v));
	if (rc >= 0 && !(rc = number(v, (size_t)rc, &x)))
		in->channels_min = x > in->channels_min ? x : in->channels_min;
	if (rc < 0 && rc != -XEN_ENOENT)
		return rc;
	key(k, sizeof(k), a, b, XENSND_FIELD_CHANNELS_MAX);
	rc = pvfront_dev_read(dev, PVFRONT_FRONTEND, k, v, sizeof(v));
	if (rc >= 0 && !(rc = number(v, (size_t)rc, &x)))
		in->channels_max = !in->channels_max || x < in->channels_max
				       ? x
				       : in->channels_max;
	if (rc < 0 && rc != -XEN_ENOENT)
		return rc;
	key(k, sizeof(k), a, b, XENSND_FIELD_BUFFER_SIZE);
	rc = pvfront_dev_read(dev, PVFRONT_FRONTEND, k, v, sizeof(v));
	if (rc >= 0 && !(rc = number(v, (size_t)rc, &x)))
		in->buffer_size = !in->buffer_size || x < in->buffer_size
				      ? x
				      : in->buffer_size;
	if (rc < 0 && rc != -XEN_ENOENT)
		return rc;
	if (in->channels_max && in->channels_min > in->channels_max)
		return -XEN_EBADMSG;
	return 0;
}

/* The numbered children of a directory (a, b as key()), ascending. */
static int children(struct pvfront_dev *dev, long a, uint32_t *ids,
		    unsigned int max)
{
	static char buf[1024]; /* one thread, as libpvfront */
	const char *names[64];
	char path[PVFRONT_PATH_MAX];
	unsigned int n = 0, i;
	int rc;

	key(path, sizeof(path), a, -1, "");
	{
		/* device/vsnd/<id>/<a> */
		const char *base = pvfront_dev_path(dev);
		char full[PVFRONT_PATH_MAX + 16];
		size_t l = 0, j = 0;

		while (base[l] && l + 1 < sizeof(full))
			full[l] = base[l], l++;
		if (a >= 0 && l + 1 < sizeof(full))
			full[l++] = '/';
		while (path[j] && path[j] != '/' && l + 1 < sizeof(full))
			full[l++] = path[j++];
		full[l] = '\0';
		rc = pvfront_xs_directory(pvfront_xs(pvfront_dev_front(dev)), 0,
					  full, buf, sizeof(buf), names, 64);
	}
	if (rc < 0)
		return rc;
	for (i = 0; i < (unsigned int)rc; i++) {
		uint32_t v = 0;
		const char *p = names[i];
		size_t len = 0, k;

		while (p[len])
			len++;
		if (!len || len > 9)
			continue;
		for (k = 0; k < len && p[k] >= '0' && p[k] <= '9'; k++)
			v = v * 10u + (uint32_t)(p[k] - '0');
		if (k != len || (len > 1 && p[0] == '0'))
			continue;
		if (n == max)
			return -XEN_E2BIG;
		/* insertion sort: a handful of entries */
		for (k = n; k > 0 && ids[k - 1] > v; k--)
			ids[k] = ids[k - 1];
		ids[k] = v;
		n++;
	}
	return (int)n;
}

int sndfront_walk(struct sndfront *sf)
{
	struct pvfront_dev *dev = &sf->dev;
	struct sndfront_stream_info card = {0};
	uint32_t pcms[16], streams[16];
	int np, ns, rc, i, j;

	sf->n = 0;
	rc = limits(dev, -1, -1, &card);
	if (rc)
		return rc;
	np = children(dev, -1, pcms, 16);
	if (np < 0)
		return np;
	for (i = 0; i < np; i++) {
		struct sndfront_stream_info pcm = card;

		rc = limits(dev, (long)pcms[i], -1, &pcm);
		if (rc)
			return rc;
		ns = children(dev, (long)pcms[i], streams, 16);
		if (ns < 0)
			return ns;
		for (j = 0; j < ns; j++) {
			struct sndfront_stream_info in = pcm;
			char k[64], v[8];

			in.pcm = pcms[i];
			in.stream = streams[j];
			key(k, sizeof(k), (long)in.pcm, (long)in.stream,
			    XENSND_FIELD_TYPE);
			rc = pvfront_dev_read(dev, PVFRONT_FRONTEND, k, v,
					      sizeof(v));
			if (rc < 0)
				return rc == -XEN_ENOENT ? -XEN_EBADMSG : rc;
			if (same(XENSND_STREAM_TYPE_CAPTURE, 1, v))
				in.capture = true;
			else if (!same(XENSND_STREAM_TYPE_PLAYBACK, 1, v))
				return -XEN_EBADMSG;
			key(k, sizeof(k), (long)in.pcm, (long)in.stream,
			    XENSND_FIELD_STREAM_UNIQUE_ID);
			rc = pvfront_dev_read(dev, PVFRONT_FRONTEND, k,
					      in.unique_id,
					      sizeof(in.unique_id));
			if (rc < 0)
				return rc == -XEN_ENOENT ? -XEN_EBADMSG : rc;
			rc = limits(dev, (long)in.pcm, (long)in.stream, &in);
			if (rc)
				return rc;
			if (sf->n == SNDFRONT_STREAMS_MAX)
				return -XEN_E2BIG;
			sf->s[sf->n++].info = in;
		}
	}
	return sf->n ? 0 : -XEN_ENOENT;
}

void sndfront_stream_key(char *buf, size_t cap,
			 const struct sndfront_stream_info *in, const char *k)
{
	key(buf, cap, (long)in->pcm, (long)in->stream, k);
}
