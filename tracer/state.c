/*
 * state.c - the definitions of the tracer's global state. What each
 * field means, and which threads may touch it, is in state.h.
 */
#include "tracer/state.h"
#include "tracer/tracer.h"

__thread struct ml_tls ml_tls __attribute__((tls_model("initial-exec")));
struct ml_global ml = { .exit_code = -1, .depth = ML_DEFAULT_DEPTH };
