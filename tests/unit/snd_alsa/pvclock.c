/*
 * tests/unit/snd_alsa/pvclock.c — an ALSA PCM with a clock of its own and
 * no sound card (pvclock.h says how to use it).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

/* a plugin is always a shared object: libasound then names its entry
 * point for dlsym (without PIC, its headers expect a static build) */
#ifndef PIC
#define PIC 1
#endif
#include <alsa/asoundlib.h>
#include <alsa/pcm_external.h>

#include "pvclock.h"

struct pvclock {
	snd_pcm_ioplug_t io;
	int tfd;
	int running;
	uint64_t t0_ns;	  /* when the clock started */
	uint64_t written; /* frames since prepare */
	uint64_t played;  /* the clock's position at the last look */
	struct pvclock_stats *st;
	int16_t mark[6]; /* a marker being read across transfers */
	unsigned int mark_n;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void arm(struct pvclock *c, int on)
{
	struct itimerspec it;

	memset(&it, 0, sizeof(it));
	if (on && c->io.rate) {
		uint64_t ns = (uint64_t)c->io.period_size * 1000000000u /
			      c->io.rate;

		it.it_value.tv_sec = (time_t)(ns / 1000000000u);
		it.it_value.tv_nsec = (long)(ns % 1000000000u);
		it.it_interval = it.it_value;
	} else { /* before the start: writable at once, as a card is */
		it.it_value.tv_nsec = 1;
	}
	timerfd_settime(c->tfd, 0, &it, NULL);
}

static int pc_start(snd_pcm_ioplug_t *io)
{
	struct pvclock *c = io->private_data;

	c->t0_ns = now_ns();
	c->played = 0;
	c->running = 1;
	if (c->st)
		c->st->starts++;
	arm(c, 1);
	return 0;
}

static int pc_stop(snd_pcm_ioplug_t *io)
{
	struct pvclock *c = io->private_data;

	c->running = 0;
	arm(c, 0);
	return 0;
}

static int pc_prepare(snd_pcm_ioplug_t *io)
{
	struct pvclock *c = io->private_data;

	c->running = 0;
	c->written = 0;
	c->played = 0;
	c->mark_n = 0;
	arm(c, 0);
	return 0;
}

/* Where the clock is; an underrun when it passed the last frame. */
static snd_pcm_sframes_t pc_pointer(snd_pcm_ioplug_t *io)
{
	struct pvclock *c = io->private_data;

	if (c->running) {
		uint64_t pos = (now_ns() - c->t0_ns) * io->rate / 1000000000u;

		if (pos > c->written) {
			c->running = 0;
			if (c->st)
				c->st->xruns++;
			snd_pcm_ioplug_set_state(io, SND_PCM_STATE_XRUN);
			return -EPIPE;
		}
		c->played = pos;
	}
	return (snd_pcm_sframes_t)(c->played % io->buffer_size);
}

static void take_mark(struct pvclock *c, uint64_t now_us)
{
	uint16_t a = (uint16_t)c->mark[2], b = (uint16_t)c->mark[3],
		 d = (uint16_t)c->mark[4], k = (uint16_t)c->mark[5];
	uint64_t us = a | (uint64_t)b << 16 | (uint64_t)d << 32;
	int64_t lat = (int64_t)(now_us - us);

	if ((uint16_t)(a ^ b ^ d ^ PVCLOCK_MARK_CHECK) != k || lat < 0) {
		c->st->bad++;
		return;
	}
	c->st->markers++;
	if (lat > c->st->max_us)
		c->st->max_us = lat;
	if ((uint64_t)lat / PVCLOCK_BIN_US < PVCLOCK_BINS)
		c->st->hist[(uint64_t)lat / PVCLOCK_BIN_US]++;
	else
		c->st->over++;
}

/* Markers in S16 stereo frames, across calls. */
static void scan(struct pvclock *c, const int16_t *f, size_t n)
{
	uint64_t now_us = 0;

	for (size_t i = 0; i < n; i++, f += 2) {
		if (c->mark_n == 0) {
			if (f[0] != PVCLOCK_MARK_L || f[1] != PVCLOCK_MARK_R)
				continue;
		}
		c->mark[c->mark_n++] = f[0];
		c->mark[c->mark_n++] = f[1];
		if (c->mark_n == 6) {
			if (!now_us)
				now_us = now_ns() / 1000u;
			take_mark(c, now_us);
			c->mark_n = 0;
		}
	}
}

static snd_pcm_sframes_t pc_transfer(snd_pcm_ioplug_t *io,
				     const snd_pcm_channel_area_t *areas,
				     snd_pcm_uframes_t offset,
				     snd_pcm_uframes_t size)
{
	struct pvclock *c = io->private_data;

	if (c->st && io->format == SND_PCM_FORMAT_S16_LE && io->channels == 2)
		scan(c,
		     (const int16_t *)((const char *)areas[0].addr +
				       (areas[0].first + offset * areas[0].step) /
					   8),
		     size);
	c->written += size;
	if (c->st)
		c->st->frames += size;
	return (snd_pcm_sframes_t)size;
}

/* Level-triggered as a card's: writable while a period fits (or, before
 * the start, while anything fits); an underrun is POLLERR. */
static int pc_poll_revents(snd_pcm_ioplug_t *io, struct pollfd *pfd,
			   unsigned int nfds, unsigned short *revents)
{
	struct pvclock *c = io->private_data;
	uint64_t ticks, room;

	(void)pfd;
	(void)nfds;
	if (pc_pointer(io) < 0) {
		*revents = POLLOUT | POLLERR;
		return 0;
	}
	room = io->buffer_size - (c->written - c->played);
	if (c->running ? room >= io->period_size : room > 0) {
		*revents = POLLOUT;
		return 0;
	}
	/* nothing to do before the next tick: take this one */
	if (read(c->tfd, &ticks, sizeof(ticks)) < 0)
		ticks = 0;
	*revents = 0;
	return 0;
}

static int pc_close(snd_pcm_ioplug_t *io)
{
	struct pvclock *c = io->private_data;

	if (c->st)
		munmap(c->st, sizeof(*c->st));
	close(c->tfd);
	free(c);
	return 0;
}

static const snd_pcm_ioplug_callback_t pc_callbacks = {
    .start = pc_start,
    .stop = pc_stop,
    .pointer = pc_pointer,
    .transfer = pc_transfer,
    .prepare = pc_prepare,
    .poll_revents = pc_poll_revents,
    .close = pc_close,
};

static int map_stats(struct pvclock *c, const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	struct stat sb;
	void *p;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) || ((size_t)sb.st_size < sizeof(*c->st) &&
			       ftruncate(fd, sizeof(*c->st)))) {
		close(fd);
		return -errno;
	}
	p = mmap(NULL, sizeof(*c->st), PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 0);
	close(fd);
	if (p == MAP_FAILED)
		return -errno;
	c->st = p;
	c->st->magic = PVCLOCK_MAGIC;
	return 0;
}

static int set_limits(snd_pcm_ioplug_t *io)
{
	static const unsigned int access[] = {SND_PCM_ACCESS_RW_INTERLEAVED};
	static const unsigned int formats[] = {
	    SND_PCM_FORMAT_S16_LE, SND_PCM_FORMAT_S32_LE,
	    SND_PCM_FORMAT_FLOAT_LE};
	int err;

	err = snd_pcm_ioplug_set_param_list(io, SND_PCM_IOPLUG_HW_ACCESS, 1,
					    access);
	if (!err)
		err = snd_pcm_ioplug_set_param_list(
		    io, SND_PCM_IOPLUG_HW_FORMAT, 3, formats);
	if (!err)
		err = snd_pcm_ioplug_set_param_minmax(
		    io, SND_PCM_IOPLUG_HW_CHANNELS, 1, 8);
	if (!err)
		err = snd_pcm_ioplug_set_param_minmax(
		    io, SND_PCM_IOPLUG_HW_RATE, 8000, 192000);
	if (!err)
		err = snd_pcm_ioplug_set_param_minmax(
		    io, SND_PCM_IOPLUG_HW_PERIOD_BYTES, 32, 1 << 20);
	if (!err)
		err = snd_pcm_ioplug_set_param_minmax(
		    io, SND_PCM_IOPLUG_HW_PERIODS, 2, 64);
	return err;
}

int _snd_pcm_pvclock_open(snd_pcm_t **pcmp, const char *name,
			  snd_config_t *root, snd_config_t *conf,
			  snd_pcm_stream_t stream, int mode);

int _snd_pcm_pvclock_open(snd_pcm_t **pcmp, const char *name,
			  snd_config_t *root, snd_config_t *conf,
			  snd_pcm_stream_t stream, int mode)
{
	snd_config_iterator_t i, next;
	const char *stats = NULL;
	struct pvclock *c;
	int err;

	(void)root;
	snd_config_for_each(i, next, conf)
	{
		snd_config_t *n = snd_config_iterator_entry(i);
		const char *id;

		if (snd_config_get_id(n, &id) < 0)
			continue;
		if (!strcmp(id, "comment") || !strcmp(id, "type") ||
		    !strcmp(id, "hint"))
			continue;
		if (!strcmp(id, "stats")) {
			if (snd_config_get_string(n, &stats) < 0)
				return -EINVAL;
			continue;
		}
		SNDERR("pvclock: unknown field %s", id);
		return -EINVAL;
	}
	if (stream != SND_PCM_STREAM_PLAYBACK)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (c->tfd < 0) {
		free(c);
		return -errno;
	}
	if (stats && *stats && (err = map_stats(c, stats)) < 0) {
		close(c->tfd);
		free(c);
		return err;
	}
	c->io.version = SND_PCM_IOPLUG_VERSION;
	c->io.name = "pvclock: a PCM with a clock and no card";
	c->io.flags = SND_PCM_IOPLUG_FLAG_MONOTONIC;
	c->io.poll_fd = c->tfd;
	c->io.poll_events = POLLIN;
	c->io.callback = &pc_callbacks;
	c->io.private_data = c;
	err = snd_pcm_ioplug_create(&c->io, name, stream, mode);
	if (err < 0) {
		if (c->st)
			munmap(c->st, sizeof(*c->st));
		close(c->tfd);
		free(c);
		return err;
	}
	err = set_limits(&c->io);
	if (err < 0) {
		snd_pcm_ioplug_delete(&c->io);
		return err;
	}
	*pcmp = c->io.pcm;
	return 0;
}

SND_PCM_PLUGIN_SYMBOL(pvclock);
