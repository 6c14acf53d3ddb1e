/*
 * u64map.c - see u64map.h.
 */
#include <stdlib.h>
#include <string.h>

#include "common/u64map.h"

static inline size_t slot_of(uint64_t k, size_t mask)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return (size_t)k & mask;
}

static int grow(struct u64map *m)
{
	size_t cap = m->keys ? (m->mask + 1) * 2 : 64;
	uint64_t *keys = calloc(cap, sizeof *keys), *vals = malloc(cap * sizeof *vals);
	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -1;
	}
	for (size_t i = 0; m->keys && i <= m->mask; i++) {
		if (!m->keys[i])
			continue;
		size_t j = slot_of(m->keys[i], cap - 1);
		while (keys[j])
			j = (j + 1) & (cap - 1);
		keys[j] = m->keys[i];
		vals[j] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	m->keys = keys;
	m->vals = vals;
	m->mask = cap - 1;
	return 0;
}

int u64map_put(struct u64map *m, uint64_t key, uint64_t val)
{
	if ((!m->keys || (m->n + 1) * 2 > m->mask + 1) && grow(m) < 0)
		return -1;
	size_t i = slot_of(key, m->mask);
	while (m->keys[i] && m->keys[i] != key)
		i = (i + 1) & m->mask;
	if (!m->keys[i])
		m->n++;
	m->keys[i] = key;
	m->vals[i] = val;
	return 0;
}

int u64map_get(const struct u64map *m, uint64_t key, uint64_t *val)
{
	if (!m->n)
		return 0;
	size_t i = slot_of(key, m->mask);
	while (m->keys[i]) {
		if (m->keys[i] == key) {
			if (val)
				*val = m->vals[i];
			return 1;
		}
		i = (i + 1) & m->mask;
	}
	return 0;
}

int u64map_del(struct u64map *m, uint64_t key, uint64_t *val)
{
	if (!m->n)
		return 0;
	size_t i = slot_of(key, m->mask);
	while (m->keys[i] != key) {
		if (!m->keys[i])
			return 0;
		i = (i + 1) & m->mask;
	}
	if (val)
		*val = m->vals[i];
	size_t j = i;
	for (;;) {
		j = (j + 1) & m->mask;
		if (!m->keys[j])
			break;
		size_t k = slot_of(m->keys[j], m->mask);
		int movable = i <= j ? (k <= i || k > j) : (k <= i && k > j);
		if (movable) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			i = j;
		}
	}
	m->keys[i] = 0;
	m->n--;
	return 1;
}

void u64map_free(struct u64map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof *m);
}

uint64_t hash_bytes(const void *p, size_t n, uint64_t seed)
{
	const uint8_t *s = p;
	uint64_t h = 0xcbf29ce484222325ull ^ seed;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 31;
	h *= 0x9e3779b97f4a7c15ull;
	h ^= h >> 29;
	return h ? h : 1;
}
