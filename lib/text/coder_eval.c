/* coder_eval.c - cross-validation of the coder grouped by transcript,
 * and the agreement figures: per-class precision, recall and F1,
 * macro-F1, accuracy and Cohen's kappa. */
#include <stdlib.h>
#include <string.h>
#include "text/coder_int.h"

static const char *const group_names[ATTUNE_MIRROR_G_COUNT] = {
	"therapist_behaviour", "client_talk", "question_type",
	"reflection_type", "input_type"
};

const char *attune_mirror_group_name(attune_mirror_group g)
{
	return (unsigned)g < ATTUNE_MIRROR_G_COUNT ? group_names[g] : "";
}

const char *attune_mirror_group_class(attune_mirror_group g, unsigned i)
{
	switch (g) {
	case ATTUNE_MIRROR_G_BEHAVIOUR:
		return attune_mirror_code_name(ATTUNE_MIRROR_BEHAVIOUR, (int)i);
	case ATTUNE_MIRROR_G_TALK:
		return attune_mirror_code_name(ATTUNE_MIRROR_TALK, (int)i);
	case ATTUNE_MIRROR_G_QUESTION:
		return i < 2 ? attune_mirror_code_name(ATTUNE_MIRROR_SUBCODE,
		                                       (int)i) : "";
	case ATTUNE_MIRROR_G_REFLECTION:
		return i < 2 ? attune_mirror_code_name(ATTUNE_MIRROR_SUBCODE,
		                                       (int)i + 2) : "";
	case ATTUNE_MIRROR_G_INPUT:
		return i < 4 ? attune_mirror_code_name(ATTUNE_MIRROR_SUBCODE,
		                                       (int)i + 4) : "";
	default:
		break;
	}
	return "";
}

/* Argmax of columns [col, col + k) of z. */
static unsigned argmax(const float *z, unsigned col, unsigned k)
{
	unsigned c, best = 0;

	for (c = 1; c < k; c++)
		if (z[col + c] > z[col + best])
			best = c;
	return best;
}

/* Code document d with m and count it into e. */
typedef struct cvrun {
	attune_mirror_cv_cb cb;
	void *ctx;
	unsigned fold;
} cvrun;

static int eval_doc(const attune_mirror_model *m, const mir_doc *d,
                    mir_fx *x, const cvrun *run, attune_mirror_eval *e)
{
	float z[MIR_NCOL];
	size_t i;

	x->pf = m->w;
	if (d->n && mir_tokenise_all(x, d->u, d->n))
		return ATTUNE_ENOMEM;
	for (i = 0; i < d->n; i++) {
		const mir_gold *g = &d->g[i];
		attune_speaker sp = d->u[i].speaker;

		if (!((sp == ATTUNE_SPEAKER_THERAPIST && g->y[0] >= 0) ||
		      (sp == ATTUNE_SPEAKER_CLIENT && g->y[1] >= 0)))
			continue;
		if (mir_features(x, &m->cfg, d->u, d->n, i))
			return ATTUNE_ENOMEM;
		mir_scores(m, x->f, x->n, 0, MIR_NCOL, z);
		if (run->cb) {
			attune_mirror_result r;
			float zz[MIR_NCOL];
			int gold[3];
			memcpy(zz, z, sizeof(zz));
			mir_decide(m, sp, zz, &r);
			gold[0] = g->y[0];
			gold[1] = g->y[1];
			gold[2] = g->y[2];
			run->cb(run->ctx, d->id, &d->u[i], run->fold, gold, &r);
		}
		if (sp == ATTUNE_SPEAKER_CLIENT) {
			e->g[ATTUNE_MIRROR_G_TALK].m[g->y[1]]
			   [argmax(z, MIR_COL_T, MIR_KT)]++;
			continue;
		}
		e->g[ATTUNE_MIRROR_G_BEHAVIOUR].m[g->y[0]]
		   [argmax(z, MIR_COL_B, MIR_KB)]++;
		/* the subcode within the gold behaviour's family */
		if (g->y[2] >= 0 && (m->trained >> ATTUNE_MIRROR_SUBCODE & 1u)) {
			unsigned p = (unsigned)g->y[0];
			unsigned grp = ATTUNE_MIRROR_G_QUESTION + p;
			if (mir_sub_n[p] && attune_mirror_subcode_parent(g->y[2]) ==
			    (int)p)
				e->g[grp].m[(unsigned)g->y[2] - mir_sub_off[p]]
				   [argmax(z, MIR_COL_S + mir_sub_off[p],
				           mir_sub_n[p])]++;
		}
	}
	return ATTUNE_OK;
}

int attune_mirror_cv(const attune_mirror_corpus *c,
                     const attune_mirror_opts *o, unsigned folds,
                     attune_mirror_cv_cb cb, void *ctx,
                     attune_mirror_eval *out, attune_err *err)
{
	attune_mirror_model *m = NULL;
	cvrun run;
	mir_fx x;
	unsigned f;
	size_t d;
	int rc;

	memset(out, 0, sizeof(*out));
	if (folds < 2 || folds > ATTUNE_MIRROR_FOLDS_MAX)
		return attune_err_set(err, ATTUNE_EINVAL, "folds %u is outside "
		                      "2..%u", folds, ATTUNE_MIRROR_FOLDS_MAX);
	if (folds > c->n_docs)
		return attune_err_set(err, ATTUNE_EINVAL, "%u folds need at "
		                      "least %u transcripts; the data has %zu",
		                      folds, folds, c->n_docs);
	rc = attune_mirror_opts_check(o, err);
	if (rc)
		return rc;
	out->folds = folds;
	out->n_transcripts = c->n_docs;
	out->g[ATTUNE_MIRROR_G_BEHAVIOUR].k = MIR_KB;
	out->g[ATTUNE_MIRROR_G_TALK].k = MIR_KT;
	out->g[ATTUNE_MIRROR_G_QUESTION].k = 2;
	out->g[ATTUNE_MIRROR_G_REFLECTION].k = 2;
	out->g[ATTUNE_MIRROR_G_INPUT].k = 4;
	mir_fx_init(&x);
	for (f = 0; f < folds; f++) {
		rc = mir_train(c, o, folds, (int)f, &m, err);
		if (rc)
			goto out;
		run.cb = cb;
		run.ctx = ctx;
		run.fold = f;
		for (d = f; d < c->n_docs; d += folds) {
			rc = eval_doc(m, &c->d[d], &x, &run, out);
			if (rc) {
				rc = attune_err_set(err, rc, "out of memory while "
				                    "evaluating");
				goto out;
			}
		}
		attune_mirror_model_free(m);
		m = NULL;
	}
out:
	attune_mirror_model_free(m);
	mir_fx_free(&x);
	return rc;
}

void attune_mirror_metrics_of(const attune_mirror_confusion *c,
                              attune_mirror_metrics *out)
{
	size_t row[4] = {0}, colsum[4] = {0}, diag = 0, n = 0;
	unsigned i, j, k = c->k > 4 ? 4 : c->k;
	double pe = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < k; i++)
		for (j = 0; j < k; j++) {
			row[i] += c->m[i][j];
			colsum[j] += c->m[i][j];
			n += c->m[i][j];
		}
	for (i = 0; i < k; i++)
		diag += c->m[i][i];
	out->n = n;
	for (i = 0; i < k; i++) {
		double p = colsum[i] ? (double)c->m[i][i] / (double)colsum[i] : 0;
		double r = row[i] ? (double)c->m[i][i] / (double)row[i] : 0;
		out->support[i] = row[i];
		out->precision[i] = p;
		out->recall[i] = r;
		out->f1[i] = p + r > 0 ? 2 * p * r / (p + r) : 0;
		out->macro_f1 += out->f1[i];
	}
	if (k)
		out->macro_f1 /= k;
	if (n == 0)
		return;
	out->accuracy = (double)diag / (double)n;
	/* Cohen 1960: p_e = sum_k (row_k / n)(col_k / n) */
	for (i = 0; i < k; i++)
		pe += ((double)row[i] / (double)n) * ((double)colsum[i] /
		      (double)n);
	out->kappa = pe < 1 ? (out->accuracy - pe) / (1 - pe) : 0;
}
