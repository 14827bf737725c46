/* fuzz_mirror_labels.c - libFuzzer target for the labelled-corpus reader
 * (CSV with the AnnoMI columns, several annotators per utterance): any
 * bytes read or fail with a message naming the file, and a corpus that
 * reads holds only codes in range. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "attune/mirror.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	attune_mirror_corpus *c = NULL;
	attune_mirror_corpus_info info;
	attune_csv *csv;
	attune_err err;
	size_t t, k, sum;

	if (attune_csv_open_buf((const char *)data, size, "fuzz", &csv))
		return 0;
	err.msg[0] = '\0';
	if (attune_mirror_corpus_read_csv(csv, &c, &err) != ATTUNE_OK) {
		if (strncmp(err.msg, "fuzz", 4) != 0 || c)
			__builtin_trap();
		attune_csv_close(csv);
		return 0;
	}
	attune_csv_close(csv);
	attune_mirror_corpus_info_get(c, &info);
	if (info.n_utterances > info.n_rows)
		__builtin_trap();
	for (t = 0; t < 3; t++) {
		for (sum = 0, k = 0; k < 8; k++)
			sum += info.n_class[t][k];
		if (sum != info.n_labelled[t] ||
		    info.n_labelled[t] > info.n_utterances)
			__builtin_trap();
	}
	attune_mirror_corpus_free(c);
	return 0;
}
