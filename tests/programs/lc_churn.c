/*
 * lc_churn.c - N malloc/free pairs of 16..1039 bytes, then prints "done"
 * (t0507): a trace of a size chosen on the command line. Its sizes repeat
 * every 1024 pairs, so LZ matching writes about 0.2 bytes per pair.
 *
 * Usage: lc_churn N
 */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000;
	for (long i = 0; i < n; i++) {
		void *volatile p = malloc(16 + (size_t)(i * 7919 % 1024));
		free(p);
	}
	printf("done\n");
	return 0;
}
