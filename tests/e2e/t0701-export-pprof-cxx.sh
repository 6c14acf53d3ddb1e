#!/bin/sh
# export --format pprof on a traced C++ program: go tool pprof's totals
# equal the database's, the leaking functions show under inuse_space with
# their demangled names, operator new stays the allocating frame, and
# inlined frames are lines of one location.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/export.sh"
need_go

traced_export cxx "$PROGS/leak_classes_cxx"
export_ok cxx --format pprof -o "$WORK/cxx.pb.gz" "$DB"
pprof_totals "$WORK/cxx.pb.gz" "alloc_space SELECT sum(bytes) FROM sites" "alloc_objects SELECT sum(allocs) FROM sites" \
	"inuse_space SELECT alloc FROM snapshots WHERE label = 'exit'" \
	"inuse_objects SELECT heap_objects FROM snapshots WHERE label = 'exit'"
pprof_top "$WORK/cxx.pb.gz" inuse_space >"$WORK/top.txt"
# lost_vector: the vector object (24) and its buffer (200) are still live
grep -Eq ' 224B +[0-9.]+% +lost_vector\(\)$' "$WORK/top.txt" ||
	fail "lost_vector() does not hold 224 B under inuse_space: $(grep lost_vector "$WORK/top.txt")"
grep -Eq 'lost_int_array\(\)$' "$WORK/top.txt" || fail "lost_int_array() is not under inuse_space"
grep -q 'operator new' "$WORK/top.txt" || fail "operator new is not in the profile"
grep -q 'freed_control' "$WORK/top.txt" && fail "freed_control() shows under inuse_space"
# inlined frames are extra lines of their address's location (in -raw, a
# location's further lines are indented under it), never locations of their own
inl=$(q "$DB" "SELECT count(DISTINCT f.id) FROM frames f JOIN stacks st ON st.frame_id = f.id
	JOIN sites s ON s.stack_id = st.stack_id WHERE f.inlined = 1")
go tool pprof -raw "$WORK/cxx.pb.gz" >"$WORK/raw.txt" 2>&1 || fail "pprof -raw failed"
cont=$(sed -n '/^Locations/,/^Mappings/p' "$WORK/raw.txt" | grep -c '^             [^ ]')
[ "$inl" -gt 0 ] || fail "no inlined frame in this trace: the check below would check nothing"
[ "$cont" = "$inl" ] || fail "pprof shows $cont inlined lines, the database has $inl inlined frames"
exit 0
