/*
 * sitename.c - see sitename.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/u64map.h"
#include "ingest/cxxname.h"
#include "ingest/db.h"
#include "ingest/sitename.h"

/*
 * Functions that only pass an allocation on: the caller is the site. The
 * C ones come from libiberty and gnulib (gcc, binutils, make, coreutils),
 * git, bash and glib; the rest from the C++ runtime, CPython and SQLite,
 * whose own allocation layers would otherwise name every site.
 */
const char *const sitename_builtin_wrappers[] = {
	/* libiberty, gnulib, git, bash, make */
	"xmalloc", "xcalloc", "xrealloc", "xstrdup", "xstrndup", "xmemdup", "xmemdupz",
	"xzalloc", "xnmalloc", "xnrealloc", "xreallocarray", "x2realloc", "x2nrealloc",
	"xcharalloc", "xmallocz", "xmallocz_gently", "do_xmalloc", "sh_xmalloc", "sh_xrealloc",
	"_obstack_newchunk", "_obstack_begin", "_obstack_begin_1",
	/* glib */
	"g_malloc", "g_malloc0", "g_realloc", "g_try_malloc", "g_try_malloc0", "g_try_realloc",
	"g_malloc_n", "g_malloc0_n", "g_realloc_n", "g_try_malloc_n", "g_try_malloc0_n",
	"g_new", "g_new0", "g_renew", "g_slice_alloc", "g_slice_alloc0", "g_memdup", "g_memdup2",
	"g_strdup", "g_strndup",
	/* C++ */
	"operator new", "operator new[]",
	/* CPython */
	"PyMem_Malloc", "PyMem_Calloc", "PyMem_Realloc", "PyMem_RawMalloc", "PyMem_RawCalloc",
	"PyMem_RawRealloc", "PyObject_Malloc", "PyObject_Calloc", "PyObject_Realloc",
	"_PyMem_RawMalloc", "_PyMem_RawCalloc", "_PyMem_RawRealloc", "_PyObject_Malloc",
	"_PyObject_Calloc", "_PyObject_Realloc",
	/* SQLite */
	"sqlite3MemMalloc", "sqlite3MemRealloc", "sqlite3Malloc*", "sqlite3Realloc",
	"sqlite3DbMalloc*", "sqlite3DbRealloc*", "sqlite3_malloc*", "sqlite3_realloc*",
	"mallocWithAlarm",
	NULL,
};

static int name_matches(const char *pattern, const char *bare)
{
	size_t n = strlen(pattern);

	if (n && pattern[n - 1] == '*')
		return strncmp(bare, pattern, n - 1) == 0;
	return strcmp(bare, pattern) == 0;
}

int sitename_is_wrapper(const struct sitename_rules *r, const char *fn)
{
	char bare[512];
	size_t i;

	if (!fn || !fn[0])
		return 0;
	cxxname_bare(fn, bare, sizeof bare);
	if (!bare[0])
		return 0;
	for (i = 0; sitename_builtin_wrappers[i]; i++)
		if (name_matches(sitename_builtin_wrappers[i], bare))
			return 1;
	for (i = 0; r && i < r->nextra; i++)
		if (r->extra[i] && r->extra[i][0] && name_matches(r->extra[i], bare))
			return 1;
	return 0;
}

int sitename_is_system_file(const char *file)
{
	if (!file)
		return 0;
	return !strncmp(file, "/usr/include/", 13) || !strncmp(file, "/usr/lib/gcc/", 13) ||
	       strstr(file, "/include/c++/") != NULL;
}

int sitename_skip(const struct sitename_rules *r, const char *fn, const char *file, int runtime)
{
	return runtime || sitename_is_system_file(file) || sitename_is_wrapper(r, fn);
}

/* What a frame is to the rule. */
enum { FC_KEEP = 1, FC_UNNAMED, FC_WRAPPER, FC_SKIP };

static int frame_class(const struct sitename_rules *r, const char *fn, const char *file, int runtime)
{
	if (sitename_is_wrapper(r, fn))
		return FC_WRAPPER;
	if (runtime || sitename_is_system_file(file))
		return FC_SKIP;
	return fn && fn[0] ? FC_KEEP : FC_UNNAMED;
}

/*
 * The rule over the classes of a stack's frames, depth 0 first. A frame
 * without a name (a stripped static function) may be the site, but only
 * if no wrapper comes after it: a wrapper's callees are the allocator's
 * own (SQLite's static sqlite3MemMalloc under sqlite3Malloc).
 */
static int pick_classes(const unsigned char *cls, const unsigned char *runtime, int n)
{
	int i, cand = -1;

	for (i = 0; i < n; i++) {
		if (cls[i] == FC_KEEP)
			return cand >= 0 ? cand : i;
		if (cls[i] == FC_UNNAMED && cand < 0)
			cand = i;
		else if (cls[i] == FC_WRAPPER)
			cand = -1;
	}
	if (cand >= 0)
		return cand;
	for (i = 0; i < n; i++)
		if (!runtime[i])
			return i;
	return n > 0 ? 0 : -1;
}

int sitename_pick(const struct sitename_rules *r, const struct sitename_frame *fr, int n)
{
	unsigned char cls[256], rt[256];
	int i;

	if (n > 256)
		n = 256; /* the tracer's depth is smaller; a site is never that deep */
	for (i = 0; i < n; i++) {
		cls[i] = (unsigned char)frame_class(r, fr[i].function, fr[i].file, fr[i].runtime);
		rt[i] = (unsigned char)(fr[i].runtime != 0);
	}
	return pick_classes(cls, rt, n);
}

/* ---------------------------------------------------------------- sites */

/* The frames of the stack being read, with their classes. */
struct pending {
	int64_t stack_id;
	int n;
	int64_t ids[256];
	unsigned char cls[256], rt[256];
};

static int flush_site(sqlite3 *db, sqlite3_stmt *up, int64_t pid, const struct pending *p,
                      char *err, size_t errlen)
{
	int k = pick_classes(p->cls, p->rt, p->n);

	if (!p->stack_id || k < 0)
		return 0;
	sqlite3_bind_int64(up, 1, p->ids[k]);
	sqlite3_bind_int64(up, 2, pid);
	sqlite3_bind_int64(up, 3, p->stack_id);
	return db_step(db, up, err, errlen);
}

int sitename_update_sites(sqlite3 *db, int64_t pid, const struct sitename_rules *r,
                          char *err, size_t errlen)
{
	struct u64map classes = U64MAP_INIT; /* frame id -> class | runtime << 8 */
	struct pending *p = calloc(1, sizeof *p);
	sqlite3_stmt *q = NULL, *up = NULL;
	int rc = -1, step;

	if (!p) {
		err_oom(err, errlen);
		goto out;
	}
	q = db_prepare(db, "SELECT s.stack_id, f.id, f.function, f.file, f.runtime FROM sites s"
	                   " JOIN stacks st ON st.stack_id = s.stack_id JOIN frames f ON f.id = st.frame_id"
	                   " WHERE s.process_id = ? ORDER BY s.stack_id, st.depth", err, errlen);
	if (!q)
		goto out;
	up = db_prepare(db, "UPDATE sites SET (function, file, line) = (SELECT function, file, line"
	                    " FROM frames WHERE id = ?1) WHERE process_id = ?2 AND stack_id = ?3", err, errlen);
	if (!up)
		goto out;
	sqlite3_bind_int64(q, 1, pid);
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t stack = sqlite3_column_int64(q, 0), fid = sqlite3_column_int64(q, 1);
		uint64_t fl = 0;

		if (stack != p->stack_id) {
			if (flush_site(db, up, pid, p, err, errlen) < 0)
				goto out;
			p->stack_id = stack;
			p->n = 0;
		}
		if (fid <= 0 || p->n >= 256)
			continue;
		if (!u64map_get(&classes, (uint64_t)fid, &fl)) {
			int runtime = sqlite3_column_int(q, 4) != 0;

			fl = (uint64_t)frame_class(r, (const char *)sqlite3_column_text(q, 2),
			                           (const char *)sqlite3_column_text(q, 3), runtime) |
			     (uint64_t)runtime << 8;
			if (u64map_put(&classes, (uint64_t)fid, fl) < 0) {
				err_oom(err, errlen);
				goto out;
			}
		}
		p->ids[p->n] = fid;
		p->cls[p->n] = (unsigned char)(fl & 0xff);
		p->rt[p->n] = (unsigned char)(fl >> 8);
		p->n++;
	}
	if (step != SQLITE_DONE) {
		snprintf(err, errlen, "naming sites: %s", sqlite3_errmsg(db));
		goto out;
	}
	if (flush_site(db, up, pid, p, err, errlen) < 0)
		goto out;
	rc = 0;
out:
	sqlite3_finalize(q);
	sqlite3_finalize(up);
	u64map_free(&classes);
	free(p);
	return rc;
}

/* ---------------------------------------------------------------- where */

struct wframe {
	char *function, *file, *module;
	int line, runtime;
	long long offset;
};

static char *dup_col(sqlite3_stmt *s, int i)
{
	const char *t = (const char *)sqlite3_column_text(s, i);
	return t ? strdup(t) : NULL;
}

void sitename_where(sqlite3 *db, sqlite3_stmt **stmt, const struct sitename_rules *r,
                    int64_t stack_id, char *out, size_t n)
{
	struct wframe *v = NULL, *nv;
	struct sitename_frame *sf = NULL;
	int nf = 0, cap = 0, k, pick;

	snprintf(out, n, "an unknown place");
	if (stack_id <= 0)
		return;
	if (!*stmt && sqlite3_prepare_v2(db, "SELECT f.function, f.file, f.line, f.module, f.offset, f.runtime"
	                                     " FROM stacks st JOIN frames f ON f.id = st.frame_id"
	                                     " WHERE st.stack_id = ? ORDER BY st.depth", -1, stmt, NULL) != SQLITE_OK)
		return;
	sqlite3_reset(*stmt);
	sqlite3_bind_int64(*stmt, 1, stack_id);
	while (sqlite3_step(*stmt) == SQLITE_ROW) {
		if (nf == cap) {
			cap = cap ? 2 * cap : 16;
			if (!(nv = realloc(v, (size_t)cap * sizeof *v)))
				goto out_free;
			v = nv;
		}
		v[nf].function = dup_col(*stmt, 0);
		v[nf].file = dup_col(*stmt, 1);
		v[nf].line = sqlite3_column_int(*stmt, 2);
		v[nf].module = dup_col(*stmt, 3);
		v[nf].offset = sqlite3_column_int64(*stmt, 4);
		v[nf].runtime = sqlite3_column_int(*stmt, 5);
		nf++;
	}
	if (!nf || !(sf = malloc((size_t)nf * sizeof *sf)))
		goto out_free;
	for (k = 0; k < nf; k++)
		sf[k] = (struct sitename_frame){ v[k].function, v[k].file, v[k].runtime };
	pick = sitename_pick(r, sf, nf);
	if (pick >= 0) {
		const struct wframe *f = &v[pick];

		if (f->function && f->file)
			snprintf(out, n, "%s (%s:%d)", f->function, f->file, f->line);
		else if (f->function)
			snprintf(out, n, "%s (%s)", f->function, f->module ? f->module : "?");
		else
			snprintf(out, n, "%s+0x%llx", f->module ? f->module : "?", (unsigned long long)f->offset);
	}
out_free:
	sqlite3_reset(*stmt);
	for (k = 0; k < nf; k++) {
		free(v[k].function);
		free(v[k].file);
		free(v[k].module);
	}
	free(v);
	free(sf);
}
