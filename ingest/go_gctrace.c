/*
 * go_gctrace.c - the lines GODEBUG=gctrace=1 makes the Go runtime print
 * at the end of each collection (runtime/mgc.go, gcMarkTermination), in
 * the form Go 1.19 to 1.23 print:
 *
 *   gc 4 @0.042s 1%: 0.015+0.47+0.003 ms clock, 0.030+0/0.091/0.50+0.007 ms cpu,
 *      5->5->4 MB, 6 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)
 *
 * (one line). The "MB stacks" and "MB globals" fields are absent before
 * Go 1.18 and read as unknown. Every other line is the program's own and
 * is skipped and counted. A line that starts like gctrace ("gc N @") but
 * does not parse is an error, except as the input's cut last line.
 */
#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "ingest/go_run.h"
#include "ingest/tracemeta.h"

struct cur {
	const char *p, *e;
};

static int lit(struct cur *c, const char *s)
{
	size_t n = strlen(s);
	if ((size_t)(c->e - c->p) < n || memcmp(c->p, s, n))
		return -1;
	c->p += n;
	return 0;
}

static void spaces(struct cur *c)
{
	while (c->p < c->e && *c->p == ' ')
		c->p++;
}

/* An unsigned integer of at most 15 digits. */
static int uint_(struct cur *c, int64_t *out)
{
	int64_t v = 0;
	int n = 0;
	while (c->p < c->e && *c->p >= '0' && *c->p <= '9') {
		if (++n > 15)
			return -1;
		v = v * 10 + (*c->p++ - '0');
	}
	*out = v;
	return n ? 0 : -1;
}

/* A decimal "12.345" scaled by 10^scale_digits, exactly (at most 9 decimals used). */
static int decimal(struct cur *c, int scale_digits, int64_t *out)
{
	int64_t whole, frac = 0;
	if (uint_(c, &whole) < 0 || whole > 1000000000)
		return -1;
	int fd = 0;
	if (c->p < c->e && *c->p == '.') {
		c->p++;
		const char *s = c->p;
		while (c->p < c->e && *c->p >= '0' && *c->p <= '9') {
			if (fd < scale_digits) {
				frac = frac * 10 + (*c->p - '0');
				fd++;
			}
			c->p++;
		}
		if (c->p == s)
			return -1;
	}
	int64_t scale = 1;
	for (int i = 0; i < scale_digits; i++)
		scale *= 10;
	for (int i = fd; i < scale_digits; i++)
		frac *= 10;
	*out = whole * scale + frac;
	return 0;
}

/* "N MB" or "NMB": MiB (the runtime prints bytes >> 20). */
static int mib(struct cur *c, int64_t *out)
{
	int64_t v;
	if (uint_(c, &v) < 0 || v > (INT64_MAX >> 20))
		return -1;
	spaces(c);
	if (lit(c, "MB") < 0)
		return -1;
	*out = v << 20;
	return 0;
}

/* "3->3->0 MB, ": the unit comes once, after the last figure. */
static int heaps(struct cur *c, struct go_gc *g)
{
	int64_t h[3];
	for (int i = 0; i < 3; i++)
		if ((i && lit(c, "->") < 0) || uint_(c, &h[i]) < 0 || h[i] > (INT64_MAX >> 20))
			return -1;
	spaces(c);
	if (lit(c, "MB, ") < 0)
		return -1;
	g->heap0 = h[0] << 20;
	g->heap1 = h[1] << 20;
	g->heap2 = h[2] << 20;
	return 0;
}

static int parse_line(const char *s, size_t n, struct go_gc *g)
{
	struct cur c = { s, s + n };
	memset(g, 0, sizeof *g);
	g->stacks = g->globals = -1;
	while (c.e > c.p && c.e[-1] == '\r')
		c.e--;
	if (lit(&c, "gc ") < 0 || uint_(&c, &g->num) < 0 || lit(&c, " @") < 0 ||
	    decimal(&c, 9, &g->at_ns) < 0 || lit(&c, "s ") < 0 || uint_(&c, &g->cpu_percent) < 0 ||
	    lit(&c, "%: ") < 0)
		return -1;
	for (int i = 0; i < 3; i++)
		if ((i && lit(&c, "+") < 0) || decimal(&c, 6, &g->clock[i]) < 0)
			return -1;
	if (lit(&c, " ms clock, ") < 0)
		return -1;
	for (int i = 0; i < 5; i++)
		if ((i && lit(&c, i == 2 || i == 3 ? "/" : "+") < 0) || decimal(&c, 6, &g->cpu[i]) < 0)
			return -1;
	if (lit(&c, " ms cpu, ") < 0 || heaps(&c, g) < 0 || mib(&c, &g->goal) < 0 || lit(&c, " goal, ") < 0)
		return -1;
	/* Go 1.18+: "N MB stacks, N MB globals, " */
	struct cur save = c;
	if (mib(&c, &g->stacks) == 0 && lit(&c, " stacks, ") == 0) {
		if (mib(&c, &g->globals) < 0 || lit(&c, " globals, ") < 0)
			return -1;
	} else {
		c = save;
		g->stacks = -1;
	}
	if (uint_(&c, &g->procs) < 0 || lit(&c, " P") < 0)
		return -1;
	if (c.p < c.e && lit(&c, " (forced)") == 0)
		g->forced = 1;
	return c.p == c.e ? 0 : -1;
}

int go_gctrace_line_ok(const char *s, size_t n)
{
	struct go_gc g;
	return parse_line(s, n, &g) == 0;
}

int go_gctrace_read(struct go_run *r, const char *buf, size_t len, char *err, size_t errlen)
{
	long line = 0;
	int dump = 0;
	for (size_t p = 0; p < len;) {
		const char *nl = memchr(buf + p, '\n', len - p);
		size_t e = nl ? (size_t)(nl - buf) : len;
		line++;
		const char *s = buf + p;
		size_t n = e - p;
		p = e + 1;
		if (n >= 10 && !memcmp(s, "goroutine ", 10))
			dump = 1;
		if (!(n >= 5 && !memcmp(s, "gc ", 3) && s[3] >= '0' && s[3] <= '9')) {
			r->skipped_lines++;
			continue;
		}
		size_t i = 3;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (!(i + 1 < n && s[i] == ' ' && s[i + 1] == '@')) {
			r->skipped_lines++;
			continue;
		}
		struct go_gc g;
		if (parse_line(s, n, &g) < 0) {
			if (!nl) {
				r->truncated = 1;
				go_run_warn(r, "line %ld: the last gctrace line is cut short: loaded the lines"
				            " before it", line);
				break;
			}
			snprintf(err, errlen, "line %ld: a gctrace line that does not parse", line);
			return -1;
		}
		if (r->ngcs && g.num <= r->gcs[r->ngcs - 1].num)
			go_run_warn(r, "line %ld: gc %lld comes after gc %lld", line, (long long)g.num,
			            (long long)r->gcs[r->ngcs - 1].num);
		struct go_gc *slot = VEC_PUSH(r->gcs, r->ngcs, r->capgcs);
		if (!slot) {
			return err_oom(err, errlen);
		}
		*slot = g;
	}
	/* A panic's dump in the same stderr. */
	if (!dump)
		return 0;
	line = 1;
	for (size_t p = 0; p < len; line++) {
		const char *nl = memchr(buf + p, '\n', len - p);
		size_t e = nl ? (size_t)(nl - buf) : len;
		if (e - p >= 12 && !memcmp(buf + p, "goroutine ", 10) && memchr(buf + p, '[', e - p))
			return go_goroutines_read(r, buf + p, len - p, 0, line, err, errlen);
		p = e + 1;
	}
	return 0;
}
