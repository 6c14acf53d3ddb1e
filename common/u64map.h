/*
 * u64map.h - an open-addressing hash map from nonzero 64-bit keys to
 * 64-bit values. Linear probing with backward-shift deletion; grows at
 * 1/2 load. Zero state (U64MAP_INIT) is an empty map.
 *
 * For the tool (ingest, report, export, compare) only: it allocates with
 * malloc. The tracer keeps its own tables (tracer/), mmap-backed and safe
 * inside a signal handler.
 */
#ifndef MEMLEDGER_COMMON_U64MAP_H
#define MEMLEDGER_COMMON_U64MAP_H

#include <stddef.h>
#include <stdint.h>

struct u64map {
	uint64_t *keys;  /* 0: empty slot */
	uint64_t *vals;
	size_t mask;
	size_t n;
};
#define U64MAP_INIT { NULL, NULL, 0, 0 }

/** Set key (nonzero) to val. 0, or -1 when out of memory. */
int u64map_put(struct u64map *m, uint64_t key, uint64_t val);
/** 1 and *val when key is present, else 0. val may be NULL. */
int u64map_get(const struct u64map *m, uint64_t key, uint64_t *val);
/** Remove key; 1 and *val when it was present. val may be NULL. */
int u64map_del(struct u64map *m, uint64_t key, uint64_t *val);
void u64map_free(struct u64map *m);

/** A 64-bit hash of bytes (FNV-1a with a final mix). */
uint64_t hash_bytes(const void *p, size_t n, uint64_t seed);

#endif
