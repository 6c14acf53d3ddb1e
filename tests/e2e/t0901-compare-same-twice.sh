#!/bin/sh
# The same program traced twice: nothing differs but the clock. For
# cmp_app (which has failures of its own: a definite leak, a container
# that grows), sqlite3, and a multi-threaded program (threads8: 8 threads
# handing blocks to each other, a fixed amount of work):
#  - `diff` exits 0 and reports no site, leak, item or open-at-exit
#    change, although times and the allocator's CPU share did change
#    (timing noise never counts) and the runs differ in every address.
#    No tolerance is given: event counts must agree exactly;
#  - `check --baseline` exits 0 ("no regression") even though plain
#    `check` of the same run fails on its own failures.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/compare.sh"

command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"
SQL="CREATE TABLE t(a, b); INSERT INTO t SELECT value, printf('%08x', (value * 2654435761) % 4294967296) FROM generate_series(1, 3000);
CREATE INDEX tb ON t(b); SELECT count(*) FROM t;"

for prog in cmp_app sqlite3 threads8; do
	tol=
	case $prog in
	cmp_app) set -- "$V1" ;;
	threads8) set -- "$PROGS/threads8" ;;
	sqlite3) set -- sqlite3 :memory: "$SQL" ;;
	esac
	traced_db "${prog}_a" "$@"
	traced_db "${prog}_b" "$@"
	a=$WORK/${prog}_a.db b=$WORK/${prog}_b.db

	"$ML" diff $tol "$a" "$b" >"$WORK/$prog.diff" 2>"$WORK/$prog.err"
	rc=$?
	[ $rc -eq 0 ] || fail "$prog: diff exited $rc, want 0: $(head -1 "$WORK/$prog.err") $(grep '^differs' "$WORK/$prog.diff")"
	[ "$(tail -1 "$WORK/$prog.diff")" = "no difference beyond noise" ] ||
		fail "$prog: diff ends with '$(tail -1 "$WORK/$prog.diff")'"
	grep -Eq '^allocation sites: 0 new, 0 gone, [0-9]+ grown, [0-9]+ shrunk, [1-9][0-9]* unchanged$' "$WORK/$prog.diff" ||
		fail "$prog: $(grep '^allocation sites' "$WORK/$prog.diff")"

	"$ML" diff $tol --json "$a" "$b" >"$WORK/$prog.json" 2>"$WORK/$prog.err" || fail "$prog: diff --json exited $?"
	expect_json "$WORK/$prog.json" "(lambda p: (d['differs'], p['sites']['new'], p['sites']['gone'], p['sites_changed'], p['leaks_changed'], p['items'], p['open_at_exit'], p['metrics_changed']))(d['processes'][0])" \
		"(False, 0, 0, 0, 0, [], [], 0)" "$prog: diff --json"
	if [ -z "$tol" ]; then
		expect_json "$WORK/$prog.json" "(lambda p: (p['sites']['grown'], p['sites']['shrunk'], p['leaks']))(d['processes'][0])" \
			"(0, 0, [])" "$prog: a deterministic program's sites or leaks changed"
	fi
	# the clock did move: times changed, and none of it counted
	v=$(json_get "$WORK/$prog.json" "sum(1 for m in d['processes'][0]['metrics'] if m['noise'] == 'timing' and m['change'] not in (0, None) and not m['counts'])")
	[ "$v" -gt 0 ] || fail "$prog: no timing value changed between the runs, so the test shows nothing"
	v=$(json_get "$WORK/$prog.json" "d['processes'][0]['base']['duration_ns'] != d['processes'][0]['new']['duration_ns']")
	[ "$v" = True ] || fail "$prog: both runs took exactly as long?"

	"$ML" check --baseline "$a" "$b" >"$WORK/$prog.gate" 2>"$WORK/$prog.err"
	rc=$?
	[ $rc -eq 0 ] || fail "$prog: check --baseline exited $rc, want 0: $(grep REGRESSION "$WORK/$prog.gate" | head -2)"
	[ "$(tail -1 "$WORK/$prog.gate")" = "no regression" ] || fail "$prog: check --baseline ends with '$(tail -1 "$WORK/$prog.gate")'"
done

# cmp_app fails on its own, and the baseline forgives exactly that
"$ML" check "$WORK/cmp_app_b.db" >"$WORK/plain.txt" 2>&1
[ $? -eq 1 ] || fail "plain check of cmp_app exited $?, want 1 (its own leak)"
grep -Eq '^  skip +leaks: ' "$WORK/cmp_app.gate" || grep -Eq '^  ok +new_leak_sites: ' "$WORK/cmp_app.gate" ||
	fail "check --baseline does not say the old leak is not new"
grep -Eq '^  skip +containers_cleared: fails, as it did in BASE' "$WORK/cmp_app.gate" ||
	fail "containers_cleared is not forgiven: $(grep containers_cleared "$WORK/cmp_app.gate")"
exit 0
