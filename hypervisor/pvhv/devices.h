/*
 * devices.h — a guest's para-virtual devices in the store, laid out as
 * libxl lays them out, so that a backend written for a Xen toolstack finds
 * them where it looks.
 *
 * Where.  A device of type TYPE (devcfg.h: vkb, vsnd, vdispl, p9,
 * pvcalls) with device id ID of guest DOM, served by dom0, has
 *   frontend  /local/domain/DOM/device/KIND/ID      (KIND: vkbd, vsnd,
 *             vdispl, 9pfs, pvcalls)
 *   backend   /local/domain/0/backend/BKIND/DOM/ID  (BKIND = KIND, except a
 *             vkb with backend-type=linux: vinput)
 *   libxl's   /libxl/DOM/device/KIND/ID             (the toolstack's own
 *             record: frontend, backend, and a copy of the backend's keys)
 * Device ids count per type from 0 in config order; a hot-plugged device
 * gets one more than the highest id of its type in use (libxl's rule).
 *
 * What.  The frontend holds backend (the backend's path), backend-id and
 * state = 1 (Initialising); the backend holds frontend (the frontend's
 * path), frontend-id, online = 1 and state = 1.  Per type:
 *   vkb      backend: unique-id, feature-disable-keyboard,
 *            feature-disable-pointer, feature-abs-pointer,
 *            feature-raw-pointer (each only when 1), feature-multi-touch
 *            with multi-touch-width, -height and -num-contacts, width,
 *            height (when given)
 *   vsnd     frontend: long-name, short-name, the card's sample-rates,
 *            sample-formats (comma-joined), channels-min, channels-max,
 *            buffer-size; P/name and the same for PCM P; P/S/unique-id,
 *            P/S/type and the same for stream S of PCM P (only what the
 *            config gave)
 *   vdispl   frontend, read-only for the guest: be-alloc (0 or 1),
 *            C/resolution ("WxH") and C/unique-id for connector C
 *   p9       frontend: tag; backend: path, security_model
 *   pvcalls  nothing more
 *
 * Permissions, as libxl sets them: the frontend directory and everything
 * in it belong to the guest, readable by the backend domain ("nDOM r0");
 * the backend directory belongs to the backend domain, readable by the
 * guest ("n0 rDOM"), and so do vdispl's read-only frontend nodes.
 *
 * All of a device is written within one turn of pvhv's loop, and pvhv
 * serves store requests only from that loop: no client, not even a
 * backend woken by the first watch event, can read the store before the
 * device is complete (what libxl gets from its transaction).  A failed
 * write takes back what was written.
 *
 * Removal follows xl's *-detach: the backend gets online = 0 and state =
 * 5 (Closing), and once it reports state 6 (Closed) or removes its
 * directory, both directories go (and empty parents, as libxl cleans up).
 * If it does not within the timeout, they go anyway, as libxl forces it.
 * Two shortcuts, because a device may have no backend at all (pvhv starts
 * none): a backend still in state 1, which no backend ever picked up,
 * and HV_DEVICE_FORCE remove at once.  A domain's death removes all its
 * devices, before the store releases the domain.
 */
#ifndef PVHV_DEVICES_H
#define PVHV_DEVICES_H

#include <stddef.h>

#include "devcfg.h"

struct domain;

#define HV_DEVICE_FORCE	      1u     /* remove without asking the backend */
#define HV_DEVICE_TIMEOUT_MS  10000u /* libxl's time for a backend */
#define HV_DEVICE_TIMEOUT_MAX 600000u

/* How a removal ended (the values are ctl_wire.h's PVHV_DEVICE_GONE_*). */
enum hv_device_gone {
	HV_DEVICE_CLOSED = 1,  /* the backend closed it */
	HV_DEVICE_UNUSED,      /* no backend had picked it up */
	HV_DEVICE_TIMED_OUT,   /* the backend did not close it in time */
	HV_DEVICE_FORCED,      /* HV_DEVICE_FORCE */
	HV_DEVICE_DOMAIN_GONE, /* the domain died meanwhile */
};

/* Write every device of d's config; after store_domain_introduce().
 * 0, or the first error (the devices before it stay). */
int hv_devices_create(struct domain *d);
/* Remove every device of d, ending removals in progress
 * (HV_DEVICE_DOMAIN_GONE); before store_domain_release(). */
void hv_devices_release(struct domain *d);

/* Hot plug: write dev (its contents are copied) as the next device of
 * its type; *devid gets its id.  -errno with a message in err. */
int hv_device_add(struct domain *d, const struct devcfg_dev *dev,
		  unsigned int *devid, char *err, size_t errlen);

typedef void hv_device_done_fn(enum hv_device_gone how, void *arg);
/* Remove device devid of type t (see above).  0 when it started: done is
 * called once it is gone, which may be before this returns; or -ENOENT,
 * -EBUSY (a removal is in progress), -ENODEV (no store) without calling
 * done.  timeout_ms 0 means HV_DEVICE_TIMEOUT_MS. */
int hv_device_remove(struct domain *d, enum devcfg_type t, unsigned int devid,
		     unsigned int flags, unsigned int timeout_ms,
		     hv_device_done_fn *done, void *arg);

#endif
