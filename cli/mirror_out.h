/* mirror_out.h - how `attune mirror code` and `attune mirror summary`
 * write a coded transcript: the cue columns (CSV, JSON), the session
 * summary (text, JSON) and the self-contained HTML page (mirror_out.c). */
#ifndef ATTUNE_CLI_MIRROR_OUT_H
#define ATTUNE_CLI_MIRROR_OUT_H

#include "attune/mirror.h"
#include "attune/mirror_rules.h"
#include "attune/mirror_summary.h"
#include "util/util_int.h"

/* One coded transcript, borrowed for the call. */
struct mirror_view {
	const char *path;                  /* the file, as given */
	const attune_transcript *t;
	const attune_mirror_result *res;   /* t->n codes */
	const attune_mirror_marks *mk;
	const attune_mirror_summary *s;    /* may be NULL (code, csv/json) */
};

/* CSV fields markers, relational, cues of utterance i (each preceded by
 * a comma): "withdrawal/minimal;confrontation/rejecting",
 * "immediacy;rationale", and the evidence "W-MIN-OPEN 1 0.45 \"Fine.\"";
 * engage/... marks appear in cues only. */
void mo_csv_marks(strbuf *b, const struct mirror_view *v, size_t i,
                  int which);
#define MO_MARKERS 1
#define MO_RELATIONAL 2
#define MO_CUES 4

/* JSON members "markers": [...], "relational": [...] of utterance i
 * (each preceded by ", "). */
void mo_json_marks(strbuf *b, const struct mirror_view *v, size_t i);

/* The session summary of v (v->s set) as text, or as one JSON object. */
void mo_summary_text(strbuf *b, const struct mirror_view *v);
void mo_summary_json(strbuf *b, const struct mirror_view *v);

/* The HTML page: mo_html_begin once, mo_html_transcript per transcript
 * (with the summary when with_summary), mo_html_end once. Every piece of
 * input text is escaped for its context; the page loads nothing and runs
 * no script. */
void mo_html_begin(strbuf *b, const char *title);
void mo_html_transcript(strbuf *b, const struct mirror_view *v,
                        int with_summary);
void mo_html_end(strbuf *b);

#endif
