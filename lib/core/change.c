/* change.c - reliable change and clinical significance between two
 * totals of one instrument (Jacobson & Truax 1991; the R package
 * clinicalsignificance 2.0 as the reference implementation; NHS Talking
 * Therapies for the points-based PHQ-9/GAD-7 thresholds of the
 * instrument files). */
#include <math.h>
#include "attune/change.h"
#include "util/util_int.h"

double attune_change_threshold(const attune_instrument *in)
{
	const attune_norms *nm = &in->norms;

	if (!isnan(nm->reliable_change))
		return nm->reliable_change;
	/* Jacobson & Truax 1991: SE = SD * sqrt(1 - r), S_diff =
	 * sqrt(2 * SE^2); reliable when |x2 - x1| / S_diff > 1.96. */
	if (!isnan(nm->reliability) && !isnan(nm->clin_sd))
		return 1.96 * sqrt(2.0) * nm->clin_sd * sqrt(1 - nm->reliability);
	return NAN;
}

/* 1 if x is on the clinical side of the cut-off. */
static int is_case(const attune_instrument *in, double x)
{
	if (in->direction == ATTUNE_LOWER_IS_BETTER)
		return x >= in->norms.cutoff;
	return x <= in->norms.cutoff;
}

void attune_change_classify(const attune_instrument *in, double first,
                            double last, attune_change *out)
{
	int has_cut = !isnan(in->norms.cutoff);

	out->diff = last - first;
	out->threshold = attune_change_threshold(in);
	out->better = in->direction == ATTUNE_LOWER_IS_BETTER ? out->diff < 0
	                                                      : out->diff > 0;
	out->reliable = !isnan(out->threshold) &&
	                fabs(out->diff) >= out->threshold;
	out->case_first = has_cut ? is_case(in, first) : -1;
	out->case_last = has_cut ? is_case(in, last) : -1;
	if (isnan(out->threshold)) {
		out->cls = ATTUNE_CHANGE_UNKNOWN;
	} else if (!out->reliable || out->diff == 0) {
		out->cls = ATTUNE_CHANGE_UNCHANGED;
	} else if (out->better) {
		out->cls = out->case_first == 1 && out->case_last == 0
		           ? ATTUNE_CHANGE_RECOVERED : ATTUNE_CHANGE_IMPROVED;
	} else {
		out->cls = out->case_first == 0 && out->case_last == 1
		           ? ATTUNE_CHANGE_HARMED : ATTUNE_CHANGE_DETERIORATED;
	}
}

const char *attune_change_class_name(attune_change_class c)
{
	switch (c) {
	case ATTUNE_CHANGE_UNKNOWN: return "no norms";
	case ATTUNE_CHANGE_UNCHANGED: return "no reliable change";
	case ATTUNE_CHANGE_IMPROVED: return "reliably improved";
	case ATTUNE_CHANGE_RECOVERED: return "recovered";
	case ATTUNE_CHANGE_DETERIORATED: return "reliably deteriorated";
	case ATTUNE_CHANGE_HARMED: return "harmed";
	}
	return "?";
}

const char *attune_change_class_id(attune_change_class c)
{
	switch (c) {
	case ATTUNE_CHANGE_UNKNOWN: return "";
	case ATTUNE_CHANGE_UNCHANGED: return "unchanged";
	case ATTUNE_CHANGE_IMPROVED: return "improved";
	case ATTUNE_CHANGE_RECOVERED: return "recovered";
	case ATTUNE_CHANGE_DETERIORATED: return "deteriorated";
	case ATTUNE_CHANGE_HARMED: return "harmed";
	}
	return "";
}

/* ---- Jacobson & Truax (1991) with explicit parameters ---- */

void attune_change_jt_params_init(attune_jt_params *p)
{
	p->reliability = NAN;
	p->sd = NAN;
	p->clin_mean = NAN;
	p->clin_sd = NAN;
	p->func_mean = NAN;
	p->func_sd = NAN;
	p->cutoff = NAN;
	p->criterion = ATTUNE_JT_A;
	p->direction = ATTUNE_LOWER_IS_BETTER;
	p->z = 1.96;
	p->b_clin_sd = 0;
}

/* A finite number; else a message naming it. */
static int need(double v, const char *what, const char *why, attune_err *err)
{
	if (isnan(v))
		return attune_err_set(err, ATTUNE_EINVAL, "%s is needed%s%s",
		                      what, *why ? " " : "", why);
	if (!isfinite(v))
		return attune_err_set(err, ATTUNE_EINVAL, "%s must be a finite "
		                      "number", what);
	return ATTUNE_OK;
}

/* A finite number > 0. */
static int need_pos(double v, const char *what, const char *why,
                    attune_err *err)
{
	char buf[40];
	int rc = need(v, what, why, err);

	if (rc == ATTUNE_OK && !(v > 0)) {
		fmt_num(buf, v);
		rc = attune_err_set(err, ATTUNE_EINVAL, "%s must be greater "
		                    "than 0 (got %s)", what, buf);
	}
	return rc;
}

int attune_change_jt_prepare(const attune_jt_params *p, attune_jt *out,
                             attune_err *err)
{
	const char *wa = "for cut-off a", *wb = "for cut-off b",
	           *wc = "for cut-off c";
	double d, sd_b;
	char buf[40];
	int rc;

	out->p = *p;
	/* Reliability 1 would make S_diff 0 and every change infinitely
	 * reliable; the package accepts it, attune does not. */
	rc = need(p->reliability, "the reliability", "for reliable change",
	          err);
	if (rc)
		goto out;
	if (!(p->reliability >= 0 && p->reliability < 1)) {
		fmt_num(buf, p->reliability);
		rc = attune_err_set(err, ATTUNE_EINVAL, "the reliability must be "
		                    "at least 0 and less than 1 (got %s)", buf);
		goto out;
	}
	rc = need_pos(p->sd, "the SD for reliable change", "(SD_1 of "
	              "Jacobson & Truax)", err);
	if (rc)
		goto out;
	rc = need_pos(p->z, "the critical value z", "", err);
	if (rc)
		goto out;

	/* Jacobson & Truax 1991, p. 14: SE = SD_1 * sqrt(1 - r_xx),
	 * S_diff = sqrt(2 * SE^2), RC = (x2 - x1) / S_diff. Written as the
	 * package computes it (.calc_se_measurement, .calc_s_diff). */
	out->se = p->sd * sqrt(1 - p->reliability);
	out->s_diff = sqrt(2 * out->se * out->se);
	if (!(out->s_diff > 0)) {
		rc = attune_err_set(err, ATTUNE_EINVAL, "the standard error of "
		                    "the difference is 0; the SD is too small");
		goto out;
	}

	/* Cut-offs, Jacobson & Truax 1991, p. 13, with d = +1 when higher
	 * is better and -1 when lower is better (clinicalsignificance
	 * .calc_cutoff_jt):
	 *   a = M_clin + d * 2 * SD_clin
	 *   b = M_func - d * 2 * SD_func   (the package: SD_clin)
	 *   c = (SD_clin * M_func + SD_func * M_clin) / (SD_clin + SD_func) */
	d = p->direction == ATTUNE_HIGHER_IS_BETTER ? 1.0 : -1.0;
	out->inclusive = 0;
	switch (p->criterion) {
	case ATTUNE_JT_A:
		if ((rc = need(p->clin_mean, "the clinical mean", wa, err)) ||
		    (rc = need_pos(p->clin_sd, "the clinical SD", wa, err)))
			goto out;
		out->cutoff = p->clin_mean + d * 2 * p->clin_sd;
		break;
	case ATTUNE_JT_B:
		if ((rc = need(p->func_mean, "the functional mean", wb, err)))
			goto out;
		if (p->b_clin_sd)
			rc = need_pos(p->clin_sd, "the clinical SD", wb, err);
		else
			rc = need_pos(p->func_sd, "the functional SD", wb, err);
		if (rc)
			goto out;
		sd_b = p->b_clin_sd ? p->clin_sd : p->func_sd;
		out->cutoff = p->func_mean - d * 2 * sd_b;
		break;
	case ATTUNE_JT_C:
		if ((rc = need(p->clin_mean, "the clinical mean", wc, err)) ||
		    (rc = need_pos(p->clin_sd, "the clinical SD", wc, err)) ||
		    (rc = need(p->func_mean, "the functional mean", wc, err)) ||
		    (rc = need_pos(p->func_sd, "the functional SD", wc, err)))
			goto out;
		out->cutoff = (p->clin_sd * p->func_mean +
		               p->func_sd * p->clin_mean) /
		              (p->clin_sd + p->func_sd);
		break;
	case ATTUNE_JT_GIVEN:
		if ((rc = need(p->cutoff, "the cut-off", "", err)))
			goto out;
		out->cutoff = p->cutoff;
		out->inclusive = 1;
		break;
	default:
		rc = attune_err_set(err, ATTUNE_EINVAL, "unknown cut-off "
		                    "criterion %d", (int)p->criterion);
		goto out;
	}
	if (!isfinite(out->cutoff)) {
		rc = attune_err_set(err, ATTUNE_EINVAL, "the cut-off is not a "
		                    "finite number");
		goto out;
	}
out:
	return rc;
}

void attune_change_jt_classify(const attune_jt *jt, double pre, double post,
                               attune_jt_result *out)
{
	double d = jt->p.direction == ATTUNE_HIGHER_IS_BETTER ? 1.0 : -1.0;
	double z = jt->p.z, cut = jt->cutoff;
	int improved, deteriorated;

	if (isnan(pre) || isnan(post)) {
		out->diff = NAN;
		out->rc = NAN;
		out->reliable = 0;
		out->clinical_pre = 0;
		out->functional_post = 0;
		out->cls = ATTUNE_CHANGE_UNKNOWN;
		return;
	}
	out->diff = post - pre;
	out->rc = out->diff / jt->s_diff;
	/* Reliable when |RC| > z, strictly (J&T 1991 p. 14: "RC larger than
	 * 1.96"; the package's .calc_improvement: direction * rci >
	 * critical_value). */
	improved = d * out->rc > z;
	deteriorated = d * out->rc < -z;
	out->reliable = improved ? 1 : deteriorated ? -1 : 0;
	/* Sides of the cut-off (package calc_cutoff_from_data.default):
	 * clinical_pre = d * pre < d * cutoff, functional_post = d * post >
	 * d * cutoff; a score equal to a computed cut-off is on neither
	 * side. A published cut-off counts its own value as clinical. */
	out->clinical_pre = jt->inclusive ? d * pre <= d * cut
	                                  : d * pre < d * cut;
	out->functional_post = d * post > d * cut;
	/* Categories (package .calc_recovered): recovered = clinical_pre &
	 * functional_post & improved; harmed = !clinical_pre &
	 * !functional_post & deteriorated. */
	if (improved)
		out->cls = out->clinical_pre && out->functional_post
		           ? ATTUNE_CHANGE_RECOVERED : ATTUNE_CHANGE_IMPROVED;
	else if (deteriorated)
		out->cls = !out->clinical_pre && !out->functional_post
		           ? ATTUNE_CHANGE_HARMED : ATTUNE_CHANGE_DETERIORATED;
	else
		out->cls = ATTUNE_CHANGE_UNCHANGED;
}

/* ---- Sample mean and SD ---- */

/* Welford 1962 (Technometrics 4:419), as Knuth TAOCP vol. 2, 4.2.2:
 * n += 1; delta = x - mean; mean += delta / n; M2 += delta * (x - mean);
 * s^2 = M2 / (n - 1). */
void attune_change_moments_add(attune_moments *m, double x)
{
	double delta;

	if (isnan(x))
		return;
	m->n++;
	delta = x - m->mean;
	m->mean += delta / (double)m->n;
	m->m2 += delta * (x - m->mean);
}

double attune_change_moments_sd(const attune_moments *m)
{
	if (m->n < 2)
		return NAN;
	return sqrt(m->m2 / (double)(m->n - 1));
}
