#!/bin/sh
# Golden output of `memledger stats` (issue 15): its text is compared line
# by line with tests/e2e/expected/t1110-*.txt, so wording and layout change
# only on purpose. Re-record after a deliberate change:
#
#   sh tests/e2e/t1110-golden-stats.sh --record
#
#  - fixture: the report fixture's database (fixed data: exact, nothing
#    masked; two processes, escaped argv, every metric and delta);
#  - counts-db, counts-trace: tests/programs/counts.c (exact allocation
#    counts between its snapshots A and B), from the database and from
#    the trace itself;
#  - phases: tests/programs/golden_phases.c (START, AFTER RUN with two
#    threads, AFTER CLEANUP; the same allocations every run).
# The traced runs are normalised by lib/golden_norm.py: pids, paths,
# times and the figures that measure the machine (Sys, RSS, ...) are
# masked; the exact counts are not.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/golden.sh"

golden_fixture_db "$WORK/fx.db"
golden_run -x fixture "$ML" stats "$WORK/fx.db"
golden fixture

trace counts "$PROGS/counts"
[ "$RC" -eq 0 ] || fail "counts exited $RC"
load counts
golden_run counts-db "$ML" stats "$WORK/counts.db"
golden counts-db
golden_run counts-trace "$ML" stats "$WORK/counts.mlt"
golden counts-trace

trace phases "$PROGS/golden_phases"
[ "$RC" -eq 0 ] || fail "golden_phases exited $RC"
load phases
golden_run phases "$ML" stats "$WORK/phases.db"
golden phases
exit 0
