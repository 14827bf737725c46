/* pages.c - the caseload (therapists and supervisors: one row per client
 * with its status and the reason) and a therapist adding a client to
 * their own caseload. The admin's pages are in admin.c. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "attune/limits.h"
#include "web/status.h"
#include "web/web.h"

/* ---- Caseload ---- */

struct caseload {
	struct web_req *r;
	struct caseload_row *rows;
	size_t n, cap;
	const char *therapist;      /* name for rows being added */
	int granted;
	int oom;
};

static int add_row(void *ctx, const attune_client_rec *c)
{
	struct caseload *cl = ctx;
	struct caseload_row *rw;
	size_t i;

	for (i = 0; i < cl->n; i++)
		if (cl->rows[i].c.id == c->id)
			return 0;          /* own and granted: listed once */
	if (cl->n == cl->cap) {
		size_t cap = cl->cap ? cl->cap * 2 : 64;
		struct caseload_row *nr = arena_alloc(&cl->r->ar, cap * sizeof(*nr));
		if (!nr)
			return cl->oom = 1;
		if (cl->n)
			memcpy(nr, cl->rows, cl->n * sizeof(*nr));
		cl->rows = nr;
		cl->cap = cap;
	}
	rw = &cl->rows[cl->n];
	memset(rw, 0, sizeof(*rw));
	rw->c = *c;
	rw->c.code = arena_strdup(&cl->r->ar, c->code);
	rw->c.display_name = c->display_name
	        ? arena_strdup(&cl->r->ar, c->display_name) : NULL;
	rw->therapist = cl->therapist;
	rw->granted = cl->granted;
	if (!rw->c.code)
		return cl->oom = 1;
	cl->n++;
	return 0;
}

struct sup_list {
	struct web_req *r;
	attune_id ids[256];
	const char *names[256];
	size_t n;
};

static int supervisee_cb(void *ctx, const attune_user_rec *u)
{
	struct sup_list *s = ctx;

	if (s->n == sizeof(s->ids) / sizeof(s->ids[0]))
		return 0;
	s->ids[s->n] = u->id;
	s->names[s->n] = arena_strdup(&s->r->ar, u->display_name
	                              ? u->display_name : u->name);
	s->n++;
	return 0;
}

/* Open courses first, the most urgent first, then by code. */
static int row_cmp(const void *a, const void *b)
{
	const struct caseload_row *x = a, *y = b;

	if (!x->ended != !y->ended)
		return x->ended ? 1 : -1;
	if (x->status != y->status)
		return (int)y->status - (int)x->status;
	return strcmp(x->c.code, y->c.code);
}

void status_pill(strbuf *b, attune_signal_status s);
void status_pill(strbuf *b, attune_signal_status s)
{
	static const char *const words[] = {
		"no signal yet", "on track", "no recent data", "at risk",
		"rupture unrepaired", "not on track"
	};
	const char *name = attune_signal_status_name(s);

	html_raw_trusted(b, "<span class=\"status status-");
	html_attr(b, name);
	html_raw_trusted(b, "\">");
	html_text(b, (unsigned)s < 6 ? words[s] : name);
	html_raw_trusted(b, "</span>");
}

int caseload_collect(struct web_req *r, struct caseload_row **rows,
                     size_t *n, size_t *n_supervisees)
{
	struct caseload cl;
	struct sup_list *sup = NULL;
	struct client_data *cds;
	struct client_status *cs;
	attune_id *ids;
	size_t i;
	int rc, supervisor = r->user.role == ATTUNE_ROLE_SUPERVISOR;

	*rows = NULL;
	*n = 0;
	*n_supervisees = 0;
	memset(&cl, 0, sizeof(cl));
	cl.r = r;
	cs = arena_alloc(&r->ar, sizeof(*cs));
	if (!cs)
		return ATTUNE_ENOMEM;
	/* The reads of a page commit their audit rows together. */
	if ((rc = attune_store_begin(r->st)))
		return rc;
	if (supervisor) {
		sup = arena_alloc(&r->ar, sizeof(*sup));
		if (!sup)
			return ATTUNE_ENOMEM;
		sup->r = r;
		if ((rc = attune_store_supervision_list(r->st, r->user.id,
		                                        supervisee_cb, sup)))
			return rc;
		*n_supervisees = sup->n;
		for (i = 0; i < sup->n; i++) {
			cl.therapist = sup->names[i];
			if ((rc = attune_store_client_list(r->st,
			                                   r->srv->clinic_id,
			                                   sup->ids[i], add_row,
			                                   &cl)))
				return rc;
		}
	} else {
		if ((rc = attune_store_client_list(r->st, r->srv->clinic_id,
		                                   r->user.id, add_row, &cl)))
			return rc;
	}
	cl.granted = 1;
	cl.therapist = NULL;
	if ((rc = attune_store_grant_list(r->st, r->user.id, add_row, &cl)))
		return rc;
	if (cl.oom)
		return ATTUNE_ENOMEM;
	/* Every client's course in one call (a few statements on
	 * PostgreSQL, not several per client). */
	ids = arena_alloc(&r->ar, (cl.n ? cl.n : 1) * sizeof(*ids));
	cds = arena_alloc(&r->ar, (cl.n ? cl.n : 1) * sizeof(*cds));
	if (!ids || !cds)
		return ATTUNE_ENOMEM;
	for (i = 0; i < cl.n; i++)
		ids[i] = cl.rows[i].c.id;
	if ((rc = cd_load_many(r->st, &r->ar, r->srv->cat, ids, cl.n, cds)))
		return rc;
	for (i = 0; i < cl.n; i++) {
		struct caseload_row *rw = &cl.rows[i];
		struct client_data *cd = &cds[i];
		size_t k;
		cd_status(r->srv, cd, cs);
		rw->status = cs->sig.status;
		rw->n_reasons = cs->sig.n_reasons;
		for (k = 0; k < cs->sig.n_reasons; k++) {
			rw->reasons[k] = arena_strdup(&r->ar,
			                              cs->sig.reasons[k]);
			if (!rw->reasons[k])
				return ATTUNE_ENOMEM;
		}
		rw->reason = rw->n_reasons ? rw->reasons[0] : NULL;
		rw->n_sessions = cd->ns;
		rw->last = cs->last_date;
		rw->ended = cd->ended;
	}
	if ((rc = attune_store_commit(r->st)))
		return rc;
	if (cl.n > 1)
		qsort(cl.rows, cl.n, sizeof(cl.rows[0]), row_cmp);
	*rows = cl.rows;
	*n = cl.n;
	return ATTUNE_OK;
}

/* The form to add a client (therapists), filled again after an error. */
static void add_client_form(struct web_req *r, int again)
{
	strbuf *b = &r->out;
	const char *code = again ? web_field(r, "code") : NULL;
	const char *name = again ? web_field(r, "display_name") : NULL;
	const char *started = again ? web_field(r, "started") : NULL;
	char day[11];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	html_raw_trusted(b, "<h2 id=\"add-client\">Add a client</h2>\n"
	                 "<form class=\"inline-form\" method=\"post\" "
	                 "action=\"/clients\">");
	form_csrf(r);
	html_raw_trusted(b, "<div><label for=\"code\">Client code</label>"
	                 "<input id=\"code\" name=\"code\" required "
	                 "maxlength=\"64\" pattern=\"[A-Za-z0-9._\\-]+\" "
	                 "autocapitalize=\"none\" spellcheck=\"false\" "
	                 "aria-describedby=\"code-help\" value=\"");
	html_attr(b, code ? code : "");
	html_raw_trusted(b, "\"></div><div><label for=\"display_name\">Name "
	                 "shown (optional)</label><input id=\"display_name\" "
	                 "name=\"display_name\" maxlength=\"200\" value=\"");
	html_attr(b, name ? name : "");
	html_raw_trusted(b, "\"></div><div><label for=\"started\">Start of "
	                 "care</label><input id=\"started\" name=\"started\" "
	                 "type=\"date\" value=\"");
	html_attr(b, started && *started ? started : day);
	html_raw_trusted(b, "\"></div><button type=\"submit\">Add client"
	                 "</button></form>\n<p class=\"muted\" "
	                 "id=\"code-help\">The code is a pseudonym (letters, "
	                 "digits, '-', '_' and '.'): it is what exports and "
	                 "the audit log show. Leave the name out where you "
	                 "can.</p>\n");
}

static int caseload_page(struct web_req *r, const char *zNotice,
                         const char *zError)
{
	struct caseload_row *rows;
	strbuf *b = &r->out;
	size_t i, n, n_sup;
	int rc, supervisor = r->user.role == ATTUNE_ROLE_SUPERVISOR;

	if ((rc = caseload_collect(r, &rows, &n, &n_sup)))
		return rc;
	sb_reset(b);
	page_begin(r, supervisor ? "Supervisees' clients" : "Your caseload");
	page_notes(r, zNotice, zError);
	if (supervisor && n_sup == 0)
		html_raw_trusted(b, "<p class=\"muted\">You supervise no "
		                 "therapist yet. The clinic's admin records "
		                 "supervision.</p>\n");
	if (n == 0) {
		html_raw_trusted(b, "<p class=\"muted\">No clients to show."
		                 "</p>\n");
		if (!supervisor)
			add_client_form(r, zError != NULL);
		page_end(r);
		return 0;
	}
	html_raw_trusted(b, "<p class=\"muted\">The most urgent first. Status "
	                 "combines the PHQ-9 course against the expected one, "
	                 "alliance ruptures in the client's check-ins and how "
	                 "recent the data are.</p>\n<div class=\"table-wrap\">"
	                 "<table><thead><tr><th scope=\"col\">Client</th>");
	if (supervisor)
		html_raw_trusted(b, "<th scope=\"col\">Therapist</th>");
	html_raw_trusted(b, "<th scope=\"col\">Status</th>"
	                 "<th scope=\"col\">Why</th>"
	                 "<th scope=\"col\" class=\"num\">Sessions</th>"
	                 "<th scope=\"col\">Last answers</th></tr></thead>"
	                 "<tbody>\n");
	for (i = 0; i < n; i++) {
		struct caseload_row *rw = &rows[i];
		html_raw_trusted(b, "<tr><td><a href=\"/clients/");
		sb_printf(b, "%lld", (long long)rw->c.id);
		html_raw_trusted(b, "\">");
		html_text(b, rw->c.code);
		html_raw_trusted(b, "</a>");
		if (rw->c.display_name) {
			html_raw_trusted(b, " <span class=\"muted\">");
			html_text(b, rw->c.display_name);
			html_raw_trusted(b, "</span>");
		}
		if (rw->granted)
			html_raw_trusted(b, " <span class=\"muted\">(shared "
			                 "with you)</span>");
		html_raw_trusted(b, "</td>");
		if (supervisor) {
			html_raw_trusted(b, "<td>");
			html_text(b, rw->therapist ? rw->therapist : "");
			html_raw_trusted(b, "</td>");
		}
		html_raw_trusted(b, "<td>");
		if (rw->ended)
			html_raw_trusted(b, "<span class=\"status "
			                 "status-no-signal\">discharged</span>");
		else
			status_pill(b, rw->status);
		html_raw_trusted(b, "</td><td class=\"reason\">");
		if (rw->ended) {
			html_raw_trusted(b, "course ended ");
			html_text(b, rw->ended);
		} else {
			html_text(b, rw->reason ? rw->reason : "");
		}
		html_raw_trusted(b, "</td><td class=\"num\">");
		sb_printf(b, "%zu", rw->n_sessions);
		html_raw_trusted(b, "</td><td>");
		html_text(b, rw->last ? rw->last : "\xe2\x80\x93");
		html_raw_trusted(b, "</td></tr>\n");
	}
	html_raw_trusted(b, "</tbody></table></div>\n");
	if (!supervisor)
		add_client_form(r, zError != NULL);
	page_end(r);
	return 0;
}

int h_caseload(struct web_req *r)
{
	return caseload_page(r, NULL, NULL);
}

/* A client code: 1..ATTUNE_ID_MAX letters, digits, '-', '_' or '.' (a
 * plain subset of the store's identifiers, easy to read out and type). */
static int code_ok(const char *z)
{
	size_t i, n = strlen(z);

	if (n < 1 || n > ATTUNE_ID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((z[i] >= 'a' && z[i] <= 'z') ||
		      (z[i] >= 'A' && z[i] <= 'Z') ||
		      (z[i] >= '0' && z[i] <= '9') || z[i] == '-' ||
		      z[i] == '_' || z[i] == '.'))
			return 0;
	return 1;
}

int h_client_add(struct web_req *r)
{
	const char *code = web_field(r, "code");
	const char *name = web_field(r, "display_name");
	const char *started = web_field(r, "started");
	attune_client_rec c;
	attune_id id = 0;
	int rc;

	if (!*code) {
		r->status = 400;
		return caseload_page(r, NULL, "Enter a code for the client.");
	}
	if (!code_ok(code)) {
		r->status = 400;
		return caseload_page(r, NULL, "A client code is made of letters, "
		                     "digits, '-', '_' and '.', at most 64, "
		                     "without spaces.");
	}
	if (name && strlen(name) > 200) {
		r->status = 400;
		return caseload_page(r, NULL, "The name shown is at most 200 "
		                     "characters.");
	}
	if (started && *started && web_date_seconds(started) < 0) {
		r->status = 400;
		return caseload_page(r, NULL, "The start of care is not a "
		                     "calendar date.");
	}
	memset(&c, 0, sizeof(c));
	c.clinic_id = r->srv->clinic_id;
	c.therapist_id = r->user.id;
	c.code = code;
	c.display_name = name && *name ? name : NULL;
	/* The client, its first episode and the clinic's default for the
	 * client's own view: one transaction, audited by the store. */
	if ((rc = attune_store_begin(r->st)))
		return rc;
	rc = attune_store_client_add(r->st, &c, started && *started ? started
	                                                            : NULL,
	                             &id);
	if (rc == ATTUNE_OK && web_setting_sees_progress(r))
		rc = attune_store_client_set_sees_progress(r->st, id, 1);
	if (rc == ATTUNE_OK)
		rc = attune_store_commit(r->st);
	if (rc == ATTUNE_EEXIST || rc == ATTUNE_EINVAL ||
	    rc == ATTUNE_ELIMIT) {
		attune_store_rollback(r->st);
		r->status = rc == ATTUNE_EEXIST ? 409 : 400;
		return caseload_page(r, NULL, rc == ATTUNE_EEXIST
		                     ? "That code is in use in this clinic; "
		                       "choose another."
		                     : "That client cannot be added: a field "
		                       "is not accepted. Nothing was saved.");
	}
	if (rc)
		return rc;
	return web_redirect(r, web_printf(r, "/clients/%lld", (long long)id));
}
