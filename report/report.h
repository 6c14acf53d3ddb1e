/*
 * report.h - write the HTML report of a memledger database.
 *
 * The report is one self-contained HTML5 file: CSS and SVG inline, no
 * network, and a small optional script (the page reads fully without it).
 * It is made in three steps: SQL over the aggregate tables of the database
 * (opened read-only; the allocations table is never read), a data model
 * (report/model.h), and the template engine (report/tal.h) filling
 * templates/report.xhtml, serialized with htmlDocDumpMemoryFormat.
 *
 * Every section has a fixed id (overview, metric-alloc ... metric-
 * gccpufraction, allocation-rate, phases, quick-reference, composition,
 * checklist, leaks, sites, flamegraph, threads). A database with several
 * processes gives one page: the root process (the first without a loaded
 * parent) keeps the plain ids, every other process has its sections with
 * the suffix "-pN", N being processes.id, and an index at the top links
 * them. Which processes get sections is report/runs.h's rule (or
 * report_opts.processes); a run of several processes opens with the
 * section id="run-summary" (report/runs.h). With a
 * baseline run (report_opts.baseline_path) the page also has the section
 * id="baseline" comparing the two (report/baseline.h).
 */
#ifndef MEMLEDGER_REPORT_REPORT_H
#define MEMLEDGER_REPORT_REPORT_H

#include <stddef.h>

/**
 * Write the report of the database at db_path to out_path (replaced
 * atomically: written to a temporary file in the same folder, then
 * renamed). template_dir holds report.xhtml and, optionally, style.css;
 * NULL (or a missing style.css) uses the copies built into the program.
 * Refuses an out_path that is the database itself. Returns 0, or -1 with
 * a one-line reason in err (no "memledger: DB:" prefix: the caller adds it).
 */
int report_write(const char *db_path, const char *out_path, const char *template_dir,
		 char *err, size_t errlen);

/**
 * The same, into memory: on success *html is a malloc'd NUL-terminated
 * page of *len bytes, owned by the caller.
 */
int report_render(const char *db_path, const char *template_dir, char **html, size_t *len,
		  char *err, size_t errlen);

/** More choices for the page; zero state gives the defaults. */
struct report_opts {
	const char *template_dir;      /* NULL: the built-in templates */
	/* more allocation wrappers to look through when naming sites
	 * (--alloc-fn; ingest/sitename.h), on top of those ingest used */
	const char *const *alloc_fns;
	size_t nalloc_fns;
	/* a run to compare with: the page gains the section id="baseline"
	 * (report/baseline.h); NULL: none */
	const char *baseline_path;
	/* the processes that get full sections (--process): each "all", a
	 * pid or a program; none: the default rule (report/runs.h) */
	const char *const *processes;
	size_t nprocesses;
};

/** report_write and report_render with options (o may be NULL). */
int report_write_opts(const char *db_path, const char *out_path, const struct report_opts *o,
		      char *err, size_t errlen);
int report_render_opts(const char *db_path, const struct report_opts *o, char **html, size_t *len,
		       char *err, size_t errlen);

/**
 * Write len bytes of html to out_path atomically: a temporary file in the
 * same folder, then a rename. 0, or -1 with err.
 */
int report_save(const char *out_path, const char *html, size_t len, char *err, size_t errlen);

/** Read a whole file, NUL-terminated (*len without the NUL). NULL with errno set. */
char *report_read_file(const char *path, size_t *len);

/**
 * The default output path for db_path: its name with the extension
 * replaced by ".html" (or ".html" appended). malloc'd; NULL if out of memory.
 */
char *report_default_output(const char *db_path);

#endif
