#!/bin/sh
# Differential unwinder test (issue 15), a program built the way
# distributions build: tests/programs/unw_omitfp.c with -O2
# -fomit-frame-pointer (every frame's CFA is RSP plus an offset that
# changes through the function). Same stacks from the fast unwinder as
# from libunwind; no difference is allowed.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/unwind.sh"
unw_both ofp "$PROGS/unw_omitfp"
[ "$(cat "$WORK/ofp.fast.out")" = "unw_omitfp ok" ] || fail "stdout '$(cat "$WORK/ofp.fast.out")'"
unw_compare ofp
unw_expect_frames ofp 400
# the frames the test is about are there: the many-argument call
[ "$(q "$WORK/ofp.fast.db" "SELECT count(DISTINCT a.stack_id) FROM allocations a
	JOIN stacks s ON s.stack_id = a.stack_id AND s.depth = 0 JOIN frames f ON f.id = s.frame_id
	WHERE f.function LIKE 'many_args%'")" -ge 1 ] || fail "no stacks through many_args"
exit 0
