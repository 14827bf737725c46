/* test_gains.c - sudden gains and losses: the t critical value against R's
 * qt(), the package's own identify_sg / identify_sl test cases, every
 * boundary (exactly at the cut-off, exactly 25 %, exactly two scores on a
 * side, series shorter than the window, first and last interval), the
 * sgdata figures the package publishes, define_crit1_cutoff, and
 * properties on generated series (scaling, mirroring into losses,
 * agreement with a naive re-implementation). */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "attune/gains.h"
#include "attune/series.h"

#define NA NAN
#define NMAX 64

static attune_gains_cfg make(double cutoff, int losses)
{
	attune_gains_params p;
	attune_gains_cfg c;
	attune_err err;

	attune_gains_params_default(&p);
	p.cutoff = cutoff;
	p.losses = losses;
	assert_int_equal(attune_gains_config(&p, &c, &err), 0);
	return c;
}

static attune_gains_cfg make_p(const attune_gains_params *p)
{
	attune_gains_cfg c;
	attune_err err;

	assert_int_equal(attune_gains_config(p, &c, &err), 0);
	return c;
}

/* crit123 of interval i. */
static int judge(const attune_gains_cfg *c, const double *x, size_t n,
                 size_t i)
{
	attune_gains_check k;
	attune_err err;

	assert_int_equal(attune_gains_check_interval(c, x, n, i, &k, &err), 0);
	return k.crit123;
}

static size_t find(const attune_gains_cfg *c, const double *x, size_t n,
                   attune_gain *g)
{
	size_t found = 99;
	attune_err err;

	assert_int_equal(attune_gains_find(c, x, n, x[0], x[n - 1], g, NMAX,
	                                   &found, &err), 0);
	return found;
}

/* |qt(alpha/2, df)| from R 4.2.2 (printed with %.17g). */
static void test_t_crit(void **state)
{
	static const struct { double alpha; int df; double t; } ref[] = {
		{0.05, 1, 12.706204736174707}, {0.05, 2, 4.3026527297494637},
		{0.05, 3, 3.1824463052837091}, {0.05, 4, 2.7764451051977943},
		{0.05, 5, 2.570581835636315}, {0.05, 6, 2.4469118511449692},
		{0.05, 10, 2.2281388519862744}, {0.05, 30, 2.0422724563012382},
		{0.05, 100, 1.983971518523552},
		{0.01, 2, 9.9248432009182928}, {0.01, 3, 5.8409093097333562},
		{0.01, 4, 4.6040948713499938}, {0.01, 30, 2.7499956535672259},
		{0.001, 1, 636.61924876871956}, {0.001, 2, 31.599054576443617},
		{0.001, 3, 12.923978636687483}, {0.001, 4, 8.6103015813792751},
		{0.001, 100, 3.3904913111642299},
		{0.1, 2, 2.919985580353726}, {0.1, 3, 2.3533634348018255},
		{0.1, 4, 2.1318467863266499},
		{0.2, 2, 1.8856180831641265}, {0.2, 3, 1.6377443536962089},
		{0.2, 4, 1.5332062740589427}, {0.2, 5, 1.4758840488244802},
		{0.5, 1, 1}, {0.5, 2, 0.81649658092772592},
		{0.5, 3, 0.76489232840434518}, {0.5, 4, 0.74069708411268265},
		{0.5, 10, 0.69981206131243168}, {0.5, 100, 0.67695104301147091},
	};
	attune_err err;
	double t;
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(ref) / sizeof(ref[0]); k++) {
		assert_int_equal(attune_gains_t_crit(ref[k].alpha, ref[k].df, &t,
		                                     &err), 0);
		if (fabs(t - ref[k].t) > 1e-11 * ref[k].t) {
			print_error("alpha %g df %d: got %.17g want %.17g\n",
			            ref[k].alpha, ref[k].df, t, ref[k].t);
			fail();
		}
	}
	/* The package's rounded constants. */
	assert_int_equal(attune_gains_t_crit(0.05, 4, &t, &err), 0);
	assert_true(fabs(t - 2.776) < 5e-4);
	assert_int_equal(attune_gains_t_crit(0.05, 3, &t, &err), 0);
	assert_true(fabs(t - 3.182) < 5e-4);
	assert_int_equal(attune_gains_t_crit(0.05, 2, &t, &err), 0);
	assert_true(fabs(t - 4.303) < 5e-4);
	assert_int_equal(attune_gains_t_crit(0, 4, &t, &err), ATTUNE_EINVAL);
	assert_int_equal(attune_gains_t_crit(1, 4, &t, &err), ATTUNE_EINVAL);
	assert_int_equal(attune_gains_t_crit(NAN, 4, &t, &err), ATTUNE_EINVAL);
	assert_int_equal(attune_gains_t_crit(0.05, 0, &t, &err), ATTUNE_EINVAL);
	assert_non_null(strstr(err.msg, "degrees of freedom"));
	assert_int_equal(attune_gains_t_crit(0.05, 1001, &t, &err),
	                 ATTUNE_EINVAL);
}

static void test_config(void **state)
{
	attune_gains_params p;
	attune_gains_cfg c;
	attune_err err;

	(void)state;
	attune_gains_params_default(&p);
	assert_int_equal(attune_gains_config(&p, &c, &err), ATTUNE_EINVAL);
	assert_non_null(strstr(err.msg, "cut-off"));    /* NaN by default */
	p.cutoff = -1;
	assert_int_equal(attune_gains_config(&p, &c, &err), ATTUNE_EINVAL);
	p.cutoff = 0;
	assert_int_equal(attune_gains_config(&p, &c, &err), 0);
	assert_true(fabs(c.t[4] - 2.7764451051977943) < 1e-12);
	assert_true(fabs(c.t[3] - 3.1824463052837091) < 1e-12);
	assert_true(fabs(c.t[2] - 4.3026527297494637) < 1e-12);
	p.pct = -0.1;
	assert_int_equal(attune_gains_config(&p, &c, &err), ATTUNE_EINVAL);
	assert_non_null(strstr(err.msg, "percentage"));
	p.pct = 0.25;
	p.alpha = 1;
	assert_int_equal(attune_gains_config(&p, &c, &err), ATTUNE_EINVAL);
	assert_non_null(strstr(err.msg, "alpha"));
	p.crit3_adjust = 0;     /* alpha unused then */
	assert_int_equal(attune_gains_config(&p, &c, &err), 0);
	p.critical_value = NAN;
	assert_int_equal(attune_gains_config(&p, &c, &err), ATTUNE_EINVAL);
	p.crit3 = 0;            /* neither used */
	assert_int_equal(attune_gains_config(&p, &c, &err), 0);
	p.reversal_from = 1;
	assert_int_equal(attune_gains_config(&p, &c, &err), ATTUNE_EINVAL);
	assert_non_null(strstr(err.msg, "reversal"));
	p.reversal_from = 2;
	p.crit1 = p.crit2 = 0;
	assert_int_equal(attune_gains_config(&p, &c, &err), ATTUNE_EINVAL);
	assert_non_null(strstr(err.msg, "at least one"));
	p.crit2 = 1;
	p.cutoff = NAN;         /* unused without criterion 1 */
	assert_int_equal(attune_gains_config(&p, &c, &err), 0);
}

/* tests/testthat/test-identify_sg.R of the package: df1 and df2, columns
 * x_2n .. x_n3, intervals sg_2to3 .. sg_4to5 (i = 1..3). */
static void test_package_identify_sg(void **state)
{
	static const double df1[10][6] = {
		{28, 19, 23, 12, 13, NA}, {28, 19, 23, 11, 12, NA},
		{28, 19, NA, 12, 13, NA}, {28, 19, 23, 12, 13, NA},
		{28, 19, 23, 12, 14, NA}, {28, 19, NA, 12, 13, NA},
		{28, 19, 23, 11, 12, NA}, {28, 25, 28, 11, 12, NA},
		{28, 26, 28, 11, 12, NA}, {NA, 26, 28, NA, 12, 11}};
	static const int want1[10][3] = {
		{0, 0, -1}, {0, 1, -1}, {-1, -1, -1}, {0, 0, -1}, {0, 0, -1},
		{-1, -1, -1}, {0, 1, -1}, {0, 1, -1}, {0, 1, -1}, {-1, -1, -1}};
	static const double df2[4][6] = {
		{35, 37, 23, 23, 24, 21}, {35, 37, 34, 24, 24, 21},
		{35, 37, 34, 34, 24, 21}, {35, 37, 34, 37, 37, 37}};
	static const int want2[4][3] = {
		{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {0, 0, 0}};
	attune_gains_cfg c = make(7, 0);
	size_t r, i;

	(void)state;
	for (r = 0; r < 10; r++)
		for (i = 1; i <= 3; i++)
			if (judge(&c, df1[r], 6, i) != want1[r][i - 1]) {
				print_error("df1 row %zu interval %zu\n", r + 1, i);
				fail();
			}
	for (r = 0; r < 4; r++)
		for (i = 1; i <= 3; i++)
			assert_int_equal(judge(&c, df2[r], 6, i), want2[r][i - 1]);
}

/* tests/testthat/test-identify_sl.R: losses with sg_crit1_cutoff = -7
 * (attune takes the size, 7). */
static void test_package_identify_sl(void **state)
{
	static const double df2[4][6] = {
		{10, 11, 12, 30, 28, 33}, {10, 11, 12, 10, 28, 33},
		{10, 11, 30, 30, 28, 33}, {35, 37, 34, 23, 24, 21}};
	static const int want[4][3] = {
		{0, 1, 0}, {0, 0, 1}, {1, 0, 0}, {0, 0, 0}};
	attune_gains_cfg c = make(7, 1);
	size_t r, i;

	(void)state;
	for (r = 0; r < 4; r++)
		for (i = 1; i <= 3; i++)
			assert_int_equal(judge(&c, df2[r], 6, i), want[r][i - 1]);
}

/* Criterion 1 at the cut-off: >= counts. */
static void test_boundary_cutoff(void **state)
{
	/* 30 -> 23: exactly 7; pre and post flat so criterion 3 holds. */
	double x[6] = {30, 30, 30, 23, 23, 23};
	attune_gains_cfg c = make(7, 0);
	attune_gains_check k;
	attune_err err;

	(void)state;
	assert_int_equal(attune_gains_check_interval(&c, x, 6, 2, &k, &err), 0);
	assert_int_equal(k.crit1, ATTUNE_CRIT_YES);
	assert_true(k.change == 7);
	c = make(7.000001, 0);
	assert_int_equal(judge(&c, x, 6, 2), ATTUNE_CRIT_NO);
	/* Losses: a rise of exactly 7. */
	{
		double y[6] = {23, 23, 23, 30, 30, 30};
		c = make(7, 1);
		assert_int_equal(judge(&c, y, 6, 2), ATTUNE_CRIT_YES);
		c = make(7.000001, 1);
		assert_int_equal(judge(&c, y, 6, 2), ATTUNE_CRIT_NO);
	}
}

/* Criterion 2 at exactly 25 % of x_N: >= counts. */
static void test_boundary_pct(void **state)
{
	attune_gains_params p;
	attune_gains_cfg c;
	attune_gains_check k;
	attune_err err;
	double x[6] = {28, 28, 28, 21, 21, 21};   /* 7 = 25 % of 28 */
	double y[6] = {28, 28, 28, 21.01, 21, 21};

	(void)state;
	attune_gains_params_default(&p);
	p.cutoff = 1;
	c = make_p(&p);
	assert_int_equal(attune_gains_check_interval(&c, x, 6, 2, &k, &err), 0);
	assert_int_equal(k.crit2, ATTUNE_CRIT_YES);
	assert_int_equal(k.crit123, ATTUNE_CRIT_YES);
	assert_int_equal(attune_gains_check_interval(&c, y, 6, 2, &k, &err), 0);
	assert_int_equal(k.crit2, ATTUNE_CRIT_NO);
	assert_int_equal(k.crit1, ATTUNE_CRIT_YES);
	assert_int_equal(k.crit123, ATTUNE_CRIT_NO);
	/* Losses: a rise of exactly 25 % of x_N (20 -> 25). */
	{
		double u[6] = {20, 20, 20, 25, 25, 25};
		double v[6] = {20, 20, 20, 24.99, 25, 25};
		p.losses = 1;
		c = make_p(&p);
		assert_int_equal(judge(&c, u, 6, 2), ATTUNE_CRIT_YES);
		assert_int_equal(judge(&c, v, 6, 2), ATTUNE_CRIT_NO);
	}
}

/* Criterion 2 of losses is not the package's identify_sl: there
 * x_N - x_N+1 <= pct * x_N, which every rise passes. 40 -> 48 rises 8
 * (>= cut-off 7) but by only 20 % of 40. */
static void test_losses_crit2_not_the_flaw(void **state)
{
	double x[6] = {40, 40, 40, 48, 48, 48};
	attune_gains_cfg c = make(7, 1);
	attune_gains_check k;
	attune_err err;

	(void)state;
	assert_int_equal(attune_gains_check_interval(&c, x, 6, 2, &k, &err), 0);
	assert_int_equal(k.crit1, ATTUNE_CRIT_YES);
	assert_int_equal(k.crit3, ATTUNE_CRIT_YES);
	assert_int_equal(k.crit2, ATTUNE_CRIT_NO);     /* package: YES */
	assert_true(40 - 48 <= 0.25 * 40);            /* what it tests */
	assert_int_equal(k.crit123, ATTUNE_CRIT_NO);
}

/* Criterion 3: two scores on a side is enough (t for df 2, 3); one is
 * not (NA); the comparison is strict. */
static void test_boundary_crit3_window(void **state)
{
	attune_gains_params p;
	attune_gains_cfg c = make(0, 0);
	attune_gains_check k;
	attune_err err;
	double two_two[6] = {NA, 30, 31, 20, 21, NA};
	double one_pre[6] = {NA, NA, 31, 20, 21, 19};
	double one_post[6] = {30, 32, 31, 20, NA, NA};
	double three_two[6] = {30, 32, 31, 20, NA, 21};
	double tie[6] = {9, 10, 11, 4, 5, 6};   /* means 10, 5; s_pooled 1 */

	(void)state;
	assert_int_equal(attune_gains_check_interval(&c, two_two, 6, 2, &k,
	                                             &err), 0);
	assert_int_equal(k.n_pre, 2);
	assert_int_equal(k.n_post, 2);
	assert_true(fabs(k.t - 4.3026527297494637) < 1e-12);
	assert_int_equal(k.crit3, ATTUNE_CRIT_YES);
	assert_true(k.mean_pre == 30.5 && k.mean_post == 20.5);
	assert_true(fabs(k.sd_pooled - sqrt(0.5)) < 1e-15);
	assert_int_equal(attune_gains_check_interval(&c, three_two, 6, 2, &k,
	                                             &err), 0);
	assert_true(fabs(k.t - 3.1824463052837091) < 1e-12);
	assert_int_equal(attune_gains_check_interval(&c, one_pre, 6, 2, &k,
	                                             &err), 0);
	assert_int_equal(k.n_pre, 1);
	assert_int_equal(k.crit3, ATTUNE_CRIT_NA);
	assert_int_equal(k.crit1, ATTUNE_CRIT_YES);
	assert_int_equal(k.crit123, ATTUNE_CRIT_NA);   /* NA wins, as in R */
	assert_int_equal(attune_gains_check_interval(&c, one_post, 6, 2, &k,
	                                             &err), 0);
	assert_int_equal(k.n_post, 1);
	assert_int_equal(k.crit3, ATTUNE_CRIT_NA);
	/* NA beats a criterion that is not met (R: NA * FALSE is NA). */
	{
		double y[6] = {NA, NA, 31, 30, 21, 19};
		assert_int_equal(attune_gains_check_interval(&c, y, 6, 2, &k,
		                                             &err), 0);
		assert_int_equal(k.crit2, ATTUNE_CRIT_NO);
		assert_int_equal(k.crit123, ATTUNE_CRIT_NA);
	}
	/* Strict: mean difference 5 against 5 * 1 is not a gain. */
	attune_gains_params_default(&p);
	p.cutoff = 0;
	p.crit3_adjust = 0;
	p.critical_value = 5;
	c = make_p(&p);
	assert_int_equal(attune_gains_check_interval(&c, tie, 6, 2, &k, &err),
	                 0);
	assert_true(k.sd_pooled == 1 && k.t == 5);
	assert_int_equal(k.crit3, ATTUNE_CRIT_NO);
	p.critical_value = 4.999;
	c = make_p(&p);
	assert_int_equal(judge(&c, tie, 6, 2), ATTUNE_CRIT_YES);
	/* Not adjusted: 5 is used even with two values on a side. */
	p.critical_value = 2.776;
	c = make_p(&p);
	assert_int_equal(attune_gains_check_interval(&c, two_two, 6, 2, &k,
	                                             &err), 0);
	assert_true(k.t == 2.776);
}

/* Which intervals exist: none below four scores; never the first or the
 * last, even without criterion 3; a baseline in front opens 1 -> 2. */
static void test_window_and_length(void **state)
{
	attune_gains_params p;
	attune_gains_cfg c = make(7, 0);
	attune_gain g[NMAX];
	attune_gains_check k;
	attune_err err;
	double three[3] = {40, 20, 20};
	double four[4] = {40, 41, 20, 21};
	double first[6] = {40, 20, 20, 20, 20, 20};
	double last[6] = {40, 40, 40, 40, 40, 20};
	double base_first[7] = {41, 40, 20, 20, 20, 20, 20};

	(void)state;
	assert_int_equal(attune_gains_n_intervals(0), 0);
	assert_int_equal(attune_gains_n_intervals(3), 0);
	assert_int_equal(attune_gains_n_intervals(4), 1);
	assert_int_equal(attune_gains_n_intervals(12), 9);
	assert_int_equal(find(&c, three, 3, g), 0);
	assert_int_equal(attune_gains_check_interval(&c, three, 3, 1, &k, &err),
	                 ATTUNE_EINVAL);
	assert_int_equal(attune_gains_check_interval(&c, four, 4, 0, &k, &err),
	                 ATTUNE_EINVAL);
	assert_int_equal(attune_gains_check_interval(&c, four, 4, 2, &k, &err),
	                 ATTUNE_EINVAL);
	assert_int_equal(find(&c, four, 4, g), 1);   /* the one interval */
	assert_int_equal(g[0].i, 1);
	assert_true(isnan(g[0].around[0]) && g[0].around[1] == 40 &&
	            g[0].around[2] == 41 && g[0].around[3] == 20 &&
	            g[0].around[4] == 21 && isnan(g[0].around[5]));
	attune_gains_params_default(&p);
	p.cutoff = 7;
	p.crit3 = 0;
	c = make_p(&p);
	assert_int_equal(find(&c, first, 6, g), 0);
	assert_int_equal(find(&c, last, 6, g), 0);
	assert_int_equal(find(&c, base_first, 7, g), 1);
	assert_int_equal(g[0].i, 1);
	/* cap too small */
	{
		size_t nf;
		assert_int_equal(attune_gains_find(&c, last, 6, NA, NA, g, 2, &nf,
		                                   &err), ATTUNE_EINVAL);
		assert_int_equal(nf, 0);
	}
}

/* Missing scores: criteria 1 and 2 cannot tell; criterion 3 alone may
 * still find a gain, whose magnitude is then missing. */
static void test_missing(void **state)
{
	attune_gains_params p;
	attune_gains_cfg c = make(7, 0);
	attune_gain g[NMAX];
	double x[7] = {30, 31, NA, 20, 21, 19, 20};

	(void)state;
	assert_int_equal(judge(&c, x, 7, 1), ATTUNE_CRIT_NA);
	assert_int_equal(judge(&c, x, 7, 2), ATTUNE_CRIT_NA);
	assert_int_equal(find(&c, x, 7, g), 0);
	attune_gains_params_default(&p);
	p.crit1 = p.crit2 = 0;
	c = make_p(&p);
	/* 30 31 | NA 20 21 and 30 31 NA | 20 21 19 */
	assert_int_equal(find(&c, x, 7, g), 2);
	assert_int_equal(g[0].i, 1);
	assert_int_equal(g[1].i, 2);
	assert_true(isnan(g[0].magnitude) && isnan(g[0].reversal_value));
	assert_true(isnan(g[1].magnitude));
	assert_int_equal(g[0].reversal, 0);
}

/* create_bysg's columns on the package's test person 1 and 4. */
static void test_describe(void **state)
{
	double p1[12] = {35, 37, 34, 23, 24, 21, 29, 17, 11, 11, 10, 7};
	double p4[12] = {31, 30, 32, 22, 22, 20, 21, 19, 24, 33, 30, 28};
	attune_gains_cfg c = make(7, 0);
	attune_gain g[NMAX];
	size_t nf;
	attune_err err;

	(void)state;
	assert_int_equal(find(&c, p1, 12, g), 2);
	assert_int_equal(g[0].i, 2);              /* session 3 */
	assert_int_equal(g[1].i, 6);              /* session 7 */
	assert_true(g[0].magnitude == 11 && g[0].tx_change == 28);
	assert_true(fabs(g[0].change_proportion - 11.0 / 28) < 1e-15);
	assert_true(g[0].reversal_value == 28.5);
	assert_int_equal(g[0].reversal, 1);       /* 29 at session 7 */
	assert_true(g[1].magnitude == 12 && g[1].reversal_value == 23);
	assert_int_equal(g[1].reversal, 0);
	assert_int_equal(find(&c, p4, 12, g), 1);
	assert_true(fabs(g[0].change_proportion - 10.0 / 3) < 1e-15);
	assert_int_equal(g[0].reversal, 1);
	/* tx_change 0 or missing: no proportion. */
	assert_int_equal(attune_gains_find(&c, p1, 12, 5, 5, g, NMAX, &nf,
	                                   &err), 0);
	assert_true(isnan(g[0].change_proportion));
	assert_int_equal(attune_gains_find(&c, p1, 12, NA, 5, g, NMAX, &nf,
	                                   &err), 0);
	assert_true(isnan(g[0].change_proportion));
}

/* Reversal: strictly above x_N+1 + magnitude/2, looked for from session
 * N + reversal_from (2: N+2 on; 3: the package's default call). */
static void test_reversal(void **state)
{
	/* Gain 40 -> 20 at i = 2 (rv 30); 31 at N+2 only. */
	double x[8] = {40, 40, 40, 20, 31, 25, 25, 25};
	double eq[8] = {40, 40, 40, 20, 20, 20, 30, 20};
	attune_gains_params p;
	attune_gains_cfg c;
	attune_gain g[NMAX];

	(void)state;
	attune_gains_params_default(&p);
	p.cutoff = 7;
	p.crit3 = 0;                 /* 31 would spoil criterion 3 */
	c = make_p(&p);
	assert_int_equal(find(&c, x, 8, g), 1);
	assert_true(g[0].reversal_value == 30);
	assert_int_equal(g[0].reversal, 1);
	p.reversal_from = 3;
	c = make_p(&p);
	assert_int_equal(find(&c, x, 8, g), 1);
	assert_int_equal(g[0].reversal, 0);
	p.reversal_from = 2;
	c = make_p(&p);
	assert_int_equal(find(&c, eq, 8, g), 1);
	assert_int_equal(g[0].reversal, 0);   /* 30 is not above 30 */
	eq[6] = 30.5;
	assert_int_equal(find(&c, eq, 8, g), 1);
	assert_int_equal(g[0].reversal, 1);
	/* Losses: 20 -> 40 (magnitude -20, rv 30); a later 29 reverses. */
	{
		double y[8] = {20, 20, 20, 40, 40, 40, 29, 40};
		p.losses = 1;
		c = make_p(&p);
		assert_int_equal(find(&c, y, 8, g), 1);
		assert_true(g[0].magnitude == -20 && g[0].reversal_value == 30);
		assert_int_equal(g[0].reversal, 1);
		assert_true(g[0].change_proportion == 20.0 / (20 - 40));
		y[6] = 30;
		assert_int_equal(find(&c, y, 8, g), 1);
		assert_int_equal(g[0].reversal, 0);
	}
}

/* create_byperson: first / last / largest / smallest, earliest on a tie;
 * losses by size; a missing magnitude only when nothing else. */
static void test_select(void **state)
{
	attune_gain g[4];

	(void)state;
	memset(g, 0, sizeof(g));
	g[0].magnitude = 8;  g[0].i = 2;
	g[1].magnitude = 12; g[1].i = 4;
	g[2].magnitude = 8;  g[2].i = 6;
	g[3].magnitude = 12; g[3].i = 8;
	assert_int_equal(attune_gains_select(g, 4, ATTUNE_GAINS_FIRST, 0), 0);
	assert_int_equal(attune_gains_select(g, 4, ATTUNE_GAINS_LAST, 0), 3);
	assert_int_equal(attune_gains_select(g, 4, ATTUNE_GAINS_LARGEST, 0), 1);
	assert_int_equal(attune_gains_select(g, 4, ATTUNE_GAINS_SMALLEST, 0),
	                 0);
	assert_int_equal(attune_gains_select(g, 0, ATTUNE_GAINS_FIRST, 0), 0);
	g[0].magnitude = -8;  g[1].magnitude = -12;
	g[2].magnitude = -3;  g[3].magnitude = -12;
	assert_int_equal(attune_gains_select(g, 4, ATTUNE_GAINS_LARGEST, 1), 1);
	assert_int_equal(attune_gains_select(g, 4, ATTUNE_GAINS_SMALLEST, 1),
	                 2);
	g[0].magnitude = NAN;
	g[1].magnitude = NAN;
	assert_int_equal(attune_gains_select(g, 4, ATTUNE_GAINS_LARGEST, 1), 3);
	assert_int_equal(attune_gains_select(g, 2, ATTUNE_GAINS_LARGEST, 1), 0);
}

static void test_crit1_cutoff(void **state)
{
	attune_gains_cutoff c;
	attune_err err;

	(void)state;
	/* test-define_crit1_cutoff.R: sd = 10.5, reliability .961. */
	assert_int_equal(attune_gains_crit1_cutoff(10.5, 0.961, &c, &err), 0);
	assert_true(fabs(c.sem - 2.073584) < 1e-6);
	assert_true(fabs(c.sdiff - 2.93249) < 1e-5);
	assert_true(fabs(c.cutoff - 5.747681) < 1e-6);
	/* 1.96 * sqrt(2) * SD * sqrt(1 - r) */
	assert_true(fabs(c.cutoff - 1.96 * sqrt(2) * 10.5 * sqrt(0.039)) <
	            1e-12);
	assert_int_equal(attune_gains_crit1_cutoff(10, 2, &c, &err),
	                 ATTUNE_EINVAL);
	assert_non_null(strstr(err.msg, "reliability"));
	assert_int_equal(attune_gains_crit1_cutoff(10, -0.01, &c, &err),
	                 ATTUNE_EINVAL);
	assert_int_equal(attune_gains_crit1_cutoff(NAN, 0.9, &c, &err),
	                 ATTUNE_EINVAL);
	assert_int_equal(attune_gains_crit1_cutoff(-1, 0.9, &c, &err),
	                 ATTUNE_EINVAL);
	assert_int_equal(attune_gains_crit1_cutoff(10, 1, &c, &err), 0);
	assert_true(c.cutoff == 0);
}

static void test_sd(void **state)
{
	attune_gains_sd a;
	double v[] = {2, 4, NA, 4, 4, 5, 5, 7, 9};
	size_t k;

	(void)state;
	memset(&a, 0, sizeof(a));
	assert_true(isnan(attune_gains_sd_value(&a)));
	attune_gains_sd_add(&a, 3);
	assert_true(isnan(attune_gains_sd_value(&a)));
	memset(&a, 0, sizeof(a));
	for (k = 0; k < sizeof(v) / sizeof(v[0]); k++)
		attune_gains_sd_add(&a, v[k]);
	/* R: sd(c(2,4,4,4,5,5,7,9)) = 2.1380899352993952 */
	assert_true(fabs(attune_gains_sd_value(&a) - 2.1380899352993952) <
	            1e-14);
}

/* ---- sgdata: the figures the package publishes ---- */

struct tally {
	attune_gains_cfg cfg;
	attune_gain g[NMAX];
	size_t gains, people, multi, rev, first_rev;
	double sum, sum2, first_sum, first_sum2;
	attune_gains_sd sd0;
};

static int tally_person(void *ctx, const attune_series *s,
                        const attune_series_cols *cols)
{
	struct tally *t = ctx;
	attune_err err;
	size_t n = 0, k, pick;

	(void)cols;
	/* vars are bdi_s0, bdi_s1 .. bdi_s12: x[0] is the baseline. */
	attune_gains_sd_add(&t->sd0, s->x[0]);
	if (attune_gains_find(&t->cfg, s->x + 1, s->n - 1, s->x[1],
	                      s->x[s->n - 1], t->g, NMAX, &n, &err))
		return 1;
	for (k = 0; k < n; k++) {
		t->sum += t->g[k].magnitude;
		t->sum2 += t->g[k].magnitude * t->g[k].magnitude;
		t->rev += (size_t)t->g[k].reversal;
	}
	t->gains += n;
	t->people += n > 0;
	t->multi += n > 1;
	if (n) {
		pick = attune_gains_select(t->g, n, ATTUNE_GAINS_FIRST, 0);
		t->first_sum += t->g[pick].magnitude;
		t->first_sum2 += t->g[pick].magnitude * t->g[pick].magnitude;
		t->first_rev += (size_t)t->g[pick].reversal;
	}
	return 0;
}

static char *slurp(const char *name, size_t *len)
{
	const char *dir = getenv("ATTUNE_TEST_DATA");
	char path[1024];
	FILE *f;
	char *buf;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/data", name);
	f = fopen(path, "rb");
	assert_non_null(f);
	buf = malloc(1 << 20);
	assert_non_null(buf);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

static double sd_of(double sum, double sum2, double n)
{
	return sqrt((sum2 - sum * sum / n) / (n - 1));
}

static void test_sgdata(void **state)
{
	const char *vars[] = {"bdi_s0:bdi_s12"};
	attune_series_spec sp = {"id", vars, 1, 0, NULL, NULL, 1};
	attune_gains_cutoff cut;
	struct tally *t;
	attune_csv *csv;
	attune_err err;
	size_t len;
	char *buf = slurp("suddengains/sgdata.csv", &len);

	(void)state;
	t = calloc(1, sizeof(*t));
	assert_non_null(t);
	t->cfg = make(7, 0);
	assert_int_equal(attune_csv_open_buf(buf, len, "sgdata.csv", &csv), 0);
	assert_int_equal(attune_series_read(csv, &sp, tally_person, t, &err),
	                 0);
	attune_csv_close(csv);
	assert_int_equal(t->gains, 24);
	assert_int_equal(t->people, 15);
	assert_int_equal(t->multi, 8);
	assert_true(fabs(t->sum / 24 - 11.00) < 0.005);
	assert_true(fabs(sd_of(t->sum, t->sum2, 24) - 3.43) < 0.005);
	assert_int_equal(t->rev, 4);
	assert_true(fabs(t->first_sum / 15 - 11.40) < 0.005);
	assert_true(fabs(sd_of(t->first_sum, t->first_sum2, 15) - 3.98) <
	            0.005);
	assert_int_equal(t->first_rev, 3);
	/* define_crit1_cutoff(data_sd = sgdata$bdi_s0, reliability = .931) */
	assert_true(fabs(attune_gains_sd_value(&t->sd0) - 6.396073) < 1e-6);
	assert_int_equal(attune_gains_crit1_cutoff(
	        attune_gains_sd_value(&t->sd0), 0.931, &cut, &err), 0);
	assert_true(fabs(cut.sem - 1.680111) < 1e-6);
	assert_true(fabs(cut.sdiff - 2.376036) < 1e-6);
	assert_true(fabs(cut.cutoff - 4.65703) < 1e-5);
	free(t);
	free(buf);
}

/* ---- properties on generated series ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
	/* xorshift64* (Vigna 2016) */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717u;
}

/* A therapy-like series: a drifting walk on 0..63 with occasional
 * sudden drops and rises and ~15 % missing. */
static size_t gen(double *x)
{
	size_t n = (size_t)(rnd() % 22), k;
	double v = (double)(rnd() % 40) + 15;

	for (k = 0; k < n; k++) {
		uint64_t r = rnd() % 100;
		v += (double)(rnd() % 5) - 2;
		if (r < 12)
			v -= (double)(rnd() % 14) + 4;
		else if (r < 18)
			v += (double)(rnd() % 14) + 4;
		if (v < 0)
			v = 0;
		if (v > 63)
			v = 63;
		x[k] = rnd() % 100 < 15 ? NAN : v;
	}
	return n;
}

/* An independent, plain reading of the rules (the R loop written out),
 * for gains at alpha .05 with every criterion. Returns 1/0/-1. */
static int naive(const double *x, size_t n, size_t j, double cutoff,
                 double pct)
{
	/* R: col_j = j + 1 (1-based x_N+1); pre = max(1, col_j - 3) ..
	 * col_j - 1; post = col_j .. min(ncol, col_j + 2) */
	double pre[3], post[3], mp = 0, mq = 0, vp = 0, vq = 0, t;
	int np = 0, nq = 0, c1, c2, c3, k;
	size_t a;

	for (a = j >= 2 ? j - 2 : 0; a <= j; a++)
		if (!isnan(x[a]))
			pre[np++] = x[a];
	for (a = j + 1; a <= j + 3 && a < n; a++)
		if (!isnan(x[a]))
			post[nq++] = x[a];
	if (isnan(x[j]) || isnan(x[j + 1]))
		return -1;
	c1 = x[j] - x[j + 1] >= cutoff;
	c2 = x[j] - x[j + 1] >= pct * x[j];
	if (np < 2 || nq < 2)
		return -1;
	for (k = 0; k < np; k++)
		mp += pre[k] / np;
	for (k = 0; k < nq; k++)
		mq += post[k] / nq;
	for (k = 0; k < np; k++)
		vp += (pre[k] - mp) * (pre[k] - mp) / (np - 1);
	for (k = 0; k < nq; k++)
		vq += (post[k] - mq) * (post[k] - mq) / (nq - 1);
	t = np + nq == 6 ? 2.7764451051977943 : np + nq == 5
	    ? 3.1824463052837091 : 4.3026527297494637;
	c3 = mp - mq > t * sqrt(((np - 1) * vp + (nq - 1) * vq) /
	                        (np + nq - 2));
	return c1 && c2 && c3;
}

static void test_property_naive(void **state)
{
	attune_gains_cfg c = make(7, 0);
	attune_gain g[NMAX];
	double x[NMAX];
	size_t it, n, j, nf, k, total = 0;
	int want;

	(void)state;
	for (it = 0; it < 20000; it++) {
		n = gen(x);
		nf = n ? find(&c, x, n, g) : 0;
		k = 0;
		for (j = 1; j + 3 <= n; j++) {
			want = naive(x, n, j, 7, 0.25);
			/* find() and check_interval() agree with the naive
			 * reading, including NA. */
			assert_int_equal(judge(&c, x, n, j), want);
			if (want == 1) {
				assert_true(k < nf);
				assert_int_equal(g[k].i, j);
				k++;
			}
		}
		assert_int_equal(k, nf);
		total += nf;
	}
	assert_true(total > 1000);   /* the generator does make gains */
}

/* Scaling every score and the cut-off by the same constant changes
 * nothing: same intervals, same reversals, magnitudes scaled. */
static void test_property_scaling(void **state)
{
	static const double scale[] = {2, 0.5, 4, 10, 3, 0.25};
	attune_gains_params p;
	attune_gains_cfg c0, c1;
	attune_gain g0[NMAX], g1[NMAX];
	double x[NMAX], y[NMAX];
	size_t it, n, k, s, n0, n1, total = 0;

	(void)state;
	attune_gains_params_default(&p);
	for (s = 0; s < sizeof(scale) / sizeof(scale[0]); s++) {
		p.cutoff = 7;
		c0 = make_p(&p);
		p.cutoff = 7 * scale[s];
		c1 = make_p(&p);
		for (it = 0; it < 3000; it++) {
			n = gen(x);
			if (n == 0)
				continue;
			for (k = 0; k < n; k++)
				y[k] = x[k] * scale[s];
			n0 = find(&c0, x, n, g0);
			n1 = find(&c1, y, n, g1);
			assert_int_equal(n0, n1);
			for (k = 0; k < n0; k++) {
				assert_int_equal(g0[k].i, g1[k].i);
				assert_int_equal(g0[k].reversal, g1[k].reversal);
				assert_true(fabs(g1[k].magnitude - scale[s] *
				                 g0[k].magnitude) <=
				            1e-12 * fabs(g1[k].magnitude));
				assert_true(fabs(g1[k].change_proportion -
				                 g0[k].change_proportion) <= 1e-12 ||
				            (isnan(g1[k].change_proportion) &&
				             isnan(g0[k].change_proportion)));
			}
			total += n0;
		}
	}
	assert_true(total > 500);
}

/* Reversing the direction mirrors gains into losses: losses of x are the
 * gains of -x (criteria 1 and 3, and the reversal, are symmetric).
 * Criterion 2 is relative to the scale's zero (pct * x_N), which
 * negation moves, so it is checked against its own mirrored rule
 * instead. */
static void test_property_mirror(void **state)
{
	attune_gains_params p;
	attune_gains_cfg cg, cl;
	attune_gain g[NMAX], l[NMAX];
	double x[NMAX], y[NMAX];
	size_t it, n, k, ng, nl, total = 0;

	(void)state;
	attune_gains_params_default(&p);
	p.cutoff = 7;
	p.crit2 = 0;
	cg = make_p(&p);
	p.losses = 1;
	cl = make_p(&p);
	for (it = 0; it < 20000; it++) {
		n = gen(x);
		if (n == 0)
			continue;
		for (k = 0; k < n; k++)
			y[k] = -x[k];
		ng = find(&cg, y, n, g);
		nl = find(&cl, x, n, l);
		assert_int_equal(ng, nl);
		for (k = 0; k < ng; k++) {
			assert_int_equal(g[k].i, l[k].i);
			assert_true(g[k].magnitude == -l[k].magnitude);
			assert_true(g[k].reversal_value == -l[k].reversal_value);
			assert_int_equal(g[k].reversal, l[k].reversal);
		}
		total += ng;
	}
	assert_true(total > 500);
	/* Criterion 2 of losses: x_N+1 - x_N >= pct * x_N. */
	p.crit2 = 1;
	p.crit1 = p.crit3 = 0;
	cl = make_p(&p);
	for (it = 0; it < 5000; it++) {
		n = gen(x);
		for (k = 1; k + 3 <= n; k++) {
			int want = isnan(x[k]) || isnan(x[k + 1]) ? -1
			         : x[k + 1] - x[k] >= 0.25 * x[k];
			assert_int_equal(judge(&cl, x, n, k), want);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_t_crit),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_package_identify_sg),
		cmocka_unit_test(test_package_identify_sl),
		cmocka_unit_test(test_boundary_cutoff),
		cmocka_unit_test(test_boundary_pct),
		cmocka_unit_test(test_losses_crit2_not_the_flaw),
		cmocka_unit_test(test_boundary_crit3_window),
		cmocka_unit_test(test_window_and_length),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_reversal),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_crit1_cutoff),
		cmocka_unit_test(test_sd),
		cmocka_unit_test(test_sgdata),
		cmocka_unit_test(test_property_naive),
		cmocka_unit_test(test_property_scaling),
		cmocka_unit_test(test_property_mirror),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
