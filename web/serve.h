/* serve.h - what the `attune` command uses of the web app: start the
 * server, hash a password, make an API token. The rest of web/ is
 * private to the server (web.h). */
#ifndef ATTUNE_WEB_SERVE_H
#define ATTUNE_WEB_SERVE_H

#include <stdio.h>
#include "attune/instrument.h"
#include "attune/store.h"

struct web_options {
	const char *db;              /* SQLite file (must exist) */
	const char *listen;          /* "ADDR:PORT", "[V6]:PORT"; NULL:
	                                127.0.0.1:8080 */
	int secure_cookies;          /* 1: cookies get Secure (behind a TLS
	                                proxy; implied by tls_cert) */
	const char *tls_cert;        /* PEM certificate chain and private
	                                key (text, borrowed): serve https
	                                directly; NULL: plain http */
	const char *tls_key;
	attune_catalog *cat;         /* instruments, borrowed for the run */
	FILE *log;                   /* one line per request and event;
	                                NULL: stderr */
	/* Called once the server listens, with the address it took (the
	 * port filled in when 0 was asked for); may be NULL. */
	void (*ready)(void *ctx, const char *zAddress);
	void *ready_ctx;
};

/* Serve until SIGINT or SIGTERM, then stop accepting, let requests in
 * flight finish (at most WEB_DRAIN_SECONDS) and close every store
 * handle. Blocks SIGINT and SIGTERM in the calling thread (and so in
 * the server's threads) for the run. Returns ATTUNE_OK after a clean
 * stop; otherwise an attune_rc with a message in *err. */
int web_serve(const struct web_options *o, attune_err *err);

/* Length of an argon2id string from web_password_hash (with the NUL). */
#define WEB_PWHASH_MAX 128

/* Hash a password with argon2id at libsodium's INTERACTIVE limits into
 * out (a NUL-terminated "$argon2id$..." string). ATTUNE_ENOMEM when the
 * memory for hashing cannot be had, ATTUNE_EINVAL for an empty
 * password or one longer than WEB_FIELD_VALUE_MAX bytes. */
int web_password_hash(const char *zPassword, char out[WEB_PWHASH_MAX]);

/* A new secret token: 32 random bytes as 43 base64url characters (out),
 * and the hash the store keeps (hash, 64 hex digits). */
#define WEB_TOKEN_LEN 43
#define WEB_HASH_HEX 64
int web_token_new(char out[WEB_TOKEN_LEN + 1],
                  char hash[WEB_HASH_HEX + 1]);

/* The store's hash of a token as it arrives (cookie, URL, header). */
void web_token_hash(const char *zToken, size_t n,
                    char hash[WEB_HASH_HEX + 1]);

/* A random password for a new account: 16 characters of base64url
 * (96 bits). */
void web_password_generate(char out[17]);

/* Initialise libsodium once (safe to call again). -1 when it cannot. */
int web_crypto_init(void);

#endif
