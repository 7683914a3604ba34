/*
 * bench.h — the transports ring_bench measures, one function per run.
 *
 * Round trips return nanoseconds per round trip; throughput runs return
 * millions of request/response pairs per second.  Every run starts a fresh
 * thread pair (bench_util.h) and checks every message it carries.
 */
#ifndef PVKIT_BENCH_H
#define PVKIT_BENCH_H

#include "bench_util.h"

/* libpvring (bench_ring.c).  The shared area holds nr_ents 64-byte
 * entries after the ring header, rounded up to whole pages. */
size_t bench_ring_bytes(unsigned nr_ents);
void *bench_ring_alloc(size_t bytes);
double bench_ring_roundtrip(void *shared, size_t bytes, uint64_t count);
double bench_ring_throughput(void *shared, size_t bytes,
			     const struct bench_params *p);

/* Two threads bouncing one cache line, the first of the ring's shared
 * memory (which must not be in use): the round-trip floor. */
double bench_floor_roundtrip(void *shared, uint64_t count);

/* Two pipes (requests, responses) and one unix stream socketpair, blocking,
 * whole 64-byte messages written and read batch at a time (bench_fd.c). */
double bench_pipe_throughput(const struct bench_params *p);
double bench_socketpair_throughput(const struct bench_params *p);

/*
 * A pair of DPDK rte_rings (requests one way, responses the other), 64-byte
 * elements, single producer / single consumer (bench_rte.c).
 * bench_rte_setup() returns 0 when the pair can run, else a negative errno
 * and *why says why (libdpdk-dev missing, an allocation or init failure).
 */
int bench_rte_setup(unsigned capacity, const char **why);
double bench_rte_throughput(const struct bench_params *p);
/* How the pair was set up, for the report (one line). */
const char *bench_rte_describe(void);

#endif
