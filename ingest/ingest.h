/*
 * ingest.h - loading traces into a memledger database.
 *
 *	struct ingest ig;
 *	if (ingest_open(&ig, "run.db", err, sizeof err) < 0) ...
 *	ingest_trace(&ig, "run.mlt", &opts, &stats, err, sizeof err);
 *	ingest_close(&ig);
 *
 * Each trace is loaded in one transaction: a trace that cannot be loaded
 * leaves the database exactly as it was. A truncated trace (the process
 * was killed) is not an error: its complete prefix is loaded and
 * processes.end_reason says 'truncated'.
 */
#ifndef MEMLEDGER_INGEST_INGEST_H
#define MEMLEDGER_INGEST_INGEST_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "ingest/symbols.h"

struct ingest {
	sqlite3 *db;
	struct symcache cache;
};

struct sym_search;
struct sym_module_status;

struct ingest_opts {
	int progress;           /* draw a progress bar on stderr */
	/* where else to look for symbol files (NULL: the defaults) */
	const struct sym_search *search;
	/* told of each module whose only file has another build-id */
	void (*sym_warn)(const struct sym_module_status *st);
	/* more allocation wrappers to look through when naming sites
	 * (--alloc-fn; see sitename.h), not copied */
	const char *const *alloc_fns;
	size_t nalloc_fns;
	int force;              /* load a trace whose process the database holds already */
	int allocations;        /* which allocations rows: enum alloc_rows (ingest/events.h) */
};

struct ingest_stats {
	int64_t process_id;
	int64_t pid;
	uint64_t events;
	int truncated;
	const char *end_reason;
};

/** Open (or create) the database. 0, or -1 with a reason in err. */
int ingest_open(struct ingest *ig, const char *db_path, char *err, size_t errlen);
/**
 * Load one trace. 0, or -1 with a one-line reason in err (database
 * unchanged). A trace whose process image the database already holds
 * (same pid, parent pid, start time and executable) is refused, naming
 * that process, unless opts->force.
 */
int ingest_trace(struct ingest *ig, const char *path, const struct ingest_opts *o,
                 struct ingest_stats *st, char *err, size_t errlen);
void ingest_close(struct ingest *ig);

/** Who a trace is: its PROC record. */
struct ingest_peek {
	int64_t pid, ppid;
	uint64_t unix0_ns;      /* wall clock when the process image started */
};

/** Read only the PROC record of the trace at path. 0, or -1 if the file
 * is not a trace or has no process record. */
int ingest_peek(const char *path, struct ingest_peek *pk);

#endif
