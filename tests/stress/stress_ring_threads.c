/*
 * stress_ring_threads_tsan — the ring stress test with the two sides as two
 * threads of one process, built with ThreadSanitizer (library sources
 * included), so that a missing or too weak acquire/release in libpvring
 * shows up as a data race on a slot even where the CPU would hide it.
 *
 * Usage: stress_ring_threads_tsan [COUNT] [-f FRAMES] [-o ORDER] [-s SEED]
 *                                 [-t STALL_S]
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "stress_core.h"

#ifndef STRESS_DEFAULT_COUNT
#define STRESS_DEFAULT_COUNT 1000000u
#endif

struct backend_arg {
	void *mem;
	const struct stress_cfg *cfg;
	int rc;
};

static void *backend_thread(void *p)
{
	struct backend_arg *a = p;

	a->rc = stress_backend(a->mem, a->cfg);
	return NULL;
}

int main(int argc, char **argv)
{
	struct stress_cfg cfg;
	struct backend_arg back;
	pthread_t tid;
	size_t size;
	double t0;
	void *mem;
	int front, rc;

	if (stress_parse_args(&cfg, STRESS_DEFAULT_COUNT, argc, argv))
		return 2;
	size = stress_map_size(&cfg);
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("stress: mmap");
		return 1;
	}
	stress_setup(mem, &cfg);
	stress_print_cfg("stress_ring_threads_tsan", &cfg);
	back = (struct backend_arg){ .mem = mem, .cfg = &cfg };
	t0 = stress_now();
	rc = pthread_create(&tid, NULL, backend_thread, &back);
	if (rc) {
		fprintf(stderr, "stress: pthread_create: %s\n", strerror(rc));
		return 1;
	}
	front = stress_frontend(mem, &cfg);
	pthread_join(tid, NULL);
	if (stress_verify(mem, &cfg, stress_now() - t0) || front || back.rc)
		return 1;
	return 0;
}
