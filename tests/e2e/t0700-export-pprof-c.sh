#!/bin/sh
# export --format pprof on a traced C program: `go tool pprof` reads it
# (-top, -raw, and the -http web UI), its alloc_space, alloc_objects,
# inuse_space and inuse_objects totals equal the database's, the known
# leaking function shows under inuse_space, inlined frames stay lines of
# one location, mappings carry build-ids, and --at LABEL moves inuse.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/export.sh"
need_go

traced_export lc "$PROGS/leak_classes"
export_ok lc --format pprof -o "$WORK/lc.pb.gz" "$DB"
[ "$(head -c 2 "$WORK/lc.pb.gz" | od -An -tx1 | tr -d ' ')" = 1f8b ] || fail "the profile is not gzip"

want_space=$(dbsum "$DB" "SELECT sum(bytes) FROM sites")
want_objects=$(dbsum "$DB" "SELECT sum(allocs) FROM sites")
want_inuse=$(dbsum "$DB" "SELECT alloc FROM snapshots WHERE label = 'exit'")
want_inuse_n=$(dbsum "$DB" "SELECT heap_objects FROM snapshots WHERE label = 'exit'")
# the sites add up to the run's own counters (TotalAlloc, Mallocs)
[ "$want_space" = "$(q "$DB" "SELECT total_alloc FROM snapshots WHERE label = 'exit'")" ] ||
	fail "sites do not add up to TotalAlloc"
for pair in "alloc_space $want_space" "alloc_objects $want_objects" "inuse_space $want_inuse" \
	"inuse_objects $want_inuse_n"; do
	set -- $pair
	got=$(pprof_total "$WORK/lc.pb.gz" "$1")
	[ "$got" = "$2" ] || fail "go tool pprof: $1 total $got, database $2 ($(head -1 "$WORK/pprof.err"))"
done
[ "$want_inuse" = 1704 ] || fail "leak_classes should leave 1704 bytes live, the database says $want_inuse"

# the leaking function, with its bytes, under inuse_space
pprof_top "$WORK/lc.pb.gz" inuse_space >"$WORK/top.txt"
grep -Eq '^ +0 +0% +[0-9.]+% +100B +[0-9.]+% +lost_single$' "$WORK/top.txt" ||
	fail "lost_single (100 B lost) is not under inuse_space: $(grep lost_single "$WORK/top.txt")"
# and freed_control, which frees everything, is not
grep -q freed_control "$WORK/top.txt" && fail "freed_control shows under inuse_space"
pprof_top "$WORK/lc.pb.gz" alloc_space | grep -Eq ' 576B .*freed_control$' ||
	fail "freed_control's 576 B are not under alloc_space"

# -raw: the mapping of the program with its build-id, locations with file:line
go tool pprof -raw "$WORK/lc.pb.gz" >"$WORK/raw.txt" 2>&1 || fail "pprof -raw failed: $(head -1 "$WORK/raw.txt")"
bid=$(q "$DB" "SELECT build_id FROM modules WHERE path LIKE '%/leak_classes'")
[ -n "$bid" ] || fail "no build-id for leak_classes in the database"
grep -q "leak_classes $bid" "$WORK/raw.txt" || fail "pprof -raw shows no mapping with build-id $bid"
grep -q 'lost_single tests/programs/leak_classes.c:[0-9]' "$WORK/raw.txt" ||
	fail "pprof -raw shows no file:line for lost_single"

# --at LABEL: inuse is what was live at the program's snapshot
export_ok at --format pprof --at "LEAKS MADE" -o "$WORK/at.pb.gz" "$DB"
want=$(q "$DB" "SELECT alloc FROM snapshots WHERE label = 'LEAKS MADE'")
got=$(pprof_total "$WORK/at.pb.gz" inuse_space)
[ "$got" = "$want" ] || fail "--at 'LEAKS MADE': inuse_space $got, snapshot Alloc $want"
export_ok start --format pprof --at start -o "$WORK/start.pb.gz" "$DB"
got=$(pprof_total "$WORK/start.pb.gz" inuse_space)
[ "$got" = 0 ] || fail "--at start: inuse_space $got, want 0"

# -http: the web UI serves the graph, the flame graph and top with our functions
port=$((20000 + $$ % 20000))
timeout 60 go tool pprof -no_browser -http="127.0.0.1:$port" "$WORK/lc.pb.gz" >"$WORK/http.log" 2>&1 &
hpid=$!
"$PY" - "$port" <<'PY' || { kill $hpid 2>/dev/null; fail "go tool pprof -http did not serve the profile: $(tail -1 "$WORK/http.log")"; }
import sys, time, urllib.request
base = "http://127.0.0.1:%s" % sys.argv[1]
for attempt in range(100):
    try:
        urllib.request.urlopen(base + "/ui/top", timeout=5).read()
        break
    except OSError:
        time.sleep(0.2)
for path in ("/ui/", "/ui/flamegraph?si=inuse_space", "/ui/top?si=inuse_space"):
    body = urllib.request.urlopen(base + path, timeout=20).read().decode()
    if "lost_single" not in body:
        sys.exit("%s does not name lost_single" % path)
PY
kill $hpid 2>/dev/null
wait $hpid 2>/dev/null
exit 0
