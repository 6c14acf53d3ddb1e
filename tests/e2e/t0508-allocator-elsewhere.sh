#!/bin/sh
# Issue 9, allocations made elsewhere, and issue 10, non-glibc
# allocators. The tracer finds out whose malloc the program calls:
#  - a program with its own malloc: run warns, processes.hooks_bypassed
#    is 1, and every checklist item that judges allocations is n/a with
#    the reason; the page says so;
#  - an allocator preloaded ahead of memledger (jemalloc): the same;
#  - a program linked with jemalloc: every allocation is recorded, but
#    HeapInuse and HeapIdle are NULL (n/a), not 0, and the page says why.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/transparent.sh"
ALLOC_ITEMS="'containers_cleared','settle_time','global_references','baseline_returned'"

# page_says NAME WHAT TEXT SAYS: the report of $DB, $WORK/NAME.html, holds
# TEXT, else fail: "WHAT: the page does not say SAYS".
page_says() {
	"$ML" report -o "$WORK/$1.html" "$DB" >/dev/null 2>&1 || fail "$2: no report"
	grep -q "$3" "$WORK/$1.html" || fail "$2: the page does not say $4"
}

"$ML" run -o "$WORK/own.mlt" -- "$PROGS/lc_ownmalloc" >"$WORK/own.out" 2>"$WORK/own.err"
[ $? -eq 0 ] || fail "own malloc: run exited $?"
[ "$(cat "$WORK/own.out")" = "own allocator: used" ] || fail "own malloc: $(cat "$WORK/own.out")"
grep -q "^memledger: $PROGS/lc_ownmalloc: warning: pid [0-9]* calls this module's malloc, not memledger's" "$WORK/own.err" ||
	fail "own malloc: no warning: $(cat "$WORK/own.err")"
load own
DB=$WORK/own.db
expect "own malloc" "SELECT hooks_bypassed||' '||allocator||' '||allocator_glibc FROM processes" "1 $PROGS/lc_ownmalloc 0"
expect "own malloc" "SELECT count(*) FROM checklist WHERE item IN ($ALLOC_ITEMS) AND status = 'n/a' AND detail LIKE '%not memledger''s%'" 4
expect "own malloc" "SELECT count(*) FROM checklist WHERE item IN ('threads_stopped','threads_joined','timers_stopped','channels_closed') AND status = 'pass'" 4
expect "own malloc" "SELECT count(*) FROM snapshots WHERE heap_inuse IS NOT NULL OR heap_idle IS NOT NULL" 0
page_says own "own malloc" "not memledger's" "the hooks were bypassed"

JE=$(ls /usr/lib/*/libjemalloc.so.2 2>/dev/null | head -1)
[ -n "$JE" ] || skip "libjemalloc2 is not installed (make deps)"
cat >"$WORK/je.c" <<'EOF2'
#include <stdio.h>
#include <stdlib.h>
int main(void)
{
	void *volatile keep[100];
	for (int i = 0; i < 100; i++)
		keep[i] = malloc(1000);
	for (int i = 0; i < 100; i++)
		free(keep[i]);
	puts("ok");
	return 0;
}
EOF2
cc -O1 -fno-builtin -o "$WORK/je" "$WORK/je.c" "$JE" || fail "cannot link with jemalloc"
cc -O1 -fno-builtin -o "$WORK/plain" "$WORK/je.c" || fail "cannot build"

same linked -- "$WORK/je"
ingest_all linked
expect "linked" "SELECT hooks_bypassed||' '||allocator_glibc FROM processes" "0 0"
expect "linked" "SELECT sum(allocs) FROM sites WHERE bytes = allocs * 1000" 100
expect "linked" "SELECT count(*) FROM snapshots WHERE heap_inuse IS NOT NULL OR heap_idle IS NOT NULL" 0
expect "linked" "SELECT count(*) FROM checklist WHERE item = 'baseline_returned' AND status != 'n/a'" 1
page_says linked linked "not glibc's malloc" "HeapInuse is n/a"

"$ML" run -o "$WORK/pre.mlt" -- sh -c 'LD_PRELOAD="$0:$LD_PRELOAD" exec "$1"' "$JE" "$WORK/plain" >"$WORK/pre.out" 2>"$WORK/pre.err"
[ $? -eq 0 ] || fail "preloaded: run exited $?"
grep -q "^memledger: $JE: warning: pid [0-9]* calls this module's malloc" "$WORK/pre.err" || fail "preloaded: no warning: $(cat "$WORK/pre.err")"
load pre
DB=$WORK/pre.db
expect "preloaded" "SELECT hooks_bypassed||' '||allocator FROM processes WHERE exe = '$WORK/plain'" "1 $JE"
expect "preloaded" "SELECT count(*) FROM checklist c JOIN processes p ON p.id = c.process_id WHERE p.exe = '$WORK/plain' AND item IN ($ALLOC_ITEMS) AND status = 'n/a'" 4
exit 0
