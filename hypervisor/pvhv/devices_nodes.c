/*
 * The nodes of one device (devices.h, "What" and "Permissions"): written
 * through a small writer that keeps the first error, so each type's
 * layout reads as the list of its keys.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "devices_int.h"
#include "pvkit/proto/9pfs.h"
#include "pvkit/proto/displif.h"
#include "pvkit/proto/kbdif.h"
#include "pvkit/proto/sndif.h"
#include "pvkit/proto/xenbus.h"
#include "store.h"

struct wr {
	struct store *st;
	const char *dir;
	/* Set on every node written (NULL: the node inherits its parent's
	 * list, as libxl's writes do). */
	const struct store_perm *perm;
	int rc;
};

static void put(struct wr *w, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void put(struct wr *w, const char *key, const char *fmt, ...)
{
	char path[DEV_PATH_MAX + 128], val[DEVCFG_MAX_PATH + 64];
	va_list ap;
	int n;

	if (w->rc)
		return;
	va_start(ap, fmt);
	n = vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(val) ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", w->dir, key) >=
		sizeof(path)) {
		w->rc = -ENAMETOOLONG;
		return;
	}
	w->rc = store_write(w->st, path, val, (size_t)n);
	if (!w->rc && w->perm)
		w->rc = store_set_perms(w->st, path, w->perm, 2);
}

/* ---- per type ----------------------------------------------------------- */

static void vkb_back(struct wr *w, const struct devcfg_vkb *k)
{
	if (k->unique_id)
		put(w, XENKBD_FIELD_UNIQUE_ID, "%s", k->unique_id);
	if (k->disable_keyboard)
		put(w, XENKBD_FIELD_FEAT_DSBL_KEYBRD, "1");
	if (k->disable_pointer)
		put(w, XENKBD_FIELD_FEAT_DSBL_POINTER, "1");
	if (k->abs_pointer)
		put(w, XENKBD_FIELD_FEAT_ABS_POINTER, "1");
	if (k->raw_pointer)
		put(w, XENKBD_FIELD_FEAT_RAW_POINTER, "1");
	if (k->multi_touch) {
		put(w, XENKBD_FIELD_FEAT_MTOUCH, "1");
		put(w, XENKBD_FIELD_MT_WIDTH, "%u", k->mt_width);
		put(w, XENKBD_FIELD_MT_HEIGHT, "%u", k->mt_height);
		put(w, XENKBD_FIELD_MT_NUM_CONTACTS, "%u", k->mt_contacts);
	}
	if (k->width)
		put(w, XENKBD_FIELD_WIDTH, "%u", k->width);
	if (k->height)
		put(w, XENKBD_FIELD_HEIGHT, "%u", k->height);
}

/* "a,b,c" of n numbers or format names. */
static void join(char *buf, size_t len, const uint32_t *nums,
		 const uint8_t *fmts, unsigned int n)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < n && used < len; i++) {
		int k = nums ? snprintf(buf + used, len - used, "%s%u",
					i ? XENSND_LIST_SEPARATOR : "", nums[i])
			     : snprintf(buf + used, len - used, "%s%s",
					i ? XENSND_LIST_SEPARATOR : "",
					devcfg_format_name(fmts[i]));

		if (k < 0)
			return;
		used += (size_t)k;
	}
}

/* prefix: "" for the card, "P/" for a PCM, "P/S/" for a stream. */
static void snd_params(struct wr *w, const char *prefix,
		       const struct devcfg_snd_params *p)
{
	char key[64], list[1024];

	if (p->n_rates) {
		join(list, sizeof(list), p->rates, NULL, p->n_rates);
		snprintf(key, sizeof(key), "%s" XENSND_FIELD_SAMPLE_RATES,
			 prefix);
		put(w, key, "%s", list);
	}
	if (p->n_formats) {
		join(list, sizeof(list), NULL, p->formats, p->n_formats);
		snprintf(key, sizeof(key), "%s" XENSND_FIELD_SAMPLE_FORMATS,
			 prefix);
		put(w, key, "%s", list);
	}
	snprintf(key, sizeof(key), "%s" XENSND_FIELD_CHANNELS_MIN, prefix);
	if (p->channels_min)
		put(w, key, "%u", p->channels_min);
	snprintf(key, sizeof(key), "%s" XENSND_FIELD_CHANNELS_MAX, prefix);
	if (p->channels_max)
		put(w, key, "%u", p->channels_max);
	snprintf(key, sizeof(key), "%s" XENSND_FIELD_BUFFER_SIZE, prefix);
	if (p->buffer_size)
		put(w, key, "%u", p->buffer_size);
}

static void snd_stream(struct wr *w, unsigned int p, unsigned int s,
		       const struct devcfg_snd_stream *st)
{
	char key[64], prefix[32];

	snprintf(prefix, sizeof(prefix), "%u/%u/", p, s);
	snprintf(key, sizeof(key), "%s" XENSND_FIELD_STREAM_UNIQUE_ID, prefix);
	put(w, key, "%s", st->unique_id);
	snprintf(key, sizeof(key), "%s" XENSND_FIELD_TYPE, prefix);
	put(w, key, "%s",
	    st->capture ? XENSND_STREAM_TYPE_CAPTURE
			: XENSND_STREAM_TYPE_PLAYBACK);
	snd_params(w, prefix, &st->params);
}

static void vsnd_front(struct wr *w, const struct devcfg_vsnd *s)
{
	char key[64], prefix[16];

	if (s->long_name)
		put(w, XENSND_FIELD_VCARD_LONG_NAME, "%s", s->long_name);
	if (s->short_name)
		put(w, XENSND_FIELD_VCARD_SHORT_NAME, "%s", s->short_name);
	snd_params(w, "", &s->params);
	for (unsigned int p = 0; p < s->n_pcms; p++) {
		snprintf(prefix, sizeof(prefix), "%u/", p);
		snprintf(key, sizeof(key), "%s" XENSND_FIELD_DEVICE_NAME,
			 prefix);
		if (s->pcms[p].name)
			put(w, key, "%s", s->pcms[p].name);
		snd_params(w, prefix, &s->pcms[p].params);
		for (unsigned int i = 0; i < s->pcms[p].n_streams; i++)
			snd_stream(w, p, i, &s->pcms[p].streams[i]);
	}
}

static void vdispl_front_ro(struct wr *w, const struct devcfg_vdispl *d)
{
	char key[64];

	put(w, XENDISPL_FIELD_BE_ALLOC, "%d", d->be_alloc ? 1 : 0);
	for (unsigned int i = 0; i < d->n_conns; i++) {
		snprintf(key, sizeof(key), "%u/" XENDISPL_FIELD_RESOLUTION, i);
		put(w, key, "%u" XENDISPL_RESOLUTION_SEPARATOR "%u",
		    d->conns[i].width, d->conns[i].height);
		snprintf(key, sizeof(key), "%u/" XENDISPL_FIELD_UNIQUE_ID, i);
		put(w, key, "%s", d->conns[i].unique_id);
	}
}

/* ---- the three directories ---------------------------------------------- */

/* The backend's keys: in its directory, and copied to libxl's. */
static void back_keys(struct wr *w, const struct hv_dev *dv,
		      const struct devcfg_dev *dev)
{
	put(w, "frontend-id", "%u", dv->domid);
	put(w, "online", "1");
	put(w, "state", "%d", XenbusStateInitialising);
	if (dev->type == DEVCFG_VKB)
		vkb_back(w, &dev->u.vkb);
	if (dev->type == DEVCFG_P9) {
		put(w, XEN_9PFS_FIELD_PATH, "%s", dev->u.p9.path);
		put(w, XEN_9PFS_FIELD_SECURITY_MODEL, "%s",
		    dev->u.p9.security_model);
	}
}

static int fresh_dir(struct store *st, const char *dir,
		     const struct store_perm *perm)
{
	int rc = store_rm(st, dir);

	if (rc && rc != -ENOENT)
		return rc;
	rc = store_mkdir(st, dir);
	return rc ? rc : store_set_perms(st, dir, perm, 2);
}

int dev_write_nodes(struct store *st, const struct hv_dev *dv,
		    const struct devcfg_dev *dev)
{
	const struct store_perm fe_perm[2] = {{dv->domid, STORE_PERM_NONE},
					      {dev->backend, STORE_PERM_READ}};
	const struct store_perm be_perm[2] = {{dev->backend, STORE_PERM_NONE},
					      {dv->domid, STORE_PERM_READ}};
	struct wr lx = {.st = st, .dir = dv->lx};
	struct wr fe = {.st = st, .dir = dv->fe};
	struct wr fe_ro = {.st = st, .dir = dv->fe, .perm = be_perm};
	struct wr be = {.st = st, .dir = dv->be};
	int rc = store_rm(st, dv->lx);

	if (rc && rc != -ENOENT)
		return rc;
	put(&lx, "frontend", "%s", dv->fe);
	put(&lx, "backend", "%s", dv->be);
	if (!lx.rc && !(fe.rc = fresh_dir(st, dv->fe, fe_perm))) {
		put(&fe, "backend", "%s", dv->be);
		put(&fe, "backend-id", "%u", dev->backend);
		put(&fe, "state", "%d", XenbusStateInitialising);
		if (dev->type == DEVCFG_VSND)
			vsnd_front(&fe, &dev->u.vsnd);
		if (dev->type == DEVCFG_P9)
			put(&fe, XEN_9PFS_FIELD_TAG, "%s", dev->u.p9.tag);
	}
	if (!fe.rc && dev->type == DEVCFG_VDISPL)
		vdispl_front_ro(&fe_ro, &dev->u.vdispl);
	if (!fe.rc && !fe_ro.rc && !(be.rc = fresh_dir(st, dv->be, be_perm))) {
		put(&be, "frontend", "%s", dv->fe);
		back_keys(&be, dv, dev);
	}
	if (!be.rc && !fe.rc && !fe_ro.rc)
		back_keys(&lx, dv, dev);
	return lx.rc ? lx.rc : fe.rc ? fe.rc : fe_ro.rc ? fe_ro.rc : be.rc;
}
