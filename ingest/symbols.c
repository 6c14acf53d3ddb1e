/*
 * symbols.c - see symbols.h.
 *
 * Every ip in a stack is a return address (the tracer drops its own
 * frames, so the innermost kept frame is the allocator's caller), so each
 * is looked up as ip-1. One ip can stand for several frames when the
 * compiler inlined: they appear innermost first, and depth counts them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "ingest/db.h"
#include "ingest/symbolize.h"
#include "ingest/symbols.h"

#define MAX_INLINE 32

/* Frame flags kept in symcache.runtime. */
#define FR_RUNTIME 1   /* in a runtime module */
#define FR_CACHE 2     /* a runtime function that allocates for its own caches */

/*
 * Runtime functions that allocate for the runtime itself and keep it for
 * the life of the process (or thread): stdio buffers, locale data, the
 * loader's bookkeeping and TLS, atexit tables, C++ exception globals and
 * the emergency pool, name-service and timezone caches. A block whose
 * allocation stack starts inside the runtime at one of these is counted
 * as the runtime's, not as the program's leak.
 */
static const char *const runtime_cache_fns[] = {
	"_IO_file_doallocate", "_IO_doallocbuf", "_nl_", "setlocale", "new_composite_name",
	"_dl_", "__new_exitfn", "__cxa_thread_atexit", "__cxa_get_globals", "pool::pool",
	"std::locale::", "std::ios_base::Init", "__gconv", "__nss_", "nss_", "tzset",
	"__tzfile_read", "__tzstring", "getpw", "getgr", "gethostby", "getservby", "getprotoby",
	"strerror", "__res_", "__resolv_conf", "register_printf", "pthread_setspecific",
	"__libc_dlopen", "__libc_early_init", "init_cacheinfo", "__libc_alloc_buffer",
};

static int is_cache_fn(const char *fn)
{
	if (!fn)
		return 0;
	for (size_t i = 0; i < sizeof runtime_cache_fns / sizeof *runtime_cache_fns; i++)
		if (strstr(fn, runtime_cache_fns[i]) == fn ||
		    (runtime_cache_fns[i][0] != '_' && strstr(fn, runtime_cache_fns[i])))
			return 1;
	return 0;
}

static uint64_t frame_flags(int runtime, const char *fn)
{
	return (runtime ? FR_RUNTIME : 0) | (runtime && is_cache_fn(fn) ? FR_CACHE : 0);
}

static uint64_t frame_key(const struct sym_frame *f)
{
	uint64_t h = hash_bytes(f->module ? f->module : "", f->module ? strlen(f->module) : 0, 1);
	h = hash_bytes(f->build_id ? f->build_id : "\1", f->build_id ? strlen(f->build_id) : 1, h);
	h = hash_bytes(&f->offset, sizeof f->offset, h);
	h = hash_bytes(f->function ? f->function : "\1", f->function ? strlen(f->function) : 1, h);
	h = hash_bytes(f->file ? f->file : "\1", f->file ? strlen(f->file) : 1, h);
	int64_t tail[2] = { f->line, f->inlined };
	return hash_bytes(tail, sizeof tail, h);
}

/* Columns added after schema version 1 was first released. */
static const struct {
	const char *table, *column, *type;
} added_columns[] = {
	{ "frames", "build_id", "TEXT" },
	{ "modules", "symbols", "TEXT" },
	{ "modules", "symbols_from", "TEXT" },
	{ "modules", "symbols_file", "TEXT" },
};

int symbols_ensure_schema(sqlite3 *db, char *err, size_t errlen)
{
	char sql[256];
	if (db_exec(db, "CREATE TABLE IF NOT EXISTS thread_starts (process_id INTEGER NOT NULL,"
	                " tid INTEGER NOT NULL, start_ns INTEGER NOT NULL, module TEXT, build_id TEXT,"
	                " offset INTEGER NOT NULL, PRIMARY KEY (process_id, tid, start_ns)) WITHOUT ROWID",
	            err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < sizeof added_columns / sizeof *added_columns; i++) {
		snprintf(sql, sizeof sql, "SELECT count(*) FROM pragma_table_info('%s') WHERE name = '%s'",
		         added_columns[i].table, added_columns[i].column);
		if (db_int(db, sql, 1))
			continue;
		snprintf(sql, sizeof sql, "ALTER TABLE %s ADD COLUMN %s %s", added_columns[i].table,
		         added_columns[i].column, added_columns[i].type);
		if (db_exec(db, sql, err, errlen) < 0)
			return -1;
	}
	return 0;
}

int symcache_load(struct symcache *c, sqlite3 *db, char *err, size_t errlen)
{
	if (c->loaded)
		return 0;
	if (symbols_ensure_schema(db, err, errlen) < 0)
		return -1;
	sqlite3_stmt *s = db_prepare(db, "SELECT id, module, offset, function, file, line, inlined, runtime, build_id"
	                                 " FROM frames", err, errlen);
	if (!s)
		return -1;
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct sym_frame f = {
			.module = (const char *)sqlite3_column_text(s, 1),
			.offset = (uint64_t)sqlite3_column_int64(s, 2),
			.function = (const char *)sqlite3_column_text(s, 3),
			.file = (const char *)sqlite3_column_text(s, 4),
			.line = sqlite3_column_int(s, 5),
			.inlined = sqlite3_column_int(s, 6),
			.build_id = (const char *)sqlite3_column_text(s, 8),
		};
		int64_t id = sqlite3_column_int64(s, 0);
		if (u64map_put(&c->frames, frame_key(&f), (uint64_t)id) < 0)
			goto out_oom;
		uint64_t fl = frame_flags(sqlite3_column_int(s, 7), f.function);
		if (fl && u64map_put(&c->runtime, (uint64_t)id, fl) < 0)
			goto out_oom;
	}
	sqlite3_finalize(s);
	s = db_prepare(db, "SELECT stack_id, frame_id FROM stacks ORDER BY stack_id, depth", err, errlen);
	if (!s)
		return -1;
	int64_t cur = -1;
	uint64_t h = 0;
	while (sqlite3_step(s) == SQLITE_ROW) {
		int64_t sid = sqlite3_column_int64(s, 0), fid = sqlite3_column_int64(s, 1);
		if (sid != cur) {
			if (cur >= 0 && u64map_put(&c->stacks, h, (uint64_t)cur) < 0)
				goto out_oom;
			cur = sid;
			h = 7;
		}
		h = hash_bytes(&fid, sizeof fid, h);
	}
	if (cur >= 0 && u64map_put(&c->stacks, h, (uint64_t)cur) < 0)
		goto out_oom;
	sqlite3_finalize(s);
	c->next_frame = db_int(db, "SELECT max(id) FROM frames", 0) + 1;
	c->next_stack = db_int(db, "SELECT max(stack_id) FROM stacks", 0) + 1;
	c->ins_frame = db_prepare(db, "INSERT INTO frames(id, module, offset, function, file, line, inlined, runtime,"
	                              " build_id) VALUES (?,?,?,?,?,?,?,?,?)", err, errlen);
	c->ins_stack = db_prepare(db, "INSERT INTO stacks(stack_id, depth, frame_id) VALUES (?,?,?)", err, errlen);
	if (!c->ins_frame || !c->ins_stack)
		return -1;
	c->loaded = 1;
	return 0;
out_oom:
	sqlite3_finalize(s);
	return err_oom(err, errlen);
}

void symcache_free(struct symcache *c)
{
	u64map_free(&c->frames);
	u64map_free(&c->stacks);
	u64map_free(&c->runtime);
	sqlite3_finalize(c->ins_frame);
	sqlite3_finalize(c->ins_stack);
	memset(c, 0, sizeof *c);
}

struct symbolizer *symbols_for_trace(const struct trace_meta *m, const struct sym_search *search)
{
	struct symbolizer *s = symbolizer_new();
	if (!s)
		return NULL;
	if (search && symbolizer_set_search(s, search) < 0) {
		symbolizer_free(s);
		return NULL;
	}
	for (size_t i = 0; i < m->nmods; i++) {
		const struct tm_module *md = &m->mods[i];
		if (symbolizer_add_module(s, md->path ? md->path : "?", md->build_id, md->build_id_len,
		                          md->bias, md->lo, md->hi) < 0) {
			symbolizer_free(s);
			return NULL;
		}
	}
	return s;
}

int64_t symcache_frame_id(struct symcache *c, sqlite3 *db, const struct sym_frame *f,
                          char *err, size_t errlen)
{
	uint64_t key = frame_key(f), id;
	if (u64map_get(&c->frames, key, &id))
		return (int64_t)id;
	int64_t nid = c->next_frame++;
	sqlite3_stmt *s = c->ins_frame;
	sqlite3_bind_int64(s, 1, nid);
	db_bind_text(s, 2, f->module);
	sqlite3_bind_int64(s, 3, (int64_t)f->offset);
	db_bind_text(s, 4, f->function);
	db_bind_text(s, 5, f->file);
	db_bind_opt(s, 6, f->line > 0 ? f->line : -1);
	sqlite3_bind_int(s, 7, f->inlined);
	sqlite3_bind_int(s, 8, f->runtime);
	db_bind_text(s, 9, f->build_id);
	if (db_step(db, s, err, errlen) < 0)
		return -1;
	uint64_t fl = frame_flags(f->runtime, f->function);
	if (u64map_put(&c->frames, key, (uint64_t)nid) < 0 ||
	    (fl && u64map_put(&c->runtime, (uint64_t)nid, fl) < 0)) {
		return err_oom(err, errlen);
	}
	return nid;
}

int symbols_resolve(struct symcache *c, sqlite3 *db, struct symbolizer *sym, struct trace_meta *m,
                    char *err, size_t errlen)
{
	struct u64map ipcache = U64MAP_INIT;  /* ip -> (offset in ids << 8) | count */
	int64_t *ids = NULL, *chain = NULL;
	size_t nids = 0, capids = 0, capchain = 0;
	int rc = -1;
	for (size_t si = 0; si < m->nstacks; si++) {
		struct tm_stack *st = &m->stacks[si];
		size_t depth = 0;
		for (uint32_t k = 0; k < st->n; k++) {
			uint64_t packed;
			if (!u64map_get(&ipcache, st->ips[k] ? st->ips[k] : 1, &packed)) {
				struct sym_frame fr[MAX_INLINE];
				int n = symbolizer_lookup(sym, st->ips[k], 1, fr, MAX_INLINE);
				if (nids + (size_t)n > capids) {
					capids = (capids + (size_t)n) * 2;
					int64_t *p = realloc(ids, capids * sizeof *ids);
					if (!p)
						goto out_oom;
					ids = p;
				}
				packed = ((uint64_t)nids << 8) | (uint64_t)n;
				for (int j = 0; j < n; j++) {
					int64_t id = symcache_frame_id(c, db, &fr[j], err, errlen);
					if (id < 0)
						goto out;
					ids[nids++] = id;
				}
				if (u64map_put(&ipcache, st->ips[k] ? st->ips[k] : 1, packed) < 0)
					goto out_oom;
			}
			size_t off = packed >> 8, cnt = packed & 0xff;
			if (depth + cnt > capchain) {
				capchain = (depth + cnt) * 2;
				int64_t *p = realloc(chain, capchain * sizeof *chain);
				if (!p)
					goto out_oom;
				chain = p;
			}
			memcpy(chain + depth, ids + off, cnt * sizeof *ids);
			depth += cnt;
		}
		if (!depth) {
			st->global_id = 0;
			continue;
		}
		/* A runtime cache: the runtime frames at the top of the stack
		 * include one of the caching functions. */
		st->runtime_site = 0;
		for (size_t d = 0; d < depth; d++) {
			uint64_t fl = 0;
			u64map_get(&c->runtime, (uint64_t)chain[d], &fl);
			if (!(fl & FR_RUNTIME))
				break;
			if (fl & FR_CACHE) {
				st->runtime_site = 1;
				break;
			}
		}
		uint64_t h = 7, sid;
		for (size_t d = 0; d < depth; d++)
			h = hash_bytes(&chain[d], sizeof chain[d], h);
		if (!u64map_get(&c->stacks, h, &sid)) {
			sid = (uint64_t)c->next_stack++;
			for (size_t d = 0; d < depth; d++) {
				sqlite3_bind_int64(c->ins_stack, 1, (int64_t)sid);
				sqlite3_bind_int64(c->ins_stack, 2, (int64_t)d);
				sqlite3_bind_int64(c->ins_stack, 3, chain[d]);
				if (db_step(db, c->ins_stack, err, errlen) < 0)
					goto out;
			}
			if (u64map_put(&c->stacks, h, sid) < 0)
				goto out_oom;
		}
		st->global_id = (int64_t)sid;
	}
	rc = 0;
	goto out;
out_oom:
	err_oom(err, errlen);
out:
	u64map_free(&ipcache);
	free(ids);
	free(chain);
	return rc;
}

int symbols_status(sqlite3 *db, struct symbolizer *sym, int64_t pid, symbols_warn_fn *warn,
                   char *err, size_t errlen)
{
	sqlite3_stmt *s = db_prepare(db, "UPDATE modules SET symbols = ?1, symbols_from = ?2, symbols_file = ?3"
	                                 " WHERE (?4 < 0 OR process_id = ?4)"
	                                 " AND (build_id = ?6 OR (?6 IS NULL AND build_id IS NULL AND path = ?5))",
	                             err, errlen);
	if (!s)
		return -1;
	size_t n = symbolizer_module_count(sym);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct sym_module_status st;
		symbolizer_module_status(sym, i, &st);
		if (st.level == SYM_UNUSED)
			continue;
		db_bind_text(s, 1, sym_level_name(st.level));
		db_bind_text(s, 2, st.source);
		db_bind_text(s, 3, st.file);
		sqlite3_bind_int64(s, 4, pid);
		db_bind_text(s, 5, st.path);
		db_bind_text(s, 6, st.build_id);
		rc = db_step(db, s, err, errlen);
		if (st.level != SYM_MISMATCH || !warn)
			continue;
		/* Once per file: the same module may be registered at several
		 * addresses. Strings are interned, so pointers compare. */
		int seen = 0;
		for (size_t j = 0; j < i && !seen; j++) {
			struct sym_module_status o;
			symbolizer_module_status(sym, j, &o);
			seen = o.level == SYM_MISMATCH && o.path == st.path && o.build_id == st.build_id;
		}
		if (!seen)
			warn(&st);
	}
	sqlite3_finalize(s);
	return rc;
}
