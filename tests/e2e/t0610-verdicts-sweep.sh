#!/bin/sh
# Issue 10, "One verdict": for every program the e2e suite traces (each
# test program, run without arguments, and the partition demo with each
# of its planted faults), no verdict shown anywhere on its page
# contradicts another, nor `memledger check` (tests/e2e/lib/pagecheck.py
# says what is compared). Programs that need arguments, crash or exit
# non-zero on purpose are traced all the same: their pages must agree too.
# The plain build runs here, to keep the sweep to a few seconds a program;
# the other report tests run the sanitizer build.
. "$(dirname "$0")/lib/common.sh"
[ -x build/memledger ] && ML=$ROOT/build/memledger
TOOL=$ML
. "$(dirname "$0")/lib/report.sh"
TOOL=$ML

n=0
sweep() {  # NAME PROG [ARG...]
	_n=$1
	shift
	mkdir -p "$WORK/$_n"
	(cd "$WORK/$_n" && timeout 30 "$ML" run -o "$WORK/$_n/t.mlt" -- "$@" </dev/null >/dev/null 2>&1)
	ls "$WORK/$_n"/t*.mlt >/dev/null 2>&1 || fail "$_n: no trace written"
	"$ML" ingest -q -o "$WORK/$_n/t.db" "$WORK/$_n"/t*.mlt >"$WORK/$_n/ingest" 2>&1 ||
		fail "$_n: ingest failed: $(head -1 "$WORK/$_n/ingest")"
	"$ML" report -o "$WORK/$_n/t.html" "$WORK/$_n/t.db" >/dev/null 2>"$WORK/$_n/report" ||
		fail "$_n: report failed: $(head -1 "$WORK/$_n/report")"
	check_page "$WORK/$_n/t.html" "$WORK/$_n/t.db"
	n=$((n + 1))
	rm -f "$WORK/$_n"/*.mlt
}

for p in "$PROGS"/*; do
	[ -x "$p" ] || continue
	sweep "$(basename "$p")" "$p"
done
for flags in "" --no-join --leak-threads --leak-timers --leak-map --leak-fds --leak-global --early-snapshot; do
	sweep "demo$flags" "$ROOT/build/examples/partition_demo" --seconds 0.2 $flags
done
[ "$n" -ge 40 ] || fail "only $n programs swept"
exit 0
