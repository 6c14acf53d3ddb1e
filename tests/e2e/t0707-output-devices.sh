#!/bin/sh
# Writing to a device (or through a symbolic link) writes into it: export
# and report replace a regular file atomically, but must never rename a
# file over /dev/null or a link (as root that would replace the device).
. "$(dirname "$0")/lib/common.sh"

trace lc "$PROGS/leak_classes"
load lc
DB=$WORK/lc.db
for fmt in pprof folded speedscope massif; do
	"$ML" export --format "$fmt" -o /dev/null "$DB" >/dev/null 2>"$WORK/err" ||
		fail "export --format $fmt -o /dev/null exited $?: $(head -1 "$WORK/err")"
	[ -c /dev/null ] || fail "export --format $fmt replaced /dev/null"
done
"$ML" report -o /dev/null "$DB" >/dev/null 2>"$WORK/err" || fail "report -o /dev/null exited $?: $(head -1 "$WORK/err")"
[ -c /dev/null ] || fail "report replaced /dev/null"
# a link to a regular file: the file gets the output, the link stays a link
: >"$WORK/target"
ln -s "$WORK/target" "$WORK/link"
"$ML" export --format folded -o "$WORK/link" "$DB" >/dev/null 2>"$WORK/err" || fail "export through a link exited $?"
[ -L "$WORK/link" ] && [ -s "$WORK/target" ] || fail "export replaced the link instead of writing through it"
: >"$WORK/target"
"$ML" report -o "$WORK/link" "$DB" >/dev/null 2>"$WORK/err" || fail "report through a link exited $?"
[ -L "$WORK/link" ] && grep -q '<!DOCTYPE html>' "$WORK/target" || fail "report replaced the link instead of writing through it"
exit 0
