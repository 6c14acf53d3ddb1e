/*
 * model.h - the template's data model, built from the loaded database.
 *
 * templates/README.md lists every name the model provides; keep the two
 * in step. Numbers are formatted here, in human units, so templates only
 * place text; raw values are provided beside them where a template might
 * want to compute classes or conditions.
 */
#ifndef MEMLEDGER_REPORT_MODEL_H
#define MEMLEDGER_REPORT_MODEL_H

#include <stddef.h>

#include <sqlite3.h>

#include "report/data.h"
#include "report/tal.h"

struct sitename_rules;

/**
 * Build the model for procs (as loaded by rp_load, with the processes that
 * get full sections chosen by runs_select, report/runs.h). db is used to read the
 * stacks that are shown. db_name is shown in the page; css is the text of
 * the style sheet; rules (may be NULL) are the --alloc-fn names given to
 * the report, which rename the sites shown. Returns the root dictionary,
 * or NULL with err.
 */
tal_value *model_build(sqlite3 *db, struct rp_process *procs, size_t nprocs,
		       const char *db_name, const char *css, const struct sitename_rules *rules,
		       char *err, size_t errlen);

#endif
