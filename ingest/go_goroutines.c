/*
 * go_goroutines.c - goroutine dumps: the text of
 * /debug/pprof/goroutine?debug=2, which is also what a panic prints.
 *
 *   goroutine 7 [chan receive, 2 minutes]:
 *   main.waiter(0xc000020120)
 *   	/src/main.go:99 +0x25
 *   created by main.main in goroutine 1
 *   	/src/main.go:120 +0x8f
 *
 * A block starts at a "goroutine N [...]:" header and runs while frames
 * follow: a function line, then a tab-indented "file:line" line. Lines
 * outside blocks (a panic's message, "exit status 2") are skipped. A
 * goroutine id seen twice starts a new dump, so concatenated dumps load
 * as several. A header that does not parse, or a location line without a
 * line number, is an error; a block cut at the end of the input is kept
 * up to its last complete frame and the run marked truncated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/err.h"
#include "common/u64map.h"
#include "ingest/go_run.h"
#include "ingest/tracemeta.h"

#define GO_MAX_FRAMES 4096

static int parse_id(const char *s, size_t n, int64_t *out)
{
	int64_t v = 0;
	size_t i = 0;
	while (i < n && s[i] >= '0' && s[i] <= '9' && i < 18)
		v = v * 10 + (s[i++] - '0');
	if (!i || (i < n && s[i] >= '0' && s[i] <= '9'))
		return -1;
	*out = v;
	return (int)i;
}

/* "goroutine N [state, N minutes, locked to thread]:" (Go 1.23 may put
 * "gp=... m=..." between the id and the bracket). */
static int parse_header(const char *s, size_t n, struct go_goroutine *g)
{
	while (n && (s[n - 1] == '\r' || s[n - 1] == ' '))
		n--;
	int k = parse_id(s + 10, n - 10, &g->id);
	if (k < 0 || n < 3 || s[n - 1] != ':' || s[n - 2] != ']')
		return -1;
	const char *open = memchr(s + 10 + k, '[', n - 10 - (size_t)k);
	if (!open)
		return -1;
	const char *p = open + 1, *end = s + n - 2;
	g->wait_minutes = -1;
	g->creator = -1;
	/* parts separated by ", "; the first is the state */
	int first = 1;
	while (p <= end) {
		const char *q = p;
		while (q + 1 < end && !(q[0] == ',' && q[1] == ' '))
			q++;
		if (q + 1 >= end)
			q = end;
		size_t len = (size_t)(q - p);
		if (first) {
			if (!len || !(g->state = bytes_dup(p, len)))
				return -1;
			first = 0;
		} else if (len > 8 && !memcmp(q - 8, " minutes", 8)) {
			int64_t m;
			if (parse_id(p, len - 8, &m) != (int)(len - 8))
				return -1;
			g->wait_minutes = m;
		} else if (len == 16 && !memcmp(p, "locked to thread", 16)) {
			g->locked = 1;
		}
		p = q + 2;
	}
	return g->state ? 0 : -1;
}

/* "\t/path/file.go:123 +0x1d" into file and line. */
static int parse_location(const char *s, size_t n, struct go_frame *f)
{
	while (n && (s[n - 1] == '\r' || s[n - 1] == ' '))
		n--;
	if (!n || s[0] != '\t')
		return -1;
	s++, n--;
	const char *sp = memchr(s, ' ', n);
	size_t flen = sp ? (size_t)(sp - s) : n;
	const char *colon = NULL;
	for (size_t i = flen; i > 0; i--)
		if (s[i - 1] == ':') {
			colon = s + i - 1;
			break;
		}
	if (!colon || colon == s)
		return -1;
	int64_t line;
	size_t ll = flen - (size_t)(colon + 1 - s);
	if (parse_id(colon + 1, ll, &line) != (int)ll)
		return -1;
	f->line = line;
	return (f->file = bytes_dup(s, (size_t)(colon - s))) ? 0 : -1;
}

/* "main.(*T).m(0xc0, ...)" -> "main.(*T).m"; "created by main.main in goroutine 1". */
static char *function_name(const char *s, size_t n, int64_t *creator)
{
	while (n && (s[n - 1] == '\r' || s[n - 1] == ' '))
		n--;
	if (creator) {
		const char *in = NULL;
		for (size_t i = 0; i + 14 <= n; i++)
			if (!memcmp(s + i, " in goroutine ", 14))
				in = s + i;
		if (in) {
			int64_t id;
			size_t rest = n - (size_t)(in + 14 - s);
			if (parse_id(in + 14, rest, &id) == (int)rest)
				*creator = id;
			n = (size_t)(in - s);
		}
	} else if (n && s[n - 1] == ')') {
		for (size_t i = n; i > 0; i--)
			if (s[i - 1] == '(') {
				n = i - 1;
				break;
			}
	}
	return n ? bytes_dup(s, n) : NULL;
}

static struct go_dump *new_dump(struct go_run *r, int64_t unix_ns)
{
	struct go_dump *d = VEC_PUSH(r->dumps, r->ndumps, r->capdumps);
	if (d) {
		d->unix_ns = unix_ns;
		d->has_time = unix_ns > 0;
		d->order = r->next_order++;
	}
	return d;
}

/*
 * A line that does not parse is the dump cut short when it is the last,
 * unterminated one: mark r truncated, warn, and return 1. Else 0: an error.
 */
static int cut_short(struct go_run *r, int last, long line)
{
	if (!last)
		return 0;
	r->truncated = 1;
	go_run_warn(r, "line %ld: the goroutine dump is cut short", line);
	return 1;
}

int go_goroutines_read(struct go_run *r, const char *buf, size_t len, int64_t unix_ns,
                       long first_line, char *err, size_t errlen)
{
	struct go_dump *d = NULL;
	struct go_goroutine *g = NULL;
	struct u64map seen;
	long line = first_line - 1;
	int rc = -1;
	const char *pending = NULL; /* a function line waiting for its location */
	size_t pending_len = 0;
	long pending_line = 0;
	memset(&seen, 0, sizeof seen);
	for (size_t p = 0; p < len;) {
		const char *nl = memchr(buf + p, '\n', len - p);
		size_t e = nl ? (size_t)(nl - buf) : len;
		const char *s = buf + p;
		size_t n = e - p;
		p = e + 1;
		line++;
		if (n >= 12 && !memcmp(s, "goroutine ", 10) && s[10] >= '0' && s[10] <= '9' &&
		    memchr(s, '[', n)) {
			struct go_goroutine h;
			memset(&h, 0, sizeof h);
			if (parse_header(s, n, &h) < 0) {
				free(h.state);
				if (cut_short(r, !nl, line))
					break;
				snprintf(err, errlen, "line %ld: a goroutine header that does not parse", line);
				goto out;
			}
			uint64_t dummy;
			if (!d || u64map_get(&seen, (uint64_t)h.id + 1, &dummy)) {
				u64map_free(&seen);
				memset(&seen, 0, sizeof seen);
				if (!(d = new_dump(r, unix_ns))) {
					free(h.state);
					goto oom;
				}
			}
			if (u64map_put(&seen, (uint64_t)h.id + 1, 1) < 0 || !(g = VEC_PUSH(d->g, d->n, d->cap))) {
				free(h.state);
				goto oom;
			}
			*g = h;
			pending = NULL;
			continue;
		}
		if (!g)
			continue;
		if (n && s[0] == '\t' && pending) {
			struct go_frame f;
			memset(&f, 0, sizeof f);
			if (parse_location(s, n, &f) < 0) {
				free(f.file);
				if (cut_short(r, !nl, line))
					break;
				snprintf(err, errlen, "line %ld: a frame location without file:line", line);
				goto out;
			}
			int created = pending_len > 11 && !memcmp(pending, "created by ", 11);
			f.function = created ? function_name(pending + 11, pending_len - 11, &g->creator)
			                     : function_name(pending, pending_len, NULL);
			if (!f.function) {
				free(f.file);
				snprintf(err, errlen, "line %ld: a frame without a function name", pending_line);
				goto out;
			}
			if (created) {
				free(g->created.function);
				free(g->created.file);
				g->created = f;
			} else if (g->nframes < GO_MAX_FRAMES) {
				struct go_frame *slot = VEC_PUSH(g->frames, g->nframes, g->capframes);
				if (!slot) {
					free(f.function);
					free(f.file);
					goto oom;
				}
				*slot = f;
			} else {
				free(f.function);
				free(f.file);
			}
			pending = NULL;
			continue;
		}
		if (n == 0 || (n == 1 && s[0] == '\r')) {
			g = NULL;   /* the blank line after a block */
			pending = NULL;
			continue;
		}
		if (pending || s[0] == '\t') {
			/* two function lines in a row, or a location without one: the
			 * block ended and the program's own text follows */
			g = NULL;
			pending = NULL;
			continue;
		}
		if (n >= 3 && !memcmp(s, "...", 3))
			continue;   /* "...additional frames elided..." */
		pending = s;
		pending_len = n;
		pending_line = line;
	}
	rc = 0;
	goto out;
oom:
	err_oom(err, errlen);
out:
	u64map_free(&seen);
	return rc;
}
