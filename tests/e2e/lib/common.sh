# Shared by the end-to-end tests (tests/e2e/tNNNN-*.sh). Sourced, not run.
#
# Sources base.sh (ROOT, PY, fail, skip). Sets ML (the memledger command:
# the sanitizer build when it exists, so ingest, query and report run under
# ASan and UBSan), PROGS (built test programs), WORK (a fresh temporary
# folder, removed on exit), and defines:
#   q DB SQL           the first column of the first row, as text
#   trace NAME PROG..  memledger run -o $WORK/NAME.mlt -- PROG...; sets RC
#   load NAME          ingest $WORK/NAME*.mlt into $WORK/NAME.db, with $ALLOCS
#                      (e.g. ALLOCS="--allocations all" in a test that reads
#                      freed blocks' rows; empty: the default, live)

. "$(dirname "$0")/lib/base.sh"
ML=$MLBIN
# the tracer is never built with sanitizers; tell the tool where it is
MEMLEDGER_LIB=$ROOT/build/libmemledger.so
export MEMLEDGER_LIB
PROGS=$ROOT/build/programs
# LeakSanitizer checks the tool; the traced programs are not built with it.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export ASAN_OPTIONS
# No test asks a debuginfod server unless it starts its own (t0852).
unset DEBUGINFOD_URLS

WORK=$(mktemp -d "${TMPDIR:-/tmp}/memledger-e2e.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT INT TERM

[ -x "$ML" ] || fail "$ML is not built"
[ -f "$MEMLEDGER_LIB" ] || fail "$MEMLEDGER_LIB is not built"

q() {
	"$ML" query --csv "$1" "$2" 2>"$WORK/q.err" | sed -n 2p | tr -d '\r'
}

trace() {
	name=$1
	shift
	"$ML" run -o "$WORK/$name.mlt" -- "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
	RC=$?
}

load() {
	rm -f "$WORK/$1.db"
	"$ML" ingest -q $ALLOCS -o "$WORK/$1.db" "$WORK/$1".*mlt >"$WORK/$1.ingest" 2>&1 ||
		fail "ingest of $1 failed: $(head -1 "$WORK/$1.ingest")"
}
