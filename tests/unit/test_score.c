/* test_score.c - scoring rules on a small instrument whose every answer
 * can be checked by hand: reverse keying, prorating at and over the
 * limit, means, rounding, bands between and at boundaries, flags. The
 * shipped instruments are checked by the golden CLI tests. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "attune/score.h"

static const char def[] =
"{\"format\": \"attune-instrument/1\", \"id\": \"t\", \"title\": \"T\","
" \"version\": \"1\", \"kind\": \"outcome\", \"validated\": true,"
" \"respondent\": \"client\", \"direction\": \"lower_is_better\","
" \"licence\": {\"name\": \"test\", \"wording\": \"included\"},"
" \"citation\": \"none\", \"sources\": [\"none\"],"
" \"response_sets\": {\"r\": [{\"value\": 0, \"label\": \"0\"},"
"   {\"value\": 1, \"label\": \"1\"}, {\"value\": 2, \"label\": \"2\"},"
"   {\"value\": 3, \"label\": \"3\"}]},"
" \"items\": [{\"id\": \"a\", \"text\": \"A\", \"responses\": \"r\"},"
"   {\"id\": \"b\", \"text\": \"B\", \"responses\": \"r\", \"reverse\": true},"
"   {\"id\": \"c\", \"text\": \"C\", \"responses\": \"r\"},"
"   {\"id\": \"d\", \"text\": \"D\", \"responses\": \"r\"},"
"   {\"id\": \"v\", \"text\": \"V\", \"range\": {\"min\": 0, \"max\": 10, \"step\": 0.1},"
"    \"scored\": false}],"
" \"scoring\": {\"method\": \"sum\", \"missing\": {\"max_missing\": 1}, \"round\": 0},"
" \"subscales\": [{\"id\": \"ab\", \"title\": \"AB\", \"items\": [\"a\", \"b\"],"
"   \"method\": \"mean\"}, {\"id\": \"abc\", \"title\": \"ABC\","
"   \"items\": [\"a\", \"b\", \"c\"], \"method\": \"mean\", \"round\": 2,"
"   \"missing\": {\"max_missing\": 1}}],"
" \"bands\": [{\"min\": 0, \"max\": 4, \"label\": \"low\"},"
"   {\"min\": 5, \"max\": 8, \"label\": \"mid\"},"
"   {\"min\": 9, \"max\": 12, \"label\": \"high\"}],"
" \"flags\": [{\"id\": \"d-any\", \"label\": \"D\", \"item\": \"d\", \"op\": \">\", \"value\": 0},"
"   {\"id\": \"total-high\", \"label\": \"T\", \"scale\": \"total\", \"op\": \">=\", \"value\": 10},"
"   {\"id\": \"ab-low\", \"label\": \"AB\", \"scale\": \"ab\", \"op\": \"<\", \"value\": 1}]}";

static attune_instrument *in;

static int setup(void **state)
{
	attune_err err;

	(void)state;
	if (attune_instrument_parse(def, strlen(def), "t", &in, &err)) {
		print_error("%s\n", err.msg);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	attune_instrument_free(in);
	return 0;
}

#define M attune_missing()

static void test_complete_and_reverse(void **state)
{
	double v[] = {2, 0, 1, 3, M};
	attune_score s;

	(void)state;
	attune_score_compute(in, v, &s);
	/* b reversed: 0 -> 3. total = 2 + 3 + 1 + 3 = 9 */
	assert_true(s.total == 9);
	assert_true(s.sub[0] == 2.5);       /* (2 + 3) / 2 */
	assert_true(s.sub[1] == 2);         /* (2 + 3 + 1) / 3 */
	assert_int_equal(s.prorated, 0);
	assert_int_equal(s.n_missing, 0);
	assert_string_equal(attune_score_band_label(in, &s), "high");
	assert_int_equal(s.flags, 1u);      /* d > 0 only */
}

static void test_prorate_at_and_over_limit(void **state)
{
	double one[] = {3, M, 3, 2, M};     /* b missing */
	double two[] = {3, M, M, 2, M};
	attune_score s;

	(void)state;
	attune_score_compute(in, one, &s);
	/* (3 + 3 + 2) * 4 / 3 = 10.667 -> round 0 -> 11 */
	assert_true(s.total == 11);
	assert_int_equal(s.n_missing, 1);
	assert_true(s.prorated & 1u);
	assert_true(isnan(s.sub[0]));       /* ab: no missing allowed */
	assert_true(s.sub[1] == 3);         /* mean of a, c */
	assert_true(s.prorated & 4u);
	assert_true(s.flags & 2u);          /* total >= 10 */
	assert_false(s.flags & 4u);         /* ab has no score */
	attune_score_compute(in, two, &s);
	assert_true(isnan(s.total));
	assert_int_equal(s.band, -1);
	assert_int_equal(s.n_missing, 2);
	assert_false(s.flags & 2u);
}

static void test_rounding_half_away(void **state)
{
	double v[] = {0, 3, 1, 0, M};       /* abc mean = (0+0+1)/3 */
	double w[] = {1, 2, 2, 0, M};       /* abc = (1+1+2)/3 = 1.333 */
	attune_score s;

	(void)state;
	attune_score_compute(in, v, &s);
	assert_true(s.sub[1] == 0.33);
	assert_true(s.sub[0] == 0);
	assert_true(s.flags & 4u);          /* ab < 1 */
	attune_score_compute(in, w, &s);
	assert_true(s.sub[1] == 1.33);
}

static void test_band_edges(void **state)
{
	double at4[] = {1, 3, 1, 2, M};     /* 1+0+1+2 = 4 */
	double at5[] = {1, 3, 2, 2, M};     /* 5 */
	double zero[] = {0, 3, 0, 0, M};
	double top[] = {3, 0, 3, 3, M};
	attune_score s;

	(void)state;
	attune_score_compute(in, at4, &s);
	assert_true(s.total == 4);
	assert_string_equal(attune_score_band_label(in, &s), "low");
	attune_score_compute(in, at5, &s);
	assert_string_equal(attune_score_band_label(in, &s), "mid");
	attune_score_compute(in, zero, &s);
	assert_true(s.total == 0);
	assert_string_equal(attune_score_band_label(in, &s), "low");
	assert_int_equal(s.flags & 1u, 0);
	attune_score_compute(in, top, &s);
	assert_true(s.total == 12);
	assert_string_equal(attune_score_band_label(in, &s), "high");
}

static void test_validate(void **state)
{
	double ok[] = {0, 1, 2, 3, 9.9};
	double bad[] = {0, 1, 4, 3, M};
	double badv[] = {0, 1, 2, 3, 10.05};
	size_t i = 99;

	(void)state;
	assert_int_equal(attune_score_validate(in, ok, &i), ATTUNE_OK);
	assert_int_equal(attune_score_validate(in, bad, &i), ATTUNE_EINVAL);
	assert_int_equal(i, 2);
	assert_int_equal(attune_score_validate(in, badv, &i), ATTUNE_EINVAL);
	assert_int_equal(i, 4);
	assert_false(attune_item_value_ok(&in->items[0], 1.5));
	assert_false(attune_item_value_ok(&in->items[0], M));
	assert_true(attune_item_value_ok(&in->items[4], 0));
	assert_true(attune_item_value_ok(&in->items[4], 10));
	assert_false(attune_item_value_ok(&in->items[4], -0.1));
}

static void test_rows(void **state)
{
	double v[] = {0, 3, 0, 0, M, 3, 0, 3, 3, M};
	attune_score s[2];

	(void)state;
	attune_score_rows(in, v, 2, s);
	assert_true(s[0].total == 0 && s[1].total == 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_complete_and_reverse),
		cmocka_unit_test(test_prorate_at_and_over_limit),
		cmocka_unit_test(test_rounding_half_away),
		cmocka_unit_test(test_band_edges),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_rows),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
