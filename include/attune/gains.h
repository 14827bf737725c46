/* gains.h - sudden gains and sudden losses in one person's session-by-
 * session scores (Tang & DeRubeis 1999), with the options and outputs of
 * the R package suddengains (Wiedemann, Thew, Stott & Ehlers 2020,
 * identify_sg / identify_sl / create_bysg / create_byperson /
 * define_crit1_cutoff). docs/analytics.md (section 2) explains every rule and
 * where attune differs from the package.
 *
 * Scores are on a scale where lower is better (BDI, PHQ-9): a gain is a
 * fall, a loss a rise. For a higher-is-better scale, negate the scores.
 *
 * Pure functions: no I/O, no allocation, no globals. A series is an array
 * x[0..n) of scores in session order, NaN where missing. "x_N" is the
 * last score before the change, x_{N+1} the first after it. As in the
 * package, the intervals tested are x[i] -> x[i+1] for i = 1 .. n-3
 * (0-based): the first interval x[0] -> x[1] and the last x[n-2] ->
 * x[n-1] are never tested, because criterion 3 needs at least two scores
 * on each side. To test the interval from session 1 to 2, put a
 * pre-treatment baseline in front of the series (the package's
 * identify_sg_1to2 = TRUE). */
#ifndef ATTUNE_GAINS_H
#define ATTUNE_GAINS_H

#include <stddef.h>
#include "attune.h"

/* What to look for, and how. Fill with attune_gains_params_default(),
 * change what you need, then check with attune_gains_config(). */
typedef struct attune_gains_params {
	int losses;            /* 0: sudden gains (identify = "sg");
	                          1: sudden losses (identify = "sl") */
	int crit1;             /* apply criterion 1 (default 1) */
	double cutoff;         /* criterion 1: the change from x_N to x_{N+1}
	                          is at least this many points; >= 0, also
	                          for losses (default NaN: must be given) */
	int crit2;             /* apply criterion 2 (default 1) */
	double pct;            /* criterion 2: the change is at least this
	                          share of x_N; >= 0 (default 0.25) */
	int crit3;             /* apply criterion 3 (default 1) */
	double alpha;          /* criterion 3: two-sided alpha of the t
	                          critical value, 0 < alpha < 1 (0.05) */
	int crit3_adjust;      /* 1: critical value |qt(alpha/2, n_pre +
	                          n_post - 2)| from the scores present
	                          (default); 0: critical_value always */
	double critical_value; /* criterion 3 when crit3_adjust is 0 (2.776) */
	int reversal_from;     /* a reversal is looked for from session
	                          N + reversal_from to the end; 2..1000
	                          (default 2; 3 reproduces the package's
	                          create_bysg when identify_sg_1to2 = FALSE,
	                          see docs/analytics.md (section 2)) */
} attune_gains_params;

/* Largest degrees of freedom of criterion 3 (3 + 3 - 2). */
#define ATTUNE_GAINS_DF_MAX 4

/* Checked parameters with the critical values worked out once. Plain
 * data: copy it, keep it on the stack, share it between threads. */
typedef struct attune_gains_cfg {
	attune_gains_params p;
	double t[ATTUNE_GAINS_DF_MAX + 1]; /* critical value by df (2..4) */
} attune_gains_cfg;

/* Criterion outcome, as the package's 1 / 0 / NA. */
enum {
	ATTUNE_CRIT_NO = 0,    /* not met */
	ATTUNE_CRIT_YES = 1,   /* met */
	ATTUNE_CRIT_NA = -1,   /* cannot tell: scores missing */
	ATTUNE_CRIT_OFF = -2   /* criterion not applied */
};

/* One interval x[i] -> x[i+1] judged by the three criteria. */
typedef struct attune_gains_check {
	size_t i;              /* index of x_N */
	signed char crit1, crit2, crit3; /* ATTUNE_CRIT_* */
	signed char crit123;   /* all applied criteria together: NA when any
	                          applied criterion is NA (as R's
	                          crit1 * crit2 * crit3), else YES when all
	                          are met, else NO */
	double change;         /* x_N - x_{N+1} (negative for a rise); NaN
	                          when either is missing */
	int n_pre, n_post;     /* scores present in x[i-2..i], x[i+1..i+3];
	                          0 when criterion 3 is off */
	double mean_pre, mean_post, sd_pooled; /* NaN unless criterion 3 was
	                                          computed */
	double t;              /* critical value used; NaN likewise */
} attune_gains_check;

/* One sudden gain or loss, the columns of the package's create_bysg. */
typedef struct attune_gain {
	size_t i;              /* index of x_N (session = first + i) */
	double around[6];      /* x_{N-2}, x_{N-1}, x_N, x_{N+1}, x_{N+2},
	                          x_{N+3} (sg_*_2n .. sg_*_n3); NaN when
	                          missing or outside the series */
	double magnitude;      /* x_N - x_{N+1}: positive for a gain,
	                          negative for a loss (sg_magnitude); NaN when
	                          either is missing (criterion 3 alone) */
	double tx_change;      /* tx_start - tx_end (sg_*_tx_change) */
	double change_proportion; /* magnitude / tx_change for gains,
	                          |magnitude| / tx_change for losses; NaN when
	                          tx_change is 0 or missing */
	double reversal_value; /* x_{N+1} + magnitude / 2 */
	int reversal;          /* 1 when a score from session
	                          N + reversal_from on is above
	                          reversal_value (gains) or below it (losses) */
	attune_gains_check c;  /* the criteria of the interval */
} attune_gain;

/* Which gain to keep for one row per person (create_byperson's
 * multiple_sg_select). */
typedef enum attune_gains_pick {
	ATTUNE_GAINS_FIRST = 0,   /* earliest session */
	ATTUNE_GAINS_LAST,        /* latest session */
	ATTUNE_GAINS_LARGEST,     /* largest size, earliest on a tie */
	ATTUNE_GAINS_SMALLEST     /* smallest size, earliest on a tie */
} attune_gains_pick;

/* Defaults of the package: every criterion on, pct 0.25, alpha 0.05,
 * adjusted critical value (2.776 when nothing is missing), reversal from
 * N+2; cutoff NaN (the caller must give it). */
void attune_gains_params_default(attune_gains_params *p);

/* Check p and fill cfg (caller-owned). EINVAL with a message naming the
 * parameter when a value is out of range or no criterion is applied. */
int attune_gains_config(const attune_gains_params *p, attune_gains_cfg *cfg,
                        attune_err *err);

/* Two-sided critical value of Student's t: the t with P(|T| <= t) =
 * 1 - alpha for df degrees of freedom, i.e. |qt(alpha / 2, df)| in R.
 * 0 < alpha < 1, 1 <= df <= 1000. EINVAL otherwise. */
int attune_gains_t_crit(double alpha, int df, double *t, attune_err *err);

/* Number of intervals a series of n scores has: n - 3 when n >= 4,
 * else 0 (the first is at i = 1). */
size_t attune_gains_n_intervals(size_t n);

/* Judge interval x[i] -> x[i+1]; 1 <= i <= n - 3. x is borrowed. EINVAL
 * when i is out of range. */
int attune_gains_check_interval(const attune_gains_cfg *cfg, const double *x,
                                size_t n, size_t i, attune_gains_check *out,
                                attune_err *err);

/* Every sudden gain (or loss, per cfg) of one person's series, earliest
 * first, written to out[0..*n_found). x is borrowed; out is the
 * caller's and needs room for attune_gains_n_intervals(n) entries
 * (cap >= n always suffices); nothing is allocated. tx_start and tx_end
 * are the scores at the start and end of treatment for tx_change (NaN
 * when missing). EINVAL when cap is too small. */
int attune_gains_find(const attune_gains_cfg *cfg, const double *x, size_t n,
                      double tx_start, double tx_end, attune_gain *out,
                      size_t cap, size_t *n_found, attune_err *err);

/* Index into g[0..n) of the gain to keep for one row per person; n when
 * n is 0. Size is magnitude for gains and -magnitude for losses; a gain
 * whose magnitude is NaN is only chosen when no other has one. */
size_t attune_gains_select(const attune_gain *g, size_t n,
                           attune_gains_pick pick, int losses);

/* define_crit1_cutoff: the reliable change a cut-off for criterion 1 can
 * be built on (Jacobson & Truax 1991). */
typedef struct attune_gains_cutoff {
	double sd;             /* pre-treatment SD */
	double reliability;    /* of the measure, 0..1 */
	double sem;            /* standard_error_measurement =
	                          sd * sqrt(1 - reliability) */
	double sdiff;          /* standard_error_difference = sqrt(2 sem^2) */
	double cutoff;         /* reliable_change_value = 1.96 * sdiff */
} attune_gains_cutoff;

/* Fill out (caller's) from sd (finite, >= 0) and reliability (0..1).
 * EINVAL with the parameter named otherwise. */
int attune_gains_crit1_cutoff(double sd, double reliability,
                              attune_gains_cutoff *out, attune_err *err);

/* Streaming sample SD (n - 1 denominator, as R's sd(na.rm = TRUE)) for
 * the pre-treatment SD: zero the struct, add values (NaN skipped), read
 * the SD (NaN with fewer than two values). */
typedef struct attune_gains_sd {
	double n, mean, m2;
} attune_gains_sd;

void attune_gains_sd_add(attune_gains_sd *acc, double v);
double attune_gains_sd_value(const attune_gains_sd *acc);

#endif
