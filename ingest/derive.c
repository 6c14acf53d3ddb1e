/*
 * derive.c - see derive.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "format/memstats.h"
#include "ingest/db.h"
#include "ingest/derive.h"
#include "ingest/sitename.h"
#include "ingest/symbolize.h"

#define PREP(s, sql) do { if (!((s) = db_prepare(db, (sql), err, errlen))) return -1; } while (0)

int64_t derive_process_begin(sqlite3 *db, const struct trace_meta *m, const char *trace_path,
                             char *err, size_t errlen)
{
	sqlite3_stmt *s;
	PREP(s, "INSERT INTO processes(pid, ppid, exe, argv, start_ns, trace_file, start_unix_ns, runtime,"
	        " sample_interval_ns, stack_depth, sample_bytes, tracer_version, end_reason)"
	        " VALUES (?,?,?,?,0,?,?,'native',?,?,?,?,'truncated')");
	sqlite3_bind_int64(s, 1, m->pid);
	sqlite3_bind_int64(s, 2, m->ppid);
	db_bind_text(s, 3, m->exe);
	db_bind_text(s, 4, m->argv_json ? m->argv_json : "[]");
	db_bind_text(s, 5, trace_path);
	sqlite3_bind_int64(s, 6, (int64_t)m->unix0);
	sqlite3_bind_int64(s, 7, (int64_t)m->interval_ns);
	sqlite3_bind_int64(s, 8, (int64_t)m->depth);
	sqlite3_bind_int64(s, 9, (int64_t)m->sample_bytes);
	db_bind_text(s, 10, m->version);
	int rc = db_step(db, s, err, errlen);
	sqlite3_finalize(s);
	return rc < 0 ? -1 : sqlite3_last_insert_rowid(db);
}

static int64_t last_known_ns(const struct trace_meta *m)
{
	int64_t t = 0;
	for (size_t i = 0; i < m->nsnaps; i++)
		if (m->snaps[i].ns > t)
			t = m->snaps[i].ns;
	return t;
}

int64_t derive_exit_begin_ns(const struct trace_meta *m)
{
	int64_t t = INT64_MAX;
	if (m->exit_begin_tsc)
		t = tm_tsc_ns(m, m->exit_begin_tsc);
	if (m->freeres && m->freeres_tsc && tm_tsc_ns(m, m->freeres_tsc) < t)
		t = tm_tsc_ns(m, m->freeres_tsc);
	for (size_t i = 0; i < m->nsnaps; i++)
		if (m->snaps[i].kind == ML_SNAP_EXIT && m->snaps[i].ns < t)
			t = m->snaps[i].ns;
	return t == INT64_MAX ? last_known_ns(m) : t;
}

int derive_process_end(sqlite3 *db, const struct trace_meta *m, int64_t pid, uint64_t events,
                       uint64_t unknown_frees, char *err, size_t errlen)
{
	const char *reason = "truncated";
	int64_t end_ns = last_known_ns(m), code = -1, sig = -1;
	if (m->have_end) {
		reason = m->end_reason == ML_END_SIGNAL ? "signal" : "exit";
		end_ns = m->end_ns;
		if (m->end_reason == ML_END_SIGNAL)
			sig = m->end_code;
		else if (m->end_code >= 0)
			code = m->end_code;
	} else if (m->have_exec) {
		reason = "exec";
		end_ns = tm_tsc_ns(m, m->exec_tsc);
	}
	sqlite3_stmt *s;
	PREP(s, "UPDATE processes SET end_ns = ?, end_reason = ?, exit_code = ?, signal = ?,"
	        " unknown_frees = ?, events = ?, freeres_called = ?, scanned = ?, exit_begin_ns = ?,"
	        " scan_ns = ?, scan_blocks = ?,"
	        " parent_process_id = (SELECT p.id FROM processes p WHERE p.pid = processes.ppid"
	        "   AND p.id != processes.id AND p.start_unix_ns <= processes.start_unix_ns"
	        "   ORDER BY p.start_unix_ns DESC LIMIT 1)"
	        " WHERE id = ?");
	sqlite3_bind_int64(s, 1, end_ns);
	sqlite3_bind_text(s, 2, reason, -1, SQLITE_STATIC);
	db_bind_opt(s, 3, code);
	db_bind_opt(s, 4, sig);
	sqlite3_bind_int64(s, 5, (int64_t)unknown_frees);
	sqlite3_bind_int64(s, 6, (int64_t)events);
	sqlite3_bind_int(s, 7, m->freeres);
	sqlite3_bind_int(s, 8, m->have_exit_scan);
	db_bind_opt(s, 9, m->exit_begin_tsc ? tm_tsc_ns(m, m->exit_begin_tsc) : -1);
	const struct tm_scan *scan = NULL;
	for (size_t i = 0; i < m->nscans; i++)
		if (m->have_exit_scan && m->scans[i].snap == m->exit_scan_snap)
			scan = &m->scans[i];
	db_bind_opt(s, 10, scan ? (int64_t)scan->dt_ns : -1);
	db_bind_opt(s, 11, scan ? (int64_t)scan->blocks : -1);
	sqlite3_bind_int64(s, 12, pid);
	int rc = db_step(db, s, err, errlen);
	sqlite3_finalize(s);
	if (rc < 0)
		return -1;
	/* Children loaded before their parent get linked now. */
	PREP(s, "UPDATE processes SET parent_process_id = ? WHERE ppid = ? AND parent_process_id IS NULL"
	        " AND id != ? AND start_unix_ns >= ?");
	sqlite3_bind_int64(s, 1, pid);
	sqlite3_bind_int64(s, 2, m->pid);
	sqlite3_bind_int64(s, 3, pid);
	sqlite3_bind_int64(s, 4, (int64_t)m->unix0);
	rc = db_step(db, s, err, errlen);
	sqlite3_finalize(s);
	return rc;
}

static const char *const snap_kinds[] = { "start", "sample", "user", "exit" };

int derive_snapshots(sqlite3 *db, const struct trace_meta *m, int64_t pid, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	PREP(s, "INSERT OR REPLACE INTO snapshots(process_id, seq, label, ts_ns, alloc, total_alloc, sys,"
	        " heap_inuse, heap_idle, heap_released, stack_inuse, heap_objects, mallocs, frees, live,"
	        " num_gc, gc_cpu_fraction, alloc_cpu_fraction, threads, rss, kind, trim_calls, cpu_ns,"
	        " alloc_cpu_ns, arena, hblkhd, keepcost, scan, sys_other, tracer_cpu_ns, tracer_rss)"
	        " VALUES (?,?,?,?,?,?,?,?,?,NULL,?,?,?,?,?,NULL,NULL,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
	int rc = 0;
	for (size_t i = 0; i < m->nsnaps && rc == 0; i++) {
		const struct tm_snapshot *sn = &m->snaps[i];
		const uint64_t *f = sn->f;
		int full = !(sn->flags & 2);  /* allocator figures are skipped in a signal handler */
		const char *label = sn->kind == ML_SNAP_USER ? (sn->label ? sn->label : "")
		                    : snap_kinds[sn->kind];
		int64_t objs = (int64_t)(f[ML_SF_MALLOCS] - f[ML_SF_FREES]);
		sqlite3_bind_int64(s, 1, pid);
		sqlite3_bind_int64(s, 2, (int64_t)sn->seq);
		sqlite3_bind_text(s, 3, label, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 4, sn->ns);
		sqlite3_bind_int64(s, 5, (int64_t)(f[ML_SF_TOTAL_ALLOC] - f[ML_SF_FREED_BYTES]));
		sqlite3_bind_int64(s, 6, (int64_t)f[ML_SF_TOTAL_ALLOC]);
		db_bind_opt(s, 7, full ? ml_counters_sys(f) : -1);
		db_bind_opt(s, 8, full ? (int64_t)(f[ML_SF_UORDBLKS] + f[ML_SF_HBLKHD]) : -1);
		db_bind_opt(s, 9, full ? (int64_t)f[ML_SF_FORDBLKS] : -1);
		db_bind_opt(s, 10, full ? (int64_t)f[ML_SF_STACK_INUSE] : -1);
		sqlite3_bind_int64(s, 11, objs);
		sqlite3_bind_int64(s, 12, (int64_t)f[ML_SF_MALLOCS]);
		sqlite3_bind_int64(s, 13, (int64_t)f[ML_SF_FREES]);
		sqlite3_bind_int64(s, 14, objs);
		if (ml_counters_alloc_share(f) >= 0)
			sqlite3_bind_double(s, 15, ml_counters_alloc_share(f));
		else
			sqlite3_bind_null(s, 15);
		db_bind_opt(s, 16, full ? (int64_t)f[ML_SF_THREADS] : -1);
		db_bind_opt(s, 17, f[ML_SF_RSS] ? (int64_t)f[ML_SF_RSS] : -1);
		sqlite3_bind_text(s, 18, snap_kinds[sn->kind], -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 19, (int64_t)f[ML_SF_TRIM_CALLS]);
		sqlite3_bind_int64(s, 20, (int64_t)f[ML_SF_CPU_NS]);
		sqlite3_bind_int64(s, 21, (int64_t)f[ML_SF_ALLOC_CPU_NS]);
		db_bind_opt(s, 22, full ? (int64_t)f[ML_SF_ARENA] : -1);
		db_bind_opt(s, 23, full ? (int64_t)f[ML_SF_HBLKHD] : -1);
		db_bind_opt(s, 24, full ? (int64_t)f[ML_SF_KEEPCOST] : -1);
		sqlite3_bind_int(s, 25, sn->flags & 1);
		db_bind_opt(s, 26, full ? (int64_t)f[ML_SF_SYS_OTHER] : -1);
		sqlite3_bind_int64(s, 27, (int64_t)f[ML_SF_TRACER_CPU_NS]);
		db_bind_opt(s, 28, f[ML_SF_TRACER_BYTES] ? (int64_t)f[ML_SF_TRACER_BYTES] : -1);
		rc = db_step(db, s, err, errlen);
	}
	sqlite3_finalize(s);
	return rc;
}

static void hex(char *out, const uint8_t *b, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = 0;
}

int derive_modules(sqlite3 *db, const struct trace_meta *m, int64_t pid, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	PREP(s, "INSERT INTO modules(process_id, path, build_id, base, load_ns, unload_ns) VALUES (?,?,?,?,?,?)");
	int rc = 0;
	for (size_t i = 0; i < m->nmods && rc == 0; i++) {
		const struct tm_module *md = &m->mods[i];
		char bid[2 * 64 + 1] = "";
		if (md->build_id_len && md->build_id_len <= 64)
			hex(bid, md->build_id, md->build_id_len);
		sqlite3_bind_int64(s, 1, pid);
		db_bind_text(s, 2, md->path ? md->path : "?");
		db_bind_text(s, 3, bid[0] ? bid : NULL);
		sqlite3_bind_int64(s, 4, (int64_t)md->bias);
		sqlite3_bind_int64(s, 5, tm_tsc_ns(m, md->tsc));
		db_bind_opt(s, 6, md->gone_tsc ? tm_tsc_ns(m, md->gone_tsc) : -1);
		rc = db_step(db, s, err, errlen);
	}
	sqlite3_finalize(s);
	return rc;
}

/* ---------------------------------------------------------------- threads */

struct thread_inst {
	int64_t tid, creator;
	int64_t start_ns, end_ns, join_ns, detach_ns;
	uint64_t start_fn, stack_size;
	uint32_t stack;
	int started, exited, joined, detached;
};

static int cmp_tev(const void *a, const void *b)
{
	const struct tm_thread_ev *x = a, *y = b;
	if (x->tsc != y->tsc)
		return x->tsc < y->tsc ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static struct thread_inst *find_inst(struct thread_inst *v, size_t n, int64_t tid)
{
	for (size_t i = n; i-- > 0;)
		if (v[i].tid == tid)
			return &v[i];
	return NULL;
}

int derive_threads(sqlite3 *db, const struct trace_meta *m, struct symbolizer *sym, int64_t pid,
                   char *err, size_t errlen)
{
	struct tm_thread_ev *ev = NULL;
	struct thread_inst *th = NULL;
	size_t nth = 0, capth = 0;
	int rc = -1;
	sqlite3_stmt *s = NULL, *where_s = NULL;
	if (m->ntev && !(ev = malloc(m->ntev * sizeof *ev)))
		goto out_oom;
	if (m->ntev)
		memcpy(ev, m->tev, m->ntev * sizeof *ev);
	if (m->ntev)
		qsort(ev, m->ntev, sizeof *ev, cmp_tev);

	/* the main thread, then every thread index the trace knows */
	struct thread_inst *t = VEC_PUSH(th, nth, capth);
	if (!t)
		goto out_oom;
	t->tid = m->pid;
	for (size_t i = 0; m->idx_tid.keys && i <= m->idx_tid.mask; i++) {
		if (!m->idx_tid.keys[i])
			continue;
		int64_t tid = (int64_t)m->idx_tid.vals[i];
		if (find_inst(th, nth, tid))
			continue;
		int started = 0;
		for (size_t k = 0; k < m->ntev; k++)
			started |= ev[k].tid == tid && ev[k].type == TT_START;
		if (started)
			continue;  /* created by pthread_create: comes with its start record */
		if (!(t = VEC_PUSH(th, nth, capth)))
			goto out_oom;
		t->tid = tid;
	}
	for (size_t k = 0; k < m->ntev; k++) {
		const struct tm_thread_ev *e = &ev[k];
		int64_t ns = tm_tsc_ns(m, e->tsc);
		t = find_inst(th, nth, e->tid);
		if (e->type == TT_START) {
			if (!(t = VEC_PUSH(th, nth, capth)))
				goto out_oom;
			t->tid = e->tid;
			t->creator = e->other;
			t->start_ns = ns;
			t->start_fn = e->start_fn;
			t->stack = e->stack;
			t->stack_size = e->stack_size;
			t->detached = e->detached;
			t->started = 1;
			continue;
		}
		if (!t)
			continue;
		if (e->type == TT_EXIT) {
			t->exited = 1;
			t->end_ns = ns;
		} else if (e->type == TT_JOIN) {
			t->joined = 1;
			t->join_ns = ns;
		} else if (e->type == TT_DETACH) {
			t->detached = 1;
			t->detach_ns = ns;
		}
	}

	s = db_prepare(db, "INSERT OR REPLACE INTO threads(process_id, tid, start_ns, end_ns, state_at_exit,"
	                   " stack_size, stack_id, start_function, creator_tid, join_ns, detach_ns)"
	                   " VALUES (?,?,?,?,?,?,?,?,?,?,?)", err, errlen);
	/* where each start function is, so `memledger symbolize` can name it later */
	where_s = db_prepare(db, "INSERT OR REPLACE INTO thread_starts(process_id, tid, start_ns, module, build_id,"
	                         " offset) VALUES (?,?,?,?,?,?)", err, errlen);
	if (!s || !where_s)
		goto out;
	for (size_t i = 0; i < nth; i++) {
		t = &th[i];
		const char *state = t->tid == m->pid ? "main" : !t->exited ? "running"
		                    : t->joined ? "joined" : t->detached ? "detached" : "exited-unjoined";
		const char *fn = NULL;
		struct sym_frame fr[8];
		if (t->start_fn && sym) {
			int n = symbolizer_lookup(sym, t->start_fn, 0, fr, 8);
			if (n > 0)
				fn = fr[n - 1].function;
			sqlite3_bind_int64(where_s, 1, pid);
			sqlite3_bind_int64(where_s, 2, t->tid);
			sqlite3_bind_int64(where_s, 3, t->start_ns);
			db_bind_text(where_s, 4, fr[n - 1].module);
			db_bind_text(where_s, 5, fr[n - 1].build_id);
			sqlite3_bind_int64(where_s, 6, (int64_t)fr[n - 1].offset);
			if (db_step(db, where_s, err, errlen) < 0)
				goto out;
		}
		struct tm_stack *st = t->stack ? tm_stack_get(m, t->stack) : NULL;
		sqlite3_bind_int64(s, 1, pid);
		sqlite3_bind_int64(s, 2, t->tid);
		sqlite3_bind_int64(s, 3, t->start_ns);
		db_bind_opt(s, 4, t->exited ? t->end_ns : -1);
		sqlite3_bind_text(s, 5, state, -1, SQLITE_STATIC);
		db_bind_opt(s, 6, t->stack_size ? (int64_t)t->stack_size : -1);
		db_bind_opt(s, 7, st && st->global_id ? st->global_id : -1);
		db_bind_text(s, 8, fn);
		db_bind_opt(s, 9, t->creator ? t->creator : -1);
		db_bind_opt(s, 10, t->joined ? t->join_ns : -1);
		db_bind_opt(s, 11, t->detach_ns ? t->detach_ns : -1);
		if (db_step(db, s, err, errlen) < 0)
			goto out;
	}
	rc = 0;
	goto out;
out_oom:
	err_oom(err, errlen);
out:
	sqlite3_finalize(s);
	sqlite3_finalize(where_s);
	free(ev);
	free(th);
	return rc;
}

/* ---------------------------------------------------------------- resources */

static const char *const res_kinds[ML_RES_COUNT] = {
	"pipe", "socket", "eventfd", "timerfd", "posix_timer", "file",
};
static const char *const res_origins[ML_ORIGIN_COUNT] = {
	"pipe", "pipe2", "socket", "socketpair", "accept", "accept4", "eventfd", "timerfd_create",
	"timer_create", "dup", "dup2", "dup3", "fcntl", "inherited",
};

struct res_inst {
	const struct tm_res_ev *open;
	int64_t close_ns, close_tid;
	int closed;
};

/* Pair each resource close with the latest open of the same handle
 * (descriptors and timers apart) into *out (n of them; the caller frees
 * it). Returns 0, or -1 out of memory. */
static int res_pair(const struct trace_meta *m, struct res_inst **out, size_t *nout)
{
	struct res_inst *v = NULL;
	size_t n = 0, cap = 0;
	for (size_t i = 0; i < m->nrev; i++) {
		const struct tm_res_ev *e = &m->rev[i];
		int timer = e->kind == ML_RES_POSIX_TIMER;
		if (e->open) {
			struct res_inst *r = VEC_PUSH(v, n, cap);
			if (!r) {
				free(v);
				return -1;
			}
			r->open = e;
			continue;
		}
		/* the latest open of the same handle (descriptors and timers apart) */
		for (size_t k = n; k-- > 0;) {
			if (v[k].closed || v[k].open->handle != e->handle ||
			    (v[k].open->kind == ML_RES_POSIX_TIMER) != timer)
				continue;
			v[k].closed = 1;
			v[k].close_ns = tm_tsc_ns(m, e->tsc);
			v[k].close_tid = e->tid;
			break;
		}
	}
	*out = v;
	*nout = n;
	return 0;
}

int derive_resources(sqlite3 *db, const struct trace_meta *m, int64_t pid, char *err, size_t errlen)
{
	struct res_inst *v = NULL;
	size_t n = 0;
	int rc = -1;
	sqlite3_stmt *s = NULL;
	if (res_pair(m, &v, &n) < 0)
		return err_oom(err, errlen);
	s = db_prepare(db, "INSERT INTO resources(process_id, kind, handle, open_ns, close_ns, stack_id,"
	                   " open_tid, close_tid, origin) VALUES (?,?,?,?,?,?,?,?,?)", err, errlen);
	if (!s)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct tm_res_ev *o = v[i].open;
		struct tm_stack *st = o->stack ? tm_stack_get(m, o->stack) : NULL;
		sqlite3_bind_int64(s, 1, pid);
		sqlite3_bind_text(s, 2, res_kinds[o->kind], -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, o->handle);
		sqlite3_bind_int64(s, 4, o->origin == ML_ORIGIN_INHERITED ? 0 : tm_tsc_ns(m, o->tsc));
		db_bind_opt(s, 5, v[i].closed ? v[i].close_ns : -1);
		db_bind_opt(s, 6, st && st->global_id ? st->global_id : -1);
		db_bind_opt(s, 7, o->tid ? o->tid : -1);
		db_bind_opt(s, 8, v[i].closed && v[i].close_tid ? v[i].close_tid : -1);
		sqlite3_bind_text(s, 9, res_origins[o->origin], -1, SQLITE_STATIC);
		if (db_step(db, s, err, errlen) < 0)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	free(v);
	return rc;
}

/* ---------------------------------------------------------------- sites */

int derive_sites(sqlite3 *db, const struct gsite *sites, size_t n, int64_t pid,
                 const struct sitename_rules *rules, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	PREP(s, "INSERT INTO sites(process_id, stack_id, allocs, bytes, live_allocs, live_bytes, temporary,"
	        " lost_allocs, lost_bytes, indirect_allocs, indirect_bytes, reachable_allocs, reachable_bytes,"
	        " peak_live_bytes, runtime, possible_allocs, possible_bytes) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct gsite *g = &sites[i];
		sqlite3_bind_int64(s, 1, pid);
		sqlite3_bind_int64(s, 2, g->stack_id);
		sqlite3_bind_int64(s, 3, (int64_t)g->allocs);
		sqlite3_bind_int64(s, 4, (int64_t)g->bytes);
		sqlite3_bind_int64(s, 5, (int64_t)g->live_allocs);
		sqlite3_bind_int64(s, 6, (int64_t)g->live_bytes);
		sqlite3_bind_int64(s, 7, (int64_t)g->temporary);
		for (int c = ML_LEAK_LOST; c <= ML_LEAK_REACHABLE; c++) {
			sqlite3_bind_int64(s, 8 + 2 * (c - 1), (int64_t)g->n[c]);
			sqlite3_bind_int64(s, 9 + 2 * (c - 1), (int64_t)g->b[c]);
		}
		sqlite3_bind_int64(s, 14, (int64_t)g->peak_bytes);
		sqlite3_bind_int(s, 15, g->runtime);
		sqlite3_bind_int64(s, 16, (int64_t)g->n[ML_LEAK_POSSIBLE]);
		sqlite3_bind_int64(s, 17, (int64_t)g->b[ML_LEAK_POSSIBLE]);
		rc = db_step(db, s, err, errlen);
	}
	sqlite3_finalize(s);
	if (rc < 0)
		return -1;
	/* Name each site by the frame sitename.h's rule picks. */
	return sitename_update_sites(db, pid, rules, err, errlen);
}
