/*
 * The store as guests see it: process guests (guests/guest_store_client)
 * use libpvfront's store client over their real store rings against a
 * live pvhv, while dom0 acts with Debian's xenstore tools — the guest-side
 * twin of test_store_conformance.
 *
 *   basic     read/write/mkdir/directory/perms/rm, values larger than
 *             the ring, requests in flight; dom0 sees what the guest wrote
 *   watch     the initial event, the path and its children, removal, two
 *             tokens (relative and absolute path), unwatch; changes made
 *             by dom0 reach the guest
 *   tx        dom0's xenstore-write races the guest's transaction: commit
 *             gives EAGAIN, the retry commits; an abort changes nothing
 *   eacces    a guest reading, listing or writing another guest's tree
 *             gets EACCES, until that guest grants it read access
 *   quota     pvhv runs with small --store-quota-{nodes,watches,
 *             transactions}: the guest hits each (ENOSPC, E2BIG, ENOSPC)
 *   reset     XENSTORE_RECONNECT through the client: transaction and
 *             watch forgotten, requests work
 *   busy      dom0 writes a watched subtree while the guest keeps
 *             requests going: events arrive between replies
 * Each guest prints what it found on its console; the test reads it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define QUOTA_NODES   40
#define QUOTA_WATCHES 6
#define QUOTA_TX      3
#define WAIT_MS	      10000
#define STR_(x)	      #x
#define STR(x)	      STR_(x)

static struct hvt t;
static char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

static int setup(void **state)
{
	static const char *const extra[] = {
	    "--store-quota-nodes=" STR(QUOTA_NODES),
	    "--store-quota-watches=" STR(QUOTA_WATCHES),
	    "--store-quota-transactions=" STR(QUOTA_TX), NULL};
	int rc;

	(void)state;
	rc = hvt_start(&t, extra);
	if (rc)
		return rc;
	return hvt_store_env(&t, sock_path, sizeof(sock_path));
}

static int teardown(void **state)
{
	(void)state;
	return hvt_stop(&t);
}

/* ---- helpers --------------------------------------------------------------
 */

static int sh(char *out, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int sh(char *out, size_t len, const char *fmt, ...)
{
	char cmd[1500];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return hvt_sh(out, len, "sh -c '%s'", cmd);
}

static struct console {
	char buf[65536 + 1];
	size_t len;
} con;

static void console_cb(struct pvhv *h, domid_t dom, const char *buf, size_t len,
		       void *arg)
{
	struct console *c = arg;

	(void)h;
	(void)dom;
	if (len > sizeof(c->buf) - 1 - c->len)
		len = sizeof(c->buf) - 1 - c->len;
	memcpy(c->buf + c->len, buf, len);
	c->len += len;
	c->buf[c->len] = '\0';
}

/* d's console output so far. */
static const char *console_grab(domid_t d)
{
	con.len = 0;
	con.buf[0] = '\0';
	assert_int_equal(pvhv_domain_console(t.h, d, 0, console_cb, &con), 0);
	return con.buf;
}

static bool console_has(domid_t d, const char *pattern)
{
	return strstr(console_grab(d), pattern) != NULL;
}

/* pvhv's log, for a guest that died before it said anything. */
static void show_log(void)
{
	char out[4096];

	(void)hvt_sh(out, sizeof(out), "tail -n 30 %s", t.log);
	fprintf(stderr, "pvhv log (%s):\n%s\n", t.log, out);
}

static domid_t guest(const char *name, const char *cmdline)
{
	char line[256];
	domid_t d;
	int rc;

	assert_int_equal(
	    hvt_create(&t, name, "guest_store_client", cmdline, NULL, &d), 0);
	rc = hvt_console_expect(&t, d, "CLIENT DOM=", line, sizeof(line),
				WAIT_MS);
	if (rc)
		show_log();
	assert_int_equal(rc, 0);
	assert_int_equal(hvt_field(line, "DOM"), d);
	return d;
}

/* Wait for a console line of d containing pattern (copied to line); a
 * line with FAILED ends the wait and the test. */
static void expect(domid_t d, const char *pattern, char *line, size_t len)
{
	const char *hit, *end;

	for (int waited = 0; waited <= WAIT_MS; waited += 5) {
		hit = console_grab(d);
		if ((end = strstr(hit, "FAILED")))
			fail_msg("dom%u failed; console:\n%s", d, hit);
		if ((hit = strstr(hit, pattern))) {
			while (hit > con.buf && hit[-1] != '\n')
				hit--;
			end = strchr(hit, '\n');
			if (line)
				snprintf(line, len, "%.*s",
					 (int)(end ? end - hit : 255), hit);
			return;
		}
		usleep(5000);
	}
	fail_msg("dom%u: no '%s' after %d ms; console:\n%s", d, pattern,
		 WAIT_MS, con.buf);
}

static void expectf(domid_t d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void expectf(domid_t d, const char *fmt, ...)
{
	char pattern[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(pattern, sizeof(pattern), fmt, ap);
	va_end(ap);
	expect(d, pattern, NULL, 0);
}

static void xs_write(domid_t d, const char *rel, const char *value)
{
	char out[512];

	if (sh(out, sizeof(out), "xenstore-write /local/domain/%u/%s %s", d,
	       rel, value))
		fail_msg("xenstore-write %s: %s", rel, out);
}

static void done(domid_t d)
{
	char out[256];

	assert_false(console_has(d, "FAILED"));
	assert_int_equal(pvhv_domain_destroy(t.h, d), 0);
	/* pvhv goes on serving dom0 */
	assert_int_equal(sh(out, sizeof(out),
			    "xenstore-write /tool/alive y "
			    "&& xenstore-read /tool/alive"),
			 0);
	assert_string_equal(out, "y\n");
}

/* ---- cases ----------------------------------------------------------------
 */

static void basic(void **state)
{
	char out[256];
	domid_t d;

	(void)state;
	d = guest("gbasic", "basic");
	expect(d, "BASIC PASS", NULL, 0);
	assert_int_equal(sh(out, sizeof(out),
			    "xenstore-read /local/domain/%u/data/visible", d),
			 0);
	assert_string_equal(out, "guest\n");
	assert_int_not_equal(
	    sh(out, sizeof(out), "xenstore-exists /local/domain/%u/data/b", d),
	    0);
	assert_int_equal(sh(out, sizeof(out),
			    "xenstore-read /local/domain/%u/data/big | wc -c",
			    d),
			 0);
	assert_int_equal(atoi(out), 2001);
	done(d);
}

static void watch(void **state)
{
	char out[256], pat[128];
	domid_t d;

	(void)state;
	d = guest("gwatch", "watch");
	expect(d, "WATCH READY", NULL, 0);

	/* dom0 writes a child, then a grandchild, then removes a subtree */
	xs_write(d, "data/w/c1", "x");
	expectf(d, "EVENT data/w/c1 tokA");
	expectf(d, "EVENT /local/domain/%u/data/w/c1 tokB", d);
	xs_write(d, "data/w/c2/deep", "y");
	expectf(d, "EVENT data/w/c2/deep tokA");
	expectf(d, "EVENT /local/domain/%u/data/w/c2/deep tokB", d);
	assert_int_equal(
	    sh(out, sizeof(out), "xenstore-rm /local/domain/%u/data/w/c2", d),
	    0);
	expectf(d, "EVENT data/w/c2 tokA");
	expectf(d, "EVENT /local/domain/%u/data/w/c2 tokB", d);
	/* the watched node itself */
	xs_write(d, "data/w", "top");
	expectf(d, "EVENT data/w tokA");

	/* a sibling outside the watched path: nothing */
	xs_write(d, "data/wx", "no");

	/* unwatch: tokA goes quiet, tokB stays */
	xs_write(d, "data/w/stop", "1");
	expect(d, "UNWATCHED tokA", NULL, 0);
	xs_write(d, "data/w/after", "1");
	xs_write(d, "data/w/after2", "1");
	expectf(d, "EVENT /local/domain/%u/data/w/after2 tokB", d);
	assert_true(console_has(d, "/data/w/after tokB"));
	assert_false(console_has(d, "EVENT data/w/after tokA"));
	assert_false(console_has(d, "EVENT data/w/after2 tokA"));
	snprintf(pat, sizeof(pat), "data/wx");
	assert_false(console_has(d, pat));
	done(d);
}

static void tx(void **state)
{
	char out[256];
	domid_t d;

	(void)state;
	d = guest("gtx", "tx");
	expect(d, "TX READ", NULL, 0);
	/* dom0 changes what the transaction read, then lets it go on */
	xs_write(d, "data/race", "dom0");
	xs_write(d, "data/go", "1");
	expect(d, "TX CONFLICT EAGAIN", NULL, 0);
	expect(d, "TX RETRY saw=dom0", NULL, 0);
	expect(d, "TX PASS", NULL, 0);
	assert_int_equal(
	    sh(out, sizeof(out), "xenstore-read /local/domain/%u/data/race", d),
	    0);
	assert_string_equal(out, "guest\n");
	assert_int_not_equal(sh(out, sizeof(out),
				"xenstore-exists /local/domain/%u/data/intx",
				d),
			     0);
	done(d);
}

static void eacces(void **state)
{
	char arg[32], rd[16];
	domid_t a, b;

	(void)state;
	a = guest("gshare", "share");
	expect(a, "SHARE WAITING", NULL, 0);
	snprintf(arg, sizeof(arg), "eacces %u", a);
	b = guest("geacces", arg);
	expect(b, "EACCES DENIED", NULL, 0);
	snprintf(rd, sizeof(rd), "%u", b);
	xs_write(a, "data/reader", rd);
	expectf(a, "SHARE GRANTED reader=%u", b);
	xs_write(b, "data/go", "1");
	expect(b, "EACCES PASS", NULL, 0);
	done(b);
	done(a);
}

static void quota(void **state)
{
	char line[256];
	domid_t d;
	long n;

	(void)state;
	d = guest("gquota", "quota");
	expect(d, "QUOTA nodes=", line, sizeof(line));
	assert_non_null(strstr(line, "rc=ENOSPC"));
	n = hvt_field(line, "nodes");
	/* the home's own nodes count too */
	assert_true(n > QUOTA_NODES / 2 && n < QUOTA_NODES);
	expectf(d, "QUOTA watches=%d rc=E2BIG", QUOTA_WATCHES);
	expectf(d, "QUOTA transactions=%d rc=ENOSPC", QUOTA_TX);
	done(d);
}

static void reset(void **state)
{
	domid_t d;

	(void)state;
	d = guest("greset", "reset");
	expect(d, "RESET PASS", NULL, 0);
	done(d);
}

static void busy(void **state)
{
	char out[512], line[256];
	domid_t d;

	(void)state;
	d = guest("gbusy", "busy");
	expect(d, "BUSY READY", NULL, 0);
	assert_int_equal(sh(out, sizeof(out),
			    "for i in $(seq 20); do xenstore-write "
			    "/local/domain/%u/data/busy/$i $i || exit 1; done; "
			    "xenstore-write /local/domain/%u/data/busy/stop 1",
			    d, d),
			 0);
	expect(d, "BUSY PASS", line, sizeof(line));
	assert_true(hvt_field(line, "events") >= 21);
	assert_true(hvt_field(line, "ops") >= 1);
	done(d);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(basic), cmocka_unit_test(watch),
	    cmocka_unit_test(tx),    cmocka_unit_test(eacces),
	    cmocka_unit_test(quota), cmocka_unit_test(reset),
	    cmocka_unit_test(busy),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("store as guests see it (libpvfront "
					   "over pvhv's guest rings)",
					   tests, setup, teardown);
}
