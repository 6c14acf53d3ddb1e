/*
 * sec_threads.c - the Threads and Descriptors sections.
 */
#include "report/sections.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/units.h"
#include "report/svg.h"

/* ------------------------------------------------------------ threads and resources */

tal_value *threads_model(struct proc_ctx *pc)
{
	static const char *const states[] = { "main", "running", "exited-unjoined", "joined",
					      "detached" };
	struct rp_process *p = pc->p;
	tal_value *d = tal_dict(), *list = tal_list(), *counts = tal_list();
	size_t n = p->nthreads < MAX_TIMELINE ? p->nthreads : MAX_TIMELINE, i, s;
	struct svg_span *spans = calloc(n + 1, sizeof *spans);
	char (*labels)[160] = calloc(n + 1, sizeof *labels);
	char (*tips)[400] = calloc(n + 1, sizeof *tips);
	char (*classes)[40] = calloc(n + 1, sizeof *classes);
	double *mark_ts = malloc((pc->nkey + 1) * sizeof *mark_ts), t1 = pc->duration_ns;
	const char **mark_labels = malloc((pc->nkey + 1) * sizeof *mark_labels);
	char a[UNITS_BUF], b[UNITS_BUF];

	if (!spans || !labels || !tips || !classes || !mark_ts || !mark_labels) {
		tal_free(d);
		tal_free(list);
		tal_free(counts);
		d = NULL;
		goto out_free;
	}
	for (i = 0; i < p->nthreads; i++)
		if (!isnan(p->threads[i].end_ns) && p->threads[i].end_ns > t1)
			t1 = p->threads[i].end_ns;
	for (i = 0; i < n; i++) {
		const struct rp_thread *t = &p->threads[i];
		const char *state = t->state ? t->state : "unknown";

		snprintf(labels[i], sizeof labels[i], "%lld %s", t->tid,
			 t->start_function ? t->start_function : "");
		snprintf(tips[i], sizeof tips[i], "thread %lld (%s): %s, from %s to %s", t->tid,
			 t->start_function ? t->start_function : "?", state,
			 units_duration(a, sizeof a, isnan(t->start_ns) ? 0 : t->start_ns),
			 isnan(t->end_ns) ? "the end" : units_duration(b, sizeof b, t->end_ns));
		snprintf(classes[i], sizeof classes[i], "st-%s", state);
		spans[i] = (struct svg_span){ labels[i], isnan(t->start_ns) ? 0 : t->start_ns,
					      isnan(t->end_ns) ? t1 : t->end_ns, classes[i], tips[i] };
	}
	for (i = 0; i < pc->nkey; i++) {
		mark_ts[i] = pc->key[i]->ts;
		mark_labels[i] = pc->key[i]->label;
	}
	tal_set(d, "chart", p->nthreads ? tal_node(svg_timeline("Threads over time", spans, n, 0, t1,
								mark_ts, mark_labels, pc->nkey)) :
					  tal_null());
	for (i = 0; i < p->nthreads && i < MAX_THREAD_ROWS; i++) {
		const struct rp_thread *t = &p->threads[i];
		tal_value *r = tal_dict();
		int bad = t->state && (strcmp(t->state, "running") == 0 ||
				       strcmp(t->state, "exited-unjoined") == 0);

		tal_set_int(r, "tid", t->tid);
		set_name(r, "function", "function_full", t->start_function);
		set_duration(r, "start", t->start_ns);
		tal_set_str(r, "end", isnan(t->end_ns) ? "still running" :
							  units_duration(a, sizeof a, t->end_ns));
		tal_set_str(r, "state", t->state);
		tal_set_strf(r, "state_class", "st-%s", t->state ? t->state : "unknown");
		tal_set_bool(r, "bad", bad);
		set_bytes(r, "stack_size", t->stack_size);
		/* creation stacks only where they help: the threads the checklist flags */
		tal_set(r, "stack", bad ? stack_value(pc->stacks, t->stack_id) : tal_list());
		tal_push(list, r);
	}
	for (s = 0; s < sizeof states / sizeof states[0]; s++) {
		size_t c = 0;

		for (i = 0; i < p->nthreads; i++)
			c += p->threads[i].state && strcmp(p->threads[i].state, states[s]) == 0;
		if (c) {
			tal_value *x = tal_dict();

			tal_set_str(x, "state", states[s]);
			tal_set_strf(x, "state_class", "st-%s", states[s]);
			set_count(x, "count", (double)c);
			tal_push(counts, x);
		}
	}
	tal_set(d, "list", list);
	tal_set(d, "by_state", counts);
	set_count(d, "count", (double)p->nthreads);
	if (p->nthreads > n)
		tal_set_strf(d, "more_chart", "The timeline shows the first %zu of %zu threads.", n,
			     p->nthreads);
	else
		tal_set(d, "more_chart", tal_null());
	if (p->nthreads > MAX_THREAD_ROWS)
		tal_set_strf(d, "more_rows", "The table lists the first %d of %zu threads.",
			     MAX_THREAD_ROWS, p->nthreads);
	else
		tal_set(d, "more_rows", tal_null());
out_free:
	free(spans);
	free(labels);
	free(tips);
	free(classes);
	free(mark_ts);
	free(mark_labels);
	return d;
}

tal_value *resources_model(struct proc_ctx *pc)
{
	struct rp_process *p = pc->p;
	tal_value *d = tal_dict(), *list = tal_list();
	size_t i, open = 0, shown = 0;
	char a[UNITS_BUF];

	for (i = 0; i < p->nres; i++)
		open += isnan(p->res[i].close_ns);
	/* those still open at exit first: they are what the checklist is about */
	for (int pass = 0; pass < 2; pass++) {
		for (i = 0; i < p->nres && shown < MAX_RESOURCE_ROWS; i++) {
			const struct rp_resource *r = &p->res[i];
			int is_open = isnan(r->close_ns);
			tal_value *x;

			if (is_open != (pass == 0))
				continue;
			x = tal_dict();
			tal_set_str(x, "kind", r->kind);
			tal_set_int(x, "handle", r->handle);
			tal_set_str(x, "origin", r->origin);
			set_duration(x, "opened", r->open_ns);
			tal_set_str(x, "closed", is_open ? "still open" :
							   units_duration(a, sizeof a, r->close_ns));
			tal_set_bool(x, "open", is_open);
			tal_set(x, "stack", stack_value(pc->stacks, r->stack_id));
			tal_push(list, x);
			shown++;
		}
	}
	tal_set(d, "list", list);
	set_count(d, "count", (double)p->nres);
	set_count(d, "open", (double)open);
	{
		char n[UNITS_BUF], o[UNITS_BUF];

		tal_set_strf(d, "summary", "%s, of which %s %s still open at exit",
			     units_count(n, sizeof n, (double)p->nres), units_count(o, sizeof o, (double)open),
			     open == 1 ? "was" : "were");
	}
	if (p->nres > shown)
		tal_set_strf(d, "more", "Showing %zu of the %zu descriptors and timers.", shown, p->nres);
	else
		tal_set(d, "more", tal_null());
	return d;
}
