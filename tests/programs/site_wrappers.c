/*
 * site_wrappers.c - allocations through the program's own wrappers, for
 * the site-naming rule (ingest/sitename.h).
 *
 *   xmalloc        a wrapper on the built-in list: its callers name the sites
 *   pool_get       a wrapper of the program's own, under a name nobody
 *                  could know: it names its site until `--alloc-fn
 *                  pool_get` is given, then its caller does
 *   make_list      calls xmalloc 10 times            (line SITE:make_list)
 *   make_table     calls xmalloc once, 4096 bytes    (line SITE:make_table)
 *   make_buffer    calls pool_get once, 1000 bytes   (line SITE:make_buffer)
 * Everything is freed. Prints nothing; exits 0.
 */
#include <stdio.h>
#include <stdlib.h>

static void *volatile sink;

__attribute__((noinline)) void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p)
		abort();
	return p;
}

__attribute__((noinline)) void *pool_get(size_t n)
{
	return xmalloc(n); /* a wrapper of a wrapper */
}

struct item {
	struct item *next;
	int v;
};

__attribute__((noinline)) static struct item *make_list(void)
{
	struct item *head = NULL;

	for (int i = 0; i < 10; i++) {
		struct item *it = xmalloc(sizeof *it); /* SITE:make_list */
		it->next = head;
		it->v = i;
		head = it;
	}
	return head;
}

__attribute__((noinline)) static char *make_table(void)
{
	return xmalloc(4096); /* SITE:make_table */
}

__attribute__((noinline)) static char *make_buffer(void)
{
	return pool_get(1000); /* SITE:make_buffer */
}

int main(void)
{
	struct item *l = make_list();
	char *t = make_table(), *b = make_buffer();

	sink = t;
	sink = b;
	while (l) {
		struct item *n = l->next;
		free(l);
		l = n;
	}
	free(t);
	free(b);
	return 0;
}
