/*
 * symbols.h - turning a trace's stacks into rows of `frames` and
 * `stacks`, deduplicated across the whole database: the same function at
 * the same place is one frame, the same chain of frames is one stack,
 * whichever process or trace they came from.
 */
#ifndef MEMLEDGER_INGEST_SYMBOLS_H
#define MEMLEDGER_INGEST_SYMBOLS_H

#include <sqlite3.h>

#include "ingest/model.h"
#include "ingest/u64map.h"

/** Frames and stacks already in the database, loaded once per command. */
struct symcache {
	struct u64map frames;      /* frame key hash -> frames.id */
	struct u64map stacks;      /* frame-id chain hash -> stacks.stack_id */
	struct u64map runtime;     /* frames.id -> 1 when in the C/C++ runtime */
	int64_t next_frame, next_stack;
	int loaded;
	sqlite3_stmt *ins_frame, *ins_stack;
};

/** Load what the database already has. 0 or -1. */
int symcache_load(struct symcache *c, sqlite3 *db, char *err, size_t errlen);
void symcache_free(struct symcache *c);

struct symbolizer;

/**
 * Symbolize every stack of m (filling tm_stack.global_id) and insert the
 * frames and stacks that are new. The symbolizer must know m's modules.
 * 0 or -1.
 */
int symbols_resolve(struct symcache *c, sqlite3 *db, struct symbolizer *sym,
                    struct trace_meta *m, char *err, size_t errlen);

/** Register m's modules with a new symbolizer. NULL when out of memory. */
struct symbolizer *symbols_for_trace(const struct trace_meta *m);

#endif
