#!/bin/sh
# exec is not an exit. A process that execs with a pipe and a socketpair
# open (no close-on-exec) hands them to the program it becomes: the
# pre-exec image's channels_closed is n/a (with its evidence), never a
# failure, and the new image counts them as inherited, so it passes too.
# Standard descriptors (0-2) are never a channel left open: a shell's
# child that dup2s a pipe onto its stdout and exits has leaked nothing.
. "$(dirname "$0")/lib/common.sh"
trace ex "$PROGS/exec_open_pipe" /bin/true
[ "$RC" -eq 0 ] || fail "exec_open_pipe exited $RC: $(head -1 "$WORK/ex.err")"
load ex
DB=$WORK/ex.db
[ "$(q "$DB" "SELECT count(*) FROM processes")" = 2 ] || fail "want 2 images, got $(q "$DB" "SELECT count(*) FROM processes")"
got=$(q "$DB" "SELECT c.status FROM checklist c JOIN processes p ON p.id = c.process_id
	WHERE p.end_reason = 'exec' AND c.item = 'channels_closed'")
[ "$got" = "n/a" ] || fail "the pre-exec image's channels_closed is '$got', want n/a"
n=$(q "$DB" "SELECT count(*) FROM checklist_evidence e JOIN processes p ON p.id = e.process_id
	WHERE p.end_reason = 'exec' AND e.item = 'channels_closed'")
[ "$n" = 4 ] || fail "want 4 channels named as handed on (a pipe's and a socketpair's ends), got $n"
q "$DB" "SELECT c.detail FROM checklist c JOIN processes p ON p.id = c.process_id
	WHERE p.end_reason = 'exec' AND c.item = 'channels_closed'" | grep -q 'exec is not an exit' ||
	fail "the n/a does not say why"
got=$(q "$DB" "SELECT c.status FROM checklist c JOIN processes p ON p.id = c.process_id
	WHERE p.end_reason != 'exec' AND c.item = 'channels_closed'")
[ "$got" = pass ] || fail "the exec'd program's channels_closed is '$got', want pass"
"$ML" check "$DB" >"$WORK/check.out" 2>&1 || fail "check fails a run whose only open channels went on through exec: $(cat "$WORK/check.out")"
exit 0
