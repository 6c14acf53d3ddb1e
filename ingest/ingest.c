/*
 * ingest.c - see ingest.h. Two passes over the trace: the META frames
 * first (process, modules, stacks, snapshots, ...), so that when the
 * allocation events are decoded every stack is symbolized and every
 * snapshot time is known; then the EVENTS frames.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/err.h"
#include "format/decode.h"
#include "ingest/checklist.h"
#include "ingest/db.h"
#include "ingest/derive.h"
#include "ingest/events.h"
#include "ingest/ingest.h"
#include "ingest/sitename.h"
#include "ingest/symbolize.h"
#include "ingest/tracemeta.h"

int ingest_open(struct ingest *ig, const char *db_path, char *err, size_t errlen)
{
	memset(ig, 0, sizeof *ig);
	return db_open_rw(db_path, &ig->db, err, errlen);
}

void ingest_close(struct ingest *ig)
{
	symcache_free(&ig->cache);
	if (ig->db)
		sqlite3_close(ig->db);
	ig->db = NULL;
}

/* ---------------------------------------------------------------- progress */

struct progress {
	int on;
	const char *name;
	double last;
	int drawn;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A bar on stderr, redrawn at most ten times a second. */
static void progress_draw(struct progress *p, double frac, const char *what)
{
	if (!p->on)
		return;
	double t = now_s();
	if (frac < 1.0 && t - p->last < 0.1)
		return;
	p->last = t;
	int width = 30, fill = (int)(frac * width + 0.5);
	char bar[64];
	for (int i = 0; i < width; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[width] = 0;
	/* The bar goes to a terminal: the file's name shows in plain ASCII,
	 * anything else as '?', so it cannot drive the terminal and keeps
	 * its width. */
	const char *base = strrchr(p->name, '/');
	char name[29];
	size_t n = 0;
	for (const char *c = base ? base + 1 : p->name; *c && n < sizeof name - 1; c++)
		name[n++] = *c >= 0x20 && *c < 0x7f ? *c : '?';
	name[n] = 0;
	fprintf(stderr, "\rmemledger: %-28s [%s] %3d%% %-10s", name, bar, (int)(frac * 100), what);
	p->drawn = 1;
}

static void progress_clear(struct progress *p)
{
	if (p->on && p->drawn)
		fprintf(stderr, "\r%78s\r", "");
	p->drawn = 0;
}

static double read_frac(const struct ml_reader *r)
{
	return r->file_size ? (double)r->file_read / (double)r->file_size : 0;
}

/* ---------------------------------------------------------------- identity */

int ingest_peek(const char *path, struct ingest_peek *pk)
{
	struct ml_reader r;
	struct trace_meta m;
	struct ml_frame f;
	char err[256];
	int rc = -1;
	memset(&m, 0, sizeof m);
	memset(pk, 0, sizeof *pk);
	if (ml_reader_open(&r, path) < 0)
		goto out;
	/* PROC is the first record of the first META frame. */
	while (ml_reader_next(&r, &f) == ML_READ_FRAME) {
		if (f.tag != ML_FRAME_META)
			continue;
		if (trace_meta_frame(&m, f.data, f.len, err, sizeof err) == 0 && m.have_proc) {
			pk->pid = m.pid;
			pk->ppid = m.ppid;
			pk->unix0_ns = m.unix0;
			rc = 0;
		}
		break;
	}
out:
	trace_meta_free(&m);
	ml_reader_close(&r);
	return rc;
}

/* A trace names its process image by the PROC record: pid, parent pid,
 * the wall clock at start (in ns) and the executable. Two images cannot
 * share all four: an exec'd image keeps the pid but starts later, a
 * forked child has its own pid. 1 with err set if the database already
 * holds this image, 0 if not, -1 on a database error. */
static int already_loaded(sqlite3 *db, const struct trace_meta *m, char *err, size_t errlen)
{
	sqlite3_stmt *s = db_prepare(db, "SELECT id, trace_file FROM processes WHERE pid = ? AND ppid IS ?"
	                                 " AND start_unix_ns = ? AND exe IS ? ORDER BY id LIMIT 1", err, errlen);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, m->pid);
	sqlite3_bind_int64(s, 2, m->ppid);
	sqlite3_bind_int64(s, 3, (int64_t)m->unix0);
	db_bind_text(s, 4, m->exe);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const char *from = (const char *)sqlite3_column_text(s, 1);
		snprintf(err, errlen, "already loaded as process %lld (pid %lld%s%s); --force loads it again",
		         (long long)sqlite3_column_int64(s, 0), (long long)m->pid, from ? ", from " : "",
		         from ? from : "");
		rc = 1;
	} else if (rc == SQLITE_DONE) {
		rc = 0;
	} else {
		snprintf(err, errlen, "database: %s", db_errmsg(db));
		rc = -1;
	}
	sqlite3_finalize(s);
	return rc;
}

/* ---------------------------------------------------------------- passes */

static int pass1(struct ml_reader *r, struct trace_meta *m, struct progress *pg, char *err, size_t errlen)
{
	struct ml_frame f;
	int rc;
	while ((rc = ml_reader_next(r, &f)) == ML_READ_FRAME) {
		if (f.tag == ML_FRAME_META && trace_meta_frame(m, f.data, f.len, err, errlen) < 0)
			return -1;
		if (f.tag == ML_FRAME_EVENTS)
			m->event_frames++;
		progress_draw(pg, 0.25 * read_frac(r), "reading");
	}
	if (rc == ML_READ_ERROR) {
		snprintf(err, errlen, "%s", r->err);
		return -1;
	}
	m->truncated = rc == ML_READ_TRUNCATED;
	if (!m->have_proc) {
		snprintf(err, errlen, m->truncated ? "trace is empty: the process stopped before writing its first record"
		                                   : "corrupt trace: no process record");
		return -1;
	}
	if (trace_meta_finish(m) < 0) {
		return err_oom(err, errlen);
	}
	return 0;
}

/*
 * Pass 2 reads on two threads: a reader thread decompresses the events
 * frames into a small ring of buffers while this thread decodes and
 * pairs them, so that on two cores inflating costs no time of its own.
 */
#define PREFETCH 8

struct prefetch {
	struct ml_reader *r;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct { uint8_t *data; size_t len, cap; double frac; } slot[PREFETCH];
	size_t head, tail;          /* filled: [head, tail) modulo PREFETCH */
	int done, rc, stop;         /* rc: the reader's last status */
	char err[256];
};

static void *prefetch_main(void *arg)
{
	struct prefetch *q = arg;
	struct ml_frame f;
	int rc;
	while ((rc = ml_reader_next(q->r, &f)) == ML_READ_FRAME) {
		if (f.tag != ML_FRAME_EVENTS)
			continue;
		pthread_mutex_lock(&q->mu);
		while (q->tail - q->head == PREFETCH && !q->stop)
			pthread_cond_wait(&q->cv, &q->mu);
		int stop = q->stop;
		pthread_mutex_unlock(&q->mu);
		if (stop)
			return NULL;
		/* the slot at tail is the reader's alone until tail moves */
		size_t i = q->tail % PREFETCH;
		if (q->slot[i].cap < f.len) {
			uint8_t *d = realloc(q->slot[i].data, f.len);
			if (!d) {
				rc = ML_READ_ERROR;
				err_oom(q->err, sizeof q->err);
				break;
			}
			q->slot[i].data = d;
			q->slot[i].cap = f.len;
		}
		memcpy(q->slot[i].data, f.data, f.len);
		q->slot[i].len = f.len;
		q->slot[i].frac = read_frac(q->r);
		pthread_mutex_lock(&q->mu);
		q->tail++;
		pthread_cond_broadcast(&q->cv);
		pthread_mutex_unlock(&q->mu);
	}
	if (rc == ML_READ_ERROR && !q->err[0])
		snprintf(q->err, sizeof q->err, "%s", q->r->err);
	pthread_mutex_lock(&q->mu);
	q->rc = rc;
	q->done = 1;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

static int pass2_run(struct ml_reader *r, struct pass2 *p, struct progress *pg, char *err, size_t errlen)
{
	struct prefetch q = { .r = r };
	pthread_t th;
	int ret = -1;
	if (ml_reader_rewind(r) < 0) {
		snprintf(err, errlen, "%s", r->err);
		return -1;
	}
	pthread_mutex_init(&q.mu, NULL);
	pthread_cond_init(&q.cv, NULL);
	if (pthread_create(&th, NULL, prefetch_main, &q) != 0) {
		snprintf(err, errlen, "cannot start the reader thread");
		goto out_destroy;
	}
	for (;;) {
		pthread_mutex_lock(&q.mu);
		while (q.head == q.tail && !q.done)
			pthread_cond_wait(&q.cv, &q.mu);
		int empty = q.head == q.tail;
		pthread_mutex_unlock(&q.mu);
		if (empty)
			break;
		/* the slot at head is ours alone until head moves */
		size_t i = q.head % PREFETCH;
		if (pass2_frame(p, q.slot[i].data, q.slot[i].len, err, errlen) < 0)
			goto out_stop;
		progress_draw(pg, 0.25 + 0.7 * q.slot[i].frac, "loading");
		pthread_mutex_lock(&q.mu);
		q.head++;
		pthread_cond_broadcast(&q.cv);
		pthread_mutex_unlock(&q.mu);
	}
	if (q.rc == ML_READ_ERROR)
		snprintf(err, errlen, "%s", q.err);
	else
		ret = 0;
out_stop:
	pthread_mutex_lock(&q.mu);
	q.stop = 1;
	pthread_cond_broadcast(&q.cv);
	pthread_mutex_unlock(&q.mu);
	pthread_join(th, NULL);
out_destroy:
	for (size_t k = 0; k < PREFETCH; k++)
		free(q.slot[k].data);
	pthread_mutex_destroy(&q.mu);
	pthread_cond_destroy(&q.cv);
	return ret;
}

/*
 * Whose allocator the program used. When the hooks were bypassed the
 * trace has no allocations to speak of; when the allocator is not glibc's,
 * mallinfo2's figures (HeapInuse, HeapIdle) describe a heap nobody used:
 * they are NULL ("n/a"), never 0.
 */
static int store_allocator(sqlite3 *db, const struct trace_meta *m, int64_t pid, char *err, size_t errlen)
{
	if (!m->have_alloc)
		return 0;
	sqlite3_stmt *s = db_prepare(db, "UPDATE processes SET hooks_bypassed = ?, allocator = ?,"
	                                 " allocator_glibc = ? WHERE id = ?", err, errlen);
	if (!s)
		return -1;
	sqlite3_bind_int(s, 1, (m->alloc_flags & ML_ALLOC_BYPASSED) != 0);
	db_bind_text(s, 2, m->alloc_calls);
	sqlite3_bind_int(s, 3, !(m->alloc_flags & ML_ALLOC_NOT_GLIBC));
	sqlite3_bind_int64(s, 4, pid);
	int rc = db_step(db, s, err, errlen);
	sqlite3_finalize(s);
	if (rc < 0 || !(m->alloc_flags & ML_ALLOC_NOT_GLIBC))
		return rc < 0 ? -1 : 0;
	s = db_prepare(db, "UPDATE snapshots SET heap_inuse = NULL, heap_idle = NULL, heap_released = NULL"
	                   " WHERE process_id = ?", err, errlen);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, pid);
	rc = db_step(db, s, err, errlen);
	sqlite3_finalize(s);
	return rc < 0 ? -1 : 0;
}

/*
 * meta 'allocations': the mode every trace of the database was loaded
 * with, or 'mixed'. A database that holds processes but no such key was
 * loaded before the modes existed, with every row.
 */
static int store_mode(sqlite3 *db, int mode, char *err, size_t errlen)
{
	static const char *const names[] = { [ALLOC_ROWS_LIVE] = "live", [ALLOC_ROWS_ALL] = "all",
	                                     [ALLOC_ROWS_NONE] = "none" };
	const char *now = names[mode];
	int have = db_int(db, "SELECT count(*) FROM meta WHERE key = 'allocations'", 0) > 0;
	if (!have && db_int(db, "SELECT count(*) FROM processes", 0) > 1 && mode != ALLOC_ROWS_ALL)
		now = "mixed";
	sqlite3_stmt *s = db_prepare(db, "INSERT INTO meta(key, value) VALUES ('allocations', ?)"
	                                 " ON CONFLICT(key) DO UPDATE SET value ="
	                                 " CASE WHEN value = excluded.value THEN value ELSE 'mixed' END", err, errlen);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, now, -1, SQLITE_STATIC);
	int rc = db_step(db, s, err, errlen);
	sqlite3_finalize(s);
	return rc;
}

int ingest_trace(struct ingest *ig, const char *path, const struct ingest_opts *o,
                 struct ingest_stats *st, char *err, size_t errlen)
{
	struct ml_reader r;
	struct trace_meta m;
	struct symbolizer *sym = NULL;
	struct pass2 *p = NULL;
	struct progress pg = { o && o->progress && isatty(2), path, 0, 0 };
	int in_tx = 0, rc = -1;
	char abspath[4096];
	memset(&m, 0, sizeof m);
	memset(st, 0, sizeof *st);
	m.path = path;
	if (ml_reader_open(&r, path) < 0) {
		snprintf(err, errlen, "%s", r.err);
		ml_reader_close(&r);
		return -1;
	}
	if (pass1(&r, &m, &pg, err, errlen) < 0)
		goto out;
	if (!realpath(path, abspath))
		snprintf(abspath, sizeof abspath, "%s", path);

	/* IMMEDIATE: wait for another writer (up to DB_LOCK_WAIT_MS) here,
	 * not halfway through the load. */
	if (db_exec(ig->db, "BEGIN IMMEDIATE", err, errlen) < 0)
		goto out;
	in_tx = 1;
	if (!(o && o->force) && already_loaded(ig->db, &m, err, errlen) != 0)
		goto out;
	/* Into an empty table, load without the stack index and build it
	 * after: one sort costs less than keeping it up to date row by row.
	 * allocations_live stays: it holds only the rows written as live
	 * (few, in id order), and building it after would read every row. */
	int rebuild = db_int(ig->db, "SELECT count(*) FROM (SELECT 1 FROM allocations LIMIT 1)", 1) == 0;
	if (rebuild && db_exec(ig->db, "DROP INDEX IF EXISTS allocations_stack;", err, errlen) < 0)
		goto out;
	if (symcache_load(&ig->cache, ig->db, err, errlen) < 0)
		goto out;
	int64_t pid = derive_process_begin(ig->db, &m, abspath, err, errlen);
	if (pid < 0)
		goto out;
	progress_draw(&pg, 0.25, "symbols");
	if (!(sym = symbols_for_trace(&m, o ? o->search : NULL))) {
		err_oom(err, errlen);
		goto out;
	}
	if (symbols_resolve(&ig->cache, ig->db, sym, &m, err, errlen) < 0)
		goto out;
	int64_t first_id = db_int(ig->db, "SELECT max(id) FROM allocations", 0) + 1;
	int mode = o && o->allocations >= ALLOC_ROWS_LIVE && o->allocations <= ALLOC_ROWS_NONE ? o->allocations
	                                                                                     : ALLOC_ROWS_LIVE;
	if (!(p = pass2_new(ig->db, &m, pid, first_id, mode, err, errlen)))
		goto out;
	int64_t settle_lo, settle_hi;
	checklist_settle_window(&m, &settle_lo, &settle_hi);
	if (settle_lo >= 0)
		pass2_settle_window(p, settle_lo, settle_hi);
	if (pass2_run(&r, p, &pg, err, errlen) < 0 || pass2_finish(p, err, errlen) < 0)
		goto out;
	progress_draw(&pg, 0.96, "tables");
	size_t nsites;
	const struct gsite *sites = pass2_sites(p, &nsites);
	struct sitename_rules rules = { o ? o->alloc_fns : NULL, o ? o->nalloc_fns : 0 };
	if (derive_snapshots(ig->db, &m, pid, err, errlen) < 0 ||
	    store_allocator(ig->db, &m, pid, err, errlen) < 0 ||
	    derive_modules(ig->db, &m, pid, err, errlen) < 0 ||
	    derive_threads(ig->db, &m, sym, pid, err, errlen) < 0 ||
	    symbols_status(ig->db, sym, pid, o ? o->sym_warn : NULL, err, errlen) < 0 ||
	    derive_resources(ig->db, &m, pid, err, errlen) < 0 ||
	    derive_sites(ig->db, sites, nsites, pid, &rules, err, errlen) < 0 ||
	    checklist_run(ig->db, &m, pid, sites, nsites, settle_lo, settle_hi, &rules, err, errlen) < 0 ||
	    derive_process_end(ig->db, &m, pid, pass2_events(p), pass2_unknown_frees(p), err, errlen) < 0 ||
	    store_mode(ig->db, mode, err, errlen) < 0 ||
	    db_exec(ig->db, DB_ALLOCATION_INDEXES, err, errlen) < 0)
		goto out;
	if (db_exec(ig->db, "COMMIT", err, errlen) < 0)
		goto out;
	in_tx = 0;
	st->process_id = pid;
	st->pid = m.pid;
	st->events = pass2_events(p);
	st->truncated = m.truncated;
	st->end_reason = m.have_end ? (m.end_reason == ML_END_SIGNAL ? "signal" : "exit")
	                 : m.have_exec ? "exec" : "truncated";
	rc = 0;
out:
	progress_clear(&pg);
	/* Stop the database thread before the rollback: nothing it still
	 * holds may reach the database afterwards. */
	pass2_free(p);
	if (in_tx) {
		char ignore[64];
		db_exec(ig->db, "ROLLBACK", ignore, sizeof ignore);
		/* the cache may name frames and stacks that were rolled back */
		symcache_free(&ig->cache);
	}
	if (sym)
		symbolizer_free(sym);
	trace_meta_free(&m);
	ml_reader_close(&r);
	return rc;
}
