/* transcript.h - session transcripts read into utterances: plain text with
 * speaker prefixes, WebVTT, SRT, CSV (AnnoMI columns) and JSON.
 *
 * Parsing works on a buffer the caller read (no I/O) or, for CSV, on an
 * attune_csv stream of any length. Every reader produces the same thing:
 * a sequence of utterances, each with a speaker role, the speaker label as
 * written, normalised UTF-8 text, start and end times when known, and the
 * source line. The formats, the speaker rules and the utterance rule are
 * documented in docs/transcripts.md; the limits in include/attune/limits.h
 * (ATTUNE_TRANSCRIPT_SIZE_MAX and friends).
 *
 * Errors are "NAME:LINE: what" in attune_err, where NAME is the zName
 * the caller gave ("speaker map: what" for a bad opts.speakers). The
 * input is checked for UTF-8 and NUL bytes before anything else, so
 * those errors name the byte offset as well. */
#ifndef ATTUNE_TRANSCRIPT_H
#define ATTUNE_TRANSCRIPT_H

#include "attune.h"
#include "csv.h"

/* Who speaks. Values are stable (they may be stored). */
typedef enum attune_speaker {
	ATTUNE_SPEAKER_OTHER = 0,      /* a third person, or not known */
	ATTUNE_SPEAKER_THERAPIST = 1,
	ATTUNE_SPEAKER_CLIENT = 2
} attune_speaker;

typedef enum attune_transcript_format {
	ATTUNE_TRANSCRIPT_AUTO = 0,    /* detect from the content */
	ATTUNE_TRANSCRIPT_TEXT = 1,    /* "T: ..." / "Client: ..." lines */
	ATTUNE_TRANSCRIPT_VTT = 2,     /* WebVTT */
	ATTUNE_TRANSCRIPT_SRT = 3,     /* SubRip */
	ATTUNE_TRANSCRIPT_CSV = 4,     /* utterance_text, interlocutor, ... */
	ATTUNE_TRANSCRIPT_JSON = 5
} attune_transcript_format;

/* One utterance. Every pointer is owned by the transcript and lives until
 * attune_transcript_free(). */
typedef struct attune_utterance {
	attune_speaker speaker;
	const char *label;        /* speaker label as written ("T", "Dr Lee",
	                             "therapist"); "" when none */
	const char *text;         /* UTF-8, NUL-terminated, normalised: line
	                             breaks became single spaces, tags
	                             stripped, entities decoded; may be "" */
	size_t text_len;          /* strlen(text) */
	int64_t start_ms;         /* -1 when not known */
	int64_t end_ms;           /* -1 when not known */
	size_t line;              /* 1-based line where the utterance starts
	                             (the CSV record's line; a JSON object's
	                             opening brace) */
	size_t turn;              /* 0-based turn index: equal for the pieces
	                             of one split turn, else increasing */
	const char *utterance_id; /* CSV/JSON utterance_id, or NULL */
} attune_utterance;

/* A parsed transcript: one allocation tree, read-only, freed with
 * attune_transcript_free(). It may be shared between threads. */
typedef struct attune_transcript {
	const char *name;         /* the zName given to the reader */
	const char *id;           /* CSV/JSON transcript_id, or NULL */
	attune_transcript_format format;  /* the format actually read */
	size_t n;                 /* number of utterances */
	const attune_utterance *u;/* u[0..n) in input order */
	size_t n_unordered;       /* utterances that start before the one
	                             before them (kept in input order) */
} attune_transcript;

/* Flags of attune_transcript_opts.flags. */
/* Plain text: only role words (T, C, Therapist, Client, ...) and names
 * of the speaker map start a turn; any other "Name:" is text. */
#define ATTUNE_TRANSCRIPT_KNOWN_LABELS 1u
/* WebVTT/SRT: one utterance per cue (or per voice span in a cue) instead
 * of merging consecutive cues of one speaker into one turn. */
#define ATTUNE_TRANSCRIPT_KEEP_CUES 2u

/* Reading options. A zeroed struct (or NULL) means: detect the format,
 * no speaker map, one utterance per turn. */
typedef struct attune_transcript_opts {
	attune_transcript_format format;
	/* Names mapped to roles, "Dr Lee=therapist,Sam=client": names are
	 * matched case-insensitively against speaker labels of every format
	 * and take precedence over the role words; roles are therapist,
	 * client or other (or t, c). Borrowed for the call only. */
	const char *speakers;
	unsigned flags;           /* ATTUNE_TRANSCRIPT_* above */
	/* 0: a turn is one utterance (as AnnoMI codes them). Otherwise a
	 * turn longer than split_len bytes is split at sentence ends into
	 * pieces of at most split_len bytes where a sentence end allows it.
	 * Never applied to CSV, whose rows are the utterances. */
	size_t split_len;
} attune_transcript_opts;

/* Called once per transcript, in input order. The callback may keep the
 * transcript by taking *t and setting *t = NULL (it then frees it with
 * attune_transcript_free()); otherwise the reader frees it on return.
 * A non-zero return stops reading and is returned by the reader; err is
 * left as the callback wrote it. */
typedef int (*attune_transcript_cb)(void *ctx, attune_transcript **t);

/* Read the one transcript in buf[0..len) (a UTF-8 BOM is skipped).
 * zName names the input in messages and is copied. On success *out owns
 * the transcript. Input holding several transcripts (a CSV or JSON with
 * more than one transcript_id) is ATTUNE_EINVAL naming the line where the
 * second begins; use attune_transcript_each() for it. Empty input gives
 * a transcript with no utterances. */
int attune_transcript_parse(const char *buf, size_t len, const char *zName,
                            const attune_transcript_opts *opts,
                            attune_transcript **out, attune_err *err);

/* Read every transcript in buf[0..len) and hand each to cb. Input larger
 * than ATTUNE_TRANSCRIPT_SIZE_MAX is ATTUNE_ELIMIT; for larger CSV
 * archives use attune_transcript_read_csv(). */
int attune_transcript_each(const char *buf, size_t len, const char *zName,
                           const attune_transcript_opts *opts,
                           attune_transcript_cb cb, void *ctx,
                           attune_err *err);

/* Read every transcript from a CSV stream positioned at its header line
 * (any length: memory holds one transcript at a time). Rows of one
 * transcript_id must be together. opts->format is ignored; names in
 * messages are attune_csv_name(csv). */
int attune_transcript_read_csv(attune_csv *csv,
                               const attune_transcript_opts *opts,
                               attune_transcript_cb cb, void *ctx,
                               attune_err *err);

/* Free t and everything it owns. NULL is fine. */
void attune_transcript_free(attune_transcript *t);

/* The format of buf[0..len) judged from its start: a WEBVTT header; a
 * JSON array or object; a numbered SRT cue with "-->"; a CSV header with
 * an utterance_text column; else plain text. Never returns AUTO. */
attune_transcript_format attune_transcript_detect(const char *buf,
                                                  size_t len);

/* "text", "vtt", "srt", "csv", "json" ("auto" for AUTO). Never NULL. */
const char *attune_transcript_format_name(attune_transcript_format f);

/* The format named by z (the names above, case-insensitive; also
 * "webvtt", "txt"). ATTUNE_EINVAL when unknown. */
int attune_transcript_format_from_name(const char *z,
                                       attune_transcript_format *out);

/* "therapist", "client", "other". Never NULL. */
const char *attune_speaker_name(attune_speaker s);

/* The canonical text form of t, used by golden tests and the CLI: a
 * header line "transcript\tID\tFORMAT\tN\tN_UNORDERED" then one line per
 * utterance,
 * "LINE\tTURN\tSPEAKER\tLABEL\tSTART\tEND\tUTTERANCE_ID\tTEXT", times as
 * hh:mm:ss.mmm or "-", missing strings empty, and backslash, tab, line
 * breaks and other control characters escaped (\\, \t, \n, \r, \xHH).
 * On success *out is a NUL-terminated string the caller frees with
 * free(), and *len (if not NULL) its length. ATTUNE_ENOMEM otherwise. */
int attune_transcript_canonical(const attune_transcript *t, char **out,
                                size_t *len);

#endif
