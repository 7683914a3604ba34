/*
 * tests/unit/test_snd_alsa.c — the sound backend's ALSA host side
 * (backends/snd/host_alsa.h) on real libasound, with no sound card: the
 * test configuration (tests/unit/snd_alsa/asound.conf, through
 * ALSA_CONFIG_PATH) has file and null PCMs.
 *
 * Playback goes through the host-side ops table (sndback_host_alsa), as
 * sndback drives it; capture through host_alsa.h.  Playback cases write
 * WAV files into $SND_ALSA_OUT (a build folder; the
 * ctest snd_alsa_tone_check then looks at them with numpy).  They also
 * check here, without numpy: length, pitch by Goertzel, and no gaps (no
 * step between neighbouring samples bigger than the sine's steepest).
 */
#include "unit.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include <pvkit/proto/sndif.h>
#include <pvkit/sndback.h>

#include "host_alsa.h"

#define RATE   48000
#define PERIOD 480

static const char *out_dir(void)
{
	const char *d = getenv("SND_ALSA_OUT");

	setenv("ALSA_CONFIG_PATH", SND_ALSA_CONF, 0);
	if (!d)
		d = "/tmp";
	mkdir(d, 0755);
	return d;
}

static const struct snd_alsa_params s16 = {RATE, 2, XENSND_PCM_FORMAT_S16_LE,
					   PERIOD, 0};

/* Frame @i of a stereo sine of @hz at @amp (of full scale), as @fmt. */
static void sine(void *dst, int fmt, double hz, double amp, size_t first,
		 size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		double v =
		    amp * sin(2 * M_PI * hz * (double)(first + i) / RATE);
		int16_t a = (int16_t)lrint(v * 32767);
		float f = (float)v;

		if (fmt == XENSND_PCM_FORMAT_S16_LE) {
			((int16_t *)dst)[2 * i] = a;
			((int16_t *)dst)[2 * i + 1] = a;
		} else {
			((float *)dst)[2 * i] = f;
			((float *)dst)[2 * i + 1] = f;
		}
	}
}

static void nap(void)
{
	struct timespec ts = {0, 2000000};

	nanosleep(&ts, NULL);
}

/* Plays @total frames on each of @n streams through the host-side ops,
 * as sndback would: writes while the buffer takes them, polls the
 * position (which services the PCM) between. */
static void play(void **st, const int *fmt, const double *hz, size_t n,
		 size_t total)
{
	const struct sndback_host_ops *ops = &sndback_host_alsa;
	size_t done[4] = {0}, i, left = n;
	float buf[2 * 256];

	for (i = 0; i < n; i++)
		assert_int_equal(ops->trigger(st[i], XENSND_OP_TRIGGER_START),
				 0);
	while (left) {
		left = 0;
		for (i = 0; i < n; i++) {
			size_t k =
			    total - done[i] < 256 ? total - done[i] : 256;
			size_t fb = fmt[i] == XENSND_PCM_FORMAT_S16_LE ? 4 : 8;

			/* as a guest would: no further ahead than its buffer */
			if (k &&
			    done[i] + k <= ops->position(st[i]) + 4 * PERIOD) {
				sine(buf, fmt[i], hz[i], 0.4, done[i], k);
				assert_int_equal(ops->write(st[i], buf, k * fb),
						 0);
				done[i] += k;
			}
			left += done[i] < total;
		}
		nap();
	}
	for (i = 0; i < n; i++)
		while (ops->position(st[i]) < total)
			nap();
}

static void info_params(struct sndback_stream_info *info,
			struct sndback_params *p, const char *uid, int fmt)
{
	memset(info, 0, sizeof(*info));
	info->unique_id = uid;
	p->rate = RATE;
	p->format = (uint8_t)fmt;
	p->channels = 2;
	p->frame_bytes = fmt == XENSND_PCM_FORMAT_S16_LE ? 4 : 8;
	p->period_bytes = PERIOD * p->frame_bytes;
	p->buffer_bytes = 4 * p->period_bytes;
}

/* The samples of channel 0 of a 16-bit stereo WAV file. */
static int16_t *load_wav(const char *path, size_t *frames)
{
	FILE *f = fopen(path, "rb");
	unsigned char hdr[44];
	int16_t *pcm, *mono;
	long size;
	size_t i, n;

	assert_non_null(f);
	assert_int_equal(fread(hdr, 1, 44, f), 44);
	assert_memory_equal(hdr, "RIFF", 4);
	assert_memory_equal(hdr + 36, "data", 4);
	assert_int_equal(hdr[22], 2); /* channels */
	fseek(f, 0, SEEK_END);
	size = ftell(f) - 44;
	n = (size_t)size / 4;
	pcm = malloc(n * 4 + 4);
	mono = malloc(n * 2 + 2);
	assert_non_null(pcm);
	assert_non_null(mono);
	fseek(f, 44, SEEK_SET);
	assert_int_equal(fread(pcm, 4, n, f), n);
	fclose(f);
	for (i = 0; i < n; i++)
		mono[i] = pcm[2 * i];
	free(pcm);
	*frames = n;
	return mono;
}

/* Relative strength of @hz in @x (Goertzel), 0..~amp. */
static double tone(const int16_t *x, size_t n, double hz)
{
	double w = 2 * M_PI * hz / RATE, c = 2 * cos(w), s1 = 0, s2 = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		double s0 = x[i] / 32768.0 + c * s1 - s2;

		s2 = s1;
		s1 = s0;
	}
	return 2 * sqrt(s1 * s1 + s2 * s2 - c * s1 * s2) / (double)n;
}

static int max_step(const int16_t *x, size_t n)
{
	int m = 0;
	size_t i;

	for (i = 1; i < n; i++)
		m = abs(x[i] - x[i - 1]) > m ? abs(x[i] - x[i - 1]) : m;
	return m;
}

static void alsa_play_tone(void **state)
{
	const struct sndback_host_ops *ops = &sndback_host_alsa;
	struct sndback_stream_info info;
	struct sndback_params p;
	void *h, *s;
	char pcm[512], path[400];
	int fmt = XENSND_PCM_FORMAT_S16_LE;
	double hz = 440;
	size_t n;
	int16_t *x;

	(void)state;
	snprintf(path, sizeof(path), "%s/tone440.wav", out_dir());
	remove(path);
	snprintf(pcm, sizeof(pcm), "tofile:FILE=\"%s\"", path);
	assert_int_equal(ops->open(NULL, pcm, &h), 0);
	info_params(&info, &p, "0", fmt);
	assert_int_equal(ops->stream_open(h, &info, &p, &s), 0);
	play(&s, &fmt, &hz, 1, RATE);
	assert_int_equal(snd_alsa_stream_xruns(s), 0);
	ops->stream_close(s);
	ops->close(h);

	x = load_wav(path, &n);
	assert_true(n + PERIOD >= RATE && n <= RATE + PERIOD);
	assert_true(tone(x, n, 440) > 0.35);
	assert_true(tone(x, n, 430) < 0.05 && tone(x, n, 450) < 0.05);
	/* steepest step of 0.4 * sin at 440 Hz: 0.4 * 2pi * 440 / 48000 */
	assert_true(max_step(x, n) <=
		    (int)(0.4 * 32767 * 2 * M_PI * 440 / RATE) + 2);
	free(x);
}

static void alsa_mix_two(void **state)
{
	const struct sndback_host_ops *ops = &sndback_host_alsa;
	struct sndback_stream_info info;
	struct sndback_params p;
	void *h, *s[2];
	char pcm[512], path[400];
	int fmt[2] = {XENSND_PCM_FORMAT_S16_LE, XENSND_PCM_FORMAT_F32_LE};
	double hz[2] = {440, 660};
	size_t n;
	int16_t *x;

	(void)state;
	snprintf(path, sizeof(path), "%s/mix440_660.wav", out_dir());
	remove(path);
	/* a PCM with arguments is the admin's (the host side's default):
	 * a guest's unique-id may name plain PCMs only */
	snprintf(pcm, sizeof(pcm), "tofile:FILE=\"%s\"", path);
	assert_int_equal(ops->open(NULL, pcm, &h), 0);
	/* both guests' unique-id names the same PCM: one shared output, an
	 * S16 guest and a float guest */
	info_params(&info, &p, "guest", fmt[0]);
	assert_int_equal(ops->stream_open(h, &info, &p, &s[0]), 0);
	info_params(&info, &p, "guest", fmt[1]);
	assert_int_equal(ops->stream_open(h, &info, &p, &s[1]), 0);
	play(s, fmt, hz, 2, RATE);
	assert_int_equal(ops->position(s[0]), RATE);
	assert_int_equal(ops->position(s[1]), RATE);
	ops->stream_close(s[0]);
	ops->stream_close(s[1]);
	ops->close(h);

	x = load_wav(path, &n);
	assert_true(n + PERIOD >= RATE && n <= RATE + PERIOD);
	assert_true(tone(x, n, 440) > 0.35);
	assert_true(tone(x, n, 660) > 0.35);
	assert_true(tone(x, n, 550) < 0.05);
	free(x);
}

/* A guest's volume and mute (the ops table's volume): one stream at
 * -6 dB, the other muted, on one output. */
static void alsa_volume_mute(void **state)
{
	const struct sndback_host_ops *ops = &sndback_host_alsa;
	struct sndback_stream_info info;
	struct sndback_params p;
	int32_t half[2] = {-6021, -6021}, full[2] = {0, 0};
	bool on[2] = {false, false}, off[2] = {true, true};
	void *h, *s[2];
	char pcm[512], path[400];
	int fmt[2] = {XENSND_PCM_FORMAT_S16_LE, XENSND_PCM_FORMAT_S16_LE};
	double hz[2] = {440, 660};
	size_t n;
	int16_t *x;

	(void)state;
	snprintf(path, sizeof(path), "%s/volume.wav", out_dir());
	remove(path);
	/* a PCM with arguments is the admin's (the host side's default):
	 * a guest's unique-id may name plain PCMs only */
	snprintf(pcm, sizeof(pcm), "tofile:FILE=\"%s\"", path);
	assert_int_equal(ops->open(NULL, pcm, &h), 0);
	info_params(&info, &p, "guest", fmt[0]);
	assert_int_equal(ops->stream_open(h, &info, &p, &s[0]), 0);
	assert_int_equal(ops->stream_open(h, &info, &p, &s[1]), 0);
	ops->volume(s[0], half, on, 2);
	ops->volume(s[1], full, off, 2);
	play(s, fmt, hz, 2, RATE / 4);
	ops->stream_close(s[0]);
	ops->stream_close(s[1]);
	ops->close(h);

	x = load_wav(path, &n);
	assert_true(tone(x, n, 440) > 0.17 && tone(x, n, 440) < 0.23);
	assert_true(tone(x, n, 660) < 0.01);
	free(x);
}

static void alsa_capture_fanout(void **state)
{
	struct snd_alsa_params p32 = s16;
	struct snd_alsa_host *h;
	struct snd_alsa_stream *a, *b;
	char pcm[512], path[400];
	enum { N = 12000 };
	static int16_t want[2 * N], got[2 * N];
	static int32_t got32[2 * N];
	size_t i, na = 0, nb = 0;
	int rounds = 0;
	FILE *f;

	(void)state;
	p32.format = XENSND_PCM_FORMAT_S32_LE;
	snprintf(path, sizeof(path), "%s/capture_in.raw", out_dir());
	for (i = 0; i < 2 * N; i++)
		want[i] = (int16_t)(i * 7919 + 3);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(want, sizeof(want), 1, f), 1);
	fclose(f);
	snprintf(pcm, sizeof(pcm), "fromfile:INFILE=\"%s\"", path);
	assert_int_equal(snd_alsa_host_new(pcm, &h), 0);
	assert_int_equal(
	    snd_alsa_stream_open(h, NULL, SND_ALSA_CAPTURE, &s16, &a), 0);
	assert_int_equal(
	    snd_alsa_stream_open(h, NULL, SND_ALSA_CAPTURE, &p32, &b), 0);
	while ((na < N || nb < N) && rounds++ < 10000) {
		nap();
		snd_alsa_stream_pump(a);
		na += snd_alsa_stream_read(a, got + 2 * na, N - na);
		nb += snd_alsa_stream_read(b, got32 + 2 * nb, N - nb);
	}
	assert_int_equal(na, N);
	assert_int_equal(nb, N);
	assert_memory_equal(got, want, sizeof(want));
	for (i = 0; i < 2 * N; i++)
		assert_int_equal(got32[i], (int32_t)want[i] * 65536);
	assert_true(snd_alsa_stream_position(a) >= N);
	snd_alsa_stream_close(a, 0);
	snd_alsa_stream_close(b, 0);
	snd_alsa_host_free(h);
}

/* A reader that stops reading loses what does not fit its FIFO; the
 * other reader on the same PCM still gets everything. */
static void alsa_capture_stalled_reader(void **state)
{
	struct snd_alsa_host *h;
	struct snd_alsa_stream *a, *b;
	char pcm[512], path[400];
	enum { N = 6000 };
	static int16_t want[2 * N], got[2 * N];
	size_t i, na = 0;
	int rounds = 0;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/capture_stall.raw", out_dir());
	for (i = 0; i < 2 * N; i++)
		want[i] = (int16_t)(i * 4099 + 11);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(want, sizeof(want), 1, f), 1);
	fclose(f);
	snprintf(pcm, sizeof(pcm), "fromfile:INFILE=\"%s\"", path);
	assert_int_equal(snd_alsa_host_new(pcm, &h), 0);
	assert_int_equal(
	    snd_alsa_stream_open(h, NULL, SND_ALSA_CAPTURE, &s16, &a), 0);
	assert_int_equal(
	    snd_alsa_stream_open(h, NULL, SND_ALSA_CAPTURE, &s16, &b), 0);
	while (na < N && rounds++ < 10000) {
		nap();
		snd_alsa_stream_pump(a);
		na += snd_alsa_stream_read(a, got + 2 * na, N - na);
	}
	assert_int_equal(na, N);
	assert_memory_equal(got, want, sizeof(want));
	assert_int_equal(snd_alsa_stream_dropped(a), 0);
	assert_int_equal(snd_alsa_stream_queued(b), 4 * PERIOD);
	assert_true(snd_alsa_stream_dropped(b) >= N - 4 * PERIOD);
	snd_alsa_host_free(h); /* closes both */
}

static void alsa_route_and_refuse(void **state)
{
	struct snd_alsa_params p = s16;
	struct snd_alsa_host *h;
	struct snd_alsa_stream *s, *t;

	(void)state;
	out_dir();
	assert_int_equal(snd_alsa_host_new(NULL, &h), 0);
	assert_string_equal(snd_alsa_route(h, NULL), "default");
	assert_string_equal(snd_alsa_route(h, ""), "default");
	assert_string_equal(snd_alsa_route(h, "null"), "default");
	assert_string_equal(snd_alsa_route(h, "alsa:"), "default");
	assert_string_equal(snd_alsa_route(h, "alsa:null"), "null");
	p.format = XENSND_PCM_FORMAT_MU_LAW;
	assert_int_equal(
	    snd_alsa_stream_open(h, "alsa:null", SND_ALSA_PLAYBACK, &p, &s),
	    -EINVAL);
	assert_int_equal(
	    snd_alsa_stream_open(h, "alsa:null", SND_ALSA_PLAYBACK, &s16, &s),
	    0);
	p = s16;
	p.rate = 44100; /* the shared output runs at 48000: no resampler */
	assert_int_equal(
	    snd_alsa_stream_open(h, "alsa:null", SND_ALSA_PLAYBACK, &p, &t),
	    -EINVAL);
	assert_true(snd_alsa_stream_open(h, "alsa:no_such_pcm",
					 SND_ALSA_PLAYBACK, &s16, &t) < 0);
	/* a guest's route names a plain PCM, never one with arguments */
	assert_string_equal(snd_alsa_route(h, "alsa:my-pcm_2.out"),
			    "my-pcm_2.out");
	assert_null(snd_alsa_route(h, "alsa:file:FILE=/tmp/x"));
	assert_null(snd_alsa_route(h, "alsa:hw:0,0"));
	assert_null(snd_alsa_route(h, "alsa:tofile:FILE=\"/tmp/x\""));
	assert_null(snd_alsa_route(h, "alsa:null "));
	assert_null(snd_alsa_route(h, "alsa:{type file}"));
	assert_int_equal(snd_alsa_stream_open(h, "alsa:file:FILE=/tmp/x",
					      SND_ALSA_PLAYBACK, &s16, &t),
			 -EINVAL);
	/* the host side closes what is still open */
	snd_alsa_host_free(h);
}

/* A guest that stops writing for longer than the buffer, then goes on;
 * pause and stop.  (The null PCM never reports an xrun, so the recovery
 * itself runs only on real devices: tests/vm's snd-dummy/snd-aloop.) */
static void alsa_late_guest_trigger(void **state)
{
	const struct sndback_host_ops *ops = &sndback_host_alsa;
	struct sndback_stream_info info;
	struct sndback_params p;
	struct timespec late = {0, 150000000}; /* buffer: 4 x 10 ms */
	static int16_t buf[2 * 2 * PERIOD];
	void *h, *s;
	int i;

	(void)state;
	out_dir();
	assert_int_equal(ops->open(NULL, "null", &h), 0);
	info_params(&info, &p, NULL, XENSND_PCM_FORMAT_S16_LE);
	assert_int_equal(ops->stream_open(h, &info, &p, &s), 0);
	assert_int_equal(ops->trigger(s, XENSND_OP_TRIGGER_START), 0);
	assert_int_equal(ops->write(s, buf, sizeof(buf)), 0);
	assert_int_equal(ops->position(s), 2 * PERIOD);
	nanosleep(&late, NULL);
	assert_int_equal(ops->write(s, buf, sizeof(buf)), 0);
	for (i = 0; i < 100 && ops->position(s) < 4 * PERIOD; i++)
		nap();
	assert_int_equal(ops->position(s), 4 * PERIOD);
	/* pause keeps the stream out of the mix; stop forgets its FIFO */
	assert_int_equal(ops->trigger(s, XENSND_OP_TRIGGER_PAUSE), 0);
	assert_int_equal(ops->write(s, buf, sizeof(buf)), 0);
	assert_int_equal(ops->position(s), 4 * PERIOD);
	assert_int_equal(snd_alsa_stream_queued(s), 2 * PERIOD);
	assert_int_equal(ops->trigger(s, XENSND_OP_TRIGGER_STOP), 0);
	assert_int_equal(snd_alsa_stream_queued(s), 0);
	assert_int_equal(ops->trigger(s, 99), -EINVAL);
	ops->stream_close(s);
	ops->close(h);
}

/* Capture through the ops table: what the PCM recorded, then silence
 * while it has nothing new; nothing while not started. */
static void alsa_ops_capture(void **state)
{
	const struct sndback_host_ops *ops = &sndback_host_alsa;
	struct sndback_stream_info info;
	struct sndback_params p;
	static int16_t want[2 * PERIOD], got[2 * PERIOD];
	char pcm[512], path[400];
	void *h, *s;
	size_t i;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/capture_ops.raw", out_dir());
	for (i = 0; i < 2 * PERIOD; i++)
		want[i] = (int16_t)(i * 31 + 1);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(want, sizeof(want), 1, f), 1);
	fclose(f);
	snprintf(pcm, sizeof(pcm), "fromfile:INFILE=\"%s\"", path);
	assert_int_equal(ops->open(NULL, pcm, &h), 0);
	info_params(&info, &p, "mic", XENSND_PCM_FORMAT_S16_LE);
	info.capture = true;
	assert_int_equal(ops->stream_open(h, &info, &p, &s), 0);
	memset(got, 0x55, sizeof(got));
	assert_int_equal(ops->read(s, got, sizeof(got)), 0);
	for (i = 0; i < 2 * PERIOD; i++) /* not started: silence */
		assert_int_equal(got[i], 0);
	assert_int_equal(ops->position(s), 0);
	assert_int_equal(ops->trigger(s, XENSND_OP_TRIGGER_START), 0);
	assert_int_equal(ops->read(s, got, sizeof(got)), 0);
	assert_memory_equal(got, want, sizeof(want));
	assert_true(ops->position(s) >= PERIOD);
	ops->stream_close(s);
	ops->close(h);
}

/* A guest's unique-id naming a PCM with arguments, here the file PCMs
 * that would write wherever it says: its OPEN fails, no file appears. */
static void alsa_ops_route_refused(void **state)
{
	const struct sndback_host_ops *ops = &sndback_host_alsa;
	struct sndback_stream_info info;
	struct sndback_params p;
	char uid[512], path[400];
	void *h, *s = NULL;

	(void)state;
	snprintf(path, sizeof(path), "%s/refused.wav", out_dir());
	remove(path);
	assert_int_equal(ops->open(NULL, "null", &h), 0);
	snprintf(uid, sizeof(uid), "alsa:tofile:FILE=\"%s\"", path);
	info_params(&info, &p, uid, XENSND_PCM_FORMAT_S16_LE);
	assert_int_equal(ops->stream_open(h, &info, &p, &s), -EINVAL);
	snprintf(uid, sizeof(uid), "alsa:file:FILE=%s", path);
	info.unique_id = uid;
	assert_int_equal(ops->stream_open(h, &info, &p, &s), -EINVAL);
	assert_null(s);
	assert_int_equal(access(path, F_OK), -1);
	/* a plain name still routes */
	info.unique_id = "alsa:null";
	assert_int_equal(ops->stream_open(h, &info, &p, &s), 0);
	ops->stream_close(s);
	ops->close(h);
	assert_int_equal(access(path, F_OK), -1);
}

/* On a device with a clock (SND_ALSA_HW set: tests/vm's guest, where
 * snd-dummy is card 0), a guest late past its buffer underruns the PCM,
 * and a reader that stops reading overruns it; both are recovered,
 * counted, and the streams go on. */
static void alsa_hw_xrun(void **state)
{
	const struct sndback_host_ops *ops = &sndback_host_alsa;
	struct sndback_stream_info info;
	struct sndback_params p;
	struct timespec late = {0, 200000000}; /* buffer: 4 x 10 ms */
	static int16_t buf[2 * 2 * PERIOD];
	void *h, *s, *c;
	uint64_t at;
	int i;

	(void)state;
	out_dir();
	if (!getenv("SND_ALSA_HW"))
		skip(); /* no sound card here: run by vm_snd_alsa */
	assert_int_equal(ops->open(NULL, "dummyhw", &h), 0);
	info_params(&info, &p, NULL, XENSND_PCM_FORMAT_S16_LE);
	assert_int_equal(ops->stream_open(h, &info, &p, &s), 0);
	assert_int_equal(ops->trigger(s, XENSND_OP_TRIGGER_START), 0);
	assert_int_equal(ops->write(s, buf, sizeof(buf)), 0);
	nanosleep(&late, NULL);
	assert_int_equal(ops->write(s, buf, sizeof(buf)), 0);
	for (i = 0; i < 500 && ops->position(s) < 4 * PERIOD; i++)
		nap();
	assert_int_equal(ops->position(s), 4 * PERIOD);
	assert_true(snd_alsa_stream_xruns(s) >= 1);
	ops->stream_close(s);

	info.capture = true;
	assert_int_equal(ops->stream_open(h, &info, &p, &c), 0);
	assert_int_equal(ops->trigger(c, XENSND_OP_TRIGGER_START), 0);
	ops->position(c);
	nanosleep(&late, NULL); /* FIFO full, then the PCM overruns */
	for (i = 0; i < 5; i++) {
		assert_int_equal(ops->read(c, buf, sizeof(buf)), 0);
		nanosleep(&late, NULL);
	}
	at = ops->position(c);
	for (i = 0; i < 500 && ops->position(c) < at + 4 * PERIOD; i++) {
		assert_int_equal(ops->read(c, buf, sizeof(buf)), 0);
		nap();
	}
	assert_true(ops->position(c) >= at + 4 * PERIOD);
	assert_true(snd_alsa_stream_xruns(c) >= 1);
	ops->stream_close(c);
	ops->close(h);
}

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* A stream opened with period 0 (no position events, so sndback never
 * polls it) on a PCM with a clock (pvclock): what the PCM could not take
 * at the guest's write is fed by the host side's own timer on the event
 * loop as the clock plays, with no further call from sndback. */
static void alsa_period0_serviced(void **state)
{
	const struct sndback_host_ops *ops = &sndback_host_alsa;
	struct sndback_stream_info info;
	struct sndback_params p;
	static int16_t buf[2 * 8 * PERIOD];
	struct event_base *base;
	double t0, t_fed = -1;
	uint64_t pos = 0, first, played0;
	void *h, *s;

	(void)state;
	out_dir();
	base = event_base_new();
	assert_non_null(base);
	assert_int_equal(ops->open(base, "clock", &h), 0);
	info_params(&info, &p, NULL, XENSND_PCM_FORMAT_S16_LE);
	p.period_bytes = 0; /* the PCM's period: rate / 100 = PERIOD */
	assert_int_equal(ops->stream_open(h, &info, &p, &s), 0);
	assert_int_equal(ops->trigger(s, XENSND_OP_TRIGGER_START), 0);
	/* 8 periods: the PCM's buffer (4) takes half, the FIFO the rest */
	sine(buf, XENSND_PCM_FORMAT_S16_LE, 440, 0.4, 0, 8 * PERIOD);
	assert_int_equal(ops->write(s, buf, sizeof(buf)), 0);
	/* the PCM took its buffer's worth, and perhaps the few frames its
	 * clock played meanwhile (it starts within the write; a slow or
	 * loaded machine plays some) */
	first = snd_alsa_stream_handed(s);
	assert_true(first >= 4 * PERIOD && first < 6 * PERIOD);
	/* the position is what was played: the PCM has just started */
	played0 = snd_alsa_stream_position(s);
	assert_true(played0 < first);
	assert_int_equal(snd_alsa_stream_queued(s), 8 * PERIOD - first);
	/* only the loop from here on: no write, no position query */
	t0 = mono_ms();
	while (mono_ms() - t0 < 2000) {
		struct timeval tv = {0, 5000};

		event_base_loopexit(base, &tv);
		if (event_base_dispatch(base) == 1) /* no events at all */
			nap();
		pos = snd_alsa_stream_handed(s);
		if (pos > first && t_fed < 0)
			t_fed = mono_ms() - t0;
		if (pos == 8 * PERIOD)
			break;
	}
	printf("period 0: handed %llu of %u after %.1f ms (first feed "
	       "after %.1f ms, PCM clock %u frames a period), played %llu "
	       "at the start, %llu now, xruns %u\n",
	       (unsigned long long)pos, 8 * PERIOD, mono_ms() - t0, t_fed,
	       PERIOD, (unsigned long long)played0,
	       (unsigned long long)snd_alsa_stream_position(s),
	       snd_alsa_stream_xruns(s));
	assert_int_equal(pos, 8 * PERIOD);
	assert_int_equal(snd_alsa_stream_queued(s), 0);
	/* stopped: the tick goes (the loop ends with no event left) */
	assert_int_equal(ops->trigger(s, XENSND_OP_TRIGGER_STOP), 0);
	assert_int_equal(event_base_dispatch(base), 1);
	ops->stream_close(s);
	ops->close(h);
	event_base_free(base);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(alsa_play_tone),
    cmocka_unit_test(alsa_mix_two),
    cmocka_unit_test(alsa_volume_mute),
    cmocka_unit_test(alsa_capture_fanout),
    cmocka_unit_test(alsa_capture_stalled_reader),
    cmocka_unit_test(alsa_route_and_refuse),
    cmocka_unit_test(alsa_ops_route_refused),
    cmocka_unit_test(alsa_late_guest_trigger),
    cmocka_unit_test(alsa_ops_capture),
    cmocka_unit_test(alsa_hw_xrun),
    cmocka_unit_test(alsa_period0_serviced),
};

PV_UNIT_MAIN("snd_alsa", tests)
