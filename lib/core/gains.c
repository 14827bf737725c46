/* gains.c - sudden gains and losses (Tang & DeRubeis 1999) as the R
 * package suddengains 0.7 (Wiedemann, Thew, Stott & Ehlers 2020, PLOS ONE
 * 15:e0230276) computes them; the t critical value from Abramowitz &
 * Stegun; the crit-1 cut-off from Jacobson & Truax 1991. */
#include <math.h>
#include "attune/gains.h"
#include "attune/series.h"
#include "util/util_int.h"

#define PI_2 1.57079632679489661923

void attune_gains_params_default(attune_gains_params *p)
{
	p->losses = 0;
	p->crit1 = 1;
	p->cutoff = NAN;
	p->crit2 = 1;
	p->pct = 0.25;
	p->crit3 = 1;
	p->alpha = 0.05;
	p->crit3_adjust = 1;
	p->critical_value = 2.776;
	p->reversal_from = 2;
}

/* P(|T| <= t) for Student's t with df degrees of freedom, written with
 * theta = atan(t / sqrt(df)), c = cos theta, s = sin theta
 * (Abramowitz & Stegun 1964, Handbook of Mathematical Functions, 26.7.3
 * and 26.7.4, exact for whole df):
 *   df = 1:         A = 2 theta / pi
 *   df odd >= 3:    A = 2/pi (theta + s (c + 2/3 c^3 + ...
 *                       + (2.4...(df-3)) / (1.3...(df-2)) c^(df-2)))
 *   df even:        A = s (1 + 1/2 c^2 + 1.3/(2.4) c^4 + ...
 *                       + (1.3...(df-3)) / (2.4...(df-2)) c^(df-2))
 * Bounded: (df - 1) / 2 terms at most. */
static double t_two_sided(double theta, int df)
{
	double c = cos(theta), s = sin(theta), c2 = c * c, term, sum;
	int k;

	if (df % 2 == 0) {
		term = 1.0;
		sum = 1.0;
		for (k = 1; k <= (df - 2) / 2; k++) {
			term *= (2.0 * k - 1.0) / (2.0 * k) * c2;
			sum += term;
		}
		return s * sum;
	}
	if (df == 1)
		return theta / PI_2;
	term = c;
	sum = c;
	for (k = 1; k <= (df - 3) / 2; k++) {
		term *= (2.0 * k) / (2.0 * k + 1.0) * c2;
		sum += term;
	}
	return (theta + s * sum) / PI_2;
}

int attune_gains_t_crit(double alpha, int df, double *t, attune_err *err)
{
	double lo = 0.0, hi = PI_2, mid, target;
	int k, rc = ATTUNE_OK;

	if (!(alpha > 0.0 && alpha < 1.0)) {
		rc = attune_err_set(err, ATTUNE_EINVAL, "alpha must be between "
		                    "0 and 1 (exclusive)");
		goto out;
	}
	if (df < 1 || df > 1000) {
		rc = attune_err_set(err, ATTUNE_EINVAL, "degrees of freedom "
		                    "must be 1..1000, not %d", df);
		goto out;
	}
	/* A(theta) rises from 0 at theta = 0 to 1 at pi/2: bisect on theta
	 * for A = 1 - alpha until the bracket stops shrinking (at most ~60
	 * halvings in double precision), then t = sqrt(df) tan(theta). */
	target = 1.0 - alpha;
	for (k = 0; k < 200; k++) {
		mid = lo + (hi - lo) / 2;
		if (mid <= lo || mid >= hi)
			break;
		if (t_two_sided(mid, df) < target)
			lo = mid;
		else
			hi = mid;
	}
	*t = sqrt((double)df) * tan(lo + (hi - lo) / 2);
out:
	return rc;
}

int attune_gains_config(const attune_gains_params *p, attune_gains_cfg *cfg,
                        attune_err *err)
{
	int df, rc = ATTUNE_OK;

	if (!p->crit1 && !p->crit2 && !p->crit3) {
		rc = attune_err_set(err, ATTUNE_EINVAL, "apply at least one of "
		                    "the three criteria");
		goto out;
	}
	if (p->crit1 && !(isfinite(p->cutoff) && p->cutoff >= 0)) {
		rc = attune_err_set(err, ATTUNE_EINVAL, "cut-off (criterion 1) "
		                    "must be a number >= 0");
		goto out;
	}
	if (p->crit2 && !(isfinite(p->pct) && p->pct >= 0)) {
		rc = attune_err_set(err, ATTUNE_EINVAL, "percentage (criterion "
		                    "2) must be a number >= 0 (0.25 = 25 %%)");
		goto out;
	}
	if (p->crit3 && p->crit3_adjust && !(p->alpha > 0 && p->alpha < 1)) {
		rc = attune_err_set(err, ATTUNE_EINVAL, "alpha (criterion 3) "
		                    "must be between 0 and 1 (exclusive)");
		goto out;
	}
	if (p->crit3 && !p->crit3_adjust &&
	    !(isfinite(p->critical_value) && p->critical_value >= 0)) {
		rc = attune_err_set(err, ATTUNE_EINVAL, "critical value "
		                    "(criterion 3) must be a number >= 0");
		goto out;
	}
	if (p->reversal_from < 2 || p->reversal_from > ATTUNE_SERIES_MAX) {
		rc = attune_err_set(err, ATTUNE_EINVAL, "reversal: the first "
		                    "session looked at must be N+2 .. N+%d",
		                    ATTUNE_SERIES_MAX);
		goto out;
	}
	cfg->p = *p;
	for (df = 0; df <= ATTUNE_GAINS_DF_MAX; df++)
		cfg->t[df] = NAN;
	if (p->crit3 && p->crit3_adjust)
		for (df = 2; df <= ATTUNE_GAINS_DF_MAX; df++)
			if ((rc = attune_gains_t_crit(p->alpha, df, &cfg->t[df],
			                              err)))
				goto out;
out:
	return rc;
}

size_t attune_gains_n_intervals(size_t n)
{
	return n >= 4 ? n - 3 : 0;
}

/* Mean and sum of squared deviations of the values present in
 * x[lo..hi]; returns how many there were. */
static int window(const double *x, size_t lo, size_t hi, double *mean,
                  double *ss)
{
	double sum = 0, m, d, s = 0;
	size_t k;
	int n = 0;

	for (k = lo; k <= hi; k++)
		if (!isnan(x[k])) {
			sum += x[k];
			n++;
		}
	m = n ? sum / n : NAN;
	for (k = lo; k <= hi; k++)
		if (!isnan(x[k])) {
			d = x[k] - m;
			s += d * d;
		}
	*mean = m;
	*ss = s;
	return n;
}

/* Product of criteria as R's crit1 * crit2 * crit3 over those applied:
 * NA when any is NA, else 1 only when all are 1. */
static signed char combine(signed char a, signed char b, signed char c)
{
	signed char v[3] = {a, b, c}, r = ATTUNE_CRIT_YES;
	int k;

	for (k = 0; k < 3; k++) {
		if (v[k] == ATTUNE_CRIT_OFF)
			continue;
		if (v[k] == ATTUNE_CRIT_NA)
			return ATTUNE_CRIT_NA;
		if (v[k] == ATTUNE_CRIT_NO)
			r = ATTUNE_CRIT_NO;
	}
	return r;
}

/* Judge interval i (x_N = x[i], x_{N+1} = x[i+1]). With quick set, stop
 * as soon as the interval cannot be a gain (crit123 then says NO, which
 * may hide an NA: only attune_gains_find uses it). */
static void judge(const attune_gains_cfg *cfg, const double *x, size_t n,
                  size_t i, attune_gains_check *o, int quick)
{
	const attune_gains_params *p = &cfg->p;
	double a = x[i], b = x[i + 1], rise, ss_pre, ss_post;
	size_t lo = i >= 2 ? i - 2 : 0, hi = i + 3 < n ? i + 3 : n - 1;
	int df;

	o->i = i;
	o->crit1 = o->crit2 = o->crit3 = ATTUNE_CRIT_OFF;
	o->n_pre = o->n_post = 0;
	o->mean_pre = o->mean_post = o->sd_pooled = o->t = NAN;
	o->change = a - b;
	/* The change in the direction looked for: a fall for gains, a rise
	 * for losses. NaN when x_N or x_{N+1} is missing. */
	rise = p->losses ? b - a : a - b;

	/* Criterion 1 (Tang & DeRubeis 1999, p. 895): the change is large
	 * in absolute terms, x_N - x_{N+1} >= cutoff (identify_sg); for
	 * losses x_{N+1} - x_N >= cutoff (identify_sl's
	 * x_N - x_{N+1} <= -cutoff). */
	if (p->crit1) {
		o->crit1 = isnan(rise) ? ATTUNE_CRIT_NA
		         : rise >= p->cutoff ? ATTUNE_CRIT_YES : ATTUNE_CRIT_NO;
		if (quick && o->crit1 != ATTUNE_CRIT_YES)
			goto no;
	}
	/* Criterion 2: the change is large relative to where it started,
	 * x_N - x_{N+1} >= pct * x_N. For losses attune mirrors it,
	 * x_{N+1} - x_N >= pct * x_N; the package's identify_sl tests
	 * x_N - x_{N+1} <= pct * x_N, which every rise passes (see
	 * docs/analytics.md (section 2)). */
	if (p->crit2) {
		o->crit2 = isnan(rise) ? ATTUNE_CRIT_NA
		         : rise >= p->pct * a ? ATTUNE_CRIT_YES : ATTUNE_CRIT_NO;
		if (quick && o->crit2 != ATTUNE_CRIT_YES)
			goto no;
	}
	/* Criterion 3: the change is large relative to the fluctuation
	 * around it. Pre = x_{N-2..N}, post = x_{N+1..N+3}, missing scores
	 * left out, at least 2 on each side (else NA):
	 *   mean_pre - mean_post > t * s_pooled   (losses: post - pre)
	 *   s_pooled = sqrt(((n_pre - 1) s_pre^2 + (n_post - 1) s_post^2)
	 *                   / (n_pre + n_post - 2))
	 *   t = |qt(alpha / 2, n_pre + n_post - 2)|: 2.776 with nothing
	 *       missing, 3.182 with one missing, 4.303 with one missing on
	 *       each side at alpha .05 (Lutz et al. 2013; identify_sg's
	 *       sg_crit3_adjust = TRUE), or one fixed value. */
	if (p->crit3) {
		o->n_pre = window(x, lo, i, &o->mean_pre, &ss_pre);
		o->n_post = window(x, i + 1, hi, &o->mean_post, &ss_post);
		if (o->n_pre < 2 || o->n_post < 2) {
			o->crit3 = ATTUNE_CRIT_NA;
			o->mean_pre = o->mean_post = NAN;
		} else {
			df = o->n_pre + o->n_post - 2;
			o->t = p->crit3_adjust ? cfg->t[df] : p->critical_value;
			o->sd_pooled = sqrt((ss_pre + ss_post) / df);
			o->crit3 = (p->losses ? o->mean_post - o->mean_pre
			                      : o->mean_pre - o->mean_post) >
			           o->t * o->sd_pooled ? ATTUNE_CRIT_YES
			                               : ATTUNE_CRIT_NO;
		}
	}
	o->crit123 = combine(o->crit1, o->crit2, o->crit3);
	return;
no:
	o->crit123 = ATTUNE_CRIT_NO;
}

int attune_gains_check_interval(const attune_gains_cfg *cfg, const double *x,
                                size_t n, size_t i, attune_gains_check *out,
                                attune_err *err)
{
	int rc = ATTUNE_OK;

	if (n < 4 || i < 1 || i > n - 3) {
		rc = attune_err_set(err, ATTUNE_EINVAL, "interval %zu: a series "
		                    "of %zu scores has intervals 1..%zu", i, n,
		                    n >= 4 ? n - 3 : 0);
		goto out;
	}
	judge(cfg, x, n, i, out, 0);
out:
	return rc;
}

/* Fill the create_bysg columns of a gain found at g->c.i. */
static void describe(const attune_gains_cfg *cfg, const double *x, size_t n,
                     double tx_start, double tx_end, attune_gain *g)
{
	size_t i = g->c.i, k;
	int j;

	g->i = i;
	/* extract_values: x_{N-2} .. x_{N+3}. */
	for (j = 0; j < 6; j++) {
		k = i + (size_t)j;
		g->around[j] = k >= 2 && k - 2 < n ? x[k - 2] : NAN;
	}
	/* create_bysg: sg_magnitude = x_N - x_{N+1};
	 * tx_change = start - end;
	 * sg_change_proportion = magnitude / tx_change (|magnitude| for
	 * losses); sg_reversal_value = x_{N+1} + magnitude / 2. */
	g->magnitude = x[i] - x[i + 1];
	g->tx_change = tx_start - tx_end;
	g->change_proportion = g->tx_change == 0 ? NAN
	        : (cfg->p.losses ? fabs(g->magnitude) : g->magnitude) /
	          g->tx_change;
	g->reversal_value = x[i + 1] + g->magnitude / 2;
	/* Reversal (Tang & DeRubeis 1999: half the gain lost again): any
	 * score from session N + reversal_from to the end above the
	 * reversal value (below it for losses). */
	g->reversal = 0;
	if (!isnan(g->reversal_value))
		for (k = i + (size_t)cfg->p.reversal_from; k < n; k++)
			if (cfg->p.losses ? x[k] < g->reversal_value
			                  : x[k] > g->reversal_value) {
				g->reversal = 1;
				break;
			}
}

int attune_gains_find(const attune_gains_cfg *cfg, const double *x, size_t n,
                      double tx_start, double tx_end, attune_gain *out,
                      size_t cap, size_t *n_found, attune_err *err)
{
	size_t i, found = 0, m = attune_gains_n_intervals(n);
	int rc = ATTUNE_OK;

	if (cap < m) {
		rc = attune_err_set(err, ATTUNE_EINVAL, "room for %zu gains, "
		                    "a series of %zu scores can have %zu", cap,
		                    n, m);
		goto out;
	}
	for (i = 1; i <= m; i++) {
		judge(cfg, x, n, i, &out[found].c, 1);
		if (out[found].c.crit123 != ATTUNE_CRIT_YES)
			continue;
		describe(cfg, x, n, tx_start, tx_end, &out[found]);
		found++;
	}
out:
	*n_found = found;
	return rc;
}

size_t attune_gains_select(const attune_gain *g, size_t n,
                           attune_gains_pick pick, int losses)
{
	size_t k, best = n;
	double size, best_size = NAN;

	if (n == 0)
		return n;
	switch (pick) {
	case ATTUNE_GAINS_FIRST:
		return 0;
	case ATTUNE_GAINS_LAST:
		return n - 1;
	case ATTUNE_GAINS_LARGEST:
	case ATTUNE_GAINS_SMALLEST:
		/* create_byperson: keep sg_magnitude == max (min), then the
		 * earliest session. Gains are earliest first, so a strict
		 * comparison keeps the earliest of equals. */
		for (k = 0; k < n; k++) {
			size = losses ? -g[k].magnitude : g[k].magnitude;
			if (isnan(size))
				continue;
			if (best == n || (pick == ATTUNE_GAINS_LARGEST
			                  ? size > best_size : size < best_size)) {
				best = k;
				best_size = size;
			}
		}
		return best == n ? 0 : best;
	}
	return 0;
}

int attune_gains_crit1_cutoff(double sd, double reliability,
                              attune_gains_cutoff *out, attune_err *err)
{
	int rc = ATTUNE_OK;

	if (!(isfinite(sd) && sd >= 0)) {
		rc = attune_err_set(err, ATTUNE_EINVAL, "SD must be a number "
		                    ">= 0");
		goto out;
	}
	if (!(reliability >= 0 && reliability <= 1)) {
		rc = attune_err_set(err, ATTUNE_EINVAL, "reliability must be "
		                    "between 0 and 1");
		goto out;
	}
	/* define_crit1_cutoff after Jacobson & Truax 1991 (J Consult Clin
	 * Psychol 59:12-19): SE = SD sqrt(1 - r_xx); S_diff = sqrt(2 SE^2);
	 * cut-off = 1.96 S_diff. */
	out->sd = sd;
	out->reliability = reliability;
	out->sem = sd * sqrt(1 - reliability);
	out->sdiff = sqrt(2 * out->sem * out->sem);
	out->cutoff = 1.96 * out->sdiff;
out:
	return rc;
}

/* Welford 1962 (Technometrics 4:419): running mean and sum of squared
 * deviations, m2 += (v - mean_old)(v - mean_new); var = m2 / (n - 1). */
void attune_gains_sd_add(attune_gains_sd *acc, double v)
{
	double d;

	if (isnan(v))
		return;
	acc->n += 1;
	d = v - acc->mean;
	acc->mean += d / acc->n;
	acc->m2 += d * (v - acc->mean);
}

double attune_gains_sd_value(const attune_gains_sd *acc)
{
	return acc->n >= 2 ? sqrt(acc->m2 / (acc->n - 1)) : NAN;
}
