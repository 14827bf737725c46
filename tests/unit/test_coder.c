/* test_coder.c - the utterance coder: stable feature hashing, training
 * on a tiny separable set, save/load round trip with identical
 * predictions, byte-identical retraining, corrupt model files rejected
 * with messages that say what is wrong, the labelled-corpus reader
 * (majority votes, errors with line numbers), the agreement figures, and
 * cross-validation that never splits a transcript. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "attune/mirror.h"
#include "text/coder_int.h"

/* Pinned hash values (see test_hash_stable). */
#define PIN_YOU_WORD_18 146852u
#define PIN_YOU_PREV1_16 16909u
#define PIN_FEATURES_N 95u
#define PIN_FEATURES_SUM 0x3e25678250f4960dULL

/* ---- helpers ---------------------------------------------------------------- */

static attune_mirror_corpus *corpus_of(const char *csv_text, int want_rc,
                                       const char *want_msg)
{
	attune_mirror_corpus *c = NULL;
	attune_csv *csv;
	attune_err err;
	int rc;

	assert_int_equal(attune_csv_open_buf(csv_text, strlen(csv_text),
	                                     "t.csv", &csv), ATTUNE_OK);
	err.msg[0] = '\0';
	rc = attune_mirror_corpus_read_csv(csv, &c, &err);
	attune_csv_close(csv);
	if (rc != want_rc)
		fail_msg("rc %d, expected %d: %s", rc, want_rc, err.msg);
	if (want_msg && !strstr(err.msg, want_msg))
		fail_msg("message '%s' lacks '%s'", err.msg, want_msg);
	return c;
}

/* A small set a linear model separates: each code has its own words.
 * Eight transcripts, alternating therapist and client. */
static char *separable_csv(void)
{
	static const char *const th[4][3] = {
		{"What do you want to change?", "How do you see it?",
		 "What would help you most?"},
		{"It sounds like you feel stuck.", "You feel tired of it.",
		 "So you are worried about work."},
		{"Research shows sleep helps.", "I recommend a daily walk.",
		 "Some people try a diary."},
		{"Hello, nice to meet you.", "Okay.", "Thanks for coming in."}
	};
	static const char *const cl[3][3] = {
		{"I really want to quit.", "I am ready to stop now.",
		 "I will cut down."},
		{"It was a Tuesday.", "My sister lives in town.",
		 "We met at noon."},
		{"I like it too much.", "I will never give it up.",
		 "It is not a problem for me."}
	};
	static const char *const tn[4] = {"question", "reflection",
	                                  "therapist_input", "other"};
	static const char *const cn[3] = {"change", "neutral", "sustain"};
	size_t cap = 65536, n = 0;
	char *s = malloc(cap);
	int t, i;

	assert_non_null(s);
	n += (size_t)snprintf(s + n, cap - n, "transcript_id,utterance_id,"
	                      "interlocutor,utterance_text,"
	                      "main_therapist_behaviour,client_talk_type\n");
	for (t = 0; t < 8; t++)
		for (i = 0; i < 12; i++) {
			int a = (t + i) % 4, b = (t * 3 + i) % 3, v = (t + i) % 3;
			n += (size_t)snprintf(s + n, cap - n,
			       "%d,%d,therapist,\"%s\",%s,n/a\n", t, 2 * i,
			       th[a][v], tn[a]);
			n += (size_t)snprintf(s + n, cap - n,
			       "%d,%d,client,\"%s\",n/a,%s\n", t, 2 * i + 1,
			       cl[b][v], cn[b]);
		}
	assert_true(n < cap);
	return s;
}

static attune_mirror_model *train_on(const attune_mirror_corpus *c,
                                     attune_mirror_opts *o)
{
	attune_mirror_model *m = NULL;
	attune_err err;

	if (attune_mirror_train(c, o, &m, &err))
		fail_msg("train: %s", err.msg);
	return m;
}

/* Code every transcript of c and count agreement with the gold codes. */
static void agreement(const attune_mirror_model *m,
                      const attune_mirror_corpus *c, size_t *n_ok,
                      size_t *n)
{
	attune_mirror_result res[64];
	size_t d, i;

	*n_ok = *n = 0;
	for (d = 0; d < c->n_docs; d++) {
		assert_true(c->d[d].n <= 64);
		assert_int_equal(attune_mirror_code(m, c->d[d].u, c->d[d].n,
		                                    res, NULL), ATTUNE_OK);
		for (i = 0; i < c->d[d].n; i++) {
			const mir_gold *g = &c->d[d].g[i];
			int want = g->y[0] >= 0 ? g->y[0] : g->y[1];
			int got = g->y[0] >= 0 ? res[i].behaviour : res[i].talk;
			(*n)++;
			*n_ok += want == got;
		}
	}
}

/* ---- features ----------------------------------------------------------------- */

/* The hashes are part of every model file: a change here makes shipped
 * models code garbage, so the values are pinned. */
static void test_hash_stable(void **state)
{
	(void)state;
	/* FNV-1a 64 reference values (Fowler/Noll/Vo test vectors) */
	assert_true(mir_hash_bytes("", 0) == 0xcbf29ce484222325ULL);
	assert_true(mir_hash_bytes("a", 1) == 0xaf63dc4c8601ec8cULL);
	assert_true(mir_hash_bytes("foobar", 6) == 0x85944171f73967e8ULL);
	/* Fibonacci bucketing with the block salt */
	assert_int_equal(mir_bucket(mir_hash_bytes("you", 3), NS_WORD, 18),
	                 PIN_YOU_WORD_18);
	assert_int_equal(mir_bucket(mir_hash_bytes("you", 3), NS_PREV1, 16),
	                 PIN_YOU_PREV1_16);
}

/* The features of a fixed three-turn transcript: count and a checksum
 * of (bucket, value) pinned, and a few names checked. */
static void test_features_stable(void **state)
{
	attune_utterance u[3];
	attune_mirror_opts o;
	mir_cfg cfg;
	mir_fx x;
	uint64_t sum = 0;
	size_t i;
	int have_q = 0, have_b = 0, have_c = 0, have_prev = 0;

	(void)state;
	memset(u, 0, sizeof(u));
	u[0].speaker = ATTUNE_SPEAKER_THERAPIST;
	u[0].text = "How are you?";
	u[1].speaker = ATTUNE_SPEAKER_CLIENT;
	u[1].text = "Not great\xe2\x80\xa6 I didn\xe2\x80\x99t sleep.";
	u[2].speaker = ATTUNE_SPEAKER_THERAPIST;
	u[2].text = "Do you want to talk about that?";
	for (i = 0; i < 3; i++)
		u[i].text_len = strlen(u[i].text);
	/* explicit settings: the pins must not move with the defaults */
	attune_mirror_opts_default(&o);
	o.hash_bits = 18;
	o.word_ngrams = 2;
	o.char_min = 3;
	o.char_max = 5;
	o.char_client = 0;
	o.context = 2;
	o.next = 0;
	o.w_word = 1;
	o.w_char = 1;
	o.w_meta = 0.5f;
	o.w_prev = 0.5f;
	mir_cfg_of(&o, &cfg);
	mir_fx_init(&x);
	x.want_names = 1;
	assert_int_equal(mir_features(&x, &cfg, u, 3, 2), ATTUNE_OK);
	for (i = 0; i < x.n; i++) {
		uint32_t vb;
		memcpy(&vb, &x.f[i].v, 4);
		sum = (sum ^ x.f[i].i) * 0x100000001b3ULL;
		sum = (sum ^ vb) * 0x100000001b3ULL;
		have_q |= strcmp(x.name[i], "w:?") == 0;
		have_b |= strcmp(x.name[i], "b:<s>_do") == 0;
		have_c |= strcmp(x.name[i], "c:_do_") == 0;
		/* the curly apostrophe became ' */
		have_prev |= strcmp(x.name[i], "prev:didn't") == 0;
	}
	assert_true(have_q && have_b && have_c && have_prev);
	assert_int_equal(x.n, PIN_FEATURES_N);
	assert_true(sum == PIN_FEATURES_SUM);

	/* the cached-token path gives the very same features */
	{
		mir_fx y;
		mir_fx_init(&y);
		assert_int_equal(mir_tokenise_all(&y, u, 3), ATTUNE_OK);
		assert_int_equal(mir_features(&y, &cfg, u, 3, 2), ATTUNE_OK);
		assert_int_equal(y.n, x.n);
		for (i = 0; i < x.n; i++) {
			assert_int_equal(y.f[i].i, x.f[i].i);
			assert_true(y.f[i].v == x.f[i].v);
		}
		mir_fx_free(&y);
	}
	mir_fx_free(&x);
}

/* ---- training ------------------------------------------------------------------- */

static void test_train_separable(void **state)
{
	char *csv = separable_csv();
	attune_mirror_corpus *c = corpus_of(csv, ATTUNE_OK, NULL);
	attune_mirror_model *m;
	attune_mirror_opts o;
	size_t ok, n;

	(void)state;
	attune_mirror_opts_default(&o);
	o.hash_bits = 14;
	m = train_on(c, &o);
	assert_true(attune_mirror_model_has(m, ATTUNE_MIRROR_BEHAVIOUR));
	assert_true(attune_mirror_model_has(m, ATTUNE_MIRROR_TALK));
	assert_false(attune_mirror_model_has(m, ATTUNE_MIRROR_SUBCODE));
	agreement(m, c, &ok, &n);
	assert_int_equal(n, 8 * 24);
	assert_int_equal(ok, n);   /* 100 % on a separable set */
	attune_mirror_model_free(m);
	attune_mirror_corpus_free(c);
	free(csv);
}

/* Save, load, same predictions and probabilities; save again, same
 * bytes; train again, same bytes (fixed seed). */
static void test_roundtrip_and_determinism(void **state)
{
	char *csv = separable_csv();
	attune_mirror_corpus *c = corpus_of(csv, ATTUNE_OK, NULL);
	attune_mirror_model *m, *m2, *m3;
	attune_mirror_result r1[24], r2[24];
	attune_mirror_opts o;
	unsigned char *b1, *b2, *b3;
	size_t n1, n2, n3, d, i;
	attune_err err;

	(void)state;
	attune_mirror_opts_default(&o);
	o.hash_bits = 12;
	o.next = 1;
	o.context = 3;
	m = train_on(c, &o);
	assert_int_equal(attune_mirror_model_save(m, &b1, &n1), ATTUNE_OK);
	assert_int_equal(attune_mirror_model_load(b1, n1, "m", &m2, &err),
	                 ATTUNE_OK);
	assert_string_equal(attune_mirror_model_header(m),
	                    attune_mirror_model_header(m2));
	for (d = 0; d < c->n_docs; d++) {
		assert_int_equal(attune_mirror_code(m, c->d[d].u, c->d[d].n,
		                                    r1, NULL), ATTUNE_OK);
		assert_int_equal(attune_mirror_code(m2, c->d[d].u, c->d[d].n,
		                                    r2, NULL), ATTUNE_OK);
		for (i = 0; i < c->d[d].n; i++)
			assert_memory_equal(&r1[i], &r2[i], sizeof(r1[i]));
	}
	assert_int_equal(attune_mirror_model_save(m2, &b2, &n2), ATTUNE_OK);
	assert_int_equal(n1, n2);
	assert_memory_equal(b1, b2, n1);
	m3 = train_on(c, &o);
	assert_int_equal(attune_mirror_model_save(m3, &b3, &n3), ATTUNE_OK);
	assert_int_equal(n1, n3);
	assert_memory_equal(b1, b3, n1);
	free(b1);
	free(b2);
	free(b3);
	attune_mirror_model_free(m);
	attune_mirror_model_free(m2);
	attune_mirror_model_free(m3);
	attune_mirror_corpus_free(c);
	free(csv);
}

/* ---- corrupt model files ----------------------------------------------------------- */

static unsigned char *small_model(size_t *len)
{
	char *csv = separable_csv();
	attune_mirror_corpus *c = corpus_of(csv, ATTUNE_OK, NULL);
	attune_mirror_model *m;
	attune_mirror_opts o;
	unsigned char *b;

	attune_mirror_opts_default(&o);
	o.hash_bits = 10;
	o.epochs = 2;
	m = train_on(c, &o);
	assert_int_equal(attune_mirror_model_save(m, &b, len), ATTUNE_OK);
	attune_mirror_model_free(m);
	attune_mirror_corpus_free(c);
	free(csv);
	return b;
}

/* Recompute the trailing checksum after an edit. */
static void reseal(unsigned char *b, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len - 8; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	for (i = 0; i < 8; i++)
		b[len - 8 + i] = (unsigned char)(h >> (8 * i));
}

static void expect_load(const unsigned char *b, size_t len, int want_rc,
                        const char *want)
{
	attune_mirror_model *m = (attune_mirror_model *)1;
	attune_err err;
	int rc;

	err.msg[0] = '\0';
	rc = attune_mirror_model_load(b, len, "bad.model", &m, &err);
	if (rc != want_rc)
		fail_msg("rc %d, expected %d (%s)", rc, want_rc, err.msg);
	assert_null(m);
	if (!strstr(err.msg, want))
		fail_msg("message '%s' lacks '%s'", err.msg, want);
	assert_true(strncmp(err.msg, "bad.model: ", 11) == 0);
}

/* Replace the first occurrence of from by to (same length) in b. */
static void patch(unsigned char *b, size_t len, const char *from,
                  const char *to)
{
	size_t n = strlen(from), i;

	assert_int_equal(n, strlen(to));
	for (i = 0; i + n <= len; i++)
		if (memcmp(b + i, from, n) == 0) {
			memcpy(b + i, to, n);
			return;
		}
	fail_msg("'%s' not in the model", from);
}

static void test_corrupt_models(void **state)
{
	size_t len, hl;
	unsigned char *good = small_model(&len), *b = malloc(len);

	(void)state;
	assert_non_null(b);
	for (hl = 0; hl + 5 <= len; hl++)
		if (memcmp(good + hl, "\nend\n", 5) == 0)
			break;
	assert_true(hl + 5 <= len);
	hl += 5;                      /* the header's length */

	expect_load(good, 0, ATTUNE_EINVAL, "not an attune coder model");
	memcpy(b, good, len);
	b[0] = 'A';
	expect_load(b, len, ATTUNE_EINVAL, "not an attune coder model");

	memcpy(b, good, len);
	patch(b, len, "attune-mirror-model 1", "attune-mirror-model 9");
	expect_load(b, len, ATTUNE_EVERSION, "format version 9 is newer");

	memcpy(b, good, len);
	patch(b, len, "hash_bits 10", "hash_bits 99");
	expect_load(b, len, ATTUNE_EINVAL,
	            "header line 2: hash_bits '99' is not a whole number in "
	            "4..24");

	memcpy(b, good, len);
	patch(b, len, "word_ngrams", "word_grams_");
	expect_load(b, len, ATTUNE_EINVAL,
	            "header line 3: expected 'word_ngrams'");

	memcpy(b, good, len);
	patch(b, len, "char_ngrams 3-5", "char_ngrams 5-3");
	expect_load(b, len, ATTUNE_EINVAL, "char_ngrams '5-3'");

	memcpy(b, good, len);
	patch(b, len, "w_meta 0.5", "w_meta nan");
	expect_load(b, len, ATTUNE_EINVAL, "w_meta 'nan' is not a number");

	memcpy(b, good, len);
	patch(b, len, "tasks therapist_behaviour,client_talk",
	      "tasks therapist_behaviour,client_tale");
	expect_load(b, len, ATTUNE_EINVAL, "tasks: 'client_tale' is not");

	memcpy(b, good, len);
	patch(b, len, "neutral,sustain", "sustain,neutral");
	expect_load(b, len, ATTUNE_EINVAL, "header line 14: classes is "
	            "'client_talk change,sustain,neutral', expected 'client_talk change,neutral,"
	            "sustain'");

	memcpy(b, good, len);
	patch(b, len, "created_by", "created\x01" "by");
	expect_load(b, len, ATTUNE_EINVAL, "byte 0x01 at column 8");

	/* the header never ends */
	memcpy(b, good, len);
	patch(b, len, "\nend\n", "\nEND\n");
	expect_load(b, len, ATTUNE_EINVAL, "no 'end' line");

	/* truncated: weights missing */
	expect_load(good, len - 100, ATTUNE_EINVAL, "bytes after the header; "
	            "hash_bits 10 needs");
	expect_load(good, hl, ATTUNE_EINVAL, "bytes after the header");

	/* one weight flipped: the checksum notices */
	memcpy(b, good, len);
	b[hl + 200] ^= 0x40;
	expect_load(b, len, ATTUNE_EINVAL, "checksum mismatch");

	/* a NaN weight with a valid checksum */
	memcpy(b, good, len);
	b[hl + 4 * 20 + 3] = 0x7f;
	b[hl + 4 * 20 + 2] = 0xc0;
	reseal(b, len);
	expect_load(b, len, ATTUNE_EINVAL, "weight 5 (bucket 0, column 5) is "
	            "not a finite number");
	/* a huge but finite weight */
	memcpy(b, good, len);
	b[hl + 4 * 20 + 3] = 0x7e;
	b[hl + 4 * 20 + 2] = 0x00;
	reseal(b, len);
	expect_load(b, len, ATTUNE_EINVAL, "weight 5 (bucket 0, column 5) is "
	            "beyond +-ATTUNE_MIRROR_WEIGHT_MAX");
	/* and an infinite bias */
	memcpy(b, good, len);
	b[hl + 3] = 0x7f;
	b[hl + 2] = 0x80;
	b[hl + 1] = 0;
	b[hl] = 0;
	reseal(b, len);
	expect_load(b, len, ATTUNE_EINVAL, "bias 0 is not a finite number");

	/* the good one still loads */
	{
		attune_mirror_model *m;
		attune_err err;
		assert_int_equal(attune_mirror_model_load(good, len, "ok", &m,
		                                          &err), ATTUNE_OK);
		attune_mirror_model_free(m);
	}
	free(b);
	free(good);
}

/* ---- corpus --------------------------------------------------------------------------- */

static void test_corpus_votes(void **state)
{
	/* three annotators of utterance 0, two of utterance 1 (a tie: the
	 * code voted first wins), one of utterance 2; subcodes follow the
	 * majority behaviour */
	static const char csv[] =
	"transcript_id,utterance_id,interlocutor,utterance_text,annotator_id,"
	"main_therapist_behaviour,client_talk_type,question_subtype,"
	"reflection_subtype,therapist_input_subtype\n"
	"7,0,therapist,Why now?,1,question,n/a,open,n/a,n/a\n"
	"7,0,therapist,Why now?,2,reflection,n/a,n/a,simple,n/a\n"
	"7,0,therapist,Why now?,3,question,n/a,closed,n/a,n/a\n"
	"7,1,client,Dunno.,1,n/a,sustain,n/a,n/a,n/a\n"
	"7,1,client,Dunno.,2,n/a,neutral,n/a,n/a,n/a\n"
	"7,2,therapist,You could try.,1,Therapist_Input,,n/a,n/a,advice\n"
	"8,0,Therapist, Hello ,1,other,,,,\n";
	attune_mirror_corpus *c = corpus_of(csv, ATTUNE_OK, NULL);
	attune_mirror_corpus_info info;

	(void)state;
	assert_int_equal(c->n_docs, 2);
	assert_int_equal(c->d[0].n, 3);
	assert_string_equal(c->d[0].id, "7");
	assert_int_equal(c->d[0].g[0].y[0], ATTUNE_MIRROR_QUESTION);
	assert_int_equal(c->d[0].g[0].y[2], ATTUNE_MIRROR_OPEN);
	assert_int_equal(c->d[0].g[1].y[1], ATTUNE_MIRROR_SUSTAIN);
	assert_int_equal(c->d[0].g[1].y[0], -1);
	assert_int_equal(c->d[0].g[2].y[0], ATTUNE_MIRROR_INPUT);
	assert_int_equal(c->d[0].g[2].y[2], ATTUNE_MIRROR_ADVICE);
	assert_int_equal(c->d[1].u[0].speaker, ATTUNE_SPEAKER_THERAPIST);
	assert_int_equal(c->d[1].g[0].y[0], ATTUNE_MIRROR_OTHER);
	assert_int_equal(c->d[1].g[0].y[2], -1);
	attune_mirror_corpus_info_get(c, &info);
	assert_int_equal(info.n_rows, 7);
	assert_int_equal(info.n_utterances, 4);
	assert_int_equal(info.n_labelled[0], 3);
	assert_int_equal(info.n_labelled[1], 1);
	assert_int_equal(info.n_labelled[2], 2);
	attune_mirror_corpus_free(c);
}

static void test_corpus_errors(void **state)
{
	(void)state;
	corpus_of("", ATTUNE_EINVAL, "t.csv: empty input");
	corpus_of("interlocutor,main_therapist_behaviour\nclient,other\n",
	          ATTUNE_EINVAL, "t.csv:1: no utterance_text column");
	corpus_of("interlocutor,utterance_text\nclient,hi\n", ATTUNE_EINVAL,
	          "t.csv:1: no label column");
	corpus_of("interlocutor,utterance_text,main_therapist_behaviour,"
	          "interlocutor\n", ATTUNE_EINVAL,
	          "t.csv:1: column interlocutor appears twice");
	corpus_of("interlocutor,utterance_text,main_therapist_behaviour\n"
	          "therapist,hi,question\ntherapist,so,reflexion\n",
	          ATTUNE_EINVAL, "t.csv:3: main_therapist_behaviour "
	          "'reflexion' is not question, reflection, therapist_input "
	          "or other");
	corpus_of("interlocutor,utterance_text,client_talk_type\n"
	          "client,hi,changes\n", ATTUNE_EINVAL,
	          "t.csv:2: client_talk_type 'changes' is not change, "
	          "neutral or sustain");
	corpus_of("transcript_id,interlocutor,utterance_text,"
	          "client_talk_type\n1,client,a,change\n2,client,b,change\n"
	          "1,client,c,change\n", ATTUNE_EINVAL,
	          "t.csv:4: rows of transcript '1' are not together (it "
	          "began on line 2)");
	corpus_of("interlocutor,utterance_text,client_talk_type\n"
	          "client,a\n", ATTUNE_EINVAL,
	          "t.csv:2: row has 2 fields; the header has 3");
}

/* ---- metrics and cross-validation ----------------------------------------------------- */

static void test_metrics(void **state)
{
	/* gold rows, predicted columns:
	 *        a   b
	 *   a   40  10
	 *   b   20  30
	 * precision a 40/60, recall a 40/50; p_o .7; p_e .5*.6 + .5*.4 = .5;
	 * kappa (.7 - .5) / .5 = .4 */
	attune_mirror_confusion c;
	attune_mirror_metrics mt;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.k = 2;
	c.m[0][0] = 40;
	c.m[0][1] = 10;
	c.m[1][0] = 20;
	c.m[1][1] = 30;
	attune_mirror_metrics_of(&c, &mt);
	assert_int_equal(mt.n, 100);
	assert_true(fabs(mt.precision[0] - 40.0 / 60) < 1e-12);
	assert_true(fabs(mt.recall[0] - 0.8) < 1e-12);
	assert_true(fabs(mt.f1[0] - 2 * (2.0 / 3) * 0.8 /
	                 (2.0 / 3 + 0.8)) < 1e-12);
	assert_true(fabs(mt.precision[1] - 0.75) < 1e-12);
	assert_true(fabs(mt.recall[1] - 0.6) < 1e-12);
	assert_true(fabs(mt.macro_f1 - (mt.f1[0] + mt.f1[1]) / 2) < 1e-12);
	assert_true(fabs(mt.accuracy - 0.7) < 1e-12);
	assert_true(fabs(mt.kappa - 0.4) < 1e-12);
	assert_int_equal(mt.support[1], 50);

	/* an empty matrix gives zeros, not NaN */
	memset(&c, 0, sizeof(c));
	c.k = 3;
	attune_mirror_metrics_of(&c, &mt);
	assert_true(mt.macro_f1 == 0 && mt.kappa == 0 && mt.accuracy == 0);
}

struct folds_seen {
	char id[8][8];
	int fold[8];
	int n_ids;
	size_t n;
	int bad;
};

static void fold_cb(void *ctx, const char *tid, const attune_utterance *u,
                    unsigned fold, const int gold[3],
                    const attune_mirror_result *r)
{
	struct folds_seen *s = ctx;
	int i;

	(void)u;
	(void)gold;
	(void)r;
	s->n++;
	for (i = 0; i < s->n_ids; i++)
		if (strcmp(s->id[i], tid) == 0) {
			s->bad |= s->fold[i] != (int)fold;
			return;
		}
	snprintf(s->id[s->n_ids], sizeof(s->id[0]), "%s", tid);
	s->fold[s->n_ids++] = (int)fold;
}

static void test_cv_by_transcript(void **state)
{
	char *csv = separable_csv();
	attune_mirror_corpus *c = corpus_of(csv, ATTUNE_OK, NULL);
	struct folds_seen seen;
	attune_mirror_opts o;
	attune_mirror_eval e;
	attune_mirror_metrics mt;
	attune_err err;
	int i;

	(void)state;
	memset(&seen, 0, sizeof(seen));
	attune_mirror_opts_default(&o);
	o.hash_bits = 12;
	assert_int_equal(attune_mirror_cv(c, &o, 3, fold_cb, &seen, &e, &err),
	                 ATTUNE_OK);
	assert_int_equal(seen.n, 8 * 24);
	assert_int_equal(seen.n_ids, 8);
	assert_false(seen.bad);       /* a transcript stays in one fold */
	for (i = 0; i < 8; i++)       /* transcript j is in fold j mod 3 */
		assert_int_equal(seen.fold[i], strtol(seen.id[i], NULL, 10) % 3);
	attune_mirror_metrics_of(&e.g[ATTUNE_MIRROR_G_BEHAVIOUR], &mt);
	assert_int_equal(mt.n, 8 * 12);
	assert_true(mt.accuracy > 0.9);   /* held-out, but the same words */
	assert_int_equal(attune_mirror_cv(c, &o, 9, NULL, NULL, &e, &err),
	                 ATTUNE_EINVAL);
	assert_non_null(strstr(err.msg, "9 folds need at least 9 "
	                       "transcripts; the data has 8"));
	assert_int_equal(attune_mirror_cv(c, &o, 1, NULL, NULL, &e, &err),
	                 ATTUNE_EINVAL);
	attune_mirror_corpus_free(c);
	free(csv);
}

/* ---- options, coding details ------------------------------------------------------------ */

static void test_opts(void **state)
{
	attune_mirror_opts o;
	attune_err err;

	(void)state;
	attune_mirror_opts_default(&o);
	assert_int_equal(attune_mirror_opts_check(&o, &err), ATTUNE_OK);
	assert_int_equal(attune_mirror_opts_set(&o, "char_ngrams", "2-4",
	                                        &err), ATTUNE_OK);
	assert_int_equal(o.char_min, 2);
	assert_int_equal(o.char_max, 4);
	assert_int_equal(attune_mirror_opts_set(&o, "lambda", "2e-4", &err),
	                 ATTUNE_OK);
	assert_true(fabs(o.lambda - 2e-4) < 1e-15);
	assert_int_equal(attune_mirror_opts_set(&o, "colour", "1", &err),
	                 ATTUNE_EINVAL);
	assert_non_null(strstr(err.msg, "unknown option 'colour'"));
	assert_int_equal(attune_mirror_opts_set(&o, "epochs", "ten", &err),
	                 ATTUNE_EINVAL);
	assert_non_null(strstr(err.msg, "option epochs: 'ten'"));
	o.hash_bits = 30;
	assert_int_equal(attune_mirror_opts_check(&o, &err), ATTUNE_EINVAL);
	assert_non_null(strstr(err.msg, "hash_bits 30 is outside 4..24"));
}

static void test_code_speakers_and_evidence(void **state)
{
	char *csv = separable_csv();
	attune_mirror_corpus *c = corpus_of(csv, ATTUNE_OK, NULL);
	attune_mirror_model *m;
	attune_mirror_opts o;
	attune_mirror_result r[3];
	attune_mirror_evidence ev[16];
	attune_utterance u[3];
	size_t n_ev, i;
	float sum;

	(void)state;
	attune_mirror_opts_default(&o);
	o.hash_bits = 14;
	m = train_on(c, &o);
	memset(u, 0, sizeof(u));
	u[0].speaker = ATTUNE_SPEAKER_OTHER;
	u[0].text = "Mum: he never sleeps";
	u[1].speaker = ATTUNE_SPEAKER_THERAPIST;
	u[1].text = "What do you want to change?";
	u[2].speaker = ATTUNE_SPEAKER_CLIENT;
	u[2].text = "";
	for (i = 0; i < 3; i++)
		u[i].text_len = strlen(u[i].text);
	assert_int_equal(attune_mirror_code(m, u, 3, r, NULL), ATTUNE_OK);
	assert_int_equal(r[0].behaviour, -1);
	assert_int_equal(r[0].talk, -1);
	assert_true(r[0].confidence == 0);
	assert_int_equal(r[1].behaviour, ATTUNE_MIRROR_QUESTION);
	assert_int_equal(r[1].talk, -1);
	assert_int_equal(r[1].subcode, -1);    /* no subcodes trained */
	sum = r[1].prob[0] + r[1].prob[1] + r[1].prob[2] + r[1].prob[3];
	assert_true(fabsf(sum - 1) < 1e-5f);
	assert_true(r[1].confidence == r[1].prob[0]);
	assert_int_equal(r[2].behaviour, -1);  /* empty text still coded */
	assert_true(r[2].talk >= 0);

	assert_int_equal(attune_mirror_explain(m, u, 3, 1, ev, 16, &n_ev,
	                                       NULL), ATTUNE_OK);
	assert_true(n_ev > 0 && n_ev <= 16);
	for (i = 1; i < n_ev; i++)
		assert_true(ev[i - 1].weight >= ev[i].weight);
	assert_true(ev[0].weight > 0);
	assert_int_equal(attune_mirror_explain(m, u, 3, 0, ev, 16, &n_ev,
	                                       NULL), ATTUNE_OK);
	assert_int_equal(n_ev, 0);             /* no code, no evidence */
	assert_string_equal(attune_mirror_code_name(ATTUNE_MIRROR_SUBCODE, 7),
	                    "negotiation");
	assert_string_equal(attune_mirror_code_name(ATTUNE_MIRROR_TALK, 3), "");
	assert_int_equal(attune_mirror_subcode_parent(ATTUNE_MIRROR_COMPLEX),
	                 ATTUNE_MIRROR_REFLECTION);
	attune_mirror_model_free(m);
	attune_mirror_corpus_free(c);
	free(csv);
}

/* The model compiled in loads and codes the obvious. */
static void test_builtin(void **state)
{
	attune_mirror_model *m;
	attune_mirror_result r[2];
	attune_utterance u[2];
	attune_err err;
	int rc;

	(void)state;
	rc = attune_mirror_model_builtin(&m, &err);
	if (rc == ATTUNE_ENOTFOUND)
		skip();
	assert_int_equal(rc, ATTUNE_OK);
	assert_true(attune_mirror_model_has(m, ATTUNE_MIRROR_SUBCODE));
	memset(u, 0, sizeof(u));
	u[0].speaker = ATTUNE_SPEAKER_THERAPIST;
	u[0].text = "What brings you here today?";
	u[1].speaker = ATTUNE_SPEAKER_CLIENT;
	u[1].text = "Yeah.";
	u[0].text_len = strlen(u[0].text);
	u[1].text_len = strlen(u[1].text);
	assert_int_equal(attune_mirror_code(m, u, 2, r, NULL), ATTUNE_OK);
	assert_int_equal(r[0].behaviour, ATTUNE_MIRROR_QUESTION);
	assert_int_equal(r[0].subcode, ATTUNE_MIRROR_OPEN);
	assert_int_equal(r[1].talk, ATTUNE_MIRROR_NEUTRAL);
	attune_mirror_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_stable),
		cmocka_unit_test(test_features_stable),
		cmocka_unit_test(test_train_separable),
		cmocka_unit_test(test_roundtrip_and_determinism),
		cmocka_unit_test(test_corrupt_models),
		cmocka_unit_test(test_corpus_votes),
		cmocka_unit_test(test_corpus_errors),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_cv_by_transcript),
		cmocka_unit_test(test_opts),
		cmocka_unit_test(test_code_speakers_and_evidence),
		cmocka_unit_test(test_builtin),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
