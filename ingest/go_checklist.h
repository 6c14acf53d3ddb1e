/*
 * go_checklist.h - the leak checklist for a Go process (DESIGN.md, "Go
 * programs", "Checklist for Go"): the same nine items as for native
 * programs, answered from MemStats snapshots, gctrace cycles, goroutine
 * dumps and heap profiles. Every Go verdict and tolerance lives in
 * go_checklist.c, computed once at ingest; the report and `check` read
 * the rows.
 */
#ifndef MEMLEDGER_INGEST_GO_CHECKLIST_H
#define MEMLEDGER_INGEST_GO_CHECKLIST_H

#include <sqlite3.h>
#include <stdint.h>

#include "ingest/go_run.h"

/* One heap-profile site: a distinct stack, its figures summed. */
struct go_site {
	int64_t stack_id;
	int64_t alloc_objects, alloc_space, inuse_objects, inuse_space;
	const struct go_frame *at;   /* the frame the site is named after */
};

/* What go_write() put in the database, for the checklist's evidence. */
struct go_written {
	int64_t pid;
	struct go_site **psites;     /* per profile of the run */
	size_t *npsites;
	long *profile_snap;          /* per profile: index into run->snaps, -1 none */
	long *dump_snap;             /* per dump: index into run->snaps, -1 none */
	int64_t **created_stack;     /* per dump, per goroutine: its creation stack_id, 0 none */
};

/** How far Alloc may end above its baseline and still count as back. */
int64_t go_alloc_tolerance(int64_t peak_alloc);
/** The same for HeapObjects. */
int64_t go_objects_tolerance(int64_t peak_objects);

/** Evaluate the nine items into `checklist` and `checklist_evidence`. 0 or -1. */
int go_checklist_run(sqlite3 *db, const struct go_run *r, const struct go_written *w,
                     char *err, size_t errlen);

#endif
