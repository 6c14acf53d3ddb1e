/*
 * unw_c.c - allocations from many kinds of C frames, for the
 * differential unwinder test (t1100): the same stacks must come out of
 * the fast unwinder and libunwind.
 *
 * Deterministic: single-threaded except for one thread that runs while
 * main waits for it, so the allocations come in the same order every
 * run. Frames covered: fixed-size frames, frames of variable size
 * (alloca and VLAs, whose CFA the compiler gives through RBP), calls
 * through function pointers, recursion deeper than --depth's 64, qsort's
 * callback (a frame inside libc), a thread's start, and every allocator
 * entry point. Prints "unw_c ok" and exits 0.
 */
#include <alloca.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *volatile sink;

static void __attribute__((noinline)) leaf(size_t n)
{
	sink = malloc(n);
	free(sink);
}

static void __attribute__((noinline)) with_alloca(size_t n)
{
	char *buf = alloca(n);
	memset(buf, 1, n);
	sink = buf;
	leaf(n + (size_t)buf[0]);
}

static void __attribute__((noinline)) with_vla(int n)
{
	volatile char vla[n];
	vla[0] = 2;
	leaf((size_t)n + (size_t)vla[0]);
	sink = calloc((size_t)n, 3);
	free(sink);
}

static int __attribute__((noinline)) recurse(int depth)
{
	if (depth == 0) {
		sink = malloc(77);
		free(sink);
		return 0;
	}
	return recurse(depth - 1) + 1;
}

static int cmp_alloc(const void *a, const void *b)
{
	/* an allocation under qsort: the frame above is libc's */
	sink = malloc(24);
	free(sink);
	return *(const int *)a - *(const int *)b;
}

static void __attribute__((noinline)) through_libc(void)
{
	int v[16];
	for (int i = 0; i < 16; i++)
		v[i] = (i * 7919) % 16;
	qsort(v, 16, sizeof v[0], cmp_alloc);
}

static void __attribute__((noinline)) every_entry(void)
{
	void *p = malloc(10);
	p = realloc(p, 20000);
	free(p);
	p = calloc(4, 5);
	free(p);
	if (posix_memalign(&p, 64, 100) == 0)
		free(p);
	p = aligned_alloc(64, 128);
	free(p);
	p = realloc(NULL, 33);
	p = reallocarray(p, 3, 30);
	free(p);
}

static void *thread_main(void *arg)
{
	(void)arg;
	for (int i = 0; i < 20; i++)
		with_alloca(16 + (size_t)i);
	recurse(5);
	return NULL;
}

typedef void (*op_fn)(size_t);
static op_fn ops[] = { leaf, with_alloca };

int main(void)
{
	for (int i = 0; i < 50; i++) {
		ops[i % 2](32 + (size_t)i);
		with_vla(8 + i);
	}
	for (int d = 0; d < 100; d += 7)
		recurse(d);
	through_libc();
	every_entry();
	pthread_t t;
	if (pthread_create(&t, NULL, thread_main, NULL) != 0 || pthread_join(t, NULL) != 0)
		return 1;
	printf("unw_c ok\n");
	return 0;
}
