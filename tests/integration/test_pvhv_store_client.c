/*
 * libpvhv's store client (pvhv_store_*) and `pvctl store` against a real
 * pvhv:
 *
 *   open_rules       rundir, $XENSTORED_PATH, bad flags, no daemon
 *   in_flight        200 requests queued before any reply is read; the
 *                    callbacks run in order, a failure in the middle
 *                    disturbs nothing, cancelled ones stay silent
 *   backlog          8 MiB of writes queued at once: the fd covers the
 *                    socket's writability until all is sent
 *   blocking_defers  a blocking call keeps other replies and watch events
 *                    for pvhv_store_process(); the fd stays readable
 *   watches          the initial event, children, removal, two watches
 *                    with one token, unwatch silences even received events
 *   domain_watches   @introduceDomain / @releaseDomain with a guest
 *   transactions     a conflict gets -EAGAIN; the helper retries it,
 *                    gives up after its tries, aborts on the body's word
 *   errors           ENOENT, EINVAL, E2BIG (local and the store's),
 *                    unknown transactions; perms round trip
 *   big_directory    a list over one reply's size comes in parts
 *   killed           pvhv killed while requests are in flight and a
 *                    blocking call waits: every callback gets
 *                    -ECONNRESET, later calls fail at once, nothing leaks
 *
 * EACCES cannot happen here (every socket client is dom0); the decoding
 * of every error name is in tests/unit/test_libpvhv_store_fake.c.
 * `pvctl store` is tests/integration/test_pvctl_store.c.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "pvkit/proto/xs_wire.h"

#define TX PVHV_STORE_TX_NONE

static struct hvt t;

static int setup(void **state)
{
	(void)state;
	unsetenv("XENSTORED_PATH");
	return hvt_start(&t, NULL);
}

static int teardown(void **state)
{
	(void)state;
	return hvt_stop(&t);
}

static struct pvhv_store *open_store(void)
{
	struct pvhv_store *s = NULL;

	assert_int_equal(pvhv_store_open(t.rundir, 0, &s), 0);
	assert_non_null(s);
	return s;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run the loop until *count reaches want or timeout_ms passed. */
static void pump_until(struct pvhv_store *s, const int *count, int want,
		       int timeout_ms)
{
	struct pollfd p = { .fd = pvhv_store_fd(s), .events = POLLIN };
	long end = now_ms() + timeout_ms;

	while (*count < want && now_ms() < end) {
		if (poll(&p, 1, 50) > 0)
			assert_true(pvhv_store_process(s) >= 0);
	}
	assert_int_equal(*count, want);
}

/* The loop for a while; nothing may arrive on counter. */
static void pump_quiet(struct pvhv_store *s, const int *count, int ms)
{
	int before = *count;
	struct pollfd p = { .fd = pvhv_store_fd(s), .events = POLLIN };
	long end = now_ms() + ms;

	while (now_ms() < end)
		if (poll(&p, 1, 20) > 0)
			assert_true(pvhv_store_process(s) >= 0);
	assert_int_equal(*count, before);
}

static bool fd_readable(struct pvhv_store *s)
{
	struct pollfd p = { .fd = pvhv_store_fd(s), .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

static void write_str(struct pvhv_store *s, const char *path, const char *v)
{
	assert_int_equal(pvhv_store_write(s, TX, path, v, strlen(v)), 0);
}

static void expect_str(struct pvhv_store *s, const char *path,
			 const char *want)
{
	char *v = NULL;
	size_t len = 0;

	assert_int_equal(pvhv_store_read(s, TX, path, &v, &len), 0);
	assert_string_equal(v, want);
	assert_int_equal(len, strlen(want));
	free(v);
}

/* ---- opening ----------------------------------------------------------------- */

static void open_rules(void **state)
{
	struct pvhv_store *s = NULL;
	char sock[400];

	(void)state;
	assert_int_equal(pvhv_store_open(t.rundir, 1, &s), -EINVAL);
	assert_int_equal(pvhv_store_open("/nonexistent-pvkit", 0, &s),
			 -ENOENT);
	assert_null(s);
	/* NULL: $XENSTORED_PATH first, as libxenstore does. */
	snprintf(sock, sizeof(sock), "%s/xenstored.sock", t.rundir);
	setenv("XENSTORED_PATH", sock, 1);
	assert_int_equal(pvhv_store_open(NULL, 0, &s), 0);
	write_str(s, "/tool/open", "1");
	pvhv_store_close(s);
	setenv("XENSTORED_PATH", "/nonexistent-pvkit/sock", 1);
	assert_int_equal(pvhv_store_open(NULL, 0, &s), -ENOENT);
	/* A run directory beats the variable. */
	assert_int_equal(pvhv_store_open(t.rundir, 0, &s), 0);
	unsetenv("XENSTORED_PATH");
	expect_str(s, "/tool/open", "1");
	/* Relative paths are dom0's home. */
	write_str(s, "rel", "home");
	expect_str(s, "/local/domain/0/rel", "home");
	assert_int_equal(pvhv_store_rm(s, TX, "rel"), 0);
	assert_int_equal(pvhv_store_rm(s, TX, "/tool/open"), 0);
	pvhv_store_close(s);
	pvhv_store_close(NULL);
}

/* ---- asynchronous requests ----------------------------------------------------- */

struct seen {
	int n;		/* callbacks run */
	int order[512]; /* which request each was */
	int err[512];
	char val[512][16];
};

struct tag {
	struct seen *seen;
	int id;
};

static void note(struct tag *g, int err, const char *v)
{
	struct seen *sn = g->seen;

	assert_true(sn->n < 512);
	sn->order[sn->n] = g->id;
	sn->err[sn->n] = err;
	snprintf(sn->val[sn->n], sizeof(sn->val[0]), "%s", v ? v : "");
	sn->n++;
}

static void on_done(struct pvhv_store *s, int err, void *arg)
{
	(void)s;
	note(arg, err, NULL);
}

static void on_read(struct pvhv_store *s, int err, const char *v, size_t len,
		    void *arg)
{
	(void)s;
	if (!err)
		assert_int_equal(strlen(v), len);
	note(arg, err, v);
}

static void in_flight(void **state)
{
	struct pvhv_store *s = open_store();
	static struct tag tags[200];
	struct seen sn = { 0 };
	char path[64], val[16];
	int cancelled = 0;

	(void)state;
	for (int i = 0; i < 200; i++) {
		tags[i] = (struct tag){ &sn, i };
		snprintf(path, sizeof(path), "/tool/fl/%d", i / 2);
		snprintf(val, sizeof(val), "v%d", i / 2);
		if (i == 101) /* one failure in the middle */
			snprintf(path, sizeof(path), "/tool/fl/missing");
		if (i % 2 == 0)
			assert_int_equal(pvhv_store_write_async(
						 s, TX, path, val, strlen(val),
						 on_done, &tags[i]),
					 0);
		else
			assert_int_equal(pvhv_store_read_async(s, TX, path,
							       on_read,
							       &tags[i]),
					 0);
	}
	/* Nothing runs from the calls themselves. */
	assert_int_equal(sn.n, 0);
	assert_int_equal(pvhv_store_pending(s), 200);
	/* Cancelled callbacks stay silent; their requests still go. */
	assert_int_equal(pvhv_store_read_async(s, TX, "/tool/fl/0", on_read,
					       &cancelled),
			 0);
	pvhv_store_cancel(s, &cancelled);
	pump_until(s, &sn.n, 200, 5000);
	for (int i = 0; i < 200; i++) {
		assert_int_equal(sn.order[i], i);
		if (i == 101) {
			assert_int_equal(sn.err[i], -ENOENT);
			continue;
		}
		assert_int_equal(sn.err[i], 0);
		if (i % 2) {
			snprintf(val, sizeof(val), "v%d", i / 2);
			assert_string_equal(sn.val[i], val);
		}
	}
	pump_quiet(s, &sn.n, 100);
	assert_int_equal(pvhv_store_pending(s), 0);
	assert_false(fd_readable(s));
	assert_int_equal(pvhv_store_rm(s, TX, "/tool/fl"), 0);
	pvhv_store_close(s);
}

static void count_done(struct pvhv_store *s, int err, void *arg)
{
	(void)s;
	assert_int_equal(err, 0);
	(*(int *)arg)++;
}

static void backlog(void **state)
{
	struct pvhv_store *s = open_store();
	static char big[4000];
	char path[64];
	int done = 0;

	(void)state;
	memset(big, 'x', sizeof(big));
	/* More than any socket buffer takes at once. */
	for (int i = 0; i < 2000; i++) {
		snprintf(path, sizeof(path), "/tool/bl/%d", i % 50);
		assert_int_equal(pvhv_store_write_async(s, TX, path, big,
							sizeof(big),
							count_done, &done),
				 0);
	}
	pump_until(s, &done, 2000, 20000);
	assert_int_equal(pvhv_store_pending(s), 0);
	/* Again, with a blocking call behind the backlog: it sends all of
	 * it first, and the 2000 replies wait for process(). */
	done = 0;
	for (int i = 0; i < 2000; i++) {
		snprintf(path, sizeof(path), "/tool/bl/%d", i % 50);
		big[0] = (char)('A' + i % 26);
		assert_int_equal(pvhv_store_write_async(s, TX, path, big,
							sizeof(big),
							count_done, &done),
				 0);
	}
	{
		char *v;
		size_t len;

		/* The last write to /tool/bl/49 was i = 1999: 'A' + 23. */
		assert_int_equal(pvhv_store_read(s, TX, "/tool/bl/49", &v,
						 &len),
				 0);
		assert_int_equal(len, sizeof(big));
		assert_int_equal(v[0], 'X');
		free(v);
	}
	assert_int_equal(done, 0);
	assert_int_equal(pvhv_store_pending(s), 2000);
	pump_until(s, &done, 2000, 20000);
	assert_int_equal(pvhv_store_rm(s, TX, "/tool/bl"), 0);
	pvhv_store_close(s);
}

/* ---- watches -------------------------------------------------------------------- */

struct events {
	int n;
	char path[64][128];
	char token[64][64];
	void *arg[64];
};

static struct events ev;

static void on_event(struct pvhv_store *s, const char *path,
		     const char *token, void *arg)
{
	(void)s;
	assert_true(ev.n < 64);
	snprintf(ev.path[ev.n], sizeof(ev.path[0]), "%s", path);
	snprintf(ev.token[ev.n], sizeof(ev.token[0]), "%s", token);
	ev.arg[ev.n] = arg;
	ev.n++;
}

static void expect_ev(int i, const char *path, const char *token, void *arg)
{
	assert_true(i < ev.n);
	assert_string_equal(ev.path[i], path);
	assert_string_equal(ev.token[i], token);
	assert_ptr_equal(ev.arg[i], arg);
}

static void blocking_defers(void **state)
{
	struct pvhv_store *s = open_store();
	struct tag g;
	struct seen sn = { 0 };
	char *v;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	g = (struct tag){ &sn, 7 };
	write_str(s, "/tool/bd", "x");
	assert_int_equal(pvhv_store_read_async(s, TX, "/tool/bd", on_read, &g),
			 0);
	assert_int_equal(pvhv_store_watch(s, "/tool/bd", "t", on_event, s), 0);
	assert_int_equal(pvhv_store_read(s, TX, "/tool/bd", &v, NULL), 0);
	free(v);
	/* The async reply and the initial event wait for process(). */
	assert_int_equal(sn.n, 0);
	assert_int_equal(ev.n, 0);
	assert_true(fd_readable(s));
	assert_int_equal(pvhv_store_process(s), 2);
	assert_int_equal(sn.n, 1);
	assert_string_equal(sn.val[0], "x");
	assert_int_equal(ev.n, 1);
	expect_ev(0, "/tool/bd", "t", s);
	assert_false(fd_readable(s));
	assert_int_equal(pvhv_store_unwatch(s, "/tool/bd", "t"), 0);
	assert_int_equal(pvhv_store_rm(s, TX, "/tool/bd"), 0);
	pvhv_store_close(s);
}

static void watch_done(struct pvhv_store *s, int err, void *arg)
{
	(void)s;
	(void)arg;
	assert_int_equal(err, 0);
}

static void watches(void **state)
{
	struct pvhv_store *s = open_store(), *w = open_store();
	int a, b; /* two watchers' args */

	(void)state;
	memset(&ev, 0, sizeof(ev));
	write_str(s, "/tool/w/x", "1");
	assert_int_equal(pvhv_store_watch_async(w, "/tool/w", "tok", on_event,
						watch_done, &a),
			 0);
	pump_until(w, &ev.n, 1, 5000); /* the initial event */
	expect_ev(0, "/tool/w", "tok", &a);
	/* The same token on a path below: told apart by registration. */
	assert_int_equal(pvhv_store_watch(w, "/tool/w/x", "tok", on_event, &b),
			 0);
	pump_until(w, &ev.n, 2, 5000);
	expect_ev(1, "/tool/w/x", "tok", &b);

	write_str(s, "/tool/w/y", "2"); /* a child: the first watch */
	pump_until(w, &ev.n, 3, 5000);
	expect_ev(2, "/tool/w/y", "tok", &a);
	write_str(s, "/tool/w/x", "3"); /* both watches */
	pump_until(w, &ev.n, 5, 5000);
	assert_string_equal(ev.path[3], "/tool/w/x");
	assert_string_equal(ev.path[4], "/tool/w/x");
	assert_true(ev.arg[3] != ev.arg[4]);
	pump_quiet(w, &ev.n, 100);

	/* Removal fires both again. */
	assert_int_equal(pvhv_store_rm(s, TX, "/tool/w"), 0);
	pump_until(w, &ev.n, 7, 5000);
	assert_true(ev.arg[5] != ev.arg[6]);

	/* Unwatch: silence, even for an event already received. */
	write_str(s, "/tool/w/z", "4");
	usleep(100 * 1000); /* the event is in our socket now */
	assert_int_equal(pvhv_store_unwatch(w, "/tool/w", "tok"), 0);
	pump_quiet(w, &ev.n, 100);
	assert_int_equal(pvhv_store_unwatch(w, "/tool/w", "tok"), -ENOENT);
	write_str(s, "/tool/w/x", "5");
	pump_until(w, &ev.n, 8, 5000); /* only the second watch is left */
	expect_ev(7, "/tool/w/x", "tok", &b);
	assert_int_equal(pvhv_store_unwatch(w, "/tool/w/x", "tok"), 0);
	write_str(s, "/tool/w/x", "6");
	pump_quiet(w, &ev.n, 100);

	/* A watch the store refuses is gone again. */
	assert_int_equal(pvhv_store_watch(w, "/tool/bad path", "t", on_event,
					  NULL),
			 -EINVAL);
	assert_int_equal(pvhv_store_unwatch(w, "/tool/bad path", "t"),
			 -ENOENT);
	assert_int_equal(pvhv_store_rm(s, TX, "/tool/w"), 0);
	pvhv_store_close(s);
	pvhv_store_close(w); /* with no watch left: nothing to free */
}

static void domain_watches(void **state)
{
	struct pvhv_store *w = open_store();
	int intro, rel;
	char home[64];
	domid_t d;
	char *v;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	assert_int_equal(pvhv_store_watch(w, "@introduceDomain", "i", on_event,
					  &intro),
			 0);
	assert_int_equal(pvhv_store_watch(w, "@releaseDomain", "r", on_event,
					  &rel),
			 0);
	pump_until(w, &ev.n, 2, 5000);
	assert_int_equal(hvt_create(&t, "sc", "guest_grant", "ro", NULL, &d),
			 0);
	pump_until(w, &ev.n, 3, 5000);
	expect_ev(2, "@introduceDomain", "i", &intro);
	snprintf(home, sizeof(home), "/local/domain/%u", d);
	assert_int_equal(pvhv_store_read(w, TX, home, &v, NULL), 0);
	free(v);
	assert_int_equal(pvhv_domain_destroy(t.h, d), 0);
	pump_until(w, &ev.n, 4, 5000);
	expect_ev(3, "@releaseDomain", "r", &rel);
	assert_int_equal(pvhv_store_read(w, TX, home, &v, NULL), -ENOENT);
	pvhv_store_close(w); /* with its watches: freed */
}

/* ---- transactions ---------------------------------------------------------------- */

struct body {
	struct pvhv_store *other; /* writes in the way this many times */
	int spoil, runs, ret;
};

static int tx_body(struct pvhv_store *s, uint32_t tx, void *arg)
{
	struct body *b = arg;
	char *v, next[32];
	int rc;

	b->runs++;
	rc = pvhv_store_read(s, tx, "/tool/tx/n", &v, NULL);
	if (rc)
		return rc;
	snprintf(next, sizeof(next), "%ld", strtol(v, NULL, 10) + 1);
	free(v);
	rc = pvhv_store_write(s, tx, "/tool/tx/n", next, strlen(next));
	if (!rc && b->spoil > 0) {
		b->spoil--;
		write_str(b->other, "/tool/tx/n", "100");
	}
	return rc ? rc : b->ret;
}

static void transactions(void **state)
{
	struct pvhv_store *s = open_store(), *o = open_store();
	struct body b = { .other = o };
	uint32_t tx;
	char *v;

	(void)state;
	write_str(s, "/tool/tx/n", "0");
	/* By hand: a conflicting write makes the commit fail. */
	assert_int_equal(pvhv_store_tx_start(s, &tx), 0);
	assert_true(tx != TX);
	assert_int_equal(pvhv_store_read(s, tx, "/tool/tx/n", &v, NULL), 0);
	free(v);
	assert_int_equal(pvhv_store_write(s, tx, "/tool/tx/n", "a", 1), 0);
	expect_str(o, "/tool/tx/n", "0"); /* not visible yet */
	write_str(o, "/tool/tx/n", "b");
	assert_int_equal(pvhv_store_tx_end(s, tx, true), -EAGAIN);
	expect_str(s, "/tool/tx/n", "b");
	assert_int_equal(pvhv_store_tx_end(s, tx, true), -ENOENT); /* gone */
	assert_int_equal(pvhv_store_tx_end(s, TX, true), -EINVAL);

	/* The helper: spoiled once, committed on the second run. */
	write_str(s, "/tool/tx/n", "0");
	b.spoil = 1;
	assert_int_equal(pvhv_store_transaction(s, 0, tx_body, &b), 0);
	assert_int_equal(b.runs, 2);
	expect_str(s, "/tool/tx/n", "101");
	/* Always spoiled: gives up after its tries. */
	b = (struct body){ .other = o, .spoil = 100 };
	assert_int_equal(pvhv_store_transaction(s, 3, tx_body, &b), -EAGAIN);
	assert_int_equal(b.runs, 3);
	/* The body says no: aborted, its answer returned. */
	write_str(s, "/tool/tx/n", "7");
	b = (struct body){ .other = o, .ret = 42 };
	assert_int_equal(pvhv_store_transaction(s, 0, tx_body, &b), 42);
	assert_int_equal(b.runs, 1);
	expect_str(s, "/tool/tx/n", "7");
	b = (struct body){ .other = o, .ret = -EIO };
	assert_int_equal(pvhv_store_transaction(s, 0, tx_body, &b), -EIO);
	expect_str(s, "/tool/tx/n", "7");
	assert_int_equal(pvhv_store_rm(s, TX, "/tool/tx"), 0);
	pvhv_store_close(s);
	pvhv_store_close(o);
}

/* ---- errors ------------------------------------------------------------------------ */

struct raw {
	int n, err;
};

static void on_raw(struct pvhv_store *s, int err, const void *p, size_t len,
		   void *arg)
{
	struct raw *r = arg;

	(void)s;
	(void)p;
	(void)len;
	r->n++;
	r->err = err;
}

static void errors(void **state)
{
	struct pvhv_store *s = open_store();
	static char big[5000];
	struct pvhv_store_perm p[3] = { { 0, PVHV_STORE_PERM_NONE },
					{ 5, PVHV_STORE_PERM_READ },
					{ 7, PVHV_STORE_PERM_BOTH } };
	struct pvhv_store_perm *got;
	unsigned int n;
	char *v, name[64];
	struct raw raw = { 0 };

	(void)state;
	assert_int_equal(pvhv_store_read(s, TX, "/tool/none", &v, NULL),
			 -ENOENT);
	assert_int_equal(pvhv_store_read(s, TX, "/tool/bad path", &v, NULL),
			 -EINVAL);
	assert_int_equal(pvhv_store_write(s, TX, "/tool/a//b", "x", 1),
			 -EINVAL);
	assert_int_equal(pvhv_store_read(s, 12345, "/tool", &v, NULL), -ENOENT);
	memset(big, 'v', sizeof(big));
	assert_int_equal(pvhv_store_write(s, TX, "/tool/big", big, sizeof(big)),
			 -E2BIG); /* never sent */
	assert_int_equal(pvhv_store_pending(s), 0);
	/* The store's own E2BIG: a DIRECTORY reply too long (the typed
	 * call would switch to parts; a raw request shows the error). */
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "/tool/e2/%024d", i);
		assert_int_equal(pvhv_store_write_async(s, TX, name, "", 0,
							NULL, NULL),
				 0);
	}
	assert_int_equal(pvhv_store_request_async(s, XS_DIRECTORY, TX,
						  "/tool/e2", 9, on_raw, &raw),
			 0);
	pump_until(s, &raw.n, 1, 5000);
	assert_int_equal(raw.err, -E2BIG);
	assert_int_equal(pvhv_store_request_async(s, XS_WATCH, TX, "a\0b", 4,
						  on_raw, &raw),
			 -EINVAL);
	assert_int_equal(pvhv_store_rm(s, TX, "/tool/e2"), 0);

	/* Permissions both ways. */
	write_str(s, "/tool/pm", "");
	assert_int_equal(pvhv_store_set_perms(s, TX, "/tool/pm", p, 3), 0);
	assert_int_equal(pvhv_store_get_perms(s, TX, "/tool/pm", &got, &n), 0);
	assert_int_equal(n, 3);
	for (unsigned int i = 0; i < 3; i++) {
		assert_int_equal(got[i].id, p[i].id);
		assert_int_equal(got[i].perms, p[i].perms);
	}
	free(got);
	assert_int_equal(pvhv_store_set_perms(s, TX, "/tool/pm", p, 0), -EINVAL);
	assert_int_equal(pvhv_store_get_perms(s, TX, "/tool/none", &got, &n),
			 -ENOENT);
	assert_int_equal(pvhv_store_rm(s, TX, "/tool/pm"), 0);
	/* mkdir makes an empty node; rm of a missing leaf is fine. */
	assert_int_equal(pvhv_store_mkdir(s, TX, "/tool/md"), 0);
	expect_str(s, "/tool/md", "");
	assert_int_equal(pvhv_store_rm(s, TX, "/tool/md"), 0);
	assert_int_equal(pvhv_store_rm(s, TX, "/tool/none/deeper"), -ENOENT);
	pvhv_store_close(s);
}

/* ---- a long directory ---------------------------------------------------------------- */

static void on_dir(struct pvhv_store *s, int err, const char *const *names,
		   unsigned int n, void *arg)
{
	int *got = arg;

	(void)s;
	assert_int_equal(err, 0);
	for (unsigned int i = 0; i < n; i++) {
		char want[128];

		snprintf(want, sizeof(want), "%0100u", i);
		assert_string_equal(names[i], want);
	}
	*got = (int)n;
}

static void big_directory(void **state)
{
	struct pvhv_store *s = open_store();
	char path[160], **names;
	unsigned int n;
	int got = -1, done = 0;

	(void)state;
	/* 400 names of 100 bytes: ten times what one reply holds. */
	for (unsigned int i = 0; i < 400; i++) {
		snprintf(path, sizeof(path), "/tool/bigdir/%0100u", i);
		assert_int_equal(pvhv_store_write_async(s, TX, path, "", 0,
							count_done, &done),
				 0);
	}
	pump_until(s, &done, 400, 10000);
	assert_int_equal(pvhv_store_directory(s, TX, "/tool/bigdir", &names,
					      &n),
			 0);
	assert_int_equal(n, 400);
	assert_null(names[400]);
	free(names);
	assert_int_equal(pvhv_store_directory_async(s, TX, "/tool/bigdir",
						    on_dir, &got),
			 0);
	pump_until(s, &got, 400, 5000);
	assert_int_equal(pvhv_store_rm(s, TX, "/tool/bigdir"), 0);
	pvhv_store_close(s);
}

/* ---- pvhv dies ----------------------------------------------------------------------- */

struct killed {
	int n, errs;
};

static void killed_done(struct pvhv_store *s, int err, void *arg)
{
	struct killed *k = arg;

	(void)s;
	k->n++;
	k->errs += err == -ECONNRESET;
}

static void killed_read(struct pvhv_store *s, int err, const char *v,
			size_t len, void *arg)
{
	(void)v;
	(void)len;
	killed_done(s, err, arg);
}

static void killed(void **state)
{
	struct hvt k;
	struct pvhv_store *s;
	struct killed kd = { 0 };
	char sock[320];
	pid_t killer;
	char *v;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	assert_int_equal(hvt_start(&k, NULL), 0);
	assert_int_equal(pvhv_store_open(k.rundir, 0, &s), 0);
	assert_int_equal(pvhv_store_watch(s, "/tool", "t", on_event, NULL), 0);
	/* pvhv stops answering; requests pile up, a blocking call waits,
	 * then pvhv is killed under it. */
	kill(k.pid, SIGSTOP);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(pvhv_store_write_async(s, TX, "/tool/k", "1",
							1, killed_done, &kd),
				 0);
		assert_int_equal(pvhv_store_read_async(s, TX, "/tool/k",
						       killed_read, &kd),
				 0);
	}
	killer = fork();
	assert_true(killer >= 0);
	if (killer == 0) {
		usleep(200 * 1000);
		kill(k.pid, SIGKILL);
		_exit(0);
	}
	assert_int_equal(pvhv_store_read(s, TX, "/tool/k", &v, NULL),
			 -ECONNRESET);
	waitpid(killer, NULL, 0);
	assert_int_equal(kd.n, 0); /* owed, delivered by process() */
	assert_int_equal(pvhv_store_pending(s), 40);
	assert_true(fd_readable(s));
	assert_int_equal(pvhv_store_process(s), -ECONNRESET);
	assert_int_equal(kd.n, 40);
	assert_int_equal(kd.errs, 40);
	assert_int_equal(pvhv_store_pending(s), 0);
	assert_false(fd_readable(s));
	/* Later requests fail at once; process() keeps saying why. */
	assert_int_equal(pvhv_store_write(s, TX, "/tool/k", "1", 1),
			 -ECONNRESET);
	assert_int_equal(pvhv_store_read_async(s, TX, "/tool/k", killed_read,
					       &kd),
			 -ECONNRESET);
	assert_int_equal(pvhv_store_watch(s, "/x", "t", on_event, NULL),
			 -ECONNRESET);
	assert_int_equal(pvhv_store_process(s), -ECONNRESET);
	assert_int_equal(kd.n, 40);
	pvhv_store_close(s);

	/* Let the harness clean up what a killed pvhv left. */
	waitpid(k.pid, NULL, 0);
	k.pid = 0;
	snprintf(sock, sizeof(sock), "%s/pvhv.sock", k.rundir);
	unlink(sock);
	snprintf(sock, sizeof(sock), "%s/xenstored.sock", k.rundir);
	unlink(sock);
	assert_int_equal(hvt_stop(&k), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(open_rules),
		cmocka_unit_test(in_flight),
		cmocka_unit_test(backlog),
		cmocka_unit_test(blocking_defers),
		cmocka_unit_test(watches),
		cmocka_unit_test(domain_watches),
		cmocka_unit_test(transactions),
		cmocka_unit_test(errors),
		cmocka_unit_test(big_directory),
		cmocka_unit_test(killed),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("libpvhv store client", tests, setup,
					   teardown);
}
