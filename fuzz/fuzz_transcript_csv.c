/* fuzz_transcript_csv.c - libFuzzer target for the CSV transcript reader
 * (AnnoMI columns, several transcript_ids): every parsed transcript must
 * keep the invariants of text/text_check_int.h under default and unusual
 * options, from a buffer and from a stream read in small chunks, and
 * every failure must carry a "NAME:LINE: what" message. */
#include <stdint.h>
#include "attune/csv.h"
#include "text/text_check_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct chunks {
	const uint8_t *p;
	size_t n, off;
};

static long read_chunk(void *ctx, char *buf, size_t n)
{
	struct chunks *c = ctx;
	size_t k = c->n - c->off;

	if (k > 13)
		k = 13;
	if (k > n)
		k = n;
	memcpy(buf, c->p + c->off, k);
	c->off += k;
	return (long)k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chunks ch = {data, size, 0};
	struct tr_check_ctx c;
	attune_csv *csv;
	attune_err err;
	size_t i;
	int rc;

	if (tr_check_input((const char *)data, size, ATTUNE_TRANSCRIPT_CSV))
		__builtin_trap();
	if (attune_csv_open(read_chunk, &ch, "fuzz", &csv))
		return 0;
	memset(&c, 0, sizeof(c));
	c.n_lines = 1;
	for (i = 0; i < size; i++)
		c.n_lines += data[i] == '\n';
	rc = attune_transcript_read_csv(csv, NULL, tr_check_cb, &c, &err);
	attune_csv_close(csv);
	if (c.bad || (rc && strncmp(err.msg, "fuzz:", 5) != 0))
		__builtin_trap();
	return 0;
}
