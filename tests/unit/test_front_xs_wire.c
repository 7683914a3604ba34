/*
 * Unit tests for libpvfront's store client (frontends/lib/xs*.c) against
 * a scripted store (test_front_xs_fake.h): what goes on the ring byte for
 * byte, replies out of order, events among replies, and a store that lies
 * — corrupt indices, oversized headers, replies of the wrong type or shape,
 * a scribbled page.  Needs nothing but the library, so it runs in the
 * cross builds too.  (test_front_xs runs the client against pvhv's real
 * store core.)
 */
#include "test_front_xs_fake.h"

static struct fake f;
static struct pvfront_xs xs;

/* ---- the scripted store ---------------------------------------------------
 */

struct logged {
	struct xsd_sockmsg h;
	char p[XENSTORE_PAYLOAD_MAX + 1];
};

static struct logged req_log[64];
static unsigned int nlog;
static char read_value[XENSTORE_PAYLOAD_MAX];
static size_t read_len;

/* The reply to the next request, when set (type 0: none). */
static struct {
	uint32_t type;
	const char *p;
	size_t len;
} canned;

/* Extra behaviour before the reply: return true to send no reply. */
typedef bool before_fn(const struct xsd_sockmsg *h, const char *p);
static before_fn *before;

static void log_req(const struct xsd_sockmsg *h, const char *p)
{
	struct logged *l = &req_log[nlog++ % 64];

	l->h = *h;
	memcpy(l->p, p, h->len + 1);
}

static void reply(const struct xsd_sockmsg *h, const char *p, size_t len)
{
	fake_msg(&f, h->type, h->req_id, h->tx_id, p, len);
}

static void answer(const struct xsd_sockmsg *h, const char *p)
{
	log_req(h, p);
	if (before && before(h, p))
		return;
	if (canned.type) {
		fake_msg(&f, canned.type, h->req_id, h->tx_id, canned.p,
			 canned.len);
		canned.type = 0;
		return;
	}
	switch (h->type) {
	case XS_READ:
		reply(h, read_value, read_len);
		break;
	case XS_TRANSACTION_START:
		reply(h, P("42\0"));
		break;
	case XS_DIRECTORY:
		reply(h, P("a\0bb\0"));
		break;
	case XS_GET_PERMS:
		reply(h, P("n1\0r2\0"));
		break;
	default:
		reply(h, P("OK\0"));
	}
}

static int serve_std(struct fake *fk)
{
	static char p[XENSTORE_PAYLOAD_MAX + 1];
	struct xsd_sockmsg h = {0};

	if (fake_reconnect(fk))
		return 0;
	while (fake_get_req(fk, &h, p))
		answer(&h, p);
	fake_flush(fk);
	return 0;
}

static void set_read(const char *v)
{
	read_len = strlen(v);
	memcpy(read_value, v, read_len);
}

static void open_at(XENSTORE_RING_IDX start)
{
	fake_init(&f, start);
	f.serve = serve_std;
	assert_int_equal(pvfront_xs_open(&xs, f.pg, &fake_ops, &f, 0), 0);
}

static int setup(void **state)
{
	(void)state;
	nlog = 0;
	canned.type = 0;
	before = NULL;
	set_read("hello");
	open_at(0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pvfront_xs_close(&xs);
	fake_fini(&f);
	return 0;
}

static const struct logged *last_req(void)
{
	assert_true(nlog > 0);
	return &req_log[(nlog - 1) % 64];
}

static struct pvfront_xs_stats stats(void)
{
	struct pvfront_xs_stats st;

	pvfront_xs_stats(&xs, &st);
	return st;
}

/* ---- opening --------------------------------------------------------------
 */

static int nop_notify(void *arg)
{
	(void)arg;
	return 0;
}

static int nop_wait(void *arg, int ms)
{
	(void)arg;
	(void)ms;
	return 0;
}

static void nop_lock(void *arg)
{
	(void)arg;
}

static void open_args(void **state)
{
	struct pvfront_xs_ops no_wait = {.notify = nop_notify};
	struct pvfront_xs_ops half = {
	    .notify = nop_notify, .wait = nop_wait, .lock = nop_lock};
	static struct pvfront_xs h;

	(void)state;
	assert_int_equal(pvfront_xs_open(NULL, f.pg, &fake_ops, &f, 0),
			 -XEN_EINVAL);
	assert_int_equal(pvfront_xs_open(&h, NULL, &fake_ops, &f, 0),
			 -XEN_EINVAL);
	assert_int_equal(pvfront_xs_open(&h, f.pg, NULL, &f, 0), -XEN_EINVAL);
	assert_int_equal(pvfront_xs_open(&h, f.pg, &no_wait, &f, 0),
			 -XEN_EINVAL);
	assert_int_equal(pvfront_xs_open(&h, f.pg, &half, &f, 0), -XEN_EINVAL);
	assert_int_equal(pvfront_xs_open(&h, f.pg, &fake_ops, &f, 2),
			 -XEN_EINVAL);
	pvfront_xs_close(&h); /* after a failed open */
	pvfront_xs_close(NULL);

	/* Corrupt indices at open: refused, unless asked to reset. */
	f.pg->rsp_prod = f.pg->rsp_cons + XENSTORE_RING_SIZE + 1;
	assert_int_equal(pvfront_xs_open(&h, f.pg, &fake_ops, &f, 0), -XEN_EIO);
	f.pg->rsp_prod = f.pg->rsp_cons;
	f.pg->req_cons = f.pg->req_prod + 1;
	assert_int_equal(pvfront_xs_open(&h, f.pg, &fake_ops, &f, 0), -XEN_EIO);
	assert_int_equal(
	    pvfront_xs_open(&h, f.pg, &fake_ops, &f, PVFRONT_XS_OPEN_RESET), 0);
	assert_int_equal(f.pg->req_cons, 0);
	assert_int_equal(f.pg->connection, XENSTORE_CONNECTED);
	assert_int_equal(pvfront_xs_read(&h, 0, "x", NULL, 0), 5);
	pvfront_xs_close(&h);
}

/* ---- requests on the wire -------------------------------------------------
 */

static void read_write(void **state)
{
	char buf[16];
	const struct logged *l;

	(void)state;
	assert_int_equal(pvfront_xs_read(&xs, 0, "name", buf, sizeof(buf)), 5);
	assert_string_equal(buf, "hello");
	l = last_req();
	assert_int_equal(l->h.type, XS_READ);
	assert_int_not_equal(l->h.req_id, 0);
	assert_int_equal(l->h.tx_id, 0);
	assert_int_equal(l->h.len, 5);
	assert_memory_equal(l->p, "name\0", 5);
	assert_true(f.notifies > 0);

	/* Too small a buffer: the full length, the bytes that fit. */
	memset(buf, 'Z', sizeof(buf));
	assert_int_equal(pvfront_xs_read(&xs, 0, "name", buf, 3), 5);
	assert_memory_equal(buf, "helZ", 4);

	assert_int_equal(pvfront_xs_write(&xs, 0, "data/x", "abc", 3), 0);
	l = last_req();
	assert_int_equal(l->h.type, XS_WRITE);
	assert_int_equal(l->h.len, 10);
	assert_memory_equal(l->p, "data/x\0abc", 10);

	assert_int_equal(pvfront_xs_write(&xs, 9, "e", NULL, 0), 0);
	l = last_req();
	assert_int_equal(l->h.tx_id, 9);
	assert_int_equal(l->h.len, 2);

	assert_int_equal(pvfront_xs_mkdir(&xs, 0, "/d"), 0);
	assert_int_equal(last_req()->h.type, XS_MKDIR);
	assert_int_equal(pvfront_xs_rm(&xs, 3, "/d"), 0);
	assert_int_equal(last_req()->h.type, XS_RM);
	assert_int_equal(last_req()->h.tx_id, 3);
	assert_memory_equal(last_req()->p, "/d\0", 3);
}

/* Indices start just below 2^32 and away from the ring's start; a 4000
 * byte request and a 4096 byte reply stream through the 1 KiB rings in
 * 300 / 333 byte steps. */
static void big_and_wrapping(void **state)
{
	static char big[4000], out[XENSTORE_PAYLOAD_MAX + 1];
	const struct logged *l;
	size_t i;

	(void)state;
	teardown(state);
	open_at(0xfffffc10u);
	f.req_chunk = 300;
	f.rsp_chunk = 333;
	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	assert_int_equal(pvfront_xs_write(&xs, 0, "big", big, sizeof(big)), 0);
	l = last_req();
	assert_int_equal(l->h.len, 4 + sizeof(big));
	assert_memory_equal(l->p + 4, big, sizeof(big));

	for (i = 0; i < XENSTORE_PAYLOAD_MAX; i++)
		read_value[i] = (char)(i * 7);
	read_len = XENSTORE_PAYLOAD_MAX;
	assert_int_equal(pvfront_xs_read(&xs, 0, "big", out, sizeof(out)),
			 XENSTORE_PAYLOAD_MAX);
	assert_memory_equal(out, read_value, XENSTORE_PAYLOAD_MAX);
	assert_true(f.pg->req_prod < 0x10000u); /* wrapped */
	assert_true(f.pg->rsp_cons < 0x10000u);
	assert_int_equal(f.pg->rsp_cons, f.pg->rsp_prod);
}

/* A reply that fills rsp[] to the last byte, then many that overflow it
 * while the client reads. */
static void full_rsp_ring(void **state)
{
	static char out[XENSTORE_PAYLOAD_MAX];
	struct pvfront_xs_req r[6];
	static char bufs[6][400];
	int i;

	(void)state;
	memset(read_value, 'q', XENSTORE_RING_SIZE - PV_XS_HDR_SIZE);
	read_len = XENSTORE_RING_SIZE - PV_XS_HDR_SIZE;
	assert_int_equal(pvfront_xs_read(&xs, 0, "a", out, sizeof(out)),
			 XENSTORE_RING_SIZE - PV_XS_HDR_SIZE);

	read_len = 390;
	for (i = 0; i < 6; i++) {
		pvfront_xs_req_init(&r[i], XS_READ, 0, bufs[i],
				    sizeof(bufs[i]));
		pvfront_xs_req_add_str(&r[i], "k");
		assert_int_equal(pvfront_xs_submit(&xs, &r[i], NULL, NULL), 0);
	}
	/* The store answers all six at once: 2436 bytes for a 1 KiB ring. */
	serve_std(&f);
	assert_int_equal(f.pg->rsp_prod - f.pg->rsp_cons, XENSTORE_RING_SIZE);
	for (i = 0; i < 6; i++) {
		assert_int_equal(pvfront_xs_wait_req(&xs, &r[i]), 0);
		assert_int_equal(pvfront_xs_req_len(&r[i]), 390);
		assert_memory_equal(bufs[i], read_value, 390);
	}
}

/* ---- several requests in flight -------------------------------------------
 */

static unsigned int done_order[8], ndone;

static void on_done(struct pvfront_xs *h, struct pvfront_xs_req *req,
		    int status, void *arg)
{
	(void)h;
	(void)req;
	assert_int_equal(status, 0);
	done_order[ndone++] = (unsigned int)(uintptr_t)arg;
}

static void out_of_order(void **state)
{
	static char p[3][XENSTORE_PAYLOAD_MAX + 1];
	struct xsd_sockmsg h[3] = {{0}};
	struct pvfront_xs_req r[3];
	char bufs[3][8];
	const char *paths[3] = {"a", "b", "c"};
	int i;

	(void)state;
	ndone = 0;
	for (i = 0; i < 3; i++) {
		pvfront_xs_req_init(&r[i], XS_READ, 0, bufs[i],
				    sizeof(bufs[i]));
		pvfront_xs_req_add_str(&r[i], paths[i]);
		assert_int_equal(pvfront_xs_submit(&xs, &r[i], on_done,
						   (void *)(uintptr_t)i),
				 0);
		assert_int_equal(pvfront_xs_req_status(&xs, &r[i]),
				 PVFRONT_XS_PENDING);
	}
	assert_int_not_equal(pvfront_xs_req_id(&r[0]),
			     pvfront_xs_req_id(&r[1]));
	assert_int_not_equal(pvfront_xs_req_id(&r[1]),
			     pvfront_xs_req_id(&r[2]));
	for (i = 0; i < 3; i++)
		assert_true(fake_get_req(&f, &h[i], p[i]));
	/* Answer c, a, b: each value names its path. */
	fake_msg(&f, XS_READ, h[2].req_id, 0, P("vc"));
	fake_msg(&f, XS_READ, h[0].req_id, 0, P("va"));
	fake_msg(&f, XS_READ, h[1].req_id, 0, P("vb"));
	fake_flush(&f);
	assert_int_equal(pvfront_xs_pump(&xs), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(pvfront_xs_req_status(&xs, &r[i]), 0);
		assert_int_equal(pvfront_xs_req_len(&r[i]), 2);
		assert_int_equal(bufs[i][1], paths[i][0]);
	}
	assert_int_equal(ndone, 3);
	assert_int_equal(done_order[0], 2);
	assert_int_equal(done_order[1], 0);
	assert_int_equal(done_order[2], 1);
}

static struct pvfront_xs_req again_req;
static char again_buf[8];
static int again_left;

static void on_again(struct pvfront_xs *h, struct pvfront_xs_req *req,
		     int status, void *arg)
{
	(void)arg;
	assert_int_equal(status, 0);
	if (again_left-- <= 0)
		return;
	pvfront_xs_req_init(req, XS_READ, 0, again_buf, sizeof(again_buf));
	pvfront_xs_req_add_str(req, "again");
	assert_int_equal(pvfront_xs_submit(h, req, on_again, NULL), 0);
}

static void async_api(void **state)
{
	static char big[XENSTORE_PAYLOAD_MAX + 1];
	struct pvfront_xs_req r, r2;

	(void)state;
	/* Payload errors show at submit. */
	pvfront_xs_req_init(&r, XS_WRITE, 0, NULL, 0);
	pvfront_xs_req_add_str(&r, NULL);
	assert_int_equal(pvfront_xs_submit(&xs, &r, NULL, NULL), -XEN_EINVAL);
	pvfront_xs_req_init(&r, XS_WRITE, 0, NULL, 0);
	for (int i = 0; i < 5; i++)
		pvfront_xs_req_add(&r, "x", 1);
	assert_int_equal(pvfront_xs_submit(&xs, &r, NULL, NULL), -XEN_EINVAL);
	pvfront_xs_req_init(&r, XS_WRITE, 0, NULL, 0);
	pvfront_xs_req_add_str(&r, "p");
	pvfront_xs_req_add(&r, big, XENSTORE_PAYLOAD_MAX - 1);
	assert_int_equal(pvfront_xs_submit(&xs, &r, NULL, NULL), -XEN_E2BIG);
	memset(big, 'a', sizeof(big));
	pvfront_xs_req_init(&r, XS_WRITE, 0, NULL, 0);
	pvfront_xs_req_add_str(&r, big); /* no NUL within a payload */
	assert_int_equal(pvfront_xs_submit(&xs, &r, NULL, NULL), -XEN_E2BIG);

	/* In flight twice: refused; completed: needs init again. */
	f.serve = NULL;
	pvfront_xs_req_init(&r, XS_MKDIR, 0, NULL, 0);
	pvfront_xs_req_add_str(&r, "m");
	assert_int_equal(pvfront_xs_submit(&xs, &r, NULL, NULL), 0);
	assert_int_equal(pvfront_xs_submit(&xs, &r, NULL, NULL), -XEN_EBUSY);
	serve_std(&f);
	assert_int_equal(pvfront_xs_pump(&xs), 0);
	assert_int_equal(pvfront_xs_req_status(&xs, &r), 0);
	assert_int_equal(pvfront_xs_req_len(&r), 3);
	assert_int_equal(pvfront_xs_submit(&xs, &r, NULL, NULL), -XEN_EINVAL);

	/* A callback that submits its request again, twice. */
	again_left = 2;
	pvfront_xs_req_init(&again_req, XS_READ, 0, again_buf,
			    sizeof(again_buf));
	pvfront_xs_req_add_str(&again_req, "again");
	assert_int_equal(pvfront_xs_submit(&xs, &again_req, on_again, NULL), 0);
	f.serve = serve_std;
	/* A sync call pumps the ring, and so runs the callbacks. */
	pvfront_xs_req_init(&r2, XS_MKDIR, 0, NULL, 0);
	pvfront_xs_req_add_str(&r2, "n");
	assert_int_equal(pvfront_xs_submit(&xs, &r2, NULL, NULL), 0);
	assert_int_equal(pvfront_xs_wait_req(&xs, &r2), 0);
	while (again_left >= 0) {
		assert_int_equal(pvfront_xs_pump(&xs), 0);
		serve_std(&f);
	}
	assert_int_equal(pvfront_xs_req_status(&xs, &again_req), 0);
	assert_string_equal(again_buf, "hello");
}

/* ---- watch events ---------------------------------------------------------
 */

static bool events_around(const struct xsd_sockmsg *h, const char *p)
{
	(void)p;
	if (h->type != XS_READ)
		return false;
	fake_msg(&f, XS_WATCH_EVENT, 0, 0, P("w/1\0t1\0"));
	fake_msg(&f, XS_WATCH_EVENT, 0, 0, P("/abs/2\0t2\0"));
	reply(h, read_value, read_len);
	fake_msg(&f, XS_WATCH_EVENT, 0, 0, P("w/3\0t3\0"));
	return true;
}

static void expect_event(const char *path, const char *token)
{
	char buf[PVFRONT_XS_EVENT_MAX];
	struct pvfront_xs_event ev;

	assert_int_equal(pvfront_xs_next_event(&xs, buf, sizeof(buf), &ev), 0);
	assert_string_equal(ev.path, path);
	assert_string_equal(ev.token, token);
}

static void no_event(void)
{
	char buf[64];
	struct pvfront_xs_event ev;

	assert_int_equal(pvfront_xs_next_event(&xs, buf, sizeof(buf), &ev),
			 -XEN_EAGAIN);
}

static void events_interleaved(void **state)
{
	char buf[16];

	(void)state;
	no_event();
	assert_int_equal(pvfront_xs_watch(&xs, "w", "t1"), 0);
	assert_int_equal(last_req()->h.type, XS_WATCH);
	assert_int_equal(last_req()->h.len, 5);
	assert_memory_equal(last_req()->p, "w\0t1\0", 5);
	before = events_around;
	assert_int_equal(pvfront_xs_read(&xs, 0, "x", buf, sizeof(buf)), 5);
	expect_event("w/1", "t1");
	expect_event("/abs/2", "t2");
	expect_event("w/3", "t3");
	no_event();
	assert_int_equal(pvfront_xs_unwatch(&xs, "w", "t1"), 0);
	assert_int_equal(last_req()->h.type, XS_UNWATCH);
}

static int event_later(struct fake *fk)
{
	if (fk->waits == 3)
		fake_msg(fk, XS_WATCH_EVENT, 0, 0, P("late\0tok\0"));
	fake_flush(fk);
	return 0;
}

static void wait_event(void **state)
{
	char buf[PVFRONT_XS_EVENT_MAX];
	struct pvfront_xs_event ev;

	(void)state;
	f.waits = 0;
	f.serve = event_later;
	assert_int_equal(pvfront_xs_wait_event(&xs, buf, sizeof(buf), &ev), 0);
	assert_string_equal(ev.path, "late");
	assert_string_equal(ev.token, "tok");
	assert_int_equal(f.waits, 3);
	/* Nothing comes: the handle's timeout ends the wait. */
	f.serve = NULL;
	pvfront_xs_set_timeout(&xs, 10);
	assert_int_equal(pvfront_xs_wait_event(&xs, buf, sizeof(buf), &ev),
			 -XEN_ETIMEDOUT);
}

static bool flood(const struct xsd_sockmsg *h, const char *p)
{
	static char ev[1008];

	(void)p;
	if (h->type != XS_READ)
		return false;
	/* 40 events of 1008 bytes each: eight fit the queue. */
	memset(ev, 'e', sizeof(ev));
	memcpy(ev + 1000, "\0tok-00", 8);
	for (int i = 0; i < 40; i++) {
		ev[1005] = (char)('0' + i / 10);
		ev[1006] = (char)('0' + i % 10);
		fake_msg(&f, XS_WATCH_EVENT, 0, 0, ev, sizeof(ev));
	}
	reply(h, read_value, read_len);
	return true;
}

static void event_overflow(void **state)
{
	char buf[PVFRONT_XS_EVENT_MAX], small[100];
	struct pvfront_xs_event ev;
	int i;

	(void)state;
	before = flood;
	assert_int_equal(pvfront_xs_read(&xs, 0, "x", NULL, 0), 5);
	/* Too small a buffer leaves the event queued. */
	assert_int_equal(pvfront_xs_next_event(&xs, small, sizeof(small), &ev),
			 -XEN_ENOSPC);
	for (i = 0; i < 8; i++) {
		assert_int_equal(
		    pvfront_xs_next_event(&xs, buf, sizeof(buf), &ev), 0);
		assert_int_equal(strlen(ev.path), 1000);
		assert_int_equal(ev.token[4], '0' + i / 10);
		assert_int_equal(ev.token[5], '0' + i % 10);
	}
	assert_int_equal(pvfront_xs_next_event(&xs, buf, sizeof(buf), &ev),
			 -XEN_ENOBUFS);
	no_event();
	assert_int_equal(stats().lost_events, 32);
	/* The queue works again afterwards. */
	before = events_around;
	assert_int_equal(pvfront_xs_read(&xs, 0, "x", NULL, 0), 5);
	expect_event("w/1", "t1");
}

/* An event half on the ring while the caller empties the queue: the
 * rest still lands in the right place. */
static void event_split(void **state)
{
	static char big[600];
	char buf[PVFRONT_XS_EVENT_MAX];
	struct pvfront_xs_event ev;

	(void)state;
	memset(big, 'p', sizeof(big));
	memcpy(big + sizeof(big) - 5, "\0tk\0", 5);
	fake_msg(&f, XS_WATCH_EVENT, 0, 0, P("first\0t\0"));
	fake_msg(&f, XS_WATCH_EVENT, 0, 0, big, sizeof(big));
	f.rsp_chunk = 300;
	fake_flush(&f);
	expect_event("first", "t");
	assert_int_equal(pvfront_xs_next_event(&xs, buf, sizeof(buf), &ev),
			 -XEN_EAGAIN);
	fake_flush(&f);
	fake_flush(&f);
	assert_int_equal(pvfront_xs_next_event(&xs, buf, sizeof(buf), &ev), 0);
	assert_int_equal(strlen(ev.path), sizeof(big) - 5);
	assert_int_equal(ev.path[0], 'p');
	assert_string_equal(ev.token, "tk");
	no_event();
	assert_int_equal(stats().bad_events, 0);
}

static bool bad_events(const struct xsd_sockmsg *h, const char *p)
{
	(void)p;
	if (h->type != XS_READ)
		return false;
	fake_msg(&f, XS_WATCH_EVENT, 0, 0, P("no-nul"));
	fake_msg(&f, XS_WATCH_EVENT, 0, 0, P("one\0"));
	fake_msg(&f, XS_WATCH_EVENT, 0, 0, NULL, 0);
	fake_msg(&f, XS_WATCH_EVENT, 0, 0, P("good\0t\0"));
	reply(h, read_value, read_len);
	return true;
}

static void malformed_events(void **state)
{
	(void)state;
	before = bad_events;
	assert_int_equal(pvfront_xs_read(&xs, 0, "x", NULL, 0), 5);
	expect_event("good", "t");
	no_event();
	assert_int_equal(stats().bad_events, 3);
}

/* ---- the store's verdicts -------------------------------------------------
 */

static void can(uint32_t type, const char *p, size_t len)
{
	canned.type = type;
	canned.p = p;
	canned.len = len;
}

static void error_replies(void **state)
{
	static char longname[100];
	uint32_t tx;

	(void)state;
	can(XS_ERROR, P("EACCES\0"));
	assert_int_equal(pvfront_xs_read(&xs, 0, "x", NULL, 0), -XEN_EACCES);
	can(XS_ERROR, P("ENOENT\0"));
	assert_int_equal(pvfront_xs_rm(&xs, 0, "x"), -XEN_ENOENT);
	can(XS_ERROR, P("ENOSPC\0"));
	assert_int_equal(pvfront_xs_write(&xs, 0, "x", "1", 1), -XEN_ENOSPC);
	can(XS_ERROR, P("E2BIG\0"));
	assert_int_equal(pvfront_xs_watch(&xs, "x", "t"), -XEN_E2BIG);
	can(XS_ERROR, P("EAGAIN\0"));
	assert_int_equal(pvfront_xs_transaction_end(&xs, 5, true), -XEN_EAGAIN);
	can(XS_ERROR, P("EWHAT\0"));
	assert_int_equal(pvfront_xs_mkdir(&xs, 0, "x"), -XEN_EINVAL);
	memset(longname, 'E', sizeof(longname));
	can(XS_ERROR, longname, sizeof(longname));
	assert_int_equal(pvfront_xs_transaction_start(&xs, &tx), -XEN_EINVAL);
	can(XS_ERROR, NULL, 0);
	assert_int_equal(pvfront_xs_read(&xs, 0, "x", NULL, 0), -XEN_EINVAL);
	/* None of that hurt the ring. */
	assert_int_equal(pvfront_xs_read(&xs, 0, "x", NULL, 0), 5);
}

static bool stray_first(const struct xsd_sockmsg *h, const char *p)
{
	(void)p;
	fake_msg(&f, h->type, h->req_id + 1000, 0, P("stray"));
	fake_msg(&f, h->type, 0, 0, P("zero"));
	before = NULL;
	return false;
}

static void unexpected_and_wrong(void **state)
{
	char buf[16];

	(void)state;
	before = stray_first;
	assert_int_equal(pvfront_xs_read(&xs, 0, "x", buf, sizeof(buf)), 5);
	assert_string_equal(buf, "hello");
	assert_int_equal(stats().unexpected, 2);

	/* A reply of the wrong type, or of an unknown one: this request
	 * fails, the ring goes on. */
	can(XS_WRITE, P("OK\0"));
	assert_int_equal(pvfront_xs_read(&xs, 0, "x", NULL, 0), -XEN_EIO);
	can(99, P("OK\0"));
	assert_int_equal(pvfront_xs_read(&xs, 0, "x", NULL, 0), -XEN_EIO);
	assert_int_equal(stats().bad_replies, 2);
	assert_int_equal(pvfront_xs_read(&xs, 0, "x", NULL, 0), 5);
}

static void bad_shapes(void **state)
{
	char buf[64];
	const char *names[4];
	struct pvfront_xs_perm perms[4];
	uint32_t tx = 0;

	(void)state;
	can(XS_WRITE, P("KO\0"));
	assert_int_equal(pvfront_xs_write(&xs, 0, "x", "1", 1), -XEN_EIO);
	can(XS_MKDIR, P("OK"));
	assert_int_equal(pvfront_xs_mkdir(&xs, 0, "x"), -XEN_EIO);
	can(XS_TRANSACTION_START, P("abc\0"));
	assert_int_equal(pvfront_xs_transaction_start(&xs, &tx), -XEN_EIO);
	can(XS_TRANSACTION_START, P("0\0"));
	assert_int_equal(pvfront_xs_transaction_start(&xs, &tx), -XEN_EIO);
	can(XS_TRANSACTION_START, P("12"));
	assert_int_equal(pvfront_xs_transaction_start(&xs, &tx), -XEN_EIO);
	can(XS_TRANSACTION_START, P("4294967296\0"));
	assert_int_equal(pvfront_xs_transaction_start(&xs, &tx), -XEN_EIO);
	can(XS_TRANSACTION_START, P("99999999999999\0"));
	assert_int_equal(pvfront_xs_transaction_start(&xs, &tx), -XEN_EIO);
	can(XS_DIRECTORY, P("a\0bb"));
	assert_int_equal(
	    pvfront_xs_directory(&xs, 0, "d", buf, sizeof(buf), names, 4),
	    -XEN_EIO);
	can(XS_GET_PERMS, P("x1\0"));
	assert_int_equal(pvfront_xs_get_perms(&xs, 0, "p", perms, 4), -XEN_EIO);
	can(XS_GET_PERMS, NULL, 0);
	assert_int_equal(pvfront_xs_get_perms(&xs, 0, "p", perms, 4), -XEN_EIO);
	can(XS_GET_PERMS, P("r\0"));
	assert_int_equal(pvfront_xs_get_perms(&xs, 0, "p", perms, 4), -XEN_EIO);
	can(XS_GET_PERMS, P("n70000\0"));
	assert_int_equal(pvfront_xs_get_perms(&xs, 0, "p", perms, 4), -XEN_EIO);
	can(XS_GET_PERMS, P("n1\0r2"));
	assert_int_equal(pvfront_xs_get_perms(&xs, 0, "p", perms, 4), -XEN_EIO);
	assert_int_equal(stats().bad_replies, 13);
	assert_int_equal(tx, 0);
}

static void directory(void **state)
{
	char buf[64];
	const char *names[4];

	(void)state;
	assert_int_equal(
	    pvfront_xs_directory(&xs, 0, "d", buf, sizeof(buf), names, 4), 2);
	assert_string_equal(names[0], "a");
	assert_string_equal(names[1], "bb");
	assert_int_equal(last_req()->h.type, XS_DIRECTORY);
	assert_int_equal(
	    pvfront_xs_directory(&xs, 0, "d", buf, sizeof(buf), names, 1),
	    -XEN_E2BIG);
	assert_int_equal(pvfront_xs_directory(&xs, 0, "d", buf, 4, names, 4),
			 -XEN_ENOSPC);
	can(XS_DIRECTORY, NULL, 0);
	assert_int_equal(
	    pvfront_xs_directory(&xs, 0, "d", buf, sizeof(buf), names, 4), 0);
}

static void perms(void **state)
{
	struct pvfront_xs_perm p[4];
	const struct pvfront_xs_perm set[3] = {
	    {5, PVFRONT_XS_PERM_NONE},
	    {0, PVFRONT_XS_PERM_READ},
	    {65535, PVFRONT_XS_PERM_BOTH},
	};
	const struct pvfront_xs_perm bad = {1, 4};

	(void)state;
	can(XS_GET_PERMS, P("n1\0r2\0b0\0w65535\0"));
	assert_int_equal(pvfront_xs_get_perms(&xs, 0, "p", p, 4), 4);
	assert_int_equal(p[0].id, 1);
	assert_int_equal(p[0].perms, PVFRONT_XS_PERM_NONE);
	assert_int_equal(p[1].perms, PVFRONT_XS_PERM_READ);
	assert_int_equal(p[2].perms, PVFRONT_XS_PERM_BOTH);
	assert_int_equal(p[3].id, 65535);
	assert_int_equal(p[3].perms, PVFRONT_XS_PERM_WRITE);
	assert_int_equal(pvfront_xs_get_perms(&xs, 0, "p", p, 1), -XEN_E2BIG);

	assert_int_equal(pvfront_xs_set_perms(&xs, 7, "p", set, 3), 0);
	assert_int_equal(last_req()->h.type, XS_SET_PERMS);
	assert_int_equal(last_req()->h.tx_id, 7);
	assert_int_equal(last_req()->h.len, 15);
	assert_memory_equal(last_req()->p, "p\0n5\0r0\0b65535\0", 15);
	assert_int_equal(pvfront_xs_set_perms(&xs, 0, "p", set, 0),
			 -XEN_EINVAL);
	assert_int_equal(pvfront_xs_set_perms(&xs, 0, "p", &bad, 1),
			 -XEN_EINVAL);
}

static void transactions(void **state)
{
	uint32_t tx;

	(void)state;
	assert_int_equal(pvfront_xs_transaction_start(&xs, &tx), 0);
	assert_int_equal(tx, 42);
	assert_int_equal(last_req()->h.len, 1);
	assert_int_equal(pvfront_xs_write(&xs, tx, "k", "v", 1), 0);
	assert_int_equal(last_req()->h.tx_id, 42);
	assert_int_equal(pvfront_xs_transaction_end(&xs, tx, true), 0);
	assert_int_equal(last_req()->h.type, XS_TRANSACTION_END);
	assert_int_equal(last_req()->h.tx_id, 42);
	assert_memory_equal(last_req()->p, "T\0", 2);
	assert_int_equal(pvfront_xs_transaction_end(&xs, tx, false), 0);
	assert_memory_equal(last_req()->p, "F\0", 2);
}

/* ---- a lying store --------------------------------------------------------
 */

static int lie_mode;

static bool lie(const struct xsd_sockmsg *h, const char *p)
{
	struct xsd_sockmsg big = {XS_READ, h->req_id, 0, 5000};

	(void)p;
	switch (lie_mode) {
	case 0: /* more bytes than the ring holds */
		fake_st(&f.pg->rsp_prod,
			f.pg->rsp_cons + XENSTORE_RING_SIZE + 1);
		break;
	case 1: /* rsp_prod behind rsp_cons */
		fake_st(&f.pg->rsp_prod, f.pg->rsp_cons - 1);
		break;
	case 2: /* req_cons past req_prod: set by the test itself */
		break;
	case 3: /* a header over the payload limit */
		fake_put(&f, &big, sizeof(big));
		fake_flush(&f);
		break;
	case 4:
		f.pg->error = XENSTORE_ERROR_PROTO;
		break;
	}
	return true;
}

static void lying_store(void **state)
{
	struct pvfront_xs_req r;
	char buf[16];

	(void)state;
	before = lie;
	for (lie_mode = 0; lie_mode < 5; lie_mode++) {
		/* A request in flight fails along with the broken ring. */
		f.serve = NULL;
		pvfront_xs_req_init(&r, XS_MKDIR, 0, NULL, 0);
		pvfront_xs_req_add_str(&r, "inflight");
		assert_int_equal(pvfront_xs_submit(&xs, &r, NULL, NULL), 0);
		f.serve = serve_std;
		if (lie_mode == 2) {
			/* checked when there is something to send */
			fake_st(&f.pg->req_cons, f.pg->req_prod + 4);
			assert_int_equal(pvfront_xs_mkdir(&xs, 0, "y"),
					 -XEN_EIO);
		} else {
			assert_int_equal(
			    pvfront_xs_read(&xs, 0, "x", buf, sizeof(buf)),
			    -XEN_EIO);
		}
		assert_int_equal(pvfront_xs_req_status(&xs, &r), -XEN_EIO);
		/* Broken until reset: refused without touching the ring. */
		nlog = 0;
		assert_int_equal(pvfront_xs_read(&xs, 0, "x", NULL, 0),
				 -XEN_EIO);
		assert_int_equal(pvfront_xs_pump(&xs), -XEN_EIO);
		assert_int_equal(nlog, 0);
		assert_int_equal(pvfront_xs_reset(&xs), 0);
		before = NULL;
		assert_int_equal(pvfront_xs_read(&xs, 0, "x", buf, sizeof(buf)),
				 5);
		before = lie;
	}
}

/* ---- reset and timeouts ---------------------------------------------------
 */

static void reset(void **state)
{
	static char fill[XENSTORE_RING_SIZE - PV_XS_HDR_SIZE - 2];
	struct pvfront_xs_req a, b;
	char buf[16];

	(void)state;
	/* a fills req[] exactly, so b has not started when the reset
	 * comes: a fails, b goes out on the fresh ring. */
	f.serve = NULL;
	memset(fill, 'f', sizeof(fill));
	pvfront_xs_req_init(&a, XS_WRITE, 0, NULL, 0);
	pvfront_xs_req_add_str(&a, "a");
	pvfront_xs_req_add(&a, fill, sizeof(fill));
	assert_int_equal(pvfront_xs_submit(&xs, &a, NULL, NULL), 0);
	assert_int_equal(f.pg->req_prod - f.pg->req_cons, XENSTORE_RING_SIZE);
	pvfront_xs_req_init(&b, XS_READ, 0, buf, sizeof(buf));
	pvfront_xs_req_add_str(&b, "b");
	assert_int_equal(pvfront_xs_submit(&xs, &b, NULL, NULL), 0);
	f.serve = serve_std;
	assert_int_equal(pvfront_xs_reset(&xs), 0);
	assert_int_equal(pvfront_xs_req_status(&xs, &a), -XEN_ENOTCONN);
	assert_int_equal(pvfront_xs_wait_req(&xs, &b), 0);
	assert_int_equal(pvfront_xs_req_len(&b), 5);
	assert_int_equal(f.pg->req_prod, PV_XS_HDR_SIZE + 2);

	/* A store that never answers: the reset times out, the ring stays
	 * broken. */
	f.reconnect_ok = false;
	f.serve = NULL;
	pvfront_xs_set_timeout(&xs, 5);
	assert_int_equal(pvfront_xs_reset(&xs), -XEN_ETIMEDOUT);
	assert_int_equal(pvfront_xs_read(&xs, 0, "x", NULL, 0), -XEN_EIO);
	f.reconnect_ok = true;
	f.serve = serve_std;
	assert_int_equal(pvfront_xs_reset(&xs), 0);
	assert_int_equal(pvfront_xs_read(&xs, 0, "x", NULL, 0), 5);

	/* No reconnection feature: no reset. */
	f.pg->server_features = 0;
	assert_int_equal(pvfront_xs_reset(&xs), -XEN_ENOSYS);
	assert_int_equal(pvfront_xs_read(&xs, 0, "x", NULL, 0), 5);
}

static void timeouts(void **state)
{
	static char p[XENSTORE_PAYLOAD_MAX + 1], big[2000];
	struct xsd_sockmsg h = {0};
	struct pvfront_xs_req a, b;

	(void)state;
	/* Sent in full, never answered: withdrawn; the late reply is
	 * dropped. */
	f.serve = NULL;
	pvfront_xs_set_timeout(&xs, 0);
	assert_int_equal(pvfront_xs_read(&xs, 0, "x", NULL, 0), -XEN_ETIMEDOUT);
	assert_true(fake_get_req(&f, &h, p));
	fake_msg(&f, XS_READ, h.req_id, 0, P("late"));
	fake_flush(&f);
	f.serve = serve_std;
	assert_int_equal(pvfront_xs_read(&xs, 0, "x", NULL, 0), 5);
	assert_int_equal(stats().unexpected, 1);

	/* Cancel a request that has not started: the ring is fine. */
	f.serve = NULL;
	memset(big, 'b', sizeof(big));
	pvfront_xs_req_init(&a, XS_WRITE, 0, NULL, 0);
	pvfront_xs_req_add_str(&a, "a");
	pvfront_xs_req_add(&a, big, XENSTORE_RING_SIZE - PV_XS_HDR_SIZE - 2);
	assert_int_equal(pvfront_xs_submit(&xs, &a, NULL, NULL), 0);
	pvfront_xs_req_init(&b, XS_READ, 0, NULL, 0);
	pvfront_xs_req_add_str(&b, "b");
	assert_int_equal(pvfront_xs_submit(&xs, &b, on_done, NULL), 0);
	pvfront_xs_cancel(&xs, &b);
	assert_int_equal(pvfront_xs_req_status(&xs, &b), -XEN_ENOTCONN);
	f.serve = serve_std;
	assert_int_equal(pvfront_xs_wait_req(&xs, &a), 0);

	/* A request half on the ring when the time runs out: it cannot be
	 * taken back, so the ring is broken. */
	f.serve = NULL;
	assert_int_equal(pvfront_xs_write(&xs, 0, "w", big, sizeof(big)),
			 -XEN_ETIMEDOUT);
	f.serve = serve_std;
	assert_int_equal(pvfront_xs_read(&xs, 0, "x", NULL, 0), -XEN_EIO);
	assert_int_equal(pvfront_xs_reset(&xs), 0);
	assert_int_equal(pvfront_xs_read(&xs, 0, "x", NULL, 0), 5);
}

/* ---- a scribbled page -----------------------------------------------------
 */

static unsigned int scribble_steps;

static uint32_t rnd(void)
{
	static uint32_t s = 12345;

	s ^= s << 13;
	s ^= s >> 17;
	s ^= s << 5;
	return s;
}

/* Mostly a store, sometimes random bytes anywhere on the page (indices
 * included) or on the response ring; gives up after a few steps. */
static int serve_scribble(struct fake *fk)
{
	uint8_t *page = (uint8_t *)fk->pg;
	uint32_t i, n, at;
	uint8_t junk[64];

	if (++scribble_steps > 20)
		return -XEN_ETIMEDOUT;
	switch (rnd() % 4) {
	case 0:
		n = 1 + rnd() % 16;
		at = rnd() % (uint32_t)sizeof(*fk->pg);
		for (i = 0; i < n && at + i < sizeof(*fk->pg); i++)
			page[at + i] = (uint8_t)rnd();
		break;
	case 1:
		for (i = 0; i < sizeof(junk); i++)
			junk[i] = (uint8_t)rnd();
		fake_put(fk, junk, 1 + rnd() % sizeof(junk));
		break;
	}
	fk->in_have = 0; /* the fake itself may be confused by now */
	fk->req_chunk = 0;
	if (fk->pg->req_prod - fk->pg->req_cons > XENSTORE_RING_SIZE)
		fk->pg->req_cons = fk->pg->req_prod;
	return serve_std(fk);
}

static bool known_result(int rc)
{
	static const int ours[] = {XEN_EIO,    XEN_ETIMEDOUT, XEN_ENOTCONN,
				   XEN_ENOSPC, XEN_E2BIG,     XEN_ENOBUFS};

	if (rc >= 0)
		return rc <= XENSTORE_PAYLOAD_MAX;
	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		if (rc == -ours[i])
			return true;
	/* otherwise one the store can name (EINVAL stands for the rest) */
	return rc == -XEN_EINVAL || strcmp(pv_xs_error_name(rc), "EINVAL");
}

static void scribbled_page(void **state)
{
	char buf[PVFRONT_XS_EVENT_MAX];
	struct pvfront_xs_event ev;
	const char *names[8];
	int round, rc = 0;
	uint32_t tx;

	(void)state;
	memset(buf, 'v', sizeof(buf));
	pvfront_xs_set_timeout(&xs, 0);
	for (round = 0; round < 3000; round++) {
		scribble_steps = 0;
		f.serve = serve_scribble;
		switch (round % 5) {
		case 0:
			rc = pvfront_xs_read(&xs, 0, "x", buf, sizeof(buf));
			break;
		case 1:
			rc = pvfront_xs_write(&xs, 0, "x", buf, 300);
			break;
		case 2:
			rc = pvfront_xs_directory(&xs, 0, "d", buf, sizeof(buf),
						  names, 8);
			break;
		case 3:
			rc = pvfront_xs_transaction_start(&xs, &tx);
			break;
		case 4:
			rc = pvfront_xs_next_event(&xs, buf, sizeof(buf), &ev);
			break;
		}
		if (!known_result(rc))
			fail_msg("round %d: result %d", round, rc);
		if (rc != -XEN_EIO && f.pg->error == 0)
			continue;
		/* A sane page again, and a fresh ring. */
		memset(f.pg, 0, sizeof(*f.pg));
		f.pg->server_features = XENSTORE_SERVER_FEATURE_RECONNECTION;
		f.out_head = f.out_tail = 0;
		f.serve = serve_std;
		assert_int_equal(pvfront_xs_reset(&xs), 0);
	}
	f.serve = serve_std;
	memset(f.pg, 0, sizeof(*f.pg));
	f.pg->server_features = XENSTORE_SERVER_FEATURE_RECONNECTION;
	f.out_head = f.out_tail = 0;
	assert_int_equal(pvfront_xs_reset(&xs), 0);
	while (pvfront_xs_next_event(&xs, buf, sizeof(buf), &ev) != -XEN_EAGAIN)
		;
	assert_int_equal(pvfront_xs_read(&xs, 0, "x", buf, sizeof(buf)), 5);
}

/* ---- table ----------------------------------------------------------------
 */

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static const struct CMUnitTest tests[] = {
    T(open_args),
    T(read_write),
    T(big_and_wrapping),
    T(full_rsp_ring),
    T(out_of_order),
    T(async_api),
    T(events_interleaved),
    T(wait_event),
    T(event_overflow),
    T(event_split),
    T(malformed_events),
    T(error_replies),
    T(unexpected_and_wrong),
    T(bad_shapes),
    T(directory),
    T(perms),
    T(transactions),
    T(lying_store),
    T(reset),
    T(timeouts),
    T(scribbled_page),
};

PV_UNIT_MAIN("front_xs_wire (store client, scripted store)", tests)
