/* iapt.h - NHS Talking Therapies for anxiety and depression (formerly
 * IAPT) outcome definitions for one course of treatment, from the first
 * and last paired PHQ-9 and GAD-7 scores (or an anxiety-disorder-specific
 * measure in place of GAD-7): caseness, finished course, recovery,
 * reliable improvement, reliable deterioration, reliable recovery.
 *
 * Pure functions, no I/O, no allocation. Lower is better on every measure
 * here. Sources, the exact rules and where services differ:
 * docs/analytics.md (section 1). */
#ifndef ATTUNE_IAPT_H
#define ATTUNE_IAPT_H

#include "attune.h"

/* How the two measures combine into reliable improvement and reliable
 * deterioration. */
typedef enum attune_iapt_rule {
	/* NHS Talking Therapies: improvement = a reliable decrease on at
	 * least one measure and a reliable increase on neither;
	 * deterioration is the mirror image. A reliable decrease on one
	 * measure with a reliable increase on the other is neither. */
	ATTUNE_IAPT_RULE_NHS = 0,
	/* Both measures must change reliably in the same direction. */
	ATTUNE_IAPT_RULE_BOTH,
	/* Either measure alone, the other not considered: a mixed course
	 * is both improved and deteriorated. */
	ATTUNE_IAPT_RULE_EITHER
} attune_iapt_rule;

typedef struct attune_iapt_params {
	double dep_cutoff;   /* caseness on the depression measure: PHQ-9 >= 10 */
	double dep_rc;       /* reliable change in points: PHQ-9 6 */
	double anx_cutoff;   /* caseness on the anxiety measure: GAD-7 >= 8, or
	                        the ADSM's own cut-off */
	double anx_rc;       /* reliable change in points: GAD-7 4, or the
	                        ADSM's own */
	double min_sessions; /* finished course: at least this many attended
	                        treatment sessions (2) */
	attune_iapt_rule rule;
} attune_iapt_params;

/* The programme's values: PHQ-9 cut-off 10 and reliable change 6, GAD-7
 * cut-off 8 and reliable change 4, at least 2 treatment sessions, the
 * NHS combination rule. */
void attune_iapt_params_init(attune_iapt_params *p);

/* Check p (cut-offs finite, reliable-change points > 0, sessions >= 0,
 * a known rule). ATTUNE_EINVAL with a message naming the value. */
int attune_iapt_check(const attune_iapt_params *p, attune_err *err);

/* One course: first and last scores of each measure (NaN when missing)
 * and the number of attended treatment sessions (NaN when unknown). */
typedef struct attune_iapt_scores {
	double dep_pre, dep_post;
	double anx_pre, anx_post;
	double sessions;
} attune_iapt_scores;

/* Every flag is 1 (yes), 0 (no) or -1 (does not apply). */
typedef struct attune_iapt_outcome {
	int finished;        /* sessions >= min_sessions; -1 when unknown (the
	                        caller has selected finished courses) */
	int paired;          /* both measures have a first and a last score */
	int case_pre;        /* dep_pre >= dep_cutoff or anx_pre >= anx_cutoff;
	                        -1 unless both first scores are there */
	int case_post;       /* the same for the last scores */
	int dep_reliable;    /* +1 reliable decrease (dep_pre - dep_post >=
	                        dep_rc), -1 reliable increase, 0 neither; 0
	                        when not paired */
	int anx_reliable;    /* the same for the anxiety measure */
	/* The outcomes apply only to a finished course (finished != 0) with
	 * paired scores; otherwise all four are -1. */
	int recovered;              /* case at the start, not at the end;
	                               -1 when not a case at the start */
	int reliable_improvement;   /* by the combination rule */
	int reliable_deterioration; /* by the combination rule */
	int reliable_recovery;      /* recovered and reliable improvement; -1
	                               when not a case at the start */
} attune_iapt_outcome;

/* Classify one course. p must have passed attune_iapt_check. A change
 * exactly equal to the reliable-change points is reliable, and a score
 * exactly at the cut-off is a case ("6 or more", "10 or more"). Writes
 * *out only. */
void attune_iapt_classify(const attune_iapt_params *p,
                          const attune_iapt_scores *s,
                          attune_iapt_outcome *out);

/* Static name of a rule: "nhs", "both", "either"; "?" for others. */
const char *attune_iapt_rule_name(attune_iapt_rule r);

/* Counts over many courses, for rates. Initialise with {0}. */
typedef struct attune_iapt_tally {
	size_t n;                 /* courses seen */
	size_t finished;          /* finished != 0 */
	size_t eligible;          /* finished != 0 and paired: the
	                             denominator of improvement and
	                             deterioration */
	size_t case_pre;          /* eligible and a case at the start: the
	                             denominator of recovery and reliable
	                             recovery */
	size_t recovered;
	size_t reliable_improvement;
	size_t reliable_deterioration;
	size_t reliable_recovery;
} attune_iapt_tally;

/* Add one classified course to t. */
void attune_iapt_tally_add(attune_iapt_tally *t, const attune_iapt_outcome *o);

#endif
