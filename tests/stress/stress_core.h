/*
 * tests/stress/stress_core.h — libpvring under load, shared by both variants.
 *
 * A frontend and a backend talk over one shared mapping, exactly as two
 * domains would over granted pages:
 *
 *   page 0        control: one doorbell per side, the abort flag, the flex
 *                 ring's four indices, and each side's final counters
 *   pages 1-4     a request/response ring of 120-byte entries (128 slots,
 *                 so entries straddle page boundaries)
 *   pages 5-...   the data pages of a flex ring of 2^order pages: "in"
 *                 (backend to frontend) first, then "out"
 *
 * Every request carries a 64-bit sequence number, a payload whose length
 * and bytes come from a PRNG seeded by that number, and a checksum.  The
 * backend insists on seq == expected, regenerates the payload and checks
 * the checksum (a mismatch means a torn slot), then answers with the same
 * seq and a transformed payload that the frontend checks the same way.
 * Each flex direction carries its own stream of framed messages
 * (length, seq, payload, trailing checksum), written and read either whole
 * or in random-sized pieces.  Strict sequence equality on every channel
 * means nothing was lost, duplicated or reordered; at the end the two sides'
 * counts and digests must agree and the shared indices must line up.
 *
 * The sides do not just spin.  A side that runs out of work calls the
 * ring's final-check function and, if it still finds nothing, sleeps on its
 * doorbell (a futex word in page 0).  The peer rings that doorbell only when
 * push_* returns true, so a wrong event-index decision or a missing re-check
 * leaves a side asleep with work pending: every sleep has a time limit, and
 * running into it fails the test with the indices printed.  A side treats
 * the ring as a real driver treats its event channel: once it has gone idle
 * on the ring it does not look at it again until a ring notification
 * arrives, even while flex traffic keeps it awake.  Seeded pauses make one
 * side or the other the slow one in turn, so the ring fills and drains.
 *
 * The variants differ only in how the two sides run: stress_ring_procs
 * forks (memfd, MAP_SHARED), stress_ring_threads_tsan uses two threads
 * under ThreadSanitizer.
 */
#ifndef PVKIT_TESTS_STRESS_CORE_H
#define PVKIT_TESTS_STRESS_CORE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvkit/flexring.h"
#include "pvkit/ring.h"

#define STRESS_PAGE	     4096u
#define STRESS_RING_PAGES    4u
#define STRESS_PAYLOAD_MAX   104u  /* bytes in a ring message */
#define STRESS_FLEX_ORDER_MIN 2u
#define STRESS_FLEX_ORDER_MAX 4u
#define STRESS_FLEX_DATA_MAX 4000u /* payload bytes in a flex frame */

enum stress_side { STRESS_FRONT = 0, STRESS_BACK = 1 };

/* Requests and responses share one shape. */
struct stress_msg {
	uint64_t seq;
	uint32_t len;  /* payload bytes used */
	uint32_t csum; /* over seq, len and payload[0..len) */
	uint8_t payload[STRESS_PAYLOAD_MAX];
};
_Static_assert(sizeof(struct stress_msg) == 120, "ring entry is 120 bytes");

/* A flex frame: this header, len payload bytes, a 32-bit checksum. */
struct stress_frame_hdr {
	uint32_t len;
	uint32_t magic; /* per direction, catches a stream that slipped */
	uint64_t seq;
};
#define STRESS_FRAME_MAX \
	(sizeof(struct stress_frame_hdr) + STRESS_FLEX_DATA_MAX + 4u)

/* What a run is asked to do. */
struct stress_cfg {
	uint64_t count;	   /* requests, and so responses */
	uint64_t frames;   /* flex frames in each direction */
	unsigned flex_order;
	uint64_t seed;
	unsigned stall_sec; /* this long asleep without progress fails */
	unsigned rescue_ms; /* 0: strict; see stress_parse_args() */
	RING_IDX ring_start; /* first ring index: runs cross 2^32 */
	RING_IDX flex_start; /* first flex byte index, likewise */
};

/* One side's counters; each side writes its own copy into page 0 when it
 * finishes (or fails). */
struct stress_stats {
	uint64_t msgs_out, msgs_in;	/* ring messages sent / checked */
	uint64_t digest_out, digest_in; /* hash chain over their checksums */
	uint64_t frames_out, frames_in;
	uint64_t fdigest_out, fdigest_in;
	uint64_t fbytes_out, fbytes_in;
	uint64_t notify_sent;	    /* push_* said "notify": doorbell rung */
	uint64_t notify_suppressed; /* push_* published, peer did not ask */
	uint64_t ring_idle;	    /* final check armed the event: went idle */
	uint64_t final_recheck;	    /* ... or found work on its second look */
	uint64_t ring_full;	    /* frontend: no free request slot */
	uint64_t flex_full;	    /* no room for the next frame or piece */
	uint64_t flex_empty;	    /* no whole frame or piece to read */
	uint64_t flex_partial;	    /* a piece moved fewer bytes than asked */
	uint64_t flex_notify;	    /* flex doorbells rung */
	uint64_t sleeps, wakes;	    /* futex waits; FUTEX_WAKE calls made */
	uint64_t pauses;	    /* injected yields and naps */
	uint64_t rescued;	    /* lost ring wake-ups found by rescue polls */
	uint64_t failed;	    /* nonzero: this side failed */
};

/* A doorbell: "word" is the futex, bumped by every notification to this
 * side; "ring" and "flex" tell which channel rang. */
struct stress_bell {
	_Atomic uint32_t word;
	_Atomic uint32_t ring;
	_Atomic uint32_t flex;
	_Atomic uint32_t sleeping; /* the side is (about to be) in FUTEX_WAIT */
	uint8_t pad[48];	   /* own cache line */
};

/* Flex indices, laid out as the data ring protocols do. */
struct stress_flex_intf {
	RING_IDX in_cons, in_prod;
	uint8_t pad1[56];
	RING_IDX out_cons, out_prod;
	uint8_t pad2[56];
};

struct stress_ctl {
	struct stress_bell bell[2];
	_Atomic uint32_t abort; /* a side failed: the other stops too */
	uint8_t pad[60];
	struct stress_flex_intf flex;
	struct stress_stats stats[2];
};
_Static_assert(sizeof(struct stress_ctl) <= STRESS_PAGE, "control fits");

/* Bytes of shared memory a run needs. */
size_t stress_map_size(const struct stress_cfg *cfg);

/* Prepare zeroed shared memory (the frontend's job, before the peer runs). */
void stress_setup(void *mem, const struct stress_cfg *cfg);

/* Run one side to completion: 0, or -1 after printing why. */
int stress_frontend(void *mem, const struct stress_cfg *cfg);
int stress_backend(void *mem, const struct stress_cfg *cfg);

/* Mark the run failed and wake both sides, e.g. when the peer process
 * died.  Async-signal-safe. */
void stress_abort(void *mem);

/*
 * Parse "[COUNT] [-f FRAMES] [-o ORDER] [-s SEED] [-t STALL_S] [-r MS]":
 * 0 or -1.  -r MS makes a sleep give up after MS milliseconds and look at
 * the ring anyway, counting the lost wake-ups this rescues instead of
 * failing on them.  It exists for emulators that break the store->load
 * ordering the event protocol relies on (qemu-aarch64 7.2 lets an STLR
 * pass a later LDAR on an x86 host); data checks stay strict.
 */
int stress_parse_args(struct stress_cfg *cfg, uint64_t default_count,
		      int argc, char **argv);
void stress_print_cfg(const char *variant, const struct stress_cfg *cfg);

/* After both sides finished: compare their totals, check the shared
 * indices and that every path was taken, print statistics.  0 or -1. */
int stress_verify(void *mem, const struct stress_cfg *cfg, double seconds);

/* Monotonic seconds, for the wall time the report prints. */
double stress_now(void);

#endif
