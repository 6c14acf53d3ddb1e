/*
 * test_u64map.c - ingest/u64map.c: the empty map, put/get/overwrite/del,
 * growth, a long random sequence of operations held against a plain
 * array, and deletion in a probe chain that wraps around the end of the
 * table (where backward-shift deletion is easiest to get wrong);
 * hash_bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/u64map.h"
#include "tests/unit/check.h"

static void test_empty(void)
{
	struct u64map m = U64MAP_INIT;
	uint64_t v = 7;
	CHECK_EQ_INT(u64map_get(&m, 1, &v), 0);
	CHECK_EQ_INT(u64map_del(&m, 1, &v), 0);
	CHECK_EQ_INT(v, 7);
	CHECK_EQ_INT(m.n, 0);
	u64map_free(&m);
	u64map_free(&m);  /* twice: zero state again */
	CHECK(m.keys == NULL && m.n == 0);
}

static void test_basic(void)
{
	struct u64map m = U64MAP_INIT;
	uint64_t v = 0;
	CHECK_EQ_INT(u64map_put(&m, 42, 1), 0);
	CHECK_EQ_INT(u64map_put(&m, UINT64_MAX, 2), 0);
	CHECK_EQ_INT(u64map_put(&m, 1ull << 63, 3), 0);
	CHECK_EQ_INT(m.n, 3);
	CHECK_EQ_INT(u64map_get(&m, 42, &v), 1);
	CHECK_EQ_INT(v, 1);
	CHECK_EQ_INT(u64map_get(&m, UINT64_MAX, &v), 1);
	CHECK_EQ_INT(v, 2);
	CHECK_EQ_INT(u64map_get(&m, 1ull << 63, NULL), 1);
	CHECK_EQ_INT(u64map_get(&m, 43, &v), 0);
	/* overwrite: same count, new value */
	CHECK_EQ_INT(u64map_put(&m, 42, 100), 0);
	CHECK_EQ_INT(m.n, 3);
	CHECK_EQ_INT(u64map_get(&m, 42, &v), 1);
	CHECK_EQ_INT(v, 100);
	/* del returns the value once */
	CHECK_EQ_INT(u64map_del(&m, 42, &v), 1);
	CHECK_EQ_INT(v, 100);
	CHECK_EQ_INT(u64map_del(&m, 42, &v), 0);
	CHECK_EQ_INT(u64map_get(&m, 42, NULL), 0);
	CHECK_EQ_INT(u64map_del(&m, UINT64_MAX, NULL), 1);
	CHECK_EQ_INT(m.n, 1);
	/* values are full 64-bit */
	CHECK_EQ_INT(u64map_put(&m, 5, UINT64_MAX), 0);
	CHECK_EQ_INT(u64map_get(&m, 5, &v), 1);
	CHECK(v == UINT64_MAX);
	u64map_free(&m);
	CHECK(m.keys == NULL && m.n == 0);
}

/* Growth: the table stays at most half full and keeps every key. */
static void test_growth(void)
{
	struct u64map m = U64MAP_INIT;
	int ok = 1;
	for (uint64_t k = 1; k <= 100000; k++) {
		ok &= u64map_put(&m, k * 0x9e3779b97f4a7c15ull | 1, k) == 0;
		ok &= m.n * 2 <= m.mask + 1;
	}
	CHECK(ok);
	CHECK_EQ_INT(m.n, 100000);
	ok = 1;
	for (uint64_t k = 1; k <= 100000; k++) {
		uint64_t v = 0;
		ok &= u64map_get(&m, k * 0x9e3779b97f4a7c15ull | 1, &v) == 1 && v == k;
	}
	CHECK(ok);
	u64map_free(&m);
}

/* Random puts, gets and deletes against a reference array; the key
 * space is small, so deletes hit and probe chains form. */
#define NKEYS 200
static uint64_t key_of(unsigned i)
{
	/* low keys, high keys and keys differing only in high bits */
	return i % 3 == 0 ? i + 1 : i % 3 == 1 ? ((uint64_t)i << 40) | 7 : UINT64_MAX - i;
}

static void test_random(void)
{
	struct u64map m = U64MAP_INIT;
	uint64_t ref[NKEYS];
	int have[NKEYS] = { 0 };
	size_t n = 0;
	int ok_ops = 1, ok_all = 1;
	srand(1234);
	for (int step = 0; step < 200000; step++) {
		unsigned i = (unsigned)rand() % NKEYS;
		int op = rand() % 3;
		uint64_t v = 0;
		if (op == 0) {
			uint64_t val = (uint64_t)rand() << 20 | (uint64_t)step;
			ok_ops &= u64map_put(&m, key_of(i), val) == 0;
			n += !have[i];
			have[i] = 1;
			ref[i] = val;
		} else if (op == 1) {
			int got = u64map_del(&m, key_of(i), &v);
			ok_ops &= got == have[i] && (!got || v == ref[i]);
			n -= (size_t)have[i];
			have[i] = 0;
		} else {
			int got = u64map_get(&m, key_of(i), &v);
			ok_ops &= got == have[i] && (!got || v == ref[i]);
		}
		ok_ops &= m.n == n;
		if (step % 997 == 0) {
			for (unsigned k = 0; k < NKEYS; k++) {
				uint64_t w = 0;
				int got = u64map_get(&m, key_of(k), &w);
				ok_all &= got == have[k] && (!got || w == ref[k]);
			}
		}
	}
	CHECK(ok_ops);
	CHECK(ok_all);
	/* everything out again: the map is empty, not just its count */
	for (unsigned k = 0; k < NKEYS; k++)
		CHECK_EQ_INT(u64map_del(&m, key_of(k), NULL), have[k]);
	CHECK_EQ_INT(m.n, 0);
	size_t used = 0;
	for (size_t s = 0; m.keys && s <= m.mask; s++)
		used += m.keys[s] != 0;
	CHECK_EQ_INT(used, 0);
	u64map_free(&m);
}

/*
 * Deletion inside a cluster that wraps around the table's end. The home
 * slot is u64map.c's slot_of(), mirrored here to pick the keys: a fresh
 * map has 64 slots and keeps them up to 32 keys. Keys with homes in the
 * last and first few slots are put in, then each one in turn is deleted
 * from a fresh copy and every other one must still be found.
 */
static size_t home_of(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return (size_t)k & 63;
}

static void test_wrapped_cluster(void)
{
	static const size_t homes[] = { 61, 62, 62, 0, 63, 1, 62, 0, 3, 63, 61, 0, 2, 62, 1, 60 };
	enum { N = sizeof homes / sizeof homes[0] };
	uint64_t keys[N];
	uint64_t next = 1;
	for (size_t i = 0; i < N; i++) {
		while (home_of(next) != homes[i])
			next++;
		keys[i] = next++;
	}
	int ok = 1, wrapped = 0;
	for (size_t del = 0; del < N; del++) {
		struct u64map m = U64MAP_INIT;
		for (size_t i = 0; i < N; i++)
			ok &= u64map_put(&m, keys[i], i) == 0;
		ok &= m.mask == 63;
		/* the cluster really wraps: slots 63 and 0 both taken */
		wrapped += m.keys[63] != 0 && m.keys[0] != 0;
		uint64_t v;
		ok &= u64map_del(&m, keys[del], &v) == 1 && v == del;
		for (size_t i = 0; i < N; i++) {
			int got = u64map_get(&m, keys[i], &v);
			ok &= i == del ? got == 0 : got == 1 && v == i;
		}
		/* and again, deleting the rest in order */
		for (size_t i = 0; i < N; i++)
			if (i != del)
				ok &= u64map_del(&m, keys[i], NULL) == 1;
		ok &= m.n == 0;
		u64map_free(&m);
	}
	CHECK(ok);
	CHECK_EQ_INT(wrapped, N);
}

static void test_hash_bytes(void)
{
	CHECK(hash_bytes("abc", 3, 0) == hash_bytes("abc", 3, 0));
	CHECK(hash_bytes("abc", 3, 0) != hash_bytes("abd", 3, 0));
	CHECK(hash_bytes("abc", 3, 0) != hash_bytes("abc", 3, 1));
	CHECK(hash_bytes("abc", 2, 0) != hash_bytes("abc", 3, 0));
	CHECK(hash_bytes("", 0, 0) != 0);
	/* never 0, so it can be a u64map key: over many inputs */
	int zero = 0;
	for (uint32_t i = 0; i < 100000; i++)
		zero |= hash_bytes(&i, sizeof i, 0) == 0;
	CHECK(!zero);
}

int main(void)
{
	test_empty();
	test_basic();
	test_growth();
	test_random();
	test_wrapped_cluster();
	test_hash_bytes();
	return CHECK_DONE();
}
