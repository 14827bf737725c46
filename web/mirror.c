/* mirror.c - session transcripts on the web: the form to paste or upload
 * one on a client's session, storing it once it parses, the session
 * mirror (the timeline with codes, rupture episodes shaded and repairs
 * marked, and the summary), deleting one (after a confirmation), and
 * the list on the client page.
 *
 * Transcripts are client data: the same access as the client page (the
 * client's own therapist adds and deletes; a granted colleague or a
 * supervisor reads; an admin sees nothing) and every read and change
 * audited by
 * the store. The coder and the rules are the library's built-in ones
 * (docs/mirror.md), loaded once and shared read-only by the workers.
 * Every piece of transcript text goes through html_text/html_attr. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "attune/limits.h"
#include "attune/mirror.h"
#include "attune/mirror_rules.h"
#include "attune/mirror_summary.h"
#include "attune/transcript.h"
#include "web/web.h"

int client_allowed(struct web_req *r, int write);   /* client.c */

/* ---- The coder and the rules: loaded on first use, then read-only ---- */

static pthread_once_t coder_once = PTHREAD_ONCE_INIT;
static attune_mirror_model *coder_model;
static attune_mirror_rules *coder_rules;
static attune_err coder_err;
static int coder_rc;

static void coder_load(void)
{
	coder_rc = attune_mirror_model_builtin(&coder_model, &coder_err);
	if (coder_rc == ATTUNE_OK)
		coder_rc = attune_mirror_rules_builtin(&coder_rules,
		                                       &coder_err);
}

/* ---- Small locale-free numbers ---- */

/* x (0..1) as a whole percentage, "n/a" for NaN. */
static void put_pct(strbuf *b, double x)
{
	if (isnan(x))
		sb_puts(b, "n/a");
	else
		sb_printf(b, "%lld%%", (long long)llround(x * 100.0));
}

/* x with two decimals, "n/a" for NaN. */
static void put_dec2(strbuf *b, double x)
{
	long long v;

	if (isnan(x) || isinf(x)) {
		sb_puts(b, "n/a");
		return;
	}
	v = llround(x * 100.0);
	if (v < 0) {
		sb_putc(b, '-');
		v = -v;
	}
	sb_printf(b, "%lld.%02lld", v / 100, v % 100);
}

static void put_hms(strbuf *b, int64_t ms)
{
	int64_t s = ms / 1000;

	sb_printf(b, "%lld:%02lld:%02lld", (long long)(s / 3600),
	          (long long)(s / 60 % 60), (long long)(s % 60));
}

/* ---- The form ---- */

static int form_page(struct web_req *r, const char *zError)
{
	static const char *const formats[][2] = {
		{"auto", "Detect from the content"},
		{"text", "Plain text (T: / C: lines)"},
		{"vtt", "WebVTT"}, {"srt", "SubRip (SRT)"},
		{"csv", "CSV (utterance_text, interlocutor)"},
		{"json", "JSON"},
	};
	strbuf *b = &r->out;
	const char *session = web_field(r, "session");
	const char *date = web_field(r, "date");
	const char *fmt = web_field(r, "format");
	const char *text = web_field(r, "text");
	size_t i;

	sb_reset(b);
	page_begin(r, "Add a session transcript");
	if (zError) {
		html_raw_trusted(b, "<p class=\"error\" role=\"alert\">");
		html_text(b, zError);
		html_raw_trusted(b, "</p>\n");
	}
	html_raw_trusted(b, "<p class=\"muted\">The transcript is kept with "
	                 "the session as client data: only you change it; "
	                 "those who may read this client may read it, and "
	                 "every view is in the audit log.</p>\n");
	sb_printf(b, "<form method=\"post\" action=\"/clients/%lld/"
	          "transcripts\">", (long long)r->path_id);
	form_csrf(r);
	html_raw_trusted(b, "<div class=\"inline-form\"><div><label "
	                 "for=\"session\">Session number</label><input "
	                 "id=\"session\" name=\"session\" required "
	                 "inputmode=\"numeric\" value=\"");
	html_attr(b, session ? session : "");
	html_raw_trusted(b, "\"></div><div><label for=\"date\">Date (of a "
	                 "new session)</label><input id=\"date\" name=\"date\" "
	                 "type=\"date\" value=\"");
	html_attr(b, date ? date : "");
	html_raw_trusted(b, "\"></div><div><label for=\"format\">Format"
	                 "</label><select id=\"format\" name=\"format\">");
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		html_raw_trusted(b, "<option value=\"");
		html_attr(b, formats[i][0]);
		html_raw_trusted(b, fmt && strcmp(fmt, formats[i][0]) == 0
		                 ? "\" selected>" : "\">");
		html_text(b, formats[i][1]);
		html_raw_trusted(b, "</option>");
	}
	html_raw_trusted(b, "</select></div></div>\n"
	                 "<p class=\"m-file\" data-file-wrap hidden><label "
	                 "for=\"tfile\">Read a file</label> <input id=\"tfile\""
	                 " type=\"file\" accept=\".txt,.vtt,.srt,.csv,.json,"
	                 "text/*,application/json\" data-into=\"text\"></p>\n"
	                 "<p><label for=\"text\">Transcript</label></p>"
	                 "<textarea id=\"text\" name=\"text\" rows=\"18\" "
	                 "class=\"m-text\" required spellcheck=\"false\">");
	html_text(b, text ? text : "");
	html_raw_trusted(b, "</textarea>\n<p><button type=\"submit\">Store and "
	                 "show the mirror</button></p></form>\n");
	sb_printf(b, "<p><a href=\"/clients/%lld\">Back to the client</a></p>\n",
	          (long long)r->path_id);
	page_end(r);
	return 0;
}

int h_transcript_form(struct web_req *r)
{
	int rc;

	if ((rc = client_allowed(r, 1)))
		return rc < 0 ? 0 : rc;
	return form_page(r, NULL);
}

struct found_session {
	attune_id id;
};

static int session_found(void *ctx, const attune_session_rec *s)
{
	((struct found_session *)ctx)->id = s->id;
	return 0;
}

int h_transcript_add(struct web_req *r)
{
	const char *zSession = web_field(r, "session");
	const char *zFormat = web_field(r, "format");
	const char *zText = web_field(r, "text");
	const char *zDate = web_field(r, "date");
	attune_transcript_opts opts;
	attune_transcript *t = NULL;
	attune_transcript_row row;
	attune_session_rec s;
	struct found_session fs = {0};
	attune_err err;
	attune_id tid = 0;
	int64_t number = 0;
	char day[11];
	int rc;

	if ((rc = client_allowed(r, 1)))
		return rc < 0 ? 0 : rc;
	if (!zSession || parse_i64(zSession, strlen(zSession), &number) ||
	    number < 1 || number > 9999) {
		r->status = 400;
		return form_page(r, "The session number must be a whole number "
		                 "from 1 to 9999.");
	}
	/* Parse first: only a readable transcript is stored, and the
	 * reader's message (with its line) tells what to fix. */
	memset(&opts, 0, sizeof(opts));
	attune_err_clear(&err);
	if (attune_transcript_format_from_name(zFormat, &opts.format) !=
	    ATTUNE_OK) {
		r->status = 400;
		return form_page(r, "That transcript format is not one attune "
		                 "reads.");
	}
	rc = attune_transcript_parse(zText, strlen(zText), "transcript", &opts,
	                             &t, &err);
	if (rc == ATTUNE_ENOMEM)
		return rc;
	if (rc == ATTUNE_OK && t->n == 0)
		rc = ATTUNE_EINVAL, snprintf(err.msg, sizeof(err.msg),
		                             "transcript: no utterances");
	if (rc != ATTUNE_OK) {
		attune_transcript_free(t);
		r->status = 400;
		return form_page(r, web_printf(r, "The transcript could not be "
		                               "read: %s", err.msg));
	}
	memset(&row, 0, sizeof(row));
	row.format = attune_transcript_format_name(t->format);
	attune_transcript_free(t);
	if (!row.format || !*row.format)
		row.format = zFormat;
	if ((rc = attune_store_begin(r->st)))
		return rc;
	rc = attune_store_session_find(r->st, r->path_id, (int)number,
	                               session_found, &fs);
	if (rc == ATTUNE_ENOTFOUND) {
		time_t now = time(NULL);
		struct tm tm;
		memset(&s, 0, sizeof(s));
		s.client_id = r->path_id;
		s.number = (int)number;
		if (zDate && *zDate) {
			s.date = zDate;
		} else {
			gmtime_r(&now, &tm);
			strftime(day, sizeof(day), "%Y-%m-%d", &tm);
			s.date = day;
		}
		s.attended = 1;
		rc = attune_store_session_add(r->st, &s, &fs.id);
		if (rc == ATTUNE_EINVAL || rc == ATTUNE_ENOTFOUND) {
			attune_store_rollback(r->st);
			r->status = 400;
			return form_page(r, rc == ATTUNE_EINVAL
			                 ? "That date is not a calendar date."
			                 : "The client has no open episode of "
			                   "care.");
		}
	}
	if (rc) {
		attune_store_rollback(r->st);
		return rc;
	}
	row.session_id = fs.id;
	row.text = zText;
	row.created_by = r->user.id;
	rc = attune_store_transcript_add(r->st, &row, &tid);
	if (rc == ATTUNE_EINVAL || rc == ATTUNE_ELIMIT) {
		attune_store_rollback(r->st);
		r->status = 400;
		return form_page(r, web_printf(r, "The transcript was not "
		                               "stored: %s",
		                               attune_store_errmsg(r->st)));
	}
	if (rc) {
		attune_store_rollback(r->st);
		return rc;
	}
	if ((rc = attune_store_commit(r->st)))
		return rc;          /* a failed commit has rolled back */
	return web_redirect(r, web_printf(r, "/clients/%lld/transcripts/%lld",
	                                  (long long)r->path_id,
	                                  (long long)tid));
}

/* ---- The mirror ---- */

struct loaded {
	attune_id want;
	int found;
	int session_number;
	int64_t created_at;
	const char *format;
	char *text;
	size_t size;
	arena *ar;
};

static int listed(void *ctx, const attune_transcript_row *t)
{
	struct loaded *l = ctx;

	if (t->id == l->want)
		l->found = 1;
	return 0;
}

static int loaded(void *ctx, const attune_transcript_row *t)
{
	struct loaded *l = ctx;

	l->session_number = t->session_number;
	l->created_at = t->created_at;
	l->format = arena_strdup(l->ar, t->format);
	l->text = arena_strndup(l->ar, t->text, t->size);
	l->size = t->size;
	return l->format && l->text ? 0 : ATTUNE_ENOMEM;
}

/* The episode utterance i is shaded for, or NONE: from its first marker
 * to the last of its last marker, move and re-engagement (as the command
 * line's HTML). */
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

static const char *kind_name(int kind)
{
	return kind == ATTUNE_MOMENT_RUPTURE ? "rupture not repaired" :
	       kind == ATTUNE_MOMENT_REPAIR ? "repair" :
	       "relational move outside a rupture";
}

static void summary_table(struct web_req *r, const attune_transcript *t,
                          const attune_mirror_summary *s)
{
	strbuf *b = &r->out;
	const attune_mirror_miti *q = &s->miti;
	size_t k, ty;

	html_raw_trusted(b, "<h2>Summary</h2>\n<div class=\"table-wrap\">"
	                 "<table class=\"m-sum\">\n<tr><th>Utterances</th>"
	                 "<td>");
	sb_printf(b, "%zu (therapist %zu, client %zu)", s->n_utterances,
	          s->n_therapist, s->n_client);
	html_raw_trusted(b, "</td></tr>\n<tr><th>Talk share</th><td>"
	                 "therapist ");
	put_pct(b, s->share_words);
	sb_printf(b, " of words (%zu of %zu)", s->words_therapist,
	          s->words_therapist + s->words_client);
	if (s->has_time) {
		sb_puts(b, ", ");
		put_pct(b, s->share_time);
		sb_puts(b, " of time");
	}
	html_raw_trusted(b, "</td></tr>\n<tr><th>Reflections : questions"
	                 "</th><td>");
	put_dec2(b, q->rq);
	sb_printf(b, " (%zu : %zu), ", q->reflections, q->questions);
	html_text(b, attune_mirror_band_name(q->rq_band));
	html_raw_trusted(b, "; MITI 4.2.1 fair 1, good 2</td></tr>\n"
	                 "<tr><th>Complex reflections</th><td>");
	put_pct(b, q->pct_complex);
	sb_printf(b, " (%zu of %zu), ", q->complex, q->simple + q->complex);
	html_text(b, attune_mirror_band_name(q->cr_band));
	html_raw_trusted(b, "; MITI 4.2.1 fair 40%, good 50%</td></tr>\n"
	                 "<tr><th>Change talk</th><td>");
	put_pct(b, s->change_prop);
	sb_printf(b, " of change + sustain (%zu change, %zu sustain)",
	          s->change, s->sustain);
	html_raw_trusted(b, "</td></tr>\n<tr><th>Rupture markers</th><td>");
	for (ty = 0; ty < ATTUNE_CUE_MARKER_TYPES; ty++) {
		if (ty)
			sb_puts(b, ", ");
		html_text(b, attune_mirror_cue_type_name((int)ty));
		sb_printf(b, " %zu", s->n_markers[ty]);
	}
	sb_printf(b, "; relational moves %zu", s->n_moves);
	html_raw_trusted(b, "</td></tr>\n<tr><th>Rupture episodes</th><td>");
	sb_printf(b, "%zu, %zu repaired", s->n_episodes, s->n_repaired);
	html_raw_trusted(b, "</td></tr>\n</table></div>\n");
	if (!s->n_moments)
		return;
	html_raw_trusted(b, "<h3>Moments worth another look</h3>\n<ul>\n");
	for (k = 0; k < s->n_moments; k++) {
		const attune_mirror_moment *m = &s->moments[k];
		const attune_utterance *u = &t->u[m->utterance];
		sb_printf(b, "<li><a href=\"#u%zu\">utterance %zu", m->utterance,
		          m->utterance + 1);
		if (u->start_ms >= 0) {
			sb_puts(b, " at ");
			put_hms(b, u->start_ms);
		}
		html_raw_trusted(b, "</a>: ");
		html_text(b, kind_name(m->kind));
		if (m->episode != ATTUNE_MIRROR_NONE)
			sb_printf(b, " (episode %zu)", m->episode + 1);
		html_raw_trusted(b, "</li>\n");
	}
	html_raw_trusted(b, "</ul>\n");
}

static void code_span(struct web_req *r, const attune_mirror_result *res)
{
	strbuf *b = &r->out;
	const char *main, *sub;

	if (res->behaviour < 0 && res->talk < 0)
		return;
	main = res->behaviour >= 0
	       ? attune_mirror_code_name(ATTUNE_MIRROR_BEHAVIOUR,
	                                 res->behaviour)
	       : attune_mirror_code_name(ATTUNE_MIRROR_TALK, res->talk);
	sub = attune_mirror_code_name(ATTUNE_MIRROR_SUBCODE, res->subcode);
	html_raw_trusted(b, "<span class=\"m-code\">");
	html_text(b, main);
	if (*sub) {
		sb_putc(b, '/');
		html_text(b, sub);
	}
	sb_putc(b, ' ');
	put_dec2(b, res->confidence);
	html_raw_trusted(b, "</span>");
}

static void timeline(struct web_req *r, const attune_transcript *t,
                     const attune_mirror_result *res,
                     const attune_mirror_marks *mk,
                     const attune_mirror_summary *s)
{
	strbuf *b = &r->out;
	size_t i, j;

	html_raw_trusted(b, "<h2>Timeline</h2>\n<p class=\"muted\">Shaded red: "
	                 "a rupture episode not repaired; green: one repaired "
	                 "(a relational move followed and the client "
	                 "re-engaged).</p>\n<ol class=\"m-tl\">\n");
	for (i = 0; i < t->n; i++) {
		const attune_utterance *u = &t->u[i];
		size_t k = episode_at(s, i);
		const attune_mirror_episode *e = k == ATTUNE_MIRROR_NONE ? NULL
		                                 : &s->episodes[k];

		sb_printf(b, "<li id=\"u%zu\" class=\"m-%s%s\">", i,
		          attune_speaker_name(u->speaker),
		          e ? (e->repaired ? " m-ep m-fixed" : " m-ep") : "");
		if (e && i == e->first) {
			sb_printf(b, "<span class=\"m-lab %s\">Rupture episode "
			          "%zu: ", e->repaired ? "m-fixed" : "m-open",
			          k + 1);
			html_text(b, attune_mirror_cue_type_name(e->type));
			sb_printf(b, ", intensity %d, %s</span><br>",
			          e->intensity,
			          e->repaired ? "repaired" : "not repaired");
		}
		sb_printf(b, "<span class=\"m-meta\">#%zu", i + 1);
		if (u->start_ms >= 0) {
			sb_puts(b, ", ");
			put_hms(b, u->start_ms);
		}
		sb_puts(b, ", ");
		html_text(b, attune_speaker_name(u->speaker));
		if (u->label[0]) {
			sb_puts(b, " (");
			html_text(b, u->label);
			sb_putc(b, ')');
		}
		html_raw_trusted(b, "</span>\n<p class=\"m-say\">");
		html_text(b, u->text);
		html_raw_trusted(b, "</p>");
		code_span(r, &res[i]);
		for (j = mk->first[i]; j < mk->first[i + 1]; j++) {
			const attune_mirror_mark *m = &mk->m[j];
			const char *cue;
			html_raw_trusted(b, m->type < ATTUNE_CUE_MARKER_TYPES
			                 ? "<span class=\"m-mk\" title=\"rule "
			                 : "<span class=\"m-mv\" title=\"rule ");
			html_attr(b, m->rule);
			html_raw_trusted(b, "\">");
			if (m->type != ATTUNE_CUE_MOVE) {
				html_text(b, attune_mirror_cue_type_name(m->type));
				sb_putc(b, '/');
			}
			html_text(b, m->subtype);
			if (m->intensity)
				sb_printf(b, " %d", m->intensity);
			html_raw_trusted(b, "</span>");
			if (m->cue_len &&
			    (cue = arena_strndup(&r->ar, u->text + m->cue_off,
			                         m->cue_len))) {
				html_raw_trusted(b, "<span class=\"m-cue\">\xe2\x80\x9c");
				html_text(b, cue);
				html_raw_trusted(b, "\xe2\x80\x9d</span> ");
			}
		}
		if (e && i == e->move)
			html_raw_trusted(b, e->repaired
			                 ? "<br><span class=\"m-lab m-fixed\">"
			                   "Repair: a relational move, then the "
			                   "client re-engaged</span>"
			                 : "<br><span class=\"m-lab\">Relational "
			                   "move (no re-engagement followed)"
			                   "</span>");
		if (e && i == e->reengage) {
			html_raw_trusted(b, e->repaired
			                 ? "<br><span class=\"m-lab m-fixed\">"
			                 : "<br><span class=\"m-lab\">");
			html_text(b, "Client re-engages (");
			html_text(b, attune_mirror_reengage_name(e->reengage_how));
			html_raw_trusted(b, ")</span>");
		}
		html_raw_trusted(b, "</li>\n");
	}
	html_raw_trusted(b, "</ol>\n");
}

/* The way to delete the transcript, for the client's own therapist
 * only: a button that leads to the confirmation (h_transcript_delete). */
static int delete_offer(struct web_req *r)
{
	strbuf *b = &r->out;
	attune_access a = ATTUNE_ACCESS_NONE;
	int rc;

	if (r->user.role != ATTUNE_ROLE_THERAPIST)
		return 0;
	if ((rc = attune_store_client_access(r->st, r->user.id, r->path_id,
	                                     &a)))
		return rc;
	if (a != ATTUNE_ACCESS_OWN)
		return 0;
	html_raw_trusted(b, "<h2>Delete this transcript</h2>\n");
	sb_printf(b, "<form class=\"inline-form\" method=\"post\" "
	          "action=\"/clients/%lld/transcripts/%lld/delete\">",
	          (long long)r->path_id, (long long)r->path_sub);
	form_csrf(r);
	html_raw_trusted(b, "<button type=\"submit\" class=\"secondary\">"
	                 "Delete this transcript\xe2\x80\xa6</button></form>\n"
	                 "<p class=\"muted\">You will be asked to confirm. "
	                 "The session and its measures stay; the audit log "
	                 "keeps a record that the transcript was deleted."
	                 "</p>\n");
	return 0;
}

int h_transcript_view(struct web_req *r)
{
	strbuf *b = &r->out;
	struct loaded l;
	attune_transcript_opts opts;
	attune_transcript *t = NULL;
	attune_mirror_result *res = NULL;
	attune_mirror_marks *mk = NULL;
	attune_mirror_summary *s = NULL;
	attune_err err;
	int rc;

	if ((rc = client_allowed(r, 0)))
		return rc < 0 ? 0 : rc;
	memset(&l, 0, sizeof(l));
	l.want = r->path_sub;
	l.ar = &r->ar;
	/* Is it this client's? Checked before the text is read, so that the
	 * audit log never shows a read of another client's transcript. */
	if ((rc = attune_store_transcript_list(r->st, r->path_id, 0, listed,
	                                       &l)))
		return rc;
	if (!l.found)
		return web_not_found(r), 0;
	if ((rc = attune_store_transcript_get(r->st, r->path_sub, loaded, &l)))
		return rc;
	pthread_once(&coder_once, coder_load);
	if (coder_rc)
		return web_server_error(r, "The session mirror's coder could "
		                        "not be loaded."), 0;
	memset(&opts, 0, sizeof(opts));
	attune_err_clear(&err);
	if (attune_transcript_format_from_name(l.format, &opts.format) !=
	    ATTUNE_OK)
		opts.format = ATTUNE_TRANSCRIPT_AUTO;
	rc = attune_transcript_parse(l.text, l.size, "transcript", &opts, &t,
	                             &err);
	if (rc == ATTUNE_OK) {
		res = arena_alloc(&r->ar, (t->n ? t->n : 1) * sizeof(*res));
		rc = res ? ATTUNE_OK : ATTUNE_ENOMEM;
	}
	if (rc == ATTUNE_OK)
		rc = attune_mirror_code(coder_model, t->u, t->n, res, &err);
	if (rc == ATTUNE_OK)
		rc = attune_mirror_mark_apply(coder_rules, t->u, t->n, res, &mk,
		                              &err);
	if (rc == ATTUNE_OK)
		rc = attune_mirror_summarise(coder_rules, t->u, t->n, res, mk,
		                             &s, &err);
	if (rc != ATTUNE_OK) {
		if (rc != ATTUNE_ENOMEM) {
			sb_reset(b);
			page_message(r, 500, "The transcript could not be read",
			             err.msg);
			rc = 0;
		}
		goto out;
	}
	page_begin(r, web_printf(r, "Session mirror: session %d",
	                         l.session_number));
	html_raw_trusted(b, "<p class=\"muted\">");
	sb_printf(b, "<a href=\"/clients/%lld\">Back to the client</a> · ",
	          (long long)r->path_id);
	html_text(b, attune_transcript_format_name(t->format));
	sb_printf(b, ", %zu bytes, added ", l.size);
	html_utc(b, l.created_at);
	html_raw_trusted(b, "</p>\n<p class=\"muted\">The codes and markers "
	                 "are a statistical model's and hand-written rules' "
	                 "guesses from the words alone. They point at moments "
	                 "worth listening to again; they assist a clinician's "
	                 "reading of a session and never replace it.</p>\n");
	summary_table(r, t, s);
	timeline(r, t, res, mk, s);
	if ((rc = delete_offer(r)))
		goto out;
	page_end(r);
	rc = 0;
out:
	attune_mirror_summary_free(s);
	attune_mirror_marks_free(mk);
	attune_transcript_free(t);
	return rc;
}

/* ---- Deleting ---- */

static int listed_row(void *ctx, const attune_transcript_row *t)
{
	struct loaded *l = ctx;

	if (t->id == l->want) {
		l->found = 1;
		l->session_number = t->session_number;
		l->created_at = t->created_at;
		l->size = t->size;
	}
	return 0;
}

/* POST /clients/{id}/transcripts/{sub}/delete: the client's own
 * therapist only. Without confirm=1 it asks (a page with the transcript's
 * session, size and date and a "Delete for good" button); with it the
 * store deletes the transcript, scoped to the client in the path so that
 * another client's transcript is as absent as none (404). */
int h_transcript_delete(struct web_req *r)
{
	strbuf *b = &r->out;
	struct loaded l;
	int rc;

	if ((rc = client_allowed(r, 1)))
		return rc < 0 ? 0 : rc;
	if (web_field(r, "confirm")) {
		rc = attune_store_transcript_delete(r->st, r->path_id,
		                                    r->path_sub);
		if (rc == ATTUNE_ENOTFOUND)
			return web_not_found(r), 0;
		if (rc)
			return rc;
		return web_redirect(r, web_printf(r, "/clients/%lld",
		                                  (long long)r->path_id));
	}
	memset(&l, 0, sizeof(l));
	l.want = r->path_sub;
	if ((rc = attune_store_transcript_list(r->st, r->path_id, 0,
	                                       listed_row, &l)))
		return rc;
	if (!l.found)
		return web_not_found(r), 0;
	sb_reset(b);
	page_begin(r, "Delete a session transcript?");
	sb_printf(b, "<p>The transcript of session %d (%zu bytes, added ",
	          l.session_number, l.size);
	html_utc(b, l.created_at);
	html_raw_trusted(b, ") will be deleted for good: its text and its "
	                 "session mirror. The session and its measures stay. "
	                 "This cannot be undone.</p>\n");
	sb_printf(b, "<form class=\"inline-form\" method=\"post\" "
	          "action=\"/clients/%lld/transcripts/%lld/delete\">",
	          (long long)r->path_id, (long long)r->path_sub);
	form_csrf(r);
	html_raw_trusted(b, "<input type=\"hidden\" name=\"confirm\" "
	                 "value=\"1\"><button type=\"submit\">Delete for "
	                 "good</button></form>\n");
	sb_printf(b, "<p><a href=\"/clients/%lld/transcripts/%lld\">Cancel: "
	          "back to the session mirror</a></p>\n",
	          (long long)r->path_id, (long long)r->path_sub);
	page_end(r);
	return 0;
}

/* ---- On the client page ---- */

struct tlist {
	struct web_req *r;
	size_t n;
};

static int list_row(void *ctx, const attune_transcript_row *t)
{
	struct tlist *tl = ctx;
	strbuf *b = &tl->r->out;

	if (tl->n++ == 0)
		html_raw_trusted(b, "<div class=\"table-wrap\"><table><tr><th>"
		                 "Session</th><th>Format</th><th class=\"num\">"
		                 "Bytes</th><th>Added</th><th></th></tr>\n");
	sb_printf(b, "<tr><td>%d</td><td>", t->session_number);
	html_text(b, t->format);
	sb_printf(b, "</td><td class=\"num\">%zu</td><td>", t->size);
	html_utc(b, t->created_at);
	sb_printf(b, "</td><td><a href=\"/clients/%lld/transcripts/%lld\">"
	          "Session mirror</a></td></tr>\n", (long long)t->client_id,
	          (long long)t->id);
	return 0;
}

void transcripts_section(struct web_req *r, attune_access a,
                         attune_id client_id)
{
	strbuf *b = &r->out;
	struct tlist tl = {r, 0};

	html_raw_trusted(b, "<h2>Session transcripts</h2>\n");
	if (attune_store_transcript_list(r->st, client_id, 0, list_row, &tl)
	    != ATTUNE_OK) {
		html_raw_trusted(b, "<p class=\"error\">The transcripts could "
		                 "not be listed.</p>\n");
		return;
	}
	if (tl.n)
		html_raw_trusted(b, "</table></div>\n");
	else
		html_raw_trusted(b, "<p class=\"muted\">No transcripts.</p>\n");
	if (a == ATTUNE_ACCESS_OWN && r->user.role == ATTUNE_ROLE_THERAPIST)
		sb_printf(b, "<p><a href=\"/clients/%lld/transcripts/new\">"
		          "Add a transcript</a></p>\n", (long long)client_id);
}
