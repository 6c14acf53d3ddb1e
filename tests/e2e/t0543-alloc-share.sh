#!/bin/sh
# alloc_cpu_fraction (tests/programs/alloc_share.c): the allocator's share
# of the program's CPU time.
#  - Within [0, 1] at every snapshot of a malloc-then-free and a
#    free-then-malloc workload (the timed calls are chosen at random, not
#    every 16th, so neither malloc nor free is favoured). Both workloads do
#    little but call the allocator (about 0.8 of their CPU time without
#    the tracer): both read at least 0.4. Counting the tracer's own CPU
#    time as the program's made them read 0.17.
#  - Only the real allocator call is timed, never the hooks' recording of
#    it: under the tracer, the program times its own allocator loops (real
#    calls and recording, with the thread's CPU clock); memledger's
#    allocator time must be at most 0.85 of that (it is about 0.6; timing
#    the recording with the call made it 1).
#  - A program that measures its own allocator time without the tracer
#    (share S) reads between 0.6 S and 2 S under it (medians of 3 runs).
#    Not 1.5 S: the real allocator calls themselves run about 1.4 times
#    slower inside a traced process (glibc locks once the tracer's writer
#    thread exists, and the recording evicts the allocator's cache lines),
#    which on this 2-core VM reads 1.3 to 1.8 S. That observer effect is
#    stated in the README; this bound still fails the 2-3 S the share read
#    when the recording was timed with the call.
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

# Three runs each way, medians: on this 2-core VM the untraced share itself
# moves between about 0.16 and 0.25 from run to run (heap placement).
for i in 1 2 3; do
	"$P" known "$WORK/plain$i.share" >/dev/null || fail "alloc_share known failed"
	"$ML" run -o "$WORK/k$i.mlt" -- "$P" known "$WORK/traced$i.share" >"$WORK/k$i.out" 2>"$WORK/k$i.err" ||
		fail "known: $(head -1 "$WORK/k$i.err")"
	load k$i
	q "$WORK/k$i.db" "SELECT alloc_cpu_fraction || ' ' || alloc_cpu_ns FROM snapshots WHERE kind = 'exit'" >"$WORK/k$i.got"
done
"$PY" - "$WORK" <<'PY' || fail "the allocator's share is off (see above)"
import statistics, sys
w = sys.argv[1]
def fields(path):
    return open(path).read().split()
plain = [float(fields("%s/plain%d.share" % (w, i))[1]) for i in (1, 2, 3)]
got = [float(fields("%s/k%d.got" % (w, i))[0]) for i in (1, 2, 3)]
alloc_ns = [float(fields("%s/k%d.got" % (w, i))[1]) for i in (1, 2, 3)]
# the traced program's own timing of its allocator loops: the real calls
# and the hooks' recording of them
loops_ns = [float(fields("%s/traced%d.share" % (w, i))[5]) for i in (1, 2, 3)]
S, G = statistics.median(plain), statistics.median(got)
own = statistics.median(a / l for a, l in zip(alloc_ns, loops_ns))
print("true share %.4f (median of %s, untraced), memledger reads %.4f (median of %s)"
      % (S, plain, G, ["%.4f" % g for g in got]))
print("memledger's allocator time is %.2f of the traced loops' own time (which includes the recording)" % own)
bad = False
if not 0.6 * S <= G <= 2.0 * S:
    print("FAIL: alloc_cpu_fraction %.4f for a program whose allocator share is %.4f" % (G, S))
    bad = True
if not own <= 0.85:
    print("FAIL: memledger's allocator time is %.2f of the loops' own time: the recording is counted" % own)
    bad = True
sys.exit(bad)
PY
exit 0
