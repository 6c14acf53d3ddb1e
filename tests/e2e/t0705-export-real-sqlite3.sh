#!/bin/sh
# Every export on a real program nobody here wrote (sqlite3 running a SQL
# workload): go tool pprof's totals equal the database's, ms_print's peak
# is the peak Alloc, folded sums equal the totals for every weight, and
# speedscope opens the JSON in Chromium without an error.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/export.sh"
. "$(dirname "$0")/lib/sqlite.sh"
command -v ms_print >/dev/null 2>&1 || skip "ms_print is not installed (make deps installs valgrind)"
need_go
need_chrome
need_speedscope

sqlite_workload "$WORK/work.sql" 5000
"$ML" run --interval 2 -o "$WORK/sq.mlt" -- sqlite3 -init /dev/null :memory: -cmd ".read $WORK/work.sql" ".quit" \
	>"$WORK/sq.out" 2>&1 || fail "sqlite3 under memledger exited $?"
load sq
DB=$WORK/sq.db

# pprof
export_ok pprof --format pprof -o "$WORK/sq.pb.gz" "$DB"
pprof_totals "$WORK/sq.pb.gz" "alloc_space SELECT total_alloc FROM snapshots WHERE label = 'exit'" \
	"alloc_objects SELECT mallocs FROM snapshots WHERE label = 'exit'" \
	"inuse_space SELECT alloc FROM snapshots WHERE label = 'exit'" \
	"inuse_objects SELECT heap_objects FROM snapshots WHERE label = 'exit'"
pprof_top "$WORK/sq.pb.gz" alloc_space | grep -q 'sqlite3_malloc\|sqlite3MemMalloc\|sqlite3Malloc' ||
	fail "go tool pprof names no sqlite3 allocator function"

# massif
export_ok massif --format massif -o "$WORK/sq.massif" "$DB"
ms_print "$WORK/sq.massif" >"$WORK/sq.ms" 2>"$WORK/ms.err" || fail "ms_print failed: $(head -1 "$WORK/ms.err")"
n=$(sed -n 's/^ Detailed snapshots: \[.*[[ ]\([0-9]*\) (peak).*/\1/p' "$WORK/sq.ms")
got=$(awk -v n="$n" '$1 == n && $2 ~ /^[0-9.,]+$/ { gsub(",", "", $3); print $3; exit }' "$WORK/sq.ms")
want=$(q "$DB" "SELECT max(alloc) FROM snapshots")
[ -n "$n" ] && [ "$got" = "$want" ] || fail "ms_print's peak (snapshot $n) is $got B, the peak Alloc $want B"

# folded, every weight
for pair in "bytes bytes" "allocs allocs" "live live_bytes" "live-allocs live_allocs" \
	"lost lost_bytes" "indirect indirect_bytes"; do
	set -- $pair
	export_ok "$1" --format folded --weight "$1" -o "$WORK/$1.folded" "$DB"
	[ -s "$WORK/$1.folded" ] && check_folded "$WORK/$1.folded"
	got=$(awk '{ s += $NF } END { printf "%d\n", s }' "$WORK/$1.folded")
	want=$(dbsum "$DB" "SELECT sum($2) FROM sites")
	[ "$got" = "$want" ] || fail "folded --weight $1 sums to $got, sites.$2 to $want"
done

# speedscope
export_ok speedscope --format speedscope -o "$WORK/sq.speedscope.json" "$DB"
speedscope_load "$WORK/sq.speedscope.json"
exit 0
