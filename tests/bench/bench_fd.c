/*
 * ring_bench, kernel baselines: the same 64-byte request/response traffic
 * over two pipes and over one unix stream socketpair.
 *
 * Both sides use blocking I/O, as ordinary programs do.  The frontend writes
 * whole messages, batch at a time, while fewer than window requests are in
 * flight, then reads what has arrived; the backend reads up to a batch,
 * answers every whole message in one write.  A stream may split a message
 * across reads, so each reader keeps the partial tail for the next read.
 * Deadlock is impossible: at most window messages (16 KiB at 256) are ever
 * unread, far less than a pipe or socket buffer.
 */
#include "bench.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct fd_ctx {
	struct bench_start st;
	struct bench_params p;
	int front_w, front_r; /* frontend writes requests, reads responses */
	int back_r, back_w;
	uint64_t ns;
};

/* A reader's buffer: whole messages plus a partial tail. */
struct rxbuf {
	size_t have;
	union {
		struct bench_msg msg[BENCH_MAX_BATCH];
		unsigned char bytes[BENCH_MAX_BATCH * BENCH_MSG_SIZE];
	} u;
};

static void write_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			bench_fail("write", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

/* One blocking read of at most batch messages' worth; returns the number
 * of whole messages now at the start of rx->u.msg. */
static unsigned read_some(int fd, struct rxbuf *rx, unsigned batch)
{
	ssize_t n;

	do
		n = read(fd, rx->u.bytes + rx->have,
			 batch * BENCH_MSG_SIZE - rx->have);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		bench_fail("read", n ? strerror(errno) : "end of file");
	rx->have += (size_t)n;
	return (unsigned)(rx->have / BENCH_MSG_SIZE);
}

/* Drop the first k whole messages, keeping a partial tail. */
static void consume(struct rxbuf *rx, unsigned k)
{
	size_t used = (size_t)k * BENCH_MSG_SIZE;

	memmove(rx->u.bytes, rx->u.bytes + used, rx->have - used);
	rx->have -= used;
}

static void fd_front(void *arg)
{
	struct fd_ctx *c = arg;
	static _Thread_local struct bench_msg tx[BENCH_MAX_BATCH];
	static _Thread_local struct rxbuf rx;
	uint64_t sent = 0, rcvd = 0, t0, n = c->p.count;

	rx.have = 0;
	bench_start_wait(&c->st);
	t0 = bench_now_ns();
	while (rcvd < n) {
		while (sent < n && sent - rcvd < c->p.window) {
			uint64_t k = c->p.window - (sent - rcvd);

			k = k < c->p.batch ? k : c->p.batch;
			k = k < n - sent ? k : n - sent;
			for (unsigned i = 0; i < k; i++)
				bench_make_req(&tx[i], sent + i);
			write_all(c->front_w, tx, k * BENCH_MSG_SIZE);
			sent += k;
		}
		unsigned got = read_some(c->front_r, &rx, c->p.batch);
		for (unsigned i = 0; i < got; i++)
			if (!bench_rsp_ok(&rx.u.msg[i], rcvd++))
				bench_fail("fd throughput", "wrong response");
		consume(&rx, got);
	}
	c->ns = bench_now_ns() - t0;
}

static void fd_back(void *arg)
{
	struct fd_ctx *c = arg;
	static _Thread_local struct bench_msg tx[BENCH_MAX_BATCH];
	static _Thread_local struct rxbuf rx;
	uint64_t done = 0;

	rx.have = 0;
	bench_start_wait(&c->st);
	while (done < c->p.count) {
		unsigned got = read_some(c->back_r, &rx, c->p.batch);

		for (unsigned i = 0; i < got; i++) {
			if (!bench_req_ok(&rx.u.msg[i], done++))
				bench_fail("fd throughput", "wrong request");
			bench_make_rsp(&tx[i], &rx.u.msg[i]);
		}
		consume(&rx, got);
		if (got)
			write_all(c->back_w, tx, got * BENCH_MSG_SIZE);
	}
}

static double fd_run(struct fd_ctx *c)
{
	bench_pair_run(fd_front, fd_back, c);
	return (double)c->p.count * 1e3 / (double)c->ns;
}

double bench_pipe_throughput(const struct bench_params *p)
{
	int req[2], rsp[2];
	struct fd_ctx c = { .p = *p };
	double r;

	if (pipe(req) || pipe(rsp))
		bench_fail("pipe", strerror(errno));
	c.front_w = req[1];
	c.back_r = req[0];
	c.back_w = rsp[1];
	c.front_r = rsp[0];
	r = fd_run(&c);
	close(req[0]);
	close(req[1]);
	close(rsp[0]);
	close(rsp[1]);
	return r;
}

double bench_socketpair_throughput(const struct bench_params *p)
{
	int sv[2];
	struct fd_ctx c = { .p = *p };
	double r;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		bench_fail("socketpair", strerror(errno));
	c.front_w = c.front_r = sv[0];
	c.back_r = c.back_w = sv[1];
	r = fd_run(&c);
	close(sv[0]);
	close(sv[1]);
	return r;
}
