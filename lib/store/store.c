/* store.c - the public storage API: checks every argument, fills in
 * defaults (timestamps, today's date), picks the engine from the location
 * and dispatches through its operations table (store_int.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "attune/instrument.h"
#include "attune/limits.h"
#include "store/store_int.h"

/* ---- Errors and the audit helpers engines share ---- */

int store_vfail(attune_store *st, int rc, const char *fmt, va_list ap)
{
	vsnprintf(st->err.msg, sizeof(st->err.msg), fmt, ap);
	return rc;
}

int store_fail(attune_store *st, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	store_vfail(st, rc, fmt, ap);
	va_end(ap);
	return rc;
}

void store_audit_rec(const attune_store *st, attune_audit_rec *a,
                     const char *zAction, const char *zObject,
                     const char *zDetail)
{
	a->id = 0;
	a->at = st->now;
	a->user_id = st->actor_id;
	a->actor = st->actor_name;
	a->origin = st->actor_origin;
	a->action = zAction;
	a->object = zObject;
	a->detail = zDetail;
}

/* Copy s into *p (advancing it) and return the copy; NULL stays NULL. */
static const char *pack(char **p, const char *s)
{
	size_t n;
	char *d = *p;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	memcpy(d, s, n);
	*p = d + n;
	return d;
}

static size_t size0(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

int store_note_read(attune_store *st, const attune_audit_rec *a)
{
	struct store_read_note *n;
	char *p;

	if (!st->in_txn)
		return ATTUNE_OK;
	n = malloc(sizeof(*n) + size0(a->actor) + size0(a->origin) +
	           size0(a->action) + size0(a->object) + size0(a->detail));
	if (!n)
		return store_fail(st, ATTUNE_ENOMEM,
		                  "out of memory remembering the audit row "
		                  "of a read");
	n->next = NULL;
	n->rec = *a;
	p = n->buf;
	n->rec.actor = pack(&p, a->actor);
	n->rec.origin = pack(&p, a->origin);
	n->rec.action = pack(&p, a->action);
	n->rec.object = pack(&p, a->object);
	n->rec.detail = pack(&p, a->detail);
	*st->notes_tail = n;
	st->notes_tail = &n->next;
	return ATTUNE_OK;
}

static void notes_clear(attune_store *st)
{
	struct store_read_note *n, *next;

	for (n = st->notes; n; n = next) {
		next = n->next;
		free(n);
	}
	st->notes = NULL;
	st->notes_tail = &st->notes;
}

/* After the caller's transaction was rolled back (by rollback, a failed
 * commit or close), write the audit rows of its reads again, in a
 * transaction of their own. rc is the result so far: its message is kept
 * unless the rewrite fails too. */
static int notes_replay(attune_store *st, int rc)
{
	struct store_read_note *n;
	char first[ATTUNE_ERR_MAX];
	int rc2;

	if (!st->notes)
		return rc;
	memcpy(first, st->err.msg, sizeof(first));
	rc2 = st->ops->begin(st);
	for (n = st->notes; rc2 == ATTUNE_OK && n; n = n->next)
		rc2 = st->ops->audit_add(st, &n->rec);
	if (rc2 == ATTUNE_OK)
		rc2 = st->ops->commit(st);
	else
		st->ops->rollback(st);
	notes_clear(st);
	if (rc2 == ATTUNE_OK) {
		memcpy(st->err.msg, first, sizeof(first));
		return rc;
	}
	{
		char second[ATTUNE_ERR_MAX];

		memcpy(second, st->err.msg, sizeof(second));
		return store_fail(st, rc2, "%s%sthe audit rows of the reads "
		                  "in the rolled-back transaction could not be "
		                  "written again: %s", first,
		                  first[0] ? "; " : "", second);
	}
}

/* ---- Item values as text (responses.item_values, every engine) ---- */

/* The longest item_values text: every value at most 24 characters
 * ("-2.2250738585072014e-308") plus a comma. */
#define VALUES_TEXT_MAX (ATTUNE_ITEMS_MAX * 32)

int store_values_encode(attune_store *st, const double *v, size_t n,
                        char **out)
{
	strbuf b;
	size_t i;
	int rc;

	sb_init(&b, VALUES_TEXT_MAX);
	for (i = 0; i < n; i++) {
		if (i)
			sb_putc(&b, ',');
		sb_num(&b, v[i]);
	}
	*out = sb_detach(&b, &rc);
	if (!*out)
		return store_fail(st, rc, "encoding %zu item values", n);
	return ATTUNE_OK;
}

int store_values_decode(const char *z, size_t len, double *v, size_t *n)
{
	size_t i = 0, k = 0, start;

	for (;;) {
		start = i;
		while (i < len && z[i] != ',')
			i++;
		if (k == ATTUNE_ITEMS_MAX)
			goto bad;
		if (i == start)
			v[k] = NAN;
		else if (parse_num(z + start, i - start, &v[k]) != 0)
			goto bad;
		k++;
		if (i == len)
			break;
		i++;               /* the comma */
	}
	*n = k;
	return 0;
bad:
	*n = k + 1;
	return -1;
}

/* ---- Argument checks: each names the field in its message ---- */

/* Start of every call: a fresh message and one clock reading. */
static void enter(attune_store *st)
{
	st->err.msg[0] = '\0';
	st->now = (int64_t)time(NULL);
}

static int need_write(attune_store *st, const char *zWhat)
{
	if (st->flags & ATTUNE_STORE_READONLY)
		return store_fail(st, ATTUNE_EINVAL,
		                  "%s: the store is open read-only", zWhat);
	return ATTUNE_OK;
}

/* Calls that write an audit row need a writable store and an actor. */
static int need_audit(attune_store *st, const char *zWhat)
{
	if (st->flags & ATTUNE_STORE_READONLY)
		return store_fail(st, ATTUNE_EINVAL,
		                  "%s writes an audit row, and the store is "
		                  "open read-only", zWhat);
	if (!st->actor_name)
		return store_fail(st, ATTUNE_EINVAL,
		                  "%s writes an audit row: set the actor with "
		                  "attune_store_set_actor() first", zWhat);
	return ATTUNE_OK;
}

static int check_ptr(attune_store *st, const void *p, const char *zWhat)
{
	if (!p)
		return store_fail(st, ATTUNE_EINVAL, "%s is NULL", zWhat);
	return ATTUNE_OK;
}

static int check_id(attune_store *st, attune_id id, const char *zWhat)
{
	if (id <= 0)
		return store_fail(st, ATTUNE_EINVAL,
		                  "%s must be a positive id, not %lld", zWhat,
		                  (long long)id);
	return ATTUNE_OK;
}

/* 0 (none) or a positive id. */
static int check_id0(attune_store *st, attune_id id, const char *zWhat)
{
	if (id < 0)
		return store_fail(st, ATTUNE_EINVAL,
		                  "%s must be 0 or a positive id, not %lld",
		                  zWhat, (long long)id);
	return ATTUNE_OK;
}

static int check_time(attune_store *st, int64_t t, const char *zWhat)
{
	if (t < 0)
		return store_fail(st, ATTUNE_EINVAL,
		                  "%s must be unix seconds >= 0, not %lld", zWhat,
		                  (long long)t);
	return ATTUNE_OK;
}

/* An identifier (client code, login name, instrument id): 1 to
 * ATTUNE_ID_MAX bytes of printable ASCII without spaces. */
static int check_ident(attune_store *st, const char *z, const char *zWhat)
{
	size_t n, i;

	if (!z)
		return store_fail(st, ATTUNE_EINVAL, "%s is missing", zWhat);
	n = strnlen(z, ATTUNE_ID_MAX + 1);
	if (n == 0)
		return store_fail(st, ATTUNE_EINVAL, "%s is empty", zWhat);
	if (n > ATTUNE_ID_MAX)
		return store_fail(st, ATTUNE_ELIMIT,
		                  "%s is longer than %d bytes (ATTUNE_ID_MAX)",
		                  zWhat, ATTUNE_ID_MAX);
	for (i = 0; i < n; i++)
		if ((unsigned char)z[i] < 0x21 || (unsigned char)z[i] > 0x7e)
			return store_fail(st, ATTUNE_EINVAL,
			                  "%s may hold only printable ASCII "
			                  "without spaces; byte %zu is not",
			                  zWhat, i + 1);
	return ATTUNE_OK;
}

/* Free text: 1 to max bytes of UTF-8 without control characters.
 * optional: NULL means "none" and is fine. */
static int check_text(attune_store *st, const char *z, size_t max,
                      const char *zLimit, int optional, const char *zWhat)
{
	size_t n, i, bad = 0;

	if (!z) {
		if (optional)
			return ATTUNE_OK;
		return store_fail(st, ATTUNE_EINVAL, "%s is missing", zWhat);
	}
	n = strnlen(z, max + 1);
	if (n == 0)
		return store_fail(st, ATTUNE_EINVAL, "%s is empty%s", zWhat,
		                  optional ? " (pass NULL for none)" : "");
	if (n > max)
		return store_fail(st, ATTUNE_ELIMIT,
		                  "%s is longer than %zu bytes (%s)", zWhat, max,
		                  zLimit);
	if (!utf8_valid(z, n, &bad))
		return store_fail(st, ATTUNE_EINVAL,
		                  "%s is not valid UTF-8 at byte %zu", zWhat,
		                  bad + 1);
	for (i = 0; i < n; i++)
		if ((unsigned char)z[i] < 0x20 || z[i] == 0x7f)
			return store_fail(st, ATTUNE_EINVAL,
			                  "%s has a control character at byte %zu",
			                  zWhat, i + 1);
	return ATTUNE_OK;
}

#define ID_TEXT ATTUNE_ID_MAX, "ATTUNE_ID_MAX"
#define LONG_TEXT ATTUNE_TEXT_MAX, "ATTUNE_TEXT_MAX"

static int digits(const char *z, size_t n, int *out)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (z[i] < '0' || z[i] > '9')
			return -1;
		v = v * 10 + (z[i] - '0');
	}
	*out = v;
	return 0;
}

/* "YYYY-MM-DD", a real date of the Gregorian calendar, year 0001-9999. */
static int check_date(attune_store *st, const char *z, const char *zWhat)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30,
	                              31, 31, 30, 31, 30, 31};
	int y, m, d, last;

	if (!z)
		return store_fail(st, ATTUNE_EINVAL, "%s is missing", zWhat);
	if (strnlen(z, 11) != 10 || z[4] != '-' || z[7] != '-' ||
	    digits(z, 4, &y) || digits(z + 5, 2, &m) || digits(z + 8, 2, &d))
		return store_fail(st, ATTUNE_EINVAL,
		                  "%s is not a date of the form YYYY-MM-DD",
		                  zWhat);
	if (y < 1 || m < 1 || m > 12)
		return store_fail(st, ATTUNE_EINVAL,
		                  "%s %.10s is not a calendar date", zWhat, z);
	last = mdays[m - 1];
	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		last = 29;
	if (d < 1 || d > last)
		return store_fail(st, ATTUNE_EINVAL,
		                  "%s %.10s is not a calendar date (month %d "
		                  "has %d days)", zWhat, z, m, last);
	return ATTUNE_OK;
}

/* Today's local date, the day a clinician would write down. */
static const char *today(const attune_store *st, char *buf, size_t n)
{
	time_t t = (time_t)st->now;
	struct tm tm;

	if (!localtime_r(&t, &tm) && !gmtime_r(&t, &tm))
		memset(&tm, 0, sizeof(tm));
	snprintf(buf, n, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday);
	return buf;
}

static int check_cb(attune_store *st, int present)
{
	if (!present)
		return store_fail(st, ATTUNE_EINVAL, "callback is NULL");
	return ATTUNE_OK;
}

/* ---- Opening and closing ---- */

int attune_store_open(const char *zLocation, int flags, attune_store **out,
                      attune_err *err)
{
	const struct attune_store_ops *ops = &store_sqlite_ops;
	attune_store *st = NULL;
	int rc;

	attune_err_clear(err);
	if (out)
		*out = NULL;
	if (!out || !zLocation || !zLocation[0]) {
		rc = attune_err_set(err, ATTUNE_EINVAL, "attune_store_open: %s",
		                    !out ? "out is NULL"
		                         : "the location is empty");
		goto fail;
	}
	if (flags & ~(ATTUNE_STORE_CREATE | ATTUNE_STORE_READONLY)) {
		rc = attune_err_set(err, ATTUNE_EINVAL,
		                    "attune_store_open: unknown flags 0x%x",
		                    (unsigned)flags);
		goto fail;
	}
	if ((flags & ATTUNE_STORE_CREATE) && (flags & ATTUNE_STORE_READONLY)) {
		rc = attune_err_set(err, ATTUNE_EINVAL,
		                    "attune_store_open: CREATE and READONLY "
		                    "exclude each other");
		goto fail;
	}
	if (attune_store_location_is_server(zLocation))
		ops = &store_pg_ops;
	st = calloc(1, sizeof(*st));
	if (!st) {
		rc = attune_err_set(err, ATTUNE_ENOMEM,
		                    "out of memory opening a store");
		goto fail;
	}
	st->ops = ops;
	st->flags = flags;
	st->notes_tail = &st->notes;
	enter(st);
	rc = ops->open(st, zLocation, flags);
	if (rc != ATTUNE_OK) {
		attune_err_set(err, rc, "%s", st->err.msg);
		goto fail;
	}
	*out = st;
	return ATTUNE_OK;
fail:
	free(st);
	return rc;
}

void attune_store_close(attune_store *st)
{
	if (!st)
		return;
	if (st->in_txn) {
		st->ops->rollback(st);
		st->in_txn = 0;
		notes_replay(st, ATTUNE_OK);
	}
	notes_clear(st);
	st->ops->close(st);
	free(st->actor_name);
	free(st->actor_origin);
	free(st);
}

const char *attune_store_errmsg(const attune_store *st)
{
	return st ? st->err.msg : "no store (NULL handle)";
}

int attune_store_schema_version(attune_store *st, int *version)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = check_ptr(st, version, "version")) != ATTUNE_OK)
		return rc;
	return st->ops->schema_version(st, version);
}

int attune_store_set_actor(attune_store *st, attune_id user_id,
                           const char *zName, const char *zOrigin)
{
	char *name = NULL, *origin = NULL;
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = check_id0(st, user_id, "actor user id")) ||
	    (rc = check_text(st, zName, LONG_TEXT, 0, "actor name")) ||
	    (rc = check_text(st, zOrigin, LONG_TEXT, 0, "actor origin")))
		goto fail;
	name = strdup(zName);
	origin = strdup(zOrigin);
	if (!name || !origin) {
		rc = store_fail(st, ATTUNE_ENOMEM,
		                "out of memory setting the actor");
		goto fail;
	}
	free(st->actor_name);
	free(st->actor_origin);
	st->actor_id = user_id;
	st->actor_name = name;
	st->actor_origin = origin;
	return ATTUNE_OK;
fail:
	free(name);
	free(origin);
	return rc;
}

/* ---- Transactions ---- */

static int txn_check(attune_store *st, const char *zWhat, int want_open)
{
	if (st->in_cb)
		return store_fail(st, ATTUNE_EINVAL,
		                  "%s inside a list callback", zWhat);
	if (want_open && !st->in_txn)
		return store_fail(st, ATTUNE_EINVAL,
		                  "%s: no transaction is open", zWhat);
	if (!want_open && st->in_txn)
		return store_fail(st, ATTUNE_EINVAL,
		                  "%s: a transaction is already open "
		                  "(they do not nest)", zWhat);
	return ATTUNE_OK;
}

int attune_store_begin(attune_store *st)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = txn_check(st, "begin", 0)) ||
	    (rc = need_write(st, "begin")) ||
	    (rc = st->ops->begin(st)))
		return rc;
	st->in_txn = 1;
	return ATTUNE_OK;
}

int attune_store_commit(attune_store *st)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = txn_check(st, "commit", 1)) != ATTUNE_OK)
		return rc;
	rc = st->ops->commit(st);
	st->in_txn = 0;
	if (rc != ATTUNE_OK)
		return notes_replay(st, rc);   /* it was rolled back */
	notes_clear(st);
	return ATTUNE_OK;
}

int attune_store_commit_stats(attune_store *st, uint64_t *commits,
                              uint64_t *syncs)
{
	uint64_t synced;

	*commits = *syncs = 0;
	if (!st || !st->engine)
		return ATTUNE_EINVAL;
	if (st->ops == &store_sqlite_ops)
		return store_sqlite_sync_stats(st, commits, &synced, syncs);
	return ATTUNE_ENOTFOUND;
}

int attune_store_audit_stats(attune_store *st, uint64_t *rows,
                             uint64_t *batches)
{
	*rows = *batches = 0;
	if (!st || !st->engine)
		return ATTUNE_EINVAL;
	if (st->ops == &store_sqlite_ops)
		return store_sqlite_audit_stats(st, rows, batches);
	return ATTUNE_ENOTFOUND;
}

int attune_store_rollback(attune_store *st)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = txn_check(st, "rollback", 1)) != ATTUNE_OK)
		return rc;
	rc = st->ops->rollback(st);
	st->in_txn = 0;
	return notes_replay(st, rc);
}

/* ---- Clinics and users ---- */

int attune_store_clinic_add(attune_store *st, const char *zName,
                            attune_id *out_id)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "adding a clinic")) ||
	    (rc = check_text(st, zName, ID_TEXT, 0, "clinic name")))
		return rc;
	return st->ops->clinic_add(st, zName, st->now, out_id);
}

int attune_store_clinic_list(attune_store *st, attune_clinic_cb cb,
                             void *ctx)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = check_cb(st, cb != NULL)) != ATTUNE_OK)
		return rc;
	return st->ops->clinic_list(st, cb, ctx);
}

int attune_store_user_add(attune_store *st, const attune_user_rec *u,
                          attune_id *out_id)
{
	attune_user_rec v;
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "adding a user")) ||
	    (rc = check_ptr(st, u, "user record")) ||
	    (rc = check_id(st, u->clinic_id, "user's clinic id")) ||
	    (rc = check_ident(st, u->name, "user name")) ||
	    (rc = check_text(st, u->display_name, LONG_TEXT, 1,
	                     "user's display name")) ||
	    (rc = check_text(st, u->password_hash, LONG_TEXT, 1,
	                     "password hash")) ||
	    (rc = check_time(st, u->created_at, "user's created_at")))
		return rc;
	if ((int)u->role < ATTUNE_ROLE_ADMIN ||
	    (int)u->role > ATTUNE_ROLE_THERAPIST)
		return store_fail(st, ATTUNE_EINVAL,
		                  "user role %d is not admin (0), supervisor (1) "
		                  "or therapist (2)", (int)u->role);
	v = *u;
	if (!v.created_at)
		v.created_at = st->now;
	return st->ops->user_add(st, &v, out_id);
}

int attune_store_user_find(attune_store *st, attune_id clinic_id,
                           const char *zName, attune_user_cb cb, void *ctx)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = check_id(st, clinic_id, "clinic id")) ||
	    (rc = check_ident(st, zName, "user name")) ||
	    (rc = check_cb(st, cb != NULL)))
		return rc;
	return st->ops->user_find(st, clinic_id, zName, cb, ctx);
}

int attune_store_user_list(attune_store *st, attune_id clinic_id,
                           attune_user_cb cb, void *ctx)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = check_id(st, clinic_id, "clinic id")) ||
	    (rc = check_cb(st, cb != NULL)))
		return rc;
	return st->ops->user_list(st, clinic_id, cb, ctx);
}

/* ---- Clients ---- */

int attune_store_client_add(attune_store *st, const attune_client_rec *c,
                            const char *zStarted, attune_id *out_id)
{
	attune_client_rec v;
	char day[32];
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "adding a client")) ||
	    (rc = check_ptr(st, c, "client record")) ||
	    (rc = check_id(st, c->clinic_id, "client's clinic id")) ||
	    (rc = check_id0(st, c->therapist_id, "client's therapist id")) ||
	    (rc = check_ident(st, c->code, "client code")) ||
	    (rc = check_text(st, c->display_name, LONG_TEXT, 1,
	                     "client's display name")) ||
	    (rc = check_time(st, c->created_at, "client's created_at")))
		return rc;
	if (c->sees_progress != 0 && c->sees_progress != 1)
		return store_fail(st, ATTUNE_EINVAL,
		                  "client's sees_progress must be 0 or 1, not %d",
		                  c->sees_progress);
	if (zStarted) {
		if ((rc = check_date(st, zStarted, "episode start date")))
			return rc;
	} else {
		zStarted = today(st, day, sizeof(day));
	}
	v = *c;
	if (!v.created_at)
		v.created_at = st->now;
	return st->ops->client_add(st, &v, zStarted, out_id);
}

int attune_store_client_find(attune_store *st, attune_id clinic_id,
                             const char *zCode, attune_client_cb cb,
                             void *ctx)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "reading a client")) ||
	    (rc = check_id(st, clinic_id, "clinic id")) ||
	    (rc = check_ident(st, zCode, "client code")) ||
	    (rc = check_cb(st, cb != NULL)))
		return rc;
	return st->ops->client_find(st, clinic_id, zCode, cb, ctx);
}

int attune_store_client_list(attune_store *st, attune_id clinic_id,
                             attune_id therapist_id, attune_client_cb cb,
                             void *ctx)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "listing clients")) ||
	    (rc = check_id(st, clinic_id, "clinic id")) ||
	    (rc = check_id0(st, therapist_id, "therapist id")) ||
	    (rc = check_cb(st, cb != NULL)))
		return rc;
	return st->ops->client_list(st, clinic_id, therapist_id, cb, ctx);
}

/* ---- Episodes ---- */

int attune_store_episode_open(attune_store *st, attune_id client_id,
                              const char *zStarted, attune_id *out_id)
{
	char day[32];
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "opening an episode")) ||
	    (rc = check_id(st, client_id, "client id")))
		return rc;
	if (zStarted) {
		if ((rc = check_date(st, zStarted, "episode start date")))
			return rc;
	} else {
		zStarted = today(st, day, sizeof(day));
	}
	return st->ops->episode_open(st, client_id, zStarted, out_id);
}

int attune_store_episode_close(attune_store *st, attune_id episode_id,
                               const char *zEnded, const char *zReason)
{
	char day[32];
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "closing an episode")) ||
	    (rc = check_id(st, episode_id, "episode id")) ||
	    (rc = check_text(st, zReason, LONG_TEXT, 1, "end reason")))
		return rc;
	if (zEnded) {
		if ((rc = check_date(st, zEnded, "episode end date")))
			return rc;
	} else {
		zEnded = today(st, day, sizeof(day));
	}
	return st->ops->episode_close(st, episode_id, zEnded, zReason);
}

int attune_store_episode_list(attune_store *st, attune_id client_id,
                              attune_episode_cb cb, void *ctx)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "listing episodes")) ||
	    (rc = check_id(st, client_id, "client id")) ||
	    (rc = check_cb(st, cb != NULL)))
		return rc;
	return st->ops->episode_list(st, client_id, cb, ctx);
}

/* ---- Sessions ---- */

int attune_store_session_add(attune_store *st, const attune_session_rec *s,
                             attune_id *out_id)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "adding a session")) ||
	    (rc = check_ptr(st, s, "session record")) ||
	    (rc = check_id0(st, s->episode_id, "session's episode id")) ||
	    (rc = check_id0(st, s->client_id, "session's client id")) ||
	    (rc = check_date(st, s->date, "session date")))
		return rc;
	if (!s->episode_id && !s->client_id)
		return store_fail(st, ATTUNE_EINVAL,
		                  "a session needs a client id or an episode "
		                  "id");
	if (s->number < 1)
		return store_fail(st, ATTUNE_EINVAL,
		                  "session number must be 1 or more, not %d",
		                  s->number);
	if (s->attended != 0 && s->attended != 1)
		return store_fail(st, ATTUNE_EINVAL,
		                  "session's attended must be 0 or 1, not %d",
		                  s->attended);
	return st->ops->session_add(st, s, out_id);
}

int attune_store_session_list(attune_store *st, attune_id client_id,
                              attune_session_cb cb, void *ctx)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "listing sessions")) ||
	    (rc = check_id(st, client_id, "client id")) ||
	    (rc = check_cb(st, cb != NULL)))
		return rc;
	return st->ops->session_list(st, client_id, cb, ctx);
}

int attune_store_session_find(attune_store *st, attune_id client_id,
                              int number, attune_session_cb cb, void *ctx)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "reading a session")) ||
	    (rc = check_id(st, client_id, "client id")) ||
	    (rc = check_cb(st, cb != NULL)))
		return rc;
	if (number < 1)
		return store_fail(st, ATTUNE_EINVAL,
		                  "session number must be 1 or more, not %d",
		                  number);
	return st->ops->session_find(st, client_id, number, cb, ctx);
}

/* ---- Responses ---- */

int attune_store_response_add(attune_store *st, const attune_response_rec *r,
                              attune_id *out_id)
{
	attune_response_rec v;
	size_t i;
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "adding a response")) ||
	    (rc = check_ptr(st, r, "response record")) ||
	    (rc = check_id(st, r->session_id, "response's session id")) ||
	    (rc = check_ident(st, r->instrument, "instrument id")) ||
	    (rc = check_ident(st, r->instrument_version,
	                      "instrument version")) ||
	    (rc = check_time(st, r->recorded_at, "response's recorded_at")))
		return rc;
	if (r->respondent != ATTUNE_RESPONDENT_CLIENT &&
	    r->respondent != ATTUNE_RESPONDENT_THERAPIST)
		return store_fail(st, ATTUNE_EINVAL,
		                  "respondent %d is not client (0) or "
		                  "therapist (1)", r->respondent);
	if (r->n_values == 0)
		return store_fail(st, ATTUNE_EINVAL,
		                  "a response needs at least one item value");
	if (r->n_values > ATTUNE_ITEMS_MAX)
		return store_fail(st, ATTUNE_ELIMIT,
		                  "a response has %zu item values; the limit is "
		                  "%d (ATTUNE_ITEMS_MAX)", r->n_values,
		                  ATTUNE_ITEMS_MAX);
	if ((rc = check_ptr(st, r->values, "response's values")))
		return rc;
	for (i = 0; i < r->n_values; i++)
		if (isinf(r->values[i]))
			return store_fail(st, ATTUNE_EINVAL,
			                  "item value %zu is infinite", i + 1);
	if (isinf(r->total))
		return store_fail(st, ATTUNE_EINVAL,
		                  "response total is infinite");
	v = *r;
	if (!v.recorded_at)
		v.recorded_at = st->now;
	return st->ops->response_add(st, &v, out_id);
}

int attune_store_response_list(attune_store *st, attune_id client_id,
                               const char *zInstrument,
                               attune_response_cb cb, void *ctx)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "listing responses")) ||
	    (rc = check_id(st, client_id, "client id")) ||
	    (zInstrument &&
	     (rc = check_ident(st, zInstrument, "instrument id"))) ||
	    (rc = check_cb(st, cb != NULL)))
		return rc;
	return st->ops->response_list(st, client_id, zInstrument, cb, ctx);
}

int attune_store_course_list(attune_store *st, const attune_id *client_ids,
                             size_t n, attune_episode_cb episode_cb,
                             attune_session_cb session_cb,
                             attune_response_cb response_cb, void *ctx)
{
	size_t i;
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "listing courses")) ||
	    (rc = check_cb(st, episode_cb && session_cb && response_cb)) ||
	    (n && (rc = check_ptr(st, client_ids, "client_ids"))))
		return rc;
	for (i = 0; i < n; i++)
		if ((rc = check_id(st, client_ids[i], "client id")))
			return rc;
	if (n == 0)
		return ATTUNE_OK;
	return st->ops->course_list(st, client_ids, n, episode_cb,
	                            session_cb, response_cb, ctx);
}

int store_course_list_each(attune_store *st, const attune_id *client_ids,
                           size_t n, attune_episode_cb episode_cb,
                           attune_session_cb session_cb,
                           attune_response_cb response_cb, void *ctx)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		if ((rc = st->ops->episode_list(st, client_ids[i], episode_cb,
		                                ctx)) ||
		    (rc = st->ops->session_list(st, client_ids[i], session_cb,
		                                ctx)) ||
		    (rc = st->ops->response_list(st, client_ids[i], NULL,
		                                 response_cb, ctx)))
			return rc;
	return ATTUNE_OK;
}

/* ---- Audit ---- */

int attune_store_audit(attune_store *st, const char *zAction,
                       const char *zObject, const char *zDetail)
{
	attune_audit_rec a;
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "attune_store_audit")) ||
	    (rc = check_ident(st, zAction, "audit action")) ||
	    (rc = check_ident(st, zObject, "audit object")) ||
	    (rc = check_text(st, zDetail, LONG_TEXT, 1, "audit detail")))
		return rc;
	store_audit_rec(st, &a, zAction, zObject, zDetail);
	if ((rc = st->ops->audit_add(st, &a)) != ATTUNE_OK)
		return rc;
	/* A hand-written row records a read: it must survive a rollback. */
	return store_note_read(st, &a);
}

int attune_store_audit_list(attune_store *st, int64_t since, size_t limit,
                            attune_audit_cb cb, void *ctx)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = check_cb(st, cb != NULL)) != ATTUNE_OK)
		return rc;
	return st->ops->audit_list(st, since, limit, cb, ctx);
}

/* ==== Schema 2: the web app ==== */

/* A hash of a secret, as the caller wrote it: an identifier. */
static int check_hash(attune_store *st, const char *z, const char *zWhat)
{
	return check_ident(st, z, zWhat);
}

static int check_role(attune_store *st, attune_role role)
{
	if ((int)role < ATTUNE_ROLE_ADMIN || (int)role > ATTUNE_ROLE_THERAPIST)
		return store_fail(st, ATTUNE_EINVAL,
		                  "user role %d is not admin (0), supervisor (1) "
		                  "or therapist (2)", (int)role);
	return ATTUNE_OK;
}

/* "a,b,c": 1..ATTUNE_LINK_INSTRUMENTS_MAX identifiers. */
static int check_id_list(attune_store *st, const char *z, const char *zWhat)
{
	size_t n = 0, len, i, start = 0;
	char one[ATTUNE_ID_MAX + 2];

	if (!z)
		return store_fail(st, ATTUNE_EINVAL, "%s is missing", zWhat);
	len = strnlen(z, (ATTUNE_ID_MAX + 1) * ATTUNE_LINK_INSTRUMENTS_MAX + 1);
	if (len > (ATTUNE_ID_MAX + 1) * ATTUNE_LINK_INSTRUMENTS_MAX)
		return store_fail(st, ATTUNE_ELIMIT, "%s is too long", zWhat);
	for (i = 0; i <= len; i++) {
		if (i < len && z[i] != ',')
			continue;
		if (++n > ATTUNE_LINK_INSTRUMENTS_MAX)
			return store_fail(st, ATTUNE_ELIMIT,
			                  "%s names more than %d instruments "
			                  "(ATTUNE_LINK_INSTRUMENTS_MAX)", zWhat,
			                  ATTUNE_LINK_INSTRUMENTS_MAX);
		if (i - start > ATTUNE_ID_MAX)
			return store_fail(st, ATTUNE_ELIMIT,
			                  "%s: instrument %zu is longer than %d "
			                  "bytes", zWhat, n, ATTUNE_ID_MAX);
		memcpy(one, z + start, i - start);
		one[i - start] = '\0';
		if (check_ident(st, one, zWhat))
			return store_fail(st, ATTUNE_EINVAL,
			                  "%s: instrument %zu is not an identifier "
			                  "(printable ASCII, no spaces, not empty)",
			                  zWhat, n);
		start = i + 1;
	}
	return ATTUNE_OK;
}

int attune_store_user_get(attune_store *st, attune_id user_id,
                          attune_user_cb cb, void *ctx)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = check_id(st, user_id, "user id")) ||
	    (rc = check_cb(st, cb != NULL)))
		return rc;
	return st->ops->user_get(st, user_id, cb, ctx);
}

int attune_store_user_set_password(attune_store *st, attune_id user_id,
                                   const char *zHash)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "setting a password")) ||
	    (rc = check_id(st, user_id, "user id")) ||
	    (rc = check_text(st, zHash, LONG_TEXT, 1, "password hash")))
		return rc;
	return st->ops->user_set_password(st, user_id, zHash);
}

int attune_store_user_set_role(attune_store *st, attune_id user_id,
                               attune_role role)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "changing a role")) ||
	    (rc = check_id(st, user_id, "user id")) ||
	    (rc = check_role(st, role)))
		return rc;
	return st->ops->user_set_role(st, user_id, role);
}

/* ---- Web sessions ---- */

int attune_store_websession_add(attune_store *st,
                                const attune_websession_rec *s)
{
	attune_websession_rec v;
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "recording a sign-in")) ||
	    (rc = check_ptr(st, s, "session record")) ||
	    (rc = check_hash(st, s->id_hash, "session hash")) ||
	    (rc = check_id(st, s->user_id, "session's user id")) ||
	    (rc = check_hash(st, s->csrf, "session's CSRF secret")) ||
	    (rc = check_text(st, s->origin, LONG_TEXT, 0,
	                     "session's origin")) ||
	    (rc = check_time(st, s->created_at, "session's created_at")) ||
	    (rc = check_time(st, s->last_seen, "session's last_seen")) ||
	    (rc = check_time(st, s->expires_at, "session's expires_at")))
		return rc;
	v = *s;
	if (!v.created_at)
		v.created_at = st->now;
	if (!v.last_seen)
		v.last_seen = v.created_at;
	if (v.expires_at <= v.created_at)
		return store_fail(st, ATTUNE_EINVAL,
		                  "a session must expire after it is created");
	return st->ops->websession_add(st, &v);
}

int attune_store_websession_find(attune_store *st, const char *zIdHash,
                                 attune_websession_cb cb, void *ctx)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = check_hash(st, zIdHash, "session hash")) ||
	    (rc = check_cb(st, cb != NULL)))
		return rc;
	return st->ops->websession_find(st, zIdHash, cb, ctx);
}

int attune_store_websession_touch(attune_store *st, const char *zIdHash,
                                  int64_t last_seen)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_write(st, "touching a session")) ||
	    (rc = check_hash(st, zIdHash, "session hash")) ||
	    (rc = check_time(st, last_seen, "last_seen")))
		return rc;
	return st->ops->websession_touch(st, zIdHash, last_seen);
}

int attune_store_websession_delete(attune_store *st, const char *zIdHash)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "signing out")) ||
	    (rc = check_hash(st, zIdHash, "session hash")))
		return rc;
	return st->ops->websession_delete(st, zIdHash);
}

int attune_store_websession_delete_user(attune_store *st, attune_id user_id,
                                        size_t *n_deleted)
{
	size_t n = 0;
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "ending a user's sessions")) ||
	    (rc = check_id(st, user_id, "user id")))
		return rc;
	rc = st->ops->websession_delete_user(st, user_id, &n);
	if (rc == ATTUNE_OK && n_deleted)
		*n_deleted = n;
	return rc;
}

int attune_store_websession_purge(attune_store *st, int64_t now,
                                  int64_t idle_before, size_t *n_deleted)
{
	size_t n = 0;
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_write(st, "purging sessions")) ||
	    (rc = check_time(st, now, "now")) ||
	    (rc = check_time(st, idle_before, "idle_before")))
		return rc;
	rc = st->ops->websession_purge(st, now, idle_before, &n);
	if (rc == ATTUNE_OK && n_deleted)
		*n_deleted = n;
	return rc;
}

/* ---- Check-in links ---- */

int attune_store_link_add(attune_store *st, const attune_link_rec *l,
                          attune_id *out_id)
{
	attune_link_rec v;
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "creating a check-in link")) ||
	    (rc = check_ptr(st, l, "link record")) ||
	    (rc = check_hash(st, l->token_hash, "link token hash")) ||
	    (rc = check_id(st, l->client_id, "link's client id")) ||
	    (rc = check_id0(st, l->created_by, "link's creator")) ||
	    (rc = check_id_list(st, l->instruments, "link's instruments")) ||
	    (rc = check_time(st, l->created_at, "link's created_at")) ||
	    (rc = check_time(st, l->expires_at, "link's expires_at")))
		return rc;
	if (l->session_number < 0)
		return store_fail(st, ATTUNE_EINVAL,
		                  "link's session number must be 0 (next) or "
		                  "more, not %d", l->session_number);
	v = *l;
	if (!v.created_at)
		v.created_at = st->now;
	v.used_at = 0;
	if (v.expires_at <= v.created_at)
		return store_fail(st, ATTUNE_EINVAL,
		                  "a link must expire after it is created");
	return st->ops->link_add(st, &v, out_id);
}

int attune_store_link_find(attune_store *st, const char *zTokenHash,
                           attune_link_cb cb, void *ctx)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "opening a check-in link")) ||
	    (rc = check_hash(st, zTokenHash, "link token hash")) ||
	    (rc = check_cb(st, cb != NULL)))
		return rc;
	return st->ops->link_find(st, zTokenHash, cb, ctx);
}

int attune_store_link_use(attune_store *st, attune_id link_id,
                          int64_t used_at)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "using a check-in link")) ||
	    (rc = check_id(st, link_id, "link id")) ||
	    (rc = check_time(st, used_at, "used_at")))
		return rc;
	return st->ops->link_use(st, link_id, used_at ? used_at : st->now);
}

int attune_store_link_list(attune_store *st, attune_id client_id,
                           attune_link_cb cb, void *ctx)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "listing check-in links")) ||
	    (rc = check_id(st, client_id, "client id")) ||
	    (rc = check_cb(st, cb != NULL)))
		return rc;
	return st->ops->link_list(st, client_id, cb, ctx);
}

/* ---- API tokens ---- */

int attune_store_token_add(attune_store *st, const attune_token_rec *t,
                           attune_id *out_id)
{
	attune_token_rec v;
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "creating an API token")) ||
	    (rc = check_ptr(st, t, "token record")) ||
	    (rc = check_hash(st, t->token_hash, "token hash")) ||
	    (rc = check_id(st, t->user_id, "token's user id")) ||
	    (rc = check_text(st, t->label, LONG_TEXT, 0, "token label")) ||
	    (rc = check_time(st, t->created_at, "token's created_at")))
		return rc;
	v = *t;
	if (!v.created_at)
		v.created_at = st->now;
	v.last_used = 0;
	v.revoked_at = 0;
	return st->ops->token_add(st, &v, out_id);
}

int attune_store_token_find(attune_store *st, const char *zTokenHash,
                            attune_token_cb cb, void *ctx)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = check_hash(st, zTokenHash, "token hash")) ||
	    (rc = check_cb(st, cb != NULL)))
		return rc;
	return st->ops->token_find(st, zTokenHash, cb, ctx);
}

int attune_store_token_touch(attune_store *st, attune_id token_id,
                             int64_t last_used)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_write(st, "touching a token")) ||
	    (rc = check_id(st, token_id, "token id")) ||
	    (rc = check_time(st, last_used, "last_used")))
		return rc;
	return st->ops->token_touch(st, token_id, last_used);
}

int attune_store_token_revoke(attune_store *st, attune_id token_id)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "revoking a token")) ||
	    (rc = check_id(st, token_id, "token id")))
		return rc;
	return st->ops->token_revoke(st, token_id);
}

int attune_store_token_list(attune_store *st, attune_id user_id,
                            attune_token_cb cb, void *ctx)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = check_id0(st, user_id, "user id")) ||
	    (rc = check_cb(st, cb != NULL)))
		return rc;
	return st->ops->token_list(st, user_id, cb, ctx);
}

/* ---- Access ---- */

int attune_store_supervision_add(attune_store *st, attune_id supervisor_id,
                                 attune_id therapist_id)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "adding a supervision")) ||
	    (rc = check_id(st, supervisor_id, "supervisor id")) ||
	    (rc = check_id(st, therapist_id, "therapist id")))
		return rc;
	if (supervisor_id == therapist_id)
		return store_fail(st, ATTUNE_EINVAL,
		                  "a user cannot supervise themself");
	return st->ops->supervision_add(st, supervisor_id, therapist_id);
}

int attune_store_supervision_remove(attune_store *st,
                                    attune_id supervisor_id,
                                    attune_id therapist_id)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "removing a supervision")) ||
	    (rc = check_id(st, supervisor_id, "supervisor id")) ||
	    (rc = check_id(st, therapist_id, "therapist id")))
		return rc;
	return st->ops->supervision_remove(st, supervisor_id, therapist_id);
}

int attune_store_supervision_list(attune_store *st, attune_id supervisor_id,
                                  attune_user_cb cb, void *ctx)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = check_id(st, supervisor_id, "supervisor id")) ||
	    (rc = check_cb(st, cb != NULL)))
		return rc;
	return st->ops->supervision_list(st, supervisor_id, cb, ctx);
}

int attune_store_grant_add(attune_store *st, attune_id user_id,
                           attune_id client_id)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "granting access")) ||
	    (rc = check_id(st, user_id, "user id")) ||
	    (rc = check_id(st, client_id, "client id")))
		return rc;
	return st->ops->grant_add(st, user_id, client_id);
}

int attune_store_grant_remove(attune_store *st, attune_id user_id,
                              attune_id client_id)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "removing a grant")) ||
	    (rc = check_id(st, user_id, "user id")) ||
	    (rc = check_id(st, client_id, "client id")))
		return rc;
	return st->ops->grant_remove(st, user_id, client_id);
}

int attune_store_grant_list(attune_store *st, attune_id user_id,
                            attune_client_cb cb, void *ctx)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "listing granted clients")) ||
	    (rc = check_id(st, user_id, "user id")) ||
	    (rc = check_cb(st, cb != NULL)))
		return rc;
	return st->ops->grant_list(st, user_id, cb, ctx);
}

int attune_store_client_access(attune_store *st, attune_id user_id,
                               attune_id client_id, attune_access *out)
{
	int64_t version;
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = check_id(st, user_id, "user id")) ||
	    (rc = check_id(st, client_id, "client id")) ||
	    (rc = check_ptr(st, out, "out")))
		return rc;
	*out = ATTUNE_ACCESS_NONE;
	return st->ops->client_access(st, user_id, client_id, out, &version);
}

int attune_store_client_access_version(attune_store *st, attune_id user_id,
                                       attune_id client_id,
                                       attune_access *out, int64_t *version)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = check_id(st, user_id, "user id")) ||
	    (rc = check_id(st, client_id, "client id")) ||
	    (rc = check_ptr(st, out, "out")) ||
	    (rc = check_ptr(st, version, "version")))
		return rc;
	*out = ATTUNE_ACCESS_NONE;
	*version = 0;
	return st->ops->client_access(st, user_id, client_id, out, version);
}

int attune_store_client_get(attune_store *st, attune_id client_id,
                            attune_client_cb cb, void *ctx)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "reading a client")) ||
	    (rc = check_id(st, client_id, "client id")) ||
	    (rc = check_cb(st, cb != NULL)))
		return rc;
	return st->ops->client_get(st, client_id, cb, ctx);
}

int attune_store_client_transfer(attune_store *st, attune_id client_id,
                                 attune_id therapist_id)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "transferring a client")) ||
	    (rc = check_id(st, client_id, "client id")) ||
	    (rc = check_id(st, therapist_id, "therapist id")))
		return rc;
	return st->ops->client_transfer(st, client_id, therapist_id);
}

int attune_store_client_set_sees_progress(attune_store *st,
                                          attune_id client_id, int on)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "changing a client")) ||
	    (rc = check_id(st, client_id, "client id")))
		return rc;
	if (on != 0 && on != 1)
		return store_fail(st, ATTUNE_EINVAL,
		                  "sees_progress must be 0 or 1, not %d", on);
	return st->ops->client_set_sees_progress(st, client_id, on);
}

/* ---- Clinic settings ---- */

int attune_store_setting_set(attune_store *st, attune_id clinic_id,
                             const char *zName, const char *zValue)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "changing a setting")) ||
	    (rc = check_id(st, clinic_id, "clinic id")) ||
	    (rc = check_ident(st, zName, "setting name")) ||
	    (rc = check_text(st, zValue, LONG_TEXT, 0, "setting value")))
		return rc;
	return st->ops->setting_set(st, clinic_id, zName, zValue);
}

int attune_store_setting_get(attune_store *st, attune_id clinic_id,
                             const char *zName,
                             int (*cb)(void *ctx, const char *zValue),
                             void *ctx)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = check_id(st, clinic_id, "clinic id")) ||
	    (rc = check_ident(st, zName, "setting name")) ||
	    (rc = check_cb(st, cb != NULL)))
		return rc;
	return st->ops->setting_get(st, clinic_id, zName, cb, ctx);
}

/* ---- Session transcripts (schema 3) ---- */

/* A transcript's text: 1..ATTUNE_TRANSCRIPT_SIZE_MAX bytes of valid
 * UTF-8. Unlike other text it may hold line breaks and tabs (it is a
 * file); NUL cannot occur in a C string. */
static int check_transcript_text(attune_store *st, const char *z)
{
	size_t n, bad = 0;

	if (!z)
		return store_fail(st, ATTUNE_EINVAL, "transcript text is missing");
	n = strnlen(z, (size_t)ATTUNE_TRANSCRIPT_SIZE_MAX + 1);
	if (n == 0)
		return store_fail(st, ATTUNE_EINVAL, "transcript text is empty");
	if (n > ATTUNE_TRANSCRIPT_SIZE_MAX)
		return store_fail(st, ATTUNE_ELIMIT,
		                  "transcript text is longer than %u bytes "
		                  "(ATTUNE_TRANSCRIPT_SIZE_MAX)",
		                  (unsigned)ATTUNE_TRANSCRIPT_SIZE_MAX);
	if (!utf8_valid(z, n, &bad))
		return store_fail(st, ATTUNE_EINVAL,
		                  "transcript text is not valid UTF-8 at byte %zu",
		                  bad + 1);
	return ATTUNE_OK;
}

int attune_store_transcript_add(attune_store *st,
                                const attune_transcript_row *t,
                                attune_id *out_id)
{
	attune_transcript_row v;
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "storing a transcript")) ||
	    (rc = check_ptr(st, t, "transcript record")) ||
	    (rc = check_id(st, t->session_id, "transcript's session id")) ||
	    (rc = check_ident(st, t->format, "transcript's format")) ||
	    (rc = check_transcript_text(st, t->text)) ||
	    (rc = check_id0(st, t->created_by, "transcript's creator")) ||
	    (rc = check_time(st, t->created_at, "transcript's created_at")))
		return rc;
	v = *t;
	v.id = 0;
	v.client_id = 0;
	v.session_number = 0;
	v.size = strlen(v.text);
	if (!v.created_at)
		v.created_at = st->now;
	return st->ops->transcript_add(st, &v, out_id);
}

int attune_store_transcript_get(attune_store *st, attune_id transcript_id,
                                attune_transcript_row_cb cb, void *ctx)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "reading a transcript")) ||
	    (rc = check_id(st, transcript_id, "transcript id")) ||
	    (rc = check_cb(st, cb != NULL)))
		return rc;
	return st->ops->transcript_get(st, transcript_id, cb, ctx);
}

int attune_store_transcript_list(attune_store *st, attune_id client_id,
                                 attune_id session_id,
                                 attune_transcript_row_cb cb, void *ctx)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "listing transcripts")) ||
	    (rc = check_id(st, client_id, "client id")) ||
	    (rc = check_id0(st, session_id, "session id")) ||
	    (rc = check_cb(st, cb != NULL)))
		return rc;
	return st->ops->transcript_list(st, client_id, session_id, cb, ctx);
}

int attune_store_transcript_delete(attune_store *st, attune_id client_id,
                                   attune_id transcript_id)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "deleting a transcript")) ||
	    (rc = check_id0(st, client_id, "client id")) ||
	    (rc = check_id(st, transcript_id, "transcript id")))
		return rc;
	return st->ops->transcript_delete(st, client_id, transcript_id);
}

/* ---- Sites and the clinic overview (schema 5) ---- */

int attune_store_site_add(attune_store *st, attune_id clinic_id,
                          const char *zName, attune_id *out_id)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "adding a site")) ||
	    (rc = check_id(st, clinic_id, "clinic id")) ||
	    (rc = check_text(st, zName, ID_TEXT, 0, "site name")))
		return rc;
	return st->ops->site_add(st, clinic_id, zName, st->now, out_id);
}

int attune_store_site_list(attune_store *st, attune_id clinic_id,
                           attune_site_cb cb, void *ctx)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = check_id(st, clinic_id, "clinic id")) ||
	    (rc = check_cb(st, cb != NULL)))
		return rc;
	return st->ops->site_list(st, clinic_id, cb, ctx);
}

int attune_store_user_set_site(attune_store *st, attune_id user_id,
                               attune_id site_id)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "setting a user's site")) ||
	    (rc = check_id(st, user_id, "user id")) ||
	    (rc = check_id0(st, site_id, "site id")))
		return rc;
	return st->ops->user_set_site(st, user_id, site_id);
}

/* Within the 90 days the overview counts responses of by default. */
#define OVERVIEW_RECENT_DAYS 90

int attune_store_overview(attune_store *st, attune_id clinic_id,
                          attune_overview_by by, int64_t since,
                          const struct attune_instrument *outcome,
                          attune_overview_cb cb, void *ctx)
{
	int rc;

	if (!st)
		return ATTUNE_EINVAL;
	enter(st);
	if ((rc = need_audit(st, "the clinic overview")) ||
	    (rc = check_id(st, clinic_id, "clinic id")) ||
	    (rc = check_time(st, since, "since")) ||
	    (rc = check_ptr(st, outcome, "outcome instrument")) ||
	    (rc = check_cb(st, cb != NULL)))
		return rc;
	if (by != ATTUNE_OVERVIEW_THERAPIST && by != ATTUNE_OVERVIEW_SITE)
		return store_fail(st, ATTUNE_EINVAL, "the overview groups by "
		                  "therapist (0) or site (1), not %d", (int)by);
	if (since == 0)
		since = st->now - (int64_t)OVERVIEW_RECENT_DAYS * 86400;
	return store_overview_run(st, clinic_id, by, since, outcome, cb, ctx);
}
