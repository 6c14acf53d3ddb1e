# Shared by the on-demand snapshot tests (t086N). Sourced after common.sh.
#
#   od_start NAME [RUNOPT...]   runs tests/programs/ondemand under
#                               `memledger run -o $WORK/NAME.mlt RUNOPT...`
#                               in the background, its stdin a FIFO the
#                               test holds on descriptor 3; sets RUN (the
#                               run's pid) and PID (the traced program's)
#   od_step WORD N              sends one line, waits for "step N" on its stdout
#   od_finish                   closes its stdin and waits for the run
#   od_snapshot ARG...          memledger snapshot ARG..., retried while the
#                               process has not opened its channel yet, or
#                               not made it again after the program closed
#                               it (it does within a sampling round); sets
#                               SRC, output in $WORK/snap.err

od_start() {
	_od=$1
	shift
	rm -f "$WORK/$_od.fifo"
	mkfifo "$WORK/$_od.fifo" || fail "mkfifo failed"
	"$ML" run -o "$WORK/$_od.mlt" "$@" -- "$PROGS/ondemand" <"$WORK/$_od.fifo" \
		>"$WORK/$_od.out" 2>"$WORK/$_od.err" &
	RUN=$!
	exec 3>"$WORK/$_od.fifo"
	PID=
	for _i in $(seq 100); do
		for _c in $(cat /proc/$RUN/task/*/children 2>/dev/null); do
			[ "$(readlink /proc/$_c/exe 2>/dev/null)" = "$PROGS/ondemand" ] && PID=$_c
		done
		[ -n "$PID" ] && break
		sleep 0.05
	done
	[ -n "$PID" ] || fail "the traced program did not start"
}

od_step() {
	echo "$1" >&3
	for _i in $(seq 200); do
		grep -q "^step $2 " "$WORK/$_od.out" && return 0
		sleep 0.05
	done
	fail "step $2 did not complete: $(cat "$WORK/$_od.out")"
}

od_finish() {
	exec 3>&-
	wait $RUN || fail "memledger run exited $?: $(cat "$WORK/$_od.err")"
}

od_snapshot() {
	for _i in $(seq 50); do
		"$ML" snapshot "$@" >"$WORK/snap.out" 2>"$WORK/snap.err"
		SRC=$?
		grep -q "has no memledger control socket\|socket does not answer" "$WORK/snap.err" || return 0
		sleep 0.1
	done
}
