/*
 * resymbolize.h - symbolizing a database again, in place: what
 * `memledger symbolize` does when symbols become available after the
 * ingest (a trace made in CI, debug packages installed later, a sysroot
 * copied over).
 *
 * Nothing but the database is needed. Each frame keeps its module's file
 * name, build-id and offset, and `modules` keeps each file's path and
 * build-id, so every address can be looked up again; the trace and the
 * traced machine may be long gone.
 *
 * What is rewritten:
 *  - `frames` and `stacks`: every stack is looked up again, frame by
 *    frame. Stack ids stay as they were, so `allocations`, `sites`,
 *    `threads`, `resources` and the checklist's evidence still point at
 *    the right stacks; frame ids are new.
 *  - `sites.function`, `file`, `line` (the first frame outside the runtime).
 *  - `threads.start_function`, for threads whose start address was kept.
 *  - the checklist's evidence lines, where they name a place or a thread's
 *    start function.
 *  - `modules.symbols`, `symbols_from`, `symbols_file`.
 *
 * What is not: verdicts and counts. Whether a block belongs to the C/C++
 * runtime's own caches was decided at ingest from libc's names, which
 * the libc's .dynsym already gives.
 *
 * It is one transaction: on any failure the database is unchanged.
 */
#ifndef MEMLEDGER_INGEST_RESYMBOLIZE_H
#define MEMLEDGER_INGEST_RESYMBOLIZE_H

#include <sqlite3.h>
#include <stddef.h>

#include "ingest/symbols.h"

struct sym_search;

/** What a run changed, for the command's summary line. */
struct resym_stats {
	size_t frames_before, frames_after;	/* rows of `frames` */
	size_t named_before, named_after;	/* of which with a function name */
	size_t modules_full;			/* modules with DWARF now */
};

/**
 * Symbolize every stack of db again, looking for files as `search` says
 * (NULL: the defaults). warn is called for each module refused for its
 * build-id. 0, or -1 with a one-line reason in err and db unchanged.
 */
int resymbolize_db(sqlite3 *db, const struct sym_search *search, symbols_warn_fn *warn,
                   struct resym_stats *st, char *err, size_t errlen);

#endif
