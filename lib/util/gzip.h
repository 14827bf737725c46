/* gzip.h - gzip responses spliced from pieces compressed once.
 *
 * A page kept in a cache is compressed once, in pieces cut where a
 * per-viewer secret goes (a CSRF token); each response is then the
 * pieces with the viewer's bytes between them as stored (uncompressed)
 * blocks, and the gzip trailer's CRC-32 combined from the pieces'. So a
 * view costs a copy of the compressed bytes, not a compression, and the
 * secret never shares a compression window with anything else (the
 * BREACH attack reads a secret out of the size of compressed responses
 * that also reflect the attacker's guesses; a stored block's size does
 * not depend on its bytes).
 *
 * The format: RFC 1952 (gzip member: 10-byte header, deflate data,
 * CRC-32 and length mod 2^32) around RFC 1951 deflate blocks. A piece
 * is a raw deflate stream of its own (no back-references outside it)
 * ended by a sync flush, so it ends on a byte boundary with a non-final
 * block; stored blocks (BTYPE 00, at most 65 535 bytes each) start on a
 * byte boundary; the member ends with an empty final stored block. */
#ifndef ATTUNE_UTIL_GZIP_H
#define ATTUNE_UTIL_GZIP_H

#include <stddef.h>
#include <stdint.h>
#include "util/util_int.h"

/* Does an Accept-Encoding header value (RFC 9110, section 12.5.3) take
 * gzip? "gzip" or "x-gzip" with a q-value above 0, or, when neither is
 * named, "*" with a q-value above 0. NULL (no header) is no. */
int gz_accepts(const char *zAccept);

/* n bytes compressed on their own. */
struct gz_piece {
	unsigned char *z;         /* raw deflate, sync-flushed (malloc) */
	size_t zlen;
	size_t len;               /* uncompressed length */
	uint32_t crc;             /* CRC-32 of the uncompressed bytes */
};

/* Compress src[0..n) at zlib level (1-9) into *p. ATTUNE_ENOMEM, or
 * ATTUNE_EINVAL for a level out of range; *p is empty then. */
int gz_piece_make(struct gz_piece *p, const void *src, size_t n, int level);
void gz_piece_free(struct gz_piece *p);

/* A gzip member being written into a strbuf (b->rc says whether it
 * fitted). */
struct gz_out {
	uint32_t crc;
	uint64_t len;
};
void gz_start(strbuf *b, struct gz_out *g);
/* Append bytes as they are, in stored blocks. */
void gz_stored(strbuf *b, struct gz_out *g, const void *s, size_t n);
/* Append a piece. */
void gz_piece_put(strbuf *b, struct gz_out *g, const struct gz_piece *p);
/* The final block and the trailer. */
void gz_finish(strbuf *b, struct gz_out *g);

#endif
