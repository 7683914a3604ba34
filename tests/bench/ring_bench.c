/*
 * ring_bench — libpvring's request/response ring against its floor and its
 * baselines, in one run on two CPUs.  `ring_bench --help` explains it all.
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pvkit/ring.h"

static const char usage[] =
"usage: ring_bench [--quick] [--reps N] [--batch N] [--entries N] [--help]\n"
"\n"
"Measures libpvring (pvkit/ring.h) in poll mode with two threads, the\n"
"frontend pinned to CPU 0 and the backend to CPU 1, and prints side by side:\n"
"\n"
"(a) round trip: one request in flight; the frontend claims a slot, fills a\n"
"    64-byte request, pushes, and spins until the response is there; the\n"
"    backend spins until a request is there, copies it out, answers in the\n"
"    slot and pushes.  The floor is measured in the same run: two threads\n"
"    bouncing one cache line (A writes an odd number, B waits for it and\n"
"    writes the next even one, A waits for that).  The line is the first\n"
"    one of the ring's own shared pages: on a virtual machine the cost of\n"
"    moving a line between CPUs depends on the memory it lives in, so the\n"
"    floor is taken on the ring's memory.  Nanoseconds per round trip;\n"
"    target: ring <= 2x floor.\n"
"\n"
"(b) throughput of 64-byte request / 64-byte response pairs.  The frontend\n"
"    keeps up to --entries requests in flight, sending in batches of up to\n"
"    --batch; the backend answers every request in batches of up to --batch.\n"
"    Every side checks every message (sequence number and contents).  The\n"
"    same traffic runs over:\n"
"      pvkit ring   one shared ring of --entries 64-byte entries (mmap'd\n"
"                   pages), next_request + push_requests, unconsumed_* +\n"
"                   copy_request + next_response + push_responses,\n"
"                   get_response;\n"
"      rte_ring     DPDK: two rte_rings of --entries 64-byte elements\n"
"                   (requests, responses), RING_F_SP_ENQ | RING_F_SC_DEQ,\n"
"                   made with rte_ring_init() in aligned memory (no EAL),\n"
"                   rte_ring_sp_enqueue_burst_elem / sc_dequeue_burst_elem;\n"
"      pipe         two pipes, blocking read/write of whole messages;\n"
"      socketpair   one AF_UNIX SOCK_STREAM socketpair, likewise.\n"
"    Millions of pairs per second; targets: ring >= 20x socketpair and\n"
"    ring >= 1.0x rte_ring.\n"
"\n"
"Each value is the median of --reps repetitions.  A repetition measures\n"
"every subject once, each ratio's two sides right after one another (the\n"
"order flips every other repetition), and each ratio is the median of the\n"
"per-repetition ratios, so noise on a shared machine hits both sides of a\n"
"ratio alike.  Each measurement is sized to last about 0.2 s after a\n"
"calibration run; a full run takes about 25 s.\n"
"\n"
"Output: a table (median, min, max), then one line per ratio:\n"
"  ratio <name>: <value> (target ...) PASS|MISS\n"
"The exit status is 0 whatever the ratios (1 only if a transport failed or\n"
"carried a wrong message).\n"
"\n"
"Options:\n"
"  --quick      a few milliseconds per measurement, 3 repetitions: proves the\n"
"               benchmark runs (ctest ring_bench_smoke); numbers and ratios\n"
"               are printed but not judged\n"
"  --reps N     repetitions per measurement (default 15, at least 1)\n"
"  --batch N    messages per push/enqueue/write (default 32, 1..256)\n"
"  --entries N  ring capacity in entries for every transport (default 256,\n"
"               a power of two, 2..4096)\n"
"  --help       this text\n";

struct opts {
	bool quick;
	unsigned reps, batch, entries;
	double target_s; /* seconds per measurement */
};

static unsigned parse_uint(const char *opt, const char *s, unsigned lo,
			   unsigned hi)
{
	char *end;
	unsigned long v = s ? strtoul(s, &end, 10) : 0;

	if (!s || *end || v < lo || v > hi) {
		fprintf(stderr, "ring_bench: %s wants a number in %u..%u\n",
			opt, lo, hi);
		exit(2);
	}
	return (unsigned)v;
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){ .reps = 15, .batch = 32, .entries = 256,
			    .target_s = 0.2 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = argv[i + 1];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(usage, stdout);
			exit(0);
		} else if (!strcmp(a, "--quick")) {
			o->quick = true;
		} else if (!strcmp(a, "--reps")) {
			o->reps = parse_uint(a, v, 1, 1000), i++;
		} else if (!strcmp(a, "--batch")) {
			o->batch = parse_uint(a, v, 1, BENCH_MAX_BATCH), i++;
		} else if (!strcmp(a, "--entries")) {
			o->entries = parse_uint(a, v, 2, 4096), i++;
		} else {
			fprintf(stderr, "ring_bench: unknown option %s\n%s", a,
				usage);
			exit(2);
		}
	}
	if (o->entries & (o->entries - 1)) {
		fprintf(stderr, "ring_bench: --entries must be a power of two\n");
		exit(2);
	}
	if (o->quick) {
		o->reps = o->reps < 3 ? o->reps : 3;
		o->target_s = 0.005;
	}
}

/* ---- the measurements --------------------------------------------------- */

/* In the order they run: each ratio's two sides run next to each other. */
enum subject { FLOOR, RING_RT, SOCK_TP, RING_TP, RTE_TP, PIPE_TP, NSUBJ };

static const char *const subj_name[NSUBJ] = {
	[FLOOR] = "cache-line ping-pong (floor)",
	[RING_RT] = "pvkit ring round trip",
	[RING_TP] = "pvkit ring",
	[RTE_TP] = "rte_ring pair (DPDK)",
	[PIPE_TP] = "pipe pair",
	[SOCK_TP] = "unix socketpair",
};

struct bench {
	struct opts o;
	void *shared;
	size_t bytes;
	bool have_rte;
	const char *rte_why;
	uint64_t count[NSUBJ];
	double *val[NSUBJ];
	double *ratio[3]; /* per repetition, see ratios[] */
};

/* The ratios the issue sets targets for: num/den, at most or at least. */
static const struct ratio_def {
	const char *name;
	enum subject num, den;
	bool at_most;
	double target;
} ratios[3] = {
	{ "roundtrip/floor", RING_RT, FLOOR, true, 2.0 },
	{ "throughput/socketpair", RING_TP, SOCK_TP, false, 20.0 },
	{ "throughput/rte_ring", RING_TP, RTE_TP, false, 1.0 },
};

static bool is_roundtrip(enum subject s)
{
	return s == FLOOR || s == RING_RT;
}

/* One measurement of s with count operations: ns per round trip, or
 * Mpairs/s. */
static double measure(struct bench *b, enum subject s, uint64_t count)
{
	struct bench_params p = { .count = count, .batch = b->o.batch,
				  .window = b->o.entries };

	switch (s) {
	case FLOOR:
		return bench_floor_roundtrip(b->shared, count);
	case RING_RT:
		return bench_ring_roundtrip(b->shared, b->bytes, count);
	case RING_TP:
		return bench_ring_throughput(b->shared, b->bytes, &p);
	case RTE_TP:
		return bench_rte_throughput(&p);
	case PIPE_TP:
		return bench_pipe_throughput(&p);
	case SOCK_TP:
		return bench_socketpair_throughput(&p);
	default:
		return 0.0;
	}
}

static bool enabled(const struct bench *b, enum subject s)
{
	return s != RTE_TP || b->have_rte;
}

/* A short run to size the real ones to about target_s each. */
static void calibrate(struct bench *b)
{
	uint64_t probe = b->o.quick ? 500 : 20000;

	for (int s = 0; s < NSUBJ; s++) {
		double v, n;

		if (!enabled(b, s))
			continue;
		measure(b, s, probe); /* warm caches, fault pages in */
		v = measure(b, s, probe);
		n = is_roundtrip(s) ? b->o.target_s * 1e9 / v
				    : b->o.target_s * 1e6 * v;
		b->count[s] = n < (double)probe ? probe : (uint64_t)n;
	}
}

/* Every subject once per repetition; the order flips on every other
 * repetition so a drift in machine load does not favour one side. */
static void run_all(struct bench *b)
{
	for (unsigned r = 0; r < b->o.reps; r++) {
		for (int k = 0; k < NSUBJ; k++) {
			int s = r % 2 ? NSUBJ - 1 - k : k;

			if (enabled(b, s))
				b->val[s][r] = measure(b, s, b->count[s]);
		}
	}
}

/* ---- the report ---------------------------------------------------------- */

static double med[NSUBJ], med_ratio[3];

/* Ratios pair the two measurements of one repetition (taken moments
 * apart), then take the median: a busy spell that slows one repetition
 * slows both sides of its ratio. */
static void summarize(struct bench *b)
{
	for (int k = 0; k < 3; k++) {
		const struct ratio_def *d = &ratios[k];

		if (!enabled(b, d->num) || !enabled(b, d->den))
			continue;
		for (unsigned r = 0; r < b->o.reps; r++)
			b->ratio[k][r] = b->val[d->num][r] / b->val[d->den][r];
		med_ratio[k] = bench_median(b->ratio[k], b->o.reps);
	}
	for (int s = 0; s < NSUBJ; s++)
		if (enabled(b, s))
			med[s] = bench_median(b->val[s], b->o.reps);
}

static void print_row(const struct bench *b, enum subject s, const char *unit)
{
	const double *v = b->val[s]; /* sorted by bench_median() */

	if (!enabled(b, s)) {
		printf("  %-30s %10s   (%s: baseline MISSING)\n", subj_name[s],
		       "n/a", b->rte_why);
		return;
	}
	printf("  %-30s %10.2f %-7s (min %.2f, max %.2f, %llu per rep)\n",
	       subj_name[s], med[s], unit, v[0], v[b->o.reps - 1],
	       (unsigned long long)b->count[s]);
}

static void print_ratio(const struct bench *b, int k)
{
	const struct ratio_def *d = &ratios[k];
	double r = med_ratio[k];

	printf("ratio %s: ", d->name);
	if (!enabled(b, d->num) || !enabled(b, d->den)) {
		printf("n/a (%s)\n", b->rte_why);
		return;
	}
	printf("%.2f (target %s %.1f) %s\n", r, d->at_most ? "<=" : ">=",
	       d->target, b->o.quick ? "not judged (--quick)"
	       : (d->at_most ? r <= d->target : r >= d->target) ? "PASS"
								 : "MISS");
}

/* True when a subject's slowest repetition took over twice its fastest. */
static bool noisy(const struct bench *b)
{
	for (int s = 0; s < NSUBJ; s++) {
		const double *v = b->val[s]; /* sorted */
		double lo = v[0], hi = v[b->o.reps - 1];

		if (!enabled(b, s) || lo <= 0.0)
			continue;
		if (hi > 2.0 * lo)
			return true;
	}
	return false;
}

static void report(const struct bench *b)
{
	printf("\n(a) round trip, one 64-byte request in flight, poll mode\n");
	print_row(b, FLOOR, "ns");
	print_row(b, RING_RT, "ns");
	printf("\n(b) throughput, 64-byte request + 64-byte response pairs,"
	       " %u in flight, batch %u\n", b->o.entries, b->o.batch);
	print_row(b, RING_TP, "Mops/s");
	print_row(b, RTE_TP, "Mops/s");
	print_row(b, PIPE_TP, "Mops/s");
	print_row(b, SOCK_TP, "Mops/s");
	printf("  rte_ring: %s\n\n", bench_rte_describe());
	for (int k = 0; k < 3; k++)
		print_ratio(b, k);
	if (!b->have_rte)
		printf("\n*** WARNING: the rte_ring baseline did not run (%s);"
		       " the throughput/rte_ring target is unverified. ***\n",
		       b->rte_why);
	if (noisy(b))
		printf("\nNOTE: some repetitions were more than twice as slow as"
		       " others (min/max above):\nthe machine was busy; the"
		       " medians and ratios are less certain.\n");
	if (atomic_load(&bench_unpinned))
		printf("\n*** WARNING: could not pin the threads to CPUs 0 and"
		       " 1; the numbers are not comparable. ***\n");
}

static double *alloc_reps(unsigned reps)
{
	double *v = calloc(reps, sizeof(double));

	if (!v)
		bench_fail("calloc", NULL);
	return v;
}

static void setup(struct bench *b)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	if (bench_pin(0) || ncpu < 2)
		atomic_store(&bench_unpinned, true);
	b->bytes = bench_ring_bytes(b->o.entries);
	b->shared = bench_ring_alloc(b->bytes);
	if (pv_ring_nr_ents(b->bytes, BENCH_MSG_SIZE) != b->o.entries)
		bench_fail("ring geometry", "unexpected entry count");
	b->have_rte = bench_rte_setup(b->o.entries, &b->rte_why) == 0;
	for (int s = 0; s < NSUBJ; s++)
		b->val[s] = alloc_reps(b->o.reps);
	for (int k = 0; k < 3; k++)
		b->ratio[k] = alloc_reps(b->o.reps);
	printf("ring_bench: %ld CPUs online, frontend on CPU 0, backend on "
	       "CPU 1%s; median of %u repetitions%s\n", ncpu,
	       atomic_load(&bench_unpinned) ? " (NOT PINNED)" : "",
	       b->o.reps, b->o.quick ? " (--quick: smoke test only)" : "");
	printf("ring: %u entries of %u bytes in %zu bytes of shared memory\n",
	       b->o.entries, BENCH_MSG_SIZE, b->bytes);
}

int main(int argc, char **argv)
{
	struct bench b = { 0 };

	parse_opts(argc, argv, &b.o);
	setup(&b);
	fflush(stdout);
	calibrate(&b);
	run_all(&b);
	summarize(&b);
	report(&b);
	return 0;
}
