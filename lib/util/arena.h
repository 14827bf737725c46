/* arena.h - a bump allocator: many small allocations freed at once (an
 * instrument's strings, a request's page). Library-internal. */
#ifndef ATTUNE_UTIL_ARENA_H
#define ATTUNE_UTIL_ARENA_H

#include <stddef.h>

typedef struct arena_block arena_block;
typedef struct arena {
	arena_block *head;
} arena;

void arena_init(arena *a);
/* Free every block; a is reusable afterwards. */
void arena_free(arena *a);
/* n bytes aligned for any type, zeroed; NULL on out of memory. */
void *arena_alloc(arena *a, size_t n);
/* Copy of s[0..n) plus a NUL; NULL on out of memory. */
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_strdup(arena *a, const char *s);

#endif
