/*
 * The display's description (pvkit/displfront.h): connectors from the
 * store, the backend's protocol versions, pixel formats and the EDID's
 * preferred mode.  Freestanding.
 */
#include "displfront_impl.h"
#include "pvkit/proto/errno.h"

uint32_t displfront_format_bpp(uint32_t fourcc)
{
	return pv_displif_format_bpp(fourcc);
}

/* A decimal number in [1, max] from s[0..len). */
static int number(const char *s, size_t len, uint32_t max, uint32_t *out)
{
	uint64_t v;

	if (pvfront_parse_uint(s, len, max, &v) || v == 0)
		return -XEN_EBADMSG;
	*out = (uint32_t)v;
	return 0;
}

/* "<c>/key" into buf. */
static void conn_key(char *buf, size_t cap, unsigned int c, const char *k)
{
	char d[12];
	size_t n = 0, nd = 0;

	do {
		d[nd++] = (char)('0' + c % 10u);
		c /= 10u;
	} while (c);
	while (nd && n + 2 < cap)
		buf[n++] = d[--nd];
	buf[n++] = '/';
	while (*k && n + 1 < cap)
		buf[n++] = *k++;
	buf[n] = '\0';
}

void displfront_conn_key(char *buf, size_t cap, unsigned int c, const char *k)
{
	conn_key(buf, cap, c, k);
}

/* "WxH" */
static int resolution(const char *v, size_t len, uint32_t *w, uint32_t *h)
{
	size_t x = 0;

	while (x < len && v[x] != XENDISPL_RESOLUTION_SEPARATOR[0])
		x++;
	if (x == len)
		return -XEN_EBADMSG;
	if (number(v, x, DISPLFRONT_RES_MAX, w) ||
	    number(v + x + 1, len - x - 1, DISPLFRONT_RES_MAX, h))
		return -XEN_EBADMSG;
	return 0;
}

static int one_conn(struct pvfront_dev *dev, unsigned int c,
		    struct displfront_conn_info *in)
{
	char k[32], v[32];
	int rc;

	conn_key(k, sizeof(k), c, XENDISPL_FIELD_RESOLUTION);
	rc = pvfront_dev_read(dev, PVFRONT_FRONTEND, k, v, sizeof(v));
	if (rc < 0)
		return rc;
	if (resolution(v, (size_t)rc, &in->width, &in->height))
		return -XEN_EBADMSG;
	conn_key(k, sizeof(k), c, XENDISPL_FIELD_UNIQUE_ID);
	rc = pvfront_dev_read(dev, PVFRONT_FRONTEND, k, in->unique_id,
			      sizeof(in->unique_id));
	if (rc == 0 || rc == -XEN_ENOENT)
		return -XEN_EBADMSG;
	in->index = c;
	return rc < 0 ? rc : 0;
}

int displfront_walk(struct displfront *df)
{
	char v[8];
	unsigned int c;
	int rc;

	df->n = 0;
	rc = pvfront_dev_read(&df->dev, PVFRONT_FRONTEND,
			      XENDISPL_FIELD_BE_ALLOC, v, sizeof(v));
	df->be_alloc = rc == 1 && v[0] == '1';
	for (c = 0;; c++) {
		struct displfront_conn_info in = {0};

		rc = one_conn(&df->dev, c, &in);
		if (rc == -XEN_ENOENT)
			break;
		if (rc)
			return rc;
		if (c == DISPLFRONT_CONNECTORS_MAX)
			return -XEN_E2BIG;
		df->c[c].info = in;
		df->n = c + 1;
	}
	return df->n ? 0 : -XEN_ENOENT;
}

int displfront_pick_version(struct pvfront_dev *dev, unsigned int *version)
{
	char v[64];
	unsigned int best = 0;
	const char *p = v;
	int rc = pvfront_dev_read(dev, PVFRONT_BACKEND,
				  XENDISPL_FIELD_BE_VERSIONS, v, sizeof(v));

	if (rc < 0)
		return rc == -XEN_ENOENT ? -XEN_EOPNOTSUPP : rc;
	while (*p) {
		const char *e = p;
		uint32_t n;

		while (*e && *e != XENDISPL_LIST_SEPARATOR[0])
			e++;
		if (!number(p, (size_t)(e - p), 0xffffffffu, &n) &&
		    n <= XENDISPL_PROTOCOL_VERSION_INT && n > best)
			best = n;
		p = *e ? e + 1 : e;
	}
	if (!best)
		return -XEN_EOPNOTSUPP;
	*version = best;
	return 0;
}

static const uint8_t edid_header[8] = {0x00, 0xff, 0xff, 0xff,
				       0xff, 0xff, 0xff, 0x00};

int displfront_edid_mode(const uint8_t *e, size_t len, uint32_t *width,
			 uint32_t *height)
{
	const uint8_t *t;
	uint8_t sum = 0;
	size_t i;

	if (!e || len < XENDISPL_EDID_BLOCK_SIZE || !width || !height)
		return -XEN_EBADMSG;
	for (i = 0; i < sizeof(edid_header); i++)
		if (e[i] != edid_header[i])
			return -XEN_EBADMSG;
	for (i = 0; i < XENDISPL_EDID_BLOCK_SIZE; i++)
		sum = (uint8_t)(sum + e[i]);
	if (sum)
		return -XEN_EBADMSG;
	/* the first detailed timing (54..71): a pixel clock, then the active
	 * sizes, each 8 low bits and 4 high bits in a shared byte */
	t = e + 54;
	if (t[0] == 0 && t[1] == 0)
		return -XEN_EBADMSG;
	*width = (uint32_t)t[2] | ((uint32_t)(t[4] & 0xf0u) << 4);
	*height = (uint32_t)t[5] | ((uint32_t)(t[7] & 0xf0u) << 4);
	return *width && *height ? 0 : -XEN_EBADMSG;
}
