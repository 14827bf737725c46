/* coder_train.c - training the coder: multinomial logistic regression on
 * hashed features by stochastic gradient descent with L2 regularisation,
 * one softmax per task sharing the weight table.
 *
 * Per example x (features x_j), gold class y, class weight c_y:
 *   z_k = b_k + sum_j x_j w_jk,  p = softmax(z),
 *   loss = -c_y log p_y + (lambda / 2) |w|^2
 *   w_jk <- (1 - eta lambda) w_jk - eta c_y (p_k - [k = y]) x_j
 * with eta_t = eta0 / (1 + eta0 lambda t) (Bottou 2012, "Stochastic
 * gradient descent tricks", Neural Networks: Tricks of the Trade, sec.
 * 5.2), the decay kept in one scale per task so an update touches only
 * the example's features (w = s v; ibid. sec. 5.1), and the weights of
 * the later epochs averaged (Polyak-Ruppert averaging, per epoch).
 * Subcodes are a softmax over the subcodes of the gold behaviour only.
 * Balanced class weights c_k = (n / (K n_k))^class_weight counter the
 * rarer codes (sustain talk, therapist input) for macro-F1.
 * Examples are visited in a shuffled order from a fixed seed: the same
 * data and options give the same model, byte for byte. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "text/coder_int.h"

const unsigned char mir_sub_off[MIR_KB] = {0, 2, 4, 0};
const unsigned char mir_sub_n[MIR_KB] = {2, 2, 4, 0};

void attune_mirror_opts_default(attune_mirror_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->hash_bits = 16;
	o->word_ngrams = 2;
	o->char_min = 3;
	o->char_max = 5;
	o->char_client = 0;
	o->context = 2;
	o->next = 0;
	o->w_word = 1.0f;
	o->w_char = 1.0f;
	o->w_meta = 0.5f;
	o->w_prev = 0.5f;
	o->epochs = 12;
	o->lambda = 3e-4;
	o->eta0 = 0.2;
	o->class_weight = 0.7;
	o->avg_from = 0;
	o->seed = 1;
}

int attune_mirror_opts_check(const attune_mirror_opts *o, attune_err *err)
{
	if (o->hash_bits < ATTUNE_MIRROR_HASH_BITS_MIN ||
	    o->hash_bits > ATTUNE_MIRROR_HASH_BITS_MAX)
		return attune_err_set(err, ATTUNE_EINVAL, "hash_bits %u is "
		                      "outside %u..%u", o->hash_bits,
		                      ATTUNE_MIRROR_HASH_BITS_MIN,
		                      ATTUNE_MIRROR_HASH_BITS_MAX);
	if (o->word_ngrams < 1 || o->word_ngrams > 3)
		return attune_err_set(err, ATTUNE_EINVAL, "word_ngrams %u is "
		                      "outside 1..3", o->word_ngrams);
	if (o->char_min > o->char_max || o->char_max > 8 ||
	    (o->char_min == 0) != (o->char_max == 0))
		return attune_err_set(err, ATTUNE_EINVAL, "char n-grams %u-%u: "
		                      "give 1 <= char_min <= char_max <= 8, or "
		                      "0-0 for none", o->char_min, o->char_max);
	if (o->context > 3)
		return attune_err_set(err, ATTUNE_EINVAL, "context %u is outside "
		                      "0..3", o->context);
	if (o->next > 1)
		return attune_err_set(err, ATTUNE_EINVAL, "next is 0 or 1");
	if (o->char_client > 1)
		return attune_err_set(err, ATTUNE_EINVAL, "char_client is 0 "
		                      "or 1");
	if (!(o->w_word >= 0 && o->w_word <= 100) ||
	    !(o->w_char >= 0 && o->w_char <= 100) ||
	    !(o->w_meta >= 0 && o->w_meta <= 100) ||
	    !(o->w_prev >= 0 && o->w_prev <= 100))
		return attune_err_set(err, ATTUNE_EINVAL, "block weights are "
		                      "0..100");
	if (o->epochs < 1 || o->epochs > 1000)
		return attune_err_set(err, ATTUNE_EINVAL, "epochs %u is outside "
		                      "1..1000", o->epochs);
	if (!(o->lambda >= 0 && o->lambda < 1))
		return attune_err_set(err, ATTUNE_EINVAL, "lambda must be in "
		                      "[0, 1)");
	if (!(o->eta0 > 0 && o->eta0 <= 100))
		return attune_err_set(err, ATTUNE_EINVAL, "eta0 must be in "
		                      "(0, 100]");
	if (!(o->class_weight >= 0 && o->class_weight <= 2))
		return attune_err_set(err, ATTUNE_EINVAL, "class_weight must be "
		                      "in [0, 2]");
	if (o->avg_from > o->epochs)
		return attune_err_set(err, ATTUNE_EINVAL, "avg_from %u is after "
		                      "the last epoch (%u)", o->avg_from,
		                      o->epochs);
	return ATTUNE_OK;
}

/* Parse an unsigned integer or a number without the locale. */
static int opt_uint(const char *v, unsigned max, unsigned *out)
{
	int64_t x;

	if (parse_i64(v, strlen(v), &x) || x > (int64_t)max)
		return -1;
	*out = (unsigned)x;
	return 0;
}

static int opt_num(const char *v, double *out)
{
	return parse_num(v, strlen(v), out) || !isfinite(*out) ? -1 : 0;
}

int attune_mirror_opts_set(attune_mirror_opts *o, const char *key,
                           const char *value, attune_err *err)
{
	double d;
	int bad = 0;

	if (strcmp(key, "hash_bits") == 0) {
		bad = opt_uint(value, 64, &o->hash_bits);
	} else if (strcmp(key, "word_ngrams") == 0) {
		bad = opt_uint(value, 64, &o->word_ngrams);
	} else if (strcmp(key, "char_ngrams") == 0) {
		/* "3-5", or "0" for none */
		const char *dash = strchr(value, '-');
		if (strcmp(value, "0") == 0) {
			o->char_min = o->char_max = 0;
		} else if (!dash) {
			bad = 1;
		} else {
			char lo[8];
			size_t n = (size_t)(dash - value);
			if (n == 0 || n >= sizeof(lo)) {
				bad = 1;
			} else {
				memcpy(lo, value, n);
				lo[n] = '\0';
				bad = opt_uint(lo, 64, &o->char_min) ||
				      opt_uint(dash + 1, 64, &o->char_max);
			}
		}
	} else if (strcmp(key, "char_client") == 0) {
		bad = opt_uint(value, 1, &o->char_client);
	} else if (strcmp(key, "context") == 0) {
		bad = opt_uint(value, 64, &o->context);
	} else if (strcmp(key, "next") == 0) {
		bad = opt_uint(value, 1, &o->next);
	} else if (strcmp(key, "w_word") == 0 || strcmp(key, "w_char") == 0 ||
	           strcmp(key, "w_meta") == 0 || strcmp(key, "w_prev") == 0) {
		bad = opt_num(value, &d);
		if (!bad) {
			float f = (float)d;
			if (key[2] == 'w')
				o->w_word = f;
			else if (key[2] == 'c')
				o->w_char = f;
			else if (key[2] == 'm')
				o->w_meta = f;
			else
				o->w_prev = f;
		}
	} else if (strcmp(key, "epochs") == 0) {
		bad = opt_uint(value, 100000, &o->epochs);
	} else if (strcmp(key, "avg_from") == 0) {
		bad = opt_uint(value, 100000, &o->avg_from);
	} else if (strcmp(key, "lambda") == 0) {
		bad = opt_num(value, &o->lambda);
	} else if (strcmp(key, "eta0") == 0) {
		bad = opt_num(value, &o->eta0);
	} else if (strcmp(key, "class_weight") == 0) {
		bad = opt_num(value, &o->class_weight);
	} else if (strcmp(key, "seed") == 0) {
		int64_t x;
		bad = parse_i64(value, strlen(value), &x);
		if (!bad)
			o->seed = (uint64_t)x;
	} else {
		return attune_err_set(err, ATTUNE_EINVAL, "unknown option '%s' "
		                      "(hash_bits, word_ngrams, char_ngrams, "
		                      "char_client, context, next, w_word, w_char, w_meta, "
		                      "w_prev, epochs, avg_from, lambda, eta0, "
		                      "class_weight, seed)", key);
	}
	if (bad)
		return attune_err_set(err, ATTUNE_EINVAL, "option %s: '%s' is "
		                      "not a valid value", key, value);
	return ATTUNE_OK;
}

void mir_cfg_of(const attune_mirror_opts *o, mir_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->hash_bits = o->hash_bits;
	c->word_ngrams = o->word_ngrams;
	c->char_min = o->char_min;
	c->char_max = o->char_max;
	c->char_client = o->char_client;
	c->context = o->context;
	c->next = o->next;
	c->w_word = o->w_word;
	c->w_char = o->w_char;
	c->w_meta = o->w_meta;
	c->w_prev = o->w_prev;
}

/* ---- the learner ---------------------------------------------------------- */

/* splitmix64 (Steele, Lea & Flood 2014): a seeded, portable sequence. */
static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

typedef struct ref {
	uint32_t doc, i;
} ref;

enum { G_B, G_T, G_S, G_N };

typedef struct learner {
	attune_mirror_model *m;
	float *v;                 /* n_buckets * MIR_NCOL, scaled by s[g] */
	double s[G_N];
	double *avg;              /* running sum of s*v (epochs averaged) */
	double avg_bias[MIR_NCOL];
	unsigned n_avg;
	float cw[MIR_NCOL];       /* class weight per column */
	double lambda;
} learner;

static unsigned group_of_col(unsigned col)
{
	return col < MIR_COL_T ? G_B : col < MIR_COL_S ? G_T : G_S;
}

/* Fold the scale of group g into its weights. */
static void rescale(learner *L, unsigned g)
{
	size_t b, nb = L->m->n_buckets;
	unsigned c0 = g == G_B ? MIR_COL_B : g == G_T ? MIR_COL_T : MIR_COL_S;
	unsigned c1 = g == G_B ? MIR_COL_T : g == G_T ? MIR_COL_S : MIR_NCOL;
	unsigned c;
	float s = (float)L->s[g];

	for (b = 0; b < nb; b++)
		for (c = c0; c < c1; c++)
			L->v[b * MIR_NCOL + c] *= s;
	L->s[g] = 1.0;
}

/* One SGD step on columns [col, col + k) for gold class y. */
static void step(learner *L, const mir_feat *f, size_t nf, unsigned col,
                 unsigned k, unsigned y, double eta)
{
	unsigned g = group_of_col(col), c;
	float z[MIR_KS], gr[MIR_KS];
	float s, cw = L->cw[col + y];
	size_t j;

	s = (float)L->s[g];
	for (c = 0; c < k; c++)
		z[c] = 0;
	for (j = 0; j < nf; j++) {
		const float *row = L->v + (size_t)f[j].i * MIR_NCOL + col;
		for (c = 0; c < k; c++)
			z[c] += f[j].v * row[c];
	}
	for (c = 0; c < k; c++)
		z[c] = z[c] * s + L->m->bias[col + c];
	mir_softmax(z, k);
	for (c = 0; c < k; c++)
		gr[c] = cw * (z[c] - (c == y ? 1.0f : 0.0f));

	L->s[g] *= 1.0 - eta * L->lambda;
	if (L->s[g] < 1e-6)
		rescale(L, g);
	s = (float)(eta / L->s[g]);
	for (j = 0; j < nf; j++) {
		float *row = L->v + (size_t)f[j].i * MIR_NCOL + col;
		float a = s * f[j].v;
		for (c = 0; c < k; c++)
			row[c] -= a * gr[c];
	}
	for (c = 0; c < k; c++)
		L->m->bias[col + c] -= (float)eta * gr[c];
}

static void accumulate(learner *L)
{
	size_t b, nb = L->m->n_buckets;
	unsigned c;
	double s[MIR_NCOL];

	for (c = 0; c < MIR_NCOL; c++)
		s[c] = L->s[group_of_col(c)];
	for (b = 0; b < nb; b++)
		for (c = 0; c < MIR_NCOL; c++)
			L->avg[b * MIR_NCOL + c] += s[c] * L->v[b * MIR_NCOL + c];
	for (c = 0; c < MIR_NCOL; c++)
		L->avg_bias[c] += L->m->bias[c];
	L->n_avg++;
}

static int in_train(size_t d, unsigned folds, int skip)
{
	return skip < 0 || (int)(d % folds) != skip;
}

int mir_train(const attune_mirror_corpus *cp, const attune_mirror_opts *o,
              unsigned folds, int skip, attune_mirror_model **out,
              attune_err *err)
{
	learner L;
	mir_cfg cfg;
	mir_fx x;
	ref *ex = NULL;
	size_t n_ex = 0, d, i, cnt[MIR_NCOL], tot[G_N];
	size_t n_docs = 0, n_utt = 0;
	uint64_t seed = o->seed;
	unsigned e, c, avg_from;
	double t = 0;
	int rc;

	*out = NULL;
	memset(&L, 0, sizeof(L));
	mir_fx_init(&x);
	rc = attune_mirror_opts_check(o, err);
	if (rc)
		return rc;
	mir_cfg_of(o, &cfg);
	L.m = mir_model_new(&cfg);
	if (!L.m)
		goto oom;
	L.v = L.m->w;
	x.pf = L.v;
	L.lambda = o->lambda;
	for (c = 0; c < G_N; c++)
		L.s[c] = 1.0;
	L.avg = calloc(L.m->n_buckets * MIR_NCOL, sizeof(double));
	if (!L.avg)
		goto oom;

	/* the labelled examples, and counts for the class weights */
	memset(cnt, 0, sizeof(cnt));
	memset(tot, 0, sizeof(tot));
	for (d = 0; d < cp->n_docs; d++) {
		if (!in_train(d, folds, skip))
			continue;
		n_docs++;
		n_utt += cp->d[d].n;
		for (i = 0; i < cp->d[d].n; i++) {
			const mir_gold *g = &cp->d[d].g[i];
			attune_speaker sp = cp->d[d].u[i].speaker;
			int any = 0;
			if (sp == ATTUNE_SPEAKER_THERAPIST && g->y[0] >= 0) {
				cnt[MIR_COL_B + g->y[0]]++;
				tot[G_B]++;
				any = 1;
				if (g->y[2] >= 0 &&
				    attune_mirror_subcode_parent(g->y[2]) ==
				    g->y[0]) {
					cnt[MIR_COL_S + g->y[2]]++;
					tot[G_S]++;
				}
			}
			if (sp == ATTUNE_SPEAKER_CLIENT && g->y[1] >= 0) {
				cnt[MIR_COL_T + g->y[1]]++;
				tot[G_T]++;
				any = 1;
			}
			if (!any)
				continue;
			if (n_ex % 4096 == 0) {
				ref *nr = realloc(ex, (n_ex + 4096) * sizeof(*nr));
				if (!nr)
					goto oom;
				ex = nr;
			}
			ex[n_ex].doc = (uint32_t)d;
			ex[n_ex].i = (uint32_t)i;
			n_ex++;
		}
	}
	if (n_ex == 0) {
		rc = attune_err_set(err, ATTUNE_EINVAL, "no labelled therapist "
		                    "or client utterance to train on");
		goto out;
	}
	/* class weights: (n / (K n_k))^power, within each softmax */
	for (c = 0; c < MIR_NCLS; c++) {
		unsigned k;
		size_t n = 0;
		if (c < MIR_COL_T) {
			n = tot[G_B];
			k = MIR_KB;
		} else if (c < MIR_COL_S) {
			n = tot[G_T];
			k = MIR_KT;
		} else {
			/* within the subcode family */
			int par = attune_mirror_subcode_parent((int)(c -
			                                       MIR_COL_S));
			unsigned q;
			k = mir_sub_n[par];
			for (q = 0; q < k; q++)
				n += cnt[MIR_COL_S + mir_sub_off[par] + q];
		}
		L.cw[c] = cnt[c] ? (float)pow((double)n / ((double)k *
		          (double)cnt[c]), o->class_weight) : 1.0f;
	}
	if (tot[G_B])
		L.m->trained |= 1u << ATTUNE_MIRROR_BEHAVIOUR;
	if (tot[G_T])
		L.m->trained |= 1u << ATTUNE_MIRROR_TALK;
	if (tot[G_S])
		L.m->trained |= 1u << ATTUNE_MIRROR_SUBCODE;

	avg_from = o->avg_from ? o->avg_from : o->epochs / 2 + 1;
	for (e = 1; e <= o->epochs; e++) {
		/* Fisher-Yates with the seeded sequence */
		for (i = n_ex; i > 1; i--) {
			size_t j = (size_t)(splitmix(&seed) % i);
			ref tmp = ex[i - 1];
			ex[i - 1] = ex[j];
			ex[j] = tmp;
		}
		for (i = 0; i < n_ex; i++) {
			const mir_doc *doc = &cp->d[ex[i].doc];
			const mir_gold *g = &doc->g[ex[i].i];
			double eta = o->eta0 / (1.0 + o->eta0 * o->lambda * t);

			rc = mir_features(&x, &cfg, doc->u, doc->n, ex[i].i);
			if (rc)
				goto oom;
			if (doc->u[ex[i].i].speaker == ATTUNE_SPEAKER_THERAPIST) {
				step(&L, x.f, x.n, MIR_COL_B, MIR_KB,
				     (unsigned)g->y[0], eta);
				if (g->y[2] >= 0 &&
				    attune_mirror_subcode_parent(g->y[2]) ==
				    g->y[0]) {
					unsigned p = (unsigned)g->y[0];
					step(&L, x.f, x.n,
					     MIR_COL_S + mir_sub_off[p],
					     mir_sub_n[p],
					     (unsigned)g->y[2] - mir_sub_off[p],
					     eta);
				}
			} else {
				step(&L, x.f, x.n, MIR_COL_T, MIR_KT,
				     (unsigned)g->y[1], eta);
			}
			t += 1;
		}
		if (e >= avg_from)
			accumulate(&L);
	}
	/* the averaged weights become the model's */
	for (i = 0; i < L.m->n_buckets * MIR_NCOL; i++)
		L.m->w[i] = (float)(L.avg[i] / L.n_avg);
	for (c = 0; c < MIR_NCOL; c++)
		L.m->bias[c] = (float)(L.avg_bias[c] / L.n_avg);
	{
		char prov[256];
		snprintf(prov, sizeof(prov), "%s%s%zu transcripts, %zu "
		         "utterances, %zu examples", cp->name, *cp->name ?
		         ": " : "", n_docs, n_utt, n_ex);
		L.m->provenance = strdup(prov);
		if (!L.m->provenance)
			goto oom;
	}
	if (mir_model_make_header(L.m))
		goto oom;
	*out = L.m;
	L.m = NULL;
	rc = ATTUNE_OK;
	goto out;
oom:
	rc = attune_err_set(err, ATTUNE_ENOMEM, "out of memory while "
	                    "training");
out:
	attune_mirror_model_free(L.m);
	free(L.avg);
	free(ex);
	mir_fx_free(&x);
	return rc;
}

int attune_mirror_train(const attune_mirror_corpus *c,
                        const attune_mirror_opts *o,
                        attune_mirror_model **out, attune_err *err)
{
	return mir_train(c, o, 1, -1, out, err);
}
