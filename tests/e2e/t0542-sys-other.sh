#!/bin/sh
# Sys counts the anonymous memory a program maps itself, as "other"
# (snapshots.sys_other; tracer/maps.c). tests/programs/sys_mmap.c maps
# 64 MiB, touches it and unmaps it (16 MiB from the middle first): Sys
# rises and falls by exactly 64 MiB between its snapshots. mremap to 4 MiB counts 4 MiB; a PROT_NONE
# reservation counts only the 16 MiB made writable; sbrk(256 KiB) counts
# 256 KiB. The hooks are transparent: the same output (return values and
# errno) as without the tracer. On python3, pymalloc's arenas show up in
# sys_other.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/transparent.sh"
same sys -- "$PROGS/sys_mmap"
[ "$RC" -eq 0 ] || fail "status $RC"
ingest_all sys
MiB=1048576
other() { q "$DB" "SELECT sys_other FROM snapshots WHERE label = '$1'"; }
sys() { q "$DB" "SELECT sys FROM snapshots WHERE label = '$1'"; }
b=$(other BEFORE)
[ "$b" = 0 ] || fail "sys_other before any mapping: $b"
for l in MAPPED:64 PARTIAL:48 UNMAPPED:0 REMAPPED:4 PROTECTED:16 AFTER:0; do
	want=$((${l#*:} * MiB))
	got=$(other ${l%:*})
	[ "$got" = "$want" ] || fail "sys_other at ${l%:*}: $got, want $want"
done
[ "$(other BRK)" = 262144 ] || fail "sys_other after sbrk(256 KiB): $(other BRK)"
# Sys itself: the allocator and the stacks hardly move meanwhile
d1=$(( $(sys MAPPED) - $(sys BEFORE) - 64 * MiB ))
d2=$(( $(sys UNMAPPED) - $(sys BEFORE) ))
echo "Sys: BEFORE $(sys BEFORE), MAPPED $(sys MAPPED), UNMAPPED $(sys UNMAPPED)"
[ ${d1#-} -le 65536 ] || fail "Sys rose by $(( $(sys MAPPED) - $(sys BEFORE) )) bytes for 64 MiB mapped"
[ ${d2#-} -le 65536 ] || fail "Sys did not fall back after munmap: $d2 bytes off"

[ -x "$PY" ] || exit 0
"$ML" run -o "$WORK/py.mlt" -- "$PY" -c "x = [str(i) * 3 for i in range(300000)]; print(len(x))" \
	>"$WORK/py.out" 2>"$WORK/py.err" || fail "python3 under the tracer: $(head -1 "$WORK/py.err")"
load py
got=$(q "$WORK/py.db" "SELECT max(sys_other) FROM snapshots")
echo "python3: sys_other peaked at $got bytes"
[ "$got" -ge $((4 * MiB)) ] || fail "python3: sys_other peaked at $got bytes, want pymalloc's arenas (4 MiB or more)"
exit 0
