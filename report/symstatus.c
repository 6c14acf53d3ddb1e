/*
 * symstatus.c - see symstatus.h.
 */
#include <string.h>

#include "report/symstatus.h"

static const struct {
	const char *level, *what;
} levels[] = {
	{ "mismatch", "none: the file found has another build-id, so it was not used" },
	{ "missing", "none: no file found" },
	{ "exports", "exported function names only" },
	{ "names", "function names, no files or lines" },
	{ "full", "functions, files and lines" },
};

static const char *level_what(const char *level)
{
	for (size_t i = 0; i < sizeof levels / sizeof *levels; i++)
		if (!strcmp(levels[i].level, level))
			return levels[i].what;
	return level;
}

static const char *col(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

tal_value *symstatus_model(sqlite3 *db, long long process_id)
{
	tal_value *d = tal_dict(), *list = tal_list();
	sqlite3_stmt *s = NULL;
	long long n = 0, lacking = 0;

	/* One row per file, worst first; modules no stack passes through
	 * have no status and are left out. */
	if (sqlite3_prepare_v2(db, "SELECT path, symbols, symbols_from, symbols_file FROM modules"
	                           " WHERE process_id = ? AND symbols IS NOT NULL"
	                           " GROUP BY coalesce(build_id, path)"
	                           " ORDER BY CASE symbols WHEN 'mismatch' THEN 0 WHEN 'missing' THEN 1"
	                           " WHEN 'exports' THEN 2 WHEN 'names' THEN 3 ELSE 4 END, path",
	                       -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, process_id);
		while (sqlite3_step(s) == SQLITE_ROW) {
			const char *path = col(s, 0) ? col(s, 0) : "?", *level = col(s, 1);
			const char *slash = strrchr(path, '/');
			tal_value *x = tal_dict();

			tal_set_str(x, "module", slash && slash[1] ? slash + 1 : path);
			tal_set_str(x, "path", path);
			tal_set_str(x, "level", level);
			tal_set_str(x, "what", level_what(level));
			tal_set_str(x, "source", col(s, 2));
			tal_set_str(x, "file", col(s, 3));
			tal_push(list, x);
			n++;
			lacking += strcmp(level, "full") != 0;
		}
	}
	sqlite3_finalize(s);
	tal_set(d, "list", list);
	tal_set_int(d, "count", n);
	tal_set_int(d, "lacking", lacking);
	if (lacking)
		tal_set_strf(d, "hint", "%lld module%s lack%s file and line information. For a Debian package,"
		             " install its -dbgsym package (from the debian-debug archive), or set DEBUGINFOD_URLS"
		             " (https://debuginfod.debian.net) and run `memledger symbolize` on this database; for"
		             " your own build, keep the unstripped files and pass their folder with --debug-dir, or"
		             " the traced machine's root with --sysroot.", lacking, lacking == 1 ? "" : "s",
		             lacking == 1 ? "s" : "");
	else
		tal_set(d, "hint", tal_null());
	return d;
}
