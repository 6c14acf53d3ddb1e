#!/bin/sh
# A suppressions file (format in README.md, "Suppressions") names sites
# that never fail the gate: a failing gate becomes a passing one.
#  - cmp_app's known leak (leak_old): fun: by name and by glob; the
#    leak is then counted as suppressed in the LEAK SUMMARY;
#  - an item whose every piece of evidence has a suppressed stack
#    (containers_cleared, with file:) stops gating; one with evidence
#    without stacks (baseline_returned) does not;
#  - a real program's leak (coreutils' sort), by module;
#  - against a baseline, a new leak site;
#  - a bad rule or a missing file: one line naming the file, exit 2.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/compare.sh"

traced_db v1 "$V1"
check() {  # WANT_RC OUTPUT ARGS...
	_want=$1 _out=$2
	shift 2
	"$ML" check "$@" >"$WORK/$_out" 2>"$WORK/$_out.err"
	_rc=$?
	[ $_rc -eq "$_want" ] || fail "check $* exited $_rc, want $_want: $(head -1 "$WORK/$_out.err") $(grep -E '^  FAIL' "$WORK/$_out" | head -2)"
}

# ---- the known leak, by function name
printf '# known leaks of cmp_app\n\nfun:leak_old\n' >"$WORK/old.supp"
check 1 nosupp --fail-on leaks "$WORK/v1.db"
check 0 supp --fail-on leaks --suppressions "$WORK/old.supp" "$WORK/v1.db"
grep -q '^     definitely lost: 0 bytes in 0 blocks$' "$WORK/supp" || fail "the suppressed leak is still counted as lost"
grep -q '^          suppressed: 200 bytes in 1 block$' "$WORK/supp" || fail "the suppressed leak is not counted: $(grep suppressed: "$WORK/supp")"
grep -q '^gate: pass$' "$WORK/supp" || fail "the gate does not pass: $(tail -1 "$WORK/supp")"
printf 'fun:leak_*\n' >"$WORK/glob.supp"
check 0 glob --fail-on leaks --suppressions "$WORK/glob.supp" "$WORK/v1.db"
printf 'fun:leak_ol\n' >"$WORK/near.supp"   # a pattern matches the whole name
check 1 near --fail-on leaks --suppressions "$WORK/near.supp" "$WORK/v1.db"

# ---- items: every stack of containers_cleared's evidence is in cmp_app.c
printf 'file:*/programs/cmp_app.c\n' >"$WORK/file.supp"
check 1 items --suppressions "$WORK/file.supp" "$WORK/v1.db"
grep -Eq '^  skip  .*: containers_cleared: fails, but every stack is suppressed \(.*file\.supp line 1\)' "$WORK/items" ||
	fail "containers_cleared is not suppressed: $(grep containers_cleared: "$WORK/items")"
grep -Eq '^  FAIL  .*: baseline_returned: ' "$WORK/items" ||
	fail "baseline_returned has evidence without stacks and must still gate"
grep -Eq '^  FAIL  .*: leaks: ' "$WORK/items" && fail "the leak in cmp_app.c is not suppressed"
check 0 items2 --fail-on leaks,containers_cleared --suppressions "$WORK/file.supp" "$WORK/v1.db"
printf 'file:cmp_app.c\n' >"$WORK/base.supp"   # no '/': the file's base name
check 0 items3 --fail-on leaks,containers_cleared --suppressions "$WORK/base.supp" "$WORK/v1.db"

# ---- a real program's leak, by module (sort has no symbols)
seq 1 2000 >"$WORK/in.txt"
traced_db sort sort -r "$WORK/in.txt"
if q "$WORK/sort.db" "SELECT sum(lost_allocs) FROM sites" | grep -q '^[1-9]'; then
	check 1 sort "$WORK/sort.db"
	printf 'module:sort\n' >"$WORK/sort.supp"
	check 0 sort2 --suppressions "$WORK/sort.supp" "$WORK/sort.db"
fi

# ---- against a baseline: the new leak of version 2 (and its container growth allowed)
build_v2
traced_db v2 "$V2"
check 1 b1 --baseline "$WORK/v1.db" --max-peak-growth 100000% "$WORK/v2.db"
printf 'fun:leak_new\n' >"$WORK/new.supp"
check 0 b2 --baseline "$WORK/v1.db" --max-peak-growth 100000% --suppressions "$WORK/new.supp" "$WORK/v2.db"
grep -q '^  ok         new_leak_sites: ' "$WORK/b2" || fail "baseline: the suppressed site still counts as new"

# ---- bad files
printf 'fun:a\nleak:b\n' >"$WORK/bad.supp"
check 2 bad --suppressions "$WORK/bad.supp" "$WORK/v1.db"
[ "$(wc -l <"$WORK/bad.err")" -eq 1 ] || fail "a bad rule gives $(wc -l <"$WORK/bad.err") lines"
[ -s "$WORK/bad" ] && fail "a bad suppressions file, but check printed a checklist first"
grep -q "^memledger: $WORK/bad.supp: line 2: 'leak:b' is not a rule" "$WORK/bad.err" || fail "a bad rule: $(cat "$WORK/bad.err")"
check 2 missing --suppressions "$WORK/none.supp" "$WORK/v1.db"
grep -q "^memledger: $WORK/none.supp: cannot open: " "$WORK/missing.err" || fail "a missing file: $(cat "$WORK/missing.err")"
exit 0
