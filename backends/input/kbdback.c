/*
 * The vkbd device on libpvback (pvkit/kbdback.h): features from the
 * toolstack's keys, the frontend's requests, its page and port; then the
 * hub (hub.c) writes events through the device's encoder (enc.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <event2/event.h>

#include "kbdback_int.h"
#include "pvkit/back.h"

#define DROP_REPORT_MS 100 /* how soon "dropped-events" follows a drop */
#define NODE_DROPPED   "dropped-events"

struct kbd_priv {
	struct kbd_dev d; /* first: the hub's callbacks get it */
	struct pvback_dev *dev;
	struct kbdback *kb;
	struct kbdback_features feat;
	void *page;
	struct pvback_evt *evt;
	struct event *drop_timer;
};

static struct kbd_priv *priv_of(struct kbd_dev *d)
{
	return (struct kbd_priv *)d;
}

/* ---- features -------------------------------------------------------------
 */

/* A 0/1 key; missing is 0.  Anything else is -EINVAL. */
static int flag(struct pvback_dev *dev, enum pvback_side side, const char *key,
		bool *on)
{
	uint64_t v = 0;
	int rc = pvback_dev_read_uint(dev, side, key, 0, 1, &v);

	*on = v == 1;
	return rc == -ENOENT ? 0 : rc;
}

static int number(struct pvback_dev *dev, const char *key, uint32_t *out)
{
	uint64_t v = 0;
	int rc =
	    pvback_dev_read_uint(dev, PVBACK_BACKEND, key, 0, INT32_MAX, &v);

	*out = (uint32_t)v;
	return rc == -ENOENT ? 0 : rc;
}

static int read_offer(struct pvback_dev *dev, struct kbdback_features *f)
{
	int rc =
	    flag(dev, PVBACK_BACKEND, XENKBD_FIELD_FEAT_ABS_POINTER, &f->abs);

	if (!rc)
		rc = flag(dev, PVBACK_BACKEND, XENKBD_FIELD_FEAT_RAW_POINTER,
			  &f->raw);
	if (!rc)
		rc = flag(dev, PVBACK_BACKEND, XENKBD_FIELD_FEAT_MTOUCH,
			  &f->mtouch);
	if (!rc)
		rc = flag(dev, PVBACK_BACKEND, XENKBD_FIELD_FEAT_DSBL_KEYBRD,
			  &f->no_keyboard);
	if (!rc)
		rc = flag(dev, PVBACK_BACKEND, XENKBD_FIELD_FEAT_DSBL_POINTER,
			  &f->no_pointer);
	if (!rc)
		rc = number(dev, XENKBD_FIELD_WIDTH, &f->width);
	if (!rc)
		rc = number(dev, XENKBD_FIELD_HEIGHT, &f->height);
	if (!rc)
		rc = number(dev, XENKBD_FIELD_MT_WIDTH, &f->mt_width);
	if (!rc)
		rc = number(dev, XENKBD_FIELD_MT_HEIGHT, &f->mt_height);
	if (!rc)
		rc = number(dev, XENKBD_FIELD_MT_NUM_CONTACTS, &f->mt_contacts);
	return rc;
}

static int kbd_probe(struct pvback_dev *dev, void *arg)
{
	struct kbd_priv *p = pvback_dev_priv(dev);
	int rc = read_offer(dev, &p->feat);

	(void)arg;
	if (rc) {
		pvback_dev_fail(dev, rc,
				"a feature key of the toolstack's is "
				"not a number in range");
		return rc;
	}
	/* Say the pointer range the frontend would assume anyway. */
	if (!p->feat.width)
		rc = pvback_dev_printf(dev, XENKBD_FIELD_WIDTH, "%u",
				       KBDBACK_DEFAULT_WIDTH);
	if (!rc && !p->feat.height)
		rc = pvback_dev_printf(dev, XENKBD_FIELD_HEIGHT, "%u",
				       KBDBACK_DEFAULT_HEIGHT);
	return rc;
}

/* ---- the hub's callbacks --------------------------------------------------
 */

static void hub_notify(struct kbd_dev *d)
{
	pvback_evt_notify(priv_of(d)->evt);
}

static void hub_fail(struct kbd_dev *d)
{
	struct kbd_priv *p = priv_of(d);
	const struct xenkbd_page *pg = p->page;

	kbd_log(p->kb, LOG_WARNING, "dom%d vkbd %u: ring broken, closing it",
		d->domid, d->devid);
	pvback_dev_fail(
	    p->dev, -EPROTO, "in_cons %u is not within the ring (in_prod %u)",
	    __atomic_load_n(&pg->in_cons, __ATOMIC_RELAXED), d->enc.prod);
}

static void write_dropped(struct kbd_priv *p)
{
	pvback_dev_printf(p->dev, NODE_DROPPED, "%llu",
			  (unsigned long long)p->d.enc.st.dropped);
}

static void on_drop_timer(evutil_socket_t fd, short what, void *arg)
{
	struct kbd_priv *p = arg;
	struct timeval tv = {0, DROP_REPORT_MS * 1000};

	(void)fd;
	(void)what;
	write_dropped(p);
	/* For a frontend that does not raise its port after consuming:
	 * try again to make good what was lost until nothing is owed. */
	kbd_hub_retry(p->kb, &p->d);
	if (p->drop_timer && kbdback_enc_owed(&p->d.enc))
		evtimer_add(p->drop_timer, &tv);
}

static void hub_dropped(struct kbd_dev *d)
{
	struct kbd_priv *p = priv_of(d);
	struct timeval tv = {0, DROP_REPORT_MS * 1000};

	if (p->drop_timer && !evtimer_pending(p->drop_timer, NULL))
		evtimer_add(p->drop_timer, &tv);
}

/* ---- connecting -----------------------------------------------------------
 */

static void on_guest_event(struct pvback_evt *evt, void *arg)
{
	struct kbd_priv *p = arg;

	/* The out ring carries nothing today; a raise says the frontend
	 * consumed, so what a full ring cost can be made good now. */
	(void)evt;
	kbd_hub_retry(p->kb, &p->d);
}

static int read_requests(struct pvback_dev *dev, struct kbdback_features *f)
{
	int rc = flag(dev, PVBACK_FRONTEND, XENKBD_FIELD_REQ_ABS_POINTER,
		      &f->req_abs);

	if (!rc)
		rc = flag(dev, PVBACK_FRONTEND, XENKBD_FIELD_REQ_RAW_POINTER,
			  &f->req_raw);
	if (!rc)
		rc = flag(dev, PVBACK_FRONTEND, XENKBD_FIELD_REQ_MTOUCH,
			  &f->req_mtouch);
	return rc;
}

static int kbd_connect(struct pvback_dev *dev, void *arg)
{
	struct kbd_priv *p = pvback_dev_priv(dev);
	struct kbdback *kb = arg;
	struct kbdback_features f = p->feat;
	int rc = read_requests(dev, &f);

	p->dev = dev;
	p->kb = kb;
	p->d.domid = pvback_dev_domid(dev);
	p->d.devid = pvback_dev_devid(dev);
	p->d.notify = hub_notify;
	p->d.fail = hub_fail;
	p->d.dropped = hub_dropped;
	if (rc)
		return rc; /* request-* must be 0 or 1 */
	rc = pvback_dev_map_key(dev, XENKBD_FIELD_RING_GREF, true, &p->page);
	if (rc)
		return rc;
	rc = pvback_dev_bind_key(dev, XENKBD_FIELD_EVT_CHANNEL, on_guest_event,
				 p, &p->evt);
	if (rc)
		return rc;
	kbdback_enc_init(&p->d.enc, &f);
	rc = kbdback_enc_attach(&p->d.enc, p->page);
	if (rc)
		return rc;
	p->drop_timer = evtimer_new(kb->base, on_drop_timer, p);
	if (!p->drop_timer)
		return -ENOMEM;
	p->d.dropped_told = 0;
	write_dropped(p);
	kbd_hub_up(kb, &p->d);
	kbd_log(kb, LOG_INFO, "dom%d vkbd %u connected: %s%s%s pointer%s",
		p->d.domid, p->d.devid, p->d.enc.abs ? "absolute" : "relative",
		p->d.enc.raw ? " raw" : "", p->d.enc.mtouch ? ", touch," : "",
		f.no_keyboard ? ", no keyboard" : "");
	return 0;
}

static void kbd_disconnect(struct pvback_dev *dev, void *arg)
{
	struct kbd_priv *p = pvback_dev_priv(dev);

	(void)arg;
	kbd_hub_down(p->kb, &p->d);
	kbdback_enc_detach(&p->d.enc);
	if (p->drop_timer) {
		event_free(p->drop_timer);
		p->drop_timer = NULL;
		if (p->d.enc.st.dropped)
			write_dropped(p);
	}
	if (p->page)
		pvback_dev_unmap(dev, p->page);
	p->page = NULL;
	pvback_evt_unbind(p->evt);
	p->evt = NULL;
}

static const struct pvback_device_ops kbd_ops = {
    .type = XENKBD_DRIVER_NAME,
    .backend_dir = "vinput",
    .priv_size = sizeof(struct kbd_priv),
    .probe = kbd_probe,
    .connect = kbd_connect,
    .disconnect = kbd_disconnect,
};

/* ---- the backend ------------------------------------------------------------
 */

int kbdback_new(struct pvback *pb, struct kbdback **out)
{
	struct kbdback *kb = calloc(1, sizeof(*kb));
	int rc;

	if (!kb)
		return -ENOMEM;
	kb->pb = pb;
	kbd_hub_init(kb, pvback_base(pb));
	rc = pvback_register(pb, &kbd_ops, kb);
	if (rc) {
		free(kb);
		return rc;
	}
	*out = kb;
	return 0;
}

void kbdback_free(struct kbdback *kb)
{
	if (!kb)
		return;
	pvback_unregister(kb->pb, &kbd_ops);
	kbd_hub_fini(kb);
	free(kb);
}
