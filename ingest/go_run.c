/*
 * go_run.c - see go_run.h: the run's lifetime, sniffing an input's kind,
 * and putting every record on one clock.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/trace.h"
#include "ingest/go_run.h"
#include "ingest/tracemeta.h"

const char *const go_ms_json[GO_MS_COUNT] = {
	"Alloc", "TotalAlloc", "Sys", "Lookups", "Mallocs", "Frees",
	"HeapAlloc", "HeapSys", "HeapIdle", "HeapInuse", "HeapReleased",
	"HeapObjects", "StackInuse", "StackSys", "MSpanInuse", "MSpanSys",
	"MCacheInuse", "MCacheSys", "BuckHashSys", "GCSys", "OtherSys",
	"NextGC", "LastGC", "PauseTotalNs", "NumGC", "NumForcedGC",
};

static void frames_free(struct go_frame *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(f[i].function);
		free(f[i].file);
	}
	free(f);
}

void go_run_free(struct go_run *r)
{
	for (size_t i = 0; i < r->nsnaps; i++) {
		free(r->snaps[i].label);
		free(r->snaps[i].pause_end);
		free(r->snaps[i].pause_ns);
	}
	free(r->snaps);
	free(r->gcs);
	for (size_t i = 0; i < r->ndumps; i++) {
		for (size_t j = 0; j < r->dumps[i].n; j++) {
			struct go_goroutine *g = &r->dumps[i].g[j];
			free(g->state);
			frames_free(g->frames, g->nframes);
			free(g->created.function);
			free(g->created.file);
		}
		free(r->dumps[i].g);
	}
	free(r->dumps);
	for (size_t i = 0; i < r->nprofiles; i++) {
		for (size_t j = 0; j < r->profiles[i].n; j++)
			frames_free(r->profiles[i].s[j].frames, r->profiles[i].s[j].nframes);
		free(r->profiles[i].s);
	}
	free(r->profiles);
	free(r->exe);
	free(r->argv_json);
	free(r->end_reason);
	memset(r, 0, sizeof *r);
}

void go_run_warn(struct go_run *r, const char *fmt, ...)
{
	if (r->warning[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->warning, sizeof r->warning, fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------- sniffing */

#define GO_BUNDLE_MAGIC "MLGORUN1\n"

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* "gc N @" at the start of a line. */
static int gctrace_head(const uint8_t *s, size_t n)
{
	if (n < 6 || memcmp(s, "gc ", 3) || !is_digit(s[3]))
		return 0;
	size_t i = 3;
	while (i < n && is_digit(s[i]))
		i++;
	return i + 1 < n && s[i] == ' ' && s[i + 1] == '@';
}

/* "goroutine N " followed somewhere on the line by '['. */
static int goroutine_head(const uint8_t *s, size_t n)
{
	if (n < 12 || memcmp(s, "goroutine ", 10) || !is_digit(s[10]))
		return 0;
	return memchr(s, '[', n) != NULL;
}

enum go_kind go_sniff(const uint8_t *buf, size_t len)
{
	if (len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b)
		return GO_KIND_PPROF;
	if (len >= sizeof GO_BUNDLE_MAGIC - 1 && !memcmp(buf, GO_BUNDLE_MAGIC, sizeof GO_BUNDLE_MAGIC - 1))
		return GO_KIND_BUNDLE;
	if (len >= ML_MAGIC_LEN && !memcmp(buf, ML_MAGIC, ML_MAGIC_LEN))
		return GO_KIND_NONE;
	size_t lim = len < 65536 ? len : 65536, i = 0;
	if (lim >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < lim && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
		i++;
	if (i < lim && buf[i] == '{')
		return GO_KIND_MEMSTATS;
	int dump = 0;
	for (size_t p = 0; p < lim;) {
		const uint8_t *nl = memchr(buf + p, '\n', lim - p);
		size_t e = nl ? (size_t)(nl - buf) : lim;
		if (gctrace_head(buf + p, e - p))
			return GO_KIND_GCTRACE;
		if (goroutine_head(buf + p, e - p))
			dump = 1;
		p = e + 1;
	}
	return dump ? GO_KIND_GOROUTINES : GO_KIND_NONE;
}

const char *go_kind_name(enum go_kind k)
{
	static const char *const names[] = { "not a Go input", "MemStats JSON lines", "gctrace log",
	                                     "pprof heap profile", "goroutine dump", "Go run trace" };
	return (unsigned)k < sizeof names / sizeof *names ? names[k] : "?";
}

int go_read(struct go_run *r, sqlite3 *db, const uint8_t *buf, size_t len, char *err, size_t errlen)
{
	switch (go_sniff(buf, len)) {
	case GO_KIND_MEMSTATS:
		return go_memstats_read(r, db, (const char *)buf, len, err, errlen);
	case GO_KIND_GCTRACE:
		return go_gctrace_read(r, (const char *)buf, len, err, errlen);
	case GO_KIND_PPROF:
		return go_pprof_read(r, buf, len, 0, err, errlen);
	case GO_KIND_GOROUTINES:
		return go_goroutines_read(r, (const char *)buf, len, 0, 1, err, errlen);
	case GO_KIND_BUNDLE:
		return go_bundle_read(r, db, buf, len, err, errlen);
	default:
		snprintf(err, errlen, "not a Go input (MemStats JSON lines, gctrace log, pprof heap profile"
		                      " or goroutine dump)");
		return -1;
	}
}

/* ---------------------------------------------------------------- timeline */

static int snap_cmp(const void *a, const void *b)
{
	const struct go_snap *x = a, *y = b;
	if (x->unix_ns != y->unix_ns)
		return x->unix_ns < y->unix_ns ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int64_t gc_span(const struct go_gc *g)
{
	return g->at_ns + g->clock[0] + g->clock[1] + g->clock[2];
}

/* The runtime's start on the Unix clock, from a snapshot's PauseEnd ring:
 * cycle k ended its pause at PauseEnd[(k+255)%256], gctrace says it
 * started at @ and lasted the sum of its clock phases. */
static int anchor_from_pauses(const struct go_run *r, int64_t *start)
{
	for (size_t i = 0; i < r->nsnaps; i++) {
		const struct go_snap *s = &r->snaps[i];
		int64_t n = s->f[GO_MS_NUM_GC];
		if (!s->pause_end || n <= 0)
			continue;
		for (size_t j = 0; j < r->ngcs; j++) {
			const struct go_gc *g = &r->gcs[j];
			if (g->num > n || g->num <= n - GO_PAUSE_RING || g->num <= 0)
				continue;
			uint64_t pe = s->pause_end[(g->num + GO_PAUSE_RING - 1) % GO_PAUSE_RING];
			if (pe == 0 || pe > INT64_MAX || (int64_t)pe < gc_span(g))
				continue;
			*start = (int64_t)pe - gc_span(g);
			return 1;
		}
	}
	return 0;
}

int go_run_timeline(struct go_run *r)
{
	/* Snapshots without a time take the last time before them. */
	int64_t last = 0, first_timed = 0;
	int have = 0;
	for (size_t i = 0; i < r->nsnaps; i++) {
		struct go_snap *s = &r->snaps[i];
		if (s->has_time) {
			if (have && s->unix_ns < last && !r->out_of_order) {
				r->out_of_order = 1;
				go_run_warn(r, "snapshot '%s' is older than the one before it: snapshots are"
				            " loaded in time order", s->label);
			}
			if (!have)
				first_timed = s->unix_ns;
			last = s->unix_ns;
			have = 1;
		} else {
			s->unix_ns = last;
		}
	}
	for (size_t i = 0; i < r->nsnaps && have && !r->snaps[i].has_time; i++)
		r->snaps[i].unix_ns = first_timed;
	if (r->nsnaps > 1)
		qsort(r->snaps, r->nsnaps, sizeof *r->snaps, snap_cmp);

	/* The earliest and latest known Unix times. */
	int64_t lo = INT64_MAX, hi = INT64_MIN;
#define SEE(t) do { if ((t) < lo) lo = (t); if ((t) > hi) hi = (t); } while (0)
	if (r->have_meta && r->start_unix_ns > 0)
		SEE(r->start_unix_ns);
	for (size_t i = 0; i < r->nsnaps; i++)
		if (r->snaps[i].has_time)
			SEE(r->snaps[i].unix_ns);
	for (size_t i = 0; i < r->ndumps; i++)
		if (r->dumps[i].has_time)
			SEE(r->dumps[i].unix_ns);
	for (size_t i = 0; i < r->nprofiles; i++)
		if (r->profiles[i].has_time)
			SEE(r->profiles[i].unix_ns);
	int64_t start;
	if (anchor_from_pauses(r, &start))
		r->anchored = 1;
	else if (r->have_meta && r->start_unix_ns > 0)
		start = r->start_unix_ns, r->anchored = 1;
	else
		start = lo == INT64_MAX ? 0 : lo;
	for (size_t i = 0; i < r->ngcs; i++) {
		int64_t t = start + r->gcs[i].at_ns;
		if (t >= start)  /* no overflow */
			SEE(t);
	}
	if (lo == INT64_MAX)
		lo = hi = 0;
	r->origin_unix_ns = lo;
	/* Untimed dumps and profiles describe the end of what we know. */
	for (size_t i = 0; i < r->nsnaps; i++)
		r->snaps[i].ts_ns = r->snaps[i].unix_ns > lo ? r->snaps[i].unix_ns - lo : 0;
	for (size_t i = 0; i < r->ngcs; i++) {
		int64_t t = start + r->gcs[i].at_ns;
		r->gcs[i].ts_ns = t > lo ? t - lo : 0;
	}
	for (size_t i = 0; i < r->ndumps; i++)
		r->dumps[i].ts_ns = (r->dumps[i].has_time ? r->dumps[i].unix_ns : hi) - lo;
	for (size_t i = 0; i < r->nprofiles; i++)
		r->profiles[i].ts_ns = (r->profiles[i].has_time ? r->profiles[i].unix_ns : hi) - lo;
#undef SEE
	return 0;
}
