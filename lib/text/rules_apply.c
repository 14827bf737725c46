/* rules_apply.c - matching cue rules against a transcript: each turn's
 * words against every phrase at once (a first-word hash table), then
 * each rule's conditions on the turn and the other speaker's previous
 * turn. One pass, in order, so a therapist rule can see the client
 * markers just found (after-marker). */
#include <stdlib.h>
#include <string.h>
#include "text/rules_int.h"

/* One turn as the rules see it. */
typedef struct turnx {
	size_t idx;             /* utterance index */
	mr_tok *tok;
	size_t ntok, cap;
	uint64_t *hit, *shit;   /* sets matched anywhere / at the start */
	uint32_t *hs, *he;      /* first match of each set, byte offsets */
	int question;
	uint32_t codes;         /* coder codes as MR_CODE_* bits */
} turnx;

/* A rule as the turn loop sees it: its index and the phrase set it
 * needs (UINT32_MAX: none), so most rules cost one bit test. */
typedef struct side_rule {
	uint32_t rule, set;
} side_rule;

typedef struct applier {
	const attune_mirror_rules *r;
	size_t nw;              /* words of a set bitset */
	side_rule *side[2];     /* therapist's rules, client's, in file
	                           order */
	size_t n_side[2];
	turnx slot[3];
	attune_mirror_marks *out;
	size_t cap;
	unsigned char *mtypes;  /* marker types found on each utterance */
} applier;

static int bit(const uint64_t *b, uint32_t i)
{
	return (int)(b[i >> 6] >> (i & 63) & 1u);
}

/* The phrases with key `key` (of the word at j; two: and the one after
 * it) that match from j: their sets are hit. The caller has tested the
 * words against the filters (r->first1, r->first2, r->pair). */
static void match_at(const attune_mirror_rules *r, turnx *t, size_t j,
                     int two, uint64_t key)
{
	size_t n = t->ntok, mask = ((size_t)1 << r->head_bits) - 1;
	size_t s = (size_t)key & mask;
	uint32_t k;

	for (;; s = (s + 1) & mask) {
		k = r->head[s];
		if (k == UINT32_MAX || r->phrase[k].key == key)
			break;
	}
	for (; k != UINT32_MAX; k = r->phrase[k].next) {
		const mr_phrase *ph = &r->phrase[k];
		uint32_t w, q;
		if (j + ph->nw > n || (ph->nw > 1) != two)
			continue;
		for (w = 0; w < ph->nw && t->tok[j + w].h == ph->w[w]; w++)
			;
		if (w < ph->nw)
			continue;
		for (q = ph->s0; q < ph->s0 + ph->ns; q++) {
			uint32_t set = r->set_ix[q];
			if (!bit(t->hit, set)) {
				t->hit[set >> 6] |= (uint64_t)1 << (set & 63);
				t->hs[set] = t->tok[j].off;
				t->he[set] = t->tok[j + ph->nw - 1].off +
				             t->tok[j + ph->nw - 1].len;
			}
			if (j == 0)
				t->shit[set >> 6] |= (uint64_t)1 << (set & 63);
		}
	}
}

static int turn_read(applier *a, turnx *t, const attune_utterance *u,
                     size_t i, const attune_mirror_result *codes)
{
	const attune_mirror_rules *r = a->r;
	size_t n, j;

	t->idx = i;
	/* words are separated by a byte at least: a turn of len bytes has
	 * at most (len + 1) / 2, so room for that many tokenises it once */
	n = (u->text_len + 1) / 2;
	if (n > t->cap) {
		size_t nc = t->cap * 2 > n ? t->cap * 2 : n;
		mr_tok *q = realloc(t->tok, nc * sizeof(*q));
		if (!q)
			return ATTUNE_ENOMEM;
		t->tok = q;
		t->cap = nc;
	}
	n = mr_tokenise(u->text, u->text_len, t->tok, t->cap);
	t->ntok = n <= t->cap ? n : t->cap;   /* always n; memory safety */
	t->question = memchr(u->text, '?', u->text_len) != NULL;
	t->codes = 0;
	if (codes) {
		const attune_mirror_result *c = &codes[i];
		if (c->behaviour >= 0 && c->behaviour < 4)
			t->codes |= 1u << (MR_CODE_B + c->behaviour);
		if (c->subcode >= 0 && c->subcode < 8)
			t->codes |= 1u << (MR_CODE_S + c->subcode);
		if (c->talk >= 0 && c->talk < 3)
			t->codes |= 1u << (MR_CODE_T + c->talk);
	}
	memset(t->hit, 0, a->nw * sizeof(*t->hit));
	memset(t->shit, 0, a->nw * sizeof(*t->shit));
	n = t->ntok;
	for (j = 0; j < n; j++) {
		/* a filter first: bit (h & 1023) of first1 / first2 is set
		 * when some phrase of one word / of more starts with it */
		unsigned fb = (unsigned)(t->tok[j].h & 1023);
		uint64_t m = (uint64_t)1 << (fb & 63);
		if (r->first1[fb >> 6] & m)            /* phrases of one word */
			match_at(r, t, j, 0, mr_key(t->tok[j].h, NULL));
		if (j + 1 < n && (r->first2[fb >> 6] & m)) {  /* of more */
			uint64_t key = mr_key(t->tok[j].h, &t->tok[j + 1].h);
			unsigned pb = MR_PAIR_BIT(key);
			if (r->pair[pb >> 6] >> (pb & 63) & 1)
				match_at(r, t, j, 1, key);
		}
	}
	return ATTUNE_OK;
}

/* Distinct content words of t also in p (stopwords and words of one or
 * two letters do not count). Turns are short; quadratic is fine, and
 * bounded at 256 words each. */
static uint32_t shared(const attune_mirror_rules *r, const turnx *t,
                       const turnx *p)
{
	size_t i, j, nt = t->ntok < 256 ? t->ntok : 256;
	size_t np = p->ntok < 256 ? p->ntok : 256;
	uint32_t n = 0;

	for (i = 0; i < nt; i++) {
		uint64_t h = t->tok[i].h;
		if (t->tok[i].len < 3 || mr_is_stop(r, h))
			continue;
		for (j = 0; j < i; j++)
			if (t->tok[j].h == h)
				break;
		if (j < i)
			continue;   /* counted already */
		for (j = 0; j < np; j++)
			if (p->tok[j].h == h) {
				n++;
				break;
			}
	}
	return n;
}

static int holds(const applier *a, const mr_rule *ru, const turnx *t,
                 const turnx *p)
{
	const attune_mirror_rules *r = a->r;
	uint32_t k;

	for (k = ru->c0; k < ru->c0 + ru->nc; k++) {
		const mr_clause *c = &r->clause[k];
		int ok = 0;
		size_t j, from;
		switch (c->cond) {
		case MC_ANY:
			ok = bit(t->hit, c->set);
			break;
		case MC_NONE:
			ok = !bit(t->hit, c->set);
			break;
		case MC_STARTS:
			ok = bit(t->shit, c->set);
			break;
		case MC_PREV_ANY:
			ok = p && bit(p->hit, c->set);
			break;
		case MC_PREV_NONE:
			ok = !p || !bit(p->hit, c->set);
			break;
		case MC_PREV_STARTS:
			ok = p && bit(p->shit, c->set);
			break;
		case MC_WORDS:
			ok = t->ntok >= c->lo && t->ntok <= c->hi;
			break;
		case MC_PREV_WORDS:
			ok = p && p->ntok >= c->lo && p->ntok <= c->hi;
			break;
		case MC_PREV_CODE:
			ok = p && (p->codes & c->mask);
			break;
		case MC_PREV_NOT_CODE:
			ok = !p || !(p->codes & c->mask);
			break;
		case MC_QUESTION:
			ok = t->question == (int)c->lo;
			break;
		case MC_PREV_QUESTION:
			ok = p ? p->question == (int)c->lo : c->lo == 0;
			break;
		case MC_SHARED: {
			uint32_t s = p ? shared(r, t, p) : 0;
			ok = s >= c->lo && s <= c->hi;
			break;
		}
		case MC_AFTER_MARKER:
			from = t->idx > c->lo ? t->idx - c->lo : 0;
			for (j = from; j < t->idx && !ok; j++)
				ok = (a->mtypes[j] & c->mask) != 0;
			break;
		}
		if (!ok)
			return 0;
	}
	return 1;
}

/* Rule ru fired on t: keep it unless a stronger rule of its code did. */
static int add(applier *a, const mr_rule *ru, const turnx *t, size_t first)
{
	attune_mirror_marks *o = a->out;
	attune_mirror_mark *m;
	size_t j;

	for (j = first; j < o->n; j++) {
		m = &o->m[j];
		if (m->code != ru->code)
			continue;
		if (ru->confidence > m->confidence ||
		    (ru->confidence == m->confidence &&
		     ru->intensity > m->intensity))
			break;   /* replace it */
		return ATTUNE_OK;
	}
	if (j == o->n) {
		if (o->n == a->cap) {
			size_t nc = a->cap ? a->cap * 2 : 64;
			attune_mirror_mark *q = realloc(o->m, nc * sizeof(*q));
			if (!q)
				return ATTUNE_ENOMEM;
			o->m = q;
			a->cap = nc;
		}
		o->n++;
	}
	m = &o->m[j];
	m->utterance = t->idx;
	m->type = ru->type;
	m->code = ru->code;
	m->subtype = a->r->code[ru->code].sub;
	m->intensity = ru->type < ATTUNE_CUE_MARKER_TYPES ? ru->intensity : 0;
	m->confidence = ru->confidence;
	m->rule = ru->id;
	m->cue_off = m->cue_len = 0;
	if (ru->evid != UINT32_MAX) {
		uint32_t set = a->r->clause[ru->evid].set;
		m->cue_off = t->hs[set];
		m->cue_len = t->he[set] - t->hs[set];
	}
	if (ru->type < ATTUNE_CUE_MARKER_TYPES)
		a->mtypes[t->idx] |= (unsigned char)(1u << ru->type);
	return ATTUNE_OK;
}

static int by_code(const void *x, const void *y)
{
	const attune_mirror_mark *a = x, *b = y;

	return a->code < b->code ? -1 : a->code > b->code;
}

int attune_mirror_mark_apply(const attune_mirror_rules *r,
                             const attune_utterance *u, size_t n,
                             const attune_mirror_result *codes,
                             attune_mirror_marks **out, attune_err *err)
{
	applier a;
	turnx *last[2] = {NULL, NULL}, *cur;
	size_t i, k, ns;
	int rc = ATTUNE_OK;

	*out = NULL;
	memset(&a, 0, sizeof(a));
	a.r = r;
	ns = r->n_set ? r->n_set : 1;
	a.nw = (ns + 63) / 64;
	a.out = calloc(1, sizeof(*a.out));
	a.mtypes = calloc(n ? n : 1, 1);
	if (!a.out || !a.mtypes)
		goto oom;
	a.out->first = malloc((n + 1) * sizeof(*a.out->first));
	if (!a.out->first)
		goto oom;
	a.out->n_utterances = n;
	for (k = 0; k < 2; k++) {
		a.side[k] = malloc((r->n_rule ? r->n_rule : 1) *
		                   sizeof(*a.side[k]));
		if (!a.side[k])
			goto oom;
	}
	for (k = 0; k < r->n_rule; k++) {
		const mr_rule *ru = &r->rule[k];
		int side = ru->type != ATTUNE_CUE_MOVE;   /* 1: client */
		side_rule *sr = &a.side[side][a.n_side[side]++];
		sr->rule = (uint32_t)k;
		sr->set = ru->evid != UINT32_MAX ? r->clause[ru->evid].set :
		          UINT32_MAX;
	}
	for (k = 0; k < 3; k++) {
		turnx *t = &a.slot[k];
		t->cap = 64;
		t->tok = malloc(t->cap * sizeof(*t->tok));
		if (!t->tok)
			goto oom;
		t->hit = calloc(a.nw, sizeof(*t->hit));
		t->shit = calloc(a.nw, sizeof(*t->shit));
		t->hs = malloc(ns * sizeof(*t->hs));
		t->he = malloc(ns * sizeof(*t->he));
		if (!t->hit || !t->shit || !t->hs || !t->he)
			goto oom;
	}
	for (i = 0; i < n; i++) {
		int me = u[i].speaker == ATTUNE_SPEAKER_CLIENT ? 1 : 0;
		const turnx *prev;
		size_t first = a.out->n;

		a.out->first[i] = first;
		if (u[i].speaker == ATTUNE_SPEAKER_OTHER)
			continue;
		/* the slot not holding either speaker's last turn */
		for (k = 0; k < 3; k++)
			if (&a.slot[k] != last[0] && &a.slot[k] != last[1])
				break;
		cur = &a.slot[k];
		if (turn_read(&a, cur, &u[i], i, codes))
			goto oom;
		prev = last[!me];
		for (k = 0; k < a.n_side[me]; k++) {
			const side_rule *sr = &a.side[me][k];
			const mr_rule *ru = &r->rule[sr->rule];
			/* most rules need a phrase: skip them cheaply */
			if (sr->set != UINT32_MAX && !bit(cur->hit, sr->set))
				continue;
			if (!holds(&a, ru, cur, prev))
				continue;
			if (add(&a, ru, cur, first))
				goto oom;
		}
		if (a.out->n - first > 1)
			qsort(a.out->m + first, a.out->n - first,
			      sizeof(*a.out->m), by_code);
		last[me] = cur;
	}
	a.out->first[n] = a.out->n;
	*out = a.out;
	a.out = NULL;
	goto done;
oom:
	rc = attune_err_set(err, ATTUNE_ENOMEM, "out of memory while applying "
	                    "the cue rules");
done:
	for (k = 0; k < 3; k++) {
		free(a.slot[k].tok);
		free(a.slot[k].hit);
		free(a.slot[k].shit);
		free(a.slot[k].hs);
		free(a.slot[k].he);
	}
	free(a.side[0]);
	free(a.side[1]);
	free(a.mtypes);
	attune_mirror_marks_free(a.out);
	return rc;
}

void attune_mirror_marks_free(attune_mirror_marks *m)
{
	if (!m)
		return;
	free(m->m);
	free(m->first);
	free(m);
}
