/*
 * ring_bench, DPDK baseline: a pair of rte_rings carrying the same 64-byte
 * request/response traffic, requests one way and responses the other.
 *
 * The rings are made without DPDK's EAL: rte_ring_get_memsize_elem() sizes
 * each ring for 64-byte elements, an aligned allocation holds it, and
 * rte_ring_init() formats it with RING_F_SP_ENQ | RING_F_SC_DEQ.  That is
 * how DPDK itself builds a ring in memory it did not allocate; neither the
 * init nor the inline burst enqueue/dequeue calls touch EAL state (no lcore
 * id, no hugepage memory, no tail queue: only rte_ring_create() needs
 * those).  rte_ring_init() takes the element count, not its size: the
 * _elem calls carry the element size on every call, and the memory was
 * sized for it.  Every message is checked, so a wrong layout would fail.
 *
 * This is the only file that sees DPDK headers (they bring -march=corei7
 * and -include rte_config.h with them).
 */
#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <rte_version.h>

static struct rte_ring *req_ring, *rsp_ring;
static char describe[160];

static struct rte_ring *make_ring(const char *name, unsigned count,
				  const char **why)
{
	ssize_t sz = rte_ring_get_memsize_elem(BENCH_MSG_SIZE, count);
	struct rte_ring *r;
	int rc;

	if (sz < 0) {
		*why = "rte_ring_get_memsize_elem failed";
		return NULL;
	}
	r = aligned_alloc(4096, ((size_t)sz + 4095) & ~(size_t)4095);
	if (!r) {
		*why = "out of memory";
		return NULL;
	}
	rc = rte_ring_init(r, name, count, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (rc) {
		free(r);
		*why = "rte_ring_init failed";
		return NULL;
	}
	return r;
}

int bench_rte_setup(unsigned capacity, const char **why)
{
	/* Without RING_F_EXACT_SZ a ring of count slots holds count - 1, so
	 * the requests ring can be one short of the window at times: the
	 * frontend's burst enqueue simply takes what fits. */
	req_ring = make_ring("pvk_req", capacity, why);
	rsp_ring = req_ring ? make_ring("pvk_rsp", capacity, why) : NULL;
	if (!rsp_ring)
		return -ENOMEM;
	snprintf(describe, sizeof(describe),
		 "%s, 2 x rte_ring_init(count %u, SP_ENQ|SC_DEQ), 64-byte "
		 "elements, burst _elem calls, no EAL",
		 rte_version(), capacity);
	return 0;
}

const char *bench_rte_describe(void)
{
	return describe;
}

struct rte_ctx {
	struct bench_start st;
	struct bench_params p;
	uint64_t ns;
};

static void rte_front(void *arg)
{
	struct rte_ctx *c = arg;
	static _Thread_local struct bench_msg tx[BENCH_MAX_BATCH];
	static _Thread_local struct bench_msg rx[BENCH_MAX_BATCH];
	struct spin sp = { 0 };
	uint64_t sent = 0, rcvd = 0, t0, n = c->p.count;

	bench_start_wait(&c->st);
	t0 = bench_now_ns();
	while (rcvd < n) {
		while (sent < n && sent - rcvd < c->p.window) {
			uint64_t k = c->p.window - (sent - rcvd);
			unsigned m;

			k = k < c->p.batch ? k : c->p.batch;
			k = k < n - sent ? k : n - sent;
			for (unsigned i = 0; i < k; i++)
				bench_make_req(&tx[i], sent + i);
			m = rte_ring_sp_enqueue_burst_elem(req_ring, tx,
							   BENCH_MSG_SIZE,
							   (unsigned)k, NULL);
			sent += m;
			if (m < k)
				break;
		}
		unsigned got = rte_ring_sc_dequeue_burst_elem(
			rsp_ring, rx, BENCH_MSG_SIZE, c->p.batch, NULL);
		for (unsigned i = 0; i < got; i++)
			if (!bench_rsp_ok(&rx[i], rcvd++))
				bench_fail("rte_ring throughput",
					   "wrong response");
		if (got)
			spin_done(&sp);
		else
			spin_pause(&sp);
	}
	c->ns = bench_now_ns() - t0;
}

static void rte_back(void *arg)
{
	struct rte_ctx *c = arg;
	static _Thread_local struct bench_msg tx[BENCH_MAX_BATCH];
	static _Thread_local struct bench_msg rx[BENCH_MAX_BATCH];
	struct spin sp = { 0 };
	uint64_t done = 0;

	bench_start_wait(&c->st);
	while (done < c->p.count) {
		unsigned got = rte_ring_sc_dequeue_burst_elem(
			req_ring, rx, BENCH_MSG_SIZE, c->p.batch, NULL);

		if (!got) {
			spin_pause(&sp);
			continue;
		}
		spin_done(&sp);
		for (unsigned i = 0; i < got; i++) {
			if (!bench_req_ok(&rx[i], done++))
				bench_fail("rte_ring throughput",
					   "wrong request");
			bench_make_rsp(&tx[i], &rx[i]);
		}
		for (unsigned m = 0; m < got; spin_pause(&sp))
			m += rte_ring_sp_enqueue_burst_elem(
				rsp_ring, &tx[m], BENCH_MSG_SIZE, got - m,
				NULL);
	}
}

double bench_rte_throughput(const struct bench_params *p)
{
	struct rte_ctx c = { .p = *p };

	rte_ring_reset(req_ring);
	rte_ring_reset(rsp_ring);
	bench_pair_run(rte_front, rte_back, &c);
	return (double)p->count * 1e3 / (double)c.ns;
}
