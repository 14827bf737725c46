/* pages.c - the caseload (therapists and supervisors: one row per client
 * with its status and the reason) and the admin's pages (users, roles,
 * supervision; no clinical data). */
#include <stdlib.h>
#include <string.h>
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
	struct client_data cd;
	struct client_status *cs;
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
	for (i = 0; i < cl.n; i++) {
		struct caseload_row *rw = &cl.rows[i];
		size_t k;
		if ((rc = cd_load_known(r->st, &r->ar, r->srv->cat, &rw->c,
		                        &cd)))
			return rc;
		cd_status(r->srv, &cd, cs);
		rw->status = cs->sig.status;
		rw->n_reasons = cs->sig.n_reasons;
		for (k = 0; k < cs->sig.n_reasons; k++) {
			rw->reasons[k] = arena_strdup(&r->ar,
			                              cs->sig.reasons[k]);
			if (!rw->reasons[k])
				return ATTUNE_ENOMEM;
		}
		rw->reason = rw->n_reasons ? rw->reasons[0] : NULL;
		rw->n_sessions = cd.ns;
		rw->last = cs->last_date;
		rw->ended = cd.ended;
	}
	if ((rc = attune_store_commit(r->st)))
		return rc;
	if (cl.n > 1)
		qsort(cl.rows, cl.n, sizeof(cl.rows[0]), row_cmp);
	*rows = cl.rows;
	*n = cl.n;
	return ATTUNE_OK;
}

int h_caseload(struct web_req *r)
{
	struct caseload_row *rows;
	strbuf *b = &r->out;
	size_t i, n, n_sup;
	int rc, supervisor = r->user.role == ATTUNE_ROLE_SUPERVISOR;

	if ((rc = caseload_collect(r, &rows, &n, &n_sup)))
		return rc;
	page_begin(r, supervisor ? "Supervisees' clients" : "Your caseload");
	if (supervisor && n_sup == 0)
		html_raw_trusted(b, "<p class=\"muted\">You supervise no "
		                 "therapist yet. The clinic's admin records "
		                 "supervision.</p>\n");
	if (n == 0) {
		html_raw_trusted(b, "<p class=\"muted\">No clients to show."
		                 "</p>\n");
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
	page_end(r);
	return 0;
}

/* ---- Admin: users, roles, supervision ---- */

static const char *role_word(attune_role role)
{
	return role == ATTUNE_ROLE_ADMIN ? "admin" :
	       role == ATTUNE_ROLE_SUPERVISOR ? "supervisor" : "therapist";
}

struct users {
	struct web_req *r;
	attune_user_rec u[512];
	size_t n;
};

static int users_cb(void *ctx, const attune_user_rec *u)
{
	struct users *us = ctx;
	attune_user_rec *d;

	if (us->n == sizeof(us->u) / sizeof(us->u[0]))
		return 0;
	d = &us->u[us->n];
	*d = *u;
	d->name = arena_strdup(&us->r->ar, u->name);
	d->display_name = u->display_name
	        ? arena_strdup(&us->r->ar, u->display_name) : NULL;
	d->password_hash = NULL;    /* never shown, never kept */
	if (!d->name)
		return ATTUNE_ENOMEM;
	us->n++;
	return 0;
}

struct names {
	strbuf *b;
	int n;
};

static int sup_name_cb(void *ctx, const attune_user_rec *u)
{
	struct names *nm = ctx;

	if (nm->n++)
		html_raw_trusted(nm->b, ", ");
	html_text(nm->b, u->name);
	return 0;
}

static void user_options(strbuf *b, const struct users *us, attune_role role)
{
	size_t i;

	for (i = 0; i < us->n; i++) {
		if (us->u[i].role != role)
			continue;
		sb_printf(b, "<option value=\"%lld\">", (long long)us->u[i].id);
		html_text(b, us->u[i].name);
		html_raw_trusted(b, "</option>");
	}
}

static int admin_page(struct web_req *r, const char *zNotice,
                      const char *zError)
{
	struct users *us = arena_alloc(&r->ar, sizeof(*us));
	strbuf *b = &r->out;
	struct names nm;
	size_t i;
	int rc;

	if (!us)
		return ATTUNE_ENOMEM;
	us->r = r;
	if ((rc = attune_store_user_list(r->st, r->srv->clinic_id, users_cb,
	                                 us)))
		return rc;
	sb_reset(b);
	page_begin(r, "Users and roles");
	if (zNotice) {
		html_raw_trusted(b, "<p class=\"notice\" role=\"status\">");
		html_text(b, zNotice);
		html_raw_trusted(b, "</p>\n");
	}
	if (zError) {
		html_raw_trusted(b, "<p class=\"error\" role=\"alert\">");
		html_text(b, zError);
		html_raw_trusted(b, "</p>\n");
	}
	html_raw_trusted(b, "<p class=\"muted\">Admins manage accounts; they "
	                 "see no clinical data.</p>\n<div class=\"table-wrap\">"
	                 "<table><thead><tr><th scope=\"col\">Username</th>"
	                 "<th scope=\"col\">Name</th><th scope=\"col\">Role"
	                 "</th><th scope=\"col\">Supervises</th></tr></thead>"
	                 "<tbody>\n");
	for (i = 0; i < us->n; i++) {
		html_raw_trusted(b, "<tr><td>");
		html_text(b, us->u[i].name);
		html_raw_trusted(b, "</td><td>");
		html_text(b, us->u[i].display_name ? us->u[i].display_name
		                                   : "");
		html_raw_trusted(b, "</td><td>");
		html_text(b, role_word(us->u[i].role));
		html_raw_trusted(b, "</td><td>");
		nm.b = b;
		nm.n = 0;
		if (us->u[i].role == ATTUNE_ROLE_SUPERVISOR &&
		    (rc = attune_store_supervision_list(r->st, us->u[i].id,
		                                        sup_name_cb, &nm)))
			return rc;
		html_raw_trusted(b, "</td></tr>\n");
	}
	html_raw_trusted(b, "</tbody></table></div>\n"
	                 "<h2>Add a user</h2>\n"
	                 "<form class=\"inline-form\" method=\"post\" "
	                 "action=\"/admin/users\">");
	form_csrf(r);
	html_raw_trusted(b, "<div><label for=\"name\">Username</label>"
	                 "<input id=\"name\" name=\"name\" required "
	                 "autocapitalize=\"none\"></div>"
	                 "<div><label for=\"display_name\">Name shown</label>"
	                 "<input id=\"display_name\" name=\"display_name\">"
	                 "</div><div><label for=\"role\">Role</label>"
	                 "<select id=\"role\" name=\"role\">"
	                 "<option value=\"therapist\">therapist</option>"
	                 "<option value=\"supervisor\">supervisor</option>"
	                 "<option value=\"admin\">admin</option></select>"
	                 "</div><div><label for=\"password\">Password</label>"
	                 "<input id=\"password\" name=\"password\" "
	                 "type=\"password\" autocomplete=\"new-password\" "
	                 "required minlength=\"10\"></div>"
	                 "<button type=\"submit\">Add user</button></form>\n"
	                 "<h2>Supervision</h2>\n"
	                 "<form class=\"inline-form\" method=\"post\" "
	                 "action=\"/admin/supervision\">");
	form_csrf(r);
	html_raw_trusted(b, "<div><label for=\"supervisor\">Supervisor</label>"
	                 "<select id=\"supervisor\" name=\"supervisor\">");
	user_options(b, us, ATTUNE_ROLE_SUPERVISOR);
	html_raw_trusted(b, "</select></div><div><label for=\"therapist\">"
	                 "supervises</label><select id=\"therapist\" "
	                 "name=\"therapist\">");
	user_options(b, us, ATTUNE_ROLE_THERAPIST);
	html_raw_trusted(b, "</select></div><button type=\"submit\">Record"
	                 "</button></form>\n");
	page_end(r);
	return 0;
}

int h_admin_users(struct web_req *r)
{
	return admin_page(r, NULL, NULL);
}

int h_admin_user_add(struct web_req *r)
{
	const char *role = web_field(r, "role");
	const char *pw = web_field(r, "password");
	const char *disp = web_field(r, "display_name");
	char hash[WEB_PWHASH_MAX];
	attune_user_rec u;
	int rc;

	if (strlen(pw) < 10) {
		r->status = 400;
		return admin_page(r, NULL, "A password needs at least 10 "
		                  "characters.");
	}
	if (web_password_hash(pw, hash) != ATTUNE_OK)
		return ATTUNE_ENOMEM;
	memset(&u, 0, sizeof(u));
	u.clinic_id = r->srv->clinic_id;
	u.name = web_field(r, "name");
	u.display_name = disp && *disp ? disp : NULL;
	u.role = strcmp(role, "admin") == 0 ? ATTUNE_ROLE_ADMIN :
	         strcmp(role, "supervisor") == 0 ? ATTUNE_ROLE_SUPERVISOR :
	         ATTUNE_ROLE_THERAPIST;
	u.password_hash = hash;
	rc = attune_store_user_add(r->st, &u, NULL);
	if (rc == ATTUNE_EEXIST || rc == ATTUNE_EINVAL || rc == ATTUNE_ELIMIT) {
		r->status = rc == ATTUNE_EEXIST ? 409 : 400;
		return admin_page(r, NULL, rc == ATTUNE_EEXIST
		                  ? "That username is taken."
		                  : "That username or name cannot be used "
		                    "(usernames: letters, digits and signs, no "
		                    "spaces).");
	}
	if (rc)
		return rc;
	return admin_page(r, "The user was added.", NULL);
}

static int role_cb(void *ctx, const attune_user_rec *u)
{
	*(attune_role *)ctx = u->role;
	return 0;
}

int h_admin_supervision(struct web_req *r)
{
	attune_id sup = web_field_int(r, "supervisor", 0);
	attune_id ther = web_field_int(r, "therapist", 0);
	attune_role rs = ATTUNE_ROLE_ADMIN, rt = ATTUNE_ROLE_ADMIN;
	int rc;

	/* Only a supervisor supervises, only a therapist is supervised. */
	rc = attune_store_user_get(r->st, sup, role_cb, &rs);
	if (rc == ATTUNE_OK)
		rc = attune_store_user_get(r->st, ther, role_cb, &rt);
	if (rc == ATTUNE_OK && (rs != ATTUNE_ROLE_SUPERVISOR ||
	                        rt != ATTUNE_ROLE_THERAPIST))
		rc = ATTUNE_EINVAL;
	if (rc == ATTUNE_OK)
		rc = attune_store_supervision_add(r->st, sup, ther);
	if (rc == ATTUNE_EEXIST)
		return admin_page(r, "That supervision was recorded already.",
		                  NULL);
	if (rc == ATTUNE_ENOTFOUND || rc == ATTUNE_EINVAL) {
		r->status = 400;
		return admin_page(r, NULL, "Choose a supervisor and a "
		                  "therapist of this clinic.");
	}
	if (rc)
		return rc;
	return admin_page(r, "Supervision recorded.", NULL);
}
