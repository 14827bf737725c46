/* pagecache.c - drawn client pages, kept while the client's data stays
 * the same (pagecache.h says what a key holds and why a hit is exact).
 *
 * A direct-mapped table of PAGE_SLOTS entries indexed by the client id:
 * one entry per client (a client's newer page replaces its older one),
 * two clients whose ids share a slot take turns. When the bytes kept
 * pass the limit, a clock hand drops entries until they fit. One mutex
 * guards the table and the reference counts; it is held for pointer
 * work only, never while a page is copied. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "util/gzip.h"
#include "web/pagecache.h"

enum { PAGE_SLOTS = 4096 };   /* a power of two */

struct page_entry {
	struct page_key k;
	int64_t valid_until;
	unsigned refs;            /* the table's, plus one per reader */
	size_t size;              /* bytes accounted for this entry */
	char *title;              /* points into data */
	size_t len;               /* of the body */
	size_t n_csrf;
	size_t csrf_at[PAGE_CSRF_MAX];
	/* The body compressed once, in pieces between the token places
	 * (n_csrf + 1 of them); has_gz 0 when compressing failed. */
	int has_gz;
	struct gz_piece gz[PAGE_CSRF_MAX + 1];
	char data[];              /* body, then title */
};

struct page_cache {
	pthread_mutex_t mu;
	size_t max_bytes, bytes;
	size_t hand;              /* next slot the clock hand looks at */
	uint64_t hits, misses;
	struct page_entry *slot[PAGE_SLOTS];
};

static size_t slot_of(attune_id client)
{
	/* Fibonacci hashing (Knuth, TAOCP vol. 3, 6.4): consecutive ids,
	 * the usual case, land far apart. */
	return (size_t)(((uint64_t)client * 0x9E3779B97F4A7C15ull) >> 52) &
	       (PAGE_SLOTS - 1);
}

static int key_eq(const struct page_key *a, const struct page_key *b)
{
	return a->client == b->client && a->version == b->version &&
	       a->access == b->access && a->role == b->role &&
	       a->settings == b->settings;
}

static void entry_free(struct page_entry *e)
{
	size_t i;

	for (i = 0; i <= e->n_csrf; i++)
		gz_piece_free(&e->gz[i]);
	free(e);
}

/* Drop one reference; mu held. */
static void unref(struct page_cache *pc, struct page_entry *e)
{
	if (--e->refs == 0) {
		pc->bytes -= e->size;
		entry_free(e);
	}
}

struct page_cache *page_cache_new(size_t max_bytes)
{
	struct page_cache *pc = calloc(1, sizeof(*pc));

	if (!pc)
		return NULL;
	if (pthread_mutex_init(&pc->mu, NULL) != 0) {
		free(pc);
		return NULL;
	}
	pc->max_bytes = max_bytes;
	return pc;
}

void page_cache_free(struct page_cache *pc)
{
	size_t i;

	if (!pc)
		return;
	for (i = 0; i < PAGE_SLOTS; i++)
		if (pc->slot[i])
			unref(pc, pc->slot[i]);
	pthread_mutex_destroy(&pc->mu);
	free(pc);
}

struct page_entry *page_cache_get(struct page_cache *pc,
                                  const struct page_key *k, int64_t now)
{
	struct page_entry *e;

	pthread_mutex_lock(&pc->mu);
	e = pc->slot[slot_of(k->client)];
	if (!e || !key_eq(&e->k, k) || now >= e->valid_until) {
		pc->misses++;
		e = NULL;
	} else {
		e->refs++;
		pc->hits++;
	}
	pthread_mutex_unlock(&pc->mu);
	return e;
}

const char *page_entry_title(const struct page_entry *e)
{
	return e->title;
}

void page_entry_write(const struct page_entry *e, strbuf *b,
                      const char *csrf, size_t csrf_len)
{
	size_t i, at = b->len;

	sb_append(b, e->data, e->len);
	if (b->rc != ATTUNE_OK)
		return;
	for (i = 0; i < e->n_csrf; i++)
		memcpy(b->s + at + e->csrf_at[i], csrf, csrf_len);
}

int page_entry_write_gzip(const struct page_entry *e, strbuf *b,
                          struct gz_out *g, const char *csrf,
                          size_t csrf_len)
{
	size_t i;

	if (!e->has_gz)
		return 0;
	for (i = 0; i <= e->n_csrf; i++) {
		gz_piece_put(b, g, &e->gz[i]);
		if (i < e->n_csrf)
			gz_stored(b, g, csrf, csrf_len);
	}
	return 1;
}

/* Compress the body in pieces between the token places (ascending,
 * not overlapping: form_csrf() writes them in order). */
static void entry_compress(struct page_entry *e, size_t csrf_len)
{
	size_t i, from = 0, to;

	for (i = 0; i <= e->n_csrf; i++) {
		to = i < e->n_csrf ? e->csrf_at[i] : e->len;
		if (to < from ||
		    gz_piece_make(&e->gz[i], e->data + from, to - from,
		                  PAGE_GZIP_LEVEL) != ATTUNE_OK) {
			while (i-- > 0)
				gz_piece_free(&e->gz[i]);
			return;
		}
		e->size += e->gz[i].zlen;
		from = to + csrf_len;
	}
	e->has_gz = 1;
}

void page_cache_release(struct page_cache *pc, struct page_entry *e)
{
	pthread_mutex_lock(&pc->mu);
	unref(pc, e);
	pthread_mutex_unlock(&pc->mu);
}

void page_cache_put(struct page_cache *pc, const struct page_key *k,
                    int64_t valid_until, const char *title,
                    const char *body, size_t len, const size_t *csrf_at,
                    size_t n_csrf, size_t csrf_len)
{
	struct page_entry *e, **s;
	size_t tlen = strlen(title), size, i, tries;

	size = sizeof(*e) + len + tlen + 1;
	if (n_csrf > PAGE_CSRF_MAX || size > pc->max_bytes / 4)
		return;
	for (i = 0; i < n_csrf; i++)
		if (csrf_at[i] > len || len - csrf_at[i] < csrf_len)
			return;
	if (!(e = calloc(1, size)))
		return;
	e->k = *k;
	e->valid_until = valid_until;
	e->refs = 1;
	e->size = size;
	e->len = len;
	e->n_csrf = n_csrf;
	memcpy(e->data, body, len);
	/* The viewer's secret is not kept: each hit writes its own. */
	for (i = 0; i < n_csrf; i++) {
		e->csrf_at[i] = csrf_at[i];
		memset(e->data + csrf_at[i], '0', csrf_len);
	}
	e->title = e->data + len;
	memcpy(e->title, title, tlen + 1);
	entry_compress(e, csrf_len);
	size = e->size;

	pthread_mutex_lock(&pc->mu);
	s = &pc->slot[slot_of(k->client)];
	if (*s) {
		unref(pc, *s);
		*s = NULL;
	}
	/* Make room: the clock hand drops entries in slot order. */
	for (tries = 0; pc->bytes + size > pc->max_bytes &&
	     tries < PAGE_SLOTS; tries++) {
		struct page_entry **v = &pc->slot[pc->hand];
		pc->hand = (pc->hand + 1) & (PAGE_SLOTS - 1);
		if (*v) {
			unref(pc, *v);
			*v = NULL;
		}
	}
	pc->bytes += size;
	*s = e;
	pthread_mutex_unlock(&pc->mu);
}

void page_cache_stats(struct page_cache *pc, uint64_t *hits,
                      uint64_t *misses, size_t *bytes)
{
	pthread_mutex_lock(&pc->mu);
	*hits = pc->hits;
	*misses = pc->misses;
	*bytes = pc->bytes;
	pthread_mutex_unlock(&pc->mu);
}
