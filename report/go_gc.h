/*
 * go_gc.h - the report's Go pieces: the GC section (gc_cycles as a chart
 * and a table) and what each metric means for a Go program.
 */
#ifndef MEMLEDGER_REPORT_GO_GC_H
#define MEMLEDGER_REPORT_GO_GC_H

#include <sqlite3.h>

#include "report/metrics.h"
#include "report/tal.h"

/**
 * The model of the GC section of process process_id: {present, count,
 * forced, pause_total, pause_max, chart (an SVG node), rows, profile_note}.
 * NULL when out of memory.
 */
tal_value *go_gc_model(sqlite3 *db, long long process_id);

/** What metric m measures in a Go program, in one line. */
const char *go_metric_meaning(enum metric_id m);

/** The metric's explanation for a Go program: a list of paragraphs. */
tal_value *go_metric_explain(enum metric_id m);


#endif
