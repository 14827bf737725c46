/* coder_corpus.c - a labelled corpus for training and evaluating the
 * coder, read from CSV with the AnnoMI columns (annomi-simple.csv: one
 * row per utterance; annomi-full.csv: one row per utterance and
 * annotator, merged here by majority vote). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "text/coder_int.h"
#include "text/text_int.h"

enum col {
	C_TRANSCRIPT, C_UTTERANCE, C_SPEAKER, C_TEXT, C_BEHAVIOUR, C_TALK,
	C_QSUB, C_RSUB, C_ISUB, C_N
};
static const char *const col_name[C_N] = {
	"transcript_id", "utterance_id", "interlocutor", "utterance_text",
	"main_therapist_behaviour", "client_talk_type", "question_subtype",
	"reflection_subtype", "therapist_input_subtype"
};

/* Accepted values per label column (lower case), and the code each
 * gives; the first name of each code is the canonical one. */
typedef struct lab {
	const char *z;
	int code;
} lab;
static const lab behaviour_labs[] = {
	{"question", 0}, {"reflection", 1}, {"therapist_input", 2},
	{"input", 2}, {"therapeutic_input", 2}, {"other", 3}, {NULL, 0}
};
static const lab talk_labs[] = {
	{"change", 0}, {"neutral", 1}, {"sustain", 2}, {NULL, 0}
};
static const lab qsub_labs[] = {{"open", 0}, {"closed", 1}, {NULL, 0}};
static const lab rsub_labs[] = {{"simple", 2}, {"complex", 3}, {NULL, 0}};
static const lab isub_labs[] = {
	{"information", 4}, {"advice", 5}, {"options", 6},
	{"negotiation", 7}, {NULL, 0}
};
static const char *const lab_help[C_N] = {
	NULL, NULL, NULL, NULL,
	"question, reflection, therapist_input or other",
	"change, neutral or sustain",
	"open or closed", "simple or complex",
	"information, advice, options or negotiation"
};

/* Votes of the annotators of one utterance. */
typedef struct votes {
	unsigned n[3][MIR_KS];
	unsigned first[3][MIR_KS];    /* row of the first vote, for ties */
	unsigned rows;
} votes;

typedef struct rd {
	attune_csv *csv;
	attune_err *err;
	attune_mirror_corpus *c;
	int col[C_N];                 /* field index, or -1 */
	size_t n_fields;
	spk_map map;                  /* empty: role words only */
	/* the transcript being read */
	int open;
	const char *id;               /* in the arena */
	size_t id_line;
	attune_utterance *u;
	mir_gold *g;
	votes *v;
	size_t nu, capu;
	char *last_uid;               /* utterance_id of the last row */
	size_t last_uid_n, last_uid_cap;
	int have_last;
	/* transcript ids seen, for "rows not together" */
	const char **ids;
	size_t *id_lines;
	size_t ids_cap, ids_n;
	size_t cap_docs;
} rd;

static int fail(rd *r, int rc, const char *fmt, ...) ATTUNE_PRINTF(3, 4);

static int fail(rd *r, int rc, const char *fmt, ...)
{
	char what[ATTUNE_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return attune_err_set(r->err, rc, "%s:%zu: %s",
	                      attune_csv_name(r->csv),
	                      attune_csv_line(r->csv), what);
}

static int oom(rd *r)
{
	return attune_err_set(r->err, ATTUNE_ENOMEM, "%s: out of memory",
	                      attune_csv_name(r->csv));
}

static uint64_t hash_id(const char *s, size_t n)
{
	return mir_hash_bytes(s, n);
}

/* Remember id (NUL-terminated, in the arena); returns the line where it
 * began if it was seen before, else 0. */
static int ids_add(rd *r, const char *id, size_t line, size_t *seen_at)
{
	size_t i, mask, n = strlen(id);

	*seen_at = 0;
	if ((r->ids_n + 1) * 2 > r->ids_cap) {
		size_t cap = r->ids_cap ? r->ids_cap * 2 : 256, j;
		const char **ni = calloc(cap, sizeof(*ni));
		size_t *nl = calloc(cap, sizeof(*nl));
		if (!ni || !nl) {
			free(ni);
			free(nl);
			return ATTUNE_ENOMEM;
		}
		for (j = 0; j < r->ids_cap; j++) {
			if (!r->ids[j])
				continue;
			i = hash_id(r->ids[j], strlen(r->ids[j])) & (cap - 1);
			while (ni[i])
				i = (i + 1) & (cap - 1);
			ni[i] = r->ids[j];
			nl[i] = r->id_lines[j];
		}
		free(r->ids);
		free(r->id_lines);
		r->ids = ni;
		r->id_lines = nl;
		r->ids_cap = cap;
	}
	mask = r->ids_cap - 1;
	i = hash_id(id, n) & mask;
	while (r->ids[i]) {
		if (strcmp(r->ids[i], id) == 0) {
			*seen_at = r->id_lines[i];
			return ATTUNE_OK;
		}
		i = (i + 1) & mask;
	}
	r->ids[i] = id;
	r->id_lines[i] = line;
	r->ids_n++;
	return ATTUNE_OK;
}

/* Majority with ties to the code voted first; -1 without votes. */
static int majority(const unsigned *n, const unsigned *first, unsigned k)
{
	unsigned c;
	int best = -1;

	for (c = 0; c < k; c++) {
		if (!n[c])
			continue;
		if (best < 0 || n[c] > n[best] ||
		    (n[c] == n[best] && first[c] < first[best]))
			best = (int)c;
	}
	return best;
}

static void settle(rd *r, size_t i)
{
	votes *v = &r->v[i];
	mir_gold *g = &r->g[i];
	int b = majority(v->n[0], v->first[0], MIR_KB);
	unsigned s, ns[MIR_KS], nf[MIR_KS];

	g->y[0] = (signed char)b;
	g->y[1] = (signed char)majority(v->n[1], v->first[1], MIR_KT);
	g->y[2] = -1;
	if (b >= 0 && mir_sub_n[b]) {
		/* the subcodes of the majority behaviour only */
		memset(ns, 0, sizeof(ns));
		memset(nf, 0, sizeof(nf));
		for (s = 0; s < mir_sub_n[b]; s++) {
			ns[s] = v->n[2][mir_sub_off[b] + s];
			nf[s] = v->first[2][mir_sub_off[b] + s];
		}
		s = (unsigned)(majority(ns, nf, mir_sub_n[b]) + 1);
		if (s > 0)
			g->y[2] = (signed char)(mir_sub_off[b] + s - 1);
	}
	if (r->u[i].speaker != ATTUNE_SPEAKER_THERAPIST)
		g->y[0] = g->y[2] = -1;
	if (r->u[i].speaker != ATTUNE_SPEAKER_CLIENT)
		g->y[1] = -1;
}

static int doc_end(rd *r)
{
	attune_mirror_corpus *c = r->c;
	mir_doc *d;
	size_t i;

	if (!r->open)
		return ATTUNE_OK;
	r->open = 0;
	for (i = 0; i < r->nu; i++)
		settle(r, i);
	if (c->n_docs == r->cap_docs) {
		size_t cap = r->cap_docs ? r->cap_docs * 2 : 64;
		mir_doc *nd = realloc(c->d, cap * sizeof(*nd));
		if (!nd)
			return oom(r);
		c->d = nd;
		r->cap_docs = cap;
	}
	d = &c->d[c->n_docs];
	d->id = r->id;
	d->n = r->nu;
	d->u = arena_alloc(&c->a, (r->nu ? r->nu : 1) * sizeof(*d->u));
	d->g = arena_alloc(&c->a, (r->nu ? r->nu : 1) * sizeof(*d->g));
	if (!d->u || !d->g)
		return oom(r);
	memcpy(d->u, r->u, r->nu * sizeof(*d->u));
	memcpy(d->g, r->g, r->nu * sizeof(*d->g));
	c->n_docs++;
	c->n_utt += r->nu;
	r->nu = 0;
	r->have_last = 0;
	return ATTUNE_OK;
}

/* Parse label field f of column k into a vote on v (task t). */
static int vote(rd *r, const attune_csv_field *f, unsigned k, unsigned t,
                const lab *labs, votes *v)
{
	size_t n = f->n;
	const char *s = trim(f->p, &n);
	const lab *l;

	if (n == 0 || eq_ci(s, n, "n/a") || eq_ci(s, n, "na") ||
	    eq_ci(s, n, "none"))
		return ATTUNE_OK;
	for (l = labs; l->z; l++)
		if (eq_ci(s, n, l->z)) {
			if (!v->n[t][l->code]++)
				v->first[t][l->code] = v->rows;
			return ATTUNE_OK;
		}
	return fail(r, ATTUNE_EINVAL, "%s '%.*s' is not %s (or empty, n/a)",
	            col_name[k], (int)(n > 40 ? 40 : n), s, lab_help[k]);
}

static int row(rd *r, const attune_csv_field *f, size_t nf)
{
	attune_mirror_corpus *c = r->c;
	const attune_csv_field *tid = r->col[C_TRANSCRIPT] >= 0 ?
	                              &f[r->col[C_TRANSCRIPT]] : NULL;
	const attune_csv_field *uid = r->col[C_UTTERANCE] >= 0 ?
	                              &f[r->col[C_UTTERANCE]] : NULL;
	size_t line = attune_csv_line(r->csv), tn = 0, un = 0, sn;
	const char *ts = NULL, *us = NULL, *ss;
	attune_utterance *u;
	votes *v;
	int rc, same_utt;

	if (nf != r->n_fields)
		return fail(r, ATTUNE_EINVAL, "row has %zu fields; the header "
		            "has %zu", nf, r->n_fields);
	c->n_rows++;
	if (tid) {
		tn = tid->n;
		ts = trim(tid->p, &tn);
		if (tn > ATTUNE_ID_MAX)
			return fail(r, ATTUNE_ELIMIT, "transcript_id longer than "
			            "ATTUNE_ID_MAX (%d bytes)", ATTUNE_ID_MAX);
	}
	if (uid) {
		un = uid->n;
		us = trim(uid->p, &un);
	}
	/* a new transcript? */
	if (!r->open || (tid && (strlen(r->id) != tn ||
	                         memcmp(r->id, ts, tn) != 0))) {
		size_t seen;
		char *id;
		if ((rc = doc_end(r)))
			return rc;
		id = arena_strndup(&c->a, ts ? ts : "", tn);
		if (!id)
			return oom(r);
		if (ids_add(r, id, line, &seen))
			return oom(r);
		if (seen)
			return fail(r, ATTUNE_EINVAL, "rows of transcript '%s' "
			            "are not together (it began on line %zu)",
			            id, seen);
		r->id = id;
		r->id_line = line;
		r->open = 1;
	}
	/* another annotator's row of the last utterance? */
	same_utt = uid && r->have_last && r->nu > 0 &&
	           r->last_uid_n == un && memcmp(r->last_uid, us, un) == 0;
	if (!same_utt) {
		if (c->n_utt + r->nu >= ATTUNE_MIRROR_CORPUS_MAX)
			return fail(r, ATTUNE_ELIMIT, "more than "
			            "ATTUNE_MIRROR_CORPUS_MAX (%u) utterances",
			            ATTUNE_MIRROR_CORPUS_MAX);
		if (r->nu >= ATTUNE_TRANSCRIPT_UTTERANCES_MAX)
			return fail(r, ATTUNE_ELIMIT, "transcript '%s' has more "
			            "than ATTUNE_TRANSCRIPT_UTTERANCES_MAX (%u) "
			            "utterances", r->id,
			            ATTUNE_TRANSCRIPT_UTTERANCES_MAX);
		if (r->nu == r->capu) {
			size_t cap = r->capu ? r->capu * 2 : 256;
			attune_utterance *nu = realloc(r->u, cap * sizeof(*nu));
			mir_gold *ng;
			votes *nv;
			if (!nu)
				return oom(r);
			r->u = nu;
			ng = realloc(r->g, cap * sizeof(*ng));
			if (!ng)
				return oom(r);
			r->g = ng;
			nv = realloc(r->v, cap * sizeof(*nv));
			if (!nv)
				return oom(r);
			r->v = nv;
			r->capu = cap;
		}
		u = &r->u[r->nu];
		memset(u, 0, sizeof(*u));
		memset(&r->v[r->nu], 0, sizeof(r->v[r->nu]));
		sn = f[r->col[C_SPEAKER]].n;
		ss = trim(f[r->col[C_SPEAKER]].p, &sn);
		u->speaker = spk_resolve(&r->map, ss, sn, NULL);
		u->label = "";
		u->text = arena_strndup(&c->a, f[r->col[C_TEXT]].p,
		                        f[r->col[C_TEXT]].n);
		if (!u->text)
			return oom(r);
		u->text_len = f[r->col[C_TEXT]].n;
		u->start_ms = u->end_ms = -1;
		u->line = line;
		u->turn = r->nu;
		if (uid) {
			u->utterance_id = arena_strndup(&c->a, us, un);
			if (!u->utterance_id)
				return oom(r);
			if (un + 1 > r->last_uid_cap) {
				char *nl = realloc(r->last_uid, un + 1);
				if (!nl)
					return oom(r);
				r->last_uid = nl;
				r->last_uid_cap = un + 1;
			}
			memcpy(r->last_uid, us, un);
			r->last_uid_n = un;
			r->have_last = 1;
		}
		r->nu++;
	}
	v = &r->v[r->nu - 1];
	if ((r->col[C_BEHAVIOUR] >= 0 &&
	     (rc = vote(r, &f[r->col[C_BEHAVIOUR]], C_BEHAVIOUR, 0,
	                behaviour_labs, v))) ||
	    (r->col[C_TALK] >= 0 &&
	     (rc = vote(r, &f[r->col[C_TALK]], C_TALK, 1, talk_labs, v))) ||
	    (r->col[C_QSUB] >= 0 &&
	     (rc = vote(r, &f[r->col[C_QSUB]], C_QSUB, 2, qsub_labs, v))) ||
	    (r->col[C_RSUB] >= 0 &&
	     (rc = vote(r, &f[r->col[C_RSUB]], C_RSUB, 2, rsub_labs, v))) ||
	    (r->col[C_ISUB] >= 0 &&
	     (rc = vote(r, &f[r->col[C_ISUB]], C_ISUB, 2, isub_labs, v))))
		return rc;
	v->rows++;
	return ATTUNE_OK;
}

int attune_mirror_corpus_read_csv(attune_csv *csv,
                                  attune_mirror_corpus **out,
                                  attune_err *err)
{
	const attune_csv_field *f;
	size_t nf, j;
	unsigned k;
	rd r;
	int rc;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	r.csv = csv;
	r.err = err;
	r.c = calloc(1, sizeof(*r.c));
	if (!r.c)
		return oom(&r);
	arena_init(&r.c->a);
	{
		/* the base name, printable ASCII only: it goes into the
		 * model's text header */
		const char *z = attune_csv_name(csv), *slash = strrchr(z, '/');
		size_t i, n = 0;
		for (z = slash ? slash + 1 : z, i = 0;
		     z[i] && n + 1 < sizeof(r.c->name); i++)
			if (z[i] >= 0x20 && z[i] < 0x7f)
				r.c->name[n++] = z[i];
		r.c->name[n] = '\0';
	}
	for (k = 0; k < C_N; k++)
		r.col[k] = -1;

	rc = attune_csv_next(csv, &f, &nf, err);
	if (rc)
		goto out;
	if (nf == 0) {
		rc = attune_err_set(err, ATTUNE_EINVAL, "%s: empty input: "
		                    "expected a header with utterance_text, "
		                    "interlocutor and main_therapist_behaviour "
		                    "or client_talk_type", attune_csv_name(csv));
		goto out;
	}
	r.n_fields = nf;
	for (j = 0; j < nf; j++) {
		size_t n = f[j].n;
		const char *s = f[j].p;
		if (j == 0 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
			s += 3;
			n -= 3;
		}
		s = trim(s, &n);
		for (k = 0; k < C_N; k++)
			if (eq_ci(s, n, col_name[k])) {
				if (r.col[k] >= 0) {
					rc = fail(&r, ATTUNE_EINVAL, "column %s "
					          "appears twice", col_name[k]);
					goto out;
				}
				r.col[k] = (int)j;
			}
	}
	for (k = C_SPEAKER; k <= C_TEXT; k++)
		if (r.col[k] < 0) {
			rc = fail(&r, ATTUNE_EINVAL, "no %s column (a labelled "
			          "transcript CSV needs utterance_text, "
			          "interlocutor and main_therapist_behaviour or "
			          "client_talk_type)", col_name[k]);
			goto out;
		}
	if (r.col[C_BEHAVIOUR] < 0 && r.col[C_TALK] < 0) {
		rc = fail(&r, ATTUNE_EINVAL, "no label column: give "
		          "main_therapist_behaviour or client_talk_type (or "
		          "both)");
		goto out;
	}
	for (;;) {
		rc = attune_csv_next(csv, &f, &nf, err);
		if (rc)
			goto out;
		if (nf == 0)
			break;
		rc = row(&r, f, nf);
		if (rc)
			goto out;
	}
	rc = doc_end(&r);
	if (rc)
		goto out;
	*out = r.c;
	r.c = NULL;
out:
	attune_mirror_corpus_free(r.c);
	free(r.u);
	free(r.g);
	free(r.v);
	free(r.last_uid);
	free(r.ids);
	free(r.id_lines);
	return rc;
}

void attune_mirror_corpus_free(attune_mirror_corpus *c)
{
	if (!c)
		return;
	arena_free(&c->a);
	free(c->d);
	free(c);
}

void attune_mirror_corpus_info_get(const attune_mirror_corpus *c,
                                   attune_mirror_corpus_info *info)
{
	size_t d, i;
	unsigned t;

	memset(info, 0, sizeof(*info));
	info->n_transcripts = c->n_docs;
	info->n_utterances = c->n_utt;
	info->n_rows = c->n_rows;
	for (d = 0; d < c->n_docs; d++)
		for (i = 0; i < c->d[d].n; i++)
			for (t = 0; t < 3; t++) {
				int y = c->d[d].g[i].y[t];
				if (y >= 0) {
					info->n_labelled[t]++;
					info->n_class[t][y]++;
				}
			}
}
