/* coder.c - coding a transcript's turns with a model: the code names,
 * the coding loop, and the evidence behind a code. */
#include <stdlib.h>
#include <string.h>
#include "text/coder_int.h"

static const char *const behaviour_names[MIR_KB] = {
	"question", "reflection", "therapist_input", "other"
};
static const char *const talk_names[MIR_KT] = {
	"change", "neutral", "sustain"
};
static const char *const subcode_names[MIR_KS] = {
	"open", "closed", "simple", "complex", "information", "advice",
	"options", "negotiation"
};

const char *attune_mirror_code_name(attune_mirror_task task, int code)
{
	switch (task) {
	case ATTUNE_MIRROR_BEHAVIOUR:
		return code >= 0 && code < MIR_KB ? behaviour_names[code] : "";
	case ATTUNE_MIRROR_TALK:
		return code >= 0 && code < MIR_KT ? talk_names[code] : "";
	case ATTUNE_MIRROR_SUBCODE:
		return code >= 0 && code < MIR_KS ? subcode_names[code] : "";
	}
	return "";
}

int attune_mirror_subcode_parent(int subcode)
{
	switch (subcode) {
	case ATTUNE_MIRROR_OPEN: case ATTUNE_MIRROR_CLOSED:
		return ATTUNE_MIRROR_QUESTION;
	case ATTUNE_MIRROR_SIMPLE: case ATTUNE_MIRROR_COMPLEX:
		return ATTUNE_MIRROR_REFLECTION;
	case ATTUNE_MIRROR_INFORMATION: case ATTUNE_MIRROR_ADVICE:
	case ATTUNE_MIRROR_OPTIONS: case ATTUNE_MIRROR_NEGOTIATION:
		return ATTUNE_MIRROR_INPUT;
	}
	return -1;
}

/* The scores of a turn in one pass over its features: all MIR_NCOL
 * columns for a therapist turn (behaviour and subcodes), the four from
 * MIR_COL_T for a client turn (talk; the rest of z is not written).
 * Rows are 64-byte aligned, so with GCC/Clang vector types one row is
 * four 4-float loads (SSE on x86-64, NEON on arm64); plain C otherwise. */
#if defined(__GNUC__)
typedef float v4f __attribute__((vector_size(16)));

static inline v4f load4(const float *p)
{
	v4f v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void scores_of(const attune_mirror_model *m, attune_speaker sp,
                      const mir_feat *f, size_t nf, float *z)
{
	size_t j;

	if (sp == ATTUNE_SPEAKER_CLIENT) {
		v4f a = load4(m->bias + MIR_COL_T);
		for (j = 0; j < nf; j++) {
			const float *row = m->w + (size_t)f[j].i * MIR_NCOL;
			a += f[j].v * load4(row + MIR_COL_T);
		}
		memcpy(z + MIR_COL_T, &a, sizeof(a));
	} else {
		v4f a0 = load4(m->bias), a1 = load4(m->bias + 4);
		v4f a2 = load4(m->bias + 8), a3 = load4(m->bias + 12);
		for (j = 0; j < nf; j++) {
			const float *row = m->w + (size_t)f[j].i * MIR_NCOL;
			float v = f[j].v;
			a0 += v * load4(row);
			a1 += v * load4(row + 4);
			a2 += v * load4(row + 8);
			a3 += v * load4(row + 12);
		}
		memcpy(z, &a0, sizeof(a0));
		memcpy(z + 4, &a1, sizeof(a1));
		memcpy(z + 8, &a2, sizeof(a2));
		memcpy(z + 12, &a3, sizeof(a3));
	}
}
#else
static void scores_of(const attune_mirror_model *m, attune_speaker sp,
                      const mir_feat *f, size_t nf, float *z)
{
	if (sp == ATTUNE_SPEAKER_CLIENT)
		mir_scores(m, f, nf, MIR_COL_T, 4, z + MIR_COL_T);
	else
		mir_scores(m, f, nf, 0, MIR_NCOL, z);
}
#endif

void mir_decide(const attune_mirror_model *m, attune_speaker sp, float *z,
                attune_mirror_result *r)
{
	unsigned best, c;

	memset(r, 0, sizeof(*r));
	r->behaviour = r->talk = r->subcode = -1;
	if (sp == ATTUNE_SPEAKER_THERAPIST) {
		best = mir_softmax(z + MIR_COL_B, MIR_KB);
		r->behaviour = (int)best;
		r->confidence = z[MIR_COL_B + best];
		for (c = 0; c < MIR_KB; c++)
			r->prob[c] = z[MIR_COL_B + c];
		if ((m->trained >> ATTUNE_MIRROR_SUBCODE & 1u) &&
		    mir_sub_n[best]) {
			float *s = z + MIR_COL_S + mir_sub_off[best];
			unsigned sb = mir_softmax(s, mir_sub_n[best]);
			r->subcode = (int)(mir_sub_off[best] + sb);
			r->sub_confidence = s[sb];
		}
	} else {
		best = mir_softmax(z + MIR_COL_T, MIR_KT);
		r->talk = (int)best;
		r->confidence = z[MIR_COL_T + best];
		for (c = 0; c < MIR_KT; c++)
			r->prob[c] = z[MIR_COL_T + c];
	}
}

static int codable(const attune_mirror_model *m, attune_speaker sp)
{
	return (sp == ATTUNE_SPEAKER_THERAPIST &&
	        (m->trained >> ATTUNE_MIRROR_BEHAVIOUR & 1u)) ||
	       (sp == ATTUNE_SPEAKER_CLIENT &&
	        (m->trained >> ATTUNE_MIRROR_TALK & 1u));
}

int attune_mirror_code(const attune_mirror_model *m,
                       const attune_utterance *u, size_t n,
                       attune_mirror_result *res, attune_err *err)
{
	mir_fx x;
	float z[MIR_NCOL];
	size_t i;
	int rc = ATTUNE_OK;

	mir_fx_init(&x);
	x.pf = m->w;
	if (n && mir_tokenise_all(&x, u, n)) {
		mir_fx_free(&x);
		return attune_err_set(err, ATTUNE_ENOMEM, "out of memory while "
		                      "coding");
	}
	for (i = 0; i < n; i++) {
		attune_mirror_result *r = &res[i];

		memset(r, 0, sizeof(*r));
		r->behaviour = r->talk = r->subcode = -1;
		if (!codable(m, u[i].speaker))
			continue;
		if (mir_features(&x, &m->cfg, u, n, i)) {
			rc = attune_err_set(err, ATTUNE_ENOMEM, "out of memory "
			                    "while coding");
			break;
		}
		scores_of(m, u[i].speaker, x.f, x.n, z);
		mir_decide(m, u[i].speaker, z, r);
	}
	mir_fx_free(&x);
	return rc;
}

int attune_mirror_explain(const attune_mirror_model *m,
                          const attune_utterance *u, size_t n, size_t i,
                          attune_mirror_evidence *ev, size_t k,
                          size_t *n_ev, attune_err *err)
{
	mir_fx x;
	float z[MIR_NCOL], *w = NULL;
	unsigned col, kk, c, best, second;
	size_t j, q, nm = 0;
	int rc = ATTUNE_OK;

	*n_ev = 0;
	if (k > 16)
		k = 16;
	if (i >= n || !codable(m, u[i].speaker) || k == 0)
		return ATTUNE_OK;
	mir_fx_init(&x);
	x.want_names = 1;
	if (mir_features(&x, &m->cfg, u, n, i))
		goto oom;
	col = u[i].speaker == ATTUNE_SPEAKER_THERAPIST ? MIR_COL_B : MIR_COL_T;
	kk = u[i].speaker == ATTUNE_SPEAKER_THERAPIST ? MIR_KB : MIR_KT;
	mir_scores(m, x.f, x.n, col, kk, z);
	best = 0;
	for (c = 1; c < kk; c++)
		if (z[c] > z[best])
			best = c;
	second = best == 0 ? 1 : 0;
	for (c = 0; c < kk; c++)
		if (c != best && z[c] > z[second])
			second = c;
	/* contributions, summed per feature name */
	w = malloc((x.n ? x.n : 1) * sizeof(*w));
	if (!w)
		goto oom;
	for (j = 0; j < x.n; j++) {
		const float *row = m->w + (size_t)x.f[j].i * MIR_NCOL + col;
		float a = x.f[j].v * (row[best] - row[second]);
		for (q = 0; q < nm; q++)
			if (strcmp(x.name[q], x.name[j]) == 0)
				break;
		if (q == nm) {
			if (q != j)
				memcpy(x.name[q], x.name[j], sizeof(x.name[q]));
			w[nm++] = a;
		} else {
			w[q] += a;
		}
	}
	/* the k largest positive ones */
	while (*n_ev < k) {
		size_t top = nm;
		for (q = 0; q < nm; q++)
			if (w[q] > 0 && (top == nm || w[q] > w[top]))
				top = q;
		if (top == nm)
			break;
		memcpy(ev[*n_ev].name, x.name[top], sizeof(ev[*n_ev].name));
		ev[*n_ev].weight = w[top];
		(*n_ev)++;
		w[top] = 0;
	}
	goto out;
oom:
	rc = attune_err_set(err, ATTUNE_ENOMEM, "out of memory");
out:
	free(w);
	mir_fx_free(&x);
	return rc;
}
