/*
 * verdicts.h - every judgement the report and `check` show about memory
 * coming back, made once, at ingest, and stored.
 *
 * One module owns them, so that no two places on a page can disagree:
 *
 *  - which snapshots are compared: the baseline and the final one (the
 *    program's first and last own snapshots; with only one, the start
 *    and that one; with none, the start and the exit, or the last sample
 *    when the process never reached exit);
 *  - the "back to baseline" rule, with its tolerance, for Alloc and
 *    HeapObjects, which gives the checklist item baseline_returned, the
 *    verdicts of Alloc, HeapObjects, Live and HeapInuse, and the last row
 *    of the Phases table;
 *  - a verdict for each of the twelve metrics.
 *
 * The rule. What the C/C++ runtime allocated for itself between the two
 * snapshots (a stdio buffer, locale data, a thread's TLS: sites.runtime)
 * is set aside. For a native program Alloc and HeapObjects are exact,
 * counted event by event, so any byte or object left above the baseline
 * fails: there is no tolerance. A Go program's Alloc includes garbage
 * the collector has not swept yet, so it may exceed the baseline by
 * max(64 KiB, 1% of the run's peak Alloc), and HeapObjects by max(512,
 * 1% of the peak), as DESIGN.md states.
 *
 * StackInuse. A thread's touched stack pages stay resident until the
 * thread ends, so the main thread's StackInuse only grows, with the
 * deepest call so far. StackInuse fails only when threads started after
 * the baseline still hold their stacks at the final snapshot (running,
 * or ended but not joined); otherwise it passes, and says why it grew.
 *
 * Running totals (TotalAlloc, Mallocs, Frees, NumGC) are not judged: their
 * row has judged = 0 and status 'n/a' (or 'fail' if one went down, which
 * only a damaged trace can do).
 *
 * Everything is read back from the process's rows (snapshots, sites,
 * site_snapshots, threads), so the verdicts can be computed again on any
 * database holding them.
 */
#ifndef MEMLEDGER_INGEST_VERDICTS_H
#define MEMLEDGER_INGEST_VERDICTS_H

#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/** The subjects with a row in `verdicts`, besides 'baseline'. */
extern const char *const verdicts_metrics[]; /* NULL-terminated: "alloc", ... */

/**
 * Judge process pid: write its `verdicts` rows (one per metric, plus
 * 'baseline': the short form for the Phases table) and its checklist item
 * baseline_returned with evidence, replacing earlier ones. 0, or -1 with
 * a reason in err.
 */
int verdicts_run(sqlite3 *db, int64_t pid, char *err, size_t errlen);

/*
 * The row writers every checklist item uses (checklist.c, go_checklist.c
 * and baseline_returned here), so that the rows have one shape.
 */

/**
 * Write the `checklist` row (pid, item, status, detail), detail being fmt
 * formatted and cut to fit detail_cap bytes (at most 2048). st is a
 * prepared "INSERT [OR REPLACE] INTO checklist(process_id, item, status,
 * detail) VALUES (?,?,?,?)"; NULL: one of its own with OR REPLACE. 0, or
 * -1 with err.
 */
int verdicts_item_v(sqlite3 *db, sqlite3_stmt *st, int64_t pid, const char *item, const char *status,
                    size_t detail_cap, char *err, size_t errlen, const char *fmt, va_list ap);

/**
 * Write one `checklist_evidence` row of (pid, item) with st, a prepared
 * "INSERT [OR REPLACE] INTO checklist_evidence(process_id, item, seq, text,
 * stack_id, value) VALUES (?,?,?,?,?,?)": text is fmt formatted (at most
 * 1023 bytes), stack_id <= 0 is NULL. 0, or -1 with err.
 */
int verdicts_evidence_v(sqlite3 *db, sqlite3_stmt *st, int64_t pid, const char *item, int seq,
                        int64_t stack_id, int64_t value, char *err, size_t errlen, const char *fmt,
                        va_list ap);

#endif
