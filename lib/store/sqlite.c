/* sqlite.c - the SQLite storage engine: one connection per store in WAL
 * mode, cached prepared statements with bound parameters, and savepoints
 * so that every call is atomic and joins a caller's transaction. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <sqlite3.h>
#include "attune/limits.h"
#include "store/store_int.h"

/* How long a call waits for another connection's write lock before it
 * gives up with "database is locked". Writes are short; 5 s covers a
 * checkpoint on a slow disk. */
#define BUSY_TIMEOUT_MS 5000

/* "client:9223372036854775807" and the like, with room to spare. */
#define OBJ_MAX 64
#define DETAIL_MAX (ATTUNE_ID_MAX + 160)

enum stmt_id {
	S_BEGIN, S_COMMIT, S_ROLLBACK, S_SAVEPOINT, S_RELEASE, S_ROLLBACK_TO,
	S_VERSION,
	S_AUDIT_ADD, S_AUDIT_LIST,
	S_CLINIC_ADD, S_CLINIC_GET, S_CLINIC_LIST,
	S_USER_ADD, S_USER_GET, S_USER_FIND, S_USER_LIST,
	S_CLIENT_ADD, S_CLIENT_GET, S_CLIENT_FIND, S_CLIENT_LIST,
	S_CLIENT_LIST_THERAPIST,
	S_EPISODE_ADD, S_EPISODE_GET, S_EPISODE_CURRENT, S_EPISODE_CLOSE,
	S_EPISODE_LIST,
	S_SESSION_ADD, S_SESSION_GET, S_SESSION_FIND, S_SESSION_LIST,
	S_RESPONSE_ADD, S_RESPONSE_LIST,
	/* schema 2 */
	S_USER_BY_ID, S_USER_SET_PASSWORD, S_USER_SET_ROLE,
	S_WS_ADD, S_WS_FIND, S_WS_TOUCH, S_WS_DELETE, S_WS_DELETE_USER,
	S_WS_PURGE,
	S_LINK_ADD, S_LINK_FIND, S_LINK_GET, S_LINK_USE, S_LINK_LIST,
	S_TOKEN_ADD, S_TOKEN_FIND, S_TOKEN_GET, S_TOKEN_TOUCH, S_TOKEN_REVOKE,
	S_TOKEN_LIST,
	S_SUP_ADD, S_SUP_REMOVE, S_SUP_LIST,
	S_GRANT_ADD, S_GRANT_REMOVE, S_GRANT_LIST,
	S_ACCESS, S_CLIENT_BY_ID, S_CLIENT_SET_PROGRESS,
	S_CLIENT_THERAPIST, S_CLIENT_SET_THERAPIST, S_USER_ROLE,
	S_USER_CLIENTS,
	S_SETTING_SET, S_SETTING_GET,
	/* schema 3 */
	S_TRANSCRIPT_ADD, S_TRANSCRIPT_GET, S_TRANSCRIPT_LIST,
	S_TRANSCRIPT_DELETE,
	/* schema 5 */
	S_SITE_ADD, S_SITE_GET, S_SITE_LIST, S_USER_SET_SITE,
	S_OV_COUNTS_T, S_OV_COUNTS_S, S_OV_PAIRS_T, S_OV_PAIRS_S,
	S_N
};

#define USER_COLS \
	"id, clinic_id, name, display_name, role, password_hash, created_at," \
	" site_id"
#define CLIENT_COLS \
	"id, clinic_id, therapist_id, code, display_name, created_at," \
	" sees_progress"
#define WS_COLS \
	"id_hash, user_id, csrf, origin, created_at, last_seen, expires_at"
/* A transcript with its session's client and number; BODY the text
 * column or NULL (listings). */
#define TRANSCRIPT_FROM(BODY) \
	"SELECT t.id, t.session_id, e.client_id, s.number, t.format, " \
	BODY ", length(CAST(t.body AS BLOB)), t.created_by, t.created_at" \
	" FROM transcripts t JOIN sessions s ON s.id = t.session_id" \
	" JOIN episodes e ON e.id = s.episode_id "
#define LINK_COLS \
	"id, token_hash, client_id, session_number, instruments, created_by," \
	" created_at, expires_at, used_at"
#define TOKEN_COLS \
	"id, token_hash, user_id, label, created_at, last_used, revoked_at"
#define SESSION_FROM \
	"SELECT s.id, s.episode_id, e.client_id, s.number, s.date, " \
	"s.attended FROM sessions s JOIN episodes e ON e.id = s.episode_id "

/* Every statement the engine runs after open. Parameters only; no SQL
 * text is ever built from data. */
static const char *const sql_text[S_N] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_SAVEPOINT] = "SAVEPOINT attune_call",
	[S_RELEASE] = "RELEASE attune_call",
	[S_ROLLBACK_TO] = "ROLLBACK TO attune_call",
	[S_VERSION] = "SELECT max(version) FROM schema_version",

	[S_AUDIT_ADD] =
		"INSERT INTO audit (at, user_id, actor, origin, action, object,"
		" detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[S_AUDIT_LIST] =
		"SELECT id, at, user_id, actor, origin, action, object, detail"
		" FROM audit WHERE at >= ?1 ORDER BY at DESC, id DESC"
		" LIMIT ?2",

	[S_CLINIC_ADD] =
		"INSERT INTO clinics (name, created_at) VALUES (?1, ?2)"
		" RETURNING id",
	[S_CLINIC_GET] = "SELECT id FROM clinics WHERE id = ?1",
	[S_CLINIC_LIST] =
		"SELECT id, name, created_at FROM clinics ORDER BY name, id",

	[S_USER_ADD] =
		"INSERT INTO users (clinic_id, name, display_name, role,"
		" password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
		" RETURNING id",
	[S_USER_GET] = "SELECT clinic_id FROM users WHERE id = ?1",
	[S_USER_FIND] =
		"SELECT " USER_COLS " FROM users"
		" WHERE clinic_id = ?1 AND name = ?2",
	[S_USER_LIST] =
		"SELECT " USER_COLS " FROM users WHERE clinic_id = ?1"
		" ORDER BY name",

	[S_CLIENT_ADD] =
		"INSERT INTO clients (clinic_id, therapist_id, code,"
		" display_name, created_at, sees_progress)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
	[S_CLIENT_GET] = "SELECT clinic_id FROM clients WHERE id = ?1",
	[S_CLIENT_FIND] =
		"SELECT " CLIENT_COLS " FROM clients"
		" WHERE clinic_id = ?1 AND code = ?2",
	[S_CLIENT_LIST] =
		"SELECT " CLIENT_COLS " FROM clients WHERE clinic_id = ?1"
		" ORDER BY code",
	[S_CLIENT_LIST_THERAPIST] =
		"SELECT " CLIENT_COLS " FROM clients"
		" WHERE clinic_id = ?1 AND therapist_id = ?2 ORDER BY code",

	[S_EPISODE_ADD] =
		"INSERT INTO episodes (client_id, started) VALUES (?1, ?2)"
		" RETURNING id",
	[S_EPISODE_GET] =
		"SELECT client_id, started, ended FROM episodes WHERE id = ?1",
	[S_EPISODE_CURRENT] =
		"SELECT id, started FROM episodes"
		" WHERE client_id = ?1 AND ended IS NULL"
		" ORDER BY started DESC, id DESC LIMIT 1",
	[S_EPISODE_CLOSE] =
		"UPDATE episodes SET ended = ?2, end_reason = ?3"
		" WHERE id = ?1 AND ended IS NULL",
	[S_EPISODE_LIST] =
		"SELECT id, client_id, started, ended, end_reason FROM episodes"
		" WHERE client_id = ?1 ORDER BY started, id",

	[S_SESSION_ADD] =
		"INSERT INTO sessions (episode_id, number, date, attended)"
		" VALUES (?1, ?2, ?3, ?4) RETURNING id",
	[S_SESSION_GET] =
		"SELECT e.client_id FROM sessions s"
		" JOIN episodes e ON e.id = s.episode_id WHERE s.id = ?1",
	[S_SESSION_FIND] =
		SESSION_FROM "WHERE s.episode_id = ?1 AND s.number = ?2",
	[S_SESSION_LIST] =
		SESSION_FROM "WHERE e.client_id = ?1"
		" ORDER BY e.started, e.id, s.number",

	[S_RESPONSE_ADD] =
		"INSERT INTO responses (session_id, instrument,"
		" instrument_version, respondent, item_values, total,"
		" recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
		" RETURNING id",
	[S_RESPONSE_LIST] =
		"SELECT r.id, r.session_id, e.client_id, s.number, s.date,"
		" r.instrument, r.instrument_version, r.respondent,"
		" r.item_values, r.total, r.recorded_at"
		" FROM responses r JOIN sessions s ON s.id = r.session_id"
		" JOIN episodes e ON e.id = s.episode_id"
		" WHERE e.client_id = ?1 AND (?2 IS NULL OR r.instrument = ?2)"
		" ORDER BY e.started, e.id, s.number, r.recorded_at, r.id",

	/* ---- schema 2 ---- */
	[S_USER_BY_ID] = "SELECT " USER_COLS " FROM users WHERE id = ?1",
	[S_USER_SET_PASSWORD] =
		"UPDATE users SET password_hash = ?2 WHERE id = ?1",
	[S_USER_SET_ROLE] = "UPDATE users SET role = ?2 WHERE id = ?1",

	[S_WS_ADD] =
		"INSERT INTO web_sessions (" WS_COLS ")"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[S_WS_FIND] =
		"SELECT " WS_COLS " FROM web_sessions WHERE id_hash = ?1",
	[S_WS_TOUCH] =
		"UPDATE web_sessions SET last_seen = ?2 WHERE id_hash = ?1",
	[S_WS_DELETE] =
		"DELETE FROM web_sessions WHERE id_hash = ?1 RETURNING user_id",
	[S_WS_DELETE_USER] = "DELETE FROM web_sessions WHERE user_id = ?1",
	[S_WS_PURGE] =
		"DELETE FROM web_sessions WHERE expires_at <= ?1"
		" OR last_seen < ?2",

	[S_LINK_ADD] =
		"INSERT INTO checkin_links (token_hash, client_id,"
		" session_number, instruments, created_by, created_at,"
		" expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
	[S_LINK_FIND] =
		"SELECT " LINK_COLS " FROM checkin_links WHERE token_hash = ?1",
	[S_LINK_GET] = "SELECT client_id FROM checkin_links WHERE id = ?1",
	[S_LINK_USE] =
		"UPDATE checkin_links SET used_at = ?2"
		" WHERE id = ?1 AND used_at IS NULL",
	[S_LINK_LIST] =
		"SELECT " LINK_COLS " FROM checkin_links WHERE client_id = ?1"
		" ORDER BY created_at DESC, id DESC",

	[S_TOKEN_ADD] =
		"INSERT INTO api_tokens (token_hash, user_id, label,"
		" created_at) VALUES (?1, ?2, ?3, ?4) RETURNING id",
	[S_TOKEN_FIND] =
		"SELECT " TOKEN_COLS " FROM api_tokens WHERE token_hash = ?1",
	[S_TOKEN_GET] = "SELECT user_id FROM api_tokens WHERE id = ?1",
	[S_TOKEN_TOUCH] =
		"UPDATE api_tokens SET last_used = ?2 WHERE id = ?1",
	[S_TOKEN_REVOKE] =
		"UPDATE api_tokens SET revoked_at = coalesce(revoked_at, ?2)"
		" WHERE id = ?1",
	[S_TOKEN_LIST] =
		"SELECT " TOKEN_COLS " FROM api_tokens"
		" WHERE ?1 = 0 OR user_id = ?1 ORDER BY created_at, id",

	[S_SUP_ADD] =
		"INSERT INTO supervision (supervisor_id, therapist_id,"
		" created_at) VALUES (?1, ?2, ?3)",
	[S_SUP_REMOVE] =
		"DELETE FROM supervision"
		" WHERE supervisor_id = ?1 AND therapist_id = ?2",
	[S_SUP_LIST] =
		"SELECT u.id, u.clinic_id, u.name, u.display_name, u.role,"
		" u.password_hash, u.created_at, u.site_id FROM supervision s"
		" JOIN users u ON u.id = s.therapist_id"
		" WHERE s.supervisor_id = ?1 ORDER BY u.name",

	[S_GRANT_ADD] =
		"INSERT INTO grants (user_id, client_id, created_at)"
		" VALUES (?1, ?2, ?3)",
	[S_GRANT_REMOVE] =
		"DELETE FROM grants WHERE user_id = ?1 AND client_id = ?2",
	[S_GRANT_LIST] =
		"SELECT c.id, c.clinic_id, c.therapist_id, c.code,"
		" c.display_name, c.created_at, c.sees_progress"
		" FROM grants g JOIN clients c ON c.id = g.client_id"
		" WHERE g.user_id = ?1 ORDER BY c.code",

	[S_ACCESS] =
		"SELECT CASE WHEN c.therapist_id = ?1 THEN 1"
		" WHEN EXISTS (SELECT 1 FROM grants g"
		"  WHERE g.user_id = ?1 AND g.client_id = c.id) THEN 2"
		" WHEN EXISTS (SELECT 1 FROM supervision s"
		"  WHERE s.supervisor_id = ?1"
		"  AND s.therapist_id = c.therapist_id) THEN 3"
		" ELSE 0 END, c.data_version FROM clients c WHERE c.id = ?2",
	[S_CLIENT_BY_ID] = "SELECT " CLIENT_COLS " FROM clients WHERE id = ?1",
	[S_CLIENT_SET_PROGRESS] =
		"UPDATE clients SET sees_progress = ?2 WHERE id = ?1",
	[S_CLIENT_THERAPIST] =
		"SELECT coalesce(therapist_id, 0) FROM clients WHERE id = ?1",
	[S_CLIENT_SET_THERAPIST] =
		"UPDATE clients SET therapist_id = ?2 WHERE id = ?1",
	[S_USER_ROLE] = "SELECT role FROM users WHERE id = ?1",
	[S_USER_CLIENTS] =
		"SELECT count(*) FROM clients WHERE therapist_id = ?1",

	[S_SETTING_SET] =
		"INSERT INTO clinic_settings (clinic_id, name, value)"
		" VALUES (?1, ?2, ?3) ON CONFLICT (clinic_id, name)"
		" DO UPDATE SET value = excluded.value",
	[S_SETTING_GET] =
		"SELECT value FROM clinic_settings"
		" WHERE clinic_id = ?1 AND name = ?2",

	[S_SITE_ADD] =
		"INSERT INTO sites (clinic_id, name, created_at)"
		" VALUES (?1, ?2, ?3) RETURNING id",
	[S_SITE_GET] = "SELECT clinic_id FROM sites WHERE id = ?1",
	[S_SITE_LIST] =
		"SELECT s.id, s.clinic_id, s.name, s.created_at,"
		" (SELECT count(*) FROM users u WHERE u.site_id = s.id)"
		" FROM sites s WHERE s.clinic_id = ?1 ORDER BY s.name",
	[S_USER_SET_SITE] = "UPDATE users SET site_id = ?2 WHERE id = ?1",
	[S_OV_COUNTS_T] = STORE_OV_COUNTS(STORE_OV_THERAPIST, "?1", "?2"),
	[S_OV_COUNTS_S] = STORE_OV_COUNTS(STORE_OV_SITE, "?1", "?2"),
	[S_OV_PAIRS_T] = STORE_OV_PAIRS(STORE_OV_THERAPIST, "?1", "?2"),
	[S_OV_PAIRS_S] = STORE_OV_PAIRS(STORE_OV_SITE, "?1", "?2"),

	[S_TRANSCRIPT_ADD] =
		"INSERT INTO transcripts (session_id, format, body, created_at,"
		" created_by) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
	[S_TRANSCRIPT_GET] =
		TRANSCRIPT_FROM("t.body")
		"WHERE t.id = ?1",
	[S_TRANSCRIPT_LIST] =
		TRANSCRIPT_FROM("NULL")
		"WHERE e.client_id = ?1 AND (?2 = 0 OR t.session_id = ?2)"
		" ORDER BY t.created_at, t.id",
	/* ?2 0: of any client. */
	[S_TRANSCRIPT_DELETE] =
		"DELETE FROM transcripts WHERE id = ?1 AND (?2 = 0 OR"
		" session_id IN (SELECT s.id FROM sessions s"
		"  JOIN episodes e ON e.id = s.episode_id"
		"  WHERE e.client_id = ?2))"
		" RETURNING session_id",
};

/* ---- One writer at a time, and group commit ----
 *
 * SQLite lets one connection at a time write a database file. A
 * connection that finds the write lock taken sleeps in its busy handler
 * (1, 2, 5, ... 100 ms) and polls again, so a web server whose worker
 * threads each hold a connection turns a burst of writes into long tails
 * and, past the busy timeout, "database is locked". The store handles of
 * one process that open the same file (same device and inode) therefore
 * queue on one mutex from BEGIN IMMEDIATE to COMMIT or ROLLBACK, and are
 * woken in turn; the busy timeout still covers other processes (the
 * command line writing while the server runs).
 *
 * Durability: synchronous = NORMAL makes a commit in WAL mode write its
 * frames without an fsync, so a power loss could lose the last commits.
 * After every top-level commit that changed something, the committer
 * syncs the WAL file before it returns; threads that committed while a
 * sync was under way share the next one (group commit). Syncing the WAL
 * after a commit is what synchronous = FULL does inside the commit
 * (https://www.sqlite.org/pragma.html#pragma_synchronous,
 * https://www.sqlite.org/wal.html); doing it after the write lock is
 * released lets one fsync cover many commits. A checkpoint that moves
 * frames into the database syncs the WAL before and the database after
 * (NORMAL does that too), so frames are never lost by a WAL restart. */
struct sq_file {
	struct sq_file *next;
	dev_t dev;
	ino_t ino;
	int refs;
	pthread_mutex_t wmu;       /* held from BEGIN to the end of a txn */
	pthread_mutex_t smu;       /* guards the counters below */
	pthread_cond_t scv;
	uint64_t committed;        /* commits that changed something */
	uint64_t synced;           /* of those, known to be on disk */
	uint64_t rounds;           /* fsyncs of the WAL done */
	int syncing;               /* a thread is in fsync now */
	/* Audit rows written on their own (see audit_alone()): the rows
	 * waiting for the next batch, and whether a thread writes one. */
	pthread_mutex_t amu;
	pthread_cond_t acv;
	struct sq_arow *apending, **atail;
	int awriting;
	uint64_t abatches, arows;  /* batches written, rows in them */
};

/* An audit row waiting in its writer's stack frame for a batch. */
struct sq_arow {
	struct sq_arow *next;
	const attune_audit_rec *rec;
	int done;
	int rc;
	uint64_t seq;              /* the batch's commit, for group_sync() */
	char err[ATTUNE_ERR_MAX];
};

static pthread_mutex_t files_mu = PTHREAD_MUTEX_INITIALIZER;
static struct sq_file *files;

struct sq {
	sqlite3 *db;
	sqlite3_stmt *cache[S_N];
	unsigned char busy[S_N];  /* cache[i] is being stepped */
	struct sq_file *file;     /* NULL: an in-memory database */
	int wlocked;              /* this handle holds file->wmu */
	sqlite3_int64 changes0;   /* total_changes at BEGIN */
	/* A bulk load (raw_insert): the INSERT of table raw_t, kept
	 * prepared; raw_cache is the cache_size to go back to (0: none
	 * changed). */
	sqlite3_stmt *raw_ins;
	const struct store_table *raw_t;
	int raw_cache;
	int raw_fk;               /* foreign keys off for a bulk load */
	/* What a bulk load set aside at its first row (raw_schema_off):
	 * the SQL that creates it again, run by sq_raw_keys. */
	char **raw_redo;
	size_t n_redo;
	int raw_off;              /* set aside (raw_redo is complete) */
	int raw_dv;               /* data-version triggers among them */
};

static void raw_end(attune_store *st);
static void raw_fk_on(attune_store *st);

static sqlite3 *db_of(attune_store *st)
{
	return ((struct sq *)st->engine)->db;
}

/* ---- Errors ---- */

static int map_rc(int src)
{
	switch (src) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return ATTUNE_EEXIST;
	case SQLITE_CONSTRAINT_FOREIGNKEY:   /* it refers to a missing row */
		return ATTUNE_ENOTFOUND;
	case SQLITE_CONSTRAINT_CHECK:        /* store.c should have caught */
	case SQLITE_CONSTRAINT_NOTNULL:      /* these; still bad input */
		return ATTUNE_EINVAL;
	}
	if ((src & 0xff) == SQLITE_NOMEM)
		return ATTUNE_ENOMEM;
	return ATTUNE_ESTORE;
}

/* "<what>: <sqlite3_errmsg>" into st->err; the attune code for src. */
static int sq_fail(attune_store *st, int src, const char *fmt, ...)
	ATTUNE_PRINTF(3, 4);
static int sq_fail(attune_store *st, int src, const char *fmt, ...)
{
	char what[ATTUNE_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return store_fail(st, map_rc(src), "%s: %s", what,
	                  sqlite3_errmsg(db_of(st)));
}

/* ---- Statements ---- */

/* The cached statement id, prepared on first use; or a private copy
 * when the cached one is still running (a list callback calling back
 * into the store). Hand it back with stmt_put(). */
static int stmt_get(attune_store *st, enum stmt_id id, sqlite3_stmt **out)
{
	struct sq *q = st->engine;
	sqlite3_stmt *s = NULL;
	int src;

	*out = NULL;
	if (q->cache[id] && !q->busy[id]) {
		q->busy[id] = 1;
		*out = q->cache[id];
		return ATTUNE_OK;
	}
	src = sqlite3_prepare_v3(q->db, sql_text[id], -1,
	                         q->cache[id] ? 0 : SQLITE_PREPARE_PERSISTENT,
	                         &s, NULL);
	if (src != SQLITE_OK)
		return sq_fail(st, src, "preparing \"%.48s\"", sql_text[id]);
	if (!q->cache[id]) {
		q->cache[id] = s;
		q->busy[id] = 1;
	}
	*out = s;
	return ATTUNE_OK;
}

/* Reset a statement for its next use (or finalize a private copy) and
 * clear *ps. NULL is fine. */
static void stmt_put(attune_store *st, enum stmt_id id, sqlite3_stmt **ps)
{
	struct sq *q = st->engine;
	sqlite3_stmt *s = *ps;

	if (!s)
		return;
	*ps = NULL;
	if (s == q->cache[id]) {
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
		q->busy[id] = 0;
	} else {
		sqlite3_finalize(s);
	}
}

static int bind_text(sqlite3_stmt *s, int i, const char *z)
{
	/* A NULL z binds SQL NULL. */
	return sqlite3_bind_text(s, i, z, -1, SQLITE_STATIC);
}

/* An optional reference: 0 is stored as NULL. */
static int bind_ref(sqlite3_stmt *s, int i, attune_id id)
{
	return id ? sqlite3_bind_int64(s, i, id) : sqlite3_bind_null(s, i);
}

static int bind_num(sqlite3_stmt *s, int i, double v)
{
	return isnan(v) ? sqlite3_bind_null(s, i) : sqlite3_bind_double(s, i, v);
}

static int bind_fail(attune_store *st, const char *zWhat)
{
	return sq_fail(st, sqlite3_extended_errcode(db_of(st)),
	               "binding the parameters of %s", zWhat);
}

static const char *col_text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

/* Run a statement that returns no rows. */
static int run(attune_store *st, enum stmt_id id, const char *zWhat)
{
	sqlite3_stmt *s;
	int rc, src;

	if ((rc = stmt_get(st, id, &s)) != ATTUNE_OK)
		return rc;
	src = sqlite3_step(s);
	if (src != SQLITE_DONE)
		rc = sq_fail(st, src, "%s", zWhat);
	stmt_put(st, id, &s);
	return rc;
}

/* Like run(), for clean-up after an error: keeps the first message. */
static void run_quiet(attune_store *st, enum stmt_id id)
{
	char keep[ATTUNE_ERR_MAX];

	memcpy(keep, st->err.msg, sizeof(keep));
	run(st, id, "cleaning up");
	memcpy(st->err.msg, keep, sizeof(keep));
}

/* Step an INSERT ... RETURNING id to its end. */
static int step_insert(attune_store *st, sqlite3_stmt *s, attune_id *out,
                       const char *zWhat)
{
	int src = sqlite3_step(s);

	if (src != SQLITE_ROW)
		return sq_fail(st, src, "%s", zWhat);
	*out = sqlite3_column_int64(s, 0);
	src = sqlite3_step(s);
	if (src != SQLITE_DONE)
		return sq_fail(st, src, "%s", zWhat);
	return ATTUNE_OK;
}

/* One integer column of the row with key `key` (NULL reads as 0).
 * *found says whether there was such a row. */
static int get_i64(attune_store *st, enum stmt_id id, attune_id key,
                   int64_t *out, int *found)
{
	sqlite3_stmt *s;
	int rc, src;

	*found = 0;
	*out = 0;
	if ((rc = stmt_get(st, id, &s)) != ATTUNE_OK)
		return rc;
	if (sqlite3_bind_int64(s, 1, key) != SQLITE_OK) {
		rc = bind_fail(st, "a lookup");
		goto out;
	}
	src = sqlite3_step(s);
	if (src == SQLITE_ROW) {
		*found = 1;
		*out = sqlite3_column_int64(s, 0);
	} else if (src != SQLITE_DONE) {
		rc = sq_fail(st, src, "looking up %lld", (long long)key);
	}
out:
	stmt_put(st, id, &s);
	return rc;
}

/* ---- The write lock and group commit (see struct sq_file) ---- */

/* The shared state of the file the store has open, found or made. */
static int file_attach(attune_store *st, const char *zLocation)
{
	struct sq *q = st->engine;
	struct sq_file *f;
	struct stat sb;

	if (stat(zLocation, &sb) != 0)
		return ATTUNE_OK;      /* not a file (":memory:"): no sharing */
	pthread_mutex_lock(&files_mu);
	for (f = files; f; f = f->next)
		if (f->dev == sb.st_dev && f->ino == sb.st_ino)
			break;
	if (!f) {
		pthread_mutexattr_t ma;
		int e;

		/* Error-checking: a thread that locks it twice gets EDEADLK
		 * at once instead of waiting for itself (see wlock()). */
		f = calloc(1, sizeof(*f));
		e = !f || pthread_mutexattr_init(&ma) != 0;
		if (!e) {
			pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK);
			e = pthread_mutex_init(&f->wmu, &ma) != 0;
			pthread_mutexattr_destroy(&ma);
		}
		if (e) {
			pthread_mutex_unlock(&files_mu);
			free(f);
			return store_fail(st, ATTUNE_ENOMEM, "out of memory "
			                  "opening '%s'", zLocation);
		}
		pthread_mutex_init(&f->smu, NULL);
		pthread_cond_init(&f->scv, NULL);
		pthread_mutex_init(&f->amu, NULL);
		pthread_cond_init(&f->acv, NULL);
		f->atail = &f->apending;
		f->dev = sb.st_dev;
		f->ino = sb.st_ino;
		f->next = files;
		files = f;
	}
	f->refs++;
	q->file = f;
	pthread_mutex_unlock(&files_mu);
	return ATTUNE_OK;
}

static void file_detach(struct sq *q)
{
	struct sq_file **pp, *f = q->file;

	if (!f)
		return;
	q->file = NULL;
	pthread_mutex_lock(&files_mu);
	if (--f->refs == 0) {
		for (pp = &files; *pp != f; pp = &(*pp)->next)
			;
		*pp = f->next;
		pthread_mutex_destroy(&f->wmu);
		pthread_mutex_destroy(&f->smu);
		pthread_cond_destroy(&f->scv);
		pthread_mutex_destroy(&f->amu);
		pthread_cond_destroy(&f->acv);
		free(f);
	}
	pthread_mutex_unlock(&files_mu);
}

/* Before BEGIN IMMEDIATE: wait for this process's other writers, as long
 * as the busy timeout. A thread that already writes through another
 * handle of the same file would wait for itself: it goes on to SQLite,
 * which says "database is locked" after the timeout, as before. */
static int wlock(attune_store *st)
{
	struct sq *q = st->engine;
	struct timespec until;
	int e;

	if (!q->file || q->wlocked)
		return ATTUNE_OK;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += BUSY_TIMEOUT_MS / 1000;
	e = pthread_mutex_timedlock(&q->file->wmu, &until);
	if (e == ETIMEDOUT || e == EDEADLK)
		return ATTUNE_OK;      /* let SQLite's busy handling decide */
	if (e != 0)
		return store_fail(st, ATTUNE_ESTORE, "taking the write lock: "
		                  "%s", strerror(e));
	q->wlocked = 1;
	q->changes0 = sqlite3_total_changes64(q->db);
	return ATTUNE_OK;
}

/* After a statement that may have ended the transaction (COMMIT,
 * ROLLBACK, an error that rolled back): give the write lock back once
 * no transaction is open. */
static void wsettle(attune_store *st)
{
	struct sq *q = st->engine;

	if (q->wlocked && sqlite3_get_autocommit(q->db)) {
		q->wlocked = 0;
		pthread_mutex_unlock(&q->file->wmu);
	}
}

/* A top-level COMMIT has just succeeded and the write lock is still
 * held: count it when it changed anything. Returns its sequence number,
 * 0 when there is nothing to sync. */
static uint64_t commit_seq(attune_store *st)
{
	struct sq *q = st->engine;
	uint64_t seq;

	if (!q->wlocked || sqlite3_total_changes64(q->db) == q->changes0)
		return 0;
	pthread_mutex_lock(&q->file->smu);
	seq = ++q->file->committed;
	pthread_mutex_unlock(&q->file->smu);
	return seq;
}

/* Return once commit number seq is on disk: sync the WAL, or wait for a
 * sync that started after seq was committed. The write lock is not held
 * here, so other threads commit while this one waits for the disk. */
static int group_sync(attune_store *st, uint64_t seq)
{
	struct sq *q = st->engine;
	struct sq_file *f = q->file;
	sqlite3_file *wal = NULL;
	uint64_t target;
	int src = SQLITE_OK;

	if (!seq)
		return ATTUNE_OK;
	pthread_mutex_lock(&f->smu);
	while (f->synced < seq && src == SQLITE_OK) {
		if (f->syncing) {
			pthread_cond_wait(&f->scv, &f->smu);
			continue;
		}
		f->syncing = 1;
		target = f->committed;     /* all of these are written */
		pthread_mutex_unlock(&f->smu);
		if (sqlite3_file_control(q->db, "main",
		                         SQLITE_FCNTL_JOURNAL_POINTER,
		                         &wal) == SQLITE_OK &&
		    wal && wal->pMethods)
			src = wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL);
		pthread_mutex_lock(&f->smu);
		f->syncing = 0;
		f->rounds++;
		if (src == SQLITE_OK && target > f->synced)
			f->synced = target;
		pthread_cond_broadcast(&f->scv);
	}
	pthread_mutex_unlock(&f->smu);
	if (src != SQLITE_OK)
		return store_fail(st, ATTUNE_ESTORE, "the transaction was "
		                  "committed but syncing the write-ahead log "
		                  "to disk failed (%s); it may be lost if the "
		                  "machine stops now", sqlite3_errstr(src));
	return ATTUNE_OK;
}

int store_sqlite_sync_stats(attune_store *st, uint64_t *committed,
                            uint64_t *synced, uint64_t *rounds)
{
	struct sq *q;

	if (!st || st->ops != &store_sqlite_ops || !st->engine)
		return ATTUNE_EINVAL;
	q = st->engine;
	if (!q->file)
		return ATTUNE_ENOTFOUND;
	pthread_mutex_lock(&q->file->smu);
	*committed = q->file->committed;
	*synced = q->file->synced;
	*rounds = q->file->rounds;
	pthread_mutex_unlock(&q->file->smu);
	return ATTUNE_OK;
}

int store_sqlite_audit_stats(attune_store *st, uint64_t *rows,
                             uint64_t *batches)
{
	struct sq *q;

	if (!st || st->ops != &store_sqlite_ops || !st->engine)
		return ATTUNE_EINVAL;
	q = st->engine;
	if (!q->file)
		return ATTUNE_ENOTFOUND;
	pthread_mutex_lock(&q->file->amu);
	*rows = q->file->arows;
	*batches = q->file->abatches;
	pthread_mutex_unlock(&q->file->amu);
	return ATTUNE_OK;
}

/* ---- Transactions ---- */

/* Inside attune_store_begin(), but SQLite has rolled the transaction
 * back after an error (SQLITE_FULL, SQLITE_NOMEM, ...): calls must not
 * go on as if they joined it. */
static int txn_lost(attune_store *st)
{
	if (st->in_txn && sqlite3_get_autocommit(db_of(st)))
		return store_fail(st, ATTUNE_ESTORE,
		                  "the transaction was rolled back after an "
		                  "earlier error; call attune_store_rollback()");
	return ATTUNE_OK;
}

/* Start the transaction of one call: BEGIN IMMEDIATE when none is open
 * (taking the write lock up front, so the busy timeout applies), else a
 * savepoint inside the caller's or an outer call's transaction.
 * *top says which, for tx_end(). */
static int tx_begin(attune_store *st, int *top)
{
	int rc;

	*top = sqlite3_get_autocommit(db_of(st));
	if ((rc = txn_lost(st)) != ATTUNE_OK)
		return rc;
	if (*top && (rc = wlock(st)) != ATTUNE_OK)
		return rc;
	rc = run(st, *top ? S_BEGIN : S_SAVEPOINT, "starting a transaction");
	wsettle(st);
	return rc;
}

/* End the call's transaction: commit it when rc is ATTUNE_OK, else undo
 * all it did (keeping rc and its message). Returns the final rc; *seq
 * is the commit to sync before it counts as durable (group_sync()), 0
 * when none. */
static int tx_end_nosync(attune_store *st, int top, int rc, uint64_t *seq)
{
	sqlite3 *db = db_of(st);

	*seq = 0;
	if (rc == ATTUNE_OK) {
		rc = run(st, top ? S_COMMIT : S_RELEASE, "committing");
		if (rc == ATTUNE_OK && top) {
			*seq = commit_seq(st);
			wsettle(st);
			return ATTUNE_OK;
		}
		if (rc == ATTUNE_OK)
			return ATTUNE_OK;
	}
	/* An error such as SQLITE_FULL may have rolled back already. */
	if (sqlite3_get_autocommit(db)) {
		wsettle(st);
		return rc;
	}
	if (top) {
		run_quiet(st, S_ROLLBACK);
	} else {
		run_quiet(st, S_ROLLBACK_TO);
		run_quiet(st, S_RELEASE);
	}
	wsettle(st);
	return rc;
}

/* tx_end_nosync(), then wait until the commit is on disk. */
static int tx_end(attune_store *st, int top, int rc)
{
	uint64_t seq;

	if ((rc = tx_end_nosync(st, top, rc, &seq)) != ATTUNE_OK)
		return rc;
	return group_sync(st, seq);
}

static int sq_begin(attune_store *st)
{
	int rc;

	if ((rc = wlock(st)) != ATTUNE_OK)
		return rc;
	rc = run(st, S_BEGIN, "beginning a transaction");
	wsettle(st);
	return rc;
}

static int sq_commit(attune_store *st)
{
	uint64_t seq;
	int rc;

	raw_end(st);

	if (sqlite3_get_autocommit(db_of(st))) {
		wsettle(st);
		return store_fail(st, ATTUNE_ESTORE,
		                  "the transaction had been rolled back after "
		                  "an earlier error; nothing was committed");
	}
	rc = run(st, S_COMMIT, "committing the transaction");
	raw_fk_on(st);
	if (rc == ATTUNE_OK) {
		seq = commit_seq(st);
		wsettle(st);
		return group_sync(st, seq);
	}
	if (!sqlite3_get_autocommit(db_of(st)))
		run_quiet(st, S_ROLLBACK);
	wsettle(st);
	return rc;
}

static int sq_rollback(attune_store *st)
{
	int rc = ATTUNE_OK;

	raw_end(st);

	if (!sqlite3_get_autocommit(db_of(st)))
		rc = run(st, S_ROLLBACK, "rolling back the transaction");
	raw_fk_on(st);
	wsettle(st);
	return rc;
}

/* ---- Audit rows ---- */

static int audit_insert(attune_store *st, const attune_audit_rec *a)
{
	sqlite3_stmt *s;
	int rc, src;

	if ((rc = stmt_get(st, S_AUDIT_ADD, &s)) != ATTUNE_OK)
		return rc;
	if (sqlite3_bind_int64(s, 1, a->at) || bind_ref(s, 2, a->user_id) ||
	    bind_text(s, 3, a->actor) || bind_text(s, 4, a->origin) ||
	    bind_text(s, 5, a->action) || bind_text(s, 6, a->object) ||
	    bind_text(s, 7, a->detail)) {
		rc = bind_fail(st, "an audit row");
		goto out;
	}
	src = sqlite3_step(s);
	if (src != SQLITE_DONE)
		rc = sq_fail(st, src, "writing the audit row %s %s", a->action,
		             a->object);
out:
	stmt_put(st, S_AUDIT_ADD, &s);
	return rc;
}

/* An audit row outside any transaction: the row of a read (a page
 * view, a list) that must be on disk before the data is shown. One
 * transaction and one WAL sync per row would cap views at the rate of
 * commits, so the threads of one process that write such rows at the
 * same time share them: the rows queue on the file (struct sq_file),
 * one of the waiting threads takes every row queued so far and writes
 * them in one transaction through its own connection (tx_begin takes
 * the write lock), commits, and wakes the others; rows that arrived
 * meanwhile go in the next batch. Then each caller waits for the WAL
 * sync that covers its batch (group_sync(), shared with every other
 * commit) and returns once its own row is durable, or with the batch's
 * error (no row of a failed batch is written). The leader/follower form of group
 * commit (Helland et al., "Group Commit Timers and High Volume
 * Transaction Systems", HPTS 1987). The rows are borrowed from the
 * waiting callers' stack frames, which outlive the batch. */
static int audit_alone(attune_store *st, const attune_audit_rec *a)
{
	struct sq *q = st->engine;
	struct sq_file *f = q->file;
	struct sq_arow me, *batch, *r;
	uint64_t seq;
	int rc, top;

	if (!f) {                  /* not a shared file: a txn of its own */
		if ((rc = tx_begin(st, &top)) != ATTUNE_OK)
			return rc;
		return tx_end(st, top, audit_insert(st, a));
	}
	memset(&me, 0, sizeof(me));
	me.rec = a;
	pthread_mutex_lock(&f->amu);
	*f->atail = &me;
	f->atail = &me.next;
	while (!me.done) {
		if (f->awriting) {
			pthread_cond_wait(&f->acv, &f->amu);
			continue;
		}
		f->awriting = 1;
		batch = f->apending;
		f->apending = NULL;
		f->atail = &f->apending;
		pthread_mutex_unlock(&f->amu);

		seq = 0;
		rc = tx_begin(st, &top);
		if (rc == ATTUNE_OK) {
			for (r = batch; r && rc == ATTUNE_OK; r = r->next)
				rc = audit_insert(st, r->rec);
			rc = tx_end_nosync(st, top, rc, &seq);
		}

		pthread_mutex_lock(&f->amu);
		f->abatches++;
		for (r = batch; r; r = r->next) {
			f->arows++;
			r->rc = rc;
			r->seq = seq;
			if (rc != ATTUNE_OK && r != &me)
				snprintf(r->err, sizeof(r->err), "%s",
				         st->err.msg);
			r->done = 1;
		}
		f->awriting = 0;
		pthread_cond_broadcast(&f->acv);
	}
	pthread_mutex_unlock(&f->amu);
	if (me.rc != ATTUNE_OK && me.err[0])
		return store_fail(st, me.rc, "%s", me.err);
	if (me.rc != ATTUNE_OK)
		return me.rc;
	/* Committed; the next batch may already be on its way while this
	 * one waits for the disk, and shares its sync if it can. */
	return group_sync(st, me.seq);
}

/* The audit row of a change, with the current actor. */
static int audit_change(attune_store *st, const char *zAction,
                        const char *zObject, const char *zDetail)
{
	attune_audit_rec a;

	store_audit_rec(st, &a, zAction, zObject, zDetail);
	return audit_insert(st, &a);
}

/* The audit row of a read, written before the caller sees any data.
 * Reads run without a transaction of their own: outside the caller's
 * transaction the row commits at once (fail closed: no row, no data);
 * inside it the row joins it and is remembered, to be written again
 * should the caller roll back (store_note_read). Either way a read that
 * fails half-way keeps its audit row. */
static int audit_read(attune_store *st, const char *zAction,
                      const char *zObject, const char *zDetail)
{
	attune_audit_rec a;
	int rc;

	if ((rc = txn_lost(st)) != ATTUNE_OK)
		return rc;
	store_audit_rec(st, &a, zAction, zObject, zDetail);
	if (sqlite3_get_autocommit(db_of(st)))
		return audit_alone(st, &a);
	if ((rc = audit_insert(st, &a)) != ATTUNE_OK)
		return rc;
	return store_note_read(st, &a);
}

static int sq_audit_add(attune_store *st, const attune_audit_rec *a)
{
	int rc;

	if ((rc = txn_lost(st)) != ATTUNE_OK)
		return rc;
	if (sqlite3_get_autocommit(db_of(st)))
		return audit_alone(st, a);
	return audit_insert(st, a);
}

/* "kind:id" */
static const char *obj(char *buf, const char *zKind, attune_id id)
{
	snprintf(buf, OBJ_MAX, "%s:%lld", zKind, (long long)id);
	return buf;
}

/* ---- Existence checks, with the message a caller wants ---- */

static int need_clinic(attune_store *st, attune_id clinic_id)
{
	int64_t v;
	int found, rc;

	rc = get_i64(st, S_CLINIC_GET, clinic_id, &v, &found);
	if (rc == ATTUNE_OK && !found)
		rc = store_fail(st, ATTUNE_ENOTFOUND, "no clinic %lld",
		                (long long)clinic_id);
	return rc;
}

static int need_client(attune_store *st, attune_id client_id,
                       attune_id *clinic_id)
{
	int64_t v;
	int found, rc;

	rc = get_i64(st, S_CLIENT_GET, client_id, &v, &found);
	if (rc == ATTUNE_OK && !found)
		rc = store_fail(st, ATTUNE_ENOTFOUND, "no client %lld",
		                (long long)client_id);
	if (clinic_id)
		*clinic_id = v;
	return rc;
}

/* A therapist (any user) of the given clinic. */
static int need_therapist(attune_store *st, attune_id user_id,
                          attune_id clinic_id)
{
	int64_t v;
	int found, rc;

	rc = get_i64(st, S_USER_GET, user_id, &v, &found);
	if (rc != ATTUNE_OK)
		return rc;
	if (!found)
		return store_fail(st, ATTUNE_ENOTFOUND,
		                  "no user %lld (given as therapist)",
		                  (long long)user_id);
	if (v != clinic_id)
		return store_fail(st, ATTUNE_EINVAL,
		                  "therapist %lld belongs to clinic %lld, "
		                  "not clinic %lld", (long long)user_id,
		                  (long long)v, (long long)clinic_id);
	return ATTUNE_OK;
}

/* The client's current episode: the latest open one. */
static int need_current_episode(attune_store *st, attune_id client_id,
                                attune_id *episode_id)
{
	sqlite3_stmt *s;
	int rc, src;

	if ((rc = stmt_get(st, S_EPISODE_CURRENT, &s)) != ATTUNE_OK)
		return rc;
	if (sqlite3_bind_int64(s, 1, client_id) != SQLITE_OK) {
		rc = bind_fail(st, "an episode lookup");
		goto out;
	}
	src = sqlite3_step(s);
	if (src == SQLITE_ROW)
		*episode_id = sqlite3_column_int64(s, 0);
	else if (src == SQLITE_DONE)
		rc = store_fail(st, ATTUNE_ENOTFOUND,
		                "client %lld has no open episode",
		                (long long)client_id);
	else
		rc = sq_fail(st, src, "finding the open episode of client %lld",
		             (long long)client_id);
out:
	stmt_put(st, S_EPISODE_CURRENT, &s);
	return rc;
}

/* ---- Clinics and users ---- */

static int sq_clinic_add(attune_store *st, const char *zName,
                         int64_t created_at, attune_id *out_id)
{
	sqlite3_stmt *s = NULL;
	attune_id id = 0;
	char o[OBJ_MAX];
	int top, rc;

	if ((rc = tx_begin(st, &top)) != ATTUNE_OK)
		return rc;
	if ((rc = stmt_get(st, S_CLINIC_ADD, &s)) != ATTUNE_OK)
		goto out;
	if (bind_text(s, 1, zName) || sqlite3_bind_int64(s, 2, created_at)) {
		rc = bind_fail(st, "a clinic");
		goto out;
	}
	rc = step_insert(st, s, &id, "adding a clinic");
	if (rc == ATTUNE_EEXIST)
		rc = store_fail(st, rc, "clinic '%s' already exists", zName);
	stmt_put(st, S_CLINIC_ADD, &s);
	if (rc == ATTUNE_OK)
		rc = audit_change(st, "clinic.add", obj(o, "clinic", id), NULL);
out:
	stmt_put(st, S_CLINIC_ADD, &s);
	rc = tx_end(st, top, rc);
	if (rc == ATTUNE_OK && out_id)
		*out_id = id;
	return rc;
}

static int sq_clinic_list(attune_store *st, attune_clinic_cb cb, void *ctx)
{
	sqlite3_stmt *s;
	attune_clinic_rec r;
	int rc, src, cbrc = 0;

	if ((rc = stmt_get(st, S_CLINIC_LIST, &s)) != ATTUNE_OK)
		return rc;
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		r.id = sqlite3_column_int64(s, 0);
		r.name = col_text(s, 1);
		r.created_at = sqlite3_column_int64(s, 2);
		if (!r.name) {
			src = SQLITE_NOMEM;
			break;
		}
		st->in_cb++;
		cbrc = cb(ctx, &r);
		st->in_cb--;
		if (cbrc)
			break;
	}
	if (!cbrc && src != SQLITE_DONE)
		rc = sq_fail(st, src, "listing clinics");
	stmt_put(st, S_CLINIC_LIST, &s);
	return rc ? rc : cbrc;
}

static int sq_user_add(attune_store *st, const attune_user_rec *u,
                       attune_id *out_id)
{
	sqlite3_stmt *s = NULL;
	attune_id id = 0;
	char o[OBJ_MAX], detail[DETAIL_MAX];
	int top, rc;

	if ((rc = tx_begin(st, &top)) != ATTUNE_OK)
		return rc;
	if ((rc = need_clinic(st, u->clinic_id)) != ATTUNE_OK)
		goto out;
	if ((rc = stmt_get(st, S_USER_ADD, &s)) != ATTUNE_OK)
		goto out;
	if (sqlite3_bind_int64(s, 1, u->clinic_id) ||
	    bind_text(s, 2, u->name) || bind_text(s, 3, u->display_name) ||
	    sqlite3_bind_int(s, 4, (int)u->role) ||
	    bind_text(s, 5, u->password_hash) ||
	    sqlite3_bind_int64(s, 6, u->created_at)) {
		rc = bind_fail(st, "a user");
		goto out;
	}
	rc = step_insert(st, s, &id, "adding a user");
	if (rc == ATTUNE_EEXIST)
		rc = store_fail(st, rc, "user '%s' already exists in clinic %lld",
		                u->name, (long long)u->clinic_id);
	stmt_put(st, S_USER_ADD, &s);
	if (rc == ATTUNE_OK) {
		snprintf(detail, sizeof(detail), "clinic:%lld role:%d",
		         (long long)u->clinic_id, (int)u->role);
		rc = audit_change(st, "user.add", obj(o, "user", id), detail);
	}
out:
	stmt_put(st, S_USER_ADD, &s);
	rc = tx_end(st, top, rc);
	if (rc == ATTUNE_OK && out_id)
		*out_id = id;
	return rc;
}

/* Fill r from a row of USER_COLS; 0 when a NOT NULL column came back
 * NULL (out of memory). */
static int user_row(sqlite3_stmt *s, attune_user_rec *r)
{
	r->id = sqlite3_column_int64(s, 0);
	r->clinic_id = sqlite3_column_int64(s, 1);
	r->name = col_text(s, 2);
	r->display_name = col_text(s, 3);
	r->role = (attune_role)sqlite3_column_int(s, 4);
	r->password_hash = col_text(s, 5);
	r->created_at = sqlite3_column_int64(s, 6);
	r->site_id = sqlite3_column_int64(s, 7);
	return r->name != NULL;
}

static int sq_user_find(attune_store *st, attune_id clinic_id,
                        const char *zName, attune_user_cb cb, void *ctx)
{
	sqlite3_stmt *s;
	attune_user_rec r;
	int rc, src;

	if ((rc = stmt_get(st, S_USER_FIND, &s)) != ATTUNE_OK)
		return rc;
	if (sqlite3_bind_int64(s, 1, clinic_id) || bind_text(s, 2, zName)) {
		rc = bind_fail(st, "a user lookup");
		goto out;
	}
	src = sqlite3_step(s);
	if (src == SQLITE_DONE) {
		rc = store_fail(st, ATTUNE_ENOTFOUND,
		                "no user '%s' in clinic %lld", zName,
		                (long long)clinic_id);
	} else if (src != SQLITE_ROW) {
		rc = sq_fail(st, src, "finding user '%s'", zName);
	} else if (!user_row(s, &r)) {
		rc = sq_fail(st, SQLITE_NOMEM, "reading user '%s'", zName);
	} else {
		st->in_cb++;
		rc = cb(ctx, &r);
		st->in_cb--;
	}
out:
	stmt_put(st, S_USER_FIND, &s);
	return rc;
}

static int sq_user_list(attune_store *st, attune_id clinic_id,
                        attune_user_cb cb, void *ctx)
{
	sqlite3_stmt *s = NULL;
	attune_user_rec r;
	int rc, src, cbrc = 0;

	if ((rc = need_clinic(st, clinic_id)) != ATTUNE_OK)
		return rc;
	if ((rc = stmt_get(st, S_USER_LIST, &s)) != ATTUNE_OK)
		return rc;
	if (sqlite3_bind_int64(s, 1, clinic_id) != SQLITE_OK) {
		rc = bind_fail(st, "a user listing");
		goto out;
	}
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		if (!user_row(s, &r)) {
			src = SQLITE_NOMEM;
			break;
		}
		st->in_cb++;
		cbrc = cb(ctx, &r);
		st->in_cb--;
		if (cbrc)
			break;
	}
	if (!cbrc && src != SQLITE_DONE)
		rc = sq_fail(st, src, "listing the users of clinic %lld",
		             (long long)clinic_id);
out:
	stmt_put(st, S_USER_LIST, &s);
	return rc ? rc : cbrc;
}

/* ---- Clients ---- */

static int client_row(sqlite3_stmt *s, attune_client_rec *r)
{
	r->id = sqlite3_column_int64(s, 0);
	r->clinic_id = sqlite3_column_int64(s, 1);
	r->therapist_id = sqlite3_column_int64(s, 2);
	r->code = col_text(s, 3);
	r->display_name = col_text(s, 4);
	r->created_at = sqlite3_column_int64(s, 5);
	r->sees_progress = sqlite3_column_int(s, 6);
	return r->code != NULL;
}

static int insert_episode(attune_store *st, attune_id client_id,
                          const char *zStarted, attune_id *out_id)
{
	sqlite3_stmt *s;
	char o[OBJ_MAX], detail[DETAIL_MAX];
	int rc;

	if ((rc = stmt_get(st, S_EPISODE_ADD, &s)) != ATTUNE_OK)
		return rc;
	if (sqlite3_bind_int64(s, 1, client_id) ||
	    bind_text(s, 2, zStarted)) {
		rc = bind_fail(st, "an episode");
		goto out;
	}
	rc = step_insert(st, s, out_id, "opening an episode");
	if (rc == ATTUNE_EEXIST)
		rc = store_fail(st, rc, "client %lld already has an open "
		                "episode", (long long)client_id);
	stmt_put(st, S_EPISODE_ADD, &s);
	if (rc == ATTUNE_OK) {
		snprintf(detail, sizeof(detail), "client:%lld",
		         (long long)client_id);
		rc = audit_change(st, "episode.add",
		                  obj(o, "episode", *out_id), detail);
	}
out:
	stmt_put(st, S_EPISODE_ADD, &s);
	return rc;
}

static int sq_client_add(attune_store *st, const attune_client_rec *c,
                         const char *zStarted, attune_id *out_id)
{
	sqlite3_stmt *s = NULL;
	attune_id id = 0, episode;
	char o[OBJ_MAX], detail[DETAIL_MAX];
	int top, rc;

	if ((rc = tx_begin(st, &top)) != ATTUNE_OK)
		return rc;
	if ((rc = need_clinic(st, c->clinic_id)) != ATTUNE_OK)
		goto out;
	if (c->therapist_id &&
	    (rc = need_therapist(st, c->therapist_id, c->clinic_id)))
		goto out;
	if ((rc = stmt_get(st, S_CLIENT_ADD, &s)) != ATTUNE_OK)
		goto out;
	if (sqlite3_bind_int64(s, 1, c->clinic_id) ||
	    bind_ref(s, 2, c->therapist_id) || bind_text(s, 3, c->code) ||
	    bind_text(s, 4, c->display_name) ||
	    sqlite3_bind_int64(s, 5, c->created_at) ||
	    sqlite3_bind_int(s, 6, c->sees_progress)) {
		rc = bind_fail(st, "a client");
		goto out;
	}
	rc = step_insert(st, s, &id, "adding a client");
	if (rc == ATTUNE_EEXIST)
		rc = store_fail(st, rc, "client code '%s' already exists in "
		                "clinic %lld", c->code, (long long)c->clinic_id);
	stmt_put(st, S_CLIENT_ADD, &s);
	if (rc != ATTUNE_OK)
		goto out;
	if (c->therapist_id)
		snprintf(detail, sizeof(detail), "clinic:%lld therapist:%lld",
		         (long long)c->clinic_id, (long long)c->therapist_id);
	else
		snprintf(detail, sizeof(detail), "clinic:%lld",
		         (long long)c->clinic_id);
	if ((rc = audit_change(st, "client.add", obj(o, "client", id),
	                       detail)) != ATTUNE_OK)
		goto out;
	rc = insert_episode(st, id, zStarted, &episode);
out:
	stmt_put(st, S_CLIENT_ADD, &s);
	rc = tx_end(st, top, rc);
	if (rc == ATTUNE_OK && out_id)
		*out_id = id;
	return rc;
}

static int sq_client_find(attune_store *st, attune_id clinic_id,
                          const char *zCode, attune_client_cb cb, void *ctx)
{
	sqlite3_stmt *s = NULL;
	attune_client_rec r;
	char o[OBJ_MAX];
	int rc, src, pass, cbrc = 0;

	if ((rc = stmt_get(st, S_CLIENT_FIND, &s)) != ATTUNE_OK)
		return rc;
	if (sqlite3_bind_int64(s, 1, clinic_id) || bind_text(s, 2, zCode)) {
		rc = bind_fail(st, "a client lookup");
		goto out;
	}
	/* Pass 0 finds the id for the audit row, pass 1 reads the client
	 * once that row is written (the reset between ends the read, so the
	 * audit row commits before the caller sees anything). */
	for (pass = 0; pass < 2; pass++) {
		src = sqlite3_step(s);
		if (src == SQLITE_DONE) {
			rc = store_fail(st, ATTUNE_ENOTFOUND,
			                "no client with code '%s' in clinic %lld",
			                zCode, (long long)clinic_id);
			goto out;
		}
		if (src != SQLITE_ROW) {
			rc = sq_fail(st, src, "finding client '%s'", zCode);
			goto out;
		}
		if (!client_row(s, &r)) {
			rc = sq_fail(st, SQLITE_NOMEM, "reading client '%s'",
			             zCode);
			goto out;
		}
		if (pass == 0) {
			sqlite3_reset(s);
			rc = audit_read(st, "client.read",
			                obj(o, "client", r.id), NULL);
			if (rc != ATTUNE_OK)
				goto out;
		}
	}
	st->in_cb++;
	cbrc = cb(ctx, &r);
	st->in_cb--;
out:
	stmt_put(st, S_CLIENT_FIND, &s);
	return rc ? rc : cbrc;
}

static int sq_client_list(attune_store *st, attune_id clinic_id,
                          attune_id therapist_id, attune_client_cb cb,
                          void *ctx)
{
	enum stmt_id id = therapist_id ? S_CLIENT_LIST_THERAPIST
	                               : S_CLIENT_LIST;
	sqlite3_stmt *s = NULL;
	attune_client_rec r;
	char o[OBJ_MAX], detail[DETAIL_MAX];
	int rc, src, cbrc = 0;

	if ((rc = need_clinic(st, clinic_id)) != ATTUNE_OK)
		return rc;
	if (therapist_id &&
	    (rc = need_therapist(st, therapist_id, clinic_id)))
		return rc;
	snprintf(detail, sizeof(detail), "therapist:%lld",
	         (long long)therapist_id);
	if ((rc = audit_read(st, "client.list", obj(o, "clinic", clinic_id),
	                     therapist_id ? detail : NULL)) != ATTUNE_OK)
		return rc;
	if ((rc = stmt_get(st, id, &s)) != ATTUNE_OK)
		return rc;
	if (sqlite3_bind_int64(s, 1, clinic_id) ||
	    (therapist_id && sqlite3_bind_int64(s, 2, therapist_id))) {
		rc = bind_fail(st, "a client listing");
		goto out;
	}
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		if (!client_row(s, &r)) {
			src = SQLITE_NOMEM;
			break;
		}
		st->in_cb++;
		cbrc = cb(ctx, &r);
		st->in_cb--;
		if (cbrc)
			break;
	}
	if (!cbrc && src != SQLITE_DONE)
		rc = sq_fail(st, src, "listing the clients of clinic %lld",
		             (long long)clinic_id);
out:
	stmt_put(st, id, &s);
	return rc ? rc : cbrc;
}

/* ---- Episodes ---- */

static int sq_episode_open(attune_store *st, attune_id client_id,
                           const char *zStarted, attune_id *out_id)
{
	attune_id id = 0, current;
	int top, rc;

	if ((rc = tx_begin(st, &top)) != ATTUNE_OK)
		return rc;
	if ((rc = need_client(st, client_id, NULL)) != ATTUNE_OK)
		goto out;
	rc = need_current_episode(st, client_id, &current);
	if (rc == ATTUNE_OK) {
		rc = store_fail(st, ATTUNE_EEXIST,
		                "client %lld already has an open episode "
		                "(episode %lld); close it first",
		                (long long)client_id, (long long)current);
		goto out;
	}
	if (rc != ATTUNE_ENOTFOUND)
		goto out;
	rc = insert_episode(st, client_id, zStarted, &id);
out:
	rc = tx_end(st, top, rc);
	if (rc == ATTUNE_OK && out_id)
		*out_id = id;
	return rc;
}

static int sq_episode_close(attune_store *st, attune_id episode_id,
                            const char *zEnded, const char *zReason)
{
	sqlite3_stmt *s = NULL, *u = NULL;
	attune_id client_id = 0;
	char started[16] = "", ended[16] = "";
	char o[OBJ_MAX], detail[DETAIL_MAX];
	int top, rc, src, found = 0;

	if ((rc = tx_begin(st, &top)) != ATTUNE_OK)
		return rc;
	if ((rc = stmt_get(st, S_EPISODE_GET, &s)) != ATTUNE_OK)
		goto out;
	if (sqlite3_bind_int64(s, 1, episode_id) != SQLITE_OK) {
		rc = bind_fail(st, "an episode lookup");
		goto out;
	}
	src = sqlite3_step(s);
	if (src == SQLITE_ROW) {
		found = 1;
		client_id = sqlite3_column_int64(s, 0);
		snprintf(started, sizeof(started), "%s",
		         col_text(s, 1) ? col_text(s, 1) : "");
		snprintf(ended, sizeof(ended), "%s",
		         col_text(s, 2) ? col_text(s, 2) : "");
	} else if (src != SQLITE_DONE) {
		rc = sq_fail(st, src, "finding episode %lld",
		             (long long)episode_id);
		goto out;
	}
	stmt_put(st, S_EPISODE_GET, &s);
	if (!found) {
		rc = store_fail(st, ATTUNE_ENOTFOUND, "no episode %lld",
		                (long long)episode_id);
		goto out;
	}
	if (ended[0]) {
		rc = store_fail(st, ATTUNE_EINVAL,
		                "episode %lld is already closed (ended %s)",
		                (long long)episode_id, ended);
		goto out;
	}
	if (strcmp(zEnded, started) < 0) {
		rc = store_fail(st, ATTUNE_EINVAL,
		                "episode %lld cannot end on %s, before it "
		                "started on %s", (long long)episode_id, zEnded,
		                started);
		goto out;
	}
	if ((rc = stmt_get(st, S_EPISODE_CLOSE, &u)) != ATTUNE_OK)
		goto out;
	if (sqlite3_bind_int64(u, 1, episode_id) || bind_text(u, 2, zEnded) ||
	    bind_text(u, 3, zReason)) {
		rc = bind_fail(st, "closing an episode");
		goto out;
	}
	src = sqlite3_step(u);
	if (src != SQLITE_DONE) {
		rc = sq_fail(st, src, "closing episode %lld",
		             (long long)episode_id);
		goto out;
	}
	stmt_put(st, S_EPISODE_CLOSE, &u);
	snprintf(detail, sizeof(detail), "client:%lld", (long long)client_id);
	rc = audit_change(st, "episode.close", obj(o, "episode", episode_id),
	                  detail);
out:
	stmt_put(st, S_EPISODE_GET, &s);
	stmt_put(st, S_EPISODE_CLOSE, &u);
	return tx_end(st, top, rc);
}

static int sq_episode_list(attune_store *st, attune_id client_id,
                           attune_episode_cb cb, void *ctx)
{
	sqlite3_stmt *s = NULL;
	attune_episode_rec r;
	char o[OBJ_MAX];
	int rc, src, cbrc = 0;

	if ((rc = need_client(st, client_id, NULL)) ||
	    (rc = audit_read(st, "episode.list", obj(o, "client", client_id),
	                     NULL)) ||
	    (rc = stmt_get(st, S_EPISODE_LIST, &s)))
		return rc;
	if (sqlite3_bind_int64(s, 1, client_id) != SQLITE_OK) {
		rc = bind_fail(st, "an episode listing");
		goto out;
	}
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		r.id = sqlite3_column_int64(s, 0);
		r.client_id = sqlite3_column_int64(s, 1);
		r.started = col_text(s, 2);
		r.ended = col_text(s, 3);
		r.end_reason = col_text(s, 4);
		if (!r.started) {
			src = SQLITE_NOMEM;
			break;
		}
		st->in_cb++;
		cbrc = cb(ctx, &r);
		st->in_cb--;
		if (cbrc)
			break;
	}
	if (!cbrc && src != SQLITE_DONE)
		rc = sq_fail(st, src, "listing the episodes of client %lld",
		             (long long)client_id);
out:
	stmt_put(st, S_EPISODE_LIST, &s);
	return rc ? rc : cbrc;
}

/* ---- Sessions ---- */

static int session_row(sqlite3_stmt *s, attune_session_rec *r)
{
	r->id = sqlite3_column_int64(s, 0);
	r->episode_id = sqlite3_column_int64(s, 1);
	r->client_id = sqlite3_column_int64(s, 2);
	r->number = sqlite3_column_int(s, 3);
	r->date = col_text(s, 4);
	r->attended = sqlite3_column_int(s, 5);
	return r->date != NULL;
}

static int sq_session_add(attune_store *st, const attune_session_rec *ses,
                          attune_id *out_id)
{
	sqlite3_stmt *s = NULL;
	attune_id id = 0, episode_id = ses->episode_id;
	attune_id client_id = ses->client_id;
	char o[OBJ_MAX], detail[DETAIL_MAX];
	int64_t owner;
	int top, rc, found;

	if ((rc = tx_begin(st, &top)) != ATTUNE_OK)
		return rc;
	if (episode_id) {
		if ((rc = get_i64(st, S_EPISODE_GET, episode_id, &owner,
		                  &found)) != ATTUNE_OK)
			goto out;
		if (!found) {
			rc = store_fail(st, ATTUNE_ENOTFOUND, "no episode %lld",
			                (long long)episode_id);
			goto out;
		}
		if (client_id && client_id != owner) {
			rc = store_fail(st, ATTUNE_EINVAL,
			                "episode %lld belongs to client %lld, "
			                "not client %lld", (long long)episode_id,
			                (long long)owner, (long long)client_id);
			goto out;
		}
		client_id = owner;
	} else if ((rc = need_client(st, client_id, NULL)) != ATTUNE_OK ||
	           (rc = need_current_episode(st, client_id, &episode_id))) {
		goto out;
	}
	if ((rc = stmt_get(st, S_SESSION_ADD, &s)) != ATTUNE_OK)
		goto out;
	if (sqlite3_bind_int64(s, 1, episode_id) ||
	    sqlite3_bind_int(s, 2, ses->number) || bind_text(s, 3, ses->date) ||
	    sqlite3_bind_int(s, 4, ses->attended)) {
		rc = bind_fail(st, "a session");
		goto out;
	}
	rc = step_insert(st, s, &id, "adding a session");
	if (rc == ATTUNE_EEXIST)
		rc = store_fail(st, rc, "session %d already exists in episode "
		                "%lld of client %lld", ses->number,
		                (long long)episode_id, (long long)client_id);
	stmt_put(st, S_SESSION_ADD, &s);
	if (rc != ATTUNE_OK)
		goto out;
	snprintf(detail, sizeof(detail), "client:%lld episode:%lld number:%d",
	         (long long)client_id, (long long)episode_id, ses->number);
	rc = audit_change(st, "session.add", obj(o, "session", id), detail);
out:
	stmt_put(st, S_SESSION_ADD, &s);
	rc = tx_end(st, top, rc);
	if (rc == ATTUNE_OK && out_id)
		*out_id = id;
	return rc;
}

static int sq_session_list(attune_store *st, attune_id client_id,
                           attune_session_cb cb, void *ctx)
{
	sqlite3_stmt *s = NULL;
	attune_session_rec r;
	char o[OBJ_MAX];
	int rc, src, cbrc = 0;

	if ((rc = need_client(st, client_id, NULL)) ||
	    (rc = audit_read(st, "session.list", obj(o, "client", client_id),
	                     NULL)) ||
	    (rc = stmt_get(st, S_SESSION_LIST, &s)))
		return rc;
	if (sqlite3_bind_int64(s, 1, client_id) != SQLITE_OK) {
		rc = bind_fail(st, "a session listing");
		goto out;
	}
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		if (!session_row(s, &r)) {
			src = SQLITE_NOMEM;
			break;
		}
		st->in_cb++;
		cbrc = cb(ctx, &r);
		st->in_cb--;
		if (cbrc)
			break;
	}
	if (!cbrc && src != SQLITE_DONE)
		rc = sq_fail(st, src, "listing the sessions of client %lld",
		             (long long)client_id);
out:
	stmt_put(st, S_SESSION_LIST, &s);
	return rc ? rc : cbrc;
}

static int sq_session_find(attune_store *st, attune_id client_id,
                           int number, attune_session_cb cb, void *ctx)
{
	sqlite3_stmt *s = NULL;
	attune_session_rec r;
	attune_id episode_id = 0;
	char o[OBJ_MAX], detail[DETAIL_MAX];
	int rc, src, pass, cbrc = 0;

	if ((rc = need_client(st, client_id, NULL)) ||
	    (rc = need_current_episode(st, client_id, &episode_id)) ||
	    (rc = stmt_get(st, S_SESSION_FIND, &s)))
		return rc;
	if (sqlite3_bind_int64(s, 1, episode_id) ||
	    sqlite3_bind_int(s, 2, number)) {
		rc = bind_fail(st, "a session lookup");
		goto out;
	}
	/* As in sq_client_find(): the audit row, then the data. */
	for (pass = 0; pass < 2; pass++) {
		src = sqlite3_step(s);
		if (src == SQLITE_DONE) {
			rc = store_fail(st, ATTUNE_ENOTFOUND,
			                "client %lld has no session %d in its "
			                "current episode (%lld)",
			                (long long)client_id, number,
			                (long long)episode_id);
			goto out;
		}
		if (src != SQLITE_ROW) {
			rc = sq_fail(st, src, "finding session %d of client "
			             "%lld", number, (long long)client_id);
			goto out;
		}
		if (!session_row(s, &r)) {
			rc = sq_fail(st, SQLITE_NOMEM, "reading a session");
			goto out;
		}
		if (pass == 0) {
			sqlite3_reset(s);
			snprintf(detail, sizeof(detail), "client:%lld",
			         (long long)client_id);
			rc = audit_read(st, "session.read",
			                obj(o, "session", r.id), detail);
			if (rc != ATTUNE_OK)
				goto out;
		}
	}
	st->in_cb++;
	cbrc = cb(ctx, &r);
	st->in_cb--;
out:
	stmt_put(st, S_SESSION_FIND, &s);
	return rc ? rc : cbrc;
}

/* ---- Responses ---- */

static int sq_response_add(attune_store *st, const attune_response_rec *r,
                           attune_id *out_id)
{
	sqlite3_stmt *s = NULL;
	attune_id id = 0;
	int64_t client_id;
	char *values = NULL;
	char o[OBJ_MAX], detail[DETAIL_MAX];
	int top, rc, found;

	if ((rc = store_values_encode(st, r->values, r->n_values, &values)))
		return rc;
	if ((rc = tx_begin(st, &top)) != ATTUNE_OK)
		goto done;
	if ((rc = get_i64(st, S_SESSION_GET, r->session_id, &client_id,
	                  &found)) != ATTUNE_OK)
		goto out;
	if (!found) {
		rc = store_fail(st, ATTUNE_ENOTFOUND, "no session %lld",
		                (long long)r->session_id);
		goto out;
	}
	if ((rc = stmt_get(st, S_RESPONSE_ADD, &s)) != ATTUNE_OK)
		goto out;
	if (sqlite3_bind_int64(s, 1, r->session_id) ||
	    bind_text(s, 2, r->instrument) ||
	    bind_text(s, 3, r->instrument_version) ||
	    sqlite3_bind_int(s, 4, r->respondent) ||
	    bind_text(s, 5, values) || bind_num(s, 6, r->total) ||
	    sqlite3_bind_int64(s, 7, r->recorded_at)) {
		rc = bind_fail(st, "a response");
		goto out;
	}
	rc = step_insert(st, s, &id, "adding a response");
	stmt_put(st, S_RESPONSE_ADD, &s);
	if (rc != ATTUNE_OK)
		goto out;
	snprintf(detail, sizeof(detail),
	         "client:%lld session:%lld instrument:%s",
	         (long long)client_id, (long long)r->session_id,
	         r->instrument);
	rc = audit_change(st, "response.add", obj(o, "response", id), detail);
out:
	stmt_put(st, S_RESPONSE_ADD, &s);
	rc = tx_end(st, top, rc);
	if (rc == ATTUNE_OK && out_id)
		*out_id = id;
done:
	free(values);
	return rc;
}

static int sq_response_list(attune_store *st, attune_id client_id,
                            const char *zInstrument, attune_response_cb cb,
                            void *ctx)
{
	sqlite3_stmt *s = NULL;
	attune_response_rec r;
	double values[ATTUNE_ITEMS_MAX];
	char o[OBJ_MAX], detail[DETAIL_MAX];
	const char *z;
	size_t n;
	int rc, src, cbrc = 0;

	snprintf(detail, sizeof(detail), "instrument:%s",
	         zInstrument ? zInstrument : "");
	if ((rc = need_client(st, client_id, NULL)) ||
	    (rc = audit_read(st, "response.list", obj(o, "client", client_id),
	                     zInstrument ? detail : NULL)) ||
	    (rc = stmt_get(st, S_RESPONSE_LIST, &s)))
		return rc;
	if (sqlite3_bind_int64(s, 1, client_id) ||
	    bind_text(s, 2, zInstrument)) {
		rc = bind_fail(st, "a response listing");
		goto out;
	}
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		r.id = sqlite3_column_int64(s, 0);
		r.session_id = sqlite3_column_int64(s, 1);
		r.client_id = sqlite3_column_int64(s, 2);
		r.session_number = sqlite3_column_int(s, 3);
		r.session_date = col_text(s, 4);
		r.instrument = col_text(s, 5);
		r.instrument_version = col_text(s, 6);
		r.respondent = sqlite3_column_int(s, 7);
		z = col_text(s, 8);
		r.total = sqlite3_column_type(s, 9) == SQLITE_NULL
		          ? NAN : sqlite3_column_double(s, 9);
		r.recorded_at = sqlite3_column_int64(s, 10);
		if (!r.session_date || !r.instrument ||
		    !r.instrument_version || !z) {
			src = SQLITE_NOMEM;
			break;
		}
		if (store_values_decode(z, (size_t)sqlite3_column_bytes(s, 8),
		                  values, &n) != 0) {
			rc = store_fail(st, ATTUNE_ESTORE,
			                "response %lld: item value %zu in the "
			                "database is damaged", (long long)r.id, n);
			break;
		}
		r.n_values = n;
		r.values = values;
		st->in_cb++;
		cbrc = cb(ctx, &r);
		st->in_cb--;
		if (cbrc)
			break;
	}
	if (!rc && !cbrc && src != SQLITE_DONE)
		rc = sq_fail(st, src, "listing the responses of client %lld",
		             (long long)client_id);
out:
	stmt_put(st, S_RESPONSE_LIST, &s);
	return rc ? rc : cbrc;
}

/* ---- Audit log ---- */

static int sq_audit_list(attune_store *st, int64_t since, size_t limit,
                         attune_audit_cb cb, void *ctx)
{
	sqlite3_stmt *s;
	attune_audit_rec r;
	int rc, src, cbrc = 0;

	if ((rc = stmt_get(st, S_AUDIT_LIST, &s)) != ATTUNE_OK)
		return rc;
	/* LIMIT -1: no limit. */
	if (sqlite3_bind_int64(s, 1, since) ||
	    sqlite3_bind_int64(s, 2, limit == 0 || limit > (size_t)INT64_MAX
	                             ? -1 : (sqlite3_int64)limit)) {
		rc = bind_fail(st, "an audit listing");
		goto out;
	}
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		r.id = sqlite3_column_int64(s, 0);
		r.at = sqlite3_column_int64(s, 1);
		r.user_id = sqlite3_column_int64(s, 2);
		r.actor = col_text(s, 3);
		r.origin = col_text(s, 4);
		r.action = col_text(s, 5);
		r.object = col_text(s, 6);
		r.detail = col_text(s, 7);
		if (!r.actor || !r.origin || !r.action || !r.object) {
			src = SQLITE_NOMEM;
			break;
		}
		st->in_cb++;
		cbrc = cb(ctx, &r);
		st->in_cb--;
		if (cbrc)
			break;
	}
	if (!cbrc && src != SQLITE_DONE)
		rc = sq_fail(st, src, "listing the audit log");
out:
	stmt_put(st, S_AUDIT_LIST, &s);
	return rc ? rc : cbrc;
}

/* ==== Schema 2: the web app ==== */

/* Bind parameters 1, 2, ... from a format, one letter each: 'i' int64,
 * 'r' an optional id or time (0 binds NULL), 't' text (NULL binds NULL),
 * 'n' int. */
static int bind_va(attune_store *st, sqlite3_stmt *s, const char *zWhat,
                   const char *fmt, va_list ap)
{
	int i, src = SQLITE_OK;

	for (i = 0; fmt[i] && src == SQLITE_OK; i++) {
		switch (fmt[i]) {
		case 'i':
			src = sqlite3_bind_int64(s, i + 1, va_arg(ap, int64_t));
			break;
		case 'r':
			src = bind_ref(s, i + 1, va_arg(ap, int64_t));
			break;
		case 't':
			src = bind_text(s, i + 1, va_arg(ap, const char *));
			break;
		default:
			src = sqlite3_bind_int(s, i + 1, va_arg(ap, int));
			break;
		}
	}
	if (src != SQLITE_OK)
		return bind_fail(st, zWhat);
	return ATTUNE_OK;
}

/* Get statement id and bind it; hand it back with stmt_put(). */
static int prep(attune_store *st, enum stmt_id id, sqlite3_stmt **out,
                const char *zWhat, const char *fmt, ...)
{
	va_list ap;
	int rc;

	if ((rc = stmt_get(st, id, out)) != ATTUNE_OK)
		return rc;
	va_start(ap, fmt);
	rc = bind_va(st, *out, zWhat, fmt, ap);
	va_end(ap);
	if (rc != ATTUNE_OK)
		stmt_put(st, id, out);
	return rc;
}

/* Run a statement that returns no rows; *n_changed (may be NULL) the
 * rows it changed. */
static int change(attune_store *st, enum stmt_id id, int *n_changed,
                  const char *zWhat, const char *fmt, ...)
{
	sqlite3_stmt *s;
	va_list ap;
	int rc, src;

	if ((rc = stmt_get(st, id, &s)) != ATTUNE_OK)
		return rc;
	va_start(ap, fmt);
	rc = bind_va(st, s, zWhat, fmt, ap);
	va_end(ap);
	if (rc == ATTUNE_OK) {
		src = sqlite3_step(s);
		if (src != SQLITE_DONE)
			rc = sq_fail(st, src, "%s", zWhat);
		else if (n_changed)
			*n_changed = sqlite3_changes(db_of(st));
	}
	stmt_put(st, id, &s);
	return rc;
}

/* A user that exists; *clinic_id its clinic (may be NULL). */
static int need_user(attune_store *st, attune_id user_id,
                     attune_id *clinic_id)
{
	int64_t v;
	int found, rc;

	rc = get_i64(st, S_USER_GET, user_id, &v, &found);
	if (rc == ATTUNE_OK && !found)
		rc = store_fail(st, ATTUNE_ENOTFOUND, "no user %lld",
		                (long long)user_id);
	if (clinic_id)
		*clinic_id = v;
	return rc;
}

/* Step a one-row lookup and hand the row to fill/cb; ATTUNE_ENOTFOUND
 * with zMissing when there is none. */
static int one_row(attune_store *st, sqlite3_stmt *s, const char *zMissing,
                   int *found)
{
	int src = sqlite3_step(s);

	*found = 0;
	if (src == SQLITE_ROW) {
		*found = 1;
		return ATTUNE_OK;
	}
	if (src == SQLITE_DONE)
		return store_fail(st, ATTUNE_ENOTFOUND, "%s", zMissing);
	return sq_fail(st, src, "looking up %s", zMissing);
}

/* ---- Users ---- */

static int sq_user_get(attune_store *st, attune_id user_id,
                       attune_user_cb cb, void *ctx)
{
	sqlite3_stmt *s;
	attune_user_rec r;
	char what[OBJ_MAX + 16];
	int rc, found;

	snprintf(what, sizeof(what), "no user %lld", (long long)user_id);
	if ((rc = prep(st, S_USER_BY_ID, &s, "a user lookup", "i",
	               (int64_t)user_id)))
		return rc;
	rc = one_row(st, s, what, &found);
	if (rc == ATTUNE_OK) {
		if (!user_row(s, &r)) {
			rc = sq_fail(st, SQLITE_NOMEM, "reading user %lld",
			             (long long)user_id);
		} else {
			st->in_cb++;
			rc = cb(ctx, &r);
			st->in_cb--;
		}
	}
	stmt_put(st, S_USER_BY_ID, &s);
	return rc;
}

/* An UPDATE of one row by id inside its own transaction, with an audit
 * row; ATTUNE_ENOTFOUND naming zKind when no row changed. */
static int update_audited(attune_store *st, enum stmt_id id,
                          const char *zKind, attune_id key,
                          const char *zAction, const char *zObject,
                          const char *zDetail, const char *fmt, ...)
{
	sqlite3_stmt *s = NULL;
	va_list ap;
	int top, rc, src;

	if ((rc = tx_begin(st, &top)) != ATTUNE_OK)
		return rc;
	if ((rc = stmt_get(st, id, &s)) != ATTUNE_OK)
		goto out;
	va_start(ap, fmt);
	rc = bind_va(st, s, zAction, fmt, ap);
	va_end(ap);
	if (rc != ATTUNE_OK)
		goto out;
	src = sqlite3_step(s);
	if (src != SQLITE_DONE) {
		rc = sq_fail(st, src, "%s", zAction);
		goto out;
	}
	if (sqlite3_changes(db_of(st)) == 0) {
		rc = store_fail(st, ATTUNE_ENOTFOUND, "no %s %lld", zKind,
		                (long long)key);
		goto out;
	}
	stmt_put(st, id, &s);
	rc = audit_change(st, zAction, zObject, zDetail);
out:
	stmt_put(st, id, &s);
	return tx_end(st, top, rc);
}

static int sq_user_set_password(attune_store *st, attune_id user_id,
                                const char *zHash)
{
	char o[OBJ_MAX];

	return update_audited(st, S_USER_SET_PASSWORD, "user", user_id,
	                      "user.password", obj(o, "user", user_id),
	                      zHash ? "set" : "cleared", "it",
	                      (int64_t)user_id, zHash);
}

static int sq_user_set_role(attune_store *st, attune_id user_id,
                            attune_role role)
{
	char o[OBJ_MAX], detail[DETAIL_MAX];
	int64_t n = 0;
	int top, found, rc;

	snprintf(detail, sizeof(detail), "role:%d", (int)role);
	if ((rc = tx_begin(st, &top)) != ATTUNE_OK)
		return rc;
	if (role != ATTUNE_ROLE_THERAPIST &&
	    (rc = get_i64(st, S_USER_CLIENTS, user_id, &n, &found)) == ATTUNE_OK &&
	    n > 0)
		rc = store_fail(st, ATTUNE_EINVAL, "user %lld is the therapist "
		                "of %lld client%s; transfer them to another "
		                "therapist first, or they belong to no one who "
		                "can see them", (long long)user_id, (long long)n,
		                n == 1 ? "" : "s");
	if (rc == ATTUNE_OK)
		rc = update_audited(st, S_USER_SET_ROLE, "user", user_id,
		                    "user.role", obj(o, "user", user_id), detail,
		                    "in", (int64_t)user_id, (int)role);
	return tx_end(st, top, rc);
}

/* ---- Web sessions ---- */

static int sq_websession_add(attune_store *st,
                             const attune_websession_rec *w)
{
	char o[OBJ_MAX];
	int top, rc;

	if ((rc = tx_begin(st, &top)) != ATTUNE_OK)
		return rc;
	if ((rc = need_user(st, w->user_id, NULL)) != ATTUNE_OK)
		goto out;
	rc = change(st, S_WS_ADD, NULL, "recording a sign-in", "tittiii",
	            w->id_hash, (int64_t)w->user_id, w->csrf, w->origin,
	            w->created_at, w->last_seen, w->expires_at);
	if (rc == ATTUNE_EEXIST)
		rc = store_fail(st, rc, "a session with this hash exists");
	if (rc == ATTUNE_OK)
		rc = audit_change(st, "auth.login", obj(o, "user", w->user_id),
		                  NULL);
out:
	return tx_end(st, top, rc);
}

static int sq_websession_find(attune_store *st, const char *zIdHash,
                              attune_websession_cb cb, void *ctx)
{
	sqlite3_stmt *s;
	attune_websession_rec r;
	int rc, found;

	if ((rc = prep(st, S_WS_FIND, &s, "a session lookup", "t", zIdHash)))
		return rc;
	rc = one_row(st, s, "no such session", &found);
	if (rc == ATTUNE_OK) {
		r.id_hash = col_text(s, 0);
		r.user_id = sqlite3_column_int64(s, 1);
		r.csrf = col_text(s, 2);
		r.origin = col_text(s, 3);
		r.created_at = sqlite3_column_int64(s, 4);
		r.last_seen = sqlite3_column_int64(s, 5);
		r.expires_at = sqlite3_column_int64(s, 6);
		if (!r.id_hash || !r.csrf || !r.origin) {
			rc = sq_fail(st, SQLITE_NOMEM, "reading a session");
		} else {
			st->in_cb++;
			rc = cb(ctx, &r);
			st->in_cb--;
		}
	}
	stmt_put(st, S_WS_FIND, &s);
	return rc;
}

static int sq_websession_touch(attune_store *st, const char *zIdHash,
                               int64_t last_seen)
{
	int n = 0, rc, top;

	if ((rc = tx_begin(st, &top)) != ATTUNE_OK)
		return rc;
	rc = change(st, S_WS_TOUCH, &n, "touching a session", "ti", zIdHash,
	            last_seen);
	if (rc == ATTUNE_OK && n == 0)
		rc = store_fail(st, ATTUNE_ENOTFOUND, "no such session");
	return tx_end(st, top, rc);
}

static int sq_websession_delete(attune_store *st, const char *zIdHash)
{
	sqlite3_stmt *s = NULL;
	attune_id user_id = 0;
	char o[OBJ_MAX];
	int rc, top, found = 0;

	if ((rc = tx_begin(st, &top)) != ATTUNE_OK)
		return rc;
	if ((rc = prep(st, S_WS_DELETE, &s, "signing out", "t", zIdHash)))
		goto out;
	rc = one_row(st, s, "no such session", &found);
	if (rc == ATTUNE_OK) {
		user_id = sqlite3_column_int64(s, 0);
		if (sqlite3_step(s) != SQLITE_DONE)
			rc = sq_fail(st, sqlite3_extended_errcode(db_of(st)),
			             "signing out");
	}
	stmt_put(st, S_WS_DELETE, &s);
	if (rc == ATTUNE_OK)
		rc = audit_change(st, "auth.logout", obj(o, "user", user_id),
		                  NULL);
out:
	stmt_put(st, S_WS_DELETE, &s);
	return tx_end(st, top, rc);
}

static int sq_websession_delete_user(attune_store *st, attune_id user_id,
                                     size_t *n_deleted)
{
	char o[OBJ_MAX];
	int n = 0, rc, top;

	if ((rc = tx_begin(st, &top)) != ATTUNE_OK)
		return rc;
	rc = change(st, S_WS_DELETE_USER, &n, "ending a user's sessions",
	            "i", (int64_t)user_id);
	if (rc == ATTUNE_OK)
		rc = audit_change(st, "auth.logout-all",
		                  obj(o, "user", user_id), NULL);
	rc = tx_end(st, top, rc);
	if (rc == ATTUNE_OK)
		*n_deleted = (size_t)n;
	return rc;
}

static int sq_websession_purge(attune_store *st, int64_t now,
                               int64_t idle_before, size_t *n_deleted)
{
	int n = 0, rc, top;

	if ((rc = tx_begin(st, &top)) != ATTUNE_OK)
		return rc;
	rc = change(st, S_WS_PURGE, &n, "purging sessions", "ii", now,
	            idle_before);
	rc = tx_end(st, top, rc);
	if (rc == ATTUNE_OK)
		*n_deleted = (size_t)n;
	return rc;
}

/* ---- Check-in links ---- */

static int link_row(sqlite3_stmt *s, attune_link_rec *r)
{
	r->id = sqlite3_column_int64(s, 0);
	r->token_hash = col_text(s, 1);
	r->client_id = sqlite3_column_int64(s, 2);
	r->session_number = sqlite3_column_int(s, 3);
	r->instruments = col_text(s, 4);
	r->created_by = sqlite3_column_int64(s, 5);
	r->created_at = sqlite3_column_int64(s, 6);
	r->expires_at = sqlite3_column_int64(s, 7);
	r->used_at = sqlite3_column_int64(s, 8);
	return r->token_hash && r->instruments;
}

static int sq_link_add(attune_store *st, const attune_link_rec *l,
                       attune_id *out_id)
{
	sqlite3_stmt *s = NULL;
	attune_id id = 0;
	char o[OBJ_MAX], detail[DETAIL_MAX];
	int top, rc;

	if ((rc = tx_begin(st, &top)) != ATTUNE_OK)
		return rc;
	if ((rc = need_client(st, l->client_id, NULL)) ||
	    (l->created_by && (rc = need_user(st, l->created_by, NULL))))
		goto out;
	if ((rc = prep(st, S_LINK_ADD, &s, "a check-in link", "tirtrii",
	               l->token_hash, (int64_t)l->client_id,
	               (int64_t)l->session_number, l->instruments,
	               (int64_t)l->created_by, l->created_at, l->expires_at)))
		goto out;
	rc = step_insert(st, s, &id, "creating a check-in link");
	if (rc == ATTUNE_EEXIST)
		rc = store_fail(st, rc, "a link with this token hash exists");
	stmt_put(st, S_LINK_ADD, &s);
	if (rc != ATTUNE_OK)
		goto out;
	if (l->session_number)
		snprintf(detail, sizeof(detail), "client:%lld session:%d",
		         (long long)l->client_id, l->session_number);
	else
		snprintf(detail, sizeof(detail), "client:%lld",
		         (long long)l->client_id);
	rc = audit_change(st, "link.add", obj(o, "link", id), detail);
out:
	stmt_put(st, S_LINK_ADD, &s);
	rc = tx_end(st, top, rc);
	if (rc == ATTUNE_OK && out_id)
		*out_id = id;
	return rc;
}

/* prep() with a text-keyed statement, for link_find's two passes. */
static int sq_link_find(attune_store *st, const char *zTokenHash,
                        attune_link_cb cb, void *ctx)
{
	sqlite3_stmt *s = NULL;
	attune_link_rec r;
	char o[OBJ_MAX], detail[DETAIL_MAX];
	int rc, pass, found, cbrc = 0;

	if ((rc = prep(st, S_LINK_FIND, &s, "a link lookup", "t",
	               zTokenHash)))
		return rc;
	/* As in sq_client_find(): the audit row first, then the data. */
	for (pass = 0; pass < 2; pass++) {
		if ((rc = one_row(st, s, "no such check-in link", &found)))
			goto out;
		if (!link_row(s, &r)) {
			rc = sq_fail(st, SQLITE_NOMEM, "reading a link");
			goto out;
		}
		if (pass == 0) {
			sqlite3_reset(s);
			snprintf(detail, sizeof(detail), "client:%lld",
			         (long long)r.client_id);
			if ((rc = audit_read(st, "link.read",
			                     obj(o, "link", r.id), detail)))
				goto out;
		}
	}
	st->in_cb++;
	cbrc = cb(ctx, &r);
	st->in_cb--;
out:
	stmt_put(st, S_LINK_FIND, &s);
	return rc ? rc : cbrc;
}

static int sq_link_use(attune_store *st, attune_id link_id, int64_t used_at)
{
	int64_t client_id;
	char o[OBJ_MAX], detail[DETAIL_MAX];
	int top, rc, found, n = 0;

	if ((rc = tx_begin(st, &top)) != ATTUNE_OK)
		return rc;
	if ((rc = get_i64(st, S_LINK_GET, link_id, &client_id, &found)))
		goto out;
	if (!found) {
		rc = store_fail(st, ATTUNE_ENOTFOUND, "no check-in link %lld",
		                (long long)link_id);
		goto out;
	}
	if ((rc = change(st, S_LINK_USE, &n, "using a check-in link", "ii",
	                 (int64_t)link_id, used_at)))
		goto out;
	if (n == 0) {
		rc = store_fail(st, ATTUNE_EEXIST,
		                "check-in link %lld was used already",
		                (long long)link_id);
		goto out;
	}
	snprintf(detail, sizeof(detail), "client:%lld", (long long)client_id);
	rc = audit_change(st, "link.use", obj(o, "link", link_id), detail);
out:
	return tx_end(st, top, rc);
}

static int sq_link_list(attune_store *st, attune_id client_id,
                        attune_link_cb cb, void *ctx)
{
	sqlite3_stmt *s = NULL;
	attune_link_rec r;
	char o[OBJ_MAX];
	int rc, src, cbrc = 0;

	if ((rc = need_client(st, client_id, NULL)) ||
	    (rc = audit_read(st, "link.list", obj(o, "client", client_id),
	                     NULL)) ||
	    (rc = prep(st, S_LINK_LIST, &s, "a link listing", "i",
	               (int64_t)client_id)))
		return rc;
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		if (!link_row(s, &r)) {
			src = SQLITE_NOMEM;
			break;
		}
		st->in_cb++;
		cbrc = cb(ctx, &r);
		st->in_cb--;
		if (cbrc)
			break;
	}
	if (!cbrc && src != SQLITE_DONE)
		rc = sq_fail(st, src, "listing the links of client %lld",
		             (long long)client_id);
	stmt_put(st, S_LINK_LIST, &s);
	return rc ? rc : cbrc;
}

/* ---- Session transcripts (schema 3) ---- */

/* 0 when a text column that must be there is missing (out of memory). */
static int transcript_row(sqlite3_stmt *s, attune_transcript_row *r,
                          int with_text)
{
	r->id = sqlite3_column_int64(s, 0);
	r->session_id = sqlite3_column_int64(s, 1);
	r->client_id = sqlite3_column_int64(s, 2);
	r->session_number = sqlite3_column_int(s, 3);
	r->format = col_text(s, 4);
	r->text = with_text ? col_text(s, 5) : NULL;
	r->size = (size_t)sqlite3_column_int64(s, 6);
	r->created_by = sqlite3_column_int64(s, 7);
	r->created_at = sqlite3_column_int64(s, 8);
	return r->format && (!with_text || r->text);
}

static int sq_transcript_add(attune_store *st,
                             const attune_transcript_row *t,
                             attune_id *out_id)
{
	sqlite3_stmt *s = NULL;
	attune_id id = 0;
	int64_t client_id;
	char o[OBJ_MAX], detail[DETAIL_MAX];
	int top, rc, found;

	if ((rc = tx_begin(st, &top)) != ATTUNE_OK)
		return rc;
	if ((rc = get_i64(st, S_SESSION_GET, t->session_id, &client_id,
	                  &found)))
		goto out;
	if (!found) {
		rc = store_fail(st, ATTUNE_ENOTFOUND, "no session %lld",
		                (long long)t->session_id);
		goto out;
	}
	if (t->created_by && (rc = need_user(st, t->created_by, NULL)))
		goto out;
	if ((rc = prep(st, S_TRANSCRIPT_ADD, &s, "a transcript", "ittir",
	               (int64_t)t->session_id, t->format, t->text,
	               t->created_at, (int64_t)t->created_by)))
		goto out;
	rc = step_insert(st, s, &id, "storing a transcript");
	stmt_put(st, S_TRANSCRIPT_ADD, &s);
	if (rc != ATTUNE_OK)
		goto out;
	snprintf(detail, sizeof(detail), "client:%lld session:%lld",
	         (long long)client_id, (long long)t->session_id);
	rc = audit_change(st, "transcript.add", obj(o, "transcript", id),
	                  detail);
out:
	stmt_put(st, S_TRANSCRIPT_ADD, &s);
	rc = tx_end(st, top, rc);
	if (rc == ATTUNE_OK && out_id)
		*out_id = id;
	return rc;
}

static int sq_transcript_get(attune_store *st, attune_id transcript_id,
                             attune_transcript_row_cb cb, void *ctx)
{
	sqlite3_stmt *s = NULL;
	attune_transcript_row r;
	char o[OBJ_MAX], detail[DETAIL_MAX], missing[64];
	int rc, pass, found, cbrc = 0;

	snprintf(missing, sizeof(missing), "no transcript %lld",
	         (long long)transcript_id);
	if ((rc = prep(st, S_TRANSCRIPT_GET, &s, "a transcript lookup", "i",
	               (int64_t)transcript_id)))
		return rc;
	/* As in sq_link_find(): the audit row first, then the data. */
	for (pass = 0; pass < 2; pass++) {
		if ((rc = one_row(st, s, missing, &found)))
			goto out;
		if (!transcript_row(s, &r, 1)) {
			rc = sq_fail(st, SQLITE_NOMEM, "reading a transcript");
			goto out;
		}
		if (pass == 0) {
			sqlite3_reset(s);
			snprintf(detail, sizeof(detail), "client:%lld",
			         (long long)r.client_id);
			if ((rc = audit_read(st, "transcript.read",
			                     obj(o, "transcript", r.id), detail)))
				goto out;
		}
	}
	st->in_cb++;
	cbrc = cb(ctx, &r);
	st->in_cb--;
out:
	stmt_put(st, S_TRANSCRIPT_GET, &s);
	return rc ? rc : cbrc;
}

static int sq_transcript_list(attune_store *st, attune_id client_id,
                              attune_id session_id,
                              attune_transcript_row_cb cb, void *ctx)
{
	sqlite3_stmt *s = NULL;
	attune_transcript_row r;
	char o[OBJ_MAX];
	int rc, src, cbrc = 0;

	if ((rc = need_client(st, client_id, NULL)) ||
	    (rc = audit_read(st, "transcript.list",
	                     obj(o, "client", client_id), NULL)) ||
	    (rc = prep(st, S_TRANSCRIPT_LIST, &s, "a transcript listing", "ii",
	               (int64_t)client_id, (int64_t)session_id)))
		return rc;
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		if (!transcript_row(s, &r, 0)) {
			src = SQLITE_NOMEM;
			break;
		}
		st->in_cb++;
		cbrc = cb(ctx, &r);
		st->in_cb--;
		if (cbrc)
			break;
	}
	if (!cbrc && src != SQLITE_DONE)
		rc = sq_fail(st, src, "listing the transcripts of client %lld",
		             (long long)client_id);
	stmt_put(st, S_TRANSCRIPT_LIST, &s);
	return rc ? rc : cbrc;
}

static int sq_transcript_delete(attune_store *st, attune_id client_id,
                                attune_id transcript_id)
{
	sqlite3_stmt *s = NULL;
	int64_t session_id = 0, owner = 0;
	char o[OBJ_MAX], detail[DETAIL_MAX], missing[64];
	int rc, top, found = 0;

	snprintf(missing, sizeof(missing), "no transcript %lld",
	         (long long)transcript_id);
	if ((rc = tx_begin(st, &top)) != ATTUNE_OK)
		return rc;
	if ((rc = prep(st, S_TRANSCRIPT_DELETE, &s, "deleting a transcript",
	               "ii", (int64_t)transcript_id, (int64_t)client_id)))
		goto out;
	rc = one_row(st, s, missing, &found);
	if (rc == ATTUNE_OK) {
		session_id = sqlite3_column_int64(s, 0);
		if (sqlite3_step(s) != SQLITE_DONE)
			rc = sq_fail(st, sqlite3_extended_errcode(db_of(st)),
			             "deleting transcript %lld",
			             (long long)transcript_id);
	}
	stmt_put(st, S_TRANSCRIPT_DELETE, &s);
	if (rc != ATTUNE_OK)
		goto out;
	if ((rc = get_i64(st, S_SESSION_GET, session_id, &owner, &found)))
		goto out;
	snprintf(detail, sizeof(detail), "client:%lld session:%lld",
	         (long long)owner, (long long)session_id);
	rc = audit_change(st, "transcript.delete",
	                  obj(o, "transcript", transcript_id), detail);
out:
	stmt_put(st, S_TRANSCRIPT_DELETE, &s);
	return tx_end(st, top, rc);
}

/* ---- API tokens ---- */

static int token_row(sqlite3_stmt *s, attune_token_rec *r)
{
	r->id = sqlite3_column_int64(s, 0);
	r->token_hash = col_text(s, 1);
	r->user_id = sqlite3_column_int64(s, 2);
	r->label = col_text(s, 3);
	r->created_at = sqlite3_column_int64(s, 4);
	r->last_used = sqlite3_column_int64(s, 5);
	r->revoked_at = sqlite3_column_int64(s, 6);
	return r->token_hash && r->label;
}

static int sq_token_add(attune_store *st, const attune_token_rec *t,
                        attune_id *out_id)
{
	sqlite3_stmt *s = NULL;
	attune_id id = 0;
	char o[OBJ_MAX], detail[DETAIL_MAX];
	int top, rc;

	if ((rc = tx_begin(st, &top)) != ATTUNE_OK)
		return rc;
	if ((rc = need_user(st, t->user_id, NULL)))
		goto out;
	if ((rc = prep(st, S_TOKEN_ADD, &s, "an API token", "titi",
	               t->token_hash, (int64_t)t->user_id, t->label,
	               t->created_at)))
		goto out;
	rc = step_insert(st, s, &id, "creating an API token");
	if (rc == ATTUNE_EEXIST)
		rc = store_fail(st, rc, "a token with this hash exists");
	stmt_put(st, S_TOKEN_ADD, &s);
	if (rc != ATTUNE_OK)
		goto out;
	snprintf(detail, sizeof(detail), "user:%lld", (long long)t->user_id);
	rc = audit_change(st, "token.add", obj(o, "token", id), detail);
out:
	stmt_put(st, S_TOKEN_ADD, &s);
	rc = tx_end(st, top, rc);
	if (rc == ATTUNE_OK && out_id)
		*out_id = id;
	return rc;
}

static int sq_token_find(attune_store *st, const char *zTokenHash,
                         attune_token_cb cb, void *ctx)
{
	sqlite3_stmt *s;
	attune_token_rec r;
	int rc, found;

	if ((rc = prep(st, S_TOKEN_FIND, &s, "a token lookup", "t",
	               zTokenHash)))
		return rc;
	rc = one_row(st, s, "no such API token", &found);
	if (rc == ATTUNE_OK) {
		if (!token_row(s, &r)) {
			rc = sq_fail(st, SQLITE_NOMEM, "reading a token");
		} else {
			st->in_cb++;
			rc = cb(ctx, &r);
			st->in_cb--;
		}
	}
	stmt_put(st, S_TOKEN_FIND, &s);
	return rc;
}

static int sq_token_touch(attune_store *st, attune_id token_id,
                          int64_t last_used)
{
	int n = 0, rc, top;

	if ((rc = tx_begin(st, &top)) != ATTUNE_OK)
		return rc;
	rc = change(st, S_TOKEN_TOUCH, &n, "touching a token", "ii",
	            (int64_t)token_id, last_used);
	if (rc == ATTUNE_OK && n == 0)
		rc = store_fail(st, ATTUNE_ENOTFOUND, "no API token %lld",
		                (long long)token_id);
	return tx_end(st, top, rc);
}

static int sq_token_revoke(attune_store *st, attune_id token_id)
{
	char o[OBJ_MAX];

	return update_audited(st, S_TOKEN_REVOKE, "API token", token_id,
	                      "token.revoke", obj(o, "token", token_id), NULL,
	                      "ii", (int64_t)token_id, st->now);
}

static int sq_token_list(attune_store *st, attune_id user_id,
                         attune_token_cb cb, void *ctx)
{
	sqlite3_stmt *s;
	attune_token_rec r;
	int rc, src, cbrc = 0;

	if ((rc = prep(st, S_TOKEN_LIST, &s, "a token listing", "i",
	               (int64_t)user_id)))
		return rc;
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		if (!token_row(s, &r)) {
			src = SQLITE_NOMEM;
			break;
		}
		st->in_cb++;
		cbrc = cb(ctx, &r);
		st->in_cb--;
		if (cbrc)
			break;
	}
	if (!cbrc && src != SQLITE_DONE)
		rc = sq_fail(st, src, "listing API tokens");
	stmt_put(st, S_TOKEN_LIST, &s);
	return rc ? rc : cbrc;
}

/* ---- Supervision and grants ---- */

static int same_clinic(attune_store *st, attune_id a, attune_id ca,
                       const char *zA, attune_id b, attune_id cb_,
                       const char *zB)
{
	if (ca != cb_)
		return store_fail(st, ATTUNE_EINVAL,
		                  "%s %lld (clinic %lld) and %s %lld (clinic "
		                  "%lld) are not of the same clinic", zA,
		                  (long long)a, (long long)ca, zB, (long long)b,
		                  (long long)cb_);
	return ATTUNE_OK;
}

static int sq_supervision_add(attune_store *st, attune_id sup,
                              attune_id ther)
{
	attune_id c1, c2;
	char o[OBJ_MAX], detail[DETAIL_MAX];
	int top, rc;

	if ((rc = tx_begin(st, &top)) != ATTUNE_OK)
		return rc;
	if ((rc = need_user(st, sup, &c1)) || (rc = need_user(st, ther, &c2)) ||
	    (rc = same_clinic(st, sup, c1, "supervisor", ther, c2,
	                      "therapist")))
		goto out;
	rc = change(st, S_SUP_ADD, NULL, "adding a supervision", "iii",
	            (int64_t)sup, (int64_t)ther, st->now);
	if (rc == ATTUNE_EEXIST)
		rc = store_fail(st, rc, "user %lld supervises user %lld already",
		                (long long)sup, (long long)ther);
	if (rc != ATTUNE_OK)
		goto out;
	snprintf(detail, sizeof(detail), "therapist:%lld", (long long)ther);
	rc = audit_change(st, "supervision.add", obj(o, "user", sup), detail);
out:
	return tx_end(st, top, rc);
}

static int sq_supervision_remove(attune_store *st, attune_id sup,
                                 attune_id ther)
{
	char o[OBJ_MAX], detail[DETAIL_MAX];

	snprintf(detail, sizeof(detail), "therapist:%lld", (long long)ther);
	return update_audited(st, S_SUP_REMOVE, "supervision of user", ther,
	                      "supervision.remove", obj(o, "user", sup),
	                      detail, "ii", (int64_t)sup, (int64_t)ther);
}

static int sq_supervision_list(attune_store *st, attune_id sup,
                               attune_user_cb cb, void *ctx)
{
	sqlite3_stmt *s;
	attune_user_rec r;
	int rc, src, cbrc = 0;

	if ((rc = prep(st, S_SUP_LIST, &s, "a supervision listing", "i",
	               (int64_t)sup)))
		return rc;
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		if (!user_row(s, &r)) {
			src = SQLITE_NOMEM;
			break;
		}
		st->in_cb++;
		cbrc = cb(ctx, &r);
		st->in_cb--;
		if (cbrc)
			break;
	}
	if (!cbrc && src != SQLITE_DONE)
		rc = sq_fail(st, src, "listing the supervisees of user %lld",
		             (long long)sup);
	stmt_put(st, S_SUP_LIST, &s);
	return rc ? rc : cbrc;
}

static int sq_grant_add(attune_store *st, attune_id user_id,
                        attune_id client_id)
{
	attune_id c1, c2;
	char o[OBJ_MAX], detail[DETAIL_MAX];
	int top, rc;

	if ((rc = tx_begin(st, &top)) != ATTUNE_OK)
		return rc;
	if ((rc = need_user(st, user_id, &c1)) ||
	    (rc = need_client(st, client_id, &c2)) ||
	    (rc = same_clinic(st, user_id, c1, "user", client_id, c2,
	                      "client")))
		goto out;
	rc = change(st, S_GRANT_ADD, NULL, "granting access", "iii",
	            (int64_t)user_id, (int64_t)client_id, st->now);
	if (rc == ATTUNE_EEXIST)
		rc = store_fail(st, rc, "user %lld has a grant for client %lld "
		                "already", (long long)user_id,
		                (long long)client_id);
	if (rc != ATTUNE_OK)
		goto out;
	snprintf(detail, sizeof(detail), "user:%lld", (long long)user_id);
	rc = audit_change(st, "grant.add", obj(o, "client", client_id),
	                  detail);
out:
	return tx_end(st, top, rc);
}

static int sq_grant_remove(attune_store *st, attune_id user_id,
                           attune_id client_id)
{
	char o[OBJ_MAX], detail[DETAIL_MAX];

	snprintf(detail, sizeof(detail), "user:%lld", (long long)user_id);
	return update_audited(st, S_GRANT_REMOVE, "grant for client",
	                      client_id, "grant.remove",
	                      obj(o, "client", client_id), detail, "ii",
	                      (int64_t)user_id, (int64_t)client_id);
}

static int sq_grant_list(attune_store *st, attune_id user_id,
                         attune_client_cb cb, void *ctx)
{
	sqlite3_stmt *s = NULL;
	attune_client_rec r;
	char o[OBJ_MAX];
	int rc, src, cbrc = 0;

	if ((rc = need_user(st, user_id, NULL)) ||
	    (rc = audit_read(st, "grant.list", obj(o, "user", user_id),
	                     NULL)) ||
	    (rc = prep(st, S_GRANT_LIST, &s, "a grant listing", "i",
	               (int64_t)user_id)))
		return rc;
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		if (!client_row(s, &r)) {
			src = SQLITE_NOMEM;
			break;
		}
		st->in_cb++;
		cbrc = cb(ctx, &r);
		st->in_cb--;
		if (cbrc)
			break;
	}
	if (!cbrc && src != SQLITE_DONE)
		rc = sq_fail(st, src, "listing the clients granted to user "
		             "%lld", (long long)user_id);
	stmt_put(st, S_GRANT_LIST, &s);
	return rc ? rc : cbrc;
}

static int sq_client_access(attune_store *st, attune_id user_id,
                            attune_id client_id, attune_access *out,
                            int64_t *version)
{
	sqlite3_stmt *s;
	char what[OBJ_MAX + 16];
	int rc, found;

	snprintf(what, sizeof(what), "no client %lld", (long long)client_id);
	if ((rc = prep(st, S_ACCESS, &s, "an access check", "ii",
	               (int64_t)user_id, (int64_t)client_id)))
		return rc;
	rc = one_row(st, s, what, &found);
	if (rc == ATTUNE_OK) {
		*out = (attune_access)sqlite3_column_int(s, 0);
		*version = sqlite3_column_int64(s, 1);
	}
	stmt_put(st, S_ACCESS, &s);
	return rc;
}

static int sq_client_get(attune_store *st, attune_id client_id,
                         attune_client_cb cb, void *ctx)
{
	sqlite3_stmt *s = NULL;
	attune_client_rec r;
	char o[OBJ_MAX];
	int rc, cbrc = 0, found;

	if ((rc = need_client(st, client_id, NULL)) ||
	    (rc = audit_read(st, "client.read", obj(o, "client", client_id),
	                     NULL)) ||
	    (rc = prep(st, S_CLIENT_BY_ID, &s, "a client lookup", "i",
	               (int64_t)client_id)))
		return rc;
	rc = one_row(st, s, "no such client", &found);
	if (rc == ATTUNE_OK) {
		if (!client_row(s, &r)) {
			rc = sq_fail(st, SQLITE_NOMEM, "reading client %lld",
			             (long long)client_id);
		} else {
			st->in_cb++;
			cbrc = cb(ctx, &r);
			st->in_cb--;
		}
	}
	stmt_put(st, S_CLIENT_BY_ID, &s);
	return rc ? rc : cbrc;
}

static int sq_client_transfer(attune_store *st, attune_id client_id,
                              attune_id therapist_id)
{
	char o[OBJ_MAX], detail[DETAIL_MAX];
	attune_id clinic;
	int64_t old = 0, role = 0;
	int top, found, rc;

	if ((rc = tx_begin(st, &top)) != ATTUNE_OK)
		return rc;
	if ((rc = need_client(st, client_id, &clinic)) ||
	    (rc = need_therapist(st, therapist_id, clinic)) ||
	    (rc = get_i64(st, S_USER_ROLE, therapist_id, &role, &found)) ||
	    (rc = get_i64(st, S_CLIENT_THERAPIST, client_id, &old, &found)))
		goto out;
	if (role != ATTUNE_ROLE_THERAPIST) {
		rc = store_fail(st, ATTUNE_EINVAL, "user %lld is not a "
		                "therapist; a client can only be transferred to "
		                "a therapist", (long long)therapist_id);
		goto out;
	}
	if (old == therapist_id)
		goto out;              /* theirs already: nothing to do */
	if (old)
		snprintf(detail, sizeof(detail), "from:user:%lld to:user:%lld",
		         (long long)old, (long long)therapist_id);
	else
		snprintf(detail, sizeof(detail), "from:none to:user:%lld",
		         (long long)therapist_id);
	if ((rc = change(st, S_CLIENT_SET_THERAPIST, NULL,
	                 "transferring a client", "ii", (int64_t)client_id,
	                 (int64_t)therapist_id)) == ATTUNE_OK)
		rc = audit_change(st, "client.transfer",
		                  obj(o, "client", client_id), detail);
out:
	return tx_end(st, top, rc);
}

static int sq_client_set_sees_progress(attune_store *st, attune_id client_id,
                                       int on)
{
	char o[OBJ_MAX], detail[DETAIL_MAX];

	snprintf(detail, sizeof(detail), "sees_progress:%d", on);
	return update_audited(st, S_CLIENT_SET_PROGRESS, "client", client_id,
	                      "client.update", obj(o, "client", client_id),
	                      detail, "in", (int64_t)client_id, on);
}

/* ---- Clinic settings ---- */

static int sq_setting_set(attune_store *st, attune_id clinic_id,
                          const char *zName, const char *zValue)
{
	char o[OBJ_MAX];
	int top, rc;

	if ((rc = tx_begin(st, &top)) != ATTUNE_OK)
		return rc;
	if ((rc = need_clinic(st, clinic_id)) ||
	    (rc = change(st, S_SETTING_SET, NULL, "changing a setting", "itt",
	                 (int64_t)clinic_id, zName, zValue)))
		goto out;
	rc = audit_change(st, "setting.set", obj(o, "clinic", clinic_id),
	                  zName);
out:
	return tx_end(st, top, rc);
}

static int sq_setting_get(attune_store *st, attune_id clinic_id,
                          const char *zName,
                          int (*cb)(void *ctx, const char *zValue),
                          void *ctx)
{
	sqlite3_stmt *s;
	const char *v;
	int rc, found;

	if ((rc = prep(st, S_SETTING_GET, &s, "a setting lookup", "it",
	               (int64_t)clinic_id, zName)))
		return rc;
	rc = one_row(st, s, "no such setting", &found);
	if (rc == ATTUNE_OK) {
		v = col_text(s, 0);
		if (!v) {
			rc = sq_fail(st, SQLITE_NOMEM, "reading a setting");
		} else {
			st->in_cb++;
			rc = cb(ctx, v);
			st->in_cb--;
		}
	}
	stmt_put(st, S_SETTING_GET, &s);
	return rc;
}

/* ---- Opening, migrating, closing ---- */

/* One integer from a constant query, at open time (not cached). */
/* ---- Sites and the clinic overview (schema 5) ---- */

static int sq_site_add(attune_store *st, attune_id clinic_id,
                       const char *zName, int64_t created_at,
                       attune_id *out_id)
{
	sqlite3_stmt *s = NULL;
	attune_id id = 0;
	char o[OBJ_MAX], detail[DETAIL_MAX];
	int top, rc;

	if ((rc = tx_begin(st, &top)) != ATTUNE_OK)
		return rc;
	if ((rc = need_clinic(st, clinic_id)) != ATTUNE_OK)
		goto out;
	if ((rc = prep(st, S_SITE_ADD, &s, "adding a site", "iti",
	               (int64_t)clinic_id, zName, created_at)))
		goto out;
	rc = step_insert(st, s, &id, "adding a site");
	if (rc == ATTUNE_EEXIST)
		rc = store_fail(st, rc, "site '%s' already exists in clinic "
		                "%lld", zName, (long long)clinic_id);
	if (rc == ATTUNE_OK) {
		snprintf(detail, sizeof(detail), "clinic:%lld",
		         (long long)clinic_id);
		rc = audit_change(st, "site.add", obj(o, "site", id), detail);
	}
out:
	stmt_put(st, S_SITE_ADD, &s);
	rc = tx_end(st, top, rc);
	if (rc == ATTUNE_OK && out_id)
		*out_id = id;
	return rc;
}

static int sq_site_list(attune_store *st, attune_id clinic_id,
                        attune_site_cb cb, void *ctx)
{
	sqlite3_stmt *s = NULL;
	attune_site_rec r;
	int rc, src, cbrc = 0;

	if ((rc = need_clinic(st, clinic_id)) != ATTUNE_OK)
		return rc;
	if ((rc = prep(st, S_SITE_LIST, &s, "a site listing", "i",
	               (int64_t)clinic_id)))
		return rc;
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		r.id = sqlite3_column_int64(s, 0);
		r.clinic_id = sqlite3_column_int64(s, 1);
		r.name = col_text(s, 2);
		r.created_at = sqlite3_column_int64(s, 3);
		r.n_users = sqlite3_column_int64(s, 4);
		if (!r.name) {
			src = SQLITE_NOMEM;
			break;
		}
		st->in_cb++;
		cbrc = cb(ctx, &r);
		st->in_cb--;
		if (cbrc)
			break;
	}
	if (!cbrc && src != SQLITE_DONE)
		rc = sq_fail(st, src, "listing the sites of clinic %lld",
		             (long long)clinic_id);
	stmt_put(st, S_SITE_LIST, &s);
	return rc ? rc : cbrc;
}

static int sq_user_set_site(attune_store *st, attune_id user_id,
                            attune_id site_id)
{
	attune_id cu;
	int64_t cs;
	char o[OBJ_MAX], detail[DETAIL_MAX];
	int top, found, rc;

	if ((rc = tx_begin(st, &top)) != ATTUNE_OK)
		return rc;
	if ((rc = need_user(st, user_id, &cu)) != ATTUNE_OK)
		goto out;
	if (site_id) {
		if ((rc = get_i64(st, S_SITE_GET, site_id, &cs, &found)))
			goto out;
		if (!found) {
			rc = store_fail(st, ATTUNE_ENOTFOUND, "no site %lld",
			                (long long)site_id);
			goto out;
		}
		if (cs != cu) {
			rc = store_fail(st, ATTUNE_EINVAL, "site %lld belongs "
			                "to clinic %lld, user %lld to clinic %lld",
			                (long long)site_id, (long long)cs,
			                (long long)user_id, (long long)cu);
			goto out;
		}
	}
	if ((rc = change(st, S_USER_SET_SITE, NULL, "setting a user's site",
	                 "ir", (int64_t)user_id, (int64_t)site_id)))
		goto out;
	if (site_id)
		snprintf(detail, sizeof(detail), "site:%lld",
		         (long long)site_id);
	else
		snprintf(detail, sizeof(detail), "site:none");
	rc = audit_change(st, "user.site", obj(o, "user", user_id), detail);
out:
	return tx_end(st, top, rc);
}

static int sq_overview(attune_store *st, attune_id clinic_id,
                       attune_overview_by by, int64_t since,
                       const char *zInstrument,
                       int (*counts)(void *ctx, attune_id g,
                                     int64_t clients, int64_t open,
                                     int64_t recent),
                       int (*pairs)(void *ctx, attune_id g, int closed,
                                    double first, double last, int64_t n),
                       void *ctx)
{
	enum stmt_id idc = by == ATTUNE_OVERVIEW_SITE ? S_OV_COUNTS_S
	                                              : S_OV_COUNTS_T;
	enum stmt_id idp = by == ATTUNE_OVERVIEW_SITE ? S_OV_PAIRS_S
	                                              : S_OV_PAIRS_T;
	sqlite3_stmt *s = NULL;
	int rc, src, cbrc = 0;

	if ((rc = prep(st, idc, &s, "the clinic overview", "ii",
	               (int64_t)clinic_id, since)))
		return rc;
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		st->in_cb++;
		cbrc = counts(ctx, sqlite3_column_int64(s, 0),
		              sqlite3_column_int64(s, 1),
		              sqlite3_column_int64(s, 2),
		              sqlite3_column_int64(s, 3));
		st->in_cb--;
		if (cbrc)
			break;
	}
	if (!cbrc && src != SQLITE_DONE)
		rc = sq_fail(st, src, "counting for the clinic overview");
	stmt_put(st, idc, &s);
	if (rc || cbrc)
		return rc ? rc : cbrc;
	if ((rc = prep(st, idp, &s, "the clinic overview", "it",
	               (int64_t)clinic_id, zInstrument)))
		return rc;
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		st->in_cb++;
		cbrc = pairs(ctx, sqlite3_column_int64(s, 0),
		             sqlite3_column_int(s, 1),
		             sqlite3_column_double(s, 2),
		             sqlite3_column_double(s, 3),
		             sqlite3_column_int64(s, 4));
		st->in_cb--;
		if (cbrc)
			break;
	}
	if (!cbrc && src != SQLITE_DONE)
		rc = sq_fail(st, src, "the outcomes of the clinic overview");
	stmt_put(st, idp, &s);
	return rc ? rc : cbrc;
}


static int query_int(attune_store *st, const char *zSql, int64_t *out)
{
	sqlite3_stmt *s = NULL;
	int src, rc = ATTUNE_OK;

	*out = 0;
	src = sqlite3_prepare_v2(db_of(st), zSql, -1, &s, NULL);
	if (src == SQLITE_OK) {
		src = sqlite3_step(s);
		if (src == SQLITE_ROW) {
			*out = sqlite3_column_int64(s, 0);
			src = SQLITE_OK;
		}
	}
	if (src != SQLITE_OK)
		rc = sq_fail(st, src, "reading the schema");
	sqlite3_finalize(s);
	return rc;
}

/* The version the database is at; 0 when it has no schema_version. */
static int read_version(attune_store *st, int64_t *version)
{
	int64_t have;
	int rc;

	rc = query_int(st, "SELECT count(*) FROM sqlite_master"
	               " WHERE type = 'table' AND name = 'schema_version'",
	               &have);
	if (rc == ATTUNE_OK && have)
		rc = query_int(st, "SELECT coalesce(max(version), 0)"
		               " FROM schema_version", version);
	else
		*version = 0;
	return rc;
}

static int exec(attune_store *st, const char *zSql)
{
	int src = sqlite3_exec(db_of(st), zSql, NULL, NULL, NULL);

	if (src != SQLITE_OK)
		return sq_fail(st, src, "running \"%.60s\"", zSql);
	return ATTUNE_OK;
}

/* Apply migration m in a transaction of its own. Another process may
 * have applied it meanwhile: then there is nothing to do. */
static int migrate_one(attune_store *st, const char *zLocation,
                       const struct store_migration *m)
{
	sqlite3_stmt *s = NULL;
	int64_t version;
	size_t i;
	int rc, src;

	if ((rc = exec(st, "BEGIN IMMEDIATE")) != ATTUNE_OK)
		return rc;
	if ((rc = read_version(st, &version)) != ATTUNE_OK)
		goto fail;
	if (version >= m->version)
		return exec(st, "COMMIT");
	for (i = 0; i < m->n_sql; i++)
		if ((rc = exec(st, m->sql[i])) != ATTUNE_OK)
			goto fail;
	src = sqlite3_prepare_v2(db_of(st), "INSERT INTO schema_version"
	                         " (version, applied_at) VALUES (?1, ?2)",
	                         -1, &s, NULL);
	if (src == SQLITE_OK &&
	    (src = sqlite3_bind_int(s, 1, m->version)) == SQLITE_OK &&
	    (src = sqlite3_bind_int64(s, 2, st->now)) == SQLITE_OK &&
	    (src = sqlite3_step(s)) == SQLITE_DONE)
		src = SQLITE_OK;
	if (src != SQLITE_OK) {
		rc = sq_fail(st, src, "recording schema version %d",
		             m->version);
		goto fail;
	}
	sqlite3_finalize(s);
	s = NULL;
	if ((rc = exec(st, "COMMIT")) != ATTUNE_OK)
		goto fail;
	return ATTUNE_OK;
fail:
	sqlite3_finalize(s);
	{
		char why[ATTUNE_ERR_MAX];

		memcpy(why, st->err.msg, sizeof(why));
		if (!sqlite3_get_autocommit(db_of(st)))
			sqlite3_exec(db_of(st), "ROLLBACK", NULL, NULL, NULL);
		return store_fail(st, ATTUNE_ESTORE,
		                  "migrating '%s' to schema version %d (%s) "
		                  "failed: %s", zLocation, m->version, m->what,
		                  why);
	}
}

/* Before anything is written: is this a database this build can use?
 * *version is where it stands (0: empty). Refusals leave the file as it
 * was. */
static int check_version(attune_store *st, const char *zLocation, int flags,
                         int64_t *version)
{
	int64_t objects;
	size_t n;
	int rc;

	store_migrations(STORE_DIALECT_SQLITE, &n);
	if ((rc = read_version(st, version)) != ATTUNE_OK)
		return rc;
	if (*version > (int64_t)n)
		return store_fail(st, ATTUNE_EVERSION,
		                  "'%s' is at schema version %lld; this attune "
		                  "(%s) knows versions up to %zu", zLocation,
		                  (long long)*version, ATTUNE_VERSION, n);
	if (*version == 0) {
		if ((rc = query_int(st, "SELECT count(*) FROM sqlite_master",
		                    &objects)) != ATTUNE_OK)
			return rc;
		if (objects)
			return store_fail(st, ATTUNE_ESTORE,
			                  "'%s' is an SQLite database but not an "
			                  "attune one (it has no schema_version "
			                  "table)", zLocation);
		if (!(flags & ATTUNE_STORE_CREATE))
			return store_fail(st, ATTUNE_ENOTFOUND,
			                  "'%s' is an empty database; open it with "
			                  "ATTUNE_STORE_CREATE to set it up",
			                  zLocation);
	}
	if (*version < (int64_t)n && (flags & ATTUNE_STORE_READONLY))
		return store_fail(st, ATTUNE_ESTORE,
		                  "'%s' is at schema version %lld and needs "
		                  "migrating to %zu; open it read-write once",
		                  zLocation, (long long)*version, n);
	return ATTUNE_OK;
}

/* Apply the migrations after `version`, each in its own transaction. */
static int migrate(attune_store *st, const char *zLocation, int64_t version)
{
	const struct store_migration *m;
	size_t n, i;
	int rc;

	m = store_migrations(STORE_DIALECT_SQLITE, &n);
	for (i = (size_t)version; i < n; i++)
		if ((rc = migrate_one(st, zLocation, &m[i])) != ATTUNE_OK)
			return rc;
	return ATTUNE_OK;
}

static void sq_close(attune_store *st)
{
	struct sq *q = st->engine;
	int i;

	if (!q)
		return;
	for (i = 0; i < S_N; i++)
		sqlite3_finalize(q->cache[i]);
	sqlite3_finalize(q->raw_ins);
	if (q->db) {
		if (!sqlite3_get_autocommit(q->db))
			sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
		if (q->wlocked) {
			q->wlocked = 0;
			pthread_mutex_unlock(&q->file->wmu);
		}
		sqlite3_close_v2(q->db);
	}
	file_detach(q);
	free(q);
	st->engine = NULL;
}

static int sq_open(attune_store *st, const char *zLocation, int flags)
{
	struct sq *q;
	struct stat sb;
	int64_t version;
	int oflags, src, rc;

	q = calloc(1, sizeof(*q));
	if (!q)
		return store_fail(st, ATTUNE_ENOMEM,
		                  "out of memory opening '%s'", zLocation);
	st->engine = q;
	if (stat(zLocation, &sb) != 0) {
		if (errno == ENOENT && !(flags & ATTUNE_STORE_CREATE)) {
			rc = store_fail(st, ATTUNE_ENOTFOUND,
			                "no database at '%s' (open with "
			                "ATTUNE_STORE_CREATE to create one)",
			                zLocation);
			goto fail;
		}
	} else if (S_ISDIR(sb.st_mode)) {
		rc = store_fail(st, ATTUNE_EINVAL,
		                "'%s' is a directory, not a database file",
		                zLocation);
		goto fail;
	}
	oflags = SQLITE_OPEN_NOMUTEX;
	if (flags & ATTUNE_STORE_READONLY)
		oflags |= SQLITE_OPEN_READONLY;
	else
		oflags |= SQLITE_OPEN_READWRITE |
		          (flags & ATTUNE_STORE_CREATE ? SQLITE_OPEN_CREATE : 0);
	src = sqlite3_open_v2(zLocation, &q->db, oflags, NULL);
	if (src != SQLITE_OK) {
		rc = store_fail(st, map_rc(src), "cannot open '%s': %s",
		                zLocation, q->db ? sqlite3_errmsg(q->db)
		                                 : sqlite3_errstr(src));
		goto fail;
	}
	sqlite3_extended_result_codes(q->db, 1);
	sqlite3_busy_timeout(q->db, BUSY_TIMEOUT_MS);
	/* No writable_schema tricks, no functions run from the schema. */
	sqlite3_db_config(q->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
	sqlite3_db_config(q->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0,
	                  (int *)NULL);
	/* The first read of the file tells a database from anything else. */
	src = sqlite3_exec(q->db, "SELECT count(*) FROM sqlite_master",
	                   NULL, NULL, NULL);
	if (src != SQLITE_OK) {
		if ((src & 0xff) == SQLITE_NOTADB)
			rc = store_fail(st, ATTUNE_ESTORE,
			                "'%s' is not an SQLite database (%s)",
			                zLocation, sqlite3_errmsg(q->db));
		else
			rc = sq_fail(st, src, "reading '%s'", zLocation);
		goto fail;
	}
	if ((rc = check_version(st, zLocation, flags, &version)) != ATTUNE_OK)
		goto fail;
	/* WAL: readers never block the writer; NORMAL sync is durable in
	 * WAL mode except for the last commits before a power loss. */
	if (!(flags & ATTUNE_STORE_READONLY) &&
	    ((rc = exec(st, "PRAGMA journal_mode = WAL")) ||
	     (rc = exec(st, "PRAGMA synchronous = NORMAL"))))
		goto fail;
	if ((rc = exec(st, "PRAGMA foreign_keys = ON")) != ATTUNE_OK)
		goto fail;
	if ((rc = migrate(st, zLocation, version)) != ATTUNE_OK)
		goto fail;
	if ((rc = file_attach(st, zLocation)) != ATTUNE_OK)
		goto fail;
	return ATTUNE_OK;
fail:
	sq_close(st);
	return rc;
}

static int sq_schema_version(attune_store *st, int *version)
{
	sqlite3_stmt *s;
	int rc, src;

	*version = 0;
	if ((rc = stmt_get(st, S_VERSION, &s)) != ATTUNE_OK)
		return rc;
	src = sqlite3_step(s);
	if (src == SQLITE_ROW)
		*version = sqlite3_column_int(s, 0);
	else
		rc = sq_fail(st, src, "reading the schema version");
	stmt_put(st, S_VERSION, &s);
	return rc;
}

/* ---- Moving a database (archive.c) ---- */

/* "SELECT c1, c2 FROM t ORDER BY ..." or "INSERT INTO t (c1, c2)
 * VALUES (?, ?)" from the table's constant names. */
static int raw_sql(attune_store *st, const struct store_table *t,
                   int insert, strbuf *b)
{
	size_t i;

	sb_puts(b, insert ? "INSERT INTO " : "SELECT ");
	if (insert) {
		sb_puts(b, t->name);
		sb_puts(b, " (");
	}
	for (i = 0; i < t->n_cols; i++) {
		if (i)
			sb_puts(b, ", ");
		sb_puts(b, t->cols[i].name);
	}
	if (insert) {
		sb_puts(b, ") VALUES (");
		for (i = 0; i < t->n_cols; i++)
			sb_puts(b, i ? ", ?" : "?");
		sb_putc(b, ')');
	} else {
		sb_puts(b, " FROM ");
		sb_puts(b, t->name);
		sb_puts(b, " ORDER BY ");
		sb_puts(b, t->order);
	}
	if (b->rc)
		return store_fail(st, b->rc, "building the SQL for table %s",
		                  t->name);
	return ATTUNE_OK;
}

static int raw_table(attune_store *st, const struct store_table *t,
                     size_t it, store_row_cb cb, void *ctx)
{
	struct store_cell cells[16];
	sqlite3_stmt *s = NULL;
	strbuf b;
	size_t i;
	int rc, src, cbrc = 0;

	if (t->n_cols > 16)
		return store_fail(st, ATTUNE_ESTORE, "table %s: too many "
		                  "columns", t->name);
	sb_init(&b, 4096);
	if ((rc = raw_sql(st, t, 0, &b)))
		goto out;
	src = sqlite3_prepare_v2(db_of(st), b.s, -1, &s, NULL);
	if (src != SQLITE_OK) {
		rc = sq_fail(st, src, "reading table %s", t->name);
		goto out;
	}
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		for (i = 0; i < t->n_cols; i++) {
			memset(&cells[i], 0, sizeof(cells[i]));
			if (sqlite3_column_type(s, (int)i) == SQLITE_NULL) {
				cells[i].is_null = 1;
				continue;
			}
			switch (t->cols[i].type) {
			case STORE_COL_INT:
				cells[i].i = sqlite3_column_int64(s, (int)i);
				break;
			case STORE_COL_REAL:
				cells[i].d = sqlite3_column_double(s, (int)i);
				break;
			case STORE_COL_TEXT:
				cells[i].z = col_text(s, (int)i);
				if (!cells[i].z)
					rc = store_fail(st, ATTUNE_ENOMEM,
					                "reading table %s",
					                t->name);
				break;
			}
		}
		if (rc)
			break;
		st->in_cb++;
		cbrc = cb(ctx, it, cells);
		st->in_cb--;
		if (cbrc)
			break;
	}
	if (!rc && !cbrc && src != SQLITE_DONE)
		rc = sq_fail(st, src, "reading table %s", t->name);
out:
	sqlite3_finalize(s);
	sb_free(&b);
	return rc ? rc : cbrc;
}

static int sq_raw_dump(attune_store *st, const struct store_table *t,
                       size_t n, store_row_cb cb, void *ctx)
{
	size_t i;
	int rc;

	/* A deferred read transaction: one snapshot of the WAL, writers
	 * go on meanwhile. */
	if ((rc = exec(st, "BEGIN DEFERRED")) != ATTUNE_OK)
		return rc;
	for (i = 0; i < n && rc == ATTUNE_OK; i++)
		rc = raw_table(st, &t[i], i, cb, ctx);
	if (rc == ATTUNE_OK)
		return exec(st, "COMMIT");
	sqlite3_exec(db_of(st), "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* A bulk load's page cache: 256 MiB (negative: KiB), so that the
 * indexes of millions of rows stay in memory until the commit. The
 * commit itself is as durable as any other (same journal, same sync). */
#define RAW_CACHE_KIB 262144

static void raw_redo_free(struct sq *q)
{
	size_t i;

	for (i = 0; i < q->n_redo; i++)
		sqlite3_free(q->raw_redo[i]);
	sqlite3_free(q->raw_redo);
	q->raw_redo = NULL;
	q->n_redo = 0;
	q->raw_off = 0;
	q->raw_dv = 0;
}

/* After a bulk load: the prepared INSERT goes, the cache size comes
 * back (the schema set aside is back too: by sq_raw_keys before the
 * commit, or by the rollback). */
static void raw_end(attune_store *st)
{
	struct sq *q = st->engine;
	char zSql[64];

	raw_redo_free(q);
	sqlite3_finalize(q->raw_ins);
	q->raw_ins = NULL;
	q->raw_t = NULL;
	if (q->raw_cache) {
		snprintf(zSql, sizeof(zSql), "PRAGMA cache_size = %d",
		         q->raw_cache);
		sqlite3_exec(q->db, zSql, NULL, NULL, NULL);
		q->raw_cache = 0;
	}
}

/* The first row of a bulk load: a larger cache for its duration. */
static int raw_start(attune_store *st)
{
	struct sq *q = st->engine;
	sqlite3_stmt *s = NULL;
	char zSql[64];
	int src;

	src = sqlite3_prepare_v2(q->db, "PRAGMA cache_size", -1, &s, NULL);
	if (src == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		q->raw_cache = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (!q->raw_cache)
		return ATTUNE_OK;
	snprintf(zSql, sizeof(zSql), "PRAGMA cache_size = -%d", RAW_CACHE_KIB);
	return exec(st, zSql);
}

/* The first row of a bulk load (into an empty database, inside its
 * transaction) sets two things aside until sq_raw_keys:
 *  - the indexes that are not UNIQUE: made after the rows, one sort
 *    each, instead of a B-tree insert per row and index (at 20 million
 *    responses most of those at random places of an index larger than
 *    the cache: responses_recorded). UNIQUE indexes stay, so that a
 *    duplicate is refused at its row and the archive line is known.
 *  - the data-version triggers (migration 4, names *_dv_*): an UPDATE
 *    of the client's row per inserted episode, session and response.
 *    sq_raw_keys counts the load as one change of every client instead.
 * DDL is transactional in SQLite: a rollback brings both back as well. */
static int raw_schema_off(attune_store *st)
{
	struct sq *q = st->engine;
	sqlite3_stmt *s = NULL;
	char **drop = NULL, **p;
	size_t i, n = 0, cap = 0;
	int rc = ATTUNE_OK, src;

	src = sqlite3_prepare_v2(q->db,
	        "SELECT type, name, sql FROM sqlite_master"
	        " WHERE sql IS NOT NULL AND ((type = 'index'"
	        " AND sql NOT LIKE 'CREATE UNIQUE %') OR (type = 'trigger'"
	        " AND name LIKE '%\\_dv\\_%' ESCAPE '\\'))"
	        " ORDER BY type, name", -1, &s, NULL);
	if (src != SQLITE_OK)
		return sq_fail(st, src, "reading the schema for a bulk load");
	/* First the list (the schema cannot change while it is read). */
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		const char *zType = (const char *)sqlite3_column_text(s, 0);
		const char *zName = (const char *)sqlite3_column_text(s, 1);
		const char *zSql = (const char *)sqlite3_column_text(s, 2);

		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if (!(p = sqlite3_realloc64(q->raw_redo,
			                            cap * sizeof(*p))))
				break;
			q->raw_redo = p;
			if (!(p = sqlite3_realloc64(drop, cap * sizeof(*p))))
				break;
			drop = p;
		}
		/* The name is the schema's own, quoted as an identifier. */
		drop[n] = sqlite3_mprintf("DROP %s \"%w\"", zType[0] == 't'
		                          ? "TRIGGER" : "INDEX", zName);
		q->raw_redo[n] = sqlite3_mprintf("%s", zSql);
		if (!drop[n] || !q->raw_redo[n]) {
			sqlite3_free(drop[n]);
			sqlite3_free(q->raw_redo[n]);
			break;
		}
		q->raw_dv |= zType[0] == 't';
		q->n_redo = ++n;
	}
	if (src == SQLITE_ROW)
		rc = store_fail(st, ATTUNE_ENOMEM, "out of memory setting "
		                "indexes aside for a bulk load");
	else if (src != SQLITE_DONE)
		rc = sq_fail(st, src, "reading the schema for a bulk load");
	sqlite3_finalize(s);
	for (i = 0; i < n && rc == ATTUNE_OK; i++)
		rc = exec(st, drop[i]);
	for (i = 0; i < n; i++)
		sqlite3_free(drop[i]);
	sqlite3_free(drop);
	if (rc == ATTUNE_OK)
		q->raw_off = 1;
	return rc;
}

/* Before the commit of a bulk load: what raw_schema_off set aside is
 * made again, and every client counts one change of its data. */
static int raw_schema_on(attune_store *st)
{
	struct sq *q = st->engine;
	size_t i;
	int rc;

	for (i = 0; i < q->n_redo; i++)
		if ((rc = exec(st, q->raw_redo[i])))
			return rc;
	if (q->raw_dv && (rc = exec(st, "UPDATE clients SET data_version ="
	                            " data_version + 1")))
		return rc;
	raw_redo_free(q);
	return ATTUNE_OK;
}

static int sq_raw_insert(attune_store *st, const struct store_table *t,
                         const struct store_cell *c, size_t *bad_row)
{
	struct sq *q = st->engine;
	sqlite3_stmt *s;
	strbuf b;
	size_t i;
	int rc, src = SQLITE_OK;

	*bad_row = 0;
	if ((rc = txn_lost(st)) != ATTUNE_OK)
		return rc;
	if (q->raw_t != t) {
		/* One prepared INSERT per table, kept while its rows come. */
		sqlite3_finalize(q->raw_ins);
		q->raw_ins = NULL;
		q->raw_t = NULL;
		if (!q->raw_cache && (rc = raw_start(st)))
			return rc;
		if (!q->raw_off && (rc = raw_schema_off(st)))
			return rc;
		sb_init(&b, 4096);
		rc = raw_sql(st, t, 1, &b);
		if (rc == ATTUNE_OK) {
			src = sqlite3_prepare_v3(q->db, b.s, -1,
			                         SQLITE_PREPARE_PERSISTENT,
			                         &q->raw_ins, NULL);
			if (src != SQLITE_OK)
				rc = sq_fail(st, src, "adding a row to %s",
				             t->name);
		}
		sb_free(&b);
		if (rc)
			return rc;
		q->raw_t = t;
	}
	s = q->raw_ins;
	for (i = 0; i < t->n_cols && src == SQLITE_OK; i++) {
		int k = (int)i + 1;

		if (c[i].is_null)
			src = sqlite3_bind_null(s, k);
		else if (t->cols[i].type == STORE_COL_INT)
			src = sqlite3_bind_int64(s, k, c[i].i);
		else if (t->cols[i].type == STORE_COL_REAL)
			src = bind_num(s, k, c[i].d);
		else
			src = bind_text(s, k, c[i].z);
	}
	if (src != SQLITE_OK) {
		rc = bind_fail(st, t->name);
		sqlite3_reset(s);
		return rc;
	}
	src = sqlite3_step(s);
	if (src != SQLITE_DONE)
		rc = sq_fail(st, src, "adding a row to %s", t->name);
	sqlite3_reset(s);
	return rc;
}

static int sq_raw_flush(attune_store *st, int abandon, size_t *bad_row)
{
	struct sq *q = st->engine;

	/* Every row was stepped when given: nothing is pending. */
	(void)abandon;
	if (bad_row)
		*bad_row = 0;
	sqlite3_finalize(q->raw_ins);
	q->raw_ins = NULL;
	q->raw_t = NULL;
	return ATTUNE_OK;
}

/* A bulk load goes without SQLite's foreign key checks, one lookup
 * per row (the pragma only changes outside a transaction); sq_raw_keys
 * checks every reference at the end with PRAGMA foreign_key_check
 * (https://www.sqlite.org/pragma.html#pragma_foreign_key_check), and
 * commit or rollback turns the checks back on. */
static int sq_raw_prepare(attune_store *st)
{
	struct sq *q = st->engine;
	int rc;

	if (!sqlite3_get_autocommit(q->db))
		return ATTUNE_OK;
	if ((rc = exec(st, "PRAGMA foreign_keys = OFF")) == ATTUNE_OK)
		q->raw_fk = 1;
	return rc;
}

static void raw_fk_on(attune_store *st)
{
	struct sq *q = st->engine;

	if (q->raw_fk && sqlite3_get_autocommit(q->db) &&
	    sqlite3_exec(q->db, "PRAGMA foreign_keys = ON", NULL, NULL,
	                 NULL) == SQLITE_OK)
		q->raw_fk = 0;
}

static int sq_raw_keys(attune_store *st, const struct store_table *t,
                       size_t n)
{
	struct sq *q = st->engine;
	sqlite3_stmt *s = NULL;
	int rc, src;

	/* INTEGER PRIMARY KEY takes max(rowid) + 1: nothing to advance. */
	(void)t;
	(void)n;
	if ((rc = txn_lost(st)) != ATTUNE_OK)
		return rc;
	if (!q->raw_fk)
		return raw_schema_on(st);
	src = sqlite3_prepare_v2(q->db, "PRAGMA foreign_key_check", -1, &s,
	                         NULL);
	if (src != SQLITE_OK)
		return sq_fail(st, src, "checking the references");
	src = sqlite3_step(s);
	if (src == SQLITE_ROW)
		rc = store_fail(st, ATTUNE_ENOTFOUND, "table %.40s: row %lld "
		                "refers to a missing row of %.40s",
		                (const char *)sqlite3_column_text(s, 0),
		                (long long)sqlite3_column_int64(s, 1),
		                (const char *)sqlite3_column_text(s, 2));
	else if (src != SQLITE_DONE)
		rc = sq_fail(st, src, "checking the references");
	sqlite3_finalize(s);
	return rc ? rc : raw_schema_on(st);
}

struct sqlite3 *store_sqlite_db(attune_store *st)
{
	if (!st || st->ops != &store_sqlite_ops || !st->engine)
		return NULL;
	return db_of(st);
}

const struct attune_store_ops store_sqlite_ops = {
	.site_add = sq_site_add,
	.site_list = sq_site_list,
	.user_set_site = sq_user_set_site,
	.overview = sq_overview,
	.course_list = store_course_list_each,
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.schema_version = sq_schema_version,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.clinic_add = sq_clinic_add,
	.clinic_list = sq_clinic_list,
	.user_add = sq_user_add,
	.user_find = sq_user_find,
	.user_list = sq_user_list,
	.client_add = sq_client_add,
	.client_find = sq_client_find,
	.client_list = sq_client_list,
	.episode_open = sq_episode_open,
	.episode_close = sq_episode_close,
	.episode_list = sq_episode_list,
	.session_add = sq_session_add,
	.session_list = sq_session_list,
	.session_find = sq_session_find,
	.response_add = sq_response_add,
	.response_list = sq_response_list,
	.audit_add = sq_audit_add,
	.audit_list = sq_audit_list,
	.user_get = sq_user_get,
	.user_set_password = sq_user_set_password,
	.user_set_role = sq_user_set_role,
	.websession_add = sq_websession_add,
	.websession_find = sq_websession_find,
	.websession_touch = sq_websession_touch,
	.websession_delete = sq_websession_delete,
	.websession_delete_user = sq_websession_delete_user,
	.websession_purge = sq_websession_purge,
	.link_add = sq_link_add,
	.link_find = sq_link_find,
	.link_use = sq_link_use,
	.link_list = sq_link_list,
	.transcript_add = sq_transcript_add,
	.transcript_get = sq_transcript_get,
	.transcript_list = sq_transcript_list,
	.transcript_delete = sq_transcript_delete,
	.token_add = sq_token_add,
	.token_find = sq_token_find,
	.token_touch = sq_token_touch,
	.token_revoke = sq_token_revoke,
	.token_list = sq_token_list,
	.supervision_add = sq_supervision_add,
	.supervision_remove = sq_supervision_remove,
	.supervision_list = sq_supervision_list,
	.grant_add = sq_grant_add,
	.grant_remove = sq_grant_remove,
	.grant_list = sq_grant_list,
	.client_access = sq_client_access,
	.client_get = sq_client_get,
	.client_transfer = sq_client_transfer,
	.client_set_sees_progress = sq_client_set_sees_progress,
	.setting_set = sq_setting_set,
	.setting_get = sq_setting_get,
	.raw_dump = sq_raw_dump,
	.raw_insert = sq_raw_insert,
	.raw_flush = sq_raw_flush,
	.raw_prepare = sq_raw_prepare,
	.raw_keys = sq_raw_keys,
};
