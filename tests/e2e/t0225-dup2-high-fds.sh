#!/bin/sh
# dup2 of a pipe onto every descriptor from 900 to 1000, where the tracer
# keeps its trace file: the program gets each descriptor it asks for, all
# 101 writes arrive, the output is the same as without the tracer, and
# the trace is complete: its blocks, a normal end, and the 2 pipe ends
# plus 101 duplicates as resources, all closed.
. "$(dirname "$0")/lib/common.sh"
# reads the rows of freed blocks: every allocation gets one
ALLOCS="--allocations all"
. "$(dirname "$0")/lib/transparent.sh"
same_ok dup2 "101 bytes through fds 900..1000" -- "$PROGS/rob_dup2high"
ingest_all dup2
expect dup2 "SELECT end_reason||' '||ifnull(exit_code,'-') FROM processes" "exit 0"
expect dup2 "SELECT count(*)||' '||count(free_ns) FROM allocations WHERE size = 4001" "2 2"
expect dup2 "SELECT count(*)||' '||count(close_ns) FROM resources WHERE kind='pipe'" "103 103"
expect dup2 "SELECT count(*) FROM resources WHERE origin='dup2' AND handle BETWEEN 900 AND 1000" "101"
exit 0
