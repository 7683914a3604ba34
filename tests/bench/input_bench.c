/*
 * input_bench — the input device's event latency from the host side to
 * the guest's callback, and its events per second.  `input_bench --help`
 * says what each row measures.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "harness.h"
#include "kbdback_int.h"
#include "pvkit/back.h"

static const char usage[] =
    "usage: input_bench [--quick] [--latency N] [--throughput N] [--help]\n"
    "\n"
    "Starts its own pvhv and hosts the input backend in this process\n"
    "(libpvback + kbdback on libevent, as pvbackd does), with a process\n"
    "guest running tests/integration's guest_input in bench mode: a vkbd\n"
    "with a relative pointer whose motion events carry the time dom0 made\n"
    "them (CLOCK_MONOTONIC); the guest takes the time again in its event\n"
    "callback and reports the differences.  Rows:\n"
    "\n"
    "  latency     one event at a time: dom0 waits until the guest has\n"
    "              consumed the last one, takes the time, hands a motion\n"
    "              event to the backend as a host side would\n"
    "              (kbdback_inject: encode into the ring, publish, raise\n"
    "              the guest's port); the guest (vwfi=trap) wakes, reads\n"
    "              the ring and calls the callback.  p50, p99 and max of\n"
    "              source -> callback, in microseconds.\n"
    "  throughput  as many events as the ring takes: dom0 fills every free\n"
    "              slot (one publish and one raise per batch) as soon as\n"
    "              the guest frees some; events per second from the\n"
    "              guest's first callback to its last, and the latency of\n"
    "              events that queue behind others.\n"
    "\n"
    "Nothing is dropped in either row (the bench never overfills the ring;\n"
    "it checks the backend's drop counter).\n"
    "\n"
    "Options:\n"
    "  --quick          a smoke run (ctest input_bench_smoke)\n"
    "  --latency N      events in the latency row (default 20000)\n"
    "  --throughput N   events in the throughput row (default 200000)\n"
    "  --help           this text\n";

struct bench {
	struct hvt t;
	struct event_base *base;
	struct pvback *pb;
	struct kbdback *kb;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "input_bench: %s: %s\n", what,
		strerror(rc < 0 ? -rc : rc));
	exit(1);
}

static void pump(struct bench *b)
{
	event_base_loop(b->base, EVLOOP_NONBLOCK);
}

/* The guest's one device, once connected. */
static struct kbd_dev *device(struct bench *b)
{
	for (int i = 0; i < 20000 && !b->kb->devs; i++) {
		pump(b);
		struct timespec ts = {0, 500000};
		nanosleep(&ts, NULL);
	}
	if (!b->kb->devs)
		die("the guest's device did not connect", ETIMEDOUT);
	return b->kb->devs;
}

static uint32_t consumed(const struct kbd_dev *d)
{
	return __atomic_load_n(&d->enc.page->in_cons, __ATOMIC_ACQUIRE);
}

static struct kbdback_event stamped(void)
{
	uint64_t t = now_ns();
	struct kbdback_event ev = {.type = KBDBACK_EV_MOTION,
				   .target = KBDBACK_TARGET_ALL,
				   .time_ns = t};

	ev.u.motion.dx = (int32_t)(uint32_t)t;
	ev.u.motion.dy = (int32_t)(uint32_t)(t >> 32);
	return ev;
}

static domid_t start_guest(struct bench *b, const char *name, unsigned long n)
{
	char cmd[64];
	domid_t dom;
	int rc;

	snprintf(cmd, sizeof(cmd), "bench=%lu", n);
	rc = hvt_create(&b->t, name, "guest_input", cmd,
			"vkb = [ \"backend-type=linux\" ]\n", &dom);
	if (rc)
		die("guest", rc);
	return dom;
}

struct result {
	long n, p50, p99, max, span;
};

static void report(struct bench *b, domid_t dom, struct result *r)
{
	char line[256];
	int rc = hvt_console_expect(&b->t, dom, "BENCH n=", line, sizeof(line),
				    60000);

	if (rc)
		die("the guest's report", rc);
	r->n = hvt_field(line, "n");
	r->p50 = hvt_field(line, "p50");
	r->p99 = hvt_field(line, "p99");
	r->max = hvt_field(line, "max");
	r->span = hvt_field(line, "span");
	pvhv_domain_destroy(b->t.h, dom);
	/* The domain goes once this backend let go of its page: keep the
	 * loop running meanwhile. */
	for (int i = 0; i < 20000; i++) {
		struct pvhv_dominfo info;

		pump(b);
		if (!b->kb->devs &&
		    pvhv_domain_info(b->t.h, dom, &info) == -ESRCH)
			return;
		struct timespec ts = {0, 500000};
		nanosleep(&ts, NULL);
	}
	die("the guest did not go", ETIMEDOUT);
}

static void latency(struct bench *b, unsigned long n, struct result *r)
{
	domid_t dom = start_guest(b, "lat", n);
	struct kbd_dev *d = device(b);

	for (unsigned long i = 0; i < n; i++) {
		struct kbdback_event ev;

		while (consumed(d) != d->enc.prod) {
			pump(b);
			sched_yield();
		}
		ev = stamped();
		kbdback_inject(b->kb, &ev, 1);
	}
	if (d->enc.st.dropped)
		die("events were dropped", EIO);
	report(b, dom, r);
}

static void throughput(struct bench *b, unsigned long n, struct result *r)
{
	static struct kbdback_event batch[XENKBD_IN_RING_LEN];
	domid_t dom = start_guest(b, "tput", n);
	struct kbd_dev *d = device(b);
	unsigned long sent = 0;

	while (sent < n) {
		uint32_t room = kbdback_ring_room(d->enc.prod, consumed(d));

		if (room > n - sent)
			room = (uint32_t)(n - sent);
		if (!room) {
			pump(b);
			sched_yield();
			continue;
		}
		for (uint32_t i = 0; i < room; i++)
			batch[i] = stamped();
		kbdback_inject(b->kb, batch, room);
		sent += room;
	}
	if (d->enc.st.dropped)
		die("events were dropped", EIO);
	report(b, dom, r);
}

static void setup(struct bench *b)
{
	int rc = hvt_start(&b->t, NULL);

	if (rc)
		die("pvhv", rc);
	b->base = event_base_new();
	if (!b->base)
		die("event_base_new", ENOMEM);
	rc = pvback_new(b->base, &pvback_platform_pvhv, b->t.rundir, &b->pb);
	if (!rc)
		rc = kbdback_new(b->pb, &b->kb);
	if (rc)
		die("the backend", rc);
}

int main(int argc, char **argv)
{
	unsigned long n_lat = 20000, n_tput = 200000;
	struct result lat, tput;
	struct bench b;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--quick")) {
			n_lat = 1000;
			n_tput = 20000;
		} else if (!strcmp(argv[i], "--latency") && i + 1 < argc) {
			n_lat = strtoul(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--throughput") && i + 1 < argc) {
			n_tput = strtoul(argv[++i], NULL, 10);
		} else {
			fputs(usage, stderr);
			return 2;
		}
	}
	if (!n_lat || !n_tput || n_lat > 200000 || n_tput > 200000) {
		fprintf(stderr, "input_bench: counts are 1..200000\n");
		return 2;
	}
	setup(&b);
	latency(&b, n_lat, &lat);
	throughput(&b, n_tput, &tput);
	printf("input_bench: host side -> guest callback, vkbd over pvhv "
	       "(process guest, vwfi=trap)\n");
	printf("  %-11s %7s %10s %10s %10s %14s\n", "row", "events", "p50 us",
	       "p99 us", "max us", "events/s");
	printf("  %-11s %7ld %10.1f %10.1f %10.1f %14s\n", "latency", lat.n,
	       lat.p50 / 1e3, lat.p99 / 1e3, lat.max / 1e3, "-");
	printf("  %-11s %7ld %10.1f %10.1f %10.1f %14.0f\n", "throughput",
	       tput.n, tput.p50 / 1e3, tput.p99 / 1e3, tput.max / 1e3,
	       tput.span > 0 ? (double)(tput.n - 1) * 1e9 / (double)tput.span
			     : 0.0);
	kbdback_free(b.kb);
	pvback_free(b.pb);
	event_base_free(b.base);
	return hvt_stop(&b.t) ? 1 : 0;
}
