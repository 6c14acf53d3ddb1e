#!/bin/sh
# tests/programs/plant_global_references.c: a global label table built
# before START and never freed. Only global_references fails: 9 blocks,
# 320 bytes, from labels_build (calloc(8, 8) and 8 x malloc(32)),
# reachable at exit. valgrind: still reachable 64 B in 1 block and 256 B
# in 8 blocks.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"

planted p "$PROGS/plant_global_references" global_references

expect p "SELECT detail LIKE '9 blocks (320 B) from 2 sites %' FROM checklist WHERE item = 'global_references'" 1 \
	"global_references detail: $(q "$WORK/p.db" "SELECT detail FROM checklist WHERE item = 'global_references'")"
expect p "SELECT group_concat(text, ' | ') FROM (SELECT text FROM checklist_evidence
	WHERE item = 'global_references' ORDER BY value DESC)" \
	"8 blocks (256 B) from labels_build (tests/programs/plant_global_references.c:38) still reachable at exit | 1 block (64 B) from labels_build (tests/programs/plant_global_references.c:34) still reachable at exit" \
	"global_references evidence"
expect p "SELECT group_concat(n, ' ') FROM (SELECT reachable_allocs || 'x' || reachable_bytes n FROM sites
	WHERE function = 'labels_build' AND lost_allocs = 0 AND indirect_allocs = 0 ORDER BY reachable_bytes)" \
	"1x64 8x256" "labels_build sites: reachable blocks x bytes"
exit 0
