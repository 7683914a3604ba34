/*
 * Hostile guests against a real pvhv.  Each case runs one misbehaving
 * guest (tests/integration/guests/guest_hostile) next to a well-behaved
 * bystander guest, and checks that the misbehaviour gets Xen's errors or
 * the guest is destroyed, that pvhv stays up, and that the bystander still
 * answers its events.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "pvkit/proto/sched.h"

struct fixture {
	struct hvt t;
	domid_t bystander;
	struct pvhv_port *by_port;
};

static void wait_event(struct pvhv_port *p, int timeout_ms)
{
	assert_int_equal(hvt_wait_event(p, timeout_ms), 0);
}

static int setup(void **state)
{
	static struct fixture f;
	char line[256];
	int rc;

	*state = &f;
	rc = hvt_start(&f.t, NULL);
	if (!rc)
		rc = hvt_create(&f.t, "bystander", "guest_grant", "ro", NULL,
				&f.bystander);
	if (!rc)
		rc = hvt_console_expect(&f.t, f.bystander, "PORT=", line,
					sizeof(line), 5000);
	if (!rc)
		rc = pvhv_evtchn_bind_interdomain(
			f.t.h, f.bystander,
			(evtchn_port_t)hvt_field(line, "PORT"), &f.by_port);
	if (!rc)
		pvhv_port_drain(f.by_port);
	return rc;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	pvhv_port_unbind(f->by_port);
	return hvt_stop(&f->t);
}

/* pvhv answers and the bystander still plays ping-pong. */
static void others_unharmed(struct fixture *f)
{
	struct pvhv_dominfo info;

	assert_int_equal(pvhv_domain_info(f->t.h, f->bystander, &info), 0);
	assert_int_equal(info.state, PVHV_STATE_RUNNING);
	assert_int_equal(pvhv_port_notify(f->by_port), 0);
	wait_event(f->by_port, 5000);
}

/* Hostile guests are preserved when they stop, so their console can be
 * read after the end; tests destroy them. */
static domid_t start(struct fixture *f, const char *name, const char *cmd,
		     const char *ready, char *line, size_t linelen)
{
	domid_t d;

	assert_int_equal(hvt_create(&f->t, name, "guest_hostile", cmd,
				    "on_poweroff = \"preserve\"\n"
				    "on_crash = \"preserve\"",
				    &d),
			 0);
	if (ready)
		assert_int_equal(hvt_console_expect(&f->t, d, ready, line,
						    linelen, 20000),
				 0);
	return d;
}

/* Wait until the preserved guest d has stopped; its shutdown reason. */
static unsigned int wait_stopped(struct fixture *f, domid_t d)
{
	struct pvhv_dominfo info;

	for (int i = 0; i < 6000; i++) {
		assert_int_equal(pvhv_domain_info(f->t.h, d, &info), 0);
		if (info.state == PVHV_STATE_SHUTDOWN)
			return info.shutdown_reason;
		usleep(10000);
	}
	fail_msg("domain %u did not stop in 60 s", d);
	return ~0u;
}

/* A mode the guest checks itself: its verdict line, then it powers off. */
static void guest_checked(void **state, const char *mode)
{
	struct fixture *f = *state;
	char pattern[64], line[512];
	domid_t d;

	snprintf(pattern, sizeof(pattern), "HOSTILE %s ", mode);
	d = start(f, mode, mode, pattern, line, sizeof(line));
	if (!strstr(line, "PASS")) {
		char all[256];

		/* Shows the whole console on stderr. */
		hvt_console_expect(&f->t, d, "no such line", all, sizeof(all),
				   0);
		fail_msg("%s", line);
	}
	assert_int_equal(wait_stopped(f, d), SHUTDOWN_poweroff);
	assert_int_equal(pvhv_domain_destroy(f->t.h, d), 0);
	others_unharmed(f);
}

static void evtchn_misuse(void **s) { guest_checked(s, "evtchn"); }
static void exhaust_ports(void **s) { guest_checked(s, "exhaust-ports"); }
static void exhaust_grant(void **s) { guest_checked(s, "exhaust-grant"); }
static void unknown_calls(void **s) { guest_checked(s, "unknown"); }
static void oversized_args(void **s) { guest_checked(s, "oversized"); }
static void sandbox_denies(void **s) { guest_checked(s, "sandbox"); }
static void confined_guest(void **s) { guest_checked(s, "confined"); }
static void memory_truncate(void **s) { guest_checked(s, "truncate"); }

/* Every GREF_<what> the guest printed must be refused to dom0. */
static void grants_refused(struct fixture *f, const char *mode,
			   const char *const *what, unsigned int n)
{
	char line[256], key[64];
	domid_t d = start(f, mode, mode, "READY", line, sizeof(line));

	for (unsigned int i = 0; i < n; i++) {
		grant_ref_t ref;
		void *page;

		snprintf(key, sizeof(key), "GREF_%s=", what[i]);
		assert_int_equal(hvt_console_expect(&f->t, d, key, line,
						    sizeof(line), 1000),
				 0);
		snprintf(key, sizeof(key), "GREF_%s", what[i]);
		ref = (grant_ref_t)hvt_field(line, key);
		if (pvhv_grant_map(f->t.h, d, &ref, 1, PROT_READ, &page) == 0)
			fail_msg("dom0 could map GREF_%s", what[i]);
	}
	assert_int_equal(pvhv_domain_destroy(f->t.h, d), 0);
	others_unharmed(f);
}

static void grant_outside_memory(void **state)
{
	static const char *const what[] = { "past_end", "far", "max",
					    "start_info", "shared_info",
					    "grant_table" };

	grants_refused(*state, "grant-outside", what, 6);
}

static void grant_to_wrong_domains(void **state)
{
	static const char *const what[] = { "self", "missing", "invalid",
					    "domid_self", "transfer" };

	grants_refused(*state, "grant-domains", what, 5);
}

/* Ask the flipping guest how many rewrites it has done so far. */
static long flips(struct fixture *f, domid_t d, struct pvhv_port *p)
{
	assert_int_equal(pvhv_port_notify(p), 0);
	wait_event(p, 20000);
	/* The guest prints FLIPS before it answers: the line is there now. */
	return hvt_last_field(&f->t, d, "FLIPS");
}

/* The guest rewrites its entry while dom0 maps it: every map either
 * works or is refused cleanly, and pvhv survives.  The guest's count of
 * rewrites, before and after, shows the race really ran. */
static void flip_entry_while_mapping(void **state)
{
	struct fixture *f = *state;
	unsigned int ok = 0, refused = 0;
	struct pvhv_port *p;
	long before, after;
	char line[256];
	grant_ref_t ref;
	domid_t d = start(f, "flip", "flip", "GREF=", line, sizeof(line));

	ref = (grant_ref_t)hvt_field(line, "GREF");
	assert_int_equal(pvhv_evtchn_bind_interdomain(
				 f->t.h, d,
				 (evtchn_port_t)hvt_field(line, "PORT"), &p),
			 0);
	pvhv_port_drain(p);
	before = flips(f, d, p);
	for (int i = 0; i < 3000; i++) {
		void *page;
		int prot = i & 1 ? PROT_READ : PROT_READ | PROT_WRITE;

		if (pvhv_grant_map(f->t.h, d, &ref, 1, prot, &page) == 0) {
			(void)*(volatile uint8_t *)page;
			assert_int_equal(pvhv_grant_unmap(f->t.h, page, 1), 0);
			ok++;
		} else {
			refused++;
		}
	}
	after = flips(f, d, p);
	print_message("flip: %u maps worked, %u refused; the guest rewrote "
		      "its entry %ld times meanwhile\n",
		      ok, refused, after - before);
	assert_true(after > before);
	pvhv_port_unbind(p);
	assert_int_equal(pvhv_domain_destroy(f->t.h, d), 0);
	others_unharmed(f);
}

static void die_while_mapped(struct fixture *f, const char *cmd)
{
	struct pvhv_port *p;
	char line[256];
	grant_ref_t ref;
	uint8_t *page;
	domid_t d = start(f, "die", cmd, "GREF=", line, sizeof(line));

	ref = (grant_ref_t)hvt_field(line, "GREF");
	assert_int_equal(pvhv_grant_map(f->t.h, d, &ref, 1,
					PROT_READ | PROT_WRITE,
					(void **)&page),
			 0);
	assert_int_equal(pvhv_evtchn_bind_interdomain(
				 f->t.h, d,
				 (evtchn_port_t)hvt_field(line, "PORT"), &p),
			 0);
	assert_int_equal(pvhv_port_notify(p), 0);
	wait_stopped(f, d);
	assert_int_equal(pvhv_domain_destroy(f->t.h, d), 0);
	/* The mapping outlives the guest until dom0 lets go. */
	page[0] ^= 0xff;
	assert_int_equal(pvhv_grant_unmap(f->t.h, page, 1), 0);
	assert_int_equal(pvhv_port_unbind(p), 0);
	others_unharmed(f);
}

static void exit_while_mapped(void **state)
{
	die_while_mapped(*state, "die-mapped");
}

static void killed_while_mapped(void **state)
{
	die_while_mapped(*state, "die-mapped kill");
}

/* A guest that breaks the hypercall ABI is destroyed. */
static void flood(void **state, const char *how)
{
	struct fixture *f = *state;
	char cmd[64], line[256];
	domid_t d;

	snprintf(cmd, sizeof(cmd), "flood %s", how);
	d = start(f, how, cmd, "FLOOD", line, sizeof(line));
	assert_int_equal(wait_stopped(f, d), SHUTDOWN_crash);
	assert_int_equal(hvt_console_expect(&f->t, d, "SURVIVED", line,
					    sizeof(line), 0),
			 -ETIMEDOUT);
	assert_int_equal(pvhv_domain_destroy(f->t.h, d), 0);
	others_unharmed(f);
}

static void flood_short(void **s) { flood(s, "short"); }
static void flood_long(void **s) { flood(s, "long"); }
static void flood_empty(void **s) { flood(s, "empty"); }
static void flood_garbage(void **s) { flood(s, "garbage"); }
static void flood_pipeline(void **s) { flood(s, "pipeline"); }

/* Legal but relentless: the bystander is served meanwhile. */
static void flood_of_legal_calls(void **state)
{
	struct fixture *f = *state;
	char line[256];
	domid_t d = start(f, "calls", "flood calls=200000", NULL, NULL, 0);

	for (int i = 0; i < 200; i++)
		others_unharmed(f);
	assert_int_equal(hvt_console_expect(&f->t, d, "CALLS=", line,
					    sizeof(line), 60000),
			 0);
	print_message("%s\n", line);
	assert_int_equal(wait_stopped(f, d), SHUTDOWN_poweroff);
	assert_int_equal(pvhv_domain_destroy(f->t.h, d), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(evtchn_misuse),
		cmocka_unit_test(exhaust_ports),
		cmocka_unit_test(exhaust_grant),
		cmocka_unit_test(unknown_calls),
		cmocka_unit_test(oversized_args),
		cmocka_unit_test(sandbox_denies),
		cmocka_unit_test(confined_guest),
		cmocka_unit_test(memory_truncate),
		cmocka_unit_test(grant_outside_memory),
		cmocka_unit_test(grant_to_wrong_domains),
		cmocka_unit_test(flip_entry_while_mapping),
		cmocka_unit_test(exit_while_mapped),
		cmocka_unit_test(killed_while_mapped),
		cmocka_unit_test(flood_short),
		cmocka_unit_test(flood_long),
		cmocka_unit_test(flood_empty),
		cmocka_unit_test(flood_garbage),
		cmocka_unit_test(flood_pipeline),
		cmocka_unit_test(flood_of_legal_calls),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("pvhv hostile guests", tests,
					   setup, teardown);
}
