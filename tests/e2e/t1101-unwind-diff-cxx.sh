#!/bin/sh
# Differential unwinder test (issue 15), C++ with exceptions: the
# allocations of tests/programs/unw_cxx.cc made while an exception is
# thrown, in destructors its landing pads run, in catch blocks and after
# a rethrow get the same stacks from the fast unwinder as from
# libunwind. No difference is allowed.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/unwind.sh"
unw_both cxx "$PROGS/unw_cxx"
[ "$(cat "$WORK/cxx.fast.out")" = "unw_cxx 300" ] || fail "stdout '$(cat "$WORK/cxx.fast.out")'"
unw_compare cxx
unw_expect_frames cxx 1000
# the destructor's allocations really come from a landing pad: Noisy's
# destructor called from middle() while the exception passes
[ "$(q "$WORK/cxx.fast.db" "SELECT count(*) FROM allocations a
	JOIN stacks s0 ON s0.stack_id = a.stack_id AND s0.depth = 0 JOIN frames f0 ON f0.id = s0.frame_id
	JOIN stacks s1 ON s1.stack_id = a.stack_id AND s1.depth = 1 JOIN frames f1 ON f1.id = s1.frame_id
	WHERE f0.function LIKE 'Noisy::~Noisy%' AND f1.function LIKE 'middle%'")" -ge 200 ] ||
	fail "no allocation in a destructor run by a landing pad"
exit 0
