/*
 * Unit tests of libpvback's device handling (backends/lib) on the fake
 * platform: devices found and removed, the xenbus handshake, frontends
 * that close and reconnect, guests that die, a backend restarted,
 * toolstack removal, registration, a platform that breaks, and the
 * store key helpers.  Hostile frontends: test_pvback_bus_hostile.c.
 */
#include "pvback_test_echo.h"

static void connect_basic(void **state)
{
	struct guest g;

	(void)state;
	connect_guest(&g, 1, 0);
	assert_string_equal(be_key(1, 0, "feature-echo"), "1");
	assert_int_equal(c.probe, 1);
	assert_int_equal(c.connect, 1);
	assert_int_equal(fpf_mapped(T.f), 1);
	assert_int_equal(fpf_bound(T.f), 1);
	assert_true(pvback_dev_connected(c.last));
	assert_int_equal(pvback_dev_domid(c.last), 1);
	assert_int_equal(pvback_dev_devid(c.last), 0);
	assert_int_equal(pvback_dev_state(c.last), XenbusStateConnected);
	assert_int_equal(pvback_dev_frontend_state(c.last),
			 XenbusStateInitialised);
	assert_string_equal(pvback_dev_frontend_path(c.last),
			    "/local/domain/1/device/vecho/0");
	assert_string_equal(pvback_dev_backend_path(c.last), BE "/1/0");
	ping(&g, 41);
	ping(&g, 255);
	fe_state(1, 0, "4");
	assert_string_equal(be_state(1, 0), "4");
	assert_int_equal(c.connect, 1);
	assert_null(be_key(1, 0, "error"));
}

/* A frontend that goes straight from Initialising to Connected. */
static void connect_direct(void **state)
{
	struct guest g;

	(void)state;
	fpf_add_device(T.f, "vechoback", "vecho", 2, 3);
	publish(&g, 2, 3);
	fe_state(2, 3, "4");
	assert_string_equal(be_state(2, 3), "4");
	ping(&g, 7);
}

static void two_guests(void **state)
{
	struct guest a, b;

	(void)state;
	connect_guest(&a, 1, 0);
	connect_guest(&b, 2, 0);
	ping(&a, 1);
	ping(&b, 2);
	assert_int_equal(fpf_mapped(T.f), 2);
	/* One guest misbehaves: only its device closes. */
	fe_state(2, 0, "1");
	assert_string_equal(be_state(2, 0), "5");
	assert_non_null(be_key(2, 0, "error"));
	assert_string_equal(be_state(1, 0), "4");
	ping(&a, 3);
	assert_int_equal(fpf_mapped(T.f), 1);
	assert_int_equal(fpf_bound(T.f), 1);
}

static void close_and_reconnect(void **state)
{
	struct guest g;

	(void)state;
	connect_guest(&g, 1, 0);
	for (int i = 0; i < 5; i++) {
		fe_state(1, 0, "5");
		assert_string_equal(be_state(1, 0), "5");
		assert_int_equal(c.disconnect, i + 1);
		assert_int_equal(fpf_mapped(T.f), 0);
		assert_int_equal(fpf_bound(T.f), 0);
		fe_state(1, 0, "6");
		assert_string_equal(be_state(1, 0), "6");
		fe_state(1, 0, "1");
		assert_string_equal(be_state(1, 0), "2");
		fe_state(1, 0, "3");
		assert_string_equal(be_state(1, 0), "4");
		ping(&g, (uint8_t)i);
	}
	assert_int_equal(c.probe, 1);
	assert_int_equal(c.connect, 6);
	assert_int_equal(c.remove, 0);
}

/* The guest dies: both directories vanish; the device goes. */
static void guest_death(void **state)
{
	struct guest a, b;

	(void)state;
	connect_guest(&a, 1, 0);
	connect_guest(&b, 2, 0);
	fpf_rm(T.f, "/local/domain/1");
	fpf_rm(T.f, BE "/1");
	run();
	assert_int_equal(c.disconnect, 1);
	assert_int_equal(c.remove, 1);
	assert_null(be_state(1, 0)); /* nothing written back */
	assert_null(fpf_read(T.f, BE "/1"));
	assert_int_equal(fpf_mapped(T.f), 1);
	ping(&b, 9);
	/* backend, frontend watches: one of each for the living guest */
	assert_int_equal(fpf_watches(T.f), 2);
}

/* A guest dies and a new one gets its domid (and a device with the same
 * id) before the backend looked: the new device is a new device. */
static void domid_reused(void **state)
{
	struct guest a, b;

	(void)state;
	connect_guest(&a, 1, 0);
	fpf_rm(T.f, "/local/domain/1");
	fpf_rm(T.f, BE "/1");
	fpf_add_device(T.f, "vechoback", "vecho", 1, 0);
	run();
	assert_int_equal(c.disconnect, 1);
	assert_int_equal(c.remove, 1);
	assert_int_equal(c.probe, 2);
	assert_string_equal(be_state(1, 0), "2");
	assert_null(be_key(1, 0, "error"));
	assert_int_equal(fpf_mapped(T.f), 0);
	/* the same again, with the new frontend already Initialised */
	fpf_rm(T.f, "/local/domain/1");
	fpf_rm(T.f, BE "/1");
	fpf_add_device(T.f, "vechoback", "vecho", 1, 0);
	publish(&b, 1, 0);
	fpf_write(T.f, "3", FE "/state", 1, 0);
	run();
	assert_string_equal(be_state(1, 0), "4");
	assert_null(be_key(1, 0, "error"));
	ping(&b, 12);
}

/* The backend directory goes first, then the frontend's. */
static void guest_death_backend_first(void **state)
{
	struct guest a;

	(void)state;
	connect_guest(&a, 3, 1);
	fpf_rm(T.f, BE "/3/1");
	run();
	assert_int_equal(c.remove, 1);
	fpf_rm(T.f, "/local/domain/3");
	run();
	assert_null(fpf_read(T.f, BE "/3/1"));
	assert_int_equal(fpf_watches(T.f), 1);
}

/* The frontend's directory vanishes while the backend's stays. */
static void frontend_vanishes(void **state)
{
	struct guest a;

	(void)state;
	connect_guest(&a, 1, 0);
	fpf_rm(T.f, FE, 1, 0);
	run();
	assert_string_equal(be_state(1, 0), "6");
	assert_int_equal(c.disconnect, 1);
	assert_int_equal(c.remove, 0);
}

/* pvctl device-remove: online 0, state Closing. */
static void toolstack_remove(void **state)
{
	struct guest a;

	(void)state;
	connect_guest(&a, 1, 0);
	fpf_write(T.f, "0", BE "/1/0/online");
	fpf_write(T.f, "5", BE "/1/0/state");
	run();
	assert_string_equal(be_state(1, 0), "6");
	assert_int_equal(c.disconnect, 1);
	assert_int_equal(fpf_mapped(T.f), 0);
	/* The frontend closing too changes nothing. */
	fe_state(1, 0, "6");
	assert_string_equal(be_state(1, 0), "6");
	assert_int_equal(c.connect, 1);
	fpf_rm(T.f, BE "/1/0");
	fpf_rm(T.f, FE, 1, 0);
	run();
	assert_int_equal(c.remove, 1);
}

/* A toolstack that writes Closing with online still 1. */
static void toolstack_closing_only(void **state)
{
	struct guest a;

	(void)state;
	connect_guest(&a, 1, 0);
	fpf_write(T.f, "5", BE "/1/0/state");
	run();
	assert_string_equal(be_state(1, 0), "6");
	assert_int_equal(c.disconnect, 1);
}

/* A new backend finds devices connected: straight back to Connected. */
static void restart(void **state)
{
	struct guest a, b;

	(void)state;
	connect_guest(&a, 1, 0);
	connect_guest(&b, 2, 0);
	pvback_free(T.b);
	assert_int_equal(c.disconnect, 2);
	assert_int_equal(c.remove, 2);
	assert_int_equal(fpf_mapped(T.f), 0);
	assert_string_equal(be_state(1, 0), "4"); /* left as it was */
	fpf_clear_log(T.f);
	memset(&c, 0, sizeof(c));
	start_backend();
	assert_int_equal(c.probe, 2);
	assert_int_equal(c.connect, 2);
	/* no InitWait on the way: the frontends see nothing change */
	assert_string_equal(fpf_log(T.f, BE "/1/0/state"), "4");
	assert_string_equal(fpf_log(T.f, BE "/2/0/state"), "4");
	ping(&a, 5);
	ping(&b, 6);
}

/* A type whose state lives in the backend process: a new process asks a
 * Connected frontend to reconnect (InitWait), and connects only when it
 * has come round again; an Initialised frontend connects at once. */
static void restart_reconnect(void **state)
{
	struct pvback_device_ops o = echo_ops;
	struct guest a, b;

	(void)state;
	o.reconnect_on_restart = true;
	connect_guest(&a, 1, 0);
	fe_state(1, 0, "4");
	fpf_add_device(T.f, "vechoback", "vecho", 2, 0);
	run();
	publish(&b, 2, 0);
	pvback_free(T.b);
	fpf_write(T.f, "3", FE "/state", 2, 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(pvback_new(T.base, &fpf_ops, T.f, &T.b), 0);
	assert_int_equal(pvback_register(T.b, &o, NULL), 0);
	run();
	assert_string_equal(be_state(1, 0), "2"); /* asked to reconnect */
	assert_string_equal(be_state(2, 0), "4"); /* had no backend yet */
	assert_int_equal(c.probe, 2);
	assert_int_equal(c.connect, 1);
	ping(&b, 9);
	fe_state(1, 0, "5");
	assert_string_equal(be_state(1, 0), "5");
	fe_state(1, 0, "6");
	assert_string_equal(be_state(1, 0), "6");
	fe_state(1, 0, "1");
	assert_string_equal(be_state(1, 0), "2");
	fe_state(1, 0, "3");
	assert_string_equal(be_state(1, 0), "4");
	assert_int_equal(c.connect, 2);
	ping(&a, 10);
	fe_state(1, 0, "4");
	assert_string_equal(be_state(1, 0), "4");
	assert_int_equal(c.connect, 2);
	pvback_free(T.b);
	start_backend(); /* teardown frees the echo type's backend */
}

/* Restarted while a frontend was half-way: Initialising waits. */
static void restart_states(void **state)
{
	struct guest a;

	(void)state;
	fpf_add_device(T.f, "vechoback", "vecho", 1, 0);
	fpf_add_device(T.f, "vechoback", "vecho", 1, 1);
	fpf_add_device(T.f, "vechoback", "vecho", 1, 2);
	run();
	pvback_free(T.b);
	fpf_write(T.f, "5", FE "/state", 1, 1);
	fpf_write(T.f, "6", FE "/state", 1, 2);
	fpf_write(T.f, "5 an old failure", BE "/1/0/error");
	start_backend();
	assert_null(be_key(1, 0, "error"));
	assert_string_equal(be_state(1, 0), "2");
	assert_string_equal(be_state(1, 1), "5");
	assert_string_equal(be_state(1, 2), "6");
	fe_state(1, 1, "6");
	assert_string_equal(be_state(1, 1), "6");
	publish(&a, 1, 2);
	fe_state(1, 2, "1");
	assert_string_equal(be_state(1, 2), "2");
	fe_state(1, 2, "3");
	assert_string_equal(be_state(1, 2), "4");
	ping(&a, 1);
}

/* A failed device comes back when the frontend closes and starts again. */
/* Moves that the table allows by way of Initialising are fine. */
/* connect() fails after mapping and binding: disconnect() still runs,
 * and what it left is released. */
/* The device fails itself from its event callback: it is disconnected
 * from the loop afterwards, and its callbacks stop. */
/* Devices there before the type was registered are found at once. */
static void found_at_start(void **state)
{
	(void)state;
	assert_int_equal(pvback_unregister(T.b, &echo_ops), 0);
	for (unsigned int d = 1; d < 4; d++)
		for (unsigned int i = 0; i < 3; i++)
			fpf_add_device(T.f, "vechoback", "vecho", (domid_t)d,
				       i);
	fpf_write(T.f, "", BE "/junk");
	fpf_write(T.f, "", BE "/1/junk");
	fpf_write(T.f, "", BE "/01/0");
	assert_int_equal(pvback_register(T.b, &echo_ops, NULL), 0);
	run();
	assert_int_equal(c.probe, 9);
	for (unsigned int d = 1; d < 4; d++)
		for (unsigned int i = 0; i < 3; i++)
			assert_string_equal(be_state((domid_t)d, i), "2");
	assert_int_equal(pvback_unregister(T.b, &echo_ops), 0);
	assert_int_equal(c.remove, 9);
	assert_int_equal(pvback_unregister(T.b, &echo_ops), -ENOENT);
}

static void register_errors(void **state)
{
	struct pvback_device_ops o = echo_ops;

	(void)state;
	assert_int_equal(pvback_register(T.b, &o, NULL), -EEXIST);
	o.backend_dir = "a/b";
	assert_int_equal(pvback_register(T.b, &o, NULL), -EINVAL);
	o.backend_dir = NULL;
	o.type = "";
	assert_int_equal(pvback_register(T.b, &o, NULL), -EINVAL);
	o.type = "..";
	assert_int_equal(pvback_register(T.b, &o, NULL), -EINVAL);
	o.type = "other";
	o.connect = NULL;
	assert_int_equal(pvback_register(T.b, &o, NULL), -EINVAL);
	o.connect = echo_connect;
	assert_int_equal(pvback_register(T.b, &o, NULL), 0);
	assert_int_equal(pvback_unregister(T.b, &o), 0);
}

static void fatal_cb(struct pvback *b, int err, void *arg)
{
	(void)b;
	*(int *)arg = err;
}

static void platform_breaks(void **state)
{
	int err = 0;

	(void)state;
	pvback_set_fatal(T.b, fatal_cb, &err);
	fpf_break(T.f, -ECONNRESET);
	run();
	assert_int_equal(err, -ECONNRESET);
	assert_int_equal(pvback_error(T.b), -ECONNRESET);
	fpf_break(T.f, 0);
}

/* Writes that conflict are retried; a device removed meanwhile gets no
 * stray nodes. */
static void guarded_writes(void **state)
{
	struct guest g;

	(void)state;
	connect_guest(&g, 1, 0);
	fpf_tx_conflicts(T.f, 3);
	assert_int_equal(pvback_dev_write(c.last, "k", "v"), 0);
	assert_string_equal(be_key(1, 0, "k"), "v");
	assert_int_equal(pvback_dev_printf(c.last, "n", "%d", 42), 0);
	assert_string_equal(be_key(1, 0, "n"), "42");
	assert_int_equal(pvback_dev_rm(c.last, "n"), 0);
	assert_null(be_key(1, 0, "n"));
	assert_int_equal(pvback_dev_rm(c.last, "n"), 0);
	assert_int_equal(pvback_dev_write(c.last, "/abs", "v"), -EINVAL);
	assert_int_equal(pvback_dev_write(c.last, "../x", "v"), -EINVAL);
	fpf_rm(T.f, BE "/1/0"); /* not yet noticed */
	assert_int_equal(pvback_dev_write(c.last, "k", "v"), -ENOENT);
	assert_null(fpf_read(T.f, BE "/1/0"));
	run();
	assert_int_equal(c.remove, 1);
}

static void read_keys(void **state)
{
	struct guest g;
	uint64_t v;
	char buf[8];

	(void)state;
	connect_guest(&g, 1, 0);
	struct pvback_dev *d = c.last;
	fpf_write(T.f, "123", FE "/n", 1, 0);
	fpf_write(T.f, "0x1f", FE "/h", 1, 0);
	fpf_write(T.f, "-1", FE "/neg", 1, 0);
	fpf_write(T.f, "12a", FE "/junk", 1, 0);
	fpf_write(T.f, " 1", FE "/space", 1, 0);
	fpf_write(T.f, "18446744073709551616", FE "/big", 1, 0);
	fpf_write(T.f, "0x", FE "/x", 1, 0);
	assert_int_equal(
	    pvback_dev_read_uint(d, PVBACK_FRONTEND, "n", 0, 200, &v), 0);
	assert_int_equal(v, 123);
	assert_int_equal(
	    pvback_dev_read_uint(d, PVBACK_FRONTEND, "n", 0, 100, &v), -EINVAL);
	assert_int_equal(
	    pvback_dev_read_uint(d, PVBACK_FRONTEND, "n", 124, 200, &v),
	    -EINVAL);
	assert_int_equal(
	    pvback_dev_read_uint(d, PVBACK_FRONTEND, "h", 0, 100, &v), 0);
	assert_int_equal(v, 31);
	assert_int_equal(
	    pvback_dev_read_uint(d, PVBACK_FRONTEND, "neg", 0, UINT64_MAX, &v),
	    -EINVAL);
	assert_int_equal(
	    pvback_dev_read_uint(d, PVBACK_FRONTEND, "junk", 0, UINT64_MAX, &v),
	    -EINVAL);
	assert_int_equal(pvback_dev_read_uint(d, PVBACK_FRONTEND, "space", 0,
					      UINT64_MAX, &v),
			 -EINVAL);
	assert_int_equal(
	    pvback_dev_read_uint(d, PVBACK_FRONTEND, "big", 0, UINT64_MAX, &v),
	    -EINVAL);
	assert_int_equal(
	    pvback_dev_read_uint(d, PVBACK_FRONTEND, "x", 0, UINT64_MAX, &v),
	    -EINVAL);
	assert_int_equal(
	    pvback_dev_read_uint(d, PVBACK_FRONTEND, "none", 0, 1, &v),
	    -ENOENT);
	assert_int_equal(
	    pvback_dev_read(d, PVBACK_FRONTEND, "n", buf, sizeof(buf)), 3);
	assert_string_equal(buf, "123");
	assert_int_equal(
	    pvback_dev_read(d, PVBACK_FRONTEND, "big", buf, sizeof(buf)),
	    -E2BIG);
	assert_int_equal(pvback_dev_read(d, PVBACK_BACKEND, "feature-echo", buf,
					 sizeof(buf)),
			 1);
	assert_int_equal(
	    pvback_dev_read(d, PVBACK_BACKEND, "", buf, sizeof(buf)), -EINVAL);
}

static const struct CMUnitTest tests[] = {
#define CASE(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    CASE(connect_basic),
    CASE(connect_direct),
    CASE(two_guests),
    CASE(close_and_reconnect),
    CASE(guest_death),
    CASE(domid_reused),
    CASE(guest_death_backend_first),
    CASE(frontend_vanishes),
    CASE(toolstack_remove),
    CASE(toolstack_closing_only),
    CASE(restart),
    CASE(restart_states),
    CASE(restart_reconnect),
    CASE(found_at_start),
    CASE(register_errors),
    CASE(platform_breaks),
    CASE(guarded_writes),
    CASE(read_keys),
};

PV_UNIT_MAIN("pvback_bus", tests)
