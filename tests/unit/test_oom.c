/* test_oom.c - out-of-memory torture (after curl's torture mode and
 * SQLite's fault injection): make the Nth allocation fail, for every N
 * until a run needs no more, and check that each run fails cleanly with
 * ATTUNE_ENOMEM (or succeeds) and leaks nothing (ASan build).
 *
 * Linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc so that the
 * library's own allocations come here; cJSON's go through its hooks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include "attune/csv.h"
#include "attune/instrument.h"
#include "attune/mirror_rules.h"
#include "attune/mirror_summary.h"
#include "attune/score.h"
#include "attune/transcript.h"
#include "util/util_int.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

static long countdown = -1;  /* allocations left; -1: never fail */
static int failed;           /* an allocation was refused this run */

static int refuse(void)
{
	if (countdown < 0)
		return 0;
	if (countdown == 0) {
		failed = 1;
		return 1;
	}
	countdown--;
	return 0;
}

void *__wrap_malloc(size_t n)
{
	return refuse() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return refuse() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	return refuse() ? NULL : __real_realloc(p, n);
}

static void *hook_malloc(size_t n)
{
	return __wrap_malloc(n);
}

/* Run fn with the Nth allocation failing, for N = 0, 1, ... until a run
 * completes without a refusal. fn returns its attune_rc. */
static void torture(int (*fn)(void), const char *what)
{
	long n;
	int rc;

	for (n = 0; n < 100000; n++) {
		countdown = n;
		failed = 0;
		rc = fn();
		countdown = -1;
		if (!failed) {
			if (rc != ATTUNE_OK)
				fail_msg("%s: failed with rc %d without OOM", what,
				         rc);
			print_message("%s: %ld allocation points, each failed "
			              "cleanly\n", what, n);
			return;
		}
		if (rc != ATTUNE_ENOMEM && rc != ATTUNE_OK)
			fail_msg("%s: allocation %ld refused gave rc %d, not "
			         "ATTUNE_ENOMEM", what, n, rc);
	}
	fail_msg("%s: never completed", what);
}

static int run_catalog(void)
{
	attune_catalog *cat = attune_catalog_new();
	attune_err err;
	char *fhir = NULL;
	int rc;

	if (!cat)
		return ATTUNE_ENOMEM;
	rc = attune_catalog_add_builtin(cat, &err);
	if (rc == ATTUNE_OK)
		rc = attune_instrument_to_fhir(attune_catalog_find(cat, "phq9"),
		                               &fhir, &err);
	if (rc == ATTUNE_OK) {
		const char *w = "{\"instrument\": \"wai-sr\", \"preamble\": \"P\","
		                " \"items\": {\"wai_1\": \"One\"}}";
		rc = attune_catalog_load_wording(cat, w, strlen(w), "w", &err);
	}
	free(fhir);
	attune_catalog_free(cat);
	/* A JSON parse that ran out of memory is reported as a syntax error
	 * by cJSON; the loader cannot tell the two apart, so accept EINVAL
	 * only when an allocation was refused. */
	if (rc == ATTUNE_EINVAL && failed)
		return ATTUNE_ENOMEM;
	return rc;
}

static int run_csv(void)
{
	const char in[] = "id,a,b\n1,\"x,y\",2\n3,4,5\n";
	const attune_csv_field *f;
	attune_csv *c;
	attune_err err;
	size_t n;
	int rc;

	rc = attune_csv_open_buf(in, sizeof(in) - 1, "t", &c);
	if (rc)
		return rc;
	while ((rc = attune_csv_next(c, &f, &n, &err)) == ATTUNE_OK && n)
		;
	attune_csv_close(c);
	return rc;
}

static int run_strbuf(void)
{
	strbuf b;
	char *s;
	int i, rc;

	sb_init(&b, 1 << 20);
	for (i = 0; i < 2000; i++)
		sb_printf(&b, "%d,", i);
	sb_json_str(&b, "x\"y");
	s = sb_detach(&b, &rc);
	free(s);
	return rc;
}

/* Every reader, through the same allocation points. */
static int run_transcripts(void)
{
	static const char *const inputs[] = {
		"T: How are you?\nC: Fine, I suppose.\n\nT: Fine?\n",
		"WEBVTT\n\n00:00.000 --> 00:02.000\n<v Therapist>Hello &amp; "
		"welcome</v>\n\n00:02.500 --> 00:04.000\n<v Client>Hi.\n",
		"1\n00:00:00,000 --> 00:00:02,000\nT: <i>Hello</i>\n\n"
		"2\n00:00:02,000 --> 00:00:03,000\nC: Hi\n",
		"transcript_id,utterance_id,interlocutor,timestamp,"
		"utterance_text\n1,0,therapist,00:00:01,\"Hello, you\"\n"
		"1,1,client,00:00:03,Hi\n",
		"{\"utterances\": [{\"speaker\": \"therapist\", \"text\": "
		"\"Hello\", \"start\": 0.5}, {\"speaker\": \"client\", "
		"\"text\": \"Hi\"}]}",
	};
	attune_transcript_opts opts;
	attune_transcript *t;
	attune_err err;
	size_t i;
	int rc;

	memset(&opts, 0, sizeof(opts));
	opts.speakers = "Dr Lee=therapist,Sam=client";
	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		t = NULL;
		rc = attune_transcript_parse(inputs[i], strlen(inputs[i]), "t",
		                             &opts, &t, &err);
		attune_transcript_free(t);
		/* cJSON reports its own out-of-memory as a syntax error. */
		if (rc == ATTUNE_EINVAL && failed)
			rc = ATTUNE_ENOMEM;
		if (rc)
			return rc;
	}
	return ATTUNE_OK;
}

/* The session mirror's cue rules (the built-in file), applied to a
 * transcript and summarised. */
static int run_mirror_rules(void)
{
	static const char *const text[6] = {
		"How do you feel about coming here?",
		"I don't know. Whatever you think.",
		"I wonder what's happening between us right now.",
		"You don't understand. This isn't working.",
		"You're right, I pushed too hard. Let's put that aside.",
		"Yes, that's exactly it."
	};
	attune_mirror_rules *r = NULL;
	attune_mirror_marks *mk = NULL;
	attune_mirror_summary *s = NULL;
	attune_utterance u[6];
	attune_err err;
	size_t i;
	int rc;

	memset(u, 0, sizeof(u));
	for (i = 0; i < 6; i++) {
		u[i].speaker = i % 2 ? ATTUNE_SPEAKER_CLIENT :
		               ATTUNE_SPEAKER_THERAPIST;
		u[i].text = text[i];
		u[i].text_len = strlen(text[i]);
		u[i].label = "";
		u[i].start_ms = u[i].end_ms = -1;
	}
	rc = attune_mirror_rules_builtin(&r, &err);
	if (!rc)
		rc = attune_mirror_mark_apply(r, u, 6, NULL, &mk, &err);
	if (!rc)
		rc = attune_mirror_summarise(r, u, 6, NULL, mk, &s, &err);
	if (!rc && s->n_episodes != 1)
		rc = ATTUNE_EINTERNAL;
	attune_mirror_summary_free(s);
	attune_mirror_marks_free(mk);
	attune_mirror_rules_free(r);
	return rc;
}

static void test_oom_mirror_rules(void **state)
{
	(void)state;
	torture(run_mirror_rules, "mirror cue rules + summary");
}

static void test_oom_transcripts(void **state)
{
	(void)state;
	torture(run_transcripts, "transcript readers");
}

static void test_oom_catalog(void **state)
{
	(void)state;
	torture(run_catalog, "catalog + FHIR + wording");
}

static void test_oom_csv(void **state)
{
	(void)state;
	torture(run_csv, "csv");
}

static void test_oom_strbuf(void **state)
{
	(void)state;
	torture(run_strbuf, "strbuf");
}

int main(void)
{
	cJSON_Hooks hooks = {hook_malloc, free};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oom_catalog),
		cmocka_unit_test(test_oom_csv),
		cmocka_unit_test(test_oom_strbuf),
		cmocka_unit_test(test_oom_transcripts),
		cmocka_unit_test(test_oom_mirror_rules),
	};

	cJSON_InitHooks(&hooks);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
