#!/bin/sh
# partition_demo --leak-global: names interned before START in a global
# table that is never freed. Only global_references fails; the evidence is
# names_intern's 9 blocks (calloc(8, 8) and 8 x malloc(24)), 256 bytes.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"
. "$(dirname "$0")/lib/demo.sh"

demo d --leak-global
expect_items d global_references
expect_check d
expect d "SELECT detail LIKE '9 blocks (256 B) from 2 sites %' FROM checklist WHERE item = 'global_references'" 1 \
	"global_references detail: $(q "$WORK/d.db" "SELECT detail FROM checklist WHERE item = 'global_references'")"
expect d "SELECT count(*) || ' ' || sum(value) FROM checklist_evidence WHERE item = 'global_references'
	AND text LIKE '% from names_intern (%'" "2 256" "global_references evidence naming names_intern"
expect d "SELECT count(*) FROM checklist_evidence WHERE item = 'global_references'" 2 "global_references evidence rows"
exit 0
