/*
 * pvhv end to end: domain life cycle through libpvhv and through the pvctl
 * command line, config errors, shutdown and SIGTERM clean-up, and a check
 * that 100 create/destroy cycles leak neither fds nor memory in pvhv.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
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

static void wait_ready(struct hvt *t, domid_t d)
{
	char line[256];

	assert_int_equal(hvt_console_expect(t, d, "GREF=", line, sizeof(line),
					    5000),
			 0);
}

static void create_info_pause_destroy(void **state)
{
	struct hvt *t = *state;
	struct pvhv_dominfo info[8];
	struct pvhv_exit ex;
	domid_t d, found;

	assert_int_equal(hvt_create(t, "life", "guest_grant", "ro", NULL, &d),
			 0);
	wait_ready(t, d);
	assert_int_equal(pvhv_domain_list(t->h, info, 8), 1);
	assert_int_equal(info[0].domid, d);
	assert_string_equal(info[0].name, "life");
	assert_int_equal(info[0].state, PVHV_STATE_RUNNING);
	assert_int_equal(info[0].memory_kib, 16 * 1024);
	assert_int_equal(pvhv_domain_find(t->h, "life", &found), 0);
	assert_int_equal(found, d);
	assert_int_equal(pvhv_domain_pause(t->h, d), 0);
	assert_int_equal(pvhv_domain_info(t->h, d, info), 0);
	assert_int_equal(info[0].state, PVHV_STATE_PAUSED);
	assert_int_equal(pvhv_domain_unpause(t->h, d), 0);
	assert_int_equal(pvhv_domain_info(t->h, d, info), 0);
	assert_int_equal(info[0].state, PVHV_STATE_RUNNING);
	assert_int_equal(pvhv_domain_destroy(t->h, d), 0);
	assert_int_equal(pvhv_domain_wait(t->h, d, &ex), -ESRCH);
	assert_int_equal(pvhv_domain_list(t->h, info, 8), 0);
}

static void wait_reports_destroy(void **state)
{
	struct hvt *t = *state;
	struct pvhv_exit ex;
	struct hvt *other = t;
	domid_t d;
	pid_t child;
	int status;

	assert_int_equal(hvt_create(t, "waited", "guest_grant", "ro", NULL,
				    &d),
			 0);
	wait_ready(t, d);
	/* A second connection destroys while the first waits (half a second
	 * later: the WAIT must reach pvhv first, even on a loaded machine). */
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct pvhv *h2;

		usleep(500000);
		if (pvhv_open(other->rundir, 0, &h2))
			_exit(1);
		_exit(pvhv_domain_destroy(h2, d) ? 2 : 0);
	}
	assert_int_equal(pvhv_domain_wait(t->h, d, &ex), 0);
	assert_int_equal(ex.reason, PVHV_EXIT_DESTROYED);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_int_equal(status, 0);
}

/* The guest powers off after one event; preserved, it stays listed as shut
 * down with its reason (no race with a WAIT that could come too late). */
static void poweroff_is_reported(void **state)
{
	struct hvt *t = *state;
	struct pvhv_dominfo info;
	struct pvhv_port *port;
	char line[256];
	domid_t d;
	int i;

	assert_int_equal(hvt_create(t, "off", "guest_grant", "ro events=1",
				    "on_poweroff = \"preserve\"", &d),
			 0);
	assert_int_equal(hvt_console_expect(t, d, "PORT=", line, sizeof(line),
					    5000),
			 0);
	assert_int_equal(pvhv_evtchn_bind_interdomain(
				 t->h, d, (evtchn_port_t)hvt_field(line, "PORT"),
				 &port),
			 0);
	assert_int_equal(pvhv_port_notify(port), 0);
	for (i = 0; i < 1000; i++) {
		assert_int_equal(pvhv_domain_info(t->h, d, &info), 0);
		if (info.state == PVHV_STATE_SHUTDOWN)
			break;
		usleep(10000);
	}
	assert_int_equal(info.state, PVHV_STATE_SHUTDOWN);
	assert_int_equal(info.shutdown_reason, SHUTDOWN_poweroff);
	assert_int_equal(hvt_console_expect(t, d, "EVENTS=1", line,
					    sizeof(line), 0),
			 0);
	pvhv_port_unbind(port);
	assert_int_equal(pvhv_domain_destroy(t->h, d), 0);
}

static void config_errors_name_file_line_key(void **state)
{
	struct hvt *t = *state;
	char path[400], err[1024] = "", want[512];
	domid_t d;

	assert_int_equal(hvt_write_cfg(t, "bad", "name = \"bad\"\n"
						 "kernel = \"/bin/true\"\n"
						 "memory = \"lots\"\n",
				       path, sizeof(path)),
			 0);
	assert_int_equal(pvhv_domain_create(t->h, path, &d, err, sizeof(err)),
			 -EINVAL);
	snprintf(want, sizeof(want), "%s:3: memory:", path);
	assert_non_null(strstr(err, want));

	assert_int_equal(hvt_write_cfg(t, "bad2", "name = \"b2\"\nkernel = "
						  "\"/bin/true\"\nvwfi = \"x\"\n"
						  "cpus = \"0\"\nmystery = 1\n",
				       path, sizeof(path)),
			 0);
	assert_int_equal(pvhv_domain_create(t->h, path, &d, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, ":3: vwfi:"));

	assert_int_equal(hvt_write_cfg(t, "bad3", "name = \"b3\"\nkernel = "
						  "\"/bin/true\"\nmystery = 1\n",
				       path, sizeof(path)),
			 0);
	assert_int_equal(pvhv_domain_create(t->h, path, &d, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, ":3: mystery: unknown key"));
}

/* ---- pvctl ---------------------------------------------------------------- */

static int pvctl(struct hvt *t, char *out, size_t len, const char *args)
{
	return hvt_sh(out, len, "%s --rundir %s %s", PVCTL_BIN, t->rundir,
		      args);
}

static void pvctl_commands(void **state)
{
	struct hvt *t = *state;
	char out[8192], cfg[400], cmd[600], text[600];

	snprintf(text, sizeof(text), "name = \"cli\"\nkernel = \"%s/"
		 "guest_grant\"\nmemory = 16\ncmdline = \"ro\"\nvcpus = 1\n",
		 hvt_guest_dir(t));
	assert_int_equal(hvt_write_cfg(t, "cli", text, cfg, sizeof(cfg)), 0);
	snprintf(cmd, sizeof(cmd), "create %s", cfg);
	assert_int_equal(pvctl(t, out, sizeof(out), cmd), 0);
	assert_int_equal(pvctl(t, out, sizeof(out), "list"), 0);
	assert_non_null(strstr(out, "Name"));
	assert_non_null(strstr(out, "cli"));
	assert_int_equal(pvctl(t, out, sizeof(out), "info cli"), 0);
	assert_non_null(strstr(out, "cli"));
	assert_int_equal(pvctl(t, out, sizeof(out), "pause cli"), 0);
	assert_int_equal(pvctl(t, out, sizeof(out), "unpause cli"), 0);
	assert_int_equal(pvctl(t, out, sizeof(out), "vcpu-pin cli 0 0"), 0);
	for (int i = 0; i < 200 && !strstr(out, "GREF="); i++) {
		usleep(10000);
		assert_int_equal(pvctl(t, out, sizeof(out), "console cli"), 0);
	}
	assert_non_null(strstr(out, "GREF="));
	assert_int_equal(pvctl(t, out, sizeof(out), "destroy cli"), 0);
	assert_int_not_equal(pvctl(t, out, sizeof(out), "info cli"), 0);
	assert_int_equal(pvctl(t, out, sizeof(out), "--help"), 0);
	assert_non_null(strstr(out, "create"));
	assert_int_equal(pvctl(t, out, sizeof(out), "create --help"), 0);
	assert_int_equal(pvctl(t, out, sizeof(out), "no-such-command"), 2);
}

static void pvctl_without_daemon_says_what_to_do(void **state)
{
	char out[2048];

	(void)state;
	assert_int_not_equal(hvt_sh(out, sizeof(out), "%s --rundir "
				    "/nonexistent/pvkit list", PVCTL_BIN),
			     0);
	assert_non_null(strstr(out, "pvhv"));
}

/* ---- leaks ------------------------------------------------------------------- */

static void hundred_cycles_leak_nothing(void **state)
{
	struct hvt *t = *state;
	int fds0, fds1;
	long rss0, rss1;
	domid_t d;

	/* One cycle first, so lazily allocated state is there before we
	 * measure. */
	assert_int_equal(hvt_create(t, "warm", "guest_grant", "ro", NULL, &d),
			 0);
	wait_ready(t, d);
	assert_int_equal(pvhv_domain_destroy(t->h, d), 0);
	fds0 = hvt_count_fds(t->pid);
	rss0 = hvt_rss_kib(t->pid);

	for (int i = 0; i < 100; i++) {
		assert_int_equal(hvt_create(t, "cycle", "guest_grant", "ro",
					    NULL, &d),
				 0);
		wait_ready(t, d);
		assert_int_equal(pvhv_domain_destroy(t->h, d), 0);
	}
	fds1 = hvt_count_fds(t->pid);
	rss1 = hvt_rss_kib(t->pid);
	print_message("pvhv fds %d -> %d, RSS %ld -> %ld KiB, children %d\n",
		      fds0, fds1, rss0, rss1, hvt_count_children(t->pid));
	assert_int_equal(fds1, fds0);
#if defined(__SANITIZE_ADDRESS__)
	/* ASan's quarantine keeps freed memory resident, so RSS says nothing
	 * here; LeakSanitizer checks pvhv when it exits instead. */
	(void)rss1;
	print_message("RSS not compared under ASan (LeakSanitizer checks "
		      "pvhv at exit)\n");
#else
	/* 100 guests of 16 MiB each were created: any per-guest leak of the
	 * memory mapping would show as megabytes. */
	assert_true(rss1 - rss0 < 2048);
#endif
	assert_int_equal(hvt_count_children(t->pid), 0);
}

static void sigterm_destroys_every_guest(void **state)
{
	struct hvt t2;
	domid_t a, b;
	struct pvhv_dominfo ia, ib;

	(void)state;
	assert_int_equal(hvt_start(&t2, NULL), 0);
	assert_int_equal(hvt_create(&t2, "a", "guest_grant", "ro", NULL, &a),
			 0);
	assert_int_equal(hvt_create(&t2, "b", "guest_grant", "ro", NULL, &b),
			 0);
	wait_ready(&t2, a);
	wait_ready(&t2, b);
	assert_int_equal(pvhv_domain_info(t2.h, a, &ia), 0);
	assert_int_equal(pvhv_domain_info(t2.h, b, &ib), 0);
	assert_true(ia.pid > 0 && ib.pid > 0);
	assert_int_equal(hvt_stop(&t2), 0);
	assert_int_equal(kill(ia.pid, 0), -1);
	assert_int_equal(kill(ib.pid, 0), -1);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(create_info_pause_destroy),
		cmocka_unit_test(wait_reports_destroy),
		cmocka_unit_test(poweroff_is_reported),
		cmocka_unit_test(config_errors_name_file_line_key),
		cmocka_unit_test(pvctl_commands),
		cmocka_unit_test(pvctl_without_daemon_says_what_to_do),
		cmocka_unit_test(hundred_cycles_leak_nothing),
		cmocka_unit_test(sigterm_destroys_every_guest),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("pvhv life cycle", tests, setup,
					   teardown);
}
