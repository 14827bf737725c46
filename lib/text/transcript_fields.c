/* transcript_fields.c - the small parsers every transcript reader
 * shares: speaker labels and the caller's speaker map, "Label:" prefixes,
 * timestamps, character references (entities), line numbers. */
#include <stdio.h>
#include <string.h>
#include "text/text_int.h"

/* ---- speaker map and labels -------------------------------------------- */

static const struct {
	const char *z;
	attune_speaker sp;
} role_words[] = {
	{"t", ATTUNE_SPEAKER_THERAPIST},
	{"therapist", ATTUNE_SPEAKER_THERAPIST},
	{"counselor", ATTUNE_SPEAKER_THERAPIST},
	{"counsellor", ATTUNE_SPEAKER_THERAPIST},
	{"clinician", ATTUNE_SPEAKER_THERAPIST},
	{"c", ATTUNE_SPEAKER_CLIENT},
	{"client", ATTUNE_SPEAKER_CLIENT},
	{"patient", ATTUNE_SPEAKER_CLIENT},
};

static int eq_ci2(const char *a, size_t n, const char *b, size_t m)
{
	size_t i;

	if (n != m)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
		if (x != y)
			return 0;
	}
	return 1;
}

attune_speaker spk_resolve(const spk_map *m, const char *s, size_t n,
                           int *known)
{
	size_t i;

	if (known)
		*known = 1;
	for (i = 0; m && i < m->n; i++)
		if (eq_ci2(s, n, m->e[i].name, m->e[i].n))
			return m->e[i].sp;
	if (n <= 10)
		for (i = 0; i < sizeof(role_words) / sizeof(role_words[0]); i++)
			if (eq_ci(s, n, role_words[i].z))
				return role_words[i].sp;
	if (known)
		*known = 0;
	return ATTUNE_SPEAKER_OTHER;
}

int spk_map_parse(spk_map *m, const char *z, attune_err *err)
{
	const char *p = z, *comma, *eq, *name, *role;
	size_t nn, nr, i;
	attune_speaker sp;

	m->n = 0;
	if (!z)
		return ATTUNE_OK;
	while (*p) {
		comma = strchr(p, ',');
		if (!comma)
			comma = p + strlen(p);
		eq = memchr(p, '=', (size_t)(comma - p));
		nn = (size_t)((eq ? eq : comma) - p);
		name = trim(p, &nn);
		if (!eq) {
			if (nn == 0 && !*comma)
				break;  /* trailing comma */
			return attune_err_set(err, ATTUNE_EINVAL, "speaker map: "
			                      "'%.*s' has no '=role' (write "
			                      "NAME=therapist, NAME=client or "
			                      "NAME=other)", (int)(nn > 64 ? 64 : nn),
			                      name);
		}
		nr = (size_t)(comma - eq - 1);
		role = trim(eq + 1, &nr);
		if (nn == 0)
			return attune_err_set(err, ATTUNE_EINVAL, "speaker map: "
			                      "empty name before '=%.*s'",
			                      (int)(nr > 32 ? 32 : nr), role);
		if (nn > ATTUNE_SPEAKER_LABEL_MAX)
			return attune_err_set(err, ATTUNE_ELIMIT, "speaker map: "
			                      "name '%.20s...' longer than "
			                      "ATTUNE_SPEAKER_LABEL_MAX (%u bytes)",
			                      name, ATTUNE_SPEAKER_LABEL_MAX);
		if (eq_ci(role, nr, "therapist") || eq_ci(role, nr, "t"))
			sp = ATTUNE_SPEAKER_THERAPIST;
		else if (eq_ci(role, nr, "client") || eq_ci(role, nr, "c"))
			sp = ATTUNE_SPEAKER_CLIENT;
		else if (eq_ci(role, nr, "other"))
			sp = ATTUNE_SPEAKER_OTHER;
		else
			return attune_err_set(err, ATTUNE_EINVAL, "speaker map: "
			                      "role '%.*s' of '%.*s' is not "
			                      "therapist, client or other",
			                      (int)(nr > 32 ? 32 : nr), role,
			                      (int)nn, name);
		for (i = 0; i < m->n; i++)
			if (eq_ci2(name, nn, m->e[i].name, m->e[i].n))
				return attune_err_set(err, ATTUNE_EINVAL,
				                      "speaker map: '%.*s' is "
				                      "named twice", (int)nn, name);
		if (m->n == ATTUNE_SPEAKER_MAP_MAX)
			return attune_err_set(err, ATTUNE_ELIMIT, "speaker map: "
			                      "more than ATTUNE_SPEAKER_MAP_MAX "
			                      "(%u) names", ATTUNE_SPEAKER_MAP_MAX);
		memcpy(m->e[m->n].name, name, nn);
		m->e[m->n].name[nn] = '\0';
		m->e[m->n].n = nn;
		m->e[m->n].sp = sp;
		m->n++;
		p = *comma ? comma + 1 : comma;
	}
	return ATTUNE_OK;
}

/* A word of a name-like label: starts with an upper-case ASCII letter, a
 * non-ASCII byte (a letter of another script, most likely) or, after the
 * first word, a digit ("Speaker 2"); then letters, digits, . ' - _ */
static int name_like(const char *s, size_t n)
{
	size_t i = 0, words = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'A' && c <= 'Z') || c >= 0x80 ||
		      (words > 0 && c >= '0' && c <= '9')))
			return 0;
		if (++words > 4)
			return 0;
		for (i++; i < n && s[i] != ' '; i++) {
			c = (unsigned char)s[i];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c >= 0x80 || c == '.' ||
			      c == '\'' || c == '-' || c == '_'))
				return 0;
		}
		if (i < n)
			i++;  /* the single space between words */
		if (i == n && s[n - 1] == ' ')
			return 0;
	}
	return words > 0;
}

int spk_prefix(const spk_map *m, const char *s, size_t n, int known_only,
               size_t *label_n, size_t *rest)
{
	size_t lim = n < ATTUNE_SPEAKER_LABEL_MAX + 1 ? n :
	             ATTUNE_SPEAKER_LABEL_MAX + 1;
	const char *colon = memchr(s, ':', lim);
	size_t c, ln, r;
	int known, spaced;

	if (!colon || colon == s)
		return 0;
	c = (size_t)(colon - s);
	ln = c;
	while (ln > 0 && is_blank((unsigned char)s[ln - 1]))
		ln--;
	if (ln == 0)
		return 0;
	r = c + 1;
	spaced = r == n || is_blank((unsigned char)s[r]);
	(void)spk_resolve(m, s, ln, &known);
	if (!known) {
		/* "10:30", "http://", "So here's the thing:" are not names. */
		if (known_only || !spaced || !name_like(s, ln))
			return 0;
	}
	while (r < n && is_blank((unsigned char)s[r]))
		r++;
	*label_n = ln;
	*rest = r;
	return 1;
}

/* ---- timestamps -------------------------------------------------------- */

static int ts_bad(char *why, size_t why_n, const char *s, size_t n, int rc,
                  const char *what)
{
	snprintf(why, why_n, "timestamp '%.*s%s' %s", (int)(n > 40 ? 40 : n), s,
	         n > 40 ? "..." : "", what);
	return rc;
}

int ts_parse(const char *s, size_t n, int strict, int64_t *ms, char *why,
             size_t why_n)
{
	/* Fields left to right: up to three, separated by ':'. */
	int64_t f[3] = {0, 0, 0};
	size_t nd[3] = {0, 0, 0}, nf = 0, i = 0, fd = 0;
	int64_t frac = 0, total;
	const char *shape = strict == 2 ? "is not hh:mm:ss,ttt" :
	                    strict ? "is not hh:mm:ss.ttt or mm:ss.ttt" :
	                    "is not hh:mm:ss, mm:ss or seconds";

	for (;;) {
		if (nf == 3)
			return ts_bad(why, why_n, s, n, ATTUNE_EINVAL, shape);
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			if (nd[nf] >= 12)  /* 12 digits: beyond any limit */
				return ts_bad(why, why_n, s, n, ATTUNE_ELIMIT,
				              "is above ATTUNE_TRANSCRIPT_TIME_"
				              "MAX_MS (100 hours)");
			f[nf] = f[nf] * 10 + (s[i] - '0');
			nd[nf]++;
			i++;
		}
		if (nd[nf] == 0)
			return ts_bad(why, why_n, s, n, ATTUNE_EINVAL, shape);
		nf++;
		if (i < n && s[i] == ':') {
			i++;
			continue;
		}
		break;
	}
	if (i < n && (s[i] == '.' || s[i] == ',')) {
		i++;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			if (fd < 3)
				frac = frac * 10 + (s[i] - '0');
			fd++;
			i++;
		}
		if (fd == 0 || fd > 9)
			return ts_bad(why, why_n, s, n, ATTUNE_EINVAL, shape);
		for (; fd < 3; fd++)
			frac *= 10;
	} else if (strict) {
		return ts_bad(why, why_n, s, n, ATTUNE_EINVAL, shape);
	}
	if (i != n)
		return ts_bad(why, why_n, s, n, ATTUNE_EINVAL, shape);
	if (strict) {
		if (nf < 2 || nd[nf - 1] != 2 || nd[nf - 2] != 2)
			return ts_bad(why, why_n, s, n, ATTUNE_EINVAL, shape);
	} else {
		for (i = 1; i < nf; i++)
			if (nd[i] > 3)
				return ts_bad(why, why_n, s, n, ATTUNE_EINVAL,
				              shape);
	}
	/* Below the leading field, minutes and seconds stay under 60; so do
	 * the leading minutes of a cue's mm:ss.ttt (WebVTT 4.2). */
	if ((nf == 3 && f[1] > 59) || (strict && nf == 2 && f[0] > 59))
		return ts_bad(why, why_n, s, n, ATTUNE_EINVAL,
		              "has minutes above 59");
	if (nf >= 2 && f[nf - 1] > 59)
		return ts_bad(why, why_n, s, n, ATTUNE_EINVAL,
		              "has seconds above 59");
	if (nf == 3)
		total = (f[0] * 3600 + f[1] * 60 + f[2]) * 1000 + frac;
	else if (nf == 2)
		total = (f[0] * 60 + f[1]) * 1000 + frac;
	else
		total = f[0] * 1000 + frac;
	if (total > ATTUNE_TRANSCRIPT_TIME_MAX_MS)
		return ts_bad(why, why_n, s, n, ATTUNE_ELIMIT, "is above "
		              "ATTUNE_TRANSCRIPT_TIME_MAX_MS (100 hours)");
	*ms = total;
	return ATTUNE_OK;
}

size_t ts_format(char *buf, int64_t ms)
{
	long long h = (long long)(ms / 3600000), m = (long long)(ms / 60000 % 60),
	          sec = (long long)(ms / 1000 % 60), t = (long long)(ms % 1000);
	int k = snprintf(buf, 32, "%02lld:%02lld:%02lld.%03lld", h, m, sec, t);

	return k > 0 ? (size_t)k : 0;
}

/* ---- entities ----------------------------------------------------------- */

static size_t put_utf8(char *out, unsigned long cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

size_t ent_decode(const char *s, size_t n, char *out, size_t *used)
{
	static const struct {
		const char *z;
		char c;
	} named[] = {
		{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'},
		{"apos;", '\''}, {"nbsp;", ' '},
	};
	size_t i, k;

	if (n < 3 || s[0] != '&')
		return 0;
	if (s[1] == '#') {
		unsigned long cp = 0;
		int hex = s[2] == 'x' || s[2] == 'X';
		size_t digits = 0;

		for (i = hex ? 3 : 2; i < n && digits <= 7; i++, digits++) {
			unsigned char c = (unsigned char)s[i];
			unsigned d;
			if (c >= '0' && c <= '9')
				d = c - '0';
			else if (hex && c >= 'a' && c <= 'f')
				d = c - 'a' + 10;
			else if (hex && c >= 'A' && c <= 'F')
				d = c - 'A' + 10;
			else
				break;
			cp = cp * (hex ? 16 : 10) + d;
		}
		if (digits == 0 || digits > 7 || i >= n || s[i] != ';')
			return 0;
		/* No NUL, no other C0 control but tab, no surrogate, none
		 * beyond Unicode: left as written. */
		if ((cp < 0x20 && cp != '\t') || cp == 0x7f ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return 0;
		*used = i + 1;
		return put_utf8(out, cp);
	}
	for (k = 0; k < sizeof(named) / sizeof(named[0]); k++) {
		size_t zn = strlen(named[k].z);
		if (n - 1 >= zn && memcmp(s + 1, named[k].z, zn) == 0) {
			*used = zn + 1;
			out[0] = named[k].c;
			return 1;
		}
	}
	return 0;
}

/* ---- lines --------------------------------------------------------------- */

size_t line_of(const char *buf, size_t len, size_t off)
{
	const char *p, *e = buf + (off < len ? off : len);
	size_t line = 1;

	/* CR alone also ends a line (WebVTT allows it); CRLF is one end. */
	for (p = buf; p < e; p++)
		if (*p == '\n' || (*p == '\r' && !(p + 1 < buf + len &&
		                                    p[1] == '\n')))
			line++;
	return line;
}
