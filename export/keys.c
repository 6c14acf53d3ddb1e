/*
 * keys.c - dense numbers for byte-string keys. See keys.h.
 *
 * Open addressing with linear probing over a power-of-two slot array
 * kept at most half full; slots hold numbers, the keys live in key[].
 */
#include "export/keys.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash(const void *k, size_t n)
{
	const unsigned char *p = k;
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h ^ (h >> 29);
}

static int rehash(struct keys *t)
{
	size_t ns = t->nslots ? t->nslots * 2 : 256;
	long *s = malloc(ns * sizeof *s);

	if (!s)
		return -1;
	for (size_t i = 0; i < ns; i++)
		s[i] = -1;
	for (size_t i = 0; i < t->n; i++) {
		size_t h = (size_t)hash(t->key[i], t->len[i]) & (ns - 1);

		while (s[h] >= 0)
			h = (h + 1) & (ns - 1);
		s[h] = (long)i;
	}
	free(t->slot);
	t->slot = s;
	t->nslots = ns;
	return 0;
}

long keys_get(struct keys *t, const void *k, size_t n, int *added)
{
	size_t h;
	char *copy;

	if (added)
		*added = 0;
	if ((t->n + 1) * 2 > t->nslots && rehash(t) < 0)
		return -1;
	for (h = (size_t)hash(k, n) & (t->nslots - 1); t->slot[h] >= 0; h = (h + 1) & (t->nslots - 1)) {
		long i = t->slot[h];

		if (t->len[i] == n && (n == 0 || !memcmp(t->key[i], k, n)))
			return i;
	}
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 256;
		char **nk = realloc(t->key, nc * sizeof *nk);

		if (!nk)
			return -1;
		t->key = nk;
		size_t *nl = realloc(t->len, nc * sizeof *nl);

		if (!nl)
			return -1;
		t->len = nl;
		t->cap = nc;
	}
	if (!(copy = malloc(n + 1)))
		return -1;
	if (n)
		memcpy(copy, k, n);
	copy[n] = '\0';
	t->key[t->n] = copy;
	t->len[t->n] = n;
	t->slot[h] = (long)t->n;
	if (added)
		*added = 1;
	return (long)t->n++;
}

long keys_str(struct keys *t, const char *s, int *added)
{
	return keys_get(t, s ? s : "", s ? strlen(s) : 0, added);
}

void keys_free(struct keys *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->key[i]);
	free(t->key);
	free(t->len);
	free(t->slot);
	memset(t, 0, sizeof *t);
}
