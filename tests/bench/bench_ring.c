/*
 * ring_bench, the subject and the floor: libpvring's request/response ring
 * driven through its public API in poll mode, and two threads bouncing one
 * cache line (the least a cross-CPU round trip can cost on this machine).
 */
#include "bench.h"

#include <stdio.h>
#include <sys/mman.h>

#include "bench_proto.h"

struct ring_ctx {
	struct bench_start st;
	struct bench_params p;
	void *shared;
	size_t bytes;
	uint64_t ns;
};

size_t bench_ring_bytes(unsigned nr_ents)
{
	size_t need = PV_SRING_HDR_SIZE + (size_t)nr_ents * BENCH_MSG_SIZE;

	return (need + 4095) & ~(size_t)4095;
}

void *bench_ring_alloc(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		bench_fail("mmap of the shared ring", NULL);
	return p;
}

static void ring_check(int rc, const char *what)
{
	if (rc < 0)
		bench_fail(what, rc == -XEN_EIO ? "ring index corrupt"
						: "ring error");
}

/* ---- (a) round trip: one request in flight ------------------------------ */

static void rt_front(void *arg)
{
	struct ring_ctx *c = arg;
	struct bench_front f;
	struct bench_msg rsp;
	struct spin sp = { 0 };
	uint64_t t0;
	int rc;

	ring_check(bench_front_init(&f, c->shared, c->bytes), "front init");
	bench_start_wait(&c->st);
	t0 = bench_now_ns();
	for (uint64_t i = 0; i < c->p.count; i++) {
		bench_make_req(bench_next_request(&f), i);
		bench_push_requests(&f);
		while ((rc = bench_get_response(&f, &rsp)) == -XEN_EAGAIN)
			spin_pause(&sp);
		spin_done(&sp);
		ring_check(rc, "get_response");
		if (!bench_rsp_ok(&rsp, i))
			bench_fail("ring round trip", "wrong response");
	}
	c->ns = bench_now_ns() - t0;
}

static void rt_back(void *arg)
{
	struct ring_ctx *c = arg;
	struct bench_back b;
	struct bench_msg req;
	struct spin sp = { 0 };
	int rc;

	ring_check(bench_back_init(&b, c->shared, c->bytes), "back init");
	bench_start_wait(&c->st);
	for (uint64_t i = 0; i < c->p.count; i++) {
		while ((rc = bench_copy_request(&b, &req)) == -XEN_EAGAIN)
			spin_pause(&sp);
		spin_done(&sp);
		ring_check(rc, "copy_request");
		if (!bench_req_ok(&req, i))
			bench_fail("ring round trip", "wrong request");
		bench_make_rsp(bench_next_response(&b), &req);
		bench_push_responses(&b);
	}
}

double bench_ring_roundtrip(void *shared, size_t bytes, uint64_t count)
{
	struct ring_ctx c = { .p = { .count = count }, .shared = shared,
			      .bytes = bytes };

	pv_sring_init(shared);
	bench_pair_run(rt_front, rt_back, &c);
	return (double)c.ns / (double)count;
}

/* ---- the floor: one cache line bounced between the two CPUs ------------ */

/*
 * The bounced line is the first line of the ring's own shared pages (its
 * header, the line whose indices the ring round trip bounces), not a line
 * of its own: on a virtual machine the cost of moving a line between two
 * CPUs depends on its physical address (which part of the host's cache
 * directory tracks it), by up to 2x from one page to the next, so a floor
 * measured elsewhere would not be this ring's floor.
 */
struct floor_ctx {
	struct bench_start st;
	_Atomic uint64_t *line;
	uint64_t count;
	uint64_t ns;
};

static void floor_front(void *arg)
{
	struct floor_ctx *c = arg;
	_Atomic uint64_t *line = c->line;
	struct spin sp = { 0 };
	uint64_t t0, n = c->count;

	bench_start_wait(&c->st);
	t0 = bench_now_ns();
	for (uint64_t i = 0; i < n; i++) {
		/* Odd: "request"; the backend answers with the next even. */
		atomic_store_explicit(line, 2 * i + 1, memory_order_release);
		while (atomic_load_explicit(line, memory_order_acquire) !=
		       2 * i + 2)
			spin_pause(&sp);
		spin_done(&sp);
	}
	c->ns = bench_now_ns() - t0;
}

static void floor_back(void *arg)
{
	struct floor_ctx *c = arg;
	_Atomic uint64_t *line = c->line;
	struct spin sp = { 0 };
	uint64_t n = c->count;

	bench_start_wait(&c->st);
	for (uint64_t i = 0; i < n; i++) {
		while (atomic_load_explicit(line, memory_order_acquire) !=
		       2 * i + 1)
			spin_pause(&sp);
		spin_done(&sp);
		atomic_store_explicit(line, 2 * i + 2, memory_order_release);
	}
}

double bench_floor_roundtrip(void *shared, uint64_t count)
{
	struct floor_ctx c = { .line = shared, .count = count };

	atomic_store(c.line, 0);
	bench_pair_run(floor_front, floor_back, &c);
	return (double)c.ns / (double)count;
}

/* ---- (b) throughput: keep the ring full, answer everything -------------- */

/* Claim and fill up to batch slots, then publish them with one push. */
static unsigned tp_fill(struct pv_front_ring *f, uint64_t *sent,
			uint64_t count, unsigned batch)
{
	unsigned k = 0;
	void *slot;

	while (k < batch && *sent < count &&
	       (slot = pv_front_ring_next_request(f)) != NULL) {
		bench_make_req(slot, (*sent)++);
		k++;
	}
	if (k)
		pv_front_ring_push_requests(f);
	return k;
}

/* Read up to batch responses; how many were read. */
static unsigned tp_drain(struct pv_front_ring *f, uint64_t *rcvd,
			 unsigned batch)
{
	struct bench_msg rsp;
	int n = pv_front_ring_unconsumed_responses(f);

	ring_check(n, "unconsumed_responses");
	if ((unsigned)n > batch)
		n = (int)batch;
	for (int i = 0; i < n; i++) {
		ring_check(pv_front_ring_get_response(f, &rsp, sizeof(rsp)),
			   "get_response");
		if (!bench_rsp_ok(&rsp, (*rcvd)++))
			bench_fail("ring throughput", "wrong response");
	}
	return (unsigned)n;
}

static void tp_front(void *arg)
{
	struct ring_ctx *c = arg;
	struct pv_front_ring f;
	struct spin sp = { 0 };
	uint64_t sent = 0, rcvd = 0, t0;

	ring_check(pv_front_ring_init(&f, c->shared, c->bytes, BENCH_MSG_SIZE),
		   "front init");
	bench_start_wait(&c->st);
	t0 = bench_now_ns();
	while (rcvd < c->p.count) {
		while (tp_fill(&f, &sent, c->p.count, c->p.batch))
			;
		if (tp_drain(&f, &rcvd, c->p.batch))
			spin_done(&sp);
		else
			spin_pause(&sp);
	}
	c->ns = bench_now_ns() - t0;
}

/* Answer up to batch requests, each in the slot it came from; one push. */
static unsigned tp_answer(struct pv_back_ring *b, uint64_t *done,
			  unsigned batch)
{
	struct bench_msg req;
	int n = pv_back_ring_unconsumed_requests(b);

	ring_check(n, "unconsumed_requests");
	if ((unsigned)n > batch)
		n = (int)batch;
	for (int i = 0; i < n; i++) {
		ring_check(pv_back_ring_copy_request(b, &req, sizeof(req)),
			   "copy_request");
		if (!bench_req_ok(&req, (*done)++))
			bench_fail("ring throughput", "wrong request");
		bench_make_rsp(pv_back_ring_next_response(b), &req);
	}
	if (n)
		pv_back_ring_push_responses(b);
	return (unsigned)n;
}

static void tp_back(void *arg)
{
	struct ring_ctx *c = arg;
	struct pv_back_ring b;
	struct spin sp = { 0 };
	uint64_t done = 0;

	ring_check(pv_back_ring_init(&b, c->shared, c->bytes, BENCH_MSG_SIZE),
		   "back init");
	bench_start_wait(&c->st);
	while (done < c->p.count) {
		if (tp_answer(&b, &done, c->p.batch))
			spin_done(&sp);
		else
			spin_pause(&sp);
	}
}

double bench_ring_throughput(void *shared, size_t bytes,
			     const struct bench_params *p)
{
	struct ring_ctx c = { .p = *p, .shared = shared, .bytes = bytes };

	pv_sring_init(shared);
	bench_pair_run(tp_front, tp_back, &c);
	return (double)p->count * 1e3 / (double)c.ns;
}
