/*
 * vec.c - growable arrays. See vec.h.
 */
#include "common/vec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int vec_reserve(void *vp, size_t *cap, size_t n, size_t elem)
{
	void **v = vp;
	size_t c = *cap ? *cap : 16;
	void *p;

	if (n < *cap)
		return 0;
	while (c <= n) {
		if (c > SIZE_MAX / 2)
			return -1;
		c *= 2;
	}
	if (elem == 0 || c > SIZE_MAX / elem || !(p = realloc(*v, c * elem)))
		return -1;
	memset((char *)p + *cap * elem, 0, (c - *cap) * elem);
	*v = p;
	*cap = c;
	return 0;
}

void *vec_push(void *vp, size_t *n, size_t *cap, size_t elem)
{
	void **v = vp;
	void *slot;

	if (vec_reserve(vp, cap, *n, elem) < 0)
		return NULL;
	slot = (char *)*v + *n * elem;
	memset(slot, 0, elem);
	(*n)++;
	return slot;
}
