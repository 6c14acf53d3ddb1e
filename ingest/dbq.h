/*
 * dbq.h - a queue of row operations executed by one database thread.
 *
 * Pass 2 decodes and pairs events on the main thread; inserting the rows
 * into SQLite takes longer than producing them. With the queue the two
 * overlap (on two cores, ingest is bounded by SQLite alone). Operations
 * run strictly in queue order, on a connection no other thread touches
 * until dbq_finish() returns.
 */
#ifndef MEMLEDGER_INGEST_DBQ_H
#define MEMLEDGER_INGEST_DBQ_H

#include <sqlite3.h>
#include <stdint.h>

enum dbq_op_type { DBQ_INSERT = 1, DBQ_FREE_LATE, DBQ_SCAN };

struct dbq_op {
	int type;
	int kind;            /* INSERT: allocation kind; SCAN: leak class */
	int leak;            /* INSERT: enum ml_leak_class or 0 */
	int temporary;
	int64_t id, addr, size, alloc_ns, free_ns, alloc_tid, free_tid, stack_id, snap;
};

struct dbq;

/** Start the database thread on db for process_id. NULL on error (err). */
struct dbq *dbq_start(sqlite3 *db, int64_t process_id, char *err, size_t errlen);
/** Queue one operation; -1 when the database thread has failed (err). */
int dbq_push(struct dbq *q, const struct dbq_op *op, char *err, size_t errlen);
/** Run what is queued, stop the thread, free q. 0, or -1 with the first error. */
int dbq_finish(struct dbq *q, char *err, size_t errlen);
/** Drop what is queued, stop the thread, free q: the caller rolls back. */
void dbq_abort(struct dbq *q);

#endif
