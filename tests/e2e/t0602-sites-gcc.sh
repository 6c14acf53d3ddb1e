#!/bin/sh
# Issue 10: cc1's top sites were all xmalloc. On `gcc -O2 -c` (a real
# program nobody here wrote, Debian's stripped cc1) the 50 biggest sites of
# cc1 are named after xmalloc's callers: none is a wrapper, and they name
# several different functions (cc1 is stripped: a static function has no
# name, and its site is shown as cc1+offset, called from the next named one).
. "$(dirname "$0")/lib/common.sh"
command -v gcc >/dev/null 2>&1 || skip "gcc is not installed"
case $ML in /*) ;; *) ML=$ROOT/$ML ;; esac

cat >"$WORK/f.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
struct node { struct node *next; int v; };
static struct node *push(struct node *h, int v) { struct node *n = malloc(sizeof *n); n->next = h; n->v = v; return n; }
int main(int argc, char **argv) { struct node *h = 0; for (int i = 0; i < argc * 100; i++) h = push(h, i); printf("%p %s\n", (void *)h, argv[0]); return 0; }
C
(cd "$WORK" && "$ML" run -o "$WORK/gcc.mlt" -- gcc -O2 -c f.c >"$WORK/gcc.out" 2>&1) || fail "gcc failed: $(tail -1 "$WORK/gcc.out")"
load gcc
CC1="(SELECT id FROM processes WHERE exe LIKE '%/cc1')"
[ "$(q "$WORK/gcc.db" "SELECT count(*) FROM processes WHERE exe LIKE '%/cc1'")" = 1 ] || fail "no cc1 process traced"
TOP="SELECT * FROM sites WHERE process_id = $CC1 ORDER BY bytes DESC LIMIT 50"
n=$(q "$WORK/gcc.db" "SELECT count(*) FROM ($TOP) WHERE function IN ('xmalloc', 'xcalloc', 'xrealloc', 'xstrdup')")
[ "$n" = 0 ] || fail "$n of cc1's top 50 sites are named after a wrapper"
n=$(q "$WORK/gcc.db" "SELECT count(DISTINCT function) FROM ($TOP) WHERE function IS NOT NULL")
[ "$n" -ge 4 ] || fail "cc1's top 50 sites have only $n distinct names"
exit 0
