/* admin.c - the admin's pages: users and roles, passwords and sign-in,
 * supervision, and access to single clients of colleagues (grants).
 * Admins see no clinical data: client codes (pseudonyms) appear only
 * where a grant names them, never names, answers or scores. Every change
 * is audited by the store. */
#include <stdio.h>
#include <string.h>
#include "web/web.h"

/* A listing callback returning this stops early (no attune_rc uses it). */
#define STOP 1000

static const char *role_word(attune_role role)
{
	return role == ATTUNE_ROLE_ADMIN ? "admin" :
	       role == ATTUNE_ROLE_SUPERVISOR ? "supervisor" : "therapist";
}

static attune_role role_parse(const char *z)
{
	return strcmp(z, "admin") == 0 ? ATTUNE_ROLE_ADMIN :
	       strcmp(z, "supervisor") == 0 ? ATTUNE_ROLE_SUPERVISOR :
	       ATTUNE_ROLE_THERAPIST;
}

/* ---- Users of the clinic ---- */

#define USERS_MAX 512

struct users {
	struct web_req *r;
	attune_user_rec u[USERS_MAX];
	int64_t last[USERS_MAX];       /* last sign-in, 0: not found */
	size_t n;
};

/* Copies what a page shows. The password hash is never kept: only
 * whether there is one (the account can sign in). */
static int users_cb(void *ctx, const attune_user_rec *u)
{
	struct users *us = ctx;
	attune_user_rec *d;

	if (us->n == USERS_MAX)
		return 0;
	d = &us->u[us->n];
	*d = *u;
	d->name = arena_strdup(&us->r->ar, u->name);
	d->display_name = u->display_name
	        ? arena_strdup(&us->r->ar, u->display_name) : NULL;
	d->password_hash = u->password_hash ? "set" : NULL;
	if (!d->name || (u->display_name && !d->display_name))
		return ATTUNE_ENOMEM;
	us->last[us->n] = 0;
	us->n++;
	return 0;
}

static int users_load(struct web_req *r, struct users **out)
{
	struct users *us = arena_alloc(&r->ar, sizeof(*us));

	*out = us;
	if (!us)
		return ATTUNE_ENOMEM;
	us->r = r;
	us->n = 0;
	return attune_store_user_list(r->st, r->srv->clinic_id, users_cb, us);
}

/* The user of this clinic with id, or NULL. */
static const attune_user_rec *users_find(const struct users *us,
                                         attune_id id)
{
	size_t i;

	for (i = 0; i < us->n; i++)
		if (us->u[i].id == id)
			return &us->u[i];
	return NULL;
}

/* Last sign-ins from the audit log's "auth.login" rows (object user:N),
 * newest first, in at most WEB_LAST_LOGIN_SCAN rows; stops once every
 * user is found. The store keeps no sign-in time per user. */
struct last_scan {
	struct users *us;
	size_t left;
};

static int last_cb(void *ctx, const attune_audit_rec *a)
{
	struct last_scan *ls = ctx;
	int64_t id;
	size_t i;

	if (strcmp(a->action, "auth.login") != 0 ||
	    strncmp(a->object, "user:", 5) != 0 ||
	    parse_i64(a->object + 5, strlen(a->object + 5), &id) != 0)
		return 0;
	for (i = 0; i < ls->us->n; i++) {
		if (ls->us->u[i].id != id || ls->us->last[i])
			continue;
		ls->us->last[i] = a->at;
		if (--ls->left == 0)
			return STOP;
	}
	return 0;
}

static int last_logins(struct web_req *r, struct users *us)
{
	struct last_scan ls = {us, us->n};
	int rc;

	if (us->n == 0)
		return 0;
	rc = attune_store_audit_list(r->st, 0, WEB_LAST_LOGIN_SCAN, last_cb,
	                             &ls);
	return rc == STOP ? 0 : rc;
}

/* ---- Supervision pairs ---- */

struct pair {
	attune_id sup, ther;
	const char *ther_name;
};

struct pairs {
	struct web_req *r;
	struct pair p[1024];
	size_t n;
	attune_id sup;                 /* the supervisor being listed */
};

static int pair_cb(void *ctx, const attune_user_rec *u)
{
	struct pairs *ps = ctx;

	if (ps->n == sizeof(ps->p) / sizeof(ps->p[0]))
		return 0;
	ps->p[ps->n].sup = ps->sup;
	ps->p[ps->n].ther = u->id;
	ps->p[ps->n].ther_name = arena_strdup(&ps->r->ar, u->name);
	if (!ps->p[ps->n].ther_name)
		return ATTUNE_ENOMEM;
	ps->n++;
	return 0;
}

/* Every supervision of the clinic's supervisors. */
static int pairs_load(struct web_req *r, const struct users *us,
                      struct pairs **out)
{
	struct pairs *ps = arena_alloc(&r->ar, sizeof(*ps));
	size_t i;
	int rc;

	*out = ps;
	if (!ps)
		return ATTUNE_ENOMEM;
	ps->r = r;
	ps->n = 0;
	for (i = 0; i < us->n; i++) {
		if (us->u[i].role != ATTUNE_ROLE_SUPERVISOR)
			continue;
		ps->sup = us->u[i].id;
		if ((rc = attune_store_supervision_list(r->st, us->u[i].id,
		                                        pair_cb, ps)))
			return rc;
	}
	return 0;
}

/* ---- The users page ---- */

static void user_options(strbuf *b, const struct users *us, unsigned roles)
{
	size_t i;

	for (i = 0; i < us->n; i++) {
		if (!(roles & (1u << us->u[i].role)))
			continue;
		sb_printf(b, "<option value=\"%lld\">", (long long)us->u[i].id);
		html_text(b, us->u[i].name);
		if (us->u[i].display_name) {
			html_raw_trusted(b, " (");
			html_text(b, us->u[i].display_name);
			html_raw_trusted(b, ")");
		}
		html_raw_trusted(b, "</option>");
	}
}

static int users_page(struct web_req *r, const char *zNotice,
                      const char *zError)
{
	strbuf *b = &r->out;
	struct users *us;
	struct pairs *ps;
	size_t i, k;
	int rc, n;

	if ((rc = users_load(r, &us)) || (rc = pairs_load(r, us, &ps)) ||
	    (rc = last_logins(r, us)))
		return rc;
	sb_reset(b);
	page_begin(r, "Users and roles");
	page_notes(r, zNotice, zError);
	html_raw_trusted(b, "<p class=\"muted\">Admins manage accounts; they "
	                 "see no clinical data. Open a user to change their "
	                 "role, set a new password or stop them signing in."
	                 "</p>\n<div class=\"table-wrap\">"
	                 "<table><thead><tr><th scope=\"col\">Username</th>"
	                 "<th scope=\"col\">Name</th><th scope=\"col\">Role"
	                 "</th><th scope=\"col\">Sign-in</th>"
	                 "<th scope=\"col\">Last sign-in (UTC)</th>"
	                 "<th scope=\"col\">Supervises</th></tr></thead>"
	                 "<tbody>\n");
	for (i = 0; i < us->n; i++) {
		const attune_user_rec *u = &us->u[i];
		sb_printf(b, "<tr><td><a href=\"/admin/users/%lld\">",
		          (long long)u->id);
		html_text(b, u->name);
		html_raw_trusted(b, "</a></td><td>");
		html_text(b, u->display_name ? u->display_name : "");
		html_raw_trusted(b, "</td><td>");
		html_text(b, role_word(u->role));
		html_raw_trusted(b, "</td><td>");
		html_text(b, u->password_hash ? "can sign in" : "disabled");
		html_raw_trusted(b, "</td><td>");
		html_utc(b, us->last[i]);
		html_raw_trusted(b, "</td><td>");
		for (k = 0, n = 0; k < ps->n; k++) {
			if (ps->p[k].sup != u->id)
				continue;
			if (n++)
				html_raw_trusted(b, ", ");
			html_text(b, ps->p[k].ther_name);
		}
		html_raw_trusted(b, "</td></tr>\n");
	}
	html_raw_trusted(b, "</tbody></table></div>\n"
	                 "<h2>Add a user</h2>\n"
	                 "<form class=\"inline-form\" method=\"post\" "
	                 "action=\"/admin/users\">");
	form_csrf(r);
	html_raw_trusted(b, "<div><label for=\"name\">Username</label>"
	                 "<input id=\"name\" name=\"name\" required "
	                 "autocapitalize=\"none\" spellcheck=\"false\"></div>"
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
	                 "<h2>Supervision</h2>\n<p class=\"muted\">A "
	                 "supervisor reads the clients of the therapists they "
	                 "supervise.</p>\n"
	                 "<form class=\"inline-form\" method=\"post\" "
	                 "action=\"/admin/supervision\">");
	form_csrf(r);
	html_raw_trusted(b, "<div><label for=\"supervisor\">Supervisor</label>"
	                 "<select id=\"supervisor\" name=\"supervisor\">");
	user_options(b, us, WEB_SUPERVISOR);
	html_raw_trusted(b, "</select></div><div><label for=\"therapist\">"
	                 "supervises</label><select id=\"therapist\" "
	                 "name=\"therapist\">");
	user_options(b, us, WEB_THERAPIST);
	html_raw_trusted(b, "</select></div><button type=\"submit\">Record"
	                 "</button></form>\n");
	if (ps->n) {
		html_raw_trusted(b, "<div class=\"table-wrap\"><table><thead>"
		                 "<tr><th scope=\"col\">Supervisor</th>"
		                 "<th scope=\"col\">Therapist</th>"
		                 "<th scope=\"col\">End</th></tr></thead>"
		                 "<tbody>\n");
		for (k = 0; k < ps->n; k++) {
			const attune_user_rec *s = users_find(us, ps->p[k].sup);
			html_raw_trusted(b, "<tr><td>");
			html_text(b, s ? s->name : "");
			html_raw_trusted(b, "</td><td>");
			html_text(b, ps->p[k].ther_name);
			html_raw_trusted(b, "</td><td><form method=\"post\" "
			                 "action=\"/admin/supervision/remove\">");
			form_csrf(r);
			sb_printf(b, "<input type=\"hidden\" name=\"supervisor\""
			          " value=\"%lld\"><input type=\"hidden\" "
			          "name=\"therapist\" value=\"%lld\">",
			          (long long)ps->p[k].sup,
			          (long long)ps->p[k].ther);
			html_raw_trusted(b, "<button type=\"submit\" "
			                 "class=\"secondary\" aria-label=\"End: ");
			html_attr(b, s ? s->name : "");
			html_raw_trusted(b, " supervises ");
			html_attr(b, ps->p[k].ther_name);
			html_raw_trusted(b, "\">End</button></form></td></tr>\n");
		}
		html_raw_trusted(b, "</tbody></table></div>\n");
	}
	page_end(r);
	return 0;
}

int h_admin_users(struct web_req *r)
{
	return users_page(r, NULL, NULL);
}

int h_admin_user_add(struct web_req *r)
{
	const char *pw = web_field(r, "password");
	const char *disp = web_field(r, "display_name");
	char hash[WEB_PWHASH_MAX];
	attune_user_rec u;
	int rc;

	if (strlen(pw) < WEB_PASSWORD_MIN) {
		r->status = 400;
		return users_page(r, NULL, "A password needs at least 10 "
		                  "characters.");
	}
	if (web_password_hash(pw, hash) != ATTUNE_OK)
		return ATTUNE_ENOMEM;
	memset(&u, 0, sizeof(u));
	u.clinic_id = r->srv->clinic_id;
	u.name = web_field(r, "name");
	u.display_name = disp && *disp ? disp : NULL;
	u.role = role_parse(web_field(r, "role"));
	u.password_hash = hash;
	rc = attune_store_user_add(r->st, &u, NULL);
	if (rc == ATTUNE_EEXIST || rc == ATTUNE_EINVAL || rc == ATTUNE_ELIMIT) {
		r->status = rc == ATTUNE_EEXIST ? 409 : 400;
		return users_page(r, NULL, rc == ATTUNE_EEXIST
		                  ? "That username is taken."
		                  : "That username or name cannot be used "
		                    "(usernames: letters, digits and signs, no "
		                    "spaces).");
	}
	if (rc)
		return rc;
	return users_page(r, "The user was added.", NULL);
}

/* ---- One user ---- */

/* The user of path_id in this clinic into *u (arena copies), or a 404
 * page and -1. */
static int target_user(struct web_req *r, struct users **us,
                       const attune_user_rec **u)
{
	int rc;

	if ((rc = users_load(r, us)))
		return rc;
	*u = users_find(*us, r->path_id);
	if (!*u)
		return web_not_found(r), -1;
	return 0;
}

/* ---- Sites (schema 5): a user works at one site or none ---- */

#define SITES_MAX 256

struct sites {
	struct web_req *r;
	attune_id id[SITES_MAX];
	const char *name[SITES_MAX];
	size_t n;
};

static int sites_cb(void *ctx, const attune_site_rec *s)
{
	struct sites *ss = ctx;

	if (ss->n == SITES_MAX)
		return 0;
	ss->id[ss->n] = s->id;
	if (!(ss->name[ss->n] = arena_strdup(&ss->r->ar, s->name)))
		return ATTUNE_ENOMEM;
	ss->n++;
	return 0;
}

static int sites_load(struct web_req *r, struct sites **out)
{
	struct sites *ss = arena_alloc(&r->ar, sizeof(*ss));

	if (!ss)
		return ATTUNE_ENOMEM;
	ss->r = r;
	ss->n = 0;
	*out = ss;
	return attune_store_site_list(r->st, r->srv->clinic_id, sites_cb, ss);
}

static const char *site_name(const struct sites *ss, attune_id id)
{
	size_t i;

	for (i = 0; i < ss->n; i++)
		if (ss->id[i] == id)
			return ss->name[i];
	return NULL;
}

/* The site row of the user table and the form that changes it. */
static void site_form(struct web_req *r, const struct sites *ss,
                      const attune_user_rec *u)
{
	strbuf *b = &r->out;
	size_t i;

	html_raw_trusted(b, "<h2>Site</h2>\n");
	if (ss->n == 0) {
		html_raw_trusted(b, "<p class=\"muted\">The clinic has no "
		                 "sites yet (<code>attune site add NAME</code>)."
		                 "</p>\n");
		return;
	}
	sb_printf(b, "<form class=\"inline-form\" method=\"post\" "
	          "action=\"/admin/users/%lld/site\">", (long long)u->id);
	form_csrf(r);
	html_raw_trusted(b, "<div><label for=\"site\">Works at</label>"
	                 "<select id=\"site\" name=\"site\">");
	html_raw_trusted(b, u->site_id ? "<option value=\"\">No site</option>"
	                 : "<option value=\"\" selected>No site</option>");
	for (i = 0; i < ss->n; i++) {
		sb_printf(b, "<option value=\"%lld\"%s>", (long long)ss->id[i],
		          ss->id[i] == u->site_id ? " selected" : "");
		html_text(b, ss->name[i]);
		html_raw_trusted(b, "</option>");
	}
	html_raw_trusted(b, "</select></div><button type=\"submit\">Set "
	                 "site</button></form>\n<p class=\"muted\">The "
	                 "clinic overview groups therapists by site.</p>\n");
}

/* Moving all of therapist u's clients to another therapist (a
 * therapist leaving, a long absence). */
static void transfer_form(struct web_req *r, const struct users *us,
                          const attune_user_rec *u)
{
	strbuf *b = &r->out;
	size_t i, n = 0;

	html_raw_trusted(b, "<h2>Clients</h2>\n");
	for (i = 0; i < us->n; i++)
		n += us->u[i].role == ATTUNE_ROLE_THERAPIST && us->u[i].id != u->id;
	if (n == 0) {
		html_raw_trusted(b, "<p class=\"muted\">There is no other "
		                 "therapist to move their clients to.</p>\n");
		return;
	}
	sb_printf(b, "<form class=\"inline-form\" method=\"post\" "
	          "action=\"/admin/users/%lld/transfer\">", (long long)u->id);
	form_csrf(r);
	html_raw_trusted(b, "<div><label for=\"to\">Move all their clients "
	                 "to</label><select id=\"to\" name=\"to\">");
	for (i = 0; i < us->n; i++) {
		if (us->u[i].role != ATTUNE_ROLE_THERAPIST ||
		    us->u[i].id == u->id)
			continue;
		sb_printf(b, "<option value=\"%lld\">",
		          (long long)us->u[i].id);
		html_text(b, us->u[i].name);
		if (us->u[i].display_name) {
			html_raw_trusted(b, " (");
			html_text(b, us->u[i].display_name);
			html_raw_trusted(b, ")");
		}
		html_raw_trusted(b, "</option>");
	}
	html_raw_trusted(b, "</select></div><button type=\"submit\">Move "
	                 "clients</button></form>\n<p class=\"muted\">The "
	                 "other therapist has them as their own from then on; "
	                 "this one keeps no access unless granted. Every "
	                 "client moved is in the audit log "
	                 "(client.transfer).</p>\n");
}

static int user_page(struct web_req *r, const char *zNotice,
                     const char *zError)
{
	struct sites *ss;
	const char *zSite;
	strbuf *b = &r->out;
	struct users *us;
	const attune_user_rec *u;
	int rc, self;
	size_t i;
	static const char *const roles[] = {"therapist", "supervisor", "admin"};

	if ((rc = target_user(r, &us, &u)))
		return rc < 0 ? 0 : rc;
	if ((rc = last_logins(r, us)) || (rc = sites_load(r, &ss)))
		return rc;
	self = u->id == r->user.id;
	zSite = u->site_id ? site_name(ss, u->site_id) : NULL;
	sb_reset(b);
	page_begin(r, web_printf(r, "User %s", u->name));
	page_notes(r, zNotice, zError);
	html_raw_trusted(b, "<div class=\"table-wrap\"><table><tbody>"
	                 "<tr><th scope=\"row\">Username</th><td>");
	html_text(b, u->name);
	html_raw_trusted(b, "</td></tr><tr><th scope=\"row\">Name shown</th>"
	                 "<td>");
	html_text(b, u->display_name ? u->display_name : "");
	html_raw_trusted(b, "</td></tr><tr><th scope=\"row\">Role</th><td>");
	html_text(b, role_word(u->role));
	html_raw_trusted(b, "</td></tr><tr><th scope=\"row\">Site</th><td>");
	html_text(b, zSite ? zSite : "none");
	html_raw_trusted(b, "</td></tr><tr><th scope=\"row\">Sign-in</th><td>");
	html_text(b, u->password_hash ? "can sign in"
	                              : "disabled: set a new password to "
	                                "enable the account");
	html_raw_trusted(b, "</td></tr><tr><th scope=\"row\">Last sign-in "
	                 "(UTC)</th><td>");
	html_utc(b, us->last[u - us->u]);
	html_raw_trusted(b, "</td></tr><tr><th scope=\"row\">Added (UTC)</th>"
	                 "<td>");
	html_utc(b, u->created_at);
	html_raw_trusted(b, "</td></tr></tbody></table></div>\n");
	site_form(r, ss, u);
	html_raw_trusted(b, "<h2>Role</h2>\n");
	if (self) {
		html_raw_trusted(b, "<p class=\"muted\">You cannot change your "
		                 "own role or stop your own sign-in; another "
		                 "admin can. Your password is changed on "
		                 "<a href=\"/account\">your account</a>.</p>\n");
		html_raw_trusted(b, "<p><a href=\"/admin/users\">Back to the "
		                 "users</a></p>\n");
		page_end(r);
		return 0;
	}
	sb_printf(b, "<form class=\"inline-form\" method=\"post\" "
	          "action=\"/admin/users/%lld/role\">", (long long)u->id);
	form_csrf(r);
	html_raw_trusted(b, "<div><label for=\"role\">Role</label><select "
	                 "id=\"role\" name=\"role\">");
	for (i = 0; i < 3; i++) {
		html_raw_trusted(b, "<option value=\"");
		html_attr(b, roles[i]);
		html_raw_trusted(b, strcmp(roles[i], role_word(u->role)) == 0
		                 ? "\" selected>" : "\">");
		html_text(b, roles[i]);
		html_raw_trusted(b, "</option>");
	}
	html_raw_trusted(b, "</select></div><button type=\"submit\">Change "
	                 "role</button></form>\n<p class=\"muted\">A change "
	                 "signs them out everywhere and ends supervision that "
	                 "no longer fits the new role. A therapist who still "
	                 "has clients stays a therapist until their clients "
	                 "are moved to someone else (below).</p>\n");
	if (u->role == ATTUNE_ROLE_THERAPIST)
		transfer_form(r, us, u);
	html_raw_trusted(b, "<h2>Password</h2>\n");
	sb_printf(b, "<form class=\"inline-form\" method=\"post\" "
	          "action=\"/admin/users/%lld/password\">", (long long)u->id);
	form_csrf(r);
	html_raw_trusted(b, "<div><label for=\"password\">New password</label>"
	                 "<input id=\"password\" name=\"password\" "
	                 "type=\"password\" autocomplete=\"new-password\" "
	                 "required minlength=\"10\"></div><button "
	                 "type=\"submit\">Set password</button></form>\n"
	                 "<p class=\"muted\">At least 10 characters. They are "
	                 "signed out everywhere; tell them the new password "
	                 "in person or by phone, and ask them to change it on "
	                 "their account page.</p>\n");
	if (u->password_hash) {
		html_raw_trusted(b, "<h2>Stop signing in</h2>\n");
		sb_printf(b, "<form class=\"inline-form\" method=\"post\" "
		          "action=\"/admin/users/%lld/disable\">",
		          (long long)u->id);
		form_csrf(r);
		html_raw_trusted(b, "<button type=\"submit\" "
		                 "class=\"secondary\">Disable sign-in</button>"
		                 "</form>\n<p class=\"muted\">Clears the "
		                 "password, ends every session and revokes "
		                 "their API tokens. Their clients and the audit "
		                 "log stay. Setting a new password enables the "
		                 "account again (API tokens must be made "
		                 "anew).</p>\n");
	}
	html_raw_trusted(b, "<p><a href=\"/admin/users\">Back to the users</a>"
	                 "</p>\n");
	page_end(r);
	return 0;
}

int h_admin_user(struct web_req *r)
{
	return user_page(r, NULL, NULL);
}

/* Refuse a change to one's own account here (409): one's own role and
 * sign-in are changed by another admin, one's password on /account. */
static int not_self(struct web_req *r)
{
	if (r->path_id != r->user.id)
		return 0;
	r->status = 409;
	user_page(r, NULL, "You cannot change this for your own account "
	          "here.");
	return -1;
}

/* End the supervision that no longer fits user u's new role. */
static int fix_supervision(struct web_req *r, const struct users *us,
                           const attune_user_rec *u, attune_role role)
{
	struct pairs *ps;
	size_t k;
	int rc;

	if ((rc = pairs_load(r, us, &ps)))
		return rc;
	for (k = 0; k < ps->n; k++) {
		int end = (ps->p[k].sup == u->id &&
		           role != ATTUNE_ROLE_SUPERVISOR) ||
		          (ps->p[k].ther == u->id &&
		           role != ATTUNE_ROLE_THERAPIST);
		if (end && (rc = attune_store_supervision_remove(
		                    r->st, ps->p[k].sup, ps->p[k].ther)))
			return rc;
	}
	return 0;
}

int h_admin_user_role(struct web_req *r)
{
	struct users *us;
	const attune_user_rec *u;
	attune_role role = role_parse(web_field(r, "role"));
	int rc;

	if ((rc = target_user(r, &us, &u)))
		return rc < 0 ? 0 : rc;
	if (not_self(r))
		return 0;
	if (u->role == role)
		return user_page(r, web_printf(r, "%s is %s already.", u->name,
		                               role_word(role)), NULL);
	if ((rc = attune_store_begin(r->st)))
		return rc;
	if ((rc = attune_store_user_set_role(r->st, u->id, role)) ==
	    ATTUNE_EINVAL && u->role == ATTUNE_ROLE_THERAPIST) {
		/* Their clients would belong to no one who can see them. */
		attune_store_rollback(r->st);
		r->status = 409;
		return user_page(r, NULL, web_printf(r, "%s still has clients. "
		                 "Move them to another therapist first "
		                 "(Clients, below); then change the role.",
		                 u->name));
	}
	if (rc ||
	    (rc = fix_supervision(r, us, u, role)) ||
	    (rc = attune_store_websession_delete_user(r->st, u->id, NULL)) ||
	    (rc = attune_store_commit(r->st)))
		return rc;
	return user_page(r, web_printf(r, "%s is now %s, and was signed out "
	                               "everywhere.", u->name,
	                               role_word(role)), NULL);
}

/* Move every client of therapist {id} to the therapist in field "to",
 * in one transaction. Not a therapist on either side, or the same
 * user: 400, nothing moved. */
struct transfer_ids {
	attune_id *v;
	size_t n, cap;
	struct web_req *r;
};

static int transfer_collect(void *ctx, const attune_client_rec *c)
{
	struct transfer_ids *t = ctx;
	attune_id *v;

	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		if (!(v = arena_alloc(&t->r->ar, t->cap * sizeof(*v))))
			return ATTUNE_ENOMEM;
		if (t->n)
			memcpy(v, t->v, t->n * sizeof(*v));
		t->v = v;
	}
	t->v[t->n++] = c->id;
	return 0;
}

int h_admin_user_transfer(struct web_req *r)
{
	struct users *us;
	const attune_user_rec *u, *to;
	struct transfer_ids t = {NULL, 0, 0, r};
	size_t i;
	int rc;

	if ((rc = target_user(r, &us, &u)))
		return rc < 0 ? 0 : rc;
	to = users_find(us, web_field_int(r, "to", 0));
	if (u->role != ATTUNE_ROLE_THERAPIST || !to ||
	    to->role != ATTUNE_ROLE_THERAPIST || to->id == u->id) {
		r->status = 400;
		return user_page(r, NULL, "Clients move from one therapist of "
		                 "this clinic to another.");
	}
	if ((rc = attune_store_begin(r->st)))
		return rc;
	rc = attune_store_client_list(r->st, r->srv->clinic_id, u->id,
	                              transfer_collect, &t);
	for (i = 0; rc == ATTUNE_OK && i < t.n; i++)
		rc = attune_store_client_transfer(r->st, t.v[i], to->id);
	if (rc || (rc = attune_store_commit(r->st)))
		return rc;
	return user_page(r, web_printf(r, "Moved %zu client%s from %s to %s.",
	                               t.n, t.n == 1 ? "" : "s", u->name,
	                               to->name), NULL);
}

/* Put the user at a site (field "site": its id, or "" for none). A
 * site of another clinic or none that exists is a 400 that changes
 * nothing. */
int h_admin_user_site(struct web_req *r)
{
	struct users *us;
	struct sites *ss;
	const attune_user_rec *u;
	attune_id site = web_field_int(r, "site", 0);
	int rc;

	if ((rc = target_user(r, &us, &u)))
		return rc < 0 ? 0 : rc;
	if ((rc = sites_load(r, &ss)))
		return rc;
	if (site && !site_name(ss, site)) {
		r->status = 400;
		return user_page(r, NULL, "There is no such site in this "
		                 "clinic.");
	}
	if (site == u->site_id)
		return user_page(r, web_printf(r, "%s works there already.",
		                               u->name), NULL);
	if ((rc = attune_store_user_set_site(r->st, u->id, site)))
		return rc;
	return user_page(r, site ? web_printf(r, "%s now works at %s.",
	                                      u->name, site_name(ss, site))
	                         : web_printf(r, "%s now works at no site.",
	                                      u->name), NULL);
}

int h_admin_user_password(struct web_req *r)
{
	struct users *us;
	const attune_user_rec *u;
	const char *pw = web_field(r, "password");
	char hash[WEB_PWHASH_MAX];
	int rc;

	if ((rc = target_user(r, &us, &u)))
		return rc < 0 ? 0 : rc;
	if (not_self(r))
		return 0;
	if (strlen(pw) < WEB_PASSWORD_MIN) {
		r->status = 400;
		return user_page(r, NULL, "A password needs at least 10 "
		                 "characters.");
	}
	if (web_password_hash(pw, hash) != ATTUNE_OK)
		return ATTUNE_ENOMEM;
	if ((rc = attune_store_begin(r->st)) ||
	    (rc = attune_store_user_set_password(r->st, u->id, hash)) ||
	    (rc = attune_store_websession_delete_user(r->st, u->id, NULL)) ||
	    (rc = attune_store_commit(r->st)))
		return rc;
	return user_page(r, web_printf(r, "The password of %s was set; they "
	                               "were signed out everywhere.",
	                               u->name), NULL);
}

struct tokens {
	attune_id id[256];
	size_t n;
};

static int token_cb(void *ctx, const attune_token_rec *t)
{
	struct tokens *ts = ctx;

	if (t->revoked_at == 0 && ts->n < sizeof(ts->id) / sizeof(ts->id[0]))
		ts->id[ts->n++] = t->id;
	return 0;
}

int h_admin_user_disable(struct web_req *r)
{
	struct users *us;
	const attune_user_rec *u;
	struct tokens ts;
	size_t i;
	int rc;

	if ((rc = target_user(r, &us, &u)))
		return rc < 0 ? 0 : rc;
	if (not_self(r))
		return 0;
	ts.n = 0;
	if ((rc = attune_store_begin(r->st)) ||
	    (rc = attune_store_user_set_password(r->st, u->id, NULL)) ||
	    (rc = attune_store_websession_delete_user(r->st, u->id, NULL)) ||
	    (rc = attune_store_token_list(r->st, u->id, token_cb, &ts)))
		return rc;
	for (i = 0; i < ts.n; i++)
		if ((rc = attune_store_token_revoke(r->st, ts.id[i])))
			return rc;
	if ((rc = attune_store_commit(r->st)))
		return rc;
	return user_page(r, web_printf(r, "%s can no longer sign in: the "
	                               "password was cleared, %zu API "
	                               "token(s) revoked and every session "
	                               "ended.", u->name, ts.n), NULL);
}

/* ---- Supervision ---- */

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
		return users_page(r, "That supervision was recorded already.",
		                  NULL);
	if (rc == ATTUNE_ENOTFOUND || rc == ATTUNE_EINVAL) {
		r->status = 400;
		return users_page(r, NULL, "Choose a supervisor and a "
		                  "therapist of this clinic.");
	}
	if (rc)
		return rc;
	return users_page(r, "Supervision recorded.", NULL);
}

int h_admin_supervision_remove(struct web_req *r)
{
	int rc = attune_store_supervision_remove(
	        r->st, web_field_int(r, "supervisor", 0),
	        web_field_int(r, "therapist", 0));

	if (rc == ATTUNE_ENOTFOUND || rc == ATTUNE_EINVAL) {
		r->status = 404;
		return users_page(r, NULL, "That supervision is not recorded.");
	}
	if (rc)
		return rc;
	return users_page(r, "The supervision was ended.", NULL);
}

/* ---- Access to single clients (grants) ---- */

struct grant {
	attune_id user, client;
	const char *code;
};

struct grants {
	struct web_req *r;
	struct grant g[2048];
	size_t n;
	attune_id user;                /* the user being listed */
};

/* Only the code is kept: the admin sees no name and no data. */
static int grant_cb(void *ctx, const attune_client_rec *c)
{
	struct grants *gs = ctx;

	if (gs->n == sizeof(gs->g) / sizeof(gs->g[0]))
		return 0;
	gs->g[gs->n].user = gs->user;
	gs->g[gs->n].client = c->id;
	gs->g[gs->n].code = arena_strdup(&gs->r->ar, c->code);
	if (!gs->g[gs->n].code)
		return ATTUNE_ENOMEM;
	gs->n++;
	return 0;
}

/* The page; zCode (may be NULL) fills the code field again after an
 * error. */
static int grants_page(struct web_req *r, const char *zCode,
                       const char *zNotice, const char *zError)
{
	strbuf *b = &r->out;
	struct users *us;
	struct grants *gs = arena_alloc(&r->ar, sizeof(*gs));
	size_t i;
	int rc;

	if (!gs)
		return ATTUNE_ENOMEM;
	gs->r = r;
	gs->n = 0;
	if ((rc = users_load(r, &us)))
		return rc;
	for (i = 0; i < us->n; i++) {
		if (us->u[i].role == ATTUNE_ROLE_ADMIN)
			continue;
		gs->user = us->u[i].id;
		if ((rc = attune_store_grant_list(r->st, us->u[i].id,
		                                  grant_cb, gs)))
			return rc;
	}
	sb_reset(b);
	page_begin(r, "Access to single clients");
	page_notes(r, zNotice, zError);
	html_raw_trusted(b, "<p class=\"muted\">A therapist sees their own "
	                 "clients and a supervisor those of the therapists "
	                 "they supervise. Here you let a colleague read one "
	                 "more client (read-only), for example while covering "
	                 "a holiday, and take it back. Clients are named by "
	                 "their code only.</p>\n<h2>Give access</h2>\n"
	                 "<form class=\"inline-form\" method=\"post\" "
	                 "action=\"/admin/grants\">");
	form_csrf(r);
	html_raw_trusted(b, "<div><label for=\"user\">Colleague</label>"
	                 "<select id=\"user\" name=\"user\">");
	user_options(b, us, WEB_THERAPIST | WEB_SUPERVISOR);
	html_raw_trusted(b, "</select></div><div><label for=\"client\">Client "
	                 "code</label><input id=\"client\" name=\"client\" "
	                 "required autocapitalize=\"none\" "
	                 "spellcheck=\"false\" value=\"");
	html_attr(b, zCode ? zCode : "");
	html_raw_trusted(b, "\"></div><button type=\"submit\">Give access"
	                 "</button></form>\n<h2>Access given</h2>\n");
	if (gs->n == 0) {
		html_raw_trusted(b, "<p class=\"muted\">None.</p>\n");
		page_end(r);
		return 0;
	}
	html_raw_trusted(b, "<div class=\"table-wrap\"><table><thead><tr>"
	                 "<th scope=\"col\">Colleague</th><th scope=\"col\">"
	                 "Role</th><th scope=\"col\">Client</th>"
	                 "<th scope=\"col\">Withdraw</th></tr></thead>"
	                 "<tbody>\n");
	for (i = 0; i < gs->n; i++) {
		const attune_user_rec *u = users_find(us, gs->g[i].user);
		html_raw_trusted(b, "<tr><td>");
		html_text(b, u ? u->name : "");
		html_raw_trusted(b, "</td><td>");
		html_text(b, u ? role_word(u->role) : "");
		html_raw_trusted(b, "</td><td>");
		html_text(b, gs->g[i].code);
		html_raw_trusted(b, "</td><td><form method=\"post\" "
		                 "action=\"/admin/grants/remove\">");
		form_csrf(r);
		sb_printf(b, "<input type=\"hidden\" name=\"user\" "
		          "value=\"%lld\"><input type=\"hidden\" name=\"client\""
		          " value=\"%lld\">", (long long)gs->g[i].user,
		          (long long)gs->g[i].client);
		html_raw_trusted(b, "<button type=\"submit\" class=\"secondary\" "
		                 "aria-label=\"Withdraw ");
		html_attr(b, u ? u->name : "");
		html_raw_trusted(b, "'s access to ");
		html_attr(b, gs->g[i].code);
		html_raw_trusted(b, "\">Withdraw</button></form></td></tr>\n");
	}
	html_raw_trusted(b, "</tbody></table></div>\n");
	page_end(r);
	return 0;
}

int h_admin_grants(struct web_req *r)
{
	return grants_page(r, NULL, NULL, NULL);
}

struct found_client {
	attune_id id, therapist;
};

static int client_cb(void *ctx, const attune_client_rec *c)
{
	struct found_client *f = ctx;

	f->id = c->id;
	f->therapist = c->therapist_id;
	return 0;
}

int h_admin_grant_add(struct web_req *r)
{
	struct users *us;
	const attune_user_rec *u;
	const char *code = web_field(r, "client");
	struct found_client fc = {0, 0};
	int rc;

	if ((rc = users_load(r, &us)))
		return rc;
	u = users_find(us, web_field_int(r, "user", 0));
	if (!u || u->role == ATTUNE_ROLE_ADMIN) {
		r->status = 400;
		return grants_page(r, code, NULL, "Access can be given to a "
		                   "therapist or a supervisor of this clinic.");
	}
	if (!web_valid_ident(code, strlen(code))) {
		r->status = 400;
		return grants_page(r, code, NULL, "Enter the client's code as "
		                   "it is on the caseload (no spaces).");
	}
	rc = attune_store_client_find(r->st, r->srv->clinic_id, code,
	                              client_cb, &fc);
	if (rc == ATTUNE_ENOTFOUND) {
		r->status = 404;
		return grants_page(r, code, NULL,
		                   web_printf(r, "There is no client with the "
		                              "code %s.", code));
	}
	if (rc)
		return rc;
	if (fc.therapist == u->id) {
		r->status = 409;
		return grants_page(r, code, NULL,
		                   web_printf(r, "%s is the therapist of %s "
		                              "already.", u->name, code));
	}
	rc = attune_store_grant_add(r->st, u->id, fc.id);
	if (rc == ATTUNE_EEXIST)
		return grants_page(r, NULL,
		                   web_printf(r, "%s may read %s already.",
		                              u->name, code), NULL);
	if (rc)
		return rc;
	return grants_page(r, NULL, web_printf(r, "%s may now read client %s "
	                                 "(read-only).", u->name, code),
	                   NULL);
}

int h_admin_grant_remove(struct web_req *r)
{
	int rc = attune_store_grant_remove(r->st,
	                                   web_field_int(r, "user", 0),
	                                   web_field_int(r, "client", 0));

	if (rc == ATTUNE_ENOTFOUND || rc == ATTUNE_EINVAL) {
		r->status = 404;
		return grants_page(r, NULL, NULL, "That access is not "
		                   "recorded.");
	}
	if (rc)
		return rc;
	return grants_page(r, NULL, "The access was withdrawn.", NULL);
}
