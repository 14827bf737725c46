/* fuzz_instrument.c - libFuzzer target for the instrument loader: any
 * bytes must give either a valid instrument that scores without crashing
 * or a clean error message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "attune/instrument.h"
#include "attune/score.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	attune_instrument *in = NULL;
	attune_err err;
	double v[ATTUNE_ITEMS_MAX];
	attune_score s;
	char *fhir;
	size_t i;

	if (attune_instrument_parse((const char *)data, size, "fuzz", &in,
	                            &err) != ATTUNE_OK) {
		if (in || !err.msg[0])
			__builtin_trap();  /* failure must be clean and explained */
		return 0;
	}
	for (i = 0; i < in->n_items; i++)
		v[i] = in->items[i].max;
	attune_score_compute(in, v, &s);
	for (i = 0; i < in->n_items; i++)
		v[i] = (i & 1) ? attune_missing() : in->items[i].min;
	attune_score_compute(in, v, &s);
	if (attune_instrument_to_fhir(in, &fhir, &err) == ATTUNE_OK)
		free(fhir);
	/* The same bytes as a wording file must not crash either. */
	(void)attune_instrument_load_wording(in, (const char *)data, size,
	                                     "fuzz", &err);
	attune_instrument_free(in);
	return 0;
}
