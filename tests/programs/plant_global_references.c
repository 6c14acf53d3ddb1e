/*
 * plant_global_references.c - clean_mt.c, except that a global table of
 * heap strings is built at startup and never freed.
 *
 * What it does: before START, main fills g_labels with 1 array block
 * (8 x 8 = 64 bytes, calloc) and 8 label strings (malloc(32) each,
 * "label-0" .. "label-7"). The consumer copies a label into each item's
 * payload. Cleanup frees everything the run allocated, but not the table.
 * The global g_labels still points at it at exit. Prints nothing.
 *
 * Must fail: global_references. Evidence: 9 blocks, 320 bytes, reachable at
 * exit from the .bss variable g_labels: the calloc(8, 8) in labels_build
 * and its 8 malloc(32) strings. valgrind reports them as still reachable:
 * 64 bytes in 1 block and 256 bytes in 8 blocks.
 * Why the others pass:
 *   baseline_returned    the table exists before START and never changes,
 *                        so Alloc and HeapObjects at AFTER CLEANUP equal
 *                        START (3 TLS vectors + 320 bytes, 12 blocks).
 *   containers_cleared   the table's sites hold the same bytes at START,
 *                        AFTER RUN and AFTER CLEANUP: no growth.
 *   settle_time          nothing is freed after AFTER CLEANUP.
 *   threads, timers,     as in clean_mt.c.
 *   channels
 */
#include "mt_common.h"

#define NLABELS 8

static struct svc svc;
static char **g_labels;

static void labels_build(void)
{
	g_labels = calloc(NLABELS, sizeof *g_labels);
	if (!g_labels)
		exit(1);
	for (int i = 0; i < NLABELS; i++) {
		g_labels[i] = malloc(32);
		if (!g_labels[i])
			exit(1);
		snprintf(g_labels[i], 32, "label-%d", i);
	}
}

int main(void)
{
	svc_warm();
	/* PLANTED: a global table that nobody frees. */
	labels_build();
	svc.labels = g_labels;
	svc.nlabels = NLABELS;
	memledger_snapshot(MEMLEDGER_START);
	svc_run(&svc, SVC_KEEP);
	return svc_cleanup(&svc, SVC_ALL, NULL);
}
