/*
 * cmd_stats.c - `memledger stats [--samples] [--process N] TRACE|DB`.
 *
 * Prints each snapshot as a block in the style of Go's PrintMemStats():
 * every metric in human units with its delta against the previous block,
 * and the allocation rate in between. A trace is read directly (no
 * database needed); a database prints each process in turn. Names from
 * the trace (labels, executable, argv) are escaped for the terminal.
 *
 * stats_print_trace and stats_print_db (cli.h) do the work, so the fuzz
 * target runs them on every input it ingests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "format/decode.h"
#include "format/memstats.h"
#include "ingest/db.h"
#include "ingest/tracemeta.h"

struct stats_vars {
	int samples;
	long only;
};

static const struct cli_opt stats_opts[] = {
	{ "samples", 0, 's', NULL, "also print every periodic sample", CLI_FLAG(struct stats_vars, samples) },
	{ "process", 0, 'p', "N", "only process N (processes.id) of a database",
	  CLI_LONG(struct stats_vars, only, "a process id from the processes table", 0, 1L << 40) },
	CLI_OPT_HELP,
	CLI_OPT_END,
};

static const struct cli_cmd stats_cmd = {
	.name = "stats",
	.head = "usage: memledger stats [--samples] [--process N] TRACE|DB\n"
		"\n"
		"Print the program's snapshots (with start and exit) like Go's\n"
		"PrintMemStats(): each metric, its change since the previous snapshot,\n"
		"and the allocation rate in between. For a database, then how much each\n"
		"module's symbols tell and which file they came from.\n"
		"\n",
	.opts = stats_opts,
	.tail = "\n"
		"Options may come anywhere; `--` ends them.\n",
	.col = 18,
};

/* A label as it is printed: escaped, and kept while it is the previous
 * block's (so in two buffers used in turn). */
#define LABEL_MAX 1300

static const char *label_copy(char buf[LABEL_MAX], const char *label)
{
	snprintf(buf, LABEL_MAX, "%s", cli_escape(label));
	return buf;
}

static void block(FILE *out, struct ml_memstats *cur, struct ml_memstats *prev, int have_prev)
{
	char buf[8192];
	ml_memstats_format(buf, sizeof buf, cur, have_prev ? prev : NULL);
	fputs(buf, out);
	fputc('\n', out);
}

static int64_t col_opt(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, i);
}

/* Per module a stack passes through: how much its files told, and where
 * they came from (modules.symbols*, absent from older databases). */
static void symbols_block(FILE *out, sqlite3 *db, int64_t process_id)
{
	static const struct {
		const char *level, *what;
	} words[] = {
		{ "full", "functions, files, lines" }, { "names", "function names only" },
		{ "exports", "exported names only" }, { "mismatch", "none: build-id differs, file refused" },
		{ "missing", "none: no file found" },
	};
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(db, "SELECT path, symbols, symbols_from, symbols_file FROM modules"
	                           " WHERE process_id = ? AND symbols IS NOT NULL"
	                           " GROUP BY coalesce(build_id, path) ORDER BY path", -1, &s, NULL) != SQLITE_OK) {
		sqlite3_finalize(s);
		return;
	}
	sqlite3_bind_int64(s, 1, process_id);
	int n = 0;
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *path = cli_escape((const char *)sqlite3_column_text(s, 0));
		const char *level = (const char *)sqlite3_column_text(s, 1), *what = level;
		const char *from = (const char *)sqlite3_column_text(s, 2);
		const char *base = strrchr(path, '/');
		for (size_t i = 0; i < sizeof words / sizeof *words; i++)
			if (!strcmp(words[i].level, level))
				what = words[i].what;
		if (!n++)
			fprintf(out, "Symbols, per module the stacks pass through:\n");
		fprintf(out, "  %-28s %-36s", base && base[1] ? base + 1 : path, what);
		if (from)
			fprintf(out, " from %s: %s", from, cli_escape((const char *)sqlite3_column_text(s, 3)));
		fputc('\n', out);
	}
	if (n)
		fputc('\n', out);
	sqlite3_finalize(s);
}

int stats_print_db(FILE *out, struct sqlite3 *db, int samples, long only, char *err, size_t errlen)
{
	int rc = -1;
	sqlite3_stmt *procs = db_prepare(db, "SELECT id, pid, exe, argv, end_reason, exit_code, signal, end_ns"
	                                     " FROM processes WHERE ?1 < 0 OR id = ?1 ORDER BY id", err, errlen);
	sqlite3_stmt *snaps = db_prepare(db, "SELECT label, ts_ns, alloc, total_alloc, sys, heap_inuse, heap_idle,"
	                                     " heap_released, stack_inuse, heap_objects, mallocs, frees, live, num_gc,"
	                                     " trim_calls, rss, threads, alloc_cpu_fraction, gc_cpu_fraction"
	                                     " FROM snapshots WHERE process_id = ? AND (? OR kind != 'sample')"
	                                     " ORDER BY ts_ns, seq", err, errlen);
	if (!procs || !snaps)
		goto out;
	sqlite3_bind_int64(procs, 1, only);
	int nproc = 0;
	while (sqlite3_step(procs) == SQLITE_ROW) {
		nproc++;
		const char *reason = (const char *)sqlite3_column_text(procs, 4);
		fprintf(out, "### process %lld: pid %lld %s %s", (long long)sqlite3_column_int64(procs, 0),
		        (long long)sqlite3_column_int64(procs, 1),
		        sqlite3_column_text(procs, 2) ? cli_escape((const char *)sqlite3_column_text(procs, 2)) : "?",
		        sqlite3_column_text(procs, 3) ? cli_escape((const char *)sqlite3_column_text(procs, 3)) : "[]");
		if (reason && !strcmp(reason, "exit") && sqlite3_column_type(procs, 5) != SQLITE_NULL)
			fprintf(out, " (exit %d", sqlite3_column_int(procs, 5));
		else if (reason && !strcmp(reason, "signal"))
			fprintf(out, " (killed by signal %d", sqlite3_column_int(procs, 6));
		else
			fprintf(out, " (%s", reason ? cli_escape(reason) : "?");
		fprintf(out, " after %.3f s)\n\n", (double)sqlite3_column_int64(procs, 7) / 1e9);
		sqlite3_bind_int64(snaps, 1, sqlite3_column_int64(procs, 0));
		sqlite3_bind_int(snaps, 2, samples);
		struct ml_memstats cur, prev;
		char label[2][LABEL_MAX];
		int have = 0, k = 0;
		while (sqlite3_step(snaps) == SQLITE_ROW) {
			memset(&cur, 0, sizeof cur);
			const char *l = (const char *)sqlite3_column_text(snaps, 0);
			cur.label = label_copy(label[k], l ? l : "");
			cur.ts_ns = sqlite3_column_int64(snaps, 1);
			cur.alloc = col_opt(snaps, 2);
			cur.total_alloc = col_opt(snaps, 3);
			cur.sys = col_opt(snaps, 4);
			cur.heap_inuse = col_opt(snaps, 5);
			cur.heap_idle = col_opt(snaps, 6);
			cur.heap_released = col_opt(snaps, 7);
			cur.stack_inuse = col_opt(snaps, 8);
			cur.heap_objects = col_opt(snaps, 9);
			cur.mallocs = col_opt(snaps, 10);
			cur.frees = col_opt(snaps, 11);
			cur.live = col_opt(snaps, 12);
			cur.num_gc = col_opt(snaps, 13);
			cur.trim_calls = col_opt(snaps, 14);
			cur.rss = col_opt(snaps, 15);
			cur.threads = col_opt(snaps, 16);
			cur.alloc_cpu_fraction = sqlite3_column_type(snaps, 17) == SQLITE_NULL ? -1 : sqlite3_column_double(snaps, 17);
			cur.gc_cpu_fraction = sqlite3_column_type(snaps, 18) == SQLITE_NULL ? -1 : sqlite3_column_double(snaps, 18);
			block(out, &cur, &prev, have);
			prev = cur;
			have = 1;
			k ^= 1;
		}
		sqlite3_reset(snaps);
		symbols_block(out, db, sqlite3_column_int64(procs, 0));
	}
	if (!nproc) {
		if (only >= 0)
			snprintf(err, errlen, "no process %ld in the database", only);
		else
			snprintf(err, errlen, "the database holds no process");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(procs);
	sqlite3_finalize(snaps);
	return rc;
}

/* A trace: only its meta frames are needed. */
int stats_print_trace(FILE *out, const char *path, int samples, char *err, size_t errlen)
{
	struct ml_reader r;
	struct trace_meta m;
	struct ml_frame f;
	int rc;
	memset(&m, 0, sizeof m);
	if (ml_reader_open(&r, path) < 0) {
		snprintf(err, errlen, "%s", r.err);
		goto out_fail;
	}
	while ((rc = ml_reader_next(&r, &f)) == ML_READ_FRAME)
		if (f.tag == ML_FRAME_META && trace_meta_frame(&m, f.data, f.len, err, errlen) < 0)
			goto out_fail;
	if (rc == ML_READ_ERROR) {
		snprintf(err, errlen, "%s", r.err);
		goto out_fail;
	}
	if (!m.have_proc) {
		snprintf(err, errlen, "trace is empty");
		goto out_fail;
	}
	fprintf(out, "### pid %lld %s %s%s\n\n", (long long)m.pid, m.exe ? cli_escape(m.exe) : "?",
	        m.argv_json ? cli_escape(m.argv_json) : "[]", rc == ML_READ_TRUNCATED ? " (trace truncated)" : "");
	static const char *const kinds[] = { "start", "sample", "user", "exit" };
	struct ml_memstats cur, prev;
	char label[2][LABEL_MAX];
	int have = 0, k = 0;
	for (size_t i = 0; i < m.nsnaps; i++) {
		const struct tm_snapshot *s = &m.snaps[i];
		if (s->kind == ML_SNAP_SAMPLE && !samples)
			continue;
		const uint64_t *v = s->f;
		int full = !(s->flags & 2);
		memset(&cur, 0, sizeof cur);
		cur.label = label_copy(label[k], s->kind == ML_SNAP_USER ? s->label : kinds[s->kind]);
		cur.ts_ns = s->ns;
		cur.alloc = (int64_t)(v[ML_SF_TOTAL_ALLOC] - v[ML_SF_FREED_BYTES]);
		cur.total_alloc = (int64_t)v[ML_SF_TOTAL_ALLOC];
		cur.sys = full ? ml_counters_sys(v) : -1;
		cur.heap_inuse = full ? (int64_t)(v[ML_SF_UORDBLKS] + v[ML_SF_HBLKHD]) : -1;
		cur.heap_idle = full ? (int64_t)v[ML_SF_FORDBLKS] : -1;
		cur.heap_released = -1;
		cur.stack_inuse = full ? (int64_t)v[ML_SF_STACK_INUSE] : -1;
		cur.mallocs = (int64_t)v[ML_SF_MALLOCS];
		cur.frees = (int64_t)v[ML_SF_FREES];
		/* in uint64_t: a hostile trace's counts may be anything */
		cur.heap_objects = cur.live = (int64_t)(v[ML_SF_MALLOCS] - v[ML_SF_FREES]);
		cur.num_gc = -1;
		cur.trim_calls = (int64_t)v[ML_SF_TRIM_CALLS];
		cur.rss = v[ML_SF_RSS] ? (int64_t)v[ML_SF_RSS] : -1;
		cur.threads = full ? (int64_t)v[ML_SF_THREADS] : -1;
		cur.alloc_cpu_fraction = ml_counters_alloc_share(v);
		cur.gc_cpu_fraction = -1;
		block(out, &cur, &prev, have);
		prev = cur;
		have = 1;
		k ^= 1;
	}
	trace_meta_free(&m);
	ml_reader_close(&r);
	return 0;
out_fail:
	trace_meta_free(&m);
	ml_reader_close(&r);
	return -1;
}

int cmd_stats(int argc, char **argv)
{
	struct stats_vars v = { .only = -1 };
	int rc = cli_cmd_parse(&stats_cmd, &v, argc, argv);

	if (rc != CLI_PARSED)
		return rc;
	if (argc - optind != 1)
		return cli_usage_error(&stats_cmd, "wants one trace or database");
	const char *path = argv[optind];
	int t = cli_is_trace(path);
	if (t < 0) {
		cli_error(path, "cannot open");
		return 1;
	}
	char err[1024];
	if (t) {
		if (stats_print_trace(stdout, path, v.samples, err, sizeof err) < 0) {
			cli_error(path, "%s", err);
			return 1;
		}
		return 0;
	}
	sqlite3 *db;
	if (db_open_ro(path, &db, err, sizeof err) < 0) {
		cli_error(path, "%s", err);
		return 1;
	}
	rc = stats_print_db(stdout, db, v.samples, v.only, err, sizeof err);
	sqlite3_close(db);
	if (rc < 0) {
		cli_error(path, "%s", err);
		return 1;
	}
	return 0;
}
