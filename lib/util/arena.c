/* arena.c - bump allocator in 4 KiB-or-larger blocks. */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include "util/arena.h"

struct arena_block {
	arena_block *next;
	size_t used, cap;
	alignas(max_align_t) unsigned char data[];
};

void arena_init(arena *a)
{
	a->head = NULL;
}

void arena_free(arena *a)
{
	arena_block *b = a->head, *next;

	for (; b; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
}

void *arena_alloc(arena *a, size_t n)
{
	const size_t al = alignof(max_align_t);
	arena_block *b = a->head;
	size_t off;

	if (n > ((size_t)-1) / 2)
		return NULL;
	n = n ? n : 1;
	if (b) {
		off = (b->used + al - 1) & ~(al - 1);
		if (off + n <= b->cap) {
			b->used = off + n;
			return memset(b->data + off, 0, n);
		}
	}
	size_t cap = n > 4000 ? n : 4000;
	b = malloc(sizeof(*b) + cap);
	if (!b)
		return NULL;
	b->next = a->head;
	b->cap = cap;
	b->used = n;
	a->head = b;
	return memset(b->data, 0, n);
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}
