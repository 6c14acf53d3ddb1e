#!/bin/sh
# Issue 9, -o: it names exactly the file written. An existing file that
# is not a memledger trace is never removed or overwritten (run exits 2
# without running anything), and neither is a directory: -o names a file.
# A trace left by an earlier run is replaced. Children of the run write
# STEM.PID.mlt beside it, STEM being the name without a final ".mlt".
. "$(dirname "$0")/lib/common.sh"
case $ML in /*) ;; *) ML=$ROOT/$ML ;; esac
cd "$WORK" || fail "cd"

echo "my notes" >notes.txt
"$ML" run -o notes.txt -- touch ran >out 2>err
rc=$?
[ $rc -eq 2 ] || fail "-o on a text file: exit $rc, want 2"
[ "$(cat notes.txt)" = "my notes" ] || fail "-o on a text file changed it"
[ ! -e ran ] || fail "-o on a text file still ran the program"
[ ! -e notes.txt.mlt ] || fail "-o notes.txt wrote notes.txt.mlt"
grep -q "^memledger: notes.txt: exists and is not a memledger trace" err || fail "-o on a text file: $(cat err)"
[ "$(wc -l <err)" -eq 1 ] || fail "-o on a text file: want one line: $(cat err)"

ln -s notes.txt link.mlt
"$ML" run -o link.mlt -- true 2>err
[ $? -eq 2 ] || fail "-o on a symlink: want exit 2"
[ "$(cat notes.txt)" = "my notes" ] || fail "-o on a symlink changed its target"

"$ML" run -o /dev/null -- true 2>err
[ $? -eq 2 ] || fail "-o /dev/null: want exit 2"
grep -q "^memledger: /dev/null: exists and is not a memledger trace" err || fail "-o /dev/null: $(cat err)"

mkdir dir
"$ML" run -o dir -- true 2>err
[ $? -eq 2 ] || fail "-o on a directory: want exit 2"
grep -q "^memledger: dir: is a directory" err || fail "-o on a directory: $(cat err)"
[ -z "$(ls dir)" ] && [ ! -e dir.mlt ] || fail "-o on a directory wrote something: $(ls dir dir.mlt 2>&1)"

# exactly the name given, and the children beside it
"$ML" run -v -o new.txt -- sh -c 'true | cat' >/dev/null 2>err || fail "-o new.txt: $(cat err)"
[ "$(head -c 4 new.txt | od -An -c | tr -d ' ')" = "211MLT" ] || fail "-o new.txt: new.txt is not a trace"
[ ! -e new.txt.mlt ] || fail "-o new.txt also wrote new.txt.mlt"
n=$(ls new.txt.*.mlt 2>/dev/null | wc -l)
[ "$n" -ge 2 ] || fail "-o new.txt: children's traces not beside it as new.txt.PID.mlt: $(ls)"
[ "$(grep -c '^memledger: wrote ' err)" -eq $((n + 1)) ] || fail "-v does not list every file: $(cat err)"
"$ML" ingest -q -o new.db new.txt new.txt.*.mlt || fail "the traces of -o new.txt do not load"

# a trace from an earlier run is replaced
"$ML" run -o old.mlt -- true 2>/dev/null || fail "first run"
"$ML" run -o old.mlt -- "$PROGS/counts" >/dev/null 2>err || fail "second run over an old trace: $(cat err)"
"$ML" ingest -q -o old.db old.mlt || fail "the replaced trace does not load"
[ "$(q old.db "SELECT group_concat(exe) FROM processes")" = "$PROGS/counts" ] || fail "the old trace was not replaced"
exit 0
