/* fuzz_traj_model.c - libFuzzer target for the expected-response model
 * file reader (CSV or JSON): any bytes parse cleanly or fail with a
 * message naming the file; a parsed model writes back and reads again to
 * the same model. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "attune/trajectory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	attune_traj_model m, m2;
	attune_err err;
	char *out = NULL, *out2 = NULL;
	size_t len = 0, len2 = 0;
	int json;

	err.msg[0] = '\0';
	if (attune_traj_model_parse((const char *)data, size, "fuzz", &m,
	                            &err) != ATTUNE_OK) {
		if (strncmp(err.msg, "fuzz", 4) != 0)
			__builtin_trap();
		return 0;
	}
	for (json = 0; json <= 1; json++) {
		if (attune_traj_model_format(&m, json, &out, &len) != ATTUNE_OK)
			return 0;
		if (attune_traj_model_parse(out, len, "round", &m2, &err) !=
		    ATTUNE_OK)
			__builtin_trap();  /* what we write we must read */
		if (attune_traj_model_format(&m2, json, &out2, &len2) !=
		    ATTUNE_OK) {
			free(out);
			return 0;
		}
		if (len != len2 || memcmp(out, out2, len) != 0)
			__builtin_trap();  /* and read it as the same model */
		free(out);
		free(out2);
		out = out2 = NULL;
	}
	return 0;
}
