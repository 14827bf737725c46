/* router.c - the route table and routing: every route declares its
 * method, path pattern, the roles it admits, how a POST proves it came
 * from our own form, and each parameter with its validator. A request
 * that matches no route gets 404 (405 for a known path with another
 * method); a parameter that is not declared, is repeated, is missing or
 * fails its validator gets 400. Deny by default (Kore's validators). */
#include <stdio.h>
#include <string.h>
#include "attune/limits.h"
#include "web/web.h"

/* ---- Validators ---- */

int web_valid_id(const char *v, size_t n)
{
	size_t i;

	if (n < 1 || n > 9 || v[0] == '0')
		return 0;
	for (i = 0; i < n; i++)
		if (v[i] < '0' || v[i] > '9')
			return 0;
	return 1;
}

/* The same, or empty: a form field left blank for its default. */
int web_valid_id0(const char *v, size_t n)
{
	return n == 0 || web_valid_id(v, n);
}

int web_valid_ident(const char *v, size_t n)
{
	size_t i;

	if (n < 1 || n > ATTUNE_ID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x21 || (unsigned char)v[i] > 0x7e)
			return 0;
	return 1;
}

int web_valid_text0(const char *v, size_t n)
{
	size_t i, bad;

	if (n > WEB_FIELD_VALUE_MAX || !utf8_valid(v, n, &bad))
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return 0;
	return 1;
}

/* A transcript: 1..WEB_TRANSCRIPT_MAX bytes of UTF-8 (line breaks and
 * tabs are its structure; the reader checks the rest). */
int web_valid_transcript(const char *v, size_t n)
{
	size_t bad;

	return n > 0 && n <= WEB_TRANSCRIPT_MAX && utf8_valid(v, n, &bad);
}

/* A transcript format as the form offers it. */
int web_valid_tformat(const char *v, size_t n)
{
	static const char *const names[] = {"auto", "text", "vtt", "srt",
	                                    "csv", "json"};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && memcmp(v, names[i], n) == 0)
			return 1;
	return 0;
}

int web_valid_text(const char *v, size_t n)
{
	return n > 0 && web_valid_text0(v, n);
}

int web_valid_secret(const char *v, size_t n)
{
	size_t bad;

	return n > 0 && n <= WEB_FIELD_VALUE_MAX && utf8_valid(v, n, &bad);
}

int web_valid_hex64(const char *v, size_t n)
{
	size_t i;

	if (n != WEB_HASH_HEX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((v[i] >= '0' && v[i] <= '9') ||
		      (v[i] >= 'a' && v[i] <= 'f')))
			return 0;
	return 1;
}

/* An answer: empty (not answered) or a decimal number, at most 24
 * characters; the instrument decides later whether it is allowed. */
int web_valid_number(const char *v, size_t n)
{
	double d;

	if (n == 0)
		return 1;
	return n <= 24 && parse_num(v, n, &d) == 0;
}

int web_valid_role(const char *v, size_t n)
{
	return (n == 5 && memcmp(v, "admin", 5) == 0) ||
	       (n == 10 && memcmp(v, "supervisor", 10) == 0) ||
	       (n == 9 && memcmp(v, "therapist", 9) == 0);
}

int web_valid_by(const char *v, size_t n)
{
	return (n == 9 && memcmp(v, "therapist", 9) == 0) ||
	       (n == 4 && memcmp(v, "site", 4) == 0);
}

int web_valid_date(const char *v, size_t n)
{
	size_t i;

	if (n != 10 || v[4] != '-' || v[7] != '-')
		return 0;
	for (i = 0; i < n; i++)
		if (i != 4 && i != 7 && (v[i] < '0' || v[i] > '9'))
			return 0;
	return 1;   /* the store checks it is a real calendar date */
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant,
 * "chrono-Compatible Low-Level Date Algorithms", days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int64_t web_date_seconds(const char *z)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	                            30, 31};
	int64_t y, m, d;

	if (!z || !web_valid_date(z, strlen(z)) || parse_i64(z, 4, &y) ||
	    parse_i64(z + 5, 2, &m) || parse_i64(z + 8, 2, &d) || y < 1970 ||
	    m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
	    (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 || y % 400 == 0))))
		return -1;
	return days_from_civil(y, m, d) * 86400;
}

int web_valid_date0(const char *v, size_t n)
{
	return n == 0 || web_valid_date(v, n);
}

int web_valid_uint(const char *v, size_t n)
{
	size_t i;

	if (n < 1 || n > 12 || (n > 1 && v[0] == '0'))
		return 0;
	for (i = 0; i < n; i++)
		if (v[i] < '0' || v[i] > '9')
			return 0;
	return 1;
}

int web_valid_flag(const char *v, size_t n)
{
	return n == 1 && v[0] == '1';
}

/* ---- The routes ---- */

static const struct web_param p_csrf_only[] = {
	{"csrf", web_valid_hex64, 1},
	{NULL, NULL, 0}
};
static const struct web_param p_login[] = {
	{"username", web_valid_ident, 1},
	{"password", web_valid_secret, 1},
	{"csrf", web_valid_hex64, 1},
	{NULL, NULL, 0}
};
static const struct web_param p_link[] = {
	{"csrf", web_valid_hex64, 1},
	{"session", web_valid_id0, 0},       /* absent or empty: the next */
	{"days", web_valid_id0, 0},          /* absent or empty: WEB_LINK_DAYS */
	{"use.*", web_valid_flag, 0},        /* use.phq9=1, ... */
	{NULL, NULL, 0}
};
static const struct web_param p_progress[] = {
	{"csrf", web_valid_hex64, 1},
	{"allow", web_valid_flag, 0},
	{NULL, NULL, 0}
};
static const struct web_param q_entry[] = {
	{"instrument", web_valid_ident, 1},
	{NULL, NULL, 0}
};
static const struct web_param p_entry[] = {
	{"csrf", web_valid_hex64, 1},
	{"instrument", web_valid_ident, 1},
	{"session", web_valid_id, 1},
	{"date", web_valid_date, 1},
	{"a.*", web_valid_number, 0},        /* a.<item index> */
	{NULL, NULL, 0}
};
static const struct web_param p_user_add[] = {
	{"csrf", web_valid_hex64, 1},
	{"name", web_valid_ident, 1},
	{"display_name", web_valid_text0, 0},
	{"role", web_valid_role, 1},
	{"password", web_valid_secret, 1},
	{NULL, NULL, 0}
};
static const struct web_param p_supervision[] = {
	{"csrf", web_valid_hex64, 1},
	{"supervisor", web_valid_id, 1},
	{"therapist", web_valid_id, 1},
	{NULL, NULL, 0}
};
static const struct web_param p_client_add[] = {
	{"csrf", web_valid_hex64, 1},
	{"code", web_valid_text0, 1},        /* checked by the handler, */
	{"display_name", web_valid_text0, 0},/* with a message in words */
	{"started", web_valid_date0, 0},     /* empty: today */
	{NULL, NULL, 0}
};
static const struct web_param p_role[] = {
	{"csrf", web_valid_hex64, 1},
	{"role", web_valid_role, 1},
	{NULL, NULL, 0}
};
static const struct web_param p_transfer[] = {
	{"csrf", web_valid_hex64, 1},
	{"to", web_valid_id, 1},             /* the therapist taking over */
	{NULL, NULL, 0}
};
static const struct web_param p_site[] = {
	{"csrf", web_valid_hex64, 1},
	{"site", web_valid_id0, 1},          /* "" for no site */
	{NULL, NULL, 0}
};
static const struct web_param q_clinic[] = {
	{"by", web_valid_by, 0},             /* therapist (default) | site */
	{NULL, NULL, 0}
};
static const struct web_param p_password_set[] = {
	{"csrf", web_valid_hex64, 1},
	{"password", web_valid_secret, 1},
	{NULL, NULL, 0}
};
static const struct web_param p_grant_add[] = {
	{"csrf", web_valid_hex64, 1},
	{"user", web_valid_id, 1},
	{"client", web_valid_text0, 1},      /* a client code */
	{NULL, NULL, 0}
};
static const struct web_param p_grant_remove[] = {
	{"csrf", web_valid_hex64, 1},
	{"user", web_valid_id, 1},
	{"client", web_valid_id, 1},
	{NULL, NULL, 0}
};
static const struct web_param p_settings[] = {
	{"csrf", web_valid_hex64, 1},
	{"link_days", web_valid_text0, 1},   /* 1..30, said in words */
	{"sees_progress", web_valid_flag, 0},
	{"use.*", web_valid_flag, 0},        /* use.phq9=1, ... */
	{NULL, NULL, 0}
};
/* The audit log's filters: a form left partly empty sends "" for the
 * rest, so every one may be empty. */
static const struct web_param q_audit_page[] = {
	{"since", web_valid_date0, 0},
	{"until", web_valid_date0, 0},
	{"user", web_valid_text0, 0},
	{"client", web_valid_text0, 0},
	{"action", web_valid_text0, 0},
	{"page", web_valid_id0, 0},
	{NULL, NULL, 0}
};
static const struct web_param q_audit_csv[] = {
	{"since", web_valid_date0, 0},
	{"until", web_valid_date0, 0},
	{"user", web_valid_text0, 0},
	{"client", web_valid_text0, 0},
	{"action", web_valid_text0, 0},
	{NULL, NULL, 0}
};
static const struct web_param p_own_password[] = {
	{"csrf", web_valid_hex64, 1},
	{"current", web_valid_secret, 1},
	{"password", web_valid_secret, 1},
	{"password2", web_valid_secret, 1},
	{NULL, NULL, 0}
};
static const struct web_param p_api_link[] = {
	{"session", web_valid_id, 0},
	{"days", web_valid_id, 0},
	{"use.*", web_valid_flag, 0},
	{NULL, NULL, 0}
};
static const struct web_param q_audit[] = {
	{"since", web_valid_uint, 0},        /* unix seconds */
	{"limit", web_valid_id, 0},          /* at most 1000 */
	{NULL, NULL, 0}
};
static const struct web_param p_api_checkin[] = {
	{"a.*", web_valid_number, 0},
	{NULL, NULL, 0}
};
static const struct web_param p_checkin[] = {
	{"csrf", web_valid_hex64, 1},
	{"a.*", web_valid_number, 0},        /* a.<instrument>.<index> */
	{NULL, NULL, 0}
};

static const struct web_param p_transcript[] = {
	{"csrf", web_valid_hex64, 1},
	{"session", web_valid_text0, 1},     /* 1.., said in words */
	{"date", web_valid_date0, 0},        /* a new session's; "" today */
	{"format", web_valid_tformat, 1},
	{"text", web_valid_transcript, 1},
	{NULL, NULL, 0}
};
static const struct web_param p_transcript_delete[] = {
	{"csrf", web_valid_hex64, 1},
	{"confirm", web_valid_flag, 0},      /* absent: ask first */
	{NULL, NULL, 0}
};

#define CLINICIAN (WEB_THERAPIST | WEB_SUPERVISOR)

const struct web_route web_routes[] = {
	{"GET", "/", WEB_PUBLIC, WEB_CSRF_NONE, NULL, NULL, h_root,
	 "the start: sign-in, caseload or users by role"},
	{"GET", "/login", WEB_PUBLIC, WEB_CSRF_NONE, NULL, NULL,
	 h_login_form, "the sign-in form"},
	{"POST", "/login", WEB_PUBLIC, WEB_CSRF_LOGIN, NULL, p_login,
	 h_login, "sign in"},
	{"POST", "/logout", WEB_ANY_USER, WEB_CSRF_SESSION, NULL,
	 p_csrf_only, h_logout, "sign out"},
	{"GET", "/static/{file}", WEB_PUBLIC, WEB_CSRF_NONE, NULL, NULL,
	 h_static, "the style sheet and script"},
	{"GET", "/caseload", CLINICIAN, WEB_CSRF_NONE, NULL, NULL,
	 h_caseload, "clients with their status and its reason"},
	{"POST", "/clients", WEB_THERAPIST, WEB_CSRF_SESSION, NULL,
	 p_client_add, h_client_add, "add a client to one's own caseload"},
	{"GET", "/clients/{id}", CLINICIAN, WEB_CSRF_NONE, NULL, NULL,
	 h_client, "a client's measures, charts and links"},
	{"POST", "/clients/{id}/links", WEB_THERAPIST, WEB_CSRF_SESSION,
	 NULL, p_link, h_link_new, "create a check-in link"},
	{"POST", "/clients/{id}/progress-view", WEB_THERAPIST,
	 WEB_CSRF_SESSION, NULL, p_progress, h_progress_view,
	 "allow or stop the client seeing their own progress"},
	{"GET", "/clients/{id}/entry", WEB_THERAPIST, WEB_CSRF_NONE, q_entry,
	 NULL, h_entry_form, "the form for a paper questionnaire"},
	{"POST", "/clients/{id}/entry", WEB_THERAPIST, WEB_CSRF_SESSION, NULL,
	 p_entry, h_entry, "record a paper questionnaire"},
	{"GET", "/clients/{id}/transcripts/new", WEB_THERAPIST, WEB_CSRF_NONE,
	 NULL, NULL, h_transcript_form,
	 "the form to paste or upload a session transcript"},
	{"POST", "/clients/{id}/transcripts", WEB_THERAPIST, WEB_CSRF_SESSION,
	 NULL, p_transcript, h_transcript_add,
	 "store a session transcript (after it parses)"},
	{"GET", "/clients/{id}/transcripts/{sub}", CLINICIAN, WEB_CSRF_NONE,
	 NULL, NULL, h_transcript_view,
	 "the session mirror: timeline and summary of a transcript"},
	{"POST", "/clients/{id}/transcripts/{sub}/delete", WEB_THERAPIST,
	 WEB_CSRF_SESSION, NULL, p_transcript_delete, h_transcript_delete,
	 "delete a session transcript (confirm=1; without it, asks)"},
	{"GET", "/admin/users", WEB_ADMIN, WEB_CSRF_NONE, NULL, NULL,
	 h_admin_users, "users, roles and supervision"},
	{"POST", "/admin/users", WEB_ADMIN, WEB_CSRF_SESSION, NULL,
	 p_user_add, h_admin_user_add, "add a user"},
	{"GET", "/admin/users/{id}", WEB_ADMIN, WEB_CSRF_NONE, NULL, NULL,
	 h_admin_user, "one user: role, password, sign-in"},
	{"POST", "/admin/users/{id}/role", WEB_ADMIN, WEB_CSRF_SESSION, NULL,
	 p_role, h_admin_user_role, "change a user's role"},
	{"POST", "/admin/users/{id}/site", WEB_ADMIN, WEB_CSRF_SESSION, NULL,
	 p_site, h_admin_user_site, "put a user at a site, or at none"},
	{"POST", "/admin/users/{id}/transfer", WEB_ADMIN, WEB_CSRF_SESSION,
	 NULL, p_transfer, h_admin_user_transfer,
	 "move all of a therapist's clients to another therapist"},
	{"GET", "/clinic", WEB_ADMIN | WEB_SUPERVISOR, WEB_CSRF_NONE, q_clinic,
	 NULL, h_clinic, "the clinic overview per therapist or site "
	 "(aggregates)"},
	{"POST", "/admin/users/{id}/password", WEB_ADMIN, WEB_CSRF_SESSION,
	 NULL, p_password_set, h_admin_user_password,
	 "set a new password for a user (signs them out everywhere)"},
	{"POST", "/admin/users/{id}/disable", WEB_ADMIN, WEB_CSRF_SESSION,
	 NULL, p_csrf_only, h_admin_user_disable,
	 "stop a user signing in (password cleared, sessions and tokens "
	 "ended)"},
	{"POST", "/admin/supervision", WEB_ADMIN, WEB_CSRF_SESSION, NULL,
	 p_supervision, h_admin_supervision, "record who supervises whom"},
	{"POST", "/admin/supervision/remove", WEB_ADMIN, WEB_CSRF_SESSION,
	 NULL, p_supervision, h_admin_supervision_remove,
	 "end a supervision"},
	{"GET", "/admin/grants", WEB_ADMIN, WEB_CSRF_NONE, NULL, NULL,
	 h_admin_grants, "who may read which colleague's client"},
	{"POST", "/admin/grants", WEB_ADMIN, WEB_CSRF_SESSION, NULL,
	 p_grant_add, h_admin_grant_add, "give access to a client by code"},
	{"POST", "/admin/grants/remove", WEB_ADMIN, WEB_CSRF_SESSION, NULL,
	 p_grant_remove, h_admin_grant_remove, "withdraw access to a client"},
	{"GET", "/admin/settings", WEB_ADMIN, WEB_CSRF_NONE, NULL, NULL,
	 h_admin_settings, "clinic settings"},
	{"POST", "/admin/settings", WEB_ADMIN, WEB_CSRF_SESSION, NULL,
	 p_settings, h_admin_settings_save, "save the clinic settings"},
	{"GET", "/admin/audit", WEB_ADMIN, WEB_CSRF_NONE, q_audit_page, NULL,
	 h_admin_audit, "the audit log, filtered, newest first"},
	{"GET", "/admin/audit.csv", WEB_ADMIN, WEB_CSRF_NONE, q_audit_csv,
	 NULL, h_admin_audit_csv, "the audit log as a CSV file"},
	{"GET", "/account", WEB_ANY_USER, WEB_CSRF_NONE, NULL, NULL,
	 h_account, "one's own account"},
	{"POST", "/account/password", WEB_ANY_USER, WEB_CSRF_SESSION, NULL,
	 p_own_password, h_account_password, "change one's own password"},
	{"POST", "/account/logout-all", WEB_ANY_USER, WEB_CSRF_SESSION, NULL,
	 p_csrf_only, h_account_logout_all, "sign out everywhere"},
	{"GET", "/c/{token}", WEB_PUBLIC, WEB_CSRF_NONE, NULL, NULL,
	 h_checkin_form, "a client's check-in (no account)"},
	{"POST", "/c/{token}", WEB_PUBLIC, WEB_CSRF_LINK, NULL, p_checkin,
	 h_checkin, "submit a check-in"},

	/* The JSON API (docs/api.md): bearer tokens instead of cookies, so
	 * no CSRF token; only /api/ routes may be POST without one. */
	{"GET", "/api/v1/clients", CLINICIAN, WEB_CSRF_NONE, NULL, NULL,
	 h_api_clients, "the caller's caseload with statuses"},
	{"GET", "/api/v1/clients/{id}", CLINICIAN, WEB_CSRF_NONE, NULL, NULL,
	 h_api_client, "a client's scores, status and ruptures"},
	{"POST", "/api/v1/clients/{id}/links", WEB_THERAPIST, WEB_CSRF_NONE,
	 NULL, p_api_link, h_api_link_new, "create a check-in link"},
	{"GET", "/api/v1/audit", WEB_ADMIN, WEB_CSRF_NONE, q_audit, NULL,
	 h_api_audit, "the audit log, newest first"},
	{"POST", "/api/v1/checkins/{token}", WEB_PUBLIC, WEB_CSRF_NONE, NULL,
	 p_api_checkin, h_checkin, "submit a check-in"},
};
const size_t web_n_routes = sizeof(web_routes) / sizeof(web_routes[0]);

/* ---- Matching ---- */

static int is_b64url(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static int is_file_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
	       c == '-';
}

/* Does path match pattern? Captures {id}, {sub} and {token}. */
static int match(struct web_req *r, const char *pat, const char *path)
{
	const char *p = pat, *s = path;
	attune_id id = 0, sub = 0;
	const char *tok = NULL;

	while (*p) {
		if (*p == '{') {
			const char *end = strchr(p, '}');
			size_t n = 0, k;
			while (s[n] && s[n] != '/')
				n++;
			if (!end || n == 0)
				return 0;
			if (strncmp(p, "{sub}", 5) == 0) {
				int64_t v;
				if (!web_valid_id(s, n) ||
				    parse_i64(s, n, &v) != 0)
					return 0;
				sub = v;
			} else if (strncmp(p, "{id}", 4) == 0) {
				int64_t v;
				if (!web_valid_id(s, n) ||
				    parse_i64(s, n, &v) != 0)
					return 0;
				id = v;
			} else if (strncmp(p, "{token}", 7) == 0) {
				if (n != WEB_TOKEN_LEN)
					return 0;
				for (k = 0; k < n; k++)
					if (!is_b64url(s[k]))
						return 0;
				tok = s;
			} else {           /* {file} */
				if (n > 64)
					return 0;
				for (k = 0; k < n; k++)
					if (!is_file_char(s[k]))
						return 0;
				tok = s;
			}
			p = end + 1;
			s += n;
			continue;
		}
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	if (*s)
		return 0;
	r->path_id = id;
	r->path_sub = sub;
	r->path_token = tok ? arena_strndup(&r->ar, tok, strlen(tok)) : NULL;
	return 1;
}

static const struct web_param *find_param(const struct web_param *ps,
                                          const char *zName)
{
	size_t n;

	for (; ps && ps->name; ps++) {
		n = strlen(ps->name);
		if (n && ps->name[n - 1] == '*') {
			if (strncmp(zName, ps->name, n - 1) == 0 &&
			    zName[n - 1] != '\0')
				return ps;
		} else if (strcmp(zName, ps->name) == 0) {
			return ps;
		}
	}
	return NULL;
}

/* Check fields against the declared parameters: each declared, valid,
 * not repeated; required ones present. NULL when fine, else why. */
static const char *check_fields(const struct web_param *ps,
                                const struct web_field *f, size_t n)
{
	const struct web_param *p;
	size_t i, j;

	for (i = 0; i < n; i++) {
		p = find_param(ps, f[i].name);
		if (!p)
			return "the request has a field this page does not "
			       "take";
		if (!p->valid(f[i].value, f[i].len))
			return "a field has a value this page does not accept";
		for (j = 0; j < i; j++)
			if (strcmp(f[i].name, f[j].name) == 0)
				return "a field is repeated";
	}
	for (p = ps; p && p->name; p++) {
		if (!p->required)
			continue;
		for (i = 0; i < n; i++)
			if (strcmp(f[i].name, p->name) == 0)
				break;
		if (i == n)
			return "a required field is missing";
	}
	return NULL;
}

/* Routes that take more than a small form: POST only. */
static const struct {
	const char *pattern;
	size_t body_max, field_max;
} big_bodies[] = {
	{"/clients/{id}/transcripts", WEB_TRANSCRIPT_BODY_MAX,
	 WEB_TRANSCRIPT_MAX},
};

void web_body_limits(struct web_req *r, size_t *body_max,
                     size_t *field_max)
{
	size_t i, q;
	char path[WEB_URL_MAX + 1];
	attune_id keep_id = r->path_id, keep_sub = r->path_sub;
	const char *keep_tok = r->path_token;

	*body_max = WEB_BODY_MAX;
	*field_max = WEB_FIELD_VALUE_MAX;
	if (!r->is_post || !r->uri)
		return;
	q = strcspn(r->uri, "?");
	if (q > WEB_URL_MAX)
		return;
	memcpy(path, r->uri, q);
	path[q] = '\0';
	for (i = 0; i < sizeof(big_bodies) / sizeof(big_bodies[0]); i++)
		if (match(r, big_bodies[i].pattern, path)) {
			*body_max = big_bodies[i].body_max;
			*field_max = big_bodies[i].field_max;
			break;
		}
	r->path_id = keep_id;
	r->path_sub = keep_sub;
	r->path_token = keep_tok;
}

int web_route_request(struct web_req *r)
{
	const char *method = r->method, *why;
	char allow[64] = "";
	size_t i, alen = 0;
	int path_known = 0, rc;

	if (strcmp(method, "HEAD") == 0)
		method = "GET";
	for (i = 0; i < web_n_routes; i++) {
		if (!match(r, web_routes[i].pattern, r->path))
			continue;
		path_known = 1;
		if (strcmp(web_routes[i].method, method) == 0) {
			r->route = &web_routes[i];
			break;
		}
		alen += (size_t)snprintf(allow + alen, sizeof(allow) - alen,
		                         "%s%s", alen ? ", " : "",
		                         web_routes[i].method);
		if (alen >= sizeof(allow))
			alen = sizeof(allow) - 1;
	}
	if (!r->route) {
		if (!path_known)
			return web_not_found(r), -1;
		if (strstr(allow, "GET"))
			snprintf(allow + alen, sizeof(allow) - alen, ", HEAD");
		web_header_add(r, "Allow", arena_strdup(&r->ar, allow));
		page_message(r, 405, "Not here",
		             "This page cannot be used that way.");
		return -1;
	}
	/* The query string: parsed and checked like a form. */
	rc = web_form_parse(&r->ar, r->query, strlen(r->query), &r->q, &r->nq,
	                    &why);
	if (rc)
		return web_bad_request(r, why), -1;
	if (r->is_post) {
		size_t body_max, field_max;
		web_body_limits(r, &body_max, &field_max);
		rc = web_form_parse_max(&r->ar, r->body ? r->body : "",
		                        r->body_len, field_max, &r->f, &r->nf,
		                        &why);
		if (rc)
			return web_bad_request(r, why), -1;
	} else if (r->body_len) {
		return web_bad_request(r, "this page takes no request "
		                       "body"), -1;
	}
	return 0;
}

int web_check_params(struct web_req *r)
{
	const char *why;

	if ((why = check_fields(r->route->query, r->q, r->nq)) ||
	    (r->is_post && (why = check_fields(r->route->form, r->f, r->nf))))
		return web_bad_request(r, why), -1;
	return 0;
}

const char *web_field(const struct web_req *r, const char *zName)
{
	const struct web_field *f = r->is_post ? r->f : r->q;
	size_t n = r->is_post ? r->nf : r->nq, i;

	for (i = 0; i < n; i++)
		if (strcmp(f[i].name, zName) == 0)
			return f[i].value;
	return NULL;
}

int64_t web_field_int(const struct web_req *r, const char *zName,
                      int64_t def)
{
	const char *v = web_field(r, zName);
	int64_t x;

	if (!v || parse_i64(v, strlen(v), &x) != 0)
		return def;
	return x;
}
