/* test_gzip.c - Accept-Encoding negotiation and gzip members spliced
 * from pieces compressed once (lib/util/gzip.c), checked by inflating
 * them with zlib (which also checks the CRC-32 and the length). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zlib.h>
#include "attune/attune.h"
#include "util/gzip.h"
#include "util/util_int.h"

static void test_accepts(void **state)
{
	(void)state;
	assert_false(gz_accepts(NULL));
	assert_false(gz_accepts(""));
	assert_true(gz_accepts("gzip"));
	assert_true(gz_accepts("GZip"));
	assert_true(gz_accepts("x-gzip"));
	assert_true(gz_accepts("gzip, deflate, br"));    /* Chromium */
	assert_true(gz_accepts("deflate, gzip;q=1.0, *;q=0.5"));
	assert_true(gz_accepts("br;q=1.0, gzip;q=0.8, *;q=0.1"));
	assert_true(gz_accepts(" gzip ; q=0.001 "));
	assert_true(gz_accepts("*"));
	assert_true(gz_accepts("identity, *;q=0.5"));
	assert_false(gz_accepts("identity"));
	assert_false(gz_accepts("deflate, br"));
	assert_false(gz_accepts("gzip;q=0"));
	assert_false(gz_accepts("gzip;q=0.000"));
	assert_false(gz_accepts("gzip; q=0.0 , deflate"));
	assert_false(gz_accepts("*;q=0"));
	assert_false(gz_accepts("gzip;q=0, *"));       /* named beats * */
	assert_false(gz_accepts("gzipx"));
	assert_false(gz_accepts("gzi"));
	/* A malformed weight counts as 0: the plain page. */
	assert_false(gz_accepts("gzip;q=abc"));
	assert_false(gz_accepts("gzip;q=0.5x"));
	assert_false(gz_accepts("gzip;q=0.0001"));
	assert_false(gz_accepts("gzip;q=1.5"));
	assert_false(gz_accepts("gzip;q="));
	assert_true(gz_accepts("gzip;q=1.000"));
	assert_true(gz_accepts("gzip;level=1"));       /* other params */
}

/* Inflate a whole gzip member (zlib checks the trailer); returns the
 * bytes (malloc) and their length, or NULL. */
static char *gunzip(const char *z, size_t zlen, size_t *n)
{
	z_stream s;
	size_t cap = 1 << 20;
	char *out = malloc(cap);
	int rc;

	memset(&s, 0, sizeof(s));
	assert_non_null(out);
	assert_int_equal(inflateInit2(&s, 16 + 15), Z_OK);
	s.next_in = (Bytef *)(uintptr_t)z;
	s.avail_in = (uInt)zlen;
	s.next_out = (Bytef *)out;
	s.avail_out = (uInt)cap;
	rc = inflate(&s, Z_FINISH);
	*n = cap - s.avail_out;
	if (rc != Z_STREAM_END || s.avail_in != 0) {
		inflateEnd(&s);
		free(out);
		return NULL;
	}
	inflateEnd(&s);
	return out;
}

/* A page with two secrets cut out, put back as stored blocks between
 * compressed pieces, with head and foot stored: the member inflates to
 * exactly the page with the secrets. */
static void test_splice(void **state)
{
	static const char secret[] = "0123456789abcdef0123456789abcdef";
	char page[70000 + 200];
	struct gz_piece p[3];
	struct gz_out g;
	strbuf b;
	size_t cut[2] = {1000, 66000}, n, i, from, k;
	char *back, *want;

	(void)state;
	/* Compressible text, and a stretch longer than a stored block. */
	for (i = 0; i < sizeof(page); i++)
		page[i] = (char)("<tr><td>PHQ-9</td><td>12</td></tr>\n"[i % 36]);
	from = 0;
	for (k = 0; k < 3; k++) {
		size_t to = k < 2 ? cut[k] : sizeof(page);

		assert_int_equal(gz_piece_make(&p[k], page + from, to - from, 6),
		                 ATTUNE_OK);
		assert_int_equal(p[k].len, to - from);
		from = to + 32;
	}
	sb_init(&b, 1 << 22);
	gz_start(&b, &g);
	gz_stored(&b, &g, "HEAD", 4);
	for (k = 0; k < 3; k++) {
		gz_piece_put(&b, &g, &p[k]);
		if (k < 2)
			gz_stored(&b, &g, secret, 32);
	}
	gz_stored(&b, &g, page, 65535 + 10);   /* two stored blocks */
	gz_finish(&b, &g);
	assert_int_equal(b.rc, ATTUNE_OK);
	/* The pieces shrank; the stored bytes did not. */
	assert_true(b.len < 65545 + 64 + sizeof(page) / 10);

	want = malloc(4 + sizeof(page) + 65545);
	assert_non_null(want);
	memcpy(want, "HEAD", 4);
	memcpy(want + 4, page, sizeof(page));
	memcpy(want + 4 + cut[0], secret, 32);
	memcpy(want + 4 + cut[1], secret, 32);
	memcpy(want + 4 + sizeof(page), page, 65545);
	back = gunzip(b.s, b.len, &n);
	assert_non_null(back);
	assert_int_equal(n, 4 + sizeof(page) + 65545);
	assert_memory_equal(back, want, n);
	/* One flipped byte of the trailer's CRC: zlib refuses it. */
	b.s[b.len - 5] ^= 1;
	assert_null(gunzip(b.s, b.len, &n));
	free(back);
	free(want);
	sb_free(&b);
	for (k = 0; k < 3; k++)
		gz_piece_free(&p[k]);
}

/* Empty pieces and an empty member are valid gzip. */
static void test_empty(void **state)
{
	struct gz_piece p;
	struct gz_out g;
	strbuf b;
	size_t n;
	char *back;

	(void)state;
	assert_int_equal(gz_piece_make(&p, "", 0, 1), ATTUNE_OK);
	sb_init(&b, 4096);
	gz_start(&b, &g);
	gz_piece_put(&b, &g, &p);
	gz_stored(&b, &g, "", 0);
	gz_finish(&b, &g);
	back = gunzip(b.s, b.len, &n);
	assert_non_null(back);
	assert_int_equal(n, 0);
	free(back);
	sb_free(&b);
	gz_piece_free(&p);
	assert_int_equal(gz_piece_make(&p, "x", 1, 0), ATTUNE_EINVAL);
	assert_int_equal(gz_piece_make(&p, "x", 1, 10), ATTUNE_EINVAL);
	assert_null(p.z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts),
		cmocka_unit_test(test_splice),
		cmocka_unit_test(test_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
