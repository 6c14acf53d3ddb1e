/*
 * load.c - reading one process for the exports. See load.h.
 */
#include "export/load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dbread.h"
#include "common/err.h"
#include "common/vec.h"

/* an embedded NUL would cut the string short: make it visible instead */
static char *col_str(sqlite3_stmt *st, int i)
{
	return dbr_col_str(st, i, '?');
}

/* Did col_str fail for lack of memory (rather than a NULL column)? */
static int col_oom(sqlite3_stmt *st, int i, const char *s)
{
	return dbr_col_oom(st, i, s);
}

sqlite3 *ex_open(const char *db_path, char *err, size_t errlen)
{
	static const char *const tables[] = { "processes", "snapshots", "sites", "site_snapshots",
					      "stacks", "frames", "modules", NULL };

	return dbr_open(db_path, tables, err, errlen);
}

static void sql_err(char *err, size_t errlen, sqlite3 *db, const char *what)
{
	snprintf(err, errlen, "reading %s: %s", what, sqlite3_errmsg(db));
}

/* A comma-separated list of the first column of sql (one int64 parameter). */
static void list_of(sqlite3 *db, const char *sql, long long param, char *buf, size_t cap)
{
	sqlite3_stmt *st;
	size_t len = 0;
	int n = 0;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, param);
	while (sqlite3_step(st) == SQLITE_ROW && len + 8 < cap) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		int w;

		if (n++ == 8) {
			snprintf(buf + len, cap - len, ", ...");
			break;
		}
		w = snprintf(buf + len, cap - len, "%s%s", n > 1 ? ", " : "", t ? t : "NULL");
		if (w < 0 || (size_t)w >= cap - len)
			break;
		len += (size_t)w;
	}
	sqlite3_finalize(st);
}

static int load_process(struct ex_data *d, long long want, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc, ret = -1;
	const char *sql =
		want ? "SELECT id, pid, exe, argv, start_unix_ns, coalesce(end_ns, start_ns) - start_ns,"
		       " coalesce(sample_bytes, 0) FROM processes WHERE id = ?"
		     : "SELECT id, pid, exe, argv, start_unix_ns, coalesce(end_ns, start_ns) - start_ns,"
		       " coalesce(sample_bytes, 0) FROM processes"
		       " ORDER BY parent_process_id IS NOT NULL, id LIMIT 1";

	if (sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) != SQLITE_OK) {
		sql_err(err, errlen, d->db, "processes");
		return -1;
	}
	if (want)
		sqlite3_bind_int64(st, 1, want);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		char ids[200];

		list_of(d->db, "SELECT id FROM processes WHERE ? ORDER BY id", 1, ids, sizeof ids);
		if (want)
			snprintf(err, errlen, "no process %lld in the database (processes: %s)", want,
				 ids[0] ? ids : "none");
		else
			snprintf(err, errlen, "the database holds no process");
		goto out_finalize;
	}
	if (rc != SQLITE_ROW) {
		sql_err(err, errlen, d->db, "processes");
		goto out_finalize;
	}
	d->process_id = sqlite3_column_int64(st, 0);
	d->pid = sqlite3_column_int64(st, 1);
	d->exe = col_str(st, 2);
	d->argv = col_str(st, 3);
	d->start_unix_ns = sqlite3_column_int64(st, 4);
	d->duration_ns = sqlite3_column_int64(st, 5);
	d->sample_bytes = sqlite3_column_int64(st, 6);
	if (col_oom(st, 2, d->exe) || col_oom(st, 3, d->argv)) {
		err_oom(err, errlen);
		goto out_finalize;
	}
	ret = 0;
out_finalize:
	sqlite3_finalize(st);
	return ret;
}

static int fill_site(sqlite3_stmt *st, void *row)
{
	struct ex_site *s = row;

	s->stack_id = sqlite3_column_int64(st, 0);
	s->allocs = sqlite3_column_int64(st, 1);
	s->bytes = sqlite3_column_int64(st, 2);
	s->live_allocs = sqlite3_column_int64(st, 3);
	s->live_bytes = sqlite3_column_int64(st, 4);
	s->lost_allocs = sqlite3_column_int64(st, 5);
	s->lost_bytes = sqlite3_column_int64(st, 6);
	s->indirect_allocs = sqlite3_column_int64(st, 7);
	s->indirect_bytes = sqlite3_column_int64(st, 8);
	s->runtime = sqlite3_column_int(st, 9);
	return 0;
}

static int load_sites(struct ex_data *d, char *err, size_t errlen)
{
	static const char sql[] =
		"SELECT stack_id, allocs, bytes, live_allocs, live_bytes, lost_allocs,"
		" lost_bytes, indirect_allocs, indirect_bytes, runtime FROM sites"
		" WHERE process_id = ? ORDER BY stack_id";

	return dbr_load_rows(d->db, d->process_id, sql, "reading sites", &d->sites, &d->nsites,
			     sizeof *d->sites, fill_site, err, errlen);
}

static int cmp_frame_id(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = ((const struct ex_frame *)b)->id;

	return x < y ? -1 : x > y;
}

static int cmp_site_stack(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = ((const struct ex_site *)b)->stack_id;

	return x < y ? -1 : x > y;
}

static struct ex_site *site_of(const struct ex_data *d, long long stack_id)
{
	return bsearch(&stack_id, d->sites, d->nsites, sizeof *d->sites, cmp_site_stack);
}

static int fill_frame(sqlite3_stmt *st, void *row)
{
	struct ex_frame *f = row;

	f->id = sqlite3_column_int64(st, 0);
	f->module = col_str(st, 1);
	f->offset = sqlite3_column_int64(st, 2);
	f->function = col_str(st, 3);
	f->file = col_str(st, 4);
	f->line = sqlite3_column_int64(st, 5);
	f->inlined = sqlite3_column_int(st, 6);
	f->runtime = sqlite3_column_int(st, 7);
	if (col_oom(st, 1, f->module) || col_oom(st, 3, f->function) || col_oom(st, 4, f->file))
		return -1;
	/* a string that is empty names nothing */
	if (f->function && !f->function[0]) {
		free(f->function);
		f->function = NULL;
	}
	return 0;
}

static int load_frames(struct ex_data *d, char *err, size_t errlen)
{
	static const char sql[] =
		"SELECT id, module, offset, function, file, line, inlined, runtime"
		" FROM frames WHERE id IN (SELECT st.frame_id FROM sites s"
		" JOIN stacks st ON st.stack_id = s.stack_id WHERE s.process_id = ?)"
		" ORDER BY id";

	return dbr_load_rows(d->db, d->process_id, sql, "reading frames", &d->frames, &d->nframes,
			     sizeof *d->frames, fill_frame, err, errlen);
}

static int load_stacks(struct ex_data *d, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	struct ex_site *s = NULL;
	int rc, ret = -1;
	size_t cap = 0;

	if (sqlite3_prepare_v2(d->db,
			       "SELECT st.stack_id, st.frame_id FROM sites s JOIN stacks st"
			       " ON st.stack_id = s.stack_id WHERE s.process_id = ?"
			       " ORDER BY st.stack_id, st.depth",
			       -1, &st, NULL) != SQLITE_OK) {
		sql_err(err, errlen, d->db, "stacks");
		return -1;
	}
	sqlite3_bind_int64(st, 1, d->process_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long sid = sqlite3_column_int64(st, 0), fid = sqlite3_column_int64(st, 1);
		struct ex_frame *f;

		if (!s || s->stack_id != sid) {
			s = site_of(d, sid);
			cap = 0;
			if (!s)
				continue; /* cannot happen: the join found it */
		}
		f = bsearch(&fid, d->frames, d->nframes, sizeof *d->frames, cmp_frame_id);
		if (!f)
			continue; /* a dangling frame id: skip the frame, keep the stack */
		if ((size_t)s->nframes >= cap) {
			size_t ncap = cap ? cap * 2 : 16;
			int *p = realloc(s->frames, ncap * sizeof *p);

			if (!p) {
				err_oom(err, errlen);
				goto out_finalize;
			}
			s->frames = p;
			cap = ncap;
		}
		s->frames[s->nframes++] = (int)(f - d->frames);
	}
	if (rc != SQLITE_DONE) {
		sql_err(err, errlen, d->db, "stacks");
		goto out_finalize;
	}
	ret = 0;
out_finalize:
	sqlite3_finalize(st);
	return ret;
}

static int fill_module(sqlite3_stmt *st, void *row)
{
	struct ex_module *m = row;
	const char *slash;

	m->path = col_str(st, 0);
	m->build_id = col_str(st, 1);
	m->base = (unsigned long long)sqlite3_column_int64(st, 2);
	if (!m->path || col_oom(st, 1, m->build_id))
		return -1;
	slash = strrchr(m->path, '/');
	m->name = slash && slash[1] ? slash + 1 : m->path;
	return 0;
}

static int load_modules(struct ex_data *d, char *err, size_t errlen)
{
	static const char sql[] =
		"SELECT path, build_id, base FROM modules WHERE process_id = ? ORDER BY load_ns";

	return dbr_load_rows(d->db, d->process_id, sql, "reading modules", &d->modules,
			     &d->nmodules, sizeof *d->modules, fill_module, err, errlen);
}

static int fill_snapshot(sqlite3_stmt *st, void *row)
{
	struct ex_snapshot *s = row;

	s->seq = sqlite3_column_int64(st, 0);
	s->ts_ns = sqlite3_column_int64(st, 1);
	s->label = col_str(st, 2);
	s->sample = sqlite3_column_int(st, 3);
	s->alloc = sqlite3_column_int64(st, 4);
	return col_oom(st, 2, s->label) ? -1 : 0;
}

static int load_snapshots(struct ex_data *d, char *err, size_t errlen)
{
	static const char sql[] =
		"SELECT seq, ts_ns, label, kind = 'sample', coalesce(alloc, 0)"
		" FROM snapshots WHERE process_id = ? ORDER BY seq";

	return dbr_load_rows(d->db, d->process_id, sql, "reading snapshots", &d->snaps, &d->nsnaps,
			     sizeof *d->snaps, fill_snapshot, err, errlen);
}

/* Replace the sites' live figures with those at the snapshot labelled d->at_label. */
static int load_live_at(struct ex_data *d, char *err, size_t errlen)
{
	const struct ex_snapshot *at = NULL;
	sqlite3_stmt *st;
	int rc, ret = -1;

	for (size_t i = 0; i < d->nsnaps && !at; i++)
		if (!d->snaps[i].sample && d->snaps[i].label && !strcmp(d->snaps[i].label, d->at_label))
			at = &d->snaps[i];
	if (!at) {
		char labels[240];

		list_of(d->db,
			"SELECT quote(label) FROM snapshots WHERE process_id = ? AND kind != 'sample'"
			" ORDER BY seq",
			d->process_id, labels, sizeof labels);
		snprintf(err, errlen, "process %lld has no snapshot labelled '%s' (labels: %s)",
			 d->process_id, d->at_label, labels[0] ? labels : "none");
		return -1;
	}
	d->at_seq = at->seq;
	for (size_t i = 0; i < d->nsites; i++)
		d->sites[i].live_allocs = d->sites[i].live_bytes = 0;
	if (sqlite3_prepare_v2(d->db,
			       "SELECT stack_id, live_allocs, live_bytes FROM site_snapshots"
			       " WHERE process_id = ? AND snapshot_seq = ?",
			       -1, &st, NULL) != SQLITE_OK) {
		sql_err(err, errlen, d->db, "site_snapshots");
		return -1;
	}
	sqlite3_bind_int64(st, 1, d->process_id);
	sqlite3_bind_int64(st, 2, at->seq);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct ex_site *s = site_of(d, sqlite3_column_int64(st, 0));

		if (!s)
			continue;
		s->live_allocs = sqlite3_column_int64(st, 1);
		s->live_bytes = sqlite3_column_int64(st, 2);
	}
	if (rc != SQLITE_DONE) {
		sql_err(err, errlen, d->db, "site_snapshots");
		goto out_finalize;
	}
	ret = 0;
out_finalize:
	sqlite3_finalize(st);
	return ret;
}

int ex_load(sqlite3 *db, long long process_id, const char *at_label, struct ex_data *d,
	    char *err, size_t errlen)
{
	memset(d, 0, sizeof *d);
	d->db = db;
	d->at_label = at_label;
	d->at_seq = -1;
	if (load_process(d, process_id, err, errlen) < 0 || load_sites(d, err, errlen) < 0 ||
	    load_frames(d, err, errlen) < 0 || load_stacks(d, err, errlen) < 0 ||
	    load_modules(d, err, errlen) < 0 || load_snapshots(d, err, errlen) < 0 ||
	    (at_label && load_live_at(d, err, errlen) < 0)) {
		ex_free(d);
		return -1;
	}
	return 0;
}

void ex_free(struct ex_data *d)
{
	for (size_t i = 0; i < d->nsites; i++)
		free(d->sites[i].frames);
	for (size_t i = 0; i < d->nframes; i++) {
		free(d->frames[i].module);
		free(d->frames[i].function);
		free(d->frames[i].file);
	}
	for (size_t i = 0; i < d->nmodules; i++) {
		free(d->modules[i].path);
		free(d->modules[i].build_id);
	}
	for (size_t i = 0; i < d->nsnaps; i++)
		free(d->snaps[i].label);
	free(d->sites);
	free(d->frames);
	free(d->modules);
	free(d->snaps);
	free(d->exe);
	free(d->argv);
	memset(d, 0, sizeof *d);
}

int ex_live_at_time(const struct ex_data *d, long long t_ns, long long *live, long long *live_n,
		    char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc, ret = -1, any = 0;

	/* the SQL's own test: does the table hold a row for every allocation
	 * of this process (ingest --allocations all, or a database made
	 * before the modes)? The default mode keeps only the blocks live at
	 * exit, which say nothing of the heap at an earlier time. */
	if (sqlite3_prepare_v2(d->db, "SELECT 1 FROM allocations WHERE process_id = ? AND"
				      " coalesce((SELECT value FROM meta WHERE key = 'allocations'), 'all') = 'all'"
				      " LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return 0; /* no allocations table: nothing to read */
	sqlite3_bind_int64(st, 1, d->process_id);
	any = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (!any)
		return 0;
	if (sqlite3_prepare_v2(d->db,
			       "SELECT stack_id, count(*), sum(size) FROM allocations"
			       " WHERE process_id = ? AND alloc_ns <= ?2"
			       " AND (free_ns IS NULL OR free_ns > ?2) GROUP BY stack_id",
			       -1, &st, NULL) != SQLITE_OK) {
		sql_err(err, errlen, d->db, "allocations");
		return -1;
	}
	sqlite3_bind_int64(st, 1, d->process_id);
	sqlite3_bind_int64(st, 2, t_ns);
	for (size_t i = 0; i < d->nsites; i++)
		live[i] = live_n[i] = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct ex_site *s = site_of(d, sqlite3_column_int64(st, 0));

		if (!s)
			continue;
		live_n[s - d->sites] = sqlite3_column_int64(st, 1);
		live[s - d->sites] = sqlite3_column_int64(st, 2);
	}
	if (rc != SQLITE_DONE) {
		sql_err(err, errlen, d->db, "allocations");
		goto out_finalize;
	}
	ret = 1;
out_finalize:
	sqlite3_finalize(st);
	return ret;
}

const struct ex_module *ex_frame_module(const struct ex_data *d, const struct ex_frame *f)
{
	if (!f->module)
		return NULL;
	/* the last one loaded wins, as in the symbolizer */
	for (size_t i = d->nmodules; i-- > 0;)
		if (!strcmp(d->modules[i].name, f->module))
			return &d->modules[i];
	return NULL;
}

const char *ex_frame_name(const struct ex_frame *f, char *buf, size_t cap)
{
	if (f->function)
		return f->function;
	if (f->module && strcmp(f->module, "?"))
		snprintf(buf, cap, "%s+0x%llx", f->module, (unsigned long long)f->offset);
	else if (f->offset)
		snprintf(buf, cap, "0x%llx", (unsigned long long)f->offset);
	else
		snprintf(buf, cap, "??");
	return buf;
}
