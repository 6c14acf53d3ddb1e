/*
 * rob_phases.c - allocates in 6 phases about 25 ms apart, so that a
 * tracer sampling every few milliseconds sync-flushes its stream between
 * them: the trace has many flush points to cut at (t0210, t0211).
 *
 * Each phase: 100 mallocs of 16, 32, .., 1600 bytes, the even ones freed
 * at once, then memledger_snapshot("PHASE n") and a 25 ms sleep. At the
 * end every block still held is freed. Prints "done 600 300" (mallocs,
 * frees before the end) and exits 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "memledger.h"

#define PHASES 6
#define PER 100

static void *volatile sink;

int main(void)
{
	static void *keep[PHASES][PER];
	int mallocs = 0, frees = 0;
	char label[32];

	for (int ph = 0; ph < PHASES; ph++) {
		for (int i = 0; i < PER; i++) {
			keep[ph][i] = malloc(16 * (size_t)(i + 1));
			if (!keep[ph][i])
				return 1;
			memset(keep[ph][i], ph, 16);
			sink = keep[ph][i];
			mallocs++;
		}
		for (int i = 0; i < PER; i += 2) {
			free(keep[ph][i]);
			keep[ph][i] = NULL;
			frees++;
		}
		snprintf(label, sizeof label, "PHASE %d", ph + 1);
		memledger_snapshot(label);
		struct timespec ts = { 0, 25 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	printf("done %d %d\n", mallocs, frees);
	for (int ph = 0; ph < PHASES; ph++)
		for (int i = 0; i < PER; i++)
			free(keep[ph][i]);
	return 0;
}
