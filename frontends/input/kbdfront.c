/*
 * The guest's vkbd device on libpvfront (pvkit/kbdfront.h): one shared
 * page and one port; requests written with the handshake, what the
 * backend offers read when it connects, events delivered from the port's
 * handler.  Freestanding.
 */
#include "pvkit/kbdfront.h"
#include "pvkit/proto/errno.h"

/* What a frontend assumes when the backend names no range. */
#define DEFAULT_WIDTH  800u
#define DEFAULT_HEIGHT 600u
#define RAW_MAX	       0x7fffu

static void deliver(struct kbdfront_ring *r, const struct kbdfront_event *ev,
		    void *arg)
{
	struct kbdfront *kf = arg;

	(void)r;
	kf->cfg.on_event(kf, ev, kf->cfg.arg);
}

int kbdfront_poll(struct kbdfront *kf)
{
	int n;

	if (!kf->up)
		return 0;
	n = kbdfront_ring_consume(&kf->ring, deliver, kf);
	if (n == -XEN_EIO)
		pvfront_dev_fail(&kf->dev, -XEN_EIO,
				 "in_prod is beyond the ring");
	/* Slots are free again: a backend that dropped events may now make
	 * good what the guest missed. */
	if (n > 0 && kf->up)
		pvfront_port_notify(pvfront_dev_front(&kf->dev), &kf->port);
	return n;
}

static void on_port(struct pvfront *pf, struct pvfront_port *p, void *arg)
{
	(void)pf;
	(void)p;
	kbdfront_poll(arg);
}

static int publish(struct pvfront_dev *dev, uint32_t tx, void *arg)
{
	struct kbdfront *kf = arg;
	struct xenkbd_page *pg = pvfront_pages_addr(&kf->page);
	int rc;

	/* A fresh start: the backend has no mapping of the page now. */
	pg->in_cons = pg->in_prod = 0;
	pg->out_cons = pg->out_prod = 0;
	rc = pvfront_dev_write_uint(dev, tx, XENKBD_FIELD_REQ_ABS_POINTER,
				    kf->cfg.want_abs);
	if (!rc)
		rc = pvfront_dev_write_uint(
		    dev, tx, XENKBD_FIELD_REQ_RAW_POINTER,
		    kf->cfg.want_abs && kf->cfg.want_raw);
	if (!rc)
		rc = pvfront_dev_write_uint(dev, tx, XENKBD_FIELD_REQ_MTOUCH,
					    kf->cfg.want_mtouch);
	if (!rc)
		rc = pvfront_dev_write_uint(dev, tx, XENKBD_FIELD_RING_GREF,
					    pvfront_pages_ref(&kf->page, 0));
	if (!rc)
		rc = pvfront_dev_write_uint(dev, tx, XENKBD_FIELD_EVT_CHANNEL,
					    pvfront_port_number(&kf->port));
	return rc;
}

/* A backend flag: 1 on, 0 or missing off; anything else fails. */
static int flag(struct pvfront_dev *dev, const char *key, bool *on)
{
	uint64_t v = 0;
	int rc = pvfront_dev_read_uint(dev, PVFRONT_BACKEND, key, 0, 1, &v);

	*on = v == 1;
	return rc == -XEN_ENOENT ? 0 : rc;
}

static int number(struct pvfront_dev *dev, const char *key, uint32_t def,
		  uint32_t *out)
{
	uint64_t v = def;
	int rc =
	    pvfront_dev_read_uint(dev, PVFRONT_BACKEND, key, 0, 0x7fffffff, &v);

	*out = (uint32_t)v;
	return rc == -XEN_ENOENT ? 0 : rc;
}

static int read_offer(struct kbdfront *kf, struct kbdfront_info *in)
{
	struct pvfront_dev *dev = &kf->dev;
	int rc = flag(dev, XENKBD_FIELD_FEAT_ABS_POINTER, &in->abs);

	if (!rc)
		rc = flag(dev, XENKBD_FIELD_FEAT_RAW_POINTER, &in->raw);
	if (!rc)
		rc = flag(dev, XENKBD_FIELD_FEAT_MTOUCH, &in->mtouch);
	if (!rc)
		rc = flag(dev, XENKBD_FIELD_FEAT_DSBL_KEYBRD, &in->no_keyboard);
	if (!rc)
		rc = flag(dev, XENKBD_FIELD_FEAT_DSBL_POINTER, &in->no_pointer);
	if (!rc)
		rc = number(dev, XENKBD_FIELD_WIDTH, DEFAULT_WIDTH, &in->width);
	if (!rc)
		rc = number(dev, XENKBD_FIELD_HEIGHT, DEFAULT_HEIGHT,
			    &in->height);
	if (!rc && in->mtouch)
		rc = number(dev, XENKBD_FIELD_MT_WIDTH, 0, &in->mt_width);
	if (!rc && in->mtouch)
		rc = number(dev, XENKBD_FIELD_MT_HEIGHT, 0, &in->mt_height);
	if (!rc && in->mtouch)
		rc = number(dev, XENKBD_FIELD_MT_NUM_CONTACTS, 0,
			    &in->mt_contacts);
	return rc;
}

static int connect(struct pvfront_dev *dev, void *arg)
{
	struct kbdfront *kf = arg;
	struct kbdfront_info in = {0};
	int rc = read_offer(kf, &in);

	(void)dev;
	if (rc)
		return rc;
	/* In effect: what was asked for and is offered. */
	in.abs = in.abs && kf->cfg.want_abs;
	in.raw = in.raw && in.abs && kf->cfg.want_raw;
	in.mtouch = in.mtouch && kf->cfg.want_mtouch && in.mt_contacts > 0;
	if (in.raw)
		in.width = in.height = RAW_MAX;
	if (in.mt_contacts > 256)
		in.mt_contacts = 256; /* ids are one byte */
	kf->info = in;
	kbdfront_ring_init(&kf->ring, pvfront_pages_addr(&kf->page),
			   in.mtouch ? in.mt_contacts : 0);
	kf->up = true;
	if (kf->cfg.on_link)
		kf->cfg.on_link(kf, true, 0, kf->cfg.arg);
	kbdfront_poll(kf); /* anything sent before we looked */
	return 0;
}

static void disconnect(struct pvfront_dev *dev, int reason, void *arg)
{
	struct kbdfront *kf = arg;

	(void)dev;
	kf->up = false;
	if (kf->cfg.on_link)
		kf->cfg.on_link(kf, false, reason, kf->cfg.arg);
}

static const struct pvfront_dev_ops kbd_ops = {
    .publish = publish,
    .connect = connect,
    .disconnect = disconnect,
};

int kbdfront_open(struct kbdfront *kf, struct pvfront *pf, uint32_t devid,
		  const struct kbdfront_config *cfg, int timeout_ms)
{
	int rc;

	if (!kf || !pf || !cfg || !cfg->on_event)
		return -XEN_EINVAL;
	__builtin_memset(kf, 0, sizeof(*kf));
	kf->cfg = *cfg;
	rc = pvfront_dev_open(&kf->dev, pf, XENKBD_DRIVER_NAME, devid, &kbd_ops,
			      kf);
	if (rc)
		return rc;
	rc = pvfront_dev_alloc_pages(&kf->dev, &kf->page, 1, NULL, 0);
	if (!rc)
		rc = pvfront_dev_alloc_port(&kf->dev, &kf->port, on_port, kf);
	if (!rc)
		rc = pvfront_dev_connect(&kf->dev, timeout_ms);
	if (rc && rc != -XEN_ETIMEDOUT && rc != -XEN_EAGAIN)
		pvfront_dev_close(&kf->dev, 0);
	return rc;
}

int kbdfront_close(struct kbdfront *kf, int timeout_ms)
{
	return pvfront_dev_close(&kf->dev, timeout_ms);
}

const struct kbdfront_info *kbdfront_info(const struct kbdfront *kf)
{
	return &kf->info;
}

bool kbdfront_connected(const struct kbdfront *kf)
{
	return kf->up;
}
