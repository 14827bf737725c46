/* test_mirror_summary.c - the session analysis on a made-up, hand-coded
 * session of 20 turns: episodes (grouping by gap, dominant type,
 * intensity, response, move, re-engagement, repair), the MITI 4.2.1
 * summary and its bands, talk share by words and by time, change-talk
 * proportion, and the moments list; every expected number worked out by
 * hand in the comments. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "attune/mirror_summary.h"

/* Rules of my own, so the test does not move when the shipped rules
 * grow. */
static const char rules_text[] =
	"attune-mirror-rules 1\n"
	"param episode_gap 4\n"
	"param response_window 6\n"
	"param reengage_window 6\n"
	"param reengage_words 12\n"
	"param moments_max 8\n"
	"rule W\n code withdrawal/minimal\n intensity 1\n any \"fine\"\n"
	"rule W3\n code withdrawal/denial\n intensity 3\n any \"not angry\"\n"
	"rule C\n code confrontation/therapist\n intensity 3\n"
	" any \"you don't get it\"\n"
	"rule M\n code move/immediacy\n any \"between us\"\n"
	"rule E\n code engage/agreement\n any \"that's it\"\n";

/* B = behaviour, S = subcode, K = talk (-1 none) */
static const struct {
	char sp;
	const char *text;
	int b, s, k;
} session[] = {
	/* 0 */ {'T', "How are you?", 0, 0, -1},                 /* 3 words */
	/* 1 */ {'C', "Fine.", -1, -1, 1},                       /* 1, W */
	/* 2 */ {'T', "You seem quiet today.", 1, 2, -1},        /* 4 */
	/* 3 */ {'C', "I'm not angry. You don't get it.", -1, -1, 1},
	                                                          /* 7, W3 C */
	/* 4 */ {'T', "What is happening between us right now?", 0, 0, -1},
	                                                          /* 7, M */
	/* 5 */ {'C', "Yes, that's it, I felt you were rushing me.", -1, -1, 0},
	                                                          /* 9, E */
	/* 6 */ {'T', "You felt rushed and unheard.", 1, 3, -1}, /* 5 */
	/* 7 */ {'C', "My mother used to rush me too.", -1, -1, 1},  /* 7 */
	/* 8 */ {'T', "Okay.", 3, -1, -1},                       /* 1 */
	/* 9 */ {'C', "Fine.", -1, -1, 1},                       /* 1, W */
	/* 10 */ {'T', "Let's look at the plan for Friday.", 2, 5, -1},  /* 7 */
	/* 11 */ {'C', "Fine.", -1, -1, 1},                      /* 1, W */
	/* 12 */ {'T', "The plan matters to you.", 1, 3, -1},    /* 5 */
	/* 13 */ {'C', "I want to drink less on Fridays.", -1, -1, 0},  /* 7 */
	/* 14 */ {'T', "Will you try it?", 0, 1, -1},            /* 4 */
	/* 15 */ {'C', "Maybe not, I like Fridays.", -1, -1, 2}, /* 5 */
	/* 16 */ {'T', "Part of you likes them.", 1, 3, -1},     /* 5 */
	/* 17 */ {'C', "Yes.", -1, -1, 1},                       /* 1 */
	/* 18 */ {'T', "How is it between us today?", 0, 0, -1}, /* 6, M */
	/* 19 */ {'C', "Good.", -1, -1, 1},                      /* 1 */
};
#define N (sizeof(session) / sizeof(session[0]))

static attune_mirror_rules *rules_of(const char *extra)
{
	attune_mirror_rules *r = NULL;
	attune_err err;
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s%s", rules_text, extra ? extra : "");
	if (attune_mirror_rules_parse(buf, strlen(buf), "t.rules", &r, &err))
		fail_msg("%s", err.msg);
	return r;
}

static void build(attune_utterance *u, attune_mirror_result *res)
{
	size_t i;
	int64_t t = 0;

	memset(u, 0, N * sizeof(*u));
	for (i = 0; i < N; i++) {
		int th = session[i].sp == 'T';
		u[i].speaker = th ? ATTUNE_SPEAKER_THERAPIST :
		               ATTUNE_SPEAKER_CLIENT;
		u[i].text = session[i].text;
		u[i].text_len = strlen(session[i].text);
		u[i].label = "";
		u[i].turn = i;
		/* therapist turns last 2 s, client turns 3 s, back to back */
		u[i].start_ms = t;
		t += th ? 2000 : 3000;
		u[i].end_ms = t;
		memset(&res[i], 0, sizeof(res[i]));
		res[i].behaviour = session[i].b;
		res[i].subcode = session[i].s;
		res[i].talk = session[i].k;
	}
}

static attune_mirror_summary *analyse(const attune_mirror_rules *r,
                                      const attune_utterance *u, size_t n,
                                      const attune_mirror_result *res)
{
	attune_mirror_marks *mk = NULL;
	attune_mirror_summary *s = NULL;
	attune_err err;

	assert_int_equal(attune_mirror_mark_apply(r, u, n, res, &mk, &err), 0);
	if (attune_mirror_summarise(r, u, n, res, mk, &s, &err))
		fail_msg("%s", err.msg);
	attune_mirror_marks_free(mk);
	return s;
}

static void test_session(void **state)
{
	attune_mirror_rules *r = rules_of(NULL);
	attune_utterance u[N];
	attune_mirror_result res[N];
	attune_mirror_summary *s;
	const attune_mirror_episode *e;

	(void)state;
	build(u, res);
	s = analyse(r, u, N, res);
	assert_int_equal(s->n_utterances, 20);
	assert_int_equal(s->n_therapist, 10);
	assert_int_equal(s->n_client, 10);
	/* words: therapist 3+4+7+5+1+7+5+4+5+6 = 47, client
	 * 1+7+9+7+1+1+7+5+1+1 = 40; share 47/87 */
	assert_int_equal(s->words_therapist, 47);
	assert_int_equal(s->words_client, 40);
	assert_true(fabs(s->share_words - 47.0 / 87.0) < 1e-12);
	/* time: 10 x 2 s and 10 x 3 s; share 20/50 */
	assert_true(s->has_time);
	assert_int_equal(s->ms_therapist, 20000);
	assert_int_equal(s->ms_client, 30000);
	assert_true(fabs(s->share_time - 0.4) < 1e-12);
	/* MITI: questions 0 4 14 18 (open 0 4 18, closed 14), reflections
	 * 2 6 12 16 (simple 2; complex 6 12 16): R:Q 4/4 = 1 (fair), %CR
	 * 3/4 = 75 % (good); input 10, other 8 */
	assert_int_equal(s->miti.questions, 4);
	assert_int_equal(s->miti.open, 3);
	assert_int_equal(s->miti.closed, 1);
	assert_int_equal(s->miti.reflections, 4);
	assert_int_equal(s->miti.simple, 1);
	assert_int_equal(s->miti.complex, 3);
	assert_int_equal(s->miti.inputs, 1);
	assert_int_equal(s->miti.other, 1);
	assert_true(fabs(s->miti.rq - 1.0) < 1e-12);
	assert_true(fabs(s->miti.pct_complex - 0.75) < 1e-12);
	assert_int_equal(s->miti.rq_band, ATTUNE_BAND_FAIR);
	assert_int_equal(s->miti.cr_band, ATTUNE_BAND_GOOD);
	/* client talk: change 5 13, sustain 15, neutral the other 7:
	 * 2 / (2 + 1) */
	assert_int_equal(s->change, 2);
	assert_int_equal(s->sustain, 1);
	assert_int_equal(s->neutral, 7);
	assert_true(fabs(s->change_prop - 2.0 / 3.0) < 1e-12);
	/* markers: W on 1 9 11, W3 and C on 3 */
	assert_int_equal(s->n_markers[ATTUNE_CUE_WITHDRAWAL], 4);
	assert_int_equal(s->n_markers[ATTUNE_CUE_CONFRONTATION], 1);
	assert_int_equal(s->n_moves, 2);
	assert_int_equal(s->n_episodes, 2);
	assert_int_equal(s->n_repaired, 1);
	/* episode 1: turns 1 and 3 (2 apart <= gap 4); three markers, two
	 * withdrawal: dominant withdrawal, intensity 3 (W3, C); the
	 * therapist answers at 2; the move "between us" at 4; turn 5
	 * agrees ("that's it"): repaired */
	e = &s->episodes[0];
	assert_int_equal(e->first, 1);
	assert_int_equal(e->last, 3);
	assert_int_equal(e->n_turns, 2);
	assert_int_equal(e->n_markers, 3);
	assert_int_equal(e->n_by_type[ATTUNE_CUE_WITHDRAWAL], 2);
	assert_int_equal(e->n_by_type[ATTUNE_CUE_CONFRONTATION], 1);
	assert_int_equal(e->type, ATTUNE_CUE_WITHDRAWAL);
	assert_int_equal(e->intensity, 3);
	assert_int_equal(e->response, 2);
	assert_int_equal(e->move, 4);
	assert_string_equal(e->move_subtype, "immediacy");
	assert_int_equal(e->reengage, 5);
	assert_int_equal(e->reengage_how, ATTUNE_REENGAGE_AGREEMENT);
	assert_true(e->repaired);
	/* episode 2: 9 (6 after 3 > gap: a new one) and 11; intensity 1;
	 * no move in 10..17; change talk at 13 re-engages, but without a
	 * move it is not a repair */
	e = &s->episodes[1];
	assert_int_equal(e->first, 9);
	assert_int_equal(e->last, 11);
	assert_int_equal(e->n_markers, 2);
	assert_int_equal(e->intensity, 1);
	assert_int_equal(e->response, 10);
	assert_int_equal(e->move, ATTUNE_MIRROR_NONE);
	assert_null(e->move_subtype);
	assert_int_equal(e->reengage, 13);
	assert_int_equal(e->reengage_how, ATTUNE_REENGAGE_CHANGE);
	assert_false(e->repaired);
	/* moments, in session order: the repair (4), the unrepaired
	 * rupture (9), the move outside any episode (18 > 11 + 6) */
	assert_int_equal(s->n_moments, 3);
	assert_int_equal(s->moments[0].utterance, 4);
	assert_int_equal(s->moments[0].kind, ATTUNE_MOMENT_REPAIR);
	assert_int_equal(s->moments[0].episode, 0);
	assert_int_equal(s->moments[1].utterance, 9);
	assert_int_equal(s->moments[1].kind, ATTUNE_MOMENT_RUPTURE);
	assert_int_equal(s->moments[2].utterance, 18);
	assert_int_equal(s->moments[2].kind, ATTUNE_MOMENT_MOVE);
	assert_int_equal(s->moments[2].episode, ATTUNE_MIRROR_NONE);
	attune_mirror_summary_free(s);
	attune_mirror_rules_free(r);

	/* moments_max 2 keeps the two ranked first (unrepaired, then
	 * repaired), in session order; episode_gap 6 joins the episodes */
	r = rules_of("param moments_max 2\n");
	s = analyse(r, u, N, res);
	assert_int_equal(s->n_moments, 2);
	assert_int_equal(s->moments[0].utterance, 4);
	assert_int_equal(s->moments[1].utterance, 9);
	attune_mirror_summary_free(s);
	attune_mirror_rules_free(r);
	r = rules_of("param episode_gap 6\n");
	s = analyse(r, u, N, res);
	assert_int_equal(s->n_episodes, 1);
	assert_int_equal(s->episodes[0].last, 11);
	assert_int_equal(s->episodes[0].n_markers, 5);
	attune_mirror_summary_free(s);
	attune_mirror_rules_free(r);
}

static void test_longer_and_no_codes(void **state)
{
	attune_mirror_rules *r = rules_of(NULL);
	attune_mirror_summary *s;
	attune_mirror_marks *mk;
	attune_err err;
	attune_utterance u[5];
	const char *text[5] = {
		"How was the week?",
		"Fine.",
		"What is it like between us right now?",
		/* 14 words, more than the marker turn's 1: longer */
		("Honestly a bit awkward, because last time I left feeling "
		 "you had judged me."),
		"Thank you for telling me."
	};
	size_t i;

	(void)state;
	memset(u, 0, sizeof(u));
	for (i = 0; i < 5; i++) {
		u[i].speaker = i % 2 ? ATTUNE_SPEAKER_CLIENT :
		               ATTUNE_SPEAKER_THERAPIST;
		u[i].text = text[i];
		u[i].text_len = strlen(text[i]);
		u[i].label = "";
		u[i].start_ms = i < 4 ? (int64_t)i * 1000 : -1;
		u[i].end_ms = -1;
	}
	s = analyse(r, u, 5, NULL);
	assert_int_equal(s->n_episodes, 1);
	assert_int_equal(s->episodes[0].move, 2);
	assert_int_equal(s->episodes[0].reengage, 3);
	assert_int_equal(s->episodes[0].reengage_how, ATTUNE_REENGAGE_LONGER);
	assert_true(s->episodes[0].repaired);
	/* no codes: no MITI counts, bands n/a */
	assert_int_equal(s->miti.questions, 0);
	assert_true(isnan(s->miti.rq));
	assert_true(isnan(s->miti.pct_complex));
	assert_int_equal(s->miti.rq_band, ATTUNE_BAND_NONE);
	assert_true(isnan(s->change_prop));
	/* the last utterance has no time: no time share */
	assert_false(s->has_time);
	assert_true(isnan(s->share_time));
	attune_mirror_summary_free(s);
	/* marks for another transcript length */
	assert_int_equal(attune_mirror_mark_apply(r, u, 5, NULL, &mk, &err), 0);
	assert_int_equal(attune_mirror_summarise(r, u, 4, NULL, mk, &s, &err),
	                 ATTUNE_EINVAL);
	assert_null(s);
	attune_mirror_marks_free(mk);
	/* nothing at all */
	assert_int_equal(attune_mirror_mark_apply(r, u, 0, NULL, &mk, &err), 0);
	assert_int_equal(attune_mirror_summarise(r, u, 0, NULL, mk, &s, &err), 0);
	assert_int_equal(s->n_episodes, 0);
	assert_true(isnan(s->share_words));
	attune_mirror_summary_free(s);
	attune_mirror_marks_free(mk);
	attune_mirror_rules_free(r);
}

static void test_bands(void **state)
{
	(void)state;
	/* MITI 4.2.1: R:Q fair 1:1, good 2:1; %CR fair 40 %, good 50 % */
	assert_int_equal(attune_mirror_band_rq(0.99), ATTUNE_BAND_BELOW);
	assert_int_equal(attune_mirror_band_rq(1.0), ATTUNE_BAND_FAIR);
	assert_int_equal(attune_mirror_band_rq(1.99), ATTUNE_BAND_FAIR);
	assert_int_equal(attune_mirror_band_rq(2.0), ATTUNE_BAND_GOOD);
	assert_int_equal(attune_mirror_band_rq(NAN), ATTUNE_BAND_NONE);
	assert_int_equal(attune_mirror_band_cr(0.39), ATTUNE_BAND_BELOW);
	assert_int_equal(attune_mirror_band_cr(0.40), ATTUNE_BAND_FAIR);
	assert_int_equal(attune_mirror_band_cr(0.50), ATTUNE_BAND_GOOD);
	assert_int_equal(attune_mirror_band_cr(NAN), ATTUNE_BAND_NONE);
	assert_string_equal(attune_mirror_band_name(ATTUNE_BAND_FAIR), "fair");
	assert_string_equal(attune_mirror_band_name(ATTUNE_BAND_NONE), "n/a");
	assert_string_equal(attune_mirror_reengage_name(
	                    ATTUNE_REENGAGE_LONGER), "longer turn");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session),
		cmocka_unit_test(test_longer_and_no_codes),
		cmocka_unit_test(test_bands),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
