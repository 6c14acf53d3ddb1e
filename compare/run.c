/*
 * run.c - see run.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/vec.h"
#include "compare/run.h"
#include "compare/sitekey.h"
#include "ingest/db.h"

struct loader {
	sqlite3 *db;
	sqlite3_stmt *frames; /* cmp_stack_read's cache */
	char *err;
	size_t errlen;
};

static char *dup_col(sqlite3_stmt *s, int i)
{
	const char *t = (const char *)sqlite3_column_text(s, i);
	return strdup(t ? t : "");
}

static double num_col(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? NAN : sqlite3_column_double(s, i);
}

/*
 * arr (n elements used, *cap allocated) with room for one more of size
 * sz, the new room zeroed; NULL when memory runs out (arr is untouched).
 */
static void *grow(void *arr, size_t *cap, size_t n, size_t sz)
{
	return vec_reserve(&arr, cap, n, sz) < 0 ? NULL : arr;
}

static int oom(struct loader *l)
{
	return err_oom(l->err, l->errlen);
}

static sqlite3_stmt *prepare(struct loader *l, const char *sql, int64_t pid)
{
	sqlite3_stmt *s = db_prepare(l->db, sql, l->err, l->errlen);

	if (s)
		sqlite3_bind_int64(s, 1, pid);
	return s;
}

/* The end of a query: 0, or -1 with the database's message. */
static int done(struct loader *l, sqlite3_stmt *s, int rc)
{
	if (rc != SQLITE_DONE && rc != SQLITE_OK) {
		snprintf(l->err, l->errlen, "database: %s", sqlite3_errmsg(l->db));
		sqlite3_finalize(s);
		return -1;
	}
	sqlite3_finalize(s);
	return 0;
}

/* Keys and the name of a stack; prefix (may be "") goes before both keys. */
static int stack_keys(struct loader *l, int64_t stack_id, const char *prefix, char **exact, char **loose,
                      char **where)
{
	struct cmp_frame *f;
	char *e, *lo, buf[1024];
	int n = cmp_stack_read(l->db, &l->frames, stack_id, &f, l->err, l->errlen);

	if (n < 0)
		return -1;
	if (cmp_stack_keys(f, (size_t)n, &e, &lo) < 0) {
		cmp_frames_free(f, (size_t)n);
		return oom(l);
	}
	cmp_frames_where(f, (size_t)n, buf, sizeof buf);
	cmp_frames_free(f, (size_t)n);
	size_t pl = strlen(prefix);
	*exact = malloc(pl + strlen(e) + 1);
	*loose = malloc(pl + strlen(lo) + 1);
	*where = strdup(buf);
	if (*exact) {
		memcpy(*exact, prefix, pl);
		strcpy(*exact + pl, e);
	}
	if (*loose) {
		memcpy(*loose, prefix, pl);
		strcpy(*loose + pl, lo);
	}
	free(e);
	free(lo);
	if (!*exact || !*loose || !*where) {
		free(*exact);
		free(*loose);
		free(*where);
		*exact = *loose = *where = NULL;
		return oom(l);
	}
	return 0;
}

/* ---------------------------------------------------------------- snapshots */

static int load_snapshots(struct loader *l, struct cmp_proc *p)
{
	char sql[1024];
	size_t off, cap = 0, acap = 0;
	sqlite3_stmt *s;
	int rc, m;

	off = (size_t)snprintf(sql, sizeof sql, "SELECT label, kind");
	for (m = 0; m < CMP_NMETRICS; m++)
		off += (size_t)snprintf(sql + off, sizeof sql - off, ", %s", cmp_metrics[m].column);
	snprintf(sql + off, sizeof sql - off, " FROM snapshots WHERE process_id = ? ORDER BY ts_ns, seq");
	if (!(s = prepare(l, sql, p->id)))
		return -1;
	p->peak_alloc = NAN;
	p->total_allocs = NAN;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(s, 1);
		double alloc = num_col(s, 2 + CMP_M_ALLOC), ts = num_col(s, 2 + CMP_M_TS);
		double mallocs = num_col(s, 2 + CMP_M_MALLOCS);
		size_t ac = acap;
		double *nt, *na;

		if (!(nt = grow(p->ts, &ac, p->nall, sizeof *p->ts))) {
			sqlite3_finalize(s);
			return oom(l);
		}
		p->ts = nt;
		if (!(na = grow(p->alloc, &acap, p->nall, sizeof *p->alloc))) {
			sqlite3_finalize(s);
			return oom(l);
		}
		p->alloc = na;
		p->ts[p->nall] = ts;
		p->alloc[p->nall++] = alloc;
		if (!isnan(alloc) && !(p->peak_alloc >= alloc))
			p->peak_alloc = alloc;
		if (!isnan(mallocs) && !(p->total_allocs >= mallocs))
			p->total_allocs = mallocs;
		if (kind && !strcmp(kind, "sample"))
			continue;
		struct cmp_snap *sn = VEC_PUSH(p->snaps, p->nsnaps, cap);
		if (!sn || !(sn->label = dup_col(s, 0)) || !(sn->kind = dup_col(s, 1))) {
			sqlite3_finalize(s);
			return oom(l);
		}
		for (m = 0; m < CMP_NMETRICS; m++)
			sn->v[m] = num_col(s, 2 + m);
		p->user_snaps += !strcmp(sn->kind, "user");
		for (size_t k = 0; k + 1 < p->nsnaps; k++)
			sn->occ += !strcmp(p->snaps[k].label, sn->label);
	}
	if (done(l, s, rc) < 0)
		return -1;
	/* The true peak, between snapshots too, from ingest's timeline (a
	 * database made before it has none: the snapshots' peak stands). */
	if (sqlite3_prepare_v2(l->db, "SELECT max(peak_bytes) FROM timeline WHERE process_id = ?", -1, &s,
	                       NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(s, 1, p->id);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
		double peak = sqlite3_column_double(s, 0);
		if (isnan(p->peak_alloc) || peak > p->peak_alloc)
			p->peak_alloc = peak;
	}
	sqlite3_finalize(s);
	return 0;
}

/* ---------------------------------------------------------------- sites */

static int by_exact(const void *a, const void *b)
{
	return strcmp(((const struct cmp_site *)a)->exact, ((const struct cmp_site *)b)->exact);
}

struct stack_ix {
	int64_t stack_id;
	size_t site;
};

static int by_stack(const void *a, const void *b)
{
	int64_t x = ((const struct stack_ix *)a)->stack_id, y = ((const struct stack_ix *)b)->stack_id;
	return x < y ? -1 : x > y;
}

static void site_free(struct cmp_site *s)
{
	free(s->exact);
	free(s->loose);
	free(s->where);
	for (size_t i = 0; i < s->nleaks; i++)
		free(s->leaks[i].cls);
	free(s->leaks);
}

static int add_leak(struct cmp_site *s, const char *cls, int64_t allocs, int64_t bytes)
{
	struct cmp_leak *nl;

	if (!allocs && !bytes)
		return 0;
	for (size_t i = 0; i < s->nleaks; i++)
		if (!strcmp(s->leaks[i].cls, cls)) {
			s->leaks[i].allocs += allocs;
			s->leaks[i].bytes += bytes;
			return 0;
		}
	if (!(nl = realloc(s->leaks, (s->nleaks + 1) * sizeof *nl)))
		return -1;
	s->leaks = nl;
	if (!(nl[s->nleaks].cls = strdup(cls)))
		return -1;
	nl[s->nleaks].allocs = allocs;
	nl[s->nleaks++].bytes = bytes;
	return 0;
}

/* Columns of `sites` that hold leaks, for a database without allocation rows. */
static const char *const site_classes[] = { "lost", "indirect", "reachable" };

static int load_sites(struct loader *l, struct cmp_proc *p)
{
	sqlite3_stmt *s = prepare(l, "SELECT stack_id, allocs, bytes, live_allocs, live_bytes, peak_live_bytes,"
	                             " runtime, lost_allocs, lost_bytes, indirect_allocs, indirect_bytes,"
	                             " reachable_allocs, reachable_bytes FROM sites WHERE process_id = ?"
	                             " ORDER BY stack_id", p->id);
	struct cmp_site *v = NULL;
	struct stack_ix *ix = NULL;
	int64_t (*cols)[6] = NULL;
	size_t n = 0, cap = 0, ixcap = 0, colcap = 0, i, k;
	int rc, ret = -1, from_rows = 0;

	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct cmp_site *nv = grow(v, &cap, n, sizeof *v);
		if (nv)
			v = nv;
		int64_t (*nc)[6] = nv ? grow(cols, &colcap, n, sizeof *cols) : NULL;
		if (!nc) {
			oom(l);
			goto out;
		}
		cols = nc;
		struct cmp_site *x = &v[n];
		x->stack_id = sqlite3_column_int64(s, 0);
		x->allocs = sqlite3_column_int64(s, 1);
		x->bytes = sqlite3_column_int64(s, 2);
		x->live_allocs = sqlite3_column_int64(s, 3);
		x->live_bytes = sqlite3_column_int64(s, 4);
		x->peak_live_bytes = sqlite3_column_int64(s, 5);
		x->runtime = sqlite3_column_int(s, 6);
		for (k = 0; k < 6; k++)
			cols[n][k] = sqlite3_column_int64(s, 7 + (int)k);
		n++;
		if (stack_keys(l, x->stack_id, "", &x->exact, &x->loose, &x->where) < 0)
			goto out;
	}
	rc = done(l, s, rc);
	s = NULL;
	if (rc < 0)
		goto out;

	/* leaks at exit by class: from the live rows, on the stacks as loaded */
	if (!(ix = malloc((n + 1) * sizeof *ix))) {
		oom(l);
		goto out;
	}
	for (i = 0; i < n; i++)
		ix[i] = (struct stack_ix){ v[i].stack_id, i };
	ixcap = n;
	if (!(s = prepare(l, "SELECT coalesce(stack_id, 0), leak, count(*), sum(size) FROM allocations"
	                     " WHERE process_id = ? AND free_ns IS NULL AND leak IS NOT NULL"
	                     " GROUP BY 1, 2", p->id)))
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct stack_ix want = { sqlite3_column_int64(s, 0), 0 };
		struct stack_ix *hit = bsearch(&want, ix, ixcap, sizeof *ix, by_stack);
		const char *cls = (const char *)sqlite3_column_text(s, 1);

		from_rows = 1;
		if (!hit || !cls)
			continue;
		if (add_leak(&v[hit->site], cls, sqlite3_column_int64(s, 2), sqlite3_column_int64(s, 3)) < 0) {
			oom(l);
			goto out;
		}
	}
	rc = done(l, s, rc);
	s = NULL;
	if (rc < 0)
		goto out;
	if (!from_rows)
		for (i = 0; i < n; i++)
			for (k = 0; k < 3; k++)
				if (add_leak(&v[i], site_classes[k], cols[i][2 * k], cols[i][2 * k + 1]) < 0) {
					oom(l);
					goto out;
				}

	/* one entry per exact key: stacks that differ only in addresses merge */
	if (n)
		qsort(v, n, sizeof *v, by_exact);
	int failed = 0;
	for (i = 0, k = 0; i < n; i++) {
		if (k && !strcmp(v[k - 1].exact, v[i].exact)) {
			struct cmp_site *t = &v[k - 1], *x = &v[i];

			if (x->bytes > t->bytes) {
				t->stack_id = x->stack_id;
				free(t->where);
				t->where = x->where;
				x->where = NULL;
			}
			t->allocs += x->allocs;
			t->bytes += x->bytes;
			t->live_allocs += x->live_allocs;
			t->live_bytes += x->live_bytes;
			t->peak_live_bytes += x->peak_live_bytes;
			t->runtime &= x->runtime;
			for (size_t c = 0; c < x->nleaks; c++)
				if (add_leak(t, x->leaks[c].cls, x->leaks[c].allocs, x->leaks[c].bytes) < 0)
					failed = 1;
			site_free(x);
			continue;
		}
		if (k != i)
			v[k] = v[i];
		k++;
	}
	n = k;
	if (failed) {
		oom(l);
		goto out;
	}
	p->sites = v;
	p->nsites = n;
	v = NULL;
	n = 0;
	ret = 0;
out:
	sqlite3_finalize(s);
	for (i = 0; i < n; i++)
		site_free(&v[i]);
	free(v);
	free(ix);
	free(cols);
	return ret;
}

/* ---------------------------------------------------------------- checklist */

static int load_items(struct loader *l, struct cmp_proc *p)
{
	sqlite3_stmt *s = prepare(l, "SELECT item, status, detail FROM checklist WHERE process_id = ?"
	                             " ORDER BY CASE item WHEN 'threads_stopped' THEN 1 WHEN 'threads_joined' THEN 2"
	                             " WHEN 'timers_stopped' THEN 3 WHEN 'containers_cleared' THEN 4"
	                             " WHEN 'channels_closed' THEN 5 WHEN 'settle_time' THEN 6"
	                             " WHEN 'gc_repeated' THEN 7 WHEN 'global_references' THEN 8"
	                             " WHEN 'baseline_returned' THEN 9 ELSE 10 END, item", p->id);
	size_t cap = 0;
	int rc;

	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct cmp_item *it = VEC_PUSH(p->items, p->nitems, cap);
		if (!it || !(it->item = dup_col(s, 0)) || !(it->status = dup_col(s, 1)) ||
		    !(it->detail = dup_col(s, 2))) {
			sqlite3_finalize(s);
			return oom(l);
		}
	}
	if (done(l, s, rc) < 0)
		return -1;
	if (!(s = prepare(l, "SELECT item, text, coalesce(stack_id, 0) FROM checklist_evidence"
	                     " WHERE process_id = ? ORDER BY item, seq", p->id)))
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 0);
		struct cmp_item *it = NULL;
		struct cmp_evidence *ne;

		for (size_t i = 0; name && i < p->nitems; i++)
			if (!strcmp(p->items[i].item, name))
				it = &p->items[i];
		if (!it)
			continue;
		if (!(ne = realloc(it->ev, (it->nev + 1) * sizeof *ne))) {
			sqlite3_finalize(s);
			return oom(l);
		}
		it->ev = ne;
		ne[it->nev].stack_id = sqlite3_column_int64(s, 2);
		if (!(ne[it->nev++].text = dup_col(s, 1))) {
			sqlite3_finalize(s);
			return oom(l);
		}
	}
	return done(l, s, rc);
}

/* ---------------------------------------------------------------- open at exit */

static int by_open(const void *a, const void *b)
{
	return strcmp(((const struct cmp_open *)a)->exact, ((const struct cmp_open *)b)->exact);
}

static int load_open(struct loader *l, struct cmp_proc *p)
{
	static const char *const sql[2] = {
		"SELECT CASE state_at_exit WHEN 'running' THEN 'running thread' ELSE 'unjoined thread' END,"
		" coalesce(stack_id, 0), count(*) FROM threads WHERE process_id = ?"
		" AND state_at_exit IN ('running', 'exited-unjoined') GROUP BY 1, 2",
		"SELECT kind, coalesce(stack_id, 0), count(*) FROM resources WHERE process_id = ?"
		" AND close_ns IS NULL AND coalesce(origin, '') != 'inherited'"
		" AND kind IN ('timerfd', 'posix_timer', 'pipe', 'socket', 'eventfd') GROUP BY 1, 2",
	};
	size_t cap = 0, i, k;
	int rc;

	for (int q = 0; q < 2; q++) {
		sqlite3_stmt *s = prepare(l, sql[q], p->id);

		if (!s)
			return -1;
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			char prefix[64];

			struct cmp_open *o = VEC_PUSH(p->open, p->nopen, cap);
			if (!o || !(o->what = dup_col(s, 0))) {
				sqlite3_finalize(s);
				return oom(l);
			}
			o->stack_id = sqlite3_column_int64(s, 1);
			o->count = sqlite3_column_int64(s, 2);
			snprintf(prefix, sizeof prefix, "%s\x1d", o->what);
			if (stack_keys(l, o->stack_id, prefix, &o->exact, &o->loose, &o->where) < 0) {
				sqlite3_finalize(s);
				return -1;
			}
		}
		if (done(l, s, rc) < 0)
			return -1;
	}
	if (p->nopen)
		qsort(p->open, p->nopen, sizeof *p->open, by_open);
	for (i = 0, k = 0; i < p->nopen; i++) {
		if (k && !strcmp(p->open[k - 1].exact, p->open[i].exact)) {
			p->open[k - 1].count += p->open[i].count;
			free(p->open[i].what);
			free(p->open[i].exact);
			free(p->open[i].loose);
			free(p->open[i].where);
			continue;
		}
		if (k != i)
			p->open[k] = p->open[i];
		k++;
	}
	p->nopen = k;
	return 0;
}

/* ---------------------------------------------------------------- run */

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s && s[1] ? s + 1 : path;
}

static void proc_free(struct cmp_proc *p)
{
	size_t i, k;

	free(p->exe);
	free(p->name);
	free(p->end_reason);
	for (i = 0; i < p->nsnaps; i++) {
		free(p->snaps[i].label);
		free(p->snaps[i].kind);
	}
	free(p->snaps);
	free(p->ts);
	free(p->alloc);
	for (i = 0; i < p->nsites; i++)
		site_free(&p->sites[i]);
	free(p->sites);
	for (i = 0; i < p->nitems; i++) {
		free(p->items[i].item);
		free(p->items[i].status);
		free(p->items[i].detail);
		for (k = 0; k < p->items[i].nev; k++)
			free(p->items[i].ev[k].text);
		free(p->items[i].ev);
	}
	free(p->items);
	for (i = 0; i < p->nopen; i++) {
		free(p->open[i].what);
		free(p->open[i].exact);
		free(p->open[i].loose);
		free(p->open[i].where);
	}
	free(p->open);
}

void cmp_run_free(struct cmp_run *r)
{
	for (size_t i = 0; i < r->nprocs; i++)
		proc_free(&r->procs[i]);
	free(r->procs);
	free(r->path);
	sqlite3_close(r->db);
	memset(r, 0, sizeof *r);
}

int cmp_run_load(struct cmp_run *r, const char *path, char *err, size_t errlen)
{
	struct loader l = { .err = err, .errlen = errlen };
	sqlite3_stmt *s = NULL;
	size_t cap = 0, i;
	int rc;

	memset(r, 0, sizeof *r);
	if (db_open_ro(path, &r->db, err, errlen) < 0)
		return -1;
	l.db = r->db;
	if (!(r->path = strdup(path))) {
		oom(&l);
		goto out_free;
	}
	if (!(s = db_prepare(r->db, "SELECT id, pid, coalesce(exe, ''), coalesce(end_reason, ''),"
	                            " coalesce(exit_code, -1), start_ns, coalesce(end_ns, start_ns),"
	                            " parent_process_id IS NOT NULL, runtime = 'go', scanned FROM processes ORDER BY id",
	                     err, errlen)))
		goto out_free;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct cmp_proc *p = VEC_PUSH(r->procs, r->nprocs, cap);
		if (!p) {
			oom(&l);
			goto out_free;
		}
		p->id = sqlite3_column_int64(s, 0);
		p->pid = sqlite3_column_int64(s, 1);
		p->exit_code = sqlite3_column_int64(s, 4);
		p->start_ns = sqlite3_column_int64(s, 5);
		p->end_ns = sqlite3_column_int64(s, 6);
		p->has_parent = sqlite3_column_int(s, 7);
		p->go = sqlite3_column_int(s, 8);
		p->scanned = sqlite3_column_int(s, 9);
		if (!(p->exe = dup_col(s, 2)) || !(p->end_reason = dup_col(s, 3)) ||
		    !(p->name = strdup(*p->exe ? base_name(p->exe) : "(unknown)"))) {
			oom(&l);
			goto out_free;
		}
	}
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "database: %s", sqlite3_errmsg(r->db));
		goto out_free;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (!r->nprocs) {
		snprintf(err, errlen, "the database holds no process");
		goto out_free;
	}
	for (i = 0; i < r->nprocs; i++) {
		struct cmp_proc *p = &r->procs[i];

		if (load_snapshots(&l, p) < 0 || load_sites(&l, p) < 0 || load_items(&l, p) < 0 ||
		    load_open(&l, p) < 0)
			goto out_free;
	}
	sqlite3_finalize(l.frames);
	return 0;
out_free:
	sqlite3_finalize(s);
	sqlite3_finalize(l.frames);
	cmp_run_free(r);
	return -1;
}

int cmp_leak_definite(const char *cls)
{
	return !strcmp(cls, "lost") || !strcmp(cls, "indirect");
}

const struct cmp_leak *cmp_site_leak(const struct cmp_site *s, const char *cls)
{
	for (size_t i = 0; i < s->nleaks; i++)
		if (!strcmp(s->leaks[i].cls, cls))
			return &s->leaks[i];
	return NULL;
}
