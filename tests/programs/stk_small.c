/*
 * stk_small.c - allocations on small stacks (t0540): a signal handler on
 * a small sigaltstack, a ucontext coroutine on a small stack, and a
 * thread whose recursion has left only a little of its stack.
 *
 * Every small stack is mmap'd with an inaccessible guard page below it,
 * so using more than it has is a SIGSEGV, not silent corruption. main
 * calls the allocator once first, so that the dynamic linker's lazy
 * binding (which saves every register on the stack) is done.
 *
 * Usage:
 *   stk_small alt SIZE      sigaltstack of SIZE bytes; SIGUSR1 (raise, 50
 *                           times) runs on it and calls handler_alloc_site,
 *                           which mallocs, callocs, reallocs and frees
 *                           (sizes 5101..5104), and keeps one block of
 *                           5105 bytes (freed by main afterwards)
 *   stk_small coro SIZE     a coroutine on a SIZE-byte stack, entered 50
 *                           times; coro_alloc_site does the same with
 *                           sizes 6101..6105
 *   stk_small edge ROOM     a thread with a 256 KiB stack recurses until
 *                           less than ROOM bytes of it are left, then
 *                           edge_alloc_site does the same with sizes
 *                           7101..7105
 *   stk_small measure       no SIZE: prints the bytes of stack used by
 *                           the allocation work in each place (altstack
 *                           of 64 KiB, coroutine of 64 KiB, and from a
 *                           point deep in a thread), found by painting
 *                           the stack before and looking for the lowest
 *                           byte changed after:
 *                           "alt N coro N edge N"
 * The first three print "alt ok", "coro ok", "edge ok". Exit status 0.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "own_stack.h"

#define PAINT 0xa5
#define ROUNDS 50

static void *volatile sink;
static void *volatile kept;

/* The allocation work: every allocator entry point, one block kept. */
static void alloc_work(int base)
{
	char *p = malloc((size_t)base + 1);
	char *q = calloc(1, (size_t)base + 2);
	p = realloc(p, (size_t)base + 3);
	void *r = NULL;
	if (posix_memalign(&r, 64, (size_t)base + 4) != 0)
		r = NULL;
	sink = p;
	sink = q;
	free(p);
	free(q);
	free(r);
	if (!kept)
		kept = malloc((size_t)base + 5);
}

__attribute__((noinline)) void handler_alloc_site(void);
__attribute__((noinline)) void handler_alloc_site(void)
{
	alloc_work(5100);
}

__attribute__((noinline)) void coro_alloc_site(void);
__attribute__((noinline)) void coro_alloc_site(void)
{
	alloc_work(6100);
}

__attribute__((noinline)) void edge_alloc_site(void);
__attribute__((noinline)) void edge_alloc_site(void)
{
	alloc_work(7100);
}

/* A stack of `size` bytes above an inaccessible guard page. */
static char *small_stack(size_t size)
{
	size_t pg = 4096, len = (size + pg - 1) / pg * pg;
	char *m = mmap(NULL, len + pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	mprotect(m, pg, PROT_NONE);
	/* the stack's top is its end: place it so exactly `size` bytes are usable */
	return m + pg + len - size;
}

/* Bytes of [lo, lo+size) changed since it was painted, counted from the top. */
static size_t used(const char *lo, size_t size)
{
	for (size_t i = 0; i < size; i++)
		if ((unsigned char)lo[i] != PAINT)
			return size - i;
	return 0;
}

/* ---------------------------------------------------------------- altstack */

static void on_usr1(int sig)
{
	(void)sig;
	handler_alloc_site();
}

static size_t run_alt(size_t size)
{
	char *st = small_stack(size);
	stack_t ss = { .ss_sp = st, .ss_size = size, .ss_flags = 0 };
	if (sigaltstack(&ss, NULL) != 0) {
		perror("sigaltstack");
		exit(1);
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	size_t max = 0;
	for (int i = 0; i < ROUNDS; i++) {
		memset(st, PAINT, size);
		raise(SIGUSR1);
		size_t u = used(st, size);
		max = u > max ? u : max;
	}
	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, NULL);
	free(kept);
	kept = NULL;
	return max;
}

/* ---------------------------------------------------------------- coroutine */

static ucontext_t main_ctx, coro_ctx;

static void coro_main(void)
{
	for (;;) {
		coro_alloc_site();
		swapcontext(&coro_ctx, &main_ctx);
	}
}

static size_t run_coro(size_t size)
{
	char *st = small_stack(size);
	memset(st, PAINT, size);
	getcontext(&coro_ctx);
	coro_ctx.uc_stack.ss_sp = st;
	coro_ctx.uc_stack.ss_size = size;
	coro_ctx.uc_link = &main_ctx;
	makecontext(&coro_ctx, coro_main, 0);
	for (int i = 0; i < ROUNDS; i++)
		swapcontext(&main_ctx, &coro_ctx);
	free(kept);
	kept = NULL;
	return used(st, size);
}

/* ---------------------------------------------------------------- deep in a thread */

static char *thread_lo;
static size_t edge_room;
static size_t edge_used;

__attribute__((noinline)) static void at_the_edge(void)
{
	volatile char here;
	char *sp = (char *)&here;
	/* paint what is left below this frame (memset's own frame is small) */
	size_t below = (size_t)(sp - thread_lo) - 128;
	memset(thread_lo, PAINT, below);
	for (int i = 0; i < ROUNDS; i++)
		edge_alloc_site();
	edge_used = (size_t)(sp - thread_lo) - (below - used(thread_lo, below));
}

__attribute__((noinline)) static int recurse(int n)
{
	volatile char frame[48];
	frame[0] = (char)n;
	if ((size_t)((char *)&frame[0] - thread_lo) < edge_room) {
		at_the_edge();
		return frame[0];
	}
	return recurse(n + 1) + frame[0];
}

static void *edge_thread(void *arg)
{
	(void)arg;
	void *lo;
	size_t size;
	own_stack(&lo, &size);
	thread_lo = lo;
	/* warm this thread's allocator up first, as a program would be */
	edge_alloc_site();
	recurse(0);
	return NULL;
}

static size_t run_edge(size_t room)
{
	pthread_t th;
	pthread_attr_t a;
	edge_room = room;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 256 * 1024);
	if (pthread_create(&th, &a, edge_thread, NULL) != 0) {
		perror("pthread_create");
		exit(1);
	}
	pthread_join(th, NULL);
	pthread_attr_destroy(&a);
	free(kept);
	kept = NULL;
	return edge_used;
}

int main(int argc, char **argv)
{
	/* Resolve the allocator's PLT entries first: the dynamic linker's
	 * lazy binding saves every register on the stack (several KiB), on
	 * whatever stack the first call happens. */
	static char warm[64];
	memset(warm, PAINT, sizeof warm);
	alloc_work(100);
	free(kept);
	kept = NULL;
	if (argc == 2 && !strcmp(argv[1], "measure")) {
		size_t a = run_alt(64 * 1024), c = run_coro(64 * 1024), e = run_edge(32 * 1024);
		printf("alt %zu coro %zu edge %zu\n", a, c, e);
		return 0;
	}
	if (argc != 3)
		return 2;
	size_t n = strtoul(argv[2], NULL, 0);
	if (!strcmp(argv[1], "alt"))
		run_alt(n);
	else if (!strcmp(argv[1], "coro"))
		run_coro(n);
	else if (!strcmp(argv[1], "edge"))
		run_edge(n);
	else
		return 2;
	printf("%s ok\n", argv[1]);
	return 0;
}
