#!/bin/sh
# Issue 10, "The page", in words: singular nouns for one ("1 block", "1
# thread at most", never "1 blocks", "1 threads") on the page and in the
# CLI's output; a big rise in readable form ("257 times as much", never
# "+25600%"); containers_cleared on a program without snapshots names the
# samples by time and only where the value changed (never "sample 0 B ->
# sample 0 B ..."); and a symbol of 2 MB is capped on the page (which stays
# small) while the database keeps it whole.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"
. "$(dirname "$0")/lib/report.sh"
TOOL=$ML

PLURAL='(^|[^0-9.,])1 (blocks|threads|allocations|objects|sites|call sites|snapshots|frames|times|items|events|processes|descriptors)\b'

# one lost block, one thread
traced s "$PROGS/plant_small_leak"
"$ML" report -o "$WORK/s.html" "$WORK/s.db" >"$WORK/s.report" 2>&1 || fail "report: $(head -1 "$WORK/s.report")"
grep -q '1 thread at most' "$WORK/s.html" || fail "the page does not say '1 thread at most'"
grep -q '>1 block<' "$WORK/s.html" || fail "the page does not say '1 block'"
"$ML" check "$WORK/s.db" >"$WORK/s.check" 2>&1
"$ML" stats "$WORK/s.db" >"$WORK/s.stats" 2>&1 || fail "stats failed"
"$ML" ingest -o "$WORK/s2.db" "$WORK/s.mlt" >"$WORK/s.ingest" 2>&1 || fail "ingest failed"
# the flame graphs (report/flame.c, "1 allocations" in their tooltips) are another task's
"$PY" -c 'import re, sys
print(re.sub(r"<svg[^>]*class=\"flame\".*?</svg>", "", open(sys.argv[1], encoding="utf-8").read(), flags=re.S))' \
	"$WORK/s.html" >"$WORK/s.page"
for f in s.page s.check s.stats s.ingest s.err; do
	if grep -Eo "$PLURAL" "$WORK/$f" >"$WORK/plural"; then
		fail "$f: $(head -1 "$WORK/plural")"
	fi
done

# 4 KiB held, 1 MiB lost
trace b "$PROGS/plant_small_leak" --big
load b
"$ML" report -o "$WORK/b.html" "$WORK/b.db" >/dev/null 2>&1 || fail "report failed"
grep -q '257 times as much' "$WORK/b.html" || fail "the page does not say '257 times as much'"
grep -Eq '[0-9]{4,}(\.[0-9])?%' "$WORK/b.html" && fail "a percentage of four digits: $(grep -Eo '.{30}[0-9]{4,}(\.[0-9])?%' "$WORK/b.html" | head -1)"
check_page "$WORK/b.html" "$WORK/b.db"

# containers_cleared without snapshots
traced g "$PROGS/grow_nosnap"
expect g "SELECT status FROM checklist WHERE item = 'containers_cleared'" fail "containers_cleared"
val g "SELECT text FROM checklist_evidence WHERE item = 'containers_cleared'"
case $V in *sample*) fail "the evidence names samples: $V" ;; esac
case $V in *" at "*ms*) ;; *) fail "the evidence does not give the samples' times: $V" ;; esac
arrows=$(printf '%s' "$V" | grep -o ' -> ' | wc -l)
[ "$arrows" -le 6 ] || fail "the evidence has $arrows steps: $V"

# a 2 MB symbol: the database keeps it, the page caps it
"$ML" report -o "$WORK/s0.html" "$WORK/s.db" >/dev/null 2>&1 || fail "report failed"
sqlite3 "$WORK/s.db" "UPDATE frames SET function = 'huge<' || replace(hex(zeroblob(250000)), '0', 'int,') || '>::f(int)'
	WHERE id IN (SELECT frame_id FROM stacks WHERE stack_id = (SELECT stack_id FROM sites WHERE runtime = 0
	ORDER BY bytes DESC LIMIT 1) ORDER BY depth LIMIT 1)" || fail "could not plant the symbol"
[ "$(q "$WORK/s.db" "SELECT max(length(function)) > 2000000 FROM frames")" = 1 ] || fail "no 2 MB symbol planted"
"$ML" report -o "$WORK/s1.html" "$WORK/s.db" >/dev/null 2>&1 || fail "report with a 2 MB symbol failed"
a=$(wc -c <"$WORK/s0.html")
b=$(wc -c <"$WORK/s1.html")
[ "$b" -lt $((a + 100000)) ] || fail "a 2 MB symbol made the page grow from $a to $b bytes"
grep -q 'more bytes)' "$WORK/s1.html" || fail "the page does not say the name was cut"
exit 0
