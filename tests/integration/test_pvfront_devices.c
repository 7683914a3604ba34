/*
 * libpvfront's devices against a real pvhv: a process guest
 * (guest_front_dev) connects its vkbd device through the framework's
 * handshake while this test plays the backend by hand with libpvhv — in a
 * child process, so that it can be killed and started again like a real
 * backend daemon.
 *
 *   connect_close      enumerate, connect, an event, the guest closes: every
 *                      state on both sides as the handshake says
 *   no_backend         connect gives up after its timeout with a message
 *                      naming the backend; a backend that comes later
 *                      still connects it
 *   backend_closes     the backend goes to Closing (as an unplug starts);
 *                      the guest lets go and reconnects when offered
 *   backend_restart    kill -9 of the backend, a new one that waits for the
 *                      frontend (InitWait): the guest walks Closing, Closed,
 *                      Initialising and connects again
 *   backend_restart_direct  the new backend maps what the guest published
 *                      at once (as libpvback does): events flow again
 *   hostile_state      garbage in the backend's state: the device fails
 *                      with a clear error (console, error node), and
 *                      connects again once the backend behaves
 *   hostile_early      Connected without InitWait: connect times out
 *                      saying so
 *   hostile_keys       a backend key that is not a number: the device fails
 *   close_unanswered   a backend that never answers Closing: close returns
 *                      within its time, keeping the page it still maps
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
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define VKB	   "vkb = [ \"backend-type=linux\" ]\n"
#define CLOSE_WORD 0xdeadu
/* Not sent: tells the backend to stop answering (and keep its mapping). */
#define FREEZE_WORD 0xffff0001u
#define WAIT_MS	    10000

static struct hvt t;
static struct pvhv_store *xs;

static int setup(void **state)
{
	(void)state;
	if (hvt_start(&t, NULL))
		return -1;
	return pvhv_store_open(t.rundir, 0, &xs);
}

static int teardown(void **state)
{
	(void)state;
	pvhv_store_close(xs);
	return hvt_stop(&t);
}

/* ---- the store ----------------------------------------------------------- */

struct dev_paths {
	domid_t dom;
	char fe[128], be[128];
};

static void paths(struct dev_paths *dp, domid_t dom)
{
	dp->dom = dom;
	snprintf(dp->fe, sizeof(dp->fe), "/local/domain/%u/device/vkbd/0", dom);
	snprintf(dp->be, sizeof(dp->be), "/local/domain/0/backend/vinput/%u/0",
		 dom);
}

/* dir/key as a number, or -1 when missing. */
static long rd(struct pvhv_store *s, const char *dir, const char *key)
{
	char path[256], *v = NULL;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	if (pvhv_store_read(s, 0, path, &v, NULL))
		return -1;
	n = strtol(v, NULL, 10);
	free(v);
	return n;
}

static int wr(struct pvhv_store *s, const char *dir, const char *key,
	      const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return pvhv_store_write(s, 0, path, val, strlen(val));
}

static int wr_state(struct pvhv_store *s, const char *dir, int st)
{
	char v[4];

	snprintf(v, sizeof(v), "%d", st);
	return wr(s, dir, "state", v);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Both states as wanted (-2: any) within WAIT_MS. */
static void expect_states(const struct dev_paths *dp, long fe, long be)
{
	long end = now_ms() + WAIT_MS, f = -1, b = -1;

	while (now_ms() < end) {
		f = rd(xs, dp->fe, "state");
		b = rd(xs, dp->be, "state");
		if ((fe == -2 || f == fe) && (be == -2 || b == be))
			return;
		usleep(5000);
	}
	fail_msg("states frontend %ld backend %ld, want %ld %ld", f, b, fe, be);
}

/* ---- a backend, in a child process --------------------------------------- */

struct be_opts {
	bool direct;	   /* on start, connect to a published frontend */
	bool no_ack;	   /* never answer Closing, never unmap */
	const char *early; /* write this state first, then only watch */
	const char *feature;
	uint32_t value; /* first word sent; each connect adds one */
};

struct be_link {
	void *page;
	struct pvhv_port *port;
};

struct backend {
	pid_t pid;
	int pipe; /* words to send */
};

static void be_connect(struct pvhv *h, struct pvhv_store *s,
		       const struct dev_paths *dp, struct be_link *l,
		       uint32_t *value)
{
	long ref = rd(s, dp->fe, "page-gref");
	long port = rd(s, dp->fe, "event-channel");
	grant_ref_t g = (grant_ref_t)ref;

	if (l->page || ref <= 0 || port <= 0)
		return;
	if (pvhv_grant_map(h, dp->dom, &g, 1, PROT_READ | PROT_WRITE,
			   &l->page)) {
		l->page = NULL;
		_exit(10);
	}
	if (pvhv_evtchn_bind_interdomain(h, dp->dom, (evtchn_port_t)port,
					 &l->port))
		_exit(11);
	wr_state(s, dp->be, 4);
	__atomic_store_n((uint32_t *)l->page, ++*value, __ATOMIC_RELEASE);
	pvhv_port_notify(l->port);
}

static void be_disconnect(struct pvhv *h, struct be_link *l)
{
	if (l->port)
		pvhv_port_unbind(l->port);
	if (l->page)
		pvhv_grant_unmap(h, l->page, 1);
	*l = (struct be_link){0};
}

static void be_send(struct be_link *l, uint32_t v)
{
	if (!l->page)
		return;
	__atomic_store_n((uint32_t *)l->page, v, __ATOMIC_RELEASE);
	pvhv_port_notify(l->port);
}

/* What the frontend's new state asks for (as libpvback and Linux's
 * backends answer). */
static void be_react(struct pvhv *h, struct pvhv_store *s,
		     const struct dev_paths *dp, const struct be_opts *o,
		     struct be_link *l, long fe, long be)
{
	if (o->no_ack)
		return;
	if (fe == 1 && be == 6)
		wr_state(s, dp->be, 2);
	if (fe == 5 && be != 5 && be != 6) {
		be_disconnect(h, l);
		wr_state(s, dp->be, 5);
	}
	if (fe == 6) {
		be_disconnect(h, l);
		if (be != 6)
			wr_state(s, dp->be, 6);
		wr_state(s, dp->be, 2); /* online: offer it again */
	}
}

static _Noreturn void be_main(const struct dev_paths *dp,
			      const struct be_opts *opts, int pipe_rd)
{
	struct be_opts frozen = *opts, *o = &frozen;
	struct pvhv_store *s;
	struct be_link l = {0};
	uint32_t value = o->value, w;
	struct pvhv *h;
	long fe, be, last = -1;

	if (pvhv_open(t.rundir, 0, &h) || pvhv_store_open(t.rundir, 0, &s))
		_exit(3);
	fe = rd(s, dp->fe, "state");
	if (o->early) {
		wr(s, dp->be, "state", o->early);
	} else {
		if (o->feature)
			wr(s, dp->be, "feature-test", o->feature);
		wr_state(s, dp->be, 2);
		if (o->direct && (fe == 3 || fe == 4))
			be_connect(h, s, dp, &l, &value);
	}
	for (;;) {
		struct pollfd pfd = {.fd = pipe_rd, .events = POLLIN};

		if (poll(&pfd, 1, 2) > 0) {
			if (read(pipe_rd, &w, sizeof(w)) != sizeof(w))
				_exit(0); /* the test is gone */
			if (w == FREEZE_WORD)
				frozen.no_ack = true;
			else
				be_send(&l, w);
		}
		if (l.port)
			(void)pvhv_port_drain(l.port);
		fe = rd(s, dp->fe, "state");
		be = rd(s, dp->be, "state");
		if (fe < 0 || be < 0)
			continue;
		if (fe != last)
			be_react(h, s, dp, o, &l, fe, be);
		if (!o->early && !o->no_ack && fe == 3 &&
		    rd(s, dp->be, "state") == 2)
			be_connect(h, s, dp, &l, &value);
		last = fe;
	}
}

static void be_start(struct backend *b, const struct dev_paths *dp,
		     const struct be_opts *o)
{
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	b->pid = fork();
	assert_true(b->pid >= 0);
	if (b->pid == 0) {
		close(fds[1]);
		be_main(dp, o, fds[0]);
	}
	close(fds[0]);
	b->pipe = fds[1];
}

static void be_word(struct backend *b, uint32_t w)
{
	assert_int_equal(write(b->pipe, &w, sizeof(w)), (ssize_t)sizeof(w));
}

static void be_kill(struct backend *b)
{
	int status;

	if (b->pid <= 0)
		return;
	kill(b->pid, SIGKILL);
	assert_int_equal(waitpid(b->pid, &status, 0), b->pid);
	close(b->pipe);
	b->pid = 0;
}

/* ---- the guest ----------------------------------------------------------- */

static char line[512];

static void expect(domid_t dom, const char *pattern)
{
	assert_int_equal(
	    hvt_console_expect(&t, dom, pattern, line, sizeof(line), WAIT_MS),
	    0);
}

static domid_t guest(const char *name, const char *cmdline,
		     struct dev_paths *dp)
{
	domid_t dom;

	assert_int_equal(
	    hvt_create(&t, name, "guest_front_dev", cmdline, VKB, &dom), 0);
	paths(dp, dom);
	expect(dom, "ENUM n=1 first=0");
	return dom;
}

/* Guest up and Connected to a fresh backend, first event seen. */
static domid_t connected(const char *name, const char *cmdline,
			 struct dev_paths *dp, struct backend *b,
			 const struct be_opts *o)
{
	domid_t dom = guest(name, cmdline, dp);

	be_start(b, dp, o);
	expect(dom, "CONNECT rc=0 state=4 backend=4");
	expect(dom, "UP n=1");
	return dom;
}

/* ---- cases --------------------------------------------------------------- */

static void connect_close(void **state)
{
	struct be_opts o = {.feature = "1", .value = 1000};
	struct dev_paths dp;
	struct backend b;
	domid_t dom;

	(void)state;
	dom = connected("g", "", &dp, &b, &o);
	expect(dom, "UP n=1 feature=1");
	expect(dom, "EVENT value=1001");
	expect_states(&dp, 4, 4);
	be_word(&b, 4242);
	expect(dom, "EVENT value=4242");
	/* the guest closes: Closing, the backend lets go, Closed */
	be_word(&b, CLOSE_WORD);
	expect(dom, "CLOSE rc=0 state=6");
	expect(dom, "DOWN reason=0");
	expect_states(&dp, 6, 2);
	be_kill(&b);
	assert_int_equal(pvhv_domain_destroy(t.h, dom), 0);
}

static void no_backend(void **state)
{
	struct be_opts o = {.value = 0};
	struct dev_paths dp;
	struct backend b;
	domid_t dom;
	long t0 = now_ms();
	char want[256];

	(void)state;
	dom = guest("g", "timeout=1500", &dp);
	expect(dom, "CONNECT rc=-110");
	assert_true(now_ms() - t0 >= 1500);
	snprintf(want, sizeof(want), "backend %s is Initialising", dp.be);
	assert_non_null(strstr(line, want));
	assert_non_null(strstr(line, "no backend running?"));
	expect_states(&dp, 1, 1);
	/* a backend that comes late still connects the device */
	be_start(&b, &dp, &o);
	expect(dom, "UP n=1");
	expect(dom, "EVENT value=1");
	expect_states(&dp, 4, 4);
	be_kill(&b);
	assert_int_equal(pvhv_domain_destroy(t.h, dom), 0);
}

static void backend_closes(void **state)
{
	struct be_opts o = {.value = 0};
	struct dev_paths dp;
	struct backend b;
	domid_t dom;

	(void)state;
	dom = connected("g", "", &dp, &b, &o);
	expect(dom, "EVENT value=1");
	assert_int_equal(wr_state(xs, dp.be, 5), 0);
	expect(dom, "DOWN reason=-107");
	expect(dom, "UP n=2");
	expect(dom, "EVENT value=2");
	expect_states(&dp, 4, 4);
	be_word(&b, 77);
	expect(dom, "EVENT value=77");
	be_kill(&b);
	assert_int_equal(pvhv_domain_destroy(t.h, dom), 0);
}

static void backend_restart(void **state)
{
	struct be_opts o = {.value = 0}, o2 = {.value = 100};
	struct dev_paths dp;
	struct backend b;
	domid_t dom;

	(void)state;
	dom = connected("g", "", &dp, &b, &o);
	expect(dom, "EVENT value=1");
	be_kill(&b); /* kill -9: the store still says Connected */
	expect_states(&dp, 4, 4);
	be_start(&b, &dp, &o2);
	expect(dom, "DOWN reason=-107");
	expect(dom, "UP n=2");
	expect(dom, "EVENT value=101");
	expect_states(&dp, 4, 4);
	be_word(&b, 555);
	expect(dom, "EVENT value=555");
	be_kill(&b);
	assert_int_equal(pvhv_domain_destroy(t.h, dom), 0);
}

static void backend_restart_direct(void **state)
{
	struct be_opts o = {.value = 0}, o2 = {.direct = true, .value = 200};
	struct dev_paths dp;
	struct backend b;
	domid_t dom;

	(void)state;
	dom = connected("g", "", &dp, &b, &o);
	expect(dom, "EVENT value=1");
	be_kill(&b);
	be_start(&b, &dp, &o2);
	/* 201 when the guest never saw InitWait; 202 after a reconnect */
	expect(dom, "EVENT value=20");
	expect_states(&dp, 4, 4);
	be_word(&b, 666);
	expect(dom, "EVENT value=666");
	be_kill(&b);
	assert_int_equal(pvhv_domain_destroy(t.h, dom), 0);
}

static void hostile_state(void **state)
{
	struct be_opts o = {.value = 0};
	struct dev_paths dp;
	struct backend b;
	char path[200], *v = NULL;
	domid_t dom;

	(void)state;
	dom = connected("g", "reconnect", &dp, &b, &o);
	expect(dom, "EVENT value=1");
	assert_int_equal(wr(xs, dp.be, "state", "banana"), 0);
	expect(dom, "FAILED err=-74");
	assert_non_null(strstr(line, "\"banana\""));
	expect(dom, "DOWN reason=-74");
	snprintf(path, sizeof(path),
		 "/local/domain/%u/error/device/vkbd/0/error", dom);
	assert_int_equal(pvhv_store_read(xs, 0, path, &v, NULL), 0);
	assert_int_equal(
	    strncmp(v, "74 the backend's state is not a state", 37), 0);
	free(v);
	/* the backend sees Closed, offers the device again; the guest
	 * connects anew */
	expect(dom, "UP n=2");
	expect_states(&dp, 4, 4);
	be_kill(&b);
	assert_int_equal(pvhv_domain_destroy(t.h, dom), 0);
}

static void hostile_early(void **state)
{
	struct be_opts o = {.early = "4"};
	struct dev_paths dp;
	struct backend b;
	domid_t dom;

	(void)state;
	dom = guest("g", "timeout=1500", &dp);
	be_start(&b, &dp, &o);
	expect(dom, "CONNECT rc=-110");
	assert_non_null(strstr(line, "never offered InitWait"));
	expect_states(&dp, 1, 4); /* nothing was published */
	be_kill(&b);
	assert_int_equal(pvhv_domain_destroy(t.h, dom), 0);
}

static void hostile_keys(void **state)
{
	struct be_opts o = {.feature = "12abc"};
	struct dev_paths dp;
	struct backend b;
	domid_t dom;

	(void)state;
	dom = guest("g", "", &dp);
	be_start(&b, &dp, &o);
	expect(dom, "CONNECT rc=-74");
	assert_non_null(strstr(line, "refused the backend's offer"));
	expect(dom, "feature-test = \"12abc\": not a number in [0, 1]");
	expect_states(&dp, 6, -2);
	be_kill(&b);
	assert_int_equal(pvhv_domain_destroy(t.h, dom), 0);
}

static void close_unanswered(void **state)
{
	struct be_opts o = {.value = 0};
	struct dev_paths dp;
	struct backend b;
	domid_t dom;

	(void)state;
	dom = connected("g", "", &dp, &b, &o);
	expect(dom, "EVENT value=1");
	/* from now on the backend keeps the page mapped and never answers */
	be_word(&b, FREEZE_WORD);
	be_word(&b, CLOSE_WORD);
	expect(dom, "CLOSE rc=-16 state=6");
	expect(dom, "without the backend's answer");
	be_kill(&b);
	assert_int_equal(pvhv_domain_destroy(t.h, dom), 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	static const struct CMUnitTest tests[] = {
	    T(connect_close),	       T(no_backend),
	    T(backend_closes),	       T(backend_restart),
	    T(backend_restart_direct), T(hostile_state),
	    T(hostile_early),	       T(hostile_keys),
	    T(close_unanswered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
