/*
 * counts.c - exact allocation counting. Between memledger_snapshot("A") and
 * memledger_snapshot("B") every allocator entry point is called a known
 * number of times. Nothing else allocates in that window: no stdio, no
 * threads. After B the program frees what it kept and prints one line on
 * stdout:
 *
 *   expect mallocs=30 frees=27 total_alloc=1058455 heap_objects_delta=3
 *
 * The line is tallied at run time by the DESIGN.md counting rules:
 *   - every successful allocation call counts 1;
 *   - realloc(p, n) and reallocarray(p, ...) with p != NULL and n > 0 count
 *     1 free + 1 allocation of n bytes, whether the block moved or not;
 *   - realloc(p, 0) counts 1 free;
 *   - free(NULL) counts nothing;
 *   - calloc(n, m) counts n*m bytes;
 *   - sizes are the requested bytes: pvalloc(100) and valloc(100) are 100.
 * The program also checks the tally against the constants below.
 *
 * The calls between A and B:
 *
 *   call                                       allocs  frees  bytes
 *   malloc: 1, 16, 100, 1000, 5000, 1000 kept,   14      -     8505
 *     and 8 seeds 100, 1000, 64, 32, 48, 80, 24, 40
 *   calloc(10,20) kept, calloc(3,7), calloc(1,1)  3      -      222
 *   realloc(NULL, 50)                              1      -       50
 *   realloc(seed100, 1 MiB): grows and MOVES       1      1  1048576
 *     (above the mmap threshold; checked)
 *   realloc(seed1000, 100): shrinks IN PLACE       1      1      100
 *     (checked: same address)
 *   realloc(seed32, 48), then realloc(.., 96)      2      2      144
 *   realloc(seed64, 0)                             -      1        -
 *   reallocarray(NULL, 4, 25)                      1      -      100
 *   reallocarray(p, 8, 25) of that block           1      1      200
 *   reallocarray(seed80, 3, 10)                    1      1       30
 *   memalign(64,100) kept                          1      -      100
 *   posix_memalign(64,100)                         1      -      100
 *   aligned_alloc(64,128)                          1      -      128
 *   valloc(100)                                    1      -      100
 *   pvalloc(100)                                   1      -      100
 *   free(NULL) twice                               -      -        -
 *   free() of every block not kept                 -     20        -
 *   total                                         30     27  1058455
 *
 * A correct trace shows, between snapshots A and B: Mallocs +30, Frees +27,
 * TotalAlloc +1058455, HeapObjects +3, Alloc +1300 (the 3 kept blocks:
 * malloc(1000), calloc(10,20) and memalign(64,100)). After B: 3 more frees
 * (the kept blocks), then stdio allocates its stdout buffer for the printf.
 *
 * Exit status 0. It is 1 if the tally disagrees with the constants, or if
 * the growing realloc did not move or the shrinking one did. In either case
 * the trace would not test what it should.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memledger.h"

#define EXPECT_MALLOCS 30UL
#define EXPECT_FREES 27UL
#define EXPECT_TOTAL 1058455UL
#define EXPECT_DELTA 3L

static unsigned long n_allocs, n_frees, n_bytes;
static long n_live;
static void *volatile sink;

static void *got(void *p, size_t n)
{
	if (!p)
		abort();
	n_allocs++;
	n_bytes += n;
	n_live++;
	memset(p, 0xa5, n < 64 ? n : 64);
	sink = p;
	return p;
}

static void gone(void)
{
	n_frees++;
	n_live--;
}

/* realloc/reallocarray of a live block: 1 free + 1 allocation. */
static void *moved(void *p, size_t n)
{
	gone();
	return got(p, n);
}

int main(void)
{
	void *m[5], *kept[3], *seed[8], *r, *p;
	size_t sizes[5] = { 1, 16, 100, 1000, 5000 };
	size_t seeds[8] = { 100, 1000, 64, 32, 48, 80, 24, 40 };
	volatile uintptr_t before;  /* volatile: gcc warns about comparing an old pointer after realloc */
	int bad = 0;

	memledger_snapshot("A");

	for (int i = 0; i < 5; i++)
		m[i] = got(malloc(sizes[i]), sizes[i]);
	kept[0] = got(malloc(1000), 1000);
	for (int i = 0; i < 8; i++)
		seed[i] = got(malloc(seeds[i]), seeds[i]);

	kept[1] = got(calloc(10, 20), 200);
	r = got(calloc(3, 7), 21);
	free(r);
	gone();
	r = got(calloc(1, 1), 1);
	free(r);
	gone();

	r = got(realloc(NULL, 50), 50);
	free(r);
	gone();

	before = (uintptr_t)seed[0];
	seed[0] = moved(realloc(seed[0], 1 << 20), 1 << 20);
	bad |= (uintptr_t)seed[0] == before;            /* must have moved */
	before = (uintptr_t)seed[1];
	seed[1] = moved(realloc(seed[1], 100), 100);
	bad |= (uintptr_t)seed[1] != before;            /* must be in place */
	seed[3] = moved(realloc(seed[3], 48), 48);
	seed[3] = moved(realloc(seed[3], 96), 96);

	r = realloc(seed[2], 0);                        /* glibc frees, returns NULL */
	gone();
	seed[2] = NULL;
	bad |= r != NULL;

	p = got(reallocarray(NULL, 4, 25), 100);
	p = moved(reallocarray(p, 8, 25), 200);
	free(p);
	gone();
	seed[5] = moved(reallocarray(seed[5], 3, 10), 30);

	kept[2] = got(memalign(64, 100), 100);
	if (posix_memalign(&p, 64, 100))
		abort();
	got(p, 100);
	free(p);
	gone();
	r = got(aligned_alloc(64, 128), 128);
	free(r);
	gone();
	r = got(valloc(100), 100);
	free(r);
	gone();
	r = got(pvalloc(100), 100);
	free(r);
	gone();

	free(NULL);
	free(NULL);

	for (int i = 0; i < 5; i++) {
		free(m[i]);
		gone();
	}
	for (int i = 0; i < 8; i++) {
		if (seed[i]) {
			free(seed[i]);
			gone();
		}
	}

	memledger_snapshot("B");

	for (int i = 0; i < 3; i++)
		free(kept[i]);

	printf("expect mallocs=%lu frees=%lu total_alloc=%lu heap_objects_delta=%ld\n",
	       n_allocs, n_frees, n_bytes, n_live);
	if (n_allocs != EXPECT_MALLOCS || n_frees != EXPECT_FREES ||
	    n_bytes != EXPECT_TOTAL || n_live != EXPECT_DELTA)
		bad = 1;
	if (bad)
		fprintf(stderr, "counts: the run did not go as the header says\n");
	return bad;
}
