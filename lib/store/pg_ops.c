/* pg_ops.c - the PostgreSQL engine's store operations: the SQL of every
 * statement (constant text with $N parameters) and one function per
 * operation of struct attune_store_ops, mirroring sqlite.c case by case
 * (the same checks, error codes, messages and audit rows).
 *
 * Adding an operation: a P_ id and its SQL below, a function written
 * like its neighbours (pg_tx_begin/pg_tx_end around a change, the audit
 * row in the same transaction; audit_read() before a read hands out
 * client data), and its entry in store_pg_ops at the end. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "attune/limits.h"
#include "store/pg_int.h"

/* "client:9223372036854775807" and the like, with room to spare. */
#define OBJ_MAX 64
#define DETAIL_MAX (ATTUNE_ID_MAX + 160)

enum {
	P_VERSION,
	P_AUDIT_ADD, P_AUDIT_LIST,
	P_CLINIC_ADD, P_CLINIC_GET, P_CLINIC_LIST,
	P_USER_ADD, P_USER_GET, P_USER_FIND, P_USER_LIST,
	P_CLIENT_ADD, P_CLIENT_GET, P_CLIENT_FIND, P_CLIENT_LIST,
	P_CLIENT_LIST_THERAPIST,
	P_EPISODE_ADD, P_EPISODE_GET, P_EPISODE_CURRENT, P_EPISODE_CLOSE,
	P_EPISODE_LIST,
	P_SESSION_ADD, P_SESSION_GET, P_SESSION_FIND, P_SESSION_LIST,
	P_RESPONSE_ADD, P_RESPONSE_LIST,
	P_COURSE_MISSING, P_COURSE_AUDIT, P_COURSE_EPISODES,
	P_COURSE_SESSIONS, P_COURSE_RESPONSES,
	/* schema 2 */
	P_USER_BY_ID, P_USER_SET_PASSWORD, P_USER_SET_ROLE,
	P_WS_ADD, P_WS_FIND, P_WS_TOUCH, P_WS_DELETE, P_WS_DELETE_USER,
	P_WS_PURGE,
	P_LINK_ADD, P_LINK_FIND, P_LINK_GET, P_LINK_USE, P_LINK_LIST,
	P_TOKEN_ADD, P_TOKEN_FIND, P_TOKEN_TOUCH, P_TOKEN_REVOKE,
	P_TOKEN_LIST,
	P_SUP_ADD, P_SUP_REMOVE, P_SUP_LIST,
	P_GRANT_ADD, P_GRANT_REMOVE, P_GRANT_LIST,
	P_ACCESS, P_CLIENT_BY_ID, P_CLIENT_SET_PROGRESS,
	P_CLIENT_THERAPIST, P_CLIENT_SET_THERAPIST, P_USER_ROLE,
	P_USER_CLIENTS,
	P_SETTING_SET, P_SETTING_GET,
	/* schema 3 */
	P_TRANSCRIPT_ADD, P_TRANSCRIPT_GET, P_TRANSCRIPT_LIST,
	P_TRANSCRIPT_DELETE,
	/* schema 5 */
	P_SITE_ADD, P_SITE_GET, P_SITE_LIST, P_USER_SET_SITE,
	P_OV_COUNTS_T, P_OV_COUNTS_S, P_OV_PAIRS_T, P_OV_PAIRS_S,
	P_N
};

_Static_assert(P_N <= PG_STMT_MAX, "raise PG_STMT_MAX in pg_int.h");

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
	BODY ", octet_length(t.body), t.created_by, t.created_at" \
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

/* Every statement the engine runs after open: the queries of sqlite.c
 * with $N parameters, and a cast where a parameter's type cannot be
 * inferred ($2::text IS NULL). No SQL text is ever built from data.
 * Statements that only read start with "SELECT " (pg.c may retry those
 * once on a fresh connection). */
const char *const pg_sql[P_N] = {
	[P_VERSION] = "SELECT max(version) FROM schema_version",

	[P_AUDIT_ADD] =
		"INSERT INTO audit (at, user_id, actor, origin, action, object,"
		" detail) VALUES ($1, $2, $3, $4, $5, $6, $7)",
	[P_AUDIT_LIST] =
		"SELECT id, at, user_id, actor, origin, action, object, detail"
		" FROM audit WHERE at >= $1 ORDER BY at DESC, id DESC"
		" LIMIT $2::bigint",

	[P_CLINIC_ADD] =
		"INSERT INTO clinics (name, created_at) VALUES ($1, $2)"
		" RETURNING id",
	[P_CLINIC_GET] = "SELECT id FROM clinics WHERE id = $1",
	[P_CLINIC_LIST] =
		"SELECT id, name, created_at FROM clinics ORDER BY name, id",

	[P_USER_ADD] =
		"INSERT INTO users (clinic_id, name, display_name, role,"
		" password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)"
		" RETURNING id",
	[P_USER_GET] = "SELECT clinic_id FROM users WHERE id = $1",
	[P_USER_FIND] =
		"SELECT " USER_COLS " FROM users"
		" WHERE clinic_id = $1 AND name = $2",
	[P_USER_LIST] =
		"SELECT " USER_COLS " FROM users WHERE clinic_id = $1"
		" ORDER BY name",

	[P_CLIENT_ADD] =
		"INSERT INTO clients (clinic_id, therapist_id, code,"
		" display_name, created_at, sees_progress)"
		" VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
	[P_CLIENT_GET] = "SELECT clinic_id FROM clients WHERE id = $1",
	[P_CLIENT_FIND] =
		"SELECT " CLIENT_COLS " FROM clients"
		" WHERE clinic_id = $1 AND code = $2",
	[P_CLIENT_LIST] =
		"SELECT " CLIENT_COLS " FROM clients WHERE clinic_id = $1"
		" ORDER BY code",
	[P_CLIENT_LIST_THERAPIST] =
		"SELECT " CLIENT_COLS " FROM clients"
		" WHERE clinic_id = $1 AND therapist_id = $2 ORDER BY code",

	[P_EPISODE_ADD] =
		"INSERT INTO episodes (client_id, started) VALUES ($1, $2)"
		" RETURNING id",
	[P_EPISODE_GET] =
		"SELECT client_id, started, ended FROM episodes WHERE id = $1",
	[P_EPISODE_CURRENT] =
		"SELECT id, started FROM episodes"
		" WHERE client_id = $1 AND ended IS NULL"
		" ORDER BY started DESC, id DESC LIMIT 1",
	[P_EPISODE_CLOSE] =
		"UPDATE episodes SET ended = $2, end_reason = $3"
		" WHERE id = $1 AND ended IS NULL",
	[P_EPISODE_LIST] =
		"SELECT id, client_id, started, ended, end_reason FROM episodes"
		" WHERE client_id = $1 ORDER BY started, id",

	[P_SESSION_ADD] =
		"INSERT INTO sessions (episode_id, number, date, attended)"
		" VALUES ($1, $2, $3, $4) RETURNING id",
	[P_SESSION_GET] =
		"SELECT e.client_id FROM sessions s"
		" JOIN episodes e ON e.id = s.episode_id WHERE s.id = $1",
	[P_SESSION_FIND] =
		SESSION_FROM "WHERE s.episode_id = $1 AND s.number = $2",
	[P_SESSION_LIST] =
		SESSION_FROM "WHERE e.client_id = $1"
		" ORDER BY e.started, e.id, s.number",

	[P_RESPONSE_ADD] =
		"INSERT INTO responses (session_id, instrument,"
		" instrument_version, respondent, item_values, total,"
		" recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
		" RETURNING id",
	[P_RESPONSE_LIST] =
		"SELECT r.id, r.session_id, e.client_id, s.number, s.date,"
		" r.instrument, r.instrument_version, r.respondent,"
		" r.item_values, r.total, r.recorded_at"
		" FROM responses r JOIN sessions s ON s.id = r.session_id"
		" JOIN episodes e ON e.id = s.episode_id"
		" WHERE e.client_id = $1"
		" AND ($2::text IS NULL OR r.instrument = $2::text)"
		" ORDER BY e.started, e.id, s.number, r.recorded_at, r.id",

	/* attune_store_course_list(): $1 (or $5) the clients as a bigint[]
	 * ('{1,2,3}'), u.o their position; each list in the order of the
	 * one-client list above, client after client. */
	[P_COURSE_MISSING] =
		"SELECT u.id FROM unnest($1::bigint[]) WITH ORDINALITY AS u(id, o)"
		" WHERE NOT EXISTS (SELECT 1 FROM clients c WHERE c.id = u.id)"
		" ORDER BY u.o LIMIT 1",
	[P_COURSE_AUDIT] =
		"INSERT INTO audit (at, user_id, actor, origin, action, object,"
		" detail) SELECT $1::bigint, $2::bigint, $3::text, $4::text,"
		" a.action, 'client:' || u.id, NULL"
		" FROM unnest($5::bigint[]) WITH ORDINALITY AS u(id, o)"
		" CROSS JOIN (VALUES (1, 'episode.list'), (2, 'session.list'),"
		" (3, 'response.list')) AS a(k, action) ORDER BY u.o, a.k",
	[P_COURSE_EPISODES] =
		"SELECT e.id, e.client_id, e.started, e.ended, e.end_reason, u.o"
		" FROM unnest($1::bigint[]) WITH ORDINALITY AS u(id, o)"
		" JOIN episodes e ON e.client_id = u.id"
		" ORDER BY u.o, e.started, e.id",
	[P_COURSE_SESSIONS] =
		"SELECT s.id, s.episode_id, e.client_id, s.number, s.date,"
		" s.attended, u.o"
		" FROM unnest($1::bigint[]) WITH ORDINALITY AS u(id, o)"
		" JOIN episodes e ON e.client_id = u.id"
		" JOIN sessions s ON s.episode_id = e.id"
		" ORDER BY u.o, e.started, e.id, s.number",
	[P_COURSE_RESPONSES] =
		"SELECT r.id, r.session_id, e.client_id, s.number, s.date,"
		" r.instrument, r.instrument_version, r.respondent,"
		" r.item_values, r.total, r.recorded_at, u.o"
		" FROM unnest($1::bigint[]) WITH ORDINALITY AS u(id, o)"
		" JOIN episodes e ON e.client_id = u.id"
		" JOIN sessions s ON s.episode_id = e.id"
		" JOIN responses r ON r.session_id = s.id"
		" ORDER BY u.o, e.started, e.id, s.number, r.recorded_at, r.id",

	/* ---- schema 2 ---- */
	[P_USER_BY_ID] = "SELECT " USER_COLS " FROM users WHERE id = $1",
	[P_USER_SET_PASSWORD] =
		"UPDATE users SET password_hash = $2 WHERE id = $1",
	[P_USER_SET_ROLE] = "UPDATE users SET role = $2 WHERE id = $1",

	[P_WS_ADD] =
		"INSERT INTO web_sessions (" WS_COLS ")"
		" VALUES ($1, $2, $3, $4, $5, $6, $7)",
	[P_WS_FIND] =
		"SELECT " WS_COLS " FROM web_sessions WHERE id_hash = $1",
	[P_WS_TOUCH] =
		"UPDATE web_sessions SET last_seen = $2 WHERE id_hash = $1",
	[P_WS_DELETE] =
		"DELETE FROM web_sessions WHERE id_hash = $1 RETURNING user_id",
	[P_WS_DELETE_USER] = "DELETE FROM web_sessions WHERE user_id = $1",
	[P_WS_PURGE] =
		"DELETE FROM web_sessions WHERE expires_at <= $1"
		" OR last_seen < $2",

	[P_LINK_ADD] =
		"INSERT INTO checkin_links (token_hash, client_id,"
		" session_number, instruments, created_by, created_at,"
		" expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
	[P_LINK_FIND] =
		"SELECT " LINK_COLS " FROM checkin_links WHERE token_hash = $1",
	[P_LINK_GET] = "SELECT client_id FROM checkin_links WHERE id = $1",
	[P_LINK_USE] =
		"UPDATE checkin_links SET used_at = $2"
		" WHERE id = $1 AND used_at IS NULL",
	[P_LINK_LIST] =
		"SELECT " LINK_COLS " FROM checkin_links WHERE client_id = $1"
		" ORDER BY created_at DESC, id DESC",

	[P_TOKEN_ADD] =
		"INSERT INTO api_tokens (token_hash, user_id, label,"
		" created_at) VALUES ($1, $2, $3, $4) RETURNING id",
	[P_TOKEN_FIND] =
		"SELECT " TOKEN_COLS " FROM api_tokens WHERE token_hash = $1",
	[P_TOKEN_TOUCH] =
		"UPDATE api_tokens SET last_used = $2 WHERE id = $1",
	[P_TOKEN_REVOKE] =
		"UPDATE api_tokens SET revoked_at = coalesce(revoked_at, $2)"
		" WHERE id = $1",
	[P_TOKEN_LIST] =
		"SELECT " TOKEN_COLS " FROM api_tokens"
		" WHERE $1::bigint = 0 OR user_id = $1::bigint"
		" ORDER BY created_at, id",

	[P_SUP_ADD] =
		"INSERT INTO supervision (supervisor_id, therapist_id,"
		" created_at) VALUES ($1, $2, $3)",
	[P_SUP_REMOVE] =
		"DELETE FROM supervision"
		" WHERE supervisor_id = $1 AND therapist_id = $2",
	[P_SUP_LIST] =
		"SELECT u.id, u.clinic_id, u.name, u.display_name, u.role,"
		" u.password_hash, u.created_at, u.site_id FROM supervision s"
		" JOIN users u ON u.id = s.therapist_id"
		" WHERE s.supervisor_id = $1 ORDER BY u.name",

	[P_GRANT_ADD] =
		"INSERT INTO grants (user_id, client_id, created_at)"
		" VALUES ($1, $2, $3)",
	[P_GRANT_REMOVE] =
		"DELETE FROM grants WHERE user_id = $1 AND client_id = $2",
	[P_GRANT_LIST] =
		"SELECT c.id, c.clinic_id, c.therapist_id, c.code,"
		" c.display_name, c.created_at, c.sees_progress"
		" FROM grants g JOIN clients c ON c.id = g.client_id"
		" WHERE g.user_id = $1 ORDER BY c.code",

	[P_ACCESS] =
		"SELECT CASE WHEN c.therapist_id = $1::bigint THEN 1"
		" WHEN EXISTS (SELECT 1 FROM grants g"
		"  WHERE g.user_id = $1::bigint AND g.client_id = c.id) THEN 2"
		" WHEN EXISTS (SELECT 1 FROM supervision s"
		"  WHERE s.supervisor_id = $1::bigint"
		"  AND s.therapist_id = c.therapist_id) THEN 3"
		" ELSE 0 END, c.data_version FROM clients c WHERE c.id = $2",
	[P_CLIENT_BY_ID] = "SELECT " CLIENT_COLS " FROM clients WHERE id = $1",
	[P_CLIENT_SET_PROGRESS] =
		"UPDATE clients SET sees_progress = $2 WHERE id = $1",
	[P_CLIENT_THERAPIST] =
		"SELECT coalesce(therapist_id, 0) FROM clients WHERE id = $1",
	[P_CLIENT_SET_THERAPIST] =
		"UPDATE clients SET therapist_id = $2 WHERE id = $1",
	[P_USER_ROLE] = "SELECT role FROM users WHERE id = $1",
	[P_USER_CLIENTS] =
		"SELECT count(*) FROM clients WHERE therapist_id = $1",

	[P_SETTING_SET] =
		"INSERT INTO clinic_settings (clinic_id, name, value)"
		" VALUES ($1, $2, $3) ON CONFLICT (clinic_id, name)"
		" DO UPDATE SET value = excluded.value",
	[P_SETTING_GET] =
		"SELECT value FROM clinic_settings"
		" WHERE clinic_id = $1 AND name = $2",

	[P_SITE_ADD] =
		"INSERT INTO sites (clinic_id, name, created_at)"
		" VALUES ($1, $2, $3) RETURNING id",
	[P_SITE_GET] = "SELECT clinic_id FROM sites WHERE id = $1",
	[P_SITE_LIST] =
		"SELECT s.id, s.clinic_id, s.name, s.created_at,"
		" (SELECT count(*) FROM users u WHERE u.site_id = s.id)"
		" FROM sites s WHERE s.clinic_id = $1 ORDER BY s.name",
	[P_USER_SET_SITE] = "UPDATE users SET site_id = $2 WHERE id = $1",
	[P_OV_COUNTS_T] = STORE_OV_COUNTS(STORE_OV_THERAPIST, "$1", "$2"),
	[P_OV_COUNTS_S] = STORE_OV_COUNTS(STORE_OV_SITE, "$1", "$2"),
	[P_OV_PAIRS_T] = STORE_OV_PAIRS(STORE_OV_THERAPIST, "$1", "$2"),
	[P_OV_PAIRS_S] = STORE_OV_PAIRS(STORE_OV_SITE, "$1", "$2"),

	[P_TRANSCRIPT_ADD] =
		"INSERT INTO transcripts (session_id, format, body, created_at,"
		" created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id",
	[P_TRANSCRIPT_GET] =
		TRANSCRIPT_FROM("t.body")
		"WHERE t.id = $1",
	[P_TRANSCRIPT_LIST] =
		TRANSCRIPT_FROM("NULL")
		"WHERE e.client_id = $1 AND ($2::bigint = 0 OR t.session_id = $2)"
		" ORDER BY t.created_at, t.id",
	/* $2 0: of any client. */
	[P_TRANSCRIPT_DELETE] =
		"DELETE FROM transcripts WHERE id = $1 AND ($2::bigint = 0 OR"
		" session_id IN (SELECT s.id FROM sessions s"
		"  JOIN episodes e ON e.id = s.episode_id"
		"  WHERE e.client_id = $2))"
		" RETURNING session_id",
};

const int pg_n_sql = P_N;

/* "kind:id" */
static const char *obj(char *buf, const char *zKind, attune_id id)
{
	snprintf(buf, OBJ_MAX, "%s:%lld", zKind, (long long)id);
	return buf;
}

/* Hand one record to a list callback. */
#define CALL(st, expr) ((st)->in_cb++, cbrc = (expr), (st)->in_cb--, cbrc)

/* ---- Audit rows ---- */

static int audit_insert(attune_store *st, const attune_audit_rec *a)
{
	char what[ATTUNE_ID_MAX * 2 + 40];

	snprintf(what, sizeof(what), "writing the audit row %s %s",
	         a->action, a->object);
	return pg_change(st, P_AUDIT_ADD, NULL, what, "irttttt", a->at,
	                 (int64_t)a->user_id, a->actor, a->origin, a->action,
	                 a->object, a->detail);
}

/* The audit row of a change, with the current actor. */
static int audit_change(attune_store *st, const char *zAction,
                        const char *zObject, const char *zDetail)
{
	attune_audit_rec a;

	store_audit_rec(st, &a, zAction, zObject, zDetail);
	return audit_insert(st, &a);
}

/* The audit row of a read, written before the caller sees any data:
 * outside the caller's transaction it commits at once (no row, no
 * data); inside it, it joins it and is remembered (store_note_read). */
static int audit_read(attune_store *st, const char *zAction,
                      const char *zObject, const char *zDetail)
{
	attune_audit_rec a;
	int rc;

	if ((rc = pg_txn_lost(st)))
		return rc;
	store_audit_rec(st, &a, zAction, zObject, zDetail);
	if ((rc = audit_insert(st, &a)))
		return rc;
	return store_note_read(st, &a);
}

static int p_audit_add(attune_store *st, const attune_audit_rec *a)
{
	int rc;

	if ((rc = pg_txn_lost(st)))
		return rc;
	return audit_insert(st, a);
}

/* ---- Existence checks, with the message a caller wants ---- */

static int need_clinic(attune_store *st, attune_id clinic_id)
{
	int64_t v;
	int found, rc;

	rc = pg_get_i64(st, P_CLINIC_GET, clinic_id, &v, &found);
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

	rc = pg_get_i64(st, P_CLIENT_GET, client_id, &v, &found);
	if (rc == ATTUNE_OK && !found)
		rc = store_fail(st, ATTUNE_ENOTFOUND, "no client %lld",
		                (long long)client_id);
	if (clinic_id)
		*clinic_id = v;
	return rc;
}

/* A user that exists; *clinic_id its clinic (may be NULL). */
static int need_user(attune_store *st, attune_id user_id,
                     attune_id *clinic_id)
{
	int64_t v;
	int found, rc;

	rc = pg_get_i64(st, P_USER_GET, user_id, &v, &found);
	if (rc == ATTUNE_OK && !found)
		rc = store_fail(st, ATTUNE_ENOTFOUND, "no user %lld",
		                (long long)user_id);
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

	if ((rc = pg_get_i64(st, P_USER_GET, user_id, &v, &found)))
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
	PGresult *res;
	char what[80];
	int rc;

	snprintf(what, sizeof(what), "finding the open episode of client %lld",
	         (long long)client_id);
	if ((rc = pg_run(st, P_EPISODE_CURRENT, &res, what, "i",
	                 (int64_t)client_id)))
		return rc;
	if (PQntuples(res) > 0)
		*episode_id = pg_i64(res, 0, 0);
	else
		rc = store_fail(st, ATTUNE_ENOTFOUND,
		                "client %lld has no open episode",
		                (long long)client_id);
	PQclear(res);
	return rc;
}

/* One-row lookup: ATTUNE_ENOTFOUND with zMissing when there is none. */
static int one_row(attune_store *st, PGresult *res, const char *zMissing)
{
	if (PQntuples(res) == 0)
		return store_fail(st, ATTUNE_ENOTFOUND, "%s", zMissing);
	return ATTUNE_OK;
}

/* ---- Clinics and users ---- */

static int p_clinic_add(attune_store *st, const char *zName,
                        int64_t created_at, attune_id *out_id)
{
	attune_id id = 0;
	char o[OBJ_MAX];
	int top, rc;

	if ((rc = pg_tx_begin(st, &top)))
		return rc;
	rc = pg_insert(st, P_CLINIC_ADD, &id, "adding a clinic", "ti", zName,
	               created_at);
	if (rc == ATTUNE_EEXIST)
		rc = store_fail(st, rc, "clinic '%s' already exists", zName);
	if (rc == ATTUNE_OK)
		rc = audit_change(st, "clinic.add", obj(o, "clinic", id), NULL);
	rc = pg_tx_end(st, top, rc);
	if (rc == ATTUNE_OK && out_id)
		*out_id = id;
	return rc;
}

static int p_clinic_list(attune_store *st, attune_clinic_cb cb, void *ctx)
{
	PGresult *res;
	attune_clinic_rec r;
	int i, rc, cbrc = 0;

	if ((rc = pg_run(st, P_CLINIC_LIST, &res, "listing clinics", "")))
		return rc;
	for (i = 0; i < PQntuples(res); i++) {
		r.id = pg_i64(res, i, 0);
		r.name = pg_text(res, i, 1);
		r.created_at = pg_i64(res, i, 2);
		if (CALL(st, cb(ctx, &r)))
			break;
	}
	PQclear(res);
	return cbrc;
}

static int p_user_add(attune_store *st, const attune_user_rec *u,
                      attune_id *out_id)
{
	attune_id id = 0;
	char o[OBJ_MAX], detail[DETAIL_MAX];
	int top, rc;

	if ((rc = pg_tx_begin(st, &top)))
		return rc;
	if ((rc = need_clinic(st, u->clinic_id)))
		goto out;
	rc = pg_insert(st, P_USER_ADD, &id, "adding a user", "ittnti",
	               (int64_t)u->clinic_id, u->name, u->display_name,
	               (int)u->role, u->password_hash, u->created_at);
	if (rc == ATTUNE_EEXIST)
		rc = store_fail(st, rc, "user '%s' already exists in clinic %lld",
		                u->name, (long long)u->clinic_id);
	if (rc == ATTUNE_OK) {
		snprintf(detail, sizeof(detail), "clinic:%lld role:%d",
		         (long long)u->clinic_id, (int)u->role);
		rc = audit_change(st, "user.add", obj(o, "user", id), detail);
	}
out:
	rc = pg_tx_end(st, top, rc);
	if (rc == ATTUNE_OK && out_id)
		*out_id = id;
	return rc;
}

/* Fill r from row i of USER_COLS. */
static void user_row(const PGresult *res, int i, attune_user_rec *r)
{
	r->id = pg_i64(res, i, 0);
	r->clinic_id = pg_i64(res, i, 1);
	r->name = pg_text(res, i, 2);
	r->display_name = pg_text(res, i, 3);
	r->role = (attune_role)pg_int(res, i, 4);
	r->password_hash = pg_text(res, i, 5);
	r->created_at = pg_i64(res, i, 6);
	r->site_id = pg_i64(res, i, 7);
}

/* Every row of a USER_COLS result to cb. */
static int user_rows(attune_store *st, PGresult *res, attune_user_cb cb,
                     void *ctx)
{
	attune_user_rec r;
	int i, cbrc = 0;

	for (i = 0; i < PQntuples(res); i++) {
		user_row(res, i, &r);
		if (CALL(st, cb(ctx, &r)))
			break;
	}
	return cbrc;
}

static int p_user_find(attune_store *st, attune_id clinic_id,
                       const char *zName, attune_user_cb cb, void *ctx)
{
	PGresult *res;
	char what[ATTUNE_ID_MAX + 32];
	int rc;

	snprintf(what, sizeof(what), "finding user '%s'", zName);
	if ((rc = pg_run(st, P_USER_FIND, &res, what, "it",
	                 (int64_t)clinic_id, zName)))
		return rc;
	if (PQntuples(res) == 0)
		rc = store_fail(st, ATTUNE_ENOTFOUND,
		                "no user '%s' in clinic %lld", zName,
		                (long long)clinic_id);
	else
		rc = user_rows(st, res, cb, ctx);
	PQclear(res);
	return rc;
}

static int p_user_list(attune_store *st, attune_id clinic_id,
                       attune_user_cb cb, void *ctx)
{
	PGresult *res;
	char what[64];
	int rc;

	snprintf(what, sizeof(what), "listing the users of clinic %lld",
	         (long long)clinic_id);
	if ((rc = need_clinic(st, clinic_id)) ||
	    (rc = pg_run(st, P_USER_LIST, &res, what, "i",
	                 (int64_t)clinic_id)))
		return rc;
	rc = user_rows(st, res, cb, ctx);
	PQclear(res);
	return rc;
}

/* ---- Clients ---- */

static void client_row(const PGresult *res, int i, attune_client_rec *r)
{
	r->id = pg_i64(res, i, 0);
	r->clinic_id = pg_i64(res, i, 1);
	r->therapist_id = pg_i64(res, i, 2);
	r->code = pg_text(res, i, 3);
	r->display_name = pg_text(res, i, 4);
	r->created_at = pg_i64(res, i, 5);
	r->sees_progress = pg_int(res, i, 6);
}

static int client_rows(attune_store *st, PGresult *res,
                       attune_client_cb cb, void *ctx)
{
	attune_client_rec r;
	int i, cbrc = 0;

	for (i = 0; i < PQntuples(res); i++) {
		client_row(res, i, &r);
		if (CALL(st, cb(ctx, &r)))
			break;
	}
	return cbrc;
}

static int insert_episode(attune_store *st, attune_id client_id,
                          const char *zStarted, attune_id *out_id)
{
	char o[OBJ_MAX], detail[DETAIL_MAX];
	int rc;

	rc = pg_insert(st, P_EPISODE_ADD, out_id, "opening an episode", "it",
	               (int64_t)client_id, zStarted);
	if (rc == ATTUNE_EEXIST)
		rc = store_fail(st, rc, "client %lld already has an open "
		                "episode", (long long)client_id);
	if (rc == ATTUNE_OK) {
		snprintf(detail, sizeof(detail), "client:%lld",
		         (long long)client_id);
		rc = audit_change(st, "episode.add",
		                  obj(o, "episode", *out_id), detail);
	}
	return rc;
}

static int p_client_add(attune_store *st, const attune_client_rec *c,
                        const char *zStarted, attune_id *out_id)
{
	attune_id id = 0, episode;
	char o[OBJ_MAX], detail[DETAIL_MAX];
	int top, rc;

	if ((rc = pg_tx_begin(st, &top)))
		return rc;
	if ((rc = need_clinic(st, c->clinic_id)))
		goto out;
	if (c->therapist_id &&
	    (rc = need_therapist(st, c->therapist_id, c->clinic_id)))
		goto out;
	rc = pg_insert(st, P_CLIENT_ADD, &id, "adding a client", "irttin",
	               (int64_t)c->clinic_id, (int64_t)c->therapist_id,
	               c->code, c->display_name, c->created_at,
	               c->sees_progress);
	if (rc == ATTUNE_EEXIST)
		rc = store_fail(st, rc, "client code '%s' already exists in "
		                "clinic %lld", c->code, (long long)c->clinic_id);
	if (rc)
		goto out;
	if (c->therapist_id)
		snprintf(detail, sizeof(detail), "clinic:%lld therapist:%lld",
		         (long long)c->clinic_id, (long long)c->therapist_id);
	else
		snprintf(detail, sizeof(detail), "clinic:%lld",
		         (long long)c->clinic_id);
	if ((rc = audit_change(st, "client.add", obj(o, "client", id),
	                       detail)))
		goto out;
	rc = insert_episode(st, id, zStarted, &episode);
out:
	rc = pg_tx_end(st, top, rc);
	if (rc == ATTUNE_OK && out_id)
		*out_id = id;
	return rc;
}

static int p_client_find(attune_store *st, attune_id clinic_id,
                         const char *zCode, attune_client_cb cb, void *ctx)
{
	PGresult *res;
	attune_client_rec r;
	char o[OBJ_MAX], what[ATTUNE_ID_MAX + 32];
	int rc, cbrc = 0;

	snprintf(what, sizeof(what), "finding client '%s'", zCode);
	if ((rc = pg_run(st, P_CLIENT_FIND, &res, what, "it",
	                 (int64_t)clinic_id, zCode)))
		return rc;
	if (PQntuples(res) == 0) {
		rc = store_fail(st, ATTUNE_ENOTFOUND,
		                "no client with code '%s' in clinic %lld",
		                zCode, (long long)clinic_id);
		goto out;
	}
	client_row(res, 0, &r);
	/* The audit row is written (and, outside a transaction, committed)
	 * before the caller sees the record. */
	if ((rc = audit_read(st, "client.read", obj(o, "client", r.id),
	                     NULL)))
		goto out;
	st->in_cb++;
	cbrc = cb(ctx, &r);
	st->in_cb--;
out:
	PQclear(res);
	return rc ? rc : cbrc;
}

static int p_client_list(attune_store *st, attune_id clinic_id,
                         attune_id therapist_id, attune_client_cb cb,
                         void *ctx)
{
	PGresult *res;
	char o[OBJ_MAX], detail[DETAIL_MAX], what[64];
	int rc;

	if ((rc = need_clinic(st, clinic_id)))
		return rc;
	if (therapist_id &&
	    (rc = need_therapist(st, therapist_id, clinic_id)))
		return rc;
	snprintf(detail, sizeof(detail), "therapist:%lld",
	         (long long)therapist_id);
	if ((rc = audit_read(st, "client.list", obj(o, "clinic", clinic_id),
	                     therapist_id ? detail : NULL)))
		return rc;
	snprintf(what, sizeof(what), "listing the clients of clinic %lld",
	         (long long)clinic_id);
	if (therapist_id)
		rc = pg_run(st, P_CLIENT_LIST_THERAPIST, &res, what, "ii",
		            (int64_t)clinic_id, (int64_t)therapist_id);
	else
		rc = pg_run(st, P_CLIENT_LIST, &res, what, "i",
		            (int64_t)clinic_id);
	if (rc)
		return rc;
	rc = client_rows(st, res, cb, ctx);
	PQclear(res);
	return rc;
}

/* ---- Episodes ---- */

static int p_episode_open(attune_store *st, attune_id client_id,
                          const char *zStarted, attune_id *out_id)
{
	attune_id id = 0, current;
	int top, rc;

	if ((rc = pg_tx_begin(st, &top)))
		return rc;
	if ((rc = need_client(st, client_id, NULL)))
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
	rc = pg_tx_end(st, top, rc);
	if (rc == ATTUNE_OK && out_id)
		*out_id = id;
	return rc;
}

static int p_episode_close(attune_store *st, attune_id episode_id,
                           const char *zEnded, const char *zReason)
{
	PGresult *res = NULL;
	attune_id client_id = 0;
	char started[16] = "", ended[16] = "";
	char o[OBJ_MAX], detail[DETAIL_MAX], what[64];
	int top, rc;

	if ((rc = pg_tx_begin(st, &top)))
		return rc;
	snprintf(what, sizeof(what), "finding episode %lld",
	         (long long)episode_id);
	if ((rc = pg_run(st, P_EPISODE_GET, &res, what, "i",
	                 (int64_t)episode_id)))
		goto out;
	if (PQntuples(res) == 0) {
		rc = store_fail(st, ATTUNE_ENOTFOUND, "no episode %lld",
		                (long long)episode_id);
		goto out;
	}
	client_id = pg_i64(res, 0, 0);
	snprintf(started, sizeof(started), "%s",
	         pg_text(res, 0, 1) ? pg_text(res, 0, 1) : "");
	snprintf(ended, sizeof(ended), "%s",
	         pg_text(res, 0, 2) ? pg_text(res, 0, 2) : "");
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
	snprintf(what, sizeof(what), "closing episode %lld",
	         (long long)episode_id);
	if ((rc = pg_change(st, P_EPISODE_CLOSE, NULL, what, "itt",
	                    (int64_t)episode_id, zEnded, zReason)))
		goto out;
	snprintf(detail, sizeof(detail), "client:%lld", (long long)client_id);
	rc = audit_change(st, "episode.close", obj(o, "episode", episode_id),
	                  detail);
out:
	PQclear(res);
	return pg_tx_end(st, top, rc);
}

static int p_episode_list(attune_store *st, attune_id client_id,
                          attune_episode_cb cb, void *ctx)
{
	PGresult *res;
	attune_episode_rec r;
	char o[OBJ_MAX], what[64];
	int i, rc, cbrc = 0;

	snprintf(what, sizeof(what), "listing the episodes of client %lld",
	         (long long)client_id);
	if ((rc = need_client(st, client_id, NULL)) ||
	    (rc = audit_read(st, "episode.list", obj(o, "client", client_id),
	                     NULL)) ||
	    (rc = pg_run(st, P_EPISODE_LIST, &res, what, "i",
	                 (int64_t)client_id)))
		return rc;
	for (i = 0; i < PQntuples(res); i++) {
		r.id = pg_i64(res, i, 0);
		r.client_id = pg_i64(res, i, 1);
		r.started = pg_text(res, i, 2);
		r.ended = pg_text(res, i, 3);
		r.end_reason = pg_text(res, i, 4);
		if (CALL(st, cb(ctx, &r)))
			break;
	}
	PQclear(res);
	return cbrc;
}

/* ---- Sessions ---- */

static void session_row(const PGresult *res, int i, attune_session_rec *r)
{
	r->id = pg_i64(res, i, 0);
	r->episode_id = pg_i64(res, i, 1);
	r->client_id = pg_i64(res, i, 2);
	r->number = pg_int(res, i, 3);
	r->date = pg_text(res, i, 4);
	r->attended = pg_int(res, i, 5);
}

static int p_session_add(attune_store *st, const attune_session_rec *ses,
                         attune_id *out_id)
{
	attune_id id = 0, episode_id = ses->episode_id;
	attune_id client_id = ses->client_id;
	char o[OBJ_MAX], detail[DETAIL_MAX];
	int64_t owner;
	int top, rc, found;

	if ((rc = pg_tx_begin(st, &top)))
		return rc;
	if (episode_id) {
		if ((rc = pg_get_i64(st, P_EPISODE_GET, episode_id, &owner,
		                     &found)))
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
	} else if ((rc = need_client(st, client_id, NULL)) ||
	           (rc = need_current_episode(st, client_id, &episode_id))) {
		goto out;
	}
	rc = pg_insert(st, P_SESSION_ADD, &id, "adding a session", "intn",
	               (int64_t)episode_id, ses->number, ses->date,
	               ses->attended);
	if (rc == ATTUNE_EEXIST)
		rc = store_fail(st, rc, "session %d already exists in episode "
		                "%lld of client %lld", ses->number,
		                (long long)episode_id, (long long)client_id);
	if (rc)
		goto out;
	snprintf(detail, sizeof(detail), "client:%lld episode:%lld number:%d",
	         (long long)client_id, (long long)episode_id, ses->number);
	rc = audit_change(st, "session.add", obj(o, "session", id), detail);
out:
	rc = pg_tx_end(st, top, rc);
	if (rc == ATTUNE_OK && out_id)
		*out_id = id;
	return rc;
}

static int p_session_list(attune_store *st, attune_id client_id,
                          attune_session_cb cb, void *ctx)
{
	PGresult *res;
	attune_session_rec r;
	char o[OBJ_MAX], what[64];
	int i, rc, cbrc = 0;

	snprintf(what, sizeof(what), "listing the sessions of client %lld",
	         (long long)client_id);
	if ((rc = need_client(st, client_id, NULL)) ||
	    (rc = audit_read(st, "session.list", obj(o, "client", client_id),
	                     NULL)) ||
	    (rc = pg_run(st, P_SESSION_LIST, &res, what, "i",
	                 (int64_t)client_id)))
		return rc;
	for (i = 0; i < PQntuples(res); i++) {
		session_row(res, i, &r);
		if (CALL(st, cb(ctx, &r)))
			break;
	}
	PQclear(res);
	return cbrc;
}

static int p_session_find(attune_store *st, attune_id client_id,
                          int number, attune_session_cb cb, void *ctx)
{
	PGresult *res;
	attune_session_rec r;
	attune_id episode_id = 0;
	char o[OBJ_MAX], detail[DETAIL_MAX], what[80];
	int rc, cbrc = 0;

	snprintf(what, sizeof(what), "finding session %d of client %lld",
	         number, (long long)client_id);
	if ((rc = need_client(st, client_id, NULL)) ||
	    (rc = need_current_episode(st, client_id, &episode_id)) ||
	    (rc = pg_run(st, P_SESSION_FIND, &res, what, "in",
	                 (int64_t)episode_id, number)))
		return rc;
	if (PQntuples(res) == 0) {
		rc = store_fail(st, ATTUNE_ENOTFOUND,
		                "client %lld has no session %d in its current "
		                "episode (%lld)", (long long)client_id, number,
		                (long long)episode_id);
		goto out;
	}
	session_row(res, 0, &r);
	snprintf(detail, sizeof(detail), "client:%lld", (long long)client_id);
	if ((rc = audit_read(st, "session.read", obj(o, "session", r.id),
	                     detail)))
		goto out;
	st->in_cb++;
	cbrc = cb(ctx, &r);
	st->in_cb--;
out:
	PQclear(res);
	return rc ? rc : cbrc;
}

/* ---- Responses ---- */

static int p_response_add(attune_store *st, const attune_response_rec *r,
                          attune_id *out_id)
{
	attune_id id = 0;
	int64_t client_id;
	char *values = NULL;
	char o[OBJ_MAX], detail[DETAIL_MAX];
	int top, rc, found;

	if ((rc = store_values_encode(st, r->values, r->n_values, &values)))
		return rc;
	if ((rc = pg_tx_begin(st, &top)))
		goto done;
	if ((rc = pg_get_i64(st, P_SESSION_GET, r->session_id, &client_id,
	                     &found)))
		goto out;
	if (!found) {
		rc = store_fail(st, ATTUNE_ENOTFOUND, "no session %lld",
		                (long long)r->session_id);
		goto out;
	}
	/* -0 is stored as 0, as SQLite does. */
	rc = pg_insert(st, P_RESPONSE_ADD, &id, "adding a response",
	               "ittntdi", (int64_t)r->session_id, r->instrument,
	               r->instrument_version, r->respondent, values,
	               r->total == 0 ? 0.0 : r->total, r->recorded_at);
	if (rc)
		goto out;
	snprintf(detail, sizeof(detail),
	         "client:%lld session:%lld instrument:%s",
	         (long long)client_id, (long long)r->session_id,
	         r->instrument);
	rc = audit_change(st, "response.add", obj(o, "response", id), detail);
out:
	rc = pg_tx_end(st, top, rc);
	if (rc == ATTUNE_OK && out_id)
		*out_id = id;
done:
	free(values);
	return rc;
}

/* Row i of a response listing (columns as P_RESPONSE_LIST) into *r;
 * values has room for ATTUNE_ITEMS_MAX. */
static int response_row(attune_store *st, const PGresult *res, int i,
                        attune_response_rec *r, double *values)
{
	const char *z;
	size_t n = 0;

	r->id = pg_i64(res, i, 0);
	r->session_id = pg_i64(res, i, 1);
	r->client_id = pg_i64(res, i, 2);
	r->session_number = pg_int(res, i, 3);
	r->session_date = pg_text(res, i, 4);
	r->instrument = pg_text(res, i, 5);
	r->instrument_version = pg_text(res, i, 6);
	r->respondent = pg_int(res, i, 7);
	z = pg_text(res, i, 8);
	r->total = pg_num(res, i, 9);
	r->recorded_at = pg_i64(res, i, 10);
	if (!z || store_values_decode(z, strlen(z), values, &n) != 0)
		return store_fail(st, ATTUNE_ESTORE,
		                  "response %lld: item value %zu in the "
		                  "database is damaged", (long long)r->id,
		                  z ? n : (size_t)0);
	r->n_values = n;
	r->values = values;
	return ATTUNE_OK;
}

static int p_response_list(attune_store *st, attune_id client_id,
                           const char *zInstrument, attune_response_cb cb,
                           void *ctx)
{
	PGresult *res;
	attune_response_rec r;
	double values[ATTUNE_ITEMS_MAX];
	char o[OBJ_MAX], detail[DETAIL_MAX], what[64];
	int i, rc, cbrc = 0;

	snprintf(detail, sizeof(detail), "instrument:%s",
	         zInstrument ? zInstrument : "");
	snprintf(what, sizeof(what), "listing the responses of client %lld",
	         (long long)client_id);
	if ((rc = need_client(st, client_id, NULL)) ||
	    (rc = audit_read(st, "response.list", obj(o, "client", client_id),
	                     zInstrument ? detail : NULL)) ||
	    (rc = pg_run(st, P_RESPONSE_LIST, &res, what, "it",
	                 (int64_t)client_id, zInstrument)))
		return rc;
	for (i = 0; i < PQntuples(res); i++) {
		if ((rc = response_row(st, res, i, &r, values)))
			break;
		if (CALL(st, cb(ctx, &r)))
			break;
	}
	PQclear(res);
	return rc ? rc : cbrc;
}

/* ---- Courses of many clients ---- */

/* ids as a bigint[] literal, "{1,2,3}"; NULL when out of memory. */
static char *id_array(const attune_id *ids, size_t n)
{
	char *z = malloc(n * 21 + 3), *p;
	size_t i;

	if (!z)
		return NULL;
	p = z;
	*p++ = '{';
	for (i = 0; i < n; i++)
		p += snprintf(p, 22, i ? ",%lld" : "%lld", (long long)ids[i]);
	*p++ = '}';
	*p = '\0';
	return z;
}

/* One chunk of attune_store_course_list(): the clients exist, their
 * audit rows (one statement), then the three lists of all of them
 * (three statements) handed out client by client; column `o` of each
 * result is the client's position (1-based) in ids. */
static int course_chunk(attune_store *st, const attune_id *ids, size_t n,
                        attune_episode_cb ecb, attune_session_cb scb,
                        attune_response_cb rcb, void *ctx)
{
	static const char *const actions[] = {
		"episode.list", "session.list", "response.list"
	};
	PGresult *res = NULL, *rs = NULL, *rr = NULL;
	attune_audit_rec a;
	attune_episode_rec er;
	attune_session_rec sr;
	attune_response_rec rp;
	double values[ATTUNE_ITEMS_MAX];
	char o[OBJ_MAX], *arr;
	int ie = 0, is = 0, ir = 0, ne, ns, nr, rc, cbrc = 0;
	size_t i, k;

	if (!(arr = id_array(ids, n)))
		return store_fail(st, ATTUNE_ENOMEM, "out of memory listing "
		                  "the courses of %zu clients", n);
	if ((rc = pg_txn_lost(st)) ||
	    (rc = pg_run(st, P_COURSE_MISSING, &res, "checking the clients of "
	                 "a course listing", "t", arr)))
		goto out;
	if (PQntuples(res) > 0) {
		rc = store_fail(st, ATTUNE_ENOTFOUND, "no client %lld",
		                (long long)pg_i64(res, 0, 0));
		goto out;
	}
	PQclear(res);
	res = NULL;
	/* The audit rows first (as audit_read() writes one), in the order
	 * the three lists would write them client by client. */
	store_audit_rec(st, &a, NULL, NULL, NULL);
	if ((rc = pg_change(st, P_COURSE_AUDIT, NULL, "writing the audit "
	                    "rows of a course listing", "irttt", a.at,
	                    (int64_t)a.user_id, a.actor, a.origin, arr)))
		goto out;
	for (i = 0; i < n; i++)
		for (k = 0; k < 3; k++) {
			a.action = actions[k];
			a.object = obj(o, "client", ids[i]);
			if ((rc = store_note_read(st, &a)))
				goto out;
		}
	if ((rc = pg_run(st, P_COURSE_EPISODES, &res, "listing the episodes "
	                 "of a caseload", "t", arr)) ||
	    (rc = pg_run(st, P_COURSE_SESSIONS, &rs, "listing the sessions "
	                 "of a caseload", "t", arr)) ||
	    (rc = pg_run(st, P_COURSE_RESPONSES, &rr, "listing the responses "
	                 "of a caseload", "t", arr)))
		goto out;
	ne = PQntuples(res);
	ns = PQntuples(rs);
	nr = PQntuples(rr);
	for (i = 1; i <= n; i++) {
		for (; ie < ne && (size_t)pg_i64(res, ie, 5) == i; ie++) {
			er.id = pg_i64(res, ie, 0);
			er.client_id = pg_i64(res, ie, 1);
			er.started = pg_text(res, ie, 2);
			er.ended = pg_text(res, ie, 3);
			er.end_reason = pg_text(res, ie, 4);
			if (CALL(st, ecb(ctx, &er)))
				goto out;
		}
		for (; is < ns && (size_t)pg_i64(rs, is, 6) == i; is++) {
			session_row(rs, is, &sr);
			if (CALL(st, scb(ctx, &sr)))
				goto out;
		}
		for (; ir < nr && (size_t)pg_i64(rr, ir, 11) == i; ir++) {
			if ((rc = response_row(st, rr, ir, &rp, values)))
				goto out;
			if (CALL(st, rcb(ctx, &rp)))
				goto out;
		}
	}
out:
	PQclear(res);
	PQclear(rs);
	PQclear(rr);
	free(arr);
	return rc ? rc : cbrc;
}

static int p_course_list(attune_store *st, const attune_id *ids, size_t n,
                         attune_episode_cb ecb, attune_session_cb scb,
                         attune_response_cb rcb, void *ctx)
{
	size_t i, m;
	int rc = ATTUNE_OK;

	for (i = 0; i < n && rc == ATTUNE_OK; i += m) {
		m = n - i < PG_COURSE_CHUNK ? n - i : PG_COURSE_CHUNK;
		rc = course_chunk(st, ids + i, m, ecb, scb, rcb, ctx);
	}
	return rc;
}

/* ---- Audit log ---- */

static int p_audit_list(attune_store *st, int64_t since, size_t limit,
                        attune_audit_cb cb, void *ctx)
{
	PGresult *res;
	attune_audit_rec r;
	int i, rc, cbrc = 0;

	/* LIMIT NULL: no limit. */
	if ((rc = pg_run(st, P_AUDIT_LIST, &res, "listing the audit log", "ir",
	                 since, limit > (size_t)INT64_MAX
	                        ? (int64_t)0 : (int64_t)limit)))
		return rc;
	for (i = 0; i < PQntuples(res); i++) {
		r.id = pg_i64(res, i, 0);
		r.at = pg_i64(res, i, 1);
		r.user_id = pg_i64(res, i, 2);
		r.actor = pg_text(res, i, 3);
		r.origin = pg_text(res, i, 4);
		r.action = pg_text(res, i, 5);
		r.object = pg_text(res, i, 6);
		r.detail = pg_text(res, i, 7);
		if (CALL(st, cb(ctx, &r)))
			break;
	}
	PQclear(res);
	return cbrc;
}

/* ==== Schema 2: the web app ==== */

/* ---- Users ---- */

static int p_user_get(attune_store *st, attune_id user_id,
                      attune_user_cb cb, void *ctx)
{
	PGresult *res;
	char what[OBJ_MAX + 16];
	int rc;

	snprintf(what, sizeof(what), "no user %lld", (long long)user_id);
	if ((rc = pg_run(st, P_USER_BY_ID, &res, "a user lookup", "i",
	                 (int64_t)user_id)))
		return rc;
	rc = one_row(st, res, what);
	if (rc == ATTUNE_OK)
		rc = user_rows(st, res, cb, ctx);
	PQclear(res);
	return rc;
}

/* A change of one row by key inside its own transaction, with an audit
 * row; ATTUNE_ENOTFOUND naming zKind when no row changed. */
static int update_audited(attune_store *st, int id, const char *zKind,
                          attune_id key, const char *zAction,
                          const char *zObject, const char *zDetail,
                          const char *fmt, ...)
{
	PGresult *res = NULL;
	va_list ap;
	int top, rc;

	if ((rc = pg_tx_begin(st, &top)))
		return rc;
	va_start(ap, fmt);
	rc = pg_vrun(st, id, &res, zAction, fmt, ap);
	va_end(ap);
	if (rc)
		goto out;
	if (strcmp(PQcmdTuples(res), "0") == 0) {
		rc = store_fail(st, ATTUNE_ENOTFOUND, "no %s %lld", zKind,
		                (long long)key);
		goto out;
	}
	rc = audit_change(st, zAction, zObject, zDetail);
out:
	PQclear(res);
	return pg_tx_end(st, top, rc);
}

static int p_user_set_password(attune_store *st, attune_id user_id,
                               const char *zHash)
{
	char o[OBJ_MAX];

	return update_audited(st, P_USER_SET_PASSWORD, "user", user_id,
	                      "user.password", obj(o, "user", user_id),
	                      zHash ? "set" : "cleared", "it",
	                      (int64_t)user_id, zHash);
}

static int p_user_set_role(attune_store *st, attune_id user_id,
                           attune_role role)
{
	char o[OBJ_MAX], detail[DETAIL_MAX];
	int64_t n = 0;
	int top, found, rc;

	snprintf(detail, sizeof(detail), "role:%d", (int)role);
	if ((rc = pg_tx_begin(st, &top)))
		return rc;
	if (role != ATTUNE_ROLE_THERAPIST &&
	    (rc = pg_get_i64(st, P_USER_CLIENTS, user_id, &n, &found)) ==
	    ATTUNE_OK && n > 0)
		rc = store_fail(st, ATTUNE_EINVAL, "user %lld is the therapist "
		                "of %lld client%s; transfer them to another "
		                "therapist first, or they belong to no one who "
		                "can see them", (long long)user_id, (long long)n,
		                n == 1 ? "" : "s");
	if (rc == ATTUNE_OK)
		rc = update_audited(st, P_USER_SET_ROLE, "user", user_id,
		                    "user.role", obj(o, "user", user_id), detail,
		                    "in", (int64_t)user_id, (int)role);
	return pg_tx_end(st, top, rc);
}

/* ---- Web sessions ---- */

static int p_websession_add(attune_store *st,
                            const attune_websession_rec *w)
{
	char o[OBJ_MAX];
	int top, rc;

	if ((rc = pg_tx_begin(st, &top)))
		return rc;
	if ((rc = need_user(st, w->user_id, NULL)))
		goto out;
	rc = pg_change(st, P_WS_ADD, NULL, "recording a sign-in", "tittiii",
	               w->id_hash, (int64_t)w->user_id, w->csrf, w->origin,
	               w->created_at, w->last_seen, w->expires_at);
	if (rc == ATTUNE_EEXIST)
		rc = store_fail(st, rc, "a session with this hash exists");
	if (rc == ATTUNE_OK)
		rc = audit_change(st, "auth.login", obj(o, "user", w->user_id),
		                  NULL);
out:
	return pg_tx_end(st, top, rc);
}

static int p_websession_find(attune_store *st, const char *zIdHash,
                             attune_websession_cb cb, void *ctx)
{
	PGresult *res;
	attune_websession_rec r;
	int rc;

	if ((rc = pg_run(st, P_WS_FIND, &res, "a session lookup", "t",
	                 zIdHash)))
		return rc;
	rc = one_row(st, res, "no such session");
	if (rc == ATTUNE_OK) {
		r.id_hash = pg_text(res, 0, 0);
		r.user_id = pg_i64(res, 0, 1);
		r.csrf = pg_text(res, 0, 2);
		r.origin = pg_text(res, 0, 3);
		r.created_at = pg_i64(res, 0, 4);
		r.last_seen = pg_i64(res, 0, 5);
		r.expires_at = pg_i64(res, 0, 6);
		st->in_cb++;
		rc = cb(ctx, &r);
		st->in_cb--;
	}
	PQclear(res);
	return rc;
}

static int p_websession_touch(attune_store *st, const char *zIdHash,
                              int64_t last_seen)
{
	int64_t n = 0;
	int rc, top;

	if ((rc = pg_tx_begin(st, &top)))
		return rc;
	rc = pg_change(st, P_WS_TOUCH, &n, "touching a session", "ti",
	               zIdHash, last_seen);
	if (rc == ATTUNE_OK && n == 0)
		rc = store_fail(st, ATTUNE_ENOTFOUND, "no such session");
	return pg_tx_end(st, top, rc);
}

static int p_websession_delete(attune_store *st, const char *zIdHash)
{
	PGresult *res = NULL;
	attune_id user_id = 0;
	char o[OBJ_MAX];
	int rc, top;

	if ((rc = pg_tx_begin(st, &top)))
		return rc;
	if ((rc = pg_run(st, P_WS_DELETE, &res, "signing out", "t", zIdHash)))
		goto out;
	if ((rc = one_row(st, res, "no such session")))
		goto out;
	user_id = pg_i64(res, 0, 0);
	rc = audit_change(st, "auth.logout", obj(o, "user", user_id), NULL);
out:
	PQclear(res);
	return pg_tx_end(st, top, rc);
}

static int p_websession_delete_user(attune_store *st, attune_id user_id,
                                    size_t *n_deleted)
{
	char o[OBJ_MAX];
	int64_t n = 0;
	int rc, top;

	if ((rc = pg_tx_begin(st, &top)))
		return rc;
	rc = pg_change(st, P_WS_DELETE_USER, &n, "ending a user's sessions",
	               "i", (int64_t)user_id);
	if (rc == ATTUNE_OK)
		rc = audit_change(st, "auth.logout-all",
		                  obj(o, "user", user_id), NULL);
	rc = pg_tx_end(st, top, rc);
	if (rc == ATTUNE_OK)
		*n_deleted = (size_t)n;
	return rc;
}

static int p_websession_purge(attune_store *st, int64_t now,
                              int64_t idle_before, size_t *n_deleted)
{
	int64_t n = 0;
	int rc, top;

	if ((rc = pg_tx_begin(st, &top)))
		return rc;
	rc = pg_change(st, P_WS_PURGE, &n, "purging sessions", "ii", now,
	               idle_before);
	rc = pg_tx_end(st, top, rc);
	if (rc == ATTUNE_OK)
		*n_deleted = (size_t)n;
	return rc;
}

/* ---- Check-in links ---- */

static void link_row(const PGresult *res, int i, attune_link_rec *r)
{
	r->id = pg_i64(res, i, 0);
	r->token_hash = pg_text(res, i, 1);
	r->client_id = pg_i64(res, i, 2);
	r->session_number = pg_int(res, i, 3);
	r->instruments = pg_text(res, i, 4);
	r->created_by = pg_i64(res, i, 5);
	r->created_at = pg_i64(res, i, 6);
	r->expires_at = pg_i64(res, i, 7);
	r->used_at = pg_i64(res, i, 8);
}

static int p_link_add(attune_store *st, const attune_link_rec *l,
                      attune_id *out_id)
{
	attune_id id = 0;
	char o[OBJ_MAX], detail[DETAIL_MAX];
	int top, rc;

	if ((rc = pg_tx_begin(st, &top)))
		return rc;
	if ((rc = need_client(st, l->client_id, NULL)) ||
	    (l->created_by && (rc = need_user(st, l->created_by, NULL))))
		goto out;
	rc = pg_insert(st, P_LINK_ADD, &id, "creating a check-in link",
	               "tirtrii", l->token_hash, (int64_t)l->client_id,
	               (int64_t)l->session_number, l->instruments,
	               (int64_t)l->created_by, l->created_at, l->expires_at);
	if (rc == ATTUNE_EEXIST)
		rc = store_fail(st, rc, "a link with this token hash exists");
	if (rc)
		goto out;
	if (l->session_number)
		snprintf(detail, sizeof(detail), "client:%lld session:%d",
		         (long long)l->client_id, l->session_number);
	else
		snprintf(detail, sizeof(detail), "client:%lld",
		         (long long)l->client_id);
	rc = audit_change(st, "link.add", obj(o, "link", id), detail);
out:
	rc = pg_tx_end(st, top, rc);
	if (rc == ATTUNE_OK && out_id)
		*out_id = id;
	return rc;
}

static int p_link_find(attune_store *st, const char *zTokenHash,
                       attune_link_cb cb, void *ctx)
{
	PGresult *res;
	attune_link_rec r;
	char o[OBJ_MAX], detail[DETAIL_MAX];
	int rc, cbrc = 0;

	if ((rc = pg_run(st, P_LINK_FIND, &res, "a link lookup", "t",
	                 zTokenHash)))
		return rc;
	if ((rc = one_row(st, res, "no such check-in link")))
		goto out;
	link_row(res, 0, &r);
	/* As in p_client_find(): the audit row first, then the data. */
	snprintf(detail, sizeof(detail), "client:%lld",
	         (long long)r.client_id);
	if ((rc = audit_read(st, "link.read", obj(o, "link", r.id), detail)))
		goto out;
	st->in_cb++;
	cbrc = cb(ctx, &r);
	st->in_cb--;
out:
	PQclear(res);
	return rc ? rc : cbrc;
}

static int p_link_use(attune_store *st, attune_id link_id, int64_t used_at)
{
	int64_t client_id, n = 0;
	char o[OBJ_MAX], detail[DETAIL_MAX];
	int top, rc, found;

	if ((rc = pg_tx_begin(st, &top)))
		return rc;
	if ((rc = pg_get_i64(st, P_LINK_GET, link_id, &client_id, &found)))
		goto out;
	if (!found) {
		rc = store_fail(st, ATTUNE_ENOTFOUND, "no check-in link %lld",
		                (long long)link_id);
		goto out;
	}
	if ((rc = pg_change(st, P_LINK_USE, &n, "using a check-in link", "ii",
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
	return pg_tx_end(st, top, rc);
}

static int p_link_list(attune_store *st, attune_id client_id,
                       attune_link_cb cb, void *ctx)
{
	PGresult *res;
	attune_link_rec r;
	char o[OBJ_MAX], what[64];
	int i, rc, cbrc = 0;

	snprintf(what, sizeof(what), "listing the links of client %lld",
	         (long long)client_id);
	if ((rc = need_client(st, client_id, NULL)) ||
	    (rc = audit_read(st, "link.list", obj(o, "client", client_id),
	                     NULL)) ||
	    (rc = pg_run(st, P_LINK_LIST, &res, what, "i",
	                 (int64_t)client_id)))
		return rc;
	for (i = 0; i < PQntuples(res); i++) {
		link_row(res, i, &r);
		if (CALL(st, cb(ctx, &r)))
			break;
	}
	PQclear(res);
	return cbrc;
}

/* ---- Session transcripts (schema 3) ---- */

static void transcript_row(const PGresult *res, int i,
                           attune_transcript_row *r)
{
	r->id = pg_i64(res, i, 0);
	r->session_id = pg_i64(res, i, 1);
	r->client_id = pg_i64(res, i, 2);
	r->session_number = (int)pg_i64(res, i, 3);
	r->format = pg_text(res, i, 4);
	r->text = pg_text(res, i, 5);
	r->size = (size_t)pg_i64(res, i, 6);
	r->created_by = pg_i64(res, i, 7);
	r->created_at = pg_i64(res, i, 8);
}

static int p_transcript_add(attune_store *st,
                            const attune_transcript_row *t,
                            attune_id *out_id)
{
	attune_id id = 0;
	int64_t client_id;
	char o[OBJ_MAX], detail[DETAIL_MAX];
	int top, rc, found;

	if ((rc = pg_tx_begin(st, &top)))
		return rc;
	if ((rc = pg_get_i64(st, P_SESSION_GET, t->session_id, &client_id,
	                     &found)))
		goto out;
	if (!found) {
		rc = store_fail(st, ATTUNE_ENOTFOUND, "no session %lld",
		                (long long)t->session_id);
		goto out;
	}
	if (t->created_by && (rc = need_user(st, t->created_by, NULL)))
		goto out;
	if ((rc = pg_insert(st, P_TRANSCRIPT_ADD, &id, "storing a transcript",
	                    "ittir", (int64_t)t->session_id, t->format,
	                    t->text, t->created_at, (int64_t)t->created_by)))
		goto out;
	snprintf(detail, sizeof(detail), "client:%lld session:%lld",
	         (long long)client_id, (long long)t->session_id);
	rc = audit_change(st, "transcript.add", obj(o, "transcript", id),
	                  detail);
out:
	rc = pg_tx_end(st, top, rc);
	if (rc == ATTUNE_OK && out_id)
		*out_id = id;
	return rc;
}

static int p_transcript_get(attune_store *st, attune_id transcript_id,
                            attune_transcript_row_cb cb, void *ctx)
{
	PGresult *res;
	attune_transcript_row r;
	char o[OBJ_MAX], detail[DETAIL_MAX], missing[64];
	int rc, cbrc = 0;

	snprintf(missing, sizeof(missing), "no transcript %lld",
	         (long long)transcript_id);
	if ((rc = pg_run(st, P_TRANSCRIPT_GET, &res, "a transcript lookup",
	                 "i", (int64_t)transcript_id)))
		return rc;
	if ((rc = one_row(st, res, missing)))
		goto out;
	transcript_row(res, 0, &r);
	/* As in p_link_find(): the audit row first, then the data. */
	snprintf(detail, sizeof(detail), "client:%lld",
	         (long long)r.client_id);
	if ((rc = audit_read(st, "transcript.read",
	                     obj(o, "transcript", r.id), detail)))
		goto out;
	st->in_cb++;
	cbrc = cb(ctx, &r);
	st->in_cb--;
out:
	PQclear(res);
	return rc ? rc : cbrc;
}

static int p_transcript_list(attune_store *st, attune_id client_id,
                             attune_id session_id,
                             attune_transcript_row_cb cb, void *ctx)
{
	PGresult *res;
	attune_transcript_row r;
	char o[OBJ_MAX], what[64];
	int i, rc, cbrc = 0;

	snprintf(what, sizeof(what), "listing the transcripts of client %lld",
	         (long long)client_id);
	if ((rc = need_client(st, client_id, NULL)) ||
	    (rc = audit_read(st, "transcript.list",
	                     obj(o, "client", client_id), NULL)) ||
	    (rc = pg_run(st, P_TRANSCRIPT_LIST, &res, what, "ii",
	                 (int64_t)client_id, (int64_t)session_id)))
		return rc;
	for (i = 0; i < PQntuples(res); i++) {
		transcript_row(res, i, &r);
		r.text = NULL;
		if (CALL(st, cb(ctx, &r)))
			break;
	}
	PQclear(res);
	return cbrc;
}

static int p_transcript_delete(attune_store *st, attune_id client_id,
                               attune_id transcript_id)
{
	PGresult *res = NULL;
	int64_t session_id, owner = 0;
	char o[OBJ_MAX], detail[DETAIL_MAX], missing[64];
	int rc, top, found;

	snprintf(missing, sizeof(missing), "no transcript %lld",
	         (long long)transcript_id);
	if ((rc = pg_tx_begin(st, &top)))
		return rc;
	if ((rc = pg_run(st, P_TRANSCRIPT_DELETE, &res, "deleting a transcript",
	                 "ii", (int64_t)transcript_id, (int64_t)client_id)))
		goto out;
	if ((rc = one_row(st, res, missing)))
		goto out;
	session_id = pg_i64(res, 0, 0);
	if ((rc = pg_get_i64(st, P_SESSION_GET, session_id, &owner, &found)))
		goto out;
	snprintf(detail, sizeof(detail), "client:%lld session:%lld",
	         (long long)owner, (long long)session_id);
	rc = audit_change(st, "transcript.delete",
	                  obj(o, "transcript", transcript_id), detail);
out:
	PQclear(res);
	return pg_tx_end(st, top, rc);
}

/* ---- API tokens ---- */

static void token_row(const PGresult *res, int i, attune_token_rec *r)
{
	r->id = pg_i64(res, i, 0);
	r->token_hash = pg_text(res, i, 1);
	r->user_id = pg_i64(res, i, 2);
	r->label = pg_text(res, i, 3);
	r->created_at = pg_i64(res, i, 4);
	r->last_used = pg_i64(res, i, 5);
	r->revoked_at = pg_i64(res, i, 6);
}

static int p_token_add(attune_store *st, const attune_token_rec *t,
                       attune_id *out_id)
{
	attune_id id = 0;
	char o[OBJ_MAX], detail[DETAIL_MAX];
	int top, rc;

	if ((rc = pg_tx_begin(st, &top)))
		return rc;
	if ((rc = need_user(st, t->user_id, NULL)))
		goto out;
	rc = pg_insert(st, P_TOKEN_ADD, &id, "creating an API token", "titi",
	               t->token_hash, (int64_t)t->user_id, t->label,
	               t->created_at);
	if (rc == ATTUNE_EEXIST)
		rc = store_fail(st, rc, "a token with this hash exists");
	if (rc)
		goto out;
	snprintf(detail, sizeof(detail), "user:%lld", (long long)t->user_id);
	rc = audit_change(st, "token.add", obj(o, "token", id), detail);
out:
	rc = pg_tx_end(st, top, rc);
	if (rc == ATTUNE_OK && out_id)
		*out_id = id;
	return rc;
}

static int p_token_find(attune_store *st, const char *zTokenHash,
                        attune_token_cb cb, void *ctx)
{
	PGresult *res;
	attune_token_rec r;
	int rc;

	if ((rc = pg_run(st, P_TOKEN_FIND, &res, "a token lookup", "t",
	                 zTokenHash)))
		return rc;
	rc = one_row(st, res, "no such API token");
	if (rc == ATTUNE_OK) {
		token_row(res, 0, &r);
		st->in_cb++;
		rc = cb(ctx, &r);
		st->in_cb--;
	}
	PQclear(res);
	return rc;
}

static int p_token_touch(attune_store *st, attune_id token_id,
                         int64_t last_used)
{
	int64_t n = 0;
	int rc, top;

	if ((rc = pg_tx_begin(st, &top)))
		return rc;
	rc = pg_change(st, P_TOKEN_TOUCH, &n, "touching a token", "ii",
	               (int64_t)token_id, last_used);
	if (rc == ATTUNE_OK && n == 0)
		rc = store_fail(st, ATTUNE_ENOTFOUND, "no API token %lld",
		                (long long)token_id);
	return pg_tx_end(st, top, rc);
}

static int p_token_revoke(attune_store *st, attune_id token_id)
{
	char o[OBJ_MAX];

	return update_audited(st, P_TOKEN_REVOKE, "API token", token_id,
	                      "token.revoke", obj(o, "token", token_id), NULL,
	                      "ii", (int64_t)token_id, st->now);
}

static int p_token_list(attune_store *st, attune_id user_id,
                        attune_token_cb cb, void *ctx)
{
	PGresult *res;
	attune_token_rec r;
	int i, rc, cbrc = 0;

	if ((rc = pg_run(st, P_TOKEN_LIST, &res, "listing API tokens", "i",
	                 (int64_t)user_id)))
		return rc;
	for (i = 0; i < PQntuples(res); i++) {
		token_row(res, i, &r);
		if (CALL(st, cb(ctx, &r)))
			break;
	}
	PQclear(res);
	return cbrc;
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

static int p_supervision_add(attune_store *st, attune_id sup,
                             attune_id ther)
{
	attune_id c1, c2;
	char o[OBJ_MAX], detail[DETAIL_MAX];
	int top, rc;

	if ((rc = pg_tx_begin(st, &top)))
		return rc;
	if ((rc = need_user(st, sup, &c1)) || (rc = need_user(st, ther, &c2)) ||
	    (rc = same_clinic(st, sup, c1, "supervisor", ther, c2,
	                      "therapist")))
		goto out;
	rc = pg_change(st, P_SUP_ADD, NULL, "adding a supervision", "iii",
	               (int64_t)sup, (int64_t)ther, st->now);
	if (rc == ATTUNE_EEXIST)
		rc = store_fail(st, rc, "user %lld supervises user %lld already",
		                (long long)sup, (long long)ther);
	if (rc)
		goto out;
	snprintf(detail, sizeof(detail), "therapist:%lld", (long long)ther);
	rc = audit_change(st, "supervision.add", obj(o, "user", sup), detail);
out:
	return pg_tx_end(st, top, rc);
}

static int p_supervision_remove(attune_store *st, attune_id sup,
                                attune_id ther)
{
	char o[OBJ_MAX], detail[DETAIL_MAX];

	snprintf(detail, sizeof(detail), "therapist:%lld", (long long)ther);
	return update_audited(st, P_SUP_REMOVE, "supervision of user", ther,
	                      "supervision.remove", obj(o, "user", sup),
	                      detail, "ii", (int64_t)sup, (int64_t)ther);
}

static int p_supervision_list(attune_store *st, attune_id sup,
                              attune_user_cb cb, void *ctx)
{
	PGresult *res;
	char what[64];
	int rc;

	snprintf(what, sizeof(what), "listing the supervisees of user %lld",
	         (long long)sup);
	if ((rc = pg_run(st, P_SUP_LIST, &res, what, "i", (int64_t)sup)))
		return rc;
	rc = user_rows(st, res, cb, ctx);
	PQclear(res);
	return rc;
}

static int p_grant_add(attune_store *st, attune_id user_id,
                       attune_id client_id)
{
	attune_id c1, c2;
	char o[OBJ_MAX], detail[DETAIL_MAX];
	int top, rc;

	if ((rc = pg_tx_begin(st, &top)))
		return rc;
	if ((rc = need_user(st, user_id, &c1)) ||
	    (rc = need_client(st, client_id, &c2)) ||
	    (rc = same_clinic(st, user_id, c1, "user", client_id, c2,
	                      "client")))
		goto out;
	rc = pg_change(st, P_GRANT_ADD, NULL, "granting access", "iii",
	               (int64_t)user_id, (int64_t)client_id, st->now);
	if (rc == ATTUNE_EEXIST)
		rc = store_fail(st, rc, "user %lld has a grant for client %lld "
		                "already", (long long)user_id,
		                (long long)client_id);
	if (rc)
		goto out;
	snprintf(detail, sizeof(detail), "user:%lld", (long long)user_id);
	rc = audit_change(st, "grant.add", obj(o, "client", client_id),
	                  detail);
out:
	return pg_tx_end(st, top, rc);
}

static int p_grant_remove(attune_store *st, attune_id user_id,
                          attune_id client_id)
{
	char o[OBJ_MAX], detail[DETAIL_MAX];

	snprintf(detail, sizeof(detail), "user:%lld", (long long)user_id);
	return update_audited(st, P_GRANT_REMOVE, "grant for client",
	                      client_id, "grant.remove",
	                      obj(o, "client", client_id), detail, "ii",
	                      (int64_t)user_id, (int64_t)client_id);
}

static int p_grant_list(attune_store *st, attune_id user_id,
                        attune_client_cb cb, void *ctx)
{
	PGresult *res;
	char o[OBJ_MAX], what[80];
	int rc;

	snprintf(what, sizeof(what), "listing the clients granted to user "
	         "%lld", (long long)user_id);
	if ((rc = need_user(st, user_id, NULL)) ||
	    (rc = audit_read(st, "grant.list", obj(o, "user", user_id),
	                     NULL)) ||
	    (rc = pg_run(st, P_GRANT_LIST, &res, what, "i",
	                 (int64_t)user_id)))
		return rc;
	rc = client_rows(st, res, cb, ctx);
	PQclear(res);
	return rc;
}

static int p_client_access(attune_store *st, attune_id user_id,
                           attune_id client_id, attune_access *out,
                           int64_t *version)
{
	PGresult *res;
	char what[OBJ_MAX + 16];
	int rc;

	snprintf(what, sizeof(what), "no client %lld", (long long)client_id);
	if ((rc = pg_run(st, P_ACCESS, &res, "an access check", "ii",
	                 (int64_t)user_id, (int64_t)client_id)))
		return rc;
	rc = one_row(st, res, what);
	if (rc == ATTUNE_OK) {
		*out = (attune_access)pg_int(res, 0, 0);
		*version = pg_i64(res, 0, 1);
	}
	PQclear(res);
	return rc;
}

static int p_client_get(attune_store *st, attune_id client_id,
                        attune_client_cb cb, void *ctx)
{
	PGresult *res;
	char o[OBJ_MAX];
	int rc;

	if ((rc = need_client(st, client_id, NULL)) ||
	    (rc = audit_read(st, "client.read", obj(o, "client", client_id),
	                     NULL)) ||
	    (rc = pg_run(st, P_CLIENT_BY_ID, &res, "a client lookup", "i",
	                 (int64_t)client_id)))
		return rc;
	rc = one_row(st, res, "no such client");
	if (rc == ATTUNE_OK)
		rc = client_rows(st, res, cb, ctx);
	PQclear(res);
	return rc;
}

static int p_client_transfer(attune_store *st, attune_id client_id,
                             attune_id therapist_id)
{
	char o[OBJ_MAX], detail[DETAIL_MAX];
	attune_id clinic;
	int64_t old = 0, role = 0;
	int top, found, rc;

	if ((rc = pg_tx_begin(st, &top)))
		return rc;
	if ((rc = need_client(st, client_id, &clinic)) ||
	    (rc = need_therapist(st, therapist_id, clinic)) ||
	    (rc = pg_get_i64(st, P_USER_ROLE, therapist_id, &role, &found)) ||
	    (rc = pg_get_i64(st, P_CLIENT_THERAPIST, client_id, &old,
	                     &found)))
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
	if ((rc = pg_change(st, P_CLIENT_SET_THERAPIST, NULL,
	                    "transferring a client", "ii", (int64_t)client_id,
	                    (int64_t)therapist_id)) == ATTUNE_OK)
		rc = audit_change(st, "client.transfer",
		                  obj(o, "client", client_id), detail);
out:
	return pg_tx_end(st, top, rc);
}

static int p_client_set_sees_progress(attune_store *st, attune_id client_id,
                                      int on)
{
	char o[OBJ_MAX], detail[DETAIL_MAX];

	snprintf(detail, sizeof(detail), "sees_progress:%d", on);
	return update_audited(st, P_CLIENT_SET_PROGRESS, "client", client_id,
	                      "client.update", obj(o, "client", client_id),
	                      detail, "in", (int64_t)client_id, on);
}

/* ---- Clinic settings ---- */

static int p_setting_set(attune_store *st, attune_id clinic_id,
                         const char *zName, const char *zValue)
{
	char o[OBJ_MAX];
	int top, rc;

	if ((rc = pg_tx_begin(st, &top)))
		return rc;
	if ((rc = need_clinic(st, clinic_id)) ||
	    (rc = pg_change(st, P_SETTING_SET, NULL, "changing a setting",
	                    "itt", (int64_t)clinic_id, zName, zValue)))
		goto out;
	rc = audit_change(st, "setting.set", obj(o, "clinic", clinic_id),
	                  zName);
out:
	return pg_tx_end(st, top, rc);
}

static int p_setting_get(attune_store *st, attune_id clinic_id,
                         const char *zName,
                         int (*cb)(void *ctx, const char *zValue),
                         void *ctx)
{
	PGresult *res;
	int rc;

	if ((rc = pg_run(st, P_SETTING_GET, &res, "a setting lookup", "it",
	                 (int64_t)clinic_id, zName)))
		return rc;
	rc = one_row(st, res, "no such setting");
	if (rc == ATTUNE_OK) {
		st->in_cb++;
		rc = cb(ctx, pg_text(res, 0, 0));
		st->in_cb--;
	}
	PQclear(res);
	return rc;
}

/* ---- Sites and the clinic overview (schema 5) ---- */

static int p_site_add(attune_store *st, attune_id clinic_id,
                      const char *zName, int64_t created_at,
                      attune_id *out_id)
{
	attune_id id = 0;
	char o[OBJ_MAX], detail[DETAIL_MAX];
	int top, rc;

	if ((rc = pg_tx_begin(st, &top)))
		return rc;
	if ((rc = need_clinic(st, clinic_id)))
		goto out;
	rc = pg_insert(st, P_SITE_ADD, &id, "adding a site", "iti",
	               (int64_t)clinic_id, zName, created_at);
	if (rc == ATTUNE_EEXIST)
		rc = store_fail(st, rc, "site '%s' already exists in clinic "
		                "%lld", zName, (long long)clinic_id);
	if (rc == ATTUNE_OK) {
		snprintf(detail, sizeof(detail), "clinic:%lld",
		         (long long)clinic_id);
		rc = audit_change(st, "site.add", obj(o, "site", id), detail);
	}
out:
	rc = pg_tx_end(st, top, rc);
	if (rc == ATTUNE_OK && out_id)
		*out_id = id;
	return rc;
}

static int p_site_list(attune_store *st, attune_id clinic_id,
                       attune_site_cb cb, void *ctx)
{
	PGresult *res;
	attune_site_rec r;
	char what[64];
	int i, rc, cbrc = 0;

	snprintf(what, sizeof(what), "listing the sites of clinic %lld",
	         (long long)clinic_id);
	if ((rc = need_clinic(st, clinic_id)) ||
	    (rc = pg_run(st, P_SITE_LIST, &res, what, "i",
	                 (int64_t)clinic_id)))
		return rc;
	for (i = 0; i < PQntuples(res); i++) {
		r.id = pg_i64(res, i, 0);
		r.clinic_id = pg_i64(res, i, 1);
		r.name = pg_text(res, i, 2);
		r.created_at = pg_i64(res, i, 3);
		r.n_users = pg_i64(res, i, 4);
		if (CALL(st, cb(ctx, &r)))
			break;
	}
	PQclear(res);
	return cbrc;
}

static int p_user_set_site(attune_store *st, attune_id user_id,
                           attune_id site_id)
{
	attune_id cu;
	int64_t cs;
	char o[OBJ_MAX], detail[DETAIL_MAX];
	int top, found, rc;

	if ((rc = pg_tx_begin(st, &top)))
		return rc;
	if ((rc = need_user(st, user_id, &cu)))
		goto out;
	if (site_id) {
		if ((rc = pg_get_i64(st, P_SITE_GET, site_id, &cs, &found)))
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
	if ((rc = pg_change(st, P_USER_SET_SITE, NULL,
	                    "setting a user's site", "ir", (int64_t)user_id,
	                    (int64_t)site_id)))
		goto out;
	if (site_id)
		snprintf(detail, sizeof(detail), "site:%lld",
		         (long long)site_id);
	else
		snprintf(detail, sizeof(detail), "site:none");
	rc = audit_change(st, "user.site", obj(o, "user", user_id), detail);
out:
	return pg_tx_end(st, top, rc);
}

static int p_overview(attune_store *st, attune_id clinic_id,
                      attune_overview_by by, int64_t since,
                      const char *zInstrument,
                      int (*counts)(void *ctx, attune_id g,
                                    int64_t clients, int64_t open,
                                    int64_t recent),
                      int (*pairs)(void *ctx, attune_id g, int closed,
                                   double first, double last, int64_t n),
                      void *ctx)
{
	int site = by == ATTUNE_OVERVIEW_SITE;
	PGresult *res;
	int i, rc, cbrc = 0;

	if ((rc = pg_run(st, site ? P_OV_COUNTS_S : P_OV_COUNTS_T, &res,
	                 "counting for the clinic overview", "ii",
	                 (int64_t)clinic_id, since)))
		return rc;
	for (i = 0; i < PQntuples(res); i++)
		if (CALL(st, counts(ctx, pg_i64(res, i, 0), pg_i64(res, i, 1),
		                    pg_i64(res, i, 2), pg_i64(res, i, 3))))
			break;
	PQclear(res);
	if (cbrc)
		return cbrc;
	if ((rc = pg_run(st, site ? P_OV_PAIRS_S : P_OV_PAIRS_T, &res,
	                 "the outcomes of the clinic overview", "it",
	                 (int64_t)clinic_id, zInstrument)))
		return rc;
	for (i = 0; i < PQntuples(res); i++)
		if (CALL(st, pairs(ctx, pg_i64(res, i, 0), pg_int(res, i, 1),
		                   pg_num(res, i, 2), pg_num(res, i, 3),
		                   pg_i64(res, i, 4))))
			break;
	PQclear(res);
	return cbrc;
}

/* ---- Schema version ---- */

static int p_schema_version(attune_store *st, int *version)
{
	PGresult *res;
	int rc;

	*version = 0;
	if ((rc = pg_run(st, P_VERSION, &res, "reading the schema version",
	                 "")))
		return rc;
	if (PQntuples(res) == 1)
		*version = pg_int(res, 0, 0);
	PQclear(res);
	return ATTUNE_OK;
}

const struct attune_store_ops store_pg_ops = {
	.name = "postgresql",
	.site_add = p_site_add,
	.site_list = p_site_list,
	.user_set_site = p_user_set_site,
	.overview = p_overview,
	.course_list = p_course_list,
	.open = pg_open,
	.close = pg_close,
	.schema_version = p_schema_version,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.clinic_add = p_clinic_add,
	.clinic_list = p_clinic_list,
	.user_add = p_user_add,
	.user_find = p_user_find,
	.user_list = p_user_list,
	.client_add = p_client_add,
	.client_find = p_client_find,
	.client_list = p_client_list,
	.episode_open = p_episode_open,
	.episode_close = p_episode_close,
	.episode_list = p_episode_list,
	.session_add = p_session_add,
	.session_list = p_session_list,
	.session_find = p_session_find,
	.response_add = p_response_add,
	.response_list = p_response_list,
	.audit_add = p_audit_add,
	.audit_list = p_audit_list,
	.user_get = p_user_get,
	.user_set_password = p_user_set_password,
	.user_set_role = p_user_set_role,
	.websession_add = p_websession_add,
	.websession_find = p_websession_find,
	.websession_touch = p_websession_touch,
	.websession_delete = p_websession_delete,
	.websession_delete_user = p_websession_delete_user,
	.websession_purge = p_websession_purge,
	.link_add = p_link_add,
	.link_find = p_link_find,
	.link_use = p_link_use,
	.link_list = p_link_list,
	.transcript_add = p_transcript_add,
	.transcript_get = p_transcript_get,
	.transcript_list = p_transcript_list,
	.transcript_delete = p_transcript_delete,
	.token_add = p_token_add,
	.token_find = p_token_find,
	.token_touch = p_token_touch,
	.token_revoke = p_token_revoke,
	.token_list = p_token_list,
	.supervision_add = p_supervision_add,
	.supervision_remove = p_supervision_remove,
	.supervision_list = p_supervision_list,
	.grant_add = p_grant_add,
	.grant_remove = p_grant_remove,
	.grant_list = p_grant_list,
	.client_access = p_client_access,
	.client_get = p_client_get,
	.client_transfer = p_client_transfer,
	.client_set_sees_progress = p_client_set_sees_progress,
	.setting_set = p_setting_set,
	.setting_get = p_setting_get,
	.raw_dump = pg_raw_dump,
	.raw_insert = pg_raw_insert,
	.raw_flush = pg_raw_flush,
	.raw_prepare = pg_raw_prepare,
	.raw_keys = pg_raw_keys,
};
