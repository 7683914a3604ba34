/*
 * libpvhv's store client against a FAKE store: the test itself holds the
 * server end of the socket and writes exactly the bytes it wants, for
 * what a real pvhv never does on demand:
 *
 *   wire_format      the bytes each request puts on the wire (tx ids,
 *                    payloads, the watch's own token, "T"/"F")
 *   error_names      every store error name to its errno; unknown -EINVAL
 *   byte_by_byte     replies and events dribbled one byte at a time, and
 *                    many in one write
 *   bad_payloads     malformed permissions, transaction ids, directory
 *                    lists fail their own callback with -EPROTO only;
 *                    stray watch events are ignored
 *   dir_parts        DIRECTORY -> E2BIG -> DIRECTORY_PART, a generation
 *                    change restarting the list, a part with no progress
 *   garbage_*        a reply to nothing, a req_id out of order, a length
 *                    over the limit, an unknown type: every pending
 *                    callback gets -EPROTO, later calls fail at once
 *   hangup_midway    the store closes halfway through a message:
 *                    -ECONNRESET for everyone
 *
 * The real daemon: tests/integration/test_pvhv_store_client.c.
 */
#include "unit.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "pvkit/hv.h"
#include "pvkit/store.h"

#define TX PVHV_STORE_TX_NONE

struct fake {
	char dir[64];
	int lfd, cfd;
	struct pvhv_store *s;
};

static struct fake F;

static int setup(void **state)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	(void)state;
	snprintf(F.dir, sizeof(F.dir), "/tmp/pvkit-xsfake-XXXXXX");
	if (!mkdtemp(F.dir))
		return -1;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/xenstored.sock", F.dir);
	F.lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (F.lfd < 0 || bind(F.lfd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(F.lfd, 4))
		return -1;
	/* connect() completes from the backlog: accept afterwards. */
	if (pvhv_store_open(F.dir, 0, &F.s))
		return -1;
	F.cfd = accept(F.lfd, NULL, NULL);
	return F.cfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	char path[128];

	(void)state;
	pvhv_store_close(F.s);
	if (F.cfd >= 0)
		close(F.cfd);
	close(F.lfd);
	snprintf(path, sizeof(path), "%s/xenstored.sock", F.dir);
	unlink(path);
	rmdir(F.dir);
	memset(&F, 0, sizeof(F));
	return 0;
}

/* ---- the fake's side ------------------------------------------------------ */

static void read_all(void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(F.cfd, (char *)buf + got, len - got);

		assert_true(n > 0);
		got += (size_t)n;
	}
}

/* The next request: header into *h, payload into buf (NUL after it). */
static void next_req(struct xsd_sockmsg *h, char *buf)
{
	read_all(h, sizeof(*h));
	assert_true(h->len <= XENSTORE_PAYLOAD_MAX);
	read_all(buf, h->len);
	buf[h->len] = '\0';
}

static void send_bytes(const void *p, size_t len)
{
	assert_int_equal(write(F.cfd, p, len), (ssize_t)len);
}

static void send_msg(uint32_t type, uint32_t req_id, const void *p,
		     size_t len)
{
	struct xsd_sockmsg h = { type, req_id, 0, (uint32_t)len };

	send_bytes(&h, sizeof(h));
	if (len)
		send_bytes(p, len);
}

/* Answer the next request with type/payload (its own type if 0). */
static struct xsd_sockmsg answer(uint32_t type, const void *p, size_t len)
{
	struct xsd_sockmsg h;
	char buf[XENSTORE_PAYLOAD_MAX + 1];

	next_req(&h, buf);
	send_msg(type ? type : h.type, h.req_id, p, len);
	return h;
}

static void pump(void)
{
	struct pollfd p = { .fd = pvhv_store_fd(F.s), .events = POLLIN };

	/* Until nothing has been readable for a while. */
	while (poll(&p, 1, 100) > 0)
		if (pvhv_store_process(F.s) < 0)
			break;
}

/* ---- what the callbacks saw ------------------------------------------------- */

struct got {
	int n, err;
	char text[512]; /* values, names or perms, '|'-joined */
	uint32_t tx;
};

static void got_done(struct pvhv_store *s, int err, void *arg)
{
	struct got *g = arg;

	(void)s;
	g->n++;
	g->err = err;
}

static void got_read(struct pvhv_store *s, int err, const char *v,
		     size_t len, void *arg)
{
	struct got *g = arg;

	got_done(s, err, arg);
	if (!err)
		snprintf(g->text, sizeof(g->text), "%.*s", (int)len, v);
}

static void got_dir(struct pvhv_store *s, int err, const char *const *names,
		    unsigned int n, void *arg)
{
	struct got *g = arg;

	got_done(s, err, arg);
	g->text[0] = '\0';
	for (unsigned int i = 0; i < n; i++)
		snprintf(g->text + strlen(g->text),
			 sizeof(g->text) - strlen(g->text), "%s%s",
			 i ? "|" : "", names[i]);
}

static void got_perms(struct pvhv_store *s, int err,
		      const struct pvhv_store_perm *p, unsigned int n,
		      void *arg)
{
	struct got *g = arg;
	char one[16];

	got_done(s, err, arg);
	g->text[0] = '\0';
	for (unsigned int i = 0; i < n; i++) {
		assert_int_equal(pvhv_store_perm_format(&p[i], one,
							sizeof(one)),
				 0);
		snprintf(g->text + strlen(g->text),
			 sizeof(g->text) - strlen(g->text), "%s%s",
			 i ? "|" : "", one);
	}
}

static void got_tx(struct pvhv_store *s, int err, uint32_t tx, void *arg)
{
	struct got *g = arg;

	got_done(s, err, arg);
	g->tx = tx;
}

static struct got ev;

static void got_event(struct pvhv_store *s, const char *path,
		      const char *token, void *arg)
{
	(void)s;
	(void)arg;
	ev.n++;
	snprintf(ev.text, sizeof(ev.text), "%s %s", path, token);
}

/* ---- cases ---------------------------------------------------------------------- */

static void expect_req(uint32_t type, uint32_t tx, const char *payload,
		       size_t len)
{
	struct xsd_sockmsg h;
	char buf[XENSTORE_PAYLOAD_MAX + 1];

	next_req(&h, buf);
	assert_int_equal(h.type, type);
	assert_int_equal(h.tx_id, tx);
	assert_int_equal(h.len, len);
	assert_memory_equal(buf, payload, len);
	assert_true(h.req_id != 0);
	send_msg(type, h.req_id, "OK", 3);
}

static void wire_format(void **state)
{
	struct pvhv_store_perm p[2] = { { 0, PVHV_STORE_PERM_NONE },
					{ 5, PVHV_STORE_PERM_READ } };
	struct got g = { 0 };

	(void)state;
	assert_int_equal(pvhv_store_write_async(F.s, 7, "/a", "v\0w", 3,
						got_done, &g),
			 0);
	expect_req(XS_WRITE, 7, "/a\0v\0w", 6);
	assert_int_equal(pvhv_store_read_async(F.s, TX, "rel", NULL, NULL), 0);
	expect_req(XS_READ, 0, "rel", 4);
	assert_int_equal(pvhv_store_set_perms_async(F.s, 3, "/a", p, 2, NULL,
						    NULL),
			 0);
	expect_req(XS_SET_PERMS, 3, "/a\0n0\0r5", 9);
	assert_int_equal(pvhv_store_tx_end_async(F.s, 9, false, NULL, NULL),
			 0);
	expect_req(XS_TRANSACTION_END, 9, "F", 2);
	assert_int_equal(pvhv_store_tx_start_async(F.s, NULL, NULL), 0);
	expect_req(XS_TRANSACTION_START, 0, "", 1);
	assert_int_equal(pvhv_store_mkdir_async(F.s, 2, "/m", NULL, NULL), 0);
	expect_req(XS_MKDIR, 2, "/m", 3);
	assert_int_equal(pvhv_store_rm_async(F.s, 2, "/m", NULL, NULL), 0);
	expect_req(XS_RM, 2, "/m", 3);
	/* A watch carries its registration's own token. */
	assert_int_equal(pvhv_store_watch_async(F.s, "/w", "tok", got_event,
						NULL, NULL),
			 0);
	expect_req(XS_WATCH, 0, "/w\0" "1:tok", 9);
	assert_int_equal(pvhv_store_unwatch_async(F.s, "/w", "tok", NULL, NULL),
			 0);
	expect_req(XS_UNWATCH, 0, "/w\0" "1:tok", 9);
	assert_int_equal(pvhv_store_request_async(F.s, XS_GET_DOMAIN_PATH, TX,
						  "3", 2, NULL, NULL),
			 0);
	expect_req(XS_GET_DOMAIN_PATH, 0, "3", 2);
	pump();
	assert_int_equal(g.n, 1);
	assert_int_equal(g.err, 0);
	assert_int_equal(pvhv_store_pending(F.s), 0);
	/* Refused before anything is sent. */
	assert_int_equal(pvhv_store_read_async(F.s, TX, NULL, NULL, NULL),
			 -EINVAL);
	assert_int_equal(pvhv_store_tx_end_async(F.s, TX, true, NULL, NULL),
			 -EINVAL);
	assert_int_equal(pvhv_store_request_async(F.s, 999, TX, NULL, 0, NULL,
						  NULL),
			 -EINVAL);
	assert_int_equal(pvhv_store_unwatch_async(F.s, "/w", "tok", NULL,
						  NULL),
			 -ENOENT);
}

static void error_names(void **state)
{
	static const struct {
		const char *name;
		int err;
	} names[] = {
		{ "EINVAL", -EINVAL }, { "EACCES", -EACCES },
		{ "EEXIST", -EEXIST }, { "EISDIR", -EISDIR },
		{ "ENOENT", -ENOENT }, { "ENOMEM", -ENOMEM },
		{ "ENOSPC", -ENOSPC }, { "EIO", -EIO },
		{ "ENOTEMPTY", -ENOTEMPTY }, { "ENOSYS", -ENOSYS },
		{ "EROFS", -EROFS }, { "EBUSY", -EBUSY },
		{ "EAGAIN", -EAGAIN }, { "EISCONN", -EISCONN },
		{ "E2BIG", -E2BIG }, { "EPERM", -EPERM },
		{ "EWHATEVER", -EINVAL }, { "", -EINVAL },
	};
	struct got g[sizeof(names) / sizeof(names[0])];
	size_t n = sizeof(names) / sizeof(names[0]);

	(void)state;
	memset(g, 0, sizeof(g));
	for (size_t i = 0; i < n; i++)
		assert_int_equal(pvhv_store_read_async(F.s, TX, "/x", got_read,
						       &g[i]),
				 0);
	for (size_t i = 0; i < n; i++)
		answer(XS_ERROR, names[i].name, strlen(names[i].name) + 1);
	pump();
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(g[i].n, 1);
		assert_int_equal(g[i].err, names[i].err);
	}
}

static void byte_by_byte(void **state)
{
	struct got a = { 0 }, b = { 0 };
	struct xsd_sockmsg h[2];
	char buf[XENSTORE_PAYLOAD_MAX + 1], msg[256];
	size_t len = 0;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	assert_int_equal(pvhv_store_watch_async(F.s, "/w", "t", got_event,
						NULL, NULL),
			 0);
	answer(0, "OK", 3);
	assert_int_equal(pvhv_store_read_async(F.s, TX, "/a", got_read, &a), 0);
	assert_int_equal(pvhv_store_read_async(F.s, TX, "/b", got_read, &b), 0);
	next_req(&h[0], buf);
	next_req(&h[1], buf);
	/* An event, then both replies, in one buffer sent a byte a time. */
	{
		struct xsd_sockmsg e = { XS_WATCH_EVENT, 0, 0, 9 };
		struct xsd_sockmsg r0 = { XS_READ, h[0].req_id, 0, 5 };
		struct xsd_sockmsg r1 = { XS_READ, h[1].req_id, 0, 0 };

		memcpy(msg + len, &e, sizeof(e));
		memcpy(msg + len + sizeof(e), "/w/x\0" "1:t", 9);
		len += sizeof(e) + 9;
		memcpy(msg + len, &r0, sizeof(r0));
		memcpy(msg + len + sizeof(r0), "hello", 5);
		len += sizeof(r0) + 5;
		memcpy(msg + len, &r1, sizeof(r1));
		len += sizeof(r1);
	}
	for (size_t i = 0; i < len; i++) {
		send_bytes(msg + i, 1);
		assert_true(pvhv_store_process(F.s) >= 0);
	}
	pump();
	assert_int_equal(ev.n, 1);
	assert_string_equal(ev.text, "/w/x t");
	assert_int_equal(a.n, 1);
	assert_string_equal(a.text, "hello");
	assert_int_equal(b.n, 1);
	assert_int_equal(b.err, 0);
	assert_string_equal(b.text, "");
	/* The same bytes in one write. */
	memset(&a, 0, sizeof(a));
	memset(&ev, 0, sizeof(ev));
	assert_int_equal(pvhv_store_read_async(F.s, TX, "/a", got_read, &a), 0);
	next_req(&h[0], buf);
	{
		struct xsd_sockmsg r0 = { XS_READ, h[0].req_id, 0, 5 };

		memcpy(msg + sizeof(struct xsd_sockmsg) + 9, &r0, sizeof(r0));
	}
	send_bytes(msg, len - sizeof(struct xsd_sockmsg));
	pump();
	assert_int_equal(ev.n, 1);
	assert_string_equal(a.text, "hello");
}

static void bad_payloads(void **state)
{
	struct got p = { 0 }, t1 = { 0 }, t2 = { 0 }, d = { 0 }, ok = { 0 };

	(void)state;
	memset(&ev, 0, sizeof(ev));
	assert_int_equal(pvhv_store_watch_async(F.s, "/w", "t", got_event,
						NULL, NULL),
			 0);
	answer(0, "OK", 3);
	assert_int_equal(pvhv_store_get_perms_async(F.s, TX, "/p", got_perms,
						    &p),
			 0);
	assert_int_equal(pvhv_store_tx_start_async(F.s, got_tx, &t1), 0);
	assert_int_equal(pvhv_store_tx_start_async(F.s, got_tx, &t2), 0);
	assert_int_equal(pvhv_store_directory_async(F.s, TX, "/d", got_dir,
						    &d),
			 0);
	assert_int_equal(pvhv_store_get_perms_async(F.s, TX, "/p", got_perms,
						    &ok),
			 0);
	answer(0, "n0\0q5", 6);
	answer(0, "abc", 4);
	answer(0, "0", 2);
	answer(0, "a\0b", 3); /* the last name unterminated */
	/* Events that are not ours, or not events at all: ignored. */
	send_msg(XS_WATCH_EVENT, 0, "/w\0" "99:t", 8);
	send_msg(XS_WATCH_EVENT, 0, "/w\0" "t", 5);
	send_msg(XS_WATCH_EVENT, 0, "/w", 2);
	send_msg(XS_WATCH_EVENT, 0, "/w\0" "1:other", 11);
	answer(0, "b7\0r0", 6);
	pump();
	assert_int_equal(p.err, -EPROTO);
	assert_int_equal(t1.err, -EPROTO);
	assert_int_equal(t2.err, -EPROTO);
	assert_int_equal(d.err, -EPROTO);
	assert_int_equal(ok.err, 0);
	assert_string_equal(ok.text, "b7|r0");
	assert_int_equal(ev.n, 0);
	/* The connection is fine. */
	assert_int_equal(pvhv_store_read_async(F.s, TX, "/a", got_read, &ok), 0);
	answer(0, "v", 1);
	pump();
	assert_string_equal(ok.text, "v");
}

static void dir_parts(void **state)
{
	struct got d = { 0 }, e = { 0 };
	struct xsd_sockmsg h;
	char buf[XENSTORE_PAYLOAD_MAX + 1];

	(void)state;
	assert_int_equal(pvhv_store_directory_async(F.s, 4, "/d", got_dir, &d),
			 0);
	answer(XS_ERROR, "E2BIG", 6);
	pump(); /* the client asks for the first part */
	next_req(&h, buf);
	assert_int_equal(h.type, XS_DIRECTORY_PART);
	assert_int_equal(h.tx_id, 4);
	assert_memory_equal(buf, "/d\0" "0", 5);
	send_msg(XS_DIRECTORY_PART, h.req_id, "5\0a\0bb", 7);
	pump();
	next_req(&h, buf);
	assert_memory_equal(buf, "/d\0" "5", 5); /* after "a\0bb\0" */
	/* The node changed: start over from the beginning. */
	send_msg(XS_DIRECTORY_PART, h.req_id, "6\0x", 4);
	pump();
	next_req(&h, buf);
	assert_memory_equal(buf, "/d\0" "2", 5);
	send_msg(XS_DIRECTORY_PART, h.req_id, "6\0y\0", 5); /* "" ends it */
	pump();
	assert_int_equal(d.n, 1);
	assert_int_equal(d.err, 0);
	assert_string_equal(d.text, "x|y");

	/* A part that brings nothing and does not end: -EPROTO. */
	assert_int_equal(pvhv_store_directory_async(F.s, TX, "/d", got_dir, &e),
			 0);
	answer(XS_ERROR, "E2BIG", 6);
	pump();
	answer(0, "6", 2);
	pump();
	assert_int_equal(e.err, -EPROTO);
}

/* Requests pending, then what the store sends breaks the protocol. */
static void garbage(const void *bytes, size_t len, bool reply_first)
{
	struct got g[3];
	struct got late = { 0 };

	memset(g, 0, sizeof(g));
	for (int i = 0; i < 3; i++)
		assert_int_equal(pvhv_store_read_async(F.s, TX, "/a", got_read,
						       &g[i]),
				 0);
	if (reply_first)
		answer(0, "ok", 2);
	send_bytes(bytes, len);
	pump();
	assert_int_equal(pvhv_store_process(F.s), -EPROTO);
	for (int i = reply_first; i < 3; i++) {
		assert_int_equal(g[i].n, 1);
		assert_int_equal(g[i].err, -EPROTO);
	}
	assert_int_equal(pvhv_store_pending(F.s), 0);
	assert_int_equal(pvhv_store_read_async(F.s, TX, "/a", got_read, &late),
			 -EPROTO);
	assert_int_equal(late.n, 0);
	/* The client hung up. */
	{
		char b[64];

		while (read(F.cfd, b, sizeof(b)) > 0)
			;
	}
}

static void garbage_stray_reply(void **state)
{
	struct xsd_sockmsg h = { XS_READ, 0xdead, 0, 0 };

	(void)state;
	garbage(&h, sizeof(h), true);
}

static void garbage_wrong_type(void **state)
{
	struct xsd_sockmsg h;
	char buf[XENSTORE_PAYLOAD_MAX + 1];
	struct got g = { 0 };

	(void)state;
	assert_int_equal(pvhv_store_read_async(F.s, TX, "/a", got_read, &g), 0);
	next_req(&h, buf);
	h.type = XS_WRITE; /* a reply of another type to our READ */
	h.len = 0;
	garbage(&h, sizeof(h), false);
	assert_int_equal(g.err, -EPROTO);
}

static void garbage_too_long(void **state)
{
	struct xsd_sockmsg h = { XS_WATCH_EVENT, 0, 0,
				 XENSTORE_PAYLOAD_MAX + 1 };

	(void)state;
	garbage(&h, sizeof(h), false);
}

static void garbage_unknown_type(void **state)
{
	struct xsd_sockmsg h = { 0x4242, 1, 0, 0 };

	(void)state;
	garbage(&h, sizeof(h), true);
}

static void hangup_midway(void **state)
{
	struct got a = { 0 }, b = { 0 };
	struct xsd_sockmsg h;
	char buf[XENSTORE_PAYLOAD_MAX + 1];

	(void)state;
	assert_int_equal(pvhv_store_read_async(F.s, TX, "/a", got_read, &a), 0);
	assert_int_equal(pvhv_store_read_async(F.s, TX, "/b", got_read, &b), 0);
	next_req(&h, buf);
	h.len = 10;
	send_bytes(&h, sizeof(h));
	send_bytes("half", 4);
	close(F.cfd);
	F.cfd = -1;
	pump();
	assert_int_equal(a.err, -ECONNRESET);
	assert_int_equal(b.err, -ECONNRESET);
	assert_int_equal(pvhv_store_process(F.s), -ECONNRESET);
	/* A blocking call fails at once too. */
	assert_int_equal(pvhv_store_write(F.s, TX, "/a", "1", 1), -ECONNRESET);
}

static void perm_syntax(void **state)
{
	static const char *const bad[] = { "", "n", "x1", "r-1", "r1a",
					   "r65536", "R1", "r 1", "r000001" };
	struct pvhv_store_perm p;
	char buf[8];

	(void)state;
	assert_int_equal(pvhv_store_perm_parse("b65535", &p), 0);
	assert_int_equal(p.id, 65535);
	assert_int_equal(p.perms, PVHV_STORE_PERM_BOTH);
	assert_int_equal(pvhv_store_perm_parse("w2", &p), 0);
	assert_int_equal(p.perms, PVHV_STORE_PERM_WRITE);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(pvhv_store_perm_parse(bad[i], &p), -EINVAL);
	p = (struct pvhv_store_perm){ 65535, PVHV_STORE_PERM_BOTH };
	assert_int_equal(pvhv_store_perm_format(&p, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "b65535");
	assert_int_equal(pvhv_store_perm_format(&p, buf, 4), -ENOSPC);
	p.perms = 4;
	assert_int_equal(pvhv_store_perm_format(&p, buf, sizeof(buf)),
			 -EINVAL);
}

#define CASE(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static const struct CMUnitTest tests[] = {
	CASE(wire_format),	   CASE(error_names),
	CASE(byte_by_byte),	   CASE(bad_payloads),
	CASE(dir_parts),	   CASE(garbage_stray_reply),
	CASE(garbage_wrong_type),  CASE(garbage_too_long),
	CASE(garbage_unknown_type), CASE(hangup_midway),
	cmocka_unit_test(perm_syntax),
};

PV_UNIT_MAIN("libpvhv store client against a fake store", tests)
