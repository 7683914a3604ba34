/*
 * guest_pvback_echo — the frontend of the echo test device that
 * tests/integration/pvback_testd.c serves (store kind "pvcalls"), written
 * by hand: raw store calls (pvkit/front_xs.h), one granted page and one
 * port (pvkit/guest_posix.h), so that it can also misbehave exactly.
 *
 *   kernel = "guest_pvback_echo"   cmdline = "[MODE] [dev=N] [cycles=N]"
 *
 * The device: keys ring-ref (the page) and event-channel (the port),
 * written in one transaction with state Initialised (3).  A ping writes a
 * number to the page's first word and raises the port; the backend copies
 * it to the second word and raises the port back.  Pings run every 20 ms
 * once connected.
 *
 * Console (N counts from 1):
 *   "GUEST <domid>"
 *   "CONNECTED seq=N " connection N is up (backend Connected, then ours)
 *   "ECHO seq=N "      the first answer on connection N
 *   "LOST seq=N "      a ping went unanswered for 200 ms (N-th time)
 *   "RESUMED seq=N "   answers came back after LOST N
 *   "BACKEND CLOSED seq=N " the backend closed the device (Closing) and
 *                      the guest answered Closed and then Initialising
 *   "REFUSED error=<backend's error node>" (hostile modes)
 *   "GONE"             the device's nodes vanished (removed)
 * Modes:
 *   (none)    connect and ping for ever; reconnects when the backend
 *             closes the device
 *   close     after connecting, cycles=N times: Closing, wait for the
 *             backend's Closing, Closed, wait for its Closed, give back
 *             grant and port, Initialising, connect again, one ping;
 *             "CYCLE seq=N " each, then "CYCLES DONE"; then as (none)
 *   jump      after connecting, writes Initialising (a jump from
 *             Connected); "REFUSED ..." when the backend closes the
 *             device; then closes and connects properly: "RECOVERED"
 *   badgref   publishes a grant reference it never granted; badport a
 *             port it never allocated; then as jump
 * A failed check prints "FAILED <what>" and exits 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guest_util.h"
#include "pvkit/front_xs.h"
#include "pvkit/proto/errno.h"
#include "pvkit/proto/xenbus.h"

#define WAIT_MS 20000
#define PING_MS 20
#define LOST_MS 200

struct g {
	struct pvfront_posix *p;
	struct pvfront_xs xs;
	evtchn_port_t store_port;
	char fe[64], be[128]; /* frontend dir (relative), backend dir */
	volatile uint32_t *page;
	grant_ref_t ref;
	evtchn_port_t port;
	unsigned int conns, lost;
	uint32_t next; /* the next ping's number */
};

static struct g G;

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* ---- the store ----------------------------------------------------------- */

static int read_key(const char *dir, const char *key, char *buf, size_t cap)
{
	char path[192];
	int n;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	n = pvfront_xs_read(&G.xs, 0, path, buf, cap - 1);
	if (n < 0)
		return n;
	buf[(size_t)n < cap - 1 ? (size_t)n : cap - 1] = '\0';
	return n;
}

/* The backend's state, or -1 when its directory is gone. */
static int be_state(void)
{
	char buf[16];

	if (read_key(G.be, "state", buf, sizeof(buf)) < 0)
		return -1;
	return atoi(buf);
}

/* Wait until the backend's state is in mask (bit per state); returns it.
 * Without the backend's directory: "GONE", and idle for ever. */
static int wait_be(unsigned int mask)
{
	char ev[PVFRONT_XS_EVENT_MAX];
	struct pvfront_xs_event e;

	for (long end = now_ms() + WAIT_MS; now_ms() < end;) {
		int st = be_state();

		if (st < 0) {
			guest_say(G.p, "GONE\n");
			for (;;)
				pvfront_posix_block(G.p);
		}
		if (mask & (1u << st))
			return st;
		(void)pvfront_xs_wait_event(&G.xs, ev, sizeof(ev), &e);
	}
	guest_fail(G.p, "wait for the backend", -ETIMEDOUT);
}

static void write_key(uint32_t tx, const char *key, const char *fmt,
		      unsigned int v)
{
	char path[128], val[32];
	int rc;

	snprintf(path, sizeof(path), "%s/%s", G.fe, key);
	snprintf(val, sizeof(val), fmt, v);
	rc = pvfront_xs_write(&G.xs, tx, path, val, strlen(val));
	if (rc && be_state() < 0)
		wait_be(0); /* removed meanwhile: says GONE */
	if (rc)
		guest_fail(G.p, key, rc);
}

static void set_state(unsigned int st)
{
	write_key(0, "state", "%u", st);
}

/* ---- the device
 * -------------------------------------------------------------- */

/* Grant the page, allocate the port; hostile modes publish wrong ones. */
static void publish(const char *mode)
{
	unsigned int ref, port;
	uint32_t tx;
	int rc;

	rc = pvfront_posix_grant_access(G.p, 0, (void *)G.page, false, &G.ref);
	if (rc)
		guest_fail(G.p, "grant_access", rc);
	rc = pvfront_posix_evtchn_alloc_unbound(G.p, 0, &G.port);
	if (rc)
		guest_fail(G.p, "alloc_unbound", rc);
	ref = G.ref;
	port = G.port;
	if (!strcmp(mode, "badgref"))
		ref = pvfront_posix_grant_entries(G.p) - 1; /* never granted */
	if (!strcmp(mode, "badport"))
		port = 1000; /* never allocated */
	do {
		rc = pvfront_xs_transaction_start(&G.xs, &tx);
		if (rc)
			guest_fail(G.p, "transaction_start", rc);
		write_key(tx, "ring-ref", "%u", ref);
		write_key(tx, "event-channel", "%u", port);
		write_key(tx, "state", "%u", XenbusStateInitialised);
		rc = pvfront_xs_transaction_end(&G.xs, tx, true);
	} while (rc == -XEN_EAGAIN);
	if (rc)
		guest_fail(G.p, "transaction_end", rc);
}

/* Give back grant and port (the backend has unmapped and unbound). */
static void unpublish(void)
{
	int rc = pvfront_posix_end_access(G.p, G.ref);

	if (rc)
		guest_fail(G.p, "end_access", rc);
	(void)pvfront_posix_evtchn_close(G.p, G.port);
}

/* Connect; 0, or the backend's refusal (it went Closing). */
static int connect_dev(const char *mode)
{
	int st;

	wait_be(1u << XenbusStateInitWait);
	publish(mode);
	st = wait_be(1u << XenbusStateConnected | 1u << XenbusStateClosing);
	if (st == XenbusStateClosing)
		return -ECONNREFUSED;
	set_state(XenbusStateConnected);
	guest_say(G.p, "CONNECTED seq=%u \n", ++G.conns);
	return 0;
}

/* The frontend's half of closing, from Closing or Connected; then
 * Initialising, ready to connect again. */
static void close_dev(void)
{
	set_state(XenbusStateClosing);
	wait_be(1u << XenbusStateClosing | 1u << XenbusStateClosed);
	set_state(XenbusStateClosed);
	wait_be(1u << XenbusStateClosed);
	unpublish();
	set_state(XenbusStateInitialising);
}

static void report_refusal(void)
{
	char err[256] = "";

	(void)read_key(G.be, "error", err, sizeof(err));
	guest_say(G.p, "REFUSED error=%s\n", err);
}

/* ---- pings ------------------------------------------------------------------
 */

/* One ping: true when answered within ms. */
static bool ping(int ms)
{
	evtchn_port_t got[16];
	uint32_t v = ++G.next;
	long end = now_ms() + ms;

	G.page[0] = v;
	(void)pvfront_posix_evtchn_send(G.p, G.port);
	while (now_ms() < end) {
		int n = pvfront_posix_wait(G.p, got, 16, (int)(end - now_ms()));

		for (int i = 0; i < n; i++)
			if (got[i] == G.store_port)
				(void)pvfront_xs_pump(&G.xs);
		if (G.page[1] == v)
			return true;
	}
	return false;
}

/* The backend closed the device: answer, start again. */
static void follow_backend_close(void)
{
	set_state(XenbusStateClosed);
	wait_be(1u << XenbusStateClosed);
	unpublish();
	set_state(XenbusStateInitialising);
	guest_say(G.p, "BACKEND CLOSED seq=%u \n", G.conns);
	while (connect_dev(""))
		close_dev();
}

static void ping_forever(void)
{
	bool down = false, first = true;

	for (;;) {
		int st = be_state();

		if (st == XenbusStateClosing || st == XenbusStateClosed) {
			follow_backend_close();
			first = true;
		} else if (st < 0) {
			wait_be(0); /* says GONE */
		}
		if (ping(down ? PING_MS : LOST_MS)) {
			if (first)
				guest_say(G.p, "ECHO seq=%u \n", G.conns);
			if (down)
				guest_say(G.p, "RESUMED seq=%u \n", G.lost);
			first = down = false;
			nanosleep(&(struct timespec){0, PING_MS * 1000000L},
				  NULL);
		} else if (!down) {
			down = true;
			guest_say(G.p, "LOST seq=%u \n", ++G.lost);
		}
	}
}

static void cycles(unsigned long n)
{
	for (unsigned long i = 1; i <= n; i++) {
		close_dev();
		if (connect_dev(""))
			guest_fail(G.p, "reconnect", -ECONNREFUSED);
		if (!ping(WAIT_MS))
			guest_fail(G.p, "ping after reconnect", -ETIMEDOUT);
		guest_say(G.p, "CYCLE seq=%lu \n", i);
	}
	guest_say(G.p, "CYCLES DONE\n");
}

/* A hostile start: refused, then a proper close and connect. */
static void hostile(const char *mode)
{
	if (!strcmp(mode, "jump")) {
		if (connect_dev(""))
			guest_fail(G.p, "connect", -ECONNREFUSED);
		set_state(XenbusStateInitialising);
		wait_be(1u << XenbusStateClosing);
	} else if (!connect_dev(mode)) {
		guest_fail(G.p, "hostile connect accepted", -EINVAL);
	}
	report_refusal();
	set_state(XenbusStateClosed);
	wait_be(1u << XenbusStateClosed);
	unpublish();
	set_state(XenbusStateInitialising);
	if (connect_dev("") || !ping(WAIT_MS))
		guest_fail(G.p, "recover", -EIO);
	guest_say(G.p, "RECOVERED\n");
}

static void open_dev(int argc, char **argv)
{
	unsigned long dev = guest_value(argc, argv, "dev=", 0);
	int rc = pvfront_posix_xs_open(G.p, &G.xs, 0);

	if (rc)
		guest_fail(G.p, "xs_open", rc);
	pvfront_xs_set_timeout(&G.xs, 100);
	G.store_port = pvfront_posix_start_info(G.p)->store_evtchn;
	snprintf(G.fe, sizeof(G.fe), "device/pvcalls/%lu", dev);
	if (read_key(G.fe, "backend", G.be, sizeof(G.be)) < 0)
		guest_fail(G.p, "no backend node", -ENOENT);
	rc = pvfront_xs_watch(&G.xs, G.be, "be");
	if (rc)
		guest_fail(G.p, "watch", rc);
	G.page = pvfront_posix_alloc_pages(G.p, 1);
	if (!G.page)
		guest_fail(G.p, "alloc_pages", -ENOMEM);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 && !strchr(argv[1], '=') ? argv[1] : "";

	G.p = guest_open(argc, argv);
	guest_say(G.p, "GUEST %u\n", pvfront_posix_domid(G.p));
	open_dev(argc, argv);
	if (!strcmp(mode, "jump") || !strcmp(mode, "badgref") ||
	    !strcmp(mode, "badport")) {
		hostile(mode);
	} else {
		while (connect_dev(""))
			close_dev();
		if (!strcmp(mode, "close"))
			cycles(guest_value(argc, argv, "cycles=", 10));
	}
	ping_forever();
}
