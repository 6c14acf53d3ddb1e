/*
 * go_memstats.c - MemStats JSON lines: one JSON object per snapshot,
 * with runtime.MemStats under "memstats" (expvar's /debug/vars) or as the
 * object itself, and optional "label", "time_ns", "num_goroutine" and
 * "kind" beside it.
 *
 * SQLite's JSON functions do the parsing. This file only finds where
 * each top-level object ends (a brace counter that knows strings), so a
 * pretty-printed /debug/vars document spanning several lines is one
 * object, and then asks SQLite for the fields.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "ingest/go_run.h"
#include "ingest/tracemeta.h"

#define GO_JSON_MAX (64u << 20)   /* one object; BySize makes a MemStats ~10 KiB */
#define GO_UNIX_MAX 4000000000000000000LL

enum { REQUIRED = (1u << GO_MS_ALLOC) | (1u << GO_MS_TOTAL_ALLOC) | (1u << GO_MS_SYS) |
                  (1u << GO_MS_MALLOCS) | (1u << GO_MS_FREES) | (1u << GO_MS_HEAP_OBJECTS) };

static int field_index(const char *key)
{
	for (int i = 0; i < GO_MS_COUNT; i++)
		if (!strcmp(key, go_ms_json[i]))
			return i;
	return -1;
}

/* A JSON number that must be a non-negative integer (uint64 fields read
 * back as REAL past 2^63, which no real MemStats reaches). */
static int as_count(sqlite3_stmt *s, int col, int64_t *out)
{
	int t = sqlite3_column_type(s, col);
	if (t == SQLITE_INTEGER) {
		*out = sqlite3_column_int64(s, col);
		return *out >= 0 ? 0 : -1;
	}
	if (t == SQLITE_FLOAT) {
		double d = sqlite3_column_double(s, col);
		if (d >= 0 && d < 9.2e18 && d == floor(d)) {
			*out = (int64_t)d;
			return 0;
		}
	}
	return -1;
}

/* PauseNs or PauseEnd: 256 non-negative integers. */
static int read_ring(sqlite3 *db, const char *s, size_t len, const char *path, uint64_t **out,
                     long line, char *err, size_t errlen)
{
	sqlite3_stmt *q = NULL;
	int rc = -1;
	uint64_t *v = calloc(GO_PAUSE_RING, sizeof *v);
	if (!v) {
		return err_oom(err, errlen);
	}
	if (sqlite3_prepare_v2(db, "SELECT key, atom FROM json_each(?1, ?2)", -1, &q, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		goto out;
	}
	sqlite3_bind_text(q, 1, s, (int)len, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, path, -1, SQLITE_STATIC);
	int n = 0;
	while (sqlite3_step(q) == SQLITE_ROW) {
		int64_t x;
		if (n >= GO_PAUSE_RING || as_count(q, 1, &x) < 0) {
			snprintf(err, errlen, "line %ld: %s must hold %d non-negative integers", line,
			         strrchr(path, '.') + 1, GO_PAUSE_RING);
			goto out;
		}
		v[n++] = (uint64_t)x;
	}
	if (n != GO_PAUSE_RING) {
		snprintf(err, errlen, "line %ld: %s must hold %d non-negative integers", line,
		         strrchr(path, '.') + 1, GO_PAUSE_RING);
		goto out;
	}
	*out = v;
	v = NULL;
	rc = 0;
out:
	sqlite3_finalize(q);
	free(v);
	return rc;
}

static int read_fields(sqlite3 *db, const char *s, size_t len, const char *root, struct go_snap *sn,
                       long line, char *err, size_t errlen)
{
	sqlite3_stmt *q = NULL;
	unsigned have = 0;
	int rc = -1;
	char path[64];
	if (sqlite3_prepare_v2(db, "SELECT key, type, atom FROM json_each(?1, ?2)", -1, &q, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(q, 1, s, (int)len, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, root, -1, SQLITE_STATIC);
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(q, 0);
		const char *type = (const char *)sqlite3_column_text(q, 1);
		if (!key || !type)
			continue;
		int i = field_index(key);
		if (i >= 0) {
			if (as_count(q, 2, &sn->f[i]) < 0) {
				snprintf(err, errlen, "line %ld: MemStats.%s is not a non-negative integer", line, key);
				goto out;
			}
			have |= 1u << i;
		} else if (!strcmp(key, "GCCPUFraction")) {
			double d = sqlite3_column_double(q, 2);
			if ((strcmp(type, "real") && strcmp(type, "integer")) || !(d >= 0 && d <= 1)) {
				snprintf(err, errlen, "line %ld: MemStats.GCCPUFraction is not a number from 0 to 1", line);
				goto out;
			}
			sn->gc_cpu_fraction = d;
		} else if (!strcmp(key, "EnableGC") || !strcmp(key, "DebugGC")) {
			if (strcmp(type, "true") && strcmp(type, "false")) {
				snprintf(err, errlen, "line %ld: MemStats.%s is not true or false", line, key);
				goto out;
			}
			*(key[0] == 'E' ? &sn->enable_gc : &sn->debug_gc) = !strcmp(type, "true");
		} else if (!strcmp(key, "PauseNs") || !strcmp(key, "PauseEnd")) {
			snprintf(path, sizeof path, "%s.%s", root, key);
			if (strcmp(type, "array")) {
				snprintf(err, errlen, "line %ld: MemStats.%s is not an array", line, key);
				goto out;
			}
			uint64_t **ring = key[5] == 'N' ? &sn->pause_ns : &sn->pause_end;
			free(*ring);
			*ring = NULL;
			if (read_ring(db, s, len, path, ring, line, err, errlen) < 0)
				goto out;
		} else if (!strcmp(key, "BySize")) {
			if (strcmp(type, "array")) {
				snprintf(err, errlen, "line %ld: MemStats.BySize is not an array", line);
				goto out;
			}
		}
	}
	if ((have & REQUIRED) != REQUIRED) {
		for (int i = 0; i < GO_MS_COUNT; i++)
			if ((REQUIRED & (1u << i)) && !(have & (1u << i))) {
				snprintf(err, errlen, "line %ld: no MemStats.%s (expected runtime.MemStats, on its own"
				         " or under \"memstats\")", line, go_ms_json[i]);
				break;
			}
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(q);
	return rc;
}

int go_memstats_line(struct go_run *r, sqlite3 *db, const char *s, size_t len, long line,
                     char *err, size_t errlen)
{
	sqlite3_stmt *q = NULL;
	int rc = -1;
	if (len > GO_JSON_MAX) {
		snprintf(err, errlen, "line %ld: JSON object larger than %u MiB", line, GO_JSON_MAX >> 20);
		return -1;
	}
	if (sqlite3_prepare_v2(db, "SELECT json_valid(?1), json_type(?1), json_type(?1, '$.memstats'),"
	                           " json_type(?1, '$.label'), json_extract(?1, '$.label'),"
	                           " json_type(?1, '$.time_ns'), json_extract(?1, '$.time_ns'),"
	                           " json_type(?1, '$.num_goroutine'), json_extract(?1, '$.num_goroutine'),"
	                           " json_type(?1, '$.kind'), json_extract(?1, '$.kind')",
	                       -1, &q, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(q, 1, s, (int)len, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_ROW || !sqlite3_column_int(q, 0)) {
		snprintf(err, errlen, "line %ld: not valid JSON", line);
		goto out;
	}
	const char *type = (const char *)sqlite3_column_text(q, 1);
	if (!type || strcmp(type, "object")) {
		snprintf(err, errlen, "line %ld: a JSON %s, not an object", line, type ? type : "value");
		goto out;
	}
	struct go_snap sn;
	memset(&sn, 0, sizeof sn);
	for (int i = 0; i < GO_MS_COUNT; i++)
		sn.f[i] = -1;
	sn.gc_cpu_fraction = NAN;
	sn.enable_gc = sn.debug_gc = -1;
	sn.goroutines = -1;
	sn.kind = GO_SNAP_SAMPLE;
	const char *mt = (const char *)sqlite3_column_text(q, 2);
	const char *root = mt && !strcmp(mt, "object") ? "$.memstats" : "$";
	if (mt && strcmp(mt, "object")) {
		snprintf(err, errlen, "line %ld: \"memstats\" is not an object", line);
		goto out;
	}
	const char *lt = (const char *)sqlite3_column_text(q, 3);
	if (lt && strcmp(lt, "text")) {
		snprintf(err, errlen, "line %ld: \"label\" is not a string", line);
		goto out;
	}
	const char *label = lt ? (const char *)sqlite3_column_text(q, 4) : NULL;
	const char *tt = (const char *)sqlite3_column_text(q, 5);
	if (tt) {
		if (strcmp(tt, "integer") || sqlite3_column_int64(q, 6) < 0 ||
		    sqlite3_column_int64(q, 6) > GO_UNIX_MAX) {
			snprintf(err, errlen, "line %ld: \"time_ns\" is not Unix nanoseconds", line);
			goto out;
		}
		sn.unix_ns = sqlite3_column_int64(q, 6);
		sn.has_time = 1;
	}
	const char *gt = (const char *)sqlite3_column_text(q, 7);
	if (gt) {
		if (strcmp(gt, "integer") || sqlite3_column_int64(q, 8) < 0) {
			snprintf(err, errlen, "line %ld: \"num_goroutine\" is not a count", line);
			goto out;
		}
		sn.goroutines = sqlite3_column_int64(q, 8);
	}
	const char *kt = (const char *)sqlite3_column_text(q, 9);
	const char *kind = kt && !strcmp(kt, "text") ? (const char *)sqlite3_column_text(q, 10) : NULL;
	if (kt && (!kind || (strcmp(kind, "start") && strcmp(kind, "exit") && strcmp(kind, "sample") &&
	                     strcmp(kind, "user")))) {
		snprintf(err, errlen, "line %ld: \"kind\" is not start, exit, sample or user", line);
		goto out;
	}
	if (!label || !*label)
		label = kind && strcmp(kind, "user") ? kind : "sample";
	if (kind)
		sn.kind = !strcmp(kind, "start") ? GO_SNAP_START : !strcmp(kind, "exit") ? GO_SNAP_EXIT :
		          !strcmp(kind, "sample") ? GO_SNAP_SAMPLE : GO_SNAP_USER;
	else
		sn.kind = strcmp(label, "sample") ? GO_SNAP_USER : GO_SNAP_SAMPLE;
	if (!(sn.label = strdup(label))) {
		err_oom(err, errlen);
		goto out;
	}
	if (read_fields(db, s, len, root, &sn, line, err, errlen) < 0) {
		free(sn.label);
		free(sn.pause_end);
		free(sn.pause_ns);
		goto out;
	}
	sn.order = r->next_order++;
	struct go_snap *slot = VEC_PUSH(r->snaps, r->nsnaps, r->capsnaps);
	if (!slot) {
		free(sn.label);
		free(sn.pause_end);
		free(sn.pause_ns);
		err_oom(err, errlen);
		goto out;
	}
	*slot = sn;
	rc = 0;
out:
	sqlite3_finalize(q);
	return rc;
}

/*
 * Split buf into top-level JSON objects: count braces outside strings.
 * Anything but white space between objects is an error; an object still
 * open at the end of the input was cut (truncated).
 */
int go_memstats_read(struct go_run *r, sqlite3 *db, const char *buf, size_t len,
                     char *err, size_t errlen)
{
	long line = 1, start_line = 0;
	size_t start = 0;
	int depth = 0, in_str = 0, esc = 0, n = 0;
	for (size_t i = 0; i < len; i++) {
		char c = buf[i];
		if (c == '\n')
			line++;
		if (depth == 0) {
			if (c == '{') {
				depth = 1;
				start = i;
				start_line = line;
			} else if (!(c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
			             (i < 3 && (unsigned char)c >= 0xbb && !memcmp(buf, "\xef\xbb\xbf", 3)))) {
				snprintf(err, errlen, "line %ld: not a JSON object", line);
				return -1;
			}
			continue;
		}
		if (in_str) {
			if (esc)
				esc = 0;
			else if (c == '\\')
				esc = 1;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"')
			in_str = 1;
		else if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']') {
			if (--depth == 0) {
				if (go_memstats_line(r, db, buf + start, i + 1 - start, start_line, err, errlen) < 0)
					return -1;
				n++;
			}
		}
		if (depth > 10000) {
			snprintf(err, errlen, "line %ld: JSON nested too deeply", line);
			return -1;
		}
	}
	if (depth > 0) {
		/* A line that opens a new object inside this one: this one was
		 * never closed, which is a broken line, not a cut file. */
		for (size_t i = start; i + 1 < len; i++)
			if (buf[i] == '\n' && buf[i + 1] == '{') {
				snprintf(err, errlen, "line %ld: not valid JSON (the object is never closed)", start_line);
				return -1;
			}
		r->truncated = 1;
		go_run_warn(r, "line %ld: the last JSON object is cut short: loaded the %d complete ones",
		            start_line, n);
	} else if (n == 0) {
		snprintf(err, errlen, "no JSON object");
		return -1;
	}
	return 0;
}
