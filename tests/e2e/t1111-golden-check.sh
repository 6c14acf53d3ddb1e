#!/bin/sh
# Golden output of `memledger check` (issue 15): the checklist text and
# the gate, with the exit status, compared line by line with
# tests/e2e/expected/t1111-*.txt, so wording changes only on purpose.
# Re-record after a deliberate change:
#
#   sh tests/e2e/t1111-golden-check.sh --record
#
#  - fixture, fixture-verbose: the report fixture's database, a run of
#    two processes: the run's summary, and with --verbose every checklist
#    (exact, nothing masked);
#  - phases: every item passes, exit 0 (tests/programs/golden_phases.c);
#  - counts: settle_time and baseline_returned fail (tests/programs/counts.c);
#  - threads-joined, channels: one planted failure each;
#  - leak-classes: global references, lost and indirect leaks, the leak
#    summary (tests/programs/leak_classes.c);
#  - junit: the same gate as JUnit XML (check --junit) for counts.
# The traced runs are normalised by lib/golden_norm.py (pids, tids,
# paths, the C runtime's frames).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/golden.sh"

golden_fixture_db "$WORK/fx.db"
golden_run -x fixture "$ML" check "$WORK/fx.db"
golden fixture
golden_run -x fixture-verbose "$ML" check --verbose "$WORK/fx.db"
golden fixture-verbose

for p in phases:golden_phases counts:counts threads-joined:plant_threads_joined channels:plant_channels_closed \
	leak-classes:leak_classes; do
	name=${p%%:*}
	prog=${p#*:}
	trace "$name" "$PROGS/$prog"
	[ "$RC" -eq 0 ] || fail "$prog exited $RC"
	load "$name"
	golden_run "$name" "$ML" check "$WORK/$name.db"
	golden "$name"
done
golden_run junit "$ML" check --junit "$WORK/counts.xml" "$WORK/counts.db"
"$PY" "$ROOT/tests/e2e/lib/golden_norm.py" "$ROOT" "$WORK" <"$WORK/counts.xml" >"$WORK/junit.txt"
golden junit
exit 0
