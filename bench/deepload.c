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
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

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

struct job {
	long pairs;
	uint64_t seed, sum;
};

static NOINLINE void *run(void *arg)
{
	struct job *j = arg;
	static __thread void *ring[RING];
	uint64_t x = j->seed, sum = 0;
	for (long i = 0; i < j->pairs; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		unsigned slot = (unsigned)(i % RING);
		size_t n = 16 + (size_t)((x >> 20) % 4081);
		free(ring[slot]);
		char *p = paths[(x >> 40) & 3](n);
		p[0] = (char)i;
		p[n - 1] = (char)(i >> 8);
		sum += (uintptr_t)p[0];
		ring[slot] = p;
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
	long pairs = argc > 1 ? atol(argv[1]) : 5000000;
	int threads = argc > 2 ? atoi(argv[2]) : 1;
	if (threads < 1 || threads > 64 || pairs < 1) {
		fprintf(stderr, "usage: deepload PAIRS THREADS\n");
		return 2;
	}
	pthread_t th[64];
	struct job jobs[64];
	for (int t = 0; t < threads; t++) {
		jobs[t].pairs = pairs / threads;
		jobs[t].seed = 0x9e3779b97f4a7c15ull * (uint64_t)(t + 1);
		if (threads == 1)
			run(&jobs[t]);
		else
			pthread_create(&th[t], NULL, run, &jobs[t]);
	}
	uint64_t sum = 0;
	for (int t = 0; t < threads; t++) {
		if (threads > 1)
			pthread_join(th[t], NULL);
		sum += jobs[t].sum;
	}
	printf("%llu\n", (unsigned long long)sum);
	return 0;
}
