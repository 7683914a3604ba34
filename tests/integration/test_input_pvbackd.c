/*
 * pvbackd's command line and life: --help names every option, backend and
 * input source; mistakes are refused with a message and status 2 (or 1
 * when a source cannot be opened), before anything is served; without
 * pvhv it says so; the libinput source on a machine without input
 * devices says so and keeps serving; the SDL2 window runs offscreen; and
 * SIGTERM and SIGINT both end it cleanly (status 0).
 */
#include <errno.h>
#include <fcntl.h>
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
#include <unistd.h>

#include <cmocka.h>

#include "input_util.h"

static struct kbt k;
static char out[1 << 16];

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

/* Run pvbackd with args to its end; its output into out. */
static int run(const char *args)
{
	return hvt_sh(out, sizeof(out), "%s %s 2>&1", PVBACKD_BIN, args);
}

static void help(void **state)
{
	static const char *const words[] = {
	    "--rundir", "--backends", "--input-source", "--verbose",
	    "--help",	"input",      "script:FILE",	"sdl[:WxH]",
	    "libinput", "SIGTERM",    "dropped-events", "--snd-host",
	    "snd",	"wav:DIR",
	};

	(void)state;
	assert_int_equal(run("--help"), 0);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strstr(out, words[i]))
			fail_msg("--help does not mention %s:\n%s", words[i],
				 out);
}

static void mistakes(void **state)
{
	char args[512];

	(void)state;
	assert_int_equal(run("--bogus"), 2);
	assert_int_equal(run("--backends input,vgpu"), 2);
	assert_non_null(strstr(out, "unknown backend 'vgpu'"));
	assert_int_equal(run("--snd-host nope"), 2);
	assert_non_null(strstr(out, "--snd-host nope: no such host side"));
	assert_int_equal(run("stray"), 2);
	assert_non_null(strstr(out, "unexpected argument 'stray'"));
	snprintf(args, sizeof(args), "--rundir %s --input-source joystick",
		 k.t.rundir);
	assert_int_equal(run(args), 1);
	assert_non_null(strstr(out, "joystick: no such host side"));
	snprintf(args, sizeof(args),
		 "--rundir %s --input-source script:/nonexistent.kbd",
		 k.t.rundir);
	assert_int_equal(run(args), 1);
	assert_non_null(strstr(out, "/nonexistent.kbd"));
}

static void script_errors_name_the_line(void **state)
{
	char path[320], args[700];
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/bad.kbd", k.t.rundir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("# fine\nkey KEY_A press\ntouch down 0 10\n", f);
	fclose(f);
	snprintf(args, sizeof(args), "--rundir %s --input-source script:%s",
		 k.t.rundir, path);
	assert_int_equal(run(args), 1);
	assert_non_null(strstr(out, "bad.kbd:3: expected: touch down|move"));
}

static void no_pvhv(void **state)
{
	(void)state;
	assert_int_equal(run("--rundir /nonexistent-pvkit"), 1);
	assert_non_null(strstr(out, "cannot reach pvhv in /nonexistent-pvkit"));
}

/* Start a second pvbackd with args (in the background), wait for its
 * "ready", then end it with sig; its status. */
static int serve(const char *args, const char *env, int sig, char *log,
		 size_t loglen)
{
	char path[320];
	pid_t pid;
	int status = -1, fd;

	snprintf(path, sizeof(path), "%s/second.log", k.t.rundir);
	unlink(path);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 2);
		if (env) {
			putenv((char *)env);
			/* SDL's dlopen'd video drivers keep allocations past
			 * SDL_Quit(): no leak verdict on them (ASan builds). */
			putenv((char *)"ASAN_OPTIONS=detect_leaks=0");
		}
		execl("/bin/sh", "sh", "-c", args, (char *)NULL);
		_exit(127);
	}
	for (int t = 0; t < 5000; t += 10) {
		FILE *f = fopen(path, "r");
		size_t n = f ? fread(log, 1, loglen - 1, f) : 0;

		if (f)
			fclose(f);
		log[n] = '\0';
		if (strstr(log, "pvbackd: ready"))
			break;
		struct timespec ts = {0, 10000000};
		nanosleep(&ts, NULL);
	}
	kill(pid, sig);
	waitpid(pid, &status, 0);
	return status;
}

static void libinput_without_devices(void **state)
{
	char args[512], log[4096];
	int st;

	(void)state;
	/* A seat nobody has: the same as a machine without devices. */
	snprintf(args, sizeof(args),
		 "exec %s --rundir %s --backends input --input-source "
		 "libinput:seat:pvkit-test-empty",
		 PVBACKD_BIN, k.t.rundir);
	st = serve(args, NULL, SIGTERM, log, sizeof(log));
	assert_non_null(strstr(log, "no input devices on seat "
				    "pvkit-test-empty"));
	assert_non_null(strstr(log, "pvbackd: ready"));
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void sdl_offscreen_and_sigint(void **state)
{
	char args[512], log[4096];
	int st;

	(void)state;
	snprintf(args, sizeof(args),
		 "exec %s --rundir %s --input-source sdl:320x240", PVBACKD_BIN,
		 k.t.rundir);
	st = serve(args, "SDL_VIDEODRIVER=offscreen", SIGINT, log, sizeof(log));
	assert_non_null(strstr(log, "pvbackd: ready"));
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(help),
	    cmocka_unit_test(mistakes),
	    cmocka_unit_test(script_errors_name_the_line),
	    cmocka_unit_test(no_pvhv),
	    cmocka_unit_test(libinput_without_devices),
	    cmocka_unit_test(sdl_offscreen_and_sigint),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("pvbackd", tests, setup, teardown);
}
