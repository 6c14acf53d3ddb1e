#!/bin/sh
# Issue 9, signal dispositions: CPython installs its SIGINT handler only
# over SIG_DFL, so a tracer that takes SIGINT turns Ctrl-C from a
# KeyboardInterrupt into a silent death. Under the tracer, Python must see
# SIG_DFL at start, raise KeyboardInterrupt, and (uncaught) print the same
# traceback and die by SIGINT (130), exactly as without it. Ctrl-C from
# outside is a SIGINT sent to the sleeping interpreter.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/transparent.sh"
[ -x "$PY" ] || skip "no python3"

cat >"$WORK/kb.py" <<'EOF2'
import os, signal, sys, time
print("SIGINT:", signal.getsignal(signal.SIGINT))
print("SIGSEGV:", signal.getsignal(signal.SIGSEGV))
try:
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(5)
    print("no KeyboardInterrupt")
except KeyboardInterrupt:
    print("KeyboardInterrupt caught")
sys.stdout.flush()
if sys.argv[1:] == ["uncaught"]:
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(5)
if sys.argv[1:] == ["wait"]:
    with open(sys.argv[0] + ".pid", "w") as f:
        f.write(str(os.getpid()))
    time.sleep(30)
EOF2

same caught -- "$PY" "$WORK/kb.py"
[ "$RC" -eq 0 ] || fail "caught: status $RC"
grep -q '^KeyboardInterrupt caught$' "$WORK/caught.out" || fail "caught: $(cat "$WORK/caught.out")"
grep -q '^SIGINT: <built-in function default_int_handler>$' "$WORK/caught.out" || fail "caught: Python did not install its SIGINT handler"

same uncaught -- "$PY" "$WORK/kb.py" uncaught
[ "$RC" -eq 130 ] || fail "uncaught: status $RC, want 130"
grep -q '^KeyboardInterrupt$' "$WORK/uncaught.err" || fail "uncaught: no traceback: $(tail -2 "$WORK/uncaught.err")"

# Ctrl-C: SIGINT from outside while Python sleeps.
ctrl_c() {  # NAME CMD...: run CMD in the background, interrupt it once ready
	name=$1
	shift
	rm -f "$WORK/kb.py.pid"
	# a shell starts background jobs with SIGINT ignored; a terminal's
	# foreground job has it at its default
	env --default-signal=INT "$@" "$PY" "$WORK/kb.py" wait >"$WORK/$name.out" 2>"$WORK/$name.err" </dev/null &
	bg=$!
	i=0
	until [ -s "$WORK/kb.py.pid" ]; do
		i=$((i + 1))
		[ $i -lt 400 ] || { kill -KILL $bg; fail "$name: Python never got ready"; }
		sleep 0.05
	done
	sleep 0.1
	kill -INT "$(cat "$WORK/kb.py.pid")"
	wait $bg
	echo $?
}
plain=$(ctrl_c plainc)
traced=$(ctrl_c tracedc "$ML" run -o "$WORK/ctrlc.mlt" --)
[ "$plain" -eq 130 ] || fail "Ctrl-C without the tracer: status $plain, want 130"
[ "$traced" -eq "$plain" ] || fail "Ctrl-C: status $traced under the tracer, $plain without"
cmp -s "$WORK/plainc.out" "$WORK/tracedc.out" || fail "Ctrl-C: stdout differs"
grep -v '^memledger: wrote ' "$WORK/tracedc.err" >"$WORK/tracedc.err2"
cmp -s "$WORK/plainc.err" "$WORK/tracedc.err2" || fail "Ctrl-C: stderr differs: $(diff "$WORK/plainc.err" "$WORK/tracedc.err2" | head -4 | tr '\n' '|')"
grep -q '^KeyboardInterrupt$' "$WORK/tracedc.err" || fail "Ctrl-C: no KeyboardInterrupt under the tracer"
# The async SIGINT is the program's: its trace loads, cut short.
load ctrlc
got=$(q "$WORK/ctrlc.db" "SELECT end_reason FROM processes")
[ "$got" = truncated ] || fail "Ctrl-C: end_reason '$got', want truncated"
exit 0
