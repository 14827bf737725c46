/* mirror_out.c - writing a coded transcript for `attune mirror code` and
 * `attune mirror summary`: the cue columns, the session summary as text
 * and JSON, and a self-contained HTML page (inline CSS, no script, no
 * external resource) around the library's drawing of the summary and
 * timeline (attune/mirror_html.h), the same as the web page's. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "attune/mirror_html.h"
#include "mirror_out.h"

/* ---- small writers ----------------------------------------------------------- */

static void put_hms(strbuf *b, int64_t ms, int millis)
{
	sb_printf(b, "%02lld:%02lld:%02lld", (long long)(ms / 3600000),
	          (long long)(ms / 60000 % 60), (long long)(ms / 1000 % 60));
	if (millis)
		sb_printf(b, ".%03lld", (long long)(ms % 1000));
}

/* x as a percentage without decimals ("54%"), "n/a" for NaN. */
static void put_pct(strbuf *b, double x)
{
	if (isnan(x))
		sb_puts(b, "n/a");
	else
		sb_printf(b, "%lld%%", (long long)llround(x * 100));
}

/* x with 2 (or 3) decimals, locale-free; "null" (JSON) or "n/a" for NaN */
static void put_dec(strbuf *b, double x, int places, const char *nan)
{
	long long scale = places == 3 ? 1000 : 100, v;

	if (isnan(x) || !isfinite(x)) {
		sb_puts(b, nan);
		return;
	}
	v = llround(x * (double)scale);
	if (v < 0) {
		sb_putc(b, '-');
		v = -v;
	}
	sb_printf(b, places == 3 ? "%lld.%03lld" : "%lld.%02lld", v / scale,
	          v % scale);
}

static void json_span(strbuf *b, const char *s, size_t n)
{
	strbuf t;

	sb_init(&t, n + 16);
	sb_append(&t, s, n);
	sb_json_str(b, t.s ? t.s : "");
	sb_free(&t);
}

/* HTML text and double-quoted attribute values (the title). */
static void html_z(strbuf *b, const char *z)
{
	sb_html(b, z, strlen(z));
}

static const char *code_of(const attune_mirror_result *r, char *buf,
                           size_t n)
{
	const char *main = r->behaviour >= 0 ?
		attune_mirror_code_name(ATTUNE_MIRROR_BEHAVIOUR, r->behaviour) :
		attune_mirror_code_name(ATTUNE_MIRROR_TALK, r->talk);
	const char *sub = attune_mirror_code_name(ATTUNE_MIRROR_SUBCODE,
	                                          r->subcode);

	if (*sub)
		snprintf(buf, n, "%s/%s", main, sub);
	else
		snprintf(buf, n, "%s", main);
	return buf;
}

/* ---- cue columns ------------------------------------------------------------ */

void mo_csv_marks(strbuf *b, const struct mirror_view *v, size_t i,
                  int which)
{
	const attune_mirror_marks *mk = v->mk;
	const char *text = v->t->u[i].text;
	size_t j;
	int first;
	strbuf f;

	if (which & MO_MARKERS) {
		sb_putc(b, ',');
		for (j = mk->first[i], first = 1; j < mk->first[i + 1]; j++) {
			const attune_mirror_mark *m = &mk->m[j];
			if (m->type >= ATTUNE_CUE_MARKER_TYPES)
				continue;
			sb_puts(b, first ? "" : ";");
			sb_puts(b, attune_mirror_cue_type_name(m->type));
			sb_putc(b, '/');
			sb_puts(b, m->subtype);
			first = 0;
		}
	}
	if (which & MO_RELATIONAL) {
		sb_putc(b, ',');
		for (j = mk->first[i], first = 1; j < mk->first[i + 1]; j++) {
			if (mk->m[j].type != ATTUNE_CUE_MOVE)
				continue;
			sb_puts(b, first ? "" : ";");
			sb_puts(b, mk->m[j].subtype);
			first = 0;
		}
	}
	if (which & MO_CUES) {
		sb_putc(b, ',');
		sb_init(&f, (size_t)1 << 24);
		for (j = mk->first[i]; j < mk->first[i + 1]; j++) {
			const attune_mirror_mark *m = &mk->m[j];
			sb_puts(&f, j > mk->first[i] ? "; " : "");
			sb_puts(&f, m->rule);
			if (m->intensity)
				sb_printf(&f, " %d", m->intensity);
			sb_putc(&f, ' ');
			put_dec(&f, m->confidence, 2, "");
			if (m->cue_len) {
				sb_puts(&f, " \"");
				sb_append(&f, text + m->cue_off, m->cue_len);
				sb_putc(&f, '"');
			}
		}
		if (f.len)
			csv_field(b, f.s, f.len);
		sb_free(&f);
	}
}

void mo_json_marks(strbuf *b, const struct mirror_view *v, size_t i)
{
	const attune_mirror_marks *mk = v->mk;
	const char *text = v->t->u[i].text;
	size_t j;
	int pass, first;

	for (pass = 0; pass < 2; pass++) {
		sb_puts(b, pass ? ", \"relational\": [" : ", \"markers\": [");
		for (j = mk->first[i], first = 1; j < mk->first[i + 1]; j++) {
			const attune_mirror_mark *m = &mk->m[j];
			if (pass ? m->type != ATTUNE_CUE_MOVE :
			    m->type >= ATTUNE_CUE_MARKER_TYPES)
				continue;
			sb_puts(b, first ? "{" : ", {");
			first = 0;
			if (!pass) {
				sb_puts(b, "\"type\": ");
				sb_json_str(b, attune_mirror_cue_type_name(m->type));
				sb_puts(b, ", ");
			}
			sb_puts(b, "\"subtype\": ");
			sb_json_str(b, m->subtype);
			if (!pass)
				sb_printf(b, ", \"intensity\": %d", m->intensity);
			sb_puts(b, ", \"confidence\": ");
			put_dec(b, m->confidence, 2, "null");
			sb_puts(b, ", \"rule\": ");
			sb_json_str(b, m->rule);
			sb_puts(b, ", \"cue\": ");
			if (m->cue_len)
				json_span(b, text + m->cue_off, m->cue_len);
			else
				sb_puts(b, "null");
			sb_putc(b, '}');
		}
		sb_putc(b, ']');
	}
}

/* ---- summary --------------------------------------------------------------------- */

static const char *kind_name(int kind)
{
	return kind == ATTUNE_MOMENT_RUPTURE ? "rupture" :
	       kind == ATTUNE_MOMENT_REPAIR ? "repair" : "move";
}

/* Why moment k is worth another look, in words (the library's wording,
 * shared with the HTML summary). */
static void why(strbuf *b, const struct mirror_view *v, size_t k)
{
	char *z = NULL;
	size_t n = 0;

	if (attune_mirror_moment_why(v->s, v->mk, k, &z, &n) != ATTUNE_OK) {
		b->rc = b->rc ? b->rc : ATTUNE_ENOMEM;
		return;
	}
	sb_append(b, z, n);
	free(z);
}

static void where(strbuf *b, const attune_utterance *u, size_t i)
{
	sb_printf(b, "utterance %zu (line %zu", i + 1, u[i].line);
	if (u[i].start_ms >= 0) {
		sb_puts(b, ", ");
		put_hms(b, u[i].start_ms, 0);
	}
	sb_putc(b, ')');
}

void mo_summary_text(strbuf *b, const struct mirror_view *v)
{
	const attune_mirror_summary *s = v->s;
	const attune_mirror_miti *q = &s->miti;
	const attune_utterance *u = v->t->u;
	size_t k, t;

	sb_puts(b, v->path);
	if (v->t->id)
		sb_printf(b, " (transcript %s)", v->t->id);
	sb_printf(b, ": %zu utterances, %zu therapist, %zu client\n",
	          s->n_utterances, s->n_therapist, s->n_client);
	sb_puts(b, "  talk share       therapist ");
	put_pct(b, s->share_words);
	sb_printf(b, " of words (%zu of %zu)", s->words_therapist,
	          s->words_therapist + s->words_client);
	if (s->has_time) {
		sb_puts(b, ", ");
		put_pct(b, s->share_time);
		sb_puts(b, " of time (");
		put_hms(b, s->ms_therapist, 0);
		sb_puts(b, " of ");
		put_hms(b, s->ms_therapist + s->ms_client, 0);
		sb_putc(b, ')');
	}
	sb_puts(b, "\n  MITI R:Q         ");
	put_dec(b, q->rq, 2, "n/a");
	sb_printf(b, " (%zu reflections / %zu questions): %s "
	          "(fair 1, good 2)\n", q->reflections, q->questions,
	          attune_mirror_band_name(q->rq_band));
	sb_puts(b, "  MITI %CR         ");
	put_pct(b, q->pct_complex);
	sb_printf(b, " (%zu complex of %zu reflections with a subcode): %s "
	          "(fair 40%%, good 50%%)\n", q->complex, q->simple + q->complex,
	          attune_mirror_band_name(q->cr_band));
	sb_printf(b, "  therapist codes  question %zu (open %zu, closed %zu), "
	          "reflection %zu (simple %zu, complex %zu), therapist_input "
	          "%zu, other %zu\n", q->questions, q->open, q->closed,
	          q->reflections, q->simple, q->complex, q->inputs, q->other);
	sb_puts(b, "  change talk      ");
	put_pct(b, s->change_prop);
	sb_printf(b, " of change + sustain (change %zu, sustain %zu, neutral "
	          "%zu)\n", s->change, s->sustain, s->neutral);
	sb_puts(b, "  rupture markers ");
	for (t = 0; t < ATTUNE_CUE_MARKER_TYPES; t++)
		sb_printf(b, " %s %zu%s", attune_mirror_cue_type_name((int)t),
		          s->n_markers[t], t + 1 < ATTUNE_CUE_MARKER_TYPES ?
		          "," : "");
	sb_printf(b, "; relational moves %zu\n", s->n_moves);
	sb_printf(b, "  episodes         %zu, %zu repaired\n", s->n_episodes,
	          s->n_repaired);
	for (k = 0; k < s->n_episodes; k++) {
		const attune_mirror_episode *e = &s->episodes[k];
		sb_printf(b, "    %zu. utterances %zu-%zu, from ", k + 1,
		          e->first + 1, e->last + 1);
		where(b, u, e->first);
		sb_printf(b, ": %s, intensity %d, %zu marker%s in %zu turn%s",
		          attune_mirror_cue_type_name(e->type), e->intensity,
		          e->n_markers, e->n_markers == 1 ? "" : "s", e->n_turns,
		          e->n_turns == 1 ? "" : "s");
		if (e->response != ATTUNE_MIRROR_NONE) {
			char c[64];
			sb_printf(b, "; therapist responds at %zu (%s)",
			          e->response + 1,
			          code_of(&v->res[e->response], c, sizeof(c)));
		}
		if (e->move != ATTUNE_MIRROR_NONE)
			sb_printf(b, "; move at %zu (%s)", e->move + 1,
			          e->move_subtype);
		if (e->reengage != ATTUNE_MIRROR_NONE)
			sb_printf(b, "; client re-engages at %zu (%s)",
			          e->reengage + 1,
			          attune_mirror_reengage_name(e->reengage_how));
		sb_puts(b, e->repaired ? ": repaired\n" : ": not repaired\n");
	}
	sb_printf(b, "  moments worth another look: %zu\n", s->n_moments);
	for (k = 0; k < s->n_moments; k++) {
		const attune_mirror_moment *m = &s->moments[k];
		sb_puts(b, "    ");
		where(b, u, m->utterance);
		sb_printf(b, " %s: ", attune_speaker_name(u[m->utterance].speaker));
		why(b, v, k);
		sb_putc(b, '\n');
	}
}

static void json_idx(strbuf *b, size_t i)
{
	if (i == ATTUNE_MIRROR_NONE)
		sb_puts(b, "null");
	else
		sb_printf(b, "%zu", i);
}

static void json_start(strbuf *b, const attune_utterance *u)
{
	if (u->start_ms < 0) {
		sb_puts(b, "null");
		return;
	}
	sb_putc(b, '"');
	put_hms(b, u->start_ms, 1);
	sb_putc(b, '"');
}

void mo_summary_json(strbuf *b, const struct mirror_view *v)
{
	const attune_mirror_summary *s = v->s;
	const attune_mirror_miti *q = &s->miti;
	const attune_utterance *u = v->t->u;
	size_t k, t;

	sb_puts(b, "{\"file\": ");
	sb_json_str(b, v->path);
	sb_puts(b, ", \"transcript_id\": ");
	if (v->t->id)
		sb_json_str(b, v->t->id);
	else
		sb_puts(b, "null");
	sb_printf(b, ", \"utterances\": %zu, \"therapist_turns\": %zu, "
	          "\"client_turns\": %zu,\n  \"talk_share\": "
	          "{\"therapist_words\": %zu, \"client_words\": %zu, "
	          "\"therapist_share_words\": ", s->n_utterances, s->n_therapist,
	          s->n_client, s->words_therapist, s->words_client);
	put_dec(b, s->share_words, 3, "null");
	if (s->has_time)
		sb_printf(b, ", \"therapist_ms\": %lld, \"client_ms\": %lld",
		          (long long)s->ms_therapist, (long long)s->ms_client);
	else
		sb_puts(b, ", \"therapist_ms\": null, \"client_ms\": null");
	sb_puts(b, ", \"therapist_share_time\": ");
	put_dec(b, s->share_time, 3, "null");
	sb_printf(b, "},\n  \"miti\": {\"questions\": %zu, \"open\": %zu, "
	          "\"closed\": %zu, \"reflections\": %zu, \"simple\": %zu, "
	          "\"complex\": %zu, \"therapist_input\": %zu, \"other\": %zu, "
	          "\"rq\": ", q->questions, q->open, q->closed, q->reflections,
	          q->simple, q->complex, q->inputs, q->other);
	put_dec(b, q->rq, 3, "null");
	sb_printf(b, ", \"rq_band\": \"%s\", \"pct_complex\": ",
	          attune_mirror_band_name(q->rq_band));
	put_dec(b, q->pct_complex, 3, "null");
	sb_printf(b, ", \"cr_band\": \"%s\", \"thresholds\": {\"rq_fair\": 1, "
	          "\"rq_good\": 2, \"pct_complex_fair\": 0.4, "
	          "\"pct_complex_good\": 0.5}},\n  \"client_talk\": "
	          "{\"change\": %zu, \"neutral\": %zu, \"sustain\": %zu, "
	          "\"change_proportion\": ", attune_mirror_band_name(q->cr_band),
	          s->change, s->neutral, s->sustain);
	put_dec(b, s->change_prop, 3, "null");
	sb_puts(b, "},\n  \"markers\": {");
	for (t = 0; t < ATTUNE_CUE_MARKER_TYPES; t++)
		sb_printf(b, "%s\"%s\": %zu", t ? ", " : "",
		          attune_mirror_cue_type_name((int)t), s->n_markers[t]);
	sb_printf(b, "}, \"relational_moves\": %zu, \"repaired\": %zu,\n"
	          "  \"episodes\": [", s->n_moves, s->n_repaired);
	for (k = 0; k < s->n_episodes; k++) {
		const attune_mirror_episode *e = &s->episodes[k];
		sb_printf(b, "%s\n    {\"first\": %zu, \"last\": %zu, \"line\": "
		          "%zu, \"start\": ", k ? "," : "", e->first, e->last,
		          u[e->first].line);
		json_start(b, &u[e->first]);
		sb_printf(b, ", \"type\": \"%s\", \"intensity\": %d, \"markers\": "
		          "%zu, \"turns\": %zu, \"response\": ",
		          attune_mirror_cue_type_name(e->type), e->intensity,
		          e->n_markers, e->n_turns);
		json_idx(b, e->response);
		sb_puts(b, ", \"move\": ");
		json_idx(b, e->move);
		sb_puts(b, ", \"move_subtype\": ");
		if (e->move_subtype)
			sb_json_str(b, e->move_subtype);
		else
			sb_puts(b, "null");
		sb_puts(b, ", \"reengage\": ");
		json_idx(b, e->reengage);
		sb_printf(b, ", \"reengage_how\": \"%s\", \"repaired\": %s}",
		          attune_mirror_reengage_name(e->reengage_how),
		          e->repaired ? "true" : "false");
	}
	sb_puts(b, s->n_episodes ? "\n  ],\n  \"moments\": [" :
	        "],\n  \"moments\": [");
	for (k = 0; k < s->n_moments; k++) {
		const attune_mirror_moment *m = &s->moments[k];
		strbuf w;
		sb_printf(b, "%s\n    {\"utterance\": %zu, \"line\": %zu, "
		          "\"start\": ", k ? "," : "", m->utterance,
		          u[m->utterance].line);
		json_start(b, &u[m->utterance]);
		sb_printf(b, ", \"speaker\": \"%s\", \"kind\": \"%s\", "
		          "\"episode\": ",
		          attune_speaker_name(u[m->utterance].speaker),
		          kind_name(m->kind));
		json_idx(b, m->episode);
		sb_puts(b, ", \"why\": ");
		sb_init(&w, 4096);
		why(&w, v, k);
		sb_json_str(b, w.s ? w.s : "");
		sb_free(&w);
		sb_putc(b, '}');
	}
	sb_puts(b, s->n_moments ? "\n  ]}" : "]}");
}

/* ---- HTML -------------------------------------------------------------------------- */

/* The page's style: the web app's m-* classes (web/static.c) in the
 * colours of a printable page. */
static const char css[] =
"body{font:15px/1.45 system-ui,sans-serif;margin:1.5rem auto;"
"max-width:60rem;padding:0 1rem;color:#1b1b1b;background:#fff}"
"h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem}"
".note{color:#444;font-size:.9rem}"
"table.m-sum{border-collapse:collapse;margin:.5rem 0}"
"table.m-sum th,table.m-sum td{text-align:left;padding:.2rem .6rem;"
"border-bottom:1px solid #ddd;vertical-align:top}"
"ol.m-tl{list-style:none;padding:0;margin:1rem 0}"
"ol.m-tl li{margin:0;padding:.45rem .7rem;border-left:4px solid #ccc}"
"li.m-therapist{background:#f5f7fb}li.m-client{background:#fff}"
"li.m-other{background:#f3f3f3}"
"li.m-ep{border-left-color:#c0392b;background:#fcebea}"
"li.m-ep.m-fixed{border-left-color:#1e8449;background:#eaf7ee}"
".m-meta{color:#555;font-size:.8rem}"
".m-code,.m-mk,.m-mv,.m-lab{display:inline-block;font-size:.8rem;"
"padding:0 .35rem;margin:.1rem .25rem 0 0;border-radius:3px}"
".m-code{background:#e4e8f0}.m-mk{background:#f6d5d1}"
".m-mv{background:#d4eedd}"
".m-lab{background:#1b1b1b;color:#fff}.m-lab.m-fixed{background:#1e8449}"
".m-lab.m-open{background:#c0392b}.m-cue{color:#555;font-size:.8rem}"
"p.m-say{margin:.15rem 0}"
"@media print{li.m-ep{break-inside:avoid}}";

void mo_html_begin(strbuf *b, const char *title)
{
	sb_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	        "<meta charset=\"utf-8\">\n"
	        "<meta http-equiv=\"Content-Security-Policy\" "
	        "content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
	        "<meta name=\"viewport\" content=\"width=device-width, "
	        "initial-scale=1\">\n<title>Session mirror: ");
	html_z(b, title);
	sb_puts(b, "</title>\n<style>");
	sb_puts(b, css);
	sb_puts(b, "</style>\n</head>\n<body>\n<h1>Session mirror</h1>\n"
	        "<p class=\"note\">The codes and markers are a statistical model's "
	        "and hand-written rules' guesses from the words alone. They point "
	        "at moments worth listening to again; they assist a clinician's "
	        "reading of a session and never replace it. The rupture rules "
	        "have not been validated against expert-coded sessions.</p>\n"
	        "<p class=\"note\">Shaded in red: a rupture episode not repaired; "
	        "in green: one repaired (a relational move followed and the "
	        "client re-engaged).</p>\n");
}

void mo_html_end(strbuf *b)
{
	sb_puts(b, "</body>\n</html>\n");
}

/* Append a fragment of the library's drawing (attune/mirror_html.h),
 * which escapes every piece of input itself. */
static void append_fragment(strbuf *b, int rc, char *z, size_t n)
{
	if (rc != ATTUNE_OK) {
		if (!b->rc)
			b->rc = rc;
		return;
	}
	sb_append(b, z, n);
	free(z);
}

void mo_html_transcript(strbuf *b, const struct mirror_view *v,
                        int with_summary)
{
	const attune_transcript *t = v->t;
	char *z = NULL;
	size_t n = 0;
	int rc;

	sb_puts(b, "<section>\n<h2>");
	html_z(b, v->path);
	if (t->id) {
		sb_puts(b, ", transcript ");
		html_z(b, t->id);
	}
	sb_printf(b, "</h2>\n<p class=\"note\">%zu utterances</p>\n", t->n);
	if (with_summary) {
		rc = attune_mirror_html_summary(t, v->mk, v->s, &z, &n);
		append_fragment(b, rc, z, n);
	}
	rc = attune_mirror_html_timeline(t, v->res, v->mk, v->s, &z, &n);
	append_fragment(b, rc, z, n);
	sb_puts(b, "</section>\n");
}
