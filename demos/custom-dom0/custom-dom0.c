/*
 * custom-dom0 — a dom0 daemon of your own on pvkit's installed libraries
 * (pkg-config pvkit-kbdback: libkbdback, libpvback, libpvhv, libevent).
 *
 * It serves the vkbd devices of every guest of a pvhv, as pvbackd's input
 * backend does, from a script of timed events (the "script" host side,
 * format in pvkit/kbdback.h), and adds two things of its own:
 *
 *   - a host side written here (greeter_ops, about sixty lines): it is
 *     told how many devices are connected, says so, and whenever a device
 *     connects types a word into the guests (--greet WORD, default "hi"),
 *     to show that a new event source is one ops table;
 *   - a counter line on stdout while events flow.
 *
 *   custom-dom0 [--rundir DIR] [--greet WORD] SCRIPT
 *
 * Output: "custom-dom0: ready" once serving; "custom-dom0: N device(s)
 * connected" when the number changes; "custom-dom0: events=E frames=F
 * dropped=D" at most once a second while the counters move, and once more
 * when SIGINT or SIGTERM stops it (exit status 0).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <syslog.h>
#include <unistd.h>

#include <event2/event.h>

#include "pvkit/back.h"
#include "pvkit/kbdback.h"

#define GREET_MAX 32

struct dom0 {
	struct event_base *base;
	struct pvback *pb;
	struct kbdback *kb;
	struct kbdback_stats shown;
};

/* ---- the greeter: a host side of our own ---------------------------------- */

struct greeter {
	int efd;		   /* readable when a greeting is owed */
	uint32_t codes[GREET_MAX]; /* the word's keys */
	unsigned int len;
	unsigned int owed;	   /* key events left to send, 2 per key */
	unsigned int devices;
};

static int greeter_open(const char *args, void **state, char *err,
			size_t errlen)
{
	struct greeter *g = calloc(1, sizeof(*g));
	char name[2] = "";

	if (!g)
		return -ENOMEM;
	for (const char *c = args ? args : "hi"; *c && g->len < GREET_MAX; c++) {
		name[0] = (char)tolower((unsigned char)*c);
		if (kbdback_key_code(name, &g->codes[g->len]) == 0)
			g->len++;
	}
	g->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (g->efd < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		free(g);
		return -errno;
	}
	*state = g;
	return 0;
}

static void greeter_close(void *state)
{
	struct greeter *g = state;

	close(g->efd);
	free(g);
}

static int greeter_fd(void *state)
{
	return ((struct greeter *)state)->efd;
}

/* The number of connected devices changed: say so, and greet when it
 * grew (every connected device gets the word). */
static void greeter_connected(void *state, unsigned int n)
{
	struct greeter *g = state;
	uint64_t one = 1;

	if (n != g->devices) {
		printf("custom-dom0: %u device(s) connected\n", n);
		fflush(stdout);
	}
	if (n > g->devices && g->len) {
		g->owed = 2 * g->len;
		if (write(g->efd, &one, sizeof(one)) < 0)
			g->owed = 0;
	}
	g->devices = n;
}

static int greeter_read(void *state, struct kbdback_event *ev,
			unsigned int max)
{
	struct greeter *g = state;
	uint64_t count;
	unsigned int n = 0;

	if (read(g->efd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		return -errno;
	for (; n < max && g->owed; n++, g->owed--) {
		unsigned int k = 2 * g->len - g->owed; /* down, up, down... */

		memset(&ev[n], 0, sizeof(ev[n]));
		ev[n].type = KBDBACK_EV_KEY;
		ev[n].target = KBDBACK_TARGET_ALL;
		ev[n].u.key.code = g->codes[k / 2];
		ev[n].u.key.pressed = !(k % 2);
	}
	if (g->owed && write(g->efd, &(uint64_t){1}, sizeof(uint64_t)) < 0)
		g->owed = 0;
	return (int)n;
}

static const struct kbdback_source_ops greeter_ops = {
	.name = "greeter",
	.args_help = "greeter:WORD   types WORD when a device connects",
	.open = greeter_open,
	.close = greeter_close,
	.fd = greeter_fd,
	.read = greeter_read,
	.connected = greeter_connected,
};

/* ---- the daemon ------------------------------------------------------------ */

static void on_back_log(struct pvback *b, enum pvback_log_level level,
			const char *msg, void *arg)
{
	(void)b;
	(void)arg;
	if (level <= PVBACK_LOG_WARN)
		fprintf(stderr, "custom-dom0: %s\n", msg);
}

static void on_input_log(struct kbdback *kb, int level, const char *msg,
			 void *arg)
{
	(void)kb;
	(void)arg;
	if (level <= LOG_NOTICE)
		fprintf(stderr, "custom-dom0: input: %s\n", msg);
}

static void show_stats(struct dom0 *d, bool always)
{
	struct kbdback_stats st;

	if (kbdback_stats(d->kb, -1, 0, &st) == 0 &&
	    (always || memcmp(&st, &d->shown, sizeof(st)))) {
		d->shown = st;
		printf("custom-dom0: events=%llu frames=%llu dropped=%llu\n",
		       (unsigned long long)st.events,
		       (unsigned long long)st.frames,
		       (unsigned long long)st.dropped);
	}
	fflush(stdout);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	show_stats(arg, false);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopbreak(((struct dom0 *)arg)->base);
}

static int add_source(struct dom0 *d, const struct kbdback_source_ops *ops,
		      const char *args)
{
	char err[512] = "";
	int rc = kbdback_add_source(d->kb, ops, args, err, sizeof(err));

	if (rc)
		fprintf(stderr, "custom-dom0: %s %s: %s\n", ops->name,
			args ? args : "", err[0] ? err : strerror(-rc));
	else if (err[0])
		fprintf(stderr, "custom-dom0: %s: %s\n", ops->name, err);
	return rc;
}

/* Serve until a signal; 0 or -errno. */
static int serve(struct dom0 *d, const char *script, const char *greet)
{
	struct timeval second = { 1, 0 };
	struct event *ev[3] = {
		event_new(d->base, -1, EV_PERSIST, on_tick, d),
		evsignal_new(d->base, SIGINT, on_signal, d),
		evsignal_new(d->base, SIGTERM, on_signal, d),
	};
	int rc = 0;

	for (int i = 0; i < 3; i++)
		if (!ev[i] || event_add(ev[i], i ? NULL : &second))
			rc = -ENOMEM;
	if (!rc)
		rc = kbdback_new(d->pb, &d->kb);
	if (!rc) {
		kbdback_set_log(d->kb, on_input_log, d);
		rc = add_source(d, &greeter_ops, greet);
	}
	if (!rc)
		rc = add_source(d, &kbdback_source_script, script);
	if (!rc) {
		printf("custom-dom0: ready\n");
		fflush(stdout);
		if (event_base_dispatch(d->base) < 0)
			rc = -EIO;
		show_stats(d, true);
	}
	kbdback_free(d->kb);
	for (int i = 0; i < 3; i++)
		if (ev[i])
			event_free(ev[i]);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: custom-dom0 [--rundir DIR] [--greet WORD] SCRIPT\n"
		   "Serve vkbd devices to pvhv's guests from SCRIPT (see "
		   "pvkit/kbdback.h),\ntyping WORD (default \"hi\") whenever "
		   "a device connects.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rundir", required_argument, NULL, 'r' },
		{ "greet", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *rundir = NULL, *greet = "hi";
	struct dom0 d = { 0 };
	int c, rc;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'r')
			rundir = optarg;
		else if (c == 'g')
			greet = optarg;
		else {
			usage(c == 'h' ? stdout : stderr);
			return c == 'h' ? 0 : 2;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	d.base = event_base_new();
	if (!d.base)
		return 1;
	rc = pvback_new(d.base, &pvback_platform_pvhv, rundir, &d.pb);
	if (rc) {
		fprintf(stderr, "custom-dom0: cannot reach pvhv: %s\n",
			strerror(-rc));
		event_base_free(d.base);
		return 1;
	}
	pvback_set_log(d.pb, on_back_log, &d);
	rc = serve(&d, argv[optind], greet);
	pvback_free(d.pb);
	event_base_free(d.base);
	if (rc)
		fprintf(stderr, "custom-dom0: %s\n", strerror(-rc));
	return rc ? 1 : 0;
}
