/*
 * model.c - from loaded tables to the template's model: the driver. It
 * orders the processes, picks each one's key snapshots and calls the
 * section builders (sections.h says which file builds which section).
 * See model.h and templates/README.md (the names are the templates'
 * contract).
 */
#include "report/sections.h"
#include "common/err.h"
#include "report/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/go_gc.h"
#include "report/runs.h"
#include "report/symstatus.h"

/*
 * Pick the snapshots the tables show (every one but the periodic samples;
 * the last sample stands in for a missing exit), and among them the
 * baseline and final pair. That pair is ingest's choice (verdicts.h),
 * read from the stored verdict, so that every comparison on the page is
 * between the snapshots the verdicts were made on. A database without
 * verdicts compares the first and the last.
 */
static int choose_keys(struct proc_ctx *pc)
{
	struct rp_process *p = pc->p;
	const struct rp_verdict *v = rp_verdict(p, "baseline");
	size_t i, n = 0, o = 0, bi = SIZE_MAX, fi = SIZE_MAX;
	int has_exit = 0;
	char *keep;

	if (!(pc->keyidx = malloc((p->nsnaps + 1) * sizeof *pc->keyidx)) ||
	    !(pc->key = malloc((p->nsnaps + 1) * sizeof *pc->key)))
		return -1;
	for (i = 0; i < p->nsnaps; i++)
		if (p->snaps[i].kind != SNAP_SAMPLE)
			pc->keyidx[n++] = i;
	/* a process that ended without an exit snapshot: its last sample stands in */
	for (i = 0; i < n; i++)
		has_exit |= p->snaps[pc->keyidx[i]].kind == SNAP_EXIT;
	if (!has_exit && p->nsnaps > 0 && p->snaps[p->nsnaps - 1].kind == SNAP_SAMPLE) {
		struct rp_snapshot *last = &p->snaps[p->nsnaps - 1];
		char *l = strdup("last sample");

		if (!l)
			return -1;
		free(last->label);
		last->label = l;
		pc->keyidx[n++] = p->nsnaps - 1;
	}
	for (i = 0; i < n; i++) {
		if (v && p->snaps[pc->keyidx[i]].seq == v->baseline_seq && bi == SIZE_MAX)
			bi = i;
		if (v && p->snaps[pc->keyidx[i]].seq == v->final_seq)
			fi = i;
	}
	if (bi == SIZE_MAX || fi == SIZE_MAX || fi < bi) {
		bi = 0;
		fi = n ? n - 1 : 0;
	}
	/* too many snapshots: the ends, the compared pair and an even spread */
	if (!(keep = calloc(n + 1, 1)))
		return -1;
	for (i = 0; i < n; i++)
		keep[i] = n <= MAX_KEY || i == bi || i == fi;
	for (i = 0; n > MAX_KEY && i < MAX_KEY; i++)
		keep[(size_t)((double)i * (double)(n - 1) / (double)(MAX_KEY - 1) + 0.5)] = 1;
	for (i = 0; i < n; i++) {
		if (!keep[i])
			continue;
		if (i == bi)
			pc->b = o;
		if (i == fi)
			pc->f = o;
		pc->keyidx[o] = pc->keyidx[i];
		pc->key[o] = &p->snaps[pc->keyidx[o]];
		o++;
	}
	free(keep);
	pc->nkey = o;
	if (!o)
		pc->b = pc->f = 0;
	return 0;
}

static tal_value *toc_entry(const char *href_id, const char *sfx, const char *title)
{
	tal_value *d = tal_dict();

	tal_set_strf(d, "href", "#%s%s", href_id, sfx);
	tal_set_str(d, "title", title);
	return d;
}

static tal_value *process_model(struct proc_ctx *pc)
{
	struct rp_process *p = pc->p;
	tal_value *d, *metrics, *mlist, *badges, *toc;
	struct leak_totals lt;
	double tb = 0, ta = 0;
	char **argv = NULL;
	int argc, ok, nfail, m;
	size_t i;

	pc->is_go = metric_is_go(p);
	pc->duration_ns = !isnan(p->end_ns) ? p->end_ns - (isnan(p->start_ns) ? 0 : p->start_ns) :
			  p->nsnaps ? p->snaps[p->nsnaps - 1].ts : NAN;
	for (i = 0; i < p->nsites; i++) {
		pc->by[i] = &p->sites[i];
		tb += isnan(p->sites[i].bytes) ? 0 : p->sites[i].bytes;
		ta += isnan(p->sites[i].allocs) ? 0 : p->sites[i].allocs;
	}
	if (choose_keys(pc) < 0)
		return NULL;
	d = tal_dict();
	metrics = tal_dict();
	mlist = tal_list();
	tal_set_str(d, "sfx", pc->sfx);
	tal_set_int(d, "id", p->id);
	tal_set_int(d, "pid", p->pid);
	if (isnan(p->ppid))
		tal_set(d, "ppid", tal_null());
	else
		tal_set_strf(d, "ppid", "%.0f", p->ppid);
	tal_set_str(d, "exe", p->exe);
	tal_set_str(d, "name", base_name(p->exe) ? base_name(p->exe) : "(unknown program)");
	argc = rp_parse_argv(p->argv, &argv);
	if (argc >= 0) {
		tal_value *al = tal_list();

		for (int k = 0; k < argc; k++)
			tal_push(al, tal_str(argv[k]));
		tal_set(d, "argv_list", al);
		tal_set(d, "argv", argv_line(argv, argc));
		rp_free_argv(argv, argc);
	} else {
		tal_set(d, "argv_list", tal_list());
		tal_set_str(d, "argv", p->argv);
	}
	tal_set(d, "end", end_text(p, &ok));
	tal_set_bool(d, "end_ok", ok);
	set_duration(d, "duration", pc->duration_ns);
	if (!isnan(p->start_unix_ns)) {
		time_t t = (time_t)(p->start_unix_ns / 1e9);
		struct tm tm;
		char when[64];

		if (gmtime_r(&t, &tm) && strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm))
			tal_set_str(d, "started", when);
		else
			tal_set(d, "started", tal_null());
	} else {
		tal_set(d, "started", tal_null());
	}
	tal_set_str(d, "runtime", p->runtime ? p->runtime : "native");
	tal_set_bool(d, "is_go", pc->is_go);
	tal_set_str(d, "trace_file", p->trace_file);
	tal_set_str(d, "tracer_version", p->tracer_version);
	set_count(d, "events", p->events);
	set_count(d, "unknown_frees", p->unknown_frees);
	tal_set_bool(d, "has_unknown_frees", p->unknown_frees > 0);
	set_duration(d, "sample_interval", p->sample_interval_ns);
	tal_set_bool(d, "sampled", p->sample_bytes > 0);
	set_bytes(d, "sample_bytes", p->sample_bytes);
	tal_set_bool(d, "scanned", p->scanned);
	tal_set_bool(d, "hooks_bypassed", p->hooks_bypassed);
	tal_set_bool(d, "allocator_other", p->allocator_other && !p->hooks_bypassed);
	tal_set_str(d, "allocator", p->allocator ? p->allocator : "another module");
	tal_set_bool(d, "freeres", p->freeres_called);
	if (pc->parent_sfx)
		tal_set_strf(d, "parent_href", "#overview%s", pc->parent_sfx);
	else
		tal_set(d, "parent_href", tal_null());

	leak_totals(p, &lt);
	tal_set(d, "ov", overview_model(pc, &lt));
	tal_set(d, "checklist", checklist_model(pc, &badges, &nfail));
	tal_set(d, "badges", badges);
	tal_set_int(d, "checks_failed", nfail);
	for (m = 0; m < M_COUNT; m++) {
		tal_value *mv = metric_value_model(pc, (enum metric_id)m);

		/* the list refers to the dictionary's values: built once */
		tal_push(mlist, tal_ref(mv));
		tal_set(metrics, metric_defs[m].id, mv);
	}
	tal_set(d, "metrics", metrics);
	tal_set(d, "metric_list", mlist);
	tal_set(d, "rate", rate_model(pc, tb, ta));
	tal_set(d, "phases", phases_model(pc));
	tal_set(d, "composition", composition_model(pc));
	tal_set(d, "leaks", leaks_model(pc, tb, ta));
	tal_set(d, "sites", sites_model(pc, tb, ta));
	tal_set(d, "flame", flame_model(pc));
	tal_set(d, "threads", threads_model(pc));
	tal_set(d, "resources", resources_model(pc));
	tal_set(d, "gc", pc->is_go ? go_gc_model(pc->stacks->db, p->id) : tal_null());
	tal_set(d, "symbols", symstatus_model(pc->stacks->db, p->id));
	tal_set_str(d, "baseline", pc->nkey ? pc->key[pc->b]->label : NULL);
	tal_set_str(d, "final", pc->nkey ? pc->key[pc->f]->label : NULL);

	toc = tal_list();
	/* in the order of the page */
	tal_push(toc, toc_entry("overview", pc->sfx, "Overview"));
	tal_push(toc, toc_entry("quick-reference", pc->sfx, "Quick reference"));
	tal_push(toc, toc_entry("phases", pc->sfx, "Phases"));
	tal_push(toc, toc_entry("checklist", pc->sfx, "Leak checklist"));
	tal_push(toc, toc_entry("leaks", pc->sfx, "Leaks"));
	tal_push(toc, toc_entry("composition", pc->sfx, "Composition"));
	tal_push(toc, toc_entry("allocation-rate", pc->sfx, "Allocation rate"));
	tal_push(toc, toc_entry("metric-alloc", pc->sfx, "Metrics"));
	tal_push(toc, toc_entry("sites", pc->sfx, "Sites"));
	tal_push(toc, toc_entry("flamegraph", pc->sfx, "Flame graph"));
	if (pc->is_go)
		tal_push(toc, toc_entry("gc", pc->sfx, "Garbage collection"));
	tal_push(toc, toc_entry("threads", pc->sfx, "Threads"));
	tal_push(toc, toc_entry("resources", pc->sfx, "Descriptors"));
	tal_push(toc, toc_entry("symbols", pc->sfx, "Symbols"));
	tal_set(d, "toc", toc);
	return d;
}

/* The order processes appear in: the root first, then the others by id. */
static size_t page_order(size_t step, size_t root_idx)
{
	return step == 0 ? root_idx : step <= root_idx ? step - 1 : step;
}

tal_value *model_build(sqlite3 *db, struct rp_process *procs, size_t nprocs,
		       const char *db_name, const char *css, const struct sitename_rules *rules,
		       char *err, size_t errlen)
{
	struct stack_cache stacks = { .db = db };
	tal_value *root = tal_dict(), *list = tal_list(), *index = tal_list();
	size_t i, step, root_idx = 0;
	char (*sfx)[32] = NULL; /* per process: its id suffix, "" for the root */
	int *detailed = NULL;
	size_t nhidden = 0;

	/* the first process without a loaded parent leads the page */
	for (i = 0; i < nprocs; i++)
		if (isnan(procs[i].parent_process_id)) {
			root_idx = i;
			break;
		}
	if (!(sfx = calloc(nprocs + 1, sizeof *sfx)) ||
	    !(detailed = calloc(nprocs + 1, sizeof *detailed))) {
		err_oom(err, errlen);
		goto out_free;
	}
	for (step = 0; step < nprocs; step++) {
		size_t k = page_order(step, root_idx);

		if (step > 0)
			snprintf(sfx[k], sizeof sfx[k], "-p%lld", procs[k].id);
		detailed[k] = procs[k].section; /* runs_select() chose */
		nhidden += !detailed[k];
	}
	for (step = 0; step < nprocs; step++) {
		size_t k = page_order(step, root_idx);
		struct rp_process *p = &procs[k];
		struct proc_ctx pc = { .p = p, .stacks = &stacks, .sfx = sfx[k], .rules = rules };
		tal_value *entry = tal_dict(), *pm;

		tal_set_int(entry, "pid", p->pid);
		tal_set_str(entry, "name", base_name(p->exe) ? base_name(p->exe) : "(unknown)");
		tal_set_strf(entry, "href", "#overview%s", sfx[k]);
		tal_set_bool(entry, "detailed", detailed[k]);
		tal_push(index, entry);
		if (!detailed[k])
			continue;
		for (i = 0; i < nprocs; i++)
			if (detailed[i] && !isnan(p->parent_process_id) &&
			    (double)procs[i].id == p->parent_process_id)
				pc.parent_sfx = sfx[i];
		if (!(pc.by = malloc((p->nsites + 1) * sizeof *pc.by))) {
			err_oom(err, errlen);
			goto out_free;
		}
		pm = process_model(&pc);
		free(pc.by);
		free(pc.keyidx);
		free(pc.key);
		if (!pm) {
			err_oom(err, errlen);
			goto out_free;
		}
		tal_push(list, pm);
	}
	tal_set_str(root, "generator", "memledger");
	tal_set_str(root, "db", db_name);
	tal_set_str(root, "style", css);
	tal_set(root, "processes", list);
	tal_set(root, "index", index);
	tal_set_bool(root, "multi", nprocs > 1);
	tal_set_int(root, "process_count", (long long)nprocs);
	tal_set_bool(root, "some_hidden", nhidden > 0);
	tal_set_int(root, "max_processes", (long long)(nprocs - nhidden));
	tal_set(root, "run", runs_model(db, procs, nprocs));
	if (nprocs) {
		const struct rp_process *p = &procs[root_idx];

		tal_set_strf(root, "title", "memledger report: %s (pid %lld)",
			     base_name(p->exe) ? base_name(p->exe) : "unknown program", p->pid);
	} else {
		tal_set_str(root, "title", "memledger report: no processes");
	}
	stack_cache_free(&stacks);
	free(sfx);
	free(detailed);
	if (!tal_ok(root)) {
		err_oom(err, errlen);
		tal_free(root);
		return NULL;
	}
	return root;
out_free:
	stack_cache_free(&stacks);
	free(sfx);
	free(detailed);
	tal_free(root);
	tal_free(list);
	tal_free(index);
	return NULL;
}
