/* test_transcript.c - the transcript readers: golden files for every
 * format (tests/data/transcripts/, input + canonical output or exact
 * error), the same AnnoMI excerpt through every reader, format detection,
 * the speaker map, every limit at and one over, streaming CSV, ownership.
 *
 * Input NAME is checked against NAME.expected (canonical form) or
 * NAME.error ("RC message"). ATTUNE_UPDATE_GOLDEN=1 rewrites the
 * expected files from the current output; review every change by hand
 * before keeping it. */
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "attune/limits.h"
#include "attune/transcript.h"
#include "text/text_check_int.h"
#include "attune/limits.h"

#define KEEP ATTUNE_TRANSCRIPT_KEEP_CUES
#define KNOWN ATTUNE_TRANSCRIPT_KNOWN_LABELS

enum { EACH, PARSE };

static const struct golden {
	const char *input;
	const char *stem;      /* expected file is STEM.expected or
	                          STEM.error; NULL: the input's name */
	int mode;
	attune_transcript_format format;
	const char *speakers;
	unsigned flags;
	size_t split;
} goldens[] = {
	/* plain text */
	{"text-basic.txt", NULL, EACH, 0, NULL, 0, 0},
	{"text-names.txt", NULL, EACH, 0, "Dr Lee=therapist, Sam=client", 0, 0},
	{"text-names.txt", "text-names.txt.known-labels", EACH, 0,
	 "Dr Lee=therapist,Sam=client", KNOWN, 0},
	{"text-timestamps.txt", NULL, EACH, 0, NULL, 0, 0},
	{"text-label-only.txt", NULL, EACH, 0, NULL, 0, 0},
	{"text-preamble.txt", NULL, EACH, 0, NULL, 0, 0},
	{"text-split.txt", NULL, EACH, 0, NULL, 0, 80},
	{"text-split.txt", "text-split.txt.whole", EACH, 0, NULL, 0, 0},
	{"text-crlf-bom.txt", NULL, EACH, 0, NULL, 0, 0},
	{"text-cr.txt", NULL, EACH, 0, NULL, 0, 0},
	{"empty.txt", NULL, PARSE, 0, NULL, 0, 0},
	{"empty.txt", "empty.txt.as-vtt", PARSE, ATTUNE_TRANSCRIPT_VTT, NULL, 0, 0},
	{"blank.txt", NULL, PARSE, 0, NULL, 0, 0},
	{"err-text-utf8.txt", NULL, EACH, 0, NULL, 0, 0},
	{"err-text-nul.txt", NULL, EACH, 0, NULL, 0, 0},
	{"err-text-minutes.txt", NULL, EACH, 0, NULL, 0, 0},
	{"err-text-surrogate.txt", NULL, EACH, 0, NULL, 0, 0},
	{"err-text-overlong.txt", NULL, EACH, 0, NULL, 0, 0},
	/* WebVTT */
	{"vtt-basic.vtt", NULL, EACH, 0, "Dr Lee=therapist,Sam=client", 0, 0},
	{"vtt-basic.vtt", "vtt-basic.vtt.keep-cues", EACH, 0,
	 "Dr Lee=therapist,Sam=client", KEEP, 0},
	{"vtt-prefix.vtt", NULL, EACH, 0, "Dr Lee=therapist,Sam=client", 0, 0},
	{"vtt-prefix.vtt", "vtt-prefix.vtt.keep-cues", EACH, 0,
	 "Dr Lee=therapist,Sam=client", KEEP, 0},
	{"vtt-nested.vtt", NULL, EACH, 0, NULL, 0, 0},
	{"vtt-unordered.vtt", NULL, EACH, 0, NULL, 0, 0},
	{"vtt-crlf-bom.vtt", NULL, EACH, 0, NULL, 0, 0},
	{"err-vtt-minutes.vtt", NULL, EACH, 0, NULL, 0, 0},
	{"err-vtt-header.vtt", NULL, EACH, ATTUNE_TRANSCRIPT_VTT, NULL, 0, 0},
	{"err-vtt-notiming.vtt", NULL, EACH, 0, NULL, 0, 0},
	{"err-vtt-backwards.vtt", NULL, EACH, 0, NULL, 0, 0},
	{"err-vtt-shape.vtt", NULL, EACH, 0, NULL, 0, 0},
	{"err-vtt-deep.vtt", NULL, EACH, 0, NULL, 0, 0},
	/* SRT */
	{"srt-basic.srt", NULL, EACH, 0, NULL, 0, 0},
	{"srt-basic.srt", "srt-basic.srt.keep-cues", EACH, 0, NULL, KEEP, 0},
	{"srt-crlf-bom.srt", NULL, EACH, 0, NULL, 0, 0},
	{"err-srt-seconds.srt", NULL, EACH, 0, NULL, 0, 0},
	{"err-srt-notiming.srt", NULL, EACH, 0, NULL, 0, 0},
	{"err-srt-stray.srt", NULL, EACH, 0, NULL, 0, 0},
	/* CSV */
	{"annomi-excerpt.csv", NULL, EACH, 0, NULL, 0, 0},
	{"csv-minimal.csv", NULL, EACH, 0, NULL, 0, 0},
	{"csv-seconds.csv", NULL, PARSE, 0, NULL, 0, 0},
	{"csv-crlf-bom.csv", NULL, EACH, 0, NULL, 0, 0},
	{"err-csv-split.csv", NULL, EACH, 0, NULL, 0, 0},
	{"err-csv-nocol.csv", NULL, EACH, 0, NULL, 0, 0},
	{"err-csv-timestamp.csv", NULL, EACH, 0, NULL, 0, 0},
	{"err-csv-fields.csv", NULL, EACH, 0, NULL, 0, 0},
	{"err-csv-dup.csv", NULL, EACH, 0, NULL, 0, 0},
	{"err-csv-quote.csv", NULL, EACH, 0, NULL, 0, 0},
	{"err-csv-several.csv", NULL, PARSE, 0, NULL, 0, 0},
	/* JSON */
	{"json-array.json", NULL, EACH, 0, NULL, 0, 0},
	{"json-object.json", NULL, PARSE, 0, NULL, 0, 0},
	{"json-segments.json", NULL, EACH, 0,
	 "SPEAKER_00=therapist,SPEAKER_01=client", 0, 0},
	{"json-records.json", NULL, EACH, 0, NULL, 0, 0},
	{"json-empty.json", NULL, PARSE, 0, NULL, 0, 0},
	{"err-json-syntax.json", NULL, EACH, 0, NULL, 0, 0},
	{"err-json-notext.json", NULL, EACH, 0, NULL, 0, 0},
	{"err-json-backwards.json", NULL, EACH, 0, NULL, 0, 0},
	{"err-json-shape.json", NULL, EACH, 0, NULL, 0, 0},
	{"err-json-trailing.json", NULL, EACH, 0, NULL, 0, 0},
	{"err-json-speaker.json", NULL, EACH, 0, NULL, 0, 0},
	{"err-json-nul.json", NULL, EACH, 0, NULL, 0, 0},
	{"err-json-negative.json", NULL, EACH, 0, NULL, 0, 0},
	{"err-json-element.json", NULL, EACH, 0, NULL, 0, 0},
	/* the AnnoMI excerpt in the other formats */
	{"annomi-t1.txt", NULL, PARSE, 0, NULL, 0, 0},
	{"annomi-t1.json", NULL, PARSE, 0, NULL, 0, 0},
	{"annomi-t1.vtt", NULL, PARSE, 0, NULL, KEEP, 0},
};

/* ---- helpers ------------------------------------------------------------ */

static const char *data_dir(void)
{
	const char *d = getenv("ATTUNE_TEST_DATA");

	return d ? d : "tests/data";
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
	if (buf) {
		buf[len] = '\0';
		*n = (size_t)len;
	}
	return buf;
}

static void spit(const char *path, const char *s, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(s, 1, n, f), n);
	fclose(f);
}

struct acc {
	char *s;
	size_t n;
	size_t count;
	int stop_after;         /* > 0: return 42 after this many */
	attune_transcript *kept;
};

static int append(void *ctx, attune_transcript **t)
{
	struct acc *a = ctx;
	char *c;
	size_t n;

	assert_int_equal(attune_transcript_canonical(*t, &c, &n), 0);
	a->s = realloc(a->s, a->n + n + 1);
	assert_non_null(a->s);
	memcpy(a->s + a->n, c, n + 1);
	a->n += n;
	free(c);
	a->count++;
	if (a->stop_after && (int)a->count == a->stop_after)
		return 42;
	return 0;
}

static const char *rc_name(int rc)
{
	static const char *names[] = {"OK", "EINVAL", "ENOMEM", "EIO",
	                              "ENOTFOUND", "ELIMIT"};

	return rc >= 0 && rc <= 5 ? names[rc] : "OTHER";
}

/* Run one input; *out gets the canonical text or "RC message\n". */
static int run(const char *buf, size_t len, const char *name, int mode,
               const attune_transcript_opts *o, char **out)
{
	struct acc a = {0};
	attune_transcript *t = NULL;
	attune_err err;
	int rc;

	if (mode == PARSE) {
		rc = attune_transcript_parse(buf, len, name, o, &t, &err);
		if (rc == 0) {
			append(&a, &t);
			attune_transcript_free(t);
		}
	} else {
		rc = attune_transcript_each(buf, len, name, o, append, &a, &err);
	}
	if (rc) {
		size_t n = strlen(err.msg) + 16;
		free(a.s);
		a.s = malloc(n);
		assert_non_null(a.s);
		snprintf(a.s, n, "%s %s\n", rc_name(rc), err.msg);
	} else if (!a.s) {
		a.s = calloc(1, 1);
	}
	*out = a.s;
	return rc;
}

/* ---- golden files --------------------------------------------------------- */

static void test_golden(void **state)
{
	const int update = getenv("ATTUNE_UPDATE_GOLDEN") != NULL;
	char path[1024], exp_path[1024], other[1024], stem[256];
	size_t i, len, elen;
	int failed = 0;

	(void)state;
	for (i = 0; i < sizeof(goldens) / sizeof(goldens[0]); i++) {
		const struct golden *g = &goldens[i];
		attune_transcript_opts o = {g->format, g->speakers, g->flags,
		                            g->split};
		char *in, *out, *exp;
		int rc;

		snprintf(path, sizeof(path), "%s/transcripts/%s", data_dir(),
		         g->input);
		in = slurp(path, &len);
		if (!in)
			fail_msg("cannot read %s", path);
		snprintf(stem, sizeof(stem), "%s", g->stem ? g->stem : g->input);
		rc = run(in, len, g->input, g->mode, &o, &out);
		/* The invariants hold under other options too. */
		if (tr_check_input(in, len, g->format))
			fail_msg("%s breaks an invariant (%d)", g->input,
			         tr_check_input(in, len, g->format));
		snprintf(exp_path, sizeof(exp_path), "%s/transcripts/%s.%s",
		         data_dir(), stem, rc ? "error" : "expected");
		snprintf(other, sizeof(other), "%s/transcripts/%s.%s",
		         data_dir(), stem, rc ? "expected" : "error");
		if (update) {
			spit(exp_path, out, strlen(out));
			remove(other);
		}
		exp = slurp(exp_path, &elen);
		if (!exp || strcmp(exp, out) != 0) {
			fprintf(stderr, "golden %s (%s): got\n%s", g->input,
			        exp ? exp_path : "no expected file", out);
			failed++;
		}
		free(exp);
		free(out);
		free(in);
	}
	assert_int_equal(failed, 0);
}

/* Every input in tests/data/transcripts/ is in the table. */
static void test_all_inputs_listed(void **state)
{
	char path[1024];
	struct dirent *e;
	size_t i, n = 0;
	DIR *d;

	(void)state;
	snprintf(path, sizeof(path), "%s/transcripts", data_dir());
	d = opendir(path);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		const char *dot = strrchr(e->d_name, '.');
		int found = 0;
		if (e->d_name[0] == '.' || !dot || !strcmp(dot, ".expected") ||
		    !strcmp(dot, ".error") || !strcmp(dot, ".md") ||
		    !strcmp(dot, ".py"))
			continue;
		for (i = 0; i < sizeof(goldens) / sizeof(goldens[0]); i++)
			if (!strcmp(goldens[i].input, e->d_name))
				found = 1;
		if (!found)
			fprintf(stderr, "not in the golden table: %s\n",
			        e->d_name);
		n += !found;
	}
	closedir(d);
	assert_int_equal(n, 0);
}

/* The first 20 rows of AnnoMI transcript 1 read the same from CSV, plain
 * text, JSON and WebVTT: speaker, text and start time. */
static void test_same_through_every_reader(void **state)
{
	static const char *files[] = {"annomi-t1.txt", "annomi-t1.json",
	                              "annomi-t1.vtt"};
	attune_transcript_opts o = {0};
	attune_transcript *ref = NULL, *t;
	attune_err err;
	char path[1024];
	struct acc a = {0};
	size_t len, i, k;
	char *buf;

	(void)state;
	snprintf(path, sizeof(path), "%s/transcripts/annomi-excerpt.csv",
	         data_dir());
	buf = slurp(path, &len);
	assert_non_null(buf);
	a.stop_after = 1;  /* keep transcript 1 only */
	o.format = ATTUNE_TRANSCRIPT_CSV;
	assert_int_equal(attune_transcript_each(buf, len, "x.csv", &o, append,
	                                        &a, &err), 42);
	free(a.s);
	free(buf);
	/* Again, keeping the transcript this time. */
	buf = slurp(path, &len);
	{
		char *end = strstr(buf, "\n16,");  /* transcript 16 starts */
		assert_non_null(end);
		assert_int_equal(attune_transcript_parse(buf, (size_t)(end - buf)
		                 + 1, "x.csv", NULL, &ref, &err), 0);
	}
	free(buf);
	assert_int_equal(ref->n, 20);
	for (k = 0; k < 3; k++) {
		o.format = ATTUNE_TRANSCRIPT_AUTO;
		o.flags = KEEP;
		snprintf(path, sizeof(path), "%s/transcripts/%s", data_dir(),
		         files[k]);
		buf = slurp(path, &len);
		assert_non_null(buf);
		assert_int_equal(attune_transcript_parse(buf, len, files[k], &o,
		                                         &t, &err), 0);
		assert_int_equal(t->n, ref->n);
		for (i = 0; i < t->n; i++) {
			assert_int_equal(t->u[i].speaker, ref->u[i].speaker);
			assert_string_equal(t->u[i].text, ref->u[i].text);
			assert_int_equal(t->u[i].start_ms, ref->u[i].start_ms);
		}
		attune_transcript_free(t);
		free(buf);
	}
	attune_transcript_free(ref);
}

/* ---- detection and names ---------------------------------------------- */

static void test_detect(void **state)
{
	static const struct {
		const char *s;
		attune_transcript_format f;
	} cases[] = {
		{"WEBVTT\n\n00:01.000 --> 00:02.000\nhi\n", ATTUNE_TRANSCRIPT_VTT},
		{"\xEF\xBB\xBFWEBVTT", ATTUNE_TRANSCRIPT_VTT},
		{"WEBVTTX\n", ATTUNE_TRANSCRIPT_TEXT},
		{"  [ {\"text\": \"a\"} ]", ATTUNE_TRANSCRIPT_JSON},
		{"[]", ATTUNE_TRANSCRIPT_JSON},
		{"{\"utterances\": []}", ATTUNE_TRANSCRIPT_JSON},
		{"[00:00:05] T: hello", ATTUNE_TRANSCRIPT_TEXT},
		{"1\n00:00:01,000 --> 00:00:02,000\nhi", ATTUNE_TRANSCRIPT_SRT},
		{"1\r\n00:00:01,000 --> 00:00:02,000\r\n", ATTUNE_TRANSCRIPT_SRT},
		{"00:00:01,000 --> 00:00:02,000\nhi", ATTUNE_TRANSCRIPT_SRT},
		{"T: I went --> there\n", ATTUNE_TRANSCRIPT_TEXT},
		{"transcript_id,Utterance_Text,interlocutor\n",
		 ATTUNE_TRANSCRIPT_CSV},
		{"utterance_text\n", ATTUNE_TRANSCRIPT_TEXT},
		{"T: utterance_text, the column\n", ATTUNE_TRANSCRIPT_CSV},
		{"T: hello\nC: hi\n", ATTUNE_TRANSCRIPT_TEXT},
		{"", ATTUNE_TRANSCRIPT_TEXT},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (attune_transcript_detect(cases[i].s, strlen(cases[i].s)) !=
		    cases[i].f)
			fail_msg("detect case %zu: %s", i, cases[i].s);
}

static void test_names(void **state)
{
	attune_transcript_format f;

	(void)state;
	assert_string_equal(attune_speaker_name(ATTUNE_SPEAKER_THERAPIST),
	                    "therapist");
	assert_string_equal(attune_speaker_name(ATTUNE_SPEAKER_CLIENT),
	                    "client");
	assert_string_equal(attune_speaker_name(ATTUNE_SPEAKER_OTHER), "other");
	assert_string_equal(attune_speaker_name((attune_speaker)9), "other");
	assert_int_equal(attune_transcript_format_from_name("WebVTT", &f), 0);
	assert_int_equal(f, ATTUNE_TRANSCRIPT_VTT);
	assert_string_equal(attune_transcript_format_name(f), "vtt");
	assert_int_equal(attune_transcript_format_from_name("txt", &f), 0);
	assert_string_equal(attune_transcript_format_name(f), "text");
	assert_int_equal(attune_transcript_format_from_name("docx", &f),
	                 ATTUNE_EINVAL);
	assert_int_equal(attune_transcript_format_from_name(NULL, &f),
	                 ATTUNE_EINVAL);
	assert_string_equal(attune_transcript_format_name(ATTUNE_TRANSCRIPT_AUTO),
	                    "auto");
}

/* ---- speaker map ------------------------------------------------------- */

static int parse_str(const char *s, const attune_transcript_opts *o,
                     attune_transcript **t, attune_err *err)
{
	return attune_transcript_parse(s, strlen(s), "t.txt", o, t, err);
}

static void expect_err(const char *s, const attune_transcript_opts *o,
                       int rc, const char *msg)
{
	attune_transcript *t = NULL;
	attune_err err;
	int got = parse_str(s, o, &t, &err);

	if (got != rc || strcmp(err.msg, msg) != 0)
		fail_msg("got %d '%s', want %d '%s'", got, got ? err.msg : "",
		         rc, msg);
	assert_null(t);
}

static void test_speaker_map(void **state)
{
	attune_transcript_opts o = {0};
	attune_transcript *t;
	attune_err err;
	char map[4096], name[128];
	size_t i, off;

	(void)state;
	o.speakers = "Sam=patient";
	expect_err("T: hi", &o, ATTUNE_EINVAL, "speaker map: role 'patient' of "
	           "'Sam' is not therapist, client or other");
	o.speakers = "Sam";
	expect_err("T: hi", &o, ATTUNE_EINVAL, "speaker map: 'Sam' has no "
	           "'=role' (write NAME=therapist, NAME=client or NAME=other)");
	o.speakers = "=client";
	expect_err("T: hi", &o, ATTUNE_EINVAL,
	           "speaker map: empty name before '=client'");
	o.speakers = "Sam=c,sam=t";
	expect_err("T: hi", &o, ATTUNE_EINVAL,
	           "speaker map: 'sam' is named twice");
	/* Map names beat role words; roles t/c/other; a trailing comma. */
	o.speakers = " C = therapist , Bo=other,Al=c,";
	assert_int_equal(parse_str("c: hi\nBO: yo\nal: hey\nT: x\n", &o, &t,
	                           &err), 0);
	assert_int_equal(t->n, 4);
	assert_int_equal(t->u[0].speaker, ATTUNE_SPEAKER_THERAPIST);
	assert_int_equal(t->u[1].speaker, ATTUNE_SPEAKER_OTHER);
	assert_string_equal(t->u[1].label, "BO");
	assert_int_equal(t->u[2].speaker, ATTUNE_SPEAKER_CLIENT);
	assert_int_equal(t->u[3].speaker, ATTUNE_SPEAKER_THERAPIST);
	attune_transcript_free(t);

	/* ATTUNE_SPEAKER_MAP_MAX names, then one more. */
	for (i = 0, off = 0; i < ATTUNE_SPEAKER_MAP_MAX; i++)
		off += (size_t)snprintf(map + off, sizeof(map) - off,
		                        "%sN%zu=client", i ? "," : "", i);
	o.speakers = map;
	assert_int_equal(parse_str("N31: hi", &o, &t, &err), 0);
	assert_int_equal(t->u[0].speaker, ATTUNE_SPEAKER_CLIENT);
	attune_transcript_free(t);
	snprintf(map + off, sizeof(map) - off, ",N99=t");
	expect_err("T: hi", &o, ATTUNE_ELIMIT, "speaker map: more than "
	           "ATTUNE_SPEAKER_MAP_MAX (32) names");

	/* A name of ATTUNE_SPEAKER_LABEL_MAX bytes, then one more. */
	memset(name, 'a', ATTUNE_SPEAKER_LABEL_MAX);
	snprintf(map, sizeof(map), "%.*s=therapist\n",
	         (int)ATTUNE_SPEAKER_LABEL_MAX, name);
	map[strlen(map) - 1] = '\0';
	{
		char line[256];
		snprintf(line, sizeof(line), "%.*s: long name\n",
		         (int)ATTUNE_SPEAKER_LABEL_MAX, name);
		assert_int_equal(parse_str(line, &o, &t, &err), 0);
		assert_int_equal(t->n, 1);
		assert_int_equal(t->u[0].speaker, ATTUNE_SPEAKER_THERAPIST);
		assert_string_equal(t->u[0].text, "long name");
		attune_transcript_free(t);
	}
	snprintf(map, sizeof(map), "%.*s=therapist",
	         (int)ATTUNE_SPEAKER_LABEL_MAX + 1, "aaaaaaaaaaaaaaaaaaaaaaaaaaa"
	         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	expect_err("T: hi", &o, ATTUNE_ELIMIT, "speaker map: name "
	           "'aaaaaaaaaaaaaaaaaaaa...' longer than "
	           "ATTUNE_SPEAKER_LABEL_MAX (64 bytes)");
}

/* ---- limits -------------------------------------------------------------- */

/* "PREFIX" + n times 'x' + "SUFFIX" in a fresh buffer. */
static char *make(const char *prefix, size_t n, const char *suffix,
                  size_t *len)
{
	size_t a = strlen(prefix), c = strlen(suffix);
	char *s = malloc(a + n + c + 1);

	assert_non_null(s);
	memcpy(s, prefix, a);
	memset(s + a, 'x', n);
	memcpy(s + a + n, suffix, c + 1);
	*len = a + n + c;
	return s;
}

static void expect_buf(const char *s, size_t len, attune_transcript_format f,
                       int rc, const char *msg, size_t n_utt)
{
	attune_transcript_opts o = {0};
	attune_transcript *t = NULL;
	attune_err err;
	int got;

	o.format = f;
	got = attune_transcript_parse(s, len, "lim", &o, &t, &err);
	if (got != rc || (rc && strcmp(err.msg, msg) != 0))
		fail_msg("format %d: got %d '%s', want %d '%s'", (int)f, got,
		         got ? err.msg : "", rc, msg ? msg : "");
	if (!rc)
		assert_int_equal(t->n, n_utt);
	attune_transcript_free(t);
}

static void test_limit_utterance_length(void **state)
{
	static const struct {
		attune_transcript_format f;
		const char *pre, *post, *msg;
	} fmts[] = {
		{ATTUNE_TRANSCRIPT_TEXT, "C: hi\nT: ", "\n",
		 "lim:2: utterance longer than ATTUNE_UTTERANCE_TEXT_MAX (65536 "
		 "bytes)"},
		{ATTUNE_TRANSCRIPT_VTT, "WEBVTT\n\n00:01.000 --> 00:02.000\n"
		 "<v T>", "</v>\n",
		 "lim:4: utterance longer than ATTUNE_UTTERANCE_TEXT_MAX (65536 "
		 "bytes)"},
		{ATTUNE_TRANSCRIPT_SRT, "1\n00:00:01,000 --> 00:00:02,000\nT: ",
		 "\n", "lim:3: utterance longer than ATTUNE_UTTERANCE_TEXT_MAX "
		 "(65536 bytes)"},
		{ATTUNE_TRANSCRIPT_JSON, "[\n{\"speaker\": \"T\", \"text\": \"",
		 "\"}]", "lim:2: utterance longer than ATTUNE_UTTERANCE_TEXT_MAX "
		 "(65536 bytes)"},
	};
	size_t k, len;
	char *s;

	(void)state;
	for (k = 0; k < sizeof(fmts) / sizeof(fmts[0]); k++) {
		s = make(fmts[k].pre, ATTUNE_UTTERANCE_TEXT_MAX, fmts[k].post,
		         &len);
		expect_buf(s, len, fmts[k].f, 0, NULL,
		           fmts[k].f == ATTUNE_TRANSCRIPT_TEXT ? 2 : 1);
		free(s);
		s = make(fmts[k].pre, ATTUNE_UTTERANCE_TEXT_MAX + 1,
		         fmts[k].post, &len);
		expect_buf(s, len, fmts[k].f, ATTUNE_ELIMIT, fmts[k].msg, 0);
		free(s);
	}
	/* Continuation lines count after joining: 2 x 32767 + 1 space + 1. */
	{
		size_t half = ATTUNE_UTTERANCE_TEXT_MAX / 2 - 1, a, b;
		char *l1 = make("T: ", half, "\n", &a);
		char *l2 = make("", half + 1, "\n", &b);
		s = malloc(a + b + 2);
		memcpy(s, l1, a);
		memcpy(s + a, l2, b + 1);
		expect_buf(s, a + b, ATTUNE_TRANSCRIPT_TEXT, 0, NULL, 1);
		s[a + b - 1] = 'x';  /* one byte more */
		s[a + b] = '\n';
		expect_buf(s, a + b + 1, ATTUNE_TRANSCRIPT_TEXT, ATTUNE_ELIMIT,
		           "lim:1: utterance longer than "
		           "ATTUNE_UTTERANCE_TEXT_MAX (65536 bytes)", 0);
		free(s);
		free(l1);
		free(l2);
	}
}

static void test_limit_labels(void **state)
{
	char buf[512], name[128];
	const size_t M = ATTUNE_SPEAKER_LABEL_MAX;

	(void)state;
	memset(name, 'A', sizeof(name));
	/* WebVTT voice names. */
	snprintf(buf, sizeof(buf), "WEBVTT\n\n00:01.000 --> 00:02.000\n"
	         "<v %.*s>hi</v>\n", (int)M, name);
	expect_buf(buf, strlen(buf), 0, 0, NULL, 1);
	snprintf(buf, sizeof(buf), "WEBVTT\n\n00:01.000 --> 00:02.000\n"
	         "<v %.*s>hi</v>\n", (int)M + 1, name);
	expect_buf(buf, strlen(buf), 0, ATTUNE_ELIMIT, "lim:4: speaker label "
	           "longer than ATTUNE_SPEAKER_LABEL_MAX (64 bytes)", 0);
	/* "&amp;" counts as the one byte it decodes to. */
	snprintf(buf, sizeof(buf), "WEBVTT\n\n00:01.000 --> 00:02.000\n"
	         "<v %.*s&amp;>hi</v>\n", (int)M - 1, name);
	expect_buf(buf, strlen(buf), 0, 0, NULL, 1);
	/* CSV interlocutor and JSON speaker. */
	snprintf(buf, sizeof(buf), "interlocutor,utterance_text\n%.*s,hi\n",
	         (int)M, name);
	expect_buf(buf, strlen(buf), 0, 0, NULL, 1);
	snprintf(buf, sizeof(buf), "interlocutor,utterance_text\n%.*s,hi\n",
	         (int)M + 1, name);
	expect_buf(buf, strlen(buf), 0, ATTUNE_ELIMIT, "lim:2: speaker label "
	           "longer than ATTUNE_SPEAKER_LABEL_MAX (64 bytes)", 0);
	snprintf(buf, sizeof(buf), "[{\"speaker\": \"%.*s\", \"text\": \"a\"}]",
	         (int)M, name);
	expect_buf(buf, strlen(buf), 0, 0, NULL, 1);
	snprintf(buf, sizeof(buf), "[{\"speaker\": \"%.*s\", \"text\": \"a\"}]",
	         (int)M + 1, name);
	expect_buf(buf, strlen(buf), 0, ATTUNE_ELIMIT, "lim:1: speaker label "
	           "longer than ATTUNE_SPEAKER_LABEL_MAX (64 bytes)", 0);
	/* Plain text: a 64-byte name is a label, a 65-byte one is text. */
	snprintf(buf, sizeof(buf), "%.*s: hi\n", (int)M, name);
	{
		attune_transcript *t;
		attune_err err;
		assert_int_equal(parse_str(buf, NULL, &t, &err), 0);
		assert_int_equal(strlen(t->u[0].label), M);
		attune_transcript_free(t);
		snprintf(buf, sizeof(buf), "%.*s: hi\n", (int)M + 1, name);
		assert_int_equal(parse_str(buf, NULL, &t, &err), 0);
		assert_string_equal(t->u[0].label, "");
		attune_transcript_free(t);
	}
}

static void test_limit_voice_depth(void **state)
{
	char buf[512];
	size_t i, off;

	(void)state;
	off = (size_t)snprintf(buf, sizeof(buf),
	                       "WEBVTT\n\n00:01.000 --> 00:02.000\n");
	for (i = 0; i < ATTUNE_VOICE_DEPTH_MAX; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
		                        "<v S%zu>w%zu ", i, i);
	snprintf(buf + off, sizeof(buf) - off, "\n");
	expect_buf(buf, strlen(buf), 0, 0, NULL, ATTUNE_VOICE_DEPTH_MAX);
	snprintf(buf + off, sizeof(buf) - off, "<v S9>deeper\n");
	expect_buf(buf, strlen(buf), 0, ATTUNE_ELIMIT, "lim:4: voice tags "
	           "nested deeper than ATTUNE_VOICE_DEPTH_MAX (8)", 0);
}

static void test_limit_ids(void **state)
{
	char buf[512], id[128];
	const int M = ATTUNE_ID_MAX;

	(void)state;
	memset(id, '7', sizeof(id));
	snprintf(buf, sizeof(buf), "transcript_id,utterance_id,interlocutor,"
	         "utterance_text\n%.*s,%.*s,T,a\n", M, id, M, id);
	expect_buf(buf, strlen(buf), 0, 0, NULL, 1);
	snprintf(buf, sizeof(buf), "transcript_id,utterance_id,interlocutor,"
	         "utterance_text\n%.*s,1,T,a\n", M + 1, id);
	expect_buf(buf, strlen(buf), 0, ATTUNE_ELIMIT, "lim:2: transcript_id "
	           "longer than ATTUNE_ID_MAX (64 bytes)", 0);
	snprintf(buf, sizeof(buf), "transcript_id,utterance_id,interlocutor,"
	         "utterance_text\n1,%.*s,T,a\n", M + 1, id);
	expect_buf(buf, strlen(buf), 0, ATTUNE_ELIMIT, "lim:2: utterance_id "
	           "longer than ATTUNE_ID_MAX (64 bytes)", 0);
	snprintf(buf, sizeof(buf), "{\"transcript_id\": \"%.*s\", \"utterances\":"
	         " [{\"utterance_id\": \"%.*s\", \"text\": \"a\"}]}", M, id, M,
	         id);
	expect_buf(buf, strlen(buf), 0, 0, NULL, 1);
	snprintf(buf, sizeof(buf), "{\"transcript_id\": \"%.*s\", \"utterances\":"
	         " [{\"text\": \"a\"}]}", M + 1, id);
	expect_buf(buf, strlen(buf), 0, ATTUNE_ELIMIT, "lim:1: transcript_id "
	           "longer than ATTUNE_ID_MAX (64 bytes)", 0);
	snprintf(buf, sizeof(buf), "[{\"utterance_id\": \"%.*s\", \"text\": "
	         "\"a\"}]", M + 1, id);
	expect_buf(buf, strlen(buf), 0, ATTUNE_ELIMIT, "lim:1: utterance_id "
	           "longer than ATTUNE_ID_MAX (64 bytes)", 0);
}

static void test_limit_time(void **state)
{
	static const char *ok[] = {
		"WEBVTT\n\n100:00:00.000 --> 100:00:00.000\nT: a\n",
		"1\n99:59:59,999 --> 100:00:00,000\nT: a\n",
		"interlocutor,utterance_text,timestamp\nT,a,360000\n",
		"interlocutor,utterance_text,timestamp\nT,a,100:00:00\n",
		"[{\"text\": \"a\", \"start\": 360000}]",
		"[{\"text\": \"a\", \"start\": \"100:00:00.000\"}]",
		"[100:00:00] T: a\n",
	};
	static const struct {
		const char *s, *msg;
	} over[] = {
		{"WEBVTT\n\n00:00.000 --> 100:00:00.001\nT: a\n",
		 "lim:3: timestamp '100:00:00.001' is above "
		 "ATTUNE_TRANSCRIPT_TIME_MAX_MS (100 hours)"},
		{"1\n00:00:00,000 --> 100:00:01,000\nT: a\n",
		 "lim:2: timestamp '100:00:01,000' is above "
		 "ATTUNE_TRANSCRIPT_TIME_MAX_MS (100 hours)"},
		{"interlocutor,utterance_text,timestamp\nT,a,360000.001\n",
		 "lim:2: timestamp '360000.001' is above "
		 "ATTUNE_TRANSCRIPT_TIME_MAX_MS (100 hours)"},
		{"[{\"text\": \"a\", \"start\": 360000.001}]",
		 "lim:1: \"start\" is above ATTUNE_TRANSCRIPT_TIME_MAX_MS "
		 "(100 hours)"},
		{"[{\"text\": \"a\", \"end\": \"100:00:01\"}]",
		 "lim:1: \"end\": timestamp '100:00:01' is above "
		 "ATTUNE_TRANSCRIPT_TIME_MAX_MS (100 hours)"},
		{"[100:00:00.001] T: a\n",
		 "lim:1: timestamp '100:00:00.001' is above "
		 "ATTUNE_TRANSCRIPT_TIME_MAX_MS (100 hours)"},
		{"interlocutor,utterance_text,timestamp\nT,a,9999999999999\n",
		 "lim:2: timestamp '9999999999999' is above "
		 "ATTUNE_TRANSCRIPT_TIME_MAX_MS (100 hours)"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		expect_buf(ok[i], strlen(ok[i]), 0, 0, NULL, 1);
	for (i = 0; i < sizeof(over) / sizeof(over[0]); i++)
		expect_buf(over[i].s, strlen(over[i].s), 0, ATTUNE_ELIMIT,
		           over[i].msg, 0);
}

static void test_limit_utterances(void **state)
{
	const size_t M = ATTUNE_TRANSCRIPT_UTTERANCES_MAX;
	char *s, *p;
	size_t i;
	char msg[128];

	(void)state;
	/* Plain text: "T: x\n" per utterance. */
	s = malloc((M + 1) * 5 + 1);
	assert_non_null(s);
	for (i = 0, p = s; i < M + 1; i++, p += 5)
		memcpy(p, i % 2 ? "C: x\n" : "T: x\n", 5);
	expect_buf(s, M * 5, ATTUNE_TRANSCRIPT_TEXT, 0, NULL, M);
	snprintf(msg, sizeof(msg), "lim:%zu: more than "
	         "ATTUNE_TRANSCRIPT_UTTERANCES_MAX (%zu) utterances", M + 1, M);
	expect_buf(s, (M + 1) * 5, ATTUNE_TRANSCRIPT_TEXT, ATTUNE_ELIMIT, msg,
	           0);
	free(s);
	/* CSV: "T,x\n" per row after the header. */
	s = malloc(32 + (M + 1) * 4);
	assert_non_null(s);
	memcpy(s, "interlocutor,utterance_text\n", 28);
	for (i = 0, p = s + 28; i < M + 1; i++, p += 4)
		memcpy(p, "T,x\n", 4);
	expect_buf(s, 28 + M * 4, ATTUNE_TRANSCRIPT_CSV, 0, NULL, M);
	snprintf(msg, sizeof(msg), "lim:%zu: more than "
	         "ATTUNE_TRANSCRIPT_UTTERANCES_MAX (%zu) utterances", M + 2, M);
	expect_buf(s, 28 + (M + 1) * 4, ATTUNE_TRANSCRIPT_CSV, ATTUNE_ELIMIT,
	           msg, 0);
	free(s);
}

static void test_limit_size(void **state)
{
	const size_t M = ATTUNE_TRANSCRIPT_SIZE_MAX;
	char *s = malloc(M + 2);
	size_t i;

	(void)state;
	assert_non_null(s);
	/* Exactly 16 MiB: lines of 256 bytes, "T: " and 252 bytes of text
	 * (65536 utterances, under both other limits). */
	for (i = 0; i < M; i++)
		s[i] = (i % 256 == 255) ? '\n' :
		       (i % 256 < 3 ? "T: "[i % 256] : 'y');
	expect_buf(s, M, ATTUNE_TRANSCRIPT_TEXT, 0, NULL, M / 256);
	s[M] = '\n';
	expect_buf(s, M + 1, ATTUNE_TRANSCRIPT_TEXT, ATTUNE_ELIMIT,
	           "lim:65537: input longer than ATTUNE_TRANSCRIPT_SIZE_MAX "
	           "(16777216 bytes)", 0);
	free(s);
}

struct chunks_big {
	char *s;
	size_t n, off;
};

static long read_big(void *ctx, char *buf, size_t n)
{
	struct chunks_big *c = ctx;
	size_t k = c->n - c->off;

	if (k > n)
		k = n;
	memcpy(buf, c->s + c->off, k);
	c->off += k;
	return (long)k;
}

static int drop(void *ctx, attune_transcript **t)
{
	*(size_t *)ctx += (*t)->n;
	return 0;
}

/* A CSV stream has no size limit, but one transcript's text has: 256
 * rows of 65534 bytes and one of 512 make exactly 16 MiB. */
static void test_limit_stream_text(void **state)
{
	const size_t M = ATTUNE_TRANSCRIPT_SIZE_MAX, big = 65534;
	size_t len, i, n;
	struct chunks_big c;
	attune_csv *csv;
	attune_err err;
	char *s, *p;
	int last;

	(void)state;
	for (last = 512; last <= 513; last++) {
		len = 28 + 256 * (big + 3) + (size_t)last + 3;
		s = malloc(len + 1);
		assert_non_null(s);
		memcpy(s, "interlocutor,utterance_text\n", 28);
		for (i = 0, p = s + 28; i < 257; i++) {
			size_t k = i < 256 ? big : (size_t)last;
			memcpy(p, "T,", 2);
			memset(p + 2, 'z', k);
			p[2 + k] = '\n';
			p += k + 3;
		}
		assert_int_equal((size_t)(p - s), len);
		assert_int_equal(256 * big + 512, M);
		c.s = s;
		c.n = len;
		c.off = 0;
		assert_int_equal(attune_csv_open(read_big, &c, "big.csv", &csv), 0);
		n = 0;
		if (last == 512) {
			assert_int_equal(attune_transcript_read_csv(csv, NULL, drop,
			                                            &n, &err), 0);
			assert_int_equal(n, 257);
		} else {
			assert_int_equal(attune_transcript_read_csv(csv, NULL, drop,
			                                            &n, &err),
			                 ATTUNE_ELIMIT);
			assert_string_equal(err.msg, "big.csv:258: transcript text "
			                    "longer than ATTUNE_TRANSCRIPT_SIZE_MAX "
			                    "(16777216 bytes)");
		}
		attune_csv_close(csv);
		free(s);
	}
}

/* ---- behaviour ------------------------------------------------------------- */

static void test_split(void **state)
{
	attune_transcript_opts o = {0};
	attune_transcript *t;
	attune_err err;

	(void)state;
	o.split_len = 10;
	assert_int_equal(parse_str("T: One. Two! Three? Four.\nC: Short.\n", &o,
	                           &t, &err), 0);
	assert_int_equal(t->n, 4);
	assert_string_equal(t->u[0].text, "One. Two!");
	assert_string_equal(t->u[1].text, "Three?");
	assert_string_equal(t->u[2].text, "Four.");
	assert_int_equal(t->u[2].turn, 0);
	assert_int_equal(t->u[3].turn, 1);
	assert_string_equal(t->u[3].text, "Short.");
	attune_transcript_free(t);
	/* No sentence end within the limit: cut at the first one after. */
	assert_int_equal(parse_str("T: A long first sentence. Next.\n", &o,
	                           &t, &err), 0);
	assert_int_equal(t->n, 2);
	assert_string_equal(t->u[0].text, "A long first sentence.");
	assert_string_equal(t->u[1].text, "Next.");
	attune_transcript_free(t);
	/* Quotes close a sentence; CSV rows are never split. */
	assert_int_equal(parse_str("T: He said \"stop.\" Then he left.\n", &o,
	                           &t, &err), 0);
	assert_int_equal(t->n, 2);
	assert_string_equal(t->u[0].text, "He said \"stop.\"");
	attune_transcript_free(t);
	assert_int_equal(parse_str("interlocutor,utterance_text\nT,One. Two. "
	                           "Three. Four.\n", &o, &t, &err), 0);
	assert_int_equal(t->n, 1);
	attune_transcript_free(t);
}

static void test_callback_and_ownership(void **state)
{
	const char *csv = "transcript_id,interlocutor,utterance_text\n"
	                  "a,T,1\na,C,2\nb,T,3\nc,C,4\n";
	struct acc a = {0};
	attune_err err;

	(void)state;
	/* Stop after the second transcript: the rc comes back. */
	a.stop_after = 2;
	assert_int_equal(attune_transcript_each(csv, strlen(csv), "x.csv", NULL,
	                                        append, &a, &err), 42);
	assert_int_equal(a.count, 2);
	free(a.s);
	memset(&a, 0, sizeof(a));
	assert_int_equal(attune_transcript_each(csv, strlen(csv), "x.csv", NULL,
	                                        append, &a, &err), 0);
	assert_int_equal(a.count, 3);
	assert_string_equal(a.s,
	                    "transcript\ta\tcsv\t2\t0\n"
	                    "2\t0\ttherapist\tT\t-\t-\t\t1\n"
	                    "3\t1\tclient\tC\t-\t-\t\t2\n"
	                    "transcript\tb\tcsv\t1\t0\n"
	                    "4\t0\ttherapist\tT\t-\t-\t\t3\n"
	                    "transcript\tc\tcsv\t1\t0\n"
	                    "5\t0\tclient\tC\t-\t-\t\t4\n");
	free(a.s);
}

static attune_transcript *kept[4];
static size_t n_kept;

static int keep_all(void *ctx, attune_transcript **t)
{
	(void)ctx;
	kept[n_kept++] = *t;
	*t = NULL;  /* hand-off: the reader must not free it */
	return 0;
}

struct chunks {
	const char *s;
	size_t n, off;
};

static long read_chunk(void *ctx, char *buf, size_t n)
{
	struct chunks *c = ctx;
	size_t k = c->n - c->off;

	if (k > 7)
		k = 7;  /* tiny reads: records cross chunk ends */
	if (k > n)
		k = n;
	memcpy(buf, c->s + c->off, k);
	c->off += k;
	return (long)k;
}

static void test_read_csv_stream(void **state)
{
	const char *s = "\xEF\xBB\xBFtranscript_id,interlocutor,utterance_text\n"
	                "1,therapist,\"first, with a comma\"\n"
	                "1,client,second\n"
	                "2,therapist,third\n";
	struct chunks c = {s, strlen(s), 0};
	attune_csv *csv;
	attune_err err;
	size_t i;

	(void)state;
	assert_int_equal(attune_csv_open(read_chunk, &c, "stream.csv", &csv), 0);
	n_kept = 0;
	assert_int_equal(attune_transcript_read_csv(csv, NULL, keep_all, NULL,
	                                            &err), 0);
	attune_csv_close(csv);
	assert_int_equal(n_kept, 2);
	assert_string_equal(kept[0]->name, "stream.csv");
	assert_string_equal(kept[0]->id, "1");
	assert_int_equal(kept[0]->n, 2);
	assert_string_equal(kept[0]->u[0].text, "first, with a comma");
	assert_int_equal(kept[0]->format, ATTUNE_TRANSCRIPT_CSV);
	assert_string_equal(kept[1]->id, "2");
	assert_string_equal(kept[1]->u[0].text, "third");
	for (i = 0; i < n_kept; i++)
		attune_transcript_free(kept[i]);
	/* Errors come from the CSV reader with its name and line. */
	s = "interlocutor,utterance_text\nT,\"open\n";
	c.s = s;
	c.n = strlen(s);
	c.off = 0;
	assert_int_equal(attune_csv_open(read_chunk, &c, "stream.csv", &csv), 0);
	n_kept = 0;
	assert_int_equal(attune_transcript_read_csv(csv, NULL, keep_all, NULL,
	                                            &err), ATTUNE_EINVAL);
	assert_string_equal(err.msg, "stream.csv:2: unterminated quoted field "
	                    "(the quote opens on this line)");
	attune_csv_close(csv);
	assert_int_equal(n_kept, 0);
}

static void test_canonical_escapes(void **state)
{
	const char *js = "{\"transcript_id\": \"a\\tb\", \"utterances\": ["
	                 "{\"speaker\": \"T\\\\x\", \"text\": \"tab\\there, "
	                 "bell\\u0007, back\\\\slash\", \"utterance_id\": "
	                 "\"u\\u001f\"}]}";
	attune_transcript *t;
	attune_err err;
	char *c;
	size_t n;

	(void)state;
	assert_int_equal(attune_transcript_parse(js, strlen(js), "e.json", NULL,
	                                         &t, &err), 0);
	assert_int_equal(attune_transcript_canonical(t, &c, &n), 0);
	assert_string_equal(c, "transcript\ta\\tb\tjson\t1\t0\n"
	                    "1\t0\tother\tT\\\\x\t-\t-\tu\\x1f\t"
	                    "tab\\there, bell\\x07, back\\\\slash\n");
	assert_int_equal(n, strlen(c));
	free(c);
	attune_transcript_free(t);
}

static void test_null_and_defaults(void **state)
{
	attune_transcript *t;
	attune_err err;

	(void)state;
	/* No buffer, no name, no options. */
	assert_int_equal(attune_transcript_parse(NULL, 0, NULL, NULL, &t, &err),
	                 0);
	assert_int_equal(t->n, 0);
	assert_null(t->u);
	assert_string_equal(t->name, "(input)");
	assert_int_equal(t->format, ATTUNE_TRANSCRIPT_TEXT);
	attune_transcript_free(t);
	attune_transcript_free(NULL);
	/* err may be NULL. */
	assert_int_equal(attune_transcript_parse("\xff", 1, "x", NULL, &t, NULL),
	                 ATTUNE_EINVAL);
	assert_null(t);
	/* A header and no rows, with or without transcript_id. */
	assert_int_equal(parse_str("transcript_id,interlocutor,utterance_text\n",
	                           NULL, &t, &err), 0);
	assert_int_equal(t->n, 0);
	assert_null(t->id);
	attune_transcript_free(t);
	assert_int_equal(parse_str("interlocutor,utterance_text\n", NULL, &t,
	                           &err), 0);
	assert_int_equal(t->n, 0);
	assert_int_equal(t->format, ATTUNE_TRANSCRIPT_CSV);
	attune_transcript_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_all_inputs_listed),
		cmocka_unit_test(test_same_through_every_reader),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_speaker_map),
		cmocka_unit_test(test_limit_utterance_length),
		cmocka_unit_test(test_limit_labels),
		cmocka_unit_test(test_limit_voice_depth),
		cmocka_unit_test(test_limit_ids),
		cmocka_unit_test(test_limit_time),
		cmocka_unit_test(test_limit_utterances),
		cmocka_unit_test(test_limit_size),
		cmocka_unit_test(test_limit_stream_text),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_callback_and_ownership),
		cmocka_unit_test(test_read_csv_stream),
		cmocka_unit_test(test_canonical_escapes),
		cmocka_unit_test(test_null_and_defaults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
