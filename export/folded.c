/*
 * folded.c - folded stacks, the input of flamegraph.pl, inferno and most
 * flame graph tools: one line per stack, its frames from the outermost
 * (root) to the allocator's caller joined by ';', a space, the weight.
 *
 * A frame is its function's name, else module+0xOFFSET. Names can hold
 * spaces (C++ templates); a reader splits at the last space, so that is
 * safe, but ';' and line breaks are not: ';' becomes ':' and control
 * characters become spaces. Stacks whose names come out the same are
 * merged into one line, and lines are sorted, so the output is stable.
 * Stacks of weight 0 are left out; the weights add up to the total.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "export/formats.h"
#include "export/keys.h"

static void add_name(struct jbuf *b, const char *s)
{
	for (; *s; s++) {
		char c = *s;

		if (c == ';')
			c = ':';
		else if ((unsigned char)c < 0x20 || c == 0x7f)
			c = ' ';
		jbuf_add(b, &c, 1);
	}
}

static const struct keys *sort_keys;

static int cmp_line(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return strcmp(sort_keys->key[x], sort_keys->key[y]);
}

int ex_folded(const struct ex_data *d, const char *weight, struct jbuf *out, char *err,
	      size_t errlen)
{
	struct keys lines = KEYS_INIT;
	struct jbuf line = JBUF_INIT;
	long long *sum = NULL;
	long *order = NULL;
	size_t cap = 0;
	int w = ex_weight_parse(weight ? weight : "bytes"), ret = -1;

	if (w < 0) {
		snprintf(err, errlen, "unknown weight '%s'", weight);
		return -1;
	}
	for (size_t i = 0; i < d->nsites; i++) {
		const struct ex_site *s = &d->sites[i];
		long long v = ex_weight_of(s, (enum ex_weight)w);
		char buf[96];
		long k;
		int added;

		if (v <= 0)
			continue;
		line.len = 0;
		for (int j = s->nframes - 1; j >= 0; j--) {
			add_name(&line, ex_frame_name(&d->frames[s->frames[j]], buf, sizeof buf));
			if (j)
				jbuf_add(&line, ";", 1);
		}
		if (!s->nframes)
			jbuf_adds(&line, "(no stack)");
		if (line.oom || (k = keys_get(&lines, line.s, line.len, &added)) < 0)
			goto out_oom;
		if ((size_t)k >= cap) {
			size_t nc = cap ? cap * 2 : 256;
			long long *np = realloc(sum, nc * sizeof *np);

			if (!np)
				goto out_oom;
			memset(np + cap, 0, (nc - cap) * sizeof *np);
			sum = np;
			cap = nc;
		}
		sum[k] += v;
	}
	if (lines.n) {
		if (!(order = malloc(lines.n * sizeof *order)))
			goto out_oom;
		for (size_t i = 0; i < lines.n; i++)
			order[i] = (long)i;
		sort_keys = &lines;
		qsort(order, lines.n, sizeof *order, cmp_line);
	}
	for (size_t i = 0; i < lines.n; i++) {
		char num[32];
		int n = snprintf(num, sizeof num, " %lld\n", sum[order[i]]);

		jbuf_add(out, lines.key[order[i]], lines.len[order[i]]);
		jbuf_add(out, num, (size_t)n);
	}
	if (out->oom)
		goto out_oom;
	ret = 0;
	goto out_free;
out_oom:
	err_oom(err, errlen);
out_free:
	keys_free(&lines);
	jbuf_free(&line);
	free(sum);
	free(order);
	return ret;
}
