/* alliance.c - rupture-repair sequences in a series of session alliance
 * scores, and the client-therapist discrepancy of the same sessions
 * (alliance.h). Pure: no I/O, no allocation, no globals. The methods and
 * what attune does differently from each source are in
 * docs/analytics.md (section 3). */
#include <math.h>
#include <string.h>
#include "attune/alliance.h"
#include "attune/series.h"
#include "util/util_int.h"

/* Comparisons at a threshold ("at least k SD", "a drop of at least d")
 * allow a relative tolerance, so that a score lying exactly on the line
 * on paper still counts when the line is computed in floating point
 * (mean - k * SD is rarely exact). The tolerance scales with the
 * operands, so shifting or scaling every score does not change a
 * decision. */
#define REL_TOL 1e-9

/* a >= b, within the tolerance. */
static int ge(double a, double b)
{
	return a >= b - REL_TOL * (fabs(a) + fabs(b));
}

/* Mean and sample SD (n - 1 in the denominator) of the rated values of
 * x[0..n), two-pass for accuracy. *sd is NaN with fewer than 2 values. */
static void stats(const double *x, size_t n, double *mean, double *sd,
                  size_t *n_rated)
{
	double sum = 0, ss = 0;
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (!isnan(x[i])) {
			sum += x[i];
			k++;
		}
	*n_rated = k;
	*mean = k ? sum / (double)k : NAN;
	if (k < 2) {
		*sd = NAN;
		return;
	}
	for (i = 0; i < n; i++)
		if (!isnan(x[i]))
			ss += (x[i] - *mean) * (x[i] - *mean);
	*sd = sqrt(ss / (double)(k - 1));
}

/* The SD a choice stands for. Gumz et al. 2012 (BMC Med Res Methodol
 * 12:10, Discussion): combine the intraindividual and the
 * interindividual variability and "favor the stricter of the two
 * values", i.e. the larger SD, which sets the lower line. value is the
 * between-client (or fixed) SD; when it is NaN, fallback says whether
 * the within-client SD stands in (subscales, whose sample SD is
 * optional) or the answer is NaN (the searched series). */
static double choose_sd(attune_rupture_sd kind, double within, double value,
                        int fallback)
{
	switch (kind) {
	case ATTUNE_RUPTURE_SD_WITHIN:
		return within;
	case ATTUNE_RUPTURE_SD_BETWEEN:
	case ATTUNE_RUPTURE_SD_VALUE:
		return !isnan(value) ? value : fallback ? within : NAN;
	case ATTUNE_RUPTURE_SD_STRICTER:
		if (isnan(value))
			return fallback ? within : NAN;
		if (isnan(within))
			return value;
		return within > value ? within : value;
	}
	return NAN;
}

static int is_deviation(attune_rupture_rule r)
{
	return r == ATTUNE_RUPTURE_STILES || r == ATTUNE_RUPTURE_STRAUSS;
}

void attune_rupture_defaults(attune_rupture_rule rule,
                             attune_rupture_params *p)
{
	size_t j;

	memset(p, 0, sizeof(*p));
	p->rule = rule;
	/* Stiles et al. 2004: 2 SD; Strauss et al. 2006: 1 SD (both as
	 * summarised by Gumz et al. 2012, Discussion). */
	p->k = rule == ATTUNE_RUPTURE_STRAUSS ? 1.0 : 2.0;
	p->sd = ATTUNE_RUPTURE_SD_WITHIN;
	p->sd_value = NAN;
	for (j = 0; j < ATTUNE_SUBSCALES_MAX; j++)
		p->sd_value_sub[j] = NAN;
	/* SRS: a total below 36 flags an alliance concern (Duncan et al.
	 * 2003, J Brief Ther 3:3; the PCOMS feedback system). */
	p->cutoff = 36;
	/* attune's choice, on no published source: set it per scale. */
	p->drop = 5;
	p->repair = ATTUNE_REPAIR_DEFAULT;
	p->repair_within = 0;
	p->missing = ATTUNE_MISSING_SKIP;
}

int attune_rupture_check(const attune_rupture_params *p, attune_err *err)
{
	int dev;

	if (!p)
		return attune_err_set(err, ATTUNE_EINVAL, "rupture: no "
		                      "parameters");
	if (p->rule < ATTUNE_RUPTURE_STILES || p->rule > ATTUNE_RUPTURE_DROP)
		return attune_err_set(err, ATTUNE_EINVAL, "rupture: unknown "
		                      "rule %d", (int)p->rule);
	dev = is_deviation(p->rule);
	if (dev && !(p->k > 0 && isfinite(p->k)))
		return attune_err_set(err, ATTUNE_EINVAL, "rupture: k (the SD "
		                      "multiple) must be a number above 0");
	if (p->sd < ATTUNE_RUPTURE_SD_WITHIN || p->sd > ATTUNE_RUPTURE_SD_VALUE)
		return attune_err_set(err, ATTUNE_EINVAL, "rupture: unknown SD "
		                      "choice %d", (int)p->sd);
	if (p->sd != ATTUNE_RUPTURE_SD_WITHIN) {
		/* The deviation rules need the value; the others only use it
		 * for depth in SD and may leave it unknown. */
		if (isnan(p->sd_value) ? dev : !(p->sd_value > 0 &&
		                                 isfinite(p->sd_value)))
			return attune_err_set(err, ATTUNE_EINVAL, "rupture: the "
			                      "%s SD must be a number above 0",
			                      attune_rupture_sd_name(p->sd));
	}
	if (p->rule == ATTUNE_RUPTURE_CUTOFF && !isfinite(p->cutoff))
		return attune_err_set(err, ATTUNE_EINVAL, "rupture: the cut-off "
		                      "must be a number");
	if (p->rule == ATTUNE_RUPTURE_DROP && !(p->drop > 0 &&
	                                        isfinite(p->drop)))
		return attune_err_set(err, ATTUNE_EINVAL, "rupture: the drop "
		                      "must be a number above 0");
	if (p->repair < ATTUNE_REPAIR_DEFAULT || p->repair > ATTUNE_REPAIR_LINE)
		return attune_err_set(err, ATTUNE_EINVAL, "rupture: unknown "
		                      "repair rule %d", (int)p->repair);
	if (p->repair_within < 0)
		return attune_err_set(err, ATTUNE_EINVAL, "rupture: the repair "
		                      "window must be 0 (any time) or more "
		                      "sessions");
	if (p->missing != ATTUNE_MISSING_SKIP &&
	    p->missing != ATTUNE_MISSING_BREAK)
		return attune_err_set(err, ATTUNE_EINVAL, "rupture: unknown "
		                      "missing-session rule %d", (int)p->missing);
	return ATTUNE_OK;
}

/* The state of one detection pass. */
struct scan {
	const attune_alliance_series *s;
	const attune_rupture_params *p;
	attune_rupture_repair repair;
	double mean, sd, line;
	/* subscales: computed on the first sequence only */
	int sub_ready;
	double sub_mean[ATTUNE_SUBSCALES_MAX], sub_sd[ATTUNE_SUBSCALES_MAX];
	/* the open sequence */
	int open;
	size_t pre_i, start_i, low_i;
	int has_pre;
};

/* Does a score meet the rupture criterion? For the drop rule this needs
 * the previous score (prev, NaN when there is none). */
static int meets(const struct scan *sc, double v, double prev)
{
	switch (sc->p->rule) {
	case ATTUNE_RUPTURE_STILES:
	case ATTUNE_RUPTURE_STRAUSS:
		/* Stiles et al. 2004, Strauss et al. 2006: at least k SD below
		 * the client's mean: x <= mean - k * SD. */
		return ge(sc->line, v);
	case ATTUNE_RUPTURE_CUTOFF:
		/* Below the cut-off: x < cutoff (SRS: "below 36"). */
		return !ge(v, sc->p->cutoff);
	case ATTUNE_RUPTURE_DROP:
		/* A drop of at least d since the previous rated session:
		 * x[prev] - x >= d. */
		return !isnan(prev) && ge(prev - v, sc->p->drop);
	}
	return 0;
}

/* Is v, inside an open sequence, the return? */
static int repaired(const struct scan *sc, double v)
{
	const double *x = sc->s->x;
	attune_rupture_repair r = sc->repair;

	if (r == ATTUNE_REPAIR_PRE && !sc->has_pre)
		r = ATTUNE_REPAIR_LINE;  /* cut-off rule at the first session */
	switch (r) {
	case ATTUNE_REPAIR_MEAN:
		return ge(v, sc->mean);
	case ATTUNE_REPAIR_PRE:
		return ge(v, x[sc->pre_i]);
	case ATTUNE_REPAIR_LINE:
	case ATTUNE_REPAIR_DEFAULT:
		break;
	}
	switch (sc->p->rule) {
	case ATTUNE_RUPTURE_STILES:
	case ATTUNE_RUPTURE_STRAUSS:
		return !ge(sc->line, v);         /* x > mean - k SD */
	case ATTUNE_RUPTURE_CUTOFF:
		return ge(v, sc->p->cutoff);     /* x >= cutoff */
	case ATTUNE_RUPTURE_DROP:
		return !ge(x[sc->pre_i] - v, sc->p->drop); /* x > pre - d */
	}
	return 0;
}

/* Which subscale led the drop: the largest standardized drop at the
 * lowest session, z_j = (ref_j - sub_j[low]) / SD_j, where ref_j is the
 * subscale's own mean for the deviation rules and its score at the
 * pre-rupture session for the others (its mean when that is missing).
 * Only positive drops count; ties (within the tolerance) go to the
 * first subscale. */
static void lead_of(struct scan *sc, attune_rupture *r)
{
	const attune_alliance_series *s = sc->s;
	size_t j, nr;
	double best = 0;

	r->lead = -1;
	r->lead_z = NAN;
	if (!s->n_sub)
		return;
	if (!sc->sub_ready) {
		for (j = 0; j < s->n_sub; j++) {
			double w;
			stats(s->sub[j], s->n, &sc->sub_mean[j], &w, &nr);
			sc->sub_sd[j] = choose_sd(sc->p->sd, w,
			                          sc->p->sd_value_sub[j], 1);
		}
		sc->sub_ready = 1;
	}
	for (j = 0; j < s->n_sub; j++) {
		double v = s->sub[j][sc->low_i], ref = sc->sub_mean[j], z;
		if (!is_deviation(sc->p->rule) && sc->has_pre &&
		    !isnan(s->sub[j][sc->pre_i]))
			ref = s->sub[j][sc->pre_i];
		/* No drop (v at or above ref, within the tolerance): not a
		 * candidate, however the rounding of ref falls. */
		if (isnan(v) || isnan(ref) || !(sc->sub_sd[j] > 0) ||
		    ge(v, ref))
			continue;
		z = (ref - v) / sc->sub_sd[j];
		/* Larger beyond the tolerance: an exact tie on paper (7,7,6
		 * and 7,7,4 both give 2/sqrt(3)) stays with the first. */
		if (r->lead < 0 || !ge(best, z)) {
			best = z;
			r->lead = (int)j;
			r->lead_z = z;
		}
	}
}

/* Close the open sequence into out[*n]. */
static int emit(struct scan *sc, attune_rupture_status st, size_t repair_i,
                attune_rupture *out, size_t max_out, size_t *n)
{
	const attune_alliance_series *s = sc->s;
	attune_rupture r;

	sc->open = 0;
	if (*n >= max_out) {
		(*n)++;
		return ATTUNE_ELIMIT;
	}
	memset(&r, 0, sizeof(r));
	r.rule = sc->p->rule;
	r.status = st;
	r.pre = sc->has_pre ? s->first + (int)sc->pre_i : -1;
	r.start = s->first + (int)sc->start_i;
	r.lowest = s->first + (int)sc->low_i;
	r.repair = st == ATTUNE_RUPTURE_REPAIRED ? s->first + (int)repair_i
	                                         : -1;
	switch (sc->p->rule) {
	case ATTUNE_RUPTURE_STILES:
	case ATTUNE_RUPTURE_STRAUSS:
		r.reference = sc->mean;
		break;
	case ATTUNE_RUPTURE_CUTOFF:
		r.reference = sc->p->cutoff;
		break;
	case ATTUNE_RUPTURE_DROP:
		r.reference = s->x[sc->pre_i];
		break;
	}
	r.low = s->x[sc->low_i];
	r.depth = r.reference - r.low;
	r.sd = sc->sd;
	r.depth_sd = sc->sd > 0 ? r.depth / sc->sd : NAN;
	lead_of(sc, &r);
	out[(*n)++] = r;
	return ATTUNE_OK;
}

int attune_rupture_detect(const attune_alliance_series *s,
                          const attune_rupture_params *p,
                          attune_rupture *out, size_t max_out,
                          size_t *n_out, attune_err *err)
{
	struct scan sc;
	size_t i, nr, n = 0, prev = 0;
	int rc, has_prev = 0, full = 0;
	double within;

	if (n_out)
		*n_out = 0;
	if (!s || !n_out || (!out && max_out)) {
		rc = attune_err_set(err, ATTUNE_EINVAL, "rupture: no series or "
		                    "no place for the result");
		goto out;
	}
	rc = attune_rupture_check(p, err);
	if (rc)
		goto out;
	if (s->n > ATTUNE_SERIES_MAX || (s->n && !s->x) ||
	    s->n_sub > ATTUNE_SUBSCALES_MAX || (s->n_sub && !s->sub)) {
		rc = attune_err_set(err, ATTUNE_EINVAL, "rupture: a series of "
		                    "%zu sessions and %zu subscales (at most %d "
		                    "and %d)", s->n, s->n_sub, ATTUNE_SERIES_MAX,
		                    ATTUNE_SUBSCALES_MAX);
		goto out;
	}
	for (i = 0; i < s->n_sub; i++)
		if (!s->sub[i]) {
			rc = attune_err_set(err, ATTUNE_EINVAL, "rupture: "
			                    "subscale %zu has no scores", i);
			goto out;
		}
	memset(&sc, 0, sizeof(sc));
	sc.s = s;
	sc.p = p;
	sc.repair = p->repair;
	if (sc.repair == ATTUNE_REPAIR_DEFAULT)
		/* The rules' own returns: back to the client's mean after a
		 * deviation below it (Stiles); back to the level before the
		 * drop (Strauss; the drop rule); back to the cut-off. */
		sc.repair = p->rule == ATTUNE_RUPTURE_STILES ? ATTUNE_REPAIR_MEAN
		          : p->rule == ATTUNE_RUPTURE_CUTOFF ? ATTUNE_REPAIR_LINE
		          : ATTUNE_REPAIR_PRE;
	stats(s->x, s->n, &sc.mean, &within, &nr);
	if (nr < 2)
		goto out;
	sc.sd = choose_sd(p->sd, within, p->sd_value, 0);
	if (is_deviation(p->rule)) {
		if (!(sc.sd > 0))
			goto out;  /* all scores equal: no deviation exists */
		/* Stiles et al. 2004 (k = 2), Strauss et al. 2006 (k = 1): the
		 * line k SD below the client's mean over all rated sessions,
		 * m = sum(x) / n, s = sqrt(sum((x - m)^2) / (n - 1)). */
		sc.line = sc.mean - p->k * sc.sd;
	}

	for (i = 0; i < s->n; i++) {
		double v = s->x[i];

		if (isnan(v)) {
			if (p->missing == ATTUNE_MISSING_BREAK) {
				if (sc.open && emit(&sc, ATTUNE_RUPTURE_INTERRUPTED,
				                    0, out, max_out, &n))
					full = 1;
				has_prev = 0;
			}
			continue;
		}
		if (sc.open && p->repair_within > 0 &&
		    i - sc.start_i > (size_t)p->repair_within) {
			/* The window passed without a return. */
			if (emit(&sc, ATTUNE_RUPTURE_UNREPAIRED, 0, out, max_out,
			         &n))
				full = 1;
		}
		if (sc.open) {
			if (repaired(&sc, v)) {
				if (emit(&sc, ATTUNE_RUPTURE_REPAIRED, i, out,
				         max_out, &n))
					full = 1;
			} else if (v < s->x[sc.low_i]) {
				sc.low_i = i;
			}
		} else {
			double pv = has_prev ? s->x[prev] : NAN;
			int start;
			if (p->rule == ATTUNE_RUPTURE_DROP)
				start = meets(&sc, v, pv);
			else if (p->rule == ATTUNE_RUPTURE_CUTOFF)
				/* A session below the cut-off opens a sequence
				 * unless the one before was below it too (still
				 * inside an earlier, unrepaired one). */
				start = meets(&sc, v, pv) &&
				        (!has_prev || !meets(&sc, pv, NAN));
			else
				/* A deviation rule needs a drop: the session
				 * before must be above the line. */
				start = meets(&sc, v, pv) && has_prev &&
				        !meets(&sc, pv, NAN);
			if (start) {
				sc.open = 1;
				sc.has_pre = has_prev;
				sc.pre_i = prev;
				sc.start_i = sc.low_i = i;
			}
		}
		prev = i;
		has_prev = 1;
	}
	if (sc.open && emit(&sc, ATTUNE_RUPTURE_UNREPAIRED, 0, out, max_out,
	                    &n))
		full = 1;
	if (full) {
		rc = attune_err_set(err, ATTUNE_ELIMIT, "rupture: %zu sequences "
		                    "found, room for %zu", n, max_out);
		n = max_out;
	}
out:
	if (n_out)
		*n_out = n;
	return rc;
}

const char *attune_rupture_rule_name(attune_rupture_rule r)
{
	switch (r) {
	case ATTUNE_RUPTURE_STILES: return "stiles";
	case ATTUNE_RUPTURE_STRAUSS: return "strauss";
	case ATTUNE_RUPTURE_CUTOFF: return "cutoff";
	case ATTUNE_RUPTURE_DROP: return "drop";
	}
	return "?";
}

const char *attune_rupture_status_name(attune_rupture_status s)
{
	switch (s) {
	case ATTUNE_RUPTURE_REPAIRED: return "repaired";
	case ATTUNE_RUPTURE_UNREPAIRED: return "unrepaired";
	case ATTUNE_RUPTURE_INTERRUPTED: return "interrupted";
	}
	return "?";
}

const char *attune_rupture_sd_name(attune_rupture_sd s)
{
	switch (s) {
	case ATTUNE_RUPTURE_SD_WITHIN: return "within";
	case ATTUNE_RUPTURE_SD_BETWEEN: return "between";
	case ATTUNE_RUPTURE_SD_STRICTER: return "stricter";
	case ATTUNE_RUPTURE_SD_VALUE: return "value";
	}
	return "?";
}

/* ---- The sample's SD ------------------------------------------------ */

void attune_alliance_sample_init(attune_alliance_sample *a)
{
	a->n = 0;
	a->mean = 0;
	a->m2 = 0;
}

/* Welford 1962 (Technometrics 4:419): n += 1; d = x - mean;
 * mean += d / n; m2 += d * (x - mean); SD = sqrt(m2 / (n - 1)). */
void attune_alliance_sample_add(attune_alliance_sample *a, const double *x,
                                size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		double d;
		if (isnan(x[i]))
			continue;
		a->n += 1;
		d = x[i] - a->mean;
		a->mean += d / a->n;
		a->m2 += d * (x[i] - a->mean);
	}
}

double attune_alliance_sample_sd(const attune_alliance_sample *a)
{
	if (a->n < 2)
		return NAN;
	return sqrt(a->m2 / (a->n - 1));
}

/* ---- Two views of one relationship ---------------------------------- */

void attune_discrepancy_defaults(attune_discrepancy_params *p)
{
	p->gap = 1.0;
	p->sustain = 2;
	p->missing = ATTUNE_MISSING_SKIP;
}

int attune_alliance_discrepancy(const attune_alliance_pair *pr,
                                const attune_discrepancy_params *p,
                                attune_discrepancy_row *rows,
                                size_t max_rows, size_t *n_rows,
                                attune_discrepancy_summary *sum,
                                attune_err *err)
{
	attune_alliance_sample acc, sub_acc[ATTUNE_SUBSCALES_MAX];
	int sub_run[ATTUNE_SUBSCALES_MAX];
	size_t i, j, n = 0;
	int rc = ATTUNE_OK, run = 0;

	if (n_rows)
		*n_rows = 0;
	if (!pr || !p || !sum || (!rows && max_rows)) {
		rc = attune_err_set(err, ATTUNE_EINVAL, "discrepancy: missing "
		                    "argument");
		goto out;
	}
	memset(sum, 0, sizeof(*sum));
	sum->mean_diff = sum->sd_diff = sum->max_diff = sum->last_diff = NAN;
	sum->first_flag = -1;
	for (j = 0; j < ATTUNE_SUBSCALES_MAX; j++)
		sum->sub_mean_diff[j] = NAN;
	if (!(p->gap > 0 && isfinite(p->gap)) || p->sustain < 1 ||
	    (p->missing != ATTUNE_MISSING_SKIP &&
	     p->missing != ATTUNE_MISSING_BREAK)) {
		rc = attune_err_set(err, ATTUNE_EINVAL, "discrepancy: the gap "
		                    "must be above 0 and the sessions to "
		                    "sustain it at least 1");
		goto out;
	}
	if (pr->n > ATTUNE_SERIES_MAX || (pr->n && (!pr->client ||
	    !pr->therapist)) || pr->n_sub > ATTUNE_SUBSCALES_MAX ||
	    (pr->n_sub && (!pr->client_sub || !pr->therapist_sub))) {
		rc = attune_err_set(err, ATTUNE_EINVAL, "discrepancy: a series "
		                    "of %zu sessions and %zu subscales (at most "
		                    "%d and %d, both sides given)", pr->n,
		                    pr->n_sub, ATTUNE_SERIES_MAX,
		                    ATTUNE_SUBSCALES_MAX);
		goto out;
	}
	for (j = 0; j < pr->n_sub; j++) {
		if (!pr->client_sub[j] || !pr->therapist_sub[j]) {
			rc = attune_err_set(err, ATTUNE_EINVAL, "discrepancy: "
			                    "subscale %zu lacks a side", j);
			goto out;
		}
		attune_alliance_sample_init(&sub_acc[j]);
		sub_run[j] = 0;
	}
	attune_alliance_sample_init(&acc);

	for (i = 0; i < pr->n; i++) {
		double c = pr->client[i], t = pr->therapist[i], d;
		attune_discrepancy_row row;

		/* Each subscale on its own sessions: the same rule. */
		for (j = 0; j < pr->n_sub; j++) {
			double cs = pr->client_sub[j][i];
			double ts = pr->therapist_sub[j][i];
			row.sub_diff[j] = NAN;
			if (isnan(cs) || isnan(ts)) {
				if (p->missing == ATTUNE_MISSING_BREAK)
					sub_run[j] = 0;
				continue;
			}
			row.sub_diff[j] = ts - cs;
			attune_alliance_sample_add(&sub_acc[j], &row.sub_diff[j],
			                           1);
			sub_run[j] = ge(ts - cs, p->gap) ? sub_run[j] + 1 : 0;
			if (sub_run[j] >= p->sustain)
				sum->sub_flagged[j] = 1;
		}
		if (isnan(c) || isnan(t)) {
			if (p->missing == ATTUNE_MISSING_BREAK)
				run = 0;
			continue;
		}
		/* therapist - client >= gap in `sustain` consecutive sessions
		 * (attune's rule; see docs/analytics.md (section 3)). */
		d = t - c;
		run = ge(d, p->gap) ? run + 1 : 0;
		attune_alliance_sample_add(&acc, &d, 1);
		if (isnan(sum->max_diff) || d > sum->max_diff)
			sum->max_diff = d;
		sum->last_diff = d;
		if (run > sum->longest_run)
			sum->longest_run = run;
		sum->flag_now = run >= p->sustain;
		if (sum->flag_now && !sum->flagged) {
			sum->flagged = 1;
			sum->first_flag = pr->first + (int)i;
		}
		if (rows) {
			row.session = pr->first + (int)i;
			row.client = c;
			row.therapist = t;
			row.diff = d;
			row.run = run;
			row.flag = run >= p->sustain;
			for (j = pr->n_sub; j < ATTUNE_SUBSCALES_MAX; j++)
				row.sub_diff[j] = NAN;
			if (n < max_rows)
				rows[n] = row;
		}
		n++;
	}
	sum->n_paired = n;
	if (n) {
		sum->mean_diff = acc.mean;
		sum->sd_diff = attune_alliance_sample_sd(&acc);
	}
	for (j = 0; j < pr->n_sub; j++)
		if (sub_acc[j].n > 0)
			sum->sub_mean_diff[j] = sub_acc[j].mean;
	if (rows && n > max_rows) {
		rc = attune_err_set(err, ATTUNE_ELIMIT, "discrepancy: %zu paired "
		                    "sessions, room for %zu", n, max_rows);
		n = max_rows;
	}
out:
	if (n_rows)
		*n_rows = rows ? n : 0;
	return rc;
}
