/*
 * strset.h - a set of interned strings: each distinct string is copied
 * once, and every caller that interns an equal string gets the same
 * pointer back, valid until strset_free(). Open addressing, grows at 1/2
 * load. Zero state (STRSET_INIT) is an empty set.
 */
#ifndef MEMLEDGER_COMMON_STRSET_H
#define MEMLEDGER_COMMON_STRSET_H

#include <stddef.h>

struct strset {
	char **slots; /* NULL: empty slot */
	size_t cap, used;
};
#define STRSET_INIT { NULL, 0, 0 }

/** The interned copy of str. NULL for NULL, or when out of memory. */
const char *strset_intern(struct strset *set, const char *str);
/** Free every interned string and the set itself; the set is empty again. */
void strset_free(struct strset *set);

#endif
