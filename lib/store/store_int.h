/* store_int.h - what lib/store/store.c shares with the storage engines:
 * the operations table an engine implements, the store handle, and the
 * schema migrations. Library-internal. */
#ifndef ATTUNE_STORE_INT_H
#define ATTUNE_STORE_INT_H

#include <stdarg.h>
#include <stdint.h>
#include "attune/store.h"
#include "util/util_int.h"

/* ---- Raw rows, for moving a whole database (archive.c) ----
 *
 * A table as the archive sees it: its columns in archive order, each
 * with its type, whether it may be NULL and which table (an index into
 * store_archive_tables) it refers to. The names are constants of this
 * file, never input, so engines may put them into SQL text; values are
 * always bound. */
enum store_coltype { STORE_COL_INT, STORE_COL_REAL, STORE_COL_TEXT };

struct store_column {
	const char *name;
	enum store_coltype type;
	int nullable;
	int ref;                  /* index of the referenced table, or -1 */
};

struct store_table {
	const char *name;
	const char *order;        /* ORDER BY list: a stable, engine-neutral
	                             order (text keys compared bytewise) */
	int has_id;               /* column 0 is an identity key "id" */
	const struct store_column *cols;
	size_t n_cols;
};

/* One value: is_null, else i (INT), d (REAL) or z (TEXT, NUL-ended). */
struct store_cell {
	int is_null;
	int64_t i;
	double d;
	const char *z;
};

/* A raw row: table t (index it into the list given), cells[t->n_cols],
 * borrowed until it returns; non-zero stops the dump. */
typedef int (*store_row_cb)(void *ctx, size_t it, const struct store_cell *c);

/* The tables of an archive in dependency order (archive.c). */
extern const struct store_table store_archive_tables[];
extern const size_t store_archive_n_tables;

/* One engine (SQLite, PostgreSQL). store.c has validated every
 * argument before it calls an operation: ids are positive, strings are
 * within their limits, dates are real "YYYY-MM-DD" dates, timestamps are
 * filled in (never 0), zStarted/zEnded are never NULL. The engine checks
 * what needs the database (existence, uniqueness), writes the audit rows
 * of its operations in the same transaction as the operation, and puts a
 * message into st->err on every failure (store_fail()).
 *
 * Single calls join a transaction opened by begin() (st->in_txn) and are
 * atomic on their own otherwise. List operations bump st->in_cb around
 * every callback; a callback may call other operations on the same store
 * (but not begin/commit/rollback/close). */
struct attune_store_ops {
	const char *name;                       /* "sqlite", "postgresql" */

	/* Open or create the database, set it up and migrate it. On failure
	 * the engine releases everything it took and leaves st->engine NULL. */
	int (*open)(attune_store *st, const char *zLocation, int flags);
	void (*close)(attune_store *st);        /* st->engine may be NULL */
	int (*schema_version)(attune_store *st, int *version);

	int (*begin)(attune_store *st);
	/* On failure the transaction is rolled back. */
	int (*commit)(attune_store *st);
	int (*rollback)(attune_store *st);

	int (*clinic_add)(attune_store *st, const char *zName,
	                  int64_t created_at, attune_id *out_id);
	int (*clinic_list)(attune_store *st, attune_clinic_cb cb, void *ctx);

	int (*user_add)(attune_store *st, const attune_user_rec *u,
	                attune_id *out_id);
	int (*user_find)(attune_store *st, attune_id clinic_id,
	                 const char *zName, attune_user_cb cb, void *ctx);
	int (*user_list)(attune_store *st, attune_id clinic_id,
	                 attune_user_cb cb, void *ctx);

	int (*client_add)(attune_store *st, const attune_client_rec *c,
	                  const char *zStarted, attune_id *out_id);
	int (*client_find)(attune_store *st, attune_id clinic_id,
	                   const char *zCode, attune_client_cb cb, void *ctx);
	int (*client_list)(attune_store *st, attune_id clinic_id,
	                   attune_id therapist_id, attune_client_cb cb,
	                   void *ctx);

	int (*episode_open)(attune_store *st, attune_id client_id,
	                    const char *zStarted, attune_id *out_id);
	int (*episode_close)(attune_store *st, attune_id episode_id,
	                     const char *zEnded, const char *zReason);
	int (*episode_list)(attune_store *st, attune_id client_id,
	                    attune_episode_cb cb, void *ctx);

	int (*session_add)(attune_store *st, const attune_session_rec *s,
	                   attune_id *out_id);
	int (*session_list)(attune_store *st, attune_id client_id,
	                    attune_session_cb cb, void *ctx);
	int (*session_find)(attune_store *st, attune_id client_id, int number,
	                    attune_session_cb cb, void *ctx);

	/* r->values holds r->n_values (1..ATTUNE_ITEMS_MAX) finite numbers
	 * or NaNs; r->total is finite or NaN. */
	int (*response_add)(attune_store *st, const attune_response_rec *r,
	                    attune_id *out_id);
	int (*response_list)(attune_store *st, attune_id client_id,
	                     const char *zInstrument, attune_response_cb cb,
	                     void *ctx);
	/* attune_store_course_list() with its arguments checked (n >= 1,
	 * ids positive, callbacks set). The audit rows are the op's to
	 * write; store_course_list_each() is the three lists above, client
	 * by client (SQLite, where a statement costs no round trip). */
	int (*course_list)(attune_store *st, const attune_id *client_ids,
	                   size_t n, attune_episode_cb episode_cb,
	                   attune_session_cb session_cb,
	                   attune_response_cb response_cb, void *ctx);

	/* Insert one complete audit row as given (id ignored), joining the
	 * current transaction. */
	int (*audit_add)(attune_store *st, const attune_audit_rec *a);
	/* limit 0: all. */
	int (*audit_list)(attune_store *st, int64_t since, size_t limit,
	                  attune_audit_cb cb, void *ctx);

	/* ---- Schema 2: the web app. Arguments validated as above; the
	 * engine checks existence, uniqueness and same-clinic rules and
	 * writes the audit rows store.h lists. ---- */
	int (*user_get)(attune_store *st, attune_id user_id,
	                attune_user_cb cb, void *ctx);
	int (*user_set_password)(attune_store *st, attune_id user_id,
	                         const char *zHash);
	int (*user_set_role)(attune_store *st, attune_id user_id,
	                     attune_role role);

	int (*websession_add)(attune_store *st,
	                      const attune_websession_rec *s);
	int (*websession_find)(attune_store *st, const char *zIdHash,
	                       attune_websession_cb cb, void *ctx);
	int (*websession_touch)(attune_store *st, const char *zIdHash,
	                        int64_t last_seen);
	int (*websession_delete)(attune_store *st, const char *zIdHash);
	int (*websession_delete_user)(attune_store *st, attune_id user_id,
	                              size_t *n_deleted);
	int (*websession_purge)(attune_store *st, int64_t now,
	                        int64_t idle_before, size_t *n_deleted);

	int (*link_add)(attune_store *st, const attune_link_rec *l,
	                attune_id *out_id);
	int (*link_find)(attune_store *st, const char *zTokenHash,
	                 attune_link_cb cb, void *ctx);
	int (*link_use)(attune_store *st, attune_id link_id, int64_t used_at);
	int (*link_list)(attune_store *st, attune_id client_id,
	                 attune_link_cb cb, void *ctx);

	int (*token_add)(attune_store *st, const attune_token_rec *t,
	                 attune_id *out_id);
	int (*token_find)(attune_store *st, const char *zTokenHash,
	                  attune_token_cb cb, void *ctx);
	int (*token_touch)(attune_store *st, attune_id token_id,
	                   int64_t last_used);
	int (*token_revoke)(attune_store *st, attune_id token_id);
	int (*token_list)(attune_store *st, attune_id user_id,
	                  attune_token_cb cb, void *ctx);

	int (*supervision_add)(attune_store *st, attune_id supervisor_id,
	                       attune_id therapist_id);
	int (*supervision_remove)(attune_store *st, attune_id supervisor_id,
	                          attune_id therapist_id);
	int (*supervision_list)(attune_store *st, attune_id supervisor_id,
	                        attune_user_cb cb, void *ctx);
	int (*grant_add)(attune_store *st, attune_id user_id,
	                 attune_id client_id);
	int (*grant_remove)(attune_store *st, attune_id user_id,
	                    attune_id client_id);
	int (*grant_list)(attune_store *st, attune_id user_id,
	                  attune_client_cb cb, void *ctx);
	/* *version: clients.data_version (schema 4). */
	int (*client_access)(attune_store *st, attune_id user_id,
	                     attune_id client_id, attune_access *out,
	                     int64_t *version);
	int (*client_get)(attune_store *st, attune_id client_id,
	                  attune_client_cb cb, void *ctx);
	int (*client_transfer)(attune_store *st, attune_id client_id,
	                       attune_id therapist_id);
	int (*client_set_sees_progress)(attune_store *st, attune_id client_id,
	                                int on);

	int (*setting_set)(attune_store *st, attune_id clinic_id,
	                   const char *zName, const char *zValue);
	int (*setting_get)(attune_store *st, attune_id clinic_id,
	                   const char *zName,
	                   int (*cb)(void *ctx, const char *zValue),
	                   void *ctx);

	/* ---- Schema 3: session transcripts. t->text is validated (UTF-8,
	 * size) and t->created_at filled in. ---- */
	int (*transcript_add)(attune_store *st,
	                      const attune_transcript_row *t,
	                      attune_id *out_id);
	int (*transcript_get)(attune_store *st, attune_id transcript_id,
	                      attune_transcript_row_cb cb, void *ctx);
	int (*transcript_list)(attune_store *st, attune_id client_id,
	                       attune_id session_id,
	                       attune_transcript_row_cb cb, void *ctx);
	/* client_id 0: any client. */
	int (*transcript_delete)(attune_store *st, attune_id client_id,
	                         attune_id transcript_id);

	/* ---- Schema 4: sites and the clinic overview. ---- */
	int (*site_add)(attune_store *st, attune_id clinic_id,
	                const char *zName, int64_t created_at,
	                attune_id *out_id);
	int (*site_list)(attune_store *st, attune_id clinic_id,
	                 attune_site_cb cb, void *ctx);
	int (*user_set_site)(attune_store *st, attune_id user_id,
	                     attune_id site_id);
	/* Raw aggregates of clinic_id's clients grouped as `by` says (group
	 * 0: no therapist / no site), in group order, each to its callback:
	 * counts(g, clients, open episodes, responses since `since`), and
	 * pairs(g, closed, first, latest, n): n episodes of the group whose
	 * first and latest scored client-rated zInstrument totals were
	 * (first, latest) and whose episode is closed (1) or open (0).
	 * The clinic exists (store.c checked); the caller audits. */
	int (*overview)(attune_store *st, attune_id clinic_id,
	                attune_overview_by by, int64_t since,
	                const char *zInstrument,
	                int (*counts)(void *ctx, attune_id g, int64_t clients,
	                              int64_t open, int64_t recent),
	                int (*pairs)(void *ctx, attune_id g, int closed,
	                             double first, double last, int64_t n),
	                void *ctx);

	/* ---- Moving a database (archive.c). Not audited here: the
	 * caller audits. ---- */
	/* Every row of tables t[0..n) in t's order, in one read-only
	 * snapshot transaction of its own (never inside begin()). */
	int (*raw_dump)(attune_store *st, const struct store_table *t,
	                size_t n, store_row_cb cb, void *ctx);
	/* Insert one row as given, keys included, inside begin(). On
	 * failure *bad_row is 0 when this row was refused, else the 1-based
	 * place among the rows since the last raw_flush of the row the
	 * database refused (an engine that buffers finds out later). */
	int (*raw_insert)(attune_store *st, const struct store_table *t,
	                  const struct store_cell *c, size_t *bad_row);
	/* Optional; before begin() of a bulk load: the engine may set
	 * per-row checks aside for that transaction (SQLite's foreign
	 * keys), as long as raw_keys() checks them again set-wise and
	 * commit or rollback restores them. */
	int (*raw_prepare)(attune_store *st);
	/* Finish the raw inserts given since the last flush, all of one
	 * table: an engine may buffer them (PostgreSQL streams them with
	 * COPY, SQLite keeps its prepared INSERT), so call this after a
	 * table's last row and before any other statement. A row the
	 * database refuses may only show here: then *bad_row gets its
	 * 1-based place among the rows since the last flush (0 when not
	 * known). abandon: the load is failing; drop what is pending. */
	int (*raw_flush)(attune_store *st, int abandon, size_t *bad_row);
	/* After raw inserts, inside begin(): make later inserts of t[0..n)
	 * take keys above the largest one there (PostgreSQL's identity
	 * sequences; SQLite needs nothing). */
	int (*raw_keys)(attune_store *st, const struct store_table *t,
	                size_t n);
};

/* An audit row of a read made inside a caller's transaction, kept so
 * that it can be written again if that transaction is rolled back: a
 * rollback undoes changes, but what was read has been read. */
struct store_read_note {
	struct store_read_note *next;
	attune_audit_rec rec;     /* strings point into buf */
	char buf[];
};

struct attune_store {
	const struct attune_store_ops *ops;
	void *engine;             /* the engine's own state */
	int flags;                /* ATTUNE_STORE_* given to open */
	int in_txn;               /* inside attune_store_begin() */
	int in_cb;                /* depth of list callbacks running */
	int64_t now;              /* time(NULL) at the start of this call */

	attune_id actor_id;       /* attune_store_set_actor() */
	char *actor_name;         /* NULL until set */
	char *actor_origin;

	struct store_read_note *notes, **notes_tail;
	attune_err err;           /* attune_store_errmsg() */
};

/* Put a message into st->err and return rc. */
int store_fail(attune_store *st, int rc, const char *fmt, ...)
	ATTUNE_PRINTF(3, 4);
int store_vfail(attune_store *st, int rc, const char *fmt, va_list ap)
	ATTUNE_PRINTF(3, 0);

/* The audit row for the current call with the current actor:
 * at = st->now. Strings are borrowed from the arguments and st. */
void store_audit_rec(const attune_store *st, attune_audit_rec *a,
                     const char *zAction, const char *zObject,
                     const char *zDetail);

/* An engine calls this after writing the audit row of a read: inside a
 * caller's transaction the row is remembered, to be written again
 * should the transaction roll back. ATTUNE_ENOMEM on failure. */
int store_note_read(attune_store *st, const attune_audit_rec *a);

/* Item values as text, as every engine stores them: numbers in the
 * shortest form that reads back exactly, no locale, comma-separated,
 * empty for a missing answer (NaN): "3,,0.5" is {3, NaN, 0.5}. The
 * caller frees *out. */
int store_values_encode(attune_store *st, const double *v, size_t n,
                        char **out);
/* The inverse into v[ATTUNE_ITEMS_MAX]; -1 with *n the position of the
 * bad value when the text is damaged. */
int store_values_decode(const char *z, size_t len, double *v, size_t *n);

/* ---- The clinic overview's SQL (schema 4), one text for both engines:
 * P1 and P2 are the dialect's spelling of parameters 1 and 2. A
 * client's group is its therapist (STORE_OV_THERAPIST) or its
 * therapist's site (STORE_OV_SITE); 0 when it has none. Only grouped
 * rows leave the database. ---- */
#define STORE_OV_THERAPIST "coalesce(c.therapist_id, 0)"
#define STORE_OV_SITE "coalesce(u.site_id, 0)"

/* (group, clients, open episodes, responses recorded at or after P2) of
 * clinic P1's clients. Three branches, so that no join multiplies
 * another's rows; the responses branch reads responses_recorded. */
#define STORE_OV_COUNTS(G, P1, P2) \
	"SELECT g, CAST(sum(nc) AS BIGINT), CAST(sum(ne) AS BIGINT)," \
	" CAST(sum(nr) AS BIGINT) FROM (" \
	" SELECT " G " AS g, 1 AS nc, 0 AS ne, 0 AS nr FROM clients c" \
	"  LEFT JOIN users u ON u.id = c.therapist_id" \
	"  WHERE c.clinic_id = " P1 \
	" UNION ALL SELECT " G ", 0, 1, 0 FROM episodes e" \
	"  JOIN clients c ON c.id = e.client_id" \
	"  LEFT JOIN users u ON u.id = c.therapist_id" \
	"  WHERE c.clinic_id = " P1 " AND e.ended IS NULL" \
	" UNION ALL SELECT " G ", 0, 0, 1 FROM responses r" \
	"  JOIN sessions s ON s.id = r.session_id" \
	"  JOIN episodes e ON e.id = s.episode_id" \
	"  JOIN clients c ON c.id = e.client_id" \
	"  LEFT JOIN users u ON u.id = c.therapist_id" \
	"  WHERE r.recorded_at >= " P2 " AND c.clinic_id = " P1 \
	") x GROUP BY g ORDER BY g"

/* (group, closed, first, latest, episodes): per episode of clinic P1
 * with at least two scored client-rated P2 responses, the first and
 * latest total (by session number, time recorded, id) from window
 * functions; then episodes counted per distinct pair. */
#define STORE_OV_PAIRS(G, P1, P2) \
	"SELECT g, closed, f, l, count(*) FROM (" \
	" SELECT DISTINCT e.id AS eid, " G " AS g," \
	"  CASE WHEN e.ended IS NULL THEN 0 ELSE 1 END AS closed," \
	"  first_value(r.total) OVER w AS f," \
	"  last_value(r.total) OVER w AS l," \
	"  count(*) OVER w AS n" \
	" FROM responses r JOIN sessions s ON s.id = r.session_id" \
	" JOIN episodes e ON e.id = s.episode_id" \
	" JOIN clients c ON c.id = e.client_id" \
	" LEFT JOIN users u ON u.id = c.therapist_id" \
	" WHERE c.clinic_id = " P1 " AND r.instrument = " P2 \
	" AND r.respondent = 0 AND r.total IS NOT NULL" \
	" WINDOW w AS (PARTITION BY e.id" \
	"  ORDER BY s.number, r.recorded_at, r.id" \
	"  ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)" \
	") x WHERE n >= 2 GROUP BY g, closed, f, l ORDER BY g, closed, f, l"

/* The course_list op made of the engine's episode_list, session_list and
 * response_list, client after client (store.c). */
int store_course_list_each(attune_store *st, const attune_id *client_ids,
                           size_t n, attune_episode_cb episode_cb,
                           attune_session_cb session_cb,
                           attune_response_cb response_cb, void *ctx);

/* The clinic overview after store.c checked its arguments and wrote
 * its audit row (overview.c). */
int store_overview_run(attune_store *st, attune_id clinic_id,
                       attune_overview_by by, int64_t since,
                       const struct attune_instrument *outcome,
                       attune_overview_cb cb, void *ctx);

/* ---- Schema (migrations.c) ---- */

/* SQL dialects the shared schema is written out for. */
enum store_dialect {
	STORE_DIALECT_SQLITE = 0,
	STORE_DIALECT_POSTGRESQL = 1
};

/* Migration `version` takes a database from version-1 to version. Its
 * statements run in order inside one transaction, after which the
 * engine records the version in schema_version. Forward only: a
 * migration, once released, is never edited; a change is a new one. */
struct store_migration {
	int version;
	const char *what;         /* one line, for error messages */
	const char *const *sql;   /* one statement per element */
	size_t n_sql;
};

/* The migrations of a dialect in version order, 1..n. */
const struct store_migration *store_migrations(enum store_dialect d,
                                               size_t *n);

/* ---- Engines ---- */

extern const struct attune_store_ops store_sqlite_ops;
extern const struct attune_store_ops store_pg_ops;     /* pg.c, pg_ops.c */

/* Overwrite every occurrence in zMsg of the password zLocation carries
 * (location.c), for messages that quote libpq. */
void store_scrub_password(char *zMsg, const char *zLocation);

/* The SQLite connection of a store opened by the SQLite engine, NULL
 * otherwise. For engine-specific tests only. */
struct sqlite3 *store_sqlite_db(attune_store *st);

/* The group-commit counters of the file a SQLite store has open: commits
 * that changed something, how many of them are known to be on disk, and
 * the WAL fsyncs that took. ATTUNE_ENOTFOUND for an in-memory database.
 * For tests and benchmarks. */
int store_sqlite_sync_stats(attune_store *st, uint64_t *committed,
                            uint64_t *synced, uint64_t *rounds);
/* Audit rows written outside a transaction, and the batches they were
 * written in (lib/store/sqlite.c, audit_alone()). */
int store_sqlite_audit_stats(attune_store *st, uint64_t *rows,
                             uint64_t *batches);

#endif
