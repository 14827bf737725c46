/* fuzz_gzip.c - libFuzzer target for lib/util/gzip.c: any bytes as an
 * Accept-Encoding value must be read without fault, and any bytes cut
 * into pieces (at places taken from the first two bytes), compressed
 * one by one and spliced with stored blocks between them, must inflate
 * (zlib, trailer checked) to exactly the bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "attune/attune.h"
#include "util/gzip.h"
#include "util/util_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gz_piece p[2];
	struct gz_out g;
	z_stream z;
	strbuf b;
	char *s, *back;
	size_t n, a, c, cap;
	int zrc;

	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	(void)gz_accepts(s);
	free(s);
	if (size < 2)
		return 0;
	n = size - 2;
	a = n ? data[0] % (n + 1) : 0;           /* piece 1: [0, a) */
	c = (n - a) ? data[1] % (n - a + 1) : 0; /* stored: [a, a + c) */
	data += 2;
	if (gz_piece_make(&p[0], data, a, 1 + data[-2] % 9) != ATTUNE_OK)
		return 0;
	if (gz_piece_make(&p[1], data + a + c, n - a - c, 6) != ATTUNE_OK) {
		gz_piece_free(&p[0]);
		return 0;
	}
	sb_init(&b, 1 << 24);
	gz_start(&b, &g);
	gz_piece_put(&b, &g, &p[0]);
	gz_stored(&b, &g, data + a, c);
	gz_piece_put(&b, &g, &p[1]);
	gz_finish(&b, &g);
	if (b.rc != ATTUNE_OK)
		abort();
	cap = n + 1;
	back = malloc(cap);
	memset(&z, 0, sizeof(z));
	if (!back || inflateInit2(&z, 16 + 15) != Z_OK)
		abort();
	z.next_in = (Bytef *)b.s;
	z.avail_in = (uInt)b.len;
	z.next_out = (Bytef *)back;
	z.avail_out = (uInt)cap;
	zrc = inflate(&z, Z_FINISH);
	if (zrc != Z_STREAM_END || z.avail_in != 0 || cap - z.avail_out != n ||
	    memcmp(back, data, n) != 0)
		abort();
	inflateEnd(&z);
	free(back);
	sb_free(&b);
	gz_piece_free(&p[0]);
	gz_piece_free(&p[1]);
	return 0;
}
