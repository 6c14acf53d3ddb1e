/*
 * grow_nosnap.c - a list that only grows, in a program that takes no
 * snapshots of its own: after 100 ms of nothing, one 512-byte node every
 * 2 ms for about 150 ms, never freed, reachable from a global at exit. containers_cleared fails
 * on the periodic samples; its evidence must name the samples by time and
 * only where the value changed, not repeat "sample 0 B" (issue 10).
 * Prints nothing; exits 0.
 */
#include <stdlib.h>
#include <time.h>

struct node {
	struct node *next;
	char pad[504];
};

static struct node *volatile head;

int main(void)
{
	struct timespec ms2 = { 0, 2 * 1000 * 1000 }, ms100 = { 0, 100 * 1000 * 1000 };

	nanosleep(&ms100, NULL);

	for (int i = 0; i < 75; i++) {
		struct node *n = malloc(sizeof *n);

		n->next = head;
		head = n;
		nanosleep(&ms2, NULL);
	}
	return 0;
}
