/*
 * compare_out.h - printing shared by `memledger diff` and `memledger
 * check`: stacks and names for a terminal, and a small JSON writer.
 *
 * Text for a person goes through out_safe(): symbols, paths and argv
 * come from the traced program, and a control byte in one must not
 * drive the user's terminal.
 */
#ifndef MEMLEDGER_CLI_COMPARE_OUT_H
#define MEMLEDGER_CLI_COMPARE_OUT_H

#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

#include "ingest/json.h"

/** s escaped as cli_escape() does (control bytes as \\xNN), in buf, truncated to cap. */
const char *out_safe(const char *s, char *buf, size_t cap);

/**
 * Print s in a column of width display columns (UTF-8 aware: "−" is one
 * column), right-aligned if right, then one space.
 */
void out_cell(FILE *f, const char *s, int width, int right);

/**
 * Print the frames of stack_id, depth 0 first, one "at ..." line each
 * with indent before it; at most max frames, then "...". *st caches the
 * statement (finalize it when done). Nothing for stack 0.
 */
void out_stack(FILE *f, sqlite3 *db, sqlite3_stmt **st, int64_t stack_id, int max, const char *indent);

/** The same stack as text lines ("at ...\n") appended to b (for JUnit). */
void out_stack_text(struct jbuf *b, sqlite3 *db, sqlite3_stmt **st, int64_t stack_id, int max,
                    const char *indent);

/* ---------------------------------------------------------------- JSON */

#define JW_DEPTH 32

/** A JSON writer over a jbuf: values are separated by commas as needed. */
struct jw {
	struct jbuf b;
	int depth;
	int count[JW_DEPTH]; /* values so far in each open container */
};
#define JW_INIT { JBUF_INIT, 0, { 0 } }

/* key is NULL inside an array, a member name inside an object. */
void jw_open(struct jw *w, const char *key, char bracket);
void jw_close(struct jw *w, char bracket);
void jw_str(struct jw *w, const char *key, const char *v);   /* NULL: null */
void jw_num(struct jw *w, const char *key, double v);        /* NaN: null */
void jw_int(struct jw *w, const char *key, long long v);
void jw_bool(struct jw *w, const char *key, int v);
/** The frames of a stack as an array of {function, file, line, module, offset, inlined}. */
void jw_stack(struct jw *w, const char *key, sqlite3 *db, sqlite3_stmt **st, int64_t stack_id);

/** Write the buffer and a newline to f; -1 if out of memory or the write failed. */
int jw_finish(struct jw *w, FILE *f);

#endif
