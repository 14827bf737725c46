/* mirror_out.c - writing a coded transcript for `attune mirror code` and
 * `attune mirror summary`: the cue columns, the session summary as text
 * and JSON, and a self-contained HTML page (inline CSS, no script, no
 * external resource, every input string escaped for its context). */
#include <math.h>
#include <string.h>
#include "cli.h"
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

/* HTML text and double-quoted attribute values: & < > " ' escaped. */
static void html_esc(strbuf *b, const char *s, size_t n)
{
	size_t i, from = 0;

	for (i = 0; i < n; i++) {
		const char *e = NULL;
		switch (s[i]) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		}
		if (!e)
			continue;
		sb_append(b, s + from, i - from);
		sb_puts(b, e);
		from = i + 1;
	}
	sb_append(b, s + from, n - from);
}

static void html_z(strbuf *b, const char *z)
{
	html_esc(b, z, strlen(z));
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

/* Why moment m is worth another look, in words. */
static void why(strbuf *b, const struct mirror_view *v,
                const attune_mirror_moment *m)
{
	const attune_mirror_summary *s = v->s;
	const attune_mirror_marks *mk = v->mk;
	size_t j;

	if (m->kind == ATTUNE_MOMENT_MOVE) {
		sb_puts(b, "relational move outside a rupture episode:");
		for (j = mk->first[m->utterance]; j < mk->first[m->utterance + 1];
		     j++)
			if (mk->m[j].type == ATTUNE_CUE_MOVE) {
				sb_putc(b, ' ');
				sb_puts(b, mk->m[j].subtype);
			}
		return;
	}
	{
		const attune_mirror_episode *e = &s->episodes[m->episode];
		sb_printf(b, "episode %zu %s (%s, intensity %d, %zu marker%s)",
		          m->episode + 1, m->kind == ATTUNE_MOMENT_REPAIR ?
		          "repaired" : "not repaired",
		          attune_mirror_cue_type_name(e->type), e->intensity,
		          e->n_markers, e->n_markers == 1 ? "" : "s");
		if (m->kind == ATTUNE_MOMENT_REPAIR)
			sb_printf(b, ": %s, then the client re-engaged (%s)",
			          e->move_subtype,
			          attune_mirror_reengage_name(e->reengage_how));
		else if (e->move != ATTUNE_MIRROR_NONE)
			sb_printf(b, ": %s followed, but the client did not "
			          "re-engage", e->move_subtype);
		else if (e->reengage != ATTUNE_MIRROR_NONE)
			sb_puts(b, ": the client re-engaged, without a relational "
			        "move");
		else
			sb_puts(b, ": no relational move, no re-engagement");
	}
}

static void where(strbuf *b, const attune_utterance *u, size_t i)
{
	sb_printf(b, "utterance %zu (line %zu", i, u[i].line);
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
		sb_printf(b, "    %zu. utterances %zu-%zu, from ", k + 1, e->first,
		          e->last);
		where(b, u, e->first);
		sb_printf(b, ": %s, intensity %d, %zu marker%s in %zu turn%s",
		          attune_mirror_cue_type_name(e->type), e->intensity,
		          e->n_markers, e->n_markers == 1 ? "" : "s", e->n_turns,
		          e->n_turns == 1 ? "" : "s");
		if (e->response != ATTUNE_MIRROR_NONE) {
			char c[64];
			sb_printf(b, "; therapist responds at %zu (%s)", e->response,
			          code_of(&v->res[e->response], c, sizeof(c)));
		}
		if (e->move != ATTUNE_MIRROR_NONE)
			sb_printf(b, "; move at %zu (%s)", e->move, e->move_subtype);
		if (e->reengage != ATTUNE_MIRROR_NONE)
			sb_printf(b, "; client re-engages at %zu (%s)", e->reengage,
			          attune_mirror_reengage_name(e->reengage_how));
		sb_puts(b, e->repaired ? ": repaired\n" : ": not repaired\n");
	}
	sb_printf(b, "  moments worth another look: %zu\n", s->n_moments);
	for (k = 0; k < s->n_moments; k++) {
		const attune_mirror_moment *m = &s->moments[k];
		sb_puts(b, "    ");
		where(b, u, m->utterance);
		sb_printf(b, " %s: ", attune_speaker_name(u[m->utterance].speaker));
		why(b, v, m);
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
		why(&w, v, m);
		sb_json_str(b, w.s ? w.s : "");
		sb_free(&w);
		sb_putc(b, '}');
	}
	sb_puts(b, s->n_moments ? "\n  ]}" : "]}");
}

/* ---- HTML -------------------------------------------------------------------------- */

static const char css[] =
"body{font:15px/1.45 system-ui,sans-serif;margin:1.5rem auto;"
"max-width:60rem;padding:0 1rem;color:#1b1b1b;background:#fff}"
"h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem}"
".note{color:#444;font-size:.9rem}"
"table.sum{border-collapse:collapse;margin:.5rem 0}"
"table.sum th,table.sum td{text-align:left;padding:.2rem .6rem;"
"border-bottom:1px solid #ddd;vertical-align:top}"
"ol.tl{list-style:none;padding:0;margin:1rem 0}"
"ol.tl li{margin:0;padding:.45rem .7rem;border-left:4px solid #ccc}"
"li.therapist{background:#f5f7fb}li.client{background:#fff}"
"li.other{background:#f3f3f3}"
"li.ep{border-left-color:#c0392b;background:#fcebea}"
"li.ep.fixed{border-left-color:#1e8449;background:#eaf7ee}"
".meta{color:#555;font-size:.8rem}"
".code,.mk,.mv,.lab{display:inline-block;font-size:.8rem;"
"padding:0 .35rem;margin:.1rem .25rem 0 0;border-radius:3px}"
".code{background:#e4e8f0}.mk{background:#f6d5d1}.mv{background:#d4eedd}"
".lab{background:#1b1b1b;color:#fff}.lab.fixed{background:#1e8449}"
".lab.open{background:#c0392b}.cue{color:#555;font-size:.8rem}"
"p.text{margin:.15rem 0}"
"@media print{li.ep{break-inside:avoid}}";

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

static void html_summary(strbuf *b, const struct mirror_view *v)
{
	const attune_mirror_summary *s = v->s;
	const attune_mirror_miti *q = &s->miti;
	const attune_utterance *u = v->t->u;
	size_t k, t;

	sb_puts(b, "<table class=\"sum\">\n<tr><th>Talk share</th><td>"
	        "therapist ");
	put_pct(b, s->share_words);
	sb_printf(b, " of words (%zu of %zu)", s->words_therapist,
	          s->words_therapist + s->words_client);
	if (s->has_time) {
		sb_puts(b, ", ");
		put_pct(b, s->share_time);
		sb_puts(b, " of time");
	}
	sb_puts(b, "</td></tr>\n<tr><th>Reflections : questions</th><td>");
	put_dec(b, q->rq, 2, "n/a");
	sb_printf(b, " (%zu : %zu), %s; MITI 4.2.1 fair 1, good 2</td></tr>\n"
	          "<tr><th>Complex reflections</th><td>", q->reflections,
	          q->questions, attune_mirror_band_name(q->rq_band));
	put_pct(b, q->pct_complex);
	sb_printf(b, " (%zu of %zu), %s; MITI 4.2.1 fair 40%%, good 50%%"
	          "</td></tr>\n<tr><th>Change talk</th><td>", q->complex,
	          q->simple + q->complex, attune_mirror_band_name(q->cr_band));
	put_pct(b, s->change_prop);
	sb_printf(b, " of change + sustain (%zu change, %zu sustain)</td></tr>\n"
	          "<tr><th>Rupture markers</th><td>", s->change, s->sustain);
	for (t = 0; t < ATTUNE_CUE_MARKER_TYPES; t++)
		sb_printf(b, "%s%s %zu", t ? ", " : "",
		          attune_mirror_cue_type_name((int)t), s->n_markers[t]);
	sb_printf(b, "; relational moves %zu</td></tr>\n<tr><th>Episodes"
	          "</th><td>%zu, %zu repaired</td></tr>\n</table>\n",
	          s->n_moves, s->n_episodes, s->n_repaired);
	if (!s->n_moments)
		return;
	sb_puts(b, "<h3>Moments worth another look</h3>\n<ul>\n");
	for (k = 0; k < s->n_moments; k++) {
		const attune_mirror_moment *m = &s->moments[k];
		strbuf w;
		sb_printf(b, "<li><a href=\"#u%zu\">", m->utterance);
		sb_init(&w, 4096);
		where(&w, u, m->utterance);
		html_esc(b, w.s ? w.s : "", w.len);
		sb_puts(b, "</a>: ");
		sb_reset(&w);
		why(&w, v, m);
		html_esc(b, w.s ? w.s : "", w.len);
		sb_free(&w);
		sb_puts(b, "</li>\n");
	}
	sb_puts(b, "</ul>\n");
}

/* The episode utterance i is shaded for, or NONE: from its first marker
 * to the last of its last marker, move and re-engagement. */
static size_t episode_at(const attune_mirror_summary *s, size_t i)
{
	size_t k;

	for (k = 0; k < s->n_episodes; k++) {
		const attune_mirror_episode *e = &s->episodes[k];
		size_t end = e->last;
		if (e->move != ATTUNE_MIRROR_NONE && e->move > end)
			end = e->move;
		if (e->reengage != ATTUNE_MIRROR_NONE && e->reengage > end)
			end = e->reengage;
		if (i >= e->first && i <= end)
			return k;
	}
	return ATTUNE_MIRROR_NONE;
}

void mo_html_transcript(strbuf *b, const struct mirror_view *v,
                        int with_summary)
{
	const attune_transcript *t = v->t;
	const attune_mirror_marks *mk = v->mk;
	const attune_mirror_summary *s = v->s;
	size_t i, j;

	sb_puts(b, "<section>\n<h2>");
	html_z(b, v->path);
	if (t->id) {
		sb_puts(b, ", transcript ");
		html_z(b, t->id);
	}
	sb_printf(b, "</h2>\n<p class=\"note\">%zu utterances</p>\n", t->n);
	if (with_summary)
		html_summary(b, v);
	sb_puts(b, "<ol class=\"tl\">\n");
	for (i = 0; i < t->n; i++) {
		const attune_utterance *u = &t->u[i];
		const attune_mirror_result *r = &v->res[i];
		size_t k = episode_at(s, i);
		const attune_mirror_episode *e = k == ATTUNE_MIRROR_NONE ? NULL :
		                                 &s->episodes[k];
		char c[64];

		sb_printf(b, "<li id=\"u%zu\" class=\"%s%s\">", i,
		          attune_speaker_name(u->speaker),
		          e ? (e->repaired ? " ep fixed" : " ep") : "");
		if (e && i == e->first) {
			sb_printf(b, "<span class=\"lab %s\">Rupture episode %zu: ",
			          e->repaired ? "fixed" : "open", k + 1);
			html_z(b, attune_mirror_cue_type_name(e->type));
			sb_printf(b, ", intensity %d, %s</span><br>", e->intensity,
			          e->repaired ? "repaired" : "not repaired");
		}
		sb_printf(b, "<span class=\"meta\">#%zu, line %zu", i, u->line);
		if (u->start_ms >= 0) {
			sb_puts(b, ", ");
			put_hms(b, u->start_ms, 0);
		}
		sb_puts(b, ", ");
		html_z(b, attune_speaker_name(u->speaker));
		if (u->label[0]) {
			sb_puts(b, " (");
			html_z(b, u->label);
			sb_putc(b, ')');
		}
		sb_puts(b, "</span>\n<p class=\"text\">");
		html_esc(b, u->text, u->text_len);
		sb_puts(b, "</p>");
		if (r->behaviour >= 0 || r->talk >= 0) {
			sb_puts(b, "<span class=\"code\">");
			html_z(b, code_of(r, c, sizeof(c)));
			sb_puts(b, " ");
			put_dec(b, r->confidence, 2, "");
			sb_puts(b, "</span>");
		}
		for (j = mk->first[i]; j < mk->first[i + 1]; j++) {
			const attune_mirror_mark *m = &mk->m[j];
			const char *cls = m->type < ATTUNE_CUE_MARKER_TYPES ? "mk" :
			                  "mv";
			sb_printf(b, "<span class=\"%s\" title=\"rule ", cls);
			html_z(b, m->rule);
			sb_puts(b, "\">");
			if (m->type != ATTUNE_CUE_MOVE) {
				html_z(b, attune_mirror_cue_type_name(m->type));
				sb_putc(b, '/');
			}
			html_z(b, m->subtype);
			if (m->intensity)
				sb_printf(b, " %d", m->intensity);
			sb_puts(b, "</span>");
			if (m->cue_len) {
				sb_puts(b, "<span class=\"cue\">\"");
				html_esc(b, u->text + m->cue_off, m->cue_len);
				sb_puts(b, "\"</span> ");
			}
		}
		if (e && i == e->move)
			sb_printf(b, "<br><span class=\"lab%s\">%s</span>",
			          e->repaired ? " fixed" : "", e->repaired ?
			          "Repair: a relational move, then the client "
			          "re-engaged" : "Relational move (no re-engagement "
			          "followed)");
		if (e && i == e->reengage)
			sb_printf(b, "<br><span class=\"lab%s\">Client re-engages (%s)"
			          "</span>", e->repaired ? " fixed" : "",
			          attune_mirror_reengage_name(e->reengage_how));
		sb_puts(b, "</li>\n");
	}
	sb_puts(b, "</ol>\n</section>\n");
}
