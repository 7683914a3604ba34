/*
 * The "script" host side: a file of timed events (the format is in
 * pvkit/kbdback.h; the parser is script_parse.c).
 *
 * A regular file is parsed whole at open, so a mistake is reported before
 * anything plays; then a timerfd paces the commands.  A FIFO is a live
 * script: lines are parsed and played as they arrive (a line with a
 * mistake is skipped and counted), which is how tests and tools drive a
 * running pvbackd.  The descriptor for the loop is then an epoll set of
 * the timerfd and the FIFO.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "kbdback_int.h"

/* ---- playing ------------------------------------------------------------- */

#define LIVE_LINE 512

struct player {
	struct kbd_script s;
	size_t pc;
	uint64_t clock; /* the script's time: when the current command is due */
	bool started;
	unsigned int connected;
	int tfd;
	/* A live script (FIFO): its descriptor, the epoll set, the parser
	 * state between lines and the partial line. */
	int fifo, epfd;
	struct kbd_script_parser parser;
	char name[128];
	char err[256];
	char buf[LIVE_LINE + 1];
	size_t len;
	bool skipping; /* the current line is too long: drop it */
	unsigned long bad_lines;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Make the timerfd fire at ns (CLOCK_MONOTONIC); 0: at once. */
static void arm(struct player *pl, uint64_t ns)
{
	struct itimerspec its = {0};

	if (!ns)
		ns = 1;
	its.it_value.tv_sec = (time_t)(ns / 1000000000ull);
	its.it_value.tv_nsec = (long)(ns % 1000000000ull);
	timerfd_settime(pl->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void script_close(void *state)
{
	struct player *pl = state;

	if (!pl)
		return;
	if (pl->tfd >= 0)
		close(pl->tfd);
	if (pl->fifo >= 0)
		close(pl->fifo);
	if (pl->epfd >= 0)
		close(pl->epfd);
	kbd_script_free(&pl->s);
	free(pl);
}

/* Read and write end in one: the FIFO never reports its end when the
 * writers come and go. */
static int open_live(struct player *pl, const char *path, char *err,
		     size_t errlen)
{
	struct epoll_event ev = {.events = EPOLLIN};

	pl->fifo = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	pl->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (pl->fifo < 0 || pl->epfd < 0) {
		snprintf(err, errlen, "script: %s: %s", path, strerror(errno));
		return -errno;
	}
	snprintf(pl->name, sizeof(pl->name), "%s", path);
	kbd_script_parser_init(&pl->parser, &pl->s, pl->name, pl->err,
			       sizeof(pl->err));
	pl->parser.live = true;
	ev.data.fd = pl->fifo;
	if (epoll_ctl(pl->epfd, EPOLL_CTL_ADD, pl->fifo, &ev))
		return -errno;
	ev.data.fd = pl->tfd;
	return epoll_ctl(pl->epfd, EPOLL_CTL_ADD, pl->tfd, &ev) ? -errno : 0;
}

static int script_open(const char *args, void **state, char *err, size_t errlen)
{
	struct player *pl;
	struct stat sb;
	int rc;

	if (!args || !*args) {
		snprintf(err, errlen, "script: which file? (script:FILE)");
		return -EINVAL;
	}
	pl = calloc(1, sizeof(*pl));
	if (!pl)
		return -ENOMEM;
	pl->fifo = pl->epfd = -1;
	pl->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (pl->tfd < 0) {
		rc = -errno;
		snprintf(err, errlen, "script: timerfd: %s", strerror(-rc));
	} else if (!stat(args, &sb) && S_ISFIFO(sb.st_mode)) {
		rc = open_live(pl, args, err, errlen);
	} else {
		rc = kbd_script_load(args, &pl->s, err, errlen);
	}
	if (rc) {
		script_close(pl);
		return rc;
	}
	arm(pl, 0);
	*state = pl;
	return 0;
}

static int script_fd(void *state)
{
	struct player *pl = state;

	return pl->epfd >= 0 ? pl->epfd : pl->tfd;
}

/* A live script: parse the lines that arrived, adding commands. */
static void take_line(struct player *pl)
{
	pl->buf[pl->len] = '\0';
	pl->parser.line++;
	if (pl->skipping || kbd_script_parse_line(&pl->parser, pl->buf))
		pl->bad_lines++;
	pl->skipping = false;
	pl->len = 0;
}

static void read_live(struct player *pl)
{
	char chunk[4096];
	ssize_t got;

	/* Done commands go: a live script runs for ever.  Its time starts
	 * again with what arrives after a pause. */
	if (pl->pc == pl->s.n) {
		pl->pc = pl->s.n = 0;
		pl->clock = now_ns();
	}
	while ((got = read(pl->fifo, chunk, sizeof(chunk))) > 0) {
		for (ssize_t i = 0; i < got; i++) {
			if (chunk[i] == '\n') {
				take_line(pl);
			} else if (pl->len < LIVE_LINE) {
				pl->buf[pl->len++] = chunk[i];
			} else {
				pl->skipping = true;
			}
		}
	}
}

/* One command; true to go on with the next, false to stop here. */
static bool step(struct player *pl, uint64_t now, struct kbdback_event *out,
		 unsigned int *n)
{
	const struct kbd_script_cmd *c = &pl->s.cmd[pl->pc];

	switch (c->kind) {
	case KBD_SCRIPT_EVENT:
		out[*n] = c->ev;
		out[(*n)++].time_ns = now;
		break;
	case KBD_SCRIPT_WAIT:
		if (now < pl->clock + c->ns) {
			arm(pl, pl->clock + c->ns);
			return false;
		}
		pl->clock += c->ns;
		break;
	case KBD_SCRIPT_WAIT_CONNECTED:
		if (pl->connected < c->count)
			return false; /* script_connected() re-arms */
		pl->clock = now;
		break;
	case KBD_SCRIPT_LOOP:
		pl->pc = 0;
		return true;
	}
	pl->pc++;
	return true;
}

static int script_read(void *state, struct kbdback_event *ev, unsigned int max)
{
	struct player *pl = state;
	uint64_t now = now_ns(), ticks;
	unsigned int n = 0;

	if (read(pl->tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return -errno;
	if (pl->fifo >= 0)
		read_live(pl);
	if (!pl->started) {
		pl->started = true;
		pl->clock = now;
	}
	while (pl->pc < pl->s.n && n < max)
		if (!step(pl, now, ev, &n))
			break;
	if (n == max)
		arm(pl, 0); /* more is due now */
	if (!n && pl->pc >= pl->s.n && pl->fifo < 0)
		return -EPIPE;
	return (int)n;
}

static void script_connected(void *state, unsigned int n)
{
	struct player *pl = state;

	pl->connected = n;
	if (pl->pc < pl->s.n &&
	    pl->s.cmd[pl->pc].kind == KBD_SCRIPT_WAIT_CONNECTED &&
	    n >= pl->s.cmd[pl->pc].count)
		arm(pl, 0);
}

const struct kbdback_source_ops kbdback_source_script = {
    .name = "script",
    .args_help = "script:FILE  timed events from FILE (format: kbdback.h)",
    .open = script_open,
    .close = script_close,
    .fd = script_fd,
    .read = script_read,
    .connected = script_connected,
};
