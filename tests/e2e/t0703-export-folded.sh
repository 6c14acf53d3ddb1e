#!/bin/sh
# export --format folded: for every weight the values add up to the
# database's total (and to the run's own counters where there is one),
# the lines are well-formed folded stacks (flamegraph.pl and inferno's
# input: Debian 12 packages neither, so a checker below stands in),
# stacks run root first, C++ names keep their spaces, and --at LABEL
# moves "live".
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/export.sh"

traced_export cxx "$PROGS/leak_classes_cxx"

# sum FILE: the weights of a folded file
sum() { awk '{ s += $NF } END { printf "%d\n", s }' "$1"; }

for pair in "bytes bytes" "allocs allocs" "live live_bytes" "live-allocs live_allocs" \
	"lost lost_bytes" "indirect indirect_bytes"; do
	set -- $pair
	export_ok "$1" --format folded --weight "$1" -o "$WORK/$1.folded" "$DB"
	check_folded "$WORK/$1.folded"
	want=$(dbsum "$DB" "SELECT sum($2) FROM sites")
	got=$(sum "$WORK/$1.folded")
	[ "$got" = "$want" ] || fail "--weight $1 sums to $got, sites.$2 to $want"
	[ "$want" -gt 0 ] || fail "--weight $1: the database total is 0, the check checks nothing"
done
# the default weight is bytes allocated
export_ok default --format folded -o "$WORK/default.folded" "$DB"
cmp -s "$WORK/default.folded" "$WORK/bytes.folded" || fail "the default weight is not bytes"
# and the totals are the run's own counters: TotalAlloc, Mallocs, Alloc and HeapObjects at exit
for pair in "bytes total_alloc" "allocs mallocs" "live alloc" "live-allocs heap_objects"; do
	set -- $pair
	want=$(q "$DB" "SELECT $2 FROM snapshots WHERE label = 'exit'")
	[ "$(sum "$WORK/$1.folded")" = "$want" ] || fail "--weight $1 does not sum to $2 ($want)"
done
# valgrind's figures for this program (tests/programs/leak_classes_cxx.cc): 212 lost, 289 indirect
[ "$(sum "$WORK/lost.folded")" = 212 ] || fail "lost bytes $(sum "$WORK/lost.folded"), valgrind says 212"
[ "$(sum "$WORK/indirect.folded")" = 289 ] || fail "indirect bytes $(sum "$WORK/indirect.folded"), valgrind says 289"

# root first: every line starts where a thread starts (_start, or the loader
# running libstdc++'s initialisers) and ends at the allocator's caller
grep -v '^_start;\|^_dl_start_user;' "$WORK/bytes.folded" | head -1 | grep -q . &&
	fail "a stack does not start at its root: $(grep -v '^_start;\|^_dl_start_user;' "$WORK/bytes.folded" | head -1)"
grep -q '^_start;.*;main;lost_vector();.*;operator new(unsigned long) [0-9]*$' "$WORK/bytes.folded" ||
	fail "no stack runs _start ... main;lost_vector() ... operator new(unsigned long)"
# one line per distinct stack: no line repeats
[ "$(sed 's/ [0-9]*$//' "$WORK/bytes.folded" | sort | uniq -d | wc -l)" = 0 ] || fail "a stack appears twice"

# --at LABEL: live at a snapshot of leak_classes
trace lc "$PROGS/leak_classes"
load lc
export_ok at --format folded --weight live --at "LEAKS MADE" -o "$WORK/at.folded" "$WORK/lc.db"
want=$(q "$WORK/lc.db" "SELECT alloc FROM snapshots WHERE label = 'LEAKS MADE'")
[ "$(sum "$WORK/at.folded")" = "$want" ] || fail "--at 'LEAKS MADE' sums to $(sum "$WORK/at.folded"), Alloc there is $want"
exit 0
