/*
 * pvback_testd — a backend process for libpvback's integration tests
 * (test_pvback_*): libpvback on pvhv serving the echo test device, whose
 * frontend is tests/integration/guests/guest_pvback_echo.c.  It runs as a
 * process of its own so that tests can kill it (SIGKILL) and start it
 * again while guests run.
 *
 *   pvback_testd RUNDIR [TYPE]     TYPE: the store kind, default pvcalls
 *
 * The device: probe writes feature-echo = 1; connect maps the frontend's
 * ring-ref read-write and binds its event-channel; on each event the
 * backend copies the page's first 32-bit word (read once) to the second
 * and raises the port.  Nothing is kept but the mapping, so a restarted
 * backend takes over a connected device without ado.
 *
 * Prints "READY" on stdout once the type is registered; logs to stderr
 * (PVBACK_TESTD_DEBUG=1 for debug messages).  SIGTERM or SIGINT: frees
 * everything and exits 0; the platform failing exits 1.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "pvkit/back.h"

struct echo {
	volatile uint32_t *page;
	struct pvback_evt *evt;
};

static void echo_event(struct pvback_evt *evt, void *arg)
{
	struct echo *e = arg;
	uint32_t v = e->page[0]; /* once: the guest may change it */

	e->page[1] = v;
	(void)pvback_evt_notify(evt);
}

static int echo_probe(struct pvback_dev *dev, void *arg)
{
	(void)arg;
	return pvback_dev_write(dev, "feature-echo", "1");
}

static int echo_connect(struct pvback_dev *dev, void *arg)
{
	struct echo *e = pvback_dev_priv(dev);
	void *page;
	int rc;

	(void)arg;
	rc = pvback_dev_map_key(dev, "ring-ref", true, &page);
	if (rc < 0) {
		pvback_dev_fail(dev, rc, "cannot map ring-ref");
		return rc;
	}
	e->page = page;
	rc = pvback_dev_bind_key(dev, "event-channel", echo_event, e, &e->evt);
	if (rc < 0)
		pvback_dev_fail(dev, rc, "cannot bind event-channel");
	return rc;
}

static void echo_disconnect(struct pvback_dev *dev, void *arg)
{
	struct echo *e = pvback_dev_priv(dev);

	(void)arg;
	e->page = NULL; /* the framework unmaps and unbinds */
	e->evt = NULL;
}

static struct pvback_device_ops echo_ops = {
    .type = "pvcalls",
    .priv_size = sizeof(struct echo),
    .probe = echo_probe,
    .connect = echo_connect,
    .disconnect = echo_disconnect,
};

static void log_line(struct pvback *b, enum pvback_log_level level,
		     const char *msg, void *arg)
{
	(void)b;
	if (level <= PVBACK_LOG_INFO || arg)
		fprintf(stderr, "pvback_testd: %s\n", msg);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopbreak(arg);
}

static int serve(struct event_base *base, const char *rundir)
{
	struct pvback *b = NULL;
	int rc = pvback_new(base, &pvback_platform_pvhv, rundir, &b);

	if (rc < 0) {
		fprintf(stderr, "pvback_testd: pvback_new: %s\n",
			strerror(-rc));
		return 1;
	}
	pvback_set_log(b, log_line,
		       getenv("PVBACK_TESTD_DEBUG") ? (void *)1 : NULL);
	rc = pvback_register(b, &echo_ops, NULL);
	if (rc < 0) {
		fprintf(stderr, "pvback_testd: register: %s\n", strerror(-rc));
		pvback_free(b);
		return 1;
	}
	printf("READY\n");
	fflush(stdout);
	event_base_dispatch(base);
	rc = pvback_error(b) ? 1 : 0;
	pvback_free(b);
	return rc;
}

int main(int argc, char **argv)
{
	struct event_base *base;
	struct event *sig[2];
	int rc;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: pvback_testd RUNDIR [TYPE]\n");
		return 2;
	}
	if (argc == 3)
		echo_ops.type = argv[2];
	base = event_base_new();
	if (!base)
		return 1;
	sig[0] = evsignal_new(base, SIGTERM, on_signal, base);
	sig[1] = evsignal_new(base, SIGINT, on_signal, base);
	event_add(sig[0], NULL);
	event_add(sig[1], NULL);
	rc = serve(base, argv[1]);
	event_free(sig[0]);
	event_free(sig[1]);
	event_base_free(base);
	return rc;
}
