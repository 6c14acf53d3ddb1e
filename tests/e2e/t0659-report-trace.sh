#!/bin/sh
# `report x.mlt` says to run ingest first (issue 10), and writes nothing;
# check and query given a trace say the same. On the old code report said
# "not a memledger database: file is not a database".
. "$(dirname "$0")/lib/common.sh"

trace x "$PROGS/counts"
[ "$RC" -eq 0 ] || fail "run: $RC"
"$ML" report "$WORK/x.mlt" >"$WORK/r.out" 2>&1
[ $? -eq 1 ] || fail "report TRACE: want exit 1: $(cat "$WORK/r.out")"
grep -qF "memledger: $WORK/x.mlt: a trace, not a database: load it first with \`memledger ingest $WORK/x.mlt\`, then \`memledger report $WORK/x.db\`" \
	"$WORK/r.out" || fail "report TRACE: $(cat "$WORK/r.out")"
ls "$WORK"/*.html >/dev/null 2>&1 && fail "report TRACE wrote a page"
for c in check query; do
	if [ $c = query ]; then "$ML" query "$WORK/x.mlt" "SELECT 1" >"$WORK/c.out" 2>&1; else "$ML" check "$WORK/x.mlt" >"$WORK/c.out" 2>&1; fi
	[ $? -ne 0 ] || fail "$c TRACE succeeded"
	grep -qF "memledger: $WORK/x.mlt: a memledger trace, not a database: load it first with \`memledger ingest\`" "$WORK/c.out" ||
		fail "$c TRACE: $(cat "$WORK/c.out")"
done
exit 0
