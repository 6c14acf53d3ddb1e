/*
 * strset.c - interned strings. See strset.h.
 */
#include "common/strset.h"

#include <stdlib.h>
#include <string.h>

#include "common/u64map.h"

static size_t strset_slot(const char *str, size_t cap)
{
	return (size_t)hash_bytes(str, strlen(str), 0) & (cap - 1);
}

static int strset_grow(struct strset *set)
{
	size_t cap = set->cap ? set->cap * 2 : 1024, i, j;
	char **slots = calloc(cap, sizeof *slots);

	if (!slots)
		return -1;
	for (i = 0; i < set->cap; i++) {
		if (!set->slots[i])
			continue;
		for (j = strset_slot(set->slots[i], cap); slots[j]; j = (j + 1) & (cap - 1))
			;
		slots[j] = set->slots[i];
	}
	free(set->slots);
	set->slots = slots;
	set->cap = cap;
	return 0;
}

const char *strset_intern(struct strset *set, const char *str)
{
	size_t i;

	if (!str)
		return NULL;
	if (2 * (set->used + 1) > set->cap && strset_grow(set) < 0)
		return NULL;
	for (i = strset_slot(str, set->cap); set->slots[i]; i = (i + 1) & (set->cap - 1))
		if (strcmp(set->slots[i], str) == 0)
			return set->slots[i];
	if (!(set->slots[i] = strdup(str)))
		return NULL;
	set->used++;
	return set->slots[i];
}

void strset_free(struct strset *set)
{
	size_t i;

	for (i = 0; i < set->cap; i++)
		free(set->slots[i]);
	free(set->slots);
	memset(set, 0, sizeof *set);
}
