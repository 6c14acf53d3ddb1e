/*
 * test_sitename.c - the site-naming rule (ingest/sitename.h) and the C++
 * name helpers it uses (ingest/cxxname.h): bare names of demangled
 * functions, template abbreviation, wrappers, and which frame of a stack
 * names the site.
 */
#include "ingest/cxxname.h"
#include "ingest/sitename.h"
#include "tests/unit/check.h"

#include <stdlib.h>
#include <string.h>

static void test_bare(void)
{
	char b[256];

	CHECK_EQ_STR(cxxname_bare("xmalloc", b, sizeof b), "xmalloc");
	CHECK_EQ_STR(cxxname_bare("operator new(unsigned long)", b, sizeof b), "operator new");
	CHECK_EQ_STR(cxxname_bare("operator new[](unsigned long)", b, sizeof b), "operator new[]");
	CHECK_EQ_STR(cxxname_bare("operator()(int) const", b, sizeof b), "operator()");
	CHECK_EQ_STR(cxxname_bare("std::vector<int, std::allocator<int> >::push_back(int const&)", b, sizeof b),
		     "std::vector<int, std::allocator<int> >::push_back");
	CHECK_EQ_STR(cxxname_bare("void std::vector<int, std::allocator<int> >::_M_realloc_insert<int const&>"
				  "(__gnu_cxx::__normal_iterator<int*, std::vector<int> >, int const&)", b, sizeof b),
		     "std::vector<int, std::allocator<int> >::_M_realloc_insert<int const&>");
	CHECK_EQ_STR(cxxname_bare("bool operator< <int>(Foo<int> const&, Foo<int> const&)", b, sizeof b),
		     "operator< <int>");
	CHECK_EQ_STR(cxxname_bare("std::ostream& operator<<(std::ostream&, Foo const&)", b, sizeof b), "operator<<");
	CHECK_EQ_STR(cxxname_bare("(anonymous namespace)::grow(int)", b, sizeof b), "(anonymous namespace)::grow");
	CHECK_EQ_STR(cxxname_bare("main::{lambda(int)#1}::operator()(int) const", b, sizeof b),
		     "main::{lambda(int)#1}::operator()");
	CHECK_EQ_STR(cxxname_bare("f() [clone .cold]", b, sizeof b), "f");
	CHECK_EQ_STR(cxxname_bare("xmalloc.constprop.0", b, sizeof b), "xmalloc");
	CHECK_EQ_STR(cxxname_bare("__libc_start_main@@GLIBC_2.34", b, sizeof b), "__libc_start_main");
	CHECK_EQ_STR(cxxname_bare("name[abi:cxx11]()", b, sizeof b), "name");
	CHECK_EQ_STR(cxxname_bare(NULL, b, sizeof b), "");
	/* cut to the buffer, never past it */
	CHECK_EQ_STR(cxxname_bare("abcdefgh(int)", b, 4), "abc");
}

static void test_abbrev(void)
{
	char b[256], small[16];
	size_t n;

	cxxname_abbrev("std::__new_allocator<std::_Sp_counted_ptr_inplace<Node, std::allocator<void>, "
		       "(__gnu_cxx::_Lock_policy)2> >::allocate(unsigned long, void const*)", b, sizeof b);
	CHECK_EQ_STR(b, "std::__new_allocator<\xe2\x80\xa6>::allocate(unsigned long, void const*)");
	cxxname_abbrev("fill(std::vector<int, std::allocator<int> >&)", b, sizeof b);
	CHECK_EQ_STR(b, "fill(std::vector<\xe2\x80\xa6>&)");
	/* operators keep their angle brackets */
	cxxname_abbrev("std::ostream& operator<< <char>(std::ostream&, A<B<C> > const&)", b, sizeof b);
	CHECK_EQ_STR(b, "std::ostream& operator<< <\xe2\x80\xa6>(std::ostream&, A<\xe2\x80\xa6> const&)");
	cxxname_abbrev("bool operator<(X const&, X const&)", b, sizeof b);
	CHECK_EQ_STR(b, "bool operator<(X const&, X const&)");
	cxxname_abbrev("p->operator->()", b, sizeof b);
	CHECK_EQ_STR(b, "p->operator->()");
	/* an unbalanced '<' is kept as it is */
	cxxname_abbrev("broken<name", b, sizeof b);
	CHECK_EQ_STR(b, "broken<name");
	/* cut with an ellipsis, and the whole length is reported */
	n = cxxname_abbrev("a_rather_long_function_name(int)", small, sizeof small);
	CHECK_EQ_INT(n, strlen("a_rather_long_function_name(int)"));
	CHECK_EQ_INT(strlen(small), sizeof small - 1);
	CHECK(strcmp(small + strlen(small) - 3, "\xe2\x80\xa6") == 0);
}

static void test_wrappers(void)
{
	static const char *const extra[] = { "pool_get", "my_alloc_*" };
	struct sitename_rules none = SITENAME_RULES_INIT, mine = { extra, 2 };

	CHECK(sitename_is_wrapper(&none, "xmalloc"));
	CHECK(sitename_is_wrapper(&none, "g_malloc0"));
	CHECK(sitename_is_wrapper(&none, "operator new(unsigned long)"));
	CHECK(sitename_is_wrapper(&none, "operator new[](unsigned long, std::nothrow_t const&)"));
	CHECK(sitename_is_wrapper(&none, "sqlite3MallocZero"));
	CHECK(!sitename_is_wrapper(&none, "xmalloc_stats"));
	CHECK(!sitename_is_wrapper(&none, "main"));
	CHECK(!sitename_is_wrapper(&none, NULL));
	CHECK(!sitename_is_wrapper(&none, "pool_get"));
	CHECK(sitename_is_wrapper(&mine, "pool_get"));
	CHECK(sitename_is_wrapper(&mine, "my_alloc_small(unsigned long)"));
	CHECK(!sitename_is_wrapper(&mine, "my_alloc(unsigned long)"));
	CHECK(sitename_is_system_file("/usr/include/c++/12/bits/new_allocator.h"));
	CHECK(sitename_is_system_file("/usr/lib/gcc/x86_64-linux-gnu/12/include/stddef.h"));
	CHECK(sitename_is_system_file("/opt/gcc-14/include/c++/14/bits/stl_vector.h"));
	CHECK(!sitename_is_system_file("/home/me/src/include/vec.h"));
	CHECK(!sitename_is_system_file(NULL));
}

static void test_pick(void)
{
	struct sitename_rules r = SITENAME_RULES_INIT;
	/* a C++ leak: operator new, std::vector's internals, the user's function */
	const struct sitename_frame cxx[] = {
		{ "operator new(unsigned long)", NULL, 1 },
		{ "std::__new_allocator<int>::allocate(unsigned long, void const*)",
		  "/usr/include/c++/12/bits/new_allocator.h", 0 },
		{ "void std::vector<int>::_M_realloc_insert<int const&>(...)", "/usr/include/c++/12/bits/vector.tcc", 0 },
		{ "fill(int)", "leak.cc", 0 },
		{ "main", "leak.cc", 0 },
		{ "__libc_start_call_main", "../sysdeps/nptl/libc_start_call_main.h", 1 },
	};
	/* SQLite: an unnamed static function under a wrapper is the allocator's */
	const struct sitename_frame sq[] = {
		{ NULL, NULL, 0 },
		{ "sqlite3Malloc", NULL, 0 },
		{ NULL, NULL, 0 },
		{ "sqlite3BtreeInsert", NULL, 0 },
	};
	/* cc1: xmalloc, then an unnamed static function, then a named one */
	const struct sitename_frame cc1[] = {
		{ "xmalloc", NULL, 0 },
		{ NULL, NULL, 0 },
		{ "_cpp_stack_file", NULL, 0 },
	};
	/* only the runtime: the first frame outside it, else frame 0 */
	const struct sitename_frame rt[] = {
		{ "malloc", NULL, 1 },
		{ "xmalloc", NULL, 0 },
		{ "__libc_start_main", NULL, 1 },
	};
	const struct sitename_frame all_rt[] = { { "a", NULL, 1 }, { "b", NULL, 1 } };

	CHECK_EQ_INT(sitename_pick(&r, cxx, 6), 3);
	CHECK_EQ_INT(sitename_pick(&r, sq, 4), 2);
	CHECK_EQ_INT(sitename_pick(&r, cc1, 3), 1);
	CHECK_EQ_INT(sitename_pick(&r, rt, 3), 1);
	CHECK_EQ_INT(sitename_pick(&r, all_rt, 2), 0);
	CHECK_EQ_INT(sitename_pick(&r, all_rt, 0), -1);
	CHECK_EQ_INT(sitename_pick(NULL, cxx, 6), 3);
}

int main(void)
{
	test_bare();
	test_abbrev();
	test_wrappers();
	test_pick();
	return CHECK_DONE();
}
