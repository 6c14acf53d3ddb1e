# Shared by the comparison and gate tests (t09NN). Sourced after
# common.sh, not run.
#
#   V1                     version 1 of tests/programs/cmp_app.c (the Makefile's build)
#   build_v2               sets V2: version 2 built into $WORK (see cmp_app.c),
#                          from a copy whose lines all moved down by three, as
#                          an edit would move them; -fdebug-prefix-map names
#                          its files as if built in the repository, like V1
#   traced_db NAME PROG..  trace PROG (it must exit 0) into $WORK/NAME.db
#   json_get FILE EXPR     print the Python expression EXPR over the JSON in
#                          FILE (bound to d)
#   expect_json FILE EXPR WANT WHAT
#                          json_get FILE EXPR must print WANT, else fail
#                          with "WHAT: " and what it printed

V1=$PROGS/cmp_app
[ -x "$V1" ] || fail "$V1 is not built"

build_v2() {
	mkdir -p "$WORK/v2/tests/programs" "$WORK/v2/bin"
	{
		sed -n '1,16p' tests/programs/cmp_app.c
		printf '/* version 2: these three lines move every line below */\n\n\n'
		sed -n '17,$p' tests/programs/cmp_app.c
	} >"$WORK/v2/tests/programs/cmp_app.c"
	(cd "$WORK/v2" && ${CC:-cc} -std=gnu11 -O1 -g -fno-builtin -fno-inline -Wall -Werror -I"$ROOT/include" \
		-DCMP_V2 -fdebug-prefix-map="$WORK/v2=$ROOT" -o bin/cmp_app tests/programs/cmp_app.c) ||
		fail "cannot build version 2 of cmp_app"
	V2=$WORK/v2/bin/cmp_app
}

traced_db() {
	_n=$1
	shift
	trace "$_n" "$@"
	[ "$RC" -eq 0 ] || fail "$_n: memledger run exited $RC: $(head -1 "$WORK/$_n.err")"
	load "$_n"
}

json_get() {
	"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$1" "$2"
}

expect_json() {
	_v=$(json_get "$1" "$2")
	[ "$_v" = "$3" ] || fail "$4: $_v"
}
