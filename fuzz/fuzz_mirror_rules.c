/* fuzz_mirror_rules.c - libFuzzer target for the cue rules file parser:
 * any bytes parse or fail with a "NAME:..." message and no rules; parsed
 * rules apply to a fixed transcript (with and without the coder's codes)
 * giving marks whose codes, intensities and evidence spans are in range,
 * and the session analysis of those marks keeps its invariants. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "attune/mirror_rules.h"
#include "attune/mirror_summary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N 8

static const char *const turns[N] = {
	"How do you feel about coming here?",
	"I don\xe2\x80\x99t know. Whatever you think.",
	"I wonder if you're annoyed with me.",
	"You don't understand. This isn't working.",
	"You're right, I pushed too hard. What would be more helpful?",
	("Yes, that's exactly it. I think what I want is to talk about my "
	 "mum and the way she left when I was nine."),
	"",
	"Okay?"
};

static void check_marks(const attune_mirror_rules *r,
                        const attune_utterance *u,
                        const attune_mirror_marks *mk)
{
	size_t i, j;

	if (mk->n_utterances != N || mk->first[0] != 0 || mk->first[N] != mk->n)
		__builtin_trap();
	for (i = 0; i < N; i++) {
		if (mk->first[i] > mk->first[i + 1])
			__builtin_trap();
		for (j = mk->first[i]; j < mk->first[i + 1]; j++) {
			const attune_mirror_mark *m = &mk->m[j];
			int type;
			const char *sub;
			if (m->utterance != i ||
			    m->code >= attune_mirror_rules_codes(r) ||
			    m->cue_off + m->cue_len > u[i].text_len ||
			    m->intensity < 0 || m->intensity > 3 ||
			    !(m->confidence > 0 && m->confidence <= 1))
				__builtin_trap();
			attune_mirror_rules_code(r, m->code, &type, &sub);
			if (type != m->type || strcmp(sub, m->subtype) != 0)
				__builtin_trap();
			if ((type == ATTUNE_CUE_MOVE) !=
			    (u[i].speaker == ATTUNE_SPEAKER_THERAPIST))
				__builtin_trap();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	attune_mirror_rules *r = NULL;
	attune_mirror_marks *mk = NULL;
	attune_mirror_summary *s = NULL;
	attune_mirror_result res[N];
	attune_utterance u[N];
	attune_err err;
	size_t i;
	int pass;

	err.msg[0] = '\0';
	if (attune_mirror_rules_parse((const char *)data, size, "fuzz", &r,
	                              &err) != ATTUNE_OK) {
		if (strncmp(err.msg, "fuzz", 4) != 0 || r)
			__builtin_trap();
		return 0;
	}
	memset(u, 0, sizeof(u));
	for (i = 0; i < N; i++) {
		u[i].speaker = i % 2 ? ATTUNE_SPEAKER_CLIENT :
		               ATTUNE_SPEAKER_THERAPIST;
		if (i == 6)
			u[i].speaker = ATTUNE_SPEAKER_OTHER;
		u[i].text = turns[i];
		u[i].text_len = strlen(turns[i]);
		u[i].label = "";
		u[i].start_ms = (int64_t)i * 5000;
		u[i].end_ms = (int64_t)i * 5000 + 4000;
		u[i].turn = i;
		memset(&res[i], 0, sizeof(res[i]));
		res[i].behaviour = res[i].talk = res[i].subcode = -1;
		if (u[i].speaker == ATTUNE_SPEAKER_THERAPIST) {
			res[i].behaviour = (int)(i / 2 % 4);
			res[i].subcode = i == 0 ? 0 : -1;
		} else if (u[i].speaker == ATTUNE_SPEAKER_CLIENT) {
			res[i].talk = (int)(i % 3);
		}
	}
	for (pass = 0; pass < 2; pass++) {
		const attune_mirror_result *codes = pass ? res : NULL;
		if (attune_mirror_mark_apply(r, u, N, codes, &mk, &err))
			goto out;
		check_marks(r, u, mk);
		if (attune_mirror_summarise(r, u, N, res, mk, &s, &err) ==
		    ATTUNE_OK) {
			for (i = 0; i < s->n_episodes; i++) {
				const attune_mirror_episode *e = &s->episodes[i];
				if (e->first > e->last || e->last >= N ||
				    e->n_markers == 0 || e->intensity < 1 ||
				    e->intensity > 3 ||
				    (e->repaired && (e->move == SIZE_MAX ||
				                     e->reengage == SIZE_MAX)))
					__builtin_trap();
			}
			if (s->n_moments > 100)
				__builtin_trap();
			for (i = 0; i < s->n_moments; i++)
				if (s->moments[i].utterance >= N)
					__builtin_trap();
		}
		attune_mirror_summary_free(s);
		s = NULL;
		attune_mirror_marks_free(mk);
		mk = NULL;
	}
out:
	attune_mirror_marks_free(mk);
	attune_mirror_rules_free(r);
	return 0;
}
