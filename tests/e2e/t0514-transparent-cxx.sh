#!/bin/sh
# Transparency suite (issue 9): a C++ program with exceptions (deep
# unwinding through frames owning containers, rethrow, nested exceptions,
# an exception carried out of a thread, a constructor throwing), and the
# same program ending in an uncaught exception: std::terminate's message
# and the abort (134) are the same with and without the tracer, and the
# abort is recorded as the way the process ended.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/transparent.sh"
same cxx -- "$PROGS/lc_cxx"
[ "$RC" -eq 0 ] || fail "status $RC"
grep -q "^caught: bottom reached after 201 frames$" "$WORK/cxx.out" || fail "$(head -1 "$WORK/cxx.out")"
grep -q "^constructor threw: fragile 37 with 37 built$" "$WORK/cxx.out" || fail "$(tail -1 "$WORK/cxx.out")"
all_load cxx

ulimit -c 0  # no core file from the abort
same term -- "$PROGS/lc_cxx" terminate
[ "$RC" -eq 134 ] || fail "uncaught: status $RC, want 134"
grep -q "what():  boom" "$WORK/term.err" || fail "uncaught: $(cat "$WORK/term.err")"
all_load term
expect term "SELECT end_reason||' '||signal FROM processes" "signal 6"
exit 0
