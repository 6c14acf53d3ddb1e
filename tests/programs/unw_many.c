/*
 * unw_many.c - 8192 distinct stacks through 1032 distinct call sites,
 * from 4 threads at once, for t1105: the tracer's stack table and its
 * cache of unwind rules each grow several times while other threads look
 * stacks and rules up without a lock, and a replaced table's pages are
 * given back (tracer/arena.h, ml_map_release).
 *
 * A stack is hop1(k1) -> hop2(k2) -> leaf: 1024 call sites in hop1 and 8
 * in hop2. Every thread makes all 8192 paths, each in its own order, and
 * each path's block has its own size, 16 + 8 * k1 + k2, so t1105 can
 * tell that equal paths got equal stacks and different paths different
 * ones. Prints "unw_many ok" and exits 0.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS 4
#define K1 1024
#define K2 8

static void *volatile sink;

static int __attribute__((noinline)) leaf(int k1, int k2)
{
	/* sink is shared by the threads: free this thread's own pointer */
	void *p = malloc(16 + 8 * (size_t)k1 + (size_t)k2);
	sink = p;
	free(p);
	return k2;
}

/* Each case is its own call site: what follows each call differs, so the
 * compiler cannot merge the calls. */
#define SITE2(i) case i: return leaf(k1, k2) * 5 + i;
static int __attribute__((noinline)) hop2(int k1, int k2)
{
	switch (k2) {
	SITE2(0) SITE2(1) SITE2(2) SITE2(3) SITE2(4) SITE2(5) SITE2(6) SITE2(7)
	}
	return 0;
}

#define S1(i) case i: return hop2(k1, k2) * 3 + (i);
#define S4(i) S1(i) S1((i) + 1) S1((i) + 2) S1((i) + 3)
#define S16(i) S4(i) S4((i) + 4) S4((i) + 8) S4((i) + 12)
#define S64(i) S16(i) S16((i) + 16) S16((i) + 32) S16((i) + 48)
#define S256(i) S64(i) S64((i) + 64) S64((i) + 128) S64((i) + 192)
static int __attribute__((noinline)) hop1(int k1, int k2)
{
	switch (k1) {
	S256(0) S256(256) S256(512) S256(768)
	}
	return 0;
}

static void *worker(void *arg)
{
	unsigned t = (unsigned)(size_t)arg, sum = 0;
	/* a different walk through the paths in every thread */
	for (unsigned n = 0; n < K1 * K2; n++) {
		unsigned p = (n * (2 * t + 1) * 2654435761u + t * 977u) % (K1 * K2);
		sum += (unsigned)hop1((int)(p / K2), (int)(p % K2));
	}
	return (void *)(size_t)sum;
}

int main(void)
{
	pthread_t th[THREADS];
	for (size_t i = 0; i < THREADS; i++)
		if (pthread_create(&th[i], NULL, worker, (void *)i))
			return 1;
	for (size_t i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	puts("unw_many ok");
	return 0;
}
