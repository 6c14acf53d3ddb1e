#!/bin/sh
# The control channel is private and tidy. A traced process running as
# nobody is refused to root: by `memledger snapshot` (naming the user),
# and by the process itself to a client that skips that check; nobody
# may snapshot it. Its socket sits in a 0700 folder of nobody's. Sockets
# of processes that are gone are swept; one left by the same pid before
# an exec is taken over by the new image. A program that closes every
# descriptor (closefrom) gets its numbers back, and the channel comes
# back on its own, close-on-exec, above descriptor 900.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"
. "$(dirname "$0")/lib/ondemand.sh"

[ "$(id -u)" = 0 ] || skip "needs root, to run a process as nobody"
command -v setpriv >/dev/null || skip "setpriv is not installed"
unset XDG_RUNTIME_DIR
if [ -d /run/user/0 ]; then MINE=/run/user/0/memledger; else MINE=/tmp/memledger-0; fi

# ---------------------------------------------------------------- another user's process
chmod 711 "$WORK"
mkdir -m 777 "$WORK/nb"
mkfifo -m 666 "$WORK/nb/in"
setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
	"$ML" run -o "$WORK/nb/nb.mlt" -- "$PROGS/ondemand" <"$WORK/nb/in" >"$WORK/nb.out" 2>"$WORK/nb.err" &
RUN=$!
exec 3>"$WORK/nb/in"
echo one >&3
NB=
for i in $(seq 100); do
	for c in $(cat /proc/$RUN/task/*/children 2>/dev/null); do
		[ "$(readlink /proc/$c/exe 2>/dev/null)" = "$PROGS/ondemand" ] && NB=$c
	done
	[ -n "$NB" ] && [ -S "/tmp/memledger-65534/$NB.sock" ] && break
	sleep 0.05
done
[ -n "$NB" ] || fail "the process run as nobody did not start: $(cat "$WORK/nb.err")"
SOCK=/tmp/memledger-65534/$NB.sock
[ -S "$SOCK" ] || fail "no control socket $SOCK"
[ "$(stat -c '%U %a' /tmp/memledger-65534)" = "nobody 700" ] ||
	fail "control folder: $(stat -c '%U %a' /tmp/memledger-65534), want nobody 700"
[ "$(stat -c '%U %a' "$SOCK")" = "nobody 600" ] || fail "control socket: $(stat -c '%U %a' "$SOCK")"

"$ML" snapshot "$NB" stolen 2>"$WORK/other.err" && fail "root took a snapshot of nobody's process"
grep -q "PID $NB: belongs to user nobody (uid 65534)" "$WORK/other.err" || fail "refusal: $(cat "$WORK/other.err")"
# a client that skips that check: the process itself refuses
reply=$("$PY" - "$SOCK" <<'EOP'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(b"snapshot 0 sneaky\n")
print(s.recv(512).decode().strip())
EOP
)
case $reply in "error only the process's own user"*) ;; *) fail "the process answered root: '$reply'" ;; esac
setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$ML" snapshot "$NB" mine 2>"$WORK/mine.err" ||
	fail "nobody could not snapshot its own process: $(cat "$WORK/mine.err")"
exec 3>&-
wait $RUN || fail "memledger run as nobody exited $?: $(cat "$WORK/nb.err")"
[ -e "$SOCK" ] && fail "the socket outlived its process"
cp "$WORK"/nb/nb*.mlt "$WORK/"
load nb
expect nb "SELECT group_concat(label) FROM snapshots WHERE kind = 'user'" mine "user snapshots of nobody's process"

# ---------------------------------------------------------------- stale sockets
mkdir -p "$MINE"
sh -c 'exit 0' &
gone=$!
wait $gone
"$PY" -c "import socket, sys
for p in sys.argv[1:]:
    s = socket.socket(socket.AF_UNIX); s.bind(p); s.close()" "$MINE/$gone.sock" "$MINE/$$.sock" ||
	fail "cannot make stale sockets"
"$ML" snapshot $$ 2>"$WORK/stale.err" && fail "snapshot of an untraced shell succeeded"
grep -q "PID $$: not traced: its memledger control socket does not answer" "$WORK/stale.err" ||
	fail "stale socket of a live process: $(cat "$WORK/stale.err")"
[ -e "$MINE/$gone.sock" ] && fail "the socket of a process that is gone was not swept"
[ -S "$MINE/$$.sock" ] || fail "the socket of a live process was swept"
rm -f "$MINE/$$.sock"

# ---------------------------------------------------------------- exec, closefrom
mkfifo "$WORK/ex.fifo"
"$ML" run -o "$WORK/ex.mlt" -- sh -c 'sleep 0.3; exec "$0"' "$PROGS/ondemand" <"$WORK/ex.fifo" \
	>"$WORK/ex.out" 2>"$WORK/ex.err" &
RUN=$!
exec 3>"$WORK/ex.fifo"
_od=ex
SH=
for i in $(seq 100); do
	SH=$(cat /proc/$RUN/task/*/children 2>/dev/null | awk '{print $1; exit}')
	[ -n "$SH" ] && [ -S "$MINE/$SH.sock" ] && break
	sleep 0.05
done
[ -S "$MINE/$SH.sock" ] || fail "the shell's control socket did not appear"
od_step first 1
[ "$(readlink /proc/$SH/exe)" = "$PROGS/ondemand" ] || fail "the shell did not exec ondemand"
PID=$SH
od_snapshot "$PID" after-exec
[ $SRC -eq 0 ] || fail "snapshot after exec: $(cat "$WORK/snap.err")"
od_step closefrom 2
od_snapshot "$PID" after-closefrom
[ $SRC -eq 0 ] || fail "snapshot after closefrom: $(cat "$WORK/snap.err")"
# The control socket is the writer thread's: it has a descriptor table of
# its own, so the program's table holds no socket of ours at all
[ -z "$(ls -l /proc/$PID/fd | grep 'socket:')" ] || fail "a socket in the program's descriptor table"
socks=""
for task in /proc/$PID/task/*; do
	for fd in $(ls -l $task/fd 2>/dev/null | grep 'socket:' | awk '{print $9}'); do
		socks="$socks $task/fdinfo/$fd"
	done
done
[ -n "$socks" ] || fail "no control socket in any thread of the traced process"
for info in $socks; do
	flags=$(sed -n 's/^flags:[[:space:]]*//p' "$info")
	[ $(( 0$flags & 02000000 )) -ne 0 ] || fail "control socket $info is not close-on-exec (flags $flags)"
done
low=$(ls /proc/$PID/fd | awk '$1 >= 3' | tr '\n' ' ')
[ -z "$low" ] || fail "descriptors left in the program's table after closefrom: $low"
od_finish
load ex
expect ex "SELECT group_concat(label) FROM (SELECT label FROM snapshots WHERE kind = 'user' ORDER BY process_id, seq)" \
	"after-exec,after-closefrom" "snapshots across exec and closefrom"
exit 0
