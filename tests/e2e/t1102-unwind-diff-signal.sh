#!/bin/sh
# Differential unwinder test (issue 15), signal frames: allocations in
# handlers of synchronous signals (on the thread's stack, on a
# sigaltstack, two handlers deep) in tests/programs/unw_signal.c. The
# fast unwinder does not model a signal frame and must hand such a stack
# to libunwind whole; the stacks must equal libunwind's, and must reach
# through the signal frame to main. No difference is allowed.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/unwind.sh"
unw_both sig "$PROGS/unw_signal"
[ "$(cat "$WORK/sig.fast.out")" = "unw_signal 350" ] || fail "stdout '$(cat "$WORK/sig.fast.out")'"
unw_compare sig
unw_expect_frames sig 350
# every handler's block has main() below the signal frame, in both runs
for m in fast lu; do
	got=$(q "$WORK/sig.$m.db" "SELECT count(*) FROM allocations a WHERE a.size IN (1111, 2222, 3333)
		AND EXISTS (SELECT 1 FROM stacks s JOIN frames f ON f.id = s.frame_id
			WHERE s.stack_id = a.stack_id AND f.function = 'main')
		AND EXISTS (SELECT 1 FROM stacks s JOIN frames f ON f.id = s.frame_id
			WHERE s.stack_id = a.stack_id AND f.function = 'raiser')")
	[ "$got" = 350 ] || fail "$m: $got of 350 handler blocks have a stack through the signal frame to main"
done
exit 0
