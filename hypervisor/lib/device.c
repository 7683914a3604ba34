/*
 * device.c — para-virtual device hot plug (pvhv_device_add and _remove,
 * see "devices" in pvkit/hv.h): one DEVICE_ADD or DEVICE_REMOVE request
 * each; pvhv parses the spec strings and does the store work.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hvc.h"

_Static_assert(PVHV_REMOVE_FORCE == PVHV_DEVICE_FORCE, "flags");
_Static_assert(PVHV_REMOVED_CLOSED == (int)PVHV_DEVICE_GONE_CLOSED &&
		   PVHV_REMOVED_UNUSED == (int)PVHV_DEVICE_GONE_UNUSED &&
		   PVHV_REMOVED_TIMED_OUT == (int)PVHV_DEVICE_GONE_TIMED_OUT &&
		   PVHV_REMOVED_FORCED == (int)PVHV_DEVICE_GONE_FORCED &&
		   PVHV_REMOVED_DOMAIN_GONE == (int)PVHV_DEVICE_GONE_DOMAIN,
	       "removal outcomes");

static int copy_type(char out[PVHV_DEVICE_TYPE_MAX], const char *type)
{
	size_t n = type ? strlen(type) : 0;

	if (n == 0 || n >= PVHV_DEVICE_TYPE_MAX)
		return -EINVAL;
	memset(out, 0, PVHV_DEVICE_TYPE_MAX);
	memcpy(out, type, n);
	return 0;
}

int pvhv_device_add(struct pvhv *h, domid_t dom, const char *type,
		    const char *const *spec, unsigned int n,
		    unsigned int *devid)
{
	struct pvhv_ctl_device_add a = {.domid = dom, .n_specs = n};
	size_t len = 0, off = 0;
	struct hvc_reply r;
	struct iovec v[2];
	uint32_t id;
	char *buf;
	int rc;

	h->errmsg[0] = '\0';
	if (copy_type(a.type, type) || (n && !spec))
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++) {
		if (!spec[i])
			return -EINVAL;
		len += strlen(spec[i]) + 1;
		if (len > PVHV_CTL_MAX_PAYLOAD - sizeof(a))
			return -E2BIG;
	}
	buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	for (unsigned int i = 0; i < n; i++) {
		size_t k = strlen(spec[i]) + 1;

		memcpy(buf + off, spec[i], k);
		off += k;
	}
	v[0] = (struct iovec){.iov_base = &a, .iov_len = sizeof(a)};
	v[1] = (struct iovec){.iov_base = buf, .iov_len = len};
	rc = hvc_request(h, PVHV_CTL_DEVICE_ADD, v, 2, &r);
	free(buf);
	if (rc)
		return rc;
	hvc_close_fds(r.fds, r.nfds);
	if (r.len != sizeof(id))
		return -EPROTO;
	memcpy(&id, r.payload, sizeof(id));
	if (devid)
		*devid = id;
	return 0;
}

int pvhv_device_remove(struct pvhv *h, domid_t dom, const char *type,
		       unsigned int devid, unsigned int flags,
		       unsigned int timeout_ms, enum pvhv_removal *how)
{
	struct pvhv_ctl_device_remove rq = {.domid = dom,
					    .devid = devid,
					    .flags = flags,
					    .timeout_ms = timeout_ms};
	uint32_t out;
	int rc;

	h->errmsg[0] = '\0';
	if (copy_type(rq.type, type) || (flags & ~PVHV_REMOVE_FORCE))
		return -EINVAL;
	rc = hvc_simple(h, PVHV_CTL_DEVICE_REMOVE, &rq, sizeof(rq), &out,
			sizeof(out));
	if (!rc && how)
		*how = (enum pvhv_removal)out;
	return rc;
}
