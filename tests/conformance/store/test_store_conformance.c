/*
 * The store's dom0 socket against the real client side: a live pvhv
 * (tests/integration/harness), Debian's xenstore tools pointed at it with
 * XENSTORED_PATH, and libxenstore itself for transactions and watches.
 *
 *   tools          write / read / ls / list / exists / rm / chmod
 *   tools_watch    xenstore-watch sees the initial event, then changes
 *   lib_tx         a commit that raced another handle's write gets EAGAIN;
 *                  an undisturbed one commits; an abort changes nothing
 *   lib_watch      xs_watch: the initial event, children, removal, tokens
 *   domain_watches @introduceDomain / @releaseDomain on guest create and
 *                  destroy, and the guest's home appearing and going
 *   malformed      a raw client: unknown types and missing NULs get error
 *                  replies; oversized lengths close the connection; split
 *                  and batched messages work; pvhv stays up
 *   pipelined      200 requests sent before any reply is read: 800 KiB
 *                  of replies wait in pvhv's queue and all arrive, in order
 *   not_reading    a watcher that never reads is dropped, others go on
 *   help_and_flags pvhv --help names the socket and the quota flags; bad
 *                  quota values are refused
 *
 * Permission denials for guests are the store core's unit tests
 * (test_store_core): every connection on this socket is dom0.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <xenstore.h>

#include "harness.h"

/* Message types and the header, as on the wire (values are the
 * protocol's; kept local so the test checks pvhv against libxenstore's
 * world rather than against pvkit's own headers). */
enum {
	T_READ = 2,
	T_WATCH = 4,
	T_ERROR = 16,
	T_WRITE = 11,
	T_WATCH_EVENT = 15,
};

struct wire_hdr {
	uint32_t type, req_id, tx_id, len;
};

static struct hvt t;
static char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

static int setup(void **state)
{
	int rc;

	/* Quotas bind guests only; the flags must still be taken. */
	static const char *const extra[] = { "--store-quota-nodes=2000",
					     "--store-quota-watches", "64",
					     NULL };

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

/* Run a shell command (XENSTORED_PATH is in the environment); its exit
 * status, output in out. */
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

static void pvhv_still_serves(void)
{
	struct pvhv_dominfo info[4];
	char out[256];

	assert_true(pvhv_domain_list(t.h, info, 4) >= 0);
	assert_int_equal(sh(out, sizeof(out), "xenstore-write /tool/alive yes"),
			 0);
	assert_int_equal(sh(out, sizeof(out), "xenstore-read /tool/alive"), 0);
	assert_string_equal(out, "yes\n");
}

/* ---- the tools ---------------------------------------------------------- */

static void tools(void **state)
{
	char out[2048];

	(void)state;
	assert_int_equal(sh(out, sizeof(out), "xenstore-write /tool/t/a hello "
					      "/tool/t/b/c deep"),
			 0);
	assert_int_equal(sh(out, sizeof(out), "xenstore-read /tool/t/a"), 0);
	assert_string_equal(out, "hello\n");
	assert_int_equal(sh(out, sizeof(out), "xenstore-read /tool/t/b/c"), 0);
	assert_string_equal(out, "deep\n");
	assert_int_equal(sh(out, sizeof(out), "xenstore-list /tool/t"), 0);
	assert_string_equal(out, "a\nb\n");
	assert_int_equal(sh(out, sizeof(out), "xenstore-ls /tool/t"), 0);
	assert_string_equal(out, "a = \"hello\"\nb = \"\"\n c = \"deep\"\n");
	assert_int_equal(sh(out, sizeof(out), "xenstore-exists /tool/t/b"), 0);
	assert_int_not_equal(sh(out, sizeof(out), "xenstore-exists /tool/t/x"),
			     0);
	assert_int_not_equal(sh(out, sizeof(out), "xenstore-read /tool/t/x"),
			     0);
	assert_int_equal(sh(out, sizeof(out), "xenstore-rm /tool/t/b"), 0);
	assert_int_not_equal(sh(out, sizeof(out), "xenstore-exists /tool/t/b"),
			     0);
	assert_int_equal(sh(out, sizeof(out), "xenstore-list /tool/t"), 0);
	assert_string_equal(out, "a\n");

	/* Permissions: owner dom3, dom0 may do anything anyway; dom5 r. */
	assert_int_equal(sh(out, sizeof(out),
			    "xenstore-chmod /tool/t/a n3 r5"),
			 0);
	assert_int_equal(sh(out, sizeof(out), "xenstore-ls -p /tool/t"), 0);
	assert_non_null(strstr(out, "(n3,r5)"));
	assert_int_equal(sh(out, sizeof(out), "xenstore-read /tool/t/a"), 0);
	assert_string_equal(out, "hello\n");
	/* A bad permission string is refused by the store (EINVAL). */
	assert_int_not_equal(sh(out, sizeof(out),
				"xenstore-chmod /tool/t/a n3 q5"),
			     0);
	/* Relative paths from dom0 are below /local/domain/0. */
	assert_int_equal(sh(out, sizeof(out), "xenstore-write rel 1 && "
					      "xenstore-read /local/domain/0/rel"),
			 0);
	assert_string_equal(out, "1\n");
	assert_int_equal(sh(out, sizeof(out), "xenstore-rm /tool/t"), 0);
}

static void tools_watch(void **state)
{
	char out[2048], file[400];

	(void)state;
	snprintf(file, sizeof(file), "%s/watch.out", t.rundir);
	/* The watch's initial event in the file says it is registered. */
	assert_int_equal(
		sh(out, sizeof(out),
		   "(timeout 10 xenstore-watch -n 4 /tool/w > %s) & "
		   "for i in $(seq 200); do [ -s %s ] && break; sleep 0.02; "
		   "done; xenstore-write /tool/w 1; xenstore-write /tool/w/x "
		   "2; xenstore-rm /tool/w; wait $!; cat %s; rm -f %s",
		   file, file, file, file),
		0);
	assert_string_equal(out, "/tool/w\n/tool/w\n/tool/w/x\n/tool/w\n");
}

/* ---- libxenstore ------------------------------------------------------------ */

static struct xs_handle *open_xs(void)
{
	struct xs_handle *h = xs_open(0);

	assert_non_null(h);
	return h;
}

static void lib_tx(void **state)
{
	struct xs_handle *a = open_xs(), *b = open_xs();
	xs_transaction_t tx;
	unsigned int len;
	char *v;

	(void)state;
	assert_true(xs_write(a, XBT_NULL, "/tool/tx", "0", 1));

	/* A reads and writes in a transaction; B writes meanwhile. */
	tx = xs_transaction_start(a);
	assert_true(tx != XBT_NULL);
	v = xs_read(a, tx, "/tool/tx", &len);
	assert_non_null(v);
	assert_string_equal(v, "0");
	free(v);
	assert_true(xs_write(a, tx, "/tool/tx", "a", 1));
	assert_true(xs_write(b, XBT_NULL, "/tool/tx", "b", 1));
	errno = 0;
	assert_false(xs_transaction_end(a, tx, false));
	assert_int_equal(errno, EAGAIN);
	v = xs_read(b, XBT_NULL, "/tool/tx", &len);
	assert_string_equal(v, "b");
	free(v);

	/* The retry, undisturbed, commits; others see it afterwards only. */
	tx = xs_transaction_start(a);
	assert_true(tx != XBT_NULL);
	assert_true(xs_write(a, tx, "/tool/tx", "a2", 2));
	assert_true(xs_write(a, tx, "/tool/tx2", "new", 3));
	v = xs_read(b, XBT_NULL, "/tool/tx", &len);
	assert_string_equal(v, "b");
	free(v);
	assert_null(xs_read(b, XBT_NULL, "/tool/tx2", &len));
	assert_int_equal(errno, ENOENT);
	assert_true(xs_transaction_end(a, tx, false));
	v = xs_read(b, XBT_NULL, "/tool/tx", &len);
	assert_string_equal(v, "a2");
	free(v);

	/* An abort changes nothing. */
	tx = xs_transaction_start(a);
	assert_true(xs_write(a, tx, "/tool/tx", "lost", 4));
	assert_true(xs_transaction_end(a, tx, true));
	v = xs_read(b, XBT_NULL, "/tool/tx", &len);
	assert_string_equal(v, "a2");
	free(v);

	assert_true(xs_rm(a, XBT_NULL, "/tool/tx"));
	assert_true(xs_rm(a, XBT_NULL, "/tool/tx2"));
	xs_close(a);
	xs_close(b);
}

/* The next watch event within timeout_ms: 0 and path/token copied, or
 * -ETIMEDOUT. */
static int next_event(struct xs_handle *h, char *path, size_t plen,
		      char *token, size_t tlen, int timeout_ms)
{
	struct pollfd p = { .fd = xs_fileno(h), .events = POLLIN };
	unsigned int n;
	char **ev;

	/* libxenstore reads events on its own thread and signals the fd;
	 * check for a queued event first. */
	ev = xs_check_watch(h);
	while (!ev) {
		if (poll(&p, 1, timeout_ms) <= 0)
			return -ETIMEDOUT;
		ev = xs_read_watch(h, &n);
	}
	snprintf(path, plen, "%s", ev[XS_WATCH_PATH]);
	snprintf(token, tlen, "%s", ev[XS_WATCH_TOKEN]);
	free(ev);
	return 0;
}

static void expect_event(struct xs_handle *h, const char *path,
			 const char *token)
{
	char p[256], tok[64];

	assert_int_equal(next_event(h, p, sizeof(p), tok, sizeof(tok), 5000),
			 0);
	assert_string_equal(p, path);
	assert_string_equal(tok, token);
}

static void no_event(struct xs_handle *h)
{
	char p[256], tok[64];

	assert_int_equal(next_event(h, p, sizeof(p), tok, sizeof(tok), 200),
			 -ETIMEDOUT);
}

static void lib_watch(void **state)
{
	struct xs_handle *h = open_xs(), *w = open_xs();

	(void)state;
	assert_true(xs_write(h, XBT_NULL, "/tool/lw/a", "1", 1));
	assert_true(xs_watch(w, "/tool/lw", "tok-lw"));
	expect_event(w, "/tool/lw", "tok-lw"); /* the initial event */
	assert_true(xs_watch(w, "/tool/lw/a", "tok-a"));
	expect_event(w, "/tool/lw/a", "tok-a");

	/* A child's change fires the parent's watch with the child's path. */
	assert_true(xs_write(h, XBT_NULL, "/tool/lw/b", "2", 1));
	expect_event(w, "/tool/lw/b", "tok-lw");
	no_event(w);

	/* Removal fires the watches on the subtree. */
	assert_true(xs_rm(h, XBT_NULL, "/tool/lw"));
	{
		char p1[256], p2[256], t1[64], t2[64];

		assert_int_equal(next_event(w, p1, sizeof(p1), t1, sizeof(t1),
					    5000),
				 0);
		assert_int_equal(next_event(w, p2, sizeof(p2), t2, sizeof(t2),
					    5000),
				 0);
		assert_true((!strcmp(t1, "tok-lw") && !strcmp(t2, "tok-a")) ||
			    (!strcmp(t1, "tok-a") && !strcmp(t2, "tok-lw")));
	}

	/* Unwatched: silence. */
	assert_true(xs_unwatch(w, "/tool/lw", "tok-lw"));
	assert_true(xs_unwatch(w, "/tool/lw/a", "tok-a"));
	assert_true(xs_write(h, XBT_NULL, "/tool/lw/c", "3", 1));
	no_event(w);
	assert_true(xs_rm(h, XBT_NULL, "/tool/lw"));
	xs_close(h);
	xs_close(w);
}

static void domain_watches(void **state)
{
	struct xs_handle *w = open_xs();
	char home[64], line[256];
	unsigned int len;
	domid_t d;
	char *v;

	(void)state;
	assert_true(xs_watch(w, "@introduceDomain", "intro"));
	expect_event(w, "@introduceDomain", "intro");
	assert_true(xs_watch(w, "@releaseDomain", "rel"));
	expect_event(w, "@releaseDomain", "rel");

	assert_int_equal(hvt_create(&t, "xs", "guest_grant", "ro", NULL, &d),
			 0);
	expect_event(w, "@introduceDomain", "intro");
	assert_int_equal(hvt_console_expect(&t, d, "GREF=", line, sizeof(line),
					    5000),
			 0);
	snprintf(home, sizeof(home), "/local/domain/%u", d);
	assert_true(xs_is_domain_introduced(w, d));
	v = xs_read(w, XBT_NULL, home, &len);
	assert_non_null(v);
	free(v);
	{
		struct xs_permissions *p;
		unsigned int n;

		p = xs_get_permissions(w, XBT_NULL, home, &n);
		/* As a toolstack lays it out: dom0's, readable by the guest. */
		assert_non_null(p);
		assert_true(n >= 2);
		assert_int_equal(p[0].id, 0);
		assert_int_equal(p[1].id, d);
		assert_true(p[1].perms & XS_PERM_READ);
		free(p);
	}
	{
		char *path = xs_get_domain_path(w, d);

		assert_string_equal(path, home);
		free(path);
	}

	assert_int_equal(pvhv_domain_destroy(t.h, d), 0);
	expect_event(w, "@releaseDomain", "rel");
	assert_null(xs_read(w, XBT_NULL, home, &len));
	assert_int_equal(errno, ENOENT);
	assert_false(xs_is_domain_introduced(w, d));
	no_event(w);
	xs_close(w);
}

/* ---- raw traffic ---------------------------------------------------------- */

static int raw_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memcpy(sa.sun_path, sock_path, sizeof(sa.sun_path));
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void raw_send(int fd, uint32_t type, uint32_t req_id, uint32_t len,
		     const void *payload, size_t plen)
{
	uint8_t buf[16 + 8192];
	struct wire_hdr h = { type, req_id, 0, len };

	assert_true(plen <= sizeof(buf) - 16);
	memcpy(buf, &h, 16);
	if (plen)
		memcpy(buf + 16, payload, plen);
	assert_int_equal(send(fd, buf, 16 + plen, MSG_NOSIGNAL),
			 (ssize_t)(16 + plen));
}

/* Read exactly n bytes within 5 s: n, or fewer when the peer closed. */
static size_t raw_read(int fd, void *buf, size_t n)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t got = 0;

	while (got < n) {
		ssize_t r;

		if (poll(&p, 1, 5000) <= 0)
			break;
		r = recv(fd, (char *)buf + got, n - got, 0);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

/* The next reply: its header and payload (NUL-terminated in p). */
static void raw_reply(int fd, struct wire_hdr *h, char *p, size_t cap)
{
	assert_int_equal(raw_read(fd, h, 16), 16);
	assert_true(h->len < cap);
	assert_int_equal(raw_read(fd, p, h->len), h->len);
	p[h->len] = '\0';
}

static void raw_closed(int fd)
{
	char c;

	assert_int_equal(raw_read(fd, &c, 1), 0);
}

static void malformed(void **state)
{
	static char big[8192];
	struct wire_hdr h;
	char p[4200];
	int fd;

	(void)state;
	/* Unknown type: an error reply, the connection goes on. */
	fd = raw_connect();
	raw_send(fd, 9999, 7, 0, NULL, 0);
	raw_reply(fd, &h, p, sizeof(p));
	assert_int_equal(h.type, T_ERROR);
	assert_int_equal(h.req_id, 7);
	assert_string_equal(p, "EINVAL");
	/* A reply-only type sent as a request: the same. */
	raw_send(fd, T_WATCH_EVENT, 8, 4, "a\0b", 4);
	raw_reply(fd, &h, p, sizeof(p));
	assert_int_equal(h.type, T_ERROR);
	assert_int_equal(h.req_id, 8);
	/* A path without its NUL. */
	raw_send(fd, T_READ, 9, 5, "/tool", 5);
	raw_reply(fd, &h, p, sizeof(p));
	assert_int_equal(h.type, T_ERROR);
	assert_int_equal(h.req_id, 9);
	/* A watch without a token; a write without a path. */
	raw_send(fd, T_WATCH, 10, 6, "/tool", 6);
	raw_reply(fd, &h, p, sizeof(p));
	assert_int_equal(h.type, T_ERROR);
	raw_send(fd, T_WRITE, 11, 3, "abc", 3);
	raw_reply(fd, &h, p, sizeof(p));
	assert_int_equal(h.type, T_ERROR);
	/* Bad characters and a deep, long path. */
	raw_send(fd, T_READ, 12, 10, "/tool/a b", 10);
	raw_reply(fd, &h, p, sizeof(p));
	assert_int_equal(h.type, T_ERROR);
	memset(big, 'a', 4000);
	for (int i = 0; i < 4000; i += 2)
		big[i] = '/';
	big[4000] = '\0';
	raw_send(fd, T_READ, 13, 4001, big, 4001);
	raw_reply(fd, &h, p, sizeof(p));
	assert_int_equal(h.type, T_ERROR);
	assert_int_equal(h.req_id, 13);

	/* Split headers and batched messages. */
	{
		uint8_t two[2 * (16 + 6)];
		struct wire_hdr r = { T_READ, 20, 0, 6 };

		memcpy(two, &r, 16);
		memcpy(two + 16, "/tool", 6);
		r.req_id = 21;
		memcpy(two + 22, &r, 16);
		memcpy(two + 38, "/tool", 6);
		for (size_t i = 0; i < 22; i += 5) {
			size_t n = i + 5 > 22 ? 22 - i : 5;

			assert_int_equal(send(fd, two + i, n, MSG_NOSIGNAL),
					 (ssize_t)n);
			usleep(20000);
		}
		raw_reply(fd, &h, p, sizeof(p));
		assert_int_equal(h.type, T_READ);
		assert_int_equal(h.req_id, 20);
		assert_int_equal(send(fd, two, sizeof(two), MSG_NOSIGNAL),
				 (ssize_t)sizeof(two));
		raw_reply(fd, &h, p, sizeof(p));
		assert_int_equal(h.req_id, 20);
		raw_reply(fd, &h, p, sizeof(p));
		assert_int_equal(h.req_id, 21);
	}
	close(fd);

	/* A payload over 4096 bytes closes the connection ... */
	fd = raw_connect();
	memset(big, 'x', sizeof(big));
	memcpy(big, "/tool/big", 10);
	raw_send(fd, T_WRITE, 1, 4097, big, 4097);
	raw_closed(fd);
	close(fd);
	/* ... and so does a length no message can have. */
	fd = raw_connect();
	raw_send(fd, T_READ, 1, 0xffffffffu, "/tool", 6);
	raw_closed(fd);
	close(fd);
	/* A half message, then hang-up. */
	fd = raw_connect();
	raw_send(fd, T_READ, 1, 100, "/to", 3);
	close(fd);
	/* Garbage bytes. */
	fd = raw_connect();
	memset(big, 0xff, 64);
	assert_int_equal(send(fd, big, 64, MSG_NOSIGNAL), 64);
	raw_closed(fd);
	close(fd);

	pvhv_still_serves();
}

static void pipelined(void **state)
{
	static char value[4000], reply[4100];
	struct xs_handle *h = open_xs();
	uint8_t req[16 + 10];
	struct wire_hdr rh;
	int fd = raw_connect();

	(void)state;
	for (size_t i = 0; i < sizeof(value); i++)
		value[i] = (char)('a' + i % 26);
	assert_true(xs_write(h, XBT_NULL, "/tool/big", value, sizeof(value)));
	memcpy(req + 16, "/tool/big", 10);
	for (uint32_t i = 0; i < 200; i++) {
		struct wire_hdr q = { T_READ, 1000 + i, 0, 10 };

		memcpy(req, &q, 16);
		assert_int_equal(send(fd, req, sizeof(req), MSG_NOSIGNAL),
				 (ssize_t)sizeof(req));
	}
	usleep(200000); /* let pvhv queue what the socket does not take */
	for (uint32_t i = 0; i < 200; i++) {
		raw_reply(fd, &rh, reply, sizeof(reply));
		assert_int_equal(rh.type, T_READ);
		assert_int_equal(rh.req_id, 1000 + i);
		assert_int_equal(rh.len, sizeof(value));
		assert_memory_equal(reply, value, sizeof(value));
	}
	close(fd);
	assert_true(xs_rm(h, XBT_NULL, "/tool/big"));
	xs_close(h);
}

/* A client that watches and never reads: its queue grows until pvhv drops
 * it; a writer and the tools keep working. */
static void not_reading(void **state)
{
	struct xs_handle *h = open_xs();
	int lazy = raw_connect();
	char value[2048];
	struct wire_hdr rh;
	char p[64];

	(void)state;
	raw_send(lazy, T_WATCH, 1, 16, "/tool/flood\0tok", 16);
	/* Its OK and initial event; then it stops reading. */
	raw_reply(lazy, &rh, p, sizeof(p));
	memset(value, 'v', sizeof(value));
	assert_true(xs_write(h, XBT_NULL, "/tool/flood", "", 0));
	/* Events are small; make the writes long paths so the queue passes
	 * its limit quickly: each event ~ 60 bytes; 40000 writes. */
	for (int i = 0; i < 40000; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/tool/flood/n%d", i % 50);
		assert_true(xs_write(h, XBT_NULL, path, value, 1));
	}
	/* Dropped: after what was queued before, the stream ends. */
	{
		char buf[65536];
		ssize_t r;
		struct pollfd pf = { .fd = lazy, .events = POLLIN };

		do {
			if (poll(&pf, 1, 5000) <= 0) {
				r = -1;
				break;
			}
			r = recv(lazy, buf, sizeof(buf), 0);
		} while (r > 0);
		assert_int_equal(r, 0);
	}
	close(lazy);
	assert_true(xs_rm(h, XBT_NULL, "/tool/flood"));
	xs_close(h);
	pvhv_still_serves();
}

static void help_and_flags(void **state)
{
	char out[8192];

	(void)state;
	assert_int_equal(hvt_sh(out, sizeof(out), "%s --help", PVHV_BIN), 0);
	assert_non_null(strstr(out, "xenstored.sock"));
	assert_non_null(strstr(out, "XENSTORED_PATH"));
	assert_non_null(strstr(out, "--store-quota-nodes"));
	assert_non_null(strstr(out, "--store-quota-outstanding"));
	assert_int_equal(hvt_sh(out, sizeof(out),
				"%s --store-quota-nodes=many --foreground",
				PVHV_BIN),
			 2);
	assert_int_equal(hvt_sh(out, sizeof(out),
				"%s --store-quota-watches -1 --foreground",
				PVHV_BIN),
			 2);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tools),
		cmocka_unit_test(tools_watch),
		cmocka_unit_test(lib_tx),
		cmocka_unit_test(lib_watch),
		cmocka_unit_test(domain_watches),
		cmocka_unit_test(malformed),
		cmocka_unit_test(pipelined),
		cmocka_unit_test(not_reading),
		cmocka_unit_test(help_and_flags),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("store over the dom0 socket", tests,
					   setup, teardown);
}
