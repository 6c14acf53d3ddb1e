#!/bin/sh
# Issue 9 and 10, `memledger run` output and exit: a PROG that cannot be
# executed gives 126 and the reason, one that is not found 127, as a shell
# does; a run that leaves many traces prints one summary line (-v lists
# them); --report prints the root's checklist, on stderr, leaving stdout
# to the program.
. "$(dirname "$0")/lib/common.sh"
case $ML in /*) ;; *) ML=$ROOT/$ML ;; esac
cd "$WORK" || fail "cd"

runs() {  # WANT_RC WANT_MESSAGE ARGS...: one line of error, the shell's status
	want_rc=$1 want_msg=$2
	shift 2
	"$ML" run -o t.mlt -- "$@" >out 2>err </dev/null
	rc=$?
	[ $rc -eq "$want_rc" ] || fail "run $*: exit $rc, want $want_rc"
	[ "$(cat err)" = "$want_msg" ] || fail "run $*: message '$(cat err)', want '$want_msg'"
	[ ! -e t.mlt ] || fail "run $*: wrote a trace"
}
printf 'echo hi\n' >noexec.sh
mkdir adir bin
printf '#!/bin/sh\necho hi\n' >bin/lc-noexec-tool
chmod 644 bin/lc-noexec-tool
runs 126 "memledger: ./noexec.sh: Permission denied" ./noexec.sh
sh -c ./noexec.sh 2>/dev/null; [ $? -eq 126 ] || fail "the shell disagrees about ./noexec.sh"
runs 126 "memledger: ./adir: Is a directory" ./adir
runs 127 "memledger: ./missing: No such file or directory" ./missing
runs 127 "memledger: no-such-command-here: command not found" no-such-command-here
PATH=$WORK/bin:$PATH runs 126 "memledger: lc-noexec-tool: Permission denied" lc-noexec-tool

# one summary line for a run with many children; -v lists every file
"$ML" run -o loop.mlt -- sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do true | cat; done' 2>err || fail "loop run failed"
[ "$(wc -l <err)" -eq 1 ] || fail "run printed $(wc -l <err) lines for one run: $(head -3 err)"
n=$(ls loop.*mlt | wc -l)
grep -q "^memledger: wrote $n traces: $WORK/loop.mlt and $((n - 1)) more beside it (-v lists them)$" err ||
	fail "summary line: $(cat err)"
"$ML" run -v -o loopv.mlt -- sh -c 'for i in 1 2 3; do true | cat; done' 2>err || fail "loop -v run failed"
[ "$(grep -c '^memledger: wrote /' err)" -eq "$(ls loopv.*mlt | wc -l)" ] || fail "-v: $(cat err)"

# --report: the checklist on stderr, the program's stdout untouched
"$ML" run --report -o rep.mlt -- "$PROGS/counts" >out 2>err || fail "run --report failed: $(cat err)"
"$PROGS/counts" >plain.out 2>/dev/null
cmp -s out plain.out || fail "--report changed the program's stdout"
grep -q "^  PASS  threads_stopped " err || fail "--report does not print the checklist: $(cat err)"
grep -q "^memledger: report: $WORK/rep.html$" err || fail "--report does not name the report"
exit 0
