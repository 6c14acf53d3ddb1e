#!/bin/sh
# The gctrace filter under a storm: tests/go/chatty's four goroutines
# write 8000 lines to stderr (half through the log package) while the
# collector runs a hundred times or more, so other writes land inside
# the runtime's gctrace lines. Under `memledger run` the program's stderr
# holds every one of its lines whole and no gctrace text, the trace has
# one gctrace line per collection (NumGC, which the program prints), and
# when the user asked for gctrace too it is all shown.
. "$(dirname "$0")/lib/common.sh"
C=$ROOT/build/go/chatty
[ -x "$C" ] || skip "build/go/chatty is not built (needs golang-go: make deps)"
norm() {   # the log package's date and time move from run to run
	grep -v '^memledger: ' "$1" | sed -E 's|^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} |DATE |' | sort
}
"$C" 2000 >"$WORK/plain.out" 2>"$WORK/plain.err" || fail "the plain run failed"
norm "$WORK/plain.err" >"$WORK/want"
[ "$(grep -c '' "$WORK/want")" = 8000 ] || fail "the plain run wrote $(grep -c '' "$WORK/want") lines, not 8000"
for i in 1 2 3; do
	"$ML" run -o "$WORK/c$i.mlt" -- "$C" 2000 >"$WORK/c$i.out" 2>"$WORK/c$i.err" || fail "run $i exited $?"
	norm "$WORK/c$i.err" >"$WORK/got"
	cmp -s "$WORK/got" "$WORK/want" ||
		fail "run $i: stderr is not the program's lines: $(diff "$WORK/want" "$WORK/got" | head -5 | tr '\n' '|')"
	numgc=$(cat "$WORK/c$i.out")
	[ "$numgc" -ge 20 ] || fail "run $i: only $numgc collections; the test wants many"
	n=$(grep -ac '^R gctrace ' "$WORK/c$i.mlt")
	[ "$n" = "$numgc" ] || fail "run $i: $n gctrace lines kept for NumGC = $numgc"
done
"$ML" ingest -q -o "$WORK/c.db" "$WORK/c1.mlt" 2>"$WORK/ingest" || fail "ingest: $(cat "$WORK/ingest")"
[ "$(q "$WORK/c.db" "SELECT count(*) FROM gc_cycles")" = "$(cat "$WORK/c1.out")" ] || fail "gc_cycles is not NumGC rows"
[ "$(q "$WORK/c.db" "SELECT count(*) FROM gc_cycles WHERE forced")" -ge 1 ] || fail "the forced collection is not marked"
# the user's own gctrace=1: the lines are shown as well as kept
GODEBUG=gctrace=1 "$ML" run -o "$WORK/g.mlt" -- "$C" 500 >"$WORK/g.out" 2>"$WORK/g.err" || fail "gctrace=1 run exited $?"
[ "$(grep -ac '^R gctrace ' "$WORK/g.mlt")" = "$(cat "$WORK/g.out")" ] || fail "gctrace=1: not every line kept"
# (shown as the runtime wrote them, so other writes may split them; " MB
# goal, " is one write of the runtime's, whole once in each line)
[ "$(grep -o ' MB goal, ' "$WORK/g.err" | wc -l)" = "$(cat "$WORK/g.out")" ] || fail "gctrace=1: not every line shown"
exit 0
