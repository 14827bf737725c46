/* mirror_rules.h - the session mirror's cue rules: rupture markers on
 * client turns (withdrawal, deference, confrontation, mistrust/testing)
 * and the therapist's relational moves (the resolution strategies of the
 * Rupture Resolution Rating System, 3RS; Eubanks, Muran & Safran 2015),
 * as transparent rules read from a documented text file, each rule
 * looking at the turn and its neighbours.
 *
 * Pure: no I/O, no globals, no clocks. The file format, the shipped rules
 * (models/mirror.rules, compiled in) and their limits are documented in
 * docs/mirror.md. The rules have not been validated against expert-coded
 * 3RS data: they point at moments worth a second look, never decide. */
#ifndef ATTUNE_MIRROR_RULES_H
#define ATTUNE_MIRROR_RULES_H

#include "attune.h"
#include "mirror.h"
#include "transcript.h"

/* What a rule finds. Values are stable (they may be stored). The first
 * four are rupture markers on client turns (3RS withdrawal and
 * confrontation markers; deference/appeasing is a 3RS withdrawal marker
 * kept apart as the seeds' people-pleasing; mistrust/testing is the
 * seeds', not a 3RS category). */
typedef enum attune_mirror_cue_type {
	ATTUNE_CUE_WITHDRAWAL = 0,
	ATTUNE_CUE_DEFERENCE = 1,
	ATTUNE_CUE_CONFRONTATION = 2,
	ATTUNE_CUE_MISTRUST = 3,
	ATTUNE_CUE_MOVE = 4,       /* a therapist's relational move */
	ATTUNE_CUE_ENGAGE = 5      /* a client's explicit re-engagement
	                              ("yes, that's it"), used for repair */
} attune_mirror_cue_type;
#define ATTUNE_CUE_TYPES 6
#define ATTUNE_CUE_MARKER_TYPES 4  /* types 0..3 are rupture markers */

/* "withdrawal", "deference", "confrontation", "mistrust", "move",
 * "engage"; "" for an unknown value. */
const char *attune_mirror_cue_type_name(int type);

/* ---- limits -------------------------------------------------------------
 * A rules file is hand-written: a few hundred rules and phrases. The
 * bounds keep a hostile or mistaken file from taking much memory and
 * keep matching fast (docs/mirror.md lists them). */
#define ATTUNE_RULES_FILE_MAX (1u << 20)   /* bytes of a rules file */
#define ATTUNE_RULES_MAX 1024u             /* rules */
#define ATTUNE_RULES_PHRASES_MAX 16384u    /* phrases, all rules */
#define ATTUNE_RULES_PHRASE_WORDS 8u       /* words in one phrase */
#define ATTUNE_RULES_CLAUSES_MAX 16u       /* conditions in one rule */
#define ATTUNE_RULES_NAME_MAX 48u          /* rule ids, set names,
                                              subtypes */
#define ATTUNE_RULES_WINDOW_MAX 50u        /* utterances in any window
                                              (after-marker, params) */

typedef struct attune_mirror_rules attune_mirror_rules;

/* Read a rules file from buf[0..len) (format in docs/mirror.md). zName
 * names it in messages: "clinic.rules:12:9: unknown condition 'pre-any'".
 * Strict: unknown keys, bad values, undefined sets, rules without a code,
 * duplicate ids and breached limits are errors. On success the caller
 * owns *out (attune_mirror_rules_free); buf may go. */
int attune_mirror_rules_parse(const char *buf, size_t len, const char *zName,
                              attune_mirror_rules **out, attune_err *err);

/* The rules compiled into the library (models/mirror.rules). The caller
 * owns *out. */
int attune_mirror_rules_builtin(attune_mirror_rules **out, attune_err *err);

/* The text of the compiled-in rules file (borrowed, static). */
const char *attune_mirror_rules_builtin_text(size_t *len);

/* Free r. NULL is fine. */
void attune_mirror_rules_free(attune_mirror_rules *r);

/* Episode and repair parameters (the rules file's `param` lines; the
 * defaults in docs/mirror.md). */
typedef struct attune_mirror_params {
	unsigned episode_gap;      /* marker turns at most this many
	                              utterances apart are one episode (4) */
	unsigned response_window;  /* utterances after an episode's last
	                              marker in which a resolution move
	                              counts (6) */
	unsigned reengage_window;  /* utterances after the move in which the
	                              client must re-engage (6) */
	unsigned reengage_words;   /* a marker-free client turn of at least
	                              this many words re-engages (12) */
	unsigned moments_max;      /* moments worth another look (8) */
} attune_mirror_params;

/* r's parameters. */
void attune_mirror_rules_params(const attune_mirror_rules *r,
                                attune_mirror_params *p);

/* The codes r can give, for listing and for tests: code k (0 <= k <
 * attune_mirror_rules_codes(r)) has type *type and subtype name *sub
 * (borrowed, lives as long as r). Codes are sorted by type, then in the
 * order the file first names them. */
size_t attune_mirror_rules_codes(const attune_mirror_rules *r);
void attune_mirror_rules_code(const attune_mirror_rules *r, size_t k,
                              int *type, const char **sub);

/* ---- applying the rules -------------------------------------------------- */

/* One code found on one utterance, with its evidence. */
typedef struct attune_mirror_mark {
	size_t utterance;          /* index into the transcript */
	int type;                  /* attune_mirror_cue_type */
	const char *subtype;       /* "minimal", "immediacy", ... (borrowed
	                              from the rules) */
	size_t code;               /* its index for attune_mirror_rules_code */
	int intensity;             /* markers: 1 mild, 2 moderate, 3 strong;
	                              0 for moves and engagement */
	float confidence;          /* the rule's confidence, 0..1: how often
	                              its authors expect it to be right, not
	                              a measured figure */
	const char *rule;          /* id of the rule that fired (borrowed) */
	size_t cue_off, cue_len;   /* the cue in the utterance's text:
	                              text[cue_off .. cue_off+cue_len);
	                              cue_len 0 when the rule has no word cue
	                              (a minimal response, say) */
} attune_mirror_mark;

/* The marks of a transcript: m[first[i] .. first[i+1]) are utterance i's,
 * markers first, by type then code. One allocation; free with
 * attune_mirror_marks_free. */
typedef struct attune_mirror_marks {
	size_t n_utterances;
	size_t n;                  /* marks in m */
	attune_mirror_mark *m;
	size_t *first;             /* n_utterances + 1 entries */
} attune_mirror_marks;

/* Apply r to the utterances u[0..n) of one transcript, in order. codes
 * (may be NULL) are the coder's results for u (attune_mirror_code): a
 * rule's prev-code condition reads them and is false without them. Each
 * utterance gets at most one mark per code: the rule of highest
 * confidence (then intensity, then file order) among those that fired.
 * On success the caller owns *out (attune_mirror_marks_free). Returns
 * ATTUNE_OK or ATTUNE_ENOMEM. */
int attune_mirror_mark_apply(const attune_mirror_rules *r,
                             const attune_utterance *u, size_t n,
                             const attune_mirror_result *codes,
                             attune_mirror_marks **out, attune_err *err);

void attune_mirror_marks_free(attune_mirror_marks *m);

#endif
