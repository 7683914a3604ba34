/*
 * guest_store_bench — the guest side of store_bench: store operations
 * over this guest's own store ring, with libpvfront's client.
 *
 *   kernel = "guest_store_bench"   cmdline = "[max=N]"
 *
 * It writes data/val (64 bytes), watches data/cmd ("cmd") and data/ping
 * ("ping"), prints "BENCH READY" and then serves events:
 *   data/ping changed   writes data/pong (dom0 times the round trip)
 *   data/cmd = "ops N"  times N reads of data/val, N writes of data/out,
 *                       and N reads with PIPE requests in flight (one
 *                       time for the batch), then writes data/done = the
 *                       number of chunks run so far
 *   data/cmd = "report" prints
 *     "RESULT read p50=<ns> p99=<ns> n=<count>"  (and "write")
 *     "RESULT pipelined ops_per_s=<n> n=<count>"
 * Times are CLOCK_MONOTONIC around each call; at most max (default
 * 200000) samples are kept per kind.  A failure prints "FAILED ..." and
 * the guest idles until destroyed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guest_util.h"
#include "pvkit/front_xs.h"
#include "pvkit/store.h"

#define PIPE 32u

static struct pvfront_posix *P;
static struct pvfront_xs xs;

struct samples {
	uint64_t *v;
	size_t n, max;
};

static struct samples rd, wr;
static uint64_t pipe_ops, pipe_ns;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static _Noreturn void failed(const char *what, int rc)
{
	guest_say(P, "FAILED %s: %d (%s)\n", what, rc, pv_xs_error_name(rc));
	for (;;)
		(void)pvfront_posix_block(P);
}

static void keep(struct samples *s, uint64_t ns)
{
	if (s->n < s->max)
		s->v[s->n++] = ns;
}

static void time_reads(unsigned long n)
{
	char buf[128];

	for (unsigned long i = 0; i < n; i++) {
		uint64_t t0 = now_ns();
		int rc = pvfront_xs_read(&xs, 0, "data/val", buf, sizeof(buf));

		if (rc != 64)
			failed("read data/val", rc);
		keep(&rd, now_ns() - t0);
	}
}

static void time_writes(unsigned long n)
{
	static const char v[64] = "abcdefghijklmnopqrstuvwxyz0123456789";

	for (unsigned long i = 0; i < n; i++) {
		uint64_t t0 = now_ns();
		int rc = pvfront_xs_write(&xs, 0, "data/out", v, sizeof(v));

		if (rc)
			failed("write data/out", rc);
		keep(&wr, now_ns() - t0);
	}
}

/* n reads with up to PIPE in flight: each completion submits the next. */
struct pipe_state {
	struct pvfront_xs_req req[PIPE];
	char buf[PIPE][128];
	unsigned long left, done;
	int err;
};

static void pipe_done(struct pvfront_xs *c, struct pvfront_xs_req *r,
		      int status, void *arg);

static void pipe_submit(struct pipe_state *ps, struct pvfront_xs_req *r)
{
	size_t i = (size_t)(r - ps->req);
	int rc;

	pvfront_xs_req_init(r, XS_READ, 0, ps->buf[i], sizeof(ps->buf[i]));
	pvfront_xs_req_add_str(r, "data/val");
	/* Counted first: submit may complete other requests, whose
	 * callbacks submit again, before it returns. */
	ps->left--;
	rc = pvfront_xs_submit(&xs, r, pipe_done, ps);
	if (rc) {
		ps->left++;
		ps->err = rc;
	}
}

static void pipe_done(struct pvfront_xs *c, struct pvfront_xs_req *r,
		      int status, void *arg)
{
	struct pipe_state *ps = arg;

	(void)c;
	if (status || pvfront_xs_req_len(r) != 64)
		ps->err = status ? status : -XEN_EIO;
	ps->done++;
	if (ps->left && !ps->err)
		pipe_submit(ps, r);
}

static void time_pipelined(unsigned long n)
{
	static struct pipe_state ps;
	unsigned long want = n;
	uint64_t t0 = now_ns();

	memset(&ps, 0, sizeof(ps));
	ps.left = n;
	for (unsigned int i = 0; i < PIPE && ps.left; i++)
		pipe_submit(&ps, &ps.req[i]);
	while (ps.done < want - ps.left && !ps.err) {
		int rc = pvfront_xs_pump(&xs);

		if (rc)
			failed("pump", rc);
		if (ps.done < want - ps.left)
			(void)pvfront_posix_wait(P, (evtchn_port_t[4]){ 0 }, 4,
						 10);
	}
	if (ps.err)
		failed("pipelined read", ps.err);
	pipe_ns += now_ns() - t0;
	pipe_ops += want;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t pct(struct samples *s, double p)
{
	size_t i = (size_t)(p * (double)(s->n - 1) + 0.5);

	return s->n ? s->v[i] : 0;
}

static void report(const char *name, struct samples *s)
{
	qsort(s->v, s->n, sizeof(s->v[0]), cmp_u64);
	guest_say(P, "RESULT %s p50=%llu p99=%llu n=%zu\n", name,
		  (unsigned long long)pct(s, 0.50),
		  (unsigned long long)pct(s, 0.99), s->n);
}

static void command(unsigned long *chunks)
{
	char cmd[64], done[24];
	int n = pvfront_xs_read(&xs, 0, "data/cmd", cmd, sizeof(cmd) - 1);

	if (n < 0)
		failed("read data/cmd", n);
	cmd[n < (int)sizeof(cmd) ? n : (int)sizeof(cmd) - 1] = '\0';
	if (!strncmp(cmd, "ops ", 4)) {
		unsigned long count = strtoul(cmd + 4, NULL, 10);

		time_reads(count);
		time_writes(count);
		time_pipelined(count);
		n = snprintf(done, sizeof(done), "%lu", ++*chunks);
		n = pvfront_xs_write(&xs, 0, "data/done", done, (size_t)n);
		if (n)
			failed("write data/done", n);
	} else if (!strcmp(cmd, "report")) {
		report("read", &rd);
		report("write", &wr);
		guest_say(P, "RESULT pipelined ops_per_s=%llu n=%llu\n",
			  (unsigned long long)(pipe_ns ? pipe_ops * 1000000000u /
							 pipe_ns
						       : 0),
			  (unsigned long long)pipe_ops);
	}
}

static void serve(void)
{
	static char evbuf[PVFRONT_XS_EVENT_MAX];
	bool seen_cmd = false, seen_ping = false;
	unsigned long chunks = 0;

	for (;;) {
		struct pvfront_xs_event ev;
		int rc = pvfront_xs_wait_event(&xs, evbuf, sizeof(evbuf), &ev);

		if (rc)
			failed("wait_event", rc);
		if (!strcmp(ev.token, "ping")) {
			/* The first event is the watch's initial one. */
			if (seen_ping && (rc = pvfront_xs_write(&xs, 0, "data/pong",
							       "1", 1)))
				failed("write data/pong", rc);
			seen_ping = true;
		} else if (!strcmp(ev.token, "cmd")) {
			if (seen_cmd)
				command(&chunks);
			seen_cmd = true;
		}
	}
}

int main(int argc, char **argv)
{
	static const char val[64] = "0123456789abcdef0123456789abcdef"
				    "0123456789abcdef0123456789abcde";
	int rc;

	P = guest_open(argc, argv);
	rd.max = wr.max = guest_value(argc, argv, "max=", 200000);
	rd.v = calloc(rd.max, sizeof(uint64_t));
	wr.v = calloc(wr.max, sizeof(uint64_t));
	if (!rd.v || !wr.v)
		failed("calloc", -XEN_ENOMEM);
	rc = pvfront_posix_xs_open(P, &xs, 0);
	if (rc)
		failed("xs_open", rc);
	if ((rc = pvfront_xs_write(&xs, 0, "data/val", val, 64)) ||
	    (rc = pvfront_xs_watch(&xs, "data/cmd", "cmd")) ||
	    (rc = pvfront_xs_watch(&xs, "data/ping", "ping")))
		failed("setup", rc);
	guest_say(P, "BENCH READY\n");
	serve();
}
