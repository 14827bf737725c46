/* fuzz_mirror_model.c - libFuzzer target for the coder's model file
 * reader: any bytes load or fail with a message naming the file; a
 * loaded model saves, loads again and saves to the same bytes, and codes
 * a fixed transcript to codes in range with finite probabilities. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "attune/mirror.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const turns[4] = {
	"Hi. What brings you in today?",
	"My doctor says I drink too much\xe2\x80\xa6 I don't think so.",
	"It sounds like you're not sure this is a problem.",
	""
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	attune_mirror_model *m = NULL, *m2 = NULL;
	attune_mirror_result res[4];
	attune_mirror_evidence ev[4];
	attune_utterance u[4];
	unsigned char *b1 = NULL, *b2 = NULL;
	size_t n1, n2, i, n_ev;
	attune_err err;

	err.msg[0] = '\0';
	if (attune_mirror_model_load(data, size, "fuzz", &m, &err) !=
	    ATTUNE_OK) {
		if (strncmp(err.msg, "fuzz: ", 6) != 0 || m)
			__builtin_trap();
		return 0;
	}
	/* round trip */
	if (attune_mirror_model_save(m, &b1, &n1) != ATTUNE_OK)
		goto out;
	if (attune_mirror_model_load(b1, n1, "round", &m2, &err) != ATTUNE_OK)
		__builtin_trap();   /* what we write we must read */
	if (attune_mirror_model_save(m2, &b2, &n2) != ATTUNE_OK)
		goto out;
	if (n1 != n2 || memcmp(b1, b2, n1) != 0)
		__builtin_trap();   /* and read it as the same model */
	/* coding with whatever weights the file held */
	memset(u, 0, sizeof(u));
	for (i = 0; i < 4; i++) {
		u[i].speaker = i % 2 ? ATTUNE_SPEAKER_CLIENT :
		               ATTUNE_SPEAKER_THERAPIST;
		u[i].text = turns[i];
		u[i].text_len = strlen(turns[i]);
		u[i].label = "";
	}
	if (attune_mirror_code(m, u, 4, res, &err) != ATTUNE_OK)
		goto out;
	for (i = 0; i < 4; i++) {
		if (res[i].behaviour < -1 || res[i].behaviour > 3 ||
		    res[i].talk < -1 || res[i].talk > 2 ||
		    res[i].subcode < -1 || res[i].subcode > 7 ||
		    !isfinite(res[i].confidence) ||
		    !isfinite(res[i].sub_confidence))
			__builtin_trap();
		if (attune_mirror_explain(m, u, 4, i, ev, 4, &n_ev, &err) ==
		    ATTUNE_OK && n_ev > 4)
			__builtin_trap();
	}
out:
	free(b1);
	free(b2);
	attune_mirror_model_free(m);
	attune_mirror_model_free(m2);
	return 0;
}
