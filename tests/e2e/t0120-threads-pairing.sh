#!/bin/sh
# Acceptance 2 (issue 2): 8 threads with cross-thread frees and immediate
# address reuse give exact counts, and no allocation has free_ns < alloc_ns.
. "$(dirname "$0")/lib/common.sh"
# reads the rows of freed blocks: every allocation gets one
ALLOCS="--allocations all"

for i in 1 2 3; do
	trace t8 "$PROGS/threads8"
	[ "$RC" -eq 0 ] || fail "threads8 exited $RC"
	load t8
	DB=$WORK/t8.db
	exp=$(grep '^expect' "$WORK/t8.out")
	for kv in $exp; do case "$kv" in *=*) eval "want_${kv%%=*}=${kv#*=}" ;; esac; done
	got=$(q "$DB" "SELECT (b.mallocs-a.mallocs)||' '||(b.frees-a.frees)
	 FROM snapshots a, snapshots b WHERE a.label='BEGIN' AND b.label='END'")
	[ "$got" = "$want_mallocs $want_frees" ] || fail "run $i: deltas BEGIN->END '$got', want '$want_mallocs $want_frees'"
	bad=$(q "$DB" "SELECT count(*) FROM allocations WHERE free_ns < alloc_ns")
	[ "$bad" = 0 ] || fail "run $i: $bad allocations freed before they were made"
	cross=$(q "$DB" "SELECT count(*) FROM allocations WHERE free_tid != alloc_tid")
	[ "$cross" -ge 1000 ] || fail "run $i: only $cross cross-thread frees paired"
	# every allocation is freed: pairing lost nothing
	live=$(q "$DB" "SELECT count(*) FROM allocations WHERE free_ns IS NULL")
	unk=$(q "$DB" "SELECT unknown_frees FROM processes")
	[ "$live" = 0 ] && [ "$unk" = 0 ] || fail "run $i: $live unfreed, $unk unpaired frees"
	# sizes freed equal sizes allocated at END: Alloc back to BEGIN
	d=$(q "$DB" "SELECT b.alloc - a.alloc FROM snapshots a, snapshots b WHERE a.label='BEGIN' AND b.label='END'")
	[ "$d" = 0 ] || fail "run $i: Alloc changed by $d between BEGIN and END"
done
exit 0
