/*
 * sitekey.h - naming a call stack by its symbols, and matching the
 * stacks of two runs.
 *
 * Two runs of one program never share an address: ASLR moves every
 * module, and a rebuild moves every function. So a stack is named by
 * what its frames say about the source: function, file and line, frame
 * by frame, depth 0 first. Only a frame without a function name falls
 * back to its module and offset, which match only when the same build
 * is loaded again.
 *
 * Each stack gets two keys:
 *  - exact: function, file and line of every frame (module+offset where
 *    there is no function);
 *  - loose: the same without the line numbers of symbolized frames.
 * Matching pairs equal exact keys first. An edit that moves lines in a
 * file changes the exact keys of every stack through it, so the stacks
 * left over are then paired by loose key, but only where both runs have
 * the same number of them (paired in the order of their exact keys, in
 * which lines compare as numbers): a function that gained or lost an
 * allocation site leaves its sites unmatched rather than mismatched.
 */
#ifndef MEMLEDGER_COMPARE_SITEKEY_H
#define MEMLEDGER_COMPARE_SITEKEY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <sqlite3.h>

/** One frame of a stack, as the database holds it. Strings may be NULL. */
struct cmp_frame {
	char *function, *file, *module;
	int64_t line, offset;
	int inlined, runtime;
};

/**
 * Read the frames of stack_id, depth 0 first, into a malloc'd array
 * (*out, free with cmp_frames_free). *stmt caches the statement: start
 * with NULL, sqlite3_finalize() it when done. Returns the number of
 * frames (0 for an unknown stack), or -1 with err.
 */
int cmp_stack_read(sqlite3 *db, sqlite3_stmt **stmt, int64_t stack_id, struct cmp_frame **out,
                   char *err, size_t errlen);
void cmp_frames_free(struct cmp_frame *f, size_t n);

/**
 * The exact and loose keys of n frames (see above), malloc'd strings the
 * caller frees. 0, or -1 when memory runs out (nothing to free then).
 */
int cmp_stack_keys(const struct cmp_frame *f, size_t n, char **exact, char **loose);

/** What the matcher needs of an entry. Exact keys are unique on each side. */
struct cmp_keyed {
	const char *exact, *loose;
};

/**
 * Pair the entries of a with those of b (see above): ma[i] is the index in
 * b paired with a[i], or -1; mb[j] likewise. 0, or -1 when memory runs out.
 */
int cmp_match(const struct cmp_keyed *a, size_t na, const struct cmp_keyed *b, size_t nb,
              ssize_t *ma, ssize_t *mb);

/**
 * "function (file:line)" of the first frame outside the C/C++ runtime
 * (else frame 0): how a site is named to a person. Writes into out.
 */
void cmp_frames_where(const struct cmp_frame *f, size_t n, char *out, size_t cap);

/** One frame as "function (file:line)", "function (module)" or "module+0xoff". */
void cmp_frame_text(const struct cmp_frame *f, char *out, size_t cap);

#endif
