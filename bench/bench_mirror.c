/* bench_mirror.c - speed of the utterance coder on one core: training on
 * a labelled CSV, and coding its transcripts (the coder alone, and end to
 * end from the CSV bytes). Best of several runs; utterances/s and MB/s
 * (of utterance text for the coder alone, of CSV input end to end).
 *
 * Usage: bench_mirror LABELS.csv [seconds-per-measure] [MODEL]
 * Without MODEL the model trained in the first measure is used. Prints
 * "key value" lines that bench/mirror.sh collects. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "attune/mirror.h"
#include "attune/mirror_rules.h"
#include "attune/mirror_summary.h"
#include "attune/transcript.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long len;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc((size_t)len + 1);
	if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*n = buf ? (size_t)len : 0;
	return buf;
}

#define MAX_T 100000

struct all {
	attune_transcript *t[MAX_T];
	size_t n, n_utt, text_bytes;
	const attune_mirror_model *m;
	const attune_mirror_rules *rules;
	int mode;                  /* 0 the coder, 1 + cue rules, 2 + the
	                              session summary */
	attune_mirror_result *res;
	size_t res_cap;
	size_t n_coded;
	int checking;              /* first pass only: a repeatable sum */
	unsigned long check;       /* of the codes, so the work cannot be
	                              optimised away */
};

static int keep(void *ctx, attune_transcript **t)
{
	struct all *a = ctx;
	size_t i;

	if (a->n == MAX_T)
		return 1;
	a->n_utt += (*t)->n;
	for (i = 0; i < (*t)->n; i++)
		a->text_bytes += (*t)->u[i].text_len;
	a->t[a->n++] = *t;
	*t = NULL;
	return 0;
}

static int code_t(struct all *a, const attune_transcript *t)
{
	size_t i;

	if (t->n > a->res_cap) {
		free(a->res);
		a->res = malloc(t->n * sizeof(*a->res));
		if (!a->res)
			return 1;
		a->res_cap = t->n;
	}
	if (attune_mirror_code(a->m, t->u, t->n, a->res, NULL))
		return 1;
	if (a->mode) {
		attune_mirror_marks *mk;
		attune_mirror_summary *sum = NULL;
		if (attune_mirror_mark_apply(a->rules, t->u, t->n, a->res, &mk,
		                             NULL))
			return 1;
		if (a->mode == 2 && attune_mirror_summarise(a->rules, t->u, t->n,
		                                            a->res, mk, &sum,
		                                            NULL))
			return 1;
		a->check += mk->n + (sum ? sum->n_episodes : 0);
		attune_mirror_summary_free(sum);
		attune_mirror_marks_free(mk);
	}
	for (i = 0; a->checking && i < t->n; i++)
		a->check = a->check * 31 + (unsigned long)(a->res[i].behaviour *
		           7 + a->res[i].talk * 3 + 11);
	a->n_coded += t->n;
	return 0;
}

/* end to end: parse and code each transcript as it comes */
static int code_cb(void *ctx, attune_transcript **t)
{
	return code_t(ctx, *t);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] :
	                   "../shared/data/annomi/annomi-simple.csv";
	double secs = argc > 2 ? atof(argv[2]) : 1.0;
	static struct all a;
	attune_mirror_corpus *c = NULL;
	attune_mirror_model *m = NULL;
	attune_mirror_opts o;
	attune_csv *csv;
	attune_err err;
	char *buf;
	size_t len, i;
	double t0, t1, best;
	int runs;

	buf = slurp(path, &len);
	if (!buf) {
		fprintf(stderr, "cannot read %s\n", path);
		return 1;
	}
	/* training: best of three */
	attune_mirror_opts_default(&o);
	best = 1e9;
	for (runs = 0; runs < 3; runs++) {
		if (attune_csv_open_buf(buf, len, path, &csv))
			return 1;
		t0 = now();
		if (attune_mirror_corpus_read_csv(csv, &c, &err)) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
		attune_mirror_model_free(m);
		if (attune_mirror_train(c, &o, &m, &err)) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
		t1 = now();
		if (t1 - t0 < best)
			best = t1 - t0;
		attune_csv_close(csv);
		attune_mirror_corpus_free(c);
		c = NULL;
	}
	printf("train_seconds %.3f\n", best);
	if (argc > 3) {
		char *mb;
		size_t ml;
		attune_mirror_model_free(m);
		m = NULL;
		mb = slurp(argv[3], &ml);
		if (!mb || attune_mirror_model_load(mb, ml, argv[3], &m, &err)) {
			fprintf(stderr, "%s: %s\n", argv[3], mb ? err.msg :
			        "cannot read");
			return 1;
		}
		free(mb);
	}
	a.m = m;

	if (attune_transcript_each(buf, len, path, NULL, keep, &a, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	/* the coder alone, on parsed transcripts */
	a.checking = 1;
	for (i = 0; i < a.n; i++)
		if (code_t(&a, a.t[i]))
			return 1;
	a.checking = 0;
	best = 1e9;
	t0 = now();
	do {
		double s = now();
		for (i = 0; i < a.n; i++)
			if (code_t(&a, a.t[i]))
				return 1;
		t1 = now();
		if (t1 - s < best)
			best = t1 - s;
	} while (t1 - t0 < secs);
	printf("utterances %zu\ntext_bytes %zu\n", a.n_utt, a.text_bytes);
	printf("code_utt_per_s %.0f\ncode_text_mb_per_s %.1f\n",
	       (double)a.n_utt / best, (double)a.text_bytes / best / 1e6);
	/* the same with the built-in cue rules, and with the summary */
	{
		attune_mirror_rules *ru;
		int mode;
		if (attune_mirror_rules_builtin(&ru, &err)) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
		a.rules = ru;
		for (mode = 1; mode <= 2; mode++) {
			a.mode = mode;
			best = 1e9;
			t0 = now();
			do {
				double s = now();
				for (i = 0; i < a.n; i++)
					if (code_t(&a, a.t[i]))
						return 1;
				t1 = now();
				if (t1 - s < best)
					best = t1 - s;
			} while (t1 - t0 < secs);
			printf("%s %.0f\n", mode == 1 ? "code_rules_utt_per_s" :
			       "code_rules_summary_utt_per_s",
			       (double)a.n_utt / best);
		}
		a.mode = 0;
		a.rules = NULL;
		attune_mirror_rules_free(ru);
	}

	/* end to end: CSV bytes -> transcripts -> codes */
	best = 1e9;
	t0 = now();
	do {
		double s = now();
		if (attune_transcript_each(buf, len, path, NULL, code_cb, &a,
		                           &err)) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
		t1 = now();
		if (t1 - s < best)
			best = t1 - s;
	} while (t1 - t0 < secs);
	printf("csv_bytes %zu\n", len);
	printf("e2e_utt_per_s %.0f\ne2e_csv_mb_per_s %.1f\n",
	       (double)a.n_utt / best, (double)len / best / 1e6);
	printf("check %lu\n", a.check % 1000003);

	for (i = 0; i < a.n; i++)
		attune_transcript_free(a.t[i]);
	free(a.res);
	attune_mirror_model_free(m);
	free(buf);
	return 0;
}
