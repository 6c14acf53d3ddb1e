/*
 * unw_cxx.cc - allocations while C++ exceptions fly, for the
 * differential unwinder test (t1101). Allocations happen in the throw
 * (__cxa_allocate_exception, the message string), in destructors run by
 * the landing pads while the exception unwinds (code the compiler often
 * puts in .text.unlikely, with its own CFA rules), in catch blocks, and
 * after a rethrow. Deterministic; prints "unw_cxx 300" and exits 0.
 */
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

static void *volatile sink;

struct Noisy {
	std::vector<int> v;
	explicit Noisy(int n) : v(static_cast<size_t>(n), 1) {}
	~Noisy()
	{
		/* runs from a landing pad when an exception passes */
		sink = std::malloc(40 + v.size());
		std::free(sink);
	}
};

[[noreturn]] __attribute__((noinline)) static void thrower(int i)
{
	throw std::runtime_error("unwinding through frame number " + std::to_string(i));
}

__attribute__((noinline)) static int middle(int i)
{
	Noisy a(i % 5 + 1);
	auto up = std::make_unique<std::string>(static_cast<size_t>(20 + i % 7), 'x');
	if (i % 3 != 2)
		thrower(i);
	return static_cast<int>(up->size() + a.v.size());
}

__attribute__((noinline)) static int rethrower(int i)
{
	try {
		return middle(i);
	} catch (const std::runtime_error &) {
		sink = std::malloc(55);
		std::free(sink);
		throw;
	}
}

int main()
{
	int caught = 0;
	for (int i = 0; i < 300; i++) {
		try {
			rethrower(i);
			caught++;
		} catch (const std::exception &e) {
			std::string copy(e.what());
			if (copy.size() > 10)
				caught++;
		}
	}
	std::printf("unw_cxx %d\n", caught);
	return caught == 300 ? 0 : 1;
}
