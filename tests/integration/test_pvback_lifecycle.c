/*
 * libpvback end to end: a real pvhv, the echo backend pvback_testd (a
 * process of its own), and process guests running guest_pvback_echo,
 * which connect pvcalls devices by hand and ping through them.
 *
 *   connect         one guest: InitWait, Connected, echoes; the backend's
 *                   feature key is there
 *   two_guests      two guests at once on one backend, one with a second
 *                   device it never connects (it waits in InitWait)
 *   guest_crash     guests destroyed mid-handshake and while connected,
 *                   over and over: each device freed, a bystander never
 *                   misses an echo, the backend's descriptors and mappings
 *                   unchanged
 *   reconnect       a frontend closing and connecting again, many times
 *   restart         pvback_testd killed (SIGKILL) and started again, many
 *                   times: both guests' devices Connected again without
 *                   restarting them; pvhv's descriptors unchanged
 *   clean_restart   the same with SIGTERM (the store is left as it is)
 *   hotplug_remove  device-add while the guest runs (the backend takes it
 *                   to InitWait), device-remove of the connected device
 *                   (the backend closes it, pvhv says CLOSED), the other
 *                   device untouched
 * $PVBACK_TEST_LOOPS sets the number of rounds (default 30).
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "pvback_util.h"

static struct pbt k;

static int setup(void **state)
{
	(void)state;
	return pbt_start(&k);
}

static int teardown(void **state)
{
	(void)state;
	return pbt_stop(&k);
}

static char *seq(const char *what, unsigned int n)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "%s seq=%u ", what, n);
	return buf;
}

static domid_t echo_guest(const char *name, const char *cmdline,
			  unsigned int ndev)
{
	domid_t d;

	assert_int_equal(pbt_guest(&k, name, cmdline, ndev, &d), 0);
	return d;
}

static void connected(domid_t d, unsigned int dev, unsigned int n)
{
	assert_int_equal(pbt_expect(&k, d, seq("ECHO", n)), 0);
	assert_int_equal(pbt_be_wait(&k, d, dev, "state", "4", 5000), 0);
}

static void connect(void **state)
{
	char buf[64];
	domid_t d;

	(void)state;
	d = echo_guest("g1", "", 1);
	assert_int_equal(pbt_expect(&k, d, seq("CONNECTED", 1)), 0);
	connected(d, 0, 1);
	assert_int_equal(
	    pbt_be_read(&k, d, 0, "feature-echo", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1");
	assert_int_equal(pbt_be_read(&k, d, 0, "error", buf, sizeof(buf)),
			 -ENOENT);
	assert_true(pbt_testd_said(&k, "connected"));
}

static void two_guests(void **state)
{
	domid_t a, b;

	(void)state;
	a = echo_guest("a", "", 1);
	b = echo_guest("b", "dev=1", 2);
	connected(a, 0, 1);
	connected(b, 1, 1);
	assert_int_equal(pbt_be_wait(&k, b, 0, "state", "2", 5000), 0);
	assert_int_equal(pbt_count(&k, a, "LOST"), 0);
	assert_int_equal(pbt_count(&k, b, "LOST"), 0);
}

/* The backend's descriptors and mappings (maps -1: any) back to what
 * they were (pvhv's notice that a guest died may come a little after the
 * store's news, and libpvhv keeps a guest's memory until then). */
static void back_to(int fds, int maps)
{
	if (PBT_ASAN) /* its allocator maps more as its quarantine grows */
		maps = -1;
	for (int i = 0; i < 400; i++) {
		if (pbt_fds(&k) == fds && (maps < 0 || pbt_maps(&k) == maps))
			return;
		usleep(5000);
	}
	assert_int_equal(pbt_fds(&k), fds);
	if (maps >= 0)
		assert_int_equal(pbt_maps(&k), maps);
}

/* Destroy d; its device gone from the store (and so from the backend). */
static void destroy(domid_t d)
{
	assert_int_equal(pvhv_domain_destroy(k.t.h, d), 0);
	assert_int_equal(pbt_be_wait(&k, d, 0, "state", NULL, 10000), 0);
}

/* A guest that is destroyed, then its device gone from the store. */
static void crash_one(unsigned int i, bool connect_first)
{
	char name[32];
	domid_t d;

	snprintf(name, sizeof(name), "crash%u", i);
	d = echo_guest(name, "", 1);
	if (connect_first)
		connected(d, 0, 1);
	destroy(d);
}

static void guest_crash(void **state)
{
	unsigned int loops = pbt_loops(30);
	domid_t by;
	int fds, maps;
	long rss;

	(void)state;
	by = echo_guest("bystander", "", 1);
	connected(by, 0, 1);
	fds = pbt_fds(&k);
	crash_one(0, true); /* warm-up: the allocator's first growth */
	back_to(fds, -1);
	maps = pbt_maps(&k);
	rss = hvt_rss_kib(k.testd);
	for (unsigned int i = 1; i <= loops; i++)
		crash_one(i, i % 2 == 0);
	/* Let the backend notice the last one is gone, then count. */
	assert_int_equal(pbt_be_wait(&k, by, 0, "state", "4", 1000), 0);
	back_to(fds, maps);
	if (!PBT_ASAN)
		assert_true(hvt_rss_kib(k.testd) - rss < 1024);
	assert_int_equal(pbt_count(&k, by, "LOST"), 0);
	assert_int_equal(pbt_count(&k, by, "CONNECTED"), 1);
}

static void reconnect(void **state)
{
	unsigned int loops = pbt_loops(30);
	char cmd[32];
	domid_t d, by;
	int fds, maps;

	(void)state;
	by = echo_guest("bystander", "", 1);
	connected(by, 0, 1);
	fds = pbt_fds(&k);
	maps = pbt_maps(&k);
	snprintf(cmd, sizeof(cmd), "close cycles=%u", loops);
	d = echo_guest("cycler", cmd, 1);
	assert_int_equal(pbt_expect(&k, d, "CYCLES DONE"), 0);
	connected(d, 0, loops + 1);
	assert_int_equal(pbt_count(&k, by, "LOST"), 0);
	assert_int_equal(pbt_count(&k, d, "LOST"), 0);
	/* Everything the cycles took was given back: once the guest is
	 * gone, the backend holds what it held before. */
	destroy(d);
	assert_int_equal(pbt_be_wait(&k, by, 0, "state", "4", 1000), 0);
	back_to(fds, maps);
}

/* Kill the backend, start it again: the guests' devices come back. */
static void restart_rounds(int sig, unsigned int loops)
{
	domid_t a, b;
	int hv_fds = -1;

	a = echo_guest("a", "", 1);
	b = echo_guest("b", "", 1);
	connected(a, 0, 1);
	connected(b, 0, 1);
	for (unsigned int i = 1; i <= loops; i++) {
		int st = pbt_testd_stop(&k, sig);

		assert_true(sig == SIGKILL ? WIFSIGNALED(st)
					   : WIFEXITED(st) && !WEXITSTATUS(st));
		assert_int_equal(pbt_expect(&k, a, seq("LOST", i)), 0);
		assert_int_equal(pbt_expect(&k, b, seq("LOST", i)), 0);
		assert_int_equal(pbt_testd_start(&k), 0);
		assert_int_equal(pbt_expect(&k, a, seq("RESUMED", i)), 0);
		assert_int_equal(pbt_expect(&k, b, seq("RESUMED", i)), 0);
		if (i == 1)
			hv_fds = hvt_count_fds(k.t.pid);
	}
	assert_int_equal(hvt_count_fds(k.t.pid), hv_fds);
	/* Never through a reconnect: the same connection all along. */
	assert_int_equal(pbt_count(&k, a, "CONNECTED"), 1);
	assert_int_equal(pbt_count(&k, b, "CONNECTED"), 1);
	assert_int_equal(pbt_be_wait(&k, a, 0, "state", "4", 1000), 0);
}

static void restart(void **state)
{
	(void)state;
	restart_rounds(SIGKILL, pbt_loops(30));
}

static void clean_restart(void **state)
{
	(void)state;
	restart_rounds(SIGTERM, pbt_loops(30) / 3 + 1);
}

static void hotplug_remove(void **state)
{
	const char *spec[] = {""};
	enum pvhv_removal how = 0;
	unsigned int id = 0;
	int fds;
	domid_t d;

	(void)state;
	fds = pbt_fds(&k);
	d = echo_guest("hot", "", 1);
	connected(d, 0, 1);
	assert_int_equal(pvhv_device_add(k.t.h, d, "pvcalls", spec, 1, &id), 0);
	assert_int_equal(id, 1);
	assert_int_equal(pbt_be_wait(&k, d, 1, "state", "2", 5000), 0);
	assert_int_equal(
	    pvhv_device_remove(k.t.h, d, "pvcalls", 0, 0, 5000, &how), 0);
	assert_int_equal(how, PVHV_REMOVED_CLOSED);
	assert_int_equal(pbt_expect(&k, d, "GONE"), 0);
	assert_int_equal(pbt_be_wait(&k, d, 0, "state", NULL, 5000), 0);
	assert_int_equal(pbt_be_wait(&k, d, 1, "state", "2", 1000), 0);
	assert_int_equal(
	    pvhv_device_remove(k.t.h, d, "pvcalls", 1, 0, 5000, &how), 0);
	assert_int_equal(how, PVHV_REMOVED_CLOSED);
	assert_int_equal(pbt_be_wait(&k, d, 1, "state", NULL, 5000), 0);
	assert_int_equal(pvhv_domain_destroy(k.t.h, d), 0);
	back_to(fds, -1);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
#define CASE(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	    CASE(connect),	  CASE(two_guests), CASE(guest_crash),
	    CASE(reconnect),	  CASE(restart),    CASE(clean_restart),
	    CASE(hotplug_remove),
	};

	signal(SIGPIPE, SIG_IGN);
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
