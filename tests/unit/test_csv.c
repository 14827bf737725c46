/* test_csv.c - the CSV reader: quoting, CRLF, empty lines, line numbers
 * in errors, limits at and over the edge, reading through a callback in
 * small pieces. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "attune/csv.h"
#include "attune/limits.h"

static int field_is(const attune_csv_field *f, const char *s)
{
	return f->n == strlen(s) && memcmp(f->p, s, f->n) == 0;
}

static void test_plain_and_quoted(void **state)
{
	const char in[] = "id,a,b\r\n1,2,3\n\n\"x,y\",\"he said \"\"hi\"\"\",\n"
	                  "\"multi\nline\",,z\nlast,1,2";
	const attune_csv_field *f;
	attune_csv *c;
	attune_err err;
	size_t n;

	(void)state;
	assert_int_equal(attune_csv_open_buf(in, strlen(in), "t.csv", &c), 0);
	assert_int_equal(attune_csv_next(c, &f, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_true(field_is(&f[2], "b"));     /* \r stripped */
	assert_int_equal(attune_csv_next(c, &f, &n, &err), 0);
	assert_int_equal(attune_csv_line(c), 2);
	assert_true(field_is(&f[0], "1") && field_is(&f[2], "3"));
	assert_int_equal(attune_csv_next(c, &f, &n, &err), 0);
	assert_int_equal(attune_csv_line(c), 4);  /* empty line 3 skipped */
	assert_int_equal(n, 3);
	assert_true(field_is(&f[0], "x,y"));
	assert_true(field_is(&f[1], "he said \"hi\""));
	assert_true(field_is(&f[2], ""));
	assert_int_equal(attune_csv_next(c, &f, &n, &err), 0);
	assert_int_equal(attune_csv_line(c), 5);
	assert_true(field_is(&f[0], "multi\nline"));
	assert_true(field_is(&f[1], "") && field_is(&f[2], "z"));
	assert_int_equal(attune_csv_next(c, &f, &n, &err), 0);
	assert_int_equal(attune_csv_line(c), 7);
	assert_true(field_is(&f[0], "last"));
	assert_int_equal(attune_csv_next(c, &f, &n, &err), 0);
	assert_int_equal(n, 0);
	attune_csv_close(c);
}

static void expect_fail(const char *in, size_t len, int rc, const char *want)
{
	const attune_csv_field *f;
	attune_csv *c;
	attune_err err;
	size_t n;
	int r;

	assert_int_equal(attune_csv_open_buf(in, len, "t.csv", &c), 0);
	while ((r = attune_csv_next(c, &f, &n, &err)) == 0 && n > 0)
		;
	assert_int_equal(r, rc);
	if (!strstr(err.msg, want))
		fail_msg("'%s' lacks '%s'", err.msg, want);
	/* The error is sticky. */
	assert_int_equal(attune_csv_next(c, &f, &n, &err), rc);
	attune_csv_close(c);
}

static void test_errors(void **state)
{
	(void)state;
	expect_fail("a,b\n\"open,1\n", 11, ATTUNE_EINVAL,
	            "t.csv:2: unterminated quoted field");
	expect_fail("a,b\n1,x\"y\n", 10, ATTUNE_EINVAL,
	            "t.csv:2: a quote inside an unquoted field");
	expect_fail("a\n\"x\"y,1\n", 9, ATTUNE_EINVAL,
	            "t.csv:2: text after a closing quote");
	expect_fail("a\nok\n\xc3\x28\n", 8, ATTUNE_EINVAL,
	            "t.csv:3: invalid UTF-8 at column byte 1");
	expect_fail("a\n1\0002\n", 6, ATTUNE_EINVAL, "t.csv:2: NUL byte");
}

static void test_line_limit(void **state)
{
	size_t n = ATTUNE_CSV_LINE_MAX;
	char *buf = malloc(n + 2);
	const attune_csv_field *f;
	attune_csv *c;
	attune_err err;
	size_t nf;

	(void)state;
	assert_non_null(buf);
	memset(buf, 'x', n + 1);
	buf[n] = '\n';
	/* Exactly at the limit: fine. */
	assert_int_equal(attune_csv_open_buf(buf, n + 1, "t", &c), 0);
	assert_int_equal(attune_csv_next(c, &f, &nf, &err), 0);
	assert_int_equal(f[0].n, n);
	attune_csv_close(c);
	/* One byte over. */
	buf[n] = 'x';
	buf[n + 1] = '\n';
	expect_fail(buf, n + 2, ATTUNE_ELIMIT, "t.csv:1: record longer");
	free(buf);
}

static void test_field_limit(void **state)
{
	char buf[ATTUNE_CSV_FIELDS_MAX * 2 + 4];
	const attune_csv_field *f;
	attune_csv *c;
	attune_err err;
	size_t i, n;

	(void)state;
	/* 256 fields: "1,1,...,1" */
	for (i = 0; i < ATTUNE_CSV_FIELDS_MAX; i++) {
		buf[2 * i] = '1';
		buf[2 * i + 1] = ',';
	}
	buf[2 * ATTUNE_CSV_FIELDS_MAX - 1] = '\n';
	assert_int_equal(attune_csv_open_buf(buf, 2 * ATTUNE_CSV_FIELDS_MAX,
	                                     "t", &c), 0);
	assert_int_equal(attune_csv_next(c, &f, &n, &err), 0);
	assert_int_equal(n, ATTUNE_CSV_FIELDS_MAX);
	attune_csv_close(c);
	buf[2 * ATTUNE_CSV_FIELDS_MAX - 1] = ',';
	buf[2 * ATTUNE_CSV_FIELDS_MAX] = '1';
	buf[2 * ATTUNE_CSV_FIELDS_MAX + 1] = '\n';
	expect_fail(buf, 2 * ATTUNE_CSV_FIELDS_MAX + 2, ATTUNE_ELIMIT,
	            "more than ATTUNE_CSV_FIELDS_MAX");
}

/* The quoted path too, with a trailing comma making field 257 (found by
 * fuzzing: it once wrote one field past the array). */
static void test_field_limit_quoted(void **state)
{
	char buf[ATTUNE_CSV_FIELDS_MAX * 2 + 8];
	size_t i, n = 0;

	(void)state;
	buf[n++] = '"';
	buf[n++] = '"';
	buf[n++] = ',';
	for (i = 1; i < ATTUNE_CSV_FIELDS_MAX; i++) {
		buf[n++] = '1';
		buf[n++] = ',';
	}
	buf[n++] = '\n';     /* 256 fields then a trailing comma: 257 */
	expect_fail(buf, n, ATTUNE_ELIMIT, "more than ATTUNE_CSV_FIELDS_MAX");
}

/* Feed the reader three bytes at a time to exercise refills mid-record. */
struct drip {
	const char *s;
	size_t off, len;
};

static long drip_read(void *ctx, char *buf, size_t n)
{
	struct drip *d = ctx;
	size_t k = d->len - d->off;

	if (k > 3)
		k = 3;
	if (k > n)
		k = n;
	memcpy(buf, d->s + d->off, k);
	d->off += k;
	return (long)k;
}

static void test_callback_refill(void **state)
{
	const char in[] = "id,q\n1,\"a\n\"\"b\"\"\"\n2,c";
	struct drip d = {in, 0, sizeof(in) - 1};
	const attune_csv_field *f;
	attune_csv *c;
	attune_err err;
	size_t n;

	(void)state;
	assert_int_equal(attune_csv_open(drip_read, &d, "drip", &c), 0);
	assert_int_equal(attune_csv_next(c, &f, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(attune_csv_next(c, &f, &n, &err), 0);
	assert_true(field_is(&f[1], "a\n\"b\""));
	assert_int_equal(attune_csv_next(c, &f, &n, &err), 0);
	assert_int_equal(attune_csv_line(c), 4);
	assert_true(field_is(&f[1], "c"));
	assert_int_equal(attune_csv_next(c, &f, &n, &err), 0);
	assert_int_equal(n, 0);
	attune_csv_close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_and_quoted),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_line_limit),
		cmocka_unit_test(test_field_limit),
		cmocka_unit_test(test_field_limit_quoted),
		cmocka_unit_test(test_callback_refill),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
