/*
 * backends/snd/host_alsa.h — the sound backend's ALSA host side (internal).
 *
 * Guest streams play into and record from ALSA PCMs on the host, through
 * libasound, without ever blocking the backend's libevent loop.
 *
 * Routing.  A stream opens the host's default PCM (given to
 * snd_alsa_host_new(), "default" if NULL; any PCM string), or, when the
 * guest's stream has a unique-id "alsa:NAME", PCM NAME, which must be a
 * plain name (letters, digits, '_', '-', '.': "dmix", "null", or a PCM the
 * dom0 admin defines for guests in the ALSA configuration): the unique-id
 * is the guest's to write, and "file:FILE=/path" or "hw:0,0" would hand
 * it dom0's files and devices.  Every stream routed to the same PCM name and
 * direction shares one opened PCM: an "output" (for capture, an input).
 *
 * Mixing.  An output is opened with the first stream's rate, channels and
 * format; later streams must have the same rate and channel count (there
 * is no resampler here: route them to a PCM of their own or to a "plug"
 * or "dmix" PCM instead), but may use any format the mixer takes (S16_LE,
 * S32_LE, F32_LE; see mix.h).  Each playback stream owns a FIFO that
 * snd_alsa_stream_write() fills; the output sums the FIFOs into the PCM,
 * saturating.  A capture input reads the PCM once and copies (converting)
 * what it read into every running capture stream's FIFO, which
 * snd_alsa_stream_read() empties; a reader that falls behind loses what
 * does not fit its FIFO, without holding up the others.
 *
 * Timing.  The PCM is opened non-blocking and serviced
 * (snd_alsa_stream_pump()): at every write, read and position query, and,
 * once the host has an event loop (snd_alsa_host_loop(); the ops table's
 * open gets sndback's), from a one-shot timer of each output's own, set
 * after every service for when the PCM next needs it: when its clock has
 * made room for frames it could not take, when it is down to its last
 * period while a stream lags, every half period before it starts and for
 * capture; never while nothing is queued (the next write services it).
 * sndback's position polls come only every period of a stream that asked
 * for position events and do not follow the PCM's clock; a stream opened
 * with period 0 gets none, so without the timer what the PCM could not
 * take at a write waited for the next write while the PCM ran dry.
 * (ALSA's own poll descriptors are always ready on file, null and some
 * plugin PCMs, and stay ready on a card while its buffer has room, which
 * is all the time for a guest a few periods ahead: they would spin.)  A
 * service writes whatever the streams have, up to the
 * PCM's free space; when a stream lags behind the others it is waited for,
 * unless the PCM is about to run dry, in which case the lag is filled with
 * silence.  An underrun or overrun (xrun) or a suspend is recovered with
 * snd_pcm_recover(), counted, and said on stderr (the first four, then
 * every 64th).
 *
 * The host-side ops table sndback_host_alsa (pvkit/sndback.h) wraps this:
 * its argument is the default PCM ("alsa" or "alsa:hw:1,0"); a guest
 * stream whose unique-id is "alsa:NAME" (a plain NAME) goes to PCM NAME
 * instead, another "alsa:..." fails its OPEN with -EINVAL.  Its write
 * never waits: what does not fit the stream's FIFO (twice the
 * guest's buffer) is dropped and counted.  Its PCMs' timers go on the
 * event loop it is given (libevent's core and libasound are what it links).
 *
 * Errors are negative errno values.  Nothing here calls exit().
 */
#ifndef PVKIT_BACKENDS_SND_HOST_ALSA_H
#define PVKIT_BACKENDS_SND_HOST_ALSA_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct snd_alsa_host;
struct snd_alsa_stream;
struct sndback_host_ops;

/* The host-side ops table on this (pvkit/sndback.h). */
extern const struct sndback_host_ops sndback_host_alsa;

struct snd_alsa_params {
	unsigned int rate;	    /* frames per second */
	unsigned int channels;	    /* 1..8 */
	int format;		    /* XENSND_PCM_FORMAT_S16_LE/S32_LE/F32_LE */
	unsigned int period_frames; /* hint; 0: rate / 100 (10 ms) */
	unsigned int buffer_frames; /* stream FIFO; 0: 4 periods */
};

enum snd_alsa_dir { SND_ALSA_PLAYBACK, SND_ALSA_CAPTURE };

/* A host side; @default_pcm NULL means "default". */
int snd_alsa_host_new(const char *default_pcm, struct snd_alsa_host **out)
    __attribute__((warn_unused_result));
/* Services the host's PCMs from timers on @base too (see Timing); set
 * before the first stream opens.  Without it, only calls service them. */
struct event_base;
void snd_alsa_host_loop(struct snd_alsa_host *h, struct event_base *base);
/* Closes every stream still open (playback FIFOs are dropped). */
void snd_alsa_host_free(struct snd_alsa_host *h);

/* The PCM name a stream with @unique_id (NULL for none) uses: the rest of
 * a unique-id "alsa:NAME", else the host's default PCM; NULL when NAME is
 * not a plain PCM name (letters, digits, '_', '-', '.'). */
#define SND_ALSA_ROUTE_PREFIX "alsa:"
const char *snd_alsa_route(const struct snd_alsa_host *h,
			   const char *unique_id);

/* Opens a stream on snd_alsa_route(h, unique_id).  -EINVAL for a route
 * refused (said on stderr), a format
 * the mixer does not take or a rate/channels differing from the shared
 * PCM's; libasound's error (negative errno) when the PCM will not open. */
int snd_alsa_stream_open(struct snd_alsa_host *h, const char *unique_id,
			 enum snd_alsa_dir dir, const struct snd_alsa_params *p,
			 struct snd_alsa_stream **out)
    __attribute__((warn_unused_result));

/* Playback: queues up to @frames frames; returns how many fit (0 when the
 * FIFO is full: try again after the loop has run). */
size_t snd_alsa_stream_write(struct snd_alsa_stream *s, const void *buf,
			     size_t frames);
/* Capture: takes up to @frames recorded frames; returns how many.  Only
 * takes: recording happens in snd_alsa_stream_pump() (the ops table's
 * read and position pump first). */
size_t snd_alsa_stream_read(struct snd_alsa_stream *s, void *buf,
			    size_t frames);
/* The guest's position: frames played since the stream opened (handed to
 * the PCM less the PCM's delay, never going back), or, capturing, taken
 * from the PCM.  On PCMs with no clock (null, file) the delay is 0. */
uint64_t snd_alsa_stream_position(struct snd_alsa_stream *s);
/* Frames handed to (taken from) the PCM since the stream opened. */
uint64_t snd_alsa_stream_handed(const struct snd_alsa_stream *s);
/* Frames queued in the stream's FIFO. */
size_t snd_alsa_stream_queued(const struct snd_alsa_stream *s);
/* xruns the stream's PCM has recovered from. */
unsigned int snd_alsa_stream_xruns(const struct snd_alsa_stream *s);

/* Services the stream's PCM now: mixes what the FIFOs hold into it, or
 * fans out what it recorded.  Never blocks. */
int snd_alsa_stream_pump(struct snd_alsa_stream *s);
/* Streams open running.  A stream that is not running is left out of the
 * mix and the fan-out (pause); @forget drops its FIFO (stop). */
void snd_alsa_stream_run(struct snd_alsa_stream *s, int run, int forget);
/* Frames lost to a full FIFO: written by the ops table past it
 * (playback), or recorded while this reader lagged the others (capture). */
uint64_t snd_alsa_stream_dropped(const struct snd_alsa_stream *s);
/* Linear gain per channel (@n of them, the rest 1; NULL: all 1), applied
 * as the stream is mixed or fed: the guest's volume and mute. */
void snd_alsa_stream_gain(struct snd_alsa_stream *s, const double *gain,
			  unsigned int n);
/* Bytes of one frame of the stream's format. */
size_t snd_alsa_stream_frame_bytes(const struct snd_alsa_stream *s);

/* Closes a stream.  With @drain, a playback stream's queued frames are
 * played first (the PCM is serviced, blocking, for at most the time they
 * take); without, they are dropped.  The last stream on a PCM closes it. */
void snd_alsa_stream_close(struct snd_alsa_stream *s, int drain);

#endif
