/*
 * tests/unit/snd_alsa/pvclock.h — "pvclock", an ALSA PCM with a clock and
 * no sound card, for the sound backend's tests and tests/bench/snd_bench.
 *
 * libasound's null and file PCMs take any amount of playback at once: they
 * have no clock, so nothing written to them can ever be late.  pvclock is
 * an external (ioplug) PCM, loaded by libasound from
 * libasound_module_pcm_pvclock.so, that plays its frames in real time as a
 * card would: once started it consumes rate frames a second of
 * CLOCK_MONOTONIC, its poll descriptor (a timerfd) wakes every period, and
 * when the clock passes the last frame written it underruns (-EPIPE, the
 * PCM in XRUN until prepared again).  Playback only; S16_LE, S32_LE and
 * FLOAT_LE, 1..8 channels, 8000..192000 Hz.
 *
 *   pcm_type.pvclock { lib "/path/libasound_module_pcm_pvclock.so" }
 *   pcm.clock { type pvclock  stats "/path/stats" }   # stats: optional
 *
 * With "stats", the PCM keeps struct pvclock_stats in that file (created,
 * mmap'ed shared, so another process reads it while the PCM plays): frames
 * played, underruns, and the latency of marked frames.  A marker is three
 * S16_LE stereo frames: (PVCLOCK_MARK_L, PVCLOCK_MARK_R), then the writer's
 * CLOCK_MONOTONIC in microseconds as three 16-bit words, low first
 * (L, R of the second frame, L of the third), then R of the third is the
 * three words XORed with PVCLOCK_MARK_CHECK.  When a marker passes through
 * snd_pcm_writei() the PCM takes CLOCK_MONOTONIC and adds now - stamp to a
 * histogram.  Samples of the signal around the markers must stay below
 * PVCLOCK_MARK_L in magnitude.
 */
#ifndef PVKIT_TESTS_PVCLOCK_H
#define PVKIT_TESTS_PVCLOCK_H

#include <stdint.h>

#define PVCLOCK_MARK_L	   ((int16_t)0x5ac3)
#define PVCLOCK_MARK_R	   ((int16_t)-0x5ac4)
#define PVCLOCK_MARK_CHECK 0x1d2bu
#define PVCLOCK_MAGIC	   0x6b636f6c63767000ull /* "\0pvclock" */
#define PVCLOCK_BIN_US	   10u
#define PVCLOCK_BINS	   20000u /* 0 .. 200 ms */

struct pvclock_stats {
	uint64_t magic;
	uint64_t frames;  /* frames written through the PCM */
	uint64_t starts;  /* times the clock started */
	uint64_t xruns;	  /* underruns: the clock passed the last frame */
	uint64_t markers; /* marks seen */
	uint64_t bad;	  /* marks whose check word was wrong */
	uint64_t over;	  /* latencies past the histogram */
	int64_t max_us;	  /* largest latency */
	uint64_t hist[PVCLOCK_BINS]; /* latency / PVCLOCK_BIN_US */
};

/* Frames of a marker, and the marker for @us into @f (6 samples). */
#define PVCLOCK_MARK_FRAMES 3u
static inline void pvclock_mark(int16_t *f, uint64_t us)
{
	uint16_t a = (uint16_t)us, b = (uint16_t)(us >> 16),
		 c = (uint16_t)(us >> 32);

	f[0] = PVCLOCK_MARK_L;
	f[1] = PVCLOCK_MARK_R;
	f[2] = (int16_t)a;
	f[3] = (int16_t)b;
	f[4] = (int16_t)c;
	f[5] = (int16_t)(uint16_t)(a ^ b ^ c ^ PVCLOCK_MARK_CHECK);
}

#endif
