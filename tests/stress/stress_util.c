/*
 * The stress test's data (messages and frames that can be checked byte for
 * byte from their sequence number alone), its arguments, its failure dump
 * and its final verdict.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stress_int.h"

#define SALT_REQ 0x52455155u /* request and response checksums differ */
#define SALT_RSP 0x52535050u
#define SALT_FRM 0x46524d45u

/* ---- generators ----------------------------------------------------------- */

/* splitmix64's finaliser: a cheap, well-mixed 64-bit hash. */
uint64_t stress_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

uint64_t stress_rand(uint64_t *state)
{
	*state += 0x9e3779b97f4a7c15ull;
	return stress_mix(*state);
}

/* len bytes from the stream that key seeds, eight at a time. */
static void fill_bytes(uint8_t *dst, uint32_t len, uint64_t key)
{
	uint64_t st = key, w;
	uint32_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		w = stress_rand(&st);
		memcpy(dst + i, &w, 8);
	}
	w = stress_rand(&st);
	memcpy(dst + i, &w, len - i);
}

static uint32_t csum(uint64_t seq, uint32_t len, const uint8_t *p,
		     uint32_t salt)
{
	uint64_t h = stress_mix(seq ^ ((uint64_t)len << 40) ^ salt), w;
	uint32_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	w = 0;
	memcpy(&w, p + i, len - i);
	h = (h ^ w) * 0x100000001b3ull;
	return (uint32_t)stress_mix(h);
}

static uint64_t msg_key(uint64_t seed, uint64_t seq)
{
	return stress_mix(seed ^ stress_mix(seq + 0x1234567ull));
}

void stress_make_request(struct stress_msg *m, uint64_t seed, uint64_t seq)
{
	uint64_t key = msg_key(seed, seq);

	m->seq = seq;
	m->len = (uint32_t)(key % (STRESS_PAYLOAD_MAX + 1));
	fill_bytes(m->payload, m->len, key);
	m->csum = csum(seq, m->len, m->payload, SALT_REQ);
}

/* The checks look at a private copy, so reading fields twice is safe. */
const char *stress_check_request(const struct stress_msg *m, uint64_t seed,
				 uint64_t seq)
{
	struct stress_msg want;

	if (m->seq != seq)
		return "wrong sequence number (lost, duplicated or reordered)";
	stress_make_request(&want, seed, seq);
	if (m->len != want.len)
		return "wrong payload length";
	if (m->csum != csum(m->seq, m->len, m->payload, SALT_REQ))
		return "checksum mismatch (torn entry)";
	if (m->csum != want.csum || memcmp(m->payload, want.payload, m->len))
		return "payload differs from what was sent";
	return NULL;
}

/* The answer: the payload reversed and inverted, with its own checksum. */
void stress_make_response(struct stress_msg *rsp, const struct stress_msg *req)
{
	uint32_t i, n = req->len;

	rsp->seq = req->seq;
	rsp->len = n;
	for (i = 0; i < n; i++)
		rsp->payload[i] = (uint8_t)~req->payload[n - 1 - i];
	rsp->csum = csum(rsp->seq, n, rsp->payload, SALT_RSP);
}

const char *stress_check_response(const struct stress_msg *m, uint64_t seed,
				  uint64_t seq)
{
	struct stress_msg req, want;

	if (m->seq != seq)
		return "wrong sequence number (lost, duplicated or reordered)";
	stress_make_request(&req, seed, seq);
	stress_make_response(&want, &req);
	if (m->len != want.len)
		return "wrong payload length";
	if (m->csum != csum(m->seq, m->len, m->payload, SALT_RSP))
		return "checksum mismatch (torn entry)";
	if (m->csum != want.csum || memcmp(m->payload, want.payload, m->len))
		return "payload is not the answer to what was sent";
	return NULL;
}

/* ---- flex frames ------------------------------------------------------------- */

uint32_t stress_frame_magic(enum stress_side writer)
{
	return writer == STRESS_FRONT ? 0x4f555431u : 0x494e3031u;
}

/* Mostly short frames, one in sixteen up to the maximum: many frames per
 * ring, and now and then one that fills half an order-2 ring. */
static uint32_t frame_len(uint64_t key)
{
	if ((key & 15) == 0)
		return (uint32_t)((key >> 8) % (STRESS_FLEX_DATA_MAX + 1));
	return (uint32_t)((key >> 8) % 256);
}

uint32_t stress_make_frame(uint8_t *buf, uint64_t seed, uint32_t magic,
			   uint64_t seq)
{
	uint64_t key = msg_key(seed ^ magic, seq);
	struct stress_frame_hdr h = {
		.len = frame_len(key), .magic = magic, .seq = seq,
	};
	uint8_t *data = buf + sizeof(h);
	uint32_t c;

	memcpy(buf, &h, sizeof(h));
	fill_bytes(data, h.len, key);
	c = csum(seq, h.len, data, SALT_FRM ^ magic);
	memcpy(data + h.len, &c, sizeof(c));
	return (uint32_t)sizeof(h) + h.len + (uint32_t)sizeof(c);
}

uint32_t stress_frame_size(const uint8_t *buf, uint32_t magic, uint64_t seq)
{
	struct stress_frame_hdr h;

	memcpy(&h, buf, sizeof(h));
	if (h.magic != magic || h.seq != seq || h.len > STRESS_FLEX_DATA_MAX)
		return 0;
	return (uint32_t)sizeof(h) + h.len + 4u;
}

uint32_t stress_frame_csum(const uint8_t *frame)
{
	struct stress_frame_hdr h;
	uint32_t c;

	memcpy(&h, frame, sizeof(h));
	memcpy(&c, frame + sizeof(h) + h.len, sizeof(c));
	return c;
}

const char *stress_check_frame(const uint8_t *buf, uint64_t seed,
			       uint32_t magic, uint64_t seq)
{
	static _Thread_local uint8_t want[STRESS_FRAME_MAX];
	struct stress_frame_hdr h;
	uint32_t size;

	memcpy(&h, buf, sizeof(h));
	if (h.magic != magic)
		return "bad frame magic (stream out of step)";
	if (h.seq != seq)
		return "wrong frame sequence number";
	if (h.len > STRESS_FLEX_DATA_MAX)
		return "frame length out of range";
	if (stress_frame_csum(buf) !=
	    csum(seq, h.len, buf + sizeof(h), SALT_FRM ^ magic))
		return "frame checksum mismatch (torn bytes)";
	size = stress_make_frame(want, seed, magic, seq);
	if (memcmp(buf, want, size))
		return "frame differs from what was sent";
	return NULL;
}

/* ---- arguments ---------------------------------------------------------------- */

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return -1;
	v = strtoull(s, &end, 0);
	if (*end)
		return -1;
	*out = v;
	return 0;
}

static int usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [COUNT] [-f FRAMES] [-o ORDER] [-s SEED] "
		"[-t STALL_S] [-r MS]\n"
		"  COUNT    requests (and responses) on the ring\n"
		"  FRAMES   flex frames each way (default COUNT/4)\n"
		"  ORDER    flex ring order, %u..%u (default: from SEED)\n"
		"  SEED     payloads and pauses (default: from the clock)\n"
		"  STALL_S  this long asleep without progress fails "
		"(default 10)\n"
		"  MS       rescue polls: a sleep looks at the ring after MS ms\n"
		"           and counts lost wake-ups instead of failing (for\n"
		"           emulators with broken store->load ordering)\n",
		prog, STRESS_FLEX_ORDER_MIN, STRESS_FLEX_ORDER_MAX);
	return -1;
}

static int parse_opt(struct stress_cfg *cfg, char opt, const char *val,
		     bool *frames_set, bool *order_set)
{
	uint64_t v;

	if (parse_u64(val, &v))
		return -1;
	switch (opt) {
	case 'f':
		cfg->frames = v;
		*frames_set = true;
		return 0;
	case 'o':
		cfg->flex_order = (unsigned)v;
		*order_set = true;
		return v >= STRESS_FLEX_ORDER_MIN &&
				       v <= STRESS_FLEX_ORDER_MAX
			       ? 0
			       : -1;
	case 's':
		cfg->seed = v;
		return 0;
	case 't':
		cfg->stall_sec = (unsigned)v;
		return v > 0 && v < 3600 ? 0 : -1;
	case 'r':
		cfg->rescue_ms = (unsigned)v;
		return v < 10000 ? 0 : -1;
	}
	return -1;
}

int stress_parse_args(struct stress_cfg *cfg, uint64_t default_count,
		      int argc, char **argv)
{
	bool frames_set = false, order_set = false;
	int i;

	*cfg = (struct stress_cfg){
		.count = default_count,
		.flex_order = STRESS_FLEX_ORDER_MIN,
		.seed = stress_mix((uint64_t)time(NULL) ^
				   ((uint64_t)getpid() << 32)),
		.stall_sec = 10,
	};
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] == '-' && a[1] && !a[2] && i + 1 < argc) {
			if (parse_opt(cfg, a[1], argv[++i], &frames_set,
				      &order_set))
				return usage(argv[0]);
		} else if (parse_u64(a, &cfg->count) || cfg->count == 0) {
			return usage(argv[0]);
		}
	}
	if (!frames_set)
		cfg->frames = cfg->count / 4;
	if (!order_set) /* runs with different seeds cover every order */
		cfg->flex_order = STRESS_FLEX_ORDER_MIN +
				  (unsigned)(cfg->seed % (STRESS_FLEX_ORDER_MAX -
							  STRESS_FLEX_ORDER_MIN + 1));
	/* Start so that the ring's indices wrap around 2^32 halfway through,
	 * and the flex indices early on. */
	cfg->ring_start = (RING_IDX)(0u - (RING_IDX)(cfg->count / 2));
	cfg->flex_start = (RING_IDX)(0u - (RING_IDX)(cfg->seed % 65536) - 1u);
	return 0;
}

void stress_print_cfg(const char *variant, const struct stress_cfg *cfg)
{
	printf("%s: %" PRIu64 " requests and responses, %" PRIu64
	       " flex frames each way (order %u), seed %" PRIu64
	       ", stall limit %u s\n",
	       variant, cfg->count, cfg->frames, cfg->flex_order, cfg->seed,
	       cfg->stall_sec);
	printf("%s: ring index starts at %#x, flex index at %#x\n", variant,
	       cfg->ring_start, cfg->flex_start);
	if (cfg->rescue_ms)
		printf("%s: rescue polls every %u ms: lost wake-ups are counted, "
		       "not failed\n",
		       variant, cfg->rescue_ms);
	fflush(stdout);
}

double stress_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- failing ------------------------------------------------------------------ */

static uint32_t ld(_Atomic uint32_t *p)
{
	return atomic_load(p);
}

static uint32_t ldi(RING_IDX *p)
{
	return atomic_load(PV_ATOMIC_IDX(p));
}

static void dump_shared(struct stress_ctl *ctl, struct pv_sring *sr)
{
	struct stress_flex_intf *fx = &ctl->flex;
	int i;

	fprintf(stderr,
		"  ring:  req_prod=%#x req_event=%#x rsp_prod=%#x "
		"rsp_event=%#x\n",
		ldi(&sr->req_prod), ldi(&sr->req_event), ldi(&sr->rsp_prod),
		ldi(&sr->rsp_event));
	fprintf(stderr,
		"  flex:  out prod=%#x cons=%#x   in prod=%#x cons=%#x\n",
		ldi(&fx->out_prod), ldi(&fx->out_cons), ldi(&fx->in_prod),
		ldi(&fx->in_cons));
	for (i = 0; i < 2; i++)
		fprintf(stderr,
			"  bell %s: word=%u ring=%u flex=%u sleeping=%u\n",
			i == STRESS_FRONT ? "front" : "back ",
			ld(&ctl->bell[i].word), ld(&ctl->bell[i].ring),
			ld(&ctl->bell[i].flex), ld(&ctl->bell[i].sleeping));
}

static void dump_side(const struct side *s)
{
	if (s->me == STRESS_FRONT)
		fprintf(stderr,
			"  front: req_prod_pvt=%#x req_pushed=%#x "
			"rsp_cons=%#x rsp_seen=%#x\n",
			s->fr.r.req_prod_pvt, s->fr.r.req_pushed,
			s->fr.r.rsp_cons, s->fr.r.rsp_seen);
	else
		fprintf(stderr,
			"  back:  req_cons=%#x req_seen=%#x rsp_prod_pvt=%#x "
			"rsp_pushed=%#x\n",
			s->br.r.req_cons, s->br.r.req_seen,
			s->br.r.rsp_prod_pvt, s->br.r.rsp_pushed);
	fprintf(stderr,
		"  %s: sent %" PRIu64 " checked %" PRIu64 " frames out %" PRIu64
		" in %" PRIu64 "; ring %s (snap %u), flex %s (snap %u)\n",
		s->name, s->seq_out, s->seq_in, s->tx.seq, s->rx.seq,
		s->ring_idle ? "idle" : "awake", s->ring_snap,
		s->flex_idle ? "idle" : "awake", s->flex_snap);
}

int side_fail(struct side *s, const char *fmt, ...)
{
	struct stress_ctl *ctl = s->ctl;
	struct pv_sring *sr = (struct pv_sring *)((uint8_t *)ctl + STRESS_PAGE);
	char why[256];
	va_list ap;

	/* Only the first failure explains itself: the other side's "peer
	 * failed" would only repeat the dump.  One fprintf per line, so the
	 * two sides' lines do not interleave mid-line. */
	if (atomic_exchange(&ctl->abort, 1) == 0) {
		va_start(ap, fmt);
		vsnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
		fprintf(stderr, "stress: %s: FAIL: %s\n", s->name, why);
		dump_shared(ctl, sr);
		dump_side(s);
	} else {
		fprintf(stderr, "stress: %s: stopping, the peer failed\n",
			s->name);
	}
	s->st.failed = 1;
	ctl->stats[s->me] = s->st;
	bell_ring(s, CHAN_RING);
	return -1;
}

/* ---- verdict ------------------------------------------------------------------ */

static int expect(bool ok, const char *what, int *bad)
{
	if (!ok) {
		fprintf(stderr, "stress: FAIL: expected %s\n", what);
		*bad = 1;
	}
	return ok;
}

static void print_stats(const char *name, const struct stress_stats *t)
{
	printf("  %-5s ring: %" PRIu64 " out, %" PRIu64 " in; notify sent %" PRIu64
	       ", suppressed %" PRIu64 "; idle %" PRIu64 ", caught by "
	       "re-check %" PRIu64 ", ring full %" PRIu64 "\n",
	       name, t->msgs_out, t->msgs_in, t->notify_sent,
	       t->notify_suppressed, t->ring_idle, t->final_recheck,
	       t->ring_full);
	printf("  %-5s flex: %" PRIu64 " frames (%" PRIu64 " bytes) out, %" PRIu64
	       " (%" PRIu64 " bytes) in; full %" PRIu64 ", empty %" PRIu64
	       ", partial %" PRIu64 ", notified %" PRIu64 "\n",
	       name, t->frames_out, t->fbytes_out, t->frames_in, t->fbytes_in,
	       t->flex_full, t->flex_empty, t->flex_partial, t->flex_notify);
	printf("  %-5s sleeps %" PRIu64 ", wakes sent %" PRIu64
	       ", injected pauses %" PRIu64 ", lost wake-ups rescued %" PRIu64
	       "\n",
	       name, t->sleeps, t->wakes, t->pauses, t->rescued);
}

/* Both sides saw the same streams, and the shared indices agree. */
static void verify_totals(struct stress_ctl *ctl, const struct stress_cfg *cfg,
			  int *bad)
{
	const struct stress_stats *f = &ctl->stats[STRESS_FRONT];
	const struct stress_stats *b = &ctl->stats[STRESS_BACK];
	struct pv_sring *sr = (struct pv_sring *)((uint8_t *)ctl + STRESS_PAGE);
	RING_IDX end = cfg->ring_start + (RING_IDX)cfg->count;

	expect(f->msgs_out == cfg->count && b->msgs_in == cfg->count &&
		       b->msgs_out == cfg->count && f->msgs_in == cfg->count,
	       "every request and response sent and checked", bad);
	expect(f->digest_out == b->digest_in && b->digest_out == f->digest_in,
	       "the ring digests to agree", bad);
	expect(f->frames_out == cfg->frames && b->frames_in == cfg->frames &&
		       b->frames_out == cfg->frames &&
		       f->frames_in == cfg->frames,
	       "every flex frame sent and checked", bad);
	expect(f->fdigest_out == b->fdigest_in &&
		       b->fdigest_out == f->fdigest_in &&
		       f->fbytes_out == b->fbytes_in &&
		       b->fbytes_out == f->fbytes_in,
	       "flex digests and byte counts to agree", bad);
	expect(ldi(&sr->req_prod) == end && ldi(&sr->rsp_prod) == end,
	       "req_prod and rsp_prod to end at start + count", bad);
	expect(ldi(&ctl->flex.out_prod) == ldi(&ctl->flex.out_cons) &&
		       ldi(&ctl->flex.in_prod) == ldi(&ctl->flex.in_cons),
	       "both flex directions drained", bad);
}

/* The run must have exercised suppression both ways, sleeping and a full
 * ring, or it proved less than it claims. */
static void verify_paths(struct stress_ctl *ctl, int *bad)
{
	const struct stress_stats *f = &ctl->stats[STRESS_FRONT];
	const struct stress_stats *b = &ctl->stats[STRESS_BACK];

	expect(f->notify_sent && b->notify_sent,
	       "notifications sent by both sides", bad);
	expect(f->notify_suppressed && b->notify_suppressed,
	       "notifications suppressed on both sides", bad);
	expect(f->ring_idle && b->ring_idle, "both sides to go idle on the ring", bad);
	expect(f->sleeps && b->sleeps, "both sides to sleep", bad);
	expect(f->ring_full, "the ring to be full at least once", bad);
}

int stress_verify(void *mem, const struct stress_cfg *cfg, double seconds)
{
	struct stress_ctl *ctl = mem;
	int bad = 0;

	printf("stress: %.2f s, %.0f round trips/s\n", seconds,
	       seconds > 0 ? (double)ctl->stats[STRESS_FRONT].msgs_in / seconds
			   : 0.0);
	print_stats("front", &ctl->stats[STRESS_FRONT]);
	print_stats("back", &ctl->stats[STRESS_BACK]);
	expect(!ctl->stats[STRESS_FRONT].failed &&
		       !ctl->stats[STRESS_BACK].failed && !ctl->abort,
	       "both sides to finish without failing", &bad);
	if (!bad) {
		verify_totals(ctl, cfg, &bad);
		verify_paths(ctl, &bad);
	}
	printf("stress: %s\n", bad ? "FAILED" : "ok");
	fflush(stdout);
	return bad ? -1 : 0;
}
