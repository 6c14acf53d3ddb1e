/*
 * go_checklist.c - see go_checklist.h. One function per item; each
 * writes its row and its evidence. "Labelled" snapshots are every one
 * but the periodic samples: the program's own (go/memledger) and the
 * start and end of a --go-endpoint run.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/db.h"
#include "ingest/go_checklist.h"
#include "ingest/verdicts.h"

int64_t go_alloc_tolerance(int64_t peak_alloc)
{
	int64_t pct = peak_alloc / 100;
	return pct > 64 * 1024 ? pct : 64 * 1024;
}

int64_t go_objects_tolerance(int64_t peak_objects)
{
	int64_t pct = peak_objects / 100;
	return pct > 512 ? pct : 512;
}

struct item {
	sqlite3 *db;
	const struct go_run *r;
	const struct go_written *w;
	sqlite3_stmt *row, *ev;
	const char *name;
	int nev;
	char *err;
	size_t errlen;
	long first, last;       /* labelled snapshots, -1 none */
	long prev;              /* the labelled one before last */
};

static int put(struct item *it, const char *status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int put(struct item *it, const char *status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = verdicts_item_v(it->db, it->row, it->w->pid, it->name, status, 1024, it->err, it->errlen, fmt, ap);
	va_end(ap);
	return rc;
}

static int evidence(struct item *it, int64_t stack_id, int64_t value, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int evidence(struct item *it, int64_t stack_id, int64_t value, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = verdicts_evidence_v(it->db, it->ev, it->w->pid, it->name, it->nev++, stack_id, value, it->err,
	                             it->errlen, fmt, ap);
	va_end(ap);
	return rc;
}

static const char *label_of(const struct item *it, long i)
{
	return it->r->snaps[i].label;
}

/* The last of the n snapshot indexes in snap that is si, else -1. */
static long last_taken_at(const long *snap, size_t n, long si)
{
	long last = -1;
	for (size_t i = 0; i < n; i++)
		if (snap[i] == si)
			last = (long)i;
	return last;
}

/* The dump taken with snapshot si, else -1. */
static long dump_at(const struct item *it, long si)
{
	return last_taken_at(it->w->dump_snap, it->r->ndumps, si);
}

static long profile_at(const struct item *it, long si)
{
	return last_taken_at(it->w->profile_snap, it->r->nprofiles, si);
}

static const struct go_goroutine *find_g(const struct go_dump *d, int64_t id)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->g[i].id == id)
			return &d->g[i];
	return NULL;
}

static void describe_g(const struct go_goroutine *g, char *buf, size_t cap)
{
	char wait[64] = "";
	if (g->wait_minutes >= 0)
		snprintf(wait, sizeof wait, ", %lld minutes", (long long)g->wait_minutes);
	const struct go_frame *top = g->nframes ? &g->frames[g->nframes - 1] : NULL;
	if (g->created.function)
		snprintf(buf, cap, "goroutine %lld [%s%s] running %s, created by %s at %s:%lld", (long long)g->id,
		         g->state, wait, top ? top->function : "?", g->created.function,
		         g->created.file ? g->created.file : "?", (long long)g->created.line);
	else
		snprintf(buf, cap, "goroutine %lld [%s%s] running %s", (long long)g->id, g->state, wait,
		         top ? top->function : "?");
}

static int threads_stopped(struct item *it)
{
	if (it->first < 0 || it->first == it->last)
		return put(it, "n/a", "Needs two labelled snapshots (START and an end, e.g. with"
		                      " go/memledger's PrintMemStats) to compare the goroutine count.");
	const struct go_snap *a = &it->r->snaps[it->first], *b = &it->r->snaps[it->last];
	long da = dump_at(it, it->first), db = dump_at(it, it->last);
	int64_t ga = a->goroutines, gb = b->goroutines;
	if (ga < 0 && da >= 0)
		ga = (int64_t)it->r->dumps[da].n;
	if (gb < 0 && db >= 0)
		gb = (int64_t)it->r->dumps[db].n;
	if (ga < 0 || gb < 0)
		return put(it, "n/a", "The snapshots carry no goroutine count (num_goroutine) and no goroutine"
		                      " dump was taken with them; go/memledger records both.");
	if (gb <= ga)
		return put(it, "pass", "%lld goroutine%s at %s, %lld at %s: every goroutine started in between"
		           " has stopped.", (long long)ga, ga == 1 ? "" : "s", label_of(it, it->first),
		           (long long)gb, label_of(it, it->last));
	if (db >= 0) {
		const struct go_dump *d = &it->r->dumps[db];
		for (size_t i = 0; i < d->n; i++) {
			const struct go_goroutine *g = &d->g[i];
			if (da >= 0 && find_g(&it->r->dumps[da], g->id))
				continue;
			char text[768];
			describe_g(g, text, sizeof text);
			if (evidence(it, it->w->created_stack[db][i], g->id, "%s", text) < 0)
				return -1;
		}
	}
	return put(it, "fail", "%lld goroutine%s at %s against %lld at %s: %lld still running. Stop them"
	           " (cancel their context, close their channel) and wait for them before the snapshot.%s",
	           (long long)gb, gb == 1 ? "" : "s", label_of(it, it->last), (long long)ga,
	           label_of(it, it->first), (long long)(gb - ga),
	           db >= 0 ? "" : " Take a goroutine dump with the snapshot to see which ones.");
}

static int is_channel_wait(const char *state)
{
	return !strncmp(state, "chan receive", 12) || !strncmp(state, "chan send", 9) ||
	       !strncmp(state, "select", 6);
}

static int channels_closed(struct item *it)
{
	if (!it->r->ndumps)
		return put(it, "n/a", "Needs a goroutine dump from the end of the run (go/memledger takes one"
		                      " with each snapshot; or save /debug/pprof/goroutine?debug=2) to see"
		                      " goroutines blocked on channels.");
	long d = (long)it->r->ndumps - 1;
	for (size_t i = 0; i < it->r->ndumps; i++)
		if (it->r->dumps[i].ts_ns >= it->r->dumps[d].ts_ns)
			d = (long)i;
	const struct go_dump *dp = &it->r->dumps[d];
	int n = 0;
	for (size_t i = 0; i < dp->n; i++) {
		const struct go_goroutine *g = &dp->g[i];
		if (!is_channel_wait(g->state))
			continue;
		char text[768];
		describe_g(g, text, sizeof text);
		if (evidence(it, it->w->created_stack[d][i], g->id, "%s", text) < 0)
			return -1;
		n++;
	}
	long si = it->w->dump_snap[d];
	const char *at = si >= 0 ? label_of(it, si) : "the last dump";
	if (n)
		return put(it, "fail", "%d goroutine%s still blocked on a channel at %s (chan receive, chan send"
		           " or select). Close the channel they wait on, or cancel them, when the work is done.",
		           n, n == 1 ? " is" : "s are", at);
	return put(it, "pass", "No goroutine is blocked on a channel at %s.", at);
}

static int gc_repeated(struct item *it)
{
	if (it->prev < 0)
		return put(it, "n/a", "Needs two labelled snapshots to count the collections between them.");
	const struct go_snap *a = &it->r->snaps[it->prev], *b = &it->r->snaps[it->last];
	int64_t n;
	const char *how;
	if (a->f[GO_MS_NUM_GC] >= 0 && b->f[GO_MS_NUM_GC] >= 0) {
		n = b->f[GO_MS_NUM_GC] - a->f[GO_MS_NUM_GC];
		how = "NumGC";
	} else if (it->r->ngcs) {
		n = 0;
		for (size_t i = 0; i < it->r->ngcs; i++)
			n += it->r->gcs[i].ts_ns > a->ts_ns && it->r->gcs[i].ts_ns <= b->ts_ns;
		how = "gctrace";
	} else {
		return put(it, "n/a", "Needs NumGC in the snapshots or a gctrace log to count collections.");
	}
	if (n >= 2)
		return put(it, "pass", "%lld collections ran between %s and %s (%s): objects freed by the"
		           " first (finalizers, sync.Pool's victim cache) were collected by the next.",
		           (long long)n, label_of(it, it->prev), label_of(it, it->last), how);
	return put(it, "fail", "Only %lld collection%s ran between %s and %s (%s). One runtime.GC()"
	           " can leave garbage behind (finalizer targets, sync.Pool's victim cache); call it twice"
	           " before the final snapshot.", (long long)n, n == 1 ? "" : "s",
	           label_of(it, it->prev), label_of(it, it->last), how);
}

/* Is fn on the stack of a goroutine (other than main's) in dump d? */
static int running_in(const struct go_dump *d, const char *fn)
{
	for (size_t i = 0; d && fn && i < d->n; i++)
		for (size_t j = 0; d->g[i].id != 1 && j < d->g[i].nframes; j++)
			if (!strcmp(d->g[i].frames[j].function, fn))
				return 1;
	return 0;
}

/*
 * Sites whose live bytes grew from the first labelled profile to the
 * last by more than the Alloc tolerance. containers_cleared takes them
 * all (as for native programs: memory that piled up and stayed).
 * global_references keeps those whose allocating function runs in no
 * goroutine left at the last dump: memory that survived the collections
 * while the code that made it is gone is held by something long-lived,
 * a package-level variable or what hangs off one. A heap profile cannot
 * name the root, so this is the evidence it can give.
 */
static int grown_sites(struct item *it, int globals, const char *what_na)
{
	long pa = it->first >= 0 ? profile_at(it, it->first) : -1;
	long pb = it->last >= 0 ? profile_at(it, it->last) : -1;
	if (pa < 0 || pb < 0 || pa == pb)
		return put(it, "n/a", "Needs heap profiles taken with the first and the last labelled snapshots"
		                      " (go/memledger takes one with each; or save /debug/pprof/heap at both) %s.",
		           what_na);
	int64_t peak_a = 0;
	for (size_t i = 0; i < it->r->nsnaps; i++)
		if (it->r->snaps[i].f[GO_MS_ALLOC] > peak_a)
			peak_a = it->r->snaps[i].f[GO_MS_ALLOC];
	int64_t tol = go_alloc_tolerance(peak_a), total = 0;
	int n = 0;
	long dl = dump_at(it, it->last);
	const struct go_dump *d = dl >= 0 ? &it->r->dumps[dl] : NULL;
	for (size_t k = 0; k < it->w->npsites[pb]; k++) {
		const struct go_site *s = &it->w->psites[pb][k];
		if (globals && s->at && running_in(d, s->at->function))
			continue;
		int64_t before = 0;
		for (size_t j = 0; j < it->w->npsites[pa]; j++)
			if (it->w->psites[pa][j].stack_id == s->stack_id)
				before = it->w->psites[pa][j].inuse_space;
		int64_t grew = s->inuse_space - before;
		if (grew <= tol)
			continue;
		if (evidence(it, s->stack_id, grew, "%s (%s:%lld): %lld B live at %s, %lld B at %s (+%lld B)",
		             s->at ? s->at->function : "?", s->at && s->at->file ? s->at->file : "?",
		             (long long)(s->at ? s->at->line : 0), (long long)s->inuse_space,
		             label_of(it, it->last), (long long)before, label_of(it, it->first), (long long)grew) < 0)
			return -1;
		total += grew;
		n++;
	}
	int64_t period = it->r->profiles[pb].period;
	char sampled[128] = "";
	if (period > 1)
		snprintf(sampled, sizeof sampled, " (the profile samples about one allocation per %lld bytes)",
		         (long long)period);
	if (!n)
		return put(it, "pass", "No allocation site%s holds more than %lld B more at %s than at %s%s.",
		           globals ? " whose code has finished" : "", (long long)tol, label_of(it, it->last),
		           label_of(it, it->first), sampled);
	if (!globals)
		return put(it, "fail", "%d allocation site%s hold%s %lld B more at %s than at %s after the"
		           " collections: maps, slices or caches that kept growing. Delete the entries, or drop"
		           " the container, when the work is done%s.", n, n == 1 ? "" : "s", n == 1 ? "s" : "",
		           (long long)total, label_of(it, it->last), label_of(it, it->first), sampled);
	return put(it, "fail", "%d allocation site%s hold%s %lld B more at %s than at %s, although no"
	           " goroutine still runs the code that allocated it: something long-lived references the"
	           " memory, most likely a package-level variable. Set it to nil (or clear it) after the"
	           " work%s.", n, n == 1 ? "" : "s", n == 1 ? "s" : "", (long long)total,
	           label_of(it, it->last), label_of(it, it->first), sampled);
}

static int settle_time(struct item *it)
{
	long dl = it->last >= 0 ? dump_at(it, it->last) : -1;
	long later = -1;
	for (size_t i = 0; dl >= 0 && i < it->r->ndumps; i++)
		if (it->r->dumps[i].ts_ns > it->r->dumps[dl].ts_ns)
			later = (long)i;
	if (dl < 0 || later < 0)
		return put(it, "n/a", "Needs a goroutine dump with the last labelled snapshot and another one"
		                      " after it (memledger run --go-endpoint takes one at the end) to see"
		                      " goroutines that were still finishing.");
	int n = 0;
	const struct go_dump *a = &it->r->dumps[dl], *b = &it->r->dumps[later];
	for (size_t i = 0; i < a->n; i++) {
		if (a->g[i].id == 1 || !strcmp(a->g[i].state, "running") || find_g(b, a->g[i].id))
			continue;
		char text[768];
		describe_g(&a->g[i], text, sizeof text);
		if (evidence(it, it->w->created_stack[dl][i], a->g[i].id, "%s", text) < 0)
			return -1;
		n++;
	}
	if (n)
		return put(it, "fail", "%d goroutine%s present at %s ended before the next dump: the snapshot"
		           " was taken while they were still finishing. Wait for them (sync.WaitGroup) first.",
		           n, n == 1 ? "" : "s", label_of(it, it->last));
	return put(it, "pass", "Every goroutine of %s's dump was still there at the next one: nothing was"
	           " still winding down.", label_of(it, it->last));
}

int go_checklist_run(sqlite3 *db, const struct go_run *r, const struct go_written *w,
                     char *err, size_t errlen)
{
	struct item it = { .db = db, .r = r, .w = w, .err = err, .errlen = errlen,
	                   .first = -1, .last = -1, .prev = -1 };
	int rc = -1;
	for (size_t i = 0; i < r->nsnaps; i++) {
		if (r->snaps[i].kind == GO_SNAP_SAMPLE)
			continue;
		if (it.first < 0)
			it.first = (long)i;
		it.prev = it.last;
		it.last = (long)i;
	}
	it.row = db_prepare(db, "INSERT INTO checklist(process_id, item, status, detail) VALUES (?,?,?,?)", err, errlen);
	it.ev = db_prepare(db, "INSERT INTO checklist_evidence(process_id, item, seq, text, stack_id, value)"
	                       " VALUES (?,?,?,?,?,?)", err, errlen);
	if (!it.row || !it.ev)
		goto out;
#define ITEM(n) (it.name = (n), it.nev = 0)
	if ((ITEM("threads_stopped"), threads_stopped(&it)) < 0)
		goto out;
	ITEM("threads_joined");
	if (put(&it, "n/a", "Go has no join: a goroutine that ended leaves nothing behind, and a"
	                    " sync.WaitGroup wait shows in no MemStats, gctrace, heap profile or goroutine"
	                    " dump. Goroutines that never ended are under threads_stopped.") < 0)
		goto out;
	ITEM("timers_stopped");
	if (put(&it, "n/a", "No Go report shows whether a Ticker was stopped: a stopped Ticker the program"
	                    " still references looks like a running one in a heap profile, and neither has"
	                    " a goroutine. A goroutine waiting on a ticker's channel shows under"
	                    " channels_closed; Go 1.23+ collects unreferenced unstopped Tickers.") < 0)
		goto out;
	if ((ITEM("containers_cleared"), grown_sites(&it, 0, "to see containers that only grow")) < 0)
		goto out;
	if ((ITEM("channels_closed"), channels_closed(&it)) < 0)
		goto out;
	if ((ITEM("settle_time"), settle_time(&it)) < 0)
		goto out;
	if ((ITEM("gc_repeated"), gc_repeated(&it)) < 0)
		goto out;
	if ((ITEM("global_references"), grown_sites(&it, 1, "to see memory something long-lived still holds")) < 0)
		goto out;
	/* baseline_returned and every metric verdict: ingest/verdicts.c, the
	 * one owner of the baseline rule, with Go's tolerance */
	if (verdicts_run(db, w->pid, err, errlen) < 0)
		goto out;
#undef ITEM
	rc = 0;
out:
	sqlite3_finalize(it.row);
	sqlite3_finalize(it.ev);
	return rc;
}
