/*
 * backends/snd/host_alsa.c — guest streams on libasound PCMs, mixed
 * (host_alsa.h).
 */
#include "host_alsa.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <alsa/asoundlib.h>
#include <event2/event.h>

#include <pvkit/proto/sndif.h>
#include <pvkit/sndback.h>

#include "mix.h"

struct snd_alsa_out {
	struct snd_alsa_host *host;
	struct snd_alsa_out *next;
	char *name;
	enum snd_alsa_dir dir;
	snd_pcm_t *pcm;
	unsigned int rate, channels;
	int format;
	size_t fbytes; /* bytes of one frame in the PCM's format */
	snd_pcm_uframes_t period, buffer;
	long tick_ns; /* half a period */
	struct event *tick; /* one-shot: when the PCM next needs us */
	struct snd_alsa_stream *streams;
	unsigned int xruns;
	int64_t *acc;	    /* period * channels */
	unsigned char *dev; /* one period in the PCM's format */
};

struct snd_alsa_stream {
	struct snd_alsa_out *out;
	struct snd_alsa_stream *next;
	int format;
	size_t fbytes;
	unsigned char *fifo;
	size_t cap, head, count; /* in frames */
	uint64_t pos;	  /* frames handed to (taken from) the PCM */
	uint64_t played;  /* the last position told: never goes back */
	int running;	  /* mixed / fed only while running */
	uint64_t dropped; /* frames written past a full FIFO */
	double gain[8];	  /* per channel, linear (volume and mute) */
	int unity;	  /* every gain is 1: plain sums */
};

struct snd_alsa_host {
	char *default_pcm;
	unsigned int refused; /* guests' routes refused (snd_alsa_route()) */
	struct snd_alsa_out *outs;
	struct event_base *base; /* NULL: serviced by calls only */
};

/* ---- FIFO of frames ---------------------------------------------------- */

static size_t fifo_put(struct snd_alsa_stream *s, const void *buf, size_t n)
{
	const unsigned char *p = buf;
	size_t done = 0;

	if (n > s->cap - s->count)
		n = s->cap - s->count;
	while (done < n) {
		size_t tail = (s->head + s->count) % s->cap;
		size_t k = s->cap - tail < n - done ? s->cap - tail : n - done;

		memcpy(s->fifo + tail * s->fbytes, p + done * s->fbytes,
		       k * s->fbytes);
		s->count += k;
		done += k;
	}
	return n;
}

/* Copies the oldest @n frames (n <= count) to @dst without taking them. */
static void fifo_peek(const struct snd_alsa_stream *s, void *dst, size_t n)
{
	size_t first = s->cap - s->head < n ? s->cap - s->head : n;

	memcpy(dst, s->fifo + s->head * s->fbytes, first * s->fbytes);
	memcpy((unsigned char *)dst + first * s->fbytes, s->fifo,
	       (n - first) * s->fbytes);
}

static void fifo_drop(struct snd_alsa_stream *s, size_t n)
{
	s->head = (s->head + n) % s->cap;
	s->count -= n;
}

/* ---- the PCM ------------------------------------------------------------ */

static snd_pcm_format_t alsa_format(int fmt)
{
	switch (fmt) {
	case XENSND_PCM_FORMAT_S16_LE:
		return SND_PCM_FORMAT_S16_LE;
	case XENSND_PCM_FORMAT_S32_LE:
		return SND_PCM_FORMAT_S32_LE;
	case XENSND_PCM_FORMAT_F32_LE:
		return SND_PCM_FORMAT_FLOAT_LE;
	default:
		return SND_PCM_FORMAT_UNKNOWN;
	}
}

static int set_hw(struct snd_alsa_out *o, snd_pcm_uframes_t period)
{
	snd_pcm_hw_params_t *hw;
	snd_pcm_uframes_t buffer = period * 4;
	int err;

	snd_pcm_hw_params_alloca(&hw);
	/* > 0 is success too (external plugins: pulse, jack, ...) */
	err = snd_pcm_hw_params_any(o->pcm, hw);
	if (err > 0)
		err = 0;
	if (!err)
		err = snd_pcm_hw_params_set_access(
		    o->pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED);
	if (!err)
		err = snd_pcm_hw_params_set_format(o->pcm, hw,
						   alsa_format(o->format));
	if (!err)
		err = snd_pcm_hw_params_set_channels(o->pcm, hw, o->channels);
	if (!err) /* exactly the guest's rate: there is no resampler here */
		err = snd_pcm_hw_params_set_rate(o->pcm, hw, o->rate, 0);
	if (!err)
		err = snd_pcm_hw_params_set_period_size_near(o->pcm, hw,
							     &period, NULL);
	if (!err)
		err =
		    snd_pcm_hw_params_set_buffer_size_near(o->pcm, hw, &buffer);
	if (!err)
		err = snd_pcm_hw_params(o->pcm, hw);
	if (err)
		return err;
	snd_pcm_hw_params_get_period_size(hw, &o->period, NULL);
	snd_pcm_hw_params_get_buffer_size(hw, &o->buffer);
	return 0;
}

static int set_sw(struct snd_alsa_out *o)
{
	snd_pcm_sw_params_t *sw;
	int err;

	snd_pcm_sw_params_alloca(&sw);
	err = snd_pcm_sw_params_current(o->pcm, sw);
	/* Playback starts once two periods are queued (or the buffer is
	 * full): with one, the PCM is "about to run dry" at once, and a
	 * guest that started together with another but whose second write
	 * is a little later than the first guest's would be padded with a
	 * period of silence. */
	if (!err)
		err = snd_pcm_sw_params_set_start_threshold(
		    o->pcm, sw,
		    2 * o->period < o->buffer ? 2 * o->period : o->buffer);
	if (!err)
		err = snd_pcm_sw_params_set_avail_min(o->pcm, sw, o->period);
	if (!err)
		err = snd_pcm_sw_params(o->pcm, sw);
	return err;
}

/* Underrun, overrun or suspend: back to a running PCM, counted. */
static int recover(struct snd_alsa_out *o, int err)
{
	if (err != -EPIPE && err != -ESTRPIPE && err != -EINTR)
		return err;
	if (err != -EINTR) {
		o->xruns++;
		/* the first few, then every 64th: a log, not a flood */
		if (o->xruns <= 4 || o->xruns % 64 == 0)
			fprintf(stderr, "sndback alsa: %s: %s (%u so far)\n",
				o->name,
				err == -ESTRPIPE ? "suspended"
				: o->dir == SND_ALSA_PLAYBACK ? "underrun"
							      : "overrun",
				o->xruns);
	}
	err = snd_pcm_recover(o->pcm, err, 1);
	if (!err && o->dir == SND_ALSA_CAPTURE)
		err = snd_pcm_start(o->pcm);
	return err;
}

/* ---- playback: mix the FIFOs into the PCM ------------------------------- */

/* Frames to mix now: what every running stream has, or, when the PCM is
 * about to run dry (or one stream is two periods ahead before the start),
 * what any stream has, the laggards padded with silence. */
static size_t play_want(const struct snd_alsa_out *o, snd_pcm_sframes_t avail)
{
	const struct snd_alsa_stream *s;
	size_t lo = SIZE_MAX, hi = 0, want;

	for (s = o->streams; s; s = s->next) {
		if (!s->running)
			continue;
		lo = s->count < lo ? s->count : lo;
		hi = s->count > hi ? s->count : hi;
	}
	if (hi == 0)
		return 0;
	if (snd_pcm_state(o->pcm) != SND_PCM_STATE_RUNNING)
		/* not started: wait for everyone, unless one is far ahead */
		want = hi >= 2 * o->period ? hi : lo;
	else /* running dry: the laggards get silence */
		want = (o->buffer - (snd_pcm_uframes_t)avail) < o->period ? hi
									  : lo;
	if (want > (size_t)avail)
		want = (size_t)avail;
	return want < o->period ? want : o->period;
}

static int play_chunk(struct snd_alsa_out *o, size_t n)
{
	struct snd_alsa_stream *s;
	unsigned char tmp[4 * 8 * 256];
	snd_pcm_sframes_t w;
	size_t ch = o->channels;

	sndmix_clear(o->acc, n * ch);
	for (s = o->streams; s; s = s->next) {
		size_t done = 0, k = s->count < n ? s->count : n;

		if (!s->running)
			continue;
		while (done < k) { /* through a small buffer, 256 frames max */
			size_t m = k - done < 256 / ch ? k - done : 256 / ch;
			size_t skip = (s->head + done) % s->cap;
			struct snd_alsa_stream v = *s;

			v.head = skip;
			fifo_peek(&v, tmp, m);
			if (s->unity)
				sndmix_add(o->acc + done * ch, tmp, s->format,
					   m * ch);
			else
				sndmix_add_gain(o->acc + done * ch, tmp,
						s->format, m, (unsigned int)ch,
						s->gain);
			done += m;
		}
	}
	sndmix_store(o->dev, o->format, o->acc, n * ch);
	w = snd_pcm_writei(o->pcm, o->dev, n);
	if (w < 0)
		return (int)w;
	for (s = o->streams; s; s = s->next) {
		size_t k = s->count < (size_t)w ? s->count : (size_t)w;

		if (!s->running)
			continue;
		fifo_drop(s, k);
		s->pos += k;
	}
	return (int)w;
}

static int play_pump(struct snd_alsa_out *o)
{
	for (;;) {
		snd_pcm_sframes_t avail = snd_pcm_avail_update(o->pcm);
		size_t n;
		int w;

		if (avail < 0) {
			if (recover(o, (int)avail) < 0)
				return (int)avail;
			continue;
		}
		n = play_want(o, avail);
		if (n == 0)
			return 0;
		w = play_chunk(o, n);
		if (w == -EAGAIN)
			return 0;
		if (w < 0 && recover(o, w) < 0)
			return w;
	}
}

/* ---- capture: fan the PCM out to the FIFOs ------------------------------ */

/* Frames to record now: as many as the emptiest running reader takes.  A
 * reader that stops reading does not hold up the others: its FIFO fills,
 * and what does not fit is lost to it alone (counted in dropped). */
static size_t cap_room(const struct snd_alsa_out *o)
{
	const struct snd_alsa_stream *s;
	size_t room = 0;

	for (s = o->streams; s; s = s->next)
		if (s->running && s->cap - s->count > room)
			room = s->cap - s->count;
	return room;
}

static void cap_fanout(struct snd_alsa_out *o, size_t n)
{
	struct snd_alsa_stream *s;
	unsigned char tmp[4 * 8 * 256];
	size_t ch = o->channels;

	for (s = o->streams; s; s = s->next) {
		size_t done = 0;

		if (!s->running)
			continue;
		while (done < n) {
			size_t m = n - done < 256 / ch ? n - done : 256 / ch;

			int64_t acc[256];

			sndmix_clear(acc, m * ch);
			sndmix_add_gain(acc, o->dev + done * o->fbytes,
					o->format, m, (unsigned int)ch,
					s->gain);
			sndmix_store(tmp, s->format, acc, m * ch);
			s->dropped += m - fifo_put(s, tmp, m);
			done += m;
		}
		s->pos += n;
	}
}

static int cap_pump(struct snd_alsa_out *o)
{
	if (snd_pcm_state(o->pcm) == SND_PCM_STATE_PREPARED) {
		int err = snd_pcm_start(o->pcm);

		if (err < 0)
			return err;
	}
	for (;;) {
		size_t n = cap_room(o);
		snd_pcm_sframes_t r;

		n = n < o->period ? n : o->period;
		if (n == 0)
			return 0; /* a full reader: the PCM may overrun */
		r = snd_pcm_readi(o->pcm, o->dev, n);
		if (r == -EAGAIN || r == 0)
			return 0;
		if (r < 0) {
			if (recover(o, (int)r) < 0)
				return (int)r;
			continue;
		}
		cap_fanout(o, (size_t)r);
	}
}

/* ---- servicing from the event loop ---------------------------------------
 *
 * A guest's writes and sndback's position polls (one a period) service the
 * PCM too, but a stream opened without a period gets no polls, and the
 * polls do not follow the PCM's clock: without a timer of its own, what the
 * PCM could not take at a write waited for the next write, and the PCM ran
 * dry meanwhile.  So after every service the output works out when it next
 * has something to do by itself, and sets a one-shot timer for then:
 *   - playback with nothing queued: never (the next write services it);
 *   - playback with frames the PCM had no room for: when the PCM's clock
 *     has freed the room for them (a period at most);
 *   - playback waiting for a lagging stream: when the PCM is down to its
 *     last period, where the laggard gets silence;
 *   - a PCM not started yet, and capture: every half period.
 * At most half a period either way.  (ALSA's poll descriptors would tell
 * the first two on a card, but on file, null and some plugin PCMs they are
 * always ready, and on any PCM they stay ready while the buffer has room,
 * which is all the time for a guest that keeps it a few periods full.) */
static long play_next_ns(struct snd_alsa_out *o)
{
	const struct snd_alsa_stream *s;
	snd_pcm_sframes_t avail;
	size_t hi = 0, need;
	uint64_t frames;

	for (s = o->streams; s; s = s->next)
		if (s->running && s->count > hi)
			hi = s->count;
	if (hi == 0)
		return -1;
	if (snd_pcm_state(o->pcm) != SND_PCM_STATE_RUNNING)
		return o->tick_ns;
	avail = snd_pcm_avail_update(o->pcm);
	if (avail < 0)
		return o->tick_ns;
	need = hi < o->period ? hi : o->period;
	if ((size_t)avail < need) /* room for them */
		frames = need - (size_t)avail;
	else if (o->buffer - (snd_pcm_uframes_t)avail >= o->period)
		/* a laggard: until the PCM is down to its last period */
		frames = o->buffer - (snd_pcm_uframes_t)avail - o->period + 1;
	else
		frames = 1;
	frames = frames * 1000000000u / o->rate + 1;
	return frames < (uint64_t)o->tick_ns ? (long)frames : o->tick_ns;
}

static void out_schedule(struct snd_alsa_out *o)
{
	const struct snd_alsa_stream *s;
	struct timeval tv;
	long ns = -1;

	if (!o->tick)
		return;
	for (s = o->streams; s; s = s->next)
		if (s->running)
			break;
	if (s)
		ns = o->dir == SND_ALSA_PLAYBACK ? play_next_ns(o) : o->tick_ns;
	if (ns < 0) {
		event_del(o->tick);
		return;
	}
	if (ns < 200000) /* libevent's floor on a busy loop: 0.2 ms */
		ns = 200000;
	tv.tv_sec = (time_t)(ns / 1000000000);
	tv.tv_usec = (suseconds_t)(ns % 1000000000 / 1000);
	event_add(o->tick, &tv);
}

static int pump(struct snd_alsa_out *o)
{
	int rc = o->dir == SND_ALSA_PLAYBACK ? play_pump(o) : cap_pump(o);

	out_schedule(o);
	return rc;
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	pump(arg);
}

/* ---- outputs ------------------------------------------------------------ */

static void out_free(struct snd_alsa_out *o, int drain)
{
	if (!o)
		return;
	if (o->pcm) {
		if (drain && o->dir == SND_ALSA_PLAYBACK &&
		    snd_pcm_state(o->pcm) == SND_PCM_STATE_RUNNING) {
			snd_pcm_nonblock(o->pcm, 0);
			snd_pcm_drain(o->pcm);
		} else {
			snd_pcm_drop(o->pcm);
		}
		snd_pcm_close(o->pcm);
	}
	if (o->tick)
		event_free(o->tick);
	free(o->acc);
	free(o->dev);
	free(o->name);
	free(o);
}

static int out_open(struct snd_alsa_host *h, const char *name,
		    enum snd_alsa_dir dir, const struct snd_alsa_params *p,
		    struct snd_alsa_out **out)
{
	struct snd_alsa_out *o = calloc(1, sizeof(*o));
	snd_pcm_uframes_t period =
	    p->period_frames ? p->period_frames : p->rate / 100;
	int err = -ENOMEM;

	if (!o || !(o->name = strdup(name)))
		goto fail;
	o->host = h;
	o->dir = dir;
	o->rate = p->rate;
	o->channels = p->channels;
	o->format = p->format;
	o->fbytes = sndmix_sample_bytes(p->format) * p->channels;
	err = snd_pcm_open(&o->pcm, name,
			   dir == SND_ALSA_PLAYBACK ? SND_PCM_STREAM_PLAYBACK
						    : SND_PCM_STREAM_CAPTURE,
			   SND_PCM_NONBLOCK);
	if (!err)
		err = set_hw(o, period ? period : 1);
	if (!err)
		err = set_sw(o);
	if (!err)
		err = snd_pcm_prepare(o->pcm);
	if (err)
		goto fail;
	err = -ENOMEM;
	o->acc = calloc(o->period * o->channels, sizeof(*o->acc));
	o->dev = calloc(o->period, o->fbytes);
	if (!o->acc || !o->dev)
		goto fail;
	o->tick_ns = (long)(o->period * 500000000u / o->rate) + 1;
	if (h->base) {
		o->tick = event_new(h->base, -1, 0, on_tick, o);
		if (!o->tick)
			goto fail;
	}
	o->next = h->outs;
	h->outs = o;
	*out = o;
	return 0;
fail:
	out_free(o, 0);
	return err;
}

static struct snd_alsa_out *out_find(struct snd_alsa_host *h, const char *name,
				     enum snd_alsa_dir dir)
{
	struct snd_alsa_out *o;

	for (o = h->outs; o; o = o->next)
		if (o->dir == dir && strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

static void out_unlink(struct snd_alsa_out *o)
{
	struct snd_alsa_out **pp = &o->host->outs;

	while (*pp != o)
		pp = &(*pp)->next;
	*pp = o->next;
}

/* ---- the host side ----------------------------------------------------- */

int snd_alsa_host_new(const char *default_pcm, struct snd_alsa_host **out)
{
	struct snd_alsa_host *h;

	if (!out)
		return -EINVAL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->default_pcm = strdup(default_pcm ? default_pcm : "default");
	if (!h->default_pcm) {
		free(h);
		return -ENOMEM;
	}
	*out = h;
	return 0;
}

void snd_alsa_host_loop(struct snd_alsa_host *h, struct event_base *base)
{
	if (h && !h->outs)
		h->base = base;
}

void snd_alsa_host_free(struct snd_alsa_host *h)
{
	if (!h)
		return;
	/* an output has a stream while it exists; its last close frees it */
	while (h->outs)
		snd_alsa_stream_close(h->outs->streams, 0);
	free(h->default_pcm);
	free(h);
}

/* A PCM name with no arguments: letters, digits, '_', '-', '.'.  The
 * unique-id is the guest's to write; "file:FILE=/x", "hw:0,0" or any
 * plugin string would let it pick files and devices of dom0. */
static int plain_pcm_name(const char *name)
{
	for (; *name; name++)
		if (!((*name >= 'A' && *name <= 'Z') ||
		      (*name >= 'a' && *name <= 'z') ||
		      (*name >= '0' && *name <= '9') || *name == '_' ||
		      *name == '-' || *name == '.'))
			return 0;
	return 1;
}

const char *snd_alsa_route(const struct snd_alsa_host *h, const char *unique_id)
{
	const size_t n = strlen(SND_ALSA_ROUTE_PREFIX);

	if (unique_id && strncmp(unique_id, SND_ALSA_ROUTE_PREFIX, n) == 0 &&
	    unique_id[n])
		return plain_pcm_name(unique_id + n) ? unique_id + n : NULL;
	return h->default_pcm;
}

/* A route refused: said on stderr (printable bytes, cut), the first few
 * and then every 64th, since a guest may OPEN again and again. */
static void route_refused(struct snd_alsa_host *h, const char *unique_id)
{
	char shown[81];
	size_t i;

	h->refused++;
	if (h->refused > 4 && h->refused % 64)
		return;
	for (i = 0; unique_id[i] && i + 1 < sizeof(shown); i++)
		shown[i] = unique_id[i] >= 0x20 && unique_id[i] < 0x7f
				   ? unique_id[i]
				   : '?';
	shown[i] = '\0';
	fprintf(stderr,
		"sndback alsa: unique-id '%s' refused: a guest's route must be "
		"alsa:NAME with a plain PCM name (letters, digits, _ - .), no "
		"arguments (%u so far)\n",
		shown, h->refused);
}

static int params_ok(const struct snd_alsa_params *p)
{
	return p && sndmix_sample_bytes(p->format) && p->channels >= 1 &&
	       p->channels <= 8 && p->rate >= 1 && p->rate <= 768000;
}

int snd_alsa_stream_open(struct snd_alsa_host *h, const char *unique_id,
			 enum snd_alsa_dir dir, const struct snd_alsa_params *p,
			 struct snd_alsa_stream **out)
{
	const char *name;
	struct snd_alsa_out *o;
	struct snd_alsa_stream *s;
	int err;

	if (!h || !out || !params_ok(p))
		return -EINVAL;
	name = snd_alsa_route(h, unique_id);
	if (!name) {
		route_refused(h, unique_id);
		return -EINVAL;
	}
	o = out_find(h, name, dir);
	if (o && (o->rate != p->rate || o->channels != p->channels))
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->format = p->format;
	s->fbytes = sndmix_sample_bytes(p->format) * p->channels;
	if (!o) {
		err = out_open(h, name, dir, p, &o);
		if (err) {
			free(s);
			return err;
		}
	}
	s->cap = p->buffer_frames ? p->buffer_frames : 4 * o->period;
	s->fifo = calloc(s->cap, s->fbytes);
	if (!s->fifo) {
		s->out = o;
		s->next = o->streams;
		o->streams = s;
		snd_alsa_stream_close(s, 0);
		return -ENOMEM;
	}
	s->out = o;
	s->next = o->streams;
	o->streams = s;
	s->running = 1;
	snd_alsa_stream_gain(s, NULL, 0);
	out_schedule(o);
	*out = s;
	return 0;
}

size_t snd_alsa_stream_write(struct snd_alsa_stream *s, const void *buf,
			     size_t frames)
{
	size_t n;

	if (!s || s->out->dir != SND_ALSA_PLAYBACK)
		return 0;
	n = fifo_put(s, buf, frames);
	pump(s->out);
	return n;
}

size_t snd_alsa_stream_read(struct snd_alsa_stream *s, void *buf, size_t frames)
{
	size_t n;

	if (!s || s->out->dir != SND_ALSA_CAPTURE)
		return 0;
	n = frames < s->count ? frames : s->count;
	fifo_peek(s, buf, n);
	fifo_drop(s, n);
	return n;
}

/* Playback: what was handed to the PCM less what still waits in it (its
 * delay): the frames played.  Handed alone would run a buffer of the
 * PCM ahead, and a guest paced by the position (sndfront's writes wait
 * for it) would then keep that much more queued here, in the FIFO, on
 * top of what the PCM holds: latency for nothing. */
uint64_t snd_alsa_stream_position(struct snd_alsa_stream *s)
{
	snd_pcm_sframes_t delay = 0;
	uint64_t played;

	if (!s)
		return 0;
	played = s->pos;
	if (s->out->dir == SND_ALSA_PLAYBACK &&
	    snd_pcm_delay(s->out->pcm, &delay) == 0 && delay > 0)
		played = s->pos > (uint64_t)delay ? s->pos - (uint64_t)delay : 0;
	if (played < s->played)
		played = s->played;
	s->played = played;
	return played;
}

uint64_t snd_alsa_stream_handed(const struct snd_alsa_stream *s)
{
	return s ? s->pos : 0;
}

size_t snd_alsa_stream_queued(const struct snd_alsa_stream *s)
{
	return s ? s->count : 0;
}

unsigned int snd_alsa_stream_xruns(const struct snd_alsa_stream *s)
{
	return s ? s->out->xruns : 0;
}

int snd_alsa_stream_pump(struct snd_alsa_stream *s)
{
	return s ? pump(s->out) : -EINVAL;
}

void snd_alsa_stream_run(struct snd_alsa_stream *s, int run, int forget)
{
	if (!s)
		return;
	s->running = run;
	if (forget)
		fifo_drop(s, s->count);
	out_schedule(s->out);
}

uint64_t snd_alsa_stream_dropped(const struct snd_alsa_stream *s)
{
	return s ? s->dropped : 0;
}

void snd_alsa_stream_gain(struct snd_alsa_stream *s, const double *gain,
			  unsigned int n)
{
	unsigned int c;

	if (!s)
		return;
	s->unity = 1;
	for (c = 0; c < 8; c++) {
		s->gain[c] = gain && c < n ? gain[c] : 1.0;
		s->unity &= s->gain[c] == 1.0;
	}
}

size_t snd_alsa_stream_frame_bytes(const struct snd_alsa_stream *s)
{
	return s ? s->fbytes : 0;
}

/* Plays what @s still has, sleeping a tick between tries, for at most
 * the time it takes plus a second. */
static void drain_fifo(struct snd_alsa_stream *s)
{
	struct snd_alsa_out *o = s->out;
	struct timespec ts = {0, o->tick_ns};
	uint64_t left_ns = (uint64_t)s->count * 1000000000u / o->rate;
	uint64_t slept = 0, limit = left_ns + 1000000000u;

	while (s->count && slept < limit) {
		if (play_pump(o) < 0)
			return;
		if (!s->count)
			return;
		nanosleep(&ts, NULL);
		slept += (uint64_t)ts.tv_nsec;
	}
}

void snd_alsa_stream_close(struct snd_alsa_stream *s, int drain)
{
	struct snd_alsa_out *o;
	struct snd_alsa_stream **pp;

	if (!s)
		return;
	o = s->out;
	if (drain && o->dir == SND_ALSA_PLAYBACK)
		drain_fifo(s);
	for (pp = &o->streams; *pp != s; pp = &(*pp)->next)
		;
	*pp = s->next;
	free(s->fifo);
	free(s);
	out_schedule(o);
	if (!o->streams) {
		out_unlink(o);
		out_free(o, drain);
	}
}

/* ---- the host-side ops table (pvkit/sndback.h) -------------------------- */

static int ops_open(struct event_base *base, const char *arg, void **host)
{
	struct snd_alsa_host *h;
	int err;

	err = snd_alsa_host_new(arg && *arg ? arg : NULL, &h);
	if (!err) {
		snd_alsa_host_loop(h, base);
		*host = h;
	}
	return err;
}

static void ops_close(void *host)
{
	snd_alsa_host_free(host);
}

static void ops_caps(void *host, struct sndback_limits *caps)
{
	(void)host;
	memset(caps, 0, sizeof(*caps));
	caps->formats = (1ull << XENSND_PCM_FORMAT_S16_LE) |
			(1ull << XENSND_PCM_FORMAT_S32_LE) |
			(1ull << XENSND_PCM_FORMAT_F32_LE);
	caps->rate_min = 8000;
	caps->rate_max = 192000;
	caps->channels_min = 1;
	caps->channels_max = 8;
}

static int ops_stream_open(void *host, const struct sndback_stream_info *info,
			   const struct sndback_params *p, void **stream)
{
	struct snd_alsa_params ap = {p->rate, p->channels, p->format, 0, 0};
	struct snd_alsa_stream *s;
	int err;

	if (!p->frame_bytes)
		return -EINVAL;
	ap.period_frames = p->period_bytes / p->frame_bytes;
	/* the guest stays within its buffer of the position: twice that
	 * holds it even while the PCM lags a period */
	if (p->buffer_bytes)
		ap.buffer_frames = 2 * (p->buffer_bytes / p->frame_bytes) + 1;
	err = snd_alsa_stream_open(
	    host, info->unique_id,
	    info->capture ? SND_ALSA_CAPTURE : SND_ALSA_PLAYBACK, &ap, &s);
	if (err)
		return err;
	snd_alsa_stream_run(s, 0, 0); /* until TRIGGER start */
	*stream = s;
	return 0;
}

static void ops_stream_close(void *stream)
{
	snd_alsa_stream_close(stream, 0);
}

/* Never waits: frames beyond the stream's FIFO are dropped and counted
 * (snd_alsa_stream_dropped()). */
static int ops_write(void *stream, const void *buf, size_t len)
{
	struct snd_alsa_stream *s = stream;
	size_t fb = snd_alsa_stream_frame_bytes(s), frames = len / fb, took;

	if (len % fb)
		return -EINVAL;
	if (frames > s->cap - s->count)
		snd_alsa_stream_pump(s);
	took = snd_alsa_stream_write(s, buf, frames);
	s->dropped += frames - took;
	return 0;
}

static int ops_read(void *stream, void *buf, size_t len)
{
	struct snd_alsa_stream *s = stream;
	size_t fb = snd_alsa_stream_frame_bytes(s), got;

	if (len % fb)
		return -EINVAL;
	snd_alsa_stream_pump(s);
	got = snd_alsa_stream_read(s, buf, len / fb);
	/* zero is silence in every format the mixer takes */
	memset((unsigned char *)buf + got * fb, 0, len - got * fb);
	return 0;
}

static int ops_trigger(void *stream, uint8_t type)
{
	switch (type) {
	case XENSND_OP_TRIGGER_START:
	case XENSND_OP_TRIGGER_RESUME:
		snd_alsa_stream_run(stream, 1, 0);
		return 0;
	case XENSND_OP_TRIGGER_PAUSE:
		snd_alsa_stream_run(stream, 0, 0);
		return 0;
	case XENSND_OP_TRIGGER_STOP:
		snd_alsa_stream_run(stream, 0, 1);
		return 0;
	default:
		return -EINVAL;
	}
}

static void ops_volume(void *stream, const int32_t *vol, const bool *mute,
		       unsigned int channels)
{
	double g[8];
	unsigned int c;

	for (c = 0; c < channels && c < 8; c++)
		g[c] = mute && mute[c] ? 0 : vol ? sndmix_db_gain(vol[c]) : 1;
	snd_alsa_stream_gain(stream, g, c);
}

static uint64_t ops_position(void *stream)
{
	snd_alsa_stream_pump(stream);
	return snd_alsa_stream_position(stream);
}

const struct sndback_host_ops sndback_host_alsa = {
    .name = "alsa",
    .help = "alsa[:PCM]  play and record on an ALSA PCM (default: "
	    "\"default\"); streams mixed per PCM; unique-id alsa:NAME "
	    "picks PCM NAME (a plain name: letters, digits, _ - .)",
    .open = ops_open,
    .close = ops_close,
    .caps = ops_caps,
    .stream_open = ops_stream_open,
    .stream_close = ops_stream_close,
    .write = ops_write,
    .read = ops_read,
    .trigger = ops_trigger,
    .position = ops_position,
    .volume = ops_volume,
};
