/*
 * tests/unit/test_front_world.h — the world around test_front_dev's guest:
 * pvhv's store core behind the guest's ring, and a fake backend.
 *
 * The guest is domain 1 (struct fos, test_front_os.h) with one vkbd
 * device, FE, whose backend directory is BE, written as pvhv writes them.
 * At each of the guest's waits (world_step) the store serves the ring and
 * the fake backend (struct fb, domain 0) takes one step: it looks at both
 * states and acts as libpvback and Linux's backends do — InitWait after
 * probing, map and Connected on the frontend's Initialised, Closing on its
 * Closing, Closed then InitWait on its Closed.  Tests switch parts of
 * that off, crash and restart it, or make it write garbage (fb.hook).
 * For one test program: it defines the world's variables.
 */
#ifndef PVKIT_TESTS_FRONT_WORLD_H
#define PVKIT_TESTS_FRONT_WORLD_H

#include "test_front_os.h"
#include "test_front_xs_fake.h"

#include "store.h"

#define FE "/local/domain/1/device/vkbd/0"
#define BE "/local/domain/0/backend/vinput/1/0"

static struct fos os;
static struct store *st;

/* ---- the store behind the guest's ring ----------------------------------- */

static struct {
	struct fake f;
	struct store_conn *c;
	uint64_t queued, ends[256];
	unsigned int nends;
	XENSTORE_RING_IDX base;
	void (*hook)(void); /* during a store step (a request pending) */
	bool silent;	    /* the store stops answering */
} ss;

static int ss_send(struct store_conn *c, const struct xsd_sockmsg *h,
		   const void *p, size_t len, void *arg)
{
	(void)c;
	(void)arg;
	fake_put(&ss.f, h, sizeof(*h));
	fake_put(&ss.f, p, len);
	ss.queued += sizeof(*h) + len;
	if (h->type != XS_WATCH_EVENT) {
		assert_true(ss.nends < 256);
		ss.ends[ss.nends++] = ss.queued;
	}
	return 0;
}

static const struct store_conn_ops ss_ops = {.send = ss_send};

/* Replies the guest has read count as delivered (the outstanding quota). */
static void ss_deliver(void)
{
	uint64_t done = (uint32_t)(fake_ld(&ss.f.pg->rsp_cons) - ss.base);
	unsigned int n = 0;

	while (n < ss.nends && ss.ends[n] <= done)
		n++;
	if (!n)
		return;
	store_conn_delivered(ss.c, n);
	memmove(ss.ends, ss.ends + n, (ss.nends - n) * sizeof(ss.ends[0]));
	ss.nends -= n;
}

static bool ss_serve(void)
{
	static char p[XENSTORE_PAYLOAD_MAX + 1];
	struct xsd_sockmsg h;
	bool any = false;

	if (ss.silent)
		return false;
	ss_deliver();
	while (!store_conn_throttled(ss.c) && fake_get_req(&ss.f, &h, p)) {
		if (ss.hook)
			ss.hook();
		assert_int_equal(store_request(ss.c, &h, p), 0);
		any = true;
	}
	return any;
}

/* ---- the fake backend ---------------------------------------------------- */

static struct fb {
	bool on;	  /* a backend process runs */
	bool probed;	  /* this process wrote InitWait once */
	bool online;	  /* offer InitWait again after Closed */
	bool direct;	  /* on start, connect to a published frontend */
	bool split;	  /* ... one step after its InitWait */
	bool ack_closing; /* answer Closing with Closing */
	bool due;	  /* connect at the next step */
	int last_fe;
	bool mapped;
	grant_ref_t ref;
	evtchn_port_t port;
	unsigned int connects, disconnects, keys_ok, steps;
	const char *feature; /* feature-test, written when probing */
	void (*hook)(void);  /* at the start of each step */
} fb;

static int rd_state(const char *path)
{
	char v[16];
	int n = store_read(st, path, v, sizeof(v) - 1);

	if (n < 0)
		return n;
	v[n < 15 ? n : 15] = '\0';
	return atoi(v);
}

static void be_write(int s)
{
	char v[4];

	snprintf(v, sizeof(v), "%d", s);
	assert_int_equal(store_write(st, BE "/state", v, strlen(v)), 0);
}

static long rd_num(const char *path)
{
	char v[32];
	int n = store_read(st, path, v, sizeof(v) - 1);

	if (n < 0)
		return -1;
	v[n] = '\0';
	return strtol(v, NULL, 10);
}

static void fb_unmap(void)
{
	if (fb.mapped && fb.ref < FOS_GRANTS && os.grants[fb.ref].used)
		os.grants[fb.ref].mapped = false;
	fb.mapped = false;
}

static void fb_disconnect(void)
{
	if (fb.mapped)
		fb.disconnects++;
	fb_unmap();
}

/* Read the frontend's keys, map, bind, say Connected, send an event. */
static void fb_connect(void)
{
	long ref = rd_num(FE "/page-ref"), port = rd_num(FE "/event-channel");

	fb.due = false;
	if (ref <= 0 || port <= 0)
		return; /* keys missing: a real backend would fail */
	fb.keys_ok++;
	assert_true(ref < (long)FOS_GRANTS && os.grants[ref].used);
	assert_int_equal(os.grants[ref].dom, 0);
	assert_true(port < (long)FOS_PORTS && os.ports[port].used);
	assert_int_equal(os.ports[port].remote, 0);
	fb.ref = (grant_ref_t)ref;
	fb.port = (evtchn_port_t)port;
	os.grants[ref].mapped = true;
	fb.mapped = true;
	be_write(XenbusStateConnected);
	fb.connects++;
	if (getenv("FOS_VERBOSE"))
		printf("  fb connect %u: fire %u\n", fb.connects, fb.port);
	fos_fire(&os, fb.port);
}

static void fb_probe(int fe)
{
	fb.probed = true;
	if (fb.feature)
		assert_int_equal(store_write(st, BE "/feature-test", fb.feature,
					     strlen(fb.feature)),
				 0);
	be_write(XenbusStateInitWait);
	if (fb.direct &&
	    (fe == XenbusStateInitialised || fe == XenbusStateConnected)) {
		if (fb.split)
			fb.due = true;
		else
			fb_connect();
	}
}

/* What the frontend's new state asks of the backend. */
static void fb_frontend_changed(int fe, int be)
{
	switch (fe) {
	case XenbusStateInitialising:
		if (be == XenbusStateClosed)
			be_write(XenbusStateInitWait);
		break;
	case XenbusStateClosing:
		if (fb.ack_closing && be != XenbusStateClosing &&
		    be != XenbusStateClosed) {
			fb_disconnect();
			be_write(XenbusStateClosing);
		}
		break;
	case XenbusStateClosed:
		fb_disconnect();
		if (be != XenbusStateClosed)
			be_write(XenbusStateClosed);
		if (fb.online)
			be_write(XenbusStateInitWait);
		break;
	}
}

static void fb_step(void)
{
	int fe, be;

	if (!fb.on)
		return;
	fb.steps++;
	if (fb.hook)
		fb.hook();
	fe = rd_state(FE "/state");
	be = rd_state(BE "/state");
	if (getenv("FOS_VERBOSE"))
		printf("  fb step %u: fe %d be %d%s\n", fb.steps, fe, be,
		       fb.due ? " (connect due)" : "");
	if (fe < 0 || be < 0)
		return; /* removed */
	if (!fb.probed) {
		fb_probe(fe);
	} else if (fb.due) {
		fb_connect();
	} else if (fe != fb.last_fe) {
		fb_frontend_changed(fe, be);
	}
	if (fe == XenbusStateInitialised &&
	    rd_state(BE "/state") == XenbusStateInitWait)
		fb_connect();
	fb.last_fe = fe;
}

/* The backend process dies: its mappings and bindings go with it, its
 * state stays in the store as it was. */
static void fb_crash(void)
{
	fb_unmap();
	fb.on = false;
}

static void fb_start(bool direct, bool split)
{
	fb.on = true;
	fb.probed = false;
	fb.direct = direct;
	fb.split = split;
	fb.due = false;
	fb.last_fe = -1;
}

/* ---- the world: one step per guest wait ---------------------------------- */

static bool world_step(struct fos *o)
{
	XENSTORE_RING_IDX before = ss.f.pg->rsp_prod;
	bool any = ss_serve();

	fb_step();
	fake_flush(&ss.f);
	if (ss.f.pg->rsp_prod != before)
		fos_fire(o, FOS_STORE_PORT);
	return any;
}

/* ---- the device's nodes, as pvhv writes them ----------------------------- */

static void perms(const char *path, uint16_t owner, uint16_t reader)
{
	const struct store_perm p[2] = {{owner, STORE_PERM_NONE},
					{reader, STORE_PERM_READ}};

	assert_int_equal(store_set_perms(st, path, p, 2), 0);
}

static void put(const char *path, const char *v)
{
	assert_int_equal(store_write(st, path, v, strlen(v)), 0);
}

static void make_device(const char *fe, const char *be, const char *id)
{
	char p[256];

	assert_int_equal(store_mkdir(st, fe), 0);
	perms(fe, 1, 0);
	snprintf(p, sizeof(p), "%s/backend", fe);
	put(p, be);
	snprintf(p, sizeof(p), "%s/backend-id", fe);
	put(p, id);
	snprintf(p, sizeof(p), "%s/state", fe);
	put(p, "1");
	assert_int_equal(store_mkdir(st, be), 0);
	perms(be, 0, 1);
	snprintf(p, sizeof(p), "%s/frontend", be);
	put(p, fe);
	snprintf(p, sizeof(p), "%s/state", be);
	put(p, "1");
	snprintf(p, sizeof(p), "%s/online", be);
	put(p, "1");
}

static int setup(void **state)
{
	(void)state;
	memset(&ss, 0, sizeof(ss));
	memset(&fb, 0, sizeof(fb));
	fb.online = true;
	fb.ack_closing = true;
	fb.last_fe = -1;
	fake_init(&ss.f, 0);
	if (store_new(NULL, &st) < 0 || store_domain_introduce(st, 1, NULL) < 0 ||
	    store_conn_new(st, 1, &ss_ops, NULL, &ss.c) < 0)
		return -1;
	make_device(FE, BE, "0");
	fos_init(&os, ss.f.pg);
	os.step = world_step;
	return pvfront_open(&os.pf, &fos_ops, &os, 0);
}

static int teardown(void **state)
{
	(void)state;
	pvfront_close(&os.pf);
	assert_int_equal(os.pages_out, 0);
	assert_int_equal(fos_grants_used(&os), 0);
	store_conn_free(ss.c);
	store_free(st);
	fake_fini(&ss.f);
	return 0;
}

#endif
