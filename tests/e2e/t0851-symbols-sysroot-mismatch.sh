#!/bin/sh
# Capture here, read elsewhere. plant_threads_stopped is traced from
# $WORK/a/prog, and the database made there is the reference. Then the
# "other machine": $WORK/a/prog is a different program (another build-id)
# and the traced file is only under a sysroot. Without --sysroot the
# wrong file is refused: a warning names it and both build-ids, its frames
# stay module+offset, and modules.symbols says 'mismatch'. With --sysroot
# every symbolized table is the same as the reference; so is `symbolize
# --sysroot` on the database made without it.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"
. "$(dirname "$0")/lib/symbols.sh"

mkdir -p "$WORK/a"
cp "$PROGS/plant_threads_stopped" "$WORK/a/prog"
BID=$(readelf -n "$WORK/a/prog" | sed -n 's/^ *Build ID: *//p')
trace ref "$WORK/a/prog"
[ "$RC" -eq 0 ] || fail "memledger run exited $RC"
cp "$WORK/ref.mlt" "$WORK/wrong.mlt"
cp "$WORK/ref.mlt" "$WORK/sysroot.mlt"
load ref
prog_symbols ref
[ "$V" = "full/binary" ] || fail "on the machine that traced it: status $V, want full/binary"

# the other machine
mkdir -p "$WORK/root$WORK/a"
mv "$WORK/a/prog" "$WORK/root$WORK/a/prog"
cp "$PROGS/counts" "$WORK/a/prog"
OTHER=$(readelf -n "$WORK/a/prog" | sed -n 's/^ *Build ID: *//p')
[ "$OTHER" != "$BID" ] || fail "the stand-in program has the same build-id"

"$ML" ingest -q -o "$WORK/wrong.db" "$WORK/wrong.mlt" 2>"$WORK/wrong.err" ||
	fail "ingest with the wrong file: $(head -1 "$WORK/wrong.err")"
grep "warning" "$WORK/wrong.err" | grep "$WORK/a/prog" | grep "$OTHER" | grep -q "$BID" ||
	fail "no warning naming the refused file and both build-ids: $(cat "$WORK/wrong.err")"
[ "$(grep -c warning "$WORK/wrong.err")" -eq 1 ] || fail "want one warning: $(cat "$WORK/wrong.err")"
prog_symbols wrong
[ "$V" = "mismatch/NULL" ] || fail "wrong file: status $V, want mismatch/NULL"
expect wrong "SELECT count(*) FROM frames WHERE module = 'prog' AND
	(function IS NOT NULL OR file IS NOT NULL)" 0 "frames named from the refused file"
expect wrong "SELECT count(*) > 0 FROM frames WHERE module = 'prog'" 1 "module+offset frames of prog"

"$ML" stats "$WORK/wrong.db" | grep -q "^  prog .*none: build-id differs" ||
	fail "stats does not say prog's file was refused"
"$ML" report -o "$WORK/wrong.html" "$WORK/wrong.db" >/dev/null 2>&1 || fail "report failed"
grep -q '<tr class="sym-mismatch">' "$WORK/wrong.html" || fail "the report does not show the refused module"

"$ML" ingest -q --sysroot "$WORK/root" -o "$WORK/sysroot.db" "$WORK/sysroot.mlt" 2>"$WORK/sysroot.err" ||
	fail "ingest --sysroot: $(head -1 "$WORK/sysroot.err")"
grep -q warning "$WORK/sysroot.err" && fail "a warning with the right file in the sysroot: $(cat "$WORK/sysroot.err")"
prog_symbols sysroot
[ "$V" = "full/sysroot" ] || fail "--sysroot: status $V, want full/sysroot"
sym_same ref sysroot "ingest --sysroot elsewhere and ingest where it was traced"

cp "$WORK/wrong.db" "$WORK/later.db"
"$ML" symbolize -q --sysroot "$WORK/root" "$WORK/later.db" 2>"$WORK/later.err" ||
	fail "symbolize --sysroot: $(head -1 "$WORK/later.err")"
sym_same ref later "symbolize --sysroot and ingest where it was traced"
exit 0
