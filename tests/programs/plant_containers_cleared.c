/*
 * plant_containers_cleared.c - clean_mt.c, except that the item list is
 * never trimmed and never cleared: it grows at every phase and is still
 * held at exit.
 *
 * What it does: the service runs with keep = 0, so the consumer never
 * trims. Every record becomes a live item allocated in svc_consume. After
 * AFTER RUN the producer is stopped. It sends its 8 final records and the
 * consumer appends them, from the same call stack. So the site's live bytes
 * strictly grow at every step: START 0 < AFTER RUN (about 150 items) <
 * AFTER CLEANUP (the same plus the records sent since, at least 8 of them).
 * Cleanup then "clears" the list by resetting head, tail and count,
 * without freeing. Everything else is cleaned up. Prints nothing.
 *
 * Must fail: containers_cleared. Evidence: the svc_consume site
 * (svc_consumer_main -> svc_consume -> malloc). Its live bytes grow across
 * START, AFTER RUN and AFTER CLEANUP, and its live blocks at exit equal
 * those at AFTER CLEANUP (about 158 blocks, 48..96 bytes each).
 * Also fails, unavoidably: baseline_returned. The items are live at AFTER
 * CLEANUP, so Alloc and HeapObjects are above START. A site that grows until
 * the last snapshot and keeps its memory always does this.
 * Why the others pass:
 *   global_references    the list is not reachable at exit. Its head is
 *                        dropped, so the first item is lost and the rest
 *                        are indirect (valgrind: definitely lost 1 block,
 *                        indirectly lost about 157 blocks). That keeps this
 *                        item apart from plant_global_references.c. Contrast
 *                        partition_demo --leak-map, whose growing map is
 *                        still reachable.
 *   settle_time          nothing is freed after AFTER CLEANUP.
 *   threads, timers,     as in clean_mt.c.
 *   channels
 */
#include "mt_common.h"

static struct svc svc;

/* PLANTED (2 of 2): "clear" by forgetting the list instead of freeing it. */
static void list_forget(struct svc *s)
{
	s->head = s->tail = NULL;
	s->count = 0;
}

int main(void)
{
	/* PLANTED (1 of 2): keep = 0, so the consumer never trims. */
	return svc_main(&svc, 0, SVC_ALL, list_forget);
}
