/*
 * The "wav" host side (pvkit/sndback.h): playback into
 * DIR/<domid>-<ID>.wav, capture from DIR/<domid>-<ID>-in.wav (the
 * unique-id ID made safe by pvback_file_name(): it is the guest's to
 * rewrite), and the monotonic clock standing for the device's: rate
 * frames a second while the stream runs.  Playback more than a buffer
 * ahead of that clock is dropped and counted, so a guest fills the disk
 * no faster than it would play a card.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host_wav.h"
#include "pvkit/back.h"
#include "pvkit/sndback.h"

#define WAV_HDR	     44u
#define WAV_PCM	     1u
#define WAV_FLOAT    3u
#define WAV_MAX_DATA (0xffffffffu - WAV_HDR)
#define WAV_EXTENSIBLE	0xfffeu
#define WAV_FMT_EXT_LEN 40u /* a fmt chunk with the extensible part */

struct wav_host {
	char *dir;
};

struct wav_stream {
	struct sndback_params p;
	bool capture;
	int fd;		    /* -1: capture without a file (silence) */
	uint64_t data;	    /* playback: bytes written; capture: bytes read */
	uint64_t data_len;  /* capture: the data chunk's size */
	off_t data_off;	    /* capture: where the data chunk starts */
	uint64_t written;   /* playback bytes handed over (since a stop) */
	uint64_t base;	    /* frames the clock counted before t0 */
	uint64_t t0;	    /* ns; when the clock last started */
	bool running;
	uint64_t overruns; /* writes cut for running a buffer ahead */
	uint64_t dropped;  /* bytes they lost */
	char name[NAME_MAX + 1]; /* the file's, for the log */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int wav_open(struct event_base *base, const char *arg, void **host)
{
	struct wav_host *h;

	(void)base;
	if (!arg || !*arg)
		arg = ".";
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->dir = strdup(arg);
	if (!h->dir) {
		free(h);
		return -ENOMEM;
	}
	*host = h;
	return 0;
}

static void wav_close(void *host)
{
	struct wav_host *h = host;

	if (h)
		free(h->dir);
	free(h);
}

static void wav_caps(void *host, struct sndback_limits *c)
{
	(void)host;
	sndback_limits_any(c);
	c->formats = (UINT64_C(1) << XENSND_PCM_FORMAT_U8) |
		     (UINT64_C(1) << XENSND_PCM_FORMAT_S16_LE) |
		     (UINT64_C(1) << XENSND_PCM_FORMAT_S32_LE) |
		     (UINT64_C(1) << XENSND_PCM_FORMAT_F32_LE);
	c->rate_max = 768000;
}

static unsigned int wav_tag(uint8_t format)
{
	return format == XENSND_PCM_FORMAT_F32_LE ? WAV_FLOAT : WAV_PCM;
}

static void le16(uint8_t *b, unsigned int v)
{
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *b, uint32_t v)
{
	le16(b, v & 0xffff);
	le16(b + 2, v >> 16);
}

static uint32_t rd32(const uint8_t *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static unsigned int rd16(const uint8_t *b)
{
	return (unsigned int)b[0] | (unsigned int)b[1] << 8;
}

static int write_all(int fd, const void *buf, size_t len, off_t off)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

static int write_header(struct wav_stream *w)
{
	uint8_t h[WAV_HDR];
	uint32_t data = w->data > WAV_MAX_DATA ? WAV_MAX_DATA : (uint32_t)w->data;

	memcpy(h, "RIFF", 4);
	le32(h + 4, 36 + data);
	memcpy(h + 8, "WAVEfmt ", 8);
	le32(h + 16, 16);
	le16(h + 20, wav_tag(w->p.format));
	le16(h + 22, w->p.channels);
	le32(h + 24, w->p.rate);
	le32(h + 28, w->p.rate * w->p.frame_bytes);
	le16(h + 32, w->p.frame_bytes);
	le16(h + 34, 8 * w->p.frame_bytes / w->p.channels);
	memcpy(h + 36, "data", 4);
	le32(h + 40, data);
	return write_all(w->fd, h, sizeof(h), 0);
}

/* Find fmt and data in a capture file and check them against p.  The
 * format may be given the extensible way (tag 0xFFFE, the real tag
 * opening the sub-format GUID), as sox and others write files of more
 * than 16 bits or 2 channels. */
static int read_header(struct wav_stream *w)
{
	uint8_t h[12], c[8], fmt[WAV_FMT_EXT_LEN];
	off_t off = 12;
	bool have_fmt = false;
	unsigned int tag = 0;

	if (pread(w->fd, h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    memcmp(h, "RIFF", 4) || memcmp(h + 8, "WAVE", 4))
		return -EINVAL;
	for (;;) {
		uint32_t len;
		if (pread(w->fd, c, sizeof(c), off) != (ssize_t)sizeof(c))
			return -EINVAL;
		len = rd32(c + 4);
		off += 8;
		if (!memcmp(c, "fmt ", 4)) {
			size_t n = len < sizeof(fmt) ? len : sizeof(fmt);

			if (len < 16 || pread(w->fd, fmt, n, off) != (ssize_t)n)
				return -EINVAL;
			tag = rd16(fmt);
			if (tag == WAV_EXTENSIBLE) {
				/* the valid bits must fill the container */
				if (n < WAV_FMT_EXT_LEN ||
				    rd16(fmt + 18) != rd16(fmt + 14))
					return -EINVAL;
				tag = rd16(fmt + 24);
			}
			have_fmt = true;
		} else if (!memcmp(c, "data", 4)) {
			break;
		}
		off += (off_t)len + (len & 1);
	}
	if (!have_fmt || tag != wav_tag(w->p.format) ||
	    rd16(fmt + 2) != w->p.channels || rd32(fmt + 4) != w->p.rate ||
	    rd16(fmt + 12) != w->p.frame_bytes)
		return -EINVAL;
	w->data_off = off;
	w->data_len = rd32(c + 4);
	return 0;
}

static int wav_stream_open(void *host, const struct sndback_stream_info *info,
			   const struct sndback_params *p, void **stream)
{
	struct wav_host *h = host;
	struct wav_stream *w;
	char path[PATH_MAX];
	int rc = 0;

	if (!info->unique_id || !*info->unique_id || !p->frame_bytes)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->p = *p;
	w->capture = info->capture;
	/* the guest's own name: no other guest's file, nothing outside DIR,
	 * whatever unique-id it wrote; room left for "-in.wav" within a
	 * file name's NAME_MAX */
	if (pvback_file_name(w->name, sizeof(w->name) - 8, info->domid,
			     info->unique_id) >= sizeof(w->name) - 8 ||
	    snprintf(path, sizeof(path), "%s/%s%s.wav", h->dir, w->name,
		     info->capture ? "-in" : "") >= (int)sizeof(path)) {
		free(w);
		return -ENAMETOOLONG;
	}
	if (info->capture) {
		w->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (w->fd < 0)
			rc = errno == ENOENT ? 0 : -errno;
		else
			rc = read_header(w);
	} else {
		w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			     0644);
		rc = w->fd < 0 ? -errno : write_header(w);
	}
	if (rc) {
		if (w->fd >= 0)
			close(w->fd);
		free(w);
		return rc;
	}
	*stream = w;
	return 0;
}

static void wav_stream_close(void *stream)
{
	struct wav_stream *w = stream;

	if (w->fd >= 0)
		close(w->fd);
	free(w);
}

/* The clock's frames now; playback never passes what it was given (an
 * underrun: the clock waits for more, as a device's pointer stops). */
static uint64_t clock_frames(struct wav_stream *w)
{
	uint64_t f = w->base;

	if (w->running) {
		uint64_t t = now_ns();
		f += (t - w->t0) * w->p.rate / 1000000000u;
		if (!w->capture && f > w->written / w->p.frame_bytes) {
			f = w->written / w->p.frame_bytes;
			w->base = f;
			w->t0 = t;
		}
	}
	return f;
}

/* Playback bytes the stream may still take: a buffer (one second when
 * the stream has none) ahead of its clock, as a card's buffer holds. */
static uint64_t room(struct wav_stream *w)
{
	uint64_t ahead, cap = w->p.buffer_bytes;

	if (!cap)
		cap = (uint64_t)w->p.rate * w->p.frame_bytes;
	ahead = w->written - clock_frames(w) * w->p.frame_bytes;
	return ahead < cap ? (cap - ahead) / w->p.frame_bytes * w->p.frame_bytes
			   : 0;
}

/* What does not fit is an overrun: dropped, counted, and told on stderr
 * (the first few, then every 64th: a log, not a flood). */
static void overrun(struct wav_stream *w, size_t lost)
{
	w->overruns++;
	w->dropped += lost;
	if (w->overruns <= 4 || w->overruns % 64 == 0)
		fprintf(stderr,
			"sndback wav: %s: overrun, %zu bytes more than a "
			"buffer ahead of the clock dropped (%llu so far)\n",
			w->name, lost, (unsigned long long)w->overruns);
}

static int wav_write(void *stream, const void *buf, size_t len)
{
	struct wav_stream *w = stream;
	uint64_t fits;
	int rc;

	if (w->capture)
		return -EINVAL;
	/* A stream that was idle starts its clock from the new data (in
	 * room()'s clock_frames()). */
	fits = room(w);
	if (len > fits) {
		overrun(w, len - (size_t)fits);
		len = (size_t)fits;
	}
	if (!len)
		return 0;
	if (w->data + len > WAV_MAX_DATA) {
		/* past what a WAV can say: the file is full */
		overrun(w, len);
		return 0;
	}
	rc = write_all(w->fd, buf, len, (off_t)(WAV_HDR + w->data));
	if (rc)
		return rc;
	w->data += len;
	w->written += len;
	return write_header(w);
}

static int wav_read(void *stream, void *buf, size_t len)
{
	struct wav_stream *w = stream;
	uint8_t *p = buf;
	size_t got = 0;

	if (!w->capture)
		return -EINVAL;
	while (w->fd >= 0 && got < len && w->data < w->data_len) {
		size_t want = len - got;
		ssize_t n;
		if (want > w->data_len - w->data)
			want = (size_t)(w->data_len - w->data);
		n = pread(w->fd, p + got, want, w->data_off + (off_t)w->data);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		w->data += (uint64_t)n;
	}
	memset(p + got, w->p.format == XENSND_PCM_FORMAT_U8 ? 0x80 : 0,
	       len - got);
	return 0;
}

static int wav_trigger(void *stream, uint8_t type)
{
	struct wav_stream *w = stream;

	switch (type) {
	case XENSND_OP_TRIGGER_START:
	case XENSND_OP_TRIGGER_RESUME:
		if (!w->running) {
			w->t0 = now_ns();
			w->running = true;
		}
		return 0;
	case XENSND_OP_TRIGGER_PAUSE:
	case XENSND_OP_TRIGGER_STOP:
		w->base = clock_frames(w);
		w->running = false;
		/* a stopped device drops what it had not played yet */
		if (type == XENSND_OP_TRIGGER_STOP && !w->capture)
			w->written = w->base * w->p.frame_bytes;
		return 0;
	default:
		return -EINVAL;
	}
}

static uint64_t wav_position(void *stream)
{
	return clock_frames(stream);
}

uint64_t sndback_wav_overruns(const void *stream, uint64_t *dropped)
{
	const struct wav_stream *w = stream;

	if (dropped)
		*dropped = w->dropped;
	return w->overruns;
}

const struct sndback_host_ops sndback_host_wav = {
    .name = "wav",
    .help = "wav:DIR  playback to DIR/DOMID-ID.wav, capture from "
	    "DIR/DOMID-ID-in.wav (ID: the stream's unique-id)",
    .open = wav_open,
    .close = wav_close,
    .caps = wav_caps,
    .stream_open = wav_stream_open,
    .stream_close = wav_stream_close,
    .write = wav_write,
    .read = wav_read,
    .trigger = wav_trigger,
    .position = wav_position,
};
