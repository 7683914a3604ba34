/*
 * guest_snd — a process guest with a vsnd card (frontends/snd) that plays
 * a sine tone.
 *
 *   kernel = "guest_snd"
 *   cmdline = "[dev=N] [stream=I] ms=N [rate=R] [ch=C] [fmt=F] [freq=HZ]
 *              [amp=PERCENT] [noconfine]"
 *
 * It opens card dev (default 0), prints "SND <domid> streams=<n>" and one
 * line per stream ("STREAM i=I pcm=P s=S type=p|c id=UID"), opens
 * playback stream I (default: the first playback stream) asking for rate
 * R, C channels and format F (s16_le, s32_le or float_le; default
 * 48000, 2, s16_le), prints what was agreed ("OPEN rate=R ch=C fmt=F
 * buf=B period=P"), starts it, plays ms milliseconds of a freq Hz (440)
 * sine at amp percent (50) of full scale on every channel, stops, and
 * prints "PLAYED bytes=B pos=LAST" and "DONE", then stays (a guest
 * process ends when the test says).  On any error "FAILED <what> <errno>".
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest_util.h"
#include "pvkit/front.h"
#include "pvkit/sndfront.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static struct pvfront pf;
static struct sndfront sf;

static struct pvfront_posix *gp;

static void check(const char *what, int rc)
{
	if (rc < 0)
		guest_fail(gp, what, rc);
}

static unsigned int format_of(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "fmt=s32_le"))
			return XENSND_PCM_FORMAT_S32_LE;
		if (!strcmp(argv[i], "fmt=float_le"))
			return XENSND_PCM_FORMAT_F32_LE;
	}
	return XENSND_PCM_FORMAT_S16_LE;
}

static const char *format_name(unsigned int f)
{
	return f == XENSND_PCM_FORMAT_S32_LE   ? "s32_le"
	       : f == XENSND_PCM_FORMAT_F32_LE ? "float_le"
					       : "s16_le";
}

/* Frame k of the tone into out (one sample per channel). */
static void frame(uint8_t *out, const struct sndfront_params *p, double v)
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

int main(int argc, char **argv)
{
	uint32_t dev = (uint32_t)guest_value(argc, argv, "dev=", 0);
	unsigned long ms = guest_value(argc, argv, "ms=", 500);
	double freq = (double)guest_value(argc, argv, "freq=", 440);
	double amp = (double)guest_value(argc, argv, "amp=", 50) / 100.0;
	struct sndfront_params p = {
	    .format = (uint8_t)format_of(argc, argv),
	    .rate = (uint32_t)guest_value(argc, argv, "rate=", 48000),
	    .channels = (uint8_t)guest_value(argc, argv, "ch=", 2),
	};
	unsigned int n, idx = ~0u;
	uint32_t fb;
	uint64_t frames, k = 0, bytes = 0;
	static uint8_t chunk[8192];
	int rc;

	gp = guest_open(argc, argv);
	check("pvfront_posix_front_open", pvfront_posix_front_open(gp, &pf, 0));
	check("sndfront_open", sndfront_open(&sf, &pf, dev, NULL, 20000));
	n = sndfront_streams(&sf);
	guest_say(gp, "SND %u streams=%u\n", pvfront_posix_domid(gp), n);
	for (unsigned int i = 0; i < n; i++) {
		const struct sndfront_stream_info *in =
		    sndfront_stream_info(&sf, i);

		guest_say(gp, "STREAM i=%u pcm=%u s=%u type=%s id=%s\n", i,
			  in->pcm, in->stream, in->capture ? "c" : "p",
			  in->unique_id);
		if (idx == ~0u && !in->capture)
			idx = i;
	}
	idx = (unsigned int)guest_value(argc, argv, "stream=", idx);
	if (idx >= n)
		guest_fail(gp, "no playback stream", -ENOENT);
	check("sndfront_stream_open", sndfront_stream_open(&sf, idx, &p));
	guest_say(gp, "OPEN rate=%u ch=%u fmt=%s buf=%u period=%u\n", p.rate,
		  p.channels, format_name(p.format), p.buffer_bytes,
		  p.period_bytes);
	check("trigger start",
	      sndfront_trigger(&sf, idx, XENSND_OP_TRIGGER_START));
	fb = sndfront_frame_bytes(p.format, p.channels);
	frames = (uint64_t)p.rate * ms / 1000u;
	while (k < frames) {
		size_t len = 0;

		while (k < frames && len + fb <= sizeof(chunk)) {
			double t = (double)k / (double)p.rate;

			frame(chunk + len, &p,
			      amp * sin(2.0 * M_PI * freq * t));
			len += fb;
			k++;
		}
		for (size_t off = 0; off < len;) {
			rc =
			    sndfront_write(&sf, idx, chunk + off, len - off, 0);
			check("sndfront_write", rc);
			off += (size_t)rc;
			bytes += (uint64_t)rc;
		}
	}
	check("trigger stop",
	      sndfront_trigger(&sf, idx, XENSND_OP_TRIGGER_STOP));
	/* the last position events */
	while (pvfront_poll(&pf, 50) > 0)
		;
	guest_say(gp, "PLAYED bytes=%llu pos=%llu\n", (unsigned long long)bytes,
		  (unsigned long long)sndfront_position(&sf, idx));
	check("sndfront_stream_close", sndfront_stream_close(&sf, idx));
	guest_say(gp, "DONE\n");
	for (;;)
		if (pvfront_poll(&pf, -1) < 0)
			break;
	return 0;
}
