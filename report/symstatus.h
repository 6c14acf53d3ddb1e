/*
 * symstatus.h - the report's Symbols section: for each module the stacks
 * pass through, whether symbols were found and where from, with what to
 * do about the modules that have none (from `modules.symbols*`, written
 * by ingest and `memledger symbolize`).
 */
#ifndef MEMLEDGER_REPORT_SYMSTATUS_H
#define MEMLEDGER_REPORT_SYMSTATUS_H

#include <sqlite3.h>

#include "report/tal.h"

/**
 * The section's model for process_id: `list [ {module, path, level,
 * what, source, file} ]` (worst first), `count`, `lacking` (modules
 * without lines), `hint` (what to do, or null). A database made before
 * these columns existed gives an empty list.
 */
tal_value *symstatus_model(sqlite3 *db, long long process_id);

#endif
