/*
 * vec.h - growable arrays. A vector is three plain fields kept by its
 * owner: the elements (v), how many are used (n) and room for (cap).
 * Zero state (NULL, 0, 0) is an empty vector; free(v) releases it.
 *
 *	struct item *items = NULL;
 *	size_t n = 0, cap = 0;
 *	struct item *it = VEC_PUSH(items, n, cap);
 *	if (!it)
 *		return err_oom(err, errlen);
 */
#ifndef MEMLEDGER_COMMON_VEC_H
#define MEMLEDGER_COMMON_VEC_H

#include <stddef.h>

/**
 * Grow *vp (n elements of elem bytes, room for cap) by one and return the
 * new slot, zeroed. Doubles the room when full (16 elements at first).
 * Returns NULL, and leaves the vector as it was, when out of memory or
 * when the new size would not fit in a size_t.
 */
void *vec_push(void *vp, size_t *n, size_t *cap, size_t elem);

/**
 * Make room in *vp (room for *cap elements of elem bytes) for at least
 * n + 1 elements, doubling; the new room is zeroed. 0, or -1 (the vector
 * as it was) when out of memory or past SIZE_MAX.
 */
int vec_reserve(void *vp, size_t *cap, size_t n, size_t elem);

/** vec_push for a typed pointer v: VEC_PUSH(v, n, cap) is a new element of v's type. */
#define VEC_PUSH(v, n, cap) ((__typeof__(v))vec_push(&(v), &(n), &(cap), sizeof *(v)))

#endif
