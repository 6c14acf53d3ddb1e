/*
 * massif.c - valgrind massif's output format, as ms_print and
 * massif-visualizer read it (valgrind's massif/ms_print.in is the reader
 * this is checked against).
 *
 * Snapshots over time are the process's snapshots: the periodic samples
 * (at most MAX_SAMPLES of them, evenly picked, the peak always kept) and
 * the labelled ones. mem_heap_B is Alloc, the live requested bytes;
 * mem_heap_extra_B and mem_stacks_B are 0, so the peak ms_print draws is
 * our peak Alloc. The snapshots that are not samples are detailed: their
 * heap trees come from site_snapshots. The peak (the snapshot with the
 * largest Alloc, a labelled one on a tie) is the "peak" tree; when it is
 * a sample its tree is read from the allocations table (scaled to Alloc,
 * since event times near a sample may run a few events late), and when
 * that table has no rows the tree says so in one line.
 *
 * A heap tree is massif's: the root is all heap bytes, its children the
 * code locations that called the allocator, their children the callers,
 * and so on outwards. Children under 1% of the snapshot's heap are
 * summed into one "in N places, below massif's threshold" line, as
 * massif does. ms_print treats '#' as the start of a comment anywhere in
 * a line, so names have theirs replaced.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "export/formats.h"
#include "report/data.h"

#define MAX_SAMPLES 400
#define THRESHOLD 0.01

struct tnode {
	int frame;		/* index into d->frames */
	long long bytes;
	struct tnode *child, *next;
};

struct tree {
	struct tnode *pool;
	size_t n, cap;		/* nodes used in pool blocks */
	struct tnode **blocks;
	size_t nblocks;
};

static struct tnode *tnode_new(struct tree *t, int frame)
{
	struct tnode *x;

	if (!t->pool || t->n == t->cap) {
		struct tnode **nb = realloc(t->blocks, (t->nblocks + 1) * sizeof *nb);

		if (!nb)
			return NULL;
		t->blocks = nb;
		if (!(t->pool = calloc(4096, sizeof *t->pool)))
			return NULL;
		t->blocks[t->nblocks++] = t->pool;
		t->n = 0;
		t->cap = 4096;
	}
	x = &t->pool[t->n++];
	x->frame = frame;
	return x;
}

static void tree_free(struct tree *t)
{
	for (size_t i = 0; i < t->nblocks; i++)
		free(t->blocks[i]);
	free(t->blocks);
	memset(t, 0, sizeof *t);
}

/* Add bytes along site s's stack, from the allocator's caller outwards. */
static int tree_add(struct tree *t, struct tnode *root, const struct ex_site *s, long long bytes)
{
	struct tnode *n = root;

	root->bytes += bytes;
	for (int j = 0; j < s->nframes; j++) {
		struct tnode *c;

		for (c = n->child; c && c->frame != s->frames[j]; c = c->next)
			;
		if (!c) {
			if (!(c = tnode_new(t, s->frames[j])))
				return -1;
			c->next = n->child;
			n->child = c;
		}
		c->bytes += bytes;
		n = c;
	}
	return 0;
}

/* Text with '#' (a comment to ms_print) and line breaks replaced. */
static void add_text(struct jbuf *b, const char *s)
{
	for (; *s; s++) {
		char c = *s;

		if (c == '#')
			c = '_';
		else if ((unsigned char)c < 0x20)
			c = ' ';
		jbuf_add(b, &c, 1);
	}
}

static int cmp_bytes_desc(const void *a, const void *b)
{
	long long x = (*(struct tnode *const *)a)->bytes, y = (*(struct tnode *const *)b)->bytes;

	return x < y ? 1 : x > y ? -1 : 0;
}

/*
 * Write node n and, recursively, its significant children. `extra`, when
 * not NULL, is one more child line (text after the byte count) of
 * extra_bytes, written last: what no site accounts for.
 */
static int write_node(const struct ex_data *d, struct jbuf *out, const struct tnode *n, int depth,
		      long long total, const char *extra, long long extra_bytes)
{
	struct tnode **kids = NULL;
	size_t nk = 0, sig = 0;
	long long rest = 0;
	char line[160], buf[96];
	int ret = -1;

	for (const struct tnode *c = n->child; c; c = c->next)
		nk++;
	if (nk && !(kids = malloc(nk * sizeof *kids)))
		return -1;
	nk = 0;
	for (struct tnode *c = n->child; c; c = c->next)
		kids[nk++] = c;
	if (nk > 1)
		qsort(kids, nk, sizeof *kids, cmp_bytes_desc);
	while (sig < nk && kids[sig]->bytes > 0 && kids[sig]->bytes >= THRESHOLD * (double)total)
		sig++;
	for (size_t i = sig; i < nk; i++)
		rest += kids[i]->bytes;
	for (int i = 0; i < depth; i++)
		jbuf_add(out, " ", 1);
	snprintf(line, sizeof line, "n%zu: %lld", sig + (sig < nk) + (extra != NULL),
		 n->bytes + (extra ? extra_bytes : 0));
	jbuf_adds(out, line);
	if (depth == 0) {
		jbuf_adds(out, " (heap allocation functions) malloc/new/new[], --alloc-fns, etc.\n");
	} else {
		const struct ex_frame *f = &d->frames[n->frame];
		const struct ex_module *m = ex_frame_module(d, f);

		snprintf(line, sizeof line, " 0x%llX: ",
			 (unsigned long long)f->offset + (m ? m->base : 0));
		jbuf_adds(out, line);
		add_text(out, ex_frame_name(f, buf, sizeof buf));
		if (f->file) {
			jbuf_adds(out, " (");
			add_text(out, f->file);
			snprintf(line, sizeof line, ":%lld)", f->line);
			jbuf_adds(out, line);
		} else if (m || f->module) {
			jbuf_adds(out, " (in ");
			add_text(out, m ? m->path : f->module);
			jbuf_adds(out, ")");
		}
		jbuf_adds(out, "\n");
	}
	for (size_t i = 0; i < sig; i++)
		if (write_node(d, out, kids[i], depth + 1, total, NULL, 0) < 0)
			goto out_free;
	if (sig < nk) {
		for (int i = 0; i <= depth; i++)
			jbuf_add(out, " ", 1);
		snprintf(line, sizeof line, "n0: %lld in %zu place%s, below massif's threshold (1.00%%)\n",
			 rest, nk - sig, nk - sig == 1 ? "" : "s");
		jbuf_adds(out, line);
	}
	if (extra) {
		snprintf(line, sizeof line, "%*sn0: %lld %s\n", depth + 1, "", extra_bytes, extra);
		jbuf_adds(out, line);
	}
	ret = 0;
out_free:
	free(kids);
	return ret;
}

static void snapshot_head(struct jbuf *out, size_t num, const struct ex_snapshot *s, long long heap)
{
	char buf[200];

	snprintf(buf, sizeof buf,
		 "#-----------\nsnapshot=%zu\n#-----------\ntime=%lld.%03lld\nmem_heap_B=%lld\n"
		 "mem_heap_extra_B=0\nmem_stacks_B=0\n",
		 num, s->ts_ns / 1000000, (s->ts_ns / 1000) % 1000, heap);
	jbuf_adds(out, buf);
}

/*
 * The live bytes per site at snapshot s into live[]: from site_snapshots,
 * or for a sample from the allocations table. Returns 1 when known, 0
 * when not (a sample and no allocation rows), -1 with err.
 */
static int live_at(const struct ex_data *d, const struct ex_snapshot *s, long long *live,
		   long long *tmp, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (s->sample)
		return ex_live_at_time(d, s->ts_ns, live, tmp, err, errlen);
	for (size_t i = 0; i < d->nsites; i++)
		live[i] = 0;
	if (sqlite3_prepare_v2(d->db,
			       "SELECT stack_id, live_bytes FROM site_snapshots"
			       " WHERE process_id = ? AND snapshot_seq = ?",
			       -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "reading site_snapshots: %s", sqlite3_errmsg(d->db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, d->process_id);
	sqlite3_bind_int64(st, 2, s->seq);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long sid = sqlite3_column_int64(st, 0);
		size_t lo = 0, hi = d->nsites;

		while (lo < hi) { /* sites are sorted by stack_id */
			size_t mid = (lo + hi) / 2;

			if (d->sites[mid].stack_id < sid)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < d->nsites && d->sites[lo].stack_id == sid)
			live[lo] = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "reading site_snapshots: %s", sqlite3_errmsg(d->db));
		return -1;
	}
	return 1;
}

static int detailed(const struct ex_data *d, struct jbuf *out, size_t num,
		    const struct ex_snapshot *s, int peak, long long *live, long long *tmp,
		    char *err, size_t errlen)
{
	struct tree t = { 0 };
	struct tnode *root;
	long long heap = s->alloc, sum = 0;
	int known, ret = -1;

	if ((known = live_at(d, s, live, tmp, err, errlen)) < 0)
		return -1;
	/*
	 * At a periodic sample the blocks live are found from event times,
	 * which may run a few events late (FORMAT.md), so their sum can pass
	 * Alloc, the exact counter. mem_heap_B stays Alloc (ms_print refuses
	 * a tree larger than its snapshot): the sites are scaled down to it.
	 */
	long long rows = 0;
	int scaled = 0;
	for (size_t i = 0; known && i < d->nsites; i++)
		rows += live[i] > 0 ? live[i] : 0;
	if (rows > heap && heap >= 0) {
		for (size_t i = 0; i < d->nsites; i++)
			live[i] = live[i] > 0 ? (long long)((double)live[i] * (double)heap / (double)rows) : 0;
		scaled = 1;
	}
	if (!(root = tnode_new(&t, -1)))
		goto out_oom;
	for (size_t i = 0; known && i < d->nsites; i++)
		if (live[i] > 0 && tree_add(&t, root, &d->sites[i], live[i]) < 0)
			goto out_oom;
	sum = root->bytes;
	snapshot_head(out, num, s, heap);
	jbuf_adds(out, peak ? "heap_tree=peak\n" : "heap_tree=detailed\n");
	if (write_node(d, out, root, 0, heap,
		       sum == heap ? NULL
		       : scaled	   ? "(not attributed: event times near a periodic sample are approximate)"
		       : known	   ? "(not attributed to a site: a sampled run)"
				   : "(no per-site figures at this sample: they need a row per "
				     "allocation, from ingest --allocations all)",
		       heap - sum) < 0)
		goto out_oom;
	ret = 0;
	goto out_free;
out_oom:
	err_oom(err, errlen);
out_free:
	tree_free(&t);
	return ret;
}

static void write_header(const struct ex_data *d, struct jbuf *out)
{
	char **argv = NULL, buf[200];
	int argc = d->argv ? rp_parse_argv(d->argv, &argv) : -1;

	snprintf(buf, sizeof buf,
		 "desc: memledger export of process %lld (pid %lld); mem_heap_B is Alloc, the live"
		 " requested bytes\n",
		 d->process_id, d->pid);
	jbuf_adds(out, buf);
	jbuf_adds(out, "cmd: ");
	if (argc > 0) {
		for (int i = 0; i < argc; i++) {
			if (i)
				jbuf_adds(out, " ");
			add_text(out, argv[i]);
		}
	} else {
		add_text(out, d->exe ? d->exe : "(unknown)");
	}
	if (argc >= 0)
		rp_free_argv(argv, argc);
	jbuf_adds(out, "\ntime_unit: ms\n");
}

int ex_massif(const struct ex_data *d, struct jbuf *out, char *err, size_t errlen)
{
	long long *live = calloc(d->nsites + 1, sizeof *live), *tmp = calloc(d->nsites + 1, sizeof *tmp);
	size_t peak = 0, nsamples = 0, seen = 0, num = 0, step;
	int ret = -1;

	if (!live || !tmp)
		goto out_oom;
	for (size_t i = 0; i < d->nsnaps; i++) {
		const struct ex_snapshot *s = &d->snaps[i], *p = &d->snaps[peak];

		if (s->alloc > p->alloc || (s->alloc == p->alloc && p->sample && !s->sample))
			peak = i;
		nsamples += s->sample;
	}
	step = nsamples > MAX_SAMPLES ? (nsamples + MAX_SAMPLES - 1) / MAX_SAMPLES : 1;
	write_header(d, out);
	for (size_t i = 0; i < d->nsnaps; i++) {
		const struct ex_snapshot *s = &d->snaps[i];

		if (s->sample && i != peak && seen++ % step)
			continue;
		if (!s->sample || i == peak) {
			if (detailed(d, out, num++, s, i == peak, live, tmp, err, errlen) < 0)
				goto out_free;
		} else {
			snapshot_head(out, num++, s, s->alloc);
			jbuf_adds(out, "heap_tree=empty\n");
		}
	}
	if (!d->nsnaps) {
		struct ex_snapshot zero = { 0 };

		snapshot_head(out, num++, &zero, 0);
		jbuf_adds(out, "heap_tree=empty\n");
	}
	if (out->oom)
		goto out_oom;
	ret = 0;
	goto out_free;
out_oom:
	err_oom(err, errlen);
out_free:
	free(live);
	free(tmp);
	return ret;
}
