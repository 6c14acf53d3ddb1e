/*
 * symbols.h - turning a trace's stacks into rows of `frames` and
 * `stacks`, deduplicated across the whole database: the same function at
 * the same place is one frame, the same chain of frames is one stack,
 * whichever process or trace they came from.
 */
#ifndef MEMLEDGER_INGEST_SYMBOLS_H
#define MEMLEDGER_INGEST_SYMBOLS_H

#include <sqlite3.h>

#include "common/u64map.h"
#include "ingest/tracemeta.h"

/** Frames and stacks already in the database, loaded once per command. */
struct symcache {
	struct u64map frames;      /* frame key hash -> frames.id */
	struct u64map stacks;      /* frame-id chain hash -> stacks.stack_id */
	struct u64map runtime;     /* frames.id -> 1 when in the C/C++ runtime */
	int64_t next_frame, next_stack;
	int loaded;
	sqlite3_stmt *ins_frame, *ins_stack;
};

/**
 * Load what the database already has (adding the columns this module
 * writes to a database made by an older memledger). 0 or -1.
 */
int symcache_load(struct symcache *c, sqlite3 *db, char *err, size_t errlen);
void symcache_free(struct symcache *c);

struct symbolizer;
struct sym_frame;
struct sym_search;
struct sym_module_status;

/** The frames.id of f, inserting the row when it is new. -1 on error (err). */
int64_t symcache_frame_id(struct symcache *c, sqlite3 *db, const struct sym_frame *f,
                          char *err, size_t errlen);

/**
 * Add the columns and table symbolization writes (frames.build_id,
 * modules.symbols*, thread_starts) to a database made before they
 * existed. 0 or -1.
 */
int symbols_ensure_schema(sqlite3 *db, char *err, size_t errlen);

/**
 * Symbolize every stack of m (filling tm_stack.global_id) and insert the
 * frames and stacks that are new. The symbolizer must know m's modules.
 * 0 or -1.
 */
int symbols_resolve(struct symcache *c, sqlite3 *db, struct symbolizer *sym,
                    struct trace_meta *m, char *err, size_t errlen);

/**
 * Register m's modules with a new symbolizer that looks for files as
 * `search` says (NULL: the defaults). NULL when out of memory.
 */
struct symbolizer *symbols_for_trace(const struct trace_meta *m, const struct sym_search *search);

/** Called once per module whose only file has another build-id. */
typedef void symbols_warn_fn(const struct sym_module_status *st);

/**
 * Write what each module gave the symbolizer into `modules` (columns
 * symbols, symbols_from, symbols_file) for process `pid`, or for every
 * process when pid < 0; modules no lookup fell in are left alone. Calls
 * warn (when not NULL) for each module refused for its build-id.
 * 0 or -1.
 */
int symbols_status(sqlite3 *db, struct symbolizer *sym, int64_t pid, symbols_warn_fn *warn,
                   char *err, size_t errlen);

#endif
