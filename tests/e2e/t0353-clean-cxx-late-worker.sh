#!/bin/sh
# tests/programs/clean_cxx.cc --warm --late-worker: as t0352, but the
# worker is started during the run, as programs usually do, so its TLS
# vector (a runtime block, calloc'ed by ld.so in pthread_create) is
# allocated after START and still allocated at AFTER CLEANUP and at exit.
# It must fail neither global_references nor baseline_returned: the running
# thread is the one failure, so only threads_stopped fails, naming
# worker_main.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/checklist.sh"
. "$(dirname "$0")/lib/cxxworker.sh"

expect_running_worker c --warm --late-worker
exit 0
