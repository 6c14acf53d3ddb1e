#!/bin/sh
# Differential unwinder test (issue 15), C: every allocation of
# tests/programs/unw_c.c (fixed and variable-size frames, function
# pointers, recursion past --depth, qsort's callback, a thread) gets the
# same stack from the fast unwinder as from libunwind
# (MEMLEDGER_UNWIND=libunwind). No difference is allowed.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/unwind.sh"
unw_both c "$PROGS/unw_c"
[ "$(cat "$WORK/c.fast.out")" = "unw_c ok" ] || fail "stdout '$(cat "$WORK/c.fast.out")'"
unw_compare c
unw_expect_frames c 200
# the recursion reaches --depth's 64 frames in both
[ "$(q "$WORK/c.fast.db" "SELECT max(depth) FROM stacks")" = 63 ] || fail "no stack reached 64 frames"
exit 0
