/*
 * rob_cxx_exc.cc - C++ exceptions thrown and caught in a loop (t0233).
 * Each throw allocates the exception object through
 * __cxa_allocate_exception (malloc) and the runtime_error's message
 * string; the catch frees both. 1000 throws; prints "caught 1000" and
 * exits 0.
 */
#include <cstdio>
#include <stdexcept>
#include <string>

static int thrower(int i)
{
	if (i >= 0)
		throw std::runtime_error("boom number " + std::to_string(i) + " of a thousand");
	return 0;
}

int main()
{
	int caught = 0;
	for (int i = 0; i < 1000; i++) {
		try {
			thrower(i);
		} catch (const std::runtime_error &e) {
			if (e.what()[0] == 'b')
				caught++;
		}
	}
	std::printf("caught %d\n", caught);
	return caught == 1000 ? 0 : 1;
}
