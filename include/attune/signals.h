/* signals.h - one status per client that a therapist or clinic acts on,
 * combining the outcome signal (the expected-response comparison of
 * trajectory.h), the alliance signal (rupture-repair sequences of
 * alliance.h) and how recent the data are, with the reasons listed in
 * plain words ("not on track: PHQ-9 14 at session 6 is above the
 * expected 9 ± 3").
 *
 * Pure functions: no I/O, no globals, no allocation. The caller owns all
 * input and output; nothing keeps a pointer after a call returns. */
#ifndef ATTUNE_SIGNALS_H
#define ATTUNE_SIGNALS_H

#include "alliance.h"
#include "trajectory.h"

/* Statuses, from the least to the most urgent. A client's status is the
 * most urgent one that holds; every one that holds is in `flags` and has
 * its reason. */
typedef enum attune_signal_status {
	ATTUNE_SIGNAL_NO_SIGNAL = 0,         /* nothing to judge yet: only the
	                                        intake score, no intake, no
	                                        band or no expected course */
	ATTUNE_SIGNAL_ON_TRACK = 1,          /* the latest outcome score is
	                                        within the expected course */
	ATTUNE_SIGNAL_NO_RECENT_DATA = 2,    /* nothing for longer than the
	                                        recency window */
	ATTUNE_SIGNAL_AT_RISK = 3,           /* beyond the at-risk boundary */
	ATTUNE_SIGNAL_RUPTURE_UNREPAIRED = 4,/* the latest alliance rupture has
	                                        had no repair */
	ATTUNE_SIGNAL_NOT_ON_TRACK = 5       /* beyond the not-on-track limit */
} attune_signal_status;

/* Reasons per client and their longest text (bytes with the NUL). */
#define ATTUNE_SIGNAL_REASONS_MAX 4
#define ATTUNE_SIGNAL_REASON_MAX 256

typedef struct attune_signal_input {
	/* Outcome: the course classified by attune_traj_classify() with
	 * model (both borrowed for the call); NULL outcome: no outcome
	 * scores at all. model may be NULL only when outcome is. */
	const attune_traj_result *outcome;
	const attune_traj_model *model;
	const char *measure;         /* shown in reasons ("PHQ-9"); NULL:
	                                "score" */
	/* Alliance: the sequences attune_rupture_detect() found in the
	 * client's alliance series, in session order (borrowed); n 0: none
	 * or no alliance series. Only the latest sequence counts: it is
	 * "unrepaired" when its status is ATTUNE_RUPTURE_UNREPAIRED. */
	const attune_rupture *ruptures;
	size_t n_ruptures;
	/* Names of the alliance subscales for attune_rupture.lead (borrowed,
	 * may be NULL). */
	const char *const *subscales;
	size_t n_subscales;
	/* Recency: days from the client's latest data to the day of the
	 * report (< 0: unknown, no recency signal) and the window in days
	 * (0: no recency signal). More than recent_days is "no recent
	 * data"; exactly recent_days is still recent. */
	long days_since_last;
	long recent_days;
} attune_signal_input;

typedef struct attune_signal {
	attune_signal_status status;
	unsigned flags;              /* bit (1u << s) for every status s
	                                that holds */
	size_t n_reasons;            /* the most urgent first */
	char reasons[ATTUNE_SIGNAL_REASONS_MAX][ATTUNE_SIGNAL_REASON_MAX];
} attune_signal;

/* Combine in into *out. Always succeeds; in is only read. */
void attune_signal_combine(const attune_signal_input *in,
                           attune_signal *out);

/* Why a single outcome point was judged so, as a sentence like the
 * reasons above ("at risk: PHQ-9 12 at session 4 is above the expected
 * 9.2 ± 1.6"); for a point with status NONE, "" . At most
 * ATTUNE_SIGNAL_REASON_MAX bytes are written to buf (NUL-terminated). */
void attune_signal_outcome_reason(const attune_traj_model *m,
                                  const attune_traj_point *pt,
                                  const char *measure, char *buf);

/* Static names, as the web app shows them: "no-signal", "on-track",
 * "no-recent-data", "at-risk", "rupture-unrepaired", "not-on-track";
 * "?" for an unknown value. */
const char *attune_signal_status_name(attune_signal_status s);

#endif
