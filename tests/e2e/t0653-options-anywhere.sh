#!/bin/sh
# Options after the arguments (issue 10): `query DB SQL --csv` and the
# same for every subcommand but run (whose options end at PROG); `--`
# ends the options, so SQL may start with a dash. An unknown option is
# still an error (exit 2) naming it. On the old code `query DB SQL --csv`
# failed ("wants a database and one SQL argument").
. "$(dirname "$0")/lib/common.sh"

trace c "$PROGS/counts"
[ "$RC" -eq 0 ] || fail "run: $RC"
db=$WORK/opt.db
"$ML" ingest "$WORK/c.mlt" -o "$db" -q >"$WORK/i.out" 2>&1 || fail "ingest TRACE -o DB -q: $(cat "$WORK/i.out")"
[ -s "$WORK/i.out" ] && fail "-q after the trace was not taken: $(cat "$WORK/i.out")"
[ -f "$db" ] || fail "-o after the trace was not taken"

out=$("$ML" query "$db" "SELECT 6 * 7 AS answer" --csv 2>&1) || fail "query DB SQL --csv: $out"
[ "$(echo "$out" | tr -d '\r' | tr '\n' ' ')" = "answer 42 " ] || fail "query DB SQL --csv printed: $out"
out=$("$ML" query "$db" --json "SELECT 6 * 7 AS answer" 2>&1) || fail "query DB --json SQL: $out"
[ "$(echo "$out" | tr -d ' \n')" = '[{"answer":42}]' ] || fail "query DB --json SQL printed: $out"
sql='-- a comment first
SELECT 7 AS seven'
out=$("$ML" query --csv -- "$db" "$sql" 2>&1) || fail "query --csv -- DB SQL: $out"
[ "$(echo "$out" | tr -d '\r' | tr '\n' ' ')" = "seven 7 " ] || fail "after --: $out"

"$ML" query "$db" "SELECT 1" --bogus >"$WORK/b.out" 2>&1
[ $? -eq 2 ] || fail "an unknown option after the arguments: want exit 2"
grep -q "unknown option --bogus" "$WORK/b.out" || fail "unknown option message: $(head -1 "$WORK/b.out")"

"$ML" stats "$db" --process 1 >"$WORK/s.out" 2>&1 || fail "stats DB --process 1: $(head -1 "$WORK/s.out")"
grep -q '^### process 1:' "$WORK/s.out" || fail "stats DB --process 1 printed: $(head -1 "$WORK/s.out")"
"$ML" stats "$WORK/c.mlt" --samples >"$WORK/s2.out" 2>&1 || fail "stats TRACE --samples"
"$ML" check "$db" --frames 1 >"$WORK/k.out" 2>&1
[ $? -le 1 ] || fail "check DB --frames 1: $(head -1 "$WORK/k.out")"
grep -q 'item.* failed$' "$WORK/k.out" || fail "check DB --frames 1 printed: $(tail -1 "$WORK/k.out")"
"$ML" report "$db" -o "$WORK/r.html" >"$WORK/r.out" 2>&1 || fail "report DB -o OUT: $(cat "$WORK/r.out")"
[ -s "$WORK/r.html" ] || fail "report DB -o OUT wrote no $WORK/r.html"
exit 0
