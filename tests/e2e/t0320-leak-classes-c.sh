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

leak_classes lc "$PROGS/leak_classes" "valgrind: lost 3/196 indirect 4/240 reachable 7/1092 possible 2/176" \
	"reachable_bss reachable_data reachable_length64 reachable_list reachable_tls"
# the possibly lost blocks are not references, and the detail says so
expect lc "SELECT detail LIKE '%Not counted: 2 blocks (176 B) reached only through pointers into their middle%'
	FROM checklist WHERE item = 'global_references'" 1 "global_references names the possibly lost blocks"
exit 0
