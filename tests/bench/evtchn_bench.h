/*
 * evtchn_bench.h — the pieces of evtchn_bench (evtchn_bench.c explains
 * what it measures; `evtchn_bench --help` prints the same).
 *
 * Every measured thing is a subject: something that can do one timed
 * operation (an event round trip, a grant map+unmap) over and over.  The
 * main loop takes the subjects in turn, round after round, so noise on
 * the machine hits all of them alike:
 *
 *     begin(s)            wake the subject up (a paused spinner resumes)
 *     op(s) x warm-up     not timed
 *     op(s) x chunk       each timed on its own with CLOCK_MONOTONIC
 *     end(s)              let it rest (a spinner is stopped)
 *
 * evtchn_bench_base.c makes the baselines (two plain processes and two
 * eventfds), evtchn_bench_pvhv.c the subjects that go through a real
 * pvhv and its guests.
 */
#ifndef PVKIT_EVTCHN_BENCH_H
#define PVKIT_EVTCHN_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvkit/hv.h"

/* Wait at most this long for any one event. */
#define EB_TIMEOUT_MS 5000

struct eb_subject {
	const char *name;  /* row label */
	bool pinned;       /* dom0 on cpu_a, its peer on cpu_b */
	bool spinner;      /* burns a CPU while it waits: stopped when idle */
	int (*begin)(struct eb_subject *s);
	int (*op)(struct eb_subject *s); /* one operation; 0 or -errno */
	void (*end)(struct eb_subject *s);
	void *ctx;
	uint64_t *ns;      /* samples */
	size_t n, cap;
};

struct eb_cpus {
	int a, b;          /* dom0's CPU and its peer's, or -1: no pinning */
};

/* ---- evtchn_bench_base.c: eventfd ping-pong between two processes ----- */

struct eb_pair;
/* Fork the peer process: blocking read() on eventfds, or non-blocking
 * reads in a loop (spin); pinned to cpus->b when pinned. */
int eb_pair_new(bool spin, bool pinned, const struct eb_cpus *cpus,
		struct eb_pair **out);
void eb_pair_free(struct eb_pair *p);
void eb_pair_subject(struct eb_pair *p, struct eb_subject *s);

/* ---- evtchn_bench_pvhv.c: through pvhv ---------------------------------- */

struct eb_hv;
/* Start pvhv (temporary run directory) and the guests: guest_grant with
 * vwfi trap and native, pinned (cpus = cpus->b) and not. */
int eb_hv_start(const struct eb_cpus *cpus, struct eb_hv **out);
/* Destroy the guests and stop pvhv; 0 when it left nothing behind. */
int eb_hv_stop(struct eb_hv *hv);
/* Round trip subject: dom0 notifies, the guest answers.  native picks
 * the guest's vwfi; dom0_spin makes dom0 poll its port's eventfd with
 * non-blocking reads instead of sleeping in poll(). */
int eb_hv_rtt_subject(struct eb_hv *hv, bool native, bool pinned,
		      bool dom0_spin, struct eb_subject *s);
/* Grant map + unmap of one read-only ref of a vwfi=trap guest. */
int eb_hv_grant_subject(struct eb_hv *hv, struct eb_subject *s);

/* ---- shared helpers (evtchn_bench.c) ------------------------------------ */

uint64_t eb_now_ns(void);
/* The CPU hint of a spin loop. */
void eb_relax(void);

#endif
