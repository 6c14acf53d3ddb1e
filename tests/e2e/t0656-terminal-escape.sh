#!/bin/sh
# Bytes that control a terminal never reach it (issue 9): a program at a
# path holding ESC and BEL, run with -o naming a trace with ESC, takes
# snapshots whose labels hold ESC, CSI and BEL sequences. run, ingest,
# stats (trace and database), query (table), check and report print all
# of it with the control bytes shown as \xNN, never raw; CSV piped to a
# file keeps the bytes as data. On the old code the labels and paths
# went out raw.
. "$(dirname "$0")/lib/common.sh"

ESC=$(printf '\033')
BEL=$(printf '\007')
dir="$WORK/bin${ESC}]0;title${BEL}"
mkdir -p "$dir" || fail "mkdir"
cp "$PROGS/esc_names" "$dir/prog" || fail "cp"
tag="${ESC}[2J${ESC}[31m$(printf '\302\233')1m"   # clear screen, red, a C1 CSI
t="$WORK/t${ESC}[1m.mlt"
db="$WORK/t${ESC}[1m.db"

# no raw ESC, BEL or C1 CSI (0xc2 0x9b) in FILE; the escaped form is there
clean() {
	if LC_ALL=C grep -q "$(printf '[\033\007]')" "$1" || LC_ALL=C grep -q "$(printf '\302\233')" "$1"; then
		fail "$2: raw control bytes: $(od -c "$1" | grep -m1 '033\|007\|302')"
	fi
	grep -q '\\x1b' "$1" || fail "$2: no \\x1b in: $(head -3 "$1")"
}

"$ML" run -o "$t" -- "$dir/prog" "$tag" >"$WORK/run.out" 2>"$WORK/run.err" || fail "run exited $?"
clean "$WORK/run.err" "run"
"$ML" ingest "$t" >"$WORK/ingest.out" 2>&1 || fail "ingest: $(cat "$WORK/ingest.out")"
clean "$WORK/ingest.out" "ingest"
[ -f "$db" ] || fail "no database $db"

"$ML" stats "$t" >"$WORK/stats1.out" 2>&1 || fail "stats of the trace: $(head -3 "$WORK/stats1.out")"
clean "$WORK/stats1.out" "stats TRACE"
grep -q 'START\\x1b\[2J\\x1b\[31m\\xc2\\x9b1m' "$WORK/stats1.out" || fail "stats TRACE: label not escaped as expected"
grep -q 'bin\\x1b\]0;title\\x07/prog' "$WORK/stats1.out" || fail "stats TRACE: exe path not escaped as expected"
"$ML" stats "$db" >"$WORK/stats2.out" 2>&1 || fail "stats of the database"
clean "$WORK/stats2.out" "stats DB"

"$ML" query "$db" "SELECT label FROM snapshots WHERE kind = 'user'" >"$WORK/q.out" 2>&1 || fail "query"
clean "$WORK/q.out" "query"
"$ML" query "$db" "SELECT no_such_column_$(printf '\033')x FROM processes" >"$WORK/qerr.out" 2>&1 &&
	fail "query of a bad column succeeded"
clean "$WORK/qerr.out" "query error"
# CSV into a file is data: the bytes stay
"$ML" query --csv "$db" "SELECT label FROM snapshots WHERE kind = 'user' ORDER BY seq LIMIT 1" >"$WORK/q.csv" ||
	fail "query --csv"
[ "$(sed -n 2p "$WORK/q.csv" | tr -d '\r')" = "START$tag" ] || fail "CSV in a file lost bytes: $(od -c "$WORK/q.csv" | head -3)"
# JSON: escaped by JSON itself (ESC as \u001b, the C1 CSI as \u009b)
"$ML" query --json "$db" "SELECT label FROM snapshots WHERE kind = 'user'" >"$WORK/q.json" || fail "query --json"
LC_ALL=C grep -q "$(printf '[\033\007]')" "$WORK/q.json" && fail "raw ESC in JSON"
LC_ALL=C grep -q "$(printf '\302\233')" "$WORK/q.json" && fail "raw C1 CSI in JSON"
grep -q 'u009b' "$WORK/q.json" || fail "JSON: C1 CSI not escaped: $(cat "$WORK/q.json")"

"$ML" check "$db" >"$WORK/check.out" 2>&1
[ $? -eq 1 ] || fail "check should fail (baseline_returned): $(tail -1 "$WORK/check.out")"
clean "$WORK/check.out" "check"
grep -q 'AFTER\\x1b\[2J' "$WORK/check.out" || fail "check: no escaped label in the evidence"

"$ML" report "$db" >"$WORK/report.out" 2>&1 || fail "report: $(cat "$WORK/report.out")"
clean "$WORK/report.out" "report"
# errors name files escaped too
"$ML" ingest "$WORK/x${ESC}y.mlt" >"$WORK/err.out" 2>&1 && fail "ingest of a missing file succeeded"
clean "$WORK/err.out" "ingest error"
exit 0
