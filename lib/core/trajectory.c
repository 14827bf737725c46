/* trajectory.c - expected treatment response (trajectory.h): intake
 * bands, the streaming least-squares fit of score on ln(session) per
 * band, tolerance bands and the on-track / at-risk / not-on-track rule,
 * and the model file (CSV or JSON).
 *
 * Source: Finch AE, Lambert MJ, Schaalje BG (2001). Psychotherapy quality
 * control: the statistical generation of expected recovery curves for
 * integration into an early warning system. Clin Psychol Psychother
 * 8:231-242. They modelled OQ-45 scores on the log of the session number
 * by intake severity (a mixed linear model, SAS PROC MIXED), estimated
 * the mean for sessions 1 to 20 and put tolerance intervals around each
 * estimate; a course beyond the interval on the worse side is signalled.
 * attune fits the fixed part, E(t) = a + b ln t, by ordinary least
 * squares per intake band, and takes the tolerance from the residual SD
 * of that fit (docs/analytics.md (section 4) says why). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "attune/csv.h"
#include "attune/trajectory.h"
#include "util/util_int.h"

/* ---- Bands ---------------------------------------------------------- */

static void model_clear(attune_traj_model *m)
{
	size_t i;

	memset(m, 0, sizeof(*m));
	m->direction = ATTUNE_LOWER_IS_BETTER;
	m->max_session = ATTUNE_TRAJ_SESSIONS_DEFAULT;
	for (i = 0; i < ATTUNE_TRAJ_BANDS_MAX; i++) {
		m->bands[i].intercept = NAN;
		m->bands[i].slope = NAN;
		m->bands[i].sd = NAN;
	}
}

/* Length of a number at s[0..n): optional '-', digits, optional '.' and
 * digits. 0 when there is none. */
static size_t num_span(const char *s, size_t n)
{
	size_t i = 0, nd = 0;

	if (i < n && s[i] == '-')
		i++;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		nd++;
	if (i < n && s[i] == '.')
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			nd++;
	return nd ? i : 0;
}

/* Bands must go up without overlapping: low <= high < next low. */
static int bands_check(const attune_traj_model *m, const char *where,
                       attune_err *err)
{
	size_t i;

	for (i = 0; i < m->n_bands; i++) {
		const attune_traj_band *b = &m->bands[i];
		if (!isfinite(b->low) || !isfinite(b->high) || b->low > b->high)
			return attune_err_set(err, ATTUNE_EINVAL, "%s: band %zu "
			                      "('%s'): the low end must not be "
			                      "above the high end", where, i + 1,
			                      b->label);
		if (i && b->low <= m->bands[i - 1].high)
			return attune_err_set(err, ATTUNE_EINVAL, "%s: band %zu "
			                      "('%s') overlaps or comes before "
			                      "band %zu ('%s'): give bands in "
			                      "increasing order without overlap",
			                      where, i + 1, b->label, i,
			                      m->bands[i - 1].label);
	}
	return ATTUNE_OK;
}

int attune_traj_bands_parse(attune_traj_model *m, const char *list,
                            attune_err *err)
{
	attune_traj_model tmp;
	const char *p = list, *end;
	size_t n, k1, k2, i = 0;
	int rc;

	model_clear(&tmp);
	if (!list || !*list)
		return attune_err_set(err, ATTUNE_EINVAL, "--bands: empty list");
	for (;;) {
		attune_traj_band *b;
		end = strchr(p, ',');
		n = end ? (size_t)(end - p) : strlen(p);
		if (i == ATTUNE_TRAJ_BANDS_MAX)
			return attune_err_set(err, ATTUNE_ELIMIT, "--bands: more "
			                      "than %d bands", ATTUNE_TRAJ_BANDS_MAX);
		b = &tmp.bands[i];
		k1 = num_span(p, n);
		k2 = k1 && k1 + 1 < n && p[k1] == '-' ?
		     num_span(p + k1 + 1, n - k1 - 1) : 0;
		if (!k1 || !k2 || k1 + 1 + k2 != n || n > ATTUNE_ID_MAX ||
		    parse_num(p, k1, &b->low) != 0 ||
		    parse_num(p + k1 + 1, k2, &b->high) != 0)
			return attune_err_set(err, ATTUNE_EINVAL, "--bands: entry "
			                      "%zu '%.*s' is not LOW-HIGH (e.g. "
			                      "10-14)", i + 1, (int)(n > 40 ? 40 : n),
			                      p);
		memcpy(b->label, p, n);
		b->label[n] = '\0';
		i++;
		if (!end)
			break;
		p = end + 1;
	}
	tmp.n_bands = i;
	if ((rc = bands_check(&tmp, "--bands", err)))
		return rc;
	*m = tmp;
	return ATTUNE_OK;
}

int attune_traj_bands_from_instrument(attune_traj_model *m,
                                      const attune_instrument *in,
                                      attune_err *err)
{
	attune_traj_model tmp;
	size_t i, n;
	int rc;

	model_clear(&tmp);
	if (in->n_bands == 0)
		return attune_err_set(err, ATTUNE_EINVAL, "%s has no severity "
		                      "bands: give --bands", in->id);
	if (in->n_bands > ATTUNE_TRAJ_BANDS_MAX)
		return attune_err_set(err, ATTUNE_ELIMIT, "%s has more than %d "
		                      "bands", in->id, ATTUNE_TRAJ_BANDS_MAX);
	n = strlen(in->id);
	if (n > ATTUNE_ID_MAX)
		return attune_err_set(err, ATTUNE_ELIMIT, "instrument id longer "
		                      "than %d bytes", ATTUNE_ID_MAX);
	memcpy(tmp.instrument, in->id, n + 1);
	tmp.direction = in->direction;
	for (i = 0; i < in->n_bands; i++) {
		const char *z = in->bands[i].label ? in->bands[i].label : "";
		n = strlen(z);
		if (n > ATTUNE_ID_MAX)
			return attune_err_set(err, ATTUNE_ELIMIT, "%s: band label "
			                      "'%.40s...' is longer than %d bytes",
			                      in->id, z, ATTUNE_ID_MAX);
		memcpy(tmp.bands[i].label, z, n + 1);
		tmp.bands[i].low = in->bands[i].min;
		tmp.bands[i].high = in->bands[i].max;
	}
	tmp.n_bands = in->n_bands;
	/* Instruments may list bands in any order; a model wants them
	 * increasing (insertion sort of at most 16). */
	for (i = 1; i < tmp.n_bands; i++) {
		attune_traj_band b = tmp.bands[i];
		size_t j = i;
		while (j > 0 && tmp.bands[j - 1].low > b.low) {
			tmp.bands[j] = tmp.bands[j - 1];
			j--;
		}
		tmp.bands[j] = b;
	}
	if ((rc = bands_check(&tmp, in->id, err)))
		return rc;
	*m = tmp;
	return ATTUNE_OK;
}

int attune_traj_band_of(const attune_traj_model *m, double x)
{
	size_t i;

	if (isnan(x))
		return -1;
	for (i = 0; i < m->n_bands; i++)
		if (x >= m->bands[i].low && x <= m->bands[i].high)
			return (int)i;
	return -1;
}

int attune_traj_band_fitted(const attune_traj_model *m, size_t i)
{
	return i < m->n_bands && !isnan(m->bands[i].intercept) &&
	       !isnan(m->bands[i].slope) && !isnan(m->bands[i].sd);
}

/* ---- Fitting -------------------------------------------------------- */

/* Running mean and sum of squared deviations of the scores of one band
 * at one session (Welford 1962, Technometrics 4:419): n += 1;
 * d = y - mean; mean += d / n; m2 += d * (y - mean). */
struct cell {
	double n, mean, m2;
};

struct attune_traj_fit {
	attune_traj_model m;
	int max_session;
	double lnt[ATTUNE_TRAJ_SESSIONS_MAX + 1];  /* lnt[t] = ln t */
	size_t persons[ATTUNE_TRAJ_BANDS_MAX];
	struct cell *cells;        /* [band * max_session + (t - 1)] */
};

int attune_traj_fit_new(const attune_traj_model *m, int max_session,
                        attune_traj_fit **out, attune_err *err)
{
	attune_traj_fit *f;
	int t;

	*out = NULL;
	if (max_session == 0)
		max_session = ATTUNE_TRAJ_SESSIONS_DEFAULT;
	if (max_session < 1 || max_session > ATTUNE_TRAJ_SESSIONS_MAX)
		return attune_err_set(err, ATTUNE_EINVAL, "the last session "
		                      "fitted must be 1..%d, not %d",
		                      ATTUNE_TRAJ_SESSIONS_MAX, max_session);
	if (m->n_bands == 0 || m->n_bands > ATTUNE_TRAJ_BANDS_MAX)
		return attune_err_set(err, ATTUNE_EINVAL, "a fit needs 1..%d "
		                      "intake bands", ATTUNE_TRAJ_BANDS_MAX);
	f = calloc(1, sizeof(*f));
	if (!f)
		return attune_err_set(err, ATTUNE_ENOMEM, "out of memory");
	f->cells = calloc(m->n_bands * (size_t)max_session,
	                  sizeof(*f->cells));
	if (!f->cells) {
		free(f);
		return attune_err_set(err, ATTUNE_ENOMEM, "out of memory");
	}
	f->m = *m;
	f->m.max_session = max_session;
	f->max_session = max_session;
	for (t = 1; t <= max_session; t++)
		f->lnt[t] = log((double)t);
	*out = f;
	return ATTUNE_OK;
}

void attune_traj_fit_free(attune_traj_fit *f)
{
	if (!f)
		return;
	free(f->cells);
	free(f);
}

attune_traj_skip attune_traj_fit_add(attune_traj_fit *f, const double *x,
                                     size_t n)
{
	struct cell *c;
	size_t k, nk;
	int b;

	if (n == 0 || isnan(x[0]))
		return ATTUNE_TRAJ_NO_INTAKE;
	b = attune_traj_band_of(&f->m, x[0]);
	if (b < 0)
		return ATTUNE_TRAJ_NO_BAND;
	f->persons[b]++;
	c = f->cells + (size_t)b * (size_t)f->max_session;
	nk = n < (size_t)f->max_session ? n : (size_t)f->max_session;
	for (k = 0; k < nk; k++) {
		double y = x[k], d;
		if (isnan(y))
			continue;
		c[k].n += 1;
		d = y - c[k].mean;
		c[k].mean += d / c[k].n;
		c[k].m2 += d * (y - c[k].mean);
	}
	return ATTUNE_TRAJ_USED;
}

/* Least squares of y on x = ln t from the per-session cells, exactly:
 * with N = sum n_t, mx = sum n_t x_t / N, my = sum n_t ybar_t / N,
 *   Sxx = sum n_t (x_t - mx)^2
 *   Sxy = sum n_t (x_t - mx)(ybar_t - my)
 *   Syy = sum [m2_t + n_t (ybar_t - my)^2]
 *   slope b = Sxy / Sxx, intercept a = my - b mx,
 *   SSE = Syy - b Sxy, residual SD s = sqrt(SSE / (N - 2))
 * (the normal equations of simple regression, e.g. Draper & Smith,
 * Applied Regression Analysis, 3rd ed., ch. 1; the residual SD is R's
 * summary(lm(y ~ log(t)))$sigma). */
static void fit_band(const attune_traj_fit *f, size_t b, size_t min_persons,
                     attune_traj_band *out)
{
	const struct cell *c = f->cells + b * (size_t)f->max_session;
	double N = 0, mx = 0, my = 0, sxx = 0, sxy = 0, syy = 0, sse;
	int t, nt = 0, last = 0;

	out->n_persons = f->persons[b];
	out->intercept = out->slope = out->sd = NAN;
	for (t = 1; t <= f->max_session; t++) {
		double n = c[t - 1].n;
		if (n == 0)
			continue;
		N += n;
		mx += n * f->lnt[t];
		my += n * c[t - 1].mean;
		nt++;
		last = t;
	}
	out->n_scores = (size_t)N;
	out->max_session = last;
	if (N < 3 || nt < 2 || out->n_persons < min_persons) {
		out->max_session = 0;
		return;
	}
	mx /= N;
	my /= N;
	for (t = 1; t <= f->max_session; t++) {
		double n = c[t - 1].n, dx, dy;
		if (n == 0)
			continue;
		dx = f->lnt[t] - mx;
		dy = c[t - 1].mean - my;
		sxx += n * dx * dx;
		sxy += n * dx * dy;
		syy += c[t - 1].m2 + n * dy * dy;
	}
	out->slope = sxy / sxx;
	out->intercept = my - out->slope * mx;
	sse = syy - out->slope * sxy;
	if (sse < 0)         /* rounding when the fit is exact */
		sse = 0;
	out->sd = sqrt(sse / (N - 2));
}

int attune_traj_fit_finish(const attune_traj_fit *f, size_t min_persons,
                           attune_traj_model *out, attune_err *err)
{
	size_t b;

	(void)err;
	if (min_persons < 1)
		min_persons = 1;
	*out = f->m;
	for (b = 0; b < f->m.n_bands; b++)
		fit_band(f, b, min_persons, &out->bands[b]);
	return ATTUNE_OK;
}

/* ---- Classification ------------------------------------------------- */

/* Inverse of the standard normal distribution function: algorithm AS 241
 * PPND16 (Wichura MJ 1988, Appl Stat 37:477-484), accurate to about
 * 1e-16; the algorithm of R's qnorm(). For 0 < p < 1. */
static double qnorm(double p)
{
	double q = p - 0.5, r, v;

	if (fabs(q) <= 0.425) {
		r = 0.180625 - q * q;
		return q * (((((((r * 2509.0809287301226727 +
		           33430.575583588128105) * r + 67265.770927008700853) * r +
		           45921.953931549871457) * r + 13731.693765509461125) * r +
		           1971.5909503065514427) * r + 133.14166789178437745) * r +
		           3.387132872796366608) /
		       (((((((r * 5226.495278852545925 +
		           28729.085735721942674) * r + 39307.89580009271061) * r +
		           21213.794301586595867) * r + 5394.1960214247511077) * r +
		           687.1870074920579083) * r + 42.313330701600911252) * r +
		           1.0);
	}
	r = q < 0 ? p : 1 - p;
	r = sqrt(-log(r));
	if (r <= 5.0) {
		r -= 1.6;
		v = (((((((r * 7.7454501427834140764e-4 +
		    0.0227238449892691845833) * r + 0.24178072517745061177) * r +
		    1.27045825245236838258) * r + 3.64784832476320460504) * r +
		    5.7694972214606914055) * r + 4.6303378461565452959) * r +
		    1.42343711074968357734) /
		    (((((((r * 1.05075007164441684324e-9 +
		    5.475938084995344946e-4) * r + 0.0151986665636164571966) * r +
		    0.14810397642748007459) * r + 0.68976733498510000455) * r +
		    1.6763848301838038494) * r + 2.05319162663775882187) * r +
		    1.0);
	} else {
		r -= 5.0;
		v = (((((((r * 2.01033439929228813265e-7 +
		    2.71155556874348757815e-5) * r + 0.0012426609473880784386) *
		    r + 0.026532189526576123093) * r + 0.29656057182850489123) *
		    r + 1.7848265399172913358) * r + 5.4637849111641143699) * r +
		    6.6579046435011037772) /
		    (((((((r * 2.04426310338993978564e-15 +
		    1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) *
		    r + 7.868691311456132591e-4) * r + 0.0148753612908506148525) *
		    r + 0.13692988092273580531) * r + 0.59983220655588793769) *
		    r + 1.0);
	}
	return q < 0 ? -v : v;
}

int attune_traj_params_init(attune_traj_params *p, double at_risk,
                            double not_on_track, attune_err *err)
{
	if (!(at_risk >= 0.5 && at_risk < 1) ||
	    !(not_on_track >= 0.5 && not_on_track < 1))
		return attune_err_set(err, ATTUNE_EINVAL, "tolerance percentiles "
		                      "must be at least 50 and below 100");
	if (at_risk > not_on_track)
		return attune_err_set(err, ATTUNE_EINVAL, "the at-risk percentile "
		                      "must not be above the not-on-track one");
	p->p_at_risk = at_risk;
	p->p_not_on_track = not_on_track;
	p->z_at_risk = qnorm(at_risk);
	p->z_not_on_track = qnorm(not_on_track);
	return ATTUNE_OK;
}

/* The OQ-45 signal rule in Finch et al. (2001) and Lambert et al.'s
 * feedback studies: a score beyond the tolerance boundary on the worse
 * side of the expected score is signalled; attune has two boundaries,
 *   lower is better:  y > E + z_nt s  -> not on track
 *                     y > E + z_ar s  -> at risk
 *                     otherwise       -> on track
 *   higher is better: the same with E - z s and y < ... .
 * The boundaries are computed once and the score compared with them, so
 * a score equal to a boundary shown in the output is always the milder
 * status. */
void attune_traj_point_at(const attune_traj_model *m,
                          const attune_traj_params *p, size_t b, int t,
                          double y, attune_traj_point *out)
{
	const attune_traj_band *band = &m->bands[b];
	int te = t < band->max_session ? t : band->max_session;
	double e, ar, nt;

	if (te < 1)
		te = 1;
	e = band->intercept + band->slope * log((double)te);
	ar = p->z_at_risk * band->sd;
	nt = p->z_not_on_track * band->sd;
	out->t = t;
	out->score = y;
	out->expected = e;
	out->lower = e - ar;
	out->upper = e + ar;
	out->status = ATTUNE_TRAJ_NONE;
	if (m->direction == ATTUNE_HIGHER_IS_BETTER) {
		out->limit = e - nt;
		if (t > 1 && !isnan(y))
			out->status = y < out->limit ? ATTUNE_TRAJ_NOT_ON_TRACK :
			              y < out->lower ? ATTUNE_TRAJ_AT_RISK :
			              ATTUNE_TRAJ_ON_TRACK;
	} else {
		out->limit = e + nt;
		if (t > 1 && !isnan(y))
			out->status = y > out->limit ? ATTUNE_TRAJ_NOT_ON_TRACK :
			              y > out->upper ? ATTUNE_TRAJ_AT_RISK :
			              ATTUNE_TRAJ_ON_TRACK;
	}
}

void attune_traj_classify(const attune_traj_model *m,
                          const attune_traj_params *p, const double *x,
                          size_t n, int first, attune_traj_point *points,
                          attune_traj_result *out)
{
	attune_traj_point pt;
	size_t k;
	int b = -1;

	memset(out, 0, sizeof(*out));
	out->band = -1;
	out->intake = n ? x[0] : NAN;
	out->intake_session = first;
	out->last.session = first;
	out->last.t = 1;
	out->last.score = out->last.expected = out->last.lower = NAN;
	out->last.upper = out->last.limit = NAN;
	if (n == 0 || isnan(x[0]))
		out->skip = ATTUNE_TRAJ_NO_INTAKE;
	else if ((b = attune_traj_band_of(m, x[0])) < 0)
		out->skip = ATTUNE_TRAJ_NO_BAND;
	else if (!attune_traj_band_fitted(m, (size_t)b))
		out->skip = ATTUNE_TRAJ_NOT_FITTED;
	out->band = b;
	for (k = 0; k < n; k++) {
		if (out->skip != ATTUNE_TRAJ_USED) {
			if (!points)
				break;
			memset(&pt, 0, sizeof(pt));
			pt.t = (int)k + 1;
			pt.score = x[k];
			pt.expected = pt.lower = pt.upper = pt.limit = NAN;
		} else if (!points && (k == 0 || isnan(x[k]))) {
			continue;    /* nothing to judge, nothing to report */
		} else {
			attune_traj_point_at(m, p, (size_t)b, (int)k + 1, x[k],
			                     &pt);
		}
		pt.session = first + (int)k;
		if (points)
			points[k] = pt;
		if (pt.status != ATTUNE_TRAJ_NONE) {
			out->n_judged++;
			out->n_at_risk += pt.status == ATTUNE_TRAJ_AT_RISK;
			out->n_not_on_track +=
				pt.status == ATTUNE_TRAJ_NOT_ON_TRACK;
			out->last = pt;
		}
	}
}

const char *attune_traj_status_name(attune_traj_status s)
{
	switch (s) {
	case ATTUNE_TRAJ_ON_TRACK: return "on-track";
	case ATTUNE_TRAJ_AT_RISK: return "at-risk";
	case ATTUNE_TRAJ_NOT_ON_TRACK: return "not-on-track";
	case ATTUNE_TRAJ_NONE: break;
	}
	return "";
}

/* ---- Model files ---------------------------------------------------- */

static const char *direction_name(attune_direction d)
{
	return d == ATTUNE_HIGHER_IS_BETTER ? "higher-is-better"
	                                    : "lower-is-better";
}

static const char csv_cols[] = "format,instrument,direction,fit_sessions,"
	"band,low,high,persons,scores,intercept,slope,sd,last_session";

/* A CSV field, quoted when it holds a comma, quote or line break. */
static void csv_put(strbuf *b, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		sb_puts(b, s);
		return;
	}
	sb_putc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			sb_putc(b, '"');
		sb_putc(b, *s);
	}
	sb_putc(b, '"');
}

static void json_num(strbuf *b, double v)
{
	if (isnan(v))
		sb_puts(b, "null");
	else
		sb_num(b, v);
}

int attune_traj_model_format(const attune_traj_model *m, int json,
                             char **out, size_t *len)
{
	strbuf b;
	size_t i;
	int rc = ATTUNE_OK;

	*out = NULL;
	sb_init(&b, (size_t)1 << 20);
	if (json) {
		sb_puts(&b, "{\"format\": \"" ATTUNE_TRAJ_FORMAT "\", "
		            "\"instrument\": ");
		sb_json_str(&b, m->instrument);
		sb_printf(&b, ", \"direction\": \"%s\", \"fit_sessions\": %d, "
		          "\"bands\": [", direction_name(m->direction),
		          m->max_session);
		for (i = 0; i < m->n_bands; i++) {
			const attune_traj_band *d = &m->bands[i];
			sb_puts(&b, i ? ",\n  {\"band\": " : "\n  {\"band\": ");
			sb_json_str(&b, d->label);
			sb_puts(&b, ", \"low\": ");
			sb_num(&b, d->low);
			sb_puts(&b, ", \"high\": ");
			sb_num(&b, d->high);
			sb_printf(&b, ", \"persons\": %zu, \"scores\": %zu, "
			          "\"intercept\": ", d->n_persons, d->n_scores);
			json_num(&b, d->intercept);
			sb_puts(&b, ", \"slope\": ");
			json_num(&b, d->slope);
			sb_puts(&b, ", \"sd\": ");
			json_num(&b, d->sd);
			sb_printf(&b, ", \"last_session\": %d}", d->max_session);
		}
		sb_puts(&b, "\n]}\n");
	} else {
		sb_puts(&b, csv_cols);
		sb_putc(&b, '\n');
		for (i = 0; i < m->n_bands; i++) {
			const attune_traj_band *d = &m->bands[i];
			sb_puts(&b, ATTUNE_TRAJ_FORMAT ",");
			csv_put(&b, m->instrument);
			sb_printf(&b, ",%s,%d,", direction_name(m->direction),
			          m->max_session);
			csv_put(&b, d->label);
			sb_putc(&b, ',');
			sb_num(&b, d->low);
			sb_putc(&b, ',');
			sb_num(&b, d->high);
			sb_printf(&b, ",%zu,%zu,", d->n_persons, d->n_scores);
			sb_num(&b, d->intercept);
			sb_putc(&b, ',');
			sb_num(&b, d->slope);
			sb_putc(&b, ',');
			sb_num(&b, d->sd);
			sb_printf(&b, ",%d\n", d->max_session);
		}
	}
	*out = sb_detach(&b, &rc);
	if (len)
		*len = *out ? strlen(*out) : 0;
	return *out ? ATTUNE_OK : rc;
}

/* A name fit to print in CSV, JSON and messages: valid UTF-8 without
 * control characters. */
static int name_ok(const char *s)
{
	size_t i, n = strlen(s), bad;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return utf8_valid(s, n, &bad);
}

/* Checks shared by both readers once a model is filled in. */
static int model_check(const attune_traj_model *m, const char *zName,
                       attune_err *err)
{
	size_t i;

	if (!name_ok(m->instrument))
		return attune_err_set(err, ATTUNE_EINVAL, "%s: instrument: not "
		                      "valid UTF-8 text", zName);
	for (i = 0; i < m->n_bands; i++)
		if (!name_ok(m->bands[i].label))
			return attune_err_set(err, ATTUNE_EINVAL, "%s: band %zu: "
			                      "its name is not valid UTF-8 text "
			                      "(or has control characters)", zName,
			                      i + 1);
	if (m->n_bands == 0)
		return attune_err_set(err, ATTUNE_EINVAL, "%s: no bands", zName);
	if (m->max_session < 1 || m->max_session > ATTUNE_TRAJ_SESSIONS_MAX)
		return attune_err_set(err, ATTUNE_EINVAL, "%s: fit_sessions must "
		                      "be 1..%d", zName, ATTUNE_TRAJ_SESSIONS_MAX);
	for (i = 0; i < m->n_bands; i++) {
		const attune_traj_band *b = &m->bands[i];
		int nan = !!isnan(b->intercept) + !!isnan(b->slope) +
		          !!isnan(b->sd);
		if (nan != 0 && nan != 3)
			return attune_err_set(err, ATTUNE_EINVAL, "%s: band '%s': "
			                      "intercept, slope and sd are all "
			                      "given or all empty", zName, b->label);
		if (!nan && (!isfinite(b->intercept) || !isfinite(b->slope) ||
		             !isfinite(b->sd) || b->sd < 0))
			return attune_err_set(err, ATTUNE_EINVAL, "%s: band '%s': "
			                      "sd must be a number >= 0", zName,
			                      b->label);
		if (b->max_session < 0 || b->max_session > m->max_session ||
		    (!nan && b->max_session < 1))
			return attune_err_set(err, ATTUNE_EINVAL, "%s: band '%s': "
			                      "last_session must be 1..fit_sessions "
			                      "(0 when the band is not fitted)",
			                      zName, b->label);
	}
	return bands_check(m, zName, err);
}

static int parse_direction(const char *s, size_t n, attune_direction *d)
{
	if (n == 15 && memcmp(s, "lower-is-better", 15) == 0)
		*d = ATTUNE_LOWER_IS_BETTER;
	else if (n == 16 && memcmp(s, "higher-is-better", 16) == 0)
		*d = ATTUNE_HIGHER_IS_BETTER;
	else
		return -1;
	return 0;
}

enum { C_FORMAT, C_INSTRUMENT, C_DIRECTION, C_FIT_SESSIONS, C_BAND, C_LOW,
       C_HIGH, C_PERSONS, C_SCORES, C_INTERCEPT, C_SLOPE, C_SD, C_LAST,
       C_N };

static int csv_model(const char *buf, size_t len, const char *zName,
                     attune_traj_model *m, attune_err *err)
{
	static const char *const names[C_N] = {
		"format", "instrument", "direction", "fit_sessions", "band",
		"low", "high", "persons", "scores", "intercept", "slope", "sd",
		"last_session"
	};
	attune_csv *csv = NULL;
	const attune_csv_field *f;
	int col[C_N];
	size_t n, nh, i, j, line;
	int rc;

	rc = attune_csv_open_buf(buf, len, zName, &csv);
	if (rc) {
		rc = attune_err_set(err, rc, "out of memory");
		goto out;
	}
	if ((rc = attune_csv_next(csv, &f, &n, err)))
		goto out;
	for (j = 0; j < C_N; j++) {
		col[j] = -1;
		for (i = 0; i < n; i++)
			if (f[i].n == strlen(names[j]) &&
			    memcmp(f[i].p, names[j], f[i].n) == 0)
				col[j] = (int)i;
		if (col[j] < 0) {
			rc = attune_err_set(err, ATTUNE_EINVAL, "%s:1: no column "
			                    "'%s' (a model file has the columns "
			                    "%s)", zName, names[j], csv_cols);
			goto out;
		}
	}
	nh = n;
	for (;;) {
		attune_traj_band *b;
		attune_direction d;
		double v[C_N];

		if ((rc = attune_csv_next(csv, &f, &n, err)))
			goto out;
		if (n == 0)
			break;
		line = attune_csv_line(csv);
		if (n != nh) {
			rc = attune_err_set(err, ATTUNE_EINVAL, "%s:%zu: has %zu "
			                    "fields, the header has %zu", zName,
			                    line, n, nh);
			goto out;
		}
		if (f[col[C_FORMAT]].n != strlen(ATTUNE_TRAJ_FORMAT) ||
		    memcmp(f[col[C_FORMAT]].p, ATTUNE_TRAJ_FORMAT,
		           f[col[C_FORMAT]].n) != 0) {
			rc = attune_err_set(err, ATTUNE_EINVAL, "%s:%zu: column "
			                    "format: not '" ATTUNE_TRAJ_FORMAT "' "
			                    "(not an attune model file, or from a "
			                    "newer attune)", zName, line);
			goto out;
		}
		if (parse_direction(f[col[C_DIRECTION]].p, f[col[C_DIRECTION]].n,
		                    &d) != 0) {
			rc = attune_err_set(err, ATTUNE_EINVAL, "%s:%zu: column "
			                    "direction: lower-is-better or "
			                    "higher-is-better", zName, line);
			goto out;
		}
		if (f[col[C_INSTRUMENT]].n > ATTUNE_ID_MAX ||
		    f[col[C_BAND]].n > ATTUNE_ID_MAX) {
			rc = attune_err_set(err, ATTUNE_ELIMIT, "%s:%zu: instrument "
			                    "or band longer than %d bytes", zName,
			                    line, ATTUNE_ID_MAX);
			goto out;
		}
		for (j = C_FIT_SESSIONS; j < C_N; j++) {
			const attune_csv_field *g = &f[col[j]];
			int blank_ok = j == C_INTERCEPT || j == C_SLOPE ||
			               j == C_SD;
			if (j == C_BAND)
				continue;
			v[j] = NAN;
			if (g->n == 0 && blank_ok)
				continue;
			if (parse_num(g->p, g->n, &v[j]) != 0 ||
			    ((j == C_FIT_SESSIONS || j == C_PERSONS ||
			      j == C_SCORES || j == C_LAST) &&
			     (v[j] < 0 || v[j] != floor(v[j]) || v[j] > 1e15))) {
				rc = attune_err_set(err, ATTUNE_EINVAL, "%s:%zu: "
				                    "column %s: '%.*s' is not %s",
				                    zName, line, names[j],
				                    (int)(g->n > 40 ? 40 : g->n), g->p,
				                    j == C_LOW || j == C_HIGH ||
				                    blank_ok ? "a number"
				                    : "a whole number >= 0");
				goto out;
			}
		}
		if (m->n_bands == 0) {
			memcpy(m->instrument, f[col[C_INSTRUMENT]].p,
			       f[col[C_INSTRUMENT]].n);
			m->instrument[f[col[C_INSTRUMENT]].n] = '\0';
			m->direction = d;
			m->max_session = v[C_FIT_SESSIONS] > 1e6 ? -1
			                 : (int)v[C_FIT_SESSIONS];
		} else if (d != m->direction ||
		           (int)v[C_FIT_SESSIONS] != m->max_session ||
		           f[col[C_INSTRUMENT]].n != strlen(m->instrument) ||
		           memcmp(f[col[C_INSTRUMENT]].p, m->instrument,
		                  f[col[C_INSTRUMENT]].n) != 0) {
			rc = attune_err_set(err, ATTUNE_EINVAL, "%s:%zu: instrument, "
			                    "direction and fit_sessions must be the "
			                    "same on every row", zName, line);
			goto out;
		}
		if (m->n_bands == ATTUNE_TRAJ_BANDS_MAX) {
			rc = attune_err_set(err, ATTUNE_ELIMIT, "%s:%zu: more than "
			                    "%d bands", zName, line,
			                    ATTUNE_TRAJ_BANDS_MAX);
			goto out;
		}
		b = &m->bands[m->n_bands++];
		memcpy(b->label, f[col[C_BAND]].p, f[col[C_BAND]].n);
		b->label[f[col[C_BAND]].n] = '\0';
		b->low = v[C_LOW];
		b->high = v[C_HIGH];
		b->n_persons = (size_t)v[C_PERSONS];
		b->n_scores = (size_t)v[C_SCORES];
		b->intercept = v[C_INTERCEPT];
		b->slope = v[C_SLOPE];
		b->sd = v[C_SD];
		b->max_session = v[C_LAST] > 1e6 ? -1 : (int)v[C_LAST];
	}
	rc = ATTUNE_OK;
out:
	attune_csv_close(csv);
	return rc;
}

/* A JSON number member (or null when nullable). */
static int jnum(const cJSON *o, const char *key, int nullable, double *v)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);

	if (nullable && cJSON_IsNull(j)) {
		*v = NAN;
		return 0;
	}
	if (!cJSON_IsNumber(j))
		return -1;
	*v = j->valuedouble;
	return 0;
}

static int jcount(const cJSON *o, const char *key, double *v)
{
	return jnum(o, key, 0, v) != 0 || *v < 0 || *v != floor(*v) ||
	       *v > 1e15 ? -1 : 0;
}

static int jstr(const cJSON *o, const char *key, char *out)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
	size_t n;

	if (!cJSON_IsString(j) || !j->valuestring)
		return -1;
	n = strlen(j->valuestring);
	if (n > ATTUNE_ID_MAX)
		return -1;
	memcpy(out, j->valuestring, n + 1);
	return 0;
}

static int json_model(const char *buf, size_t len, const char *zName,
                      attune_traj_model *m, attune_err *err)
{
	const cJSON *bands, *b;
	cJSON *root;
	char z[ATTUNE_ID_MAX + 1];
	double v;
	size_t i = 0;
	int rc = ATTUNE_EINVAL;

	root = cJSON_ParseWithLength(buf, len);
	if (!root)
		return attune_err_set(err, ATTUNE_EINVAL, "%s: not valid JSON",
		                      zName);
	if (jstr(root, "format", z) || strcmp(z, ATTUNE_TRAJ_FORMAT) != 0) {
		attune_err_set(err, rc, "%s: $.format: not '" ATTUNE_TRAJ_FORMAT
		               "' (not an attune model file, or from a newer "
		               "attune)", zName);
		goto out;
	}
	if (jstr(root, "instrument", m->instrument)) {
		attune_err_set(err, rc, "%s: $.instrument: a string of at most "
		               "%d bytes", zName, ATTUNE_ID_MAX);
		goto out;
	}
	if (jstr(root, "direction", z) ||
	    parse_direction(z, strlen(z), &m->direction)) {
		attune_err_set(err, rc, "%s: $.direction: lower-is-better or "
		               "higher-is-better", zName);
		goto out;
	}
	if (jcount(root, "fit_sessions", &v) || v > 1e6) {
		attune_err_set(err, rc, "%s: $.fit_sessions: a whole number",
		               zName);
		goto out;
	}
	m->max_session = (int)v;
	bands = cJSON_GetObjectItemCaseSensitive(root, "bands");
	if (!cJSON_IsArray(bands)) {
		attune_err_set(err, rc, "%s: $.bands: an array", zName);
		goto out;
	}
	cJSON_ArrayForEach(b, bands) {
		attune_traj_band *d;
		double np, ns, last;
		if (i == ATTUNE_TRAJ_BANDS_MAX) {
			rc = ATTUNE_ELIMIT;
			attune_err_set(err, rc, "%s: $.bands: more than %d bands",
			               zName, ATTUNE_TRAJ_BANDS_MAX);
			goto out;
		}
		d = &m->bands[i];
		if (jstr(b, "band", d->label) || jnum(b, "low", 0, &d->low) ||
		    jnum(b, "high", 0, &d->high) ||
		    jcount(b, "persons", &np) || jcount(b, "scores", &ns) ||
		    jnum(b, "intercept", 1, &d->intercept) ||
		    jnum(b, "slope", 1, &d->slope) || jnum(b, "sd", 1, &d->sd) ||
		    jcount(b, "last_session", &last) || last > 1e6) {
			attune_err_set(err, rc, "%s: $.bands[%zu]: needs band "
			               "(string), low, high, persons, scores, "
			               "intercept, slope, sd (numbers or null) and "
			               "last_session", zName, i);
			goto out;
		}
		d->n_persons = (size_t)np;
		d->n_scores = (size_t)ns;
		d->max_session = (int)last;
		i++;
	}
	m->n_bands = i;
	rc = ATTUNE_OK;
out:
	cJSON_Delete(root);
	return rc;
}

int attune_traj_model_parse(const char *buf, size_t len, const char *zName,
                            attune_traj_model *m, attune_err *err)
{
	attune_traj_model tmp;
	size_t i = 0;
	int rc;

	model_clear(&tmp);
	tmp.max_session = 0;
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' ||
	                   buf[i] == '\n'))
		i++;
	if (i < len && buf[i] == '{')
		rc = json_model(buf, len, zName, &tmp, err);
	else
		rc = csv_model(buf, len, zName, &tmp, err);
	if (rc == ATTUNE_OK)
		rc = model_check(&tmp, zName, err);
	if (rc == ATTUNE_OK)
		*m = tmp;
	return rc;
}
