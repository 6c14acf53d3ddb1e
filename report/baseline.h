/*
 * baseline.h - a comparison of two runs as HTML: the standalone page of
 * `memledger diff --html` and the section id="baseline" of `memledger
 * report --baseline`.
 *
 * Both come from one template, templates/compare.xhtml, filled by the
 * report's engine (report/tal.h) from the model built here out of a
 * compare/diff.h diff. The page is the template as a whole; the report's
 * section is its element with id="baseline", copied into the report's
 * model as the value "baseline" (templates/report.xhtml places it).
 * templates/README.md lists the names of the model.
 */
#ifndef MEMLEDGER_REPORT_BASELINE_H
#define MEMLEDGER_REPORT_BASELINE_H

#include <stddef.h>

#include "compare/deltas.h"
#include "compare/diff.h"
#include "report/tal.h"

/** Rows per list (sites of each kind, leaks, ...) when the caller gives 0. */
#define BASELINE_LIMIT 20

/** A metric's value, its change, and a relative change ("+25.0%", "" for NaN), in human units. */
char *baseline_fmt(char *dst, size_t cap, enum cmp_unit u, double v);
char *baseline_fmt_delta(char *dst, size_t cap, enum cmp_unit u, double d);
char *baseline_fmt_rel(char *dst, size_t cap, double rel);

/**
 * The model of the comparison (see templates/README.md): lists capped at
 * limit rows (0: BASELINE_LIMIT), css as "style". NULL if memory ran out.
 */
tal_value *baseline_model(const struct cmp_diff *d, size_t limit, const char *css);

/**
 * Write diff d as a standalone page to out_path (atomically), from
 * template_dir/compare.xhtml and style.css when present, else the
 * built-in copies. 0, or -1 with one line in err.
 */
int baseline_write_page(const struct cmp_diff *d, const char *out_path, const char *template_dir,
                        size_t limit, char *err, size_t errlen);

/**
 * Compare the run at base_path with the one at new_path and set
 * root["baseline"] to the filled section. 0, or -1 with err (which names
 * the file at fault when a database cannot be read).
 */
int baseline_attach(tal_value *root, const char *base_path, const char *new_path,
                    const char *template_dir, char *err, size_t errlen);

#endif
