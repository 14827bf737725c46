/* out.c - output held back until the whole input has proved valid, so a
 * bad row late in a file leaves stdout empty: in memory, past
 * OUT_SPILL_BYTES in an unlinked temporary file, copied to stdout at the
 * end. With `stream` set (e.g. --skip-invalid) rows go straight out. */
#include <stdio.h>
#include "cli.h"

#define OUT_SPILL_BYTES (32u << 20)  /* hold this much in memory */
#define OUT_STREAM_BYTES (64u << 10) /* write size when streaming */

void out_init(struct out *o, int stream)
{
	sb_init(&o->b, (size_t)1 << 40);
	o->spill = NULL;
	o->spill_at = OUT_SPILL_BYTES;
	o->stream = stream;
	o->rc = ATTUNE_OK;
}

void out_free(struct out *o)
{
	if (o->spill)
		fclose(o->spill);
	o->spill = NULL;
	sb_free(&o->b);
}

int out_flush(struct out *o, int force)
{
	FILE *f;

	if (o->rc)
		return o->rc;
	if (o->b.rc)
		return o->rc = o->b.rc;
	if (o->stream) {
		if (!force && o->b.len < OUT_STREAM_BYTES)
			return ATTUNE_OK;
		f = stdout;
	} else {
		if (!force && o->b.len < o->spill_at)
			return ATTUNE_OK;
		if (!o->spill) {
			o->spill = tmpfile();
			if (!o->spill)
				return o->rc = ATTUNE_EIO;
		}
		f = o->spill;
	}
	if (o->b.len && fwrite(o->b.s, 1, o->b.len, f) != o->b.len)
		return o->rc = ATTUNE_EIO;
	sb_reset(&o->b);
	return ATTUNE_OK;
}

int out_finish(struct out *o)
{
	char buf[65536];
	size_t got;

	if (out_flush(o, 1))
		return o->rc;
	if (o->spill) {
		rewind(o->spill);
		while ((got = fread(buf, 1, sizeof(buf), o->spill)) > 0)
			if (fwrite(buf, 1, got, stdout) != got)
				return o->rc = ATTUNE_EIO;
		if (ferror(o->spill))
			return o->rc = ATTUNE_EIO;
	}
	if (fflush(stdout) != 0)
		return o->rc = ATTUNE_EIO;
	return ATTUNE_OK;
}
