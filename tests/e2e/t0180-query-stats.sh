#!/bin/sh
# query's three formats, SQL errors, and stats on a trace and a database.
. "$(dirname "$0")/lib/common.sh"
trace c "$PROGS/counts"
load c
DB=$WORK/c.db
"$ML" query "$DB" "SELECT 1 AS one, 'a b' AS two, NULL AS three" >"$WORK/t" || fail "table query failed"
[ "$(sed -n 1p "$WORK/t")" = "one  two  three" ] || fail "table header: $(sed -n 1p "$WORK/t")"
[ "$(sed -n 2p "$WORK/t")" = "1    a b  NULL" ] || fail "table row: $(sed -n 2p "$WORK/t")"
"$ML" query --csv "$DB" "SELECT 'x,y' AS a, 'say \"hi\"' AS b, NULL AS c" | tr -d '\r' >"$WORK/c"
[ "$(sed -n 2p "$WORK/c")" = '"x,y","say ""hi""",' ] || fail "csv quoting: $(sed -n 2p "$WORK/c")"
"$ML" query --json "$DB" "SELECT label, mallocs, alloc_cpu_fraction FROM snapshots WHERE kind != 'sample'" >"$WORK/j" || fail "json query failed"
"$PY" -c 'import json,sys; rows=json.load(open(sys.argv[1])); assert rows[0]["label"]=="start" and isinstance(rows[0]["mallocs"], int), rows' "$WORK/j" ||
	fail "json output is not the rows"
"$ML" query "$DB" "SELEC nonsense" 2>"$WORK/e" >/dev/null; [ $? -eq 1 ] || fail "bad SQL should exit 1"
grep -q "^memledger: .*SQL error" "$WORK/e" || fail "bad SQL: no one-line error"
"$ML" query "$WORK/c.mlt" "SELECT 1" 2>"$WORK/e" >/dev/null; [ $? -eq 1 ] || fail "query on a trace should fail"

for src in "$WORK/c.mlt" "$DB"; do
	"$ML" stats "$src" >"$WORK/s" || fail "stats $src failed"
	for m in Alloc TotalAlloc Sys HeapInuse HeapIdle StackInuse HeapObjects Mallocs Frees Live NumGC GCCPUFraction; do
		grep -q "^$m " "$WORK/s" || fail "stats $src lacks $m"
	done
	grep -q "=== memledger: B at" "$WORK/s" || fail "stats $src lacks the B block"
	grep -q "^Mallocs *= 30  (+30)" "$WORK/s" || fail "stats $src: B's Mallocs delta against A"
	grep -q "^AllocRate.* since A" "$WORK/s" || fail "stats $src: no allocation rate"
done
exit 0
