/*
 * bench_util.h — what every transport in ring_bench shares.
 *
 * The benchmark runs each measurement as a pair of threads: the calling
 * thread is the frontend (pinned to CPU 0) and one new thread is the
 * backend (pinned to CPU 1).  bench_pair_run() starts the backend, waits
 * until both sides are ready, times the frontend only, and joins.
 *
 * Every transport carries the same 64-byte message in both directions.  The
 * frontend numbers its requests 0, 1, 2, ...; the backend checks that it
 * sees them in order and answers each with the same sequence number and a
 * status derived from it; the frontend checks every answer.  A transport
 * that loses, reorders or corrupts a message makes the run fail loudly, so
 * a fast number is never a wrong one.
 */
#ifndef PVKIT_BENCH_UTIL_H
#define PVKIT_BENCH_UTIL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BENCH_MSG_SIZE 64u
#define BENCH_MAX_BATCH 256u

struct bench_msg {
	uint64_t seq;
	uint32_t op;
	uint32_t status;
	uint8_t payload[48];
};
_Static_assert(sizeof(struct bench_msg) == BENCH_MSG_SIZE,
	       "bench messages are 64 bytes");

/* The request numbered seq (every byte written, as a real driver would). */
static inline void bench_make_req(struct bench_msg *m, uint64_t seq)
{
	*m = (struct bench_msg){ .seq = seq, .op = 7, .status = 0 };
	m->payload[0] = (uint8_t)seq;
}

/* The backend's answer to req. */
static inline void bench_make_rsp(struct bench_msg *rsp,
				  const struct bench_msg *req)
{
	*rsp = (struct bench_msg){ .seq = req->seq, .op = req->op,
				   .status = (uint32_t)req->seq ^ 0x5a5a5a5au };
	rsp->payload[0] = req->payload[0];
}

/* The checks each side makes: true when m is what it must be. */
static inline bool bench_req_ok(const struct bench_msg *m, uint64_t seq)
{
	return m->seq == seq && m->op == 7 && m->payload[0] == (uint8_t)seq;
}

static inline bool bench_rsp_ok(const struct bench_msg *m, uint64_t seq)
{
	return m->seq == seq && m->op == 7 &&
	       m->status == ((uint32_t)seq ^ 0x5a5a5a5au) &&
	       m->payload[0] == (uint8_t)seq;
}

/* Parameters of one throughput or round-trip run. */
struct bench_params {
	uint64_t count;  /* request/response pairs (or round trips) */
	unsigned batch;  /* messages per push / enqueue / write */
	unsigned window; /* requests in flight at most (ring capacity) */
};

/*
 * A spinning waiter.  Poll-mode loops call spin_pause() each time they find
 * nothing to do, and spin_done() when they found work.  After a long
 * fruitless spin it yields the CPU, so the benchmark still finishes when
 * both threads share one CPU (a 1-CPU machine, or ctest running other tests
 * at the same time); on two idle CPUs a wait never gets that long.  It
 * deliberately avoids the x86 PAUSE instruction: under KVM a PAUSE loop can
 * exit to the hypervisor, which would measure the host, not the ring.
 * Every transport and the floor use it alike.
 */
struct spin {
	unsigned n;
};
void bench_yield(void);
static inline void spin_pause(struct spin *s)
{
	if (++s->n >= 4096) {
		s->n = 0;
		bench_yield();
	}
}
static inline void spin_done(struct spin *s)
{
	s->n = 0;
}

uint64_t bench_now_ns(void);

/* Median of n values (sorts v). */
double bench_median(double *v, size_t n);

/* Pin the calling thread to cpu.  0 or a negative errno. */
int bench_pin(int cpu);

/* Set when a pin failed: results are then printed with a warning. */
extern atomic_bool bench_unpinned;

/* A failure the run cannot go on from (a transport error or a wrong
 * message): prints and exits 1.  Only the benchmark's own code calls it. */
_Noreturn void bench_fail(const char *what, const char *detail);

/* One side of a pair; arg is the transport's context. */
typedef void (*bench_side_fn)(void *arg);

/* Shared start line between the two sides of a pair. */
struct bench_start {
	atomic_int ready;
};

/* Each side calls this once it is set up; returns when both are.  The
 * frontend starts its clock right after. */
void bench_start_wait(struct bench_start *st);

/* Run front on the calling thread (pinned to CPU 0 by main) and back on a
 * new thread pinned to CPU 1, both given arg, and wait for both.  The front
 * side stores what it measured in its context. */
void bench_pair_run(bench_side_fn front, bench_side_fn back, void *arg);

#endif
