/* test_series.c - the series reader: wide form with names and ranges,
 * long form with gaps, errors that name line and column, the split-person
 * check, limits. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "attune/series.h"

struct got {
	char ids[8][16];
	double x[8][8];
	size_t n[8];
	int first[8];
	size_t lines[8];
	size_t count;
	char col0[16];
	size_t ncols;
	size_t per[4];
};

static int collect(void *ctx, const attune_series *s,
                   const attune_series_cols *cols)
{
	struct got *g = ctx;
	size_t k;

	if (g->count == 8)
		return 99;
	snprintf(g->ids[g->count], 16, "%s", s->id);
	for (k = 0; k < s->n && k < 8; k++)
		g->x[g->count][k] = s->x[k];
	g->n[g->count] = s->n;
	g->first[g->count] = s->first;
	g->lines[g->count] = s->line;
	g->ncols = cols->n;
	if (cols->per_spec) {
		g->per[0] = cols->per_spec[0];
		g->per[1] = cols->per_spec[1];
	}
	if (cols->n)
		snprintf(g->col0, sizeof(g->col0), "%s", cols->names[0]);
	g->count++;
	return 0;
}

static int read_all(const char *text, const attune_series_spec *sp,
                    struct got *g, attune_err *err)
{
	attune_csv *c;
	int rc;

	memset(g, 0, sizeof(*g));
	err->msg[0] = '\0';
	assert_int_equal(attune_csv_open_buf(text, strlen(text), "s.csv", &c),
	                 0);
	rc = attune_series_read(c, sp, collect, g, err);
	attune_csv_close(c);
	return rc;
}

static void test_wide(void **state)
{
	const char *vars[] = {"s1:s3", "s5"};
	attune_series_spec sp = {"pid", vars, 2, 0, NULL, NULL, 1};
	struct got g;
	attune_err err;

	(void)state;
	assert_int_equal(read_all("s0,pid,s1,s2,s3,s4,s5\n"
	                          "9,a,1,2,NA,4,5\n"
	                          "9,b,,7,8,9,10\n", &sp, &g, &err), 0);
	assert_int_equal(g.count, 2);
	assert_string_equal(g.ids[0], "a");
	assert_int_equal(g.n[0], 4);
	assert_int_equal(g.ncols, 4);
	assert_int_equal(g.per[0], 3);   /* s1:s3 */
	assert_int_equal(g.per[1], 1);   /* s5 */
	assert_string_equal(g.col0, "s1");
	assert_true(g.x[0][0] == 1 && g.x[0][1] == 2 && isnan(g.x[0][2]) &&
	            g.x[0][3] == 5);
	assert_true(isnan(g.x[1][0]) && g.x[1][3] == 10);
	assert_int_equal(g.lines[1], 3);
}

static void expect_err(const char *text, const attune_series_spec *sp,
                       const char *want)
{
	struct got g;
	attune_err err;

	assert_int_not_equal(read_all(text, sp, &g, &err), 0);
	if (!strstr(err.msg, want))
		fail_msg("'%s' lacks '%s'", err.msg, want);
}

static void test_wide_errors(void **state)
{
	const char *v1[] = {"s1:s9"};
	const char *v2[] = {"s3:s1"};
	const char *v3[] = {"s1", "s1"};
	const char *v4[] = {"s1", "s2"};
	attune_series_spec sp = {"id", v1, 1, 0, NULL, NULL, 1};

	(void)state;
	expect_err("id,s1,s2\n", &sp, "s.csv:1: range 's1:s9': no column "
	           "named 's9'");
	sp.vars = v2;
	expect_err("id,s1,s2,s3\n", &sp, "runs backwards");
	sp.vars = v3;
	sp.n_vars = 2;
	expect_err("id,s1,s2\n", &sp, "is given twice");
	sp.vars = v4;
	expect_err("id,s1,s2\na,1,x\n", &sp, "s.csv:2: column s2: 'x' is not "
	           "a number");
	expect_err("id,s1,s2\na,1\n", &sp, "s.csv:2: has 2 fields");
	expect_err("id,s1,s2\n,1,2\n", &sp, "s.csv:2: column id: empty id");
	sp.id_col = "pid";
	expect_err("id,s1,s2\n", &sp, "no column named 'pid'");
	expect_err("", &sp, "empty input");
}

static void test_long(void **state)
{
	attune_series_spec sp = {"id", NULL, 0, 1, "sess", "bdi", 0};
	struct got g;
	attune_err err;

	(void)state;
	assert_int_equal(read_all("id,sess,bdi\n"
	                          "a,0,20\n"
	                          "a,1,18\n"
	                          "a,3,NA\n"
	                          "a,4,9\n"
	                          "b,2,30\n", &sp, &g, &err), 0);
	assert_int_equal(g.count, 2);
	assert_int_equal(g.n[0], 5);    /* sessions 0..4 */
	assert_int_equal(g.first[0], 0);
	assert_true(g.x[0][0] == 20 && g.x[0][1] == 18 && isnan(g.x[0][2]) &&
	            isnan(g.x[0][3]) && g.x[0][4] == 9);
	assert_int_equal(g.n[1], 3);
	assert_true(isnan(g.x[1][0]) && isnan(g.x[1][1]) && g.x[1][2] == 30);
	assert_int_equal(g.lines[1], 6);
}

static void test_long_errors(void **state)
{
	attune_series_spec sp = {"id", NULL, 0, 1, NULL, NULL, 1};
	char big[64];

	(void)state;
	expect_err("id,session,score\na,1,1\nb,1,2\na,2,3\n", &sp,
	           "s.csv:4: id 'a' appears again");
	expect_err("id,session,score\na,2,1\na,2,3\n", &sp,
	           "s.csv:3: column session: session 2 does not follow "
	           "session 2");
	expect_err("id,session,score\na,0,1\n", &sp, "below the first session");
	expect_err("id,session,score\na,x,1\n", &sp, "is not a session number");
	expect_err("id,session,score\na,1,y\n", &sp, "column score: 'y'");
	expect_err("id,when,score\n", &sp, "no column named 'session'");
	/* At the limit: session 1000 (slot 999) is fine, 1001 is not. */
	snprintf(big, sizeof(big), "id,session,score\na,%d,1\n",
	         ATTUNE_SERIES_MAX);
	{
		struct got g;
		attune_err err;
		assert_int_equal(read_all(big, &sp, &g, &err), 0);
		assert_int_equal(g.n[0], ATTUNE_SERIES_MAX);
	}
	snprintf(big, sizeof(big), "id,session,score\na,%d,1\n",
	         ATTUNE_SERIES_MAX + 1);
	expect_err(big, &sp, "is beyond the 1000 sessions");
}

static void test_callback_stops(void **state)
{
	const char *vars[] = {"s1"};
	attune_series_spec sp = {"id", vars, 1, 0, NULL, NULL, 1};
	struct got g;
	attune_err err;
	char text[512];
	size_t i, off;

	(void)state;
	off = (size_t)snprintf(text, sizeof(text), "id,s1\n");
	for (i = 0; i < 10; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		                        "p%zu,%zu\n", i, i);
	assert_int_equal(read_all(text, &sp, &g, &err), 99);
	assert_int_equal(g.count, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wide),
		cmocka_unit_test(test_wide_errors),
		cmocka_unit_test(test_long),
		cmocka_unit_test(test_long_errors),
		cmocka_unit_test(test_callback_stops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
