/*
 * vec.c - growable arrays. See vec.h.
 */
#include "common/vec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *vec_push(void *vp, size_t *n, size_t *cap, size_t elem)
{
	void **v = vp;
	void *slot;

	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		void *p;

		if (elem == 0 || c < *cap || c > SIZE_MAX / elem)
			return NULL;
		if (!(p = realloc(*v, c * elem)))
			return NULL;
		*v = p;
		*cap = c;
	}
	slot = (char *)*v + *n * elem;
	memset(slot, 0, elem);
	(*n)++;
	return slot;
}
