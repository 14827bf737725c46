/* coder_feat.c - the coder's features: a turn's text and its neighbours
 * turned into hashed buckets with values (the "hashing trick",
 * Weinberger et al. 2009, ICML: feature -> bucket by a hash, no
 * vocabulary stored).
 *
 * Tokens: runs of ASCII letters, digits, apostrophes and non-ASCII bytes,
 * lower-cased (ASCII), and the punctuation marks ? ! . , as tokens of
 * their own (a run of one mark is one token); curly apostrophes become
 * ', an ellipsis '.'. Blocks (enum mir_ns in coder_int.h):
 *   word   unigrams                           w:you  w:?
 *   ngram  bigrams, trigrams with <s> </s>    b:<s>_do  b:you_?
 *   char   byte n-grams of " word "           c:_wh  c:hat_
 *   meta   length, end mark, '?' count, position, first word + end mark
 *   prev1..prev3, next: words (and bigrams for prev1/next) of the
 *          neighbouring turns, salted by whether the same person spoke
 * Each block's values are weight / sqrt(count), so every block has the
 * same norm whatever the turn's length (the unit-norm scaling of TF-IDF
 * pipelines, per block). Hashes are FNV-1a 64 over bytes, combined with
 * splitmix64-style mixing, and bucketed by Fibonacci hashing:
 * fixed arithmetic, the same buckets on every platform
 * (tests/unit/test_coder.c pins them). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "text/coder_int.h"

#define FNV_OFF 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static const uint64_t ns_salt[NS_COUNT] = {
	0x243f6a8885a308d3ULL, 0x13198a2e03707344ULL, 0xa4093822299f31d0ULL,
	0x082efa98ec4e6c89ULL, 0x452821e638d01377ULL, 0xbe5466cf34e90c6cULL,
	0xc0ac29b7c97c50ddULL, 0x3f84d5b5b5470917ULL
};

uint64_t mir_hash_bytes(const char *s, size_t n)
{
	uint64_t h = FNV_OFF;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * FNV_PRIME;
	return h;
}

/* Fibonacci hashing (Knuth, TAOCP vol. 3, 6.4): the top bits of the
 * salted hash times 2^64 / phi. */
uint32_t mir_bucket(uint64_t h, unsigned ns, unsigned bits)
{
	return (uint32_t)(((h ^ ns_salt[ns]) * 0x9e3779b97f4a7c15ULL) >>
	                  (64 - bits));
}

/* Two hashes into one (order matters), with the multiply-xorshift
 * steps of the splitmix64 finaliser (Steele, Lea & Flood 2014). */
static inline uint64_t pair(uint64_t a, uint64_t b)
{
	uint64_t h = (a ^ (a >> 29)) * 0xbf58476d1ce4e5b9ULL + b;
	return (h ^ (h >> 32)) * 0x94d049bb133111ebULL;
}

#define H_BOS 0x5bd1e9955bd1e995ULL   /* <s> */
#define H_EOS 0x27d4eb2f165667c5ULL   /* </s> */

void mir_fx_init(mir_fx *x)
{
	memset(x, 0, sizeof(*x));
}

void mir_fx_free(mir_fx *x)
{
	free(x->f);
	free(x->name);
	free(x->low);
	free(x->t);
	free(x->span);
	mir_fx_init(x);
}

static int grow_feats(mir_fx *x)
{
	size_t cap = x->cap ? x->cap * 2 : 1024;
	mir_feat *nf;

	nf = realloc(x->f, cap * sizeof(*nf));
	if (!nf)
		return x->oom = 1;
	x->f = nf;
	if (x->want_names) {
		char (*nn)[64] = realloc(x->name, cap * sizeof(*nn));
		if (!nn)
			return x->oom = 1;
		x->name = nn;
	}
	x->cap = cap;
	return 0;
}

/* Append a feature with value 1; returns its index or (size_t)-1. */
static inline size_t put(mir_fx *x, uint64_t h, unsigned ns, unsigned bits)
{
	if (x->n == x->cap && grow_feats(x))
		return (size_t)-1;
	x->f[x->n].i = mir_bucket(h, ns, bits);
	x->f[x->n].v = 1.0f;
#if defined(__GNUC__)
	if (x->pf) {
		/* the row's cache line, long before scoring reads it */
		__builtin_prefetch(x->pf + (size_t)x->f[x->n].i * MIR_NCOL);
	}
#endif
	return x->n++;
}

/* ---- names (explain only) --------------------------------------------- */

typedef struct namebuf {
	char *s;
	size_t n;
} namebuf;

static void nb_add(namebuf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && b->n < 63; i++)
		b->s[b->n++] = s[i] == ' ' ? '_' : s[i];
	if (i < n && b->n == 63)
		memcpy(b->s + 60, "...", 3);
	b->s[b->n] = '\0';
}

static void nb_z(namebuf *b, const char *z)
{
	nb_add(b, z, strlen(z));
}

static void name_set(mir_fx *x, size_t at, const char *prefix)
{
	namebuf b;

	if (!x->want_names || at == (size_t)-1)
		return;
	b.s = x->name[at];
	b.n = 0;
	nb_z(&b, prefix);
}

static void name_add(mir_fx *x, size_t at, const char *s, size_t n)
{
	namebuf b;

	if (!x->want_names || at == (size_t)-1)
		return;
	b.s = x->name[at];
	b.n = strlen(b.s);
	nb_add(&b, s, n);
}

static void name_tok(mir_fx *x, size_t at, const mir_tok *t)
{
	name_add(x, at, x->low + t->off, t->len);
}

/* ---- tokens -------------------------------------------------------------- */

/* Byte classes: 0 separator, 1 word byte, 2 punctuation token. */
static inline unsigned cls_of(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '\'' || c >= 0x80)
		return 1;
	if (c == '?' || c == '!' || c == '.' || c == ',')
		return 2;
	return 0;
}

static int low_reserve(mir_fx *x, size_t more)
{
	char *nl;
	size_t cap;

	if (x->low_n + more <= x->low_cap)
		return 0;
	cap = x->low_cap ? x->low_cap : 4096;
	while (cap < x->low_n + more)
		cap *= 2;
	nl = realloc(x->low, cap);
	if (!nl)
		return x->oom = 1;
	x->low = nl;
	x->low_cap = cap;
	return 0;
}

static int tok_push(mir_fx *x, uint32_t off, uint32_t len, int punct)
{
	if (x->nt == x->tcap) {
		size_t cap = x->tcap ? x->tcap * 2 : 512;
		mir_tok *nt = realloc(x->t, cap * sizeof(*nt));
		if (!nt)
			return x->oom = 1;
		x->t = nt;
		x->tcap = cap;
	}
	x->t[x->nt].off = off;
	x->t[x->nt].len = len;
	x->t[x->nt].h = mir_hash_bytes(x->low + off, len);
	x->t[x->nt].punct = punct;
	x->nt++;
	return 0;
}

/* Tokenise s[0..n) onto x->t; *first gets the index of its first token.
 * The lower-cased copy never outgrows the input (every rewrite keeps or
 * shortens the bytes). */
static int tokenise(mir_fx *x, const char *s, size_t n, size_t *first)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start;
	char *o;

	*first = x->nt;
	if (low_reserve(x, n + 1))
		return ATTUNE_ENOMEM;
	o = x->low;
	while (i < n) {
		unsigned char c = p[i];
		unsigned k = cls_of(c);

		/* U+2018/2019 quotes -> ', U+201C/201D and dashes -> blank,
		 * U+2026 -> . */
		if (c == 0xe2 && i + 2 < n && p[i + 1] == 0x80) {
			unsigned char d = p[i + 2];
			if (d == 0x98 || d == 0x99) {
				k = 1;
			} else if (d == 0x9c || d == 0x9d || d == 0x93 ||
			           d == 0x94) {
				i += 3;
				continue;
			} else if (d == 0xa6) {
				k = 2;
			}
		}
		if (k == 0) {
			i++;
			continue;
		}
		if (k == 2) {
			unsigned char m = c == 0xe2 ? '.' : c;
			o[x->low_n] = (char)m;
			if (tok_push(x, (uint32_t)x->low_n, 1, 1))
				return ATTUNE_ENOMEM;
			x->low_n++;
			i += c == 0xe2 ? 3 : 1;
			/* a run of the same mark is one token */
			while (i < n && (p[i] == m || (m == '.' && p[i] == 0xe2 &&
			       i + 2 < n && p[i + 1] == 0x80 && p[i + 2] == 0xa6)))
				i += p[i] == 0xe2 ? 3 : 1;
			continue;
		}
		start = x->low_n;
		while (i < n) {
			c = p[i];
			if (c == 0xe2 && i + 2 < n && p[i + 1] == 0x80) {
				unsigned char d = p[i + 2];
				if (d == 0x98 || d == 0x99) {
					o[x->low_n++] = '\'';
					i += 3;
					continue;
				}
				if (d == 0x9c || d == 0x9d || d == 0x93 ||
				    d == 0x94 || d == 0xa6)
					break;
			}
			if (cls_of(c) != 1)
				break;
			o[x->low_n++] = (char)(c >= 'A' && c <= 'Z' ?
			                       c - 'A' + 'a' : c);
			i++;
		}
		if (tok_push(x, (uint32_t)start,
		             (uint32_t)(x->low_n - start), 0))
			return ATTUNE_ENOMEM;
	}
	return ATTUNE_OK;
}

/* ---- blocks --------------------------------------------------------------- */

/* Scale features [from, x->n) to w / sqrt(count). */
static void scale(mir_fx *x, size_t from, float w)
{
	size_t i, k = x->n - from;
	float v;

	if (k == 0)
		return;
	v = w / sqrtf((float)k);
	for (i = from; i < x->n; i++)
		x->f[i].v = v;
}

static unsigned len_bucket(size_t n)
{
	static const unsigned short edge[] = {0, 1, 2, 3, 5, 8, 12, 20, 35};
	unsigned b = 0;

	while (b < sizeof(edge) / sizeof(edge[0]) && n > edge[b])
		b++;
	return b;   /* 0: none, 1: 1 token, ..., 9: more than 35 */
}

static unsigned pos_bucket(size_t i)
{
	return i == 0 ? 0 : i == 1 ? 1 : i == 2 ? 2 : i <= 5 ? 3 :
	       i <= 10 ? 4 : i <= 20 ? 5 : 6;
}

/* A meta feature: the hash of a short name and a small number v. Its
 * name (explain only) is the name, then the number when the name ends
 * in ':' (with end marks shown as the mark: "end:?"). */
static void meta(mir_fx *x, const mir_cfg *c, const char *name, unsigned v)
{
	size_t at = put(x, pair(mir_hash_bytes(name, strlen(name)), v),
	                NS_META, c->hash_bits);
	size_t nn = strlen(name);

	if (at == (size_t)-1)
		return;
	x->f[at].v = c->w_meta;
	if (x->want_names) {
		char num[16];
		size_t k = 0;
		name_set(x, at, name);
		if (name[nn - 1] != ':')
			return;
		if (nn >= 4 && memcmp(name + nn - 4, "end:", 4) == 0 && v < 6) {
			num[k++] = "-w?.!,"[v];
		} else {
			char tmp[16];
			size_t m = 0;
			unsigned d = v;
			do {
				tmp[m++] = (char)('0' + d % 10);
				d /= 10;
			} while (d);
			while (m)
				num[k++] = tmp[--m];
		}
		name_add(x, at, num, k);
	}
}

/* The mark that ends the turn: 0 none, 1 word, 2 '?', 3 '.', 4 '!',
 * 5 ','. */
static unsigned end_kind(const mir_fx *x, size_t t0, size_t nt)
{
	const mir_tok *t;

	if (nt == 0)
		return 0;
	t = &x->t[t0 + nt - 1];
	if (!t->punct)
		return 1;
	switch (x->low[t->off]) {
	case '?': return 2;
	case '.': return 3;
	case '!': return 4;
	}
	return 5;
}

static void block_words(mir_fx *x, const mir_cfg *c, size_t t0, size_t nt)
{
	size_t i, at, from = x->n;
	uint64_t prev, prev2;

	for (i = 0; i < nt; i++) {
		at = put(x, x->t[t0 + i].h, NS_WORD, c->hash_bits);
		name_set(x, at, "w:");
		name_tok(x, at, &x->t[t0 + i]);
	}
	scale(x, from, c->w_word);
	if (c->word_ngrams < 2)
		return;
	from = x->n;
	prev = H_BOS;
	prev2 = 0;
	for (i = 0; i <= nt; i++) {
		uint64_t h = i < nt ? x->t[t0 + i].h : H_EOS;
		at = put(x, pair(prev, h), NS_NGRAM, c->hash_bits);
		if (x->want_names && at != (size_t)-1) {
			name_set(x, at, "b:");
			if (i == 0)
				name_add(x, at, "<s>", 3);
			else
				name_tok(x, at, &x->t[t0 + i - 1]);
			name_add(x, at, " ", 1);
			if (i < nt)
				name_tok(x, at, &x->t[t0 + i]);
			else
				name_add(x, at, "</s>", 4);
		}
		if (c->word_ngrams >= 3 && i >= 1) {
			at = put(x, pair(pair(prev2 ? prev2 : H_BOS, prev), h) ^ 3,
			         NS_NGRAM, c->hash_bits);
			if (x->want_names && at != (size_t)-1) {
				name_set(x, at, "t:");
				if (i < 2)
					name_add(x, at, "<s>", 3);
				else
					name_tok(x, at, &x->t[t0 + i - 2]);
				name_add(x, at, " ", 1);
				name_tok(x, at, &x->t[t0 + i - 1]);
				name_add(x, at, " ", 1);
				if (i < nt)
					name_tok(x, at, &x->t[t0 + i]);
				else
					name_add(x, at, "</s>", 4);
			}
		}
		prev2 = prev;
		prev = h;
	}
	scale(x, from, c->w_word);
}

/* Byte n-grams char_min..char_max of " word " for every word token; a
 * padded word shorter than char_min is one n-gram of its own. */
static void block_chars(mir_fx *x, const mir_cfg *c, size_t t0, size_t nt)
{
	size_t i, s, k, from = x->n;
	unsigned lo = c->char_min, hi = c->char_max;
	unsigned char pad[72];

	if (lo == 0)
		return;
	for (i = 0; i < nt; i++) {
		const mir_tok *t = &x->t[t0 + i];
		size_t L = (size_t)t->len + 2;   /* with the two blanks */
		const unsigned char *w;

		if (t->punct)
			continue;
		if (L <= sizeof(pad)) {
			pad[0] = ' ';
			memcpy(pad + 1, x->low + t->off, t->len);
			pad[L - 1] = ' ';
			w = pad;
		} else {
			/* a long "word" (a URL, a run of letters): its inner
			 * n-grams only, read in place */
			w = (const unsigned char *)x->low + t->off;
			L = t->len;
		}
		if (L < lo) {
			size_t at = put(x, mir_hash_bytes((const char *)w, L),
			                NS_CHAR, c->hash_bits);
			name_set(x, at, "c:");
			name_add(x, at, (const char *)w, L);
			continue;
		}
		for (s = 0; s + lo <= L; s++) {
			uint64_t h = FNV_OFF;
			size_t top = s + hi <= L ? hi : L - s;
			for (k = 0; k < lo - 1; k++)
				h = (h ^ w[s + k]) * FNV_PRIME;
			for (; k < top; k++) {
				size_t at;
				h = (h ^ w[s + k]) * FNV_PRIME;
				at = put(x, h, NS_CHAR, c->hash_bits);
				if (x->want_names) {
					name_set(x, at, "c:");
					name_add(x, at, (const char *)w + s,
					         k + 1);
				}
			}
		}
	}
	scale(x, from, c->w_char);
}

/* Words (and with bigrams, its bigrams) of a neighbouring turn. */
static void block_ctx(mir_fx *x, const mir_cfg *c, unsigned ns,
                      uint64_t rel, size_t t0, size_t nt, int bigrams,
                      const char *prefix)
{
	size_t i, at, from = x->n;
	uint64_t prev = H_BOS;

	for (i = 0; i < nt; i++) {
		at = put(x, x->t[t0 + i].h ^ rel, ns, c->hash_bits);
		name_set(x, at, prefix);
		name_tok(x, at, &x->t[t0 + i]);
	}
	if (bigrams)
		for (i = 0; i <= nt; i++) {
			uint64_t h = i < nt ? x->t[t0 + i].h : H_EOS;
			at = put(x, pair(prev, h) ^ rel ^ 2, ns, c->hash_bits);
			if (x->want_names && at != (size_t)-1) {
				name_set(x, at, prefix);
				if (i == 0)
					name_add(x, at, "<s>", 3);
				else
					name_tok(x, at, &x->t[t0 + i - 1]);
				name_add(x, at, " ", 1);
				if (i < nt)
					name_tok(x, at, &x->t[t0 + i]);
				else
					name_add(x, at, "</s>", 4);
			}
			prev = h;
		}
	scale(x, from, c->w_prev);
}

int mir_tokenise_all(mir_fx *x, const attune_utterance *u, size_t n)
{
	size_t i, total = 0;

	x->nt = 0;
	x->low_n = 0;
	x->n_span = 0;
	for (i = 0; i < n; i++)
		total += u[i].text_len + 1;
	/* token offsets are 32-bit: a transcript past 2 GiB of text (only
	 * a labelled corpus could hold one) is tokenised turn by turn */
	if (total >= (size_t)1 << 31)
		return ATTUNE_OK;
	if (low_reserve(x, total + 1))
		return ATTUNE_ENOMEM;
	if (n > x->span_cap) {
		size_t *ns = realloc(x->span, 2 * n * sizeof(*ns));
		if (!ns)
			return x->oom = 1, ATTUNE_ENOMEM;
		x->span = ns;
		x->span_cap = n;
	}
	for (i = 0; i < n; i++) {
		size_t first;
		if (tokenise(x, u[i].text, u[i].text_len, &first))
			return ATTUNE_ENOMEM;
		x->span[2 * i] = first;
		x->span[2 * i + 1] = x->nt - first;
	}
	x->n_span = n;
	return ATTUNE_OK;
}

/* Tokens of u[j]: from mir_tokenise_all, or tokenised now. */
static int toks_of(mir_fx *x, const attune_utterance *u, size_t j,
                   size_t *t0, size_t *nt)
{
	if (x->n_span) {
		*t0 = x->span[2 * j];
		*nt = x->span[2 * j + 1];
		return ATTUNE_OK;
	}
	if (tokenise(x, u[j].text, u[j].text_len, t0))
		return ATTUNE_ENOMEM;
	*nt = x->nt - *t0;
	return ATTUNE_OK;
}

int mir_features(mir_fx *x, const mir_cfg *c, const attune_utterance *u,
                 size_t n, size_t i)
{
	static const char *const prefix[3] = {"prev:", "prev2:", "prev3:"};
	size_t t0, nt, k, a, an;
	unsigned ek, q;
	const attune_utterance *me = &u[i];

	x->n = 0;
	x->oom = 0;
	if (!x->n_span) {
		x->nt = 0;
		x->low_n = 0;
	}
	if (toks_of(x, u, i, &t0, &nt))
		return ATTUNE_ENOMEM;

	block_words(x, c, t0, nt);
	if (me->speaker != ATTUNE_SPEAKER_CLIENT || c->char_client)
		block_chars(x, c, t0, nt);

	/* meta: length, end mark, '?' count, position, first word + end */
	ek = end_kind(x, t0, nt);
	for (q = 0, k = 0; k < nt; k++)
		q += x->t[t0 + k].punct && x->low[x->t[t0 + k].off] == '?';
	meta(x, c, "len:", len_bucket(nt));
	meta(x, c, "end:", ek);
	meta(x, c, "nq:", q > 3 ? 3 : q);
	meta(x, c, "pos:", pos_bucket(i));
	if (nt) {
		size_t at = put(x, pair(x->t[t0].h, ek) ^ 0x77, NS_META,
		                c->hash_bits);
		if (at != (size_t)-1)
			x->f[at].v = c->w_meta;
		name_set(x, at, "first+end:");
		name_tok(x, at, &x->t[t0]);
		if (x->want_names && at != (size_t)-1) {
			char e = "-w?.!,"[ek];
			name_add(x, at, &e, 1);
		}
	}

	/* context: the turns before, nearest first */
	for (k = 1; k <= c->context; k++) {
		const attune_utterance *p;
		uint64_t rel;

		if (k > i) {
			if (k == 1)
				meta(x, c, "prev:none", 0);
			break;
		}
		p = &u[i - k];
		rel = p->speaker == me->speaker ? 0x51 : 0xa2;
		if (toks_of(x, u, i - k, &a, &an))
			return ATTUNE_ENOMEM;
		if (k == 1) {
			meta(x, c, p->speaker == me->speaker ? "prev:same" :
			     "prev:other", 0);
			meta(x, c, "prevend:", end_kind(x, a, an));
			meta(x, c, "prevlen:", len_bucket(an));
		}
		block_ctx(x, c, NS_PREV1 + (unsigned)k - 1, rel, a, an, k == 1,
		          prefix[k - 1]);
	}
	if (c->next) {
		if (i + 1 < n) {
			const attune_utterance *p = &u[i + 1];
			uint64_t rel = p->speaker == me->speaker ? 0x51 : 0xa2;
			if (toks_of(x, u, i + 1, &a, &an))
				return ATTUNE_ENOMEM;
			meta(x, c, "nextend:", end_kind(x, a, an));
			meta(x, c, "nextlen:", len_bucket(an));
			block_ctx(x, c, NS_NEXT, rel, a, an, 1, "next:");
		} else {
			meta(x, c, "next:none", 0);
		}
	}
	if (x->oom)
		return ATTUNE_ENOMEM;
	return ATTUNE_OK;
}
