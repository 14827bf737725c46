/* test_iapt.c - NHS Talking Therapies outcome definitions for PHQ-9 +
 * GAD-7 pairs, checked by hand against the programme's rules
 * (docs/analytics.md (section 1)): caseness at exactly 10 / 8, reliable change
 * at exactly 6 / 4 (and 5 / 3 not), a finished course at exactly 2
 * sessions, the three combination rules, and properties on generated
 * courses (swapping first and last mirrors improvement and
 * deterioration). */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "attune/iapt.h"

static attune_iapt_params P;

static int setup(void **state)
{
	(void)state;
	attune_iapt_params_init(&P);
	return 0;
}

static attune_iapt_outcome run(double dp, double dq, double ap, double aq,
                               double sessions)
{
	attune_iapt_scores s;
	attune_iapt_outcome o;

	s.dep_pre = dp;
	s.dep_post = dq;
	s.anx_pre = ap;
	s.anx_post = aq;
	s.sessions = sessions;
	attune_iapt_classify(&P, &s, &o);
	return o;
}

static void test_defaults(void **state)
{
	attune_err err;

	(void)state;
	assert_true(P.dep_cutoff == 10);
	assert_true(P.dep_rc == 6);
	assert_true(P.anx_cutoff == 8);
	assert_true(P.anx_rc == 4);
	assert_true(P.min_sessions == 2);
	assert_int_equal(P.rule, ATTUNE_IAPT_RULE_NHS);
	assert_int_equal(attune_iapt_check(&P, &err), ATTUNE_OK);
	assert_string_equal(attune_iapt_rule_name(ATTUNE_IAPT_RULE_NHS), "nhs");
	assert_string_equal(attune_iapt_rule_name(ATTUNE_IAPT_RULE_BOTH),
	                    "both");
	assert_string_equal(attune_iapt_rule_name(ATTUNE_IAPT_RULE_EITHER),
	                    "either");
}

/* Caseness: PHQ-9 10 is a case, 9 not; GAD-7 8 is a case, 7 not; either
 * measure is enough. */
static void test_caseness(void **state)
{
	attune_iapt_outcome o;

	(void)state;
	o = run(10, 0, 0, 0, 2);
	assert_int_equal(o.case_pre, 1);
	assert_int_equal(o.case_post, 0);
	o = run(9, 9, 7, 7, 2);
	assert_int_equal(o.case_pre, 0);
	assert_int_equal(o.case_post, 0);
	o = run(9, 9, 8, 8, 2);
	assert_int_equal(o.case_pre, 1);
	assert_int_equal(o.case_post, 1);
	o = run(0, 27, 0, 0, 2);
	assert_int_equal(o.case_post, 1);
	o = run(NAN, 27, 0, 0, 2);
	assert_int_equal(o.case_pre, -1);   /* a first score is missing */
	assert_int_equal(o.case_post, 1);
}

/* Reliable change: PHQ-9 6 points is reliable, 5 is not; GAD-7 4 is, 3
 * is not; in both directions. */
static void test_reliable_change(void **state)
{
	attune_iapt_outcome o;

	(void)state;
	o = run(18, 12, 10, 10, 2);
	assert_int_equal(o.dep_reliable, 1);
	assert_int_equal(o.reliable_improvement, 1);
	o = run(18, 13, 10, 10, 2);
	assert_int_equal(o.dep_reliable, 0);
	assert_int_equal(o.reliable_improvement, 0);
	o = run(12, 18, 10, 10, 2);
	assert_int_equal(o.dep_reliable, -1);
	assert_int_equal(o.reliable_deterioration, 1);
	o = run(12, 17, 10, 10, 2);
	assert_int_equal(o.dep_reliable, 0);
	assert_int_equal(o.reliable_deterioration, 0);
	o = run(12, 12, 12, 8, 2);
	assert_int_equal(o.anx_reliable, 1);
	assert_int_equal(o.reliable_improvement, 1);
	o = run(12, 12, 12, 9, 2);
	assert_int_equal(o.anx_reliable, 0);
	assert_int_equal(o.reliable_improvement, 0);
	o = run(12, 12, 8, 12, 2);
	assert_int_equal(o.anx_reliable, -1);
	assert_int_equal(o.reliable_deterioration, 1);
	o = run(12, 12, 8, 11, 2);
	assert_int_equal(o.anx_reliable, 0);
	assert_int_equal(o.reliable_deterioration, 0);
}

/* Recovery: a case at the start, not a case at the end (both measures
 * below their cut-offs); ending at exactly 10 or 8 is still a case. */
static void test_recovery(void **state)
{
	attune_iapt_outcome o;

	(void)state;
	o = run(18, 7, 12, 6, 8);
	assert_int_equal(o.recovered, 1);
	assert_int_equal(o.reliable_improvement, 1);
	assert_int_equal(o.reliable_recovery, 1);
	o = run(22, 10, 18, 7, 8);        /* PHQ-9 ends at exactly 10 */
	assert_int_equal(o.recovered, 0);
	assert_int_equal(o.reliable_improvement, 1);
	assert_int_equal(o.reliable_recovery, 0);
	o = run(22, 9, 18, 8, 8);         /* GAD-7 ends at exactly 8 */
	assert_int_equal(o.recovered, 0);
	o = run(10, 5, 7, 7, 8);          /* recovered, change not reliable */
	assert_int_equal(o.recovered, 1);
	assert_int_equal(o.reliable_improvement, 0);
	assert_int_equal(o.reliable_recovery, 0);
	o = run(9, 3, 7, 3, 8);           /* not a case: recovery n/a */
	assert_int_equal(o.recovered, -1);
	assert_int_equal(o.reliable_recovery, -1);
	assert_int_equal(o.reliable_improvement, 1);
}

/* Finished course: 2 attended treatment sessions, not 1; unknown
 * sessions are taken as finished. */
static void test_finished(void **state)
{
	attune_iapt_outcome o;

	(void)state;
	o = run(18, 7, 12, 6, 2);
	assert_int_equal(o.finished, 1);
	assert_int_equal(o.recovered, 1);
	o = run(18, 7, 12, 6, 1);
	assert_int_equal(o.finished, 0);
	assert_int_equal(o.recovered, -1);
	assert_int_equal(o.reliable_improvement, -1);
	assert_int_equal(o.reliable_deterioration, -1);
	assert_int_equal(o.reliable_recovery, -1);
	assert_int_equal(o.case_pre, 1);  /* still reported */
	o = run(18, 7, 12, 6, NAN);
	assert_int_equal(o.finished, -1);
	assert_int_equal(o.recovered, 1);
	o = run(18, NAN, 12, 6, 5);       /* not paired */
	assert_int_equal(o.paired, 0);
	assert_int_equal(o.dep_reliable, 0);
	assert_int_equal(o.recovered, -1);
	assert_int_equal(o.reliable_improvement, -1);
}

/* A reliable decrease on one measure and a reliable increase on the
 * other: the NHS rule counts neither, "either" counts both, "both"
 * neither; "both" needs both measures to move. */
static void test_rules(void **state)
{
	attune_iapt_outcome o;

	(void)state;
	o = run(15, 8, 10, 15, 6);        /* PHQ -7, GAD +5 */
	assert_int_equal(o.reliable_improvement, 0);
	assert_int_equal(o.reliable_deterioration, 0);
	P.rule = ATTUNE_IAPT_RULE_EITHER;
	o = run(15, 8, 10, 15, 6);
	assert_int_equal(o.reliable_improvement, 1);
	assert_int_equal(o.reliable_deterioration, 1);
	P.rule = ATTUNE_IAPT_RULE_BOTH;
	o = run(15, 8, 10, 15, 6);
	assert_int_equal(o.reliable_improvement, 0);
	assert_int_equal(o.reliable_deterioration, 0);
	o = run(18, 12, 10, 10, 6);       /* only PHQ-9 moves */
	assert_int_equal(o.reliable_improvement, 0);
	o = run(18, 12, 10, 6, 6);        /* both move down */
	assert_int_equal(o.reliable_improvement, 1);
	assert_int_equal(o.reliable_recovery, 0);   /* PHQ-9 12: a case */
	o = run(12, 18, 8, 12, 6);
	assert_int_equal(o.reliable_deterioration, 1);
	P.rule = ATTUNE_IAPT_RULE_NHS;
}

/* An anxiety-disorder-specific measure in place of GAD-7, with its own
 * cut-off and reliable change (here a made-up 0-80 scale, 32 and 10). */
static void test_adsm(void **state)
{
	attune_iapt_outcome o;

	(void)state;
	P.anx_cutoff = 32;
	P.anx_rc = 10;
	o = run(5, 5, 40, 30, 4);         /* 40 -> 30: -10, recovered */
	assert_int_equal(o.case_pre, 1);
	assert_int_equal(o.case_post, 0);
	assert_int_equal(o.anx_reliable, 1);
	assert_int_equal(o.reliable_recovery, 1);
	o = run(5, 5, 40, 31, 4);         /* -9: not reliable */
	assert_int_equal(o.anx_reliable, 0);
	o = run(5, 5, 31, 33, 4);
	assert_int_equal(o.case_pre, 0);
	assert_int_equal(o.case_post, 1);
	attune_iapt_params_init(&P);
}

static void test_check(void **state)
{
	attune_iapt_params p;
	attune_err err;

	(void)state;
	attune_iapt_params_init(&p);
	p.dep_rc = 0;
	assert_int_equal(attune_iapt_check(&p, &err), ATTUNE_EINVAL);
	assert_non_null(strstr(err.msg, "depression reliable change"));
	attune_iapt_params_init(&p);
	p.anx_cutoff = NAN;
	assert_int_equal(attune_iapt_check(&p, &err), ATTUNE_EINVAL);
	assert_non_null(strstr(err.msg, "anxiety cut-off"));
	attune_iapt_params_init(&p);
	p.min_sessions = -1;
	assert_int_equal(attune_iapt_check(&p, &err), ATTUNE_EINVAL);
	attune_iapt_params_init(&p);
	p.rule = (attune_iapt_rule)7;
	assert_int_equal(attune_iapt_check(&p, &err), ATTUNE_EINVAL);
	assert_string_equal(attune_iapt_rule_name(p.rule), "?");
}

/* The rows of tests/data/change/iapt-sample.csv counted by hand:
 * finished 15 of 16; recovery 6 of 11; reliable improvement 6 of 14;
 * deterioration 3 of 14; reliable recovery 4 of 11. */
static void test_tally(void **state)
{
	static const double row[16][5] = {
		{ 18, 7, 12, 6, 8 }, { 10, 4, 7, 7, 2 }, { 10, 5, 7, 7, 5 },
		{ 9, 9, 8, 4, 4 }, { 9, 9, 8, 5, 4 }, { 15, 8, 10, 15, 6 },
		{ 12, 18, 9, 14, 7 }, { 5, 11, 4, 4, 3 }, { 5, 3, 3, 2, 3 },
		{ 20, 9, 15, 9, 1 }, { 20, NAN, 15, 9, 6 },
		{ 14, 8, 9, 5, NAN }, { 11, 6, 12, 9, 3 }, { 22, 10, 18, 7, 10 },
		{ 9, 3, 7, 3, 3 }, { 12, 7, 9, 13, 4 }
	};
	attune_iapt_tally t;
	attune_iapt_outcome o;
	size_t i;

	(void)state;
	memset(&t, 0, sizeof(t));
	for (i = 0; i < 16; i++) {
		o = run(row[i][0], row[i][1], row[i][2], row[i][3], row[i][4]);
		attune_iapt_tally_add(&t, &o);
	}
	assert_int_equal(t.n, 16);
	assert_int_equal(t.finished, 15);
	assert_int_equal(t.eligible, 14);
	assert_int_equal(t.case_pre, 11);
	assert_int_equal(t.recovered, 6);
	assert_int_equal(t.reliable_improvement, 6);
	assert_int_equal(t.reliable_deterioration, 3);
	assert_int_equal(t.reliable_recovery, 4);
}

/* xorshift64* (Vigna 2016): deterministic test data. */
static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return *x * 2685821657736338717ULL;
}

/* Swapping the first and last scores turns reliable improvement into
 * reliable deterioration and back, under every rule, and caseness at
 * the start into caseness at the end; shifting every score and both
 * cut-offs by a constant changes nothing. */
static void test_properties(void **state)
{
	uint64_t x = 0x2545F4914F6CDD1DULL;
	size_t i, n_imp = 0, n_det = 0, n_rec = 0;
	int rule;

	(void)state;
	for (rule = 0; rule < 3; rule++) {
		P.rule = (attune_iapt_rule)rule;
		for (i = 0; i < 5000; i++) {
			double v[4];
			attune_iapt_outcome a, b, c;
			int k;

			/* PHQ-9 0..27, GAD-7 0..21 */
			for (k = 0; k < 4; k++)
				v[k] = (double)(xorshift(&x) % (k < 2 ? 28 : 22));
			a = run(v[0], v[1], v[2], v[3], 3);
			b = run(v[1], v[0], v[3], v[2], 3);
			assert_int_equal(a.reliable_improvement,
			                 b.reliable_deterioration);
			assert_int_equal(a.reliable_deterioration,
			                 b.reliable_improvement);
			assert_int_equal(a.case_pre, b.case_post);
			assert_int_equal(a.dep_reliable, -b.dep_reliable);
			n_imp += a.reliable_improvement == 1;
			n_det += a.reliable_deterioration == 1;
			n_rec += a.recovered == 1;

			P.dep_cutoff += 7;
			P.anx_cutoff += 7;
			c = run(v[0] + 7, v[1] + 7, v[2] + 7, v[3] + 7, 3);
			P.dep_cutoff -= 7;
			P.anx_cutoff -= 7;
			assert_memory_equal(&a, &c, sizeof(a));
		}
	}
	P.rule = ATTUNE_IAPT_RULE_NHS;
	assert_true(n_imp > 1000);
	assert_true(n_det > 1000);
	assert_true(n_rec > 500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_caseness),
		cmocka_unit_test(test_reliable_change),
		cmocka_unit_test(test_recovery),
		cmocka_unit_test(test_finished),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_adsm),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_tally),
		cmocka_unit_test(test_properties),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
