/*
 * Devices: enumeration under device/<type>, opening one (its backend's
 * directory and domain), the keys of both ends, what a device allocates
 * for its backend, and the blocking connect and close around the
 * handshake of front_fsm.c.
 */
#include "front_int.h"

/* ---- names and paths ----------------------------------------------------- */

static bool type_ok(const char *t)
{
	size_t i, n = fr_strnlen(t, PVFRONT_TYPE_MAX);

	if (n == 0 || n == PVFRONT_TYPE_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char c = t[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return true;
}

/* An absolute store path: '/' then words of [A-Za-z0-9_.@-] joined by
 * single '/', nothing after the last. */
static bool backend_path_ok(const char *p, size_t n)
{
	size_t i;

	if (n < 2 || p[0] != '/' || p[n - 1] == '/')
		return false;
	for (i = 1; i < n; i++) {
		char c = p[i];

		if (c == '/'
			? p[i - 1] == '/'
			: !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '_' || c == '-' ||
			    c == '.' || c == '@'))
			return false;
	}
	return true;
}

int fr_key_path(const struct pvfront_dev *dev, unsigned int side,
		const char *key, char *buf, size_t cap)
{
	struct fr_sb s;

	fr_sb_init(&s, buf, cap);
	fr_sb_str(&s, side == PVFRONT_BACKEND ? dev->backend : dev->path);
	fr_sb_str(&s, "/");
	fr_sb_str(&s, key);
	return fr_sb_done(&s);
}

/* ---- keys ---------------------------------------------------------------- */

static void log_bad_value(struct pvfront_dev *dev, const char *path,
			  const char *val, const char *why)
{
	char line[200];
	struct fr_sb s;

	fr_sb_init(&s, line, sizeof(line));
	fr_sb_str(&s, path);
	fr_sb_str(&s, " = \"");
	fr_sb_str_safe(&s, val, 32);
	fr_sb_str(&s, "\": ");
	fr_sb_str(&s, why);
	fr_log_dev(dev, PVFRONT_LOG_WARN, line, NULL);
}

int pvfront_dev_read(struct pvfront_dev *dev, unsigned int side,
		     const char *key, char *buf, size_t cap)
{
	char path[PVFRONT_PATH_MAX + 64];
	int rc;

	if (!key || !buf || cap == 0 || side > PVFRONT_BACKEND)
		return -XEN_EINVAL;
	rc = fr_key_path(dev, side, key, path, sizeof(path));
	if (rc)
		return rc;
	rc = pvfront_xs_read(&dev->pf->xs, 0, path, buf, cap);
	if (rc < 0)
		return rc;
	if ((size_t)rc >= cap || fr_strnlen(buf, (size_t)rc) != (size_t)rc) {
		buf[cap - 1] = '\0';
		log_bad_value(dev, path, buf, "too long, or holds a NUL");
		return -XEN_EBADMSG;
	}
	return rc;
}

int pvfront_dev_read_uint(struct pvfront_dev *dev, unsigned int side,
			  const char *key, uint64_t min, uint64_t max,
			  uint64_t *out)
{
	char val[24], path[PVFRONT_PATH_MAX + 64], why[64];
	struct fr_sb s;
	uint64_t v;
	int n;

	n = pvfront_dev_read(dev, side, key, val, sizeof(val));
	if (n < 0)
		return n;
	if (pvfront_parse_uint(val, (size_t)n, max, &v) == 0 && v >= min) {
		*out = v;
		return 0;
	}
	fr_sb_init(&s, why, sizeof(why));
	fr_sb_str(&s, "not a number in [");
	fr_sb_uint(&s, min);
	fr_sb_str(&s, ", ");
	fr_sb_uint(&s, max);
	fr_sb_str(&s, "]");
	(void)fr_key_path(dev, side, key, path, sizeof(path));
	log_bad_value(dev, path, val, why);
	return -XEN_EBADMSG;
}

int pvfront_dev_write(struct pvfront_dev *dev, uint32_t tx, const char *key,
		      const char *value)
{
	char path[PVFRONT_PATH_MAX + 64];
	int rc;

	if (!key || !value)
		return -XEN_EINVAL;
	rc = fr_key_path(dev, PVFRONT_FRONTEND, key, path, sizeof(path));
	if (rc)
		return rc;
	return pvfront_xs_write(&dev->pf->xs, tx, path, value,
				fr_strnlen(value, XENSTORE_PAYLOAD_MAX));
}

int pvfront_dev_write_uint(struct pvfront_dev *dev, uint32_t tx,
			   const char *key, uint64_t value)
{
	char num[24];
	struct fr_sb s;

	fr_sb_init(&s, num, sizeof(num));
	fr_sb_uint(&s, value);
	return pvfront_dev_write(dev, tx, key, num);
}

/* ---- enumeration --------------------------------------------------------- */

/* Keep the max smallest ids, ascending; *count counts them all. */
static void id_insert(uint32_t *ids, unsigned int max, unsigned int *count,
		      uint32_t id)
{
	unsigned int n = *count < max ? *count : max, i = n;

	(*count)++;
	if (n == max && (n == 0 || id > ids[n - 1]))
		return;
	if (n == max)
		i = --n; /* the largest drops out */
	while (i > 0 && ids[i - 1] > id) {
		ids[i] = ids[i - 1];
		i--;
	}
	ids[i] = id;
}

int pvfront_enumerate(struct pvfront *pf, const char *type, uint32_t *ids,
		      unsigned int max)
{
	char buf[1024], path[PVFRONT_TYPE_MAX + 16];
	const char *names[128];
	unsigned int count = 0;
	struct fr_sb s;
	uint64_t v;
	int n, i;

	if (!type_ok(type) || (!ids && max))
		return -XEN_EINVAL;
	fr_sb_init(&s, path, sizeof(path));
	fr_sb_str(&s, "device/");
	fr_sb_str(&s, type);
	n = pvfront_xs_directory(&pf->xs, 0, path, buf, sizeof(buf), names,
				 128);
	if (n == -XEN_ENOENT)
		return 0;
	if (n == -XEN_ENOSPC)
		n = -XEN_E2BIG; /* more than fits: as many as we can say */
	if (n < 0)
		return n;
	for (i = 0; i < n; i++)
		if (!pvfront_parse_uint(names[i], fr_strnlen(names[i], 12),
				   0xffffffffu, &v))
			id_insert(ids, max, &count, (uint32_t)v);
	return count > max ? -XEN_E2BIG : (int)count;
}

/* ---- opening ------------------------------------------------------------- */

static int read_backend(struct pvfront_dev *dev)
{
	uint64_t id;
	int n;

	n = pvfront_dev_read(dev, PVFRONT_FRONTEND, "backend", dev->backend,
			     sizeof(dev->backend));
	if (n < 0)
		return n;
	if (!backend_path_ok(dev->backend, (size_t)n)) {
		log_bad_value(dev, "backend", dev->backend, "not a store path");
		return -XEN_EBADMSG;
	}
	n = pvfront_dev_read_uint(dev, PVFRONT_FRONTEND, "backend-id", 0,
				  DOMID_FIRST_RESERVED - 1, &id);
	if (n)
		return n;
	dev->backend_id = (domid_t)id;
	return 0;
}

/* Our own state as the toolstack (or an earlier us) left it. */
static int read_own_state(struct pvfront_dev *dev)
{
	char val[8];
	int n =
	    pvfront_dev_read(dev, PVFRONT_FRONTEND, "state", val, sizeof(val));

	if (n == -XEN_ENOENT) {
		dev->state = XenbusStateUnknown;
		return 0;
	}
	if (n < 0)
		return n;
	if (pv_xenbus_state_parse(val, (size_t)n, &dev->state)) {
		log_bad_value(dev, "state", val, "not a state");
		return -XEN_EBADMSG;
	}
	return 0;
}

static void dev_link(struct pvfront_dev *dev)
{
	dev->next = dev->pf->devs;
	dev->pf->devs = dev;
}

static bool dev_linked(const struct pvfront_dev *dev)
{
	const struct pvfront_dev *d;

	for (d = dev->pf->devs; d && d != dev; d = d->next)
		;
	return d != NULL;
}

static bool dev_unlink(struct pvfront_dev *dev)
{
	struct pvfront_dev **pp;

	for (pp = &dev->pf->devs; *pp; pp = &(*pp)->next) {
		if (*pp == dev) {
			*pp = dev->next;
			dev->next = NULL;
			return true;
		}
	}
	return false;
}

int pvfront_dev_open(struct pvfront_dev *dev, struct pvfront *pf,
		     const char *type, uint32_t devid,
		     const struct pvfront_dev_ops *ops, void *arg)
{
	struct fr_sb s;
	int rc;

	if (!dev)
		return -XEN_EINVAL;
	__builtin_memset(dev, 0, sizeof(*dev));
	if (!pf || !pf->open || !type_ok(type) || !ops || !ops->publish)
		return -XEN_EINVAL;
	dev->pf = pf;
	dev->ops = ops;
	dev->arg = arg;
	dev->devid = devid;
	__builtin_memcpy(dev->type, type, fr_strnlen(type, PVFRONT_TYPE_MAX));
	fr_sb_init(&s, dev->path, sizeof(dev->path));
	fr_sb_str(&s, "device/");
	fr_sb_str(&s, type);
	fr_sb_str(&s, "/");
	fr_sb_uint(&s, devid);
	rc = read_backend(dev);
	if (!rc)
		rc = read_own_state(dev);
	if (!rc)
		rc = fr_key_path(dev, PVFRONT_BACKEND, "state", dev->state_path,
				 sizeof(dev->state_path));
	if (rc)
		goto fail;
	dev->phase = PH_OFF;
	dev->bstate = XenbusStateUnknown;
	dev_link(dev);
	rc = pvfront_watch_add(pf, &dev->watch, dev->state_path,
			       fr_fsm_backend_changed, dev);
	if (rc) {
		dev_unlink(dev);
		goto fail;
	}
	fr_fsm_kick(dev);
	return 0;
fail:
	dev->pf = NULL;
	return rc;
}

/* ---- connect and close --------------------------------------------------- */

static bool settled(const struct pvfront_dev *dev)
{
	return dev->phase == PH_CONNECTED || dev->phase == PH_FAILED ||
	       dev->phase == PH_GONE;
}

static int outcome(const struct pvfront_dev *dev)
{
	if (dev->phase == PH_CONNECTED)
		return 0;
	if (dev->phase == PH_GONE)
		return -XEN_ENODEV;
	return dev->err ? dev->err : -XEN_EIO;
}

/* Say, in the device's message and the log, why connect gave up. */
static void report_timeout(struct pvfront_dev *dev, int timeout_ms)
{
	struct fr_sb s;

	fr_sb_init(&s, dev->errmsg, sizeof(dev->errmsg));
	fr_sb_str(&s, "not connected after ");
	fr_sb_int(&s, timeout_ms);
	fr_sb_str(&s, " ms: backend ");
	fr_sb_str(&s, dev->backend);
	fr_sb_str(&s, " is ");
	fr_sb_str(&s, pv_xenbus_state_name(dev->bstate));
	fr_sb_str(&s, ", frontend ");
	fr_sb_str(&s, pv_xenbus_state_name(dev->state));
	if (dev->bstate == XenbusStateInitialising)
		fr_sb_str(&s, " (no backend running?)");
	else if (dev->phase == PH_WAIT_BACK &&
		 dev->bstate == XenbusStateConnected)
		fr_sb_str(&s, " (the backend never offered InitWait)");
	fr_log_dev(dev, PVFRONT_LOG_ERR, dev->errmsg, NULL);
}

int pvfront_dev_connect(struct pvfront_dev *dev, int timeout_ms)
{
	struct pvfront *pf = dev->pf;
	uint64_t deadline;
	int left, rc;

	if (!pf || !dev_linked(dev))
		return -XEN_EINVAL;
	if (timeout_ms != 0 && pf->depth)
		return -XEN_EDEADLK;
	if (dev->phase == PH_GONE)
		return -XEN_ENODEV;
	fr_fsm_start(dev);
	deadline = fr_deadline(pf, timeout_ms);
	while (!settled(dev)) {
		left = fr_left_ms(pf, deadline);
		if (left == 0) {
			if (timeout_ms == 0)
				return -XEN_EAGAIN;
			report_timeout(dev, timeout_ms);
			return -XEN_ETIMEDOUT;
		}
		rc = pvfront_poll(pf, left);
		if (rc < 0)
			return rc;
	}
	return outcome(dev);
}

/* The handshake's end: Closing, the backend lets go, Closed. */
static void shut(struct pvfront_dev *dev, int timeout_ms)
{
	struct pvfront *pf = dev->pf;
	bool published = dev->state != XenbusStateUnknown &&
			 dev->state != XenbusStateInitialising &&
			 dev->state != XenbusStateClosed;
	int left;

	if (dev->phase == PH_GONE)
		return;
	if (published && fr_fsm_write_state(dev, XenbusStateClosing) == 0) {
		dev->phase = PH_CLOSING;
		dev->deadline = fr_deadline(pf, timeout_ms);
		fr_fsm_kick(dev);
		while (dev->phase == PH_CLOSING && timeout_ms != 0 &&
		       (left = fr_left_ms(pf, dev->deadline)) != 0 &&
		       pvfront_poll(pf, left) >= 0)
			;
	}
	if (dev->phase == PH_CLOSING)
		fr_log_dev(dev, PVFRONT_LOG_WARN,
			   "closed without the backend's answer", NULL);
	if (dev->phase != PH_GONE && dev->state != XenbusStateClosed)
		(void)fr_fsm_write_state(dev, XenbusStateClosed);
	if (dev->phase != PH_GONE)
		dev->phase = PH_OFF;
	dev->deadline = 0;
}

static void free_ports(struct pvfront_dev *dev)
{
	struct pvfront_port *p;

	for (;;) {
		for (p = dev->pf->ports; p && p->dev != dev; p = p->next)
			;
		if (!p)
			return;
		pvfront_port_free(dev->pf, p);
	}
}

int pvfront_dev_close(struct pvfront_dev *dev, int timeout_ms)
{
	struct pvfront *pf = dev ? dev->pf : NULL;
	struct pvfront_pages *pg, *next;
	int rc = 0;

	if (!pf)
		return 0;
	if (timeout_ms != 0 && pf->depth)
		return -XEN_EDEADLK;
	dev->want = false;
	if (dev->up) {
		dev->up = false;
		if (dev->ops->disconnect)
			dev->ops->disconnect(dev, 0, dev->arg);
	}
	/* No handler runs once the driver has let go. */
	free_ports(dev);
	if (dev_unlink(dev)) {
		shut(dev, timeout_ms);
		(void)pvfront_watch_remove(pf, &dev->watch);
	}
	for (pg = dev->pages; pg; pg = next) {
		next = pg->next;
		if (pvfront_pages_free(pf, pg))
			rc = -XEN_EBUSY;
	}
	if (rc)
		fr_log_dev(dev, PVFRONT_LOG_WARN,
			   "the backend still maps pages: kept", NULL);
	else
		dev->pf = NULL;
	return rc;
}

void pvfront_dev_fail(struct pvfront_dev *dev, int err, const char *msg)
{
	fr_fsm_fail(dev, err, msg, NULL);
}

/* ---- allocation for the backend ------------------------------------------ */

static void list_pages(struct pvfront_dev *dev, struct pvfront_pages *pg)
{
	if (!pg->addr)
		return;
	pg->dev = dev;
	pg->next = dev->pages;
	dev->pages = pg;
}

int pvfront_dev_alloc_pages(struct pvfront_dev *dev, struct pvfront_pages *pg,
			    size_t n, grant_ref_t *refs, unsigned int flags)
{
	int rc =
	    pvfront_pages_alloc(dev->pf, pg, dev->backend_id, n, refs, flags);

	if (!rc)
		list_pages(dev, pg);
	return rc;
}

int pvfront_dev_alloc_pgdir(struct pvfront_dev *dev, struct pvfront_pgdir *pd,
			    size_t npages, grant_ref_t *refs,
			    grant_ref_t *dir_refs, unsigned int flags)
{
	int rc = pvfront_pgdir_alloc(dev->pf, pd, dev->backend_id, npages, refs,
				     dir_refs, flags);

	if (!rc) {
		list_pages(dev, &pd->buf);
		list_pages(dev, &pd->dir);
	}
	return rc;
}

int pvfront_dev_alloc_port(struct pvfront_dev *dev, struct pvfront_port *p,
			   pvfront_port_fn *fn, void *arg)
{
	int rc = pvfront_port_alloc(dev->pf, p, dev->backend_id, fn, arg);

	if (!rc)
		p->dev = dev;
	return rc;
}

/* ---- accessors ----------------------------------------------------------- */

bool pvfront_dev_connected(const struct pvfront_dev *dev)
{
	return dev->phase == PH_CONNECTED;
}

enum xenbus_state pvfront_dev_state(const struct pvfront_dev *dev)
{
	return dev->state;
}

enum xenbus_state pvfront_dev_backend_state(const struct pvfront_dev *dev)
{
	return dev->bstate;
}

int pvfront_dev_error(const struct pvfront_dev *dev)
{
	return dev->err;
}

const char *pvfront_dev_errmsg(const struct pvfront_dev *dev)
{
	return dev->errmsg;
}

unsigned int pvfront_dev_connects(const struct pvfront_dev *dev)
{
	return dev->connects;
}

struct pvfront *pvfront_dev_front(const struct pvfront_dev *dev)
{
	return dev->pf;
}

uint32_t pvfront_dev_id(const struct pvfront_dev *dev)
{
	return dev->devid;
}

domid_t pvfront_dev_backend_id(const struct pvfront_dev *dev)
{
	return dev->backend_id;
}

const char *pvfront_dev_path(const struct pvfront_dev *dev)
{
	return dev->path;
}

const char *pvfront_dev_backend_path(const struct pvfront_dev *dev)
{
	return dev->backend;
}
