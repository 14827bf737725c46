/* text_int.h - library-internal parts shared by the transcript readers:
 * the transcript builder (turns -> utterances, arena storage, limits),
 * speaker labels and the speaker map, timestamps, entities, lines. */
#ifndef ATTUNE_TEXT_INT_H
#define ATTUNE_TEXT_INT_H

#include <stdint.h>
#include <string.h>
#include "attune/transcript.h"
#include "attune/limits.h"
#include "attune/limits.h"
#include "util/arena.h"
#include "util/util_int.h"

/* ---- speaker map ------------------------------------------------------ */

typedef struct spk_entry {
	char name[ATTUNE_SPEAKER_LABEL_MAX + 1];
	size_t n;
	attune_speaker sp;
} spk_entry;

typedef struct spk_map {
	size_t n;
	spk_entry e[ATTUNE_SPEAKER_MAP_MAX];
} spk_map;

/* Parse "Dr Lee=therapist,Sam=client" (NULL or "" is an empty map). */
int spk_map_parse(spk_map *m, const char *z, attune_err *err);

/* Role of a label: a name of the map (case-insensitive), else a role
 * word (t, therapist, counselor, counsellor, clinician; c, client,
 * patient), else OTHER. *known (may be NULL) says whether the map or a
 * role word matched. */
attune_speaker spk_resolve(const spk_map *m, const char *s, size_t n,
                           int *known);

/* The "Label:" that starts a line of plain text or of a cue payload.
 * s[0..n) is the line without leading blanks. On a match returns 1 and
 * sets *label_n (the label is s[0..*label_n), trimmed) and *rest (offset
 * of the text after the colon and its blanks). Role words and map names
 * match anywhere; other names only when they look like a name (see
 * docs/transcripts.md) and only when known_only is 0. */
int spk_prefix(const spk_map *m, const char *s, size_t n, int known_only,
               size_t *label_n, size_t *rest);

/* ---- timestamps --------------------------------------------------------- */

/* Parse a timestamp s[0..n) into milliseconds.
 * strict (1 WebVTT, 2 SRT; the value picks the wording of errors):
 * [h+:]mm:ss[.,]f{1,9} - minutes and seconds two digits each, a
 * fraction needed (digits past milliseconds are dropped).
 * loose (CSV, JSON, "[..]" in plain text): [[h+:]m:]s[.f] - one to three
 * digits per field below the leading one, or plain seconds "12.5".
 * Returns ATTUNE_OK, or ATTUNE_EINVAL/ATTUNE_ELIMIT with the reason
 * ("timestamp '00:61:00.000' has minutes above 59") written to why. */
int ts_parse(const char *s, size_t n, int strict, int64_t *ms, char *why,
             size_t why_n);

/* Write ms as hh:mm:ss.mmm (hours at least two digits) into buf (at
 * least 32 bytes); returns the length. */
size_t ts_format(char *buf, int64_t ms);

/* ---- entities ----------------------------------------------------------- */

/* s[0..n) starts with '&'. If it starts a character reference we decode
 * (&amp; &lt; &gt; &quot; &apos; &nbsp; and &#NNN; &#xHH;), write its
 * UTF-8 to out (at least 4 bytes), set *used to the bytes consumed and
 * return the bytes written (&nbsp; gives a plain space). Otherwise 0. */
size_t ent_decode(const char *s, size_t n, char *out, size_t *used);

/* ---- lines -------------------------------------------------------------- */

/* Iterate lines ending in LF, CRLF or CR. The terminator is not part of
 * the line. A final line without terminator is still a line. */
typedef struct lines {
	const char *p, *end;
	size_t lno;      /* number of the line last returned (1-based) */
	int cr;          /* the input holds a CR: use the slow scan */
} lines;

static inline void lines_init(lines *L, const char *p, size_t n)
{
	L->p = p;
	L->end = p + n;
	L->lno = 0;
	L->cr = memchr(p, '\r', n) != NULL;
}

static inline int lines_next(lines *L, const char **s, size_t *n)
{
	const char *p = L->p, *e;

	if (p >= L->end)
		return 0;
	L->lno++;
	*s = p;
	if (!L->cr) {
		e = memchr(p, '\n', (size_t)(L->end - p));
		if (!e) {
			*n = (size_t)(L->end - p);
			L->p = L->end;
		} else {
			*n = (size_t)(e - p);
			L->p = e + 1;
		}
		return 1;
	}
	for (e = p; e < L->end && *e != '\n' && *e != '\r'; e++)
		;
	*n = (size_t)(e - p);
	if (e < L->end && *e == '\r' && e + 1 < L->end && e[1] == '\n')
		e++;
	L->p = e < L->end ? e + 1 : L->end;
	return 1;
}

static inline int is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\f' || c == '\v';
}

static inline int is_space(unsigned char c)
{
	return is_blank(c) || c == '\n' || c == '\r';
}

/* Trim blanks (space, tab, FF, VT) on both sides of s[0..*n). */
static inline const char *trim(const char *s, size_t *n)
{
	size_t a = 0, b = *n;

	while (a < b && is_blank((unsigned char)s[a]))
		a++;
	while (b > a && is_blank((unsigned char)s[b - 1]))
		b--;
	*n = b - a;
	return s + a;
}

/* 1 if s[0..n) holds "-->". */
static inline int has_arrow(const char *s, size_t n)
{
	const char *p = s, *e = s + n;

	while (p + 3 <= e && (p = memchr(p, '-', (size_t)(e - p))) != NULL) {
		if (p + 3 <= e && p[1] == '-' && p[2] == '>')
			return 1;
		p++;
	}
	return 0;
}

/* ASCII case-insensitive equality of s[0..n) and the lower-case z. */
static inline int eq_ci(const char *s, size_t n, const char *z)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (z[i] == '\0' || c != (unsigned char)z[i])
			return 0;
	}
	return z[n] == '\0';
}

/* Line number (1-based) of byte offset off in buf. */
size_t line_of(const char *buf, size_t len, size_t off);

/* ---- the transcript builder ---------------------------------------------
 *
 * A reader opens a transcript (trb_begin), opens turns (trb_turn), puts
 * their text (trb_put, trb_newline, trb_put_text), ends them
 * (trb_end_turn) and finishes the transcript (trb_finish), which hands it
 * to the callback. Text goes into a scratch buffer, then into the
 * transcript's arena; utterances into a scratch vector, copied into the
 * arena once at the end. No allocation per character or per line. */

#define TRB_LABELS 32   /* distinct labels interned per transcript */

/* A transcript and the arena that holds everything it points to. */
typedef struct tr_impl {
	attune_transcript pub;  /* first: a tr_impl * is an attune_transcript * */
	arena a;
} tr_impl;

typedef struct trb {
	/* for the whole read */
	const char *zName;
	attune_err *err;
	attune_transcript_format format;
	unsigned flags;
	size_t split_len;
	spk_map map;
	attune_transcript_cb cb;
	void *cbctx;
	int single;            /* attune_transcript_parse: one transcript */
	size_t n_done;         /* transcripts handed to cb */
	int cb_rc;             /* non-zero: cb stopped the read */

	/* the transcript being built */
	tr_impl *t;
	attune_utterance *u;   /* scratch vector */
	size_t nu, capu;
	size_t n_turns;
	size_t total_text;
	int64_t last_start;
	char *pool;            /* free bytes of the current text chunk */
	size_t pool_left;
	struct {
		const char *z;
		size_t n;
		attune_speaker sp;
	} lab[TRB_LABELS];
	size_t n_lab;

	/* the turn in progress (open) or last ended (prev_*) */
	int open;
	int labelled;          /* the turn names a speaker */
	int keep_empty;        /* keep it even without text (CSV, JSON) */
	int pending;           /* a space before the next text */
	char *tx;              /* scratch text of the turn */
	size_t txn, txcap;
	int tx_oom;
	attune_speaker sp;
	const char *label;     /* interned, NUL-terminated */
	size_t label_n;
	size_t line;
	int64_t start, end;
	const char *uid;       /* interned in the arena, or NULL */
} trb;

/* opts may be NULL. Parses the speaker map. */
int trb_init(trb *b, const char *zName, const attune_transcript_opts *opts,
             attune_err *err);
/* Free scratch and any unfinished transcript. */
void trb_cleanup(trb *b);

/* "NAME:LINE: what" into b->err; returns rc. */
int trb_fail(trb *b, int rc, size_t line, const char *fmt, ...)
	ATTUNE_PRINTF(4, 5);

/* Open a transcript; id may be NULL (none). line is where it begins (for
 * the "second transcript" error of attune_transcript_parse). */
int trb_begin(trb *b, const char *id, size_t id_n, size_t line);
/* End the open turn, store the transcript and hand it to the callback. */
int trb_finish(trb *b);

/* End the open turn (if any) and open a new one. has_label 0: no
 * speaker (OTHER, label ""). Checks ATTUNE_SPEAKER_LABEL_MAX. */
int trb_turn(trb *b, const char *label, size_t label_n, int has_label,
             size_t line, int64_t start, int64_t end);
/* Open a new turn with the speaker of the last one (none if there was
 * none). */
int trb_turn_same(trb *b, size_t line, int64_t start, int64_t end);
/* 1 if the open turn's label is s[0..n) (labelled turns only). */
int trb_same_label(const trb *b, const char *s, size_t n);

/* Append text to the open turn: a pending space is written first unless
 * the turn is empty; leading blanks of an empty turn are skipped. */
void trb_put(trb *b, const char *s, size_t n);
/* A line break inside the turn: trailing blanks go, and one space will
 * separate what follows. */
void trb_newline(trb *b);
/* Append multi-line text (CSV, JSON values): line breaks and the blanks
 * around them become one space. */
void trb_put_text(trb *b, const char *s, size_t n);

/* End the open turn: trim, check the limits, split if asked, store. */
int trb_end_turn(trb *b);

/* Copy s[0..n) into the transcript's arena (NUL-terminated). */
const char *trb_strdup(trb *b, const char *s, size_t n);

/* ---- readers (one file each) --------------------------------------------- */

int tr_read_text(trb *b, const char *buf, size_t len);
int tr_read_vtt(trb *b, const char *buf, size_t len);
int tr_read_srt(trb *b, const char *buf, size_t len);
int tr_read_json(trb *b, const char *buf, size_t len);
/* From a CSV stream; bom: strip a BOM from the first header name. */
int tr_read_csv(trb *b, attune_csv *csv);

#endif
