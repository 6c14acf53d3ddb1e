# Shared by the partition demo tests (t0330-t0337). Sourced after
# common.sh and checklist.sh.
#
#   demo NAME [FLAG...]   trace build/examples/partition_demo --seconds 0.3
#                         with FLAGs (8 instances, the default), expect
#                         exit 0 and its three phases, and load it.

DEMO=$ROOT/build/examples/partition_demo
[ -x "$DEMO" ] || fail "$DEMO is not built (make test-programs)"

demo() {
	_name=$1
	shift
	traced "$_name" "$DEMO" --seconds 0.3 "$@"
	expect "$_name" "SELECT group_concat(label, ',') FROM (SELECT label FROM snapshots WHERE kind = 'user' ORDER BY seq)" \
		"START,AFTER RUN,AFTER CLEANUP" "the demo's own snapshots"
	expect "$_name" "SELECT count(*) FROM threads WHERE start_function = 'worker_main'" 24 "worker threads (8 instances x 3)"
}
