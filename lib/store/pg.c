/* pg.c - the PostgreSQL storage engine's core, through libpq: one
 * connection per store, statements prepared once per connection and run
 * with bound parameters, BEGIN/SAVEPOINT transactions as in sqlite.c,
 * reconnection when no transaction is open, and the schema migrations
 * serialised between processes by an advisory lock. The operations
 * themselves are in pg_ops.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "attune/limits.h"
#include "store/pg_int.h"

/* Seconds libpq waits for the server to answer a connection attempt,
 * unless the location says otherwise (connect_timeout=N). */
#define CONNECT_TIMEOUT "10"

/* The oldest server the SQL here is written for (identity columns, ON
 * CONFLICT, shortest-exact float output with extra_float_digits > 0). */
#define SERVER_VERSION_MIN 120000

/* The key of the advisory lock that serialises migrations between
 * processes on one database (advisory locks are per database): "attune"
 * in ASCII. */
#define MIGRATION_LOCK "107118859858533"

/* ---- Errors ---- */

static struct pg *pg_of(attune_store *st)
{
	return st->engine;
}

/* SQLSTATE (PostgreSQL manual, appendix A) to attune's codes. */
static int map_state(const char *zState)
{
	if (!zState)
		return ATTUNE_ESTORE;
	if (strcmp(zState, "23505") == 0)      /* unique_violation */
		return ATTUNE_EEXIST;
	if (strcmp(zState, "23503") == 0)      /* foreign_key_violation */
		return ATTUNE_ENOTFOUND;
	if (strcmp(zState, "23514") == 0 ||    /* check_violation */
	    strcmp(zState, "23502") == 0)      /* not_null_violation */
		return ATTUNE_EINVAL;
	if (strcmp(zState, "53200") == 0)      /* out_of_memory */
		return ATTUNE_ENOMEM;
	return ATTUNE_ESTORE;
}

/* libpq's message on one line: newlines and runs of spaces become one
 * space, trailing space goes. */
static void one_line(char *dst, size_t n, const char *src)
{
	size_t o = 0;
	int space = 0;

	if (n == 0)
		return;
	for (; src && *src && o + 1 < n; src++) {
		if (*src == '\n' && o > 0 && !strchr(".:;", dst[o - 1]) &&
		    src[1 + strspn(src + 1, " \t\r\n")] && o + 1 < n) {
			dst[o++] = ';';   /* libpq's lines as one sentence */
			space = 1;
			continue;
		}
		if (*src == '\n' || *src == '\r' || *src == '\t' ||
		    *src == ' ') {
			space = o > 0;
			continue;
		}
		if (space && o + 2 < n)
			dst[o++] = ' ';
		space = 0;
		dst[o++] = *src;
	}
	dst[o] = '\0';
}

/* The connection dropped (or was never there). */
static int conn_lost(const struct pg *q)
{
	return !q->conn || PQstatus(q->conn) != CONNECTION_OK;
}

/* "<what>: <the server's or libpq's message>" into st->err; the attune
 * code for the result's SQLSTATE (res may be NULL: then libpq's
 * connection message, ATTUNE_ENOMEM when the connection is fine, since
 * libpq returns no result only when it cannot allocate one). */
static int fail_res(attune_store *st, const PGresult *res,
                    const char *fmt, ...) ATTUNE_PRINTF(3, 4);
static int fail_res(attune_store *st, const PGresult *res,
                    const char *fmt, ...)
{
	struct pg *q = pg_of(st);
	char what[ATTUNE_ERR_MAX], why[ATTUNE_ERR_MAX];
	const char *zMsg = NULL, *zState = NULL;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (res) {
		zState = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		zMsg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		if (!zMsg)
			zMsg = PQresultErrorMessage(res);
	}
	if (!zMsg || !*zMsg)
		zMsg = q->conn ? PQerrorMessage(q->conn) : "no connection";
	one_line(why, sizeof(why), zMsg);
	rc = map_state(zState);
	if (!res && !conn_lost(q))
		rc = ATTUNE_ENOMEM;
	if (conn_lost(q)) {
		rc = ATTUNE_ESTORE;
		store_fail(st, rc, "%s: the connection to the server at %s was "
		           "lost (%s)", what, q->where, why);
	} else {
		store_fail(st, rc, "%s: %s", what, why);
	}
	store_scrub_password(st->err.msg, q->location);
	return rc;
}

/* ---- The connection ---- */

static void no_notices(void *ctx, const char *zMsg)
{
	/* The library never prints: NOTICE and WARNING from the server
	 * (e.g. "there is no transaction in progress") are dropped. */
	(void)ctx;
	(void)zMsg;
}

/* A constant statement without parameters (transaction control, the
 * session set-up, migrations). */
static int cmd(attune_store *st, const char *zSql, const char *zWhat)
{
	struct pg *q = pg_of(st);
	PGresult *res = PQexec(q->conn, zSql);
	int rc = ATTUNE_OK;

	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = fail_res(st, res, "%s", zWhat);
	PQclear(res);
	return rc;
}

/* Like cmd(), for clean-up after an error: keeps the first message. */
static void cmd_quiet(attune_store *st, const char *zSql)
{
	char keep[ATTUNE_ERR_MAX];

	memcpy(keep, st->err.msg, sizeof(keep));
	cmd(st, zSql, "cleaning up");
	memcpy(st->err.msg, keep, sizeof(keep));
}

/* What every connection needs before the first statement: exact float
 * output (shortest form that reads back the same, PostgreSQL >= 12) and,
 * for a read-only store, read-only transactions on the server too. */
static int session_setup(attune_store *st)
{
	struct pg *q = pg_of(st);
	int rc;

	if ((rc = cmd(st, "SET extra_float_digits = 3",
	              "setting up the session")))
		return rc;
	if (q->readonly &&
	    (rc = cmd(st, "SET default_transaction_read_only = on",
	              "setting up a read-only session")))
		return rc;
	return ATTUNE_OK;
}

/* Before a statement: a dropped connection is opened again when no
 * transaction is open (nothing is lost); inside one it is an error (the
 * server has rolled the transaction back). */
static int ensure_conn(attune_store *st)
{
	struct pg *q = pg_of(st);
	char why[ATTUNE_ERR_MAX];

	if (!conn_lost(q))
		return ATTUNE_OK;
	if (!q->conn)
		return store_fail(st, ATTUNE_ESTORE, "the store is closed");
	if (q->txn)
		return store_fail(st, ATTUNE_ESTORE,
		                  "the connection to the server at %s was lost "
		                  "inside a transaction, which the server has "
		                  "rolled back; call attune_store_rollback()",
		                  q->where);
	PQreset(q->conn);
	memset(q->prepared, 0, sizeof(q->prepared));
	if (conn_lost(q)) {
		one_line(why, sizeof(why), PQerrorMessage(q->conn));
		store_fail(st, ATTUNE_ESTORE,
		           "reconnecting to PostgreSQL at %s: %s", q->where,
		           why);
		store_scrub_password(st->err.msg, q->location);
		return ATTUNE_ESTORE;
	}
	return session_setup(st);
}

/* ---- Statements ---- */

static int read_only_sql(const char *zSql)
{
	return strncmp(zSql, "SELECT ", 7) == 0;
}

int pg_vrun(attune_store *st, int id, PGresult **out, const char *zWhat,
             const char *fmt, va_list ap)
{
	struct pg *q = pg_of(st);
	const char *vals[PG_PARAMS_MAX];
	char nums[PG_PARAMS_MAX][32], name[24];
	PGresult *res = NULL;
	ExecStatusType es;
	int64_t v;
	double d;
	int n, attempt, rc;

	if (out)
		*out = NULL;
	if (id < 0 || id >= pg_n_sql)
		return store_fail(st, ATTUNE_ESTORE, "%s: no statement %d",
		                  zWhat, id);
	for (n = 0; fmt[n]; n++) {
		if (n == PG_PARAMS_MAX)
			return store_fail(st, ATTUNE_ESTORE, "%s: more than %d "
			                  "parameters", zWhat, PG_PARAMS_MAX);
		vals[n] = nums[n];
		switch (fmt[n]) {
		case 'i':
		case 'r':
			v = va_arg(ap, int64_t);
			if (fmt[n] == 'r' && v == 0)
				vals[n] = NULL;
			else
				snprintf(nums[n], sizeof(nums[n]), "%lld",
				         (long long)v);
			break;
		case 'n':
			snprintf(nums[n], sizeof(nums[n]), "%d",
			         va_arg(ap, int));
			break;
		case 'd':
			d = va_arg(ap, double);
			if (isnan(d))
				vals[n] = NULL;
			else
				fmt_num(nums[n], d);
			break;
		default:  /* 't' */
			vals[n] = va_arg(ap, const char *);
			break;
		}
	}
	snprintf(name, sizeof(name), "attune_%d", id);
	for (attempt = 0;; attempt++) {
		if ((rc = ensure_conn(st)))
			return rc;
		if (!q->prepared[id]) {
			res = PQprepare(q->conn, name, pg_sql[id], n, NULL);
			if (PQresultStatus(res) == PGRES_COMMAND_OK) {
				q->prepared[id] = 1;
				PQclear(res);
				res = NULL;
			}
		}
		if (q->prepared[id]) {
			res = PQexecPrepared(q->conn, name, n, vals, NULL, NULL,
			                     0);
			es = PQresultStatus(res);
			if (es == PGRES_COMMAND_OK || es == PGRES_TUPLES_OK)
				break;
		}
		/* A read (or a prepare) on a connection that turns out to
		 * have dropped, outside any transaction: nothing was
		 * changed, so once more on a fresh connection. A change is
		 * never sent twice: its outcome is unknown. */
		if (attempt == 0 && conn_lost(q) && !q->txn &&
		    (!q->prepared[id] || read_only_sql(pg_sql[id]))) {
			PQclear(res);
			res = NULL;
			continue;
		}
		rc = fail_res(st, res, "%s", zWhat);
		PQclear(res);
		return rc;
	}
	if (out)
		*out = res;
	else
		PQclear(res);
	return ATTUNE_OK;
}

int pg_run(attune_store *st, int id, PGresult **out, const char *zWhat,
           const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = pg_vrun(st, id, out, zWhat, fmt, ap);
	va_end(ap);
	return rc;
}

/* A row count or id as the server wrote it. */
static int64_t to_i64(const char *z)
{
	int64_t v = 0;
	int neg = 0;

	if (!z)
		return 0;
	if (*z == '-') {
		neg = 1;
		z++;
	}
	for (; *z >= '0' && *z <= '9'; z++)
		v = v * 10 + (*z - '0');
	return neg ? -v : v;
}

int pg_change(attune_store *st, int id, int64_t *n_changed,
              const char *zWhat, const char *fmt, ...)
{
	PGresult *res;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = pg_vrun(st, id, &res, zWhat, fmt, ap);
	va_end(ap);
	if (rc == ATTUNE_OK && n_changed)
		*n_changed = to_i64(PQcmdTuples(res));
	PQclear(res);
	return rc;
}

int pg_insert(attune_store *st, int id, attune_id *out_id,
              const char *zWhat, const char *fmt, ...)
{
	PGresult *res;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = pg_vrun(st, id, &res, zWhat, fmt, ap);
	va_end(ap);
	if (rc == ATTUNE_OK) {
		if (PQntuples(res) != 1)
			rc = store_fail(st, ATTUNE_ESTORE, "%s: no id came back",
			                zWhat);
		else
			*out_id = pg_i64(res, 0, 0);
	}
	PQclear(res);
	return rc;
}

int pg_get_i64(attune_store *st, int id, attune_id key, int64_t *out,
               int *found)
{
	PGresult *res;
	char what[64];
	int rc;

	*found = 0;
	*out = 0;
	snprintf(what, sizeof(what), "looking up %lld", (long long)key);
	if ((rc = pg_run(st, id, &res, what, "i", (int64_t)key)))
		return rc;
	if (PQntuples(res) > 0) {
		*found = 1;
		*out = pg_i64(res, 0, 0);
	}
	PQclear(res);
	return ATTUNE_OK;
}

int64_t pg_i64(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return 0;
	return to_i64(PQgetvalue(res, row, col));
}

int pg_int(const PGresult *res, int row, int col)
{
	return (int)pg_i64(res, row, col);
}

double pg_num(const PGresult *res, int row, int col)
{
	const char *z;
	double v;

	if (PQgetisnull(res, row, col))
		return NAN;
	z = PQgetvalue(res, row, col);
	if (parse_num(z, strlen(z), &v) != 0)
		return NAN;
	return v;
}

const char *pg_text(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return NULL;
	return PQgetvalue(res, row, col);
}

/* ---- Transactions ---- */

int pg_txn_lost(attune_store *st)
{
	struct pg *q = pg_of(st);

	if (!st->in_txn)
		return ATTUNE_OK;
	if (!q->txn || conn_lost(q))
		return store_fail(st, ATTUNE_ESTORE,
		                  "the transaction was rolled back (the "
		                  "connection to the server was lost); call "
		                  "attune_store_rollback()");
	if (PQtransactionStatus(q->conn) == PQTRANS_INERROR)
		return store_fail(st, ATTUNE_ESTORE,
		                  "the transaction was aborted by an earlier "
		                  "error; call attune_store_rollback()");
	return ATTUNE_OK;
}

/* BEGIN, on a fresh connection if the old one dropped: nothing is open,
 * so nothing is lost. */
static int begin_top(attune_store *st, const char *zWhat)
{
	struct pg *q = pg_of(st);
	int rc;

	if ((rc = ensure_conn(st)))
		return rc;
	rc = cmd(st, "BEGIN", zWhat);
	if (rc != ATTUNE_OK && conn_lost(q)) {
		if ((rc = ensure_conn(st)))
			return rc;
		rc = cmd(st, "BEGIN", zWhat);
	}
	if (rc == ATTUNE_OK)
		q->txn = 1;
	return rc;
}

/* COMMIT. Whatever comes back, no transaction of ours is open after it;
 * when the connection drops on the way, whether it committed is unknown
 * and the caller is told so (nothing is retried). */
static int commit_top(attune_store *st, const char *zWhat)
{
	struct pg *q = pg_of(st);
	PGresult *res;
	int rc = ATTUNE_OK;

	q->txn = 0;
	res = PQexec(q->conn, "COMMIT");
	if (PQresultStatus(res) == PGRES_COMMAND_OK) {
		/* COMMIT of an aborted transaction "succeeds" as ROLLBACK. */
		if (strcmp(PQcmdStatus(res), "COMMIT") != 0)
			rc = store_fail(st, ATTUNE_ESTORE,
			                "%s: the transaction had been aborted by "
			                "an earlier error and was rolled back; "
			                "nothing was committed", zWhat);
	} else if (conn_lost(q)) {
		rc = store_fail(st, ATTUNE_ESTORE,
		                "%s: the connection to the server at %s was "
		                "lost during COMMIT: whether the transaction "
		                "was committed is unknown", zWhat, q->where);
	} else {
		rc = fail_res(st, res, "%s", zWhat);
	}
	PQclear(res);
	return rc;
}

static void rollback_top(attune_store *st)
{
	struct pg *q = pg_of(st);

	q->txn = 0;
	if (!conn_lost(q))
		cmd_quiet(st, "ROLLBACK");
}

int pg_tx_begin(attune_store *st, int *top)
{
	struct pg *q = pg_of(st);
	int rc;

	if ((rc = pg_txn_lost(st)))
		return rc;
	*top = !q->txn;
	if (*top)
		return begin_top(st, "starting a transaction");
	if ((rc = ensure_conn(st)))
		return rc;
	return cmd(st, "SAVEPOINT attune_call", "starting a savepoint");
}

int pg_tx_end(attune_store *st, int top, int rc)
{
	struct pg *q = pg_of(st);

	if (rc == ATTUNE_OK) {
		if (top)
			return commit_top(st, "committing");
		rc = cmd(st, "RELEASE SAVEPOINT attune_call", "committing");
		if (rc == ATTUNE_OK)
			return ATTUNE_OK;
	}
	if (top) {
		rollback_top(st);
	} else if (!conn_lost(q)) {
		cmd_quiet(st, "ROLLBACK TO SAVEPOINT attune_call");
		cmd_quiet(st, "RELEASE SAVEPOINT attune_call");
	}
	return rc;
}

int pg_begin(attune_store *st)
{
	return begin_top(st, "beginning a transaction");
}

int pg_commit(attune_store *st)
{
	struct pg *q = pg_of(st);

	if (!q->txn || conn_lost(q)) {
		q->txn = 0;
		return store_fail(st, ATTUNE_ESTORE,
		                  "the transaction had been rolled back (the "
		                  "connection to the server was lost); nothing "
		                  "was committed");
	}
	q->bulk = 0;
	return commit_top(st, "committing the transaction");
}

static int copy_end(attune_store *st, int abandon, size_t *bad_row);

int pg_rollback(attune_store *st)
{
	struct pg *q = pg_of(st);
	int rc = ATTUNE_OK;

	if (q->copying)
		copy_end(st, 1, NULL);
	q->bulk = 0;

	if (!q->txn)
		return ATTUNE_OK;
	q->txn = 0;
	/* A dropped connection took the transaction with it. */
	if (!conn_lost(q))
		rc = cmd(st, "ROLLBACK", "rolling back the transaction");
	return rc;
}

/* ---- Moving a database (archive.c) ---- */

/* SQL for table t from its constant names: a SELECT in the table's
 * order (text keys in bytewise "C" order, as SQLite sorts them), or an
 * INSERT with $1.. parameters. */
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
		if (!insert && t->cols[i].type == STORE_COL_TEXT)
			sb_puts(b, " COLLATE \"C\"");
	}
	if (insert) {
		sb_puts(b, ") VALUES (");
		for (i = 0; i < t->n_cols; i++)
			sb_printf(b, i ? ", $%zu" : "$%zu", i + 1);
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
	struct pg *q = pg_of(st);
	struct store_cell cells[16];
	PGresult *res = NULL;
	const char *z;
	strbuf b;
	size_t i;
	int row, n, rc, cbrc = 0;

	if (t->n_cols > 16)
		return store_fail(st, ATTUNE_ESTORE, "table %s: too many "
		                  "columns", t->name);
	sb_init(&b, 4096);
	if ((rc = raw_sql(st, t, 0, &b)))
		goto out;
	/* The whole table in one result: fine for a practice; a cursor
	 * (or COPY TO) is the way for millions of rows. */
	res = PQexecParams(q->conn, b.s, 0, NULL, NULL, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = fail_res(st, res, "reading table %s", t->name);
		goto out;
	}
	n = PQntuples(res);
	for (row = 0; row < n && !cbrc && !rc; row++) {
		for (i = 0; i < t->n_cols; i++) {
			memset(&cells[i], 0, sizeof(cells[i]));
			if (PQgetisnull(res, row, (int)i)) {
				cells[i].is_null = 1;
				continue;
			}
			z = PQgetvalue(res, row, (int)i);
			switch (t->cols[i].type) {
			case STORE_COL_INT:
				if (parse_i64(z, strlen(z), &cells[i].i))
					rc = store_fail(st, ATTUNE_ESTORE,
					                "table %s: bad integer",
					                t->name);
				break;
			case STORE_COL_REAL:
				if (parse_num(z, strlen(z), &cells[i].d))
					rc = store_fail(st, ATTUNE_ESTORE,
					                "table %s: bad number",
					                t->name);
				break;
			case STORE_COL_TEXT:
				cells[i].z = z;
				break;
			}
		}
		if (rc)
			break;
		st->in_cb++;
		cbrc = cb(ctx, it, cells);
		st->in_cb--;
	}
out:
	PQclear(res);
	sb_free(&b);
	return rc ? rc : cbrc;
}

int pg_raw_dump(attune_store *st, const struct store_table *t, size_t n,
                store_row_cb cb, void *ctx)
{
	struct pg *q = pg_of(st);
	size_t i;
	int rc;

	if ((rc = ensure_conn(st)))
		return rc;
	/* One snapshot for every table. */
	rc = cmd(st, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
	         "starting a snapshot");
	if (rc)
		return rc;
	q->txn = 1;
	for (i = 0; i < n && rc == ATTUNE_OK; i++)
		rc = raw_table(st, &t[i], i, cb, ctx);
	q->txn = 0;
	if (rc == ATTUNE_OK)
		return cmd(st, "COMMIT", "ending the snapshot");
	cmd_quiet(st, "ROLLBACK");
	return rc;
}

/* Bulk loads go out with COPY ... FROM STDIN in text format
 * (PostgreSQL manual, "COPY", section "Text Format"): one row a line,
 * columns separated by a tab, \N for NULL, and a backslash, newline,
 * carriage return or tab in a value written as \\, \n, \r, \t. The
 * data is never SQL text: nothing in it can be read as a statement.
 * Rows are sent in pieces of COPY_SEND bytes; a table's rows are split
 * into statements of COPY_STMT_ROWS rows, so that the queue of foreign
 * key checks (run at the end of each statement) stays bounded. */
#define COPY_SEND ((size_t)1 << 20)
#define COPY_STMT_ROWS 1000000
/* A row never needs more than twice its text plus this per column. */
#define COPY_NUM_MAX 32
#define COPY_CAP (COPY_SEND + 2 * (size_t)ATTUNE_ARCHIVE_LINE_MAX + \
                  16 * (COPY_NUM_MAX + 1) + 2)

/* "COPY t, line N..." in a COPY error's context: N, else 0. Only the
 * number is read; the context also quotes the row, which may hold a
 * password hash and is never shown. */
static size_t copy_line(const PGresult *res)
{
	const char *z = PQresultErrorField(res, PG_DIAG_CONTEXT);
	const char *p;
	size_t n = 0;

	if (!z || strncmp(z, "COPY ", 5) || !(p = strstr(z, ", line ")))
		return 0;
	for (p += 7; *p >= '0' && *p <= '9' && n < ((size_t)1 << 40); p++)
		n = n * 10 + (size_t)(*p - '0');
	return n;
}

/* End the COPY statement under way (abandon: with an error, so that the
 * server drops it) and read its outcome. On a refused row, *bad_row its
 * place in the table's rows (0 when not known). */
static int copy_end(attune_store *st, int abandon, size_t *bad_row)
{
	struct pg *q = pg_of(st);
	PGresult *res;
	size_t line;
	int rc = ATTUNE_OK, sent = 1;

	if (!q->copying)
		return ATTUNE_OK;
	q->copying = 0;
	if (!abandon && q->copy_len)
		sent = PQputCopyData(q->conn, q->copy_buf,
		                     (int)q->copy_len) == 1;
	q->copy_len = 0;
	if (PQputCopyEnd(q->conn, abandon || !sent ? "import abandoned"
	                                           : NULL) != 1)
		sent = 0;
	while ((res = PQgetResult(q->conn))) {
		if (rc == ATTUNE_OK && !abandon &&
		    PQresultStatus(res) != PGRES_COMMAND_OK) {
			rc = fail_res(st, res, "loading table %s",
			              q->copy_t->name);
			line = copy_line(res);
			if (line && bad_row)
				*bad_row = q->copy_base + line;
		}
		PQclear(res);
	}
	if (rc == ATTUNE_OK && !abandon && !sent)
		rc = fail_res(st, NULL, "loading table %s", q->copy_t->name);
	q->copy_base += q->copy_n;
	q->copy_n = 0;
	return rc;
}

static int copy_start(attune_store *st, const struct store_table *t)
{
	struct pg *q = pg_of(st);
	PGresult *res;
	strbuf b;
	size_t i;
	int rc = ATTUNE_OK;

	if (!q->copy_buf && !(q->copy_buf = malloc(COPY_CAP)))
		return store_fail(st, ATTUNE_ENOMEM, "out of memory");
	sb_init(&b, 4096);
	sb_puts(&b, "COPY ");
	sb_puts(&b, t->name);
	sb_puts(&b, " (");
	for (i = 0; i < t->n_cols; i++) {
		if (i)
			sb_puts(&b, ", ");
		sb_puts(&b, t->cols[i].name);
	}
	sb_puts(&b, ") FROM STDIN");
	if (b.rc) {
		rc = store_fail(st, b.rc, "building the COPY for table %s",
		                t->name);
		goto out;
	}
	res = PQexec(q->conn, b.s);
	if (PQresultStatus(res) != PGRES_COPY_IN)
		rc = fail_res(st, res, "loading table %s", t->name);
	else
		q->copying = 1;
	PQclear(res);
out:
	sb_free(&b);
	return rc;
}

/* Append z to the row, escaped for COPY's text format. */
static char *copy_text(char *o, const char *z)
{
	for (; *z; z++) {
		switch (*z) {
		case '\\': *o++ = '\\'; *o++ = '\\'; break;
		case '\n': *o++ = '\\'; *o++ = 'n'; break;
		case '\r': *o++ = '\\'; *o++ = 'r'; break;
		case '\t': *o++ = '\\'; *o++ = 't'; break;
		default: *o++ = *z;
		}
	}
	return o;
}

static char *copy_int(char *o, int64_t v)
{
	char tmp[24];
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*o++ = '-';
	while (n)
		*o++ = tmp[--n];
	return o;
}

/* A foreign key checks each row a COPY adds with a query of its own
 * (an after-row trigger), which makes a load of millions of rows many
 * times slower. A bulk load into the empty database therefore drops
 * the foreign keys of attune's schema inside its transaction and adds
 * them back, as they were, at the end (pg_raw_keys): PostgreSQL then
 * checks every reference in one pass per key, and a rollback brings
 * them back anyway (DDL is transactional). This is what pg_restore
 * does: data first, constraints after. The definitions come from the
 * catalog (pg_get_constraintdef), the statements are built by the
 * server (format with %I); the client sends only constant SQL. Without
 * the right to alter the tables, the keys stay and check row by row.
 * The same for the indexes that are not unique (built after the rows,
 * one sort each, instead of an index insert per row and index; unique
 * ones stay so that a duplicate is refused inside its COPY, whose rows
 * lead back to archive lines) and the data-version triggers of
 * migration 4 (disabled; each COPY statement would join its transition
 * table of up to COPY_STMT_ROWS rows back to the clients): at the end
 * every client counts the load as one change of its data. */
static const char bulk_drop_sql[] =
	"CREATE TEMP TABLE attune_bulk_fk ON COMMIT DROP AS"
	" SELECT c.conrelid::regclass::text AS tbl, c.conname AS name,"
	" pg_get_constraintdef(c.oid) AS def"
	" FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace"
	" WHERE c.contype = 'f' AND n.nspname = current_schema();"
	"CREATE TEMP TABLE attune_bulk_ix ON COMMIT DROP AS"
	" SELECT i.indexrelid::regclass::text AS name,"
	" pg_get_indexdef(i.indexrelid) AS def"
	" FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
	" JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE n.nspname = current_schema() AND NOT i.indisunique"
	" AND NOT i.indisprimary;"
	"CREATE TEMP TABLE attune_bulk_tg ON COMMIT DROP AS"
	" SELECT t.tgrelid::regclass::text AS tbl, t.tgname AS name"
	" FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
	" JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE n.nspname = current_schema() AND NOT t.tgisinternal"
	" AND t.tgname LIKE '%\\_dv\\_%' AND t.tgenabled <> 'D';"
	"DO $$ DECLARE r record; BEGIN"
	" FOR r IN SELECT * FROM attune_bulk_fk LOOP"
	" EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.tbl, r.name);"
	" END LOOP;"
	" FOR r IN SELECT * FROM attune_bulk_ix LOOP"
	" EXECUTE format('DROP INDEX %s', r.name);"
	" END LOOP;"
	" FOR r IN SELECT * FROM attune_bulk_tg LOOP"
	" EXECUTE format('ALTER TABLE %s DISABLE TRIGGER %I', r.tbl, r.name);"
	" END LOOP; END $$";
static const char bulk_add_sql[] =
	"SET LOCAL maintenance_work_mem = '256MB';"
	"DO $$ DECLARE r record; BEGIN"
	" FOR r IN SELECT * FROM attune_bulk_fk LOOP"
	" EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', r.tbl, r.name,"
	" r.def);"
	" END LOOP;"
	" FOR r IN SELECT * FROM attune_bulk_ix LOOP"
	" EXECUTE r.def;"
	" END LOOP;"
	" IF EXISTS (SELECT 1 FROM attune_bulk_tg) THEN"
	" UPDATE clients SET data_version = data_version + 1;"
	" END IF;"
	" FOR r IN SELECT * FROM attune_bulk_tg LOOP"
	" EXECUTE format('ALTER TABLE %s ENABLE TRIGGER %I', r.tbl, r.name);"
	" END LOOP; END $$;"
	"DROP TABLE attune_bulk_fk, attune_bulk_ix, attune_bulk_tg";

static int bulk_relax(attune_store *st)
{
	struct pg *q = pg_of(st);
	int rc;

	if ((rc = cmd(st, "SAVEPOINT attune_bulk", "starting a bulk load")))
		return rc;
	if (cmd(st, bulk_drop_sql, "setting foreign keys aside") ==
	    ATTUNE_OK) {
		q->bulk = 1;
		return cmd(st, "RELEASE SAVEPOINT attune_bulk",
		           "starting a bulk load");
	}
	q->bulk = 2;
	return cmd(st, "ROLLBACK TO SAVEPOINT attune_bulk",
	           "starting a bulk load");
}

/* Nothing to do before the transaction: the foreign keys are set
 * aside inside it, with the first COPY (bulk_relax). */
int pg_raw_prepare(attune_store *st)
{
	(void)st;
	return ATTUNE_OK;
}

int pg_raw_insert(attune_store *st, const struct store_table *t,
                  const struct store_cell *c, size_t *bad_row)
{
	struct pg *q = pg_of(st);
	size_t i, need = 1;
	char *o;
	int rc;

	*bad_row = 0;
	if (t->n_cols > 16)
		return store_fail(st, ATTUNE_ESTORE, "table %s: too many "
		                  "columns", t->name);
	if (q->copy_t != t) {
		if ((rc = pg_raw_flush(st, 0, bad_row)))
			return rc;
		q->copy_t = t;
	}
	if (!q->copying) {
		if ((rc = pg_txn_lost(st)))
			return rc;
		if (!q->bulk && (rc = bulk_relax(st)))
			return rc;
		if ((rc = copy_start(st, t)))
			return rc;
	}
	for (i = 0; i < t->n_cols; i++)
		need += (t->cols[i].type == STORE_COL_TEXT && !c[i].is_null ?
		         2 * strlen(c[i].z) : COPY_NUM_MAX) + 1;
	if (q->copy_len + need > COPY_CAP) {
		if (PQputCopyData(q->conn, q->copy_buf,
		                  (int)q->copy_len) != 1)
			return (rc = copy_end(st, 0, bad_row)) ? rc :
			       fail_res(st, NULL, "loading table %s",
			                t->name);
		q->copy_len = 0;
	}
	o = q->copy_buf + q->copy_len;
	for (i = 0; i < t->n_cols; i++) {
		if (i)
			*o++ = '\t';
		if (c[i].is_null || (t->cols[i].type == STORE_COL_REAL &&
		                     isnan(c[i].d))) {
			*o++ = '\\';
			*o++ = 'N';
		} else if (t->cols[i].type == STORE_COL_INT) {
			o = copy_int(o, c[i].i);
		} else if (t->cols[i].type == STORE_COL_REAL) {
			o += fmt_num(o, c[i].d);
		} else {
			o = copy_text(o, c[i].z);
		}
	}
	*o++ = '\n';
	q->copy_len = (size_t)(o - q->copy_buf);
	q->copy_n++;
	if (q->copy_len >= COPY_SEND) {
		if (PQputCopyData(q->conn, q->copy_buf,
		                  (int)q->copy_len) != 1)
			return (rc = copy_end(st, 0, bad_row)) ? rc :
			       fail_res(st, NULL, "loading table %s",
			                t->name);
		q->copy_len = 0;
	}
	if (q->copy_n >= COPY_STMT_ROWS)
		return copy_end(st, 0, bad_row);
	return ATTUNE_OK;
}

int pg_raw_flush(attune_store *st, int abandon, size_t *bad_row)
{
	struct pg *q = pg_of(st);
	int rc;

	if (bad_row)
		*bad_row = 0;
	rc = copy_end(st, abandon, bad_row);
	q->copy_t = NULL;
	q->copy_base = 0;
	free(q->copy_buf);
	q->copy_buf = NULL;
	return rc;
}

int pg_raw_keys(attune_store *st, const struct store_table *t, size_t n)
{
	struct pg *q = pg_of(st);
	PGresult *res;
	strbuf b;
	size_t i;
	int rc = ATTUNE_OK;

	if ((rc = pg_txn_lost(st)))
		return rc;
	if ((rc = copy_end(st, 0, NULL)))
		return rc;
	if (q->bulk == 1 && (rc = cmd(st, bulk_add_sql, "checking the "
	                              "references of the loaded rows")))
		return rc;
	/* Statistics for the planner now, not when autovacuum comes by:
	 * on tables it still believes empty it plans sequential scans,
	 * and a caseload page over millions of rows takes seconds. ANALYZE
	 * samples (a bounded number of rows a table) and may run inside
	 * the transaction. */
	if (q->bulk && (rc = cmd(st, "ANALYZE", "gathering statistics")))
		return rc;
	q->bulk = 0;
	for (i = 0; i < n && rc == ATTUNE_OK; i++) {
		if (!t[i].has_id)
			continue;
		/* setval(seq, NULL) on an empty table changes nothing. */
		sb_init(&b, 1024);
		sb_printf(&b, "SELECT setval(pg_get_serial_sequence('%s', "
		          "'id'), (SELECT max(id) FROM %s))", t[i].name,
		          t[i].name);
		if (b.rc) {
			rc = store_fail(st, b.rc, "advancing keys");
			sb_free(&b);
			break;
		}
		res = PQexecParams(q->conn, b.s, 0, NULL, NULL, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
			rc = fail_res(st, res, "advancing the keys of %s",
			              t[i].name);
		PQclear(res);
		sb_free(&b);
	}
	return rc;
}

/* ---- Opening, migrating, closing ---- */

/* One integer (or boolean, as 0/1) from a constant query. */
static int query_i64(attune_store *st, const char *zSql, int64_t *out)
{
	struct pg *q = pg_of(st);
	PGresult *res = PQexec(q->conn, zSql);
	int rc = ATTUNE_OK;

	*out = 0;
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
	    PQnfields(res) != 1) {
		rc = fail_res(st, res, "reading the schema of %s", q->where);
	} else if (!PQgetisnull(res, 0, 0)) {
		const char *z = PQgetvalue(res, 0, 0);

		*out = *z == 't' ? 1 : *z == 'f' ? 0 : to_i64(z);
	}
	PQclear(res);
	return rc;
}

/* The version the database is at; 0 when it has no schema_version (in
 * the first schema of the search path, where attune's tables go). */
static int read_version(attune_store *st, int64_t *version)
{
	int64_t have;
	int rc;

	rc = query_i64(st, "SELECT to_regclass('schema_version') IS NOT NULL",
	               &have);
	if (rc == ATTUNE_OK && have)
		rc = query_i64(st, "SELECT coalesce(max(version), 0)"
		               " FROM schema_version", version);
	else
		*version = 0;
	return rc;
}

/* Wait for any other process checking or migrating this database, and
 * keep them out until migrations_unlock(). A session-level lock, taken
 * outside any transaction: each transaction begun after it sees the
 * catalog as the previous holder left it (a lock taken inside a
 * transaction would not refresh that transaction's cached catalog, and
 * the table another process just created would seem missing). A
 * dropped connection releases it. */
static int migrations_lock(attune_store *st)
{
	return cmd(st, "SELECT pg_advisory_lock(" MIGRATION_LOCK ")",
	           "waiting for the migration lock");
}

static void migrations_unlock(attune_store *st)
{
	if (!conn_lost(pg_of(st)))
		cmd_quiet(st, "SELECT pg_advisory_unlock(" MIGRATION_LOCK ")");
}

/* Apply migration m in a transaction of its own, under the migration
 * lock. The version is read again first, as in sqlite.c, though under
 * the lock no other process can have applied it meanwhile. */
static int migrate_one(attune_store *st, const struct store_migration *m)
{
	struct pg *q = pg_of(st);
	char version[16], at[32], why[ATTUNE_ERR_MAX];
	const char *vals[2] = {version, at};
	int64_t have;
	PGresult *res;
	size_t i;
	int rc;

	if ((rc = begin_top(st, "starting a migration")))
		return rc;
	if ((rc = read_version(st, &have)))
		goto fail;
	if (have >= m->version)
		return commit_top(st, "committing a migration");
	for (i = 0; i < m->n_sql; i++) {
		char what[96];

		snprintf(what, sizeof(what), "running \"%.60s\"", m->sql[i]);
		if ((rc = cmd(st, m->sql[i], what)))
			goto fail;
	}
	snprintf(version, sizeof(version), "%d", m->version);
	snprintf(at, sizeof(at), "%lld", (long long)st->now);
	res = PQexecParams(q->conn, "INSERT INTO schema_version"
	                   " (version, applied_at) VALUES ($1, $2)", 2, NULL,
	                   vals, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = fail_res(st, res, "recording schema version %d",
		              m->version);
	PQclear(res);
	if (rc)
		goto fail;
	if ((rc = commit_top(st, "committing a migration")))
		goto fail;
	return ATTUNE_OK;
fail:
	memcpy(why, st->err.msg, sizeof(why));
	if (q->txn)
		rollback_top(st);
	return store_fail(st, ATTUNE_ESTORE, "migrating %s to schema version "
	                  "%d (%s) failed: %s", q->where, m->version, m->what,
	                  why);
}

/* Before anything is written: is this a database this build can use?
 * *version is where it stands (0: empty). Runs under the migration lock
 * (unless read-only), so that a store opening while another migrates
 * sees all of the migrations or none. */
static int check_version(attune_store *st, int flags, int64_t *version)
{
	struct pg *q = pg_of(st);
	int64_t objects = 0;
	size_t n;
	int rc;

	store_migrations(STORE_DIALECT_POSTGRESQL, &n);
	if ((rc = begin_top(st, "checking the schema")))
		return rc;
	if ((rc = read_version(st, version)))
		goto out;
	if (*version == 0 &&
	    (rc = query_i64(st, "SELECT count(*) FROM pg_catalog.pg_class c"
	                    " JOIN pg_catalog.pg_namespace s"
	                    " ON s.oid = c.relnamespace"
	                    " WHERE s.nspname = current_schema()",
	                    &objects)))
		goto out;
	if (*version > (int64_t)n)
		rc = store_fail(st, ATTUNE_EVERSION,
		                "%s is at schema version %lld; this attune (%s) "
		                "knows versions up to %zu", q->where,
		                (long long)*version, ATTUNE_VERSION, n);
	else if (*version == 0 && objects)
		rc = store_fail(st, ATTUNE_ESTORE,
		                "%s is a PostgreSQL database but not an attune "
		                "one (its schema has tables but no "
		                "schema_version table)", q->where);
	else if (*version == 0 && !(flags & ATTUNE_STORE_CREATE))
		rc = store_fail(st, ATTUNE_ENOTFOUND,
		                "%s is an empty database; open it with "
		                "ATTUNE_STORE_CREATE to set it up", q->where);
	else if (*version < (int64_t)n && q->readonly)
		rc = store_fail(st, ATTUNE_ESTORE,
		                "%s is at schema version %lld and needs "
		                "migrating to %zu; open it read-write once",
		                q->where, (long long)*version, n);
out:
	if (rc) {
		rollback_top(st);
		return rc;
	}
	return commit_top(st, "checking the schema");
}

void pg_close(attune_store *st)
{
	struct pg *q = pg_of(st);

	if (!q)
		return;
	if (q->conn) {
		if (q->copying)
			copy_end(st, 1, NULL);
		if (q->txn && !conn_lost(q))
			PQclear(PQexec(q->conn, "ROLLBACK"));
		PQfinish(q->conn);
	}
	free(q->copy_buf);
	free(q->location);
	free(q);
	st->engine = NULL;
}

int pg_open(attune_store *st, const char *zLocation, int flags)
{
	/* Later entries win over the URI's own (expand_dbname), so the
	 * client encoding is always UTF-8; the URI may set the rest. */
	static const char *const keys[] = {
		"connect_timeout", "fallback_application_name", "dbname",
		"client_encoding", NULL
	};
	const char *vals[] = {CONNECT_TIMEOUT, "attune", zLocation, "UTF8",
	                      NULL};
	const struct store_migration *m;
	struct pg *q;
	char why[ATTUNE_ERR_MAX];
	const char *enc;
	int64_t version;
	size_t n, i;
	int rc;

	q = calloc(1, sizeof(*q));
	if (!q)
		return store_fail(st, ATTUNE_ENOMEM,
		                  "out of memory opening a PostgreSQL store");
	st->engine = q;
	q->readonly = (flags & ATTUNE_STORE_READONLY) != 0;
	q->location = strdup(zLocation);
	if (!q->location) {
		rc = store_fail(st, ATTUNE_ENOMEM,
		                "out of memory opening a PostgreSQL store");
		goto fail;
	}
	attune_store_location_safe(zLocation, q->where, sizeof(q->where));
	q->conn = PQconnectdbParams(keys, vals, 1);
	if (!q->conn) {
		rc = store_fail(st, ATTUNE_ENOMEM, "out of memory connecting "
		                "to %s", q->where);
		goto fail;
	}
	if (PQstatus(q->conn) != CONNECTION_OK) {
		one_line(why, sizeof(why), PQerrorMessage(q->conn));
		rc = store_fail(st, ATTUNE_ESTORE, "cannot connect to "
		                "PostgreSQL at %s: %s%s", q->where, why,
		                strstr(why, "database \"") &&
		                strstr(why, "does not exist")
		                ? " (create the database first, e.g. "
		                  "`createdb -O ROLE NAME`; see "
		                  "docs/operations.md)" : "");
		store_scrub_password(st->err.msg, zLocation);
		goto fail;
	}
	PQsetNoticeProcessor(q->conn, no_notices, NULL);
	if (PQserverVersion(q->conn) < SERVER_VERSION_MIN) {
		rc = store_fail(st, ATTUNE_ESTORE, "%s: PostgreSQL %d is too "
		                "old; attune needs 12 or newer", q->where,
		                PQserverVersion(q->conn) / 10000);
		goto fail;
	}
	enc = PQparameterStatus(q->conn, "server_encoding");
	if (!enc || (strcmp(enc, "UTF8") != 0 &&
	             strcmp(enc, "SQL_ASCII") != 0)) {
		rc = store_fail(st, ATTUNE_ESTORE, "%s: the database's encoding "
		                "is %s; attune stores UTF-8 text (create the "
		                "database with -E UTF8)", q->where,
		                enc ? enc : "unknown");
		goto fail;
	}
	if ((rc = session_setup(st)))
		goto fail;
	/* A read-only store migrates nothing and needs no lock. */
	if (!q->readonly && (rc = migrations_lock(st)))
		goto fail;
	rc = check_version(st, flags, &version);
	m = store_migrations(STORE_DIALECT_POSTGRESQL, &n);
	for (i = (size_t)version; rc == ATTUNE_OK && i < n; i++)
		rc = migrate_one(st, &m[i]);
	if (!q->readonly)
		migrations_unlock(st);
	if (rc)
		goto fail;
	return ATTUNE_OK;
fail:
	pg_close(st);
	return rc;
}
