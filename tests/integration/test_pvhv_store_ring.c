/*
 * The store's guest transport against a real pvhv: process guests
 * (tests/integration/guests/guest_store_raw) drive their store ring page by
 * hand, and dom0 talks to the same store over DIR/xenstored.sock with a
 * small raw client here.  Round trips, messages larger than the ring and
 * split at its edge, pipelined requests, watch events among replies,
 * permissions, hostile indices and headers with reconnection, a guest that
 * never reads while dom0 fires watch events, and create/destroy cycles that
 * must leave pvhv's descriptors and memory flat; a guest that keeps its
 * ring busy must not starve the others.  A bystander guest echoes
 * data/ping to data/pong through its own ring all along and must keep
 * doing so.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "pvkit/store.h"

struct fixture {
	struct hvt t;
	int xs;             /* dom0's store connection */
	domid_t bystander;  /* guest_store_raw echo */
	unsigned int pings;
};

/* ---- a raw dom0 store client --------------------------------------------- */

static int xs_connect(const struct hvt *t)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	int n = snprintf(a.sun_path, sizeof(a.sun_path), "%.*s/xenstored.sock",
			 (int)(sizeof(a.sun_path) - 17), t->rundir);

	if (fd < 0 || n >= (int)sizeof(a.sun_path) ||
	    connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int read_full(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One request with strings s1, s2 (each sent with its NUL, NULL for
 * none) and then s3 either as a third string (type INTRODUCE) or as the
 * raw value; the reply's payload into out (NUL-terminated), its type as
 * the result. */
static uint32_t xs_rpc(int fd, uint32_t type, const char *s1, const char *s2,
		       const char *s3, char *out, size_t outlen)
{
	static uint8_t buf[PV_XS_MSG_MAX];
	static uint32_t next_id;
	struct pv_xs_builder b;
	struct xsd_sockmsg h;
	uint32_t id = ++next_id;
	int n;

	pv_xs_build_begin(&b, buf, sizeof(buf), type, id, 0);
	if (s1)
		pv_xs_build_str(&b, s1);
	if (s2)
		pv_xs_build_str(&b, s2);
	if (s3 && type == XS_INTRODUCE)
		pv_xs_build_str(&b, s3);
	else if (s3)
		pv_xs_build_bytes(&b, s3, strlen(s3));
	n = pv_xs_build_end(&b);
	assert_true(n > 0);
	assert_int_equal(write(fd, buf, (size_t)n), n);
	do {
		assert_int_equal(read_full(fd, &h, sizeof(h)), 0);
		assert_true(h.len <= XENSTORE_PAYLOAD_MAX);
		assert_int_equal(read_full(fd, buf, h.len), 0);
	} while (h.type == XS_WATCH_EVENT);
	assert_int_equal(h.req_id, id);
	if (out) {
		size_t k = h.len < outlen - 1 ? h.len : outlen - 1;

		memcpy(out, buf, k);
		out[k] = '\0';
	}
	return h.type;
}

static void xs_write(struct fixture *f, domid_t d, const char *rel,
		     const char *val)
{
	char path[128], out[64];

	snprintf(path, sizeof(path), "/local/domain/%u/%s", d, rel);
	assert_int_equal(xs_rpc(f->xs, XS_WRITE, path, NULL, val, out,
				sizeof(out)),
			 XS_WRITE);
}

/* The value, or "" when the node is missing. */
static void xs_read(struct fixture *f, domid_t d, const char *rel, char *out,
		    size_t outlen)
{
	char path[128];

	snprintf(path, sizeof(path), "/local/domain/%u/%s", d, rel);
	if (xs_rpc(f->xs, XS_READ, path, NULL, NULL, out, outlen) != XS_READ)
		out[0] = '\0';
}

/* ---- guests -------------------------------------------------------------- */

static domid_t start(struct fixture *f, const char *name, const char *cmd,
		     const char *ready, char *line, size_t linelen)
{
	domid_t d;

	/* A guest that fails a check exits: kept, so its console shows
	 * why. */
	assert_int_equal(hvt_create(&f->t, name, "guest_store_raw", cmd,
				    "on_crash = \"preserve\"", &d),
			 0);
	assert_int_equal(hvt_console_expect(&f->t, d, ready, line, linelen,
					    20000),
			 0);
	return d;
}

/* The bystander still answers through its ring, and pvhv through its
 * control socket. */
static void bystander_ok(struct fixture *f)
{
	struct pvhv_dominfo info;
	char want[32], got[64];

	assert_int_equal(pvhv_domain_info(f->t.h, f->bystander, &info), 0);
	if (info.state != PVHV_STATE_RUNNING) {
		/* Shows its console on stderr. */
		hvt_console_expect(&f->t, f->bystander, "no such line", got,
				   sizeof(got), 0);
		fail_msg("the bystander stopped");
	}
	snprintf(want, sizeof(want), "ping%u", ++f->pings);
	xs_write(f, f->bystander, "data/ping", want);
	for (int i = 0; i < 1000; i++) {
		xs_read(f, f->bystander, "data/pong", got, sizeof(got));
		if (!strcmp(got, want))
			return;
		usleep(5000);
	}
	fail_msg("bystander did not echo %s (pong '%s')", want, got);
}

static int setup(void **state)
{
	static struct fixture f;
	char line[256];
	int rc;

	*state = &f;
	rc = hvt_start(&f.t, NULL);
	if (rc)
		return rc;
	f.xs = xs_connect(&f.t);
	if (f.xs < 0)
		return -1;
	rc = hvt_create(&f.t, "bystander", "guest_store_raw", "echo",
			"on_crash = \"preserve\"", &f.bystander);
	if (!rc)
		rc = hvt_console_expect(&f.t, f.bystander, "ECHO READY", line,
					sizeof(line), 20000);
	return rc;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	close(f->xs);
	return hvt_stop(&f->t);
}

/* A guest mode that checks itself: its PASS line. */
static domid_t self_checked(struct fixture *f, const char *cmd,
			    const char *pass, char *line, size_t linelen)
{
	domid_t d = start(f, cmd, cmd, pass, line, linelen);

	print_message("%s\n", line);
	return d;
}

static void destroy(struct fixture *f, domid_t d)
{
	assert_int_equal(pvhv_domain_destroy(f->t.h, d), 0);
	bystander_ok(f);
}

/* ---- cases --------------------------------------------------------------- */

static void round_trip(void **state)
{
	struct fixture *f = *state;
	char line[256], out[64], dom[16], port[16];
	domid_t d = start(f, "rw", "rw hello", "RING ", line, sizeof(line));

	assert_int_equal(hvt_field(line, "STORE_MFN"), 3);
	assert_int_equal(hvt_field(line, "FEATURES"),
			 XENSTORE_SERVER_FEATURE_RECONNECTION |
				 XENSTORE_SERVER_FEATURE_ERROR);
	assert_int_equal(hvt_field(line, "CONNECTION"), XENSTORE_CONNECTED);
	assert_int_equal(hvt_field(line, "ERROR"), XENSTORE_ERROR_NONE);
	snprintf(dom, sizeof(dom), "%u", d);
	snprintf(port, sizeof(port), "%ld", hvt_field(line, "STORE_PORT"));
	assert_int_equal(hvt_console_expect(&f->t, d, "RW PASS", line,
					    sizeof(line), 10000),
			 0);
	xs_read(f, d, "data/name", out, sizeof(out));
	assert_string_equal(out, "hello");

	/* dom0's INTRODUCE of a guest pvhv runs must name its ring. */
	assert_int_equal(xs_rpc(f->xs, XS_INTRODUCE, dom, "99", port, out,
				sizeof(out)),
			 XS_ERROR);
	assert_string_equal(out, "EINVAL");
	assert_int_equal(xs_rpc(f->xs, XS_INTRODUCE, dom, "3", "999", out,
				sizeof(out)),
			 XS_ERROR);
	assert_string_equal(out, "EINVAL");
	assert_int_equal(xs_rpc(f->xs, XS_INTRODUCE, dom, "3", port, out,
				sizeof(out)),
			 XS_INTRODUCE);
	assert_string_equal(out, "OK");
	assert_int_equal(xs_rpc(f->xs, XS_IS_DOMAIN_INTRODUCED, dom, NULL,
				NULL, out, sizeof(out)),
			 XS_IS_DOMAIN_INTRODUCED);
	assert_string_equal(out, "T");
	/* The guest's ring still works after that. */
	xs_write(f, d, "data/name", "again");
	xs_read(f, d, "data/name", out, sizeof(out));
	assert_string_equal(out, "again");
	destroy(f, d);
}

static void split_across_the_edge(void **state)
{
	struct fixture *f = *state;
	char line[256];
	domid_t d = self_checked(f, "wrap", "WRAP PASS", line, sizeof(line));

	/* Headers split at the edge, in both directions, many times. */
	assert_true(hvt_field(line, "req_hdr_split") >= 10);
	assert_true(hvt_field(line, "rsp_hdr_split") >= 10);
	destroy(f, d);
}

static void requests_in_flight(void **state)
{
	struct fixture *f = *state;
	char line[256];

	destroy(f, self_checked(f, "pipeline", "PIPELINE PASS", line,
				sizeof(line)));
}

static void watch_events_interleaved(void **state)
{
	struct fixture *f = *state;
	char line[256];
	domid_t d = start(f, "interleave", "interleave", "WATCHING", line,
			  sizeof(line));

	xs_write(f, d, "data/dom0", "hi");
	assert_int_equal(hvt_console_expect(&f->t, d, "INTERLEAVE PASS", line,
					    sizeof(line), 20000),
			 0);
	print_message("%s\n", line);
	assert_true(hvt_field(line, "between") > 0);
	destroy(f, d);
}

static void other_home_refused(void **state)
{
	struct fixture *f = *state;
	char cmd[64], line[256];

	snprintf(cmd, sizeof(cmd), "eacces %u", f->bystander);
	destroy(f, start(f, "eacces", cmd, "EACCES PASS", line, sizeof(line)));
}

/* The guest breaks its ring in one way, gets the error word, pvhv and the
 * bystander carry on, then the guest reconnects and works again. */
static void broken_then_reconnect(struct fixture *f, const char *kind,
				  long error)
{
	struct pvhv_port *go;
	char cmd[64], line[256];
	domid_t d;

	snprintf(cmd, sizeof(cmd), "broken %s", kind);
	d = start(f, "broken", cmd, "GO=", line, sizeof(line));
	assert_int_equal(pvhv_evtchn_bind_interdomain(
				 f->t.h, d, (evtchn_port_t)hvt_field(line,
								     "GO"),
				 &go),
			 0);
	assert_int_equal(hvt_console_expect(&f->t, d, "BROKEN ERROR=", line,
					    sizeof(line), 10000),
			 0);
	assert_int_equal(hvt_field(line, "ERROR"), error);
	bystander_ok(f);
	assert_int_equal(pvhv_port_notify(go), 0);
	assert_int_equal(hvt_console_expect(&f->t, d, "RECONNECT PASS", line,
					    sizeof(line), 10000),
			 0);
	pvhv_port_unbind(go);
	destroy(f, d);
}

static void bad_request_index(void **state)
{
	broken_then_reconnect(*state, "req", XENSTORE_ERROR_RINGIDX);
}

static void bad_response_index(void **state)
{
	broken_then_reconnect(*state, "rsp", XENSTORE_ERROR_RINGIDX);
}

static void oversized_header(void **state)
{
	broken_then_reconnect(*state, "proto", XENSTORE_ERROR_PROTO);
}

/* A guest that keeps its ring busy does not slow the others down much:
 * each wake-up serves a bounded number of its requests. */
static void busy_guest_shares(void **state)
{
	struct fixture *f = *state;
	struct timespec a, b;
	char line[256];
	long worst = 0, spins;
	domid_t d = start(f, "spin", "spin", "SPINNING", line, sizeof(line));

	for (int i = 0; i < 50; i++) {
		long us;

		clock_gettime(CLOCK_MONOTONIC, &a);
		bystander_ok(f);
		clock_gettime(CLOCK_MONOTONIC, &b);
		us = (b.tv_sec - a.tv_sec) * 1000000L +
		     (b.tv_nsec - a.tv_nsec) / 1000;
		worst = us > worst ? us : worst;
	}
	spins = hvt_last_field(&f->t, d, "SPIN");
	print_message("bystander round trip worst %ld us while the busy "
		      "guest did %ld+ bursts\n", worst, spins);
	assert_true(worst < 1000000);
	destroy(f, d);
}

#define FLOOD 10000

static void guest_that_never_reads(void **state)
{
	struct fixture *f = *state;
	struct pvhv_port *go;
	char line[256], val[16];
	long rss0, rss1, events;
	domid_t d = start(f, "noread", "noread", "GO=", line, sizeof(line));

	assert_int_equal(pvhv_evtchn_bind_interdomain(
				 f->t.h, d, (evtchn_port_t)hvt_field(line,
								     "GO"),
				 &go),
			 0);
	assert_int_equal(hvt_console_expect(&f->t, d, "NOREAD READY", line,
					    sizeof(line), 10000),
			 0);
	rss0 = hvt_rss_kib(f->t.pid);
	for (int i = 0; i < FLOOD; i++) {
		snprintf(val, sizeof(val), "%d", i);
		xs_write(f, d, "data/flood", val);
		if (i % 2500 == 0)
			bystander_ok(f);
	}
	rss1 = hvt_rss_kib(f->t.pid);
	print_message("pvhv RSS %ld -> %ld KiB over %d watch events\n", rss0,
		      rss1, FLOOD);
#if !defined(__SANITIZE_ADDRESS__)
	assert_true(rss1 - rss0 < 4096);
#endif
	bystander_ok(f);
	assert_int_equal(pvhv_port_notify(go), 0);
	assert_int_equal(hvt_console_expect(&f->t, d, "NOREAD PASS", line,
					    sizeof(line), 20000),
			 0);
	print_message("%s\n", line);
	events = hvt_field(line, "events");
	assert_true(events > 0 && events < FLOOD);
	snprintf(val, sizeof(val), "%d", FLOOD - 1);
	assert_non_null(strstr(line, val));
	pvhv_port_unbind(go);
	destroy(f, d);
}

static void hundred_cycles_leak_nothing(void **state)
{
	struct fixture *f = *state;
	char line[256];
	int fds0, fds1;
	long rss0, rss1;

	/* One cycle first: lazily allocated state is there before we
	 * measure. */
	destroy(f, start(f, "use", "use", "USED", line, sizeof(line)));
	fds0 = hvt_count_fds(f->t.pid);
	rss0 = hvt_rss_kib(f->t.pid);
	for (int i = 0; i < 100; i++) {
		domid_t d = start(f, "use", "use", "USED", line, sizeof(line));

		assert_int_equal(pvhv_domain_destroy(f->t.h, d), 0);
	}
	bystander_ok(f);
	fds1 = hvt_count_fds(f->t.pid);
	rss1 = hvt_rss_kib(f->t.pid);
	print_message("pvhv fds %d -> %d, RSS %ld -> %ld KiB\n", fds0, fds1,
		      rss0, rss1);
	assert_int_equal(fds1, fds0);
#if !defined(__SANITIZE_ADDRESS__)
	assert_true(rss1 - rss0 < 2048);
#else
	(void)rss1;
#endif
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(split_across_the_edge),
		cmocka_unit_test(requests_in_flight),
		cmocka_unit_test(watch_events_interleaved),
		cmocka_unit_test(other_home_refused),
		cmocka_unit_test(bad_request_index),
		cmocka_unit_test(bad_response_index),
		cmocka_unit_test(oversized_header),
		cmocka_unit_test(busy_guest_shares),
		cmocka_unit_test(guest_that_never_reads),
		cmocka_unit_test(hundred_cycles_leak_nothing),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, setup, teardown);
}
