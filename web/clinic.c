/* clinic.c - the clinic overview page (/clinic, admins and
 * supervisors): one row per therapist or site with clients, open
 * episodes, recent responses and PHQ-9 outcomes, from
 * attune_store_overview(). Aggregates only: no client code, no link to
 * a client. The store audits it (clinic.overview). */
#include <math.h>
#include <string.h>
#include "attune/change.h"
#include "web/web.h"

struct clinic_page {
	struct web_req *r;
	attune_overview_row total;
	size_t n;
};

static void add_outcome(attune_overview_outcome *t,
                        const attune_overview_outcome *o)
{
	t->episodes += o->episodes;
	t->sum_change += o->sum_change;
	t->improved += o->improved;
	t->recovered += o->recovered;
	t->unchanged += o->unchanged;
	t->deteriorated += o->deteriorated;
}

static void cell_int(strbuf *b, int64_t v)
{
	sb_printf(b, "<td class=\"num\">%lld</td>", (long long)v);
}

static void put_row(struct web_req *r, const attune_overview_row *w,
                    const char *zName, int is_total)
{
	strbuf *b = &r->out;
	double mean = w->all.mean_change;

	html_raw_trusted(b, is_total ? "<tr class=\"total\"><th scope=\"row\">"
	                             : "<tr><th scope=\"row\">");
	html_text(b, zName);
	html_raw_trusted(b, "</th>");
	cell_int(b, w->clients);
	cell_int(b, w->open_episodes);
	cell_int(b, w->recent_responses);
	cell_int(b, w->all.episodes);
	html_raw_trusted(b, "<td class=\"num\">");
	html_num(b, isnan(mean) ? NAN : round(mean * 10) / 10);
	html_raw_trusted(b, "</td>");
	cell_int(b, w->all.improved);
	cell_int(b, w->all.recovered);
	cell_int(b, w->all.unchanged);
	cell_int(b, w->all.deteriorated);
	html_raw_trusted(b, "</tr>\n");
}

static int row_cb(void *ctx, const attune_overview_row *w)
{
	struct clinic_page *p = ctx;

	put_row(p->r, w, w->name ? w->name : "(none)", 0);
	p->n++;
	p->total.clients += w->clients;
	p->total.open_episodes += w->open_episodes;
	p->total.recent_responses += w->recent_responses;
	add_outcome(&p->total.all, &w->all);
	return 0;
}

int h_clinic(struct web_req *r)
{
	const char *zBy = web_field(r, "by");
	int site = zBy && strcmp(zBy, "site") == 0;
	const attune_instrument *phq9 = attune_catalog_find(r->srv->cat,
	                                                    "phq9");
	struct clinic_page p;
	strbuf *b = &r->out;
	int rc;

	if (!phq9)
		return ATTUNE_EINTERNAL;
	memset(&p, 0, sizeof(p));
	p.r = r;
	page_begin(r, "Clinic overview");
	html_raw_trusted(b, "<h1>Clinic overview</h1>\n<p>Group by: ");
	html_raw_trusted(b, site ? "<a href=\"/clinic\">therapist</a> · "
	                           "<strong aria-current=\"true\">site"
	                           "</strong>"
	                         : "<strong aria-current=\"true\">therapist"
	                           "</strong> · <a href=\"/clinic?by=site\">"
	                           "site</a>");
	html_raw_trusted(b, "</p>\n<div class=\"table-wrap\"><table>"
	                 "<caption>");
	html_text(b, site ? "Clients and PHQ-9 outcomes per site"
	                  : "Clients and PHQ-9 outcomes per therapist");
	html_raw_trusted(b, "</caption><thead><tr><th scope=\"col\">");
	html_text(b, site ? "Site" : "Therapist");
	html_raw_trusted(b, "</th><th scope=\"col\" class=\"num\">Clients</th>"
	                 "<th scope=\"col\" class=\"num\">Open episodes</th>"
	                 "<th scope=\"col\" class=\"num\">Responses, last 90 "
	                 "days</th>"
	                 "<th scope=\"col\" class=\"num\">Episodes with two "
	                 "PHQ-9</th>"
	                 "<th scope=\"col\" class=\"num\">Mean change</th>"
	                 "<th scope=\"col\" class=\"num\">Reliably improved"
	                 "</th>"
	                 "<th scope=\"col\" class=\"num\">Recovered</th>"
	                 "<th scope=\"col\" class=\"num\">No reliable change"
	                 "</th>"
	                 "<th scope=\"col\" class=\"num\">Reliably worse</th>"
	                 "</tr></thead><tbody>\n");
	rc = attune_store_overview(r->st, r->srv->clinic_id,
	                           site ? ATTUNE_OVERVIEW_SITE
	                                : ATTUNE_OVERVIEW_THERAPIST,
	                           0, phq9, row_cb, &p);
	if (rc)
		return rc;
	p.total.all.mean_change = p.total.all.episodes
	        ? p.total.all.sum_change / (double)p.total.all.episodes : NAN;
	html_raw_trusted(b, "</tbody><tfoot>");
	put_row(r, &p.total, "Clinic", 1);
	html_raw_trusted(b, "</tfoot></table></div>\n<p class=\"muted\">"
	                 "Aggregates only. An episode counts when it has at "
	                 "least two client-rated PHQ-9 totals; change is "
	                 "latest minus first (negative is better), reliable "
	                 "at 6 points or more (Jacobson &amp; Truax 1991; "
	                 "PHQ-9 reliability .89), recovered when it also "
	                 "moves from 10 or more to below 10. "
	                 "Clients without a therapist, or therapists without a "
	                 "site, are under (none).</p>\n");
	page_end(r);
	return 0;
}
