/*
 * leak_classes_cxx.cc - the C++ counterpart of leak_classes.c: lost,
 * indirectly lost, possibly lost and reachable blocks made with new,
 * new[] and standard containers, each group from its own noinline function. (Not named
 * leak_classes.cc: the Makefile builds NAME.c and NAME.cc to the same
 * build/programs/NAME.)
 *
 * Pointers point at the start of their block, except in three places that
 * valgrind's default heuristics and its "possibly lost" class are about:
 * reachable_counted keeps a new[] of a type with a destructor (the pointer
 * is past the element count: newarray), reachable_derived keeps a pointer
 * to the second base of a class with two (multipleinheritance), and
 * possible_middle keeps only a pointer into the middle of an int array. Reachable blocks hang off static pointers (volatile, so
 * gcc keeps the stores). No global object with a destructor owns heap
 * memory, since its destructor would run at exit, before the scan. Main
 * scrubs 64 KiB of dead stack after creating the leaks. Prints nothing;
 * exits 0.
 *
 * Sizes on x86-64 with libstdc++ (gcc 12): Node 32, Tree 24, Widget 48,
 * std::vector<T> object 24, std::string object 32.
 *
 *   function            allocation                        class     blocks bytes
 *   lost_node           new Node, dropped                 lost         1     32
 *   lost_int_array      new int[25], dropped              lost         1    100
 *   lost_tree           new Tree root, dropped            lost         1     24
 *                       2 x new Tree children             indirect     2     48
 *   lost_vector         new std::vector<int>(50), dropped lost         1     24
 *                       its buffer (operator new, 200)    indirect     1    200
 *   lost_string         new std::string(40 x 'x'),        lost         1     32
 *                       dropped; its buffer (41)          indirect     1     41
 *   reachable_widget    new Widget in static g_widget     reachable    1     48
 *   reachable_vector    new std::vector<long>(10) in      reachable    1     24
 *                       static g_vec; its buffer (80)     reachable    1     80
 *   reachable_doubles   new double[8] in static g_doubles reachable    1     64
 *   reachable_counted   new Counted[1] (an 8-byte count,  reachable    1     40
 *                       then the element) in g_counted
 *   reachable_derived   new Derived, as Right * in        reachable    1     32
 *                       static g_right (inside the block)
 *   possible_middle     new int[10], only &a[5] kept      possible     1     40
 *   freed_control       new/delete and a vector that is   -            0      0
 *                       destroyed
 *
 * valgrind-3.19.0 --leak-check=full --show-leak-kinds=all (g++ 12.2, -O1
 * as built by the Makefile), recorded:
 *   definitely lost: 212 bytes in 5 blocks      (32 + 100 + 24 + 24 + 32)
 *   indirectly lost: 289 bytes in 4 blocks      (2 x 24 + 200 + 41)
 *     possibly lost: 40 bytes in 1 blocks       (40)
 *   still reachable: 288 bytes in 6 blocks      (48 + 24 + 80 + 64 + 40 + 32)
 *                      of which reachable via heuristic:
 *                        newarray           : 40 bytes in 1 blocks
 *                        multipleinheritance: 32 bytes in 1 blocks
 *   per loss record:
 *      32 bytes in 1 block definitely lost               lost_node
 *     100 bytes in 1 block definitely lost               lost_int_array
 *      72 (24 direct, 48 indirect) bytes in 1 block def. lost_tree
 *     224 (24 direct, 200 indirect) bytes in 1 block     lost_vector
 *      73 (32 direct, 41 indirect) bytes in 1 block      lost_string
 *      48 bytes in 1 block still reachable               reachable_widget
 *      24 + 80 bytes, 2 blocks still reachable           reachable_vector
 *      64 bytes in 1 block still reachable               reachable_doubles
 *      40 bytes in 1 block still reachable (newarray)    reachable_counted
 *      32 bytes in 1 block still reachable (multiple...) reachable_derived
 *      40 bytes in 1 block possibly lost                 possible_middle
 * libstdc++ also allocates its exception emergency pool before main (one
 * block, 72,704 bytes with gcc 12). valgrind frees it through
 * __gnu_cxx::__freeres before the leak check, so it is not in the summary.
 * A tracer that does not do the same sees it as one more reachable block
 * from libstdc++. It is a runtime allocation and no evidence against the
 * program.
 */
#include <cstdlib>
#include <string>
#include <vector>

#include "memledger.h"

#define NOINLINE __attribute__((noinline))

struct Node {
	Node *next;
	long v[3];
};

struct Tree {
	Tree *left, *right;
	int v;
};

struct Widget {
	long id;
	double weights[5];
};

struct Counted {
	~Counted() { sink_count++; }
	long v[4];
	static int sink_count;
};
int Counted::sink_count;

struct Left {
	virtual ~Left() {}
	long l;
};

struct Right {
	virtual ~Right() {}
	long r;
};

struct Derived : Left, Right {
	~Derived() override {}
};

static Widget *volatile g_widget;
static Counted *volatile g_counted;
static Right *volatile g_right;
static int *volatile g_middle;
static std::vector<long> *volatile g_vec;
static double *volatile g_doubles;
static void *volatile sink;

NOINLINE static void lost_node()
{
	sink = new Node();
	sink = nullptr;
}

NOINLINE static void lost_int_array()
{
	sink = new int[25]();
	sink = nullptr;
}

NOINLINE static void lost_tree()
{
	Tree *root = new Tree();

	root->left = new Tree();
	root->right = new Tree();
	sink = root;
	sink = nullptr;
}

NOINLINE static void lost_vector()
{
	sink = new std::vector<int>(50);
	sink = nullptr;
}

NOINLINE static void lost_string()
{
	sink = new std::string(40, 'x');
	sink = nullptr;
}

NOINLINE static void reachable_widget()
{
	g_widget = new Widget();
}

NOINLINE static void reachable_vector()
{
	g_vec = new std::vector<long>(10);
}

NOINLINE static void reachable_doubles()
{
	g_doubles = new double[8]();
}

NOINLINE static void reachable_counted()
{
	g_counted = new Counted[1]();
}

NOINLINE static void reachable_derived()
{
	g_right = new Derived();
}

NOINLINE static void possible_middle()
{
	g_middle = new int[10]() + 5;
}

NOINLINE static void freed_control()
{
	Node *n = new Node();
	std::vector<int> v(100);

	sink = n;
	sink = v.data();
	delete n;
}

NOINLINE static void scrub_stack()
{
	volatile char buf[64 * 1024];

	for (std::size_t i = 0; i < sizeof buf; i++)
		buf[i] = 0;
}

int main()
{
	lost_node();
	lost_int_array();
	lost_tree();
	lost_vector();
	lost_string();
	reachable_widget();
	reachable_vector();
	reachable_doubles();
	reachable_counted();
	reachable_derived();
	possible_middle();
	freed_control();
	scrub_stack();
	memledger_snapshot("LEAKS MADE");
	return 0;
}
