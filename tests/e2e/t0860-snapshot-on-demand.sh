#!/bin/sh
# Snapshots on demand. tests/programs/ondemand, which never calls memledger,
# runs under `memledger run`, driven step by step on its stdin. `memledger
# snapshot` takes "first" after step 1, "second" after step 2, and "third"
# with --scan after step 3. After ingest they are user snapshots in that
# order with the memory of their moment, the third one's scan found the
# blocks the program lost, they head the report's phase table in order,
# and the checklist does not take them for the program's own (settle_time
# is n/a). The program's output is the same as without memledger.
# `run --snapshot-every` takes labelled periodic snapshots. A process that
# is not traced, or does not exist, is refused clearly.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"
. "$(dirname "$0")/lib/ondemand.sh"

printf 'alpha\nbeta\ngamma\n' | "$PROGS/ondemand" >"$WORK/plain.out" || fail "ondemand failed on its own"

od_start od
od_step alpha 1
od_snapshot "$PID" first
[ $SRC -eq 0 ] || fail "snapshot first: exit $SRC: $(cat "$WORK/snap.err")"
grep -q "PID $PID: snapshot \"first\" taken (seq [0-9]*)" "$WORK/snap.err" || fail "snapshot first said: $(cat "$WORK/snap.err")"
od_step beta 2
"$ML" snapshot "$PID" second 2>"$WORK/snap.err" || fail "snapshot second: $(cat "$WORK/snap.err")"
od_step gamma 3
"$ML" snapshot "$PID" third --scan 2>"$WORK/snap.err" || fail "snapshot third --scan: $(cat "$WORK/snap.err")"
grep -q "with a reachability scan" "$WORK/snap.err" || fail "snapshot --scan said: $(cat "$WORK/snap.err")"
od_finish

cmp -s "$WORK/plain.out" "$WORK/od.out" || fail "the program's output changed: $(diff "$WORK/plain.out" "$WORK/od.out" | head -3)"
[ "$(grep -v '^memledger: wrote' "$WORK/od.err")" = "" ] || fail "unexpected stderr: $(cat "$WORK/od.err")"
load od
expect od "SELECT group_concat(label, ',') FROM (SELECT label FROM snapshots WHERE kind = 'user' ORDER BY seq)" \
	"first,second,third" "user snapshots in order"
expect od "SELECT count(*) FROM snapshots a JOIN snapshots b ON b.process_id = a.process_id
	WHERE a.label = 'first' AND b.label = 'second' AND a.ts_ns < b.ts_ns AND a.alloc < b.alloc" 1 \
	"second is later than first and holds more"
expect od "SELECT group_concat(label || ':' || scan, ',') FROM (SELECT label, scan FROM snapshots
	WHERE kind = 'user' ORDER BY seq)" "first:0,second:0,third:1" "only third ran a scan"
expect od "SELECT count(*) >= 1 FROM scan_leaks l JOIN snapshots s ON s.process_id = l.process_id
	AND s.seq = l.snapshot_seq WHERE s.label = 'third' AND l.leak = 'lost'" 1 "the scan at third found lost blocks"
expect od "SELECT count(*) FROM scan_leaks l JOIN snapshots s ON s.process_id = l.process_id
	AND s.seq = l.snapshot_seq JOIN allocations a ON a.id = l.allocation_id
	WHERE s.label = 'third' AND l.leak = 'lost' AND a.size != 3000" 0 "only the dropped 3000-byte blocks are lost"
expect od "SELECT count(DISTINCT snapshot_seq) FROM site_snapshots ss JOIN snapshots s
	ON s.process_id = ss.process_id AND s.seq = ss.snapshot_seq WHERE s.kind = 'user'" 3 "site_snapshots at the three"
expect od "SELECT status FROM checklist WHERE item = 'settle_time'" n/a "settle_time (no snapshot of the program's own)"

"$ML" report -o "$WORK/od.html" "$WORK/od.db" >/dev/null 2>&1 || fail "report failed"
sed -n '/<section id="phases"/,/<\/section>/p' "$WORK/od.html" | grep -o '>first<\|>second<\|>third<' | tr -d '<>' |
	tr '\n' ',' >"$WORK/phases"
[ "$(cat "$WORK/phases")" = "first,second,third," ] || fail "phase table rows: $(cat "$WORK/phases")"

# periodic snapshots
od_start every --snapshot-every 0.2
od_step one 1
sleep 0.9
od_step two 2
od_finish
load every
expect every "SELECT count(*) >= 3 FROM snapshots WHERE kind = 'user' AND label LIKE 'periodic %'" 1 \
	"periodic snapshots over about a second: $(q "$WORK/every.db" "SELECT group_concat(label) FROM snapshots WHERE kind = 'user'")"
expect every "SELECT count(*) FROM (SELECT label, row_number() OVER (ORDER BY seq) AS n FROM snapshots
	WHERE kind = 'user') WHERE label != 'periodic ' || n" 0 "periodic 1, periodic 2, ... in order"
"$ML" run --snapshot-every 0 -- true 2>"$WORK/bad.err" && fail "--snapshot-every 0 was accepted"
grep -q "snapshot-every wants seconds" "$WORK/bad.err" || fail "--snapshot-every 0: $(cat "$WORK/bad.err")"

# refusals
"$ML" snapshot $$ 2>"$WORK/not.err" && fail "snapshot of an untraced process succeeded"
grep -q "PID $$: not traced" "$WORK/not.err" || fail "untraced process: $(cat "$WORK/not.err")"
sh -c 'exit 0' &
gone=$!
wait $gone
"$ML" snapshot "$gone" 2>"$WORK/gone.err" && fail "snapshot of a process that is gone succeeded"
grep -q "PID $gone: no such process" "$WORK/gone.err" || fail "no such process: $(cat "$WORK/gone.err")"
"$ML" snapshot 2>/dev/null; [ $? -eq 2 ] || fail "snapshot without PID: want exit 2"
"$ML" snapshot x12 2>/dev/null; [ $? -eq 2 ] || fail "snapshot with a bad PID: want exit 2"
exit 0
