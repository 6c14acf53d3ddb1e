/*
 * workload.c - the malloc-heavy benchmark program.
 *
 *   workload PAIRS THREADS
 *
 * Each thread makes PAIRS/THREADS malloc/free pairs through 4 distinct
 * call paths, each several non-inlined calls deep, with sizes drawn
 * uniformly from 16..4096 and a small live set (64 blocks per thread).
 * Every block is written to, as a real program would. A free removes a
 * random live block, so lifetimes vary. Prints a checksum so the
 * optimiser keeps the work.
 */
#include <stdint.h>
#include <stdlib.h>

#include "jobs.h"

#define NOINLINE __attribute__((noinline))
#define LIVE 64

static NOINLINE void *a3(size_t n) { void *p = malloc(n); __asm__ volatile("" ::: "memory"); return p; }
static NOINLINE void *a2(size_t n) { void *p = a3(n); __asm__ volatile("" ::: "memory"); return p; }
static NOINLINE void *a1(size_t n) { void *p = a2(n); __asm__ volatile("" ::: "memory"); return p; }
static NOINLINE void *b3(size_t n) { void *p = malloc(n); __asm__ volatile("" ::: "memory"); return p; }
static NOINLINE void *b2(size_t n) { void *p = b3(n); __asm__ volatile("" ::: "memory"); return p; }
static NOINLINE void *b1(size_t n) { void *p = b2(n); __asm__ volatile("" ::: "memory"); return p; }
static NOINLINE void *c4(size_t n) { void *p = malloc(n); __asm__ volatile("" ::: "memory"); return p; }
static NOINLINE void *c3(size_t n) { void *p = c4(n); __asm__ volatile("" ::: "memory"); return p; }
static NOINLINE void *c2(size_t n) { void *p = c3(n); __asm__ volatile("" ::: "memory"); return p; }
static NOINLINE void *c1(size_t n) { void *p = c2(n); __asm__ volatile("" ::: "memory"); return p; }
static NOINLINE void *d2(size_t n) { void *p = malloc(n); __asm__ volatile("" ::: "memory"); return p; }
static NOINLINE void *d1(size_t n) { void *p = d2(n); __asm__ volatile("" ::: "memory"); return p; }

static void *(*const paths[4])(size_t) = { a1, b1, c1, d1 };

static NOINLINE void *run(void *arg)
{
	struct bench_job *j = arg;
	void *live[LIVE] = { 0 };
	uint64_t x = j->seed, sum = 0;
	for (long i = 0; i < j->pairs; i++) {
		x = bench_next(x);
		sum += bench_step(&live[(unsigned)(x >> 8) % LIVE], paths, x, i);
	}
	for (int k = 0; k < LIVE; k++)
		free(live[k]);
	j->sum = sum;
	return NULL;
}

int main(int argc, char **argv)
{
	return bench_main(argc, argv, "workload", run);
}
