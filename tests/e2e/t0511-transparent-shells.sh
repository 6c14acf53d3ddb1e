#!/bin/sh
# Transparency suite (issue 9): shells. bash pipelines with subshells,
# process substitution, here-documents, traps and `set -e`, a dash loop,
# and what the shells and their children see of signals, limits and
# descriptors, the same with and without the tracer, byte for byte, with
# every trace loading. (Not SigIgn/SigCgt in /proc/self/status: a traced
# process has glibc's handler for its internal SIGSETXID, which its
# writer thread needs; see tracer/signals.c.)
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/transparent.sh"
command -v bash >/dev/null || skip "no bash"

same bashpipe -- bash -c '
	ls / | sort | uniq | wc -l
	seq 1 2000 | grep 7 | sort -r | head -3
	(cd /usr && ls | head -2) | tr a-z A-Z
	paste <(seq 1 3) <(seq 4 6)
	cat <<-EOD | sed s/x/y/
		x marks the spot
	EOD
	trap "echo trapped USR1" USR1; kill -USR1 $$
	trap -p
	grep -E "^SigBlk" /proc/self/status
	ulimit -a | sort
	ls /proc/self/fd | sort -n
	{ echo to stderr >&2; echo to stdout; } 2>&1 | cat
	set -e; false || echo "false tolerated"; (exit 5)'
[ "$RC" -eq 5 ] || fail "bash: status $RC, want 5: $(tail -2 "$WORK/bashpipe.err")"
grep -q "^trapped USR1$" "$WORK/bashpipe.out" || fail "bash: the trap did not run"
all_load bashpipe

same dashloop -- sh -c 'i=0; while [ $i -lt 10 ]; do echo "$i" | cat; i=$((i + 1)); done | tr -d 5; kill -l | head -1; echo err >&2; exit 2'
[ "$RC" -eq 2 ] || fail "dash: status $RC, want 2"
all_load dashloop

# a signal killing one stage of a pipeline (SIGPIPE) is the shell's to see
same sigpipe -- bash -c 'yes | head -2; echo "${PIPESTATUS[*]}"'
[ "$(tail -1 "$WORK/sigpipe.out")" = "141 0" ] || fail "SIGPIPE: $(tail -1 "$WORK/sigpipe.out")"
exit 0
