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

#endif
