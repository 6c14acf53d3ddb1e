/*
 * bytes.c - a counted run of bytes as a C string. See bytes.h.
 */
#include "common/bytes.h"

#include <stdlib.h>
#include <string.h>

char *bytes_dup(const void *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		if (n)
			memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}
