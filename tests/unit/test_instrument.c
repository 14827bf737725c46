/* test_instrument.c - the instrument loader: every shipped definition
 * loads; every kind of mistake is reported with its JSON path; wording
 * files load only when they match. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "attune/instrument.h"

/* A small valid instrument that the mutation tests start from. */
static const char base[] =
"{\"format\": \"attune-instrument/1\", \"id\": \"t1\", \"title\": \"Test\","
" \"version\": \"1\", \"kind\": \"outcome\", \"validated\": true,"
" \"respondent\": \"client\", \"direction\": \"lower_is_better\","
" \"licence\": {\"name\": \"test\", \"wording\": \"included\"},"
" \"citation\": \"none\", \"sources\": [\"none\"],"
" \"response_sets\": {\"r\": [{\"value\": 0, \"label\": \"no\"},"
"   {\"value\": 1, \"label\": \"some\"}, {\"value\": 2, \"label\": \"yes\"}]},"
" \"items\": [{\"id\": \"a\", \"text\": \"A\", \"responses\": \"r\"},"
"   {\"id\": \"b\", \"text\": \"B\", \"responses\": \"r\", \"reverse\": true},"
"   {\"id\": \"c\", \"text\": \"C\", \"responses\": \"r\"}],"
" \"scoring\": {\"method\": \"sum\", \"missing\": {\"max_missing\": 1}},"
" \"subscales\": [{\"id\": \"ab\", \"title\": \"AB\", \"items\": [\"a\", \"b\"],"
"   \"method\": \"mean\"}],"
" \"bands\": [{\"min\": 0, \"max\": 2, \"label\": \"low\"},"
"   {\"min\": 3, \"max\": 6, \"label\": \"high\"}],"
" \"flags\": [{\"id\": \"c-high\", \"label\": \"C high\", \"item\": \"c\","
"   \"op\": \">=\", \"value\": 2}]}";

static int parse(const char *json, attune_err *err, attune_instrument **out)
{
	return attune_instrument_parse(json, strlen(json), "t.json", out, err);
}

static void test_base_loads(void **state)
{
	attune_instrument *in;
	attune_err err;

	(void)state;
	assert_int_equal(parse(base, &err, &in), ATTUNE_OK);
	assert_string_equal(in->id, "t1");
	assert_int_equal(in->n_items, 3);
	assert_true(in->items[1].reverse);
	assert_int_equal(in->total.n_items, 3);
	assert_true(in->total.min == 0 && in->total.max == 6);
	assert_int_equal(in->n_subscales, 1);
	assert_true(in->subscales[0].max == 2);
	assert_int_equal(in->flags[0].scale_ix, -1);
	assert_int_equal(attune_instrument_item_index(in, "c"), 2);
	assert_int_equal(attune_instrument_item_index(in, "z"), -1);
	attune_instrument_free(in);
}

/* Replace the first occurrence of from in base with to, parse, and
 * expect failure with want in the message. */
static void expect_error(const char *from, const char *to, const char *want)
{
	char buf[8192];
	const char *p = strstr(base, from);
	attune_instrument *in = (attune_instrument *)1;
	attune_err err;
	size_t pre;

	assert_non_null(p);
	pre = (size_t)(p - base);
	assert_true(strlen(base) + strlen(to) < sizeof(buf));
	memcpy(buf, base, pre);
	strcpy(buf + pre, to);
	strcat(buf, p + strlen(from));
	err.msg[0] = '\0';
	assert_int_not_equal(parse(buf, &err, &in), ATTUNE_OK);
	assert_null(in);
	if (!strstr(err.msg, want))
		fail_msg("message '%s' lacks '%s'", err.msg, want);
}

static void test_errors_name_path(void **state)
{
	(void)state;
	expect_error("\"format\": \"attune-instrument/1\"", "\"format\": \"x\"",
	             "t.json: $.format");
	expect_error("\"id\": \"t1\"", "\"id\": \"T 1\"", "$.id");
	expect_error("\"title\": \"Test\",", "", "$.title: is required");
	expect_error("\"kind\": \"outcome\"", "\"kind\": \"mood\"", "$.kind");
	expect_error("\"validated\": true", "\"validated\": 1",
	             "$.validated: must be true or false");
	expect_error("\"reverse\": true", "\"revrese\": true",
	             "$.items[1].revrese: unknown key");
	expect_error("{\"value\": 1, \"label\": \"some\"}",
	             "{\"value\": \"1\", \"label\": \"some\"}",
	             "$.response_sets.r[1].value: must be a number");
	expect_error("{\"value\": 1, \"label\": \"some\"}",
	             "{\"value\": 0, \"label\": \"some\"}",
	             "$.response_sets.r[1].value: repeats");
	expect_error("\"responses\": \"r\", \"reverse\"",
	             "\"responses\": \"q\", \"reverse\"",
	             "$.items[1].responses: names a set");
	expect_error("{\"id\": \"c\", \"text\": \"C\"", "{\"id\": \"a\", \"text\": \"C\"",
	             "$.items[2].id: repeats");
	expect_error("\"text\": \"B\", ", "", "$.items[1].text: is required");
	expect_error("\"max_missing\": 1", "\"max_missing\": 3",
	             "$.scoring.missing.max_missing");
	expect_error("\"max_missing\": 1", "\"max_missing\": -1",
	             "max_missing: must be a whole number");
	expect_error("\"items\": [\"a\", \"b\"]", "\"items\": [\"a\", \"x\"]",
	             "$.subscales[0].items[1]: is not an item");
	expect_error("\"items\": [\"a\", \"b\"]", "\"items\": [\"a\", \"a\"]",
	             "$.subscales[0].items[1]: repeats");
	expect_error("{\"min\": 3, \"max\": 6", "{\"min\": 2, \"max\": 6",
	             "$.bands[1]: must start above");
	expect_error("\"item\": \"c\"", "\"item\": \"d\"",
	             "$.flags[0].item: is not an item");
	expect_error("\"op\": \">=\"", "\"op\": \"=>\"", "$.flags[0].op");
	expect_error("\"sources\": [\"none\"]", "\"sources\": []", "$.sources");
	expect_error("\"wording\": \"included\"", "\"wording\": \"licensed\"",
	             "$.items[0].text: must be null");
	expect_error("{\"format\"", "[{\"format\"", "t.json:1:");
}

static void test_syntax_error_line(void **state)
{
	attune_instrument *in;
	attune_err err;
	const char *bad = "{\n  \"format\": \"attune-instrument/1\",\n  \"id\" x\n}";

	(void)state;
	assert_int_equal(parse(bad, &err, &in), ATTUNE_EINVAL);
	assert_non_null(strstr(err.msg, "t.json:3:"));
	assert_non_null(strstr(err.msg, "JSON syntax error"));
}

static void test_bad_utf8(void **state)
{
	attune_instrument *in;
	attune_err err;
	char buf[] = "{\"format\": \"\xff\"}";

	(void)state;
	assert_int_equal(attune_instrument_parse(buf, strlen(buf), "u.json",
	                                         &in, &err), ATTUNE_EINVAL);
	assert_non_null(strstr(err.msg, "invalid UTF-8 at byte offset 12"));
}

static void test_size_limit(void **state)
{
	attune_instrument *in;
	attune_err err;
	size_t n = ATTUNE_INSTRUMENT_FILE_MAX + 1;
	char *buf = malloc(n);

	(void)state;
	assert_non_null(buf);
	memset(buf, ' ', n);
	assert_int_equal(attune_instrument_parse(buf, n, "big.json", &in, &err),
	                 ATTUNE_ELIMIT);
	/* At the limit: not ELIMIT (it fails as JSON instead). */
	assert_int_equal(attune_instrument_parse(buf, n - 1, "big.json", &in,
	                                         &err), ATTUNE_EINVAL);
	free(buf);
}

static void test_builtin_catalog(void **state)
{
	static const char *const want[] = {"phq9", "gad7", "wai-sr", "sai",
		"ors", "srs", "core10", "ecr-rs", "checkin-alliance",
		"mirror-alliance", "checkin-patterns", "checkin-capacities"};
	attune_catalog *cat = attune_catalog_new();
	attune_err err;
	size_t i;

	(void)state;
	assert_non_null(cat);
	if (attune_catalog_add_builtin(cat, &err))
		fail_msg("%s", err.msg);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!attune_catalog_find(cat, want[i]))
			fail_msg("built-in instrument %s missing", want[i]);
	/* Adding again is a clear duplicate error. */
	assert_int_equal(attune_catalog_add_builtin(cat, &err), ATTUNE_EEXIST);
	assert_non_null(strstr(err.msg, "defined twice"));
	attune_catalog_free(cat);
}

static void test_wording(void **state)
{
	attune_catalog *cat = attune_catalog_new();
	attune_instrument *in;
	attune_err err;
	const char *ok = "{\"instrument\": \"wai-sr\", \"preamble\": \"P\","
	                 " \"items\": {\"wai_1\": \"First\"}}";
	const char *bad = "{\"instrument\": \"wai-sr\","
	                  " \"items\": {\"wai_1\": \"X\", \"nope\": \"Y\"}}";
	const char *free_ = "{\"instrument\": \"phq9\", \"items\": {}}";

	(void)state;
	assert_int_equal(attune_catalog_add_builtin(cat, &err), ATTUNE_OK);
	in = attune_catalog_find_mut(cat, "wai-sr");
	assert_non_null(in);
	assert_null(in->items[0].text);
	/* A bad file changes nothing. */
	assert_int_equal(attune_catalog_load_wording(cat, bad, strlen(bad),
	                 "w.json", &err), ATTUNE_EINVAL);
	assert_non_null(strstr(err.msg, "w.json: $.items.nope"));
	assert_null(in->items[0].text);
	assert_int_equal(attune_catalog_load_wording(cat, ok, strlen(ok),
	                 "w.json", &err), ATTUNE_OK);
	assert_string_equal(in->items[0].text, "First");
	assert_string_equal(in->preamble, "P");
	assert_null(in->items[1].text);
	assert_int_equal(attune_catalog_load_wording(cat, free_, strlen(free_),
	                 "p.json", &err), ATTUNE_EINVAL);
	assert_non_null(strstr(err.msg, "already ships its wording"));
	attune_catalog_free(cat);
}

static void test_wording_anchors(void **state)
{
	attune_catalog *cat = attune_catalog_new();
	const attune_instrument *in;
	attune_err err;
	const char *ok = "{\"instrument\": \"ors\", \"items\": {\"ors_1\": \"I\"},"
	                 " \"anchors\": {\"ors_1\": [\"low\", \"high\"]}}";
	const char *bad = "{\"instrument\": \"wai-sr\", \"items\": {},"
	                  " \"anchors\": {\"wai_1\": [\"low\", \"high\"]}}";

	(void)state;
	assert_int_equal(attune_catalog_add_builtin(cat, &err), ATTUNE_OK);
	assert_int_equal(attune_catalog_load_wording(cat, bad, strlen(bad),
	                 "b.json", &err), ATTUNE_EINVAL);
	assert_non_null(strstr(err.msg, "b.json: $.anchors.wai_1: must be"));
	assert_int_equal(attune_catalog_load_wording(cat, ok, strlen(ok),
	                 "o.json", &err), ATTUNE_OK);
	in = attune_catalog_find(cat, "ors");
	assert_string_equal(in->items[0].min_label, "low");
	assert_string_equal(in->items[0].max_label, "high");
	assert_string_equal(in->items[0].text, "I");
	attune_catalog_free(cat);
}

static void test_fhir(void **state)
{
	attune_catalog *cat = attune_catalog_new();
	attune_err err;
	char *s;

	(void)state;
	assert_int_equal(attune_catalog_add_builtin(cat, &err), ATTUNE_OK);
	assert_int_equal(attune_instrument_to_fhir(attune_catalog_find(cat,
	                 "phq9"), &s, &err), ATTUNE_OK);
	assert_non_null(strstr(s, "\"resourceType\":\t\"Questionnaire\""));
	assert_non_null(strstr(s, "\"44249-1\""));
	assert_non_null(strstr(s, "\"linkId\":\t\"phq9_9\""));
	assert_non_null(strstr(s, "ordinalValue"));
	free(s);
	assert_int_equal(attune_instrument_to_fhir(attune_catalog_find(cat,
	                 "ors"), &s, &err), ATTUNE_OK);
	assert_non_null(strstr(s, "\"decimal\""));
	assert_non_null(strstr(s, "wording licensed - load locally"));
	free(s);
	attune_catalog_free(cat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base_loads),
		cmocka_unit_test(test_errors_name_path),
		cmocka_unit_test(test_syntax_error_line),
		cmocka_unit_test(test_bad_utf8),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_builtin_catalog),
		cmocka_unit_test(test_wording),
		cmocka_unit_test(test_wording_anchors),
		cmocka_unit_test(test_fhir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
