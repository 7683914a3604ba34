/*
 * Unit tests for xenbus states (pvkit/xenbus.h, ring/xenbus.c): names,
 * the store encoding in both directions, and the transition table.
 */
#include "unit.h"

#include "pvkit/proto/errno.h"
#include "pvkit/xenbus.h"

#define NSTATES 9
#define BAD_STATE ((enum xenbus_state)77)

static const char *const want_names[NSTATES] = {
	"Unknown",   "Initialising", "InitWait",      "Initialised",
	"Connected", "Closing",      "Closed",        "Reconfiguring",
	"Reconfigured",
};

static void state_values(void **state)
{
	(void)state;
	assert_int_equal(XenbusStateUnknown, 0);
	assert_int_equal(XenbusStateInitialising, 1);
	assert_int_equal(XenbusStateInitWait, 2);
	assert_int_equal(XenbusStateInitialised, 3);
	assert_int_equal(XenbusStateConnected, 4);
	assert_int_equal(XenbusStateClosing, 5);
	assert_int_equal(XenbusStateClosed, 6);
	assert_int_equal(XenbusStateReconfiguring, 7);
	assert_int_equal(XenbusStateReconfigured, 8);
}

static void names(void **state)
{
	(void)state;
	for (int i = 0; i < NSTATES; i++)
		assert_string_equal(pv_xenbus_state_name((enum xenbus_state)i),
				    want_names[i]);
	assert_string_equal(pv_xenbus_state_name((enum xenbus_state)9),
			    "invalid");
	assert_string_equal(pv_xenbus_state_name(BAD_STATE), "invalid");
	assert_string_equal(pv_xenbus_state_name((enum xenbus_state)-1),
			    "invalid");
}

static void parse_valid(void **state)
{
	static const char digits[] = "012345678";

	(void)state;
	for (int i = 0; i < NSTATES; i++) {
		enum xenbus_state st = BAD_STATE;

		/* A value straight from the store, not NUL-terminated. */
		assert_int_equal(pv_xenbus_state_parse(&digits[i], 1, &st), 0);
		assert_int_equal(st, i);
	}
}

static void parse_trailing_nul(void **state)
{
	enum xenbus_state st = BAD_STATE;

	(void)state;
	assert_int_equal(pv_xenbus_state_parse("4", 2, &st), 0); /* "4\0" */
	assert_int_equal(st, XenbusStateConnected);
	st = BAD_STATE;
	assert_int_equal(pv_xenbus_state_parse("4", 1, &st), 0);
	assert_int_equal(st, XenbusStateConnected);
	/* Only the length counts: "45" cut to one byte is "4". */
	assert_int_equal(pv_xenbus_state_parse("45", 1, &st), 0);
	assert_int_equal(st, XenbusStateConnected);
}

static void parse_invalid(void **state)
{
	static const struct {
		const char *s;
		size_t len;
	} bad[] = {
		{ "", 0 },     { "", 1 },      { "44", 2 },   { "-1", 2 },
		{ "9", 1 },    { "04", 2 },    { "00", 2 },   { "10", 2 },
		{ "4 ", 2 },   { " 4", 2 },    { "+4", 2 },   { "4\0\0", 3 },
		{ "a", 1 },    { "4x", 2 },    { "\n4", 2 },  { "123", 3 },
		{ "4\0" "4", 3 }, { "/", 1 },  { ":", 1 },    { "99", 3 },
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum xenbus_state st = BAD_STATE;

		assert_int_equal(pv_xenbus_state_parse(bad[i].s, bad[i].len,
						       &st),
				 -XEN_EINVAL);
		assert_int_equal(st, BAD_STATE); /* untouched */
	}
	assert_int_equal(pv_xenbus_state_parse(NULL, 0, NULL), -XEN_EINVAL);
}

static void format_each(void **state)
{
	(void)state;
	for (int i = 0; i < NSTATES; i++) {
		char buf[4] = { 'x', 'x', 'x', 'x' };
		enum xenbus_state st = BAD_STATE;

		assert_int_equal(pv_xenbus_state_format((enum xenbus_state)i,
							buf, 2),
				 1);
		assert_int_equal(buf[0], '0' + i);
		assert_int_equal(buf[1], '\0');
		assert_int_equal(buf[2], 'x');
		assert_int_equal(pv_xenbus_state_parse(buf, 2, &st), 0);
		assert_int_equal(st, i);
	}
}

static void format_errors(void **state)
{
	char buf[4] = { 'x', 'x', 'x', 'x' };

	(void)state;
	assert_int_equal(pv_xenbus_state_format(XenbusStateClosed, buf, 1),
			 -XEN_ENOSPC);
	assert_int_equal(pv_xenbus_state_format(XenbusStateClosed, buf, 0),
			 -XEN_ENOSPC);
	assert_int_equal(pv_xenbus_state_format((enum xenbus_state)9, buf, 4),
			 -XEN_EINVAL);
	assert_int_equal(pv_xenbus_state_format((enum xenbus_state)-1, buf,
						4),
			 -XEN_EINVAL);
	assert_memory_equal(buf, "xxxx", 4);
}

/* The whole table: T = allowed.  Rows "from", columns "to", in enum
 * order U Ig IW Id C Cg Cd Rg Rd. */
static const char *const table[NSTATES] = {
	/*           U Ig IW Id C Cg Cd Rg Rd */
	[0] = "TTT..TT..", /* Unknown: a device appears, or gives up */
	[1] = ".TTTTTT..", /* Initialising */
	[2] = "..TTTTT..", /* InitWait */
	[3] = "...TTTT..", /* Initialised */
	[4] = "....TTTT.", /* Connected: also Reconfiguring */
	[5] = ".....TT..", /* Closing: only on to Closed */
	[6] = "TTT..TT..", /* Closed: start again, or close again */
	[7] = ".....TTTT", /* Reconfiguring */
	[8] = "....TTT.T", /* Reconfigured: back to Connected */
};

static void transition_table(void **state)
{
	(void)state;
	for (int from = 0; from < NSTATES; from++)
		for (int to = 0; to < NSTATES; to++) {
			bool ok = pv_xenbus_transition_ok(
				(enum xenbus_state)from,
				(enum xenbus_state)to);

			if (ok != (table[from][to] == 'T'))
				fail_msg("%s -> %s: got %d", want_names[from],
					 want_names[to], ok);
		}
}

static void transition_out_of_range(void **state)
{
	(void)state;
	for (int s = 0; s < NSTATES; s++) {
		assert_false(pv_xenbus_transition_ok((enum xenbus_state)s,
						     BAD_STATE));
		assert_false(pv_xenbus_transition_ok(BAD_STATE,
						     (enum xenbus_state)s));
		assert_false(pv_xenbus_transition_ok((enum xenbus_state)s,
						     (enum xenbus_state)9));
		assert_false(pv_xenbus_transition_ok((enum xenbus_state)-1,
						     (enum xenbus_state)s));
	}
	assert_false(pv_xenbus_transition_ok(BAD_STATE, BAD_STATE));
}

static bool walk(const enum xenbus_state *path, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (!pv_xenbus_transition_ok(path[i - 1], path[i]))
			return false;
	return true;
}

/* The life cycles the header describes. */
static void life_cycles(void **state)
{
	static const enum xenbus_state back[] = {
		XenbusStateUnknown,   XenbusStateInitialising,
		XenbusStateInitWait,  XenbusStateConnected,
		XenbusStateClosing,   XenbusStateClosed,
		XenbusStateInitWait,  XenbusStateConnected,
	};
	static const enum xenbus_state front[] = {
		XenbusStateUnknown,       XenbusStateInitialising,
		XenbusStateInitialised,   XenbusStateConnected,
		XenbusStateReconfiguring, XenbusStateReconfigured,
		XenbusStateConnected,     XenbusStateClosing,
		XenbusStateClosed,        XenbusStateInitialising,
	};
	static const enum xenbus_state skip[] = {
		XenbusStateInitialising, XenbusStateConnected,
		XenbusStateInitialised,
	};

	(void)state;
	assert_true(walk(back, sizeof(back) / sizeof(back[0])));
	assert_true(walk(front, sizeof(front) / sizeof(front[0])));
	assert_false(walk(skip, sizeof(skip) / sizeof(skip[0])));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(state_values),
	cmocka_unit_test(names),
	cmocka_unit_test(parse_valid),
	cmocka_unit_test(parse_trailing_nul),
	cmocka_unit_test(parse_invalid),
	cmocka_unit_test(format_each),
	cmocka_unit_test(format_errors),
	cmocka_unit_test(transition_table),
	cmocka_unit_test(transition_out_of_range),
	cmocka_unit_test(life_cycles),
};

PV_UNIT_MAIN("xenbus", tests)
