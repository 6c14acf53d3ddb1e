/*
 * plant_small_leak.c - a small leak on a large baseline: the program holds
 * 1 MiB from before START to the end, works, and loses one 4 KiB block.
 *
 * Issue 10's symptom: the checklist said "did not come back to baseline"
 * while the same page's Phases table said "back to baseline" (4 KiB is
 * under 1% of 1 MiB). Counts are exact for a native program, so every
 * verdict must say it did not come back: baseline_returned, Alloc,
 * HeapObjects, HeapInuse, Live and the Phases table's last row.
 * Prints nothing; exits 0.
 */
#include <stdlib.h>
#include <string.h>

#include <memledger.h>

static void *volatile keep;
static void *volatile sink;

int main(void)
{
	keep = malloc(1 << 20);
	memset(keep, 1, 1 << 20);
	memledger_snapshot("START");
	for (int i = 0; i < 100; i++) {
		void *p = malloc(64 + (size_t)i);

		sink = p;
		free(p);
	}
	sink = malloc(4096); /* PLANTED: lost */
	sink = NULL;
	memledger_snapshot("AFTER CLEANUP");
	return 0;
}
