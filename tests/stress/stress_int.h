/*
 * tests/stress/stress_int.h — what the stress core's files share: one
 * side's private state, the message and frame generators, doorbells.
 */
#ifndef PVKIT_TESTS_STRESS_INT_H
#define PVKIT_TESTS_STRESS_INT_H

#include "stress_core.h"

/* The ring as a protocol would declare it. */
PV_RING_DEFINE(sr, struct stress_msg, struct stress_msg);
_Static_assert(sizeof(union sr_entry) == sizeof(struct stress_msg),
	       "entry is one message");

/* Which doorbell counter a notification bumps. */
enum stress_chan { CHAN_RING, CHAN_FLEX };

/* One flex direction as its writer sees it: the frame being sent. */
struct flex_tx {
	struct pv_flex_ring ring;
	uint32_t magic;
	uint64_t seq;	 /* frame in buf (or the next to build) */
	uint32_t size;	 /* bytes of the frame in buf; 0: none built */
	uint32_t off;	 /* bytes of it already written */
	bool piecewise;	 /* written with write_some, in random pieces */
	uint8_t buf[STRESS_FRAME_MAX];
};

/* One flex direction as its reader sees it: the frame being collected. */
struct flex_rx {
	struct pv_flex_ring ring;
	uint32_t magic;
	uint64_t seq;	/* frame expected next */
	uint32_t size;	/* whole frame in bytes, once its header is in */
	uint32_t off;	/* bytes collected (piecewise mode) */
	bool piecewise; /* read with read_some; else peek + read */
	uint8_t buf[STRESS_FRAME_MAX];
};

struct side {
	const struct stress_cfg *cfg;
	struct stress_ctl *ctl;
	enum stress_side me;
	const char *name;
	uint64_t rng; /* pauses, batch sizes, modes */
	struct stress_stats st;
	/* Event-channel model: idle on a channel until its doorbell moves. */
	bool ring_idle, flex_idle;
	uint32_t ring_snap, flex_snap;
	double idle_since; /* start of the current stretch without progress */
	bool progressed;   /* made progress since the last sleep */
	bool rescue_poll;  /* the last sleep ended by the rescue timer */
	struct sr_front fr; /* frontend only */
	struct sr_back br;  /* backend only */
	uint64_t seq_out;   /* next ring message to send */
	uint64_t seq_in;    /* next ring message expected */
	struct flex_tx tx;
	struct flex_rx rx;
};

/* ---- stress_util.c: data ---------------------------------------------- */

uint64_t stress_mix(uint64_t x);
uint64_t stress_rand(uint64_t *state);
/* Fill a request (seq's length and bytes) / check one against seq. */
void stress_make_request(struct stress_msg *m, uint64_t seed, uint64_t seq);
const char *stress_check_request(const struct stress_msg *m, uint64_t seed,
				 uint64_t seq);
/* The backend's answer to a checked request, and the frontend's check. */
void stress_make_response(struct stress_msg *rsp,
			  const struct stress_msg *req);
const char *stress_check_response(const struct stress_msg *m, uint64_t seed,
				  uint64_t seq);
/* Build frame seq of a direction into buf; its size in bytes. */
uint32_t stress_make_frame(uint8_t *buf, uint64_t seed, uint32_t magic,
			   uint64_t seq);
/* Frame size a checked header announces, or 0 when the header is bad. */
uint32_t stress_frame_size(const uint8_t *buf, uint32_t magic, uint64_t seq);
const char *stress_check_frame(const uint8_t *buf, uint64_t seed,
			       uint32_t magic, uint64_t seq);
/* Order-sensitive digest of a checksum stream. */
static inline uint64_t stress_digest(uint64_t d, uint32_t csum)
{
	return stress_mix(d ^ csum);
}
uint32_t stress_frame_csum(const uint8_t *frame);
uint32_t stress_frame_magic(enum stress_side writer);

/* ---- stress_util.c: failing ---------------------------------------------- */

/* Print why, the shared state and the side's progress; mark the run
 * failed and wake the peer so it stops too.  Returns -1. */
int side_fail(struct side *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- stress_core.c: doorbells -------------------------------------------- */

void bell_ring(struct side *s, enum stress_chan chan);

/* ---- stress_flex.c --------------------------------------------------------- */

int flex_init(struct side *s, void *mem);
/* Move what can be moved now, both directions: bytes moved, or -1. */
int flex_round(struct side *s);
bool flex_done(const struct side *s);

#endif
