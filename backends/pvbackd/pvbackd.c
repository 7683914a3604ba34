/*
 * pvbackd — a dom0 daemon hosting any subset of pvkit's backends on one
 * libevent loop and one libpvback instance.
 *
 * The backends are a table (name, what it serves, start, stop): input
 * sound (snd) and display (displ).  Each backend
 * registers its device type with libpvback and serves every guest's
 * devices of that type.  SIGUSR1 has the display's host side write out
 * what each guest shows (headless: PNGs).  SIGTERM and SIGINT stop the
 * loop; the backends
 * are stopped in reverse order and libpvback closes the devices.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <event2/event.h>

#include "pvkit/back.h"
#include "pvkit/displback.h"
#include "pvkit/kbdback.h"
#include "pvkit/sndback.h"
#ifdef PVKIT_DISPL_SDL
#include "pvsdl.h"
#endif

#define MAX_SOURCES 8

struct pvbackd {
	struct event_base *base;
	struct pvback *pb;
	const char *rundir;
	const char *sources[MAX_SOURCES];
	unsigned int n_sources;
	bool verbose;
	struct kbdback *input;
	const char *snd_host;
	struct sndback *snd;
	const char *displ_host;
	struct displback *displ;
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	va_list ap;

	fputs("pvbackd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- input ------------------------------------------------------------------
 */

static void input_log(struct kbdback *kb, int level, const char *msg, void *arg)
{
	struct pvbackd *d = arg;

	(void)kb;
	if (level <= LOG_NOTICE || d->verbose)
		say("input: %s", msg);
}

static int input_source(struct pvbackd *d, const char *spec)
{
	const struct kbdback_source_ops *ops = kbdback_source_find(spec);
	const char *colon = strchr(spec, ':');
	char err[512];
	int rc;

	if (!ops) {
		say("--input-source %s: no such host side (sdl, libinput or "
		    "script:FILE; see --help)",
		    spec);
		return -EINVAL;
	}
	rc = kbdback_add_source(d->input, ops, colon ? colon + 1 : NULL, err,
				sizeof(err));
	if (rc)
		say("--input-source %s: %s", spec,
		    err[0] ? err : strerror(-rc));
	else if (d->verbose)
		say("input: reading %s", spec);
	return rc;
}

static int input_start(struct pvbackd *d)
{
	int rc = kbdback_new(d->pb, &d->input);

	if (rc) {
		say("input: cannot start: %s", strerror(-rc));
		return rc;
	}
	kbdback_set_log(d->input, input_log, d);
	if (!d->n_sources)
		say("input: no --input-source: devices connect, but no "
		    "events will come");
	for (unsigned int i = 0; i < d->n_sources; i++) {
		rc = input_source(d, d->sources[i]);
		if (rc)
			return rc;
	}
	return 0;
}

static void input_stop(struct pvbackd *d)
{
	kbdback_free(d->input);
	d->input = NULL;
}

/* ---- sound ------------------------------------------------------------------
 */

/* Without --snd-host: the host's sound through ALSA when built in, else
 * wav files in the current directory. */
static const char *snd_default(void)
{
	return sndback_host_find("alsa") ? "alsa" : "wav:.";
}

static int snd_start(struct pvbackd *d)
{
	const char *spec = d->snd_host ? d->snd_host : snd_default();
	const struct sndback_host_ops *ops = sndback_host_find(spec);
	const char *colon = strchr(spec, ':');
	int rc;

	if (!ops) {
		say("--snd-host %s: no such host side (see --help)", spec);
		return -EINVAL;
	}
	rc = sndback_new(d->pb, ops, colon ? colon + 1 : NULL, &d->snd);
	if (rc) {
		say("snd: cannot start on %s: %s", spec, strerror(-rc));
		return rc;
	}
	if (d->verbose)
		say("snd: guests' sound goes to %s", spec);
	return 0;
}

static void snd_stop(struct pvbackd *d)
{
	sndback_free(d->snd);
	d->snd = NULL;
}

/* ---- display ----------------------------------------------------------------
 */

#define DISPL_DEFAULT "headless:."

#ifdef PVKIT_DISPL_SDL
/* Touches, clicks and keys in a guest's display window, for that guest's
 * vkbd devices only (the events name its domid). */
static void displ_touch(void *arg, const struct kbdback_event *ev,
			unsigned int n)
{
	struct pvbackd *d = arg;

	if (d->input)
		kbdback_inject(d->input, ev, n);
}
#endif

/* With the sdl host side, each connector's window is an input source of
 * its guest. */
static void displ_wire_input(struct pvbackd *d, const char *spec, bool on)
{
#ifdef PVKIT_DISPL_SDL
	const struct displback_host_ops *ops = displback_host_find(spec);

	if (!ops || strcmp(ops->name, "sdl"))
		return;
	pvsdl_set_input(on ? displ_touch : NULL, on ? d : NULL);
	if (on && d->verbose)
		say("displ: touch in a window goes to its guest's vkbd%s",
		    d->input ? "" : " (not running: --backends without input)");
#else
	(void)d, (void)spec, (void)on;
#endif
}

static int displ_start(struct pvbackd *d)
{
	const char *spec = d->displ_host ? d->displ_host : DISPL_DEFAULT;
	const struct displback_host_ops *ops = displback_host_find(spec);
	const char *colon = strchr(spec, ':');
	int rc;

	if (!ops) {
		say("--displ-host %s: no such host side (see --help)", spec);
		return -EINVAL;
	}
	rc = displback_new(d->pb, ops, colon ? colon + 1 : NULL, NULL,
			   &d->displ);
	if (rc) {
		say("displ: cannot start on %s: %s", spec, strerror(-rc));
		return rc;
	}
	displ_wire_input(d, spec, true);
	if (d->verbose)
		say("displ: guests' displays go to %s", spec);
	return 0;
}

static void displ_stop(struct pvbackd *d)
{
	displ_wire_input(d, d->displ_host ? d->displ_host : DISPL_DEFAULT,
			 false);
	displback_free(d->displ);
	d->displ = NULL;
}

/* SIGUSR1: every connector's frame written out now. */
static void displ_dump(struct pvbackd *d)
{
	int rc;

	if (!d->displ)
		return;
	rc = displback_dump(d->displ);
	if (rc < 0)
		say("displ: dump: %s", strerror(-rc));
	else if (d->verbose)
		say("displ: dump: %d frames written", rc);
}

/* ---- the table ----------------------------------------------------------- */

struct backend {
	const char *name;
	const char *serves;
	int (*start)(struct pvbackd *d);
	void (*stop)(struct pvbackd *d);
};

static const struct backend backends[] = {
    {"input", "keyboard, pointer and touch (vkbd, backend/vinput)", input_start,
     input_stop},
    {"snd", "sound cards: playback and capture (vsnd)", snd_start, snd_stop},
    {"displ", "display controllers: framebuffers and flips (vdispl)",
     displ_start, displ_stop},
};

#define N_BACKENDS (sizeof(backends) / sizeof(backends[0]))

static const struct backend *find_backend(const char *name, size_t len)
{
	for (size_t i = 0; i < N_BACKENDS; i++)
		if (strlen(backends[i].name) == len &&
		    !strncmp(backends[i].name, name, len))
			return &backends[i];
	return NULL;
}

/* "input,snd" into want[]: true for each backend named. */
static int parse_backends(const char *list, bool *want)
{
	memset(want, 0, N_BACKENDS * sizeof(*want));
	while (*list) {
		size_t len = strcspn(list, ",");
		const struct backend *b = find_backend(list, len);

		if (!b) {
			say("--backends: unknown backend '%.*s' (known: input, snd, displ)",
			    (int)len, list);
			return -EINVAL;
		}
		want[b - backends] = true;
		list += len + (list[len] == ',');
	}
	return 0;
}

/* ---- options ------------------------------------------------------------- */

static void usage(FILE *f)
{
	const struct kbdback_source_ops *const *src = kbdback_sources();
	const struct sndback_host_ops *const *snd = sndback_hosts();
	const struct displback_host_ops *const *dh = displback_hosts();

	fprintf(f, "Usage: pvbackd [OPTION]...\n"
		   "Serve pvkit's para-virtual devices to the guests of a pvhv "
		   "hypervisor.\n\n"
		   "  --rundir DIR        pvhv's run directory (default: "
		   "$PVKIT_RUNDIR,\n"
		   "                      else /run/pvkit for root, else "
		   "$XDG_RUNTIME_DIR/pvkit)\n"
		   "  --backends LIST     the backends to run, comma-separated "
		   "(default: all)\n"
		   "  --input-source SRC  where input events come from; may be "
		   "given\n"
		   "                      several times (default: none)\n"
		   "  --snd-host HOST     where guests' sound goes (default: "
		   "alsa when\n"
		   "                      built in, else wav:. )\n"
		   "  --displ-host HOST   where guests' displays go (default: "
		   DISPL_DEFAULT ")\n"
		   "  -v, --verbose       say more (each source, each device)\n"
		   "  -h, --help          this text\n\n"
		   "Backends:\n");
	for (size_t i = 0; i < N_BACKENDS; i++)
		fprintf(f, "  %-8s %s\n", backends[i].name, backends[i].serves);
	fprintf(f, "\nInput sources (--input-source):\n");
	for (; *src; src++)
		fprintf(f, "  %s\n", (*src)->args_help);
	fprintf(f, "\nSound host sides (--snd-host):\n");
	for (; *snd; snd++)
		fprintf(f, "  %s\n", (*snd)->help ? (*snd)->help : (*snd)->name);
	fprintf(f, "\nA guest gets a sound card from a vsnd line in its config; "
		   "a stream's\n"
		   "unique-id names its file (wav: DOMID-ID.wav, DOMID-ID-in.wav; "
		   "capture\n"
		   "without the file is silence) or, as alsa:NAME with a plain "
		   "NAME\n"
		   "(letters, digits, _ - .), its PCM.  Guests on one ALSA\n"
		   "PCM are mixed in pvbackd at that PCM's rate and channel "
		   "count; for\n"
		   "other rates, or to share the card with host programs, use a "
		   "plug or\n"
		   "dmix PCM (--snd-host alsa:plug:dmix).\n");
	fprintf(f, "\nDisplay host sides (--displ-host):\n");
	for (; *dh; dh++)
		fprintf(f, "  %s\n", (*dh)->help ? (*dh)->help : (*dh)->name);
	fprintf(f, "  (headless: DIR/<domid>-<unique-id>.png on SIGUSR1, and "
		   "at each\n"
		   "  frame with ,every; ,every=numbered adds -NNNNNN per "
		   "frame)\n");
	fprintf(f,
		"\nA device's events are dropped and counted in its backend "
		"node\n"
		"dropped-events when its guest does not consume them; pvbackd "
		"never\n"
		"waits for a guest.  SIGTERM or SIGINT stops it cleanly.\n");
}

static int parse_args(int argc, char **argv, struct pvbackd *d, bool *want)
{
	static const struct option opts[] = {
	    {"rundir", required_argument, NULL, 'r'},
	    {"backends", required_argument, NULL, 'b'},
	    {"input-source", required_argument, NULL, 'i'},
	    {"snd-host", required_argument, NULL, 's'},
	    {"displ-host", required_argument, NULL, 'd'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	for (size_t i = 0; i < N_BACKENDS; i++)
		want[i] = true;
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			d->rundir = optarg;
			break;
		case 'b':
			if (parse_backends(optarg, want))
				return 2;
			break;
		case 'i':
			if (d->n_sources == MAX_SOURCES) {
				say("at most %d --input-source", MAX_SOURCES);
				return 2;
			}
			d->sources[d->n_sources++] = optarg;
			break;
		case 's':
			if (!sndback_host_find(optarg)) {
				say("--snd-host %s: no such host side (see "
				    "--help)",
				    optarg);
				return 2;
			}
			d->snd_host = optarg;
			break;
		case 'd':
			if (!displback_host_find(optarg)) {
				say("--displ-host %s: no such host side (see "
				    "--help)",
				    optarg);
				return 2;
			}
			d->displ_host = optarg;
			break;
		case 'v':
			d->verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		say("unexpected argument '%s' (see --help)", argv[optind]);
		return 2;
	}
	return -1;
}

static void back_log(struct pvback *b, enum pvback_log_level level,
		     const char *msg, void *arg)
{
	struct pvbackd *d = arg;

	(void)b;
	if (level <= PVBACK_LOG_WARN || d->verbose)
		say("%s", msg);
}

/* ---- main
 * ---------------------------------------------------------------------------
 */

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct pvbackd *d = arg;

	(void)what;
	if (sig == SIGUSR1) {
		displ_dump(d);
		return;
	}
	if (d->verbose)
		say("signal %d: stopping", (int)sig);
	event_base_loopbreak(d->base);
}

static int run(struct pvbackd *d, const bool *want)
{
	struct event *sigs[3] = {
	    evsignal_new(d->base, SIGTERM, on_signal, d),
	    evsignal_new(d->base, SIGINT, on_signal, d),
	    evsignal_new(d->base, SIGUSR1, on_signal, d),
	};
	size_t started = 0;
	int rc = 0;

	for (int i = 0; i < 3; i++)
		if (!sigs[i] || event_add(sigs[i], NULL))
			rc = -ENOMEM;
	for (; !rc && started < N_BACKENDS; started++)
		if (want[started])
			rc = backends[started].start(d);
	if (!rc) {
		say("ready");
		if (event_base_dispatch(d->base) < 0)
			rc = -EIO;
	}
	while (started-- > 0)
		if (want[started])
			backends[started].stop(d);
	for (int i = 0; i < 3; i++)
		if (sigs[i])
			event_free(sigs[i]);
	return rc;
}

int main(int argc, char **argv)
{
	struct pvbackd d = {0};
	bool want[N_BACKENDS];
	int rc = parse_args(argc, argv, &d, want);

	if (rc >= 0)
		return rc;
	signal(SIGPIPE, SIG_IGN);
	d.base = event_base_new();
	if (!d.base) {
		say("cannot make an event loop");
		return 1;
	}
	rc = pvback_new(d.base, &pvback_platform_pvhv, d.rundir, &d.pb);
	if (rc) {
		say("cannot reach pvhv%s%s: %s", d.rundir ? " in " : "",
		    d.rundir ? d.rundir : "", strerror(-rc));
		event_base_free(d.base);
		return 1;
	}
	pvback_set_log(d.pb, back_log, &d);
	rc = run(&d, want);
	if (!rc && pvback_error(d.pb))
		rc = pvback_error(d.pb);
	pvback_free(d.pb);
	event_base_free(d.base);
	if (rc)
		say("stopped: %s", strerror(-rc));
	return rc ? 1 : 0;
}
