/*
 * cmp_app.c - the program the comparison tests (t09NN) trace in two
 * versions. Built as it is (the Makefile's build/programs/cmp_app) it is
 * version 1; compiled with -DCMP_V2 it is version 2, which
 *   - leaks one more block at a new site: leak_new, malloc(120), lost;
 *   - fills its container 40 times fuller: push() grows `table` to
 *     40000 entries (v1: 1000), kept until exit.
 * Both versions share failures of their own, so a baseline gate has
 * something to forgive: leak_old loses malloc(200) (a definite leak),
 * `kept` and `table` are still referenced at exit (global_references),
 * and `table` grows across the program's snapshots (containers_cleared,
 * baseline_returned). Everything else is the same in both: churn()'s
 * temporary blocks and the snapshots START, AFTER RUN, AFTER CLEANUP.
 * Prints nothing; exits 0.
 */
#include <stdlib.h>
#include <string.h>

#include "memledger.h"

#define NOINLINE __attribute__((noinline))

struct vec {
	long *v;
	size_t n, cap;
};

static struct vec table;          /* the container; reachable at exit */
static char *volatile kept;       /* reachable at exit */
static void *volatile sink;

NOINLINE static void push(struct vec *x, long v)
{
	if (x->n == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 64;
		x->v = realloc(x->v, x->cap * sizeof *x->v);
		if (!x->v)
			abort();
	}
	x->v[x->n++] = v;
}

/* Temporary blocks, freed at once: the same in both versions. */
NOINLINE static void churn(int n)
{
	for (int i = 0; i < n; i++) {
		char *p = malloc(48 + (size_t)(i % 16));

		if (!p)
			abort();
		p[0] = 1;
		sink = p;
		free(p);
	}
	sink = NULL;
}

/* The known leak of both versions. */
NOINLINE static void leak_old(void)
{
	sink = malloc(200);
	sink = NULL;
}

#ifdef CMP_V2
/* The leak version 2 adds. */
NOINLINE static void leak_new(void)
{
	sink = malloc(120);
	sink = NULL;
}
#endif

/* Overwrite the dead stack where the functions above ran (no stale pointer). */
NOINLINE static void scrub_stack(void)
{
	volatile char buf[32 * 1024];

	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = 0;
}

int main(void)
{
#ifdef CMP_V2
	long entries = 40000;
#else
	long entries = 1000;
#endif
	memledger_snapshot("START");
	churn(500);
	kept = malloc(64);
	for (long i = 0; i < entries; i++)
		push(&table, i);
	leak_old();
#ifdef CMP_V2
	leak_new();
#endif
	scrub_stack();
	memledger_snapshot("AFTER RUN");
	churn(100);
	memledger_snapshot("AFTER CLEANUP");
	return 0;
}
