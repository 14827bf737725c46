/* change.h - change between two scores of one instrument: reliable change
 * and clinical significance (Jacobson & Truax 1991).
 *
 * Pure functions, no I/O, no allocation. Two levels:
 *  - attune_change_threshold / attune_change_classify judge one client's
 *    first and last total by the norms of the instrument file (the
 *    published reliable-change points and cut-off); `attune report` uses
 *    them.
 *  - attune_change_jt_* is the full Jacobson & Truax method with its
 *    parameters given explicitly (reliability, SDs, clinical and
 *    functional norms, cut-off a, b or c), as the R package
 *    clinicalsignificance (cs_combined, JT method) computes it; `attune
 *    change` uses it. attune_moments estimates the sample mean and SD of
 *    the pre-treatment scores those defaults come from.
 * The NHS Talking Therapies definitions for PHQ-9 + GAD-7 pairs are in
 * iapt.h. Methods and sources: docs/analytics.md (section 1). */
#ifndef ATTUNE_CHANGE_H
#define ATTUNE_CHANGE_H

#include "instrument.h"

typedef enum attune_change_class {
	ATTUNE_CHANGE_UNKNOWN = 0,      /* no norms to judge by, or a score
	                                   is missing */
	ATTUNE_CHANGE_UNCHANGED,        /* no reliable change */
	ATTUNE_CHANGE_IMPROVED,         /* reliable change for the better */
	ATTUNE_CHANGE_RECOVERED,        /* improved and moved from the
	                                   clinical to the functional side */
	ATTUNE_CHANGE_DETERIORATED,     /* reliable change for the worse */
	ATTUNE_CHANGE_HARMED            /* deteriorated and moved from the
	                                   functional into the clinical side */
} attune_change_class;

typedef struct attune_change {
	double diff;             /* last - first */
	double threshold;        /* points needed for reliable change; NaN */
	int reliable;            /* |diff| >= threshold */
	int better;              /* the change is in the better direction */
	int case_first, case_last; /* on the clinical side of the cut-off;
	                              -1 when the instrument has none */
	attune_change_class cls;
} attune_change;

/* Reliable-change threshold in points for in: the instrument's published
 * "reliable_change" when it has one; else, from reliability r and the
 * clinical SD, 1.96 * S_diff with S_diff = sqrt(2) * SD * sqrt(1 - r)
 * (Jacobson & Truax 1991, J Consult Clin Psychol 59:12, eq. for RC);
 * NaN when neither is known. */
double attune_change_threshold(const attune_instrument *in);

/* Classify the change from first to last (both totals, not NaN). A
 * change exactly at the threshold counts as reliable, as the NHS Talking
 * Therapies definitions (PHQ-9 >= 6, GAD-7 >= 4) do. The cut-off is
 * "clinical at or beyond cutoff" on the worse side. Writes *out only. */
void attune_change_classify(const attune_instrument *in, double first,
                            double last, attune_change *out);

/* Static English name for reports: "recovered", "reliably improved",
 * "no reliable change", ... Never NULL. */
const char *attune_change_class_name(attune_change_class c);

/* Static short name for data files, as the R package clinicalsignificance
 * labels its categories (in lower case): "recovered", "improved",
 * "unchanged", "deteriorated", "harmed"; "" for ATTUNE_CHANGE_UNKNOWN.
 * Never NULL. */
const char *attune_change_class_id(attune_change_class c);

/* ---- Jacobson & Truax (1991) with explicit parameters ---- */

/* Which cut-off separates the clinical from the functional population
 * (Jacobson & Truax 1991, p. 13). */
typedef enum attune_jt_criterion {
	ATTUNE_JT_A = 0,   /* 2 SD beyond the clinical mean, towards better */
	ATTUNE_JT_B,       /* 2 SD beyond the functional mean, towards worse */
	ATTUNE_JT_C,       /* between the two means, weighted by the SDs */
	ATTUNE_JT_GIVEN    /* a published cut-off (params.cutoff), e.g. the
	                      instrument file's; a score equal to it is on
	                      the clinical side */
} attune_jt_criterion;

/* Parameters. Unused values may be NaN; attune_change_jt_prepare says
 * which one is missing. */
typedef struct attune_jt_params {
	double reliability;         /* r_xx, 0 <= r < 1 */
	double sd;                  /* SD_1 for the standard error of
	                               measurement (> 0) */
	double clin_mean, clin_sd;  /* clinical population (criteria a, c) */
	double func_mean, func_sd;  /* functional population (b, c) */
	double cutoff;              /* ATTUNE_JT_GIVEN only */
	attune_jt_criterion criterion;
	attune_direction direction; /* lower is better (PHQ-9) or higher
	                               (alliance) */
	double z;                   /* critical |RC|, 1.96 */
	int b_clin_sd;              /* 1: criterion b with the clinical SD,
	                               as clinicalsignificance 2.0 computes
	                               it; 0: with the functional SD, as
	                               Jacobson & Truax define it */
} attune_jt_params;

/* Set every number to NaN, criterion a, lower is better, z = 1.96,
 * b_clin_sd = 0. */
void attune_change_jt_params_init(attune_jt_params *p);

/* Parameters checked and the derived constants, ready for classifying
 * any number of pairs. Plain data: copy it freely. */
typedef struct attune_jt {
	attune_jt_params p;   /* a copy of the parameters */
	double se;            /* SE = SD_1 * sqrt(1 - r_xx) */
	double s_diff;        /* S_diff = sqrt(2 * SE^2) */
	double cutoff;        /* the cut-off of the chosen criterion */
	int inclusive;        /* 1: a score equal to the cut-off is clinical
	                         (ATTUNE_JT_GIVEN); 0: it is neither clinical
	                         nor functional (a, b, c, as the package) */
} attune_jt;

/* Check p and compute SE, S_diff and the cut-off into *out. Returns
 * ATTUNE_EINVAL with a message naming the parameter ("reliability must
 * be at least 0 and less than 1 (got 1.2)") when one is missing or out
 * of range; *out is then unspecified. */
int attune_change_jt_prepare(const attune_jt_params *p, attune_jt *out,
                             attune_err *err);

/* The result for one person. */
typedef struct attune_jt_result {
	double diff;          /* post - pre */
	double rc;            /* RC = (post - pre) / S_diff */
	int reliable;         /* +1 reliably better, -1 reliably worse, 0:
	                         |RC| <= z */
	int clinical_pre;     /* pre strictly on the clinical side of the
	                         cut-off (or at it, when inclusive) */
	int functional_post;  /* post strictly on the functional side */
	attune_change_class cls;
} attune_jt_result;

/* Classify the change from pre to post. Reliable when |RC| > z (strict,
 * as Jacobson & Truax and clinicalsignificance). Recovered: reliably
 * better, clinical before and functional after; harmed: reliably worse,
 * not clinical before and not functional after (the package's rule);
 * otherwise improved / deteriorated / unchanged. When pre or post is NaN
 * every number is NaN, the flags 0 and cls ATTUNE_CHANGE_UNKNOWN. Writes
 * *out only. */
void attune_change_jt_classify(const attune_jt *jt, double pre, double post,
                               attune_jt_result *out);

/* ---- Sample mean and SD, one value at a time ---- */

/* Running moments (Welford 1962). Initialise with {0}. */
typedef struct attune_moments {
	size_t n;
	double mean;
	double m2;            /* sum of squared deviations from the mean */
} attune_moments;

/* Add x (NaN is ignored). */
void attune_change_moments_add(attune_moments *m, double x);

/* Sample SD with n - 1 in the denominator, as R's sd(); NaN when n < 2.
 * The sample mean is m->mean (meaningless while m->n is 0). */
double attune_change_moments_sd(const attune_moments *m);

#endif
