/*
 * unwind.h - the fast unwinder for x86-64 (unwind.c), with libunwind
 * behind it for the frames its cached rules cannot model, and the
 * per-thread side stack the deep work runs on.
 *
 * It knows nothing of the stack table: the caller (stacks.c) passes an
 * `intern` function; see stacks.h for the one call back into stacks.c.
 */
#ifndef MEMLEDGER_TRACER_UNWIND_H
#define MEMLEDGER_TRACER_UNWIND_H

#include <stdint.h>

#include "tracer/tracer.h"

/**
 * The caller's stack as an interned id, through the calling thread's
 * cache of recent stacks and cached CFI rules (libunwind for frames they
 * cannot model); intern(ips, n, &stack) interns a freshly unwound one.
 * ml_stack_capture_libunwind always uses libunwind.
 */
ML_HIDDEN uint32_t ml_stack_capture_cached(uint32_t (*intern)(const uintptr_t *, int, void **), int max);
ML_HIDDEN uint32_t ml_stack_capture_libunwind(uint32_t (*intern)(const uintptr_t *, int, void **), int max);

/**
 * Stack budget (unwind.c, hooks.c). A hook may be called on a small
 * stack: a signal handler's sigaltstack, a coroutine's stack, or the end
 * of a thread's stack. The budget is what the tracer adds to what the
 * program would use calling the real allocator itself:
 *  - ML_STACK_BUDGET bytes in general: the hook's frame and the common
 *    path of a record (a cached stack, or a walk with cached rules; the
 *    large buffers live in per-thread memory). Measured 500-560 bytes.
 *  - ML_STACK_BUDGET_SHORT bytes when the thread's own stack has less
 *    than ML_STACK_ROOM left (deep recursion): the whole record then
 *    runs on the side stack. Measured about 100 bytes.
 * The deep work (computing an unwind rule, which runs dl_iterate_phdr
 * and the CFA programs; libunwind's unw_backtrace) always runs on a
 * per-thread side stack of ML_SIDE_STACK bytes (libunwind, the deepest,
 * used 8 KiB of it when measured), with asynchronous
 * signals blocked meanwhile. tests/e2e/t0540 paints the stacks and
 * checks these figures.
 */
#define ML_STACK_BUDGET 1024
#define ML_STACK_BUDGET_SHORT 256
#define ML_STACK_ROOM (32u * 1024)
#define ML_SIDE_STACK (64u * 1024)
/**
 * Run fn(arg) on the calling thread's side stack (directly when already
 * on it). 0, or -1 when the thread has none (no memory): fn did not run.
 */
ML_HIDDEN int ml_side_run(void (*fn)(void *), void *arg);

#endif
