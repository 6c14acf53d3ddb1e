# Shared by the report's end-to-end tests (tests/e2e/t04*-report-*.sh).
# Sourced, not run. Sets ROOT, TOOL, PY and WORK (a fresh temporary folder,
# removed on exit), and defines fail, skip and make_fixture_db.

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1

# The sanitizer build catches memory errors and leaks; fall back to the plain one.
if [ -n "$MEMLEDGER" ]; then
	TOOL=$MEMLEDGER
elif [ -x build/san/memledger ]; then
	TOOL=build/san/memledger
else
	TOOL=build/memledger
fi
# Debian's python3 has the python3-* packages (html5lib), whatever else is on PATH.
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/memledger-e2e.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT INT TERM

# fail REASON: one line, non-zero exit.
fail() {
	echo "FAIL: $(basename "$0"): $*"
	exit 1
}

# skip REASON: exit 77, "skipped".
skip() {
	echo "SKIP: $(basename "$0"): $*"
	exit 77
}

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
