/*
 * Unit tests for libpvfront's store client against pvhv's real store core
 * (hypervisor/pvhv/store*.c).  Each guest's ring page is in memory; its
 * store end (struct guest) does what pvhv's ring transport does: frames
 * requests off req[], hands them to store_request() (reading no more while
 * the client is throttled), puts what the store sends on rsp[] as room
 * allows, reports replies delivered once rsp_cons passes them, and answers
 * XENSTORE_RECONNECT with a fresh connection.  It runs inside the
 * client's wait() (one thread), or on a thread of its own ("threads").
 *
 * Guests 1 and 2 are introduced as a toolstack would; dom0 acts through
 * the store's own API.
 */
#include "test_front_xs_fake.h"

#include <pthread.h>
#include <time.h>

#include "store.h"

/* ---- one guest's ring, served by the store --------------------------------
 */

#define HELD_MAX 64

struct guest {
	struct fake f;
	struct pvfront_xs xs;
	struct store_conn *c;
	uint16_t domid;
	/* replies not yet delivered: where they end in the output stream */
	uint64_t queued, ends[256];
	unsigned int nends;
	XENSTORE_RING_IDX base; /* rsp index of stream offset 0 */
	/* reordering: whole messages held during a step, sent reversed */
	bool reverse;
	unsigned int nheld;
	struct {
		struct xsd_sockmsg h;
		char p[XENSTORE_PAYLOAD_MAX];
	} * held;
	/* run at the start of each step (dom0 doing something) */
	void (*hook)(struct guest *g);
	unsigned int steps, throttled_steps;
};

static struct store *st;
static struct guest g1, g2;

static int g_send(struct store_conn *c, const struct xsd_sockmsg *h,
		  const void *p, size_t len, void *arg)
{
	struct guest *g = arg;

	(void)c;
	if (g->reverse) {
		assert_true(g->nheld < HELD_MAX);
		g->held[g->nheld].h = *h;
		memcpy(g->held[g->nheld++].p, p, len);
		return 0;
	}
	fake_put(&g->f, h, sizeof(*h));
	fake_put(&g->f, p, len);
	g->queued += sizeof(*h) + len;
	if (h->type != XS_WATCH_EVENT) {
		assert_true(g->nends < 256);
		g->ends[g->nends++] = g->queued;
	}
	return 0;
}

static const struct store_conn_ops g_ops = {.send = g_send};

/* Replies the client has read count as delivered. */
static void g_deliver(struct guest *g)
{
	uint64_t done = (uint32_t)(fake_ld(&g->f.pg->rsp_cons) - g->base);
	unsigned int n = 0;

	while (n < g->nends && g->ends[n] <= done)
		n++;
	if (!n)
		return;
	store_conn_delivered(g->c, n);
	memmove(g->ends, g->ends + n, (g->nends - n) * sizeof(g->ends[0]));
	g->nends -= n;
}

static void g_connect(struct guest *g)
{
	assert_int_equal(store_conn_new(st, g->domid, &g_ops, g, &g->c), 0);
	g->queued = 0;
	g->nends = 0;
	g->base = g->f.pg->rsp_prod;
}

static int g_serve(struct fake *f)
{
	static char p[XENSTORE_PAYLOAD_MAX + 1];
	struct guest *g = f->user;
	struct xsd_sockmsg h;
	unsigned int i;

	g->steps++;
	if (fake_reconnect(f)) {
		/* pvhv forgets the guest's connection state */
		store_conn_free(g->c);
		g_connect(g);
		return 0;
	}
	if (g->hook)
		g->hook(g);
	g_deliver(g);
	while (!store_conn_throttled(g->c) && fake_get_req(f, &h, p))
		assert_int_equal(store_request(g->c, &h, p), 0);
	if (store_conn_throttled(g->c))
		g->throttled_steps++;
	if (g->reverse) {
		g->reverse = false;
		for (i = g->nheld; i-- > 0;)
			g_send(g->c, &g->held[i].h, g->held[i].p,
			       g->held[i].h.len, g);
		g->nheld = 0;
		g->reverse = true;
	}
	fake_flush(f);
	return 0;
}

static void g_open(struct guest *g, uint16_t domid, XENSTORE_RING_IDX start)
{
	fake_init(&g->f, start);
	g->f.user = g;
	g->f.serve = g_serve;
	g->domid = domid;
	g->held = calloc(HELD_MAX, sizeof(*g->held));
	assert_non_null(g->held);
	g_connect(g);
	assert_int_equal(pvfront_xs_open(&g->xs, g->f.pg, &fake_ops, &g->f, 0),
			 0);
}

static void g_close(struct guest *g)
{
	pvfront_xs_close(&g->xs);
	store_conn_free(g->c);
	free(g->held);
	fake_fini(&g->f);
	memset(g, 0, sizeof(*g));
}

static int setup_with(const struct store_quota *q)
{
	if (store_new(q, &st) < 0 || store_domain_introduce(st, 1, NULL) < 0 ||
	    store_domain_introduce(st, 2, NULL) < 0)
		return -1;
	g_open(&g1, 1, 0);
	g_open(&g2, 2, 0);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return setup_with(NULL);
}

static int teardown(void **state)
{
	(void)state;
	g_close(&g1);
	g_close(&g2);
	store_free(st);
	st = NULL;
	return 0;
}

/* ---- helpers --------------------------------------------------------------
 */

static char value[XENSTORE_PAYLOAD_MAX + 1];

static const char *rd(struct guest *g, uint32_t tx, const char *path)
{
	int n = pvfront_xs_read(&g->xs, tx, path, value, sizeof(value));

	if (n < 0)
		fail_msg("read %s: %d", path, n);
	return value;
}

static int rd_err(struct guest *g, uint32_t tx, const char *path)
{
	return pvfront_xs_read(&g->xs, tx, path, value, sizeof(value));
}

static int wr(struct guest *g, uint32_t tx, const char *path, const char *v)
{
	return pvfront_xs_write(&g->xs, tx, path, v, strlen(v));
}

static void expect_event(struct guest *g, const char *path, const char *token)
{
	char buf[PVFRONT_XS_EVENT_MAX];
	struct pvfront_xs_event ev;
	int rc = pvfront_xs_next_event(&g->xs, buf, sizeof(buf), &ev);

	if (rc)
		fail_msg("no event for %s (%d)", path, rc);
	assert_string_equal(ev.path, path);
	assert_string_equal(ev.token, token);
}

/* Two events in either order (the store fires watches in its own). */
static void expect_two(struct guest *g, const char *p1, const char *t1,
		       const char *p2, const char *t2)
{
	char buf[2][PVFRONT_XS_EVENT_MAX];
	struct pvfront_xs_event ev[2];

	for (int i = 0; i < 2; i++)
		assert_int_equal(pvfront_xs_next_event(&g->xs, buf[i],
						       sizeof(buf[i]), &ev[i]),
				 0);
	if (strcmp(ev[0].token, t1)) {
		struct pvfront_xs_event tmp = ev[0];

		ev[0] = ev[1];
		ev[1] = tmp;
	}
	assert_string_equal(ev[0].path, p1);
	assert_string_equal(ev[0].token, t1);
	assert_string_equal(ev[1].path, p2);
	assert_string_equal(ev[1].token, t2);
}

static void no_event(struct guest *g)
{
	char buf[PVFRONT_XS_EVENT_MAX];
	struct pvfront_xs_event ev;
	int rc = pvfront_xs_next_event(&g->xs, buf, sizeof(buf), &ev);

	if (rc != -XEN_EAGAIN)
		fail_msg("unexpected event %s %s (%d)", rc ? "" : ev.path,
			 rc ? "" : ev.token, rc);
}

/* Let the store move everything it has queued for g. */
static void settle(struct guest *g)
{
	for (int i = 0; i < 4; i++) {
		g_serve(&g->f);
		assert_int_equal(pvfront_xs_pump(&g->xs), 0);
	}
}

/* ---- the tree -------------------------------------------------------------
 */

static void basics(void **state)
{
	char buf[256];
	const char *names[16];
	int n;

	(void)state;
	assert_int_equal(wr(&g1, 0, "data/x", "one"), 0);
	assert_string_equal(rd(&g1, 0, "data/x"), "one");
	assert_string_equal(rd(&g1, 0, "/local/domain/1/data/x"), "one");
	assert_int_equal(wr(&g1, 0, "data/x", ""), 0);
	assert_int_equal(rd_err(&g1, 0, "data/x"), 0);
	assert_int_equal(pvfront_xs_mkdir(&g1.xs, 0, "data/d/e"), 0);
	assert_int_equal(pvfront_xs_mkdir(&g1.xs, 0, "data/d/e"), 0);
	n = pvfront_xs_directory(&g1.xs, 0, "data", buf, sizeof(buf), names,
				 16);
	assert_int_equal(n, 2);
	assert_true((!strcmp(names[0], "d") && !strcmp(names[1], "x")) ||
		    (!strcmp(names[0], "x") && !strcmp(names[1], "d")));
	n = pvfront_xs_directory(&g1.xs, 0, "data/d/e", buf, sizeof(buf), names,
				 16);
	assert_int_equal(n, 0);
	assert_int_equal(pvfront_xs_rm(&g1.xs, 0, "data/d"), 0);
	assert_int_equal(rd_err(&g1, 0, "data/d/e"), -XEN_ENOENT);
	/* as in xenstored: removing what is not there is fine */
	assert_int_equal(pvfront_xs_rm(&g1.xs, 0, "data/nothing"), 0);
	assert_int_equal(rd_err(&g1, 0, "bad//path"), -XEN_EINVAL);
	/* dom0's writes are visible to the guest it gives access to */
	assert_int_equal(store_write(st, "/local/domain/1/device/vif", "x", 1),
			 0);
	assert_string_equal(rd(&g1, 0, "device/vif"), "x");
}

static void big_values(void **state)
{
	static char big[4000];
	const struct store_quota q = {.entry_size = 0,
				      .entry_nb = 100,
				      .perm_nb = 5,
				      .watch_nb = 8,
				      .transaction = 4,
				      .outstanding = 20,
				      .path_max = 2048};
	size_t i;

	teardown(state);
	assert_int_equal(setup_with(&q), 0);
	g_close(&g1);
	g_open(&g1, 1, 0xfffff9a3u); /* wraps 2^32 soon */
	g1.f.req_chunk = 100;
	g1.f.rsp_chunk = 77;
	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)('A' + i % 50);
	assert_int_equal(
	    pvfront_xs_write(&g1.xs, 0, "data/big", big, sizeof(big)), 0);
	assert_int_equal(rd_err(&g1, 0, "data/big"), (int)sizeof(big));
	assert_memory_equal(value, big, sizeof(big));
	assert_true(g1.f.pg->rsp_prod < 0x10000u);
	assert_true(g1.f.pg->req_prod < 0x10000u);
}

/* ---- permissions and quotas -----------------------------------------------
 */

static void permissions(void **state)
{
	struct pvfront_xs_perm p[8];
	const struct pvfront_xs_perm share[2] = {{2, PVFRONT_XS_PERM_NONE},
						 {1, PVFRONT_XS_PERM_READ}};
	int n;

	(void)state;
	assert_int_equal(wr(&g2, 0, "data/secret", "s"), 0);
	assert_int_equal(rd_err(&g1, 0, "/local/domain/2/data/secret"),
			 -XEN_EACCES);
	assert_int_equal(rd_err(&g1, 0, "/local/domain/2/data/none"),
			 -XEN_EACCES);
	assert_int_equal(wr(&g1, 0, "/local/domain/2/data/x", "x"),
			 -XEN_EACCES);
	assert_int_equal(pvfront_xs_set_perms(&g1.xs, 0,
					      "/local/domain/2/data/secret",
					      share, 2),
			 -XEN_EACCES);
	/* The owner shares it read-only. */
	assert_int_equal(
	    pvfront_xs_set_perms(&g2.xs, 0, "data/secret", share, 2), 0);
	n = pvfront_xs_get_perms(&g2.xs, 0, "data/secret", p, 8);
	assert_int_equal(n, 2);
	assert_int_equal(p[0].id, 2);
	assert_int_equal(p[0].perms, PVFRONT_XS_PERM_NONE);
	assert_int_equal(p[1].id, 1);
	assert_int_equal(p[1].perms, PVFRONT_XS_PERM_READ);
	assert_string_equal(rd(&g1, 0, "/local/domain/2/data/secret"), "s");
	assert_int_equal(wr(&g1, 0, "/local/domain/2/data/secret", "y"),
			 -XEN_EACCES);
	/* Only dom0 may give a node away. */
	p[0] = (struct pvfront_xs_perm){1, PVFRONT_XS_PERM_NONE};
	assert_int_equal(pvfront_xs_set_perms(&g2.xs, 0, "data/secret", p, 1),
			 -XEN_EPERM);
	/* The home itself is dom0's, readable by the guest. */
	n = pvfront_xs_get_perms(&g1.xs, 0, "/local/domain/1", p, 8);
	assert_int_equal(n, 2);
	assert_int_equal(p[0].id, 0);
	assert_int_equal(p[1].id, 1);
	assert_int_equal(p[1].perms, PVFRONT_XS_PERM_READ);
	assert_int_equal(wr(&g1, 0, "/local/domain/1/mine", "x"), -XEN_EACCES);
}

static void quotas(void **state)
{
	const struct store_quota q = {.entry_nb = 10,
				      .entry_size = 64,
				      .perm_nb = 5,
				      .watch_nb = 2,
				      .transaction = 1,
				      .outstanding = 20,
				      .path_max = 2048};
	char name[32], big[65];
	uint32_t tx, tx2;
	int i, rc = 0;

	teardown(state);
	assert_int_equal(setup_with(&q), 0);
	for (i = 0; i < 20 && rc == 0; i++) {
		snprintf(name, sizeof(name), "data/n%d", i);
		rc = wr(&g1, 0, name, "v");
	}
	assert_int_equal(rc, -XEN_ENOSPC);
	assert_true(i > 1 && i < 11);
	memset(big, 'b', sizeof(big));
	assert_int_equal(pvfront_xs_write(&g2.xs, 0, "data/big", big, 65),
			 -XEN_ENOSPC);
	assert_int_equal(pvfront_xs_write(&g2.xs, 0, "data/big", big, 64), 0);
	assert_int_equal(pvfront_xs_watch(&g2.xs, "data", "a"), 0);
	assert_int_equal(pvfront_xs_watch(&g2.xs, "data", "b"), 0);
	assert_int_equal(pvfront_xs_watch(&g2.xs, "data", "c"), -XEN_E2BIG);
	assert_int_equal(pvfront_xs_transaction_start(&g2.xs, &tx), 0);
	assert_int_equal(pvfront_xs_transaction_start(&g2.xs, &tx2),
			 -XEN_ENOSPC);
	assert_int_equal(pvfront_xs_transaction_end(&g2.xs, tx, false), 0);
}

/* ---- watches --------------------------------------------------------------
 */

static void watches(void **state)
{
	(void)state;
	assert_int_equal(pvfront_xs_watch(&g1.xs, "data", "t1"), 0);
	expect_event(&g1, "data", "t1"); /* the initial event */
	no_event(&g1);
	assert_int_equal(
	    pvfront_xs_watch(&g1.xs, "/local/domain/1/data/a", "t2"), 0);
	expect_event(&g1, "/local/domain/1/data/a", "t2");

	assert_int_equal(wr(&g1, 0, "data/a", "1"), 0);
	settle(&g1);
	/* both watches, each with the path as it named it */
	expect_two(&g1, "data/a", "t1", "/local/domain/1/data/a", "t2");
	no_event(&g1);

	assert_int_equal(wr(&g1, 0, "data/b/c", "2"), 0);
	settle(&g1);
	expect_event(&g1, "data/b/c", "t1");
	no_event(&g1);

	/* dom0 changes the subtree; removal fires too */
	assert_int_equal(store_rm(st, "/local/domain/1/data/a"), 0);
	settle(&g1);
	expect_two(&g1, "data/a", "t1", "/local/domain/1/data/a", "t2");
	no_event(&g1);

	/* another guest's node: no event for what g1 may not read */
	assert_int_equal(
	    pvfront_xs_watch(&g1.xs, "/local/domain/2/data", "other"), 0);
	settle(&g1);
	while (pvfront_xs_next_event(&g1.xs, value, sizeof(value),
				     &(struct pvfront_xs_event){0}) == 0)
		;
	assert_int_equal(wr(&g2, 0, "data/hidden", "h"), 0);
	settle(&g1);
	no_event(&g1);

	assert_int_equal(pvfront_xs_unwatch(&g1.xs, "data", "t1"), 0);
	assert_int_equal(pvfront_xs_unwatch(&g1.xs, "data", "t1"), -XEN_ENOENT);
	assert_int_equal(wr(&g1, 0, "data/b/c", "3"), 0);
	settle(&g1);
	no_event(&g1);
}

/* dom0 writes at the start of every step, so events reach the ring
 * before the replies the client waits for. */
static unsigned int hook_count;

static void dom0_writes(struct guest *g)
{
	char v[16];

	(void)g;
	snprintf(v, sizeof(v), "%u", hook_count++);
	assert_int_equal(
	    store_write(st, "/local/domain/1/data/w", v, strlen(v)), 0);
}

static void events_between(void **state)
{
	char buf[PVFRONT_XS_EVENT_MAX];
	struct pvfront_xs_event ev;
	unsigned int i, n = 0;

	(void)state;
	assert_int_equal(pvfront_xs_watch(&g1.xs, "data/w", "w"), 0);
	expect_event(&g1, "data/w", "w");
	hook_count = 0;
	g1.hook = dom0_writes;
	for (i = 0; i < 10; i++)
		assert_int_equal(wr(&g1, 0, "data/other", "o"), 0);
	g1.hook = NULL;
	while (pvfront_xs_next_event(&g1.xs, buf, sizeof(buf), &ev) == 0) {
		assert_string_equal(ev.path, "data/w");
		n++;
	}
	assert_int_equal(n, hook_count);
	assert_true(n >= 10);
}

static void wait_for_event(void **state)
{
	char buf[PVFRONT_XS_EVENT_MAX];
	struct pvfront_xs_event ev;

	(void)state;
	assert_int_equal(pvfront_xs_watch(&g1.xs, "data/w", "tok"), 0);
	expect_event(&g1, "data/w", "tok");
	hook_count = 0;
	g1.hook = dom0_writes;
	assert_int_equal(pvfront_xs_wait_event(&g1.xs, buf, sizeof(buf), &ev),
			 0);
	g1.hook = NULL;
	assert_string_equal(ev.path, "data/w");
	assert_string_equal(ev.token, "tok");
}

/* ---- transactions ---------------------------------------------------------
 */

static void transactions(void **state)
{
	uint32_t tx;
	int rc, tries;

	(void)state;
	/* Own changes visible inside only, until commit. */
	assert_int_equal(pvfront_xs_transaction_start(&g1.xs, &tx), 0);
	assert_int_not_equal(tx, 0);
	assert_int_equal(wr(&g1, tx, "data/t", "in"), 0);
	assert_string_equal(rd(&g1, tx, "data/t"), "in");
	assert_int_equal(rd_err(&g1, 0, "data/t"), -XEN_ENOENT);
	assert_int_equal(pvfront_xs_transaction_end(&g1.xs, tx, true), 0);
	assert_string_equal(rd(&g1, 0, "data/t"), "in");

	/* Abort: nothing happened. */
	assert_int_equal(pvfront_xs_transaction_start(&g1.xs, &tx), 0);
	assert_int_equal(wr(&g1, tx, "data/t", "aborted"), 0);
	assert_int_equal(pvfront_xs_transaction_end(&g1.xs, tx, false), 0);
	assert_string_equal(rd(&g1, 0, "data/t"), "in");

	/* A conflicting change by dom0: EAGAIN, then a retry commits. */
	for (tries = 0; tries < 3; tries++) {
		assert_int_equal(pvfront_xs_transaction_start(&g1.xs, &tx), 0);
		assert_string_equal(rd(&g1, tx, "data/t"),
				    tries ? "dom0" : "in");
		if (tries == 0)
			assert_int_equal(store_write(st,
						     "/local/domain/1/data/t",
						     "dom0", 4),
					 0);
		assert_int_equal(wr(&g1, tx, "data/t", "guest"), 0);
		rc = pvfront_xs_transaction_end(&g1.xs, tx, true);
		if (rc != -XEN_EAGAIN)
			break;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(tries, 1);
	assert_string_equal(rd(&g1, 0, "data/t"), "guest");

	/* A transaction id the store never gave. */
	assert_int_equal(rd_err(&g1, 4242, "data/t"), -XEN_ENOENT);
}

/* ---- several in flight, flow control --------------------------------------
 */

static void pipelined(void **state)
{
	static char bufs[30][1100];
	static char v[1000];
	struct pvfront_xs_req r[30];
	char path[32];
	int i;

	(void)state;
	for (i = 0; i < 30; i++) {
		memset(v, 'a' + i % 26, sizeof(v));
		snprintf(path, sizeof(path), "data/p%d", i);
		assert_int_equal(
		    pvfront_xs_write(&g1.xs, 0, path, v, sizeof(v)), 0);
	}
	/* 30 requests at once: 30 KiB of replies through a 1 KiB ring,
	 * past the store's limit of 20 undelivered replies. */
	for (i = 0; i < 30; i++) {
		snprintf(path, sizeof(path), "data/p%d", i);
		pvfront_xs_req_init(&r[i], XS_READ, 0, bufs[i],
				    sizeof(bufs[i]));
		pvfront_xs_req_add(&r[i], path, strlen(path) + 1);
		assert_int_equal(pvfront_xs_submit(&g1.xs, &r[i], NULL, NULL),
				 0);
	}
	g1.throttled_steps = 0;
	g_serve(&g1.f);
	assert_int_equal(g1.f.pg->rsp_prod - g1.f.pg->rsp_cons,
			 XENSTORE_RING_SIZE);
	for (i = 29; i >= 0; i--) {
		assert_int_equal(pvfront_xs_wait_req(&g1.xs, &r[i]), 0);
		assert_int_equal(pvfront_xs_req_len(&r[i]), 1000);
		assert_int_equal(bufs[i][999], 'a' + i % 26);
	}
	assert_true(g1.throttled_steps > 0);
}

static void out_of_order(void **state)
{
	static char bufs[5][8];
	struct pvfront_xs_req r[5];
	char path[16];
	int i;

	(void)state;
	for (i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "data/o%d", i);
		assert_int_equal(wr(&g1, 0, path, path + 5), 0);
	}
	g1.reverse = true;
	for (i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "data/o%d", i);
		pvfront_xs_req_init(&r[i], XS_READ, 0, bufs[i],
				    sizeof(bufs[i]));
		pvfront_xs_req_add(&r[i], path, strlen(path) + 1);
		assert_int_equal(pvfront_xs_submit(&g1.xs, &r[i], NULL, NULL),
				 0);
	}
	g_serve(&g1.f);
	assert_int_equal(pvfront_xs_pump(&g1.xs), 0);
	g1.reverse = false;
	for (i = 0; i < 5; i++) {
		assert_int_equal(pvfront_xs_req_status(&g1.xs, &r[i]), 0);
		assert_int_equal(pvfront_xs_req_len(&r[i]), 2);
		assert_int_equal(bufs[i][1], '0' + i);
	}
}

/* ---- reconnection ---------------------------------------------------------
 */

static void reconnect(void **state)
{
	uint32_t tx;

	(void)state;
	assert_int_equal(pvfront_xs_watch(&g1.xs, "data", "before"), 0);
	expect_event(&g1, "data", "before");
	assert_int_equal(pvfront_xs_transaction_start(&g1.xs, &tx), 0);
	assert_int_equal(pvfront_xs_reset(&g1.xs), 0);
	assert_int_equal(g1.f.pg->connection, XENSTORE_CONNECTED);
	/* The store forgot the watch and the transaction. */
	assert_int_equal(wr(&g1, 0, "data/after", "1"), 0);
	settle(&g1);
	no_event(&g1);
	assert_int_equal(pvfront_xs_transaction_end(&g1.xs, tx, true),
			 -XEN_ENOENT);
	assert_int_equal(pvfront_xs_watch(&g1.xs, "data", "again"), 0);
	expect_event(&g1, "data", "again");
	assert_string_equal(rd(&g1, 0, "data/after"), "1");
}

/* ---- threads --------------------------------------------------------------
 */

/*
 * A store thread serves g1's ring whenever the client notifies; client
 * threads share one handle through lock/unlock/wake.  The ops follow
 * front_xs.h: wait() runs with the lock held and sleeps on a condition
 * variable until the port fires or wake() is called.
 */
struct port {
	pthread_mutex_t mu; /* the handle's lock */
	pthread_cond_t cv;
	bool pending;	     /* the client's port fired */
	unsigned int events; /* port firings and wake()s so far */
	pthread_mutex_t smu; /* the store thread's side */
	pthread_cond_t scv;
	bool s_pending, stop;
};

static struct port port = {
    .mu = PTHREAD_MUTEX_INITIALIZER,
    .cv = PTHREAD_COND_INITIALIZER,
    .smu = PTHREAD_MUTEX_INITIALIZER,
    .scv = PTHREAD_COND_INITIALIZER,
};

static int t_notify(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&port.smu);
	port.s_pending = true;
	pthread_cond_signal(&port.scv);
	pthread_mutex_unlock(&port.smu);
	return 0;
}

static int t_wait(void *arg, int timeout_ms)
{
	unsigned int start = port.events;
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms < 0 ? 30 : timeout_ms / 1000 + 1;
	while (!port.pending && port.events == start)
		if (pthread_cond_timedwait(&port.cv, &port.mu, &ts))
			fail_msg("a client waited 30 s");
	port.pending = false;
	return 0;
}

static void t_lock(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&port.mu);
}

static void t_unlock(void *arg)
{
	(void)arg;
	pthread_mutex_unlock(&port.mu);
}

static void t_wake(void *arg)
{
	(void)arg;
	port.events++;
	pthread_cond_broadcast(&port.cv);
}

static const struct pvfront_xs_ops t_ops = {
    .notify = t_notify,
    .wait = t_wait,
    .lock = t_lock,
    .unlock = t_unlock,
    .wake = t_wake,
};

static void *store_thread(void *arg)
{
	struct guest *g = arg;
	XENSTORE_RING_IDX before;

	for (;;) {
		pthread_mutex_lock(&port.smu);
		while (!port.s_pending && !port.stop)
			pthread_cond_wait(&port.scv, &port.smu);
		port.s_pending = false;
		if (port.stop) {
			pthread_mutex_unlock(&port.smu);
			return NULL;
		}
		pthread_mutex_unlock(&port.smu);
		before = fake_ld(&g->f.pg->rsp_prod);
		g_serve(&g->f);
		if (fake_ld(&g->f.pg->rsp_prod) != before ||
		    g->f.out_tail != g->f.out_head) {
			/* raise the client's port */
			pthread_mutex_lock(&port.mu);
			port.pending = true;
			port.events++;
			pthread_cond_broadcast(&port.cv);
			pthread_mutex_unlock(&port.mu);
		}
	}
}

#define T_ROUNDS 300

static void *client_thread(void *arg)
{
	unsigned int id = (unsigned int)(uintptr_t)arg, i;
	char path[32], v[32], got[32];
	int n;

	for (i = 0; i < T_ROUNDS; i++) {
		snprintf(path, sizeof(path), "data/t%u/%u", id, i % 7);
		snprintf(v, sizeof(v), "%u-%u", id, i);
		if (wr(&g1, 0, path, v))
			return (void *)1;
		n = pvfront_xs_read(&g1.xs, 0, path, got, sizeof(got));
		if (n != (int)strlen(v) || strcmp(got, v))
			return (void *)2;
	}
	return NULL;
}

static void threads(void **state)
{
	pthread_t srv, cl[3];
	char buf[PVFRONT_XS_EVENT_MAX];
	struct pvfront_xs_event ev;
	unsigned int i, events = 0;
	void *res;

	(void)state;
	pvfront_xs_close(&g1.xs);
	assert_int_equal(pvfront_xs_open(&g1.xs, g1.f.pg, &t_ops, NULL, 0), 0);
	port.stop = false;
	port.pending = port.s_pending = false;
	assert_int_equal(pthread_create(&srv, NULL, store_thread, &g1), 0);
	assert_int_equal(pvfront_xs_watch(&g1.xs, "data", "all"), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&cl[i], NULL, client_thread,
						(void *)(uintptr_t)i),
				 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(pthread_join(cl[i], &res), 0);
		assert_null(res);
	}
	pthread_mutex_lock(&port.smu);
	port.stop = true;
	pthread_cond_signal(&port.scv);
	pthread_mutex_unlock(&port.smu);
	assert_int_equal(pthread_join(srv, NULL), 0);
	/* Every write fired the watch; the queue held what it could. */
	while (pvfront_xs_next_event(&g1.xs, buf, sizeof(buf), &ev) == 0)
		events++;
	assert_true(events > 0);
}

/* ---- table ----------------------------------------------------------------
 */

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static const struct CMUnitTest tests[] = {
    T(basics),	  T(big_values),     T(permissions),	T(quotas),
    T(watches),	  T(events_between), T(wait_for_event), T(transactions),
    T(pipelined), T(out_of_order),   T(reconnect),	T(threads),
};

PV_UNIT_MAIN("front_xs (store client, pvhv store core)", tests)
