/* mirror_html.c - the session mirror drawn as HTML fragments, one drawing
 * for the web page and the command line's page (mirror_html.h). Every
 * input string goes through sb_html(); the markup around it is literal.
 * Numbers are written without the locale. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "attune/limits.h"
#include "attune/mirror_html.h"
#include "util/util_int.h"

/* ---- small writers ---- */

static void html_z(strbuf *b, const char *z)
{
	sb_html(b, z, strlen(z));
}

/* 00:01:44 */
static void put_hms(strbuf *b, int64_t ms)
{
	sb_printf(b, "%02lld:%02lld:%02lld", (long long)(ms / 3600000),
	          (long long)(ms / 60000 % 60), (long long)(ms / 1000 % 60));
}

/* x (0..1) as a whole percentage, "n/a" for NaN. */
static void put_pct(strbuf *b, double x)
{
	if (isnan(x))
		sb_puts(b, "n/a");
	else
		sb_printf(b, "%lld%%", (long long)llround(x * 100.0));
}

/* x with two decimals, "n/a" when not a number. */
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

static int finish(strbuf *b, char **out, size_t *len)
{
	int rc;

	if (len)
		*len = b->len;
	*out = sb_detach(b, &rc);
	if (!*out) {
		sb_free(b);
		if (len)
			*len = 0;
		return rc ? rc : ATTUNE_ENOMEM;
	}
	return ATTUNE_OK;
}

/* ---- why a moment matters ---- */

static void why(strbuf *b, const attune_mirror_summary *s,
                const attune_mirror_marks *mk, const attune_mirror_moment *m)
{
	const attune_mirror_episode *e;
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
	e = &s->episodes[m->episode];
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
		sb_printf(b, ": %s followed, but the client did not re-engage",
		          e->move_subtype);
	else if (e->reengage != ATTUNE_MIRROR_NONE)
		sb_puts(b, ": the client re-engaged, without a relational move");
	else
		sb_puts(b, ": no relational move, no re-engagement");
}

int attune_mirror_moment_why(const attune_mirror_summary *s,
                             const attune_mirror_marks *mk, size_t k,
                             char **out, size_t *len)
{
	strbuf b;

	*out = NULL;
	if (!s || !mk || k >= s->n_moments)
		return ATTUNE_EINVAL;
	sb_init(&b, ATTUNE_TEXT_MAX);
	why(&b, s, mk, &s->moments[k]);
	return finish(&b, out, len);
}

/* ---- the summary ---- */

int attune_mirror_html_summary(const attune_transcript *t,
                               const attune_mirror_marks *mk,
                               const attune_mirror_summary *s,
                               char **out, size_t *len)
{
	const attune_mirror_miti *q;
	strbuf b;
	size_t k, ty;

	*out = NULL;
	if (!t || !mk || !s)
		return ATTUNE_EINVAL;
	q = &s->miti;
	sb_init(&b, ATTUNE_MIRROR_HTML_MAX);
	sb_printf(&b, "<div class=\"table-wrap\"><table class=\"m-sum\">\n"
	          "<tr><th>Utterances</th><td>%zu (therapist %zu, client %zu)"
	          "</td></tr>\n<tr><th>Talk share</th><td>therapist ",
	          s->n_utterances, s->n_therapist, s->n_client);
	put_pct(&b, s->share_words);
	sb_printf(&b, " of words (%zu of %zu)", s->words_therapist,
	          s->words_therapist + s->words_client);
	if (s->has_time) {
		sb_puts(&b, ", ");
		put_pct(&b, s->share_time);
		sb_puts(&b, " of time");
	}
	sb_puts(&b, "</td></tr>\n<tr><th>Reflections : questions</th><td>");
	put_dec2(&b, q->rq);
	sb_printf(&b, " (%zu : %zu), ", q->reflections, q->questions);
	html_z(&b, attune_mirror_band_name(q->rq_band));
	sb_puts(&b, "; MITI 4.2.1 fair 1, good 2</td></tr>\n"
	        "<tr><th>Complex reflections</th><td>");
	put_pct(&b, q->pct_complex);
	sb_printf(&b, " (%zu of %zu), ", q->complex, q->simple + q->complex);
	html_z(&b, attune_mirror_band_name(q->cr_band));
	sb_puts(&b, "; MITI 4.2.1 fair 40%, good 50%</td></tr>\n"
	        "<tr><th>Change talk</th><td>");
	put_pct(&b, s->change_prop);
	sb_printf(&b, " of change + sustain (%zu change, %zu sustain)"
	          "</td></tr>\n<tr><th>Rupture markers</th><td>", s->change,
	          s->sustain);
	for (ty = 0; ty < ATTUNE_CUE_MARKER_TYPES; ty++) {
		if (ty)
			sb_puts(&b, ", ");
		html_z(&b, attune_mirror_cue_type_name((int)ty));
		sb_printf(&b, " %zu", s->n_markers[ty]);
	}
	sb_printf(&b, "; relational moves %zu</td></tr>\n<tr><th>Rupture "
	          "episodes</th><td>%zu, %zu repaired</td></tr>\n"
	          "</table></div>\n", s->n_moves, s->n_episodes,
	          s->n_repaired);
	if (s->n_moments) {
		strbuf w;
		sb_init(&w, ATTUNE_TEXT_MAX);
		sb_puts(&b, "<h3>Moments worth another look</h3>\n<ul>\n");
		for (k = 0; k < s->n_moments; k++) {
			const attune_mirror_moment *m = &s->moments[k];
			const attune_utterance *u = &t->u[m->utterance];
			sb_printf(&b, "<li><a href=\"#u%zu\">#%zu, line %zu",
			          m->utterance, m->utterance + 1, u->line);
			if (u->start_ms >= 0) {
				sb_puts(&b, ", ");
				put_hms(&b, u->start_ms);
			}
			sb_puts(&b, "</a>: ");
			sb_reset(&w);
			why(&w, s, mk, m);
			sb_html(&b, w.s ? w.s : "", w.len);
			if (w.rc && !b.rc)
				b.rc = w.rc;
			sb_puts(&b, "</li>\n");
		}
		sb_free(&w);
		sb_puts(&b, "</ul>\n");
	}
	return finish(&b, out, len);
}

/* ---- the timeline ---- */

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

/* The code of a turn with its confidence: "question/open 0.93". */
static void code_span(strbuf *b, const attune_mirror_result *r)
{
	const char *main, *sub;

	if (r->behaviour < 0 && r->talk < 0)
		return;
	main = r->behaviour >= 0
	       ? attune_mirror_code_name(ATTUNE_MIRROR_BEHAVIOUR, r->behaviour)
	       : attune_mirror_code_name(ATTUNE_MIRROR_TALK, r->talk);
	sub = attune_mirror_code_name(ATTUNE_MIRROR_SUBCODE, r->subcode);
	sb_puts(b, "<span class=\"m-code\">");
	html_z(b, main);
	if (*sub) {
		sb_putc(b, '/');
		html_z(b, sub);
	}
	sb_putc(b, ' ');
	put_dec2(b, r->confidence);
	sb_puts(b, "</span>");
}

/* The rupture markers and relational moves of utterance i, each with the
 * words that triggered it. */
static void marks(strbuf *b, const attune_utterance *u,
                  const attune_mirror_marks *mk, size_t i)
{
	size_t j;

	for (j = mk->first[i]; j < mk->first[i + 1]; j++) {
		const attune_mirror_mark *m = &mk->m[j];
		sb_puts(b, m->type < ATTUNE_CUE_MARKER_TYPES
		        ? "<span class=\"m-mk\" title=\"rule "
		        : "<span class=\"m-mv\" title=\"rule ");
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
		if (m->cue_len && m->cue_off + m->cue_len <= u->text_len) {
			sb_puts(b, "<span class=\"m-cue\">\xe2\x80\x9c");
			sb_html(b, u->text + m->cue_off, m->cue_len);
			sb_puts(b, "\xe2\x80\x9d</span> ");
		}
	}
}

int attune_mirror_html_timeline(const attune_transcript *t,
                                const attune_mirror_result *res,
                                const attune_mirror_marks *mk,
                                const attune_mirror_summary *s,
                                char **out, size_t *len)
{
	strbuf b;
	size_t i;

	*out = NULL;
	if (!t || (!res && t->n) || !mk || !s)
		return ATTUNE_EINVAL;
	sb_init(&b, ATTUNE_MIRROR_HTML_MAX);
	sb_puts(&b, "<ol class=\"m-tl\">\n");
	for (i = 0; i < t->n && !b.rc; i++) {
		const attune_utterance *u = &t->u[i];
		size_t k = episode_at(s, i);
		const attune_mirror_episode *e = k == ATTUNE_MIRROR_NONE ? NULL
		                                 : &s->episodes[k];

		sb_printf(&b, "<li id=\"u%zu\" class=\"m-%s%s\">", i,
		          attune_speaker_name(u->speaker),
		          e ? (e->repaired ? " m-ep m-fixed" : " m-ep") : "");
		if (e && i == e->first) {
			sb_printf(&b, "<span class=\"m-lab %s\">Rupture episode "
			          "%zu: ", e->repaired ? "m-fixed" : "m-open",
			          k + 1);
			html_z(&b, attune_mirror_cue_type_name(e->type));
			sb_printf(&b, ", intensity %d, %s</span><br>",
			          e->intensity,
			          e->repaired ? "repaired" : "not repaired");
		}
		sb_printf(&b, "<span class=\"m-meta\">#%zu, line %zu", i + 1,
		          u->line);
		if (u->start_ms >= 0) {
			sb_puts(&b, ", ");
			put_hms(&b, u->start_ms);
		}
		sb_puts(&b, ", ");
		html_z(&b, attune_speaker_name(u->speaker));
		if (u->label[0]) {
			sb_puts(&b, " (");
			html_z(&b, u->label);
			sb_putc(&b, ')');
		}
		sb_puts(&b, "</span>\n<p class=\"m-say\">");
		sb_html(&b, u->text, u->text_len);
		sb_puts(&b, "</p>");
		code_span(&b, &res[i]);
		marks(&b, u, mk, i);
		if (e && i == e->move)
			sb_puts(&b, e->repaired
			        ? "<br><span class=\"m-lab m-fixed\">Repair: a "
			          "relational move, then the client re-engaged"
			          "</span>"
			        : "<br><span class=\"m-lab\">Relational move (no "
			          "re-engagement followed)</span>");
		if (e && i == e->reengage) {
			sb_puts(&b, e->repaired
			        ? "<br><span class=\"m-lab m-fixed\">"
			        : "<br><span class=\"m-lab\">");
			sb_puts(&b, "Client re-engages (");
			html_z(&b, attune_mirror_reengage_name(e->reengage_how));
			sb_puts(&b, ")</span>");
		}
		sb_puts(&b, "</li>\n");
	}
	sb_puts(&b, "</ol>\n");
	return finish(&b, out, len);
}
