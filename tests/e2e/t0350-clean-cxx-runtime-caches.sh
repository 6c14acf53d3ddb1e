#!/bin/sh
# tests/programs/clean_cxx.cc, no option: a clean C++ program whose first
# output to stdout and first exception happen during the run. The
# runtime's caches (libstdc++'s emergency pool, stdout's stdio buffer)
# must not fail it: every checklist item passes (gc_repeated n/a) and
# `memledger check` exits 0. stdout's buffer is allocated during the run
# and kept: a one-time runtime cache, so baseline_returned must pass too.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"

traced c "$PROGS/clean_cxx"
[ "$(wc -l <"$WORK/c.out")" -eq 11 ] || fail "c: the program printed $(wc -l <"$WORK/c.out") lines, want 11"
expect c "SELECT count(*) FROM allocations a JOIN sites s ON s.stack_id = a.stack_id
	WHERE a.free_ns IS NULL AND s.runtime = 0" 0 "blocks of the program's own sites live at exit"
expect c "SELECT count(*) FROM checklist_evidence WHERE item = 'global_references'" 0 "global_references evidence rows"
expect_items c
expect_check c
exit 0
