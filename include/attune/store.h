/* store.h - the storage interface: clinics, users, clients, episodes,
 * sessions, responses and the audit log, behind one engine-neutral API.
 *
 * attune_store_open() picks the engine from the location (a file path
 * means SQLite; a "postgresql://" URI or a libpq "host=... dbname=..."
 * string means PostgreSQL) and every other function dispatches through
 * that engine's operations table (lib/store/store_int.h). Callers never
 * see SQL or engine types.
 *
 * Strings and arrays handed to list callbacks are borrowed: they live
 * only until the callback returns. A callback returning non-zero stops
 * the listing, which then returns that value.
 *
 * Auditing: the store stamps every change and every read of client data
 * with the actor set by attune_store_set_actor(), in the same transaction
 * as the change. A store is used by one thread at a time.
 *
 * Every call that writes an audit row (all changes, and every read of
 * client data) fails with ATTUNE_EINVAL until an actor is set, and on a
 * store opened ATTUNE_STORE_READONLY. The audit row of a read survives a
 * rollback of the caller's transaction: what was read has been read.
 *
 * Identifiers (client codes, login names, instrument ids and versions,
 * audit actions and objects) are 1..ATTUNE_ID_MAX bytes of printable
 * ASCII without spaces. Other text is UTF-8 without control characters:
 * clinic names 1..ATTUNE_ID_MAX bytes, display names, reasons, details,
 * password hashes and the actor 1..ATTUNE_TEXT_MAX bytes; NULL where
 * optional (never ""). Over a limit gives ATTUNE_ELIMIT, other bad input
 * ATTUNE_EINVAL, with the field named in attune_store_errmsg(). Dates
 * are real "YYYY-MM-DD" calendar dates.
 *
 * A list callback may call other functions on the same store, but not
 * begin, commit, rollback or close. */
#ifndef ATTUNE_STORE_H
#define ATTUNE_STORE_H

#include "attune.h"

typedef int64_t attune_id;
typedef struct attune_store attune_store;

#define ATTUNE_STORE_CREATE 0x1    /* create and migrate if missing */
#define ATTUNE_STORE_READONLY 0x2

/* Open (and with ATTUNE_STORE_CREATE, create) the database at zLocation
 * and migrate it forward to the current schema, in one transaction per
 * migration. ATTUNE_EVERSION when the database is newer than this
 * attune. ATTUNE_ENOTFOUND when it does not exist and CREATE was not
 * given. The caller owns *out and closes it with attune_store_close().
 *
 * PostgreSQL: the database itself must exist (createdb); CREATE sets up
 * the schema in an empty one, and an empty database opened without
 * CREATE gives ATTUNE_ENOTFOUND. A server that cannot be reached or
 * refuses the credentials gives ATTUNE_ESTORE with libpq's reason. What
 * the URI leaves out comes from libpq's environment (PGHOST, PGPORT,
 * PGUSER, PGPASSWORD, PGPASSFILE, ...). */
int attune_store_open(const char *zLocation, int flags, attune_store **out,
                      attune_err *err);
/* 1 when zLocation names a PostgreSQL database: a "postgresql://" or
 * "postgres://" URI (any case), or a libpq keyword/value string that
 * starts with a libpq keyword and '=' ("host=/run/pg dbname=attune").
 * 0 for anything else, which attune_store_open() takes as the path of an
 * SQLite file (give a file named like "dbname=x" as "./dbname=x"). */
int attune_store_location_is_server(const char *zLocation);

/* zLocation as it may appear in messages and logs: the password of a
 * URI (postgresql://user:PASSWORD@host/db), a URI's ?password= parameter
 * and a keyword string's password= value are replaced by "***"; a file
 * path is unchanged. Writes at most n bytes, the NUL included, to buf
 * (cut when longer) and returns buf. Messages from attune_store_open()
 * and attune_store_errmsg() never contain the password. */
const char *attune_store_location_safe(const char *zLocation, char *buf,
                                       size_t n);

/* Close st (NULL is fine); an open transaction is rolled back. */
void attune_store_close(attune_store *st);

/* Detail of the store's last error (never NULL). */
const char *attune_store_errmsg(const attune_store *st);

/* Schema version the database is at, and the one this build writes. */
int attune_store_schema_version(attune_store *st, int *version);
int attune_store_schema_latest(void);

/* Who is acting, for the audit log: user id (0 when not a user, e.g. the
 * command line or a client's check-in link), a name ("cli:alice"), and
 * where from ("cli", "127.0.0.1"). Strings are copied. */
int attune_store_set_actor(attune_store *st, attune_id user_id,
                           const char *zName, const char *zOrigin);

/* Group several changes into one transaction. Nested begin is an error.
 * Every single-call change below is already atomic on its own; inside a
 * transaction a call that fails undoes only its own changes. A commit
 * that fails has rolled the transaction back. */
int attune_store_begin(attune_store *st);
int attune_store_commit(attune_store *st);
int attune_store_rollback(attune_store *st);

/* A commit returns once its changes are on disk. Commits of one process
 * that arrive while the disk is busy share one sync (group commit):
 * *commits counts the commits that changed something since this process
 * opened the database, *syncs the disk syncs they took. ATTUNE_ENOTFOUND
 * when the engine keeps no such counts. For logs and benchmarks. */
int attune_store_commit_stats(attune_store *st, uint64_t *commits,
                              uint64_t *syncs);

/* The audit rows of reads (page views, lists) written outside any
 * transaction must be on disk before the data is shown; the threads of
 * one process writing such rows at the same time write them together,
 * in one transaction. *rows counts those rows since this process opened
 * the database, *batches the transactions they took (each also a commit
 * above). ATTUNE_ENOTFOUND when the engine keeps no such counts. */
int attune_store_audit_stats(attune_store *st, uint64_t *rows,
                             uint64_t *batches);

/* ---- Records ---- */

typedef struct attune_clinic_rec {
	attune_id id;
	const char *name;
	int64_t created_at;       /* unix seconds, UTC */
} attune_clinic_rec;

typedef enum attune_role {
	ATTUNE_ROLE_ADMIN = 0,
	ATTUNE_ROLE_SUPERVISOR = 1,
	ATTUNE_ROLE_THERAPIST = 2
} attune_role;

typedef struct attune_user_rec {
	attune_id id;
	attune_id clinic_id;
	const char *name;         /* login name, unique in the clinic */
	const char *display_name; /* may be NULL */
	attune_role role;
	const char *password_hash;/* argon2id string, or NULL */
	int64_t created_at;
	attune_id site_id;        /* the site the user works at (schema 5:
	                             attune_store_user_set_site), 0: none;
	                             filled by reads, ignored on add */
} attune_user_rec;

typedef struct attune_client_rec {
	attune_id id;
	attune_id clinic_id;
	attune_id therapist_id;   /* 0: unassigned */
	const char *code;         /* pseudonymous code, unique in the clinic */
	const char *display_name; /* optional, may be NULL */
	int64_t created_at;
	int sees_progress;        /* 1: the client may see their own progress
	                             after a check-in (schema 2); 0 or 1 */
} attune_client_rec;

typedef struct attune_episode_rec {
	attune_id id;
	attune_id client_id;
	const char *started;      /* "YYYY-MM-DD" */
	const char *ended;        /* NULL while open */
	const char *end_reason;   /* NULL, or e.g. "completed", "dropped out" */
} attune_episode_rec;

typedef struct attune_session_rec {
	attune_id id;
	attune_id episode_id;
	attune_id client_id;
	int number;               /* 1, 2, ... within the episode */
	const char *date;         /* "YYYY-MM-DD" */
	int attended;             /* 0: planned or missed (DNA) */
} attune_session_rec;

typedef struct attune_response_rec {
	attune_id id;
	attune_id session_id;
	attune_id client_id;
	int session_number;
	const char *session_date;
	const char *instrument;   /* instrument id, e.g. "phq9" */
	const char *instrument_version;
	int respondent;           /* attune_respondent */
	size_t n_values;
	const double *values;     /* NaN = missing answer */
	double total;             /* cached score at the time of recording, NaN
	                             when not scorable; recomputable */
	int64_t recorded_at;
} attune_response_rec;

typedef struct attune_audit_rec {
	attune_id id;
	int64_t at;
	attune_id user_id;        /* 0 when not a user */
	const char *actor;
	const char *origin;
	const char *action;       /* "client.add", "client.read", ... */
	const char *object;       /* "client:17" */
	const char *detail;       /* may be NULL */
} attune_audit_rec;

typedef int (*attune_clinic_cb)(void *ctx, const attune_clinic_rec *r);
typedef int (*attune_user_cb)(void *ctx, const attune_user_rec *r);
typedef int (*attune_client_cb)(void *ctx, const attune_client_rec *r);
typedef int (*attune_episode_cb)(void *ctx, const attune_episode_rec *r);
typedef int (*attune_session_cb)(void *ctx, const attune_session_rec *r);
typedef int (*attune_response_cb)(void *ctx, const attune_response_rec *r);
typedef int (*attune_audit_cb)(void *ctx, const attune_audit_rec *r);

/* ---- Clinics and users ---- */

/* ATTUNE_EEXIST when the name is taken. out_id may be NULL (so in every
 * *_add below). */
int attune_store_clinic_add(attune_store *st, const char *zName,
                            attune_id *out_id);
/* Ordered by name. */
int attune_store_clinic_list(attune_store *st, attune_clinic_cb cb,
                             void *ctx);

/* ATTUNE_EEXIST when the name is taken in the clinic; ATTUNE_ENOTFOUND
 * when there is no such clinic. created_at 0: now. */
int attune_store_user_add(attune_store *st, const attune_user_rec *u,
                          attune_id *out_id);
/* ATTUNE_ENOTFOUND when there is no such user. User reads are not
 * audited (they are not client data). */
int attune_store_user_find(attune_store *st, attune_id clinic_id,
                           const char *zName, attune_user_cb cb, void *ctx);
/* Ordered by name. */
int attune_store_user_list(attune_store *st, attune_id clinic_id,
                           attune_user_cb cb, void *ctx);

/* ---- Clients (every call audited) ---- */

/* Adds the client and opens its first episode (started today, the local
 * date, unless zStarted is given) in one transaction. ATTUNE_EEXIST when
 * the code is taken in the clinic; the therapist, when given, must be a
 * user of the same clinic. created_at 0: now. */
int attune_store_client_add(attune_store *st, const attune_client_rec *c,
                            const char *zStarted, attune_id *out_id);
/* ATTUNE_ENOTFOUND when there is no such code. */
int attune_store_client_find(attune_store *st, attune_id clinic_id,
                             const char *zCode, attune_client_cb cb,
                             void *ctx);
/* therapist_id 0: all clients of the clinic. Ordered by code. */
int attune_store_client_list(attune_store *st, attune_id clinic_id,
                             attune_id therapist_id, attune_client_cb cb,
                             void *ctx);

/* ---- Episodes ---- */

/* zStarted NULL: today. A client has at most one open episode:
 * ATTUNE_EEXIST while another is open. */
int attune_store_episode_open(attune_store *st, attune_id client_id,
                              const char *zStarted, attune_id *out_id);
/* zEnded NULL: today; zReason may be NULL. ATTUNE_EINVAL when the episode
 * is closed already or would end before it started. */
int attune_store_episode_close(attune_store *st, attune_id episode_id,
                               const char *zEnded, const char *zReason);
/* Ordered by start date. */
int attune_store_episode_list(attune_store *st, attune_id client_id,
                              attune_episode_cb cb, void *ctx);

/* ---- Sessions ---- */

/* Adds session number s->number to the client's current (latest open)
 * episode; s->episode_id 0 means "current". ATTUNE_EEXIST when that number
 * exists; ATTUNE_ENOTFOUND when the client has no open episode. With
 * s->episode_id given (also a closed episode), s->client_id may be 0. */
int attune_store_session_add(attune_store *st, const attune_session_rec *s,
                             attune_id *out_id);
/* Sessions of the client's episodes, ordered by episode then number. */
int attune_store_session_list(attune_store *st, attune_id client_id,
                              attune_session_cb cb, void *ctx);
/* The session with this number in the client's current episode. */
int attune_store_session_find(attune_store *st, attune_id client_id,
                              int number, attune_session_cb cb, void *ctx);

/* ---- Responses ---- */

/* r->session_id, instrument, instrument_version, respondent, n_values,
 * values, total and recorded_at are used; the rest is ignored.
 * n_values 1..ATTUNE_ITEMS_MAX; values and total are finite or NaN and
 * read back exactly (only -0 comes back as 0). recorded_at 0: now. */
int attune_store_response_add(attune_store *st, const attune_response_rec *r,
                              attune_id *out_id);
/* Responses of a client, ordered by session number then time (episodes in
 * start order); zInstrument NULL for all instruments. */
int attune_store_response_list(attune_store *st, attune_id client_id,
                               const char *zInstrument,
                               attune_response_cb cb, void *ctx);
/* The courses of n clients in one call, for pages that show many clients
 * at once (the caseload): for each client_ids[i] in turn, exactly what
 * attune_store_episode_list(), attune_store_session_list() and
 * attune_store_response_list(st, id, NULL, ...) hand out, in their
 * orders: the client's episodes to episode_cb, then its sessions to
 * session_cb, then its responses to response_cb. On PostgreSQL this is a
 * few statements for all the clients instead of several per client.
 * Audit rows: those of the three calls for each client ("episode.list",
 * "session.list", "response.list" of client:ID, in that order). A
 * callback returning non-zero stops the listing and its value is
 * returned; the audit rows of clients not reached yet may have been
 * written all the same (PostgreSQL writes every row before the first
 * callback). ATTUNE_ENOTFOUND when a client does not exist (the
 * callbacks may have seen the clients before it).
 * n 0: nothing happens. Records and their strings are borrowed until the
 * callback returns. */
int attune_store_course_list(attune_store *st, const attune_id *client_ids,
                             size_t n, attune_episode_cb episode_cb,
                             attune_session_cb session_cb,
                             attune_response_cb response_cb, void *ctx);

/* ---- Audit ---- */

/* Append an audit row by hand (for reads the store cannot see, such as a
 * report built from several calls). */
int attune_store_audit(attune_store *st, const char *zAction,
                       const char *zObject, const char *zDetail);
/* Rows with at >= since, newest first; limit 0 = all. Not audited. */
int attune_store_audit_list(attune_store *st, int64_t since, size_t limit,
                            attune_audit_cb cb, void *ctx);

/* ==== The web app (schema 2): sign-in sessions, check-in links, API
 * tokens, supervision, grants, clinic settings ====
 *
 * Secrets (session cookies, check-in link tokens, API tokens) never
 * reach the store: the caller hashes them (the web server uses BLAKE2b
 * with 256 bits, written as 64 lower-case hex digits) and the store
 * keeps and looks up only the hash, an identifier in the sense above. */

/* ---- Users, continued ---- */

/* The user with this id. ATTUNE_ENOTFOUND when there is none. Not
 * audited (not client data). */
int attune_store_user_get(attune_store *st, attune_id user_id,
                          attune_user_cb cb, void *ctx);
/* Set (zHash an argon2id string) or clear (NULL: the account cannot sign
 * in) a user's password hash. Audited "user.password". */
int attune_store_user_set_password(attune_store *st, attune_id user_id,
                                   const char *zHash);
/* Change a user's role. Audited "user.role" (detail role:R).
 * ATTUNE_EINVAL, changing nothing, when a therapist who still has
 * clients would stop being a therapist: their clients would belong to
 * no one who can see them. Transfer them first
 * (attune_store_client_transfer). */
int attune_store_user_set_role(attune_store *st, attune_id user_id,
                               attune_role role);

/* ---- Web sign-in sessions (not client data: not audited except sign-in
 * and sign-out) ---- */

typedef struct attune_websession_rec {
	const char *id_hash;      /* hash of the cookie's token */
	attune_id user_id;
	const char *csrf;         /* the session's CSRF secret: an identifier
	                             (the web server uses 64 hex digits) */
	const char *origin;       /* where the sign-in came from (text) */
	int64_t created_at;       /* 0 on add: now */
	int64_t last_seen;        /* 0 on add: created_at */
	int64_t expires_at;       /* absolute end; > created_at */
} attune_websession_rec;

typedef int (*attune_websession_cb)(void *ctx,
                                    const attune_websession_rec *r);

/* Record a sign-in. ATTUNE_EEXIST when the hash is taken (a collision
 * of 256-bit random tokens: a bug), ATTUNE_ENOTFOUND when there is no
 * such user. Audited "auth.login" (object user:N). */
int attune_store_websession_add(attune_store *st,
                                const attune_websession_rec *s);
/* The session with this hash, expired or not (the caller decides).
 * ATTUNE_ENOTFOUND when there is none. */
int attune_store_websession_find(attune_store *st, const char *zIdHash,
                                 attune_websession_cb cb, void *ctx);
/* Set last_seen. ATTUNE_ENOTFOUND when there is no such session. */
int attune_store_websession_touch(attune_store *st, const char *zIdHash,
                                  int64_t last_seen);
/* Sign out: delete the session. Audited "auth.logout" (object user:N).
 * ATTUNE_ENOTFOUND when there is none. */
int attune_store_websession_delete(attune_store *st, const char *zIdHash);
/* Delete every session of a user (after a password or role change).
 * Audited "auth.logout-all" (object user:N). *n_deleted may be NULL. */
int attune_store_websession_delete_user(attune_store *st, attune_id user_id,
                                        size_t *n_deleted);
/* Delete sessions with expires_at <= now or last_seen < idle_before.
 * Housekeeping, not audited. *n_deleted may be NULL. */
int attune_store_websession_purge(attune_store *st, int64_t now,
                                  int64_t idle_before, size_t *n_deleted);

/* ---- Check-in links (client data: audited) ---- */

/* Instruments one link may assign. */
#define ATTUNE_LINK_INSTRUMENTS_MAX 16

typedef struct attune_link_rec {
	attune_id id;             /* set by the store */
	const char *token_hash;
	attune_id client_id;
	int session_number;       /* 1, 2, ...; 0: "the next session" */
	/* Comma-separated instrument ids, 1..ATTUNE_LINK_INSTRUMENTS_MAX of
	 * them, each an identifier ("phq9,checkin-alliance"). */
	const char *instruments;
	attune_id created_by;     /* user; 0 when none (command line) */
	int64_t created_at;       /* 0 on add: now */
	int64_t expires_at;       /* > created_at */
	int64_t used_at;          /* 0: not used yet (ignored on add) */
} attune_link_rec;

typedef int (*attune_link_cb)(void *ctx, const attune_link_rec *r);

/* Create a link. ATTUNE_ENOTFOUND when there is no such client (or
 * creating user); ATTUNE_EEXIST when the hash is taken. Audited
 * "link.add" (object link:N, detail client:N). */
int attune_store_link_add(attune_store *st, const attune_link_rec *l,
                          attune_id *out_id);
/* The link with this token hash, used or expired or not (the caller
 * decides what to show). Audited "link.read" (object link:N, detail
 * client:N) before the callback runs. ATTUNE_ENOTFOUND when none. */
int attune_store_link_find(attune_store *st, const char *zTokenHash,
                           attune_link_cb cb, void *ctx);
/* Mark the link used at used_at (0: now), once: ATTUNE_EEXIST when it
 * was used already, ATTUNE_ENOTFOUND when there is no such link. Call it
 * in the same transaction as the answers it admits, so that a link is
 * spent exactly when its answers are stored. Audited "link.use". */
int attune_store_link_use(attune_store *st, attune_id link_id,
                          int64_t used_at);
/* The links of a client, newest first. Audited "link.list". */
int attune_store_link_list(attune_store *st, attune_id client_id,
                           attune_link_cb cb, void *ctx);

/* ---- API tokens (not client data: audited when made and revoked) ---- */

typedef struct attune_token_rec {
	attune_id id;             /* set by the store */
	const char *token_hash;
	attune_id user_id;
	const char *label;        /* text, e.g. "EHR bridge" */
	int64_t created_at;       /* 0 on add: now */
	int64_t last_used;        /* 0: never */
	int64_t revoked_at;       /* 0: in force */
} attune_token_rec;

typedef int (*attune_token_cb)(void *ctx, const attune_token_rec *r);

/* Audited "token.add" (object token:N, detail user:N). ATTUNE_ENOTFOUND
 * when there is no such user. */
int attune_store_token_add(attune_store *st, const attune_token_rec *t,
                           attune_id *out_id);
/* The token with this hash, revoked or not. ATTUNE_ENOTFOUND when
 * none. */
int attune_store_token_find(attune_store *st, const char *zTokenHash,
                            attune_token_cb cb, void *ctx);
/* Set last_used. ATTUNE_ENOTFOUND when there is no such token. */
int attune_store_token_touch(attune_store *st, attune_id token_id,
                             int64_t last_used);
/* Revoke a token (idempotent: a revoked token keeps its first time).
 * Audited "token.revoke". ATTUNE_ENOTFOUND when none. */
int attune_store_token_revoke(attune_store *st, attune_id token_id);
/* Tokens of a user (0: every user), oldest first. */
int attune_store_token_list(attune_store *st, attune_id user_id,
                            attune_token_cb cb, void *ctx);

/* ---- Who may see which client ---- */

/* How a user relates to a client. */
typedef enum attune_access {
	ATTUNE_ACCESS_NONE = 0,
	ATTUNE_ACCESS_OWN = 1,        /* the client's therapist */
	ATTUNE_ACCESS_GRANTED = 2,    /* a grant names this user and client */
	ATTUNE_ACCESS_SUPERVISED = 3  /* supervises the client's therapist */
} attune_access;

/* Supervisor supervises therapist: both users of the same clinic, not
 * the same user. ATTUNE_EEXIST when recorded already. Audited
 * "supervision.add" (object user:S, detail therapist:T). */
int attune_store_supervision_add(attune_store *st, attune_id supervisor_id,
                                 attune_id therapist_id);
/* End it. ATTUNE_ENOTFOUND when there was none. Audited
 * "supervision.remove". */
int attune_store_supervision_remove(attune_store *st,
                                    attune_id supervisor_id,
                                    attune_id therapist_id);
/* The users supervisor_id supervises, ordered by name. Not audited. */
int attune_store_supervision_list(attune_store *st, attune_id supervisor_id,
                                  attune_user_cb cb, void *ctx);

/* Grant user_id access to a client of another therapist (same clinic).
 * ATTUNE_EEXIST when granted already. Audited "grant.add" (object
 * client:C, detail user:U). */
int attune_store_grant_add(attune_store *st, attune_id user_id,
                           attune_id client_id);
/* ATTUNE_ENOTFOUND when there was none. Audited "grant.remove". */
int attune_store_grant_remove(attune_store *st, attune_id user_id,
                              attune_id client_id);
/* The clients granted to user_id, ordered by code. Audited "grant.list"
 * (object user:U): it returns client records. */
int attune_store_grant_list(attune_store *st, attune_id user_id,
                            attune_client_cb cb, void *ctx);

/* How user_id relates to client_id (the closest relation when several
 * hold: own, then granted, then supervised). No client data is returned,
 * so it is not audited; ATTUNE_ENOTFOUND when there is no such client. */
int attune_store_client_access(attune_store *st, attune_id user_id,
                               attune_id client_id, attune_access *out);
/* The same, and the client's data version (schema 5): a number that
 * changes, in the same transaction, with every write to the client's
 * record, episodes, sessions, responses, check-in links or transcripts,
 * whoever makes it (database triggers). Equal versions mean equal data,
 * so a cache of anything drawn from the client's data may be keyed by
 * (client id, version). */
int attune_store_client_access_version(attune_store *st, attune_id user_id,
                                       attune_id client_id,
                                       attune_access *out, int64_t *version);

/* The client with this id. Audited "client.read". ATTUNE_ENOTFOUND when
 * there is none. */
int attune_store_client_get(attune_store *st, attune_id client_id,
                            attune_client_cb cb, void *ctx);
/* Allow (1) or stop (0) the client seeing their own progress. Audited
 * "client.update" (detail sees_progress:V). */
/* Make another therapist of the client's clinic (a user with the
 * therapist role) responsible for the client: a therapist leaving, a
 * change of care. From then on the new therapist has the client as
 * their own and the old one no access (unless granted or supervising).
 * Audited "client.transfer" (detail from:user:OLD to:user:NEW, from:none
 * when the client had no therapist); nothing changes and nothing is
 * written when the client is already theirs. ATTUNE_EINVAL when the
 * user is not a therapist of that clinic. */
int attune_store_client_transfer(attune_store *st, attune_id client_id,
                                 attune_id therapist_id);
int attune_store_client_set_sees_progress(attune_store *st,
                                          attune_id client_id, int on);

/* ---- Clinic settings ---- */

/* The settings attune itself reads (the web app's admin page sets them;
 * docs/data-model.md): "1" when a new client may see their own progress
 * after a check-in. */
#define ATTUNE_SETTING_SEES_PROGRESS "sees_progress_default"

/* zName an identifier, zValue text. Audited "setting.set" (object
 * clinic:N, detail the name). */
int attune_store_setting_set(attune_store *st, attune_id clinic_id,
                             const char *zName, const char *zValue);
/* The value of a setting: cb(ctx, value). ATTUNE_ENOTFOUND when unset. */
int attune_store_setting_get(attune_store *st, attune_id clinic_id,
                             const char *zName,
                             int (*cb)(void *ctx, const char *zValue),
                             void *ctx);

/* ==== Session transcripts (schema 3): client data, every call audited ====
 *
 * A transcript belongs to one session of a client and is kept as it was
 * given (the text of a file in one of the formats attune_transcript_read()
 * takes; see transcript.h). The store does not parse it: callers parse
 * before they store, so that only readable transcripts are kept. */

typedef struct attune_transcript_row {
	attune_id id;             /* set by the store */
	attune_id session_id;
	attune_id client_id;      /* on reads: the session's client (ignored
	                             on add) */
	int session_number;       /* on reads (ignored on add) */
	const char *format;       /* an identifier: "auto", "text", "vtt",
	                             "srt", "csv" or "json" */
	/* The transcript: 1..ATTUNE_TRANSCRIPT_SIZE_MAX bytes of valid UTF-8
	 * without NUL (line breaks and tabs are fine). NULL in listings. */
	const char *text;
	size_t size;              /* bytes of text (on reads) */
	attune_id created_by;     /* user; 0 when none (command line) */
	int64_t created_at;       /* 0 on add: now */
} attune_transcript_row;

typedef int (*attune_transcript_row_cb)(void *ctx,
                                    const attune_transcript_row *r);

/* Store a transcript of session t->session_id. ATTUNE_ENOTFOUND when
 * there is no such session (or creating user); ATTUNE_ELIMIT over
 * ATTUNE_TRANSCRIPT_SIZE_MAX. Audited "transcript.add" (object
 * transcript:N, detail client:C session:S). */
int attune_store_transcript_add(attune_store *st,
                                const attune_transcript_row *t,
                                attune_id *out_id);
/* The transcript with this id, text included (borrowed until cb
 * returns). Audited "transcript.read" (object transcript:N, detail
 * client:C) before the callback runs. ATTUNE_ENOTFOUND when none. */
int attune_store_transcript_get(attune_store *st, attune_id transcript_id,
                                attune_transcript_row_cb cb, void *ctx);
/* The transcripts of a client (session_id 0), or of one session of the
 * client, oldest first, without their text (r->text NULL, r->size set).
 * ATTUNE_ENOTFOUND when there is no such client. Audited
 * "transcript.list" (object client:C). */
int attune_store_transcript_list(attune_store *st, attune_id client_id,
                                 attune_id session_id,
                                 attune_transcript_row_cb cb, void *ctx);
/* Delete the transcript with this id for good. With client_id not 0 the
 * transcript must also belong to that client: one of another client is
 * treated as absent, so a caller that checked its right to the client
 * cannot reach past it. ATTUNE_ENOTFOUND when there is no such
 * transcript (nothing changes). Audited "transcript.delete" (object
 * transcript:N, detail client:C session:S) in the same transaction. */
int attune_store_transcript_delete(attune_store *st, attune_id client_id,
                                   attune_id transcript_id);


/* ==== Sites and the clinic overview (schema 5) ====
 *
 * A clinic network has sites; a user works at one site or none. The
 * overview aggregates a clinic's outcomes per therapist or per site
 * inside the database, so that only one row per group (plus a bounded
 * histogram of PHQ-9 score pairs) leaves it. docs/analytics.md. */

typedef struct attune_site_rec {
	attune_id id;
	attune_id clinic_id;
	const char *name;         /* text, 1..ATTUNE_ID_MAX bytes, unique in
	                             the clinic */
	int64_t created_at;
	int64_t n_users;          /* users at the site (on reads) */
} attune_site_rec;

typedef int (*attune_site_cb)(void *ctx, const attune_site_rec *r);

/* Add a site to a clinic. ATTUNE_EEXIST when the name is taken there,
 * ATTUNE_ENOTFOUND when there is no such clinic. Audited "site.add"
 * (object site:N, detail clinic:C). */
int attune_store_site_add(attune_store *st, attune_id clinic_id,
                          const char *zName, attune_id *out_id);
/* The sites of a clinic, ordered by name. Not audited (not client
 * data). ATTUNE_ENOTFOUND when there is no such clinic. */
int attune_store_site_list(attune_store *st, attune_id clinic_id,
                           attune_site_cb cb, void *ctx);
/* Put a user at a site (site_id 0: at none). The site must belong to
 * the user's clinic (ATTUNE_EINVAL otherwise); ATTUNE_ENOTFOUND when
 * there is no such user or site. Audited "user.site" (object user:N,
 * detail site:S). */
int attune_store_user_set_site(attune_store *st, attune_id user_id,
                               attune_id site_id);

typedef enum attune_overview_by {
	ATTUNE_OVERVIEW_THERAPIST = 0,  /* a client's group: its therapist */
	ATTUNE_OVERVIEW_SITE = 1        /* its therapist's site */
} attune_overview_by;

/* First and latest client-rated score of an outcome instrument (the
 * overview is called with PHQ-9) per episode, judged with
 * attune_change_classify() (Jacobson & Truax 1991 with the instrument's
 * norms from the catalogue: its reliable-change points and cut-off). An
 * episode counts when it has at least two scored responses; first and
 * latest are by session number, then time recorded. */
typedef struct attune_overview_outcome {
	int64_t episodes;         /* episodes with a pair */
	double sum_change;        /* sum of latest - first */
	double mean_change;       /* sum_change / episodes; NaN when none */
	int64_t improved;         /* reliably improved (recovered included) */
	int64_t recovered;        /* of those, moved below the cut-off */
	int64_t unchanged;        /* no reliable change */
	int64_t deteriorated;     /* reliably worse (harmed included) */
} attune_overview_outcome;

typedef struct attune_overview_row {
	attune_id id;             /* user or site id; 0: clients without a
	                             therapist / therapists without a site */
	const char *name;         /* login or site name; NULL for group 0 */
	int64_t clients;
	int64_t open_episodes;
	int64_t recent_responses; /* responses recorded at or after `since` */
	attune_overview_outcome all;     /* every episode, open or closed */
	attune_overview_outcome closed;  /* finished episodes only */
} attune_overview_row;

typedef int (*attune_overview_cb)(void *ctx, const attune_overview_row *r);

/* The clinic overview: one row per group, in name order (every
 * therapist-role user, or every site, zeros included; then group 0 when
 * it has clients). since: unix seconds, 0 for 90 days before now.
 * outcome: the instrument whose first and latest totals are judged (a
 * borrowed catalogue entry, "phq9" in attune's own callers); it needs a
 * total and a reliable-change threshold (ATTUNE_EINVAL otherwise).
 * Computed in the database with a bounded result (one row per group and
 * at most one row per distinct PHQ-9 (first, latest) pair per group);
 * memory grows with the number of groups, never with clients or
 * responses. Aggregates only, no client codes; audited once
 * "clinic.overview" (object clinic:C, detail by:therapist|site) before
 * the first row. ATTUNE_ENOTFOUND when there is no such clinic. */
struct attune_instrument;
int attune_store_overview(attune_store *st, attune_id clinic_id,
                          attune_overview_by by, int64_t since,
                          const struct attune_instrument *outcome,
                          attune_overview_cb cb, void *ctx);

#endif
