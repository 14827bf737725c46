/* pg_int.h - what the PostgreSQL engine's two files share: pg.c (the
 * connection, statements, transactions, opening and migrating) and
 * pg_ops.c (the store operations and their SQL). Library-internal. */
#ifndef ATTUNE_PG_INT_H
#define ATTUNE_PG_INT_H

#include <libpq-fe.h>
#include "store/store_int.h"

/* Room for the statement ids of pg_ops.c (a _Static_assert there keeps
 * them under it) and for the parameters of one statement. */
#define PG_STMT_MAX 128
#define PG_PARAMS_MAX 12

/* attune_store_course_list() sends at most this many client ids in one
 * set of statements (a bigint[] parameter written as text, up to 21
 * bytes an id): the results of a chunk are held in memory at once, so
 * a supervisor's thousands of clients take a few sets, not one huge one. */
#define PG_COURSE_CHUNK 512

/* The location as it may be shown: room for a long URI. */
#define PG_WHERE_MAX 256

/* The engine's state in st->engine. One connection per store: the web
 * server opens a store per worker thread, so that is the pool. */
struct pg {
	PGconn *conn;
	int txn;                  /* a transaction of ours is open: BEGIN sent
	                             and neither COMMIT nor ROLLBACK since */
	int readonly;             /* ATTUNE_STORE_READONLY */
	unsigned char prepared[PG_STMT_MAX]; /* prepared on this connection */
	char where[PG_WHERE_MAX]; /* the location without its password */
	char *location;           /* as given, to scrub its password out of
	                             libpq's messages */
	/* A bulk load (pg_raw_insert): rows of copy_t go out with COPY,
	 * copy_n of them in the COPY statement under way, copy_base in the
	 * table's earlier ones; copy_buf[0..copy_len) not sent yet. */
	const struct store_table *copy_t;
	int copying;
	size_t copy_n, copy_base, copy_len;
	char *copy_buf;
	int bulk;                 /* 1: foreign keys set aside for a bulk
	                             load (pg_raw_keys adds them back);
	                             2: tried, kept (no right to alter) */
};

/* The SQL of statement id (pg_ops.c), with $1, $2, ... parameters. */
extern const char *const pg_sql[];
extern const int pg_n_sql;

/* ---- Running statements (pg.c) ---- */

/* Run prepared statement id with parameters from fmt, one letter each:
 *   'i' int64_t, 'r' int64_t where 0 binds NULL (an optional reference
 *   or time), 'n' int, 't' const char * (NULL binds NULL), 'd' double
 *   (NaN binds NULL).
 * The statement is prepared on first use. *out (may be NULL) gets the
 * result, which the caller frees with PQclear(); NULL on failure.
 * zWhat names the action for the error message. A read that fails
 * because the connection dropped, with no transaction open, is retried
 * once on a fresh connection; nothing else is ever retried. */
int pg_run(attune_store *st, int id, PGresult **out, const char *zWhat,
           const char *fmt, ...);
int pg_vrun(attune_store *st, int id, PGresult **out, const char *zWhat,
             const char *fmt, va_list ap);
/* pg_run() for a change; *n_changed (may be NULL) the rows it changed. */
int pg_change(attune_store *st, int id, int64_t *n_changed,
              const char *zWhat, const char *fmt, ...);
/* pg_run() for an INSERT ... RETURNING id. */
int pg_insert(attune_store *st, int id, attune_id *out_id,
              const char *zWhat, const char *fmt, ...);
/* One integer column of the row with key `key` ($1); NULL reads as 0.
 * *found says whether there was such a row. */
int pg_get_i64(attune_store *st, int id, attune_id key, int64_t *out,
               int *found);

/* Column values of row `row`. Integers and numbers read SQL NULL as 0
 * (NaN for pg_num); pg_text gives NULL for SQL NULL. */
int64_t pg_i64(const PGresult *res, int row, int col);
int pg_int(const PGresult *res, int row, int col);
double pg_num(const PGresult *res, int row, int col);
const char *pg_text(const PGresult *res, int row, int col);

/* ---- Transactions (pg.c) ---- */

/* Start the transaction of one call: BEGIN when none is open, else a
 * savepoint inside the caller's (attune_store_begin) transaction. *top
 * says which, for pg_tx_end(). */
int pg_tx_begin(attune_store *st, int *top);
/* Commit the call's transaction (or release its savepoint) when rc is
 * ATTUNE_OK, else undo what it did, keeping rc and its message. Returns
 * the final rc. */
int pg_tx_end(attune_store *st, int top, int rc);
/* Inside attune_store_begin() but the transaction is gone (an error
 * aborted it, or the connection dropped): ATTUNE_ESTORE, else OK. */
int pg_txn_lost(attune_store *st);

/* The engine-level operations of pg.c, for the table in pg_ops.c. */
int pg_open(attune_store *st, const char *zLocation, int flags);
void pg_close(attune_store *st);
int pg_begin(attune_store *st);
int pg_commit(attune_store *st);
int pg_rollback(attune_store *st);
int pg_raw_dump(attune_store *st, const struct store_table *t, size_t n,
                store_row_cb cb, void *ctx);
int pg_raw_insert(attune_store *st, const struct store_table *t,
                  const struct store_cell *c, size_t *bad_row);
int pg_raw_flush(attune_store *st, int abandon, size_t *bad_row);
int pg_raw_prepare(attune_store *st);
int pg_raw_keys(attune_store *st, const struct store_table *t, size_t n);

#endif
