/*
 * guest_front_dev — a frontend driver on libpvfront's framework
 * (pvkit/front.h), for the integration test test_pvfront_devices: it finds
 * its vkbd devices, connects to device 0 and reports on its console what
 * the framework tells it.  The "driver" shares one page and one event
 * channel: "page-gref" and "event-channel" in its directory, as kbdif
 * names them; on each event it prints the page's first 32-bit word.
 *
 *   kernel = "guest_front_dev"   cmdline = "[timeout=MS] [reconnect]"
 *
 * Console lines:
 *   ENUM n=<devices> first=<id>
 *   CONNECT rc=<rc> state=<ours> backend=<theirs> msg=<why, if it failed>
 *   UP n=<times connected> feature=<backend's feature-test, or -1>
 *   DOWN reason=<-errno: -107 backend gone, -19 removed, else a failure>
 *   EVENT value=<word>            (0xdead, 57005: close the device)
 *   FAILED err=<-errno> msg=<why>  (reconnect: connect again, each
 *                                   second until it works)
 *   CLOSE rc=<rc> state=<ours>
 * pvfront's own log lines come as "pvfront: ...".  After CLOSE (or a
 * CONNECT that failed for good) the guest idles until destroyed.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest_util.h"
#include "pvkit/front.h"

#define CLOSE_WORD 0xdeadu

static struct pvfront pf;
static struct pvfront_posix *p;

static struct drv {
	struct pvfront_dev dev;
	struct pvfront_pages page;
	struct pvfront_port evt;
	bool close_now;
} d;

static int drv_publish(struct pvfront_dev *dev, uint32_t tx, void *arg)
{
	struct drv *x = arg;
	int rc;

	/* The backend has let go of the page (or never had it): reset. */
	memset(pvfront_pages_addr(&x->page), 0, GUEST_PAGE_SIZE);
	rc = pvfront_dev_write_uint(dev, tx, "page-gref",
				    pvfront_pages_ref(&x->page, 0));
	if (!rc)
		rc = pvfront_dev_write_uint(dev, tx, "event-channel",
					    pvfront_port_number(&x->evt));
	return rc;
}

static int drv_connect(struct pvfront_dev *dev, void *arg)
{
	uint64_t v;
	int rc = pvfront_dev_read_uint(dev, PVFRONT_BACKEND, "feature-test", 0,
				       1, &v);

	(void)arg;
	if (rc && rc != -ENOENT)
		return rc;
	guest_say(p, "UP n=%u feature=%d\n", pvfront_dev_connects(dev) + 1,
		  rc ? -1 : (int)v);
	return 0;
}

static void drv_disconnect(struct pvfront_dev *dev, int reason, void *arg)
{
	(void)dev;
	(void)arg;
	guest_say(p, "DOWN reason=%d\n", reason);
}

static void drv_event(struct pvfront *f, struct pvfront_port *port, void *arg)
{
	struct drv *x = arg;
	uint32_t v = atomic_load_explicit(
	    (_Atomic uint32_t *)pvfront_pages_addr(&x->page),
	    memory_order_acquire);

	(void)f;
	(void)port;
	guest_say(p, "EVENT value=%u\n", v);
	if (v == CLOSE_WORD)
		x->close_now = true;
}

static const struct pvfront_dev_ops drv_ops = {
    .publish = drv_publish,
    .connect = drv_connect,
    .disconnect = drv_disconnect,
};

static void open_device(void)
{
	uint32_t ids[8];
	int n = pvfront_enumerate(&pf, "vkbd", ids, 8);

	guest_say(p, "ENUM n=%d first=%d\n", n, n > 0 ? (int)ids[0] : -1);
	if (n <= 0)
		guest_fail(p, "no vkbd device", n < 0 ? n : -ENODEV);
	n = pvfront_dev_open(&d.dev, &pf, "vkbd", ids[0], &drv_ops, &d);
	if (n)
		guest_fail(p, "pvfront_dev_open", n);
	n = pvfront_dev_alloc_pages(&d.dev, &d.page, 1, NULL, 0);
	if (!n)
		n = pvfront_dev_alloc_port(&d.dev, &d.evt, drv_event, &d);
	if (n)
		guest_fail(p, "allocating the page and port", n);
}

static void say_connect(int rc)
{
	guest_say(p, "CONNECT rc=%d state=%d backend=%d msg=%s\n", rc,
		  pvfront_dev_state(&d.dev), pvfront_dev_backend_state(&d.dev),
		  rc ? pvfront_dev_errmsg(&d.dev) : "");
}

/* Run the device until it is to be closed.  With reconnect, a device
 * that failed is connected again, once a second, until it works. */
static void run(bool reconnect)
{
	bool reported = false;
	int rc, err;

	for (;;) {
		rc = pvfront_poll(&pf, 1000);
		if (rc < 0)
			guest_fail(p, "pvfront_poll", rc);
		if (d.close_now)
			return;
		err = pvfront_dev_error(&d.dev);
		if (err && !reported)
			guest_say(p, "FAILED err=%d msg=%s\n", err,
				  pvfront_dev_errmsg(&d.dev));
		reported = err != 0;
		if (err && reconnect && rc == 0)
			(void)pvfront_dev_connect(&d.dev, 0);
	}
}

int main(int argc, char **argv)
{
	int timeout = (int)guest_value(argc, argv, "timeout=", 10000);
	int rc;

	p = guest_open(argc, argv);
	rc = pvfront_posix_front_open(p, &pf, 0);
	if (rc)
		guest_fail(p, "pvfront_posix_front_open", rc);
	open_device();
	rc = pvfront_dev_connect(&d.dev, timeout);
	say_connect(rc);
	if (rc == 0 || rc == -ETIMEDOUT || guest_has(argc, argv, "reconnect"))
		run(guest_has(argc, argv, "reconnect"));
	if (d.close_now) {
		rc = pvfront_dev_close(&d.dev, 2000);
		guest_say(p, "CLOSE rc=%d state=%d\n", rc,
			  pvfront_dev_state(&d.dev));
	}
	for (;;)
		(void)pvfront_poll(&pf, -1);
}
