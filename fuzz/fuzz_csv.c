/* fuzz_csv.c - libFuzzer target for the CSV reader: every record's
 * fields must lie inside the input's copy and every failure must carry a
 * message with a line number. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "attune/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const attune_csv_field *f;
	attune_csv *c;
	attune_err err;
	size_t n, i, total = 0;
	int rc;

	if (attune_csv_open_buf((const char *)data, size, "fuzz", &c))
		return 0;
	while ((rc = attune_csv_next(c, &f, &n, &err)) == ATTUNE_OK && n) {
		for (i = 0; i < n; i++)
			total += f[i].n;
		if (total > size * 2 + 1)
			__builtin_trap();
	}
	if (rc && strncmp(err.msg, "fuzz:", 5) != 0)
		__builtin_trap();
	attune_csv_close(c);
	return 0;
}
