# Shared by the checklist and lifecycle tests (t03NN). Sourced after
# common.sh, not run. Every function works on $WORK/NAME.db, which holds
# one process, and calls fail on the first difference.
#
#   traced NAME PROG [ARG...]   trace (the program must exit 0) and load
#   expect_items NAME [ITEM...] the full vector of the nine items: the
#                               ITEMs fail, gc_repeated is n/a, the rest pass
#   expect_check NAME           `memledger check`: one line per item with its
#                               status, "N item(s) failed" for the ITEMs of
#                               the last expect_items; exit 1 and a last line
#                               "gate: FAIL ..." when one of them gates by
#                               default (see compare/gate.h) or the process
#                               left definite leaks, else 0 and "gate: pass"
#   val NAME SQL                sets V to q on NAME's database; an empty
#                               answer (a query error) fails
#   expect NAME SQL WANT WHAT   val NAME SQL must give WANT, else fail
#                               with WHAT
#   snap_ns NAME LABEL          sets V to ts_ns of the program's snapshot
#                               LABEL
#   planted NAME PROG [ITEM...] traced NAME PROG, then expect_items and
#                               expect_check with the ITEMs that must fail
#   expect_thread_states NAME WANT [WHAT]
#                               the threads' states at exit with their
#                               counts, "state:n ..." by state, are WANT
#   expect_one_evidence NAME ITEM LIKE WHAT
#                               ITEM has exactly one evidence row, and its
#                               text is LIKE the pattern, else fail with WHAT
#
# val and snap_ns set V rather than print, because fail inside $(...)
# would only leave the subshell.

ITEMS="threads_stopped threads_joined timers_stopped containers_cleared channels_closed settle_time gc_repeated global_references baseline_returned"

traced() {
	_name=$1
	trace "$@"
	[ "$RC" -eq 0 ] || fail "$_name: memledger run exited $RC, want 0: $(head -1 "$WORK/$_name.err")"
	load "$_name"
	expect "$_name" "SELECT count(*) FROM processes" 1 "processes in the database"
}

val() {
	# one line: without an alias, the CSV header is the SQL text itself
	V=$(q "$WORK/$1.db" "$(echo "$2" | tr '\n\t' '  ')")
	case $V in  # a CSV-quoted field (it holds a comma or a quote)
	\"*\") V=$(echo "$V" | sed 's/^"//; s/"$//; s/""/"/g') ;;
	esac
	[ -n "$V" ] || fail "$1: query gave nothing: $2: $(head -1 "$WORK/q.err")"
}

expect() {
	val "$1" "$2"
	[ "$V" = "$3" ] || fail "$1: $4: got '$V', want '$3'"
}

snap_ns() {
	val "$1" "SELECT ts_ns FROM snapshots WHERE kind = 'user' AND label = '$2'"
}

EXPECT_FAILS=""
# _item_status ITEM PASS NA FAIL: sets _s to what ITEM should show, spelled
# PASS, NA (gc_repeated) or FAIL (one of EXPECT_FAILS).
_item_status() {
	_s=$2
	[ "$1" = gc_repeated ] && _s=$3
	for _f in $EXPECT_FAILS; do
		[ "$_f" = "$1" ] && _s=$4
	done
}

expect_items() {
	_name=$1
	shift
	EXPECT_FAILS="$*"
	_want=""
	for _i in $ITEMS; do
		_item_status "$_i" pass n/a fail
		_want="$_want${_want:+ }$_i=$_s"
	done
	_order="CASE item"
	_k=1
	for _i in $ITEMS; do
		_order="$_order WHEN '$_i' THEN $_k"
		_k=$((_k + 1))
	done
	val "$_name" "SELECT group_concat(item || '=' || status, ' ') FROM
		(SELECT item, status FROM checklist ORDER BY $_order END)"
	[ "$V" = "$_want" ] && return 0
	_diff=""
	for _w in $_want; do
		case " $V " in
		*" $_w "*) ;;
		*) _diff="$_diff${_diff:+, }want $_w" ;;
		esac
	done
	fail "$_name: checklist differs ($_diff): got $V"
}

expect_check() {
	_name=$1
	"$ML" check "$WORK/$_name.db" >"$WORK/$_name.check" 2>"$WORK/$_name.check.err"
	_rc=$?
	_nf=$(echo "$EXPECT_FAILS" | wc -w)
	# the items that gate by default; the phase items only with the program's own snapshots
	_gates="threads_stopped threads_joined timers_stopped channels_closed settle_time"
	val "$_name" "SELECT count(*) FROM snapshots WHERE kind = 'user'"
	[ "$V" -ge 2 ] && _gates="$_gates containers_cleared baseline_returned"
	val "$_name" "SELECT count(*) FROM sites WHERE runtime = 0 AND lost_allocs + indirect_allocs > 0"
	_want=0
	[ "$V" -gt 0 ] && _want=1
	for _f in $EXPECT_FAILS; do
		case " $_gates " in *" $_f "*) _want=1 ;; esac
	done
	[ "$_rc" -eq "$_want" ] || fail "$_name: memledger check exited $_rc, want $_want: $(head -1 "$WORK/$_name.check.err")"
	for _i in $ITEMS; do
		_item_status "$_i" PASS N/A FAIL
		grep -Eq "^  $_s +$_i " "$WORK/$_name.check" ||
			fail "$_name: memledger check does not print '$_s  $_i': $(grep -E " $_i " "$WORK/$_name.check" | head -1)"
	done
	_last="$_nf items failed"
	[ "$_nf" -eq 1 ] && _last="1 item failed"
	grep -qx "$_last" "$WORK/$_name.check" ||
		fail "$_name: memledger check does not print '$_last'"
	_gate="gate: pass"
	[ "$_want" -eq 1 ] && _gate="gate: FAIL"
	case "$(tail -1 "$WORK/$_name.check")" in
	"$_gate"*) ;;
	*) fail "$_name: memledger check ends with '$(tail -1 "$WORK/$_name.check")', want '$_gate...'" ;;
	esac
}

planted() {
	_pname=$1
	traced "$1" "$2"
	shift 2
	expect_items "$_pname" "$@"
	expect_check "$_pname"
}

expect_one_evidence() {
	expect "$1" "SELECT count(*) FROM checklist_evidence WHERE item = '$2'" 1 "$2 evidence rows"
	expect "$1" "SELECT text LIKE '$3' FROM checklist_evidence WHERE item = '$2'" 1 \
		"$4: $(q "$WORK/$1.db" "SELECT text FROM checklist_evidence WHERE item = '$2'")"
}

expect_thread_states() {
	expect "$1" "SELECT group_concat(state_at_exit || ':' || n, ' ') FROM
		(SELECT state_at_exit, count(*) n FROM threads GROUP BY 1 ORDER BY 1)" "$2" "${3:-thread states}"
}
