/*
 * Hostile vkbd frontends against pvbackd's input backend (guests/
 * guest_input_hostile.c), one act per case.  In every case the hostile
 * device is closed or its input dropped, pvbackd keeps running and never
 * waits for the guest, and a well-behaved bystander guest keeps getting
 * its events:
 *
 *   cons_past     in_cons beyond the ring: the device fails (its
 *                 "error" node, backend Closing; pvbackd logs it)
 *   bad_gref      a page-gref never granted: the device fails at connect
 *   revoked_gref  the grant of a page revoked before: the same
 *   state_jump    Connected with nothing published, a state that is no
 *                 state: the device is closed, nothing crashes
 *   stall         a guest that never consumes: events are dropped and
 *                 counted in dropped-events, pvbackd stays responsive
 *   vanish        a guest that dies right after Initialised: its device
 *                 goes
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
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>

#include "input_util.h"
#include "pvkit/proto/kbdif.h"

#define T_MS 10000

static struct kbt k;
static domid_t bystander;
static long by_seq;

static void nap(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

static int setup(void **state)
{
	int rc;

	(void)state;
	rc = kbt_start(&k);
	if (!rc)
		rc = kbt_guest(&k, "bystander", "abs", NULL, &bystander);
	if (!rc)
		rc = kbt_wait_field(&k, bystander, "links", 1, T_MS);
	return rc;
}

static int teardown(void **state)
{
	(void)state;
	return kbt_stop(&k);
}

static domid_t hostile(const char *name, const char *act)
{
	char pattern[64];
	domid_t dom;

	assert_int_equal(
	    hvt_create(&k.t, name, "guest_input_hostile", act, KBT_VKB, &dom),
	    0);
	snprintf(pattern, sizeof(pattern), "HOSTILE %s READY", act);
	assert_int_equal(kbt_wait_count(&k, dom, pattern, 1, T_MS), 0);
	return dom;
}

/* pvbackd runs and the bystander still gets what is sent to it. */
static void all_is_well(void)
{
	assert_int_equal(waitpid(k.backd, NULL, WNOHANG), 0);
	kbt_send(&k, "target %u\nkey KEY_Q press\ntarget all", bystander);
	by_seq += 2;
	assert_int_equal(kbt_wait_field(&k, bystander, "seq", by_seq, T_MS), 0);
	assert_int_equal(hvt_last_field(&k.t, bystander, "links"), 1);
}

/* Destroy dom and wait until the backend let its device go (a later
 * guest may get the same domid). */
static void gone(domid_t dom)
{
	unsigned int before = kbt_removals(&k, dom);

	assert_int_equal(pvhv_domain_destroy(k.t.h, dom), 0);
	pvhv_domain_wait(k.t.h, dom, NULL);
	assert_int_equal(kbt_wait_removed(&k, dom, before, T_MS), 0);
}

/* The backend's error node of dom contains want. */
static void error_says(domid_t dom, const char *want)
{
	char v[256] = "";

	for (int t = 0; t < T_MS; t += 5, nap(5))
		if (!kbt_back_read(&k, dom, 0, "error", v, sizeof(v)) &&
		    strstr(v, want))
			return;
	fail_msg("dom%u: error node is '%s', wanted '%s'", dom, v, want);
}

static void cons_past(void **state)
{
	domid_t dom = hostile("cons-past", "cons-past");

	(void)state;
	char said[64];

	kbt_send(&k, "key KEY_A press"); /* to everyone: it must fail */
	/* The device fails (the frontend may then start afresh, which
	 * clears the error node: pvbackd's log keeps the word). */
	snprintf(said, sizeof(said), "dom%u vkbd 0: ring broken", dom);
	for (int t = 0; t < T_MS && !kbt_backd_said(&k, said); t += 5)
		nap(5);
	assert_true(kbt_backd_said(&k, said));
	all_is_well();
	gone(dom);
}

static void bad_gref(void **state)
{
	domid_t dom = hostile("bad-gref", "bad-gref");
	char v[64];

	(void)state;
	error_says(dom, "");
	assert_int_equal(kbt_back_read(&k, dom, 0, "state", v, sizeof(v)), 0);
	assert_true(strcmp(v, "4") != 0); /* never Connected */
	all_is_well();
	gone(dom);
}

static void revoked_gref(void **state)
{
	domid_t dom = hostile("revoked-gref", "revoked-gref");
	char v[64];

	(void)state;
	error_says(dom, "");
	assert_int_equal(kbt_back_read(&k, dom, 0, "state", v, sizeof(v)), 0);
	assert_true(strcmp(v, "4") != 0);
	all_is_well();
	gone(dom);
}

static void state_jump(void **state)
{
	domid_t dom = hostile("state-jump", "state-jump");
	char v[64];

	(void)state;
	nap(100);
	assert_int_equal(kbt_back_read(&k, dom, 0, "state", v, sizeof(v)), 0);
	assert_true(strcmp(v, "4") != 0);
	all_is_well();
	gone(dom);
}

static void stall(void **state)
{
	domid_t dom = hostile("stall", "stall");
	char v[64];
	long dropped = 0;

	(void)state;
	/* 200 events at once to a guest that reads none: the first 51 fill
	 * its ring, the rest are dropped, and nothing waits. */
	for (int i = 0; i < 100; i++)
		kbt_send(&k, "target %u\nkey KEY_W press\ntarget all", dom);
	all_is_well();
	for (int t = 0; t < T_MS && dropped < 149; t += 5, nap(5))
		if (!kbt_back_read(&k, dom, 0, "dropped-events", v, sizeof(v)))
			dropped = strtol(v, NULL, 10);
	assert_int_equal(dropped, 200 - XENKBD_IN_RING_LEN);
	assert_int_equal(kbt_back_read(&k, dom, 0, "state", v, sizeof(v)), 0);
	assert_string_equal(v, "4"); /* still Connected */
	gone(dom);
}

static void vanish(void **state)
{
	domid_t dom;
	char v[64];
	int rc;

	(void)state;
	assert_int_equal(hvt_create(&k.t, "vanish", "guest_input_hostile",
				    "vanish", KBT_VKB, &dom),
			 0);
	rc = pvhv_domain_wait(k.t.h, dom, NULL);
	assert_true(rc == 0 || rc == -ESRCH);
	for (int t = 0; t < T_MS; t += 5, nap(5))
		if (kbt_back_read(&k, dom, 0, "state", v, sizeof(v)) == -ENOENT)
			break;
	assert_int_equal(kbt_back_read(&k, dom, 0, "state", v, sizeof(v)),
			 -ENOENT);
	all_is_well();
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(cons_past),    cmocka_unit_test(bad_gref),
	    cmocka_unit_test(revoked_gref), cmocka_unit_test(state_jump),
	    cmocka_unit_test(stall),	    cmocka_unit_test(vanish),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("input hostile", tests, setup,
					   teardown);
}
