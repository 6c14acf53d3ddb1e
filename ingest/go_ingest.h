/*
 * go_ingest.h - loading a Go program's own reports into a memledger
 * database: MemStats JSON lines, gctrace logs, pprof heap profiles,
 * goroutine dumps, and the traces `memledger run` writes for Go programs
 * (DESIGN.md, "Go programs").
 *
 *	if (ingest_is_go(path)) ... collect the paths ...
 *	ingest_go(&ig, paths, n, &opts, &stats, &bad, err, sizeof err);
 *
 * Every Go input of one call is one run and becomes one process with
 * processes.runtime = 'go', loaded in one transaction: an input that
 * cannot be read leaves the database as it was, and *bad names it.
 */
#ifndef MEMLEDGER_INGEST_GO_INGEST_H
#define MEMLEDGER_INGEST_GO_INGEST_H

#include "ingest/go_run.h"
#include "ingest/ingest.h"

/** 1 if the file's content is a Go input (never judged by its name), else 0. */
int ingest_is_go(const char *path);

/**
 * Load paths[0..n) as one Go process. 0, or -1 with a one-line reason in
 * err and *bad the path at fault (the database unchanged). A warning
 * (cut input, snapshots out of order) is left in warn (empty if none).
 */
int ingest_go(struct ingest *ig, char *const *paths, int n, const struct ingest_opts *o,
              struct ingest_stats *st, const char **bad, char *warn, size_t warnlen,
              char *err, size_t errlen);

/** Write a read, timeline-ordered run as process rows (the transaction is the caller's). */
int go_write(sqlite3 *db, struct go_run *r, const char *inputs_json, const char *first_path,
             int64_t *process_id, char *err, size_t errlen);

#endif
