#!/bin/sh
# tests/programs/clean_cxx.cc --warm --leave-worker: a clean C++ program
# that leaves one worker thread (created before START, holding no heap
# block) running at exit. Only threads_stopped fails, naming worker_main.
# With a thread alive the runtime cannot release its caches before the exit
# scan, so libstdc++'s emergency pool, stdout's buffer and the worker's TLS
# vector are live at exit: they belong to runtime sites, and none of them
# is global_references evidence.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"
. "$(dirname "$0")/lib/cxxworker.sh"

expect_running_worker c --warm --leave-worker
exit 0
