/*
 * verdicts.c - see verdicts.h. The texts use the report's units
 * (common/units.h) so that a figure reads the same in a verdict and in
 * the tables beside it.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/units.h"
#include "ingest/db.h"
#include "ingest/go_checklist.h"
#include "ingest/verdicts.h"

/* ingest/schema.sql, built in (tests/embed.sh) */
extern const char embedded_ingest_schema_sql[];

const char *const verdicts_metrics[] = {
	"alloc", "totalalloc", "sys", "heapinuse", "heapidle", "stackinuse", "heapobjects",
	"mallocs", "frees", "live", "numgc", "gccpufraction", NULL,
};

enum { M_ALLOC, M_TOTALALLOC, M_SYS, M_HEAPINUSE, M_HEAPIDLE, M_STACKINUSE, M_HEAPOBJECTS,
       M_MALLOCS, M_FREES, M_LIVE, M_NUMGC, M_GCCPUFRACTION, M_COUNT };

static const char *const metric_names[M_COUNT] = {
	"Alloc", "TotalAlloc", "Sys", "HeapInuse", "HeapIdle", "StackInuse", "HeapObjects",
	"Mallocs", "Frees", "Live", "NumGC", "GCCPUFraction",
};

/* Snapshot columns, in the order they are read. */
enum { C_ALLOC, C_TOTAL_ALLOC, C_SYS, C_HEAP_INUSE, C_HEAP_IDLE, C_STACK_INUSE, C_HEAP_OBJECTS,
       C_MALLOCS, C_FREES, C_LIVE, C_NUM_GC, C_GC_CPU_FRACTION, C_ALLOC_CPU_FRACTION, C_THREADS,
       C_RSS, C_TRIM_CALLS, C_CPU_NS, C_ALLOC_CPU_NS, C_KEEPCOST, C_COUNT };

enum snap_kind { K_START, K_EXIT, K_SAMPLE, K_USER };

struct snap {
	int64_t seq;
	double ts;
	int kind;
	char label[128];
	double v[C_COUNT];
};

/* One verdict being written. */
struct verdict {
	const char *status; /* "pass", "fail", "n/a" */
	int judged;
	const char *see;    /* "leaks", "threads" or NULL */
	char text[1536];
};

struct ctx {
	sqlite3 *db;
	int64_t pid;
	int is_go;
	int bypassed;          /* the program's malloc is not the one we hooked */
	char allocator[256];   /* whose malloc it calls, when bypassed */
	struct snap *snaps;
	size_t nsnaps;
	size_t *key; /* indices into snaps: the non-sample ones, in order */
	size_t nkey, b, f;
	/* the baseline rule's results */
	double rt_bytes, rt_objs; /* the runtime's own caches, F - B */
	double tol_bytes, tol_objs;
	const char *alloc_status, *objs_status;
	char *err;
	size_t errlen;
};

static void say(struct verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(struct verdict *v, const char *fmt, ...)
{
	size_t len = strlen(v->text);
	va_list ap;

	if (len + 1 >= sizeof v->text)
		return;
	va_start(ap, fmt);
	vsnprintf(v->text + len, sizeof v->text - len, fmt, ap);
	va_end(ap);
}

static const struct snap *B(const struct ctx *c)
{
	return &c->snaps[c->key[c->b]];
}

static const struct snap *F(const struct ctx *c)
{
	return &c->snaps[c->key[c->f]];
}

static double value(const struct ctx *c, const struct snap *s, int m)
{
	static const int col[M_COUNT] = {
		C_ALLOC, C_TOTAL_ALLOC, C_SYS, C_HEAP_INUSE, C_HEAP_IDLE, C_STACK_INUSE,
		C_HEAP_OBJECTS, C_MALLOCS, C_FREES, C_LIVE, C_NUM_GC, C_GC_CPU_FRACTION,
	};

	if (m == M_NUMGC && !(c->is_go && !isnan(s->v[C_NUM_GC])))
		return s->v[C_TRIM_CALLS];
	if (m == M_GCCPUFRACTION && !(c->is_go && !isnan(s->v[C_GC_CPU_FRACTION])))
		return s->v[C_ALLOC_CPU_FRACTION];
	return s->v[col[m]];
}

static int is_bytes(int m)
{
	return m == M_ALLOC || m == M_TOTALALLOC || m == M_SYS || m == M_HEAPINUSE ||
	       m == M_HEAPIDLE || m == M_STACKINUSE;
}

static char *fmt(char *dst, size_t cap, int m, double v)
{
	if (m == M_GCCPUFRACTION)
		return units_percent(dst, cap, v);
	return is_bytes(m) ? units_bytes(dst, cap, v) : units_count(dst, cap, v);
}

static char *fmt_delta(char *dst, size_t cap, int m, double d)
{
	return is_bytes(m) ? units_bytes_delta(dst, cap, d) : units_count_delta(dst, cap, d);
}

/* ---------------------------------------------------------------- loading */

static double col_num(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? NAN : sqlite3_column_double(s, i);
}

static int load(struct ctx *c)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;
	const char *rt;

	s = db_prepare(c->db, "SELECT runtime, hooks_bypassed, allocator FROM processes WHERE id = ?", c->err,
	               c->errlen);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, c->pid);
	if (sqlite3_step(s) == SQLITE_ROW) {
		const char *who = (const char *)sqlite3_column_text(s, 2);

		rt = (const char *)sqlite3_column_text(s, 0);
		c->is_go = rt && !strcmp(rt, "go");
		c->bypassed = sqlite3_column_int(s, 1) == 1;
		snprintf(c->allocator, sizeof c->allocator, "%s", who ? who : "another module");
	}
	sqlite3_finalize(s);

	s = db_prepare(c->db, "SELECT seq, ts_ns, kind, label, alloc, total_alloc, sys, heap_inuse, heap_idle,"
	                      " stack_inuse, heap_objects, mallocs, frees, live, num_gc, gc_cpu_fraction,"
	                      " alloc_cpu_fraction, threads, rss, trim_calls, cpu_ns, alloc_cpu_ns, keepcost"
	                      " FROM snapshots WHERE process_id = ? ORDER BY seq", c->err, c->errlen);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, c->pid);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct snap *sn;
		const char *kind = (const char *)sqlite3_column_text(s, 2);
		const char *label = (const char *)sqlite3_column_text(s, 3);

		if (c->nsnaps == cap) {
			struct snap *n = realloc(c->snaps, (cap = cap ? 2 * cap : 64) * sizeof *n);

			if (!n)
				goto out_oom;
			c->snaps = n;
		}
		sn = &c->snaps[c->nsnaps++];
		sn->seq = sqlite3_column_int64(s, 0);
		sn->ts = col_num(s, 1);
		sn->kind = !kind ? K_USER : !strcmp(kind, "start") ? K_START : !strcmp(kind, "exit") ? K_EXIT
		           : !strcmp(kind, "sample") ? K_SAMPLE : K_USER;
		snprintf(sn->label, sizeof sn->label, "%s", label ? label : "?");
		for (int k = 0; k < C_COUNT; k++)
			sn->v[k] = col_num(s, 4 + k);
		if (isnan(sn->v[C_LIVE]) && !isnan(sn->v[C_MALLOCS]) && !isnan(sn->v[C_FREES]))
			sn->v[C_LIVE] = sn->v[C_MALLOCS] - sn->v[C_FREES];
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		snprintf(c->err, c->errlen, "snapshots: %s", sqlite3_errmsg(c->db));
		return -1;
	}
	return 0;
out_oom:
	sqlite3_finalize(s);
	return err_oom(c->err, c->errlen);
}

/*
 * The snapshots the page's tables show (every one but the periodic
 * samples; the last sample stands in for a missing exit) and, among them,
 * the baseline and the final one.
 */
static int choose(struct ctx *c)
{
	size_t i, n = 0, nuser = 0, first_user = SIZE_MAX, last_user = 0, start = SIZE_MAX;
	int has_exit = 0;

	if (!(c->key = malloc((c->nsnaps + 1) * sizeof *c->key))) {
		return err_oom(c->err, c->errlen);
	}
	for (i = 0; i < c->nsnaps; i++) {
		if (c->snaps[i].kind != K_SAMPLE)
			c->key[n++] = i;
		has_exit |= c->snaps[i].kind == K_EXIT;
	}
	if (!has_exit && c->nsnaps && c->snaps[c->nsnaps - 1].kind == K_SAMPLE) {
		snprintf(c->snaps[c->nsnaps - 1].label, sizeof c->snaps[0].label, "last sample");
		c->key[n++] = c->nsnaps - 1;
	}
	for (i = 0; i < n; i++) {
		int k = c->snaps[c->key[i]].kind;

		if (k == K_USER) {
			if (first_user == SIZE_MAX)
				first_user = i;
			last_user = i;
			nuser++;
		} else if (k == K_START && start == SIZE_MAX) {
			start = i;
		}
	}
	c->nkey = n;
	if (nuser >= 2) {
		c->b = first_user;
		c->f = last_user;
	} else if (nuser == 1) {
		c->b = start != SIZE_MAX && start < first_user ? start : 0;
		c->f = first_user;
	} else {
		c->b = 0;
		c->f = n ? n - 1 : 0;
	}
	return 0;
}

/* What the runtime's own sites (sites.runtime) gained between B and F. */
static int runtime_caches(struct ctx *c)
{
	sqlite3_stmt *s;

	c->rt_bytes = c->rt_objs = 0;
	s = db_prepare(c->db, "SELECT sum(CASE ss.snapshot_seq WHEN ?2 THEN ss.live_bytes ELSE -ss.live_bytes END),"
	                      " sum(CASE ss.snapshot_seq WHEN ?2 THEN ss.live_allocs ELSE -ss.live_allocs END)"
	                      " FROM site_snapshots ss JOIN sites st ON st.process_id = ss.process_id"
	                      " AND st.stack_id = ss.stack_id WHERE ss.process_id = ?1 AND st.runtime = 1"
	                      " AND ss.snapshot_seq IN (?2, ?3) AND ?2 != ?3", c->err, c->errlen);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, c->pid);
	sqlite3_bind_int64(s, 2, F(c)->seq);
	sqlite3_bind_int64(s, 3, B(c)->seq);
	if (sqlite3_step(s) == SQLITE_ROW) {
		c->rt_bytes = sqlite3_column_double(s, 0);
		c->rt_objs = sqlite3_column_double(s, 1);
	}
	sqlite3_finalize(s);
	return 0;
}

/* A double as int64_t, held at the range (a damaged trace can hold
 * anything; the cast alone would be undefined) and NaN as 0. */
static int64_t to_i64(double x)
{
	if (!(x == x))
		return 0;
	if (x >= 9.2e18)
		return INT64_MAX;
	if (x <= -9.2e18)
		return INT64_MIN;
	return (int64_t)x;
}

/* The tolerance of the baseline rule (see verdicts.h). */
static void tolerance(struct ctx *c)
{
	double pa = 0, po = 0;

	c->tol_bytes = c->tol_objs = 0;
	if (!c->is_go)
		return;
	for (size_t i = 0; i < c->nsnaps; i++) {
		if (c->snaps[i].v[C_ALLOC] > pa)
			pa = c->snaps[i].v[C_ALLOC];
		if (c->snaps[i].v[C_HEAP_OBJECTS] > po)
			po = c->snaps[i].v[C_HEAP_OBJECTS];
	}
	c->tol_bytes = (double)go_alloc_tolerance(to_i64(pa));
	c->tol_objs = (double)go_objects_tolerance(to_i64(po));
}

/* ---------------------------------------------------------------- writing */

static int write_verdict(struct ctx *c, const char *subject, const struct verdict *v)
{
	sqlite3_stmt *s = db_prepare(c->db, "INSERT OR REPLACE INTO verdicts(process_id, subject, status, judged,"
	                                    " detail, baseline_seq, final_seq, see) VALUES (?,?,?,?,?,?,?,?)",
	                             c->err, c->errlen);
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, c->pid);
	sqlite3_bind_text(s, 2, subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, v->status, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, v->judged);
	sqlite3_bind_text(s, 5, v->text, -1, SQLITE_TRANSIENT);
	db_bind_opt(s, 6, c->nkey ? B(c)->seq : -1);
	db_bind_opt(s, 7, c->nkey ? F(c)->seq : -1);
	db_bind_text(s, 8, v->see);
	rc = db_step(c->db, s, c->err, c->errlen);
	sqlite3_finalize(s);
	return rc;
}

/* ---------------------------------------------------------------- peaks */

/*
 * Alloc's true peak from the timeline (events.c counts it between
 * snapshots too), said when it is above every snapshot's. 1 when said.
 */
static int timeline_peak(struct ctx *c, double snap_peak, struct verdict *v)
{
	sqlite3_stmt *s;
	char a[UNITS_BUF], t[UNITS_BUF];
	int said = 0;

	if (sqlite3_prepare_v2(c->db, "SELECT peak_bytes, peak_ns FROM timeline WHERE process_id = ?"
	                              " ORDER BY peak_bytes DESC, peak_ns LIMIT 1", -1, &s, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(s, 1, c->pid);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_double(s, 0) > snap_peak) {
		say(v, " Its peak was %s, %s into the run.", fmt(a, sizeof a, M_ALLOC, sqlite3_column_double(s, 0)),
		    units_duration(t, sizeof t, sqlite3_column_double(s, 1)));
		said = 1;
	}
	sqlite3_finalize(s);
	return said;
}

static void say_peak(struct ctx *c, struct verdict *v, int m)
{
	size_t i, best = SIZE_MAX;
	char a[UNITS_BUF], t[UNITS_BUF];

	for (i = 0; i < c->nsnaps; i++) {
		double x = value(c, &c->snaps[i], m);

		if (!isnan(x) && (best == SIZE_MAX || x > value(c, &c->snaps[best], m)))
			best = i;
	}
	if (best == SIZE_MAX)
		return;
	if (m == M_ALLOC && timeline_peak(c, value(c, &c->snaps[best], m), v))
		return;
	if (c->snaps[best].kind == K_SAMPLE && strcmp(c->snaps[best].label, "last sample"))
		say(v, " Its peak was %s, %s into the run.", fmt(a, sizeof a, m, value(c, &c->snaps[best], m)),
		    units_duration(t, sizeof t, c->snaps[best].ts));
	else
		say(v, " Its peak was %s, at %s.", fmt(a, sizeof a, m, value(c, &c->snaps[best], m)),
		    c->snaps[best].label);
}

/* ---------------------------------------------------------------- back to baseline */

/*
 * Alloc or HeapObjects against the baseline: the rule of verdicts.h.
 * discount is what the runtime's caches gained, tol the tolerance.
 */
static void judge_back(struct ctx *c, struct verdict *v, int m, double discount, double tol)
{
	const struct snap *b = B(c), *f = F(c);
	const char *name = metric_names[m];
	double bv = value(c, b, m), fv = value(c, f, m), d = fv - bv, dp = d - discount;
	char bs[UNITS_BUF], fs[UNITS_BUF], ds[UNITS_BUF], rs[UNITS_BUF], ts[UNITS_BUF], ps[UNITS_BUF];

	fmt(bs, sizeof bs, m, bv);
	fmt(fs, sizeof fs, m, fv);
	fmt_delta(ds, sizeof ds, m, d);
	fmt(rs, sizeof rs, m, discount);
	fmt(ts, sizeof ts, m, tol);
	v->judged = 1;
	v->status = dp <= tol ? "pass" : "fail";
	if (d == 0) {
		say(v, "%s is back exactly where it was at %s (%s) by %s.", name, b->label, bs, f->label);
	} else if (d < 0) {
		say(v, "%s came back below its %s value: %s at %s against %s (%s).", name, b->label, fs,
		    f->label, bs, ds);
	} else if (dp <= 0) {
		say(v, "%s is %s higher at %s than at %s, all of it the C/C++ runtime's own caches (stdio"
		       " buffers, locale data, thread-local storage), which do not count: back to baseline.",
		    name, ds + 1, f->label, b->label);
	} else if (dp <= tol) {
		say(v, "%s is %s above its %s value at %s (%s against %s), within the tolerance of %s: a Go"
		       " heap still holds garbage the collector has not swept.",
		    name, ds + 1, b->label, f->label, fs, bs, ts);
	} else {
		say(v, "%s is %s higher at %s than at %s (%s against %s", name,
		    is_bytes(m) ? units_bytes(ds, sizeof ds, d) : units_count(ds, sizeof ds, d), f->label,
		    b->label, fs, bs);
		if (bv > 0)
			say(v, ", %s", units_growth(ps, sizeof ps, d / bv));
		say(v, ")");
		if (discount > 0)
			say(v, ", of which %s is the C/C++ runtime's own caches and does not count", rs);
		say(v, ".");
		if (tol > 0)
			say(v, " That is more than the tolerance of %s.", ts);
		v->see = "leaks";
	}
	say_peak(c, v, m);
}

int verdicts_item_v(sqlite3 *db, sqlite3_stmt *st, int64_t pid, const char *item, const char *status,
                    size_t detail_cap, char *err, size_t errlen, const char *fmt, va_list ap)
{
	char detail[2048];
	sqlite3_stmt *own = NULL;
	int rc;

	vsnprintf(detail, detail_cap < sizeof detail ? detail_cap : sizeof detail, fmt, ap);
	if (!st && !(st = own = db_prepare(db, "INSERT OR REPLACE INTO checklist(process_id, item, status, detail)"
	                                       " VALUES (?,?,?,?)", err, errlen)))
		return -1;
	sqlite3_bind_int64(st, 1, pid);
	sqlite3_bind_text(st, 2, item, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, detail, -1, SQLITE_TRANSIENT);
	rc = db_step(db, st, err, errlen);
	sqlite3_finalize(own);
	return rc;
}

int verdicts_evidence_v(sqlite3 *db, sqlite3_stmt *st, int64_t pid, const char *item, int seq,
                        int64_t stack_id, int64_t value, char *err, size_t errlen, const char *fmt,
                        va_list ap)
{
	char text[1024];

	vsnprintf(text, sizeof text, fmt, ap);
	sqlite3_bind_int64(st, 1, pid);
	sqlite3_bind_text(st, 2, item, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, seq);
	sqlite3_bind_text(st, 4, text, -1, SQLITE_TRANSIENT);
	db_bind_opt(st, 5, stack_id > 0 ? stack_id : -1);
	sqlite3_bind_int64(st, 6, value);
	return db_step(db, st, err, errlen);
}

static int baseline_item(struct ctx *c, const char *status, const char *fmtstr, ...)
	__attribute__((format(printf, 3, 4)));

/* The checklist row baseline_returned (its evidence is written apart). */
static int baseline_item(struct ctx *c, const char *status, const char *fmtstr, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmtstr);
	rc = verdicts_item_v(c->db, NULL, c->pid, "baseline_returned", status, 2048, c->err, c->errlen, fmtstr, ap);
	va_end(ap);
	return rc;
}

static int baseline_evidence(struct ctx *c, int seq, int64_t value_, const char *fmtstr, ...)
	__attribute__((format(printf, 4, 5)));

static int baseline_evidence(struct ctx *c, int seq, int64_t value_, const char *fmtstr, ...)
{
	sqlite3_stmt *s;
	va_list ap;
	int rc;

	s = db_prepare(c->db, "INSERT OR REPLACE INTO checklist_evidence(process_id, item, seq, text, stack_id, value)"
	                      " VALUES (?,?,?,?,?,?)", c->err, c->errlen);
	if (!s)
		return -1;
	va_start(ap, fmtstr);
	rc = verdicts_evidence_v(c->db, s, c->pid, "baseline_returned", seq, -1, value_, c->err, c->errlen,
	                         fmtstr, ap);
	va_end(ap);
	sqlite3_finalize(s);
	return rc;
}

/*
 * The baseline rule once: baseline_returned with its evidence, and the
 * short form the Phases table shows in its last row (subject 'baseline').
 */
static int judge_baseline(struct ctx *c)
{
	struct verdict v = { "n/a", 1, NULL, "" };
	const struct snap *b, *f;
	double da, dobj, pa, po;
	char b1[UNITS_BUF], b2[UNITS_BUF], bd[UNITS_BUF], br[UNITS_BUF], od[UNITS_BUF], pct[UNITS_BUF];
	const char *which, *rule;
	int nev = 0, fail;

	{
		sqlite3_stmt *s = db_prepare(c->db, "DELETE FROM checklist_evidence WHERE process_id = ?"
		                                    " AND item = 'baseline_returned'", c->err, c->errlen);
		if (!s)
			return -1;
		sqlite3_bind_int64(s, 1, c->pid);
		if (db_step(c->db, s, c->err, c->errlen) < 0) {
			sqlite3_finalize(s);
			return -1;
		}
		sqlite3_finalize(s);
	}
	rule = c->is_go ? "A Go heap may exceed its baseline by max(64 KiB, 1% of the peak Alloc) and"
	                  " max(512, 1% of the peak HeapObjects)."
	                : "A native program's counts are exact, so no byte or object above the baseline"
	                  " is allowed, once the C/C++ runtime's own caches are set aside.";
	if (c->nkey < 2 || c->b == c->f) {
		snprintf(v.text, sizeof v.text, c->nkey ? "The only snapshot." : "No snapshots.");
		v.judged = 0;
		c->alloc_status = c->objs_status = "n/a";
		if (write_verdict(c, "baseline", &v) < 0)
			return -1;
		return baseline_item(c, "n/a", "Needs two snapshots to compare; this process has %zu.", c->nkey);
	}
	b = B(c);
	f = F(c);
	which = b->kind == K_USER && f->kind == K_USER ? "the program's first and last snapshots"
	        : f->kind == K_USER ? "the start and the program's only snapshot"
	        : f->kind == K_EXIT ? "the start and exit snapshots" : "the start and the last sample";
	if (isnan(b->v[C_ALLOC]) || isnan(f->v[C_ALLOC]) || isnan(b->v[C_HEAP_OBJECTS]) ||
	    isnan(f->v[C_HEAP_OBJECTS])) {
		snprintf(v.text, sizeof v.text, "Alloc or HeapObjects was not recorded.");
		c->alloc_status = c->objs_status = "n/a";
		if (write_verdict(c, "baseline", &v) < 0)
			return -1;
		return baseline_item(c, "n/a", "Alloc or HeapObjects was not recorded at %s or %s.", b->label,
		                     f->label);
	}
	da = f->v[C_ALLOC] - b->v[C_ALLOC];
	dobj = f->v[C_HEAP_OBJECTS] - b->v[C_HEAP_OBJECTS];
	pa = da - c->rt_bytes;
	po = dobj - c->rt_objs;
	c->alloc_status = pa <= c->tol_bytes ? "pass" : "fail";
	c->objs_status = po <= c->tol_objs ? "pass" : "fail";
	fail = pa > c->tol_bytes || po > c->tol_objs;

	/* evidence: the two metrics, then what the runtime took for itself */
	units_bytes(b1, sizeof b1, b->v[C_ALLOC]);
	units_bytes(b2, sizeof b2, f->v[C_ALLOC]);
	units_bytes_delta(bd, sizeof bd, da);
	if (baseline_evidence(c, nev++, to_i64(da), "Alloc: %s %s -> %s %s (%s)", b->label, b1, f->label, b2, bd) < 0 ||
	    baseline_evidence(c, nev++, to_i64(dobj), "HeapObjects: %s %.0f -> %s %.0f (%s)", b->label,
	                      b->v[C_HEAP_OBJECTS], f->label, f->v[C_HEAP_OBJECTS],
	                      units_count_delta(od, sizeof od, dobj)) < 0)
		return -1;
	if (c->rt_bytes || c->rt_objs) {
		units_bytes_delta(br, sizeof br, c->rt_bytes);
		if (baseline_evidence(c, nev++, to_i64(c->rt_bytes), "of which the C/C++ runtime's own caches: %s in"
		                      " %s block%s, not counted", br, units_count_delta(od, sizeof od, c->rt_objs),
		                      fabs(c->rt_objs) == 1 ? "" : "s") < 0)
			return -1;
	}
	if (c->tol_bytes > 0 &&
	    baseline_evidence(c, nev++, to_i64(c->tol_bytes), "tolerance: Alloc %s, HeapObjects %s",
	                      units_bytes(b1, sizeof b1, c->tol_bytes), units_count(b2, sizeof b2, c->tol_objs)) < 0)
		return -1;

	/* the Phases table's short form */
	units_bytes_delta(bd, sizeof bd, pa);
	units_count_delta(od, sizeof od, po);
	if (!fail) {
		v.status = "pass";
		snprintf(v.text, sizeof v.text, "Against %s: back to baseline (Alloc %s, objects %s%s).", b->label,
		         bd, od, c->rt_bytes || c->rt_objs ? ", the runtime's own caches set aside" : "");
	} else {
		v.status = "fail";
		v.see = "leaks";
		snprintf(v.text, sizeof v.text, "Against %s: %s and %s object%s above baseline%s%s%s: memory did"
		         " not come back.", b->label, bd, od, fabs(po) == 1 ? "" : "s", b->v[C_ALLOC] > 0 ? " (Alloc " : "",
		         b->v[C_ALLOC] > 0 ? units_growth(pct, sizeof pct, pa / b->v[C_ALLOC]) : "",
		         b->v[C_ALLOC] > 0 ? ")" : "");
	}
	if (write_verdict(c, "baseline", &v) < 0)
		return -1;

	units_bytes(bd, sizeof bd, pa);
	if (fail)
		return baseline_item(c, "fail", "Memory did not come back to baseline between %s: Alloc is %s"
		                     " higher and HeapObjects %.0f higher at %s than at %s%s. %s See the leaks"
		                     " and the sites that grew.", which, bd, po, f->label, b->label,
		                     c->rt_bytes || c->rt_objs ? ", not counting the runtime's own caches" : "", rule);
	return baseline_item(c, "pass", "Alloc and HeapObjects at %s are back at (or below) their values at"
	                     " %s%s%s. %s", f->label, b->label,
	                     c->rt_bytes || c->rt_objs ? ", not counting the runtime's own caches" : "",
	                     pa > 0 || po > 0 ? ", within the tolerance" : "", rule);
}

/* ---------------------------------------------------------------- the other metrics */

static void judge_grows(struct ctx *c, struct verdict *v, int m)
{
	const struct snap *b = B(c), *f = F(c);
	const char *name = metric_names[m];
	double bv = value(c, b, m), fv = value(c, f, m), prev = NAN, secs = (f->ts - b->ts) / 1e9;
	char a[UNITS_BUF], d[UNITS_BUF], r[UNITS_BUF], t[UNITS_BUF];

	v->judged = 0;
	v->status = "n/a";
	for (size_t i = 0; i < c->nsnaps; i++) {
		double x = value(c, &c->snaps[i], m);

		if (isnan(x))
			continue;
		if (!isnan(prev) && x < prev) {
			v->judged = 1;
			v->status = "fail";
			say(v, "%s went down at %s (%s, then %s). A running total never should: the trace may"
			       " be damaged.", name, c->snaps[i].label, fmt(a, sizeof a, m, prev),
			    fmt(d, sizeof d, m, x));
			return;
		}
		prev = x;
	}
	if (fv == bv) {
		say(v, "%s did not change between %s and %s (%s). It is a running total: it is not judged.",
		    name, b->label, f->label, fmt(a, sizeof a, m, fv));
		return;
	}
	say(v, "%s grew by %s between %s and %s", name, fmt(a, sizeof a, m, fv - bv), b->label, f->label);
	if (secs > 0)
		say(v, " (%s over %s)",
		    is_bytes(m) ? units_byte_rate(r, sizeof r, (fv - bv) / secs)
		                : units_count_rate(r, sizeof r, (fv - bv) / secs),
		    units_duration(t, sizeof t, f->ts - b->ts));
	say(v, ". It is a running total, so it only grows and is not judged; the difference is the work done"
	       " in between.");
	if (m == M_FREES) {
		double live = value(c, f, M_MALLOCS) - fv;

		if (!isnan(live))
			say(v, " At %s, Frees trailed Mallocs by %s: the blocks still live.", f->label,
			    units_count(a, sizeof a, live));
	}
}

static void judge_numgc_native(struct ctx *c, struct verdict *v)
{
	const struct snap *b = B(c), *f = F(c);
	double fv = f->v[C_TRIM_CALLS], bv = b->v[C_TRIM_CALLS];
	char a[UNITS_BUF], d[UNITS_BUF];

	v->judged = 0;
	v->status = "n/a";
	say(v, "A C or C++ program has no garbage collector, so there is no NumGC to count. ");
	if (isnan(fv)) {
		say(v, "This trace did not record malloc_trim calls either.");
		return;
	}
	say(v, "The closest thing is malloc_trim, which hands free heap memory back to the OS: the program"
	       " had called it %s time%s by %s", units_count(a, sizeof a, fv), fv == 1 ? "" : "s", f->label);
	if (b != f && !isnan(bv))
		say(v, ", %s since %s", units_count(d, sizeof d, fv - bv), b->label);
	say(v, ".");
}

static void judge_sys(struct ctx *c, struct verdict *v)
{
	const struct snap *b = B(c), *f = F(c);
	double bv = c->b == c->f ? NAN : b->v[C_SYS], fv = f->v[C_SYS];
	char a[UNITS_BUF], d[UNITS_BUF], r[UNITS_BUF];

	v->judged = 1;
	v->status = "pass";
	if (!isnan(bv))
		say(v, "Sys went from %s at %s to %s at %s.", units_bytes(a, sizeof a, bv), b->label,
		    units_bytes(d, sizeof d, fv), f->label);
	else
		say(v, "Sys was %s at %s.", units_bytes(d, sizeof d, fv), f->label);
	say_peak(c, v, M_SYS);
	if (!isnan(f->v[C_RSS]))
		say(v, " The resident set (RSS) at %s was %s.", f->label, units_bytes(r, sizeof r, f->v[C_RSS]));
	/* still growing after the work ended? the snapshot before F */
	if (c->f > 0) {
		const struct snap *p = &c->snaps[c->key[c->f - 1]];
		double pv = p->v[C_SYS];

		if (p->kind == K_USER && f->kind == K_USER && !isnan(pv) && fv - pv > pv * 0.10 &&
		    fv - pv > 1048576.0) {
			v->status = "fail";
			say(v, " It was still growing at %s (%s since %s): the program took more memory from"
			       " the OS after its work was done.", f->label, units_bytes_delta(a, sizeof a, fv - pv),
			    p->label);
			return;
		}
	}
	say(v, " glibc keeps freed memory for reuse rather than returning it, so Sys staying near its peak"
	       " is normal.");
}

static void judge_idle(struct ctx *c, struct verdict *v)
{
	const struct snap *b = B(c), *f = F(c);
	double idle = f->v[C_HEAP_IDLE], inuse = f->v[C_HEAP_INUSE], frac = idle / (idle + inuse);
	char a[UNITS_BUF], d[UNITS_BUF], pc[UNITS_BUF], k[UNITS_BUF];

	v->judged = 1;
	v->status = "pass";
	say(v, "At %s, %s of the heap was idle (%s of it)", f->label, units_bytes(a, sizeof a, idle),
	    units_percent(pc, sizeof pc, frac));
	if (b != f)
		say(v, ", against %s at %s", units_bytes(d, sizeof d, b->v[C_HEAP_IDLE]), b->label);
	say(v, ".");
	if (!isnan(f->v[C_KEEPCOST]))
		say(v, " Of that, %s sat at the top of the heap, where malloc_trim could hand it back to the OS.",
		    units_bytes(k, sizeof k, f->v[C_KEEPCOST]));
	if (frac > 0.5 && idle > 1048576.0) {
		v->status = "fail";
		say(v, " More than half the heap is free but still held: freed blocks are scattered between"
		       " live ones (fragmentation), or the heap was never trimmed.");
	}
}

static void judge_heapinuse(struct ctx *c, struct verdict *v)
{
	const struct snap *b = B(c), *f = F(c);
	char bs[UNITS_BUF], fs[UNITS_BUF], ds[UNITS_BUF];

	v->judged = 1;
	v->status = c->alloc_status;
	say(v, "HeapInuse went from %s at %s to %s at %s (%s).", units_bytes(bs, sizeof bs, b->v[C_HEAP_INUSE]),
	    b->label, units_bytes(fs, sizeof fs, f->v[C_HEAP_INUSE]), f->label,
	    units_bytes_delta(ds, sizeof ds, f->v[C_HEAP_INUSE] - b->v[C_HEAP_INUSE]));
	say(v, " It is Alloc plus each chunk's overhead plus the runtime's own blocks, so it is judged with"
	       " Alloc, which %s.", !strcmp(c->alloc_status, "pass") ? "came back to its baseline"
	                           : "did not come back to its baseline");
	if (!strcmp(c->alloc_status, "fail"))
		v->see = "leaks";
	say_peak(c, v, M_HEAPINUSE);
}

/* Live must equal HeapObjects wherever both exist. */
static void judge_live(struct ctx *c, struct verdict *v)
{
	size_t i, n = 0, bad = 0, first = 0;
	char a[UNITS_BUF], d[UNITS_BUF];
	struct verdict objs = { "n/a", 1, NULL, "" };

	judge_back(c, &objs, M_HEAPOBJECTS, c->rt_objs, c->tol_objs);
	v->judged = 1;
	v->status = objs.status;
	v->see = objs.see;
	say(v, "Live follows HeapObjects: %s", objs.status[0] == 'p' ? "back to baseline." : "not back to baseline.");
	for (i = 0; i < c->nsnaps; i++) {
		double l = c->snaps[i].v[C_LIVE], h = c->snaps[i].v[C_HEAP_OBJECTS];

		if (isnan(l) || isnan(h))
			continue;
		n++;
		if (l != h && bad++ == 0)
			first = i;
	}
	if (n == 0)
		return;
	if (bad == 0) {
		/* the same counters: equal by construction, no check of anything */
		say(v, " Live is Mallocs \xe2\x88\x92 Frees, the same count as HeapObjects.");
	} else {
		v->status = "fail";
		say(v, " Live differs from HeapObjects at %s of %s snapshots (first at %s: %s against %s): the"
		       " trace is damaged.", units_count(a, sizeof a, (double)bad),
		    units_count(d, sizeof d, (double)n), c->snaps[first].label,
		    units_count(a, sizeof a, c->snaps[first].v[C_LIVE]),
		    units_count(d, sizeof d, c->snaps[first].v[C_HEAP_OBJECTS]));
	}
}

/* Non-main threads holding a stack at time t: started, and not yet released. */
static int threads_holding(struct ctx *c, double t, int64_t *n)
{
	sqlite3_stmt *s = db_prepare(c->db, "SELECT count(*) FROM threads WHERE process_id = ?1"
	                                    " AND state_at_exit != 'main' AND start_ns <= ?2"
	                                    " AND NOT coalesce(join_ns <= ?2, 0)"
	                                    " AND NOT (state_at_exit = 'detached' AND coalesce(end_ns <= ?2, 0))",
	                             c->err, c->errlen);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, c->pid);
	sqlite3_bind_double(s, 2, t);
	*n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_finalize(s);
	return 0;
}

static int judge_stack(struct ctx *c, struct verdict *v)
{
	const struct snap *b = B(c), *f = F(c);
	double bv = b->v[C_STACK_INUSE], fv = f->v[C_STACK_INUSE], d = fv - bv;
	char bs[UNITS_BUF], fs[UNITS_BUF], ds[UNITS_BUF];
	int64_t hb = 0, hf = 0, rows;

	v->judged = 1;
	units_bytes(bs, sizeof bs, bv);
	units_bytes(fs, sizeof fs, fv);
	units_bytes(ds, sizeof ds, fabs(d));
	if (d <= 0) {
		v->status = "pass";
		if (d == 0)
			say(v, "StackInuse is back exactly where it was at %s (%s) by %s.", b->label, bs, f->label);
		else
			say(v, "StackInuse came back below its %s value: %s at %s against %s.", b->label, fs,
			    f->label, bs);
		say_peak(c, v, M_STACKINUSE);
		return 0;
	}
	rows = db_int(c->db, "SELECT count(*) FROM threads", 0);
	if (rows > 0) {
		char sql[128];

		snprintf(sql, sizeof sql, "SELECT count(*) FROM threads WHERE process_id = %lld", (long long)c->pid);
		rows = db_int(c->db, sql, 0);
	}
	if (rows > 0) {
		if (threads_holding(c, b->ts, &hb) < 0 || threads_holding(c, f->ts, &hf) < 0)
			return -1;
	} else if (!isnan(b->v[C_THREADS]) && !isnan(f->v[C_THREADS])) {
		hb = to_i64(b->v[C_THREADS]);
		hf = to_i64(f->v[C_THREADS]);
	}
	if (hf > hb) {
		v->status = "fail";
		v->see = "threads";
		say(v, "StackInuse is %s higher at %s than at %s (%s against %s): %lld more thread%s held a stack"
		       " at %s than at %s, still running or ended without being joined.", ds, f->label, b->label,
		    fs, bs, (long long)(hf - hb), hf - hb == 1 ? "" : "s", f->label, b->label);
	} else {
		v->status = "pass";
		say(v, "StackInuse is %s higher at %s than at %s (%s against %s), but no more threads hold a stack"
		       " than at %s: the threads alive at both went deeper, the main thread's calls included. A"
		       " thread's touched stack pages stay resident until it ends, so this is not a leak.",
		    ds, f->label, b->label, fs, bs, b->label);
	}
	say_peak(c, v, M_STACKINUSE);
	return 0;
}

/* A band of the share of CPU time spent managing memory: a share under
 * `below` gets this status and the sentence ending `text`; judged 0
 * shows it without a pass or a fail. A list ends with the band whose
 * bound is INFINITY. */
struct cpu_band {
	double below;
	const char *status;
	int judged;
	const char *text;
};

/* Go's bands: <1%, 1-5%, 5-10%, >10% */
static const struct cpu_band go_cpu_bands[] = {
	{ 0.01, "pass", 1, ": under 1%, the collector costs next to nothing." },
	{ 0.05, "pass", 1, ": between 1% and 5%, usual for a program that allocates." },
	{ 0.10, "fail", 1, ": between 5% and 10%, high enough to look at the busiest allocation sites." },
	{ INFINITY, "fail", 1, ": above 10%, the collector takes a real share of the run. Allocate less or"
	                       " raise GOGC." },
};

/*
 * C's: the allocator's own share, <1%, 1-5%, 5-10%, 10-15%, >15%. A
 * native program's figure is an upper bound: inside a traced process the
 * real allocator calls run slower (glibc takes its locks once the
 * tracer's writer thread exists; the recording evicts the allocator's
 * cache lines), 1.3 to 2 times in t0543. So a reading under 10% is not
 * called high: from 5% to 10% it is too close to call.
 */
static const struct cpu_band c_cpu_bands[] = {
	{ 0.01, "pass", 1, ": negligible." },
	{ 0.05, "pass", 1, ": noticeable but modest." },
	{ 0.10, "n/a", 0, ": between 5% and 10% as traced, too close to call. The figure is an upper bound:"
	                  " in a traced process the allocator's own calls run slower (glibc takes its locks once"
	                  " the tracer's thread exists, and recording pushes the allocator's data out of the"
	                  " cache), up to about twice as slow, so without the tracer the share may be under 5%."
	                  " A profiler such as perf on the untraced program tells." },
	{ 0.15, "fail", 1, ": high, even allowing for the tracer slowing the allocator down (up to about twice)."
	                   " Fewer, larger allocations, reuse or a pool would pay off." },
	{ INFINITY, "fail", 1, ": managing memory dominates the run. Look at the busiest sites under Allocation"
	                       " rate." },
};

static void judge_cpu(struct ctx *c, struct verdict *v)
{
	const struct snap *f = F(c);
	double fv = value(c, f, M_GCCPUFRACTION);
	char a[UNITS_BUF], d[UNITS_BUF], t[UNITS_BUF];
	const char *who = c->is_go ? "the garbage collector" : "malloc, free and their relatives";

	v->judged = 1;
	if (isnan(fv)) {
		v->status = "n/a";
		say(v, "This trace did not record how much CPU time went to %s.", who);
		return;
	}
	say(v, "%s of the process's CPU time up to %s went to %s", units_percent(a, sizeof a, fv), f->label, who);
	if (!c->is_go && !isnan(f->v[C_ALLOC_CPU_NS]) && !isnan(f->v[C_CPU_NS]))
		say(v, " (%s of %s)", units_duration(d, sizeof d, f->v[C_ALLOC_CPU_NS]),
		    units_duration(t, sizeof t, f->v[C_CPU_NS]));
	/* the first band whose bound fv is under; the last is INFINITY */
	const struct cpu_band *band = c->is_go ? go_cpu_bands : c_cpu_bands;
	while (!(fv < band->below) && band->below != INFINITY)
		band++;
	v->status = band->status;
	v->judged = band->judged;
	say(v, "%s", band->text);
}

static int judge_metric(struct ctx *c, int m, struct verdict *v)
{
	const struct snap *b = B(c), *f = F(c);

	if (m == M_NUMGC && !(c->is_go && !isnan(f->v[C_NUM_GC]))) {
		judge_numgc_native(c, v);
		return 0;
	}
	if (m == M_GCCPUFRACTION) {
		judge_cpu(c, v);
		return 0;
	}
	if (m == M_TOTALALLOC || m == M_MALLOCS || m == M_FREES || m == M_NUMGC) {
		judge_grows(c, v, m);
		return 0;
	}
	if (isnan(value(c, f, m)) || isnan(value(c, b, m))) {
		say(v, "%s was not recorded at %s.", metric_names[m], isnan(value(c, f, m)) ? f->label : b->label);
		return 0;
	}
	switch (m) {
	case M_SYS:
		judge_sys(c, v);
		return 0;
	case M_HEAPIDLE:
		judge_idle(c, v);
		return 0;
	default:
		break;
	}
	if (c->b == c->f) {
		say(v, "Only one snapshot (%s) to go by, so there is no baseline to return to.", f->label);
		say_peak(c, v, m);
		return 0;
	}
	switch (m) {
	case M_ALLOC:
		judge_back(c, v, M_ALLOC, c->rt_bytes, c->tol_bytes);
		return 0;
	case M_HEAPOBJECTS:
		judge_back(c, v, M_HEAPOBJECTS, c->rt_objs, c->tol_objs);
		return 0;
	case M_LIVE:
		judge_live(c, v);
		return 0;
	case M_HEAPINUSE:
		judge_heapinuse(c, v);
		return 0;
	case M_STACKINUSE:
		return judge_stack(c, v);
	}
	return 0;
}

/* The metrics that only the allocator hooks count (see processes.hooks_bypassed). */
static int counted_by_hooks(int m)
{
	return m == M_ALLOC || m == M_TOTALALLOC || m == M_HEAPOBJECTS || m == M_MALLOCS || m == M_FREES ||
	       m == M_LIVE || m == M_GCCPUFRACTION;
}

/* The program's allocations never reached the hooks: nothing to compare. */
static int bypassed_baseline(struct ctx *c)
{
	struct verdict v = { "n/a", 0, NULL, "" };

	snprintf(v.text, sizeof v.text, "Allocations were not recorded.");
	c->alloc_status = c->objs_status = "n/a";
	if (write_verdict(c, "baseline", &v) < 0)
		return -1;
	return baseline_item(c, "n/a", "The program calls the malloc of %s, not memledger's, so its allocations"
	                     " were not recorded and cannot be judged.", c->allocator);
}

int verdicts_run(sqlite3 *db, int64_t pid, char *err, size_t errlen)
{
	struct ctx c = { .db = db, .pid = pid, .err = err, .errlen = errlen };
	int rc = -1, m;
	sqlite3_stmt *s;

	/* a database made before the verdicts table existed gets it now: every
	 * statement of the schema is CREATE ... IF NOT EXISTS */
	if (db_exec(db, embedded_ingest_schema_sql, err, errlen) < 0)
		goto out;
	if (load(&c) < 0 || choose(&c) < 0)
		goto out;
	if (!(s = db_prepare(db, "DELETE FROM verdicts WHERE process_id = ?", err, errlen)))
		goto out;
	sqlite3_bind_int64(s, 1, pid);
	m = db_step(db, s, err, errlen);
	sqlite3_finalize(s);
	if (m < 0)
		goto out;
	if (c.nkey && runtime_caches(&c) < 0)
		goto out;
	tolerance(&c);
	if (c.bypassed ? bypassed_baseline(&c) < 0 : judge_baseline(&c) < 0)
		goto out;
	for (m = 0; m < M_COUNT; m++) {
		struct verdict v = { "n/a", 1, NULL, "" };

		if (!c.nkey)
			snprintf(v.text, sizeof v.text, "This process recorded no snapshots, so there is nothing to judge.");
		else if (c.bypassed && counted_by_hooks(m))
			snprintf(v.text, sizeof v.text, "The program calls the malloc of %s, not memledger's, so its"
			         " allocations were not recorded and %s cannot be judged.", c.allocator, metric_names[m]);
		else if (judge_metric(&c, m, &v) < 0)
			goto out;
		if (write_verdict(&c, verdicts_metrics[m], &v) < 0)
			goto out;
	}
	rc = 0;
out:
	free(c.snaps);
	free(c.key);
	return rc;
}
