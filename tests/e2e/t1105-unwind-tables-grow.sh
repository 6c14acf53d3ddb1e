#!/bin/sh
# The tracer's stack table and its cache of unwind rules grow while other
# threads read them without a lock; a replaced table's pages go back to
# the system and a reader still in it must fall back to the current one
# (tracer/stacks.c, tracer/unwind.c, ml_map_release in tracer/arena.h).
# tests/programs/unw_many.c makes 8192 distinct stacks through 1032 call
# sites from 4 threads at once, each block sized after its path. Every
# path must get one stack, the same in all 4 threads and the same as
# libunwind's, different paths different stacks, and no stack may be
# written to the trace twice.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/unwind.sh"
unw_both many "$PROGS/unw_many"
[ "$(cat "$WORK/many.fast.out")" = "unw_many ok" ] || fail "stdout '$(cat "$WORK/many.fast.out")'"
for m in fast lu; do
	db="$WORK/many.$m.db"
	# the blocks leaf() made (others, such as stdio's, may have these sizes)
	OURS="stack_id IN (SELECT s.stack_id FROM stacks s JOIN frames f ON f.id = s.frame_id
		WHERE f.function LIKE 'leaf%' AND s.depth = 0)"
	# the program's blocks: 16 + 8 * k1 + k2 bytes, 4 of each
	got=$(q "$db" "SELECT count(*), count(DISTINCT size), count(DISTINCT stack_id) FROM allocations
		WHERE size BETWEEN 16 AND 16 + 8 * 1023 + 7 AND $OURS")
	[ "$got" = "32768,8192,8192" ] || fail "$m: blocks, sizes, stacks: $got, want 32768,8192,8192"
	bad=$(q "$db" "SELECT count(*) FROM (SELECT size FROM allocations WHERE size BETWEEN 16 AND 8207
		AND $OURS GROUP BY size HAVING count(*) != 4 OR count(DISTINCT stack_id) != 1)")
	[ "$bad" = 0 ] || fail "$m: $bad paths without exactly one stack in 4 blocks"
	# each path's stack, frame by frame, keyed by its size (a row a frame:
	# group_concat's order is not defined)
	"$ML" query --csv "$db" "SELECT a.size, s.depth, f.module || '+' || f.offset
		FROM (SELECT size, min(stack_id) AS stack_id FROM allocations
		      WHERE size BETWEEN 16 AND 8207 AND $OURS GROUP BY size) a
		JOIN stacks s ON s.stack_id = a.stack_id
		JOIN frames f ON f.id = s.frame_id ORDER BY a.size, s.depth" >"$WORK/many.$m.paths" ||
		fail "$m: query of the paths failed"
	[ "$(wc -l <"$WORK/many.$m.paths")" -gt 8192 ] || fail "$m: only $(wc -l <"$WORK/many.$m.paths") frame rows"
done
cmp -s "$WORK/many.fast.paths" "$WORK/many.lu.paths" ||
	fail "the fast unwinder and libunwind disagree on $(diff "$WORK/many.fast.paths" "$WORK/many.lu.paths" |
		grep '^<' | cut -d, -f1 | sort -u | wc -l) paths: $(diff "$WORK/many.fast.paths" "$WORK/many.lu.paths" | head -3 | tr '\n' '|')"
# 1032 call sites: the rule cache grew past its first table (512 rules)
sites=$(q "$WORK/many.fast.db" "SELECT count(DISTINCT f.offset) FROM frames f WHERE f.function LIKE 'hop%'")
[ "${sites:-0}" -ge 1032 ] || fail "only ${sites:-0} call sites in hop1 and hop2, want 1032"
set -- $("$PY" "$ROOT/tests/e2e/lib/mlt.py" stacks "$WORK/many.fast.mlt")
[ "${1:-0}" -ge 8192 ] || fail "only ${1:-0} stack records"
[ "$1" = "$2" ] || fail "$1 stack records but $2 different stacks: a stack was interned twice"
exit 0
