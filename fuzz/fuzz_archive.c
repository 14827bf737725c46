/* fuzz_archive.c - libFuzzer target for the archive reader (attune
 * import's strict checker): any input is accepted or refused with a
 * message that names its line; never a crash, never a leak; and the
 * streaming reader, fed in small pieces of a size the input picks,
 * gives the same verdict and message as the reader of a whole buffer. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "attune/archive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct pieces {
	const uint8_t *p;
	size_t len, off, step;
};

static ptrdiff_t piece_read(void *ctx, char *buf, size_t n)
{
	struct pieces *c = ctx;

	if (n > c->step)
		n = c->step;
	if (n > c->len - c->off)
		n = c->len - c->off;
	memcpy(buf, c->p + c->off, n);
	c->off += n;
	return (ptrdiff_t)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pieces c = { data, size, 0, 0 };
	attune_err err, err2;
	int rc, rc2;

	rc = attune_archive_check((const char *)data, size, &err);
	if (rc && strncmp(err.msg, "line ", 5) != 0)
		__builtin_trap();
	c.step = size ? 1 + data[size - 1] % 13 : 1;
	rc2 = attune_archive_check_stream(piece_read, &c, &err2);
	if (rc2 != rc || (rc && strcmp(err.msg, err2.msg) != 0))
		__builtin_trap();
	return 0;
}
