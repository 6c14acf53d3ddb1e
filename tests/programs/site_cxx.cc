/*
 * site_cxx.cc - C++ leaks whose allocator is reached through the standard
 * library, for the site-naming rule (ingest/sitename.h): every site must be
 * named after the function below and the line marked SITE:..., never after
 * std::__new_allocator<...>::allocate in new_allocator.h.
 *
 *   grow_vector   a std::vector<int> grown by push_back (its buffers come
 *                 from _M_realloc_insert, which the Makefile's -O1
 *                 -fno-inline keeps out of line, in the program), leaked
 *                 by leaking the vector object itself (SITE:grow_vector_new,
 *                 lost; its buffer is indirect)
 *   share_node    std::make_shared<Node>(), the shared_ptr then leaked
 *                 with new (SITE:share_node_new, lost), so the control
 *                 block holding the Node is never freed (indirect)
 *   plain_new     a plain new of a class, for comparison (operator new is
 *                 a wrapper: the site is this line)
 * Prints nothing; exits 0.
 */
#include <memory>
#include <vector>

struct Node {
	long value[6];
};

static void *volatile sink;

__attribute__((noinline)) static void grow_vector(int n)
{
	std::vector<int> *v = new std::vector<int>; /* SITE:grow_vector_new */
	for (int i = 0; i < n; i++)
		v->push_back(i); /* SITE:grow_vector */
	sink = v;
	sink = nullptr;
}

__attribute__((noinline)) static void share_node()
{
	std::shared_ptr<Node> p = std::make_shared<Node>(); /* SITE:share_node */
	sink = new std::shared_ptr<Node>(p); /* SITE:share_node_new */
	sink = nullptr;
}

__attribute__((noinline)) static void plain_new()
{
	sink = new Node(); /* SITE:plain_new */
	sink = nullptr;
}

int main()
{
	grow_vector(100);
	share_node();
	plain_new();
	return 0;
}
