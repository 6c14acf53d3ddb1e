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

leak_classes lc "$PROGS/leak_classes_cxx" "valgrind: lost 5/212 indirect 4/289 reachable 6/288 possible 1/40" \
	"reachable_counted() reachable_derived() reachable_doubles() reachable_vector() reachable_widget()"
exit 0
