/*
 * cxx_templates.cc - allocations made through templates, so that stacks
 * hold long demangled C++ names: a std::map<int, std::string>, a
 * std::vector<std::unique_ptr<Widget<int>>>, and a function template
 * make_widget<T> that is never inlined.
 *
 * What it does, between memledger_snapshot("BEGIN") and ("BUILT"):
 *   fill_map      10 x m.emplace(i, std::string(40, c)): per entry one
 *                 tree node (72 bytes) and one string buffer (41 bytes).
 *                 The temporary string's buffer moves into the node.
 *   fill_widgets  v.reserve(16): one 128-byte buffer; then 16 x
 *                 v.emplace_back(make_widget<int>(i)): 16 Widget<int>
 *                 (16 bytes each)
 *   fill_doubles  3 x make_widget<double>(x): 3 Widget<double> (32 bytes each)
 * Then everything goes out of scope (destructors free it all), and
 * memledger_snapshot("CLEARED"). Prints nothing.
 *
 * A correct trace shows:
 *   BEGIN -> BUILT    Mallocs +40, TotalAlloc +1610, HeapObjects +40,
 *                     Alloc +1610 (10 x 72 + 10 x 41 + 128 + 16 x 16 + 3 x 32)
 *   BUILT -> CLEARED  Frees +40, Alloc and HeapObjects back to BEGIN
 *   stacks with these demangled frames (names as c++filt prints them):
 *     Widget<int>* make_widget<int>(int)
 *     Widget<double>* make_widget<double>(double)
 *     std::vector<std::unique_ptr<Widget<int>, std::default_delete<Widget<int> > >, ...>::reserve(unsigned long)
 *     std::map<int, std::__cxx11::basic_string<char, ...>, ...>::emplace<int&, std::__cxx11::basic_string<...> >(...)
 *     std::_Rb_tree<int, std::pair<int const, std::__cxx11::basic_string<...> >, ...>::_M_emplace_hint_unique<...>(...)
 *     std::__new_allocator<std::_Rb_tree_node<std::pair<int const, ...> > >::allocate(unsigned long, void const*)
 *   (gcc 12's libstdc++; -fno-inline keeps each one a real frame)
 *   and at depth 0 operator new(unsigned long) in libstdc++, whose caller
 *   is the program's own (template) code. Sites name the first frame
 *   outside the runtime: make_widget<int>, make_widget<double>,
 *   std::__new_allocator<...>::allocate, or fill_map (for the string
 *   buffers, which are allocated inside libstdc++.so).
 * Before main, libstdc++ allocates its exception emergency pool (one
 * block, 72,704 bytes with gcc 12). It is live at BEGIN and at exit. It is
 * not part of the deltas above.
 */
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "memledger.h"

#define NOINLINE __attribute__((noinline))

enum { NMAP = 10, STR_LEN = 40, NWIDGETS = 16, NDOUBLES = 3 };

template <class T> struct Widget {
	T value;
	T history[3];
	explicit Widget(T v) : value(v), history{ v, v, v } {}
};

template <class T> NOINLINE Widget<T> *make_widget(T v)
{
	return new Widget<T>(v);
}

static volatile double sink;

NOINLINE static void fill_map(std::map<int, std::string> &m)
{
	for (int i = 0; i < NMAP; i++)
		m.emplace(i, std::string(STR_LEN, static_cast<char>('a' + i % 26)));
}

NOINLINE static void fill_widgets(std::vector<std::unique_ptr<Widget<int>>> &v)
{
	v.reserve(NWIDGETS);
	for (int i = 0; i < NWIDGETS; i++)
		v.emplace_back(make_widget<int>(i));
}

NOINLINE static void fill_doubles(std::unique_ptr<Widget<double>> (&d)[NDOUBLES])
{
	for (int i = 0; i < NDOUBLES; i++)
		d[i].reset(make_widget<double>(i * 0.5));
}

NOINLINE static void build_and_drop()
{
	std::map<int, std::string> m;
	std::vector<std::unique_ptr<Widget<int>>> v;
	std::unique_ptr<Widget<double>> d[NDOUBLES];

	fill_map(m);
	fill_widgets(v);
	fill_doubles(d);
	memledger_snapshot("BUILT");
	sink = static_cast<double>(m.size() + v.size()) + d[NDOUBLES - 1]->value +
	       static_cast<double>(m[3].size() + static_cast<std::size_t>(v[5]->history[2]));
}

int main()
{
	memledger_snapshot("BEGIN");
	build_and_drop();
	memledger_snapshot("CLEARED");
	return 0;
}
