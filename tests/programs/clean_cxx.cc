/*
 * clean_cxx.cc - a clean C++ program that uses the runtime's caches:
 * iostream (stdout's stdio buffer), std::string, std::ostringstream,
 * std::vector and exceptions. Everything the program allocates is freed
 * before AFTER CLEANUP.
 *
 * What it does: START; run: 30 rounds of work() (a std::string longer
 * than the small-string buffer, an ostringstream; every third round
 * throws std::runtime_error with a long message, which main catches and
 * prints to std::cout); fills a std::vector of 10 std::string of 100
 * chars; prints a summary line; AFTER RUN; releases the vector (swap with
 * an empty one); AFTER CLEANUP; returns 0. Prints 11 lines on stdout.
 *
 * Options:
 *   --warm          before START, print one line and throw and catch one
 *                   exception, so the runtime's caches exist at START.
 *   --leave-worker  before START, start one worker thread. It prints a
 *                   line, throws and catches an exception, then waits on a
 *                   static condition variable that nobody signals: it is
 *                   still running at exit. It holds no heap block. (Created
 *                   before START, so its stack and TLS vector are part of
 *                   the baseline.)
 *   --late-worker   the same worker, started during the run (right after
 *                   START), the way a program usually starts one. Its TLS
 *                   vector is then allocated during the run and, the thread
 *                   being alive, still allocated at AFTER CLEANUP.
 *
 * The runtime's caches, all allocated by the C/C++ runtime for itself:
 *   - libstdc++'s exception emergency pool, one block (72,704 bytes with
 *     gcc 12), allocated before main;
 *   - stdout's stdio buffer (st_blksize, 4096 bytes for a file), allocated
 *     by the first output;
 *   - with --leave-worker, the worker's TLS vector (DTV), calloc'ed by
 *     ld.so in pthread_create.
 * Exceptions themselves (__cxa_allocate_exception) and their messages are
 * freed when caught.
 *
 * A correct trace must show:
 *   - no option, --warm: every checklist item passes, gc_repeated is n/a.
 *     The caches are runtime allocations, reachable from the runtime's own
 *     data (or freed by __libc_freeres / __gnu_cxx::__freeres at exit, as
 *     valgrind does); they are no evidence against the program. Without
 *     --warm, stdout's buffer is first allocated during the run and stays
 *     allocated: a one-time runtime cache, not memory the program failed to
 *     give back, so baseline_returned must still pass.
 *   - --warm --leave-worker, --warm --late-worker: only threads_stopped
 *     fails (1 thread, start function worker_main). With a thread still
 *     running the runtime's caches cannot be released before the exit
 *     scan: the pool, stdout's buffer and the worker's TLS vector are live
 *     at exit, and none of them is global_references evidence. With
 *     --late-worker the TLS vector is the running thread's runtime
 *     allocation, not memory the program failed to give back: the still
 *     running thread is the one failure, baseline_returned passes.
 *   - no block allocated by the program's own code is live at exit.
 *   - valgrind --leak-check=full --show-leak-kinds=all (no option): "All
 *     heap blocks were freed -- no leaks are possible".
 */
#include <pthread.h>

#include <cstring>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "memledger.h"

#define NOINLINE __attribute__((noinline))

static pthread_mutex_t park_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t park_cond = PTHREAD_COND_INITIALIZER;
static bool worker_ready;

NOINLINE static std::size_t work(int i)
{
	std::string s = "a string longer than the small-string buffer, round " + std::to_string(i);

	if (i % 3 == 0)
		throw std::runtime_error("round " + std::to_string(i) + " failed, as every third round does");
	std::ostringstream os;
	os << s << ' ' << i * 7;
	return os.str().size();
}

NOINLINE static void exercise_runtime(const char *who)
{
	std::cout << who << ": warming the runtime" << std::endl;
	try {
		work(0);
	} catch (const std::exception &e) {
		if (!*e.what())
			std::cout << "empty message\n";
	}
}

static void *worker_main(void *)
{
	exercise_runtime("worker");
	pthread_mutex_lock(&park_lock);
	worker_ready = true;
	pthread_cond_broadcast(&park_cond);
	while (true)  /* nobody dismisses it: still running at exit */
		pthread_cond_wait(&park_cond, &park_lock);
	return nullptr;
}

NOINLINE static void start_worker()
{
	pthread_t t;

	if (pthread_create(&t, nullptr, worker_main, nullptr))
		std::abort();
	pthread_mutex_lock(&park_lock);
	while (!worker_ready)
		pthread_cond_wait(&park_cond, &park_lock);
	pthread_mutex_unlock(&park_lock);
}

int main(int argc, char **argv)
{
	bool warm = false, leave_worker = false, late_worker = false;
	std::size_t sum = 0;

	for (int i = 1; i < argc; i++) {
		if (!std::strcmp(argv[i], "--warm"))
			warm = true;
		else if (!std::strcmp(argv[i], "--leave-worker"))
			leave_worker = true;
		else if (!std::strcmp(argv[i], "--late-worker"))
			late_worker = true;
		else
			return 2;
	}
	if (warm)
		exercise_runtime("main");
	if (leave_worker)
		start_worker();
	memledger_snapshot(MEMLEDGER_START);
	if (late_worker)
		start_worker();

	for (int i = 1; i <= 30; i++) {
		try {
			sum += work(i);
		} catch (const std::exception &e) {
			std::cout << "caught: " << e.what() << '\n';
		}
	}
	std::vector<std::string> v(10, std::string(100, 'y'));
	std::cout << "sum " << sum << ", " << v.size() << " strings" << std::endl;
	memledger_snapshot(MEMLEDGER_AFTER_RUN);

	std::vector<std::string>().swap(v);
	memledger_snapshot(MEMLEDGER_AFTER_CLEANUP);
	return 0;
}
