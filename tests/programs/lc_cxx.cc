/*
 * lc_cxx.cc - C++ exceptions under the tracer (t0514).
 *
 * Usage: lc_cxx [terminate]
 *   Throws through frames that own containers and strings, rethrows,
 *   nests exceptions (std::throw_with_nested), carries one out of a
 *   thread in an exception_ptr, and throws from a constructor midway
 *   through a vector's growth; prints what each catch saw. Exit 0.
 *   With "terminate": afterwards throws a std::runtime_error("boom") that
 *   nobody catches: std::terminate prints its message and aborts (134).
 */
#include <exception>
#include <iostream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

struct Fragile {
	std::string s;
	explicit Fragile(int i) : s(std::to_string(i))
	{
		if (i == 37)
			throw std::length_error("fragile " + s);
	}
};

static int deep(int n, std::vector<std::string> &trail)
{
	std::map<int, std::string> local{{n, std::string(n % 50 + 10, 'x')}};
	trail.push_back(local[n]);
	if (n == 0)
		throw std::runtime_error("bottom reached");
	return deep(n - 1, trail) + 1;
}

static void nested()
{
	try {
		throw std::invalid_argument("inner");
	} catch (...) {
		std::throw_with_nested(std::runtime_error("outer"));
	}
}

static void print_nested(const std::exception &e, int level)
{
	std::cout << std::string(level * 2, ' ') << e.what() << "\n";
	try {
		std::rethrow_if_nested(e);
	} catch (const std::exception &inner) {
		print_nested(inner, level + 1);
	}
}

int main(int argc, char **argv)
{
	std::vector<std::string> trail;
	try {
		deep(200, trail);
	} catch (const std::exception &e) {
		std::cout << "caught: " << e.what() << " after " << trail.size() << " frames\n";
	}
	try {
		try {
			throw std::out_of_range("first");
		} catch (...) {
			std::cout << "rethrowing\n";
			throw;
		}
	} catch (const std::out_of_range &e) {
		std::cout << "caught again: " << e.what() << "\n";
	}
	try {
		nested();
	} catch (const std::exception &e) {
		print_nested(e, 0);
	}
	std::exception_ptr from_thread;
	std::thread t([&] {
		try {
			std::vector<int> v(10);
			(void)v.at(99);
		} catch (...) {
			from_thread = std::current_exception();
		}
	});
	t.join();
	try {
		std::rethrow_exception(from_thread);
	} catch (const std::out_of_range &) {
		std::cout << "caught from a thread: out_of_range\n";
	}
	std::vector<std::unique_ptr<Fragile>> v;
	try {
		for (int i = 0; i < 100; i++)
			v.push_back(std::make_unique<Fragile>(i));
	} catch (const std::length_error &e) {
		std::cout << "constructor threw: " << e.what() << " with " << v.size() << " built\n";
	}
	std::cout.flush();
	if (argc > 1 && std::string(argv[1]) == "terminate")
		throw std::runtime_error("boom");
	return 0;
}
