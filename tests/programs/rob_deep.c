/*
 * rob_deep.c - allocations at the bottom of a 200-deep recursion (t0229).
 * The tracer keeps at most --depth frames of a stack.
 *
 * recurse(n) calls itself (not a tail call) until n reaches 0, where it
 * allocates one block of 4242 bytes and frees it; this is repeated 5
 * times. Prints "depth 200, 5 blocks". Exit status 0.
 */
#include <stdio.h>
#include <stdlib.h>

static void *volatile sink;
static volatile int total;

int recurse(int n);

int recurse(int n)
{
	if (n == 0) {
		sink = malloc(4242);
		free(sink);
		return 1;
	}
	int r = recurse(n - 1);
	total += r;
	return r;
}

int main(void)
{
	int blocks = 0;
	for (int i = 0; i < 5; i++)
		blocks += recurse(200);
	printf("depth 200, %d blocks\n", blocks);
	return 0;
}
