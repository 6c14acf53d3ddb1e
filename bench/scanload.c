/*
 * scanload.c - the exit-scan benchmark: BLOCKS live blocks at exit.
 *
 *   scanload BLOCKS
 *
 * Builds a binary tree of BLOCKS 48-byte nodes from a global root (all
 * reachable), then drops a tenth of the subtrees' links so that some are
 * lost and their descendants indirect, and exits without freeing.
 */
#include <stdio.h>
#include <stdlib.h>

struct node {
	struct node *left, *right;
	long payload[4];
};

static struct node *root;
static struct node **all;

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	if (n < 1)
		return 2;
	all = malloc(sizeof *all * (size_t)n);
	for (long i = 0; i < n; i++) {
		all[i] = calloc(1, sizeof(struct node));
		all[i]->payload[0] = i;
		if (i) {
			struct node *parent = all[(i - 1) / 2];
			if (i & 1)
				parent->left = all[i];
			else
				parent->right = all[i];
		}
	}
	root = all[0];
	/* cut every tenth node of the top levels from its parent: lost subtrees */
	for (long i = 1; i < n && i < 4096; i += 10) {
		struct node *parent = all[(i - 1) / 2];
		if (i & 1)
			parent->left = NULL;
		else
			parent->right = NULL;
	}
	free(all);
	all = NULL;
	printf("%ld\n", root->payload[0]);
	return 0;
}
