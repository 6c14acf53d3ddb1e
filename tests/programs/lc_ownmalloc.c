/*
 * lc_ownmalloc.c - a program with its own malloc (t0508): a bump
 * allocator over one mmap'd region, defining every allocator entry point,
 * so the symbol lookup finds the executable's malloc before any preloaded
 * one. free() only counts.
 *
 * It makes 100 mallocs of 100..199 bytes, frees 50, and prints
 * "own allocator: used" when its own functions served them. Exit 0.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
static char *pool, *pos, *end;
static size_t nmalloc, nfree;
static void *take(size_t n, size_t align)
{
	if (!pool) { pool = pos = mmap(0, 64 << 20, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0); end = pool + (64 << 20); }
	if (align < 16) align = 16;
	char *p = (char *)(((unsigned long)pos + 16 + align - 1) & ~(align - 1));
	if (p + n > end) { errno = ENOMEM; return NULL; }
	((size_t *)p)[-1] = n; pos = p + n; nmalloc++; return p;
}
void *malloc(size_t n) { return take(n, 16); }
void free(void *p) { if (p) nfree++; }
void *calloc(size_t a, size_t b) { void *p = take(a * b, 16); if (p) memset(p, 0, a * b); return p; }
void *realloc(void *o, size_t n) { void *p = take(n, 16); if (p && o) { size_t m = ((size_t *)o)[-1]; memcpy(p, o, m < n ? m : n); nfree++; } return p; }
void *memalign(size_t a, size_t n) { return take(n, a); }
void *aligned_alloc(size_t a, size_t n) { return take(n, a); }
int posix_memalign(void **out, size_t a, size_t n) { void *p = take(n, a); if (!p) return ENOMEM; *out = p; return 0; }
void *valloc(size_t n) { return take(n, 4096); }
void *pvalloc(size_t n) { return take((n + 4095) & ~4095ul, 4096); }
size_t malloc_usable_size(void *p) { return p ? ((size_t *)p)[-1] : 0; }
int main(void)
{
	void *volatile keep[100];

	for (int i = 0; i < 100; i++) keep[i] = malloc(100 + i);
	for (int i = 0; i < 50; i++) free(keep[i]);
	printf("own allocator: %s\n", nmalloc >= 100 && nfree >= 50 ? "used" : "not used");
	return 0;
}
