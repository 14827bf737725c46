/* checkin.c - the client's check-in, no account needed: /c/TOKEN shows
 * the measures the therapist assigned on a phone-sized page; a submit
 * is checked by each instrument's rules, then stored in one transaction
 * with its session, and the link is spent in that same transaction
 * (single use). An unknown, expired or used link gets a kind page that
 * reveals nothing about anyone. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "attune/score.h"
#include "web/items.h"
#include "web/status.h"
#include "web/svg.h"

struct link {
	struct web_req *r;
	attune_link_rec l;          /* strings in the arena */
	int found;
};

static int link_cb(void *ctx, const attune_link_rec *l)
{
	struct link *k = ctx;

	k->l = *l;
	k->l.token_hash = NULL;
	k->l.instruments = arena_strdup(&k->r->ar, l->instruments);
	k->found = 1;
	return k->l.instruments ? 0 : ATTUNE_ENOMEM;
}

/* The link of the path's token; a kind page and -1 when it cannot be
 * used, 0 when it can, or an attune_rc. */
static int load_link(struct web_req *r, struct link *k)
{
	char hash[WEB_HASH_HEX + 1];
	int64_t now = (int64_t)time(NULL);
	int rc;

	memset(k, 0, sizeof(*k));
	k->r = r;
	web_token_hash(r->path_token, strlen(r->path_token), hash);
	rc = attune_store_link_find(r->st, hash, link_cb, k);
	if (rc == ATTUNE_ENOTFOUND) {
		page_message(r, 404, "This link does not work",
		             "Please check that the whole link was copied. If "
		             "it still does not work, ask your therapist for a "
		             "new one.");
		return -1;
	}
	if (rc)
		return rc;
	if (k->l.used_at) {
		page_message(r, 410, "This check-in is done",
		             "Your answers for this link have been received. "
		             "Thank you. Each link works once; your therapist "
		             "will send a new one next time.");
		return -1;
	}
	if (now >= k->l.expires_at) {
		page_message(r, 410, "This link has expired",
		             "Check-in links work for a few days only. Please "
		             "ask your therapist for a new one.");
		return -1;
	}
	return 0;
}

/* The instruments of a link, at most ATTUNE_LINK_INSTRUMENTS_MAX. */
static size_t link_instruments(struct web_req *r, const char *zList,
                               const attune_instrument **out)
{
	char id[ATTUNE_ID_MAX + 1];
	size_t n = 0, i = 0, start = 0, len = strlen(zList);

	for (i = 0; i <= len; i++) {
		if (i < len && zList[i] != ',')
			continue;
		if (i - start <= ATTUNE_ID_MAX &&
		    n < ATTUNE_LINK_INSTRUMENTS_MAX) {
			memcpy(id, zList + start, i - start);
			id[i - start] = '\0';
			out[n] = attune_catalog_find(r->srv->cat, id);
			if (out[n] && items_have_wording(out[n]))
				n++;
		}
		start = i + 1;
	}
	return n;
}

static void checkin_page(struct web_req *r, const struct link *k,
                         const attune_instrument **ins, size_t n,
                         const char *zError)
{
	char tok[WEB_HASH_HEX + 1], prefix[ATTUNE_ID_MAX + 8];
	strbuf *b = &r->out;
	size_t i;

	sb_reset(b);
	page_begin(r, "Your check-in");
	html_raw_trusted(b, "<div class=\"checkin\">");
	if (zError) {
		html_raw_trusted(b, "<p class=\"error\" role=\"alert\">");
		html_text(b, zError);
		html_raw_trusted(b, "</p>\n");
	}
	html_raw_trusted(b, "<p>A few short questions about how you are and "
	                 "how our work together is going. Answer what you "
	                 "can; there are no right answers. Your therapist "
	                 "will see your answers.</p>\n<form method=\"post\" "
	                 "action=\"/c/");
	html_attr(b, r->path_token);
	html_raw_trusted(b, "\"><input type=\"hidden\" name=\"csrf\" "
	                 "value=\"");
	web_token_hash(r->path_token, strlen(r->path_token), tok);
	auth_link_token(r->srv, tok, tok);
	html_attr(b, tok);
	html_raw_trusted(b, "\">");
	for (i = 0; i < n; i++) {
		snprintf(prefix, sizeof(prefix), "a.%s.", ins[i]->id);
		items_form(b, ins[i], prefix, NULL);
	}
	html_raw_trusted(b, "<button type=\"submit\">Send my answers</button>"
	                 "</form></div>\n");
	(void)k;
	page_end(r);
}

/* A refused submit: the form again with the reason (400), or for the
 * API the reason as JSON. */
static int refuse(struct web_req *r, const struct link *k,
                  const attune_instrument **ins, size_t n, const char *zWhy)
{
	if (r->is_api)
		return page_message(r, 400, "bad check-in", zWhy);
	r->status = 400;
	checkin_page(r, k, ins, n, zWhy);
	return 0;
}

int h_checkin_form(struct web_req *r)
{
	const attune_instrument *ins[ATTUNE_LINK_INSTRUMENTS_MAX];
	struct link k;
	size_t n;
	int rc;

	if ((rc = load_link(r, &k)))
		return rc < 0 ? 0 : rc;
	n = link_instruments(r, k.l.instruments, ins);
	if (!n)
		return page_message(r, 410, "This link cannot be used",
		                    "The questions of this link are not "
		                    "available. Please ask your therapist for "
		                    "a new link.");
	checkin_page(r, &k, ins, n, NULL);
	return 0;
}

struct last_session {
	int number;
	attune_id episode;
};

static int last_session_cb(void *ctx, const attune_session_rec *s)
{
	struct last_session *ls = ctx;

	if (s->episode_id != ls->episode) {
		ls->episode = s->episode_id;
		ls->number = 0;
	}
	if (s->number > ls->number)
		ls->number = s->number;
	return 0;
}

static int session_id_cb(void *ctx, const attune_session_rec *s)
{
	*(attune_id *)ctx = s->id;
	return 0;
}

/* A small view of their own course for a client whose therapist allows
 * it: the outcome and the alliance as they answered them. Loaded inside
 * the check-in's transaction (own_load), drawn after it committed
 * (own_draw). */
struct own {
	struct web_req *r;
	attune_client_rec c;        /* strings in the arena */
	int found;
	struct client_data cd;
	int show;
};

static int own_client_cb(void *ctx, const attune_client_rec *c)
{
	struct own *o = ctx;

	o->c = *c;
	o->c.code = arena_strdup(&o->r->ar, c->code);
	o->c.display_name = c->display_name
	                    ? arena_strdup(&o->r->ar, c->display_name) : NULL;
	o->found = 1;
	return o->c.code && (o->c.display_name || !c->display_name)
	       ? 0 : ATTUNE_ENOMEM;
}

static int own_load(struct web_req *r, attune_id client_id, struct own *o)
{
	int rc;

	memset(o, 0, sizeof(*o));
	o->r = r;
	if ((rc = attune_store_client_get(r->st, client_id, own_client_cb, o)))
		return rc;
	if (!o->found || !o->c.sees_progress)
		return 0;
	if ((rc = cd_load_known(r->st, &r->ar, r->srv->cat, &o->c, &o->cd)))
		return rc;
	o->show = 1;
	return 0;
}

static int own_draw(struct web_req *r, const struct own *o)
{
	const attune_instrument *out = attune_catalog_find(r->srv->cat,
	                                                  ST_OUTCOME);
	const attune_instrument *ally = attune_catalog_find(r->srv->cat,
	                                                   ST_ALLIANCE);
	const struct client_data *cd = &o->cd;
	struct svg_chart c;
	double *y;
	int first;

	if (!o->show)
		return 0;
	y = arena_alloc(&r->ar, 2 * ATTUNE_SERIES_MAX * sizeof(double));
	if (!y)
		return ATTUNE_ENOMEM;
	html_raw_trusted(&r->out, "<h2>Your course so far</h2><div "
	                 "class=\"charts\">");
	if (out) {
		memset(&c, 0, sizeof(c));
		c.id = "own-outcome";
		c.title = web_printf(r, "%s (lower means fewer symptoms)",
		                     out->short_title ? out->short_title
		                                      : out->id);
		c.ymin = out->total.min;
		c.ymax = out->total.max;
		c.n_series = 1;
		c.s[0].label = out->short_title ? out->short_title : out->id;
		c.s[0].y = y;
		c.s[0].n = cd_series(cd, ST_OUTCOME, 0, 0, y,
		                     ATTUNE_SERIES_MAX, &first);
		c.s[0].first = first;
		svg_chart(&r->out, &c);
	}
	if (ally) {
		memset(&c, 0, sizeof(c));
		c.id = "own-alliance";
		c.title = "How our work together felt to you";
		c.ymin = ally->total.min;
		c.ymax = ally->total.max;
		c.n_series = 1;
		c.s[0].label = "alliance";
		c.s[0].y = y + ATTUNE_SERIES_MAX;
		c.s[0].n = cd_series(cd, ST_ALLIANCE, 0, 0,
		                     y + ATTUNE_SERIES_MAX, ATTUNE_SERIES_MAX,
		                     &first);
		c.s[0].first = first;
		svg_chart(&r->out, &c);
	}
	html_raw_trusted(&r->out, "</div>");
	return 0;
}

/* The check-in in one transaction, from finding the link to spending
 * it: the read of the link, the answers, the session, the spent link and
 * (when the client may see it) the read of their own course commit
 * together, one commit and one disk sync per submit. Returns 0 with
 * *save set when there is something to commit; 0 without it when a
 * page was made (the link cannot be used, an answer was refused). */
static int checkin_txn(struct web_req *r, struct own *o, int *number_out,
                       int *save)
{
	const attune_instrument *ins[ATTUNE_LINK_INSTRUMENTS_MAX];
	double v[ATTUNE_LINK_INSTRUMENTS_MAX][ATTUNE_ITEMS_MAX];
	size_t answered[ATTUNE_LINK_INSTRUMENTS_MAX];
	char prefix[ATTUNE_ID_MAX + 8], day[11];
	struct last_session ls = {0, 0};
	attune_session_rec s;
	attune_response_rec rec;
	attune_score sc;
	attune_id session_id = 0;
	struct link k;
	size_t n, i, j, bad, total = 0;
	time_t now = time(NULL);
	struct tm tm;
	int rc, number;

	*save = 0;
	if ((rc = load_link(r, &k)))
		return rc < 0 ? 0 : rc;
	n = link_instruments(r, k.l.instruments, ins);
	/* Every answer field must belong to one of the link's measures. */
	for (i = 0; i < r->nf; i++) {
		if (strncmp(r->f[i].name, "a.", 2) != 0)
			continue;
		for (j = 0; j < n; j++) {
			snprintf(prefix, sizeof(prefix), "a.%s.", ins[j]->id);
			if (strncmp(r->f[i].name, prefix, strlen(prefix)) == 0)
				break;
		}
		if (j == n)
			return web_bad_request(r, "The form has an answer to a "
			                       "question that was not asked.");
	}
	for (i = 0; i < n; i++) {
		snprintf(prefix, sizeof(prefix), "a.%s.", ins[i]->id);
		if (items_parse(r, ins[i], prefix, v[i], &answered[i],
		                &bad) != ATTUNE_OK)
			return refuse(r, &k, ins, n, "One answer could not be "
			              "read. Please choose from the options "
			              "shown.");
		total += answered[i];
	}
	if (total == 0)
		return refuse(r, &k, ins, n, "Please answer at least one "
		              "question.");
	gmtime_r(&now, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);

	/* The link is spent exactly when the answers and their session
	 * are stored. */
	rc = attune_store_link_use(r->st, k.l.id, 0);
	if (rc == ATTUNE_EEXIST)
		return page_message(r, 410, "This check-in is done",
		                    "Your answers for this link have been "
		                    "received. Thank you.");
	if (rc)
		return rc;
	number = k.l.session_number;
	if (number > 0) {
		rc = attune_store_session_find(r->st, k.l.client_id, number,
		                               session_id_cb, &session_id);
		if (rc && rc != ATTUNE_ENOTFOUND)
			return rc;
	} else {
		if ((rc = attune_store_session_list(r->st, k.l.client_id,
		                                    last_session_cb, &ls)))
			return rc;
		number = ls.number + 1;
	}
	if (!session_id) {
		memset(&s, 0, sizeof(s));
		s.client_id = k.l.client_id;
		s.number = number;
		s.date = day;
		s.attended = 1;
		rc = attune_store_session_add(r->st, &s, &session_id);
		if (rc == ATTUNE_ENOTFOUND)
			return page_message(r, 409, "This link cannot be used "
			                    "now", "Your therapist has closed "
			                    "this course of sessions. Please ask "
			                    "them for a new link.");
		if (rc)
			return rc;
	}
	for (i = 0; i < n; i++) {
		if (!answered[i])
			continue;
		attune_score_compute(ins[i], v[i], &sc);
		memset(&rec, 0, sizeof(rec));
		rec.session_id = session_id;
		rec.instrument = ins[i]->id;
		rec.instrument_version = ins[i]->version;
		rec.respondent = ATTUNE_RESPONDENT_CLIENT;
		rec.n_values = ins[i]->n_items;
		rec.values = v[i];
		rec.total = sc.total;
		if ((rc = attune_store_response_add(r->st, &rec, NULL)))
			return rc;
	}
	if (!r->is_api && (rc = own_load(r, k.l.client_id, o)))
		return rc;
	*number_out = number;
	*save = 1;
	return 0;
}

int h_checkin(struct web_req *r)
{
	struct own o;
	int rc, save = 0, number = 0;

	memset(&o, 0, sizeof(o));
	if ((rc = attune_store_begin(r->st)))
		return rc;
	rc = checkin_txn(r, &o, &number, &save);
	if (rc || !save) {
		/* Nothing half-done stays: the reads' audit rows are
		 * written again on their own (store.h). */
		attune_store_rollback(r->st);
		return rc;
	}
	if ((rc = attune_store_commit(r->st)))
		return rc;
	if (r->is_api) {
		r->ctype = "application/json";
		sb_printf(&r->out, "{\"saved\": true, \"session\": %d}\n",
		          number);
		return 0;
	}
	page_begin(r, "Thank you");
	html_raw_trusted(&r->out, "<div class=\"checkin\"><p class=\"notice\" "
	                 "role=\"status\">Your answers have been saved. "
	                 "Thank you for taking the time.</p><p>You can "
	                 "close this page now.</p>");
	if ((rc = own_draw(r, &o)))
		return rc;
	html_raw_trusted(&r->out, "</div>");
	page_end(r);
	return 0;
}
