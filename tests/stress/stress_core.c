/*
 * The two sides' loops over the request/response ring, their doorbells and
 * their pauses.  See stress_core.h for what is checked and why.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "stress_int.h"

#define RING_BYTES    (STRESS_RING_PAGES * STRESS_PAGE)
#define RSP_PER_ROUND 64u /* responses the frontend reads before other work */
#define BATCH_MAX     48u /* requests per push, when not filling the ring */

static struct pv_sring *ring_of(void *mem)
{
	return (struct pv_sring *)((uint8_t *)mem + STRESS_PAGE);
}

size_t stress_map_size(const struct stress_cfg *cfg)
{
	return (size_t)(1 + STRESS_RING_PAGES + (1u << cfg->flex_order)) *
	       STRESS_PAGE;
}

/* A fresh ring, with every index moved to where a ring that had already
 * carried ring_start entries would have them (so the run crosses 2^32). */
void stress_setup(void *mem, const struct stress_cfg *cfg)
{
	struct stress_ctl *ctl = mem;
	struct pv_sring *sr = ring_of(mem);
	RING_IDX r = cfg->ring_start, f = cfg->flex_start;

	memset(ctl, 0, sizeof(*ctl));
	pv_sring_init(sr);
	sr->req_prod = sr->rsp_prod = r;
	sr->req_event = sr->rsp_event = r + 1;
	ctl->flex.in_prod = ctl->flex.in_cons = f;
	ctl->flex.out_prod = ctl->flex.out_cons = f;
}

/* ---- doorbells ------------------------------------------------------------- */

/* FUTEX_WAIT/WAKE on a word of the shared mapping (not _PRIVATE: the
 * sides may be two processes).  A 32-bit target built with 64-bit time_t
 * needs the time64 call. */
static long futex(_Atomic uint32_t *word, int op, uint32_t val,
		  const struct timespec *ts)
{
#ifdef SYS_futex_time64
	if (sizeof(ts->tv_sec) > sizeof(long))
		return syscall(SYS_futex_time64, word, op, val, ts, NULL, 0);
#endif
	return syscall(SYS_futex, word, op, val, ts, NULL, 0);
}

/*
 * Notify the peer.  Every access here and in side_sleep() is seq_cst: if
 * the sleeper's load of "word" came before our increment, its earlier
 * store to "sleeping" is seen by our load below and we wake it (the futex
 * itself rechecks "word"); if it came after, the sleeper also sees our
 * channel counter move and does not wait at all.
 */
void bell_ring(struct side *s, enum stress_chan chan)
{
	struct stress_bell *b = &s->ctl->bell[s->me == STRESS_FRONT];

	atomic_fetch_add(chan == CHAN_RING ? &b->ring : &b->flex, 1);
	atomic_fetch_add(&b->word, 1);
	if (atomic_load(&b->sleeping)) {
		futex(&b->word, FUTEX_WAKE, 1, NULL);
		s->st.wakes++;
	}
}

/* Mark the run failed and wake both sides.  Async-signal-safe. */
void stress_abort(void *mem)
{
	struct stress_ctl *ctl = mem;
	int i;

	atomic_store(&ctl->abort, 1);
	for (i = 0; i < 2; i++) {
		atomic_fetch_add(&ctl->bell[i].word, 1);
		futex(&ctl->bell[i].word, FUTEX_WAKE, 1, NULL);
	}
}

/* Wait while *word == val, until stall_sec after progress stopped: 0 when
 * woken (or the word had already moved) or when the rescue timer ran out,
 * -1 after reporting a stall. */
static int bell_wait(struct side *s, _Atomic uint32_t *word, uint32_t val)
{
	double end = s->idle_since + s->cfg->stall_sec, left;
	double rescue = s->cfg->rescue_ms / 1000.0;
	struct timespec ts;
	bool short_wait;

	for (;;) {
		left = end - stress_now();
		if (left <= 0)
			break;
		short_wait = rescue > 0 && rescue < left;
		if (short_wait)
			left = rescue;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		if (futex(word, FUTEX_WAIT, val, &ts) == 0 || errno == EAGAIN)
			return 0;
		if (errno == ETIMEDOUT && short_wait) {
			s->rescue_poll = true;
			return 0;
		}
		if (errno != EINTR && errno != ETIMEDOUT)
			return side_fail(s, "futex wait: %s", strerror(errno));
	}
	return side_fail(s,
			 "no progress for %u s, asleep with no event although "
			 "the peer has not finished: lost wake-up or stuck peer",
			 s->cfg->stall_sec);
}

static bool ring_finished(const struct side *s)
{
	return s->seq_in == s->cfg->count;
}

/* Nothing to do until a doorbell rings: the ring's event is armed (or the
 * ring is finished), the flex round found nothing, and neither channel
 * rang since. */
static bool quiet(struct side *s)
{
	struct stress_bell *b = &s->ctl->bell[s->me];

	if (atomic_load(&s->ctl->abort))
		return false;
	if (!ring_finished(s) &&
	    (!s->ring_idle || atomic_load(&b->ring) != s->ring_snap))
		return false;
	return s->flex_idle && atomic_load(&b->flex) == s->flex_snap;
}

static int side_sleep(struct side *s)
{
	struct stress_bell *b = &s->ctl->bell[s->me];
	uint32_t word;
	int rc = 0;

	if (s->progressed) {
		s->idle_since = stress_now();
		s->progressed = false;
	}
	atomic_store(&b->sleeping, 1);
	word = atomic_load(&b->word);
	if (quiet(s)) {
		s->st.sleeps++;
		rc = bell_wait(s, &b->word, word);
	}
	atomic_store(&b->sleeping, 0);
	if (s->rescue_poll) /* look at everything, doorbell or not */
		s->ring_idle = s->flex_idle = false;
	return rc;
}

/* The ring's event channel: once idle, look at the ring again only after a
 * ring notification, as a driver does. */
static bool ring_awake(struct side *s)
{
	if (!s->ring_idle)
		return true;
	if (atomic_load(&s->ctl->bell[s->me].ring) == s->ring_snap)
		return false;
	s->ring_idle = false;
	return true;
}

/* The final check's verdict: > 0 work after all, 0 idle, -1 failed.  The
 * doorbell is read before the check so that a notification sent after it
 * is noticed. */
static int ring_idle_verdict(struct side *s, uint32_t snap, int rc)
{
	if (rc < 0)
		return side_fail(s, "final check: %d", rc);
	if (rc > 0) {
		s->st.final_recheck++;
		return 1;
	}
	s->st.ring_idle++;
	s->ring_idle = true;
	s->ring_snap = snap;
	return 0;
}

static void count_push(struct side *s, bool notify)
{
	if (notify) {
		s->st.notify_sent++;
		bell_ring(s, CHAN_RING);
	} else {
		s->st.notify_suppressed++;
	}
}

/* ---- frontend ---------------------------------------------------------------- */

/* One request, written in place or copied in (chosen by seq). */
static int front_put(struct side *s)
{
	struct stress_msg m, *slot;
	uint64_t seq = s->seq_out;

	if (stress_mix(seq) & 1) {
		slot = sr_next_request(&s->fr);
		stress_make_request(slot, s->cfg->seed, seq);
		s->st.digest_out = stress_digest(s->st.digest_out, slot->csum);
	} else {
		stress_make_request(&m, s->cfg->seed, seq);
		if (pv_front_ring_put_request(&s->fr.r, &m, sizeof(m)))
			return side_fail(s, "put_request on a non-full ring");
		s->st.digest_out = stress_digest(s->st.digest_out, m.csum);
	}
	s->st.msgs_out++;
	s->seq_out++;
	return 0;
}

/* A batch of requests, then one push: usually a few, now and then as many
 * as fit. */
static int front_produce(struct side *s)
{
	uint64_t r = stress_rand(&s->rng);
	uint32_t batch = (r & 7) == 0 ? s->fr.r.nr_ents
				      : 1 + (uint32_t)((r >> 3) % BATCH_MAX);
	uint32_t n = 0;

	while (n < batch && s->seq_out < s->cfg->count) {
		if (pv_front_ring_full(&s->fr.r)) {
			s->st.ring_full++;
			break;
		}
		if (front_put(s))
			return -1;
		n++;
	}
	if (n)
		count_push(s, sr_push_requests(&s->fr));
	return (int)n;
}

static int front_consume(struct side *s)
{
	struct stress_msg m;
	const char *why;
	uint32_t snap;
	int n = 0, rc;

	if (ring_finished(s) || !ring_awake(s))
		return 0;
	while (n < (int)RSP_PER_ROUND) {
		rc = sr_get_response(&s->fr, &m);
		if (rc == -XEN_EAGAIN)
			break;
		if (rc)
			return side_fail(s, "get_response: %d", rc);
		why = stress_check_response(&m, s->cfg->seed, s->seq_in);
		if (why)
			return side_fail(s, "response %llu: %s",
					 (unsigned long long)s->seq_in, why);
		s->st.digest_in = stress_digest(s->st.digest_in, m.csum);
		s->st.msgs_in++;
		s->seq_in++;
		n++;
	}
	if (n)
		return n;
	snap = atomic_load(&s->ctl->bell[s->me].ring);
	return ring_idle_verdict(s, snap, sr_final_check_responses(&s->fr));
}

static int front_work(struct side *s)
{
	int out = front_produce(s), in;

	if (out < 0)
		return out;
	in = front_consume(s);
	return in < 0 ? in : out + in;
}

/* ---- backend ------------------------------------------------------------------- */

/* Answer a checked request, in place or copied in (chosen by seq). */
static int back_answer(struct side *s, const struct stress_msg *req)
{
	struct stress_msg m, *slot;

	if (stress_mix(req->seq) & 2) {
		slot = sr_next_response(&s->br);
		if (!slot)
			return side_fail(s, "no response slot for a request");
		stress_make_response(slot, req);
		s->st.digest_out = stress_digest(s->st.digest_out, slot->csum);
	} else {
		stress_make_response(&m, req);
		if (pv_back_ring_put_response(&s->br.r, &m, sizeof(m)))
			return side_fail(s, "put_response refused");
		s->st.digest_out = stress_digest(s->st.digest_out, m.csum);
	}
	s->st.msgs_out++;
	return 0;
}

static void back_push(struct side *s)
{
	if (s->br.r.rsp_pushed != s->br.r.rsp_prod_pvt)
		count_push(s, sr_push_responses(&s->br));
}

static int back_take(struct side *s, struct stress_msg *req)
{
	const char *why;
	int rc = sr_copy_request(&s->br, req);

	if (rc == -XEN_EAGAIN)
		return 0;
	if (rc)
		return side_fail(s, "copy_request: %d", rc);
	why = stress_check_request(req, s->cfg->seed, s->seq_in);
	if (why)
		return side_fail(s, "request %llu: %s",
				 (unsigned long long)s->seq_in, why);
	s->st.digest_in = stress_digest(s->st.digest_in, req->csum);
	s->st.msgs_in++;
	s->seq_in++;
	return 1;
}

/* Take up to a batch of requests, answering each, pushing every few. */
static int back_serve(struct side *s)
{
	uint64_t r = stress_rand(&s->rng);
	uint32_t batch = 1 + (uint32_t)(r % BATCH_MAX);
	uint32_t every = 1 + (uint32_t)((r >> 8) % 16);
	struct stress_msg req;
	uint32_t n = 0, snap;
	int rc;

	if (ring_finished(s) || !ring_awake(s))
		return 0;
	while (n < batch) {
		rc = back_take(s, &req);
		if (rc <= 0) {
			if (rc < 0)
				return rc;
			break;
		}
		if (back_answer(s, &req))
			return -1;
		if (++n % every == 0)
			back_push(s);
	}
	back_push(s);
	if (n)
		return (int)n;
	snap = atomic_load(&s->ctl->bell[s->me].ring);
	return ring_idle_verdict(s, snap, sr_final_check_requests(&s->br));
}

/* ---- both ------------------------------------------------------------------------ */

/* Move flex bytes; the data ring protocols notify after every batch. */
static int flex_work(struct side *s)
{
	uint32_t snap = atomic_load(&s->ctl->bell[s->me].flex);
	int n = flex_round(s);

	if (n < 0)
		return n;
	s->flex_idle = n == 0;
	s->flex_snap = snap;
	if (n) {
		s->st.flex_notify++;
		bell_ring(s, CHAN_FLEX);
	}
	return n;
}

static void nap(unsigned usec)
{
	struct timespec ts = { 0, (long)usec * 1000 };

	nanosleep(&ts, NULL);
}

/* Seeded pauses.  Phases of 8192 messages take turns: both sides quick,
 * the frontend slow (the ring drains and the backend sleeps), the backend
 * slow (the ring fills), then both jittery. */
static void pause_maybe(struct side *s)
{
	uint64_t r = stress_rand(&s->rng);
	unsigned phase = (unsigned)((s->seq_in >> 13) & 3);
	bool slow = phase == 1u + (unsigned)s->me;
	uint64_t every = slow ? 4 : phase == 3 ? 64 : 1024;

	if (r % every == 0) {
		s->st.pauses++;
		nap(1 + (unsigned)((r >> 32) % 50));
	} else if (((r >> 16) & 255) == 0) {
		s->st.pauses++;
		sched_yield();
	}
}

static bool side_done(const struct side *s)
{
	return ring_finished(s) && flex_done(s);
}

static int side_init(struct side *s, void *mem, const struct stress_cfg *cfg,
		     enum stress_side me)
{
	struct pv_sring *sr = ring_of(mem);
	int rc;

	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->ctl = mem;
	s->me = me;
	s->name = me == STRESS_FRONT ? "frontend" : "backend";
	s->rng = stress_mix(cfg->seed ^ (0x5157u + (uint64_t)me));
	s->idle_since = stress_now();
	if (me == STRESS_FRONT)
		rc = cfg->ring_start ? sr_front_attach(&s->fr, sr, RING_BYTES)
				     : sr_front_init(&s->fr, sr, RING_BYTES);
	else
		rc = cfg->ring_start ? sr_back_attach(&s->br, sr, RING_BYTES)
				     : sr_back_init(&s->br, sr, RING_BYTES);
	if (rc)
		return side_fail(s, "ring attach: %d", rc);
	return flex_init(s, mem);
}

static int side_run(struct side *s)
{
	int ring, flex;

	while (!side_done(s)) {
		if (atomic_load(&s->ctl->abort))
			return side_fail(s, "peer failed");
		ring = s->me == STRESS_FRONT ? front_work(s) : back_serve(s);
		if (ring < 0)
			return -1;
		flex = flex_work(s);
		if (flex < 0)
			return -1;
		pause_maybe(s);
		if (s->rescue_poll) {
			s->st.rescued += ring > 0;
			s->rescue_poll = false;
		}
		s->progressed |= ring + flex > 0;
		if (ring + flex == 0 && side_sleep(s))
			return -1;
	}
	s->ctl->stats[s->me] = s->st;
	return 0;
}

static int side_main(void *mem, const struct stress_cfg *cfg,
		     enum stress_side me)
{
	struct side s;

	if (side_init(&s, mem, cfg, me))
		return -1;
	return side_run(&s);
}

int stress_frontend(void *mem, const struct stress_cfg *cfg)
{
	return side_main(mem, cfg, STRESS_FRONT);
}

int stress_backend(void *mem, const struct stress_cfg *cfg)
{
	return side_main(mem, cfg, STRESS_BACK);
}
