/* fuzz_series.c - libFuzzer target for the series reader, in wide form
 * (first byte even) or long form (odd): any input reads cleanly or fails
 * with a message that names the input. */
#include <stdint.h>
#include <string.h>
#include "attune/series.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count(void *ctx, const attune_series *s,
                 const attune_series_cols *cols)
{
	size_t k;
	double sum = 0;

	(void)cols;
	for (k = 0; k < s->n; k++)
		if (s->x[k] == s->x[k])
			sum += s->x[k];
	*(double *)ctx += sum + (double)strlen(s->id);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const vars[] = {"a:c", "e"};
	attune_series_spec wide = {"id", vars, 2, 0, NULL, NULL, 1};
	attune_series_spec lng = {"id", NULL, 0, 1, NULL, NULL, 0};
	attune_csv *c;
	attune_err err;
	double acc = 0;
	int rc;

	if (size < 1)
		return 0;
	if (attune_csv_open_buf((const char *)data + 1, size - 1, "fuzz", &c))
		return 0;
	err.msg[0] = '\0';
	rc = attune_series_read(c, (data[0] & 1) ? &lng : &wide, count, &acc,
	                        &err);
	if (rc && rc != ATTUNE_ENOMEM && strncmp(err.msg, "fuzz", 4) != 0)
		__builtin_trap();
	attune_csv_close(c);
	return 0;
}
