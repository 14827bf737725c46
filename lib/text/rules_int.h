/* rules_int.h - library-internal parts of the cue rules (rules.c parses
 * a rules file, rules_apply.c matches it against a transcript): the
 * compiled rules, the phrase table and the tokeniser they share. */
#ifndef ATTUNE_RULES_INT_H
#define ATTUNE_RULES_INT_H

#include <stdint.h>
#include "attune/mirror_rules.h"
#include "util/arena.h"
#include "util/util_int.h"

/* Conditions of a rule (docs/mirror.md, "The rules file"). */
enum mr_cond {
	MC_ANY, MC_NONE, MC_STARTS,           /* this turn's words */
	MC_PREV_ANY, MC_PREV_NONE, MC_PREV_STARTS,
	MC_WORDS, MC_PREV_WORDS,              /* lo..hi words */
	MC_PREV_CODE, MC_PREV_NOT_CODE,       /* coder codes (mask) */
	MC_QUESTION, MC_PREV_QUESTION,        /* '?' in the turn: lo = 1/0 */
	MC_SHARED,                            /* content words shared with
	                                         the previous turn */
	MC_AFTER_MARKER                       /* a client marker of mask's
	                                         types in the last lo turns */
};

typedef struct mr_clause {
	uint8_t cond;
	uint32_t set;          /* phrase set (any/none/starts) */
	uint32_t lo, hi;
	uint32_t mask;         /* prev-code: bit per code (MR_CODE_*);
	                          after-marker: bit per marker type */
} mr_clause;

/* Coder codes a prev-code condition names, as bits. */
enum {
	MR_CODE_B = 0,     /* behaviour b: bit b (0..3) */
	MR_CODE_S = 4,     /* subcode s: bit 4 + s (4..11) */
	MR_CODE_T = 12     /* talk t: bit 12 + t (12..14) */
};

typedef struct mr_rule {
	const char *id;
	int type;              /* attune_mirror_cue_type */
	uint32_t code;         /* index into the code table */
	int intensity;
	float confidence;
	const char *note;
	size_t line;
	uint32_t c0, nc;       /* clauses clause[c0 .. c0+nc) */
	uint32_t evid;         /* clause whose match is the evidence, or
	                          UINT32_MAX */
	unsigned need_shared;  /* a shared condition: tokens kept */
} mr_rule;

typedef struct mr_code {
	int type;
	const char *sub;
} mr_code;

/* A phrase: a run of word hashes; sets lists the phrase sets that hold
 * it (set_ix[s0 .. s0+ns)). Phrases with the same key chain through
 * next. */
typedef struct mr_phrase {
	uint64_t w[ATTUNE_RULES_PHRASE_WORDS];
	uint64_t key;          /* mr_key of its first one or two words */
	uint32_t nw;
	uint32_t next;         /* UINT32_MAX ends the chain */
	uint32_t s0, ns;
} mr_phrase;

/* The pair filter's size: 2^14 bits (2 KB), so that with the few
 * hundred two-word keys of a rules file most other pairs of words miss
 * it. */
#define MR_PAIR_BITS 16384u
#define MR_PAIR_BIT(key) ((unsigned)((key) >> 50))

struct attune_mirror_rules {
	arena ar;
	mr_rule *rule;
	size_t n_rule;
	mr_clause *clause;
	size_t n_clause;
	mr_code *code;
	size_t n_code;
	mr_phrase *phrase;
	size_t n_phrase;
	uint32_t *set_ix;      /* the sets of each phrase */
	size_t n_set;          /* phrase sets (every phrase clause has one) */
	/* first-words table: open addressing, 2^bits slots of phrase index
	 * (UINT32_MAX empty) keyed by the phrase's mr_key */
	uint32_t *head;
	unsigned head_bits;
	/* A filter before the table: bit (w0 & 1023) is set when some used
	 * phrase of one word (first1) or of more (first2) starts with w0;
	 * most words of a turn start none and cost one test. */
	uint64_t first1[16], first2[16];
	/* And for phrases of two words or more, a second one on the key of
	 * their first two words: bit MR_PAIR_BIT(key). Its bits are the
	 * key's top ones, independent of the table slot (the low ones). */
	uint64_t pair[MR_PAIR_BITS / 64];
	uint64_t *stop;        /* stopword hashes, sorted */
	size_t n_stop;
	unsigned any_shared;   /* some rule has a shared condition */
	attune_mirror_params params;
};

/* ---- tokens ---------------------------------------------------------------
 * Words are runs of ASCII letters and digits, apostrophes between them,
 * and bytes >= 0x80 (any non-ASCII letter), lower-cased; the curly
 * apostrophes U+2018 and U+2019 count as '. Everything else separates
 * words. The same tokeniser reads phrases in a rules file and
 * utterances, so a phrase matches what it looks like. */
typedef struct mr_tok {
	uint64_t h;            /* FNV-1a 64 of the lower-cased word */
	uint32_t off, len;     /* bytes in the text */
} mr_tok;

/* The words of s[0..n) into out[0..cap); returns how many there are
 * (more than cap when out was too small: the first cap are written). */
size_t mr_tokenise(const char *s, size_t n, mr_tok *out, size_t cap);

/* The first-word table's hash of a word hash (a MurmurHash3 finaliser
 * step). */
static inline uint64_t mr_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

/* The first-word table's key of a phrase: its first word alone, or its
 * first two words (so that phrases starting with a common word such as
 * "i" or "you" do not share one long chain). */
static inline uint64_t mr_key(uint64_t w0, const uint64_t *w1)
{
	return w1 ? mr_mix(w0 ^ (*w1 << 17 | *w1 >> 47) ^
	                   0x9e3779b97f4a7c15ULL) : mr_mix(w0);
}

/* Sorted-array membership of a stopword hash. */
int mr_is_stop(const attune_mirror_rules *r, uint64_t h);

/* The compiled-in rules file, models/mirror.rules (generated by
 * scripts/embed_rules.cmake; a NUL follows the text). */
extern const unsigned char mir_builtin_rules[];
extern const size_t mir_builtin_rules_len;

#endif
