/*
 * scan_midrun.c - a mid-run reachability scan sees a leak that the
 * program later repairs.
 *
 * What it does: main calls, each from its own noinline function,
 *   hide_lost       malloc(777). The only copy of the pointer is kept
 *                   XOR-masked in the global g_hidden, which a conservative
 *                   scan cannot read as a pointer. The block's first word
 *                   points at a child, malloc(333) in hide_lost_child.
 *   keep_reachable  malloc(555), pointer in the global g_kept.
 * It scrubs 64 KiB of dead stack, so no stale copy of the lost pointer
 * survives, then calls memledger_snapshot_flags("SCAN", MEMLEDGER_SCAN).
 * After the scan it unmasks g_hidden and frees the child, the hidden block
 * and g_kept, and takes the snapshot "FREED". Returns 0. Prints nothing.
 *
 * A correct trace must show:
 *   - a snapshot labelled SCAN with scan = 1;
 *   - scan_leaks at SCAN: the 777-byte block (site hide_lost) 'lost', the
 *     333-byte block (site hide_lost_child) 'indirect'. The 555-byte block
 *     (site keep_reachable) is not lost: 'reachable' if listed at all;
 *   - at exit all three blocks have free_ns set and allocations.leak NULL;
 *     no block allocated by the program's own code is live at exit.
 *   - valgrind --leak-check=full: no leaks from the program's code (the
 *     blocks are freed before exit).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memledger.h"

#define NOINLINE __attribute__((noinline))
#define MASK ((uintptr_t)0x5a5a5a5a5a5a5a5aull)

static uintptr_t volatile g_hidden;     /* masked: not a pointer to a scan */
static void *volatile g_kept;

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p)
		abort();
	memset(p, 0, n);
	return p;
}

NOINLINE static void *hide_lost_child(void)
{
	return xmalloc(333);
}

NOINLINE static void hide_lost(void)
{
	void **l = xmalloc(777);

	l[0] = hide_lost_child();
	g_hidden = (uintptr_t)l ^ MASK;
}

NOINLINE static void keep_reachable(void)
{
	g_kept = xmalloc(555);
}

/* Overwrite the dead stack below main's frame, where the functions above ran. */
NOINLINE static void scrub_stack(void)
{
	volatile char buf[64 * 1024];

	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = 0;
}

NOINLINE static void free_all(void)
{
	void **l = (void **)(g_hidden ^ MASK);

	free(l[0]);
	free(l);
	g_hidden = 0;
	free(g_kept);
	g_kept = NULL;
}

int main(void)
{
	hide_lost();
	keep_reachable();
	scrub_stack();
	memledger_snapshot_flags("SCAN", MEMLEDGER_SCAN);
	free_all();
	memledger_snapshot("FREED");
	return 0;
}
