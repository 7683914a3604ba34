/*
 * guest_snd — a process guest with a vsnd card (frontends/snd) that plays
 * a sine tone or records what its capture stream gets.
 *
 *   kernel = "guest_snd"
 *   cmdline = "[dev=N] [stream=I] ms=N [rate=R] [ch=C] [fmt=F] [freq=HZ]
 *              [amp=PERCENT] [buf=BYTES]
 *              [period=BYTES] [mode=rec] [retry|resume] [trace]
 *              [noconfine]"
 *
 * It opens card dev (default 0), prints "SND <domid> streams=<n>" and one
 * line per stream ("STREAM i=I pcm=P s=S type=p|c id=UID"), opens stream
 * I (default: the first playback stream, or with mode=rec the first
 * capture stream) asking for rate R, C channels and format F (s16_le,
 * s32_le or float_le; default 48000, 2, s16_le), a buffer and period of
 * BYTES (default: the frontend's), prints what was agreed
 * ("OPEN rate=R ch=C fmt=F buf=B period=P") and starts it.
 *
 * Playback: ms milliseconds of a freq Hz (440) sine at amp percent (50)
 * of full scale on every channel, written a period at a time and never
 * more than the buffer ahead of the backend's position (the position
 * events pace it, as a real card's interrupts would); "PROGRESS ms=M"
 * every 100 ms of sound handed over; then it waits until the position
 * says all was played (else "DRAIN short pos=P" after 3 s), stops, and
 * prints "PLAYED bytes=B pos=LAST reopened=N".
 *
 * Capture (mode=rec): ms milliseconds read a period at a time once the
 * position says they were recorded; then stop, "RECORDED bytes=B
 * crc=XXXXXXXX lead=L" (crc: CRC-32 as zlib's over every byte read;
 * lead: how many bytes were zero before the first non-zero one).
 *
 * With resume the frontend reopens a stream a restarted backend lost by
 * itself (sndfront's cfg.resume): writes go on, the guest drains with
 * sndfront_drain, and PLAYED says reopened=N (the stream's count).  The
 * card's link going down and up prints "LINK down|up reason=R".
 *
 * With trace, each write prints "W t=MS rc=RC pos=P" (the monotonic
 * clock in ms, the write's answer, the latest position).
 *
 * Then "DONE", and the guest stays (a guest process ends when the test
 * says).  On any error "FAILED <what> <errno>" — except with retry, where
 * a failed write or read prints "LOST <what> <errno>" and the guest waits
 * for the card to be connected again, closes the stream (whatever the
 * frontend still thought of it) and opens it again, starts it, prints
 * "REOPENED at=BYTES" (what it had handed over before) and goes on with
 * the rest of the tone or recording.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest_util.h"
#include "pvkit/front.h"
#include "pvkit/proto/errno.h"
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

/* CRC-32 (the reflected 0xEDB88320 polynomial, as zlib's crc32()). */
static uint32_t crc32_add(uint32_t crc, const uint8_t *b, size_t n)
{
	crc = ~crc;
	while (n--) {
		crc ^= *b++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

struct run {
	unsigned int idx;
	struct sndfront_params want, p;
	bool retry, trace, resume;
	uint64_t base; /* the stream's bytes before its last (re)open */
};

static void open_stream(struct run *r)
{
	r->p = r->want;
	check("sndfront_stream_open", sndfront_stream_open(&sf, r->idx, &r->p));
	guest_say(gp, "OPEN rate=%u ch=%u fmt=%s buf=%u period=%u\n", r->p.rate,
		  r->p.channels, format_name(r->p.format), r->p.buffer_bytes,
		  r->p.period_bytes);
	check("trigger start",
	      sndfront_trigger(&sf, r->idx, XENSND_OP_TRIGGER_START));
}

static uint64_t now_ms(void)
{
	return pf.ops->now_ns(pf.arg) / 1000000u;
}

/* retry: the stream failed under us (a backend that went away); wait for
 * the card to come back and open the stream again. */
static void recover(struct run *r, const char *what, int rc, uint64_t done)
{
	if (!r->retry)
		guest_fail(gp, what, rc);
	guest_say(gp, "LOST %s %d\n", what, rc);
	/* whatever the frontend knows of the stream goes: the backend that
	 * had it is gone (this one's answer does not matter) */
	sndfront_stream_close(&sf, r->idx);
	for (int t = 0; t < 300 && !sndfront_connected(&sf); t++)
		pvfront_poll(&pf, 100);
	if (!sndfront_connected(&sf))
		guest_fail(gp, "reconnect", -XEN_ETIMEDOUT);
	r->p = r->want;
	check("sndfront_stream_open again",
	      sndfront_stream_open(&sf, r->idx, &r->p));
	check("trigger start again",
	      sndfront_trigger(&sf, r->idx, XENSND_OP_TRIGGER_START));
	r->base = done;
	guest_say(gp, "REOPENED at=%llu\n", (unsigned long long)done);
}

/* Wait until the backend's position (bytes since the open) reaches want;
 * false after 3 s without. */
static bool wait_pos(struct run *r, uint64_t want)
{
	for (int t = 0; t < 60; t++) {
		if (sndfront_position(&sf, r->idx) >= want)
			return true;
		if (pvfront_poll(&pf, 50) < 0 || !sndfront_connected(&sf))
			return false;
	}
	return sndfront_position(&sf, r->idx) >= want;
}

/* Wait until the device took the sent bytes: position events come each
 * period, so up to the last whole period by them, then the time the
 * partial one takes and a period more (a host side with a buffer of its
 * own takes the rest as its device makes room, a period at a time).  A
 * tone of whole periods needs no guess. */
static void drain(struct run *r, uint64_t sent)
{
	uint32_t per = r->p.period_bytes;
	uint64_t whole = per ? sent - sent % per : sent;
	uint32_t fb = sndfront_frame_bytes(r->p.format, r->p.channels);
	int64_t ms;

	if (!wait_pos(r, whole)) {
		guest_say(gp, "DRAIN short pos=%llu\n",
			  (unsigned long long)sndfront_position(&sf, r->idx));
		return;
	}
	if (sent == whole)
		return;
	ms = (int64_t)((sent - whole + per) / fb * 1000u / r->p.rate) + 20;
	for (uint64_t end = now_ms() + (uint64_t)ms; now_ms() < end;)
		pvfront_poll(&pf, (int)(end - now_ms()));
}

static void play(struct run *r, unsigned long ms, double freq, double amp)
{
	static uint8_t chunk[65536];
	uint32_t fb = sndfront_frame_bytes(r->p.format, r->p.channels);
	uint64_t frames = (uint64_t)r->p.rate * ms / 1000u, k = 0, bytes = 0;
	uint64_t next_say = 100;

	while (k < frames) {
		uint32_t per = r->p.period_bytes ? r->p.period_bytes : 4096;
		size_t len = 0;
		int rc = 0;

		while (k < frames && len + fb <= per && len + fb <= sizeof(chunk)) {
			double t = (double)k / (double)r->p.rate;

			frame(chunk + len, &r->p,
			      amp * sin(2.0 * M_PI * freq * t));
			len += fb;
			k++;
		}
		/* at most a buffer ahead of what the device has played (with
		 * resume the frontend's own pacing is all: its positions
		 * restart at a reopen we do not see) */
		if (!r->resume && bytes - r->base + len > r->p.buffer_bytes &&
		    !wait_pos(r, bytes - r->base + len - r->p.buffer_bytes) &&
		    !sndfront_connected(&sf))
			rc = -XEN_ENOTCONN;
		for (size_t off = 0; !rc && off < len;) {
			rc = sndfront_write(&sf, r->idx, chunk + off, len - off,
					    0);
			if (r->trace)
				guest_say(gp, "W t=%llu rc=%d pos=%llu\n",
					  (unsigned long long)now_ms(), rc,
					  (unsigned long long)sndfront_position(
					      &sf, r->idx));
			if (rc >= 0) {
				off += (size_t)rc;
				bytes += (uint64_t)rc;
				rc = 0;
			}
		}
		if (rc < 0) {
			/* what was lost is lost: go on with the tone where
			 * it is now, as a player would after a glitch */
			recover(r, "sndfront_write", rc, bytes);
		}
		if (k * 1000u / r->p.rate >= next_say) {
			guest_say(gp, "PROGRESS ms=%llu\n",
				  (unsigned long long)next_say);
			next_say += 100;
		}
	}
	/* drain: stop only once the device played everything (a stop
	 * drops what it has not played yet) */
	if (r->resume)
		check("sndfront_drain", sndfront_drain(&sf, r->idx));
	else
		drain(r, bytes - r->base);
	check("trigger stop",
	      sndfront_trigger(&sf, r->idx, XENSND_OP_TRIGGER_STOP));
	guest_say(gp, "PLAYED bytes=%llu pos=%llu reopened=%u\n",
		  (unsigned long long)bytes,
		  (unsigned long long)sndfront_position(&sf, r->idx),
		  (unsigned int)sndfront_stream_stats(&sf, r->idx)->reopened);
}

static void record(struct run *r, unsigned long ms)
{
	static uint8_t chunk[65536];
	uint32_t fb = sndfront_frame_bytes(r->p.format, r->p.channels);
	uint64_t total = (uint64_t)r->p.rate * ms / 1000u * fb, bytes = 0;
	uint64_t lead = 0, next_say = 100;
	bool heard = false;
	uint32_t crc = 0;

	while (bytes < total) {
		uint32_t per = r->p.period_bytes ? r->p.period_bytes : 4096;
		size_t len = per < sizeof(chunk) ? per : sizeof(chunk);
		int rc = 0;

		if (len > total - bytes)
			len = (size_t)(total - bytes);
		/* read what the device says it has recorded */
		if (!wait_pos(r, bytes - r->base + len) &&
		    !sndfront_connected(&sf))
			rc = -XEN_ENOTCONN;
		if (!rc)
			rc = sndfront_read(&sf, r->idx, chunk, len, 0);
		if (rc < 0) {
			recover(r, "sndfront_read", rc, bytes);
			continue;
		}
		for (int i = 0; i < rc && !heard; i++) {
			heard = chunk[i] != 0;
			lead += !heard;
		}
		crc = crc32_add(crc, chunk, (size_t)rc);
		bytes += (uint64_t)rc;
		if (bytes * 1000u / ((uint64_t)r->p.rate * fb) >= next_say) {
			guest_say(gp, "PROGRESS ms=%llu\n",
				  (unsigned long long)next_say);
			next_say += 100;
		}
	}
	check("trigger stop",
	      sndfront_trigger(&sf, r->idx, XENSND_OP_TRIGGER_STOP));
	guest_say(gp, "RECORDED bytes=%llu crc=%08x lead=%llu\n",
		  (unsigned long long)bytes, (unsigned int)crc,
		  (unsigned long long)lead);
}

static void on_link(struct sndfront *card, bool up, int reason, void *arg)
{
	(void)card;
	(void)arg;
	guest_say(gp, "LINK %s reason=%d\n", up ? "up" : "down", reason);
}

int main(int argc, char **argv)
{
	uint32_t dev = (uint32_t)guest_value(argc, argv, "dev=", 0);
	unsigned long ms = guest_value(argc, argv, "ms=", 500);
	double freq = (double)guest_value(argc, argv, "freq=", 440);
	double amp = (double)guest_value(argc, argv, "amp=", 50) / 100.0;
	bool rec = guest_has(argc, argv, "mode=rec");
	struct run r = {
	    .want =
		{
		    .format = (uint8_t)format_of(argc, argv),
		    .rate = (uint32_t)guest_value(argc, argv, "rate=", 48000),
		    .channels = (uint8_t)guest_value(argc, argv, "ch=", 2),
		    .buffer_bytes =
			(uint32_t)guest_value(argc, argv, "buf=", 0),
		    .period_bytes =
			(uint32_t)guest_value(argc, argv, "period=", 0),
		},
	    .retry = guest_has(argc, argv, "retry"),
	    .trace = guest_has(argc, argv, "trace"),
	    .resume = guest_has(argc, argv, "resume"),
	};
	struct sndfront_config cfg = {.on_link = on_link};
	unsigned int n, idx = ~0u;

	gp = guest_open(argc, argv);
	check("pvfront_posix_front_open", pvfront_posix_front_open(gp, &pf, 0));
	cfg.resume = r.resume;
	check("sndfront_open", sndfront_open(&sf, &pf, dev, &cfg, 20000));
	n = sndfront_streams(&sf);
	guest_say(gp, "SND %u streams=%u\n", pvfront_posix_domid(gp), n);
	for (unsigned int i = 0; i < n; i++) {
		const struct sndfront_stream_info *in =
		    sndfront_stream_info(&sf, i);

		guest_say(gp, "STREAM i=%u pcm=%u s=%u type=%s id=%s\n", i,
			  in->pcm, in->stream, in->capture ? "c" : "p",
			  in->unique_id);
		if (idx == ~0u && in->capture == rec)
			idx = i;
	}
	r.idx = (unsigned int)guest_value(argc, argv, "stream=", idx);
	if (r.idx >= n)
		guest_fail(gp, rec ? "no capture stream" : "no playback stream",
			   -ENOENT);
	open_stream(&r);
	if (rec)
		record(&r, ms);
	else
		play(&r, ms, freq, amp);
	check("sndfront_stream_close", sndfront_stream_close(&sf, r.idx));
	guest_say(gp, "DONE\n");
	for (;;)
		if (pvfront_poll(&pf, -1) < 0)
			break;
	return 0;
}
