#!/bin/sh
# export --format massif: ms_print reads it; its peak is the database's
# peak Alloc, here on a periodic sample between the program's snapshots;
# the peak's heap tree names the function that held the memory; the
# program's snapshots are detailed; and with no allocations rows (a
# database loaded without them) the export still works and says why the
# peak has no tree.
. "$(dirname "$0")/lib/common.sh"
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

# without allocations rows (what ingest --allocations none keeps) the peak stays exact
cp "$DB" "$WORK/none.db"
"$PY" -c 'import sqlite3, sys; d = sqlite3.connect(sys.argv[1]); d.execute("DELETE FROM allocations"); d.commit()' "$WORK/none.db"
export_ok none --format massif -o "$WORK/none.massif" "$WORK/none.db"
set -- $(ms_print_peak "$WORK/none.massif")
[ "$2" = "$peak" ] || fail "without allocations rows ms_print's peak is $2 B, want $peak B"
grep -q 'no per-site figures at this sample' "$WORK/none.massif" ||
	fail "the peak tree without allocations rows does not say why it is empty"
exit 0
