/*
 * go_ingest.c - see go_ingest.h. Reads every input into one go_run,
 * puts it on one clock, then writes the process, snapshots, gc_cycles,
 * threads (goroutines), frames, stacks, sites and site_snapshots, and
 * the checklist, in one transaction.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/filehead.h"
#include "common/fileread.h"
#include "common/u64map.h"
#include "ingest/db.h"
#include "ingest/go_checklist.h"
#include "ingest/go_ingest.h"
#include "ingest/json.h"
#include "ingest/tracemeta.h"

#define GO_INPUT_MAX (1ull << 30)

/* The whole file, NUL-terminated. 0, or -1 with err. */
static int slurp(const char *path, uint8_t **out, size_t *len, char *err, size_t errlen)
{
	char *buf;

	if (fileread_all(path, GO_INPUT_MAX, &buf, len) == 0) {
		*out = (uint8_t *)buf;
		return 0;
	}
	if (errno == ENOMEM)
		return err_oom(err, errlen);
	if (errno == EISDIR || errno == EINVAL)
		snprintf(err, errlen, "not a regular file");
	else if (errno == EFBIG)
		snprintf(err, errlen, "larger than %llu MiB", GO_INPUT_MAX >> 20);
	else
		snprintf(err, errlen, "%m");
	return -1;
}

int ingest_is_go(const char *path)
{
	uint8_t buf[65536];
	ssize_t n = filehead_read(path, buf, sizeof buf);
	return n > 0 && go_sniff(buf, (size_t)n) != GO_KIND_NONE;
}

/* ---------------------------------------------------------------- frames and stacks */

struct interner {
	sqlite3 *db;
	sqlite3_stmt *find_frame, *ins_frame, *ins_stack;
	struct u64map frames;  /* key hash -> frames.id */
	struct u64map stacks;  /* frame chain hash -> stack_id */
	int64_t next_frame, next_stack;
};

static uint64_t frame_hash(const struct go_frame *f)
{
	uint64_t h = hash_bytes(f->function, strlen(f->function), 0x9e37);
	h = hash_bytes(f->file ? f->file : "", f->file ? strlen(f->file) : 0, h);
	h = hash_bytes(&f->line, sizeof f->line, h);
	h = hash_bytes(&f->inlined, sizeof f->inlined, h);
	return h ? h : 1;
}

static int is_go_runtime(const char *fn)
{
	return fn && (!strncmp(fn, "runtime.", 8) || !strncmp(fn, "runtime/", 8));
}

static int64_t intern_frame(struct interner *in, const struct go_frame *f, char *err, size_t errlen)
{
	uint64_t h = frame_hash(f), id;
	if (u64map_get(&in->frames, h, &id))
		return (int64_t)id;
	sqlite3_stmt *s = in->find_frame;
	sqlite3_bind_text(s, 1, f->function, -1, SQLITE_STATIC);
	db_bind_text(s, 2, f->file);
	sqlite3_bind_int64(s, 3, f->line);
	sqlite3_bind_int(s, 4, f->inlined);
	int64_t found = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	if (!found) {
		found = in->next_frame++;
		s = in->ins_frame;
		sqlite3_bind_int64(s, 1, found);
		sqlite3_bind_text(s, 2, f->function, -1, SQLITE_STATIC);
		db_bind_text(s, 3, f->file);
		sqlite3_bind_int64(s, 4, f->line);
		sqlite3_bind_int(s, 5, f->inlined);
		sqlite3_bind_int(s, 6, is_go_runtime(f->function));
		if (db_step(in->db, s, err, errlen) < 0)
			return -1;
	}
	if (u64map_put(&in->frames, h, (uint64_t)found) < 0) {
		return err_oom(err, errlen);
	}
	return found;
}

/* The stack_id of frames[0..n) (innermost first), inserting it if new; 0 for none. */
static int64_t intern_stack(struct interner *in, const struct go_frame *frames, size_t n,
                            char *err, size_t errlen)
{
	if (!n)
		return 0;
	int64_t *ids = malloc(n * sizeof *ids);
	if (!ids) {
		return err_oom(err, errlen);
	}
	uint64_t h = 7, sid;
	int64_t rc = -1;
	for (size_t i = 0; i < n; i++) {
		if ((ids[i] = intern_frame(in, &frames[i], err, errlen)) < 0)
			goto out;
		h = hash_bytes(&ids[i], sizeof ids[i], h);
	}
	h = h ? h : 1;
	if (u64map_get(&in->stacks, h, &sid)) {
		rc = (int64_t)sid;
		goto out;
	}
	int64_t id = in->next_stack++;
	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_int64(in->ins_stack, 1, id);
		sqlite3_bind_int64(in->ins_stack, 2, (int64_t)i);
		sqlite3_bind_int64(in->ins_stack, 3, ids[i]);
		if (db_step(in->db, in->ins_stack, err, errlen) < 0)
			goto out;
	}
	if (u64map_put(&in->stacks, h, (uint64_t)id) < 0) {
		err_oom(err, errlen);
		goto out;
	}
	rc = id;
out:
	free(ids);
	return rc;
}

static int interner_open(struct interner *in, sqlite3 *db, char *err, size_t errlen)
{
	memset(in, 0, sizeof *in);
	in->db = db;
	in->next_frame = db_int(db, "SELECT max(id) FROM frames", 0) + 1;
	in->next_stack = db_int(db, "SELECT max(stack_id) FROM stacks", 0) + 1;
	in->find_frame = db_prepare(db, "SELECT id FROM frames WHERE function = ?1 AND file IS ?2 AND line = ?3"
	                                " AND inlined = ?4 AND module IS NULL LIMIT 1", err, errlen);
	in->ins_frame = db_prepare(db, "INSERT INTO frames(id, module, offset, function, file, line, inlined, runtime)"
	                               " VALUES (?1, NULL, NULL, ?2, ?3, ?4, ?5, ?6)", err, errlen);
	in->ins_stack = db_prepare(db, "INSERT INTO stacks(stack_id, depth, frame_id) VALUES (?,?,?)", err, errlen);
	return in->find_frame && in->ins_frame && in->ins_stack ? 0 : -1;
}

static void interner_close(struct interner *in)
{
	sqlite3_finalize(in->find_frame);
	sqlite3_finalize(in->ins_frame);
	sqlite3_finalize(in->ins_stack);
	u64map_free(&in->frames);
	u64map_free(&in->stacks);
}

/* ---------------------------------------------------------------- rows */

static void bind_ms(sqlite3_stmt *s, int i, const struct go_snap *sn, enum go_ms f)
{
	db_bind_opt(s, i, sn->f[f]);
}

static int write_process(sqlite3 *db, const struct go_run *r, const char *inputs_json,
                         const char *first_path, int64_t *pid, char *err, size_t errlen)
{
	int64_t end_ns = 0, period = 0;
	for (size_t i = 0; i < r->nsnaps; i++)
		if (r->snaps[i].ts_ns > end_ns)
			end_ns = r->snaps[i].ts_ns;
	for (size_t i = 0; i < r->ngcs; i++)
		if (r->gcs[i].ts_ns > end_ns)
			end_ns = r->gcs[i].ts_ns;
	for (size_t i = 0; i < r->nprofiles; i++)
		if (r->profiles[i].period > period)
			period = r->profiles[i].period;
	if (r->have_end && r->end_unix_ns > r->origin_unix_ns)
		end_ns = r->end_unix_ns - r->origin_unix_ns;
	const char *why = r->truncated ? "truncated" : r->have_end ? r->end_reason : r->have_meta ? "truncated" : NULL;
	sqlite3_stmt *s = db_prepare(db,
		"INSERT INTO processes(pid, ppid, exe, argv, start_ns, end_ns, end_reason, exit_code, signal,"
		" trace_file, start_unix_ns, runtime, sample_interval_ns, sample_bytes, events, go_inputs,"
		" go_skipped_lines) VALUES (?,?,?,?,0,?,?,?,?,?,?,'go',?,?,0,?,?)", err, errlen);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, r->have_meta ? r->pid : 0);
	db_bind_opt(s, 2, r->have_meta ? r->ppid : -1);
	db_bind_text(s, 3, r->exe);
	db_bind_text(s, 4, r->argv_json ? r->argv_json : "[]");
	sqlite3_bind_int64(s, 5, end_ns);
	db_bind_text(s, 6, why);
	db_bind_opt(s, 7, r->have_end && !r->truncated && !strcmp(r->end_reason, "exit") ? r->exit_code : -1);
	db_bind_opt(s, 8, r->have_end && !r->truncated && !strcmp(r->end_reason, "signal") ? r->signal : -1);
	db_bind_text(s, 9, first_path);
	sqlite3_bind_int64(s, 10, r->origin_unix_ns);
	db_bind_opt(s, 11, r->sample_interval_ns > 0 ? r->sample_interval_ns : -1);
	sqlite3_bind_int64(s, 12, period);
	db_bind_text(s, 13, inputs_json);
	sqlite3_bind_int64(s, 14, r->skipped_lines);
	int rc = db_step(db, s, err, errlen);
	sqlite3_finalize(s);
	*pid = sqlite3_last_insert_rowid(db);
	return rc;
}

static const char *snap_kind(int k)
{
	return k == GO_SNAP_START ? "start" : k == GO_SNAP_EXIT ? "exit" : k == GO_SNAP_SAMPLE ? "sample" : "user";
}

static int write_snapshots(sqlite3 *db, const struct go_run *r, int64_t pid, char *err, size_t errlen)
{
	sqlite3_stmt *s = db_prepare(db,
		"INSERT INTO snapshots(process_id, seq, label, ts_ns, alloc, total_alloc, sys, heap_inuse,"
		" heap_idle, heap_released, stack_inuse, heap_objects, mallocs, frees, live, num_gc,"
		" gc_cpu_fraction, threads, kind, num_forced_gc, pause_total_ns, next_gc, last_gc_unix_ns,"
		" heap_alloc, heap_sys, stack_sys, mspan_inuse, mspan_sys, mcache_inuse, mcache_sys,"
		" buck_hash_sys, gc_sys, other_sys, lookups)"
		" VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,"
		"?24,?25,?26,?27,?28,?29,?30,?31,?32,?33,?34)", err, errlen);
	if (!s)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < r->nsnaps && rc == 0; i++) {
		const struct go_snap *sn = &r->snaps[i];
		sqlite3_bind_int64(s, 1, pid);
		sqlite3_bind_int64(s, 2, (int64_t)i + 1);
		sqlite3_bind_text(s, 3, sn->label, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, sn->ts_ns);
		static const enum go_ms cols[] = { GO_MS_ALLOC, GO_MS_TOTAL_ALLOC, GO_MS_SYS, GO_MS_HEAP_INUSE,
		                                   GO_MS_HEAP_IDLE, GO_MS_HEAP_RELEASED, GO_MS_STACK_INUSE,
		                                   GO_MS_HEAP_OBJECTS, GO_MS_MALLOCS, GO_MS_FREES };
		for (size_t c = 0; c < sizeof cols / sizeof *cols; c++)
			bind_ms(s, 5 + (int)c, sn, cols[c]);
		db_bind_opt(s, 15, sn->f[GO_MS_MALLOCS] >= 0 && sn->f[GO_MS_FREES] >= 0 ?
		                   sn->f[GO_MS_MALLOCS] - sn->f[GO_MS_FREES] : -1);
		if (sn->f[GO_MS_MALLOCS] >= 0 && sn->f[GO_MS_FREES] > sn->f[GO_MS_MALLOCS])
			sqlite3_bind_int64(s, 15, sn->f[GO_MS_MALLOCS] - sn->f[GO_MS_FREES]);
		bind_ms(s, 16, sn, GO_MS_NUM_GC);
		if (isnan(sn->gc_cpu_fraction))
			sqlite3_bind_null(s, 17);
		else
			sqlite3_bind_double(s, 17, sn->gc_cpu_fraction);
		db_bind_opt(s, 18, sn->goroutines);
		sqlite3_bind_text(s, 19, snap_kind(sn->kind), -1, SQLITE_STATIC);
		static const enum go_ms ext[] = { GO_MS_NUM_FORCED_GC, GO_MS_PAUSE_TOTAL_NS, GO_MS_NEXT_GC,
		                                  GO_MS_LAST_GC, GO_MS_HEAP_ALLOC, GO_MS_HEAP_SYS, GO_MS_STACK_SYS,
		                                  GO_MS_MSPAN_INUSE, GO_MS_MSPAN_SYS, GO_MS_MCACHE_INUSE,
		                                  GO_MS_MCACHE_SYS, GO_MS_BUCK_HASH_SYS, GO_MS_GC_SYS,
		                                  GO_MS_OTHER_SYS, GO_MS_LOOKUPS };
		for (size_t c = 0; c < sizeof ext / sizeof *ext; c++)
			bind_ms(s, 20 + (int)c, sn, ext[c]);
		rc = db_step(db, s, err, errlen);
	}
	sqlite3_finalize(s);
	return rc;
}

static int write_gcs(sqlite3 *db, struct go_run *r, int64_t pid, char *err, size_t errlen)
{
	sqlite3_stmt *s = db_prepare(db,
		"INSERT OR IGNORE INTO gc_cycles(process_id, num, ts_ns, forced, heap_before, heap_after, heap_live,"
		" heap_goal, stacks, globals, procs, pause_ns, mark_ns, cpu_ns, cpu_percent, assist_cpu_ns)"
		" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", err, errlen);
	if (!s)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < r->ngcs && rc == 0; i++) {
		const struct go_gc *g = &r->gcs[i];
		int64_t cpu = 0;
		for (int k = 0; k < 5; k++)
			cpu += g->cpu[k];
		int64_t v[] = { pid, g->num, g->ts_ns, g->forced, g->heap0, g->heap1, g->heap2, g->goal,
		                g->stacks, g->globals, g->procs, g->clock[0] + g->clock[2], g->clock[1], cpu,
		                g->cpu_percent, g->cpu[1] };
		for (int k = 0; k < 16; k++)
			db_bind_opt(s, k + 1, v[k]);
		rc = db_step(db, s, err, errlen);
		if (rc == 0 && sqlite3_changes(db) == 0)
			go_run_warn(r, "gc %lld appears twice: the second line is ignored", (long long)g->num);
	}
	sqlite3_finalize(s);
	return rc;
}

/* The snapshot a dump or profile taken at unix (has_time) belongs to: the
 * one at the same instant (the package sends them together), else the
 * nearest; untimed ones belong to the last snapshot. -1: no snapshot. */
static long snap_for(const struct go_run *r, int has_time, int64_t ts)
{
	if (!r->nsnaps)
		return -1;
	if (!has_time)
		return (long)r->nsnaps - 1;
	long best = 0;
	for (size_t i = 0; i < r->nsnaps; i++) {
		int64_t d = llabs(r->snaps[i].ts_ns - ts), bd = llabs(r->snaps[best].ts_ns - ts);
		if (d < bd || (d == bd && r->snaps[i].kind != GO_SNAP_SAMPLE))
			best = (long)i;
	}
	return best;
}

static const struct go_frame *site_frame(const struct go_psample *s)
{
	for (size_t i = 0; i < s->nframes; i++)
		if (!is_go_runtime(s->frames[i].function))
			return &s->frames[i];
	return s->nframes ? &s->frames[0] : NULL;
}

/* Sum each profile's samples by stack. */
static int profile_sites(struct interner *in, const struct go_profile *p, struct go_site **out,
                         size_t *nout, char *err, size_t errlen)
{
	struct u64map ix = U64MAP_INIT;
	struct go_site *v = NULL;
	size_t n = 0, cap = 0;
	int rc = -1;
	for (size_t i = 0; i < p->n; i++) {
		const struct go_psample *s = &p->s[i];
		int64_t sid = intern_stack(in, s->frames, s->nframes, err, errlen);
		uint64_t k;
		if (sid < 0)
			goto out;
		if (sid == 0)
			continue;
		struct go_site *site;
		if (u64map_get(&ix, (uint64_t)sid, &k)) {
			site = &v[k];
		} else {
			if (!(site = VEC_PUSH(v, n, cap)) || u64map_put(&ix, (uint64_t)sid, n - 1) < 0)
				goto oom;
			site->stack_id = sid;
			site->at = site_frame(s);
		}
		site->alloc_objects += s->alloc_objects;
		site->alloc_space += s->alloc_space;
		site->inuse_objects += s->inuse_objects;
		site->inuse_space += s->inuse_space;
	}
	*out = v;
	*nout = n;
	v = NULL;
	rc = 0;
	goto out;
oom:
	err_oom(err, errlen);
out:
	free(v);
	u64map_free(&ix);
	return rc;
}

static int write_sites(sqlite3 *db, const struct go_run *r, struct go_written *w, char *err, size_t errlen)
{
	if (!r->nprofiles)
		return 0;
	/* `sites` describes the last profile; peak_live_bytes any of them. */
	size_t last = 0;
	for (size_t i = 1; i < r->nprofiles; i++)
		if (r->profiles[i].ts_ns >= r->profiles[last].ts_ns)
			last = i;
	struct u64map peak = U64MAP_INIT;
	int rc = -1;
	sqlite3_stmt *ss = db_prepare(db, "INSERT OR REPLACE INTO site_snapshots(process_id, snapshot_seq, stack_id,"
	                                  " live_allocs, live_bytes) VALUES (?,?,?,?,?)", err, errlen);
	sqlite3_stmt *si = db_prepare(db, "INSERT INTO sites(process_id, stack_id, function, file, line, allocs,"
	                                  " bytes, live_allocs, live_bytes, temporary, peak_live_bytes, runtime)"
	                                  " VALUES (?,?,?,?,?,?,?,?,?,0,?,?)", err, errlen);
	if (!ss || !si)
		goto out;
	for (size_t i = 0; i < r->nprofiles; i++) {
		for (size_t k = 0; k < w->npsites[i]; k++) {
			const struct go_site *s = &w->psites[i][k];
			uint64_t pk = 0;
			u64map_get(&peak, (uint64_t)s->stack_id, &pk);
			if ((uint64_t)s->inuse_space >= pk && u64map_put(&peak, (uint64_t)s->stack_id, (uint64_t)s->inuse_space + 1) < 0) {
				err_oom(err, errlen);
				goto out;
			}
			if (w->profile_snap[i] < 0)
				continue;
			sqlite3_bind_int64(ss, 1, w->pid);
			sqlite3_bind_int64(ss, 2, w->profile_snap[i] + 1);
			sqlite3_bind_int64(ss, 3, s->stack_id);
			sqlite3_bind_int64(ss, 4, s->inuse_objects);
			sqlite3_bind_int64(ss, 5, s->inuse_space);
			if (db_step(db, ss, err, errlen) < 0)
				goto out;
		}
	}
	for (size_t k = 0; k < w->npsites[last]; k++) {
		const struct go_site *s = &w->psites[last][k];
		uint64_t pk = 1;
		u64map_get(&peak, (uint64_t)s->stack_id, &pk);
		sqlite3_bind_int64(si, 1, w->pid);
		sqlite3_bind_int64(si, 2, s->stack_id);
		db_bind_text(si, 3, s->at ? s->at->function : NULL);
		db_bind_text(si, 4, s->at ? s->at->file : NULL);
		db_bind_opt(si, 5, s->at ? s->at->line : -1);
		sqlite3_bind_int64(si, 6, s->alloc_objects);
		sqlite3_bind_int64(si, 7, s->alloc_space);
		sqlite3_bind_int64(si, 8, s->inuse_objects);
		sqlite3_bind_int64(si, 9, s->inuse_space);
		sqlite3_bind_int64(si, 10, (int64_t)pk - 1);
		sqlite3_bind_int(si, 11, s->at && is_go_runtime(s->at->function));
		if (db_step(db, si, err, errlen) < 0)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(ss);
	sqlite3_finalize(si);
	u64map_free(&peak);
	return rc;
}

/* One threads row per goroutine id: from the first dump showing it to
 * the first later dump that does not. */
static int write_goroutines(sqlite3 *db, struct interner *in, const struct go_run *r, struct go_written *w,
                            char *err, size_t errlen)
{
	if (!r->ndumps)
		return 0;
	struct u64map done = U64MAP_INIT;
	int rc = -1;
	sqlite3_stmt *gs = NULL, *s = db_prepare(db, "INSERT INTO threads(process_id, tid, start_ns, end_ns, state_at_exit,"
	                                 " stack_id, start_function, creator_tid) VALUES (?,?,?,?,?,?,?,?)", err, errlen);
	gs = db_prepare(db, "INSERT INTO goroutines(process_id, tid, start_ns, wait_reason,"
	                                  " wait_minutes, wait_stack_id) VALUES (?,?,?,?,?,?)", err, errlen);
	if (!s || !gs)
		goto out;
	for (size_t i = 0; i < r->ndumps; i++) {
		const struct go_dump *d = &r->dumps[i];
		for (size_t j = 0; j < d->n; j++) {
			const struct go_goroutine *g = &d->g[j];
			int64_t cs = 0;
			if (g->created.function && (cs = intern_stack(in, &g->created, 1, err, errlen)) < 0)
				goto out;
			w->created_stack[i][j] = cs;
			if (u64map_get(&done, (uint64_t)g->id + 1, NULL))
				continue;
			if (u64map_put(&done, (uint64_t)g->id + 1, 1) < 0) {
				err_oom(err, errlen);
				goto out;
			}
			/* the last dump that shows it, and the first after that which does not */
			size_t lastd = i;
			int64_t end = -1;
			const struct go_goroutine *at = g;
			for (size_t k = i + 1; k < r->ndumps; k++) {
				const struct go_goroutine *h = NULL;
				for (size_t m = 0; m < r->dumps[k].n; m++)
					if (r->dumps[k].g[m].id == g->id)
						h = &r->dumps[k].g[m];
				if (!h) {
					if (end < 0)
						end = r->dumps[k].ts_ns;
					continue;
				}
				if (end >= 0)
					break;   /* the id was reused: keep the first life */
				lastd = k;
				at = h;
			}
			int alive = lastd == r->ndumps - 1;
			int64_t ws = intern_stack(in, at->frames, at->nframes, err, errlen);
			if (ws < 0)
				goto out;
			sqlite3_bind_int64(s, 1, w->pid);
			sqlite3_bind_int64(s, 2, g->id);
			sqlite3_bind_int64(s, 3, d->ts_ns);
			db_bind_opt(s, 4, alive ? -1 : end);
			db_bind_text(s, 5, alive ? (g->id == 1 ? "main" : "running") : NULL);
			db_bind_opt(s, 6, cs ? cs : -1);
			db_bind_text(s, 7, at->nframes ? at->frames[at->nframes - 1].function : NULL);
			db_bind_opt(s, 8, g->creator);
			if (db_step(db, s, err, errlen) < 0)
				goto out;
			sqlite3_bind_int64(gs, 1, w->pid);
			sqlite3_bind_int64(gs, 2, g->id);
			sqlite3_bind_int64(gs, 3, d->ts_ns);
			db_bind_text(gs, 4, at->state);
			db_bind_opt(gs, 5, at->wait_minutes);
			db_bind_opt(gs, 6, ws ? ws : -1);
			if (db_step(db, gs, err, errlen) < 0)
				goto out;
		}
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	sqlite3_finalize(gs);
	u64map_free(&done);
	return rc;
}

static void written_free(struct go_written *w, const struct go_run *r)
{
	for (size_t i = 0; w->psites && i < r->nprofiles; i++)
		free(w->psites[i]);
	for (size_t i = 0; w->created_stack && i < r->ndumps; i++)
		free(w->created_stack[i]);
	free(w->psites);
	free(w->npsites);
	free(w->profile_snap);
	free(w->dump_snap);
	free(w->created_stack);
}

int go_write(sqlite3 *db, struct go_run *r, const char *inputs_json, const char *first_path,
             int64_t *process_id, char *err, size_t errlen)
{
	struct interner in;
	struct go_written w;
	int rc = -1;
	memset(&w, 0, sizeof w);
	if (interner_open(&in, db, err, errlen) < 0)
		goto out;
	if (write_process(db, r, inputs_json, first_path, &w.pid, err, errlen) < 0 ||
	    write_snapshots(db, r, w.pid, err, errlen) < 0 || write_gcs(db, r, w.pid, err, errlen) < 0)
		goto out;
	w.psites = calloc(r->nprofiles + 1, sizeof *w.psites);
	w.npsites = calloc(r->nprofiles + 1, sizeof *w.npsites);
	w.profile_snap = calloc(r->nprofiles + 1, sizeof *w.profile_snap);
	w.dump_snap = calloc(r->ndumps + 1, sizeof *w.dump_snap);
	w.created_stack = calloc(r->ndumps + 1, sizeof *w.created_stack);
	if (!w.psites || !w.npsites || !w.profile_snap || !w.dump_snap || !w.created_stack)
		goto oom;
	for (size_t i = 0; i < r->ndumps; i++) {
		w.dump_snap[i] = snap_for(r, r->dumps[i].has_time, r->dumps[i].ts_ns);
		if (!(w.created_stack[i] = calloc(r->dumps[i].n + 1, sizeof **w.created_stack)))
			goto oom;
	}
	for (size_t i = 0; i < r->nprofiles; i++) {
		w.profile_snap[i] = snap_for(r, r->profiles[i].has_time, r->profiles[i].ts_ns);
		if (profile_sites(&in, &r->profiles[i], &w.psites[i], &w.npsites[i], err, errlen) < 0)
			goto out;
	}
	if (write_sites(db, r, &w, err, errlen) < 0 || write_goroutines(db, &in, r, &w, err, errlen) < 0 ||
	    go_checklist_run(db, r, &w, err, errlen) < 0)
		goto out;
	*process_id = w.pid;
	rc = 0;
	goto out;
oom:
	err_oom(err, errlen);
out:
	written_free(&w, r);
	interner_close(&in);
	return rc;
}

int ingest_go(struct ingest *ig, char *const *paths, int n, const struct ingest_opts *o,
              struct ingest_stats *st, const char **bad, char *warn, size_t warnlen,
              char *err, size_t errlen)
{
	struct go_run r = GO_RUN_INIT;
	struct jbuf inputs = JBUF_INIT;
	char abspath[PATH_MAX], first[PATH_MAX];
	int in_tx = 0, rc = -1;
	(void)o;
	memset(st, 0, sizeof *st);
	*bad = n ? paths[0] : "ingest";
	warn[0] = 0;
	first[0] = 0;
	jbuf_adds(&inputs, "[");
	for (int i = 0; i < n; i++) {
		uint8_t *buf = NULL;
		size_t len = 0;
		*bad = paths[i];
		if (slurp(paths[i], &buf, &len, err, errlen) < 0)
			goto out;
		if (!len) {
			snprintf(err, errlen, "empty file");
			free(buf);
			goto out;
		}
		enum go_kind k = go_sniff(buf, len);
		char before[sizeof r.warning];
		memcpy(before, r.warning, sizeof before);
		int ok = go_read(&r, ig->db, buf, len, err, errlen);
		free(buf);
		if (ok < 0)
			goto out;
		if (!before[0] && r.warning[0] && !warn[0])
			snprintf(warn, warnlen, "%s: %s", paths[i], r.warning);
		if (!realpath(paths[i], abspath))
			snprintf(abspath, sizeof abspath, "%s", paths[i]);
		if (!first[0])
			snprintf(first, sizeof first, "%s", abspath);
		jbuf_adds(&inputs, i ? ",{\"file\":" : "{\"file\":");
		jbuf_add_string(&inputs, abspath, strlen(abspath));
		jbuf_adds(&inputs, ",\"kind\":");
		jbuf_add_string(&inputs, go_kind_name(k), strlen(go_kind_name(k)));
		jbuf_adds(&inputs, "}");
	}
	jbuf_adds(&inputs, "]");
	jbuf_add(&inputs, "", 1);
	if (inputs.oom) {
		err_oom(err, errlen);
		goto out;
	}
	*bad = n ? paths[0] : "ingest";
	if (go_run_timeline(&r) < 0) {
		err_oom(err, errlen);
		goto out;
	}
	if (r.warning[0] && !warn[0])
		snprintf(warn, warnlen, "%s: %s", n ? paths[n - 1] : "", r.warning);
	if (db_exec(ig->db, "BEGIN", err, errlen) < 0)
		goto out;
	in_tx = 1;
	if (go_write(ig->db, &r, inputs.s, first, &st->process_id, err, errlen) < 0 ||
	    db_exec(ig->db, "COMMIT", err, errlen) < 0)
		goto out;
	in_tx = 0;
	st->pid = r.pid;
	st->events = r.nsnaps + r.ngcs;
	st->truncated = r.truncated;
	st->end_reason = r.truncated ? "truncated" : r.have_end ? (strcmp(r.end_reason, "signal") ? "exit" : "signal") : "go";
	rc = 0;
out:
	if (in_tx) {
		char ignore[64];
		db_exec(ig->db, "ROLLBACK", ignore, sizeof ignore);
	}
	/* Frames and stacks were added behind the native symbol cache's back. */
	symcache_free(&ig->cache);
	jbuf_free(&inputs);
	go_run_free(&r);
	return rc;
}
