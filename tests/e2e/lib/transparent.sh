# Transparency checks for the tracer robustness tests (t0220-t0239) and
# the transparency suite (t0500-t0539). Sourced after common.sh. Defines:
#   same NAME [RUNOPT...] -- PROG [ARG...]
#       Runs PROG once directly and once under `memledger run [RUNOPT...]
#       -o $WORK/NAME.mlt`, both with stdin from /dev/null and under
#       `timeout` ($SAME_TIMEOUT seconds, default 60), and fails unless the
#       exit status, stdout and stderr are the same. memledger's own line
#       "memledger: wrote ..." (one summary line, however many traces) is
#       left out of the comparison; any other line of memledger's, such as
#       an error about the trace, makes stderr differ. Sets RC to the
#       status. The traces are $WORK/NAME*.mlt.
#   same_ok NAME WANT [RUNOPT...] -- PROG [ARG...]
#       same, and the program must exit 0 and print exactly WANT.
#   ingest_all NAME
#       Loads every $WORK/NAME*.mlt into $WORK/NAME.db with $ALLOCS (like load, but
#       reports the first stderr line of a failure and checks that no
#       warning about a truncated trace was printed). Sets DB.
#   all_load NAME
#       ingest_all, then fails unless every trace is one process in $DB.
#   expect NAME SQL WANT
#       q $DB SQL must print WANT.

SAME_TIMEOUT=${SAME_TIMEOUT:-60}

same() {
	name=$1
	shift
	runopts=""
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		runopts="$runopts $1"
		shift
	done
	[ "$1" = "--" ] || fail "same: no -- before the program"
	shift
	timeout "$SAME_TIMEOUT" "$@" >"$WORK/$name.plain.out" 2>"$WORK/$name.plain.err" </dev/null
	plain=$?
	[ $plain -ne 124 ] || fail "$name: timed out without the tracer"
	# A program killed by a signal: dash reports it ("Aborted") on the
	# command's stderr; that line is the shell's, not the program's, and
	# `memledger run` exits 128+N instead of dying, so nothing reports it.
	if [ $plain -gt 128 ]; then
		sed -i '$ { /^\(Aborted\|Segmentation fault\|Killed\|Terminated\|Hangup\|Quit\|Illegal instruction\|Bus error\|Floating point exception\|Trace\/breakpoint trap\|Bad system call\|User defined signal [12]\|Alarm clock\)\( (core dumped)\)\?$/d }' "$WORK/$name.plain.err"
	fi
	# shellcheck disable=SC2086
	timeout "$SAME_TIMEOUT" "$ML" run $runopts -o "$WORK/$name.mlt" -- "$@" \
		>"$WORK/$name.out" 2>"$WORK/$name.err.all" </dev/null
	RC=$?
	[ $RC -ne 124 ] || fail "$name: timed out under the tracer (deadlock?)"
	grep -v '^memledger: wrote ' "$WORK/$name.err.all" >"$WORK/$name.err"
	[ "$RC" -eq "$plain" ] || fail "$name: exit status $RC under the tracer, $plain without: $(head -3 "$WORK/$name.err")"
	cmp -s "$WORK/$name.plain.out" "$WORK/$name.out" ||
		fail "$name: stdout differs under the tracer: $(diff "$WORK/$name.plain.out" "$WORK/$name.out" | head -6 | tr '\n' '|')"
	cmp -s "$WORK/$name.plain.err" "$WORK/$name.err" ||
		fail "$name: stderr differs under the tracer: $(diff "$WORK/$name.plain.err" "$WORK/$name.err" | head -6 | tr '\n' '|')"
	grep -q '^memledger: wrote ' "$WORK/$name.err.all" || fail "$name: memledger run wrote no trace"
}

same_ok() {
	_sname=$1
	_swant=$2
	shift 2
	same "$_sname" "$@"
	[ "$RC" -eq 0 ] || fail "$_sname: status $RC, want 0: $(head -2 "$WORK/$_sname.err")"
	[ "$(cat "$WORK/$_sname.out")" = "$_swant" ] || fail "$_sname: stdout '$(head -c 200 "$WORK/$_sname.out")'"
}

ingest_all() {
	DB=$WORK/$1.db
	rm -f "$DB"
	"$ML" ingest -q $ALLOCS -o "$DB" "$WORK/$1".*mlt >"$WORK/$1.ingest" 2>&1 ||
		fail "ingest of $1 failed: $(head -3 "$WORK/$1.ingest")"
	[ ! -s "$WORK/$1.ingest" ] || fail "ingest of $1 complained: $(head -3 "$WORK/$1.ingest")"
}

all_load() {  # NAME: ingest_all, and every trace file is one process
	ingest_all "$1"
	files=$(ls "$WORK/$1".*mlt | wc -l)
	got=$(q "$DB" "SELECT count(*) FROM processes")
	[ "$got" = "$files" ] || fail "$1: $got processes loaded from $files traces"
}

expect() {
	got=$(q "$DB" "$2")
	[ "$got" = "$3" ] || fail "$1: got '$got', want '$3' ($2)"
}
