/*
 * esc_names.c - snapshots whose labels end in argv[1] (t0656 passes
 * terminal escape sequences), with 100000 bytes allocated between the two
 * and never freed, so the checklist's baseline_returned fails and quotes
 * both labels.
 *
 *   esc_names TAG   snapshots "STARTTAG" and "AFTERTAG"; exit 0
 */
#include <stdio.h>
#include <stdlib.h>

#include "memledger.h"

static void *volatile keep;

int main(int argc, char **argv)
{
	char start[256], after[256];
	const char *tag = argc > 1 ? argv[1] : "";
	snprintf(start, sizeof start, "START%s", tag);
	snprintf(after, sizeof after, "AFTER%s", tag);
	memledger_snapshot(start);
	keep = malloc(100000);
	memledger_snapshot(after);
	return keep ? 0 : 1;
}
