/* strbuf.c - bounded string builder with a sticky error, and locale-free
 * number formatting/parsing shared by the CSV, JSON and SVG writers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/util_int.h"

void sb_init(strbuf *b, size_t max)
{
	b->s = NULL;
	b->len = b->cap = 0;
	b->max = max;
	b->rc = ATTUNE_OK;
}

void sb_free(strbuf *b)
{
	free(b->s);
	sb_init(b, b->max);
}

void sb_reset(strbuf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
	b->rc = ATTUNE_OK;
}

static int grow(strbuf *b, size_t need)
{
	size_t cap;
	char *p;

	if (b->rc)
		return 0;
	if (need > b->max || need < b->len) {
		b->rc = ATTUNE_ELIMIT;
		return 0;
	}
	if (need + 1 <= b->cap)
		return 1;
	cap = b->cap ? b->cap : 64;
	while (cap < need + 1)
		cap *= 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	p = realloc(b->s, cap);
	if (!p) {
		b->rc = ATTUNE_ENOMEM;
		return 0;
	}
	b->s = p;
	b->cap = cap;
	return 1;
}

void sb_append(strbuf *b, const char *s, size_t n)
{
	if (!grow(b, b->len + n))
		return;
	if (n)
		memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void sb_puts(strbuf *b, const char *s)
{
	sb_append(b, s, strlen(s));
}

void sb_putc(strbuf *b, char c)
{
	sb_append(b, &c, 1);
}

void sb_printf(strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->rc)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->rc = ATTUNE_EINTERNAL;
		return;
	}
	if (!grow(b, b->len + (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* "-" when neg, then the decimal digits of u, at buf; the length. */
static size_t put_whole(char *buf, int neg, unsigned long long u)
{
	char tmp[24];
	size_t n = 0, i = 0;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (neg)
		buf[i++] = '-';
	while (n)
		buf[i++] = tmp[--n];
	return i;
}

size_t fmt_num(char *buf, double v)
{
	char tmp[40];
	size_t n, i;
	int prec;

	if (v != v) {
		buf[0] = '\0';
		return 0;
	}
	if (v == 0) {
		buf[0] = '0';
		buf[1] = '\0';
		return 1;
	}
	if (fabs(v) < 1e15 && v == (double)(long long)v) {
		/* Integers, by far the most common case: no printf. */
		long long x = (long long)v;

		i = put_whole(buf, x < 0, x < 0 ? 0ULL - (unsigned long long)x
		                                : (unsigned long long)x);
		buf[i] = '\0';
		return i;
	}
	/* At most three decimals (charts round to one or two): digits by
	 * hand. k / 1000.0 is correctly rounded, so when it equals v the
	 * decimal k/1000 reads back as v and, having at most 12 significant
	 * digits, is exactly what the %.15g below would print. */
	if (fabs(v) < 1e9) {
		long long k = llround(v * 1000);
		if ((double)k / 1000.0 == v) {
			unsigned long long u = k < 0 ? 0ULL - (unsigned long long)k
			                             : (unsigned long long)k;
			unsigned frac = (unsigned)(u % 1000);
			int nd = 3;

			i = put_whole(buf, k < 0, u / 1000);
			while (frac % 10 == 0) {   /* frac != 0: not an integer */
				frac /= 10;
				nd--;
			}
			buf[i++] = '.';
			n = i + (size_t)nd;
			buf[n] = '\0';
			while (nd-- > 0) {
				buf[i + (size_t)nd] = (char)('0' + frac % 10);
				frac /= 10;
			}
			return n;
		}
	}
	/* Shortest of %.15g..%.17g that reads back exactly. */
	for (prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		for (i = 0; tmp[i]; i++)  /* undo a locale's decimal comma */
			if (tmp[i] == ',')
				tmp[i] = '.';
		double back;
		if (parse_num(tmp, strlen(tmp), &back) == 0 && back == v)
			break;
	}
	n = strlen(tmp);
	memcpy(buf, tmp, n + 1);
	return n;
}

void sb_num(strbuf *b, double v)
{
	char buf[40];
	size_t n = fmt_num(buf, v);

	sb_append(b, buf, n);
}

void sb_json_str(strbuf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;

	sb_putc(b, '"');
	for (; *p; p++) {
		switch (*p) {
		case '"': sb_append(b, "\\\"", 2); break;
		case '\\': sb_append(b, "\\\\", 2); break;
		case '\n': sb_append(b, "\\n", 2); break;
		case '\r': sb_append(b, "\\r", 2); break;
		case '\t': sb_append(b, "\\t", 2); break;
		default:
			if (*p < 0x20 || *p == '<' || *p == '>' || *p == '&') {
				/* < > & escaped so JSON is safe inside HTML too */
				char u[6] = {'\\', 'u', '0', '0', hex[*p >> 4],
				             hex[*p & 15]};
				sb_append(b, u, 6);
			} else {
				sb_putc(b, (char)*p);
			}
		}
	}
	sb_putc(b, '"');
}

char *sb_detach(strbuf *b, int *rc)
{
	char *s;

	if (b->rc) {
		if (rc)
			*rc = b->rc;
		sb_free(b);
		return NULL;
	}
	if (!b->s && !grow(b, 0)) {
		if (rc)
			*rc = b->rc;
		return NULL;
	}
	s = b->s;
	sb_init(b, b->max);
	if (rc)
		*rc = ATTUNE_OK;
	return s;
}

static const double pow10tab[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

int parse_num_slow(const char *s, size_t n, double *out)
{
	size_t i = 0, ndig = 0, nsig = 0;
	int neg = 0, exp10 = 0, eneg = 0, e = 0;
	unsigned long long mant = 0;
	char tmp[64];

	if (n == 0)
		return -1;
	if (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-';
		i++;
	}
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, ndig++) {
		if (nsig < 19) {
			if (mant || s[i] != '0') {
				mant = mant * 10 + (unsigned)(s[i] - '0');
				nsig++;
			}
		} else {
			exp10++;
			nsig++;
		}
	}
	if (i < n && s[i] == '.') {
		size_t nfrac = 0;
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, nfrac++) {
			if (nsig < 19) {
				if (mant || s[i] != '0') {
					mant = mant * 10 + (unsigned)(s[i] - '0');
					nsig++;
				}
				exp10--;
			} else {
				nsig++;
			}
		}
		ndig += nfrac;
	}
	if (ndig == 0)
		return -1;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t ne = 0;
		i++;
		if (i < n && (s[i] == '-' || s[i] == '+')) {
			eneg = s[i] == '-';
			i++;
		}
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, ne++)
			if (e < 10000)
				e = e * 10 + (s[i] - '0');
		if (ne == 0)
			return -1;
		exp10 += eneg ? -e : e;
	}
	if (i != n)
		return -1;
	/* Clinger's fast path: exact when the mantissa and the power of ten
	 * are both exactly representable. */
	if (nsig <= 15 && exp10 >= -22 && exp10 <= 22 && mant < (1ULL << 53)) {
		double v = (double)mant;
		v = exp10 < 0 ? v / pow10tab[-exp10] : v * pow10tab[exp10];
		*out = neg ? -v : v;
		return 0;
	}
	/* Rare long or extreme numbers: strtod on a validated C-syntax copy. */
	if (n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	*out = strtod(tmp, NULL);
	if (*out != *out || *out == HUGE_VAL || *out == -HUGE_VAL)
		return -1;
	return 0;
}

int parse_i64(const char *s, size_t n, int64_t *out)
{
	int64_t v = 0;
	size_t i;

	if (n == 0 || n > 18)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int utf8_valid(const char *s, size_t n, size_t *bad)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		unsigned c;
		size_t k;
		unsigned cp;

		/* ASCII fast path, eight bytes at a time. */
		while (i + 8 <= n) {
			uint64_t w;
			memcpy(&w, p + i, 8);
			if (w & 0x8080808080808080ULL)
				break;
			i += 8;
		}
		if (i >= n)
			break;
		c = p[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1; cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2; cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3; cp = c & 0x07;
		} else {
			goto badbyte;
		}
		for (size_t j = 1; j <= k; j++) {
			if (i + j >= n || (p[i + j] & 0xc0) != 0x80)
				goto badbyte;
			cp = (cp << 6) | (p[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			goto badbyte;
		i += k + 1;
	}
	return 1;
badbyte:
	if (bad)
		*bad = i;
	return 0;
}

void sb_html(strbuf *b, const char *s, size_t n)
{
	size_t i, from = 0;

	for (i = 0; i < n; i++) {
		const char *ent;
		switch (s[i]) {
		case '&': ent = "&amp;"; break;
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '"': ent = "&quot;"; break;
		case '\'': ent = "&#39;"; break;
		default: continue;
		}
		sb_append(b, s + from, i - from);
		sb_puts(b, ent);
		from = i + 1;
	}
	sb_append(b, s + from, n - from);
}
