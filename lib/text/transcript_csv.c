/* transcript_csv.c - transcripts from CSV with the AnnoMI columns:
 * utterance_text and interlocutor, optionally transcript_id,
 * utterance_id and timestamp (other columns are ignored). One row is one
 * utterance; the rows of one transcript_id are together and make one
 * transcript. Read through the bounded CSV reader of csv.h. */
#include <stdlib.h>
#include "text/text_int.h"

enum { C_TEXT, C_SPEAKER, C_TID, C_UID, C_TIME, C_N };

static const char *const col_names[C_N] = {
	"utterance_text", "interlocutor", "transcript_id", "utterance_id",
	"timestamp"
};

/* transcript_ids already finished, to catch a transcript whose rows are
 * not together. Open addressing, FNV-1a. */
typedef struct idset {
	struct slot {
		const char *z;
		size_t n, line;
	} *s;
	size_t cap, n;
	arena a;
} idset;

static uint64_t fnv(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

static struct slot *id_find(idset *d, const char *s, size_t n)
{
	size_t i;

	if (!d->cap)
		return NULL;
	for (i = (size_t)fnv(s, n) & (d->cap - 1); d->s[i].z;
	     i = (i + 1) & (d->cap - 1))
		if (d->s[i].n == n && memcmp(d->s[i].z, s, n) == 0)
			return &d->s[i];
	return &d->s[i];
}

static int id_add(idset *d, const char *s, size_t n, size_t line)
{
	struct slot *sl;
	size_t i, k;

	if (2 * (d->n + 1) > d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct slot *ns = calloc(cap, sizeof(*ns));
		if (!ns)
			return ATTUNE_ENOMEM;
		for (i = 0; i < d->cap; i++) {
			if (!d->s[i].z)
				continue;
			for (k = (size_t)fnv(d->s[i].z, d->s[i].n) & (cap - 1);
			     ns[k].z; k = (k + 1) & (cap - 1))
				;
			ns[k] = d->s[i];
		}
		free(d->s);
		d->s = ns;
		d->cap = cap;
	}
	sl = id_find(d, s, n);
	sl->z = arena_strndup(&d->a, s, n);
	if (!sl->z)
		return ATTUNE_ENOMEM;
	sl->n = n;
	sl->line = line;
	d->n++;
	return ATTUNE_OK;
}

static int header(trb *b, attune_csv *csv, const attune_csv_field *f,
                  size_t nf, int col[C_N])
{
	size_t i, k, n, line = attune_csv_line(csv);
	const char *s;

	for (k = 0; k < C_N; k++)
		col[k] = -1;
	for (i = 0; i < nf; i++) {
		s = f[i].p;
		n = f[i].n;
		if (i == 0 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
			s += 3, n -= 3;
		s = trim(s, &n);
		for (k = 0; k < C_N; k++) {
			if (!eq_ci(s, n, col_names[k]))
				continue;
			if (col[k] >= 0)
				return trb_fail(b, ATTUNE_EINVAL, line, "column "
				                "%s appears twice", col_names[k]);
			col[k] = (int)i;
		}
	}
	for (k = 0; k <= C_SPEAKER; k++)
		if (col[k] < 0)
			return trb_fail(b, ATTUNE_EINVAL, line, "no %s column "
			                "(a transcript CSV needs utterance_text "
			                "and interlocutor)", col_names[k]);
	return ATTUNE_OK;
}

static int row(trb *b, const attune_csv_field *f, const int col[C_N],
               size_t line)
{
	const char *s;
	size_t n;
	int64_t ms = -1;
	char why[96];
	int rc;

	s = f[col[C_SPEAKER]].p;
	n = f[col[C_SPEAKER]].n;
	s = trim(s, &n);
	if ((rc = trb_turn(b, s, n, n > 0, line, -1, -1)) != ATTUNE_OK)
		return rc;
	b->keep_empty = 1;  /* one row, one utterance: the CLI echoes rows */
	if (col[C_TIME] >= 0) {
		s = f[col[C_TIME]].p;
		n = f[col[C_TIME]].n;
		s = trim(s, &n);
		if (n && (rc = ts_parse(s, n, 0, &ms, why, sizeof(why))) != 0)
			return trb_fail(b, rc, line, "%s", why);
		b->start = ms;
	}
	if (col[C_UID] >= 0) {
		s = f[col[C_UID]].p;
		n = f[col[C_UID]].n;
		s = trim(s, &n);
		if (n > ATTUNE_ID_MAX)
			return trb_fail(b, ATTUNE_ELIMIT, line, "utterance_id "
			                "longer than ATTUNE_ID_MAX (%d bytes)",
			                ATTUNE_ID_MAX);
		if (n && !(b->uid = trb_strdup(b, s, n)))
			return attune_err_set(b->err, ATTUNE_ENOMEM, "%s: out of "
			                      "memory", b->zName);
	}
	trb_put_text(b, f[col[C_TEXT]].p, f[col[C_TEXT]].n);
	return trb_end_turn(b);
}

/* The id of the open transcript is s[0..n)? */
static int same_id(const trb *b, const char *s, size_t n)
{
	const char *id = b->t ? b->t->pub.id : NULL;

	return id && strncmp(id, s, n) == 0 && id[n] == '\0';
}

/* The row on line has transcript_id *fid: when it differs from the open
 * transcript's, finish that one and begin the next, unless the id was
 * seen before (its rows are not together). */
static int next_id(trb *b, idset *seen, const attune_csv_field *fid,
                   size_t line)
{
	const char *s = fid->p, *id;
	size_t n = fid->n;
	struct slot *sl;
	int rc;

	s = trim(s, &n);
	if (b->t && same_id(b, s, n))
		return ATTUNE_OK;
	if (b->t) {
		id = b->t->pub.id;
		if (id_add(seen, id, strlen(id), b->nu ? b->u[0].line : line))
			return attune_err_set(b->err, ATTUNE_ENOMEM, "%s: out of "
			                      "memory", b->zName);
		if ((rc = trb_finish(b)) != ATTUNE_OK)
			return rc;
	}
	sl = id_find(seen, s, n);
	if (sl && sl->z)
		return trb_fail(b, ATTUNE_EINVAL, line, "rows of transcript "
		                "'%.*s' are not together (it began on line %zu)",
		                (int)(n > 64 ? 64 : n), s, sl->line);
	return trb_begin(b, s, n, line);
}

int tr_read_csv(trb *b, attune_csv *csv)
{
	const attune_csv_field *f;
	int col[C_N];
	size_t nf, ncols, line;
	idset seen;
	int rc;

	memset(&seen, 0, sizeof(seen));
	arena_init(&seen.a);
	if ((rc = attune_csv_next(csv, &f, &nf, b->err)) != ATTUNE_OK)
		goto out;
	if (nf == 0) {  /* empty input: one empty transcript */
		if ((rc = trb_begin(b, NULL, 0, 1)) == ATTUNE_OK)
			rc = trb_finish(b);
		goto out;
	}
	if ((rc = header(b, csv, f, nf, col)) != ATTUNE_OK)
		goto out;
	ncols = nf;
	for (;;) {
		if ((rc = attune_csv_next(csv, &f, &nf, b->err)) != ATTUNE_OK)
			goto out;
		if (nf == 0)
			break;
		line = attune_csv_line(csv);
		if (nf != ncols) {
			rc = trb_fail(b, ATTUNE_EINVAL, line, "row has %zu "
			              "fields; the header has %zu", nf, ncols);
			goto out;
		}
		if (col[C_TID] >= 0) {
			if ((rc = next_id(b, &seen, &f[col[C_TID]], line)))
				goto out;
		} else if (!b->t) {
			if ((rc = trb_begin(b, NULL, 0, line)) != ATTUNE_OK)
				goto out;
		}
		if ((rc = row(b, f, col, line)) != ATTUNE_OK)
			goto out;
	}
	if (!b->t && col[C_TID] < 0)
		rc = trb_begin(b, NULL, 0, 1);  /* a header and no rows */
	if (rc == ATTUNE_OK && b->t)
		rc = trb_finish(b);
out:
	free(seen.s);
	arena_free(&seen.a);
	return rc;
}
