#!/bin/sh
# Traces that cannot be loaded: garbage, a wrong magic, an unknown
# version, a truncated header, a corrupt deflate stream, garbage records
# inside a valid zlib stream (found in pass 1 and, after rows were
# written, in pass 2), data after the end of the stream, an empty file, a
# directory, a missing file. Each makes `memledger ingest -q` print exactly
# one line, "memledger: FILE: reason", exit non-zero, and leave the
# database it was appending to byte for byte as it was. A bad trace
# between two good ones does not stop them from loading.
. "$(dirname "$0")/lib/common.sh"
[ -x "$PY" ] || skip "python3 is not installed"
MLT="$PY $ROOT/tests/e2e/lib/mlt.py"

for n in good good2 good3; do
	"$ML" run --interval 5 -o "$WORK/$n.mlt" -- "$PROGS/rob_phases" >/dev/null 2>"$WORK/run.err" ||
		fail "tracing rob_phases failed: $(head -1 "$WORK/run.err")"
done
DB=$WORK/t.db
"$ML" ingest -q -o "$DB" "$WORK/good.mlt" 2>"$WORK/err" || fail "the good trace did not load: $(head -1 "$WORK/err")"
got=$(q "$DB" "SELECT mallocs||' '||frees FROM snapshots WHERE label='PHASE 6'")
[ "$got" = "600 300" ] || fail "the good trace: PHASE 6 has '$got', want '600 300'"
per=$(q "$DB" "SELECT count(*) FROM allocations")
cp "$DB" "$WORK/before.db"

# bad NAME FILE WORD: ingest FILE into $DB must fail as described above;
# WORD (a regular expression, may be empty) must appear in the reason.
# (--force: the damaged copies of good.mlt name its process, which $DB
# holds already; the damage is what must be found.)
bad() {
	"$ML" ingest -q --force -o "$DB" "$2" >"$WORK/out" 2>"$WORK/err"
	rc=$?
	[ $rc -ne 0 ] || fail "$1: ingest exited 0"
	[ $rc -lt 126 ] || fail "$1: ingest died with status $rc: $(head -3 "$WORK/err")"
	lines=$(wc -l <"$WORK/err")
	[ "$lines" -eq 1 ] || fail "$1: $lines lines on stderr, want 1: $(head -5 "$WORK/err")"
	line=$(cat "$WORK/err")
	case "$line" in
	"memledger: $2: "?*) ;;
	*) fail "$1: stderr is '$line', want 'memledger: $2: reason'" ;;
	esac
	[ -z "$3" ] || echo "$line" | grep -Eq "$3" || fail "$1: reason '$line' does not say /$3/"
	[ ! -s "$WORK/out" ] || fail "$1: ingest wrote to stdout: $(head -1 "$WORK/out")"
	cmp -s "$DB" "$WORK/before.db" || fail "$1: the database changed"
	[ -z "$VERBOSE" ] || echo "$1: $line"
}

$MLT garbage "$WORK/garbage.mlt"
bad garbage "$WORK/garbage.mlt" "magic"

# wrong magic: one letter of "MLT"
{ printf '\211MLX'; tail -c +5 "$WORK/good.mlt"; } >"$WORK/magic.mlt"
bad wrong-magic "$WORK/magic.mlt" "magic"

$MLT version "$WORK/good.mlt" 4 "$WORK/v4.mlt"
bad version-4 "$WORK/v4.mlt" "version"
$MLT version "$WORK/good.mlt" 1 "$WORK/v1.mlt"
bad version-1 "$WORK/v1.mlt" "version 1 .*trace the program again"
# version 2 wrote every allocation's size: its records read otherwise now
$MLT version "$WORK/good.mlt" 2 "$WORK/v2.mlt"
bad version-2 "$WORK/v2.mlt" "unsupported trace version 2 .*trace the program again"
$MLT version "$WORK/good.mlt" 4294967295 "$WORK/vmax.mlt"
bad version-max "$WORK/vmax.mlt" "version"

head -c 12 "$WORK/good.mlt" >"$WORK/header12.mlt"
bad truncated-header "$WORK/header12.mlt" "header"
head -c 5 "$WORK/good.mlt" >"$WORK/header5.mlt"
bad truncated-magic "$WORK/header5.mlt" ""

$MLT bad-block "$WORK/good.mlt" "$WORK/deflate.mlt" || fail "no sync point to corrupt in the trace"
bad corrupt-deflate "$WORK/deflate.mlt" "corrupt|compressed"

$MLT bad-meta "$WORK/good.mlt" "$WORK/badmeta.mlt"
bad garbage-meta-record "$WORK/badmeta.mlt" "corrupt trace"

{ cat "$WORK/good.mlt"; printf 'and some more bytes'; } >"$WORK/appended.mlt"
bad appended-data "$WORK/appended.mlt" "after the end"
{ cat "$WORK/good.mlt"; printf '\0'; } >"$WORK/appended1.mlt"
bad appended-byte "$WORK/appended1.mlt" "after the end"

: >"$WORK/empty.mlt"
bad empty-file "$WORK/empty.mlt" ""

mkdir "$WORK/dir.mlt"
bad directory "$WORK/dir.mlt" "directory"

bad missing-file "$WORK/missing.mlt" "No such file"

# bytes inverted anywhere in the compressed data: whatever inflate makes
# of it, ingest either refuses the trace (one line, database unchanged)
# or loads a prefix with at most a warning; it never crashes
i=0
while [ $i -lt 12 ]; do
	$MLT flip "$WORK/good.mlt" $i 12 "$WORK/flip$i.mlt"
	cp "$WORK/before.db" "$WORK/flip.db"
	"$ML" ingest -q -o "$WORK/flip.db" "$WORK/flip$i.mlt" >/dev/null 2>"$WORK/err"
	rc=$?
	lines=$(wc -l <"$WORK/err")
	case $rc in
	0) [ "$lines" -le 1 ] || fail "flip $i: loaded, with $lines lines on stderr: $(head -3 "$WORK/err")"
	   [ "$(q "$WORK/flip.db" "SELECT count(*) FROM processes")" = 2 ] || fail "flip $i: exit 0 but nothing loaded" ;;
	1) [ "$lines" -eq 1 ] || fail "flip $i: $lines lines on stderr: $(head -3 "$WORK/err")"
	   grep -q "^memledger: $WORK/flip$i.mlt: " "$WORK/err" || fail "flip $i: stderr '$(cat "$WORK/err")'"
	   cmp -s "$WORK/flip.db" "$WORK/before.db" || fail "flip $i: refused, but the database changed" ;;
	*) fail "flip $i: ingest exited $rc: $(head -3 "$WORK/err")" ;;
	esac
	[ -z "$VERBOSE" ] || echo "flip $i: rc $rc $(cat "$WORK/err")"
	i=$((i + 1))
done

# garbage found in pass 2, after rows of the trace were queued for the
# database: still nothing of it may stay
$MLT bad-events "$WORK/good.mlt" "$WORK/badevents.mlt"
bad garbage-events "$WORK/badevents.mlt" "corrupt trace"

# a bad trace between two good ones: one line about it, exit 1, and both
# good traces loaded
"$ML" ingest -q --force -o "$DB" "$WORK/good2.mlt" "$WORK/badevents.mlt" "$WORK/good3.mlt" >/dev/null 2>"$WORK/err"
rc=$?
[ $rc -eq 1 ] || fail "good, bad, good: exit $rc, want 1"
[ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "good, bad, good: stderr: $(head -5 "$WORK/err")"
grep -q "^memledger: $WORK/badevents.mlt: " "$WORK/err" || fail "good, bad, good: stderr '$(cat "$WORK/err")'"
got=$(q "$DB" "SELECT count(*)||' '||sum(end_reason='exit') FROM processes")
[ "$got" = "3 3" ] || fail "good, bad, good: processes '$got', want '3 3'"
got=$(q "$DB" "SELECT count(*) FROM allocations")
[ "$got" -eq $((3 * per)) ] || fail "good, bad, good: $got allocations, want $((3 * per))"
exit 0
