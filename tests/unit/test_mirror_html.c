/* test_mirror_html.c - the session mirror's HTML drawing (mirror_html.h),
 * shared by the web page and the command line: markup in a transcript
 * stays text in the summary, the timeline and the cues; episodes are
 * shaded and repairs marked; turns are numbered from 1 with their line;
 * bad arguments are ATTUNE_EINVAL with nothing allocated. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "attune/mirror_html.h"

/* A made-up session (the rupture and repair of tests/data/mirror's
 * rupture.txt, shortened) with markup where a reader must not see any. */
static const char session[] =
	"[00:00:03] T: How have you been feeling about that conversation?\n"
	"[00:00:12] C: Fine.\n"
	"[00:00:14] T: What was it like for you, going home?\n"
	"[00:00:21] C: I don't know.\n"
	"[00:00:24] T: I notice you've gone quiet, and I wonder what's "
	"happening for you right now, here with me.\n"
	"[00:00:33] C: Honestly, I felt like I'd said too much last week & "
	"<script>alert('x')</script> I went home and felt exposed, like I'd "
	"betrayed him, and I didn't want to come <b>today</b>.\n";

struct fx {
	attune_transcript *t;
	attune_mirror_model *m;
	attune_mirror_rules *r;
	attune_mirror_result res[16];
	attune_mirror_marks *mk;
	attune_mirror_summary *s;
};

static int setup(void **state)
{
	static struct fx f;
	attune_transcript_opts o;
	attune_err err;

	memset(&f, 0, sizeof(f));
	memset(&o, 0, sizeof(o));
	assert_int_equal(attune_transcript_parse(session, strlen(session),
	                                         "s.txt", &o, &f.t, &err), 0);
	assert_true(f.t->n <= 16);
	assert_int_equal(attune_mirror_model_builtin(&f.m, &err), 0);
	assert_int_equal(attune_mirror_rules_builtin(&f.r, &err), 0);
	assert_int_equal(attune_mirror_code(f.m, f.t->u, f.t->n, f.res, &err),
	                 0);
	assert_int_equal(attune_mirror_mark_apply(f.r, f.t->u, f.t->n, f.res,
	                                          &f.mk, &err), 0);
	assert_int_equal(attune_mirror_summarise(f.r, f.t->u, f.t->n, f.res,
	                                         f.mk, &f.s, &err), 0);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	attune_mirror_summary_free(f->s);
	attune_mirror_marks_free(f->mk);
	attune_mirror_rules_free(f->r);
	attune_mirror_model_free(f->m);
	attune_transcript_free(f->t);
	return 0;
}

static void test_timeline(void **state)
{
	struct fx *f = *state;
	char *z = NULL;
	size_t n = 0;

	assert_int_equal(attune_mirror_html_timeline(f->t, f->res, f->mk, f->s,
	                                             &z, &n), ATTUNE_OK);
	assert_non_null(z);
	assert_int_equal(strlen(z), n);
	/* markup in speech is text */
	assert_null(strstr(z, "<script"));
	assert_null(strstr(z, "<b>"));
	assert_non_null(strstr(z, "&lt;script&gt;alert(&#39;x&#39;)"
	                          "&lt;/script&gt;"));
	assert_non_null(strstr(z, "&lt;b&gt;today&lt;/b&gt;"));
	assert_non_null(strstr(z, "said too much last week &amp; "));
	/* structure: numbered from 1, with line and time */
	assert_true(strncmp(z, "<ol class=\"m-tl\">\n", 18) == 0);
	assert_non_null(strstr(z, "<li id=\"u0\" class=\"m-therapist"));
	assert_non_null(strstr(z, "#1, line 1, 00:00:03, therapist (T)"));
	assert_non_null(strstr(z, "#6, line 6, 00:00:33, client (C)"));
	/* the withdrawal, its cue in quotes, the repair */
	assert_non_null(strstr(z, "class=\"m-client m-ep m-fixed\""));
	assert_non_null(strstr(z, "Rupture episode 1: withdrawal"));
	assert_non_null(strstr(z, "<span class=\"m-cue\">\xe2\x80\x9c"
	                          "I don&#39;t know\xe2\x80\x9d</span>"));
	assert_non_null(strstr(z, "Repair: a relational move"));
	assert_true(n > 6 && strcmp(z + n - 6, "</ol>\n") == 0);
	free(z);
}

static void test_summary(void **state)
{
	struct fx *f = *state;
	char *z = NULL, *w = NULL;

	assert_int_equal(attune_mirror_html_summary(f->t, f->mk, f->s, &z,
	                                            NULL), ATTUNE_OK);
	assert_non_null(strstr(z, "<table class=\"m-sum\">"));
	assert_non_null(strstr(z, "<tr><th>Utterances</th><td>6 (therapist "
	                          "3, client 3)</td></tr>"));
	assert_non_null(strstr(z, "<th>Rupture episodes</th><td>1, 1 "
	                          "repaired</td>"));
	assert_true(f->s->n_moments >= 1);
	assert_int_equal(attune_mirror_moment_why(f->s, f->mk, 0, &w, NULL),
	                 ATTUNE_OK);
	assert_non_null(strstr(w, "episode 1 repaired (withdrawal"));
	assert_non_null(strstr(z, w));       /* the same words, escaped */
	assert_non_null(strstr(z, "<a href=\"#u"));
	free(w);
	free(z);
}

static void test_bad_arguments(void **state)
{
	struct fx *f = *state;
	char *z = (char *)"unchanged";

	assert_int_equal(attune_mirror_html_summary(NULL, f->mk, f->s, &z,
	                                            NULL), ATTUNE_EINVAL);
	assert_null(z);
	z = (char *)"unchanged";
	assert_int_equal(attune_mirror_html_timeline(f->t, f->res, NULL, f->s,
	                                             &z, NULL), ATTUNE_EINVAL);
	assert_null(z);
	assert_int_equal(attune_mirror_moment_why(f->s, f->mk,
	                                          f->s->n_moments, &z, NULL),
	                 ATTUNE_EINVAL);
	assert_null(z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timeline),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
