/*
 * Unit tests for libpvfront's devices (frontends/lib/front_dev.c,
 * front_fsm.c): enumeration, opening, the xenbus handshake with a backend
 * that connects, never comes, closes, is removed, restarts or lies; the
 * instance's watches and ports around them.
 *
 * Everything runs on one thread, in virtual time (test_front_os.h),
 * against pvhv's real store core and a fake backend (test_front_world.h).
 * The driver here shares a ring page, a three-page buffer with its page
 * directory and an event channel.
 */
#include "test_front_world.h"

/* ---- a driver ------------------------------------------------------------ */

static struct drv {
	struct pvfront_dev dev;
	struct pvfront_pages ring;
	struct pvfront_pgdir pd;
	grant_ref_t refs[3], dir_refs[1];
	struct pvfront_port evt;
	unsigned int publishes, connects, disconnects, events;
	int last_reason;
	uint64_t feature;
	int fail_publish;
	bool deadlock_check;
	int dl_connect, dl_close;
} d;

static int drv_publish(struct pvfront_dev *dev, uint32_t tx, void *arg)
{
	struct drv *x = arg;
	int rc;

	assert_ptr_equal(dev, &x->dev);
	x->publishes++;
	if (x->fail_publish)
		return x->fail_publish;
	/* the rings may be reset here: the backend has let go */
	memset(pvfront_pages_addr(&x->ring), 0, PVFRONT_PAGE_SIZE);
	rc = pvfront_dev_write_uint(dev, tx, "page-ref",
				    pvfront_pages_ref(&x->ring, 0));
	if (!rc)
		rc = pvfront_dev_write_uint(dev, tx, "event-channel",
					    pvfront_port_number(&x->evt));
	if (!rc)
		rc = pvfront_dev_write_uint(dev, tx, "pgdir-ref",
					    pvfront_pgdir_ref(&x->pd));
	return rc;
}

static int drv_connect(struct pvfront_dev *dev, void *arg)
{
	struct drv *x = arg;
	int rc = pvfront_dev_read_uint(dev, PVFRONT_BACKEND, "feature-test", 0,
				       1, &x->feature);

	x->connects++;
	return rc == -XEN_ENOENT ? 0 : rc;
}

static void drv_disconnect(struct pvfront_dev *dev, int reason, void *arg)
{
	struct drv *x = arg;

	(void)dev;
	x->disconnects++;
	x->last_reason = reason;
}

static void drv_event(struct pvfront *pf, struct pvfront_port *p, void *arg)
{
	struct drv *x = arg;

	(void)pf;
	(void)p;
	x->events++;
	if (getenv("FOS_VERBOSE"))
		printf("  event %u\n", x->events);
	if (x->deadlock_check) {
		x->dl_connect = pvfront_dev_connect(&x->dev, 100);
		x->dl_close = pvfront_dev_close(&x->dev, 100);
	}
}

static const struct pvfront_dev_ops drv_ops = {
    .publish = drv_publish,
    .connect = drv_connect,
    .disconnect = drv_disconnect,
};

static void drv_open(void)
{
	memset(&d, 0, sizeof(d));
	assert_int_equal(
	    pvfront_dev_open(&d.dev, &os.pf, "vkbd", 0, &drv_ops, &d), 0);
	assert_int_equal(pvfront_dev_alloc_pages(&d.dev, &d.ring, 1, NULL, 0),
			 0);
	assert_int_equal(
	    pvfront_dev_alloc_pgdir(&d.dev, &d.pd, 3, d.refs, d.dir_refs, 0),
	    0);
	assert_int_equal(pvfront_dev_alloc_port(&d.dev, &d.evt, drv_event, &d),
			 0);
}

static void drv_close(void)
{
	assert_int_equal(pvfront_dev_close(&d.dev, 5000), 0);
}

/* Poll until cond holds, for at most ms of (virtual) time. */
#define POLL_UNTIL(cond, ms)                                                   \
	do {                                                                   \
		uint64_t end_ = os.now + (uint64_t)(ms)*1000000u;              \
		while (!(cond) && os.now < end_)                               \
			assert_true(pvfront_poll(&os.pf, 100) >= 0);           \
		assert_true(cond);                                             \
	} while (0)

/* The backend's notifications reach the driver. */
static void events_flow(void)
{
	unsigned int n = d.events;

	fos_fire(&os, fb.port);
	POLL_UNTIL(d.events > n, 1000);
}

static void connected(void)
{
	fb_start(false, false);
	drv_open();
	assert_int_equal(pvfront_dev_connect(&d.dev, 5000), 0);
	POLL_UNTIL(d.events >= 1, 1000);
}

static const char *errnode(void)
{
	static char v[256];
	int n = store_read(st, "/local/domain/1/error/device/vkbd/0/error", v,
			   sizeof(v) - 1);

	if (n < 0)
		return "";
	v[n] = '\0';
	return v;
}

/* ---- enumeration and opening --------------------------------------------- */

static void enumerate(void **state)
{
	uint32_t ids[8];

	(void)state;
	make_device("/local/domain/1/device/vkbd/10", BE "0", "0");
	make_device("/local/domain/1/device/vkbd/2", BE "1", "0");
	put("/local/domain/1/device/vkbd/x", "");
	put("/local/domain/1/device/vkbd/007", "");
	put("/local/domain/1/device/vkbd/99999999999", "");
	assert_int_equal(pvfront_enumerate(&os.pf, "vkbd", ids, 8), 3);
	assert_int_equal(ids[0], 0);
	assert_int_equal(ids[1], 2);
	assert_int_equal(ids[2], 10);
	memset(ids, 0xff, sizeof(ids));
	assert_int_equal(pvfront_enumerate(&os.pf, "vkbd", ids, 2), -XEN_E2BIG);
	assert_int_equal(ids[0], 0);
	assert_int_equal(ids[1], 2);
	assert_int_equal(pvfront_enumerate(&os.pf, "vsnd", ids, 8), 0);
	assert_int_equal(pvfront_enumerate(&os.pf, "a/b", ids, 8), -XEN_EINVAL);
	assert_int_equal(pvfront_enumerate(&os.pf, "", ids, 8), -XEN_EINVAL);
	assert_int_equal(pvfront_enumerate(&os.pf, "vkbd", NULL, 0),
			 -XEN_E2BIG);
}

static int open0(void)
{
	return pvfront_dev_open(&d.dev, &os.pf, "vkbd", 0, &drv_ops, &d);
}

static void open_keys(void **state)
{
	(void)state;
	memset(&d, 0, sizeof(d));
	assert_int_equal(
	    pvfront_dev_open(&d.dev, &os.pf, "vkbd", 5, &drv_ops, &d),
	    -XEN_ENOENT);
	assert_int_equal(
	    pvfront_dev_open(&d.dev, &os.pf, "vk/bd", 0, &drv_ops, &d),
	    -XEN_EINVAL);
	assert_int_equal(pvfront_dev_open(&d.dev, &os.pf, "vkbd", 0, NULL, &d),
			 -XEN_EINVAL);
	put(FE "/backend", "local/domain/0/backend");
	assert_int_equal(open0(), -XEN_EBADMSG);
	assert_non_null(fos_logged(&os, "not a store path"));
	put(FE "/backend", "/local//domain");
	assert_int_equal(open0(), -XEN_EBADMSG);
	put(FE "/backend", "/local/domain/0/backend/vinput/1/0\n");
	assert_int_equal(open0(), -XEN_EBADMSG);
	put(FE "/backend", BE);
	put(FE "/backend-id", "x");
	assert_int_equal(open0(), -XEN_EBADMSG);
	put(FE "/backend-id", "70000");
	assert_int_equal(open0(), -XEN_EBADMSG);
	assert_non_null(fos_logged(&os, "backend-id = \"70000\""));
	put(FE "/backend-id", "0");
	put(FE "/state", "9");
	assert_int_equal(open0(), -XEN_EBADMSG);
	put(FE "/state", "1");
	assert_int_equal(open0(), 0);
	assert_string_equal(pvfront_dev_path(&d.dev), "device/vkbd/0");
	assert_string_equal(pvfront_dev_backend_path(&d.dev), BE);
	assert_int_equal(pvfront_dev_backend_id(&d.dev), 0);
	assert_int_equal(pvfront_dev_id(&d.dev), 0);
	assert_ptr_equal(pvfront_dev_front(&d.dev), &os.pf);
	assert_int_equal(pvfront_dev_state(&d.dev), XenbusStateInitialising);
	assert_int_equal(pvfront_dev_backend_state(&d.dev),
			 XenbusStateInitialising);
	assert_false(pvfront_dev_connected(&d.dev));
	/* nothing written by opening and closing without connecting but
	 * Closed, which tells a backend the frontend is gone */
	assert_int_equal(pvfront_dev_close(&d.dev, 1000), 0);
	assert_int_equal(rd_state(FE "/state"), XenbusStateClosed);
	assert_int_equal(pvfront_dev_close(&d.dev, 1000), 0); /* again */
}

/* ---- the handshake ------------------------------------------------------- */

static void connect_ok(void **state)
{
	char buf[64];
	int n;

	(void)state;
	fb.feature = "1";
	connected();
	assert_true(pvfront_dev_connected(&d.dev));
	assert_int_equal(rd_state(FE "/state"), XenbusStateConnected);
	assert_int_equal(rd_state(BE "/state"), XenbusStateConnected);
	assert_int_equal(d.publishes, 1);
	assert_int_equal(d.connects, 1);
	assert_int_equal(d.feature, 1);
	assert_int_equal(fb.keys_ok, 1); /* keys there when it saw 3 */
	assert_int_equal(pvfront_dev_connects(&d.dev), 1);
	assert_int_equal(pvfront_dev_error(&d.dev), 0);
	n = pvfront_dev_read(&d.dev, PVFRONT_FRONTEND, "page-ref", buf,
			     sizeof(buf));
	assert_int_equal(n, (int)strlen(buf));
	assert_int_equal(atoi(buf), pvfront_pages_ref(&d.ring, 0));
	assert_int_equal(pvfront_dev_read(&d.dev, PVFRONT_BACKEND, "nothing",
					  buf, sizeof(buf)),
			 -XEN_ENOENT);
	assert_int_equal(
	    pvfront_dev_read(&d.dev, PVFRONT_BACKEND, "frontend", buf, 8),
	    -XEN_EBADMSG);
	assert_int_equal(pvfront_dev_connect(&d.dev, 5000), 0); /* again */
	/* close: the backend answers, everything goes back */
	drv_close();
	assert_int_equal(rd_state(FE "/state"), XenbusStateClosed);
	assert_int_equal(d.disconnects, 1);
	assert_int_equal(d.last_reason, 0);
	assert_int_equal(fb.disconnects, 1);
	assert_int_equal(os.pages_out, 0);
	assert_int_equal(fos_grants_used(&os), 0);
	assert_int_equal(fos_ports_used(&os), 1);
	assert_string_equal(errnode(), "");
}

static void no_backend(void **state)
{
	const char *m;
	uint64_t t0;

	(void)state;
	drv_open();
	t0 = os.now;
	assert_int_equal(pvfront_dev_connect(&d.dev, 3000), -XEN_ETIMEDOUT);
	assert_true(os.now - t0 >= 3000 * 1000000ull);
	assert_true(os.now - t0 < 3200 * 1000000ull);
	m = pvfront_dev_errmsg(&d.dev);
	assert_non_null(strstr(m, BE " is Initialising"));
	assert_non_null(strstr(m, "no backend running?"));
	assert_non_null(fos_logged(&os, "no backend running?"));
	assert_int_equal(rd_state(FE "/state"), XenbusStateInitialising);
	assert_int_equal(d.publishes, 0);
	/* a backend comes late: the device connects in pvfront_poll() */
	fb_start(false, false);
	POLL_UNTIL(pvfront_dev_connected(&d.dev), 1000);
	assert_int_equal(d.connects, 1);
	drv_close();
}

static void connect_async(void **state)
{
	(void)state;
	fb_start(false, false);
	drv_open();
	assert_int_equal(pvfront_dev_connect(&d.dev, 0), -XEN_EAGAIN);
	POLL_UNTIL(pvfront_dev_connected(&d.dev), 1000);
	assert_int_equal(pvfront_dev_connect(&d.dev, 0), 0);
	drv_close();
}

static void backend_closes(void **state)
{
	grant_ref_t ref;

	(void)state;
	connected();
	ref = fb.ref;
	/* the toolstack (or the backend) closes; the backend then offers
	 * the device again */
	be_write(XenbusStateClosing);
	POLL_UNTIL(d.disconnects == 1, 1000);
	assert_int_equal(d.last_reason, -XEN_ENOTCONN);
	POLL_UNTIL(pvfront_dev_connects(&d.dev) == 2, 2000);
	assert_int_equal(d.publishes, 2);
	assert_int_equal(fb.connects, 2);
	assert_int_equal(fb.ref, ref); /* the same pages and grants */
	events_flow();
	drv_close();
}

static void backend_removed(void **state)
{
	(void)state;
	connected();
	fb.on = false;
	fb_unmap();
	assert_int_equal(store_rm(st, FE), 0);
	assert_int_equal(store_rm(st, BE), 0);
	POLL_UNTIL(d.disconnects == 1, 1000);
	assert_int_equal(d.last_reason, -XEN_ENODEV);
	assert_int_equal(pvfront_dev_connect(&d.dev, 1000), -XEN_ENODEV);
	drv_close();
	/* nothing written back into the removed directory */
	assert_int_equal(rd_state(FE "/state"), -XEN_ENOENT);
}

static void backend_restart(void **state)
{
	(void)state;
	connected();
	fb_crash();
	assert_int_equal(pvfront_poll(&os.pf, 100), 0); /* nothing seen */
	assert_true(pvfront_dev_connected(&d.dev));
	/* a new backend probes, writes InitWait and waits */
	fb_start(false, false);
	POLL_UNTIL(d.disconnects == 1, 1000);
	assert_int_equal(d.last_reason, -XEN_ENOTCONN);
	POLL_UNTIL(pvfront_dev_connects(&d.dev) == 2, 2000);
	assert_int_equal(d.publishes, 2);
	assert_int_equal(fb.connects, 2);
	assert_true(fb.mapped);
	events_flow();
	drv_close();
}

static void backend_restart_direct(void **state)
{
	(void)state;
	connected();
	fb_crash();
	/* the new backend connects to the published frontend at once:
	 * InitWait and Connected come as one change, which a frontend
	 * cannot tell from nothing */
	fb_start(true, false);
	POLL_UNTIL(fb.connects == 2, 1000);
	events_flow();
	assert_true(pvfront_dev_connected(&d.dev));
	assert_int_equal(pvfront_dev_error(&d.dev), 0);
	drv_close();
}

static void backend_restart_split(void **state)
{
	(void)state;
	connected();
	fb_crash();
	/* ... or one step after its InitWait: the frontend sees InitWait
	 * and walks the device through Closing and Closed again */
	fb_start(true, true);
	POLL_UNTIL(d.disconnects == 1, 1000);
	POLL_UNTIL(pvfront_dev_connected(&d.dev) && fb.mapped &&
		       rd_state(BE "/state") == XenbusStateConnected,
		   2000);
	assert_int_equal(pvfront_dev_connects(&d.dev), 2);
	assert_int_equal(d.publishes, 2);
	events_flow();
	drv_close();
}

static void reopen(void **state)
{
	(void)state;
	connected();
	drv_close();
	drv_open();
	assert_int_equal(pvfront_dev_connect(&d.dev, 5000), 0);
	assert_int_equal(fb.connects, 2);
	drv_close();
}

static void stale_published(void **state)
{
	(void)state;
	/* an earlier instance of this guest left the device Connected, and
	 * its backend still maps the pages it was given */
	put(FE "/state", "4");
	put(BE "/state", "4");
	fb_start(true, false);
	fb.probed = true;
	drv_open();
	assert_int_equal(pvfront_dev_connect(&d.dev, 5000), 0);
	assert_int_equal(d.publishes, 1);
	assert_true(fb.mapped);
	drv_close();
}

/* ---- hostile backends ---------------------------------------------------- */

static const char *garbage;

static void write_garbage(void)
{
	if (garbage)
		put(BE "/state", garbage);
	garbage = NULL;
}

static void hostile_state(void **state)
{
	(void)state;
	connected();
	garbage = "banana";
	fb.hook = write_garbage;
	POLL_UNTIL(pvfront_dev_error(&d.dev) != 0, 1000);
	assert_int_equal(pvfront_dev_error(&d.dev), -XEN_EBADMSG);
	assert_int_equal(d.last_reason, -XEN_EBADMSG);
	assert_non_null(strstr(pvfront_dev_errmsg(&d.dev), "\"banana\""));
	assert_int_equal(rd_state(FE "/state"), XenbusStateClosed);
	assert_int_equal(strncmp(errnode(), "74 the backend's state", 22), 0);
	assert_false(pvfront_dev_connected(&d.dev));
	/* a backend that behaves again: connect starts afresh */
	POLL_UNTIL(rd_state(BE "/state") == XenbusStateInitWait, 1000);
	assert_int_equal(pvfront_dev_connect(&d.dev, 5000), 0);
	assert_int_equal(pvfront_dev_error(&d.dev), 0);
	assert_int_equal(pvfront_dev_connects(&d.dev), 2);
	/* control characters and long values are cut and made printable */
	garbage = "\x01\x02\x1b[2J0123456789012345678901234567890123456789";
	fb.hook = write_garbage;
	POLL_UNTIL(pvfront_dev_error(&d.dev) != 0, 1000);
	assert_non_null(
	    strstr(pvfront_dev_errmsg(&d.dev), "\"???[2J012345678...\""));
	fb.hook = NULL;
	drv_close();
}

static void hostile_early_connected(void **state)
{
	(void)state;
	/* Connected before the frontend published anything */
	fb_start(false, false);
	fb.probed = true;
	put(BE "/state", "4");
	drv_open();
	assert_int_equal(pvfront_dev_connect(&d.dev, 2000), -XEN_ETIMEDOUT);
	assert_non_null(
	    strstr(pvfront_dev_errmsg(&d.dev), "never offered InitWait"));
	assert_int_equal(d.publishes, 0);
	assert_int_equal(rd_state(FE "/state"), XenbusStateInitialising);
	drv_close();
}

static void hostile_bad_keys(void **state)
{
	(void)state;
	fb.feature = "12abc";
	fb_start(false, false);
	drv_open();
	assert_int_equal(pvfront_dev_connect(&d.dev, 5000), -XEN_EBADMSG);
	assert_non_null(fos_logged(&os, BE "/feature-test = \"12abc\""));
	assert_non_null(
	    strstr(pvfront_dev_errmsg(&d.dev), "refused the backend's offer"));
	assert_int_equal(d.disconnects, 0); /* it never was up */
	assert_int_equal(rd_state(FE "/state"), XenbusStateClosed);
	assert_int_equal(strncmp(errnode(), "74 ", 3), 0);
	drv_close();
}

static bool jumped;

static void jump_to_initwait(void)
{
	if (!jumped) {
		be_write(XenbusStateInitWait);
		jumped = true;
		fb.on = false; /* and hangs there, the ring still mapped */
	}
}

static void hostile_no_ack(void **state)
{
	(void)state;
	connected();
	/* the backend jumps back to InitWait, then never answers */
	jumped = false;
	fb.hook = jump_to_initwait;
	POLL_UNTIL(pvfront_dev_error(&d.dev) != 0, 6000);
	assert_int_equal(pvfront_dev_error(&d.dev), -XEN_ETIMEDOUT);
	assert_non_null(strstr(pvfront_dev_errmsg(&d.dev),
			       "did not answer Closing within 5000 ms"));
	assert_int_equal(d.last_reason, -XEN_ENOTCONN);
	/* it still maps the ring: close keeps those pages */
	assert_int_equal(pvfront_dev_close(&d.dev, 1000), -XEN_EBUSY);
	assert_true(os.pages_out > 0);
	fb_unmap();
	assert_int_equal(pvfront_dev_close(&d.dev, 1000), 0);
}

static unsigned int refusals;

static void refuse(void)
{
	if (rd_state(FE "/state") == XenbusStateInitialised &&
	    rd_state(BE "/state") == XenbusStateInitWait) {
		be_write(XenbusStateClosing);
		refusals++;
	}
}

static void hostile_refuses(void **state)
{
	(void)state;
	refusals = 0;
	fb_start(false, false);
	fb.hook = refuse;
	drv_open();
	assert_int_equal(pvfront_dev_connect(&d.dev, 10000), -XEN_ECONNREFUSED);
	assert_int_equal(refusals, 3);
	assert_int_equal(d.publishes, 3);
	fb.hook = NULL;
	drv_close();
}

static void close_silent_backend(void **state)
{
	uint64_t t0;

	(void)state;
	connected();
	fb.on = false; /* hangs, keeping the ring mapped */
	t0 = os.now;
	assert_int_equal(pvfront_dev_close(&d.dev, 1000), -XEN_EBUSY);
	assert_true(os.now - t0 >= 1000 * 1000000ull);
	assert_non_null(fos_logged(&os, "without the backend's answer"));
	assert_int_equal(rd_state(FE "/state"), XenbusStateClosed);
	assert_int_equal(os.pages_out, 1); /* the mapped ring page */
	fb_unmap();
	assert_int_equal(pvfront_dev_close(&d.dev, 1000), 0);
}

static void driver_fails(void **state)
{
	(void)state;
	connected();
	pvfront_dev_fail(&d.dev, -XEN_EIO, "ring index out of range");
	assert_int_equal(d.last_reason, -XEN_EIO);
	assert_string_equal(pvfront_dev_errmsg(&d.dev),
			    "ring index out of range");
	assert_string_equal(errnode(), "5 ring index out of range");
	assert_int_equal(rd_state(FE "/state"), XenbusStateClosed);
	assert_int_equal(pvfront_dev_connect(&d.dev, 5000), 0);
	drv_close();
}

static void publish_fails(void **state)
{
	(void)state;
	fb_start(false, false);
	drv_open();
	d.fail_publish = -XEN_ENOMEM;
	assert_int_equal(pvfront_dev_connect(&d.dev, 5000), -XEN_ENOMEM);
	/* nothing of the transaction happened */
	assert_int_equal(rd_num(FE "/page-ref"), -1);
	assert_int_equal(rd_state(FE "/state"), XenbusStateClosed);
	d.fail_publish = 0;
	assert_int_equal(pvfront_dev_connect(&d.dev, 5000), 0);
	drv_close();
}

static void store_silent(void **state)
{
	uint64_t t0;

	(void)state;
	fb_start(false, false);
	drv_open();
	/* a store that stops answering: each call gives up after the store
	 * timeout, and the device fails saying so */
	ss.silent = true;
	pvfront_set_store_timeout(&os.pf, 2000);
	t0 = os.now;
	assert_int_equal(pvfront_dev_connect(&d.dev, 5000), -XEN_ETIMEDOUT);
	assert_true(os.now - t0 < 3000 * 1000000ull);
	assert_non_null(strstr(pvfront_dev_errmsg(&d.dev),
			       "reading the backend's state"));
	/* nothing was written (it would only have waited again) */
	assert_int_equal(rd_state(FE "/state"), XenbusStateInitialising);
	assert_string_equal(errnode(), "");
	/* the store answers again: closing works, late replies are dropped */
	ss.silent = false;
	assert_int_equal(pvfront_dev_close(&d.dev, 1000), 0);
	assert_int_equal(rd_state(FE "/state"), XenbusStateClosed);
}

/* ---- the instance around devices ----------------------------------------- */

static unsigned int watch_calls;
static char watch_path[64];

static void on_watch(struct pvfront *pf, struct pvfront_watch *w,
		     const char *path, void *arg)
{
	(void)pf;
	(void)w;
	(void)arg;
	watch_calls++;
	snprintf(watch_path, sizeof(watch_path), "%s", path);
}

static void watches_lost(void **state)
{
	struct pvfront_watch w;
	struct pvfront_xs_stats xst;
	char path[16], buf[8];

	(void)state;
	assert_int_equal(pvfront_watch_add(&os.pf, &w, "data", on_watch, NULL),
			 0);
	POLL_UNTIL(watch_calls == 1, 100);
	assert_string_equal(watch_path, "data");
	put("/local/domain/1/data/x", "1");
	POLL_UNTIL(watch_calls == 2, 100);
	assert_string_equal(watch_path, "data/x");
	/* far more events than the client holds arrive while a store call
	 * waits: they are lost, and the watch hears of it once */
	for (int i = 0; i < 1000; i++) {
		snprintf(path, sizeof(path), "%d", i);
		put("/local/domain/1/data/x", path);
	}
	watch_calls = 0;
	assert_int_equal(pvfront_xs_read(&os.pf.xs, 0, "data/x", buf, 8), 3);
	POLL_UNTIL(watch_calls > 0 && pvfront_poll(&os.pf, 0) == 0, 1000);
	pvfront_xs_stats(&os.pf.xs, &xst);
	if (getenv("FOS_VERBOSE"))
		printf("lost %u bad %u calls %u\n", xst.lost_events,
		       xst.bad_events, watch_calls);
	assert_true(xst.lost_events > 0);
	assert_non_null(fos_logged(&os, "events were lost"));
	assert_int_equal(pvfront_watch_remove(&os.pf, &w), 0);
	assert_int_equal(pvfront_watch_remove(&os.pf, &w), 0);
	watch_calls = 0;
	put("/local/domain/1/data/x", "2");
	(void)pvfront_poll(&os.pf, 100);
	assert_int_equal(watch_calls, 0);
}

static void fire_evt(void)
{
	fos_fire(&os, pvfront_port_number(&d.evt));
	ss.hook = NULL;
}

static void port_during_store_call(void **state)
{
	char buf[8];

	(void)state;
	connected();
	d.events = 0;
	ss.hook = fire_evt;
	assert_int_equal(pvfront_xs_read(&os.pf.xs, 0, "device/vkbd/0/state",
					 buf, sizeof(buf)),
			 1);
	assert_int_equal(d.events, 0); /* held, not run inside the call */
	assert_true(os.pf.held > 0);
	assert_int_equal(pvfront_poll(&os.pf, 0), 1);
	assert_int_equal(d.events, 1);
	/* blocking calls from a handler refuse */
	d.deadlock_check = true;
	fos_fire(&os, pvfront_port_number(&d.evt));
	assert_int_equal(pvfront_poll(&os.pf, 100), 1);
	d.deadlock_check = false;
	assert_int_equal(d.dl_connect, -XEN_EDEADLK);
	assert_int_equal(d.dl_close, -XEN_EDEADLK);
	drv_close();
}

static void close_all_at_front_close(void **state)
{
	(void)state;
	connected();
	/* pvfront_close() closes what is still open, without waiting */
	pvfront_close(&os.pf);
	assert_int_equal(rd_state(FE "/state"), XenbusStateClosed);
	fb_step();
	assert_false(fb.mapped);
	assert_int_equal(pvfront_dev_close(&d.dev, 0), 0);
	assert_int_equal(pvfront_open(&os.pf, &fos_ops, &os, 0), 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

static const struct CMUnitTest tests[] = {
    T(enumerate),
    T(open_keys),
    T(connect_ok),
    T(no_backend),
    T(connect_async),
    T(backend_closes),
    T(backend_removed),
    T(backend_restart),
    T(backend_restart_direct),
    T(backend_restart_split),
    T(reopen),
    T(stale_published),
    T(hostile_state),
    T(hostile_early_connected),
    T(hostile_bad_keys),
    T(hostile_no_ack),
    T(hostile_refuses),
    T(close_silent_backend),
    T(driver_fails),
    T(publish_fails),
    T(store_silent),
    T(watches_lost),
    T(port_during_store_call),
    T(close_all_at_front_close),
};

PV_UNIT_MAIN("front_dev", tests)
