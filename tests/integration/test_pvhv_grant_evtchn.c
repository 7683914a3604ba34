/*
 * Grants and event channels between dom0 (this test, through libpvhv) and
 * real process guests on a real pvhv: a granted pattern page mapped and
 * checked, written through a read-write grant and seen by the guest,
 * refused for writing through a read-only grant; 100,000 event round trips
 * with nothing lost (vwfi=trap) and 20,000 with vwfi=native; a guest that
 * crashes in the middle of an exchange is cleaned up.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "pvkit/proto/sched.h"

static int setup(void **state)
{
	static struct hvt t;

	*state = &t;
	return hvt_start(&t, NULL);
}

static int teardown(void **state)
{
	return hvt_stop(*state);
}

struct shared {
	domid_t dom;
	grant_ref_t ref;
	evtchn_port_t port;
};

static void start_guest(struct hvt *t, const char *name, const char *guest,
			const char *cmdline, const char *cfg, struct shared *s)
{
	char line[256];

	assert_int_equal(hvt_create(t, name, guest, cmdline, cfg, &s->dom), 0);
	assert_int_equal(hvt_console_expect(t, s->dom, "GREF=", line,
					    sizeof(line), 5000),
			 0);
	s->ref = (grant_ref_t)hvt_field(line, "GREF");
	s->port = (evtchn_port_t)hvt_field(line, "PORT");
}

static uint8_t pattern(unsigned int i)
{
	return (uint8_t)((i * 31 + 7) & 0xff);
}

static void check_pattern(const uint8_t *page)
{
	for (unsigned int i = 0; i < 4096; i++)
		if (page[i] != pattern(i))
			fail_msg("byte %u is 0x%x, want 0x%x", i, page[i],
				 pattern(i));
}

/* Wait for one event on p; fails the test after timeout_ms. */
static void wait_event(struct pvhv_port *p, int timeout_ms)
{
	assert_int_equal(hvt_wait_event(p, timeout_ms), 0);
}

static void ro_grant_maps_read_only(void **state)
{
	struct hvt *t = *state;
	struct shared s;
	void *page;
	pid_t child;
	int status;

	start_guest(t, "ro", "guest_grant", "ro", NULL, &s);
	assert_int_equal(pvhv_grant_map(t->h, s.dom, &s.ref, 1,
					PROT_READ | PROT_WRITE, &page),
			 -EPERM);
	assert_int_equal(pvhv_grant_map(t->h, s.dom, &s.ref, 1, PROT_READ,
					&page),
			 0);
	check_pattern(page);
	/* Writing through the mapping must fault. */
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		/* cmocka catches SIGSEGV; this child must really die of it. */
		signal(SIGSEGV, SIG_DFL);
		*(volatile uint8_t *)page = 1;
		_exit(0);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSEGV);
	assert_int_equal(mprotect(page, 4096, PROT_READ | PROT_WRITE), -1);
	assert_int_equal(pvhv_grant_unmap(t->h, page, 1), 0);
	assert_int_equal(pvhv_domain_destroy(t->h, s.dom), 0);
}

static void rw_grant_write_reaches_guest(void **state)
{
	struct hvt *t = *state;
	struct pvhv_port *p;
	struct shared s;
	char line[256];
	uint8_t *page;

	start_guest(t, "rw", "guest_grant", "rw", NULL, &s);
	assert_int_equal(pvhv_grant_map(t->h, s.dom, &s.ref, 1,
					PROT_READ | PROT_WRITE,
					(void **)&page),
			 0);
	check_pattern(page);
	assert_int_equal(pvhv_evtchn_bind_interdomain(t->h, s.dom, s.port,
						      &p),
			 0);
	pvhv_port_drain(p);
	memcpy(page, "!hello from dom0", 17);
	assert_int_equal(pvhv_port_notify(p), 0);
	wait_event(p, 5000);
	assert_int_equal(hvt_console_expect(t, s.dom, "DOM0 WROTE:", line,
					    sizeof(line), 5000),
			 0);
	assert_non_null(strstr(line, "hello from dom0"));
	assert_int_equal(pvhv_port_unbind(p), 0);
	assert_int_equal(pvhv_grant_unmap(t->h, page, 1), 0);
	assert_int_equal(pvhv_domain_destroy(t->h, s.dom), 0);
}

static void round_trips(struct hvt *t, const char *name, const char *cfg,
			unsigned int n)
{
	struct pvhv_port *p;
	struct shared s;

	start_guest(t, name, "guest_grant", "ro", cfg, &s);
	assert_int_equal(pvhv_evtchn_bind_interdomain(t->h, s.dom, s.port,
						      &p),
			 0);
	pvhv_port_drain(p); /* a new binding starts pending */
	for (unsigned int i = 0; i < n; i++) {
		assert_int_equal(pvhv_port_notify(p), 0);
		wait_event(p, 5000);
	}
	/* Exactly one answer per event: nothing extra is pending. */
	usleep(20000);
	assert_int_equal(pvhv_port_drain(p), 0);
	assert_int_equal(pvhv_port_unbind(p), 0);
	assert_int_equal(pvhv_domain_destroy(t->h, s.dom), 0);
}

static void hundred_thousand_round_trips_trap(void **state)
{
	round_trips(*state, "trap", "vwfi = \"trap\"", 100000);
}

static void round_trips_native(void **state)
{
	round_trips(*state, "native", "vwfi = \"native\"", 20000);
}

static void crash_mid_exchange_is_cleaned_up(void **state)
{
	struct hvt *t = *state;
	struct pvhv_dominfo info;
	struct pvhv_port *p;
	struct evtchn_status st;
	struct pvhv_exit ex;
	struct shared s;
	uint8_t *page;
	int rc;

	start_guest(t, "crash", "guest_crash", "segv after=3", NULL, &s);
	assert_int_equal(pvhv_grant_map(t->h, s.dom, &s.ref, 1,
					PROT_READ | PROT_WRITE,
					(void **)&page),
			 0);
	assert_int_equal(pvhv_evtchn_bind_interdomain(t->h, s.dom, s.port,
						      &p),
			 0);
	pvhv_port_drain(p);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pvhv_port_notify(p), 0);
		wait_event(p, 5000);
	}
	assert_int_equal(pvhv_port_notify(p), 0); /* the fatal one */
	/* The guest may crash and be gone before the WAIT reaches pvhv
	 * (-ESRCH): then how it ended cannot be asked, only that it did. */
	rc = pvhv_domain_wait(t->h, s.dom, &ex);
	assert_true(rc == 0 || rc == -ESRCH);
	if (rc == 0) {
		assert_int_equal(ex.reason, SHUTDOWN_crash);
		/* Killed by SIGSEGV; a sanitizer-built guest reports and
		 * exits 1. */
		assert_true(WIFSIGNALED(ex.status) ||
			    (WIFEXITED(ex.status) &&
			     WEXITSTATUS(ex.status) != 0));
	}
	assert_int_equal(pvhv_domain_info(t->h, s.dom, &info), -ESRCH);
	/* Our end of the channel is unbound now, the page still ours. */
	assert_int_equal(pvhv_port_status(p, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	check_pattern(page);
	page[0] = 0x5a;
	assert_int_equal(pvhv_grant_unmap(t->h, page, 1), 0);
	assert_int_equal(pvhv_port_unbind(p), 0);
	/* pvhv carries on. */
	start_guest(t, "after", "guest_grant", "ro", NULL, &s);
	assert_int_equal(pvhv_domain_destroy(t->h, s.dom), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ro_grant_maps_read_only),
		cmocka_unit_test(rw_grant_write_reaches_guest),
		cmocka_unit_test(hundred_thousand_round_trips_trap),
		cmocka_unit_test(round_trips_native),
		cmocka_unit_test(crash_mid_exchange_is_cleaned_up),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("pvhv grants and events", tests,
					   setup, teardown);
}
