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
 * The summary and timeline are the library's drawing (mirror_html.h,
 * shared with the command line), which escapes every piece of transcript
 * text; this file's own text goes through html_text/html_attr. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "attune/limits.h"
#include "attune/mirror.h"
#include "attune/mirror_html.h"
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

/* Append a fragment of the library's drawing of the mirror
 * (attune/mirror_html.h: the same as `attune mirror code --format html`),
 * which escapes every piece of transcript text itself. */
static int fragment(struct web_req *r, int rc, char **z)
{
	if (rc == ATTUNE_OK)
		html_raw_trusted(&r->out, *z);
	free(*z);
	*z = NULL;
	return rc;
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
	char *z = NULL;
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
	html_raw_trusted(b, "<h2>Summary</h2>\n");
	rc = attune_mirror_html_summary(t, mk, s, &z, NULL);
	if ((rc = fragment(r, rc, &z)))
		goto out;
	html_raw_trusted(b, "<h2>Timeline</h2>\n<p class=\"muted\">Shaded red: "
	                 "a rupture episode not repaired; green: one repaired "
	                 "(a relational move followed and the client "
	                 "re-engaged).</p>\n");
	rc = attune_mirror_html_timeline(t, res, mk, s, &z, NULL);
	if ((rc = fragment(r, rc, &z)))
		goto out;
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
