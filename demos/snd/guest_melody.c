/*
 * guest_melody — a process guest that plays a short melody on its vsnd
 * card (frontends/snd), for `make demo`.  Built in the tree on
 * pvkit/sndfront.h and pvkit/guest_posix.h.
 *
 * It opens card 0, takes the first playback stream, asks for 48 kHz
 * stereo s16_le (whatever the backend agrees to is used: s16_le, s32_le
 * or float_le, any rate and channel count), and plays sixteen notes, an
 * A major tune that starts on A4 (440 Hz).  Each note has an envelope —
 * a short rise, a gentle decay and a fade to silence before the next
 * note — so notes neither click nor run into each other.
 *
 * Pacing: sndfront_write() keeps at most one buffer's worth of sound
 * ahead of what the backend says it has played (its position events),
 * so the melody takes its real length on any host side; the guest waits
 * for the last note to be played out (sndfront_drain) before it stops
 * the stream.
 *
 * On its console (`pvctl console`):
 *   "MELODY rate=R ch=C fmt=F notes=N frames=F ms=M"  what it will play
 *   "NOTE i hz=H ms=M"                                 as each note goes
 *   "PLAYED frames=F pos=BYTES"                        the end
 *   "DONE"                                             and it stays
 * or "melody: <what> failed: <errno>".  It confines itself
 * (PVFRONT_POSIX_CONFINE) and runs until destroyed.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pvkit/front.h"
#include "pvkit/guest_posix.h"
#include "pvkit/sndfront.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* A note: MIDI number (69 = A4 = 440 Hz) and length in eighths. */
struct note {
	unsigned char midi, eighths;
};

static const struct note tune[] = {
    {69, 2}, {73, 1}, {76, 1}, {81, 2}, {76, 1}, {73, 1}, {74, 2}, {78, 1},
    {81, 1}, {86, 2}, {81, 2}, {69, 1}, {76, 1}, {73, 1}, {76, 1}, {69, 4},
};

#define EIGHTH_MS  150u
#define ATTACK_MS  6.0
#define RELEASE_MS 40.0
#define LEVEL	   0.3 /* peak, of full scale */

static struct pvfront pf;
static struct sndfront sf;
static struct pvfront_posix *gp;

static int fail(const char *what, int rc)
{
	pvfront_posix_console_printf(gp, "melody: %s failed: %d\n", what, rc);
	for (;;)
		if (pvfront_poll(&pf, -1) < 0)
			return 1;
}

static const char *format_name(unsigned int f)
{
	return f == XENSND_PCM_FORMAT_S32_LE   ? "s32_le"
	       : f == XENSND_PCM_FORMAT_F32_LE ? "float_le"
					       : "s16_le";
}

/* The envelope at time t (s) of a note d seconds long: a raised-cosine
 * rise, an exponential decay, a raised-cosine fade to 0 at the end. */
static double envelope(double t, double d)
{
	double a = ATTACK_MS / 1000.0, r = RELEASE_MS / 1000.0;
	double g = exp(-2.5 * t);

	if (t < a)
		g *= 0.5 - 0.5 * cos(M_PI * t / a);
	if (t > d - r)
		g *= t >= d ? 0.0 : 0.5 - 0.5 * cos(M_PI * (d - t) / r);
	return g;
}

/* Sample at time t of a note at hz: the fundamental and a little of the
 * second harmonic (the fundamental stays the strongest). */
static double voice(double t, double hz)
{
	return 0.8 * sin(2.0 * M_PI * hz * t) + 0.2 * sin(4.0 * M_PI * hz * t);
}

static void put_frame(uint8_t *out, const struct sndfront_params *p, double v)
{
	for (unsigned int c = 0; c < p->channels; c++) {
		if (p->format == XENSND_PCM_FORMAT_S16_LE) {
			int16_t x = (int16_t)lrint(v * 32767.0);
			memcpy(out + 2u * c, &x, 2);
		} else if (p->format == XENSND_PCM_FORMAT_S32_LE) {
			int32_t x = (int32_t)llrint(v * 2147483647.0);
			memcpy(out + 4u * c, &x, 4);
		} else {
			float x = (float)v;
			memcpy(out + 4u * c, &x, 4);
		}
	}
}

static uint64_t frames_of(const struct note *n, uint32_t rate)
{
	return (uint64_t)rate * n->eighths * EIGHTH_MS / 1000u;
}

static int play(unsigned int idx, const struct sndfront_params *p,
		uint64_t *written)
{
	uint32_t fb = sndfront_frame_bytes(p->format, p->channels);
	static uint8_t chunk[4096];

	for (unsigned int i = 0; i < sizeof(tune) / sizeof(tune[0]); i++) {
		double hz = 440.0 * pow(2.0, (tune[i].midi - 69) / 12.0);
		uint64_t n = frames_of(&tune[i], p->rate), k = 0;
		double d = (double)n / p->rate;

		pvfront_posix_console_printf(gp, "NOTE %u hz=%.1f ms=%u\n", i,
					     hz, tune[i].eighths * EIGHTH_MS);
		while (k < n) {
			size_t len = 0;

			for (; k < n && len + fb <= sizeof(chunk); k++) {
				double t = (double)k / p->rate;

				put_frame(chunk + len, p,
					  LEVEL * envelope(t, d) *
					      voice(t, hz));
				len += fb;
			}
			for (size_t off = 0; off < len;) {
				int rc = sndfront_write(&sf, idx, chunk + off,
							len - off, 0);
				if (rc < 0)
					return rc;
				off += (size_t)rc;
				*written += (uint64_t)rc;
			}
		}
	}
	return 0;
}

int main(void)
{
	struct sndfront_params p = {
	    .format = XENSND_PCM_FORMAT_S16_LE,
	    .rate = 48000,
	    .channels = 2,
	};
	/* a restarted backend: the stream is opened again, the tune goes on */
	const struct sndfront_config cfg = {.resume = true};
	uint64_t frames = 0, written = 0;
	unsigned int idx, n;
	int rc;

	rc = pvfront_posix_open(PVFRONT_POSIX_CONFINE, &gp);
	if (rc) {
		fprintf(stderr, "melody: pvfront_posix_open failed: %d\n", rc);
		return 1;
	}
	rc = pvfront_posix_front_open(gp, &pf, 0);
	if (rc)
		return fail("pvfront_posix_front_open", rc);
	rc = sndfront_open(&sf, &pf, 0, &cfg, 60000);
	if (rc)
		return fail("sndfront_open", rc);
	n = sndfront_streams(&sf);
	for (idx = 0; idx < n && sndfront_stream_info(&sf, idx)->capture; idx++)
		;
	if (idx == n)
		return fail("finding a playback stream", -XEN_ENOENT);
	rc = sndfront_stream_open(&sf, idx, &p);
	if (rc)
		return fail("sndfront_stream_open", rc);
	for (unsigned int i = 0; i < sizeof(tune) / sizeof(tune[0]); i++)
		frames += frames_of(&tune[i], p.rate);
	pvfront_posix_console_printf(
	    gp, "MELODY rate=%u ch=%u fmt=%s notes=%u frames=%llu ms=%llu\n",
	    p.rate, p.channels, format_name(p.format),
	    (unsigned int)(sizeof(tune) / sizeof(tune[0])),
	    (unsigned long long)frames,
	    (unsigned long long)(frames * 1000u / p.rate));
	rc = sndfront_trigger(&sf, idx, XENSND_OP_TRIGGER_START);
	if (rc)
		return fail("trigger start", rc);
	rc = play(idx, &p, &written);
	if (rc)
		return fail("sndfront_write", rc);
	/* the last note played out before the stop, which would drop it */
	rc = sndfront_drain(&sf, idx);
	if (rc)
		return fail("sndfront_drain", rc);
	rc = sndfront_trigger(&sf, idx, XENSND_OP_TRIGGER_STOP);
	if (rc)
		return fail("trigger stop", rc);
	pvfront_posix_console_printf(
	    gp, "PLAYED frames=%llu pos=%llu\n",
	    (unsigned long long)(written /
				 sndfront_frame_bytes(p.format, p.channels)),
	    (unsigned long long)sndfront_position(&sf, idx));
	rc = sndfront_stream_close(&sf, idx);
	if (rc)
		return fail("sndfront_stream_close", rc);
	pvfront_posix_console_printf(gp, "DONE\n");
	for (;;)
		if (pvfront_poll(&pf, -1) < 0)
			return 1;
}
