/*
 * sitename.h - which frame of a stack names an allocation site.
 *
 * A site is one distinct call stack that allocated; sites.function, file
 * and line (and every "created at" or "from" in the checklist) name one
 * frame of it: the first frame, from the allocator outwards, that is
 *
 *  - not in the C/C++ runtime (frames.runtime: libc, libstdc++, ld.so...),
 *  - not in a system header: a file under /usr/include/, /usr/lib/gcc/ or
 *    any ".../include/c++/" (std::vector's allocate, make_shared, a
 *    template instantiated from there, inlined or not),
 *  - and not an allocation wrapper: a built-in list (xmalloc, xcalloc,
 *    g_malloc, operator new, ...; sitename_builtin_wrappers) plus the
 *    names the user gives with --alloc-fn.
 *
 * A wrapper is recognised by its bare name (cxxname_bare: no return type,
 * arguments or clone suffix), which must equal the listed name, or start
 * with it when the listed name ends in '*' ("sqlite3Malloc*").
 *
 * A frame without a name (a static function of a stripped binary) can
 * name a site, but not when a wrapper comes after it: what a wrapper calls
 * belongs to the allocator (SQLite's static sqlite3MemMalloc, under
 * sqlite3Malloc). The report shows such a site as module+offset with the
 * nearest named function that called it.
 *
 * When every frame is skipped, the first frame outside the runtime names
 * the site, else frame 0, so a site always has a name when its stack has
 * frames.
 *
 * The rule is applied at ingest (sites, checklist evidence) and again by
 * the report when it is given more --alloc-fn names; nothing else decides
 * a site's name.
 */
#ifndef MEMLEDGER_INGEST_SITENAME_H
#define MEMLEDGER_INGEST_SITENAME_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/** The wrappers every run skips; NULL-terminated. */
extern const char *const sitename_builtin_wrappers[];

/** The user's extra wrapper names (--alloc-fn). Zero state: none. */
struct sitename_rules {
	const char *const *extra; /* not copied: must outlive the rules */
	size_t nextra;
};
#define SITENAME_RULES_INIT { NULL, 0 }

/** 1 if fn (a demangled name, may be NULL) is an allocation wrapper. */
int sitename_is_wrapper(const struct sitename_rules *r, const char *fn);

/** 1 if file (may be NULL) is a system header or the runtime's source. */
int sitename_is_system_file(const char *file);

/** 1 if a frame with these fields can never name a site. */
int sitename_skip(const struct sitename_rules *r, const char *fn, const char *file, int runtime);

/** One frame of a stack, as far as the rule cares. */
struct sitename_frame {
	const char *function, *file;
	int runtime;
};

/**
 * The index of the frame that names a stack of n frames (depth 0 first),
 * or -1 when n is 0.
 */
int sitename_pick(const struct sitename_rules *r, const struct sitename_frame *fr, int n);

/**
 * Name every site of process pid: set sites.function, file and line from
 * the picked frame of its stack. 0, or -1 with a reason in err.
 */
int sitename_update_sites(sqlite3 *db, int64_t pid, const struct sitename_rules *r,
                          char *err, size_t errlen);

/**
 * "function (file:line)", "function (module)" or "module+0xoffset" for the
 * picked frame of stack_id, into out; "an unknown place" when the stack
 * has no frames. *stmt caches a statement: start with NULL and
 * sqlite3_finalize() it when done. Never fails.
 */
void sitename_where(sqlite3 *db, sqlite3_stmt **stmt, const struct sitename_rules *r,
                    int64_t stack_id, char *out, size_t n);

#endif
