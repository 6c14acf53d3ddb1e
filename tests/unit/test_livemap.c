/*
 * test_livemap.c - the tracer's live-block map (tracer/livemap.c) against
 * a plain array that holds the same blocks: random inserts (new and
 * replacing), removes of live and unknown addresses, and walks, with
 * blocks that fit a region's packed words and every kind that does not
 * (unaligned, 32 KiB and larger, another thread's block, a sequence
 * number far from the region's base, a region naming more than 255
 * stacks, an unsampled block with a sequence number). A walk that
 * renumbers every block, as a forked child does, must leave each block
 * findable with its new numbers. Small regions fill past 16 blocks and
 * empty again, in random order (their arrays are searched whole).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check.h"
#include "tracer/livemap.h"

#define MAXREF 200000

static struct ml_live ref[MAXREF];
static size_t nref;
static uint64_t rng = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* addr -> index in ref, open addressing (tombstones: the test is short) */
#define HBITS 20
static uint64_t hkey[1u << HBITS];
static long hval[1u << HBITS];

static uint32_t hslot(uint64_t addr)
{
	uint32_t i = (uint32_t)((addr * 0x9e3779b97f4a7c15ull) >> (64 - HBITS));
	while (hkey[i] && hkey[i] != addr)
		i = (i + 1) & ((1u << HBITS) - 1);
	return i;
}

static long ref_find(uint64_t addr)
{
	uint32_t i = hslot(addr);
	return hkey[i] && hval[i] >= 0 ? hval[i] : -1;
}

static void ref_set(uint64_t addr, long v)
{
	uint32_t i = hslot(addr);
	hkey[i] = addr;
	hval[i] = v;
}

static void ref_del(size_t i)
{
	ref_set(ref[i].addr, -1);
	ref[i] = ref[--nref];
	if (i < nref)
		ref_set(ref[i].addr, (long)i);
}

static int same(const struct ml_live *a, const struct ml_live *b)
{
	return a->addr == b->addr && a->size == b->size && a->seq == b->seq &&
	       a->idx == b->idx && a->stack == b->stack;
}

/* A block of one of the kinds the map stores differently. */
static struct ml_live make(uint64_t addr, uint64_t *seq)
{
	struct ml_live e = { addr, rnd() % 200, ++*seq, 1, (uint32_t)(rnd() % 8) + 1 };
	switch (rnd() % 16) {
	case 0: e.size = 32768 + rnd() % 100000; break;         /* too large for a word */
	case 1: e.idx = 2; break;                                /* another thread */
	case 2: e.seq += 1ull << 31; break;                      /* far from the base */
	case 3: e.stack = 1000 + (uint32_t)(rnd() % 600); break; /* fills a dictionary */
	case 4: e.seq = 0; e.stack = ML_UNSAMPLED; break;        /* not sampled */
	case 5: e.stack = ML_UNSAMPLED; break;                   /* not sampled, numbered */
	case 6: e.size = 0; break;
	default: break;
	}
	return e;
}

static uint64_t some_addr(void)
{
	/* 512 regions of 16 KiB in 64 shards' MiBs, one of them dense, some addresses odd */
	uint64_t a = 0x10000000ull + (rnd() % 64) * (1u << 20) + (rnd() % 8) * (1u << 14) +
	             (rnd() % 2048) * 8;
	if (rnd() % 4 == 0)   /* one dense region, filled to its 2048 words */
		a = 0x10000000ull + (rnd() % 2048) * 8;
	if (rnd() % 50 == 0)
		a += 1 + rnd() % 7;
	return a;
}

static size_t walked, walk_bad;

static void check_one(struct ml_live *e, void *arg)
{
	(void)arg;
	long i = ref_find(e->addr);
	walked++;
	if (i < 0 || !same(e, &ref[i]))
		walk_bad++;
}

static uint64_t renumber_seq;

static void renumber(struct ml_live *e, void *arg)
{
	(void)arg;
	long i = ref_find(e->addr);
	if (e->stack != ML_UNSAMPLED)
		e->seq = ++renumber_seq;
	e->idx = 0;
	if (i >= 0)
		ref[i] = *e;
	else
		walk_bad++;
}

static void check_all(void)
{
	walked = walk_bad = 0;
	ml_live_foreach(check_one, NULL);
	CHECK_EQ_INT(walked, nref);
	CHECK_EQ_INT(walk_bad, 0);
	CHECK_EQ_INT(ml_live_count(), nref);
}

int main(void)
{
	uint64_t seq = 0;
	long bad_remove = 0, bad_absent = 0;
	for (int round = 0; round < 400000; round++) {
		uint64_t r = rnd() % 10;
		if (r < 5 && nref < MAXREF) {
			struct ml_live e = make(some_addr(), &seq);
			long i = ref_find(e.addr);
			ml_live_insert(&e);
			if (i >= 0) {
				ref[i] = e;          /* replaces the block at that address */
			} else {
				ref_set(e.addr, (long)nref);
				ref[nref++] = e;
			}
		} else if (r < 9 && nref) {
			size_t i = rnd() % nref;
			struct ml_live out;
			if (ml_live_remove(ref[i].addr, &out) != 1 || !same(&out, &ref[i]))
				bad_remove++;
			ref_del(i);
		} else {
			uint64_t a = some_addr();
			struct ml_live out;
			if (ref_find(a) < 0 && ml_live_remove(a, &out) != 0)
				bad_absent++;
		}
		if (round % 100000 == 0)
			check_all();
	}
	CHECK_EQ_INT(bad_remove, 0);
	CHECK_EQ_INT(bad_absent, 0);
	check_all();

	/* A walk that renumbers every block (a forked child's inheritance). */
	walk_bad = 0;
	ml_live_foreach(renumber, NULL);
	CHECK_EQ_INT(walk_bad, 0);
	check_all();

	/* try-remove from a "signal handler" sees the same blocks */
	while (nref) {
		struct ml_live out;
		int rc = nref % 2 ? ml_live_remove_try(ref[nref - 1].addr, &out)
		                  : ml_live_remove(ref[nref - 1].addr, &out);
		if (rc != 1 || !same(&out, &ref[nref - 1]))
			bad_remove++;
		nref--;
	}
	CHECK_EQ_INT(bad_remove, 0);
	check_all();

	/* Small regions, whose arrays (4, 8, 16 words) are searched and kept
	 * whole: each fills in random order past 16 blocks, some replaced,
	 * then empties; every lookup between finds exactly the live blocks. */
	for (int round = 0; round < 2000; round++) {
		uint64_t base = 0x40000000ull + (uint64_t)(round % 37) * (1u << 14);
		uint32_t want = 1 + (uint32_t)(rnd() % 24);
		for (uint32_t k = 0; k < want; k++) {
			struct ml_live e = { base + (rnd() % 2048) * 8, rnd() % 4096, ++seq, 3,
			                     (uint32_t)(rnd() % 12) + 1 };
			long i = ref_find(e.addr);
			ml_live_insert(&e);
			if (i >= 0) {
				ref[i] = e;
			} else {
				ref_set(e.addr, (long)nref);
				ref[nref++] = e;
			}
			uint64_t a = base + (rnd() % 2048) * 8;
			struct ml_live out;
			if (ref_find(a) < 0 && ml_live_remove(a, &out) != 0)
				bad_absent++;
		}
		CHECK_EQ_INT((long)ml_live_count(), (long)nref);
		while (nref) {
			size_t i = rnd() % nref;
			struct ml_live out;
			if (ml_live_remove(ref[i].addr, &out) != 1 || !same(&out, &ref[i]))
				bad_remove++;
			ref_del(i);
		}
	}
	CHECK_EQ_INT(bad_remove, 0);
	CHECK_EQ_INT(bad_absent, 0);
	check_all();
	return CHECK_DONE();
}
