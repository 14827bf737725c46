/* mirror.h - the session mirror's utterance coder: a linear model over
 * hashed word, character and context features that codes each therapist
 * turn (question / reflection / therapist input / other, with subcodes)
 * and each client turn (change / neutral / sustain talk), trained by
 * attune itself from any CSV with the AnnoMI columns.
 *
 * Pure: no I/O, no globals, no clocks. Training, cross-validation and
 * coding work on buffers and attune_csv streams the caller opened. The
 * model, its features, the file format and the measured accuracy are
 * documented in docs/mirror.md. The codes assist a clinician's reading of
 * a session; they never replace it. */
#ifndef ATTUNE_MIRROR_H
#define ATTUNE_MIRROR_H

#include "attune.h"
#include "csv.h"
#include "transcript.h"

/* ---- codes ------------------------------------------------------------
 * Values are stable (they may be stored). -1 means "no code". */

/* What a therapist turn mainly does (AnnoMI main_therapist_behaviour). */
typedef enum attune_mirror_behaviour {
	ATTUNE_MIRROR_QUESTION = 0,
	ATTUNE_MIRROR_REFLECTION = 1,
	ATTUNE_MIRROR_INPUT = 2,       /* "therapist_input": information,
	                                  advice, options, negotiation */
	ATTUNE_MIRROR_OTHER = 3        /* greetings, back-channel, ... */
} attune_mirror_behaviour;

/* The talk of a client turn (AnnoMI client_talk_type): towards the
 * target behaviour change, neither, or for the status quo. */
typedef enum attune_mirror_talk {
	ATTUNE_MIRROR_CHANGE = 0,
	ATTUNE_MIRROR_NEUTRAL = 1,
	ATTUNE_MIRROR_SUSTAIN = 2
} attune_mirror_talk;

/* Subcodes of a therapist behaviour (AnnoMI question_subtype,
 * reflection_subtype, therapist_input_subtype). */
typedef enum attune_mirror_subcode {
	ATTUNE_MIRROR_OPEN = 0,        /* of a question */
	ATTUNE_MIRROR_CLOSED = 1,
	ATTUNE_MIRROR_SIMPLE = 2,      /* of a reflection */
	ATTUNE_MIRROR_COMPLEX = 3,
	ATTUNE_MIRROR_INFORMATION = 4, /* of therapist input */
	ATTUNE_MIRROR_ADVICE = 5,
	ATTUNE_MIRROR_OPTIONS = 6,
	ATTUNE_MIRROR_NEGOTIATION = 7
} attune_mirror_subcode;

/* The three coding tasks; also the evaluation groups below. */
typedef enum attune_mirror_task {
	ATTUNE_MIRROR_BEHAVIOUR = 0,   /* therapist: 4 classes */
	ATTUNE_MIRROR_TALK = 1,        /* client: 3 classes */
	ATTUNE_MIRROR_SUBCODE = 2      /* therapist: 8 subcodes, 2-4 per
	                                  behaviour (none for "other") */
} attune_mirror_task;

/* Name of a code as written in CSV and JSON ("question", "change",
 * "open", "therapist_input"), or "" for -1 or an unknown value. */
const char *attune_mirror_code_name(attune_mirror_task task, int code);

/* The behaviour a subcode belongs to, or -1. */
int attune_mirror_subcode_parent(int subcode);

/* ---- limits ------------------------------------------------------------
 * (Kept here with the coder; docs/mirror.md lists them.) */

/* Hash buckets are 2^bits. A table of 2^4 is useless for coding but
 * valid, and keeps test and fuzzing models small; above 2^24 a model
 * (15 float32 per bucket) passes 1 GB. */
#define ATTUNE_MIRROR_HASH_BITS_MIN 4u
#define ATTUNE_MIRROR_HASH_BITS_MAX 24u

/* Largest weight or bias a model file may hold, in absolute value.
 * Trained weights stay below 100; the bound keeps every score finite
 * (a turn has at most a few hundred thousand features of value <= 100). */
#define ATTUNE_MIRROR_WEIGHT_MAX 1e6f

/* The text header of a model file: a few hundred bytes in practice. */
#define ATTUNE_MIRROR_HEADER_MAX (64u * 1024u)

/* Utterances in a labelled corpus (held in memory with their text;
 * AnnoMI has 7 832, a clinic's archive of 10 000 sessions about 2
 * million). */
#define ATTUNE_MIRROR_CORPUS_MAX 4000000u

/* Cross-validation folds. */
#define ATTUNE_MIRROR_FOLDS_MAX 100u

/* ---- labelled corpus ---------------------------------------------------- */

typedef struct attune_mirror_corpus attune_mirror_corpus;

/* Read a labelled corpus from a CSV stream positioned at its header.
 * Columns (names case-insensitive, order free, others ignored):
 *   utterance_text, interlocutor      required
 *   main_therapist_behaviour, client_talk_type
 *                                     at least one of them
 *   transcript_id, utterance_id       optional
 *   question_subtype, reflection_subtype, therapist_input_subtype
 *                                     optional (subcodes)
 * Labels are the code names above; "", "n/a", "na" and "none" mean no
 * label. Consecutive rows with the same transcript_id and utterance_id
 * are one utterance coded by several annotators (annomi-full.csv): its
 * label is the majority vote, a tie going to the code voted first. Rows
 * of one transcript must be together. Unknown label values, a missing
 * column and breached limits are errors naming the line and column.
 * On success *out is owned by the caller (attune_mirror_corpus_free). */
int attune_mirror_corpus_read_csv(attune_csv *csv,
                                  attune_mirror_corpus **out,
                                  attune_err *err);

/* Free c and everything it owns. NULL is fine. */
void attune_mirror_corpus_free(attune_mirror_corpus *c);

typedef struct attune_mirror_corpus_info {
	size_t n_transcripts;
	size_t n_utterances;
	size_t n_rows;            /* CSV rows read (several per utterance
	                             when several annotators coded it) */
	size_t n_labelled[3];     /* per attune_mirror_task */
	size_t n_class[3][8];     /* per task and code */
} attune_mirror_corpus_info;

void attune_mirror_corpus_info_get(const attune_mirror_corpus *c,
                                   attune_mirror_corpus_info *info);

/* ---- options -------------------------------------------------------------
 * Feature options are stored in the model (coding uses the same
 * features); learning options only shape training. */

typedef struct attune_mirror_opts {
	/* features */
	unsigned hash_bits;       /* buckets = 2^hash_bits (default 16) */
	unsigned word_ngrams;     /* word n-grams 1..N (1-3, default 2) */
	unsigned char_min;        /* character n-grams inside words, */
	unsigned char_max;        /* char_min..char_max (default 3-5; 0 off),
	                             for therapist turns */
	unsigned char_client;     /* 1: for client turns too (default 0:
	                             they did not help client talk) */
	unsigned context;         /* previous turns seen (0-3, default 2) */
	unsigned next;            /* 1: also the next turn (off by default:
	                             the coder then waits for the reply) */
	float w_word, w_char, w_meta, w_prev;  /* block weights */
	/* learning */
	unsigned epochs;          /* passes over the data (default 12) */
	double lambda;            /* L2 penalty per example (default 3e-4) */
	double eta0;              /* initial learning rate (default 0.2) */
	double class_weight;      /* 0: none, 1: balanced (n / (K n_c)), in
	                             between: balanced^class_weight
	                             (default 0.7) */
	unsigned avg_from;        /* average the weights of epochs from this
	                             one on (1-based; default half way) */
	uint64_t seed;            /* shuffling; same seed, same model */
} attune_mirror_opts;

/* The defaults (the shipped model's settings). */
void attune_mirror_opts_default(attune_mirror_opts *o);

/* Set one option by name ("hash_bits", "epochs", "lambda", ... as the
 * struct fields; docs/mirror.md lists them). ATTUNE_EINVAL names the key
 * or the value that is wrong. */
int attune_mirror_opts_set(attune_mirror_opts *o, const char *key,
                           const char *value, attune_err *err);

/* Check o (ranges above). */
int attune_mirror_opts_check(const attune_mirror_opts *o, attune_err *err);

/* ---- model -------------------------------------------------------------- */

typedef struct attune_mirror_model attune_mirror_model;

/* Train a model on every labelled utterance of c. Deterministic: the
 * same corpus and options give the same model, byte for byte. Tasks
 * without any label in c stay untrained (their codes are -1). On
 * success the caller owns *out (attune_mirror_model_free). */
int attune_mirror_train(const attune_mirror_corpus *c,
                        const attune_mirror_opts *o,
                        attune_mirror_model **out, attune_err *err);

/* Serialise m in the model file format (docs/mirror.md): *out is
 * malloc'd, the caller frees it. ATTUNE_ENOMEM only. */
int attune_mirror_model_save(const attune_mirror_model *m,
                             unsigned char **out, size_t *len);

/* Read a model file from buf[0..len); zName names it in messages
 * ("annomi.model: ..."). Every field is checked: magic, version (a
 * newer one is ATTUNE_EVERSION), header keys and ranges, the size of
 * the weights, the checksum, and that every weight is finite. On
 * success the caller owns *out; buf may go. */
int attune_mirror_model_load(const void *buf, size_t len, const char *zName,
                             attune_mirror_model **out, attune_err *err);

/* The model compiled into the library (models/annomi.model when it was
 * built), or ATTUNE_ENOTFOUND when none was. */
int attune_mirror_model_builtin(attune_mirror_model **out, attune_err *err);

/* Free m. NULL is fine. */
void attune_mirror_model_free(attune_mirror_model *m);

/* The model's text header (format version, features, classes, training
 * data): borrowed, lives as long as m. */
const char *attune_mirror_model_header(const attune_mirror_model *m);

/* 1 if the model was trained for the task. */
int attune_mirror_model_has(const attune_mirror_model *m,
                            attune_mirror_task task);

/* ---- coding -------------------------------------------------------------
 * A model is read-only while coding: one model may code in many threads
 * at once (each call has its own scratch). */

typedef struct attune_mirror_result {
	int behaviour;            /* attune_mirror_behaviour, -1 unless a
	                             therapist turn */
	int talk;                 /* attune_mirror_talk, -1 unless a client
	                             turn */
	int subcode;              /* attune_mirror_subcode of the behaviour,
	                             -1 when none (other, or not trained) */
	float confidence;         /* the model's probability of behaviour
	                             (or talk); 0 when no code */
	float sub_confidence;     /* probability of subcode among the
	                             behaviour's subcodes; 0 when none */
	float prob[4];            /* probability of each behaviour (or talk)
	                             code; zeros when no code */
} attune_mirror_result;

/* Code the utterances u[0..n) of one transcript, in order: res[i] for
 * u[i]. Each turn is coded from its own text and the text of the turns
 * before it (as many as the model's context; never their codes, never
 * later turns unless the model was trained with `next`). Speakers other
 * than therapist and client get no code. res is the caller's array of
 * n. Returns ATTUNE_OK or ATTUNE_ENOMEM. */
int attune_mirror_code(const attune_mirror_model *m,
                       const attune_utterance *u, size_t n,
                       attune_mirror_result *res, attune_err *err);

/* A feature that weighed for a code, for showing the evidence. */
typedef struct attune_mirror_evidence {
	char name[64];            /* "w:do you", "c:_wh", "end:?",
	                             "prev:sure", ...; truncated names end
	                             in "..." */
	float weight;             /* its pull towards the code given over the
	                             runner-up (value x weight difference) */
} attune_mirror_evidence;

/* The k features that most favoured utterance i's code (the main code:
 * behaviour or talk) over the runner-up, strongest first, in ev[0..*n_ev)
 * (k at most 16). *n_ev is 0 for a turn without a code. Slower than
 * coding: for showing one turn, not for archives. */
int attune_mirror_explain(const attune_mirror_model *m,
                          const attune_utterance *u, size_t n, size_t i,
                          attune_mirror_evidence *ev, size_t k,
                          size_t *n_ev, attune_err *err);

/* ---- evaluation ----------------------------------------------------------- */

/* Evaluation groups: the three main tasks' confusion matrices, and each
 * subcode family given the behaviour a coder gave (open/closed among
 * questions, simple/complex among reflections, the four inputs among
 * therapist input). */
typedef enum attune_mirror_group {
	ATTUNE_MIRROR_G_BEHAVIOUR = 0,
	ATTUNE_MIRROR_G_TALK = 1,
	ATTUNE_MIRROR_G_QUESTION = 2,   /* open, closed */
	ATTUNE_MIRROR_G_REFLECTION = 3, /* simple, complex */
	ATTUNE_MIRROR_G_INPUT = 4,      /* information, advice, options,
	                                   negotiation */
	ATTUNE_MIRROR_G_COUNT = 5
} attune_mirror_group;

typedef struct attune_mirror_confusion {
	unsigned k;               /* classes */
	size_t m[4][4];           /* m[gold][predicted] */
} attune_mirror_confusion;

typedef struct attune_mirror_eval {
	unsigned folds;
	size_t n_transcripts;
	attune_mirror_confusion g[ATTUNE_MIRROR_G_COUNT];
} attune_mirror_eval;

/* Called by attune_mirror_cv for every labelled utterance, in input
 * order within each fold: transcript_id (NULL when the CSV has none),
 * the utterance, its fold, the experts' codes (gold[task], -1 for none)
 * and the held-out model's result. Pointers live for the call only. */
typedef void (*attune_mirror_cv_cb)(void *ctx, const char *transcript_id,
                                    const attune_utterance *u,
                                    unsigned fold, const int gold[3],
                                    const attune_mirror_result *r);

/* K-fold cross-validation grouped by transcript: transcript j (in input
 * order) is in fold j mod K, so no transcript is ever split between
 * training and test. Each fold trains a model on the others with o and
 * codes its own transcripts. 2 <= folds <= ATTUNE_MIRROR_FOLDS_MAX and
 * at most the number of transcripts. cb (may be NULL) sees every
 * held-out prediction. */
int attune_mirror_cv(const attune_mirror_corpus *c,
                     const attune_mirror_opts *o, unsigned folds,
                     attune_mirror_cv_cb cb, void *ctx,
                     attune_mirror_eval *out, attune_err *err);

/* Name of a group ("therapist_behaviour", "client_talk",
 * "question_type", "reflection_type", "input_type") and of its class i
 * (the code names). */
const char *attune_mirror_group_name(attune_mirror_group g);
const char *attune_mirror_group_class(attune_mirror_group g, unsigned i);

typedef struct attune_mirror_metrics {
	size_t n;                 /* utterances */
	size_t support[4];        /* gold count per class */
	double precision[4], recall[4], f1[4];  /* 0 when undefined */
	double macro_f1;          /* mean of f1 over the classes */
	double accuracy;
	double kappa;             /* Cohen's kappa, (p_o - p_e) / (1 - p_e);
	                             0 when p_e is 1 */
} attune_mirror_metrics;

/* Metrics of a confusion matrix. */
void attune_mirror_metrics_of(const attune_mirror_confusion *c,
                              attune_mirror_metrics *out);

#endif
