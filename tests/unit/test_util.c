/* test_util.c - string builder limits, locale-free number formatting and
 * parsing, UTF-8 validation, arena. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "util/util_int.h"
#include "util/arena.h"

static void test_strbuf_limit(void **state)
{
	strbuf b;
	int rc;
	char *s;

	(void)state;
	sb_init(&b, 5);
	sb_puts(&b, "abcde");          /* exactly at the limit */
	assert_int_equal(b.rc, ATTUNE_OK);
	assert_string_equal(b.s, "abcde");
	sb_putc(&b, 'f');               /* over: sticky ELIMIT */
	assert_int_equal(b.rc, ATTUNE_ELIMIT);
	sb_puts(&b, "");
	assert_int_equal(b.rc, ATTUNE_ELIMIT);
	s = sb_detach(&b, &rc);
	assert_null(s);
	assert_int_equal(rc, ATTUNE_ELIMIT);
	sb_init(&b, 100);
	sb_printf(&b, "%d-%s", 42, "x");
	sb_json_str(&b, "a\"b\\c\n<d>&\x01");
	s = sb_detach(&b, &rc);
	assert_string_equal(s, "42-x\"a\\\"b\\\\c\\n\\u003cd\\u003e\\u0026\\u0001\"");
	free(s);
}

/* The short-decimal fast path of fmt_num prints exactly what the general
 * path (shortest of %.15g..%.17g that reads back) prints. */
static void ref_num(char *buf, size_t size, double v)
{
	double back;
	int prec;

	for (prec = 15; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, v);
		if (parse_num(buf, strlen(buf), &back) == 0 && back == v)
			return;
	}
}

static void test_numbers_fast_path(void **state)
{
	char got[40], want[40];
	long long i;
	int d;
	double v;
	unsigned x = 12345;

	(void)state;
	for (d = 1; d <= 1000; d *= 10)
		for (i = -300000; i <= 300000; i += 37) {
			v = (double)i / d;
			if (v == 0)
				continue;
			fmt_num(got, v);
			ref_num(want, sizeof(want), v);
			if (strcmp(got, want) != 0)
				fail_msg("%.17g: %s, want %s", v, got, want);
		}
	/* Rounded chart values, as svg.c makes them, and values near the
	 * fast path's edges. */
	for (i = 0; i < 200000; i++) {
		x = x * 1103515245u + 12345u;
		v = ((double)x / 4294967296.0 - 0.5) * 2e9;
		v = (i % 3 == 0) ? round(v * 100) / 100
		  : (i % 3 == 1) ? round(v / 1e5 * 10) / 10 : v / 7;
		if (v == 0)
			continue;
		fmt_num(got, v);
		ref_num(want, sizeof(want), v);
		if (strcmp(got, want) != 0)
			fail_msg("%.17g: %s, want %s", v, got, want);
	}
	fmt_num(got, -0.25);
	assert_string_equal(got, "-0.25");
	fmt_num(got, 999999999.999);
	assert_string_equal(got, "999999999.999");
	fmt_num(got, 0.001);
	assert_string_equal(got, "0.001");
}

static void test_numbers(void **state)
{
	static const double vals[] = {0, 1, -1, 12, 0.5, 0.1, 2.675, 1e-300,
	                              -3.25, 123456789012345.0, 1.0 / 3,
	                              9007199254740993.0, 1e22, 5e-324};
	char buf[40];
	double back;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		size_t n = fmt_num(buf, vals[i]);
		assert_int_equal(n, strlen(buf));
		assert_int_equal(parse_num(buf, n, &back), 0);
		if (back != vals[i])
			fail_msg("%s did not read back", buf);
	}
	fmt_num(buf, 12);
	assert_string_equal(buf, "12");
	fmt_num(buf, 0.1);
	assert_string_equal(buf, "0.1");
	fmt_num(buf, -0.0);
	assert_string_equal(buf, "0");
	assert_int_equal(fmt_num(buf, NAN), 0);
	assert_int_equal(parse_num("1.5e2", 5, &back), 0);
	assert_true(back == 150);
	assert_int_equal(parse_num("+3", 2, &back), 0);
	assert_true(back == 3);
	assert_int_not_equal(parse_num("", 0, &back), 0);
	assert_int_not_equal(parse_num("1,5", 3, &back), 0);
	assert_int_not_equal(parse_num(" 1", 2, &back), 0);
	assert_int_not_equal(parse_num("0x10", 4, &back), 0);
	assert_int_not_equal(parse_num("nan", 3, &back), 0);
	assert_int_not_equal(parse_num("inf", 3, &back), 0);
	assert_int_not_equal(parse_num("1e", 2, &back), 0);
	assert_int_not_equal(parse_num(".", 1, &back), 0);
	assert_int_not_equal(parse_num("1e999", 5, &back), 0);
	assert_int_equal(parse_num(".5", 2, &back), 0);
	assert_true(back == 0.5);
}

static void test_utf8(void **state)
{
	size_t bad = 0;

	(void)state;
	assert_true(utf8_valid("plain", 5, &bad));
	assert_true(utf8_valid("\xc3\xa9\xe2\x80\x94\xf0\x9f\x98\x80", 9, &bad));
	assert_false(utf8_valid("ab\xc0\xaf", 4, &bad));   /* overlong */
	assert_int_equal(bad, 2);
	assert_false(utf8_valid("\xed\xa0\x80", 3, &bad)); /* surrogate */
	assert_false(utf8_valid("x\xe2\x80", 3, &bad));    /* truncated */
	assert_int_equal(bad, 1);
	assert_false(utf8_valid("\xf5\x80\x80\x80", 4, &bad));
}

static void test_arena(void **state)
{
	arena a;
	char *s;
	void *big;
	int i;

	(void)state;
	arena_init(&a);
	for (i = 0; i < 1000; i++) {
		s = arena_strdup(&a, "hello");
		assert_string_equal(s, "hello");
	}
	big = arena_alloc(&a, 100000);
	assert_non_null(big);
	assert_int_equal(((unsigned char *)big)[99999], 0);
	arena_free(&a);
	arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strbuf_limit),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_numbers_fast_path),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_arena),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
