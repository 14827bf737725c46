/* test_change.c - reliable change and clinical significance between two
 * totals, checked by hand against the rules in docs/scoring.md:
 * PHQ-9 threshold 6 and cut-off 10 (NHS Talking Therapies), and the
 * Jacobson & Truax threshold 1.96 * sqrt(2) * SD * sqrt(1 - r). */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "attune/change.h"

static attune_catalog *cat;

static int setup(void **state)
{
	attune_err err;

	(void)state;
	cat = attune_catalog_new();
	return attune_catalog_add_builtin(cat, &err) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	attune_catalog_free(cat);
	return 0;
}

static void test_phq9(void **state)
{
	const attune_instrument *in = attune_catalog_find(cat, "phq9");
	attune_change c;

	(void)state;
	assert_true(attune_change_threshold(in) == 6);
	attune_change_classify(in, 18, 7, &c);    /* -11, 18 case -> 7 not */
	assert_int_equal(c.cls, ATTUNE_CHANGE_RECOVERED);
	attune_change_classify(in, 18, 12, &c);   /* -6: reliable, still case */
	assert_int_equal(c.cls, ATTUNE_CHANGE_IMPROVED);
	attune_change_classify(in, 18, 13, &c);   /* -5: not reliable */
	assert_int_equal(c.cls, ATTUNE_CHANGE_UNCHANGED);
	attune_change_classify(in, 12, 8, &c);    /* crosses, not reliable */
	assert_int_equal(c.cls, ATTUNE_CHANGE_UNCHANGED);
	attune_change_classify(in, 12, 18, &c);   /* +6 within clinical */
	assert_int_equal(c.cls, ATTUNE_CHANGE_DETERIORATED);
	attune_change_classify(in, 4, 10, &c);    /* +6 into clinical */
	assert_int_equal(c.cls, ATTUNE_CHANGE_HARMED);
	assert_int_equal(c.case_first, 0);
	assert_int_equal(c.case_last, 1);         /* 10 is a case */
}

static void test_higher_is_better(void **state)
{
	const attune_instrument *in = attune_catalog_find(cat, "ors");
	attune_change c;

	(void)state;
	/* ORS: higher is better, cut-off 25 (at or below is clinical),
	 * reliable change 5. */
	attune_change_classify(in, 18, 30, &c);
	assert_true(c.better);
	assert_int_equal(c.cls, ATTUNE_CHANGE_RECOVERED);
	attune_change_classify(in, 30, 24, &c);
	assert_int_equal(c.cls, ATTUNE_CHANGE_HARMED);
}

static void test_no_norms(void **state)
{
	const attune_instrument *in = attune_catalog_find(cat,
	                                                  "checkin-patterns");
	attune_change c;

	(void)state;
	assert_true(isnan(attune_change_threshold(in)));
	attune_change_classify(in, 3, 1, &c);
	assert_int_equal(c.cls, ATTUNE_CHANGE_UNKNOWN);
	assert_string_equal(attune_change_class_name(c.cls), "no norms");
}

static void test_jacobson_truax(void **state)
{
	static const char def[] =
	"{\"format\": \"attune-instrument/1\", \"id\": \"jt\", \"title\": \"JT\","
	" \"version\": \"1\", \"kind\": \"outcome\", \"validated\": true,"
	" \"respondent\": \"client\", \"direction\": \"lower_is_better\","
	" \"licence\": {\"name\": \"t\", \"wording\": \"included\"},"
	" \"citation\": \"t\", \"sources\": [\"t\"],"
	" \"response_sets\": {\"r\": [{\"value\": 0, \"label\": \"a\"},"
	"   {\"value\": 1, \"label\": \"b\"}]},"
	" \"items\": [{\"id\": \"a\", \"text\": \"A\", \"responses\": \"r\"}],"
	" \"scoring\": {\"method\": \"sum\"},"
	" \"norms\": {\"reliability\": 0.88, \"clinical\": {\"mean\": 20,"
	"   \"sd\": 7.5}, \"source\": \"t\"}}";
	attune_instrument *in;
	attune_err err;

	(void)state;
	assert_int_equal(attune_instrument_parse(def, strlen(def), "jt", &in,
	                                         &err), ATTUNE_OK);
	/* 1.96 * sqrt(2) * 7.5 * sqrt(0.12) = 7.20150 (by hand: sqrt(0.12) =
	 * 0.346410, x 7.5 = 2.598076, x sqrt(2) = 3.674235, x 1.96) */
	assert_true(fabs(attune_change_threshold(in) - 7.20150) < 1e-4);
	attune_instrument_free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phq9),
		cmocka_unit_test(test_higher_is_better),
		cmocka_unit_test(test_no_norms),
		cmocka_unit_test(test_jacobson_truax),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
