/* cmd_mirror.c - `attune mirror`: the session mirror.
 *   train    learn a model from a labelled CSV (AnnoMI columns)
 *   eval     cross-validation grouped by transcript, with agreement figures
 *   code     code transcripts (CSV, text, WebVTT, SRT, JSON) with a model
 *            and the cue rules (rupture markers, relational moves)
 *   summary  the session analysis: episodes, repair, MITI-style summary
 *   info     print a model's header
 * The library does the work (include/attune/mirror.h); this file reads
 * files, times training and prints. Output is held until the whole input
 * has proved valid (struct out). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "attune/mirror.h"
#include "attune/mirror_rules.h"
#include "attune/mirror_summary.h"
#include "attune/limits.h"
#include "mirror_out.h"

static const char usage_text[] =
"usage: attune mirror train --labels FILE.csv --out MODEL [options]\n"
"       attune mirror eval --labels FILE.csv [--folds K] [--json]\n"
"                          [--predictions FILE] [options]\n"
"       attune mirror code [--model MODEL] [--rules RULES]\n"
"                          [--format csv|json|html] [--evidence]\n"
"                          [--input-format F] [--speakers MAP] FILE...\n"
"       attune mirror summary [--model MODEL] [--rules RULES]\n"
"                          [--format text|json|html] [--input-format F]\n"
"                          [--speakers MAP] FILE...\n"
"       attune mirror info [--model MODEL]\n"
"       attune mirror rules\n"
"\n"
"Code each turn of a session transcript: a therapist turn as question,\n"
"reflection, therapist_input or other (with a subcode: open/closed,\n"
"simple/complex, information/advice/options/negotiation), a client turn\n"
"as change, neutral or sustain talk. The coder is a linear model over\n"
"hashed word, character and context features, trained by attune from\n"
"any CSV with the AnnoMI columns; the model compiled in was trained on\n"
"AnnoMI (models/README.md). Cue rules (models/mirror.rules, compiled\n"
"in) mark rupture markers on client turns (withdrawal, deference,\n"
"confrontation, mistrust) and the therapist's relational moves (the\n"
"resolution strategies of the Rupture Resolution Rating System), each\n"
"looking at the turn before; the rules have not been validated against\n"
"expert-coded sessions. It all assists a clinician's reading of a\n"
"session and never replaces it: docs/mirror.md says what it can and\n"
"cannot see, and how well it agrees with expert coders.\n"
"\n"
"train / eval:\n"
"  --labels FILE.csv   utterance_text, interlocutor, and\n"
"                      main_therapist_behaviour and/or client_talk_type;\n"
"                      optionally transcript_id, utterance_id and\n"
"                      question_subtype, reflection_subtype,\n"
"                      therapist_input_subtype (rows of several\n"
"                      annotators of one utterance are majority-voted)\n"
"  --out MODEL         train: where to write the model\n"
"  --folds K           eval: K-fold cross-validation grouped by\n"
"                      transcript (default 5): transcript j is in fold\n"
"                      j mod K, in input order; none is ever split\n"
"  --json              eval: JSON instead of text\n"
"  --predictions FILE  eval: also write every held-out prediction to\n"
"                      FILE (CSV: fold, transcript_id, utterance_id,\n"
"                      line, speaker, gold, predicted, gold_subcode,\n"
"                      predicted_subcode, confidence, p0..p3, text)\n"
"  --set KEY=VALUE     a training option (repeatable): hash_bits,\n"
"                      word_ngrams, char_ngrams (3-5, or 0), context,\n"
"                      next, w_word, w_char, w_meta, w_prev, epochs,\n"
"                      avg_from, lambda, eta0, class_weight, seed\n"
"                      (defaults and meaning: docs/mirror.md)\n"
"\n"
"code, summary:\n"
"  --model MODEL       a model file (default: the one compiled in)\n"
"  --rules RULES       a cue rules file (default: the one compiled in;\n"
"                      `attune mirror rules` prints it)\n"
"  --format csv|json|html\n"
"                      code output (default csv). CSV input: every input\n"
"                      column, then therapist_behaviour, client_talk,\n"
"                      subcode, markers, confidence, relational, cues.\n"
"                      Other input: file, transcript_id, line, turn,\n"
"                      speaker, label, start, end, utterance_id, text and\n"
"                      the same seven. markers: rupture markers of a\n"
"                      client turn, \"withdrawal/minimal;confrontation/\n"
"                      rejecting\"; relational: the therapist's moves,\n"
"                      \"immediacy;rationale\"; cues: the evidence, rule\n"
"                      id, intensity, confidence and the cue matched.\n"
"                      html: one self-contained page, a timeline with\n"
"                      rupture episodes shaded and repairs marked.\n"
"  --format text|json|html\n"
"                      summary output (default text): talk share by words\n"
"                      and time, MITI 4.2.1-style R:Q and % complex\n"
"                      reflections with the fair/good thresholds, change\n"
"                      talk proportion, rupture episodes and whether they\n"
"                      were repaired, moments worth another look\n"
"  --evidence          add a column with the features that weighed most\n"
"                      for each code (slower)\n"
"  --input-format F    text, vtt, srt, csv or json (default: detect)\n"
"  --speakers MAP      speaker names to roles, \"Dr Lee=therapist,"
"Sam=client\"\n"
"\n"
"Exit codes: 0 ok, 1 bad input (nothing printed), 2 usage, 3 internal.\n";

enum {
	OPT_LABELS = OPT_FIRST_FREE, OPT_OUT, OPT_FOLDS, OPT_SET, OPT_MODEL,
	OPT_FORMAT, OPT_EVIDENCE, OPT_INFORMAT, OPT_SPEAKERS, OPT_PREDICTIONS,
	OPT_RULES
};

/* Output formats of code and summary. */
enum { FMT_CSV = 0, FMT_JSON = 1, FMT_HTML = 2, FMT_TEXT = 3 };

/* Largest file read whole: a model (2^24 buckets is 1 GB) or an
 * archive of transcripts. */
#define FILE_MAX ((size_t)2 << 30)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* x with three decimals, locale-free ("0.806", "-0.012"). */
static void put3(strbuf *b, double x)
{
	long long v;

	if (!isfinite(x)) {
		sb_puts(b, "0.000");
		return;
	}
	v = llround(x * 1000);
	if (v < 0) {
		sb_putc(b, '-');
		v = -v;
	}
	sb_printf(b, "%lld.%03lld", v / 1000, v % 1000);
}

/* ---- options shared by train and eval ----------------------------------- */

static int set_opt(attune_mirror_opts *o, const char *kv)
{
	const char *eq = strchr(kv, '=');
	char key[64];
	attune_err err;
	size_t n;

	if (!eq || eq == kv || (size_t)(eq - kv) >= sizeof(key)) {
		cli_err("--set needs KEY=VALUE, not '%s'", kv);
		return -1;
	}
	n = (size_t)(eq - kv);
	memcpy(key, kv, n);
	key[n] = '\0';
	if (attune_mirror_opts_set(o, key, eq + 1, &err)) {
		cli_err("--set: %s", err.msg);
		return -1;
	}
	return 0;
}

static long read_fd(void *ctx, char *buf, size_t n)
{
	int fd = *(int *)ctx;
	ssize_t r;

	do {
		r = read(fd, buf, n);
	} while (r < 0 && errno_is_eintr());
	return (long)r;
}

/* Read a labelled corpus; messages printed. */
static int read_corpus(const char *path, attune_mirror_corpus **c)
{
	attune_csv *csv = NULL;
	attune_err err;
	int fd, rc;

	*c = NULL;
	if (strcmp(path, "-") == 0) {
		fd = 0;
	} else {
		fd = open_readonly(path);
		if (fd < 0) {
			cli_err("%s: cannot open: %s", path, errno_text());
			return EXIT_INPUT;
		}
	}
	rc = attune_csv_open(read_fd, &fd, path, &csv);
	if (rc) {
		cli_err("out of memory");
		rc = EXIT_INTERNAL;
		goto out;
	}
	rc = attune_mirror_corpus_read_csv(csv, c, &err);
	if (rc) {
		cli_err("%s", err.msg);
		rc = cli_exit_for(rc);
	}
out:
	attune_csv_close(csv);
	if (fd > 0)
		close(fd);
	return rc;
}

/* Load --model or the built-in model; messages printed. */
static int load_model(const char *path, attune_mirror_model **m)
{
	attune_err err;
	char *buf;
	size_t len;
	int rc;

	if (!path) {
		rc = attune_mirror_model_builtin(m, &err);
		if (rc)
			cli_err("%s", err.msg);
		return cli_exit_for(rc);
	}
	rc = cli_read_file(path, FILE_MAX, &buf, &len, &err);
	if (rc) {
		cli_err("%s", err.msg);
		return cli_exit_for(rc);
	}
	rc = attune_mirror_model_load(buf, len, path, m, &err);
	free(buf);
	if (rc)
		cli_err("%s", err.msg);
	return cli_exit_for(rc);
}

/* Load --rules or the built-in rules; messages printed. */
static int load_rules(const char *path, attune_mirror_rules **r)
{
	attune_err err;
	char *buf;
	size_t len;
	int rc;

	if (!path) {
		rc = attune_mirror_rules_builtin(r, &err);
		if (rc)
			cli_err("built-in rules: %s", err.msg);
		return rc ? EXIT_INTERNAL : EXIT_OKAY;
	}
	rc = cli_read_file(path, ATTUNE_RULES_FILE_MAX, &buf, &len, &err);
	if (rc) {
		cli_err("%s", err.msg);
		return cli_exit_for(rc);
	}
	rc = attune_mirror_rules_parse(buf, len, path, r, &err);
	free(buf);
	if (rc)
		cli_err("%s", err.msg);
	return cli_exit_for(rc);
}

/* ---- train ------------------------------------------------------------------ */

static int write_model(const char *path, const attune_mirror_model *m)
{
	unsigned char *buf;
	size_t len;
	strbuf tmp;
	FILE *f;
	int ok;

	if (attune_mirror_model_save(m, &buf, &len)) {
		cli_err("out of memory");
		return EXIT_INTERNAL;
	}
	/* write beside the target, then rename: never a half model */
	sb_init(&tmp, 8192);
	sb_printf(&tmp, "%s.tmp%ld", path, (long)getpid());
	if (tmp.rc) {
		free(buf);
		sb_free(&tmp);
		cli_err("%s: path too long", path);
		return EXIT_USAGE;
	}
	f = fopen(tmp.s, "wb");
	ok = f && fwrite(buf, 1, len, f) == len;
	if (f && fclose(f) != 0)
		ok = 0;
	if (ok && rename(tmp.s, path) != 0)
		ok = 0;
	if (!ok) {
		cli_err("%s: cannot write: %s", path, strerror(errno));
		remove(tmp.s);
	}
	free(buf);
	sb_free(&tmp);
	return ok ? EXIT_OKAY : EXIT_INPUT;
}

static int do_train(const char *labels, const char *out,
                    const attune_mirror_opts *o)
{
	attune_mirror_corpus *c = NULL;
	attune_mirror_model *m = NULL;
	attune_mirror_corpus_info info;
	attune_err err;
	double t0, t1;
	int rc;

	t0 = now();
	rc = read_corpus(labels, &c);
	if (rc)
		return rc;
	t1 = now();
	rc = attune_mirror_train(c, o, &m, &err);
	if (rc) {
		cli_err("%s: %s", labels, err.msg);
		rc = cli_exit_for(rc);
		goto out;
	}
	attune_mirror_corpus_info_get(c, &info);
	rc = write_model(out, m);
	if (rc == EXIT_OKAY)
		fprintf(stderr, "attune: trained on %zu transcripts, %zu "
		        "utterances (%zu therapist, %zu client labelled) in "
		        "%.2f s (reading %.2f s); wrote %s\n",
		        info.n_transcripts, info.n_utterances,
		        info.n_labelled[0], info.n_labelled[1], now() - t1,
		        t1 - t0, out);
out:
	attune_mirror_model_free(m);
	attune_mirror_corpus_free(c);
	return rc;
}

/* ---- eval --------------------------------------------------------------------- */

static void eval_text(strbuf *b, const attune_mirror_eval *e,
                      const char *labels, double secs)
{
	unsigned g, i;

	sb_printf(b, "%u-fold cross-validation grouped by transcript: %zu "
	          "transcripts (%s), %.1f s\n", e->folds, e->n_transcripts,
	          labels, secs);
	for (g = 0; g < ATTUNE_MIRROR_G_COUNT; g++) {
		attune_mirror_metrics mt;
		attune_mirror_metrics_of(&e->g[g], &mt);
		if (mt.n == 0)
			continue;
		sb_printf(b, "\n%s (%zu utterances%s)\n",
		          attune_mirror_group_name((attune_mirror_group)g),
		          mt.n, g >= ATTUNE_MIRROR_G_QUESTION ?
		          ", given the experts' behaviour" : "");
		sb_puts(b, "  code              precision  recall      f1  "
		        "support\n");
		for (i = 0; i < e->g[g].k; i++) {
			const char *name = attune_mirror_group_class(
			        (attune_mirror_group)g, i);
			sb_printf(b, "  %-16s      ", name);
			put3(b, mt.precision[i]);
			sb_puts(b, "   ");
			put3(b, mt.recall[i]);
			sb_puts(b, "   ");
			put3(b, mt.f1[i]);
			sb_printf(b, "  %7zu\n", mt.support[i]);
		}
		sb_puts(b, "  macro-F1 ");
		put3(b, mt.macro_f1);
		sb_puts(b, "  accuracy ");
		put3(b, mt.accuracy);
		sb_puts(b, "  kappa ");
		put3(b, mt.kappa);
		sb_putc(b, '\n');
	}
}

static void eval_json(strbuf *b, const attune_mirror_eval *e,
                      const char *labels)
{
	unsigned g, i;
	int first = 1;

	sb_printf(b, "{\"folds\": %u, \"transcripts\": %zu, \"labels\": ",
	          e->folds, e->n_transcripts);
	sb_json_str(b, labels);
	sb_puts(b, ", \"groups\": {");
	for (g = 0; g < ATTUNE_MIRROR_G_COUNT; g++) {
		attune_mirror_metrics mt;
		attune_mirror_metrics_of(&e->g[g], &mt);
		if (mt.n == 0)
			continue;
		sb_puts(b, first ? "\n  " : ",\n  ");
		first = 0;
		sb_json_str(b, attune_mirror_group_name((attune_mirror_group)g));
		sb_printf(b, ": {\"n\": %zu, \"classes\": {", mt.n);
		for (i = 0; i < e->g[g].k; i++) {
			unsigned j;
			sb_puts(b, i ? ", " : "");
			sb_json_str(b, attune_mirror_group_class(
			            (attune_mirror_group)g, i));
			sb_puts(b, ": {\"precision\": ");
			put3(b, mt.precision[i]);
			sb_puts(b, ", \"recall\": ");
			put3(b, mt.recall[i]);
			sb_puts(b, ", \"f1\": ");
			put3(b, mt.f1[i]);
			sb_printf(b, ", \"support\": %zu, \"predicted\": [",
			          mt.support[i]);
			for (j = 0; j < e->g[g].k; j++)
				sb_printf(b, "%s%zu", j ? ", " : "",
				          e->g[g].m[i][j]);
			sb_puts(b, "]}");
		}
		sb_puts(b, "}, \"macro_f1\": ");
		put3(b, mt.macro_f1);
		sb_puts(b, ", \"accuracy\": ");
		put3(b, mt.accuracy);
		sb_puts(b, ", \"kappa\": ");
		put3(b, mt.kappa);
		sb_putc(b, '}');
	}
	sb_puts(b, "\n}}\n");
}

/* --predictions: one CSV row per held-out utterance. */
static void pred_row(void *ctx, const char *tid, const attune_utterance *u,
                     unsigned fold, const int gold[3],
                     const attune_mirror_result *r)
{
	strbuf *b = ctx;
	int th = u->speaker == ATTUNE_SPEAKER_THERAPIST;
	attune_mirror_task t = th ? ATTUNE_MIRROR_BEHAVIOUR :
	                       ATTUNE_MIRROR_TALK;
	unsigned c;

	sb_printf(b, "%u,", fold);
	if (tid)
		csv_field(b, tid, strlen(tid));
	sb_putc(b, ',');
	if (u->utterance_id)
		csv_field(b, u->utterance_id, strlen(u->utterance_id));
	sb_printf(b, ",%zu,%s,%s,%s,%s,%s,", u->line,
	          attune_speaker_name(u->speaker),
	          attune_mirror_code_name(t, gold[th ? 0 : 1]),
	          attune_mirror_code_name(t, th ? r->behaviour : r->talk),
	          attune_mirror_code_name(ATTUNE_MIRROR_SUBCODE, gold[2]),
	          attune_mirror_code_name(ATTUNE_MIRROR_SUBCODE, r->subcode));
	put3(b, r->confidence);
	for (c = 0; c < 4; c++) {
		sb_putc(b, ',');
		if (th || c < 3)
			put3(b, r->prob[c]);
	}
	sb_putc(b, ',');
	csv_field(b, u->text, u->text_len);
	sb_putc(b, '\n');
}

static int do_eval(const char *labels, unsigned folds, int json,
                   const char *pred_path, const attune_mirror_opts *o)
{
	attune_mirror_corpus *c = NULL;
	attune_mirror_eval e;
	attune_err err;
	strbuf b, pb;
	double t0;
	int rc;

	rc = read_corpus(labels, &c);
	if (rc)
		return rc;
	sb_init(&pb, (size_t)1 << 34);
	sb_puts(&pb, "fold,transcript_id,utterance_id,line,speaker,gold,"
	        "predicted,gold_subcode,predicted_subcode,confidence,p0,p1,"
	        "p2,p3,text\n");
	t0 = now();
	rc = attune_mirror_cv(c, o, folds, pred_path ? pred_row : NULL, &pb,
	                      &e, &err);
	attune_mirror_corpus_free(c);
	if (rc) {
		sb_free(&pb);
		cli_err("%s: %s", labels, err.msg);
		return cli_exit_for(rc);
	}
	if (pred_path) {
		FILE *f = fopen(pred_path, "wb");
		int ok = f && pb.rc == ATTUNE_OK &&
		         fwrite(pb.s, 1, pb.len, f) == pb.len;
		if (f && fclose(f) != 0)
			ok = 0;
		if (!ok) {
			cli_err("%s: cannot write: %s", pred_path,
			        pb.rc ? "out of memory" : strerror(errno));
			sb_free(&pb);
			return EXIT_INTERNAL;
		}
	}
	sb_free(&pb);
	sb_init(&b, (size_t)1 << 20);
	if (json)
		eval_json(&b, &e, labels);
	else
		eval_text(&b, &e, labels, now() - t0);
	if (b.rc) {
		sb_free(&b);
		cli_err("out of memory");
		return EXIT_INTERNAL;
	}
	fwrite(b.s, 1, b.len, stdout);
	sb_free(&b);
	return EXIT_OKAY;
}

/* ---- code ---------------------------------------------------------------------- */

struct coder {
	const attune_mirror_model *m;
	const attune_mirror_rules *rules;
	struct out o;
	int json;                  /* code: JSON; summary: not text */
	int fmt;                   /* FMT_* */
	int summary;               /* the summary verb */
	int evidence;
	const char *path;          /* the file being coded */
	attune_csv *raw;           /* CSV input: its records, read in step */
	const char *header;        /* CSV output: the first file's header */
	size_t header_n;
	size_t n_rows;             /* rows (CSV) or utterances (JSON) out */
	attune_mirror_result *res;
	size_t res_cap;
	attune_err err;
	int rc;
};

static void put_time(strbuf *b, int64_t ms)
{
	if (ms < 0)
		return;
	sb_printf(b, "%02lld:%02lld:%02lld.%03lld",
	          (long long)(ms / 3600000), (long long)(ms / 60000 % 60),
	          (long long)(ms / 1000 % 60), (long long)(ms % 1000));
}

/* "name +1.23; name -0.5" of the evidence for utterance i. */
static int evidence(struct coder *k, const attune_transcript *t, size_t i,
                    strbuf *e)
{
	attune_mirror_evidence ev[5];
	size_t n, j;

	sb_reset(e);
	if (attune_mirror_explain(k->m, t->u, t->n, i, ev, 5, &n, &k->err))
		return ATTUNE_ENOMEM;
	for (j = 0; j < n; j++) {
		long long c = llround((double)ev[j].weight * 100);
		sb_puts(e, j ? "; " : "");
		sb_puts(e, ev[j].name);
		sb_printf(e, " +%lld.%02lld", c / 100, c % 100);
	}
	return e->rc;
}

/* The seven columns the coder adds, in CSV. */
static void put_codes_csv(strbuf *b, const attune_mirror_result *r,
                          const strbuf *ev, const struct mirror_view *v,
                          size_t i)
{
	const char *z;

	sb_putc(b, ',');
	sb_puts(b, attune_mirror_code_name(ATTUNE_MIRROR_BEHAVIOUR,
	                                   r->behaviour));
	sb_putc(b, ',');
	sb_puts(b, attune_mirror_code_name(ATTUNE_MIRROR_TALK, r->talk));
	sb_putc(b, ',');
	sb_puts(b, attune_mirror_code_name(ATTUNE_MIRROR_SUBCODE, r->subcode));
	mo_csv_marks(b, v, i, MO_MARKERS);
	sb_putc(b, ',');
	if (r->behaviour >= 0 || r->talk >= 0)
		put3(b, r->confidence);
	mo_csv_marks(b, v, i, MO_RELATIONAL | MO_CUES);
	if (ev) {
		sb_putc(b, ',');
		z = ev->s ? ev->s : "";
		csv_field(b, z, ev->len);
	}
	sb_putc(b, '\n');
}

static void put_codes_json(strbuf *b, const attune_mirror_result *r,
                           const strbuf *ev, const struct mirror_view *v,
                           size_t i)
{
	sb_puts(b, ", \"therapist_behaviour\": ");
	if (r->behaviour >= 0)
		sb_json_str(b, attune_mirror_code_name(ATTUNE_MIRROR_BEHAVIOUR,
		                                       r->behaviour));
	else
		sb_puts(b, "null");
	sb_puts(b, ", \"client_talk\": ");
	if (r->talk >= 0)
		sb_json_str(b, attune_mirror_code_name(ATTUNE_MIRROR_TALK,
		                                       r->talk));
	else
		sb_puts(b, "null");
	sb_puts(b, ", \"subcode\": ");
	if (r->subcode >= 0)
		sb_json_str(b, attune_mirror_code_name(ATTUNE_MIRROR_SUBCODE,
		                                       r->subcode));
	else
		sb_puts(b, "null");
	mo_json_marks(b, v, i);
	sb_puts(b, ", \"confidence\": ");
	if (r->behaviour >= 0 || r->talk >= 0)
		put3(b, r->confidence);
	else
		sb_puts(b, "null");
	if (ev) {
		sb_puts(b, ", \"evidence\": ");
		sb_json_str(b, ev->s ? ev->s : "");
	}
	sb_putc(b, '}');
}

static int code_one(void *ctx, attune_transcript **tp)
{
	struct coder *k = ctx;
	const attune_transcript *t = *tp;
	strbuf *b = &k->o.b, ev;
	attune_mirror_marks *mk = NULL;
	attune_mirror_summary *sum = NULL;
	struct mirror_view v;
	size_t i;
	int rc = ATTUNE_OK;

	if (t->n > k->res_cap) {
		attune_mirror_result *nr = realloc(k->res, t->n * sizeof(*nr));
		if (!nr)
			return k->rc = ATTUNE_ENOMEM;
		k->res = nr;
		k->res_cap = t->n;
	}
	if (attune_mirror_code(k->m, t->u, t->n, k->res, &k->err))
		return k->rc = ATTUNE_ENOMEM;
	if (attune_mirror_mark_apply(k->rules, t->u, t->n, k->res, &mk,
	                             &k->err))
		return k->rc = ATTUNE_ENOMEM;
	if ((k->summary || k->fmt == FMT_HTML) &&
	    attune_mirror_summarise(k->rules, t->u, t->n, k->res, mk, &sum,
	                            &k->err)) {
		attune_mirror_marks_free(mk);
		return k->rc = ATTUNE_ENOMEM;
	}
	v.path = k->path;
	v.t = t;
	v.res = k->res;
	v.mk = mk;
	v.s = sum;
	if (k->summary || k->fmt == FMT_HTML) {
		if (k->fmt == FMT_HTML) {
			mo_html_transcript(b, &v, k->summary);
		} else if (k->fmt == FMT_JSON) {
			sb_puts(b, k->n_rows ? ",\n" : "\n");
			mo_summary_json(b, &v);
		} else {
			sb_puts(b, k->n_rows ? "\n" : "");
			mo_summary_text(b, &v);
		}
		k->n_rows++;
		if (out_flush(&k->o, 0))
			rc = k->rc = k->o.rc;
		attune_mirror_summary_free(sum);
		attune_mirror_marks_free(mk);
		return rc;
	}
	sb_init(&ev, 4096);
	for (i = 0; i < t->n && rc == ATTUNE_OK; i++) {
		const attune_utterance *u = &t->u[i];
		const attune_mirror_result *r = &k->res[i];

		if (k->evidence && (rc = evidence(k, t, i, &ev)))
			break;
		if (k->raw && !k->json) {
			/* echo the input record, then the codes */
			const attune_csv_field *f;
			size_t nf, j;
			rc = attune_csv_next(k->raw, &f, &nf, &k->err);
			if (rc)
				break;
			if (nf == 0 || attune_csv_line(k->raw) != u->line) {
				rc = attune_err_set(&k->err, ATTUNE_EINTERNAL,
				                    "%s:%zu: the CSV rows and the "
				                    "utterances went out of step",
				                    k->path, u->line);
				break;
			}
			for (j = 0; j < nf; j++) {
				if (j)
					sb_putc(b, ',');
				csv_field(b, f[j].p, f[j].n);
			}
			put_codes_csv(b, r, k->evidence ? &ev : NULL, &v, i);
		} else if (!k->json) {
			csv_field(b, k->path, strlen(k->path));
			sb_putc(b, ',');
			if (t->id)
				csv_field(b, t->id, strlen(t->id));
			sb_printf(b, ",%zu,%zu,%s,", u->line, u->turn,
			          attune_speaker_name(u->speaker));
			csv_field(b, u->label, strlen(u->label));
			sb_putc(b, ',');
			put_time(b, u->start_ms);
			sb_putc(b, ',');
			put_time(b, u->end_ms);
			sb_putc(b, ',');
			if (u->utterance_id)
				csv_field(b, u->utterance_id,
				          strlen(u->utterance_id));
			sb_putc(b, ',');
			csv_field(b, u->text, u->text_len);
			put_codes_csv(b, r, k->evidence ? &ev : NULL, &v, i);
		} else {
			sb_puts(b, k->n_rows ? ",\n  {" : "\n  {");
			sb_puts(b, "\"file\": ");
			sb_json_str(b, k->path);
			sb_puts(b, ", \"transcript_id\": ");
			if (t->id)
				sb_json_str(b, t->id);
			else
				sb_puts(b, "null");
			sb_printf(b, ", \"line\": %zu, \"turn\": %zu, "
			          "\"speaker\": \"%s\", \"label\": ", u->line,
			          u->turn, attune_speaker_name(u->speaker));
			sb_json_str(b, u->label);
			sb_puts(b, ", \"start\": ");
			if (u->start_ms >= 0) {
				sb_putc(b, '"');
				put_time(b, u->start_ms);
				sb_putc(b, '"');
			} else {
				sb_puts(b, "null");
			}
			sb_puts(b, ", \"end\": ");
			if (u->end_ms >= 0) {
				sb_putc(b, '"');
				put_time(b, u->end_ms);
				sb_putc(b, '"');
			} else {
				sb_puts(b, "null");
			}
			sb_puts(b, ", \"utterance_id\": ");
			if (u->utterance_id)
				sb_json_str(b, u->utterance_id);
			else
				sb_puts(b, "null");
			sb_puts(b, ", \"text\": ");
			sb_json_str(b, u->text);
			put_codes_json(b, r, k->evidence ? &ev : NULL, &v, i);
		}
		k->n_rows++;
		if (out_flush(&k->o, 0))
			rc = k->o.rc;
	}
	sb_free(&ev);
	attune_mirror_marks_free(mk);
	if (rc)
		k->rc = rc;
	return rc;
}

/* The header of a CSV input, echoed with the coder's columns. */
static int csv_header(struct coder *k, int first)
{
	static const char *const added[] = {
		"therapist_behaviour", "client_talk", "subcode", "markers",
		"confidence", "relational", "cues", "evidence"
	};
	const attune_csv_field *f;
	size_t nf, j, a, na = k->evidence ? 8 : 7;
	strbuf h;
	int rc;

	rc = attune_csv_next(k->raw, &f, &nf, &k->err);
	if (rc)
		return rc;
	if (nf == 0)
		return ATTUNE_OK;   /* empty input: the reader will say */
	sb_init(&h, ATTUNE_CSV_LINE_MAX * 2);
	for (j = 0; j < nf; j++) {
		for (a = 0; a < na; a++)
			if (f[j].n == strlen(added[a]) &&
			    memcmp(f[j].p, added[a], f[j].n) == 0) {
				sb_free(&h);
				return attune_err_set(&k->err, ATTUNE_EINVAL,
				       "%s:1: the input already has a %s column "
				       "(is it coded already?)", k->path,
				       added[a]);
			}
		if (j)
			sb_putc(&h, ',');
		csv_field(&h, f[j].p, f[j].n);
	}
	for (a = 0; a < na; a++) {
		sb_putc(&h, ',');
		sb_puts(&h, added[a]);
	}
	sb_putc(&h, '\n');
	if (h.rc) {
		sb_free(&h);
		return ATTUNE_ENOMEM;
	}
	if (first) {
		sb_append(&k->o.b, h.s, h.len);
		k->header = strdup(h.s);
		k->header_n = h.len;
		if (!k->header)
			rc = ATTUNE_ENOMEM;
	} else if (h.len != k->header_n || memcmp(h.s, k->header, h.len)) {
		rc = attune_err_set(&k->err, ATTUNE_EINVAL, "%s:1: its columns "
		                    "differ from the first file's; code CSV "
		                    "files with different columns separately",
		                    k->path);
	}
	sb_free(&h);
	return rc;
}

/* What do_code() codes: a file (text NULL: read from path) or a
 * transcript already in memory (from the database), named path. */
struct msrc {
	const char *path;
	const char *text;
	size_t len;
};

/* code and summary: every transcript of every source. With CSV output
 * (code only) a CSV input's records are echoed, so CSV and other inputs
 * cannot be mixed. */
static int do_code(const char *model, const char *rules, int fmt,
                   int summary, int ev, const attune_transcript_opts *topts,
                   const struct msrc *src, int n_files)
{
	struct coder k;
	attune_mirror_model *m = NULL;
	attune_mirror_rules *ru = NULL;
	char *buf = NULL;
	size_t len;
	int i, rc, exitc = EXIT_OKAY, n_csv = 0;
	int json = fmt != FMT_CSV || summary;   /* no CSV echo */

	memset(&k, 0, sizeof(k));
	rc = load_model(model, &m);
	if (rc)
		return rc;
	rc = load_rules(rules, &ru);
	if (rc) {
		attune_mirror_model_free(m);
		return rc;
	}
	k.m = m;
	k.rules = ru;
	k.json = json;
	k.fmt = fmt;
	k.summary = summary;
	k.evidence = ev;
	out_init(&k.o, 0);
	if (fmt == FMT_HTML)
		mo_html_begin(&k.o.b, n_files == 1 ? src[0].path :
		              "transcripts");
	else if (fmt == FMT_JSON)
		sb_puts(&k.o.b, summary ? "{\"sessions\": [" :
		        "{\"utterances\": [");
	for (i = 0; i < n_files; i++) {
		attune_transcript_format f;
		attune_csv *csv = NULL;

		k.path = src[i].path;
		if (src[i].text) {
			/* do_code() owns buf: a copy keeps that simple */
			len = src[i].len;
			if (!(buf = malloc(len + 1))) {
				rc = ATTUNE_ENOMEM;
				goto fail;
			}
			memcpy(buf, src[i].text, len);
			buf[len] = '\0';
		} else if ((rc = cli_read_file(k.path, FILE_MAX, &buf, &len,
		                               &k.err))) {
			goto fail;
		}
		f = topts->format ? topts->format :
		    attune_transcript_detect(buf, len);
		if (f == ATTUNE_TRANSCRIPT_CSV) {
			if (!json && n_csv < i) {
				rc = attune_err_set(&k.err, ATTUNE_EINVAL,
				       "%s: a CSV file among transcripts of "
				       "other formats; with --format csv, code "
				       "CSV files on their own", k.path);
				goto fail;
			}
			n_csv++;
			if (attune_csv_open_buf(buf, len, k.path, &csv)) {
				rc = ATTUNE_ENOMEM;
				goto fail;
			}
			if (!json) {
				if (attune_csv_open_buf(buf, len, k.path,
				                        &k.raw)) {
					attune_csv_close(csv);
					rc = ATTUNE_ENOMEM;
					goto fail;
				}
				rc = csv_header(&k, i == 0);
				if (rc) {
					attune_csv_close(csv);
					goto fail;
				}
			}
			rc = attune_transcript_read_csv(csv, topts, code_one,
			                                &k, &k.err);
			attune_csv_close(csv);
			attune_csv_close(k.raw);
			k.raw = NULL;
		} else {
			attune_transcript_opts o = *topts;
			if (!json && n_csv) {
				rc = attune_err_set(&k.err, ATTUNE_EINVAL,
				       "%s: a %s transcript after CSV input; "
				       "with --format csv, code CSV files on "
				       "their own", k.path,
				       attune_transcript_format_name(f));
				goto fail;
			}
			if (!json && i == 0)
				sb_puts(&k.o.b, ev ? "file,transcript_id,line,"
				        "turn,speaker,label,start,end,"
				        "utterance_id,text,therapist_behaviour,"
				        "client_talk,subcode,markers,confidence,"
				        "relational,cues,evidence\n" :
				        "file,transcript_id,line,"
				        "turn,speaker,label,start,end,"
				        "utterance_id,text,therapist_behaviour,"
				        "client_talk,subcode,markers,"
				        "confidence,relational,cues\n");
			o.format = f;
			rc = attune_transcript_each(buf, len, k.path, &o,
			                            code_one, &k, &k.err);
		}
		if (k.rc)
			rc = k.rc;
		if (rc)
			goto fail;
		free(buf);
		buf = NULL;
	}
	if (fmt == FMT_HTML)
		mo_html_end(&k.o.b);
	else if (fmt == FMT_JSON)
		sb_puts(&k.o.b, "\n]}\n");
	rc = out_finish(&k.o);
	if (rc) {
		cli_err("error writing output");
		exitc = EXIT_INTERNAL;
	}
	goto out;
fail:
	if (rc == ATTUNE_ENOMEM && !k.err.msg[0])
		cli_err("out of memory");
	else
		cli_err("%s", k.err.msg[0] ? k.err.msg : attune_strerror(rc));
	exitc = cli_exit_for(rc);
out:
	attune_csv_close(k.raw);
	free(buf);
	free(k.res);
	free((char *)k.header);
	out_free(&k.o);
	attune_mirror_model_free(m);
	attune_mirror_rules_free(ru);
	return exitc;
}

int cli_mirror_code_text(const char *zLabel, const char *text, size_t len,
                         const char *zIn, const char *zOut)
{
	attune_transcript_opts topts;
	struct msrc src;
	int fmt;

	memset(&topts, 0, sizeof(topts));
	if (attune_transcript_format_from_name(zIn, &topts.format))
		topts.format = ATTUNE_TRANSCRIPT_AUTO;
	if (strcmp(zOut, "csv") == 0)
		fmt = FMT_CSV;
	else if (strcmp(zOut, "json") == 0)
		fmt = FMT_JSON;
	else if (strcmp(zOut, "html") == 0)
		fmt = FMT_HTML;
	else {
		cli_err("--format: '%s' is not csv, json or html", zOut);
		return EXIT_USAGE;
	}
	src.path = zLabel;
	src.text = text;
	src.len = len;
	return do_code(NULL, NULL, fmt, 0, 0, &topts, &src, 1);
}

/* ---- rules, info --------------------------------------------------------------- */

/* Print the compiled-in rules file (to copy and extend). */
static int do_rules(void)
{
	size_t len;
	const char *z = attune_mirror_rules_builtin_text(&len);

	fwrite(z, 1, len, stdout);
	return EXIT_OKAY;
}


static int do_info(const char *model)
{
	attune_mirror_model *m = NULL;
	int rc = load_model(model, &m);

	if (rc)
		return rc;
	fputs(attune_mirror_model_header(m), stdout);
	attune_mirror_model_free(m);
	return EXIT_OKAY;
}

int cmd_mirror(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTS,
		{"json", no_argument, NULL, OPT_JSON},
		{"labels", required_argument, NULL, OPT_LABELS},
		{"out", required_argument, NULL, OPT_OUT},
		{"folds", required_argument, NULL, OPT_FOLDS},
		{"set", required_argument, NULL, OPT_SET},
		{"model", required_argument, NULL, OPT_MODEL},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"evidence", no_argument, NULL, OPT_EVIDENCE},
		{"input-format", required_argument, NULL, OPT_INFORMAT},
		{"speakers", required_argument, NULL, OPT_SPEAKERS},
		{"predictions", required_argument, NULL, OPT_PREDICTIONS},
		{"rules", required_argument, NULL, OPT_RULES},
		{NULL, 0, NULL, 0}
	};
	attune_mirror_opts mo;
	attune_transcript_opts topts;
	attune_err err;
	const char *verb, *labels = NULL, *out = NULL, *model = NULL;
	const char *pred_path = NULL, *rules = NULL, *format = NULL;
	unsigned folds = 5;
	int c, json = 0, ev = 0, r, fmt;

	attune_mirror_opts_default(&mo);
	memset(&topts, 0, sizeof(topts));
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0)
		return cli_usage(usage_text, argc < 2);
	verb = argv[1];
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_HELP:
			return cli_usage(usage_text, 0);
		case OPT_JSON:
			json = 1;
			break;
		case OPT_LABELS:
			labels = optarg;
			break;
		case OPT_OUT:
			out = optarg;
			break;
		case OPT_FOLDS: {
			char *end;
			long v;
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 2 ||
			    v > (long)ATTUNE_MIRROR_FOLDS_MAX) {
				cli_err("--folds: '%s' is not a whole number "
				        "in 2..%u", optarg,
				        ATTUNE_MIRROR_FOLDS_MAX);
				return EXIT_USAGE;
			}
			folds = (unsigned)v;
			break;
		}
		case OPT_SET:
			if (set_opt(&mo, optarg))
				return EXIT_USAGE;
			break;
		case OPT_MODEL:
			model = optarg;
			break;
		case OPT_FORMAT:
			format = optarg;
			break;
		case OPT_RULES:
			rules = optarg;
			break;
		case OPT_EVIDENCE:
			ev = 1;
			break;
		case OPT_INFORMAT:
			if (attune_transcript_format_from_name(
			        optarg, &topts.format)) {
				cli_err("--input-format: '%s' is not text, vtt, "
				        "srt, csv or json", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_SPEAKERS:
			topts.speakers = optarg;
			break;
		case OPT_PREDICTIONS:
			pred_path = optarg;
			break;
		case '?':
			return cli_usage(usage_text, 1);
		default:
			r = cli_common_opt(cli, c, optarg);
			if (r < 0)
				return EXIT_USAGE;
			break;
		}
	}
	if (attune_mirror_opts_check(&mo, &err)) {
		cli_err("--set: %s", err.msg);
		return EXIT_USAGE;
	}
	if (strcmp(verb, "train") == 0 || strcmp(verb, "eval") == 0) {
		int train = verb[0] == 't';
		if (!labels) {
			cli_err("mirror %s: --labels FILE.csv is needed", verb);
			return cli_usage(usage_text, 1);
		}
		if (optind < argc) {
			cli_err("mirror %s: unexpected argument '%s'", verb,
			        argv[optind]);
			return cli_usage(usage_text, 1);
		}
		if (train) {
			if (!out) {
				cli_err("mirror train: --out MODEL is needed");
				return cli_usage(usage_text, 1);
			}
			return do_train(labels, out, &mo);
		}
		return do_eval(labels, folds, json, pred_path, &mo);
	}
	if (strcmp(verb, "code") == 0 || strcmp(verb, "summary") == 0) {
		int summary = verb[0] == 's';
		fmt = summary ? FMT_TEXT : json ? FMT_JSON : FMT_CSV;
		if (format && strcmp(format, "json") == 0)
			fmt = FMT_JSON;
		else if (format && strcmp(format, "html") == 0)
			fmt = FMT_HTML;
		else if (format && strcmp(format, summary ? "text" : "csv") == 0)
			fmt = summary ? FMT_TEXT : FMT_CSV;
		else if (format) {
			cli_err("--format: '%s' is not %s", format, summary ?
			        "text, json or html" : "csv, json or html");
			return EXIT_USAGE;
		}
		if (summary && ev) {
			cli_err("mirror summary: --evidence is for mirror code");
			return EXIT_USAGE;
		}
		if (optind >= argc) {
			cli_err("mirror %s: give one or more transcript "
			        "files (- for stdin)", verb);
			return cli_usage(usage_text, 1);
		}
		{
			struct msrc *src;
			int i, n = argc - optind;
			if (!(src = calloc((size_t)n, sizeof(*src)))) {
				cli_err("out of memory");
				return EXIT_INTERNAL;
			}
			for (i = 0; i < n; i++)
				src[i].path = argv[optind + i];
			r = do_code(model, rules, fmt, summary, ev, &topts, src,
			            n);
			free(src);
			return r;
		}
	}
	if (strcmp(verb, "info") == 0)
		return do_info(model);
	if (strcmp(verb, "rules") == 0)
		return do_rules();
	cli_err("mirror: unknown verb '%s' (train, eval, code, summary, "
	        "rules, info)", verb);
	return cli_usage(usage_text, 1);
}
