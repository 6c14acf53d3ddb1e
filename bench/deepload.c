/*
 * deepload.c - the deeper-stack benchmark program (issue 13).
 *
 *   deepload PAIRS THREADS
 *
 * Like workload.c, but each allocation goes through one of 4 call paths
 * that are each 4 non-inlined levels deep (plus the thread's own frames),
 * and every thread keeps a ring of 1000 live blocks: each step frees the
 * oldest block and allocates a new one, so a block lives exactly 1000
 * steps. Sizes are uniform in 16..4096 and every block is written to.
 * Prints a checksum so the optimiser keeps the work.
 */
#include <stdint.h>
#include <stdlib.h>

#include "jobs.h"

#define NOINLINE __attribute__((noinline))
#define RING 1000
#define BARRIER __asm__ volatile("" ::: "memory")

#define PATH(x)                                                                          \
	static NOINLINE void *x##4(size_t n) { void *p = malloc(n); BARRIER; return p; }  \
	static NOINLINE void *x##3(size_t n) { void *p = x##4(n); BARRIER; return p; }    \
	static NOINLINE void *x##2(size_t n) { void *p = x##3(n); BARRIER; return p; }    \
	static NOINLINE void *x##1(size_t n) { void *p = x##2(n); BARRIER; return p; }
PATH(a)
PATH(b)
PATH(c)
PATH(d)

static void *(*const paths[4])(size_t) = { a1, b1, c1, d1 };

static NOINLINE void *run(void *arg)
{
	struct bench_job *j = arg;
	static __thread void *ring[RING];
	uint64_t x = j->seed, sum = 0;
	for (long i = 0; i < j->pairs; i++) {
		x = bench_next(x);
		sum += bench_step(&ring[(unsigned)(i % RING)], paths, x, i);
	}
	for (int k = 0; k < RING; k++) {
		free(ring[k]);
		ring[k] = NULL;
	}
	j->sum = sum;
	return NULL;
}

int main(int argc, char **argv)
{
	return bench_main(argc, argv, "deepload", run);
}
