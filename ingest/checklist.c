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

#include "common/units.h"
#include "format/memstats.h"
#include "ingest/checklist.h"
#include "ingest/db.h"
#include "ingest/derive.h"
#include "ingest/sitename.h"
#include "ingest/verdicts.h"

struct item {
	sqlite3 *db;
	int64_t pid;
	const char *name;
	sqlite3_stmt *ev;
	int nev;
	char *err;
	size_t errlen;
	int failed;   /* a database error */
	const struct sitename_rules *rules;
	sqlite3_stmt *where_stmt;
};

static void evidence(struct item *it, int64_t stack_id, int64_t value, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (verdicts_evidence_v(it->db, it->ev, it->pid, it->name, it->nev++, stack_id, value, it->err,
	                        it->errlen, fmt, ap) < 0)
		it->failed = 1;
	va_end(ap);
}

static int verdict(struct item *it, const char *status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = verdicts_item_v(it->db, NULL, it->pid, it->name, status, 2048, it->err, it->errlen, fmt, ap);
	va_end(ap);
	return rc < 0 || it->failed ? -1 : 0;
}

static const char *col(sqlite3_stmt *s, int i, const char *def)
{
	const char *t = (const char *)sqlite3_column_text(s, i);
	return t ? t : def;
}

/* Where a stack comes from: the frame sitename.h's rule picks. */
static void where_at(struct item *it, int64_t stack_id, char *out, size_t n)
{
	sitename_where(it->db, &it->where_stmt, it->rules, stack_id, out, n);
}

void checklist_where(sqlite3 *db, int64_t stack_id, char *out, size_t n)
{
	sqlite3_stmt *stmt = NULL;

	sitename_where(db, &stmt, NULL, stack_id, out, n);
	sqlite3_finalize(stmt);
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
		where_at(it, stack, w, sizeof w);
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
		where_at(it, stack, w, sizeof w);
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

/*
 * "START 0 B -> AFTER RUN 1.20 KiB -> AFTER CLEANUP 1.20 KiB": a site's live
 * bytes at each phase. When the phases are periodic samples (or many), only
 * the first, the last and those where the value changed are named, samples
 * by their time, at most six in all: a program without snapshots of its own
 * would otherwise repeat "sample 0 B" dozens of times.
 */
static void growth_path(const struct phase *ph, const int64_t *v, int n, int compact, char *out,
                        size_t cap)
{
	int keep[MAX_PH], nk = 0, k;
	size_t off = 0;
	char b[32], t[UNITS_BUF];

	for (k = 0; k < n; k++)
		if (!compact || k == 0 || k == n - 1 || v[k] != v[k - 1])
			keep[nk++] = k;
	out[0] = 0;
	for (int i = 0; i < nk && off + 64 < cap; i++) {
		const struct phase *p = &ph[keep[i]];

		if (compact && nk > 6 && i == 2) {
			off += (size_t)snprintf(out + off, cap - off, " -> (%d more changes)", nk - 5);
			i = nk - 4;
			continue;
		}
		human(b, sizeof b, v[keep[i]]);
		if (!strcmp(p->label, "sample"))
			off += (size_t)snprintf(out + off, cap - off, "%s%s at %s", i ? " -> " : "", b,
			                        units_duration(t, sizeof t, (double)p->ns));
		else
			off += (size_t)snprintf(out + off, cap - off, "%s%s %s", i ? " -> " : "", p->label, b);
	}
}

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
			growth_path(ph, v, n, !own || n > 6, path, sizeof path);
			human(b1, sizeof b1, at_exit);
			where_at(it, stack, w, sizeof w);
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
		where_at(it, sites[i].stack_id, w, sizeof w);
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
			where_at(it, stack, w, sizeof w);
			human(b, sizeof b, sqlite3_column_int64(s, 2));
			evidence(it, stack, sqlite3_column_int64(s, 2), "%lld block%s (%s) from %s still reachable at exit",
			         (long long)sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 1) == 1 ? "" : "s", b, w);
		}
		n++;
	}
	sqlite3_finalize(s);
	/* Blocks reached only through pointers into their middle are not
	 * counted here: whether those are references is not known (valgrind's
	 * "possibly lost"). Say how many, and where they are listed. */
	char poss[200] = "";
	int64_t pb = 0, pn = 0;
	s = db_prepare(it->db, "SELECT sum(possible_allocs), sum(possible_bytes) FROM sites"
	                       " WHERE process_id = ? AND runtime = 0", it->err, it->errlen);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, it->pid);
	if (sqlite3_step(s) == SQLITE_ROW) {
		pn = sqlite3_column_int64(s, 0);
		pb = sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	if (pn > 0) {
		char pbs[32];
		human(pbs, sizeof pbs, pb);
		snprintf(poss, sizeof poss, " Not counted: %lld block%s (%s) reached only through pointers into"
		         " their middle, possibly lost; see Leaks.", (long long)pn, pn == 1 ? "" : "s", pbs);
	}
	if (n) {
		human(b, sizeof b, bytes);
		return verdict(it, "fail", "%lld block%s (%s) from %d site%s were still referenced at exit from globals,"
		               " thread stacks or TLS. Clear those references (and free the blocks) during clean-up.%s",
		               (long long)blocks, blocks == 1 ? "" : "s", b, n, n == 1 ? "" : "s", poss);
	}
	return verdict(it, "pass", "No block of the program's was still referenced from globals, stacks or TLS at exit.%s",
	               poss);
}

/* ---------------------------------------------------------------- all */

void checklist_settle_window(const struct trace_meta *m, int64_t *lo, int64_t *hi)
{
	*lo = -1;
	/* The program's own: one taken from outside (flag 4) says nothing
	 * about whether the program snapshotted too early. */
	for (size_t i = 0; i < m->nsnaps; i++)
		if (m->snaps[i].kind == ML_SNAP_USER && !(m->snaps[i].flags & 4) && m->snaps[i].ns > *lo)
			*lo = m->snaps[i].ns;
	*hi = derive_exit_begin_ns(m);
}

/* The program's allocator calls never reached the hooks: an item that
 * judges allocations has nothing to judge. */
static int bypassed_check(struct item *it, const struct trace_meta *m)
{
	return verdict(it, "n/a", "The program calls the malloc of %s, not memledger's, so its allocations"
	               " were not recorded and cannot be judged.", m->alloc_calls ? m->alloc_calls : "another module");
}

int checklist_run(sqlite3 *db, const struct trace_meta *m, int64_t pid, const struct gsite *sites,
                  size_t nsites, int64_t settle_lo, int64_t settle_hi, const struct sitename_rules *rules,
                  char *err, size_t errlen)
{
	struct item it = { .db = db, .pid = pid, .err = err, .errlen = errlen, .rules = rules };
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
	int blind = (m->alloc_flags & ML_ALLOC_BYPASSED) != 0;
	ITEM("containers_cleared");
	if ((blind ? bypassed_check(&it, m) : containers_check(&it)) < 0)
		goto out;
	ITEM("channels_closed");
	if (open_resources(&it, "'pipe','socket','eventfd'", "channel",
	                   "Close both ends of pipes and socketpairs, sockets and eventfds once done.") < 0)
		goto out;
	ITEM("settle_time");
	if ((blind ? bypassed_check(&it, m) : settle_check(&it, m, sites, nsites, settle_lo, settle_hi)) < 0)
		goto out;
	ITEM("gc_repeated");
	if (verdict(&it, "n/a", "C and C++ have no garbage collector, so there is nothing to run again; memory is"
	            " back when it is freed. The program called malloc_trim %" PRIu64 " time%s.",
	            m->trims, m->trims == 1 ? "" : "s") < 0)
		goto out;
	ITEM("global_references");
	if ((blind ? bypassed_check(&it, m) : globals_check(&it, m)) < 0)
		goto out;
	/* baseline_returned: the baseline rule is verdicts.c's, with every
	 * other verdict that depends on it (a bypassed allocator included) */
	if (verdicts_run(db, pid, err, errlen) < 0)
		goto out;
	rc = 0;
out:
	sqlite3_finalize(it.ev);
	sqlite3_finalize(it.where_stmt);
	return rc;
}
