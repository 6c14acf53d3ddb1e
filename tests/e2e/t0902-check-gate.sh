#!/bin/sh
# `memledger check` as a CI gate on its own.
#  - Real programs with no definite leak that keep their globals until
#    exit (ls, grep, sed) pass by default, although global_references and
#    baseline_returned fail for them; --strict makes them fail.
#  - Definite leaks fail the gate, listed with their sites and stacks;
#    the LEAK SUMMARY agrees with valgrind's on the definitely and
#    indirectly lost bytes and blocks (cmp_app, leak_classes, and sort:
#    coreutils' sort really loses a few bytes, valgrind agrees).
#  - --fail-on chooses the gates; an unknown item is an error (exit 2);
#    --leak-classes counts other classes.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/compare.sh"

# ---- ls and sort pass by default, and fail with --strict
seq 1 5000 | "$PY" -c 'import random, sys; l = sys.stdin.read().split(); random.seed(7); random.shuffle(l); print("\n".join(l))' >"$WORK/in.txt"
traced_db ls ls -la /usr/lib
traced_db grep grep -c 1 "$WORK/in.txt"
traced_db sed sed -n 5p "$WORK/in.txt"
traced_db sort sort "$WORK/in.txt"
for p in ls grep sed; do
	"$ML" check "$WORK/$p.db" >"$WORK/$p.check" 2>"$WORK/$p.err"
	rc=$?
	[ $rc -eq 0 ] || fail "$p: check exited $rc, want 0: $(grep -E '^  FAIL ' "$WORK/$p.check" | head -3)"
	grep -Eq '^  FAIL  global_references ' "$WORK/$p.check" ||
		fail "$p: global_references should fail (it keeps globals until exit), so the test shows nothing"
	grep -Eq '^  skip  .*: global_references: fails, but does not gate' "$WORK/$p.check" ||
		fail "$p: check does not say why global_references does not gate"
	grep -q '^     definitely lost: 0 bytes in 0 blocks$' "$WORK/$p.check" || fail "$p: definite leaks?"
	[ "$(tail -1 "$WORK/$p.check")" = "gate: pass" ] || fail "$p: check ends with '$(tail -1 "$WORK/$p.check")'"
	"$ML" check --strict "$WORK/$p.db" >"$WORK/$p.strict" 2>&1
	[ $? -eq 1 ] || fail "$p: check --strict exited $?, want 1"
	grep -Eq '^  FAIL  .*: global_references: ' "$WORK/$p.strict" || fail "$p: --strict does not gate global_references"
done
# another leak class can gate: ls leaves reachable blocks
"$ML" check --leak-classes reachable "$WORK/ls.db" >"$WORK/ls.reach" 2>&1
[ $? -eq 1 ] || fail "ls: --leak-classes reachable exited $?, want 1"
grep -Eq '^  FAIL  .*: leaks: [0-9]+ blocks' "$WORK/ls.reach" || fail "ls: --leak-classes reachable does not fail 'leaks'"

# ---- definite leaks fail, with sites and stacks, counted as valgrind counts them
traced_db v1 "$V1"
traced_db lc "$PROGS/leak_classes"
for p in v1 lc sort; do
	"$ML" check "$WORK/$p.db" >"$WORK/$p.check" 2>"$WORK/$p.err"
	[ $? -eq 1 ] || fail "$p: check exited $?, want 1 (definite leaks)"
	grep -Eq '^  FAIL  .*: leaks: [0-9]+ blocks? \([0-9]+ B\) left at exit that nothing can reach' "$WORK/$p.check" ||
		fail "$p: the leaks gate does not fail"
	case $(tail -1 "$WORK/$p.check") in "gate: FAIL ("*) ;; *) fail "$p: check ends with '$(tail -1 "$WORK/$p.check")'" ;; esac
done
grep -Eq '^    200 B in 1 block definitely lost at leak_old \(.*cmp_app\.c:[0-9]+\)$' "$WORK/v1.check" ||
	fail "cmp_app: the lost site is not listed: $(grep 'definitely lost at' "$WORK/v1.check")"
grep -A2 'definitely lost at leak_old' "$WORK/v1.check" | grep -Eq '^          at main \(.*cmp_app\.c:' ||
	fail "cmp_app: the lost site has no stack"
grep -A2 '^    144 B in 3 blocks indirectly lost at xmalloc (' "$WORK/lc.check" | grep -q '^          at lost_list (' ||
	fail "leak_classes: lost_list's 3 indirect blocks are not listed with their stack"
# the gate's own JSON says the same
"$ML" check --json "$WORK/lc.db" >"$WORK/lc.json" 2>&1
[ $? -eq 1 ] || fail "check --json exited $?, want 1"
v=$(json_get "$WORK/lc.json" "sorted((c['class'], c['allocs'], c['bytes']) for c in d['processes'][0]['leak_summary']['classes'])")
[ "$v" = "[('indirect', 4, 240), ('lost', 3, 196), ('possible', 2, 176), ('reachable', 7, 1092)]" ] ||
	fail "leak_classes: leak summary $v, want lost 3/196, indirect 4/240, possible 2/176, reachable 7/1092 (see leak_classes.c)"
if command -v valgrind >/dev/null; then
	for p in v1:"$V1" lc:"$PROGS/leak_classes" sort:sort; do
		n=${p%%:*} prog=${p#*:}
		arg=
		[ "$n" = sort ] && arg=$WORK/in.txt
		valgrind --leak-check=full "$prog" $arg 2>"$WORK/$n.vg" >/dev/null
		for what in "definitely lost" "indirectly lost"; do
			# valgrind writes "1 blocks"; memledger writes the singular
			want=$(grep -o "$what: [0-9,]* bytes in [0-9,]* blocks" "$WORK/$n.vg" | head -1 |
				sed 's/ 1 bytes / 1 byte /; s/ 1 blocks$/ 1 block/')
			[ -n "$want" ] || want="$what: 0 bytes in 0 blocks"
			grep -q "^ *$want\$" "$WORK/$n.check" ||
				fail "$n: valgrind says '$want', memledger '$(grep "$what:" "$WORK/$n.check")'"
		done
	done
fi

# ---- --fail-on
"$ML" check --fail-on threads_joined,channels_closed "$WORK/v1.db" >"$WORK/v1.fo" 2>&1
[ $? -eq 0 ] || fail "--fail-on threads_joined,channels_closed exited $?, want 0"
grep -Eq '^  skip  .*: leaks: does not gate \(not in --fail-on\)' "$WORK/v1.fo" || fail "--fail-on: the leaks are not reported as not gating"
grep -q '^items that gate: threads_joined, channels_closed ' "$WORK/v1.fo" || fail "--fail-on: $(grep 'items that gate' "$WORK/v1.fo")"
"$ML" check --fail-on leaks "$WORK/v1.db" >/dev/null 2>&1
[ $? -eq 1 ] || fail "--fail-on leaks exited $?, want 1"
"$ML" check --fail-on containers_cleared "$WORK/v1.db" >"$WORK/v1.fo2" 2>&1
[ $? -eq 1 ] || fail "--fail-on containers_cleared exited $?, want 1"
"$ML" check --fail-on global_references "$WORK/sed.db" >/dev/null 2>&1
[ $? -eq 1 ] || fail "sed: --fail-on global_references exited $?, want 1"
"$ML" check --fail-on threads_joined,no_such_item "$WORK/v1.db" >"$WORK/bad.out" 2>"$WORK/bad.err"
[ $? -eq 2 ] || fail "--fail-on no_such_item exited $?, want 2"
[ "$(wc -l <"$WORK/bad.err")" -eq 1 ] && grep -q "unknown item 'no_such_item'" "$WORK/bad.err" ||
	fail "--fail-on no_such_item: $(cat "$WORK/bad.err")"
exit 0
