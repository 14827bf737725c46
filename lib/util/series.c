/* series.c - stream per-person score series out of wide or long CSV
 * (series.h). Memory is one person's series plus, for long form, one
 * 64-bit hash per person seen (to catch a person whose rows are split). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "attune/limits.h"
#include "attune/series.h"
#include "util/util_int.h"

struct reader {
	attune_csv *csv;
	const attune_series_spec *spec;
	attune_err *err;
	const char *name;            /* for messages: the CSV's name */
	int id_col, session_col, score_col;
	size_t n_cols;               /* columns in the header */
	int var_col[ATTUNE_SERIES_MAX];
	const char *var_name[ATTUNE_SERIES_MAX];
	size_t n_vars;
	size_t per_spec[ATTUNE_SERIES_MAX];
	char *header_copy;           /* the header's names, NUL-separated */
	double x[ATTUNE_SERIES_MAX];
	char id[ATTUNE_TEXT_MAX + 1];
	/* long form: ids seen, open addressing on FNV-1a hashes */
	uint64_t *seen;
	size_t n_seen, cap_seen;
};

static int fail(struct reader *r, size_t line, const char *fmt, ...)
	ATTUNE_PRINTF(3, 4);

static int fail(struct reader *r, size_t line, const char *fmt, ...)
{
	char what[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return attune_err_set(r->err, ATTUNE_EINVAL, "%s:%zu: %s", r->name,
	                      line, what);
}

static int field_is(const attune_csv_field *f, const char *s)
{
	size_t n = strlen(s);

	return f->n == n && memcmp(f->p, s, n) == 0;
}

static int find_col(const attune_csv_field *f, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (field_is(&f[i], name))
			return (int)i;
	return -1;
}

/* A value: empty or NA is missing; otherwise a number. */
static int value_of(const attune_csv_field *f, double *v)
{
	if (f->n == 0 || (f->n == 2 && f->p[0] == 'N' && f->p[1] == 'A')) {
		*v = NAN;
		return 0;
	}
	return parse_num(f->p, f->n, v);
}

static uint64_t fnv1a(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h ? h : 1;  /* 0 marks an empty slot */
}

/* Add h to the seen set; 1 if it was there already, -1 on OOM. */
static int seen_add(struct reader *r, uint64_t h)
{
	size_t i, mask;

	if ((r->n_seen + 1) * 2 > r->cap_seen) {
		size_t cap = r->cap_seen ? r->cap_seen * 2 : 1024, k;
		uint64_t *t = calloc(cap, sizeof(*t));
		if (!t)
			return -1;
		for (k = 0; k < r->cap_seen; k++)
			if (r->seen[k]) {
				i = r->seen[k] & (cap - 1);
				while (t[i])
					i = (i + 1) & (cap - 1);
				t[i] = r->seen[k];
			}
		free(r->seen);
		r->seen = t;
		r->cap_seen = cap;
	}
	mask = r->cap_seen - 1;
	for (i = h & mask; r->seen[i]; i = (i + 1) & mask)
		if (r->seen[i] == h)
			return 1;
	r->seen[i] = h;
	r->n_seen++;
	return 0;
}

static int set_id(struct reader *r, const attune_csv_field *f, size_t line)
{
	if (f->n == 0)
		return fail(r, line, "column %s: empty id", r->spec->id_col);
	if (f->n > ATTUNE_TEXT_MAX)
		return fail(r, line, "column %s: id longer than 4096 bytes",
		            r->spec->id_col);
	memcpy(r->id, f->p, f->n);
	r->id[f->n] = '\0';
	return ATTUNE_OK;
}

/* Header: resolve columns. Wide vars may be "a:b" ranges. */
static int read_header(struct reader *r, const attune_csv_field *f, size_t n)
{
	const attune_series_spec *sp = r->spec;
	size_t i, line = attune_csv_line(r->csv), off = 0, total = 0;
	char *p;

	r->n_cols = n;
	for (i = 0; i < n; i++)
		total += f[i].n + 1;
	r->header_copy = malloc(total ? total : 1);
	if (!r->header_copy)
		return attune_err_set(r->err, ATTUNE_ENOMEM, "out of memory");
	p = r->header_copy;
	r->id_col = find_col(f, n, sp->id_col);
	if (r->id_col < 0)
		return fail(r, line, "no column named '%s' for the id",
		            sp->id_col);
	if (sp->long_form) {
		const char *sc = sp->session_col ? sp->session_col : "session";
		const char *vc = sp->score_col ? sp->score_col : "score";
		r->session_col = find_col(f, n, sc);
		r->score_col = find_col(f, n, vc);
		if (r->session_col < 0)
			return fail(r, line, "no column named '%s' for the "
			            "session number", sc);
		if (r->score_col < 0)
			return fail(r, line, "no column named '%s' for the score",
			            vc);
		return ATTUNE_OK;
	}
	if (sp->n_vars == 0)
		return fail(r, line, "no session columns given (--vars)");
	if (sp->n_vars > ATTUNE_SERIES_MAX)
		return fail(r, line, "more than %d session columns",
		            ATTUNE_SERIES_MAX);
	/* Keep the header's names for output: copy them once. */
	for (i = 0; i < n; i++) {
		memcpy(p + off, f[i].p, f[i].n);
		p[off + f[i].n] = '\0';
		off += f[i].n + 1;
	}
	for (i = 0; i < sp->n_vars; i++) {
		const char *v = sp->vars[i], *colon = strchr(v, ':');
		int a, b, k;

		if (colon) {
			char first[ATTUNE_ID_MAX + 1];
			size_t ln = (size_t)(colon - v);
			if (ln > ATTUNE_ID_MAX)
				return fail(r, line, "column '%.64s...' not found",
				            v);
			memcpy(first, v, ln);
			first[ln] = '\0';
			a = find_col(f, n, first);
			b = find_col(f, n, colon + 1);
			if (a < 0 || b < 0)
				return fail(r, line, "range '%s': no column named "
				            "'%s'", v, a < 0 ? first : colon + 1);
			if (b < a)
				return fail(r, line, "range '%s' runs backwards",
				            v);
		} else {
			a = b = find_col(f, n, v);
			if (a < 0)
				return fail(r, line, "no column named '%s'", v);
		}
		r->per_spec[i] = (size_t)(b - a + 1);
		for (k = a; k <= b; k++) {
			size_t j, o = 0;
			if (r->n_vars == ATTUNE_SERIES_MAX)
				return fail(r, line, "more than %d session "
				            "columns", ATTUNE_SERIES_MAX);
			if (k == r->id_col)
				return fail(r, line, "the id column cannot be a "
				            "session column");
			for (j = 0; j < r->n_vars; j++)
				if (r->var_col[j] == k)
					return fail(r, line, "column '%.*s' is "
					            "given twice",
					            (int)(f[k].n > 64 ? 64 : f[k].n),
					            f[k].p);
			for (j = 0; j < (size_t)k; j++)
				o += f[j].n + 1;
			r->var_col[r->n_vars] = k;
			r->var_name[r->n_vars] = r->header_copy + o;
			r->n_vars++;
		}
	}
	return ATTUNE_OK;
}

static int read_wide(struct reader *r, attune_series_cb cb, void *ctx)
{
	const attune_csv_field *f;
	attune_series_cols cols = {r->n_vars, r->var_name, r->per_spec};
	attune_series s;
	size_t n, k;
	int rc;

	for (;;) {
		rc = attune_csv_next(r->csv, &f, &n, r->err);
		if (rc || n == 0)
			return rc;
		if (n != r->n_cols)
			return fail(r, attune_csv_line(r->csv), "has %zu fields, "
			            "the header has %zu", n, r->n_cols);
		if ((rc = set_id(r, &f[r->id_col], attune_csv_line(r->csv))))
			return rc;
		for (k = 0; k < r->n_vars; k++)
			if (value_of(&f[r->var_col[k]], &r->x[k]) != 0)
				return fail(r, attune_csv_line(r->csv), "column "
				            "%s: '%.*s' is not a number",
				            r->var_name[k],
				            (int)(f[r->var_col[k]].n > 40 ? 40 :
				                  f[r->var_col[k]].n),
				            f[r->var_col[k]].p);
		s.id = r->id;
		s.line = attune_csv_line(r->csv);
		s.n = r->n_vars;
		s.x = r->x;
		s.first = 1;
		if ((rc = cb(ctx, &s, &cols)))
			return rc;
	}
}

static int read_long(struct reader *r, attune_series_cb cb, void *ctx)
{
	const attune_csv_field *f;
	attune_series_cols cols = {0, NULL, NULL};
	attune_series s;
	size_t n, k, line, first_line = 0, filled = 0;
	int rc, have = 0, last_session = 0;
	int base = r->spec->first_session;
	const char *sc = r->spec->session_col ? r->spec->session_col
	                                      : "session";

	for (;;) {
		int64_t session;
		double v;

		rc = attune_csv_next(r->csv, &f, &n, r->err);
		if (rc)
			return rc;
		line = attune_csv_line(r->csv);
		if (n == 0 || (have && !field_is(&f[r->id_col], r->id))) {
			if (have) {  /* one person complete */
				s.id = r->id;
				s.line = first_line;
				s.n = filled;
				s.x = r->x;
				s.first = base;
				if ((rc = cb(ctx, &s, &cols)))
					return rc;
				have = 0;
			}
			if (n == 0)
				return ATTUNE_OK;
		}
		if (n != r->n_cols)
			return fail(r, line, "has %zu fields, the header has %zu",
			            n, r->n_cols);
		if (!have) {
			int seen;
			if ((rc = set_id(r, &f[r->id_col], line)))
				return rc;
			seen = seen_add(r, fnv1a(r->id, strlen(r->id)));
			if (seen < 0)
				return attune_err_set(r->err, ATTUNE_ENOMEM,
				                      "out of memory");
			if (seen)
				return fail(r, line, "id '%.64s' appears again: in "
				            "long form each person's rows must be "
				            "together", r->id);
			have = 1;
			first_line = line;
			filled = 0;
			last_session = base - 1;
		}
		if (parse_i64(f[r->session_col].p, f[r->session_col].n,
		              &session) != 0 || session > 1000000)
			return fail(r, line, "column %s: '%.*s' is not a session "
			            "number (0, 1, 2, ...)", sc,
			            (int)(f[r->session_col].n > 40 ? 40 :
			                  f[r->session_col].n),
			            f[r->session_col].p);
		if (session < base)
			return fail(r, line, "column %s: session %lld is below "
			            "the first session %d (--first-session)", sc,
			            (long long)session, base);
		if ((int)session <= last_session)
			return fail(r, line, "column %s: session %lld does not "
			            "follow session %d (sessions must increase "
			            "within a person)", sc, (long long)session,
			            last_session);
		if (session - base >= ATTUNE_SERIES_MAX)
			return fail(r, line, "column %s: session %lld is beyond "
			            "the %d sessions a series may have", sc,
			            (long long)session, ATTUNE_SERIES_MAX);
		if (value_of(&f[r->score_col], &v) != 0)
			return fail(r, line, "column %s: '%.*s' is not a number",
			            r->spec->score_col ? r->spec->score_col
			                               : "score",
			            (int)(f[r->score_col].n > 40 ? 40 :
			                  f[r->score_col].n),
			            f[r->score_col].p);
		for (k = filled; k < (size_t)(session - base); k++)
			r->x[k] = NAN;
		r->x[session - base] = v;
		filled = (size_t)(session - base) + 1;
		last_session = (int)session;
	}
}

int attune_series_read(attune_csv *csv, const attune_series_spec *spec,
                       attune_series_cb cb, void *ctx, attune_err *err)
{
	const attune_csv_field *f;
	struct reader *r;
	size_t n;
	int rc;

	r = calloc(1, sizeof(*r));
	if (!r)
		return attune_err_set(err, ATTUNE_ENOMEM, "out of memory");
	r->csv = csv;
	r->spec = spec;
	r->err = err;
	rc = attune_csv_next(csv, &f, &n, err);
	if (rc)
		goto out;
	r->name = attune_csv_name(csv);
	if (n == 0) {
		rc = attune_err_set(err, ATTUNE_EINVAL, "%s: empty input: "
		                    "expected a header line", r->name);
		goto out;
	}
	rc = read_header(r, f, n);
	if (rc)
		goto out;
	rc = spec->long_form ? read_long(r, cb, ctx) : read_wide(r, cb, ctx);
out:
	free(r->header_copy);
	free(r->seen);
	free(r);
	return rc;
}
