/*
 * dbread.c - opening and reading a memledger database. See dbread.h.
 */
#include "common/dbread.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/vec.h"

sqlite3 *dbr_open(const char *path, const char *const *tables, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	size_t i;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open: %s", db ? sqlite3_errmsg(db) : ERR_OOM);
		goto out_close;
	}
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type IN ('table','view') AND name = ?",
			       -1, &st, NULL) != SQLITE_OK) {
		/* a file that is not SQLite fails here ("file is not a database") */
		snprintf(err, errlen, "not a memledger database: %s", sqlite3_errmsg(db));
		goto out_close;
	}
	for (i = 0; tables[i]; i++) {
		int rc;

		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, tables[i], -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			continue;
		if (rc == SQLITE_DONE)
			snprintf(err, errlen, "not a memledger database (no table %s)", tables[i]);
		else
			snprintf(err, errlen, "not a memledger database: %s", sqlite3_errmsg(db));
		goto out_close;
	}
	sqlite3_finalize(st);
	return db;
out_close:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return NULL;
}

char *dbr_col_str(sqlite3_stmt *st, int i, char nul_as)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	int n = sqlite3_column_bytes(st, i);
	char *s;

	if (!t || sqlite3_column_type(st, i) == SQLITE_NULL)
		return NULL;
	if (!(s = malloc((size_t)n + 1)))
		return NULL;
	memcpy(s, t, (size_t)n);
	s[n] = '\0';
	for (int k = 0; k < n; k++)
		if (s[k] == '\0')
			s[k] = nul_as;
	return s;
}

int dbr_col_oom(sqlite3_stmt *st, int i, const char *s)
{
	return !s && sqlite3_column_type(st, i) != SQLITE_NULL;
}

int dbr_load_rows(sqlite3 *db, long long param, const char *sql, const char *what, void *arr,
		  size_t *n, size_t sz, dbr_fill fill, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc, ret = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_bind_parameter_count(st))
		sqlite3_bind_int64(st, 1, param);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (vec_reserve(arr, &cap, *n, sz) < 0)
			goto out_oom;
		if (fill(st, *(char **)arr + (*n)++ * sz) < 0)
			goto out_oom;
	}
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(db));
		goto out_finalize;
	}
	ret = 0;
	goto out_finalize;
out_oom:
	err_oom(err, errlen);
out_finalize:
	sqlite3_finalize(st);
	return ret;
}
