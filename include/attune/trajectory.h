/* trajectory.h - expected treatment response: expected-recovery curves
 * of score on log(session) by intake-severity band, fitted from a
 * reference set of treatment courses, with tolerance bands that sort
 * each session of an open course into on track / at risk / not on track.
 *
 * Method (Finch, Lambert & Schaalje 2001, Clin Psychol Psychother
 * 8:231-242; docs/analytics.md (section 4) has the details and where attune
 * differs): for every intake band b, the expected score at treatment
 * session t (t = 1 at intake) is
 *
 *     E_b(t) = a_b + b_b * ln(t)
 *
 * fitted by least squares over every reference score in the band, and
 * the tolerance band at percentile p is E_b(t) +/- z_p * s_b, with s_b
 * the residual SD of that fit and z_p the standard normal quantile.
 *
 * Pure functions, no I/O, no globals. A fitted model is a plain value
 * (attune_traj_model) that can be copied, saved and loaded. Fitting
 * streams: attune_traj_fit_add() takes one person's series at a time and
 * keeps only per-band, per-session running sums, so memory does not grow
 * with the number of people. */
#ifndef ATTUNE_TRAJECTORY_H
#define ATTUNE_TRAJECTORY_H

#include "attune.h"
#include "instrument.h"
#include "limits.h"

/* Intake bands per model (the instruments' severity bands fit). */
#define ATTUNE_TRAJ_BANDS_MAX ATTUNE_BANDS_MAX

/* Default and largest treatment session fitted: Finch et al. (2001)
 * estimated the curves for sessions 1 to 20; the cap bounds the fit's
 * memory (bands x sessions x 3 doubles). */
#define ATTUNE_TRAJ_SESSIONS_DEFAULT 20
#define ATTUNE_TRAJ_SESSIONS_MAX 200

/* The model file format name (CSV column `format`, JSON key "format"). */
#define ATTUNE_TRAJ_FORMAT "attune-etr/1"

/* One intake band and, once fitted, its curve. */
typedef struct attune_traj_band {
	double low, high;          /* intake range, both ends included */
	char label[ATTUNE_ID_MAX + 1]; /* "10-14", or the instrument's band
	                                  label ("moderate") */
	/* Filled by attune_traj_fit_finish(); NaN / 0 when not fitted. */
	size_t n_persons;          /* reference courses in the band */
	size_t n_scores;           /* scores in the fit (all sessions) */
	double intercept;          /* a: expected score at t = 1 (ln 1 = 0) */
	double slope;              /* b: change per unit of ln(t) */
	double sd;                 /* s: residual SD, sqrt(SSE / (n - 2)) */
	int max_session;           /* largest t with reference scores; later
	                              sessions use E(max_session) */
} attune_traj_band;

typedef struct attune_traj_model {
	char instrument[ATTUNE_ID_MAX + 1]; /* id, or "" when not known */
	attune_direction direction;         /* which way is better */
	int max_session;                    /* the cap used when fitting */
	size_t n_bands;
	attune_traj_band bands[ATTUNE_TRAJ_BANDS_MAX];
} attune_traj_model;

/* Start a model: clear *m and set its bands from a list (only read
 * during the call) such as
 * "0-9,10-14,15-19,20-27" (each LOW-HIGH, both included, in increasing
 * order without overlap; numbers may be negative or have decimals, e.g.
 * "-3.5-0"). Labels are the ranges as written. ATTUNE_EINVAL naming the
 * bad entry; ATTUNE_ELIMIT past ATTUNE_TRAJ_BANDS_MAX bands. */
int attune_traj_bands_parse(attune_traj_model *m, const char *list,
                            attune_err *err);

/* Start a model from an instrument: its severity bands (labels, ranges),
 * id and direction. ATTUNE_EINVAL when it has no bands. in is only read
 * during the call. */
int attune_traj_bands_from_instrument(attune_traj_model *m,
                                      const attune_instrument *in,
                                      attune_err *err);

/* Index of the band holding intake score x, or -1 (NaN, or in no band).
 * A score on an edge belongs to the band whose range includes it. */
int attune_traj_band_of(const attune_traj_model *m, double x);

/* ---- Fitting (streaming) ------------------------------------------ */

typedef struct attune_traj_fit attune_traj_fit;

/* Start a fit over m's bands (m is copied) for sessions 1..max_session
 * (1..ATTUNE_TRAJ_SESSIONS_MAX; 0 means ATTUNE_TRAJ_SESSIONS_DEFAULT).
 * The caller owns *out and frees it with attune_traj_fit_free(). */
int attune_traj_fit_new(const attune_traj_model *m, int max_session,
                        attune_traj_fit **out, attune_err *err);

/* Why a course was left out of a fit or of a classification. */
typedef enum attune_traj_skip {
	ATTUNE_TRAJ_USED = 0,
	ATTUNE_TRAJ_NO_INTAKE = 1,   /* x[0], the intake score, is missing */
	ATTUNE_TRAJ_NO_BAND = 2,     /* the intake score is in no band */
	ATTUNE_TRAJ_NOT_FITTED = 3   /* (classify) the band has no curve */
} attune_traj_skip;

/* Add one reference course: x[k] is the score at treatment session
 * t = k + 1 (x[0] the intake score, which picks the band), NaN when
 * missing; scores after max_session are not used. x is only read during
 * the call. Returns ATTUNE_TRAJ_USED or why the course was left out;
 * never allocates. */
attune_traj_skip attune_traj_fit_add(attune_traj_fit *f, const double *x,
                                     size_t n);

/* Compute every band's curve into *out (a copy of the bands given to
 * attune_traj_fit_new with the fitted values). A band with fewer than
 * min_persons courses (at least 1), fewer than 3 scores or scores at one
 * session only keeps its counts and gets NaN intercept, slope and sd:
 * "not fitted". The fit can go on taking courses afterwards. */
int attune_traj_fit_finish(const attune_traj_fit *f, size_t min_persons,
                           attune_traj_model *out, attune_err *err);

/* Free a fit. NULL is a no-op. */
void attune_traj_fit_free(attune_traj_fit *f);

/* 1 when band i of m has a curve. */
int attune_traj_band_fitted(const attune_traj_model *m, size_t i);

/* ---- Classification ------------------------------------------------ */

typedef enum attune_traj_status {
	ATTUNE_TRAJ_NONE = 0,         /* not judged: the intake session, a
	                                 missing score, no band or no curve */
	ATTUNE_TRAJ_ON_TRACK = 1,
	ATTUNE_TRAJ_AT_RISK = 2,      /* beyond the at-risk percentile */
	ATTUNE_TRAJ_NOT_ON_TRACK = 3  /* beyond the not-on-track percentile */
} attune_traj_status;

/* The two tolerance percentiles and their normal quantiles. */
typedef struct attune_traj_params {
	double p_at_risk;          /* e.g. 0.70 */
	double p_not_on_track;     /* e.g. 0.90 */
	double z_at_risk;          /* set by attune_traj_params_init() */
	double z_not_on_track;
} attune_traj_params;

/* attune's defaults: at risk beyond the 70th percentile of comparable
 * reference scores at that session, not on track beyond the 90th (the
 * part of the OQ-45 system's red signal; docs/analytics.md (section 4) says
 * what could and could not be checked against the papers). */
#define ATTUNE_TRAJ_P_AT_RISK 0.70
#define ATTUNE_TRAJ_P_NOT_ON_TRACK 0.90

/* Set p from two probabilities with 0.5 <= at_risk <= not_on_track < 1,
 * computing the z values (Wichura 1988, AS 241). ATTUNE_EINVAL
 * otherwise. */
int attune_traj_params_init(attune_traj_params *p, double at_risk,
                            double not_on_track, attune_err *err);

/* One session of one course compared with its expected course. */
typedef struct attune_traj_point {
	int session;         /* session number as in the input (first + k) */
	int t;               /* treatment session, 1 at intake */
	double score;        /* NaN when missing */
	double expected;     /* E_b(min(t, band max_session)) */
	double lower, upper; /* expected -/+ z_at_risk * s: within them is on
	                        track */
	double limit;        /* expected +/- z_not_on_track * s on the worse
	                        side: beyond it is not on track */
	attune_traj_status status;
} attune_traj_point;

/* The course as a whole: its band and its latest judged session. */
typedef struct attune_traj_result {
	attune_traj_skip skip;  /* ATTUNE_TRAJ_USED when banded with a curve */
	int band;               /* index into the model's bands, or -1 */
	double intake;          /* x[0] */
	int intake_session;     /* first */
	size_t n_judged;        /* sessions after intake with a score */
	size_t n_at_risk, n_not_on_track; /* of those, how many */
	attune_traj_point last; /* the latest judged session; status NONE
	                           when there is none (only the intake) */
} attune_traj_result;

/* Expected score and bands for a score y at treatment session t >= 1 of
 * band b (fitted). The worse side follows m->direction: lower is better
 * puts at risk above `upper` and not on track above `limit`; higher is
 * better mirrors both. A score exactly on a boundary is the milder
 * status (the boundary belongs to the inside). Status NONE for t == 1 or
 * a NaN y (the bands are still filled). */
void attune_traj_point_at(const attune_traj_model *m,
                          const attune_traj_params *p, size_t b, int t,
                          double y, attune_traj_point *out);

/* Classify one course: x[k] is the score at session first + k, x[0] the
 * intake. points (may be NULL) receives n entries, one per session, in
 * order. *out summarises. Never allocates; x and points are the
 * caller's. */
void attune_traj_classify(const attune_traj_model *m,
                          const attune_traj_params *p, const double *x,
                          size_t n, int first, attune_traj_point *points,
                          attune_traj_result *out);

/* Static names: "on-track", "at-risk", "not-on-track", "" for NONE. */
const char *attune_traj_status_name(attune_traj_status s);

/* ---- Model files --------------------------------------------------- */

/* Write m as a model file into a malloc'd, NUL-terminated buffer: CSV
 * (json == 0; one row per band, the columns in docs/analytics.md (section 4))
 * or JSON. Numbers are written in the shortest form that reads back the
 * same, so a save and load gives an identical model. The caller frees
 * *out with free(). ATTUNE_ENOMEM. */
int attune_traj_model_format(const attune_traj_model *m, int json,
                             char **out, size_t *len);

/* Read a model file from buf[0..len) (CSV or JSON, told apart by the
 * first non-blank byte being '{'). zName names the file in messages,
 * which give the line (CSV) or the JSON path. Checks the format name,
 * the direction, every number and that the bands are increasing and do
 * not overlap. *m is only written on success. */
int attune_traj_model_parse(const char *buf, size_t len, const char *zName,
                            attune_traj_model *m, attune_err *err);

#endif
