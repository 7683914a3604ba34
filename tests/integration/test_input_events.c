/*
 * The input device end to end: a real pvhv, pvbackd reading a live script
 * and process guests running guest_input (frontends/input on libpvfront).
 *
 *   gesture        a two-finger gesture arrives complete and in protocol
 *                  order, scaled to the device's multi-touch surface
 *   keys_pointer   keys, buttons, absolute position and wheel; the same
 *                  host events as relative motion for a guest that did not
 *                  ask for absolute positions; raw coordinates
 *   two_guests     two guests with a device each at once: events aimed at
 *                  one reach only it, events for all reach both
 *   features       what the backend writes and what the guest ends up
 *                  with when the toolstack offers little
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "input_util.h"

#define T_MS 10000

static struct kbt k;

static int setup(void **state)
{
	(void)state;
	return kbt_start(&k);
}

static int teardown(void **state)
{
	(void)state;
	return kbt_stop(&k);
}

static domid_t guest(const char *name, const char *cmdline, const char *cfg)
{
	domid_t dom;

	assert_int_equal(kbt_guest(&k, name, cmdline, cfg, &dom), 0);
	assert_int_equal(kbt_wait_count(&k, dom, "CONNECTED", 1, T_MS), 0);
	return dom;
}

/* Destroy dom and wait until the backend let its device go: the next
 * guest may get the same domid and so the same device paths. */
static void gone(domid_t dom)
{
	unsigned int before = kbt_removals(&k, dom);

	assert_int_equal(pvhv_domain_destroy(k.t.h, dom), 0);
	pvhv_domain_wait(k.t.h, dom, NULL);
	assert_int_equal(kbt_wait_removed(&k, dom, before, T_MS), 0);
}

/* The event lines of dom's console ("EV seq=K " stripped), joined by '|'. */
static void events(domid_t dom, char *out, size_t len)
{
	static char con[1 << 20];
	size_t used = 0;

	out[0] = '\0';
	kbt_console(&k, dom, con, sizeof(con));
	for (char *l = strtok(con, "\n"); l; l = strtok(NULL, "\n")) {
		char *ev = strstr(l, "EV seq=");

		if (!ev || !(ev = strchr(ev + 7, ' ')))
			continue;
		used += (size_t)snprintf(out + used, len - used, "%s%s",
					 used ? "|" : "", ev + 1);
		if (used >= len)
			break;
	}
}

/* Wait until dom printed want (exactly, as events() joins them). */
static void expect_events(domid_t dom, const char *want)
{
	static char got[1 << 16];

	for (int t = 0; t < T_MS; t += 10) {
		events(dom, got, sizeof(got));
		if (strlen(got) >= strlen(want))
			break;
		struct timespec ts = {0, 10000000};
		nanosleep(&ts, NULL);
	}
	if (strcmp(got, want)) {
		fprintf(stderr, "dom%u events:\n got  %s\n want %s\n", dom, got,
			want);
		fail();
	}
}

static void gesture(void **state)
{
	domid_t dom = guest("gesture", "abs mt", NULL);
	char want[8192];
	size_t n = 0;

	(void)state;
	/* Two fingers 200 pixels apart move down together, then lift. */
	kbt_send(&k, "size 800 480\ntarget %u", dom);
	kbt_send(&k, "touch down 0 100 100\ntouch down 1 300 100\nframe");
	n += (size_t)snprintf(want + n, sizeof(want) - n,
			      "MT DOWN id=0 x=100 y=100|MT DOWN id=1 x=300 "
			      "y=100|MT SYN");
	for (int i = 1; i <= 20; i++) {
		/* A touchscreen's pace: a frame every few milliseconds. */
		kbt_send(&k,
			 "wait 4ms\ntouch move 1 300 %d\ntouch move 0 "
			 "100 %d\nframe",
			 100 + 10 * i, 100 + 10 * i);
		/* Contacts in the order the host moved them. */
		n += (size_t)snprintf(want + n, sizeof(want) - n,
				      "|MT MOTION id=1 x=300 y=%d|MT MOTION "
				      "id=0 x=100 y=%d|MT SYN",
				      100 + 10 * i, 100 + 10 * i);
	}
	kbt_send(&k, "touch orient 0 -30\ntouch shape 0 40 20\ntouch up 0\n"
		     "touch up 1\nframe\ntarget all");
	snprintf(want + n, sizeof(want) - n,
		 "|MT SHAPE id=0 major=40 minor=20|MT ORIENT id=0 deg=-30"
		 "|MT UP id=0|MT UP id=1|MT SYN");
	expect_events(dom, want);
	gone(dom);
}

static void keys_pointer(void **state)
{
	domid_t a = guest("ptr-abs", "abs", NULL);
	domid_t r = guest("ptr-rel", "", NULL);
	domid_t raw =
	    guest("ptr-raw", "abs raw",
		  "vkb = [ \"backend-type=linux, feature-abs-pointer=1, "
		  "feature-raw-pointer=1, width=800, height=480\" ]\n");

	(void)state;
	assert_int_equal(kbt_wait_count(&k, raw, "raw=1 mt=0 w=32767", 1, 0),
			 0);
	kbt_send(&k, "size 800 480\nkey KEY_A press\nabs 400 240\nabs 410 "
		     "230\nbutton left press\nwheel -1\nabs 800 480");
	expect_events(a, "KEY code=30 down=1|KEY code=30 down=0"
			 "|POS x=400 y=240 z=0|POS x=410 y=230 z=0"
			 "|KEY code=272 down=1|KEY code=272 down=0"
			 "|POS x=410 y=230 z=-1|POS x=800 y=480 z=0");
	/* Relative: the first position only sets where the pointer is. */
	expect_events(r, "KEY code=30 down=1|KEY code=30 down=0"
			 "|MOTION x=10 y=-10 z=0"
			 "|KEY code=272 down=1|KEY code=272 down=0"
			 "|MOTION x=0 y=0 z=-1|MOTION x=390 y=250 z=0");
	expect_events(raw, "KEY code=30 down=1|KEY code=30 down=0"
			   "|POS x=16384 y=16384 z=0|POS x=16793 y=15701 z=0"
			   "|KEY code=272 down=1|KEY code=272 down=0"
			   "|POS x=16793 y=15701 z=-1|POS x=32767 y=32767 z=0");
	gone(a);
	gone(r);
	gone(raw);
}

static void two_guests(void **state)
{
	domid_t a = guest("two-a", "abs mt", NULL);
	domid_t b = guest("two-b", "abs mt", NULL);

	(void)state;
	kbt_send(&k, "size 800 480\ntarget %u\nkey KEY_A press", a);
	kbt_send(&k, "target %u\nkey KEY_B press", b);
	kbt_send(&k, "target %u\ntouch down 0 1 2\nframe", a);
	kbt_send(&k, "target all\nkey KEY_C down");
	expect_events(a, "KEY code=30 down=1|KEY code=30 down=0"
			 "|MT DOWN id=0 x=1 y=2|MT SYN|KEY code=46 down=1");
	expect_events(b, "KEY code=48 down=1|KEY code=48 down=0"
			 "|KEY code=46 down=1");
	kbt_send(&k, "key KEY_C up\ntarget %u\ntouch up 0\ntarget all", a);
	gone(a);
	gone(b);
}

static void features(void **state)
{
	domid_t dom =
	    guest("plain", "abs mt", "vkb = [ \"backend-type=linux\" ]\n");
	char v[64];

	(void)state;
	/* Nothing offered: relative pointer, no touch, the default range
	 * written for the frontend to see. */
	assert_int_equal(kbt_wait_count(&k, dom,
					"abs=0 raw=0 mt=0 w=800 "
					"h=600",
					1, 0),
			 0);
	assert_int_equal(kbt_back_read(&k, dom, 0, "width", v, sizeof(v)), 0);
	assert_string_equal(v, "800");
	assert_int_equal(
	    kbt_back_read(&k, dom, 0, "dropped-events", v, sizeof(v)), 0);
	assert_string_equal(v, "0");
	/* Touches are not for it. */
	kbt_send(&k, "touch down 0 5 5\nframe\nkey KEY_Z press\ntouch up 0");
	expect_events(dom, "KEY code=44 down=1|KEY code=44 down=0");
	gone(dom);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(gesture),
	    cmocka_unit_test(keys_pointer),
	    cmocka_unit_test(two_guests),
	    cmocka_unit_test(features),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("input events", tests, setup,
					   teardown);
}
