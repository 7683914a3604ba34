/*
 * `pvctl store` against a real pvhv, and against Debian's xenstore-utils
 * where they are installed (the cases that need them are skipped, saying
 * why, when they are not):
 *
 *   ls_like_tools     ls, -p, -f, the root, a leaf, a missing node: the
 *                     same bytes and exit status as xenstore-ls
 *   read_like_tools   read, -p, -R, a failure midway: as xenstore-read
 *   write_escapes     write's escapes are xenstore-write's; -R keeps them
 *   watch_count       watch -n: the initial event, then changes, then exit
 *   rm_and_chmod      rm -t takes empty parents along; chmod -r / -u
 *                     reach the nodes below / above
 *   mistakes          usage errors exit 2 and point at --help; store
 *                     errors exit 1 and say what to look at; no pvhv:
 *                     how to start one
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

static struct hvt t;
static bool have_tools;

static int setup(void **state)
{
	(void)state;
	unsetenv("XENSTORED_PATH");
	have_tools = system("command -v xenstore-ls xenstore-read "
			    "xenstore-write xenstore-rm >/dev/null 2>&1") == 0;
	return hvt_start(&t, NULL);
}

static int teardown(void **state)
{
	(void)state;
	return hvt_stop(&t);
}

static void need_tools(const char *name)
{
	if (have_tools)
		return;
	fprintf(stderr, "SKIPPED %s: Debian's xenstore-utils (xenstore-ls, "
			"xenstore-read...) are not installed; "
			"scripts/deps.sh installs them\n",
		name);
	skip();
}

/* Exit status of a shell command line with XENSTORED_PATH set for pvhv;
 * stdout (and stderr, unless the line sends it elsewhere) in out. */
static int run(char *out, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int run(char *out, size_t len, const char *fmt, ...)
{
	char cmd[1800];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	/* In braces: hvt_sh() appends 2>&1 to the whole line. */
	return hvt_sh(out, len, "export XENSTORED_PATH=%s/xenstored.sock; "
				"{ %s ; }",
		      t.rundir, cmd);
}

/* `pvctl store ARGS` through --rundir. */
static int pvctl(char *out, size_t len, const char *args)
{
	return run(out, len, "%s --rundir %s store %s", PVCTL_BIN, t.rundir,
		   args);
}

static void same_output(const char *pvctl_args, const char *tool_cmd)
{
	static char a[65536], b[65536];
	int ra = run(a, sizeof(a), "%s --rundir %s store %s 2>/dev/null",
		     PVCTL_BIN, t.rundir, pvctl_args);
	int rb = run(b, sizeof(b), "%s 2>/dev/null", tool_cmd);

	if (strcmp(a, b) || ra != rb)
		fprintf(stderr, "pvctl store %s (%d):\n%s\n%s (%d):\n%s\n",
			pvctl_args, ra, a, tool_cmd, rb, b);
	assert_string_equal(a, b);
	assert_int_equal(ra, rb);
}

/* A tree with what makes layout hard: escapes, a long value, a long
 * name, depth, permissions. */
static void make_tree(void)
{
	char out[1024];

	assert_int_equal(
		pvctl(out, sizeof(out),
		      "write /tool/pv/a hello /tool/pv/b/c deep /tool/pv/esc "
		      "'x\\ty\\n\\001\\x7f\\\\' /tool/pv/long "
		      "$(printf '%0150d' 0) /tool/pv/$(printf 'n%.0s' "
		      "$(seq 90)) short /tool/pv/empty ''"),
		0);
	assert_int_equal(pvctl(out, sizeof(out), "chmod /tool/pv/a n3 r5"),
			 0);
}

static void drop_tree(void)
{
	char out[1024];

	assert_int_equal(pvctl(out, sizeof(out), "rm /tool/pv"), 0);
}

/* ---- the same output as the tools -------------------------------------- */

static void ls_like_tools(void **state)
{
	(void)state;
	need_tools("ls_like_tools");
	make_tree();
	same_output("ls /tool/pv", "xenstore-ls /tool/pv");
	same_output("ls -p /tool/pv", "xenstore-ls -p /tool/pv");
	same_output("ls -f /tool/pv", "xenstore-ls -f /tool/pv");
	same_output("ls -f -p /tool", "xenstore-ls -f -p /tool");
	same_output("ls", "xenstore-ls");
	same_output("ls /", "xenstore-ls /");
	same_output("ls /tool/pv/a", "xenstore-ls /tool/pv/a");
	same_output("ls /tool/none", "xenstore-ls /tool/none");
	same_output("ls -f local/domain", "xenstore-ls -f local/domain");
	drop_tree();
}

static void read_like_tools(void **state)
{
	(void)state;
	need_tools("read_like_tools");
	make_tree();
	same_output("read /tool/pv/a /tool/pv/esc /tool/pv/long",
		    "xenstore-read /tool/pv/a /tool/pv/esc /tool/pv/long");
	same_output("read -p /tool/pv/esc", "xenstore-read -p /tool/pv/esc");
	same_output("read -R /tool/pv/esc", "xenstore-read -R /tool/pv/esc");
	same_output("read /tool/pv/empty", "xenstore-read /tool/pv/empty");
	same_output("read /tool/pv/a /tool/none /tool/pv/esc",
		    "xenstore-read /tool/pv/a /tool/none /tool/pv/esc");
	drop_tree();
}

static void write_escapes(void **state)
{
	char out[256];

	(void)state;
	need_tools("write_escapes");
	/* The same argument through both writers: the same bytes. */
	assert_int_equal(run(out, sizeof(out),
			     "xenstore-write /tool/we/x 'a\\tb\\x41\\101\\q\\\\'"
			     " && xenstore-read -R /tool/we/x | od -c"),
			 0);
	{
		char tool[256];

		snprintf(tool, sizeof(tool), "%s", out);
		assert_int_equal(pvctl(out, sizeof(out),
				       "write /tool/we/x "
				       "'a\\tb\\x41\\101\\q\\\\' && "
				       "xenstore-read -R /tool/we/x | od -c"),
				 0);
		assert_string_equal(out, tool);
	}
	/* -R: as given. */
	assert_int_equal(pvctl(out, sizeof(out), "write -R /tool/we/x 'a\\tb'"),
			 0);
	assert_int_equal(run(out, sizeof(out), "xenstore-read -R /tool/we/x"),
			 0);
	assert_string_equal(out, "a\\tb");
	same_output("read /tool/we/x", "xenstore-read /tool/we/x");
	assert_int_equal(pvctl(out, sizeof(out), "rm /tool/we"), 0);
}

/* ---- watch, rm, chmod ------------------------------------------------------------ */

static void watch_count(void **state)
{
	char out[1024];

	(void)state;
	assert_int_equal(pvctl(out, sizeof(out), "write /tool/wc x"), 0);
	/* The initial event says the watch is set; then two changes. */
	assert_int_equal(
		run(out, sizeof(out),
		    "f=%s/w.out; (timeout 10 %s --rundir %s store watch -n 3 "
		    "/tool/wc > $f) & for i in $(seq 250); do [ -s $f ] && "
		    "break; sleep 0.02; done; %s --rundir %s store write "
		    "/tool/wc/y 1; %s --rundir %s store rm /tool/wc; wait $!; "
		    "echo rc=$?; cat $f",
		    t.rundir, PVCTL_BIN, t.rundir, PVCTL_BIN, t.rundir,
		    PVCTL_BIN, t.rundir),
		0);
	assert_string_equal(out, "rc=0\n/tool/wc /tool/wc\n/tool/wc/y "
				 "/tool/wc\n/tool/wc /tool/wc\n");
	assert_int_equal(pvctl(out, sizeof(out), "watch -n 0 /tool"), 2);
	assert_int_equal(pvctl(out, sizeof(out), "watch -n"), 2);
}

static void rm_and_chmod(void **state)
{
	char out[4096];

	(void)state;
	assert_int_equal(pvctl(out, sizeof(out),
			       "write /tool/rc/keep 1 /tool/rc/a/b/c 2"),
			 0);
	/* b is left empty and goes; a still has nothing: goes too; rc has
	 * keep: stays. */
	assert_int_equal(pvctl(out, sizeof(out), "rm -t /tool/rc/a/b/c"), 0);
	assert_int_equal(pvctl(out, sizeof(out), "ls -f /tool/rc"), 0);
	assert_string_equal(out, "/tool/rc/keep = \"1\"\n");

	assert_int_equal(pvctl(out, sizeof(out), "write /tool/rc/d/e/f 3"), 0);
	assert_int_equal(pvctl(out, sizeof(out), "chmod -r /tool/rc/d b2"), 0);
	assert_int_equal(pvctl(out, sizeof(out), "chmod /tool/rc/keep n0 r7"),
			 0);
	assert_int_equal(pvctl(out, sizeof(out), "ls -f -p /tool/rc"), 0);
	assert_string_equal(out, "/tool/rc/keep = \"1\"   (n0,r7)\n"
				 "/tool/rc/d = \"\"   (b2)\n"
				 "/tool/rc/d/e = \"\"   (b2)\n"
				 "/tool/rc/d/e/f = \"3\"   (b2)\n");
	/* -u: the node and every ancestor but the root. */
	assert_int_equal(pvctl(out, sizeof(out), "chmod -u /tool/rc/d/e r4"),
			 0);
	assert_int_equal(pvctl(out, sizeof(out), "ls -f -p /tool/rc/d"), 0);
	assert_string_equal(out, "/tool/rc/d/e = \"\"   (r4)\n"
				 "/tool/rc/d/e/f = \"3\"   (b2)\n");
	assert_int_equal(pvctl(out, sizeof(out), "ls -f -p / | grep '^/tool '"),
			 0);
	assert_string_equal(out, "/tool = \"\"   (r4)\n");
	assert_int_equal(pvctl(out, sizeof(out), "chmod /tool n0"), 0);
	assert_int_equal(pvctl(out, sizeof(out), "rm /tool/rc"), 0);
}

/* ---- mistakes -------------------------------------------------------------------- */

static void mistakes(void **state)
{
	char out[4096];

	(void)state;
	/* Usage: exit 2, with the way to help. */
	assert_int_equal(pvctl(out, sizeof(out), ""), 2);
	assert_non_null(strstr(out, "pvctl store --help"));
	assert_int_equal(pvctl(out, sizeof(out), "frob"), 2);
	assert_non_null(strstr(out, "no subcommand 'frob'"));
	assert_int_equal(pvctl(out, sizeof(out), "read"), 2);
	assert_non_null(strstr(out, "usage: pvctl store read"));
	assert_int_equal(pvctl(out, sizeof(out), "write /tool/x"), 2);
	assert_int_equal(pvctl(out, sizeof(out), "ls -z"), 2);
	assert_non_null(strstr(out, "unknown option '-z'"));
	assert_int_equal(pvctl(out, sizeof(out), "chmod /tool q5"), 2);
	assert_non_null(strstr(out, "not a permission"));
	/* --help documents every option. */
	assert_int_equal(pvctl(out, sizeof(out), "--help"), 0);
	for (const char *const *o = (const char *const[]){
		     "read [-R] [-p] PATH", "write [-R]", "ls [-f] [-p]",
		     "rm [-t]", "watch [-n COUNT]", "chmod [-r] [-u]", "-R ",
		     "-p ", "-f ", "-t ", "-n COUNT ", "-r ", "-u ", NULL };
	     *o; o++)
		assert_non_null(strstr(out, *o));
	/* Store errors: exit 1, with what to look at. */
	assert_int_equal(pvctl(out, sizeof(out), "read /tool/nope/x"), 1);
	assert_non_null(strstr(out, "no such node"));
	assert_non_null(strstr(out, "`pvctl store ls /tool/nope`"));
	assert_int_equal(pvctl(out, sizeof(out), "write '/tool/a b' 1"), 1);
	assert_non_null(strstr(out, "paths use"));
	/* No pvhv there: how to start one. */
	assert_int_equal(run(out, sizeof(out), "%s --rundir /nonexistent-pvkit "
					       "store ls",
			     PVCTL_BIN),
			 1);
	assert_non_null(strstr(out, "pvhv --rundir /nonexistent-pvkit"));
	assert_int_equal(run(out, sizeof(out), "XENSTORED_PATH=/nonexistent "
					       "%s store ls",
			     PVCTL_BIN),
			 1);
	assert_non_null(strstr(out, "XENSTORED_PATH"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ls_like_tools),
		cmocka_unit_test(read_like_tools),
		cmocka_unit_test(write_escapes),
		cmocka_unit_test(watch_count),
		cmocka_unit_test(rm_and_chmod),
		cmocka_unit_test(mistakes),
	};

	return cmocka_run_group_tests_name("pvctl store", tests, setup,
					   teardown);
}
