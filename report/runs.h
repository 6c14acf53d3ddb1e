/*
 * runs.h - the report of a run with many processes: which processes get
 * full sections, and the run summary (section id="run-summary").
 *
 * A run is every process of one database: a build, a test suite, a shell
 * script. Its processes form a tree. Each process's parent is the process
 * that forked it (processes.parent_process_id), except for an image
 * started by exec: its parent is the image it replaced, the latest earlier
 * process with the same pid, when that one ended with 'exec'. So an exec
 * chain reads as one lineage, `sh → gcc → cc1`. The SQL view process_tree
 * (ingest/schema.sql) follows the same rule.
 *
 * Which processes get full sections (runs_select): every one when the run
 * has at most RUNS_DEFAULT_SECTIONS processes. Otherwise the root, then
 * the processes that matter most: those with definite leaks (lost or
 * indirect bytes) or failing checklist items, most leaked bytes first, then
 * most failing items, then the ones that allocated most (TotalAlloc); one
 * process per program first (eight runs of cc1 cost one set of sections;
 * the per-program table aggregates them all), then the next ones in the
 * same order, up to RUNS_DEFAULT_SECTIONS in all. `report --process
 * PID|PROGRAM|all` chooses instead. The page states the rule and why each
 * process was chosen.
 */
#ifndef MEMLEDGER_REPORT_RUNS_H
#define MEMLEDGER_REPORT_RUNS_H

#include <stddef.h>

#include <sqlite3.h>

#include "report/data.h"
#include "report/tal.h"

/** Processes that get full sections by default (see above). */
#define RUNS_DEFAULT_SECTIONS 4
/** Sites listed per program in the per-program table. */
#define RUNS_PROGRAM_SITES 8
/**
 * Programs that ran more than once get one flame graph of all their
 * processes together, the RUNS_PROGRAM_FLAMES that allocated most, each
 * drawn from its RUNS_FLAME_STACKS heaviest stacks.
 */
#define RUNS_PROGRAM_FLAMES 3
#define RUNS_FLAME_STACKS 400

/**
 * The process that leads the page: the first (by id) without a loaded
 * parent. procs must not be empty.
 */
size_t runs_root(const struct rp_process *procs, size_t nprocs);

/**
 * Choose the processes that get full sections: sets procs[i].section and
 * procs[i].section_why. choice is NULL or empty for the default rule
 * (above), else a list of nchoice words, each "all", a pid, or a program
 * (the executable's base name, or its whole path). Returns 0, or -1 with
 * err when a word names no process.
 */
int runs_select(struct rp_process *procs, size_t nprocs, const char *const *choice,
		size_t nchoice, char *err, size_t errlen);

/**
 * The template's "run" value: null for a run of one process; else the run
 * summary (templates/README.md lists its names): totals, the process
 * tree, the processes table, the per-program aggregate and which
 * processes have sections. db reads the stacks of the per-program flame
 * graphs (NULL: none).
 * Processes other than the root have the section suffix "-pN" (N =
 * processes.id). NULL if out of memory.
 */
tal_value *runs_model(sqlite3 *db, const struct rp_process *procs, size_t nprocs);

#endif
