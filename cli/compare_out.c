/*
 * compare_out.c - see compare_out.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/compare_out.h"
#include "compare/sitekey.h"

const char *out_safe(const char *s, char *buf, size_t cap)
{
	/* one escaping rule for every terminal line: cli_escape's */
	snprintf(buf, cap, "%s", cli_escape(s ? s : ""));
	return buf;
}

void out_cell(FILE *f, const char *s, int width, int right)
{
	int w = 0;

	for (const char *p = s; *p; p++)
		w += ((unsigned char)*p & 0xc0) != 0x80;
	if (right)
		for (int i = w; i < width; i++)
			fputc(' ', f);
	fputs(s, f);
	if (!right)
		for (int i = w; i < width; i++)
			fputc(' ', f);
	fputc(' ', f);
}

void out_stack_text(struct jbuf *b, sqlite3 *db, sqlite3_stmt **st, int64_t stack_id, int max,
                    const char *indent)
{
	struct cmp_frame *f;
	char err[256], line[1200], safe[1200];
	int n;

	if (stack_id <= 0 || (n = cmp_stack_read(db, st, stack_id, &f, err, sizeof err)) <= 0)
		return;
	for (int i = 0; i < n; i++) {
		jbuf_adds(b, indent);
		if (i >= max) {
			jbuf_adds(b, "...\n");
			break;
		}
		cmp_frame_text(&f[i], line, sizeof line);
		jbuf_adds(b, "at ");
		jbuf_adds(b, out_safe(line, safe, sizeof safe));
		if (f[i].inlined)
			jbuf_adds(b, " [inlined]");
		jbuf_adds(b, "\n");
	}
	cmp_frames_free(f, (size_t)n);
}

void out_stack(FILE *f, sqlite3 *db, sqlite3_stmt **st, int64_t stack_id, int max, const char *indent)
{
	struct jbuf b = JBUF_INIT;

	out_stack_text(&b, db, st, stack_id, max, indent);
	if (b.s)
		fputs(b.s, f);
	jbuf_free(&b);
}

/* ---------------------------------------------------------------- JSON */

static void sep(struct jw *w, const char *key)
{
	if (w->depth > 0 && w->count[w->depth - 1]++)
		jbuf_adds(&w->b, ",");
	if (key) {
		jbuf_add_string(&w->b, key, strlen(key));
		jbuf_adds(&w->b, ":");
	}
}

void jw_open(struct jw *w, const char *key, char bracket)
{
	sep(w, key);
	jbuf_add(&w->b, &bracket, 1);
	if (w->depth < JW_DEPTH)
		w->count[w->depth] = 0;
	w->depth++;
}

void jw_close(struct jw *w, char bracket)
{
	jbuf_add(&w->b, &bracket, 1);
	w->depth--;
}

void jw_str(struct jw *w, const char *key, const char *v)
{
	sep(w, key);
	if (v)
		jbuf_add_string(&w->b, v, strlen(v));
	else
		jbuf_adds(&w->b, "null");
}

void jw_num(struct jw *w, const char *key, double v)
{
	char num[64];

	sep(w, key);
	if (isnan(v) || isinf(v)) {
		jbuf_adds(&w->b, "null");
		return;
	}
	if (v == floor(v) && fabs(v) < 9e15)
		snprintf(num, sizeof num, "%.0f", v);
	else
		snprintf(num, sizeof num, "%.17g", v);
	jbuf_adds(&w->b, num);
}

void jw_int(struct jw *w, const char *key, long long v)
{
	char num[32];

	sep(w, key);
	snprintf(num, sizeof num, "%lld", v);
	jbuf_adds(&w->b, num);
}

void jw_bool(struct jw *w, const char *key, int v)
{
	sep(w, key);
	jbuf_adds(&w->b, v ? "true" : "false");
}

void jw_stack(struct jw *w, const char *key, sqlite3 *db, sqlite3_stmt **st, int64_t stack_id)
{
	struct cmp_frame *f = NULL;
	char err[256];
	int n = stack_id > 0 ? cmp_stack_read(db, st, stack_id, &f, err, sizeof err) : 0;

	jw_open(w, key, '[');
	for (int i = 0; i < n; i++) {
		jw_open(w, NULL, '{');
		jw_str(w, "function", f[i].function);
		jw_str(w, "file", f[i].file);
		if (f[i].file)
			jw_int(w, "line", f[i].line);
		else
			jw_num(w, "line", NAN);
		jw_str(w, "module", f[i].module);
		jw_int(w, "offset", f[i].offset);
		jw_bool(w, "inlined", f[i].inlined);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	if (n > 0)
		cmp_frames_free(f, (size_t)n);
}

int jw_finish(struct jw *w, FILE *f)
{
	int rc = 0;

	if (w->b.oom || !w->b.s)
		rc = -1;
	else if (fputs(w->b.s, f) == EOF || fputc('\n', f) == EOF || fflush(f) == EOF)
		rc = -1;
	jbuf_free(&w->b);
	return rc;
}
