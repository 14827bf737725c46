/* csv.h - a bounded, fast CSV reader (RFC 4180: commas, double-quoted
 * fields with "" escapes, LF or CRLF line ends).
 *
 * The reader pulls bytes through a callback, so the library does no I/O
 * of its own; attune_csv_open_buf() reads from memory. Records longer
 * than ATTUNE_CSV_LINE_MAX or wider than ATTUNE_CSV_FIELDS_MAX, invalid
 * UTF-8 and malformed quoting are errors that name the line. Empty lines
 * are skipped. */
#ifndef ATTUNE_CSV_H
#define ATTUNE_CSV_H

#include "attune.h"

typedef struct attune_csv attune_csv;

typedef struct attune_csv_field {
	const char *p;  /* not NUL-terminated */
	size_t n;
} attune_csv_field;

/* Read up to n bytes into buf; return the count, 0 at end of input, or
 * a negative value on a read error. */
typedef long (*attune_csv_read_fn)(void *ctx, char *buf, size_t n);

/* zName names the input in messages ("scores.csv", "-"); it is copied.
 * The caller owns *out and frees it with attune_csv_close(). */
int attune_csv_open(attune_csv_read_fn fn, void *ctx, const char *zName,
                    attune_csv **out);
/* Read from buf[0..len), which must outlive the reader. */
int attune_csv_open_buf(const char *buf, size_t len, const char *zName,
                        attune_csv **out);
void attune_csv_close(attune_csv *csv);

/* Next record. On ATTUNE_OK, *fields and *n describe it (n == 0 at the
 * end of input); the fields are valid until the next call. On failure,
 * err says "NAME:LINE: what", and the reader is finished (every later
 * call repeats the error). */
int attune_csv_next(attune_csv *csv, const attune_csv_field **fields,
                    size_t *n, attune_err *err);

/* The name given at open, for messages. */
const char *attune_csv_name(const attune_csv *csv);

/* Line number (1-based) where the record last returned starts. */
size_t attune_csv_line(const attune_csv *csv);

#endif
