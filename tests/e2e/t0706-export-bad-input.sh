#!/bin/sh
# export's bad input: an unknown format or weight, an unknown label, a
# process id not in the database, an unwritable output, a file that is
# not a database, the database itself as output. Each gives one line
# "memledger: ...", a non-zero exit, and writes no file.
. "$(dirname "$0")/lib/common.sh"

trace lc "$PROGS/leak_classes"
load lc
DB=$WORK/lc.db
cp "$DB" "$WORK/before.db"

# bad WANT-PATTERN ARGS...: export ARGS must fail with one line matching the pattern
bad() {
	want=$1
	shift
	rm -rf "$WORK/out"
	mkdir -p "$WORK/out"
	"$ML" export "$@" >"$WORK/stdout" 2>"$WORK/stderr"
	rc=$?
	[ $rc -ne 0 ] || fail "export $* exited 0"
	[ $rc -lt 128 ] || fail "export $* died: exit $rc: $(head -3 "$WORK/stderr")"
	[ "$(wc -l <"$WORK/stderr")" = 1 ] || fail "export $*: not one line: $(cat "$WORK/stderr")"
	grep -q "^memledger: .*$want" "$WORK/stderr" || fail "export $*: '$(cat "$WORK/stderr")' does not say '$want'"
	[ -z "$(ls -A "$WORK/out")" ] || fail "export $* left files: $(ls "$WORK/out")"
}

bad "unknown format 'svg'" --format svg -o "$WORK/out/x" "$DB"
bad "no --format" -o "$WORK/out/x" "$DB"
bad "unknown weight 'heap'" --format folded --weight heap -o "$WORK/out/x" "$DB"
bad "weight is for --format folded" --format pprof --weight live -o "$WORK/out/x" "$DB"
bad "$DB: process 1 has no snapshot labelled 'NOPE' (labels: 'start', 'LEAKS MADE', 'exit')" \
	--format pprof --at NOPE -o "$WORK/out/x" "$DB"
bad "$DB: process 1 has no snapshot labelled 'sample'" --format folded --at sample -o "$WORK/out/x" "$DB"
bad "$DB: no process 7 in the database (processes: 1)" --format massif --process 7 -o "$WORK/out/x" "$DB"
bad "--process wants a process id" --format massif --process abc -o "$WORK/out/x" "$DB"
bad "$WORK/out/no/such/dir/x.pb.gz: cannot create: No such file or directory" \
	--format pprof -o "$WORK/out/no/such/dir/x.pb.gz" "$DB"
chmod 555 "$WORK/out" 2>/dev/null
if [ "$(id -u)" != 0 ]; then
	bad "cannot create: Permission denied" --format folded -o "$WORK/out/x" "$DB"
fi
chmod 755 "$WORK/out"
# a device is written into, never replaced by a file (a rename would)
bad "/dev/full: cannot write: No space left on device" --format folded -o /dev/full "$DB"
[ -c /dev/full ] || fail "export replaced /dev/full"
bad "$WORK: cannot write: it is a directory" --format folded -o "$WORK" "$DB"
bad "the output would overwrite the database" --format folded -o "$DB" "$DB"
echo "not a database" >"$WORK/junk.db"
bad "$WORK/junk.db: not a memledger database" --format pprof -o "$WORK/out/x" "$WORK/junk.db"
bad "$WORK/out/missing.db: cannot open" --format pprof -o "$WORK/out/x" "$WORK/out/missing.db"
bad "no database given" --format pprof
cmp -s "$DB" "$WORK/before.db" || fail "a failed export changed the database"

# and the good path prints where it wrote, with the default name
"$ML" export --format folded "$DB" >"$WORK/stdout" 2>"$WORK/stderr" || fail "export exited $?"
[ "$(cat "$WORK/stdout")" = "$WORK/lc.folded" ] || fail "export printed '$(cat "$WORK/stdout")', want $WORK/lc.folded"
[ -s "$WORK/lc.folded" ] || fail "no $WORK/lc.folded"
"$ML" export --help | grep -q 'usage: memledger export' || fail "export --help"
exit 0
