/* test_signals.c - the per-client status: outcome reasons word for word,
 * the order of urgency when several signals hold, the alliance part fed
 * by the real rupture detection (alliance.c), the recency window exactly
 * at its edge, and the no-signal cases. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "attune/signals.h"

/* E(t) = 20 - 5 ln t, s = 2, one band 0-27, lower is better. */
static void hand_model(attune_traj_model *m, attune_direction d)
{
	attune_err err;

	assert_int_equal(attune_traj_bands_parse(m, "0-27", &err), 0);
	m->direction = d;
	m->bands[0].intercept = 20;
	m->bands[0].slope = -5;
	m->bands[0].sd = 2;
	m->bands[0].max_session = 20;
	m->bands[0].n_persons = 50;
	m->bands[0].n_scores = 400;
}

struct fixture {
	attune_traj_model m;
	attune_traj_params p;
	attune_traj_result r;
	attune_signal_input in;
	attune_signal out;
};

/* Classify x[0..n) and combine with no alliance and no dates. */
static void run(struct fixture *f, const double *x, size_t n)
{
	attune_traj_classify(&f->m, &f->p, x, n, 1, NULL, &f->r);
	memset(&f->in, 0, sizeof(f->in));
	f->in.outcome = &f->r;
	f->in.model = &f->m;
	f->in.measure = "PHQ-9";
	f->in.days_since_last = -1;
	attune_signal_combine(&f->in, &f->out);
}

static void setup_fixture(struct fixture *f, attune_direction d)
{
	memset(f, 0, sizeof(*f));
	hand_model(&f->m, d);
	assert_int_equal(attune_traj_params_init(&f->p, 0.7, 0.9, NULL), 0);
}

/* At session 2: expected 16.534, at-risk above 17.583, not on track
 * above 19.097 (z .70 = 0.5244, z .90 = 1.2816, s = 2). */
static void test_outcome_reasons(void **state)
{
	struct fixture f;
	double x[2] = {18, 20};

	(void)state;
	setup_fixture(&f, ATTUNE_LOWER_IS_BETTER);
	run(&f, x, 2);
	assert_int_equal(f.out.status, ATTUNE_SIGNAL_NOT_ON_TRACK);
	assert_int_equal(f.out.flags, 1u << ATTUNE_SIGNAL_NOT_ON_TRACK);
	assert_int_equal(f.out.n_reasons, 1);
	assert_string_equal(f.out.reasons[0], "not on track: PHQ-9 20 at "
	                    "session 2 is above the expected 16.5 ± 2.6");
	x[1] = 18;
	run(&f, x, 2);
	assert_int_equal(f.out.status, ATTUNE_SIGNAL_AT_RISK);
	assert_string_equal(f.out.reasons[0], "at risk: PHQ-9 18 at session 2 "
	                    "is above the expected 16.5 ± 1");
	x[1] = 17;
	run(&f, x, 2);
	assert_int_equal(f.out.status, ATTUNE_SIGNAL_ON_TRACK);
	assert_string_equal(f.out.reasons[0], "on track: PHQ-9 17 at session "
	                    "2 is within the expected 16.5 ± 1");
	x[1] = 12.5;
	run(&f, x, 2);
	assert_int_equal(f.out.status, ATTUNE_SIGNAL_ON_TRACK);
	assert_string_equal(f.out.reasons[0], "on track: PHQ-9 12.5 at "
	                    "session 2 is below the expected 16.5 ± 1, better "
	                    "than expected");
	/* Higher is better: the mirror, in words too. */
	setup_fixture(&f, ATTUNE_HIGHER_IS_BETTER);
	f.m.bands[0].intercept = 7;
	f.m.bands[0].slope = 5;
	x[0] = 9;
	x[1] = 7;     /* expected 10.466, limit 7.903 */
	run(&f, x, 2);
	assert_int_equal(f.out.status, ATTUNE_SIGNAL_NOT_ON_TRACK);
	assert_string_equal(f.out.reasons[0], "not on track: PHQ-9 7 at "
	                    "session 2 is below the expected 10.5 ± 2.6");
	x[1] = 14;
	run(&f, x, 2);
	assert_string_equal(f.out.reasons[0], "on track: PHQ-9 14 at session "
	                    "2 is above the expected 10.5 ± 1, better than "
	                    "expected");
}

/* The cases with nothing to judge yet. */
static void test_no_signal(void **state)
{
	struct fixture f;
	double x[3] = {18, NAN, NAN};

	(void)state;
	setup_fixture(&f, ATTUNE_LOWER_IS_BETTER);
	run(&f, x, 1);
	assert_int_equal(f.out.status, ATTUNE_SIGNAL_NO_SIGNAL);
	assert_int_equal(f.out.flags, 1u << ATTUNE_SIGNAL_NO_SIGNAL);
	assert_string_equal(f.out.reasons[0], "only the intake score so far "
	                    "(PHQ-9 18 at session 1)");
	run(&f, x, 3);        /* later sessions all missing: the same */
	assert_string_equal(f.out.reasons[0], "only the intake score so far "
	                    "(PHQ-9 18 at session 1)");
	x[0] = NAN;
	run(&f, x, 3);
	assert_string_equal(f.out.reasons[0], "no intake score: PHQ-9 is "
	                    "missing at session 1");
	x[0] = 31;
	run(&f, x, 1);
	assert_string_equal(f.out.reasons[0], "intake PHQ-9 31 is in no "
	                    "intake band of the model");
	x[0] = 18;
	f.m.bands[0].sd = NAN;
	f.m.bands[0].n_persons = 3;
	run(&f, x, 1);
	assert_string_equal(f.out.reasons[0], "no expected course for intake "
	                    "band 0-27 (3 reference courses, too few)");
	memset(&f.in, 0, sizeof(f.in));
	f.in.days_since_last = -1;
	attune_signal_combine(&f.in, &f.out);
	assert_int_equal(f.out.status, ATTUNE_SIGNAL_NO_SIGNAL);
	assert_string_equal(f.out.reasons[0], "no outcome scores");
}

static attune_rupture rupture(attune_rupture_status st, int start,
                              int lowest, double low, double depth)
{
	attune_rupture q;

	memset(&q, 0, sizeof(q));
	q.rule = ATTUNE_RUPTURE_STRAUSS;
	q.status = st;
	q.start = start;
	q.lowest = lowest;
	q.low = low;
	q.depth = depth;
	q.repair = st == ATTUNE_RUPTURE_REPAIRED ? lowest + 1 : -1;
	q.lead = -1;
	return q;
}

/* Several signals at once: the most urgent is the status, every one is
 * a flag, the reasons come most urgent first. */
static void test_urgency_order(void **state)
{
	static const char *const subs[3] = {"goals", "tasks", "bond"};
	struct fixture f;
	attune_rupture q[2];
	double x[4] = {18, 16, 15, 13.5};

	(void)state;
	setup_fixture(&f, ATTUNE_LOWER_IS_BETTER);
	q[0] = rupture(ATTUNE_RUPTURE_REPAIRED, 2, 2, 30, 5);
	q[1] = rupture(ATTUNE_RUPTURE_UNREPAIRED, 4, 5, 28, 6.04);
	q[1].lead = 2;
	run(&f, x, 4);                            /* on track alone */
	assert_int_equal(f.out.status, ATTUNE_SIGNAL_ON_TRACK);
	f.in.ruptures = q;
	f.in.n_ruptures = 2;
	f.in.subscales = subs;
	f.in.n_subscales = 3;
	f.in.days_since_last = 30;
	f.in.recent_days = 21;
	attune_signal_combine(&f.in, &f.out);
	assert_int_equal(f.out.status, ATTUNE_SIGNAL_RUPTURE_UNREPAIRED);
	assert_int_equal(f.out.flags, (1u << ATTUNE_SIGNAL_ON_TRACK) |
	                 (1u << ATTUNE_SIGNAL_RUPTURE_UNREPAIRED) |
	                 (1u << ATTUNE_SIGNAL_NO_RECENT_DATA));
	assert_int_equal(f.out.n_reasons, 3);
	assert_string_equal(f.out.reasons[0], "alliance rupture at session 4 "
	                    "not repaired: lowest 28 at session 5, 6.04 below the "
	                    "client's mean; bond fell most");
	assert_string_equal(f.out.reasons[1], "no data in the last 3 weeks "
	                    "(the latest is 30 days old)");
	assert_string_equal(f.out.reasons[2], "on track: PHQ-9 13.5 at "
	                    "session 4 is within the expected 13.1 ± 1");
	/* Not on track outranks the rupture. */
	x[3] = 25;
	attune_traj_classify(&f.m, &f.p, x, 4, 1, NULL, &f.r);
	attune_signal_combine(&f.in, &f.out);
	assert_int_equal(f.out.status, ATTUNE_SIGNAL_NOT_ON_TRACK);
	assert_true(strncmp(f.out.reasons[0], "not on track:", 13) == 0);
	assert_true(strncmp(f.out.reasons[1], "alliance rupture", 16) == 0);
	/* At risk is below the rupture, above no recent data. */
	x[3] = 14.5;         /* expected 13.07, at risk above 14.1 */
	attune_traj_classify(&f.m, &f.p, x, 4, 1, NULL, &f.r);
	f.in.n_ruptures = 1;                      /* latest repaired */
	attune_signal_combine(&f.in, &f.out);
	assert_int_equal(f.out.status, ATTUNE_SIGNAL_AT_RISK);
	assert_int_equal(f.out.n_reasons, 3);
	assert_true(strncmp(f.out.reasons[0], "at risk:", 8) == 0);
	assert_true(strncmp(f.out.reasons[1], "no data", 7) == 0);
	assert_string_equal(f.out.reasons[2], "alliance rupture at session 2 "
	                    "repaired at session 3");
	/* No recent data outranks on track and no signal. */
	x[3] = 13;
	attune_traj_classify(&f.m, &f.p, x, 4, 1, NULL, &f.r);
	attune_signal_combine(&f.in, &f.out);
	assert_int_equal(f.out.status, ATTUNE_SIGNAL_NO_RECENT_DATA);
	attune_traj_classify(&f.m, &f.p, x, 1, 1, NULL, &f.r);
	attune_signal_combine(&f.in, &f.out);
	assert_int_equal(f.out.status, ATTUNE_SIGNAL_NO_RECENT_DATA);
	assert_true(f.out.flags & (1u << ATTUNE_SIGNAL_NO_SIGNAL));
	/* An interrupted sequence is told but sets no status. */
	q[0] = rupture(ATTUNE_RUPTURE_INTERRUPTED, 3, 3, 30, 5);
	f.in.days_since_last = -1;
	attune_signal_combine(&f.in, &f.out);
	assert_int_equal(f.out.status, ATTUNE_SIGNAL_NO_SIGNAL);
	assert_string_equal(f.out.reasons[1], "alliance rupture at session 3: "
	                    "a session without an alliance rating ended it, "
	                    "repair not known");
}

/* The recency window exactly at its edge. */
static void test_recency_edge(void **state)
{
	struct fixture f;
	double x[2] = {18, 16};

	(void)state;
	setup_fixture(&f, ATTUNE_LOWER_IS_BETTER);
	run(&f, x, 2);
	f.in.recent_days = 21;
	f.in.days_since_last = 21;
	attune_signal_combine(&f.in, &f.out);
	assert_int_equal(f.out.status, ATTUNE_SIGNAL_ON_TRACK);
	f.in.days_since_last = 22;
	attune_signal_combine(&f.in, &f.out);
	assert_int_equal(f.out.status, ATTUNE_SIGNAL_NO_RECENT_DATA);
	f.in.recent_days = 10;
	attune_signal_combine(&f.in, &f.out);
	assert_string_equal(f.out.reasons[0], "no data in the last 10 days "
	                    "(the latest is 22 days old)");
	f.in.recent_days = 7;
	attune_signal_combine(&f.in, &f.out);
	assert_string_equal(f.out.reasons[0], "no data in the last 1 week "
	                    "(the latest is 22 days old)");
	f.in.recent_days = 0;                      /* off */
	attune_signal_combine(&f.in, &f.out);
	assert_int_equal(f.out.status, ATTUNE_SIGNAL_ON_TRACK);
	f.in.recent_days = 21;
	f.in.days_since_last = -1;                 /* unknown */
	attune_signal_combine(&f.in, &f.out);
	assert_int_equal(f.out.status, ATTUNE_SIGNAL_ON_TRACK);
}

/* The alliance part from the real detector: a drop of 5 points or more
 * since the previous session (feedback-system rule). */
static void test_with_rupture_detection(void **state)
{
	struct fixture f;
	attune_rupture_params rp;
	attune_rupture q[8];
	attune_alliance_series as;
	double al[5] = {50, 51, 44, 45, 46}, x[5] = {18, 16, 14, 13, 12};
	size_t nq;
	attune_err err;

	(void)state;
	setup_fixture(&f, ATTUNE_LOWER_IS_BETTER);
	attune_rupture_defaults(ATTUNE_RUPTURE_DROP, &rp);
	rp.drop = 5;
	memset(&as, 0, sizeof(as));
	as.first = 1;
	as.n = 5;
	as.x = al;
	assert_int_equal(attune_rupture_detect(&as, &rp, q, 8, &nq, &err), 0);
	assert_int_equal(nq, 1);
	assert_int_equal(q[0].status, ATTUNE_RUPTURE_UNREPAIRED);
	run(&f, x, 5);
	f.in.ruptures = q;
	f.in.n_ruptures = nq;
	attune_signal_combine(&f.in, &f.out);
	assert_int_equal(f.out.status, ATTUNE_SIGNAL_RUPTURE_UNREPAIRED);
	assert_string_equal(f.out.reasons[0], "alliance rupture at session 3 "
	                    "not repaired: lowest 44 at session 3, 7 below the "
	                    "session before");
	al[4] = 52;                                /* back up: repaired */
	assert_int_equal(attune_rupture_detect(&as, &rp, q, 8, &nq, &err), 0);
	assert_int_equal(q[nq - 1].status, ATTUNE_RUPTURE_REPAIRED);
	f.in.n_ruptures = nq;
	attune_signal_combine(&f.in, &f.out);
	assert_int_equal(f.out.status, ATTUNE_SIGNAL_ON_TRACK);
	assert_int_equal(f.out.n_reasons, 2);
}

/* Numbers in reasons: one decimal, half away from zero, no "-0". */
static void test_numbers_in_words(void **state)
{
	struct fixture f;
	double x[2] = {0, 5};

	(void)state;
	setup_fixture(&f, ATTUNE_LOWER_IS_BETTER);
	f.m.bands[0].intercept = -0.04;
	f.m.bands[0].slope = 0;
	f.m.bands[0].sd = 0.1;
	run(&f, x, 2);
	assert_string_equal(f.out.reasons[0], "not on track: PHQ-9 5 at "
	                    "session 2 is above the expected 0 ± 0.1");
	f.m.bands[0].intercept = -0.25;
	f.m.bands[0].sd = 19.07;      /* 1.2816 * 19.07 = 24.44 */
	x[1] = 30;
	run(&f, x, 2);
	assert_string_equal(f.out.reasons[0], "not on track: PHQ-9 30 at "
	                    "session 2 is above the expected -0.3 ± 24.4");
	x[0] = 20;
	x[1] = 1234;
	assert_int_equal(attune_traj_bands_parse(&f.m, "0-27", NULL), 0);
	f.m.bands[0].intercept = 1234.96;
	f.m.bands[0].slope = 0;
	f.m.bands[0].sd = 0.5;
	f.m.bands[0].max_session = 20;
	run(&f, x, 2);
	assert_string_equal(f.out.reasons[0], "on track: PHQ-9 1234 at "
	                    "session 2 is below the expected 1235 ± 0.3, "
	                    "better than expected");
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(attune_signal_status_name(ATTUNE_SIGNAL_NO_SIGNAL),
	                    "no-signal");
	assert_string_equal(attune_signal_status_name(ATTUNE_SIGNAL_ON_TRACK),
	                    "on-track");
	assert_string_equal(attune_signal_status_name(
	                    ATTUNE_SIGNAL_NO_RECENT_DATA), "no-recent-data");
	assert_string_equal(attune_signal_status_name(ATTUNE_SIGNAL_AT_RISK),
	                    "at-risk");
	assert_string_equal(attune_signal_status_name(
	                    ATTUNE_SIGNAL_RUPTURE_UNREPAIRED),
	                    "rupture-unrepaired");
	assert_string_equal(attune_signal_status_name(
	                    ATTUNE_SIGNAL_NOT_ON_TRACK), "not-on-track");
	assert_string_equal(attune_signal_status_name(
	                    (attune_signal_status)42), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outcome_reasons),
		cmocka_unit_test(test_no_signal),
		cmocka_unit_test(test_urgency_order),
		cmocka_unit_test(test_recency_edge),
		cmocka_unit_test(test_with_rupture_detection),
		cmocka_unit_test(test_numbers_in_words),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
