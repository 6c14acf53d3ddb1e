# The aggregate tables of a database, for comparing ingest modes
# (ingest --allocations all|live|none). Sourced after common.sh.
#
#   aggregates DB   print every table but allocations, scan_leaks and meta,
#                   each sorted, as CSV (stdout)
#   same_aggregates A.db B.db WHAT
#                   fail unless both print the same, naming the first
#                   table that differs

AGG_TABLES="processes snapshots sites site_snapshots site_histograms timeline threads resources
 checklist checklist_evidence verdicts stacks frames modules"

aggregates() {
	for t in $AGG_TABLES; do
		echo "== $t"
		"$ML" query --csv "$1" "SELECT * FROM $t" | sort || echo "query of $t failed"
	done
}

same_aggregates() {
	aggregates "$1" >"$WORK/agg.a" 2>&1
	aggregates "$2" >"$WORK/agg.b" 2>&1
	if ! cmp -s "$WORK/agg.a" "$WORK/agg.b"; then
		diff "$WORK/agg.a" "$WORK/agg.b" | head -5
		t=$(diff "$WORK/agg.a" "$WORK/agg.b" | head -1 | cut -d, -f1 | tr -dc 0-9)
		fail "$3: aggregate tables differ (first near line $t: $(grep -n '^== ' "$WORK/agg.a" |
			awk -F: -v l="$t" '$1 <= l { n = $2 } END { print n }'))"
	fi
}
