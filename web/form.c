/* form.c - a bounded parser for application/x-www-form-urlencoded text
 * (forms and query strings): '+' is a space, %XX a byte; the decoded
 * names and values must be UTF-8 without NUL bytes and within the
 * limits of web_limits.h. */
#include <string.h>
#include "web/web.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode s[0..n) into a fresh arena string of at most max bytes.
 * Returns NULL with *why set on failure. */
static char *decode(arena *ar, const char *s, size_t n, size_t max,
                    size_t *len, const char **why)
{
	size_t i, k = 0, bad;
	char *d;

	/* The decoded text is never longer than the encoded one. */
	d = arena_alloc(ar, (n < max ? n : max) + 1);
	if (!d) {
		*why = "out of memory";
		return NULL;
	}
	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int hi, lo;
			if (i + 2 >= n) {
				*why = "a %-escape is cut short";
				return NULL;
			}
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0) {
				*why = "a %-escape is not two hex digits";
				return NULL;
			}
			c = hi * 16 + lo;
			i += 2;
		}
		if (c == 0) {
			*why = "a field holds a NUL byte";
			return NULL;
		}
		if (k == max) {
			*why = "a field is longer than the limit";
			return NULL;
		}
		d[k++] = (char)c;
	}
	d[k] = '\0';
	if (!utf8_valid(d, k, &bad)) {
		*why = "a field is not valid UTF-8";
		return NULL;
	}
	*len = k;
	return d;
}

int web_form_parse(arena *ar, const char *s, size_t n,
                   struct web_field **out, size_t *n_out, const char **why)
{
	return web_form_parse_max(ar, s, n, WEB_FIELD_VALUE_MAX, out, n_out,
	                          why);
}

int web_form_parse_max(arena *ar, const char *s, size_t n, size_t value_max,
                       struct web_field **out, size_t *n_out,
                       const char **why)
{
	struct web_field *f;
	size_t i = 0, nf = 0, count = 1, start, eq, nlen;

	*out = NULL;
	*n_out = 0;
	*why = NULL;
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] == '&')
			count++;
	if (count > WEB_FIELDS_MAX) {
		*why = "the request has too many fields";
		return 400;
	}
	f = arena_alloc(ar, count * sizeof(*f));
	if (!f) {
		*why = "out of memory";
		return 500;
	}
	for (i = 0; i <= n; ) {
		start = i;
		while (i < n && s[i] != '&')
			i++;
		if (i > start) {
			eq = start;
			while (eq < i && s[eq] != '=')
				eq++;
			f[nf].name = decode(ar, s + start, eq - start,
			                    WEB_FIELD_NAME_MAX, &nlen, why);
			if (!f[nf].name)
				return 400;
			if (nlen == 0) {
				*why = "a field has no name";
				return 400;
			}
			if (eq < i)
				f[nf].value = decode(ar, s + eq + 1, i - eq - 1,
				                     value_max, &f[nf].len,
				                     why);
			else
				f[nf].value = decode(ar, "", 0, 1, &f[nf].len,
				                     why);
			if (!f[nf].value)
				return 400;
			nf++;
		}
		i++;               /* the '&' (or past the end) */
	}
	*out = f;
	*n_out = nf;
	return 0;
}
