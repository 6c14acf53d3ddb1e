#!/bin/sh
# The tracer's own memory (issue 13): every snapshot says how much of the
# process's RSS is the tracer's own (snapshots.tracer_rss, counted page by
# page with mincore over every mapping the tracer made for itself), and
# the report's Peak RSS card says it too.
#  - tests/programs/own_mem holds 400,000 small blocks at its snapshot
#    "held". The live map alone keeps at least 8 bytes a block, so
#    tracer_rss there is at least 3.2 MB (a count that misses mappings, or
#    reads nothing, fails).
#  - It is at most what the program holds more with the tracer than
#    without it at the same point (its RSS printed by the program, median
#    of 3 runs each), plus 1 MiB for noise: that difference is the
#    tracer's own memory plus its library code and the unwind tables it
#    reads (a count of mapped rather than resident pages fails; the live
#    map alone maps far more than it touches).
#  - It is below rss at every snapshot, and set at start, samples and exit.
. "$(dirname "$0")/lib/common.sh"
P=$PROGS/own_mem
N=400000
plain=""
traced=""
for i in 1 2 3; do
	plain="$plain $("$P" $N | sed -n 's/^rss //p')"
	"$ML" run -o "$WORK/run$i.mlt" -- "$P" $N >"$WORK/run$i.out" 2>"$WORK/run$i.err" ||
		fail "own_mem under the tracer: $(head -1 "$WORK/run$i.err")"
	traced="$traced $(sed -n 's/^rss //p' "$WORK/run$i.out")"
done
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
# shellcheck disable=SC2086
plain=$(median $plain)
# shellcheck disable=SC2086
traced=$(median $traced)
[ -n "$plain" ] && [ -n "$traced" ] || fail "own_mem printed no rss"
mv "$WORK/run2.mlt" "$WORK/own.mlt"
load own
own=$(q "$WORK/own.db" "SELECT tracer_rss FROM snapshots WHERE label = 'held'")
[ -n "$own" ] || fail "no tracer_rss at the snapshot 'held'"
echo "plain rss $plain, traced rss $traced, tracer's own $own"
[ "$own" -ge $((N * 8)) ] || fail "tracer_rss $own at 'held': below the live map's 8 bytes a block for $N blocks"
[ "$own" -le $((traced - plain + 1048576)) ] ||
	fail "tracer_rss $own at 'held': more than the traced run holds over the plain run ($traced - $plain) plus 1 MiB"
bad=$(q "$WORK/own.db" "SELECT count(*) FROM snapshots WHERE tracer_rss IS NULL OR tracer_rss <= 0 OR tracer_rss >= rss")
[ "$bad" = 0 ] || fail "$bad snapshots with tracer_rss missing, not positive or not below rss"
kinds=$(q "$WORK/own.db" "SELECT group_concat(kind, ' ') FROM (SELECT DISTINCT kind FROM snapshots WHERE tracer_rss > 0 ORDER BY kind)")
[ "$kinds" = "exit start user" ] || [ "$kinds" = "exit sample start user" ] ||
	fail "tracer_rss set at: $kinds"

# the report's Peak RSS card
"$ML" report -o "$WORK/own.html" "$WORK/own.db" >"$WORK/rep.out" 2>&1 || fail "report: $(head -1 "$WORK/rep.out")"
grep -q "of it memledger&#39;s own: [0-9.]* [KM]i\?B ([0-9.]*%)\|of it memledger's own: [0-9.]* [KM]i\?B ([0-9.]*%)" "$WORK/own.html" ||
	fail "the Peak RSS card does not give the tracer's own memory"
exit 0
