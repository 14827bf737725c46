/* test_change.c - reliable change and clinical significance between two
 * totals, checked by hand against the rules in docs/scoring.md:
 * PHQ-9 threshold 6 and cut-off 10 (NHS Talking Therapies), and the
 * Jacobson & Truax threshold 1.96 * sqrt(2) * SD * sqrt(1 - r).
 * The Jacobson & Truax method with explicit parameters
 * (attune_change_jt_*): the numbers of the R package
 * clinicalsignificance's own tests (test-calc_cutoff.R, "Example from
 * Jacobson et al. (1991)"; test-calc_rci_jt.R; test-calc_recovered.R),
 * every boundary (|RC| exactly at z, a score exactly at the cut-off),
 * and properties on generated pairs (mirror, reflection, shift, scale).
 * Provenance of the numbers: tests/data/change/README.md. */
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

/* ---- attune_change_jt_* ---- */

static int jt_prep(attune_jt_params *p, attune_jt *jt)
{
	attune_err err;
	int rc = attune_change_jt_prepare(p, jt, &err);

	if (rc)
		print_message("prepare: %s\n", err.msg);
	return rc;
}

/* clinicalsignificance tests/testthat/test-calc_cutoff.R, "Example from
 * Jacobson et al. (1991)": M_clin 40, SD 7.5, M_func 60, SD 7.5:
 * c = 50; a = 55 (higher better) / 25 (lower); b = 45 / 75. */
static void test_jt_cutoffs(void **state)
{
	attune_jt_params p;
	attune_jt jt;

	(void)state;
	attune_change_jt_params_init(&p);
	p.reliability = 0.8;
	p.sd = 7.5;
	p.clin_mean = 40;
	p.clin_sd = 7.5;
	p.func_mean = 60;
	p.func_sd = 7.5;
	p.criterion = ATTUNE_JT_C;
	p.direction = ATTUNE_HIGHER_IS_BETTER;
	assert_int_equal(jt_prep(&p, &jt), 0);
	assert_true(jt.cutoff == 50);
	assert_int_equal(jt.inclusive, 0);
	p.direction = ATTUNE_LOWER_IS_BETTER;
	assert_int_equal(jt_prep(&p, &jt), 0);
	assert_true(jt.cutoff == 50);
	p.criterion = ATTUNE_JT_A;
	assert_int_equal(jt_prep(&p, &jt), 0);
	assert_true(jt.cutoff == 25);
	p.direction = ATTUNE_HIGHER_IS_BETTER;
	assert_int_equal(jt_prep(&p, &jt), 0);
	assert_true(jt.cutoff == 55);
	p.criterion = ATTUNE_JT_B;
	assert_int_equal(jt_prep(&p, &jt), 0);
	assert_true(jt.cutoff == 45);
	p.direction = ATTUNE_LOWER_IS_BETTER;
	assert_int_equal(jt_prep(&p, &jt), 0);
	assert_true(jt.cutoff == 75);

	/* b: Jacobson & Truax use the functional SD, the package the
	 * clinical SD; equal SDs above hide the difference. */
	p.func_sd = 5;
	assert_int_equal(jt_prep(&p, &jt), 0);
	assert_true(jt.cutoff == 70);            /* 60 + 2 * 5 */
	p.b_clin_sd = 1;
	assert_int_equal(jt_prep(&p, &jt), 0);
	assert_true(jt.cutoff == 75);            /* 60 + 2 * 7.5 */
	/* c weights the means by the other population's SD:
	 * (7.5 * 60 + 5 * 40) / 12.5 = 52. */
	p.criterion = ATTUNE_JT_C;
	assert_int_equal(jt_prep(&p, &jt), 0);
	assert_true(fabs(jt.cutoff - 52) < 1e-12);
	/* A published cut-off is used as it is, inclusive. */
	p.criterion = ATTUNE_JT_GIVEN;
	p.cutoff = 10;
	assert_int_equal(jt_prep(&p, &jt), 0);
	assert_true(jt.cutoff == 10);
	assert_int_equal(jt.inclusive, 1);
}

/* clinicalsignificance tests/testthat/test-calc_rci_jt.R: changes -8,
 * -4, 0, 4, 8 with SD 5 and reliability .80: SE = 5 * sqrt(.2) =
 * 2.236068, S_diff = sqrt(2 * 5) = 3.162278, RC = change / S_diff =
 * -2.529822, -1.264911, 0, 1.264911, 2.529822 (by hand). */
static void test_jt_rci(void **state)
{
	static const double change[] = { -8, -4, 0, 4, 8 };
	static const double want[] = { -2.529822, -1.264911, 0, 1.264911,
	                               2.529822 };
	static const int rel[] = { 1, 0, 0, 0, -1 };
	attune_jt_params p;
	attune_jt jt;
	attune_jt_result r;
	size_t i;

	(void)state;
	attune_change_jt_params_init(&p);
	p.reliability = 0.8;
	p.sd = 5;
	p.clin_mean = 20;
	p.clin_sd = 5;
	assert_int_equal(jt_prep(&p, &jt), 0);
	assert_true(fabs(jt.se - 2.2360680) < 1e-6);
	assert_true(fabs(jt.s_diff - 3.1622777) < 1e-6);
	for (i = 0; i < 5; i++) {
		attune_change_jt_classify(&jt, 20, 20 + change[i], &r);
		assert_true(fabs(r.rc - want[i]) < 1e-6);
		assert_true(r.diff == change[i]);
		assert_int_equal(r.reliable, rel[i]);   /* lower is better */
	}
}

/* The hypothetical client of the brief (J&T-style figures): SD_1 7.5,
 * r_xx .88, from 32 to 10: SE = 7.5 * sqrt(.12) = 2.598076, S_diff =
 * 3.674235, RC = -22 / 3.674235 = -5.987642. */
static void test_jt_worked(void **state)
{
	attune_jt_params p;
	attune_jt jt;
	attune_jt_result r;

	(void)state;
	attune_change_jt_params_init(&p);
	p.reliability = 0.88;
	p.sd = 7.5;
	p.clin_mean = 40;
	p.clin_sd = 7.5;
	assert_int_equal(jt_prep(&p, &jt), 0);
	assert_true(fabs(jt.se - 2.598076) < 1e-6);
	assert_true(fabs(jt.s_diff - 3.674235) < 1e-6);
	attune_change_jt_classify(&jt, 32, 10, &r);
	assert_true(fabs(r.rc - -5.987642) < 1e-6);
	assert_int_equal(r.reliable, 1);
	/* Cut-off a, lower is better: 40 - 15 = 25; 32 is clinical, 10
	 * functional: recovered. */
	assert_true(jt.cutoff == 25);
	assert_int_equal(r.clinical_pre, 1);
	assert_int_equal(r.functional_post, 1);
	assert_int_equal(r.cls, ATTUNE_CHANGE_RECOVERED);
	assert_string_equal(attune_change_class_id(r.cls), "recovered");
}

/* clinicalsignificance tests/testthat/test-calc_recovered.R and its
 * snapshot: (clinical_pre, functional_post, reliable) -> category. With
 * cut-off 12 (lower is better), S_diff sqrt(2) and z 1.96 we make each
 * of its five rows. */
static void test_jt_categories(void **state)
{
	static const struct {
		double pre, post;
		int cp, fp;
		attune_change_class cls;
	} row[] = {
		{ 16, 8, 1, 1, ATTUNE_CHANGE_RECOVERED },   /* TRUE TRUE imp */
		{ 10, 6, 0, 1, ATTUNE_CHANGE_IMPROVED },    /* not clinical */
		{ 10, 11, 0, 1, ATTUNE_CHANGE_UNCHANGED },
		{ 6, 10, 0, 1, ATTUNE_CHANGE_DETERIORATED },/* FALSE TRUE det */
		{ 8, 16, 0, 0, ATTUNE_CHANGE_HARMED },      /* FALSE FALSE det */
		{ 14, 20, 1, 0, ATTUNE_CHANGE_DETERIORATED },
		{ 20, 14, 1, 0, ATTUNE_CHANGE_IMPROVED },
	};
	attune_jt_params p;
	attune_jt jt;
	attune_jt_result r;
	size_t i;

	(void)state;
	attune_change_jt_params_init(&p);
	p.reliability = 0.75;
	p.sd = 2;
	p.criterion = ATTUNE_JT_C;
	p.clin_mean = 20;
	p.clin_sd = 4;
	p.func_mean = 4;
	p.func_sd = 4;
	assert_int_equal(jt_prep(&p, &jt), 0);
	assert_true(jt.cutoff == 12);
	for (i = 0; i < sizeof(row) / sizeof(row[0]); i++) {
		attune_change_jt_classify(&jt, row[i].pre, row[i].post, &r);
		assert_int_equal(r.clinical_pre, row[i].cp);
		assert_int_equal(r.functional_post, row[i].fp);
		assert_int_equal(r.cls, row[i].cls);
	}
}

/* |RC| exactly at z is not reliable (strict >); one ulp more is. */
static void test_jt_rc_boundary(void **state)
{
	attune_jt_params p;
	attune_jt jt;
	attune_jt_result r;
	double diff;

	(void)state;
	attune_change_jt_params_init(&p);
	p.reliability = 0.8;
	p.sd = 5;
	p.clin_mean = 20;
	p.clin_sd = 5;
	assert_int_equal(jt_prep(&p, &jt), 0);
	/* Find the change whose RC is exactly 1.96 in doubles. */
	diff = 1.96 * jt.s_diff;
	while (diff / jt.s_diff > 1.96)
		diff = nextafter(diff, 0);
	while (diff / jt.s_diff < 1.96)
		diff = nextafter(diff, 100);
	attune_change_jt_classify(&jt, 30, 30 - diff, &r);
	if (r.rc != -1.96) {   /* the subtraction rounded: start at 0 */
		attune_change_jt_classify(&jt, 0, -diff, &r);
	}
	assert_true(r.rc == -1.96);
	assert_int_equal(r.reliable, 0);
	assert_int_equal(r.cls, ATTUNE_CHANGE_UNCHANGED);
	attune_change_jt_classify(&jt, 0, nextafter(-diff, -100), &r);
	assert_true(r.rc < -1.96);
	assert_int_equal(r.reliable, 1);
	attune_change_jt_classify(&jt, 0, diff, &r);
	assert_true(r.rc == 1.96);
	assert_int_equal(r.reliable, 0);
	attune_change_jt_classify(&jt, 0, nextafter(diff, 100), &r);
	assert_int_equal(r.reliable, -1);
	assert_int_equal(r.cls, ATTUNE_CHANGE_DETERIORATED);

	/* The critical value is a parameter: the package's qnorm(.975). */
	p.z = 1.9599639845400536;
	assert_int_equal(jt_prep(&p, &jt), 0);
	attune_change_jt_classify(&jt, 0, diff, &r);
	assert_int_equal(r.reliable, -1);
}

/* A score exactly at a computed cut-off is neither clinical nor
 * functional (package: strict < and >); at a published cut-off it is
 * clinical. */
static void test_jt_cut_boundary(void **state)
{
	attune_jt_params p;
	attune_jt jt;
	attune_jt_result r;

	(void)state;
	attune_change_jt_params_init(&p);
	p.reliability = 0.75;
	p.sd = 2;                 /* S_diff sqrt(2): reliable beyond 2.77 */
	p.criterion = ATTUNE_JT_C;
	p.clin_mean = 20;
	p.clin_sd = 4;
	p.func_mean = 4;
	p.func_sd = 4;
	assert_int_equal(jt_prep(&p, &jt), 0);
	assert_true(jt.cutoff == 12);
	attune_change_jt_classify(&jt, 12, 4, &r);
	assert_int_equal(r.clinical_pre, 0);
	assert_int_equal(r.cls, ATTUNE_CHANGE_IMPROVED);
	attune_change_jt_classify(&jt, 20, 12, &r);
	assert_int_equal(r.functional_post, 0);
	assert_int_equal(r.cls, ATTUNE_CHANGE_IMPROVED);
	attune_change_jt_classify(&jt, 20, nextafter(12, 0), &r);
	assert_int_equal(r.cls, ATTUNE_CHANGE_RECOVERED);
	attune_change_jt_classify(&jt, nextafter(12, 100), 4, &r);
	assert_int_equal(r.cls, ATTUNE_CHANGE_RECOVERED);
	attune_change_jt_classify(&jt, 4, 12, &r);   /* into the cut: harmed */
	assert_int_equal(r.cls, ATTUNE_CHANGE_HARMED);
	attune_change_jt_classify(&jt, 12, 20, &r);  /* from the cut: harmed */
	assert_int_equal(r.cls, ATTUNE_CHANGE_HARMED);
	attune_change_jt_classify(&jt, 4, nextafter(12, 0), &r);
	assert_int_equal(r.cls, ATTUNE_CHANGE_DETERIORATED);

	p.criterion = ATTUNE_JT_GIVEN;        /* PHQ-9 style: 12 is a case */
	p.cutoff = 12;
	assert_int_equal(jt_prep(&p, &jt), 0);
	attune_change_jt_classify(&jt, 12, 4, &r);
	assert_int_equal(r.clinical_pre, 1);
	assert_int_equal(r.cls, ATTUNE_CHANGE_RECOVERED);
	attune_change_jt_classify(&jt, 20, 12, &r);
	assert_int_equal(r.functional_post, 0);
	assert_int_equal(r.cls, ATTUNE_CHANGE_IMPROVED);
	attune_change_jt_classify(&jt, 4, 12, &r);
	assert_int_equal(r.cls, ATTUNE_CHANGE_HARMED);
	attune_change_jt_classify(&jt, 12, 20, &r);   /* was a case already */
	assert_int_equal(r.cls, ATTUNE_CHANGE_DETERIORATED);
	p.direction = ATTUNE_HIGHER_IS_BETTER;        /* ORS style: <= 12 */
	assert_int_equal(jt_prep(&p, &jt), 0);
	attune_change_jt_classify(&jt, 12, 20, &r);
	assert_int_equal(r.cls, ATTUNE_CHANGE_RECOVERED);
}

static void test_jt_missing(void **state)
{
	attune_jt_params p;
	attune_jt jt;
	attune_jt_result r;

	(void)state;
	attune_change_jt_params_init(&p);
	p.reliability = 0.8;
	p.sd = 5;
	p.clin_mean = 20;
	p.clin_sd = 5;
	assert_int_equal(jt_prep(&p, &jt), 0);
	attune_change_jt_classify(&jt, NAN, 3, &r);
	assert_int_equal(r.cls, ATTUNE_CHANGE_UNKNOWN);
	assert_true(isnan(r.rc));
	assert_true(isnan(r.diff));
	assert_string_equal(attune_change_class_id(r.cls), "");
	attune_change_jt_classify(&jt, 3, NAN, &r);
	assert_int_equal(r.cls, ATTUNE_CHANGE_UNKNOWN);
}

static void test_jt_errors(void **state)
{
	attune_jt_params p, q;
	attune_jt jt;
	attune_err err;

	(void)state;
	attune_change_jt_params_init(&p);
	p.sd = 5;
	p.clin_mean = 20;
	p.clin_sd = 5;
	assert_int_equal(attune_change_jt_prepare(&p, &jt, &err),
	                 ATTUNE_EINVAL);
	assert_non_null(strstr(err.msg, "reliability is needed"));
	p.reliability = 1;
	assert_int_equal(attune_change_jt_prepare(&p, &jt, &err),
	                 ATTUNE_EINVAL);
	assert_non_null(strstr(err.msg, "less than 1 (got 1)"));
	p.reliability = -0.1;
	assert_int_equal(attune_change_jt_prepare(&p, &jt, &err),
	                 ATTUNE_EINVAL);
	p.reliability = 0;               /* allowed: SE = SD */
	assert_int_equal(attune_change_jt_prepare(&p, &jt, &err), ATTUNE_OK);
	assert_true(jt.se == 5);
	q = p;
	q.sd = 0;
	assert_int_equal(attune_change_jt_prepare(&q, &jt, &err),
	                 ATTUNE_EINVAL);
	assert_non_null(strstr(err.msg, "greater than 0 (got 0)"));
	q = p;
	q.sd = INFINITY;
	assert_int_equal(attune_change_jt_prepare(&q, &jt, &err),
	                 ATTUNE_EINVAL);
	q = p;
	q.criterion = ATTUNE_JT_B;
	assert_int_equal(attune_change_jt_prepare(&q, &jt, &err),
	                 ATTUNE_EINVAL);
	assert_non_null(strstr(err.msg, "functional mean is needed for "
	                                "cut-off b"));
	q.func_mean = 5;
	assert_int_equal(attune_change_jt_prepare(&q, &jt, &err),
	                 ATTUNE_EINVAL);
	assert_non_null(strstr(err.msg, "functional SD"));
	q.b_clin_sd = 1;                 /* the package's b needs no func SD */
	assert_int_equal(attune_change_jt_prepare(&q, &jt, &err), ATTUNE_OK);
	q = p;
	q.criterion = ATTUNE_JT_C;
	q.func_mean = 5;
	q.func_sd = -1;
	assert_int_equal(attune_change_jt_prepare(&q, &jt, &err),
	                 ATTUNE_EINVAL);
	q = p;
	q.criterion = ATTUNE_JT_GIVEN;
	assert_int_equal(attune_change_jt_prepare(&q, &jt, &err),
	                 ATTUNE_EINVAL);
	assert_non_null(strstr(err.msg, "cut-off is needed"));
	q = p;
	q.z = 0;
	assert_int_equal(attune_change_jt_prepare(&q, &jt, &err),
	                 ATTUNE_EINVAL);
	q = p;
	q.criterion = (attune_jt_criterion)42;
	assert_int_equal(attune_change_jt_prepare(&q, &jt, &err),
	                 ATTUNE_EINVAL);
	assert_int_equal(attune_change_jt_prepare(&p, &jt, NULL), ATTUNE_OK);
}

/* Welford against two-pass: 2, 4, 4, 4, 5, 5, 7, 9 has mean 5 and
 * sum of squares 32, so SD = sqrt(32 / 7) = 2.138090. */
static void test_moments(void **state)
{
	static const double x[] = { 2, 4, NAN, 4, 4, 5, 5, 7, 9 };
	attune_moments m = { 0, 0, 0 };
	size_t i;

	(void)state;
	assert_true(isnan(attune_change_moments_sd(&m)));
	attune_change_moments_add(&m, 2);
	assert_true(isnan(attune_change_moments_sd(&m)));
	m.n = 0;
	m.mean = 0;
	m.m2 = 0;
	for (i = 0; i < sizeof(x) / sizeof(x[0]); i++)
		attune_change_moments_add(&m, x[i]);
	assert_int_equal(m.n, 8);
	assert_true(fabs(m.mean - 5) < 1e-12);
	assert_true(fabs(attune_change_moments_sd(&m) - 2.1380899) < 1e-6);
	/* A large offset does not spoil it (the naive sum of squares
	 * would). */
	m.n = 0;
	m.mean = 0;
	m.m2 = 0;
	for (i = 0; i < sizeof(x) / sizeof(x[0]); i++)
		attune_change_moments_add(&m, x[i] + 1e9);
	assert_true(fabs(attune_change_moments_sd(&m) - 2.1380899) < 1e-6);
}

/* ---- properties on generated pairs ---- */

static uint64_t rng;

/* Deterministic: xorshift64* (Vigna 2016). */
static uint64_t next_u64(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

/* A multiple of 1/4 in [lo, hi): exact in binary, so shifts by whole
 * numbers and scaling by powers of two are exact too. */
static double quarter(double lo, double hi)
{
	uint64_t span = (uint64_t)((hi - lo) * 4);

	return lo + (double)(next_u64() % span) / 4.0;
}

static attune_change_class mirror(attune_change_class c)
{
	switch (c) {
	case ATTUNE_CHANGE_IMPROVED: return ATTUNE_CHANGE_DETERIORATED;
	case ATTUNE_CHANGE_DETERIORATED: return ATTUNE_CHANGE_IMPROVED;
	case ATTUNE_CHANGE_RECOVERED: return ATTUNE_CHANGE_HARMED;
	case ATTUNE_CHANGE_HARMED: return ATTUNE_CHANGE_RECOVERED;
	default: return c;
	}
}

static void random_params(attune_jt_params *p)
{
	attune_change_jt_params_init(p);
	p->reliability = quarter(0, 0.75) + 0.2;     /* 0.2 .. 0.95 */
	p->sd = quarter(2, 12);
	p->clin_mean = quarter(15, 30);
	p->clin_sd = quarter(2, 10);
	p->func_mean = quarter(0, 12);
	p->func_sd = quarter(2, 8);
	p->criterion = (attune_jt_criterion)(next_u64() % 4);
	p->cutoff = quarter(5, 25) + 0.125;    /* never equal to a score */
	p->direction = next_u64() % 2 ? ATTUNE_HIGHER_IS_BETTER
	                              : ATTUNE_LOWER_IS_BETTER;
	p->b_clin_sd = (int)(next_u64() % 2);
}

/* Swapping pre and post mirrors every class (improved <-> deteriorated,
 * recovered <-> harmed) as long as no score sits exactly on the cut-off;
 * reversing the direction of the scale (x -> -x, means -> -means, the
 * other direction) changes nothing; shifting every score, mean and the
 * published cut-off by a constant changes nothing; so does scaling
 * every score, mean, SD and cut-off by a constant. */
static void test_jt_properties(void **state)
{
	size_t i, j, n_reliable = 0, n_rec = 0, n_harm = 0, n_skip = 0;

	(void)state;
	rng = 0x9E3779B97F4A7C15ULL;
	for (i = 0; i < 2000; i++) {
		attune_jt_params p, q;
		attune_jt jt, jq;
		attune_jt_result r, s;
		double k = (double)(int)(next_u64() % 201) - 100;
		double f = (double)(1u << (next_u64() % 5));   /* 1..16 */

		random_params(&p);
		assert_int_equal(jt_prep(&p, &jt), 0);
		for (j = 0; j < 20; j++) {
			double pre = quarter(0, 40), post = quarter(0, 40);

			if (pre == jt.cutoff || post == jt.cutoff) {
				n_skip++;
				continue;
			}
			attune_change_jt_classify(&jt, pre, post, &r);
			n_reliable += r.reliable != 0;
			n_rec += r.cls == ATTUNE_CHANGE_RECOVERED;
			n_harm += r.cls == ATTUNE_CHANGE_HARMED;

			/* Mirror: post -> pre. */
			attune_change_jt_classify(&jt, post, pre, &s);
			assert_int_equal(s.cls, mirror(r.cls));

			/* Reflect the scale. */
			q = p;
			q.clin_mean = -p.clin_mean;
			q.func_mean = -p.func_mean;
			q.cutoff = -p.cutoff;
			q.direction = p.direction == ATTUNE_HIGHER_IS_BETTER
			              ? ATTUNE_LOWER_IS_BETTER
			              : ATTUNE_HIGHER_IS_BETTER;
			assert_int_equal(jt_prep(&q, &jq), 0);
			attune_change_jt_classify(&jq, -pre, -post, &s);
			assert_int_equal(s.cls, r.cls);
			assert_true(s.rc == -r.rc);

			/* Shift by k. */
			q = p;
			q.clin_mean += k;
			q.func_mean += k;
			q.cutoff += k;
			assert_int_equal(jt_prep(&q, &jq), 0);
			if (fabs(pre + k - jq.cutoff) > 1e-9 &&
			    fabs(post + k - jq.cutoff) > 1e-9) {
				attune_change_jt_classify(&jq, pre + k, post + k, &s);
				assert_int_equal(s.cls, r.cls);
				assert_true(s.rc == r.rc);
			}

			/* Scale by f. */
			q = p;
			q.sd *= f;
			q.clin_mean *= f;
			q.clin_sd *= f;
			q.func_mean *= f;
			q.func_sd *= f;
			q.cutoff *= f;
			assert_int_equal(jt_prep(&q, &jq), 0);
			attune_change_jt_classify(&jq, pre * f, post * f, &s);
			assert_int_equal(s.cls, r.cls);
			assert_true(fabs(s.rc - r.rc) <= 1e-12 * fabs(r.rc));
		}
	}
	/* The generator reaches every kind of outcome. */
	assert_true(n_reliable > 5000);
	assert_true(n_rec > 500);
	assert_true(n_harm > 500);
	assert_true(n_skip < 2000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phq9),
		cmocka_unit_test(test_higher_is_better),
		cmocka_unit_test(test_no_norms),
		cmocka_unit_test(test_jacobson_truax),
		cmocka_unit_test(test_jt_cutoffs),
		cmocka_unit_test(test_jt_rci),
		cmocka_unit_test(test_jt_worked),
		cmocka_unit_test(test_jt_categories),
		cmocka_unit_test(test_jt_rc_boundary),
		cmocka_unit_test(test_jt_cut_boundary),
		cmocka_unit_test(test_jt_missing),
		cmocka_unit_test(test_jt_errors),
		cmocka_unit_test(test_moments),
		cmocka_unit_test(test_jt_properties),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
