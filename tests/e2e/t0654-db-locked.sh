#!/bin/sh
# A locked database (issue 9): while sqlite3 holds an exclusive lock,
# query, stats, check, report and ingest each wait a bounded time (5 s)
# and then say the database is locked and how long they waited; on the
# old code they said "not a SQLite database". A lock released within the
# wait is waited out: the ingest then succeeds.
. "$(dirname "$0")/lib/common.sh"
command -v sqlite3 >/dev/null || skip "no sqlite3"

trace c "$PROGS/counts"
trace d "$PROGS/counts"
db=$WORK/l.db
"$ML" ingest -q -o "$db" "$WORK/c.mlt" || fail "ingest"

# hold an exclusive lock until unlock; sqlite3 reads its commands from a
# FIFO held open on fd 3, so when the test ends, however it ends, sqlite3
# reads EOF and goes too
lock() {
	rm -f "$WORK/ctl"
	mkfifo "$WORK/ctl" || fail "mkfifo"
	sqlite3 "$db" <"$WORK/ctl" >/dev/null 2>&1 &
	LOCKER=$!
	exec 3>"$WORK/ctl"
	echo ".timeout 5000" >&3
	echo "BEGIN EXCLUSIVE;" >&3
	n=0
	until ! sqlite3 "$db" "SELECT count(*) FROM meta" >/dev/null 2>&1; do
		n=$((n + 1))
		[ $n -lt 50 ] || fail "sqlite3 did not take the lock"
		sleep 0.1
	done
}
unlock() {
	echo "COMMIT;" >&3
	exec 3>&-
	wait $LOCKER
}

lock
t0=$(date +%s)
"$ML" query "$db" "SELECT count(*) FROM processes" >"$WORK/query.out" 2>&1 &
p1=$!
"$ML" stats "$db" >"$WORK/stats.out" 2>&1 &
p2=$!
"$ML" check "$db" >"$WORK/check.out" 2>&1 &
p3=$!
"$ML" report -o "$WORK/r.html" "$db" >"$WORK/report.out" 2>&1 &
p4=$!
"$ML" ingest -q -o "$db" "$WORK/d.mlt" >"$WORK/ingest.out" 2>&1 &
p5=$!
for p in $p1 $p2 $p3 $p4 $p5; do
	wait $p && fail "a command succeeded on a locked database"
done
t1=$(date +%s)
unlock
[ $((t1 - t0)) -ge 4 ] || fail "gave up after $((t1 - t0)) s, want about 5"
[ $((t1 - t0)) -le 30 ] || fail "waited $((t1 - t0)) s, want about 5"
for c in query stats check report ingest; do
	grep -q "memledger: $db: .*the database is locked by another process (waited 5 s for it)" "$WORK/$c.out" ||
		fail "$c: $(head -2 "$WORK/$c.out")"
	grep -qi "not a SQLite database" "$WORK/$c.out" && fail "$c: $(head -2 "$WORK/$c.out")"
done
[ "$(q "$db" "SELECT count(*) FROM processes")" = 1 ] || fail "the locked ingest changed the database"

# a lock that goes away within the wait is waited out
lock
"$ML" ingest -q -o "$db" "$WORK/d.mlt" >"$WORK/ingest2.out" 2>&1 &
p=$!
sleep 1
unlock
wait $p || fail "ingest did not wait out a 1 s lock: $(cat "$WORK/ingest2.out")"
[ "$(q "$db" "SELECT count(*) FROM processes")" = 2 ] || fail "the waiting ingest did not load"
exit 0
