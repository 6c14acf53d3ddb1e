/*
 * derive.h - the rows of one trace besides `allocations`: the process,
 * its snapshots, modules, threads, descriptors and allocation sites.
 */
#ifndef MEMLEDGER_INGEST_DERIVE_H
#define MEMLEDGER_INGEST_DERIVE_H

#include <sqlite3.h>

#include "ingest/events.h"
#include "ingest/tracemeta.h"

struct symbolizer;

/** Insert the process row (completed by derive_process_end); its id or -1. */
int64_t derive_process_begin(sqlite3 *db, const struct trace_meta *m, const char *trace_path,
                             char *err, size_t errlen);
/** How it ended, counters, and the parent link. 0 or -1. */
int derive_process_end(sqlite3 *db, const struct trace_meta *m, int64_t pid, uint64_t events,
                       uint64_t unknown_frees, char *err, size_t errlen);
int derive_snapshots(sqlite3 *db, const struct trace_meta *m, int64_t pid, char *err, size_t errlen);
int derive_modules(sqlite3 *db, const struct trace_meta *m, int64_t pid, char *err, size_t errlen);
int derive_threads(sqlite3 *db, const struct trace_meta *m, struct symbolizer *sym, int64_t pid,
                   char *err, size_t errlen);
int derive_resources(sqlite3 *db, const struct trace_meta *m, int64_t pid, char *err, size_t errlen);
struct sitename_rules;
/** The sites of pass 2, each named by sitename.h's rule under `rules`. 0 or -1. */
int derive_sites(sqlite3 *db, const struct gsite *sites, size_t n, int64_t pid,
                 const struct sitename_rules *rules, char *err, size_t errlen);

/** When the program began to exit (ns), or the end of the trace. */
int64_t derive_exit_begin_ns(const struct trace_meta *m);

#endif
