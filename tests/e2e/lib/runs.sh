# Shared by the tests of runs with many processes (t16NN). Sourced after
# common.sh, not run. Each function calls fail on the first difference.
#
#   run_loaded NAME            every $WORK/NAME*.mlt loaded into $WORK/NAME.db:
#                              ingest exits 0 and the database holds one
#                              process per trace
#   run_one_root NAME          process_tree has every process and one root,
#                              the root being the process without a parent
#   run_page NAME OUT [ARGS...] memledger report ARGS into $WORK/OUT.html,
#                              then tests/e2e/lib/runpage.py: the run
#                              summary lists every process, its totals are
#                              run_totals', its depths process_tree's, and
#                              its failing processes those `check --json`
#                              fails (written to $WORK/NAME.gate)
#   run_check NAME             `memledger check`: under 200 lines, one FAIL
#                              line per process that fails the gate (and
#                              no other), a "run:" line, the exit status
#                              covering the whole run, and --verbose and
#                              --junit with every process

run_loaded() {
	_n=$(ls "$WORK/$1".*mlt | wc -l)
	[ "$_n" -ge 2 ] || fail "$1: only $_n trace(s) written: $(tail -2 "$WORK/$1.err")"
	load "$1"
	_p=$(q "$WORK/$1.db" "SELECT count(*) FROM processes")
	[ "$_p" = "$_n" ] || fail "$1: $_n traces but $_p processes loaded"
}

run_one_root() {
	_db=$WORK/$1.db
	[ "$(q "$_db" "SELECT count(*) FROM process_tree")" = "$(q "$_db" "SELECT count(*) FROM processes")" ] ||
		fail "$1: process_tree does not hold every process"
	[ "$(q "$_db" "SELECT count(*) FROM process_tree WHERE depth = 0")" = 1 ] ||
		fail "$1: the tree has $(q "$_db" "SELECT count(*) FROM process_tree WHERE depth = 0") roots, want 1"
	[ "$(q "$_db" "SELECT t.id = p.id FROM process_tree t, processes p WHERE t.depth = 0 AND p.parent_process_id IS NULL ORDER BY p.id LIMIT 1")" = 1 ] ||
		fail "$1: the tree's root is not the process without a parent"
}

run_page() {
	_name=$1
	_out=$2
	shift 2
	"$ML" check --json "$WORK/$_name.db" >"$WORK/$_name.json" 2>"$WORK/$_name.json.err"
	[ $? -le 1 ] || fail "$_name: check --json failed: $(head -1 "$WORK/$_name.json.err")"
	"$ML" query --json "$WORK/$_name.db" "SELECT * FROM run_totals" >"$WORK/$_name.totals" ||
		fail "$_name: query run_totals failed"
	"$ML" query --json "$WORK/$_name.db" "SELECT id, parent, depth, path, exec FROM process_tree" >"$WORK/$_name.tree" ||
		fail "$_name: query process_tree failed"
	"$ML" report -o "$WORK/$_out.html" "$@" "$WORK/$_name.db" >"$WORK/$_out.report" 2>&1 ||
		fail "$_out: report failed: $(head -1 "$WORK/$_out.report")"
	"$PY" "$ROOT/tests/e2e/lib/runpage.py" "$WORK/$_out.html" "$WORK/$_name.totals" "$WORK/$_name.tree" \
		"$WORK/$_name.json" >"$WORK/$_out.pagecheck" || fail "$_out: $(head -3 "$WORK/$_out.pagecheck" | tr '\n' ';')"
}

run_check() {
	_db=$WORK/$1.db
	"$ML" check "$_db" >"$WORK/$1.check" 2>"$WORK/$1.check.err"
	_rc=$?
	_lines=$(wc -l <"$WORK/$1.check")
	[ "$_lines" -lt 200 ] || fail "$1: check printed $_lines lines, want under 200"
	# the processes that fail the gate, by id, from the JSON
	"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(str(p["process"]["id"]) for p in d["processes"] if p["failures"]))' "$WORK/$1.json" >"$WORK/$1.failing"
	_want=$(cat "$WORK/$1.failing")
	_got=$(sed -n 's/^  FAIL  process \([0-9]*\) (pid .*/\1/p' "$WORK/$1.check" | tr '\n' ' ' | sed 's/ $//')
	[ "$_got" = "$_want" ] || fail "$1: check names the failing processes '$_got', want '$_want'"
	_wrc=0
	[ -n "$_want" ] && _wrc=1
	[ "$_rc" -eq "$_wrc" ] || fail "$1: check exited $_rc, want $_wrc"
	grep -q "^run: $(q "$_db" "SELECT count(*) FROM processes") processes, $(echo "$_want" | wc -w) fail the gate" "$WORK/$1.check" ||
		fail "$1: no run summary line: $(grep '^run' "$WORK/$1.check")"
	case "$(tail -1 "$WORK/$1.check")" in
	"gate: FAIL"*) [ "$_wrc" = 1 ] || fail "$1: gate FAIL with nothing failing" ;;
	"gate: pass") [ "$_wrc" = 0 ] || fail "$1: gate pass with failures" ;;
	*) fail "$1: check ends with '$(tail -1 "$WORK/$1.check")'" ;;
	esac
	# the evidence: every process with --verbose, one with --process
	"$ML" check --verbose "$_db" >"$WORK/$1.verbose" 2>&1
	[ "$(grep -c '^process [0-9]*: pid ' "$WORK/$1.verbose")" = "$(q "$_db" "SELECT count(*) FROM processes")" ] ||
		fail "$1: check --verbose does not list every process"
	_id=${_want%% *}
	if [ -n "$_id" ]; then
		"$ML" check --process "$_id" "$_db" >"$WORK/$1.one" 2>&1
		[ $? -eq 1 ] || fail "$1: check --process $_id does not fail"
		[ "$(grep -c '^process [0-9]*: pid ' "$WORK/$1.one")" = 1 ] || fail "$1: check --process $_id shows other processes"
		grep -q '^        - ' "$WORK/$1.one" || fail "$1: check --process $_id shows no evidence"
	fi
	# JUnit: one testsuite per process
	"$ML" check --junit "$WORK/$1.xml" "$_db" >/dev/null 2>&1
	[ "$(grep -c '<testsuite ' "$WORK/$1.xml")" = "$(q "$_db" "SELECT count(*) FROM processes")" ] ||
		fail "$1: the JUnit file does not have one testsuite per process"
}
