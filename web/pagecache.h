/* pagecache.h - drawn client pages, kept while the client's data stays
 * the same.
 *
 * A client page costs milliseconds to draw (every response re-scored,
 * the charts laid out) and microseconds to copy. The cache keeps the
 * part of the page drawn from the client's data, keyed by everything
 * that part depends on: the client, the client's data version (store
 * schema 4: database triggers move it with every write to the client's
 * data, whoever writes), how the viewer relates to the client, the
 * viewer's role and the clinic settings the page reads. An entry also
 * has a time it is good until (the end of the UTC day, for "no recent
 * data" and today's date; the moment the next open check-in link
 * expires). So a hit is exactly the page a fresh drawing would give.
 *
 * The one per-viewer secret in that part, the session's CSRF token in
 * its forms, is not kept: the cache stores where the tokens go and
 * writes the viewer's own on the way out. Thread-safe; entries are
 * immutable and reference-counted, so a copy runs outside the lock. */
#ifndef ATTUNE_WEB_PAGECACHE_H
#define ATTUNE_WEB_PAGECACHE_H

#include <stddef.h>
#include <stdint.h>
#include "attune/store.h"
#include "util/arena.h"
#include "util/gzip.h"
#include "util/util_int.h"

struct page_cache;
struct page_entry;

struct page_key {
	attune_id client;
	int64_t version;          /* clients.data_version */
	int access;               /* attune_access */
	int role;                 /* attune_role of the viewer */
	uint64_t settings;        /* fingerprint of the settings read */
};

enum { PAGE_CSRF_MAX = 8 };   /* token places kept per page */
/* zlib level of the compressed copy: made once per drawn page (about
 * a millisecond for 100 KB), sent with every view that takes gzip. */
enum { PAGE_GZIP_LEVEL = 6 };

/* A cache of at most max_bytes of pages; NULL when out of memory. */
struct page_cache *page_cache_new(size_t max_bytes);
void page_cache_free(struct page_cache *pc);

/* The entry for k if there is one good at time now, held until
 * page_cache_release(); NULL on a miss. */
struct page_entry *page_cache_get(struct page_cache *pc,
                                  const struct page_key *k, int64_t now);
/* The page's title, as given to page_cache_put(). */
const char *page_entry_title(const struct page_entry *e);
/* Append the kept part to b with csrf (csrf_len bytes) written at each
 * token place. b->rc tells whether it fitted. */
void page_entry_write(const struct page_entry *e, strbuf *b,
                      const char *csrf, size_t csrf_len);
/* The same, gzip-compressed: the kept part's pieces (compressed when the
 * page was put) with csrf as stored blocks between them, appended to
 * the gzip member g being written into b. 0 when the entry has no
 * compressed form (nothing written). */
int page_entry_write_gzip(const struct page_entry *e, strbuf *b,
                          struct gz_out *g, const char *csrf,
                          size_t csrf_len);
void page_cache_release(struct page_cache *pc, struct page_entry *e);

/* Keep body[0..len) (token places csrf_at[0..n_csrf), relative to
 * body, each csrf_len bytes long) under k until valid_until. Replaces
 * an entry with the same client. Quietly keeps nothing when the page
 * is larger than a quarter of the cache, has more token places than
 * PAGE_CSRF_MAX or memory runs out: a cache may always miss. */
void page_cache_put(struct page_cache *pc, const struct page_key *k,
                    int64_t valid_until, const char *title,
                    const char *body, size_t len, const size_t *csrf_at,
                    size_t n_csrf, size_t csrf_len);

/* Counters for the log and tests. */
void page_cache_stats(struct page_cache *pc, uint64_t *hits,
                      uint64_t *misses, size_t *bytes);

#endif
