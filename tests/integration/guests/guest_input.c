/*
 * guest_input — a process guest with a vkbd device (frontends/input) that
 * prints every event it receives.
 *
 *   kernel = "guest_input"
 *   cmdline = "[abs] [raw] [mt] [dev=N] [crash=N] [reconnect=N]
 *              [bench=N] [noconfine]"
 *
 * It opens its store, then device/vkbd/<dev> (dev=, default 0) asking for
 * absolute positions (abs), raw coordinates (raw) and multi-touch (mt),
 * and prints:
 *   "INPUT <domid> dev=<N>" at start;
 *   "CONNECTED links=K abs=A raw=R mt=M w=W h=H mtw=.. mth=.. contacts=C"
 *   each time the link comes up (K counts them), "LINK DOWN
 *   reason=<errno>" when it goes;
 *   one line per event, numbered (seq) from 1 across the guest's life:
 *     "EV seq=K KEY code=C down=D"       "EV seq=K MOTION x=X y=Y z=Z"
 *     "EV seq=K POS x=X y=Y z=Z"         "EV seq=K MT DOWN id=I x=X y=Y"
 *     "EV seq=K MT MOTION id=I x=X y=Y"  "EV seq=K MT UP id=I"
 *     "EV seq=K MT SHAPE id=I major=A minor=B"
 *     "EV seq=K MT ORIENT id=I deg=D"    "EV seq=K MT SYN"
 *   "FAILED <errno> <message>" when the device fails.
 * crash=N: after the N-th event it dies (abort) without closing anything.
 * reconnect=N: after every N-th event it closes the device, prints
 *   "CLOSED rc=<rc>", opens it again and goes on ("CONNECTED ..." again).
 * bench=N: prints no events; MOTION events carry the dom0 send time
 *   (CLOCK_MONOTONIC ns: x the low, y the high 32 bits), and after N of
 *   them it prints "BENCH n=N p50=NS p99=NS max=NS span=NS" (span: first
 *   to last arrival); later events are ignored.
 * It confines itself unless told "noconfine".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guest_util.h"
#include "pvkit/front.h"
#include "pvkit/kbdfront.h"

#define BENCH_MAX 200000u

static struct pvfront pf;
static struct kbdfront kf;

struct state {
	struct pvfront_posix *p;
	unsigned long n, crash, reconnect, bench, links;
	bool do_reconnect;
	uint32_t *lat;
	uint64_t first, last;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static const char *const mt_names[] = {"DOWN", "UP",	"MOTION",
				       "SYN",  "SHAPE", "ORIENT"};

static void print_event(struct state *s, const struct kbdfront_event *ev)
{
	struct pvfront_posix *p = s->p;
	unsigned long n = s->n;

	switch (ev->type) {
	case XENKBD_TYPE_KEY:
		guest_say(p, "EV seq=%lu KEY code=%u down=%u\n", n, ev->keycode,
			  ev->pressed);
		return;
	case XENKBD_TYPE_MOTION:
	case XENKBD_TYPE_POS:
		guest_say(p, "EV seq=%lu %s x=%d y=%d z=%d\n", n,
			  ev->type == XENKBD_TYPE_POS ? "POS" : "MOTION", ev->x,
			  ev->y, ev->z);
		return;
	default:
		break;
	}
	switch (ev->mt_event) {
	case XENKBD_MT_EV_DOWN:
	case XENKBD_MT_EV_MOTION:
		guest_say(p, "EV seq=%lu MT %s id=%u x=%d y=%d\n", n,
			  mt_names[ev->mt_event], ev->contact, ev->x, ev->y);
		break;
	case XENKBD_MT_EV_SHAPE:
		guest_say(p, "EV seq=%lu MT SHAPE id=%u major=%u minor=%u\n", n,
			  ev->contact, ev->major, ev->minor);
		break;
	case XENKBD_MT_EV_ORIENT:
		guest_say(p, "EV seq=%lu MT ORIENT id=%u deg=%d\n", n,
			  ev->contact, ev->orientation);
		break;
	case XENKBD_MT_EV_UP:
		guest_say(p, "EV seq=%lu MT UP id=%u\n", n, ev->contact);
		break;
	default:
		guest_say(p, "EV seq=%lu MT SYN\n", n);
		break;
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void bench_event(struct state *s, const struct kbdfront_event *ev)
{
	uint64_t t1 = now_ns();
	uint64_t t0 = (uint32_t)ev->x | (uint64_t)(uint32_t)ev->y << 32;
	unsigned long k = s->n - 1;

	if (ev->type != XENKBD_TYPE_MOTION || k >= s->bench)
		return;
	if (!k)
		s->first = t1;
	s->last = t1;
	s->lat[k] =
	    t1 > t0 && t1 - t0 < UINT32_MAX ? (uint32_t)(t1 - t0) : UINT32_MAX;
	if (k + 1 < s->bench)
		return;
	qsort(s->lat, s->bench, sizeof(*s->lat), cmp_u32);
	guest_say(s->p, "BENCH n=%lu p50=%u p99=%u max=%u span=%llu\n",
		  s->bench, s->lat[s->bench / 2], s->lat[s->bench * 99 / 100],
		  s->lat[s->bench - 1],
		  (unsigned long long)(s->last - s->first));
}

static void on_event(struct kbdfront *k, const struct kbdfront_event *ev,
		     void *arg)
{
	struct state *s = arg;

	(void)k;
	s->n++;
	if (s->bench) {
		bench_event(s, ev);
		return;
	}
	print_event(s, ev);
	if (s->crash && s->n == s->crash) {
		guest_say(s->p, "CRASHING\n");
		abort();
	}
	if (s->reconnect && s->n % s->reconnect == 0)
		s->do_reconnect = true;
}

static void on_link(struct kbdfront *k, bool up, int reason, void *arg)
{
	struct state *s = arg;
	const struct kbdfront_info *in = kbdfront_info(k);

	if (!up) {
		guest_say(s->p, "LINK DOWN reason=%d\n", reason);
		return;
	}
	guest_say(
	    s->p,
	    "CONNECTED links=%lu abs=%d raw=%d mt=%d w=%u h=%u mtw=%u mth=%u "
	    "contacts=%u\n",
	    ++s->links, in->abs, in->raw, in->mtouch, in->width, in->height,
	    in->mt_width, in->mt_height, in->mt_contacts);
}

static void open_device(struct state *s, struct kbdfront_config *cfg,
			uint32_t dev)
{
	int rc = kbdfront_open(&kf, &pf, dev, cfg, 20000);

	if (rc)
		guest_fail(s->p, "kbdfront_open", rc);
}

int main(int argc, char **argv)
{
	struct state s = {0};
	struct kbdfront_config cfg = {
	    .want_abs = guest_has(argc, argv, "abs"),
	    .want_raw = guest_has(argc, argv, "raw"),
	    .want_mtouch = guest_has(argc, argv, "mt"),
	    .on_event = on_event,
	    .on_link = on_link,
	    .arg = &s,
	};
	uint32_t dev = (uint32_t)guest_value(argc, argv, "dev=", 0);
	int rc;

	s.p = guest_open(argc, argv);
	s.crash = guest_value(argc, argv, "crash=", 0);
	s.reconnect = guest_value(argc, argv, "reconnect=", 0);
	s.bench = guest_value(argc, argv, "bench=", 0);
	if (s.bench > BENCH_MAX)
		s.bench = BENCH_MAX;
	if (s.bench && !(s.lat = calloc(s.bench, sizeof(*s.lat))))
		guest_fail(s.p, "calloc", -ENOMEM);
	guest_say(s.p, "INPUT %u dev=%u\n", pvfront_posix_domid(s.p), dev);
	rc = pvfront_posix_front_open(s.p, &pf, 0);
	if (rc)
		guest_fail(s.p, "pvfront_posix_front_open", rc);
	open_device(&s, &cfg, dev);
	for (;;) {
		/* First what happened meanwhile: events may also arrive
		 * while kbdfront_open() waits for the connection. */
		if (pvfront_dev_error(&kf.dev)) {
			guest_say(s.p, "FAILED %d %s\n",
				  pvfront_dev_error(&kf.dev),
				  pvfront_dev_errmsg(&kf.dev));
			s.do_reconnect = true;
		}
		if (s.do_reconnect) {
			s.do_reconnect = false;
			rc = kbdfront_close(&kf, 5000);
			guest_say(s.p, "CLOSED rc=%d\n", rc);
			open_device(&s, &cfg, dev);
			continue;
		}
		rc = pvfront_poll(&pf, -1);
		if (rc < 0)
			guest_fail(s.p, "pvfront_poll", rc);
	}
}
