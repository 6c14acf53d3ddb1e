# The differential unwinder tests (t1100-t1104): the fast unwinder
# (tracer/unwind.c) against libunwind. Sourced after common.sh. Defines:
#   unw_both NAME PROG [ARG...]
#       Runs PROG twice under `memledger run`: once as usual (the fast
#       path) and once with MEMLEDGER_UNWIND=libunwind, which sends every
#       capture to libunwind's unw_backtrace (tracer/stacks.c). Both runs
#       must exit 0 with the same stdout. Loads each into its own database
#       with every allocation ($WORK/NAME.fast.db, $WORK/NAME.lu.db) and
#       dumps each allocation's symbolized stack, in trace order, into
#       $WORK/NAME.fast.csv and $WORK/NAME.lu.csv.
#       Each trace must hold exactly as many allocations as the tracer
#       counted in its exit snapshot.
#   unw_compare NAME
#       Holds the two dumps against each other with lib/unwcmp.py (its
#       header states the rule: every allocation's stack equal, frame for
#       frame; a real program may make an allocation or two more in one
#       run, and those are aligned around) and fails on any difference.
#       Prints its summary line.
#   unw_expect_frames NAME MIN
#       Fails unless at least MIN allocations of the fast run have a stack
#       of 3 frames or more (so a broken tracer that records empty or
#       one-frame stacks for both cannot pass by agreement).

# --allocations all, when this ingest has the option (the default might
# keep only what is live at exit).
unw_ingest_opts() {
	if "$ML" ingest --help 2>&1 | grep -q -- '--allocations'; then
		echo "--allocations all"
	fi
}

# Every allocation with its stack, frame by frame: the allocation's
# position in the trace, its size, and per frame the module, the return
# address's offset in it and the function (inlined frames included).
UNW_SQL="SELECT a.id, a.size, s.depth, f.module, f.offset, f.function, f.inlined
	FROM allocations a LEFT JOIN stacks s ON s.stack_id = a.stack_id
	LEFT JOIN frames f ON f.id = s.frame_id
	ORDER BY a.id, s.depth"

unw_run() {  # NAME MODE PROG...
	n=$1
	mode=$2
	shift 2
	if [ "$mode" = lu ]; then
		MEMLEDGER_UNWIND=libunwind "$ML" run -o "$WORK/$n.$mode.mlt" -- "$@" \
			>"$WORK/$n.$mode.out" 2>"$WORK/$n.$mode.err" </dev/null
	else
		env -u MEMLEDGER_UNWIND "$ML" run -o "$WORK/$n.$mode.mlt" -- "$@" \
			>"$WORK/$n.$mode.out" 2>"$WORK/$n.$mode.err" </dev/null
	fi
	rc=$?
	[ $rc -eq 0 ] || fail "$n ($mode): exit status $rc: $(head -3 "$WORK/$n.$mode.err")"
	# shellcheck disable=SC2046
	"$ML" ingest -q $(unw_ingest_opts) -o "$WORK/$n.$mode.db" "$WORK/$n.$mode.mlt" \
		>"$WORK/$n.$mode.ingest" 2>&1 || fail "$n ($mode): ingest failed: $(head -3 "$WORK/$n.$mode.ingest")"
	"$ML" query --csv "$WORK/$n.$mode.db" "$UNW_SQL" >"$WORK/$n.$mode.csv" 2>"$WORK/$n.$mode.qerr" ||
		fail "$n ($mode): query failed: $(head -3 "$WORK/$n.$mode.qerr")"
	# The trace is whole: it holds as many allocations as the tracer
	# counted at exit. (When the two runs differ, this tells a program
	# that varied from a trace that lost something.)
	got=$(q "$WORK/$n.$mode.db" "SELECT count(*) FROM allocations")
	want=$(q "$WORK/$n.$mode.db" "SELECT sum(mallocs) FROM snapshots WHERE kind = 'exit'")
	[ -n "$got" ] && [ "$got" = "$want" ] ||
		fail "$n ($mode): the trace holds ${got:-no} allocations, the tracer counted ${want:-none} at exit"
	echo "$n ($mode): $got allocations"
}

unw_both() {
	name=$1
	shift
	unw_run "$name" fast "$@"
	unw_run "$name" lu "$@"
	cmp -s "$WORK/$name.fast.out" "$WORK/$name.lu.out" ||
		fail "$name: stdout differs between the two runs"
}

unw_compare() {
	name=$1
	"$PY" "$ROOT/tests/e2e/lib/unwcmp.py" "$WORK/$name.fast.csv" "$WORK/$name.lu.csv" \
		>"$WORK/$name.cmp" 2>&1
	rc=$?
	cat "$WORK/$name.cmp"
	[ $rc -eq 0 ] || fail "$name: the fast unwinder and libunwind disagree: $(head -12 "$WORK/$name.cmp" | tr '\n' '|')"
}

unw_expect_frames() {
	got=$(q "$WORK/$1.fast.db" "SELECT count(*) FROM allocations a
		WHERE (SELECT count(*) FROM stacks s WHERE s.stack_id = a.stack_id) >= 3")
	[ "${got:-0}" -ge "$2" ] || fail "$1: only ${got:-0} allocations have a stack of 3 frames or more, want $2"
}
