/*
 * checklist.c - see checklist.h. Each item says pass, fail or n/a, with
 * a detail a person can act on and evidence rows (thread, descriptor,
 * site or metric, with a stack where there is one).
 *
 * The program's own snapshots are the phases; without them the checks
 * that need phases fall back to the tracer's start/exit snapshots or say
 * n/a.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/memstats.h"
#include "ingest/checklist.h"
#include "ingest/db.h"
#include "ingest/derive.h"

struct item {
	sqlite3 *db;
	int64_t pid;
	const char *name;
	sqlite3_stmt *ev;
	int nev;
	char *err;
	size_t errlen;
	int failed;   /* a database error */
};

static void evidence(struct item *it, int64_t stack_id, int64_t value, const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	sqlite3_bind_int64(it->ev, 1, it->pid);
	sqlite3_bind_text(it->ev, 2, it->name, -1, SQLITE_STATIC);
	sqlite3_bind_int(it->ev, 3, it->nev++);
	sqlite3_bind_text(it->ev, 4, text, -1, SQLITE_TRANSIENT);
	db_bind_opt(it->ev, 5, stack_id > 0 ? stack_id : -1);
	sqlite3_bind_int64(it->ev, 6, value);
	if (db_step(it->db, it->ev, it->err, it->errlen) < 0)
		it->failed = 1;
}

static int verdict(struct item *it, const char *status, const char *fmt, ...)
{
	char text[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	sqlite3_stmt *s = db_prepare(it->db, "INSERT OR REPLACE INTO checklist(process_id, item, status, detail)"
	                                     " VALUES (?,?,?,?)", it->err, it->errlen);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, it->pid);
	sqlite3_bind_text(s, 2, it->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, text, -1, SQLITE_TRANSIENT);
	int rc = db_step(it->db, s, it->err, it->errlen);
	sqlite3_finalize(s);
	return rc < 0 || it->failed ? -1 : 0;
}

static const char *col(sqlite3_stmt *s, int i, const char *def)
{
	const char *t = (const char *)sqlite3_column_text(s, i);
	return t ? t : def;
}

/* "function (file:line)" of a stack, the first frame outside the runtime. */
static void where(sqlite3 *db, int64_t stack_id, char *out, size_t n)
{
	snprintf(out, n, "an unknown place");
	if (stack_id <= 0)
		return;
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(db, "SELECT f.function, f.file, f.line, f.module, f.offset FROM stacks st"
	                           " JOIN frames f ON f.id = st.frame_id WHERE st.stack_id = ?"
	                           " ORDER BY f.runtime, st.depth LIMIT 1", -1, &s, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(s, 1, stack_id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		const char *fn = col(s, 0, NULL), *file = col(s, 1, NULL);
		if (fn && file)
			snprintf(out, n, "%s (%s:%d)", fn, file, sqlite3_column_int(s, 2));
		else if (fn)
			snprintf(out, n, "%s (%s)", fn, col(s, 3, "?"));
		else
			snprintf(out, n, "%s+0x%llx", col(s, 3, "?"), (unsigned long long)sqlite3_column_int64(s, 4));
	}
	sqlite3_finalize(s);
}

static void human(char *out, size_t n, int64_t bytes)
{
	ml_fmt_bytes(out, n, bytes);
}

/* ---------------------------------------------------------------- threads */

static int threads_check(struct item *it, const char *state, const char *what, const char *fail_fmt,
                         const char *pass_text)
{
	sqlite3_stmt *s = db_prepare(it->db, "SELECT tid, start_function, stack_id, start_ns, end_ns FROM threads"
	                                     " WHERE process_id = ? AND state_at_exit = ? ORDER BY start_ns",
	                             it->err, it->errlen);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, it->pid);
	sqlite3_bind_text(s, 2, state, -1, SQLITE_STATIC);
	int n = 0;
	char w[512];
	while (sqlite3_step(s) == SQLITE_ROW) {
		int64_t stack = sqlite3_column_int64(s, 2);
		where(it->db, stack, w, sizeof w);
		if (n < 200)
			evidence(it, stack, sqlite3_column_int64(s, 0),
			         "thread %lld (%s) %s, created at %s", (long long)sqlite3_column_int64(s, 0),
			         col(s, 1, "an unknown function"), what, w);
		n++;
	}
	sqlite3_finalize(s);
	if (n)
		return verdict(it, "fail", fail_fmt, n, n == 1 ? "" : "s", n == 1 ? "was" : "were");
	return verdict(it, "pass", "%s", pass_text);
}

/* ---------------------------------------------------------------- resources */

static int open_resources(struct item *it, const char *kinds_sql, const char *noun, const char *fix)
{
	char sql[512];
	snprintf(sql, sizeof sql, "SELECT kind, handle, stack_id, origin, open_ns FROM resources"
	                          " WHERE process_id = ? AND close_ns IS NULL AND kind IN (%s)"
	                          " AND origin != 'inherited' ORDER BY open_ns", kinds_sql);
	sqlite3_stmt *s = db_prepare(it->db, sql, it->err, it->errlen);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, it->pid);
	int n = 0;
	char w[512];
	while (sqlite3_step(s) == SQLITE_ROW) {
		int64_t stack = sqlite3_column_int64(s, 2);
		where(it->db, stack, w, sizeof w);
		const char *kind = col(s, 0, "?");
		if (n < 200) {
			if (!strcmp(kind, "posix_timer"))
				evidence(it, stack, sqlite3_column_int64(s, 1), "POSIX timer %lld never deleted, created by %s at %s",
				         (long long)sqlite3_column_int64(s, 1), col(s, 3, "?"), w);
			else
				evidence(it, stack, sqlite3_column_int64(s, 1), "%s fd %lld still open at exit, opened by %s at %s",
				         kind, (long long)sqlite3_column_int64(s, 1), col(s, 3, "?"), w);
		}
		n++;
	}
	sqlite3_finalize(s);
	if (n)
		return verdict(it, "fail", "%d %s%s still open at exit. %s", n, noun, n == 1 ? "" : "s", fix);
	return verdict(it, "pass", "Every %s opened during the run was closed.", noun);
}

/* ---------------------------------------------------------------- phases */

struct phase {
	int64_t seq, ns;
	char label[64];
	int64_t alloc, objs;
};

/* The program's own snapshots; with fewer than two, start and exit too. */
static int load_phases(sqlite3 *db, int64_t pid, int own_only, struct phase *ph, int max)
{
	char sql[400];
	snprintf(sql, sizeof sql, "SELECT seq, ts_ns, label, alloc, heap_objects FROM snapshots"
	                          " WHERE process_id = ? AND kind %s ORDER BY ts_ns, seq",
	         own_only ? "= 'user'" : "!= 'sample'");
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(s, 1, pid);
	int n = 0;
	while (n < max && sqlite3_step(s) == SQLITE_ROW) {
		ph[n].seq = sqlite3_column_int64(s, 0);
		ph[n].ns = sqlite3_column_int64(s, 1);
		snprintf(ph[n].label, sizeof ph[n].label, "%s", col(s, 2, "?"));
		ph[n].alloc = sqlite3_column_int64(s, 3);
		ph[n].objs = sqlite3_column_int64(s, 4);
		n++;
	}
	sqlite3_finalize(s);
	return n;
}

#define MAX_PH 256

static int containers_check(struct item *it)
{
	struct phase ph[MAX_PH];
	int n = load_phases(it->db, it->pid, 1, ph, MAX_PH);
	int own = n >= 2;
	if (!own) {
		/* no phases of its own: the periodic samples chosen at ingest */
		sqlite3_stmt *q = db_prepare(it->db, "SELECT DISTINCT ss.snapshot_seq, s.ts_ns, s.label FROM site_snapshots ss"
		                                     " JOIN snapshots s ON s.process_id = ss.process_id AND s.seq = ss.snapshot_seq"
		                                     " WHERE ss.process_id = ? ORDER BY s.ts_ns", it->err, it->errlen);
		if (!q)
			return -1;
		sqlite3_bind_int64(q, 1, it->pid);
		n = 0;
		while (n < MAX_PH && sqlite3_step(q) == SQLITE_ROW) {
			ph[n].seq = sqlite3_column_int64(q, 0);
			ph[n].ns = sqlite3_column_int64(q, 1);
			snprintf(ph[n].label, sizeof ph[n].label, "%s", col(q, 2, "?"));
			n++;
		}
		sqlite3_finalize(q);
	}
	if (n < 2)
		return verdict(it, "n/a", "Needs at least two snapshots to compare; the program took %d.", n);

	/* live bytes of each site at each phase; a site fails when they never
	 * went down from one phase to the next, went up overall, and the
	 * site still holds memory at exit. */
	sqlite3_stmt *sites = db_prepare(it->db, "SELECT stack_id, live_bytes, live_allocs FROM sites WHERE process_id = ?"
	                                         " AND runtime = 0 AND live_bytes > 0 AND stack_id > 0 ORDER BY live_bytes DESC",
	                                 it->err, it->errlen);
	sqlite3_stmt *at = db_prepare(it->db, "SELECT live_bytes FROM site_snapshots WHERE process_id = ?"
	                                      " AND snapshot_seq = ? AND stack_id = ?", it->err, it->errlen);
	if (!sites || !at) {
		sqlite3_finalize(sites);
		sqlite3_finalize(at);
		return -1;
	}
	sqlite3_bind_int64(sites, 1, it->pid);
	int fails = 0;
	int64_t grown = 0;
	char w[512], path[512], b1[32];
	while (sqlite3_step(sites) == SQLITE_ROW) {
		int64_t stack = sqlite3_column_int64(sites, 0), at_exit = sqlite3_column_int64(sites, 1);
		int64_t v[MAX_PH];
		for (int k = 0; k < n; k++) {
			sqlite3_bind_int64(at, 1, it->pid);
			sqlite3_bind_int64(at, 2, ph[k].seq);
			sqlite3_bind_int64(at, 3, stack);
			v[k] = sqlite3_step(at) == SQLITE_ROW ? sqlite3_column_int64(at, 0) : 0;
			sqlite3_reset(at);
		}
		int monotone = 1;
		for (int k = 1; k < n; k++)
			monotone &= v[k] >= v[k - 1];
		if (!monotone || v[n - 1] <= v[0])
			continue;
		fails++;
		grown += v[n - 1] - v[0];
		if (fails <= 50) {
			size_t off = 0;
			path[0] = 0;
			for (int k = 0; k < n && off + 48 < sizeof path; k++) {
				human(b1, sizeof b1, v[k]);
				off += (size_t)snprintf(path + off, sizeof path - off, "%s%s %s",
				                        k ? " -> " : "", ph[k].label, b1);
			}
			human(b1, sizeof b1, at_exit);
			where(it->db, stack, w, sizeof w);
			evidence(it, stack, v[n - 1] - v[0], "%s grew: %s; %s still held at exit", w, path, b1);
		}
	}
	sqlite3_finalize(sites);
	sqlite3_finalize(at);
	if (fails) {
		human(b1, sizeof b1, grown);
		return verdict(it, "fail", "%d allocation site%s grew across %s and still hold memory at exit (%s more"
		               " than at %s). A map, list or cache there is filled and never cleared.",
		               fails, fails == 1 ? "" : "s", own ? "the program's snapshots" : "the run",
		               b1, ph[0].label);
	}
	return verdict(it, "pass", "No allocation site kept growing across %s.",
	               own ? "the program's snapshots" : "the run");
}

static int settle_check(struct item *it, const struct trace_meta *m, const struct gsite *sites, size_t nsites,
                        int64_t lo, int64_t hi)
{
	if (lo < 0)
		return verdict(it, "n/a", "The program took no snapshots of its own, so there is no last snapshot to"
		               " check against. Call memledger_snapshot(\"AFTER CLEANUP\") when it should be settled.");
	uint64_t frees = 0, bytes = 0;
	for (size_t i = 0; i < nsites; i++) {
		frees += sites[i].settle_frees;
		bytes += sites[i].settle_bytes;
	}
	(void)m;
	sqlite3_stmt *s = db_prepare(it->db, "SELECT tid, start_function, end_ns FROM threads WHERE process_id = ?"
	                                     " AND end_ns > ? AND end_ns < ? ORDER BY end_ns", it->err, it->errlen);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, it->pid);
	sqlite3_bind_int64(s, 2, lo);
	sqlite3_bind_int64(s, 3, hi);
	int threads = 0;
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (threads < 100)
			evidence(it, 0, sqlite3_column_int64(s, 0), "thread %lld (%s) ended %.3f ms after the last snapshot",
			         (long long)sqlite3_column_int64(s, 0), col(s, 1, "?"),
			         (double)(sqlite3_column_int64(s, 2) - lo) / 1e6);
		threads++;
	}
	sqlite3_finalize(s);
	char w[512], b[32];
	int shown = 0;
	for (size_t i = 0; i < nsites && shown < 50; i++) {
		if (!sites[i].settle_frees)
			continue;
		where(it->db, sites[i].stack_id, w, sizeof w);
		human(b, sizeof b, (int64_t)sites[i].settle_bytes);
		evidence(it, sites[i].stack_id, (int64_t)sites[i].settle_frees,
		         "%" PRIu64 " block%s (%s) from %s freed after the last snapshot",
		         sites[i].settle_frees, sites[i].settle_frees == 1 ? "" : "s", b, w);
		shown++;
	}
	if (frees || threads) {
		human(b, sizeof b, (int64_t)bytes);
		return verdict(it, "fail", "After the program's last snapshot, %" PRIu64 " block%s (%s) were freed and"
		               " %d thread%s ended before exit began: the snapshot was taken too early. Wait for"
		               " the threads (join them) and finish the clean-up before taking it.",
		               frees, frees == 1 ? "" : "s", b, threads, threads == 1 ? "" : "s");
	}
	return verdict(it, "pass", "Nothing was freed and no thread ended between the last snapshot and exit.");
}

static int globals_check(struct item *it, const struct trace_meta *m)
{
	if (!m->have_exit_scan)
		return verdict(it, "n/a", "No reachability scan ran at exit (the process %s), so references"
		               " cannot be classified.", m->have_end ? "ended by a signal" : "did not exit normally");
	sqlite3_stmt *s = db_prepare(it->db, "SELECT stack_id, reachable_allocs, reachable_bytes FROM sites"
	                                     " WHERE process_id = ? AND runtime = 0 AND reachable_allocs > 0"
	                                     " ORDER BY reachable_bytes DESC", it->err, it->errlen);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, it->pid);
	int n = 0;
	int64_t blocks = 0, bytes = 0;
	char w[512], b[32];
	while (sqlite3_step(s) == SQLITE_ROW) {
		int64_t stack = sqlite3_column_int64(s, 0);
		blocks += sqlite3_column_int64(s, 1);
		bytes += sqlite3_column_int64(s, 2);
		if (n < 50) {
			where(it->db, stack, w, sizeof w);
			human(b, sizeof b, sqlite3_column_int64(s, 2));
			evidence(it, stack, sqlite3_column_int64(s, 2), "%lld block%s (%s) from %s still reachable at exit",
			         (long long)sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 1) == 1 ? "" : "s", b, w);
		}
		n++;
	}
	sqlite3_finalize(s);
	if (n) {
		human(b, sizeof b, bytes);
		return verdict(it, "fail", "%lld block%s (%s) from %d site%s were still referenced at exit from globals,"
		               " thread stacks or TLS. Clear those references (and free the blocks) during clean-up.",
		               (long long)blocks, blocks == 1 ? "" : "s", b, n, n == 1 ? "" : "s");
	}
	return verdict(it, "pass", "No block of the program's was still referenced from globals, stacks or TLS at exit.");
}

/* a - b, held at the int64_t range: a damaged trace's Alloc may be near
 * -2^63 (more bytes freed than allocated), and the difference must not
 * overflow. */
static int64_t sat_sub(int64_t a, int64_t b)
{
	int64_t d;
	if (__builtin_sub_overflow(a, b, &d))
		return b < 0 ? INT64_MAX : INT64_MIN;
	return d;
}

static int baseline_check(struct item *it)
{
	struct phase ph[MAX_PH];
	int n = load_phases(it->db, it->pid, 1, ph, MAX_PH);
	const char *which = "the program's first and last snapshots";
	if (n < 2) {
		n = load_phases(it->db, it->pid, 0, ph, MAX_PH);
		which = "the start and exit snapshots";
	}
	if (n < 2)
		return verdict(it, "n/a", "Needs two snapshots to compare.");
	struct phase *a = &ph[0], *z = &ph[n - 1];
	char b1[32], b2[32], bd[32], br[32];
	human(b1, sizeof b1, a->alloc);
	human(b2, sizeof b2, z->alloc);
	human(bd, sizeof bd, sat_sub(z->alloc, a->alloc));
	evidence(it, 0, sat_sub(z->alloc, a->alloc), "Alloc: %s %s -> %s %s (%s%s)", a->label, b1, z->label, b2,
	         z->alloc >= a->alloc ? "+" : "", bd);
	evidence(it, 0, sat_sub(z->objs, a->objs), "HeapObjects: %s %lld -> %s %lld (%+lld)", a->label,
	         (long long)a->objs, z->label, (long long)z->objs, (long long)sat_sub(z->objs, a->objs));
	/* What the C/C++ runtime allocated for itself in between (a stdio
	 * buffer on first use, a thread's TLS, locale data) is not the
	 * program's and does not count. */
	int64_t rb = 0, rn = 0;
	sqlite3_stmt *s = db_prepare(it->db, "SELECT sum(CASE ss.snapshot_seq WHEN ?2 THEN ss.live_bytes ELSE -ss.live_bytes END),"
	                                     " sum(CASE ss.snapshot_seq WHEN ?2 THEN ss.live_allocs ELSE -ss.live_allocs END)"
	                                     " FROM site_snapshots ss JOIN sites st ON st.process_id = ss.process_id"
	                                     " AND st.stack_id = ss.stack_id WHERE ss.process_id = ?1 AND st.runtime = 1"
	                                     " AND ss.snapshot_seq IN (?2, ?3)", it->err, it->errlen);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, it->pid);
	sqlite3_bind_int64(s, 2, z->seq);
	sqlite3_bind_int64(s, 3, a->seq);
	if (sqlite3_step(s) == SQLITE_ROW) {
		rb = sqlite3_column_int64(s, 0);
		rn = sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	if (rb || rn) {
		human(br, sizeof br, rb);
		evidence(it, 0, rb, "of which the C/C++ runtime's own caches: %s%s in %+lld block%s, not counted",
		         rb >= 0 ? "+" : "", br, (long long)rn, rn == 1 || rn == -1 ? "" : "s");
	}
	int64_t dalloc = sat_sub(sat_sub(z->alloc, a->alloc), rb), dobjs = sat_sub(sat_sub(z->objs, a->objs), rn);
	human(bd, sizeof bd, dalloc);
	if (dalloc > 0 || dobjs > 0)
		return verdict(it, "fail", "Memory did not come back to baseline between %s: Alloc is %s higher and"
		               " HeapObjects %lld higher at %s than at %s%s. See the leaks and the sites that grew.",
		               which, bd, (long long)dobjs, z->label, a->label,
		               rb || rn ? ", not counting the runtime's own caches" : "");
	return verdict(it, "pass", "Alloc and HeapObjects at %s are back at (or below) their values at %s%s.",
	               z->label, a->label, rb || rn ? ", not counting the runtime's own caches" : "");
}

/* ---------------------------------------------------------------- all */

void checklist_settle_window(const struct trace_meta *m, int64_t *lo, int64_t *hi)
{
	*lo = -1;
	for (size_t i = 0; i < m->nsnaps; i++)
		if (m->snaps[i].kind == ML_SNAP_USER && m->snaps[i].ns > *lo)
			*lo = m->snaps[i].ns;
	*hi = derive_exit_begin_ns(m);
}

int checklist_run(sqlite3 *db, const struct trace_meta *m, int64_t pid, const struct gsite *sites,
                  size_t nsites, int64_t settle_lo, int64_t settle_hi, char *err, size_t errlen)
{
	struct item it = { .db = db, .pid = pid, .err = err, .errlen = errlen };
	it.ev = db_prepare(db, "INSERT INTO checklist_evidence(process_id, item, seq, text, stack_id, value)"
	                       " VALUES (?,?,?,?,?,?)", err, errlen);
	if (!it.ev)
		return -1;
	int rc = -1;
#define ITEM(n) (it.name = (n), it.nev = 0)
	ITEM("threads_stopped");
	if (threads_check(&it, "running", "still running at exit",
	                  "%d thread%s %s still running at exit. Tell them to stop and join them before the"
	                  " program ends.",
	                  "Every thread the program started had stopped by exit.") < 0)
		goto out;
	ITEM("threads_joined");
	if (threads_check(&it, "exited-unjoined", "ended without being joined",
	                  "%d thread%s ended but %s never joined or detached: their stacks and results stay"
	                  " allocated. Call pthread_join (or pthread_detach).",
	                  "Every thread that ended was joined or detached.") < 0)
		goto out;
	ITEM("timers_stopped");
	if (open_resources(&it, "'timerfd','posix_timer'", "timer",
	                   "Close timerfds and timer_delete() POSIX timers when the work they drive stops.") < 0)
		goto out;
	ITEM("containers_cleared");
	if (containers_check(&it) < 0)
		goto out;
	ITEM("channels_closed");
	if (open_resources(&it, "'pipe','socket','eventfd'", "channel",
	                   "Close both ends of pipes and socketpairs, sockets and eventfds once done.") < 0)
		goto out;
	ITEM("settle_time");
	if (settle_check(&it, m, sites, nsites, settle_lo, settle_hi) < 0)
		goto out;
	ITEM("gc_repeated");
	if (verdict(&it, "n/a", "C and C++ have no garbage collector, so there is nothing to run again; memory is"
	            " back when it is freed. The program called malloc_trim %" PRIu64 " time%s.",
	            m->trims, m->trims == 1 ? "" : "s") < 0)
		goto out;
	ITEM("global_references");
	if (globals_check(&it, m) < 0)
		goto out;
	ITEM("baseline_returned");
	if (baseline_check(&it) < 0)
		goto out;
	rc = 0;
out:
	sqlite3_finalize(it.ev);
	return rc;
}
