#!/bin/sh
# tests/programs/leak_classes_cxx.cc: as t0320, for new, new[] and standard
# containers. memledger matches valgrind per site and in total; the header's
# numbers (valgrind): lost 5 / 212 B, indirect 4 / 289, reachable 6 / 288
# (one through its newarray heuristic, one through multipleinheritance),
# possible 1 / 40. libstdc++'s
# emergency pool is a runtime block, never evidence: global_references
# fails with the reachable_* sites as evidence, nothing else.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"
. "$(dirname "$0")/lib/leakcmp.sh"

leak_compare lc "$PROGS/leak_classes_cxx"
want="valgrind: lost 5/212 indirect 4/289 reachable 6/288 possible 1/40"
[ "$(tail -1 "$WORK/lc.cmp")" = "$want" ] ||
	fail "lc: valgrind's totals are not the header's ($want): $(tail -1 "$WORK/lc.cmp")"
expect lc "SELECT status FROM checklist WHERE item = 'global_references'" fail "global_references"
# the evidence stacks lead to the reachable_* functions, and to nothing else
expect lc "SELECT group_concat(function, ' ') FROM (SELECT DISTINCT f.function FROM checklist_evidence e
	JOIN stacks st ON st.stack_id = e.stack_id JOIN frames f ON f.id = st.frame_id
	WHERE e.item = 'global_references' AND (f.function LIKE 'reachable%' OR f.function LIKE 'lost%'
	OR f.function LIKE 'freed%' OR f.function LIKE 'possible%') ORDER BY 1)" "reachable_counted() reachable_derived() reachable_doubles() reachable_vector() reachable_widget()" "functions in global_references evidence stacks"
expect lc "SELECT count(*) FROM checklist_evidence e JOIN sites s ON s.stack_id = e.stack_id
	WHERE e.item = 'global_references' AND s.runtime = 1" 0 "runtime sites in global_references evidence"
exit 0
