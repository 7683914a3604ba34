/*
 * store_bench — store operations through a real pvhv, from dom0 (libpvhv's
 * client on xenstored.sock) and from a guest (libpvfront's client on its
 * store ring), next to the same run's bare unix-socket round trip.
 * `store_bench --help` explains every row.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "pvkit/proto/xs_wire.h"

static const char usage[] =
"usage: store_bench [--quick] [--count N] [--rounds N] [--help]\n"
"\n"
"Starts its own pvhv (a temporary run directory) and one guest_store_bench\n"
"process guest.  This process is dom0 and talks to pvhv's store through\n"
"libpvhv (pvhv_store_*, on DIR/xenstored.sock).  Rows, per operation:\n"
"\n"
"  socket echo (baseline)   a 16-byte header + path written to a unix\n"
"                           stream socket, a forked process reads it and\n"
"                           answers a header + 64 bytes: the floor of any\n"
"                           request/reply over a socket, nothing stored\n"
"  dom0 read                pvhv_store_read() of a 64-byte value (blocking)\n"
"  dom0 write               pvhv_store_write() of a 64-byte value\n"
"  dom0 watch event         a second connection writes a node the first\n"
"                           watches; from before the write until the\n"
"                           first connection's watch callback ran\n"
"  guest watch round trip   dom0 writes the guest's data/ping; the guest,\n"
"                           woken by its watch event, writes data/pong;\n"
"                           until dom0's watch on data/pong fired\n"
"  dom0 read, 32 in flight  pvhv_store_read_async() kept 32 deep (ops/s)\n"
"  guest read / write       timed inside the guest around pvfront_xs_read()\n"
"                           and pvfront_xs_write() on its ring (64 bytes)\n"
"  guest read, 32 in flight pvfront_xs_submit() kept 32 deep (ops/s)\n"
"\n"
"Every row gets --count timed operations in --rounds rounds; in each round\n"
"every row runs its share, row after row, so noise hits all alike.  The\n"
"table shows p50 and p99 in ns (or operations per second), then one line\n"
"per ratio, for information (the issue sets no target):\n"
"  dom0 read / socket echo, guest read / dom0 read,\n"
"  dom0 watch event / dom0 write.\n"
"The exit status is 0 unless something failed.\n"
"\n"
"Options:\n"
"  --quick      a smoke run (ctest store_bench_smoke): 200 operations per\n"
"               row in 2 rounds\n"
"  --count N    timed operations per row (default 20000)\n"
"  --rounds N   rounds (default 10)\n"
"  --help       this text\n";

#define PIPE 32u
#define VALUE_LEN 64u

enum row { R_ECHO, R_READ, R_WRITE, R_WATCH, R_GUEST_RTT, R_PIPE, NR_ROWS };

static const char *const row_name[NR_ROWS] = {
	"socket echo (baseline)", "dom0 read", "dom0 write",
	"dom0 watch event", "guest watch round trip",
	"dom0 read, 32 in flight",
};

struct bench {
	struct hvt t;
	struct pvhv_store *a, *b; /* a watches, b acts */
	domid_t dom;
	char guest_home[64];
	int echo_fd;
	pid_t echo_pid;
	uint64_t *ns[NR_ROWS];
	size_t n[NR_ROWS];
	uint64_t pipe_ops, pipe_ns;
	unsigned long events; /* watch callbacks seen on a */
	unsigned long chunks;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static _Noreturn void fail(const char *what, int rc)
{
	fprintf(stderr, "store_bench: %s: %s\n", what, strerror(-rc));
	exit(1);
}

static void record(struct bench *b, enum row r, uint64_t ns)
{
	b->ns[r][b->n[r]++] = ns;
}

/* ---- the baseline: a socket and a process that answers ------------------ */

static int full_io(int fd, void *buf, size_t len, bool wr)
{
	for (size_t off = 0; off < len;) {
		ssize_t n = wr ? write(fd, (char *)buf + off, len - off)
			       : read(fd, (char *)buf + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

static const char echo_path[] = "/bench/val";

static _Noreturn void echo_main(int fd)
{
	uint8_t req[16 + sizeof(echo_path)], rsp[16 + VALUE_LEN] = { 0 };

	while (full_io(fd, req, sizeof(req), false) == 0)
		if (full_io(fd, rsp, sizeof(rsp), true))
			break;
	_exit(0);
}

static void echo_start(struct bench *b)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		fail("socketpair", -errno);
	b->echo_pid = fork();
	if (b->echo_pid < 0)
		fail("fork", -errno);
	if (b->echo_pid == 0) {
		close(sv[0]);
		echo_main(sv[1]);
	}
	close(sv[1]);
	b->echo_fd = sv[0];
}

static void op_echo(struct bench *b)
{
	uint8_t req[16 + sizeof(echo_path)] = { XS_READ }, rsp[16 + VALUE_LEN];

	memcpy(req + 16, echo_path, sizeof(echo_path));
	if (full_io(b->echo_fd, req, sizeof(req), true) ||
	    full_io(b->echo_fd, rsp, sizeof(rsp), false))
		fail("socket echo", -EPIPE);
}

/* ---- dom0 rows ------------------------------------------------------------ */

static void op_read(struct bench *b)
{
	char *v;
	size_t len;
	int rc = pvhv_store_read(b->b, PVHV_STORE_TX_NONE, echo_path, &v, &len);

	if (rc || len != VALUE_LEN)
		fail("dom0 read", rc ? rc : -EIO);
	free(v);
}

static void op_write(struct bench *b, const char *path)
{
	static const char v[VALUE_LEN] = "abcdefghijklmnopqrstuvwxyz";
	int rc = pvhv_store_write(b->b, PVHV_STORE_TX_NONE, path, v, sizeof(v));

	if (rc)
		fail("dom0 write", rc);
}

static void on_watch(struct pvhv_store *s, const char *path,
		     const char *token, void *arg)
{
	struct bench *b = arg;

	(void)s;
	(void)path;
	(void)token;
	b->events++;
}

/* Run a's callbacks until `events` reaches want. */
static struct bench *the_bench;

/* A guest that failed says why on its console: show the console. */
static void guest_failure(void)
{
	char out[4096];

	if (!the_bench || !the_bench->dom)
		return;
	(void)hvt_sh(out, sizeof(out), "%s --rundir %s console %u 2>&1 | tail -5",
		     PVCTL_BIN, the_bench->t.rundir, the_bench->dom);
	fprintf(stderr, "store_bench: the guest's console ends:\n%s", out);
}

static void wait_events(struct bench *b, unsigned long want)
{
	while (b->events < want) {
		struct pollfd p = { .fd = pvhv_store_fd(b->a), .events = POLLIN };
		int rc = poll(&p, 1, 10000);

		if (rc == 0) {
			guest_failure();
			fail("waiting for a watch event", -ETIMEDOUT);
		}
		rc = pvhv_store_process(b->a);
		if (rc < 0)
			fail("pvhv_store_process", rc);
	}
}

static void op_watch(struct bench *b, const char *path)
{
	unsigned long want = b->events + 1;

	op_write(b, path);
	wait_events(b, want);
}

struct pipe_state {
	struct bench *b;
	unsigned long left, done;
	int err;
};

static void pipe_done(struct pvhv_store *s, int err, const char *value,
		      size_t len, void *arg);

static void pipe_submit(struct pipe_state *ps)
{
	int rc;

	ps->left--; /* before: a callback may submit again (see the guest) */
	rc = pvhv_store_read_async(ps->b->b, PVHV_STORE_TX_NONE, echo_path,
				   pipe_done, ps);
	if (rc) {
		ps->left++;
		ps->err = rc;
	}
}

static void pipe_done(struct pvhv_store *s, int err, const char *value,
		      size_t len, void *arg)
{
	struct pipe_state *ps = arg;

	(void)s;
	(void)value;
	if (err || len != VALUE_LEN)
		ps->err = err ? err : -EIO;
	ps->done++;
	if (ps->left && !ps->err)
		pipe_submit(ps);
}

static void run_pipelined(struct bench *b, unsigned long n)
{
	struct pipe_state ps = { .b = b, .left = n };
	uint64_t t0 = now_ns();

	for (unsigned int i = 0; i < PIPE && ps.left; i++)
		pipe_submit(&ps);
	while (ps.done < n && !ps.err) {
		struct pollfd p = { .fd = pvhv_store_fd(b->b), .events = POLLIN };
		int rc = poll(&p, 1, 10000);

		if (rc == 0)
			fail("pipelined reads", -ETIMEDOUT);
		rc = pvhv_store_process(b->b);
		if (rc < 0)
			ps.err = rc;
	}
	if (ps.err)
		fail("pipelined reads", ps.err);
	b->pipe_ns += now_ns() - t0;
	b->pipe_ops += n;
}

/* ---- the guest ------------------------------------------------------------ */

static void guest_chunk(struct bench *b, unsigned long n)
{
	char cmd[32], path[96], *v = NULL;
	unsigned long want = b->events + 1;
	int rc;

	snprintf(cmd, sizeof(cmd), "ops %lu", n);
	snprintf(path, sizeof(path), "%s/data/cmd", b->guest_home);
	rc = pvhv_store_write(b->b, PVHV_STORE_TX_NONE, path, cmd, strlen(cmd));
	if (rc)
		fail("guest command", rc);
	snprintf(path, sizeof(path), "%s/data/done", b->guest_home);
	for (b->chunks++;; want = b->events + 1) {
		wait_events(b, want);
		rc = pvhv_store_read(b->b, PVHV_STORE_TX_NONE, path, &v, NULL);
		if (rc == 0 && strtoul(v, NULL, 10) == b->chunks)
			break;
		free(v);
		v = NULL;
	}
	free(v);
}

static void setup(struct bench *b, unsigned long count)
{
	char path[96], line[256];
	int rc;

	for (int r = 0; r < NR_ROWS; r++)
		if (!(b->ns[r] = calloc(count, sizeof(uint64_t))))
			fail("calloc", -ENOMEM);
	echo_start(b);
	if ((rc = hvt_start(&b->t, NULL)))
		fail("starting pvhv", rc);
	if ((rc = pvhv_store_open(b->t.rundir, 0, &b->a)) ||
	    (rc = pvhv_store_open(b->t.rundir, 0, &b->b)))
		fail("pvhv_store_open", rc);
	snprintf(line, sizeof(line), "max=%lu", count);
	if ((rc = hvt_create(&b->t, "bench", "guest_store_bench", line, NULL,
			     &b->dom)))
		fail("creating the guest", rc);
	if ((rc = hvt_console_expect(&b->t, b->dom, "BENCH READY", line,
				     sizeof(line), 30000)))
		fail("the guest did not start", rc);
	snprintf(b->guest_home, sizeof(b->guest_home), "/local/domain/%u",
		 b->dom);
	op_write(b, "/bench/w");
	if ((rc = pvhv_store_write(b->b, 0, echo_path, "0123456789abcdef0123"
				   "456789abcdef0123456789abcdef0123456789abcdef",
				   VALUE_LEN)))
		fail("writing /bench/val", rc);
	snprintf(path, sizeof(path), "%s/data/pong", b->guest_home);
	if ((rc = pvhv_store_watch(b->a, "/bench/w", "w", on_watch, b)) ||
	    (rc = pvhv_store_watch(b->a, path, "pong", on_watch, b)))
		fail("watch", rc);
	snprintf(path, sizeof(path), "%s/data/done", b->guest_home);
	if ((rc = pvhv_store_watch(b->a, path, "done", on_watch, b)))
		fail("watch", rc);
	(void)pvhv_store_process(b->a); /* the initial events */
}

/* ---- the run ---------------------------------------------------------------- */

static void timed(struct bench *b, enum row r, unsigned long n)
{
	char ping[96];

	snprintf(ping, sizeof(ping), "%s/data/ping", b->guest_home);
	for (unsigned long i = 0; i < n; i++) {
		uint64_t t0 = now_ns();

		switch (r) {
		case R_ECHO: op_echo(b); break;
		case R_READ: op_read(b); break;
		case R_WRITE: op_write(b, "/bench/out"); break;
		case R_WATCH: op_watch(b, "/bench/w"); break;
		case R_GUEST_RTT: op_watch(b, ping); break;
		default: return;
		}
		record(b, r, now_ns() - t0);
	}
}

static void run(struct bench *b, unsigned long count, unsigned long rounds)
{
	for (unsigned long round = 0; round < rounds; round++) {
		unsigned long n = count / rounds +
				  (round < count % rounds ? 1 : 0);

		for (int r = 0; r < NR_ROWS; r++) {
			if (r == R_PIPE)
				run_pipelined(b, n);
			else
				timed(b, (enum row)r, n);
		}
		guest_chunk(b, n);
	}
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, c = *(const uint64_t *)y;

	return a < c ? -1 : a > c;
}

static double pct(uint64_t *v, size_t n, double p)
{
	return n ? (double)v[(size_t)(p * (double)(n - 1) + 0.5)] : 0;
}

/* The guest's "RESULT <name> ..." line. */
static void guest_result(struct bench *b, const char *name, char *line,
			 size_t len)
{
	char pat[64];
	int rc;

	snprintf(pat, sizeof(pat), "RESULT %s ", name);
	if ((rc = hvt_console_expect(&b->t, b->dom, pat, line, len, 30000)))
		fail("the guest's results", rc);
}

static void report(struct bench *b)
{
	double p50[NR_ROWS] = { 0 };
	char line[256];
	long g_read, g_write, g_pipe;
	int rc;

	printf("%-28s %10s %10s %8s\n", "row", "p50 ns", "p99 ns", "count");
	for (int r = 0; r < R_PIPE; r++) {
		qsort(b->ns[r], b->n[r], sizeof(uint64_t), cmp_u64);
		p50[r] = pct(b->ns[r], b->n[r], 0.50);
		printf("%-28s %10.0f %10.0f %8zu\n", row_name[r], p50[r],
		       pct(b->ns[r], b->n[r], 0.99), b->n[r]);
	}
	rc = pvhv_store_write(b->b, 0, "/bench/report", "1", 1);
	snprintf(line, sizeof(line), "%s/data/cmd", b->guest_home);
	if (rc || (rc = pvhv_store_write(b->b, 0, line, "report", 6)))
		fail("asking for the guest's results", rc);
	guest_result(b, "read", line, sizeof(line));
	g_read = hvt_field(line, "p50");
	printf("%-28s %10ld %10ld %8ld\n", "guest read", g_read,
	       hvt_field(line, "p99"), hvt_field(line, "n"));
	guest_result(b, "write", line, sizeof(line));
	g_write = hvt_field(line, "p50");
	printf("%-28s %10ld %10ld %8ld\n", "guest write", g_write,
	       hvt_field(line, "p99"), hvt_field(line, "n"));
	guest_result(b, "pipelined", line, sizeof(line));
	g_pipe = hvt_field(line, "ops_per_s");
	printf("\n%-28s %10.0f ops/s (%llu reads)\n", row_name[R_PIPE],
	       b->pipe_ns ? (double)b->pipe_ops * 1e9 / (double)b->pipe_ns : 0,
	       (unsigned long long)b->pipe_ops);
	printf("%-28s %10ld ops/s (%ld reads)\n", "guest read, 32 in flight",
	       g_pipe, hvt_field(line, "n"));
	printf("%-28s %10.0f ops/s, %.0f ops/s\n", "dom0 read, write (1 deep)",
	       p50[R_READ] ? 1e9 / p50[R_READ] : 0,
	       p50[R_WRITE] ? 1e9 / p50[R_WRITE] : 0);
	printf("%-28s %10.0f ops/s, %.0f ops/s\n", "guest read, write (1 deep)",
	       g_read > 0 ? 1e9 / (double)g_read : 0,
	       g_write > 0 ? 1e9 / (double)g_write : 0);
	printf("\nratio dom0-read/socket-echo: %.2f (information)\n",
	       p50[R_ECHO] ? p50[R_READ] / p50[R_ECHO] : 0);
	printf("ratio guest-read/dom0-read: %.2f (information)\n",
	       p50[R_READ] && g_read > 0 ? (double)g_read / p50[R_READ] : 0);
	printf("ratio dom0-watch-event/dom0-write: %.2f (information)\n",
	       p50[R_WRITE] ? p50[R_WATCH] / p50[R_WRITE] : 0);
}

static void teardown(struct bench *b)
{
	int rc;

	pvhv_store_close(b->a);
	pvhv_store_close(b->b);
	close(b->echo_fd);
	waitpid(b->echo_pid, NULL, 0);
	if ((rc = hvt_stop(&b->t)))
		fail("pvhv did not stop cleanly", rc);
	for (int r = 0; r < NR_ROWS; r++)
		free(b->ns[r]);
}

static unsigned long number(const char *opt, const char *s)
{
	char *end;
	unsigned long v = s ? strtoul(s, &end, 10) : 0;

	if (!s || *end || v == 0 || v > 10000000) {
		fprintf(stderr, "store_bench: %s wants a number in 1..10000000 "
				"(see --help)\n", opt);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static struct bench b;

	the_bench = &b;
	unsigned long count = 20000, rounds = 10;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--quick")) {
			count = 200;
			rounds = 2;
		} else if (!strcmp(argv[i], "--count")) {
			count = number("--count", argv[++i < argc ? i : 0]);
		} else if (!strcmp(argv[i], "--rounds")) {
			rounds = number("--rounds", argv[++i < argc ? i : 0]);
		} else {
			fprintf(stderr, "store_bench: unknown option '%s' "
					"(see --help)\n", argv[i]);
			return 2;
		}
	}
	if (rounds > count)
		rounds = count;
	signal(SIGPIPE, SIG_IGN);
	setup(&b, count);
	run(&b, count, rounds);
	report(&b);
	teardown(&b);
	return 0;
}
