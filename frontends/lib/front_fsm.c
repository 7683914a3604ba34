/*
 * The frontend's side of the xenbus handshake, one step per change of the
 * backend's state (front.h, "The handshake").
 *
 * The backend's state is read afresh at each watch event, so several of
 * its changes may be seen as one: a backend that went InitWait ->
 * Connected quickly may only ever be seen Connected.  Each step therefore
 * looks only at the state now, and at what it means for the phase we are
 * in, never at the jump from the state seen before.  Two facts carry the
 * safety:
 *   - the driver's keys and our Initialised are written in one
 *     transaction, so a backend that sees Initialised sees the keys;
 *   - a backend in Closing or Closed has unmapped our pages and unbound
 *     our ports, so after seeing it there (while we are Closing) the
 *     driver may reset its rings before it publishes them again.
 * A Closed that the backend wrote before our own Closed does not count as
 * its answer: PH_CLOSED waits for a watch event that came after it.
 */
#include "front_int.h"

/* Attempts of a transaction that keeps conflicting with other writers. */
#define TX_TRIES 8
/* Backend closes before it ever connects, before the device fails. */
#define REFUSALS_MAX 3u

static void set_msg(struct pvfront_dev *dev, const char *what,
		    const char *detail)
{
	struct fr_sb s;

	fr_sb_init(&s, dev->errmsg, sizeof(dev->errmsg));
	fr_sb_str(&s, what);
	if (detail)
		fr_sb_str(&s, detail);
}

/* The device's nodes are gone: say so, write nothing more. */
static void gone(struct pvfront_dev *dev)
{
	if (dev->phase == PH_GONE)
		return;
	dev->phase = PH_GONE;
	dev->deadline = 0;
	set_msg(dev, "the device was removed", NULL);
	fr_log_dev(dev, PVFRONT_LOG_INFO, dev->errmsg, NULL);
	if (dev->up) {
		dev->up = false;
		if (dev->ops->disconnect)
			dev->ops->disconnect(dev, -XEN_ENODEV, dev->arg);
	}
}

/* Report an error as Linux frontends do: error/<device path>/error holds
 * "<errno> <message>" in the guest's home. */
static void write_error_node(struct pvfront_dev *dev)
{
	char path[sizeof(dev->path) + 16], val[sizeof(dev->errmsg) + 16];
	struct fr_sb s;

	fr_sb_init(&s, path, sizeof(path));
	fr_sb_str(&s, "error/");
	fr_sb_str(&s, dev->path);
	fr_sb_str(&s, "/error");
	fr_sb_init(&s, val, sizeof(val));
	fr_sb_int(&s, -(int64_t)dev->err);
	fr_sb_str(&s, " ");
	fr_sb_str(&s, dev->errmsg);
	(void)pvfront_xs_write(&dev->pf->xs, 0, path, val, s.len);
}

/* Write st in a transaction that also checks that the node still exists
 * (a write would create it again after the toolstack removed the device),
 * running publish() first when st is Initialised.  -XEN_ENODEV: gone. */
static int write_state_tx(struct pvfront_dev *dev, enum xenbus_state st,
			  bool publish)
{
	struct pvfront_xs *xs = &dev->pf->xs;
	char path[sizeof(dev->path) + 8], val[4];
	uint32_t tx;
	int rc, tries;

	(void)fr_key_path(dev, PVFRONT_FRONTEND, "state", path, sizeof(path));
	(void)pv_xenbus_state_format(st, val, sizeof(val));
	for (tries = 0; tries < TX_TRIES; tries++) {
		rc = pvfront_xs_transaction_start(xs, &tx);
		if (rc)
			return rc;
		rc = pvfront_xs_read(xs, tx, path, NULL, 0);
		rc = rc == -XEN_ENOENT ? -XEN_ENODEV : rc < 0 ? rc : 0;
		if (!rc && publish) {
			rc = dev->ops->publish(dev, tx, dev->arg);
			if (dev->phase == PH_FAILED)
				rc = dev->err; /* the driver gave up */
		}
		if (!rc)
			rc = pvfront_xs_write(xs, tx, path, val, 1);
		if (rc) {
			(void)pvfront_xs_transaction_end(xs, tx, false);
			return rc;
		}
		rc = pvfront_xs_transaction_end(xs, tx, true);
		if (rc != -XEN_EAGAIN)
			break;
	}
	if (!rc)
		dev->state = st;
	return rc;
}

int fr_fsm_write_state(struct pvfront_dev *dev, enum xenbus_state st)
{
	int rc = write_state_tx(dev, st, false);

	if (rc == -XEN_ENODEV)
		gone(dev);
	return rc;
}

/* Give up on the device; tell: say so in the store too. */
static void fail(struct pvfront_dev *dev, int err, const char *what,
		 const char *detail, bool tell)
{
	char num[16];
	struct fr_sb s;

	if (dev->phase == PH_FAILED || dev->phase == PH_GONE)
		return;
	dev->phase = PH_FAILED;
	dev->deadline = 0;
	dev->err = err < 0 ? err : -XEN_EIO;
	set_msg(dev, what, detail);
	fr_sb_init(&s, num, sizeof(num));
	fr_sb_str(&s, " (");
	fr_sb_int(&s, dev->err);
	fr_sb_str(&s, ")");
	fr_log_dev(dev, PVFRONT_LOG_ERR, dev->errmsg, num);
	if (dev->up) {
		dev->up = false;
		if (dev->ops->disconnect)
			dev->ops->disconnect(dev, dev->err, dev->arg);
	}
	if (!tell)
		return;
	write_error_node(dev);
	/* From any state an end may give up by writing Closed. */
	(void)write_state_tx(dev, XenbusStateClosed, false);
}

void fr_fsm_fail(struct pvfront_dev *dev, int err, const char *what,
		 const char *detail)
{
	fail(dev, err, what, detail, true);
}

/* A store call failed.  When the store itself stopped answering (or broke
 * its ring), writing there would only wait the store timeout again. */
static void fail_store(struct pvfront_dev *dev, int err, const char *what)
{
	bool store_down =
	    err == -XEN_ETIMEDOUT || err == -XEN_EIO || err == -XEN_ENOTCONN;

	fail(dev, err, what, NULL, !store_down);
}

/* Start walking Closing -> Closed -> Initialising again. */
static void begin_reset(struct pvfront_dev *dev)
{
	int rc = fr_fsm_write_state(dev, XenbusStateClosing);

	if (rc == -XEN_ENODEV)
		return;
	if (rc) {
		fail_store(dev, rc, "writing state Closing");
		return;
	}
	dev->phase = PH_CLOSING;
	dev->deadline = fr_deadline(dev->pf, dev->pf->handshake_ms);
}

static void do_publish(struct pvfront_dev *dev)
{
	int rc = write_state_tx(dev, XenbusStateInitialised, true);

	if (dev->phase != PH_WAIT_BACK)
		return; /* the driver failed the device meanwhile */
	if (rc == -XEN_ENODEV)
		gone(dev);
	else if (rc)
		fail_store(dev, rc, "publishing the frontend's keys");
	else
		dev->phase = PH_PUBLISHED;
}

static void do_connect(struct pvfront_dev *dev)
{
	int rc = dev->ops->connect ? dev->ops->connect(dev, dev->arg) : 0;

	if (dev->phase != PH_PUBLISHED)
		return;
	if (rc) {
		fr_fsm_fail(dev, rc, "the driver refused the backend's offer",
			    NULL);
		return;
	}
	dev->up = true;
	rc = fr_fsm_write_state(dev, XenbusStateConnected);
	if (rc == -XEN_ENODEV)
		return;
	if (rc) {
		fail_store(dev, rc, "writing state Connected");
		return;
	}
	dev->phase = PH_CONNECTED;
	dev->connects++;
	dev->refusals = 0;
	dev->errmsg[0] = '\0';
}

static bool backend_down(enum xenbus_state b)
{
	return b == XenbusStateClosing || b == XenbusStateClosed;
}

static bool step_published(struct pvfront_dev *dev)
{
	enum xenbus_state b = dev->bstate;

	if (b == XenbusStateConnected) {
		do_connect(dev);
		return false;
	}
	if (!backend_down(b))
		return false;
	if (++dev->refusals >= REFUSALS_MAX) {
		fr_fsm_fail(
		    dev, -XEN_ECONNREFUSED,
		    "the backend closed the device before it connected, "
		    "3 times",
		    NULL);
		return false;
	}
	fr_log_dev(dev, PVFRONT_LOG_WARN,
		   "the backend closed before it connected: again", NULL);
	begin_reset(dev);
	return true;
}

static bool step_connected(struct pvfront_dev *dev)
{
	enum xenbus_state b = dev->bstate;

	if (b == XenbusStateConnected || b == XenbusStateReconfiguring ||
	    b == XenbusStateReconfigured)
		return false;
	fr_log_dev(dev, PVFRONT_LOG_INFO, "the backend left Connected for ",
		   pv_xenbus_state_name(b));
	dev->up = false;
	if (dev->ops->disconnect)
		dev->ops->disconnect(dev, -XEN_ENOTCONN, dev->arg);
	if (dev->phase == PH_CONNECTED)
		begin_reset(dev);
	return true;
}

/* One step; true when the phase changed and another may follow. */
static bool step(struct pvfront_dev *dev)
{
	enum xenbus_state b = dev->bstate;
	uint8_t was = dev->phase;

	if (was == PH_OFF || was == PH_FAILED || was == PH_GONE)
		return false;
	if (b == XenbusStateUnknown) {
		gone(dev);
		return false;
	}
	switch (was) {
	case PH_WAIT_BACK:
		if (b == XenbusStateInitWait)
			do_publish(dev);
		break;
	case PH_PUBLISHED:
		return step_published(dev);
	case PH_CONNECTED:
		return step_connected(dev);
	case PH_CLOSING:
		if (backend_down(b) &&
		    fr_fsm_write_state(dev, XenbusStateClosed) == 0) {
			dev->phase = PH_CLOSED;
			dev->closed_gen = dev->gen;
			dev->deadline = 0;
		}
		break;
	case PH_CLOSED:
		if (dev->want && dev->gen != dev->closed_gen &&
		    (b == XenbusStateClosed || b == XenbusStateInitWait) &&
		    fr_fsm_write_state(dev, XenbusStateInitialising) == 0)
			dev->phase = PH_WAIT_BACK;
		break;
	}
	return dev->phase != was;
}

/* The backend's state: 0; -XEN_EBADMSG for garbage, with what it was
 * (made printable) in bad; a store error. */
static int read_backend_state(struct pvfront_dev *dev, enum xenbus_state *st,
			      char *bad, size_t cap)
{
	char val[16];
	struct fr_sb s;
	int n = pvfront_xs_read(&dev->pf->xs, 0, dev->state_path, val,
				sizeof(val) - 1);

	/* Gone (not readable: its parents are dom0's and gone too). */
	if (n == -XEN_ENOENT || n == -XEN_EACCES) {
		*st = XenbusStateUnknown;
		return 0;
	}
	if (n < 0)
		return n;
	if ((size_t)n < sizeof(val) - 1 &&
	    !pv_xenbus_state_parse(val, (size_t)n, st))
		return 0;
	val[(size_t)n < sizeof(val) - 1 ? (size_t)n : sizeof(val) - 1] = '\0';
	fr_sb_init(&s, bad, cap);
	fr_sb_str(&s, "\"");
	fr_sb_str_safe(&s, val, sizeof(val));
	fr_sb_str(&s, (size_t)n < sizeof(val) - 1 ? "\"" : "...\"");
	return -XEN_EBADMSG;
}

void fr_fsm_kick(struct pvfront_dev *dev)
{
	enum xenbus_state st;
	char bad[32];
	int rc, i;

	if (dev->phase == PH_GONE || dev->phase == PH_FAILED)
		return;
	rc = read_backend_state(dev, &st, bad, sizeof(bad));
	if (rc == -XEN_EBADMSG) {
		fr_fsm_fail(dev, rc,
			    "the backend's state is not a state: ", bad);
		return;
	}
	if (rc) {
		fail_store(dev, rc, "reading the backend's state");
		return;
	}
	dev->bstate = st;
	for (i = 0; i < 8 && step(dev); i++)
		;
}

void fr_fsm_backend_changed(struct pvfront *pf, struct pvfront_watch *w,
			    const char *path, void *arg)
{
	struct pvfront_dev *dev = arg;

	(void)pf;
	(void)w;
	(void)path;
	dev->gen++;
	fr_fsm_kick(dev);
}

void fr_fsm_start(struct pvfront_dev *dev)
{
	dev->want = true;
	switch (dev->phase) {
	case PH_OFF:
		if (dev->state == XenbusStateUnknown ||
		    dev->state == XenbusStateInitialising) {
			dev->phase = PH_WAIT_BACK;
		} else if (dev->state == XenbusStateClosed) {
			dev->phase = PH_CLOSED;
			dev->closed_gen = dev->gen - 1; /* answered already */
		} else {
			/* Left published by an earlier instance: the
			 * backend may map what it published.  Reset. */
			begin_reset(dev);
		}
		break;
	case PH_FAILED:
		dev->err = 0;
		dev->refusals = 0;
		dev->phase = PH_CLOSED; /* fr_fsm_fail wrote Closed */
		dev->closed_gen = dev->gen - 1;
		break;
	default:
		break;
	}
	fr_fsm_kick(dev);
}

int fr_fsm_timeouts(struct pvfront *pf)
{
	uint64_t now = fr_now(pf);
	struct pvfront_dev *dev;
	char ms[16];
	struct fr_sb s;
	int n = 0;

	for (dev = pf->devs; dev; dev = dev->next) {
		if (!dev->deadline || now < dev->deadline)
			continue;
		dev->deadline = 0;
		n++;
		if (dev->phase != PH_CLOSING || !dev->want)
			continue; /* a close by request: pvfront_dev_close */
		fr_sb_init(&s, ms, sizeof(ms));
		fr_sb_int(&s, pf->handshake_ms);
		fr_sb_str(&s, " ms");
		fr_fsm_fail(dev, -XEN_ETIMEDOUT,
			    "the backend did not answer Closing within ", ms);
	}
	return n;
}

uint64_t fr_fsm_next_deadline(struct pvfront *pf)
{
	struct pvfront_dev *dev;
	uint64_t next = 0;

	for (dev = pf->devs; dev; dev = dev->next)
		if (dev->deadline && (!next || dev->deadline < next))
			next = dev->deadline;
	return next;
}
