#!/bin/sh
# export --format massif: ms_print reads it; its peak is the database's
# peak Alloc, here on a periodic sample between the program's snapshots;
# the peak's heap tree names the function that held the memory; the
# program's snapshots are detailed (all from a database loaded with
# --allocations all); and without a row per allocation (the default mode,
# or --allocations none) the export still works and says why the peak has
# no tree.
. "$(dirname "$0")/lib/common.sh"
ALLOCS="--allocations all"
. "$(dirname "$0")/lib/export.sh"
command -v ms_print >/dev/null 2>&1 || skip "ms_print is not installed (make deps installs valgrind)"

"$ML" run --interval 5 -o "$WORK/peak.mlt" -- "$PROGS/export_peak" >"$WORK/run.out" 2>&1 ||
	fail "export_peak exited $?"
load peak
DB=$WORK/peak.db
peak=$(q "$DB" "SELECT max(alloc) FROM snapshots")
[ "$peak" = 1049576 ] || fail "peak Alloc is $peak, export_peak makes 1049576"
[ "$(q "$DB" "SELECT kind FROM snapshots WHERE alloc = $peak ORDER BY kind = 'sample' LIMIT 1")" = sample ] ||
	skip "no periodic sample caught the peak (a very loaded machine?)"

# ms_print_peak FILE: "N TOTAL" of the snapshot ms_print calls the peak
ms_print_peak() {
	ms_print "$1" >"$1.txt" 2>"$1.err" || fail "ms_print failed on $1: $(head -1 "$1.err")"
	n=$(sed -n 's/^ Detailed snapshots: \[.*[[ ]\([0-9]*\) (peak).*/\1/p' "$1.txt")
	[ -n "$n" ] || fail "ms_print names no peak snapshot in $1"
	total=$(awk -v n="$n" '$1 == n && $2 ~ /^[0-9.,]+$/ { gsub(",", "", $3); print $3; exit }' "$1.txt")
	echo "$n $total"
}

export_ok peak --format massif -o "$WORK/peak.massif" "$DB"
set -- $(ms_print_peak "$WORK/peak.massif")
[ "$2" = "$peak" ] || fail "ms_print's peak is $2 B, the database's peak Alloc $peak B"
# the peak's tree (from the allocations rows) names peak_holder with its 1 MiB
awk -v n="$1" '$1 == n && $2 ~ /^[0-9.]+$/ { on = 1; next } on && /^-----/ { exit } on' \
	"$WORK/peak.massif.txt" >"$WORK/peak.tree"
grep -q '^->[0-9.]*% (1,048,576B) 0x[0-9A-F]*: peak_holder' "$WORK/peak.tree" ||
	fail "the peak tree does not hold peak_holder's 1 MiB: $(head -5 "$WORK/peak.tree")"
grep -q 'peak_holder (tests/programs/export_peak.c:[0-9]*)' "$WORK/peak.tree" ||
	fail "the peak tree does not name peak_holder with its file and line"
# the program's own snapshots are detailed; after the release steady() holds 1000 B
grep -q '^heap_tree=peak$' "$WORK/peak.massif" || fail "no heap_tree=peak"
[ "$(grep -c '^heap_tree=detailed$' "$WORK/peak.massif")" -ge 3 ] ||
	fail "start, START, AFTER and exit should be detailed snapshots"
grep -q '100.00% (1,000B) 0x[0-9A-F]*: steady (tests/programs/export_peak.c' "$WORK/peak.massif.txt" ||
	fail "no detailed snapshot shows steady's 1000 B as all of the heap"

# without a row per allocation (the default mode keeps the blocks live at
# exit, --allocations none no rows) the peak stays exact
for mode in live none; do
	"$ML" ingest -q --allocations $mode -o "$WORK/$mode.db" "$WORK/peak.mlt" >"$WORK/$mode.ingest" 2>&1 ||
		fail "ingest --allocations $mode: $(head -1 "$WORK/$mode.ingest")"
	export_ok $mode --format massif -o "$WORK/$mode.massif" "$WORK/$mode.db"
	set -- $(ms_print_peak "$WORK/$mode.massif")
	[ "$2" = "$peak" ] || fail "--allocations $mode: ms_print's peak is $2 B, want $peak B"
	grep -q 'no per-site figures at this sample: .*--allocations all' "$WORK/$mode.massif" ||
		fail "--allocations $mode: the peak tree does not say why it is empty"
done
exit 0
