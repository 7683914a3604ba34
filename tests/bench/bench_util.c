/*
 * ring_bench helpers: clock, median, CPU pinning, the thread pair.
 */
#include "bench_util.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

atomic_bool bench_unpinned;

void bench_yield(void)
{
	sched_yield();
}

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(double *v, size_t n)
{
	if (n == 0)
		return 0.0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

int bench_pin(int cpu)
{
	cpu_set_t set;
	int rc;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	rc = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (rc)
		atomic_store(&bench_unpinned, true);
	return -rc;
}

_Noreturn void bench_fail(const char *what, const char *detail)
{
	fprintf(stderr, "ring_bench: FAILED: %s%s%s\n", what,
		detail ? ": " : "", detail ? detail : "");
	exit(1);
}

void bench_start_wait(struct bench_start *st)
{
	struct spin sp = { 0 };

	atomic_fetch_add(&st->ready, 1);
	while (atomic_load(&st->ready) < 2)
		spin_pause(&sp);
}

struct back_thread {
	bench_side_fn fn;
	void *arg;
};

static void *back_main(void *p)
{
	struct back_thread *bt = p;

	bench_pin(1);
	bt->fn(bt->arg);
	return NULL;
}

void bench_pair_run(bench_side_fn front, bench_side_fn back, void *arg)
{
	struct back_thread bt = { .fn = back, .arg = arg };
	pthread_t th;
	int rc;

	rc = pthread_create(&th, NULL, back_main, &bt);
	if (rc)
		bench_fail("pthread_create", strerror(rc));
	front(arg);
	pthread_join(th, NULL);
}
