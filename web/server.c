/* server.c - the HTTP server on GNU libmicrohttpd: limits checked before
 * a body is read, one store handle per worker thread, routing, roles,
 * CSRF, security headers on every response, a log line per request, and
 * a clean stop on SIGINT/SIGTERM (stop accepting, let requests in
 * flight finish, close the stores). */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include <sodium.h>
#include "util/gzip.h"
#include "web/pagecache.h"
#include "web/status.h"
#include "web/web.h"

/* The policy every page gets: nothing loads from anywhere but here, no
 * inline script or style, no framing, forms post only to us. */
#define CSP "default-src 'none'; style-src 'self'; img-src 'self' data:; " \
            "script-src 'self'; form-action 'self'; " \
            "frame-ancestors 'none'; base-uri 'none'"

/* State of one request beyond struct web_req. */
struct conn {
	struct web_req r;
	int started;                    /* the first call has been seen */
	int queued;                     /* a response was queued */
	int uri_too_long;
	struct timespec t0;
};

static FILE *log_file(const struct web_server *srv)
{
	return srv->opt->log ? srv->opt->log : stderr;
}

static void log_line(const struct web_server *srv, const char *fmt, ...)
	ATTUNE_PRINTF(2, 3);
static void log_line(const struct web_server *srv, const char *fmt, ...)
{
	char stamp[32];
	time_t t = time(NULL);
	struct tm tm;
	va_list ap;
	FILE *f = log_file(srv);

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	flockfile(f);
	fprintf(f, "%s ", stamp);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fflush(f);
	funlockfile(f);
}

void web_header_add(struct web_req *r, const char *zName,
                    const char *zValue)
{
	if (!zValue || r->n_hdr == WEB_HEADERS_OUT_MAX)
		return;
	r->hdr[r->n_hdr].name = zName;
	r->hdr[r->n_hdr].value = zValue;
	r->n_hdr++;
}

char *web_printf(struct web_req *r, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	s = arena_alloc(&r->ar, (size_t)n + 1);
	if (!s)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

const char *web_cookie(struct web_req *r, const char *zName)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, zName);
}

const char *web_host(struct web_req *r)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	                                   MHD_HTTP_HEADER_HOST);
}

int web_takes_gzip(struct web_req *r)
{
	return gz_accepts(MHD_lookup_connection_value(
		r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING));
}

const char *web_authorization(struct web_req *r)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	                                   MHD_HTTP_HEADER_AUTHORIZATION);
}

/* ---- One store per worker thread ---- */

static _Thread_local attune_store *tls_store;
static _Thread_local const struct web_server *tls_srv;

static attune_store *thread_store(struct web_server *srv)
{
	attune_store *st = NULL;
	attune_err err;

	if (tls_store && tls_srv == srv)
		return tls_store;
	pthread_mutex_lock(&srv->mu);
	if (srv->n_stores < sizeof(srv->stores) / sizeof(srv->stores[0])) {
		if (attune_store_open(srv->opt->db, 0, &st, &err) == ATTUNE_OK)
			srv->stores[srv->n_stores++] = st;
		else
			log_line(srv, "error: opening the store: %s", err.msg);
	} else {
		log_line(srv, "error: more worker threads than store slots");
	}
	pthread_mutex_unlock(&srv->mu);
	tls_store = st;
	tls_srv = srv;
	return st;
}

/* ---- Responses ---- */

static enum MHD_Result send_response(struct conn *cn)
{
	struct web_req *r = &cn->r;
	struct MHD_Response *resp;
	struct timespec t1;
	enum MHD_Result ret;
	size_t len = r->out.len, i;
	char *body;
	int rc = ATTUNE_OK;
	long us;

	if (r->out.rc) {
		/* The page outgrew WEB_PAGE_MAX or memory ran out. */
		sb_free(&r->out);
		r->status = 500;
		r->ctype = "text/plain; charset=utf-8";
		r->n_hdr = 0;
		sb_puts(&r->out, "The page could not be made. Nothing was "
		        "changed.\n");
		len = r->out.len;
	}
	body = sb_detach(&r->out, &rc);
	if (body)
		resp = MHD_create_response_from_buffer(len, body,
		                                       MHD_RESPMEM_MUST_FREE);
	else
		resp = MHD_create_response_from_buffer(0, (void *)"",
		                                       MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type",
	                        r->ctype ? r->ctype
	                                 : "text/plain; charset=utf-8");
	MHD_add_response_header(resp, "Content-Security-Policy", CSP);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	/* Client pages and the static files come gzip-compressed to a
	 * browser that takes it (web/client.c, web/static.c). */
	MHD_add_response_header(resp, "Vary", "Accept-Encoding");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Cross-Origin-Opener-Policy",
	                        "same-origin");
	MHD_add_response_header(resp, "Permissions-Policy",
	                        "camera=(), microphone=(), geolocation=(), "
	                        "payment=(), usb=(), interest-cohort=()");
	if (r->srv->opt->secure_cookies)
		MHD_add_response_header(resp, "Strict-Transport-Security",
		                        "max-age=31536000");
	/* Anything but the static assets may carry client data. */
	MHD_add_response_header(resp, "Cache-Control",
	                        r->no_store ? "no-store"
	                                    : "public, max-age=3600");
	for (i = 0; i < r->n_hdr; i++)
		MHD_add_response_header(resp, r->hdr[i].name, r->hdr[i].value);
	ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	cn->queued = 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	us = (long)((t1.tv_sec - cn->t0.tv_sec) * 1000000 +
	            (t1.tv_nsec - cn->t0.tv_nsec) / 1000);
	/* A check-in link's token is a secret: never in the log. The time
	 * is the server's, from the request's first byte to the answer
	 * queued, in milliseconds to the microsecond. */
	log_line(r->srv, "%s %s %.*s%s %d %zu %ld.%03ldms%s%s", r->ip,
	         r->method ? r->method : "-",
	         (int)(!r->path ? 0 : strncmp(r->path, "/c/", 3) == 0 ? 3
	               : strlen(r->path)),
	         r->path ? r->path : "",
	         r->path && strncmp(r->path, "/c/", 3) == 0 ? "[token]" : "",
	         r->status, len, us / 1000, us % 1000,
	         r->signed_in ? " user:" : "",
	         r->signed_in ? r->user.name : "");
	return ret;
}

/* A plain refusal decided before routing (limits). */
static enum MHD_Result refuse(struct conn *cn, int status, const char *zMsg)
{
	struct web_req *r = &cn->r;

	r->status = status;
	r->ctype = "text/plain; charset=utf-8";
	sb_reset(&r->out);
	sb_puts(&r->out, zMsg);
	sb_putc(&r->out, '\n');
	return send_response(cn);
}

/* ---- The request cycle ---- */

/* The first hook libmicrohttpd calls: the raw request target, before
 * the headers. The request's state is made here. */
static void *uri_log(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct conn *cn = calloc(1, sizeof(*cn));
	size_t n;

	(void)c;
	if (!cn)
		return NULL;
	cn->r.srv = cls;
	arena_init(&cn->r.ar);
	sb_init(&cn->r.out, WEB_PAGE_MAX);
	cn->r.status = 200;
	cn->r.no_store = 1;
	clock_gettime(CLOCK_MONOTONIC, &cn->t0);
	n = strnlen(uri, WEB_URL_MAX + 1);
	if (n > WEB_URL_MAX) {
		cn->uri_too_long = 1;
		n = 0;
	}
	cn->r.uri = arena_strndup(&cn->r.ar, uri, n);
	cn->r.uri_len = n;
	return cn;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
	struct conn *cn = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (!cn)
		return;
	sb_free(&cn->r.out);
	arena_free(&cn->r.ar);
	free(cn);
	*con_cls = NULL;
}

static enum MHD_Result sum_headers(void *cls, enum MHD_ValueKind kind,
                                   const char *key, const char *value)
{
	size_t *total = cls;

	(void)kind;
	*total += strlen(key) + (value ? strlen(value) : 0) + 4;
	return MHD_YES;
}

static void peer_address(struct web_req *r)
{
	const union MHD_ConnectionInfo *ci;
	char buf[INET6_ADDRSTRLEN] = "unknown";

	ci = MHD_get_connection_info(r->conn,
	                             MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr) {
		if (ci->client_addr->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)
			          ci->client_addr)->sin_addr, buf, sizeof(buf));
		else if (ci->client_addr->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)
			          ci->client_addr)->sin6_addr, buf,
			          sizeof(buf));
	}
	r->ip = arena_strdup(&r->ar, buf);
	if (!r->ip)
		r->ip = "unknown";
}

/* The first call: everything but the body is known. Returns a status
 * to refuse with, or 0. */
static int first_checks(struct conn *cn, const char **why)
{
	struct web_req *r = &cn->r;
	const char *cl, *te, *ct;
	size_t hdr_total = 0, body_max, field_max;
	int64_t len = 0;

	if (cn->uri_too_long || !r->uri) {
		*why = "URI too long";
		return cn->uri_too_long ? 414 : 500;
	}
	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, sum_headers,
	                          &hdr_total);
	if (hdr_total > WEB_HEADERS_MAX) {
		*why = "Request header fields too large";
		return 431;
	}
	if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD") &&
	    strcmp(r->method, "POST")) {
		*why = "Method not allowed";
		return 405;
	}
	cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	                                 MHD_HTTP_HEADER_CONTENT_LENGTH);
	te = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	                                 MHD_HTTP_HEADER_TRANSFER_ENCODING);
	if (cl && parse_i64(cl, strlen(cl), &len) != 0) {
		*why = "Bad Content-Length";
		return 400;
	}
	r->content_length = (uint64_t)len;
	if (!r->is_post) {
		if (len > 0 || te) {
			*why = "This request takes no body";
			return 400;
		}
		return 0;
	}
	if (te || !cl) {
		*why = "Length required (no chunked uploads)";
		return 411;
	}
	web_body_limits(r, &body_max, &field_max);
	if (len > (int64_t)body_max) {
		*why = "Content too large";
		return 413;
	}
	ct = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	                                 MHD_HTTP_HEADER_CONTENT_TYPE);
	if (len > 0 || ct) {
		size_t n = ct ? strcspn(ct, ";") : 0;
		while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
			n--;
		if (!ct || n != 33 ||
		    strncasecmp(ct, "application/x-www-form-urlencoded",
		                33) != 0) {
			*why = "Unsupported media type (forms only)";
			return 415;
		}
	}
	r->body = arena_alloc(&r->ar, (size_t)len + 1);
	if (!r->body) {
		*why = "Out of memory";
		return 503;
	}
	return 0;
}

/* Route, authenticate, authorise, check and run the handler. */
static void process(struct web_req *r)
{
	const struct web_route *rt;
	size_t q;
	int rc, needs_session;

	q = strcspn(r->uri, "?");
	r->path = arena_strndup(&r->ar, r->uri, q);
	r->query = r->uri[q] ? r->uri + q + 1 : "";
	if (!r->path) {
		web_server_error(r, NULL);
		return;
	}
	r->st = thread_store(r->srv);
	if (!r->st) {
		page_message(r, 503, "Not available just now",
		             "attune cannot reach its database. Please try "
		             "again in a minute.");
		return;
	}
	attune_store_set_actor(r->st, 0, "web:anonymous", r->ip);
	r->is_api = strncmp(r->path, "/api/", 5) == 0;
	if (web_route_request(r) != 0)
		return;
	rt = r->route;
	/* Static files and check-in links are the same for everyone: they
	 * never look at a sign-in. */
	needs_session = strncmp(rt->pattern, "/static/", 8) != 0 &&
	                strncmp(rt->pattern, "/c/", 3) != 0 &&
	                strncmp(rt->pattern, "/api/v1/checkins/", 17) != 0;
	if (strncmp(rt->pattern, "/static/", 8) == 0)
		r->no_store = 0;
	if (!needs_session && strncmp(rt->pattern, "/static/", 8) != 0)
		attune_store_set_actor(r->st, 0, "web:check-in", r->ip);
	if (needs_session) {
		rc = r->is_api ? auth_load_bearer(r) : auth_load_session(r);
		if (rc != ATTUNE_OK) {
			web_server_error(r, NULL);
			return;
		}
		if (r->signed_in)
			attune_store_set_actor(r->st, r->user.id,
			                       web_printf(r, "%s:%s",
			                                  r->is_api ? "api"
			                                            : "web",
			                                  r->user.name),
			                       r->ip);
	}
	if (rt->roles != WEB_PUBLIC) {
		if (!r->signed_in) {
			if (r->is_api) {
				page_message(r, 401, "unauthorized",
				             "Send a valid API token: "
				             "Authorization: Bearer TOKEN");
				web_header_add(r, "WWW-Authenticate",
				               "Bearer realm=\"attune\"");
			} else if (r->is_post) {
				page_message(r, 401, "Please sign in",
				             "Your sign-in has ended. Sign in "
				             "again and repeat what you did.");
				web_header_add(r, "WWW-Authenticate",
				               "Cookie realm=\"attune\"");
			} else {
				web_redirect(r, "/login");
			}
			return;
		}
		if (!(rt->roles & (1u << r->user.role))) {
			web_forbidden(r);
			return;
		}
	}
	if (r->is_post && !auth_csrf_ok(r)) {
		page_message(r, 403, "This form has expired",
		             "The form could not be checked, so nothing was "
		             "saved. Go back, reload the page and try again.");
		return;
	}
	if (web_check_params(r) != 0)
		return;
	rc = rt->handler(r);
	if (rc != 0) {
		/* Log the store's message first: the rollback below would
		 * overwrite it ("no transaction is open") and hide the cause,
		 * e.g. "database is locked". A handler that failed leaves
		 * nothing half-done. */
		log_line(r->srv, "error: %s %s: %s", r->method, r->path,
		         attune_store_errmsg(r->st));
		attune_store_rollback(r->st);
		web_server_error(r, NULL);
	}
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version,
                                  const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
	struct conn *cn = *con_cls;
	struct web_req *r;
	const char *why = NULL;
	int status;

	(void)cls;
	(void)url;
	(void)version;
	if (!cn)
		return MHD_NO;     /* out of memory in uri_log */
	r = &cn->r;
	if (!cn->started) {
		cn->started = 1;
		r->conn = c;
		r->method = arena_strdup(&r->ar, method);
		r->is_post = strcmp(method, "POST") == 0;
		if (!r->method)
			return MHD_NO;
		peer_address(r);
		status = first_checks(cn, &why);
		if (status) {
			if (status == 405)
				web_header_add(r, "Allow", "GET, HEAD, POST");
			r->refused = 1;
			return refuse(cn, status, why);
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (cn->queued || r->refused)
			return MHD_YES;        /* discard */
		if (r->body_len + n > r->content_length) {
			r->refused = 1;
			return refuse(cn, 400, "Body longer than its "
			              "Content-Length");
		}
		memcpy(r->body + r->body_len, upload_data, n);
		r->body_len += n;
		return MHD_YES;
	}
	if (cn->queued)
		return MHD_YES;
	if (r->body)
		r->body[r->body_len] = '\0';
	process(r);
	return send_response(cn);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
	ATTUNE_PRINTF(2, 0);
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	const struct web_server *srv = cls;
	char msg[512];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	log_line(srv, "httpd: %s", msg);
}

/* ---- Start and stop ---- */

/* "ADDR:PORT" or "[V6]:PORT" into *ss. */
static int parse_listen(const char *z, struct sockaddr_storage *ss,
                        socklen_t *len, attune_err *err)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon;
	int64_t port;
	size_t n;

	memset(ss, 0, sizeof(*ss));
	colon = strrchr(z, ':');
	if (!colon || parse_i64(colon + 1, strlen(colon + 1), &port) ||
	    port > 65535)
		return attune_err_set(err, ATTUNE_EINVAL,
		                      "--listen '%s': expected ADDR:PORT, e.g. "
		                      "127.0.0.1:8080", z);
	n = (size_t)(colon - z);
	if (n >= 2 && z[0] == '[' && z[n - 1] == ']') {
		z++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(host))
		return attune_err_set(err, ATTUNE_EINVAL,
		                      "--listen '%s': bad address", z);
	memcpy(host, z, n);
	host[n] = '\0';
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr)
	    == 1) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
		*len = sizeof(struct sockaddr_in);
		return ATTUNE_OK;
	}
	if (inet_pton(AF_INET6, host,
	              &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
		*len = sizeof(struct sockaddr_in6);
		return ATTUNE_OK;
	}
	return attune_err_set(err, ATTUNE_EINVAL,
	                      "--listen '%s': '%s' is not an IPv4 or IPv6 "
	                      "address", z, host);
}

static int first_clinic(void *ctx, const attune_clinic_rec *c)
{
	struct web_server *srv = ctx;

	srv->clinic_id = c->id;
	snprintf(srv->clinic_name, sizeof(srv->clinic_name), "%s", c->name);
	return 1;
}

/* Before serving: the clinic, the expected-course model, housekeeping. */
static int prepare(struct web_server *srv, attune_err *err)
{
	attune_store *st = NULL;
	int64_t now = (int64_t)time(NULL);
	int rc;

	rc = attune_store_open(srv->opt->db, 0, &st, err);
	if (rc)
		return rc;
	if ((rc = attune_store_set_actor(st, 0, "web:startup", "server")))
		goto fail;
	rc = attune_store_clinic_list(st, first_clinic, srv);
	if (rc == 1)
		rc = ATTUNE_OK;
	if (rc)
		goto fail;
	if (!srv->clinic_id) {
		rc = attune_err_set(err, ATTUNE_EINVAL,
		                    "%s: the database has no clinic (create "
		                    "one with `attune init`)", srv->db_shown);
		goto out;
	}
	attune_store_websession_purge(st, now, now - WEB_SESSION_IDLE, NULL);
	rc = status_fit_model(srv, st);
	if (rc)
		goto fail;
	goto out;
fail:
	attune_err_set(err, rc, "%s: %s", srv->db_shown,
	               attune_store_errmsg(st));
out:
	attune_store_close(st);
	return rc;
}

int web_serve(const struct web_options *o, attune_err *err)
{
	struct web_server *srv = NULL;
	struct MHD_Daemon *d = NULL;
	struct sockaddr_storage ss;
	socklen_t slen;
	sigset_t set, old;
	const union MHD_DaemonInfo *info;
	char addr[INET6_ADDRSTRLEN + 16], host[INET6_ADDRSTRLEN];
	struct MHD_OptionItem tls[4];
	int rc, sig = 0, masked = 0, mu = 0;
	size_t i;
	MHD_socket lsock;

	attune_err_clear(err);
	if (web_crypto_init())
		return attune_err_set(err, ATTUNE_EINTERNAL,
		                      "libsodium could not be initialised");
	if ((rc = parse_listen(o->listen ? o->listen : "127.0.0.1:8080", &ss,
	                       &slen, err)))
		return rc;
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return attune_err_set(err, ATTUNE_ENOMEM, "out of memory");
	srv->opt = o;
	srv->cat = o->cat;
	/* The database as logs may show it: never a password. */
	attune_store_location_safe(o->db, srv->db_shown,
	                           sizeof(srv->db_shown));
	randombytes_buf(srv->key, sizeof(srv->key));
	srv->rate = rate_new();
	srv->pages = page_cache_new(WEB_PAGE_CACHE_BYTES);
	if (!srv->rate || !srv->pages ||
	    pthread_mutex_init(&srv->mu, NULL) != 0) {
		rc = attune_err_set(err, ATTUNE_ENOMEM, "out of memory");
		goto out;
	}
	mu = 1;
	if ((rc = prepare(srv, err)))
		goto out;

	/* Signals go to the main thread only: block them before the
	 * server's threads start (they inherit the mask), then sigwait. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (pthread_sigmask(SIG_BLOCK, &set, &old) != 0) {
		rc = attune_err_set(err, ATTUNE_EINTERNAL,
		                    "cannot block signals");
		goto out;
	}
	masked = 1;
	/* TLS directly (GnuTLS inside libmicrohttpd): TLS 1.2 and 1.3
	 * only, GnuTLS's NORMAL cipher choice otherwise. */
	tls[0].option = MHD_OPTION_END;
	if (o->tls_cert) {
		tls[0].option = MHD_OPTION_HTTPS_MEM_CERT;
		tls[0].ptr_value = (void *)(uintptr_t)o->tls_cert;
		tls[1].option = MHD_OPTION_HTTPS_MEM_KEY;
		tls[1].ptr_value = (void *)(uintptr_t)o->tls_key;
		tls[2].option = MHD_OPTION_HTTPS_PRIORITIES;
		tls[2].ptr_value = (void *)(uintptr_t)
		        "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2";
		tls[3].option = MHD_OPTION_END;
	}
	d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC |
	                     MHD_USE_ERROR_LOG |
	                     (o->tls_cert ? MHD_USE_TLS : 0) |
	                     (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
	                     0, NULL, NULL, on_request, srv,
	                     MHD_OPTION_ARRAY, tls,
	                     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, srv,
	                     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	                     MHD_OPTION_THREAD_POOL_SIZE,
	                     (unsigned)WEB_THREADS,
	                     MHD_OPTION_CONNECTION_LIMIT,
	                     (unsigned)WEB_CONNECTIONS_MAX,
	                     MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	                     (unsigned)WEB_CONNECTIONS_PER_IP,
	                     MHD_OPTION_CONNECTION_TIMEOUT,
	                     (unsigned)WEB_CONN_TIMEOUT,
	                     MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	                     (size_t)WEB_CONN_MEMORY,
	                     MHD_OPTION_URI_LOG_CALLBACK, uri_log, srv,
	                     MHD_OPTION_NOTIFY_COMPLETED, completed, srv,
	                     MHD_OPTION_END);
	if (!d) {
		if (o->tls_cert)
			rc = attune_err_set(err, ATTUNE_EIO,
			                    "cannot serve https on %s: the "
			                    "certificate or key was refused, or "
			                    "the address is in use (%s)",
			                    o->listen ? o->listen
			                              : "127.0.0.1:8080",
			                    errno ? strerror(errno) : "see the "
			                    "log above");
		else
			rc = attune_err_set(err, ATTUNE_EIO,
			                    "cannot listen on %s (%s)",
			                    o->listen ? o->listen
			                              : "127.0.0.1:8080",
			                    errno ? strerror(errno)
			                          : "in use?");
		goto out;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (ss.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
		          host, sizeof(host));
		snprintf(addr, sizeof(addr), "[%s]:%u", host,
		         info ? (unsigned)info->port : 0u);
	} else {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr,
		          host, sizeof(host));
		snprintf(addr, sizeof(addr), "%s:%u", host,
		         info ? (unsigned)info->port : 0u);
	}
	log_line(srv, "listening on %s://%s/ (database %s, clinic '%s')",
	         o->tls_cert ? "https" : "http", addr, srv->db_shown,
	         srv->clinic_name);
	if (o->ready)
		o->ready(o->ready_ctx, addr);

	while (sigwait(&set, &sig) != 0)
		;
	log_line(srv, "signal %d: no new connections; finishing the "
	         "requests in flight", sig);
	lsock = MHD_quiesce_daemon(d);
	if (lsock != MHD_INVALID_SOCKET)
		close(lsock);
	for (i = 0; i < WEB_DRAIN_SECONDS * 20; i++) {
		info = MHD_get_daemon_info(d,
		                           MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		if (!info || info->num_connections == 0)
			break;
		{
			struct timespec ts = {0, 50 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
	}
	MHD_stop_daemon(d);
	d = NULL;
	rc = ATTUNE_OK;
out:
	if (d)
		MHD_stop_daemon(d);
	if (srv) {
		uint64_t commits, syncs;

		/* How well commits shared their disk syncs: in the log for
		 * operators (and bench/web.sh). */
		if (srv->n_stores &&
		    attune_store_commit_stats(srv->stores[0], &commits,
		                              &syncs) == ATTUNE_OK)
			log_line(srv, "durable commits: %llu, sharing %llu disk "
			         "syncs", (unsigned long long)commits,
			         (unsigned long long)syncs);
		if (srv->n_stores &&
		    attune_store_audit_stats(srv->stores[0], &commits,
		                             &syncs) == ATTUNE_OK)
			log_line(srv, "audit rows of reads: %llu, written in "
			         "%llu transactions", (unsigned long long)commits,
			         (unsigned long long)syncs);
		if (srv->pages) {
			uint64_t hits, misses;
			size_t bytes;
			page_cache_stats(srv->pages, &hits, &misses, &bytes);
			log_line(srv, "client pages: %llu drawn, %llu from the "
			         "cache", (unsigned long long)misses,
			         (unsigned long long)hits);
		}
		for (i = 0; i < srv->n_stores; i++)
			attune_store_close(srv->stores[i]);
		if (srv->n_stores || rc == ATTUNE_OK)
			log_line(srv, "stopped; %zu store handle(s) closed",
			         srv->n_stores);
		rate_free(srv->rate);
		page_cache_free(srv->pages);
		if (mu)
			pthread_mutex_destroy(&srv->mu);
		sodium_memzero(srv->key, sizeof(srv->key));
		free(srv);
	}
	if (masked)
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}
