#!/bin/sh
# tests/programs/leak_classes.c: memledger's lost, indirect and reachable
# blocks and bytes match valgrind memcheck's definitely lost, indirectly
# lost and still reachable, per site (the program's own frames up to main)
# and in total; a stale pointer or two may move blocks to or from
# reachable (see lib/leakcmp.py). valgrind must see the header's numbers: lost 3
# blocks / 196 B, indirect 4 / 240, reachable 6 / 1020, and
# global_references fails with the reachable_* sites as evidence.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"
. "$(dirname "$0")/lib/leakcmp.sh"

leak_compare lc "$PROGS/leak_classes"
want="valgrind: lost 3/196 indirect 4/240 reachable 7/1092 possible 2/176"
[ "$(tail -1 "$WORK/lc.cmp")" = "$want" ] ||
	fail "lc: valgrind's totals are not the header's ($want): $(tail -1 "$WORK/lc.cmp")"
expect lc "SELECT status FROM checklist WHERE item = 'global_references'" fail "global_references"
# the evidence stacks lead to the reachable_* functions, and to nothing else
expect lc "SELECT group_concat(function, ' ') FROM (SELECT DISTINCT f.function FROM checklist_evidence e
	JOIN stacks st ON st.stack_id = e.stack_id JOIN frames f ON f.id = st.frame_id
	WHERE e.item = 'global_references' AND (f.function LIKE 'reachable%' OR f.function LIKE 'lost%'
	OR f.function LIKE 'freed%' OR f.function LIKE 'possible%') ORDER BY 1)" "reachable_bss reachable_data reachable_length64 reachable_list reachable_tls" "functions in global_references evidence stacks"
# the possibly lost blocks are not references, and the detail says so
expect lc "SELECT detail LIKE '%Not counted: 2 blocks (176 B) reached only through pointers into their middle%'
	FROM checklist WHERE item = 'global_references'" 1 "global_references names the possibly lost blocks"
expect lc "SELECT count(*) FROM checklist_evidence e JOIN sites s ON s.stack_id = e.stack_id
	WHERE e.item = 'global_references' AND s.runtime = 1" 0 "runtime sites in global_references evidence"
exit 0
