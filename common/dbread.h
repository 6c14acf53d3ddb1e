/*
 * dbread.h - what the readers of a memledger database (report, export)
 * share: opening it read-only with a check that it is one, and reading
 * columns that may be NULL.
 */
#ifndef MEMLEDGER_COMMON_DBREAD_H
#define MEMLEDGER_COMMON_DBREAD_H

#include <stddef.h>

#include <sqlite3.h>

/**
 * Open path read-only and check that every table or view in tables
 * (NULL-terminated) is there. The handle, or NULL with err: "cannot
 * open: ...", "not a memledger database (no table T)" or "not a memledger
 * database: ...".
 */
sqlite3 *dbr_open(const char *path, const char *const *tables, char *err, size_t errlen);

/**
 * Column i as a new NUL-terminated string (caller frees), with any
 * embedded NUL written as nul_as so it cannot cut the text short. NULL for
 * a NULL column, or when out of memory (dbr_col_oom() tells which).
 */
char *dbr_col_str(sqlite3_stmt *st, int i, char nul_as);

/** Whether dbr_col_str's NULL s for column i meant out of memory. */
int dbr_col_oom(sqlite3_stmt *st, int i, const char *s);

/** Fill one element from the current row; 0, or -1 when out of memory. */
typedef int (*dbr_fill)(sqlite3_stmt *st, void *row);

/**
 * Run sql, whose one parameter, if it has one, is param (a process id),
 * and append an element of sz bytes to *arr (of *n elements) for each
 * row, filled by fill. Elements start zeroed and are counted before fill
 * runs, so a partly filled one is still freed with the rest. 0, or -1
 * with err: "WHAT: SQLite's message", or the out-of-memory error.
 */
int dbr_load_rows(sqlite3 *db, long long param, const char *sql, const char *what, void *arr,
		  size_t *n, size_t sz, dbr_fill fill, char *err, size_t errlen);

#endif
