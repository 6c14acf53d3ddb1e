/*
 * keys.h - dense numbers for byte-string keys.
 *
 * Each distinct key (any bytes, with a length) gets the next number from
 * 0 up, in the order keys are first seen; the table keeps a copy of each
 * key. The exports use it for string tables, functions, locations and
 * frames. Zero state (KEYS_INIT) is an empty table.
 */
#ifndef MEMLEDGER_EXPORT_KEYS_H
#define MEMLEDGER_EXPORT_KEYS_H

#include <stddef.h>

struct keys {
	char **key;		/* by number */
	size_t *len;		/* by number */
	size_t n, cap;		/* numbers handed out; capacity of key/len */
	long *slot;		/* hash slots: number, or -1 */
	size_t nslots;
};
#define KEYS_INIT { NULL, NULL, 0, 0, NULL, 0 }

/**
 * The number of key k (n bytes): an existing one, or the next one. *added
 * (may be NULL) tells which. Returns -1 only when out of memory.
 */
long keys_get(struct keys *t, const void *k, size_t n, int *added);

/** keys_get for a NUL-terminated string (NULL counts as ""). */
long keys_str(struct keys *t, const char *s, int *added);

void keys_free(struct keys *t);

#endif
