/*
 * guest_input_hostile — a vkbd frontend that misbehaves in one way per
 * run, chosen by its first word, against pvbackd's input backend.
 *
 *   kernel = "guest_input_hostile"   cmdline = "<act> [noconfine]"
 *
 *   cons-past     connects properly, then sets in_cons 1000 past in_prod
 *   bad-gref      publishes a page-gref it never granted
 *   revoked-gref  publishes the grant of a page it revoked before
 *   state-jump    writes its state Connected at once (no keys), then a
 *                 state that is no state, then Initialising again
 *   stall         connects, then never reads its ring again
 *   vanish        dies (abort) right after it wrote Initialised
 *
 * It prints "HOSTILE <act> READY" once the act is done (for stall: once
 * connected), then idles.  Every line it prints names the act.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guest_util.h"
#include "pvkit/front.h"
#include "pvkit/kbdfront.h"

static struct pvfront pf;
static struct kbdfront kf;
static struct pvfront_dev dev;
static struct pvfront_pages page, gone_page;
static struct pvfront_port port;
static struct pvfront_posix *p;
static const char *act;

static void idle(void)
{
	for (;;) {
		struct timespec ts = {1, 0};

		nanosleep(&ts, NULL);
	}
}

static void ready(void)
{
	guest_say(p, "HOSTILE %s READY\n", act);
}

static void on_event(struct kbdfront *k, const struct kbdfront_event *ev,
		     void *arg)
{
	(void)k;
	(void)ev;
	(void)arg;
}

/* cons-past and stall: a proper connection first. */
static void connect_properly(void)
{
	struct kbdfront_config cfg = {.want_abs = true, .on_event = on_event};
	int rc = kbdfront_open(&kf, &pf, 0, &cfg, 20000);

	if (rc)
		guest_fail(p, "kbdfront_open", rc);
}

static void cons_past(void)
{
	struct xenkbd_page *pg;

	connect_properly();
	pg = pvfront_pages_addr(&kf.page);
	__atomic_store_n(&pg->in_cons, pg->in_prod + 1000, __ATOMIC_RELEASE);
	ready();
	for (;;)
		pvfront_poll(&pf, -1); /* the backend's reaction, and more */
}

/* ---- publishing wrong keys --------------------------------------------- */

static grant_ref_t bad_ref;

static int publish_bad(struct pvfront_dev *d, uint32_t tx, void *arg)
{
	int rc = pvfront_dev_write_uint(d, tx, XENKBD_FIELD_RING_GREF, bad_ref);

	(void)arg;
	if (!rc)
		rc = pvfront_dev_write_uint(d, tx, XENKBD_FIELD_EVT_CHANNEL,
					    pvfront_port_number(&port));
	return rc;
}

static const struct pvfront_dev_ops bad_ops = {.publish = publish_bad};

static void port_fn(struct pvfront *f, struct pvfront_port *pt, void *arg)
{
	(void)f;
	(void)pt;
	(void)arg;
}

static void bad_gref(bool revoked)
{
	int rc =
	    pvfront_dev_open(&dev, &pf, XENKBD_DRIVER_NAME, 0, &bad_ops, NULL);

	if (rc)
		guest_fail(p, "pvfront_dev_open", rc);
	rc = pvfront_dev_alloc_pages(&dev, &page, 1, NULL, 0);
	if (!rc)
		rc = pvfront_dev_alloc_port(&dev, &port, port_fn, NULL);
	if (rc)
		guest_fail(p, "alloc", rc);
	bad_ref = 40000; /* never handed out */
	if (revoked) {
		rc = pvfront_pages_alloc(
		    &pf, &gone_page, pvfront_dev_backend_id(&dev), 1, NULL, 0);
		if (rc)
			guest_fail(p, "pvfront_pages_alloc", rc);
		bad_ref = pvfront_pages_ref(&gone_page, 0);
		rc = pvfront_pages_free(&pf, &gone_page); /* revoked */
		if (rc)
			guest_fail(p, "pvfront_pages_free", rc);
	}
	/* The backend fails the device; the handshake ends in an error. */
	rc = pvfront_dev_connect(&dev, 5000);
	guest_say(p, "HOSTILE %s connect=%d\n", act, rc);
	ready();
	for (;;)
		pvfront_poll(&pf, -1);
}

/* ---- states ------------------------------------------------------------- */

static void put_state(const char *v)
{
	char path[64];
	int rc;

	snprintf(path, sizeof(path), "device/vkbd/0/state");
	rc = pvfront_xs_write(pvfront_xs(&pf), 0, path, v, strlen(v));
	guest_say(p, "HOSTILE %s state=%s rc=%d\n", act, v, rc);
}

static void state_jump(void)
{
	struct timespec ts = {0, 100000000};

	put_state("4"); /* Connected, with nothing published */
	nanosleep(&ts, NULL);
	put_state("junk");
	nanosleep(&ts, NULL);
	put_state("1");
	ready();
	idle();
}

static void stall(void)
{
	connect_properly();
	ready();
	idle(); /* never polls: the ring fills and stays full */
}

static void vanish(void)
{
	struct kbdfront_config cfg = {.want_abs = true, .on_event = on_event};
	int rc = kbdfront_open(&kf, &pf, 0, &cfg, 0);

	if (rc && rc != -XEN_EAGAIN && rc != -XEN_ETIMEDOUT)
		guest_fail(p, "kbdfront_open", rc);
	while (pvfront_dev_state(&kf.dev) != XenbusStateInitialised)
		if (pvfront_poll(&pf, 5000) < 0)
			guest_fail(p, "pvfront_poll", -1);
	guest_say(p, "HOSTILE %s VANISHING\n", act);
	abort();
}

int main(int argc, char **argv)
{
	int rc;

	p = guest_open(argc, argv);
	act = argc > 1 ? argv[1] : "";
	rc = pvfront_posix_front_open(p, &pf, 0);
	if (rc)
		guest_fail(p, "pvfront_posix_front_open", rc);
	if (!strcmp(act, "cons-past"))
		cons_past();
	else if (!strcmp(act, "bad-gref"))
		bad_gref(false);
	else if (!strcmp(act, "revoked-gref"))
		bad_gref(true);
	else if (!strcmp(act, "state-jump"))
		state_jump();
	else if (!strcmp(act, "stall"))
		stall();
	else if (!strcmp(act, "vanish"))
		vanish();
	guest_fail(p, "unknown act", -22);
}
