/*
 * sitekey.c - see sitekey.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "compare/sitekey.h"
#include "ingest/json.h"

static char *col_dup(sqlite3_stmt *s, int i)
{
	const char *t = (const char *)sqlite3_column_text(s, i);
	return t ? strdup(t) : NULL;
}

void cmp_frames_free(struct cmp_frame *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(f[i].function);
		free(f[i].file);
		free(f[i].module);
	}
	free(f);
}

int cmp_stack_read(sqlite3 *db, sqlite3_stmt **stmt, int64_t stack_id, struct cmp_frame **out,
                   char *err, size_t errlen)
{
	struct cmp_frame *f = NULL, *nf;
	size_t n = 0, cap = 0;
	int rc;

	*out = NULL;
	if (!*stmt && sqlite3_prepare_v2(db, "SELECT f.function, f.file, f.line, f.module, f.offset, f.inlined,"
	                                     " f.runtime FROM stacks s JOIN frames f ON f.id = s.frame_id"
	                                     " WHERE s.stack_id = ? ORDER BY s.depth", -1, stmt, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "database: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_reset(*stmt);
	sqlite3_bind_int64(*stmt, 1, stack_id);
	while ((rc = sqlite3_step(*stmt)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if (!(nf = realloc(f, cap * sizeof *f)))
				goto out_oom;
			f = nf;
		}
		nf = &f[n];
		memset(nf, 0, sizeof *nf);
		n++;
		nf->function = col_dup(*stmt, 0);
		nf->file = col_dup(*stmt, 1);
		nf->line = sqlite3_column_int64(*stmt, 2);
		nf->module = col_dup(*stmt, 3);
		nf->offset = sqlite3_column_int64(*stmt, 4);
		nf->inlined = sqlite3_column_int(*stmt, 5);
		nf->runtime = sqlite3_column_int(*stmt, 6);
	}
	sqlite3_reset(*stmt);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "database: %s", sqlite3_errmsg(db));
		cmp_frames_free(f, n);
		return -1;
	}
	*out = f;
	return (int)n;
out_oom:
	sqlite3_reset(*stmt);
	cmp_frames_free(f, n);
	return err_oom(err, errlen);
}

/*
 * Fields are separated by 0x1f and frames by 0x1e, bytes no symbol or
 * path holds. Lines are zero-padded so that keys sort with lines in
 * numeric order (the loose pass pairs in that order).
 */
int cmp_stack_keys(const struct cmp_frame *f, size_t n, char **exact, char **loose)
{
	struct jbuf e = JBUF_INIT, l = JBUF_INIT;
	char num[48];

	for (size_t i = 0; i < n; i++) {
		if (f[i].function) {
			jbuf_adds(&e, "F");
			jbuf_adds(&e, f[i].function);
			jbuf_adds(&e, "\x1f");
			jbuf_adds(&e, f[i].file ? f[i].file : "");
			jbuf_adds(&l, "F");
			jbuf_adds(&l, f[i].function);
			jbuf_adds(&l, "\x1f");
			jbuf_adds(&l, f[i].file ? f[i].file : "");
			snprintf(num, sizeof num, "\x1f%010lld", (long long)f[i].line);
			jbuf_adds(&e, num);
		} else {
			snprintf(num, sizeof num, "\x1f%llx", (unsigned long long)f[i].offset);
			jbuf_adds(&e, "M");
			jbuf_adds(&e, f[i].module ? f[i].module : "?");
			jbuf_adds(&e, num);
			jbuf_adds(&l, "M");
			jbuf_adds(&l, f[i].module ? f[i].module : "?");
			jbuf_adds(&l, num);
		}
		jbuf_adds(&e, "\x1e");
		jbuf_adds(&l, "\x1e");
	}
	/* an empty stack still needs a string */
	jbuf_adds(&e, "");
	jbuf_adds(&l, "");
	if (e.oom || l.oom || !e.s || !l.s) {
		jbuf_free(&e);
		jbuf_free(&l);
		return -1;
	}
	*exact = e.s;
	*loose = l.s;
	return 0;
}

/* ---------------------------------------------------------------- match */

struct ref {
	const struct cmp_keyed *k;
	size_t i;
	int side; /* 0: a, 1: b */
};

static int by_exact(const void *x, const void *y)
{
	const struct ref *p = x, *q = y;
	int c = strcmp(p->k->exact, q->k->exact);
	return c ? c : p->side - q->side;
}

static int by_loose(const void *x, const void *y)
{
	const struct ref *p = x, *q = y;
	int c = strcmp(p->k->loose, q->k->loose);
	if (c)
		return c;
	if (p->side != q->side)
		return p->side - q->side;
	return strcmp(p->k->exact, q->k->exact);
}

int cmp_match(const struct cmp_keyed *a, size_t na, const struct cmp_keyed *b, size_t nb,
              ssize_t *ma, ssize_t *mb)
{
	struct ref *r = malloc((na + nb + 1) * sizeof *r);
	size_t n = 0, i, j;

	if (!r)
		return -1;
	for (i = 0; i < na; i++) {
		ma[i] = -1;
		r[n++] = (struct ref){ &a[i], i, 0 };
	}
	for (j = 0; j < nb; j++) {
		mb[j] = -1;
		r[n++] = (struct ref){ &b[j], j, 1 };
	}
	/* exact: after sorting, an a entry is directly followed by its b twin */
	qsort(r, n, sizeof *r, by_exact);
	for (i = 0; i + 1 < n; i++)
		if (r[i].side == 0 && r[i + 1].side == 1 && !strcmp(r[i].k->exact, r[i + 1].k->exact)) {
			ma[r[i].i] = (ssize_t)r[i + 1].i;
			mb[r[i + 1].i] = (ssize_t)r[i].i;
			i++;
		}
	/* loose, among the rest: groups of one loose key, a's before b's */
	size_t m = 0;
	for (i = 0; i < n; i++)
		if ((r[i].side == 0 ? ma[r[i].i] : mb[r[i].i]) < 0)
			r[m++] = r[i];
	qsort(r, m, sizeof *r, by_loose);
	for (i = 0; i < m; i = j) {
		size_t ca = 0, cb;
		for (j = i; j < m && !strcmp(r[j].k->loose, r[i].k->loose); j++)
			ca += r[j].side == 0;
		cb = j - i - ca;
		if (ca != cb)
			continue;
		for (size_t k = 0; k < ca; k++) {
			ma[r[i + k].i] = (ssize_t)r[i + ca + k].i;
			mb[r[i + ca + k].i] = (ssize_t)r[i + k].i;
		}
	}
	free(r);
	return 0;
}

/* ---------------------------------------------------------------- names */

void cmp_frame_text(const struct cmp_frame *f, char *out, size_t cap)
{
	if (f->function && f->file)
		snprintf(out, cap, "%s (%s:%lld)", f->function, f->file, (long long)f->line);
	else if (f->function)
		snprintf(out, cap, "%s (%s)", f->function, f->module ? f->module : "?");
	else
		snprintf(out, cap, "%s+0x%llx", f->module ? f->module : "?", (unsigned long long)f->offset);
}

void cmp_frames_where(const struct cmp_frame *f, size_t n, char *out, size_t cap)
{
	size_t i;

	if (!n) {
		snprintf(out, cap, "an unknown place");
		return;
	}
	for (i = 0; i < n && f[i].runtime; i++)
		;
	cmp_frame_text(&f[i < n ? i : 0], out, cap);
}
