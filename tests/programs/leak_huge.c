/*
 * leak_huge.c - huge blocks at exit (t0541): the exit scan must read
 * only what is in memory.
 *
 *   big   = malloc(16 GiB), untouched but for one page in its middle,
 *           which holds the only pointer to a 100-byte block; then the
 *           pointer to big is dropped: big is lost, the 100-byte block
 *           indirect
 *   keep  = malloc(1 GiB), held by a global, untouched but for one page,
 *           which holds the only pointer to a 200-byte block: both
 *           reachable
 * Prints "huge ok" and exits 0; exits 3 (printing why) when the system
 * will not hand out 16 GiB.
 *
 * leak_huge tib: one block of 1 TiB instead, untouched but for one byte,
 * and dropped (for allocators such as jemalloc that reserve it all).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static void *volatile keep;

/* The blocks are made in their own frame and the dead stack is scrubbed
 * afterwards: a stale copy of big, or of the pointer into its middle,
 * left below main's frame would make it look reachable or possibly lost
 * to any conservative scan (valgrind's too). */
__attribute__((noinline)) static int make_huge(void)
{
	size_t big_size = (size_t)16 << 30, keep_size = (size_t)1 << 30;
	char *big = malloc(big_size);
	if (!big) {
		printf("no 16 GiB block\n");
		return 3;
	}
	*(void **)(big + ((size_t)8 << 30)) = malloc(100);
	char *k = malloc(keep_size);
	if (!k) {
		printf("no 1 GiB block\n");
		return 3;
	}
	*(void **)(k + ((size_t)512 << 20)) = malloc(200);
	keep = k;
	return 0;
}

__attribute__((noinline)) static void scrub_stack(void)
{
	volatile char buf[64 * 1024];

	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && argv[1][0] == 't') {
		char *t = malloc((size_t)1 << 40);
		if (!t) {
			printf("no 1 TiB block\n");
			return 3;
		}
		t[(size_t)1 << 39] = 1;
		t = NULL;
		printf("tib ok\n");
		return 0;
	}
	int rc = make_huge();
	if (rc)
		return rc;
	scrub_stack();
	printf("huge ok\n");
	return 0;
}
