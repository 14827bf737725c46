/* fuzz_transcript_json.c - libFuzzer target for the JSON transcript reader
 * (cJSON plus the line finder): every parsed transcript must keep the
 * invariants of text/text_check_int.h under default and unusual options,
 * and every failure must carry a "NAME:LINE: what" message. */
#include <stdint.h>
#include "text/text_check_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (tr_check_input((const char *)data, size, ATTUNE_TRANSCRIPT_JSON))
		__builtin_trap();
	return 0;
}
