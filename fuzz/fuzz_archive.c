/* fuzz_archive.c - libFuzzer target for the archive reader (attune
 * import's strict checker): any input is accepted or refused with a
 * message that names its line; never a crash, never a leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "attune/archive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	attune_err err;
	int rc;

	rc = attune_archive_check((const char *)data, size, &err);
	if (rc && strncmp(err.msg, "line ", 5) != 0)
		__builtin_trap();
	return 0;
}
