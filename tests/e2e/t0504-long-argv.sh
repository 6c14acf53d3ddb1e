#!/bin/sh
# Issue 9, long argv: the command line is recorded whole, not cut at
# 16 KiB mid-argument. A 100 000-byte argument among 3000 short ones
# (over 64 KiB in all) comes back argument for argument; and where the
# stack limit allows a bigger command line, 3 MiB of arguments (a record
# larger than the 2 MiB a 3-byte record length can say) do too.
. "$(dirname "$0")/lib/common.sh"
long=$(head -c 100000 /dev/zero | tr '\0' x)
# shellcheck disable=SC2046 # a1 .. a3000: one word each
set -- $(seq -f 'a%.0f' 1 3000)
"$ML" run -o "$WORK/argv.mlt" -- /bin/true "$long" "$@" 2>"$WORK/argv.err" || fail "run failed: $(cat "$WORK/argv.err")"
load argv
DB=$WORK/argv.db
got=$(q "$DB" "SELECT json_array_length(argv)||' '||length(json_extract(argv, '\$[1]'))||' '||json_extract(argv, '\$[3001]') FROM processes")
[ "$got" = "3002 100000 a3000" ] || fail "argv recorded as '$got', want '3002 100000 a3000'"
# every byte of every argument, in order
got=$(q "$DB" "SELECT group_concat(value, ' ') FROM (SELECT value FROM processes, json_each(processes.argv) ORDER BY key)" | cksum)
want=$(printf '%s\n' "/bin/true $long $*" | cksum)
[ "$got" = "$want" ] || fail "the recorded arguments differ from the command line"

# A command line over 2 MiB, if this machine lets the stack limit allow it.
if (ulimit -s 65536) 2>/dev/null; then
	# shellcheck disable=SC2046 # 30 words of 100,000 x and a number 0 .. 29
	set -- $(seq -f "$long%.0f" 0 29)
	(ulimit -s 65536 && exec "$ML" run -o "$WORK/big.mlt" -- /bin/true "$@") 2>"$WORK/big.err" ||
		fail "3 MiB command line: run failed: $(head -2 "$WORK/big.err")"
	load big
	got=$(q "$WORK/big.db" "SELECT json_array_length(argv)||' '||length(json_extract(argv, '\$[30]'))||' '||substr(json_extract(argv, '\$[30]'), 100001) FROM processes")
	[ "$got" = "31 100002 29" ] || fail "3 MiB command line recorded as '$got', want '31 100002 29'"
fi
exit 0
