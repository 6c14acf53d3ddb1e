/*
 * checklist.h - the leak checklist of DESIGN.md, evaluated for one
 * process from its rows and written to `checklist` and
 * `checklist_evidence`.
 */
#ifndef MEMLEDGER_INGEST_CHECKLIST_H
#define MEMLEDGER_INGEST_CHECKLIST_H

#include <sqlite3.h>

#include "ingest/events.h"
#include "ingest/tracemeta.h"

struct sitename_rules;

/**
 * Evaluate the nine items. `sites` are pass 2's totals (for settle_time);
 * settle_lo/hi the window its frees were counted in; `rules` name the
 * places evidence points at (sitename.h). 0 or -1.
 */
int checklist_run(sqlite3 *db, const struct trace_meta *m, int64_t pid, const struct gsite *sites,
                  size_t nsites, int64_t settle_lo, int64_t settle_hi, const struct sitename_rules *rules,
                  char *err, size_t errlen);

/**
 * How the evidence names the place of a stack: "function (file:line)" of
 * its first frame outside the runtime, else what is known of it.
 */
void checklist_where(sqlite3 *db, int64_t stack_id, char *out, size_t n);

/** The settle window: after the program's last own snapshot, before exit. lo < 0: none. */
void checklist_settle_window(const struct trace_meta *m, int64_t *lo, int64_t *hi);

#endif
