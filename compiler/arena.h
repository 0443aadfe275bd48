/*
 * arena.h: bump allocation for AST and IR nodes, freed once.
 */
#ifndef FWC_ARENA_H
#define FWC_ARENA_H

#include "util.h"

struct arena_block;
struct arena {
	struct arena_block *head;
};

void *arena_alloc(struct arena *a, size_t n);       /* zeroed */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
void arena_free(struct arena *a);

#endif
