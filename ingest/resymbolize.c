/*
 * resymbolize.c - see resymbolize.h.
 *
 * The symbolizer wants instruction pointers and modules at load
 * addresses. A database has offsets within modules instead, so each
 * module (a file name and build-id) is registered at a made-up address
 * of its own, k << 40 for the k-th one, and an offset becomes the ip
 * (k << 40) + offset. Frames of modules no file is known for ("?", or
 * no `modules` row) are copied as they were.
 *
 * A stack's frames come in groups, one per ip: the frames inlined at it
 * (inlined = 1), then the real function (inlined = 0). All share module
 * and offset, so each group is one lookup.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/u64map.h"
#include "ingest/checklist.h"
#include "ingest/db.h"
#include "ingest/resymbolize.h"
#include "ingest/symbolize.h"

#define MAX_INLINE 32
#define SLOT_SHIFT 40		/* room for any module: 1 TiB of offsets */

/* A module as frames name it: file name and build-id. */
struct ident {
	char *module, *build_id, *path;
};

struct old_frame {
	char *module, *build_id, *function, *file;
	int64_t offset;
	int line, inlined, runtime;
};

struct resym {
	sqlite3 *db;
	struct symbolizer *sym;
	struct symcache cache;
	struct ident *ids;
	size_t nids, capids;
	struct u64map id_of;		/* ident_hash -> index + 1 */
	struct old_frame *frames;
	size_t nframes, capframes;
	struct u64map frame_of;		/* frames.id -> index */
	int64_t *stack_ids;		/* each stack, and its frames in order */
	size_t *stack_first;
	size_t nstacks, capstacks;
	int64_t *chain;			/* frames.id of old stacks, concatenated */
	size_t nchain, capchain;
	char *err;
	size_t errlen;
};

static int oom(struct resym *r)
{
	return err_oom(r->err, r->errlen);
}

static char *dup_col(sqlite3_stmt *s, int i, int *failed)
{
	const char *t = (const char *)sqlite3_column_text(s, i);
	char *d = t ? strdup(t) : NULL;
	if (t && !d)
		*failed = 1;
	return d;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (slash && slash[1])
		return slash + 1;
	return *path ? path : "?";
}

static uint64_t ident_hash(const char *module, const char *build_id)
{
	uint64_t h = hash_bytes(module, strlen(module), 3);
	h = hash_bytes(build_id ? build_id : "", build_id ? strlen(build_id) + 1 : 0, h);
	return h ? h : 1;
}

static int same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* The k (index + 1) of a module, 0 if the database names no file for it. */
static size_t ident_find(const struct resym *r, const char *module, const char *build_id)
{
	uint64_t v;
	if (!module || !strcmp(module, "?"))
		return 0;
	if (u64map_get(&r->id_of, ident_hash(module, build_id), &v) &&
	    same(r->ids[v - 1].module, module) && same(r->ids[v - 1].build_id, build_id))
		return (size_t)v;
	size_t by_name = 0, named = 0;
	for (size_t i = 0; i < r->nids; i++) {	/* a hash collision: rare */
		if (same(r->ids[i].module, module) && same(r->ids[i].build_id, build_id))
			return i + 1;
		if (same(r->ids[i].module, module)) {
			by_name = i + 1;
			named++;
		}
	}
	/* A frame from before frames had build_id: its file name will do
	 * when only one file has it. */
	return !build_id && named == 1 ? by_name : 0;
}

static int hex_bytes(const char *hex, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = hex ? strlen(hex) : 0;
	*len = 0;
	if (!n || n % 2 || n / 2 > cap)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	*len = n / 2;
	return 0;
}

/* Every module of the database, once per file name and build-id. */
static int load_modules(struct resym *r)
{
	sqlite3_stmt *s = db_prepare(r->db, "SELECT path, build_id FROM modules ORDER BY process_id, rowid",
	                             r->err, r->errlen);
	if (!s)
		return -1;
	int failed = 0;
	while (!failed && sqlite3_step(s) == SQLITE_ROW) {
		const char *path = (const char *)sqlite3_column_text(s, 0);
		const char *bid = (const char *)sqlite3_column_text(s, 1);
		if (!path || ident_find(r, base_name(path), bid))
			continue;
		struct ident *id = VEC_PUSH(r->ids, r->nids, r->capids);
		if (!id || !(id->module = strdup(base_name(path))) || !(id->path = strdup(path)) ||
		    (bid && !(id->build_id = strdup(bid))) ||
		    u64map_put(&r->id_of, ident_hash(id->module, id->build_id), r->nids) < 0) {
			failed = 1;
			break;
		}
		uint8_t raw[64];
		size_t len;
		uint64_t k = r->nids;
		hex_bytes(bid, raw, sizeof raw, &len);
		if (symbolizer_add_module(r->sym, path, len ? raw : NULL, len, k << SLOT_SHIFT, k << SLOT_SHIFT,
		                          (k + 1) << SLOT_SHIFT) < 0)
			failed = 1;
	}
	sqlite3_finalize(s);
	return failed ? oom(r) : 0;
}

/* Every frame, and every stack as its chain of frame ids. */
static int load_frames_stacks(struct resym *r)
{
	sqlite3_stmt *s = db_prepare(r->db, "SELECT id, module, build_id, offset, function, file, line, inlined,"
	                                    " runtime FROM frames", r->err, r->errlen);
	if (!s)
		return -1;
	int failed = 0;
	while (!failed && sqlite3_step(s) == SQLITE_ROW) {
		struct old_frame *f = VEC_PUSH(r->frames, r->nframes, r->capframes);
		if (!f) {
			failed = 1;
			break;
		}
		f->module = dup_col(s, 1, &failed);
		f->build_id = dup_col(s, 2, &failed);
		f->offset = sqlite3_column_int64(s, 3);
		f->function = dup_col(s, 4, &failed);
		f->file = dup_col(s, 5, &failed);
		f->line = sqlite3_column_type(s, 6) == SQLITE_NULL ? 0 : sqlite3_column_int(s, 6);
		f->inlined = sqlite3_column_int(s, 7);
		f->runtime = sqlite3_column_int(s, 8);
		if (u64map_put(&r->frame_of, (uint64_t)sqlite3_column_int64(s, 0) + 1, r->nframes - 1) < 0)
			failed = 1;
	}
	sqlite3_finalize(s);
	if (failed)
		return oom(r);
	s = db_prepare(r->db, "SELECT stack_id, frame_id FROM stacks ORDER BY stack_id, depth", r->err, r->errlen);
	if (!s)
		return -1;
	int64_t cur = -1;
	while (!failed && sqlite3_step(s) == SQLITE_ROW) {
		int64_t sid = sqlite3_column_int64(s, 0);
		if (sid != cur) {
			if (!VEC_PUSH(r->stack_ids, r->nstacks, r->capstacks)) {
				failed = 1;
				break;
			}
			/* stack_first grows with stack_ids: same count, own capacity */
			size_t n = r->nstacks - 1, cap = r->capstacks;
			size_t *p = realloc(r->stack_first, cap * sizeof *p);
			if (!p) {
				failed = 1;
				break;
			}
			r->stack_first = p;
			r->stack_ids[n] = sid;
			r->stack_first[n] = r->nchain;
			cur = sid;
		}
		int64_t *c = VEC_PUSH(r->chain, r->nchain, r->capchain);
		if (!c)
			failed = 1;
		else
			*c = sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	return failed ? oom(r) : 0;
}

static const struct old_frame *old_frame(const struct resym *r, int64_t id)
{
	uint64_t i;
	return u64map_get(&r->frame_of, (uint64_t)id + 1, &i) ? &r->frames[i] : NULL;
}

/* Write the stack `sid` again from its old frames [first, end). */
static int rewrite_stack(struct resym *r, sqlite3_stmt *ins, int64_t sid, size_t first, size_t end)
{
	int64_t depth = 0;
	size_t g = first;
	while (g < end) {
		/* one group: up to and including the first out-of-line frame */
		size_t last = g;
		const struct old_frame *of;
		while ((of = old_frame(r, r->chain[last])) && of->inlined && last + 1 < end)
			last++;
		of = old_frame(r, r->chain[last]);
		if (!of) {
			snprintf(r->err, r->errlen, "stack %lld names frame %lld, which does not exist",
			         (long long)sid, (long long)r->chain[last]);
			return -1;
		}
		struct sym_frame fr[MAX_INLINE];
		int n = 0;
		size_t k = ident_find(r, of->module, of->build_id);
		if (k && of->offset >= 0 && (uint64_t)of->offset < (1ull << SLOT_SHIFT))
			n = symbolizer_lookup(r->sym, ((uint64_t)k << SLOT_SHIFT) + (uint64_t)of->offset, 1, fr,
			                      MAX_INLINE);
		if (!n) {
			/* nothing to look up: keep the group as it was */
			for (size_t i = g; i <= last && n < MAX_INLINE; i++) {
				const struct old_frame *o = old_frame(r, r->chain[i]);
				if (!o)
					continue;
				fr[n++] = (struct sym_frame){ o->module, (uint64_t)o->offset, o->function, o->file,
				                              o->line, o->inlined, o->runtime, o->build_id };
			}
		}
		for (int j = 0; j < n; j++) {
			int64_t fid = symcache_frame_id(&r->cache, r->db, &fr[j], r->err, r->errlen);
			if (fid < 0)
				return -1;
			sqlite3_bind_int64(ins, 1, sid);
			sqlite3_bind_int64(ins, 2, depth++);
			sqlite3_bind_int64(ins, 3, fid);
			if (db_step(r->db, ins, r->err, r->errlen) < 0)
				return -1;
		}
		g = last + 1;
	}
	return 0;
}

/* ---------------------------------------------------------------- evidence */

struct place {
	int64_t stack_id;
	char *text;
};

/* The checklist's words for each stack its evidence names. */
static int places_load(struct resym *r, struct place **out, size_t *n)
{
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	sqlite3_stmt *s = db_prepare(r->db, "SELECT DISTINCT stack_id FROM checklist_evidence WHERE stack_id > 0",
	                             r->err, r->errlen);
	if (!s)
		return -1;
	int failed = 0;
	while (!failed && sqlite3_step(s) == SQLITE_ROW) {
		char w[512];
		struct place *p = VEC_PUSH(*out, *n, cap);
		if (!p) {
			failed = 1;
			break;
		}
		p->stack_id = sqlite3_column_int64(s, 0);
		checklist_where(r->db, p->stack_id, w, sizeof w);
		if (!(p->text = strdup(w)))
			failed = 1;
	}
	sqlite3_finalize(s);
	return failed ? oom(r) : 0;
}

/* Evidence lines that named a stack's place by its old words get the new ones. */
static int places_update(struct resym *r, struct place *pl, size_t n)
{
	sqlite3_stmt *s = db_prepare(r->db, "UPDATE checklist_evidence SET text = replace(text, ?1, ?2)"
	                                    " WHERE stack_id = ?3", r->err, r->errlen);
	if (!s)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		char w[512];
		checklist_where(r->db, pl[i].stack_id, w, sizeof w);
		if (!strcmp(w, pl[i].text))
			continue;
		sqlite3_bind_text(s, 1, pl[i].text, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, w, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 3, pl[i].stack_id);
		rc = db_step(r->db, s, r->err, r->errlen);
	}
	sqlite3_finalize(s);
	return rc;
}

/* ---------------------------------------------------------------- threads */

/* Name each thread's start function again, in `threads` and the evidence. */
static int threads_update(struct resym *r)
{
	sqlite3_stmt *sel = db_prepare(r->db, "SELECT t.process_id, t.tid, t.start_ns, t.start_function, w.module,"
	                                      " w.build_id, w.offset FROM threads t JOIN thread_starts w"
	                                      " USING (process_id, tid, start_ns)", r->err, r->errlen);
	sqlite3_stmt *upd = db_prepare(r->db, "UPDATE threads SET start_function = ?1 WHERE process_id = ?2"
	                                      " AND tid = ?3 AND start_ns = ?4", r->err, r->errlen);
	sqlite3_stmt *ev = db_prepare(r->db, "UPDATE checklist_evidence SET text = replace(text, ?1, ?2)"
	                                     " WHERE process_id = ?3", r->err, r->errlen);
	int rc = sel && upd && ev ? 0 : -1;
	while (rc == 0 && sqlite3_step(sel) == SQLITE_ROW) {
		const char *old = (const char *)sqlite3_column_text(sel, 3);
		size_t k = ident_find(r, (const char *)sqlite3_column_text(sel, 4),
		                      (const char *)sqlite3_column_text(sel, 5));
		int64_t off = sqlite3_column_int64(sel, 6);
		if (!k || off < 0 || (uint64_t)off >= (1ull << SLOT_SHIFT))
			continue;
		struct sym_frame fr[MAX_INLINE];
		/* an entry point, not a return address: looked up as it is */
		int n = symbolizer_lookup(r->sym, ((uint64_t)k << SLOT_SHIFT) + (uint64_t)off, 0, fr, MAX_INLINE);
		const char *fn = fr[n - 1].function;
		if (!fn || same(fn, old))
			continue;
		int64_t pid = sqlite3_column_int64(sel, 0), tid = sqlite3_column_int64(sel, 1);
		sqlite3_bind_text(upd, 1, fn, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(upd, 2, pid);
		sqlite3_bind_int64(upd, 3, tid);
		sqlite3_bind_int64(upd, 4, sqlite3_column_int64(sel, 2));
		if ((rc = db_step(r->db, upd, r->err, r->errlen)) < 0)
			break;
		/* the checklist says "thread TID (FUNCTION)" */
		char a[600], b[600];
		snprintf(a, sizeof a, "thread %lld (%s)", (long long)tid, old ? old : "an unknown function");
		snprintf(b, sizeof b, "thread %lld (%s)", (long long)tid, fn);
		sqlite3_bind_text(ev, 1, a, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ev, 2, b, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(ev, 3, pid);
		rc = db_step(r->db, ev, r->err, r->errlen);
	}
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	sqlite3_finalize(ev);
	return rc;
}

/* ---------------------------------------------------------------- all */

static void resym_free(struct resym *r)
{
	symcache_free(&r->cache);
	if (r->sym)
		symbolizer_free(r->sym);
	for (size_t i = 0; i < r->nids; i++) {
		free(r->ids[i].module);
		free(r->ids[i].build_id);
		free(r->ids[i].path);
	}
	free(r->ids);
	u64map_free(&r->id_of);
	for (size_t i = 0; i < r->nframes; i++) {
		free(r->frames[i].module);
		free(r->frames[i].build_id);
		free(r->frames[i].function);
		free(r->frames[i].file);
	}
	free(r->frames);
	u64map_free(&r->frame_of);
	free(r->stack_ids);
	free(r->stack_first);
	free(r->chain);
}

static size_t count(sqlite3 *db, const char *sql)
{
	int64_t n = db_int(db, sql, 0);
	return n > 0 ? (size_t)n : 0;
}

int resymbolize_db(sqlite3 *db, const struct sym_search *search, symbols_warn_fn *warn,
                   struct resym_stats *st, char *err, size_t errlen)
{
	struct resym r;
	struct place *places = NULL;
	size_t nplaces = 0;
	sqlite3_stmt *ins = NULL;
	int rc = -1;

	memset(&r, 0, sizeof r);
	memset(st, 0, sizeof *st);
	r.db = db;
	r.err = err;
	r.errlen = errlen;
	/* IMMEDIATE: no other writer may slip in between our reads and writes. */
	if (db_exec(db, "BEGIN IMMEDIATE", err, errlen) < 0)
		return -1;
	if (symbols_ensure_schema(db, err, errlen) < 0)
		goto out;
	st->frames_before = count(db, "SELECT count(*) FROM frames");
	st->named_before = count(db, "SELECT count(*) FROM frames WHERE function IS NOT NULL");
	if (!(r.sym = symbolizer_new()) || (search && symbolizer_set_search(r.sym, search) < 0)) {
		oom(&r);
		goto out;
	}
	if (load_modules(&r) < 0 || load_frames_stacks(&r) < 0 || places_load(&r, &places, &nplaces) < 0)
		goto out;
	if (db_exec(db, "DELETE FROM stacks; DELETE FROM frames;", err, errlen) < 0 ||
	    symcache_load(&r.cache, db, err, errlen) < 0)
		goto out;
	ins = db_prepare(db, "INSERT INTO stacks(stack_id, depth, frame_id) VALUES (?,?,?)", err, errlen);
	if (!ins)
		goto out;
	for (size_t i = 0; i < r.nstacks; i++) {
		size_t end = i + 1 < r.nstacks ? r.stack_first[i + 1] : r.nchain;
		if (rewrite_stack(&r, ins, r.stack_ids[i], r.stack_first[i], end) < 0)
			goto out;
	}
	/* The same rule as derive_sites(): the first frame outside the runtime. */
	if (db_exec(db, "UPDATE sites SET (function, file, line) = (SELECT f.function, f.file, f.line"
	                "  FROM stacks st JOIN frames f ON f.id = st.frame_id WHERE st.stack_id = sites.stack_id"
	                "  ORDER BY f.runtime, st.depth LIMIT 1)", err, errlen) < 0 ||
	    threads_update(&r) < 0 || places_update(&r, places, nplaces) < 0 ||
	    symbols_status(db, r.sym, -1, warn, err, errlen) < 0)
		goto out;
	st->frames_after = count(db, "SELECT count(*) FROM frames");
	st->named_after = count(db, "SELECT count(*) FROM frames WHERE function IS NOT NULL");
	st->modules_full = count(db, "SELECT count(DISTINCT coalesce(build_id, path)) FROM modules"
	                             " WHERE symbols = 'full'");
	if (db_exec(db, "COMMIT", err, errlen) < 0)
		goto out;
	rc = 0;
out:
	sqlite3_finalize(ins);
	if (rc < 0) {
		char ignore[64];
		db_exec(db, "ROLLBACK", ignore, sizeof ignore);
	}
	for (size_t i = 0; i < nplaces; i++)
		free(places[i].text);
	free(places);
	resym_free(&r);
	return rc;
}
