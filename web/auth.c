/* auth.c - passwords (argon2id), secret tokens and their hashes, sign-in
 * sessions in cookies, CSRF proofs, login rate limiting, and the sign-in
 * and sign-out pages. Secrets are compared in constant time
 * (sodium_memcmp); the store only ever sees hashes of tokens. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include "web/web.h"

/* ---- libsodium ---- */

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_ok;

static void sodium_start(void)
{
	sodium_ok = sodium_init() >= 0;
}

int web_crypto_init(void)
{
	pthread_once(&sodium_once, sodium_start);
	return sodium_ok ? 0 : -1;
}

int web_password_hash(const char *zPassword, char out[WEB_PWHASH_MAX])
{
	size_t n = zPassword ? strlen(zPassword) : 0;

	_Static_assert(crypto_pwhash_STRBYTES <= WEB_PWHASH_MAX,
	               "argon2id strings fit");
	if (n == 0 || n > WEB_FIELD_VALUE_MAX)
		return ATTUNE_EINVAL;
	if (web_crypto_init())
		return ATTUNE_EINTERNAL;
	if (crypto_pwhash_str(out, zPassword, n,
	                      crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return ATTUNE_ENOMEM;
	return ATTUNE_OK;
}

void web_token_hash(const char *zToken, size_t n,
                    char hash[WEB_HASH_HEX + 1])
{
	unsigned char h[32];

	crypto_generichash(h, sizeof(h), (const unsigned char *)zToken, n,
	                   NULL, 0);
	sodium_bin2hex(hash, WEB_HASH_HEX + 1, h, sizeof(h));
	sodium_memzero(h, sizeof(h));
}

int web_token_new(char out[WEB_TOKEN_LEN + 1], char hash[WEB_HASH_HEX + 1])
{
	unsigned char raw[32];

	if (web_crypto_init())
		return ATTUNE_EINTERNAL;
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, WEB_TOKEN_LEN + 1, raw, sizeof(raw),
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	web_token_hash(out, WEB_TOKEN_LEN, hash);
	return ATTUNE_OK;
}

void web_password_generate(char out[17])
{
	unsigned char raw[12];

	web_crypto_init();
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, 17, raw, sizeof(raw),
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

void auth_random_hex(char out[WEB_HASH_HEX + 1])
{
	unsigned char raw[32];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(out, WEB_HASH_HEX + 1, raw, sizeof(raw));
}

void auth_link_token(const struct web_server *srv, const char *zTokenHash,
                     char out[WEB_HASH_HEX + 1])
{
	unsigned char h[32];
	crypto_generichash_state s;

	crypto_generichash_init(&s, srv->key, sizeof(srv->key), sizeof(h));
	crypto_generichash_update(&s, (const unsigned char *)"checkin:", 8);
	crypto_generichash_update(&s, (const unsigned char *)zTokenHash,
	                          strlen(zTokenHash));
	crypto_generichash_final(&s, h, sizeof(h));
	sodium_bin2hex(out, WEB_HASH_HEX + 1, h, sizeof(h));
}

/* Equal in constant time (for strings of the same length). */
static int same_secret(const char *a, const char *b)
{
	size_t n = strlen(a);

	return n == strlen(b) && n > 0 && sodium_memcmp(a, b, n) == 0;
}

/* ---- Login rate limiting ---- */

struct rate_slot {
	uint64_t key;             /* 0: free */
	int64_t start, used;      /* window start, last use */
	int fails;
};

struct rate_table {
	pthread_mutex_t mu;
	struct rate_slot slot[WEB_RATE_SLOTS];
};

/* Probes per key: a bounded search, then the least recently used of the
 * probed slots is taken over. */
#define RATE_PROBES 8

struct rate_table *rate_new(void)
{
	struct rate_table *t = calloc(1, sizeof(*t));

	if (t && pthread_mutex_init(&t->mu, NULL) != 0) {
		free(t);
		t = NULL;
	}
	return t;
}

void rate_free(struct rate_table *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->mu);
	free(t);
}

static uint64_t rate_key(const char *z)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *z; z++) {
		h ^= (unsigned char)*z;
		h *= 1099511628211ULL;
	}
	return h ? h : 1;
}

/* The slot of key; with make, taken over when missing. Locked. */
static struct rate_slot *rate_slot(struct rate_table *t, uint64_t key,
                                   int make)
{
	struct rate_slot *s, *old = NULL;
	size_t i, k;

	for (k = 0; k < RATE_PROBES; k++) {
		i = (size_t)((key + k) % WEB_RATE_SLOTS);
		s = &t->slot[i];
		if (s->key == key)
			return s;
		if (!old || s->key == 0 || (old->key && s->used < old->used))
			old = s;
	}
	if (!make)
		return NULL;
	memset(old, 0, sizeof(*old));
	old->key = key;
	return old;
}

long rate_blocked(struct rate_table *t, const char *zKey, int64_t now,
                  int limit)
{
	struct rate_slot *s;
	long wait = 0;

	pthread_mutex_lock(&t->mu);
	s = rate_slot(t, rate_key(zKey), 0);
	if (s && s->fails >= limit &&
	    now - s->start < WEB_LOGIN_WINDOW)
		wait = (long)(WEB_LOGIN_WINDOW - (now - s->start));
	pthread_mutex_unlock(&t->mu);
	return wait;
}

void rate_fail(struct rate_table *t, const char *zKey, int64_t now)
{
	struct rate_slot *s;

	pthread_mutex_lock(&t->mu);
	s = rate_slot(t, rate_key(zKey), 1);
	if (now - s->start >= WEB_LOGIN_WINDOW) {
		s->start = now;
		s->fails = 0;
	}
	s->fails++;
	s->used = now;
	pthread_mutex_unlock(&t->mu);
}

void rate_clear(struct rate_table *t, const char *zKey)
{
	struct rate_slot *s;

	pthread_mutex_lock(&t->mu);
	s = rate_slot(t, rate_key(zKey), 0);
	if (s)
		memset(s, 0, sizeof(*s));
	pthread_mutex_unlock(&t->mu);
}

/* ---- Sessions ---- */

struct ws_found {
	attune_websession_rec rec;
	char csrf[WEB_HASH_HEX + 1];
};

static int ws_cb(void *ctx, const attune_websession_rec *s)
{
	struct ws_found *w = ctx;

	w->rec = *s;
	w->rec.id_hash = w->rec.csrf = w->rec.origin = NULL;
	snprintf(w->csrf, sizeof(w->csrf), "%s", s->csrf);
	return 0;
}

static int user_cb(void *ctx, const attune_user_rec *u)
{
	struct web_req *r = ctx;

	r->user.id = u->id;
	r->user.role = u->role;
	r->user.name = arena_strdup(&r->ar, u->name);
	r->user.display = arena_strdup(&r->ar, u->display_name
	                               ? u->display_name : u->name);
	if (!r->user.name || !r->user.display)
		return ATTUNE_ENOMEM;
	return 0;
}

static int valid_token(const char *z)
{
	size_t i;

	if (!z || strlen(z) != WEB_TOKEN_LEN)
		return 0;
	for (i = 0; i < WEB_TOKEN_LEN; i++)
		if (!((z[i] >= 'a' && z[i] <= 'z') ||
		      (z[i] >= 'A' && z[i] <= 'Z') ||
		      (z[i] >= '0' && z[i] <= '9') || z[i] == '-' ||
		      z[i] == '_'))
			return 0;
	return 1;
}

int auth_load_session(struct web_req *r)
{
	const char *tok = web_cookie(r, "attune_session");
	struct ws_found w;
	int64_t now = (int64_t)time(NULL);
	int rc;

	if (!valid_token(tok))
		return 0;
	web_token_hash(tok, WEB_TOKEN_LEN, r->sid_hash);
	rc = attune_store_websession_find(r->st, r->sid_hash, ws_cb, &w);
	if (rc == ATTUNE_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	if (now >= w.rec.expires_at ||
	    now - w.rec.last_seen > WEB_SESSION_IDLE) {
		/* Expired: this one and any others like it go. */
		attune_store_websession_purge(r->st, now,
		                              now - WEB_SESSION_IDLE, NULL);
		return 0;
	}
	if ((rc = attune_store_user_get(r->st, w.rec.user_id, user_cb, r)))
		return rc == ATTUNE_ENOTFOUND ? 0 : rc;
	if (now - w.rec.last_seen >= WEB_SESSION_TOUCH)
		attune_store_websession_touch(r->st, r->sid_hash, now);
	memcpy(r->csrf, w.csrf, sizeof(r->csrf));
	r->signed_in = 1;
	return 0;
}

struct tok_found {
	attune_id id, user_id;
	int64_t last_used;
	int revoked;
};

static int tok_cb(void *ctx, const attune_token_rec *t)
{
	struct tok_found *f = ctx;

	f->id = t->id;
	f->user_id = t->user_id;
	f->last_used = t->last_used;
	f->revoked = t->revoked_at != 0;
	return 0;
}

int auth_load_bearer(struct web_req *r)
{
	const char *h = web_authorization(r);
	char hash[WEB_HASH_HEX + 1];
	struct tok_found f;
	int64_t now = (int64_t)time(NULL);
	int rc;

	if (!h || strncmp(h, "Bearer ", 7) != 0 || !valid_token(h + 7))
		return 0;
	web_token_hash(h + 7, WEB_TOKEN_LEN, hash);
	memset(&f, 0, sizeof(f));
	rc = attune_store_token_find(r->st, hash, tok_cb, &f);
	if (rc == ATTUNE_ENOTFOUND || (rc == ATTUNE_OK && f.revoked))
		return 0;
	if (rc)
		return rc;
	if ((rc = attune_store_user_get(r->st, f.user_id, user_cb, r)))
		return rc == ATTUNE_ENOTFOUND ? 0 : rc;
	if (now - f.last_used >= WEB_SESSION_TOUCH)
		attune_store_token_touch(r->st, f.id, now);
	r->signed_in = 1;
	return 0;
}

int auth_csrf_ok(struct web_req *r)
{
	const char *given = web_field(r, "csrf");
	char want[WEB_HASH_HEX + 1];

	/* API calls carry a bearer token, never a cookie: nothing for a
	 * forged cross-site request to ride on. */
	if (r->route->csrf == WEB_CSRF_NONE)
		return r->is_api;
	if (!given)
		return 0;
	switch (r->route->csrf) {
	case WEB_CSRF_NONE:
		return 1;
	case WEB_CSRF_SESSION:
		return r->signed_in && same_secret(given, r->csrf);
	case WEB_CSRF_LOGIN: {
		const char *c = web_cookie(r, "attune_pre");
		return c && web_valid_hex64(c, strlen(c)) &&
		       same_secret(given, c);
	}
	case WEB_CSRF_LINK:
		if (!r->path_token)
			return 0;
		web_token_hash(r->path_token, strlen(r->path_token), want);
		auth_link_token(r->srv, want, want);
		return same_secret(given, want);
	}
	return 0;
}

/* ---- Cookies ---- */

static const char *cookie(struct web_req *r, const char *zName,
                          const char *zValue, const char *zPath,
                          int clear)
{
	return web_printf(r, "%s=%s; Path=%s; HttpOnly; SameSite=Strict%s%s",
	                  zName, zValue, zPath,
	                  r->srv->opt->secure_cookies ? "; Secure" : "",
	                  clear ? "; Max-Age=0" : "");
}

/* ---- Pages ---- */

int h_root(struct web_req *r)
{
	if (!r->signed_in)
		return web_redirect(r, "/login");
	if (r->user.role == ATTUNE_ROLE_ADMIN)
		return web_redirect(r, "/admin/users");
	return web_redirect(r, "/caseload");
}

static void login_page(struct web_req *r, const char *zMessage)
{
	char pre[WEB_HASH_HEX + 1];
	strbuf *b = &r->out;

	auth_random_hex(pre);
	web_header_add(r, "Set-Cookie", cookie(r, "attune_pre", pre,
	                                       "/login", 0));
	r->no_store = 1;
	page_begin(r, "Sign in");
	html_raw_trusted(b, "<p class=\"clinic\">");
	html_text(b, r->srv->clinic_name);
	html_raw_trusted(b, "</p>\n");
	if (zMessage) {
		html_raw_trusted(b, "<p class=\"error\" role=\"alert\">");
		html_text(b, zMessage);
		html_raw_trusted(b, "</p>\n");
	}
	html_raw_trusted(b, "<form class=\"login\" method=\"post\" "
	                 "action=\"/login\">\n"
	                 "<label for=\"username\">Username</label>"
	                 "<input id=\"username\" name=\"username\" "
	                 "autocomplete=\"username\" required "
	                 "autocapitalize=\"none\" spellcheck=\"false\">\n"
	                 "<label for=\"password\">Password</label>"
	                 "<input id=\"password\" name=\"password\" "
	                 "type=\"password\" autocomplete=\"current-password\""
	                 " required>\n"
	                 "<input type=\"hidden\" name=\"csrf\" value=\"");
	html_attr(b, pre);
	html_raw_trusted(b, "\">\n<button type=\"submit\">Sign in</button>\n"
	                 "</form>\n");
	page_end(r);
}

int h_login_form(struct web_req *r)
{
	if (r->signed_in)
		return h_root(r);
	login_page(r, NULL);
	return 0;
}

/* A hash to verify against when the user does not exist, so that an
 * unknown name costs the same time as a wrong password. */
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[WEB_PWHASH_MAX];

static void dummy_make(void)
{
	char pw[17];

	web_password_generate(pw);
	if (web_password_hash(pw, dummy_hash) != ATTUNE_OK)
		dummy_hash[0] = '\0';
}

struct login_user {
	attune_id id;
	attune_role role;
	char hash[WEB_PWHASH_MAX];
	int has_hash;
};

static int login_user_cb(void *ctx, const attune_user_rec *u)
{
	struct login_user *l = ctx;

	l->id = u->id;
	l->role = u->role;
	l->has_hash = u->password_hash &&
	              strlen(u->password_hash) < sizeof(l->hash);
	if (l->has_hash)
		snprintf(l->hash, sizeof(l->hash), "%s", u->password_hash);
	return 0;
}

int h_login(struct web_req *r)
{
	const char *name = web_field(r, "username");
	const char *pw = web_field(r, "password");
	char kip[96], kuser[96];
	struct login_user lu;
	int64_t now = (int64_t)time(NULL);
	long wait_ip, wait_user, wait;
	int rc, good;

	snprintf(kip, sizeof(kip), "ip:%s", r->ip);
	snprintf(kuser, sizeof(kuser), "user:%s", name);
	wait_ip = rate_blocked(r->srv->rate, kip, now, WEB_LOGIN_FAILS_IP);
	wait_user = rate_blocked(r->srv->rate, kuser, now, WEB_LOGIN_FAILS);
	wait = wait_ip > wait_user ? wait_ip : wait_user;
	if (wait > 0) {
		web_header_add(r, "Retry-After", web_printf(r, "%ld", wait));
		r->status = 429;
		login_page(r, "Too many attempts to sign in. Please wait a "
		           "few minutes and try again.");
		return 0;
	}
	memset(&lu, 0, sizeof(lu));
	rc = attune_store_user_find(r->st, r->srv->clinic_id, name,
	                            login_user_cb, &lu);
	if (rc && rc != ATTUNE_ENOTFOUND)
		return web_server_error(r, NULL);
	pthread_once(&dummy_once, dummy_make);
	if (lu.has_hash)
		good = crypto_pwhash_str_verify(lu.hash, pw, strlen(pw)) == 0;
	else {
		/* The same work as a real check; the answer is "no". */
		good = dummy_hash[0] &&
		       crypto_pwhash_str_verify(dummy_hash, pw,
		                                strlen(pw)) == 0;
		good = 0;
	}
	sodium_memzero(lu.hash, sizeof(lu.hash));
	if (!good) {
		rate_fail(r->srv->rate, kip, now);
		rate_fail(r->srv->rate, kuser, now);
		attune_store_audit(r->st, "auth.fail",
		                   web_printf(r, "user:%lld", (long long)lu.id),
		                   NULL);
		r->status = 401;
		login_page(r, "That username and password do not match.");
		return 0;
	}
	rate_clear(r->srv->rate, kuser);
	attune_store_set_actor(r->st, lu.id,
	                       web_printf(r, "web:%s", name), r->ip);
	if (auth_session_start(r, lu.id) != ATTUNE_OK)
		return web_server_error(r, NULL);
	web_header_add(r, "Set-Cookie", cookie(r, "attune_pre", "", "/login",
	                                       1));
	return web_redirect(r, "/");
}

int auth_session_start(struct web_req *r, attune_id user_id)
{
	char tok[WEB_TOKEN_LEN + 1];
	attune_websession_rec ws;
	int64_t now = (int64_t)time(NULL);
	int rc;

	if ((rc = web_token_new(tok, r->sid_hash)))
		return rc;
	auth_random_hex(r->csrf);
	memset(&ws, 0, sizeof(ws));
	ws.id_hash = r->sid_hash;
	ws.user_id = user_id;
	ws.csrf = r->csrf;
	ws.origin = r->ip;
	ws.created_at = now;
	ws.expires_at = now + WEB_SESSION_MAX;
	if ((rc = attune_store_websession_add(r->st, &ws)) == ATTUNE_OK)
		web_header_add(r, "Set-Cookie", cookie(r, "attune_session",
		                                       tok, "/", 0));
	sodium_memzero(tok, sizeof(tok));
	return rc;
}

void auth_cookie_clear(struct web_req *r)
{
	web_header_add(r, "Set-Cookie", cookie(r, "attune_session", "", "/",
	                                       1));
}

int auth_password_check(struct web_req *r, attune_id user_id,
                        const char *zPassword, int *ok)
{
	struct login_user lu;
	int rc;

	*ok = 0;
	memset(&lu, 0, sizeof(lu));
	if ((rc = attune_store_user_get(r->st, user_id, login_user_cb,
	                                &lu)))
		return rc;
	if (lu.has_hash)
		*ok = crypto_pwhash_str_verify(lu.hash, zPassword,
		                               strlen(zPassword)) == 0;
	sodium_memzero(lu.hash, sizeof(lu.hash));
	return ATTUNE_OK;
}

int h_logout(struct web_req *r)
{
	attune_store_websession_delete(r->st, r->sid_hash);
	auth_cookie_clear(r);
	return web_redirect(r, "/login");
}
