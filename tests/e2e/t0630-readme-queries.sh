#!/bin/sh
# Issue 10: the README's `stack_id = 42` example returned nothing. Every SQL
# example of the README runs on a real database (tests/programs/
# leak_classes.c: lost, indirect and reachable blocks) and returns rows:
# loaded in the default mode, or, for an example that says it needs
# `ingest --allocations all`, loaded so.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"

traced l "$PROGS/leak_classes"
"$ML" ingest -q --allocations all -o "$WORK/all.db" "$WORK/l.mlt" >"$WORK/all.err" 2>&1 ||
	fail "ingest --allocations all: $(head -1 "$WORK/all.err")"
"$PY" - README.md "$WORK/q" <<'PY' || fail "could not read the README's examples"
import re, sys
blocks = re.findall(r"```sql\n(.*?)```", open(sys.argv[1]).read(), re.S)
if len(blocks) < 4:
    sys.exit("only %d SQL examples" % len(blocks))
for i, b in enumerate(blocks):
    open("%s%d.sql" % (sys.argv[2], i), "w").write(" ".join(b.split()))
PY
n=0
for f in "$WORK"/q*.sql; do
	db=$WORK/l.db
	grep -q -- "--allocations all" "$f" && db=$WORK/all.db
	rows=$("$ML" query --csv "$db" "$(cat "$f")" 2>"$WORK/q.err" | tail -n +2 | wc -l)
	[ -s "$WORK/q.err" ] && fail "README example fails: $(cat "$f"): $(head -1 "$WORK/q.err")"
	[ "$rows" -ge 1 ] || fail "README example returns nothing: $(cat "$f")"
	n=$((n + 1))
done
[ "$n" -ge 4 ] || fail "ran $n examples"
exit 0
