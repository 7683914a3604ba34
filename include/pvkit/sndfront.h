/*
 * pvkit/sndfront.h — the guest's sound card: PCM playback and capture
 * streams to and from dom0 over the vsnd protocol (sndif).
 *
 * Freestanding (no libc), caller-owned memory, on libpvfront
 * (pvkit/front.h), like kbdfront.
 *
 * A vsnd device is one card.  The toolstack describes it in the guest's
 * store: device/vsnd/<dev>/<pcm>/<stream>/ with "type" (p: playback, c:
 * capture), "unique-id" and optional limits (channels-min, channels-max,
 * sample-rates, sample-formats, buffer-size), each of which a level may
 * set for the levels below it (card, then pcm, then stream).
 * sndfront_open() walks that tree (up to SNDFRONT_STREAMS_MAX streams),
 * gives every stream a request ring and an event page with a port each,
 * publishes them in the stream's directory with the handshake, and
 * connects.  sndfront_stream_info() then says what each stream is.
 *
 *     static struct sndfront sf;            // caller-owned, not on a stack
 *     struct sndfront_config cfg = { .on_pos = my_pos, .arg = me };
 *     rc = sndfront_open(&sf, pf, 0, &cfg, 5000);  // card 0, 5 s
 *     struct sndfront_params p = { .format = XENSND_PCM_FORMAT_S16_LE,
 *                                  .rate = 48000, .channels = 2 };
 *     rc = sndfront_stream_open(&sf, i, &p);       // p: what was agreed
 *     rc = sndfront_trigger(&sf, i, XENSND_OP_TRIGGER_START);
 *     n = sndfront_write(&sf, i, frames, bytes, 0); // bytes taken
 *     rc = sndfront_drain(&sf, i);                  // all of it played
 *     rc = sndfront_stream_close(&sf, i);
 *     sndfront_close(&sf, 5000);
 *
 * Opening a stream asks the backend what it can do with
 * XENSND_OP_HW_PARAM_QUERY, narrowed by the store's limits and by what
 * the caller asked for (a zero field: anything): the answer's nearest
 * values are taken (the caller's format if allowed, else the lowest one
 * allowed; rate and channels clamped into range), written back into the
 * caller's struct sndfront_params, and the stream is opened with them
 * (XENSND_OP_OPEN) over a buffer shared through a page directory
 * (pvfront_pgdir_alloc) of buffer_bytes (rounded up to whole frames and
 * pages, at most SNDFRONT_BUF_PAGES_MAX pages).  A backend that does not
 * answer the query (-ENOSYS, version 1) gets the parameters as given.
 * The buffer and period are brought into the ranges the answer names.
 * A backend restart.  A backend that restarts loses its streams.  When
 * the card reconnects (libpvfront does when a new backend asks it to, as
 * libpvback's .reconnect_on_restart makes it), or a backend answers
 * -EBADF for a stream open here, the stream is closed: calls say
 * -XEN_EBADF until it is opened again.  With cfg.resume the frontend
 * does that itself: the next call on the stream (a waiting write or
 * drain under way included) waits for the card to be up again (the
 * stream's timeout; a nonblocking write or read says -XEN_EAGAIN until
 * then), opens the stream with the parameters agreed before
 * (a backend that no longer allows them: -XEN_EBADF, the stream stays
 * closed), starts it again if it was running (and pauses it if it was
 * paused), and goes on; a write sends again what the lost backend had
 * not answered.  A new backend that took the card over without a
 * reconnect sends no position events for a stream it does not know, so
 * with resume a write or drain whose position did not move for the
 * timeout asks with an empty WRITE (-EBADF: lost, reopened, the call
 * goes on).  What the lost backend had not played is gone; the volume
 * and mute last set are set again (streams of up to
 * SNDFRONT_LEVELS_MAX channels; wider ones get the new backend's
 * defaults); positions count from the new
 * open.  stats.reopened counts it; on_link says when the card went and
 * came back.
 *
 * Requests go one at a time per stream: each call puts one request on
 * the stream's ring and, unless SNDFRONT_NONBLOCK, waits (pvfront_poll)
 * for its answer up to the stream's timeout (sndfront_set_timeout, 3 s):
 *   - sndfront_write() copies frames into the shared buffer and asks the
 *     backend to play them (XENSND_OP_WRITE); it returns the bytes taken.
 *     The buffer is a ring: each write goes on where the last one ended
 *     and wraps at the buffer's end (a WRITE never crosses it), and what
 *     was written stays untouched until the backend's position has
 *     passed it, so a backend may play straight from the buffer.  At most
 *     a buffer's worth is ahead of the position: a waiting write waits
 *     for position events as the stream plays (so a guest is paced by
 *     the device's clock, as on a real card), taking frames as room
 *     comes; no room for the stream's timeout (a stream not started or
 *     paused, a backend that does not play) ends it with the bytes taken
 *     so far, or -XEN_ETIMEDOUT when none.  Before TRIGGER start up to a
 *     buffer can be written (prefill).  TRIGGER stop drops what was not
 *     played, and the whole buffer is free again.  With SNDFRONT_NONBLOCK
 *     a write sends what there is room for (up to the buffer's end) and
 *     returns at once, -XEN_EAGAIN when there is none; while that request
 *     is still unanswered the next nonblocking write says -XEN_EAGAIN,
 *     and a waiting call waits for it first.  Its failure (the backend's
 *     status) is returned once, by the next call on the stream.
 *     sndfront_drain() waits until what was written has been played.
 *   - sndfront_read() asks the backend for captured frames
 *     (XENSND_OP_READ) and copies them out.  With SNDFRONT_NONBLOCK the
 *     first call sends the request and says -XEN_EAGAIN; a later one
 *     returns the frames once they came (other requests meanwhile:
 *     -XEN_EBUSY).
 *   - trigger (start, pause, stop, resume), volume (one int32_t per
 *     channel, 0.001 dB steps, set or got through the buffer) and mute /
 *     unmute (one uint8_t per channel: non-zero picks the channels to
 *     mute or unmute, the others stay as they are) always wait.  The values go
 * in the part of the buffer playback does not hold (at the ring's write
 * offset), or at offset 0 when the ring is full. Whole frames only: lengths
 * that are not a multiple of the frame size are -XEN_EINVAL.
 *
 * The backend is not trusted, and nothing here waits for ever:
 *   - no answer within the timeout: -XEN_ETIMEDOUT.  The request stays
 *     outstanding; a late answer is dropped when it comes, and the next
 *     request on the stream may go then (until then: -XEN_EBUSY);
 *   - an answer whose id names no outstanding request is dropped and
 *     counted (sndfront_stream_stats); one with the right id and the
 *     wrong operation, or a query answer outside what was asked:
 *     -XEN_EBADMSG;
 *   - a response or event producer index more than a ring ahead: the
 *     card fails (pvfront_dev_fail, -XEN_EIO) — every call says so;
 *   - an event of a type not known is skipped and counted.
 * The backend's own status (a negative errno) is returned as it is.
 *
 * Position events (XENSND_EVT_CUR_POS: bytes played or captured since the
 * stream was opened) call cfg.on_pos from pvfront_poll(); the latest is
 * also kept (sndfront_position).
 *
 * One thread, as libpvfront: calls made from inside a libpvfront callback
 * (on_pos, on_link) may not wait, so only SNDFRONT_NONBLOCK forms work
 * there (others say -XEN_EDEADLK).  Errors are 0 or a negative XEN_E*.
 */
#ifndef PVKIT_SNDFRONT_H
#define PVKIT_SNDFRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvkit/front.h"
#include "pvkit/proto/sndif.h"
#include "pvkit/ring.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SNDFRONT_STREAMS_MAX   8u
#define SNDFRONT_RATES_MAX     16u
#define SNDFRONT_BUF_PAGES_MAX 32u
#define SNDFRONT_ID_MAX	       64u /* unique-id, with its NUL */
#define SNDFRONT_LEVELS_MAX    8u  /* channels whose levels a resume keeps */

/* What the store says of a stream (the card's and pcm's limits folded in). */
struct sndfront_stream_info {
	uint32_t pcm, stream; /* the directory's numbers */
	bool capture;	      /* type "c"; else "p" */
	char unique_id[SNDFRONT_ID_MAX];
	uint64_t formats; /* 1 << XENSND_PCM_FORMAT_*; 0: any */
	uint32_t rates[SNDFRONT_RATES_MAX]; /* nrates entries; 0: any */
	unsigned int nrates;
	uint32_t channels_min, channels_max; /* 0: not said */
	uint32_t buffer_size;		     /* bytes, 0: not said */
};

/* Stream parameters: asked for (0: anything) and then agreed. */
struct sndfront_params {
	uint8_t format; /* XENSND_PCM_FORMAT_*; see format_any */
	bool format_any;
	uint8_t channels;
	uint32_t rate;
	uint32_t buffer_bytes; /* 0: a default (16 KiB) */
	uint32_t period_bytes; /* 0: a quarter of the buffer */
};

struct sndfront;

struct sndfront_config {
	/* Optional: a position event of stream i. */
	void (*on_pos)(struct sndfront *sf, unsigned int i, uint64_t pos,
		       void *arg);
	/* Optional: the link came up (up) or went (reason as libpvfront's
	 * disconnect). */
	void (*on_link)(struct sndfront *sf, bool up, int reason, void *arg);
	void *arg;
	/* Streams the backend lost (it restarted) are opened again by the
	 * next call on them; see "A backend restart" above. */
	bool resume;
};

struct sndfront_stats {
	uint32_t stray_rsp; /* answers naming no outstanding request */
	uint32_t bad_evt;   /* events of unknown type */
	uint32_t pos_evt;   /* position events */
	uint32_t reopened;  /* times the stream was opened again (resume) */
};

/* One stream (private: use the functions). */
struct sndfront_stream {
	struct sndfront *sf;
	unsigned int index;
	struct sndfront_stream_info info;
	struct pvfront_pages ring, evt;
	struct pvfront_port ring_port, evt_port;
	struct pv_front_ring fr;
	struct pvfront_pgdir pd;
	grant_ref_t refs[SNDFRONT_BUF_PAGES_MAX], dir_refs[1];
	bool have_pd, opened;
	bool lost;     /* open when the backend lost it: to reopen (resume) */
	uint8_t state; /* SNDFRONT_STOPPED, _RUNNING or _PAUSED */
	/* the levels last set, for a resume */
	bool vol_set;
	int32_t vol[SNDFRONT_LEVELS_MAX];
	uint8_t muted[SNDFRONT_LEVELS_MAX];
	struct sndfront_params params;
	uint32_t buf_bytes, frame;
	uint32_t wpos;	  /* next write offset in the buffer (a ring) */
	uint64_t written; /* bytes sent by WRITE since the open (or stop) */
	/* the outstanding request */
	bool busy, done, async; /* async: a nonblocking write */
	uint16_t next_id, id;
	uint8_t op;
	int status;
	struct xensnd_resp rsp;
	uint32_t rd_len; /* the outstanding READ's length */
	uint64_t pos;
	struct sndfront_stats stats;
	int timeout_ms;
};

struct sndfront {
	struct pvfront_dev dev;
	struct sndfront_config cfg;
	bool up;
	unsigned int n;
	struct sndfront_stream s[SNDFRONT_STREAMS_MAX];
};

/* A stream's trigger state, as the frontend last set it. */
enum { SNDFRONT_STOPPED, SNDFRONT_RUNNING, SNDFRONT_PAUSED };

/* Nonblocking forms of write and read. */
#define SNDFRONT_NONBLOCK (1u << 0)

/* Open card devid: read its streams, publish, connect (timeout_ms as
 * pvfront_dev_connect: -XEN_ETIMEDOUT and -XEN_EAGAIN leave it open and
 * connecting).  -XEN_ENOENT: no stream in the card; -XEN_EBADMSG: a
 * stream's type or limits are not what they must be; -XEN_E2BIG: more
 * than SNDFRONT_STREAMS_MAX streams. */
int sndfront_open(struct sndfront *sf, struct pvfront *pf, uint32_t devid,
		  const struct sndfront_config *cfg, int timeout_ms);
/* Close every stream (without waiting for answers) and the card. */
int sndfront_close(struct sndfront *sf, int timeout_ms);
bool sndfront_connected(const struct sndfront *sf);

unsigned int sndfront_streams(const struct sndfront *sf);
/* Stream i's description, or NULL when there is no stream i. */
const struct sndfront_stream_info *
sndfront_stream_info(const struct sndfront *sf, unsigned int i);
/* The first stream with this unique-id, or -XEN_ENOENT. */
int sndfront_find(const struct sndfront *sf, const char *unique_id);

/* How long a waiting call waits for its answer (default 3000 ms). */
void sndfront_set_timeout(struct sndfront *sf, unsigned int i, int ms);

/* Negotiate and open (see above); p gets what was agreed.  -XEN_EBUSY
 * when open already, -XEN_EINVAL when nothing asked for can be had. */
int sndfront_stream_open(struct sndfront *sf, unsigned int i,
			 struct sndfront_params *p);
/* XENSND_OP_CLOSE and give the buffer back.  The buffer is kept (and
 * -XEN_EBUSY returned) while the backend still maps it. */
int sndfront_stream_close(struct sndfront *sf, unsigned int i);

/* XENSND_OP_HW_PARAM_QUERY alone: ask with *q, the answer into *q. */
int sndfront_query(struct sndfront *sf, unsigned int i,
		   struct xensnd_query_hw_param *q);

/* Playback: bytes taken (whole frames), or -errno. */
int sndfront_write(struct sndfront *sf, unsigned int i, const void *data,
		   size_t len, unsigned int flags);
/* Wait until what was written has been played: position events until
 * less than a period is left (a backend tells the position once a
 * period), then that rest's time at the stream's rate.  Call it before
 * TRIGGER stop, which drops what was not played.  -XEN_ETIMEDOUT when
 * the position stops moving for the stream's timeout. */
int sndfront_drain(struct sndfront *sf, unsigned int i);
/* Capture: bytes read (whole frames), or -errno. */
int sndfront_read(struct sndfront *sf, unsigned int i, void *data, size_t len,
		  unsigned int flags);
/* XENSND_OP_TRIGGER_START / _PAUSE / _STOP / _RESUME. */
int sndfront_trigger(struct sndfront *sf, unsigned int i, unsigned int type);
/* One value per channel (p.channels of them). */
int sndfront_set_volume(struct sndfront *sf, unsigned int i,
			const int32_t *vol);
int sndfront_get_volume(struct sndfront *sf, unsigned int i, int32_t *vol);
int sndfront_mute(struct sndfront *sf, unsigned int i, const uint8_t *sel);
int sndfront_unmute(struct sndfront *sf, unsigned int i, const uint8_t *sel);

/* The latest position event's value (bytes since the stream opened). */
uint64_t sndfront_position(const struct sndfront *sf, unsigned int i);
const struct sndfront_stats *sndfront_stream_stats(const struct sndfront *sf,
						   unsigned int i);
/* Bytes per frame of a format and channel count; 0 when not a linear
 * PCM format. */
uint32_t sndfront_frame_bytes(unsigned int format, unsigned int channels);
/* A format's bit from its store spelling ("s16_le"), or 0. */
uint64_t sndfront_format_bit(const char *name, size_t len);

#ifdef __cplusplus
}
#endif

#endif
