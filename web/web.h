/* web.h - the web server's private parts: the server and request
 * handles, the route table, escaping writers, forms, authentication and
 * the pages. Only web/ includes this; the command line uses serve.h. */
#ifndef ATTUNE_WEB_WEB_H
#define ATTUNE_WEB_WEB_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include "attune/instrument.h"
#include "attune/store.h"
#include "attune/trajectory.h"
#include "util/arena.h"
#include "util/util_int.h"
#include "web/serve.h"
#include "web/web_limits.h"

/* ---- The server ---- */

struct rate_table;

struct web_server {
	const struct web_options *opt;
	char db_shown[1024];            /* opt->db, any password masked */
	const attune_catalog *cat;      /* read-only, shared by threads */
	attune_id clinic_id;            /* the first clinic of the database */
	char clinic_name[ATTUNE_ID_MAX + 1];
	/* Expected course of PHQ-9, fitted at start from the clinic's own
	 * finished and open courses (docs/analytics.md, section 4). */
	attune_traj_model model;
	int has_model;
	unsigned char key[32];          /* per-run key for derived tokens */
	struct rate_table *rate;        /* login failures */

	/* Client pages drawn, kept while the client's data stays the same
	 * (pagecache.h). */
	struct page_cache *pages;

	/* One store handle per worker thread, opened on first use. */
	pthread_mutex_t mu;
	attune_store *stores[WEB_THREADS + 4];
	size_t n_stores;
};

/* ---- Requests ---- */

/* A decoded name=value pair of a query string or form (arena memory). */
struct web_field {
	const char *name;
	const char *value;
	size_t len;                     /* of value (it may hold NULs: no) */
};

struct web_header {
	const char *name, *value;       /* static or arena */
};

enum { WEB_HEADERS_OUT_MAX = 8 };

/* The signed-in user of a request, copied into the arena. */
struct web_user {
	attune_id id;
	attune_role role;
	const char *name;
	const char *display;            /* display name, or the name */
};

struct web_req {
	struct web_server *srv;
	void *conn;                     /* struct MHD_Connection */
	arena ar;                       /* everything of this request */
	const char *method;             /* "GET", "POST", ... */
	int is_post;
	const char *uri;                /* raw request target */
	size_t uri_len;
	const char *path;               /* uri up to '?' (arena) */
	const char *query;              /* after '?', or "" */
	const char *ip;                 /* the peer's address */
	int is_api;                     /* /api/: bearer tokens, JSON */
	attune_store *st;               /* this thread's store */
	/* The clinic's instruments-in-use setting, read once per request
	 * (settings.c): 0 not read yet, 1 unset (all in use), 2 in
	 * set_instruments (arena). */
	int set_instruments_state;
	const char *set_instruments;

	/* Body (POST). */
	char *body;
	size_t body_len;
	uint64_t content_length;
	int refused;                    /* a status was decided before the
	                                   body was read (413, 415, ...) */

	/* Routing results. */
	const struct web_route *route;
	attune_id path_id;              /* {id} */
	attune_id path_sub;             /* {sub}: a second id */
	const char *path_token;         /* {token} */
	struct web_field *q;            /* query fields */
	size_t nq;
	struct web_field *f;            /* form fields */
	size_t nf;

	/* Authentication. */
	int signed_in;
	struct web_user user;
	char sid_hash[WEB_HASH_HEX + 1];
	char csrf[WEB_HASH_HEX + 1];    /* the session's CSRF secret */
	/* Where form_csrf() wrote the secret into out, in order (the page
	 * cache puts each viewer's own there); n_csrf_at counts past the
	 * array when there were more. */
	size_t csrf_at[8];
	size_t n_csrf_at;

	/* Response. */
	int status;
	const char *ctype;
	strbuf out;
	int no_store;                   /* Cache-Control: no-store */
	struct web_header hdr[WEB_HEADERS_OUT_MAX];
	size_t n_hdr;
};

/* Add a response header (name and value must outlive the request:
 * literals or arena). Silently ignores more than WEB_HEADERS_OUT_MAX. */
void web_header_add(struct web_req *r, const char *zName,
                    const char *zValue);

/* The value of a request cookie, or NULL (server.c). */
const char *web_cookie(struct web_req *r, const char *zName);
/* The Host header, or NULL. */
const char *web_host(struct web_req *r);
/* The Authorization header, or NULL. */
/* Does the request's Accept-Encoding take gzip (util/gzip.h)? */
int web_takes_gzip(struct web_req *r);
const char *web_authorization(struct web_req *r);

/* arena_printf: a formatted string in the request's arena (NULL when out
 * of memory). */
char *web_printf(struct web_req *r, const char *fmt, ...) ATTUNE_PRINTF(2, 3);

/* ---- Routes ---- */

/* Roles a route admits (bits). WEB_PUBLIC: no sign-in needed. */
enum {
	WEB_PUBLIC = 0,
	WEB_ADMIN = 1u << ATTUNE_ROLE_ADMIN,
	WEB_SUPERVISOR = 1u << ATTUNE_ROLE_SUPERVISOR,
	WEB_THERAPIST = 1u << ATTUNE_ROLE_THERAPIST,
	WEB_ANY_USER = WEB_ADMIN | WEB_SUPERVISOR | WEB_THERAPIST
};

/* How a POST proves it came from our own form. */
enum web_csrf {
	WEB_CSRF_NONE = 0,      /* GET and HEAD only */
	WEB_CSRF_SESSION,       /* the session's secret in field "csrf" */
	WEB_CSRF_LOGIN,         /* double submit: cookie attune_pre and
	                           field "csrf" (before there is a session) */
	WEB_CSRF_LINK           /* keyed hash of the link token in "csrf" */
};

/* A parameter a route accepts. A name ending in '*' is a prefix: every
 * field starting with it is checked with the validator (item answers
 * "a.phq9.1"). Anything not declared is refused with 400. */
struct web_param {
	const char *name;
	int (*valid)(const char *v, size_t n);
	int required;
};

struct web_route {
	const char *method;
	/* Literal segments and {id} (a positive integer), {sub} (a second
	 * positive integer, after {id}), {token} (43
	 * base64url characters) or {file} (a static asset name). */
	const char *pattern;
	unsigned roles;
	enum web_csrf csrf;
	const struct web_param *query;   /* NULL-name terminated, or NULL */
	const struct web_param *form;
	int (*handler)(struct web_req *r);
	const char *what;                /* one line, for docs and logs */
};

extern const struct web_route web_routes[];
extern const size_t web_n_routes;

/* Validators: 1 when v[0..n) is acceptable. */
int web_valid_id(const char *v, size_t n);        /* 1..999999999 */
int web_valid_id0(const char *v, size_t n);       /* the same, or empty */
int web_valid_ident(const char *v, size_t n);     /* store identifier */
int web_valid_text(const char *v, size_t n);      /* UTF-8, no controls */
int web_valid_text0(const char *v, size_t n);     /* the same, or empty */
int web_valid_secret(const char *v, size_t n);    /* any UTF-8, 1..max */
int web_valid_hex64(const char *v, size_t n);     /* CSRF tokens */
int web_valid_number(const char *v, size_t n);    /* answer, or empty */
int web_valid_role(const char *v, size_t n);
int web_valid_date(const char *v, size_t n);      /* YYYY-MM-DD */
int web_valid_by(const char *v, size_t n);        /* therapist | site */
int web_valid_date0(const char *v, size_t n);     /* the same, or empty */
/* A "YYYY-MM-DD" calendar date from 1970 on as unix seconds at 00:00
 * UTC; -1 when it is not one (2026-02-30). */
int64_t web_date_seconds(const char *z);
int web_valid_flag(const char *v, size_t n);      /* "1" */
int web_valid_uint(const char *v, size_t n);      /* 0..999999999999 */

/* The largest body (and form field value) the request's method and
 * path may send: WEB_BODY_MAX and WEB_FIELD_VALUE_MAX, except for the
 * few routes that take long text (a transcript). Called before the body
 * is read (r->uri and r->method set); scratches r->path_id. */
void web_body_limits(struct web_req *r, size_t *body_max,
                     size_t *field_max);
int web_valid_transcript(const char *v, size_t n);  /* UTF-8, lines */
int web_valid_tformat(const char *v, size_t n);     /* auto, text, ... */

/* Route the request: sets r->route and the path parameters and parses
 * the query string and form into fields, or sets a status (404, 405,
 * 400) with a page. 0 when routed. */
int web_route_request(struct web_req *r);
/* Check the parsed fields against the route's declared parameters
 * (after the CSRF check, so that a missing token is a 403). 0 when
 * fine, else a 400 page is set. */
int web_check_params(struct web_req *r);

/* The value of a declared field (query for GET, form for POST), or
 * NULL. */
const char *web_field(const struct web_req *r, const char *zName);
/* The same as an integer; def when absent. */
int64_t web_field_int(const struct web_req *r, const char *zName,
                      int64_t def);

/* ---- Forms (form.c) ---- */

/* Parse application/x-www-form-urlencoded text s[0..n) into fields in
 * the arena. Returns 0, or an HTTP status (400) with *why set to a
 * static reason: too many fields, a field too long, bad %-escape, not
 * UTF-8, a NUL byte. */
int web_form_parse(arena *ar, const char *s, size_t n,
                   struct web_field **out, size_t *n_out,
                   const char **why);
/* The same with values of up to value_max bytes (web_body_limits()). */
int web_form_parse_max(arena *ar, const char *s, size_t n, size_t value_max,
                       struct web_field **out, size_t *n_out,
                       const char **why);

/* ---- Output writers (html.c): escape by context ---- */

void html_text(strbuf *b, const char *s);   /* element content */
void html_attr(strbuf *b, const char *s);   /* inside "..." */
void url_part(strbuf *b, const char *s);    /* one path segment or
                                               query value */
void svg_text(strbuf *b, const char *s);    /* SVG <text>, <title> */
void json_str(strbuf *b, const char *s);    /* "..." with <>& escaped */
void html_num(strbuf *b, double v);         /* locale-free; NaN "–" */
/* One CSV cell (RFC 4180: quoted when it holds a comma, quote, CR or
 * LF). A cell starting with = + - @ TAB or CR gets a leading ' so that
 * a spreadsheet shows it as text instead of running it as a formula
 * (OWASP "CSV injection"). NULL writes an empty cell. */
void csv_cell(strbuf *b, const char *s);
/* Markup written as is. Only for string literals and output of the
 * writers above: grep for _raw_trusted when reviewing. */
void html_raw_trusted(strbuf *b, const char *s);

/* Page frame: doctype, head, header with the user and sign-out, main.
 * page_end closes it. */
void page_begin(struct web_req *r, const char *zTitle);
void page_end(struct web_req *r);
/* A complete small page with a heading and a paragraph, with status. */
int page_message(struct web_req *r, int status, const char *zTitle,
                 const char *zText);
/* A notice (role=status) and an error (role=alert) paragraph; NULL
 * writes nothing. */
void page_notes(struct web_req *r, const char *zNotice, const char *zError);
/* Unix seconds as "YYYY-MM-DD HH:MM" UTC in a <time> element; 0 writes
 * an en dash. */
void html_utc(strbuf *b, int64_t t);
/* The hidden CSRF field of the signed-in session. */
void form_csrf(struct web_req *r);
/* 303 See Other to a local path. */
int web_redirect(struct web_req *r, const char *zPath);

/* ---- Authentication (auth.c) ---- */

/* Read the session cookie and fill r->user (r->signed_in) when it
 * names a live session; expired ones are deleted. */
int auth_load_session(struct web_req *r);
/* The same for an API call: "Authorization: Bearer TOKEN" naming a
 * token that is not revoked. */
int auth_load_bearer(struct web_req *r);
/* The POST's CSRF proof, as the route demands. 1 when good. */
int auth_csrf_ok(struct web_req *r);
/* Derived form token for a check-in link (hex, 64). */
void auth_link_token(const struct web_server *srv, const char *zTokenHash,
                     char out[WEB_HASH_HEX + 1]);
/* 32 random bytes as 64 hex digits. */
void auth_random_hex(char out[WEB_HASH_HEX + 1]);

struct rate_table *rate_new(void);
void rate_free(struct rate_table *t);
/* Seconds to wait before another login attempt for this key ("ip:..."
 * or "user:...") once it has `limit` failures in the window; 0 when
 * allowed. */
long rate_blocked(struct rate_table *t, const char *zKey, int64_t now,
                  int limit);
void rate_fail(struct rate_table *t, const char *zKey, int64_t now);
void rate_clear(struct rate_table *t, const char *zKey);

/* Start a signed-in session for user_id in this response: a new token in
 * the attune_session cookie, its hash and a new CSRF secret in the store
 * (audited "auth.login") and in r (r->sid_hash, r->csrf). The actor must
 * be set. 0, or an attune_rc. */
int auth_session_start(struct web_req *r, attune_id user_id);
/* Does zPassword match user_id's password (argon2id)? *ok 1 or 0; a user
 * without a password never matches. 0, or an attune_rc. */
int auth_password_check(struct web_req *r, attune_id user_id,
                        const char *zPassword, int *ok);
/* Clear the session cookie in this response. */
void auth_cookie_clear(struct web_req *r);

/* ---- Handlers ---- */

int h_root(struct web_req *r);
int h_login_form(struct web_req *r);
int h_login(struct web_req *r);
int h_logout(struct web_req *r);
int h_static(struct web_req *r);
int h_caseload(struct web_req *r);
int h_client(struct web_req *r);
int h_link_new(struct web_req *r);
int h_progress_view(struct web_req *r);
int h_entry_form(struct web_req *r);
int h_entry(struct web_req *r);
/* mirror.c: session transcripts and the session mirror */
int h_transcript_form(struct web_req *r);
int h_transcript_add(struct web_req *r);
int h_transcript_view(struct web_req *r);
int h_transcript_delete(struct web_req *r);
/* The client page's list of transcripts (and, for the own therapist, a
 * link to add one). a: the user's access to the client. */
void transcripts_section(struct web_req *r, attune_access a,
                         attune_id client_id);
int h_client_add(struct web_req *r);            /* pages.c */
/* admin.c: users, roles, passwords, supervision, grants */
int h_admin_users(struct web_req *r);
int h_admin_user_add(struct web_req *r);
int h_admin_user(struct web_req *r);
int h_admin_user_role(struct web_req *r);
int h_admin_user_password(struct web_req *r);
int h_admin_user_site(struct web_req *r);
int h_admin_user_transfer(struct web_req *r);
int h_clinic(struct web_req *r);                 /* clinic.c */
int h_admin_user_disable(struct web_req *r);
int h_admin_supervision(struct web_req *r);
int h_admin_supervision_remove(struct web_req *r);
int h_admin_grants(struct web_req *r);
int h_admin_grant_add(struct web_req *r);
int h_admin_grant_remove(struct web_req *r);
/* settings.c */
int h_admin_settings(struct web_req *r);
int h_admin_settings_save(struct web_req *r);
/* audit.c */
int h_admin_audit(struct web_req *r);
int h_admin_audit_csv(struct web_req *r);
/* account.c */
int h_account(struct web_req *r);
int h_account_password(struct web_req *r);
int h_account_logout_all(struct web_req *r);
int h_checkin_form(struct web_req *r);
int h_checkin(struct web_req *r);
int h_api_clients(struct web_req *r);
int h_api_client(struct web_req *r);
int h_api_link_new(struct web_req *r);
int h_api_audit(struct web_req *r);

/* Create a check-in link for path_id from the fields use.ID, session
 * and days (client.c). 0 with *url (arena) and *days; -1 when a refusal
 * page is set; else an attune_rc. */
int link_create(struct web_req *r, const char **url, int64_t *days);
/* The user's access to path_id for reading (write 0) or changing
 * (write 1): 0 when allowed, -1 with a 404 or 403 page set, or an
 * attune_rc (client.c). */
int client_allowed(struct web_req *r, int write);
/* The same, also giving the viewer's access and the client's data
 * version (attune_store_client_access_version()). */
int client_allowed_version(struct web_req *r, int write, attune_access *out,
                           int64_t *version);

/* ---- Clinic settings (settings.c) ----
 * Read from the store on every call (one indexed lookup), so a change on
 * /admin/settings holds from the next request on, in every thread. A
 * setting that is unset or unreadable gives its default. */

/* Days a new check-in link is valid when the therapist does not say:
 * 1..WEB_LINK_DAYS_MAX, default WEB_LINK_DAYS. */
int web_setting_link_days(struct web_req *r);
/* 1 when a new client may see their own progress after a check-in
 * (default 0). */
int web_setting_sees_progress(struct web_req *r);
/* 1 when the clinic uses instrument zId (offered for links and paper
 * forms); every instrument is in use until the admin chooses. */
int web_setting_instrument_used(struct web_req *r, const char *zId);

/* Pages for the common refusals (kind words, no detail). */
int web_not_found(struct web_req *r);
int web_forbidden(struct web_req *r);
int web_bad_request(struct web_req *r, const char *zWhy);
int web_server_error(struct web_req *r, const char *zWhat);

/* Static assets compiled in (static.c). */
struct web_asset {
	const char *name, *ctype, *data;
	size_t len;
};
const struct web_asset *web_asset_find(const char *zName);

#endif
