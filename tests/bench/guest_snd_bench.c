/*
 * guest_snd_bench — the guest side of snd_bench: a process guest with a
 * vsnd card (frontends/snd) playing a marked stream in real time.
 *
 *   kernel = "guest_snd_bench"
 *   cmdline = "ms=N [period=FRAMES] [periods=N] [prime=N] [pace=device]
 *              [silent]"
 *
 * It opens the card's first playback stream at 48 kHz, stereo, S16_LE,
 * with a period of FRAMES (240: 5 ms) and a buffer of N periods (4),
 * starts it and plays ms milliseconds of a quiet 400 Hz tone, one period
 * per WRITE, at the pace of its own clock, as an audio program does: prime
 * periods (2) at once, then each next one at its deadline
 * (clock_nanosleep on CLOCK_MONOTONIC), the first of them due at once.
 * With prime + 1 periods below the buffer, a period always has room when
 * it is due; a guest that fills its whole buffer instead waits in
 * sndfront_write() for the position to move, after its stamp.  Every period begins with a
 * pvclock marker (tests/unit/snd_alsa/pvclock.h) holding CLOCK_MONOTONIC,
 * taken just before the WRITE is sent, so the PCM at the other end can
 * tell how long the frames took to reach snd_pcm_writei().
 *
 * With silent it plays zeros, unmarked (other guests mixed with a marked
 * one leave its stream as it is).  With pace=device it has no clock of its
 * own: it keeps its buffer full,
 * sending each next period as soon as the backend's position events say
 * there is room for it (as sndfront's waiting write does, but stamped when
 * the WRITE goes, not when the wait began), so the device's clock paces
 * it, as an ALSA program in a guest is paced.
 *
 * A guest more than a buffer behind its deadline (the device has run dry
 * whatever the backend did) starts its clock again from there and primes
 * again, as a player does after an underrun (a resync).
 *
 * It prints "OPEN period=B buf=B" (bytes agreed), "PLAYING" once started,
 * then "PLAYED periods=N late=L resync=R maxlate_us=M maxwrite_us=W" (L:
 * periods sent more than a period after their deadline: the guest itself
 * was late; W: the longest sndfront_write()) and "DONE", and stays until
 * destroyed.  On any error "FAILED <what> <errno>".
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guest_util.h"
#include "pvclock.h"
#include "pvkit/front.h"
#include "pvkit/sndfront.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define RATE 48000u

static struct pvfront pf;
static struct sndfront sf;
static struct pvfront_posix *gp;

static void check(const char *what, int rc)
{
	if (rc < 0)
		guest_fail(gp, what, rc);
}

static uint64_t written, buf_bytes;

/* Room for len more bytes within a buffer of the position. */
static bool device_room(int idx, size_t len)
{
	uint64_t pos = sndfront_position(&sf, (unsigned int)idx);

	return written + len <= pos + buf_bytes;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000u),
			      (long)(ns % 1000000000u)};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

int main(int argc, char **argv)
{
	unsigned long ms = guest_value(argc, argv, "ms=", 1000);
	unsigned int period = (unsigned int)guest_value(argc, argv, "period=",
							240);
	unsigned int periods =
	    (unsigned int)guest_value(argc, argv, "periods=", 4);
	unsigned int prime = (unsigned int)guest_value(argc, argv, "prime=", 2);
	struct sndfront_params p = {
	    .format = XENSND_PCM_FORMAT_S16_LE,
	    .rate = RATE,
	    .channels = 2,
	    .buffer_bytes = periods * period * 4u,
	    .period_bytes = period * 4u,
	};
	uint64_t total, k, k0 = 0, t0, period_ns, late = 0, maxlate = 0;
	uint64_t resync = 0, maxwrite = 0;
	bool device = guest_has(argc, argv, "pace=device");
	bool silent = guest_has(argc, argv, "silent");
	int16_t *chunk;
	int idx = -1;

	gp = guest_open(argc, argv);
	check("pvfront_posix_front_open", pvfront_posix_front_open(gp, &pf, 0));
	check("sndfront_open", sndfront_open(&sf, &pf, 0, NULL, 20000));
	for (unsigned int i = 0; i < sndfront_streams(&sf) && idx < 0; i++)
		if (!sndfront_stream_info(&sf, i)->capture)
			idx = (int)i;
	if (idx < 0)
		guest_fail(gp, "no playback stream", -ENOENT);
	check("sndfront_stream_open",
	      sndfront_stream_open(&sf, (unsigned int)idx, &p));
	guest_say(gp, "OPEN period=%u buf=%u\n", p.period_bytes,
		  p.buffer_bytes);
	if (p.period_bytes != period * 4u || p.rate != RATE ||
	    p.channels != 2 || p.format != XENSND_PCM_FORMAT_S16_LE)
		guest_fail(gp, "parameters not as asked", -EINVAL);
	buf_bytes = p.buffer_bytes;
	chunk = malloc((size_t)period * 4u);
	if (!chunk)
		guest_fail(gp, "malloc", -ENOMEM);
	/* 400 Hz at a quarter of full scale: two whole cycles in 240
	 * frames, far below the marker's sample values */
	for (unsigned int i = 0; i < period; i++) {
		int16_t v = silent ? 0
				   : (int16_t)lrint(8191.0 *
						    sin(2.0 * M_PI * 400.0 *
							(double)i / RATE));
		chunk[2 * i] = v;
		chunk[2 * i + 1] = v;
	}
	check("trigger start", sndfront_trigger(&sf, (unsigned int)idx,
						 XENSND_OP_TRIGGER_START));
	guest_say(gp, "PLAYING\n");
	total = (uint64_t)RATE * ms / 1000u / period;
	period_ns = (uint64_t)period * 1000000000u / RATE;
	t0 = now_ns();
	for (k = 0; k < total; k++) {
		size_t off = 0, len = (size_t)period * 4u;
		uint64_t w0;

		if (device) {
			/* paced by the device: wait for room (position
			 * events), then stamp and send at once */
			while (!device_room(idx, len))
				if (pvfront_poll(&pf, 1000) < 0)
					guest_fail(gp, "pvfront_poll", -EIO);
		} else if (k - k0 >= prime) {
			uint64_t due = t0 + (k - k0 - prime) * period_ns, now;

			sleep_until(due);
			now = now_ns();
			if (now - due > maxlate)
				maxlate = now - due;
			if (now - due > period_ns)
				late++;
			if (now - due > periods * period_ns) {
				/* a buffer behind: the device ran dry.  Start
				 * again from here, as a player does after an
				 * underrun, rather than send the backlog in a
				 * burst that would stay queued for good. */
				resync++;
				t0 = now;
				k0 = k;
			}
		}
		w0 = now_ns();
		if (!silent)
			pvclock_mark(chunk, w0 / 1000u);
		while (off < len) {
			int rc = sndfront_write(&sf, (unsigned int)idx,
						(uint8_t *)chunk + off,
						len - off, 0);

			check("sndfront_write", rc);
			off += (size_t)rc;
		}
		written += len;
		if (now_ns() - w0 > maxwrite)
			maxwrite = now_ns() - w0;
	}
	guest_say(gp,
		  "PLAYED periods=%llu late=%llu resync=%llu maxlate_us=%llu "
		  "maxwrite_us=%llu\n",
		  (unsigned long long)k, (unsigned long long)late,
		  (unsigned long long)resync,
		  (unsigned long long)(maxlate / 1000u),
		  (unsigned long long)(maxwrite / 1000u));
	check("trigger stop", sndfront_trigger(&sf, (unsigned int)idx,
						XENSND_OP_TRIGGER_STOP));
	check("sndfront_stream_close",
	      sndfront_stream_close(&sf, (unsigned int)idx));
	guest_say(gp, "DONE\n");
	for (;;)
		if (pvfront_poll(&pf, -1) < 0)
			break;
	return 0;
}
