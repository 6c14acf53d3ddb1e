/*
 * plant_small_leak.c - a small leak on a large baseline: the program holds
 * 1 MiB from before START to the end, works, and loses one 4 KiB block.
 *
 * Issue 10's symptom: the checklist said "did not come back to baseline"
 * while the same page's Phases table said "back to baseline" (4 KiB is
 * under 1% of 1 MiB). Counts are exact for a native program, so every
 * verdict must say it did not come back: baseline_returned, Alloc,
 * HeapObjects, HeapInuse, Live and the Phases table's last row.
 *
 * With --big the program holds 4 KiB instead and loses 1 MiB: Alloc ends
 * 257 times as high, which the page must say in words, not "+25600%".
 * Prints nothing; exits 0.
 */
#include <stdlib.h>
#include <string.h>

#include <memledger.h>

static void *volatile keep;
static void *volatile sink;

int main(int argc, char **argv)
{
	int big = argc > 1 && !strcmp(argv[1], "--big");
	size_t held = big ? 4096 : 1 << 20, lost = big ? 1 << 20 : 4096;

	keep = malloc(held);
	memset(keep, 1, held);
	memledger_snapshot("START");
	for (int i = 0; i < 100; i++) {
		void *p = malloc(64 + (size_t)i);

		sink = p;
		free(p);
	}
	sink = malloc(lost); /* PLANTED: lost */
	sink = NULL;
	memledger_snapshot("AFTER CLEANUP");
	return 0;
}
