/*
 * leak_classes.c - known numbers of lost, indirectly lost, possibly lost
 * and reachable blocks, each group from its own noinline function (its
 * own call site).
 *
 * Pointers point at the start of their block, except in possible_interior
 * (only a pointer into the middle of the block survives: "possibly lost")
 * and reachable_length64 (a pointer past a length word, which valgrind's
 * length64 heuristic, on by default, counts as a start pointer).
 * Reachable blocks hang off .bss, .data and TLS. The
 * main thread's stack is not used as a root: at exit its old frames are
 * gone or reused. After creating the leaks main scrubs 64 KiB of dead
 * stack, so no stale copy of a lost pointer survives below it. Prints
 * nothing; exits 0.
 *
 * Sites and what a correct classification at exit must show:
 *
 *   function         allocation                    class       blocks  bytes
 *   lost_single      malloc(100), pointer dropped  lost             1    100
 *   lost_list        head malloc(32), dropped      lost             1     32
 *                    3 nodes malloc(48), only      indirect         3    144
 *                    reachable from the head
 *   lost_cycle       A malloc(64) <-> B malloc(96), one lost, one indirect
 *                    no outside pointer            (valgrind: A lost,
 *                                                   B indirect)     2    160
 *   reachable_bss    malloc(200) in static g_bss   reachable        1    200
 *   reachable_data   malloc(300) in static g_data  reachable        1    300
 *                    (initialised, so in .data)
 *   reachable_list   3 x malloc(40), list from     reachable        3    120
 *                    static g_list
 *   reachable_tls    malloc(400) in __thread t_ref reachable        1    400
 *   possible_interior malloc(120), only g_inner =  possible         1    120
 *                    block + 16 kept; it points at
 *                    malloc(56)                    possible         1     56
 *                    (a block reached from a possibly lost one is no
 *                    better: valgrind says possibly lost too)
 *   reachable_length64 malloc(72), first word 64,  reachable        1     72
 *                    only g_len = block + 8 kept
 *   freed_control    8 blocks malloc'ed and freed  -                0      0
 *
 * The lost cycle: every member is reachable only from a lost block.
 * Valgrind calls the member it finds first "definitely lost" and the
 * other "indirectly lost". Here that is A (the lower address). LSan calls
 * both indirect. memledger must pick one rule and document it. Following
 * valgrind: lost 1 block (64), indirect 1 block (96).
 *
 * valgrind-3.19.0 --leak-check=full --show-leak-kinds=all (glibc 2.36,
 * gcc 12.2, -O1 as built by the Makefile), recorded:
 *   definitely lost: 196 bytes in 3 blocks      (100 + 32 + 64)
 *   indirectly lost: 240 bytes in 4 blocks      (3 x 48 + 96)
 *     possibly lost: 176 bytes in 2 blocks      (120 + 56)
 *   still reachable: 1,092 bytes in 7 blocks    (200 + 300 + 3 x 40 + 400 + 72)
 *                      of which reachable via heuristic:
 *                        length64           : 72 bytes in 1 blocks
 *   per loss record:
 *     100 bytes in 1 block definitely lost        lost_single
 *     176 (32 direct, 144 indirect) bytes in 1 block definitely lost
 *                                                 lost_list
 *     160 (64 direct, 96 indirect) bytes in 1 block definitely lost
 *                                                 lost_cycle
 *     200 bytes in 1 block still reachable        reachable_bss
 *     300 bytes in 1 block still reachable        reachable_data
 *     120 bytes in 3 blocks still reachable       reachable_list
 *     400 bytes in 1 block still reachable        reachable_tls
 *     120 bytes in 1 block possibly lost          possible_interior
 *      56 bytes in 1 block possibly lost          possible_interior
 *      72 bytes in 1 block still reachable        reachable_length64
 * A memledger trace must show the same per site: lost 3 blocks / 196
 * bytes, indirect 4 / 240, reachable 7 / 1092, possible 2 / 176.
 * global_references fails, with the reachable blocks as evidence.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memledger.h"

#define NOINLINE __attribute__((noinline))

struct node {
	struct node *next;
};

/*
 * volatile: gcc drops stores to a static that is never read, and the
 * "reachable" blocks would then be lost.
 */
static void *volatile g_bss;                    /* .bss */
static void *volatile g_data = (void *)1;       /* .data: initialised non-zero */
static struct node *volatile g_list;            /* .bss */
static __thread void *volatile t_ref;           /* main thread's TLS */
static char *volatile g_inner;                  /* into the middle of a block */
static char *volatile g_len;                    /* past a length word */

static void *volatile sink;

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p)
		abort();
	memset(p, 0, n);
	return p;
}

NOINLINE static void lost_single(void)
{
	sink = xmalloc(100);
	sink = NULL;
}

NOINLINE static void lost_list(void)
{
	struct node *head = xmalloc(32);

	for (int i = 0; i < 3; i++) {
		struct node *n = xmalloc(48);

		n->next = head->next;
		head->next = n;
	}
	sink = head;
	sink = NULL;
}

NOINLINE static void lost_cycle(void)
{
	struct node *a = xmalloc(64);
	struct node *b = xmalloc(96);

	a->next = b;
	b->next = a;
	sink = a;
	sink = NULL;
}

NOINLINE static void reachable_bss(void)
{
	g_bss = xmalloc(200);
}

NOINLINE static void reachable_data(void)
{
	g_data = xmalloc(300);
}

NOINLINE static void reachable_list(void)
{
	for (int i = 0; i < 3; i++) {
		struct node *n = xmalloc(40);

		n->next = g_list;
		g_list = n;
	}
}

NOINLINE static void reachable_tls(void)
{
	t_ref = xmalloc(400);
}

NOINLINE static void possible_interior(void)
{
	void **p = xmalloc(120);

	p[0] = xmalloc(56);
	g_inner = (char *)p + 16;
}

NOINLINE static void reachable_length64(void)
{
	uint64_t *p = xmalloc(72);

	p[0] = 64;
	g_len = (char *)(p + 1);
}

NOINLINE static void freed_control(void)
{
	void *p[8];

	for (int i = 0; i < 8; i++)
		p[i] = xmalloc(16 * (size_t)(i + 1));
	for (int i = 0; i < 8; i++)
		free(p[i]);
}

/* Overwrite the dead stack below main's frame, where the functions above ran. */
NOINLINE static void scrub_stack(void)
{
	volatile char buf[64 * 1024];

	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = 0;
}

int main(void)
{
	lost_single();
	lost_list();
	lost_cycle();
	reachable_bss();
	reachable_data();
	reachable_list();
	reachable_tls();
	possible_interior();
	reachable_length64();
	freed_control();
	scrub_stack();
	memledger_snapshot("LEAKS MADE");
	return 0;
}
