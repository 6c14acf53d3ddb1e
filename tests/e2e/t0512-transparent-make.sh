#!/bin/sh
# Transparency suite (issue 9): `make -j2` on a small C project (make, sh,
# gcc, cc1, as, collect2, ld, then the program) prints the same, leaves
# the same program and exits the same with and without the tracer, and
# every one of the run's traces loads. A second target fails on purpose
# (a compile error): the same message and status 2.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/transparent.sh"
command -v make >/dev/null && command -v cc >/dev/null || skip "no make or cc"
SAME_TIMEOUT=120
case $ML in /*) ;; *) ML=$ROOT/$ML ;; esac
mkdir "$WORK/proj"
cd "$WORK/proj" || fail "cd"
cat >a.c <<'EOF2'
#include <stdlib.h>
int a(int n) { int *v = malloc(sizeof *v * n), s = 0; for (int i = 0; i < n; i++) s += v[i] = i; free(v); return s; }
EOF2
cat >b.c <<'EOF2'
int b(int n) { return n * 2; }
EOF2
cat >main.c <<'EOF2'
#include <stdio.h>
int a(int); int b(int);
int main(void) { printf("%d %d\n", a(100), b(21)); return 0; }
EOF2
printf 'int broken(void) { return missing; }\n' >bad.c
printf 'app: a.o b.o main.o\n\tcc -o app a.o b.o main.o\n%%.o: %%.c\n\tcc -O1 -c $< -o $@\nbad.o: bad.c\n\tcc -c bad.c -o bad.o\nclean:\n\trm -f app *.o\n' >Makefile

same make -- sh -c 'make -s clean; make -j2 && ./app'
[ "$RC" -eq 0 ] || fail "make: status $RC: $(tail -3 "$WORK/make.err")"
[ "$(tail -1 "$WORK/make.out")" = "4950 42" ] || fail "make: the program printed $(tail -1 "$WORK/make.out")"
all_load make
[ "$(q "$DB" "SELECT count(*) FROM processes WHERE exe LIKE '%/cc1'")" -eq 3 ] || fail "make: not every compiler was traced"

same badmake -- sh -c 'make -s clean; make bad.o'
[ "$RC" -eq 2 ] || fail "failing make: status $RC, want 2"
grep -q "missing" "$WORK/badmake.err" || fail "failing make: no compiler error"
exit 0
