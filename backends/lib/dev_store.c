/*
 * Store keys: blocking requests through the platform, and the device's
 * key helpers (writes go through dev_dir.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "back_int.h"
#include "pvkit/xenbus.h"

int pvb_store_read(struct pvback *b, const char *path, char **value,
		   size_t *len)
{
	return b->ops->read(b->ctx, 0, path, value, len);
}

/* -ENOENT for a missing node, -EINVAL for a value that is no state. */
int pvb_store_read_state(struct pvback *b, const char *path,
			 enum xenbus_state *st)
{
	char *v = NULL;
	size_t len = 0;
	int rc = pvb_store_read(b, path, &v, &len);

	if (rc < 0)
		return rc;
	rc = pv_xenbus_state_parse(v, len, st) < 0 ? -EINVAL : 0;
	free(v);
	return rc;
}

int pvb_parse_uint(const char *s, uint64_t *out)
{
	unsigned int base = 10;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned int)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned int)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned int)(*s - 'A' + 10);
		else
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -EINVAL;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

/* A key is a relative path below the device's directory. */
static bool key_ok(const char *key)
{
	return key && key[0] && key[0] != '/' && !strstr(key, "..");
}

static int key_path(struct pvback_dev *dev, enum pvback_side side,
		    const char *key, char *path, size_t cap)
{
	const char *dir = side == PVBACK_FRONTEND ? dev->fe_path : dev->be_path;

	if (!key_ok(key) || (side != PVBACK_FRONTEND && side != PVBACK_BACKEND))
		return -EINVAL;
	if ((size_t)snprintf(path, cap, "%s/%s", dir, key) >= cap)
		return -ENAMETOOLONG;
	return 0;
}

int pvback_dev_read(struct pvback_dev *dev, enum pvback_side side,
		    const char *key, char *buf, size_t cap)
{
	char path[PVBACK_PATH_MAX], *v = NULL;
	size_t len = 0;
	int rc = key_path(dev, side, key, path, sizeof(path));

	if (rc < 0)
		return rc;
	rc = pvb_store_read(dev->type->b, path, &v, &len);
	if (rc < 0)
		return rc;
	if (len >= cap || len > INT32_MAX || memchr(v, '\0', len)) {
		rc = len >= cap ? -E2BIG : -EINVAL;
	} else {
		memcpy(buf, v, len + 1);
		rc = (int)len;
	}
	free(v);
	return rc;
}

int pvback_dev_guest_name(struct pvback_dev *dev, char *buf, size_t cap)
{
	char path[PVBACK_PATH_MAX], *v = NULL;
	size_t len = 0, n = 0;
	int rc;

	if (!cap)
		return -EINVAL;
	snprintf(path, sizeof(path), "/local/domain/%u/name",
		 (unsigned int)dev->domid);
	rc = pvb_store_read(dev->type->b, path, &v, &len);
	if (rc < 0)
		return rc;
	/* the guest may write its own name: printable ASCII only */
	for (size_t i = 0; i < len && n + 1 < cap; i++)
		buf[n++] = v[i] >= 0x20 && v[i] < 0x7f ? v[i] : '?';
	buf[n] = '\0';
	free(v);
	return (int)n;
}

int pvback_dev_read_uint(struct pvback_dev *dev, enum pvback_side side,
			 const char *key, uint64_t min, uint64_t max,
			 uint64_t *out)
{
	char buf[32];
	uint64_t v;
	int rc = pvback_dev_read(dev, side, key, buf, sizeof(buf));

	if (rc < 0)
		return rc == -E2BIG ? -EINVAL : rc;
	if (pvb_parse_uint(buf, &v) < 0 || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int pvback_dev_write(struct pvback_dev *dev, const char *key, const char *value)
{
	if (!key_ok(key) || !value)
		return -EINVAL;
	return pvb_dev_write(dev, key, value);
}

int pvback_dev_printf(struct pvback_dev *dev, const char *key, const char *fmt,
		      ...)
{
	char value[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(value))
		return n < 0 ? -EINVAL : -E2BIG;
	return pvback_dev_write(dev, key, value);
}

int pvback_dev_rm(struct pvback_dev *dev, const char *key)
{
	return key_ok(key) ? pvb_dev_rm(dev, key) : -EINVAL;
}
