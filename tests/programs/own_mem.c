/*
 * own_mem.c - the tracer's own memory (t0546): holds N small blocks (N
 * from argv[1]), takes the snapshot "held", and prints its resident set
 * at that moment ("rss BYTES", from /proc/self/statm), so a test can set
 * what the trace says of the tracer's memory against how much more the
 * same program holds with the tracer than without it. Then frees them
 * all and exits 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "memledger.h"

static long rss_bytes(void)
{
	long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &size, &resident) != 2)
		resident = -1;
	fclose(f);
	return resident < 0 ? -1 : resident * sysconf(_SC_PAGESIZE);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	void **held = malloc((size_t)n * sizeof *held);
	if (!held)
		return 1;
	for (long i = 0; i < n; i++)
		if (!(held[i] = malloc(16 + (size_t)(i % 5) * 8)))
			return 1;
	if (memledger_snapshot)
		memledger_snapshot("held");
	printf("rss %ld\n", rss_bytes());
	for (long i = 0; i < n; i++)
		free(held[i]);
	free(held);
	return 0;
}
