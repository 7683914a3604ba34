/*
 * devices_int.h — shared by devices.c (a domain's device records, hot
 * plug, removal) and devices_nodes.c (the store nodes of one device).
 */
#ifndef PVHV_DEVICES_INT_H
#define PVHV_DEVICES_INT_H

#include <errno.h>
#include <stdint.h>

#include "devcfg.h"

struct store;
struct removal;

#define DEV_PATH_MAX 96

/* One device of a domain, as pvhv remembers it (the store holds the
 * rest). */
struct hv_dev {
	enum devcfg_type type;
	unsigned int devid;
	uint16_t domid;
	char fe[DEV_PATH_MAX]; /* /local/domain/DOM/device/KIND/ID */
	char be[DEV_PATH_MAX]; /* /local/domain/0/backend/BKIND/DOM/ID */
	char lx[DEV_PATH_MAX]; /* /libxl/DOM/device/KIND/ID */
	struct removal *rm;    /* a removal waiting for the backend */
	struct hv_dev *next;
};

/* Write the libxl, frontend and backend nodes of dev (devices.h).  0 or
 * the first store error; the caller takes back a partial device. */
int dev_write_nodes(struct store *st, const struct hv_dev *dv,
		    const struct devcfg_dev *dev);

#endif
