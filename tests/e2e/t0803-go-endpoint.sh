#!/bin/sh
# --go-endpoint against a real Go HTTP service (tests/go/service, expvar
# and net/http/pprof) on 127.0.0.1: /debug/vars is polled, a goroutine
# dump and a heap profile are taken at the start, on SIGUSR1 and when the
# run is told to stop; SIGTERM reaches the service, whose exit status is
# run's; everything loads as one Go process.
. "$(dirname "$0")/lib/common.sh"
S=$ROOT/build/go/service
[ -x "$S" ] || skip "build/go/service is not built (needs golang-go: make deps)"
port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# the user's GODEBUG is kept (gctrace=1 is added to it)
GODEBUG=madvdontneed=1 "$ML" run -o "$WORK/svc.mlt" --go-endpoint "http://127.0.0.1:$port" --interval 100 -- "$S" "$port" \
	>"$WORK/out" 2>"$WORK/err" &
run=$!
# wait for the start snapshot (a heap record in the trace), at most 10 s
i=0
while [ $i -lt 100 ] && ! grep -q '^R heap ' "$WORK/svc.mlt" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
grep -q '^R heap ' "$WORK/svc.mlt" || { kill -TERM $run; fail "no start snapshot: $(cat "$WORK/err")"; }
sleep 0.4
kill -USR1 $run
sleep 0.5
kill -TERM $run
wait $run
rc=$?
[ "$rc" = 0 ] || fail "run exited $rc (the service exits 0 on SIGTERM): $(cat "$WORK/err")"
grep -q 'service: stopping' "$WORK/err" || fail "SIGTERM did not reach the service"
# gctrace is ours, even a line the service's exit cut short
grep -q 'gc [0-9][0-9]* @' "$WORK/err" && fail "gctrace reached stderr: $(grep 'gc [0-9]' "$WORK/err")"
"$ML" ingest -q -o "$WORK/svc.db" "$WORK/svc.mlt" 2>"$WORK/ingest" || fail "ingest: $(cat "$WORK/ingest")"
[ "$(q "$WORK/svc.db" "SELECT runtime FROM processes")" = go ] || fail "not a Go process"
kinds=$(q "$WORK/svc.db" "SELECT group_concat(kind, ' ') FROM (SELECT DISTINCT kind FROM snapshots ORDER BY kind)")
[ "$kinds" = "exit sample start user" ] || fail "snapshot kinds: $kinds"
[ "$(q "$WORK/svc.db" "SELECT count(*) >= 3 FROM snapshots WHERE kind = 'sample'")" = 1 ] || fail "too few polls"
[ "$(q "$WORK/svc.db" "SELECT label FROM snapshots WHERE kind = 'user'")" = signal ] || fail "SIGUSR1 snapshot not labelled"
# goroutines from the dumps: the two the service parks on a channel
[ "$(q "$WORK/svc.db" "SELECT count(*) FROM threads t JOIN goroutines g USING (process_id, tid, start_ns) WHERE g.wait_reason = 'chan receive' AND t.end_ns IS NULL")" -ge 2 ] ||
	fail "parked goroutines missing from threads"
[ "$(q "$WORK/svc.db" "SELECT count(*) > 0 FROM sites")" = 1 ] || fail "no sites from the heap profiles"
[ "$(q "$WORK/svc.db" "SELECT status FROM checklist WHERE item = 'channels_closed'")" = fail ] || fail "channels_closed"
# the service keeps 50 x 8 KiB, made in main before it listens: the heap
# profiles see them (at one snapshot at least: a profile may lag the heap
# by up to two collections, runtime.MemProfile says)
[ "$(q "$WORK/svc.db" "SELECT count(*) FROM site_snapshots ss JOIN sites s USING (process_id, stack_id)
	WHERE s.function = 'main.main' AND ss.live_bytes >= 8192")" -ge 1 ] ||
	fail "the kept buffers are in no heap profile: $("$ML" query "$WORK/svc.db" "SELECT function, live_bytes, bytes FROM sites ORDER BY live_bytes DESC LIMIT 5" | tr "\n" "|")"
# the endpoint alone, without PROG: a dead port makes no snapshot but a clean trace
"$ML" run -o "$WORK/none.mlt" --go-endpoint "http://127.0.0.1:1" >/dev/null 2>&1 &
r2=$!
sleep 0.5
kill -INT $r2 2>/dev/null || fail "the endpoint-only run did not keep polling until told to stop"
wait $r2 || fail "endpoint-only run did not exit 0 on SIGINT"
head -c 9 "$WORK/none.mlt" | grep -q MLGORUN1 || fail "endpoint-only run wrote no trace"
# a grandchild that goes on writing to the inherited stderr does not keep
# run going once the program has exited: run ends with the program's status
timeout 20 "$ML" run -o "$WORK/gc.mlt" --go-endpoint "http://127.0.0.1:1" -- \
	sh -c '(while :; do echo x >&2; done) & echo $! >"$0"; exit 3' "$WORK/writer.pid" >/dev/null 2>&1
rc=$?
kill "$(cat "$WORK/writer.pid")" 2>/dev/null
[ "$rc" = 3 ] || fail "run with a writing grandchild exited $rc (124: it never ended), not the program's 3"
exit 0
