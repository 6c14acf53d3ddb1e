// sym_cxx - a C++ program whose allocation sites are templates, for the
// symbolizer's demangling test (tests/unit/test_symbolize.c) and for
// end-to-end traces. make_thing<T> must stay an out-of-line function with
// a mangled template name: noinline, and built with -fno-inline.
#include <map>
#include <string>

struct thing {
	int id;
	std::string label;
};

template<class T>
__attribute__((noinline)) T *make_thing(std::map<int, std::string> &names)
{
	T *t = new T();
	names[(int)names.size()] = "thing";
	return t;
}

int main()
{
	std::map<int, std::string> names;
	thing *a = make_thing<thing>(names);
	int *b = make_thing<int>(names);
	int status = (int)names.size() == 2 ? 0 : 1;

	delete a;
	delete b;
	return status;
}
