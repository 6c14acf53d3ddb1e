/*
 * data.c - reading the aggregate tables. See data.h.
 */
#include "report/data.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dbread.h"
#include "common/err.h"
#include "common/utf8.h"
#include "common/vec.h"

/* an embedded NUL would cut the string short: make it visible instead */
static char *col_str(sqlite3_stmt *st, int i)
{
	return dbr_col_str(st, i, '\x01');
}

static double col_num(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return NAN;
	return sqlite3_column_double(st, i);
}

static long long col_ll(sqlite3_stmt *st, int i)
{
	return sqlite3_column_int64(st, i);
}

static void set_err(char *err, size_t errlen, sqlite3 *db, const char *what)
{
	snprintf(err, errlen, "%s: %s", what, db ? sqlite3_errmsg(db) : ERR_OOM);
}

sqlite3 *rp_open(const char *path, char *err, size_t errlen)
{
	static const char *const tables[] = { "processes", "snapshots", "sites", "stacks",
					      "frames", "threads", "resources", "checklist",
					      "checklist_evidence", NULL };

	return dbr_open(path, tables, err, errlen);
}

static enum snap_kind kind_of(const char *kind, const char *label)
{
	const char *k = kind ? kind : label;

	if (!k)
		return SNAP_USER;
	if (strcmp(k, "start") == 0)
		return SNAP_START;
	if (strcmp(k, "exit") == 0)
		return SNAP_EXIT;
	if (strcmp(k, "sample") == 0)
		return SNAP_SAMPLE;
	return SNAP_USER;
}

static int fill_snapshot(sqlite3_stmt *st, void *row)
{
	struct rp_snapshot *s = row;
	char *kind;

	s->seq = col_ll(st, 0);
	s->ts = col_num(st, 1);
	kind = col_str(st, 2);
	s->label = col_str(st, 3);
	s->kind = kind_of(kind, s->label);
	free(kind);
	if (!s->label && !(s->label = strdup("?")))
		return -1;
	for (int c = 0; c < SC_NCOL; c++)
		s->v[c] = col_num(st, 4 + c);
	/* Live is Mallocs - Frees by definition when the column is empty */
	if (isnan(s->v[SC_LIVE]) && !isnan(s->v[SC_MALLOCS]) && !isnan(s->v[SC_FREES]))
		s->v[SC_LIVE] = s->v[SC_MALLOCS] - s->v[SC_FREES];
	return 0;
}

static int load_snapshots(sqlite3 *db, struct rp_process *p, char *err, size_t errlen)
{
	static const char sql[] =
		"SELECT seq, ts_ns, kind, label, alloc, total_alloc, sys, heap_inuse, heap_idle,"
		" heap_released, stack_inuse, heap_objects, mallocs, frees, live, num_gc,"
		" gc_cpu_fraction, alloc_cpu_fraction, threads, rss, trim_calls, cpu_ns,"
		" alloc_cpu_ns, arena, hblkhd, keepcost, tracer_rss"
		" FROM snapshots WHERE process_id = ? ORDER BY seq";

	return dbr_load_rows(db, p->id, sql, "snapshots", &p->snaps, &p->nsnaps, sizeof *p->snaps,
			 fill_snapshot, err, errlen);
}

static int fill_site(sqlite3_stmt *st, void *row)
{
	struct rp_site *s = row;

	s->stack_id = col_ll(st, 0);
	s->function = col_str(st, 1);
	s->file = col_str(st, 2);
	s->line = col_num(st, 3);
	s->allocs = col_num(st, 4);
	s->bytes = col_num(st, 5);
	s->live_allocs = col_num(st, 6);
	s->live_bytes = col_num(st, 7);
	s->temporary = col_num(st, 8);
	s->lost_allocs = col_num(st, 9);
	s->lost_bytes = col_num(st, 10);
	s->indirect_allocs = col_num(st, 11);
	s->indirect_bytes = col_num(st, 12);
	s->reachable_allocs = col_num(st, 13);
	s->reachable_bytes = col_num(st, 14);
	s->peak_live_bytes = col_num(st, 15);
	s->runtime = (int)col_ll(st, 16);
	s->possible_allocs = col_num(st, 17);
	s->possible_bytes = col_num(st, 18);
	return 0;
}

static int load_sites(sqlite3 *db, struct rp_process *p, char *err, size_t errlen)
{
	static const char sql[] =
		"SELECT stack_id, function, file, line, allocs, bytes, live_allocs, live_bytes,"
		" temporary, lost_allocs, lost_bytes, indirect_allocs, indirect_bytes,"
		" reachable_allocs, reachable_bytes, peak_live_bytes, runtime,"
		" possible_allocs, possible_bytes"
		" FROM sites WHERE process_id = ?";

	return dbr_load_rows(db, p->id, sql, "sites", &p->sites, &p->nsites, sizeof *p->sites,
			 fill_site, err, errlen);
}

static int fill_thread(sqlite3_stmt *st, void *row)
{
	struct rp_thread *t = row;

	t->tid = col_ll(st, 0);
	t->start_ns = col_num(st, 1);
	t->end_ns = col_num(st, 2);
	t->state = col_str(st, 3);
	t->stack_size = col_num(st, 4);
	t->stack_id = col_ll(st, 5);
	t->start_function = col_str(st, 6);
	t->creator_tid = col_num(st, 7);
	t->join_ns = col_num(st, 8);
	t->detach_ns = col_num(st, 9);
	return 0;
}

static int load_threads(sqlite3 *db, struct rp_process *p, char *err, size_t errlen)
{
	static const char sql[] =
		"SELECT tid, start_ns, end_ns, state_at_exit, stack_size, stack_id, start_function,"
		" creator_tid, join_ns, detach_ns"
		" FROM threads WHERE process_id = ? ORDER BY start_ns, tid";

	return dbr_load_rows(db, p->id, sql, "threads", &p->threads, &p->nthreads, sizeof *p->threads,
			 fill_thread, err, errlen);
}

static int fill_resource(sqlite3_stmt *st, void *row)
{
	struct rp_resource *r = row;

	r->kind = col_str(st, 0);
	r->handle = col_ll(st, 1);
	r->open_ns = col_num(st, 2);
	r->close_ns = col_num(st, 3);
	r->stack_id = col_ll(st, 4);
	r->origin = col_str(st, 5);
	return 0;
}

static int load_resources(sqlite3 *db, struct rp_process *p, char *err, size_t errlen)
{
	static const char sql[] =
		"SELECT kind, handle, open_ns, close_ns, stack_id, origin"
		" FROM resources WHERE process_id = ? ORDER BY open_ns, handle";

	return dbr_load_rows(db, p->id, sql, "resources", &p->res, &p->nres, sizeof *p->res,
			 fill_resource, err, errlen);
}

static int fill_check(sqlite3_stmt *st, void *row)
{
	struct rp_check *c = row;

	c->item = col_str(st, 0);
	c->status = col_str(st, 1);
	c->detail = col_str(st, 2);
	return c->item && c->status ? 0 : -1;
}

/* The checklist, each item with its first RP_EVIDENCE_MAX pieces of evidence. */
static int load_checklist(sqlite3 *db, struct rp_process *p, char *err, size_t errlen)
{
	sqlite3_stmt *ev = NULL;
	size_t i;
	int rc, ret = -1;

	if (dbr_load_rows(db, p->id, "SELECT item, status, detail FROM checklist WHERE process_id = ?",
			  "checklist", &p->checks, &p->nchecks, sizeof *p->checks, fill_check, err, errlen) < 0)
		return -1;
	if (sqlite3_prepare_v2(db,
			       "SELECT text, stack_id, value, count(*) OVER () FROM checklist_evidence"
			       " WHERE process_id = ? AND item = ? ORDER BY seq LIMIT ?",
			       -1, &ev, NULL) != SQLITE_OK) {
		set_err(err, errlen, db, "checklist");
		return -1;
	}
	for (i = 0; i < p->nchecks; i++) {
		struct rp_check *c = &p->checks[i];
		size_t ecap = 0;

		sqlite3_reset(ev);
		sqlite3_bind_int64(ev, 1, p->id);
		sqlite3_bind_text(ev, 2, c->item, -1, SQLITE_STATIC);
		sqlite3_bind_int(ev, 3, RP_EVIDENCE_MAX);
		while ((rc = sqlite3_step(ev)) == SQLITE_ROW) {
			struct rp_evidence *e;

			if (vec_reserve(&c->ev, &ecap, c->nev, sizeof *c->ev) < 0) {
				err_oom(err, errlen);
				goto out_finalize;
			}
			e = &c->ev[c->nev++];
			e->text = col_str(ev, 0);
			e->stack_id = col_ll(ev, 1);
			e->value = col_num(ev, 2);
			c->nev_total = (size_t)col_ll(ev, 3);
		}
		if (rc != SQLITE_DONE) {
			set_err(err, errlen, db, "checklist_evidence");
			goto out_finalize;
		}
	}
	ret = 0;
out_finalize:
	sqlite3_finalize(ev);
	return ret;
}

static int fill_verdict(sqlite3_stmt *st, void *row)
{
	struct rp_verdict *v = row;

	v->subject = col_str(st, 0);
	v->status = col_str(st, 1);
	v->judged = (int)col_ll(st, 2);
	v->detail = col_str(st, 3);
	v->baseline_seq = sqlite3_column_type(st, 4) == SQLITE_NULL ? -1 : col_ll(st, 4);
	v->final_seq = sqlite3_column_type(st, 5) == SQLITE_NULL ? -1 : col_ll(st, 5);
	v->see = col_str(st, 6);
	return v->subject && v->status && v->detail ? 0 : -1;
}

/* 1 when db has table name (a newer ingest made it), 0 when not, -1 with err set. */
static int has_table(sqlite3 *db, const char *name, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int have;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", -1, &st,
			       NULL) != SQLITE_OK) {
		set_err(err, errlen, db, name);
		return -1;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	have = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return have;
}

/* The verdicts, when the database has the table (ingest made it). */
static int load_verdicts(sqlite3 *db, struct rp_process *p, char *err, size_t errlen)
{
	static const char sql[] =
		"SELECT subject, status, judged, detail, baseline_seq, final_seq, see"
		" FROM verdicts WHERE process_id = ?";

	int have = has_table(db, "verdicts", err, errlen);

	if (have <= 0)
		return have;
	return dbr_load_rows(db, p->id, sql, "verdicts", &p->verdicts, &p->nverdicts,
			 sizeof *p->verdicts, fill_verdict, err, errlen);
}

static int fill_tick(sqlite3_stmt *st, void *row)
{
	struct rp_tick *t = row;

	t->start = col_num(st, 0);
	t->end = col_num(st, 1);
	t->allocs = col_num(st, 2);
	t->alloc_bytes = col_num(st, 3);
	t->live_bytes = col_num(st, 4);
	t->peak_bytes = col_num(st, 5);
	t->peak_ns = col_num(st, 6);
	return 0;
}

/* The timeline, when the database has the table (ingest made it). */
static int load_ticks(sqlite3 *db, struct rp_process *p, char *err, size_t errlen)
{
	static const char sql[] =
		"SELECT start_ns, end_ns, allocs, alloc_bytes, live_bytes, peak_bytes, peak_ns"
		" FROM timeline WHERE process_id = ? ORDER BY seq";
	int have = has_table(db, "timeline", err, errlen);

	if (have <= 0)
		return have;
	return dbr_load_rows(db, p->id, sql, "timeline", &p->ticks, &p->nticks, sizeof *p->ticks, fill_tick,
			     err, errlen);
}

const struct rp_verdict *rp_verdict(const struct rp_process *p, const char *subject)
{
	size_t i;

	for (i = 0; i < p->nverdicts; i++)
		if (strcmp(p->verdicts[i].subject, subject) == 0)
			return &p->verdicts[i];
	return NULL;
}

static int fill_process(sqlite3_stmt *st, void *row)
{
	struct rp_process *p = row;

	p->id = col_ll(st, 0);
	p->pid = col_ll(st, 1);
	p->ppid = col_num(st, 2);
	p->exe = col_str(st, 3);
	p->argv = col_str(st, 4);
	p->start_ns = col_num(st, 5);
	p->end_ns = col_num(st, 6);
	p->end_reason = col_str(st, 7);
	p->exit_code = col_num(st, 8);
	p->signal = col_num(st, 9);
	p->trace_file = col_str(st, 10);
	p->start_unix_ns = col_num(st, 11);
	p->parent_process_id = col_num(st, 12);
	p->runtime = col_str(st, 13);
	p->sample_interval_ns = col_num(st, 14);
	p->stack_depth = col_num(st, 15);
	p->sample_bytes = col_num(st, 16);
	p->unknown_frees = col_num(st, 17);
	p->events = col_num(st, 18);
	p->tracer_version = col_str(st, 19);
	p->freeres_called = (int)col_ll(st, 20);
	p->scanned = (int)col_ll(st, 21);
	p->hooks_bypassed = (int)col_ll(st, 22);
	p->allocator = col_str(st, 23);
	p->allocator_other = sqlite3_column_type(st, 24) != SQLITE_NULL && !col_ll(st, 24);
	return 0;
}

int rp_load(sqlite3 *db, struct rp_process **procs, size_t *nprocs, char *err, size_t errlen)
{
	static const char sql[] =
		"SELECT id, pid, ppid, exe, argv, start_ns, end_ns, end_reason, exit_code, signal,"
		" trace_file, start_unix_ns, parent_process_id, runtime, sample_interval_ns,"
		" stack_depth, sample_bytes, unknown_frees, events, tracer_version,"
		" freeres_called, scanned, hooks_bypassed, allocator, allocator_glibc"
		" FROM processes ORDER BY id";
	struct rp_process *ps = NULL;
	size_t n = 0, i;

	*procs = NULL;
	*nprocs = 0;
	if (dbr_load_rows(db, 0, sql, "processes", &ps, &n, sizeof *ps, fill_process, err, errlen) < 0)
		goto out_free;
	for (i = 0; i < n; i++) {
		if (load_snapshots(db, &ps[i], err, errlen) < 0 ||
		    load_sites(db, &ps[i], err, errlen) < 0 ||
		    load_threads(db, &ps[i], err, errlen) < 0 ||
		    load_resources(db, &ps[i], err, errlen) < 0 ||
		    load_checklist(db, &ps[i], err, errlen) < 0 ||
		    load_verdicts(db, &ps[i], err, errlen) < 0 ||
		    load_ticks(db, &ps[i], err, errlen) < 0)
			goto out_free;
	}
	*procs = ps;
	*nprocs = n;
	return 0;
out_free:
	rp_free_processes(ps, n);
	return -1;
}

void rp_free_processes(struct rp_process *procs, size_t n)
{
	size_t i, k, e;

	for (i = 0; i < n; i++) {
		struct rp_process *p = &procs[i];

		free(p->exe);
		free(p->argv);
		free(p->end_reason);
		free(p->runtime);
		free(p->trace_file);
		free(p->tracer_version);
		free(p->allocator);
		for (k = 0; k < p->nsnaps; k++)
			free(p->snaps[k].label);
		free(p->snaps);
		for (k = 0; k < p->nsites; k++) {
			free(p->sites[k].function);
			free(p->sites[k].file);
		}
		free(p->sites);
		for (k = 0; k < p->nthreads; k++) {
			free(p->threads[k].state);
			free(p->threads[k].start_function);
		}
		free(p->threads);
		for (k = 0; k < p->nres; k++) {
			free(p->res[k].kind);
			free(p->res[k].origin);
		}
		free(p->res);
		for (k = 0; k < p->nchecks; k++) {
			struct rp_check *c = &p->checks[k];

			free(c->item);
			free(c->status);
			free(c->detail);
			for (e = 0; e < c->nev; e++)
				free(c->ev[e].text);
			free(c->ev);
		}
		free(p->checks);
		for (k = 0; k < p->nverdicts; k++) {
			free(p->verdicts[k].subject);
			free(p->verdicts[k].status);
			free(p->verdicts[k].detail);
			free(p->verdicts[k].see);
		}
		free(p->verdicts);
		free(p->ticks);
	}
	free(procs);
}

int rp_stack(sqlite3 *db, sqlite3_stmt **stmt, long long stack_id, struct rp_frame **frames)
{
	static const char sql[] =
		"SELECT f.function, f.file, f.line, f.module, f.offset, f.inlined, f.runtime"
		" FROM stacks s JOIN frames f ON f.id = s.frame_id"
		" WHERE s.stack_id = ? ORDER BY s.depth";
	struct rp_frame *fr = NULL;
	size_t n = 0, cap = 0;
	int rc;

	*frames = NULL;
	if (!*stmt && sqlite3_prepare_v2(db, sql, -1, stmt, NULL) != SQLITE_OK)
		return -1;
	sqlite3_reset(*stmt);
	sqlite3_bind_int64(*stmt, 1, stack_id);
	while ((rc = sqlite3_step(*stmt)) == SQLITE_ROW) {
		struct rp_frame *f;

		if (vec_reserve(&fr, &cap, n, sizeof *fr) < 0) {
			rp_free_frames(fr, n);
			return -1;
		}
		f = &fr[n++];
		f->function = col_str(*stmt, 0);
		f->file = col_str(*stmt, 1);
		f->line = col_num(*stmt, 2);
		f->module = col_str(*stmt, 3);
		f->offset = col_num(*stmt, 4);
		f->inlined = (int)col_ll(*stmt, 5);
		f->runtime = (int)col_ll(*stmt, 6);
	}
	if (rc != SQLITE_DONE) {
		rp_free_frames(fr, n);
		return -1;
	}
	*frames = fr;
	return (int)n;
}

void rp_free_frames(struct rp_frame *frames, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(frames[i].function);
		free(frames[i].file);
		free(frames[i].module);
	}
	free(frames);
}

/* ---------------------------------------------------------------- argv */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse one JSON string at *ps (after the quote); returns malloc'd bytes or NULL. */
static char *json_string(const char **ps)
{
	const char *s = *ps;
	size_t cap = strlen(s) + 1, o = 0;
	char *d = malloc(cap * 2 + 4); /* \u escapes never grow past 2x */

	if (!d)
		return NULL;
	while (*s && *s != '"') {
		if (*s != '\\') {
			d[o++] = *s++;
			continue;
		}
		s++;
		switch (*s) {
		case '"': case '\\': case '/':
			d[o++] = *s++;
			break;
		case 'b': d[o++] = '\b'; s++; break;
		case 'f': d[o++] = '\f'; s++; break;
		case 'n': d[o++] = '\n'; s++; break;
		case 'r': d[o++] = '\r'; s++; break;
		case 't': d[o++] = '\t'; s++; break;
		case 'u': {
			unsigned cp = 0;
			int k, h;

			for (k = 1; k <= 4; k++) {
				if ((h = hexval((unsigned char)s[k])) < 0)
					goto out_bad;
				cp = cp * 16 + (unsigned)h;
			}
			s += 5;
			/* a surrogate pair */
			if (cp >= 0xd800 && cp <= 0xdbff && s[0] == '\\' && s[1] == 'u') {
				unsigned lo = 0;

				for (k = 2; k <= 5; k++) {
					if ((h = hexval((unsigned char)s[k])) < 0)
						break;
					lo = lo * 16 + (unsigned)h;
				}
				if (k == 6 && lo >= 0xdc00 && lo <= 0xdfff) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					s += 6;
				}
			}
			/* NUL would cut the argument short: U+FFFD, as for a lone surrogate */
			o += utf8_encode(d + o, cp ? cp : 0xfffd);
			break;
		}
		default:
			goto out_bad;
		}
	}
	if (*s != '"')
		goto out_bad;
	d[o] = '\0';
	*ps = s + 1;
	return d;
out_bad:
	free(d);
	return NULL;
}

/*
 * A hand parser rather than SQLite's json_each (issue 15 asked): with the
 * SQLite we build against (3.40), json_each('["a\\u0000b"]') gives "a" (the
 * argument cut at the escaped NUL) and json_each('["x\\ud800y"]') gives the
 * bytes ED A0 80, a lone surrogate, which is not valid UTF-8. This parser
 * turns both into U+FFFD (common/utf8.h), so an argument is never
 * shortened and the page's text stays valid UTF-8.
 */
int rp_parse_argv(const char *json, char ***argv)
{
	const char *s = json;
	char **v = NULL, **nv;
	int n = 0;

	*argv = NULL;
	if (!s)
		return -1;
	while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
		s++;
	if (*s++ != '[')
		return -1;
	for (;;) {
		char *str;

		while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
			s++;
		if (*s == ']' && n == 0) {
			s++;
			break;
		}
		if (*s++ != '"' || !(str = json_string(&s)))
			goto out_bad;
		if (!(nv = realloc(v, (size_t)(n + 1) * sizeof *v))) {
			free(str);
			goto out_bad;
		}
		v = nv;
		v[n++] = str;
		while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
			s++;
		if (*s == ',') {
			s++;
			continue;
		}
		if (*s++ != ']')
			goto out_bad;
		break;
	}
	while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
		s++;
	if (*s)
		goto out_bad;
	*argv = v;
	return n;
out_bad:
	rp_free_argv(v, n);
	return -1;
}

void rp_free_argv(char **argv, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(argv[i]);
	free(argv);
}
