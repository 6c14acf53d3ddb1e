#!/bin/sh
# Issue 9, disk full and unwritable paths: when no trace, or a short one,
# was written, `run` says why (the errno's words and the path) and exits
# 125 although the program succeeded; the program's own output and work
# are untouched.
#  - ENOSPC: a 64 KiB tmpfs, mounted in a private mount namespace (where
#    the machine does not allow that: RLIMIT_FSIZE with SIGXFSZ ignored,
#    which gives EFBIG instead, and the test says so);
#  - EACCES: a directory the user (nobody, through setpriv) may not write;
#  - EROFS: a read-only mount; ENOTDIR: a path under a regular file.
. "$(dirname "$0")/lib/common.sh"
case $ML in /*) ;; *) ML=$ROOT/$ML ;; esac
P=$PROGS/lc_churn

check() {  # NAME WANT_RC ERROR_TEXT: the run's status, stdout and message
	[ "$(cat "$WORK/$1.out")" = done ] || fail "$1: the program's output changed: $(cat "$WORK/$1.out")"
	[ "$RC" -eq "$2" ] || fail "$1: run exited $RC, want $2: $(cat "$WORK/$1.err")"
	grep -q "$3" "$WORK/$1.err" || fail "$1: no '$3' in: $(cat "$WORK/$1.err")"
}

# on_tmpfs NAME DIR OPTIONS ARG: mount a tmpfs with OPTIONS on DIR in a
# private mount namespace, and run P ARG traced into DIR/t.mlt there; sets
# RC. Returns 1, running nothing, where the machine allows no such mount.
on_tmpfs() {
	unshare -m sh -c 'mount -t tmpfs -o "$2" tmpfs "$1"' sh "$2" "$3" 2>/dev/null || return 1
	unshare -m sh -c 'mount -t tmpfs -o "$2" tmpfs "$1" && exec "$3" run -o "$1/t.mlt" -- "$4" "$5"' \
		sh "$2" "$3" "$ML" "$P" "$4" >"$WORK/$1.out" 2>"$WORK/$1.err"
	RC=$?
}

# ENOSPC
mkdir "$WORK/small"
if on_tmpfs nospc "$WORK/small" size=64k 2000000; then
	check nospc 125 "^memledger: $WORK/small/t.mlt: the trace is incomplete: No space left on device (pid [0-9]*)$"
else
	echo "no tmpfs mount allowed: RLIMIT_FSIZE instead (EFBIG)"
	sh -c 'ulimit -f 128 && trap "" XFSZ && exec "$1" run -o "$2" -- "$3" 2000000' \
		sh "$ML" "$WORK/small/t.mlt" "$P" >"$WORK/nospc.out" 2>"$WORK/nospc.err"
	RC=$?
	check nospc 125 "^memledger: $WORK/small/t.mlt: the trace is incomplete: File too large (pid [0-9]*)$"
fi

# ENOTDIR: a path under a regular file
echo file >"$WORK/plain"
"$ML" run -o "$WORK/plain/t.mlt" -- "$P" 10 >"$WORK/notdir.out" 2>"$WORK/notdir.err"
RC=$?
check notdir 125 "^memledger: $WORK/plain/t.mlt: cannot create the trace: Not a directory (pid [0-9]*)$"
[ "$(grep -c . "$WORK/notdir.err")" -eq 1 ] || fail "notdir: want one line: $(cat "$WORK/notdir.err")"

# EROFS: a read-only mount
mkdir "$WORK/ro"
if on_tmpfs rofs "$WORK/ro" ro 10; then
	check rofs 125 "^memledger: $WORK/ro/t.mlt: cannot create the trace: Read-only file system (pid [0-9]*)$"
fi

# EACCES: tests run as root, who may write anywhere: run as nobody
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	chmod 755 "$WORK"
	mkdir "$WORK/locked"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$ML" run -o "$WORK/locked/t.mlt" -- "$P" 10 \
		>"$WORK/acces.out" 2>"$WORK/acces.err"
	RC=$?
	check acces 125 "^memledger: $WORK/locked/t.mlt: cannot create the trace: Permission denied (pid [0-9]*)$"
elif [ "$(id -u)" -ne 0 ]; then
	"$ML" run -o /proc/t.mlt -- "$P" 10 >"$WORK/acces.out" 2>"$WORK/acces.err"
	RC=$?
	[ "$RC" -eq 125 ] || fail "unwritable: run exited $RC, want 125"
fi

# the program's own status wins when it failed
"$ML" run -o "$WORK/plain/t2.mlt" -- sh -c 'exit 3' 2>/dev/null
[ $? -eq 3 ] || fail "a failing program's status must pass through"
exit 0
