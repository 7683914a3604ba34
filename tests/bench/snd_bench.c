/*
 * snd_bench — the sound path end to end: guests' playback through pvhv and
 * pvbackd's ALSA host side, next to a plain process playing the same
 * stream straight into the same kind of ALSA PCM, in the same run.
 *
 * Setup.  A real pvhv (tests/integration's harness), pvbackd --backends
 * snd --snd-host alsa, and process guests running guest_snd_bench (one
 * vsnd card, one playback stream each: 48 kHz, stereo, S16_LE, periods of
 * 240 frames = 5 ms, a buffer of 4 periods; 3 periods sent at once, then
 * each period as one WRITE at its deadline by the guest's own clock, one
 * period of the buffer free for it).  Every guest stream is routed
 * by its unique-id (alsa:benchN_I) to a PCM of its own: pvclock
 * (tests/unit/snd_alsa/pvclock.h), an ALSA plugin PCM that plays in real
 * time with no sound card, underruns when it is fed late, and takes the
 * time when a marked frame passes through snd_pcm_writei().  The guest
 * writes CLOCK_MONOTONIC into a marker at the start of every period just
 * before it sends the WRITE, so
 *
 *     latency = time in snd_pcm_writei() (in pvbackd) - time of the WRITE
 *
 * (the ring, the event channel through pvhv, sndback, the host side's
 * FIFO and mixer, until libasound has the frames).  The baseline is a
 * child of this program that opens the same number of pvclock PCMs
 * (baseN_I) with the host side's hardware parameters and writes the same
 * marked stream at the same pace with snd_pcm_writei(): the cost of
 * playing sound at all, without virtualization.  Both run at the same
 * time, so a busy machine hits both alike.
 *
 * Phases: 1 stream for a quarter of the time, then 4 streams for the
 * whole time (default 60 s), then 1 stream paced by the device for a
 * quarter: the guest keeps its buffer full, sending each period as soon
 * as the backend's position events make room (the baseline: as soon as
 * the PCM has room), so latency shows what waits in the backend when the
 * device, not the guest, sets the pace; last 4 streams mixed into one PCM
 * for a quarter (the first guest's tone and marks, the others' silence,
 * so the sum is the first guest's stream: the mixer waits for the
 * slowest stream before it writes, and its latency shows here).  For each: CPU of pvbackd per stream (its
 * on-CPU time over the phase from /proc/PID/schedstat, in nanoseconds;
 * utime + stime of /proc/PID/stat, in 10 ms ticks, where that is missing;
 * pvhv's is printed beside it, the guests' own is not counted) against the baseline process's per
 * stream; latency p50/p99/max against 2 periods; xruns (the PCMs' own
 * count of underruns, and the host side's "underrun" lines in pvbackd's
 * log); the guests' own late periods (a guest more than a period behind
 * its deadline makes the PCM run dry whatever the backend does).
 *
 * With --rt, pvbackd, the guests and the baseline run at SCHED_FIFO, as
 * audio daemons do: on a shared machine ordinary processes are late now
 * and then by more than the guests' 10-15 ms of slack, and every late period
 * makes a PCM underrun, the baseline's as much as pvbackd's.
 *
 * Targets (the issue's): latency p99 <= 2 periods, no xrun in the 4-stream
 * phase.  Each is printed PASS or MISS; the exit status is 0 whatever they
 * say, 1 only when something did not run.
 */
#include "bench_proc.h"
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dirent.h>
#include <sched.h>

#include <alsa/asoundlib.h>

#include "pvclock.h"

#define RATE	   48000u
#define PERIOD	   240u /* frames: 5 ms */
#define PERIODS	   4u
/* periods primed; with the first one due at once, 3 of the 4 periods go at
 * the start: 10-15 ms of slack, and room for the next period when it is
 * due (4 would fill the guest's buffer, and each next write would wait in
 * the guest for a position event) */
#define PRIME	   2u
#define MAX_STREAMS 8u

static struct hvt t;
static pid_t backd;
static char conf[400], blog[400];
static int rt_prio; /* --rt: SCHED_FIFO priority, 0: ordinary */
static int rt_failed;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void nap_ms(unsigned int ms)
{
	struct timespec ts = {(time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000};

	nanosleep(&ts, NULL);
}



/* ---- --rt: real-time scheduling, as audio daemons get it --------------------- */

/* Every thread of @pid to SCHED_FIFO rt_prio (nothing without --rt). */
static void rt_set(pid_t pid)
{
	struct sched_param sp = {.sched_priority = rt_prio};
	struct dirent *e;
	char path[64];
	DIR *d;

	if (!rt_prio)
		return;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d) {
		rt_failed++;
		return;
	}
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' &&
		    sched_setscheduler(atoi(e->d_name), SCHED_FIFO, &sp))
			rt_failed++;
	closedir(d);
}

/* pvhv's children: the guests. */
static void rt_guests(void)
{
	struct dirent *e;
	DIR *d;

	if (!rt_prio || !(d = opendir("/proc")))
		return;
	while ((e = readdir(d))) {
		char path[64], buf[512], *p;
		int ppid = 0;
		FILE *f;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.32s/stat", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		fclose(f);
		if (p && sscanf(p + 2, "%*c %d", &ppid) == 1 && ppid == t.pid)
			rt_set(atoi(e->d_name));
	}
	closedir(d);
}

/* ---- the ALSA configuration ----------------------------------------------- */

static int write_conf(void)
{
	FILE *f;

	snprintf(conf, sizeof(conf), "%s/snd_bench.conf", t.rundir);
	f = fopen(conf, "w");
	if (!f)
		return -errno;
	fprintf(f, "pcm_type.pvclock { lib \"%s\" }\n", PVCLOCK_LIB);
	fprintf(f, "pcm.null { type null }\n");
	for (unsigned int p = 0; p < 4; p++)
		for (unsigned int i = 0; i < (p == 1 ? 4u : 1u); i++) {
			const char *tag = p == 0   ? "1"
					  : p == 1 ? "4"
					  : p == 2 ? "d1"
						   : "m4";

			fprintf(f,
				"pcm.bench%s_%u { type pvclock stats "
				"\"%s/bench%s_%u.stats\" }\n",
				tag, i, t.rundir, tag, i);
			fprintf(f,
				"pcm.base%s_%u { type pvclock stats "
				"\"%s/base%s_%u.stats\" }\n",
				tag, i, t.rundir, tag, i);
		}
	fclose(f);
	return 0;
}

static struct pvclock_stats *stats_map(const char *name)
{
	char path[400];
	void *p;
	int fd;

	snprintf(path, sizeof(path), "%s/%s.stats", t.rundir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	p = mmap(NULL, sizeof(struct pvclock_stats), PROT_READ, MAP_SHARED, fd,
		 0);
	close(fd);
	if (p == MAP_FAILED)
		return NULL;
	if (((struct pvclock_stats *)p)->magic != PVCLOCK_MAGIC) {
		munmap(p, sizeof(struct pvclock_stats));
		return NULL;
	}
	return p;
}

/* ---- pvbackd ------------------------------------------------------------------ */

static int count_lines(const char *path, const char *what)
{
	char line[512];
	int n = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, what) != NULL;
	fclose(f);
	return n;
}

/* $SND_BENCH_PVBACKD, to compare another build, else this build's. */
static const char *backd_bin(void)
{
	const char *bin = getenv("SND_BENCH_PVBACKD");

	return bin && *bin ? bin : PVBACKD_BIN;
}

static int backd_start(void)
{
	snprintf(blog, sizeof(blog), "%s/pvbackd.log", t.rundir);
	backd = fork();
	if (backd < 0)
		return -errno;
	if (backd == 0) {
		int fd = open(blog, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		setenv("ALSA_CONFIG_PATH", conf, 1);
		execl(backd_bin(), "pvbackd", "--rundir", t.rundir,
		      "--backends", "snd", "--snd-host", "alsa:null",
		      "--verbose", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 2000; i++) {
		if (count_lines(blog, "pvbackd: ready") > 0)
			return 0;
		if (waitpid(backd, NULL, WNOHANG) == backd) {
			backd = 0;
			return -ECHILD;
		}
		nap_ms(5);
	}
	return -ETIMEDOUT;
}

/* ---- the baseline: a plain process on the same kind of PCM --------------- */

static volatile sig_atomic_t base_stop;

static void on_term(int sig)
{
	(void)sig;
	base_stop = 1;
}

/* The host side's hardware and software parameters (host_alsa.c). */
static int base_open(snd_pcm_t **pcm, const char *name)
{
	snd_pcm_hw_params_t *hw;
	snd_pcm_sw_params_t *sw;
	snd_pcm_uframes_t period = PERIOD, buffer = PERIOD * PERIODS;
	int err;

	err = snd_pcm_open(pcm, name, SND_PCM_STREAM_PLAYBACK,
			   SND_PCM_NONBLOCK);
	if (err)
		return err;
	snd_pcm_hw_params_alloca(&hw);
	snd_pcm_sw_params_alloca(&sw);
	err = snd_pcm_hw_params_any(*pcm, hw);
	err = err < 0 ? err
		      : snd_pcm_hw_params_set_access(
			    *pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED);
	err = err < 0 ? err
		      : snd_pcm_hw_params_set_format(*pcm, hw,
						     SND_PCM_FORMAT_S16_LE);
	err = err < 0 ? err : snd_pcm_hw_params_set_channels(*pcm, hw, 2);
	err = err < 0 ? err : snd_pcm_hw_params_set_rate(*pcm, hw, RATE, 0);
	err = err < 0 ? err
		      : snd_pcm_hw_params_set_period_size_near(*pcm, hw,
							       &period, NULL);
	err = err < 0 ? err
		      : snd_pcm_hw_params_set_buffer_size_near(*pcm, hw,
							       &buffer);
	err = err < 0 ? err : snd_pcm_hw_params(*pcm, hw);
	err = err < 0 ? err : snd_pcm_sw_params_current(*pcm, sw);
	err = err < 0 ? err
		      : snd_pcm_sw_params_set_start_threshold(*pcm, sw, period);
	err = err < 0 ? err : snd_pcm_sw_params_set_avail_min(*pcm, sw, period);
	err = err < 0 ? err : snd_pcm_sw_params(*pcm, sw);
	err = err < 0 ? err : snd_pcm_prepare(*pcm);
	return err < 0 ? err : 0;
}

/* The child: n PCMs, one marked period each at every deadline, until
 * SIGTERM.  Exit status: 0, or 2 when a PCM would not open. */
static _Noreturn void baseline(unsigned int n, const char *tag, int device)
{
	snd_pcm_t *pcm[MAX_STREAMS];
	static int16_t chunk[2 * PERIOD];
	uint64_t t0, k, k0 = 0;
	char name[32];

	signal(SIGTERM, on_term);
	rt_set(getpid());
	setenv("ALSA_CONFIG_PATH", conf, 1);
	for (unsigned int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "base%s_%u", tag, i);
		if (base_open(&pcm[i], name)) {
			fprintf(stderr, "baseline: cannot open %s\n", name);
			_exit(2);
		}
	}
	for (unsigned int i = 0; i < PERIOD; i++) {
		int16_t v = (int16_t)lrint(8191.0 * sin(2.0 * M_PI * 400.0 *
							(double)i / RATE));
		chunk[2 * i] = v;
		chunk[2 * i + 1] = v;
	}
	t0 = now_ns();
	for (k = 0; device && !base_stop; k++) {
		/* paced by the PCM: a period whenever it has room for one */
		snd_pcm_sframes_t w;

		if (snd_pcm_avail_update(pcm[0]) < (snd_pcm_sframes_t)PERIOD &&
		    snd_pcm_state(pcm[0]) == SND_PCM_STATE_RUNNING) {
			snd_pcm_wait(pcm[0], 100);
			continue;
		}
		pvclock_mark(chunk, now_ns() / 1000u);
		w = snd_pcm_writei(pcm[0], chunk, PERIOD);
		if (w == -EPIPE || w == -ESTRPIPE)
			snd_pcm_recover(pcm[0], (int)w, 1);
	}
	for (k = 0; !base_stop; k++) {
		if (k - k0 >= PRIME) {
			uint64_t due = t0 + (k - k0 - PRIME) * PERIOD *
						1000000000ull / RATE;
			struct timespec ts = {(time_t)(due / 1000000000u),
					      (long)(due % 1000000000u)};

			if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
					    NULL) == EINTR)
				continue;
			/* a buffer behind: start again, as the guests do */
			if (now_ns() - due >
			    PERIODS * PERIOD * 1000000000ull / RATE) {
				t0 = now_ns();
				k0 = k;
			}
		}
		for (unsigned int i = 0; i < n; i++) {
			snd_pcm_sframes_t w;

			pvclock_mark(chunk, now_ns() / 1000u);
			w = snd_pcm_writei(pcm[i], chunk, PERIOD);
			if (w == -EPIPE || w == -ESTRPIPE)
				snd_pcm_recover(pcm[i], (int)w, 1);
		}
	}
	for (unsigned int i = 0; i < n; i++)
		snd_pcm_close(pcm[i]);
	_exit(0);
}

/* ---- one phase ------------------------------------------------------------- */

struct lat {
	uint64_t n, over, bad, xruns, frames;
	double p50, p99, max; /* ms */
	uint64_t hist[PVCLOCK_BINS];
	int64_t max_us;
};

static int lat_add(struct lat *l, const char *name)
{
	struct pvclock_stats *s = stats_map(name);

	if (!s)
		return -ENOENT;
	for (unsigned int i = 0; i < PVCLOCK_BINS; i++)
		l->hist[i] += s->hist[i];
	l->n += s->markers;
	l->over += s->over;
	l->bad += s->bad;
	l->xruns += s->xruns;
	l->frames += s->frames;
	if (s->max_us > l->max_us)
		l->max_us = s->max_us;
	munmap(s, sizeof(*s));
	return 0;
}

static double lat_pct(const struct lat *l, double q)
{
	uint64_t want = (uint64_t)ceil(q * (double)l->n), seen = 0;

	for (unsigned int i = 0; i < PVCLOCK_BINS; i++) {
		seen += l->hist[i];
		if (seen >= want && want)
			return (i + 0.5) * PVCLOCK_BIN_US / 1000.0;
	}
	return (double)l->max_us / 1000.0;
}

static void lat_done(struct lat *l)
{
	l->p50 = lat_pct(l, 0.50);
	l->p99 = lat_pct(l, 0.99);
	l->max = (double)l->max_us / 1000.0;
}

struct phase {
	unsigned int n;
	const char *tag; /* PCM names: bench<tag>_<i>, base<tag>_<i> */
	int device;	 /* guests paced by the device, not their clock */
	int mix;	 /* every guest on one PCM (bench<tag>_0), mixed */
	double secs;
	double cpu_backd, cpu_hv, cpu_base; /* seconds of CPU in the window */
	double window;			    /* seconds */
	struct lat virt, base;
	unsigned long late, played, resync, maxwrite_us;
	int xrun_lines;
	int ok;
};

static int phase_run(struct phase *ph)
{
	domid_t dom[MAX_STREAMS];
	char name[32], cfg[512], cmd[128], line[256];
	double b0, b1, h0, h1, c0, c1;
	uint64_t w0;
	pid_t base;
	int status, rc, lines0;

	lines0 = count_lines(blog, "underrun");
	base = fork();
	if (base < 0)
		return -errno;
	if (base == 0) /* mixed: the baseline plays the mix, one stream */
		baseline(ph->mix ? 1 : ph->n, ph->tag, ph->device);
	for (unsigned int i = 0; i < ph->n; i++) {
		/* mixed: the first guest's tone and marks, the others'
		 * silence, so the sum is the first guest's stream */
		snprintf(cmd, sizeof(cmd),
			 "ms=%lu period=%u periods=%u prime=%u%s%s",
			 (unsigned long)(ph->secs * 1000) + 1500 * ph->n,
			 PERIOD, PERIODS, PRIME,
			 ph->device ? " pace=device" : "",
			 ph->mix && i ? " silent" : "");
		snprintf(name, sizeof(name), "snd%s_%u", ph->tag, i);
		snprintf(cfg, sizeof(cfg),
			 "vsnd = [ [ \"CARD, short-name=Bench, "
			 "sample-rates=48000, sample-formats=s16_le\", "
			 "\"PCM, name=p0\", \"STREAM, unique-id=alsa:bench%s_%u, "
			 "type=p\" ] ]\n",
			 ph->tag, ph->mix ? 0 : i);
		rc = hvt_create(&t, name, "guest_snd_bench", cmd, cfg, &dom[i]);
		if (rc) {
			fprintf(stderr, "create %s: %d\n", name, rc);
			return rc;
		}
	}
	for (unsigned int i = 0; i < ph->n; i++) {
		rc = hvt_console_expect(&t, dom[i], "PLAYING", line,
					sizeof(line), 30000);
		if (rc) {
			fprintf(stderr, "guest %u did not start playing\n", i);
			return rc;
		}
	}
	rt_guests();
	/* the window: every guest plays, the baseline too */
	w0 = now_ns();
	b0 = bench_proc_cpu_s(backd);
	h0 = bench_proc_cpu_s(t.pid);
	c0 = bench_proc_cpu_s(base);
	nap_ms((unsigned int)(ph->secs * 1000));
	b1 = bench_proc_cpu_s(backd);
	h1 = bench_proc_cpu_s(t.pid);
	c1 = bench_proc_cpu_s(base);
	ph->window = (double)(now_ns() - w0) / 1e9;
	ph->cpu_backd = b1 - b0;
	ph->cpu_hv = h1 - h0;
	ph->cpu_base = c1 - c0;
	for (unsigned int i = 0; i < ph->n; i++) {
		rc = hvt_console_expect(&t, dom[i], "PLAYED", line,
					sizeof(line),
					(int)(ph->secs * 1000) + 60000);
		if (rc) {
			fprintf(stderr, "guest %u did not finish\n", i);
			return rc;
		}
		ph->late += (unsigned long)hvt_field(line, "late");
		ph->played += (unsigned long)hvt_field(line, "periods");
		ph->resync += (unsigned long)hvt_field(line, "resync");
		if ((unsigned long)hvt_field(line, "maxwrite_us") >
		    ph->maxwrite_us)
			ph->maxwrite_us =
			    (unsigned long)hvt_field(line, "maxwrite_us");
		hvt_console_expect(&t, dom[i], "DONE", line, sizeof(line),
				   10000);
		pvhv_domain_destroy(t.h, dom[i]);
	}
	kill(base, SIGTERM);
	waitpid(base, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "baseline ended with status %#x\n", status);
		return -EIO;
	}
	for (unsigned int i = 0; i < (ph->mix ? 1 : ph->n); i++) {
		snprintf(name, sizeof(name), "bench%s_%u", ph->tag, i);
		if (lat_add(&ph->virt, name))
			return -ENOENT;
		snprintf(name, sizeof(name), "base%s_%u", ph->tag, i);
		if (lat_add(&ph->base, name))
			return -ENOENT;
	}
	lat_done(&ph->virt);
	lat_done(&ph->base);
	ph->xrun_lines = count_lines(blog, "underrun") - lines0;
	ph->ok = 1;
	return 0;
}

static void phase_print(const struct phase *ph)
{
	double per = (double)PERIOD * 1000.0 / RATE;
	double cv = ph->cpu_backd / ph->window / ph->n * 100.0;
	double ch = ph->cpu_hv / ph->window / ph->n * 100.0;
	double cb = ph->cpu_base / ph->window / ph->n * 100.0;

	printf("\n%u stream%s%s, %.1f s window (48 kHz S16 stereo, period %u "
	       "frames = %.1f ms, buffer %u periods):\n",
	       ph->n, ph->n > 1 ? "s" : "",
	       ph->device ? " paced by the device"
	       : ph->mix  ? " mixed into one PCM (marks on the first)"
			  : "",
	       ph->window, PERIOD, per, PERIODS);
	printf("  CPU per stream: pvbackd %.3f%%  (pvhv %.3f%%)  baseline "
	       "%.3f%%  ratio pvbackd/baseline %.2f\n",
	       cv, ch, cb, cb > 0 ? cv / cb : 0.0);
	printf("  latency WRITE -> snd_pcm_writei, ms:  p50 %.3f  p99 %.3f  "
	       "max %.3f  (%llu marks, %llu past 200 ms, %llu bad)\n",
	       ph->virt.p50, ph->virt.p99, ph->virt.max,
	       (unsigned long long)ph->virt.n,
	       (unsigned long long)ph->virt.over,
	       (unsigned long long)ph->virt.bad);
	printf("  baseline write -> snd_pcm_writei, ms: p50 %.3f  p99 %.3f  "
	       "max %.3f  (%llu marks)\n",
	       ph->base.p50, ph->base.p99, ph->base.max,
	       (unsigned long long)ph->base.n);
	printf("  xruns: pvbackd's PCMs %llu (log lines %d), baseline's "
	       "%llu\n  guests: %lu of %lu periods sent late, %lu restarts "
	       "after a buffer late, longest write %.3f ms\n",
	       (unsigned long long)ph->virt.xruns, ph->xrun_lines,
	       (unsigned long long)ph->base.xruns, ph->late, ph->played,
	       ph->resync, ph->maxwrite_us / 1000.0);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: snd_bench [--seconds N] [--quick] [--rt[=P]]\n"
		"\n"
		"Guests' sound through pvhv and pvbackd's ALSA host side, next\n"
		"to a plain process playing the same stream into the same kind\n"
		"of PCM, both at once.  Guests (guest_snd_bench) play 48 kHz\n"
		"S16 stereo in 5 ms periods (240 frames), one WRITE a period,\n"
		"each period marked with the time it was sent; pvclock (an ALSA\n"
		"plugin PCM with a real-time clock, no sound card) takes the\n"
		"time when the mark passes snd_pcm_writei().  Phases: 1 stream\n"
		"for a quarter of N seconds, 4 streams for N, then 1 stream\n"
		"paced by the device (buffer kept full, a period sent as soon\n"
		"as position events make room) for a quarter, then 4 streams\n"
		"mixed into one PCM (marks on the first) for a quarter.\n"
		"\n"
		"Prints per phase: CPU per stream of pvbackd (/proc/PID/\n"
		"schedstat, else /proc/PID/stat; pvhv's beside it) and of the\n"
		"baseline; latency p50/p99/max against 2 periods; xruns\n"
		"of the PCMs (underruns) and of the guests (late periods).\n"
		"Then ratios and PASS/MISS for the targets: p99 <= 2\n"
		"periods; no xrun with 4 streams.\n"
		"\n"
		"  --seconds N   the 4-stream phase's length (default 60)\n"
		"  --quick       a smoke run: 1 s, 2 s, 1 s, 1 s (ctest's);\n"
		"                its verdicts mean little\n"
		"  --rt[=P]      pvbackd, the guests and the baseline at\n"
		"                SCHED_FIFO priority P (10), as an audio daemon\n"
		"                runs: other load on the machine then cannot make\n"
		"                them late (needs CAP_SYS_NICE)\n"
		"  --help        this text\n"
		"\n"
		"Environment: SND_BENCH_PVBACKD=/path runs that pvbackd\n"
		"instead of this build's (to compare two builds, run by run).\n"
		"\n"
		"Exit status 0 whatever the verdicts; 1 when a part did not "
		"run.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"seconds", required_argument, NULL, 's'},
	    {"quick", no_argument, NULL, 'q'},
	    {"rt", optional_argument, NULL, 'r'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static struct phase one, four, dev, mix;
	struct phase *phases[4] = {&one, &four, &dev, &mix};
	double secs = 60, period_ms = (double)PERIOD * 1000.0 / RATE;
	int c, fails = 0, rc;

	while ((c = getopt_long(argc, argv, "s:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			rt_prio = optarg ? atoi(optarg) : 10;
			if (rt_prio < 1 || rt_prio > 99) {
				usage(stderr);
				return 2;
			}
			break;
		case 's':
			secs = atof(optarg);
			break;
		case 'q':
			secs = 2;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (secs <= 0) {
		usage(stderr);
		return 2;
	}
	one.n = 1;
	one.tag = "1";
	one.secs = secs >= 4 ? secs / 4 : secs / 2;
	four.n = 4;
	four.tag = "4";
	four.secs = secs;
	dev = one;
	dev.tag = "d1";
	dev.device = 1;
	mix = one;
	mix.n = 4;
	mix.tag = "m4";
	mix.mix = 1;
	if (hvt_start(&t, NULL)) {
		fprintf(stderr, "pvhv did not start\n");
		return 1;
	}
	rc = write_conf();
	if (!rc)
		rc = backd_start();
	if (rc) {
		fprintf(stderr, "pvbackd did not start: %s (log %s)\n",
			strerror(-rc), blog);
		hvt_stop(&t);
		return 1;
	}
	rt_set(backd);
	printf("snd_bench: pvhv + pvbackd --snd-host alsa (pvclock PCMs), "
	       "process guests; baseline: one plain process, same PCMs\n");
	if (rt_prio)
		printf("scheduling: SCHED_FIFO %d for pvbackd, the guests and the "
		       "baseline (--rt)\n",
		       rt_prio);
	else
		printf("scheduling: ordinary (no --rt)\n");
	if (strcmp(backd_bin(), PVBACKD_BIN))
		printf("pvbackd: %s\n", backd_bin());
	fflush(stdout);
	for (unsigned int i = 0; i < 4; i++) {
		if (phase_run(phases[i]) == 0)
			phase_print(phases[i]);
		else
			fails++;
		fflush(stdout);
	}
	printf("\n");
	for (unsigned int i = 0; i < 4; i++) {
		const struct phase *ph = phases[i];
		const char *what = ph->device ? " device-paced"
				   : ph->mix  ? " mixed"
					      : "";
		double cv = ph->cpu_backd / ph->window / ph->n;
		double cb = ph->cpu_base / ph->window / ph->n;

		if (!ph->ok)
			continue;
		printf("ratio %u stream%s%s latency p99/period: %.2f (target "
		       "<= 2.0) %s\n",
		       ph->n, ph->n > 1 ? "s" : "", what,
		       ph->virt.p99 / period_ms,
		       ph->virt.p99 <= 2 * period_ms ? "PASS" : "MISS");
		printf("ratio %u stream%s%s CPU per stream pvbackd/baseline: "
		       "%.2f\n",
		       ph->n, ph->n > 1 ? "s" : "", what, cb > 0 ? cv / cb : 0.0);
	}
	if (four.ok)
		printf("xruns with 4 streams over %.0f s: %llu (target 0) %s\n",
		       four.window, (unsigned long long)four.virt.xruns,
		       four.virt.xruns == 0 ? "PASS" : "MISS");
	if (four.ok && four.virt.xruns && (four.base.xruns || four.late))
		printf("NOTE: the guests sent %lu periods late and the plain "
		       "baseline underran %llu times in the same window: the "
		       "machine starved processes (try --rt)\n",
		       four.late, (unsigned long long)four.base.xruns);
	if (rt_failed)
		printf("NOTE: --rt could not be set on %d threads\n",
		       rt_failed);
	kill(backd, SIGTERM);
	waitpid(backd, NULL, 0);
	if (hvt_stop(&t))
		fails++;
	return fails ? 1 : 0;
}
