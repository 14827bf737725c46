/* client.c - one client for the therapist (and read-only for a
 * supervisor or a granted colleague): status and its reasons, risk
 * flags first, the outcome and alliance charts, scores by session,
 * check-in links, and a paper questionnaire entered by hand. Access is
 * decided by attune_store_client_access(): a client who is not the
 * user's to see is "not found" (404), so that existence is not
 * revealed; a read-only user trying to change something gets 403. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "attune/change.h"
#include "attune/gains.h"
#include "web/items.h"
#include "web/pagecache.h"
#include "web/status.h"
#include "web/svg.h"

void status_pill(strbuf *b, attune_signal_status s);

/* Instruments offered for check-in links, in this order, ticked by
 * default when marked. */
static const struct {
	const char *id;
	int dflt;
} offered[] = {
	{"checkin-alliance", 1}, {"phq9", 1}, {"gad7", 1},
	{"checkin-patterns", 0}, {"checkin-capacities", 0}, {"core10", 0},
	{"ecr-rs", 0},
};

/* Can the user see (write = 0) or change (write = 1) path_id? Sets a
 * 404 or 403 page and returns -1 when not. */
int client_allowed(struct web_req *r, int write)
{
	attune_access a;
	int64_t version;

	return client_allowed_version(r, write, &a, &version);
}

int client_allowed_version(struct web_req *r, int write, attune_access *out,
                           int64_t *version)
{
	attune_access a = ATTUNE_ACCESS_NONE;
	int rc;

	rc = attune_store_client_access_version(r->st, r->user.id, r->path_id,
	                                        &a, version);
	*out = a;
	if (rc == ATTUNE_ENOTFOUND || (rc == ATTUNE_OK &&
	                               a == ATTUNE_ACCESS_NONE)) {
		web_not_found(r);
		return -1;
	}
	if (rc)
		return rc;
	/* Supervisors read their supervisees' clients; therapists their
	 * own and those granted to them. Only the client's own therapist
	 * changes anything. */
	if (r->user.role == ATTUNE_ROLE_SUPERVISOR &&
	    a == ATTUNE_ACCESS_OWN) {
		web_forbidden(r);
		return -1;
	}
	if (write && a != ATTUNE_ACCESS_OWN) {
		web_forbidden(r);
		return -1;
	}
	return 0;
}

static const char *today(char buf[11])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 11, "%Y-%m-%d", &tm);
	return buf;
}

/* ---- Charts ---- */

static void outcome_chart(struct web_req *r, const struct client_data *cd,
                          const struct client_status *cs)
{
	const attune_instrument *in = attune_catalog_find(r->srv->cat,
	                                                  ST_OUTCOME);
	struct svg_chart c;
	attune_traj_params tp;
	attune_traj_point pt;
	attune_err err;
	double *y, *lo, *mid, *hi;
	size_t n, i;
	int first;

	if (!in)
		return;
	y = arena_alloc(&r->ar, 4 * ATTUNE_SERIES_MAX * sizeof(double));
	if (!y)
		return;
	lo = y + ATTUNE_SERIES_MAX;
	mid = lo + ATTUNE_SERIES_MAX;
	hi = mid + ATTUNE_SERIES_MAX;
	n = cd_series(cd, ST_OUTCOME, 0, 0, y, ATTUNE_SERIES_MAX, &first);
	if (!n)
		return;
	memset(&c, 0, sizeof(c));
	c.id = "outcome";
	c.title = web_printf(r, "%s of %s by session (lower is better)",
	                     in->short_title ? in->short_title : in->id,
	                     cd->client.code);
	c.y_label = in->short_title;
	c.ymin = in->total.min;
	c.ymax = in->total.max;
	c.n_series = 1;
	c.s[0].label = in->short_title ? in->short_title : in->id;
	c.s[0].y = y;
	c.s[0].n = n;
	c.s[0].first = first;
	/* The expected course of the client's intake band, with the
	 * at-risk boundaries (trajectory.h). */
	if (cs->has_outcome && cs->outcome.skip == ATTUNE_TRAJ_USED &&
	    attune_traj_params_init(&tp, ATTUNE_TRAJ_P_AT_RISK,
	                            ATTUNE_TRAJ_P_NOT_ON_TRACK, &err) == 0) {
		for (i = 0; i < n; i++) {
			attune_traj_point_at(&r->srv->model, &tp,
			                     (size_t)cs->outcome.band,
			                     (int)i + 1, NAN, &pt);
			lo[i] = pt.lower;
			mid[i] = pt.expected;
			hi[i] = pt.upper;
		}
		c.band_lo = lo;
		c.band_mid = mid;
		c.band_hi = hi;
		c.band_n = n;
		c.band_first = first;
		c.band_label = web_printf(r, "expected course for intake "
		                          "band %s, with the at-risk "
		                          "boundaries",
		                          r->srv->model.bands[cs->outcome.band]
		                          .label);
	}
	svg_chart(&r->out, &c);
}

static void rupture_spans(struct web_req *r, const struct client_status *cs,
                          struct svg_chart *c)
{
	size_t i;

	for (i = 0; i < cs->n_ruptures && c->n_spans < SVG_SPANS_MAX; i++) {
		const attune_rupture *ru = &cs->ruptures[i];
		int to = ru->repair > 0 ? ru->repair : ru->lowest;
		c->span[c->n_spans].from = ru->start;
		c->span[c->n_spans].to = to > ru->start ? to : ru->start;
		c->span[c->n_spans].label = web_printf(r,
		        "rupture from session %d, %s%s", ru->start,
		        attune_rupture_status_name(ru->status),
		        ru->repair > 0 ? web_printf(r, " at session %d",
		                                    ru->repair) : "");
		c->n_spans++;
	}
}

static void alliance_charts(struct web_req *r, const struct client_data *cd,
                            const struct client_status *cs)
{
	const attune_instrument *ca = attune_catalog_find(r->srv->cat,
	                                                  ST_ALLIANCE);
	const attune_instrument *ma = attune_catalog_find(r->srv->cat,
	                                                  ST_MIRROR);
	struct svg_chart c;
	double *buf;
	size_t k, n;
	int first;

	if (!ca)
		return;
	buf = arena_alloc(&r->ar, 5 * ATTUNE_SERIES_MAX * sizeof(double));
	if (!buf)
		return;
	/* Goals, tasks and bond (Bordin) in the client's check-in. */
	memset(&c, 0, sizeof(c));
	c.id = "alliance";
	c.title = web_printf(r, "Alliance of %s: goals, tasks and bond "
	                     "(client's view)", cd->client.code);
	c.ymin = ca->total.min;
	c.ymax = ca->total.max;
	for (k = 0; k < ca->n_subscales && c.n_series < SVG_SERIES_MAX; k++) {
		double *y = buf + ATTUNE_SERIES_MAX * c.n_series;
		n = cd_series(cd, ST_ALLIANCE, 0, (int)k + 1, y,
		              ATTUNE_SERIES_MAX, &first);
		if (!n)
			continue;
		c.s[c.n_series].label = ca->subscales[k].title
		                        ? ca->subscales[k].title
		                        : ca->subscales[k].id;
		c.s[c.n_series].y = y;
		c.s[c.n_series].n = n;
		c.s[c.n_series].first = first;
		c.n_series++;
	}
	rupture_spans(r, cs, &c);
	svg_chart(&r->out, &c);

	/* The same relationship from both chairs. */
	memset(&c, 0, sizeof(c));
	c.id = "views";
	c.title = web_printf(r, "Alliance of %s: client's and therapist's "
	                     "view of the same sessions", cd->client.code);
	c.ymin = ca->total.min;
	c.ymax = ca->total.max;
	n = cd_series(cd, ST_ALLIANCE, 0, 0, buf, ATTUNE_SERIES_MAX, &first);
	if (n) {
		c.s[c.n_series].label = "client";
		c.s[c.n_series].y = buf;
		c.s[c.n_series].n = n;
		c.s[c.n_series].first = first;
		c.n_series++;
	}
	if (ma) {
		double *y = buf + ATTUNE_SERIES_MAX;
		n = cd_series(cd, ST_MIRROR, 1, 0, y, ATTUNE_SERIES_MAX,
		              &first);
		if (n) {
			c.s[c.n_series].label = "therapist";
			c.s[c.n_series].y = y;
			c.s[c.n_series].n = n;
			c.s[c.n_series].first = first;
			c.n_series++;
		}
	}
	rupture_spans(r, cs, &c);
	svg_chart(&r->out, &c);
}

/* ---- The page ---- */

/* Risk flags (e.g. PHQ-9 item 9) in the current episode, newest first,
 * shown before anything else. */
static void risk_flags(struct web_req *r, const struct client_data *cd)
{
	strbuf *b = &r->out;
	size_t i, k;
	int any = 0;

	for (i = cd->nr; i-- > 0; ) {
		const struct cd_resp *x = &cd->r[i];
		for (k = 0; k < x->in->n_flags; k++) {
			if (!(x->sc.flags & (1u << k)))
				continue;
			if (!any)
				html_raw_trusted(b, "<div class=\"risk\" "
				                 "role=\"alert\"><p>Flags that "
				                 "need attention:</p><ul>");
			any = 1;
			html_raw_trusted(b, "<li>");
			html_text(b, x->in->flags[k].label);
			html_raw_trusted(b, " \xe2\x80\x94 ");
			html_text(b, x->in->short_title ? x->in->short_title
			                                : x->in->id);
			sb_printf(b, ", session %d (", x->session);
			html_text(b, x->date);
			html_raw_trusted(b, ")</li>");
		}
	}
	if (any)
		html_raw_trusted(b, "</ul></div>\n");
}

/* Totals by session: one column per instrument and respondent. */
static void score_table(struct web_req *r, const struct client_data *cd)
{
	strbuf *b = &r->out;
	const attune_instrument *cols[32];
	int resp[32];
	size_t nc = 0, i, k, s;

	for (i = 0; i < cd->nr && nc < 32; i++) {
		for (k = 0; k < nc; k++)
			if (cols[k] == cd->r[i].in &&
			    resp[k] == cd->r[i].respondent)
				break;
		if (k == nc) {
			cols[nc] = cd->r[i].in;
			resp[nc++] = cd->r[i].respondent;
		}
	}
	html_raw_trusted(b, "<h2>Scores by session</h2>\n");
	if (!cd->ns) {
		html_raw_trusted(b, "<p class=\"muted\">No sessions yet.</p>");
		return;
	}
	html_raw_trusted(b, "<div class=\"table-wrap\"><table><thead><tr>"
	                 "<th scope=\"col\">Session</th><th scope=\"col\">"
	                 "Date</th>");
	for (k = 0; k < nc; k++) {
		html_raw_trusted(b, "<th scope=\"col\" class=\"num\">");
		html_text(b, cols[k]->short_title ? cols[k]->short_title
		                                  : cols[k]->id);
		if (resp[k] != (int)cols[k]->respondent)
			html_raw_trusted(b, resp[k] ? " (therapist)"
			                            : " (client)");
		html_raw_trusted(b, "</th>");
	}
	html_raw_trusted(b, "</tr></thead><tbody>\n");
	for (s = 0; s < cd->ns; s++) {
		sb_printf(b, "<tr><td>%d%s</td><td>", cd->s[s].number,
		          cd->s[s].attended ? "" : " (not attended)");
		html_text(b, cd->s[s].date);
		html_raw_trusted(b, "</td>");
		for (k = 0; k < nc; k++) {
			const struct cd_resp *hit = NULL;
			for (i = 0; i < cd->nr; i++)
				if (cd->r[i].session == cd->s[s].number &&
				    cd->r[i].in == cols[k] &&
				    cd->r[i].respondent == resp[k])
					hit = &cd->r[i];
			html_raw_trusted(b, "<td class=\"num\">");
			if (hit) {
				const char *band;
				html_num(b, hit->sc.total);
				band = attune_score_band_label(hit->in,
				                               &hit->sc);
				if (band) {
					html_raw_trusted(b, " <span "
					                 "class=\"muted\">");
					html_text(b, band);
					html_raw_trusted(b, "</span>");
				}
				if (hit->sc.flags)
					html_raw_trusted(b, " \xe2\x9a\x91");
			}
			html_raw_trusted(b, "</td>");
		}
		html_raw_trusted(b, "</tr>\n");
	}
	html_raw_trusted(b, "</tbody></table></div>\n");
}

/* Reliable change from the first to the latest PHQ-9 and GAD-7. */
static void change_lines(struct web_req *r, const struct client_data *cd)
{
	static const char *const ids[] = {"phq9", "gad7", "core10"};
	strbuf *b = &r->out;
	double *x = arena_alloc(&r->ar, ATTUNE_SERIES_MAX * sizeof(double));
	size_t i, n, j;
	int first, any = 0;

	if (!x)
		return;
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const attune_instrument *in = attune_catalog_find(r->srv->cat,
		                                                  ids[i]);
		double a = NAN, z = NAN;
		attune_change ch;
		if (!in)
			continue;
		n = cd_series(cd, ids[i], 0, 0, x, ATTUNE_SERIES_MAX, &first);
		for (j = 0; j < n; j++)
			if (!isnan(x[j])) {
				if (isnan(a))
					a = x[j];
				z = x[j];
			}
		if (isnan(a) || n < 2)
			continue;
		attune_change_classify(in, a, z, &ch);
		if (!any)
			html_raw_trusted(b, "<h2>Change since the first score"
			                 "</h2><ul>");
		any = 1;
		html_raw_trusted(b, "<li>");
		html_text(b, in->short_title ? in->short_title : in->id);
		html_raw_trusted(b, ": ");
		html_num(b, a);
		html_raw_trusted(b, " \xe2\x86\x92 ");
		html_num(b, z);
		html_raw_trusted(b, " \xe2\x80\x94 ");
		html_text(b, attune_change_class_name(ch.cls));
		html_raw_trusted(b, "</li>");
	}
	if (any)
		html_raw_trusted(b, "</ul>\n");
}

/* Sudden gains and losses (Tang & DeRubeis 1999, as the R package
 * suddengains implements them; lib/core/gains.c): criterion 1 is the
 * measure's reliable change, the usual choice when a measure has one
 * (Stiles et al. 2003). A gain followed by a reversal is said so. */
static void gains_lines(struct web_req *r, const struct client_data *cd)
{
	static const char *const ids[] = {"phq9", "gad7", "core10"};
	strbuf *b = &r->out;
	double *x = arena_alloc(&r->ar, ATTUNE_SERIES_MAX * sizeof(double));
	attune_gain *g = arena_alloc(&r->ar, 16 * sizeof(*g));
	size_t i, n, j, k, nf;
	int first, losses, any = 0;

	if (!x || !g)
		return;
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const attune_instrument *in = attune_catalog_find(r->srv->cat,
		                                                  ids[i]);
		double a = NAN, z = NAN, sign;
		attune_gains_params p;
		attune_gains_cfg cfg;
		attune_err err;

		if (!in || !(in->norms.reliable_change > 0))
			continue;
		n = cd_series(cd, ids[i], 0, 0, x, ATTUNE_SERIES_MAX, &first);
		if (n < 4)
			continue;
		/* Gains are falls of the score: flip a higher-is-better one. */
		sign = in->direction == ATTUNE_HIGHER_IS_BETTER ? -1 : 1;
		for (j = 0; j < n; j++) {
			x[j] *= sign;
			if (!isnan(x[j])) {
				if (isnan(a))
					a = x[j];
				z = x[j];
			}
		}
		for (losses = 0; losses <= 1; losses++) {
			attune_gains_params_default(&p);
			p.losses = losses;
			p.cutoff = in->norms.reliable_change;
			if (attune_gains_config(&p, &cfg, &err) != ATTUNE_OK ||
			    attune_gains_find(&cfg, x, n, a, z, g, 16, &nf,
			                      &err) != ATTUNE_OK)
				continue;
			for (k = 0; k < nf && k < 16; k++) {
				int s0 = first + (int)g[k].i;

				if (!any)
					html_raw_trusted(b, "<h2>Sudden gains and "
					                 "losses</h2><ul>");
				any = 1;
				html_raw_trusted(b, "<li>");
				html_text(b, in->short_title ? in->short_title
				                             : in->id);
				sb_printf(b, ": sudden %s between sessions %d and "
				          "%d, ", losses ? "loss" : "gain", s0,
				          s0 + 1);
				html_num(b, sign * g[k].around[2]);
				html_raw_trusted(b, " \xe2\x86\x92 ");
				html_num(b, sign * g[k].around[3]);
				if (losses)
					html_raw_trusted(b, g[k].reversal
					                 ? " (recovered later)"
					                 : " (not recovered)");
				else
					html_raw_trusted(b, g[k].reversal
					                 ? " (reversed later)"
					                 : " (kept)");
				html_raw_trusted(b, "</li>");
			}
		}
	}
	if (any)
		html_raw_trusted(b, "</ul>\n");
	else
		html_raw_trusted(b, "<p class=\"muted\">No sudden gains or "
		                 "losses on PHQ-9, GAD-7 or CORE-10 (they need "
		                 "at least four scores).</p>\n");
}

/* Short names for the reflective check-ins' items, for the heat map's
 * rows; the full wording is in each row's tooltip. */
static const struct {
	const char *id, *label;
} item_labels[] = {
	{"pt_withdraw_1", "Pulled back"},
	{"pt_withdraw_2", "Shut down"},
	{"pt_please_1", "Said what pleased"},
	{"pt_please_2", "Held back"},
	{"pt_mistrust_1", "Tested others"},
	{"pt_mistrust_2", "Expected let-down"},
	{"cap_close", "Stayed close"},
	{"cap_conflict", "Present in conflict"},
	{"cap_needs", "Said my needs"},
	{"cap_receive", "Let care in"},
	{"cap_trust", "Trusted own sense"},
};

static const char *item_label(const attune_item *it)
{
	size_t i;

	for (i = 0; i < sizeof(item_labels) / sizeof(item_labels[0]); i++)
		if (strcmp(item_labels[i].id, it->id) == 0)
			return item_labels[i].label;
	return it->id;
}

/* The patterns and outward-capacities check-ins, item by session, as
 * the client answered them (the latest answer of a session counts). */
static void heat_maps(struct web_req *r, const struct client_data *cd)
{
	static const struct {
		const char *id, *title, *note;
	} maps[] = {
		{"checkin-patterns", "Protective patterns, as the client "
		 "noticed them", "darker: the pattern was more present"},
		{"checkin-capacities", "Outward capacities, as the client "
		 "noticed them", "darker: the capacity was more present"},
	};
	size_t m, i, k, c;

	for (m = 0; m < sizeof(maps) / sizeof(maps[0]); m++) {
		const attune_instrument *in = attune_catalog_find(r->srv->cat,
		                                                  maps[m].id);
		struct svg_heat h;
		double *v;
		int lo = 0, hi = 0, have = 0;

		if (!in || !in->n_items || in->n_items > SVG_HEAT_ROWS_MAX)
			continue;
		for (i = 0; i < cd->nr; i++)
			if (cd->r[i].in == in && cd->r[i].respondent == 0) {
				if (!have || cd->r[i].session < lo)
					lo = cd->r[i].session;
				if (!have || cd->r[i].session > hi)
					hi = cd->r[i].session;
				have = 1;
			}
		if (!have)
			continue;
		if (hi - lo + 1 > SVG_HEAT_COLS_MAX)
			lo = hi - SVG_HEAT_COLS_MAX + 1;   /* the latest */
		memset(&h, 0, sizeof(h));
		h.id = maps[m].id;
		h.title = maps[m].title;
		h.note = maps[m].note;
		h.rows = in->n_items;
		h.cols = (size_t)(hi - lo + 1);
		h.first = lo;
		h.vmin = in->items[0].min;
		h.vmax = in->items[0].max;
		v = arena_alloc(&r->ar, h.rows * h.cols * sizeof(double));
		if (!v)
			return;
		for (k = 0; k < h.rows * h.cols; k++)
			v[k] = NAN;
		for (k = 0; k < h.rows; k++) {
			h.row_label[k] = item_label(&in->items[k]);
			h.row_text[k] = in->items[k].text;
		}
		for (i = 0; i < cd->nr; i++) {
			const struct cd_resp *cr = &cd->r[i];

			if (cr->in != in || cr->respondent != 0 ||
			    cr->session < lo)
				continue;
			c = (size_t)(cr->session - lo);
			for (k = 0; k < h.rows && k < cr->n; k++)
				if (!isnan(cr->v[k]))
					v[k * h.cols + c] = cr->v[k];
		}
		h.v = v;
		svg_heatmap(&r->out, &h);
	}
}

/* The newest check-in links of a client, read inside the page's
 * transaction and drawn after it committed. */
#define LINKS_SHOWN 10
struct links {
	struct web_req *r;
	size_t n;
	attune_link_rec l[LINKS_SHOWN];   /* instruments in the arena */
};

static int link_keep(void *ctx, const attune_link_rec *l)
{
	struct links *ls = ctx;
	attune_link_rec *k;

	if (ls->n >= LINKS_SHOWN)
		return 1;
	k = &ls->l[ls->n++];
	*k = *l;
	k->token_hash = NULL;
	k->instruments = arena_strdup(&ls->r->ar, l->instruments);
	return k->instruments ? 0 : ATTUNE_ENOMEM;
}

static int links_load(struct web_req *r, attune_id client_id,
                      struct links *ls)
{
	int rc;

	memset(ls, 0, sizeof(*ls));
	ls->r = r;
	rc = attune_store_link_list(r->st, client_id, link_keep, ls);
	return rc == 1 ? 0 : rc;
}

static void link_row(strbuf *b, const attune_link_rec *l, int64_t now)
{
	time_t t = (time_t)l->created_at;
	struct tm tm;
	char when[32];

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
	html_raw_trusted(b, "<tr><td>");
	html_text(b, when);
	html_raw_trusted(b, "</td><td>");
	if (l->session_number)
		sb_printf(b, "%d", l->session_number);
	else
		html_raw_trusted(b, "next");
	html_raw_trusted(b, "</td><td>");
	html_text(b, l->instruments);
	html_raw_trusted(b, "</td><td>");
	html_text(b, l->used_at ? "answered" :
	          now >= l->expires_at ? "expired" : "open");
	html_raw_trusted(b, "</td></tr>");
}

static void links_section(struct web_req *r, attune_access a,
                          const struct client_data *cd,
                          const struct links *ls)
{
	strbuf *b = &r->out;
	int64_t now = (int64_t)time(NULL);
	size_t i;

	html_raw_trusted(b, "<h2>Check-in links</h2>\n");
	if (a == ATTUNE_ACCESS_OWN) {
		sb_printf(b, "<form class=\"inline-form\" method=\"post\" "
		          "action=\"/clients/%lld/links\">",
		          (long long)cd->client.id);
		form_csrf(r);
		html_raw_trusted(b, "<fieldset><legend>Measures</legend>");
		for (i = 0; i < sizeof(offered) / sizeof(offered[0]); i++) {
			const attune_instrument *in =
			        attune_catalog_find(r->srv->cat, offered[i].id);
			if (!in || !items_have_wording(in) ||
			    !web_setting_instrument_used(r, in->id))
				continue;
			html_raw_trusted(b, "<label><input type=\"checkbox\" "
			                 "name=\"use.");
			html_attr(b, in->id);
			html_raw_trusted(b, "\" value=\"1\"");
			if (offered[i].dflt)
				html_raw_trusted(b, " checked");
			html_raw_trusted(b, "> ");
			html_text(b, in->title);
			html_raw_trusted(b, "</label><br>");
		}
		html_raw_trusted(b, "</fieldset><div><label for=\"session\">"
		                 "Session number (empty: the next)</label>"
		                 "<input id=\"session\" name=\"session\" "
		                 "inputmode=\"numeric\" pattern=\"[1-9][0-9]*\">"
		                 "</div><div><label for=\"days\">Valid for days"
		                 "</label><input id=\"days\" name=\"days\" "
		                 "inputmode=\"numeric\" value=\"");
		sb_printf(b, "%d", web_setting_link_days(r));
		html_raw_trusted(b, "\" pattern=\"[1-9][0-9]?\"></div>"
		                 "<button type=\"submit\">Create link</button>"
		                 "</form>\n");
	}
	if (!ls->n) {
		html_raw_trusted(b, "<p class=\"muted\">No links yet.</p>\n");
		return;
	}
	html_raw_trusted(b, "<div class=\"table-wrap\"><table><thead>"
	                 "<tr><th scope=\"col\">Created (UTC)</th>"
	                 "<th scope=\"col\">Session</th>"
	                 "<th scope=\"col\">Measures</th>"
	                 "<th scope=\"col\">State</th></tr></thead>"
	                 "<tbody>");
	for (i = 0; i < ls->n; i++)
		link_row(b, &ls->l[i], now);
	html_raw_trusted(b, "</tbody></table></div>\n");
}

/* The clinic settings the client page reads, as one number for the
 * page cache's key (FNV-1a, Fowler/Noll/Vo). */
static uint64_t settings_print(struct web_req *r)
{
	uint64_t h = 14695981039346656037ull;
	const char *z;
	int days = web_setting_link_days(r);

	web_setting_instrument_used(r, "");     /* reads the setting */
	z = r->set_instruments_state == 2 ? r->set_instruments : "\x01";
	for (; *z; z++)
		h = (h ^ (unsigned char)*z) * 1099511628211ull;
	return (h ^ (uint64_t)days) * 1099511628211ull;
}

/* Until when a drawn page stays right without a write: the end of the
 * UTC day (today's date and "no recent data" are drawn), and the moment
 * the first open link shown expires (its state is drawn). */
static int64_t page_valid_until(const struct links *ls, int64_t now)
{
	int64_t until = (now / 86400 + 1) * 86400;
	size_t i;

	for (i = 0; i < ls->n; i++)
		if (!ls->l[i].used_at && ls->l[i].expires_at > now &&
		    ls->l[i].expires_at < until)
			until = ls->l[i].expires_at;
	return until;
}

/* The part of the client page drawn from the client's data: what the
 * page cache keeps. */
static void client_body(struct web_req *r, attune_access a,
                        const struct client_data *cd,
                        const struct client_status *cs,
                        const struct links *ls)
{
	strbuf *b = &r->out;
	size_t i;

	if (a != ATTUNE_ACCESS_OWN)
		html_raw_trusted(b, "<p class=\"muted\">Read-only: this client "
		                 "is not on your own caseload.</p>\n");
	if (cd->ended) {
		html_raw_trusted(b, "<p class=\"notice\">This course of "
		                 "sessions ended on ");
		html_text(b, cd->ended);
		html_raw_trusted(b, ".</p>\n");
	}
	risk_flags(r, cd);
	html_raw_trusted(b, "<p>");
	status_pill(b, cs->sig.status);
	html_raw_trusted(b, "</p>");
	if (cs->sig.n_reasons) {
		html_raw_trusted(b, "<ul class=\"reason\">");
		for (i = 0; i < cs->sig.n_reasons; i++) {
			html_raw_trusted(b, "<li>");
			html_text(b, cs->sig.reasons[i]);
			html_raw_trusted(b, "</li>");
		}
		html_raw_trusted(b, "</ul>\n");
	}
	html_raw_trusted(b, "<div class=\"charts\">");
	outcome_chart(r, cd, cs);
	alliance_charts(r, cd, cs);
	html_raw_trusted(b, "</div>\n");
	change_lines(r, cd);
	gains_lines(r, cd);
	html_raw_trusted(b, "<div class=\"charts\">");
	heat_maps(r, cd);
	html_raw_trusted(b, "</div>\n");
	score_table(r, cd);
	links_section(r, a, cd, ls);
	transcripts_section(r, a, cd->client.id);
	if (a == ATTUNE_ACCESS_OWN) {
		html_raw_trusted(b, "<h2>Enter a paper questionnaire</h2>\n"
		                 "<form class=\"inline-form\" method=\"get\" "
		                 "action=\"");
		sb_printf(b, "/clients/%lld/entry", (long long)cd->client.id);
		html_raw_trusted(b, "\"><div><label for=\"instrument\">"
		                 "Questionnaire</label><select "
		                 "id=\"instrument\" name=\"instrument\">");
		for (i = 0; i < attune_catalog_count(r->srv->cat); i++) {
			const attune_instrument *in =
			        attune_catalog_at(r->srv->cat, i);
			if (!web_setting_instrument_used(r, in->id))
				continue;
			html_raw_trusted(b, "<option value=\"");
			html_attr(b, in->id);
			html_raw_trusted(b, "\">");
			html_text(b, in->title);
			html_raw_trusted(b, "</option>");
		}
		html_raw_trusted(b, "</select></div><button type=\"submit\">"
		                 "Open the form</button></form>\n"
		                 "<h2>Client's own view</h2>\n");
		sb_printf(b, "<form class=\"inline-form\" method=\"post\" "
		          "action=\"/clients/%lld/progress-view\">",
		          (long long)cd->client.id);
		form_csrf(r);
		html_raw_trusted(b, "<label><input type=\"checkbox\" "
		                 "name=\"allow\" value=\"1\"");
		if (cd->client.sees_progress)
			html_raw_trusted(b, " checked");
		html_raw_trusted(b, "> After a check-in, the client sees their "
		                 "own alliance and progress charts</label>"
		                 "<button type=\"submit\" class=\"secondary\">"
		                 "Save</button></form>\n");
	}
}

/* A client page from the cache, gzip-compressed: the head and the foot
 * (drawn per view: the viewer's name, the sign-out form's CSRF token)
 * go in stored blocks, the kept part as compressed when it was kept,
 * with the viewer's token between its pieces (util/gzip.h). 0 when the
 * entry has no compressed form. */
static int client_cached_gzip(struct web_req *r, struct page_entry *e)
{
	struct gz_out g;
	strbuf z;
	size_t head;

	page_begin(r, page_entry_title(e));
	head = r->out.len;
	page_end(r);
	if (r->out.rc != ATTUNE_OK) {
		sb_reset(&r->out);
		return 0;
	}
	sb_init(&z, WEB_PAGE_MAX);
	gz_start(&z, &g);
	gz_stored(&z, &g, r->out.s, head);
	if (!page_entry_write_gzip(e, &z, &g, r->csrf, WEB_HASH_HEX)) {
		sb_free(&z);
		sb_reset(&r->out);
		return 0;
	}
	gz_stored(&z, &g, r->out.s + head, r->out.len - head);
	gz_finish(&z, &g);
	sb_free(&r->out);
	r->out = z;
	web_header_add(r, "Content-Encoding", "gzip");
	return 1;
}

/* A client page from the cache: the view is audited (and committed)
 * before any of it is shown. */
static int client_cached(struct web_req *r, struct page_entry *e)
{
	char o[32];
	int rc;

	snprintf(o, sizeof(o), "client:%lld", (long long)r->path_id);
	rc = attune_store_audit(r->st, "client.view", o, "from the cache");
	if (rc == ATTUNE_OK && !(web_takes_gzip(r) && client_cached_gzip(r, e))) {
		page_begin(r, page_entry_title(e));
		page_entry_write(e, &r->out, r->csrf, WEB_HASH_HEX);
		page_end(r);
	}
	page_cache_release(r->srv->pages, e);
	return rc;
}

int h_client(struct web_req *r)
{
	struct client_data cd;
	struct client_status *cs;
	struct links *ls;
	struct page_key key;
	struct page_entry *e;
	attune_access a = ATTUNE_ACCESS_NONE;
	int64_t now = (int64_t)time(NULL);
	size_t i, from, n0;
	char o[32];
	const char *title;
	int rc;

	if ((rc = client_allowed_version(r, 0, &a, &key.version)))
		return rc < 0 ? 0 : rc;
	key.client = r->path_id;
	key.access = (int)a;
	key.role = (int)r->user.role;
	key.settings = settings_print(r);
	if ((e = page_cache_get(r->srv->pages, &key, now)))
		return client_cached(r, e);

	cs = arena_alloc(&r->ar, sizeof(*cs));
	ls = arena_alloc(&r->ar, sizeof(*ls));
	if (!cs || !ls)
		return ATTUNE_ENOMEM;
	/* Every read of the page (and its audit rows) in one transaction,
	 * committed before the page is drawn, so the write lock is held
	 * for the reads only. The version is read again inside it: the
	 * page is kept under the version of the data it was drawn from. */
	snprintf(o, sizeof(o), "client:%lld", (long long)r->path_id);
	if ((rc = attune_store_begin(r->st)))
		return rc;
	if ((rc = attune_store_client_access_version(r->st, r->user.id,
	                                             r->path_id, &a,
	                                             &key.version)) ||
	    (rc = attune_store_audit(r->st, "client.view", o, "drawn")) ||
	    (rc = cd_load(r->st, &r->ar, r->srv->cat, r->path_id, &cd)) ||
	    (rc = links_load(r, cd.client.id, ls)) ||
	    (rc = attune_store_commit(r->st)))
		return rc;
	key.access = (int)a;
	cd_status(r->srv, &cd, cs);
	title = cd.client.display_name
	        ? web_printf(r, "%s \xc2\xb7 %s", cd.client.code,
	                     cd.client.display_name)
	        : cd.client.code;
	page_begin(r, title);
	from = r->out.len;
	n0 = r->n_csrf_at;
	client_body(r, a, &cd, cs, ls);
	if (r->out.rc == ATTUNE_OK && title &&
	    r->n_csrf_at - n0 <= PAGE_CSRF_MAX) {
		size_t at[PAGE_CSRF_MAX];
		for (i = n0; i < r->n_csrf_at; i++)
			at[i - n0] = r->csrf_at[i] - from;
		page_cache_put(r->srv->pages, &key, page_valid_until(ls, now),
		               title, r->out.s + from, r->out.len - from, at,
		               r->n_csrf_at - n0, WEB_HASH_HEX);
	}
	page_end(r);
	return 0;
}

/* ---- Check-in links ---- */

/* The host the therapist's browser used, if it looks like a host. */
static const char *public_base(struct web_req *r)
{
	const char *host = NULL;
	size_t i, n;

	host = web_host(r);
	if (host) {
		n = strlen(host);
		for (i = 0; i < n; i++)
			if (!((host[i] >= 'a' && host[i] <= 'z') ||
			      (host[i] >= 'A' && host[i] <= 'Z') ||
			      (host[i] >= '0' && host[i] <= '9') ||
			      host[i] == '.' || host[i] == '-' ||
			      host[i] == ':' || host[i] == '[' ||
			      host[i] == ']'))
				break;
		if (n == 0 || n > 255 || i < n)
			host = NULL;
	}
	return web_printf(r, "%s://%s",
	                  r->srv->opt->secure_cookies ? "https" : "http",
	                  host ? host : "localhost");
}

int link_create(struct web_req *r, const char **url, int64_t *days_out)
{
	char tok[WEB_TOKEN_LEN + 1], hash[WEB_HASH_HEX + 1];
	strbuf list;
	attune_link_rec l;
	int64_t days = web_field_int(r, "days", web_setting_link_days(r));
	int64_t session = web_field_int(r, "session", 0);
	const char *ids;
	size_t i, n = 0;
	int rc;

	if ((rc = client_allowed(r, 1)))
		return rc;
	if (days > WEB_LINK_DAYS_MAX)
		return web_bad_request(r, "A link can be valid for at most 30 "
		                       "days."), -1;
	sb_init(&list, 1024);
	for (i = 0; i < r->nf; i++) {
		const attune_instrument *in;
		if (strncmp(r->f[i].name, "use.", 4) != 0)
			continue;
		in = attune_catalog_find(r->srv->cat, r->f[i].name + 4);
		if (!in || !items_have_wording(in) ||
		    !web_setting_instrument_used(r, in->id)) {
			sb_free(&list);
			return web_bad_request(r, "A chosen measure is not "
			                       "available for check-ins."), -1;
		}
		if (n++)
			sb_putc(&list, ',');
		sb_puts(&list, in->id);
	}
	if (n == 0 || n > ATTUNE_LINK_INSTRUMENTS_MAX || list.rc) {
		sb_free(&list);
		return web_bad_request(r, "Choose between one and 16 measures "
		                       "for the link."), -1;
	}
	ids = arena_strndup(&r->ar, list.s, list.len);
	sb_free(&list);
	if (!ids)
		return ATTUNE_ENOMEM;
	if ((rc = web_token_new(tok, hash)))
		return rc;
	memset(&l, 0, sizeof(l));
	l.token_hash = hash;
	l.client_id = r->path_id;
	l.session_number = (int)session;
	l.instruments = ids;
	l.created_by = r->user.id;
	l.created_at = (int64_t)time(NULL);
	l.expires_at = l.created_at + days * 86400;
	if ((rc = attune_store_link_add(r->st, &l, NULL)))
		return rc;
	*url = web_printf(r, "%s/c/%s", public_base(r), tok);
	*days_out = days;
	return *url ? 0 : ATTUNE_ENOMEM;
}

int h_link_new(struct web_req *r)
{
	strbuf *b = &r->out;
	const char *url;
	int64_t days;
	int rc;

	if ((rc = link_create(r, &url, &days)))
		return rc < 0 ? 0 : rc;
	r->status = 201;
	page_begin(r, "A new check-in link");
	html_raw_trusted(b, "<div class=\"link-box\"><p>Send this link to the "
	                 "client (it works once, for ");
	sb_printf(b, "%lld", (long long)days);
	html_raw_trusted(b, " days; it is shown only now):</p>"
	                 "<p class=\"link-url\" id=\"link\">");
	html_text(b, url);
	html_raw_trusted(b, "</p><p><button type=\"button\" data-copy=\"link\""
	                 " hidden>Copy link</button></p>");
	svg_qr(b, url, "QR code of the check-in link");
	sb_printf(b, "<p><a href=\"/clients/%lld\">Back to the client</a></p>"
	          "</div>\n", (long long)r->path_id);
	page_end(r);
	return 0;
}

int h_progress_view(struct web_req *r)
{
	int rc;

	if ((rc = client_allowed(r, 1)))
		return rc < 0 ? 0 : rc;
	if ((rc = attune_store_client_set_sees_progress(r->st, r->path_id,
	                                                web_field(r, "allow")
	                                                ? 1 : 0)))
		return rc;
	return web_redirect(r, web_printf(r, "/clients/%lld",
	                                  (long long)r->path_id));
}

/* ---- A paper questionnaire entered by hand ---- */

static int entry_page(struct web_req *r, const attune_instrument *in,
                      const double *prefill, const char *zError)
{
	strbuf *b = &r->out;
	char day[11];
	const char *session = web_field(r, "session");

	sb_reset(b);
	page_begin(r, web_printf(r, "Enter %s", in->title));
	if (zError) {
		html_raw_trusted(b, "<p class=\"error\" role=\"alert\">");
		html_text(b, zError);
		html_raw_trusted(b, "</p>\n");
	}
	sb_printf(b, "<form method=\"post\" action=\"/clients/%lld/entry\">",
	          (long long)r->path_id);
	form_csrf(r);
	html_raw_trusted(b, "<input type=\"hidden\" name=\"instrument\" "
	                 "value=\"");
	html_attr(b, in->id);
	html_raw_trusted(b, "\"><div class=\"inline-form\"><div><label "
	                 "for=\"session\">Session number</label><input "
	                 "id=\"session\" name=\"session\" required "
	                 "inputmode=\"numeric\" value=\"");
	html_attr(b, session ? session : "");
	html_raw_trusted(b, "\"></div><div><label for=\"date\">Date</label>"
	                 "<input id=\"date\" name=\"date\" type=\"date\" "
	                 "required value=\"");
	html_attr(b, web_field(r, "date") ? web_field(r, "date")
	                                  : today(day));
	html_raw_trusted(b, "\"></div></div>");
	items_form(b, in, "a.", prefill);
	html_raw_trusted(b, "<button type=\"submit\">Save answers</button>"
	                 "</form>\n");
	page_end(r);
	return 0;
}

int h_entry_form(struct web_req *r)
{
	const attune_instrument *in;
	int rc;

	if ((rc = client_allowed(r, 1)))
		return rc < 0 ? 0 : rc;
	in = attune_catalog_find(r->srv->cat, web_field(r, "instrument"));
	if (!in)
		return web_not_found(r), 0;
	return entry_page(r, in, NULL, NULL);
}

struct found_session {
	attune_id id;
};

static int session_found(void *ctx, const attune_session_rec *s)
{
	((struct found_session *)ctx)->id = s->id;
	return 0;
}

int h_entry(struct web_req *r)
{
	const attune_instrument *in;
	double v[ATTUNE_ITEMS_MAX];
	attune_response_rec rec;
	attune_session_rec s;
	attune_score sc;
	struct found_session fs = {0};
	size_t answered, bad;
	int64_t number = web_field_int(r, "session", 0);
	int rc;

	if ((rc = client_allowed(r, 1)))
		return rc < 0 ? 0 : rc;
	in = attune_catalog_find(r->srv->cat, web_field(r, "instrument"));
	if (!in)
		return web_bad_request(r, "There is no such questionnaire.");
	/* Every answer is checked by the instrument's rules before
	 * anything is written. */
	if (items_parse(r, in, "a.", v, &answered, &bad) != ATTUNE_OK) {
		r->status = 400;
		return entry_page(r, in, NULL, bad < in->n_items
		                  ? web_printf(r, "Item %zu has an answer this "
		                               "questionnaire does not allow.",
		                               bad + 1)
		                  : "The form has a field that is not one of "
		                    "the questions.");
	}
	if (answered == 0) {
		r->status = 400;
		return entry_page(r, in, v, "No answer was entered.");
	}
	attune_score_compute(in, v, &sc);
	if ((rc = attune_store_begin(r->st)))
		return rc;
	rc = attune_store_session_find(r->st, r->path_id, (int)number,
	                               session_found, &fs);
	if (rc == ATTUNE_ENOTFOUND) {
		memset(&s, 0, sizeof(s));
		s.client_id = r->path_id;
		s.number = (int)number;
		s.date = web_field(r, "date");
		s.attended = 1;
		rc = attune_store_session_add(r->st, &s, &fs.id);
		if (rc == ATTUNE_EINVAL || rc == ATTUNE_ENOTFOUND) {
			attune_store_rollback(r->st);
			r->status = 400;
			return entry_page(r, in, v, rc == ATTUNE_EINVAL
			                  ? "That date is not a calendar date."
			                  : "The client has no open episode of "
			                    "care.");
		}
	}
	if (rc)
		return rc;
	memset(&rec, 0, sizeof(rec));
	rec.session_id = fs.id;
	rec.instrument = in->id;
	rec.instrument_version = in->version;
	rec.respondent = (int)in->respondent;
	rec.n_values = in->n_items;
	rec.values = v;
	rec.total = sc.total;
	if ((rc = attune_store_response_add(r->st, &rec, NULL)) ||
	    (rc = attune_store_commit(r->st)))
		return rc;
	return web_redirect(r, web_printf(r, "/clients/%lld",
	                                  (long long)r->path_id));
}
