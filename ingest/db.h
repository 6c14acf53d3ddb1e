/*
 * db.h - the memledger database: opening (and creating) it with the
 * schema, checking it is one of ours, and small statement helpers.
 */
#ifndef MEMLEDGER_INGEST_DB_H
#define MEMLEDGER_INGEST_DB_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#define ML_SCHEMA_VERSION "3"

/* How long an open or a statement waits for another process's lock on
 * the database before it gives up and says so (db_errmsg). */
#define DB_LOCK_WAIT_MS 5000

/* Created with the schema; into an empty table, allocations_stack is
 * dropped during the load and built again once the rows are in (see
 * schema.sql and ingest.c). */
#define DB_ALLOCATION_INDEXES \
	"CREATE INDEX IF NOT EXISTS allocations_stack ON allocations(stack_id);" \
	"CREATE INDEX IF NOT EXISTS allocations_live ON allocations(process_id, leak)" \
	" WHERE free_ns IS NULL;"

/**
 * Open path for writing, creating it with the schema if it is new.
 * An existing file must be a memledger database of this schema version
 * (an empty regular file counts as new). A directory, a device such as
 * /dev/null, a trace, or a path that cannot be written is refused with
 * the reason. 0, or -1 with a reason in err (a file it created is
 * removed again).
 */
int db_open_rw(const char *path, sqlite3 **out, char *err, size_t errlen);

/** Open an existing memledger database read-only. 0, or -1 with a reason
 * in err (a trace given for a database says to ingest it first). */
int db_open_ro(const char *path, sqlite3 **out, char *err, size_t errlen);

/** sqlite3_errmsg(db); for a lock held past DB_LOCK_WAIT_MS, a sentence
 * that says the database is locked and how long we waited. */
const char *db_errmsg(sqlite3 *db);

/**
 * Whether path can be read as a SQLite database now: a directory, a trace,
 * a file that is not SQLite, or a lock held past DB_LOCK_WAIT_MS each give
 * their reason. Nothing about the schema is checked. 0, or -1 with err.
 */
int db_check_readable(const char *path, char *err, size_t errlen);

/** Run SQL with no result rows. 0, or -1 with sqlite's message in err. */
int db_exec(sqlite3 *db, const char *sql, char *err, size_t errlen);

/** Prepare; on failure fill err and return NULL. */
sqlite3_stmt *db_prepare(sqlite3 *db, const char *sql, char *err, size_t errlen);

/** The integer result of a one-value query, or def. */
int64_t db_int(sqlite3 *db, const char *sql, int64_t def);

/** Bind helpers: NULL for a negative value (bind_opt) or a NULL string. */
void db_bind_opt(sqlite3_stmt *s, int i, int64_t v);
void db_bind_text(sqlite3_stmt *s, int i, const char *t);

/** Step a bound insert/update statement and reset it. 0 or -1 (err). */
int db_step(sqlite3 *db, sqlite3_stmt *s, char *err, size_t errlen);

#endif
