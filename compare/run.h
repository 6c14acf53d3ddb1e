/*
 * run.h - one run's database, loaded for comparison and gating.
 *
 * A run is every process of a memledger database with what the
 * comparison needs of each: its snapshots, its allocation sites merged
 * by symbolic key (compare/sitekey.h) with their leaks at exit by
 * class, its checklist as ingest stored it (verdicts are read, never
 * computed here), and the threads, timers and channels still open at
 * exit, by the stack that created them.
 *
 * Leak classes are open-ended strings ('lost', 'indirect', 'reachable',
 * and any class a later tracer adds); only 'lost' and 'indirect' are
 * definite (cmp_leak_definite). They are read from the live rows of
 * `allocations`; a database loaded without allocation rows falls back to
 * the per-class columns of `sites`.
 *
 * The database stays open (read-only) while the run is loaded, so that
 * stacks can be read for display (cmp_stack_read on run->db).
 */
#ifndef MEMLEDGER_COMPARE_RUN_H
#define MEMLEDGER_COMPARE_RUN_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "compare/deltas.h"

/** Blocks of one leak class left at exit. */
struct cmp_leak {
	char *cls;
	int64_t allocs, bytes;
};

/** An allocation site: every stack of the process with one exact key. */
struct cmp_site {
	char *exact, *loose;
	int64_t stack_id;          /* the stack with the most bytes, for display */
	char *where;               /* "function (file:line)" of its first own frame */
	int runtime;               /* allocated by the C/C++ runtime for itself */
	int64_t allocs, bytes, live_allocs, live_bytes, peak_live_bytes;
	struct cmp_leak *leaks;    /* by class, at exit */
	size_t nleaks;
};

struct cmp_snap {
	char *label;
	char *kind;                /* start, exit, user (samples are not kept here) */
	int occ;                   /* earlier snapshots with this label */
	double v[CMP_NMETRICS];    /* NAN where NULL */
};

struct cmp_evidence {
	char *text;
	int64_t stack_id;          /* 0: none */
};

struct cmp_item {
	char *item, *status, *detail;
	struct cmp_evidence *ev;
	size_t nev;
};

/** Threads, timers or channels still open at exit, created at one stack. */
struct cmp_open {
	char *what;                /* "running thread", "unjoined thread", "timerfd", "pipe", ... */
	char *exact, *loose;       /* what + the creating stack's keys */
	char *where;
	int64_t stack_id, count;
};

struct cmp_proc {
	int64_t id, pid, exit_code, start_ns, end_ns;
	int has_parent, go;
	int scanned;               /* a reachability scan ran at exit: leaks are classified */
	char *exe, *name, *end_reason;
	struct cmp_snap *snaps;    /* start, exit and the program's own, in time order */
	size_t nsnaps;
	double *ts, *alloc;        /* every snapshot, samples included: Alloc over time */
	size_t nall;
	double peak_alloc;         /* the highest Alloc: of any snapshot, or between them (timeline) */
	double total_allocs;       /* Mallocs at the last snapshot */
	int user_snaps;            /* snapshots the program took itself */
	struct cmp_site *sites;    /* sorted by exact key */
	size_t nsites;
	struct cmp_item *items;
	size_t nitems;
	struct cmp_open *open;
	size_t nopen;
};

struct cmp_run {
	char *path;
	sqlite3 *db;
	struct cmp_proc *procs;    /* processes.id order */
	size_t nprocs;
};

/**
 * Open the memledger database at path read-only and load every process.
 * 0, or -1 with one line in err (not prefixed by the path) and r empty.
 */
int cmp_run_load(struct cmp_run *r, const char *path, char *err, size_t errlen);
void cmp_run_free(struct cmp_run *r);

/** 1 for the leak classes a run's gate counts by default: lost and indirect. */
int cmp_leak_definite(const char *cls);

/** The blocks of class cls at site s (0 if none). */
const struct cmp_leak *cmp_site_leak(const struct cmp_site *s, const char *cls);

#endif
