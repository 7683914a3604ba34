/*
 * libpvback against hostile frontends, end to end: a real pvhv, the echo
 * backend pvback_testd and guest_pvback_echo guests that misbehave on
 * purpose, each next to a bystander guest that must never miss an echo.
 *
 *   state_jump         Connected -> Initialising: the device is closed with
 *                      an error node (EPROTO); after a proper Closed and
 *                      Initialising it connects again
 *   frontend_mismatch  backend directories (written by dom0, as a broken
 *                      toolstack would) naming another device's or another
 *                      guest's frontend: failed at once, the frontends they
 *                      name untouched
 *   bad_gref           a ring-ref never granted: closed with an error, then
 *                      recovered
 *   bad_port           an event-channel never allocated: the same
 * After each, the hostile guest is destroyed and the backend holds no more
 * descriptors than before it came.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pvback_util.h"

static struct pbt k;
static domid_t by; /* the bystander */
static int fds0;   /* the backend's descriptors with the bystander alone */

static int setup(void **state)
{
	(void)state;
	if (pbt_start(&k) || pbt_guest(&k, "bystander", "", 1, &by) ||
	    pbt_expect(&k, by, "ECHO seq=1 ") ||
	    pbt_be_wait(&k, by, 0, "state", "4", 5000))
		return -1;
	fds0 = pbt_fds(&k);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return pbt_stop(&k);
}

/* The bystander never noticed; after d is gone, nothing of it is left. */
static void unharmed(domid_t d)
{
	assert_int_equal(pbt_count(&k, by, "LOST"), 0);
	assert_int_equal(pbt_count(&k, by, "CONNECTED"), 1);
	assert_int_equal(pbt_be_wait(&k, by, 0, "state", "4", 1000), 0);
	assert_int_equal(pvhv_domain_destroy(k.t.h, d), 0);
	assert_int_equal(pbt_be_wait(&k, d, 0, "state", NULL, 5000), 0);
	for (int i = 0; i < 400 && pbt_fds(&k) != fds0; i++)
		usleep(5000);
	assert_int_equal(pbt_fds(&k), fds0);
}

/* A guest in a hostile mode: refused with errno err, then recovered
 * (its connection number conn). */
static void refused_then_recovered(const char *mode, int err, unsigned int conn)
{
	char want[64], buf[256];
	domid_t d;

	assert_int_equal(pbt_guest(&k, mode, mode, 1, &d), 0);
	snprintf(want, sizeof(want), "REFUSED error=%d ", err);
	assert_int_equal(pbt_expect(&k, d, want), 0);
	assert_int_equal(pbt_expect(&k, d, "RECOVERED"), 0);
	snprintf(want, sizeof(want), "ECHO seq=%u ", conn);
	assert_int_equal(pbt_expect(&k, d, want), 0);
	assert_int_equal(pbt_be_wait(&k, d, 0, "state", "4", 5000), 0);
	/* The error went with the reconnection. */
	assert_int_equal(pbt_be_read(&k, d, 0, "error", buf, sizeof(buf)),
			 -ENOENT);
	unharmed(d);
}

static void state_jump(void **state)
{
	(void)state;
	refused_then_recovered("jump", EPROTO, 2);
}

static void bad_gref(void **state)
{
	(void)state;
	/* pvhv: a reference never granted is GNTST_general_error (-EPERM) */
	refused_then_recovered("badgref", EPERM, 1);
}

static void bad_port(void **state)
{
	(void)state;
	refused_then_recovered("badport", EINVAL, 1);
}

/* A backend directory as a toolstack writes one, in one transaction. */
static void bogus_device(domid_t dom, unsigned int devid, const char *fe,
			 domid_t fe_id)
{
	char dir[128], path[160], v[16];
	uint32_t tx;

	snprintf(dir, sizeof(dir), "/local/domain/0/backend/pvcalls/%u/%u", dom,
		 devid);
	assert_int_equal(pvhv_store_tx_start(k.st, &tx), 0);
	snprintf(path, sizeof(path), "%s/frontend", dir);
	assert_int_equal(pvhv_store_write(k.st, tx, path, fe, strlen(fe)), 0);
	snprintf(path, sizeof(path), "%s/frontend-id", dir);
	snprintf(v, sizeof(v), "%u", fe_id);
	assert_int_equal(pvhv_store_write(k.st, tx, path, v, strlen(v)), 0);
	snprintf(path, sizeof(path), "%s/online", dir);
	assert_int_equal(pvhv_store_write(k.st, tx, path, "1", 1), 0);
	snprintf(path, sizeof(path), "%s/state", dir);
	assert_int_equal(pvhv_store_write(k.st, tx, path, "1", 1), 0);
	assert_int_equal(pvhv_store_tx_end(k.st, tx, true), 0);
}

static void frontend_mismatch(void **state)
{
	char fe[96], buf[256];
	domid_t other;

	(void)state;
	assert_int_equal(pbt_guest(&k, "other", "", 1, &other), 0);
	assert_int_equal(pbt_expect(&k, other, "ECHO seq=1 "), 0);
	/* Device 7 of the bystander naming its device 0's frontend. */
	snprintf(fe, sizeof(fe), "/local/domain/%u/device/pvcalls/0", by);
	bogus_device(by, 7, fe, by);
	/* Device 8 of the bystander naming the other guest's frontend. */
	snprintf(fe, sizeof(fe), "/local/domain/%u/device/pvcalls/0", other);
	bogus_device(by, 8, fe, other);
	/* Device 9: the right path, another guest's id. */
	snprintf(fe, sizeof(fe), "/local/domain/%u/device/pvcalls/9", by);
	bogus_device(by, 9, fe, other);
	for (unsigned int dev = 7; dev <= 9; dev++) {
		assert_int_equal(pbt_be_wait(&k, by, dev, "state", "5", 5000),
				 0);
		assert_int_equal(
		    pbt_be_read(&k, by, dev, "error", buf, sizeof(buf)), 0);
		assert_true(strncmp(buf, "22 ", 3) == 0); /* EINVAL */
	}
	/* The frontends they named go on as before. */
	usleep(200000);
	assert_int_equal(pbt_count(&k, other, "LOST"), 0);
	assert_int_equal(pbt_count(&k, other, "CONNECTED"), 1);
	assert_int_equal(pbt_be_wait(&k, other, 0, "state", "4", 1000), 0);
	for (unsigned int dev = 7; dev <= 9; dev++) {
		char path[96];

		snprintf(path, sizeof(path),
			 "/local/domain/0/backend/pvcalls/%u/%u", by, dev);
		assert_int_equal(pvhv_store_rm(k.st, 0, path), 0);
	}
	assert_true(pbt_testd_said(&k, "frontend or frontend-id is not"));
	unharmed(other);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
#define CASE(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	    CASE(state_jump),
	    CASE(frontend_mismatch),
	    CASE(bad_gref),
	    CASE(bad_port),
	};

	signal(SIGPIPE, SIG_IGN);
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
