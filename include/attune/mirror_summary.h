/* mirror_summary.h - the session mirror's analysis of one coded
 * transcript: rupture episodes and whether they were repaired, a MITI
 * 4.2.1-style summary of the therapist's codes, talk-time share, the
 * change-talk proportion, and moments worth looking at again.
 *
 * Pure: no I/O, no globals, no clocks. Input is what attune_mirror_code
 * (mirror.h) and attune_mirror_mark_apply (mirror_rules.h) produced. How
 * episodes and repair are decided, and the sources of the thresholds, are
 * in docs/mirror.md. Like the codes it summarises, it points at moments
 * for a clinician to listen to again; it never judges a session. */
#ifndef ATTUNE_MIRROR_SUMMARY_H
#define ATTUNE_MIRROR_SUMMARY_H

#include "attune.h"
#include "mirror.h"
#include "mirror_rules.h"
#include "transcript.h"

#define ATTUNE_MIRROR_NONE ((size_t)-1)   /* "no such utterance" */

/* How the client re-engaged after a rupture (the first that applies). */
typedef enum attune_mirror_reengage {
	ATTUNE_REENGAGE_NONE = 0,
	ATTUNE_REENGAGE_AGREEMENT = 1, /* an engage/... rule fired ("yes,
	                                  that's it") */
	ATTUNE_REENGAGE_CHANGE = 2,    /* change talk (the coder) */
	ATTUNE_REENGAGE_LONGER = 3     /* a longer, elaborated turn: at least
	                                  reengage_words words and more than
	                                  the episode's marker turns' mean */
} attune_mirror_reengage;

/* "none", "agreement", "change talk", "longer turn". */
const char *attune_mirror_reengage_name(int how);

/* A rupture episode: client turns with markers, each at most
 * params.episode_gap utterances after the one before. */
typedef struct attune_mirror_episode {
	size_t first, last;        /* utterances of its first and last marker */
	size_t n_turns;            /* client turns with a marker */
	size_t n_markers;          /* markers (a turn may have several) */
	size_t n_by_type[ATTUNE_CUE_MARKER_TYPES];
	int type;                  /* the dominant marker type: the most
	                              markers, then the highest intensity,
	                              then the lower type value */
	int intensity;             /* the strongest marker's, 1..3 */
	size_t response;           /* the therapist's first turn after the
	                              first marker, or ATTUNE_MIRROR_NONE */
	size_t move;               /* the first relational move after the first
	                              marker and at most response_window
	                              utterances after the last (and before
	                              the next episode), or ..._NONE */
	const char *move_subtype;  /* its subtype ("immediacy"), borrowed from
	                              the rules; NULL without a move */
	size_t reengage;           /* the first client turn that re-engaged,
	                              within reengage_window utterances of
	                              the move (of the last marker when no
	                              move), or ..._NONE */
	int reengage_how;          /* attune_mirror_reengage */
	int repaired;              /* 1: a move, then re-engagement */
} attune_mirror_episode;

/* MITI 4.2.1 bands (Moyers, Manuel & Ernst 2014): R:Q fair 1:1, good
 * 2:1; % complex reflections fair 40 %, good 50 %. */
typedef enum attune_mirror_band {
	ATTUNE_BAND_NONE = -1,     /* not computable (no questions, ...) */
	ATTUNE_BAND_BELOW = 0,     /* below fair */
	ATTUNE_BAND_FAIR = 1,
	ATTUNE_BAND_GOOD = 2
} attune_mirror_band;

/* "n/a", "below fair", "fair", "good". */
const char *attune_mirror_band_name(int band);

/* The band of a reflection-to-question ratio and of a share of complex
 * reflections (0..1); NaN gives ATTUNE_BAND_NONE. */
int attune_mirror_band_rq(double rq);
int attune_mirror_band_cr(double pct_complex);

typedef struct attune_mirror_miti {
	size_t questions, open, closed;
	size_t reflections, simple, complex;
	size_t inputs, other;
	double rq;                 /* reflections / questions; NaN when no
	                              question */
	double pct_complex;        /* complex / reflections, 0..1; NaN when
	                              no reflection (subcodes: the coder's) */
	int rq_band, cr_band;      /* attune_mirror_band */
} attune_mirror_miti;

/* Why a moment is worth another look. */
typedef enum attune_mirror_moment_kind {
	ATTUNE_MOMENT_RUPTURE = 0,  /* an episode not repaired: its first
	                               marker */
	ATTUNE_MOMENT_REPAIR = 1,   /* an episode repaired: the move */
	ATTUNE_MOMENT_MOVE = 2      /* a relational move outside any
	                               episode's response */
} attune_mirror_moment_kind;

typedef struct attune_mirror_moment {
	size_t utterance;
	int kind;                  /* attune_mirror_moment_kind */
	size_t episode;            /* index into episodes, or ..._NONE */
} attune_mirror_moment;

typedef struct attune_mirror_summary {
	size_t n_utterances, n_therapist, n_client;
	/* talk share: words (the rules' tokeniser) and, when every
	 * therapist and client utterance has a start and an end (or the
	 * next utterance's start; the last may have neither, and then does
	 * not count), milliseconds */
	size_t words_therapist, words_client;
	double share_words;        /* therapist / (therapist + client); NaN
	                              when nobody spoke */
	int has_time;
	int64_t ms_therapist, ms_client;
	double share_time;         /* NaN unless has_time */
	attune_mirror_miti miti;
	size_t change, neutral, sustain;
	double change_prop;        /* change / (change + sustain); NaN when
	                              both are 0 */
	size_t n_markers[ATTUNE_CUE_MARKER_TYPES];
	size_t n_moves;
	size_t n_episodes, n_repaired;
	attune_mirror_episode *episodes;
	size_t n_moments;          /* at most params.moments_max */
	attune_mirror_moment *moments;  /* in session order */
} attune_mirror_summary;

/* Analyse the coded transcript u[0..n): codes[i] from attune_mirror_code
 * (may be NULL: no MITI counts, no change talk), marks from
 * attune_mirror_mark_apply with rules r (whose params are used; marks
 * must be for these n utterances). On success the caller owns *out
 * (attune_mirror_summary_free); it borrows subtype names from r, so r
 * must outlive it. ATTUNE_EINVAL when marks are for another length,
 * ATTUNE_ENOMEM. */
int attune_mirror_summarise(const attune_mirror_rules *r,
                            const attune_utterance *u, size_t n,
                            const attune_mirror_result *codes,
                            const attune_mirror_marks *marks,
                            attune_mirror_summary **out, attune_err *err);

void attune_mirror_summary_free(attune_mirror_summary *s);

#endif
