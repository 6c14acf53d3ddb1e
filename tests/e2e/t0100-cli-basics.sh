#!/bin/sh
# The command line: --help on every command, one-line errors, and `run`
# passing stdin, stdout, stderr and the exit status through like a shell.
. "$(dirname "$0")/lib/common.sh"

for c in run ingest report query stats check; do
	"$ML" $c --help >"$WORK/h" 2>&1 || fail "memledger $c --help exited $?"
	grep -q "^usage: memledger $c" "$WORK/h" || fail "memledger $c --help shows no usage"
done
"$ML" --help | grep -q "^usage: memledger COMMAND" || fail "memledger --help"
"$ML" frobnicate >/dev/null 2>"$WORK/e"; [ $? -eq 2 ] || fail "unknown command should exit 2"
[ "$(wc -l <"$WORK/e")" -eq 1 ] || fail "unknown command: want one line of error"
"$ML" run 2>/dev/null; [ $? -eq 2 ] || fail "run without a program should exit 2"
"$ML" run --interval 0 -- true 2>/dev/null; [ $? -eq 2 ] || fail "bad --interval should exit 2"

# exit status, stdout, stdin, stderr pass through
"$ML" run -o "$WORK/a.mlt" -- sh -c 'exit 7' 2>/dev/null; [ $? -eq 7 ] || fail "exit status 7 not passed through"
"$ML" run -o "$WORK/b.mlt" -- sh -c 'kill -TERM $$' 2>/dev/null; [ $? -eq 143 ] || fail "killed by TERM should give 143"
out=$(printf 'hello\nworld\n' | "$ML" run -o "$WORK/c.mlt" -- cat 2>"$WORK/c.err")
[ "$out" = "$(printf 'hello\nworld')" ] || fail "stdin/stdout not passed through: '$out'"
grep -q "^memledger: wrote $WORK/c.mlt" "$WORK/c.err" || fail "run does not list the trace it wrote"
"$ML" run -o "$WORK/d.mlt" -- sh -c 'echo oops >&2' 2>"$WORK/d.err" >/dev/null
grep -q '^oops$' "$WORK/d.err" || fail "stderr not passed through"

# a missing program: one line, 127
"$ML" run -- /nonexistent/prog 2>"$WORK/m.err"; rc=$?
[ $rc -eq 127 ] || fail "missing program should exit 127, got $rc"
[ "$(wc -l <"$WORK/m.err")" -eq 1 ] || fail "missing program: want one line of error"
grep -q '^memledger: /nonexistent/prog: ' "$WORK/m.err" || fail "missing program: error names it"

# default trace name: memledger.PROG.PID.mlt in the current folder
(cd "$WORK" && "$ROOT/$ML" run -- true 2>"$WORK/n.err") || fail "run true failed"
ls "$WORK"/memledger.true.*.mlt >/dev/null 2>&1 || fail "no default-named trace"
# default database name: the trace's with .db
t=$(ls "$WORK"/memledger.true.*.mlt | head -1)
"$ML" ingest -q "$t" || fail "ingest of the default trace failed"
[ -f "${t%.mlt}.db" ] || fail "ingest did not default to ${t%.mlt}.db"
exit 0
