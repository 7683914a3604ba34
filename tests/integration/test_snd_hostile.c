/*
 * test_snd_hostile — the sound backend against bad input, end to end: a
 * real pvhv, pvbackd --backends snd --snd-host wav:DIR, and a process guest
 * (guests/guest_snd_hostile.c) that speaks sndif by hand and sends what a
 * frontend never should, one act per case.  Every request it sends gets
 * its exact answer checked here (the tables below); after every case
 * pvbackd still runs, has not grown in descriptors, and a well-behaved
 * bystander guest (guests/guest_snd.c) plays a clean tone through it.
 *
 *   params    unsupported rate / format / channel count in HW_PARAM_QUERY
 *             and OPEN, a period over the buffer: -EINVAL, nothing opens
 *   bounds    WRITE/READ/volume ranges past the buffer, offset+length
 *             wrapping in 32 bits, a partial frame: -EINVAL
 *   grants    OPEN over bad page directories (never granted, revoked, 0,
 *             loops of one and two pages, a short chain): -EINVAL; a
 *             buffer over the store's buffer-size or SNDBACK_BUFFER_MAX:
 *             -E2BIG; then a good OPEN still works
 *   state     wrong stream states and directions: -EBADF, -EBUSY, -EPERM,
 *             -EINVAL as pvkit/sndback.h says
 *   unknown   operations sndif does not have: -ENOTSUP
 *   ringjunk  req_prod far beyond the ring: the device fails (backend
 *             error node, pvbackd's log), the others go on
 *   evtjunk   in_cons far beyond in_prod on the event page: the same
 *   stall     an event page never drained while a bystander plays: the
 *             page fills, the rest is dropped and counted (the backend's
 *             "dropped-events"), requests are still answered, events come
 *             again once the guest drains it
 *   race      WRITE requests rewritten in the ring slot while the backend
 *             handles them: each is carried out exactly once, as one of
 *             the two versions, never a mix (the WAV file shows it)
 *   flood     a guest refilling its ring as fast as it is answered, for
 *             8 s: every request answered, and a bystander plays its
 *             500 ms meanwhile (it does not wait for the flood to end)
 *   kick      a guest notifying its ring's port as fast as it can, with
 *             nothing on the ring, for 8 s: the same
 *   tree      stream trees the guest rewrote in its own directory before
 *             connecting (limits that are no list or number or allow
 *             nothing, a stream type that is none, no unique-id, a
 *             protocol version the backend does not speak): the device
 *             fails with an error node saying which stream and why
 *   rename    a guest rewriting its stream's unique-id in its own store
 *   addstream directory (the keys are guest-writable, as on Xen), or
 *             adding a stream of its own there, aimed at a running
 *             guest's file (its unique-id; "../<domid>-<unique-id>"):
 *             the victim's file keeps every byte, the hostile guest's
 *             WRITE lands in its own DIR/<domid>-<safe id>.wav, and no
 *             other WAV file changes
 *
 * The bystander's tone is checked here (pitch from zero crossings within
 * 1 Hz, level, no 2 ms of silence, exact length): no numpy needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <dirent.h>

#include "harness.h"

#define T_MS 30000

static struct hvt t;
static struct pvhv_store *st;
static pid_t backd;
static char blog[300], wavdir[300];
static unsigned int n_bystanders;
static int fds0;

static void nap(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

/* ---- pvbackd ------------------------------------------------------------- */

static unsigned int log_count(const char *pattern)
{
	char buf[4096];
	FILE *f = fopen(blog, "r");
	unsigned int n = 0;

	while (f && fgets(buf, sizeof(buf), f))
		n += strstr(buf, pattern) != NULL;
	if (f)
		fclose(f);
	return n;
}

static int backd_start(void)
{
	char host[320];
	pid_t pid;

	snprintf(host, sizeof(host), "wav:%s", wavdir);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = open(blog, O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (fd >= 0) {
			dup2(fd, 2);
			dup2(fd, 1);
		}
		execl(PVBACKD_BIN, "pvbackd", "--rundir", t.rundir,
		      "--backends", "snd", "--snd-host", host, "--verbose",
		      (char *)NULL);
		_exit(127);
	}
	backd = pid;
	for (int i = 0; i < 2000; i++) {
		if (log_count("pvbackd: ready"))
			return 0;
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			backd = 0;
			return -ECHILD;
		}
		nap(5);
	}
	return -ETIMEDOUT;
}

static void dump(domid_t dom);

/* ---- consoles ------------------------------------------------------------ */

static char con[1 << 18];

/* dom's console so far into con. */
static const char *console(domid_t dom)
{
	hvt_console(&t, dom, con, sizeof(con));
	return con;
}

static int wait_console(domid_t dom, const char *pattern, int timeout_ms)
{
	for (int ms = 0; ms <= timeout_ms; ms += 10, nap(10))
		if (strstr(console(dom), pattern))
			return 0;
	fprintf(stderr, "dom%u: no '%s' on its console\n", dom, pattern);
	dump(dom);
	return -ETIMEDOUT;
}

static void dump(domid_t dom)
{
	char cmd[400];
	size_t n = strlen(console(dom));

	fprintf(stderr, "--- the end of dom%u's console:\n%s\n", dom,
		con + (n > 3000 ? n - 3000 : 0));
	fprintf(stderr, "--- the end of pvbackd's log:\n");
	snprintf(cmd, sizeof(cmd), "tail -n 25 %s >&2", blog);
	if (system(cmd))
		fprintf(stderr, "(cannot show %s)\n", blog);
}

/* The line of dom's console that starts with "R label: " (console()
 * called first), or NULL. */
static const char *resp_line(const char *label)
{
	char pat[80];
	const char *p;

	snprintf(pat, sizeof(pat), "R %s: ", label);
	for (p = con; (p = strstr(p, pat)); p++)
		if (p == con || p[-1] == '\n')
			return p;
	return NULL;
}

/* ---- the backend's device nodes ----------------------------------------- */

static int back_read(domid_t dom, const char *key, char *buf, size_t len)
{
	char path[256];

	snprintf(path, sizeof(path), "/local/domain/0/backend/vsnd/%u/0/%s",
		 dom, key);
	return hvt_store_get(st, path, buf, len);
}

/* ---- guests -------------------------------------------------------------- */

#define HOSTILE_CFG                                                            \
	"vsnd = [ [ \"CARD, short-name=Hostile, "                              \
	"sample-rates=44100;48000, sample-formats=s16_le;s32_le, "             \
	"channels-min=1, channels-max=2\", \"PCM, name=h\", "                  \
	"\"STREAM, unique-id=%s-p, type=p\", "                                 \
	"\"STREAM, unique-id=%s-c, type=c, buffer-size=65536\" ] ]\n"

/* A hostile guest running act (cmdline); waits for its READY. */
static domid_t hostile(const char *act, const char *cmdline)
{
	char cfg[600], ready[64];
	domid_t dom;

	snprintf(cfg, sizeof(cfg), HOSTILE_CFG, act, act);
	assert_int_equal(hvt_create(&t, act, "guest_snd_hostile",
				    cmdline ? cmdline : act, cfg, &dom),
			 0);
	snprintf(ready, sizeof(ready), "HOSTILE %s READY", act);
	assert_int_equal(wait_console(dom, ready, 90000), 0);
	return dom;
}

/* Start a bystander playing ms of 440 Hz (48 kHz s16 stereo). */
static domid_t bystander_start(unsigned int ms, char *name, size_t len)
{
	char cfg[400], cmd[100];
	domid_t dom;

	snprintf(name, len, "by%u", n_bystanders++);
	snprintf(cfg, sizeof(cfg),
		 "vsnd = [ [ \"CARD, short-name=By, sample-rates=48000, "
		 "sample-formats=s16_le\", \"PCM, name=p0\", "
		 "\"STREAM, unique-id=%s, type=p\" ] ]\n",
		 name);
	snprintf(cmd, sizeof(cmd), "ms=%u rate=48000 ch=2 fmt=s16_le freq=440",
		 ms);
	assert_int_equal(hvt_create(&t, name, "guest_snd", cmd, cfg, &dom), 0);
	return dom;
}

/* The tone in a WAV file of 48 kHz s16 stereo: per channel the pitch
 * from its rising zero crossings (interpolated), the peak level, and the
 * longest run of silence (|x| < 4) inside it.  0 when every channel is
 * 440 Hz within 1 Hz, peaks at 50 % within 5 % and has no 2 ms gap. */
static int tone_check(const char *path, long *frames_out)
{
	FILE *f = fopen(path, "rb");
	int16_t fr[2];
	double first[2] = {-1, -1}, last[2] = {0, 0}, prev[2] = {0, 0};
	long ups[2] = {0, 0}, quiet[2] = {0, 0}, gap[2] = {0, 0}, k = 0;
	int peak[2] = {0, 0}, bad = 0;

	if (!f || fseek(f, 44, SEEK_SET)) {
		if (f)
			fclose(f);
		return -1;
	}
	for (; fread(fr, sizeof(fr), 1, f) == 1; k++)
		for (int c = 0; c < 2; c++) {
			double x = fr[c];

			if (k && prev[c] < 0 && x >= 0) {
				double tc =
				    (double)(k - 1) + -prev[c] / (x - prev[c]);
				if (first[c] < 0)
					first[c] = tc;
				last[c] = tc;
				ups[c]++;
			}
			prev[c] = x;
			if (abs(fr[c]) > peak[c])
				peak[c] = abs(fr[c]);
			quiet[c] = abs(fr[c]) < 4 ? quiet[c] + 1 : 0;
			if (quiet[c] > gap[c])
				gap[c] = quiet[c];
		}
	fclose(f);
	*frames_out = k;
	for (int c = 0; c < 2; c++) {
		double hz = ups[c] > 1 ? (double)(ups[c] - 1) * 48000.0 /
					     (last[c] - first[c])
				       : 0;
		double level = peak[c] / 32767.0;
		bool ok = hz > 439.0 && hz < 441.0 && level > 0.45 &&
			  level < 0.55 && gap[c] < 96;

		printf("  %s ch%d: %.2f Hz, peak %.3f of full scale, longest "
		       "silence %ld frames%s\n",
		       path, c, hz, level, gap[c], ok ? "" : "  <-- WRONG");
		bad += !ok;
	}
	return bad ? -1 : 0;
}

/* The bystander played its tone, whole and clean. */
static void bystander_check(domid_t dom, const char *name, unsigned int ms)
{
	char path[400];
	long want = 48000L * (long)ms / 1000, frames = 0;

	assert_int_equal(wait_console(dom, "DONE", T_MS), 0);
	snprintf(path, sizeof(path), "%s/%u-%s.wav", wavdir, dom, name);
	assert_int_equal(tone_check(path, &frames), 0);
	printf("  bystander %s: %ld frames (want %ld)\n", name, frames, want);
	assert_int_equal(frames, want);
	assert_int_equal(pvhv_domain_destroy(t.h, dom), 0);
	pvhv_domain_wait(t.h, dom, NULL);
}

/* pvbackd runs and a bystander plays. */
static void bystander_plays(void)
{
	char name[32];
	domid_t by;

	assert_int_equal(waitpid(backd, NULL, WNOHANG), 0);
	by = bystander_start(300, name, sizeof(name));
	bystander_check(by, name, 300);
}

/* Once the hostile guest is gone: pvbackd runs, a bystander plays, and
 * pvbackd has no more descriptors than at the start (the devices of the
 * guests gone are gone). */
static void all_is_well(void)
{
	int fds;

	bystander_plays();
	for (int ms = 0; ms < 5000; ms += 20, nap(20))
		if (hvt_count_fds(backd) <= fds0)
			break;
	fds = hvt_count_fds(backd);
	printf("  pvbackd: alive, %d fds (%d at the start), %ld KiB\n", fds,
	       fds0, hvt_rss_kib(backd));
	assert_true(fds <= fds0);
}

static void gone(domid_t dom)
{
	char v[16];

	assert_int_equal(pvhv_domain_destroy(t.h, dom), 0);
	pvhv_domain_wait(t.h, dom, NULL);
	for (int ms = 0; ms < T_MS; ms += 10, nap(10))
		if (back_read(dom, "state", v, sizeof(v)) == -ENOENT)
			return;
	fail_msg("dom%u: the backend kept its device", dom);
}

/* ---- expectations -------------------------------------------------------- */

struct want {
	const char *label;
	int status;
};

static const char *errname(int e)
{
	switch (-e) {
	case 0:
		return "0";
	case EINVAL:
		return "-EINVAL";
	case EBADF:
		return "-EBADF";
	case EBUSY:
		return "-EBUSY";
	case EPERM:
		return "-EPERM";
	case E2BIG:
		return "-E2BIG";
	case ENOTSUP:
		return "-ENOTSUP";
	default:
		return "?";
	}
}

/* Every label answered with exactly its status, in this order. */
static void expect(domid_t dom, const struct want *w, size_t n)
{
	const char *prev = NULL;
	unsigned int bad = 0;

	console(dom);
	for (size_t i = 0; i < n; i++) {
		const char *line = resp_line(w[i].label), *s;
		char got[32] = "missing";
		long v = 1;

		if (line && (s = strstr(line, "status="))) {
			char *end;

			sscanf(s + 7, "%31s", got);
			v = strtol(s + 7, &end, 10);
			if (end == s + 7)
				v = 1;
		}
		if (line && prev && line < prev)
			bad++, printf("  %-16s out of order\n", w[i].label);
		prev = line ? line : prev;
		printf("  %-16s got %-8s want %s (%d)%s\n", w[i].label, got,
		       errname(w[i].status), w[i].status,
		       v == w[i].status ? "" : "  <-- WRONG");
		if (v != w[i].status)
			bad++;
	}
	if (bad) {
		dump(dom);
		fail_msg("%u answers were not the documented ones", bad);
	}
}

#define EXPECT(dom, tab) expect(dom, tab, sizeof(tab) / sizeof(tab[0]))

/* ---- cases --------------------------------------------------------------- */

static void params(void **state)
{
	static const struct want w[] = {
	    {"q-good", 0},
	    {"q-rate", -EINVAL},
	    {"q-rate-zero", -EINVAL},
	    {"q-format", -EINVAL},
	    {"q-format-none", -EINVAL},
	    {"q-format-nobits", -EINVAL},
	    {"q-channels", -EINVAL},
	    {"q-inverted", -EINVAL},
	    {"q-buffer-inverted", -EINVAL},
	    {"q-period-zero", -EINVAL},
	    {"q-buffer-huge", -EINVAL},
	    {"o-rate", -EINVAL},
	    {"o-rate-zero", -EINVAL},
	    {"o-format", -EINVAL},
	    {"o-format-big", -EINVAL},
	    {"o-channels", -EINVAL},
	    {"o-channels-zero", -EINVAL},
	    {"o-period", -EINVAL},
	    {"w-after", -EBADF},
	    {"o-good", 0},
	    {"w-good", 0},
	    {"c-good", 0},
	    {"final", 0},
	};
	domid_t dom = hostile("params", NULL);

	(void)state;
	EXPECT(dom, w);
	/* the good query's answer is the stream's limits, narrowed */
	assert_non_null(strstr(resp_line("q-good"),
			       "formats=0x4 rates=48000-48000 ch=2-2"));
	gone(dom);
	all_is_well();
}

static void bounds(void **state)
{
	static const struct want w[] = {
	    {"o-good", 0},	 {"w-end", -EINVAL},	 {"w-over", -EINVAL},
	    {"w-tail", -EINVAL}, {"w-wrap", -EINVAL},	 {"w-wrap2", -EINVAL},
	    {"w-max", -EINVAL},	 {"w-partial", -EINVAL}, {"v-wrap", -EINVAL},
	    {"v-len", -EINVAL},	 {"m-wrap", -EINVAL},	 {"gv-end", -EINVAL},
	    {"w-last", 0},	 {"w-good", 0},		 {"w-zero", 0},
	    {"c-good", 0},	 {"oc-good", 0},	 {"r-end", -EINVAL},
	    {"r-over", -EINVAL}, {"r-wrap", -EINVAL},	 {"r-partial", -EINVAL},
	    {"r-good", 0},	 {"cc-good", 0},	 {"final", 0},
	};
	domid_t dom = hostile("bounds", NULL);
	char path[400];
	struct stat sb;

	(void)state;
	EXPECT(dom, w);
	/* only the good writes reached the file: 4 + 4096 bytes */
	snprintf(path, sizeof(path), "%s/%u-bounds-p.wav", wavdir, dom);
	assert_int_equal(stat(path, &sb), 0);
	printf("  %u-bounds-p.wav: %lld data bytes (want 4100)\n", dom,
	       (long long)sb.st_size - 44);
	assert_int_equal(sb.st_size - 44, 4100);
	gone(dom);
	all_is_well();
}

static void grants(void **state)
{
	static const struct want w[] = {
	    {"g-dir-never", -EINVAL},
	    {"g-dir-zero", -EINVAL},
	    {"g-page-never", -EINVAL},
	    {"g-loop1", -EINVAL},
	    {"g-loop2", -EINVAL},
	    {"g-short", -EINVAL},
	    {"g-over-store", -E2BIG},
	    {"g-over-max", -E2BIG},
	    {"g-huge", -E2BIG},
	    {"g-zero", -EINVAL},
	    {"g-dir-revoked", -EINVAL},
	    {"g-page-revoked", -EINVAL},
	    {"o-good", 0},
	    {"w-good", 0},
	    {"c-good", 0},
	    {"final", 0},
	};
	domid_t dom = hostile("grants", NULL);

	(void)state;
	EXPECT(dom, w);
	gone(dom);
	all_is_well();
}

static void state_(void **state)
{
	static const struct want w[] = {
	    {"w-closed", -EBADF},
	    {"r-closed", -EBADF},
	    {"start-closed", -EBADF},
	    {"v-closed", -EBADF},
	    {"c-closed", -EBADF},
	    {"o-good", 0},
	    {"o-again", -EBUSY},
	    {"pause-stopped", -EPERM},
	    {"resume-stopped", -EPERM},
	    {"trigger-unknown", -EINVAL},
	    {"r-playback", -EINVAL},
	    {"start", 0},
	    {"start-running", -EPERM},
	    {"resume-running", -EPERM},
	    {"pause", 0},
	    {"pause-paused", -EPERM},
	    {"start-paused", -EPERM},
	    {"resume", 0},
	    {"stop", 0},
	    {"stop-stopped", 0},
	    {"c-good", 0},
	    {"c-again", -EBADF},
	    {"w-after-close", -EBADF},
	    {"oc-good", 0},
	    {"w-capture", -EINVAL},
	    {"cc-good", 0},
	    {"o-reopen", 0},
	    {"w-reopen", 0},
	    {"c-reopen", 0},
	    {"final", 0},
	};
	domid_t dom = hostile("state", NULL);

	(void)state;
	EXPECT(dom, w);
	gone(dom);
	all_is_well();
}

static void unknown(void **state)
{
	static const struct want w[] = {
	    {"op-10", -ENOTSUP},  {"op-10-c", -ENOTSUP},
	    {"op-11", -ENOTSUP},  {"op-11-c", -ENOTSUP},
	    {"op-64", -ENOTSUP},  {"op-64-c", -ENOTSUP},
	    {"op-128", -ENOTSUP}, {"op-128-c", -ENOTSUP},
	    {"op-255", -ENOTSUP}, {"op-255-c", -ENOTSUP},
	    {"final", 0},
	};
	domid_t dom = hostile("unknown", NULL);

	(void)state;
	EXPECT(dom, w);
	gone(dom);
	all_is_well();
}

/* The device of dom failed: an error node naming what, a log line. */
static void failed(domid_t dom, const char *what)
{
	char v[256] = "", said[96];
	int ms;

	for (ms = 0; ms < T_MS; ms += 10, nap(10))
		if (!back_read(dom, "error", v, sizeof(v)) && strstr(v, what))
			break;
	printf("  dom%u error node: '%s' (after %d ms)\n", dom, v, ms);
	if (!strstr(v, what))
		dump(dom);
	assert_non_null(strstr(v, what));
	/* the error node comes first, then the state */
	for (ms = 0; ms < T_MS; ms += 10, nap(10))
		if (back_read(dom, "state", v, sizeof(v)) ||
		    strcmp(v, "4") != 0)
			break;
	assert_int_equal(back_read(dom, "state", v, sizeof(v)), 0);
	printf("  dom%u backend state: %s\n", dom, v);
	assert_true(strcmp(v, "4") != 0); /* no longer Connected */
	snprintf(said, sizeof(said), "%s indices broken", what);
	assert_true(log_count(said) >= 1);
}

static void ringjunk(void **state)
{
	static const struct want w[] = {{"final", 0}};
	domid_t dom = hostile("ringjunk", NULL);

	(void)state;
	EXPECT(dom, w);
	failed(dom, "request ring");
	bystander_plays(); /* while the failed device is still there */
	gone(dom);
	all_is_well();
}

static void evtjunk(void **state)
{
	static const struct want w[] = {
	    {"final", 0}, {"o-period", 0}, {"start", 0}, {"w-junk", 0}};
	domid_t dom = hostile("evtjunk", NULL);

	(void)state;
	EXPECT(dom, w);
	failed(dom, "event page");
	bystander_plays(); /* while the failed device is still there */
	gone(dom);
	all_is_well();
}

static void stall(void **state)
{
	static const struct want w[] = {
	    {"o-period", 0}, {"start", 0}, {"alive-0", 0}, {"alive-9", 0},
	    {"alive-19", 0}, {"stop", 0},  {"c-good", 0},  {"final", 0},
	};
	char cfg[600], name[32], v[32];
	const char *line;
	domid_t dom, by;
	long prod, fresh, dropped = -1;

	(void)state;
	/* the hostile guest and a bystander at the same time */
	snprintf(cfg, sizeof(cfg), HOSTILE_CFG, "stall", "stall");
	assert_int_equal(
	    hvt_create(&t, "stall", "guest_snd_hostile", "stall", cfg, &dom),
	    0);
	by = bystander_start(1000, name, sizeof(name));
	assert_int_equal(wait_console(dom, "HOSTILE stall READY", 90000), 0);
	EXPECT(dom, w);
	line = strstr(console(dom), "EVT full");
	assert_non_null(line);
	prod = hvt_field(line, "prod");
	printf("  %.*s\n", (int)strcspn(line, "\n"), line);
	/* the page holds XENSND_IN_RING_LEN events: it was full */
	assert_int_equal(prod, (4096 - 64) / 64);
	line = strstr(con, "EVT after-drain");
	assert_non_null(line);
	fresh = hvt_field(line, "new");
	printf("  %.*s\n", (int)strcspn(line, "\n"), line);
	assert_true(fresh >= 1);
	for (int ms = 0; ms < 2000 && dropped <= 0; ms += 10, nap(10))
		if (!back_read(dom, "dropped-events", v, sizeof(v)))
			dropped = strtol(v, NULL, 10);
	printf("  dropped-events: %ld\n", dropped);
	assert_true(dropped >= 1);
	assert_int_equal(back_read(dom, "state", v, sizeof(v)), 0);
	assert_string_equal(v, "4"); /* still Connected */
	bystander_check(by, name, 1000);
	gone(dom);
	all_is_well();
}

static void race(void **state)
{
	static const struct want w[] = {
	    {"o-good", 0}, {"c-good", 0}, {"final", 0}};
	const unsigned int n = 300;
	char path[400], cmd[32];
	const char *line;
	domid_t dom;
	FILE *f;
	long size, na = 0, nb = 0, run = 0, bad = 0;
	int c, prev = -1;

	(void)state;
	snprintf(cmd, sizeof(cmd), "race n=%u", n);
	dom = hostile("race", cmd);
	EXPECT(dom, w);
	line = strstr(console(dom), "RACE ");
	assert_non_null(line);
	printf("  %.*s\n", (int)strcspn(line, "\n"), line);
	assert_int_equal(hvt_field(line, "answered"), n);
	assert_int_equal(hvt_field(line, "ids"), n);
	assert_true(hvt_field(line, "flips") > 0); /* it did rewrite */
	/* the file: runs of 0x11 in 48s, of 0x22 in 80s, nothing else */
	snprintf(path, sizeof(path), "%s/%u-race-p.wav", wavdir, dom);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f) - 44;
	fseek(f, 44, SEEK_SET);
	for (;;) {
		c = fgetc(f);
		if (c != prev && prev != -1) {
			if (prev == 0x11 && run % 48 == 0)
				na += run / 48;
			else if (prev == 0x22 && run % 80 == 0)
				nb += run / 80;
			else
				bad++;
			run = 0;
		}
		if (c == EOF)
			break;
		prev = c;
		run++;
	}
	fclose(f);
	printf("  %u-race-p.wav: %ld bytes: %ld writes as first sent, %ld as "
	       "rewritten, %ld mixed or foreign runs\n",
	       dom, size, na, nb, bad);
	assert_int_equal(bad, 0);
	assert_int_equal(na + nb, n);
	assert_int_equal(na * 48 + nb * 80, size);
	gone(dom);
	all_is_well();
}

/* A guest busy with act (its "WHAT start" printed) while a bystander
 * plays 500 ms: the bystander is done before the act's 8 s are over. */
static domid_t noisy(const char *act, const char *what)
{
	char cfg[600], name[32], cmd[64], pat[32];
	domid_t dom, by;
	struct timespec t0, t1;
	bool over;

	snprintf(cfg, sizeof(cfg), HOSTILE_CFG, act, act);
	snprintf(cmd, sizeof(cmd), "%s ms=8000", act);
	assert_int_equal(
	    hvt_create(&t, act, "guest_snd_hostile", cmd, cfg, &dom), 0);
	snprintf(pat, sizeof(pat), "%s start", what);
	assert_int_equal(wait_console(dom, pat, 90000), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	by = bystander_start(500, name, sizeof(name));
	assert_int_equal(wait_console(by, "DONE", 90000), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	snprintf(pat, sizeof(pat), "%s end", what);
	over = strstr(console(dom), pat) != NULL;
	printf("  bystander: 500 ms played in %ld ms while %s went on%s\n",
	       (long)((t1.tv_sec - t0.tv_sec) * 1000 +
		      (t1.tv_nsec - t0.tv_nsec) / 1000000),
	       act, over ? " -- NO: it was over first" : "");
	/* the act lasts 8 s: a bystander that had to wait for its end was
	 * starved, however loaded the machine */
	assert_false(over);
	bystander_check(by, name, 500);
	snprintf(pat, sizeof(pat), "HOSTILE %s READY", act);
	assert_int_equal(wait_console(dom, pat, 90000), 0);
	return dom;
}

static void flood(void **state)
{
	static const struct want w[] = {{"final", 0}};
	domid_t dom = noisy("flood", "FLOOD");
	const char *line;

	(void)state;
	EXPECT(dom, w);
	line = strstr(console(dom), "FLOOD end");
	printf("  %.*s\n", (int)strcspn(line, "\n"), line);
	assert_int_equal(hvt_field(line, "wrong"), 0);
	assert_int_equal(hvt_field(line, "answered"), hvt_field(line, "sent"));
	gone(dom);
	all_is_well();
}

static void kick(void **state)
{
	static const struct want w[] = {{"final", 0}};
	domid_t dom = noisy("kick", "KICK");
	const char *line;

	(void)state;
	EXPECT(dom, w);
	line = strstr(console(dom), "KICK end");
	printf("  %.*s\n", (int)strcspn(line, "\n"), line);
	gone(dom);
	all_is_well();
}

/* Stream trees the backend must refuse, rewritten by the guest in its
 * own directory before it connects: the device fails with an error node
 * saying why, nothing else happens. */
static void tree(void **state)
{
	static const struct {
		const char *kv, *error;
	} v[] = {
	    {"0/0/sample-rates=fast", "stream 0/0/: a limit"},
	    {"0/0/sample-rates=48000,", "stream 0/0/: a limit"},
	    {"0/0/sample-rates=96000", "stream 0/0/: a limit"},
	    {"sample-formats=s16_le,bogus", "stream 0/0/: a limit"},
	    {"0/channels-min=3", "stream 0/0/: a limit"},
	    {"0/1/channels-max=99999999999", "stream 0/1/: a limit"},
	    {"0/1/buffer-size=-1", "stream 0/1/: a limit"},
	    {"0/1/type=x", "stream 0/1/: type 'x'"},
	    {"0/0/unique-id=", "stream 0/0/: no unique-id"},
	    {"version=9", "version '9'"},
	};
	char cfg[600], name[32], cmd[96], e[256];
	const char *line;
	domid_t dom;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int ms;

		snprintf(name, sizeof(name), "tree%zu", i);
		snprintf(cfg, sizeof(cfg), HOSTILE_CFG, name, name);
		snprintf(cmd, sizeof(cmd), "tree %s", v[i].kv);
		assert_int_equal(
		    hvt_create(&t, name, "guest_snd_hostile", cmd, cfg, &dom),
		    0);
		assert_int_equal(wait_console(dom, "HOSTILE tree READY", 90000),
				 0);
		line = strstr(console(dom), "TREE ");
		if (line && hvt_field(line, "rc") != 0 &&
		    strstr(line, " rc=-")) {
			/* keys the toolstack wrote may be read-only */
			printf("  %-30s -> refused by the store: %.*s\n",
			       v[i].kv, (int)strcspn(line, "\n"), line);
			gone(dom);
			continue;
		}
		e[0] = '\0';
		for (ms = 0; ms < T_MS; ms += 10, nap(10))
			if (!back_read(dom, "error", e, sizeof(e)) &&
			    strstr(e, v[i].error))
				break;
		printf("  %-30s -> error '%s'%s\n", v[i].kv, e,
		       strstr(e, v[i].error) ? "" : "  <-- WRONG");
		if (!strstr(e, v[i].error))
			dump(dom);
		assert_non_null(strstr(e, v[i].error));
		gone(dom);
	}
	all_is_well();
}

/* The WAV files of the directory, each with its size and change time. */
struct wavfile {
	char name[128];
	off_t size;
	struct timespec mtime;
};

static size_t wav_files(struct wavfile *f, size_t max)
{
	DIR *d = opendir(wavdir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) && n < max) {
		size_t len = strlen(e->d_name);
		char path[600];
		struct stat sb;

		if (len < 4 || strcmp(e->d_name + len - 4, ".wav") ||
		    len >= sizeof(f[n].name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", wavdir, e->d_name);
		if (stat(path, &sb))
			continue;
		memcpy(f[n].name, e->d_name, len + 1);
		f[n].size = sb.st_size;
		f[n].mtime = sb.st_mtim;
		n++;
	}
	closedir(d);
	return n;
}

/* A file's bytes (at most cap) into buf; how many. */
static size_t slurp(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		printf("  %s: cannot open it\n", path);
	assert_non_null(f);
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static bool same_file(const struct wavfile *a, const struct wavfile *b)
{
	return !strcmp(a->name, b->name) && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec;
}

/* Every WAV file new or changed since before[] is one of dom's own
 * (named "<dom>-..."); how many of those there are. */
static unsigned int only_own_files(domid_t dom, const struct wavfile *before,
				   size_t n_before)
{
	static struct wavfile now[512];
	size_t n = wav_files(now, 512);
	unsigned int own = 0, bad = 0;
	char pre[16];

	snprintf(pre, sizeof(pre), "%u-", dom);
	for (size_t i = 0; i < n; i++) {
		bool same = false;

		for (size_t k = 0; k < n_before && !same; k++)
			same = same_file(&now[i], &before[k]);
		if (same)
			continue;
		if (strncmp(now[i].name, pre, strlen(pre)) == 0) {
			own++;
			continue;
		}
		printf("  %s: written, and not dom%u's  <-- WRONG\n",
		       now[i].name, dom);
		bad++;
	}
	assert_int_equal(bad, 0);
	return own;
}

struct victim {
	char file[600];
	uint8_t data[1 << 16];
	size_t len;
};

/* The hostile guest aims its own playback at the victim's file by store
 * keys in its own directory (act "rename": the toolstack's unique-id
 * rewritten to id; "addstream": a stream of its own added with unique-id
 * id).  The keys take (pvhv, like Xen's toolstack, writes vsnd's keys
 * guest-writable), but the backend names files after the writer's
 * domid: the victim's file keeps every byte, the hostile guest's WRITE
 * lands in its own DIR/<dom>-<stem>.wav (stem: id made safe), and no
 * other WAV file changes. */
static void aim_at(const char *act, const char *word, const char *id,
		   const char *stem, const struct victim *v)
{
	static const struct want w[] = {
	    {"o-good", 0}, {"w-good", 0}, {"c-good", 0}, {"final", 0}};
	static struct wavfile before[512];
	static uint8_t got[1 << 16];
	size_t n_before = wav_files(before, 512), n;
	char cmd[300], pat[32], path[600];
	const char *line;
	domid_t dom;

	snprintf(cmd, sizeof(cmd), "%s %s", act, id);
	dom = hostile(act, cmd);
	snprintf(pat, sizeof(pat), "%s ", word);
	line = strstr(console(dom), pat);
	assert_non_null(line);
	printf("  %.*s\n", (int)strcspn(line, "\n"), line);
	/* the guest could write the keys: the attack is real */
	assert_int_equal(strtol(strstr(line, "rc=") + 3, NULL, 10), 0);
	EXPECT(dom, w);
	n = slurp(v->file, got, sizeof(got));
	printf("  %s: %zu bytes (were %zu)%s\n", v->file, n, v->len,
	       n == v->len && !memcmp(got, v->data, n) ? ", untouched"
						       : "  <-- WRONG");
	assert_int_equal(n, v->len);
	assert_memory_equal(got, v->data, n);
	snprintf(path, sizeof(path), "%s/%u-%s.wav", wavdir, dom, stem);
	n = slurp(path, got, sizeof(got));
	printf("  %u-%s.wav: %zu data bytes (want 4096 of 0x5a)\n", dom, stem,
	       n > 44 ? n - 44 : 0);
	assert_int_equal(n, 44 + 4096);
	for (size_t i = 44; i < n; i++)
		assert_int_equal(got[i], 0x5a);
	assert_int_equal(only_own_files(dom, before, n_before), 1);
	gone(dom);
}

static void not_the_victims(const char *act, const char *word)
{
	static struct victim v;
	char vname[32], id[64], stem[64];
	domid_t vdom;

	/* the victim: a guest that played 300 ms, still running */
	vdom = bystander_start(300, vname, sizeof(vname));
	assert_int_equal(wait_console(vdom, "DONE", T_MS), 0);
	snprintf(v.file, sizeof(v.file), "%s/%u-%s.wav", wavdir, vdom, vname);
	v.len = slurp(v.file, v.data, sizeof(v.data));
	assert_int_equal(v.len, 44 + 48000 * 4 * 300 / 1000);
	/* its unique-id (the files' names before the domid went in) */
	aim_at(act, word, vname, vname, &v);
	/* its file's name, by way of the directory above */
	snprintf(id, sizeof(id), "../%u-%s", vdom, vname);
	snprintf(stem, sizeof(stem), "_._%u-%s", vdom, vname);
	aim_at(act, word, id, stem, &v);
	assert_int_equal(pvhv_domain_destroy(t.h, vdom), 0);
	pvhv_domain_wait(t.h, vdom, NULL);
	all_is_well();
}

static void rename_(void **state)
{
	(void)state;
	not_the_victims("rename", "RENAME");
}

static void addstream(void **state)
{
	(void)state;
	not_the_victims("addstream", "ADDSTREAM");
}

/* ---- main ---------------------------------------------------------------- */

static int setup(void **state)
{
	(void)state;
	if (hvt_start(&t, NULL))
		return -1;
	snprintf(blog, sizeof(blog), "%s/pvbackd.log", t.rundir);
	/* in the run directory, which hvt_stop() empties (files only) */
	snprintf(wavdir, sizeof(wavdir), "%s", t.rundir);
	if (pvhv_store_open(t.rundir, 0, &st))
		return -1;
	if (backd_start())
		return -1;
	fds0 = hvt_count_fds(backd);
	return 0;
}

static int teardown(void **state)
{
	int status = hvt_kill_wait(&backd, SIGTERM), rc;

	(void)state;
	pvhv_store_close(st);
	rc = hvt_stop(&t);
	if (status != -1 && (!WIFEXITED(status) || WEXITSTATUS(status))) {
		fprintf(stderr, "pvbackd ended with status %#x\n", status);
		return -1;
	}
	return rc;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(params),  cmocka_unit_test(bounds),
	    cmocka_unit_test(grants),  cmocka_unit_test(state_),
	    cmocka_unit_test(unknown), cmocka_unit_test(ringjunk),
	    cmocka_unit_test(evtjunk), cmocka_unit_test(stall),
	    cmocka_unit_test(race),    cmocka_unit_test(flood),
	    cmocka_unit_test(kick),    cmocka_unit_test(tree),
	    cmocka_unit_test(rename_), cmocka_unit_test(addstream),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("snd hostile", tests, setup,
					   teardown);
}
