# Shared by the report's end-to-end tests (tests/e2e/t04*-report-*.sh, and
# any test that writes a report). Sourced, not run. Sets ROOT, TOOL, PY and
# WORK (a fresh temporary folder, removed on exit, unless common.sh made
# one already), and defines make_fixture_db and check_page; fail and skip
# come from base.sh.

# The sanitizer build catches memory errors and leaks; fall back to the plain one.
. "$(dirname "$0")/lib/base.sh"
TOOL=$MLBIN

if [ -z "$WORK" ] || [ ! -d "$WORK" ]; then
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/memledger-e2e.XXXXXX") || exit 1
	trap 'rm -rf "$WORK"' EXIT INT TERM
fi

[ -x "$TOOL" ] || fail "$TOOL is not built (make build/memledger san)"

# make_fixture_db PATH [SQL-FILE]: the schema plus the report fixture (or SQL-FILE).
make_fixture_db() {
	rm -f "$1"
	if command -v sqlite3 >/dev/null 2>&1; then
		sqlite3 "$1" < ingest/schema.sql && sqlite3 "$1" < "${2:-tests/fixtures/report_fixture.sql}" >/dev/null
	else
		"$PY" -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for f in sys.argv[2:]:
    db.executescript(open(f).read())
db.commit()' "$1" ingest/schema.sql "${2:-tests/fixtures/report_fixture.sql}"
	fi || fail "could not build the fixture database $1"
}

SECTIONS="overview metric-alloc metric-totalalloc metric-sys metric-heapinuse metric-heapidle
metric-stackinuse metric-heapobjects metric-mallocs metric-frees metric-live metric-numgc
metric-gccpufraction allocation-rate phases quick-reference composition checklist leaks sites
flamegraph threads"

# check_page HTML [DB]: no verdict shown on the page contradicts another
# (tests/e2e/lib/pagecheck.py lists what is compared), and when DB is
# given, `memledger check DB` prints the page's status for every item.
check_page() {
	if [ -n "$2" ]; then
		"$TOOL" check --verbose "$2" >"$WORK/check_page.txt" 2>"$WORK/check_page.err"
		[ $? -le 1 ] || fail "memledger check $2 failed: $(head -1 "$WORK/check_page.err")"
	fi
	"$PY" "$ROOT/tests/e2e/lib/pagecheck.py" "$1" ${2:+"$WORK/check_page.txt"} >"$WORK/check_page.out" ||
		fail "$(basename "$1"): verdicts contradict each other: $(head -3 "$WORK/check_page.out" | tr '\n' ';')"
}
