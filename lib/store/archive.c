/* archive.c - a whole practice as one JSON Lines file (docs/archive.md):
 * the table list, the writer (attune export --all), the strict reader
 * and the loader (attune import). Engines only dump and insert raw rows
 * (store_int.h); everything about the format lives here. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cjson/cJSON.h>
#include <sodium.h>
#include "attune/archive.h"
#include "attune/limits.h"
#include "store/store_int.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Table indexes, for references. */
enum { T_CLINICS, T_SITES, T_USERS, T_SUPERVISION, T_CLIENTS, T_GRANTS, T_EPISODES,
       T_SESSIONS, T_RESPONSES, T_TRANSCRIPTS, T_LINKS, T_TOKENS,
       T_SETTINGS, T_AUDIT, T_N };

#define I(n) { n, STORE_COL_INT, 0, -1 }
#define I0(n) { n, STORE_COL_INT, 1, -1 }
#define R0(n) { n, STORE_COL_REAL, 1, -1 }
#define S(n) { n, STORE_COL_TEXT, 0, -1 }
#define S0(n) { n, STORE_COL_TEXT, 1, -1 }
#define REF(n, t) { n, STORE_COL_INT, 0, t }
#define REF0(n, t) { n, STORE_COL_INT, 1, t }

/* Columns in archive order: the order of docs/archive.md. */
static const struct store_column c_clinics[] = {
	I("id"), S("name"), I("created_at") };
static const struct store_column c_sites[] = {
	I("id"), REF("clinic_id", T_CLINICS), S("name"), I("created_at") };
static const struct store_column c_users[] = {
	I("id"), REF("clinic_id", T_CLINICS), S("name"), S0("display_name"),
	I("role"), S0("password_hash"), I("created_at"),
	REF0("site_id", T_SITES) };
static const struct store_column c_supervision[] = {
	REF("supervisor_id", T_USERS), REF("therapist_id", T_USERS),
	I("created_at") };
static const struct store_column c_clients[] = {
	I("id"), REF("clinic_id", T_CLINICS), REF0("therapist_id", T_USERS),
	S("code"), S0("display_name"), I("created_at"), I("sees_progress") };
static const struct store_column c_grants[] = {
	REF("user_id", T_USERS), REF("client_id", T_CLIENTS),
	I("created_at") };
static const struct store_column c_episodes[] = {
	I("id"), REF("client_id", T_CLIENTS), S("started"), S0("ended"),
	S0("end_reason") };
static const struct store_column c_sessions[] = {
	I("id"), REF("episode_id", T_EPISODES), I("number"), S("date"),
	I("attended") };
static const struct store_column c_responses[] = {
	I("id"), REF("session_id", T_SESSIONS), S("instrument"),
	S("instrument_version"), I("respondent"), S("item_values"),
	R0("total"), I("recorded_at") };
static const struct store_column c_transcripts[] = {
	I("id"), REF("session_id", T_SESSIONS), S("format"), S("body"),
	I("created_at"), REF0("created_by", T_USERS) };
static const struct store_column c_links[] = {
	I("id"), S("token_hash"), REF("client_id", T_CLIENTS),
	I0("session_number"), S("instruments"), REF0("created_by", T_USERS),
	I("created_at"), I("expires_at"), I0("used_at") };
static const struct store_column c_tokens[] = {
	I("id"), S("token_hash"), REF("user_id", T_USERS), S("label"),
	I("created_at"), I0("last_used"), I0("revoked_at") };
static const struct store_column c_settings[] = {
	REF("clinic_id", T_CLINICS), S("name"), S("value") };
static const struct store_column c_audit[] = {
	I("id"), I("at"), I0("user_id"), S("actor"), S("origin"),
	S("action"), S("object"), S0("detail") };

#define TABLE(name, order, has_id, cols) \
	{ name, order, has_id, cols, COUNT(cols) }

/* Dependency order: every reference points to a table before it. Web
 * sign-in sessions are left out: moving a practice signs everyone out. */
const struct store_table store_archive_tables[] = {
	TABLE("clinics", "id", 1, c_clinics),
	TABLE("sites", "id", 1, c_sites),
	TABLE("users", "id", 1, c_users),
	TABLE("supervision", "supervisor_id, therapist_id", 0, c_supervision),
	TABLE("clients", "id", 1, c_clients),
	TABLE("grants", "user_id, client_id", 0, c_grants),
	TABLE("episodes", "id", 1, c_episodes),
	TABLE("sessions", "id", 1, c_sessions),
	TABLE("responses", "id", 1, c_responses),
	TABLE("transcripts", "id", 1, c_transcripts),
	TABLE("checkin_links", "id", 1, c_links),
	TABLE("api_tokens", "id", 1, c_tokens),
	/* name is an identifier; the engines compare text keys bytewise */
	TABLE("clinic_settings", "clinic_id, name", 0, c_settings),
	TABLE("audit", "id", 1, c_audit),
};
const size_t store_archive_n_tables = COUNT(store_archive_tables);

_Static_assert(COUNT(store_archive_tables) == T_N, "one entry per table");

#define TBL store_archive_tables

/* Integers in the archive are JSON numbers, which readers (cJSON
 * included) hold as doubles: keep them exact. */
#define INT_EXACT_MAX 9007199254740992.0   /* 2^53 */

/* ---- Writing ---- */

struct pair { char *id, *version; };

struct wctx {
	attune_store *st;
	attune_archive_write_fn w;
	void *ctx;
	crypto_generichash_state hash;
	strbuf b;
	size_t counts[T_N];
	struct pair *inst;        /* instrument versions the responses use */
	size_t n_inst;
	int rc;
};

static int emit(struct wctx *x)
{
	if (x->b.rc)
		return x->rc = store_fail(x->st, x->b.rc, "an archive line "
		                          "is too long");
	crypto_generichash_update(&x->hash, (const unsigned char *)x->b.s,
	                          x->b.len);
	if (x->w(x->ctx, x->b.s, x->b.len))
		return x->rc = store_fail(x->st, ATTUNE_EIO, "writing the "
		                          "archive failed");
	sb_reset(&x->b);
	return 0;
}

static int note_instrument(struct wctx *x, const char *zId,
                           const char *zVersion)
{
	struct pair *p;
	size_t i;

	for (i = 0; i < x->n_inst; i++)
		if (!strcmp(x->inst[i].id, zId) &&
		    !strcmp(x->inst[i].version, zVersion))
			return 0;
	p = realloc(x->inst, (x->n_inst + 1) * sizeof(*p));
	if (!p)
		return -1;
	x->inst = p;
	p[x->n_inst].id = strdup(zId);
	p[x->n_inst].version = strdup(zVersion);
	if (!p[x->n_inst].id || !p[x->n_inst].version) {
		free(p[x->n_inst].id);
		free(p[x->n_inst].version);
		return -1;
	}
	x->n_inst++;
	return 0;
}

static int write_row(void *ctx, size_t it, const struct store_cell *c)
{
	struct wctx *x = ctx;
	const struct store_table *t = &TBL[it];
	size_t i;

	sb_putc(&x->b, '[');
	sb_json_str(&x->b, t->name);
	for (i = 0; i < t->n_cols; i++) {
		sb_putc(&x->b, ',');
		if (c[i].is_null)
			sb_puts(&x->b, "null");
		else if (t->cols[i].type == STORE_COL_INT)
			sb_printf(&x->b, "%lld", (long long)c[i].i);
		else if (t->cols[i].type == STORE_COL_TEXT)
			sb_json_str(&x->b, c[i].z);
		else if (isfinite(c[i].d))
			sb_num(&x->b, c[i].d);
		else
			sb_puts(&x->b, "null");
	}
	sb_puts(&x->b, "]\n");
	x->counts[it]++;
	if (it == T_RESPONSES && note_instrument(x, c[2].z, c[3].z))
		return x->rc = store_fail(x->st, ATTUNE_ENOMEM,
		                          "out of memory");
	return emit(x);
}

static int pair_cmp(const void *a, const void *b)
{
	const struct pair *p = a, *q = b;
	int d = strcmp(p->id, q->id);

	return d ? d : strcmp(p->version, q->version);
}

int attune_archive_export(attune_store *st, int64_t exported_at,
                          attune_archive_write_fn w, void *ctx,
                          size_t *n_rows)
{
	struct wctx x;
	unsigned char sum[32];
	char hex[65], detail[64];
	size_t i, total = 0;
	int rc, version = 0;

	if (!st || !w)
		return ATTUNE_EINVAL;
	if (n_rows)
		*n_rows = 0;
	if (st->in_txn)
		return store_fail(st, ATTUNE_EINVAL, "an export takes its own "
		                  "snapshot: not inside a transaction");
	if (!st->actor_name)
		return store_fail(st, ATTUNE_EINVAL, "an export is audited: "
		                  "set an actor first");
	if (sodium_init() < 0)
		return store_fail(st, ATTUNE_EINTERNAL, "libsodium failed to "
		                  "start");
	if ((rc = attune_store_schema_version(st, &version)))
		return rc;
	memset(&x, 0, sizeof(x));
	x.st = st;
	x.w = w;
	x.ctx = ctx;
	sb_init(&x.b, ATTUNE_ARCHIVE_LINE_MAX);
	crypto_generichash_init(&x.hash, NULL, 0, sizeof(sum));

	sb_printf(&x.b, "{\"format\":\"%s\",\"schema_version\":%d,"
	          "\"exported_at\":%lld,\"attune\":\"%s\"}\n",
	          ATTUNE_ARCHIVE_FORMAT, version, (long long)exported_at,
	          ATTUNE_VERSION);
	if (emit(&x))
		goto out;
	rc = st->ops->raw_dump(st, TBL, T_N, write_row, &x);
	if (x.rc || rc) {
		rc = x.rc ? x.rc : rc;
		goto out;
	}
	/* The end line: counts, instruments, and the checksum of every
	 * byte before it. */
	crypto_generichash_final(&x.hash, sum, sizeof(sum));
	sodium_bin2hex(hex, sizeof(hex), sum, sizeof(sum));
	sb_printf(&x.b, "{\"end\":\"%s\",\"rows\":{", ATTUNE_ARCHIVE_FORMAT);
	for (i = 0; i < T_N; i++) {
		sb_printf(&x.b, "%s\"%s\":%zu", i ? "," : "", TBL[i].name,
		          x.counts[i]);
		total += x.counts[i];
	}
	sb_puts(&x.b, "},\"instruments\":[");
	qsort(x.inst, x.n_inst, sizeof(*x.inst), pair_cmp);
	for (i = 0; i < x.n_inst; i++) {
		sb_puts(&x.b, i ? ",[" : "[");
		sb_json_str(&x.b, x.inst[i].id);
		sb_putc(&x.b, ',');
		sb_json_str(&x.b, x.inst[i].version);
		sb_putc(&x.b, ']');
	}
	sb_printf(&x.b, "],\"blake2b\":\"%s\"}\n", hex);
	if (x.b.rc) {
		rc = store_fail(st, x.b.rc, "the archive's end line is too "
		                "long");
		goto out;
	}
	if (w(ctx, x.b.s, x.b.len)) {
		rc = store_fail(st, ATTUNE_EIO, "writing the archive failed");
		goto out;
	}
	/* Audited after the snapshot, so the archive never holds the row
	 * of its own export. */
	snprintf(detail, sizeof(detail), "rows:%zu", total);
	rc = attune_store_audit(st, "archive.export", "archive", detail);
	if (rc == ATTUNE_OK && n_rows)
		*n_rows = total;
out:
	for (i = 0; i < x.n_inst; i++) {
		free(x.inst[i].id);
		free(x.inst[i].version);
	}
	free(x.inst);
	sb_free(&x.b);
	return rc;
}

/* ---- Reading ---- */

/* The keys of a table that others refer to, as runs of consecutive ids
 * (ascending as in the file): a table with dense ids is one run, so the
 * reader's memory does not grow with the rows (20 million sessions with
 * ids 1..N take 16 bytes), only with the gaps between ids. */
struct run { int64_t lo, hi; };
struct keys {
	struct run *v;
	size_t n, cap;
	int64_t last;             /* the last id, for the order check */
};

/* One value of a row line, before its column's type is checked. */
enum { J_NULL, J_STR, J_NUM, J_OTHER };
struct jval {
	int kind;
	const char *z;            /* J_STR: NUL-terminated */
	double d;                 /* J_NUM */
};

typedef int (*row_fn)(void *ctx, size_t line, const struct store_table *t,
                      const struct store_cell *c, attune_err *err);

/* Where the archive's bytes come from: a read function and a buffer
 * that always holds a whole line (ATTUNE_ARCHIVE_LINE_MAX + '\n'). */
#define READ_CHUNK ((size_t)1 << 20)
#define READ_CAP (READ_CHUNK + ATTUNE_ARCHIVE_LINE_MAX + 1)
struct src {
	attune_archive_read_fn read;
	void *ctx;
	char *buf;
	size_t start, end, scan;  /* unread bytes [start, end); no '\n' in
	                             [start, scan) */
	int eof;
};

struct rctx {
	attune_err *err;
	size_t line;
	struct keys keys[T_N];
	size_t counts[T_N];
	size_t cur;               /* the table of the last row */
	struct store_cell cells[16];
	struct jval vals[17];
	char *text;               /* decoded strings of the fast path */
};

static int bad(struct rctx *r, int rc, const char *fmt, ...)
	ATTUNE_PRINTF(3, 4);
static int bad(struct rctx *r, int rc, const char *fmt, ...)
{
	char what[ATTUNE_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return attune_err_set(r->err, rc, "line %zu: %s", r->line, what);
}

static int referenced(int it)
{
	size_t i, j;

	for (i = 0; i < T_N; i++)
		for (j = 0; j < TBL[i].n_cols; j++)
			if (TBL[i].cols[j].ref == it)
				return 1;
	return 0;
}

static int has_key(const struct keys *k, int64_t v)
{
	size_t lo = 0, hi = k->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v < k->v[mid].lo)
			hi = mid;
		else if (v > k->v[mid].hi)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

/* v is above every key already there. */
static int add_key(struct keys *k, int64_t v)
{
	struct run *p;

	k->last = v;
	if (k->n && k->v[k->n - 1].hi == v - 1) {
		k->v[k->n - 1].hi = v;
		return 0;
	}
	if (k->n == k->cap) {
		k->cap = k->cap ? k->cap * 2 : 16;
		p = realloc(k->v, k->cap * sizeof(*p));
		if (!p)
			return -1;
		k->v = p;
	}
	k->v[k->n].lo = k->v[k->n].hi = v;
	k->n++;
	return 0;
}

/* An integer JSON number, exact. */
static int as_int_d(double d, int64_t *out)
{
	if (!(d >= -INT_EXACT_MAX && d <= INT_EXACT_MAX) || d != floor(d))
		return -1;
	*out = (int64_t)d;
	return 0;
}

static int as_int(const cJSON *j, int64_t *out)
{
	if (!cJSON_IsNumber(j))
		return -1;
	return as_int_d(j->valuedouble, out);
}

static int check_header(struct rctx *r, const cJSON *h)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(h, "format");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(h, "schema_version");
	int64_t version;

	if (!cJSON_IsObject(h) || !cJSON_IsString(f))
		return bad(r, ATTUNE_EINVAL, "not an attune archive (the first "
		           "line must be {\"format\":\"%s\",...})",
		           ATTUNE_ARCHIVE_FORMAT);
	if (strcmp(f->valuestring, ATTUNE_ARCHIVE_FORMAT))
		return bad(r, ATTUNE_EVERSION, "archive format \"%.40s\": this "
		           "attune reads \"%s\"", f->valuestring,
		           ATTUNE_ARCHIVE_FORMAT);
	if (as_int(v, &version))
		return bad(r, ATTUNE_EINVAL, "schema_version must be a whole "
		           "number");
	if (version != attune_store_schema_latest())
		return bad(r, ATTUNE_EVERSION, "the archive has schema %lld; "
		           "this attune imports schema %d (export it again "
		           "with this attune's version)", (long long)version,
		           attune_store_schema_latest());
	return ATTUNE_OK;
}

static int find_table(const char *z)
{
	size_t i;

	for (i = 0; i < T_N; i++)
		if (!strcmp(TBL[i].name, z))
			return (int)i;
	return -1;
}

/* The checks of one row, from its values r->vals[0..n_vals) (n_vals
 * may exceed the room there: only the count is then used). has_nul: a
 * text held an escaped NUL. Fills r->cells. */
static int check_row(struct rctx *r, size_t n_vals, int has_nul,
                     size_t *it_out)
{
	const struct store_table *t;
	const struct store_column *col;
	const struct jval *e;
	struct store_cell *c;
	size_t i, badat;
	int it;

	e = &r->vals[0];
	if (n_vals == 0 || e->kind != J_STR || (it = find_table(e->z)) < 0)
		return bad(r, ATTUNE_EINVAL, "a row must start with a table "
		           "name (docs/archive.md)");
	t = &TBL[it];
	if ((size_t)it < r->cur)
		return bad(r, ATTUNE_EINVAL, "a row of %s after rows of %s: "
		           "tables must come in the documented order",
		           t->name, TBL[r->cur].name);
	r->cur = (size_t)it;
	if (n_vals != t->n_cols + 1)
		return bad(r, ATTUNE_EINVAL, "a row of %s has %zu values, not "
		           "%zu", t->name, n_vals - 1, t->n_cols);
	if (has_nul)
		return bad(r, ATTUNE_EINVAL, "a NUL character in a text");
	for (i = 0; i < t->n_cols; i++) {
		e = &r->vals[i + 1];
		col = &t->cols[i];
		c = &r->cells[i];
		memset(c, 0, sizeof(*c));
		if (e->kind == J_NULL) {
			if (!col->nullable)
				return bad(r, ATTUNE_EINVAL, "%s.%s must not be "
				           "null", t->name, col->name);
			c->is_null = 1;
			c->d = NAN;
			continue;
		}
		switch (col->type) {
		case STORE_COL_INT:
			if (e->kind != J_NUM || as_int_d(e->d, &c->i))
				return bad(r, ATTUNE_EINVAL, "%s.%s must be a "
				           "whole number", t->name, col->name);
			break;
		case STORE_COL_REAL:
			if (e->kind != J_NUM || !isfinite(e->d))
				return bad(r, ATTUNE_EINVAL, "%s.%s must be a "
				           "number", t->name, col->name);
			c->d = e->d;
			break;
		case STORE_COL_TEXT:
			if (e->kind != J_STR)
				return bad(r, ATTUNE_EINVAL, "%s.%s must be a "
				           "string", t->name, col->name);
			c->z = e->z;
			if (!utf8_valid(c->z, strlen(c->z), &badat))
				return bad(r, ATTUNE_EINVAL, "%s.%s is not "
				           "UTF-8", t->name, col->name);
			break;
		}
		if (col->ref >= 0 && !has_key(&r->keys[col->ref], c->i))
			return bad(r, ATTUNE_EINVAL, "%s.%s refers to %s %lld, "
			           "which is not in the archive before this "
			           "line", t->name, col->name,
			           TBL[col->ref].name, (long long)c->i);
	}
	if (t->has_id) {
		struct keys *k = &r->keys[it];
		int64_t id = r->cells[0].i;

		if (id <= 0)
			return bad(r, ATTUNE_EINVAL, "%s.id must be positive",
			           t->name);
		if (r->counts[it] && id <= k->last)
			return bad(r, ATTUNE_EINVAL, "%s.id %lld is not above "
			           "the one before: ids ascend, once each",
			           t->name, (long long)id);
		/* Tables nobody refers to keep only their last id. */
		if (!referenced(it))
			k->n = 0;
		if (add_key(k, id))
			return bad(r, ATTUNE_ENOMEM, "out of memory");
	}
	r->counts[it]++;
	*it_out = (size_t)it;
	return ATTUNE_OK;
}

/* A row line through cJSON: the general path, for every line the fast
 * path below does not take. */
static int cjson_row(struct rctx *r, const cJSON *a, const char *line,
                     size_t n, size_t *it_out)
{
	const cJSON *e;
	struct jval *v;
	size_t i, n_vals = 0;
	int has_nul = 0;

	/* cJSON would end a string at an escaped NUL: refuse those. */
	for (i = 0; i + 6 <= n; i++)
		if (line[i] == '\\' && !memcmp(line + i, "\\u0000", 6))
			has_nul = 1;
	for (e = a->child; e; e = e->next, n_vals++) {
		if (n_vals >= COUNT(r->vals))
			continue;
		v = &r->vals[n_vals];
		v->kind = cJSON_IsNull(e) ? J_NULL :
		          cJSON_IsString(e) ? J_STR :
		          cJSON_IsNumber(e) ? J_NUM : J_OTHER;
		v->z = cJSON_IsString(e) ? e->valuestring : NULL;
		v->d = cJSON_IsNumber(e) ? e->valuedouble : 0;
	}
	return check_row(r, n_vals, has_nul, it_out);
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	return p;
}

/* The fast path for the rows an export writes: a flat array of strings
 * (simple escapes only), plain numbers and null, nothing after it.
 * Returns the number of values, or 0 when the line needs cJSON (any
 * other shape, including every malformed one, so that the messages
 * stay those of the general path). Strings are decoded into r->text,
 * which has room for a whole line. */
static size_t fast_row(struct rctx *r, const char *p, size_t n)
{
	const char *end = p + n, *q;
	char *o = r->text;
	struct jval *v;
	size_t n_vals = 0;
	int64_t i;

	p = skip_ws(p, end);
	if (p == end || *p++ != '[')
		return 0;
	for (;;) {
		p = skip_ws(p, end);
		if (p == end || n_vals >= COUNT(r->vals))
			return 0;
		v = &r->vals[n_vals++];
		if (*p == '"') {
			v->kind = J_STR;
			v->z = o;
			for (p++;; p++) {
				if (p == end)
					return 0;
				if (*p == '"')
					break;
				if ((unsigned char)*p < 0x20)
					return 0;
				if (*p != '\\') {
					*o++ = *p;
					continue;
				}
				if (++p == end)
					return 0;
				switch (*p) {
				case '"': case '\\': case '/': *o++ = *p; break;
				case 'b': *o++ = '\b'; break;
				case 'f': *o++ = '\f'; break;
				case 'n': *o++ = '\n'; break;
				case 'r': *o++ = '\r'; break;
				case 't': *o++ = '\t'; break;
				default: return 0;   /* \u and bad escapes */
				}
			}
			*o++ = '\0';
			p++;
		} else if (*p == 'n') {
			if (end - p < 4 || memcmp(p, "null", 4))
				return 0;
			v->kind = J_NULL;
			p += 4;
		} else if (*p == '-' || (*p >= '0' && *p <= '9')) {
			/* -?(0|[1-9][0-9]*)(.[0-9]+)? ; exponents to cJSON */
			q = p;
			if (*q == '-')
				q++;
			if (q == end || *q < '0' || *q > '9' ||
			    (*q == '0' && q + 1 < end && q[1] >= '0' &&
			     q[1] <= '9'))
				return 0;
			/* i < 0: 16 digits or more (no overflow: it stays) */
			for (i = 0; q < end && *q >= '0' && *q <= '9'; q++)
				if (i >= 0)
					i = i < 100000000000000 ?
					    i * 10 + (*q - '0') : -1;
			v->kind = J_NUM;
			if (q < end && *q == '.') {
				if (++q == end || *q < '0' || *q > '9')
					return 0;
				while (q < end && *q >= '0' && *q <= '9')
					q++;
				if (parse_num(p, (size_t)(q - p), &v->d))
					return 0;
			} else if (i < 0) {
				return 0;    /* 16 digits and more */
			} else {
				v->d = *p == '-' ? -(double)i : (double)i;
			}
			if (q < end && (*q == 'e' || *q == 'E'))
				return 0;
			p = q;
		} else {
			return 0;
		}
		p = skip_ws(p, end);
		if (p == end)
			return 0;
		if (*p == ']')
			break;
		if (*p++ != ',')
			return 0;
	}
	return skip_ws(p + 1, end) == end ? n_vals : 0;
}

static int check_end(struct rctx *r, const cJSON *j, const char *hex)
{
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(j, "rows");
	const cJSON *sum = cJSON_GetObjectItemCaseSensitive(j, "blake2b");
	const cJSON *inst = cJSON_GetObjectItemCaseSensitive(j, "instruments");
	int64_t v;
	size_t i;

	if (!cJSON_IsObject(rows) || !cJSON_IsString(sum) ||
	    !cJSON_IsArray(inst))
		return bad(r, ATTUNE_EINVAL, "the end line needs \"rows\", "
		           "\"instruments\" and \"blake2b\"");
	if (strcmp(sum->valuestring, hex))
		return bad(r, ATTUNE_EINVAL, "checksum mismatch: the archive "
		           "was changed or damaged after it was written");
	for (i = 0; i < T_N; i++) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(rows,
		                                                  TBL[i].name);
		if (as_int(n, &v) || v < 0 || (size_t)v != r->counts[i])
			return bad(r, ATTUNE_EINVAL, "the end line counts "
			           "%s rows of %s, the archive holds %zu",
			           cJSON_IsNumber(n) ? "other" : "no",
			           TBL[i].name, r->counts[i]);
	}
	return ATTUNE_OK;
}

enum { L_LINE, L_EOF, L_NO_NL, L_LONG, L_IO };

/* The next line of s: *p, *n (without its '\n'). */
static int next_line(struct src *s, const char **p, size_t *n)
{
	char *nl;
	ptrdiff_t got;

	for (;;) {
		nl = memchr(s->buf + s->scan, '\n', s->end - s->scan);
		if (nl) {
			*p = s->buf + s->start;
			*n = (size_t)(nl - *p);
			s->start = s->scan = (size_t)(nl - s->buf) + 1;
			return L_LINE;
		}
		s->scan = s->end;
		if (s->end - s->start > ATTUNE_ARCHIVE_LINE_MAX)
			return L_LONG;
		if (s->eof)
			return s->end == s->start ? L_EOF : L_NO_NL;
		if (s->start) {
			memmove(s->buf, s->buf + s->start, s->end - s->start);
			s->end -= s->start;
			s->scan -= s->start;
			s->start = 0;
		}
		got = s->read(s->ctx, s->buf + s->end, READ_CAP - s->end);
		if (got < 0)
			return L_IO;
		if (got == 0)
			s->eof = 1;
		s->end += (size_t)got;
	}
}

/* Read the whole archive from read/rctx; with fn, hand it every row
 * once the row is checked. fn runs before the checksum is known: a
 * caller that writes keeps it all in a transaction it can roll back
 * (attune_archive_import_stream does). Memory: one buffer of
 * READ_CAP, twice a line for decoded text, and the key runs. */
static int read_archive(attune_archive_read_fn read, void *rctx,
                        attune_err *err, row_fn fn, void *ctx,
                        size_t *n_rows)
{
	crypto_generichash_state hash;
	unsigned char sum[32];
	char hex[65];
	struct rctx r;
	struct src s;
	const char *p;
	size_t n, n_vals, it = 0, i, total = 0;
	cJSON *j = NULL;
	int rc = ATTUNE_OK, ended = 0, got;

	if (sodium_init() < 0)
		return attune_err_set(err, ATTUNE_EINTERNAL,
		                      "libsodium failed to start");
	memset(&r, 0, sizeof(r));
	memset(&s, 0, sizeof(s));
	r.err = err;
	s.read = read;
	s.ctx = rctx;
	s.buf = malloc(READ_CAP);
	r.text = malloc(ATTUNE_ARCHIVE_LINE_MAX + 1);
	if (!s.buf || !r.text) {
		rc = attune_err_set(err, ATTUNE_ENOMEM, "out of memory");
		goto out;
	}
	crypto_generichash_init(&hash, NULL, 0, sizeof(sum));
	while ((got = next_line(&s, &p, &n)) == L_LINE) {
		r.line++;
		if (ended) {
			rc = bad(&r, ATTUNE_EINVAL, "data after the end line");
			goto out;
		}
		if (n > ATTUNE_ARCHIVE_LINE_MAX) {
			rc = bad(&r, ATTUNE_ELIMIT, "longer than %u bytes",
			         ATTUNE_ARCHIVE_LINE_MAX);
			goto out;
		}
		if (r.line > 1 && (n_vals = fast_row(&r, p, n))) {
			if ((rc = check_row(&r, n_vals, 0, &it)))
				goto out;
			total++;
			if (fn && (rc = fn(ctx, r.line, &TBL[it], r.cells,
			                   err)))
				goto out;
			crypto_generichash_update(&hash,
			                          (const unsigned char *)p,
			                          n + 1);
			continue;
		}
		j = cJSON_ParseWithLength(p, n);
		if (!j) {
			rc = bad(&r, ATTUNE_EINVAL, "not valid JSON");
			goto out;
		}
		if (r.line == 1) {
			if ((rc = check_header(&r, j)))
				goto out;
		} else if (cJSON_IsArray(j)) {
			if ((rc = cjson_row(&r, j, p, n, &it)))
				goto out;
			total++;
			if (fn && (rc = fn(ctx, r.line, &TBL[it], r.cells,
			                   err)))
				goto out;
		} else if (cJSON_IsObject(j) &&
		           cJSON_GetObjectItemCaseSensitive(j, "end")) {
			crypto_generichash_final(&hash, sum, sizeof(sum));
			sodium_bin2hex(hex, sizeof(hex), sum, sizeof(sum));
			if ((rc = check_end(&r, j, hex)))
				goto out;
			ended = 1;
		} else {
			rc = bad(&r, ATTUNE_EINVAL, "neither a row (a JSON "
			         "array) nor the end line");
			goto out;
		}
		cJSON_Delete(j);
		j = NULL;
		if (!ended)
			crypto_generichash_update(&hash,
			                          (const unsigned char *)p,
			                          n + 1);
	}
	r.line++;
	switch (got) {
	case L_LONG:
		rc = bad(&r, ATTUNE_ELIMIT, "longer than %u bytes",
		         ATTUNE_ARCHIVE_LINE_MAX);
		break;
	case L_IO:
		rc = bad(&r, ATTUNE_EIO, "reading the archive failed");
		break;
	case L_NO_NL:
		rc = bad(&r, ATTUNE_EINVAL, "the last line has no newline: "
		         "the archive is truncated");
		break;
	default:
		if (r.line == 1)
			rc = bad(&r, ATTUNE_EINVAL, "the archive is empty");
		else if (!ended)
			rc = bad(&r, ATTUNE_EINVAL, "the archive ends without "
			         "its end line: it is truncated");
	}
out:
	cJSON_Delete(j);
	for (i = 0; i < T_N; i++)
		free(r.keys[i].v);
	free(r.text);
	free(s.buf);
	if (rc == ATTUNE_OK && n_rows)
		*n_rows = total;
	return rc;
}

/* An archive in memory, as a read function. */
struct mem { const char *p; size_t len, off; };

static ptrdiff_t mem_read(void *ctx, char *buf, size_t n)
{
	struct mem *m = ctx;

	if (n > m->len - m->off)
		n = m->len - m->off;
	if (n)
		memcpy(buf, m->p + m->off, n);
	m->off += n;
	return (ptrdiff_t)n;
}

int attune_archive_check_stream(attune_archive_read_fn read, void *ctx,
                                attune_err *err)
{
	if (!read)
		return attune_err_set(err, ATTUNE_EINVAL, "no archive");
	return read_archive(read, ctx, err, NULL, NULL, NULL);
}

int attune_archive_check(const char *buf, size_t len, attune_err *err)
{
	struct mem m = { buf ? buf : "", len, 0 };

	if (!buf && len)
		return attune_err_set(err, ATTUNE_EINVAL, "no archive");
	return read_archive(mem_read, &m, err, NULL, NULL, NULL);
}

/* ---- Importing ---- */

/* The table being loaded, so that an error the engine reports when it
 * finishes a table (PostgreSQL's COPY) still names the archive line. */
struct ictx {
	attune_store *st;
	const struct store_table *t;
	size_t first_line;        /* the line of t's first row */
};

/* Finish the rows of the current table; abandon: the load is failing. */
static int flush_table(struct ictx *x, int abandon, attune_err *err)
{
	attune_store *st = x->st;
	size_t bad_row = 0;
	int rc;

	if (!x->t || !st->ops->raw_flush)
		return ATTUNE_OK;
	rc = st->ops->raw_flush(st, abandon, &bad_row);
	if (rc && !abandon) {
		if (bad_row)
			attune_err_set(err, rc, "line %zu: %s",
			               x->first_line + bad_row - 1,
			               attune_store_errmsg(st));
		else
			attune_err_set(err, rc, "table %s: %s", x->t->name,
			               attune_store_errmsg(st));
	}
	x->t = NULL;
	return rc;
}

static int insert_row(void *ctx, size_t line, const struct store_table *t,
                      const struct store_cell *c, attune_err *err)
{
	struct ictx *x = ctx;
	attune_store *st = x->st;
	size_t bad_row = 0;
	int rc;

	if (t != x->t) {
		if ((rc = flush_table(x, 0, err)))
			return rc;
		x->t = t;
		x->first_line = line;
	}
	rc = st->ops->raw_insert(st, t, c, &bad_row);
	if (rc)
		attune_err_set(err, rc, "line %zu: %s", bad_row ?
		               x->first_line + bad_row - 1 : line,
		               attune_store_errmsg(st));
	return rc;
}

static int any_row(void *ctx, const attune_clinic_rec *r)
{
	(void)r;
	*(int *)ctx = 1;
	return 1;
}

static int any_audit(void *ctx, const attune_audit_rec *r)
{
	(void)r;
	*(int *)ctx = 1;
	return 1;
}

int attune_archive_import_stream(attune_store *st,
                                 attune_archive_read_fn read, void *ctx,
                                 size_t *n_rows, attune_err *err)
{
	struct ictx x;
	attune_audit_rec a;
	char detail[64];
	size_t total = 0;
	int rc, full = 0;

	if (n_rows)
		*n_rows = 0;
	if (!st || !read)
		return attune_err_set(err, ATTUNE_EINVAL, "no store or no "
		                      "archive");
	if (!st->actor_name)
		return attune_err_set(err, ATTUNE_EINVAL, "an import is "
		                      "audited: set an actor first");
	rc = attune_store_clinic_list(st, any_row, &full);
	if (rc == ATTUNE_OK || rc == 1)
		rc = attune_store_audit_list(st, 0, 1, any_audit, &full);
	if (rc != ATTUNE_OK && rc != 1)
		return attune_err_set(err, rc, "%s", attune_store_errmsg(st));
	if (full)
		return attune_err_set(err, ATTUNE_EEXIST, "the database "
		                      "already holds data: import only into a "
		                      "new, empty database (nothing was "
		                      "written)");
	if ((st->ops->raw_prepare && (rc = st->ops->raw_prepare(st))) ||
	    (rc = attune_store_begin(st)))
		return attune_err_set(err, rc, "%s", attune_store_errmsg(st));
	memset(&x, 0, sizeof(x));
	x.st = st;
	/* Checked while loaded: the first fault rolls everything back. */
	if ((rc = read_archive(read, ctx, err, insert_row, &x, &total)))
		goto fail;
	if ((rc = flush_table(&x, 0, err)))
		goto fail;
	if ((rc = st->ops->raw_keys(st, TBL, T_N))) {
		attune_err_set(err, rc, "%s", attune_store_errmsg(st));
		goto fail;
	}
	snprintf(detail, sizeof(detail), "rows:%zu", total);
	st->now = (int64_t)time(NULL);
	store_audit_rec(st, &a, "archive.import", "archive", detail);
	if ((rc = st->ops->audit_add(st, &a))) {
		attune_err_set(err, rc, "%s", attune_store_errmsg(st));
		goto fail;
	}
	if ((rc = attune_store_commit(st))) {
		attune_err_set(err, rc, "%s", attune_store_errmsg(st));
		return rc;
	}
	if (n_rows)
		*n_rows = total;
	return ATTUNE_OK;
fail:
	flush_table(&x, 1, err);
	attune_store_rollback(st);
	return rc;
}

int attune_archive_import(attune_store *st, const char *buf, size_t len,
                          size_t *n_rows, attune_err *err)
{
	struct mem m = { buf ? buf : "", len, 0 };
	int rc;

	if (n_rows)
		*n_rows = 0;
	if (!st)
		return attune_err_set(err, ATTUNE_EINVAL, "no store");
	/* The whole archive first: a bad one meets no database. */
	if ((rc = attune_archive_check(buf, len, err)))
		return rc;
	return attune_archive_import_stream(st, mem_read, &m, n_rows, err);
}
