/* test_mirror_rules.c - the session mirror's cue rules: every
 * hand-written example of tests/data/mirror/cues.csv (a positive and a
 * negative for every marker subtype and every relational move, each a
 * short dialogue) gives exactly the codes it expects with the built-in
 * rules; the rules file parser (strict, file:line:column errors, limits);
 * matching details (curly apostrophes, phrase at the start, the
 * strongest rule per code, evidence spans). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "attune/mirror.h"
#include "attune/mirror_rules.h"
#include "attune/csv.h"

static char *slurp(const char *name, size_t *len)
{
	const char *dir = getenv("ATTUNE_TEST_DATA");
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static char *fdup(const attune_csv_field *f)
{
	char *s = malloc(f->n + 1);

	assert_non_null(s);
	memcpy(s, f->p, f->n);
	s[f->n] = '\0';
	return s;
}

/* Set r's codes from "question/open", "reflection", "change", ... */
static void give(attune_mirror_result *r, const char *z)
{
	char b[64];
	const char *sub;
	int c;

	if (!*z)
		return;
	snprintf(b, sizeof(b), "%s", z);
	sub = strchr(b, '/');
	if (sub)
		b[sub++ - b] = '\0';
	for (c = 0; c < 4; c++)
		if (strcmp(b, attune_mirror_code_name(ATTUNE_MIRROR_BEHAVIOUR,
		                                      c)) == 0) {
			r->behaviour = c;
			r->talk = -1;
			r->subcode = -1;
		}
	for (c = 0; c < 3; c++)
		if (strcmp(b, attune_mirror_code_name(ATTUNE_MIRROR_TALK, c)) ==
		    0) {
			r->talk = c;
			r->behaviour = r->subcode = -1;
		}
	for (c = 0; sub && c < 8; c++)
		if (strcmp(sub, attune_mirror_code_name(ATTUNE_MIRROR_SUBCODE,
		                                        c)) == 0)
			r->subcode = c;
}

/* "withdrawal/minimal;move/immediacy" of utterance i ("none" if none). */
static void codes_of(const attune_mirror_marks *mk, size_t i, char *out,
                     size_t n)
{
	size_t j;

	out[0] = '\0';
	for (j = mk->first[i]; j < mk->first[i + 1]; j++) {
		const attune_mirror_mark *m = &mk->m[j];
		size_t l = strlen(out);
		snprintf(out + l, n - l, "%s%s/%s", l ? ";" : "",
		         attune_mirror_cue_type_name(m->type), m->subtype);
	}
	if (!out[0])
		snprintf(out, n, "none");
}

#define EX_TURNS 8

typedef struct example {
	char *id, *kind, *code, *expect;
	size_t n;
	attune_utterance u[EX_TURNS];
	char *text[EX_TURNS];
	char *given[EX_TURNS];
} example;

static int run_example(const attune_mirror_model *m,
                       const attune_mirror_rules *r, example *e)
{
	attune_mirror_result res[EX_TURNS];
	attune_mirror_marks *mk = NULL;
	attune_err err;
	char got[512];
	size_t i;
	int bad = 0;

	assert_int_equal(attune_mirror_code(m, e->u, e->n, res, &err), 0);
	for (i = 0; i < e->n; i++)
		give(&res[i], e->given[i]);
	assert_int_equal(attune_mirror_mark_apply(r, e->u, e->n, res, &mk,
	                                          &err), 0);
	codes_of(mk, e->n - 1, got, sizeof(got));
	if (strcmp(got, e->expect) != 0) {
		print_message("example %s (%s %s): expected %s, got %s\n",
		              e->id, e->kind, e->code, e->expect, got);
		bad = 1;
	}
	/* every mark's evidence lies inside its utterance */
	for (i = 0; i < mk->n; i++)
		assert_true(mk->m[i].cue_off + mk->m[i].cue_len <=
		            e->u[mk->m[i].utterance].text_len);
	attune_mirror_marks_free(mk);
	return bad;
}

static void example_free(example *e)
{
	size_t i;

	for (i = 0; i < e->n; i++) {
		free(e->text[i]);
		free(e->given[i]);
	}
	free(e->id);
	free(e->kind);
	free(e->code);
	free(e->expect);
	memset(e, 0, sizeof(*e));
}

static void test_examples(void **state)
{
	attune_mirror_model *m = NULL;
	attune_mirror_rules *r = NULL;
	attune_csv *csv;
	const attune_csv_field *f;
	attune_err err;
	example e;
	size_t len, nf, k, n_ex = 0, n_bad = 0;
	size_t pos[64], neg[64];
	char *buf = slurp("mirror/cues.csv", &len);

	(void)state;
	memset(&e, 0, sizeof(e));
	memset(pos, 0, sizeof(pos));
	memset(neg, 0, sizeof(neg));
	assert_int_equal(attune_mirror_model_builtin(&m, &err), 0);
	if (attune_mirror_rules_builtin(&r, &err))
		fail_msg("%s", err.msg);
	assert_true(attune_mirror_rules_codes(r) <= 64);
	assert_int_equal(attune_csv_open_buf(buf, len, "cues.csv", &csv), 0);
	assert_int_equal(attune_csv_next(csv, &f, &nf, &err), 0);
	assert_int_equal(nf, 7);
	for (;;) {
		assert_int_equal(attune_csv_next(csv, &f, &nf, &err), 0);
		if (nf == 0)
			break;
		assert_int_equal(nf, 7);
		if (e.n == 0) {
			e.id = fdup(&f[0]);
		} else if (strlen(e.id) != f[0].n ||
		           memcmp(e.id, f[0].p, f[0].n) != 0) {
			fail_msg("cues.csv:%zu: example %s has no target row",
			         attune_csv_line(csv), e.id);
		}
		assert_true(e.n < EX_TURNS);
		e.text[e.n] = fdup(&f[4]);
		e.given[e.n] = fdup(&f[5]);
		memset(&e.u[e.n], 0, sizeof(e.u[e.n]));
		e.u[e.n].speaker = f[3].n == 1 && f[3].p[0] == 'T' ?
		                   ATTUNE_SPEAKER_THERAPIST : ATTUNE_SPEAKER_CLIENT;
		e.u[e.n].label = "";
		e.u[e.n].text = e.text[e.n];
		e.u[e.n].text_len = f[4].n;
		e.u[e.n].start_ms = e.u[e.n].end_ms = -1;
		e.u[e.n].turn = e.n;
		e.n++;
		if (f[6].n == 0)
			continue;   /* a context row */
		e.kind = fdup(&f[1]);
		e.code = fdup(&f[2]);
		e.expect = fdup(&f[6]);
		n_ex++;
		n_bad += (size_t)run_example(m, r, &e);
		for (k = 0; k < attune_mirror_rules_codes(r); k++) {
			int type;
			const char *sub;
			char name[128];
			attune_mirror_rules_code(r, k, &type, &sub);
			snprintf(name, sizeof(name), "%s/%s",
			         attune_mirror_cue_type_name(type), sub);
			if (strcmp(name, e.code) == 0) {
				if (strcmp(e.kind, "pos") == 0)
					pos[k]++;
				else if (strcmp(e.kind, "neg") == 0)
					neg[k]++;
			}
		}
		example_free(&e);
	}
	assert_int_equal(e.n, 0);
	/* every code the rules can give has both kinds of example */
	for (k = 0; k < attune_mirror_rules_codes(r); k++) {
		int type;
		const char *sub;
		attune_mirror_rules_code(r, k, &type, &sub);
		if (!pos[k] || !neg[k]) {
			print_message("%s/%s: %zu positive, %zu negative examples\n",
			              attune_mirror_cue_type_name(type), sub,
			              pos[k], neg[k]);
			n_bad++;
		}
	}
	print_message("%zu examples, %zu codes\n", n_ex,
	              attune_mirror_rules_codes(r));
	attune_csv_close(csv);
	attune_mirror_rules_free(r);
	attune_mirror_model_free(m);
	free(buf);
	if (n_bad)
		fail_msg("%zu of the examples or coverage checks failed", n_bad);
}

/* ---- the parser ------------------------------------------------------------- */

static attune_mirror_rules *parse(const char *text, int want_rc,
                                  const char *want_msg)
{
	attune_mirror_rules *r = NULL;
	attune_err err;
	int rc;

	err.msg[0] = '\0';
	rc = attune_mirror_rules_parse(text, strlen(text), "t.rules", &r, &err);
	if (rc != want_rc)
		fail_msg("rc %d, expected %d: %s", rc, want_rc, err.msg);
	if (want_msg && strcmp(err.msg, want_msg) != 0)
		fail_msg("message '%s', expected '%s'", err.msg, want_msg);
	if (rc)
		assert_null(r);
	return r;
}

static void test_parse_errors(void **state)
{
	static const struct {
		const char *text;
		int rc;
		const char *msg;
	} cases[] = {
		{"", ATTUNE_EINVAL, "t.rules: empty (a rules file starts with "
		 "'attune-mirror-rules 1')"},
		{"rule A\n", ATTUNE_EINVAL, "t.rules:1:1: not an attune rules "
		 "file (the first line is 'attune-mirror-rules 1')"},
		{"attune-mirror-rules 2\n", ATTUNE_EVERSION, "t.rules:1:21: "
		 "rules format version 2 was made by a newer version of attune "
		 "(this one reads version 1)"},
		{"attune-mirror-rules 1\nrule A\n  code withdrawal/x\n"
		 "  pre-any \"a\"\n", ATTUNE_EINVAL, "t.rules:4:3: unknown key "
		 "'pre-any' in rule A (code, intensity, confidence, note, any, "
		 "none, starts, prev-any, prev-none, prev-starts, words, "
		 "prev-words, prev-code, prev-not-code, question, "
		 "prev-question, shared, after-marker)"},
		{"attune-mirror-rules 1\nrule A\n  any \"a\"\n", ATTUNE_EINVAL,
		 "t.rules:2: rule A has no code"},
		{"attune-mirror-rules 1\nrule A\n  code move/x\n", ATTUNE_EINVAL,
		 "t.rules:2: rule A has no condition (it would fire on every "
		 "turn)"},
		{"attune-mirror-rules 1\nrule A\n  code moves/x\n",
		 ATTUNE_EINVAL, "t.rules:3:8: 'moves' is not a type "
		 "(withdrawal, deference, confrontation, mistrust, move, "
		 "engage)"},
		{"attune-mirror-rules 1\nrule A\n  code move/x\n  any @nope\n",
		 ATTUNE_EINVAL, "t.rules:4:7: set 'nope' is not defined (define "
		 "it with `set` before use)"},
		{"attune-mirror-rules 1\nrule A\n  code move/x\n  any \"a\n",
		 ATTUNE_EINVAL, "t.rules:4:7: unterminated phrase (a phrase ends "
		 "with \" on the same line)"},
		{"attune-mirror-rules 1\nrule A\n  code move/x\n  any \"?!\"\n",
		 ATTUNE_EINVAL, "t.rules:4:7: a phrase needs at least one word"},
		{"attune-mirror-rules 1\nrule A\n  code move/x\n"
		 "  any \"a b c d e f g h i\"\n", ATTUNE_ELIMIT, "t.rules:4:7: "
		 "a phrase of more than ATTUNE_RULES_PHRASE_WORDS (8) words"},
		{"attune-mirror-rules 1\nrule A\n  code move/x\n  words 5 2\n",
		 ATTUNE_EINVAL, "t.rules:4:11: MAX is below MIN"},
		{"attune-mirror-rules 1\nrule A\n  code move/x\n  words x 2\n",
		 ATTUNE_EINVAL, "t.rules:4:9: 'x' is not a whole number in "
		 "0..100000"},
		{"attune-mirror-rules 1\nrule A\n  code move/x\n"
		 "  prev-code questions\n", ATTUNE_EINVAL, "t.rules:4:13: "
		 "'questions' is not a code (question, question/open, "
		 "reflection/complex, therapist_input/advice, other, change, "
		 "neutral, sustain, ...)"},
		{"attune-mirror-rules 1\nrule A\n  code move/x\n"
		 "  confidence 1.5\n", ATTUNE_EINVAL, "t.rules:4:14: '1.5' is "
		 "not a confidence in 0.001..1 (at most three decimals)"},
		{"attune-mirror-rules 1\nrule A\n  code move/x\n  intensity 2\n"
		 "  any \"a\"\n", ATTUNE_EINVAL, "t.rules:2: rule A: intensity "
		 "is for markers, not move rules"},
		{"attune-mirror-rules 1\nrule A\n  code move/x\n  any \"a\"\n"
		 "rule A\n", ATTUNE_EINVAL, "t.rules:5:6: rule A is defined "
		 "twice (first on line 2)"},
		{"attune-mirror-rules 1\n\"a\"\n", ATTUNE_EINVAL, "t.rules:2:1: "
		 "phrases continue a phrase list (any, none, set, ...), and the "
		 "line before is none"},
		{"attune-mirror-rules 1\nparam episode_gap 0\n", ATTUNE_EINVAL,
		 "t.rules:2:19: '0' is not a whole number in 1..50"},
		{"attune-mirror-rules 1\nparam colour 3\n", ATTUNE_EINVAL,
		 "t.rules:2:7: unknown param 'colour' (episode_gap, "
		 "response_window, reengage_window, reengage_words, "
		 "moments_max)"},
		{"attune-mirror-rules 1\nstopwords \"two words\"\n",
		 ATTUNE_EINVAL, "t.rules:2:11: a stopword is one word"},
		{"attune-mirror-rules 1\ncode move/x\n", ATTUNE_EINVAL,
		 "t.rules:2:1: unknown directive 'code' (attune-mirror-rules, "
		 "param, set, stopwords, rule)"},
		{"attune-mirror-rules 1\nrule A\n  code move/x\n"
		 "  after-marker 3 move\n", ATTUNE_EINVAL, "t.rules:4:18: 'move' "
		 "is not a marker type (withdrawal, deference, confrontation, "
		 "mistrust)"},
		{"attune-mirror-rules 1\nrule A\tx\x01\n", ATTUNE_EINVAL,
		 "t.rules:2:9: control character 0x01 (tabs and spaces only)"},
		{"attune-mirror-rules 1\n\xff\n", ATTUNE_EINVAL,
		 "t.rules: invalid UTF-8 at byte 22"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		parse(cases[i].text, cases[i].rc, cases[i].msg);
}

/* A tiny rule set and a transcript of my own: the mechanics. */
static void test_matching(void **state)
{
	static const char rules[] =
		"attune-mirror-rules 1  # comment\r\n"
		"param episode_gap 3\n"
		"set cut \"cut down\" \"cut back\"\n"
		"\t\"stop\"   # continued\n"
		"rule W1\n"
		"  code withdrawal/x\n"
		"  any @cut \"don't\"\n"
		"  confidence 0.4\n"
		"rule W2\n"
		"  code withdrawal/x\n"
		"  intensity 3\n"
		"  confidence 0.9\n"
		"  starts \"i don't\"\n"
		"  prev-question yes\n"
		"rule M1\n"
		"  code move/m\n"
		"  after-marker 1 withdrawal\n"
		"  any \"okay\"\n";
	attune_mirror_rules *r = parse(rules, 0, NULL);
	attune_mirror_params p;
	attune_mirror_marks *mk = NULL;
	attune_err err;
	attune_utterance u[5];
	const char *text[5] = {
		"Do you want to cut back?",
		"I don\xe2\x80\x99t want to cut back.",
		"Okay.",
		"I might cut down.",
		"Okay."
	};
	size_t i;
	int type;
	const char *sub;

	(void)state;
	attune_mirror_rules_params(r, &p);
	assert_int_equal(p.episode_gap, 3);
	assert_int_equal(p.response_window, 6);
	assert_int_equal(attune_mirror_rules_codes(r), 2);
	attune_mirror_rules_code(r, 0, &type, &sub);
	assert_int_equal(type, ATTUNE_CUE_WITHDRAWAL);
	assert_string_equal(sub, "x");
	attune_mirror_rules_code(r, 1, &type, &sub);
	assert_int_equal(type, ATTUNE_CUE_MOVE);
	memset(u, 0, sizeof(u));
	for (i = 0; i < 5; i++) {
		u[i].speaker = i % 2 ? ATTUNE_SPEAKER_CLIENT :
		               ATTUNE_SPEAKER_THERAPIST;
		u[i].text = text[i];
		u[i].text_len = strlen(text[i]);
		u[i].label = "";
	}
	assert_int_equal(attune_mirror_mark_apply(r, u, 5, NULL, &mk, &err), 0);
	assert_int_equal(mk->n_utterances, 5);
	/* utterance 1: W1 and W2 fire; the stronger W2 stays, its cue is
	 * the curly "I don't" at the start */
	assert_int_equal(mk->first[1], 0);
	assert_int_equal(mk->first[2], 1);
	assert_string_equal(mk->m[0].rule, "W2");
	assert_int_equal(mk->m[0].intensity, 3);
	assert_int_equal(mk->m[0].cue_off, 0);
	assert_int_equal(mk->m[0].cue_len, strlen("I don\xe2\x80\x99t"));
	/* utterance 2: a move right after the marker */
	assert_int_equal(mk->first[3], 2);
	assert_string_equal(mk->m[1].rule, "M1");
	assert_int_equal(mk->m[1].intensity, 0);
	/* utterance 3: W1 only ("cut down"; the question before is not
	 * one) */
	assert_int_equal(mk->first[4], 3);
	assert_string_equal(mk->m[2].rule, "W1");
	assert_int_equal(mk->m[2].cue_off, 8);
	assert_int_equal(mk->m[2].cue_len, 8);
	/* utterance 4: "okay" one utterance after a marker again */
	assert_int_equal(mk->first[5], 4);
	assert_int_equal(mk->n, 4);
	assert_string_equal(mk->m[3].rule, "M1");
	attune_mirror_marks_free(mk);
	/* no utterances at all */
	assert_int_equal(attune_mirror_mark_apply(r, u, 0, NULL, &mk, &err), 0);
	assert_int_equal(mk->n, 0);
	assert_int_equal(mk->first[0], 0);
	attune_mirror_marks_free(mk);
	attune_mirror_rules_free(r);
}

/* Turns as dense in words as text can be (one-letter words, one space
 * between: (len + 1) / 2 words, the most the matcher makes room for),
 * longer than its first allocation (64 words) and one word more than
 * twice that, the phrase at the very end (a room for one word less
 * loses it); a word
 * with a 0xe2 byte that is not a curly apostrophe (a euro sign), in
 * capitals. */
static void test_matching_dense(void **state)
{
	static const char rules[] =
		"attune-mirror-rules 1\n"
		"rule W1\n"
		"  code withdrawal/x\n"
		"  any \"a q\"\n"
		"rule W2\n"
		"  code deference/y\n"
		"  any \"tea\xe2\x82\xac\"\n";
	attune_mirror_rules *r = parse(rules, 0, NULL);
	attune_mirror_marks *mk = NULL;
	attune_err err;
	attune_utterance u[4];
	char dense[257], dense2[257];
	const char *euro = "it is TEA\xe2\x82\xac, you\xe2\x80\x99re";
	size_t i;

	(void)state;
	for (i = 0; i < 128; i++) {       /* "a a ... a q": 129 words */
		dense[2 * i] = 'a';
		dense[2 * i + 1] = ' ';
	}
	dense[256] = 'q';
	for (i = 0; i < 128; i++) {       /* "b b ... b a": no "a q" */
		dense2[2 * i] = 'b';
		dense2[2 * i + 1] = ' ';
	}
	dense2[256] = 'a';
	memset(u, 0, sizeof(u));
	for (i = 0; i < 4; i++) {
		u[i].speaker = i % 2 ? ATTUNE_SPEAKER_CLIENT :
		               ATTUNE_SPEAKER_THERAPIST;
		u[i].label = "";
	}
	u[0].text = "So?";
	u[1].text = dense;
	u[1].text_len = sizeof(dense);
	u[2].text = "And?";
	u[3].text = dense2;
	u[3].text_len = sizeof(dense2);
	u[0].text_len = 3;
	u[2].text_len = 4;
	assert_int_equal(attune_mirror_mark_apply(r, u, 4, NULL, &mk, &err), 0);
	assert_int_equal(mk->n, 1);
	assert_int_equal(mk->first[1], 0);
	assert_string_equal(mk->m[0].rule, "W1");
	assert_int_equal(mk->m[0].cue_off, 254);
	assert_int_equal(mk->m[0].cue_len, 3);
	attune_mirror_marks_free(mk);
	u[3].text = euro;
	u[3].text_len = strlen(euro);
	assert_int_equal(attune_mirror_mark_apply(r, u, 4, NULL, &mk, &err), 0);
	assert_int_equal(mk->n, 2);
	assert_string_equal(mk->m[1].rule, "W2");
	assert_int_equal(mk->m[1].utterance, 3);
	assert_int_equal(mk->m[1].cue_off, 6);
	assert_int_equal(mk->m[1].cue_len, 6);
	attune_mirror_marks_free(mk);
	attune_mirror_rules_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_matching),
		cmocka_unit_test(test_matching_dense),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
