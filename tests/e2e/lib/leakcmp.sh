# Shared by t0320 and t0321. Sourced after common.sh and checklist.sh.
#
#   leak_compare NAME PROG   run PROG under valgrind memcheck and under
#                            memledger, and compare the lost, indirect,
#                            possible and reachable blocks and bytes per site and in
#                            total (tests/e2e/lib/leakcmp.py)
#   leak_classes NAME PROG TOTALS FUNCTIONS
#                            leak_compare NAME PROG; valgrind's totals are
#                            TOTALS (the program header's numbers);
#                            global_references fails, its evidence stacks
#                            lead to the FUNCTIONS (reachable_*) and to no
#                            other lost*, freed*, possible* or reachable*
#                            function, and no runtime site is evidence

leak_compare() {
	_name=$1
	_prog=$2
	command -v valgrind >/dev/null 2>&1 || skip "valgrind is not installed"
	valgrind -q --leak-check=full --show-leak-kinds=all --error-exitcode=99 --errors-for-leak-kinds=none \
		--xml=yes --xml-file="$WORK/$_name.vg.xml" "$_prog" >"$WORK/$_name.vg.out" 2>&1
	_rc=$?
	[ $_rc -eq 0 ] || fail "$_name: valgrind exited $_rc: $(head -1 "$WORK/$_name.vg.out")"
	traced "$_name" "$_prog"
	expect "$_name" "SELECT scanned FROM processes" 1 "an exit scan ran"
	"$ML" query --json "$WORK/$_name.db" "SELECT stack_id, lost_allocs, lost_bytes, indirect_allocs,
		indirect_bytes, reachable_allocs, reachable_bytes, possible_allocs, possible_bytes
		FROM sites WHERE live_allocs > 0" \
		>"$WORK/$_name.sites.json" 2>"$WORK/q.err" || fail "$_name: query sites: $(head -1 "$WORK/q.err")"
	"$ML" query --json "$WORK/$_name.db" "SELECT st.stack_id, st.depth, f.module, f.function FROM stacks st
		JOIN frames f ON f.id = st.frame_id WHERE st.stack_id IN (SELECT stack_id FROM sites WHERE live_allocs > 0)" \
		>"$WORK/$_name.frames.json" 2>"$WORK/q.err" || fail "$_name: query frames: $(head -1 "$WORK/q.err")"
	"$PY" "$ROOT/tests/e2e/lib/leakcmp.py" "$WORK/$_name.vg.xml" "$WORK/$_name.sites.json" \
		"$WORK/$_name.frames.json" "$_prog" >"$WORK/$_name.cmp" 2>"$WORK/$_name.cmp.err"
	_rc=$?
	[ $_rc -eq 0 ] || fail "$_name: memledger and valgrind differ: $(tr '\n' ';' <"$WORK/$_name.cmp")$(head -1 "$WORK/$_name.cmp.err")"
	cat "$WORK/$_name.cmp.err" >&2
}

leak_classes() {
	leak_compare "$1" "$2"
	[ "$(tail -1 "$WORK/$1.cmp")" = "$3" ] ||
		fail "$1: valgrind's totals are not the header's ($3): $(tail -1 "$WORK/$1.cmp")"
	expect "$1" "SELECT status FROM checklist WHERE item = 'global_references'" fail "global_references"
	# the evidence stacks lead to the reachable_* functions, and to nothing else
	expect "$1" "SELECT group_concat(function, ' ') FROM (SELECT DISTINCT f.function FROM checklist_evidence e
		JOIN stacks st ON st.stack_id = e.stack_id JOIN frames f ON f.id = st.frame_id
		WHERE e.item = 'global_references' AND (f.function LIKE 'reachable%' OR f.function LIKE 'lost%'
		OR f.function LIKE 'freed%' OR f.function LIKE 'possible%') ORDER BY 1)" "$4" "functions in global_references evidence stacks"
	expect "$1" "SELECT count(*) FROM checklist_evidence e JOIN sites s ON s.stack_id = e.stack_id
		WHERE e.item = 'global_references' AND s.runtime = 1" 0 "runtime sites in global_references evidence"
}
