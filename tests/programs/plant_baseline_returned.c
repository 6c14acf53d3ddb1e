/*
 * plant_baseline_returned.c - clean_mt.c, except that cleanup frees the item
 * list with an off-by-one: every item but the first is freed, and the first
 * is lost.
 *
 * What it does: the service runs as in clean_mt.c. The consumer trims, so
 * the list holds 16 items at AFTER RUN. Cleanup walks the list from
 * head->next, frees those items and drops head. One item (48..96 bytes,
 * allocated in svc_consume) stays live, with no pointer to it, until exit.
 * Prints nothing.
 *
 * Must fail: baseline_returned. At AFTER CLEANUP, Alloc is 48..96 bytes and
 * HeapObjects 1 above START.
 *
 * Why the others pass, and why this is the only way to fail it alone:
 * If Alloc at AFTER CLEANUP is above START, some site holds more at AFTER
 * CLEANUP than at START. That memory is then either freed after the
 * snapshot (settle_time fails), reachable at exit (global_references
 * fails), or lost. This program takes the third way:
 *   global_references    the block is lost, not reachable (valgrind:
 *                        definitely lost, 1 block).
 *   settle_time          nothing is freed after AFTER CLEANUP.
 *   containers_cleared   the svc_consume site does not keep growing. Its
 *                        live bytes go from 0 (START) to 16 items (AFTER
 *                        RUN) and then DOWN to 1 item (AFTER CLEANUP). It
 *                        passes when the check asks for growth between
 *                        consecutive snapshots, as partition_demo --leak-map
 *                        and plant_containers_cleared.c show it. A check that
 *                        compares only the first and the last snapshot
 *                        (0 < 1 item, held at exit) would fail here too.
 *                        Tests should pin which reading the checker uses.
 *   threads, timers,     as in clean_mt.c.
 *   channels
 */
#include "mt_common.h"

static struct svc svc;

/* PLANTED: the classic off-by-one: frees from the second item on. */
static void list_free_buggy(struct svc *s)
{
	struct svc_item *it = s->head ? s->head->next : NULL;

	while (it) {
		struct svc_item *next = it->next;

		free(it);
		it = next;
	}
	s->head = s->tail = NULL;
	s->count = 0;
}

int main(void)
{
	/* PLANTED: list_free_buggy() instead of svc_clear(). */
	return svc_main(&svc, SVC_KEEP, SVC_ALL, list_free_buggy);
}
