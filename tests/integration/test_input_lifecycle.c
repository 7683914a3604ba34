/*
 * The input device's life cycle end to end, each 100 times in a row with
 * nothing leaked (pvbackd's descriptors and memory, pvhv's descriptors):
 *
 *   guest_crash        a guest dies right after its first event; its
 *                      device goes; a bystander guest keeps receiving
 *   frontend_reconnect a guest closes and reopens its device after every
 *                      event; each time the backend serves it again
 *   backend_restart    pvbackd is killed (SIGKILL) and started again; the
 *                      guest, doing nothing, gets events again each time
 *                      (the new backend maps the ring where the old one
 *                      left it)
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "input_util.h"

#define RUNS 100
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

static domid_t guest(const char *name, const char *cmdline)
{
	domid_t dom;

	assert_int_equal(kbt_guest(&k, name, cmdline, NULL, &dom), 0);
	assert_int_equal(kbt_wait_field(&k, dom, "links", 1, T_MS), 0);
	return dom;
}

struct usage {
	int backd_fds, hv_fds;
	long backd_kib;
};

static void usage(struct usage *u)
{
	u->backd_fds = hvt_count_fds(k.backd);
	u->hv_fds = hvt_count_fds(k.t.pid);
	u->backd_kib = hvt_rss_kib(k.backd);
}

/* Under AddressSanitizer freed memory waits in a quarantine, so RSS says
 * nothing there; pvbackd's own leak check at its exit (kbt_stop() wants
 * status 0) covers memory instead. */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_SLACK_KIB (1L << 30)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RSS_SLACK_KIB (1L << 30)
#endif
#endif
#ifndef RSS_SLACK_KIB
#define RSS_SLACK_KIB 512L
#endif

/* Nothing more than before (fewer is fine: a warm-up run's last
 * descriptors may still have been open when counted). */
static bool usage_same(const struct usage *a, const struct usage *b,
		       bool same_backd)
{
	if (same_backd && (b->backd_fds > a->backd_fds ||
			   b->backd_kib > a->backd_kib + RSS_SLACK_KIB))
		return false;
	return b->hv_fds <= a->hv_fds;
}

/* Nothing grew (memory within a little slack for allocator noise), once
 * the last removal has settled. */
static void same_usage(const struct usage *a, bool same_backd)
{
	struct usage b;

	for (int t = 0; t < 2000; t += 10) {
		usage(&b);
		if (usage_same(a, &b, same_backd))
			return;
		struct timespec ts = {0, 10000000};
		nanosleep(&ts, NULL);
	}
	fail_msg("leak: pvbackd fds %d -> %d, RSS %ld -> %ld KiB; pvhv fds "
		 "%d -> %d",
		 a->backd_fds, b.backd_fds, a->backd_kib, b.backd_kib,
		 a->hv_fds, b.hv_fds);
}

/* The backend device of dom is gone from the store. */
/* Destroy dom and wait until the backend let its device go. */
static void gone(domid_t dom)
{
	unsigned int before = kbt_removals(&k, dom);

	assert_int_equal(pvhv_domain_destroy(k.t.h, dom), 0);
	pvhv_domain_wait(k.t.h, dom, NULL);
	assert_int_equal(kbt_wait_removed(&k, dom, before, T_MS), 0);
}

static void guest_crash(void **state)
{
	domid_t by = guest("bystander", "");
	struct usage before;

	(void)state;
	for (int i = 0; i < RUNS; i++) {
		char name[32];
		domid_t dom;
		struct pvhv_exit ex;
		unsigned int removed;
		int rc;

		snprintf(name, sizeof(name), "crash%d", i);
		dom = guest(name, "crash=1");
		removed = kbt_removals(&k, dom);
		kbt_send(&k, "target %u\nwheel 1\ntarget all", dom);
		rc = pvhv_domain_wait(k.t.h, dom, &ex);
		assert_true(rc == 0 || rc == -ESRCH); /* or already gone */
		assert_int_equal(kbt_wait_removed(&k, dom, removed, T_MS), 0);
		if (i == 4)
			usage(&before); /* after warming up */
	}
	same_usage(&before, true);
	/* The bystander saw none of it and still gets its events. */
	kbt_send(&k, "target %u\nkey KEY_X press\ntarget all", by);
	assert_int_equal(kbt_wait_field(&k, by, "seq", 2, T_MS), 0);
	assert_int_equal(kbt_count(&k, by, "EV seq="), 2);
	gone(by);
}

static void frontend_reconnect(void **state)
{
	domid_t dom = guest("reconnect", "abs reconnect=1");
	struct usage before;

	(void)state;
	for (int i = 1; i <= RUNS; i++) {
		kbt_send(&k, "target %u\nwheel 1\ntarget all", dom);
		assert_int_equal(kbt_wait_field(&k, dom, "seq", i, T_MS), 0);
		/* Closed and connected again. */
		assert_int_equal(kbt_wait_field(&k, dom, "links", i + 1, T_MS),
				 0);
		if (i == 5)
			usage(&before);
	}
	same_usage(&before, true);
	assert_int_equal(hvt_last_field(&k.t, dom, "rc"), 0);
	gone(dom);
}

static void wait_backd_connected(void)
{
	for (int t = 0; t < T_MS; t += 2) {
		if (kbt_backd_said(&k, "vkbd 0 connected"))
			return;
		struct timespec ts = {0, 2000000};
		nanosleep(&ts, NULL);
	}
	fail_msg("the new pvbackd did not connect the device");
}

static void backend_restart(void **state)
{
	domid_t dom = guest("restart", "abs mt");
	struct usage before;
	int status;

	(void)state;
	for (int i = 1; i <= RUNS; i++) {
		status = kbt_backd_stop(&k, SIGKILL);
		assert_true(WIFSIGNALED(status));
		assert_int_equal(kbt_backd_start(&k), 0);
		wait_backd_connected();
		kbt_send(&k, "target %u\nwheel 1\ntarget all", dom);
		assert_int_equal(kbt_wait_field(&k, dom, "seq", i, T_MS), 0);
		if (i == 5)
			usage(&before);
	}
	same_usage(&before, false);
	/* The guest never saw its link go: one connection all along. */
	assert_int_equal(hvt_last_field(&k.t, dom, "links"), 1);
	gone(dom);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(guest_crash),
	    cmocka_unit_test(frontend_reconnect),
	    cmocka_unit_test(backend_restart),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("input life cycle", tests, setup,
					   teardown);
}
