/*
 * peak_short.c - a short run whose peak falls between its snapshots
 * (t1000): it allocates 1 MiB, writes it, frees it and exits, all in a
 * millisecond or so. The tracer takes only its start and exit snapshots,
 * both with nothing live; the peak of Alloc (1 MiB) is in the events.
 * Prints "done".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *volatile sink;

int main(void)
{
	char *p = malloc(1 << 20);
	if (!p)
		return 1;
	memset(p, 1, 1 << 20);
	sink = p;
	free(p);
	printf("done\n");
	return 0;
}
