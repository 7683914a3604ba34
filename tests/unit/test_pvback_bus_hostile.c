/*
 * Unit tests of libpvback (backends/lib) against hostile frontends and
 * failing devices, on the fake platform: state jumps and values that are
 * no state, a backend directory naming another frontend, bad or revoked
 * grants, ports not allocated, probe and connect failing, a device that
 * fails itself; each closes its device only (error node, Closing), leaks
 * nothing, and a failed device can come back.
 */
#include "pvback_test_echo.h"

static void state_jumps(void **state)
{
	static const char *const bad[][2] = {
	    {"4", "1"}, /* Connected -> Initialising */
	    {"4", "3"}, /* Connected -> Initialised */
	    {"5", "4"}, /* Closing -> Connected */
	    {"5", "1"}, /* Closing -> Initialising */
	    {"1", "8"}, /* Initialising -> Reconfigured */
	    {"4", "9"}, /* no state */
	    {"4", "x"}, /* no number */
	    {"4", ""},	/* empty */
	    {"4", "04"},
	};
	struct guest g;

	(void)state;
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		connect_guest(&g, 1, i);
		fe_state(1, i, bad[i][0]);
		fe_state(1, i, bad[i][1]);
		assert_string_equal(be_state(1, i), "5");
		assert_non_null(be_key(1, i, "error"));
		assert_true(pvback_dev_failed(c.last));
		assert_int_equal(fpf_mapped(T.f), 0);
		assert_int_equal(fpf_bound(T.f), 0);
	}
	assert_int_equal(c.disconnect, c.connect);
}

static void recover_after_failure(void **state)
{
	struct guest g;

	(void)state;
	connect_guest(&g, 1, 0);
	fe_state(1, 0, "1"); /* a jump */
	assert_string_equal(be_state(1, 0), "5");
	assert_true(strncmp(be_key(1, 0, "error"), "71 ", 3) == 0); /* EPROTO */
	fe_state(1, 0, "6");
	assert_string_equal(be_state(1, 0), "6");
	fe_state(1, 0, "1");
	assert_string_equal(be_state(1, 0), "2");
	assert_null(be_key(1, 0, "error"));
	fe_state(1, 0, "3");
	assert_string_equal(be_state(1, 0), "4");
	ping(&g, 3);
}

static void quick_frontend(void **state)
{
	struct guest g;

	(void)state;
	connect_guest(&g, 1, 0);
	fe_state(1, 0, "5");
	fe_state(1, 0, "6");
	fpf_write(T.f, "1", FE "/state", 1, 0);
	fpf_write(T.f, "3", FE "/state", 1,
		  0); /* seen as Closed -> Initialised */
	run();
	assert_string_equal(be_state(1, 0), "4");
	assert_null(be_key(1, 0, "error"));
	ping(&g, 8);
}

static void frontend_mismatch(void **state)
{
	struct guest g;

	(void)state;
	connect_guest(&g, 2, 0);
	/* A directory naming another guest's frontend. */
	fpf_write(T.f, "/local/domain/2/device/vecho/0", BE "/1/0/frontend");
	fpf_write(T.f, "1", BE "/1/0/frontend-id");
	fpf_write(T.f, "1", BE "/1/0/state");
	/* The right path, the wrong id. */
	fpf_write(T.f, "/local/domain/1/device/vecho/1", BE "/1/1/frontend");
	fpf_write(T.f, "2", BE "/1/1/frontend-id");
	fpf_write(T.f, "1", BE "/1/1/state");
	/* The right id, a path with more in it. */
	fpf_write(T.f, "/local/domain/1/device/vecho/2/x", BE "/1/2/frontend");
	fpf_write(T.f, "1", BE "/1/2/frontend-id");
	fpf_write(T.f, "1", BE "/1/2/state");
	/* No state: not a device (yet). */
	fpf_write(T.f, "/local/domain/1/device/vecho/3", BE "/1/3/frontend");
	run();
	assert_null(be_key(1, 3, "error"));
	for (unsigned int i = 0; i < 3; i++) {
		assert_string_equal(be_state(1, i), "5");
		assert_non_null(be_key(1, i, "error"));
	}
	assert_int_equal(c.probe, 1);
	/* Their frontends are never looked at. */
	fpf_write(T.f, "3", "/local/domain/1/device/vecho/1/state");
	run();
	assert_int_equal(c.connect, 1);
	assert_string_equal(be_state(2, 0), "4");
	ping(&g, 4);
	/* The toolstack removes them all the same. */
	fpf_write(T.f, "0", BE "/1/0/online");
	run();
	assert_string_equal(be_state(1, 0), "6");
}

static void bad_gref(void **state)
{
	struct guest g;
	char v[16];

	(void)state;
	fpf_add_device(T.f, "vechoback", "vecho", 1, 0);
	publish(&g, 1, 0);
	fpf_write(T.f, "4000", FE "/ring-ref", 1, 0); /* never granted */
	fe_state(1, 0, "3");
	assert_string_equal(be_state(1, 0), "5");
	assert_non_null(be_key(1, 0, "error"));
	assert_int_equal(c.disconnect, 1);
	fpf_write(T.f, "x", FE "/ring-ref", 1, 1);
	fpf_add_device(T.f, "vechoback", "vecho", 1, 1);
	fe_state(1, 1, "3");
	assert_string_equal(be_state(1, 1), "5");
	/* a read-only grant, which the device maps for writing */
	fpf_add_device(T.f, "vechoback", "vecho", 1, 2);
	publish(&g, 1, 2);
	snprintf(v, sizeof(v), "%u", fpf_grant(T.f, 1, 50, true));
	fpf_write(T.f, v, FE "/ring-ref", 1, 2);
	fe_state(1, 2, "3");
	assert_string_equal(be_state(1, 2), "5");
	/* a grant revoked before the backend maps it */
	fpf_add_device(T.f, "vechoback", "vecho", 1, 3);
	publish(&g, 1, 3);
	fpf_revoke(T.f, 1, g.ref);
	fe_state(1, 3, "3");
	assert_string_equal(be_state(1, 3), "5");
	assert_string_equal(be_state(1, 2), "5");
	assert_int_equal(fpf_mapped(T.f), 0);
}

static void bad_port(void **state)
{
	struct guest g;

	(void)state;
	fpf_add_device(T.f, "vechoback", "vecho", 1, 0);
	publish(&g, 1, 0);
	fpf_write(T.f, "63", FE "/event-channel", 1, 0); /* not allocated */
	fe_state(1, 0, "3");
	assert_string_equal(be_state(1, 0), "5");
	assert_non_null(be_key(1, 0, "error"));
	/* the page mapped before the port failed is unmapped again */
	assert_int_equal(fpf_mapped(T.f), 0);
	assert_int_equal(fpf_bound(T.f), 0);
	assert_int_equal(c.disconnect, 1);
	fpf_add_device(T.f, "vechoback", "vecho", 1, 1);
	publish(&g, 1, 1);
	fpf_write(T.f, "0", FE "/event-channel", 1, 1);
	fe_state(1, 1, "3");
	assert_string_equal(be_state(1, 1), "5");
}

static void probe_fails(void **state)
{
	(void)state;
	c.probe_rc = -ENODEV;
	fpf_add_device(T.f, "vechoback", "vecho", 1, 0);
	run();
	assert_string_equal(be_state(1, 0), "5");
	assert_true(strncmp(be_key(1, 0, "error"), "19 ", 3) == 0);
	fe_state(1, 0, "3");
	assert_int_equal(c.connect, 0);
}

static void connect_fails(void **state)
{
	struct guest g;

	(void)state;
	c.connect_rc = -ENOSPC;
	fpf_add_device(T.f, "vechoback", "vecho", 1, 0);
	publish(&g, 1, 0);
	fe_state(1, 0, "3");
	assert_string_equal(be_state(1, 0), "5");
	assert_true(strncmp(be_key(1, 0, "error"), "28 ", 3) == 0);
	assert_int_equal(c.disconnect, 1);
	assert_int_equal(fpf_mapped(T.f), 0);
	assert_int_equal(fpf_bound(T.f), 0);
}

static void fail_in_connect(void **state)
{
	struct guest g;

	(void)state;
	c.fail_in_connect = true;
	fpf_add_device(T.f, "vechoback", "vecho", 1, 0);
	run();
	publish(&g, 1, 0);
	fe_state(1, 0, "3");
	assert_string_equal(be_state(1, 0), "5");
	assert_string_equal(fpf_log(T.f, BE "/1/0/state"), "2,5");
	assert_int_equal(c.disconnect, 1);
	assert_int_equal(fpf_mapped(T.f), 0);
}

static void fail_in_event(void **state)
{
	struct guest g;

	(void)state;
	connect_guest(&g, 1, 0);
	c.fail_in_event = true;
	assert_int_equal(fpf_raise(T.f, 1, g.port), 0);
	run();
	assert_int_equal(c.events, 1);
	assert_string_equal(be_state(1, 0), "5");
	assert_int_equal(c.disconnect, 1);
	assert_int_equal(fpf_bound(T.f), 0);
	assert_int_equal(fpf_raise(T.f, 1, g.port), -ENOTCONN);
}

static const struct CMUnitTest tests[] = {
#define CASE(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    CASE(state_jumps),	   CASE(recover_after_failure),
    CASE(quick_frontend),  CASE(frontend_mismatch),
    CASE(bad_gref),	   CASE(bad_port),
    CASE(probe_fails),	   CASE(connect_fails),
    CASE(fail_in_connect), CASE(fail_in_event),
};

PV_UNIT_MAIN("pvback_bus_hostile", tests)
