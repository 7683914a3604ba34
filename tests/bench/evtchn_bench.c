/*
 * evtchn_bench — dom0 <-> guest event round trips through pvhv, grant
 * map+unmap, and the same run's eventfd ping-pong between two plain
 * processes.  `evtchn_bench --help` explains what every row measures.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "evtchn_bench.h"

static const char usage[] =
"usage: evtchn_bench [--quick] [--count N] [--rounds N] [--warmup N]\n"
"                    [--cpus A,B] [--help]\n"
"\n"
"Starts its own pvhv (a temporary run directory, --foreground) and four\n"
"guest_grant process guests: vwfi=trap and vwfi=native, each pinned\n"
"(cpus = \"B\") and unpinned (no cpus=).  This process is dom0: for the\n"
"pinned rows it runs on CPU A only, for the unpinned rows on every CPU it\n"
"may use.  Each guest grants dom0 a page and answers every event on its\n"
"port with one send on it.  Rows, latency of one operation in ns:\n"
"\n"
"  eventfd, blocking read    baseline: this process and a forked peer\n"
"                            (pinned: on CPU B), two blocking eventfds;\n"
"                            write(ping), read(pong) | read(ping),\n"
"                            write(pong).  Nobody else is involved.\n"
"  eventfd, busy-poll        the same with non-blocking eventfds read in a\n"
"                            loop on both sides (information: the floor\n"
"                            for two spinning processes).\n"
"  pvhv trap, dom0 poll      dom0: pvhv_port_notify() (libpvhv's fast\n"
"                            path: pending bit in the guest's shared_info,\n"
"                            write to the guest's wake eventfd), then\n"
"                            poll() on the port's eventfd and a drain.\n"
"                            Guest (vwfi=trap): sleeps in poll() on its\n"
"                            wake eventfd, scans, EVTCHNOP_send.\n"
"  pvhv native, dom0 spin    the guest (vwfi=native) spins on its upcall\n"
"                            flag instead of sleeping; dom0 reads its\n"
"                            port's eventfd non-blocking in a loop\n"
"                            (pvhv_port_drain) instead of poll(): nobody\n"
"                            sleeps.  This is the vwfi=native row the\n"
"                            targets speak of.\n"
"  pvhv native, dom0 poll    native guest, sleeping dom0 (information).\n"
"  grant map+unmap           pvhv_grant_map() of one read-only ref of the\n"
"                            unpinned trap guest, a read of its first\n"
"                            byte, pvhv_grant_unmap(); also per second.\n"
"\n"
"In every pvhv row the guest's EVTCHNOP_send takes the guest->dom0 fast\n"
"path: the first send of the link went to pvhv over the guest's hypercall\n"
"socket (in the first warm-up), every later one writes the dom0 port's\n"
"eventfd that pvhv handed the guest; pvhv itself is not woken by the\n"
"round trips.  Every row gets --count timed operations, each timed on\n"
"its own (CLOCK_MONOTONIC), in --rounds rounds; in every round each row\n"
"runs --warmup untimed operations, then its share of timed ones, row after\n"
"row, so noise hits baselines and subjects alike.  Spinning peers (the\n"
"busy-poll peer, native guests) are stopped between their chunks.\n"
"\n"
"Output: a table (p50, p99, p99.9, mean), grant operations per second,\n"
"then one line per ratio:  ratio <name>: <value> (target ...) PASS|MISS\n"
"  native/eventfd   p50 of 'pvhv native, dom0 spin' / p50 of 'eventfd,\n"
"                   blocking read', pinned and unpinned: target <= 2.0\n"
"  p99/p50          of each pvhv trap and native (dom0 spin) row:\n"
"                   target <= 3.0\n"
"and the same ratios for the information rows, without a target.  The\n"
"exit status is 0 whatever the ratios; 1 only when something failed.\n"
"\n"
"Options:\n"
"  --quick      a smoke run (ctest evtchn_bench_smoke): 300 operations per\n"
"               row in 2 rounds; numbers are printed, ratios not judged\n"
"  --count N    timed operations per row (default 30000)\n"
"  --rounds N   rounds (default 10)\n"
"  --warmup N   untimed operations per row and round (default 200)\n"
"  --cpus A,B   dom0's CPU and the peer's for pinned rows (default: the\n"
"               first two CPUs this process may use; with fewer than two,\n"
"               pinned rows are skipped)\n"
"  --help       this text\n";

struct opts {
	bool quick;
	unsigned long count, rounds, warmup;
	struct eb_cpus cpus;
};

/* ---- helpers shared with the other files -------------------------------- */

uint64_t eb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void eb_relax(void)
{
	/* No PAUSE: under KVM a PAUSE loop may exit to the host (see
	 * ring_bench); a compiler barrier keeps the loop honest. */
	__asm__ __volatile__("" ::: "memory");
}

/* ---- options ------------------------------------------------------------ */

static unsigned long number(const char *opt, const char *s,
			    unsigned long lo, unsigned long hi)
{
	char *end;
	unsigned long v = s ? strtoul(s, &end, 10) : 0;

	if (!s || *end || v < lo || v > hi) {
		fprintf(stderr, "evtchn_bench: %s wants a number in %lu..%lu\n",
			opt, lo, hi);
		exit(2);
	}
	return v;
}

static void default_cpus(struct eb_cpus *c)
{
	cpu_set_t set;

	c->a = c->b = -1;
	if (sched_getaffinity(0, sizeof(set), &set))
		return;
	for (int i = 0; i < CPU_SETSIZE; i++) {
		if (!CPU_ISSET(i, &set))
			continue;
		if (c->a < 0) {
			c->a = i;
		} else {
			c->b = i;
			return;
		}
	}
	c->a = -1; /* fewer than two */
}

static void parse_cpus(const char *s, struct eb_cpus *c)
{
	if (!s || sscanf(s, "%d,%d", &c->a, &c->b) != 2 || c->a < 0 ||
	    c->b < 0 || c->a == c->b || c->a >= CPU_SETSIZE ||
	    c->b >= CPU_SETSIZE) {
		fprintf(stderr, "evtchn_bench: --cpus wants A,B (two CPUs)\n");
		exit(2);
	}
}

static void parse(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){ .count = 30000, .rounds = 10, .warmup = 200 };
	default_cpus(&o->cpus);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help")) {
			fputs(usage, stdout);
			exit(0);
		} else if (!strcmp(a, "--quick")) {
			o->quick = true;
			o->count = 300;
			o->rounds = 2;
			o->warmup = 20;
		} else if (!strcmp(a, "--count")) {
			o->count = number(a, v, 1, 10000000);
			i++;
		} else if (!strcmp(a, "--rounds")) {
			o->rounds = number(a, v, 1, 1000);
			i++;
		} else if (!strcmp(a, "--warmup")) {
			o->warmup = number(a, v, 0, 1000000);
			i++;
		} else if (!strcmp(a, "--cpus")) {
			parse_cpus(v, &o->cpus);
			i++;
		} else {
			fprintf(stderr, "evtchn_bench: unknown option %s\n%s",
				a, usage);
			exit(2);
		}
	}
	if (o->rounds > o->count)
		o->rounds = o->count;
}

/* ---- the subjects ------------------------------------------------------- */

enum row {
	ROW_EFD_PIN, ROW_EFD_ANY,
	ROW_EFDSPIN_PIN, ROW_EFDSPIN_ANY,
	ROW_TRAP_PIN, ROW_TRAP_ANY,
	ROW_NATIVE_PIN, ROW_NATIVE_ANY,
	ROW_NATBLK_PIN, ROW_NATBLK_ANY,
	ROW_GRANT,
	NR_ROWS
};

static const char *const row_names[NR_ROWS] = {
	[ROW_EFD_PIN] = "eventfd, blocking read",
	[ROW_EFD_ANY] = "eventfd, blocking read",
	[ROW_EFDSPIN_PIN] = "eventfd, busy-poll",
	[ROW_EFDSPIN_ANY] = "eventfd, busy-poll",
	[ROW_TRAP_PIN] = "pvhv trap, dom0 poll",
	[ROW_TRAP_ANY] = "pvhv trap, dom0 poll",
	[ROW_NATIVE_PIN] = "pvhv native, dom0 spin",
	[ROW_NATIVE_ANY] = "pvhv native, dom0 spin",
	[ROW_NATBLK_PIN] = "pvhv native, dom0 poll",
	[ROW_NATBLK_ANY] = "pvhv native, dom0 poll",
	[ROW_GRANT] = "grant map+unmap",
};

struct bench {
	struct opts o;
	struct eb_subject s[NR_ROWS];
	bool have[NR_ROWS];
	struct eb_pair *pairs[4];
	struct eb_hv *hv;
	cpu_set_t all; /* dom0's CPUs for unpinned rows */
};

static void fail(const char *what, int rc)
{
	fprintf(stderr, "evtchn_bench: FAILED: %s: %s\n", what,
		strerror(rc < 0 ? -rc : rc));
}

static int make_pairs(struct bench *b)
{
	for (int spin = 0; spin < 2; spin++) {
		for (int pin = 0; pin < 2; pin++) {
			enum row r = (enum row)(ROW_EFD_PIN + 2 * spin + !pin);
			struct eb_pair **pp = &b->pairs[2 * spin + pin];
			int rc;

			if (pin && b->o.cpus.a < 0)
				continue;
			rc = eb_pair_new(spin, pin, &b->o.cpus, pp);
			if (rc)
				return rc;
			eb_pair_subject(*pp, &b->s[r]);
			b->have[r] = true;
		}
	}
	return 0;
}

static int make_hv_rows(struct bench *b)
{
	static const struct {
		enum row row;
		bool native, dom0_spin;
	} rtt[] = {
		{ ROW_TRAP_PIN, false, false },
		{ ROW_NATIVE_PIN, true, true },
		{ ROW_NATBLK_PIN, true, false },
	};
	int rc = eb_hv_start(&b->o.cpus, &b->hv);

	if (rc)
		return rc;
	for (size_t i = 0; i < sizeof(rtt) / sizeof(rtt[0]); i++) {
		for (int pin = 0; pin < 2; pin++) {
			enum row r = (enum row)(rtt[i].row + !pin);

			if (pin && b->o.cpus.a < 0)
				continue;
			rc = eb_hv_rtt_subject(b->hv, rtt[i].native, pin,
					       rtt[i].dom0_spin, &b->s[r]);
			if (rc)
				return rc;
			b->have[r] = true;
		}
	}
	rc = eb_hv_grant_subject(b->hv, &b->s[ROW_GRANT]);
	b->have[ROW_GRANT] = !rc;
	return rc;
}

static int setup(struct bench *b)
{
	int rc;

	if (sched_getaffinity(0, sizeof(b->all), &b->all))
		return -errno;
	for (int r = 0; r < NR_ROWS; r++) {
		b->s[r].name = row_names[r];
		b->s[r].pinned = r != ROW_GRANT && (r - ROW_EFD_PIN) % 2 == 0;
		b->s[r].ns = calloc(b->o.count, sizeof(uint64_t));
		b->s[r].cap = b->o.count;
		if (!b->s[r].ns)
			return -ENOMEM;
	}
	/* The peers first, so none of them inherits pvhv's connection. */
	rc = make_pairs(b);
	if (rc) {
		fail("starting the eventfd peers", rc);
		return rc;
	}
	rc = make_hv_rows(b);
	if (rc)
		fail("starting pvhv and its guests", rc);
	return rc;
}

static int teardown(struct bench *b)
{
	int rc = eb_hv_stop(b->hv);

	if (rc)
		fail("stopping pvhv", rc);
	for (int i = 0; i < 4; i++)
		eb_pair_free(b->pairs[i]);
	for (int r = 0; r < NR_ROWS; r++)
		free(b->s[r].ns);
	return rc;
}

/* ---- running ------------------------------------------------------------ */

static int place_dom0(const struct bench *b, bool pinned)
{
	cpu_set_t one;

	if (!pinned)
		return sched_setaffinity(0, sizeof(b->all), &b->all) ? -errno
								     : 0;
	CPU_ZERO(&one);
	CPU_SET(b->o.cpus.a, &one);
	return sched_setaffinity(0, sizeof(one), &one) ? -errno : 0;
}

static int chunk(struct bench *b, struct eb_subject *s, size_t n)
{
	int rc = place_dom0(b, s->pinned);

	if (!rc)
		rc = s->begin(s);
	for (unsigned long i = 0; !rc && i < b->o.warmup; i++)
		rc = s->op(s);
	for (size_t i = 0; !rc && i < n && s->n < s->cap; i++) {
		uint64_t t0 = eb_now_ns();

		rc = s->op(s);
		s->ns[s->n++] = eb_now_ns() - t0;
	}
	s->end(s);
	if (rc) {
		char what[128];

		snprintf(what, sizeof(what), "%s (%s)", s->name,
			 s->pinned ? "pinned" : "unpinned");
		fail(what, rc);
	}
	return rc;
}

static int run(struct bench *b)
{
	for (unsigned long round = 0; round < b->o.rounds; round++) {
		/* This round's share: the rest spread over what is left. */
		for (int r = 0; r < NR_ROWS; r++) {
			struct eb_subject *s = &b->s[r];
			size_t left = s->cap - s->n;
			size_t n = (left + (b->o.rounds - round) - 1) /
				   (b->o.rounds - round);

			if (b->have[r] && chunk(b, s, n))
				return -1;
		}
	}
	return place_dom0(b, false);
}

/* ---- results ------------------------------------------------------------ */

struct stats {
	double p50, p99, p999, mean;
};

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return (a > b) - (a < b);
}

/* Nearest rank. */
static double pct(const uint64_t *v, size_t n, double p)
{
	size_t k = (size_t)(p * (double)n + 0.999999);

	return (double)v[k ? k - 1 : 0];
}

static struct stats stats_of(struct eb_subject *s)
{
	struct stats st = { 0 };
	double sum = 0;

	if (!s->n)
		return st;
	qsort(s->ns, s->n, sizeof(*s->ns), cmp_u64);
	for (size_t i = 0; i < s->n; i++)
		sum += (double)s->ns[i];
	st.p50 = pct(s->ns, s->n, 0.50);
	st.p99 = pct(s->ns, s->n, 0.99);
	st.p999 = pct(s->ns, s->n, 0.999);
	st.mean = sum / (double)s->n;
	return st;
}

static void ratio(const struct bench *b, const char *name, double num,
		  double den, double target)
{
	double v = den > 0 ? num / den : 0;

	if (num <= 0 || den <= 0)
		printf("ratio %s: n/a (row skipped)\n", name);
	else if (target <= 0)
		printf("ratio %s: %.2f (information)\n", name, v);
	else if (b->o.quick)
		printf("ratio %s: %.2f (target <= %.1f) not judged (--quick)\n",
		       name, v, target);
	else
		printf("ratio %s: %.2f (target <= %.1f) %s\n", name, v, target,
		       v <= target ? "PASS" : "MISS");
}

static void report(struct bench *b)
{
	struct stats st[NR_ROWS];

	printf("evtchn_bench: %lu operations per row in %lu interleaved "
	       "rounds; pinned: dom0 on CPU %d, peer on CPU %d%s\n",
	       b->o.count, b->o.rounds, b->o.cpus.a, b->o.cpus.b,
	       b->o.quick ? " (--quick: numbers mean nothing)" : "");
	printf("%-26s %-9s %9s %9s %9s %9s\n", "row (ns per operation)", "",
	       "p50", "p99", "p99.9", "mean");
	for (int r = 0; r < NR_ROWS; r++) {
		st[r] = stats_of(&b->s[r]);
		if (!b->have[r]) {
			printf("%-26s %-9s %9s\n", row_names[r],
			       b->s[r].pinned ? "pinned" : "unpinned",
			       "skipped");
			continue;
		}
		printf("%-26s %-9s %9.0f %9.0f %9.0f %9.0f\n", row_names[r],
		       b->s[r].pinned ? "pinned" : "unpinned", st[r].p50,
		       st[r].p99, st[r].p999, st[r].mean);
	}
	if (b->have[ROW_GRANT] && st[ROW_GRANT].mean > 0)
		printf("grant map+unmap: %.0f per second (1 / mean)\n",
		       1e9 / st[ROW_GRANT].mean);
	ratio(b, "native/eventfd p50, pinned", st[ROW_NATIVE_PIN].p50,
	      st[ROW_EFD_PIN].p50, 2.0);
	ratio(b, "native/eventfd p50, unpinned", st[ROW_NATIVE_ANY].p50,
	      st[ROW_EFD_ANY].p50, 2.0);
	for (int r = ROW_TRAP_PIN; r <= ROW_NATIVE_ANY; r++) {
		char name[96];

		snprintf(name, sizeof(name), "p99/p50 %s, %s", row_names[r],
			 b->s[r].pinned ? "pinned" : "unpinned");
		ratio(b, name, st[r].p99, st[r].p50, 3.0);
	}
	ratio(b, "native (dom0 poll)/eventfd p50, pinned",
	      st[ROW_NATBLK_PIN].p50, st[ROW_EFD_PIN].p50, 0);
	ratio(b, "native (dom0 poll)/eventfd p50, unpinned",
	      st[ROW_NATBLK_ANY].p50, st[ROW_EFD_ANY].p50, 0);
	ratio(b, "native (dom0 spin)/eventfd busy-poll p50, pinned",
	      st[ROW_NATIVE_PIN].p50, st[ROW_EFDSPIN_PIN].p50, 0);
	ratio(b, "native (dom0 spin)/eventfd busy-poll p50, unpinned",
	      st[ROW_NATIVE_ANY].p50, st[ROW_EFDSPIN_ANY].p50, 0);
	for (int r = ROW_EFD_PIN; r <= ROW_EFDSPIN_ANY; r++) {
		char name[96];

		snprintf(name, sizeof(name), "p99/p50 %s, %s", row_names[r],
			 b->s[r].pinned ? "pinned" : "unpinned");
		ratio(b, name, st[r].p99, st[r].p50, 0);
	}
}

int main(int argc, char **argv)
{
	static struct bench b;
	int rc;

	parse(argc, argv, &b.o);
	setvbuf(stdout, NULL, _IOLBF, 0);
	rc = setup(&b);
	if (!rc)
		rc = run(&b);
	if (!rc)
		report(&b);
	if (teardown(&b))
		rc = -1;
	return rc ? 1 : 0;
}
