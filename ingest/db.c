/*
 * db.c - see db.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "format/trace.h"
#include "ingest/db.h"

#define LOCKED_MSG "the database is locked by another process (waited %d s for it)"

static int is_locked(sqlite3 *db)
{
	int rc = sqlite3_errcode(db);
	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

/* The error for a database a read failed on: held by another process
 * (locked), or else why. */
static void unreadable(sqlite3 *db, const char *why, char *err, size_t errlen)
{
	if (is_locked(db))
		snprintf(err, errlen, LOCKED_MSG, DB_LOCK_WAIT_MS / 1000);
	else
		snprintf(err, errlen, "%s", why);
}

const char *db_errmsg(sqlite3 *db)
{
	static char msg[96];
	if (!is_locked(db))
		return sqlite3_errmsg(db);
	snprintf(msg, sizeof msg, LOCKED_MSG, DB_LOCK_WAIT_MS / 1000);
	return msg;
}

extern const char embedded_ingest_schema_sql[];

int db_exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "database: %s", is_locked(db) || !msg ? db_errmsg(db) : msg);
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

sqlite3_stmt *db_prepare(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "database: %s", db_errmsg(db));
		return NULL;
	}
	return s;
}

int64_t db_int(sqlite3 *db, const char *sql, int64_t def)
{
	sqlite3_stmt *s = NULL;
	int64_t v = def;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW &&
	    sqlite3_column_type(s, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

void db_bind_opt(sqlite3_stmt *s, int i, int64_t v)
{
	if (v < 0)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_int64(s, i, v);
}

void db_bind_text(sqlite3_stmt *s, int i, const char *t)
{
	if (t)
		sqlite3_bind_text(s, i, t, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

int db_step(sqlite3 *db, sqlite3_stmt *s, char *err, size_t errlen)
{
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "database: %s", db_errmsg(db));
		return -1;
	}
	return 0;
}

/* 1 if path starts with the trace magic. */
static int is_trace(const char *path)
{
	char buf[ML_MAGIC_LEN];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf);
	close(fd);
	return n == (ssize_t)sizeof buf && !memcmp(buf, ML_MAGIC, ML_MAGIC_LEN);
}

/* A file that exists must be a memledger database of our version. */
static int check_ours(sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &s, NULL);
	if (rc != SQLITE_OK) {
		/* Reading the schema needs a shared lock: a writer that holds
		 * the database longer than the busy timeout shows up here. */
		if (is_locked(db))
			snprintf(err, errlen, LOCKED_MSG, DB_LOCK_WAIT_MS / 1000);
		else if (rc == SQLITE_NOTADB || db_int(db, "SELECT count(*) FROM sqlite_master", -1) < 0)
			snprintf(err, errlen, "not a memledger database: not a SQLite file");
		else
			snprintf(err, errlen, "not a memledger database");
		sqlite3_finalize(s);
		return -1;
	}
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		unreadable(db, "not a memledger database (no schema version)", err, errlen);
		sqlite3_finalize(s);
		return -1;
	}
	const char *v = (const char *)sqlite3_column_text(s, 0);
	if (!v || strcmp(v, ML_SCHEMA_VERSION) != 0) {
		snprintf(err, errlen, "memledger database schema %s, this memledger uses %s",
		         v ? v : "?", ML_SCHEMA_VERSION);
		sqlite3_finalize(s);
		return -1;
	}
	sqlite3_finalize(s);
	return 0;
}

static int db_open_flags(const char *path, int flags, sqlite3 **out, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	/* SQLite's allocation statistics take a global mutex on every one of
	 * its mallocs; nothing here reads them. Only possible before the
	 * library initialises, so a second open leaves the setting alone. */
	static int configured;
	if (!configured) {
		configured = 1;
		sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	}
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open database: %s", db ? sqlite3_errmsg(db) : ERR_OOM);
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, DB_LOCK_WAIT_MS);
	*out = db;
	return 0;
}

/* Refuse what cannot hold a database, with the real reason: SQLite says
 * only "unable to open database file". A new file is created here, empty.
 * 0 or -1. */
static int check_writable(const char *path, char *err, size_t errlen)
{
	struct stat st;
	if (!*path || !strcmp(path, ":memory:"))
		return 0;  /* SQLite's temporary databases: no file */
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "is a directory");
			return -1;
		}
		/* /dev/null, a FIFO, a terminal: the pages written could not
		 * be read back. */
		if (!S_ISREG(st.st_mode)) {
			snprintf(err, errlen, "not a regular file: the database must be a file");
			return -1;
		}
		if (is_trace(path)) {
			snprintf(err, errlen, "a memledger trace, not a database (left as it is)");
			return -1;
		}
	}
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "cannot write the database: %s", strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

int db_open_rw(const char *path, sqlite3 **out, char *err, size_t errlen)
{
	struct stat st;
	sqlite3 *db = NULL;
	int existed = stat(path, &st) == 0;
	if (check_writable(path, err, errlen) < 0)
		return -1;
	/* An empty file (or one just created) gets the schema. */
	int empty = !existed || st.st_size == 0 || !strcmp(path, ":memory:") || !*path;
	/* One connection, used by one thread: no per-call mutex. */
	if (db_open_flags(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	                  &db, err, errlen) < 0)
		goto out_close;
	if (!empty && check_ours(db, err, errlen) < 0)
		goto out_close;
	/* A lost power cut is the only risk synchronous=OFF adds: a killed
	 * ingest still rolls back from its journal. The cache stays bounded
	 * (64 MiB) and big sorts (index builds) spill to temporary files. */
	if (db_exec(db, "PRAGMA synchronous = OFF; PRAGMA cache_size = -65536;", err, errlen) < 0)
		goto out_close;
	/* A database made before the newer tables (timeline, site_histograms)
	 * gets them: every statement of the schema is IF NOT EXISTS. */
	if (!empty && db_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'site_histograms'", 1) == 0 &&
	    db_exec(db, embedded_ingest_schema_sql, err, errlen) < 0)
		goto out_close;
	if (empty) {
		if (db_exec(db, "BEGIN IMMEDIATE", err, errlen) < 0 ||
		    db_exec(db, embedded_ingest_schema_sql, err, errlen) < 0 ||
		    db_exec(db, DB_ALLOCATION_INDEXES, err, errlen) < 0 ||
		    db_exec(db, "INSERT OR REPLACE INTO meta VALUES ('schema_version', '" ML_SCHEMA_VERSION "');"
		                "INSERT OR REPLACE INTO meta VALUES ('created_by', 'memledger 1.0');",
		            err, errlen) < 0 ||
		    db_exec(db, "COMMIT", err, errlen) < 0)
			goto out_close;
	}
	*out = db;
	return 0;
out_close:
	sqlite3_close(db);
	if (!existed && *path && strcmp(path, ":memory:"))
		unlink(path);
	return -1;
}

/* Open path read-only as SQLite, after the checks every reader makes: it
 * exists, is no directory and is no trace. Returns 0, or -1 with err set. */
static int open_ro_checked(const char *path, sqlite3 **out, char *err, size_t errlen)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "is a directory");
		return -1;
	}
	if (is_trace(path)) {
		snprintf(err, errlen, "a memledger trace, not a database: load it first with `memledger ingest`");
		return -1;
	}
	return db_open_flags(path, SQLITE_OPEN_READONLY, out, err, errlen);
}

int db_check_readable(const char *path, char *err, size_t errlen)
{
	sqlite3 *db;
	if (open_ro_checked(path, &db, err, errlen) < 0)
		return -1;
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1, &s, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s) == SQLITE_ROW ? SQLITE_OK : sqlite3_errcode(db);
	if (rc != SQLITE_OK)
		unreadable(db, "not a memledger database: not a SQLite file", err, errlen);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

int db_open_ro(const char *path, sqlite3 **out, char *err, size_t errlen)
{
	sqlite3 *db;
	if (open_ro_checked(path, &db, err, errlen) < 0)
		return -1;
	if (check_ours(db, err, errlen) < 0) {
		sqlite3_close(db);
		return -1;
	}
	*out = db;
	return 0;
}
