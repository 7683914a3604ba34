/*
 * Names made from guest keys (pvkit/back.h, pvback_file_name()).
 */
#include <stdio.h>

#include "pvkit/back.h"

static bool name_byte_ok(char ch, size_t k)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	       (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' ||
	       (ch == '.' && k);
}

size_t pvback_file_name(char *out, size_t cap, domid_t domid, const char *id)
{
	/* snprintf cuts the prefix to cap and NUL-terminates (cap 0: none) */
	size_t n = (size_t)snprintf(out, cap, "%u-", (unsigned int)domid);

	for (size_t k = 0; id && id[k]; k++, n++) {
		if (n + 1 < cap) {
			out[n] = name_byte_ok(id[k], k) ? id[k] : '_';
			out[n + 1] = '\0';
		}
	}
	return n;
}
