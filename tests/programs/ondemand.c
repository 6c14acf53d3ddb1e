/*
 * ondemand.c - a long-running program that never calls memledger itself:
 * the end-to-end tests snapshot it from outside (t0860, t0861).
 *
 * What it does: for each line on stdin it takes a step. Step N keeps
 * 8 more blocks of 1 KiB in a list (reachable), loses one block of 3000
 * bytes (its only pointer is overwritten), and prints "step N (LINE): K
 * blocks kept" on stdout, flushed, so a driver knows the step is done. At
 * end of input it frees the list, prints "done", and exits 0. The output
 * depends on the input only. A line "closefrom" first closes every
 * descriptor from 3 up, as daemons do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct node {
	struct node *next;
	char data[1024 - sizeof(struct node *)];
};

static struct node *kept;
static void *volatile dropped;

int main(void)
{
	char line[256];
	int step = 0, blocks = 0;
	while (fgets(line, sizeof line, stdin)) {
		line[strcspn(line, "\n")] = 0;
		step++;
		if (!strcmp(line, "closefrom"))
			closefrom(3);
		for (int i = 0; i < 8; i++) {
			struct node *n = malloc(sizeof *n);
			if (!n)
				return 1;
			memset(n->data, step, sizeof n->data);
			n->next = kept;
			kept = n;
			blocks++;
		}
		dropped = malloc(3000);
		memset(dropped, 0, 3000);
		dropped = NULL;  /* lost */
		printf("step %d (%s): %d blocks kept\n", step, line, blocks);
		fflush(stdout);
	}
	while (kept) {
		struct node *n = kept->next;
		free(kept);
		kept = n;
	}
	puts("done");
	return 0;
}
