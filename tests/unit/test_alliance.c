/* test_alliance.c - rupture-repair sequences and the client-therapist
 * discrepancy (alliance.h). Every expected value was worked out by hand
 * (see the comments) and agrees with the independent rational-arithmetic
 * reference in tests/data/alliance/reference.py. Sessions are numbered
 * from 1 (first = 1) unless a test says otherwise. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "attune/alliance.h"
#include "attune/series.h"

#define NA NAN
#define MAXSEQ 64

static attune_rupture seq[MAXSEQ];

/* Detect in x[0..n) with p; returns the count. */
static size_t run(const double *x, size_t n, const attune_rupture_params *p)
{
	attune_alliance_series s;
	attune_err err;
	size_t n_out = 99;

	memset(&s, 0, sizeof(s));
	s.first = 1;
	s.n = n;
	s.x = x;
	err.msg[0] = '\0';
	assert_int_equal(attune_rupture_detect(&s, p, seq, MAXSEQ, &n_out,
	                                       &err), ATTUNE_OK);
	return n_out;
}

static attune_rupture_params rule(attune_rupture_rule r)
{
	attune_rupture_params p;

	attune_rupture_defaults(r, &p);
	return p;
}

/* A fixed SD makes the lines easy to place by hand. */
static attune_rupture_params fixed_sd(attune_rupture_rule r, double sd)
{
	attune_rupture_params p = rule(r);

	p.sd = ATTUNE_RUPTURE_SD_VALUE;
	p.sd_value = sd;
	return p;
}

static void expect_seq(size_t i, int pre, int start, int lowest, int repair,
                       attune_rupture_status st)
{
	assert_int_equal(seq[i].pre, pre);
	assert_int_equal(seq[i].start, start);
	assert_int_equal(seq[i].lowest, lowest);
	assert_int_equal(seq[i].repair, repair);
	assert_int_equal(seq[i].status, st);
}

static void test_defaults_and_check(void **state)
{
	attune_rupture_params p;
	attune_err err;

	(void)state;
	p = rule(ATTUNE_RUPTURE_STILES);
	assert_true(p.k == 2 && p.sd == ATTUNE_RUPTURE_SD_WITHIN);
	assert_true(isnan(p.sd_value) && isnan(p.sd_value_sub[7]));
	p = rule(ATTUNE_RUPTURE_STRAUSS);
	assert_true(p.k == 1);
	assert_true(p.cutoff == 36 && p.drop == 5);
	assert_int_equal(attune_rupture_check(&p, &err), ATTUNE_OK);

	p.k = 0;
	assert_int_equal(attune_rupture_check(&p, &err), ATTUNE_EINVAL);
	assert_non_null(strstr(err.msg, "k (the SD multiple)"));
	p = rule(ATTUNE_RUPTURE_STILES);
	p.sd = ATTUNE_RUPTURE_SD_BETWEEN;   /* needs the sample's SD */
	assert_int_equal(attune_rupture_check(&p, &err), ATTUNE_EINVAL);
	assert_non_null(strstr(err.msg, "between SD"));
	p.sd_value = -1;
	assert_int_equal(attune_rupture_check(&p, &err), ATTUNE_EINVAL);
	p = rule(ATTUNE_RUPTURE_DROP);      /* SD only for depth: may be NaN */
	p.sd = ATTUNE_RUPTURE_SD_BETWEEN;
	assert_int_equal(attune_rupture_check(&p, &err), ATTUNE_OK);
	p.drop = 0;
	assert_int_equal(attune_rupture_check(&p, &err), ATTUNE_EINVAL);
	p = rule(ATTUNE_RUPTURE_CUTOFF);
	p.cutoff = NAN;
	assert_int_equal(attune_rupture_check(&p, &err), ATTUNE_EINVAL);
	p = rule(ATTUNE_RUPTURE_CUTOFF);
	p.repair_within = -1;
	assert_int_equal(attune_rupture_check(&p, &err), ATTUNE_EINVAL);
	p.repair_within = 0;
	p.rule = (attune_rupture_rule)9;
	assert_int_equal(attune_rupture_check(&p, &err), ATTUNE_EINVAL);
	assert_string_equal(attune_rupture_rule_name(ATTUNE_RUPTURE_DROP),
	                    "drop");
	assert_string_equal(attune_rupture_status_name(
	                    ATTUNE_RUPTURE_INTERRUPTED), "interrupted");
	assert_string_equal(attune_rupture_sd_name(ATTUNE_RUPTURE_SD_STRICTER),
	                    "stricter");
	assert_string_equal(attune_rupture_rule_name((attune_rupture_rule)0),
	                    "?");
}

/* 4,5,5,0,5,5: mean 24/6 = 4; deviations 0,1,1,-4,1,1, SS 20, SD
 * sqrt(20/5) = 2; session 4 is exactly 2 SD below the mean. */
static void test_stiles_exactly_k_sd(void **state)
{
	const double x[] = {4, 5, 5, 0, 5, 5};
	const double y[] = {4, 5, 5, 0.01, 5, 5};
	attune_rupture_params p = rule(ATTUNE_RUPTURE_STILES);

	(void)state;
	assert_int_equal(run(x, 6, &p), 1);
	expect_seq(0, 3, 4, 4, 5, ATTUNE_RUPTURE_REPAIRED);
	assert_true(seq[0].reference == 4);
	assert_true(seq[0].low == 0);
	assert_true(seq[0].depth == 4);
	assert_true(fabs(seq[0].sd - 2) < 1e-12);
	assert_true(fabs(seq[0].depth_sd - 2) < 1e-12);
	assert_int_equal(seq[0].rule, ATTUNE_RUPTURE_STILES);
	assert_int_equal(seq[0].lead, -1);
	/* 0.01 instead of 0: mean 4.0017, SD 1.9967, z = 1.9982 < 2. */
	assert_int_equal(run(y, 6, &p), 0);
	/* The same series in tenths and on a shifted scale: on paper still
	 * exactly 2 SD, in floating point a hair off the line either way;
	 * the tolerance keeps the decision. */
	{
		const double scale[] = {0.1, 0.3, 1.1, 7.7};
		double z[6];
		size_t i, k;
		for (k = 0; k < 4; k++) {
			for (i = 0; i < 6; i++)
				z[i] = x[i] * scale[k] + 0.7;
			assert_int_equal(run(z, 6, &p), 1);
			expect_seq(0, 3, 4, 4, 5, ATTUNE_RUPTURE_REPAIRED);
		}
	}
}

/* 4,1,2,2,6: mean 3, SS 16, SD 2; session 2 (1) is exactly 1 SD below.
 * Strauss's return is to the score before the drop (4): session 5. */
static void test_strauss_exactly_k_sd(void **state)
{
	const double x[] = {4, 1, 2, 2, 6};
	const double y[] = {4, 1.01, 2, 2, 6};
	attune_rupture_params p = rule(ATTUNE_RUPTURE_STRAUSS);

	(void)state;
	assert_int_equal(run(x, 5, &p), 1);
	expect_seq(0, 1, 2, 2, 5, ATTUNE_RUPTURE_REPAIRED);
	assert_true(fabs(seq[0].depth_sd - 1) < 1e-12);
	assert_int_equal(run(y, 5, &p), 0);
	/* With the mean as the return (3): session 5 as well, since 2 < 3. */
	p.repair = ATTUNE_REPAIR_MEAN;
	assert_int_equal(run(x, 5, &p), 1);
	assert_int_equal(seq[0].repair, 5);
	/* With the line as the return (above 3 - 2 = 1): session 3. */
	p.repair = ATTUNE_REPAIR_LINE;
	assert_int_equal(run(x, 5, &p), 1);
	assert_int_equal(seq[0].repair, 3);
}

/* Returns exactly at the threshold count as the repair. */
static void test_return_exactly_at_threshold(void **state)
{
	/* mean 25/5 = 5, SD 1 (fixed), line 3: session 3 starts; session 4
	 * is exactly the mean. */
	const double a[] = {6, 6, 2, 5, 6};
	/* mean 4.998: 4.99 is just short, the return is session 5. */
	const double b[] = {6, 6, 2, 4.99, 6};
	/* Strauss, pre = 10: session 3 is back at exactly 10. */
	const double c[] = {10, 8, 10};
	const double d[] = {10, 8, 9.999};
	attune_rupture_params p = fixed_sd(ATTUNE_RUPTURE_STILES, 1);

	(void)state;
	assert_int_equal(run(a, 5, &p), 1);
	expect_seq(0, 2, 3, 3, 4, ATTUNE_RUPTURE_REPAIRED);
	assert_int_equal(run(b, 5, &p), 1);
	expect_seq(0, 2, 3, 3, 5, ATTUNE_RUPTURE_REPAIRED);
	p = fixed_sd(ATTUNE_RUPTURE_STRAUSS, 1);
	/* mean 28/3 = 9.33, line 8.33: 8 is below it. */
	assert_int_equal(run(c, 3, &p), 1);
	expect_seq(0, 1, 2, 2, 3, ATTUNE_RUPTURE_REPAIRED);
	assert_int_equal(run(d, 3, &p), 1);
	expect_seq(0, 1, 2, 2, -1, ATTUNE_RUPTURE_UNREPAIRED);
}

static void test_short_series(void **state)
{
	const double one[] = {1};
	const double two[] = {5, 1};
	const double two_na[] = {5, NA, NA};
	attune_rupture_params p = rule(ATTUNE_RUPTURE_STILES);

	(void)state;
	assert_int_equal(run(NULL, 0, &p), 0);
	assert_int_equal(run(one, 1, &p), 0);
	/* Two sessions: mean 3, within SD 2.83, z 0.71: nothing. */
	assert_int_equal(run(two, 2, &p), 0);
	/* With SD 1 fixed the line is 1: session 2 is on it, unrepaired. */
	p = fixed_sd(ATTUNE_RUPTURE_STILES, 1);
	assert_int_equal(run(two, 2, &p), 1);
	expect_seq(0, 1, 2, 2, -1, ATTUNE_RUPTURE_UNREPAIRED);
	/* One rated session among three: nothing, for every rule. */
	assert_int_equal(run(two_na, 3, &p), 0);
	p = rule(ATTUNE_RUPTURE_CUTOFF);
	p.cutoff = 10;
	assert_int_equal(run(two_na, 3, &p), 0);
	/* Two sessions under the cut-off rule: a rupture from session 1. */
	assert_int_equal(run(two, 2, &p), 1);
	expect_seq(0, -1, 1, 2, -1, ATTUNE_RUPTURE_UNREPAIRED);
	p = rule(ATTUNE_RUPTURE_DROP);
	p.drop = 4;  /* 5 -> 1 is a drop of exactly 4 */
	assert_int_equal(run(two, 2, &p), 1);
	expect_seq(0, 1, 2, 2, -1, ATTUNE_RUPTURE_UNREPAIRED);
	assert_true(seq[0].reference == 5 && seq[0].depth == 4);
}

/* All equal: SD 0, no deviation can exist; the cut-off still speaks. */
static void test_all_equal(void **state)
{
	const double x[] = {30, 30, 30, 30};
	attune_rupture_params p = rule(ATTUNE_RUPTURE_STILES);

	(void)state;
	assert_int_equal(run(x, 4, &p), 0);
	p = rule(ATTUNE_RUPTURE_STRAUSS);
	assert_int_equal(run(x, 4, &p), 0);
	p = rule(ATTUNE_RUPTURE_DROP);
	assert_int_equal(run(x, 4, &p), 0);
	p = rule(ATTUNE_RUPTURE_CUTOFF);   /* 30 < 36 throughout */
	assert_int_equal(run(x, 4, &p), 1);
	expect_seq(0, -1, 1, 1, -1, ATTUNE_RUPTURE_UNREPAIRED);
	assert_true(seq[0].depth == 6);
	assert_true(seq[0].sd == 0 && isnan(seq[0].depth_sd));
	/* The stricter SD with a sample SD: the line exists again. */
	p = rule(ATTUNE_RUPTURE_STILES);
	p.sd = ATTUNE_RUPTURE_SD_STRICTER;
	p.sd_value = 1;
	assert_int_equal(run(x, 4, &p), 0);  /* nothing below 30 - 2 */
}

/* Missing sessions inside and before a sequence, skip and break. Fixed
 * SD 1, k 2. */
static void test_missing(void **state)
{
	/* mean 26/5 = 5.2, line 3.2 */
	const double a[] = {6, 6, 2, NA, 6, 6};
	/* mean 20/4 = 5, line 3 */
	const double b[] = {6, NA, 2, 6, 6};
	attune_rupture_params p = fixed_sd(ATTUNE_RUPTURE_STILES, 1);

	(void)state;
	assert_int_equal(run(a, 6, &p), 1);
	expect_seq(0, 2, 3, 3, 5, ATTUNE_RUPTURE_REPAIRED);
	p.missing = ATTUNE_MISSING_BREAK;
	assert_int_equal(run(a, 6, &p), 1);
	expect_seq(0, 2, 3, 3, -1, ATTUNE_RUPTURE_INTERRUPTED);
	/* A gap before the drop: skip measures it from session 1 ... */
	p.missing = ATTUNE_MISSING_SKIP;
	assert_int_equal(run(b, 5, &p), 1);
	expect_seq(0, 1, 3, 3, 4, ATTUNE_RUPTURE_REPAIRED);
	/* ... break does not measure a drop across the gap. */
	p.missing = ATTUNE_MISSING_BREAK;
	assert_int_equal(run(b, 5, &p), 0);
	/* The drop rule likewise: 6 -> (gap) -> 2. */
	p = rule(ATTUNE_RUPTURE_DROP);
	p.drop = 4;
	assert_int_equal(run(b, 5, &p), 1);
	expect_seq(0, 1, 3, 3, 4, ATTUNE_RUPTURE_REPAIRED);
	p.missing = ATTUNE_MISSING_BREAK;
	assert_int_equal(run(b, 5, &p), 0);
	/* The cut-off rule after a gap under break starts afresh (no pre). */
	p = rule(ATTUNE_RUPTURE_CUTOFF);
	p.cutoff = 5;
	p.missing = ATTUNE_MISSING_BREAK;
	assert_int_equal(run(b, 5, &p), 1);
	expect_seq(0, -1, 3, 3, 4, ATTUNE_RUPTURE_REPAIRED);
	/* A missing lowest point is never the lowest. */
	{
		const double c[] = {6, 6, 2, NA, 1.5, 6};
		p = fixed_sd(ATTUNE_RUPTURE_STILES, 1);
		assert_int_equal(run(c, 6, &p), 1);
		expect_seq(0, 2, 3, 5, 6, ATTUNE_RUPTURE_REPAIRED);
	}
}

/* The repair window: 6,6,2,3,6 with mean 4.6, SD 1, line 2.6. */
static void test_window(void **state)
{
	const double x[] = {6, 6, 2, 3, 6};
	attune_rupture_params p = fixed_sd(ATTUNE_RUPTURE_STILES, 1);

	(void)state;
	p.repair_within = 1;         /* session 4 is not back at 4.6 */
	assert_int_equal(run(x, 5, &p), 1);
	expect_seq(0, 2, 3, 3, -1, ATTUNE_RUPTURE_UNREPAIRED);
	p.repair_within = 2;         /* session 5 = start + 2: in time */
	assert_int_equal(run(x, 5, &p), 1);
	expect_seq(0, 2, 3, 3, 5, ATTUNE_RUPTURE_REPAIRED);
	/* A gap over the end of the window (skip): too late. */
	{
		const double y[] = {6, 6, 2, NA, NA, 6};
		p.repair_within = 2;
		assert_int_equal(run(y, 6, &p), 1);
		expect_seq(0, 2, 3, 3, -1, ATTUNE_RUPTURE_UNREPAIRED);
	}
}

/* Feedback-system rules. */
static void test_cutoff_and_drop(void **state)
{
	/* SRS: below 36. 35 starts, 36 (exactly the cut-off) repairs. */
	const double srs[] = {38, 35, 36, 34, 40};
	const double first[] = {30, 32, 37};
	/* Drop of exactly 5, then back to 40 = the score before. */
	const double dr[] = {40, 35, 38, 40, 34.5, 36};
	attune_rupture_params p = rule(ATTUNE_RUPTURE_CUTOFF);

	(void)state;
	assert_int_equal(run(srs, 5, &p), 2);
	expect_seq(0, 1, 2, 2, 3, ATTUNE_RUPTURE_REPAIRED);
	expect_seq(1, 3, 4, 4, 5, ATTUNE_RUPTURE_REPAIRED);
	assert_true(seq[0].reference == 36 && seq[0].depth == 1);
	assert_int_equal(run(first, 3, &p), 1);
	expect_seq(0, -1, 1, 1, 3, ATTUNE_RUPTURE_REPAIRED);
	p.repair = ATTUNE_REPAIR_PRE;      /* no pre: falls back to the line */
	assert_int_equal(run(first, 3, &p), 1);
	assert_int_equal(seq[0].repair, 3);

	p = rule(ATTUNE_RUPTURE_DROP);
	assert_int_equal(run(dr, 6, &p), 2);
	expect_seq(0, 1, 2, 2, 4, ATTUNE_RUPTURE_REPAIRED);
	assert_true(seq[0].reference == 40 && seq[0].depth == 5);
	/* 40 -> 34.5 is 5.5: a drop; 36 is not back at 40. */
	expect_seq(1, 4, 5, 5, -1, ATTUNE_RUPTURE_UNREPAIRED);
	/* Line repair: above 40 - 5 = 35, so 38 at session 3. */
	p.repair = ATTUNE_REPAIR_LINE;
	assert_int_equal(run(dr, 6, &p), 2);
	assert_int_equal(seq[0].repair, 3);
	assert_int_equal(seq[1].repair, 6);
	/* 4.99 points is not a drop of 5. */
	{
		const double y[] = {40, 35.01, 38};
		p = rule(ATTUNE_RUPTURE_DROP);
		assert_int_equal(run(y, 3, &p), 0);
	}
}

/* Which subscale led: the largest standardized drop at the lowest
 * session. Goals 3,3,3,2,3,3 (mean 17/6, SD 0.41: z at session 4 =
 * 0.833/0.408 = 2.04); bond 4,4,4,1,4,4 (mean 3.5, SD 1.22: z = 2.5/1.22
 * = 2.04); tasks 3,3,3,3,3,3 (SD 0: cannot be judged). Goals and bond
 * tie at (n-1)/sqrt(n) = 5/sqrt(6): the first (goals) leads. */
static void test_lead(void **state)
{
	const double tot[] = {10, 10, 10, 6, 10, 10};
	const double goals[] = {3, 3, 3, 2, 3, 3};
	const double tasks[] = {3, 3, 3, 3, 3, 3};
	const double bond[] = {4, 4, 4, 1, 4, 4};
	const double bond2[] = {4, 4, 3, 1, 4, 4};
	const double *sub[3];
	attune_alliance_series s;
	attune_rupture_params p = rule(ATTUNE_RUPTURE_STILES);
	attune_err err;
	size_t n;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.first = 1;
	s.n = 6;
	s.x = tot;
	s.n_sub = 3;
	s.sub = sub;
	sub[0] = goals;
	sub[1] = tasks;
	sub[2] = bond;
	assert_int_equal(attune_rupture_detect(&s, &p, seq, MAXSEQ, &n, &err),
	                 ATTUNE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(seq[0].lead, 0);
	assert_true(fabs(seq[0].lead_z - 5 / sqrt(6)) < 1e-12);
	/* Bond 4,4,3,1,4,4: mean 20/6, SD 1.21, z = 2.33/1.21 = 1.93 ...
	 * less than goals' 2.04: goals still. With goals flat too, bond. */
	sub[2] = bond2;
	assert_int_equal(attune_rupture_detect(&s, &p, seq, MAXSEQ, &n, &err),
	                 ATTUNE_OK);
	assert_int_equal(seq[0].lead, 0);
	sub[0] = tasks;
	assert_int_equal(attune_rupture_detect(&s, &p, seq, MAXSEQ, &n, &err),
	                 ATTUNE_OK);
	assert_int_equal(seq[0].lead, 2);
	/* No subscale fell: no lead. */
	sub[2] = tasks;
	assert_int_equal(attune_rupture_detect(&s, &p, seq, MAXSEQ, &n, &err),
	                 ATTUNE_OK);
	assert_int_equal(seq[0].lead, -1);
	assert_true(isnan(seq[0].lead_z));
	/* The drop rule ranks from the pre-rupture session: goals 3 -> 2
	 * over SD 0.41, bond 3 -> 1 (bond2 at session 3) over 1.21: 2.45
	 * against 1.65. */
	sub[0] = goals;
	sub[2] = bond2;
	p = rule(ATTUNE_RUPTURE_DROP);
	p.drop = 4;
	assert_int_equal(attune_rupture_detect(&s, &p, seq, MAXSEQ, &n, &err),
	                 ATTUNE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(seq[0].lead, 0);
	assert_true(fabs(seq[0].lead_z - 1 / sqrt(1.0 / 6)) < 1e-12);
	/* Subscale SDs from the sample (between): bond's 0.5 makes its
	 * drop of 2 the larger (4 SD against goals' 1/0.41 = 2.45). */
	p.sd = ATTUNE_RUPTURE_SD_BETWEEN;
	p.sd_value_sub[2] = 0.5;
	assert_int_equal(attune_rupture_detect(&s, &p, seq, MAXSEQ, &n, &err),
	                 ATTUNE_OK);
	assert_int_equal(seq[0].lead, 2);
	assert_true(seq[0].lead_z == 4);
	assert_true(isnan(seq[0].sd));   /* total's sample SD not given */
	assert_true(isnan(seq[0].depth_sd));
}

/* The SD choice: within 2 (4,5,5,0,5,5) against a sample SD. */
static void test_sd_choice(void **state)
{
	const double x[] = {4, 5, 5, 0, 5, 5};
	attune_rupture_params p = rule(ATTUNE_RUPTURE_STILES);

	(void)state;
	p.sd = ATTUNE_RUPTURE_SD_STRICTER;
	p.sd_value = 1.5;              /* within 2 is stricter: line 0 */
	assert_int_equal(run(x, 6, &p), 1);
	assert_true(fabs(seq[0].sd - 2) < 1e-12);
	p.sd_value = 2.5;              /* the sample's: line -1, none */
	assert_int_equal(run(x, 6, &p), 0);
	p.sd = ATTUNE_RUPTURE_SD_BETWEEN;
	p.sd_value = 1.5;              /* line 1: found, depth 4 / 1.5 */
	assert_int_equal(run(x, 6, &p), 1);
	assert_true(seq[0].sd == 1.5);
	assert_true(fabs(seq[0].depth_sd - 4 / 1.5) < 1e-12);
	p.sd_value = 2.5;
	assert_int_equal(run(x, 6, &p), 0);
}

/* Several sequences, in order; a full buffer is ATTUNE_ELIMIT. */
static void test_several_and_limit(void **state)
{
	const double x[] = {6, 2, 6, 6, 2, 6, 2, 2};
	attune_alliance_series s;
	attune_rupture_params p = fixed_sd(ATTUNE_RUPTURE_STILES, 1);
	attune_rupture one[2];
	attune_err err;
	size_t n;

	(void)state;
	/* mean 4, line 2 */
	assert_int_equal(run(x, 8, &p), 3);
	expect_seq(0, 1, 2, 2, 3, ATTUNE_RUPTURE_REPAIRED);
	expect_seq(1, 4, 5, 5, 6, ATTUNE_RUPTURE_REPAIRED);
	expect_seq(2, 6, 7, 7, -1, ATTUNE_RUPTURE_UNREPAIRED);
	memset(&s, 0, sizeof(s));
	s.first = 0;                   /* session numbers follow first */
	s.n = 8;
	s.x = x;
	assert_int_equal(attune_rupture_detect(&s, &p, one, 2, &n, &err),
	                 ATTUNE_ELIMIT);
	assert_int_equal(n, 2);
	assert_int_equal(one[0].start, 1);
	assert_int_equal(one[1].start, 4);
	assert_non_null(strstr(err.msg, "3 sequences found, room for 2"));
	/* Bad arguments. */
	assert_int_equal(attune_rupture_detect(NULL, &p, one, 2, &n, &err),
	                 ATTUNE_EINVAL);
	s.n = ATTUNE_SERIES_MAX + 1;
	assert_int_equal(attune_rupture_detect(&s, &p, one, 2, &n, &err),
	                 ATTUNE_EINVAL);
	assert_int_equal(n, 0);
	s.n = 8;
	s.n_sub = 1;
	s.sub = NULL;
	assert_int_equal(attune_rupture_detect(&s, &p, one, 2, &n, &err),
	                 ATTUNE_EINVAL);
}

static void test_sample_sd(void **state)
{
	/* 2,4,4,4,5,5,7,9: mean 5, SS 32, sample SD sqrt(32/7). */
	const double a[] = {2, 4, NA, 4};
	const double b[] = {4, 5, 5, 7, 9};
	attune_alliance_sample s;

	(void)state;
	attune_alliance_sample_init(&s);
	assert_true(isnan(attune_alliance_sample_sd(&s)));
	attune_alliance_sample_add(&s, a, 4);
	attune_alliance_sample_add(&s, b, 5);
	assert_true(s.n == 8);
	assert_true(fabs(s.mean - 5) < 1e-12);
	assert_true(fabs(attune_alliance_sample_sd(&s) - sqrt(32.0 / 7)) <
	            1e-12);
}

/* ---- properties on generated series --------------------------------- */

static uint64_t lcg = 88172645463325252ULL;

static double unif(void)
{
	lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(lcg >> 11) / 9007199254740992.0;
}

/* A client's series of n sessions around a level, with dips and
 * missing sessions; rounded to quarter points like item means. */
static void gen(double *x, size_t n)
{
	double level = 20 + 30 * unif();
	size_t i;

	for (i = 0; i < n; i++) {
		double v = level + 6 * (unif() - 0.5);
		if (unif() < 0.15)
			v -= 15 * unif();
		x[i] = unif() < 0.08 ? NA : floor(v * 4) / 4;
	}
}

static int same_sessions(const attune_rupture *a, const attune_rupture *b,
                         size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i].pre != b[i].pre || a[i].start != b[i].start ||
		    a[i].lowest != b[i].lowest || a[i].repair != b[i].repair ||
		    a[i].status != b[i].status || a[i].lead != b[i].lead)
			return 0;
	return 1;
}

/* Shifting every score (total and subscales) by a constant changes no
 * decision and no depth; scaling every score and every absolute
 * threshold (cut-off, drop, fixed SD) by a constant changes no decision
 * and scales the depth. Checked over every rule and option. */
static void test_properties(void **state)
{
	static attune_rupture a[MAXSEQ], b[MAXSEQ];
	double x[24], y[24], g[24], gy[24];
	const double *sub[1], *suby[1];
	const double shifts[] = {17.25, -1000, 0.001};
	const double scales[] = {3.5, 0.1, 1000};
	attune_alliance_series s, t;
	attune_err err;
	size_t na, nb, i, k, trial, found = 0, compared = 0;
	int r;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.first = 1;
	s.n_sub = 1;
	s.sub = sub;
	sub[0] = g;
	t = s;
	t.sub = suby;
	suby[0] = gy;
	for (trial = 0; trial < 400; trial++) {
		size_t n = 3 + (size_t)(unif() * 21);
		gen(x, n);
		for (i = 0; i < n; i++)
			g[i] = isnan(x[i]) ? NA : floor(x[i] / 3 * 4) / 4;
		s.n = t.n = n;
		s.x = x;
		t.x = y;
		for (r = ATTUNE_RUPTURE_STILES; r <= ATTUNE_RUPTURE_DROP; r++) {
			attune_rupture_params p = rule((attune_rupture_rule)r);
			attune_rupture_params q;
			p.cutoff = 30;
			p.drop = 4;
			p.repair = (attune_rupture_repair)(trial % 4);
			p.missing = (attune_rupture_missing)(trial / 4 % 2);
			p.repair_within = (int)(trial / 8 % 3);
			if (trial % 5 == 0) {
				p.sd = ATTUNE_RUPTURE_SD_VALUE;
				p.sd_value = 3;
			}
			assert_int_equal(attune_rupture_detect(&s, &p, a, MAXSEQ,
			                 &na, &err), ATTUNE_OK);
			found += na;
			for (k = 0; k < 3; k++) {
				/* shift: thresholds that are levels move too */
				q = p;
				q.cutoff = p.cutoff + shifts[k];
				for (i = 0; i < n; i++) {
					y[i] = x[i] + shifts[k];
					gy[i] = g[i] + shifts[k];
				}
				assert_int_equal(attune_rupture_detect(&t, &q, b,
				                 MAXSEQ, &nb, &err), ATTUNE_OK);
				assert_int_equal(na, nb);
				assert_true(same_sessions(a, b, na));
				for (i = 0; i < na; i++) {
					assert_true(fabs(a[i].depth - b[i].depth) <
					            1e-9 * (1 + fabs(shifts[k])));
					if (a[i].lead >= 0)
						assert_true(fabs(a[i].lead_z -
						            b[i].lead_z) < 1e-6);
				}
				/* scale */
				q = p;
				q.cutoff = p.cutoff * scales[k];
				q.drop = p.drop * scales[k];
				q.sd_value = p.sd_value * scales[k];
				for (i = 0; i < n; i++) {
					y[i] = x[i] * scales[k];
					gy[i] = g[i] * scales[k];
				}
				assert_int_equal(attune_rupture_detect(&t, &q, b,
				                 MAXSEQ, &nb, &err), ATTUNE_OK);
				assert_int_equal(na, nb);
				assert_true(same_sessions(a, b, na));
				for (i = 0; i < na; i++) {
					assert_true(fabs(a[i].depth * scales[k] -
					                 b[i].depth) <
					            1e-9 * fabs(b[i].depth) + 1e-12);
					if (!isnan(a[i].depth_sd))
						assert_true(fabs(a[i].depth_sd -
						            b[i].depth_sd) < 1e-9 *
						            (1 + fabs(a[i].depth_sd)));
				}
				compared += na;
			}
		}
	}
	/* The properties must have had something to hold for. */
	assert_true(found > 300);
	assert_true(compared > 900);
}

/* ---- two views -------------------------------------------------------- */

static void test_discrepancy(void **state)
{
	/* Sessions 1-7 on the 0-4 scale. The therapist is exactly 1 higher
	 * in sessions 2 and 3 (flag fires at 3), 0.5 higher in 4, not rated
	 * in 5, 1.5 higher in 6 and 7. */
	const double c[] = {3, 2, 2.5, 3, 3, 2, 2};
	const double t[] = {3, 3, 3.5, 3.5, NA, 3.5, 3.5};
	const double cg[] = {3, 2, 2, 3, 3, 2, 2};
	const double tg[] = {3, 3, 3, 3, 3, 3, 3};
	const double *cs[1], *ts[1];
	attune_alliance_pair pr;
	attune_discrepancy_params p;
	attune_discrepancy_row rows[7], small[2];
	attune_discrepancy_summary sum;
	attune_err err;
	size_t n;

	(void)state;
	attune_discrepancy_defaults(&p);
	assert_true(p.gap == 1 && p.sustain == 2);
	memset(&pr, 0, sizeof(pr));
	pr.first = 1;
	pr.n = 7;
	pr.client = c;
	pr.therapist = t;
	pr.n_sub = 1;
	cs[0] = cg;
	ts[0] = tg;
	pr.client_sub = cs;
	pr.therapist_sub = ts;
	assert_int_equal(attune_alliance_discrepancy(&pr, &p, rows, 7, &n,
	                                             &sum, &err), ATTUNE_OK);
	assert_int_equal(n, 6);
	assert_int_equal(rows[0].session, 1);
	assert_true(rows[0].diff == 0 && rows[0].run == 0 && !rows[0].flag);
	assert_true(rows[1].diff == 1 && rows[1].run == 1 && !rows[1].flag);
	assert_true(rows[2].diff == 1 && rows[2].run == 2 && rows[2].flag);
	assert_true(rows[3].diff == 0.5 && rows[3].run == 0);
	assert_int_equal(rows[4].session, 6);
	assert_true(rows[4].run == 1 && rows[5].run == 2 && rows[5].flag);
	assert_true(rows[1].sub_diff[0] == 1);
	assert_true(isnan(rows[1].sub_diff[1]));
	assert_int_equal(sum.n_paired, 6);
	/* diffs 0,1,1,.5,1.5,1.5: mean 5.5/6; SS from the mean */
	assert_true(fabs(sum.mean_diff - 5.5 / 6) < 1e-12);
	{
		const double d[] = {0, 1, 1, 0.5, 1.5, 1.5};
		double m = 5.5 / 6, ss = 0;
		size_t i;
		for (i = 0; i < 6; i++)
			ss += (d[i] - m) * (d[i] - m);
		assert_true(fabs(sum.sd_diff - sqrt(ss / 5)) < 1e-12);
	}
	assert_true(sum.max_diff == 1.5 && sum.last_diff == 1.5);
	assert_true(sum.flagged && sum.flag_now);
	assert_int_equal(sum.first_flag, 3);
	assert_int_equal(sum.longest_run, 2);
	/* goals: 0,1,1,0,0,1,1 -> runs 2 and 2: flagged */
	assert_true(sum.sub_flagged[0]);
	assert_true(fabs(sum.sub_mean_diff[0] - 4.0 / 7) < 1e-12);
	/* Under break the unrated session 5 ends the run: 6 alone is 1. */
	p.missing = ATTUNE_MISSING_BREAK;
	p.sustain = 3;
	assert_int_equal(attune_alliance_discrepancy(&pr, &p, rows, 7, &n,
	                                             &sum, &err), ATTUNE_OK);
	assert_true(!sum.flagged && sum.first_flag == -1);
	p.missing = ATTUNE_MISSING_SKIP;  /* 6, 7 continue 4? no: 4 broke it */
	assert_int_equal(attune_alliance_discrepancy(&pr, &p, rows, 7, &n,
	                                             &sum, &err), ATTUNE_OK);
	assert_true(!sum.flagged);
	/* A gap just above: 1.0001 is not reached by a diff of 1. */
	p.sustain = 2;
	p.gap = 1.0001;
	assert_int_equal(attune_alliance_discrepancy(&pr, &p, NULL, 0, NULL,
	                                             &sum, &err), ATTUNE_OK);
	assert_int_equal(sum.first_flag, 7);
	/* Too few rows: ELIMIT, the summary complete. */
	p.gap = 1;
	assert_int_equal(attune_alliance_discrepancy(&pr, &p, small, 2, &n,
	                                             &sum, &err), ATTUNE_ELIMIT);
	assert_int_equal(n, 2);
	assert_int_equal(sum.n_paired, 6);
	/* Bad parameters. */
	p.gap = 0;
	assert_int_equal(attune_alliance_discrepancy(&pr, &p, rows, 7, &n,
	                                             &sum, &err), ATTUNE_EINVAL);
	p.gap = 1;
	p.sustain = 0;
	assert_int_equal(attune_alliance_discrepancy(&pr, &p, rows, 7, &n,
	                                             &sum, &err), ATTUNE_EINVAL);
	/* Nothing paired: NaN statistics, no flag. */
	{
		const double none[] = {NA, NA};
		attune_alliance_pair q = pr;
		p.sustain = 1;
		q.n = 2;
		q.therapist = none;
		q.n_sub = 0;
		assert_int_equal(attune_alliance_discrepancy(&q, &p, rows, 7, &n,
		                 &sum, &err), ATTUNE_OK);
		assert_int_equal(n, 0);
		assert_true(isnan(sum.mean_diff) && isnan(sum.max_diff));
		assert_true(!sum.flagged && !sum.flag_now);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_check),
		cmocka_unit_test(test_stiles_exactly_k_sd),
		cmocka_unit_test(test_strauss_exactly_k_sd),
		cmocka_unit_test(test_return_exactly_at_threshold),
		cmocka_unit_test(test_short_series),
		cmocka_unit_test(test_all_equal),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_cutoff_and_drop),
		cmocka_unit_test(test_lead),
		cmocka_unit_test(test_sd_choice),
		cmocka_unit_test(test_several_and_limit),
		cmocka_unit_test(test_sample_sd),
		cmocka_unit_test(test_properties),
		cmocka_unit_test(test_discrepancy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
