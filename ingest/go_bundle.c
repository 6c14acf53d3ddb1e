/*
 * go_bundle.c - the trace `memledger run` writes for a Go program
 * (format/FORMAT.md, "Go runs"): a magic line, then records
 *
 *   R KIND UNIX_NS LEN\n  LEN bytes  \n
 *
 * KIND is meta and end (JSON objects from the run), gctrace (stderr
 * lines the run kept back), memstats, goroutines and heap (from the
 * go/memledger package or --go-endpoint). Unknown kinds are skipped, so
 * newer runs stay readable. A record cut at the end of the file (a
 * killed run) ends the input: what came before it loads and the run is
 * marked truncated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"

#include "ingest/go_run.h"

#define MAGIC "MLGORUN1\n"

struct hdr {
	char kind[32];
	int64_t unix_ns;
	uint64_t len;
};

/* "R kind unix len"; 0, -1 malformed. */
static int parse_hdr(const char *s, size_t n, struct hdr *h)
{
	size_t i = 0, k = 0;
	if (n < 2 || s[0] != 'R' || s[1] != ' ')
		return -1;
	i = 2;
	while (i < n && s[i] >= 'a' && s[i] <= 'z' && k + 1 < sizeof h->kind)
		h->kind[k++] = s[i++];
	h->kind[k] = 0;
	if (!k || i >= n || s[i++] != ' ')
		return -1;
	uint64_t v[2] = { 0, 0 };
	for (int f = 0; f < 2; f++) {
		size_t d = 0;
		while (i < n && s[i] >= '0' && s[i] <= '9' && d < 19) {
			v[f] = v[f] * 10 + (uint64_t)(s[i++] - '0');
			d++;
		}
		if (!d || (f == 0 && (i >= n || s[i++] != ' ')))
			return -1;
	}
	if (i != n || v[0] > 4000000000000000000ULL)
		return -1;
	h->unix_ns = (int64_t)v[0];
	h->len = v[1];
	return 0;
}

static int json_meta(struct go_run *r, sqlite3 *db, const char *s, size_t n, int end,
                     char *err, size_t errlen)
{
	sqlite3_stmt *q = NULL;
	int rc = -1;
	const char *sql = end ?
		"SELECT json_valid(?1), json_extract(?1,'$.end_reason'), json_extract(?1,'$.exit_code'),"
		" json_extract(?1,'$.signal'), json_extract(?1,'$.end_unix_ns')" :
		"SELECT json_valid(?1), json_extract(?1,'$.exe'), json_extract(?1,'$.pid'),"
		" json_extract(?1,'$.ppid'), json_extract(?1,'$.start_unix_ns'), json_extract(?1,'$.argv'),"
		" json_type(?1,'$.argv'), json_extract(?1,'$.interval_ns')";
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(q, 1, s, (int)n, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_ROW || !sqlite3_column_int(q, 0)) {
		snprintf(err, errlen, "not valid JSON");
		goto out;
	}
	if (end) {
		const char *why = (const char *)sqlite3_column_text(q, 1);
		if (!why || (strcmp(why, "exit") && strcmp(why, "signal"))) {
			snprintf(err, errlen, "end_reason is not exit or signal");
			goto out;
		}
		free(r->end_reason);
		if (!(r->end_reason = strdup(why)))
			goto oom;
		r->have_end = 1;
		r->exit_code = sqlite3_column_type(q, 2) == SQLITE_INTEGER ? sqlite3_column_int64(q, 2) : -1;
		r->signal = sqlite3_column_type(q, 3) == SQLITE_INTEGER ? sqlite3_column_int64(q, 3) : -1;
		r->end_unix_ns = sqlite3_column_int64(q, 4);
	} else {
		r->have_meta = 1;
		free(r->exe);
		r->exe = NULL;
		if (sqlite3_column_text(q, 1) && !(r->exe = strdup((const char *)sqlite3_column_text(q, 1))))
			goto oom;
		r->pid = sqlite3_column_int64(q, 2);
		r->ppid = sqlite3_column_int64(q, 3);
		r->start_unix_ns = sqlite3_column_int64(q, 4);
		if (r->start_unix_ns < 0 || r->start_unix_ns > 4000000000000000000LL)
			r->start_unix_ns = 0;
		free(r->argv_json);
		r->argv_json = NULL;
		const char *at = (const char *)sqlite3_column_text(q, 6);
		if (at && !strcmp(at, "array") && !(r->argv_json = strdup((const char *)sqlite3_column_text(q, 5))))
			goto oom;
		r->sample_interval_ns = sqlite3_column_int64(q, 7);
	}
	rc = 0;
	goto out;
oom:
	err_oom(err, errlen);
out:
	sqlite3_finalize(q);
	return rc;
}

int go_bundle_read(struct go_run *r, sqlite3 *db, const uint8_t *buf, size_t len,
                   char *err, size_t errlen)
{
	size_t ml = sizeof MAGIC - 1, p = ml;
	char *gct = NULL, sub[400];
	size_t gctlen = 0;
	long rec = 0;
	int rc = -1;
	if (len < ml || memcmp(buf, MAGIC, ml)) {
		snprintf(err, errlen, "not a Go run trace");
		return -1;
	}
	while (p < len) {
		rec++;
		const uint8_t *nl = memchr(buf + p, '\n', len - p > 256 ? 256 : len - p);
		if (!nl && len - p < 256)
			goto cut;
		struct hdr h;
		if (!nl || parse_hdr((const char *)buf + p, (size_t)(nl - buf) - p, &h) < 0) {
			snprintf(err, errlen, "record %ld: a malformed record header", rec);
			goto out;
		}
		size_t body = (size_t)(nl - buf) + 1;
		if (h.len > len - body || len - body - h.len < 1)
			goto cut;
		if (buf[body + h.len] != '\n') {
			snprintf(err, errlen, "record %ld (%s): the record does not end where its length says", rec, h.kind);
			goto out;
		}
		const char *s = (const char *)buf + body;
		size_t n = (size_t)h.len;
		int r2 = 0;
		sub[0] = 0;
		if (!strcmp(h.kind, "meta") || !strcmp(h.kind, "end")) {
			r2 = json_meta(r, db, s, n, h.kind[0] == 'e', sub, sizeof sub);
		} else if (!strcmp(h.kind, "memstats")) {
			r2 = go_memstats_line(r, db, s, n, 1, sub, sizeof sub);
			if (!r2 && !r->snaps[r->nsnaps - 1].has_time && h.unix_ns > 0) {
				r->snaps[r->nsnaps - 1].unix_ns = h.unix_ns;
				r->snaps[r->nsnaps - 1].has_time = 1;
			}
		} else if (!strcmp(h.kind, "goroutines")) {
			r2 = go_goroutines_read(r, s, n, h.unix_ns, 1, sub, sizeof sub);
		} else if (!strcmp(h.kind, "heap")) {
			r2 = n ? go_pprof_read(r, (const uint8_t *)s, n, h.unix_ns, sub, sizeof sub) : 0;
		} else if (!strcmp(h.kind, "gctrace")) {
			char *g = realloc(gct, gctlen + n + 1);
			if (!g) {
				err_oom(err, errlen);
				goto out;
			}
			gct = g;
			memcpy(gct + gctlen, s, n);
			gctlen += n;
		}
		if (r2 < 0) {
			snprintf(err, errlen, "record %ld (%s): %s", rec, h.kind, sub);
			goto out;
		}
		p = body + n + 1;
	}
	goto done;
cut:
	r->truncated = 1;
	go_run_warn(r, "record %ld is cut short (the run was killed?): loaded the records before it", rec);
done:
	if (gct && go_gctrace_read(r, gct, gctlen, sub, sizeof sub) < 0) {
		snprintf(err, errlen, "gctrace %s", sub);
		goto out;
	}
	rc = 0;
out:
	free(gct);
	return rc;
}
