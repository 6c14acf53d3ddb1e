/*
 * dbq.c - see dbq.h. Operations travel in batches of BATCH; the producer
 * blocks when MAX_BATCHES are waiting, so memory stays bounded. The
 * database thread runs consecutive inserts INSERT_ROWS to a statement.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "format/trace.h"
#include "ingest/db.h"
#include "ingest/dbq.h"

#define BATCH 8192
#define MAX_BATCHES 16
/* Consecutive inserts go to SQLite INSERT_ROWS at a time, in one
 * statement: a statement's own cost (starting, opening the table,
 * seeking the end, resetting) is then paid once per INSERT_ROWS rows. */
#define INSERT_ROWS 64
#define INSERT_COLS 12

struct batch {
	struct batch *next;
	int n;
	struct dbq_op op[BATCH];
};

struct dbq {
	sqlite3 *db;
	int64_t process_id;
	sqlite3_stmt *ins, *ins_many, *ins_next, *upd, *scan;
	int64_t max_id;      /* the largest id in allocations */
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct batch *head, *tail, *cur, *spare;
	int queued;
	int done;            /* no more batches will come */
	int failed;
	char err[512];
};

static const char *const kind_names[ML_KIND_COUNT] = {
	"malloc", "calloc", "realloc", "reallocarray", "memalign", "posix_memalign",
	"aligned_alloc", "valloc", "pvalloc", "inherited",
};
static const char *const leak_names[8] = { NULL, "lost", "indirect", "reachable", "possible" };

/* Bind insert o as the row starting at parameter at (1-based); without
 * its id when !with_id. Returns the next row's first parameter. */
static int bind_insert(struct dbq *q, sqlite3_stmt *s, int at, const struct dbq_op *o, int with_id)
{
	if (with_id)
		sqlite3_bind_int64(s, at++, o->id);
	sqlite3_bind_int64(s, at, q->process_id);
	sqlite3_bind_int64(s, at + 1, o->addr);
	sqlite3_bind_int64(s, at + 2, o->size);
	sqlite3_bind_text(s, at + 3, kind_names[o->kind], -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, at + 4, o->alloc_ns);
	db_bind_opt(s, at + 5, o->free_ns);
	db_bind_opt(s, at + 6, o->alloc_tid);
	db_bind_opt(s, at + 7, o->free_tid);
	db_bind_opt(s, at + 8, o->stack_id);
	if (o->leak)
		sqlite3_bind_text(s, at + 9, leak_names[o->leak & 7], -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, at + 9);
	sqlite3_bind_int(s, at + 10, o->temporary);
	return at + 11;
}

static int exec_op(struct dbq *q, const struct dbq_op *o)
{
	sqlite3_stmt *s;
	switch (o->type) {
	case DBQ_INSERT:
		s = q->ins;
		bind_insert(q, s, 1, o, 1);
		if (o->id > q->max_id)
			q->max_id = o->id;
		break;
	case DBQ_FREE_LATE:
		s = q->upd;
		sqlite3_bind_int64(s, 1, o->free_ns);
		db_bind_opt(s, 2, o->free_tid);
		sqlite3_bind_int(s, 3, o->temporary);
		sqlite3_bind_int64(s, 4, o->id);
		break;
	default:
		s = q->scan;
		sqlite3_bind_int64(s, 1, q->process_id);
		sqlite3_bind_int64(s, 2, o->snap);
		sqlite3_bind_int64(s, 3, o->id);
		sqlite3_bind_text(s, 4, leak_names[o->kind & 7], -1, SQLITE_STATIC);
		break;
	}
	return db_step(q->db, s, q->err, sizeof q->err);
}

/*
 * Run the ops of a batch in order; a run of INSERT_ROWS inserts goes in
 * one statement. When their ids follow the table's largest one, they are
 * left out and SQLite appends the rows with exactly those ids (largest
 * plus one, each), without the search an explicit id costs. 0, or -1 at
 * the first error.
 */
static int exec_batch(struct dbq *q, const struct dbq_op *op, int n)
{
	for (int i = 0; i < n;) {
		int k = 0, next = 1;
		while (k < INSERT_ROWS && i + k < n && op[i + k].type == DBQ_INSERT) {
			next &= op[i + k].id == q->max_id + 1 + k;
			k++;
		}
		if (k == INSERT_ROWS) {
			sqlite3_stmt *s = next ? q->ins_next : q->ins_many;
			for (int j = 0, at = 1; j < k; j++)
				at = bind_insert(q, s, at, &op[i + j], !next);
			if (db_step(q->db, s, q->err, sizeof q->err) < 0)
				return -1;
			for (int j = 0; j < k; j++)
				if (op[i + j].id > q->max_id)
					q->max_id = op[i + j].id;
			i += k;
			continue;
		}
		if (exec_op(q, &op[i]) < 0)
			return -1;
		i++;
	}
	return 0;
}

static void *dbq_main(void *arg)
{
	struct dbq *q = arg;
	for (;;) {
		pthread_mutex_lock(&q->mu);
		while (!q->head && !q->done)
			pthread_cond_wait(&q->cv, &q->mu);
		struct batch *b = q->head;
		if (!b) {
			pthread_mutex_unlock(&q->mu);
			return NULL;
		}
		q->head = b->next;
		if (!q->head)
			q->tail = NULL;
		q->queued--;
		pthread_cond_broadcast(&q->cv);
		int failed = q->failed;
		pthread_mutex_unlock(&q->mu);
		if (!failed && exec_batch(q, b->op, b->n) < 0)
			failed = 1;
		pthread_mutex_lock(&q->mu);
		q->failed |= failed;
		b->next = q->spare;
		q->spare = b;
		pthread_cond_broadcast(&q->cv);
		pthread_mutex_unlock(&q->mu);
	}
}

/* Free the batch lists, the statements, the locks and q itself: the thread is not running. */
static void dbq_free(struct dbq *q)
{
	struct batch *b;

	while ((b = q->spare)) {
		q->spare = b->next;
		free(b);
	}
	while ((b = q->head)) {
		q->head = b->next;
		free(b);
	}
	free(q->cur);
	sqlite3_finalize(q->ins);
	sqlite3_finalize(q->ins_many);
	sqlite3_finalize(q->ins_next);
	sqlite3_finalize(q->upd);
	sqlite3_finalize(q->scan);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
	free(q);
}

#define INSERT_COLUMNS "process_id, addr, size, kind, alloc_ns, free_ns, alloc_tid, free_tid, stack_id, leak," \
	" temporary"

/* The statement that inserts INSERT_ROWS rows, with their ids or
 * without. NULL on error (err). */
static sqlite3_stmt *prepare_many(sqlite3 *db, int with_id, char *err, size_t errlen)
{
	char sql[sizeof "INSERT INTO allocations(id, " INSERT_COLUMNS ") VALUES " + INSERT_ROWS * (2 * INSERT_COLS + 2)];
	int cols = with_id ? INSERT_COLS : INSERT_COLS - 1;
	size_t n = (size_t)sprintf(sql, "INSERT INTO allocations(%s" INSERT_COLUMNS ") VALUES ", with_id ? "id, " : "");
	for (int i = 0; i < INSERT_ROWS; i++) {
		if (i)
			sql[n++] = ',';
		for (int c = 0; c < cols; c++) {
			sql[n++] = c ? ',' : '(';
			sql[n++] = '?';
		}
		sql[n++] = ')';
	}
	sql[n] = 0;
	return db_prepare(db, sql, err, errlen);
}

struct dbq *dbq_start(sqlite3 *db, int64_t process_id, char *err, size_t errlen)
{
	struct dbq *q = calloc(1, sizeof *q);
	if (!q) {
		err_oom(err, errlen);
		return NULL;
	}
	q->db = db;
	q->process_id = process_id;
	q->max_id = db_int(db, "SELECT max(id) FROM allocations", 0);
	q->ins = db_prepare(db, "INSERT INTO allocations(id, " INSERT_COLUMNS ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
	                    err, errlen);
	if (q->ins && (q->ins_many = prepare_many(db, 1, err, errlen)))
		q->ins_next = prepare_many(db, 0, err, errlen);
	q->upd = db_prepare(db, "UPDATE allocations SET free_ns = ?, free_tid = ?, leak = NULL, temporary = ?"
	                        " WHERE id = ?", err, errlen);
	q->scan = db_prepare(db, "INSERT INTO scan_leaks(process_id, snapshot_seq, allocation_id, leak)"
	                         " VALUES (?,?,?,?)", err, errlen);
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	int prepared = q->ins && q->ins_many && q->ins_next && q->upd && q->scan;
	if (!prepared || pthread_create(&q->th, NULL, dbq_main, q) != 0) {
		if (prepared)
			snprintf(err, errlen, "cannot start the database thread");
		dbq_free(q);
		return NULL;
	}
	return q;
}

/* Hand the current batch to the thread; wait while too many are queued. */
static int hand_over(struct dbq *q, char *err, size_t errlen)
{
	pthread_mutex_lock(&q->mu);
	if (q->cur) {
		q->cur->next = NULL;
		if (q->tail)
			q->tail->next = q->cur;
		else
			q->head = q->cur;
		q->tail = q->cur;
		q->queued++;
		q->cur = NULL;
		pthread_cond_broadcast(&q->cv);
	}
	while (q->queued >= MAX_BATCHES && !q->failed)
		pthread_cond_wait(&q->cv, &q->mu);
	int failed = q->failed;
	if (failed)
		snprintf(err, errlen, "%s", q->err);
	pthread_mutex_unlock(&q->mu);
	return failed ? -1 : 0;
}

int dbq_push(struct dbq *q, const struct dbq_op *op, char *err, size_t errlen)
{
	if (!q->cur) {
		pthread_mutex_lock(&q->mu);
		q->cur = q->spare;
		if (q->cur)
			q->spare = q->cur->next;
		pthread_mutex_unlock(&q->mu);
		if (!q->cur && !(q->cur = malloc(sizeof *q->cur))) {
			return err_oom(err, errlen);
		}
		q->cur->n = 0;
	}
	q->cur->op[q->cur->n++] = *op;
	if (q->cur->n == BATCH)
		return hand_over(q, err, errlen);
	return 0;
}

/* Stop the thread, free everything; with `run`, what is queued runs first. */
static int dbq_stop(struct dbq *q, int run, char *err, size_t errlen)
{
	int rc = 0;
	if (run) {
		rc = hand_over(q, err, errlen);
	} else {
		pthread_mutex_lock(&q->mu);
		q->failed = 1;  /* the thread skips every batch still queued */
		pthread_mutex_unlock(&q->mu);
	}
	pthread_mutex_lock(&q->mu);
	q->done = 1;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->th, NULL);
	if (run && q->failed) {
		snprintf(err, errlen, "%s", q->err);
		rc = -1;
	}
	dbq_free(q);
	return rc;
}

int dbq_finish(struct dbq *q, char *err, size_t errlen)
{
	return dbq_stop(q, 1, err, errlen);
}

void dbq_abort(struct dbq *q)
{
	char ignore[8];
	dbq_stop(q, 0, ignore, sizeof ignore);
}
