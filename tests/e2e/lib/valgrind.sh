# Compare memledger's exit counters with valgrind's "total heap usage"
# line. Sourced after common.sh. usage: vg_compare NAME CMD...
# Fails unless Mallocs, Frees and TotalAlloc are within 0.5% and the
# program's stdout is identical with and without the tracer.
vg_compare() {
	name=$1
	shift
	command -v valgrind >/dev/null || skip "valgrind is not installed"
	"$@" >"$WORK/$name.plain" 2>/dev/null || fail "$name failed without the tracer"
	trace "$name" "$@"
	[ "$RC" -eq 0 ] || fail "$name exited $RC under the tracer: $(head -1 "$WORK/$name.err")"
	cmp -s "$WORK/$name.plain" "$WORK/$name.out" || fail "$name: output differs with the tracer"
	valgrind "$@" 2>"$WORK/$name.vg" >/dev/null
	line=$(grep 'total heap usage' "$WORK/$name.vg") || fail "no valgrind summary for $name"
	set -- $(echo "$line" | sed 's/.*usage: //; s/,//g; s/[a-z]//g')
	vm=$1 vf=$2 vb=$3
	load "$name"
	set -- $(q "$WORK/$name.db" "SELECT mallocs||' '||frees||' '||total_alloc FROM snapshots WHERE kind='exit'")
	mm=$1 mf=$2 mb=$3
	"$PY" - "$vm" "$mm" "$vf" "$mf" "$vb" "$mb" <<'PYEOF' || fail "$name: valgrind $vm/$vf/$vb vs memledger $mm/$mf/$mb"
import sys
v = list(map(int, sys.argv[1:]))
for want, got in zip(v[0::2], v[1::2]):
    if abs(got - want) > 0.005 * want:
        sys.exit(1)
PYEOF
}
