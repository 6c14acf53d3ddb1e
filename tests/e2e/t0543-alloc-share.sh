#!/bin/sh
# alloc_cpu_fraction (tests/programs/alloc_share.c): the allocator's share
# of the program's CPU time.
#  - Within [0, 1] at every snapshot of a malloc-then-free and a
#    free-then-malloc workload (the timed calls are chosen at random, not
#    every 16th, so neither malloc nor free is favoured). Both workloads do
#    little but call the allocator (about 0.8 of their CPU time without
#    the tracer): both read at least 0.4. Counting the tracer's own CPU
#    time as the program's made them read 0.17.
#  - A program that measures its own allocator time without the tracer
#    (share S, timed with the thread's CPU clock) reads between 0.6 S and
#    1.5 S under it: only the real allocator call is timed, and the
#    tracer's own work is left out of the CPU time. It read 2-3 S when the
#    recording was timed with the call.
. "$(dirname "$0")/lib/common.sh"
P=$PROGS/alloc_share
for m in mf fm; do
	"$ML" run -o "$WORK/$m.mlt" -- "$P" $m 1000000 >"$WORK/$m.out" 2>"$WORK/$m.err" ||
		fail "$m: $(head -1 "$WORK/$m.err")"
	load $m
	got=$(q "$WORK/$m.db" "SELECT count(*) FROM snapshots WHERE alloc_cpu_fraction < 0 OR alloc_cpu_fraction > 1")
	[ "$got" = 0 ] || fail "$m: $got snapshots with alloc_cpu_fraction outside [0, 1]"
	eval share_$m=$(q "$WORK/$m.db" "SELECT alloc_cpu_fraction FROM snapshots WHERE kind = 'exit'")
done
echo "malloc-then-free $share_mf, free-then-malloc $share_fm"
"$PY" -c "import sys; sys.exit(min($share_mf, $share_fm) < 0.4)" ||
	fail "malloc-then-free reads $share_mf, free-then-malloc $share_fm; want 0.4 or more"

"$P" known "$WORK/plain.share" >/dev/null || fail "alloc_share known failed"
set -- $(cat "$WORK/plain.share")
S=$2
"$ML" run -o "$WORK/k.mlt" -- "$P" known "$WORK/traced.share" >"$WORK/k.out" 2>"$WORK/k.err" ||
	fail "known: $(head -1 "$WORK/k.err")"
load k
got=$(q "$WORK/k.db" "SELECT alloc_cpu_fraction FROM snapshots WHERE kind = 'exit'")
echo "true share $S (measured by the program, untraced), memledger reads $got"
"$PY" -c "import sys; sys.exit(not (0.6 * $S <= $got <= 1.5 * $S))" ||
	fail "alloc_cpu_fraction $got for a program whose allocator share is $S"
exit 0
