/*
 * tests/unit/unit.h — what every unit-test program shares.
 *
 * Each program is one module's table of named cmocka cases.  Run it with
 * no argument for every case, with a case name (shell wildcards allowed,
 * e.g. 'back_*') for the matching ones, or with --list to print the names.
 * A name that matches no case is an error, so a typo cannot pass silently.
 */
#ifndef PVKIT_TESTS_UNIT_H
#define PVKIT_TESTS_UNIT_H

#include <fnmatch.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static inline int pv_unit_main(const char *group, const struct CMUnitTest *t,
			       size_t n, int argc, char **argv)
{
	size_t i, hits = 0;

	if (argc > 2) {
		fprintf(stderr, "usage: %s [--list | CASE-PATTERN]\n", argv[0]);
		return 2;
	}
	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		for (i = 0; i < n; i++)
			printf("%s\n", t[i].name);
		return 0;
	}
	if (argc == 2) {
		for (i = 0; i < n; i++)
			hits += fnmatch(argv[1], t[i].name, 0) == 0;
		if (hits == 0) {
			fprintf(stderr, "%s: no case matches '%s'\n", group,
				argv[1]);
			return 2;
		}
		cmocka_set_test_filter(argv[1]);
	}
	return _cmocka_run_group_tests(group, t, n, NULL, NULL);
}

/* main() for a program whose case table is the array `table`. */
#define PV_UNIT_MAIN(group, table)                                         \
	int main(int argc, char **argv)                                    \
	{                                                                  \
		return pv_unit_main(group, table,                          \
				    sizeof(table) / sizeof((table)[0]),    \
				    argc, argv);                           \
	}

#endif
