/* rules.c - the cue rules file (docs/mirror.md, "The rules file"): a
 * strict line-oriented parser with file:line:column errors, the
 * tokeniser shared with matching, and the compiled-in rules. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "text/rules_int.h"

static const char *const type_names[ATTUNE_CUE_TYPES] = {
	"withdrawal", "deference", "confrontation", "mistrust", "move",
	"engage"
};

const char *attune_mirror_cue_type_name(int type)
{
	return type >= 0 && type < ATTUNE_CUE_TYPES ? type_names[type] : "";
}

/* ---- tokens ---------------------------------------------------------------- */

static int word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c >= 0x80;
}

/* U+2018 or U+2019 at s[i] (3 bytes). */
static int curly(const char *s, size_t n, size_t i)
{
	return i + 2 < n && (unsigned char)s[i] == 0xe2 &&
	       (unsigned char)s[i + 1] == 0x80 &&
	       ((unsigned char)s[i + 2] == 0x98 ||
	        (unsigned char)s[i + 2] == 0x99);
}

#define FNV_OFF 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

/* The byte a word byte hashes as (ASCII letters lower-cased), or 0 for
 * a separator: a-z, 0-9 and bytes >= 0x80 as they are, A-Z | 0x20.
 * 0xe2 is 0 here although it is a word byte: it may start a curly
 * apostrophe, so the tokeniser looks at it on its slow path. A table,
 * so the loop over a word's bytes is one load and one test a byte. */
static const unsigned char low_tab[256] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0x00 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0x10 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 0x20 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,  /* 0x30 */
	0x38, 0x39, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,  /* 0x40 */
	0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,  /* 0x50 */
	0x78, 0x79, 0x7a, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,  /* 0x60 */
	0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,  /* 0x70 */
	0x78, 0x79, 0x7a, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,  /* 0x80 */
	0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f,
	0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97,  /* 0x90 */
	0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f,
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,  /* 0xa0 */
	0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
	0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,  /* 0xb0 */
	0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
	0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7,  /* 0xc0 */
	0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf,
	0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7,  /* 0xd0 */
	0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
	0xe0, 0xe1, 0x00, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7,  /* 0xe0 */
	0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef,
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,  /* 0xf0 */
	0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff,
};

size_t mr_tokenise(const char *s, size_t n, mr_tok *out, size_t cap)
{
	const unsigned char *b = (const unsigned char *)s;
	size_t i = 0, k = 0;

	while (i < n) {
		size_t a;
		uint64_t h = FNV_OFF;
		unsigned l;

		if (!low_tab[b[i]] && (b[i] != 0xe2 || curly(s, n, i))) {
			i++;
			continue;
		}
		a = i;
		for (;;) {
			/* the word's plain bytes: FNV-1a 64 (Fowler, Noll,
			 * Vo; h = (h ^ byte) * 0x100000001b3) */
			while (i < n && (l = low_tab[b[i]]) != 0) {
				h = (h ^ l) * FNV_PRIME;
				i++;
			}
			if (i >= n)
				break;
			/* 0xe2 not starting a curly apostrophe: a word byte */
			if (b[i] == 0xe2 && !curly(s, n, i)) {
				h = (h ^ 0xe2) * FNV_PRIME;
				i++;
				continue;
			}
			/* an apostrophe between word bytes belongs to the word */
			if (s[i] == '\'' && i + 1 < n &&
			    word_byte(b[i + 1]) && !curly(s, n, i + 1)) {
				h = (h ^ '\'') * FNV_PRIME;
				i++;
				continue;
			}
			if (curly(s, n, i) && i + 3 < n &&
			    word_byte(b[i + 3]) && !curly(s, n, i + 3)) {
				h = (h ^ '\'') * FNV_PRIME;
				i += 3;
				continue;
			}
			break;
		}
		if (k < cap) {
			out[k].h = h;
			out[k].off = (uint32_t)a;
			out[k].len = (uint32_t)(i - a);
		}
		k++;
	}
	return k;
}

int mr_is_stop(const attune_mirror_rules *r, uint64_t h)
{
	size_t lo = 0, hi = r->n_stop;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->stop[mid] == h)
			return 1;
		if (r->stop[mid] < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* ---- the parser ---------------------------------------------------------------- */

#define NSET_MAX 1024u     /* named sets */
#define DEDUP_BITS 15u     /* 2^15 slots > 2 x ATTUNE_RULES_PHRASES_MAX */

typedef struct nset {
	char name[ATTUNE_RULES_NAME_MAX + 1];
	uint32_t *ph;
	size_t n, cap;
} nset;

typedef struct pair {
	uint32_t phrase, set;
} pair;

/* A field of a line: a bare word or a quoted phrase. */
typedef struct field {
	const char *s;
	size_t n;
	size_t col;         /* 1-based */
	int quoted;
} field;

#define FIELDS_MAX 512u

typedef struct parser {
	attune_mirror_rules *r;
	attune_err *err;
	const char *name;
	size_t lno;
	size_t cap_rule, cap_clause, cap_code, cap_phrase, cap_pair, cap_stop;
	pair *pairs;
	size_t n_pair;
	uint32_t *dedup;      /* 2^DEDUP_BITS phrase slots */
	nset *sets;
	size_t n_sets;
	mr_rule *cur;         /* the rule being read, or NULL */
	int list;             /* continuation target: 0 none, 1 the last
	                         clause's set, 2 the named set cont_set,
	                         3 stopwords */
	size_t cont_set;
	int seen_magic;
	size_t n_fields;
	field f[FIELDS_MAX];
} parser;

static int perr(parser *p, size_t col, int rc, const char *fmt, ...)
	ATTUNE_PRINTF(4, 5);

static int perr(parser *p, size_t col, int rc, const char *fmt, ...)
{
	char msg[ATTUNE_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (col)
		return attune_err_set(p->err, rc, "%s:%zu:%zu: %s", p->name,
		                      p->lno, col, msg);
	return attune_err_set(p->err, rc, "%s:%zu: %s", p->name, p->lno, msg);
}

static int oom(parser *p)
{
	return attune_err_set(p->err, ATTUNE_ENOMEM, "%s: out of memory",
	                      p->name);
}

/* Grow *pp (elements of size sz) to hold n + 1. */
static int grow(void **pp, size_t *cap, size_t n, size_t sz)
{
	void *q;
	size_t nc;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 16;
	q = realloc(*pp, nc * sz);
	if (!q)
		return -1;
	*pp = q;
	*cap = nc;
	return 0;
}

static int feq(const field *f, const char *z)
{
	size_t n = strlen(z);

	return !f->quoted && f->n == n && memcmp(f->s, z, n) == 0;
}

static int name_ok(const field *f, int dots)
{
	size_t i;

	if (f->quoted || f->n == 0 || f->n > ATTUNE_RULES_NAME_MAX)
		return 0;
	for (i = 0; i < f->n; i++) {
		unsigned char c = (unsigned char)f->s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' ||
		      (dots && ((c >= 'A' && c <= 'Z') || c == '.'))))
			return 0;
	}
	return 1;
}

/* Split a line into fields; comments start with # outside quotes. */
static int split(parser *p, const char *s, size_t n)
{
	size_t i = 0;

	p->n_fields = 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return perr(p, i + 1, ATTUNE_EINVAL, "control character "
			            "0x%02x (tabs and spaces only)", c);
	}
	i = 0;
	while (i < n) {
		field *f;
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || c == '\t') {
			i++;
			continue;
		}
		if (c == '#')
			break;
		if (p->n_fields == FIELDS_MAX)
			return perr(p, i + 1, ATTUNE_ELIMIT, "more than %u fields "
			            "on one line (continue a phrase list on the "
			            "next line)", FIELDS_MAX);
		f = &p->f[p->n_fields++];
		f->col = i + 1;
		if (c == '"') {
			const char *q = memchr(s + i + 1, '"', n - i - 1);
			if (!q)
				return perr(p, i + 1, ATTUNE_EINVAL, "unterminated "
				            "phrase (a phrase ends with \" on the "
				            "same line)");
			f->s = s + i + 1;
			f->n = (size_t)(q - s) - i - 1;
			f->quoted = 1;
			i = (size_t)(q - s) + 1;
			if (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '#')
				return perr(p, i + 1, ATTUNE_EINVAL, "expected a "
				            "blank after a phrase");
			continue;
		}
		f->s = s + i;
		f->quoted = 0;
		while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '#') {
			if (s[i] == '"')
				return perr(p, i + 1, ATTUNE_EINVAL, "a quote inside "
				            "a word (put a blank before the phrase)");
			i++;
		}
		f->n = (size_t)(s + i - f->s);
	}
	return ATTUNE_OK;
}

/* The phrase with words w[0..nw), added when new; its index in *ix. */
static int phrase_of(parser *p, const mr_tok *w, size_t nw, uint32_t *ix)
{
	attune_mirror_rules *r = p->r;
	uint64_t h = 0x9e3779b97f4a7c15ULL;
	size_t i, slot, mask = ((size_t)1 << DEDUP_BITS) - 1;
	mr_phrase *ph;

	for (i = 0; i < nw; i++)
		h = mr_mix(h ^ w[i].h) + i;
	for (slot = (size_t)mr_mix(h) & mask;; slot = (slot + 1) & mask) {
		uint32_t k = p->dedup[slot];
		if (k == UINT32_MAX)
			break;
		ph = &r->phrase[k];
		if (ph->nw == nw) {
			for (i = 0; i < nw && ph->w[i] == w[i].h; i++)
				;
			if (i == nw) {
				*ix = k;
				return ATTUNE_OK;
			}
		}
	}
	if (r->n_phrase >= ATTUNE_RULES_PHRASES_MAX)
		return perr(p, 0, ATTUNE_ELIMIT, "more than "
		            "ATTUNE_RULES_PHRASES_MAX (%u) phrases",
		            ATTUNE_RULES_PHRASES_MAX);
	if (grow((void **)&r->phrase, &p->cap_phrase, r->n_phrase,
	         sizeof(*r->phrase)))
		return oom(p);
	ph = &r->phrase[r->n_phrase];
	memset(ph, 0, sizeof(*ph));
	for (i = 0; i < nw; i++)
		ph->w[i] = w[i].h;
	ph->nw = (uint32_t)nw;
	p->dedup[slot] = (uint32_t)r->n_phrase;
	*ix = (uint32_t)r->n_phrase++;
	return ATTUNE_OK;
}

/* Add phrase ph to the current list (a clause's set, a named set, or
 * the stopwords). */
static int list_add(parser *p, uint32_t ph, size_t col)
{
	attune_mirror_rules *r = p->r;

	if (p->list == 1) {
		if (grow((void **)&p->pairs, &p->cap_pair, p->n_pair,
		         sizeof(*p->pairs)))
			return oom(p);
		p->pairs[p->n_pair].phrase = ph;
		p->pairs[p->n_pair].set = r->clause[r->n_clause - 1].set;
		p->n_pair++;
	} else if (p->list == 2) {
		nset *s = &p->sets[p->cont_set];
		if (grow((void **)&s->ph, &s->cap, s->n, sizeof(*s->ph)))
			return oom(p);
		s->ph[s->n++] = ph;
	} else {
		if (r->phrase[ph].nw != 1)
			return perr(p, col, ATTUNE_EINVAL, "a stopword is one "
			            "word");
		if (grow((void **)&r->stop, &p->cap_stop, r->n_stop,
		         sizeof(*r->stop)))
			return oom(p);
		r->stop[r->n_stop++] = r->phrase[ph].w[0];
	}
	return ATTUNE_OK;
}

/* Phrases and @set references from field i on, into the current list. */
static int phrases(parser *p, size_t i)
{
	mr_tok w[ATTUNE_RULES_PHRASE_WORDS + 1];
	uint32_t ix = 0;
	size_t k, j, nw;
	int rc;

	for (; i < p->n_fields; i++) {
		const field *f = &p->f[i];
		if (!f->quoted && f->n > 1 && f->s[0] == '@') {
			for (k = 0; k < p->n_sets; k++)
				if (strlen(p->sets[k].name) == f->n - 1 &&
				    memcmp(p->sets[k].name, f->s + 1, f->n - 1) == 0)
					break;
			if (k == p->n_sets)
				return perr(p, f->col, ATTUNE_EINVAL, "set '%.*s' is "
				            "not defined (define it with `set` "
				            "before use)", (int)(f->n - 1), f->s + 1);
			if (p->list == 2 && k == p->cont_set)
				return perr(p, f->col, ATTUNE_EINVAL, "set '%s' "
				            "refers to itself", p->sets[k].name);
			for (j = 0; j < p->sets[k].n; j++)
				if ((rc = list_add(p, p->sets[k].ph[j], f->col)))
					return rc;
			continue;
		}
		if (!f->quoted)
			return perr(p, f->col, ATTUNE_EINVAL, "expected a \"quoted "
			            "phrase\" or @set, not '%.*s'",
			            (int)(f->n > 40 ? 40 : f->n), f->s);
		nw = mr_tokenise(f->s, f->n, w, ATTUNE_RULES_PHRASE_WORDS + 1);
		if (nw == 0)
			return perr(p, f->col, ATTUNE_EINVAL, "a phrase needs at "
			            "least one word");
		if (nw > ATTUNE_RULES_PHRASE_WORDS)
			return perr(p, f->col, ATTUNE_ELIMIT, "a phrase of more "
			            "than ATTUNE_RULES_PHRASE_WORDS (%u) words",
			            ATTUNE_RULES_PHRASE_WORDS);
		if ((rc = phrase_of(p, w, nw, &ix)) ||
		    (rc = list_add(p, ix, f->col)))
			return rc;
	}
	return ATTUNE_OK;
}

/* A whole number in lo..hi ("-" for hi when dash). */
static int number(parser *p, const field *f, unsigned lo, unsigned hi,
                  int dash, uint32_t *out)
{
	size_t i;
	unsigned long v = 0;

	if (dash && f->n == 1 && f->s[0] == '-' && !f->quoted) {
		*out = UINT32_MAX;
		return ATTUNE_OK;
	}
	for (i = 0; i < f->n && !f->quoted; i++) {
		if (f->s[i] < '0' || f->s[i] > '9' || i >= 6)
			break;
		v = v * 10 + (unsigned long)(f->s[i] - '0');
	}
	if (f->quoted || f->n == 0 || i != f->n || v < lo || v > hi)
		return perr(p, f->col, ATTUNE_EINVAL, "'%.*s' is not a whole "
		            "number in %u..%u%s", (int)(f->n > 20 ? 20 : f->n),
		            f->s, lo, hi, dash ? " (or - for no limit)" : "");
	*out = (uint32_t)v;
	return ATTUNE_OK;
}

static int need(parser *p, size_t n, const char *what)
{
	if (p->n_fields != n)
		return perr(p, p->n_fields > n ? p->f[n].col : 0, ATTUNE_EINVAL,
		            "%s", what);
	return ATTUNE_OK;
}

/* The code bits of a prev-code value. */
static int code_bits(parser *p, const field *f, uint32_t *mask)
{
	static const char *const beh[4] = {
		"question", "reflection", "therapist_input", "other"
	};
	static const char *const talk[3] = {"change", "neutral", "sustain"};
	char z[64];
	const char *slash;
	int b, s;

	if (f->quoted || f->n >= sizeof(z))
		goto bad;
	memcpy(z, f->s, f->n);
	z[f->n] = '\0';
	for (b = 0; b < 3; b++)
		if (strcmp(z, talk[b]) == 0) {
			*mask |= 1u << (MR_CODE_T + b);
			return ATTUNE_OK;
		}
	slash = strchr(z, '/');
	for (b = 0; b < 4; b++) {
		size_t bn = strlen(beh[b]);
		if (strncmp(z, beh[b], bn) != 0)
			continue;
		if (z[bn] == '\0') {
			*mask |= 1u << (MR_CODE_B + b);
			return ATTUNE_OK;
		}
		if (slash != z + bn)
			continue;
		for (s = 0; s < 8; s++)
			if (attune_mirror_subcode_parent(s) == b &&
			    strcmp(slash + 1, attune_mirror_code_name(
			           ATTUNE_MIRROR_SUBCODE, s)) == 0) {
				*mask |= 1u << (MR_CODE_S + s);
				return ATTUNE_OK;
			}
	}
bad:
	return perr(p, f->col, ATTUNE_EINVAL, "'%.*s' is not a code "
	            "(question, question/open, reflection/complex, "
	            "therapist_input/advice, other, change, neutral, sustain, "
	            "...)", (int)(f->n > 40 ? 40 : f->n), f->s);
}

static int type_of(const char *s, size_t n)
{
	int t;

	for (t = 0; t < ATTUNE_CUE_TYPES; t++)
		if (strlen(type_names[t]) == n && memcmp(type_names[t], s, n) == 0)
			return t;
	return -1;
}

/* code TYPE/SUBTYPE */
static int rule_code(parser *p, const field *f)
{
	attune_mirror_rules *r = p->r;
	const char *slash = f->quoted ? NULL : memchr(f->s, '/', f->n);
	field sub;
	size_t k;
	int t;

	if (!slash)
		return perr(p, f->col, ATTUNE_EINVAL, "a code is TYPE/SUBTYPE "
		            "(withdrawal/minimal, move/immediacy, ...)");
	t = type_of(f->s, (size_t)(slash - f->s));
	if (t < 0)
		return perr(p, f->col, ATTUNE_EINVAL, "'%.*s' is not a type "
		            "(withdrawal, deference, confrontation, mistrust, "
		            "move, engage)", (int)(slash - f->s), f->s);
	sub.s = slash + 1;
	sub.n = f->n - (size_t)(slash + 1 - f->s);
	sub.quoted = 0;
	sub.col = f->col + (size_t)(slash + 1 - f->s);
	if (!name_ok(&sub, 0))
		return perr(p, sub.col, ATTUNE_EINVAL, "a subtype is 1 to %u of "
		            "a-z 0-9 _ -", ATTUNE_RULES_NAME_MAX);
	for (k = 0; k < r->n_code; k++)
		if (r->code[k].type == t && strlen(r->code[k].sub) == sub.n &&
		    memcmp(r->code[k].sub, sub.s, sub.n) == 0)
			break;
	if (k == r->n_code) {
		if (grow((void **)&r->code, &p->cap_code, r->n_code,
		         sizeof(*r->code)))
			return oom(p);
		r->code[k].type = t;
		r->code[k].sub = arena_strndup(&r->ar, sub.s, sub.n);
		if (!r->code[k].sub)
			return oom(p);
		r->n_code++;
	}
	p->cur->type = t;
	p->cur->code = (uint32_t)k;
	return ATTUNE_OK;
}

static int new_clause(parser *p, int cond, mr_clause **out)
{
	attune_mirror_rules *r = p->r;
	mr_clause *c;

	if (p->cur->nc >= ATTUNE_RULES_CLAUSES_MAX)
		return perr(p, p->f[0].col, ATTUNE_ELIMIT, "more than "
		            "ATTUNE_RULES_CLAUSES_MAX (%u) conditions in rule %s",
		            ATTUNE_RULES_CLAUSES_MAX, p->cur->id);
	if (grow((void **)&r->clause, &p->cap_clause, r->n_clause,
	         sizeof(*r->clause)))
		return oom(p);
	c = &r->clause[r->n_clause++];
	memset(c, 0, sizeof(*c));
	c->cond = (uint8_t)cond;
	c->set = UINT32_MAX;
	p->cur->nc++;
	*out = c;
	return ATTUNE_OK;
}

static const struct {
	const char *key;
	int cond;
} conds[] = {
	{"any", MC_ANY}, {"none", MC_NONE}, {"starts", MC_STARTS},
	{"prev-any", MC_PREV_ANY}, {"prev-none", MC_PREV_NONE},
	{"prev-starts", MC_PREV_STARTS}, {"words", MC_WORDS},
	{"prev-words", MC_PREV_WORDS}, {"prev-code", MC_PREV_CODE},
	{"prev-not-code", MC_PREV_NOT_CODE}, {"question", MC_QUESTION},
	{"prev-question", MC_PREV_QUESTION}, {"shared", MC_SHARED},
	{"after-marker", MC_AFTER_MARKER}
};

static int condition(parser *p, int cond)
{
	const field *f = p->f;
	mr_clause *c = NULL;
	uint32_t lo, hi;
	size_t i;
	int rc, t;

	if ((rc = new_clause(p, cond, &c)))
		return rc;
	switch (cond) {
	case MC_ANY: case MC_NONE: case MC_STARTS:
	case MC_PREV_ANY: case MC_PREV_NONE: case MC_PREV_STARTS:
		if (p->n_fields < 2)
			return perr(p, 0, ATTUNE_EINVAL, "%.*s needs phrases",
			            (int)f[0].n, f[0].s);
		c->set = (uint32_t)p->r->n_set++;
		p->list = 1;
		if ((cond == MC_ANY || cond == MC_STARTS) &&
		    p->cur->evid == UINT32_MAX)
			p->cur->evid = p->cur->c0 + p->cur->nc - 1;
		return phrases(p, 1);
	case MC_WORDS: case MC_PREV_WORDS: case MC_SHARED:
		if ((rc = need(p, 3, "expected MIN MAX (MAX may be -)")) ||
		    (rc = number(p, &f[1], 0, 100000, 0, &lo)) ||
		    (rc = number(p, &f[2], 0, 100000, 1, &hi)))
			return rc;
		if (hi < lo)
			return perr(p, f[2].col, ATTUNE_EINVAL, "MAX is below MIN");
		c->lo = lo;
		c->hi = hi;
		if (cond == MC_SHARED) {
			p->cur->need_shared = 1;
			p->r->any_shared = 1;
		}
		return ATTUNE_OK;
	case MC_PREV_CODE: case MC_PREV_NOT_CODE:
		if (p->n_fields < 2)
			return perr(p, 0, ATTUNE_EINVAL, "%.*s needs codes",
			            (int)f[0].n, f[0].s);
		for (i = 1; i < p->n_fields; i++)
			if ((rc = code_bits(p, &f[i], &c->mask)))
				return rc;
		return ATTUNE_OK;
	case MC_QUESTION: case MC_PREV_QUESTION:
		if ((rc = need(p, 2, "expected yes or no")))
			return rc;
		if (feq(&f[1], "yes"))
			c->lo = 1;
		else if (!feq(&f[1], "no"))
			return perr(p, f[1].col, ATTUNE_EINVAL, "expected yes or no");
		return ATTUNE_OK;
	case MC_AFTER_MARKER:
		if (p->n_fields < 2)
			return perr(p, 0, ATTUNE_EINVAL, "after-marker needs N "
			            "(utterances) and optionally marker types");
		if ((rc = number(p, &f[1], 1, ATTUNE_RULES_WINDOW_MAX, 0, &lo)))
			return rc;
		c->lo = lo;
		for (i = 2; i < p->n_fields; i++) {
			t = f[i].quoted ? -1 : type_of(f[i].s, f[i].n);
			if (t < 0 || t >= ATTUNE_CUE_MARKER_TYPES)
				return perr(p, f[i].col, ATTUNE_EINVAL, "'%.*s' is "
				            "not a marker type (withdrawal, "
				            "deference, confrontation, mistrust)",
				            (int)(f[i].n > 40 ? 40 : f[i].n),
				            f[i].s);
			c->mask |= 1u << t;
		}
		if (!c->mask)
			c->mask = (1u << ATTUNE_CUE_MARKER_TYPES) - 1;
		return ATTUNE_OK;
	}
	return ATTUNE_EINTERNAL;
}

/* A decimal in (0, 1] with at most three decimals. */
static int confidence(parser *p, const field *f, float *out)
{
	size_t i = 0;
	unsigned v = 0, scale = 1000, frac = 0;

	if (f->quoted || f->n == 0)
		goto bad;
	if (f->s[0] == '1' && (f->n == 1 || f->s[1] == '.')) {
		v = 1000;
		i = 1;
	} else if (f->s[0] == '0') {
		i = 1;
	} else {
		goto bad;
	}
	if (i < f->n) {
		if (f->s[i] != '.' || i + 1 == f->n || f->n - i - 1 > 3)
			goto bad;
		for (i++; i < f->n; i++) {
			if (f->s[i] < '0' || f->s[i] > '9')
				goto bad;
			scale /= 10;
			frac += (unsigned)(f->s[i] - '0') * scale;
		}
	}
	if (v == 1000 && frac)
		goto bad;
	v += frac;
	if (v == 0)
		goto bad;
	*out = (float)v / 1000.0f;
	return ATTUNE_OK;
bad:
	return perr(p, f->col, ATTUNE_EINVAL, "'%.*s' is not a confidence "
	            "in 0.001..1 (at most three decimals)",
	            (int)(f->n > 20 ? 20 : f->n), f->s);
}

/* The rule just read is complete. */
static int end_rule(parser *p)
{
	mr_rule *ru = p->cur;
	size_t line = p->lno;

	if (!ru)
		return ATTUNE_OK;
	p->lno = ru->line;
	if (ru->type < 0) {
		int rc = perr(p, 0, ATTUNE_EINVAL, "rule %s has no code",
		              ru->id);
		p->lno = line;
		return rc;
	}
	if (ru->nc == 0) {
		int rc = perr(p, 0, ATTUNE_EINVAL, "rule %s has no condition "
		              "(it would fire on every turn)", ru->id);
		p->lno = line;
		return rc;
	}
	if (ru->type >= ATTUNE_CUE_MARKER_TYPES && ru->intensity) {
		int rc = perr(p, 0, ATTUNE_EINVAL, "rule %s: intensity is for "
		              "markers, not %s rules", ru->id,
		              type_names[ru->type]);
		p->lno = line;
		return rc;
	}
	if (ru->type < ATTUNE_CUE_MARKER_TYPES && !ru->intensity)
		ru->intensity = 2;
	p->lno = line;
	p->cur = NULL;
	return ATTUNE_OK;
}

static int param(parser *p)
{
	static const struct {
		const char *name;
		size_t off;
		unsigned lo, hi;
	} ps[] = {
		{"episode_gap", offsetof(attune_mirror_params, episode_gap), 1,
		 ATTUNE_RULES_WINDOW_MAX},
		{"response_window", offsetof(attune_mirror_params,
		 response_window), 1, ATTUNE_RULES_WINDOW_MAX},
		{"reengage_window", offsetof(attune_mirror_params,
		 reengage_window), 1, ATTUNE_RULES_WINDOW_MAX},
		{"reengage_words", offsetof(attune_mirror_params,
		 reengage_words), 1, 1000},
		{"moments_max", offsetof(attune_mirror_params, moments_max), 0,
		 100}
	};
	uint32_t v;
	size_t i;
	int rc;

	if ((rc = need(p, 3, "expected param NAME VALUE")))
		return rc;
	for (i = 0; i < sizeof(ps) / sizeof(ps[0]); i++)
		if (feq(&p->f[1], ps[i].name)) {
			if ((rc = number(p, &p->f[2], ps[i].lo, ps[i].hi, 0, &v)))
				return rc;
			*(unsigned *)(void *)((char *)&p->r->params + ps[i].off) = v;
			return ATTUNE_OK;
		}
	return perr(p, p->f[1].col, ATTUNE_EINVAL, "unknown param '%.*s' "
	            "(episode_gap, response_window, reengage_window, "
	            "reengage_words, moments_max)",
	            (int)(p->f[1].n > 40 ? 40 : p->f[1].n), p->f[1].s);
}

static int line_of(parser *p)
{
	attune_mirror_rules *r = p->r;
	const field *f = p->f;
	size_t i, k;
	int rc;

	if (p->n_fields == 0)
		return ATTUNE_OK;
	if (!p->seen_magic) {
		uint32_t v;
		if (!feq(&f[0], "attune-mirror-rules"))
			return perr(p, f[0].col, ATTUNE_EINVAL, "not an attune "
			            "rules file (the first line is "
			            "'attune-mirror-rules 1')");
		if ((rc = need(p, 2, "expected attune-mirror-rules VERSION")) ||
		    (rc = number(p, &f[1], 1, 1000000, 0, &v)))
			return rc;
		if (v > 1)
			return perr(p, f[1].col, ATTUNE_EVERSION, "rules format "
			            "version %u was made by a newer version of "
			            "attune (this one reads version 1)", (unsigned)v);
		p->seen_magic = 1;
		return ATTUNE_OK;
	}
	/* continuation of a phrase list */
	if (f[0].quoted || (f[0].n > 1 && f[0].s[0] == '@')) {
		if (!p->list)
			return perr(p, f[0].col, ATTUNE_EINVAL, "phrases continue a "
			            "phrase list (any, none, set, ...), and the "
			            "line before is none");
		return phrases(p, 0);
	}
	p->list = 0;
	if (feq(&f[0], "rule")) {
		mr_rule *ru;
		if ((rc = end_rule(p)))
			return rc;
		if ((rc = need(p, 2, "expected rule ID")))
			return rc;
		if (!name_ok(&f[1], 1))
			return perr(p, f[1].col, ATTUNE_EINVAL, "a rule id is 1 to "
			            "%u of A-Z a-z 0-9 . _ -",
			            ATTUNE_RULES_NAME_MAX);
		for (i = 0; i < r->n_rule; i++)
			if (strlen(r->rule[i].id) == f[1].n &&
			    memcmp(r->rule[i].id, f[1].s, f[1].n) == 0)
				return perr(p, f[1].col, ATTUNE_EINVAL, "rule %s is "
				            "defined twice (first on line %zu)",
				            r->rule[i].id, r->rule[i].line);
		if (r->n_rule >= ATTUNE_RULES_MAX)
			return perr(p, f[0].col, ATTUNE_ELIMIT, "more than "
			            "ATTUNE_RULES_MAX (%u) rules", ATTUNE_RULES_MAX);
		if (grow((void **)&r->rule, &p->cap_rule, r->n_rule,
		         sizeof(*r->rule)))
			return oom(p);
		ru = &r->rule[r->n_rule++];
		memset(ru, 0, sizeof(*ru));
		ru->id = arena_strndup(&r->ar, f[1].s, f[1].n);
		ru->note = "";
		if (!ru->id)
			return oom(p);
		ru->type = -1;
		ru->confidence = 0.5f;
		ru->line = p->lno;
		ru->c0 = (uint32_t)r->n_clause;
		ru->evid = UINT32_MAX;
		p->cur = ru;
		return ATTUNE_OK;
	}
	if (feq(&f[0], "set")) {
		nset *s;
		if ((rc = end_rule(p)))
			return rc;
		if (p->n_fields < 2 || !name_ok(&f[1], 0))
			return perr(p, p->n_fields < 2 ? 0 : f[1].col,
			            ATTUNE_EINVAL, "expected set NAME \"phrase\" "
			            "... (a name is 1 to %u of a-z 0-9 _ -)",
			            ATTUNE_RULES_NAME_MAX);
		for (k = 0; k < p->n_sets; k++)
			if (strlen(p->sets[k].name) == f[1].n &&
			    memcmp(p->sets[k].name, f[1].s, f[1].n) == 0)
				break;
		if (k == p->n_sets) {
			if (p->n_sets == NSET_MAX)
				return perr(p, f[0].col, ATTUNE_ELIMIT, "more than "
				            "%u named sets", NSET_MAX);
			s = &p->sets[p->n_sets++];
			memcpy(s->name, f[1].s, f[1].n);
			s->name[f[1].n] = '\0';
		}
		p->list = 2;
		p->cont_set = k;
		return phrases(p, 2);
	}
	if (feq(&f[0], "stopwords")) {
		if ((rc = end_rule(p)))
			return rc;
		p->list = 3;
		return phrases(p, 1);
	}
	if (feq(&f[0], "param")) {
		if ((rc = end_rule(p)))
			return rc;
		return param(p);
	}
	if (!p->cur)
		return perr(p, f[0].col, ATTUNE_EINVAL, "unknown directive "
		            "'%.*s' (attune-mirror-rules, param, set, stopwords, "
		            "rule)", (int)(f[0].n > 40 ? 40 : f[0].n), f[0].s);
	if (feq(&f[0], "code")) {
		if ((rc = need(p, 2, "expected code TYPE/SUBTYPE")))
			return rc;
		if (p->cur->type >= 0)
			return perr(p, f[0].col, ATTUNE_EINVAL, "rule %s has two "
			            "codes", p->cur->id);
		return rule_code(p, &f[1]);
	}
	if (feq(&f[0], "intensity")) {
		uint32_t v;
		if ((rc = need(p, 2, "expected intensity 1, 2 or 3")) ||
		    (rc = number(p, &f[1], 1, 3, 0, &v)))
			return rc;
		p->cur->intensity = (int)v;
		return ATTUNE_OK;
	}
	if (feq(&f[0], "confidence")) {
		if ((rc = need(p, 2, "expected confidence 0.001..1")))
			return rc;
		return confidence(p, &f[1], &p->cur->confidence);
	}
	for (i = 0; i < sizeof(conds) / sizeof(conds[0]); i++)
		if (feq(&f[0], conds[i].key))
			return condition(p, conds[i].cond);
	return perr(p, f[0].col, ATTUNE_EINVAL, "unknown key '%.*s' in rule %s "
	            "(code, intensity, confidence, note, any, none, starts, "
	            "prev-any, prev-none, prev-starts, words, prev-words, "
	            "prev-code, prev-not-code, question, prev-question, "
	            "shared, after-marker)",
	            (int)(f[0].n > 40 ? 40 : f[0].n), f[0].s, p->cur->id);
}

/* "note TEXT" in a rule: the rest of the line as written (quotes and #
 * included). Returns -1 when the line was a note (taken), else 0 or an
 * error. */
static int note_line(parser *p, const char *s, size_t n)
{
	size_t i = 0, j;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (n - i < 4 || memcmp(s + i, "note", 4) != 0 ||
	    (n - i > 4 && s[i + 4] != ' ' && s[i + 4] != '\t'))
		return 0;
	if (!p->cur || !p->seen_magic)
		return 0;   /* line_of() says what is wrong */
	for (j = i; j < n; j++)
		if ((unsigned char)s[j] < 0x20 && s[j] != '\t')
			return perr(p, j + 1, ATTUNE_EINVAL, "control character "
			            "0x%02x (tabs and spaces only)",
			            (unsigned char)s[j]);
	for (i += 4; i < n && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	p->list = 0;
	p->cur->note = arena_strndup(&p->r->ar, s + i, n - i);
	return p->cur->note ? -1 : oom(p);
}

static int cmp_pair(const void *a, const void *b)
{
	const pair *x = a, *y = b;

	if (x->phrase != y->phrase)
		return x->phrase < y->phrase ? -1 : 1;
	return x->set < y->set ? -1 : x->set > y->set;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* After the last line: phrase -> sets, the first-word table, the code
 * order (by type, stable), the stopwords sorted. */
static int finish(parser *p)
{
	attune_mirror_rules *r = p->r;
	size_t i, j, n, slots;
	uint32_t *inv = NULL;
	mr_code *sorted = NULL;
	int t;

	if (p->n_pair)
		qsort(p->pairs, p->n_pair, sizeof(*p->pairs), cmp_pair);
	r->set_ix = malloc((p->n_pair ? p->n_pair : 1) * sizeof(*r->set_ix));
	if (!r->set_ix)
		return oom(p);
	for (i = n = 0; i < p->n_pair; i++) {
		mr_phrase *ph = &r->phrase[p->pairs[i].phrase];
		if (i && p->pairs[i].phrase == p->pairs[i - 1].phrase &&
		    p->pairs[i].set == p->pairs[i - 1].set)
			continue;
		if (ph->ns == 0)
			ph->s0 = (uint32_t)n;
		ph->ns++;
		r->set_ix[n++] = p->pairs[i].set;
	}
	for (r->head_bits = 4; ((size_t)1 << r->head_bits) < 2 * r->n_phrase;)
		r->head_bits++;
	slots = (size_t)1 << r->head_bits;
	r->head = malloc(slots * sizeof(*r->head));
	if (!r->head)
		return oom(p);
	memset(r->head, 0xff, slots * sizeof(*r->head));
	/* chain phrases by first word; only phrases some clause uses */
	for (i = r->n_phrase; i-- > 0;) {
		mr_phrase *ph = &r->phrase[i];
		size_t s;
		ph->next = UINT32_MAX;
		ph->key = mr_key(ph->w[0], ph->nw > 1 ? &ph->w[1] : NULL);
		if (ph->ns == 0)
			continue;
		{
			unsigned fb = (unsigned)(ph->w[0] & 1023);
			uint64_t *f = ph->nw > 1 ? r->first2 : r->first1;
			f[fb >> 6] |= (uint64_t)1 << (fb & 63);
			if (ph->nw > 1) {
				unsigned pb = MR_PAIR_BIT(ph->key);
				r->pair[pb >> 6] |= (uint64_t)1 << (pb & 63);
			}
		}
		for (s = (size_t)ph->key & (slots - 1);;
		     s = (s + 1) & (slots - 1)) {
			uint32_t k = r->head[s];
			if (k == UINT32_MAX) {
				r->head[s] = (uint32_t)i;
				break;
			}
			if (r->phrase[k].key == ph->key) {
				ph->next = k;
				r->head[s] = (uint32_t)i;
				break;
			}
		}
	}
	/* codes by type */
	if (r->n_code) {
		inv = malloc(r->n_code * sizeof(*inv));
		sorted = malloc(r->n_code * sizeof(*sorted));
		if (!inv || !sorted) {
			free(inv);
			free(sorted);
			return oom(p);
		}
		for (t = n = 0; t < ATTUNE_CUE_TYPES; t++)
			for (j = 0; j < r->n_code; j++)
				if (r->code[j].type == t) {
					inv[j] = (uint32_t)n;
					sorted[n++] = r->code[j];
				}
		memcpy(r->code, sorted, r->n_code * sizeof(*sorted));
		for (i = 0; i < r->n_rule; i++)
			r->rule[i].code = inv[r->rule[i].code];
		free(inv);
		free(sorted);
	}
	if (r->n_stop)
		qsort(r->stop, r->n_stop, sizeof(*r->stop), cmp_u64);
	return ATTUNE_OK;
}

int attune_mirror_rules_parse(const char *buf, size_t len, const char *zName,
                              attune_mirror_rules **out, attune_err *err)
{
	parser *p;
	attune_mirror_rules *r;
	size_t bad, i;
	int rc = ATTUNE_OK;
	const char *s;

	*out = NULL;
	if (!zName)
		zName = "rules";
	if (len > ATTUNE_RULES_FILE_MAX)
		return attune_err_set(err, ATTUNE_ELIMIT, "%s: larger than "
		                      "ATTUNE_RULES_FILE_MAX (%u bytes)", zName,
		                      ATTUNE_RULES_FILE_MAX);
	if (!utf8_valid(buf, len, &bad))
		return attune_err_set(err, ATTUNE_EINVAL, "%s: invalid UTF-8 at "
		                      "byte %zu", zName, bad);
	if (memchr(buf, '\0', len))
		return attune_err_set(err, ATTUNE_EINVAL, "%s: a NUL byte at "
		                      "byte %zu", zName,
		                      (size_t)((const char *)memchr(buf, '\0', len) -
		                               buf));
	p = calloc(1, sizeof(*p));
	r = calloc(1, sizeof(*r));
	if (p)
		p->dedup = malloc(((size_t)1 << DEDUP_BITS) * sizeof(uint32_t));
	if (p)
		p->sets = calloc(NSET_MAX, sizeof(*p->sets));
	if (!p || !r || !p->dedup || !p->sets) {
		rc = attune_err_set(err, ATTUNE_ENOMEM, "%s: out of memory",
		                    zName);
		goto out;
	}
	memset(p->dedup, 0xff, ((size_t)1 << DEDUP_BITS) * sizeof(uint32_t));
	arena_init(&r->ar);
	r->params.episode_gap = 4;
	r->params.response_window = 6;
	r->params.reengage_window = 6;
	r->params.reengage_words = 12;
	r->params.moments_max = 8;
	p->r = r;
	p->err = err;
	p->name = zName;
	{
		size_t at = 0;
		if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
			at = 3;
		while (at < len) {
			const char *e = memchr(buf + at, '\n', len - at);
			size_t n = e ? (size_t)(e - buf) - at : len - at;
			s = buf + at;
			at += n + (e ? 1 : 0);
			if (n && s[n - 1] == '\r')
				n--;
			p->lno++;
			if ((rc = note_line(p, s, n)) < 0)
				continue;
			if (rc || (rc = split(p, s, n)) || (rc = line_of(p)))
				goto out;
		}
	}
	if (!p->seen_magic) {
		rc = attune_err_set(err, ATTUNE_EINVAL, "%s: empty (a rules file "
		                    "starts with 'attune-mirror-rules 1')", zName);
		goto out;
	}
	if ((rc = end_rule(p)) || (rc = finish(p)))
		goto out;
	*out = r;
	r = NULL;
out:
	if (p) {
		if (p->sets)
			for (i = 0; i < p->n_sets; i++)
				free(p->sets[i].ph);
		free(p->sets);
		free(p->pairs);
		free(p->dedup);
		free(p);
	}
	attune_mirror_rules_free(r);
	return rc;
}

void attune_mirror_rules_free(attune_mirror_rules *r)
{
	if (!r)
		return;
	arena_free(&r->ar);
	free(r->rule);
	free(r->clause);
	free(r->code);
	free(r->phrase);
	free(r->set_ix);
	free(r->head);
	free(r->stop);
	free(r);
}

void attune_mirror_rules_params(const attune_mirror_rules *r,
                                attune_mirror_params *p)
{
	*p = r->params;
}

size_t attune_mirror_rules_codes(const attune_mirror_rules *r)
{
	return r->n_code;
}

void attune_mirror_rules_code(const attune_mirror_rules *r, size_t k,
                              int *type, const char **sub)
{
	*type = k < r->n_code ? r->code[k].type : -1;
	*sub = k < r->n_code ? r->code[k].sub : "";
}

const char *attune_mirror_rules_builtin_text(size_t *len)
{
	*len = mir_builtin_rules_len;
	return (const char *)mir_builtin_rules;
}

int attune_mirror_rules_builtin(attune_mirror_rules **out, attune_err *err)
{
	return attune_mirror_rules_parse((const char *)mir_builtin_rules,
	                                 mir_builtin_rules_len, "mirror.rules",
	                                 out, err);
}
