/* alliance.h - the working alliance session by session: rupture-repair
 * sequences in one series of alliance scores, and the two views of one
 * relationship (the client's and the therapist's rating of the same
 * session).
 *
 * Pure functions: no I/O, no globals, no allocation. The caller owns every
 * buffer passed in and out; nothing here keeps a pointer after it
 * returns. Scores are on the instrument's own scale, higher = a stronger
 * alliance; a missing session is NaN. Methods, sources and formulas are
 * in docs/analytics.md (section 3) and next to the code (lib/core/alliance.c).
 */
#ifndef ATTUNE_ALLIANCE_H
#define ATTUNE_ALLIANCE_H

#include <stddef.h>
#include "attune.h"
#include "limits.h"

/* ---- Rupture-repair sequences ------------------------------------- */

typedef enum attune_rupture_rule {
	/* A session at least k SD below the client's own mean, after a
	 * session above that line; the return is to the mean (Stiles et al.
	 * 2004, J Couns Psychol 51:81; k = 2). */
	ATTUNE_RUPTURE_STILES = 1,
	/* The same with k = 1, the return to the score before the drop
	 * (Strauss et al. 2006, J Consult Clin Psychol 74:337). */
	ATTUNE_RUPTURE_STRAUSS = 2,
	/* Feedback-system rule: a score below a cut-off (e.g. SRS < 36). */
	ATTUNE_RUPTURE_CUTOFF = 3,
	/* Feedback-system rule: a drop of at least d points since the
	 * previous session. */
	ATTUNE_RUPTURE_DROP = 4
} attune_rupture_rule;

/* Which SD the deviation rules (and depth in SD) use. */
typedef enum attune_rupture_sd {
	ATTUNE_RUPTURE_SD_WITHIN = 1,   /* SD of this client's own scores */
	ATTUNE_RUPTURE_SD_BETWEEN = 2,  /* the sample's SD, given in sd_value
	                                   (see attune_alliance_sample) */
	ATTUNE_RUPTURE_SD_STRICTER = 3, /* the larger of the two (Gumz et al.
	                                   2012, BMC Med Res Methodol 12:10) */
	ATTUNE_RUPTURE_SD_VALUE = 4     /* a fixed SD given in sd_value */
} attune_rupture_sd;

/* What counts as the repair (the return). */
typedef enum attune_rupture_repair {
	ATTUNE_REPAIR_DEFAULT = 0,  /* the rule's own: see attune_rupture_defaults */
	ATTUNE_REPAIR_MEAN = 1,     /* back at or above the client's mean */
	ATTUNE_REPAIR_PRE = 2,      /* back at or above the score of the last
	                               session before the rupture */
	ATTUNE_REPAIR_LINE = 3      /* no longer meets the rupture criterion:
	                               above mean - k SD; at or above the
	                               cut-off; above pre - d */
} attune_rupture_repair;

/* Missing sessions (NaN) inside a series. */
typedef enum attune_rupture_missing {
	/* Ignore them: "previous session" means the last one rated, and a
	 * sequence may run across the gap. */
	ATTUNE_MISSING_SKIP = 0,
	/* A missing session breaks the series: no drop is measured across
	 * it, and a sequence still open at the gap ends as interrupted. */
	ATTUNE_MISSING_BREAK = 1
} attune_rupture_missing;

typedef struct attune_rupture_params {
	attune_rupture_rule rule;
	double k;                    /* deviation rules: SD multiple (> 0) */
	attune_rupture_sd sd;        /* which SD (deviation rules, depth_sd) */
	/* BETWEEN / STRICTER: the sample's SD of the searched scores;
	 * VALUE: the SD to use. Must be > 0 when used. */
	double sd_value;
	/* The same for each subscale, for ranking which one led the drop;
	 * NaN: that subscale's within-client SD is used instead. */
	double sd_value_sub[ATTUNE_SUBSCALES_MAX];
	double cutoff;               /* CUTOFF: rupture when score < cutoff */
	double drop;                 /* DROP: rupture when previous - score
	                                >= drop (> 0) */
	attune_rupture_repair repair;
	/* The repair must come within this many sessions after the first
	 * session of the rupture (by session number); 0: any later session. */
	int repair_within;
	attune_rupture_missing missing;
} attune_rupture_params;

typedef enum attune_rupture_status {
	ATTUNE_RUPTURE_REPAIRED = 1,
	ATTUNE_RUPTURE_UNREPAIRED = 2,  /* no return by the end of the series
	                                   or within repair_within sessions */
	ATTUNE_RUPTURE_INTERRUPTED = 3  /* ended by a missing session
	                                   (ATTUNE_MISSING_BREAK) */
} attune_rupture_status;

/* One detected sequence. Session numbers are those of the series
 * (first + index); -1 where there is none. */
typedef struct attune_rupture {
	attune_rupture_rule rule;
	attune_rupture_status status;
	int pre;          /* last rated session before the rupture; -1 when
	                     the cut-off rule fires at the first session */
	int start;        /* first session that met the rupture criterion */
	int lowest;       /* lowest score from start up to the repair (or to
	                     the end of the sequence); the earliest on ties */
	int repair;       /* the session of the return; -1 unless repaired */
	double reference; /* the level the drop is measured from: the mean
	                     (deviation rules), the cut-off, or the previous
	                     score (drop rule) */
	double low;       /* the score at the lowest session */
	double depth;     /* reference - low, in points */
	double sd;        /* the SD used; NaN when none (a between or fixed
	                     SD not given, for the cut-off and drop rules) */
	double depth_sd;  /* depth / sd; NaN when sd is NaN or 0 */
	int lead;         /* index of the subscale with the largest
	                     standardized drop at the lowest session; -1 when
	                     no subscale was given or none can be judged */
	double lead_z;    /* that subscale's drop in its SDs: (its reference -
	                     its score at the lowest session) / its SD */
} attune_rupture;

/* One client's series. x is the series searched (a total or one
 * subscale); sub, when n_sub > 0, are the subscales at the same
 * sessions, used only to say which subscale led the drop. All arrays
 * are borrowed for the call and hold n values. */
typedef struct attune_alliance_series {
	int first;                    /* session number of x[0] */
	size_t n;                     /* sessions, <= ATTUNE_SERIES_MAX */
	const double *x;
	size_t n_sub;                 /* <= ATTUNE_SUBSCALES_MAX */
	const double *const *sub;     /* sub[j][i]: subscale j, session i */
} attune_alliance_series;

/* Fill *p with the rule's defaults: Stiles k = 2, Strauss k = 1 (both
 * within-client SD); cut-off 36 (the SRS's, Duncan et al. 2003); drop 5
 * points (attune's choice: set it for the instrument's scale); the
 * rule's own repair (ATTUNE_REPAIR_DEFAULT: mean for Stiles, the
 * pre-rupture score for Strauss and the drop rule, the cut-off for the
 * cut-off rule); repair at any later session; missing sessions
 * skipped; sd_value and every sd_value_sub NaN. */
void attune_rupture_defaults(attune_rupture_rule rule,
                             attune_rupture_params *p);

/* Check p: a known rule, k > 0, drop > 0, a finite cut-off, sd_value > 0
 * where the SD choice needs it, repair_within >= 0. ATTUNE_EINVAL with a
 * message naming the parameter. */
int attune_rupture_check(const attune_rupture_params *p, attune_err *err);

/* Find the rupture-repair sequences in s under p. Writes at most max_out
 * sequences to out (caller-owned; at most (s->n + 1) / 2 can occur, so
 * s->n entries are always enough) in session order and their count to
 * *n_out. Sequences do not overlap. A series with fewer than 2 rated
 * sessions has none; a deviation rule finds none when the SD is 0.
 * Returns ATTUNE_OK; ATTUNE_EINVAL for bad parameters or a series longer
 * than ATTUNE_SERIES_MAX; ATTUNE_ELIMIT when out is too small (the first
 * max_out are written). */
int attune_rupture_detect(const attune_alliance_series *s,
                          const attune_rupture_params *p,
                          attune_rupture *out, size_t max_out,
                          size_t *n_out, attune_err *err);

/* Static names: "stiles", "strauss", "cutoff", "drop"; "repaired",
 * "unrepaired", "interrupted"; "within", "between", "stricter", "value".
 * Never NULL ("?" for an unknown value). */
const char *attune_rupture_rule_name(attune_rupture_rule r);
const char *attune_rupture_status_name(attune_rupture_status s);
const char *attune_rupture_sd_name(attune_rupture_sd s);

/* ---- The sample's SD (first pass for --sd between / stricter) ----- */

/* Running statistics over many clients' series (Welford's update, so a
 * single pass in constant memory). Plain data: zero it, or call
 * attune_alliance_sample_init. */
typedef struct attune_alliance_sample {
	double n, mean, m2;           /* every rated session of every client */
} attune_alliance_sample;

void attune_alliance_sample_init(attune_alliance_sample *a);
/* Add one client's series (NaN values are skipped). */
void attune_alliance_sample_add(attune_alliance_sample *a, const double *x,
                                size_t n);
/* The between-client SD of the sample; NaN with fewer than 2 values. */
double attune_alliance_sample_sd(const attune_alliance_sample *a);

/* ---- Two views of one relationship --------------------------------- */

/* The client's and the therapist's ratings of the same sessions, on the
 * same scale (e.g. checkin-alliance and mirror-alliance). Arrays are
 * borrowed for the call and hold n values, NaN when not rated. */
typedef struct attune_alliance_pair {
	int first;                          /* session number of index 0 */
	size_t n;                           /* <= ATTUNE_SERIES_MAX */
	const double *client, *therapist;   /* totals */
	size_t n_sub;                       /* <= ATTUNE_SUBSCALES_MAX */
	const double *const *client_sub;    /* [j][i], may be NULL if n_sub 0 */
	const double *const *therapist_sub;
} attune_alliance_pair;

typedef struct attune_discrepancy_params {
	/* The therapist rates clearly higher when therapist - client >= gap
	 * points (> 0, on the scores' scale) ... */
	double gap;
	/* ... in at least this many consecutive sessions both rated (>= 1). */
	int sustain;
	/* How a session without both ratings affects "consecutive": SKIP
	 * passes over it, BREAK restarts the count. */
	attune_rupture_missing missing;
} attune_discrepancy_params;

/* One session both rated (the total present on both sides). */
typedef struct attune_discrepancy_row {
	int session;
	double client, therapist;
	double diff;                         /* therapist - client */
	double sub_diff[ATTUNE_SUBSCALES_MAX]; /* per subscale; NaN when a
	                                          side is missing */
	int run;      /* consecutive sessions up to this one with diff >= gap */
	int flag;     /* run >= sustain */
} attune_discrepancy_row;

typedef struct attune_discrepancy_summary {
	size_t n_paired;          /* sessions with both totals */
	double mean_diff, sd_diff; /* of diff over those sessions (sd: NaN
	                              with fewer than 2) */
	double max_diff;          /* NaN when none paired */
	double last_diff;         /* the latest paired session's diff */
	int flagged;              /* the flag fired at some session */
	int first_flag;           /* session where it first fired, -1 */
	int flag_now;             /* it holds at the latest paired session */
	int longest_run;
	double sub_mean_diff[ATTUNE_SUBSCALES_MAX]; /* NaN when never paired */
	int sub_flagged[ATTUNE_SUBSCALES_MAX];      /* the same flag rule on
	                                               each subscale */
} attune_discrepancy_summary;

/* Defaults: gap 1 point (one response step on the 0-4 item-mean scale
 * of checkin-alliance / mirror-alliance), sustained over 2 sessions,
 * missing sessions skipped. */
void attune_discrepancy_defaults(attune_discrepancy_params *p);

/* Compare the two views. rows (caller-owned, may be NULL when only the
 * summary is wanted) receives one row per session both rated, at most
 * max_rows (pr->n entries are always enough); *n_rows (may be NULL) the
 * number of rows written. *sum (required) the summary. A difference
 * exactly at the gap counts. Returns ATTUNE_OK; ATTUNE_EINVAL for bad
 * parameters or sizes; ATTUNE_ELIMIT when rows is too small (the
 * summary is still complete). */
int attune_alliance_discrepancy(const attune_alliance_pair *pr,
                                const attune_discrepancy_params *p,
                                attune_discrepancy_row *rows,
                                size_t max_rows, size_t *n_rows,
                                attune_discrepancy_summary *sum,
                                attune_err *err);

#endif
