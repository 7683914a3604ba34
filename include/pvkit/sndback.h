/*
 * pvkit/sndback.h — the sound backend: guests' virtual sound cards (vsnd,
 * the sndif protocol, version 2) played and recorded on dom0.
 *
 * Two halves.
 *
 * The protocol side (struct sndback) registers the vsnd device type with a
 * libpvback instance (pvkit/back.h).  For each device it reads the card,
 * PCM and stream tree the toolstack wrote in the frontend's directory
 * (device/vsnd/DEV/PCM/STREAM, see pvkit/proto/sndif.h), works out each
 * stream's limits (sample-rates, sample-formats, channels-min/-max,
 * buffer-size, a lower level narrowing the one above), writes "versions"
 * ("2") into the backend directory, and at connect maps every stream's
 * request ring (ring-ref / event-channel) and event page (evt-ring-ref /
 * evt-event-channel).  Requests are answered in order:
 *
 *   HW_PARAM_QUERY  the frontend's ranges narrowed to what the stream's
 *                   limits and the host side allow (-EINVAL when nothing
 *                   is left)
 *   OPEN            format, rate and channels must be within the limits
 *                   (-EINVAL otherwise); the buffer, buffer_sz bytes, is
 *                   mapped through its page directory, never copied
 *                   (-EINVAL for a bad chain, -E2BIG over buffer-size or
 *                   SNDBACK_BUFFER_MAX); the host side opens the stream.
 *                   -EBUSY when the stream is open already.
 *   CLOSE           stops and closes; -EBADF when not open
 *   WRITE / READ    a byte range (offset, length) inside the buffer
 *                   (summed in 64 bits: no 32-bit wrap) and whole frames
 *                   long, else -EINVAL; WRITE on a playback stream hands
 *                   the bytes to the host side, READ on a capture stream
 *                   fills them from it.  The wrong direction is -EINVAL,
 *                   a stream not open -EBADF.
 *   TRIGGER         start (stopped -> running), pause (running -> paused),
 *                   resume (paused -> running), stop (any -> stopped);
 *                   another move is -EPERM, an unknown type -EINVAL
 *   SET_VOLUME / GET_VOLUME / MUTE / UNMUTE
 *                   one int32_t (0.001 dB steps) or uint8_t per channel
 *                   at (offset, length) of the buffer, checked as for
 *                   WRITE; the level is kept per stream and given to the
 *                   host side
 *   anything else   -ENOTSUP
 *
 * While a stream runs, the host side's clock moves its position; a
 * XENSND_EVT_CUR_POS event (position in bytes since OPEN) goes on the
 * event page every period_sz bytes (OPEN's period; none for 0).  A full
 * event page loses the event, it never makes the backend wait: lost
 * events are counted (sndback_stats(), and the device's backend node
 * "dropped-events", written at connect and within 100 ms of a loss), and
 * events come again once the frontend consumes.
 *
 * A hostile guest.  Each request is copied out of the ring once and the
 * copy checked, so a guest rewriting a slot meanwhile changes nothing;
 * ring or event page indices that make no sense fail the device (its
 * "error" node says why, backend Closing), other guests go on.  Requests
 * are answered whatever the event page holds.
 *
 * A backend restarted.  The streams' state lives in the backend process,
 * so the vsnd device type asks a frontend found Connected by a new
 * backend process to reconnect (pvkit/back.h, reconnect_on_restart): its
 * streams are closed then, and it opens them again.
 *
 * The host side (struct sndback_host_ops), one file each, does the sound:
 * "wav" (below) and "alsa" (libasound, when built).  sndback_host_find()
 * finds one by name.  A host side is opened once per backend with its
 * argument (the part after ':' in "wav:DIR"), then opens one stream per
 * guest stream with the negotiated parameters.  It must never block: it
 * takes and gives bytes at once, and tells the position its clock has
 * reached, in frames; sndback polls it every period.
 *
 * A stream's unique-id is the guest's to change.  The toolstack writes it
 * into the frontend's directory, which the guest may write (so it is on
 * Xen, where libxl writes vsnd's parameters there; a guest may add
 * streams of its own there too).  A host side takes it as a hint from
 * the guest, never as a name of the host's: the wav side below makes it
 * a file name of that guest's own, the alsa side takes only plain PCM
 * names from it.
 *
 * The "wav" host side.  Argument: a directory.  Playback of guest DOM's
 * stream with unique-id ID goes to DIR/DOM-ID.wav, ID made safe by
 * pvback_file_name() (pvkit/back.h: bytes other than A-Z a-z 0-9 . _ -,
 * and a leading '.', become '_'), so no unique-id a guest writes reaches
 * another guest's file or one outside DIR.  The file is created, or
 * truncated at each OPEN; the header's sizes are kept right after every
 * write, so it is a valid WAV at any moment.  Capture is read from
 * DIR/DOM-ID-in.wav, which must be a PCM WAV of the stream's format, rate
 * and channels (else OPEN answers -EINVAL); past its end, or without the
 * file, capture is silence.  Formats u8, s16_le, s32_le and float_le
 * only.  Its clock is the monotonic clock: a running stream plays rate
 * frames a second, so positions advance as on a real device, period by
 * period.  Playback goes to the file at once, but never more than the
 * stream's buffer (OPEN's buffer_sz) ahead of the clock: what a WRITE
 * brings beyond that is dropped, as a full card would, and counted as an
 * overrun (said on stderr, the first four and then every 64th), so a
 * guest writes at most real time plus one buffer to disk.  The position
 * never passes what was written (an underrun stops the clock until more
 * comes), and TRIGGER stop forgets what the clock had not reached yet.
 *
 * The "alsa" host side.  Argument: the default PCM ("alsa:hw:1,0"; any
 * PCM string, it is the dom0 admin's).  A stream whose unique-id is
 * "alsa:NAME" plays on PCM NAME instead, but only a NAME made of letters,
 * digits, '_', '-' and '.': a plain PCM name such as "default", "null" or
 * one the admin defines in the ALSA configuration for guests.  Anything
 * else ("alsa:file:FILE=/etc/x", "alsa:hw:1,0", a plugin with arguments)
 * could make pvbackd write any file or open any device it can, so the
 * stream's OPEN answers -EINVAL and pvbackd's log says why.
 *
 * Errors are 0 or a negative errno.
 */
#ifndef PVKIT_SNDBACK_H
#define PVKIT_SNDBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvkit/proto/sndif.h"
#include "pvkit/proto/xen.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest shared buffer a stream may have, in pages (8 MiB: more than one
 * directory page's worth, so chains of directories are followed). */
#define SNDBACK_BUFFER_MAX 2048u
/* Protocol versions sndback speaks (the "versions" node). */
#define SNDBACK_VERSIONS "2"

/* ---- stream limits --------------------------------------------------------
 *
 * What a stream allows: from the store (sndback_limits_parse()), from a
 * host side (its caps()), and their intersection.  formats is a mask of
 * (1 << XENSND_PCM_FORMAT_*); rates a list (n_rates of them, ascending,
 * or n_rates 0 for rate_min..rate_max); buffer_max in bytes (0: no limit).
 */
#define SNDBACK_RATES_MAX 32u

struct sndback_limits {
	uint64_t formats;
	uint32_t rates[SNDBACK_RATES_MAX];
	unsigned int n_rates;
	uint32_t rate_min, rate_max;
	uint32_t channels_min, channels_max;
	uint32_t buffer_max;
};

/* Everything a stream could be (every format, 1..255 channels, any rate
 * 1..INT32_MAX, no buffer limit). */
void sndback_limits_any(struct sndback_limits *l);
/* Narrow l by one level's store values (each NULL when the level does not
 * have the key): "sample-rates" ("44100,48000"), "sample-formats"
 * ("s16_le,float_le"), "channels-min", "channels-max", "buffer-size".
 * -EINVAL for a value that is not a list of known items / a number, or a
 * result that allows nothing. */
int sndback_limits_narrow(struct sndback_limits *l, const char *rates,
			  const char *formats, const char *ch_min,
			  const char *ch_max, const char *buffer_size);
/* Narrow l to what b allows too; -EINVAL when nothing is left. */
int sndback_limits_and(struct sndback_limits *l,
		       const struct sndback_limits *b);
/* Is rate among l's rates? */
bool sndback_limits_rate_ok(const struct sndback_limits *l, uint32_t rate);
/* Bytes per sample of a format, 0 for one without a fixed size. */
unsigned int sndback_format_bytes(uint8_t format);
/* The store spelling of a format ("s16_le"), or NULL. */
const char *sndback_format_name(uint8_t format);

/* ---- the host side --------------------------------------------------------
 */
struct sndback_params {
	uint32_t rate;	/* frames per second */
	uint8_t format; /* XENSND_PCM_FORMAT_* */
	uint8_t channels;
	uint32_t frame_bytes; /* channels * sample bytes */
	uint32_t buffer_bytes;
	uint32_t period_bytes; /* 0: the frontend wants no position events */
};

struct sndback_stream_info {
	domid_t domid;
	unsigned int devid;
	const char *unique_id; /* the stream's unique-id */
	bool capture;
};

struct event_base;

struct sndback_host_ops {
	const char *name;
	/* One line for --help: the argument it takes. */
	const char *help;
	/* Open the host side with its argument (may be NULL), on the
	 * backend's event loop (for timers or descriptors of its own). */
	int (*open)(struct event_base *base, const char *arg, void **host);
	void (*close)(void *host);
	/* What it can do at all. */
	void (*caps)(void *host, struct sndback_limits *caps);
	/* Open one stream; p is within caps(). */
	int (*stream_open)(void *host, const struct sndback_stream_info *info,
			   const struct sndback_params *p, void **stream);
	void (*stream_close)(void *stream);
	/* Playback: take len bytes (whole frames), never waiting: what does
	 * not fit is dropped (an overrun, the host side's to count).  0 or
	 * -errno. */
	int (*write)(void *stream, const void *buf, size_t len);
	/* Capture: fill len bytes (silence when there is nothing). */
	int (*read)(void *stream, void *buf, size_t len);
	/* XENSND_OP_TRIGGER_*: the clock runs between start/resume and
	 * pause/stop.  Stop forgets held playback. */
	int (*trigger)(void *stream, uint8_t type);
	/* Frames the clock has played or captured since stream_open. */
	uint64_t (*position)(void *stream);
	/* Optional: per-channel volume (0.001 dB) and mute. */
	void (*volume)(void *stream, const int32_t *vol, const bool *mute,
		       unsigned int channels);
};

/* Host sides built in, NULL-terminated. */
const struct sndback_host_ops *const *sndback_hosts(void);
/* By name ("wav", "wav:DIR" also matches "wav"), or NULL. */
const struct sndback_host_ops *sndback_host_find(const char *spec);
extern const struct sndback_host_ops sndback_host_wav;

/* ---- the request handler (no libpvback) -------------------------------------
 *
 * One stream's protocol state, for the device and for tests: feed it
 * requests, it fills responses.  The device supplies how to map and unmap
 * a buffer through its page directory.
 */
enum sndback_state {
	SNDBACK_CLOSED,
	SNDBACK_STOPPED, /* open, not running */
	SNDBACK_RUNNING,
	SNDBACK_PAUSED,
};

struct sndback_stream;

struct sndback_stream_env {
	/* Map npages of the page directory at first_dir; see
	 * pvback_dev_map_pgdir().  0 or -errno. */
	int (*map)(void *ctx, grant_ref_t first_dir, unsigned int npages,
		   unsigned int max_pages, void **addr);
	void (*unmap)(void *ctx, void *addr);
	void *ctx;
	const struct sndback_host_ops *host_ops;
	void *host;
};

int sndback_stream_new(const struct sndback_stream_env *env,
		       const struct sndback_stream_info *info,
		       const struct sndback_limits *limits,
		       struct sndback_stream **out);
/* Closes the stream if open. */
void sndback_stream_free(struct sndback_stream *s);
/* Answer one request (a private copy).  resp is filled entirely. */
void sndback_stream_handle(struct sndback_stream *s,
			   const struct xensnd_req *req,
			   struct xensnd_resp *resp);
enum sndback_state sndback_stream_state(const struct sndback_stream *s);
/* The stream's position in bytes since OPEN (the host's clock), and the
 * period of OPEN (0 when closed or no events wanted). */
uint64_t sndback_stream_position(const struct sndback_stream *s);
uint32_t sndback_stream_period(const struct sndback_stream *s);
const struct sndback_params *
sndback_stream_params(const struct sndback_stream *s);

/* Put a CUR_POS event on an event page (private producer index *prod).
 * 0, -ENOSPC when the page is full (the event is dropped), -EPROTO when
 * the frontend's in_cons makes no sense. */
int sndback_evt_put(void *page, uint32_t *prod, uint16_t id, uint64_t position);

/* ---- the backend --------------------------------------------------------- */
struct pvback;
struct sndback;

/* Register vsnd with pb; host_ops opened with host_arg. */
int sndback_new(struct pvback *pb, const struct sndback_host_ops *host_ops,
		const char *host_arg, struct sndback **out);
void sndback_free(struct sndback *sb);

struct sndback_stats {
	uint64_t requests;
	uint64_t errors; /* requests answered with an error */
	uint64_t events; /* position events written */
	uint64_t events_dropped;
};
void sndback_stats(const struct sndback *sb, struct sndback_stats *st);

#ifdef __cplusplus
}
#endif

#endif
