/* test_trajectory.c - expected treatment response: the fit against R's
 * lm() on tests/data/trajectory (see the README there), recovery of a
 * known curve from generated courses, tolerance boundaries exactly at
 * the edge, intake on a band edge, one-session courses, direction
 * reversal, model files (round trip and errors). */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "attune/series.h"
#include "attune/trajectory.h"

/* ---- helpers -------------------------------------------------------- */

static char *slurp(const char *name, size_t *len)
{
	const char *dir = getenv("ATTUNE_TEST_DATA");
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/trajectory/%s",
	         dir ? dir : "tests/data", name);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* |a - b| within rel * max(1, |b|). */
static void near(double a, double b, double rel)
{
	double tol = rel * (fabs(b) > 1 ? fabs(b) : 1);

	if (!(fabs(a - b) <= tol))
		fail_msg("%.17g is not %.17g (tolerance %g)", a, b, tol);
}

/* Field i of a comma-separated line (no quoting in our golden files). */
static double field_num(const char *line, int i)
{
	const char *p = line;

	while (i-- > 0) {
		p = strchr(p, ',');
		assert_non_null(p);
		p++;
	}
	if (*p == ',' || *p == '\n' || *p == '\0')
		return NAN;
	return strtod(p, NULL);
}

static void field_str(const char *line, int i, char *out, size_t cap)
{
	const char *p = line;
	size_t n;

	while (i-- > 0) {
		p = strchr(p, ',');
		assert_non_null(p);
		p++;
	}
	n = strcspn(p, ",\n");
	assert_true(n < cap);
	memcpy(out, p, n);
	out[n] = '\0';
}

/* Deterministic generator: xorshift64* and Box-Muller. */
static uint64_t rng = 88172645463325252ULL;

static double unif(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (double)((rng * 2685821657736338717ULL) >> 11) * 0x1.0p-53;
}

static double gauss(void)
{
	double u = unif(), v = unif();

	if (u < 1e-300)
		u = 1e-300;
	return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

struct fitctx {
	attune_traj_fit *fit;
	size_t used;
};

static int add_series(void *ctx, const attune_series *s,
                      const attune_series_cols *cols)
{
	struct fitctx *c = ctx;

	(void)cols;
	assert_int_equal(s->first, 1);
	if (attune_traj_fit_add(c->fit, s->x, s->n) == ATTUNE_TRAJ_USED)
		c->used++;
	return 0;
}

/* The model fitted on reference.csv (bands 0-9, 10-14, 15-27). */
static void fit_reference(attune_traj_model *m)
{
	attune_series_spec sp;
	attune_traj_model bands;
	struct fitctx c = {NULL, 0};
	attune_csv *csv;
	attune_err err;
	size_t len;
	char *buf = slurp("reference.csv", &len);

	memset(&sp, 0, sizeof(sp));
	sp.id_col = "id";
	sp.long_form = 1;
	sp.first_session = 1;
	assert_int_equal(attune_traj_bands_parse(&bands, "0-9,10-14,15-27",
	                                         &err), 0);
	assert_int_equal(attune_traj_fit_new(&bands, 20, &c.fit, &err), 0);
	assert_int_equal(attune_csv_open_buf(buf, len, "reference.csv", &csv),
	                 0);
	assert_int_equal(attune_series_read(csv, &sp, add_series, &c, &err), 0);
	attune_csv_close(csv);
	assert_int_equal(c.used, 150);
	assert_int_equal(attune_traj_fit_finish(c.fit, 1, m, &err), 0);
	attune_traj_fit_free(c.fit);
	free(buf);
}

static void default_params(attune_traj_params *p)
{
	attune_err err;

	assert_int_equal(attune_traj_params_init(p, 0.70, 0.90, &err), 0);
}

/* ---- against R ------------------------------------------------------ */

static void test_qnorm_against_r(void **state)
{
	attune_traj_params p;
	attune_err err;
	size_t len, n = 0;
	char *buf = slurp("qnorm.csv", &len), *line;

	(void)state;
	for (line = strchr(buf, '\n') + 1; *line; line = strchr(line, '\n') + 1) {
		double pr = field_num(line, 0), z = field_num(line, 1);
		assert_int_equal(attune_traj_params_init(&p, pr, pr, &err), 0);
		near(p.z_at_risk, z, 2e-15);
		near(p.z_not_on_track, z, 2e-15);
		n++;
	}
	assert_int_equal(n, 11);
	free(buf);
}

static void test_fit_against_r(void **state)
{
	attune_traj_model m;
	size_t len, i = 0;
	char *buf = slurp("reference.expected.csv", &len), *line;
	char label[32];

	(void)state;
	fit_reference(&m);
	assert_int_equal(m.n_bands, 3);
	assert_int_equal(m.max_session, 20);
	for (line = strchr(buf, '\n') + 1; *line; line = strchr(line, '\n') + 1) {
		const attune_traj_band *b = &m.bands[i];
		field_str(line, 0, label, sizeof(label));
		assert_string_equal(b->label, label);
		assert_int_equal(b->n_persons, (size_t)field_num(line, 1));
		assert_int_equal(b->n_scores, (size_t)field_num(line, 2));
		near(b->intercept, field_num(line, 3), 1e-12);
		near(b->slope, field_num(line, 4), 1e-12);
		near(b->sd, field_num(line, 5), 1e-12);
		assert_int_equal(b->max_session, (int)field_num(line, 6));
		i++;
	}
	assert_int_equal(i, 3);
	free(buf);
}

static void test_classify_against_r(void **state)
{
	attune_traj_model m;
	attune_traj_params p;
	attune_traj_point pts[8];
	attune_traj_result r;
	double x[8];
	size_t len, n = 0, rows = 0, k;
	char *buf = slurp("open.expected.csv", &len), *line, *start;
	char id[16], cur[16] = "", st[16];

	(void)state;
	fit_reference(&m);
	default_params(&p);
	line = strchr(buf, '\n') + 1;
	while (*line) {
		/* Gather one id's rows, classify, compare. */
		start = line;
		field_str(line, 0, cur, sizeof(cur));
		n = 0;
		while (*line) {
			field_str(line, 0, id, sizeof(id));
			if (strcmp(id, cur) != 0)
				break;
			assert_int_equal((int)field_num(line, 1), (int)n + 1);
			x[n++] = field_num(line, 2);
			line = strchr(line, '\n') + 1;
		}
		attune_traj_classify(&m, &p, x, n, 1, pts, &r);
		assert_int_equal(r.skip, ATTUNE_TRAJ_USED);
		for (k = 0; k < n; k++, start = strchr(start, '\n') + 1) {
			assert_int_equal(pts[k].session, (int)k + 1);
			near(pts[k].expected, field_num(start, 3), 1e-12);
			near(pts[k].lower, field_num(start, 4), 1e-12);
			near(pts[k].upper, field_num(start, 5), 1e-12);
			near(pts[k].limit, field_num(start, 6), 1e-12);
			field_str(start, 7, st, sizeof(st));
			assert_string_equal(attune_traj_status_name(
			                    pts[k].status), st);
			rows++;
		}
		if (n > 1)
			assert_int_equal(r.last.session, (int)n);
	}
	assert_int_equal(rows, 15);
	free(buf);
}

/* ---- recovery of a known curve -------------------------------------- */

/* Courses generated from E(t) = a + b ln t with normal noise of SD s in
 * two bands; the fit must find a, b and s again. */
static void test_fit_recovers_known_curve(void **state)
{
	const double a[2] = {30, 70}, b[2] = {-6, -12}, s[2] = {2.5, 4};
	attune_traj_model bands, m;
	attune_traj_fit *f;
	attune_err err;
	double x[20];
	int i, j, t;

	(void)state;
	rng = 12345;
	assert_int_equal(attune_traj_bands_parse(&bands, "0-49.5,50-100",
	                                         &err), 0);
	assert_int_equal(attune_traj_fit_new(&bands, 20, &f, &err), 0);
	for (i = 0; i < 4000; i++) {
		int n = 2 + (int)(unif() * 19);   /* 2..20 sessions */
		j = i % 2;
		for (t = 1; t <= n; t++)
			x[t - 1] = a[j] + b[j] * log(t) + s[j] * gauss();
		if (unif() < 0.1)
			x[n / 2] = NAN;                /* a missed session */
		assert_int_equal(attune_traj_fit_add(f, x, (size_t)n),
		                 ATTUNE_TRAJ_USED);
	}
	assert_int_equal(attune_traj_fit_finish(f, 30, &m, &err), 0);
	for (j = 0; j < 2; j++) {
		assert_int_equal(m.bands[j].n_persons, 2000);
		assert_true(fabs(m.bands[j].intercept - a[j]) < 0.15);
		assert_true(fabs(m.bands[j].slope - b[j]) < 0.1);
		assert_true(fabs(m.bands[j].sd - s[j]) < 0.06);
		assert_int_equal(m.bands[j].max_session, 20);
	}
	attune_traj_fit_free(f);
}

/* Without noise the curve is exact and the residual SD is 0. */
static void test_fit_exact_curve(void **state)
{
	attune_traj_model bands, m;
	attune_traj_fit *f;
	attune_err err;
	double x[12];
	int i, t;

	(void)state;
	assert_int_equal(attune_traj_bands_parse(&bands, "0-27", &err), 0);
	assert_int_equal(attune_traj_fit_new(&bands, 0, &f, &err), 0);
	for (i = 0; i < 5; i++) {
		for (t = 1; t <= 12; t++)
			x[t - 1] = 20 - 4 * log(t);
		assert_int_equal(attune_traj_fit_add(f, x, (size_t)(4 + i)),
		                 ATTUNE_TRAJ_USED);
	}
	assert_int_equal(attune_traj_fit_finish(f, 1, &m, &err), 0);
	near(m.bands[0].intercept, 20, 1e-12);
	near(m.bands[0].slope, -4, 1e-12);
	assert_true(m.bands[0].sd < 1e-6);
	assert_int_equal(m.bands[0].n_scores, 4 + 5 + 6 + 7 + 8);
	assert_int_equal(m.bands[0].max_session, 8);
	assert_int_equal(m.max_session, ATTUNE_TRAJ_SESSIONS_DEFAULT);
	attune_traj_fit_free(f);
}

/* Courses left out, scores past the last session, thin bands. */
static void test_fit_skips_and_thin_bands(void **state)
{
	attune_traj_model bands, m, m2;
	attune_traj_fit *f;
	attune_err err;
	double x[30];
	int t;

	(void)state;
	assert_int_equal(attune_traj_bands_parse(&bands, "0-9,10-19,20-27",
	                                         &err), 0);
	assert_int_equal(attune_traj_fit_new(&bands, 5, &f, &err), 0);
	x[0] = NAN;
	assert_int_equal(attune_traj_fit_add(f, x, 3), ATTUNE_TRAJ_NO_INTAKE);
	assert_int_equal(attune_traj_fit_add(f, x, 0), ATTUNE_TRAJ_NO_INTAKE);
	x[0] = 28;
	assert_int_equal(attune_traj_fit_add(f, x, 1), ATTUNE_TRAJ_NO_BAND);
	x[0] = 9.5;                         /* between bands */
	assert_int_equal(attune_traj_fit_add(f, x, 1), ATTUNE_TRAJ_NO_BAND);
	/* Band 10-19: three courses of 5 sessions. */
	for (t = 1; t <= 30; t++)
		x[t - 1] = 15 - 2 * log(t) + (t % 2 ? 1 : -1);
	assert_int_equal(attune_traj_fit_add(f, x, 5), ATTUNE_TRAJ_USED);
	assert_int_equal(attune_traj_fit_add(f, x, 5), ATTUNE_TRAJ_USED);
	assert_int_equal(attune_traj_fit_add(f, x, 5), ATTUNE_TRAJ_USED);
	/* Band 20-27: intake only, twice: one session, no slope. */
	x[0] = 22;
	assert_int_equal(attune_traj_fit_add(f, x, 1), ATTUNE_TRAJ_USED);
	assert_int_equal(attune_traj_fit_add(f, x, 1), ATTUNE_TRAJ_USED);
	assert_int_equal(attune_traj_fit_finish(f, 1, &m, &err), 0);
	assert_false(attune_traj_band_fitted(&m, 0));
	assert_int_equal(m.bands[0].n_persons, 0);
	assert_true(attune_traj_band_fitted(&m, 1));
	assert_int_equal(m.bands[1].n_scores, 15);
	assert_int_equal(m.bands[1].max_session, 5);
	assert_false(attune_traj_band_fitted(&m, 2));
	assert_int_equal(m.bands[2].n_persons, 2);
	assert_int_equal(m.bands[2].max_session, 0);
	/* Scores after session 5 change nothing. */
	x[0] = 15 - 2 * log(1) + 1;
	assert_int_equal(attune_traj_fit_add(f, x, 30), ATTUNE_TRAJ_USED);
	assert_int_equal(attune_traj_fit_finish(f, 1, &m2, &err), 0);
	assert_int_equal(m2.bands[1].n_scores, 20);
	near(m2.bands[1].slope, m.bands[1].slope, 1e-12);
	/* At least 5 courses asked: band 10-19 (4) is not fitted. */
	assert_int_equal(attune_traj_fit_finish(f, 5, &m2, &err), 0);
	assert_false(attune_traj_band_fitted(&m2, 1));
	assert_int_equal(m2.bands[1].n_persons, 4);
	attune_traj_fit_free(f);
	assert_int_equal(attune_traj_fit_new(&bands, 201, &f, &err),
	                 ATTUNE_EINVAL);
	assert_null(f);
	assert_int_equal(attune_traj_fit_new(&bands, -1, &f, &err),
	                 ATTUNE_EINVAL);
	attune_traj_fit_free(NULL);
}

/* ---- bands ---------------------------------------------------------- */

static void test_bands_parse(void **state)
{
	static const char *const bad[] = {
		"", "5", "10-5", "0-9,9-14", "0-9,x", "0-9,", "0-9,,10-14",
		"a-b", "0-9 ", "0--", "10-14,0-9", NULL
	};
	attune_traj_model m;
	attune_err err;
	char many[200] = "";
	int i;

	(void)state;
	assert_int_equal(attune_traj_bands_parse(&m, "0-9,10-14,15-19,20-27",
	                                         &err), 0);
	assert_int_equal(m.n_bands, 4);
	assert_string_equal(m.bands[1].label, "10-14");
	assert_int_equal(m.direction, ATTUNE_LOWER_IS_BETTER);
	assert_string_equal(m.instrument, "");
	/* Intake on a band edge belongs to the band that includes it. */
	assert_int_equal(attune_traj_band_of(&m, 9), 0);
	assert_int_equal(attune_traj_band_of(&m, 10), 1);
	assert_int_equal(attune_traj_band_of(&m, 14), 1);
	assert_int_equal(attune_traj_band_of(&m, 15), 2);
	assert_int_equal(attune_traj_band_of(&m, 0), 0);
	assert_int_equal(attune_traj_band_of(&m, 27), 3);
	assert_int_equal(attune_traj_band_of(&m, 14.5), -1);
	assert_int_equal(attune_traj_band_of(&m, 28), -1);
	assert_int_equal(attune_traj_band_of(&m, -0.5), -1);
	assert_int_equal(attune_traj_band_of(&m, NAN), -1);
	assert_int_equal(attune_traj_bands_parse(&m, "-3.5-0,0.25-2", &err),
	                 0);
	assert_true(m.bands[0].low == -3.5 && m.bands[0].high == 0);
	assert_true(m.bands[1].low == 0.25);
	for (i = 0; bad[i]; i++) {
		err.msg[0] = '\0';
		if (attune_traj_bands_parse(&m, bad[i], &err) != ATTUNE_EINVAL)
			fail_msg("'%s' accepted", bad[i]);
		assert_non_null(strstr(err.msg, "--bands"));
	}
	assert_int_equal(attune_traj_bands_parse(&m, "0-9,9-14", &err),
	                 ATTUNE_EINVAL);
	assert_non_null(strstr(err.msg, "band 2 ('9-14') overlaps"));
	for (i = 0; i < 17; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many),
		         "%s%d-%d", i ? "," : "", 2 * i, 2 * i + 1);
	assert_int_equal(attune_traj_bands_parse(&m, many, &err),
	                 ATTUNE_ELIMIT);
}

static void test_bands_from_instrument(void **state)
{
	attune_catalog *cat = attune_catalog_new();
	attune_traj_model m;
	attune_err err;

	(void)state;
	assert_int_equal(attune_catalog_add_builtin(cat, &err), 0);
	assert_int_equal(attune_traj_bands_from_instrument(&m,
	                 attune_catalog_find(cat, "phq9"), &err), 0);
	assert_int_equal(m.n_bands, 5);
	assert_string_equal(m.instrument, "phq9");
	assert_int_equal(m.direction, ATTUNE_LOWER_IS_BETTER);
	assert_true(m.bands[2].low == 10 && m.bands[2].high == 14);
	assert_int_equal(attune_traj_band_of(&m, 10), 2);
	assert_int_equal(attune_traj_band_of(&m, 9), 1);
	assert_string_equal(m.bands[3].label, "moderately severe");
	/* ORS has no severity bands: the caller must give them. */
	m.n_bands = 7;
	assert_int_equal(attune_traj_bands_from_instrument(&m,
	                 attune_catalog_find(cat, "ors"), &err), ATTUNE_EINVAL);
	assert_non_null(strstr(err.msg, "ors has no severity bands"));
	assert_int_equal(m.n_bands, 7);
	attune_catalog_free(cat);
}

/* ---- classification boundaries -------------------------------------- */

static void hand_model(attune_traj_model *m, attune_direction d)
{
	attune_err err;

	assert_int_equal(attune_traj_bands_parse(m, "0-27", &err), 0);
	m->direction = d;
	m->bands[0].intercept = 20;
	m->bands[0].slope = -5;
	m->bands[0].sd = 2;
	m->bands[0].max_session = 10;
	m->bands[0].n_persons = 100;
	m->bands[0].n_scores = 800;
}

static void test_boundaries_exact(void **state)
{
	attune_traj_model m;
	attune_traj_params p;
	attune_traj_point pt, q;
	double e;

	(void)state;
	hand_model(&m, ATTUNE_LOWER_IS_BETTER);
	default_params(&p);
	attune_traj_point_at(&m, &p, 0, 2, NAN, &pt);
	e = 20 - 5 * log(2.0);
	near(pt.expected, e, 1e-14);
	near(pt.upper, e + 0.52440051270804067 * 2, 1e-14);
	near(pt.lower, e - 0.52440051270804067 * 2, 1e-14);
	near(pt.limit, e + 1.2815515655446008 * 2, 1e-14);
	assert_int_equal(pt.status, ATTUNE_TRAJ_NONE);   /* NaN score */
	/* Exactly on the at-risk edge: still on track; just above: at risk. */
	attune_traj_point_at(&m, &p, 0, 2, pt.upper, &q);
	assert_int_equal(q.status, ATTUNE_TRAJ_ON_TRACK);
	attune_traj_point_at(&m, &p, 0, 2, nextafter(pt.upper, 100), &q);
	assert_int_equal(q.status, ATTUNE_TRAJ_AT_RISK);
	/* Exactly on the not-on-track limit: at risk; above: not on track. */
	attune_traj_point_at(&m, &p, 0, 2, pt.limit, &q);
	assert_int_equal(q.status, ATTUNE_TRAJ_AT_RISK);
	attune_traj_point_at(&m, &p, 0, 2, nextafter(pt.limit, 100), &q);
	assert_int_equal(q.status, ATTUNE_TRAJ_NOT_ON_TRACK);
	/* Far better than expected is on track, not "off" the band. */
	attune_traj_point_at(&m, &p, 0, 2, 0, &q);
	assert_int_equal(q.status, ATTUNE_TRAJ_ON_TRACK);
	/* The intake session is never judged. */
	attune_traj_point_at(&m, &p, 0, 1, 27, &q);
	assert_int_equal(q.status, ATTUNE_TRAJ_NONE);
	near(q.expected, 20, 1e-15);
	/* Past the band's last session the curve stays at its end. */
	attune_traj_point_at(&m, &p, 0, 10, NAN, &pt);
	attune_traj_point_at(&m, &p, 0, 25, NAN, &q);
	near(q.expected, 20 - 5 * log(10.0), 1e-14);
	assert_true(q.expected == pt.expected && q.limit == pt.limit);
	/* Equal percentiles: no at-risk zone left. */
	assert_int_equal(attune_traj_params_init(&p, 0.9, 0.9, NULL), 0);
	attune_traj_point_at(&m, &p, 0, 2, NAN, &pt);
	attune_traj_point_at(&m, &p, 0, 2, nextafter(pt.upper, 100), &q);
	assert_int_equal(q.status, ATTUNE_TRAJ_NOT_ON_TRACK);
	/* SD 0: anything worse than expected is not on track. */
	default_params(&p);
	m.bands[0].sd = 0;
	attune_traj_point_at(&m, &p, 0, 3, 20 - 5 * log(3.0), &q);
	assert_int_equal(q.status, ATTUNE_TRAJ_ON_TRACK);
	attune_traj_point_at(&m, &p, 0, 3, nextafter(q.expected, 100), &q);
	assert_int_equal(q.status, ATTUNE_TRAJ_NOT_ON_TRACK);
}

static void test_params(void **state)
{
	attune_traj_params p;
	attune_err err;

	(void)state;
	assert_int_equal(attune_traj_params_init(&p, 0.4, 0.9, &err),
	                 ATTUNE_EINVAL);
	assert_int_equal(attune_traj_params_init(&p, 0.7, 1.0, &err),
	                 ATTUNE_EINVAL);
	assert_int_equal(attune_traj_params_init(&p, 0.95, 0.9, &err),
	                 ATTUNE_EINVAL);
	assert_non_null(strstr(err.msg, "at-risk"));
	assert_int_equal(attune_traj_params_init(&p, NAN, 0.9, &err),
	                 ATTUNE_EINVAL);
	assert_int_equal(attune_traj_params_init(&p, 0.5, 0.5, &err), 0);
	assert_true(p.z_at_risk == 0);
}

/* Higher is better mirrors lower is better: negating every score, the
 * intercept and the slope gives the same statuses, session by session. */
static void test_direction_mirrors(void **state)
{
	attune_traj_model lo, hi;
	attune_traj_params p;
	attune_traj_point a[12], b[12];
	attune_traj_result ra, rb;
	double x[12], y[12];
	size_t counts[4] = {0, 0, 0, 0};
	int i, k;
	attune_err err;

	(void)state;
	hand_model(&lo, ATTUNE_LOWER_IS_BETTER);
	hand_model(&hi, ATTUNE_HIGHER_IS_BETTER);
	assert_int_equal(attune_traj_bands_parse(&hi, "-27-0", &err), 0);
	hi.direction = ATTUNE_HIGHER_IS_BETTER;
	hi.bands[0].intercept = -20;
	hi.bands[0].slope = 5;
	hi.bands[0].sd = 2;
	hi.bands[0].max_session = 10;
	default_params(&p);
	rng = 777;
	for (i = 0; i < 500; i++) {
		for (k = 0; k < 12; k++) {
			x[k] = k == 0 ? floor(unif() * 28)
			              : 20 - 5 * log(k + 1) + 3 * gauss();
			if (x[k] < 0)
				x[k] = 0;
			y[k] = -x[k];
		}
		attune_traj_classify(&lo, &p, x, 12, 1, a, &ra);
		attune_traj_classify(&hi, &p, y, 12, 1, b, &rb);
		for (k = 0; k < 12; k++) {
			assert_int_equal(a[k].status, b[k].status);
			near(a[k].expected, -b[k].expected, 1e-12);
			near(a[k].limit, -b[k].limit, 1e-12);
			counts[a[k].status]++;
		}
		assert_int_equal(ra.last.status, rb.last.status);
		assert_int_equal(ra.n_at_risk, rb.n_at_risk);
	}
	/* Every status occurred, so the comparison meant something. */
	for (k = 1; k < 4; k++)
		assert_true(counts[k] > 100);
	/* The same scores under the other direction do not agree. */
	x[0] = 20;
	x[1] = 27;
	attune_traj_classify(&lo, &p, x, 2, 1, a, &ra);
	hi = lo;
	hi.direction = ATTUNE_HIGHER_IS_BETTER;
	attune_traj_classify(&hi, &p, x, 2, 1, b, &rb);
	assert_int_equal(ra.last.status, ATTUNE_TRAJ_NOT_ON_TRACK);
	assert_int_equal(rb.last.status, ATTUNE_TRAJ_ON_TRACK);
}

/* One session, missing intake, intake outside every band, an unfitted
 * band, gaps, and the session numbers of a series starting at 0. */
static void test_short_and_odd_courses(void **state)
{
	attune_traj_model m;
	attune_traj_params p;
	attune_traj_point pts[5];
	attune_traj_result r;
	double x[5] = {18, NAN, 14, NAN, NAN};
	attune_err err;

	(void)state;
	hand_model(&m, ATTUNE_LOWER_IS_BETTER);
	default_params(&p);
	attune_traj_classify(&m, &p, x, 1, 1, pts, &r);
	assert_int_equal(r.skip, ATTUNE_TRAJ_USED);
	assert_int_equal(r.band, 0);
	assert_int_equal(r.n_judged, 0);
	assert_int_equal(r.last.status, ATTUNE_TRAJ_NONE);
	assert_int_equal(pts[0].status, ATTUNE_TRAJ_NONE);
	near(pts[0].expected, 20, 1e-15);
	/* Gaps: the last judged session is the last scored one. */
	attune_traj_classify(&m, &p, x, 5, 0, pts, &r);
	assert_int_equal(r.n_judged, 1);
	assert_int_equal(r.last.session, 2);     /* first 0: index 2 */
	assert_int_equal(r.last.t, 3);
	assert_int_equal(pts[4].session, 4);
	assert_int_equal(pts[3].status, ATTUNE_TRAJ_NONE);
	attune_traj_classify(&m, &p, x, 5, 1, NULL, &r);
	assert_int_equal(r.last.session, 3);
	x[0] = NAN;
	attune_traj_classify(&m, &p, x, 5, 1, pts, &r);
	assert_int_equal(r.skip, ATTUNE_TRAJ_NO_INTAKE);
	assert_int_equal(r.n_judged, 0);
	assert_true(isnan(pts[2].expected));
	assert_true(pts[2].score == 14);
	attune_traj_classify(&m, &p, x, 0, 1, NULL, &r);
	assert_int_equal(r.skip, ATTUNE_TRAJ_NO_INTAKE);
	x[0] = 30;
	attune_traj_classify(&m, &p, x, 5, 1, pts, &r);
	assert_int_equal(r.skip, ATTUNE_TRAJ_NO_BAND);
	assert_int_equal(r.band, -1);
	x[0] = 18;
	m.bands[0].sd = NAN;
	attune_traj_classify(&m, &p, x, 5, 1, pts, &r);
	assert_int_equal(r.skip, ATTUNE_TRAJ_NOT_FITTED);
	assert_int_equal(r.band, 0);
	(void)err;
}

/* ---- model files ---------------------------------------------------- */

static void assert_same_model(const attune_traj_model *a,
                              const attune_traj_model *b)
{
	size_t i;

	assert_string_equal(a->instrument, b->instrument);
	assert_int_equal(a->direction, b->direction);
	assert_int_equal(a->max_session, b->max_session);
	assert_int_equal(a->n_bands, b->n_bands);
	for (i = 0; i < a->n_bands; i++) {
		const attune_traj_band *x = &a->bands[i], *y = &b->bands[i];
		assert_string_equal(x->label, y->label);
		assert_true(x->low == y->low && x->high == y->high);
		assert_int_equal(x->n_persons, y->n_persons);
		assert_int_equal(x->n_scores, y->n_scores);
		assert_true(x->intercept == y->intercept ||
		            (isnan(x->intercept) && isnan(y->intercept)));
		assert_true(x->slope == y->slope ||
		            (isnan(x->slope) && isnan(y->slope)));
		assert_true(x->sd == y->sd || (isnan(x->sd) && isnan(y->sd)));
		assert_int_equal(x->max_session, y->max_session);
	}
}

static void test_model_round_trip(void **state)
{
	attune_traj_model m, back;
	attune_err err;
	char *text;
	size_t len;
	int json;

	(void)state;
	fit_reference(&m);
	snprintf(m.instrument, sizeof(m.instrument), "phq9");
	snprintf(m.bands[1].label, sizeof(m.bands[1].label), "mid, \"10\"");
	m.bands[2].intercept = m.bands[2].slope = m.bands[2].sd = NAN;
	m.bands[2].max_session = 0;
	m.direction = ATTUNE_HIGHER_IS_BETTER;
	for (json = 0; json <= 1; json++) {
		assert_int_equal(attune_traj_model_format(&m, json, &text,
		                                          &len), 0);
		assert_int_equal(len, strlen(text));
		memset(&back, 0, sizeof(back));
		err.msg[0] = '\0';
		if (attune_traj_model_parse(text, len, "m", &back, &err))
			fail_msg("%s\n%s", err.msg, text);
		assert_same_model(&m, &back);
		if (json)
			assert_non_null(strstr(text, "\"intercept\": null"));
		else
			assert_non_null(strstr(text,
			                "\"mid, \"\"10\"\"\",10,14,24,151,"));
		free(text);
	}
}

static void test_model_parse_errors(void **state)
{
	static const char head[] = "format,instrument,direction,fit_sessions,"
		"band,low,high,persons,scores,intercept,slope,sd,last_session\n";
	static const struct {
		const char *rows, *msg;
	} bad[] = {
		{"attune-etr/2,,lower-is-better,20,a,0,9,1,3,1,1,1,3\n",
		 "m.csv:2: column format"},
		{"attune-etr/1,,down,20,a,0,9,1,3,1,1,1,3\n",
		 "m.csv:2: column direction"},
		{"attune-etr/1,,lower-is-better,20,a,0,9,x,3,1,1,1,3\n",
		 "m.csv:2: column persons: 'x'"},
		{"attune-etr/1,,lower-is-better,20,a,0,9,1.5,3,1,1,1,3\n",
		 "m.csv:2: column persons"},
		{"attune-etr/1,,lower-is-better,20,a,0,9,1,3,1,,1,3\n",
		 "all given or all empty"},
		{"attune-etr/1,,lower-is-better,20,a,0,9,1,3,1,1,-1,3\n",
		 "sd must be a number >= 0"},
		{"attune-etr/1,,lower-is-better,20,a,0,9,1,3,1,1,1,21\n",
		 "last_session must be"},
		{"attune-etr/1,,lower-is-better,20,a,0,9,1,3,1,1,1,3\n"
		 "attune-etr/1,,lower-is-better,20,b,9,14,1,3,1,1,1,3\n",
		 "overlaps"},
		{"attune-etr/1,,lower-is-better,20,a,0,9,1,3,1,1,1,3\n"
		 "attune-etr/1,,higher-is-better,20,b,10,14,1,3,1,1,1,3\n",
		 "m.csv:3: instrument, direction and fit_sessions"},
		{"attune-etr/1,,lower-is-better,20,a,0,9,1,3,1,1,1\n",
		 "m.csv:2: has 12 fields"},
		{"attune-etr/1,,lower-is-better,0,a,0,9,0,0,,,,0\n",
		 "fit_sessions must be"},
		{"", "no bands"},
	};
	static const struct {
		const char *text, *msg;
	} jbad[] = {
		{"{", "not valid JSON"},
		{"{\"format\": \"x\"}", "$.format"},
		{"{\"format\": \"attune-etr/1\", \"instrument\": 3}",
		 "$.instrument"},
		{"{\"format\": \"attune-etr/1\", \"instrument\": \"\", "
		 "\"direction\": \"up\"}", "$.direction"},
		{"{\"format\": \"attune-etr/1\", \"instrument\": \"\", "
		 "\"direction\": \"lower-is-better\", \"fit_sessions\": 2.5}",
		 "$.fit_sessions"},
		{"{\"format\": \"attune-etr/1\", \"instrument\": \"\", "
		 "\"direction\": \"lower-is-better\", \"fit_sessions\": 20}",
		 "$.bands"},
		{"{\"format\": \"attune-etr/1\", \"instrument\": \"\", "
		 "\"direction\": \"lower-is-better\", \"fit_sessions\": 20, "
		 "\"bands\": [{\"band\": \"a\", \"low\": 0}]}", "$.bands[0]"},
		{"{\"format\": \"attune-etr/1\", \"instrument\": \"\", "
		 "\"direction\": \"lower-is-better\", \"fit_sessions\": 20, "
		 "\"bands\": []}", "no bands"},
		/* Found by fuzzing: a name that could not be written back. */
		{"{\"format\": \"attune-etr/1\", \"instrument\": \"\", "
		 "\"direction\": \"lower-is-better\", \"fit_sessions\": 20, "
		 "\"bands\": [{\"band\": \"a\\u0001\", \"low\": 0, \"high\": 9, "
		 "\"persons\": 0, \"scores\": 0, \"intercept\": null, "
		 "\"slope\": null, \"sd\": null, \"last_session\": 0}]}",
		 "band 1: its name is not valid UTF-8"},
		{"{\"format\": \"attune-etr/1\", \"instrument\": \"\xff\", "
		 "\"direction\": \"lower-is-better\", \"fit_sessions\": 20, "
		 "\"bands\": []}", "instrument: not valid UTF-8"},
	};
	attune_traj_model m;
	attune_err err;
	char buf[1024];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "%s%s", head, bad[i].rows);
		m.n_bands = 99;
		err.msg[0] = '\0';
		assert_int_not_equal(attune_traj_model_parse(buf, strlen(buf),
		                     "m.csv", &m, &err), 0);
		if (!strstr(err.msg, bad[i].msg))
			fail_msg("case %zu: '%s' lacks '%s'", i, err.msg,
			         bad[i].msg);
		assert_int_equal(m.n_bands, 99);        /* untouched */
	}
	snprintf(buf, sizeof(buf), "format,band\n");
	assert_int_equal(attune_traj_model_parse(buf, strlen(buf), "m.csv",
	                 &m, &err), ATTUNE_EINVAL);
	assert_non_null(strstr(err.msg, "m.csv:1: no column 'instrument'"));
	for (i = 0; i < sizeof(jbad) / sizeof(jbad[0]); i++) {
		err.msg[0] = '\0';
		assert_int_not_equal(attune_traj_model_parse(jbad[i].text,
		                     strlen(jbad[i].text), "m.json", &m, &err),
		                     0);
		if (!strstr(err.msg, jbad[i].msg))
			fail_msg("json case %zu: '%s' lacks '%s'", i, err.msg,
			         jbad[i].msg);
	}
	/* A good file with the columns in another order and an unfitted
	 * band. */
	snprintf(buf, sizeof(buf), "band,format,instrument,direction,"
	         "fit_sessions,low,high,persons,scores,intercept,slope,sd,"
	         "last_session\nlow,attune-etr/1,phq9,lower-is-better,20,0,9,"
	         "2,2,,,,0\nhigh,attune-etr/1,phq9,lower-is-better,20,10,27,"
	         "40,300,18.5,-4.25,3,20\n");
	assert_int_equal(attune_traj_model_parse(buf, strlen(buf), "m.csv",
	                 &m, &err), 0);
	assert_int_equal(m.n_bands, 2);
	assert_false(attune_traj_band_fitted(&m, 0));
	assert_true(attune_traj_band_fitted(&m, 1));
	assert_true(m.bands[1].slope == -4.25);
	assert_string_equal(m.instrument, "phq9");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qnorm_against_r),
		cmocka_unit_test(test_fit_against_r),
		cmocka_unit_test(test_classify_against_r),
		cmocka_unit_test(test_fit_recovers_known_curve),
		cmocka_unit_test(test_fit_exact_curve),
		cmocka_unit_test(test_fit_skips_and_thin_bands),
		cmocka_unit_test(test_bands_parse),
		cmocka_unit_test(test_bands_from_instrument),
		cmocka_unit_test(test_boundaries_exact),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_direction_mirrors),
		cmocka_unit_test(test_short_and_odd_courses),
		cmocka_unit_test(test_model_round_trip),
		cmocka_unit_test(test_model_parse_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
