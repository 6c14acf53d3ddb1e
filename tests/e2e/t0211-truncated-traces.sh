#!/bin/sh
# A trace cut short (the process was killed, the disk filled up) is not
# an error. A real trace with many sync-flush points is cut at several:
# at flush points, between them, inside the last sync-flushed block,
# inside the final block, and just before the zlib checksum. Each cut
# loads with exit 0: every event and snapshot of the whole frames before
# the cut (counted independently by lib/mlt.py) and nothing else, the
# allocations are a prefix of the full trace's, and
# processes.end_reason is 'truncated' with one warning line, unless the
# END record made it through. The allocations are compared loaded with
# --allocations all; each cut also loads in the default mode with the
# same aggregate tables.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/modes.sh"
[ -x "$PY" ] || skip "python3 is not installed"
MLT="$PY $ROOT/tests/e2e/lib/mlt.py"

"$ML" run --interval 5 -o "$WORK/full.mlt" -- "$PROGS/rob_phases" >/dev/null 2>"$WORK/run.err" ||
	fail "tracing rob_phases failed: $(head -1 "$WORK/run.err")"
"$ML" ingest -q --allocations all -o "$WORK/full.db" "$WORK/full.mlt" 2>"$WORK/err" || fail "the full trace did not load: $(head -1 "$WORK/err")"
"$ML" query --csv "$WORK/full.db" "SELECT size, addr, kind FROM allocations ORDER BY id" >"$WORK/full.rows"
size=$(wc -c <"$WORK/full.mlt")
$MLT sync-points "$WORK/full.mlt" >"$WORK/sync"
nsync=$(wc -l <"$WORK/sync")
[ "$nsync" -ge 4 ] || fail "the trace has only $nsync sync-flush points; the test needs 4"

first=$(sed -n 1p "$WORK/sync")
second=$(sed -n 2p "$WORK/sync")
mid=$(sed -n "$((nsync / 2))p" "$WORK/sync")
prev=$(sed -n "$((nsync - 1))p" "$WORK/sync")
last=$(sed -n "${nsync}p" "$WORK/sync")
cuts="$first $(((first + second) / 2)) $mid $((mid + 1)) $((prev + (last - prev) / 2)) $((last - 1)) $last"
cuts="$cuts $((last + (size - last) / 2)) $((size - 4)) $((size - 1))"

loaded_prev=0
for c in $cuts; do
	f=$WORK/cut$c.mlt
	head -c "$c" "$WORK/full.mlt" >"$f"
	db=$WORK/cut$c.db
	"$ML" ingest -q --allocations all -o "$db" "$f" >/dev/null 2>"$WORK/err"
	rc=$?
	[ $rc -eq 0 ] || fail "cut at $c of $size: ingest exited $rc: $(head -3 "$WORK/err")"
	"$ML" ingest -q -o "$WORK/live$c.db" "$f" >/dev/null 2>"$WORK/err" ||
		fail "cut at $c of $size: ingest in the default mode failed: $(head -3 "$WORK/err")"
	same_aggregates "$db" "$WORK/live$c.db" "cut at $c"
	set -- $($MLT count "$f")
	want_events=$1 want_snaps=$2 want_end=$4
	got=$(q "$db" "SELECT events||' '||(SELECT count(*) FROM snapshots)||' '||end_reason FROM processes")
	reason=${got##* }
	if [ "$want_end" = 1 ]; then want_reason=exit; else want_reason=truncated; fi
	[ "$got" = "$want_events $want_snaps $want_reason" ] ||
		fail "cut at $c of $size: events, snapshots, end_reason '$got', want '$want_events $want_snaps $want_reason'"
	# stderr: nothing but one warning, and the warning when truncated
	lines=$(wc -l <"$WORK/err")
	[ "$lines" -le 1 ] || fail "cut at $c: $lines lines on stderr: $(head -3 "$WORK/err")"
	[ "$lines" -eq 0 ] || grep -q "^memledger: $f: warning: " "$WORK/err" ||
		fail "cut at $c: stderr '$(cat "$WORK/err")'"
	[ "$reason" != truncated ] || [ "$lines" -eq 1 ] || fail "cut at $c: truncated, but no warning"
	# what loaded is the full trace's beginning
	"$ML" query --csv "$db" "SELECT size, addr, kind FROM allocations ORDER BY id" >"$WORK/cut.rows"
	n=$(wc -l <"$WORK/cut.rows")
	head -n "$n" "$WORK/full.rows" | cmp -s - "$WORK/cut.rows" ||
		fail "cut at $c: the allocations loaded are not a prefix of the full trace's"
	[ "$n" -ge "$loaded_prev" ] || fail "cut at $c: fewer allocations ($n) than at an earlier cut ($loaded_prev)"
	loaded_prev=$n
done
# the cut at the first flush point already holds the first phase
got=$(q "$WORK/cut$first.db" "SELECT count(*) FROM processes")
[ "$got" = 1 ] || fail "cut at the first flush point: $got processes"
got=$(q "$WORK/cut$((size - 4)).db" "SELECT count(*) FROM allocations")
want=$(($(wc -l <"$WORK/full.rows") - 1))
[ "$got" -eq "$want" ] || fail "cut before the checksum: $got allocations, want all $want"
exit 0
