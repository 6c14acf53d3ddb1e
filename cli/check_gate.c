/*
 * check_gate.c - see check_gate.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "cli/check_gate.h"
#include "cli/cli.h"
#include "cli/compare_out.h"
#include "common/err.h"
#include "common/units.h"
#include "compare/diff.h"
#include "compare/run.h"
#include "report/report.h"
#include "report/tal.h"

int check_gate_option(struct check_gate *g, int c, const char *arg)
{
	struct cmp_threshold *t = NULL;
	const char *name = NULL;

	switch (c) {
	case CG_OPT_BASELINE:
		g->baseline = arg;
		return 0;
	case CG_OPT_JUNIT:
		g->junit = arg;
		return 0;
	case CG_OPT_JSON:
		g->json = 1;
		return 0;
	case CG_OPT_FAIL_ON:
		g->o.fail_on = arg;
		return 0;
	case CG_OPT_STRICT:
		g->o.strict = 1;
		return 0;
	case CG_OPT_LEAK_CLASSES:
		g->o.classes = arg;
		return 0;
	case CG_OPT_SUPPRESSIONS:
		g->supp_path = arg;
		return 0;
	case CG_OPT_MAX_LOST:
		t = &g->o.lost;
		name = "--max-lost-growth";
		break;
	case CG_OPT_MAX_PEAK:
		t = &g->o.peak;
		name = "--max-peak-growth";
		break;
	case CG_OPT_MAX_ALLOCS:
		t = &g->o.allocs;
		name = "--max-allocs-growth";
		break;
	default:
		return 1;
	}
	if (cmp_threshold_parse(arg, t) < 0) {
		cli_error("check", "%s wants PCT%%, an amount (64KiB, 1000) or both as PCT%%,AMOUNT, not '%s'",
		          name, arg);
		return -1;
	}
	return 0;
}

int check_gate_takes_over(const struct check_gate *g)
{
	return g->baseline || g->json;
}

void check_gate_free(struct check_gate *g)
{
	cmp_supp_free(&g->supp);
}

static int load_supp(struct check_gate *g)
{
	char err[512];

	if (!g->supp_path || g->o.supp)
		return 0;
	if (cmp_supp_load(&g->supp, g->supp_path, err, sizeof err) < 0) {
		cli_error(g->supp_path, "%s", err);
		return -1;
	}
	g->o.supp = &g->supp;
	return 0;
}

int check_gate_prepare(struct check_gate *g)
{
	return load_supp(g);
}

/* ---------------------------------------------------------------- text */

struct printer {
	struct check_gate *g;
	const struct cmp_run *run, *base;
	sqlite3_stmt *st, *st_base;
};

static void detail_stack(struct printer *pr, const struct gate_detail *d, const char *indent)
{
	const struct cmp_run *r = d->in_base ? pr->base : pr->run;

	if (r && pr->g->frames > 0)
		out_stack(stdout, r->db, d->in_base ? &pr->st_base : &pr->st, d->stack_id, pr->g->frames, indent);
}

static void proc_title(const struct cmp_proc *p, char *buf, size_t cap)
{
	char safe[512];

	snprintf(buf, cap, "process %lld (pid %lld %s)", (long long)p->id, (long long)p->pid,
	         out_safe(p->name, safe, sizeof safe));
}

static const struct gate_case *find_case(const struct gate_suite *s, const char *name)
{
	for (size_t i = 0; i < s->ncases; i++)
		if (!strcmp(s->cases[i].name, name))
			return &s->cases[i];
	return NULL;
}

/* One line of the summary, in valgrind's words but with plurals right. */
static void summary_line(const char *what, double bytes, double allocs, const char *tail)
{
	char b[UNITS_BUF], n[UNITS_BUF];

	printf("  %18s: %s byte%s in %s block%s%s\n", what, units_count(b, sizeof b, bytes), bytes == 1 ? "" : "s",
	       units_count(n, sizeof n, allocs), allocs == 1 ? "" : "s", tail);
}

/* valgrind's summary: "definitely lost: 200 bytes in 1 block". */
static void leak_summary(const struct gate_suite *s)
{
	printf("  LEAK SUMMARY:\n");
	for (size_t k = 0; k < s->ntotals; k++)
		summary_line(gate_class_words(s->totals[k].cls), (double)s->totals[k].bytes,
		             (double)s->totals[k].allocs, "");
	summary_line("suppressed", (double)s->supp_bytes, (double)s->supp_allocs, "");
	if (s->runtime_allocs)
		summary_line("the runtime's own", (double)s->runtime_bytes, (double)s->runtime_allocs,
		             " (not counted)");
}

static void print_gating(const struct gate_report *r)
{
	printf("items that gate: ");
	for (size_t i = 0; i < r->nfail_on; i++) {
		int phase = r->default_items && !r->baseline &&
		            (!strcmp(r->fail_on[i], "containers_cleared") || !strcmp(r->fail_on[i], "baseline_returned"));

		printf("%s%s%s", i ? ", " : "", r->fail_on[i], phase ? "*" : "");
	}
	printf(" (leak classes: ");
	for (size_t i = 0; i < r->nclasses; i++)
		printf("%s%s", i ? ", " : "", r->classes[i]);
	printf(")\n");
	if (r->default_items && !r->baseline)
		printf("  * only for a process that took two snapshots of its own; --fail-on ITEMS or --strict to"
		       " choose\n");
}

static const char *result_word(const struct gate_case *c)
{
	return c->result == GATE_FAIL ? "FAIL" : c->result == GATE_PASS ? "ok" : "skip";
}

static void print_plain(struct printer *pr, const struct gate_report *r)
{
	char title[600], safe[4096];

	for (size_t i = 0; i < r->nsuites; i++) {
		const struct gate_suite *s = &r->suites[i];
		const struct gate_case *lk = find_case(s, "leaks");

		proc_title(s->proc, title, sizeof title);
		printf("leaks at exit, %s:\n", title);
		for (size_t k = 0; lk && k < lk->ndetails; k++) {
			printf("    %s\n", out_safe(lk->details[k].text, safe, sizeof safe));
			detail_stack(pr, &lk->details[k], "          ");
		}
		if (lk && !lk->ndetails)
			printf("    %s\n", out_safe(lk->message, safe, sizeof safe));
		leak_summary(s);
		putchar('\n');
	}
	print_gating(r);
	for (size_t i = 0; i < r->nsuites; i++) {
		const struct gate_suite *s = &r->suites[i];

		proc_title(s->proc, title, sizeof title);
		for (size_t k = 0; k < s->ncases; k++) {
			const struct gate_case *c = &s->cases[k];

			if (c->result == GATE_FAIL)
				printf("  FAIL  %s: %s: %s\n", title, c->name, out_safe(c->message, safe, sizeof safe));
			else if ((c->status && !strcmp(c->status, "fail")) || (!c->status && c->result == GATE_SKIP))
				printf("  skip  %s: %s: %s\n", title, c->name, out_safe(c->message, safe, 200));
		}
	}
	if (r->failures)
		printf("gate: FAIL (%zu failure%s)\n", r->failures, r->failures == 1 ? "" : "s");
	else
		printf("gate: pass\n");
}

/* The definite leaks of a suite, "1.2 KiB lost, 300 B indirect", into buf ("" if none). */
static void leak_words_of(const struct gate_suite *s, const struct gate_report *r, char *buf, size_t cap)
{
	size_t n = 0;
	char b[UNITS_BUF];

	buf[0] = '\0';
	for (size_t k = 0; k < s->ntotals && n + 1 < cap; k++) {
		int gates = 0;

		for (size_t c = 0; c < r->nclasses; c++)
			gates |= !strcmp(r->classes[c], s->totals[k].cls);
		if (!gates || !s->totals[k].bytes)
			continue;
		n += (size_t)snprintf(buf + n, cap - n, "%s%s %s", n ? ", " : "",
		                      units_bytes(b, sizeof b, (double)s->totals[k].bytes), s->totals[k].cls);
	}
}

/*
 * A run of several processes: one line per process that fails the gate,
 * the items that fail without gating counted over the run, then totals.
 */
static void print_run(struct printer *pr, const struct gate_report *r)
{
	const struct cmp_run *run = pr->run;
	const struct cmp_proc *root = NULL;
	char title[600], words[256], safe[512];
	size_t failing = 0, anyfail = 0, nitem = 0;
	struct other_item {
		const char *item;
		size_t n;
	} other[32];

	for (size_t i = 0; i < run->nprocs && !root; i++)
		if (!run->procs[i].has_parent)
			root = &run->procs[i];
	printf("memledger check: a run of %zu processes", run->nprocs);
	if (root)
		printf(" (first: %s, pid %lld)", out_safe(root->name, safe, sizeof safe), (long long)root->pid);
	printf("\n");
	for (size_t i = 0; i < r->nsuites; i++) {
		const struct gate_suite *s = &r->suites[i];
		size_t n = 0, other_fail = 0;

		for (size_t k = 0; k < s->ncases; k++) {
			const struct gate_case *c = &s->cases[k];

			if (c->result != GATE_FAIL && c->status && !strcmp(c->status, "fail")) {
				size_t j;

				other_fail++;
				for (j = 0; j < nitem && strcmp(other[j].item, c->name); j++)
					;
				if (j == nitem && nitem < 32)
					other[nitem++] = (struct other_item){ c->name, 0 };
				if (j < nitem)
					other[j].n++;
			}
		}
		anyfail += s->failures > 0 || other_fail > 0;
		if (!s->failures)
			continue;
		failing++;
		proc_title(s->proc, title, sizeof title);
		printf("  FAIL  %s:", title);
		for (size_t k = 0; k < s->ncases; k++) {
			const struct gate_case *c = &s->cases[k];

			if (c->result != GATE_FAIL)
				continue;
			printf("%s %s", n++ ? "," : "", c->name);
			if (!strcmp(c->name, "leaks")) {
				leak_words_of(s, r, words, sizeof words);
				if (words[0])
					printf(" (%s)", words);
			}
		}
		printf("\n");
	}
	for (size_t j = 0; j < nitem; j++)
		printf("  skip  %s fails in %zu process%s without gating (see --fail-on)\n", other[j].item, other[j].n,
		       other[j].n == 1 ? "" : "es");
	printf("run: %zu processes, %zu fail%s the gate, %zu ha%s failing items; --verbose for every"
	       " checklist with its evidence, --process ID for one process\n",
	       run->nprocs, failing, failing == 1 ? "s" : "", anyfail, anyfail == 1 ? "s" : "ve");
	if (r->failures)
		printf("gate: FAIL (%zu failure%s in %zu process%s)\n", r->failures, r->failures == 1 ? "" : "s",
		       failing, failing == 1 ? "" : "es");
	else
		printf("gate: pass\n");
}

static void print_baseline(struct printer *pr, const struct gate_report *r)
{
	char title[600], safe[4096], t1[64], t2[64], t3[64];
	const struct gate_opts *o = &pr->g->o;
	const struct gate_opts def = GATE_OPTS_INIT;

	printf("memledger check --baseline: BASE %s -> NEW %s\n", out_safe(pr->base->path, safe, sizeof safe),
	       out_safe(pr->run->path, title, sizeof title));
	printf("thresholds: --max-lost-growth %s%s, --max-peak-growth %s%s, --max-allocs-growth %s%s\n",
	       cmp_threshold_text(t1, sizeof t1, &o->lost, 1),
	       o->lost.abs == def.lost.abs && o->lost.rel == def.lost.rel ? " (default)" : "",
	       cmp_threshold_text(t2, sizeof t2, &o->peak, 1),
	       o->peak.abs == def.peak.abs && o->peak.rel == def.peak.rel ? " (default)" : "",
	       cmp_threshold_text(t3, sizeof t3, &o->allocs, 0),
	       o->allocs.abs == def.allocs.abs && o->allocs.rel == def.allocs.rel ? " (default)" : "");
	print_gating(r);
	for (size_t i = 0; i < r->nsuites; i++) {
		const struct gate_suite *s = &r->suites[i];

		proc_title(s->proc, title, sizeof title);
		if (s->base)
			printf("\n%s against BASE pid %lld:\n", title, (long long)s->base->pid);
		else
			printf("\n%s: no such process in BASE\n", title);
		for (size_t k = 0; k < s->ncases; k++) {
			const struct gate_case *c = &s->cases[k];

			printf("  %-10s %s: %s\n", c->result == GATE_FAIL ? "REGRESSION" : result_word(c), c->name,
			       out_safe(c->message, safe, c->result == GATE_FAIL ? sizeof safe : 240));
			if (c->result != GATE_FAIL)
				continue;
			for (size_t j = 0; j < c->ndetails; j++) {
				printf("        - %s\n", out_safe(c->details[j].text, safe, sizeof safe));
				detail_stack(pr, &c->details[j], "          ");
			}
		}
	}
	putchar('\n');
	if (r->failures)
		printf("%zu regression%s\n", r->failures, r->failures == 1 ? "" : "s");
	else
		printf("no regression\n");
}

/* ---------------------------------------------------------------- JSON */

static void json_proc(struct jw *w, const char *key, const struct cmp_proc *p)
{
	if (!p) {
		jw_str(w, key, NULL);
		return;
	}
	jw_open(w, key, '{');
	jw_int(w, "id", p->id);
	jw_int(w, "pid", p->pid);
	jw_str(w, "exe", p->exe);
	jw_close(w, '}');
}

static const char *result_json(enum gate_result r)
{
	return r == GATE_FAIL ? "failure" : r == GATE_PASS ? "pass" : "skipped";
}

static int print_json(struct printer *pr, const struct gate_report *r)
{
	struct jw w = JW_INIT;
	char t[64];

	jw_open(&w, NULL, '{');
	jw_str(&w, "database", pr->run->path);
	jw_str(&w, "baseline", pr->base ? pr->base->path : NULL);
	jw_bool(&w, "passed", r->failures == 0);
	jw_int(&w, "tests", (long long)r->tests);
	jw_int(&w, "failures", (long long)r->failures);
	jw_int(&w, "skipped", (long long)r->skipped);
	jw_open(&w, "gating", '[');
	for (size_t i = 0; i < r->nfail_on; i++)
		jw_str(&w, NULL, r->fail_on[i]);
	jw_close(&w, ']');
	jw_bool(&w, "default_gating", r->default_items);
	jw_open(&w, "leak_classes", '[');
	for (size_t i = 0; i < r->nclasses; i++)
		jw_str(&w, NULL, r->classes[i]);
	jw_close(&w, ']');
	if (r->baseline) {
		jw_open(&w, "thresholds", '{');
		jw_str(&w, "max_lost_growth", cmp_threshold_text(t, sizeof t, &pr->g->o.lost, 1));
		jw_str(&w, "max_peak_growth", cmp_threshold_text(t, sizeof t, &pr->g->o.peak, 1));
		jw_str(&w, "max_allocs_growth", cmp_threshold_text(t, sizeof t, &pr->g->o.allocs, 0));
		jw_close(&w, '}');
	}
	jw_open(&w, "processes", '[');
	for (size_t i = 0; i < r->nsuites; i++) {
		const struct gate_suite *s = &r->suites[i];

		jw_open(&w, NULL, '{');
		json_proc(&w, "process", s->proc);
		if (r->baseline)
			json_proc(&w, "base", s->base);
		jw_int(&w, "tests", (long long)s->ncases);
		jw_int(&w, "failures", (long long)s->failures);
		jw_int(&w, "skipped", (long long)s->skipped);
		jw_open(&w, "leak_summary", '{');
		jw_open(&w, "classes", '[');
		for (size_t k = 0; k < s->ntotals; k++) {
			jw_open(&w, NULL, '{');
			jw_str(&w, "class", s->totals[k].cls);
			jw_int(&w, "allocs", s->totals[k].allocs);
			jw_int(&w, "bytes", s->totals[k].bytes);
			jw_close(&w, '}');
		}
		jw_close(&w, ']');
		jw_open(&w, "suppressed", '{');
		jw_int(&w, "allocs", s->supp_allocs);
		jw_int(&w, "bytes", s->supp_bytes);
		jw_close(&w, '}');
		jw_open(&w, "runtime", '{');
		jw_int(&w, "allocs", s->runtime_allocs);
		jw_int(&w, "bytes", s->runtime_bytes);
		jw_close(&w, '}');
		jw_close(&w, '}');
		jw_open(&w, "cases", '[');
		for (size_t k = 0; k < s->ncases; k++) {
			const struct gate_case *c = &s->cases[k];

			jw_open(&w, NULL, '{');
			jw_str(&w, "kind", c->kind);
			jw_str(&w, "name", c->name);
			jw_str(&w, "result", result_json(c->result));
			jw_str(&w, "status", c->status);
			if (r->baseline)
				jw_str(&w, "base_status", c->base_status);
			jw_bool(&w, "gating", c->gating);
			jw_str(&w, "message", c->message);
			jw_open(&w, "details", '[');
			for (size_t j = 0; j < c->ndetails; j++) {
				const struct gate_detail *d = &c->details[j];
				const struct cmp_run *run = d->in_base ? pr->base : pr->run;

				jw_open(&w, NULL, '{');
				jw_str(&w, "text", d->text);
				if (d->in_base)
					jw_bool(&w, "in_base", 1);
				jw_stack(&w, "stack", run->db, d->in_base ? &pr->st_base : &pr->st, d->stack_id);
				jw_close(&w, '}');
			}
			jw_close(&w, ']');
			jw_close(&w, '}');
		}
		jw_close(&w, ']');
		jw_close(&w, '}');
	}
	jw_close(&w, ']');
	jw_close(&w, '}');
	if (jw_finish(&w, stdout) < 0) {
		cli_error("check", "cannot write the JSON (out of memory or a closed output)");
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- JUnit */

/* Text safe for XML 1.0: no control characters, valid UTF-8 (tal_clean). */
static int xml_text(xmlTextWriterPtr w, const char *s)
{
	char *c = tal_clean(s ? s : "", strlen(s ? s : ""), NULL);
	int rc = c ? xmlTextWriterWriteString(w, (const xmlChar *)c) : -1;

	free(c);
	return rc;
}

static int xml_attr(xmlTextWriterPtr w, const char *name, const char *v)
{
	char *c = tal_clean(v ? v : "", strlen(v ? v : ""), NULL);
	int rc = c ? xmlTextWriterWriteAttribute(w, (const xmlChar *)name, (const xmlChar *)c) : -1;

	free(c);
	return rc;
}

static int xml_attr_n(xmlTextWriterPtr w, const char *name, size_t v)
{
	char b[32];

	snprintf(b, sizeof b, "%zu", v);
	return xml_attr(w, name, b);
}

/* The details of a case with their stacks, as plain text lines. */
static char *case_text(struct printer *pr, const struct gate_case *c)
{
	struct jbuf b = JBUF_INIT;

	jbuf_adds(&b, c->message ? c->message : "");
	jbuf_adds(&b, "\n");
	for (size_t j = 0; j < c->ndetails; j++) {
		const struct gate_detail *d = &c->details[j];
		const struct cmp_run *run = d->in_base ? pr->base : pr->run;

		jbuf_adds(&b, "- ");
		jbuf_adds(&b, d->text);
		jbuf_adds(&b, "\n");
		out_stack_text(&b, run->db, d->in_base ? &pr->st_base : &pr->st, d->stack_id, 64, "    ");
	}
	if (b.oom) {
		jbuf_free(&b);
		return NULL;
	}
	return b.s ? b.s : strdup("");
}

static int junit_case(struct printer *pr, xmlTextWriterPtr w, const struct gate_case *c)
{
	char cls[64], *text = NULL;
	int rc = -1;

	snprintf(cls, sizeof cls, "memledger.%s", c->kind);
	if (xmlTextWriterStartElement(w, (const xmlChar *)"testcase") < 0 || xml_attr(w, "classname", cls) < 0 ||
	    xml_attr(w, "name", c->name) < 0 || xml_attr(w, "time", "0") < 0)
		return -1;
	if (c->result != GATE_PASS || c->ndetails) {
		if (!(text = case_text(pr, c)))
			return -1;
	}
	if (c->result == GATE_FAIL) {
		if (xmlTextWriterStartElement(w, (const xmlChar *)"failure") < 0 ||
		    xml_attr(w, "message", c->message) < 0 || xml_attr(w, "type", c->name) < 0 ||
		    xml_text(w, text) < 0 || xmlTextWriterEndElement(w) < 0)
			goto out;
	} else if (c->result == GATE_SKIP) {
		if (xmlTextWriterStartElement(w, (const xmlChar *)"skipped") < 0 ||
		    xml_attr(w, "message", c->message) < 0 || xmlTextWriterEndElement(w) < 0)
			goto out;
	}
	if (text && c->result != GATE_FAIL) {
		if (xmlTextWriterStartElement(w, (const xmlChar *)"system-out") < 0 || xml_text(w, text) < 0 ||
		    xmlTextWriterEndElement(w) < 0)
			goto out;
	}
	rc = xmlTextWriterEndElement(w) < 0 ? -1 : 0;
out:
	free(text);
	return rc;
}

static int junit_write(struct printer *pr, const struct gate_report *r, const char *path)
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
	char err[512], name[600];
	int rc = -1;

	if (!w) {
		cli_error(path, ERR_OOM);
		goto out;
	}
	xmlTextWriterSetIndent(w, 1);
	if (xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 ||
	    xmlTextWriterStartElement(w, (const xmlChar *)"testsuites") < 0 ||
	    xml_attr(w, "name", r->baseline ? "memledger check --baseline" : "memledger check") < 0 ||
	    xml_attr_n(w, "tests", r->tests) < 0 || xml_attr_n(w, "failures", r->failures) < 0 ||
	    xml_attr(w, "errors", "0") < 0 || xml_attr_n(w, "skipped", r->skipped) < 0 ||
	    xml_attr(w, "time", "0") < 0)
		goto out_oom;
	for (size_t i = 0; i < r->nsuites; i++) {
		const struct gate_suite *s = &r->suites[i];

		snprintf(name, sizeof name, "%s (pid %lld)", s->proc->name, (long long)s->proc->pid);
		if (xmlTextWriterStartElement(w, (const xmlChar *)"testsuite") < 0 || xml_attr(w, "name", name) < 0 ||
		    xml_attr_n(w, "tests", s->ncases) < 0 || xml_attr_n(w, "failures", s->failures) < 0 ||
		    xml_attr(w, "errors", "0") < 0 || xml_attr_n(w, "skipped", s->skipped) < 0 ||
		    xml_attr(w, "time", "0") < 0)
			goto out_oom;
		if (xmlTextWriterStartElement(w, (const xmlChar *)"properties") < 0 ||
		    xmlTextWriterStartElement(w, (const xmlChar *)"property") < 0 || xml_attr(w, "name", "database") < 0 ||
		    xml_attr(w, "value", pr->run->path) < 0 || xmlTextWriterEndElement(w) < 0)
			goto out_oom;
		if (pr->base && (xmlTextWriterStartElement(w, (const xmlChar *)"property") < 0 ||
		                 xml_attr(w, "name", "baseline") < 0 || xml_attr(w, "value", pr->base->path) < 0 ||
		                 xmlTextWriterEndElement(w) < 0))
			goto out_oom;
		if (xmlTextWriterStartElement(w, (const xmlChar *)"property") < 0 || xml_attr(w, "name", "exe") < 0 ||
		    xml_attr(w, "value", s->proc->exe) < 0 || xmlTextWriterEndElement(w) < 0 ||
		    xmlTextWriterEndElement(w) < 0)
			goto out_oom;
		for (size_t k = 0; k < s->ncases; k++)
			if (junit_case(pr, w, &s->cases[k]) < 0)
				goto out_oom;
		if (xmlTextWriterEndElement(w) < 0)
			goto out_oom;
	}
	if (xmlTextWriterEndDocument(w) < 0)
		goto out_oom;
	xmlFreeTextWriter(w);
	w = NULL;
	if (report_save(path, (const char *)xmlBufferContent(buf), (size_t)xmlBufferLength(buf), err, sizeof err) < 0) {
		cli_error(path, "%s", err);
		goto out;
	}
	rc = 0;
	goto out;
out_oom:
	cli_error(path, "cannot write the JUnit XML: out of memory");
out:
	if (w)
		xmlFreeTextWriter(w);
	if (buf)
		xmlBufferFree(buf);
	return rc;
}

/* ---------------------------------------------------------------- entry points */

static int finish(struct printer *pr, struct gate_report *r)
{
	int rc = r->failures ? 1 : 0;

	if (pr->g->json) {
		if (print_json(pr, r) < 0)
			rc = 2;
	} else if (r->baseline) {
		print_baseline(pr, r);
	} else if (pr->g->run_summary) {
		print_run(pr, r);
	} else {
		print_plain(pr, r);
	}
	if (rc != 2 && pr->g->junit && junit_write(pr, r, pr->g->junit) < 0)
		rc = 2;
	if (rc != 2 && fflush(stdout) == EOF) {
		cli_error("check", "cannot write the output");
		rc = 2;
	}
	sqlite3_finalize(pr->st);
	sqlite3_finalize(pr->st_base);
	return rc;
}

static int run_plain(struct check_gate *g, const char *db_path, long only)
{
	struct cmp_run run;
	struct gate_report r;
	struct printer pr = { .g = g, .run = &run };
	char err[1024];
	int rc;

	if (load_supp(g) < 0)
		return 2;
	if (cmp_run_load(&run, db_path, err, sizeof err) < 0) {
		cli_error(db_path, "%s", err);
		return 2;
	}
	g->o.only = only;
	if (gate_plain(&run, &g->o, &r, err, sizeof err) < 0) {
		cli_error(db_path, "%s", err);
		cmp_run_free(&run);
		return 2;
	}
	rc = finish(&pr, &r);
	gate_report_free(&r);
	cmp_run_free(&run);
	return rc;
}

static int run_baseline(struct check_gate *g, const char *db_path)
{
	struct cmp_run base, run;
	struct cmp_diff d;
	struct gate_report r;
	struct printer pr = { .g = g, .run = &run, .base = &base };
	char err[1024];
	int rc = 2;

	if (load_supp(g) < 0)
		return 2;
	if (cmp_run_load(&base, g->baseline, err, sizeof err) < 0) {
		cli_error(g->baseline, "%s", err);
		return 2;
	}
	if (cmp_run_load(&run, db_path, err, sizeof err) < 0) {
		cli_error(db_path, "%s", err);
		goto out_base;
	}
	if (cmp_diff_build(&d, &base, &run, 0, err, sizeof err) < 0) {
		cli_error(db_path, "%s", err);
		goto out_run;
	}
	if (gate_baseline(&d, &g->o, &r, err, sizeof err) < 0) {
		cli_error(db_path, "%s", err);
		goto out_diff;
	}
	rc = finish(&pr, &r);
	gate_report_free(&r);
out_diff:
	cmp_diff_free(&d);
out_run:
	cmp_run_free(&run);
out_base:
	cmp_run_free(&base);
	return rc;
}

int check_gate_main(struct check_gate *g, const char *db_path, long only)
{
	if (g->baseline) {
		if (only >= 0) {
			cli_error("check", "--process does not go with --baseline: processes pair by program");
			return 2;
		}
		return run_baseline(g, db_path);
	}
	return run_plain(g, db_path, only);
}

int check_gate_run(struct check_gate *g, const char *db_path)
{
	g->run_summary = 1;
	return run_plain(g, db_path, -1);
}

int check_gate_finish(struct check_gate *g, const char *db_path, long only)
{
	return run_plain(g, db_path, only);
}
