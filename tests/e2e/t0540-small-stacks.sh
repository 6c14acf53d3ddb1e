#!/bin/sh
# Allocations on small stacks (tests/programs/stk_small.c): a SIGUSR1
# handler on an 8 KiB and a 16 KiB sigaltstack, a ucontext coroutine on a
# 4 KiB stack, and a thread that allocates with only a few hundred bytes
# of its stack left (its plain use plus 512). Each runs as without the
# tracer (same output and status). The stacks recorded there are whole:
# the handler's reaches main through the signal frame, the coroutine's
# names coro_alloc_site and coro_main.
# Then the budget stated in tracer/unwind.h, measured by painting the
# stacks: the tracer adds at most ML_STACK_BUDGET bytes (1024) on a
# sigaltstack and a coroutine, and at most ML_STACK_BUDGET_SHORT (256)
# near the end of a thread's stack.
. "$(dirname "$0")/lib/common.sh"
# reads the rows of freed blocks: every allocation gets one
ALLOCS="--allocations all"
. "$(dirname "$0")/lib/transparent.sh"
P=$PROGS/stk_small

set -- $("$P" measure) || fail "stk_small measure failed"
plain_alt=$2 plain_coro=$4 plain_edge=$6
room=$((plain_edge + 512))

same alt8 -- "$P" alt 8192
same alt16 -- "$P" alt 16384
same coro4 -- "$P" coro 4096
same edge -- "$P" edge $room

for t in alt8 coro4 edge; do
	ingest_all $t
	case $t in
	alt8) base=5100 site=handler_alloc_site ;;
	coro4) base=6100 site=coro_alloc_site ;;
	edge) base=7100 site=edge_alloc_site ;;
	esac
	n=50
	[ $t = edge ] && n=51  # one more: the thread's warm-up call
	expect $t "SELECT group_concat(size||':'||c, ' ') FROM (SELECT size, count(*) c FROM allocations
		WHERE size BETWEEN $base + 1 AND $base + 4 GROUP BY size ORDER BY size)" \
		"$((base + 1)):$n $((base + 2)):$n $((base + 3)):$n $((base + 4)):$n"
	expect $t "SELECT count(*) FROM allocations WHERE size = $base + 5 AND free_ns IS NOT NULL" 1
	# every block of the small stack is attributed to its site, frame 1
	expect $t "SELECT count(*) FROM allocations a WHERE a.size BETWEEN $base + 1 AND $base + 5 AND NOT EXISTS
		(SELECT 1 FROM stacks st JOIN frames f ON f.id = st.frame_id WHERE st.stack_id = a.stack_id
		AND st.depth = 1 AND f.function = '$site')" 0
done
DB=$WORK/alt8.db
expect alt8 "SELECT group_concat(f.function, ' ') FROM stacks st JOIN frames f ON f.id = st.frame_id
	WHERE st.stack_id = (SELECT stack_id FROM allocations WHERE size = 5101 LIMIT 1)
	AND f.function IN ('handler_alloc_site', 'on_usr1', 'raise', 'run_alt', 'main') ORDER BY st.depth" \
	"handler_alloc_site on_usr1 raise run_alt main"
DB=$WORK/coro4.db
expect coro4 "SELECT group_concat(f.function, ' ') FROM stacks st JOIN frames f ON f.id = st.frame_id
	WHERE st.stack_id = (SELECT stack_id FROM allocations WHERE size = 6101 LIMIT 1) AND st.depth <= 2
	ORDER BY st.depth" "alloc_work coro_alloc_site coro_main"

# the budget
"$ML" run -o "$WORK/m.mlt" -- "$P" measure >"$WORK/m.out" 2>"$WORK/m.err" || fail "traced measure: $(head -1 "$WORK/m.err")"
set -- $(cat "$WORK/m.out")
traced_alt=$2 traced_coro=$4 traced_edge=$6
echo "stack used, plain -> traced: sigaltstack $plain_alt -> $traced_alt, coroutine $plain_coro -> $traced_coro, near the end $plain_edge -> $traced_edge"
[ $((traced_alt - plain_alt)) -le 1024 ] || fail "sigaltstack: the tracer added $((traced_alt - plain_alt)) bytes, budget 1024"
[ $((traced_coro - plain_coro)) -le 1024 ] || fail "coroutine: the tracer added $((traced_coro - plain_coro)) bytes, budget 1024"
[ $((traced_edge - plain_edge)) -le 256 ] || fail "near the end of the stack: the tracer added $((traced_edge - plain_edge)) bytes, budget 256"
exit 0
