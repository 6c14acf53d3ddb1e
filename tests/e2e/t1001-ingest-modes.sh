#!/bin/sh
# ingest --allocations all|live|none: every table but `allocations` (and
# scan_leaks, which names rows) is identical whichever mode loads a trace,
# on several programs: exact counts, 8 threads freeing each other's
# blocks, a clean multi-threaded service with phases, leak classes from
# the exit scan, a mid-run scan, and a forked child.
#  - all: one row per allocation;
#  - live (the default): the rows of `all` that are live at exit, same
#    ids, same leak class; plus the blocks a mid-run scan classified,
#    with the same scan_leaks;
#  - none: no rows and no scan_leaks.
# meta 'allocations' names the mode, 'mixed' once two modes share a database.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/modes.sh"

rows() {  # DB WHERE
	"$ML" query --csv "$1" "SELECT id, addr, size, kind, alloc_ns, free_ns, alloc_tid, free_tid, stack_id, leak,
		temporary FROM allocations WHERE $2 ORDER BY id"
}

check() {  # NAME: its traces in $WORK/NAME*.mlt
	n=$1
	for mode in all live none; do
		rm -f "$WORK/$n.$mode.db"
		"$ML" ingest -q --allocations $mode -o "$WORK/$n.$mode.db" "$WORK/$n".*mlt >"$WORK/$n.$mode.err" 2>&1 ||
			fail "$n: ingest --allocations $mode: $(head -1 "$WORK/$n.$mode.err")"
		[ "$(q "$WORK/$n.$mode.db" "SELECT value FROM meta WHERE key = 'allocations'")" = $mode ] ||
			fail "$n: meta does not say $mode"
	done
	"$ML" ingest -q -o "$WORK/$n.default.db" "$WORK/$n".*mlt >/dev/null 2>&1 || fail "$n: default ingest failed"
	[ "$(q "$WORK/$n.default.db" "SELECT value FROM meta WHERE key = 'allocations'")" = live ] ||
		fail "$n: the default mode is not live"
	A=$WORK/$n.all.db L=$WORK/$n.live.db N=$WORK/$n.none.db
	same_aggregates "$A" "$L" "$n: all against live"
	same_aggregates "$A" "$N" "$n: all against none"
	total=$(q "$A" "SELECT count(*) FROM allocations")
	mallocs=$(q "$A" "SELECT sum(mallocs) FROM snapshots WHERE kind = 'exit'")
	[ "$total" -gt 0 ] || fail "$n: --allocations all wrote no rows"
	rows "$A" "free_ns IS NULL" >"$WORK/a.rows"
	rows "$L" "free_ns IS NULL" >"$WORK/l.rows"
	cmp -s "$WORK/a.rows" "$WORK/l.rows" ||
		fail "$n: the live rows differ from the rows of all with free_ns NULL: $(diff "$WORK/a.rows" "$WORK/l.rows" | head -3)"
	rows "$A" "id IN (SELECT allocation_id FROM scan_leaks) AND free_ns IS NOT NULL" >"$WORK/a.rows"
	rows "$L" "free_ns IS NOT NULL" >"$WORK/l.rows"
	cmp -s "$WORK/a.rows" "$WORK/l.rows" || fail "$n: live mode's freed rows are not the blocks a scan classified"
	sl="SELECT process_id, snapshot_seq, allocation_id, leak FROM scan_leaks ORDER BY 1, 2, 3, 4"
	[ "$("$ML" query --csv "$A" "$sl")" = "$("$ML" query --csv "$L" "$sl")" ] || fail "$n: scan_leaks differ"
	[ "$(q "$N" "SELECT (SELECT count(*) FROM allocations) + (SELECT count(*) FROM scan_leaks)")" = 0 ] ||
		fail "$n: --allocations none wrote rows"
	echo "$n: $total rows in all, $(q "$L" "SELECT count(*) FROM allocations") in live, aggregates identical"
}

trace counts "$PROGS/counts"
check counts
trace threads8 "$PROGS/threads8"
[ "$RC" = 0 ] || fail "threads8 exited $RC"
check threads8
"$ML" run --interval 5 -o "$WORK/clean.mlt" -- "$PROGS/clean_mt" >/dev/null 2>&1 || fail "clean_mt failed"
check clean
trace leaks "$PROGS/leak_classes"
check leaks
[ "$(q "$WORK/leaks.live.db" "SELECT count(*) FROM allocations WHERE leak = 'lost'")" -gt 0 ] ||
	fail "leak_classes: no lost block in the default mode"
trace scan "$PROGS/scan_midrun"
check scan
[ "$(q "$WORK/scan.live.db" "SELECT count(*) FROM scan_leaks")" -gt 0 ] || fail "scan_midrun: no scan_leaks in live mode"
trace fork "$PROGS/forkexec" fork
check fork

# two modes in one database
"$ML" ingest -q --allocations all -o "$WORK/mixed.db" "$WORK/counts.mlt" >/dev/null 2>&1 || fail "mixed: first"
"$ML" ingest -q -o "$WORK/mixed.db" "$WORK/threads8.mlt" >/dev/null 2>&1 || fail "mixed: second"
[ "$(q "$WORK/mixed.db" "SELECT value FROM meta WHERE key = 'allocations'")" = mixed ] ||
	fail "a database loaded in two modes does not say mixed"
"$ML" ingest --allocations some "$WORK/counts.mlt" >/dev/null 2>"$WORK/bad.err" && fail "--allocations some accepted"
grep -q "all, live or none" "$WORK/bad.err" || fail "--allocations some: $(head -1 "$WORK/bad.err")"
exit 0
