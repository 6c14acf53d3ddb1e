#!/bin/sh
# Run every test: unit tests (sanitizer builds), the fuzz corpus replay,
# and the end-to-end scripts. Each prints one PASS/FAIL/SKIP line; the run
# ends with "N passed, N failed" and exits non-zero when anything failed.
#
#   sh tests/run.sh                 everything
#   sh tests/run.sh t0110 t0400     only tests whose name contains a pattern
cd "$(dirname "$0")/.." || exit 1
passed=0
failed=0
skipped=0
failures=""
log=build/test-logs
rm -rf "$log"
mkdir -p "$log"

PATTERNS="$*"
wanted() {
	[ -z "$PATTERNS" ] && return 0
	for p in $PATTERNS; do
		case "$1" in *"$p"*) return 0 ;; esac
	done
	return 1
}


record() {  # name status
	case "$2" in
	0) passed=$((passed + 1)); echo "PASS  $1" ;;
	77) skipped=$((skipped + 1)); echo "SKIP  $1: $(grep -h SKIP "$log/$1.log" | head -1)" ;;
	*) failed=$((failed + 1)); failures="$failures $1"
	   echo "FAIL  $1"; sed 's/^/      /' "$log/$1.log" | tail -15 ;;
	esac
}

for t in build/san/unit/*; do
	[ -x "$t" ] || continue
	name=unit/$(basename "$t")
	wanted "$name" || continue
	mkdir -p "$log/unit"
	"$t" >"$log/$name.log" 2>&1
	record "$name" $?
done

for f in build/san/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	name=fuzz/$(basename "$f")
	wanted "$name" || continue
	mkdir -p "$log/fuzz"
	"$f" tests/fuzz/corpus/* >"$log/$name.log" 2>&1
	record "$name" $?
done

for t in tests/e2e/t[0-9]*.sh; do
	name=$(basename "$t" .sh)
	wanted "$name" || continue
	timeout 600 sh "$t" >"$log/$name.log" 2>&1
	record "$name" $?
done

echo
[ -n "$failures" ] && echo "failed:$failures"
[ "$skipped" -gt 0 ] && echo "$skipped skipped"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
