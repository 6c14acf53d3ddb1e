/*
 * memledger.h - the API a traced program may call.
 *
 * Include this header and call the functions below to mark the phases of
 * your program. Nothing needs to be linked: when the program runs under
 * `memledger run`, the preloaded libmemledger.so provides the functions;
 * when it does not, every call is a no-op costing one compare.
 *
 * This works because the declarations are weak: the dynamic loader fills
 * them in when libmemledger.so is preloaded and leaves them NULL otherwise.
 * The program must be dynamically linked and position-independent, which
 * is the default for gcc and clang on Debian.
 *
 * Conventional labels for the three phases a leak check compares:
 *   MEMLEDGER_START, MEMLEDGER_AFTER_RUN, MEMLEDGER_AFTER_CLEANUP.
 */
#ifndef MEMLEDGER_H
#define MEMLEDGER_H

#ifdef __cplusplus
extern "C" {
#endif

#define MEMLEDGER_START "START"
#define MEMLEDGER_AFTER_RUN "AFTER RUN"
#define MEMLEDGER_AFTER_CLEANUP "AFTER CLEANUP"

/** Flags for memledger_snapshot_flags(). */
#define MEMLEDGER_SCAN 1u /* also classify live blocks (lost/indirect/reachable) now */

/**
 * Record a labelled snapshot of the memory counters. The label is copied
 * (at most 255 bytes are kept). Safe to call from any thread.
 */
void memledger_snapshot(const char *label) __attribute__((weak));

/**
 * Record a snapshot, then print it to stderr as a block in the style of
 * Go's PrintMemStats(), with deltas against the previous snapshot.
 */
void memledger_print_stats(const char *label) __attribute__((weak));

/**
 * Record a snapshot with flags. With MEMLEDGER_SCAN the tracer also runs
 * its reachability scan, so leaks can be classified mid-run; the result
 * lands in the `scan_leaks` table.
 */
void memledger_snapshot_flags(const char *label, unsigned flags) __attribute__((weak));

#ifdef __cplusplus
}
#endif

/*
 * The macros below make each call a no-op when the tracer is absent.
 * A function-like macro is not re-expanded inside its own expansion, so
 * the inner name refers to the weak function itself.
 */
#ifndef MEMLEDGER_IMPLEMENTATION
#define memledger_snapshot(label) \
	(memledger_snapshot ? memledger_snapshot(label) : (void)0)
#define memledger_print_stats(label) \
	(memledger_print_stats ? memledger_print_stats(label) : (void)0)
#define memledger_snapshot_flags(label, flags) \
	(memledger_snapshot_flags ? memledger_snapshot_flags(label, flags) : (void)0)
#endif

#endif /* MEMLEDGER_H */
