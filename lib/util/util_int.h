/* util_int.h - library-internal helpers shared across lib/: error detail,
 * bounded string builder, locale-free number formatting and parsing. */
#ifndef ATTUNE_UTIL_INT_H
#define ATTUNE_UTIL_INT_H

#include <stdarg.h>
#include <stddef.h>
#include "attune/attune.h"

#if defined(__GNUC__)
#define ATTUNE_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define ATTUNE_PRINTF(a, b)
#endif

/* Write a detail message into err (NULL is fine). Returns rc so callers
 * can write `return attune_err_set(err, ATTUNE_EINVAL, "...")`. */
int attune_err_set(attune_err *err, int rc, const char *fmt, ...)
	ATTUNE_PRINTF(3, 4);

/* Bounded string builder (after curl's dynbuf): appends never overflow;
 * the first failure sticks and is reported once by sb_finish(). */
typedef struct strbuf {
	char *s;       /* NUL-terminated while ok */
	size_t len, cap, max;
	int rc;        /* ATTUNE_OK, ATTUNE_ENOMEM or ATTUNE_ELIMIT */
} strbuf;

void sb_init(strbuf *b, size_t max);
void sb_free(strbuf *b);
void sb_reset(strbuf *b);
void sb_append(strbuf *b, const char *s, size_t n);
void sb_puts(strbuf *b, const char *s);
void sb_putc(strbuf *b, char c);
void sb_printf(strbuf *b, const char *fmt, ...) ATTUNE_PRINTF(2, 3);
/* Append v in the shortest form that reads back the same, locale-free
 * ("12", "0.5", "-3.25"); NaN appends nothing. */
void sb_num(strbuf *b, double v);
/* Append s as a JSON string literal with quotes. */
void sb_json_str(strbuf *b, const char *s);
/* Append s[0..n) escaped for HTML element content and for a quoted
 * attribute value alike: & < > " ' as entities. The one HTML escaper
 * (web/html.c's html_text and html_attr, the session mirror's HTML). */
void sb_html(strbuf *b, const char *s, size_t n);
/* Hand the buffer to the caller (free with free()); b is reset. Returns
 * NULL and leaves the rc in *rc on a sticky failure. */
char *sb_detach(strbuf *b, int *rc);

/* Format v into buf (at least 32 bytes) locale-free, shortest
 * round-trip, integers without a decimal point. Returns the length. */
size_t fmt_num(char *buf, double v);

/* Parse a decimal number from s[0..n): optional sign, digits, optional
 * fraction, optional exponent; no locale, no spaces, no hex, no inf/nan.
 * Returns 0 on success. Inline fast path for short unsigned integers
 * (the usual questionnaire answer); the rest in parse_num_slow. */
int parse_num_slow(const char *s, size_t n, double *out);

static inline int parse_num(const char *s, size_t n, double *out)
{
	if (n == 1 && s[0] >= '0' && s[0] <= '9') {
		*out = (double)(s[0] - '0');
		return 0;
	}
	if (n == 2 && s[0] >= '1' && s[0] <= '9' && s[1] >= '0' &&
	    s[1] <= '9') {
		*out = (double)((s[0] - '0') * 10 + (s[1] - '0'));
		return 0;
	}
	return parse_num_slow(s, n, out);
}

/* Parse a non-negative decimal integer (no sign) that fits in int64. */
int parse_i64(const char *s, size_t n, int64_t *out);

/* 1 if s[0..n) is valid UTF-8 (no overlongs, no surrogates); else 0 and
 * *bad set to the offset of the first bad byte. */
int utf8_valid(const char *s, size_t n, size_t *bad);

#endif
