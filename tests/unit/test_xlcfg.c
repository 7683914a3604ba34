/*
 * test_xlcfg — the xl.cfg syntax reader (hypervisor/common/xlcfg.c):
 * values of every kind, lists that nest and span lines, and errors that
 * name the file and line.
 */
#include <errno.h>
#include <stdlib.h>

#include "unit.h"
#include "xlcfg.h"

static struct xlcfg *parse_ok(const char *text)
{
	struct xlcfg *cfg = NULL;
	char err[256] = "";
	int rc = xlcfg_parse("t.cfg", text, strlen(text), &cfg, err,
			     sizeof(err));

	if (rc)
		fail_msg("parse failed: %d %s", rc, err);
	return cfg;
}

static void parse_err(const char *text, const char *want)
{
	struct xlcfg *cfg = NULL;
	char err[256] = "";
	int rc = xlcfg_parse("t.cfg", text, strlen(text), &cfg, err,
			     sizeof(err));

	assert_int_equal(rc, -EINVAL);
	assert_null(cfg);
	if (!strstr(err, want))
		fail_msg("error '%s' lacks '%s'", err, want);
}

static void scalars(void **state)
{
	struct xlcfg *cfg = parse_ok("name = \"a\\tb\" ; memory=0x20\n"
				     "vcpus = 010 # octal\nkernel='k'\n");
	const struct xlcfg_setting *s;

	(void)state;
	s = xlcfg_get(cfg, "name");
	assert_non_null(s);
	assert_int_equal(s->value.kind, XLCFG_STRING);
	assert_string_equal(s->value.str, "a\tb");
	assert_int_equal(xlcfg_get(cfg, "memory")->value.num, 32);
	assert_int_equal(xlcfg_get(cfg, "vcpus")->value.num, 8);
	assert_int_equal(xlcfg_get(cfg, "vcpus")->line, 2);
	assert_string_equal(xlcfg_get(cfg, "kernel")->value.str, "k");
	assert_null(xlcfg_get(cfg, "missing"));
	xlcfg_free(cfg);
}

/* Numbers inside lists, nested lists, lists over several lines. */
static void lists(void **state)
{
	struct xlcfg *cfg = parse_ok("vkb = [ 3, [ 4, 'x' ], 5 ]\n"
				     "vsnd = [\n  [ 'CARD', 'PCM' ],\n"
				     "  [ 'STREAM' ]\n]\n");
	const struct xlcfg_value *v = &xlcfg_get(cfg, "vkb")->value;

	(void)state;
	assert_int_equal(v->kind, XLCFG_LIST);
	assert_int_equal(v->n_items, 3);
	assert_int_equal(v->items[0].kind, XLCFG_NUMBER);
	assert_int_equal(v->items[0].num, 3);
	assert_int_equal(v->items[0].n_items, 0);
	assert_int_equal(v->items[1].kind, XLCFG_LIST);
	assert_int_equal(v->items[1].items[0].num, 4);
	assert_string_equal(v->items[1].items[1].str, "x");
	assert_int_equal(v->items[2].num, 5);
	v = &xlcfg_get(cfg, "vsnd")->value;
	assert_int_equal(v->n_items, 2);
	assert_int_equal(v->items[1].line, 4);
	xlcfg_free(cfg);
}

static void repeated_key_keeps_last(void **state)
{
	struct xlcfg *cfg = parse_ok("memory = 1\nmemory = 2\n");

	(void)state;
	assert_int_equal(xlcfg_get(cfg, "memory")->value.num, 2);
	xlcfg_free(cfg);
}

static void errors_name_file_and_line(void **state)
{
	(void)state;
	parse_err("name = \"a\"\nmemory = 12x\n", "t.cfg:2:");
	parse_err("\n\nvkb = [ 'a', \n", "t.cfg:");
	parse_err("name = \"unterminated\n", "t.cfg:1:");
	parse_err("= 3\n", "t.cfg:1:");
	parse_err("name 3\n", "t.cfg:1:");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(scalars),
		cmocka_unit_test(lists),
		cmocka_unit_test(repeated_key_keeps_last),
		cmocka_unit_test(errors_name_file_and_line),
	};

	return pv_unit_main("xlcfg", tests, sizeof(tests) / sizeof(tests[0]),
			    argc, argv);
}
