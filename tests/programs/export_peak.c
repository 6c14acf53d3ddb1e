/*
 * export_peak.c - a heap peak that falls between the program's own
 * snapshots, for the massif export: 16 blocks of 64 KiB held for about
 * 60 ms (several periodic samples at --interval 5), then freed; 1000
 * bytes from steady() stay live to the end. Peak Alloc: 1049576 bytes.
 * Prints nothing; exits 0.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "memledger.h"

#define NOINLINE __attribute__((noinline))

static void *volatile sink[32];

NOINLINE static void steady(void)
{
	sink[20] = malloc(1000);
}

NOINLINE static void peak_holder(void)
{
	for (int i = 0; i < 16; i++) {
		sink[i] = malloc(65536);
		memset(sink[i], i, 65536);
	}
}

NOINLINE static void release(void)
{
	for (int i = 0; i < 16; i++)
		free(sink[i]);
}

int main(void)
{
	struct timespec ts = { 0, 60 * 1000 * 1000 };

	memledger_snapshot("START");
	steady();
	peak_holder();
	while (nanosleep(&ts, &ts) != 0)
		;
	release();
	memledger_snapshot("AFTER");
	return 0;
}
