/* gzip.c - gzip responses spliced from pieces compressed once (see
 * gzip.h). Compression and CRC-32 are zlib's; the framing is RFC 1951
 * and RFC 1952. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "attune/attune.h"
#include "util/gzip.h"

/* ---- Accept-Encoding ---- */

static int ows(char c)
{
	return c == ' ' || c == '\t';
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int name_is(const char *s, size_t n, const char *zName)
{
	size_t i;

	for (i = 0; i < n && zName[i]; i++)
		if (lower((unsigned char)s[i]) != zName[i])
			return 0;
	return i == n && zName[i] == 0;
}

/* The weight of one element's parameters (after the coding): 0 when a
 * q parameter says 0 (RFC 9110, section 12.4.2: "0", "0.", "0.0",
 * ... up to three decimals), else 1. A malformed q counts as 0: a
 * client that cannot say what it takes gets the plain page. */
static int weight(const char *s, size_t n)
{
	size_t i = 0, j;

	while (i < n) {
		while (i < n && (ows(s[i]) || s[i] == ';'))
			i++;
		j = i;
		while (j < n && s[j] != ';')
			j++;
		if (j - i >= 2 && lower((unsigned char)s[i]) == 'q' &&
		    s[i + 1] == '=') {
			const char *v = s + i + 2;
			size_t k, m = j - i - 2, d = 0;

			while (m && ows(v[m - 1]))
				m--;
			if (m == 0)
				return 0;
			if (v[0] == '1') {
				for (k = 1; k < m; k++)
					if (!(k == 1 ? v[k] == '.' : v[k] == '0'))
						return 0;
				return m <= 5;
			}
			if (v[0] != '0')
				return 0;
			for (k = 1; k < m; k++) {
				if (k == 1 ? v[k] != '.'
				           : (v[k] < '0' || v[k] > '9' || ++d > 3))
					return 0;
			}
			for (k = 2; k < m; k++)
				if (v[k] != '0')
					return 1;
			return 0;
		}
		i = j;
	}
	return 1;
}

int gz_accepts(const char *zAccept)
{
	const char *s = zAccept, *e, *c;
	size_t cn;
	int gzip = -1, star = -1;

	if (!s)
		return 0;
	while (*s) {
		while (*s == ',' || ows(*s))
			s++;
		if (!*s)
			break;
		e = s;
		while (*e && *e != ',')
			e++;
		c = s;
		while (c < e && *c != ';' && !ows(*c))
			c++;
		cn = (size_t)(c - s);
		if (name_is(s, cn, "gzip") || name_is(s, cn, "x-gzip"))
			gzip = weight(c, (size_t)(e - c)) || gzip == 1;
		else if (cn == 1 && *s == '*')
			star = weight(c, (size_t)(e - c));
		s = e;
	}
	return gzip >= 0 ? gzip : star == 1;
}

/* ---- Pieces ---- */

int gz_piece_make(struct gz_piece *p, const void *src, size_t n, int level)
{
	z_stream z;
	size_t cap;
	int zrc;

	memset(p, 0, sizeof(*p));
	if (level < 1 || level > 9 || n > (size_t)UINT32_MAX)
		return ATTUNE_EINVAL;
	memset(&z, 0, sizeof(z));
	/* Raw deflate (negative window bits): the gzip framing is ours. */
	if (deflateInit2(&z, level, Z_DEFLATED, -15, 8,
	                 Z_DEFAULT_STRATEGY) != Z_OK)
		return ATTUNE_ENOMEM;
	/* deflateBound() covers Z_FINISH; a sync flush adds the empty
	 * stored block (5 bytes) and up to one byte of bits. */
	cap = deflateBound(&z, (uLong)n) + 16;
	if (!(p->z = malloc(cap))) {
		deflateEnd(&z);
		return ATTUNE_ENOMEM;
	}
	z.next_in = (Bytef *)(uintptr_t)src;
	z.avail_in = (uInt)n;
	z.next_out = p->z;
	z.avail_out = (uInt)cap;
	zrc = deflate(&z, Z_SYNC_FLUSH);
	if (zrc != Z_OK || z.avail_in != 0 || z.avail_out == 0) {
		deflateEnd(&z);
		gz_piece_free(p);
		return ATTUNE_ENOMEM;
	}
	p->zlen = cap - z.avail_out;
	deflateEnd(&z);
	p->len = n;
	p->crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), src, (uInt)n);
	return ATTUNE_OK;
}

void gz_piece_free(struct gz_piece *p)
{
	free(p->z);
	memset(p, 0, sizeof(*p));
}

/* ---- A member ---- */

static void put_le32(strbuf *b, uint32_t v)
{
	char c[4];

	c[0] = (char)(v & 0xff);
	c[1] = (char)((v >> 8) & 0xff);
	c[2] = (char)((v >> 16) & 0xff);
	c[3] = (char)((v >> 24) & 0xff);
	sb_append(b, c, 4);
}

void gz_start(strbuf *b, struct gz_out *g)
{
	/* ID1 ID2, CM = 8 (deflate), FLG = 0, MTIME = 0 (none), XFL = 0,
	 * OS = 255 (unknown). */
	static const char head[10] = {
		'\x1f', '\x8b', 8, 0, 0, 0, 0, 0, 0, '\xff'
	};

	g->crc = (uint32_t)crc32(0L, Z_NULL, 0);
	g->len = 0;
	sb_append(b, head, sizeof(head));
}

/* A stored block header: BFINAL, BTYPE 00, the bits to the byte
 * boundary (all zero), LEN and its ones' complement NLEN. */
static void stored_head(strbuf *b, int final, size_t n)
{
	char h[5];

	h[0] = (char)(final ? 1 : 0);
	h[1] = (char)(n & 0xff);
	h[2] = (char)((n >> 8) & 0xff);
	h[3] = (char)(~n & 0xff);
	h[4] = (char)((~n >> 8) & 0xff);
	sb_append(b, h, sizeof(h));
}

void gz_stored(strbuf *b, struct gz_out *g, const void *s, size_t n)
{
	const char *p = s;
	size_t k;

	g->crc = (uint32_t)crc32(g->crc, (const Bytef *)s, (uInt)n);
	g->len += n;
	while (n > 0) {
		k = n > 65535 ? 65535 : n;
		stored_head(b, 0, k);
		sb_append(b, p, k);
		p += k;
		n -= k;
	}
}

void gz_piece_put(strbuf *b, struct gz_out *g, const struct gz_piece *p)
{
	g->crc = (uint32_t)crc32_combine(g->crc, p->crc, (z_off_t)p->len);
	g->len += p->len;
	sb_append(b, (const char *)p->z, p->zlen);
}

void gz_finish(strbuf *b, struct gz_out *g)
{
	stored_head(b, 1, 0);
	put_le32(b, g->crc);
	put_le32(b, (uint32_t)(g->len & 0xffffffffu));
}
