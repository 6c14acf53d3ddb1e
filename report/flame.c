/*
 * flame.c - flame graphs. See flame.h.
 *
 * A trie of frames; children are kept in a singly linked list. Lookups
 * among siblings are linear: outermost-first stacks fan out slowly, and
 * the widest fan-outs (allocation sites under one caller) stay in the
 * hundreds even on a compiler.
 */
#include "report/flame.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/units.h"
#include "common/utf8.h"
#include "ingest/json.h"
#include "report/svg.h"

struct fnode {
	char *label;
	int flags;
	int keep;	/* after flame_prune: drawn and written */
	double *w;	/* one value per view */
	struct fnode *child, *next;
};

struct flame {
	struct fnode root;
	size_t nviews;
	int pruned;
};

#define ROW 17.0
#define TOP 4.0

static struct fnode *node_new(struct flame *f, const char *label, int flags)
{
	struct fnode *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	c->label = strdup(label);
	c->w = calloc(f->nviews ? f->nviews : 1, sizeof *c->w);
	if (!c->label || !c->w) {
		free(c->label);
		free(c->w);
		free(c);
		return NULL;
	}
	c->flags = flags;
	return c;
}

struct flame *flame_new(const char *root_label, size_t nviews)
{
	struct flame *f = calloc(1, sizeof *f);

	if (!f)
		return NULL;
	f->nviews = nviews;
	f->root.label = strdup(root_label ? root_label : "all");
	f->root.w = calloc(nviews ? nviews : 1, sizeof *f->root.w);
	f->root.keep = 1;
	if (!f->root.label || !f->root.w) {
		free(f->root.label);
		free(f->root.w);
		free(f);
		return NULL;
	}
	return f;
}

static struct fnode *child_get(struct flame *f, struct fnode *parent, const char *label, int flags)
{
	struct fnode *c;

	for (c = parent->child; c; c = c->next)
		if (c->flags == flags && strcmp(c->label, label) == 0)
			return c;
	if (!(c = node_new(f, label, flags)))
		return NULL;
	c->next = parent->child;
	parent->child = c;
	return c;
}

static void add_weights(struct flame *f, struct fnode *n, const double *w)
{
	for (size_t v = 0; v < f->nviews; v++)
		n->w[v] += w[v] > 0 ? w[v] : 0;
}

/* Bytes of a frame name kept in the graph; longer ones are cut, with "…". */
#define FLAME_LABEL_MAX 1000

int flame_add(struct flame *f, const char *const *labels, const int *flags, size_t n,
	      const double *w)
{
	struct fnode *node = &f->root;
	int any = 0;

	for (size_t v = 0; v < f->nviews; v++)
		any |= w[v] > 0;
	if (!any)
		return 0;
	add_weights(f, node, w);
	for (size_t i = 0; i < n; i++) {
		const char *label = labels[i] && labels[i][0] ? labels[i] : "??";
		char cut[FLAME_LABEL_MAX + 8];

		/* a huge C++ name would be written into the page once per frame
		 * and in the script's data: cap it (the database keeps it whole) */
		if (strlen(label) > FLAME_LABEL_MAX) {
			size_t k = FLAME_LABEL_MAX;

			k = utf8_floor(label, k);
			memcpy(cut, label, k);
			memcpy(cut + k, "\xe2\x80\xa6", 4);  /* "…" */
			label = cut;
		}
		if (!(node = child_get(f, node, label, flags ? flags[i] : 0)))
			return -1;
		add_weights(f, node, w);
	}
	return 0;
}

int flame_add_frames(struct flame *f, const struct rp_frame *frames, int n, const double *w)
{
	const char **labels = calloc((size_t)n + 1, sizeof *labels);
	char (*bufs)[80] = calloc((size_t)n + 1, sizeof *bufs);
	int *flags = calloc((size_t)n + 1, sizeof *flags), m = 0, ret = -1;

	if (!labels || !bufs || !flags)
		goto out_free;
	/* outermost first; a run of frames without symbols in one module is one frame */
	for (int k = n - 1; k >= 0; k--) {
		const struct rp_frame *x = &frames[k];
		int fl = x->runtime ? FLAME_RUNTIME : 0;

		if (x->function && x->function[0]) {
			labels[m] = x->function;
		} else {
			const char *mod = x->module ? strrchr(x->module, '/') : NULL;

			mod = mod ? mod + 1 : x->module ? x->module : "?";
			snprintf(bufs[m], sizeof bufs[m], "[%s]", mod);
			if (m > 0 && (flags[m - 1] & FLAME_NOSYM) && !strcmp(labels[m - 1], bufs[m]))
				continue;
			labels[m] = bufs[m];
			fl |= FLAME_NOSYM;
		}
		flags[m++] = fl;
	}
	if (m == 0) {
		labels[0] = "(no stack)";
		m = 1;
	}
	ret = flame_add(f, labels, flags, (size_t)m, w);
out_free:
	free(labels);
	free(bufs);
	free(flags);
	return ret;
}

double flame_total(const struct flame *f, size_t v)
{
	return v < f->nviews ? f->root.w[v] : 0;
}

static void free_children(struct fnode *n)
{
	struct fnode *c = n->child, *next;

	for (; c; c = next) {
		next = c->next;
		free_children(c);
		free(c->label);
		free(c->w);
		free(c);
	}
}

void flame_free(struct flame *f)
{
	if (!f)
		return;
	free_children(&f->root);
	free(f->root.label);
	free(f->root.w);
	free(f);
}

/* ------------------------------------------------------------ pruning */

/* The node's largest share of any view's total. */
static double node_share(const struct flame *f, const struct fnode *n)
{
	double best = 0;

	for (size_t v = 0; v < f->nviews; v++)
		if (f->root.w[v] > 0 && n->w[v] / f->root.w[v] > best)
			best = n->w[v] / f->root.w[v];
	return best;
}

/* Nodes reaching min_share, counting no further than limit. */
static size_t count_kept(const struct flame *f, const struct fnode *n, double min_share,
			 size_t limit)
{
	size_t count = 1;

	for (const struct fnode *c = n->child; c && count <= limit; c = c->next)
		if (node_share(f, c) >= min_share)
			count += count_kept(f, c, min_share, limit - count);
	return count;
}

static int mark(struct flame *f, struct fnode *n, double min_share)
{
	struct fnode *small = NULL;
	size_t nsmall = 0;

	for (struct fnode *c = n->child; c; c = c->next) {
		if (c->flags & FLAME_SMALL)
			continue;
		if (node_share(f, c) >= min_share) {
			c->keep = 1;
			if (mark(f, c, min_share) < 0)
				return -1;
			continue;
		}
		if (!small) {
			if (!(small = node_new(f, "(smaller frames)", FLAME_SMALL)))
				return -1;
			small->keep = 1;
		}
		for (size_t v = 0; v < f->nviews; v++)
			small->w[v] += c->w[v];
		nsmall++;
	}
	if (small) {
		char label[64];

		snprintf(label, sizeof label, "(%zu smaller frame%s)", nsmall, nsmall == 1 ? "" : "s");
		free(small->label);
		if (!(small->label = strdup(label))) {
			free(small->w);
			free(small);
			return -1;
		}
		small->next = n->child;
		n->child = small;
	}
	return 0;
}

int flame_prune(struct flame *f)
{
	double min_share = FLAME_MIN_SHARE;

	if (f->pruned)
		return 0;
	f->pruned = 1;
	while (count_kept(f, &f->root, min_share, FLAME_MAX_NODES) > FLAME_MAX_NODES)
		min_share *= 1.5;
	return mark(f, &f->root, min_share);
}

/* ------------------------------------------------------------ drawing */

/* A warm colour from the label, stable across runs (the page's script uses the same). */
static void frame_colour(const char *label, int flags, char *buf, size_t cap)
{
	unsigned h = 2166136261u;
	const unsigned char *p;

	if (flags & FLAME_SMALL) {
		snprintf(buf, cap, "#e4e4e4");
		return;
	}
	if (flags & FLAME_RUNTIME) {
		snprintf(buf, cap, "#c8c8c8");
		return;
	}
	for (p = (const unsigned char *)label; *p; p++)
		h = (h ^ *p) * 16777619u;
	if (flags & FLAME_NOSYM)
		snprintf(buf, cap, "rgb(%u,%u,%u)", 190 + h % 30, 160 + (h >> 8) % 40, 120 + (h >> 16) % 30);
	else
		snprintf(buf, cap, "rgb(%u,%u,%u)", 205 + h % 50, 80 + (h >> 8) % 130, 40 + (h >> 16) % 50);
}

struct draw {
	const struct flame *f;
	xmlNodePtr svg;
	size_t v;
	int unit_bytes;
	double total, scale, min_width;
	int frames;
};

static size_t sort_view; /* the view sort_children orders by */

/* Sort children heaviest first in the view (insertion sort into a new list). */
static void sort_children(struct fnode *n)
{
	struct fnode *sorted = NULL, *c = n->child, *next, **pp;

	for (; c; c = next) {
		next = c->next;
		for (pp = &sorted; *pp && (*pp)->w[sort_view] >= c->w[sort_view]; pp = &(*pp)->next)
			;
		c->next = *pp;
		*pp = c;
	}
	n->child = sorted;
}

static void value_text(const struct draw *d, double v, char *buf, size_t cap)
{
	if (d->unit_bytes)
		units_bytes(buf, cap, v);
	else
		units_count(buf, cap, v);
}

/* The frame's hover text: full name, what it is, its value and share. */
static void tooltip(const struct draw *d, const struct fnode *n, char *tip, size_t cap)
{
	char vb[UNITS_BUF], pb[UNITS_BUF];
	const char *what = n->flags & FLAME_SMALL	? "\n(frames too small to draw, summed)"
			   : n->flags & FLAME_NOSYM	? "\n(code without symbols in this module)"
			   : n->flags & FLAME_RUNTIME ? "\n(C/C++ runtime)"
						      : "";

	value_text(d, n->w[d->v], vb, sizeof vb);
	snprintf(tip, cap, "%.900s%s\n%s (%s)", n->label, what, vb,
		 units_percent(pb, sizeof pb, n->w[d->v] / d->total));
}

static void draw_node(struct draw *d, struct fnode *n, double x, int depth)
{
	double w = n->w[d->v] * d->scale, cx = x;
	char colour[32], tip[1200];
	xmlNodePtr g, el;

	if (!n->keep || w < d->min_width || d->frames >= FLAME_MAX_FRAMES)
		return;
	d->frames++;
	g = svg_el(d->svg, "g");
	svg_attr(g, "class", "fr");
	svg_attr(g, "data-x", "%.2f", x);
	svg_attr(g, "data-w", "%.2f", w);
	svg_attr(g, "data-d", "%d", depth);
	tooltip(d, n, tip, sizeof tip);
	svg_text(svg_el(g, "title"), tip);
	el = svg_el(g, "rect");
	svg_attr(el, "x", "%.2f", x);
	svg_attr(el, "y", "%.1f", TOP + ROW * depth);
	svg_attr(el, "width", "%.2f", w);
	svg_attr(el, "height", "%.1f", ROW - 1);
	frame_colour(n->label, n->flags, colour, sizeof colour);
	svg_attr(el, "fill", "%s", colour);
	/* about 6.5 units per character at font-size 11 */
	if (w >= 24) {
		size_t fit = (size_t)((w - 6) / 6.5), len = strlen(n->label);
		char text[256];

		if (fit >= sizeof text)
			fit = sizeof text - 1;
		if (len <= fit) {
			snprintf(text, sizeof text, "%s", n->label);
		} else if (fit >= 3) {
			size_t cut = fit - 1;

			cut = utf8_floor(n->label, cut);
			memcpy(text, n->label, cut);
			memcpy(text + cut, "\xe2\x80\xa6", 4);
		} else {
			text[0] = '\0';
		}
		if (text[0]) {
			el = svg_el(g, "text");
			svg_attr(el, "x", "%.2f", x + 3);
			svg_attr(el, "y", "%.1f", TOP + ROW * depth + 12);
			svg_text(el, text);
		}
	}
	sort_view = d->v;
	sort_children(n);
	for (struct fnode *c = n->child; c; c = c->next) {
		if (!c->keep)
			continue;
		draw_node(d, c, cx, depth + 1);
		cx += c->w[d->v] * d->scale;
	}
}

/* Deepest level that will be drawn, for the picture's height. */
static int drawn_depth(const struct draw *d, const struct fnode *n, int depth)
{
	int max = depth;

	for (const struct fnode *c = n->child; c; c = c->next) {
		if (c->keep && c->w[d->v] * d->scale >= d->min_width) {
			int k = drawn_depth(d, c, depth + 1);

			if (k > max)
				max = k;
		}
	}
	return max;
}

/* Frames at least min_width wide, counting no further than limit. */
static int count_wide(const struct draw *d, const struct fnode *n, int limit)
{
	int count = 1;

	for (const struct fnode *c = n->child; c && count <= limit; c = c->next)
		if (c->keep && c->w[d->v] * d->scale >= d->min_width)
			count += count_wide(d, c, limit - count);
	return count;
}

xmlNodePtr flame_svg(struct flame *f, size_t v, int unit_bytes, const char *title)
{
	struct draw d = { .f = f, .v = v, .unit_bytes = unit_bytes };
	int depth;
	double h;

	if (v >= f->nviews || flame_prune(f) < 0)
		return NULL;
	d.total = f->root.w[v];
	d.scale = d.total > 0 ? FLAME_WIDTH / d.total : 0;
	d.min_width = FLAME_MIN_WIDTH;
	/* widen the cut until the frame budget holds, so the cut is by size */
	while (d.total > 0 && count_wide(&d, &f->root, FLAME_MAX_FRAMES) > FLAME_MAX_FRAMES)
		d.min_width *= 1.5;
	depth = d.total > 0 ? drawn_depth(&d, &f->root, 0) : 0;
	h = TOP * 2 + ROW * (depth + 1);
	if (!(d.svg = svg_root(FLAME_WIDTH, h, "flame", title)))
		return NULL;
	svg_attr(d.svg, "data-width", "%.0f", FLAME_WIDTH);
	if (d.total > 0)
		draw_node(&d, &f->root, 0, 0);
	return d.svg;
}

/* ------------------------------------------------------------ the page's data */

struct jctx {
	const struct flame *f;
	struct jbuf *out, *names;
	size_t nnames, count;
	struct fnode **seen; /* label interning: the first node of each label */
	size_t nseen, capseen;
};

/* The index of n's label in the names list (linear over distinct labels seen so far). */
static long name_index(struct jctx *j, struct fnode *n)
{
	for (size_t i = 0; i < j->nseen; i++)
		if (!strcmp(j->seen[i]->label, n->label))
			return (long)i;
	if (j->nseen == j->capseen) {
		size_t nc = j->capseen ? j->capseen * 2 : 256;
		struct fnode **p = realloc(j->seen, nc * sizeof *p);

		if (!p)
			return -1;
		j->seen = p;
		j->capseen = nc;
	}
	j->seen[j->nseen] = n;
	jbuf_adds(j->names, j->nseen ? "," : "");
	jbuf_add_string(j->names, n->label, strlen(n->label));
	return (long)j->nseen++;
}

static int write_node(struct jctx *j, struct fnode *n, long parent)
{
	char num[48];
	long me = (long)j->count++, name = name_index(j, n);

	if (name < 0)
		return -1;
	snprintf(num, sizeof num, "%s[%ld,%ld,%d", me ? ",\n" : "", parent, name, n->flags);
	jbuf_adds(j->out, num);
	for (size_t v = 0; v < j->f->nviews; v++) {
		snprintf(num, sizeof num, ",%.0f", n->w[v]);
		jbuf_adds(j->out, num);
	}
	jbuf_adds(j->out, "]");
	for (struct fnode *c = n->child; c; c = c->next)
		if (c->keep && write_node(j, c, me) < 0)
			return -1;
	return 0;
}

/*
 * The JSON text with '<' and every non-ASCII character written as \uXXXX:
 * "</script>" cannot end the element early, and the HTML writer, which
 * turns non-ASCII characters in a script into entities the script would
 * read literally, finds none. '<' and non-ASCII bytes only occur inside
 * strings, and jbuf_add_string wrote those as valid UTF-8.
 */
static char *json_ascii(const struct jbuf *in)
{
	char *s = malloc(in->len * 6 + 1), *o = s;
	const unsigned char *p = (const unsigned char *)in->s, *end = p + in->len;

	if (!s)
		return NULL;
	while (p < end) {
		unsigned c = *p, cp, len;

		if (c < 0x80 && c != '<') {
			*o++ = (char)*p++;
			continue;
		}
		len = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
		cp = len == 1 ? c : c & (0xff >> (len + 1));
		for (unsigned k = 1; k < len && p + k < end; k++)
			cp = (cp << 6) | (p[k] & 0x3f);
		p += len;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			o += sprintf(o, "\\u%04x\\u%04x", 0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
		} else {
			o += sprintf(o, "\\u%04x", cp);
		}
	}
	*o = '\0';
	return s;
}

char *flame_json(const struct flame *f, const char *const *view_names, const int *view_bytes)
{
	struct jbuf out = JBUF_INIT, nodes = JBUF_INIT, names = JBUF_INIT;
	struct jctx j = { .f = f, .out = &nodes, .names = &names };
	char num[64];
	char *s = NULL;

	if (!f->pruned || write_node(&j, (struct fnode *)&f->root, -1) < 0)
		goto out_free;
	jbuf_adds(&out, "{\"views\":[");
	for (size_t v = 0; v < f->nviews; v++) {
		jbuf_adds(&out, v ? ",\n{\"name\":" : "{\"name\":");
		jbuf_add_string(&out, view_names[v], strlen(view_names[v]));
		snprintf(num, sizeof num, ",\"bytes\":%d,\"total\":%.0f}", view_bytes[v] ? 1 : 0,
			 f->root.w[v]);
		jbuf_adds(&out, num);
	}
	jbuf_adds(&out, "],\n\"names\":[");
	if (names.len)
		jbuf_add(&out, names.s, names.len);
	jbuf_adds(&out, "],\n\"nodes\":[");
	if (nodes.len)
		jbuf_add(&out, nodes.s, nodes.len);
	jbuf_adds(&out, "]}");
	if (out.oom || nodes.oom || names.oom)
		goto out_free;
	s = json_ascii(&out);
out_free:
	jbuf_free(&out);
	jbuf_free(&nodes);
	jbuf_free(&names);
	free(j.seen);
	return s;
}

/* ------------------------------------------------------------ the section's model */

struct stack_idx {
	long long stack_id;
	size_t i;
};

static int cmp_stack_idx(const void *a, const void *b)
{
	long long x = ((const struct stack_idx *)a)->stack_id, y = ((const struct stack_idx *)b)->stack_id;

	return x < y ? -1 : x > y;
}

/* live[i*stride + col] = live bytes of site i at snapshot seq, from site_snapshots. */
static int live_at(sqlite3 *db, const struct rp_process *p, const struct stack_idx *idx,
		   long long seq, double *w, size_t stride, size_t col)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db,
			       "SELECT stack_id, live_bytes FROM site_snapshots"
			       " WHERE process_id = ? AND snapshot_seq = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, p->id);
	sqlite3_bind_int64(st, 2, seq);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct stack_idx key = { .stack_id = sqlite3_column_int64(st, 0) }, *hit;

		hit = bsearch(&key, idx, p->nsites, sizeof *idx, cmp_stack_idx);
		if (hit)
			w[hit->i * stride + col] = sqlite3_column_double(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The sites no view draws on their own, summed per view. */
struct rest {
	size_t n;
	double *w;
};

/* The k-th largest of a[0..n-1] (k < n, counting from 0); reorders a. */
static double kth_largest(double *a, size_t n, size_t k)
{
	size_t lo = 0, hi = n; /* the answer is in a[lo..hi-1] */

	while (hi - lo > 1) {
		double pivot = a[lo + (hi - lo) / 2], t;
		/* three-way partition: a[lo..lt-1] > pivot, a[lt..gt-1] == pivot, a[gt..hi-1] < pivot */
		size_t lt = lo, i = lo, gt = hi;

		while (i < gt) {
			if (a[i] > pivot) {
				t = a[lt], a[lt++] = a[i], a[i++] = t;
			} else if (a[i] < pivot) {
				t = a[--gt], a[gt] = a[i], a[i] = t;
			} else {
				i++;
			}
		}
		if (k < lt)
			hi = lt;
		else if (k < gt)
			return pivot;
		else
			lo = gt;
	}
	return a[lo];
}

/*
 * Which sites get their own stacks in the tree: the FLAME_SITES heaviest
 * in each view. Reading every stack of a run with 100,000 sites would
 * cost seconds for frames nobody could see; the others are summed into
 * rest. Returns a flag per site (malloc'd), or NULL.
 */
static char *choose_sites(size_t nsites, const double *w, size_t nv, struct rest *rest)
{
	char *chosen = calloc(nsites + 1, 1);
	double *col = malloc((nsites + 1) * sizeof *col);

	rest->w = calloc(nv, sizeof *rest->w);
	if (!chosen || !col || !rest->w) {
		free(chosen);
		free(col);
		return NULL;
	}
	for (size_t v = 0; v < nv; v++) {
		double cut = 0;
		size_t taken = 0;

		if (nsites > FLAME_SITES) {
			for (size_t i = 0; i < nsites; i++)
				col[i] = w[i * nv + v];
			cut = kth_largest(col, nsites, FLAME_SITES - 1);
		}
		/* above the cut first, then ties at it, FLAME_SITES in all */
		for (size_t i = 0; i < nsites && taken < FLAME_SITES; i++)
			if (w[i * nv + v] > cut || (nsites <= FLAME_SITES && w[i * nv + v] > 0))
				chosen[i] = 1, taken++;
		for (size_t i = 0; i < nsites && taken < FLAME_SITES && cut > 0; i++)
			if (w[i * nv + v] == cut && !chosen[i])
				chosen[i] = 1, taken++;
	}
	for (size_t i = 0; i < nsites; i++) {
		if (chosen[i])
			continue;
		rest->n++;
		for (size_t v = 0; v < nv; v++)
			rest->w[v] += w[i * nv + v];
	}
	free(col);
	return chosen;
}

static double num(double v)
{
	return isnan(v) ? 0 : v;
}

tal_value *flame_section(sqlite3 *db, const struct rp_process *p, flame_stack_fn stack, void *ctx)
{
	const char *names[FLAME_MAX_VIEWS];
	char label_buf[FLAME_MAX_VIEWS][160], tb[UNITS_BUF];
	int bytes[FLAME_MAX_VIEWS];
	size_t nv = 0, nsnap = 0, skipped = 0, col_live0;
	struct stack_idx *idx = calloc(p->nsites + 1, sizeof *idx);
	double *w = NULL;
	struct flame *f = NULL;
	tal_value *d = tal_dict(), *views = tal_list();
	char *json = NULL, *chosen = NULL;
	struct rest rest = { 0 };

	if (!idx || !d || !views)
		goto out_fail;
	names[nv] = "Allocated bytes", bytes[nv++] = 1;
	names[nv] = "Allocations", bytes[nv++] = 0;
	col_live0 = nv;
	for (size_t i = 0; i < p->nsnaps; i++) {
		if (p->snaps[i].kind != SNAP_USER)
			continue;
		if (nv + 4 > FLAME_MAX_VIEWS) {
			skipped++;
			continue;
		}
		snprintf(label_buf[nv], sizeof label_buf[nv], "Live at \xe2\x80\x9c%.120s\xe2\x80\x9d",
			 p->snaps[i].label);
		names[nv] = label_buf[nv], bytes[nv++] = 1;
		nsnap++;
	}
	names[nv] = "Live at exit", bytes[nv++] = 1;
	names[nv] = "Lost", bytes[nv++] = 1;
	names[nv] = "Indirectly lost", bytes[nv++] = 1;
	if (!(w = calloc((p->nsites + 1) * nv, sizeof *w)))
		goto out_fail;
	for (size_t i = 0; i < p->nsites; i++) {
		const struct rp_site *s = &p->sites[i];

		idx[i].stack_id = s->stack_id;
		idx[i].i = i;
		w[i * nv + 0] = num(s->bytes);
		w[i * nv + 1] = num(s->allocs);
		w[i * nv + nv - 3] = num(s->live_bytes);
		w[i * nv + nv - 2] = num(s->lost_bytes);
		w[i * nv + nv - 1] = num(s->indirect_bytes);
	}
	qsort(idx, p->nsites, sizeof *idx, cmp_stack_idx);
	for (size_t i = 0, col = col_live0; i < p->nsnaps && col < col_live0 + nsnap; i++)
		if (p->snaps[i].kind == SNAP_USER &&
		    live_at(db, p, idx, p->snaps[i].seq, w, nv, col++) < 0)
			goto out_fail;
	if (!(f = flame_new("all", nv)) || !(chosen = choose_sites(p->nsites, w, nv, &rest)))
		goto out_fail;
	for (size_t i = 0; i < p->nsites; i++) {
		int n = 0;
		const struct rp_frame *fr;

		if (!chosen[i])
			continue;
		fr = stack(ctx, p->sites[i].stack_id, &n);

		if (!fr || n == 0) {
			const char *lab = p->sites[i].function ? p->sites[i].function : "(no stack)";
			int fl = p->sites[i].runtime ? FLAME_RUNTIME : 0;

			if (flame_add(f, &lab, &fl, 1, w + i * nv) < 0)
				goto out_fail;
		} else if (flame_add_frames(f, fr, n, w + i * nv) < 0) {
			goto out_fail;
		}
	}
	if (rest.n) {
		char lab[64];
		const char *labp = lab;
		int fl = FLAME_SMALL;

		snprintf(lab, sizeof lab, "(%zu smaller sites)", rest.n);
		if (flame_add(f, &labp, &fl, 1, rest.w) < 0)
			goto out_fail;
	}
	if (flame_prune(f) < 0)
		goto out_fail;
	for (size_t v = 0; v < nv; v++) {
		tal_value *e = tal_dict();

		tal_set_str(e, "name", names[v]);
		tal_set_str(e, "total", bytes[v] ? units_bytes(tb, sizeof tb, flame_total(f, v))
						 : units_count(tb, sizeof tb, flame_total(f, v)));
		tal_push(views, e);
	}
	tal_set(d, "views", views);
	views = NULL;
	tal_set(d, "alloc", flame_total(f, 0) > 0 ?
				    tal_node(flame_svg(f, 0, 1, "Flame graph of allocated bytes")) :
				    tal_null());
	tal_set_str(d, "alloc_total", units_bytes(tb, sizeof tb, flame_total(f, 0)));
	tal_set_str(d, "leaked_total",
		    units_bytes(tb, sizeof tb, flame_total(f, nv - 2) + flame_total(f, nv - 1)));
	if (skipped)
		tal_set_strf(d, "more_views",
			     "The live view of the last %zu of the program's snapshots is left out.",
			     skipped);
	else
		tal_set(d, "more_views", tal_null());
	if (!(json = flame_json(f, names, bytes)))
		goto out_fail;
	tal_set_str(d, "data", json);
	free(json);
	free(idx);
	free(w);
	free(chosen);
	free(rest.w);
	flame_free(f);
	return d;
out_fail:
	tal_free(d);
	tal_free(views);
	free(idx);
	free(w);
	free(chosen);
	free(rest.w);
	flame_free(f);
	return NULL;
}
