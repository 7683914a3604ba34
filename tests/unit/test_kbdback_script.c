/*
 * Unit tests for the input backend's script host side
 * (backends/input/script.c): the parser (every command, implied frames,
 * errors that name FILE:LINE) and the player behind the source ops
 * (timing on its timerfd, wait connected, loop, the end).
 */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "kbdback_int.h"

static struct kbd_script s;
static char err[256];

static int parse(const char *text)
{
	err[0] = '\0';
	return kbd_script_parse(text, "t.kbd", &s, err, sizeof(err));
}

/* The parse fails with a message that starts with want. */
static void fails(const char *text, const char *want)
{
	assert_int_equal(parse(text), -EINVAL);
	if (strncmp(err, want, strlen(want))) {
		fprintf(stderr, "got '%s', want '%s...'\n", err, want);
		fail();
	}
	assert_null(s.cmd);
}

static const struct kbdback_event *ev(size_t i)
{
	assert_true(i < s.n);
	assert_int_equal(s.cmd[i].kind, KBD_SCRIPT_EVENT);
	return &s.cmd[i].ev;
}

static void gesture(void **state)
{
	(void)state;
	assert_int_equal(parse("# two fingers\n"
			       "size 1000 500\n"
			       "wait connected 1\n"
			       "touch down 0 100 100\n"
			       "touch down 1 300 100   # second\n"
			       "frame\n"
			       "touch move 0 150 100\n"
			       "touch shape 1 40 20\n"
			       "touch orient 1 -90\n"
			       "wait 10ms\n"
			       "touch up 0\n"
			       "touch up 1\n"),
			 0);
	assert_int_equal(s.n, 12);
	assert_int_equal(s.cmd[0].kind, KBD_SCRIPT_WAIT_CONNECTED);
	assert_int_equal(s.cmd[0].count, 1);
	assert_int_equal(ev(1)->type, KBDBACK_EV_TOUCH_DOWN);
	assert_int_equal(ev(1)->u.touch.contact, 0);
	assert_int_equal(ev(1)->u.touch.x, kbdback_abs_from_pixels(100, 1000));
	assert_int_equal(ev(1)->u.touch.y, kbdback_abs_from_pixels(100, 500));
	assert_int_equal(ev(1)->target, KBDBACK_TARGET_ALL);
	assert_int_equal(ev(2)->u.touch.contact, 1);
	assert_int_equal(ev(3)->type, KBDBACK_EV_TOUCH_FRAME);
	assert_int_equal(ev(5)->type, KBDBACK_EV_TOUCH_SHAPE);
	assert_int_equal(ev(5)->u.shape.contact, 1);
	assert_int_equal(ev(5)->u.shape.major,
			 kbdback_abs_from_pixels(40, 1000));
	assert_int_equal(ev(6)->u.orient.degrees, -90);
	/* A wait closes the frame first. */
	assert_int_equal(ev(7)->type, KBDBACK_EV_TOUCH_FRAME);
	assert_int_equal(s.cmd[8].kind, KBD_SCRIPT_WAIT);
	assert_int_equal(s.cmd[8].ns, 10000000);
	assert_int_equal(s.cmd[8].line, 10);
	/* And so does the end. */
	assert_int_equal(ev(10)->type, KBDBACK_EV_TOUCH_UP);
	assert_int_equal(ev(11)->type, KBDBACK_EV_TOUCH_FRAME);
	kbd_script_free(&s);
}

static void keys_buttons_pointer(void **state)
{
	(void)state;
	assert_int_equal(parse("key KEY_A press\n"
			       "key b down\n"
			       "key 48 up\n"
			       "button left press\n"
			       "button BTN_SIDE down\n"
			       "move -5 7\n"
			       "abs 800 0\n"
			       "wheel -2\n"
			       "target 3\n"
			       "key esc press\n"
			       "target all\n"
			       "key enter down\n"),
			 0);
	assert_int_equal(s.n, 13);
	assert_int_equal(ev(0)->u.key.code, 30);
	assert_int_equal(ev(0)->u.key.pressed, 1);
	assert_int_equal(ev(1)->u.key.code, 30);
	assert_int_equal(ev(1)->u.key.pressed, 0);
	assert_int_equal(ev(2)->u.key.code, 48);
	assert_int_equal(ev(3)->u.key.pressed, 0);
	assert_int_equal(ev(4)->u.key.code, 0x110);
	assert_int_equal(ev(6)->u.key.code, 0x113);
	assert_int_equal(ev(7)->type, KBDBACK_EV_MOTION);
	assert_int_equal(ev(7)->u.motion.dx, -5);
	assert_int_equal(ev(7)->u.motion.dy, 7);
	assert_int_equal(ev(8)->u.abs.x, KBDBACK_ABS_ONE);
	assert_int_equal(ev(8)->u.abs.y, 0);
	assert_int_equal(ev(9)->u.wheel.dz, -2);
	assert_int_equal(ev(10)->u.key.code, 1);
	assert_int_equal(ev(10)->target, 3);
	assert_int_equal(ev(12)->u.key.code, 28);
	assert_int_equal(ev(12)->target, KBDBACK_TARGET_ALL);
	kbd_script_free(&s);
}

static void durations(void **state)
{
	(void)state;
	assert_int_equal(parse("wait 5\nwait 7us\nwait 2s\nwait 0\nloop\n"), 0);
	assert_int_equal(s.cmd[0].ns, 5000000);
	assert_int_equal(s.cmd[1].ns, 7000);
	assert_int_equal(s.cmd[2].ns, 2000000000);
	assert_int_equal(s.cmd[3].ns, 0);
	assert_int_equal(s.cmd[4].kind, KBD_SCRIPT_LOOP);
	kbd_script_free(&s);
}

static void errors_name_the_line(void **state)
{
	(void)state;
	fails("\n\njump 1\n", "t.kbd:3: unknown command 'jump'");
	fails("key KEY_NOPE press\n", "t.kbd:1: key: unknown key 'KEY_NOPE'");
	fails("key a sideways\n", "t.kbd:1: 'sideways': down, up or press");
	fails("key a\n", "t.kbd:1: expected: key NAME|CODE down|up|press");
	fails("size 100 100\nabs 101 5\n", "t.kbd:2: x: 101 is outside 0..100");
	fails("touch down 0 10 x\n", "t.kbd:1: y: 'x' is not a number");
	fails("touch poke 0\n", "t.kbd:1: touch: 'poke'");
	fails("touch down -1 1 1\n", "t.kbd:1: contact id: -1 is outside");
	fails("touch orient 0 200\n", "t.kbd:1: degrees: 200 is outside");
	fails("touch shape 0 10 20\n", "t.kbd:1: minor: 20 is outside 0..10");
	fails("wait 10h\n", "t.kbd:1: wait: unit 'h'");
	fails("wait -1\n", "t.kbd:1: wait: '-1' is not a duration");
	fails("wait 4000s\n", "t.kbd:1: wait: 4000s is longer than an hour");
	fails("wait connected 0\n", "t.kbd:1: wait connected: 0 is outside");
	fails("target me\n", "t.kbd:1: target: 'me' is not a number");
	fails("key a press\nloop\n", "t.kbd:2: loop: nothing waits");
	fails("frame now\n", "t.kbd:1: expected: frame");
	fails("a b c d e f g h i\n", "t.kbd:1: too many words");
}

static void empty_and_comments(void **state)
{
	(void)state;
	assert_int_equal(parse(""), 0);
	assert_int_equal(s.n, 0);
	kbd_script_free(&s);
	assert_int_equal(parse("# nothing\n   \n\t# more\n"), 0);
	assert_int_equal(s.n, 0);
	kbd_script_free(&s);
}

static void load_errors(void **state)
{
	char path[] = "/tmp/kbdscriptXXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "key a press\n\0junk", 17), 17);
	close(fd);
	assert_int_equal(kbd_script_load(path, &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "NUL"));
	unlink(path);
	assert_int_equal(kbd_script_load(path, &s, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, path));
}

/* ---- the player -------------------------------------------------------------
 */

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void *open_script(const char *text)
{
	char path[] = "/tmp/kbdscriptXXXXXX";
	int fd = mkstemp(path);
	void *st = NULL;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(
	    kbdback_source_script.open(path, &st, err, sizeof(err)), 0);
	unlink(path);
	return st;
}

/* Wait for the fd, then read: the count (or -errno). */
static int next(void *st, struct kbdback_event *evs, unsigned int max)
{
	struct pollfd p = {.fd = kbdback_source_script.fd(st),
			   .events = POLLIN};

	if (poll(&p, 1, 2000) != 1)
		return -ETIMEDOUT;
	return kbdback_source_script.read(st, evs, max);
}

static void player_timing(void **state)
{
	struct kbdback_event evs[8];
	void *st = open_script("key a press\nwait 50ms\nkey b press\n");
	uint64_t t0 = mono_ms();
	int n;

	(void)state;
	assert_non_null(kbdback_source_find("script:/x"));
	n = next(st, evs, 8);
	assert_int_equal(n, 2);
	assert_true(evs[0].time_ns > 0);
	n = next(st, evs, 8);
	while (n == 0)
		n = next(st, evs, 8);
	assert_int_equal(n, 2);
	assert_int_equal(evs[0].u.key.code, 48);
	assert_true(mono_ms() - t0 >= 50);
	assert_int_equal(kbdback_source_script.read(st, evs, 8), -EPIPE);
	kbdback_source_script.close(st);
}

static void player_waits_for_devices(void **state)
{
	struct kbdback_event evs[8];
	void *st = open_script("wait connected 2\nkey a down\n");
	struct pollfd p;

	(void)state;
	assert_int_equal(next(st, evs, 8), 0);
	kbdback_source_script.connected(st, 1);
	p = (struct pollfd){.fd = kbdback_source_script.fd(st),
			    .events = POLLIN};
	assert_int_equal(poll(&p, 1, 50), 0);
	kbdback_source_script.connected(st, 2);
	assert_int_equal(next(st, evs, 8), 1);
	kbdback_source_script.close(st);
}

static void player_small_reads_and_loop(void **state)
{
	struct kbdback_event evs[2];
	void *st = open_script("key a press\nkey b press\nwait 1ms\nloop\n");
	unsigned int got = 0;

	(void)state;
	/* Four events due at once, read two at a time; then the loop
	 * plays them again. */
	while (got < 12) {
		int n = next(st, evs, 2);

		assert_true(n >= 0);
		got += (unsigned int)n;
	}
	kbdback_source_script.close(st);
}

static void live_fifo(void **state)
{
	char dir[] = "/tmp/kbdliveXXXXXX", path[64];
	struct kbdback_event evs[8];
	void *st = NULL;
	int w, n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/in", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(
	    kbdback_source_script.open(path, &st, err, sizeof(err)), 0);
	w = open(path, O_WRONLY | O_CLOEXEC);
	assert_true(w >= 0);
	/* Nothing yet: no events, and not the end. */
	assert_int_equal(kbdback_source_script.read(st, evs, 8), 0);
	assert_int_equal(write(w, "key a press\nloop\nbogus\nkey b d", 30), 30);
	n = next(st, evs, 8);
	assert_int_equal(n, 2);
	assert_int_equal(evs[0].u.key.code, 30);
	/* The rest of a line waits for its newline. */
	assert_int_equal(write(w, "own\n", 4), 4);
	n = next(st, evs, 8);
	assert_int_equal(n, 1);
	assert_int_equal(evs[0].u.key.code, 48);
	assert_int_equal(evs[0].u.key.pressed, 1);
	/* The writer going away is not the end of a live script. */
	close(w);
	assert_int_equal(kbdback_source_script.read(st, evs, 8), 0);
	kbdback_source_script.close(st);
	unlink(path);
	rmdir(dir);
}

/* The example shipped with the backend stays valid. */
static void example_parses(void **state)
{
	(void)state;
	assert_int_equal(kbd_script_load(KBD_EXAMPLE, &s, err, sizeof(err)), 0);
	assert_true(s.n > 20);
	assert_int_equal(s.cmd[s.n - 1].kind, KBD_SCRIPT_LOOP);
	kbd_script_free(&s);
}

static void player_open_errors(void **state)
{
	void *st = NULL;

	(void)state;
	assert_int_equal(
	    kbdback_source_script.open(NULL, &st, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "script:FILE"));
	assert_int_equal(kbdback_source_script.open("/nonexistent/x.kbd", &st,
						    err, sizeof(err)),
			 -ENOENT);
	assert_null(st);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(gesture),
    cmocka_unit_test(keys_buttons_pointer),
    cmocka_unit_test(durations),
    cmocka_unit_test(errors_name_the_line),
    cmocka_unit_test(empty_and_comments),
    cmocka_unit_test(load_errors),
    cmocka_unit_test(player_timing),
    cmocka_unit_test(player_waits_for_devices),
    cmocka_unit_test(player_small_reads_and_loop),
    cmocka_unit_test(live_fifo),
    cmocka_unit_test(example_parses),
    cmocka_unit_test(player_open_errors),
};

PV_UNIT_MAIN("kbdback_script", tests)
