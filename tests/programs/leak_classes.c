/*
 * leak_classes.c - known numbers of lost, indirectly lost and reachable
 * blocks, each group from its own noinline function (its own call site).
 *
 * Every pointer points at the start of its block, so no block is only
 * "possibly lost". Reachable blocks hang off .bss, .data and TLS. The
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
 *     possibly lost: 0 bytes in 0 blocks
 *   still reachable: 1,020 bytes in 6 blocks    (200 + 300 + 3 x 40 + 400)
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
 * A memledger trace must show the same per site: lost 3 blocks / 196
 * bytes, indirect 4 / 240, reachable 6 / 1020. global_references fails,
 * with the 6 reachable blocks as evidence.
 */
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
	freed_control();
	scrub_stack();
	memledger_snapshot("LEAKS MADE");
	return 0;
}
