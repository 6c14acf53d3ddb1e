#!/bin/sh
# A snapshot's RSS comes from /proc/self/statm, which takes a descriptor
# to read. The tracer must not use one of the program's: a program that
# has none to spare (tests/programs/snap_nofd sets RLIMIT_NOFILE to its
# lowest free descriptor) still gets a snapshot with its RSS, because the
# writer thread reads statm in its own descriptor table. (Read in the
# program's table, the open fails with EMFILE and the snapshot has no
# RSS.) The program's output and exit status are the same with and
# without the tracer.
. "$(dirname "$0")/lib/common.sh"
P=$PROGS/snap_nofd
"$P" >"$WORK/plain.out" 2>&1
prc=$?
trace nofd "$P"
[ "$RC" = "$prc" ] || fail "exit status $RC under the tracer, $prc without: $(head -2 "$WORK/nofd.err")"
cmp -s "$WORK/plain.out" "$WORK/nofd.out" || fail "output differs: $(head -2 "$WORK/nofd.out")"
load nofd
rss=$(q "$WORK/nofd.db" "SELECT rss FROM snapshots WHERE label = 'full'")
[ -n "$rss" ] && [ "$rss" -gt 1048576 ] || fail "the snapshot 'full' has RSS '${rss:-none}', want more than 1 MiB"
own=$(q "$WORK/nofd.db" "SELECT tracer_rss FROM snapshots WHERE label = 'full'")
[ -n "$own" ] && [ "$own" -gt 0 ] && [ "$own" -lt "$rss" ] || fail "the snapshot 'full' has tracer_rss '${own:-none}'"
exit 0
