/* change.c - reliable change and clinical significance between two
 * totals of one instrument (Jacobson & Truax 1991; NHS Talking Therapies
 * Manual for the points-based PHQ-9/GAD-7 thresholds). */
#include <math.h>
#include "attune/change.h"

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
