/* test_store.c - the storage contract: one suite every engine must pass
 * (open/migrate, every add/find/list, transactions, audit, validation),
 * plus checks only one engine can make. The engine under test comes from
 * `eng`: SQLite files in $ATTUNE_TEST_TMP, or, when $ATTUNE_TEST_PG_URI
 * names a PostgreSQL server (scripts/pg-test-server.sh), a fresh
 * database on it per test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include "attune/store.h"
#include "attune/instrument.h"
#include "attune/limits.h"
#include "store/store_int.h"

/* ---- The engine under test ---- */

/* What the contract needs to do under the API: make a fresh location,
 * see whether open created something, play a newer attune or a failing
 * disk, and clean up. Each engine has its own versions of these (SQLite
 * files; PostgreSQL databases through libpq), and main() picks the
 * PostgreSQL ones when ATTUNE_TEST_PG_URI is set. */
struct engine {
	const char *name;
	/* A location where no database exists yet; tag names the test. */
	void (*fresh)(char *loc, size_t n, const char *tag);
	/* 1 when something exists at loc. */
	int (*exists)(const char *loc);
	/* Record schema version v as a newer attune would have. */
	void (*force_version)(const char *loc, int v);
	/* on: every insert into episodes fails; off: back to normal. */
	void (*break_episodes)(const char *loc, int on);
	/* Remove what is at loc (after the test closed its stores). */
	void (*remove)(const char *loc);
	/* Run SQL on it with a connection of the test's own, as another
	 * program would. */
	void (*exec)(const char *loc, const char *sql);
};

static const struct engine *eng;

/* ---- SQLite: files under $ATTUNE_TEST_TMP ---- */

static const char *tmpdir(void)
{
	const char *d = getenv("ATTUNE_TEST_TMP");

	return d && *d ? d : "/tmp";
}

static void unlink_db(const char *loc)
{
	static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
	char path[1100];
	size_t i;

	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", loc, suffix[i]);
		unlink(path);
	}
}

static void sq_fresh(char *loc, size_t n, const char *tag)
{
	snprintf(loc, n, "%s/store-%s-%ld.db", tmpdir(), tag, (long)getpid());
	unlink_db(loc);
}

static int sq_exists(const char *loc)
{
	struct stat sb;

	return stat(loc, &sb) == 0;
}

/* Run SQL on the database with a connection of our own. */
static void raw_exec(const char *loc, const char *sql)
{
	sqlite3 *db = NULL;
	int rc;

	assert_int_equal(sqlite3_open_v2(loc, &db, SQLITE_OPEN_READWRITE,
	                                 NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
}

static void sq_force_version(const char *loc, int v)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;

	assert_int_equal(sqlite3_open_v2(loc, &db, SQLITE_OPEN_READWRITE,
	                                 NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO schema_version"
	                 " (version, applied_at) VALUES (?1, 0)", -1, &s,
	                 NULL), SQLITE_OK);
	sqlite3_bind_int(s, 1, v);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	sqlite3_close(db);
}

static void sq_break_episodes(const char *loc, int on)
{
	raw_exec(loc, on ? "CREATE TRIGGER test_break BEFORE INSERT ON "
	                   "episodes BEGIN SELECT RAISE(ABORT, 'injected "
	                   "failure'); END"
	                 : "DROP TRIGGER test_break");
}

static const struct engine sqlite_engine = {
	"sqlite", sq_fresh, sq_exists, sq_force_version, sq_break_episodes,
	unlink_db, raw_exec
};

/* ---- PostgreSQL: a database per test on $ATTUNE_TEST_PG_URI ---- */

static const char *pg_uri;     /* the server's maintenance database */

static void pg_quiet(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

static PGconn *pg_connect(const char *loc)
{
	PGconn *c = PQconnectdb(loc);

	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("connecting to %s: %s", loc, PQerrorMessage(c));
	PQsetNoticeProcessor(c, pg_quiet, NULL);
	return c;
}

/* Run SQL (test set-up only: names below are made by the test). */
static void pg_exec(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
}

static void pg_exec_at(const char *loc, const char *sql)
{
	PGconn *c = pg_connect(loc);

	pg_exec(c, sql);
	PQfinish(c);
}

/* The database name of a location made by pg_fresh(). */
static void pg_dbname(const char *loc, char *db, size_t n)
{
	const char *p = strstr(loc, "://") + 3;

	p += strcspn(p, "/");
	p += *p == '/';
	snprintf(db, n, "%.*s", (int)strcspn(p, "?"), p);
}

/* pg_uri with database db. */
static void pg_loc(char *loc, size_t n, const char *db)
{
	const char *p = strstr(pg_uri, "://") + 3;
	const char *end = p + strcspn(p, "/?");
	const char *query = strchr(end, '?');

	snprintf(loc, n, "%.*s/%s%s", (int)(end - pg_uri), pg_uri, db,
	         query ? query : "");
}

static void pg_drop(const char *db)
{
	char sql[200];

	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)",
	         db);
	pg_exec_at(pg_uri, sql);
}

static void pg_fresh(char *loc, size_t n, const char *tag)
{
	char db[64], sql[200];

	snprintf(db, sizeof(db), "attune_t_%s_%ld", tag, (long)getpid());
	pg_drop(db);
	snprintf(sql, sizeof(sql), "CREATE DATABASE \"%s\"", db);
	pg_exec_at(pg_uri, sql);
	pg_loc(loc, n, db);
}

/* One value from a query, as text (into buf). */
static const char *pg_value(const char *loc, const char *sql, char *buf,
                            size_t n)
{
	PGconn *c = pg_connect(loc);
	PGresult *r = PQexec(c, sql);

	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	snprintf(buf, n, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	PQfinish(c);
	return buf;
}

static int pg_exists(const char *loc)
{
	char v[8];

	return strcmp(pg_value(loc, "SELECT to_regclass('schema_version')"
	                       " IS NOT NULL", v, sizeof(v)), "t") == 0;
}

static void pg_force_version(const char *loc, int v)
{
	PGconn *c = pg_connect(loc);
	char num[16];
	const char *vals[1] = {num};
	PGresult *r;

	snprintf(num, sizeof(num), "%d", v);
	r = PQexecParams(c, "INSERT INTO schema_version (version, applied_at)"
	                 " VALUES ($1, 0)", 1, NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("force_version: %s", PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
}

static void pg_break_episodes(const char *loc, int on)
{
	if (on)
		pg_exec_at(loc, "CREATE FUNCTION test_break() RETURNS trigger"
		           " LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION"
		           " 'injected failure'; END$$;"
		           " CREATE TRIGGER test_break BEFORE INSERT ON episodes"
		           " FOR EACH ROW EXECUTE FUNCTION test_break()");
	else
		pg_exec_at(loc, "DROP TRIGGER test_break ON episodes;"
		           " DROP FUNCTION test_break()");
}

static void pg_remove(const char *loc)
{
	char db[64];

	pg_dbname(loc, db, sizeof(db));
	pg_drop(db);
}

static const struct engine pg_engine = {
	"postgresql", pg_fresh, pg_exists, pg_force_version,
	pg_break_episodes, pg_remove, pg_exec_at
};

/* ---- Helpers ---- */

#define OK(st, call) do { \
	int rc_ = (call); \
	if (rc_ != ATTUNE_OK) \
		fail_msg("%s -> %d (%s)", #call, rc_, \
		         attune_store_errmsg(st)); \
} while (0)

#define RC(st, want, call) do { \
	int rc_ = (call); \
	if (rc_ != (want)) \
		fail_msg("%s -> %d, want %d (%s)", #call, rc_, (int)(want), \
		         attune_store_errmsg(st)); \
} while (0)

#define HAS(s, sub) do { \
	if (!strstr((s), (sub))) \
		fail_msg("'%s' does not contain '%s'", (s), (sub)); \
} while (0)

/* Rows a listing delivered, copied out of the borrowed records. */
#define ROWS_MAX 256
#define STR_MAX 160
struct row {
	attune_id id, a, b;
	int i1, i2;
	int64_t t;
	char s[6][STR_MAX];
	unsigned null_mask;       /* bit k: string k was NULL */
	size_t nv;
	double v[ATTUNE_ITEMS_MAX];
	double total;
};
struct rows {
	size_t n;
	size_t stop_after;        /* return 99 after this many; 0: never */
	struct row r[ROWS_MAX];
};

static struct rows R;

static void rows_reset(struct rows *rs)
{
	memset(rs, 0, sizeof(*rs));
}

static struct row *row_next(struct rows *rs)
{
	assert_true(rs->n < ROWS_MAX);
	return &rs->r[rs->n++];
}

static void put_s(struct row *w, int k, const char *z)
{
	if (!z)
		w->null_mask |= 1u << k;
	snprintf(w->s[k], STR_MAX, "%s", z ? z : "");
}

static int stop(const struct rows *rs)
{
	return rs->stop_after && rs->n >= rs->stop_after ? 99 : 0;
}

static int clinic_cb(void *ctx, const attune_clinic_rec *c)
{
	struct row *w = row_next(ctx);

	w->id = c->id;
	w->t = c->created_at;
	put_s(w, 0, c->name);
	return stop(ctx);
}

static int user_cb(void *ctx, const attune_user_rec *u)
{
	struct row *w = row_next(ctx);

	w->id = u->id;
	w->a = u->clinic_id;
	w->i1 = (int)u->role;
	w->b = u->site_id;
	w->t = u->created_at;
	put_s(w, 0, u->name);
	put_s(w, 1, u->display_name);
	put_s(w, 2, u->password_hash);
	return stop(ctx);
}

static int client_cb(void *ctx, const attune_client_rec *c)
{
	struct row *w = row_next(ctx);

	w->id = c->id;
	w->a = c->clinic_id;
	w->b = c->therapist_id;
	w->t = c->created_at;
	put_s(w, 0, c->code);
	put_s(w, 1, c->display_name);
	return stop(ctx);
}

static int episode_cb(void *ctx, const attune_episode_rec *e)
{
	struct row *w = row_next(ctx);

	w->id = e->id;
	w->a = e->client_id;
	put_s(w, 0, e->started);
	put_s(w, 1, e->ended);
	put_s(w, 2, e->end_reason);
	return stop(ctx);
}

static int session_cb(void *ctx, const attune_session_rec *s)
{
	struct row *w = row_next(ctx);

	w->id = s->id;
	w->a = s->episode_id;
	w->b = s->client_id;
	w->i1 = s->number;
	w->i2 = s->attended;
	put_s(w, 0, s->date);
	return stop(ctx);
}

static int response_cb(void *ctx, const attune_response_rec *r)
{
	struct row *w = row_next(ctx);

	w->id = r->id;
	w->a = r->session_id;
	w->b = r->client_id;
	w->i1 = r->session_number;
	w->i2 = r->respondent;
	w->t = r->recorded_at;
	put_s(w, 0, r->instrument);
	put_s(w, 1, r->instrument_version);
	put_s(w, 2, r->session_date);
	assert_true(r->n_values <= ATTUNE_ITEMS_MAX);
	w->nv = r->n_values;
	memcpy(w->v, r->values, r->n_values * sizeof(double));
	w->total = r->total;
	return stop(ctx);
}

static int audit_cb(void *ctx, const attune_audit_rec *a)
{
	struct row *w;
	struct rows *rs = ctx;

	if (rs->n == ROWS_MAX)
		return 0;        /* the newest ROWS_MAX are plenty */
	w = row_next(rs);
	w->id = a->id;
	w->a = a->user_id;
	w->t = a->at;
	put_s(w, 0, a->action);
	put_s(w, 1, a->object);
	put_s(w, 2, a->actor);
	put_s(w, 3, a->origin);
	put_s(w, 4, a->detail);
	return stop(ctx);
}

/* How many audit rows have this action (and object, unless NULL). */
static int audit_count(attune_store *st, const char *action,
                       const char *object)
{
	static struct rows A;
	size_t i;
	int n = 0;

	rows_reset(&A);
	OK(st, attune_store_audit_list(st, 0, 0, audit_cb, &A));
	for (i = 0; i < A.n; i++)
		if (strcmp(A.r[i].s[0], action) == 0 &&
		    (!object || strcmp(A.r[i].s[1], object) == 0))
			n++;
	return n;
}

static const char *object(const char *kind, attune_id id)
{
	static char buf[4][64];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s:%lld", kind, (long long)id);
	return buf[k];
}

/* ---- Fixture: a fresh store with two clinics and some users ---- */

struct fx {
	char loc[1024];
	attune_store *st;
	attune_id clinic, clinic2, admin, ther1, ther2, ther_other;
};

static attune_id add_user(attune_store *st, attune_id clinic,
                          const char *name, attune_role role)
{
	attune_user_rec u = {0};
	attune_id id = 0;

	u.clinic_id = clinic;
	u.name = name;
	u.role = role;
	OK(st, attune_store_user_add(st, &u, &id));
	assert_true(id > 0);
	return id;
}

static attune_id add_client(struct fx *f, const char *code,
                            attune_id therapist, const char *started)
{
	attune_client_rec c = {0};
	attune_id id = 0;

	c.clinic_id = f->clinic;
	c.therapist_id = therapist;
	c.code = code;
	OK(f->st, attune_store_client_add(f->st, &c, started, &id));
	assert_true(id > 0);
	return id;
}

static attune_id add_session(struct fx *f, attune_id client, int number,
                             const char *date)
{
	attune_session_rec s = {0};
	attune_id id = 0;

	s.client_id = client;
	s.number = number;
	s.date = date;
	s.attended = 1;
	OK(f->st, attune_store_session_add(f->st, &s, &id));
	return id;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	attune_err err;

	assert_non_null(f);
	eng->fresh(f->loc, sizeof(f->loc), "fx");
	if (attune_store_open(f->loc, ATTUNE_STORE_CREATE, &f->st, &err))
		fail_msg("open %s: %s", f->loc, err.msg);
	OK(f->st, attune_store_set_actor(f->st, 0, "test:setup", "test"));
	OK(f->st, attune_store_clinic_add(f->st, "Northside", &f->clinic));
	OK(f->st, attune_store_clinic_add(f->st, "Southside", &f->clinic2));
	f->admin = add_user(f->st, f->clinic, "admin", ATTUNE_ROLE_ADMIN);
	f->ther1 = add_user(f->st, f->clinic, "tess", ATTUNE_ROLE_THERAPIST);
	f->ther2 = add_user(f->st, f->clinic, "theo", ATTUNE_ROLE_THERAPIST);
	f->ther_other = add_user(f->st, f->clinic2, "tess",
	                         ATTUNE_ROLE_THERAPIST);
	OK(f->st, attune_store_set_actor(f->st, f->admin, "cli:admin", "cli"));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	attune_store_close(f->st);
	eng->remove(f->loc);
	free(f);
	return 0;
}

/* ---- Opening, creating, migrating ---- */

static void test_missing_without_create(void **state)
{
	char loc[1024];
	attune_store *st = (attune_store *)1;
	attune_err err;

	(void)state;
	eng->fresh(loc, sizeof(loc), "missing");
	assert_int_equal(attune_store_open(loc, 0, &st, &err),
	                 ATTUNE_ENOTFOUND);
	assert_null(st);
	HAS(err.msg, "ATTUNE_STORE_CREATE");
	assert_false(eng->exists(loc));      /* and nothing was created */
}

static void test_create_reopen(void **state)
{
	char loc[1024];
	attune_store *st;
	attune_err err;
	attune_id clinic;
	int v = -1;

	(void)state;
	eng->fresh(loc, sizeof(loc), "reopen");
	OK(NULL, attune_store_open(loc, ATTUNE_STORE_CREATE, &st, &err));
	assert_true(eng->exists(loc));
	OK(st, attune_store_schema_version(st, &v));
	assert_int_equal(v, attune_store_schema_latest());
	assert_true(attune_store_schema_latest() >= 1);
	OK(st, attune_store_set_actor(st, 0, "test", "test"));
	OK(st, attune_store_clinic_add(st, "Kept", &clinic));
	attune_store_close(st);

	/* Reopen without CREATE, and with CREATE: same data. */
	OK(NULL, attune_store_open(loc, 0, &st, &err));
	rows_reset(&R);
	OK(st, attune_store_clinic_list(st, clinic_cb, &R));
	assert_int_equal(R.n, 1);
	assert_int_equal(R.r[0].id, clinic);
	assert_string_equal(R.r[0].s[0], "Kept");
	attune_store_close(st);
	OK(NULL, attune_store_open(loc, ATTUNE_STORE_CREATE, &st, &err));
	rows_reset(&R);
	OK(st, attune_store_clinic_list(st, clinic_cb, &R));
	assert_int_equal(R.n, 1);
	attune_store_close(st);
	eng->remove(loc);
}

static void test_migrations_idempotent(void **state)
{
	char loc[1024];
	attune_store *st;
	attune_err err;
	int i, v;

	(void)state;
	eng->fresh(loc, sizeof(loc), "idem");
	for (i = 0; i < 4; i++) {
		OK(NULL, attune_store_open(loc, i == 0 ? ATTUNE_STORE_CREATE : 0,
		                           &st, &err));
		OK(st, attune_store_schema_version(st, &v));
		assert_int_equal(v, attune_store_schema_latest());
		OK(st, attune_store_set_actor(st, 0, "test", "test"));
		RC(st, i == 0 ? ATTUNE_OK : ATTUNE_EEXIST,
		   attune_store_clinic_add(st, "Once", NULL));
		attune_store_close(st);
	}
	eng->remove(loc);
}

static void test_newer_version_refused(void **state)
{
	char loc[1024];
	attune_store *st;
	attune_err err;

	(void)state;
	eng->fresh(loc, sizeof(loc), "newer");
	OK(NULL, attune_store_open(loc, ATTUNE_STORE_CREATE, &st, &err));
	attune_store_close(st);
	eng->force_version(loc, attune_store_schema_latest() + 1);
	st = (attune_store *)1;
	assert_int_equal(attune_store_open(loc, 0, &st, &err),
	                 ATTUNE_EVERSION);
	assert_null(st);
	HAS(err.msg, "schema version");
	assert_int_equal(attune_store_open(loc, ATTUNE_STORE_CREATE, &st,
	                                   &err), ATTUNE_EVERSION);
	eng->remove(loc);
}

static void test_open_arguments(void **state)
{
	char loc[1024];
	attune_store *st;
	attune_err err;

	(void)state;
	eng->fresh(loc, sizeof(loc), "args");
	assert_int_equal(attune_store_open(NULL, 0, &st, &err), ATTUNE_EINVAL);
	assert_int_equal(attune_store_open("", 0, &st, &err), ATTUNE_EINVAL);
	assert_int_equal(attune_store_open(loc, 0, NULL, &err), ATTUNE_EINVAL);
	assert_int_equal(attune_store_open(loc, 0x100, &st, &err),
	                 ATTUNE_EINVAL);
	assert_int_equal(attune_store_open(loc, ATTUNE_STORE_CREATE |
	                                   ATTUNE_STORE_READONLY, &st, &err),
	                 ATTUNE_EINVAL);
	assert_false(eng->exists(loc));
	/* A server that is not there (port 1 refuses at once): a clear
	 * error, and never the password. */
	st = (attune_store *)1;
	assert_int_equal(attune_store_open("postgresql://ann:s3cret-pw@"
	                                   "127.0.0.1:1/attune", 0, &st,
	                                   &err), ATTUNE_ESTORE);
	assert_null(st);
	HAS(err.msg, "cannot connect to PostgreSQL at "
	    "postgresql://ann:***@127.0.0.1:1/attune");
	assert_null(strstr(err.msg, "s3cret"));
	assert_int_equal(attune_store_open("host=127.0.0.1 port=1 "
	                                   "password=s3cret-pw dbname=x",
	                                   ATTUNE_STORE_CREATE, &st, &err),
	                 ATTUNE_ESTORE);
	HAS(err.msg, "password=*** dbname=x");
	assert_null(strstr(err.msg, "s3cret"));
	assert_int_equal(attune_store_open("POSTGRES://127.0.0.1:1/attune", 0,
	                                   &st, NULL), ATTUNE_ESTORE);
	/* Every function takes a NULL store without crashing. */
	attune_store_close(NULL);
	assert_non_null(attune_store_errmsg(NULL));
	assert_int_equal(attune_store_begin(NULL), ATTUNE_EINVAL);
	assert_int_equal(attune_store_clinic_add(NULL, "x", NULL),
	                 ATTUNE_EINVAL);
	assert_int_equal(attune_store_client_list(NULL, 1, 0, client_cb, &R),
	                 ATTUNE_EINVAL);
}

/* Every engine fills in every operation: an operation added to struct
 * attune_store_ops for one engine only fails here, naming its place,
 * instead of crashing the other engine. (All members after `name` are
 * function pointers of one size.) */
static void test_ops_complete(void **state)
{
	const struct attune_store_ops *const all[] = {
		&store_sqlite_ops, &store_pg_ops
	};
	void (*fn)(void);
	size_t k, off, i;

	(void)state;
	for (k = 0; k < sizeof(all) / sizeof(all[0]); k++) {
		off = offsetof(struct attune_store_ops, open);
		for (i = 0; off + sizeof(fn) <= sizeof(*all[k]);
		     i++, off += sizeof(fn)) {
			memcpy(&fn, (const char *)all[k] + off, sizeof(fn));
			if (!fn)
				fail_msg("%s: operation %zu (byte %zu) of struct "
				         "attune_store_ops is missing",
				         all[k]->name, i, off);
		}
	}
}

/* Which engine a location names, and how it is shown. */
static void test_locations(void **state)
{
	char buf[128];

	(void)state;
	assert_true(attune_store_location_is_server("postgresql://h/db"));
	assert_true(attune_store_location_is_server("PostgreSQL://h/db"));
	assert_true(attune_store_location_is_server("postgres://"));
	assert_true(attune_store_location_is_server("host=/run/pg dbname=a"));
	assert_true(attune_store_location_is_server(" dbname = attune"));
	assert_false(attune_store_location_is_server("attune.db"));
	assert_false(attune_store_location_is_server("./dbname=x"));
	assert_false(attune_store_location_is_server("hostname=x"));
	assert_false(attune_store_location_is_server("/srv/postgresql://x"));
	assert_false(attune_store_location_is_server(NULL));

	assert_string_equal(attune_store_location_safe("a/b.db", buf,
	                    sizeof(buf)), "a/b.db");
	assert_string_equal(attune_store_location_safe(
	                    "postgresql://u:pw@h:5/db?sslmode=require", buf,
	                    sizeof(buf)),
	                    "postgresql://u:***@h:5/db?sslmode=require");
	assert_string_equal(attune_store_location_safe(
	                    "postgresql://u@h/db?password=pw&x=1", buf,
	                    sizeof(buf)),
	                    "postgresql://u@h/db?password=***&x=1");
	assert_string_equal(attune_store_location_safe(
	                    "postgres://u:p@ss@h/db", buf, sizeof(buf)),
	                    "postgres://u:***@h/db");
	assert_string_equal(attune_store_location_safe(
	                    "postgresql://h/db", buf, sizeof(buf)),
	                    "postgresql://h/db");
	assert_string_equal(attune_store_location_safe(
	                    "host=h password='a b\\' c' user=u", buf,
	                    sizeof(buf)), "host=h password=*** user=u");
	assert_string_equal(attune_store_location_safe(
	                    "postgresql://u:pw@h/db", buf, 12),
	                    "postgresql:");
}

static void test_readonly(void **state)
{
	struct fx *f = *state;
	attune_store *ro;
	attune_err err;

	OK(NULL, attune_store_open(f->loc, ATTUNE_STORE_READONLY, &ro, &err));
	OK(ro, attune_store_set_actor(ro, 0, "test", "test"));
	rows_reset(&R);
	OK(ro, attune_store_clinic_list(ro, clinic_cb, &R));
	assert_int_equal(R.n, 2);
	RC(ro, ATTUNE_EINVAL, attune_store_clinic_add(ro, "No", NULL));
	HAS(attune_store_errmsg(ro), "read-only");
	/* Reading client data needs its audit row, so it is refused too. */
	RC(ro, ATTUNE_EINVAL,
	   attune_store_client_list(ro, f->clinic, 0, client_cb, &R));
	HAS(attune_store_errmsg(ro), "audit");
	RC(ro, ATTUNE_EINVAL, attune_store_begin(ro));
	attune_store_close(ro);
}

/* ---- Clinics and users ---- */

static void test_clinics(void **state)
{
	struct fx *f = *state;
	attune_id id;

	OK(f->st, attune_store_clinic_add(f->st, "Eastside", &id));
	RC(f->st, ATTUNE_EEXIST,
	   attune_store_clinic_add(f->st, "Northside", NULL));
	HAS(attune_store_errmsg(f->st), "Northside");
	rows_reset(&R);
	OK(f->st, attune_store_clinic_list(f->st, clinic_cb, &R));
	assert_int_equal(R.n, 3);                   /* ordered by name */
	assert_string_equal(R.r[0].s[0], "Eastside");
	assert_string_equal(R.r[1].s[0], "Northside");
	assert_string_equal(R.r[2].s[0], "Southside");
	assert_int_equal(R.r[0].id, id);
	assert_true(R.r[0].t > 0);
	assert_int_equal(audit_count(f->st, "clinic.add",
	                             object("clinic", id)), 1);
}

static void test_users(void **state)
{
	struct fx *f = *state;
	attune_user_rec u = {0};
	attune_id id;

	u.clinic_id = f->clinic;
	u.name = "sam";
	u.display_name = "Sam Supervisor";
	u.role = ATTUNE_ROLE_SUPERVISOR;
	u.password_hash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA";
	u.created_at = 1700000000;
	OK(f->st, attune_store_user_add(f->st, &u, &id));
	assert_int_equal(audit_count(f->st, "user.add", object("user", id)), 1);

	rows_reset(&R);
	OK(f->st, attune_store_user_find(f->st, f->clinic, "sam", user_cb, &R));
	assert_int_equal(R.n, 1);
	assert_int_equal(R.r[0].id, id);
	assert_int_equal(R.r[0].a, f->clinic);
	assert_int_equal(R.r[0].i1, ATTUNE_ROLE_SUPERVISOR);
	assert_int_equal(R.r[0].t, 1700000000);
	assert_string_equal(R.r[0].s[1], "Sam Supervisor");
	assert_string_equal(R.r[0].s[2], u.password_hash);

	/* A user without display name or password: NULLs come back. */
	rows_reset(&R);
	OK(f->st, attune_store_user_find(f->st, f->clinic, "tess", user_cb,
	                                 &R));
	assert_int_equal(R.r[0].id, f->ther1);
	assert_int_equal(R.r[0].null_mask, (1u << 1) | (1u << 2));

	/* Names are unique per clinic only. */
	RC(f->st, ATTUNE_EEXIST, attune_store_user_add(f->st, &u, NULL));
	HAS(attune_store_errmsg(f->st), "'sam' already exists in clinic");
	u.clinic_id = f->clinic2;
	OK(f->st, attune_store_user_add(f->st, &u, NULL));
	u.clinic_id = 9999;
	u.name = "nobody";
	RC(f->st, ATTUNE_ENOTFOUND, attune_store_user_add(f->st, &u, NULL));
	HAS(attune_store_errmsg(f->st), "no clinic 9999");

	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_user_find(f->st, f->clinic, "nobody", user_cb, &R));
	HAS(attune_store_errmsg(f->st), "nobody");

	rows_reset(&R);                     /* ordered by name */
	OK(f->st, attune_store_user_list(f->st, f->clinic, user_cb, &R));
	assert_int_equal(R.n, 4);
	assert_string_equal(R.r[0].s[0], "admin");
	assert_string_equal(R.r[1].s[0], "sam");
	assert_string_equal(R.r[2].s[0], "tess");
	assert_string_equal(R.r[3].s[0], "theo");
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_user_list(f->st, 9999, user_cb, &R));
}

/* ---- Clients ---- */

static void test_clients(void **state)
{
	struct fx *f = *state;
	attune_client_rec c = {0};
	attune_id c1, c2, c3, other;
	int64_t before = (int64_t)time(NULL);

	c3 = add_client(f, "C-03", f->ther1, "2024-03-01");
	c1 = add_client(f, "C-01", f->ther2, "2024-01-15");
	c.clinic_id = f->clinic;
	c.code = "C-02";
	c.display_name = "Jane Q. Example";
	c.therapist_id = f->ther1;
	c.created_at = 1600000000;
	OK(f->st, attune_store_client_add(f->st, &c, "2024-02-01", &c2));

	/* Same code in another clinic is fine; in the same, not. */
	c.clinic_id = f->clinic2;
	c.code = "C-01";
	c.therapist_id = 0;
	OK(f->st, attune_store_client_add(f->st, &c, NULL, &other));
	c.clinic_id = f->clinic;
	RC(f->st, ATTUNE_EEXIST, attune_store_client_add(f->st, &c, NULL, NULL));
	HAS(attune_store_errmsg(f->st), "client code 'C-01' already exists "
	    "in clinic");

	rows_reset(&R);                 /* all, ordered by code */
	OK(f->st, attune_store_client_list(f->st, f->clinic, 0, client_cb, &R));
	assert_int_equal(R.n, 3);
	assert_string_equal(R.r[0].s[0], "C-01");
	assert_string_equal(R.r[1].s[0], "C-02");
	assert_string_equal(R.r[2].s[0], "C-03");
	assert_int_equal(R.r[0].id, c1);
	assert_int_equal(R.r[1].id, c2);
	assert_int_equal(R.r[2].id, c3);
	assert_int_equal(R.r[1].b, f->ther1);
	assert_string_equal(R.r[1].s[1], "Jane Q. Example");
	assert_int_equal(R.r[1].t, 1600000000);
	assert_true(R.r[0].t >= before && R.r[0].t <= (int64_t)time(NULL));
	assert_true(R.r[0].null_mask & (1u << 1));

	rows_reset(&R);                 /* one therapist's */
	OK(f->st, attune_store_client_list(f->st, f->clinic, f->ther1,
	                                   client_cb, &R));
	assert_int_equal(R.n, 2);
	assert_string_equal(R.r[0].s[0], "C-02");
	assert_string_equal(R.r[1].s[0], "C-03");

	rows_reset(&R);
	OK(f->st, attune_store_client_list(f->st, f->clinic2, 0, client_cb,
	                                   &R));
	assert_int_equal(R.n, 1);
	assert_int_equal(R.r[0].id, other);
	assert_int_equal(R.r[0].b, 0);

	rows_reset(&R);
	OK(f->st, attune_store_client_find(f->st, f->clinic, "C-03",
	                                   client_cb, &R));
	assert_int_equal(R.n, 1);
	assert_int_equal(R.r[0].id, c3);
	assert_int_equal(R.r[0].a, f->clinic);
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_client_find(f->st, f->clinic, "C-99", client_cb, &R));
	HAS(attune_store_errmsg(f->st), "C-99");
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_client_find(f->st, 9999, "C-01", client_cb, &R));

	/* The first episode was opened with the client. */
	rows_reset(&R);
	OK(f->st, attune_store_episode_list(f->st, c1, episode_cb, &R));
	assert_int_equal(R.n, 1);
	assert_string_equal(R.r[0].s[0], "2024-01-15");
	assert_true(R.r[0].null_mask & (1u << 1));
}

static void test_client_started_today(void **state)
{
	struct fx *f = *state;
	char today[16];
	time_t t = time(NULL);
	struct tm tm;
	attune_id c;

	c = add_client(f, "C-TODAY", 0, NULL);
	localtime_r(&t, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	rows_reset(&R);
	OK(f->st, attune_store_episode_list(f->st, c, episode_cb, &R));
	assert_int_equal(R.n, 1);
	assert_string_equal(R.r[0].s[0], today);
}

static void test_client_references(void **state)
{
	struct fx *f = *state;
	attune_client_rec c = {0};

	c.code = "C-X";
	c.clinic_id = 9999;
	RC(f->st, ATTUNE_ENOTFOUND, attune_store_client_add(f->st, &c, NULL,
	                                                   NULL));
	HAS(attune_store_errmsg(f->st), "no clinic 9999");
	c.clinic_id = f->clinic;
	c.therapist_id = 9999;
	RC(f->st, ATTUNE_ENOTFOUND, attune_store_client_add(f->st, &c, NULL,
	                                                   NULL));
	HAS(attune_store_errmsg(f->st), "no user 9999");
	c.therapist_id = f->ther_other;     /* a therapist of clinic 2 */
	RC(f->st, ATTUNE_EINVAL, attune_store_client_add(f->st, &c, NULL,
	                                                NULL));
	HAS(attune_store_errmsg(f->st), "belongs to clinic");
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_client_list(f->st, 9999, 0, client_cb, &R));
	RC(f->st, ATTUNE_EINVAL, attune_store_client_list(f->st, f->clinic,
	   f->ther_other, client_cb, &R));
	rows_reset(&R);
	OK(f->st, attune_store_client_list(f->st, f->clinic, 0, client_cb, &R));
	assert_int_equal(R.n, 0);
	assert_int_equal(audit_count(f->st, "client.add", NULL), 0);
}

/* ---- Episodes and sessions ---- */

static void test_episodes(void **state)
{
	struct fx *f = *state;
	attune_id c, e1, e2;

	c = add_client(f, "C-EP", f->ther1, "2023-05-01");
	rows_reset(&R);
	OK(f->st, attune_store_episode_list(f->st, c, episode_cb, &R));
	e1 = R.r[0].id;

	RC(f->st, ATTUNE_EEXIST,
	   attune_store_episode_open(f->st, c, "2024-01-01", NULL));
	HAS(attune_store_errmsg(f->st), "already has an open episode");
	RC(f->st, ATTUNE_EINVAL,
	   attune_store_episode_close(f->st, e1, "2023-04-30", "completed"));
	HAS(attune_store_errmsg(f->st), "before it started");
	OK(f->st, attune_store_episode_close(f->st, e1, "2023-09-30",
	                                     "completed"));
	RC(f->st, ATTUNE_EINVAL,
	   attune_store_episode_close(f->st, e1, "2023-10-30", NULL));
	HAS(attune_store_errmsg(f->st), "already closed");
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_episode_close(f->st, 9999, "2023-10-30", NULL));
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_episode_open(f->st, 9999, "2023-10-30", NULL));
	OK(f->st, attune_store_episode_open(f->st, c, "2024-02-01", &e2));
	assert_true(e2 > e1);

	rows_reset(&R);                         /* ordered by start */
	OK(f->st, attune_store_episode_list(f->st, c, episode_cb, &R));
	assert_int_equal(R.n, 2);
	assert_int_equal(R.r[0].id, e1);
	assert_string_equal(R.r[0].s[1], "2023-09-30");
	assert_string_equal(R.r[0].s[2], "completed");
	assert_int_equal(R.r[1].id, e2);
	assert_string_equal(R.r[1].s[0], "2024-02-01");
	assert_int_equal(R.r[1].null_mask, (1u << 1) | (1u << 2));
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_episode_list(f->st, 9999, episode_cb, &R));
	assert_int_equal(audit_count(f->st, "episode.close",
	                             object("episode", e1)), 1);
	assert_int_equal(audit_count(f->st, "episode.add",
	                             object("episode", e2)), 1);
}

static void test_sessions(void **state)
{
	struct fx *f = *state;
	attune_session_rec s = {0};
	attune_id c, e1, e2, s2;

	c = add_client(f, "C-S", f->ther1, "2024-01-01");
	add_session(f, c, 2, "2024-01-15");
	add_session(f, c, 1, "2024-01-08");
	s2 = add_session(f, c, 3, "2024-01-22");
	assert_true(s2 > 0);

	s.client_id = c;
	s.number = 2;
	s.date = "2024-01-29";
	RC(f->st, ATTUNE_EEXIST, attune_store_session_add(f->st, &s, NULL));
	HAS(attune_store_errmsg(f->st), "session 2 already exists");

	rows_reset(&R);
	OK(f->st, attune_store_episode_list(f->st, c, episode_cb, &R));
	e1 = R.r[0].id;
	OK(f->st, attune_store_episode_close(f->st, e1, "2024-02-01", NULL));
	RC(f->st, ATTUNE_ENOTFOUND, attune_store_session_add(f->st, &s, NULL));
	HAS(attune_store_errmsg(f->st), "no open episode");
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_session_find(f->st, c, 1, session_cb, &R));

	/* A new episode numbers from 1 again. */
	OK(f->st, attune_store_episode_open(f->st, c, "2024-06-01", &e2));
	s.number = 1;
	s.date = "2024-06-03";
	s.attended = 0;
	OK(f->st, attune_store_session_add(f->st, &s, NULL));
	/* Into a closed episode by its id (late data entry). */
	s.client_id = 0;
	s.episode_id = e1;
	s.number = 4;
	s.date = "2024-01-29";
	s.attended = 1;
	OK(f->st, attune_store_session_add(f->st, &s, NULL));
	s.client_id = f->ther1;   /* not that episode's client */
	s.number = 5;
	RC(f->st, ATTUNE_EINVAL, attune_store_session_add(f->st, &s, NULL));
	s.client_id = 0;
	s.episode_id = 9999;
	RC(f->st, ATTUNE_ENOTFOUND, attune_store_session_add(f->st, &s, NULL));
	s.episode_id = 0;
	s.client_id = 9999;
	RC(f->st, ATTUNE_ENOTFOUND, attune_store_session_add(f->st, &s, NULL));

	rows_reset(&R);           /* by episode, then number */
	OK(f->st, attune_store_session_list(f->st, c, session_cb, &R));
	assert_int_equal(R.n, 5);
	assert_int_equal(R.r[0].i1, 1);
	assert_string_equal(R.r[0].s[0], "2024-01-08");
	assert_int_equal(R.r[1].i1, 2);
	assert_int_equal(R.r[2].i1, 3);
	assert_int_equal(R.r[2].id, s2);
	assert_int_equal(R.r[3].i1, 4);
	assert_int_equal(R.r[4].i1, 1);
	assert_int_equal(R.r[4].a, e2);
	assert_int_equal(R.r[4].b, c);
	assert_int_equal(R.r[4].i2, 0);
	assert_int_equal(R.r[0].a, e1);

	rows_reset(&R);           /* find looks in the current episode */
	OK(f->st, attune_store_session_find(f->st, c, 1, session_cb, &R));
	assert_int_equal(R.n, 1);
	assert_int_equal(R.r[0].a, e2);
	assert_string_equal(R.r[0].s[0], "2024-06-03");
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_session_find(f->st, c, 2, session_cb, &R));
	HAS(attune_store_errmsg(f->st), "no session 2");
	assert_int_equal(audit_count(f->st, "session.read",
	                             object("session", R.r[0].id)), 1);
	assert_int_equal(audit_count(f->st, "session.list",
	                             object("client", c)), 1);
}

/* ---- Responses ---- */

static void same_double(double got, double want, size_t i)
{
	if (isnan(want)) {
		if (!isnan(got))
			fail_msg("value %zu: got %.17g, want NaN", i, got);
	} else if (memcmp(&got, &want, sizeof(double)) != 0) {
		fail_msg("value %zu: got %.17g, want %.17g", i, got, want);
	}
}

static void test_response_values_round_trip(void **state)
{
	struct fx *f = *state;
	static const double v[] = {
		0.1, 1e-300, -2.5, NAN, 3, 0, -0.1, 1.7976931348623157e308,
		4.9406564584124654e-324, 2.2250738585072014e-308,
		0.30000000000000004, 123456789012345678.0, -1e22, NAN,
		1.0 / 3.0, 6.02214076e23, 1e15, 999999999999999.9,
	};
	attune_response_rec r = {0};
	attune_id c, s, id;
	size_t i, n = sizeof(v) / sizeof(v[0]);

	c = add_client(f, "C-R", f->ther1, "2024-01-01");
	s = add_session(f, c, 1, "2024-01-02");
	r.session_id = s;
	r.instrument = "phq9";
	r.instrument_version = "1.0";
	r.respondent = 0;
	r.values = v;
	r.n_values = n;
	r.total = NAN;
	r.recorded_at = 1704200000;
	OK(f->st, attune_store_response_add(f->st, &r, &id));

	/* One missing answer only; and a total that is not a short number. */
	r.values = v + 3;
	r.n_values = 1;
	r.total = 0.1 + 0.2;
	r.respondent = 1;
	r.instrument = "wai-sr";
	r.recorded_at = 1704200001;
	OK(f->st, attune_store_response_add(f->st, &r, NULL));

	rows_reset(&R);
	OK(f->st, attune_store_response_list(f->st, c, NULL, response_cb, &R));
	assert_int_equal(R.n, 2);
	assert_int_equal(R.r[0].id, id);
	assert_int_equal(R.r[0].nv, n);
	for (i = 0; i < n; i++)
		same_double(R.r[0].v[i], v[i], i);
	assert_true(isnan(R.r[0].total));
	assert_int_equal(R.r[0].t, 1704200000);
	assert_int_equal(R.r[0].a, s);
	assert_int_equal(R.r[0].b, c);
	assert_int_equal(R.r[0].i1, 1);
	assert_int_equal(R.r[0].i2, 0);
	assert_string_equal(R.r[0].s[0], "phq9");
	assert_string_equal(R.r[0].s[1], "1.0");
	assert_string_equal(R.r[0].s[2], "2024-01-02");
	assert_int_equal(R.r[1].nv, 1);
	assert_true(isnan(R.r[1].v[0]));
	same_double(R.r[1].total, 0.1 + 0.2, 0);
	assert_int_equal(R.r[1].i2, 1);
}

static void test_response_limits(void **state)
{
	struct fx *f = *state;
	double v[ATTUNE_ITEMS_MAX + 1];
	attune_response_rec r = {0};
	attune_id c, s;
	size_t i;

	c = add_client(f, "C-L", 0, "2024-01-01");
	s = add_session(f, c, 1, "2024-01-02");
	for (i = 0; i <= ATTUNE_ITEMS_MAX; i++)   /* the longest text */
		v[i] = -2.2250738585072014e-308;
	r.session_id = s;
	r.instrument = "big";
	r.instrument_version = "1";
	r.values = v;
	r.total = 1;
	r.n_values = ATTUNE_ITEMS_MAX;
	OK(f->st, attune_store_response_add(f->st, &r, NULL));
	r.n_values = ATTUNE_ITEMS_MAX + 1;
	RC(f->st, ATTUNE_ELIMIT, attune_store_response_add(f->st, &r, NULL));
	HAS(attune_store_errmsg(f->st), "ATTUNE_ITEMS_MAX");
	r.n_values = 0;
	RC(f->st, ATTUNE_EINVAL, attune_store_response_add(f->st, &r, NULL));
	r.n_values = 3;
	v[1] = INFINITY;
	RC(f->st, ATTUNE_EINVAL, attune_store_response_add(f->st, &r, NULL));
	HAS(attune_store_errmsg(f->st), "item value 2 is infinite");
	v[1] = 1;
	r.total = -INFINITY;
	RC(f->st, ATTUNE_EINVAL, attune_store_response_add(f->st, &r, NULL));
	r.total = 1;
	r.respondent = 2;
	RC(f->st, ATTUNE_EINVAL, attune_store_response_add(f->st, &r, NULL));
	r.respondent = 0;
	r.values = NULL;
	RC(f->st, ATTUNE_EINVAL, attune_store_response_add(f->st, &r, NULL));
	r.values = v;
	r.session_id = 9999;
	RC(f->st, ATTUNE_ENOTFOUND, attune_store_response_add(f->st, &r, NULL));
	HAS(attune_store_errmsg(f->st), "no session 9999");

	rows_reset(&R);
	OK(f->st, attune_store_response_list(f->st, c, NULL, response_cb, &R));
	assert_int_equal(R.n, 1);
	assert_int_equal(R.r[0].nv, ATTUNE_ITEMS_MAX);
	for (i = 0; i < ATTUNE_ITEMS_MAX; i++)
		same_double(R.r[0].v[i], -2.2250738585072014e-308, i);
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_response_list(f->st, 9999, NULL, response_cb, &R));
}

static void add_response(struct fx *f, attune_id session, const char *inst,
                         int64_t at, double value)
{
	attune_response_rec r = {0};

	r.session_id = session;
	r.instrument = inst;
	r.instrument_version = "1";
	r.values = &value;
	r.n_values = 1;
	r.total = value;
	r.recorded_at = at;
	OK(f->st, attune_store_response_add(f->st, &r, NULL));
}

static void test_response_order_and_filter(void **state)
{
	struct fx *f = *state;
	attune_id c, s1, s2;

	c = add_client(f, "C-O", 0, "2024-01-01");
	s2 = add_session(f, c, 2, "2024-01-09");
	s1 = add_session(f, c, 1, "2024-01-02");
	add_response(f, s2, "phq9", 300, 3);
	add_response(f, s1, "gad7", 200, 2);
	add_response(f, s1, "phq9", 100, 1);
	add_response(f, s2, "phq9", 250, 4);

	rows_reset(&R);       /* session number, then time */
	OK(f->st, attune_store_response_list(f->st, c, NULL, response_cb, &R));
	assert_int_equal(R.n, 4);
	assert_true(R.r[0].total == 1 && R.r[1].total == 2);
	assert_true(R.r[2].total == 4 && R.r[3].total == 3);
	assert_int_equal(R.r[3].i1, 2);

	rows_reset(&R);
	OK(f->st, attune_store_response_list(f->st, c, "phq9", response_cb,
	                                     &R));
	assert_int_equal(R.n, 3);
	assert_true(R.r[0].total == 1 && R.r[1].total == 4 &&
	            R.r[2].total == 3);
	rows_reset(&R);
	OK(f->st, attune_store_response_list(f->st, c, "core10", response_cb,
	                                     &R));
	assert_int_equal(R.n, 0);
}

/* attune_store_course_list(): what the three lists hand out client by
 * client, in their order; the same audit rows; its errors. */
static void test_course_list(void **state)
{
	static const char *const actions[] = {
		"episode.list", "session.list", "response.list"
	};
	static struct rows E, A;
	struct fx *f = *state;
	attune_id c[4], ids[4], s, e1;
	size_t i;

	c[0] = add_client(f, "C-K1", f->ther1, "2024-01-01");
	c[1] = add_client(f, "C-K2", 0, "2024-01-01");   /* no sessions */
	c[2] = add_client(f, "C-K3", f->ther1, "2023-01-01");
	c[3] = add_client(f, "C-K4", 0, "2024-03-01");
	s = add_session(f, c[0], 2, "2024-01-09");
	add_response(f, s, "phq9", 200, 3);
	s = add_session(f, c[0], 1, "2024-01-02");
	add_response(f, s, "phq9", 100, 5);
	add_response(f, s, "gad7", 90, 4);
	/* Two episodes, each with a session 1. */
	rows_reset(&R);
	OK(f->st, attune_store_episode_list(f->st, c[2], episode_cb, &R));
	e1 = R.r[0].id;
	s = add_session(f, c[2], 1, "2023-01-05");
	add_response(f, s, "phq9", 50, 9);
	OK(f->st, attune_store_episode_close(f->st, e1, "2023-06-30", NULL));
	OK(f->st, attune_store_episode_open(f->st, c[2], "2024-01-01", NULL));
	s = add_session(f, c[2], 1, "2024-01-03");
	add_response(f, s, "phq9", 150, 8);
	s = add_session(f, c[3], 3, "2024-03-04");
	add_response(f, s, "phq9", 300, 7);

	ids[0] = c[2];
	ids[1] = c[0];
	ids[2] = c[1];
	ids[3] = c[3];
	rows_reset(&E);
	for (i = 0; i < 4; i++) {
		OK(f->st, attune_store_episode_list(f->st, ids[i], episode_cb,
		                                    &E));
		OK(f->st, attune_store_session_list(f->st, ids[i], session_cb,
		                                    &E));
		OK(f->st, attune_store_response_list(f->st, ids[i], NULL,
		                                     response_cb, &E));
	}
	rows_reset(&R);
	OK(f->st, attune_store_course_list(f->st, ids, 4, episode_cb,
	                                   session_cb, response_cb, &R));
	assert_int_equal(R.n, E.n);
	assert_int_equal(R.n, 5 + 5 + 6);
	for (i = 0; i < R.n; i++)
		assert_memory_equal(&R.r[i], &E.r[i], sizeof(R.r[i]));
	/* The audit rows of the three lists, client by client (newest
	 * first here). */
	rows_reset(&A);
	OK(f->st, attune_store_audit_list(f->st, 0, 12, audit_cb, &A));
	assert_int_equal(A.n, 12);
	for (i = 0; i < 12; i++) {
		assert_string_equal(A.r[i].s[0], actions[2 - i % 3]);
		assert_string_equal(A.r[i].s[1],
		                    object("client", ids[3 - i / 3]));
		assert_true(A.r[i].null_mask & (1u << 4));  /* no detail */
	}
	/* Inside a transaction too (as the caseload page reads). */
	OK(f->st, attune_store_begin(f->st));
	rows_reset(&R);
	OK(f->st, attune_store_course_list(f->st, ids + 1, 1, episode_cb,
	                                   session_cb, response_cb, &R));
	OK(f->st, attune_store_commit(f->st));
	assert_int_equal(R.n, 1 + 2 + 3);

	/* A callback that stops, a missing client, bad arguments. */
	rows_reset(&R);
	R.stop_after = 3;
	assert_int_equal(attune_store_course_list(f->st, ids, 4, episode_cb,
	                                          session_cb, response_cb,
	                                          &R), 99);
	assert_int_equal(R.n, 3);
	ids[2] = 9999;
	rows_reset(&R);
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_course_list(f->st, ids, 4, episode_cb, session_cb,
	                            response_cb, &R));
	HAS(attune_store_errmsg(f->st), "no client 9999");
	ids[2] = 0;
	RC(f->st, ATTUNE_EINVAL,
	   attune_store_course_list(f->st, ids, 4, episode_cb, session_cb,
	                            response_cb, &R));
	RC(f->st, ATTUNE_EINVAL,
	   attune_store_course_list(f->st, ids, 1, episode_cb, NULL,
	                            response_cb, &R));
	rows_reset(&R);
	OK(f->st, attune_store_course_list(f->st, NULL, 0, episode_cb,
	                                   session_cb, response_cb, &R));
	assert_int_equal(R.n, 0);
}

/* ---- Callbacks ---- */

static void test_callback_stops(void **state)
{
	struct fx *f = *state;

	add_client(f, "C-1", 0, "2024-01-01");
	add_client(f, "C-2", 0, "2024-01-01");
	add_client(f, "C-3", 0, "2024-01-01");
	rows_reset(&R);
	R.stop_after = 2;
	assert_int_equal(attune_store_client_list(f->st, f->clinic, 0,
	                                          client_cb, &R), 99);
	assert_int_equal(R.n, 2);
	rows_reset(&R);
	R.stop_after = 1;
	assert_int_equal(attune_store_client_find(f->st, f->clinic, "C-2",
	                                          client_cb, &R), 99);
	rows_reset(&R);
	R.stop_after = 1;
	assert_int_equal(attune_store_clinic_list(f->st, clinic_cb, &R), 99);
	/* The store is still usable afterwards. */
	rows_reset(&R);
	OK(f->st, attune_store_client_list(f->st, f->clinic, 0, client_cb, &R));
	assert_int_equal(R.n, 3);
}

struct nest {
	struct fx *f;
	int n, sessions, inner, failed, added, txn_rc, number;
};

static int count_cb(void *ctx, const attune_session_rec *s)
{
	(void)s;
	((struct nest *)ctx)->sessions++;
	return 0;
}

static int count_client_cb(void *ctx, const attune_client_rec *c)
{
	(void)c;
	((struct nest *)ctx)->inner++;
	return 0;
}

/* Inside a client listing: read sessions, list clients again (the same
 * statement, still running), fail a change, try a transaction. */
static int nest_cb(void *ctx, const attune_client_rec *c)
{
	struct nest *x = ctx;
	attune_store *st = x->f->st;
	attune_client_rec dup = *c;

	x->n++;
	OK(st, attune_store_session_list(st, c->id, count_cb, x));
	OK(st, attune_store_client_list(st, c->clinic_id, 0, count_client_cb,
	                                x));
	x->failed += attune_store_client_add(st, &dup, NULL, NULL) ==
	             ATTUNE_EEXIST;
	if (strcmp(c->code, "C-A") == 0) {
		attune_session_rec s = {0};

		s.client_id = c->id;
		s.number = x->number;
		s.date = "2024-01-16";
		OK(st, attune_store_session_add(st, &s, NULL));
		x->added++;
	}
	x->txn_rc = attune_store_begin(st);
	return 0;
}

static void test_callback_reentry(void **state)
{
	struct fx *f = *state;
	struct nest x = {0};
	attune_id c;
	int in_txn;

	c = add_client(f, "C-A", 0, "2024-01-01");
	add_session(f, c, 1, "2024-01-02");
	add_session(f, c, 2, "2024-01-09");
	add_client(f, "C-B", 0, "2024-01-01");
	/* Alone, and inside the caller's transaction. */
	for (in_txn = 0; in_txn < 2; in_txn++) {
		memset(&x, 0, sizeof(x));
		x.f = f;
		x.number = 3 + in_txn;
		if (in_txn)
			OK(f->st, attune_store_begin(f->st));
		OK(f->st, attune_store_client_list(f->st, f->clinic, 0,
		                                   nest_cb, &x));
		assert_int_equal(x.n, 2);
		assert_int_equal(x.sessions, in_txn ? 3 : 2);
		assert_int_equal(x.inner, 4);
		assert_int_equal(x.failed, 2);
		assert_int_equal(x.added, 1);
		assert_int_equal(x.txn_rc, ATTUNE_EINVAL);
		if (in_txn)
			OK(f->st, attune_store_rollback(f->st));
	}
	rows_reset(&R);
	OK(f->st, attune_store_client_list(f->st, f->clinic, 0, client_cb, &R));
	assert_int_equal(R.n, 2);
	rows_reset(&R);     /* the session added in the first pass only */
	OK(f->st, attune_store_session_list(f->st, c, session_cb, &R));
	assert_int_equal(R.n, 3);
	/* Reads inside the rolled-back pass are still in the log. */
	assert_int_equal(audit_count(f->st, "client.list",
	                             object("clinic", f->clinic)), 2 * 3 + 1);
}

/* ---- Transactions ---- */

static void test_rollback_leaves_nothing(void **state)
{
	struct fx *f = *state;
	attune_id a, b;

	OK(f->st, attune_store_begin(f->st));
	RC(f->st, ATTUNE_EINVAL, attune_store_begin(f->st));   /* no nesting */
	a = add_client(f, "C-T1", f->ther1, "2024-01-01");
	b = add_client(f, "C-T2", 0, "2024-01-01");
	add_session(f, a, 1, "2024-01-02");
	OK(f->st, attune_store_rollback(f->st));
	RC(f->st, ATTUNE_EINVAL, attune_store_rollback(f->st));
	RC(f->st, ATTUNE_EINVAL, attune_store_commit(f->st));

	rows_reset(&R);
	OK(f->st, attune_store_client_list(f->st, f->clinic, 0, client_cb, &R));
	assert_int_equal(R.n, 0);
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_episode_list(f->st, a, episode_cb, &R));
	assert_int_equal(audit_count(f->st, "client.add", object("client", a)),
	                 0);
	assert_int_equal(audit_count(f->st, "client.add", object("client", b)),
	                 0);
	assert_int_equal(audit_count(f->st, "episode.add", NULL), 0);
	assert_int_equal(audit_count(f->st, "session.add", NULL), 0);
}

static void test_commit_composes(void **state)
{
	struct fx *f = *state;
	attune_client_rec c = {0};
	attune_id a, b;

	OK(f->st, attune_store_begin(f->st));
	a = add_client(f, "C-K1", 0, "2024-01-01");
	c.clinic_id = f->clinic;
	c.code = "C-K1";
	RC(f->st, ATTUNE_EEXIST, attune_store_client_add(f->st, &c, NULL, NULL));
	b = add_client(f, "C-K2", 0, "2024-01-01");
	OK(f->st, attune_store_commit(f->st));

	rows_reset(&R);
	OK(f->st, attune_store_client_list(f->st, f->clinic, 0, client_cb, &R));
	assert_int_equal(R.n, 2);
	assert_int_equal(R.r[0].id, a);
	assert_int_equal(R.r[1].id, b);
	/* The failed add left neither a client nor an audit row. */
	assert_int_equal(audit_count(f->st, "client.add", NULL), 2);
	assert_int_equal(audit_count(f->st, "episode.add", NULL), 2);
}

static void test_failed_multirow_changes_nothing(void **state)
{
	struct fx *f = *state;
	attune_client_rec c = {0};
	attune_id ok;

	c.clinic_id = f->clinic;
	c.code = "C-F";
	eng->break_episodes(f->loc, 1);
	/* The client row goes in, its episode fails: all of it undone. */
	RC(f->st, ATTUNE_ESTORE, attune_store_client_add(f->st, &c, NULL,
	                                                NULL));
	HAS(attune_store_errmsg(f->st), "injected failure");
	/* Inside a transaction: the failed call is undone, the rest kept. */
	OK(f->st, attune_store_begin(f->st));
	OK(f->st, attune_store_clinic_add(f->st, "Westside", NULL));
	RC(f->st, ATTUNE_ESTORE, attune_store_client_add(f->st, &c, NULL,
	                                                NULL));
	OK(f->st, attune_store_commit(f->st));
	eng->break_episodes(f->loc, 0);

	rows_reset(&R);
	OK(f->st, attune_store_client_list(f->st, f->clinic, 0, client_cb, &R));
	assert_int_equal(R.n, 0);
	assert_int_equal(audit_count(f->st, "client.add", NULL), 0);
	assert_int_equal(audit_count(f->st, "clinic.add", NULL), 3);
	/* And the same code can be added now. */
	OK(f->st, attune_store_client_add(f->st, &c, NULL, &ok));
	assert_int_equal(audit_count(f->st, "client.add", NULL), 1);
}

static void test_reads_audited_despite_rollback(void **state)
{
	struct fx *f = *state;
	attune_id a;

	a = add_client(f, "C-RD", 0, "2024-01-01");
	OK(f->st, attune_store_begin(f->st));
	rows_reset(&R);
	OK(f->st, attune_store_client_find(f->st, f->clinic, "C-RD",
	                                   client_cb, &R));
	OK(f->st, attune_store_audit(f->st, "report.view",
	                             object("client", a), "progress chart"));
	add_client(f, "C-GONE", 0, "2024-01-01");
	OK(f->st, attune_store_rollback(f->st));
	/* What was read stays read; what was added is gone. */
	assert_int_equal(audit_count(f->st, "client.read",
	                             object("client", a)), 1);
	assert_int_equal(audit_count(f->st, "report.view",
	                             object("client", a)), 1);
	assert_int_equal(audit_count(f->st, "client.add", NULL), 1);

	/* Closing with a transaction open rolls back, reads still kept. */
	OK(f->st, attune_store_begin(f->st));
	OK(f->st, attune_store_client_find(f->st, f->clinic, "C-RD",
	                                   client_cb, &R));
	attune_store_close(f->st);
	f->st = NULL;
	{
		attune_err err;

		OK(NULL, attune_store_open(f->loc, 0, &f->st, &err));
	}
	assert_int_equal(audit_count(f->st, "client.read",
	                             object("client", a)), 2);
}

/* ---- Audit ---- */

static int leak_check_cb(void *ctx, const attune_audit_rec *a)
{
	const char *const *bad = ctx;
	const char *field[] = {a->actor, a->origin, a->action, a->object,
	                       a->detail};
	size_t i, k;

	for (i = 0; i < sizeof(field) / sizeof(field[0]); i++)
		for (k = 0; bad[k]; k++)
			if (field[i] && strstr(field[i], bad[k]))
				fail_msg("audit row %lld holds '%s': %s",
				         (long long)a->id, bad[k], field[i]);
	return 0;
}

static void test_audit_rows(void **state)
{
	struct fx *f = *state;
	static const double v[] = {0.1, 1e-300, -7.25};
	static const char *const secret[] = {"Jane", "0.1", "1e-300", "-7.25",
	                                     "dropped", NULL};
	attune_client_rec c = {0};
	attune_response_rec r = {0};
	attune_id cid, eid, sid, rid;
	int64_t before = (int64_t)time(NULL);
	size_t i;

	OK(f->st, attune_store_set_actor(f->st, f->ther1, "web:tess",
	                                 "192.0.2.7"));
	c.clinic_id = f->clinic;
	c.code = "C-AU";
	c.display_name = "Jane Q. Example";
	OK(f->st, attune_store_client_add(f->st, &c, "2024-01-01", &cid));
	sid = add_session(f, cid, 1, "2024-01-02");
	r.session_id = sid;
	r.instrument = "phq9";
	r.instrument_version = "1";
	r.values = v;
	r.n_values = 3;
	r.total = 0.1;
	OK(f->st, attune_store_response_add(f->st, &r, &rid));
	rows_reset(&R);
	OK(f->st, attune_store_client_find(f->st, f->clinic, "C-AU",
	                                   client_cb, &R));
	OK(f->st, attune_store_client_list(f->st, f->clinic, f->ther1,
	                                   client_cb, &R));
	OK(f->st, attune_store_episode_list(f->st, cid, episode_cb, &R));
	eid = R.r[R.n - 1].id;
	OK(f->st, attune_store_session_list(f->st, cid, session_cb, &R));
	OK(f->st, attune_store_response_list(f->st, cid, "phq9", response_cb,
	                                     &R));
	OK(f->st, attune_store_episode_close(f->st, eid, "2024-02-01",
	                                     "dropped out"));

	rows_reset(&R);          /* newest first */
	OK(f->st, attune_store_audit_list(f->st, before, 0, audit_cb, &R));
	{
		static const char *const want[][3] = {
			{"episode.close", "episode", NULL},
			{"response.list", "client", "instrument:phq9"},
			{"session.list", "client", NULL},
			{"episode.list", "client", NULL},
			{"client.list", "clinic", NULL},
			{"client.read", "client", NULL},
			{"response.add", "response", NULL},
			{"session.add", "session", NULL},
			{"episode.add", "episode", NULL},
			{"client.add", "client", NULL},
		};
		size_t nwant = sizeof(want) / sizeof(want[0]);

		assert_true(R.n >= nwant);
		for (i = 0; i < nwant; i++) {
			const struct row *w = &R.r[i];

			assert_string_equal(w->s[0], want[i][0]);
			assert_int_equal(strncmp(w->s[1], want[i][1],
			                         strlen(want[i][1])), 0);
			if (want[i][2])
				assert_string_equal(w->s[4], want[i][2]);
			assert_string_equal(w->s[2], "web:tess");
			assert_string_equal(w->s[3], "192.0.2.7");
			assert_int_equal(w->a, f->ther1);
			assert_true(w->t >= before);
			if (i)
				assert_true(w->t <= R.r[i - 1].t);
		}
		assert_string_equal(R.r[0].s[1], object("episode", eid));
		assert_string_equal(R.r[5].s[1], object("client", cid));
		assert_string_equal(R.r[6].s[1], object("response", rid));
		assert_string_equal(R.r[7].s[1], object("session", sid));
		assert_string_equal(R.r[9].s[1], object("client", cid));
		assert_string_equal(R.r[4].s[4], object("therapist", f->ther1));
	}
	/* Never a display name, an item value or a reason in the log. */
	OK(f->st, attune_store_audit_list(f->st, 0, 0, leak_check_cb,
	                                  (void *)secret));

	/* limit and since */
	rows_reset(&R);
	OK(f->st, attune_store_audit_list(f->st, 0, 3, audit_cb, &R));
	assert_int_equal(R.n, 3);
	assert_string_equal(R.r[0].s[0], "episode.close");
	rows_reset(&R);
	OK(f->st, attune_store_audit_list(f->st, INT64_MAX, 0, audit_cb, &R));
	assert_int_equal(R.n, 0);

	/* By hand */
	OK(f->st, attune_store_audit(f->st, "report.export",
	                             object("client", cid), NULL));
	rows_reset(&R);
	OK(f->st, attune_store_audit_list(f->st, 0, 1, audit_cb, &R));
	assert_string_equal(R.r[0].s[0], "report.export");
	assert_true(R.r[0].null_mask & (1u << 4));
	RC(f->st, ATTUNE_EINVAL, attune_store_audit(f->st, "has space",
	                                            "client:1", NULL));
	RC(f->st, ATTUNE_EINVAL, attune_store_audit(f->st, "x", "", NULL));
}

static void test_actor_required(void **state)
{
	char loc[1024];
	attune_store *st;
	attune_err err;

	(void)state;
	eng->fresh(loc, sizeof(loc), "actor");
	OK(NULL, attune_store_open(loc, ATTUNE_STORE_CREATE, &st, &err));
	RC(st, ATTUNE_EINVAL, attune_store_clinic_add(st, "X", NULL));
	HAS(attune_store_errmsg(st), "attune_store_set_actor");
	RC(st, ATTUNE_EINVAL, attune_store_client_list(st, 1, 0, client_cb,
	                                               &R));
	RC(st, ATTUNE_EINVAL, attune_store_set_actor(st, 0, "", "cli"));
	RC(st, ATTUNE_EINVAL, attune_store_set_actor(st, 0, "x", NULL));
	RC(st, ATTUNE_EINVAL, attune_store_set_actor(st, -1, "x", "cli"));
	OK(st, attune_store_set_actor(st, 0, "cli:root", "cli"));
	OK(st, attune_store_clinic_add(st, "X", NULL));
	rows_reset(&R);
	OK(st, attune_store_audit_list(st, 0, 0, audit_cb, &R));
	assert_int_equal(R.n, 1);
	assert_int_equal(R.r[0].a, 0);
	assert_string_equal(R.r[0].s[2], "cli:root");
	attune_store_close(st);
	eng->remove(loc);
}

/* ---- Input validation ---- */

static void test_dates(void **state)
{
	struct fx *f = *state;
	static const char *const bad[] = {
		"2024-02-30", "2023-02-29", "1900-02-29", "2024-13-01",
		"2024-00-10", "2024-04-31", "0000-01-01", "2024-1-01",
		"2024-01-1", "2024/01/01", "24-01-01", "2024-01-010",
		"2024-01-0a", " 2024-01-01", "", NULL
	};
	static const char *const good[] = {
		"2024-02-29", "2000-02-29", "2023-12-31", "0001-01-01",
		"9999-12-31", NULL
	};
	attune_session_rec s = {0};
	attune_id c;
	size_t i;

	c = add_client(f, "C-D", 0, "0001-01-01");
	s.client_id = c;
	for (i = 0; bad[i]; i++) {
		s.number = (int)i + 1;
		s.date = bad[i];
		if (attune_store_session_add(f->st, &s, NULL) != ATTUNE_EINVAL)
			fail_msg("date '%s' was accepted", bad[i]);
		HAS(attune_store_errmsg(f->st), "session date");
	}
	s.date = NULL;
	RC(f->st, ATTUNE_EINVAL, attune_store_session_add(f->st, &s, NULL));
	for (i = 0; good[i]; i++) {
		s.number = (int)i + 1;
		s.date = good[i];
		OK(f->st, attune_store_session_add(f->st, &s, NULL));
	}
	RC(f->st, ATTUNE_EINVAL,
	   attune_store_episode_open(f->st, c, "2024-02-30", NULL));
	HAS(attune_store_errmsg(f->st), "2024-02-30");
	RC(f->st, ATTUNE_EINVAL,
	   attune_store_episode_close(f->st, 1, "2024-02-30", NULL));
	{
		attune_client_rec cr = {0};

		cr.clinic_id = f->clinic;
		cr.code = "C-BADDATE";
		RC(f->st, ATTUNE_EINVAL,
		   attune_store_client_add(f->st, &cr, "2024-02-30", NULL));
	}
}

static void test_code_limits(void **state)
{
	struct fx *f = *state;
	char code[ATTUNE_ID_MAX + 2];
	attune_client_rec c = {0};
	attune_id id;

	c.clinic_id = f->clinic;
	c.code = "";
	RC(f->st, ATTUNE_EINVAL, attune_store_client_add(f->st, &c, NULL, NULL));
	HAS(attune_store_errmsg(f->st), "client code is empty");
	c.code = NULL;
	RC(f->st, ATTUNE_EINVAL, attune_store_client_add(f->st, &c, NULL, NULL));
	c.code = "C 01";
	RC(f->st, ATTUNE_EINVAL, attune_store_client_add(f->st, &c, NULL, NULL));
	c.code = "C-\xc3\xa9";
	RC(f->st, ATTUNE_EINVAL, attune_store_client_add(f->st, &c, NULL, NULL));

	/* Exactly at the limit: stored and found again. */
	memset(code, 'x', sizeof(code));
	code[ATTUNE_ID_MAX] = '\0';
	c.code = code;
	OK(f->st, attune_store_client_add(f->st, &c, NULL, &id));
	rows_reset(&R);
	OK(f->st, attune_store_client_find(f->st, f->clinic, code, client_cb,
	                                   &R));
	assert_int_equal(R.r[0].id, id);
	assert_int_equal(strlen(R.r[0].s[0]), ATTUNE_ID_MAX);
	/* One past it: refused, with the limit named. */
	code[ATTUNE_ID_MAX] = 'x';
	code[ATTUNE_ID_MAX + 1] = '\0';
	RC(f->st, ATTUNE_ELIMIT, attune_store_client_add(f->st, &c, NULL, NULL));
	HAS(attune_store_errmsg(f->st), "ATTUNE_ID_MAX");
	RC(f->st, ATTUNE_ELIMIT, attune_store_client_find(f->st, f->clinic,
	                                                 code, client_cb, &R));

	/* User names and instrument ids follow the same rule. */
	{
		attune_user_rec u = {0};

		u.clinic_id = f->clinic;
		u.name = code;
		RC(f->st, ATTUNE_ELIMIT, attune_store_user_add(f->st, &u, NULL));
		code[ATTUNE_ID_MAX] = '\0';
		OK(f->st, attune_store_user_add(f->st, &u, NULL));
	}
	/* Display names: UTF-8 welcome, control characters and bad UTF-8
	 * not, empty means "pass NULL". */
	c.code = "C-U";
	c.display_name = "Zo\xc3\xab \xe5\xbc\xa0";
	OK(f->st, attune_store_client_add(f->st, &c, NULL, NULL));
	c.code = "C-V";
	c.display_name = "bad\xc3";
	RC(f->st, ATTUNE_EINVAL, attune_store_client_add(f->st, &c, NULL, NULL));
	c.display_name = "tab\there";
	RC(f->st, ATTUNE_EINVAL, attune_store_client_add(f->st, &c, NULL, NULL));
	c.display_name = "";
	RC(f->st, ATTUNE_EINVAL, attune_store_client_add(f->st, &c, NULL, NULL));
	HAS(attune_store_errmsg(f->st), "pass NULL");
}

static void test_other_validation(void **state)
{
	struct fx *f = *state;
	attune_user_rec u = {0};
	attune_session_rec s = {0};
	attune_client_rec c = {0};
	attune_id cl;

	u.clinic_id = f->clinic;
	u.name = "r";
	u.role = (attune_role)3;
	RC(f->st, ATTUNE_EINVAL, attune_store_user_add(f->st, &u, NULL));
	HAS(attune_store_errmsg(f->st), "role");
	u.role = (attune_role)-1;
	RC(f->st, ATTUNE_EINVAL, attune_store_user_add(f->st, &u, NULL));
	u.role = ATTUNE_ROLE_ADMIN;
	u.clinic_id = 0;
	RC(f->st, ATTUNE_EINVAL, attune_store_user_add(f->st, &u, NULL));
	RC(f->st, ATTUNE_EINVAL, attune_store_user_add(f->st, NULL, NULL));

	cl = add_client(f, "C-V", 0, "2024-01-01");
	s.client_id = cl;
	s.date = "2024-01-02";
	s.number = 0;
	RC(f->st, ATTUNE_EINVAL, attune_store_session_add(f->st, &s, NULL));
	HAS(attune_store_errmsg(f->st), "session number");
	s.number = -3;
	RC(f->st, ATTUNE_EINVAL, attune_store_session_add(f->st, &s, NULL));
	s.number = 1;
	s.attended = 2;
	RC(f->st, ATTUNE_EINVAL, attune_store_session_add(f->st, &s, NULL));
	s.attended = 1;
	s.client_id = 0;
	RC(f->st, ATTUNE_EINVAL, attune_store_session_add(f->st, &s, NULL));
	s.client_id = -1;
	RC(f->st, ATTUNE_EINVAL, attune_store_session_add(f->st, &s, NULL));
	RC(f->st, ATTUNE_EINVAL,
	   attune_store_session_find(f->st, cl, 0, session_cb, &R));
	RC(f->st, ATTUNE_EINVAL,
	   attune_store_session_list(f->st, cl, NULL, NULL));
	RC(f->st, ATTUNE_EINVAL,
	   attune_store_client_list(f->st, 0, 0, client_cb, &R));

	c.clinic_id = f->clinic;
	c.code = "C-NEG";
	c.created_at = -1;
	RC(f->st, ATTUNE_EINVAL, attune_store_client_add(f->st, &c, NULL, NULL));
	c.created_at = 0;
	c.therapist_id = -2;
	RC(f->st, ATTUNE_EINVAL, attune_store_client_add(f->st, &c, NULL, NULL));
	RC(f->st, ATTUNE_EINVAL, attune_store_clinic_add(f->st, "", NULL));
	RC(f->st, ATTUNE_EINVAL, attune_store_clinic_add(f->st, NULL, NULL));
	RC(f->st, ATTUNE_EINVAL,
	   attune_store_response_list(f->st, cl, "", response_cb, &R));
	/* Nothing above left a trace. */
	rows_reset(&R);
	OK(f->st, attune_store_client_list(f->st, f->clinic, 0, client_cb, &R));
	assert_int_equal(R.n, 1);
}

/* ---- SQLite only ---- */

static void test_sqlite_not_a_database(void **state)
{
	static const char text[] = "id,phq9\n1,12\nthis is a CSV file, not "
	                           "an SQLite database\n";
	char loc[1024], big[8192];
	attune_store *st = (attune_store *)1;
	attune_err err;
	FILE *fp;
	int pass;

	(void)state;
	for (pass = 0; pass < 2; pass++) {
		sq_fresh(loc, sizeof(loc), "notadb");
		fp = fopen(loc, "wb");
		assert_non_null(fp);
		if (pass == 0) {
			fwrite(text, 1, sizeof(text) - 1, fp);
		} else {
			memset(big, 'z', sizeof(big));
			fwrite(big, 1, sizeof(big), fp);
		}
		fclose(fp);
		assert_int_equal(attune_store_open(loc, 0, &st, &err),
		                 ATTUNE_ESTORE);
		assert_null(st);
		HAS(err.msg, "is not an SQLite database");
		HAS(err.msg, loc);
		assert_int_equal(attune_store_open(loc, ATTUNE_STORE_CREATE, &st,
		                                   &err), ATTUNE_ESTORE);
		{
			struct stat sb;      /* left as it was */

			assert_int_equal(stat(loc, &sb), 0);
			assert_int_equal((size_t)sb.st_size,
			                 pass ? sizeof(big) : sizeof(text) - 1);
		}
		unlink_db(loc);
	}
}

static void test_sqlite_foreign_database(void **state)
{
	char loc[1024], dir[1100];
	attune_store *st;
	attune_err err;
	FILE *fp;

	(void)state;
	/* Some other program's SQLite database. */
	sq_fresh(loc, sizeof(loc), "foreign");
	{
		sqlite3 *db;

		assert_int_equal(sqlite3_open(loc, &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x)", NULL,
		                              NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
	}
	assert_int_equal(attune_store_open(loc, ATTUNE_STORE_CREATE, &st, &err),
	                 ATTUNE_ESTORE);
	HAS(err.msg, "not an attune one");
	unlink_db(loc);

	/* An empty file: a database only with CREATE. */
	fp = fopen(loc, "wb");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(attune_store_open(loc, 0, &st, &err),
	                 ATTUNE_ENOTFOUND);
	{
		struct stat sb;      /* and it was not touched */

		assert_int_equal(stat(loc, &sb), 0);
		assert_int_equal(sb.st_size, 0);
	}
	OK(NULL, attune_store_open(loc, ATTUNE_STORE_CREATE, &st, &err));
	attune_store_close(st);
	unlink_db(loc);

	/* A directory, and a file in a missing directory. */
	assert_int_equal(attune_store_open(tmpdir(), ATTUNE_STORE_CREATE, &st,
	                                   &err), ATTUNE_EINVAL);
	snprintf(dir, sizeof(dir), "%s/no-such-dir/x.db", tmpdir());
	assert_int_equal(attune_store_open(dir, 0, &st, &err),
	                 ATTUNE_ENOTFOUND);
	assert_int_equal(attune_store_open(dir, ATTUNE_STORE_CREATE, &st,
	                                   &err), ATTUNE_ESTORE);
	HAS(err.msg, "cannot open");
}

static int64_t pragma(sqlite3 *db, const char *sql, char *text, size_t n)
{
	sqlite3_stmt *s;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int64(s, 0);
	if (text)
		snprintf(text, n, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return v;
}

static void test_sqlite_settings(void **state)
{
	struct fx *f = *state;
	sqlite3 *db = store_sqlite_db(f->st);
	char mode[32];
	int rc;

	assert_non_null(db);
	pragma(db, "PRAGMA journal_mode", mode, sizeof(mode));
	assert_string_equal(mode, "wal");
	assert_int_equal(pragma(db, "PRAGMA foreign_keys", NULL, 0), 1);
	assert_int_equal(pragma(db, "PRAGMA synchronous", NULL, 0), 1);
	assert_int_equal(pragma(db, "PRAGMA busy_timeout", NULL, 0), 5000);
	assert_int_equal(pragma(db, "SELECT count(*) FROM schema_version",
	                        NULL, 0), attune_store_schema_latest());
	/* The database itself refuses rows that point nowhere. */
	rc = sqlite3_exec(db, "INSERT INTO sessions (episode_id, number, date,"
	                  " attended) VALUES (9999, 1, '2024-01-01', 0)",
	                  NULL, NULL, NULL);
	assert_int_equal(sqlite3_extended_errcode(db),
	                 SQLITE_CONSTRAINT_FOREIGNKEY);
	assert_int_not_equal(rc, SQLITE_OK);
	assert_null(store_sqlite_db(NULL));
}

static void test_sqlite_damaged_values(void **state)
{
	struct fx *f = *state;
	attune_id c, s;

	c = add_client(f, "C-DMG", 0, "2024-01-01");
	s = add_session(f, c, 1, "2024-01-02");
	add_response(f, s, "phq9", 100, 1);
	raw_exec(f->loc, "UPDATE responses SET item_values = '1,,x,2'");
	rows_reset(&R);
	RC(f->st, ATTUNE_ESTORE,
	   attune_store_response_list(f->st, c, NULL, response_cb, &R));
	HAS(attune_store_errmsg(f->st), "item value 3");
	/* A read that failed half-way is still audited. */
	assert_int_equal(audit_count(f->st, "response.list",
	                             object("client", c)), 1);
	raw_exec(f->loc, "UPDATE responses SET item_values = '1,,3'");
	rows_reset(&R);
	OK(f->st, attune_store_response_list(f->st, c, NULL, response_cb, &R));
	assert_int_equal(R.r[0].nv, 3);
	assert_true(isnan(R.r[0].v[1]));
}

/* Writers in one process queue for the write lock instead of polling in
 * SQLite's busy handler, so none fails with "database is locked" however
 * many there are, and their commits share WAL syncs (group commit). */
#define WRITERS 6
#define WRITES 60

struct writer {
	const char *loc;
	attune_id clinic;
	int n;
	int failed;
	char err[ATTUNE_ERR_MAX];
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	attune_store *st;
	attune_err err;
	char code[32];
	int i;

	if (attune_store_open(w->loc, 0, &st, &err) != ATTUNE_OK) {
		snprintf(w->err, sizeof(w->err), "%s", err.msg);
		w->failed = 1;
		return NULL;
	}
	attune_store_set_actor(st, 0, "test:writer", "test");
	for (i = 0; i < WRITES; i++) {
		attune_client_rec c = {0};
		attune_id id;

		snprintf(code, sizeof(code), "W%d-%d", w->n, i);
		c.clinic_id = w->clinic;
		c.code = code;
		/* Every third write in a caller's transaction that stays
		 * open a little, holding the lock. */
		if (i % 3 == 0) {
			if (attune_store_begin(st) ||
			    attune_store_client_add(st, &c, "2024-01-01", &id)) {
				w->failed = 1;
				break;
			}
			struct timespec ts = {0, 200000};

			nanosleep(&ts, NULL);
			if (attune_store_commit(st)) {
				w->failed = 1;
				break;
			}
		} else if (attune_store_client_add(st, &c, "2024-01-01",
		                                   &id)) {
			w->failed = 1;
			break;
		}
	}
	if (w->failed)
		snprintf(w->err, sizeof(w->err), "%s", attune_store_errmsg(st));
	attune_store_close(st);
	return NULL;
}

static int writers_count_cb(void *ctx, const attune_client_rec *c)
{
	(void)c;
	++*(size_t *)ctx;
	return 0;
}

static void test_sqlite_concurrent_writers(void **state)
{
	struct fx *f = *state;
	struct writer w[WRITERS];
	pthread_t th[WRITERS];
	uint64_t committed0, committed, synced, rounds;
	size_t n = 0;
	int i;

	OK(f->st, store_sqlite_sync_stats(f->st, &committed0, &synced,
	                                  &rounds));
	for (i = 0; i < WRITERS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].loc = f->loc;
		w[i].clinic = f->clinic;
		w[i].n = i;
		assert_int_equal(pthread_create(&th[i], NULL, writer_main,
		                                &w[i]), 0);
	}
	for (i = 0; i < WRITERS; i++) {
		pthread_join(th[i], NULL);
		if (w[i].failed)
			fail_msg("writer %d: %s", i, w[i].err);
	}
	OK(f->st, attune_store_client_list(f->st, f->clinic, 0, writers_count_cb,
	                                   &n));
	assert_int_equal(n, WRITERS * WRITES);
	OK(f->st, store_sqlite_sync_stats(f->st, &committed, &synced,
	                                  &rounds));
	/* Every write was a commit that changed something (+ the list's
	 * audit row), and every one of them is on disk. */
	assert_true(committed - committed0 >= WRITERS * WRITES);
	assert_true(synced == committed);
	assert_true(rounds >= 1 && rounds <= committed);
}

/* The audit row of a read outside any transaction is a durable commit
 * of its own: counted, and on disk before the call returns. */
static void test_sqlite_audit_alone_durable(void **state)
{
	struct fx *f = *state;
	uint64_t c0, s0, r0, c1, s1, r1, rows0, b0, rows1, b1;

	OK(f->st, store_sqlite_sync_stats(f->st, &c0, &s0, &r0));
	OK(f->st, attune_store_audit_stats(f->st, &rows0, &b0));
	OK(f->st, attune_store_audit(f->st, "test.alone", "client:1", NULL));
	OK(f->st, store_sqlite_sync_stats(f->st, &c1, &s1, &r1));
	OK(f->st, attune_store_audit_stats(f->st, &rows1, &b1));
	assert_true(c1 == c0 + 1 && s1 == c1 && r1 == r0 + 1);
	assert_true(rows1 == rows0 + 1 && b1 == b0 + 1);
	/* Inside a transaction the row joins it: no batch of its own. */
	OK(f->st, attune_store_begin(f->st));
	OK(f->st, attune_store_audit(f->st, "test.joined", "client:1", NULL));
	OK(f->st, attune_store_commit(f->st));
	OK(f->st, attune_store_audit_stats(f->st, &rows0, &b0));
	assert_true(rows0 == rows1 && b0 == b1);
	OK(f->st, store_sqlite_sync_stats(f->st, &c0, &s0, &r0));
	assert_true(c0 == c1 + 1 && s0 == c0);
}

/* Threads writing audit rows of reads at the same time, each through
 * its own handle: every row is written once, none fails, every batch is
 * on disk, and (nothing shared in the counts can be forced, so only)
 * no more batches than rows. */
#define AUDITORS 8
#define AUDITS 150

struct auditor {
	const char *loc;
	int n;
	int failed;
	char err[ATTUNE_ERR_MAX];
};

static void *auditor_main(void *arg)
{
	struct auditor *w = arg;
	attune_store *st;
	attune_err err;
	char o[32];
	int i;

	if (attune_store_open(w->loc, 0, &st, &err) != ATTUNE_OK) {
		snprintf(w->err, sizeof(w->err), "%s", err.msg);
		w->failed = 1;
		return NULL;
	}
	attune_store_set_actor(st, 0, "test:auditor", "test");
	for (i = 0; i < AUDITS && !w->failed; i++) {
		snprintf(o, sizeof(o), "client:%d", w->n * 1000 + i);
		if (attune_store_audit(st, "test.view", o, "batched"))
			w->failed = 1;
	}
	if (w->failed)
		snprintf(w->err, sizeof(w->err), "%s", attune_store_errmsg(st));
	attune_store_close(st);
	return NULL;
}

static int audit_count_cb(void *ctx, const attune_audit_rec *a)
{
	int *seen = ctx;
	int k;

	if (strcmp(a->action, "test.view") != 0)
		return 0;
	k = atoi(a->object + strlen("client:"));
	assert_true(k / 1000 < AUDITORS && k % 1000 < AUDITS);
	seen[(k / 1000) * AUDITS + k % 1000]++;
	return 0;
}

static void test_sqlite_concurrent_audit_rows(void **state)
{
	struct fx *f = *state;
	struct auditor w[AUDITORS];
	pthread_t th[AUDITORS];
	uint64_t c0, s0, r0, c1, s1, r1, rows0, b0, rows1, b1;
	static int seen[AUDITORS * AUDITS];
	int i;

	OK(f->st, store_sqlite_sync_stats(f->st, &c0, &s0, &r0));
	OK(f->st, attune_store_audit_stats(f->st, &rows0, &b0));
	for (i = 0; i < AUDITORS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].loc = f->loc;
		w[i].n = i;
		assert_int_equal(pthread_create(&th[i], NULL, auditor_main,
		                                &w[i]), 0);
	}
	for (i = 0; i < AUDITORS; i++) {
		pthread_join(th[i], NULL);
		if (w[i].failed)
			fail_msg("auditor %d: %s", i, w[i].err);
	}
	OK(f->st, store_sqlite_sync_stats(f->st, &c1, &s1, &r1));
	OK(f->st, attune_store_audit_stats(f->st, &rows1, &b1));
	assert_true(rows1 - rows0 == AUDITORS * AUDITS);
	assert_true(b1 - b0 >= 1 && b1 - b0 <= rows1 - rows0);
	assert_true(c1 - c0 == b1 - b0);   /* each batch one commit */
	assert_true(s1 == c1);
	memset(seen, 0, sizeof(seen));
	OK(f->st, attune_store_audit_list(f->st, 0, 0, audit_count_cb, seen));
	for (i = 0; i < AUDITORS * AUDITS; i++)
		if (seen[i] != 1)
			fail_msg("audit row %d written %d times", i, seen[i]);
}

/* A read-only transaction changes nothing and costs no sync. */
static void test_sqlite_no_sync_without_changes(void **state)
{
	struct fx *f = *state;
	uint64_t c0, s0, r0, c1, s1, r1;

	OK(f->st, store_sqlite_sync_stats(f->st, &c0, &s0, &r0));
	OK(f->st, attune_store_begin(f->st));
	OK(f->st, attune_store_commit(f->st));
	OK(f->st, store_sqlite_sync_stats(f->st, &c1, &s1, &r1));
	assert_true(c1 == c0 && r1 == r0);
	add_client(f, "C-SYNC", 0, "2024-01-01");
	OK(f->st, store_sqlite_sync_stats(f->st, &c1, &s1, &r1));
	assert_true(c1 == c0 + 1 && s1 == c1 && r1 == r0 + 1);
}

/* Two handles on one file: one sees the other's commits. */
static void test_sqlite_two_handles(void **state)
{
	struct fx *f = *state;
	attune_store *other;
	attune_err err;

	OK(NULL, attune_store_open(f->loc, 0, &other, &err));
	OK(other, attune_store_set_actor(other, 0, "test:other", "test"));
	add_client(f, "C-SHARED", 0, "2024-01-01");
	rows_reset(&R);
	OK(other, attune_store_client_find(other, f->clinic, "C-SHARED",
	                                   client_cb, &R));
	assert_int_equal(R.n, 1);
	attune_store_close(other);
}

/* Out of memory inside SQLite (after SQLite's malloc tests): the Nth
 * allocation and every one after it fail, for every 11th N (every N with
 * ATTUNE_TEST_TORTURE=1). Every call must then return
 * an error, never crash or leak, and what reached the disk must be whole:
 * a client is there with its episode and audit row, or not at all. */
static sqlite3_mem_methods real_mem;
static long oom_countdown = -1;       /* -1: never fail */

static int oom_now(void)
{
	if (oom_countdown < 0)
		return 0;
	if (oom_countdown == 0)
		return 1;
	oom_countdown--;
	return 0;
}

static void *oom_malloc(int n)
{
	return oom_now() ? NULL : real_mem.xMalloc(n);
}

static void *oom_realloc(void *p, int n)
{
	return oom_now() ? NULL : real_mem.xRealloc(p, n);
}

static void oom_install(void)
{
	static sqlite3_mem_methods mine;

	sqlite3_config(SQLITE_CONFIG_GETMALLOC, &real_mem);
	mine = real_mem;
	mine.xMalloc = oom_malloc;
	mine.xRealloc = oom_realloc;
	sqlite3_config(SQLITE_CONFIG_MALLOC, &mine);
}

static int oom_ok_rc(int rc)
{
	return rc == ATTUNE_ENOMEM || rc == ATTUNE_ESTORE;
}

/* The work done under failing allocations; stops at the first error. */
static int oom_scenario(const char *loc)
{
	attune_store *st = NULL;
	attune_client_rec c = {0};
	attune_session_rec s = {0};
	attune_response_rec r = {0};
	double v[3] = {1, NAN, 0.25};
	attune_id clinic = 0, client = 0, session = 0;
	attune_err err;
	int rc;

	rc = attune_store_open(loc, ATTUNE_STORE_CREATE, &st, &err);
	if (rc) {
		assert_null(st);
		assert_true(err.msg[0] != '\0');
		return rc;
	}
	c.code = "C-1";
	s.number = 1;
	s.date = "2024-01-02";
	r.instrument = "phq9";
	r.instrument_version = "1";
	r.values = v;
	r.n_values = 3;
	r.total = NAN;
	if ((rc = attune_store_set_actor(st, 0, "test", "test")) ||
	    (rc = attune_store_clinic_add(st, "Clinic", &clinic)) ||
	    (c.clinic_id = clinic, 0) ||
	    (rc = attune_store_client_add(st, &c, "2024-01-01", &client)) ||
	    (s.client_id = client, 0) ||
	    (rc = attune_store_session_add(st, &s, &session)) ||
	    (r.session_id = session, 0) ||
	    (rc = attune_store_begin(st)) ||
	    (rc = attune_store_response_add(st, &r, NULL)) ||
	    (rc = attune_store_response_list(st, client, NULL, response_cb,
	                                     (rows_reset(&R), &R))) ||
	    (rc = attune_store_commit(st)))
		assert_true(attune_store_errmsg(st)[0] != '\0');
	attune_store_close(st);
	return rc;
}

static int oom_count_cb(void *ctx, const attune_episode_rec *e)
{
	(void)e;
	++*(int *)ctx;
	return 0;
}

/* After a failed run: the database opens and is consistent. */
static void oom_check(const char *loc)
{
	attune_store *st;
	attune_err err;
	int rc, n = 0;

	rc = attune_store_open(loc, ATTUNE_STORE_CREATE, &st, &err);
	if (rc)
		fail_msg("reopen after OOM: %s", err.msg);
	OK(st, attune_store_set_actor(st, 0, "check", "test"));
	rows_reset(&R);
	rc = attune_store_client_find(st, 1, "C-1", client_cb, &R);
	if (rc == ATTUNE_OK) {
		OK(st, attune_store_episode_list(st, R.r[0].id, oom_count_cb,
		                                 &n));
		assert_int_equal(n, 1);
		assert_int_equal(audit_count(st, "client.add",
		                             object("client", R.r[0].id)), 1);
		assert_int_equal(audit_count(st, "episode.add", NULL), 1);
	} else {
		assert_int_equal(audit_count(st, "client.add", NULL), 0);
		assert_int_equal(audit_count(st, "episode.add", NULL), 0);
	}
	attune_store_close(st);
}

static void test_sqlite_out_of_memory(void **state)
{
	char loc[1024];
	const char *full = getenv("ATTUNE_TEST_TORTURE");
	long n, step = full && *full ? 1 : 11;   /* every Nth: ~3400 runs */
	int rc, done = 0;

	(void)state;
	for (n = 0; n < 100000 && !done; n += step) {
		sq_fresh(loc, sizeof(loc), "oom");
		oom_countdown = n;
		rc = oom_scenario(loc);
		done = oom_countdown > 0;      /* nothing failed: finished */
		oom_countdown = -1;
		if (done) {
			if (rc != ATTUNE_OK)
				fail_msg("n=%ld: rc %d without a failure", n, rc);
		} else {
			if (rc == ATTUNE_OK)
				continue;    /* the failure was survived */
			if (!oom_ok_rc(rc))
				fail_msg("n=%ld: rc %d", n, rc);
			if (sq_exists(loc))
				oom_check(loc);
		}
	}
	assert_true(done);
	unlink_db(loc);
}


/* ---- Schema 2: the web app ---- */

#define H64(c) \
	c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c \
	c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c

static int ws_cb(void *ctx, const attune_websession_rec *s)
{
	struct row *w = row_next(ctx);

	w->a = s->user_id;
	w->t = s->expires_at;
	w->i1 = (int)(s->last_seen - s->created_at);
	put_s(w, 0, s->id_hash);
	put_s(w, 1, s->csrf);
	put_s(w, 2, s->origin);
	return stop(ctx);
}

static int link_cb(void *ctx, const attune_link_rec *l)
{
	struct row *w = row_next(ctx);

	w->id = l->id;
	w->a = l->client_id;
	w->b = l->created_by;
	w->i1 = l->session_number;
	w->i2 = l->used_at != 0;
	w->t = l->expires_at;
	put_s(w, 0, l->token_hash);
	put_s(w, 1, l->instruments);
	return stop(ctx);
}

static int token_cb(void *ctx, const attune_token_rec *t)
{
	struct row *w = row_next(ctx);

	w->id = t->id;
	w->a = t->user_id;
	w->i1 = t->revoked_at != 0;
	w->i2 = t->last_used != 0;
	put_s(w, 0, t->token_hash);
	put_s(w, 1, t->label);
	return stop(ctx);
}

static int setting_cb(void *ctx, const char *v)
{
	put_s(row_next(ctx), 0, v);
	return 0;
}

static void test_user_get_password_role(void **state)
{
	struct fx *f = *state;

	rows_reset(&R);
	OK(f->st, attune_store_user_get(f->st, f->ther1, user_cb, &R));
	assert_int_equal(R.n, 1);
	assert_string_equal(R.r[0].s[0], "tess");
	assert_true(R.r[0].null_mask & 4u);          /* no password yet */
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_user_get(f->st, 9999, user_cb, &R));
	OK(f->st, attune_store_user_set_password(f->st, f->ther1,
	                                         "$argon2id$v=19$x"));
	rows_reset(&R);
	OK(f->st, attune_store_user_get(f->st, f->ther1, user_cb, &R));
	assert_string_equal(R.r[0].s[2], "$argon2id$v=19$x");
	assert_int_equal(audit_count(f->st, "user.password",
	                             object("user", f->ther1)), 1);
	OK(f->st, attune_store_user_set_password(f->st, f->ther1, NULL));
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_user_set_password(f->st, 9999, "x"));
	OK(f->st, attune_store_user_set_role(f->st, f->ther2,
	                                     ATTUNE_ROLE_SUPERVISOR));
	rows_reset(&R);
	OK(f->st, attune_store_user_get(f->st, f->ther2, user_cb, &R));
	assert_int_equal(R.r[0].i1, ATTUNE_ROLE_SUPERVISOR);
	RC(f->st, ATTUNE_EINVAL,
	   attune_store_user_set_role(f->st, f->ther2, (attune_role)7));
	assert_int_equal(audit_count(f->st, "user.role", NULL), 1);
}

static void test_web_sessions(void **state)
{
	struct fx *f = *state;
	attune_websession_rec s = {0};
	size_t n = 99;

	s.id_hash = H64("a");
	s.user_id = f->ther1;
	s.csrf = H64("c");
	s.origin = "192.0.2.7";
	s.created_at = 1000;
	s.expires_at = 5000;
	OK(f->st, attune_store_websession_add(f->st, &s));
	RC(f->st, ATTUNE_EEXIST, attune_store_websession_add(f->st, &s));
	s.id_hash = H64("b");
	s.user_id = 9999;
	RC(f->st, ATTUNE_ENOTFOUND, attune_store_websession_add(f->st, &s));
	s.user_id = f->ther2;
	s.expires_at = 1000;
	RC(f->st, ATTUNE_EINVAL, attune_store_websession_add(f->st, &s));
	s.expires_at = 9000;
	s.id_hash = "not a hash";
	RC(f->st, ATTUNE_EINVAL, attune_store_websession_add(f->st, &s));
	s.id_hash = H64("b");
	OK(f->st, attune_store_websession_add(f->st, &s));
	assert_int_equal(audit_count(f->st, "auth.login", NULL), 2);

	rows_reset(&R);
	OK(f->st, attune_store_websession_find(f->st, H64("a"), ws_cb, &R));
	assert_int_equal(R.n, 1);
	assert_int_equal(R.r[0].a, f->ther1);
	assert_int_equal(R.r[0].t, 5000);
	assert_int_equal(R.r[0].i1, 0);
	assert_string_equal(R.r[0].s[1], H64("c"));
	assert_string_equal(R.r[0].s[2], "192.0.2.7");
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_websession_find(f->st, H64("z"), ws_cb, &R));

	OK(f->st, attune_store_websession_touch(f->st, H64("a"), 1500));
	rows_reset(&R);
	OK(f->st, attune_store_websession_find(f->st, H64("a"), ws_cb, &R));
	assert_int_equal(R.r[0].i1, 500);
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_websession_touch(f->st, H64("z"), 1));

	/* Purge: expired (b expires at 9000) or idle (a last seen 1500,
	 * b 1700). */
	OK(f->st, attune_store_websession_touch(f->st, H64("b"), 1700));
	OK(f->st, attune_store_websession_purge(f->st, 100, 0, &n));
	assert_int_equal(n, 0);
	OK(f->st, attune_store_websession_purge(f->st, 2000, 1600, &n));
	assert_int_equal(n, 1);
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_websession_find(f->st, H64("a"), ws_cb, &R));

	OK(f->st, attune_store_websession_delete(f->st, H64("b")));
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_websession_delete(f->st, H64("b")));
	assert_int_equal(audit_count(f->st, "auth.logout",
	                             object("user", f->ther2)), 1);

	s.id_hash = H64("d");
	s.user_id = f->ther1;
	OK(f->st, attune_store_websession_add(f->st, &s));
	s.id_hash = H64("e");
	OK(f->st, attune_store_websession_add(f->st, &s));
	OK(f->st, attune_store_websession_delete_user(f->st, f->ther1, &n));
	assert_int_equal(n, 2);
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_websession_find(f->st, H64("d"), ws_cb, &R));
}

static void test_links(void **state)
{
	struct fx *f = *state;
	attune_link_rec l = {0};
	attune_id c1, id = 0, id2 = 0;

	c1 = add_client(f, "C-01", f->ther1, "2024-01-01");
	l.token_hash = H64("1");
	l.client_id = c1;
	l.instruments = "phq9,checkin-alliance";
	l.created_by = f->ther1;
	l.created_at = 100;
	l.expires_at = 100 + 4 * 86400;
	OK(f->st, attune_store_link_add(f->st, &l, &id));
	assert_true(id > 0);
	RC(f->st, ATTUNE_EEXIST, attune_store_link_add(f->st, &l, NULL));
	l.token_hash = H64("2");
	l.session_number = 3;
	l.created_at = 200;
	OK(f->st, attune_store_link_add(f->st, &l, &id2));
	l.token_hash = H64("3");
	l.client_id = 9999;
	RC(f->st, ATTUNE_ENOTFOUND, attune_store_link_add(f->st, &l, NULL));
	l.client_id = c1;
	l.instruments = "phq9,,gad7";
	RC(f->st, ATTUNE_EINVAL, attune_store_link_add(f->st, &l, NULL));
	l.instruments = "phq9 gad7";
	RC(f->st, ATTUNE_EINVAL, attune_store_link_add(f->st, &l, NULL));
	l.instruments = "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q";
	RC(f->st, ATTUNE_ELIMIT, attune_store_link_add(f->st, &l, NULL));
	l.instruments = "phq9";
	l.session_number = -1;
	RC(f->st, ATTUNE_EINVAL, attune_store_link_add(f->st, &l, NULL));
	l.session_number = 0;
	l.expires_at = l.created_at;
	RC(f->st, ATTUNE_EINVAL, attune_store_link_add(f->st, &l, NULL));

	rows_reset(&R);
	OK(f->st, attune_store_link_find(f->st, H64("1"), link_cb, &R));
	assert_int_equal(R.n, 1);
	assert_int_equal(R.r[0].id, id);
	assert_int_equal(R.r[0].a, c1);
	assert_int_equal(R.r[0].b, f->ther1);
	assert_int_equal(R.r[0].i1, 0);
	assert_int_equal(R.r[0].i2, 0);
	assert_string_equal(R.r[0].s[1], "phq9,checkin-alliance");
	assert_int_equal(audit_count(f->st, "link.read", object("link", id)),
	                 1);
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_link_find(f->st, H64("9"), link_cb, &R));

	/* Single use, also inside a transaction that is rolled back. */
	OK(f->st, attune_store_begin(f->st));
	OK(f->st, attune_store_link_use(f->st, id, 0));
	OK(f->st, attune_store_rollback(f->st));
	OK(f->st, attune_store_link_use(f->st, id, 0));
	RC(f->st, ATTUNE_EEXIST, attune_store_link_use(f->st, id, 0));
	RC(f->st, ATTUNE_ENOTFOUND, attune_store_link_use(f->st, 9999, 0));
	assert_int_equal(audit_count(f->st, "link.use", object("link", id)),
	                 1);
	rows_reset(&R);
	OK(f->st, attune_store_link_find(f->st, H64("1"), link_cb, &R));
	assert_int_equal(R.r[0].i2, 1);

	rows_reset(&R);
	OK(f->st, attune_store_link_list(f->st, c1, link_cb, &R));
	assert_int_equal(R.n, 2);
	assert_int_equal(R.r[0].id, id2);       /* newest first */
	assert_int_equal(R.r[0].i1, 3);
	assert_int_equal(audit_count(f->st, "link.list",
	                             object("client", c1)), 1);
}

static int transcript_cb(void *ctx, const attune_transcript_row *t)
{
	struct row *w = row_next(ctx);

	w->id = t->id;
	w->a = t->session_id;
	w->b = t->client_id;
	w->i1 = t->session_number;
	w->i2 = (int)t->size;
	w->t = t->created_at;
	put_s(w, 0, t->format);
	put_s(w, 1, t->text);
	return stop(ctx);
}

/* Transcripts: stored as given (line breaks included), read back with
 * their session, listed without their text, every call audited. */
static void test_transcripts(void **state)
{
	struct fx *f = *state;
	attune_transcript_row t = {0};
	attune_id c1, c2, s1, s2, id = 0, id2 = 0;
	const char *text = "T: How are you?\nC: Fine.\t\xc3\xa9t\xc3\xa9\n";
	char *big;

	c1 = add_client(f, "C-01", f->ther1, "2024-01-01");
	c2 = add_client(f, "C-02", f->ther1, "2024-01-01");
	s1 = add_session(f, c1, 1, "2024-01-02");
	s2 = add_session(f, c1, 2, "2024-01-09");
	t.session_id = s2;
	t.format = "text";
	t.text = text;
	t.created_by = f->ther1;
	t.created_at = 100;
	OK(f->st, attune_store_transcript_add(f->st, &t, &id));
	assert_true(id > 0);
	assert_int_equal(audit_count(f->st, "transcript.add",
	                             object("transcript", id)), 1);
	t.session_id = s1;
	t.format = "vtt";
	t.created_at = 0;
	t.created_by = 0;
	OK(f->st, attune_store_transcript_add(f->st, &t, &id2));

	/* Refusals: nothing is stored. */
	t.session_id = 9999;
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_transcript_add(f->st, &t, NULL));
	t.session_id = s1;
	t.created_by = 9999;
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_transcript_add(f->st, &t, NULL));
	t.created_by = 0;
	t.text = "";
	RC(f->st, ATTUNE_EINVAL, attune_store_transcript_add(f->st, &t, NULL));
	t.text = "T: bad \xff byte";
	RC(f->st, ATTUNE_EINVAL, attune_store_transcript_add(f->st, &t, NULL));
	t.text = text;
	t.format = "plain text";
	RC(f->st, ATTUNE_EINVAL, attune_store_transcript_add(f->st, &t, NULL));
	t.format = "text";
	big = malloc((size_t)ATTUNE_TRANSCRIPT_SIZE_MAX + 2);
	assert_non_null(big);
	memset(big, 'a', (size_t)ATTUNE_TRANSCRIPT_SIZE_MAX + 1);
	big[ATTUNE_TRANSCRIPT_SIZE_MAX + 1] = '\0';
	t.text = big;
	RC(f->st, ATTUNE_ELIMIT, attune_store_transcript_add(f->st, &t, NULL));
	free(big);
	assert_int_equal(audit_count(f->st, "transcript.add", NULL), 2);

	rows_reset(&R);
	OK(f->st, attune_store_transcript_get(f->st, id, transcript_cb, &R));
	assert_int_equal(R.n, 1);
	assert_int_equal(R.r[0].id, id);
	assert_int_equal(R.r[0].a, s2);
	assert_int_equal(R.r[0].b, c1);
	assert_int_equal(R.r[0].i1, 2);
	assert_int_equal(R.r[0].i2, (int)strlen(text));
	assert_int_equal(R.r[0].t, 100);
	assert_string_equal(R.r[0].s[0], "text");
	assert_string_equal(R.r[0].s[1], text);
	assert_int_equal(audit_count(f->st, "transcript.read",
	                             object("transcript", id)), 1);
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_transcript_get(f->st, 9999, transcript_cb, &R));

	/* A read inside a rolled-back transaction stays audited. */
	OK(f->st, attune_store_begin(f->st));
	OK(f->st, attune_store_transcript_get(f->st, id, transcript_cb, &R));
	OK(f->st, attune_store_rollback(f->st));
	assert_int_equal(audit_count(f->st, "transcript.read",
	                             object("transcript", id)), 2);

	rows_reset(&R);
	OK(f->st, attune_store_transcript_list(f->st, c1, 0, transcript_cb,
	                                       &R));
	assert_int_equal(R.n, 2);
	assert_int_equal(R.r[0].id, id);        /* oldest first */
	assert_int_equal(R.r[1].id, id2);
	assert_true(R.r[0].null_mask & 2u);     /* no text in listings */
	assert_int_equal(R.r[0].i2, (int)strlen(text));
	rows_reset(&R);
	OK(f->st, attune_store_transcript_list(f->st, c1, s1, transcript_cb,
	                                       &R));
	assert_int_equal(R.n, 1);
	assert_int_equal(R.r[0].id, id2);
	rows_reset(&R);
	OK(f->st, attune_store_transcript_list(f->st, c2, 0, transcript_cb,
	                                       &R));
	assert_int_equal(R.n, 0);
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_transcript_list(f->st, 9999, 0, transcript_cb, &R));
	assert_int_equal(audit_count(f->st, "transcript.list",
	                             object("client", c1)), 2);
}

/* Deleting a transcript: gone from reads and listings, audited with its
 * client and session; one of another client, or none, is ENOTFOUND and
 * changes nothing; a rolled-back delete leaves the transcript and no
 * audit row. */
static void test_transcript_delete(void **state)
{
	struct fx *f = *state;
	attune_transcript_row t = {0};
	attune_id c1, c2, s1, s2, id = 0, id2 = 0;
	char detail[64];
	size_t i;
	int n;

	c1 = add_client(f, "C-01", f->ther1, "2024-01-01");
	c2 = add_client(f, "C-02", f->ther1, "2024-01-01");
	s1 = add_session(f, c1, 1, "2024-01-02");
	s2 = add_session(f, c2, 1, "2024-01-02");
	t.format = "text";
	t.text = "T: How are you?\nC: Fine.\n";
	t.session_id = s1;
	OK(f->st, attune_store_transcript_add(f->st, &t, &id));
	t.session_id = s2;
	OK(f->st, attune_store_transcript_add(f->st, &t, &id2));

	/* Refusals change nothing. */
	RC(f->st, ATTUNE_EINVAL, attune_store_transcript_delete(f->st, 0, 0));
	RC(f->st, ATTUNE_EINVAL, attune_store_transcript_delete(f->st, -1, id));
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_transcript_delete(f->st, 0, 9999));
	RC(f->st, ATTUNE_ENOTFOUND,       /* c2's transcript asked as c1's */
	   attune_store_transcript_delete(f->st, c1, id2));
	RC(f->st, ATTUNE_ENOTFOUND,       /* no such client: also absent */
	   attune_store_transcript_delete(f->st, 9999, id));
	assert_int_equal(audit_count(f->st, "transcript.delete", NULL), 0);

	/* Rolled back with the caller's transaction: still there. */
	OK(f->st, attune_store_begin(f->st));
	OK(f->st, attune_store_transcript_delete(f->st, c1, id));
	OK(f->st, attune_store_rollback(f->st));
	assert_int_equal(audit_count(f->st, "transcript.delete", NULL), 0);
	rows_reset(&R);
	OK(f->st, attune_store_transcript_get(f->st, id, transcript_cb, &R));
	assert_int_equal(R.n, 1);

	OK(f->st, attune_store_transcript_delete(f->st, c1, id));
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_transcript_get(f->st, id, transcript_cb, &R));
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_transcript_delete(f->st, c1, id));
	rows_reset(&R);
	OK(f->st, attune_store_transcript_list(f->st, c1, 0, transcript_cb,
	                                       &R));
	assert_int_equal(R.n, 0);
	/* Any client (0): the command line's form. */
	OK(f->st, attune_store_transcript_delete(f->st, 0, id2));
	rows_reset(&R);
	OK(f->st, attune_store_transcript_list(f->st, c2, 0, transcript_cb,
	                                       &R));
	assert_int_equal(R.n, 0);

	assert_int_equal(audit_count(f->st, "transcript.delete",
	                             object("transcript", id)), 1);
	assert_int_equal(audit_count(f->st, "transcript.delete",
	                             object("transcript", id2)), 1);
	snprintf(detail, sizeof(detail), "client:%lld session:%lld",
	         (long long)c1, (long long)s1);
	rows_reset(&R);
	OK(f->st, attune_store_audit_list(f->st, 0, 0, audit_cb, &R));
	for (i = 0, n = 0; i < R.n; i++)
		if (strcmp(R.r[i].s[0], "transcript.delete") == 0 &&
		    strcmp(R.r[i].s[1], object("transcript", id)) == 0) {
			assert_string_equal(R.r[i].s[4], detail);
			n++;
		}
	assert_int_equal(n, 1);
}

static void test_tokens(void **state)
{
	struct fx *f = *state;
	attune_token_rec t = {0};
	attune_id id = 0;

	t.token_hash = H64("t");
	t.user_id = f->ther1;
	t.label = "EHR <bridge>";
	OK(f->st, attune_store_token_add(f->st, &t, &id));
	RC(f->st, ATTUNE_EEXIST, attune_store_token_add(f->st, &t, NULL));
	t.token_hash = H64("u");
	t.user_id = 9999;
	RC(f->st, ATTUNE_ENOTFOUND, attune_store_token_add(f->st, &t, NULL));
	t.user_id = f->admin;
	t.label = NULL;
	RC(f->st, ATTUNE_EINVAL, attune_store_token_add(f->st, &t, NULL));
	t.label = "audit export";
	OK(f->st, attune_store_token_add(f->st, &t, NULL));

	rows_reset(&R);
	OK(f->st, attune_store_token_find(f->st, H64("t"), token_cb, &R));
	assert_int_equal(R.r[0].id, id);
	assert_int_equal(R.r[0].a, f->ther1);
	assert_int_equal(R.r[0].i1, 0);
	assert_int_equal(R.r[0].i2, 0);
	assert_string_equal(R.r[0].s[1], "EHR <bridge>");
	OK(f->st, attune_store_token_touch(f->st, id, 1234));
	OK(f->st, attune_store_token_revoke(f->st, id));
	OK(f->st, attune_store_token_revoke(f->st, id));
	RC(f->st, ATTUNE_ENOTFOUND, attune_store_token_revoke(f->st, 9999));
	rows_reset(&R);
	OK(f->st, attune_store_token_find(f->st, H64("t"), token_cb, &R));
	assert_int_equal(R.r[0].i1, 1);
	assert_int_equal(R.r[0].i2, 1);
	rows_reset(&R);
	OK(f->st, attune_store_token_list(f->st, 0, token_cb, &R));
	assert_int_equal(R.n, 2);
	rows_reset(&R);
	OK(f->st, attune_store_token_list(f->st, f->admin, token_cb, &R));
	assert_int_equal(R.n, 1);
	assert_int_equal(audit_count(f->st, "token.add", NULL), 2);
	assert_int_equal(audit_count(f->st, "token.revoke", NULL), 2);
}

static int transfer_detail_cb(void *ctx, const attune_audit_rec *a)
{
	char *out = ctx;

	/* Newest first: keep the first transfer row seen. */
	if (strcmp(a->action, "client.transfer") == 0 && !out[0])
		snprintf(out, 128, "%s %s", a->object,
		         a->detail ? a->detail : "");
	return 0;
}

static const char *last_transfer(struct fx *f)
{
	static char d[128];

	d[0] = 0;
	OK(f->st, attune_store_audit_list(f->st, 0, 0, transfer_detail_cb, d));
	return d;
}

/* A client moves to another therapist of the clinic (a therapist
 * leaving): the new one owns it, the old one loses access, the page
 * caches see a new data version, the audit row says from whom to whom.
 * A therapist with clients cannot stop being a therapist. */
static void test_client_transfer(void **state)
{
	struct fx *f = *state;
	attune_id c1, c2;
	attune_access a;
	int64_t v0, v1;
	char want[128];
	int n;

	c1 = add_client(f, "C-T1", f->ther1, "2024-01-01");
	c2 = add_client(f, "C-T2", 0, "2024-01-01");
	OK(f->st, attune_store_client_access_version(f->st, f->ther1, c1, &a,
	                                             &v0));
	assert_int_equal(a, ATTUNE_ACCESS_OWN);

	OK(f->st, attune_store_client_transfer(f->st, c1, f->ther2));
	OK(f->st, attune_store_client_access_version(f->st, f->ther2, c1, &a,
	                                             &v1));
	assert_int_equal(a, ATTUNE_ACCESS_OWN);
	assert_true(v1 > v0);
	OK(f->st, attune_store_client_access(f->st, f->ther1, c1, &a));
	assert_int_equal(a, ATTUNE_ACCESS_NONE);
	assert_int_equal(audit_count(f->st, "client.transfer",
	                             object("client", c1)), 1);
	snprintf(want, sizeof(want), "client:%lld from:user:%lld to:user:%lld",
	         (long long)c1, (long long)f->ther1, (long long)f->ther2);
	assert_string_equal(last_transfer(f), want);

	/* Theirs already: nothing changes, nothing is written. */
	OK(f->st, attune_store_client_transfer(f->st, c1, f->ther2));
	assert_int_equal(audit_count(f->st, "client.transfer",
	                             object("client", c1)), 1);

	/* Only to a therapist of the client's own clinic. */
	n = audit_count(f->st, "client.transfer", NULL);
	RC(f->st, ATTUNE_EINVAL,
	   attune_store_client_transfer(f->st, c1, f->admin));
	assert_non_null(strstr(attune_store_errmsg(f->st), "not a therapist"));
	RC(f->st, ATTUNE_EINVAL,
	   attune_store_client_transfer(f->st, c1, f->ther_other));
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_client_transfer(f->st, c1, 9999));
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_client_transfer(f->st, 9999, f->ther1));
	RC(f->st, ATTUNE_EINVAL, attune_store_client_transfer(f->st, c1, 0));
	assert_int_equal(audit_count(f->st, "client.transfer", NULL), n);
	OK(f->st, attune_store_client_access(f->st, f->ther2, c1, &a));
	assert_int_equal(a, ATTUNE_ACCESS_OWN);

	/* A client without a therapist gets one. */
	OK(f->st, attune_store_client_transfer(f->st, c2, f->ther1));
	snprintf(want, sizeof(want), "client:%lld from:none to:user:%lld",
	         (long long)c2, (long long)f->ther1);
	assert_string_equal(last_transfer(f), want);

	/* ther1 has C-T2 now, ther2 has C-T1: neither may stop being a
	 * therapist, and the refusal changes nothing. */
	n = audit_count(f->st, "user.role", NULL);
	RC(f->st, ATTUNE_EINVAL,
	   attune_store_user_set_role(f->st, f->ther2, ATTUNE_ROLE_ADMIN));
	assert_non_null(strstr(attune_store_errmsg(f->st), "1 client;"));
	rows_reset(&R);
	OK(f->st, attune_store_user_get(f->st, f->ther2, user_cb, &R));
	assert_int_equal(R.r[0].i1, ATTUNE_ROLE_THERAPIST);
	assert_int_equal(audit_count(f->st, "user.role", NULL), n);
	/* Staying a therapist is fine; so is leaving once the clients
	 * are with someone else. */
	OK(f->st, attune_store_user_set_role(f->st, f->ther2,
	                                     ATTUNE_ROLE_THERAPIST));
	OK(f->st, attune_store_client_transfer(f->st, c1, f->ther1));
	OK(f->st, attune_store_user_set_role(f->st, f->ther2,
	                                     ATTUNE_ROLE_SUPERVISOR));
	OK(f->st, attune_store_client_access(f->st, f->ther1, c1, &a));
	assert_int_equal(a, ATTUNE_ACCESS_OWN);
}

static void test_access(void **state)
{
	struct fx *f = *state;
	attune_id sup, c1, c2, c3;
	attune_access a;

	sup = add_user(f->st, f->clinic, "sam", ATTUNE_ROLE_SUPERVISOR);
	c1 = add_client(f, "C-01", f->ther1, "2024-01-01");
	c2 = add_client(f, "C-02", f->ther2, "2024-01-01");
	c3 = add_client(f, "C-03", 0, "2024-01-01");

	OK(f->st, attune_store_client_access(f->st, f->ther1, c1, &a));
	assert_int_equal(a, ATTUNE_ACCESS_OWN);
	OK(f->st, attune_store_client_access(f->st, f->ther1, c2, &a));
	assert_int_equal(a, ATTUNE_ACCESS_NONE);
	OK(f->st, attune_store_client_access(f->st, f->ther1, c3, &a));
	assert_int_equal(a, ATTUNE_ACCESS_NONE);
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_client_access(f->st, f->ther1, 9999, &a));

	OK(f->st, attune_store_grant_add(f->st, f->ther1, c2));
	RC(f->st, ATTUNE_EEXIST, attune_store_grant_add(f->st, f->ther1, c2));
	RC(f->st, ATTUNE_EINVAL,
	   attune_store_grant_add(f->st, f->ther_other, c2));
	OK(f->st, attune_store_client_access(f->st, f->ther1, c2, &a));
	assert_int_equal(a, ATTUNE_ACCESS_GRANTED);
	rows_reset(&R);
	OK(f->st, attune_store_grant_list(f->st, f->ther1, client_cb, &R));
	assert_int_equal(R.n, 1);
	assert_string_equal(R.r[0].s[0], "C-02");
	assert_int_equal(audit_count(f->st, "grant.list", NULL), 1);
	OK(f->st, attune_store_grant_remove(f->st, f->ther1, c2));
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_grant_remove(f->st, f->ther1, c2));
	OK(f->st, attune_store_client_access(f->st, f->ther1, c2, &a));
	assert_int_equal(a, ATTUNE_ACCESS_NONE);

	OK(f->st, attune_store_supervision_add(f->st, sup, f->ther2));
	RC(f->st, ATTUNE_EEXIST,
	   attune_store_supervision_add(f->st, sup, f->ther2));
	RC(f->st, ATTUNE_EINVAL, attune_store_supervision_add(f->st, sup, sup));
	RC(f->st, ATTUNE_EINVAL,
	   attune_store_supervision_add(f->st, sup, f->ther_other));
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_supervision_add(f->st, sup, 9999));
	OK(f->st, attune_store_client_access(f->st, sup, c2, &a));
	assert_int_equal(a, ATTUNE_ACCESS_SUPERVISED);
	OK(f->st, attune_store_client_access(f->st, sup, c1, &a));
	assert_int_equal(a, ATTUNE_ACCESS_NONE);
	OK(f->st, attune_store_client_access(f->st, sup, c3, &a));
	assert_int_equal(a, ATTUNE_ACCESS_NONE);
	rows_reset(&R);
	OK(f->st, attune_store_supervision_list(f->st, sup, user_cb, &R));
	assert_int_equal(R.n, 1);
	assert_string_equal(R.r[0].s[0], "theo");
	OK(f->st, attune_store_supervision_remove(f->st, sup, f->ther2));
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_supervision_remove(f->st, sup, f->ther2));
	OK(f->st, attune_store_client_access(f->st, sup, c2, &a));
	assert_int_equal(a, ATTUNE_ACCESS_NONE);
	assert_int_equal(audit_count(f->st, "supervision.add", NULL), 1);
	assert_int_equal(audit_count(f->st, "grant.add", NULL), 1);
}

/* The data version (schema 5) of one client, read as the web app does. */
static int64_t dv(struct fx *f, attune_id client)
{
	attune_access a;
	int64_t v = -1;

	OK(f->st, attune_store_client_access_version(f->st, f->ther1, client,
	                                             &a, &v));
	return v;
}

/* Every kind of write that concerns a client moves its data version, in
 * the same transaction, whoever writes (this library or SQL from another
 * connection); reads, and writes about other clients, do not. */
static void test_data_version(void **state)
{
	struct fx *f = *state;
	attune_link_rec l = {0};
	attune_transcript_row t = {0};
	attune_id c1, c2, s1, link = 0, ep = 0;
	int64_t v, v2;
	char sql[256];

	c1 = add_client(f, "C-01", f->ther1, "2024-01-01");
	c2 = add_client(f, "C-02", f->ther1, "2024-01-01");
	v = dv(f, c1);
	v2 = dv(f, c2);

	s1 = add_session(f, c1, 1, "2024-01-02");
	assert_true(dv(f, c1) > v);
	v = dv(f, c1);
	add_response(f, s1, "phq9", 100, 2);
	assert_true(dv(f, c1) > v);
	v = dv(f, c1);

	/* Reads change nothing. */
	rows_reset(&R);
	OK(f->st, attune_store_client_get(f->st, c1, client_cb, &R));
	OK(f->st, attune_store_response_list(f->st, c1, NULL, response_cb, &R));
	assert_int_equal(dv(f, c1), v);

	/* A rolled-back write leaves the version as it was. */
	OK(f->st, attune_store_begin(f->st));
	add_response(f, s1, "phq9", 101, 3);
	OK(f->st, attune_store_rollback(f->st));
	assert_int_equal(dv(f, c1), v);

	OK(f->st, attune_store_client_set_sees_progress(f->st, c1, 1));
	assert_true(dv(f, c1) > v);
	v = dv(f, c1);

	l.token_hash = H64("4");
	l.client_id = c1;
	l.instruments = "phq9";
	l.created_by = f->ther1;
	l.created_at = 100;
	l.expires_at = 200;
	OK(f->st, attune_store_link_add(f->st, &l, &link));
	assert_true(dv(f, c1) > v);
	v = dv(f, c1);
	OK(f->st, attune_store_link_use(f->st, link, 150));
	assert_true(dv(f, c1) > v);
	v = dv(f, c1);

	t.session_id = s1;
	t.format = "text";
	t.text = "T: Hello.\nC: Hi.\n";
	t.created_by = f->ther1;
	OK(f->st, attune_store_transcript_add(f->st, &t, NULL));
	assert_true(dv(f, c1) > v);
	v = dv(f, c1);

	rows_reset(&R);
	OK(f->st, attune_store_episode_list(f->st, c1, episode_cb, &R));
	ep = R.r[0].id;
	OK(f->st, attune_store_episode_close(f->st, ep, "2024-02-01", NULL));
	assert_true(dv(f, c1) > v);
	v = dv(f, c1);
	OK(f->st, attune_store_episode_open(f->st, c1, "2024-03-01", NULL));
	assert_true(dv(f, c1) > v);
	v = dv(f, c1);

	/* Another program's SQL moves it too (the triggers). */
	snprintf(sql, sizeof(sql), "UPDATE sessions SET attended = 0"
	         " WHERE id = %lld", (long long)s1);
	eng->exec(f->loc, sql);
	assert_true(dv(f, c1) > v);
	v = dv(f, c1);
	snprintf(sql, sizeof(sql), "UPDATE clients SET display_name = 'x'"
	         " WHERE id = %lld", (long long)c1);
	eng->exec(f->loc, sql);
	assert_true(dv(f, c1) > v);
	v = dv(f, c1);
	snprintf(sql, sizeof(sql), "DELETE FROM responses WHERE session_id"
	         " = %lld", (long long)s1);
	eng->exec(f->loc, sql);
	assert_true(dv(f, c1) > v);

	/* None of it was about C-02. */
	assert_int_equal(dv(f, c2), v2);
}

static void test_client_get_progress_settings(void **state)
{
	struct fx *f = *state;
	attune_client_rec c = {0};
	attune_id c1;

	c.clinic_id = f->clinic;
	c.code = "C-01";
	c.display_name = "<b>Ann</b>";
	c.sees_progress = 1;
	OK(f->st, attune_store_client_add(f->st, &c, "2024-01-01", &c1));
	c.code = "C-02";
	c.sees_progress = 2;
	RC(f->st, ATTUNE_EINVAL,
	   attune_store_client_add(f->st, &c, "2024-01-01", NULL));
	rows_reset(&R);
	OK(f->st, attune_store_client_get(f->st, c1, client_cb, &R));
	assert_int_equal(R.n, 1);
	assert_string_equal(R.r[0].s[1], "<b>Ann</b>");
	assert_int_equal(audit_count(f->st, "client.read",
	                             object("client", c1)), 1);
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_client_get(f->st, 9999, client_cb, &R));
	OK(f->st, attune_store_client_set_sees_progress(f->st, c1, 0));
	RC(f->st, ATTUNE_EINVAL,
	   attune_store_client_set_sees_progress(f->st, c1, 5));
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_client_set_sees_progress(f->st, 9999, 1));
	assert_int_equal(audit_count(f->st, "client.update", NULL), 1);

	rows_reset(&R);
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_setting_get(f->st, f->clinic, "link_days",
	                            setting_cb, &R));
	OK(f->st, attune_store_setting_set(f->st, f->clinic, "link_days", "4"));
	OK(f->st, attune_store_setting_set(f->st, f->clinic, "link_days", "7"));
	OK(f->st, attune_store_setting_get(f->st, f->clinic, "link_days",
	                                   setting_cb, &R));
	assert_string_equal(R.r[0].s[0], "7");
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_setting_set(f->st, 9999, "link_days", "4"));
	RC(f->st, ATTUNE_EINVAL,
	   attune_store_setting_set(f->st, f->clinic, "bad name", "4"));
}

/* A database made by a build that knew only schema 1 migrates to 2
 * with its data intact. */
static void test_sqlite_migrate_from_1(void **state)
{
	const struct store_migration *m;
	attune_store *st;
	attune_err err;
	char loc[1024];
	size_t n, i;
	int v;

	(void)state;
	eng->fresh(loc, sizeof(loc), "m1");
	m = store_migrations(STORE_DIALECT_SQLITE, &n);
	assert_true(n >= 2);
	{
		sqlite3 *db = NULL;
		assert_int_equal(sqlite3_open(loc, &db), SQLITE_OK);
		sqlite3_close(db);
	}
	for (i = 0; i < m[0].n_sql; i++)
		raw_exec(loc, m[0].sql[i]);
	raw_exec(loc, "INSERT INTO schema_version VALUES (1, 0);"
	         "INSERT INTO clinics (name, created_at) VALUES ('Old', 1);"
	         "INSERT INTO clients (clinic_id, code, created_at)"
	         " VALUES (1, 'C-OLD', 1)");
	if (attune_store_open(loc, 0, &st, &err))
		fail_msg("open: %s", err.msg);
	OK(st, attune_store_schema_version(st, &v));
	assert_int_equal(v, attune_store_schema_latest());
	OK(st, attune_store_set_actor(st, 0, "test", "test"));
	rows_reset(&R);
	OK(st, attune_store_client_get(st, 1, client_cb, &R));
	assert_string_equal(R.r[0].s[0], "C-OLD");
	OK(st, attune_store_client_set_sees_progress(st, 1, 1));
	attune_store_close(st);
	unlink_db(loc);
}

/* ---- PostgreSQL only ---- */

/* pg_uri with another user (and password) and database. */
static void pg_loc_as(char *loc, size_t n, const char *zUser,
                      const char *db)
{
	const char *p = strstr(pg_uri, "://") + 3;
	const char *end = p + strcspn(p, "/?");
	const char *at;

	for (at = end; at > p && at[-1] != '@'; at--)
		;
	snprintf(loc, n, "postgresql://%s@%.*s/%s", zUser, (int)(end - at),
	         at, db);
}

/* End every other connection to the database at loc, as a restart of
 * the server or a network failure would, and wait until they are
 * gone. */
static void pg_kill_others(const char *loc)
{
	char db[64];
	const char *vals[1] = {db};
	PGconn *c;
	PGresult *r;

	pg_dbname(loc, db, sizeof(db));
	c = pg_connect(pg_uri);
	r = PQexecParams(c, "SELECT count(pg_terminate_backend(pid, 10000))"
	                 " FROM pg_stat_activity WHERE datname = $1"
	                 " AND pid <> pg_backend_pid()", 1, NULL, vals, NULL,
	                 NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("terminating: %s", PQerrorMessage(c));
	assert_string_not_equal(PQgetvalue(r, 0, 0), "0");
	PQclear(r);
	PQfinish(c);
}

/* A dropped connection: outside a transaction the store reconnects
 * (a read is retried, a change starts on the new connection); inside
 * one the call fails, the commit fails, and nothing is retried. */
static void test_pg_reconnect(void **state)
{
	struct fx *f = *state;

	pg_kill_others(f->loc);
	rows_reset(&R);
	OK(f->st, attune_store_clinic_list(f->st, clinic_cb, &R));
	assert_int_equal(R.n, 2);
	pg_kill_others(f->loc);
	OK(f->st, attune_store_clinic_add(f->st, "After", NULL));

	OK(f->st, attune_store_begin(f->st));
	OK(f->st, attune_store_clinic_add(f->st, "Lost", NULL));
	pg_kill_others(f->loc);
	RC(f->st, ATTUNE_ESTORE, attune_store_clinic_add(f->st, "Lost2",
	                                                 NULL));
	HAS(attune_store_errmsg(f->st), "connection");
	RC(f->st, ATTUNE_ESTORE, attune_store_commit(f->st));
	HAS(attune_store_errmsg(f->st), "nothing was committed");

	/* Begin, then the connection drops before anything is done. */
	OK(f->st, attune_store_begin(f->st));
	pg_kill_others(f->loc);
	RC(f->st, ATTUNE_ESTORE, attune_store_clinic_list(f->st, clinic_cb,
	                                                  &R));
	OK(f->st, attune_store_rollback(f->st));

	rows_reset(&R);
	OK(f->st, attune_store_clinic_list(f->st, clinic_cb, &R));
	assert_int_equal(R.n, 3);          /* Northside, Southside, After */
	assert_string_equal(R.r[0].s[0], "After");
}

/* Several processes open one empty database at once: the advisory
 * lock lets one migrate; the others wait and find it done. */
static void test_pg_concurrent_open(void **state)
{
	enum { N = 6 };
	char loc[1024], name[32];
	pid_t pid[N];
	attune_store *st;
	attune_err err;
	int i, status, v = 0;

	(void)state;
	pg_fresh(loc, sizeof(loc), "conc");
	for (i = 0; i < N; i++) {
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (pid[i] == 0) {
			int rc = attune_store_open(loc, ATTUNE_STORE_CREATE, &st,
			                           &err);

			if (rc == ATTUNE_OK) {
				snprintf(name, sizeof(name), "Clinic %d", i);
				rc = attune_store_set_actor(st, 0, "t", "t") ||
				     attune_store_clinic_add(st, name, NULL);
				if (rc)
					fprintf(stderr, "child %d: %s\n", i,
					        attune_store_errmsg(st));
				attune_store_close(st);
			} else {
				fprintf(stderr, "child %d: %s\n", i, err.msg);
			}
			_exit(rc ? 1 : 0);
		}
	}
	for (i = 0; i < N; i++) {
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	OK(NULL, attune_store_open(loc, 0, &st, &err));
	OK(st, attune_store_schema_version(st, &v));
	assert_int_equal(v, attune_store_schema_latest());
	rows_reset(&R);
	OK(st, attune_store_clinic_list(st, clinic_cb, &R));
	assert_int_equal(R.n, N);
	attune_store_close(st);
	pg_remove(loc);
}

/* Databases attune cannot use: another program's, a missing one, a
 * role the server does not know. */
static void test_pg_refusals(void **state)
{
	char loc[1024], bad[1024];
	attune_store *st = (attune_store *)1;
	attune_err err;

	(void)state;
	pg_fresh(loc, sizeof(loc), "foreign");
	pg_exec_at(loc, "CREATE TABLE t (x int)");
	assert_int_equal(attune_store_open(loc, ATTUNE_STORE_CREATE, &st,
	                                   &err), ATTUNE_ESTORE);
	assert_null(st);
	HAS(err.msg, "not an attune one");

	pg_loc_as(bad, sizeof(bad), "postgres", "attune_t_no_such_db");
	assert_int_equal(attune_store_open(bad, ATTUNE_STORE_CREATE, &st,
	                                   &err), ATTUNE_ESTORE);
	HAS(err.msg, "does not exist");
	HAS(err.msg, "createdb");

	pg_loc_as(bad, sizeof(bad), "nosuchrole:pw-n0t-shown", "postgres");
	assert_int_equal(attune_store_open(bad, 0, &st, &err),
	                 ATTUNE_ESTORE);
	HAS(err.msg, "nosuchrole");
	HAS(err.msg, "cannot connect");
	assert_null(strstr(err.msg, "pw-n0t-shown"));
	pg_remove(loc);
}

static void test_pg_damaged_values(void **state)
{
	struct fx *f = *state;
	attune_id c, s;

	c = add_client(f, "C-DMG", 0, "2024-01-01");
	s = add_session(f, c, 1, "2024-01-02");
	add_response(f, s, "phq9", 100, 1);
	pg_exec_at(f->loc, "UPDATE responses SET item_values = '1,,x,2'");
	rows_reset(&R);
	RC(f->st, ATTUNE_ESTORE,
	   attune_store_response_list(f->st, c, NULL, response_cb, &R));
	HAS(attune_store_errmsg(f->st), "item value 3");
	assert_int_equal(audit_count(f->st, "response.list",
	                             object("client", c)), 1);
	pg_exec_at(f->loc, "UPDATE responses SET item_values = '1,,3'");
	rows_reset(&R);
	OK(f->st, attune_store_response_list(f->st, c, NULL, response_cb, &R));
	assert_int_equal(R.r[0].nv, 3);
	assert_true(isnan(R.r[0].v[1]));
}

/* Two handles on one database: one sees the other's commits; a
 * read-only handle is read-only on the server too. */
static void test_pg_two_handles(void **state)
{
	struct fx *f = *state;
	attune_store *other;
	attune_err err;
	char v[8], want[8];

	OK(NULL, attune_store_open(f->loc, 0, &other, &err));
	OK(other, attune_store_set_actor(other, 0, "test:other", "test"));
	add_client(f, "C-SHARED", 0, "2024-01-01");
	rows_reset(&R);
	OK(other, attune_store_client_find(other, f->clinic, "C-SHARED",
	                                   client_cb, &R));
	assert_int_equal(R.n, 1);
	/* A change of one and a read of the other, interleaved in two
	 * transactions: the reader sees it only after the commit. */
	OK(f->st, attune_store_begin(f->st));
	OK(f->st, attune_store_clinic_add(f->st, "Pending", NULL));
	rows_reset(&R);
	OK(other, attune_store_clinic_list(other, clinic_cb, &R));
	assert_int_equal(R.n, 2);
	OK(f->st, attune_store_commit(f->st));
	rows_reset(&R);
	OK(other, attune_store_clinic_list(other, clinic_cb, &R));
	assert_int_equal(R.n, 3);
	attune_store_close(other);
	/* The server's own view of the schema. */
	snprintf(want, sizeof(want), "%d", attune_store_schema_latest());
	assert_string_equal(pg_value(f->loc, "SELECT max(version)::text"
	                             " FROM schema_version", v, sizeof(v)),
	                    want);
}

/* ---- Sites and the clinic overview (schema 5) ---- */

static int site_cb(void *ctx, const attune_site_rec *r)
{
	struct row *w = row_next(ctx);

	w->id = r->id;
	w->a = r->clinic_id;
	w->b = r->n_users;
	w->t = r->created_at;
	put_s(w, 0, r->name);
	return stop(ctx);
}

static void test_sites(void **state)
{
	struct fx *f = *state;
	attune_id north, east, other;

	OK(f->st, attune_store_site_add(f->st, f->clinic, "North", &north));
	OK(f->st, attune_store_site_add(f->st, f->clinic, "East", &east));
	OK(f->st, attune_store_site_add(f->st, f->clinic2, "North", &other));
	RC(f->st, ATTUNE_EEXIST,
	   attune_store_site_add(f->st, f->clinic, "North", NULL));
	assert_non_null(strstr(attune_store_errmsg(f->st), "North"));
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_site_add(f->st, 9999, "West", NULL));
	RC(f->st, ATTUNE_EINVAL,
	   attune_store_site_add(f->st, f->clinic, "", NULL));
	RC(f->st, ATTUNE_EINVAL,
	   attune_store_site_add(f->st, f->clinic, "a\tb", NULL));
	assert_int_equal(audit_count(f->st, "site.add", NULL), 3);
	assert_int_equal(audit_count(f->st, "site.add",
	                             object("site", north)), 1);

	OK(f->st, attune_store_user_set_site(f->st, f->ther1, north));
	OK(f->st, attune_store_user_set_site(f->st, f->ther2, north));
	rows_reset(&R);
	OK(f->st, attune_store_site_list(f->st, f->clinic, site_cb, &R));
	assert_int_equal(R.n, 2);                   /* by name */
	assert_string_equal(R.r[0].s[0], "East");
	assert_int_equal(R.r[0].b, 0);
	assert_string_equal(R.r[1].s[0], "North");
	assert_int_equal(R.r[1].id, north);
	assert_int_equal(R.r[1].a, f->clinic);
	assert_int_equal(R.r[1].b, 2);
	assert_true(R.r[1].t > 0);
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_site_list(f->st, 9999, site_cb, &R));

	/* the user record carries the site */
	rows_reset(&R);
	OK(f->st, attune_store_user_get(f->st, f->ther1, user_cb, &R));
	assert_int_equal(R.r[0].b, north);
	OK(f->st, attune_store_user_set_site(f->st, f->ther2, 0));
	rows_reset(&R);
	OK(f->st, attune_store_user_get(f->st, f->ther2, user_cb, &R));
	assert_int_equal(R.r[0].b, 0);

	/* refusals change nothing */
	RC(f->st, ATTUNE_EINVAL,
	   attune_store_user_set_site(f->st, f->ther1, other));
	assert_non_null(strstr(attune_store_errmsg(f->st), "clinic"));
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_user_set_site(f->st, f->ther1, 9999));
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_user_set_site(f->st, 9999, north));
	RC(f->st, ATTUNE_EINVAL,
	   attune_store_user_set_site(f->st, f->ther1, -1));
	rows_reset(&R);
	OK(f->st, attune_store_user_get(f->st, f->ther1, user_cb, &R));
	assert_int_equal(R.r[0].b, north);
	assert_int_equal(audit_count(f->st, "user.site", NULL), 3);
	assert_int_equal(audit_count(f->st, "user.site",
	                             object("user", f->ther1)), 1);
}

#define OV_MAX 8
struct ov_rows {
	size_t n;
	attune_overview_row r[OV_MAX];
	char name[OV_MAX][64];
};

static int ov_cb(void *ctx, const attune_overview_row *r)
{
	struct ov_rows *o = ctx;

	assert_true(o->n < OV_MAX);
	o->r[o->n] = *r;
	snprintf(o->name[o->n], 64, "%s", r->name ? r->name : "-");
	o->n++;
	return 0;
}

static void add_phq9(struct fx *f, attune_id session, int64_t at,
                     double total, int respondent)
{
	attune_response_rec r = {0};

	r.session_id = session;
	r.instrument = "phq9";
	r.instrument_version = "1";
	r.respondent = respondent;
	r.values = &total;
	r.n_values = 1;
	r.total = total;
	r.recorded_at = at;
	OK(f->st, attune_store_response_add(f->st, &r, NULL));
}

static void check_outcome(const attune_overview_outcome *o, int64_t n,
                          double sum, int64_t imp, int64_t rec,
                          int64_t unch, int64_t det)
{
	assert_int_equal(o->episodes, n);
	assert_true(fabs(o->sum_change - sum) < 1e-9);
	if (n)
		assert_true(fabs(o->mean_change - sum / (double)n) < 1e-9);
	else
		assert_true(isnan(o->mean_change));
	assert_int_equal(o->improved, imp);
	assert_int_equal(o->recovered, rec);
	assert_int_equal(o->unchanged, unch);
	assert_int_equal(o->deteriorated, det);
}

/* Aggregates per therapist and per site, hand-computed: PHQ-9 reliable
 * change 6 points, cut-off 10 (instruments/phq9.json). */
static void test_overview(void **state)
{
	struct fx *f = *state;
	attune_catalog *cat = attune_catalog_new();
	const attune_instrument *phq9;
	struct ov_rows O;
	attune_client_rec c = {0};
	attune_err err;
	attune_id a, b, cc, d, x, north, east, s;
	int audits;

	assert_non_null(cat);
	assert_int_equal(attune_catalog_add_builtin(cat, &err), 0);
	phq9 = attune_catalog_find(cat, "phq9");
	assert_non_null(phq9);
	OK(f->st, attune_store_site_add(f->st, f->clinic, "North", &north));
	OK(f->st, attune_store_site_add(f->st, f->clinic, "East", &east));
	OK(f->st, attune_store_user_set_site(f->st, f->ther1, north));

	/* A (tess, open): 20 -> 15 -> 9: -11, recovered. The therapist's
	 * own PHQ-9 and a late session number order by session, not time. */
	a = add_client(f, "A", f->ther1, "2024-01-01");
	add_phq9(f, add_session(f, a, 1, "2024-01-01"), 500, 20, 0);
	s = add_session(f, a, 3, "2024-01-15");
	add_phq9(f, s, 1500, 9, 0);
	add_phq9(f, s, 1600, 27, 1);
	add_phq9(f, add_session(f, a, 2, "2024-01-08"), 2500, 15, 0);
	/* B (tess, closed): 12 -> 14: unchanged. */
	b = add_client(f, "B", f->ther1, "2024-01-01");
	add_phq9(f, add_session(f, b, 1, "2024-01-01"), 600, 12, 0);
	add_phq9(f, add_session(f, b, 2, "2024-01-08"), 700, 14, 0);
	rows_reset(&R);
	OK(f->st, attune_store_episode_list(f->st, b, episode_cb, &R));
	OK(f->st, attune_store_episode_close(f->st, R.r[0].id, "2024-02-01",
	                                     "completed"));
	/* C (theo, no site, open): 8 -> 16: deteriorated (harmed). */
	cc = add_client(f, "C", f->ther2, "2024-01-01");
	add_phq9(f, add_session(f, cc, 1, "2024-01-01"), 800, 8, 0);
	add_phq9(f, add_session(f, cc, 2, "2024-01-08"), 1200, 16, 0);
	/* D (no therapist): one PHQ-9 only, no pair. */
	d = add_client(f, "D", 0, "2024-01-01");
	add_phq9(f, add_session(f, d, 1, "2024-01-01"), 3000, 5, 0);
	/* X in the other clinic: never counted. */
	c.clinic_id = f->clinic2;
	c.therapist_id = f->ther_other;
	c.code = "X";
	OK(f->st, attune_store_client_add(f->st, &c, "2024-01-01", &x));
	add_phq9(f, add_session(f, x, 1, "2024-01-01"), 900, 27, 0);
	add_phq9(f, add_session(f, x, 2, "2024-01-08"), 2900, 0, 0);

	audits = audit_count(f->st, "clinic.overview", NULL);
	memset(&O, 0, sizeof(O));
	OK(f->st, attune_store_overview(f->st, f->clinic,
	                                ATTUNE_OVERVIEW_THERAPIST, 1000, phq9,
	                                ov_cb, &O));
	assert_int_equal(audit_count(f->st, "clinic.overview",
	                             object("clinic", f->clinic)), audits + 1);
	assert_int_equal(O.n, 3);  /* tess, theo (therapists), then none */
	assert_string_equal(O.name[0], "tess");
	assert_int_equal(O.r[0].id, f->ther1);
	assert_int_equal(O.r[0].clients, 2);
	assert_int_equal(O.r[0].open_episodes, 1);
	assert_int_equal(O.r[0].recent_responses, 3); /* 1500 1600 2500 */
	check_outcome(&O.r[0].all, 2, -9, 1, 1, 1, 0);
	check_outcome(&O.r[0].closed, 1, 2, 0, 0, 1, 0);
	assert_string_equal(O.name[1], "theo");
	assert_int_equal(O.r[1].clients, 1);
	assert_int_equal(O.r[1].open_episodes, 1);
	assert_int_equal(O.r[1].recent_responses, 1);
	check_outcome(&O.r[1].all, 1, 8, 0, 0, 0, 1);
	check_outcome(&O.r[1].closed, 0, 0, 0, 0, 0, 0);
	assert_string_equal(O.name[2], "-");
	assert_int_equal(O.r[2].id, 0);
	assert_int_equal(O.r[2].clients, 1);
	assert_int_equal(O.r[2].recent_responses, 1);
	check_outcome(&O.r[2].all, 0, 0, 0, 0, 0, 0);

	memset(&O, 0, sizeof(O));
	OK(f->st, attune_store_overview(f->st, f->clinic, ATTUNE_OVERVIEW_SITE,
	                                1000, phq9, ov_cb, &O));
	assert_int_equal(O.n, 3);  /* East, North, then no site */
	assert_string_equal(O.name[0], "East");
	assert_int_equal(O.r[0].id, east);
	assert_int_equal(O.r[0].clients, 0);
	check_outcome(&O.r[0].all, 0, 0, 0, 0, 0, 0);
	assert_string_equal(O.name[1], "North");
	assert_int_equal(O.r[1].clients, 2);
	check_outcome(&O.r[1].all, 2, -9, 1, 1, 1, 0);
	assert_int_equal(O.r[2].id, 0);
	assert_int_equal(O.r[2].clients, 2);
	assert_int_equal(O.r[2].open_episodes, 2);
	assert_int_equal(O.r[2].recent_responses, 2);
	check_outcome(&O.r[2].all, 1, 8, 0, 0, 0, 1);

	/* since 0: the last 90 days, which holds none of these times */
	memset(&O, 0, sizeof(O));
	OK(f->st, attune_store_overview(f->st, f->clinic,
	                                ATTUNE_OVERVIEW_THERAPIST, 0, phq9,
	                                ov_cb, &O));
	assert_int_equal(O.r[0].recent_responses, 0);

	/* refusals: no audit row */
	audits = audit_count(f->st, "clinic.overview", NULL);
	RC(f->st, ATTUNE_ENOTFOUND,
	   attune_store_overview(f->st, 9999, ATTUNE_OVERVIEW_SITE, 0, phq9,
	                         ov_cb, &O));
	RC(f->st, ATTUNE_EINVAL,
	   attune_store_overview(f->st, f->clinic, (attune_overview_by)7, 0,
	                         phq9, ov_cb, &O));
	RC(f->st, ATTUNE_EINVAL,
	   attune_store_overview(f->st, f->clinic, ATTUNE_OVERVIEW_SITE, -1,
	                         phq9, ov_cb, &O));
	RC(f->st, ATTUNE_EINVAL,
	   attune_store_overview(f->st, f->clinic, ATTUNE_OVERVIEW_SITE, 0,
	                         NULL, ov_cb, &O));
	RC(f->st, ATTUNE_EINVAL,
	   attune_store_overview(f->st, f->clinic, ATTUNE_OVERVIEW_SITE, 0,
	                         attune_catalog_find(cat, "ecr-rs"), ov_cb,
	                         &O));
	assert_int_equal(audit_count(f->st, "clinic.overview", NULL), audits);
	attune_catalog_free(cat);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest contract[] = {
		cmocka_unit_test(test_missing_without_create),
		cmocka_unit_test(test_create_reopen),
		cmocka_unit_test(test_migrations_idempotent),
		cmocka_unit_test(test_newer_version_refused),
		cmocka_unit_test(test_open_arguments),
		cmocka_unit_test(test_locations),
		cmocka_unit_test(test_ops_complete),
		cmocka_unit_test(test_actor_required),
		T(test_readonly),
		T(test_clinics),
		T(test_users),
		T(test_clients),
		T(test_client_started_today),
		T(test_client_references),
		T(test_episodes),
		T(test_sessions),
		T(test_response_values_round_trip),
		T(test_response_limits),
		T(test_response_order_and_filter),
		T(test_course_list),
		T(test_callback_stops),
		T(test_callback_reentry),
		T(test_rollback_leaves_nothing),
		T(test_commit_composes),
		T(test_failed_multirow_changes_nothing),
		T(test_reads_audited_despite_rollback),
		T(test_audit_rows),
		T(test_dates),
		T(test_code_limits),
		T(test_other_validation),
		T(test_user_get_password_role),
		T(test_web_sessions),
		T(test_links),
		T(test_transcripts),
		T(test_transcript_delete),
		T(test_tokens),
		T(test_access),
		T(test_client_transfer),
		T(test_data_version),
		T(test_client_get_progress_settings),
		T(test_sites),
		T(test_overview),
	};
	const struct CMUnitTest sqlite_only[] = {
		cmocka_unit_test(test_sqlite_not_a_database),
		cmocka_unit_test(test_sqlite_foreign_database),
		T(test_sqlite_settings),
		T(test_sqlite_damaged_values),
		T(test_sqlite_two_handles),
		T(test_sqlite_concurrent_writers),
		T(test_sqlite_no_sync_without_changes),
		T(test_sqlite_audit_alone_durable),
		T(test_sqlite_concurrent_audit_rows),
		cmocka_unit_test(test_sqlite_out_of_memory),
		cmocka_unit_test(test_sqlite_migrate_from_1),
	};
	const struct CMUnitTest pg_only[] = {
		T(test_pg_reconnect),
		cmocka_unit_test(test_pg_concurrent_open),
		cmocka_unit_test(test_pg_refusals),
		T(test_pg_damaged_values),
		T(test_pg_two_handles),
	};
	const char *pg = getenv("ATTUNE_TEST_PG_URI");
	int failed;

	if (pg && *pg) {
		if (!attune_store_location_is_server(pg) ||
		    !strstr(pg, "://")) {
			fprintf(stderr, "ATTUNE_TEST_PG_URI must be a "
			        "postgresql:// URI, not '%s'\n", pg);
			return 1;
		}
		pg_uri = pg;
		eng = &pg_engine;
		failed = cmocka_run_group_tests_name(
			"store contract (postgresql)", contract, NULL, NULL);
		failed += cmocka_run_group_tests_name("postgresql engine",
		                                      pg_only, NULL, NULL);
		return failed ? 1 : 0;
	}
	eng = &sqlite_engine;
	oom_install();
	failed = cmocka_run_group_tests_name("store contract (sqlite)",
	                                     contract, NULL, NULL);
	failed += cmocka_run_group_tests_name("sqlite engine", sqlite_only,
	                                      NULL, NULL);
	return failed ? 1 : 0;
}
