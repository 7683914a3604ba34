/*
 * ring_bench without DPDK: built instead of bench_rte.c when CMake finds no
 * libdpdk (Debian: libdpdk-dev).  The run then reports the baseline missing.
 */
#include "bench.h"

#include <errno.h>

int bench_rte_setup(unsigned capacity, const char **why)
{
	(void)capacity;
	*why = "libdpdk-dev missing";
	return -ENOSYS;
}

double bench_rte_throughput(const struct bench_params *p)
{
	(void)p;
	return 0.0;
}

const char *bench_rte_describe(void)
{
	return "not built (libdpdk-dev missing)";
}
