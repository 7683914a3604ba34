/*
 * libpvback's insides: the structures behind the opaque handles of
 * pvkit/back.h, and the calls its files make of each other.
 *
 *   core.c      the instance: platform in the loop, logging, fatal errors
 *   bus.c       device types: the backend directory's watch, devices
 *               found and gone
 *   dev_state.c one device's xenbus state machine and its failure
 *   dev_store.c store keys of a device; store helpers
 *   dev_dir.c   the backend directory: claimed, checked, written
 *   dev_map.c   grant mappings and page directories
 *   dev_evt.c   event channels in the loop
 *   plat_pvhv.c the platform on libpvhv
 */
#ifndef PVBACK_INT_H
#define PVBACK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvkit/back.h"

struct event;

struct pvback {
	struct event_base *base;
	const struct pvback_platform_ops *ops;
	void *ctx;
	struct event *fd_ev[PVBACK_PLATFORM_FDS];
	int nfds;
	struct pvback_type *types;
	pvback_log_fn *log;
	void *log_arg;
	pvback_fatal_fn *fatal;
	void *fatal_arg;
	int error;
	unsigned long serial; /* for unique watch tokens */
	char instance[24];    /* tells this instance's tokens from others' */
};

/* A registered device type. */
struct pvback_type {
	struct pvback_type *next;
	struct pvback *b;
	const struct pvback_device_ops *ops;
	void *arg;
	char *dir;	/* /local/domain/0/backend/DIR */
	char token[96]; /* of the watch on dir */
	struct pvback_dev *devs;
	unsigned long gen; /* of the latest scan */
};

/* One mapping a device made. */
struct pvback_map {
	struct pvback_map *next;
	void *addr;
	unsigned int n;
	bool own; /* dom0's own pages granted (grant_alloc), not a mapping */
};

struct pvback_evt {
	struct pvback_evt *next;
	struct pvback_dev *dev;
	void *port; /* the platform's */
	struct event *ev;
	pvback_evt_fn *cb;
	void *arg;
};

struct pvback_dev {
	struct pvback_dev *next;
	struct pvback_type *type;
	domid_t domid;
	unsigned int devid;
	char *be_path;
	char *fe_path;
	char fe_token[48];
	char token[48]; /* our claim on the backend directory (dev_dir.c) */
	bool fe_watched;
	/* be: as we last wrote it (Unknown: not yet, in this process); fe: as
	 * last seen (fe_alive once any state was seen) */
	enum xenbus_state be, fe;
	bool fe_alive;
	bool online;
	bool closed_by_toolstack;
	bool probed;
	bool conn;	/* connect() called, disconnect() owed */
	bool connected; /* connect() succeeded */
	bool failed;
	bool bad_frontend; /* the backend directory names another frontend */
	bool stale; /* the directory went or was made anew: renew the device */
	/* found Connected by this process, type reconnect_on_restart: ask
	 * the frontend to reconnect (until it leaves Connected) */
	bool takeover;
	unsigned long gen; /* of the scan that last found it */
	struct event *settle_ev;
	struct pvback_map *maps;
	struct pvback_evt *evts;
	void *priv;
};

/* core.c */
void pvback_fatal_error(struct pvback *b, int err);
void pvback_logv(struct pvback *b, enum pvback_log_level level, const char *fmt,
		 va_list ap) PVBACK_PRINTF(3, 0);

/* bus.c */
void pvb_bus_type_free(struct pvback_type *t);
/* Destroy dev; serve the directory anew if there is one now. */
void pvb_bus_renew(struct pvback_dev *dev);

/* dev_state.c */
int pvb_dev_create(struct pvback_type *t, domid_t dom, unsigned int devid,
		   struct pvback_dev **out);
void pvb_dev_destroy(struct pvback_dev *dev);
/* The backend directory changed (state, online, or the directory):
 * -ENOENT when it is gone or was made anew (the caller renews it). */
int pvb_dev_backend_changed(struct pvback_dev *dev);
/* The directory is not this device's any more: renew it from the loop. */
void pvb_dev_mark_stale(struct pvback_dev *dev);

/* dev_store.c: blocking store calls through the platform.  Paths of at
 * most PVBACK_PATH_MAX bytes. */
#define PVBACK_PATH_MAX 256u
int pvb_store_read(struct pvback *b, const char *path, char **value,
		   size_t *len);
int pvb_store_read_state(struct pvback *b, const char *path,
			 enum xenbus_state *st);
/* Strict unsigned parse: decimal or 0x hex, nothing else. */
int pvb_parse_uint(const char *s, uint64_t *out);

/* dev_dir.c: the backend directory, claimed with a token of the
 * device's.  pvb_dev_claim(): -ENOENT when it is not (or no longer) there;
 * else the toolstack's online, and whether its frontend names are the
 * expected ones.  pvb_dev_dir_ok(): the token is still ours.  pvb_dev_write(),
 * pvb_dev_rm(): only while it is (-ENOENT, and the device is marked stale). */
int pvb_dev_claim(struct pvback_dev *dev, bool *frontend_ok);
bool pvb_dev_dir_ok(struct pvback_dev *dev);
int pvb_dev_write(struct pvback_dev *dev, const char *key, const char *value);
int pvb_dev_rm(struct pvback_dev *dev, const char *key);
int pvb_dev_set_state(struct pvback_dev *dev, enum xenbus_state st);

/* dev_map.c / dev_evt.c: undo everything the connection holds. */
void pvb_dev_unmap_all(struct pvback_dev *dev);
void pvb_dev_unbind_all(struct pvback_dev *dev);

#define PVBACK_LOG(b, lvl, ...) pvback_log(b, PVBACK_LOG_##lvl, __VA_ARGS__)

#endif
