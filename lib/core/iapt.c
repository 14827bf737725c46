/* iapt.c - NHS Talking Therapies (IAPT) outcome definitions for one
 * course of treatment: caseness, finished course, recovery, reliable
 * improvement / deterioration / recovery from first and last paired
 * PHQ-9 and GAD-7 (or ADSM) scores.
 *
 * Source: NHS England, NHS Talking Therapies for anxiety and depression
 * Manual (the outcome definitions of the programme), as published in
 * NHS Digital's NHS Talking Therapies statistics (glossary: "caseness",
 * "finished course of treatment", "recovery", "reliable improvement",
 * "reliable deterioration", "reliable recovery"). See
 * docs/analytics.md (section 1) for the wording and where services differ. */
#include <math.h>
#include "attune/iapt.h"
#include "util/util_int.h"

void attune_iapt_params_init(attune_iapt_params *p)
{
	p->dep_cutoff = 10;    /* PHQ-9 >= 10 is a case */
	p->dep_rc = 6;         /* PHQ-9 change of 6 or more is reliable */
	p->anx_cutoff = 8;     /* GAD-7 >= 8 is a case */
	p->anx_rc = 4;         /* GAD-7 change of 4 or more is reliable */
	p->min_sessions = 2;   /* finished: >= 2 attended treatment sessions */
	p->rule = ATTUNE_IAPT_RULE_NHS;
}

static int finite_or(double v, const char *what, attune_err *err)
{
	if (!isfinite(v))
		return attune_err_set(err, ATTUNE_EINVAL, "%s must be a finite "
		                      "number", what);
	return ATTUNE_OK;
}

static int positive_or(double v, const char *what, attune_err *err)
{
	char buf[40];

	if (!isfinite(v) || !(v > 0)) {
		fmt_num(buf, v);
		return attune_err_set(err, ATTUNE_EINVAL, "%s must be a number "
		                      "greater than 0 (got %s)", what,
		                      *buf ? buf : "nothing");
	}
	return ATTUNE_OK;
}

int attune_iapt_check(const attune_iapt_params *p, attune_err *err)
{
	int rc;

	if ((rc = finite_or(p->dep_cutoff, "the depression cut-off", err)) ||
	    (rc = finite_or(p->anx_cutoff, "the anxiety cut-off", err)) ||
	    (rc = positive_or(p->dep_rc, "the depression reliable change",
	                      err)) ||
	    (rc = positive_or(p->anx_rc, "the anxiety reliable change", err)))
		goto out;
	if (!isfinite(p->min_sessions) || p->min_sessions < 0) {
		rc = attune_err_set(err, ATTUNE_EINVAL, "the minimum number of "
		                    "sessions must be 0 or more");
		goto out;
	}
	if (p->rule != ATTUNE_IAPT_RULE_NHS &&
	    p->rule != ATTUNE_IAPT_RULE_BOTH &&
	    p->rule != ATTUNE_IAPT_RULE_EITHER) {
		rc = attune_err_set(err, ATTUNE_EINVAL, "unknown combination "
		                    "rule %d", (int)p->rule);
		goto out;
	}
out:
	return rc;
}

/* +1 reliable decrease (better), -1 reliable increase, 0 neither:
 * "a change of rc points or more" (PHQ-9 6, GAD-7 4) is reliable. */
static int reliable(double pre, double post, double rc)
{
	double d = post - pre;

	if (d <= -rc)
		return 1;
	if (d >= rc)
		return -1;
	return 0;
}

/* Caseness: PHQ-9 >= 10 or GAD-7 (ADSM) >= its cut-off; -1 when a score
 * is missing. */
static int caseness(const attune_iapt_params *p, double dep, double anx)
{
	if (isnan(dep) || isnan(anx))
		return -1;
	return dep >= p->dep_cutoff || anx >= p->anx_cutoff;
}

void attune_iapt_classify(const attune_iapt_params *p,
                          const attune_iapt_scores *s,
                          attune_iapt_outcome *out)
{
	int better_any, worse_any, better_both, worse_both;

	out->finished = isnan(s->sessions) ? -1
	                : s->sessions >= p->min_sessions;
	out->paired = !isnan(s->dep_pre) && !isnan(s->dep_post) &&
	              !isnan(s->anx_pre) && !isnan(s->anx_post);
	out->case_pre = caseness(p, s->dep_pre, s->anx_pre);
	out->case_post = caseness(p, s->dep_post, s->anx_post);
	out->dep_reliable = out->paired ? reliable(s->dep_pre, s->dep_post,
	                                           p->dep_rc) : 0;
	out->anx_reliable = out->paired ? reliable(s->anx_pre, s->anx_post,
	                                           p->anx_rc) : 0;
	out->recovered = -1;
	out->reliable_improvement = -1;
	out->reliable_deterioration = -1;
	out->reliable_recovery = -1;
	if (!out->paired || out->finished == 0)
		return;

	better_any = out->dep_reliable == 1 || out->anx_reliable == 1;
	worse_any = out->dep_reliable == -1 || out->anx_reliable == -1;
	better_both = out->dep_reliable == 1 && out->anx_reliable == 1;
	worse_both = out->dep_reliable == -1 && out->anx_reliable == -1;
	switch (p->rule) {
	case ATTUNE_IAPT_RULE_BOTH:
		out->reliable_improvement = better_both;
		out->reliable_deterioration = worse_both;
		break;
	case ATTUNE_IAPT_RULE_EITHER:
		out->reliable_improvement = better_any;
		out->reliable_deterioration = worse_any;
		break;
	case ATTUNE_IAPT_RULE_NHS:
	default:
		/* At least one measure reliably better and neither reliably
		 * worse; deterioration is the mirror image. */
		out->reliable_improvement = better_any && !worse_any;
		out->reliable_deterioration = worse_any && !better_any;
		break;
	}
	/* Recovery: a case at the start of treatment and not a case at the
	 * end (both measures below their cut-offs). Only cases at the start
	 * are in its denominator. Reliable recovery: recovered and reliably
	 * improved. */
	if (out->case_pre == 1) {
		out->recovered = out->case_post == 0;
		out->reliable_recovery = out->recovered &&
		                         out->reliable_improvement == 1;
	}
}

const char *attune_iapt_rule_name(attune_iapt_rule r)
{
	switch (r) {
	case ATTUNE_IAPT_RULE_NHS: return "nhs";
	case ATTUNE_IAPT_RULE_BOTH: return "both";
	case ATTUNE_IAPT_RULE_EITHER: return "either";
	}
	return "?";
}

void attune_iapt_tally_add(attune_iapt_tally *t, const attune_iapt_outcome *o)
{
	t->n++;
	if (o->finished != 0)
		t->finished++;
	if (o->reliable_improvement < 0)
		return;
	t->eligible++;
	t->reliable_improvement += o->reliable_improvement == 1;
	t->reliable_deterioration += o->reliable_deterioration == 1;
	if (o->case_pre == 1) {
		t->case_pre++;
		t->recovered += o->recovered == 1;
		t->reliable_recovery += o->reliable_recovery == 1;
	}
}
